"""Working days (工作日) for every statutory deadline.

A working day is a day that is not a public holiday and not a weekend, except that the
weekend days worked in exchange for holidays (调休) are working days. One source decides
per year, in this order:

1. a date entered by site admins (``HolidayDate`` of a ``HolidayYear``): a holiday or an
   adjusted working day. Entering a year marks it as officially announced; the dates
   entered override single days, so a correction to a year the package knows needs only
   the corrected dates;
2. the ``chinese-calendar`` package, for the years announced before its release;
3. Monday to Friday, for a year nobody has announced yet. ``coverage()`` says so, and
   ``/healthz`` and the admin show it, so that the gap is fixed before it matters.

Functions take dates; an aware datetime is converted to its date in China Standard Time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from enum import StrEnum

import chinese_calendar
from django.core.cache import cache
from django.utils import timezone

from portal.models import HolidayDate, HolidayYear

logger = logging.getLogger(__name__)

_CACHE_VERSION_KEY = "portal:workdays:version"
_CACHE_TIMEOUT = 60 * 60


class Source(StrEnum):
    ADMIN = "admin"
    PACKAGE = "chinese-calendar"
    FALLBACK = "weekdays-only"


@dataclass(frozen=True)
class YearCalendar:
    year: int
    source: Source
    holidays: frozenset[dt.date]
    adjusted_workdays: frozenset[dt.date]
    package_knows_year: bool = False

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.adjusted_workdays:
            return True
        if day in self.holidays:
            return False
        if self.package_knows_year:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5


def _package_supports(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _version() -> int:
    return int(cache.get_or_set(_CACHE_VERSION_KEY, 1, None) or 1)


def _cached_year(year: int) -> YearCalendar:
    key = f"portal:workdays:{_version()}:{year}"
    found = cache.get(key)
    if found is None:
        found = _load_year(year)
        cache.set(key, found, _CACHE_TIMEOUT)
    return found


def invalidate() -> None:
    """Called by the service that saves a holiday year, so every process reloads it."""
    try:
        cache.incr(_CACHE_VERSION_KEY)
    except ValueError:
        cache.set(_CACHE_VERSION_KEY, 2, None)


def _load_year(year: int) -> YearCalendar:
    known = _package_supports(year)
    entered = HolidayYear.objects.filter(year=year).first()
    if entered is not None:
        dates = list(HolidayDate.objects.filter(year=entered).values_list("date", "kind"))
        return YearCalendar(
            year=year,
            source=Source.ADMIN,
            holidays=frozenset(d for d, k in dates if k == HolidayDate.Kind.HOLIDAY),
            adjusted_workdays=frozenset(
                d for d, k in dates if k == HolidayDate.Kind.ADJUSTED_WORKDAY
            ),
            package_knows_year=known,
        )
    if known:
        return YearCalendar(year, Source.PACKAGE, frozenset(), frozenset(), True)
    return YearCalendar(year, Source.FALLBACK, frozenset(), frozenset())


def _as_date(day: dt.date) -> dt.date:
    if isinstance(day, dt.datetime):
        return timezone.localdate(day) if timezone.is_aware(day) else day.date()
    return day


def year_calendar(year: int) -> YearCalendar:
    """The year's calendar, from the cache; straight from the database when the cache is
    down (a deadline must never depend on Redis being up)."""
    try:
        return _cached_year(year)
    except Exception:
        logger.warning("calendar cache unavailable; reading year %s from the database", year)
        return _load_year(year)


def is_working_day(day: dt.date) -> bool:
    day = _as_date(day)
    return year_calendar(day.year).is_working_day(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted).

    ``add_working_days(d, 0)`` is ``d``. A negative ``days`` counts backwards. This is the
    rule for a time limit of N working days beginning the day after an event: the last
    day on which the act is still in time.
    """
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    current = _as_date(start)
    calendars: dict[int, YearCalendar] = {}
    while remaining:
        current += dt.timedelta(days=step)
        cal = calendars.get(current.year)
        if cal is None:
            cal = calendars[current.year] = year_calendar(current.year)
        if cal.is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if ``end <= start``).

    ``working_days_between(d, add_working_days(d, n)) == n`` for every ``n >= 0``.
    """
    start, end = _as_date(start), _as_date(end)
    if end <= start:
        return 0
    count = 0
    current = start
    calendars: dict[int, YearCalendar] = {}
    while current < end:
        current += dt.timedelta(days=1)
        cal = calendars.get(current.year)
        if cal is None:
            cal = calendars[current.year] = year_calendar(current.year)
        if cal.is_working_day(current):
            count += 1
    return count


@dataclass(frozen=True)
class YearCoverage:
    year: int
    source: Source

    @property
    def official(self) -> bool:
        return self.source != Source.FALLBACK


def coverage(today: dt.date, years_ahead: int = 1) -> list[YearCoverage]:
    """Which source decides this year and the next ones."""
    return [
        YearCoverage(year, year_calendar(year).source)
        for year in range(today.year, today.year + years_ahead + 1)
    ]
