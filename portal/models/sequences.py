from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sequence(models.Model):
    """A named counter for numbers that must be unique and gap-aware (permit numbers,
    letter numbers). Only ``portal.sequences.sequence_next`` changes it."""

    name = models.CharField(_("name"), max_length=64, primary_key=True)
    value = models.PositiveBigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"
