"""Issued documents and the keys that sign them.

An ``IssuedDocument`` is one version of a document the portal issues (a Notification
Letter, a Work Permit, a decision, a registration certificate): what it says is frozen
when it is issued (``context``), the PDF is rendered later by a worker, signed with the
key in service, and stored with its SHA-256. A re-issue is a new version; the old one
keeps its file and reads as superseded. The kinds, and what a document says, belong to
the apps (``portal.documents.register_kind``); the kernel knows none of them.

A ``SigningKey`` is the public half of a key that has signed documents. The private key
lives outside the database (``PORTAL_SIGNING_KEY_FILE`` / ``PORTAL_SIGNING_KEY``); the
public keys are published at ``/.well-known/portal-signing-keys.json`` so that anyone can
check a document offline.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .identity import Organization, Region


def _document_path(instance: IssuedDocument, filename: str) -> str:
    # Fixed by the document, so a render repeated after a lost worker writes the same
    # name (and first removes what a killed render may have left there).
    return f"issued/{instance.kind}/{instance.number}-v{instance.version}.pdf"


class SigningKey(models.Model):
    """The public half of an Ed25519 key that signs issued documents.

    A key enters service the first time it signs (``in_service_from``) and leaves it when
    another key takes over (``retired_at``): it still verifies what it signed while in
    service, never anything dated after. A revoked key (a key that leaked) verifies
    nothing.
    """

    kid = models.CharField(_("key id"), max_length=16, unique=True)
    public_key = models.CharField(
        _("public key"),
        max_length=64,
        unique=True,
        help_text=_("The raw 32-byte Ed25519 public key, base64url without padding."),
    )
    in_service = models.BooleanField(_("signing now"), default=True)
    in_service_from = models.DateTimeField(_("in service from"))
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)

    class Meta:
        ordering = ["-in_service_from"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.UniqueConstraint(
                fields=["in_service"],
                condition=Q(in_service=True),
                name="signing_key_one_in_service",
            ),
            models.CheckConstraint(
                condition=Q(in_service=True, retired_at__isnull=True)
                | Q(in_service=False, retired_at__isnull=False),
                name="signing_key_retired_when_out_of_service",
            ),
            models.CheckConstraint(
                condition=Q(retired_at__isnull=True)
                | Q(retired_at__gte=models.F("in_service_from")),
                name="signing_key_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.kid


class IssuedDocument(models.Model):
    """One version of an issued document (see the module)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=32)
    number = models.CharField(_("number"), max_length=32)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("subject type"), on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("issuing province"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    employer = models.ForeignKey(
        Organization,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # What the document says, frozen at issue (dates tagged, see portal.documents).
    context = models.JSONField(_("content"), default=dict)
    # The facts the QR code carries, signed with the key.
    facts = models.JSONField(_("signed facts"), default=dict)

    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    queued_at = models.DateTimeField(_("queued"))
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=_document_path, max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)
    token = models.TextField(_("signed payload"), blank=True)
    key = models.ForeignKey(
        SigningKey,
        verbose_name=_("signing key"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )

    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    reason = models.TextField(
        _("reason for re-issue"), blank=True, help_text=_("Why this version replaced the last.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id", "kind"], name="document_subject_idx"
            ),
            models.Index(fields=["sha256"], name="document_sha256_idx"),
            models.Index(fields=["employer", "-created_at"], name="document_employer_idx"),
            # The sweeper's scan: documents still waiting, oldest first.
            models.Index(
                fields=["queued_at"], condition=Q(state="pending"), name="document_pending_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "number", "version"], name="document_number_version_unique"
            ),
            # One current version per subject and kind; older ones are superseded.
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind"],
                condition=Q(superseded_at__isnull=True),
                name="document_one_current_per_subject",
            ),
            models.CheckConstraint(
                condition=~Q(state="ready") | (~Q(sha256="") & ~Q(token="") & ~Q(file="")),
                name="document_ready_has_file",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="document_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def kind_label(self) -> str:
        from portal.documents import KINDS

        spec = KINDS.get(self.kind)
        return str(spec.label) if spec else self.kind

    @property
    def filename(self) -> str:
        return f"{self.number}-v{self.version}.pdf"
