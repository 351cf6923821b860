"""Forms of the public pages of the talent standards app: the points self-assessment.

The form only checks the shape of the answers (numbers, choices, one of the 31
provinces); the rules themselves are the engine's (``talent_standards.engine``), which the
view calls through ``talent_standards.services.assess``. The same inputs as the points
API (``POST /api/v1/points/assess``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from portal.models import Region
from talent_standards import engine
from talent_standards.models import PointsTable

# The answers the points table scores, in the order of the API (`education` has no
# "vocational" here: the table scores degrees and skill certificates).
EDUCATION_CHOICES = [
    ("doctorate", _("Doctorate")),
    ("master", _("Master's degree")),
    ("bachelor", _("Bachelor's degree")),
    ("none", _("No degree")),
]
SKILL_CHOICES = [
    ("none", _("No skill certificate")),
    ("senior_worker", _("Senior worker")),
    ("technician", _("Technician")),
    ("top", _("Top vocational certificate (senior technician)")),
]
BONUS_CHOICES = [
    ("top_university", _("Graduate of a well-known foreign university")),
    ("fortune500", _("Experience at a Fortune Global 500 company")),
    ("patents", _("Patents or other intellectual property")),
    ("china_5_years", _("Five years' continuous work in China")),
]
HSK_CHOICES = [(0, _("None"))] + [(n, f"HSK {n}") for n in range(1, 7)]
OCCUPATION_CODE = RegexValidator(
    r"^\d-\d{2}-\d{2}-\d{2}$",
    _("Give the code of a detailed occupation, e.g. 2-02-10-03."),
)

# Messages shared with the engine (same source texts: one translation).
UNDER_AGE = _("Work permits are for people of 18 and over.")
NEGATIVE_SALARY = _("The salary cannot be negative.")
HSK_RANGE = _("HSK levels are 0 to 6.")
MONTHS_RANGE = _("Months a year in China are 0 to 12.")
NEGATIVE_EXPERIENCE = _("Experience cannot be negative.")
UNKNOWN_REGION = _("Choose one of the 31 provinces.")

assert {value for value, _label in BONUS_CHOICES} == set(engine.BONUS_FACTS)
assert {value for value, _label in SKILL_CHOICES} == set(engine.SKILL_CERTIFICATES)


def _number(step: str = "any", **attrs: Any) -> forms.NumberInput:
    # step "any": a browser never refuses 249,999 for not being a multiple of a step.
    return forms.NumberInput(attrs={"step": step, "inputmode": "decimal", **attrs})


class ProvinceChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Region) -> str:
        return obj.name


class AssessmentForm(forms.Form):
    annual_salary_cny = forms.DecimalField(
        label=_("Annual salary paid in China (CNY)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Before tax, in yuan: 300000 for 300,000 CNY a year."),
        error_messages={"min_value": NEGATIVE_SALARY},
        widget=_number(autocomplete="off"),
    )
    education = forms.ChoiceField(label=_("Highest degree"), choices=EDUCATION_CHOICES)
    skill_certificate = forms.ChoiceField(
        label=_("Vocational skill certificate"),
        choices=SKILL_CHOICES,
        required=False,
        help_text=_("The table scores the better of the degree and the certificate."),
    )
    experience_years = forms.DecimalField(
        label=_("Years of relevant work experience"),
        min_value=0,
        max_value=80,
        max_digits=4,
        decimal_places=1,
        help_text=_("Only full years count."),
        error_messages={"min_value": NEGATIVE_EXPERIENCE},
        widget=_number(min="0", max="80"),
    )
    months_in_china_per_year = forms.DecimalField(
        label=_("Months a year working in China"),
        min_value=0,
        max_value=12,
        max_digits=4,
        decimal_places=1,
        error_messages={"min_value": MONTHS_RANGE, "max_value": MONTHS_RANGE},
        widget=_number(min="0", max="12"),
    )
    hsk_level = forms.TypedChoiceField(
        label=_("Chinese: HSK level"),
        choices=HSK_CHOICES,
        coerce=int,
        error_messages={"invalid_choice": HSK_RANGE},
    )
    former_chinese_national = forms.BooleanField(label=_("Former Chinese national"), required=False)
    chinese_taught_degree = forms.BooleanField(label=_("Degree taught in Chinese"), required=False)
    region = ProvinceChoiceField(
        label=_("Province of the job"),
        queryset=Region.objects.none(),
        to_field_name="code",
        empty_label=_("Choose a province"),
        error_messages={"invalid_choice": UNKNOWN_REGION},
    )
    age = forms.IntegerField(
        label=_("Age"),
        min_value=18,
        max_value=120,
        error_messages={"min_value": UNDER_AGE},
        widget=forms.NumberInput(attrs={"min": "18", "max": "120", "inputmode": "numeric"}),
    )
    bonuses = forms.MultipleChoiceField(
        label=_("Bonus facts"),
        choices=BONUS_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    declared_facts = forms.MultipleChoiceField(
        label=_("Facts the province's bonus rules ask for"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick what holds for the job; an officer confirms it with the evidence."),
    )
    occupation_code = forms.CharField(
        label=_("Occupation code (optional)"),
        required=False,
        max_length=10,
        validators=[OCCUPATION_CODE],
        help_text=_(
            "From the National Occupational Classification, e.g. 2-02-10-03: some "
            "provincial bonus rules and the catalog route depend on it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "2-02-10-03"}),
    )
    table = forms.ChoiceField(label=_("Points table"), required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        tables: list[PointsTable],
        table_in_use: str,
        provinces: Any,
        facts: Sequence[tuple[str, str]] = (),
    ) -> None:
        offered = {fact for fact, _label in facts}
        if data is not None and hasattr(data, "getlist"):
            # Facts ticked for another province (the province was changed since) are
            # dropped, not refused: the fieldset shows the chosen province's only.
            data = data.copy()
            data.setlist(
                "declared_facts", [f for f in data.getlist("declared_facts") if f in offered]
            )
        super().__init__(
            data,
            initial={
                "skill_certificate": "none",
                "hsk_level": 0,
                "months_in_china_per_year": 12,
                "table": table_in_use,
            },
        )
        self.table_in_use = table_in_use
        self.fields["region"].queryset = provinces  # type: ignore[attr-defined]
        self.fields["declared_facts"].choices = list(facts)  # type: ignore[attr-defined]
        self.fields["table"].choices = [  # type: ignore[attr-defined]
            (t.version, _table_label(t, in_use=t.version == table_in_use)) for t in tables
        ]

    def clean_skill_certificate(self) -> str:
        return self.cleaned_data.get("skill_certificate") or "none"

    def clean_table(self) -> str:
        return self.cleaned_data.get("table") or self.table_in_use


def _table_label(table: PointsTable, *, in_use: bool) -> str:
    if in_use:
        return str(_("%(version)s (in use)") % {"version": table.version})
    return str(_("%(version)s (kept for history)") % {"version": table.version})


def missing_and_invalid(form: forms.Form) -> tuple[list[forms.BoundField], list[forms.BoundField]]:
    """The fields still to fill in, and those filled in wrongly (a form being filled in
    shows the first as a to-do, not as errors)."""
    missing: list[forms.BoundField] = []
    invalid: list[forms.BoundField] = []
    for name, errors in form.errors.as_data().items():
        if name not in form.fields:
            continue
        if all(error.code == "required" for error in errors):
            missing.append(form[name])
        else:
            invalid.append(form[name])
    return missing, invalid
