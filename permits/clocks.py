"""The statutory clocks of an application, in working days (holidays and adjusted working
days counted through ``portal.workdays``).

* Acceptance: N working days after submission (default 5).
* Decision: N working days after acceptance (default 10, Category A 5).
* Overall limit: N working days after submission (default 20), extendable once by N (10).
* While the employer owes information the clock stands still: when the answer comes, every
  due date moves on by the working days the request was open.

A limit of N working days "after" a day ends on the Nth working day after it
(``add_working_days``). The limits are data (``ClockRule``): the most specific rule for the
stage wins (province and category, province, category, national). The functions below set
the fields of an application; the workflow's effects call them and save what they return.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from permits.models import Application, ClockRule
from portal.models import Region
from portal.workdays import add_working_days, working_days_between

Stage = ClockRule.Stage

CLOCK_FIELDS = (
    "acceptance_due_on",
    "decision_due_on",
    "overall_due_on",
    "overall_extended",
    "paused_on",
    "paused_working_days",
    "due_on",
)


def limit(stage: str, region: Region | int | None, category: str = "") -> int:
    """Working days for ``stage`` in ``region``'s province for ``category``."""
    region_id = region.pk if isinstance(region, Region) else region
    rules = list(
        ClockRule.objects.filter(stage=stage)
        .filter(Q(region_id=region_id) | Q(region__isnull=True))
        .filter(Q(category=category) | Q(category=""))
        .values_list("region_id", "category", "working_days")
    )
    if not rules:
        raise ImproperlyConfigured(f"no time limit for the stage {stage!r}: add a ClockRule")
    # Province before category before the national default.
    best = max(rules, key=lambda r: (r[0] is not None, r[1] != ""))
    return int(best[2])


def _earliest(*days: dt.date | None) -> dt.date | None:
    present = [d for d in days if d is not None]
    return min(present) if present else None


def start_acceptance(application: Application, today: dt.date) -> tuple[str, ...]:
    """On submission (and resubmission after a correction): the acceptance and overall
    clocks start again."""
    region, category = application.region_id, application.category
    application.acceptance_due_on = add_working_days(
        today, limit(Stage.ACCEPTANCE, region, category)
    )
    application.overall_due_on = add_working_days(today, limit(Stage.OVERALL, region, category))
    application.overall_extended = False
    application.decision_due_on = None
    application.paused_on = None
    application.paused_working_days = 0
    application.due_on = application.acceptance_due_on
    return CLOCK_FIELDS


def start_decision(application: Application, today: dt.date) -> tuple[str, ...]:
    """On acceptance: the decision clock starts (Category A's is shorter)."""
    days = limit(Stage.DECISION, application.region_id, application.category)
    application.decision_due_on = add_working_days(today, days)
    application.due_on = _earliest(application.decision_due_on, application.overall_due_on)
    return CLOCK_FIELDS


def stop(application: Application) -> tuple[str, ...]:
    """The officers have nothing more to do (returned, decided, withdrawn)."""
    application.due_on = None
    application.paused_on = None
    return CLOCK_FIELDS


def pause(application: Application, today: dt.date) -> tuple[str, ...]:
    """An information request is sent: the clock stands still from the day after."""
    application.paused_on = today
    return CLOCK_FIELDS


def resume(application: Application, today: dt.date) -> tuple[str, ...]:
    """The employer has answered: the due dates move on by the working days paused."""
    if application.paused_on is None:
        return ()
    paused = working_days_between(application.paused_on, today)
    application.paused_working_days += paused
    if application.decision_due_on is not None:
        application.decision_due_on = add_working_days(application.decision_due_on, paused)
    if application.overall_due_on is not None:
        application.overall_due_on = add_working_days(application.overall_due_on, paused)
    application.paused_on = None
    application.due_on = _earliest(application.decision_due_on, application.overall_due_on)
    return CLOCK_FIELDS


def extend(application: Application) -> tuple[str, ...]:
    """The overall limit extended once (and the decision's with it)."""
    days = limit(Stage.OVERALL_EXTENSION, application.region_id, application.category)
    if application.overall_due_on is not None:
        application.overall_due_on = add_working_days(application.overall_due_on, days)
    if application.decision_due_on is not None:
        application.decision_due_on = add_working_days(application.decision_due_on, days)
    application.overall_extended = True
    application.due_on = _earliest(application.decision_due_on, application.overall_due_on)
    return CLOCK_FIELDS


def urgency(application: Application, today: dt.date) -> str:
    """``overdue``, ``due_soon`` (within ``PORTAL_DUE_SOON_WORKING_DAYS``), ``paused``,
    ``on_time`` or ``""`` when no clock runs."""
    if application.paused_on is not None:
        return "paused"
    if application.due_on is None:
        return ""
    if application.due_on < today:
        return "overdue"
    if working_days_between(today, application.due_on) <= settings.PORTAL_DUE_SOON_WORKING_DAYS:
        return "due_soon"
    return "on_time"
