"""The time windows of applications about a permit or letter (``permits.windows``):
extension only inside its window before expiry (refused outside with the allowed dates),
change and cancellation due within 10 working days (late: accepted and flagged), the work
permit within 15 days of entry. Dates computed by hand; holidays entered as an admin does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from permits import windows
from permits.models import Application, Permit, WindowRule
from portal.models import HolidayDate, HolidayYear, Organization, User
from tests.permits.conftest import TODAY, Life, region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


K = Application.Kind


@pytest.fixture
def permit(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> Permit:
    issued = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    Permit.objects.filter(pk=issued.pk).update(valid_until=dt.date(2026, 12, 31))
    issued.refresh_from_db()
    return issued


def _application(life: Life, permit: Permit, kind: str, **fields) -> Application:
    return life.application(
        kind,
        employer=permit.employer,
        user=permit.application.created_by,
        foreigner=permit.foreigner,
        permit=permit,
        state=Application.State.DRAFT,
        **fields,
    )


# --- Extension -----------------------------------------------------------------------------------

# Valid until 31 December 2026: the window opens 90 days before (2 October) and closes 30
# days before (1 December), both days included.
FIRST, LAST = dt.date(2026, 10, 2), dt.date(2026, 12, 1)


@pytest.mark.parametrize("day", [FIRST, dt.date(2026, 11, 1), LAST])
def test_extension_inside_the_window_is_allowed(life: Life, permit: Permit, day) -> None:
    application = _application(life, permit, K.EXTENSION)
    assert windows.extension_span(permit) == windows.Span(FIRST, LAST)
    assert windows.window_problems(application, day) == []


@pytest.mark.parametrize("day", [dt.date(2026, 10, 1), dt.date(2026, 12, 2), TODAY])
def test_extension_outside_the_window_is_refused_with_the_allowed_dates(
    life: Life, permit: Permit, day
) -> None:
    application = _application(life, permit, K.EXTENSION)
    problems = windows.window_problems(application, day)
    assert [(p.code, p.field, p.step) for p in problems] == [
        ("extension_outside_window", "permit", "kind")
    ]
    assert problems[0].message == (
        "An extension of a permit valid until 2026-12-31 can be applied for from "
        "2026-10-02 to 2026-12-01."
    )


def test_a_provinces_own_extension_window_applies(life: Life, permit: Permit) -> None:
    WindowRule.objects.create(
        kind=WindowRule.Kind.EXTENSION, region=region("310000"), opens_days=60, closes_days=15
    )
    application = _application(life, permit, K.EXTENSION)
    # 60 days before 31 December: 1 November; 15 days before: 16 December.
    assert windows.extension_span(permit) == windows.Span(
        dt.date(2026, 11, 1), dt.date(2026, 12, 16)
    )
    assert windows.window_problems(application, dt.date(2026, 10, 31)) != []
    assert windows.window_problems(application, dt.date(2026, 11, 1)) == []
    assert windows.window_problems(application, dt.date(2026, 12, 16)) == []
    assert windows.window_problems(application, dt.date(2026, 12, 17)) != []


# --- Change: 10 working days, across a holiday --------------------------------------------------


def _enter_2027_spring_festival() -> None:
    # Made-up 2027 rows (2027 is not in the installed calendar): Monday 8 to Wednesday
    # 10 February 2027 are holidays.
    year = HolidayYear.objects.create(year=2027, notice="test")
    for day in (8, 9, 10):
        HolidayDate.objects.create(
            year=year, date=dt.date(2027, 2, day), kind=HolidayDate.Kind.HOLIDAY
        )


def test_change_report_on_the_tenth_working_day_is_in_time_the_eleventh_is_late(
    life: Life, permit: Permit
) -> None:
    _enter_2027_spring_festival()
    Permit.objects.filter(pk=permit.pk).update(valid_until=dt.date(2027, 12, 31))
    permit.refresh_from_db()
    # Changed on Monday 1 February 2027. Working days: 2, 3, 4, 5 (4), then 8-10 are
    # holidays, 11, 12 (6), 15, 16, 17, 18 (10). The 11th working day is Friday 19 February.
    application = _application(
        life, permit, K.CHANGE, change_kind="post", change_date=dt.date(2027, 2, 1)
    )
    assert windows.due_on(application) == dt.date(2027, 2, 18)
    assert windows.is_late_change(application, dt.date(2027, 2, 18)) is False
    assert windows.is_late_change(application, dt.date(2027, 2, 19)) is True
    # A late report is accepted: no problem blocks it, it is flagged.
    assert windows.window_problems(application, dt.date(2027, 2, 19)) == []
    assert windows.mark_reported_late(application, dt.date(2027, 2, 19)) == ["reported_late"]
    assert application.reported_late is True
    assert windows.mark_reported_late(application, dt.date(2027, 2, 19)) == []


def test_without_the_holiday_the_tenth_working_day_comes_earlier(
    life: Life, permit: Permit
) -> None:
    HolidayYear.objects.create(year=2027, notice="test: no holidays in February")
    application = _application(
        life, permit, K.CHANGE, change_kind="post", change_date=dt.date(2027, 2, 1)
    )
    assert windows.due_on(application) == dt.date(2027, 2, 15)


# --- Cancellation --------------------------------------------------------------------------------


def test_cancellation_within_ten_working_days_of_the_contracts_end(
    life: Life, permit: Permit
) -> None:
    # The contract ended on Friday 30 October 2026; ten working days later: Friday 13
    # November 2026.
    application = _application(life, permit, K.CANCELLATION, contract_end=dt.date(2026, 10, 30))
    assert windows.due_on(application) == dt.date(2026, 11, 13)
    assert windows.window_problems(application, dt.date(2026, 10, 30)) == []
    assert windows.is_late_change(application, dt.date(2026, 11, 13)) is False
    assert windows.is_late_change(application, dt.date(2026, 11, 16)) is True
    assert windows.window_problems(application, dt.date(2026, 11, 16)) == []


def test_cancellation_before_the_contract_ends_is_refused(life: Life, permit: Permit) -> None:
    application = _application(life, permit, K.CANCELLATION, contract_end=dt.date(2026, 10, 30))
    problems = windows.window_problems(application, dt.date(2026, 10, 29))
    assert [(p.code, p.field) for p in problems] == [("contract_not_ended", "contract_end")]
    assert problems[0].message == (
        "The contract ends on 2026-10-30: the permit can be cancelled from that day to 2026-11-13."
    )


# --- Work permit after entry ---------------------------------------------------------------------


def test_work_permit_within_fifteen_days_of_entry(
    life: Life, employer: Organization, employer_admin: User, foreigner
) -> None:
    application = life.application(
        K.AFTER_ENTRY,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        state=Application.State.DRAFT,
        entry_date=dt.date(2026, 6, 1),
    )
    assert windows.due_on(application) == dt.date(2026, 6, 16)
    assert windows.window_problems(application, dt.date(2026, 6, 16)) == []
    problems = windows.window_problems(application, dt.date(2026, 6, 17))
    assert [(p.code, p.field) for p in problems] == [("after_entry_too_late", "entry_date")]
    assert "2026-06-01 to 2026-06-16" in problems[0].message
    future = windows.window_problems(application, dt.date(2026, 5, 31))
    assert [p.code for p in future] == ["entry_date_in_future"]


def test_other_kinds_have_no_window(
    life: Life, employer: Organization, employer_admin: User, foreigner
) -> None:
    application = life.application(
        K.NEW, employer=employer, user=employer_admin, foreigner=foreigner, state="draft"
    )
    assert windows.window_problems(application, TODAY) == []
    assert windows.due_on(application) is None
    assert windows.is_late_change(application, TODAY) is False


def test_a_late_change_report_is_flagged_when_it_is_submitted(life: Life, permit: Permit) -> None:
    """The flag shows from submission (the officer's queue and the employer's page), not
    only once a decision is taken."""
    from permits.services.applications import application_transition

    # Changed on Tuesday 1 September 2026; 10 working days end on Tuesday 15 September.
    application = _application(
        life,
        permit,
        K.CHANGE,
        change_kind=Application.ChangeKind.POST,
        change_date=dt.date(2026, 9, 1),
        job_title="Architect",
    )
    life.documents(application, dt.date(2026, 9, 16))
    with life.at(dt.date(2026, 9, 16)):
        application_transition(actor=application.created_by, application=application, name="submit")
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    assert application.reported_late is True
