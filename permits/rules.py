"""The configurable rules of permits as the other modules read them.

Limits that public sources give differently, or that provinces set for themselves, are
rows (``ClockRule``, ``ValidityRule``, ``WindowRule``, ``QuotaAllocation``: seeded with the
national defaults by migration, provinces add their own in the admin); the most specific
row wins (the province's own, else the national one). The fixed legal periods are the
constants below. The document checklist (which papers an application needs) is built from
these in ``permits.documents``, from the kind, the category and the route, so that the
employer's form, the checks before submission and the officer's page read one list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from permits.models import ValidityRule, WindowRule
from portal.models import Region

# A Notification Letter is valid for 6 months.
LETTER_VALID_MONTHS = 6
# The passport must be valid for at least 6 more months when the application is submitted.
PASSPORT_MIN_MONTHS = 6
# Criminal-record and health certificates count when issued within the last 6 months.
CERTIFICATE_MAX_AGE_MONTHS = 6
# Short-term work: at most 90 days.
SHORT_TERM_MAX_DAYS = 90


def _province_id(region: Region | int | None) -> int | None:
    if region is None:
        return None
    if isinstance(region, int):
        region = Region.objects.only("pk", "parent_id").get(pk=region)
    # Divisions below a province name their province as ``parent``.
    return region.parent_id or region.pk


@dataclass(frozen=True)
class Window:
    """A window in days: ``opens_days`` and ``closes_days`` as stored (an extension opens
    90 days before expiry and closes 30 days before it; a change report closes 10 working
    days after the change). ``working_days`` says how ``closes_days`` is counted."""

    kind: str
    opens_days: int
    closes_days: int
    working_days: bool


WORKING_DAY_WINDOWS = frozenset({WindowRule.Kind.CHANGE, WindowRule.Kind.CANCELLATION})


def window(kind: str, region: Region | int | None) -> Window:
    """The window of ``kind`` in the province of ``region`` (its own rule, else national)."""
    province_id = _province_id(region)
    rows = list(
        WindowRule.objects.filter(kind=kind)
        .filter(Q(region_id=province_id) | Q(region__isnull=True))
        .values_list("region_id", "opens_days", "closes_days")
    )
    if not rows:
        raise ImproperlyConfigured(f"no window for {kind!r}: add a WindowRule")
    best = max(rows, key=lambda r: r[0] is not None)
    return Window(kind, int(best[1]), int(best[2]), kind in WORKING_DAY_WINDOWS)


def validity_months(category: str, region: Region | int | None) -> int:
    """The longest permit of ``category`` in the province of ``region``."""
    province_id = _province_id(region)
    rows = list(
        ValidityRule.objects.filter(category=category)
        .filter(Q(region_id=province_id) | Q(region__isnull=True))
        .values_list("region_id", "max_months")
    )
    if not rows:
        raise ImproperlyConfigured(f"no validity rule for Category {category}: add a ValidityRule")
    best = max(rows, key=lambda r: r[0] is not None)
    return int(best[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; the 31st falls back to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")
