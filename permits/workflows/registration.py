"""The lifecycle of an employer's or service agency's registration, as data
(``portal.workflow``).

    submitted ─approve─> approved   (creates the Organization; the applicant becomes its
        │  │                         first administrator, or agent for an agency)
        │  └─reject─> rejected
        └─return_for_correction─> returned ─resubmit─> submitted
    (withdraw: from submitted or returned, by the applicant)

Acceptance officers of the registration's province (``accept_applications`` on its
region, which covers the divisions below it) approve, return with what to correct, or
reject with reasons. The applicant resubmits the corrected data (carried in the payload,
so the audit log shows what changed) or withdraws. Approval checks again what submission
checked: the identifier is still free and the credit standing does not block it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit import selectors as credit_selectors
from permits import notifications
from permits.access import ACCEPT
from permits.models import Registration
from portal import services as portal_services
from portal.access import AnyUser, has_region_permission
from portal.models import Organization, User
from portal.workflow import GuardFailed, Transition, TransitionContext, Workflow

S = Registration.State
OPEN = (S.SUBMITTED, S.RETURNED)

# The organization and role the applicant gets on approval, by kind of registration.
ORGANIZATION_KIND = {
    Registration.Kind.EMPLOYER: Organization.Kind.EMPLOYER,
    Registration.Kind.SERVICE_AGENCY: Organization.Kind.SERVICE_AGENCY,
}
# Agencies have no administrator role (``portal.roles``): their first user is an agent.
FIRST_ROLE = {
    Registration.Kind.EMPLOYER: "employer_admin",
    Registration.Kind.SERVICE_AGENCY: "agency_agent",
}
# The fields an applicant may correct when the registration was returned.
CORRECTABLE_FIELDS = (
    "kind",
    "uscc",
    "uscc_check_failed",
    "name_zh",
    "name_en",
    "region_id",
    "address",
    "legal_representative",
    "business_licence_id",
    "power_of_attorney_id",
    "handler_name",
    "handler_phone",
    "handler_email",
)


# --- Permissions ------------------------------------------------------------------------------


def may_review(user: AnyUser, registration: Registration) -> bool:
    """Acceptance officers of the registration's region (or the province above it)."""
    return has_region_permission(user, ACCEPT, registration.region_id)


def is_applicant(user: AnyUser, registration: Registration) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.pk == registration.applicant_id
    )


# --- Guards -----------------------------------------------------------------------------------


def standing_refusal(uscc: str, on: dt.date) -> str:
    """Why the credit standing refuses a registration under ``uscc`` on ``on`` ('' if not)."""
    standing = credit_selectors.organization_standing(uscc, on)
    if not standing.blocks:
        return ""
    reasons = "; ".join(standing.reasons) or str(standing.label)
    if standing.until is not None:
        return gettext(
            "A serious dishonesty record blocks this registration until %(date)s: %(reasons)s"
        ) % {"date": standing.until.isoformat(), "reasons": reasons}
    return gettext("A serious dishonesty record blocks this registration: %(reasons)s") % {
        "reasons": reasons
    }


def guard_identifier_free(registration: Registration, context: TransitionContext) -> None:
    uscc = str(_changes(context).get("uscc") or registration.uscc)
    if Organization.objects.filter(uscc=uscc).exists():
        raise GuardFailed(
            gettext("An organization with this identifier is already registered."),
            details={"field": "uscc"},
        )
    others = Registration.objects.filter(uscc=uscc, state__in=OPEN).exclude(pk=registration.pk)
    if others.exists():
        raise GuardFailed(
            gettext("Another registration with this identifier is in progress."),
            details={"field": "uscc"},
        )


def guard_standing(registration: Registration, context: TransitionContext) -> None:
    uscc = str(_changes(context).get("uscc") or registration.uscc)
    refusal = standing_refusal(uscc, timezone.localdate(context.now))
    if refusal:
        raise GuardFailed(refusal, details={"field": "uscc", "code": "credit_blocked"})


def guard_applicant_free(registration: Registration, context: TransitionContext) -> None:
    applicant = registration.applicant
    if not applicant.is_active or applicant.organization_id is not None:
        raise GuardFailed(
            gettext(
                "The applicant's account already belongs to an organization or was closed; "
                "reject the registration and ask the handler to register again."
            )
        )


# --- Effects ----------------------------------------------------------------------------------


def _changes(context: TransitionContext) -> dict[str, Any]:
    changes = context.payload.get("changes") or {}
    return {k: v for k, v in changes.items() if k in CORRECTABLE_FIELDS}


def effect_decided(registration: Registration, context: TransitionContext) -> list[str]:
    registration.decided_at = context.now
    registration.decision_reason = context.reason
    return ["decided_at", "decision_reason"]


def effect_returned(registration: Registration, context: TransitionContext) -> list[str]:
    registration.decision_reason = context.reason
    return ["decision_reason"]


def effect_resubmitted(registration: Registration, context: TransitionContext) -> list[str]:
    changes = _changes(context)
    for name, value in changes.items():
        setattr(registration, name, value)
    registration.submitted_at = context.now
    registration.decision_reason = ""
    return ["submitted_at", "decision_reason", *changes]


def effect_approved(registration: Registration, context: TransitionContext) -> list[str]:
    """Create the organization, make the applicant its first user, link it."""
    organization = portal_services.organization_create(
        actor=None,  # the officer's act is the transition's audit event
        kind=ORGANIZATION_KIND[Registration.Kind(registration.kind)],
        name_zh=registration.name_zh,
        name_en=registration.name_en,
        region=registration.region,
        uscc=registration.uscc,
        address=registration.address,
        legal_representative=registration.legal_representative,
        request=context.request,
    )
    applicant: User = registration.applicant
    applicant.organization = organization
    applicant.save(update_fields=["organization"])
    portal_services.role_grant(
        actor=None,
        user=applicant,
        role=FIRST_ROLE[Registration.Kind(registration.kind)],
        organization=organization,
        request=context.request,
    )
    registration.organization = organization
    fields = effect_decided(registration, context)
    from permits import issued

    issued.issue_for_registration(registration, context.actor, timezone.localdate(context.now))
    return ["organization", *fields]


# --- The table --------------------------------------------------------------------------------

REGISTRATION_WORKFLOW: Workflow[Registration] = Workflow(
    name="permits.registration",
    model=Registration,
    states=S,
    initial=S.SUBMITTED,
    transitions=(
        Transition(
            "approve",
            (S.SUBMITTED,),
            S.APPROVED,
            _("Approve"),
            permission=may_review,
            guards=(guard_identifier_free, guard_standing, guard_applicant_free),
            effects=(effect_approved, notifications.effect_registration_decided),
        ),
        Transition(
            "return_for_correction",
            (S.SUBMITTED,),
            S.RETURNED,
            _("Return for correction"),
            permission=may_review,
            effects=(effect_returned, notifications.effect_registration_decided),
            reason_required=True,
        ),
        Transition(
            "reject",
            (S.SUBMITTED,),
            S.REJECTED,
            _("Reject"),
            permission=may_review,
            effects=(effect_decided, notifications.effect_registration_decided),
            reason_required=True,
        ),
        Transition(
            "resubmit",
            (S.RETURNED,),
            S.SUBMITTED,
            _("Submit again"),
            permission=is_applicant,
            guards=(guard_identifier_free, guard_standing),
            effects=(effect_resubmitted,),
        ),
        Transition(
            "withdraw",
            OPEN,
            S.WITHDRAWN,
            _("Withdraw"),
            permission=is_applicant,
            effects=(effect_decided,),
        ),
    ),
)
