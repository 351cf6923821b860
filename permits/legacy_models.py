"""Models of work documents issued before 1 April 2017.

Before the work permit system, a foreigner worked in China on an Alien Employment Licence
(外国人就业证) or a Foreign Expert Certificate (外国专家证). Those still in force stay valid
until they expire, so the portal records them (``LegacyDocument``): a provincial officer
one by one, or a spreadsheet imported whole (``permits.services.legacy``). A recorded
document is verified by its number like a permit, and is closed on the day a new work
permit of the same person at the same employer starts.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The day the work permit system started nationwide: a legacy document began before it.
SYSTEM_START = dt.date(2017, 4, 1)


class LegacyDocument(models.Model):
    """An Alien Employment Licence or Foreign Expert Certificate issued before 2017."""

    class Kind(models.TextChoices):
        ALIEN_EMPLOYMENT_LICENCE = "alien_employment_licence", _("Alien Employment Licence")
        FOREIGN_EXPERT_CERTIFICATE = "foreign_expert_certificate", _("Foreign Expert Certificate")

    class State(models.TextChoices):
        VALID = "valid", pgettext_lazy("document status", "Valid")
        CLOSED = "closed", _("Closed: replaced by a work permit")
        REVOKED = "revoked", _("Revoked")

    class Source(models.TextChoices):
        OFFICER = "officer", _("Recorded by an officer")
        IMPORT = "import", _("Imported from a spreadsheet")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    number = models.CharField(
        _("number"),
        max_length=20,
        validators=[RegexValidator(r"^[0-9A-Z]{6,20}$")],
        help_text=_("Letters and digits, upper-case, without spaces."),
    )
    holder = models.ForeignKey(
        "portal.Foreigner",
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="legacy_documents",
    )
    passport = models.ForeignKey(
        "portal.Passport",
        verbose_name=_("passport"),
        on_delete=models.PROTECT,
        related_name="legacy_documents",
    )
    employer = models.ForeignKey(
        "portal.Organization",
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="legacy_documents",
    )
    region = models.ForeignKey(
        "portal.Region",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="legacy_documents",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.VALID)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by_permit = models.ForeignKey(
        "permits.Permit",
        verbose_name=_("replaced by the permit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="closed_legacy_documents",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    import_batch = models.CharField(
        _("import batch"),
        max_length=64,
        blank=True,
        help_text=_("The SHA-256 of the imported file."),
    )

    class Meta:
        ordering = ["-valid_until", "id"]
        verbose_name = _("pre-2017 document")
        verbose_name_plural = _("pre-2017 documents")
        indexes = [
            models.Index(fields=["number"], name="legacy_number_idx"),
            models.Index(fields=["region", "-valid_until"], name="legacy_region_until_idx"),
            models.Index(fields=["holder", "employer", "state"], name="legacy_holder_employer_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="legacy_unique_kind_number"),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["alien_employment_licence", "foreign_expert_certificate"]
                ),
                name="legacy_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["valid", "closed", "revoked"]),
                name="legacy_state_known",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="legacy_valid_until_after_from",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__lt=SYSTEM_START),
                name="legacy_issued_before_2017",
            ),
            models.CheckConstraint(
                condition=(models.Q(state="closed") & models.Q(closed_on__isnull=False))
                | (~models.Q(state="closed") & models.Q(closed_on__isnull=True)),
                name="legacy_closed_on_iff_closed",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_by_permit__isnull=True) | models.Q(state="closed"),
                name="legacy_closing_permit_only_when_closed",
            ),
            models.CheckConstraint(
                condition=(models.Q(source="import") & ~models.Q(import_batch=""))
                | (models.Q(source="officer") & models.Q(import_batch="")),
                name="legacy_batch_iff_imported",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def status_on(self, day: dt.date) -> str:
        """``valid``, ``expired`` (read from the dates), ``closed`` or ``revoked``."""
        if self.state == self.State.VALID and day > self.valid_until:
            return "expired"
        return self.state
