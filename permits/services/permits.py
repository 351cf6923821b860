"""Writes on letters and permits after issuance: revocation by an officer, the tax-record
check of a salary commitment, and what the nightly tasks make durable (expiry of letters
and permits, escalation of overdue applications).

Every state change goes through the workflows (``permits.workflows.permit``), which lock
the row, check the actor and write the transition record and the audit event. The batch
functions are idempotent: each row is handled in its own transaction and re-checked under
its lock, so a second run (or two runs at once) changes nothing more.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from permits import issuance, notifications
from permits.access import may_decide
from permits.models import Application, NotificationLetter, Permit
from permits.workflows.permit import LETTER_WORKFLOW, PERMIT_WORKFLOW
from portal.audit import audit_record
from portal.models import User
from portal.workflow import GuardFailed, TransitionNotAllowed, TransitionPermissionDenied

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
TAX_CHECK_KINDS = (Application.Kind.EXTENSION, Application.Kind.CANCELLATION)
TAX_CHECK_STATES = (Application.State.UNDER_REVIEW, Application.State.INFORMATION_REQUESTED)
# Applications whose clock runs (an open information request pauses it: paused_on is set).
ESCALATION_STATES = (Application.State.SUBMITTED, Application.State.UNDER_REVIEW)


# --- Officers --------------------------------------------------------------------------------


def permit_revoke(
    *,
    actor: User,
    permit: Permit | int,
    reasons: Sequence[str],
    reason: str,
    text_zh: str = "",
    text_en: str = "",
    request: HttpRequest | None = None,
) -> Permit:
    """Revoke an active permit: a decision officer of its province, at least one reason
    of the list (stage ``revocation``) and the reason in words; texts for the holder in
    both languages are optional."""
    return PERMIT_WORKFLOW.run(
        permit,
        "revoke",
        actor=actor,
        reason=reason,
        payload={"reasons": list(reasons), "text_zh": text_zh, "text_en": text_en},
        request=request,
    )


def letter_revoke(
    *,
    actor: User,
    letter: NotificationLetter | int,
    reasons: Sequence[str],
    reason: str,
    request: HttpRequest | None = None,
) -> NotificationLetter:
    """Revoke a valid notification letter (a decision officer of its province)."""
    return LETTER_WORKFLOW.run(
        letter,
        "revoke",
        actor=actor,
        reason=reason,
        payload={"reasons": list(reasons)},
        request=request,
    )


def application_record_tax_check(
    *,
    actor: User,
    application: Application | int,
    backed: bool,
    note: str = "",
    request: HttpRequest | None = None,
) -> Application:
    """The decision officer records whether the salary of the permit was backed by tax
    records, on an extension or cancellation under review. A permit granted on a salary
    commitment whose salary was not backed is reported to the credit service as a
    dishonest act of the employer, once per permit (a second "not backed" changes
    nothing more)."""
    pk = application.pk if isinstance(application, Application) else application
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=pk)
        if not may_decide(actor, locked):
            raise TransitionPermissionDenied(
                _("Only a decision officer of the province records the tax check.")
            )
        if locked.kind not in TAX_CHECK_KINDS or locked.permit_id is None:
            raise GuardFailed(
                _("The tax records are checked only at the extension or cancellation of a permit.")
            )
        if locked.state not in TAX_CHECK_STATES:
            raise TransitionNotAllowed(
                _("The tax check is recorded while the application is under review.")
            )
        before = locked.salary_backed_by_tax
        locked.salary_backed_by_tax = backed
        locked.save(update_fields=["salary_backed_by_tax", "updated_at"])
        reported = False
        if not backed:
            permit = Permit.objects.get(pk=locked.permit_id)
            reported = issuance.report_unbacked_salary(
                permit=permit, application=locked, actor=actor, on=timezone.localdate()
            )
        audit_record(
            actor=actor,
            action="permits.application.tax_check_recorded",
            target=locked,
            data={
                "before": before,
                "backed": backed,
                "note": note,
                "reported_to_credit": reported,
            },
            request=request,
        )
    return locked


# --- What the nightly tasks make durable --------------------------------------------------------


def _keyset(queryset: QuerySet[Any], batch_size: int) -> Iterator[list[int]]:
    """The primary keys of ``queryset`` in batches, in key order (a row skipped in one
    batch is never read again, so a run always ends)."""
    last = 0
    while True:
        ids = list(
            queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def letters_expire_due(*, today: dt.date, batch_size: int = BATCH_SIZE) -> list[str]:
    """Record as expired every valid letter past its last day; the numbers expired now."""
    due = NotificationLetter.objects.filter(
        state=NotificationLetter.State.VALID, valid_until__lt=today
    )
    done: list[str] = []
    for ids in _keyset(due, batch_size):
        for pk in ids:
            try:
                letter = LETTER_WORKFLOW.run(pk, "expire", actor=None)
            except (TransitionNotAllowed, GuardFailed):  # changed meanwhile
                continue
            done.append(letter.number)
    return done


def permits_expire_due(*, today: dt.date, batch_size: int = BATCH_SIZE) -> list[str]:
    """Record as expired every active permit past its last day; the numbers expired now."""
    due = Permit.objects.filter(state=Permit.State.ACTIVE, valid_until__lt=today)
    done: list[str] = []
    for ids in _keyset(due, batch_size):
        for pk in ids:
            try:
                permit = PERMIT_WORKFLOW.run(pk, "expire", actor=None)
            except (TransitionNotAllowed, GuardFailed):
                continue
            done.append(permit.permit_number)
    return done


def _overdue(today: dt.date) -> QuerySet[Application]:
    return Application.objects.filter(
        state__in=ESCALATION_STATES,
        due_on__lt=today,
        paused_on__isnull=True,
        escalated_at__isnull=True,
    )


def applications_escalate_overdue(*, today: dt.date, batch_size: int = BATCH_SIZE) -> list[str]:
    """Flag every open application whose clock runs and whose due date has passed, once
    (``escalated_at``), with an audit event ``permits.application.escalated`` by the
    system, and tell the decision officers of the province (``permits.deadline_missed``);
    the numbers escalated now."""
    done: list[str] = []
    for ids in _keyset(_overdue(today), batch_size):
        for pk in ids:
            with transaction.atomic():
                locked = _overdue(today).select_for_update().filter(pk=pk).first()
                if locked is None:  # decided, paused or escalated meanwhile
                    continue
                locked.escalated_at = timezone.now()
                locked.save(update_fields=["escalated_at"])
                audit_record(
                    actor=None,
                    actor_repr="system",
                    action="permits.application.escalated",
                    target=locked,
                    data={
                        "due_on": locked.due_on,
                        "state": locked.state,
                        "region": locked.region_id,
                    },
                )
                notifications.tell_overdue(locked)
            done.append(locked.number)
    return done
