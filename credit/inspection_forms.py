"""Forms of the inspection campaign pages: input only; the rules are in
``credit.inspections``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from credit.constants import Severity
from portal.models import Region, User

from .inspection_models import InspectionAssignment
from .inspections import populations

CATEGORY_CHOICES = [
    ("", _("Any category")),
    ("A", _("Category A")),
    ("B", _("Category B")),
    ("C", _("Category C")),
]


class DateInput(forms.DateInput):
    input_type = "date"


class InspectorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})"


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    starts_on = forms.DateField(label=_("Period starts"), widget=DateInput)
    ends_on = forms.DateField(label=_("Period ends"), widget=DateInput)
    population = forms.ChoiceField(
        label=_("Population"),
        help_text=_("The employers the sample is drawn from, as they stand at the draw."),
    )
    category = forms.ChoiceField(
        label=_("Category of the workers"),
        required=False,
        choices=CATEGORY_CHOICES,
        help_text=_("Only for populations that know the workers' category."),
    )
    sample_size = forms.IntegerField(label=_("Sample size"), min_value=1, max_value=10_000)
    inspectors_per_employer = forms.IntegerField(
        label=_("Inspectors per employer"),
        min_value=1,
        max_value=5,
        initial=2,
        help_text=_("Fewer when the pool has fewer eligible inspectors (at least one)."),
    )
    pool = InspectorChoiceField(
        label=_("Pool of inspectors"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Inspectors of the region; those of the province count for its divisions."),
    )

    def __init__(self, data: Any, *, regions: Any, inspectors: Any) -> None:
        super().__init__(data, initial={"pool": list(inspectors)})
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["pool"].queryset = inspectors  # type: ignore[attr-defined]
        self.fields["population"].choices = [  # type: ignore[attr-defined]
            (p.name, p.label) for p in populations()
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        category = data.pop("category", "")
        data["population_filters"] = {"category": category} if category else {}
        return data


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (InspectionAssignment.Outcome.NO_PROBLEM.value, _("No problem found")),
            (InspectionAssignment.Outcome.PROBLEMS.value, _("Problems found")),
        ],
        widget=forms.RadioSelect,
    )
    inspected_on = forms.DateField(label=_("Inspected on"), widget=DateInput)
    facts = forms.CharField(
        label=_("Facts found"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Required when problems are found: they become a credit record of the employer "
            "(inspection finding)."
        ),
    )
    severity = forms.ChoiceField(
        label=_("Severity of the finding"),
        choices=[
            (Severity.MINOR.value, _("Minor: the employer is put under attention")),
            (Severity.SERIOUS.value, _("Serious: the employer is dishonest (no new applications)")),
        ],
        initial=Severity.MINOR.value,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Only when problems are found; minor unless chosen."),
    )
    disclosed = forms.BooleanField(
        label=_("Disclose on the public dishonesty list"),
        required=False,
        help_text=_("A serious finding is usually disclosed; a minor one is not listed."),
    )

    def clean_severity(self) -> str:
        return self.cleaned_data.get("severity") or Severity.MINOR.value
