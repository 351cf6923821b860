"""Credit records on the regulators' statistics page (``credit.statistics``): by kind and
subject, and by province and severity, against counts made by hand; only the reader's
provinces; not on the public page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from credit import services
from credit.models import CreditRecord, CreditRecordKind
from portal import statistics_views
from portal.models import Foreigner, Organization, Region, User
from portal.roles import Role
from tests.credit.conftest import MakeRecord
from tests.factories import OrganizationFactory, RoleHelper
from tests.pages import html_of, tr
from tests.statistics_helpers import chart, client_for, csv_rows, number, table, url

MONTHS = {"month_from": "2026-04", "month_to": "2026-06"}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statistics_views, "_today", lambda: dt.date(2026, 6, 15))


@pytest.fixture
def records(
    make_record: MakeRecord,
    employer: Organization,
    agency: Organization,
    worker: Foreigner,
    inspector: User,
    beijing_inspector: User,
) -> dict[str, CreditRecord]:
    """Shanghai: the employer's illegal employment and late change report, the agency's
    illegal introduction, the worker's inspection finding, a commendation of the employer,
    a record revoked, and one whose effect began in March (outside the months); Beijing:
    an employer's illegal employment."""
    made = {
        "employment": make_record(),
        "late": make_record(kind="late_change_report", facts="Late.", effective_until=None),
        "introduction": make_record(
            kind="illegal_introduction", organization=agency, facts="Introduced one."
        ),
        "worker": make_record(
            kind="inspection_finding",
            foreigner=worker,
            region=Region.objects.get(code="310000"),
            facts="Worked outside the permit.",
            effective_from=dt.date(2026, 5, 2),
        ),
        "commendation": make_record(
            kind="commendation", facts="Model employer.", effective_until=None
        ),
        "march": make_record(
            kind="false_materials", facts="Forged degree.", effective_from=dt.date(2026, 3, 2)
        ),
    }
    revoked = make_record(kind="inspection_finding", facts="Mistaken.", effective_until=None)
    services.record_revoke(actor=inspector, record=revoked, reason="Recorded by mistake.")
    beijing = OrganizationFactory(region=Region.objects.get(code="110000"))
    made["beijing"] = make_record(actor=beijing_inspector, organization=beijing)
    return made


def _by_hand(**filters: Any) -> int:
    return CreditRecord.objects.filter(
        superseded_at__isnull=True,
        state="in_force",
        effective_from__gte=dt.date(2026, 4, 1),
        effective_from__lte=dt.date(2026, 6, 30),
        **filters,
    ).count()


def test_records_by_kind_match_counts_made_by_hand(
    records: dict[str, CreditRecord], roles: RoleHelper
) -> None:
    html = html_of(client_for(roles.user(Role.MINISTRY_REVIEWER)).get(url("regulators", **MONTHS)))
    by_kind = table(html, "credit_by_kind")
    employer, agency, worker, total = (
        tr("Employer"),
        tr("Service agency"),
        tr("Foreign worker"),
        tr("Total"),
    )
    for kind in CreditRecordKind.objects.all():
        row = by_kind[kind.name]
        assert number(row[employer]) == _by_hand(kind=kind, subject_kind="employer"), kind.code
        assert number(row[agency]) == _by_hand(kind=kind, subject_kind="service_agency")
        assert number(row[worker]) == _by_hand(kind=kind, subject_kind="worker")
        assert number(row[total]) == _by_hand(kind=kind)
    illegal = CreditRecordKind.objects.get(code="illegal_employment").name
    assert number(by_kind[illegal][employer]) == 2  # Shanghai and Beijing
    assert number(by_kind[total][total]) == _by_hand() == 6
    # Revoked and outside the months: not counted.
    finding = CreditRecordKind.objects.get(code="inspection_finding").name
    assert (number(by_kind[finding][worker]), number(by_kind[finding][employer])) == (1, 0)
    forged = CreditRecordKind.objects.get(code="false_materials").name
    assert number(by_kind[forged][total]) == 0
    # The chart's bars are the table's numbers.
    bars = chart(html, "credit_by_kind")
    assert bars[(employer, illegal)] == "2"

    by_province = table(html, "credit_by_province")
    shanghai = Region.objects.get(code="310000").name
    assert number(by_province[shanghai][tr("Serious dishonesty")]) == _by_hand(
        region__code="310000", dishonest=True, severity="serious"
    )
    assert number(by_province[shanghai][tr("Commendations")]) == 1
    assert number(by_province[shanghai][tr("Minor dishonesty")]) == 2
    assert number(by_province[Region.objects.get(code="110000").name][total]) == 1


def test_a_province_officer_sees_only_their_records(
    records: dict[str, CreditRecord], inspector: User
) -> None:
    client = client_for(inspector)
    html = html_of(client.get(url("regulators", **MONTHS)))
    beijing = Region.objects.get(code="110000").name
    assert beijing not in html
    by_kind = table(html, "credit_by_kind")
    assert number(by_kind[tr("Total")][tr("Total")]) == 5
    rows = csv_rows(client.get(url("regulators", **MONTHS, csv="credit_by_kind")))
    assert rows[-1][-1] == "5"
    assert [row[0] for row in rows[1:]] == list(by_kind)


def test_credit_records_are_not_public(records: dict[str, CreditRecord]) -> None:
    html = html_of(Client().get(url("public", **MONTHS)))
    assert "credit_by_kind" not in html
    assert Client().get(url("public", **MONTHS, csv="credit_by_kind")).status_code == 404


def test_the_months_filter_the_records(records: dict[str, CreditRecord], roles: RoleHelper) -> None:
    client = client_for(roles.user(Role.SITE_ADMIN))
    html = html_of(client.get(url("regulators", month_from="2026-03", month_to="2026-03")))
    by_kind = table(html, "credit_by_kind")
    assert number(by_kind[tr("Total")][tr("Total")]) == 1
