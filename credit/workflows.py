"""The lifecycle of an objection (异议) to a credit record, as data (``portal.workflow``).

    filed ─take_up─> under_review ─uphold─> upheld      (the record stands)
      │                   │      └─correct─> corrected  (a new version of the record)
      │                   └─revoke─> revoked            (a revoking version of the record)
      └─────────── withdraw (filed or under review, by the filer) ─> withdrawn

Inspectors of the record's region (``inspect_employers`` on it, which covers the divisions
below a province) take an objection up and decide it with a reason. A correction and a
revocation are made through ``credit.services.record_correct`` / ``record_revoke`` on the
record's current version, in the transition's transaction: what they refuse (a correction
that changes nothing, a record already revoked) refuses the decision, and nothing changes.
The filer (the person who filed it) may withdraw it while it is open. A decision is told to
the filer and the organization's people in its transaction (``credit.notifications``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.access import AnyUser, has_region_permission
from portal.services import ServiceError
from portal.workflow import GuardFailed, Transition, TransitionContext, Workflow

from .models import CreditRecord, Objection
from .notifications import effect_objection_decided

S = Objection.State
OPEN = (S.FILED, S.UNDER_REVIEW)
INSPECT = "inspect_employers"
# What a correction decided on an objection may change, with how the payload carries it.
CORRECTION_FIELDS = ("severity", "facts", "effective_until", "disclosed")


# --- Permissions ------------------------------------------------------------------------------


def may_review(user: AnyUser, objection: Objection) -> bool:
    """Inspectors of the record's region (or of the province above it)."""
    return has_region_permission(user, INSPECT, objection.region_id)


def is_filer(user: AnyUser, objection: Objection) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.pk == objection.filed_by_id
    )


# --- Effects ----------------------------------------------------------------------------------


def _head(objection: Objection) -> CreditRecord:
    """The record's current version (a correction made since the filing is corrected on)."""
    return CreditRecord.objects.select_related("kind").get(
        series=objection.series, superseded_at__isnull=True
    )


def _refusal(exc: ValidationError | ServiceError) -> GuardFailed:
    if isinstance(exc, ServiceError):
        return GuardFailed(exc.message, details={"code": exc.code})
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    text = " ".join(str(m) for ms in messages.values() for m in ms)
    return GuardFailed(
        text, details={"fields": {k: [str(m) for m in v] for k, v in messages.items()}}
    )


def correction_values(payload: dict[str, Any]) -> dict[str, Any]:
    """The record fields a correction changes, from the transition's payload (JSON: dates
    as ``YYYY-MM-DD``, ``effective_until`` ``None`` for open-ended)."""
    changes = payload.get("changes") or {}
    values: dict[str, Any] = {}
    for name in CORRECTION_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if name == "effective_until" and value is not None:
            value = dt.date.fromisoformat(str(value))
        values[name] = value
    return values


def effect_taken_up(objection: Objection, context: TransitionContext) -> list[str]:
    objection.reviewer = context.actor
    return ["reviewer"]


def effect_decided(objection: Objection, context: TransitionContext) -> list[str]:
    objection.decided_at = context.now
    objection.decision_reason = context.reason
    if (
        context.actor is not None
        and objection.reviewer_id is None
        and may_review(context.actor, objection)
    ):
        objection.reviewer = context.actor
    return ["decided_at", "decision_reason", "reviewer"]


def effect_correct_record(objection: Objection, context: TransitionContext) -> list[str]:
    from . import services

    values = correction_values(dict(context.payload))
    try:
        objection.outcome = services.record_correct(
            actor=context.actor,
            record=_head(objection),
            reason=context.reason,
            request=context.request,
            tell_subject=False,  # told as the objection's decision
            **values,
        )
    except (ValidationError, ServiceError) as exc:
        raise _refusal(exc) from None
    return ["outcome"]


def effect_revoke_record(objection: Objection, context: TransitionContext) -> list[str]:
    from . import services

    try:
        objection.outcome = services.record_revoke(
            actor=context.actor,
            record=_head(objection),
            reason=context.reason,
            request=context.request,
            tell_subject=False,  # told as the objection's decision
        )
    except (ValidationError, ServiceError) as exc:
        raise _refusal(exc) from None
    return ["outcome"]


def guard_record_not_revoked(objection: Objection, context: TransitionContext) -> None:
    if _head(objection).is_revoked:
        raise GuardFailed(gettext("The record was revoked meanwhile: there is nothing to uphold."))


# --- The table --------------------------------------------------------------------------------

OBJECTION_WORKFLOW: Workflow[Objection] = Workflow(
    name="credit.objection",
    model=Objection,
    states=S,
    initial=S.FILED,
    transitions=(
        Transition(
            "take_up",
            (S.FILED,),
            S.UNDER_REVIEW,
            _("Take up for review"),
            permission=may_review,
            effects=(effect_taken_up,),
        ),
        Transition(
            "uphold",
            (S.UNDER_REVIEW,),
            S.UPHELD,
            _("Uphold the record"),
            permission=may_review,
            guards=(guard_record_not_revoked,),
            effects=(effect_decided, effect_objection_decided),
            reason_required=True,
        ),
        Transition(
            "correct",
            (S.UNDER_REVIEW,),
            S.CORRECTED,
            _("Correct the record"),
            permission=may_review,
            effects=(effect_correct_record, effect_decided, effect_objection_decided),
            reason_required=True,
        ),
        Transition(
            "revoke",
            (S.UNDER_REVIEW,),
            S.REVOKED,
            _("Revoke the record"),
            permission=may_review,
            effects=(effect_revoke_record, effect_decided, effect_objection_decided),
            reason_required=True,
        ),
        Transition(
            "withdraw",
            OPEN,
            S.WITHDRAWN,
            _("Withdraw"),
            permission=is_filer,
            effects=(effect_decided,),
        ),
    ),
)
