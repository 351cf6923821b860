"""The periodic tasks of permits: letters and permits past their date recorded as expired
(idempotent, batched, audited as the system) and overdue applications escalated once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from permits import tasks
from permits.models import Application, NotificationLetter, Permit
from permits.services import permits as services
from portal.models import AuditEvent, Organization, TransitionRecord, User
from tests.permits.conftest import TODAY, Life

pytestmark = pytest.mark.django_db


def test_tasks_are_scheduled() -> None:
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "permits.tasks.expire_letters_and_permits",
        "permits.tasks.escalate_overdue_applications",
    } <= scheduled
    assert tasks.expire_letters_and_permits.name == "permits.tasks.expire_letters_and_permits"
    assert tasks.escalate_overdue_applications.name == "permits.tasks.escalate_overdue_applications"


# --- Expiry --------------------------------------------------------------------------------------


def test_expiry_task_records_letters_then_permits_once(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    permit = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    letter = life.letter(
        employer, employer_admin, sh_decision, life.person("WAITING", passport="W1"), TODAY
    )
    # The letter is valid to 7 December 2026, the permit to 7 June 2028.
    with life.at(dt.date(2026, 12, 7)):
        assert tasks.expire_letters_and_permits.delay().get() == {"letters": [], "permits": []}
    with life.at(dt.date(2026, 12, 8)):
        assert tasks.expire_letters_and_permits.delay().get() == {
            "letters": [letter.number],
            "permits": [],
        }
        assert tasks.expire_letters_and_permits.delay().get() == {"letters": [], "permits": []}
    letter.refresh_from_db()
    assert (letter.state, letter.ended_on) == (
        NotificationLetter.State.EXPIRED,
        dt.date(2026, 12, 7),
    )
    event = AuditEvent.objects.get(action="permits.letter.expire")
    assert (event.actor, event.actor_repr, event.target_id) == (None, "system", str(letter.pk))

    with life.at(dt.date(2028, 6, 8)):
        assert tasks.expire_letters_and_permits.delay().get() == {
            "letters": [],
            "permits": [permit.permit_number],
        }
        assert tasks.expire_letters_and_permits.delay().get() == {"letters": [], "permits": []}
    permit.refresh_from_db()
    assert (permit.state, permit.ended_on) == (Permit.State.EXPIRED, dt.date(2028, 6, 7))
    assert (
        TransitionRecord.objects.filter(workflow="permits.permit", transition="expire").count() == 1
    )


def test_expiry_works_in_batches(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User
) -> None:
    permits = [
        life.permit(
            employer, employer_admin, sh_decision, life.person(f"P{n}", passport=f"PP{n}"), TODAY
        )
        for n in range(5)
    ]
    with life.at(dt.date(2028, 6, 8)):
        expired = services.permits_expire_due(today=dt.date(2028, 6, 8), batch_size=2)
    assert sorted(expired) == sorted(p.permit_number for p in permits)
    assert set(Permit.objects.values_list("state", flat=True)) == {Permit.State.EXPIRED}


def test_an_ended_permit_is_left_alone(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    permit = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    Permit.objects.filter(pk=permit.pk).update(state=Permit.State.CANCELLED)
    with life.at(dt.date(2028, 6, 8)):
        assert tasks.expire_letters_and_permits.delay().get()["permits"] == []
    permit.refresh_from_db()
    assert permit.state == Permit.State.CANCELLED


# --- Escalation ----------------------------------------------------------------------------------


def _open(life: Life, employer, admin, state: str, due_on: dt.date, **fields) -> Application:
    return life.application(
        Application.Kind.NEW,
        employer=employer,
        user=admin,
        foreigner=life.person(f"E{life.counter}", passport=f"E{life.counter}X"),
        state=state,
        due_on=due_on,
        **fields,
    )


def test_overdue_applications_are_escalated_once(
    life: Life, employer: Organization, employer_admin: User
) -> None:
    S = Application.State
    overdue = _open(life, employer, employer_admin, S.UNDER_REVIEW, dt.date(2026, 6, 5))
    waiting = _open(life, employer, employer_admin, S.SUBMITTED, dt.date(2026, 6, 4))
    due_today = _open(life, employer, employer_admin, S.UNDER_REVIEW, TODAY)
    paused = _open(
        life,
        employer,
        employer_admin,
        S.INFORMATION_REQUESTED,
        dt.date(2026, 6, 1),
        paused_on=dt.date(2026, 5, 28),
    )
    decided = _open(life, employer, employer_admin, S.APPROVED, dt.date(2026, 6, 1))

    with life.at(TODAY):
        escalated = tasks.escalate_overdue_applications.delay().get()
        assert escalated == [overdue.number, waiting.number]
        assert tasks.escalate_overdue_applications.delay().get() == []

    for application in (overdue, waiting):
        application.refresh_from_db()
        assert application.escalated_at == life.moment(TODAY)
    for application in (due_today, paused, decided):
        application.refresh_from_db()
        assert application.escalated_at is None
    # In key order: the older application first.
    events = AuditEvent.objects.filter(action="permits.application.escalated").order_by("seq")
    assert [(e.target_id, e.actor, e.actor_repr, e.data["due_on"]) for e in events] == [
        (str(overdue.pk), None, "system", "2026-06-05"),
        (str(waiting.pk), None, "system", "2026-06-04"),
    ]
