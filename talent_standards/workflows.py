"""The workflow of mutual recognition agreements.

```
proposed -> accepted (the partner province) -> withdrawn (either province, from a date)
proposed -> declined (the partner, with reasons) | cancelled (the proposer)
```

Withdrawal never rewrites history: the agreement keeps its start and gains an end date,
so "was it in effect on D" stays answerable for every past D.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.access import has_region_permission
from portal.workflow import GuardFailed, Transition, TransitionContext, Workflow

from .models import RecognitionAgreement

S = RecognitionAgreement.State


def may_act_for_partner(actor: Any, agreement: RecognitionAgreement) -> bool:
    return has_region_permission(actor, "draft_filings", agreement.partner_id)


def may_act_for_proposer(actor: Any, agreement: RecognitionAgreement) -> bool:
    return has_region_permission(actor, "draft_filings", agreement.proposer_id)


def may_act_for_either(actor: Any, agreement: RecognitionAgreement) -> bool:
    return may_act_for_partner(actor, agreement) or may_act_for_proposer(actor, agreement)


def stamp_decided(agreement: RecognitionAgreement, context: TransitionContext) -> list[str]:
    agreement.decided_at = context.now
    return ["decided_at"]


def effect_accept(agreement: RecognitionAgreement, context: TransitionContext) -> list[str]:
    """Accepted after its proposed start, it applies from the day of acceptance."""
    today = timezone.localdate(context.now)
    changed = stamp_decided(agreement, context)
    if agreement.effective_from < today:
        agreement.effective_from = today
        changed.append("effective_from")
    return changed


def _ends_on(context: TransitionContext) -> dt.date:
    raw = context.payload.get("ends_on")
    today = timezone.localdate(context.now)
    if not raw:
        return today
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise GuardFailed(gettext("Give the last day of the agreement as a date.")) from None


def guard_withdrawal_date(agreement: RecognitionAgreement, context: TransitionContext) -> None:
    ends_on = _ends_on(context)
    today = timezone.localdate(context.now)
    if ends_on < today:
        raise GuardFailed(
            gettext("The last day cannot lie in the past: recognition already given stands."),
            details={"field": "ends_on"},
        )


def effect_withdraw(agreement: RecognitionAgreement, context: TransitionContext) -> list[str]:
    ends_on = _ends_on(context)
    # Withdrawn before it took effect: it ends the day before its start (it never applied).
    agreement.ends_on = max(ends_on, agreement.effective_from - dt.timedelta(days=1))
    agreement.withdrawn_at = context.now
    return ["ends_on", "withdrawn_at"]


AGREEMENT_WORKFLOW: Workflow[RecognitionAgreement] = Workflow(
    name="talent_standards.agreement",
    model=RecognitionAgreement,
    states=S,
    initial=S.PROPOSED,
    transitions=(
        Transition(
            "accept",
            (S.PROPOSED,),
            S.ACCEPTED,
            _("Accept"),
            permission=may_act_for_partner,
            effects=(effect_accept,),
        ),
        Transition(
            "decline",
            (S.PROPOSED,),
            S.DECLINED,
            _("Decline"),
            permission=may_act_for_partner,
            reason_required=True,
            effects=(stamp_decided,),
        ),
        Transition(
            "cancel",
            (S.PROPOSED,),
            S.CANCELLED,
            _("Cancel the proposal"),
            permission=may_act_for_proposer,
        ),
        Transition(
            "withdraw",
            (S.ACCEPTED,),
            S.WITHDRAWN,
            _("Withdraw"),
            permission=may_act_for_either,
            reason_required=True,
            guards=(guard_withdrawal_date,),
            effects=(effect_withdraw,),
        ),
    ),
)
