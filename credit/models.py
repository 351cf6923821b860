"""Credit records (信用记录) of employers, service agencies and foreign workers.

A record is kept as versions of one series. Two times are kept apart (bitemporal):

* when it was true: the effect period ``effective_from`` .. ``effective_until`` (inclusive;
  open-ended when ``effective_until`` is empty), the valid time the standing reads;
* when we knew it: ``recorded_at`` .. ``superseded_at``, the transaction time of the
  version. The current version of a series is the one with no ``superseded_at``.

A correction is a new version (``version`` + 1, ``supersedes`` the previous one) and a
revocation is a version too (state ``revoked``); the only write to an old version is
closing its transaction time. So "what did we know on day X" is the versions with
``recorded_at <= X < superseded_at``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.models import Foreigner, Organization, Region, StoredFile
from portal.models.base import localized

from .constants import Nature, RecordState, Severity, Source, SubjectKind


class CreditRecordKind(models.Model):
    """A kind of credit record, from the maintained list (seeded by migration, edited by
    site admins). The defaults apply when a record of the kind is made without saying."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    nature = models.CharField(_("nature"), max_length=16, choices=Nature.choices)
    default_severity = models.CharField(
        _("default severity"), max_length=16, choices=Severity.choices
    )
    default_effect_months = models.PositiveSmallIntegerField(
        _("default effect period (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: open-ended until revoked."),
    )
    carries_fine = models.BooleanField(
        _("carries a fine"),
        default=False,
        help_text=_("Records of this kind may carry a fine (Exit-Entry Law art. 80)."),
    )
    disclose_by_default = models.BooleanField(_("disclosed publicly by default"), default=False)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive kinds are kept for old records only.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("kind of credit record")
        verbose_name_plural = _("kinds of credit record")
        constraints = [
            models.CheckConstraint(
                condition=(Q(nature="dishonest") & Q(default_severity__in=["minor", "serious"]))
                | (~Q(nature="dishonest") & Q(default_severity="none")),
                name="credit_kind_severity_matches_nature",
            ),
            models.CheckConstraint(
                condition=Q(carries_fine=False) | Q(nature="dishonest"),
                name="credit_kind_fine_only_for_dishonesty",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)

    @property
    def is_dishonest(self) -> bool:
        return self.nature == Nature.DISHONEST


def _fine_rules() -> Q:
    """The fine of a record within the legal ranges (see ``credit.constants``)."""
    no_fine = Q(fine_cny__isnull=True, persons__isnull=True)
    worker = Q(subject_kind="worker") & (
        no_fine | Q(fine_cny__gte=5_000, fine_cny__lte=20_000, persons__isnull=True)
    )
    employer = Q(subject_kind="employer") & (
        no_fine
        | Q(persons__gte=1, persons__lte=10, fine_cny=F("persons") * 10_000)
        | Q(persons__gt=10, fine_cny=100_000)
    )
    agency = Q(subject_kind="service_agency") & (
        no_fine
        | Q(persons__gte=1, persons__lte=20, fine_cny=F("persons") * 5_000)
        | Q(persons__gt=20, fine_cny=100_000)
    )
    return worker | employer | agency


# The records the public dishonesty list may show (before the effect period is read).
PUBLIC = Q(superseded_at__isnull=True, disclosed=True, dishonest=True, state="in_force")


class CreditRecord(models.Model):
    """One version of a credit record. Written only by ``credit.services``."""

    series = models.UUIDField(_("record series"), default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=RecordState.choices, default=RecordState.IN_FORCE
    )

    # The subject: an employer or agency (with its identifier kept), or a foreign worker.
    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_records",
    )
    subject_uscc = models.CharField(
        _("Unified Social Credit Identifier"), max_length=18, blank=True, default=""
    )
    foreigner = models.ForeignKey(
        Foreigner,
        verbose_name=_("foreign worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_records",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="credit_records",
        help_text=_("The division whose authority keeps the record."),
    )

    kind = models.ForeignKey(
        CreditRecordKind,
        verbose_name=_("kind"),
        on_delete=models.PROTECT,
        related_name="records",
    )
    dishonest = models.BooleanField(
        _("dishonest act"), help_text=_("The kind's nature when the version was recorded.")
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    facts = models.TextField(_("facts"))
    reference = models.CharField(
        _("reference"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("Case, decision or application number the record comes from."),
    )
    evidence = models.ManyToManyField(
        StoredFile, verbose_name=_("evidence"), blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=32, choices=Source.choices)
    fine_cny = models.PositiveIntegerField(
        _("fine (RMB)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    persons = models.PositiveSmallIntegerField(
        _("persons employed or introduced illegally"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    effective_from = models.DateField(_("in effect from"))
    effective_until = models.DateField(
        _("in effect until"), null=True, blank=True, help_text=_("Empty: open-ended.")
    )
    disclosed = models.BooleanField(_("disclosed publicly"), default=False)

    reason = models.TextField(
        _("reason for this version"),
        blank=True,
        default="",
        help_text=_("Why the record was corrected or revoked."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: recorded by the portal itself."),
    )
    recorded_at = models.DateTimeField(_("recorded"))
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        constraints = [
            models.UniqueConstraint(fields=["series", "version"], name="credit_series_version"),
            models.UniqueConstraint(
                fields=["series"],
                condition=Q(superseded_at__isnull=True),
                name="credit_series_one_current",
            ),
            # Idempotent reports: one series per subject, kind and reference.
            models.UniqueConstraint(
                fields=["organization", "kind", "reference"],
                condition=Q(version=1, organization__isnull=False) & ~Q(reference=""),
                name="credit_org_kind_reference",
            ),
            models.UniqueConstraint(
                fields=["foreigner", "kind", "reference"],
                condition=Q(version=1, foreigner__isnull=False) & ~Q(reference=""),
                name="credit_worker_kind_reference",
            ),
            models.CheckConstraint(
                condition=(
                    Q(subject_kind__in=["employer", "service_agency"])
                    & Q(organization__isnull=False, foreigner__isnull=True)
                    & ~Q(subject_uscc="")
                )
                | (
                    Q(subject_kind="worker")
                    & Q(organization__isnull=True, foreigner__isnull=False, subject_uscc="")
                ),
                name="credit_exactly_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(version=1, supersedes__isnull=True)
                | Q(version__gt=1, supersedes__isnull=False),
                name="credit_version_chain",
            ),
            models.CheckConstraint(
                condition=(Q(dishonest=True) & Q(severity__in=["minor", "serious"]))
                | (Q(dishonest=False) & Q(severity="none")),
                name="credit_severity_matches_nature",
            ),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gte=F("effective_from")),
                name="credit_effect_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(superseded_at__isnull=True) | Q(superseded_at__gte=F("recorded_at")),
                name="credit_superseded_after_recorded",
            ),
            models.CheckConstraint(condition=_fine_rules(), name="credit_fine_within_law"),
            models.CheckConstraint(
                condition=Q(state__in=["in_force", "revoked"]), name="credit_state_known"
            ),
        ]
        indexes = [
            # Standing: the current versions of a subject's records.
            models.Index(
                fields=["organization", "effective_from"],
                condition=Q(superseded_at__isnull=True),
                name="credit_current_org_idx",
            ),
            models.Index(
                fields=["foreigner", "effective_from"],
                condition=Q(superseded_at__isnull=True),
                name="credit_current_worker_idx",
            ),
            # What was known at a time; the public list by region and kind.
            models.Index(fields=["organization", "recorded_at"], name="credit_org_known_idx"),
            models.Index(fields=["subject_uscc"], name="credit_subject_uscc_idx"),
            models.Index(fields=["region", "kind"], name="credit_region_kind_idx"),
            # The public dishonesty list (``selectors.dishonesty_list``): only current,
            # disclosed dishonest records in force, newest effect first; one index for
            # each filter it offers (all, by region, by kind, by the organizations a name
            # or identifier matches).
            models.Index(
                F("effective_from").desc(),
                F("id").desc(),
                condition=PUBLIC,
                name="credit_public_idx",
            ),
            models.Index(
                "region",
                F("effective_from").desc(),
                condition=PUBLIC,
                name="credit_public_region_idx",
            ),
            models.Index(
                "kind", F("effective_from").desc(), condition=PUBLIC, name="credit_public_kind_idx"
            ),
            models.Index(
                "organization",
                F("effective_from").desc(),
                condition=PUBLIC,
                name="credit_public_org_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.subject_name} (v{self.version})"

    @property
    def subject(self) -> Organization | Foreigner:
        subject = self.organization if self.organization_id else self.foreigner
        assert subject is not None  # the check constraint guarantees exactly one
        return subject

    @property
    def subject_name(self) -> str:
        return str(self.subject)

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def is_revoked(self) -> bool:
        return self.state == RecordState.REVOKED


class Objection(models.Model):
    """An objection (异议) to a credit record in effect, filed by the subject: an employer's
    administrator, or a service agency's agent for the agency's own record. It moves
    through ``credit.workflows.OBJECTION_WORKFLOW``: filed, under review by an inspector
    of the record's region, then upheld (the record stands), corrected (a new version of
    the record) or revoked (a revoking version), or withdrawn by the filer while open.

    It names the record's series (one open objection per record, by constraint) and the
    version objected to; the version the decision made is ``outcome``.
    """

    class State(models.TextChoices):
        FILED = "filed", _("Filed")
        UNDER_REVIEW = "under_review", _("Under review")
        UPHELD = "upheld", _("Record upheld")
        CORRECTED = "corrected", _("Record corrected")
        REVOKED = "revoked", _("Record revoked")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = ("filed", "under_review")

    series = models.UUIDField(_("record series"))
    record = models.ForeignKey(
        CreditRecord,
        verbose_name=_("version objected to"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="credit_objections",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="credit_objections",
        help_text=_("The record's region, whose inspectors review the objection."),
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.FILED)
    statement = models.TextField(_("statement"))
    evidence = models.ManyToManyField(
        StoredFile, verbose_name=_("evidence"), blank=True, related_name="+"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("filed"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True, default="")
    outcome = models.ForeignKey(
        CreditRecord,
        verbose_name=_("version made by the decision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("objection to a credit record")
        verbose_name_plural = _("objections to credit records")
        constraints = [
            models.UniqueConstraint(
                fields=["series"],
                condition=Q(state__in=["filed", "under_review"]),
                name="credit_objection_one_open",
            ),
            models.CheckConstraint(
                condition=Q(
                    state__in=[
                        "filed",
                        "under_review",
                        "upheld",
                        "corrected",
                        "revoked",
                        "withdrawn",
                    ]
                ),
                name="credit_objection_state_known",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["filed", "under_review"]) | Q(decided_at__isnull=False),
                name="credit_objection_closed_when_decided",
            ),
        ]
        indexes = [
            # The inspectors' queue: open objections of their regions, oldest first.
            models.Index(fields=["region", "state", "filed_at"], name="credit_objection_queue_idx"),
            models.Index(fields=["organization", "filed_at"], name="credit_objection_org_idx"),
            models.Index(fields=["series", "filed_at"], name="credit_objection_series_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.record.kind} · {self.organization} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


# The inspection campaigns ("double random, one public") live in their own module; importing
# it here registers their models with the app.
from credit import inspection_models  # noqa: E402, F401
