"""The lifecycle of an application, as data (``portal.workflow``).

    draft ─submit─> submitted ─accept─> under_review ─approve─> approved
                     │  │                 │  ↑  │ └─reject─> rejected
                     │  │                 │  │  └─extend_time_limit (once)
                     │  │   request_information │ answer_information
                     │  │                 ↓  │
                     │  │          information_requested
                     │  └─refuse_acceptance─> not_accepted
                     └─return_for_correction─> returned ─resubmit─> submitted
    (withdraw: from any open state, by the employer)

The employer's people (or its agency under a power of attorney) submit, answer and
withdraw; acceptance officers of the place of work accept, return or refuse to accept;
decision officers of the province request information, extend the time limit once, and
approve or reject. Clocks (``permits.clocks``) start, pause, resume and stop in the
effects; what approval issues is ``permits.issuance``. Checks that refuse a step are
``permits.checks``: the same rules before submission (for the employer) and at the step.
"""

from __future__ import annotations

from typing import Any, cast

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from permits import clocks, notifications, windows
from permits.access import may_accept, may_act_on, may_decide
from permits.models import (
    Application,
    Document,
    InformationItem,
    InformationRequest,
    RejectionReason,
)
from permits.problems import refuse_if
from portal.models import User
from portal.workflow import GuardFailed, Transition, TransitionContext, Workflow

S = Application.State
OPEN = (S.SUBMITTED, S.RETURNED, S.UNDER_REVIEW, S.INFORMATION_REQUESTED)
MAX_ITEMS = 30


def _today(context: TransitionContext) -> Any:
    return timezone.localdate(context.now)


# --- Guards ------------------------------------------------------------------------------------


def guard_submission(application: Application, context: TransitionContext) -> None:
    from permits import checks

    refuse_if(
        checks.submission_problems(application, _today(context)),
        gettext("The application cannot be submitted yet: fix what is listed."),
    )


def guard_acceptance(application: Application, context: TransitionContext) -> None:
    from permits import checks

    refuse_if(
        checks.acceptance_problems(application, _today(context)),
        gettext("The application cannot be accepted: return it for correction instead."),
    )
    # An employer under attention (a minor dishonest act in effect): its documents are
    # checked against the paper originals, and the officer says so.
    if checks.employer_needs_original_check(application, _today(context)) and not (
        context.payload.get("originals_checked")
    ):
        raise GuardFailed(
            gettext(
                "The employer's credit standing is attention: check the paper originals of "
                "the documents and confirm it before accepting."
            ),
            details={"field": "originals_checked"},
        )


def guard_approval(application: Application, context: TransitionContext) -> None:
    from permits import checks

    refuse_if(
        checks.approval_problems(application, _today(context)),
        gettext("The application cannot be approved as it stands."),
    )


def _items(context: TransitionContext) -> list[dict[str, str]]:
    raw = context.payload.get("items") or []
    items = [
        {
            "text": str(item.get("text", "")).strip(),
            "document_kind": str(item.get("document_kind", "") or ""),
        }
        for item in raw
        if isinstance(item, dict)
    ]
    return [item for item in items if item["text"]]


def guard_items(application: Application, context: TransitionContext) -> None:
    items = _items(context)
    if not items:
        raise GuardFailed(
            gettext("List at least one item the employer must correct or supply."),
            details={"field": "items"},
        )
    if len(items) > MAX_ITEMS:
        raise GuardFailed(
            gettext("Ask for at most %(n)d items at a time.") % {"n": MAX_ITEMS},
            details={"field": "items"},
        )
    unknown = sorted(
        {i["document_kind"] for i in items if i["document_kind"]} - set(Document.Kind.values)
    )
    if unknown:
        raise GuardFailed(
            gettext("Unknown document kinds: %(kinds)s") % {"kinds": ", ".join(unknown)},
            details={"field": "items"},
        )


def guard_answered(application: Application, context: TransitionContext) -> None:
    request = application.information_requests.filter(answered_at__isnull=True).first()
    if request is None:
        return
    missing = [
        item.position
        for item in request.items.all()
        if not item.answer.strip() and item.document_id is None
    ]
    if missing:
        raise GuardFailed(
            gettext("Answer every item before sending: items %(items)s are still open.")
            % {"items": ", ".join(str(n) for n in missing)},
            details={"field": "items", "open_items": missing},
        )


def _reason_codes(context: TransitionContext) -> list[str]:
    return [str(c) for c in context.payload.get("reasons") or []]


def _guard_reasons(stage: str) -> Any:
    def guard(application: Application, context: TransitionContext) -> None:
        codes = _reason_codes(context)
        known = set(
            RejectionReason.objects.filter(stage=stage, is_active=True, code__in=codes).values_list(
                "code", flat=True
            )
        )
        unknown = sorted(set(codes) - known)
        if unknown:
            raise GuardFailed(
                gettext("Unknown reasons: %(codes)s") % {"codes": ", ".join(unknown)},
                details={"field": "reasons"},
            )
        if not codes:
            raise GuardFailed(
                gettext("Choose at least one reason from the list."),
                details={"field": "reasons"},
            )

    return guard


def guard_not_extended(application: Application, context: TransitionContext) -> None:
    if application.overall_extended:
        raise GuardFailed(gettext("The time limit has already been extended once."))


# --- Effects -------------------------------------------------------------------------------------


def effect_submitted(application: Application, context: TransitionContext) -> list[str]:
    from permits import checks

    today = _today(context)
    application.submitted_at = context.now
    # The recognition first: the time limits may differ by category (ClockRule).
    fields = ["submitted_at", *checks.record_assessment(application, today)]
    fields += clocks.start_acceptance(application, today)
    # A late change report or cancellation is accepted (the duty is the employer's) but
    # flagged from the day it is filed, for the officer and for credit.
    fields += windows.mark_reported_late(application, today)
    # A correction request is answered by resubmitting.
    application.information_requests.filter(answered_at__isnull=True).update(
        answered_at=context.now, answered_by=context.actor
    )
    return fields


def effect_accepted(application: Application, context: TransitionContext) -> list[str]:
    application.accepted_at = context.now
    return ["accepted_at", *clocks.start_decision(application, _today(context))]


def _open_request(stage: str) -> Any:
    def effect(application: Application, context: TransitionContext) -> list[str]:
        request = InformationRequest.objects.create(
            application=application,
            stage=stage,
            message=str(context.payload.get("message", "") or context.reason),
            requested_by=cast(User, context.actor),  # officers only (the permission)
            requested_at=context.now,
        )
        InformationItem.objects.bulk_create(
            [
                InformationItem(
                    request=request,
                    position=n,
                    text=item["text"],
                    document_kind=item["document_kind"],
                )
                for n, item in enumerate(_items(context), start=1)
            ]
        )
        return []

    return effect


def effect_returned(application: Application, context: TransitionContext) -> list[str]:
    return list(clocks.stop(application))


def effect_information_requested(application: Application, context: TransitionContext) -> list[str]:
    return list(clocks.pause(application, _today(context)))


def effect_answered(application: Application, context: TransitionContext) -> list[str]:
    application.information_requests.filter(answered_at__isnull=True).update(
        answered_at=context.now, answered_by=context.actor
    )
    return list(clocks.resume(application, _today(context)))


def effect_extended(application: Application, context: TransitionContext) -> list[str]:
    return list(clocks.extend(application))


def _effect_decided(application: Application, context: TransitionContext) -> list[str]:
    application.decided_at = context.now
    application.decision_text_zh = str(context.payload.get("text_zh", "") or "").strip()
    application.decision_text_en = str(context.payload.get("text_en", "") or "").strip()
    codes = _reason_codes(context)
    if codes:
        application.decision_reasons.set(RejectionReason.objects.filter(code__in=codes))
    return [
        "decided_at",
        "decision_text_zh",
        "decision_text_en",
        *clocks.stop(application),
    ]


def effect_approved(application: Application, context: TransitionContext) -> list[str]:
    from permits import issuance, issued

    # The decision is taken on the documents as submitted: approving verifies them, so a
    # later application (a change of employer) carries them over instead of asking again.
    application.documents.filter(verified_at__isnull=True).update(
        verified_at=context.now, verified_by=context.actor
    )
    fields = _effect_decided(application, context)
    fields += list(issuance.issue_on_approval(application, context))
    issued.issue_for_approval(application, context.actor, _today(context))
    return fields


def effect_refused(application: Application, context: TransitionContext) -> list[str]:
    """The decision not to accept, or to refuse, issued as a document."""
    from permits import issued

    fields = _effect_decided(application, context)
    # The engine sets the new state after the effects; the decision's document is written
    # now and says which decision it is (not accepted, or refused after review).
    application.state = context.transition.target
    issued.issue_for_refusal(application, context.actor, _today(context))
    return fields


def effect_closed(application: Application, context: TransitionContext) -> list[str]:
    application.information_requests.filter(answered_at__isnull=True).update(
        answered_at=context.now, answered_by=context.actor
    )
    return list(clocks.stop(application))


# --- The table -----------------------------------------------------------------------------------

APPLICATION_WORKFLOW: Workflow[Application] = Workflow(
    name="permits.application",
    model=Application,
    states=S,
    initial=S.DRAFT,
    transitions=(
        Transition(
            "submit",
            (S.DRAFT,),
            S.SUBMITTED,
            _("Submit"),
            permission=may_act_on,
            guards=(guard_submission,),
            effects=(effect_submitted,),
        ),
        Transition(
            "resubmit",
            (S.RETURNED,),
            S.SUBMITTED,
            _("Submit again"),
            permission=may_act_on,
            guards=(guard_submission,),
            effects=(effect_submitted,),
        ),
        Transition(
            "accept",
            (S.SUBMITTED,),
            S.UNDER_REVIEW,
            _("Accept"),
            permission=may_accept,
            guards=(guard_acceptance,),
            effects=(effect_accepted,),
        ),
        Transition(
            "return_for_correction",
            (S.SUBMITTED,),
            S.RETURNED,
            _("Return for correction"),
            permission=may_accept,
            guards=(guard_items,),
            effects=(
                _open_request(InformationRequest.Stage.CORRECTION),
                effect_returned,
                notifications.effect_returned,
            ),
        ),
        Transition(
            "refuse_acceptance",
            (S.SUBMITTED,),
            S.NOT_ACCEPTED,
            _("Refuse to accept"),
            permission=may_accept,
            guards=(_guard_reasons(RejectionReason.Stage.ACCEPTANCE),),
            effects=(effect_refused, notifications.effect_decided),
            reason_required=True,
        ),
        Transition(
            "request_information",
            (S.UNDER_REVIEW,),
            S.INFORMATION_REQUESTED,
            _("Request information"),
            permission=may_decide,
            guards=(guard_items,),
            effects=(
                _open_request(InformationRequest.Stage.INFORMATION),
                effect_information_requested,
                notifications.effect_information_requested,
            ),
        ),
        Transition(
            "answer_information",
            (S.INFORMATION_REQUESTED,),
            S.UNDER_REVIEW,
            _("Send the answers"),
            permission=may_act_on,
            guards=(guard_answered,),
            effects=(effect_answered,),
        ),
        Transition(
            "extend_time_limit",
            (S.UNDER_REVIEW,),
            S.UNDER_REVIEW,
            _("Extend the time limit"),
            permission=may_decide,
            guards=(guard_not_extended,),
            effects=(effect_extended,),
            reason_required=True,
        ),
        Transition(
            "approve",
            (S.UNDER_REVIEW,),
            S.APPROVED,
            _("Approve"),
            permission=may_decide,
            guards=(guard_approval,),
            effects=(effect_approved, notifications.effect_decided),
        ),
        Transition(
            "reject",
            (S.UNDER_REVIEW,),
            S.REJECTED,
            _("Reject"),
            permission=may_decide,
            guards=(_guard_reasons(RejectionReason.Stage.DECISION),),
            effects=(effect_refused, notifications.effect_decided),
            reason_required=True,
        ),
        Transition(
            "withdraw",
            OPEN,
            S.WITHDRAWN,
            _("Withdraw"),
            permission=may_act_on,
            effects=(effect_closed,),
            reason_required=True,
        ),
    ),
)
