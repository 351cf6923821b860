"""Who is who: regions, organizations, users, and the foreign workers permits are for."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from portal.countries import COUNTRY_CHOICES
from portal.identifiers import validate_division_code, validate_uscc_shape

from .base import localized


class Region(models.Model):
    """An administrative division (行政区划) identified by its GB/T 2260 code.

    The 31 provincial-level divisions are loaded by migration. Finer divisions (prefecture,
    county) may be added as data when acceptance is delegated below the province; they name
    their province as ``parent``. The flags feed the points table's work-location item and
    are edited by site admins, because which regions qualify is policy, not code.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Provincial level")
        PREFECTURE = "prefecture", _("Prefecture level")
        COUNTY = "county", _("County level")

    code = models.CharField(
        _("division code"),
        max_length=6,
        unique=True,
        validators=[validate_division_code],
        help_text=_("Six-digit GB/T 2260 administrative division code."),
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=64)
    level = models.CharField(
        _("level"), max_length=16, choices=Level.choices, default=Level.PROVINCE
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent division"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    is_western_region = models.BooleanField(
        _("western region"),
        default=False,
        help_text=_("Covered by the Western Development strategy (西部大开发)."),
    )
    is_northeast_old_industrial_base = models.BooleanField(
        _("north-east old industrial base"), default=False
    )
    is_designated_poverty_area = models.BooleanField(_("designated poverty area"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(level="province") & models.Q(parent__isnull=True))
                | (~models.Q(level="province") & models.Q(parent__isnull=False)),
                name="region_parent_matches_level",
            ),
        ]
        permissions = [
            ("accept_applications", _("Can accept applications in the region")),
            ("decide_applications", _("Can decide applications in the region")),
            ("draft_filings", _("Can draft the region's standards and catalogs")),
            ("inspect_employers", _("Can inspect employers in the region")),
            ("read_partner_data", _("Can read shared data of the region")),
            ("review_filings", _("Can review filings of every region")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def earns_location_points(self) -> bool:
        return (
            self.is_western_region
            or self.is_northeast_old_industrial_base
            or self.is_designated_poverty_area
        )


class Organization(models.Model):
    """An organization that acts in the portal: an employer, an agency, an authority."""

    class Kind(models.TextChoices):
        EMPLOYER = "employer", _("Employer")
        SERVICE_AGENCY = "service_agency", _("Service agency")
        PROVINCIAL_AUTHORITY = "provincial_authority", _("Work permit authority")
        MINISTRY = "ministry", _("Ministry")
        PARTNER_AGENCY = "partner_agency", _("Partner agency")
        INDUSTRY_ASSOCIATION = "industry_association", _("Industry association")

    class AuthorityLevel(models.TextChoices):
        PROVINCIAL = "provincial", _("Provincial level")
        SUB_PROVINCIAL = "sub_provincial", _("Below provincial level (delegated)")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    uscc = models.CharField(
        _("Unified Social Credit Identifier"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_uscc_shape],
    )
    uscc_check_failed = models.BooleanField(
        _("check character mismatch"),
        default=False,
        help_text=_(
            "The identifier's check character does not match. Such codes exist in the "
            "wild; an officer verifies the business licence before relying on it."
        ),
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
    )
    authority_level = models.CharField(
        _("authority level"),
        max_length=16,
        choices=AuthorityLevel.choices,
        blank=True,
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "name_zh"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [models.Index(fields=["kind", "region"], name="org_kind_region_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind__in=["employer", "service_agency"])
                | models.Q(uscc__isnull=False),
                name="org_employer_agency_have_uscc",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="ministry") | models.Q(region__isnull=False),
                name="org_region_required_below_ministry",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="provincial_authority")
                    & models.Q(authority_level__in=["provincial", "sub_provincial"])
                )
                | (~models.Q(kind="provincial_authority") & models.Q(authority_level="")),
                name="org_authority_level_only_for_authorities",
            ),
        ]
        permissions = [
            ("act_for_organization", _("Can act for the organization")),
            ("manage_organization_users", _("Can manage the organization's users")),
            (
                "respond_to_consultations",
                _("Can comment on drafts the organization is consulted on"),
            ),
            (
                "publish_information",
                _("Can draft and approve the authority's publications and reports"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)

    @property
    def is_provincial_authority(self) -> bool:
        return (
            self.kind == self.Kind.PROVINCIAL_AUTHORITY
            and self.authority_level == self.AuthorityLevel.PROVINCIAL
        )


class PortalUserManager(UserManager["User"]):
    pass


class User(AbstractUser):
    """A person who signs in. Belongs to at most one organization.

    Roles are groups and their scope is an object permission on a Region or an
    Organization (see ``portal.roles``); ``organization`` says whom the person works for.
    """

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
    )

    objects = PortalUserManager()  # type: ignore[misc]

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
                violation_error_message=_("A user with this e-mail address exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username


class Foreigner(models.Model):
    """The foreign worker as a person (外国人), independent of any employer.

    A second employer applying for the same person finds this record (by passport) instead
    of creating a twin. The lifelong permit number (“one person, one number”) is allocated
    when the person's first permit is issued and never changes.
    """

    class Sex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")
        UNSPECIFIED = "X", _("Unspecified")

    surname = models.CharField(_("surname (as in passport)"), max_length=100)
    given_names = models.CharField(_("given names (as in passport)"), max_length=150, blank=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    nationality = models.CharField(
        _("nationality"),
        max_length=3,
        choices=COUNTRY_CHOICES,
        help_text=_("ISO 3166-1 alpha-3 code."),
    )
    permit_number = models.CharField(
        _("permit number"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-Z]{18}$")],
        help_text=_("Lifelong number, allocated with the first permit."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["surname", "given_names"]
        verbose_name = _("foreign worker")
        verbose_name_plural = _("foreign workers")
        indexes = [
            models.Index(fields=["surname", "given_names"], name="foreigner_name_idx"),
        ]

    def __str__(self) -> str:
        return self.latin_name

    @property
    def latin_name(self) -> str:
        return f"{self.surname} {self.given_names}".strip()


class Passport(models.Model):
    """A passport held by a foreigner. A renewed passport is a new row, not an edit."""

    foreigner = models.ForeignKey(
        Foreigner,
        verbose_name=_("holder"),
        on_delete=models.CASCADE,
        related_name="passports",
    )
    number = models.CharField(
        _("passport number"),
        max_length=20,
        validators=[RegexValidator(r"^[0-9A-Z]{5,20}$")],
    )
    issuing_country = models.CharField(_("issuing country"), max_length=3, choices=COUNTRY_CHOICES)
    issue_date = models.DateField(_("date of issue"))
    expiry_date = models.DateField(_("date of expiry"))
    is_current = models.BooleanField(_("current"), default=True)

    class Meta:
        ordering = ["-is_current", "-expiry_date"]
        verbose_name = _("passport")
        verbose_name_plural = _("passports")
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_country", "number"], name="passport_unique_number"
            ),
            models.UniqueConstraint(
                fields=["foreigner"],
                condition=models.Q(is_current=True),
                name="passport_one_current_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(expiry_date__gt=models.F("issue_date")),
                name="passport_expiry_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuing_country} {self.number}"
