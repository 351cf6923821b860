"""Notifications: every event that owes someone work or news reaches them, in the inbox
and by e-mail, in their language, once.

An app registers the kinds it tells (:func:`register_kind`) from its ``AppConfig.ready``
and calls :func:`notify` inside the transaction of the write that causes the event:

``notify(kind=..., event_key=..., recipients=..., params=..., url=...)``
    One inbox row per active recipient, now, in the caller's transaction; the same
    ``event_key`` told twice to a person is ignored (a unique constraint, so also under
    races). The e-mails are queued when the transaction commits (a rolled-back write
    tells nobody), one Celery task per new row (``portal.tasks.send_notification_email``).
Words and values
    The kind holds the words (``subject``, ``body``: ``gettext_lazy`` texts with
    ``%(name)s`` placeholders); the row holds only plain values (names, numbers, ISO
    dates). The inbox composes the text in the reader's language when it is shown, the
    e-mail in the recipient's ``preferred_language``: never in the language of whoever
    caused the event.
Preferences
    Each person chooses which kinds they want by e-mail (no row: wanted); read when the
    notification is created. Kinds the law requires (``required=True``) are e-mailed
    whatever the preference says, and the preferences page says so.
The e-mail, never twice
    The task locks the row and sends only while its e-mail is ``pending``, then marks it
    ``sent``; a message delivered twice sends one e-mail. A failure is retried with
    backoff, and after :data:`EMAIL_RETRIES` retries marked ``failed``. A recipient without
    an address: ``no_address``.

Recipients are found with :func:`organization_users`, :func:`region_officers` and
:func:`role_holders` (active users holding a grant, as ``portal.access`` reads grants).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext

from portal.access import role_names
from portal.audit import audit_record
from portal.models import (
    Notification,
    NotificationPreference,
    Organization,
    OrganizationUserObjectPermission,
    Region,
    RegionUserObjectPermission,
    User,
)
from portal.services import PermissionDeniedError

logger = logging.getLogger(__name__)

# Retries of a failed e-mail (30 s, 60 s, 120 s ... up to 10 min apart) before it is failed.
EMAIL_RETRIES = 4
# Inbox rows per page.
PAGE_SIZE = 20
# The badge in the header shows "99+" above this.
BADGE_MAX = 99

Params = Mapping[str, str | int]


# --- Kinds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationKind:
    key: str  # e.g. "permits.information_requested"
    label: Promise | str  # shown on the preferences page (gettext_lazy)
    subject: Promise | str  # gettext_lazy text with %(name)s placeholders filled from params
    body: Promise | str  # plain text, %(name)s placeholders filled from params
    required: bool = False  # the law requires telling: the e-mail cannot be turned off
    description: Promise | str = ""  # one line for the preferences page
    # Params whose values are texts (msgids marked with gettext_noop, or model choice
    # labels' msgids) translated in the reader's language when the text is composed.
    translated: tuple[str, ...] = ()
    # The roles whose holders may receive it (empty: anyone): what the e-mail settings
    # page offers a person.
    roles: frozenset[str] = frozenset()


KINDS: dict[str, NotificationKind] = {}


def register_kind(kind: NotificationKind) -> None:
    """Add a kind. Registering the same kind again does nothing; another kind under a key
    already used is refused."""
    existing = KINDS.get(kind.key)
    if existing is not None and existing != kind:
        raise ValueError(f"Notification kind {kind.key!r} is registered twice.")
    KINDS[kind.key] = kind


def kinds() -> list[NotificationKind]:
    """Every registered kind, in key order (the preferences page's order)."""
    return [KINDS[key] for key in sorted(KINDS)]


def kinds_for(user: User) -> list[NotificationKind]:
    """The kinds ``user`` may receive: those for anyone, those of their roles, and any
    they have received (a role held before)."""
    held = role_names(user)
    received = set(
        Notification.objects.filter(recipient=user).values_list("kind", flat=True).distinct()
    )
    return [spec for spec in kinds() if not spec.roles or spec.roles & held or spec.key in received]


def kind_of(key: str) -> NotificationKind | None:
    return KINDS.get(key)


# --- Recipients ------------------------------------------------------------------------------


def organization_users(
    organization: Organization | int, codename: str = "act_for_organization"
) -> QuerySet[User]:
    """Active users holding ``codename`` on ``organization``."""
    pk = organization.pk if isinstance(organization, Organization) else organization
    granted = OrganizationUserObjectPermission.objects.filter(
        content_object_id=pk,
        permission__content_type__app_label="portal",
        permission__codename=codename,
    ).values("user_id")
    return User.objects.filter(is_active=True, pk__in=granted)


def region_officers(region: Region | int, codename: str) -> QuerySet[User]:
    """Active users holding ``codename`` in ``region``: on the region itself or on a
    division above it (a grant covers the divisions below, as ``portal.access`` reads it:
    a province's officers see its prefectures and counties)."""
    pk = region.pk if isinstance(region, Region) else region
    covering = Region.objects.filter(
        Q(pk=pk) | Q(children__pk=pk) | Q(children__children__pk=pk)
    ).values("pk")
    granted = RegionUserObjectPermission.objects.filter(
        content_object_id__in=covering,
        permission__content_type__app_label="portal",
        permission__codename=codename,
    ).values("user_id")
    return User.objects.filter(is_active=True, pk__in=granted)


def role_holders(role: str) -> QuerySet[User]:
    """Active users of a national role (its group)."""
    return User.objects.filter(is_active=True, groups__name=str(role)).distinct()


# --- Telling ---------------------------------------------------------------------------------


def _plain(params: Mapping[str, Any] | None) -> dict[str, str | int]:
    """The values as stored: strings and integers (a date as its ISO form)."""
    clean: dict[str, str | int] = {}
    for name, value in (params or {}).items():
        if isinstance(value, bool):
            clean[str(name)] = int(value)
        elif isinstance(value, int | str):
            clean[str(name)] = value
        elif hasattr(value, "isoformat"):
            clean[str(name)] = value.isoformat()
        elif value is None:
            clean[str(name)] = ""
        else:
            clean[str(name)] = str(value)
    return clean


def _language_free(url: str) -> str:
    """A page path without its language prefix (``/zh-hans/applications/3/`` →
    ``/applications/3/``); anything but a local path is refused."""
    if not url:
        return ""
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        raise ValueError(f"A notification links to a page of the portal, not {url!r}.")
    for code, _name in settings.LANGUAGES:
        prefix = f"/{code}/"
        if url.startswith(prefix):
            return url[len(prefix) - 1 :]
    return url


def _enqueue(notification_id: int) -> None:
    from portal.tasks import send_notification_email

    def send() -> None:
        try:
            send_notification_email.delay(notification_id)
        except Exception:  # the broker is down: the sweeper queues it later
            logger.exception("could not queue the e-mail of notification %s", notification_id)

    transaction.on_commit(send)


def notify(
    *,
    kind: str,
    event_key: str,
    recipients: Iterable[User],
    params: Mapping[str, str | int] | None = None,
    url: str = "",
) -> int:
    """Tell ``recipients`` of one event (see the module). Call it inside the transaction
    of the write that causes the event. Returns the number of new inbox rows."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"Unknown notification kind {kind!r}: register it first.")
    if not event_key or len(event_key) > 200:
        raise ValueError("A notification needs an event key of at most 200 characters.")
    people = {user.pk: user for user in recipients if user.is_active}
    if not people:
        return 0
    values = _plain(params)
    path = _language_free(url)
    with transaction.atomic(savepoint=False):
        told = set(
            Notification.objects.filter(event_key=event_key, recipient_id__in=people).values_list(
                "recipient_id", flat=True
            )
        )
        new = [pk for pk in sorted(people) if pk not in told]
        if not new:
            return 0
        off: set[int] = set()
        if not spec.required:
            off = set(
                NotificationPreference.objects.filter(
                    user_id__in=new, kind=kind, email=False
                ).values_list("user_id", flat=True)
            )
        now = timezone.now()
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=pk,
                    kind=kind,
                    event_key=event_key,
                    params=values,
                    url=path,
                    created_at=now,
                    email_state=(
                        Notification.EmailState.NOT_WANTED
                        if pk in off
                        else Notification.EmailState.PENDING
                        if people[pk].email
                        else Notification.EmailState.NO_ADDRESS
                    ),
                )
                for pk in new
            ],
            ignore_conflicts=True,
        )
        # The rows this call wrote (a concurrent call may have told some of them first:
        # its rows carry another time and are its own to send).
        created = list(
            Notification.objects.filter(
                event_key=event_key, recipient_id__in=new, created_at=now
            ).values_list("pk", "email_state")
        )
        for pk, state in created:
            if state == Notification.EmailState.PENDING:
                _enqueue(pk)
    return len(created)


# --- What a notification says ----------------------------------------------------------------


class _Values(dict[str, Any]):
    """Placeholders without a value read as empty, never as an error."""

    def __missing__(self, key: str) -> str:
        return ""


def _fill(text: Promise | str, params: Mapping[str, Any]) -> str:
    template = str(text)
    try:
        return template % _Values(params)
    except (TypeError, ValueError):
        logger.warning("notification text %r does not take its values", template)
        return template


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def values_for_reader(spec: NotificationKind, params: Mapping[str, Any]) -> dict[str, Any]:
    """The values of a text in the active language: a value stored under
    ``"<name>@<language>"`` (``"employer@en"``) wins over ``"<name>"`` for a reader of that
    language, and the kind's ``translated`` values are translated."""
    language = get_language() or settings.LANGUAGE_CODE
    values = {key: value for key, value in params.items() if "@" not in key}
    for key, value in params.items():
        name, _at, code = key.partition("@")
        if code and code == language and value not in ("", None):
            values[name] = value
    for name in spec.translated:
        if isinstance(values.get(name), str) and values[name]:
            values[name] = translate_value(values[name])
    return values


WORDS: dict[str, Promise | str] = {}


def register_words(words: Mapping[str, Promise | str]) -> None:
    """The translations of words stored as values (``{"approved": pgettext_lazy(
    "notification value", "approved")}``): a short word gets the translation it needs
    inside a sentence, not the one of a column heading with the same English."""
    WORDS.update(words)


def translate_value(value: str) -> str:
    """A stored word in the active language: its registered translation, else its msgid's."""
    word = WORDS.get(value)
    return str(word) if word is not None else gettext(value)


def text_of(notification: Notification) -> Text:
    """What the notification says, in the active language."""
    spec = KINDS.get(notification.kind)
    if spec is None:
        return Text(gettext("Notification"), "")
    values = values_for_reader(spec, notification.params or {})
    return Text(_fill(spec.subject, values), _fill(spec.body, values))


def page_url(notification: Notification, language: str | None = None) -> str:
    """The page the notification is about, in ``language`` (the active one by default)."""
    if not notification.url:
        return ""
    return f"/{language or get_language()}{notification.url}"


@dataclass(frozen=True)
class InboxRow:
    notification: Notification
    text: Text

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


def rows_of(notifications: Iterable[Notification]) -> list[InboxRow]:
    return [InboxRow(n, text_of(n)) for n in notifications]


# --- Reading ---------------------------------------------------------------------------------


def notifications_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's inbox, newest first."""
    queryset = Notification.objects.filter(recipient=user)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-id")


def notification_get(user: User, pk: int | str) -> Notification | None:
    """One of the user's notifications, or None (someone else's reads as missing)."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        return None
    return Notification.objects.filter(pk=number, recipient=user).first()


def unread_count(user: Any, *, limit: int | None = None) -> int:
    """How many notifications the user has not read (none for an anonymous visitor). With
    ``limit``, counting stops there: the header reads at most ``BADGE_MAX + 1`` ids on the
    partial index (a bounded read, not a ``COUNT`` over everything unread)."""
    if user is None or not user.is_authenticated:
        return 0
    unread = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if limit is None:
        return unread.count()
    return len(unread.order_by().values_list("pk", flat=True)[:limit])


class UnreadNotifications:
    """The header's unread count, read only when a template uses it, once per page: one
    query for a signed-in person, none for a visitor."""

    def __init__(self, user: Any) -> None:
        self._user = user
        self._count: int | None = None

    @property
    def count(self) -> int:
        """The unread count, up to ``BADGE_MAX + 1`` (more reads as "99+")."""
        if self._count is None:
            self._count = unread_count(self._user, limit=BADGE_MAX + 1)
        return self._count

    @property
    def over(self) -> bool:
        """More than ``BADGE_MAX`` unread."""
        return self.count > BADGE_MAX

    @property
    def badge(self) -> str:
        return f"{BADGE_MAX}+" if self.over else str(self.count)

    def __bool__(self) -> bool:
        return self.count > 0

    def __int__(self) -> int:
        return self.count

    def __str__(self) -> str:
        return self.badge


def email_preferences(user: User) -> dict[str, bool]:
    """Whether the user wants each registered kind by e-mail (required kinds: always)."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {spec.key: spec.required or stored.get(spec.key, True) for spec in kinds()}


# --- Services ----------------------------------------------------------------------------------


def notification_mark_read(*, user: User, notification: Notification) -> bool:
    """Mark one of the user's notifications read; whether it changed."""
    with transaction.atomic():
        changed = Notification.objects.filter(
            pk=notification.pk, recipient=user, read_at__isnull=True
        ).update(read_at=timezone.now())
    return bool(changed)


def notification_mark_unread(*, user: User, notification: Notification) -> bool:
    """Mark one of the user's notifications unread again; whether it changed."""
    with transaction.atomic():
        changed = Notification.objects.filter(
            pk=notification.pk, recipient=user, read_at__isnull=False
        ).update(read_at=None)
    return bool(changed)


def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; how many."""
    with transaction.atomic():
        return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )


def notification_preferences_set(
    *,
    user: User,
    email_kinds: Iterable[str],
    actor: User,
    offered: Iterable[str] | None = None,
    request: HttpRequest | None = None,
) -> dict[str, bool]:
    """Record which kinds ``user`` wants by e-mail: those in ``email_kinds``, of the kinds
    that may be turned off (required kinds are always e-mailed and ignored here) and were
    ``offered`` (default: every kind; the page offers ``kinds_for(user)``, and a kind it
    did not show keeps its setting). An unknown kind is refused and nothing changes.
    Audited when something changed."""
    if actor.pk != user.pk:
        raise PermissionDeniedError(gettext("You may change only your own notifications."))
    wanted = {str(key) for key in email_kinds}
    unknown = sorted(wanted - set(KINDS))
    if unknown:
        raise ValidationError(
            {"email_kinds": [gettext("Unknown kinds: %(kinds)s") % {"kinds": ", ".join(unknown)}]}
        )
    with transaction.atomic():
        stored = {
            row.kind: row
            for row in NotificationPreference.objects.select_for_update().filter(user=user)
        }
        turned_on: list[str] = []
        turned_off: list[str] = []
        choices = set(offered) if offered is not None else set(KINDS)
        for spec in kinds():
            if spec.required or spec.key not in choices:
                continue
            want = spec.key in wanted
            row = stored.get(spec.key)
            before = row.email if row is not None else True
            if row is None:
                if not want:
                    NotificationPreference.objects.create(user=user, kind=spec.key, email=False)
            elif row.email != want:
                row.email = want
                row.save(update_fields=["email", "updated_at"])
            if before != want:
                (turned_on if want else turned_off).append(spec.key)
        if turned_on or turned_off:
            audit_record(
                actor=actor,
                action="portal.notification.preferences",
                target=user,
                data={"email_on": turned_on, "email_off": turned_off},
                request=request,
            )
    return email_preferences(user)


# --- The e-mail --------------------------------------------------------------------------------


def _site(path: str) -> str:
    return f"{settings.PORTAL_SITE_URL.rstrip('/')}{path}"


def email_message(notification: Notification) -> EmailMessage:
    """The e-mail of a notification, in the recipient's language."""
    recipient = notification.recipient
    spec = KINDS.get(notification.kind)
    language = recipient.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        text = text_of(notification)
        context = {
            "recipient": recipient,
            "notification": notification,
            "subject": text.subject,
            "body": text.body,
            "required": bool(spec and spec.required),
            "link": _site(reverse("notifications:open", args=[notification.pk])),
            "preferences_link": _site(reverse("notifications:settings")),
            "portal_name": str(settings.PORTAL_NAME),
        }
        subject = " ".join(render_to_string("notifications/email_subject.txt", context).split())
        body = render_to_string("notifications/email_body.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[recipient.email])
    message.extra_headers["Content-Language"] = language
    return message


def notification_email_send(notification_id: int) -> str:
    """Send the e-mail of one notification if it is still pending (the task's body); the
    e-mail state afterwards ("missing" when the row is gone)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return "missing"
        if notification.email_state != Notification.EmailState.PENDING:
            return str(notification.email_state)
        recipient = notification.recipient
        if not recipient.is_active:
            notification.email_state = Notification.EmailState.NOT_WANTED
        elif not recipient.email:
            notification.email_state = Notification.EmailState.NO_ADDRESS
        else:
            email_message(notification).send()
            notification.email_attempts += 1
            notification.email_state = Notification.EmailState.SENT
            notification.emailed_at = timezone.now()
            notification.email_error = ""
        notification.save(
            update_fields=["email_state", "email_attempts", "emailed_at", "email_error"]
        )
        return str(notification.email_state)


def notification_email_failure(notification_id: int, error: BaseException, *, final: bool) -> None:
    """Record a failed attempt; the last one marks the e-mail failed."""
    message = f"{type(error).__name__}: {error}"[:500]
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.email_state != Notification.EmailState.PENDING:
            return
        notification.email_attempts += 1
        notification.email_error = message
        fields = ["email_attempts", "email_error"]
        if final:
            notification.email_state = Notification.EmailState.FAILED
            fields.append("email_state")
        notification.save(update_fields=fields)


def notifications_sweep(now: Any = None) -> list[int]:
    """Queue again the e-mails never tried that have been pending for more than 15
    minutes but less than two days (a message lost with the broker); the ids queued. The
    task sends each at most once."""
    import datetime as dt

    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            email_state=Notification.EmailState.PENDING,
            email_attempts=0,
            created_at__lt=now - dt.timedelta(minutes=15),
            created_at__gt=now - dt.timedelta(days=2),
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        _enqueue(pk)
    if ids:
        logger.warning("re-queued %d notification e-mails left pending", len(ids))
    return ids
