"""Periodic kernel tasks. Each takes no arguments or ids, is idempotent and retries."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from portal import workdays
from portal.audit import audit_verify_chain
from portal.models import User
from portal.roles import Role

logger = logging.getLogger(__name__)

AUDIT_STATUS_KEY = "portal:audit:last-verification"


@shared_task(
    name="portal.tasks.audit_verify_chain",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def audit_verify_chain_task() -> bool:
    report = audit_verify_chain()
    status = {
        "at": timezone.now().isoformat(),
        "intact": report.intact,
        "checked": report.checked,
        "problem": report.first_break.problem if report.first_break else "",
    }
    cache.set(AUDIT_STATUS_KEY, status, None)
    if not report.intact:
        logger.error("audit chain broken: %s", status["problem"])
    return report.intact


@shared_task(
    name="portal.tasks.calendar_coverage_check",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def calendar_coverage_check() -> list[int]:
    """Tell site admins when a year ahead has no official holiday data."""
    missing = [c.year for c in workdays.coverage(timezone.localdate()) if not c.official]
    if not missing:
        return []
    logger.warning("no official holiday data for %s", missing)
    admins = User.objects.filter(is_active=True, groups__name=Role.SITE_ADMIN.value).exclude(
        email=""
    )
    for admin_user in admins:
        with override(admin_user.preferred_language):
            send_mail(
                _("Enter the official holidays for %(years)s")
                % {"years": ", ".join(map(str, missing))},
                _(
                    "Deadlines in %(years)s count Monday to Friday only until the year's "
                    "public holidays and adjusted working days are entered in the admin "
                    "(Holiday years)."
                )
                % {"years": ", ".join(map(str, missing))},
                None,
                [admin_user.email],
            )
    return missing


@shared_task(
    name="portal.tasks.filings_daily",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def filings_daily_task() -> dict[str, list[str]]:
    """Supersession and lapse made durable, expiry reminders sent (idempotent)."""
    from portal.filings import filings_daily

    report = filings_daily()
    return {
        "superseded": report.superseded,
        "lapsed": report.lapsed,
        "reminders": report.reminders,
    }


@shared_task(
    name="portal.tasks.sweep_orphan_files",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def sweep_orphan_files_task() -> dict[str, int]:
    """Remove uploads nothing points at (``portal.files.sweep_orphan_files``)."""
    from portal.files import sweep_orphan_files

    result = sweep_orphan_files()
    return {"rows": result.rows, "files": result.files}


@shared_task(
    name="portal.tasks.render_document",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def render_document(self: Any, document_id: int) -> str:
    """Render, sign and store one issued document (``portal.documents.document_render``).

    Idempotent: a document already ready is left alone, so a message delivered twice (a
    worker lost after the commit, the sweeper) stores one file. A failure is recorded on
    the document and retried with exponential backoff; after
    ``PORTAL_DOCUMENT_RENDER_RETRIES`` retries the document is marked failed, with the
    error, for officers to see and try again.
    """
    from portal.documents import document_record_failure, document_render

    retries = int(settings.PORTAL_DOCUMENT_RENDER_RETRIES)
    attempt = self.request.retries
    while True:
        try:
            document = document_render(document_id)
        except Exception as error:
            final = attempt >= retries
            document_record_failure(document_id, error, final=final)
            if final:
                logger.exception("document %s failed after %d attempts", document_id, attempt + 1)
                return "failed"
            if self.request.is_eager:
                # No broker (the embedded default, tests): try again at once, in-process,
                # so that a failure ends recorded as it would with a worker.
                attempt += 1
                continue
            raise self.retry(exc=error, countdown=min(600, 5 * 2**attempt)) from error
        return "ready" if document is not None else "missing"


@shared_task(
    name="portal.tasks.documents_sweep",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def documents_sweep_task() -> int:
    """Queue again the documents left pending too long (``portal.documents.documents_sweep``)."""
    from portal.documents import documents_sweep

    return len(documents_sweep())


@shared_task(
    name="portal.tasks.send_notification_email",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def send_notification_email(self: Any, notification_id: int) -> str:
    """Send the e-mail of one notification (``portal.notifications.notification_email_send``).

    Idempotent: the row is locked and the e-mail sent only while it is pending, then marked
    sent, so a message delivered twice sends one e-mail. A failure is recorded and retried
    with exponential backoff; after ``portal.notifications.EMAIL_RETRIES`` retries the
    e-mail is marked failed (the inbox row stays).
    """
    from portal.notifications import (
        EMAIL_RETRIES,
        notification_email_failure,
        notification_email_send,
    )

    attempt = self.request.retries
    while True:
        try:
            return notification_email_send(notification_id)
        except Exception as error:
            final = attempt >= EMAIL_RETRIES
            notification_email_failure(notification_id, error, final=final)
            if final:
                logger.exception(
                    "e-mail of notification %s failed after %d attempts",
                    notification_id,
                    attempt + 1,
                )
                return "failed"
            if self.request.is_eager:
                # No broker (the embedded default, tests): try again at once, in-process.
                attempt += 1
                continue
            raise self.retry(exc=error, countdown=min(600, 30 * 2**attempt)) from error


@shared_task(
    name="portal.tasks.notifications_sweep",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def notifications_sweep_task() -> int:
    """Queue again the notification e-mails whose message was lost
    (``portal.notifications.notifications_sweep``)."""
    from portal.notifications import notifications_sweep

    return len(notifications_sweep())
