from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _upload_to(instance: StoredFile, filename: str) -> str:
    # A random name: the original is kept as data, never as a path.
    return f"uploads/{instance.uploaded_at:%Y/%m}/{instance.pk.hex}{instance.extension}"


class StoredFile(models.Model):
    """An uploaded file, checked by its content (``portal.files.store_upload``), stored
    under a random name with its SHA-256, and served only through a view that checks
    access to whatever the file belongs to (``portal.files.file_response``).

    Apps point at it (a document of an application, the business licence of a
    registration, the evidence of a credit record); it knows nothing of them.
    """

    class ContentType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(_("file"), upload_to=_upload_to, max_length=200)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=32, choices=ContentType.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="stored_file_not_empty"),
            models.CheckConstraint(
                condition=models.Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="stored_file_known_type",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        extensions: dict[str, str] = {
            "application/pdf": ".pdf",
            "image/jpeg": ".jpg",
            "image/png": ".png",
        }
        return extensions.get(self.content_type, "")

    @property
    def is_image(self) -> bool:
        return self.content_type in (self.ContentType.JPEG, self.ContentType.PNG)
