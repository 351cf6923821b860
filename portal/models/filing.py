"""The filing lifecycle shared by regional talent standards and Guidance Catalogs.

Under the 2025 notice a provincial authority drafts a regional standard or a Guidance
Catalog, may consult stakeholders, files it with MOHRSS for review and approval, publishes
it, and it is valid for 3 to 5 years, lapsing by itself when not renewed. The abstract
models here hold what every filing has; ``catalogs`` and ``talent_standards`` make them
concrete (``GuidanceCatalog``, ``RegionalStandard``). The transitions are in
``portal.filings``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import localized
from .identity import Organization, Region


class FilingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONSULTATION = "consultation", _("In consultation")
    SUBMITTED = "submitted", _("Filed with the ministry")
    UNDER_REVIEW = "under_review", _("Under ministry review")
    RETURNED = "returned", _("Returned by the ministry")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")
    LAPSED = "lapsed", _("Lapsed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class FilingStatus(models.TextChoices):
    """What a filing is on a given day: its state, and for published ones whether it is in
    force. Derived on read from the dates, so it is right even before the daily task has
    made it durable."""

    DRAFT = "draft", _("Draft")
    CONSULTATION = "consultation", _("In consultation")
    SUBMITTED = "submitted", _("Filed with the ministry")
    UNDER_REVIEW = "under_review", _("Under ministry review")
    RETURNED = "returned", _("Returned by the ministry")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Published, not yet in force")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")
    LAPSED = "lapsed", _("Lapsed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# States in which a filing has been published (its effective period is public record).
PUBLISHED_STATES = (FilingState.PUBLISHED, FilingState.SUPERSEDED, FilingState.LAPSED)
# States in which the drafters may still change the content: while drafting, and during
# consultation (answers often say "adopted: changed"). Filed, it is frozen.
EDITABLE_STATES = (FilingState.DRAFT, FilingState.CONSULTATION)


class FilingBase(models.Model):
    """One version of a province's filing."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    notes_zh = models.TextField(_("explanatory notes (Chinese)"), blank=True)
    notes_en = models.TextField(_("explanatory notes (English)"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=FilingState.choices, default=FilingState.DRAFT
    )
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    expires_on = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("The last day of validity; 3 to 5 years after the effective date."),
    )
    superseded_on = models.DateField(
        _("superseded on"),
        null=True,
        blank=True,
        help_text=_("Set when a newer version is published: its effective date."),
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    consultation_deadline = models.DateField(_("consultation until"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("filed"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["region__code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "version"], name="%(app_label)s_%(class)s_region_version"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(effective_from__isnull=True)
                | models.Q(expires_on__gt=models.F("effective_from")),
                name="%(app_label)s_%(class)s_expires_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(state__in=["published", "superseded", "lapsed"])
                | (
                    models.Q(effective_from__isnull=False)
                    & models.Q(expires_on__isnull=False)
                    & models.Q(published_at__isnull=False)
                ),
                name="%(app_label)s_%(class)s_published_has_period",
            ),
        ]
        # Concrete models index (region, state) and (state, expires_on): the lists of a
        # province and the daily lapse task filter on them. Index names must be short,
        # so each model names its own.

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)

    @property
    def notes(self) -> str:
        return localized(self.notes_zh, self.notes_en)

    @property
    def ends_on(self) -> dt.date | None:
        """The last day in force: the end of validity, or the day before a newer version
        took effect."""
        if self.expires_on is None:
            return None
        if self.superseded_on is not None:
            return min(self.expires_on, self.superseded_on - dt.timedelta(days=1))
        return self.expires_on

    def status_on(self, day: dt.date) -> FilingStatus:
        if self.state == FilingState.WITHDRAWN:
            return FilingStatus.WITHDRAWN
        if self.state not in PUBLISHED_STATES:
            return FilingStatus(self.state)
        assert self.effective_from is not None
        assert self.expires_on is not None
        if day < self.effective_from:
            return FilingStatus.SCHEDULED
        if self.superseded_on is not None and day >= self.superseded_on:
            return FilingStatus.SUPERSEDED
        if day > self.expires_on:
            return FilingStatus.LAPSED
        return FilingStatus.IN_FORCE

    def is_in_force_on(self, day: dt.date) -> bool:
        return self.status_on(day) == FilingStatus.IN_FORCE


class ConsultationInvitationBase(models.Model):
    """A stakeholder organization invited to comment on a draft."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)

    class Meta:
        abstract = True


class ConsultationCommentBase(models.Model):
    """A stakeholder's comment on a draft (or one of its entries), and the drafter's
    answer. The ministry reads both with the submission."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class FilingReminder(models.Model):
    """A reminder sent to a filing's drafters before or at its expiry, so that each one is
    sent once whatever happens to the daily task."""

    class Milestone(models.TextChoices):
        DAYS_90 = "90", _("90 days before expiry")
        DAYS_30 = "30", _("30 days before expiry")
        EXPIRED = "0", _("at expiry")

    target_model = models.CharField(_("filing type"), max_length=100)
    target_id = models.CharField(_("filing id"), max_length=64)
    milestone = models.CharField(_("milestone"), max_length=4, choices=Milestone.choices)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("filing reminder")
        verbose_name_plural = _("filing reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["target_model", "target_id", "milestone"], name="filing_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_model}#{self.target_id} {self.milestone}"
