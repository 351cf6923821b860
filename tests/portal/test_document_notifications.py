"""Telling that an issued document is ready (``documents.ready``): when the render stores a
version (``portal.documents.document_render``), the people its kind names
(``DocumentKind.recipients``) get one inbox row and, after the commit, one e-mail in their
language, linking to the kind's page (``recipient_url``). A render run again tells nobody
more; a re-issue is a new version, told again; a failed render, a refused re-issue, a
version superseded before it was rendered tell nobody.

First on a test kind, then the permits app's kinds (``permits.issued``): the employer's
people (and the agency that filed the application) for a letter and the decisions, the
employer's people for a permit, the person who registered for a certificate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone, translation

from catalogs.models import Occupation
from permits import issued
from permits.models import Application, NotificationLetter, Permit, Registration
from portal import documents, signing
from portal.documents import Content, DocumentKind, DocumentRefused, Status
from portal.models import Foreigner, IssuedDocument, Notification, Organization, StoredFile, User
from portal.notifications import text_of
from portal.roles import Role
from portal.tasks import render_document
from tests.catalogs.conftest import SLICE, create_occupations
from tests.factories import OrganizationFactory, RoleHelper, UserFactory
from tests.testapp.models import Dossier

pytestmark = pytest.mark.django_db

KIND = "test_told"
READY = "documents.ready"
TEMPLATE = "documents/sample.html"


def told() -> list[str]:
    """The user names told, one per inbox row."""
    return sorted(
        Notification.objects.filter(kind=READY).values_list("recipient__username", flat=True)
    )


def text_for(notification: Notification, language: str) -> tuple[str, str]:
    with translation.override(language):
        text = text_of(notification)
    return text.subject, text.body


# --- Rendering, fast ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    """The sample template's PDF, rendered once for the module; the kernel then signs,
    seals and stores it for real."""
    from portal.pdf import render_template_pdf

    return render_template_pdf(TEMPLATE, {}, stylesheets=[documents.STYLESHEET])


@pytest.fixture(autouse=True)
def fast_render(sample_pdf: bytes) -> Iterator[mock.MagicMock]:
    with mock.patch("portal.documents.render_template_pdf", return_value=sample_pdf) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _clean(db: None) -> Iterator[None]:
    signing.private_key.cache_clear()
    yield
    for document in IssuedDocument.objects.exclude(file=""):
        document.file.storage.delete(document.file.name)
    signing.private_key.cache_clear()


# --- A kind of the tests ---------------------------------------------------------------------


@pytest.fixture
def people(db: None) -> dict[str, User]:
    gone = UserFactory(username="gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    return {
        "zh": UserFactory(username="holder.zh"),
        "en": UserFactory(username="holder.en", preferred_language="en"),
        "nomail": UserFactory(username="holder.nomail", email=""),
        "gone": gone,
        "officer": UserFactory(username="officer", is_superuser=True),
    }


def build(dossier: Dossier, day: dt.date) -> Content:
    return Content(
        number=f"T-{dossier.pk}",
        region=dossier.region,
        employer=None,
        context={"authority_zh": "测试机关", "authority_en": "Test authority"},
        facts={"h": dossier.title},
    )


@pytest.fixture
def kind(people: dict[str, User]) -> Iterator[DocumentKind]:
    spec = DocumentKind(
        code=KIND,
        label="Test document",
        title_zh="测试文件",
        title_en="Test document",
        template=TEMPLATE,
        model=Dossier,
        build=build,
        status=lambda dossier, day: Status.CURRENT,
        may_view=lambda user, dossier: user.is_superuser,
        may_reissue=lambda user, dossier: user.is_superuser,
        recipients=lambda document, dossier: [
            people["zh"],
            people["en"],
            people["nomail"],
            people["gone"],
        ],
        recipient_url=lambda document, dossier: f"/dossiers/{dossier.pk}/",
    )
    documents.register_kind(spec)
    yield spec
    documents.KINDS.pop(KIND, None)


@pytest.fixture
def dossier(db: None) -> Dossier:
    from portal.models import Region

    return Dossier.objects.create(
        title="Alice Example", region=Region.objects.get(code="310000"), state="approved"
    )


def issue(subject: Any, capture: Any, *, render: bool = True) -> IssuedDocument:
    with capture(execute=render):
        document = documents.document_issue(kind=KIND, subject=subject, actor=None)
    document.refresh_from_db()
    return document


def test_a_rendered_document_tells_its_people_once_after_the_commit(
    kind: DocumentKind,
    dossier: Dossier,
    people: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    document = issue(dossier, django_capture_on_commit_callbacks, render=False)
    assert document.state == IssuedDocument.State.PENDING
    assert Notification.objects.count() == 0  # issued, not yet ready: nobody told

    with django_capture_on_commit_callbacks(execute=True):
        documents.document_render(document.pk)
        assert mail.outbox == []

    # Active people only; the one without an address has the inbox row alone.
    assert told() == ["holder.en", "holder.nomail", "holder.zh"]
    row = Notification.objects.get(kind=READY, recipient=people["en"])
    assert row.event_key == f"document:{document.pk}:ready:1"
    assert row.url == f"/dossiers/{dossier.pk}/"
    assert row.params == {
        "title": "测试文件",
        "title@en": "Test document",
        "number": f"T-{dossier.pk}",
        "version": 1,
    }
    assert text_for(row, "en") == (
        f"Test document T-{dossier.pk} is ready",
        f"Test document T-{dossier.pk} (version 1) has been issued and signed, and is ready "
        "to download from the portal. Anyone it is shown to can check it on the portal's "
        "verify page.",
    )
    chinese = text_for(row, "zh-hans")[0]
    assert chinese.startswith(f"测试文件 T-{dossier.pk}")
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        [
            (people["en"].email, f"Test document T-{dossier.pk} is ready"),
            (people["zh"].email, chinese),
        ]
    )

    # The task delivered again (a lost acknowledgement, the sweeper): nothing more.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        documents.document_render(document.pk)
        render_document.delay(document.pk)
    assert Notification.objects.count() == 3
    assert mail.outbox == []


def test_a_reissue_is_told_as_its_own_version(
    kind: DocumentKind,
    dossier: Dossier,
    people: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = issue(dossier, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        second = documents.document_reissue(
            document=first, actor=people["officer"], reason="The name was misspelt."
        )

    assert sorted(set(Notification.objects.values_list("event_key", flat=True))) == [
        f"document:{first.pk}:ready:1",
        f"document:{second.pk}:ready:2",
    ]
    assert told() == sorted(["holder.en", "holder.nomail", "holder.zh"] * 2)
    row = Notification.objects.get(event_key__endswith=":ready:2", recipient=people["en"])
    assert text_for(row, "en")[0] == f"Test document T-{dossier.pk} is ready"


def test_a_refused_reissue_or_a_failed_render_tells_nobody(
    kind: DocumentKind,
    dossier: Dossier,
    people: dict[str, User],
    fast_render: mock.MagicMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = issue(dossier, django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    with pytest.raises(DocumentRefused):
        documents.document_reissue(document=first, actor=people["zh"], reason="Mine.")
    with pytest.raises(DocumentRefused):
        documents.document_reissue(document=first, actor=people["officer"], reason=" ")

    fast_render.side_effect = RuntimeError("the fonts are missing")
    with django_capture_on_commit_callbacks(execute=True):
        second = documents.document_reissue(
            document=first, actor=people["officer"], reason="Corrected."
        )
    second.refresh_from_db()
    assert second.state == IssuedDocument.State.FAILED
    assert Notification.objects.count() == 0

    # Tried again once the cause is fixed: told now, once.
    fast_render.side_effect = None
    with django_capture_on_commit_callbacks(execute=True):
        documents.document_retry(document=second, actor=people["officer"])
    assert told() == ["holder.en", "holder.nomail", "holder.zh"]


def test_a_version_superseded_before_its_render_tells_nobody(
    kind: DocumentKind,
    dossier: Dossier,
    people: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = issue(dossier, django_capture_on_commit_callbacks, render=False)
    second = documents.document_issue(kind=KIND, subject=dossier, actor=None)  # supersedes it
    documents.document_render(first.pk)
    assert Notification.objects.count() == 0
    documents.document_render(second.pk)
    assert set(Notification.objects.values_list("event_key", flat=True)) == {
        f"document:{second.pk}:ready:2"
    }


def test_a_kind_naming_nobody_tells_nobody_and_a_broken_one_still_renders(
    kind: DocumentKind,
    dossier: Dossier,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dataclasses

    monkeypatch.setitem(documents.KINDS, KIND, dataclasses.replace(kind, recipients=None))
    assert issue(dossier, django_capture_on_commit_callbacks).state == IssuedDocument.State.READY
    assert Notification.objects.count() == 0

    def broken(document: IssuedDocument, subject: Any) -> list[User]:
        raise LookupError("no such people")

    monkeypatch.setitem(documents.KINDS, KIND, dataclasses.replace(kind, recipients=broken))
    other = Dossier.objects.create(title="Bob Example", region=dossier.region, state="approved")
    with mock.patch.object(documents.logger, "exception") as logged:
        document = issue(other, django_capture_on_commit_callbacks)
    assert document.state == IssuedDocument.State.READY  # the document matters more
    assert Notification.objects.count() == 0
    logged.assert_called_once()


# --- The permits app's kinds ------------------------------------------------------------------

DAY = dt.date(2026, 6, 8)
SOFTWARE = "2-02-10-03"


def moment(day: dt.date) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def employer_side(roles: RoleHelper) -> dict[str, Any]:
    """A Shanghai employer with its administrator and staff (English), a service agency
    with its agent, another employer's administrator, and a decision officer."""
    employer = OrganizationFactory(name_zh="上海测试科技有限公司")
    agency = OrganizationFactory(agency=True, name_zh="上海测试人才服务公司")
    return {
        "employer": employer,
        "agency": agency,
        "admin": roles.user(Role.EMPLOYER_ADMIN, organization=employer, username="emp.admin"),
        "staff": roles.user(
            Role.EMPLOYER_STAFF,
            organization=employer,
            username="emp.staff",
            preferred_language="en",
        ),
        "agent": roles.user(Role.AGENCY_AGENT, organization=agency, username="agency.agent"),
        "stranger": roles.user(Role.EMPLOYER_ADMIN, username="other.admin"),
        "officer": roles.user(Role.DECISION_OFFICER, region_code="310000", username="sh.decide"),
    }


def worker() -> Foreigner:
    from portal.models import Passport

    person = Foreigner.objects.create(
        surname="SMITH",
        given_names="JAMES",
        sex=Foreigner.Sex.MALE,
        date_of_birth=dt.date(1986, 2, 3),
        nationality="GBR",
    )
    Passport.objects.create(
        foreigner=person,
        number="533380006",
        issuing_country="GBR",
        issue_date=dt.date(2021, 4, 1),
        expiry_date=dt.date(2031, 3, 31),
    )
    return person


def application(side: dict[str, Any], kind: str, **fields: Any) -> Application:
    from decimal import Decimal

    occupation = Occupation.objects.filter(edition=2022, code=SOFTWARE).first()
    if occupation is None:
        occupation = create_occupations([row for row in SLICE if row[0] == SOFTWARE])[SOFTWARE]
    person = fields.pop("foreigner", None) or worker()
    employer: Organization = side["employer"]
    values: dict[str, Any] = {
        "region": employer.region,
        "work_region": employer.region,
        "passport": person.passports.get(is_current=True),
        "occupation": occupation,
        "job_title": "Software engineer",
        "annual_salary_cny": Decimal("480000"),
        "contract_start": DAY,
        "contract_end": dt.date(2030, 6, 30),
        "category": "B",
        "route_code": "B-CATALOG",
        "route_source": "national:2025",
    }
    values.update(fields)
    return Application.objects.create(
        number=f"T{DAY:%Y%m%d}{Application.objects.count() + 1:05d}",
        kind=kind,
        state=Application.State.UNDER_REVIEW,
        employer=employer,
        created_by=side["admin"],
        foreigner=person,
        submitted_at=moment(DAY),
        **values,
    )


def approve(application: Application, officer: User) -> Application:
    """What the engine's approve does: the issuance (``permits.issuance``) and the
    documents (``permits.issued``), without the checks the permits tests make."""
    from django.db import transaction

    from permits import issuance
    from permits.workflows.application import APPLICATION_WORKFLOW
    from portal.workflow import TransitionContext

    with mock.patch("django.utils.timezone.now", return_value=moment(DAY)), transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        context = TransitionContext(
            actor=officer,
            transition=APPLICATION_WORKFLOW.get("approve"),
            from_state=locked.state,
            reason="",
            payload={},
            now=moment(DAY),
        )
        changed = issuance.issue_on_approval(locked, context)
        locked.state = Application.State.APPROVED
        locked.decided_at = context.now
        locked.save(update_fields=["state", "decided_at", *changed])
        issued.issue_for_approval(locked, officer, DAY)
    return locked


def render_all() -> None:
    for pk in IssuedDocument.objects.order_by("pk").values_list("pk", flat=True):
        documents.document_render(pk)


def told_of(subject: Any, kind: str) -> tuple[list[str], set[str]]:
    document = documents.documents_of(subject, [kind]).get()
    rows = Notification.objects.filter(event_key=f"document:{document.pk}:ready:1")
    return (
        sorted(rows.values_list("recipient__username", flat=True)),
        set(rows.values_list("url", flat=True)),
    )


def test_a_letter_and_its_grant_tell_the_employer_and_the_agency_that_filed(
    employer_side: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    filed = application(employer_side, Application.Kind.NEW, agency=employer_side["agency"])
    approved = approve(filed, employer_side["officer"])
    letter = NotificationLetter.objects.get(application=approved)
    with django_capture_on_commit_callbacks(execute=True):
        render_all()

    people = ["agency.agent", "emp.admin", "emp.staff"]
    page = {f"/applications/{approved.pk}/"}
    assert told_of(letter, issued.LETTER) == (people, page)
    assert told_of(approved, issued.GRANT) == (people, page)
    assert Notification.objects.filter(kind=READY).count() == 6
    staff = Notification.objects.get(
        kind=READY, recipient=employer_side["staff"], params__title="外国人工作许可通知"
    )
    assert text_for(staff, "en")[0] == (
        f"Notification Letter of Foreigner's Work Permit {letter.number} is ready"
    )
    # Two documents, each e-mailed to the three (all with addresses).
    assert len(mail.outbox) == 6
    render_all()
    assert Notification.objects.filter(kind=READY).count() == 6


def test_a_rejection_tells_the_employers_people(employer_side: dict[str, Any]) -> None:
    filed = application(employer_side, Application.Kind.NEW)
    with mock.patch("django.utils.timezone.now", return_value=moment(DAY)):
        Application.objects.filter(pk=filed.pk).update(
            state=Application.State.REJECTED, decided_at=timezone.now()
        )
        filed.refresh_from_db()
        issued.issue_for_refusal(filed, employer_side["officer"], DAY)
    render_all()
    assert told_of(filed, issued.REJECTION) == (
        ["emp.admin", "emp.staff"],
        {f"/applications/{filed.pk}/"},
    )


def test_a_permit_tells_the_employers_people_on_its_page(
    employer_side: dict[str, Any],
) -> None:
    letter_application = approve(
        application(employer_side, Application.Kind.NEW), employer_side["officer"]
    )
    letter = NotificationLetter.objects.get(application=letter_application)
    after_entry = approve(
        application(
            employer_side,
            Application.Kind.AFTER_ENTRY,
            foreigner=letter.foreigner,
            letter=letter,
            entry_date=DAY,
            agency=employer_side["agency"],
        ),
        employer_side["officer"],
    )
    permit = Permit.objects.get(application=after_entry)
    render_all()
    # The permit is the employer's: its people are told, on the permit's page.
    assert told_of(permit, issued.PERMIT) == (
        ["emp.admin", "emp.staff"],
        {f"/permits/{permit.pk}/"},
    )


def test_a_registration_certificate_tells_the_person_who_registered(
    employer_side: dict[str, Any],
) -> None:
    applicant = UserFactory(username="registrant", organization=None)
    employer: Organization = employer_side["employer"]
    licence = StoredFile.objects.create(
        file="tests/licence.pdf",
        original_name="licence.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        uploaded_by=applicant,
        uploaded_at=moment(DAY),
    )
    registration = Registration.objects.create(
        number="REG-T-1",
        kind=Registration.Kind.EMPLOYER,
        state=Registration.State.APPROVED,
        uscc=employer.uscc or "",
        name_zh=employer.name_zh,
        region=employer.region,
        address="上海市浦东新区测试路1号",
        legal_representative="张三",
        business_licence=licence,
        handler_name="李四",
        handler_phone="021-00000000",
        handler_email="handler@example.com",
        power_of_attorney=licence,
        applicant=applicant,
        organization=employer,
        submitted_at=moment(DAY),
        decided_at=moment(DAY),
    )
    issued.issue_for_registration(registration, employer_side["officer"], DAY)
    render_all()
    assert told_of(registration, issued.REGISTRATION) == (
        ["registrant"],
        {f"/registration/{registration.pk}/"},
    )
