"""Notifications in the kernel (``portal.notifications``): one inbox row per person and
event, whatever happens; the e-mail after commit, in the recipient's language, once;
preferences, and the kinds the law requires; the inbox, opening a notification, marking
read and unread, the e-mail settings page; the unread count in the header; who the
recipient helpers find.

Two kinds are registered for these tests only (``tests.ping``, which may be turned off,
and ``tests.law``, which the law requires). Every HTML page goes through ``html_of``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from portal import notifications
from portal.models import AuditEvent, Notification, NotificationPreference, Region, User
from portal.notifications import NotificationKind, notify
from portal.roles import Role
from portal.tasks import send_notification_email
from tests.factories import OrganizationFactory, RoleHelper, UserFactory
from tests.pages import html_of, tr
from tests.portal.test_pages import Document, assert_landmarks, sign_in_verified, text_of

pytestmark = pytest.mark.django_db

E = Notification.EmailState
INBOX = "/zh-hans/notifications/"
SETTINGS = "/zh-hans/notifications/settings/"

PING = NotificationKind(
    key="tests.ping",
    label=gettext_lazy("Test pings"),
    subject=gettext_lazy("Ping %(number)s"),
    body=gettext_lazy("Something happened to %(number)s on %(day)s."),
    description=gettext_lazy("Only in tests."),
)
LAW = NotificationKind(
    key="tests.law",
    label=gettext_lazy("Test decisions"),
    subject=gettext_lazy("Decision on %(number)s: %(outcome)s"),
    body=gettext_lazy("%(name)s: the decision is %(outcome)s."),
    required=True,
    translated=("outcome",),
)
# A text the catalogue translates (a model choice's label), to show translated values.
APPROVED = gettext_noop("Approved")


@pytest.fixture(autouse=True)
def test_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(notifications.KINDS, PING.key, PING)
    monkeypatch.setitem(notifications.KINDS, LAW.key, LAW)


@pytest.fixture
def person(db: None) -> User:
    return UserFactory(email="anna@example.com", full_name="Anna Li")


@pytest.fixture
def english(db: None) -> User:
    return UserFactory(email="ben@example.com", full_name="Ben Smith", preferred_language="en")


def ping(recipients: list[User], key: str = "event-1", **params: Any) -> int:
    return notify(
        kind="tests.ping",
        event_key=key,
        recipients=recipients,
        params={"number": "WP-2026-0000001", "day": "2026-06-08", **params},
        url="/zh-hans/applications/7/",
    )


def client_for(user: User) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


# --- Registering kinds ---------------------------------------------------------------------


def test_a_kind_registers_once_and_a_key_is_never_reused() -> None:
    notifications.register_kind(PING)  # the same kind again: nothing happens
    assert notifications.KINDS["tests.ping"] is PING
    with pytest.raises(ValueError, match="registered twice"):
        notifications.register_kind(NotificationKind("tests.ping", "x", "y", "z"))
    keys = [kind.key for kind in notifications.kinds()]
    assert keys == sorted(keys)
    assert {"tests.ping", "tests.law"} <= set(keys)


def test_an_unknown_kind_is_refused(person: User) -> None:
    with pytest.raises(ValueError, match="Unknown notification kind"):
        notify(kind="tests.nothing", event_key="e", recipients=[person])
    assert Notification.objects.count() == 0


def test_a_link_outside_the_portal_is_refused(person: User) -> None:
    for url in ("https://evil.example/", "//evil.example/x", "applications/7/"):
        with pytest.raises(ValueError, match="page of the portal"):
            notify(kind="tests.ping", event_key="e", recipients=[person], url=url)
    assert Notification.objects.count() == 0


# --- Once per person and event ------------------------------------------------------------


def test_one_row_per_person_and_event_and_the_same_event_twice_is_ignored(
    person: User, english: User, django_capture_on_commit_callbacks: Any
) -> None:
    inactive = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            assert ping([person, english, inactive, person]) == 2
        with transaction.atomic():
            assert ping([person, english]) == 0
            assert ping([person], key="event-2") == 1

    rows = Notification.objects.order_by("event_key", "recipient_id")
    assert [(n.recipient_id, n.event_key, n.kind) for n in rows] == [
        (person.pk, "event-1", "tests.ping"),
        (english.pk, "event-1", "tests.ping"),
        (person.pk, "event-2", "tests.ping"),
    ]
    first = rows[0]
    assert first.params == {"number": "WP-2026-0000001", "day": "2026-06-08"}
    assert first.url == "/applications/7/"  # stored without the language prefix
    assert first.read_at is None
    assert len(mail.outbox) == 3  # one e-mail per new row, none for the repeat


def test_a_row_told_by_a_concurrent_call_is_not_counted_twice(
    person: User, django_capture_on_commit_callbacks: Any
) -> None:
    """The unique constraint decides: a row another transaction wrote between the check
    and the insert is left alone, and only this call's rows are counted and e-mailed."""
    original = Notification.objects.bulk_create

    def racing(rows: list[Notification], **kwargs: Any) -> Any:
        Notification.objects.create(
            recipient=person,
            kind="tests.ping",
            event_key="event-1",
            email_state=E.SENT,
            created_at=timezone.now() - dt.timedelta(seconds=1),
        )
        return original(rows, **kwargs)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            Notification.objects.bulk_create = racing  # type: ignore[method-assign]
            try:
                assert ping([person]) == 0
            finally:
                Notification.objects.bulk_create = original  # type: ignore[method-assign]
    assert callbacks == []
    assert Notification.objects.get().email_state == E.SENT
    assert mail.outbox == []


def test_nothing_is_told_when_the_write_rolls_back(
    person: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            ping([person])
            raise RuntimeError("the write failed")
    assert Notification.objects.count() == 0
    assert mail.outbox == []


# --- The e-mail ----------------------------------------------------------------------------


def test_the_email_goes_after_commit_in_the_recipients_language_once(
    person: User, english: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            notify(
                kind="tests.law",
                event_key="decision-1",
                recipients=[english],
                params={
                    "number": "WP-1",
                    "outcome": APPROVED,
                    "name": "测试公司",
                    "name@en": "Test",
                },
                url="/zh-hans/applications/7/",
            )
        assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()

    message = mail.outbox[0]
    assert message.to == ["ben@example.com"]
    assert message.subject == "Decision on WP-1: Approved"
    row = Notification.objects.get()
    assert message.body.split("\n\n")[:3] == [
        "Dear Ben Smith,",
        "Decision on WP-1: Approved",
        "Test: the decision is Approved.",
    ]
    assert f"https://portal.example.test/en/notifications/{row.pk}/" in message.body
    assert "The law requires that you be told of this" in message.body
    assert "/notifications/settings/" not in message.body
    assert message.extra_headers["Content-Language"] == "en"
    assert (row.email_state, row.email_attempts) == (E.SENT, 1)
    assert row.emailed_at is not None

    # A message delivered twice sends one e-mail.
    assert send_notification_email.delay(row.pk).get() == E.SENT
    assert len(mail.outbox) == 1


def test_a_chinese_readers_email_and_the_preferences_line(
    person: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ping([person])
    message = mail.outbox[0]
    row = Notification.objects.get()
    with translation.override("zh-hans"):
        assert message.subject == str(PING.subject) % {"number": "WP-2026-0000001"}
        assert message.body.startswith(tr("Dear %(name)s,", name="Anna Li"))
    assert f"https://portal.example.test/zh-hans/notifications/{row.pk}/" in message.body
    assert "https://portal.example.test/zh-hans/notifications/settings/" in message.body
    assert message.extra_headers["Content-Language"] == "zh-hans"


def test_a_person_without_an_address_gets_the_inbox_row_only(
    django_capture_on_commit_callbacks: Any,
) -> None:
    nobody = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        assert ping([nobody]) == 1
    assert callbacks == []
    assert Notification.objects.get().email_state == E.NO_ADDRESS
    assert mail.outbox == []


def test_an_address_removed_before_sending_is_recorded(
    person: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        ping([person])
    User.objects.filter(pk=person.pk).update(email="")
    callbacks[0]()
    assert Notification.objects.get().email_state == E.NO_ADDRESS
    assert mail.outbox == []


def test_a_failing_email_is_retried_then_marked_failed(
    person: User, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def broken(self: Any, fail_silently: bool = False) -> int:
        calls.append(1)
        raise ConnectionRefusedError("smtp is down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ping([person])
    row = Notification.objects.get()
    assert len(calls) == notifications.EMAIL_RETRIES + 1
    assert (row.email_state, row.email_attempts) == (E.FAILED, notifications.EMAIL_RETRIES + 1)
    assert row.email_error == "ConnectionRefusedError: smtp is down"
    assert row.read_at is None  # the inbox row stays

    monkeypatch.undo()
    assert send_notification_email.delay(row.pk).get() == E.FAILED
    assert mail.outbox == []


def test_the_sweeper_queues_again_only_emails_never_tried(
    person: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        ping([person])
        ping([person], key="event-2")
    lost, tried = Notification.objects.order_by("event_key")
    Notification.objects.filter(pk=tried.pk).update(email_attempts=1)
    later = timezone.now() + dt.timedelta(minutes=20)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.notifications_sweep(later) == [lost.pk]
    assert [m.to for m in mail.outbox] == [["anna@example.com"]]
    lost.refresh_from_db()
    assert lost.email_state == E.SENT
    assert notifications.notifications_sweep(later) == []


# --- Preferences ---------------------------------------------------------------------------


def test_a_kind_turned_off_gives_an_inbox_row_without_email(
    person: User, django_capture_on_commit_callbacks: Any
) -> None:
    notifications.notification_preferences_set(user=person, email_kinds=[], actor=person)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        assert ping([person]) == 1
    assert callbacks == []
    assert Notification.objects.get().email_state == E.NOT_WANTED
    assert mail.outbox == []


def test_a_required_kind_is_emailed_whatever_the_preference_says(
    person: User, django_capture_on_commit_callbacks: Any
) -> None:
    # Even a row written behind the service's back cannot turn it off.
    NotificationPreference.objects.create(user=person, kind="tests.law", email=False)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(kind="tests.law", event_key="d", recipients=[person], params={"number": "X"})
    assert Notification.objects.get().email_state == E.SENT
    assert len(mail.outbox) == 1
    assert notifications.email_preferences(person)["tests.law"] is True


def test_preferences_are_recorded_and_audited_only_when_they_change(person: User) -> None:
    assert notifications.email_preferences(person) == {
        **notifications.email_preferences(person),
        "tests.ping": True,
        "tests.law": True,
    }
    result = notifications.notification_preferences_set(
        user=person, email_kinds=["tests.law"], actor=person
    )
    assert (result["tests.ping"], result["tests.law"]) == (False, True)
    event = AuditEvent.objects.get(action="portal.notification.preferences")
    assert (event.actor, event.target_id) == (person, str(person.pk))
    assert "tests.ping" in event.data["email_off"]
    assert "tests.law" not in event.data["email_off"] + event.data["email_on"]
    assert not NotificationPreference.objects.filter(kind="tests.law").exists()

    # The same again: nothing changes, nothing audited.
    notifications.notification_preferences_set(user=person, email_kinds=["tests.law"], actor=person)
    assert AuditEvent.objects.filter(action="portal.notification.preferences").count() == 1

    every = [kind.key for kind in notifications.kinds()]
    notifications.notification_preferences_set(user=person, email_kinds=every, actor=person)
    on = AuditEvent.objects.filter(action="portal.notification.preferences").latest("seq")
    assert on.data == {
        "email_on": [k for k in every if k in event.data["email_off"]],
        "email_off": [],
    }
    assert notifications.email_preferences(person)["tests.ping"] is True


def test_preferences_refuse_unknown_kinds_and_other_peoples_settings(
    person: User, english: User
) -> None:
    from django.core.exceptions import ValidationError

    from portal.services import PermissionDeniedError

    with pytest.raises(ValidationError):
        notifications.notification_preferences_set(
            user=person, email_kinds=["tests.nothing"], actor=person
        )
    with pytest.raises(PermissionDeniedError):
        notifications.notification_preferences_set(user=person, email_kinds=[], actor=english)
    assert NotificationPreference.objects.count() == 0
    assert not AuditEvent.objects.filter(action="portal.notification.preferences").exists()


# --- What a notification says, in the reader's language -----------------------------------


def test_the_text_is_composed_in_the_readers_language(person: User) -> None:
    with transaction.atomic():
        notify(
            kind="tests.law",
            event_key="d",
            recipients=[person],
            params={
                "number": "WP-1",
                "outcome": APPROVED,
                "name": "测试公司",
                "name@en": "Test Co",
            },
        )
    row = Notification.objects.get()
    with translation.override("en"):
        text = notifications.text_of(row)
        assert (text.subject, text.body) == (
            "Decision on WP-1: Approved",
            "Test Co: the decision is Approved.",
        )
    with translation.override("zh-hans"):
        text = notifications.text_of(row)
        approved = tr("Approved")
        assert text.body == str(LAW.body) % {"name": "测试公司", "outcome": approved}
    # A value missing reads as empty, never as an error; a kind no longer registered
    # reads as a plain notification.
    Notification.objects.filter(pk=row.pk).update(params={})
    row.refresh_from_db()
    with translation.override("en"):
        assert notifications.text_of(row).subject == "Decision on : "
        row.kind = "tests.gone"
        assert notifications.text_of(row) == notifications.Text("Notification", "")


# --- Recipients ----------------------------------------------------------------------------


def test_recipient_helpers_read_grants_as_access_does(roles: RoleHelper) -> None:
    employer = OrganizationFactory(region=Region.objects.get(code="310000"))
    admin = roles.user(Role.EMPLOYER_ADMIN, organization=employer)
    staff = roles.user(Role.EMPLOYER_STAFF, organization=employer)
    left = roles.user(Role.EMPLOYER_STAFF, organization=employer)
    User.objects.filter(pk=left.pk).update(is_active=False)
    roles.user(Role.EMPLOYER_ADMIN)  # another employer's

    assert set(notifications.organization_users(employer)) == {admin, staff}
    assert list(notifications.organization_users(employer, "manage_organization_users")) == [admin]

    province = roles.user(Role.DECISION_OFFICER, region_code="310000")
    shanghai = Region.objects.get(code="310000")
    district = Region.objects.create(
        code="310115",
        name_zh="浦东新区",
        name_en="Pudong New Area",
        level=Region.Level.COUNTY,
        parent=shanghai,
    )
    local = roles.user(Role.ACCEPTANCE_OFFICER, region_code=district.code)
    roles.user(Role.DECISION_OFFICER, region_code="110000")

    assert list(notifications.region_officers(district, "decide_applications")) == [province]
    assert list(notifications.region_officers(shanghai, "decide_applications")) == [province]
    assert list(notifications.region_officers(district, "accept_applications")) == [local]
    assert list(notifications.region_officers(shanghai, "accept_applications")) == []

    reviewer = roles.user(Role.MINISTRY_REVIEWER)
    assert list(notifications.role_holders(Role.MINISTRY_REVIEWER)) == [reviewer]


# --- The pages ------------------------------------------------------------------------------


def _rows(user: User, count: int) -> list[Notification]:
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind="tests.ping",
                event_key=f"bulk-{n}",
                params={"number": f"N{n:03d}", "day": "2026-06-08"},
                url="/applications/7/",
                created_at=now + dt.timedelta(seconds=n),
                email_state=E.SENT,
            )
            for n in range(count)
        ]
    )
    return list(Notification.objects.filter(recipient=user).order_by("-created_at"))


def subjects(html: str) -> list[str]:
    return re.findall(r'class="notification__subject" href="[^"]+">([^<]+)</a>', html)


def test_pages_need_signing_in(client: Client) -> None:
    for url in (INBOX, SETTINGS, "/zh-hans/notifications/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/zh-hans/accounts/login/")


def test_the_inbox_newest_first_paginated_with_the_unread_marked(
    person: User, django_assert_num_queries: Any
) -> None:
    rows = _rows(person, 25)
    Notification.objects.filter(pk=rows[1].pk).update(read_at=timezone.now())
    client = client_for(person)

    # Session, user, the page of notifications (no count), the menu's roles, the unread
    # count of the header (read once for the header and the "mark all" button).
    with django_assert_num_queries(5):
        response = client.get(INBOX)
    html = html_of(response)
    assert_landmarks(html)
    with translation.override("zh-hans"):
        assert subjects(html) == [
            str(PING.subject) % {"number": f"N{n:03d}"} for n in range(24, 4, -1)
        ]
    assert html.count("notification--unread") == 19
    assert 'rel="next" href="?page=2"' in html
    assert tr("Mark all as read") in text_of(html)

    second = html_of(client.get(INBOX + "?page=2"))
    assert len(subjects(second)) == 5
    assert 'rel="next"' not in second

    unread_only = html_of(client.get(INBOX + "?unread=1&page=1"))
    assert len(subjects(unread_only)) == 20
    assert f"/zh-hans/notifications/{rows[1].pk}/" not in unread_only


def test_the_header_shows_the_unread_count(person: User) -> None:
    client = client_for(person)
    html = html_of(client.get(INBOX))
    links = [a for a in Document(html).all("a") if a.get("href") == INBOX]
    assert links[0].get("aria-label") is None  # nothing unread: no count
    assert "user-menu__notifications" in (links[0].get("class") or "")

    _rows(person, 3)
    html = html_of(client.get(INBOX))
    link = next(
        a for a in Document(html).all("a") if "user-menu__notifications" in (a.get("class") or "")
    )
    with translation.override("zh-hans"):
        label = ngettext("%(counter)s unread notification", "%(counter)s unread notifications", 3)
    assert link.get("aria-label") == label % {"counter": 3}
    assert re.search(r'<span class="badge" aria-hidden="true">3</span></a>', html)

    Notification.objects.bulk_create(
        [
            Notification(recipient=person, kind="tests.ping", event_key=f"more-{n}")
            for n in range(96)
        ]
    )
    html = html_of(client.get(SETTINGS))
    assert re.search(r'<span class="badge" aria-hidden="true">99</span></a>', html)

    # Above 99: "99+", read with a bounded query (at most 100 ids), never a COUNT.
    Notification.objects.create(recipient=person, kind="tests.ping", event_key="the-100th")
    with CaptureQueriesContext(connection) as captured:
        html = html_of(client.get(SETTINGS))
    assert re.search(r'<span class="badge" aria-hidden="true">99\+</span></a>', html)
    link = next(
        a for a in Document(html).all("a") if "user-menu__notifications" in (a.get("class") or "")
    )
    assert link.get("aria-label") == tr("More than 99 unread notifications")
    header = [q["sql"] for q in captured.captured_queries if "read_at" in q["sql"]]
    assert len(header) == 1
    assert "LIMIT 100" in header[0]
    assert "COUNT(" not in header[0].upper()


def test_anonymous_pages_count_nothing(client: Client, django_assert_num_queries: Any) -> None:
    from portal.context_processors import notifications_unread

    class Anonymous:
        is_authenticated = False

    class Request:
        user = Anonymous()

    with django_assert_num_queries(0):
        unread = notifications_unread(Request())["notifications_unread"]  # type: ignore[arg-type]
        assert (unread.count, unread.badge, bool(unread)) == (0, "0", False)


def test_opening_marks_read_and_goes_to_the_page_in_the_readers_language(person: User) -> None:
    row = _rows(person, 1)[0]
    client = client_for(person)
    response = client.get(f"/en/notifications/{row.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/en/applications/7/")
    row.refresh_from_db()
    first_read = row.read_at
    assert first_read is not None

    response = client.get(f"/zh-hans/notifications/{row.pk}/")
    assert response["Location"] == "/zh-hans/applications/7/"
    row.refresh_from_db()
    assert row.read_at == first_read  # read once, when first opened

    # Without a page, opening leads back to the inbox.
    Notification.objects.filter(pk=row.pk).update(url="")
    assert client.get(f"/zh-hans/notifications/{row.pk}/")["Location"] == INBOX


def test_mark_read_unread_and_all(person: User) -> None:
    first, _second = _rows(person, 2)
    client = client_for(person)

    response = client.post(f"/zh-hans/notifications/{first.pk}/read/", {"next": INBOX + "?page=1"})
    assert (response.status_code, response["Location"]) == (302, INBOX + "?page=1")
    first.refresh_from_db()
    assert first.read_at is not None

    response = client.post(
        f"/zh-hans/notifications/{first.pk}/unread/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == INBOX  # only a local address is followed
    first.refresh_from_db()
    assert first.read_at is None

    assert client.get(f"/zh-hans/notifications/{first.pk}/read/").status_code == 405
    response = client.post("/zh-hans/notifications/read-all/")
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=person, read_at__isnull=True).count() == 0
    with translation.override("zh-hans"):
        marked = ngettext(
            "%(count)d notification marked read.", "%(count)d notifications marked read.", 2
        ) % {"count": 2}
    assert marked in text_of(html_of(client.get(INBOX)))


def test_someone_elses_notification_is_missing_and_unchanged(person: User, english: User) -> None:
    row = _rows(english, 1)[0]
    client = client_for(person)
    for response in (
        client.get(f"/zh-hans/notifications/{row.pk}/"),
        client.post(f"/zh-hans/notifications/{row.pk}/read/"),
        client.post(f"/zh-hans/notifications/{row.pk}/unread/"),
    ):
        assert response.status_code == 404
    client.post("/zh-hans/notifications/read-all/")
    row.refresh_from_db()
    assert row.read_at is None
    assert subjects(html_of(client.get(INBOX))) == []


def test_the_settings_page_lists_the_persons_kinds_and_saves(person: User) -> None:
    client = client_for(person)
    html = html_of(client.get(SETTINGS))
    assert_landmarks(html)
    boxes = {a.get("value"): a for a in Document(html).all("input") if a.get("type") == "checkbox"}
    # Without a role: the kinds for anyone.
    assert set(boxes) == {"tests.ping", "tests.law", "permits.registration_decided"}
    assert ("disabled" in boxes["tests.law"], "checked" in boxes["tests.law"]) == (True, True)
    assert ("disabled" in boxes["tests.ping"], "checked" in boxes["tests.ping"]) == (False, True)
    assert tr("Always sent by e-mail: the law requires that you be told.") in text_of(html)

    # Everything unchecked (a browser sends no disabled box), and a forged "off" for the
    # required kind cannot exist: it is simply not sent.
    response = client.post(SETTINGS, {})
    assert (response.status_code, response["Location"]) == (302, SETTINGS)
    prefs = notifications.email_preferences(person)
    assert (prefs["tests.ping"], prefs["tests.law"]) == (False, True)
    html = html_of(client.get(SETTINGS))
    assert tr("Your notification settings were saved.") in text_of(html)
    boxes = {a.get("value"): a for a in Document(html).all("input") if a.get("type") == "checkbox"}
    assert "checked" not in boxes["tests.ping"]
    assert "checked" in boxes["tests.law"]

    response = client.post(SETTINGS, {"email": ["tests.ping"]})
    assert response.status_code == 302
    assert notifications.email_preferences(person)["tests.ping"] is True


def test_a_forged_settings_post_changes_nothing(person: User) -> None:
    client = client_for(person)
    response = client.post(SETTINGS, {"email": ["tests.nothing"]})
    assert response.status_code == 400
    html_of(response)
    assert NotificationPreference.objects.count() == 0
    assert not AuditEvent.objects.filter(action="portal.notification.preferences").exists()


def test_the_settings_offer_the_kinds_of_the_persons_roles(roles: RoleHelper) -> None:
    employer = roles.user(Role.EMPLOYER_ADMIN)
    offered = {kind.key for kind in notifications.kinds_for(employer)}
    assert offered == {
        "tests.ping",
        "tests.law",
        "permits.registration_decided",
        "permits.application_returned",
        "permits.information_requested",
        "permits.decision",
        "permits.permit_expiring",
        "credit.record_decided",
        "credit.objection_decided",
        "documents.ready",
    }
    inspector = roles.user(Role.INSPECTOR)
    assert {"credit.objection_filed", "credit.campaign_assignment"} <= {
        kind.key for kind in notifications.kinds_for(inspector)
    }
    assert "permits.decision" not in {kind.key for kind in notifications.kinds_for(inspector)}


def test_a_kind_not_offered_keeps_its_setting(roles: RoleHelper) -> None:
    employer = roles.user(Role.EMPLOYER_ADMIN)
    # Turned off while the person was an inspector, say: the employer's page does not show
    # it, so saving that page leaves it off.
    NotificationPreference.objects.create(
        user=employer, kind="credit.campaign_assignment", email=False
    )
    client = client_for(employer)
    response = client.post(SETTINGS, {"email": ["permits.permit_expiring"]})
    assert response.status_code == 302
    prefs = notifications.email_preferences(employer)
    assert prefs["credit.campaign_assignment"] is False
    assert prefs["permits.permit_expiring"] is True
    assert prefs["tests.ping"] is False
