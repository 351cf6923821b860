"""The service guide of an objection to a credit record (``credit.guides``): who may object,
when, what is filed and how it is decided, read from the objection's own rules, so that
the guide and the service agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from credit import services
from credit.forms import ObjectionForm
from credit.models import CreditRecord, Objection
from credit.workflows import OBJECTION_WORKFLOW
from portal import guides
from portal.models import Region, User
from tests.credit.conftest import MakeRecord
from tests.pages import html_of
from tests.portal.test_pages import sign_in_verified

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _content(province: Region | None = None) -> guides.GuideContent:
    spec = guides.guide("credit_objection")
    assert spec is not None
    return spec.build(province)


@pytest.fixture
def record(make_record: MakeRecord) -> CreditRecord:
    today = timezone.localdate()
    return make_record(
        effective_from=today - dt.timedelta(days=10),
        effective_until=today + dt.timedelta(days=355),
    )


def test_the_guide_is_registered_for_employers_and_agencies() -> None:
    spec = guides.guide("credit_objection")
    assert spec is not None
    assert spec.group == guides.EMPLOYERS
    assert str(spec.title) == "Objection to a credit record"


def test_who_may_object_is_the_services_rule() -> None:
    assert [str(line) for line in _content().who] == [
        "For an employer's record: its administrators (role “Employer administrator”).",
        "For a service agency's own record: its agents (role “Service agency agent”). An agency "
        "does not object to the record of an employer it acts for.",
        "Staff see the record but do not object; records of foreign workers are not objected "
        "to here.",
    ]


def test_the_materials_are_the_objection_forms_fields() -> None:
    (group,) = _content().materials
    form = ObjectionForm()
    assert [(m.kind, str(m.label), m.required) for m in group.items] == [
        (name, str(field.label), field.required) for name, field in form.fields.items()
    ]
    evidence = next(m for m in group.items if m.kind == "evidence")
    assert f"At most {services.OBJECTION_MAX_FILES} files." in [str(n) for n in evidence.notes]


def test_the_files_limit_of_the_guide_is_the_one_the_service_enforces(
    monkeypatch: pytest.MonkeyPatch, employer_admin: User, record: CreditRecord
) -> None:
    monkeypatch.setattr(services, "OBJECTION_MAX_FILES", 2)
    (group,) = _content().materials
    evidence = next(m for m in group.items if m.kind == "evidence")
    assert "At most 2 files." in [str(n) for n in evidence.notes]
    files = [SimpleUploadedFile(f"{n}.pdf", PDF, content_type="application/pdf") for n in "abc"]
    with pytest.raises(ValidationError) as refused:
        services.objection_file(actor=employer_admin, record=record, statement="x", evidence=files)
    assert refused.value.message_dict == {"evidence": ["Attach at most 2 files."]}
    assert Objection.objects.count() == 0


def test_the_decision_steps_are_the_workflows_transitions() -> None:
    steps = [str(step.text) for step in _content().steps]
    for transition in OBJECTION_WORKFLOW.transitions:
        assert any(text.startswith(f"{transition.label}, by ") for text in steps), transition
    assert (
        "Correct the record, by inspectors of the record's region: Under review → Record "
        "corrected. With the reason, which the organization reads."
    ) in steps
    assert "Withdraw, by the person who filed it: Filed, Under review → Withdrawn." in steps
    facts = {str(f.label): str(f.value) for f in _content().facts}
    assert (
        facts["A correction may change"] == "severity, facts, in effect until, disclosed publicly"
    )
    assert facts["Outcomes"] == "Record upheld, Record corrected, Record revoked, Withdrawn"


def test_when_an_objection_can_be_filed_is_when_the_service_accepts_one(
    make_record: MakeRecord, record: CreditRecord
) -> None:
    content = _content()
    conditions = [str(c) for c in content.conditions]
    assert (
        "The record is in effect today: from its first day of effect to its last. Until then, "
        "and after it, there is nothing to object to."
    ) in conditions
    assert "No other objection to the record is open (one open objection per record)." in (
        conditions
    )
    today = timezone.localdate()
    assert services.objection_refusal(record, today) == ""
    later = make_record(effective_from=today + dt.timedelta(days=1), reference="later-record")
    assert services.objection_refusal(later, today) == "Only a record in effect can be objected to."
    assert content.time_limits == ()
    assert "The rules set no working-day limit for the decision" in str(content.no_time_limit)


def test_the_decider_is_the_provinces_inspectors() -> None:
    shanghai = Region.objects.get(code="310000")
    facts = {str(f.label): str(f.value) for f in _content(shanghai).facts}
    assert facts["Decided by"] == (
        "the inspectors of Shanghai (and of its divisions, for their records)"
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_guide_page_and_its_pdf(client: Client, language: str) -> None:
    with translation.override(language):
        page = reverse("guides:guide", args=["credit_objection"])
        pdf = reverse("guides:pdf", args=["credit_objection"])
    assert client.get(page).status_code == 200
    response = client.get(pdf)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_the_objection_page_links_to_the_guide(employer_admin: User, record: CreditRecord) -> None:
    client = Client()
    sign_in_verified(client, employer_admin)
    html = html_of(client.get(reverse("credit:objection_new", args=[record.series])))
    assert f'href="{reverse("guides:guide", args=["credit_objection"])}"' in html
