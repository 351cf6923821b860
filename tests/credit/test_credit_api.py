"""The partner API of credit standing (``/api/v1/partner/credit/standing/``): who may call,
the answer (level, reasons, until, blocks, the records in effect), the date, bad input as
JSON errors with codes, and the audit event of every lookup."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from credit import services
from credit.models import CreditRecord
from portal.middleware import VERIFIED_KEY
from portal.models import AuditEvent, Organization, User
from portal.roles import Role
from tests.credit.conftest import TODAY, MakeRecord
from tests.factories import RoleHelper

pytestmark = pytest.mark.django_db

ADDRESS = "/api/v1/partner/credit/standing/"
NOT_A_PARTNER = {
    "code": "permission_denied",
    "message": "These endpoints are for the readers of partner agencies.",
}


def api(user: User | None, *, token: bool = False) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        if token:
            key = Token.objects.get_or_create(user=user)[0].key
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        else:
            client.force_login(user)
            session = client.session
            session[VERIFIED_KEY] = True
            session.save()
    return client


def call(user: User | None, params: dict[str, str], *, status: int, token: bool = True) -> Any:
    response = api(user, token=token).get(ADDRESS, params)
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def partner(roles: RoleHelper) -> User:
    return roles.user(Role.PARTNER_READER, region_code="310000")


@pytest.fixture
def records(make_record: MakeRecord, employer: Organization) -> dict[str, CreditRecord]:
    return {
        "serious": make_record(
            effective_from=dt.date(2026, 1, 1),
            effective_until=dt.date(2026, 12, 31),
            disclosed=True,
        ),
        "minor": make_record(
            kind="late_change_report",
            effective_from=dt.date(2026, 5, 1),
            effective_until=dt.date(2027, 4, 30),
            reference="L1",
        ),
        "later": make_record(
            kind="commendation",
            effective_from=dt.date(2027, 1, 1),
            effective_until=None,
            reference="C1",
        ),
    }


def test_a_partner_reads_the_standing_and_the_lookup_is_audited(
    partner: User, employer: Organization, records: dict[str, CreditRecord]
) -> None:
    answer = call(partner, {"uscc": employer.uscc.lower(), "on": TODAY.isoformat()}, status=200)  # type: ignore[union-attr]

    assert answer == {
        "uscc": employer.uscc,
        "on": "2026-06-08",
        "registered": True,
        "level": "dishonest",
        "level_label": "Dishonest",
        "reasons": ["Illegal employment of foreigners (2026-01-01 – 2026-12-31)"],
        "until": "2026-12-31",
        "blocks": True,
        "records": [
            {
                "kind": "late_change_report",
                "kind_name": "Late report of a change",
                "dishonest": True,
                "severity": "minor",
                "effective_from": "2026-05-01",
                "effective_until": "2027-04-30",
                "disclosed": False,
                "under_objection": False,
            },
            {
                "kind": "illegal_employment",
                "kind_name": "Illegal employment of foreigners",
                "dishonest": True,
                "severity": "serious",
                "effective_from": "2026-01-01",
                "effective_until": "2026-12-31",
                "disclosed": True,
                "under_objection": False,
            },
        ],
    }
    event = AuditEvent.objects.get(action="credit.partner.standing_lookup")
    assert event.actor_id == partner.pk
    assert event.data == {
        "uscc": employer.uscc,
        "on": "2026-06-08",
        "found": True,
        "level": "dishonest",
    }


def test_the_standing_on_another_day(
    partner: User, employer: Organization, records: dict[str, CreditRecord]
) -> None:
    answer = call(partner, {"uscc": employer.uscc, "on": "2027-02-01"}, status=200)  # type: ignore[dict-item]

    assert (answer["level"], answer["until"], answer["blocks"]) == (
        "attention",
        "2027-04-30",
        False,
    )
    assert [r["kind"] for r in answer["records"]] == ["commendation", "late_change_report"]


def test_an_unregistered_identifier_is_good_with_no_records(partner: User) -> None:
    answer = call(partner, {"uscc": "91310000MA1FL8QR2Q", "on": "2026-06-08"}, status=200)

    assert answer == {
        "uscc": "91310000MA1FL8QR2Q",
        "on": "2026-06-08",
        "registered": False,
        "level": "good",
        "level_label": "Good standing",
        "reasons": [],
        "until": None,
        "blocks": False,
        "records": [],
    }
    assert AuditEvent.objects.get(action="credit.partner.standing_lookup").data["found"] is False


def test_a_record_under_objection_is_marked(
    partner: User,
    employer: Organization,
    employer_admin: User,
    make_record: MakeRecord,
) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    record = make_record(effective_from=today, effective_until=today + dt.timedelta(days=30))
    services.objection_file(actor=employer_admin, record=record, statement="No.")

    answer = call(partner, {"uscc": employer.uscc}, status=200)  # type: ignore[dict-item]

    assert answer["on"] == today.isoformat()
    assert [r["under_objection"] for r in answer["records"]] == [True]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, {"uscc": ["This field is required."]}),
        (
            {"uscc": "123"},
            {"uscc": ["A Unified Social Credit Identifier has exactly 18 characters."]},
        ),
        (
            {"uscc": "91310000MA1FL8QR2Q", "on": "08/06/2026"},
            {"on": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
    ],
)
def test_bad_input_is_a_json_error(
    partner: User, params: dict[str, str], fields: dict[str, list[str]]
) -> None:
    answer = call(partner, params, status=400)

    assert answer == {
        "code": "invalid",
        "message": "The request has invalid fields. Correct them and send it again.",
        "fields": fields,
    }
    assert not AuditEvent.objects.filter(action="credit.partner.standing_lookup").exists()


@pytest.mark.parametrize("role", [Role.EMPLOYER_ADMIN, Role.INSPECTOR, Role.DECISION_OFFICER])
def test_only_partner_readers(role: str, roles: RoleHelper, employer: Organization) -> None:
    user = (
        roles.user(role, region_code="310000")
        if role != Role.EMPLOYER_ADMIN
        else roles.user(role, organization=employer)
    )

    assert call(user, {"uscc": employer.uscc}, status=403) == NOT_A_PARTNER  # type: ignore[dict-item]
    assert not AuditEvent.objects.filter(action="credit.partner.standing_lookup").exists()


def test_anonymous_is_refused(employer: Organization) -> None:
    answer = call(None, {"uscc": employer.uscc}, status=403)  # type: ignore[dict-item]

    assert answer == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
    }


def test_read_only(partner: User, employer: Organization) -> None:
    response = api(partner, token=True).post(ADDRESS, {"uscc": employer.uscc})

    assert response.status_code == 403
    assert response.json() == NOT_A_PARTNER


def test_the_schema_documents_the_endpoint(partner: User) -> None:
    response = api(partner, token=True).get("/api/schema/", {"format": "json"})

    operation = response.json()["paths"][ADDRESS]["get"]
    assert operation["operationId"] == "partner_credit_standing"
    assert {p["name"] for p in operation["parameters"]} == {"uscc", "on"}
