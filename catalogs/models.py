"""The National Occupational Classification and the provinces' Guidance Catalogs.

* ``Occupation``: a group or occupation of the National Occupational Classification of
  the People's Republic of China (国家职业分类大典), by edition. Codes ``D-DD-DD-DD``:
  major group, medium group, minor group, detailed occupation (细类).
* ``GuidanceCatalog``: one version of a province's Guidance Catalog for Foreigners
  Working in China (外国人来华工作指导目录), filed with MOHRSS under the 2025 notice.
* ``CatalogEntry``: a detailed occupation the catalog lists, with its competency
  requirements (education, experience, skills, salary).
"""

from __future__ import annotations

import re

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models.base import localized
from portal.models.filing import (
    ConsultationCommentBase,
    ConsultationInvitationBase,
    FilingBase,
)

CODE_PATTERN = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")
CURRENT_EDITION = 2022


class Occupation(models.Model):
    class Level(models.IntegerChoices):
        MAJOR = 1, _("Major group")
        MEDIUM = 2, _("Medium group")
        MINOR = 3, _("Minor group")
        DETAILED = 4, _("Detailed occupation")

    edition = models.PositiveSmallIntegerField(_("edition"), default=CURRENT_EDITION)
    code = models.CharField(
        _("code"),
        max_length=10,
        validators=[RegexValidator(CODE_PATTERN.pattern)],
        help_text=_("D-DD-DD-DD: major, medium and minor group, occupation."),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    definition = models.TextField(_("definition"), blank=True)
    is_digital = models.BooleanField(
        _("digital occupation"), default=False, help_text=_("Marked S in the classification.")
    )
    is_green = models.BooleanField(
        _("green occupation"), default=False, help_text=_("Marked L in the classification.")
    )
    parent_code = models.CharField(
        _("parent group code"),
        max_length=10,
        blank=True,
        help_text=_("Derived from the code: the group this entry belongs to."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        help_text=_(
            "The nearest group present in the edition (the parent group itself unless the "
            "edition lacks it)."
        ),
    )
    imported_at = models.DateTimeField(_("last imported"), auto_now=True)

    class Meta:
        ordering = ["edition", "code"]
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="occupation_edition_code"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1) & models.Q(level__lte=4),
                name="occupation_level_range",
            ),
        ]
        indexes = [
            models.Index(fields=["edition", "level", "code"], name="occupation_ed_level_idx"),
            models.Index(fields=["edition", "parent"], name="occupation_ed_parent_idx"),
            # The API's ``parent`` filter and the tree's children read the derived code.
            models.Index(fields=["edition", "parent_code"], name="occupation_ed_pcode_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)

    @property
    def is_detailed(self) -> bool:
        return self.level == self.Level.DETAILED


class GuidanceCatalog(FilingBase):
    """One version of a province's Guidance Catalog for Foreigners Working in China."""

    edition = models.PositiveSmallIntegerField(
        _("classification edition"),
        default=CURRENT_EDITION,
        help_text=_("The edition of the occupational classification its entries use."),
    )

    class Meta(FilingBase.Meta):
        verbose_name = _("Guidance Catalog")
        verbose_name_plural = _("Guidance Catalogs")
        indexes = [
            models.Index(fields=["region", "state"], name="catalog_region_state_idx"),
            models.Index(fields=["state", "expires_on"], name="catalog_state_expiry_idx"),
        ]


class CatalogEntry(models.Model):
    """A detailed occupation listed in a catalog, with its competency requirements."""

    class Category(models.TextChoices):
        A = "A", _("Category A (high-end talent)")
        B = "B", _("Category B (professional talent)")

    class Education(models.TextChoices):
        NONE = "none", _("No minimum")
        VOCATIONAL = "vocational", _("Vocational qualification")
        BACHELOR = "bachelor", _("Bachelor's degree")
        MASTER = "master", _("Master's degree")
        DOCTORATE = "doctorate", _("Doctorate")

    catalog = models.ForeignKey(
        GuidanceCatalog,
        verbose_name=_("catalog"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    occupation = models.ForeignKey(
        Occupation,
        verbose_name=_("occupation"),
        on_delete=models.PROTECT,
        related_name="catalog_entries",
    )
    category = models.CharField(
        _("category supported"), max_length=1, choices=Category.choices, default=Category.B
    )
    min_education = models.CharField(
        _("minimum education"), max_length=16, choices=Education.choices, default=Education.NONE
    )
    min_experience_years = models.PositiveSmallIntegerField(
        _("minimum years of relevant experience"), default=0
    )
    skills_zh = models.TextField(_("required skills or certificates (Chinese)"), blank=True)
    skills_en = models.TextField(_("required skills or certificates (English)"), blank=True)
    min_annual_salary_cny = models.DecimalField(
        _("minimum annual salary (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    remarks_zh = models.TextField(_("remarks (Chinese)"), blank=True)
    remarks_en = models.TextField(_("remarks (English)"), blank=True)

    class Meta:
        ordering = ["catalog", "occupation__code"]
        verbose_name = _("catalog entry")
        verbose_name_plural = _("catalog entries")
        constraints = [
            models.UniqueConstraint(
                fields=["catalog", "occupation"], name="catalog_entry_one_per_occupation"
            ),
            models.CheckConstraint(
                condition=models.Q(min_annual_salary_cny__isnull=True)
                | models.Q(min_annual_salary_cny__gte=0),
                name="catalog_entry_salary_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(min_experience_years__lte=50),
                name="catalog_entry_experience_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.catalog} · {self.occupation.code}"

    @property
    def skills(self) -> str:
        return localized(self.skills_zh, self.skills_en)

    @property
    def remarks(self) -> str:
        return localized(self.remarks_zh, self.remarks_en)


class CatalogInvitation(ConsultationInvitationBase):
    catalog = models.ForeignKey(
        GuidanceCatalog,
        verbose_name=_("catalog"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )

    class Meta:
        verbose_name = _("consultation invitation")
        verbose_name_plural = _("consultation invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["catalog", "organization"], name="catalog_invitation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.catalog} → {self.organization}"

    @property
    def filing(self) -> GuidanceCatalog:
        return self.catalog


class CatalogComment(ConsultationCommentBase):
    catalog = models.ForeignKey(
        GuidanceCatalog,
        verbose_name=_("catalog"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    entry = models.ForeignKey(
        CatalogEntry,
        verbose_name=_("entry"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    occupation_code = models.CharField(
        _("occupation commented on"),
        max_length=10,
        blank=True,
        help_text=_("Kept when the entry is later removed from the draft."),
    )

    class Meta(ConsultationCommentBase.Meta):
        verbose_name = _("consultation comment")
        verbose_name_plural = _("consultation comments")

    def __str__(self) -> str:
        return f"{self.catalog} · {self.organization}"

    @property
    def filing(self) -> GuidanceCatalog:
        return self.catalog
