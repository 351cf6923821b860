"""What the authorities publish: announcements (通知公告), policy interpretations (政策解读),
FAQ entries, and the reports a province sends to the ministry.

A publication belongs to its authority (the ministry or a provincial-level authority),
is written by one of its information officers and approved by another. Its body is
Markdown, stored with the sanitised HTML of each language (``portal.richtext``), which
the services render on every write. A publication may name what it is about
(``PublicationLink``: a province's Guidance Catalog, its regional standard...), by the
kinds of subject apps register in ``portal.publications``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import localized


class Publication(models.Model):
    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("Announcement")
        INTERPRETATION = "interpretation", _("Policy interpretation")
        FAQ = "faq", _("Frequently asked question")
        REPORT = "report", _("Report to the ministry")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        RETURNED = "returned", _("Returned")
        # A report in this state has been delivered to the ministry, never made public.
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    authority = models.ForeignKey(
        "portal.Organization",
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        related_name="publications",
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    summary_zh = models.CharField(_("summary (Chinese)"), max_length=500, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=500, blank=True)
    body_zh = models.TextField(_("text (Chinese, Markdown)"), blank=True)
    body_en = models.TextField(_("text (English, Markdown)"), blank=True)
    # Rendered from the Markdown and sanitised by the services on every write.
    body_zh_html = models.TextField(_("text (Chinese, HTML)"), blank=True, editable=False)
    body_en_html = models.TextField(_("text (English, HTML)"), blank=True, editable=False)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    returned_reason = models.TextField(_("reason for returning"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawing"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-published_on", "-pk"]
        indexes = [
            # The public lists and feeds: published, newest first.
            models.Index(fields=["state", "-published_on"], name="pub_state_date_idx"),
            # An authority's list, feed and desk.
            models.Index(fields=["authority", "kind", "state"], name="pub_authority_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state__in=["published", "withdrawn"])
                | (models.Q(published_on__isnull=False) & models.Q(reviewer__isnull=False)),
                name="pub_published_has_date_and_reviewer",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["announcement", "interpretation", "faq", "report"]),
                name="pub_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"

    @property
    def is_report(self) -> bool:
        return self.kind == self.Kind.REPORT

    @property
    def is_public(self) -> bool:
        """Shown on the public pages and feeds: published, and not a report."""
        return self.state == self.State.PUBLISHED and not self.is_report

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)

    @property
    def summary(self) -> str:
        return localized(self.summary_zh, self.summary_en)

    def text_in(self, language: str) -> tuple[str, str, str, bool]:
        """(title, summary, HTML body, whether the other language stands in) for the page
        language; a missing language falls back to the other one."""
        english = language.lower().startswith("en")
        mine = (
            (self.title_en, self.summary_en, self.body_en_html)
            if english
            else (self.title_zh, self.summary_zh, self.body_zh_html)
        )
        other = (
            (self.title_zh, self.summary_zh, self.body_zh_html)
            if english
            else (self.title_en, self.summary_en, self.body_en_html)
        )
        if mine[0] and mine[2]:
            return (*mine, False)
        return (*other, True)


class PublicationLink(models.Model):
    """What a publication is about: a subject of a registered kind, by its key (for a
    province's Guidance Catalog or regional standard, the province's code, so that the
    link survives new versions)."""

    publication = models.ForeignKey(
        Publication,
        verbose_name=_("publication"),
        on_delete=models.CASCADE,
        related_name="links",
    )
    subject_kind = models.CharField(_("kind of subject"), max_length=40)
    subject_key = models.CharField(_("subject"), max_length=64)

    class Meta:
        verbose_name = _("publication subject")
        verbose_name_plural = _("publication subjects")
        ordering = ["subject_kind", "subject_key"]
        indexes = [
            models.Index(fields=["subject_kind", "subject_key"], name="publink_subject_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "subject_kind", "subject_key"],
                name="publink_unique_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_kind}:{self.subject_key}"
