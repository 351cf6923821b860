"""The permits app's sections of the work page: for employers' people and agencies' agents,
the open applications by state, what the employer owes the officers (information asked,
applications returned for correction) and the duties coming due (extensions, change
reports, cancellations, work permits after entry: ``permits.selectors.permits``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils import timezone

from permits.access import employer_ids_for
from permits.models import OPEN_STATES, Application
from permits.selectors import applications as selectors
from permits.selectors import permits as permit_selectors
from portal import dashboard
from portal.dashboard import DashboardSection
from portal.models import Organization, User
from portal.roles import EMPLOYER_SIDE_ROLES

SHOWN = 5
OWED_STATES = (Application.State.INFORMATION_REQUESTED, Application.State.RETURNED)
STATE_ORDER = (
    Application.State.DRAFT,
    Application.State.RETURNED,
    Application.State.SUBMITTED,
    Application.State.UNDER_REVIEW,
    Application.State.INFORMATION_REQUESTED,
)
EMPLOYER_ROLES = EMPLOYER_SIDE_ROLES


def employer_context(user: User) -> dict[str, Any]:
    today = timezone.localdate()
    ids = sorted(employer_ids_for(user))
    if not ids:
        return {"employers": 0}
    counted = dict(
        selectors.employer_applications(user, states=(*OPEN_STATES, Application.State.DRAFT))
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    by_state = [
        (Application.State(state).label, state, counted.get(state, 0))
        for state in STATE_ORDER
        if counted.get(state)
    ]
    owed = list(selectors.employer_applications(user, states=OWED_STATES)[:SHOWN])
    shown = SHOWN * 2
    found = permit_selectors.employer_duties(ids, today=today, letters_limit=shown)
    # Letters beyond those fetched still count in "more" (an employer may hold thousands).
    letters_fetched = sum(1 for duty in found if duty.kind == "after_entry" and duty.letter_id)
    letters_beyond = 0
    if letters_fetched == shown:
        letters_beyond = permit_selectors.pending_letters_count(ids, today) - letters_fetched
    names: dict[int, str] = {}
    if len(ids) > 1 and found:  # the employer is named only when there are several
        wanted = {duty.employer_id for duty in found[:shown]}
        names = {o.pk: o.name for o in Organization.objects.filter(pk__in=wanted)}
    duties = [{"duty": duty, "employer": names.get(duty.employer_id, "")} for duty in found]
    return {
        "employers": len(ids),
        "by_state": by_state,
        "open_total": sum(n for _label, _state, n in by_state),
        "owed": owed,
        "duties": duties[:shown],
        "more_duties": max(len(duties) - shown, 0) + letters_beyond,
        "today": today,
    }


def register() -> None:
    """Add the sections to the kernel's work page (idempotent)."""
    dashboard.register(
        DashboardSection(
            "permits_employer",
            EMPLOYER_ROLES,
            "permits/applications/_dashboard.html",
            employer_context,
            order=15,
        )
    )
