"""Notifications: what the portal tells a person (an inbox row, and an e-mail).

A ``Notification`` is one event told to one recipient. Its text is not stored: the kind
(``portal.notifications.register_kind``) holds the words, translatable, and the row holds
the plain values (``params``) they are filled with, so that the inbox shows it in the
reader's language and the e-mail is written in the recipient's. One event reaches one
person once: ``(recipient, event_key)`` is unique.

A ``NotificationPreference`` records that a person does (or does not) want the e-mails of
a kind; no row means the e-mail is wanted. Kinds the law requires are e-mailed whatever
the preference says.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class EmailState(models.TextChoices):
        NOT_WANTED = "not_wanted", _("Not wanted")
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        NO_ADDRESS = "no_address", _("No e-mail address")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=64)
    event_key = models.CharField(
        _("event"),
        max_length=200,
        help_text=_("What happened, once: the same event is never told twice to one person."),
    )
    params = models.JSONField(_("values of the text"), default=dict, blank=True)
    url = models.CharField(
        _("page"),
        max_length=500,
        blank=True,
        help_text=_("The page it is about, without the language prefix."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_state = models.CharField(
        _("e-mail"), max_length=16, choices=EmailState.choices, default=EmailState.PENDING
    )
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_error = models.CharField(_("e-mail error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event_key"], name="notification_once_per_event"
            ),
        ]
        indexes = [
            # The unread count in the header of every page: one small partial index.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(
                fields=["created_at"],
                condition=Q(email_state="pending"),
                name="notification_email_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=64)
    email = models.BooleanField(_("by e-mail"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'e-mail' if self.email else 'inbox only'}"
