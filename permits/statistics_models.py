"""Summaries for the statistics pages (``permits.statistics``), recomputed from the
applications and permits by ``permits.statistics.statistics_refresh`` (every 15 minutes by
beat, or ``manage.py refresh_statistics``); pages read these, never the applications.

Every application counts in the month it was (last) submitted, China time, and in its
province. Processing times are in working days as the clocks count them
(``permits.clocks``): holidays and adjusted working days from ``portal.workdays``, the days
an information request stood open left out.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Region

# Histogram buckets: one per working day 0..60, and 61 for everything longer.
HISTOGRAM_OVERFLOW = 61


class StatisticsState(models.Model):
    """Where the last refresh got to (one row, ``key = "permits"``)."""

    key = models.CharField(_("key"), max_length=32, primary_key=True)
    refreshed_at = models.DateTimeField(_("refreshed"), null=True, blank=True)
    full_refreshed_at = models.DateTimeField(_("last full refresh"), null=True, blank=True)
    # Changes from this time on (with an overlap) are picked up by the next refresh.
    changes_from = models.DateTimeField(_("changes from"), null=True, blank=True)
    # State changes (``TransitionRecord``) after this primary key are picked up next time.
    transitions_after = models.BigIntegerField(_("state changes after"), default=0)
    # The working-day calendar the processing times were counted with (a digest).
    calendar_digest = models.CharField(_("calendar digest"), max_length=64, blank=True)
    # Grows whenever a refresh changed the summaries: pages cache what they built by it.
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("statistics refresh")
        verbose_name_plural = _("statistics refreshes")

    def __str__(self) -> str:
        return f"{self.key} {self.refreshed_at}"


class StatisticsWorkday(models.Model):
    """Working days counted from the first day of the table: the working days after day a
    up to and including day b are ``ordinal(b) - ordinal(a)``, one join in SQL."""

    day = models.DateField(_("day"), primary_key=True)
    ordinal = models.IntegerField(_("working days up to the day"))

    class Meta:
        verbose_name = _("working-day ordinal")
        verbose_name_plural = _("working-day ordinals")

    def __str__(self) -> str:
        return f"{self.day} {self.ordinal}"


class MonthlyApplications(models.Model):
    """Applications submitted in a month, counted by province, kind, category, occupation
    major group, nationality and where they stand now (open or their outcome)."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    month = models.DateField(_("month"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("province"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16)
    category = models.CharField(_("category"), max_length=1, blank=True)
    occupation_group = models.CharField(_("occupation major group"), max_length=1, blank=True)
    nationality = models.CharField(_("nationality"), max_length=3, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    submitted = models.PositiveIntegerField(_("submitted"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    information_requested = models.PositiveIntegerField(_("information requested"), default=0)
    approved = models.PositiveIntegerField(_("approved"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    not_accepted = models.PositiveIntegerField(_("not accepted"), default=0)
    withdrawn = models.PositiveIntegerField(_("withdrawn"), default=0)

    class Meta:
        verbose_name = _("monthly application count")
        verbose_name_plural = _("monthly application counts")
        indexes = [models.Index(fields=["month", "region"], name="stats_app_month_region_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "region",
                    "kind",
                    "category",
                    "occupation_group",
                    "nationality",
                    "outcome",
                ],
                name="stats_app_month_once",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_id} {self.kind} {self.submitted}"


class ApplicationRollup(models.Model):
    """``MonthlyApplications`` summed once more at each refresh, for the pages: by month,
    province, kind and category alone (``dimension`` empty), or with one finer dimension
    (``occupation_group`` or ``nationality``, its value in ``value``). A page reads a few
    thousand of these rows instead of the hundreds of thousands of the full summary."""

    class Dimension(models.TextChoices):
        BASE = "", _("Month, province, kind and category")
        OCCUPATION_GROUP = "occupation_group", _("Occupation major group")
        NATIONALITY = "nationality", _("Nationality")

    dimension = models.CharField(
        _("dimension"), max_length=16, choices=Dimension.choices, blank=True
    )
    month = models.DateField(_("month"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("province"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16)
    category = models.CharField(_("category"), max_length=1, blank=True)
    value = models.CharField(_("value"), max_length=3, blank=True)
    submitted = models.PositiveIntegerField(_("submitted"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    information_requested = models.PositiveIntegerField(_("information requested"), default=0)
    approved = models.PositiveIntegerField(_("approved"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    not_accepted = models.PositiveIntegerField(_("not accepted"), default=0)
    withdrawn = models.PositiveIntegerField(_("withdrawn"), default=0)

    class Meta:
        verbose_name = _("application count rolled up")
        verbose_name_plural = _("application counts rolled up")
        indexes = [
            models.Index(
                fields=["dimension", "month", "region"], name="stats_rollup_dim_month_idx"
            ),
            models.Index(fields=["month", "region"], name="stats_rollup_month_region_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "month", "region", "kind", "category", "value"],
                name="stats_rollup_once",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension or '-'} {self.month:%Y-%m} {self.region_id} {self.value}"


class ProcessingHistogram(models.Model):
    """How many applications of a month, province and category took ``days`` working days
    for a stage (``HISTOGRAM_OVERFLOW``: more than 60). Summing rows of any filter gives
    the exact distribution, so its median and 90th percentile."""

    class Stage(models.TextChoices):
        ACCEPTANCE = "acceptance", _("Acceptance")
        DECISION = "decision", _("Decision")
        OVERALL = "overall", _("Overall")

    month = models.DateField(_("month"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("province"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.CharField(_("category"), max_length=1, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    days = models.PositiveSmallIntegerField(_("working days"))
    count = models.PositiveIntegerField(_("applications"))

    class Meta:
        verbose_name = _("processing-time histogram")
        verbose_name_plural = _("processing-time histograms")
        indexes = [models.Index(fields=["month", "region"], name="stats_hist_month_region_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region", "category", "stage", "days"],
                name="stats_hist_once",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(days__lte=HISTOGRAM_OVERFLOW), name="stats_hist_days_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.stage} {self.days}: {self.count}"


class PermitsInForce(models.Model):
    """Work permits in force (active, not past their last day) by province and category,
    on the day of the last refresh."""

    region = models.ForeignKey(
        Region, verbose_name=_("province"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(_("category"), max_length=1)
    count = models.PositiveIntegerField(_("permits"))

    class Meta:
        verbose_name = _("permits in force")
        verbose_name_plural = _("permits in force")
        constraints = [
            models.UniqueConstraint(fields=["region", "category"], name="stats_permits_once"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.category}: {self.count}"
