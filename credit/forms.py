"""Forms of the credit pages: input only; the rules are the services' (``credit.services``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Region

from .constants import Severity
from .models import CreditRecordKind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (checked by content in the service)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ObjectionForm(forms.Form):
    statement = forms.CharField(
        label=_("Statement"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=_("What is wrong in the record, and what you ask for."),
    )
    evidence = MultipleFileField(
        label=_("Evidence"),
        required=False,
        help_text=_("PDF, JPEG or PNG files, up to five; checked by their content."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class CorrectionForm(ReasonForm):
    """An officer's correction of the record objected to: the fields left as they are
    keep their value."""

    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=[
            (Severity.MINOR, Severity.MINOR.label),
            (Severity.SERIOUS, Severity.SERIOUS.label),
        ],
        required=False,
    )
    facts = forms.CharField(label=_("Facts"), widget=forms.Textarea(attrs={"rows": 4}))
    effective_until = forms.DateField(
        label=_("In effect until"),
        required=False,
        help_text=_("YYYY-MM-DD; empty: open-ended."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    disclosed = forms.BooleanField(label=_("Disclosed publicly"), required=False)

    def changes(self) -> dict[str, Any]:
        """The record fields this correction sets (compared with the record by the service)."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            "facts": data["facts"],
            "effective_until": data["effective_until"],
            "disclosed": data["disclosed"],
        }
        if data.get("severity"):
            values["severity"] = data["severity"]
        return values


class DishonestyListForm(forms.Form):
    q = forms.CharField(
        label=_("Name or identifier"),
        required=False,
        max_length=100,
        help_text=_("An organization's name (or part of it) or its 18-character identifier."),
    )
    province = forms.ChoiceField(label=_("Province"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(
        self,
        *args: Any,
        provinces: list[Region],
        kinds: list[CreditRecordKind],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.provinces = {p.code: p for p in provinces}
        self.kinds = {k.code: k for k in kinds}
        province_field = self.fields["province"]
        kind_field = self.fields["kind"]
        assert isinstance(province_field, forms.ChoiceField)
        assert isinstance(kind_field, forms.ChoiceField)
        province_field.choices = [("", _("All provinces"))] + [(p.code, p.name) for p in provinces]
        kind_field.choices = [("", _("All kinds"))] + [(k.code, k.name) for k in kinds]

    def filters(self) -> dict[str, Any]:
        """The list's filters (none when the form is unbound)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"],
            "province": self.provinces.get(data["province"]),
            "kind": self.kinds.get(data["kind"]),
        }
