"""A small workflow over ``Dossier`` exercising every feature of the engine."""

from __future__ import annotations

from typing import Any

from portal.access import has_region_permission
from portal.workflow import GuardFailed, Transition, TransitionContext, Workflow

from .models import Dossier

S = Dossier.State
HOOK_CALLS: list[tuple[str, Any]] = []


def may_accept(actor: Any, dossier: Dossier) -> bool:
    return has_region_permission(actor, "accept_applications", dossier.region_id)


def may_decide(actor: Any, dossier: Dossier) -> bool:
    return has_region_permission(actor, "decide_applications", dossier.region_id)


def must_be_complete(dossier: Dossier, context: TransitionContext) -> None:
    if not dossier.complete:
        raise GuardFailed("The dossier is incomplete: attach the missing documents.")


def stamp_submitted(dossier: Dossier, context: TransitionContext) -> list[str]:
    dossier.submitted_at = context.now
    return ["submitted_at"]


def note_payload(dossier: Dossier, context: TransitionContext) -> list[str]:
    dossier.notes = str(context.payload.get("note", ""))
    return ["notes"]


def hook(pk: Any) -> None:
    HOOK_CALLS.append(("approved", pk))


DOSSIER_WORKFLOW = Workflow(
    name="testapp.dossier",
    model=Dossier,
    states=S,
    initial=S.DRAFT,
    transitions=(
        Transition(
            "submit",
            (S.DRAFT, S.RETURNED),
            S.SUBMITTED,
            "Submit",
            permission=may_accept,
            guards=(must_be_complete,),
            effects=(stamp_submitted,),
        ),
        Transition(
            "approve",
            (S.SUBMITTED,),
            S.APPROVED,
            "Approve",
            permission=may_decide,
            effects=(note_payload,),
            on_commit=(hook,),
        ),
        Transition(
            "return",
            (S.SUBMITTED,),
            S.RETURNED,
            "Return",
            permission=may_decide,
            reason_required=True,
        ),
    ),
)
