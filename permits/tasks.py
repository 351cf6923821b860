"""Periodic tasks of permits. Each takes no arguments, is idempotent and retries; the work
is done by ``permits.services.permits`` with the system as actor (audited)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from permits.services import permits as services

logger = logging.getLogger(__name__)


@shared_task(
    name="permits.tasks.expire_letters_and_permits",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def expire_letters_and_permits() -> dict[str, list[str]]:
    """Letters and permits past their last day are recorded as expired (they already
    read as expired: this makes it durable and audited)."""
    today = timezone.localdate()
    report = {
        "letters": services.letters_expire_due(today=today),
        "permits": services.permits_expire_due(today=today),
    }
    if report["letters"] or report["permits"]:
        logger.info(
            "expired %d letters and %d permits", len(report["letters"]), len(report["permits"])
        )
    return report


@shared_task(
    name="permits.tasks.escalate_overdue_applications",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def escalate_overdue_applications() -> list[str]:
    """Open applications past their due date (clock running) are escalated, once each."""
    escalated = services.applications_escalate_overdue(today=timezone.localdate())
    if escalated:
        logger.warning("escalated %d overdue applications", len(escalated))
    return escalated


@shared_task(
    name="permits.tasks.remind_deadlines",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def remind_deadlines() -> dict[str, list[str]]:
    """Officers warned of applications due within ``PORTAL_DEADLINE_WARNING_WORKING_DAYS``
    working days, employers told of permits whose extension window has opened; each once
    (``permits.notifications``)."""
    from permits import notifications

    today = timezone.localdate()
    report = {
        "deadlines": notifications.deadlines_remind(today=today),
        "permits_expiring": notifications.permits_expiring_remind(today=today),
    }
    if report["deadlines"] or report["permits_expiring"]:
        logger.info(
            "warned of %d deadlines and %d expiring permits",
            len(report["deadlines"]),
            len(report["permits_expiring"]),
        )
    return report


@shared_task(
    name="permits.tasks.refresh_statistics",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def refresh_statistics() -> dict[str, object]:
    """The statistics summaries brought up to date with what changed since the last run
    (``permits.statistics.statistics_refresh``), and recomputed in full once a day."""
    import datetime as dt

    from permits.statistics import statistics_refresh

    report = statistics_refresh(full_after=dt.timedelta(days=1))
    return {
        "full": report.full,
        "pairs": report.pairs,
        "monthly_rows": report.monthly_rows,
        "histogram_rows": report.histogram_rows,
        "changed": report.changed,
        "seconds": round(report.seconds, 3),
    }
