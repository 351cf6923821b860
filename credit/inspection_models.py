"""Models of "double random, one public" inspection campaigns (双随机、一公开).

A campaign (抽查任务) names a region, a period, a population of employers (抽查对象名录)
and a pool of inspectors (执法检查人员名录). The draw picks the sample of employers and the
inspectors of each at random; what went into the draw (the seed, the population and the pool
as they stood, the exclusions from the region's previous campaign) is stored with the
campaign, so that anyone can re-run it (``credit.inspections`` documents the algorithm,
``manage.py redraw_campaign`` re-runs it). Written only by ``credit.inspections``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.models import Organization, Region


class InspectionCampaign(models.Model):
    """One campaign of random inspections of the employers of a region."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        DRAWN = "drawn", _("Drawn")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Published")

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="inspection_campaigns",
    )
    starts_on = models.DateField(_("period starts"))
    ends_on = models.DateField(_("period ends"))
    population = models.CharField(
        _("population"),
        max_length=64,
        help_text=_("Which employers the sample is drawn from (a registered population)."),
    )
    population_filters = models.JSONField(_("population filters"), default=dict, blank=True)
    sample_size = models.PositiveIntegerField(_("sample size"), validators=[MinValueValidator(1)])
    inspectors_per_employer = models.PositiveSmallIntegerField(
        _("inspectors per employer"), default=2, validators=[MinValueValidator(1)]
    )
    pool = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pool of inspectors"),
        blank=True,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)

    # What the draw used, stored at the draw so that it can be re-run.
    seed = models.CharField(_("seed"), max_length=20, blank=True, default="")
    population_snapshot = models.JSONField(_("population as drawn"), default=list, blank=True)
    pool_snapshot = models.JSONField(_("pool as drawn"), default=list, blank=True)
    exclusions = models.JSONField(
        _("exclusions"),
        default=dict,
        blank=True,
        help_text=_("Inspectors excluded from each employer (the region's previous campaign)."),
    )
    population_size = models.PositiveIntegerField(_("population size"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous campaign of the region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    drawn_at = models.DateTimeField(_("drawn"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("inspection campaign")
        verbose_name_plural = _("inspection campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="credit_campaign_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(sample_size__gte=1), name="credit_campaign_sample_positive"
            ),
            models.CheckConstraint(
                condition=Q(inspectors_per_employer__gte=1),
                name="credit_campaign_inspectors_positive",
            ),
            models.CheckConstraint(
                condition=Q(state="draft", drawn_at__isnull=True, seed="")
                | (~Q(state="draft") & Q(drawn_at__isnull=False) & ~Q(seed="")),
                name="credit_campaign_drawn_has_seed",
            ),
            models.CheckConstraint(
                condition=Q(state="published", published_at__isnull=False)
                | (~Q(state="published") & Q(published_at__isnull=True)),
                name="credit_campaign_published_at",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "drawn_at"], name="credit_campaign_region_idx"),
            models.Index(fields=["state", "published_at"], name="credit_campaign_public_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED


class InspectionAssignment(models.Model):
    """One employer of a campaign's sample, the inspectors drawn for it, and the outcome."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not yet inspected")
        NO_PROBLEM = "no_problem", _("No problem found")
        PROBLEMS = "problems", _("Problems found")

    campaign = models.ForeignKey(
        InspectionCampaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    position = models.PositiveIntegerField(_("position in the draw"))
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uscc = models.CharField(_("Unified Social Credit Identifier"), max_length=18)
    name = models.CharField(_("name as drawn"), max_length=200)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("inspectors"), related_name="+"
    )

    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True)
    facts = models.TextField(_("facts found"), blank=True, default="")
    credit_record = models.OneToOneField(
        "credit.CreditRecord",
        verbose_name=_("credit record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspection_assignment",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "position"]
        verbose_name = _("inspection assignment")
        verbose_name_plural = _("inspection assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "position"], name="credit_assignment_position"
            ),
            models.UniqueConstraint(
                fields=["campaign", "organization"], name="credit_assignment_employer_once"
            ),
            models.CheckConstraint(
                condition=Q(
                    outcome="pending",
                    inspected_on__isnull=True,
                    recorded_at__isnull=True,
                    credit_record__isnull=True,
                )
                | Q(outcome="no_problem", inspected_on__isnull=False, recorded_at__isnull=False)
                | (
                    Q(outcome="problems", inspected_on__isnull=False, recorded_at__isnull=False)
                    & ~Q(facts="")
                ),
                name="credit_assignment_outcome_complete",
            ),
            models.CheckConstraint(
                condition=Q(credit_record__isnull=True) | Q(outcome="problems"),
                name="credit_assignment_record_only_for_findings",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.name}"

    @property
    def is_recorded(self) -> bool:
        return self.outcome != self.Outcome.PENDING
