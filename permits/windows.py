"""When an application about an existing letter or permit may be filed (``WindowRule``).

* **Extension** (延期): only inside the window before the permit's expiry, by default from
  90 days before ``valid_until`` to 30 days before it (both days included; configurable
  per province). Outside it the application is refused with the dates that are allowed.
* **Change** (变更): due within 10 *working* days of ``change_date`` (the last day in time
  is ``add_working_days(change_date, 10)``). Reporting is the employer's duty, so a late
  report is still accepted: no blocking problem, but ``is_late_change`` says so and the
  application is flagged ``reported_late`` (``mark_reported_late``).
* **Cancellation** (注销): due within 10 working days of the contract's end, treated like
  a change (late: accepted and flagged). It cannot be filed before the contract has
  ended: the permit ends on the contract's last day, which must not lie in the future.
* **Work permit after entry**: within 15 (calendar) days of ``entry_date``; a day later it is
  refused, naming the last day that was allowed. An entry date in the future is refused.

Missing data (no permit, no date) is not reported here: the completeness checks
(``permits.checks``) ask for it. Every function takes "today" as a date in China Standard
Time; the region of the rule is the permit's province (else the application's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext

from permits import rules
from permits.models import Application, Permit, WindowRule
from permits.problems import Problem
from portal.workdays import add_working_days

Kind = Application.Kind


@dataclass(frozen=True)
class Span:
    """The first and the last day (both included) on which a filing is in time."""

    first: dt.date
    last: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.first <= day <= self.last


# How a window rule is looked up: ``rules.window`` itself, or a memo of it.
WindowOf = Callable[[str, int | None], rules.Window]


def _region_id(application: Application) -> int | None:
    permit = application.permit
    if permit is not None:
        return permit.region_id
    return application.region_id


def extension_span(permit: Permit) -> Span:
    """The days on which an extension of ``permit`` may be filed."""
    w = rules.window(WindowRule.Kind.EXTENSION, permit.region_id)
    return Span(
        permit.valid_until - dt.timedelta(days=w.opens_days),
        permit.valid_until - dt.timedelta(days=w.closes_days),
    )


def change_due_on(
    change_date: dt.date, region_id: int | None, window: WindowOf = rules.window
) -> dt.date:
    """The last day on which a change made on ``change_date`` is reported in time."""
    w = window(WindowRule.Kind.CHANGE, region_id)
    return add_working_days(change_date, w.closes_days)


def cancellation_due_on(
    contract_end: dt.date, region_id: int | None, window: WindowOf = rules.window
) -> dt.date:
    """The last day on which a cancellation after ``contract_end`` is filed in time."""
    w = window(WindowRule.Kind.CANCELLATION, region_id)
    return add_working_days(contract_end, w.closes_days)


def after_entry_due_on(
    entry_date: dt.date, region_id: int | None, window: WindowOf = rules.window
) -> dt.date:
    """The last day on which the work permit may be applied for after entry."""
    w = window(WindowRule.Kind.AFTER_ENTRY, region_id)
    return entry_date + dt.timedelta(days=w.closes_days)


def contract_end_of(application: Application) -> dt.date | None:
    """The contract's end a cancellation refers to: the date the application gives (the
    contract may end early), else the end recorded with the permit."""
    if application.contract_end is not None:
        return application.contract_end
    permit = application.permit
    if permit is None:
        return None
    if permit.contract_end is not None:
        return permit.contract_end
    return permit.application.contract_end


def due_on(application: Application, window: WindowOf = rules.window) -> dt.date | None:
    """The last day in time for a change, cancellation or after-entry application (None
    for other kinds, or while the date it counts from is missing). ``window`` looks the
    rule up; a list passes one that remembers, so that many drafts cost no query each."""
    region_id = _region_id(application)
    if application.kind == Kind.CHANGE and application.change_date is not None:
        return change_due_on(application.change_date, region_id, window)
    if application.kind == Kind.CANCELLATION:
        end = contract_end_of(application)
        return cancellation_due_on(end, region_id, window) if end is not None else None
    if application.kind == Kind.AFTER_ENTRY and application.entry_date is not None:
        return after_entry_due_on(application.entry_date, region_id, window)
    return None


def is_late_change(application: Application, today: dt.date) -> bool:
    """A change report or a cancellation filed on ``today`` after its time limit. Such
    an application is accepted (the duty is the employer's) but flagged."""
    if application.kind not in (Kind.CHANGE, Kind.CANCELLATION):
        return False
    last = due_on(application)
    return last is not None and today > last


def mark_reported_late(application: Application, today: dt.date) -> list[str]:
    """Set ``reported_late`` for a late change or cancellation; the changed fields."""
    late = is_late_change(application, today)
    if application.reported_late == late:
        return []
    application.reported_late = late
    return ["reported_late"]


def _fmt(day: dt.date) -> str:
    return day.isoformat()


def window_problems(application: Application, today: dt.date) -> list[Problem]:
    """What keeps ``application`` from being filed on ``today`` because of its window."""
    kind = application.kind
    if kind == Kind.EXTENSION:
        permit = application.permit
        if permit is None:
            return []
        span = extension_span(permit)
        if today in span:
            return []
        return [
            Problem(
                code="extension_outside_window",
                message=gettext(
                    "An extension of a permit valid until %(until)s can be applied for from "
                    "%(first)s to %(last)s."
                )
                % {
                    "until": _fmt(permit.valid_until),
                    "first": _fmt(span.first),
                    "last": _fmt(span.last),
                },
                field="permit",
                step="kind",
            )
        ]
    if kind == Kind.CANCELLATION:
        end = contract_end_of(application)
        if end is not None and today < end:
            return [
                Problem(
                    code="contract_not_ended",
                    message=gettext(
                        "The contract ends on %(end)s: the permit can be cancelled from that "
                        "day to %(last)s."
                    )
                    % {
                        "end": _fmt(end),
                        "last": _fmt(cancellation_due_on(end, _region_id(application))),
                    },
                    field="contract_end",
                    step="job",
                )
            ]
        return []
    if kind == Kind.AFTER_ENTRY:
        entry = application.entry_date
        if entry is None:
            return []
        if entry > today:
            return [
                Problem(
                    code="entry_date_in_future",
                    message=gettext(
                        "The date of entry %(entry)s lies in the future: apply after entry."
                    )
                    % {"entry": _fmt(entry)},
                    field="entry_date",
                    step="kind",
                )
            ]
        last = after_entry_due_on(entry, _region_id(application))
        if today > last:
            return [
                Problem(
                    code="after_entry_too_late",
                    message=gettext(
                        "The work permit had to be applied for from %(entry)s to %(last)s, "
                        "within the time allowed after entry."
                    )
                    % {"entry": _fmt(entry), "last": _fmt(last)},
                    field="entry_date",
                    step="kind",
                )
            ]
        return []
    # Change: a late report is accepted and flagged (is_late_change), never refused.
    return []


def window_help(application: Application) -> str:
    """What the form tells the employer about the window of ``application``, from the
    rule the submission check enforces (so the form, the check and the service guide say
    the same numbers). Empty for kinds without a window."""
    kind = application.kind
    region_id = _region_id(application)
    if kind == Kind.EXTENSION:
        permit = application.permit
        w = rules.window(WindowRule.Kind.EXTENSION, region_id)
        if permit is None:
            return gettext(
                "An extension is filed from %(opens)d to %(closes)d days before expiry."
            ) % {
                "opens": w.opens_days,
                "closes": w.closes_days,
            }
        span = extension_span(permit)
        return gettext(
            "The permit is valid until %(until)s: the extension can be filed from %(first)s "
            "to %(last)s (%(opens)d to %(closes)d days before expiry)."
        ) % {
            "until": _fmt(permit.valid_until),
            "first": _fmt(span.first),
            "last": _fmt(span.last),
            "opens": w.opens_days,
            "closes": w.closes_days,
        }
    if kind == Kind.CHANGE:
        w = rules.window(WindowRule.Kind.CHANGE, region_id)
        return gettext("Report within %(days)d working days of the change.") % {
            "days": w.closes_days
        }
    if kind == Kind.CANCELLATION:
        w = rules.window(WindowRule.Kind.CANCELLATION, region_id)
        return gettext("Cancel within %(days)d working days after the contract ends.") % {
            "days": w.closes_days
        }
    if kind == Kind.AFTER_ENTRY:
        w = rules.window(WindowRule.Kind.AFTER_ENTRY, region_id)
        return gettext("The work permit is applied for within %(days)d days of entry.") % {
            "days": w.closes_days
        }
    return ""
