"""Talent recognition standards as versioned data.

* ``NationalStandard``: a version of the national unified standard kept by MOHRSS (the
  2017 classification standard; the 2025 revision with its refined achievement standard).
* ``RegionalStandard``: a province's supplementary standard under the 2025 notice (local
  Category A routes and the points bonus of item 9), filed through the shared lifecycle.
* ``RecognitionRoute``: one way to be recognised as Category A or B, belonging to a
  national version or to a regional standard, with how it is evaluated (``kind`` and
  ``parameters``).
* ``PointsTable`` / ``PointsItem``: the points table by version (2017 final; 2016 pilot
  kept for history), each item with its bands as data.
* ``BonusRule``: a provincial bonus rule (item 9, 0-10 points in all) of a regional
  standard.
* ``AverageWage``: the average wage of a province in a year, which the salary-multiple
  routes compare with.
* ``RecognitionAgreement``: mutual recognition of regional standards between provinces.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Region
from portal.models.base import localized
from portal.models.filing import (
    ConsultationCommentBase,
    ConsultationInvitationBase,
    FilingBase,
)


class Category(models.TextChoices):
    A = "A", _("Category A (high-end talent)")
    B = "B", _("Category B (professional talent)")
    C = "C", _("Category C (other foreign personnel)")


class PointsTable(models.Model):
    """A version of the points table (计点积分表)."""

    version = models.CharField(_("version"), max_length=32, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    threshold_a = models.PositiveSmallIntegerField(_("points for Category A"), default=85)
    threshold_b = models.PositiveSmallIntegerField(_("points for Category B"), default=60)
    effective_from = models.DateField(_("in use from"))
    effective_until = models.DateField(_("in use until"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("points table")
        verbose_name_plural = _("points tables")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold_a__gt=models.F("threshold_b")),
                name="points_table_a_above_b",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)

    def in_use_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_until is None or day <= self.effective_until
        )


class PointsItem(models.Model):
    """One item of a points table and its bands.

    ``key`` names the fact it scores (salary, education, experience, months_in_china,
    chinese, location, age, bonus, provincial_bonus); ``scheme`` how the bands read and
    ``bands`` the data (see ``talent_standards.engine`` for each scheme's shape).
    """

    class Scheme(models.TextChoices):
        RANGES = "ranges", _("Ranges of a number")
        CHOICES = "choices", _("Points per answer")
        PER_YEAR = "per_year", _("Points per year")
        ANY_FLAG = "any_flag", _("Points if any listed fact holds")
        LOCATION = "location", _("Work location")
        AGE = "age", _("Age bands")
        PROVINCIAL = "provincial", _("Provincial bonus rules")

    table = models.ForeignKey(
        PointsTable, verbose_name=_("table"), on_delete=models.CASCADE, related_name="items"
    )
    number = models.PositiveSmallIntegerField(_("item number"))
    key = models.CharField(_("key"), max_length=32)
    title_zh = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=100, blank=True)
    max_points = models.PositiveSmallIntegerField(_("maximum points"))
    scheme = models.CharField(_("scheme"), max_length=16, choices=Scheme.choices)
    bands = models.JSONField(_("bands"), default=dict)

    class Meta:
        ordering = ["table", "number"]
        verbose_name = _("points item")
        verbose_name_plural = _("points items")
        constraints = [
            models.UniqueConstraint(fields=["table", "key"], name="points_item_key_once"),
            models.UniqueConstraint(fields=["table", "number"], name="points_item_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title} ({self.max_points})"

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)


class NationalStandard(models.Model):
    """A version of the national unified standard (全国统一的外国人才认定标准)."""

    version = models.CharField(_("version"), max_length=32, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_zh = models.TextField(_("summary (Chinese)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    points_table = models.ForeignKey(
        PointsTable,
        verbose_name=_("points table"),
        on_delete=models.PROTECT,
        related_name="national_standards",
    )
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("national standard")
        verbose_name_plural = _("national standards")

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)

    @property
    def summary(self) -> str:
        return localized(self.summary_zh, self.summary_en)

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_until is None or day <= self.effective_until
        )


class RegionalStandard(FilingBase):
    """A province's supplementary recognition standard (区域性外国人才认定标准)."""

    class Meta(FilingBase.Meta):
        verbose_name = _("regional standard")
        verbose_name_plural = _("regional standards")
        indexes = [
            models.Index(fields=["region", "state"], name="regstd_region_state_idx"),
            models.Index(fields=["state", "expires_on"], name="regstd_state_expiry_idx"),
        ]


class RecognitionRoute(models.Model):
    """One way to be recognised, and how it is evaluated.

    ``kind`` says which evaluator of the engine applies and ``parameters`` its figures:

    * ``points``: ``{}`` (the category's threshold of the standard's points table);
    * ``salary_multiple``: ``{"multiple": 6}`` times the province's average wage of the
      previous year;
    * ``salary_amount``: ``{"min_annual_salary_cny": "1000000"}`` (regional routes);
    * ``degree_experience``: ``{"min_education": "bachelor", "min_years": 2}``;
    * ``language_teacher``: ``{"min_education": "bachelor", "min_teaching_years": 2}``;
    * ``catalog_listing``: ``{}`` (the province's Guidance Catalog in force);
    * ``listed_achievement``: ``{"list": [{"code": ..., "title_zh": ..., "title_en": ...}]}``
      (prizes, academies, programmes: an officer confirms the evidence);
    * ``officer_judgement``: ``{}`` (e.g. innovative entrepreneur: evidence, then an
      officer decides).

    Every kind accepts ``max_age`` (B routes: 60 in principle).
    """

    class Kind(models.TextChoices):
        POINTS = "points", _("Points at or above the threshold")
        SALARY_MULTIPLE = "salary_multiple", _("Salary a multiple of the average wage")
        SALARY_AMOUNT = "salary_amount", _("Salary at or above an amount")
        DEGREE_EXPERIENCE = "degree_experience", _("Degree and relevant experience")
        LANGUAGE_TEACHER = "language_teacher", _("Foreign language teacher")
        CATALOG_LISTING = "catalog_listing", _("Listed in the Guidance Catalog")
        LISTED_ACHIEVEMENT = "listed_achievement", _("Listed achievement or programme")
        OFFICER_JUDGEMENT = "officer_judgement", _("Assessed by an officer")

    national_standard = models.ForeignKey(
        NationalStandard,
        verbose_name=_("national standard"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routes",
    )
    regional_standard = models.ForeignKey(
        RegionalStandard,
        verbose_name=_("regional standard"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routes",
    )
    code = models.CharField(_("code"), max_length=32)
    category = models.CharField(_("category"), max_length=1, choices=Category.choices)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    evidence_zh = models.TextField(
        _("evidence (Chinese)"), blank=True, help_text=_("One document per line.")
    )
    evidence_en = models.TextField(
        _("evidence (English)"), blank=True, help_text=_("One document per line.")
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["category", "position", "code"]
        verbose_name = _("recognition route")
        verbose_name_plural = _("recognition routes")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(national_standard__isnull=False)
                    & models.Q(regional_standard__isnull=True)
                )
                | (
                    models.Q(national_standard__isnull=True)
                    & models.Q(regional_standard__isnull=False)
                ),
                name="route_belongs_to_one_standard",
            ),
            models.UniqueConstraint(
                fields=["national_standard", "code"],
                condition=models.Q(national_standard__isnull=False),
                name="route_code_once_national",
            ),
            models.UniqueConstraint(
                fields=["regional_standard", "code"],
                condition=models.Q(regional_standard__isnull=False),
                name="route_code_once_regional",
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=["A", "B"]),
                name="route_category_a_or_b",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)

    @property
    def description(self) -> str:
        return localized(self.description_zh, self.description_en)

    @property
    def evidence(self) -> list[str]:
        text = localized(self.evidence_zh, self.evidence_en)
        return [line.strip() for line in text.splitlines() if line.strip()]


class BonusRule(models.Model):
    """A provincial bonus rule (item 9 of the points table), 0-10 points in all.

    ``condition`` is evaluated by the engine with ``parameters``:

    * ``always``: every job in the province;
    * ``occupation_prefix``: ``{"prefixes": ["2-02-10"]}``;
    * ``catalog_listed``: the occupation is in the province's Guidance Catalog in force;
    * ``salary_at_least``: ``{"min_annual_salary_cny": "500000"}``;
    * ``education_at_least``: ``{"min_education": "master"}``;
    * ``declared_fact``: ``{"fact": "..."}``, a fact the applicant declares and an officer
      confirms (e.g. an employer in a designated zone).
    """

    class Condition(models.TextChoices):
        ALWAYS = "always", _("Every job in the province")
        OCCUPATION_PREFIX = "occupation_prefix", _("Occupation in listed groups")
        CATALOG_LISTED = "catalog_listed", _("Occupation in the province's catalog")
        SALARY_AT_LEAST = "salary_at_least", _("Salary at or above an amount")
        EDUCATION_AT_LEAST = "education_at_least", _("Education at or above a level")
        DECLARED_FACT = "declared_fact", _("A declared fact an officer confirms")

    regional_standard = models.ForeignKey(
        RegionalStandard,
        verbose_name=_("regional standard"),
        on_delete=models.CASCADE,
        related_name="bonus_rules",
    )
    code = models.CharField(_("code"), max_length=32)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    condition = models.CharField(_("condition"), max_length=24, choices=Condition.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    points = models.PositiveSmallIntegerField(
        _("points"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        ordering = ["regional_standard", "code"]
        verbose_name = _("provincial bonus rule")
        verbose_name_plural = _("provincial bonus rules")
        constraints = [
            models.UniqueConstraint(
                fields=["regional_standard", "code"], name="bonus_rule_code_once"
            ),
            models.CheckConstraint(
                condition=models.Q(points__gte=1) & models.Q(points__lte=10),
                name="bonus_rule_points_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} +{self.points}"

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)


class AverageWage(models.Model):
    """The average annual wage of a province in a year, as published."""

    region = models.ForeignKey(
        Region, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    amount_cny = models.DecimalField(
        _("average annual wage (CNY)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("1"))],
    )
    source = models.CharField(
        _("source"),
        max_length=255,
        help_text=_("The statistical bulletin it comes from, or “demo figure”."),
    )
    is_demo = models.BooleanField(_("demonstration figure"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        ordering = ["region__code", "-year"]
        verbose_name = _("average wage")
        verbose_name_plural = _("average wages")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="average_wage_once"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}: {self.amount_cny}"


class RegionalStandardInvitation(ConsultationInvitationBase):
    standard = models.ForeignKey(
        RegionalStandard,
        verbose_name=_("regional standard"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )

    class Meta:
        verbose_name = _("consultation invitation")
        verbose_name_plural = _("consultation invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "organization"], name="regstd_invitation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard} → {self.organization}"

    @property
    def filing(self) -> RegionalStandard:
        return self.standard


class RegionalStandardComment(ConsultationCommentBase):
    standard = models.ForeignKey(
        RegionalStandard,
        verbose_name=_("regional standard"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    route = models.ForeignKey(
        RecognitionRoute,
        verbose_name=_("route"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    part_code = models.CharField(
        _("part commented on"),
        max_length=32,
        blank=True,
        help_text=_("The code of the route or bonus rule, kept if it is later removed."),
    )

    class Meta(ConsultationCommentBase.Meta):
        verbose_name = _("consultation comment")
        verbose_name_plural = _("consultation comments")

    def __str__(self) -> str:
        return f"{self.standard} · {self.organization}"

    @property
    def filing(self) -> RegionalStandard:
        return self.standard


class RecognitionAgreement(models.Model):
    """Mutual recognition of regional standards between two provinces (互认).

    One province proposes, the other accepts (or declines); it applies from
    ``effective_from`` until ``ends_on`` (open-ended when empty). Withdrawal by either
    province sets ``ends_on``: the agreement stays on record, and recognitions granted
    while it applied stay valid for the dates it applied.
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("In effect")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled before acceptance")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    proposer = models.ForeignKey(
        Region, verbose_name=_("proposing province"), on_delete=models.PROTECT, related_name="+"
    )
    partner = models.ForeignKey(
        Region, verbose_name=_("partner province"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PROPOSED
    )
    effective_from = models.DateField(_("effective from"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    terms_zh = models.TextField(_("terms (Chinese)"), blank=True)
    terms_en = models.TextField(_("terms (English)"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-effective_from", "pk"]
        verbose_name = _("mutual recognition agreement")
        verbose_name_plural = _("mutual recognition agreements")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(proposer=models.F("partner")),
                name="agreement_two_provinces",
            ),
            # Withdrawn before it took effect, it ends the day before its start: it never
            # applied.
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("effective_from") - dt.timedelta(days=1)),
                name="agreement_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["proposer", "state"], name="agreement_proposer_idx"),
            models.Index(fields=["partner", "state"], name="agreement_partner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.proposer.name} ↔ {self.partner.name}"

    @property
    def terms(self) -> str:
        return localized(self.terms_zh, self.terms_en)

    def applies_on(self, day: dt.date) -> bool:
        return (
            self.state in (self.State.ACCEPTED, self.State.WITHDRAWN)
            and self.effective_from <= day
            and (self.ends_on is None or day <= self.ends_on)
        )
