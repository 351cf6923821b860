"""Documents issued before 1 April 2017 (Alien Employment Licence, Foreign Expert
Certificate): recording one by an officer of the province, importing a spreadsheet (every
row checked, nothing saved unless the whole file is clean), the management command, the
officers' pages (list paged with its query count pinned, record form, upload form),
verification by number (public page and partner lookup), and the closing of a document
when a new work permit of the holder at the same employer starts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from permits import issued
from permits.legacy_models import LegacyDocument
from permits.models import Application
from permits.services import legacy as services
from portal import documents, navigation
from portal.documents import Status
from portal.models import AuditEvent, Foreigner, Organization, Passport, User
from portal.roles import Role
from portal.services import PermissionDeniedError
from tests.factories import OrganizationFactory, RoleHelper
from tests.permits.conftest import TODAY, WORKER, Clock, Life, region
from tests.portal.test_pages import sign_in_verified, text_of

pytestmark = pytest.mark.django_db

LICENCE = LegacyDocument.Kind.ALIEN_EMPLOYMENT_LICENCE
CERTIFICATE = LegacyDocument.Kind.FOREIGN_EXPERT_CERTIFICATE
HEADER = ",".join(services.COLUMNS)


def values(employer: Organization, **changes: Any) -> dict[str, Any]:
    """A licence of a new holder (John Smith, British) at ``employer``."""
    return {
        "kind": LICENCE,
        "number": "3100 0020 1500 123",
        "surname": "Smith",
        "given_names": "John",
        "name_zh": "",
        "sex": "M",
        "date_of_birth": dt.date(1980, 5, 5),
        "nationality": "GBR",
        "passport_number": "p 7654321",
        "passport_country": "GBR",
        "passport_issue_date": dt.date(2019, 1, 1),
        "passport_expiry_date": dt.date(2029, 1, 1),
        "employer_uscc": employer.uscc,
        "valid_from": dt.date(2016, 3, 1),
        "valid_until": dt.date(2026, 12, 31),
        **changes,
    }


def counts() -> tuple[int, int, int, int]:
    return (
        LegacyDocument.objects.count(),
        Foreigner.objects.count(),
        Passport.objects.count(),
        AuditEvent.objects.count(),
    )


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def row(employer: Organization, number: str, passport: str, surname: str, **changes: str) -> str:
    cells = {
        "kind": "alien_employment_licence",
        "number": number,
        "surname": surname,
        "given_names": "ANN",
        "name_zh": "",
        "sex": "F",
        "date_of_birth": "1982-02-02",
        "nationality": "FRA",
        "passport_number": passport,
        "passport_country": "",
        "passport_issue_date": "2018-01-01",
        "passport_expiry_date": "2028-01-01",
        "employer_uscc": employer.uscc or "",
        "valid_from": "2016-01-01",
        "valid_until": "2026-12-31",
        **changes,
    }
    return ",".join(cells[c] for c in services.COLUMNS)


def good_rows(employer: Organization) -> list[str]:
    return [
        row(employer, "31000020150000001", "F1000001", "DUPONT"),
        row(employer, "31000020150000002", "F1000002", "MARTIN"),
        row(employer, "E31000020160003", "F1000003", "BERNARD", kind="foreign_expert_certificate"),
    ]


# --- Recording one -----------------------------------------------------------------------------


def test_officer_records_a_licence_with_a_new_holder(
    clock: Clock, employer: Organization, sh_acceptance: User
) -> None:
    before = counts()
    document = services.legacy_record(
        actor=sh_acceptance, region=region("310000"), values=values(employer)
    )
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 2)
    document.refresh_from_db()
    assert document.kind == LICENCE
    assert document.number == "310000201500123"
    assert document.holder.latin_name == "SMITH JOHN"
    assert document.passport.number == "P7654321"
    assert document.passport.issuing_country == "GBR"
    assert document.employer == employer
    assert document.region.code == "310000"
    assert (document.valid_from, document.valid_until) == (
        dt.date(2016, 3, 1),
        dt.date(2026, 12, 31),
    )
    assert document.state == LegacyDocument.State.VALID
    assert (document.closed_on, document.closed_by_permit) == (None, None)
    assert document.recorded_by == sh_acceptance
    assert document.source == LegacyDocument.Source.OFFICER
    assert document.import_batch == ""
    actions = list(AuditEvent.objects.order_by("-seq").values_list("action", flat=True)[:2])
    assert actions == [services.AUDIT_RECORD, "permits.worker.create"]


def test_a_known_passport_finds_the_same_person(
    clock: Clock, employer: Organization, sh_decision: User, foreigner: Foreigner
) -> None:
    before = counts()
    document = services.legacy_record(
        actor=sh_decision,
        region=region("310000"),
        values={**values(employer), **WORKER, "kind": CERTIFICATE, "number": "E3100002016"},
    )
    assert document.holder == foreigner
    assert counts() == (before[0] + 1, before[1], before[2], before[3] + 1)


@pytest.mark.parametrize("who", ["bj_acceptance", "bj_decision", "employer_admin"])
def test_only_officers_of_the_province_record(
    request: pytest.FixtureRequest, clock: Clock, employer: Organization, who: str
) -> None:
    actor = request.getfixturevalue(who)
    before = counts()
    with translation.override("en"), pytest.raises(PermissionDeniedError) as refused:
        services.legacy_record(actor=actor, region=region("310000"), values=values(employer))
    assert refused.value.message == (
        "Only the acceptance and decision officers of the province record its documents."
    )
    assert counts() == before


def refused(employer: Organization, actor: User, **changes: Any) -> dict[str, list[str]]:
    before = counts()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.legacy_record(
            actor=actor, region=region("310000"), values=values(employer, **changes)
        )
    assert counts() == before
    return error.value.message_dict


def test_an_unregistered_employer_is_refused(
    clock: Clock, employer: Organization, sh_acceptance: User
) -> None:
    assert refused(employer, sh_acceptance, employer_uscc="91310000MA1FL8TQ3X") == {
        "employer_uscc": [
            "No employer with this Unified Social Credit Identifier is registered: the "
            "employer registers in the portal first."
        ]
    }


@pytest.mark.parametrize(
    ("kind", "number", "message"),
    [
        (
            LICENCE,
            "AB12345",
            "An Alien Employment Licence number has 8 to 20 letters and digits, at least 6 "
            "of them digits.",
        ),
        (
            LICENCE,
            "ABCDEFG12345",
            "An Alien Employment Licence number has 8 to 20 letters and digits, at least 6 "
            "of them digits.",
        ),
        (
            LICENCE,
            "3100-0020-1500",
            "An Alien Employment Licence number has 8 to 20 letters and digits, at least 6 "
            "of them digits.",
        ),
        (
            CERTIFICATE,
            "EX123",
            "A Foreign Expert Certificate number has 6 to 20 letters and digits, at least 4 "
            "of them digits.",
        ),
        (
            LICENCE,
            "310000201500123456",
            "An 18-digit number is a work permit number, not a pre-2017 document's: check it.",
        ),
        (LICENCE, "  ", "This field is required."),
    ],
)
def test_number_formats_per_kind(
    clock: Clock, employer: Organization, sh_acceptance: User, kind: str, number: str, message: str
) -> None:
    assert refused(employer, sh_acceptance, kind=kind, number=number) == {"number": [message]}


def test_dates_and_fields_are_checked(
    clock: Clock, employer: Organization, sh_acceptance: User
) -> None:
    assert refused(
        employer,
        sh_acceptance,
        valid_from=dt.date(2017, 4, 1),
        valid_until=dt.date(2017, 3, 1),
        nationality="QQQ",
        kind="permit",
    ) == {
        "nationality": ["Choose a country by its ISO 3166 three-letter code."],
        "kind": ["The kind is alien_employment_licence or foreign_expert_certificate."],
        "valid_from": [
            "A pre-2017 document was issued before 1 April 2017; later ones are work permits."
        ],
        "valid_until": ["The document must end on or after its first day."],
    }


def test_a_number_is_unique_per_kind(
    clock: Clock, employer: Organization, sh_acceptance: User
) -> None:
    services.legacy_record(actor=sh_acceptance, region=region("310000"), values=values(employer))
    assert refused(employer, sh_acceptance) == {
        "number": ["A document of this kind with this number is recorded already."]
    }
    other = services.legacy_record(
        actor=sh_acceptance, region=region("310000"), values=values(employer, kind=CERTIFICATE)
    )
    assert other.number == "310000201500123"


def test_the_database_keeps_the_rules(
    clock: Clock, employer: Organization, sh_acceptance: User
) -> None:
    document = services.legacy_record(
        actor=sh_acceptance, region=region("310000"), values=values(employer)
    )
    for changes in (
        {"state": LegacyDocument.State.CLOSED},  # closed without a day
        {"closed_on": TODAY},  # a day without being closed
        {"valid_until": dt.date(2015, 1, 1)},  # ends before it starts
        {"valid_from": dt.date(2017, 4, 1), "valid_until": dt.date(2020, 1, 1)},
        {"source": LegacyDocument.Source.IMPORT},  # imported without a batch
        {"kind": "work_permit"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            LegacyDocument.objects.filter(pk=document.pk).update(**changes)
    with pytest.raises(IntegrityError), transaction.atomic():
        LegacyDocument.objects.create(
            **{
                f.name: getattr(document, f.name)
                for f in LegacyDocument._meta.concrete_fields
                if f.name != "id"
            }
        )


# --- Importing a spreadsheet -------------------------------------------------------------------


def test_a_file_with_one_bad_row_saves_nothing_then_the_fixed_file_imports(
    clock: Clock, employer: Organization, sh_acceptance: User
) -> None:
    rows = good_rows(employer)
    bad = row(employer, "31000020150000004", "F1000004", "PETIT", valid_until="2015-12-31")
    bad = bad.replace(employer.uscc or "", "91310000MA1FL8TQ3X")
    before = counts()
    with translation.override("en"):
        report = services.legacy_import(
            actor=sh_acceptance,
            region=region("310000"),
            data=csv_file(*rows, bad),
            file_name="a.csv",
        )
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (
            5,
            "employer_uscc",
            "No employer with this Unified Social Credit Identifier is registered: the "
            "employer registers in the portal first.",
        ),
        (5, "valid_until", "The document must end on or after its first day."),
    ]
    assert (report.rows, report.created, report.applied) == (4, 0, False)
    assert counts() == before

    fixed = csv_file(*rows, row(employer, "31000020150000004", "F1000004", "PETIT"))
    report = services.legacy_import(
        actor=sh_acceptance, region=region("310000"), data=fixed, file_name="a.csv"
    )
    assert report.errors == []
    assert (report.rows, report.created, report.applied) == (4, 4, True)
    # Four documents, four people, four passports; an audit event per person and the import's.
    assert counts() == (before[0] + 4, before[1] + 4, before[2] + 4, before[3] + 5)
    imported = LegacyDocument.objects.order_by("number")
    assert [(d.kind, d.number, d.holder.surname) for d in imported] == [
        (LICENCE, "31000020150000001", "DUPONT"),
        (LICENCE, "31000020150000002", "MARTIN"),
        (LICENCE, "31000020150000004", "PETIT"),
        (CERTIFICATE, "E31000020160003", "BERNARD"),
    ]
    assert {(d.source, d.import_batch) for d in imported} == {
        (LegacyDocument.Source.IMPORT, hashlib.sha256(fixed).hexdigest())
    }
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert event.action == services.AUDIT_IMPORT
    assert event.data["created"] == 4

    # The verification of a number now shows the licence valid until its date.
    verdict = documents.verdict_for_number("31000020150000002", "Ann Martin", TODAY)
    assert (verdict.genuine, verdict.status, verdict.facts["valid_until"]) == (
        True,
        Status.CURRENT,
        "2026-12-31",
    )


def test_duplicates_in_the_file_and_in_the_database(
    clock: Clock, employer: Organization, sh_acceptance: User
) -> None:
    services.legacy_record(actor=sh_acceptance, region=region("310000"), values=values(employer))
    data = csv_file(
        row(employer, "31000020150000001", "F1000001", "DUPONT"),
        row(employer, "3100 0020 1500 0000 1", "F1000002", "MARTIN"),
        row(employer, "310000201500123", "F1000003", "BERNARD"),
    )
    before = counts()
    with translation.override("en"):
        report = services.legacy_import(actor=sh_acceptance, region=region("310000"), data=data)
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (3, "number", "The number is listed twice: first on line 2."),
        (4, "number", "A document of this kind with this number is recorded already."),
    ]
    assert counts() == before


def test_a_passport_known_for_another_person_fails_at_saving_and_nothing_stays(
    clock: Clock, employer: Organization, sh_acceptance: User, foreigner: Foreigner
) -> None:
    """The rows pass the checks; the second names the fixture's passport with another
    surname: the first row's person and document are rolled back with it."""
    data = csv_file(
        row(employer, "31000020150000001", "F1000001", "DUPONT"),
        row(employer, "31000020150000002", "C01X00T47", "MARTIN", nationality="DEU"),
    )
    before = counts()
    with translation.override("en"):
        report = services.legacy_import(actor=sh_acceptance, region=region("310000"), data=data)
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (
            3,
            "passport_number",
            "This passport is recorded for a person with another surname or date of birth: "
            "check the number and the personal details.",
        )
    ]
    assert (report.created, report.applied) == (0, False)
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"kind,number\nalien_employment_licence,12345678\n", None),
        (HEADER.encode() + b"\n", "The file has a header but no rows."),
    ],
)
def test_files_that_cannot_be_imported(
    clock: Clock, sh_acceptance: User, data: bytes, message: str | None
) -> None:
    before = counts()
    with translation.override("en"):
        report = services.legacy_import(actor=sh_acceptance, region=region("310000"), data=data)
    missing = ", ".join(c for c in services.REQUIRED_COLUMNS if c not in ("kind", "number"))
    expected = message or f"The first row must name the columns; missing: {missing}."
    assert [(e.line, e.column, e.message) for e in report.errors] == [(None, "", expected)]
    assert counts() == before


def test_a_dry_run_checks_and_saves_nothing(
    clock: Clock, employer: Organization, sh_acceptance: User
) -> None:
    before = counts()
    report = services.legacy_import(
        actor=sh_acceptance,
        region=region("310000"),
        data=csv_file(*good_rows(employer)),
        dry_run=True,
    )
    assert (report.errors, report.created, report.applied) == ([], 3, False)
    assert counts() == before


def test_an_excel_file_with_date_cells(
    clock: Clock, employer: Organization, sh_acceptance: User
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(services.COLUMNS))
    sheet.append(
        [
            "外国专家证",
            "e 3100 0020 1600 07",
            "Rossi",
            "Marco",
            "",
            "M",
            dt.datetime(1975, 7, 1),
            "ITA",
            "YA1234567",
            "",
            dt.datetime(2018, 5, 5),
            dt.datetime(2028, 5, 4),
            employer.uscc,
            dt.datetime(2016, 9, 1),
            dt.datetime(2027, 8, 31),
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = services.legacy_import(
        actor=sh_acceptance, region=region("310000"), data=buffer.getvalue()
    )
    assert (report.errors, report.created) == ([], 1)
    document = LegacyDocument.objects.get()
    assert (document.kind, document.number, document.valid_until) == (
        CERTIFICATE,
        "E31000020160007",
        dt.date(2027, 8, 31),
    )
    assert document.holder.date_of_birth == dt.date(1975, 7, 1)
    assert document.passport.issuing_country == "ITA"


def test_an_import_is_refused_to_another_province(
    clock: Clock, employer: Organization, bj_decision: User
) -> None:
    before = counts()
    with pytest.raises(PermissionDeniedError):
        services.legacy_import(
            actor=bj_decision, region=region("310000"), data=csv_file(*good_rows(employer))
        )
    assert counts() == before


# --- The management command --------------------------------------------------------------------


def test_the_command_reports_errors_then_imports(
    clock: Clock, employer: Organization, sh_acceptance: User, tmp_path: Any
) -> None:
    path = tmp_path / "licences.csv"
    bad = row(employer, "31000020150000009", "F1000009", "PETIT", date_of_birth="1982-13-01")
    path.write_bytes(csv_file(*good_rows(employer), bad))
    before = counts()
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command(
            "import_legacy_documents",
            str(path),
            "--region=310000",
            f"--officer={sh_acceptance.username}",
            stdout=out,
            stderr=err,
        )
    assert str(error.value) == "1 error in licences.csv: nothing was imported."
    assert out.getvalue().splitlines() == [
        "licences.csv: 4 rows.",
        "1 problems; nothing was saved.",
        "  line 5, date_of_birth: Enter a date as YYYY-MM-DD.",
    ]
    assert err.getvalue().splitlines() == ["Read 4 rows."]
    assert counts() == before

    path.write_bytes(csv_file(*good_rows(employer)))
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "import_legacy_documents",
            str(path),
            "--region=310000",
            f"--officer={sh_acceptance.username}",
            "--dry-run",
            stdout=out,
            stderr=io.StringIO(),
        )
    assert out.getvalue().splitlines()[-1] == (
        "Dry run: the file is clean; 3 documents would be recorded."
    )
    assert counts() == before
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "import_legacy_documents",
            str(path),
            "--region=310000",
            f"--officer={sh_acceptance.username}",
            stdout=out,
            stderr=io.StringIO(),
        )
    assert out.getvalue().splitlines()[-1] == "3 documents recorded."
    assert LegacyDocument.objects.count() == before[0] + 3


@pytest.mark.parametrize(
    ("region_code", "officer", "message"),
    [
        ("999999", "sh", "No province has the code 999999."),
        ("310000", "nobody", "No active user is named nobody."),
        (
            "310000",
            "bj",
            "Only the acceptance and decision officers of the province record its documents.",
        ),
    ],
)
def test_the_command_refuses(
    clock: Clock,
    employer: Organization,
    sh_acceptance: User,
    bj_acceptance: User,
    tmp_path: Any,
    region_code: str,
    officer: str,
    message: str,
) -> None:
    path = tmp_path / "licences.csv"
    path.write_bytes(csv_file(*good_rows(employer)))
    name = {"sh": sh_acceptance.username, "bj": bj_acceptance.username}.get(officer, officer)
    before = counts()
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command(
            "import_legacy_documents",
            str(path),
            f"--region={region_code}",
            f"--officer={name}",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert str(error.value) == message
    assert counts() == before


# --- Verification by number --------------------------------------------------------------------


@pytest.fixture
def licence(clock: Clock, employer: Organization, sh_acceptance: User) -> LegacyDocument:
    return services.legacy_record(
        actor=sh_acceptance, region=region("310000"), values=values(employer)
    )


def test_verification_by_number_shows_a_valid_licence(
    licence: LegacyDocument, employer: Organization
) -> None:
    with translation.override("en"):
        verdict = documents.verdict_for_number("3100 0020 1500 123", "john smith", TODAY)
    assert (verdict.genuine, verdict.status, verdict.source) == (True, Status.CURRENT, "number")
    assert verdict.facts == {
        "kind": "Alien Employment Licence (外国人就业证)",
        "legacy_kind": LICENCE,
        "number": "310000201500123",
        "holder": "SMITH JOHN",
        "employer": employer.name_zh,
        "valid_from": "2016-03-01",
        "valid_until": "2026-12-31",
        "legacy": True,
    }
    with translation.override("zh-hans"):
        chinese = documents.verdict_for_number("310000201500123", "SMITH JOHN", TODAY)
    assert chinese.facts["kind"] == "外国人就业证"


def test_verification_reads_expiry_closing_and_revocation(licence: LegacyDocument) -> None:
    number = licence.number
    assert (
        documents.verdict_for_number(number, None, dt.date(2026, 12, 31)).status == Status.CURRENT
    )
    assert documents.verdict_for_number(number, None, dt.date(2027, 1, 1)).status == Status.EXPIRED
    LegacyDocument.objects.filter(pk=licence.pk).update(state=LegacyDocument.State.REVOKED)
    assert documents.verdict_for_number(number, None, TODAY).status == Status.REVOKED
    LegacyDocument.objects.filter(pk=licence.pk).update(
        state=LegacyDocument.State.CLOSED, closed_on=TODAY
    )
    assert documents.verdict_for_number(number, None, TODAY).status == Status.ENDED


def test_a_wrong_name_or_unknown_number_finds_nothing(licence: LegacyDocument) -> None:
    for number, name in (
        (licence.number, "Jane Smith"),
        ("X99999999", "John Smith"),
        ("310000201500124", "John Smith"),
    ):
        verdict = documents.verdict_for_number(number, name, TODAY)
        assert (verdict.genuine, verdict.code, verdict.facts) == (False, "not_found", {})


def test_the_permit_lookup_comes_first_and_the_legacy_one_is_registered() -> None:
    lookups = documents.NUMBER_LOOKUPS
    assert lookups.index(issued.permit_number_lookup) < lookups.index(issued.legacy_number_lookup)


def test_the_public_verify_page_labels_a_pre_2017_document(licence: LegacyDocument) -> None:
    client = Client()
    response = client.post(
        "/en/verify/", {"mode": "number", "n-number": licence.number, "n-name": "Smith John"}
    )
    assert response.status_code == 200
    page = " ".join(text_of(response.content.decode()).split())
    assert (
        "Pre-2017 document: an Alien Employment Licence or Foreign Expert Certificate issued "
        "before the work permit system, valid until it expires." in page
    )
    assert "Alien Employment Licence (外国人就业证)" in page
    assert "2026-12-31" in page


def test_the_partner_verify_api_finds_a_licence(licence: LegacyDocument, roles: RoleHelper) -> None:
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(roles.user(Role.PARTNER_READER, region_code="310000"))
    response = client.get("/api/v1/partner/verify/", {"permit_number": licence.number})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["genuine"], body["status"], body["facts"]["legacy"]) == (True, "current", True)


# --- The change to the work permit system ------------------------------------------------------


def test_a_new_permit_at_the_same_employer_closes_the_licence(
    clock: Clock,
    life: Life,
    employer: Organization,
    employer_admin: User,
    sh_acceptance: User,
    sh_decision: User,
    foreigner: Foreigner,
) -> None:
    licence = services.legacy_record(
        actor=sh_acceptance, region=region("310000"), values={**values(employer), **WORKER}
    )
    elsewhere = services.legacy_record(
        actor=sh_acceptance,
        region=region("310000"),
        values={
            **values(OrganizationFactory(region=region("310000"))),
            **WORKER,
            "kind": CERTIFICATE,
            "number": "E310000201699",
        },
    )
    permit = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    licence.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (licence.state, licence.closed_on, licence.closed_by_permit) == (
        LegacyDocument.State.CLOSED,
        permit.valid_from,
        permit,
    )
    assert (elsewhere.state, elsewhere.closed_on) == (LegacyDocument.State.VALID, None)
    event = AuditEvent.objects.filter(action=services.AUDIT_CLOSE).get()
    assert event.data["permit_number"] == permit.permit_number
    assert event.actor == sh_decision
    verdict = documents.verdict_for_number(licence.number, "Mueller Anna Maria", TODAY)
    assert verdict.status == Status.ENDED


def test_an_expired_licence_is_not_closed(
    clock: Clock,
    life: Life,
    employer: Organization,
    employer_admin: User,
    sh_acceptance: User,
    sh_decision: User,
    foreigner: Foreigner,
) -> None:
    licence = services.legacy_record(
        actor=sh_acceptance,
        region=region("310000"),
        values={**values(employer), **WORKER, "valid_until": TODAY - dt.timedelta(days=1)},
    )
    life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    licence.refresh_from_db()
    assert (licence.state, licence.closed_by_permit) == (LegacyDocument.State.VALID, None)
    assert not AuditEvent.objects.filter(action=services.AUDIT_CLOSE).exists()


# --- Pages -------------------------------------------------------------------------------------


def client_for(user: User) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


def url(name: str) -> str:
    with translation.override("en"):
        return reverse(f"permits:{name}")


def test_the_menu_has_the_entry_for_officers() -> None:
    item = navigation._ITEMS["legacy_documents"]
    assert item.url_name == "permits:legacy_list"
    assert item.audience == frozenset({Role.ACCEPTANCE_OFFICER.value, Role.DECISION_OFFICER.value})
    with translation.override("en"):
        assert str(item.label) == "Pre-2017 permits"


@pytest.mark.parametrize("who", ["employer_admin", "agent"])
def test_the_pages_are_for_officers_only(request: pytest.FixtureRequest, who: str) -> None:
    client = client_for(request.getfixturevalue(who))
    for name in ("legacy_list", "legacy_record", "legacy_import", "legacy_template"):
        assert client.get(url(name)).status_code == 404


def test_the_list_is_paged_searched_and_its_query_count_pinned(
    clock: Clock, employer: Organization, sh_acceptance: User, bj_acceptance: User
) -> None:
    rows = [
        row(employer, f"3100002015{i:07d}", f"F20000{i:02d}", f"HOLDER{i:02d}") for i in range(30)
    ]
    report = services.legacy_import(
        actor=sh_acceptance, region=region("310000"), data=csv_file(*rows)
    )
    assert report.created == 30
    client = client_for(sh_acceptance)
    client.get(url("legacy_list"))  # warm the session and the menu's caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("legacy_list"))
    assert response.status_code == 200
    pinned = len(queries)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url("legacy_list") + "?page=2")
    assert len(queries) == pinned
    first_page = response.content.decode()
    assert first_page.count("<code>3100002015") == 25
    assert second.content.decode().count("<code>3100002015") == 5
    assert pinned == 8  # with the unread notifications of the header
    found = client.get(url("legacy_list") + "?q=holder07").content.decode()
    assert found.count("<code>3100002015") == 1
    assert "<code>31000020150000007</code>" in found
    by_number = client.get(url("legacy_list") + "?q=3100 0020 1500 00012").content.decode()
    assert "<code>31000020150000012</code>" in by_number
    assert by_number.count("<code>3100002015") == 1
    # Beijing's officer sees none of Shanghai's documents.
    other = client_for(bj_acceptance).get(url("legacy_list")).content.decode()
    assert other.count("<code>3100002015") == 0


def test_an_officer_records_through_the_page(
    clock: Clock, employer: Organization, sh_decision: User
) -> None:
    client = client_for(sh_decision)
    assert client.get(url("legacy_record")).status_code == 200
    form = {k: str(v) for k, v in values(employer).items()}
    form["region"] = str(region("310000").pk)
    bad = {**form, "employer_uscc": "91310000MA1FL8TQ3X"}
    before = counts()
    response = client.post(url("legacy_record"), bad)
    assert response.status_code == 200
    assert "No employer with this Unified Social Credit Identifier is registered" in (
        response.content.decode()
    )
    assert counts() == before
    response = client.post(url("legacy_record"), form)
    assert response.status_code == 302
    assert response["Location"] == url("legacy_list")
    assert LegacyDocument.objects.get().number == "310000201500123"


def test_an_officer_uploads_a_file_with_a_bad_row_then_the_fixed_file(
    clock: Clock, employer: Organization, sh_acceptance: User
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(sh_acceptance)
    page = client.get(url("legacy_import")).content.decode()
    assert "employer_uscc" in page
    assert url("legacy_template") in page
    bad = row(employer, "31000020150000004", "F1000004", "PETIT", sex="Q")
    before = counts()
    response = client.post(
        url("legacy_import"),
        {
            "region": region("310000").pk,
            "file": SimpleUploadedFile("l.csv", csv_file(*good_rows(employer), bad)),
        },
    )
    assert response.status_code == 200
    text = " ".join(text_of(response.content.decode()).split())
    assert "The file has 1 error: nothing is saved." in text
    assert "5 sex Choose F, M or X." in text
    assert counts() == before
    response = client.post(
        url("legacy_import"),
        {
            "region": region("310000").pk,
            "file": SimpleUploadedFile("l.csv", csv_file(*good_rows(employer))),
        },
    )
    assert response.status_code == 302
    assert LegacyDocument.objects.count() == 3
    template = client.get(url("legacy_template"))
    assert template.content.decode("utf-8-sig").splitlines()[0] == HEADER


def test_the_worker_values_of_a_valid_licence_for_a_new_application(
    clock: Clock, employer: Organization, sh_acceptance: User, foreigner: Foreigner
) -> None:
    from permits.selectors import legacy as selectors

    services.legacy_record(
        actor=sh_acceptance, region=region("310000"), values={**values(employer), **WORKER}
    )
    document = selectors.valid_legacy_document(foreigner.pk, employer.pk, TODAY)
    assert document is not None
    assert selectors.legacy_worker_prefill(document) == {
        **WORKER,
        "given_names": "ANNA MARIA",
        "name_zh": "",
    }
    assert selectors.valid_legacy_document(foreigner.pk, employer.pk, dt.date(2027, 1, 1)) is None


def test_the_officer_sees_a_new_application_as_the_change_of_a_valid_licence(
    clock: Clock,
    life: Life,
    employer: Organization,
    employer_admin: User,
    sh_acceptance: User,
    sh_decision: User,
    foreigner: Foreigner,
) -> None:
    licence = services.legacy_record(
        actor=sh_acceptance, region=region("310000"), values={**values(employer), **WORKER}
    )
    application = life.application(
        Application.Kind.NEW, employer=employer, user=employer_admin, foreigner=foreigner
    )
    with translation.override("en"):
        page = text_of(
            client_for(sh_decision)
            .get(reverse("permits:review_application", args=[application.pk]))
            .content.decode()
        )
    assert (
        f"The worker holds a pre-2017 document at this employer: Alien Employment Licence "
        f"{licence.number}, valid until {licence.valid_until:%Y-%m-%d}. This application is "
        "its change to the new system; the old document is closed when the new permit starts."
    ) in page


def test_the_employer_starts_the_new_application_from_a_valid_licence(
    clock: Clock,
    employer: Organization,
    employer_admin: User,
    beijing_admin: User,
    sh_acceptance: User,
) -> None:
    licence = services.legacy_record(
        actor=sh_acceptance, region=region("310000"), values={**values(employer), **WORKER}
    )
    client = client_for(employer_admin)
    with translation.override("en"):
        listing = client.get(reverse("permits:permits")).content.decode()
        assert reverse("permits:legacy_apply", args=[licence.pk]) in listing
    assert licence.number in listing
    assert "Apply under the new system" in listing

    # Another employer's people find nothing to start from: 404, and nothing is made.
    other = client_for(beijing_admin).post(reverse("permits:legacy_apply", args=[licence.pk]))
    assert other.status_code == 404
    assert Application.objects.count() == 0

    response = client.post(reverse("permits:legacy_apply", args=[licence.pk]))
    draft = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("permits:application_step", args=[draft.pk, "job"])
    # The worker is the licence's holder with the licence's passport: reused, not retyped.
    assert (draft.kind, draft.state, draft.employer, draft.foreigner, draft.passport) == (
        Application.Kind.NEW,
        Application.State.DRAFT,
        employer,
        licence.holder,
        licence.passport,
    )
    event = AuditEvent.objects.filter(action="permits.legacy.start_application").get()
    assert event.data == {"application": draft.number, "number": licence.number}


def test_an_expired_licence_starts_nothing(
    clock: Clock, employer: Organization, employer_admin: User, sh_acceptance: User
) -> None:
    licence = services.legacy_record(
        actor=sh_acceptance,
        region=region("310000"),
        values={**values(employer), **WORKER, "valid_until": TODAY - dt.timedelta(days=1)},
    )
    with pytest.raises(ValidationError):
        services.legacy_start_application(actor=employer_admin, document=licence)
    assert Application.objects.count() == 0
    response = client_for(employer_admin).post(reverse("permits:legacy_apply", args=[licence.pk]))
    assert response.status_code == 404
