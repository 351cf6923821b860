"""What the permits app tells people (``portal.notifications``), and when.

Kinds, registered from ``PermitsConfig.ready`` (:func:`register`):

* ``permits.application_returned`` (required): an application returned for correction,
  to the employer's people and, when an agency filed it, the agency's.
* ``permits.information_requested`` (required): the decision office asks for more, to
  the same people, with the items asked.
* ``permits.decision`` (required): approved, rejected or not accepted, to the same people.
* ``permits.deadline_approaching``: to the officers who must act at the application's
  stage (acceptance officers of the place of work while it awaits acceptance, decision
  officers of the province while it is under review), when the due date is within
  ``PORTAL_DEADLINE_WARNING_WORKING_DAYS`` working days; once per due date.
* ``permits.deadline_missed``: an application escalated as overdue, to the decision
  officers of the province.
* ``permits.permit_expiring``: a permit's extension window has opened, to the employer's
  people; once per last day of validity.
* ``permits.registration_decided`` (required): a registration approved, rejected or
  returned for correction, to its applicant.

The events of the workflows are effects (:func:`effect_returned` ...), so they are told in
the transaction of the transition; the reminders are the daily task
``permits.tasks.remind_deadlines`` (:func:`deadlines_remind`, :func:`permits_expiring_remind`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from permits import windows
from permits.access import ACCEPT, ACT, DECIDE
from permits.models import Application, InformationRequest, Permit, Registration, WindowRule
from portal.models import User
from portal.notifications import (
    NotificationKind,
    notify,
    organization_users,
    region_officers,
    register_kind,
    register_words,
)
from portal.roles import EMPLOYER_SIDE_ROLES, Role
from portal.workdays import add_working_days
from portal.workflow import TransitionContext

RETURNED = "permits.application_returned"
INFORMATION_REQUESTED = "permits.information_requested"
DECISION = "permits.decision"
DEADLINE_APPROACHING = "permits.deadline_approaching"
DEADLINE_MISSED = "permits.deadline_missed"
PERMIT_EXPIRING = "permits.permit_expiring"
REGISTRATION_DECIDED = "permits.registration_decided"

S = Application.State

# Outcomes and stages are stored as these texts and translated for each reader.
OUTCOMES = {
    "approve": "approved",
    "reject": "rejected",
    "refuse_acceptance": "not accepted",
    "return_for_correction": "returned for correction",
}
STAGES = {
    S.SUBMITTED: "awaiting acceptance",
    S.UNDER_REVIEW: "under review",
}


# The words above, stored as values, as they read inside the texts.
WORDS = {
    "approved": pgettext_lazy("notification value", "approved"),
    "rejected": pgettext_lazy("notification value", "rejected"),
    "not accepted": pgettext_lazy("notification value", "not accepted"),
    "returned for correction": pgettext_lazy("notification value", "returned for correction"),
    "awaiting acceptance": pgettext_lazy("notification value", "awaiting acceptance"),
    "under review": pgettext_lazy("notification value", "under review"),
}


KINDS = (
    NotificationKind(
        key=RETURNED,
        roles=EMPLOYER_SIDE_ROLES,
        label=_("An application is returned for correction"),
        subject=_("Application %(number)s returned for correction"),
        body=_(
            "The acceptance office returned application %(number)s (%(worker)s) for "
            "correction. What to correct or supply:\n%(items)s\n\nCorrect the application "
            "and submit it again."
        ),
        required=True,
        description=_("The time limits start again when you submit it again."),
    ),
    NotificationKind(
        key=INFORMATION_REQUESTED,
        roles=EMPLOYER_SIDE_ROLES,
        label=_("Information is requested on an application"),
        subject=_("Information requested on application %(number)s"),
        body=_(
            "The decision office asks for more information on application %(number)s "
            "(%(worker)s):\n%(items)s\n\nAnswer every item and send the answers; the time "
            "limit stands still until then."
        ),
        required=True,
    ),
    NotificationKind(
        key=DECISION,
        roles=EMPLOYER_SIDE_ROLES,
        label=_("An application is decided"),
        subject=_("Application %(number)s: %(outcome)s"),
        body=_(
            "Application %(number)s (%(worker)s) has been decided: %(outcome)s. The "
            "decision, with its reasons, is on the application's page, where its document "
            "can be downloaded as soon as it is ready."
        ),
        required=True,
        translated=("outcome",),
    ),
    NotificationKind(
        key=DEADLINE_APPROACHING,
        roles=frozenset({Role.ACCEPTANCE_OFFICER.value, Role.DECISION_OFFICER.value}),
        label=_("An application you must act on is due soon"),
        subject=_("Application %(number)s is due on %(due_on)s"),
        body=_(
            "Application %(number)s of %(employer)s is %(stage)s and must be dealt with by "
            "%(due_on)s."
        ),
        description=_("For officers: a warning a few working days before the time limit."),
        translated=("stage",),
    ),
    NotificationKind(
        key=DEADLINE_MISSED,
        roles=frozenset({Role.DECISION_OFFICER.value}),
        label=_("An application is overdue"),
        subject=_("Application %(number)s is overdue"),
        body=_(
            "Application %(number)s of %(employer)s was due on %(due_on)s and has not been "
            "dealt with: it has been escalated to the decision officers of the province."
        ),
        description=_("For decision officers: an application past its time limit."),
    ),
    NotificationKind(
        key=PERMIT_EXPIRING,
        roles=EMPLOYER_SIDE_ROLES,
        label=_("A work permit is about to expire"),
        subject=_("The work permit of %(worker)s expires on %(valid_until)s"),
        body=_(
            "The work permit %(permit_number)s of %(worker)s is valid until "
            "%(valid_until)s. An extension can be applied for from %(first)s to %(last)s."
        ),
    ),
    NotificationKind(
        key=REGISTRATION_DECIDED,
        label=_("Your registration is decided or returned"),
        subject=_("Registration %(number)s: %(outcome)s"),
        body=_("The registration %(number)s of %(name)s has been %(outcome)s.\n%(reason)s"),
        required=True,
        translated=("outcome",),
    ),
)


def register() -> None:
    for kind in KINDS:
        register_kind(kind)
    register_words(WORDS)


# --- Who is told ---------------------------------------------------------------------------------


def employer_people(application: Application) -> list[User]:
    """The employer's people and, when an agency filed it, the agency's."""
    people = list(organization_users(application.employer_id, ACT))
    if application.agency_id is not None:
        known = {user.pk for user in people}
        people += [u for u in organization_users(application.agency_id, ACT) if u.pk not in known]
    return people


def stage_officers(application: Application) -> QuerySet[User]:
    """The officers who must act on the application now."""
    if application.state == S.SUBMITTED:
        place = application.work_region_id or application.region_id
        return region_officers(place, ACCEPT) if place else User.objects.none()
    if application.region_id is None:
        return User.objects.none()
    return region_officers(application.region_id, DECIDE)


def _named(names: dict[str, Any], key: str, zh: str, en: str) -> None:
    """A bilingual name as params: the Chinese one, and the English one for English
    readers (``portal.notifications.values_for_reader``)."""
    names[key] = zh or en
    if en:
        names[f"{key}@en"] = en


def _common(application: Application) -> dict[str, Any]:
    params: dict[str, Any] = {
        "number": application.number,
        "worker": application.foreigner.latin_name if application.foreigner else "",
    }
    employer = application.employer
    _named(params, "employer", employer.name_zh, employer.name_en)
    return params


def _employer_page(application: Application) -> str:
    return reverse("permits:application", args=[application.pk])


def _officer_page(application: Application) -> str:
    return reverse("permits:review_application", args=[application.pk])


def _items(request: InformationRequest | None) -> str:
    if request is None:
        return ""
    return "\n".join(f"{item.position}. {item.text}" for item in request.items.order_by("position"))


# --- Effects of the application's workflow (in the transition's transaction) --------------------


def _open_request(application: Application) -> InformationRequest | None:
    return (
        application.information_requests.filter(answered_at__isnull=True)
        .order_by("-requested_at", "-pk")
        .first()
    )


def effect_returned(application: Application, context: TransitionContext) -> list[str]:
    request = _open_request(application)
    notify(
        kind=RETURNED,
        event_key=f"permits.application.{application.pk}.returned.{request.pk if request else 0}",
        recipients=employer_people(application),
        params={**_common(application), "items": _items(request)},
        url=_employer_page(application),
    )
    return []


def effect_information_requested(application: Application, context: TransitionContext) -> list[str]:
    request = _open_request(application)
    notify(
        kind=INFORMATION_REQUESTED,
        event_key=(
            f"permits.application.{application.pk}.information.{request.pk if request else 0}"
        ),
        recipients=employer_people(application),
        params={**_common(application), "items": _items(request)},
        url=_employer_page(application),
    )
    return []


def effect_decided(application: Application, context: TransitionContext) -> list[str]:
    notify(
        kind=DECISION,
        event_key=f"permits.application.{application.pk}.decision",
        recipients=employer_people(application),
        params={**_common(application), "outcome": OUTCOMES[context.transition.name]},
        url=_employer_page(application),
    )
    return []


# --- Effects of the registration's workflow -------------------------------------------------------


def effect_registration_decided(
    registration: Registration, context: TransitionContext
) -> list[str]:
    name = context.transition.name
    # A registration is decided once, but may be returned more than once.
    suffix = f".{context.now:%Y%m%dT%H%M%S%f}" if name == "return_for_correction" else ""
    params: dict[str, Any] = {
        "number": registration.number,
        "outcome": OUTCOMES[name],
        "reason": context.reason,
    }
    _named(params, "name", registration.name_zh, registration.name_en)
    notify(
        kind=REGISTRATION_DECIDED,
        event_key=f"permits.registration.{registration.pk}.{name}{suffix}",
        recipients=[registration.applicant],
        params=params,
        url=reverse("permits:registration_detail", args=[registration.pk]),
    )
    return []


# --- Escalation (permits.services.permits.applications_escalate_overdue) -------------------------


def tell_overdue(application: Application) -> int:
    """An application escalated as overdue, told to the province's decision officers."""
    if application.region_id is None or application.due_on is None:
        return 0
    return notify(
        kind=DEADLINE_MISSED,
        event_key=f"permits.application.{application.pk}.overdue.{application.due_on.isoformat()}",
        recipients=region_officers(application.region_id, DECIDE),
        params={**_common(application), "due_on": application.due_on.isoformat()},
        url=_officer_page(application),
    )


# --- The daily reminders --------------------------------------------------------------------------


def deadlines_remind(*, today: dt.date) -> list[str]:
    """Warn the officers of every application whose clock runs and whose due date is at
    most ``PORTAL_DEADLINE_WARNING_WORKING_DAYS`` working days away; once per due date (a
    due date moved by a pause or an extension warns again). The numbers warned now."""
    days = int(settings.PORTAL_DEADLINE_WARNING_WORKING_DAYS)
    # Within N working days of today: before the (N+1)th working day after it.
    horizon = add_working_days(today, days + 1)
    due = (
        Application.objects.filter(
            state__in=tuple(STAGES),
            paused_on__isnull=True,
            due_on__gte=today,
            due_on__lt=horizon,
        )
        .select_related("employer", "foreigner")
        .order_by("due_on", "pk")
    )
    warned: list[str] = []
    for application in due.iterator(chunk_size=500):
        if application.due_on is None:  # pragma: no cover - the query excludes it
            continue
        with transaction.atomic():
            told = notify(
                kind=DEADLINE_APPROACHING,
                event_key=(
                    f"permits.application.{application.pk}.due.{application.state}."
                    f"{application.due_on.isoformat()}"
                ),
                recipients=stage_officers(application),
                params={
                    **_common(application),
                    "due_on": application.due_on.isoformat(),
                    "stage": STAGES[S(application.state)],
                },
                url=_officer_page(application),
            )
        if told:
            warned.append(application.number)
    return warned


def permits_expiring_remind(*, today: dt.date) -> list[str]:
    """Tell the employer's people of every active permit whose extension window is open
    today and for which no extension is under way; once per last day of validity. The
    permit numbers told now."""
    opens = list(
        WindowRule.objects.filter(kind=WindowRule.Kind.EXTENSION).values_list(
            "opens_days", flat=True
        )
    )
    if not opens:
        return []
    under_way = Application.objects.filter(
        kind=Application.Kind.EXTENSION,
        state__in=(S.SUBMITTED, S.RETURNED, S.UNDER_REVIEW, S.INFORMATION_REQUESTED),
    ).values("permit_id")
    candidates = (
        Permit.objects.filter(
            state=Permit.State.ACTIVE,
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=max(opens)),
        )
        .exclude(pk__in=under_way)
        .select_related("foreigner")
        .order_by("valid_until", "pk")
    )
    told: list[str] = []
    for permit in candidates.iterator(chunk_size=500):
        span = windows.extension_span(permit)
        if today not in span:
            continue
        with transaction.atomic():
            count = notify(
                kind=PERMIT_EXPIRING,
                event_key=f"permits.permit.{permit.pk}.expiring.{permit.valid_until.isoformat()}",
                recipients=organization_users(permit.employer_id, ACT),
                params={
                    "permit_number": permit.permit_number,
                    "worker": permit.foreigner.latin_name,
                    "valid_until": permit.valid_until.isoformat(),
                    "first": span.first.isoformat(),
                    "last": span.last.isoformat(),
                },
                url=reverse("permits:permit", args=[permit.pk]),
            )
        if count:
            told.append(permit.permit_number)
    return told
