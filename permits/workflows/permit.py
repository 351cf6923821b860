"""The lifecycles of notification letters and work permits, as data (``portal.workflow``).

Notification letter::

    valid ─use─> used            (automatic: the work permit after entry is issued on it)
      │ └─expire─> expired       (automatic: the nightly task, the day after valid_until)
      └─revoke─> revoked         (a decision officer of the letter's province, with reasons)

Work permit::

    active ─cancel─> cancelled       (automatic: a cancellation application is approved)
      │ │ └─transfer─> transferred   (automatic: a change of employer is approved)
      │ └─expire─> expired           (automatic: the nightly task, the day after valid_until)
      └─revoke─> revoked             (a decision officer of the permit's province, with reasons)

Automatic transitions are made by the system (``actor=None``): the approval that caused
them is named in the payload (``application``) and has its own record with the officer.
Expiry is read from the dates at once (``status_on``); the task only makes it durable.
Revocation takes at least one reason of the list (stage ``revocation``), the officer's
reason text, and optionally texts for the holder in both languages
(``payload["text_zh"]``, ``payload["text_en"]``).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from permits.access import DECIDE
from permits.models import NotificationLetter, Permit, RejectionReason
from portal.access import AnyUser, has_region_permission
from portal.workflow import GuardFailed, Transition, TransitionContext, Workflow, system_only

L = NotificationLetter.State
P = Permit.State


def _today(context: TransitionContext) -> Any:
    return timezone.localdate(context.now)


def may_decide_letter(user: AnyUser, letter: NotificationLetter) -> bool:
    return has_region_permission(user, DECIDE, letter.region_id)


def may_decide_permit(user: AnyUser, permit: Permit) -> bool:
    return has_region_permission(user, DECIDE, permit.region_id)


# --- Guards ------------------------------------------------------------------------------------


def _reason_codes(context: TransitionContext) -> list[str]:
    raw = context.payload.get("reasons") or []
    if isinstance(raw, str):
        raw = [raw]
    return [str(c) for c in raw]


def guard_revocation_reasons(obj: Any, context: TransitionContext) -> None:
    codes = _reason_codes(context)
    if not codes:
        raise GuardFailed(
            gettext("Choose at least one reason from the list."), details={"field": "reasons"}
        )
    known = set(
        RejectionReason.objects.filter(
            stage=RejectionReason.Stage.REVOCATION, is_active=True, code__in=codes
        ).values_list("code", flat=True)
    )
    unknown = sorted(set(codes) - known)
    if unknown:
        raise GuardFailed(
            gettext("Unknown reasons: %(codes)s") % {"codes": ", ".join(unknown)},
            details={"field": "reasons"},
        )


def guard_past_validity(obj: NotificationLetter | Permit, context: TransitionContext) -> None:
    if _today(context) <= obj.valid_until:
        raise GuardFailed(
            gettext("It is valid until %(day)s.") % {"day": obj.valid_until.isoformat()}
        )


def guard_not_past_validity(obj: NotificationLetter | Permit, context: TransitionContext) -> None:
    if _today(context) > obj.valid_until:
        raise GuardFailed(
            gettext("It expired on %(day)s.") % {"day": obj.valid_until.isoformat()},
            details={"field": "valid_until"},
        )


# --- Effects -------------------------------------------------------------------------------------


def _ended_on(context: TransitionContext) -> Any:
    raw = context.payload.get("ended_on")
    if raw:
        day = parse_date(str(raw))
        if day is not None:
            return day
    return _today(context)


def effect_ended(obj: NotificationLetter | Permit, context: TransitionContext) -> list[str]:
    obj.ended_on = _ended_on(context)
    obj.end_reason = context.reason
    return ["ended_on", "end_reason"]


def effect_expired(obj: NotificationLetter | Permit, context: TransitionContext) -> list[str]:
    obj.ended_on = obj.valid_until
    obj.end_reason = context.reason or gettext("Expired")
    return ["ended_on", "end_reason"]


def effect_permit_revoked(permit: Permit, context: TransitionContext) -> list[str]:
    permit.ended_on = _today(context)
    permit.end_reason = context.reason
    permit.end_text_zh = str(context.payload.get("text_zh", "") or "").strip()
    permit.end_text_en = str(context.payload.get("text_en", "") or "").strip()
    permit.end_reasons.set(RejectionReason.objects.filter(code__in=_reason_codes(context)))
    return ["ended_on", "end_reason", "end_text_zh", "end_text_en"]


def effect_letter_revoked(letter: NotificationLetter, context: TransitionContext) -> list[str]:
    letter.ended_on = _today(context)
    codes = _reason_codes(context)
    letter.end_reason = f"[{', '.join(codes)}] {context.reason}" if codes else context.reason
    return ["ended_on", "end_reason"]


# --- The tables --------------------------------------------------------------------------------

LETTER_WORKFLOW: Workflow[NotificationLetter] = Workflow(
    name="permits.letter",
    model=NotificationLetter,
    states=L,
    initial=L.VALID,
    transitions=(
        Transition(
            "use",
            (L.VALID,),
            L.USED,
            _("Use for the work permit"),
            permission=system_only,
            guards=(guard_not_past_validity,),
            effects=(effect_ended,),
            automatic=True,
        ),
        Transition(
            "expire",
            (L.VALID,),
            L.EXPIRED,
            _("Expire"),
            permission=system_only,
            guards=(guard_past_validity,),
            effects=(effect_expired,),
            automatic=True,
        ),
        Transition(
            "revoke",
            (L.VALID,),
            L.REVOKED,
            _("Revoke"),
            permission=may_decide_letter,
            guards=(guard_not_past_validity, guard_revocation_reasons),
            effects=(effect_letter_revoked,),
            reason_required=True,
        ),
    ),
)

PERMIT_WORKFLOW: Workflow[Permit] = Workflow(
    name="permits.permit",
    model=Permit,
    states=P,
    initial=P.ACTIVE,
    transitions=(
        Transition(
            "cancel",
            (P.ACTIVE,),
            P.CANCELLED,
            _("Cancel"),
            permission=system_only,
            effects=(effect_ended,),
            automatic=True,
            reason_required=True,
        ),
        Transition(
            "transfer",
            (P.ACTIVE,),
            P.TRANSFERRED,
            _("End by a change of employer"),
            permission=system_only,
            effects=(effect_ended,),
            automatic=True,
            reason_required=True,
        ),
        Transition(
            "expire",
            (P.ACTIVE,),
            P.EXPIRED,
            _("Expire"),
            permission=system_only,
            guards=(guard_past_validity,),
            effects=(effect_expired,),
            automatic=True,
        ),
        Transition(
            "revoke",
            (P.ACTIVE,),
            P.REVOKED,
            _("Revoke"),
            permission=may_decide_permit,
            guards=(guard_not_past_validity, guard_revocation_reasons),
            effects=(effect_permit_revoked,),
            reason_required=True,
        ),
    ),
)
