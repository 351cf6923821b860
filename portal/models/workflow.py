from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TransitionRecord(models.Model):
    """One state change made by the workflow engine: who, when, from, to, why."""

    workflow = models.CharField(_("workflow"), max_length=64)
    target_model = models.CharField(_("object type"), max_length=100)
    target_id = models.CharField(_("object id"), max_length=64)
    transition = models.CharField(_("transition"), max_length=64)
    from_state = models.CharField(_("from state"), max_length=32)
    to_state = models.CharField(_("to state"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("time"))
    reason = models.TextField(_("reason"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        indexes = [
            models.Index(fields=["target_model", "target_id", "at"], name="transition_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.target_model}#{self.target_id}: {self.from_state} -> {self.to_state}"
