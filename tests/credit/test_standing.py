"""Standing over time, from the records in effect: the boundaries of the effect period,
serious against minor, overlapping records, corrections and revocations, trust after a
clean history, and the batch read in one query."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from credit import selectors, services
from credit.selectors import GOOD, Level, Standing, add_months
from portal.models import Foreigner, Organization, User
from tests.credit.conftest import TODAY, MakeRecord
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

UNTIL = dt.date(2027, 6, 7)  # the default record's last day
ONE_DAY = dt.timedelta(days=1)


def standing(organization: Organization, on: dt.date) -> Standing:
    return selectors.organization_standing(organization.uscc or "", on)


def test_no_record_is_good_standing_and_trusted(employer: Organization) -> None:
    assert standing(employer, TODAY) == Standing(Level.GOOD, (), None, trusted=True)


@pytest.mark.parametrize(
    ("on", "level", "until"),
    [
        (TODAY - ONE_DAY, Level.GOOD, None),
        (TODAY, Level.DISHONEST, UNTIL),
        (UNTIL, Level.DISHONEST, UNTIL),
        (UNTIL + ONE_DAY, Level.GOOD, None),
    ],
)
def test_a_serious_act_makes_dishonest_within_its_effect_period(
    make_record: MakeRecord, employer: Organization, on: dt.date, level: str, until: dt.date | None
) -> None:
    make_record()
    result = standing(employer, on)
    assert (result.level, result.until) == (level, until)
    assert result.blocks is (level == Level.DISHONEST)


def test_reasons_name_the_kind_and_its_effect_period(
    make_record: MakeRecord, employer: Organization
) -> None:
    make_record()
    assert standing(employer, TODAY).reasons == ("非法聘用外国人 (2026-06-08 – 2027-06-07)",)
    assert standing(employer, TODAY).label == "失信"
    with translation.override("en"):
        result = standing(employer, TODAY)
        assert result.label == "Dishonest"
    assert result.reasons == ("Illegal employment of foreigners (2026-06-08 – 2027-06-07)",)


def test_a_minor_act_puts_in_attention(make_record: MakeRecord, employer: Organization) -> None:
    make_record(kind="late_change_report")
    assert standing(employer, TODAY) == Standing(
        Level.ATTENTION, ("未按时申报变更 (2026-06-08 – 2027-06-07)",), UNTIL, trusted=False
    )
    assert standing(employer, TODAY).blocks is False


def test_serious_outweighs_minor_and_attention_follows_when_it_ends(
    make_record: MakeRecord, employer: Organization
) -> None:
    make_record(effective_until=dt.date(2026, 12, 31))
    make_record(kind="late_cancellation", effective_until=dt.date(2027, 3, 31))
    on_serious = standing(employer, dt.date(2026, 12, 31))
    assert (on_serious.level, on_serious.until) == (Level.DISHONEST, dt.date(2026, 12, 31))
    assert on_serious.reasons == ("非法聘用外国人 (2026-06-08 – 2026-12-31)",)
    after = standing(employer, dt.date(2027, 1, 1))
    assert (after.level, after.until) == (Level.ATTENTION, dt.date(2027, 3, 31))
    assert standing(employer, dt.date(2027, 4, 1)).level == Level.GOOD


def test_overlapping_serious_acts_last_until_the_latest_end(
    make_record: MakeRecord, employer: Organization
) -> None:
    make_record(effective_until=dt.date(2026, 12, 31))
    make_record(kind="false_materials", effective_from=dt.date(2026, 9, 1))
    result = standing(employer, dt.date(2026, 10, 1))
    assert (result.level, result.until) == (Level.DISHONEST, UNTIL)
    assert result.reasons == (
        "非法聘用外国人 (2026-06-08 – 2026-12-31)",
        "提供虚假或伪造材料 (2026-09-01 – 2027-06-07)",
    )
    make_record(kind="salary_commitment_unbacked", effective_until=None)
    open_ended = standing(employer, dt.date(2026, 10, 1))
    assert (open_ended.level, open_ended.until) == (Level.DISHONEST, None)
    # By the day each began (ties by name).
    assert open_ended.reasons == (
        "薪酬承诺与纳税记录不符 (2026-06-08 – …)",
        "非法聘用外国人 (2026-06-08 – 2026-12-31)",
        "提供虚假或伪造材料 (2026-09-01 – 2027-06-07)",
    )
    assert standing(employer, dt.date(2040, 1, 1)).level == Level.DISHONEST


@pytest.mark.parametrize(
    ("next_from", "next_until", "until"),
    [
        (dt.date(2027, 1, 1), dt.date(2027, 6, 30), dt.date(2027, 6, 30)),  # no gap
        (dt.date(2026, 11, 1), dt.date(2027, 6, 30), dt.date(2027, 6, 30)),  # overlaps
        (dt.date(2027, 1, 1), None, None),  # carried on without end
        (dt.date(2027, 1, 2), dt.date(2027, 6, 30), dt.date(2026, 12, 31)),  # a day's gap
    ],
)
def test_a_later_act_without_a_gap_carries_the_end_on(
    make_record: MakeRecord,
    employer: Organization,
    next_from: dt.date,
    next_until: dt.date | None,
    until: dt.date | None,
) -> None:
    make_record(effective_until=dt.date(2026, 12, 31))
    make_record(kind="false_materials", effective_from=next_from, effective_until=next_until)
    result = standing(employer, TODAY)
    assert (result.level, result.until) == (Level.DISHONEST, until)
    # Only the act in effect today is the reason.
    assert result.reasons == ("非法聘用外国人 (2026-06-08 – 2026-12-31)",)


def test_a_later_minor_act_carries_attention_on_but_not_dishonesty(
    make_record: MakeRecord, employer: Organization
) -> None:
    make_record(kind="late_change_report", effective_until=dt.date(2026, 12, 31))
    make_record(
        kind="late_cancellation",
        effective_from=dt.date(2027, 1, 1),
        effective_until=dt.date(2027, 3, 31),
    )
    assert standing(employer, TODAY).until == dt.date(2027, 3, 31)
    make_record(kind="false_materials", effective_until=dt.date(2026, 6, 30))
    make_record(kind="inspection_finding", effective_from=dt.date(2026, 7, 1))
    dishonest = standing(employer, TODAY)
    assert (dishonest.level, dishonest.until) == (Level.DISHONEST, dt.date(2026, 6, 30))


def test_a_commendation_changes_nothing(make_record: MakeRecord, employer: Organization) -> None:
    make_record(kind="commendation")
    assert standing(employer, TODAY) == Standing(Level.GOOD, (), None, trusted=True)


def test_a_revoked_record_no_longer_counts(make_record: MakeRecord, employer: Organization) -> None:
    record = make_record()
    services.record_revoke(actor=None, record=record, reason="Objection upheld.")
    assert standing(employer, TODAY) == Standing(Level.GOOD, (), None, trusted=True)


def test_a_correction_of_the_period_moves_the_standing_and_history_stays_readable(
    make_record: MakeRecord, employer: Organization
) -> None:
    record = make_record()
    before = timezone.now()
    services.record_correct(
        actor=None,
        record=record,
        reason="Decision shortened the period.",
        effective_until=dt.date(2026, 8, 31),
    )
    assert standing(employer, dt.date(2026, 9, 1)).level == Level.GOOD
    # As known before the correction, the employer was dishonest that day.
    as_known = selectors.organization_standing(
        employer.uscc or "", dt.date(2026, 9, 1), as_known_at=before
    )
    assert (as_known.level, as_known.until) == (Level.DISHONEST, UNTIL)


def test_a_correction_of_the_severity_moves_the_standing(
    make_record: MakeRecord, employer: Organization
) -> None:
    record = make_record()
    services.record_correct(actor=None, record=record, reason="Minor.", severity="minor")
    assert standing(employer, TODAY).level == Level.ATTENTION


# --- Trust after a clean history -------------------------------------------------------------


def test_trusted_again_only_after_the_clean_period(
    make_record: MakeRecord, employer: Organization
) -> None:
    make_record()  # in effect until 2027-06-07
    assert standing(employer, TODAY - ONE_DAY).trusted is True  # not yet in effect
    assert standing(employer, UNTIL + ONE_DAY) == GOOD  # good, not trusted
    assert standing(employer, dt.date(2029, 6, 7)).trusted is False  # 24 months after the end
    assert standing(employer, dt.date(2029, 6, 8)) == Standing(Level.GOOD, (), None, trusted=True)


def test_a_minor_act_spoils_the_clean_history_too(
    make_record: MakeRecord, employer: Organization
) -> None:
    make_record(kind="inspection_finding", effective_until=dt.date(2026, 6, 30))
    assert standing(employer, dt.date(2027, 1, 1)) == GOOD
    assert standing(employer, dt.date(2028, 7, 1)).trusted is True


@override_settings(PORTAL_CREDIT_TRUSTED_AFTER_MONTHS=6)
def test_the_clean_period_is_a_setting(make_record: MakeRecord, employer: Organization) -> None:
    make_record(effective_until=dt.date(2026, 6, 30))
    assert standing(employer, dt.date(2026, 12, 31)).trusted is False
    assert standing(employer, dt.date(2027, 1, 1)).trusted is True


def test_a_recently_registered_employer_is_not_yet_trusted(db: None) -> None:
    newcomer = OrganizationFactory()  # registered today
    today = timezone.localdate()
    assert standing(newcomer, today) == GOOD
    assert standing(newcomer, add_months(today, 24)).trusted is True


# --- Batch, unknown subjects, workers ---------------------------------------------------------


def test_standings_of_organizations_in_one_query(
    make_record: MakeRecord,
    employer: Organization,
    agency: Organization,
    django_assert_num_queries: Any,
) -> None:
    attention = OrganizationFactory()
    Organization.objects.filter(pk=attention.pk).update(created_at=employer.created_at)
    make_record()
    make_record(kind="false_materials", effective_from=dt.date(2026, 1, 1))
    make_record(organization=attention, kind="late_change_report")
    unknown = "91310000MA1FL0000X"
    usccs = [employer.uscc or "", agency.uscc or "", attention.uscc or "", unknown]

    with django_assert_num_queries(1):
        result = selectors.standings_of_organizations(usccs, TODAY)

    assert result == {
        employer.uscc: Standing(
            Level.DISHONEST,
            (
                "提供虚假或伪造材料 (2026-01-01 – 2027-06-07)",
                "非法聘用外国人 (2026-06-08 – 2027-06-07)",
            ),
            UNTIL,
        ),
        agency.uscc: Standing(Level.GOOD, (), None, trusted=True),
        attention.uscc: Standing(
            Level.ATTENTION, ("未按时申报变更 (2026-06-08 – 2027-06-07)",), UNTIL
        ),
        unknown: GOOD,
    }
    assert selectors.standings_of_organizations([], TODAY) == {}


def test_a_workers_standing(make_record: MakeRecord, worker: Foreigner, inspector: User) -> None:
    region = inspector.organization.region  # type: ignore[union-attr]
    assert selectors.foreigner_standing(None, TODAY) == GOOD
    assert selectors.foreigner_standing(worker.pk, TODAY) == GOOD
    make_record(foreigner=worker, region=region, kind="late_change_report")
    assert selectors.foreigner_standing(worker.pk, TODAY) == Standing(
        Level.ATTENTION, ("未按时申报变更 (2026-06-08 – 2027-06-07)",), UNTIL
    )
    make_record(foreigner=worker, region=region, fine_cny=5_000)
    assert selectors.foreigner_standing(worker.pk, TODAY).level == Level.DISHONEST
    assert selectors.foreigner_standing(worker.pk, UNTIL + ONE_DAY) == GOOD


def test_a_workers_record_does_not_touch_an_employers_standing(
    make_record: MakeRecord, worker: Foreigner, employer: Organization, inspector: User
) -> None:
    make_record(foreigner=worker, region=inspector.organization.region)  # type: ignore[union-attr]
    assert standing(employer, TODAY).level == Level.GOOD


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 6, 8), 24, dt.date(2028, 6, 8)),
        (dt.date(2026, 6, 8), -24, dt.date(2024, 6, 8)),
        (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected
