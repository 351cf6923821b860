"""The credit pages: an organization's own records and standing, a record with its versions
and objections, filing and withdrawing an objection, the inspectors' queue and decision,
and the public dishonesty list (masking, filters, leaving the list when the effect ends,
the query count). Someone else's record answers 404, the same as one that does not exist."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from credit import selectors, services
from credit.constants import Source
from credit.models import CreditRecord, Objection
from portal.middleware import VERIFIED_KEY
from portal.models import AuditEvent, Foreigner, Organization, Region, StoredFile, User
from portal.roles import Role
from tests.credit.conftest import MakeRecord
from tests.factories import OrganizationFactory, RoleHelper
from tests.pages import html_of, tr

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture(autouse=True)
def _storage() -> Iterator[None]:
    yield
    from portal import files

    storage = files.StoredFile._meta.get_field("file").storage
    for name in list(files._walk(storage, files.UPLOAD_ROOT)):
        storage.delete(name)


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
        session = client.session
        session[VERIFIED_KEY] = True
        session.save()
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"credit:{name}", args=args)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def record(make_record: MakeRecord) -> CreditRecord:
    return make_record(effective_from=days(-10), effective_until=days(355), disclosed=True)


# --- Own records --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.EMPLOYER_ADMIN, Role.EMPLOYER_STAFF])
def test_the_employer_sees_its_records_and_standing(
    role: str, roles: RoleHelper, employer: Organization, record: CreditRecord
) -> None:
    user = roles.user(role, organization=employer)

    with translation.override("en"):
        html = html_of(client_for(user).get(url("records")))

    text = text_of(html)
    assert f"Standing on {today().isoformat()}" in text
    assert "Dishonest" in text
    assert (
        f"Illegal employment of foreigners ({days(-10).isoformat()} – {days(355).isoformat()})"
        in text
    )
    assert f"Until {days(355).isoformat()}." in text
    assert f"Blocks registration and new applications until {days(355).isoformat()}." in text
    assert f"/en/credit-record/{record.series}/" in html
    assert "Under objection" not in text


def test_the_records_page_in_chinese(employer_admin: User, record: CreditRecord) -> None:
    html = html_of(client_for(employer_admin).get(url("records")))

    assert tr("Credit record") in html
    assert tr("Under objection") not in html


def test_the_records_page_query_count(
    employer_admin: User,
    make_record: MakeRecord,
    django_assert_num_queries: Any,
) -> None:
    for n in range(5):
        make_record(effective_from=days(-n), effective_until=days(100), reference=f"R{n}")
    client = client_for(employer_admin)
    client.get(url("records"))

    # session, user, roles, own organization (grant + organization), records, standing, the
    # unread notifications of the header
    with django_assert_num_queries(7):
        response = client.get(url("records"))
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "inspector", "other_employer"])
def test_the_records_page_is_for_employers_and_agencies(
    who: str, roles: RoleHelper, inspector: User, record: CreditRecord
) -> None:
    user = {
        "anonymous": lambda: None,
        "inspector": lambda: inspector,
        "other_employer": lambda: roles.user(Role.EMPLOYER_ADMIN),
    }[who]()
    response = client_for(user).get(url("record_detail", record.series))

    assert response.status_code == (302 if who == "anonymous" else 404)


def test_a_record_detail_with_versions_and_the_objection_mark(
    employer_admin: User, inspector: User, record: CreditRecord
) -> None:
    corrected = services.record_correct(
        actor=inspector, record=record, reason="Facts completed.", facts="Two persons, 2026."
    )
    services.objection_file(actor=employer_admin, record=corrected, statement="Not so.")

    with translation.override("en"):
        html = html_of(client_for(employer_admin).get(url("record_detail", record.series)))

    text = text_of(html)
    assert "Two persons, 2026." in text
    assert "Facts completed." in text
    assert "Under objection" in text
    assert "An objection to this record is already open." in text
    assert "Withdraw the objection" in text
    assert f"/{record.series}/object/" not in html
    assert f"/en/credit-record/{record.series}/" in html


def test_a_record_of_an_unknown_series_is_404(employer_admin: User) -> None:
    assert client_for(employer_admin).get(url("record_detail", uuid.uuid4())).status_code == 404


# --- Filing and withdrawing -----------------------------------------------------------------------


def test_the_admin_files_an_objection_through_the_page(
    employer_admin: User, record: CreditRecord
) -> None:
    client = client_for(employer_admin)
    assert html_of(client.get(url("objection_new", record.series)))

    response = client.post(
        url("objection_new", record.series),
        {
            "statement": "Both were applied for before the inspection.",
            "evidence": [
                SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("b.pdf", PDF, content_type="application/pdf"),
            ],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == url("record_detail", record.series)
    objection = Objection.objects.get()
    assert objection.statement == "Both were applied for before the inspection."
    assert sorted(f.original_name for f in objection.evidence.all()) == ["a.pdf", "b.pdf"]
    evidence = objection.evidence.get(original_name="a.pdf")
    download = client.get(url("objection_evidence", objection.pk, evidence.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]


def test_a_bad_file_is_a_form_error_and_nothing_changes(
    employer_admin: User, record: CreditRecord
) -> None:
    client = client_for(employer_admin)
    events = AuditEvent.objects.count()
    with translation.override("en"):
        response = client.post(
            url("objection_new", record.series),
            {
                "statement": "See the file.",
                "evidence": [
                    SimpleUploadedFile("x.pdf", b"GIF89a nope", content_type="application/pdf")
                ],
            },
        )
        html = html_of(response)

    assert response.status_code == 200
    assert "Please correct the fields marked below." in html
    assert Objection.objects.count() == 0
    assert StoredFile.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_an_empty_statement_is_a_form_error(employer_admin: User, record: CreditRecord) -> None:
    response = client_for(employer_admin).post(
        url("objection_new", record.series), {"statement": ""}
    )

    assert response.status_code == 200
    assert Objection.objects.count() == 0


def test_staff_may_not_open_the_objection_form(
    roles: RoleHelper, employer: Organization, record: CreditRecord
) -> None:
    staff = roles.user(Role.EMPLOYER_STAFF, organization=employer)
    client = client_for(staff)

    assert client.get(url("objection_new", record.series)).status_code == 404
    assert client.post(url("objection_new", record.series), {"statement": "x"}).status_code == 404
    assert Objection.objects.count() == 0


def test_the_filer_withdraws_through_the_page(employer_admin: User, record: CreditRecord) -> None:
    objection = services.objection_file(actor=employer_admin, record=record, statement="Not so.")

    response = client_for(employer_admin).post(url("objection_withdraw", objection.pk))

    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.state == Objection.State.WITHDRAWN


def test_another_employer_cannot_withdraw(
    roles: RoleHelper, employer_admin: User, record: CreditRecord
) -> None:
    objection = services.objection_file(actor=employer_admin, record=record, statement="Not so.")
    stranger = roles.user(Role.EMPLOYER_ADMIN)

    response = client_for(stranger).post(url("objection_withdraw", objection.pk))

    assert response.status_code == 404
    objection.refresh_from_db()
    assert objection.state == Objection.State.FILED


# --- Inspectors ---------------------------------------------------------------------------------


@pytest.fixture
def objection(employer_admin: User, record: CreditRecord) -> Objection:
    return services.objection_file(actor=employer_admin, record=record, statement="Not so.")


def test_the_queue_of_the_region(
    objection: Objection, inspector: User, django_assert_num_queries: Any
) -> None:
    client = client_for(inspector)
    client.get(url("objection_queue"))

    # session, user, roles, region scope, the page of objections, the unread notifications
    # of the header
    with django_assert_num_queries(6):
        response = client.get(url("objection_queue"))

    html = html_of(response)
    assert url("objection_review", objection.pk) in html
    assert objection.organization.name in html


def test_the_queue_is_empty_for_another_region(
    objection: Objection, beijing_inspector: User
) -> None:
    client = client_for(beijing_inspector)

    html = html_of(client.get(url("objection_queue")))
    assert url("objection_review", objection.pk) not in html
    assert client.get(url("objection_review", objection.pk)).status_code == 404


def test_the_queue_is_for_inspectors(employer_admin: User, decision_officer: User) -> None:
    assert client_for(employer_admin).get(url("objection_queue")).status_code == 404
    assert client_for(decision_officer).get(url("objection_queue")).status_code == 404


def test_the_inspector_takes_up_and_corrects(
    objection: Objection, inspector: User, record: CreditRecord
) -> None:
    client = client_for(inspector)
    with translation.override("en"):
        assert "Under objection" in text_of(
            html_of(client.get(url("objection_review", objection.pk)))
        )
    client.post(url("objection_review", objection.pk), {"action": "take_up"})

    response = client.post(
        url("objection_review", objection.pk),
        {
            "action": "correct",
            "correction-facts": record.facts,
            "correction-severity": "minor",
            "correction-effective_until": days(60).isoformat(),
            "correction-disclosed": "on",
            "correction-reason": "Only one person.",
        },
    )

    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.state == Objection.State.CORRECTED
    head = CreditRecord.objects.get(series=record.series, superseded_at__isnull=True)
    assert (head.version, head.severity, head.effective_until) == (2, "minor", days(60))


def test_a_decision_without_reason_is_a_form_error(objection: Objection, inspector: User) -> None:
    client = client_for(inspector)
    client.post(url("objection_review", objection.pk), {"action": "take_up"})

    response = client.post(
        url("objection_review", objection.pk), {"action": "uphold", "decision-reason": ""}
    )

    assert response.status_code == 200
    objection.refresh_from_db()
    assert objection.state == Objection.State.UNDER_REVIEW


def test_a_refused_decision_says_why(
    objection: Objection, inspector: User, record: CreditRecord
) -> None:
    client = client_for(inspector)
    client.post(url("objection_review", objection.pk), {"action": "take_up"})

    with translation.override("en"):
        response = client.post(
            url("objection_review", objection.pk),
            {
                "action": "correct",
                "correction-facts": record.facts,
                "correction-severity": "serious",
                "correction-effective_until": record.effective_until.isoformat(),  # type: ignore[union-attr]
                "correction-disclosed": "on",
                "correction-reason": "Nothing really.",
            },
        )
        html = html_of(response)

    assert "The correction changes nothing." in html
    objection.refresh_from_db()
    assert objection.state == Objection.State.UNDER_REVIEW
    assert CreditRecord.objects.filter(series=record.series).count() == 1


# --- The public dishonesty list -------------------------------------------------------------------


@pytest.fixture
def listed(
    make_record: MakeRecord, inspector: User, employer: Organization
) -> dict[str, CreditRecord]:
    person = Foreigner.objects.create(
        surname="OKONKWO",
        given_names="ADAEZE NGOZI",
        sex=Foreigner.Sex.MALE,
        date_of_birth=dt.date(1984, 1, 22),
        nationality="GBR",
    )
    beijing = OrganizationFactory(region=Region.objects.get(code="110000"))
    return {
        "employer": make_record(
            effective_from=days(-10), effective_until=days(100), disclosed=True
        ),
        "worker": make_record(
            foreigner=person,
            region=Region.objects.get(code="310000"),
            kind="illegal_employment",
            effective_from=days(-5),
            effective_until=days(100),
            disclosed=True,
            fine_cny=None,
            persons=None,
        ),
        "beijing": services.record_create(
            actor=None,
            kind="false_materials",
            organization=beijing,
            facts="Forged diploma.",
            source=Source.APPLICATION_REVIEW,
            effective_from=days(-20),
            effective_until=None,
        ),
        # Not listed: undisclosed, ended yesterday, a commendation, revoked.
        "hidden": make_record(
            effective_from=days(-3), effective_until=days(100), disclosed=False, reference="H"
        ),
        "ended": make_record(
            effective_from=days(-400), effective_until=days(-1), disclosed=True, reference="E"
        ),
        "commendation": make_record(
            kind="commendation", effective_from=days(-2), disclosed=True, reference="C"
        ),
        "revoked": services.record_revoke(
            actor=inspector,
            record=make_record(effective_from=days(-4), disclosed=True, reference="V"),
            reason="Mistaken.",
        ),
    }


def listed_series(html: str, records: dict[str, CreditRecord]) -> list[str]:
    """The keys of the records the page lists, in the page's order (each record of the
    fixture begins on a day of its own)."""
    by_start = {record.effective_from.isoformat(): key for key, record in records.items()}
    return [
        by_start[start]
        for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
        for start in re.findall(r'<time datetime="([0-9-]+)">', row)[:1]
    ]


def test_the_public_list(listed: dict[str, CreditRecord], django_assert_num_queries: Any) -> None:
    client = Client()
    with translation.override("en"):
        client.get(url("dishonesty_list"))
        # session-less: kinds, provinces, the page (with the objection mark)
        with django_assert_num_queries(3):
            response = client.get(url("dishonesty_list"))
        html = html_of(response)

    assert response.status_code == 200
    assert listed_series(html, listed) == ["worker", "employer", "beijing"]
    assert listed["employer"].organization.name_en in html  # type: ignore[union-attr]
    assert "OKONKWO" not in html
    assert "ADAEZE" not in html
    assert "NGOZI" not in html
    assert "O*** A***" in html


def test_the_public_list_filters(listed: dict[str, CreditRecord]) -> None:
    client = Client()
    with translation.override("en"):
        by_province = html_of(client.get(url("dishonesty_list"), {"province": "110000"}))
        by_kind = html_of(client.get(url("dishonesty_list"), {"kind": "false_materials"}))
        by_name = html_of(
            # Part of the name, long enough to tell it from the other employers' names.
            client.get(url("dishonesty_list"), {"q": listed["employer"].organization.name_zh[:-1]})  # type: ignore[union-attr]
        )
        by_uscc = html_of(
            client.get(url("dishonesty_list"), {"q": listed["beijing"].subject_uscc.lower()})
        )
        worker_name = html_of(client.get(url("dishonesty_list"), {"q": "OKONKWO"}))

    assert listed_series(by_province, listed) == ["beijing"]
    assert listed_series(by_kind, listed) == ["beijing"]
    assert listed_series(by_name, listed) == ["employer"]
    assert listed_series(by_uscc, listed) == ["beijing"]
    assert listed_series(worker_name, listed) == []


def test_an_unknown_filter_is_an_error_and_lists_nothing(
    listed: dict[str, CreditRecord],
) -> None:
    with translation.override("en"):
        html = html_of(Client().get(url("dishonesty_list"), {"province": "999999"}))

    assert "Correct the search: nothing is shown until it is valid." in html
    assert listed_series(html, listed) == []


def test_a_record_under_objection_stays_listed_and_marked(
    listed: dict[str, CreditRecord], employer_admin: User
) -> None:
    services.objection_file(actor=employer_admin, record=listed["employer"], statement="No.")

    with translation.override("en"):
        html = html_of(Client().get(url("dishonesty_list")))

    row = next(
        r
        for r in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
        if listed["employer"].subject_uscc in r
    )
    assert "Under objection" in row


def test_the_list_pages(make_record: MakeRecord) -> None:
    for n in range(21):
        make_record(
            effective_from=days(-n), effective_until=days(10), disclosed=True, reference=f"P{n}"
        )

    first = html_of(Client().get(url("dishonesty_list")))
    second = html_of(Client().get(url("dishonesty_list"), {"page": "2"}))

    assert first.count("<tr>") == 21  # the header row and 20
    assert second.count("<tr>") == 2
    assert 'rel="next"' in first


def test_masking_rule() -> None:
    assert selectors.masked_name("SMITH", "JAMES ROBERT") == "S*** J***"
    assert selectors.masked_name("garcia lopez", "maria") == "G*** M***"
    assert selectors.masked_name("OKAFOR", "") == "O***"


# --- Demo data ----------------------------------------------------------------------------------


def test_the_demo_data_is_made_through_the_services_and_idempotent(
    roles: RoleHelper, inspector: User
) -> None:
    from credit import demo_data

    organizations = {
        "xuhui_school": OrganizationFactory(),
        "zhujiang_bio": OrganizationFactory(region=Region.objects.get(code="440000")),
        "pujiang_tech": OrganizationFactory(),
    }
    users = {
        "sh.inspector": inspector,
        "school.admin": roles.user(Role.EMPLOYER_ADMIN, organization=organizations["xuhui_school"]),
    }

    demo_data.load(users=users, organizations=organizations)
    demo_data.load(users=users, organizations=organizations)

    on = today()
    levels = {
        key: selectors.organization_standing(org.uscc, on).level  # type: ignore[arg-type]
        for key, org in organizations.items()
    }
    assert levels == {
        "xuhui_school": "dishonest",
        "zhujiang_bio": "attention",
        "pujiang_tech": "good",
    }
    objection = Objection.objects.get()
    assert (objection.state, objection.reviewer_id) == (Objection.State.UNDER_REVIEW, inspector.pk)
    assert CreditRecord.objects.count() == 3
    listed = list(selectors.dishonesty_list(on=on))
    assert [(r.organization_id, r.under_objection) for r in listed] == [  # type: ignore[attr-defined]
        (organizations["xuhui_school"].pk, True)
    ]


def test_evidence_is_served_to_the_filer_side_and_the_region_inspectors_only(
    roles: RoleHelper,
    employer: Organization,
    employer_admin: User,
    inspector: User,
    beijing_inspector: User,
    record: CreditRecord,
) -> None:
    objection = services.objection_file(
        actor=employer_admin,
        record=record,
        statement="See the receipt.",
        evidence=[SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf")],
    )
    stored = objection.evidence.get()
    address = url("objection_evidence", objection.pk, stored.pk)
    staff = roles.user(Role.EMPLOYER_STAFF, organization=employer)

    assert client_for(inspector).get(address).status_code == 200
    assert client_for(staff).get(address).status_code == 200
    assert client_for(beijing_inspector).get(address).status_code == 404
    assert client_for(roles.user(Role.EMPLOYER_ADMIN)).get(address).status_code == 404
    assert client_for(None).get(address).status_code == 302
    other = url("objection_evidence", objection.pk, uuid.uuid4())
    assert client_for(inspector).get(other).status_code == 404


def test_an_agency_agent_sees_the_agency_records_only(
    roles: RoleHelper, agency: Organization, make_record: MakeRecord, record: CreditRecord
) -> None:
    agent = roles.user(Role.AGENCY_AGENT, organization=agency)
    own = make_record(
        kind="illegal_introduction", organization=agency, effective_from=days(-1), reference="A"
    )
    client = client_for(agent)

    with translation.override("en"):
        html = html_of(client.get(url("records")))
        assert f"/en/credit-record/{own.series}/" in html
        assert str(record.series) not in html
        detail = html_of(client.get(url("record_detail", own.series)))
    assert f"/{own.series}/object/" in detail
    assert client.get(url("record_detail", record.series)).status_code == 404
