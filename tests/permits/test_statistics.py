"""Statistics of applications and permits: the summaries (``permits.statistics``) against
counts made by hand with the ORM, on the regulators' page (tables and chart values), the
processing times against known durations, and the incremental refresh."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogs.models import Occupation
from permits import clocks
from permits.models import Application, ClockRule, InformationRequest, Permit
from permits.statistics import (
    Limits,
    percentile,
    statistics_refresh,
)
from permits.statistics_models import (
    ApplicationRollup,
    MonthlyApplications,
    PermitsInForce,
    ProcessingHistogram,
    StatisticsState,
)
from permits.tasks import refresh_statistics
from portal import statistics_views
from portal.countries import country_name
from portal.models import Organization, Passport, TransitionRecord, User
from portal.roles import Role
from portal.workdays import add_working_days, working_days_between
from talent_standards.models import Category
from tests.factories import ApplicationFactory, ForeignerFactory, OrganizationFactory, RoleHelper
from tests.factories import region as region_of
from tests.pages import html_of, tr
from tests.statistics_helpers import chart, client_for, csv_rows, number, table, table_rows, url

CHINA = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 6, 15)
MONTHS = {"month_from": "2026-04", "month_to": "2026-06"}
S = Application.State


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setattr(statistics_views, "_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def employer(db: None) -> Organization:
    return OrganizationFactory()


@pytest.fixture
def maker(employer: Organization, occupations: dict[str, Occupation]) -> Any:
    """Applications through the factory: ``make(state, submitted, ...)``."""

    def make(
        state: str = S.SUBMITTED,
        submitted: dt.date = dt.date(2026, 6, 1),
        *,
        province: str = "310000",
        category: str = "B",
        kind: str = Application.Kind.NEW,
        nationality: str = "DEU",
        occupation: str | None = "2-02-10-03",
        accepted: dt.date | None = None,
        decided: dt.date | None = None,
        **fields: Any,
    ) -> Application:
        return ApplicationFactory(
            employer=employer,
            created_by__organization=employer,
            state=state,
            kind=kind,
            category=category,
            region=region_of(province),
            foreigner=ForeignerFactory(nationality=nationality),
            occupation=occupations[occupation] if occupation else None,
            submitted_at=None if state == S.DRAFT else at(submitted),
            accepted_at=at(accepted, 10) if accepted else None,
            decided_at=at(decided, 11) if decided else None,
            **fields,
        )

    return make


@pytest.fixture
def ministry(roles: RoleHelper) -> User:
    return roles.user(Role.MINISTRY_REVIEWER)


def _data_set(make: Any) -> None:
    """Three provinces, three months, every state, kinds, categories, nationalities and
    occupation groups; drafts (never counted) and one application of March (outside)."""
    specs = [
        # (state, submitted, province, category, kind, nationality, occupation)
        (S.APPROVED, dt.date(2026, 4, 2), "310000", "A", "new", "USA", "2-02-10-03"),
        (S.APPROVED, dt.date(2026, 4, 9), "310000", "B", "new", "USA", "2-08-01-01"),
        (S.REJECTED, dt.date(2026, 4, 20), "310000", "B", "extension", "KOR", "2-02-10-03"),
        (S.NOT_ACCEPTED, dt.date(2026, 5, 4), "310000", "C", "new", "KOR", "4-04-05-03"),
        (S.WITHDRAWN, dt.date(2026, 5, 6), "310000", "B", "change", "JPN", None),
        (S.UNDER_REVIEW, dt.date(2026, 6, 2), "310000", "B", "new", "DEU", "2-02-10-03"),
        (S.INFORMATION_REQUESTED, dt.date(2026, 6, 3), "310000", "B", "new", "DEU", "2-02-10-09"),
        (S.SUBMITTED, dt.date(2026, 6, 10), "310000", "A", "after_entry", "USA", "2-02-10-03"),
        (S.APPROVED, dt.date(2026, 4, 14), "110000", "B", "new", "GBR", "2-02-10-03"),
        (S.APPROVED, dt.date(2026, 5, 12), "110000", "C", "short_term", "GBR", "2-08-01-01"),
        (S.REJECTED, dt.date(2026, 6, 1), "110000", "B", "new", "FRA", "2-02-10-03"),
        (S.RETURNED, dt.date(2026, 6, 4), "110000", "B", "new", "FRA", "2-02-10-03"),
        (S.APPROVED, dt.date(2026, 5, 20), "440000", "A", "extension", "USA", "2-02-10-03"),
        (S.APPROVED, dt.date(2026, 3, 30), "310000", "B", "new", "USA", "2-02-10-03"),
        (S.DRAFT, dt.date(2026, 6, 1), "310000", "B", "new", "USA", "2-02-10-03"),
    ]
    for state, day, province, category, kind, nationality, occupation in specs:
        accepted = decided = None
        if state in (S.UNDER_REVIEW, S.INFORMATION_REQUESTED, S.APPROVED, S.REJECTED):
            accepted = add_working_days(day, 2)
        if state in (S.APPROVED, S.REJECTED):
            decided = add_working_days(accepted, 4)  # type: ignore[arg-type]
        if state == S.NOT_ACCEPTED:
            decided = add_working_days(day, 3)
        make(
            state,
            day,
            province=province,
            category=category,
            kind=kind,
            nationality=nationality,
            occupation=occupation,
            accepted=accepted,
            decided=decided,
        )


def _orm(**filters: Any) -> int:
    """A count made by hand: submitted applications of April to June 2026."""
    return (
        Application.objects.exclude(state=S.DRAFT)
        .filter(
            submitted_at__gte=at(dt.date(2026, 4, 1), 0),
            submitted_at__lt=at(dt.date(2026, 7, 1), 0),
            **filters,
        )
        .count()
    )


COLUMN = {
    "Submitted": {},
    "Accepted": {"accepted_at__isnull": False},
    "Approved": {"state": S.APPROVED},
    "Rejected": {"state": S.REJECTED},
    "Not accepted": {"state": S.NOT_ACCEPTED},
    "Withdrawn": {"state": S.WITHDRAWN},
}
SUBMITTED, APPROVED, TOTAL = tr("Submitted"), tr("Approved"), tr("Total")
MEDIAN, P90 = tr("Median (working days)"), tr("90th percentile (working days)")
OVERALL_STAGE, ACCEPTANCE_STAGE, DECISION_STAGE = tr("Overall"), tr("Acceptance"), tr("Decision")


def test_regulators_tables_and_charts_match_counts_made_by_hand(maker: Any, ministry: User) -> None:
    _data_set(maker)
    statistics_refresh()
    response = client_for(ministry).get(url("regulators", **MONTHS))
    html = html_of(response)

    by_province = table(html, "applications_by_province")
    for code in ("310000", "110000", "440000"):
        region = region_of(code)
        row = by_province[region.name]
        for header, extra in COLUMN.items():
            assert number(row[tr(header)]) == _orm(region=region, **extra), (code, header)
    assert number(by_province[TOTAL][SUBMITTED]) == _orm() == 13
    assert number(by_province[region_of("120000").name][SUBMITTED]) == 0

    by_category = table(html, "applications_by_category")
    for category, label in Category.choices:
        assert number(by_category[str(label)][SUBMITTED]) == _orm(category=category)
        assert number(by_category[str(label)][APPROVED]) == _orm(
            category=category, state=S.APPROVED
        )

    by_kind = table(html, "applications_by_kind")
    for kind, label in Application.Kind.choices:
        assert number(by_kind[str(label)][SUBMITTED]) == _orm(kind=kind)

    by_month = table(html, "applications_by_month")
    assert list(by_month) == ["2026-04", "2026-05", "2026-06", TOTAL]
    assert number(by_month["2026-05"][SUBMITTED]) == (
        Application.objects.exclude(state=S.DRAFT)
        .filter(submitted_at__gte=at(dt.date(2026, 5, 1), 0))
        .filter(submitted_at__lt=at(dt.date(2026, 6, 1), 0))
        .count()
    )

    by_nationality = table(html, "applications_by_nationality")
    usa = f"{country_name('USA', 'zh-hans')} (USA)"
    assert number(by_nationality[usa][SUBMITTED]) == _orm(foreigner__nationality="USA") == 4
    assert next(iter(by_nationality)) == usa  # most applications first

    by_occupation = table(html, "applications_by_occupation")
    group_two = next(label for label in by_occupation if label.startswith("2 "))
    assert number(by_occupation[group_two][SUBMITTED]) == _orm(occupation__code__startswith="2-")
    assert number(by_occupation[tr("Not stated")][SUBMITTED]) == _orm(occupation__isnull=True)
    assert number(by_occupation[tr("Not stated")][SUBMITTED]) == 1

    information = table(html, "rates_by_province")[region_of("310000").name]
    assert number(information[tr("Information requested")]) == _orm(
        region=region_of("310000"), state=S.INFORMATION_REQUESTED
    )

    # The chart draws the numbers of the table (its bars' data-value).
    bars = chart(html, "applications_by_province")
    for code in ("310000", "110000", "440000", "120000"):
        region = region_of(code)
        assert bars[(SUBMITTED, region.name)] == str(_orm(region=region))
        assert bars[(APPROVED, region.name)] == str(_orm(region=region, state=S.APPROVED))
    points = chart(html, "applications_by_month")
    assert points[(SUBMITTED, "2026-06")] == by_month["2026-06"][SUBMITTED]


def test_filters_narrow_the_tables(maker: Any, ministry: User) -> None:
    _data_set(maker)
    statistics_refresh()
    html = html_of(
        client_for(ministry).get(
            url("regulators", **MONTHS, province="310000", category="B", kind="new")
        )
    )
    by_month = table(html, "applications_by_month")
    shanghai = region_of("310000")
    assert number(by_month[TOTAL][SUBMITTED]) == _orm(region=shanghai, category="B", kind="new")
    assert number(by_month[TOTAL][SUBMITTED]) == 3
    assert list(table(html, "applications_by_province")) == [shanghai.name, TOTAL]


def test_information_request_rows_count_too(maker: Any, ministry: User) -> None:
    """An application asked for information during review and answered since counts as
    asked (the request is kept), as do those waiting for the answer."""
    answered = maker(
        S.APPROVED,
        dt.date(2026, 6, 1),
        accepted=dt.date(2026, 6, 2),
        decided=dt.date(2026, 6, 9),
    )
    InformationRequest.objects.create(
        application=answered,
        stage=InformationRequest.Stage.INFORMATION,
        requested_by=answered.created_by,
        requested_at=at(dt.date(2026, 6, 3)),
        answered_at=at(dt.date(2026, 6, 5)),
    )
    correction = maker(S.SUBMITTED, dt.date(2026, 6, 1))
    InformationRequest.objects.create(
        application=correction,
        stage=InformationRequest.Stage.CORRECTION,
        requested_by=correction.created_by,
        requested_at=at(dt.date(2026, 6, 2)),
        answered_at=at(dt.date(2026, 6, 3)),
    )
    maker(S.INFORMATION_REQUESTED, dt.date(2026, 6, 1), accepted=dt.date(2026, 6, 2))
    statistics_refresh()
    assert sum(MonthlyApplications.objects.values_list("information_requested", flat=True)) == 2


# --- Processing times --------------------------------------------------------------------------


def test_percentile_is_the_nearest_rank() -> None:
    assert percentile({}, 0.5) is None
    assert percentile({7: 1}, 0.5) == 7
    assert percentile({1: 1, 2: 1, 3: 1, 4: 1}, 0.5) == 2
    assert percentile({1: 1, 2: 1, 3: 1, 4: 1}, 0.9) == 4
    assert percentile({0: 5, 10: 5}, 0.5) == 0
    assert percentile({0: 5, 10: 5}, 0.6) == 10


OVERALL = [3, 4, 5, 6, 7, 8, 9, 10, 11, 30]


def test_processing_times_median_and_p90_of_known_durations(maker: Any, ministry: User) -> None:
    """Ten approved applications of June, submitted on Monday 1 June: acceptance after 1 or
    2 working days, decisions so that the overall times are 3, 4, ... 11 and 30 working
    days; the clocks' calendar (the Dragon Boat Festival, Friday 19 June, is a holiday)
    and the days paused by an information request are what the clocks count."""
    start = dt.date(2026, 6, 1)
    for n, overall in enumerate(OVERALL):
        acceptance = 1 if n % 2 == 0 else 2
        paused = 2 if overall == 30 else 0
        accepted = add_working_days(start, acceptance)
        decided = add_working_days(start, overall + paused)
        maker(
            S.APPROVED,
            start,
            accepted=accepted,
            decided=decided,
            paused_working_days=paused,
        )
    # The holiday: submitted Thursday 18 June, accepted Monday 22 June = 1 working day.
    maker(S.UNDER_REVIEW, dt.date(2026, 6, 18), accepted=dt.date(2026, 6, 22))
    assert working_days_between(dt.date(2026, 6, 18), dt.date(2026, 6, 22)) == 1
    statistics_refresh()

    overall = dict(ProcessingHistogram.objects.filter(stage="overall").values_list("days", "count"))
    assert overall == dict.fromkeys(OVERALL, 1)
    acceptance = dict(
        ProcessingHistogram.objects.filter(stage="acceptance").values_list("days", "count")
    )
    assert acceptance == {1: 6, 2: 5}

    html = html_of(client_for(ministry).get(url("regulators", **MONTHS)))
    stages = table(html, "processing_stages")
    overall_row = stages[OVERALL_STAGE]
    assert overall_row[tr("Applications decided")] == "10"
    assert overall_row[MEDIAN] == "7"  # the 5th of 10
    assert overall_row[P90] == "11"  # the 9th of 10
    assert overall_row[tr("Time limit (working days)")] == "20"
    assert overall_row[tr("Within the limit")] == "90.0%"  # 30 is over the 20 days
    assert stages[ACCEPTANCE_STAGE][MEDIAN] == "1"
    assert stages[ACCEPTANCE_STAGE][P90] == "2"
    decision = {overall - (1 if n % 2 == 0 else 2) for n, overall in enumerate(OVERALL)}
    assert sorted(
        ProcessingHistogram.objects.filter(stage="decision").values_list("days", flat=True)
    ) == sorted(decision)
    by_month = table(html, "processing_overall_by_month")
    assert by_month["2026-06"][MEDIAN] == "7"
    assert by_month["2026-05"][MEDIAN] == "–"
    # The chart draws the medians, with the statutory limit as its reference line.
    points = chart(html, "processing_overall_by_month")
    assert points[(MEDIAN, "2026-06")] == "7"
    assert points[(P90, "2026-06")] == "11"
    assert tr("Limit: %(days)s working days", days=20) in html


def test_more_than_60_working_days_fall_in_the_last_bucket(maker: Any, ministry: User) -> None:
    start = dt.date(2026, 4, 1)
    maker(
        S.APPROVED,
        start,
        accepted=add_working_days(start, 1),
        decided=add_working_days(start, 70),
    )
    statistics_refresh()
    assert ProcessingHistogram.objects.get(stage="overall").days == 61
    html = html_of(client_for(ministry).get(url("regulators", **MONTHS)))
    assert table(html, "processing_stages")[OVERALL_STAGE][MEDIAN] == ">60"


def test_limits_follow_the_clocks(db: None) -> None:
    """The limits the statistics draw are the clocks' (most specific rule first)."""
    shanghai = region_of("310000")
    ClockRule.objects.create(stage="decision", region=shanghai, category="B", working_days=8)
    rules = Limits(
        tuple(ClockRule.objects.values_list("stage", "region_id", "category", "working_days"))
    )
    for stage in ("acceptance", "decision", "overall"):
        for region in (None, shanghai.pk, region_of("110000").pk):
            for category in ("", "A", "B", "C"):
                assert rules.limit(stage, region, category) == clocks.limit(
                    stage, region, category
                ), (stage, region, category)


def test_within_the_limit_uses_each_province_and_category_rule(maker: Any, ministry: User) -> None:
    shanghai = region_of("310000")
    ClockRule.objects.create(stage="decision", region=shanghai, category="B", working_days=3)
    start = dt.date(2026, 6, 1)
    for province in ("310000", "110000"):
        accepted = add_working_days(start, 1)
        maker(
            S.APPROVED,
            start,
            province=province,
            accepted=accepted,
            decided=add_working_days(accepted, 5),
        )
    statistics_refresh()
    html = html_of(client_for(ministry).get(url("regulators", **MONTHS)))
    # 5 days: over Shanghai's 3, within Beijing's 10.
    assert table(html, "processing_stages")[DECISION_STAGE][tr("Within the limit")] == "50.0%"


# --- Rates and permits in force ----------------------------------------------------------------


def test_refusal_rate(maker: Any, ministry: User) -> None:
    _data_set(maker)
    statistics_refresh()
    html = html_of(client_for(ministry).get(url("regulators", **MONTHS)))
    region = region_of("310000")
    shanghai = table(html, "rates_by_province")[region.name]
    decided = _orm(region=region, state__in=[S.APPROVED, S.REJECTED, S.NOT_ACCEPTED])
    refused = _orm(region=region, state__in=[S.REJECTED, S.NOT_ACCEPTED])
    assert number(shanghai[tr("Applications decided")]) == decided
    assert number(shanghai[tr("Refused or not accepted")]) == refused
    assert shanghai[tr("Refusal rate")] == f"{refused / decided * 100:.1f}%" == "50.0%"


def _permit(application: Application, *, until: dt.date, state: str = "active") -> Permit:
    person = application.foreigner
    assert person is not None
    passport = Passport.objects.create(
        foreigner=person,
        number=f"P{application.pk:08d}",
        issuing_country=person.nationality,
        issue_date=dt.date(2020, 1, 1),
        expiry_date=dt.date(2035, 1, 1),
    )
    assert application.occupation is not None
    return Permit.objects.create(
        state=state,
        foreigner=person,
        permit_number=f"{application.pk:018d}",
        employer=application.employer,
        region=application.region,
        work_region=application.region,
        application=application,
        category=application.category,
        basis=Permit.Basis.NATIONAL,
        route_code="B-POINTS",
        route_source="national:2025",
        occupation=application.occupation,
        job_title="Engineer",
        annual_salary_cny=Decimal(300000),
        passport=passport,
        valid_from=dt.date(2026, 1, 1),
        valid_until=until,
        issued_by=application.created_by,
        issued_at=at(dt.date(2026, 1, 1)),
    )


def test_permits_in_force(maker: Any, ministry: User) -> None:
    future = timezone.localdate() + dt.timedelta(days=100)
    for province, category in (("310000", "A"), ("310000", "B"), ("310000", "B"), ("110000", "C")):
        _permit(maker(S.APPROVED, province=province, category=category), until=future)
    _permit(maker(S.APPROVED), until=future, state="cancelled")
    _permit(maker(S.APPROVED), until=timezone.localdate() - dt.timedelta(days=1))
    statistics_refresh()
    assert sorted(PermitsInForce.objects.values_list("region__code", "category", "count")) == [
        ("110000", "C", 1),
        ("310000", "A", 1),
        ("310000", "B", 2),
    ]
    html = html_of(client_for(ministry).get(url("regulators", **MONTHS)))
    permits = table(html, "permits_in_force")
    shanghai = permits[region_of("310000").name]
    category = {c: tr("Category %(category)s", category=c) for c in "ABC"}
    assert (shanghai[category["A"]], shanghai[category["B"]], shanghai[TOTAL]) == ("1", "2", "3")
    assert permits[TOTAL][TOTAL] == str(
        Permit.objects.filter(state="active", valid_until__gte=timezone.localdate()).count()
    )
    assert permits[TOTAL][TOTAL] == "4"


# --- The refresh -------------------------------------------------------------------------------


def test_incremental_refresh_picks_up_a_change_and_leaves_other_months_alone(
    maker: Any,
) -> None:
    april = maker(S.APPROVED, dt.date(2026, 4, 7))
    june = maker(S.UNDER_REVIEW, dt.date(2026, 6, 2), accepted=dt.date(2026, 6, 3))
    # Saved long before the refresh (the factory saved them a moment ago).
    Application.objects.update(updated_at=at(dt.date(2026, 6, 3)))
    statistics_refresh()
    version = StatisticsState.objects.get().version
    # Mark April's summary: an incremental refresh must not touch it.
    MonthlyApplications.objects.filter(month=dt.date(2026, 4, 1)).update(withdrawn=99)

    Application.objects.filter(pk=june.pk).update(
        state=S.APPROVED, decided_at=at(dt.date(2026, 6, 10)), updated_at=timezone.now()
    )
    report = statistics_refresh()
    assert not report.full
    assert report.pairs == 1
    june_row = MonthlyApplications.objects.get(month=dt.date(2026, 6, 1))
    assert (june_row.approved, june_row.outcome) == (1, "approved")
    assert MonthlyApplications.objects.get(month=dt.date(2026, 4, 1)).withdrawn == 99
    assert ProcessingHistogram.objects.filter(month=dt.date(2026, 6, 1), stage="overall").exists()
    assert StatisticsState.objects.get().version == version + 1

    # A full refresh recomputes everything.
    statistics_refresh(full=True)
    assert MonthlyApplications.objects.get(month=dt.date(2026, 4, 1)).withdrawn == 0
    assert april.pk


def test_a_state_change_without_a_save_of_the_row_is_picked_up(maker: Any) -> None:
    """The workflow saves only the fields it changes (not ``updated_at``): its state
    change record is what the refresh finds."""
    application = maker(S.UNDER_REVIEW, dt.date(2026, 5, 5), accepted=dt.date(2026, 5, 6))
    Application.objects.filter(pk=application.pk).update(updated_at=at(dt.date(2026, 5, 6)))
    statistics_refresh()
    StatisticsState.objects.update(changes_from=timezone.now())
    Application.objects.filter(pk=application.pk).update(
        state=S.REJECTED, decided_at=at(dt.date(2026, 5, 12))
    )  # updated_at untouched, as the engine leaves it
    TransitionRecord.objects.create(
        workflow="permits.application",
        target_model="permits.application",
        target_id=str(application.pk),
        transition="reject",
        from_state=S.UNDER_REVIEW,
        to_state=S.REJECTED,
        at=timezone.now(),
    )
    report = statistics_refresh()
    assert report.pairs == 1
    assert MonthlyApplications.objects.get().rejected == 1


def test_submitted_again_the_earlier_month_loses_the_application(maker: Any) -> None:
    application = maker(S.SUBMITTED, dt.date(2026, 4, 30))
    TransitionRecord.objects.create(
        workflow="permits.application",
        target_model="permits.application",
        target_id=str(application.pk),
        transition="submit",
        from_state=S.DRAFT,
        to_state=S.SUBMITTED,
        at=at(dt.date(2026, 4, 30)),
    )
    statistics_refresh()
    assert list(MonthlyApplications.objects.values_list("month", flat=True)) == [
        dt.date(2026, 4, 1)
    ]
    # Returned, corrected and submitted again in May.
    Application.objects.filter(pk=application.pk).update(submitted_at=at(dt.date(2026, 5, 4)))
    TransitionRecord.objects.create(
        workflow="permits.application",
        target_model="permits.application",
        target_id=str(application.pk),
        transition="resubmit",
        from_state=S.RETURNED,
        to_state=S.SUBMITTED,
        at=timezone.now(),
    )
    statistics_refresh()
    assert list(MonthlyApplications.objects.values_list("month", "submitted")) == [
        (dt.date(2026, 5, 1), 1)
    ]
    assert list(ApplicationRollup.objects.values_list("month", flat=True).distinct()) == [
        dt.date(2026, 5, 1)
    ]


def test_nothing_changed_keeps_the_version(maker: Any) -> None:
    maker(S.SUBMITTED, dt.date(2026, 4, 30))
    statistics_refresh()
    StatisticsState.objects.update(changes_from=timezone.now() + dt.timedelta(minutes=10))
    version = StatisticsState.objects.get().version
    report = statistics_refresh()
    assert (report.changed, report.pairs) == (False, 0)
    assert StatisticsState.objects.get().version == version


def test_a_new_holiday_recomputes_everything(maker: Any) -> None:
    from portal.models import HolidayDate, HolidayYear
    from portal.workdays import invalidate

    start = dt.date(2026, 6, 1)
    maker(S.APPROVED, start, accepted=dt.date(2026, 6, 2), decided=dt.date(2026, 6, 5))
    statistics_refresh()
    assert ProcessingHistogram.objects.get(stage="overall").days == 4
    year = HolidayYear.objects.create(year=2026, notice="test")
    HolidayDate.objects.create(year=year, date=dt.date(2026, 6, 3), kind="holiday")
    invalidate()
    report = statistics_refresh()
    assert report.full
    assert ProcessingHistogram.objects.get(stage="overall").days == 3


def test_the_task_and_the_command(maker: Any) -> None:
    maker(S.SUBMITTED, dt.date(2026, 4, 30))
    result = refresh_statistics()
    assert (result["full"], result["monthly_rows"], result["changed"]) == (True, 1, True)
    assert refresh_statistics()["full"] is False
    # Once a day the task recomputes everything (what no change record reveals).
    StatisticsState.objects.update(full_refreshed_at=timezone.now() - dt.timedelta(hours=25))
    assert refresh_statistics()["full"] is True
    assert refresh_statistics()["full"] is False
    out = io.StringIO()
    call_command("refresh_statistics", "--full", stdout=out)
    text = out.getvalue()
    assert "monthly counts: 1 rows" in text
    assert "Full refresh done" in text


def test_the_beat_schedule_runs_every_15_minutes(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["permits-refresh-statistics"]
    assert entry["task"] == "permits.tasks.refresh_statistics"
    assert entry["schedule"].minute == set(range(0, 60, 15))


def test_csv_of_a_table_equals_the_table(maker: Any, ministry: User) -> None:
    _data_set(maker)
    statistics_refresh()
    client = client_for(ministry)
    html = html_of(client.get(url("regulators", **MONTHS)))
    response = client.get(url("regulators", **MONTHS, csv="applications_by_province"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    shown = table_rows(html, "applications_by_province")
    assert [[cell.replace(",", "") for cell in row] for row in shown] == rows


def test_no_python_loop_over_applications(maker: Any) -> None:
    """A full refresh costs the same statements for 3 applications as for 30."""
    for n in range(3):
        maker(
            S.APPROVED,
            dt.date(2026, 4, 1 + n),
            accepted=dt.date(2026, 4, 6),
            decided=dt.date(2026, 4, 9),
        )
    statistics_refresh(full=True)  # the calendar is written once
    with CaptureQueriesContext(connection) as few:
        statistics_refresh(full=True)
    for n in range(27):
        maker(
            S.APPROVED,
            dt.date(2026, 4, 1 + n % 28),
            province="110000" if n % 2 else "310000",
            accepted=dt.date(2026, 5, 6),
            decided=dt.date(2026, 5, 12),
        )
    with CaptureQueriesContext(connection) as many:
        statistics_refresh(full=True)
    assert len(few) == len(many)
    assert MonthlyApplications.objects.count() == 2  # April in Shanghai, April in Beijing
