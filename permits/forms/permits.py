"""Forms of the permit pages: the list's search and filters, the revocation of a permit
or a notification letter, and the tax check of a salary commitment. They check the shape
of input; the workflows and services decide and say why not."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from permits.models import Permit, RejectionReason
from permits.selectors.permit_pages import STATUSES, PermitFilters
from talent_standards.models import Category

TEXT_MAX_LENGTH = 4000


class PermitFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        help_text=_(
            "A permit or passport number, the worker's name, the employer's name or its "
            "Unified Social Credit Identifier."
        ),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *[(s, Permit.State(s).label) for s in STATUSES]],
        required=False,
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("Any category")), *Category.choices],
        required=False,
    )

    def filters(self) -> PermitFilters:
        """The filters asked for; a filter that is not valid is left out."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return PermitFilters(
            text=str(data.get("q") or "").strip(),
            status=data.get("status") or "",
            category=data.get("category") or "",
        )


class LetterRevokeForm(forms.Form):
    """Reasons from the list (stage ``revocation``) and the reason in words."""

    reasons = forms.MultipleChoiceField(
        label=_("Reasons"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one reason from the list.")},
    )
    reason = forms.CharField(
        label=_("Reason for the revocation"),
        help_text=_("Kept with the record and shown to the employer."),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, reasons: list[RejectionReason] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if reasons is None:
            reasons = list(
                RejectionReason.objects.filter(
                    stage=RejectionReason.Stage.REVOCATION, is_active=True
                )
            )
        field = cast(forms.MultipleChoiceField, self.fields["reasons"])
        field.choices = [(r.code, r.text) for r in reasons]

    def refusal_field(self, workflow_field: str) -> str | None:
        """The form field a refusal of the workflow concerns (``details["field"]``)."""
        return workflow_field if workflow_field in ("reasons", "reason") else None

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "reasons": list(data.get("reasons") or []),
            "reason": str(data.get("reason") or "").strip(),
        }


class PermitRevokeForm(LetterRevokeForm):
    """As a letter's, with texts for the holder in Chinese and English (optional)."""

    text_zh = forms.CharField(
        label=_("Text of the decision (Chinese)"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "lang": "zh-Hans"}),
    )
    text_en = forms.CharField(
        label=_("Text of the decision (English)"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "lang": "en"}),
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "text_zh": str(data.get("text_zh") or "").strip(),
            "text_en": str(data.get("text_en") or "").strip(),
        }


class TaxCheckForm(forms.Form):
    """Whether the salary of a permit granted on a salary commitment was backed by the
    worker's individual income tax records."""

    backed = forms.TypedChoiceField(
        label=_("Is the salary backed by individual income tax records?"),
        choices=[("yes", _("Yes, the tax records back the salary")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        help_text=_("What the tax records show (period, amounts)."),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
