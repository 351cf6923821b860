"""Working days (工作日): official holidays and adjusted weekend working days (调休).

The facts below are the State Council General Office arrangements for 2025 and 2026, checked
against the installed ``chinesecalendar`` 1.11.0, which knows the years 2004-2026. 2027 is
not announced in that release, so it is either entered by an admin or falls back to Monday to
Friday. The 2027 rows in these tests are made up: they are not the official arrangement.
"""

from __future__ import annotations

import datetime as dt
from datetime import date

import pytest
from django.core.cache import cache

from portal import workdays
from portal.models import HolidayDate, HolidayYear
from portal.workdays import (
    Source,
    YearCoverage,
    add_working_days,
    coverage,
    invalidate,
    is_working_day,
    working_days_between,
    year_calendar,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _days(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included."""
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _cases(pairs: list[tuple[date, bool]]) -> list:
    return [
        pytest.param(day, working, id=f"{day.isoformat()}-{'work' if working else 'off'}")
        for day, working in pairs
    ]


# --- The official arrangements, day by day ----------------------------------------------

# 2025 Spring Festival (春节): off Tue 28 Jan - Tue 4 Feb 2025 (8 days, the first year with
# New Year's Eve as a statutory holiday); worked Sunday 26 Jan and Saturday 8 Feb 2025.
SPRING_FESTIVAL_2025 = [
    (date(2025, 1, 24), True),  # Friday, ordinary
    (date(2025, 1, 25), False),  # Saturday, ordinary weekend
    (date(2025, 1, 26), True),  # Sunday, adjusted working day
    (date(2025, 1, 27), True),  # Monday, last working day before the holiday
    *[(d, False) for d in _days(date(2025, 1, 28), date(2025, 2, 4))],  # holiday
    *[(d, True) for d in _days(date(2025, 2, 5), date(2025, 2, 7))],  # Wed-Fri
    (date(2025, 2, 8), True),  # Saturday, adjusted working day
    (date(2025, 2, 9), False),  # Sunday, ordinary weekend
    (date(2025, 2, 10), True),  # Monday
]

# 2025 National Day + Mid-Autumn (国庆节、中秋节): off Wed 1 - Wed 8 Oct 2025 (8 days, Mid-Autumn
# on Mon 6 Oct); worked Sunday 28 Sep and Saturday 11 Oct 2025.
NATIONAL_DAY_2025 = [
    (date(2025, 9, 26), True),  # Friday
    (date(2025, 9, 27), False),  # Saturday, ordinary weekend
    (date(2025, 9, 28), True),  # Sunday, adjusted working day
    (date(2025, 9, 29), True),  # Monday
    (date(2025, 9, 30), True),  # Tuesday, last working day before the holiday
    *[(d, False) for d in _days(date(2025, 10, 1), date(2025, 10, 8))],  # holiday
    (date(2025, 10, 9), True),  # Thursday
    (date(2025, 10, 10), True),  # Friday
    (date(2025, 10, 11), True),  # Saturday, adjusted working day
    (date(2025, 10, 12), False),  # Sunday, ordinary weekend
    (date(2025, 10, 13), True),  # Monday
]

# 2026 Spring Festival: off Sun 15 - Mon 23 Feb 2026 (9 days); worked Saturday 14 Feb and
# Saturday 28 Feb 2026.
SPRING_FESTIVAL_2026 = [
    (date(2026, 2, 12), True),  # Thursday
    (date(2026, 2, 13), True),  # Friday
    (date(2026, 2, 14), True),  # Saturday, adjusted working day
    *[(d, False) for d in _days(date(2026, 2, 15), date(2026, 2, 23))],  # holiday
    *[(d, True) for d in _days(date(2026, 2, 24), date(2026, 2, 27))],  # Tue-Fri
    (date(2026, 2, 28), True),  # Saturday, adjusted working day
    (date(2026, 3, 1), False),  # Sunday, ordinary weekend
    (date(2026, 3, 2), True),  # Monday
]

# 2026 Mid-Autumn: off Fri 25 - Sun 27 Sep 2026. 2026 National Day: off Thu 1 - Wed 7 Oct
# 2026; worked Sunday 20 Sep and Saturday 10 Oct 2026.
NATIONAL_DAY_2026 = [
    (date(2026, 9, 18), True),  # Friday
    (date(2026, 9, 19), False),  # Saturday, ordinary weekend
    (date(2026, 9, 20), True),  # Sunday, adjusted working day
    *[(d, True) for d in _days(date(2026, 9, 21), date(2026, 9, 24))],  # Mon-Thu
    *[(d, False) for d in _days(date(2026, 9, 25), date(2026, 9, 27))],  # Mid-Autumn
    *[(d, True) for d in _days(date(2026, 9, 28), date(2026, 9, 30))],  # Mon-Wed
    *[(d, False) for d in _days(date(2026, 10, 1), date(2026, 10, 7))],  # National Day
    (date(2026, 10, 8), True),  # Thursday
    (date(2026, 10, 9), True),  # Friday
    (date(2026, 10, 10), True),  # Saturday, adjusted working day
    (date(2026, 10, 11), False),  # Sunday, ordinary weekend
    (date(2026, 10, 12), True),  # Monday
]

# New Year 2026 (元旦): off Thu 1 - Sat 3 Jan 2026; worked Sunday 4 Jan 2026.
NEW_YEAR_2026 = [
    (date(2025, 12, 27), False),  # Saturday
    (date(2025, 12, 28), False),  # Sunday
    *[(d, True) for d in _days(date(2025, 12, 29), date(2025, 12, 31))],  # Mon-Wed
    *[(d, False) for d in _days(date(2026, 1, 1), date(2026, 1, 3))],  # holiday
    (date(2026, 1, 4), True),  # Sunday, adjusted working day
    (date(2026, 1, 5), True),  # Monday
]

ORDINARY_DAYS = [
    (date(2025, 3, 8), False),  # Saturday, no arrangement
    (date(2025, 3, 9), False),  # Sunday, no arrangement
    (date(2025, 3, 12), True),  # Wednesday, no arrangement
    (date(2026, 3, 7), False),  # Saturday, no arrangement
    (date(2026, 11, 27), True),  # Friday, no arrangement
]


@pytest.mark.parametrize(
    ("day", "working"),
    _cases(
        SPRING_FESTIVAL_2025
        + NATIONAL_DAY_2025
        + SPRING_FESTIVAL_2026
        + NATIONAL_DAY_2026
        + NEW_YEAR_2026
        + ORDINARY_DAYS
    ),
)
def test_is_working_day_official_arrangements(day, working):
    assert is_working_day(day) is working


def test_holiday_periods_have_the_official_length():
    assert [is_working_day(d) for d in _days(date(2025, 1, 28), date(2025, 2, 4))] == [False] * 8
    assert [is_working_day(d) for d in _days(date(2025, 10, 1), date(2025, 10, 8))] == [False] * 8
    assert [is_working_day(d) for d in _days(date(2026, 2, 15), date(2026, 2, 23))] == [False] * 9
    assert [is_working_day(d) for d in _days(date(2026, 10, 1), date(2026, 10, 7))] == [False] * 7


def test_package_years_come_from_the_package():
    assert year_calendar(2025).source == Source.PACKAGE
    assert year_calendar(2026).source == Source.PACKAGE
    assert year_calendar(2004).source == Source.PACKAGE  # the package's first year
    assert year_calendar(2003).source == Source.FALLBACK
    assert year_calendar(2027).source == Source.FALLBACK
    assert Source.PACKAGE.value == "chinese-calendar"
    assert Source.ADMIN.value == "admin"
    assert Source.FALLBACK.value == "weekdays-only"


# --- add_working_days -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 2025 Spring Festival. Working days after Mon 27 Jan: 5, 6, 7, Sat 8, 10, 11 Feb...
        (date(2025, 1, 27), 1, date(2025, 2, 5)),
        (date(2025, 1, 26), 1, date(2025, 1, 27)),  # from the adjusted Sunday
        (date(2025, 1, 25), 1, date(2025, 1, 26)),  # ordinary Saturday -> adjusted Sunday
        # From Fri 24 Jan: Sun 26, Mon 27, 5, 6, 7, Sat 8, 10, 11, 12, 13 Feb ...
        (date(2025, 1, 24), 5, date(2025, 2, 7)),
        (date(2025, 1, 24), 6, date(2025, 2, 8)),
        (date(2025, 1, 24), 10, date(2025, 2, 13)),
        (date(2025, 1, 24), 20, date(2025, 2, 27)),
        # 2025 National Day. From Tue 30 Sep: 9, 10, Sat 11, 13, 14, 15, 16, 17, 20, 21 Oct ...
        (date(2025, 9, 30), 1, date(2025, 10, 9)),
        (date(2025, 9, 30), 3, date(2025, 10, 11)),
        (date(2025, 9, 30), 5, date(2025, 10, 14)),
        (date(2025, 9, 30), 10, date(2025, 10, 21)),
        (date(2025, 9, 30), 20, date(2025, 11, 4)),
        # From Fri 26 Sep: Sun 28, 29, 30 Sep, 9, 10, Sat 11, 13, 14, 15, 16 Oct ...
        (date(2025, 9, 26), 1, date(2025, 9, 28)),
        (date(2025, 9, 26), 3, date(2025, 9, 30)),
        (date(2025, 9, 26), 4, date(2025, 10, 9)),
        (date(2025, 9, 26), 5, date(2025, 10, 10)),
        (date(2025, 9, 26), 10, date(2025, 10, 16)),
        (date(2025, 9, 26), 20, date(2025, 10, 30)),
        # 2026 Spring Festival: from the last working day before it (Sat 14 Feb, adjusted),
        # +1 is the first working day after it (Tue 24 Feb).
        (date(2026, 2, 14), 1, date(2026, 2, 24)),
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        # From Fri 13 Feb: Sat 14, 24, 25, 26, 27, Sat 28 Feb, 2, 3, 4, 5 ... 19 Mar.
        (date(2026, 2, 13), 5, date(2026, 2, 27)),
        (date(2026, 2, 13), 6, date(2026, 2, 28)),
        (date(2026, 2, 13), 7, date(2026, 3, 2)),
        (date(2026, 2, 13), 10, date(2026, 3, 5)),
        (date(2026, 2, 13), 20, date(2026, 3, 19)),
        # 2026 Mid-Autumn + National Day. From Fri 18 Sep: Sun 20, 21, 22, 23, 24, 28, 29,
        # 30 Sep, 8, 9, Sat 10, 12, 13, 14, 15, 16, 19, 20, 21, 22 Oct.
        (date(2026, 9, 18), 1, date(2026, 9, 20)),
        (date(2026, 9, 18), 5, date(2026, 9, 24)),
        (date(2026, 9, 18), 6, date(2026, 9, 28)),
        (date(2026, 9, 18), 10, date(2026, 10, 9)),
        (date(2026, 9, 18), 11, date(2026, 10, 10)),
        (date(2026, 9, 18), 20, date(2026, 10, 22)),
        # From Wed 30 Sep: 8, 9, Sat 10, 12, 13, 14, 15, 16, 19, 20 ... 30 Oct, 2, 3 Nov.
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 9, 30), 5, date(2026, 10, 13)),
        (date(2026, 9, 30), 10, date(2026, 10, 20)),
        (date(2026, 9, 30), 20, date(2026, 11, 3)),
        # Starting on a holiday or a weekend day.
        (date(2025, 10, 1), 1, date(2025, 10, 9)),  # National Day 2025
        (date(2025, 10, 4), 3, date(2025, 10, 11)),  # Saturday in the holiday
        (date(2026, 2, 15), 1, date(2026, 2, 24)),  # first day of the 2026 Spring Festival
        (date(2026, 2, 23), 1, date(2026, 2, 24)),  # last day of it
        (date(2026, 9, 26), 1, date(2026, 9, 28)),  # Mid-Autumn 2026 (a Saturday)
        (date(2025, 3, 8), 1, date(2025, 3, 10)),  # ordinary Saturday
        (date(2025, 3, 9), 1, date(2025, 3, 10)),  # ordinary Sunday
        (date(2025, 3, 8), 5, date(2025, 3, 14)),
        # Across the year boundary: 31 Dec, (1-3 Jan off), Sun 4 Jan adjusted, Mon 5 Jan.
        (date(2025, 12, 30), 1, date(2025, 12, 31)),
        (date(2025, 12, 30), 2, date(2026, 1, 4)),
        (date(2025, 12, 30), 3, date(2026, 1, 5)),
        (date(2025, 12, 31), 1, date(2026, 1, 4)),
    ],
    ids=lambda v: v.isoformat() if isinstance(v, date) else str(v),
)
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


@pytest.mark.parametrize(
    "start",
    [
        date(2026, 2, 14),  # adjusted working day
        date(2026, 2, 16),  # holiday
        date(2025, 3, 8),  # ordinary Saturday
        date(2025, 3, 12),  # ordinary Wednesday
        date(2027, 2, 6),  # fallback year, Saturday
    ],
)
def test_add_zero_working_days_returns_start(start):
    assert add_working_days(start, 0) == start


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Working days before Tue 24 Feb 2026: Sat 14, Fri 13, Thu 12 Feb.
        (date(2026, 2, 24), -1, date(2026, 2, 14)),
        (date(2026, 2, 24), -2, date(2026, 2, 13)),
        (date(2026, 2, 24), -3, date(2026, 2, 12)),
        # Before Sat 28 Feb 2026 (adjusted): 27, 26, 25, 24, Sat 14, 13 Feb.
        (date(2026, 2, 28), -1, date(2026, 2, 27)),
        (date(2026, 2, 28), -5, date(2026, 2, 14)),
        (date(2026, 2, 28), -6, date(2026, 2, 13)),
        # Before Thu 9 Oct 2025: 30, 29, Sun 28, Fri 26 Sep.
        (date(2025, 10, 9), -1, date(2025, 9, 30)),
        (date(2025, 10, 9), -3, date(2025, 9, 28)),
        (date(2025, 10, 9), -4, date(2025, 9, 26)),
        # From a holiday: before Sun 5 Oct 2025 the last working day is Tue 30 Sep.
        (date(2025, 10, 5), -1, date(2025, 9, 30)),
        # Before Thu 22 Oct 2026, 20 working days back is Fri 18 Sep (see above).
        (date(2026, 10, 22), -20, date(2026, 9, 18)),
        (date(2026, 10, 12), -1, date(2026, 10, 10)),
        # Across the year boundary backwards: Sun 4 Jan, Wed 31 Dec, Tue 30 Dec.
        (date(2026, 1, 5), -1, date(2026, 1, 4)),
        (date(2026, 1, 5), -2, date(2025, 12, 31)),
        (date(2026, 1, 5), -3, date(2025, 12, 30)),
    ],
    ids=lambda v: v.isoformat() if isinstance(v, date) else str(v),
)
def test_add_negative_working_days_counts_backwards(start, n, expected):
    assert add_working_days(start, n) == expected


# --- working_days_between ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # 2026 Spring Festival: Sat 14 Feb and Tue 24 Feb.
        (date(2026, 2, 13), date(2026, 2, 24), 2),
        (date(2026, 2, 14), date(2026, 2, 24), 1),
        (date(2026, 2, 14), date(2026, 2, 23), 0),  # the whole holiday
        (date(2026, 2, 13), date(2026, 2, 14), 1),  # the adjusted Saturday counts
        # Feb 2026: 2-6 (5), 9-13 (5), Sat 14, 24-27 (4), Sat 28 -> 16.
        (date(2026, 1, 31), date(2026, 2, 28), 16),
        # Oct 2025: 9, 10, Sat 11, 13-17, 20-24, 27-31 -> 18.
        (date(2025, 9, 30), date(2025, 10, 31), 18),
        (date(2025, 9, 30), date(2025, 10, 8), 0),  # the whole holiday
        (date(2025, 10, 1), date(2025, 10, 9), 1),  # from a holiday
        (date(2025, 9, 26), date(2025, 10, 30), 20),
        # 2025 Spring Festival: Sun 26, Mon 27 Jan, 5, 6, 7, Sat 8 Feb.
        (date(2025, 1, 24), date(2025, 2, 8), 6),
        (date(2025, 1, 27), date(2025, 2, 4), 0),
        # Sep 2026: 1-4 (4), 7-11 (5), 14-18 (5), Sun 20, 21-24 (4), 28-30 (3) -> 22.
        (date(2026, 8, 31), date(2026, 9, 30), 22),
        # Oct 2026: 8, 9, Sat 10, 12-16, 19-23, 26-30 -> 18.
        (date(2026, 9, 30), date(2026, 10, 31), 18),
        (date(2026, 9, 18), date(2026, 10, 22), 20),
        # Across the year boundary: 31 Dec, Sun 4 Jan, Mon 5 Jan.
        (date(2025, 12, 30), date(2026, 1, 5), 3),
        # A whole year: 261 weekdays - weekday holidays + adjusted working days.
        # 2025: 261 - 18 + 5 = 248. 2026: 261 - 19 + 6 = 248.
        (date(2024, 12, 31), date(2025, 12, 31), 248),
        (date(2025, 12, 31), date(2026, 12, 31), 248),
        # 0 when end <= start.
        (date(2026, 2, 24), date(2026, 2, 24), 0),
        (date(2026, 2, 24), date(2026, 2, 13), 0),
        (date(2026, 1, 5), date(2025, 12, 30), 0),
    ],
    ids=lambda v: v.isoformat() if isinstance(v, date) else str(v),
)
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end) == expected


@pytest.mark.parametrize("n", [0, 1, 5, 10, 20])
def test_between_inverts_add_for_every_day_of_2025_and_2026(n):
    failures = []
    for i, start in enumerate(_days(date(2025, 1, 1), date(2026, 12, 31))):
        end = add_working_days(start, n)
        if working_days_between(start, end) != n:
            failures.append((start, end))
        if n > 0 and i % 3 == 0:
            # The result is a working day, and the first day on which n is reached (checked
            # on every third day to keep the test fast).
            if not is_working_day(end):
                failures.append((start, end, "not a working day"))
            if working_days_between(start, end - dt.timedelta(days=1)) != n - 1:
                failures.append((start, end, "not the first such day"))
    assert failures == []


@pytest.mark.parametrize("n", [1, 5, 10, 20])
def test_backwards_then_forwards_returns_to_a_working_day(n):
    failures = []
    for start in _days(date(2025, 1, 1), date(2026, 12, 31))[::3]:
        if not is_working_day(start):
            continue
        back = add_working_days(start, -n)
        if add_working_days(back, n) != start or working_days_between(back, start) != n:
            failures.append((start, back))
    assert failures == []


# --- A year entered by an admin ---------------------------------------------------------


def _enter_2027():
    # Made-up 2027 rows: a holiday on Monday 8 Feb 2027 and Tuesday 9 Feb 2027, and an
    # adjusted working day on Saturday 20 Feb 2027.
    year = HolidayYear.objects.create(
        year=2027, notice="国务院办公厅关于2027年部分节假日安排的通知"
    )
    HolidayDate.objects.create(
        year=year, date=date(2027, 2, 8), kind=HolidayDate.Kind.HOLIDAY, name_en="Spring Festival"
    )
    HolidayDate.objects.create(
        year=year, date=date(2027, 2, 9), kind=HolidayDate.Kind.HOLIDAY, name_en="Spring Festival"
    )
    HolidayDate.objects.create(
        year=year,
        date=date(2027, 2, 20),
        kind=HolidayDate.Kind.ADJUSTED_WORKDAY,
        name_en="Spring Festival",
    )
    return year


def test_admin_year_is_used():
    _enter_2027()
    cal = year_calendar(2027)
    assert cal.source == Source.ADMIN
    assert cal.holidays == frozenset({date(2027, 2, 8), date(2027, 2, 9)})
    assert cal.adjusted_workdays == frozenset({date(2027, 2, 20)})

    assert is_working_day(date(2027, 2, 8)) is False  # Monday, entered holiday
    assert is_working_day(date(2027, 2, 9)) is False  # Tuesday, entered holiday
    assert is_working_day(date(2027, 2, 20)) is True  # Saturday, entered adjusted day
    assert is_working_day(date(2027, 2, 10)) is True  # Wednesday, not entered
    assert is_working_day(date(2027, 2, 5)) is True  # Friday, not entered
    assert is_working_day(date(2027, 1, 1)) is True  # Friday, not entered (only rows count)
    assert is_working_day(date(2027, 2, 6)) is False  # Saturday, not entered
    assert is_working_day(date(2027, 2, 7)) is False  # Sunday, not entered
    assert is_working_day(date(2027, 2, 21)) is False  # Sunday after the adjusted Saturday

    # From Fri 5 Feb: 10, 11, 12, 15, 16, 17, 18, 19, Sat 20, 22 Feb.
    assert add_working_days(date(2027, 2, 5), 1) == date(2027, 2, 10)
    assert add_working_days(date(2027, 2, 5), 9) == date(2027, 2, 20)
    assert add_working_days(date(2027, 2, 5), 10) == date(2027, 2, 22)
    assert add_working_days(date(2027, 2, 10), -1) == date(2027, 2, 5)
    assert working_days_between(date(2027, 2, 5), date(2027, 2, 20)) == 9
    assert working_days_between(date(2027, 2, 5), date(2027, 2, 9)) == 0
    # From the package year into the admin year: Thu 31 Dec 2026 -> Fri 1 Jan 2027.
    assert add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 1)


def test_coverage_with_admin_year():
    _enter_2027()
    result = coverage(date(2026, 11, 27))
    assert result == [
        YearCoverage(2026, Source.PACKAGE),
        YearCoverage(2027, Source.ADMIN),
    ]
    assert [c.official for c in result] == [True, True]


def test_without_admin_year_2027_falls_back_to_monday_to_friday():
    cal = year_calendar(2027)
    assert cal.source == Source.FALLBACK
    assert cal.holidays == frozenset()
    assert cal.adjusted_workdays == frozenset()
    assert is_working_day(date(2027, 1, 1)) is True  # Friday: no holiday is known
    assert is_working_day(date(2027, 2, 8)) is True  # Monday
    assert is_working_day(date(2027, 2, 20)) is False  # Saturday
    assert is_working_day(date(2027, 2, 21)) is False  # Sunday
    assert add_working_days(date(2027, 2, 5), 1) == date(2027, 2, 8)
    assert add_working_days(date(2027, 2, 5), 10) == date(2027, 2, 19)
    assert working_days_between(date(2027, 1, 31), date(2027, 2, 28)) == 20

    result = coverage(date(2026, 11, 27))
    assert result == [
        YearCoverage(2026, Source.PACKAGE),
        YearCoverage(2027, Source.FALLBACK),
    ]
    assert [c.official for c in result] == [True, False]


def test_coverage_years_ahead():
    assert coverage(date(2025, 6, 1), years_ahead=2) == [
        YearCoverage(2025, Source.PACKAGE),
        YearCoverage(2026, Source.PACKAGE),
        YearCoverage(2027, Source.FALLBACK),
    ]
    assert coverage(date(2026, 1, 1), years_ahead=0) == [YearCoverage(2026, Source.PACKAGE)]
    assert coverage(date(2003, 6, 1)) == [
        YearCoverage(2003, Source.FALLBACK),
        YearCoverage(2004, Source.PACKAGE),
    ]


def test_admin_year_2027_applies_only_after_invalidate():
    assert is_working_day(date(2027, 2, 8)) is True  # fallback, now cached
    _enter_2027()
    assert is_working_day(date(2027, 2, 8)) is True  # still the cached fallback
    assert coverage(date(2027, 1, 1), years_ahead=0) == [YearCoverage(2027, Source.FALLBACK)]
    invalidate()
    assert is_working_day(date(2027, 2, 8)) is False
    assert coverage(date(2027, 1, 1), years_ahead=0) == [YearCoverage(2027, Source.ADMIN)]


def test_admin_year_overrides_the_package_after_invalidate():
    # Package: Mon 2 Mar 2026 is an ordinary working day, Mon 16 Feb 2026 a holiday.
    assert is_working_day(date(2026, 3, 2)) is True
    assert is_working_day(date(2026, 2, 16)) is False
    assert year_calendar(2026).source == Source.PACKAGE

    # A made-up arrangement for 2026 with one extra holiday on Mon 2 Mar 2026.
    year = HolidayYear.objects.create(
        year=2026, notice="国务院办公厅关于2026年部分节假日安排的通知"
    )
    HolidayDate.objects.create(year=year, date=date(2026, 3, 2), kind=HolidayDate.Kind.HOLIDAY)

    # Before invalidate() the cached calendar is still used.
    assert is_working_day(date(2026, 3, 2)) is True
    assert add_working_days(date(2026, 2, 27), 2) == date(2026, 3, 2)  # Sat 28, Mon 2
    assert year_calendar(2026).source == Source.PACKAGE

    invalidate()

    assert year_calendar(2026).source == Source.ADMIN
    assert is_working_day(date(2026, 3, 2)) is False
    # From Fri 27 Feb: Sat 28 Feb stays an adjusted working day (the package's, not
    # overridden), so +1 is Sat 28; +2 skips the entered holiday on Mon 2 Mar.
    assert add_working_days(date(2026, 2, 27), 1) == date(2026, 2, 28)
    assert add_working_days(date(2026, 2, 27), 2) == date(2026, 3, 3)
    assert working_days_between(date(2026, 2, 27), date(2026, 3, 3)) == 2
    # Entered dates override single days; the rest of the year keeps the package's data.
    assert is_working_day(date(2026, 2, 16)) is False  # Spring Festival, from the package
    assert is_working_day(date(2026, 2, 14)) is True  # adjusted Saturday, from the package
    assert is_working_day(date(2026, 10, 1)) is False  # National Day, from the package
    # Other years are untouched.
    assert is_working_day(date(2025, 10, 1)) is False
    assert coverage(date(2026, 11, 27)) == [
        YearCoverage(2026, Source.ADMIN),
        YearCoverage(2027, Source.FALLBACK),
    ]

    # Deleting the year brings the package back, again after invalidate().
    year.delete()
    assert is_working_day(date(2026, 3, 2)) is False  # cached
    invalidate()
    assert is_working_day(date(2026, 3, 2)) is True
    assert is_working_day(date(2026, 2, 16)) is False
    assert year_calendar(2026).source == Source.PACKAGE


def test_calendar_is_cached(django_assert_num_queries):
    with django_assert_num_queries(1):  # HolidayYear lookup, none found
        assert is_working_day(date(2026, 2, 16)) is False
    with django_assert_num_queries(0):
        assert is_working_day(date(2026, 2, 24)) is True
        assert working_days_between(date(2026, 1, 1), date(2026, 12, 31)) == 248
        assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)

    _enter_2027()
    invalidate()
    with django_assert_num_queries(2):  # HolidayYear, then its HolidayDate rows
        assert is_working_day(date(2027, 2, 8)) is False
    with django_assert_num_queries(1):  # 2026 is reloaded under the new version
        assert is_working_day(date(2026, 2, 16)) is False
    with django_assert_num_queries(0):
        assert add_working_days(date(2026, 12, 31), 5) == date(2027, 1, 7)


def test_invalidate_without_a_version_in_the_cache():
    # With an empty cache (no version yet) invalidate() still moves to a new version.
    invalidate()
    assert cache.get(workdays._CACHE_VERSION_KEY) == 2
    invalidate()
    assert cache.get(workdays._CACHE_VERSION_KEY) == 3
    assert is_working_day(date(2026, 2, 16)) is False
