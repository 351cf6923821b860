"""What the permits app tells people (``permits.notifications``): an information request
reaches the employer in the inbox (with the header's count) and by one e-mail in the
employer's language; a return for correction reaches the employer and the agency that
filed it; decisions; registrations; the daily reminders of deadlines (once per due date)
and of permits whose extension window opens (once); escalation of an overdue application.

The clock stands at Monday 8 June 2026 (``TODAY``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import ngettext

from permits import notifications as permit_notifications
from permits import tasks
from permits.models import Application, PowerOfAttorney, Registration
from permits.services import applications as services
from permits.services import registration as registration_services
from portal import notifications
from portal.models import Notification, User
from portal.tasks import send_notification_email
from tests.pages import html_of, tr
from tests.permits.conftest import TODAY, Life, draft_ready
from tests.portal.test_pages import Document, sign_in_verified, text_of

pytestmark = pytest.mark.django_db

S = Application.State
E = Notification.EmailState
ITEMS = {
    "message": "Two things are missing.",
    "items": [
        {"text": "The degree certificate, apostilled.", "document_kind": "degree"},
        {"text": "Explain the gap in employment in 2020."},
    ],
}


def run(actor: User, application: Application, name: str, **kwargs: Any) -> Application:
    return services.application_transition(
        actor=actor, application=application, name=name, **kwargs
    )


def rows(user: User) -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", "event_key")
    )


@pytest.fixture
def submitted(clock, employer_admin, employer, shanghai_catalog, wages, foreigner) -> Application:
    return run(employer_admin, draft_ready(employer_admin, employer), "submit")


def test_the_kinds_are_registered() -> None:
    keys = {kind.key for kind in notifications.kinds()}
    assert {
        "permits.application_returned",
        "permits.information_requested",
        "permits.decision",
        "permits.deadline_approaching",
        "permits.deadline_missed",
        "permits.permit_expiring",
        "permits.registration_decided",
    } <= keys
    required = {kind.key for kind in notifications.kinds() if kind.required}
    assert {
        "permits.application_returned",
        "permits.information_requested",
        "permits.decision",
        "permits.registration_decided",
    } <= required
    assert "permits.deadline_approaching" not in required
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "permits.tasks.remind_deadlines" in scheduled
    assert tasks.remind_deadlines.name == "permits.tasks.remind_deadlines"


# --- Done means: an employer sees an unread notification and an e-mail ---------------------------


def test_information_requested_reaches_the_employer_in_the_inbox_and_by_one_email(
    submitted: Application,
    employer_admin: User,
    sh_acceptance: User,
    sh_decision: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    User.objects.filter(pk=employer_admin.pk).update(preferred_language="en")
    accepted = run(sh_acceptance, submitted, "accept")
    assert Notification.objects.count() == 0  # submitting and accepting tell nobody

    with django_capture_on_commit_callbacks(execute=True):
        run(sh_decision, accepted, "request_information", payload=ITEMS)

    row = Notification.objects.get()
    assert (row.recipient, row.kind, row.read_at) == (
        employer_admin,
        "permits.information_requested",
        None,
    )
    assert row.url == f"/applications/{accepted.pk}/"
    assert row.params["number"] == accepted.number
    assert row.params["items"] == (
        "1. The degree certificate, apostilled.\n2. Explain the gap in employment in 2020."
    )

    # One e-mail, to the employer, in the employer's language (English), after commit.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [employer_admin.email]
    assert message.subject == f"Information requested on application {accepted.number}"
    assert "1. The degree certificate, apostilled." in message.body
    assert f"https://portal.example.test/en/notifications/{row.pk}/" in message.body
    row.refresh_from_db()
    assert row.email_state == E.SENT

    # The task run again (a message delivered twice) sends nothing more.
    send_notification_email.delay(row.pk).get()
    assert len(mail.outbox) == 1

    # The same event told again: still one row, no e-mail.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        accepted.refresh_from_db()
        permit_notifications.effect_information_requested(accepted, None)  # type: ignore[arg-type]
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1

    # The employer's inbox (read in Chinese here) shows it unread, the header counts 1.
    client = Client()
    sign_in_verified(client, employer_admin)
    html = html_of(client.get("/zh-hans/notifications/"))
    link = next(
        a for a in Document(html).all("a") if "user-menu__notifications" in (a.get("class") or "")
    )
    with translation.override("zh-hans"):
        label = ngettext("%(counter)s unread notification", "%(counter)s unread notifications", 1)
        subject = str(notifications.KINDS["permits.information_requested"].subject) % {
            "number": accepted.number
        }
    assert link.get("aria-label") == label % {"counter": 1}
    assert re.search(r'<span class="badge" aria-hidden="true">1</span></a>', html)
    assert subject in text_of(html)
    assert tr("Unread") in text_of(html)

    # Opening it goes to the application's page and marks it read.
    response = client.get(f"/zh-hans/notifications/{row.pk}/")
    assert response["Location"] == f"/zh-hans/applications/{accepted.pk}/"
    assert client.get(response["Location"]).status_code == 200
    row.refresh_from_db()
    assert row.read_at is not None


def test_a_return_for_correction_reaches_the_employer_and_the_agency_that_filed_it(
    clock,
    agent,
    agency,
    employer,
    employer_admin,
    sh_acceptance,
    shanghai_catalog,
    wages,
    foreigner,
    django_capture_on_commit_callbacks: Any,
) -> None:
    PowerOfAttorney.objects.create(
        employer=employer,
        agency=agency,
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=365),
        granted_by=employer_admin,
        granted_at=timezone.now(),
    )
    application = run(agent, draft_ready(agent, employer), "submit")
    with django_capture_on_commit_callbacks(execute=True):
        run(
            sh_acceptance,
            application,
            "return_for_correction",
            payload={"items": [{"text": "The photo is blurred.", "document_kind": "photo"}]},
        )

    returned = [
        (n.recipient, n.kind, n.params["items"])
        for n in Notification.objects.order_by("recipient_id")
    ]
    assert sorted(returned, key=lambda r: r[0].pk) == sorted(
        [
            (employer_admin, "permits.application_returned", "1. The photo is blurred."),
            (agent, "permits.application_returned", "1. The photo is blurred."),
        ],
        key=lambda r: r[0].pk,
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employer_admin.email, agent.email])
    assert sh_acceptance not in [n.recipient for n in Notification.objects.all()]


def test_a_second_return_is_a_new_event(
    submitted: Application, employer_admin: User, sh_acceptance: User, clock
) -> None:
    items = {"items": [{"text": "The photo is blurred.", "document_kind": "photo"}]}
    run(sh_acceptance, submitted, "return_for_correction", payload=items)
    run(employer_admin, submitted, "resubmit")
    run(sh_acceptance, submitted, "return_for_correction", payload=items)
    assert [kind for kind, _key in rows(employer_admin)] == [
        "permits.application_returned",
        "permits.application_returned",
    ]


def test_a_decision_reaches_the_employer_in_the_readers_language(
    submitted: Application, employer_admin: User, sh_acceptance: User
) -> None:
    run(
        sh_acceptance,
        submitted,
        "refuse_acceptance",
        reason="Incomplete.",
        payload={"reasons": ["ACC-INCOMPLETE"]},
    )
    row = Notification.objects.get(recipient=employer_admin)
    assert (row.kind, row.event_key) == (
        "permits.decision",
        f"permits.application.{submitted.pk}.decision",
    )
    with translation.override("en"):
        assert notifications.text_of(row).subject == f"Application {submitted.number}: not accepted"
    with translation.override("zh-hans"):
        assert notifications.text_of(row).subject.endswith(tr("not accepted"))


def test_a_refused_transition_tells_nobody(submitted: Application, sh_acceptance: User) -> None:
    from portal.workflow import GuardFailed

    with pytest.raises(GuardFailed):
        run(sh_acceptance, submitted, "return_for_correction", payload={"items": []})
    assert Notification.objects.count() == 0


# --- Registrations -------------------------------------------------------------------------------


def test_a_registration_returned_then_rejected_tells_its_applicant(sh_acceptance: User) -> None:
    from tests.permits.test_registration import data, submit

    registration = submit()
    registration_services.registration_transition(
        actor=sh_acceptance,
        registration=registration,
        transition="return_for_correction",
        reason="The licence is unreadable.",
    )
    registration.refresh_from_db()
    registration_services.registration_resubmit(
        actor=registration.applicant, registration=registration, data=data()
    )
    assert Registration.objects.get(pk=registration.pk).state == Registration.State.SUBMITTED
    registration_services.registration_transition(
        actor=sh_acceptance,
        registration=registration,
        transition="reject",
        reason="Not an employer.",
    )
    applicant = registration.applicant
    found = Notification.objects.filter(recipient=applicant).order_by("pk")
    assert [n.kind for n in found] == ["permits.registration_decided"] * 2
    with translation.override("en"):
        texts = [notifications.text_of(n) for n in found]
    assert [t.subject for t in texts] == [
        f"Registration {registration.number}: returned for correction",
        f"Registration {registration.number}: rejected",
    ]
    assert texts[0].body == (
        f"The registration {registration.number} of Shanghai Newly Registered Technology "
        "Co., Ltd. has been returned for correction.\nThe licence is unreadable."
    )
    assert found[0].url == f"/registration/{registration.pk}/"


# --- Deadlines, escalation, expiring permits -----------------------------------------------------


def _open(life: Life, employer, admin, state: str, due_on: dt.date, **fields: Any) -> Application:
    return life.application(
        Application.Kind.NEW,
        employer=employer,
        user=admin,
        foreigner=life.person(f"E{life.counter}", passport=f"E{life.counter}X"),
        state=state,
        due_on=due_on,
        **fields,
    )


def test_officers_are_warned_once_per_due_date(
    life: Life,
    employer,
    employer_admin: User,
    sh_acceptance: User,
    sh_decision: User,
    bj_decision: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.PORTAL_DEADLINE_WARNING_WORKING_DAYS = 2
    # Monday 8 June: within 2 working days means due on Wednesday 10 June at the latest.
    awaiting = _open(life, employer, employer_admin, S.SUBMITTED, dt.date(2026, 6, 10))
    review = _open(life, employer, employer_admin, S.UNDER_REVIEW, dt.date(2026, 6, 8))
    _open(life, employer, employer_admin, S.UNDER_REVIEW, dt.date(2026, 6, 11))  # later
    _open(life, employer, employer_admin, S.UNDER_REVIEW, dt.date(2026, 6, 5))  # overdue
    _open(
        life,
        employer,
        employer_admin,
        S.INFORMATION_REQUESTED,
        dt.date(2026, 6, 9),
        paused_on=dt.date(2026, 6, 1),
    )

    with life.at(TODAY), django_capture_on_commit_callbacks(execute=True):
        report = tasks.remind_deadlines.delay().get()
        assert report == {"deadlines": [review.number, awaiting.number], "permits_expiring": []}
        again = tasks.remind_deadlines.delay().get()
        assert again == {"deadlines": [], "permits_expiring": []}

    assert rows(sh_acceptance) == [
        (
            "permits.deadline_approaching",
            f"permits.application.{awaiting.pk}.due.submitted.2026-06-10",
        )
    ]
    assert rows(sh_decision) == [
        (
            "permits.deadline_approaching",
            f"permits.application.{review.pk}.due.under_review.2026-06-08",
        )
    ]
    assert rows(bj_decision) == []
    assert rows(employer_admin) == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted([sh_acceptance.email, sh_decision.email])
    warning = Notification.objects.get(recipient=sh_decision)
    assert warning.url == f"/review/applications/{review.pk}/"
    with translation.override("en"):
        assert notifications.text_of(warning).body == (
            f"Application {review.number} of {employer.name_en or employer.name_zh} is under "
            "review and must be dealt with by 2026-06-08."
        )

    # The due date moves (an extension of the time limit): warned again, once.
    Application.objects.filter(pk=review.pk).update(due_on=dt.date(2026, 6, 9))
    with life.at(TODAY), django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_deadlines.delay().get()["deadlines"] == [review.number]
        assert tasks.remind_deadlines.delay().get()["deadlines"] == []
    assert [key for _kind, key in rows(sh_decision)] == [
        f"permits.application.{review.pk}.due.under_review.2026-06-08",
        f"permits.application.{review.pk}.due.under_review.2026-06-09",
    ]
    assert len(mail.outbox) == 3


def test_escalation_tells_the_decision_officers(
    life: Life,
    employer,
    employer_admin: User,
    sh_decision: User,
    bj_decision: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    overdue = _open(life, employer, employer_admin, S.UNDER_REVIEW, dt.date(2026, 6, 5))
    with life.at(TODAY), django_capture_on_commit_callbacks(execute=True):
        assert tasks.escalate_overdue_applications.delay().get() == [overdue.number]
        assert tasks.escalate_overdue_applications.delay().get() == []
    assert rows(sh_decision) == [
        ("permits.deadline_missed", f"permits.application.{overdue.pk}.overdue.2026-06-05")
    ]
    assert rows(bj_decision) == []
    assert [m.to for m in mail.outbox] == [[sh_decision.email]]
    with translation.override("en"):
        subject = notifications.text_of(Notification.objects.get()).subject
    assert subject == f"Application {overdue.number} is overdue"


def test_a_permit_about_to_expire_is_told_once_when_the_window_opens(
    life: Life,
    employer,
    employer_admin: User,
    sh_decision: User,
    foreigner,
    django_capture_on_commit_callbacks: Any,
) -> None:
    permit = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    assert permit.valid_until == dt.date(2028, 6, 7)
    # The extension window: from 90 days before the last day (9 March 2028) to 30 days
    # before it (8 May 2028).
    with life.at(dt.date(2028, 3, 8)):
        assert tasks.remind_deadlines.delay().get()["permits_expiring"] == []
    with life.at(dt.date(2028, 3, 9)), django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_deadlines.delay().get()["permits_expiring"] == [permit.permit_number]
    with life.at(dt.date(2028, 3, 10)), django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_deadlines.delay().get()["permits_expiring"] == []

    assert rows(employer_admin) == [
        ("permits.permit_expiring", f"permits.permit.{permit.pk}.expiring.2028-06-07")
    ]
    row = Notification.objects.get()
    assert row.url == f"/permits/{permit.pk}/"
    with translation.override("en"):
        text = notifications.text_of(row)
    assert text.subject == "The work permit of MUELLER ANNA MARIA expires on 2028-06-07"
    assert text.body.endswith("An extension can be applied for from 2028-03-09 to 2028-05-08.")
    assert [m.to for m in mail.outbox] == [[employer_admin.email]]


def test_no_expiry_notice_while_an_extension_is_under_way(
    life: Life, employer, employer_admin: User, sh_decision: User, foreigner
) -> None:
    permit = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    life.application(
        Application.Kind.EXTENSION,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        state=S.SUBMITTED,
        permit=permit,
        submitted=dt.date(2028, 3, 1),
    )
    with life.at(dt.date(2028, 3, 9)):
        assert tasks.remind_deadlines.delay().get()["permits_expiring"] == []
    assert Notification.objects.count() == 0
