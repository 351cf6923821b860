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
