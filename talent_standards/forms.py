"""Forms of the talent standards pages: drafting a regional standard (details, local routes,
provincial bonus rules), consulting stakeholders, and mutual recognition agreements.

They validate input and put it in the shape the services take (a route's ``parameters``,
a bonus rule's condition parameters); the services in ``talent_standards.services`` and
``portal.filings`` decide the rules of the domain, so that the pages and the API refuse
the same things in the same words. The consultation, answer and transition forms are shared
by every filing kind and live in ``portal.filing_forms``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.filing_forms import DATE_INPUT, validity_range
from portal.filings import VALIDITY_MAX_YEARS, VALIDITY_MIN_YEARS
from portal.models import Region
from talent_standards.engine import EDUCATION_ORDER
from talent_standards.models import (
    BonusRule,
    Category,
    RecognitionAgreement,
    RecognitionRoute,
    RegionalStandard,
)
from talent_standards.services import PROVINCIAL_BONUS_MAX, REGIONAL_ROUTE_KINDS

K = RecognitionRoute.Kind
C = BonusRule.Condition

EDUCATION_CHOICES = (
    ("none", _("No degree")),
    ("vocational", _("Vocational qualification")),
    ("bachelor", _("Bachelor's degree")),
    ("master", _("Master's degree")),
    ("doctorate", _("Doctorate")),
)
assert tuple(value for value, _label in EDUCATION_CHOICES) == EDUCATION_ORDER

# Route and bonus rule codes: letters, digits, hyphens and underscores (stored upper case).
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# An occupation group of the classification: 2, 2-02, 2-02-10 or a detailed 2-02-10-03.
GROUP_RE = re.compile(r"^\d(-\d{2}){0,3}$")
# Which parameter fields each route kind and bonus condition shows.
ROUTE_PARAMETERS: dict[str, tuple[str, ...]] = {
    K.SALARY_AMOUNT: ("min_annual_salary_cny",),
    K.SALARY_MULTIPLE: ("multiple",),
    K.DEGREE_EXPERIENCE: ("min_education", "min_years"),
    K.LISTED_ACHIEVEMENT: ("qualifying",),
    K.OFFICER_JUDGEMENT: (),
}
BONUS_PARAMETERS: dict[str, tuple[str, ...]] = {
    C.ALWAYS: (),
    C.OCCUPATION_PREFIX: ("prefixes",),
    C.CATALOG_LISTED: (),
    C.SALARY_AT_LEAST: ("min_annual_salary_cny",),
    C.EDUCATION_AT_LEAST: ("min_education",),
    C.DECLARED_FACT: ("fact",),
}


def _label(model: Any, name: str) -> Any:
    return capfirst(model._meta.get_field(name).verbose_name)


def _amount(value: Decimal) -> str:
    """A yuan amount as the parameters keep it: "1000000", "1000000.5"."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _number(value: Decimal) -> int | str:
    """A multiple as the parameters keep it: 6, or "4.5"."""
    if value == value.to_integral_value():
        return int(value)
    return format(value.normalize(), "f")


def _salary_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Minimum annual salary (CNY)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("In yuan, up to two decimals."),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )


def _education_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Minimum education"),
        required=False,
        choices=[("", "---------"), *EDUCATION_CHOICES],
    )


class _KindForm(forms.Form):
    """A form whose parameter fields depend on one choice (a route's kind, a bonus rule's
    condition): ``shown`` says which choice the page presents the fields of."""

    choice_field = ""
    parameter_fields: dict[str, tuple[str, ...]] = {}

    def shown(self) -> str:
        """The choice in the submitted data if it is a known one, else the initial one."""
        valid = set(self.parameter_fields)
        raw = self.data.get(self.add_prefix(self.choice_field)) if self.is_bound else None
        if raw in valid:
            return str(raw)
        initial = self.initial.get(self.choice_field) or self.fields[self.choice_field].initial
        return str(initial) if initial in valid else next(iter(self.parameter_fields))

    def parameter_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.parameter_fields.get(self.shown(), ())]


# --- Regional standards -----------------------------------------------------------------------


class StandardForm(forms.Form):
    """Titles, notes and dates of a regional standard version (and its province, when a
    drafter drafts for several). The 3-5 year rule is checked when the standard is filed,
    not here: a draft may hold any dates while it is being prepared."""

    region = forms.ModelChoiceField(
        label=_("Province"), queryset=Region.objects.none(), empty_label=None
    )
    title_zh = forms.CharField(label=_label(RegionalStandard, "title_zh"), max_length=200)
    title_en = forms.CharField(
        label=_label(RegionalStandard, "title_en"), max_length=200, required=False
    )
    notes_zh = forms.CharField(
        label=_label(RegionalStandard, "notes_zh"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    notes_en = forms.CharField(
        label=_label(RegionalStandard, "notes_en"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    effective_from = forms.DateField(
        label=_label(RegionalStandard, "effective_from"),
        required=False,
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
        help_text=_("The day the standard takes effect once approved and published."),
    )
    expires_on = forms.DateField(
        label=_label(RegionalStandard, "expires_on"),
        required=False,
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, regions: list[Region] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if regions is None or len(regions) < 2:
            del self.fields["region"]
        else:
            self.fields["region"].queryset = Region.objects.filter(  # type: ignore[attr-defined]
                pk__in=[r.pk for r in regions]
            ).order_by("code")
        self.fields["expires_on"].help_text = self._validity_help()

    def _start(self) -> dt.date | None:
        raw = self.data.get(self.add_prefix("effective_from")) if self.is_bound else None
        if raw is None:
            raw = self.initial.get("effective_from")
        if isinstance(raw, dt.date):
            return raw
        try:
            return self.fields["effective_from"].clean(raw) if raw else None
        except forms.ValidationError:
            return None

    def _validity_help(self) -> str:
        start = self._start()
        if start is None:
            return gettext(
                "Validity is %(min)d to %(max)d years from the effective date; it is "
                "checked when the standard is filed."
            ) % {"min": VALIDITY_MIN_YEARS, "max": VALIDITY_MAX_YEARS}
        shortest, longest = validity_range(start)
        return gettext(
            "Validity is %(min)d to %(max)d years: from %(start)s the last day of validity "
            "lies between %(shortest)s and %(longest)s. It is checked when the standard "
            "is filed."
        ) % {
            "min": VALIDITY_MIN_YEARS,
            "max": VALIDITY_MAX_YEARS,
            "start": start.isoformat(),
            "shortest": shortest.isoformat(),
            "longest": longest.isoformat(),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("effective_from"), data.get("expires_on")
        if start and end and end <= start:
            self.add_error(
                "expires_on", _("The last day of validity comes after the effective date.")
            )
        return data


def _clean_code(value: str) -> str:
    code = value.strip()
    if not CODE_RE.match(code):
        raise forms.ValidationError(
            _("Use letters, digits, hyphens and underscores, e.g. A-GD-SALARY."), code="code"
        )
    return code.upper()


class RouteForm(_KindForm):
    """A local recognition route: what it is, and the figures its kind is decided on."""

    choice_field = "kind"
    parameter_fields = ROUTE_PARAMETERS

    code = forms.CharField(
        label=_label(RecognitionRoute, "code"),
        max_length=32,
        help_text=_("Unique in the standard, e.g. A-GD-SALARY."),
    )
    category = forms.ChoiceField(
        label=_label(RecognitionRoute, "category"),
        choices=[(c.value, c.label) for c in (Category.A, Category.B)],
        initial="A",
    )
    kind = forms.ChoiceField(
        label=_("How it is decided"),
        choices=[(k.value, k.label) for k in REGIONAL_ROUTE_KINDS],
        initial=K.SALARY_AMOUNT,
    )
    title_zh = forms.CharField(label=_label(RecognitionRoute, "title_zh"), max_length=200)
    title_en = forms.CharField(
        label=_label(RecognitionRoute, "title_en"), max_length=200, required=False
    )
    description_zh = forms.CharField(
        label=_label(RecognitionRoute, "description_zh"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_en = forms.CharField(
        label=_label(RecognitionRoute, "description_en"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence_zh = forms.CharField(
        label=_label(RecognitionRoute, "evidence_zh"),
        required=False,
        help_text=_("The documents the applicant submits, one per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence_en = forms.CharField(
        label=_label(RecognitionRoute, "evidence_en"),
        required=False,
        help_text=_("The documents the applicant submits, one per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    max_age = forms.IntegerField(
        label=_("Age limit"),
        required=False,
        min_value=18,
        max_value=70,
        help_text=_("The oldest age the route accepts, 18 to 70; leave empty for none."),
    )
    # Parameters, by kind.
    min_annual_salary_cny = _salary_field()
    multiple = forms.DecimalField(
        label=_("Multiple of the average wage"),
        required=False,
        max_digits=4,
        decimal_places=1,
        help_text=_(
            "1 to 20: the salary is compared with this many times the province's average "
            "wage of the previous year."
        ),
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "1", "max": "20"}),
    )
    min_education = _education_field()
    min_years = forms.IntegerField(
        label=_("Years of relevant experience"),
        required=False,
        help_text=_("A whole number from 0 to 50."),
        widget=forms.NumberInput(attrs={"min": "0", "max": "50"}),
    )
    qualifying = forms.CharField(
        label=_("What qualifies"),
        required=False,
        help_text=_(
            "One per line: code | Chinese title | English title, e.g. "
            "“nobel | 诺贝尔奖获得者 | Nobel Prize laureate”. An officer confirms the evidence."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, route: RecognitionRoute | None = None, **kwargs: Any) -> None:
        if route is not None and "initial" not in kwargs:
            kwargs["initial"] = route_initial(route)
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        return _clean_code(self.cleaned_data["code"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind is None:
            return data
        parameters: dict[str, Any] = {}
        if kind == K.SALARY_AMOUNT:
            amount = data.get("min_annual_salary_cny")
            if amount is None or amount <= 0:
                self._parameter_error(
                    "min_annual_salary_cny", _("Give the minimum annual salary in yuan.")
                )
            else:
                parameters["min_annual_salary_cny"] = _amount(amount)
        elif kind == K.SALARY_MULTIPLE:
            multiple = data.get("multiple")
            if multiple is None or not Decimal(1) <= multiple <= Decimal(20):
                self._parameter_error("multiple", _("The multiple of the average wage is 1 to 20."))
            else:
                parameters["multiple"] = _number(multiple)
        elif kind == K.DEGREE_EXPERIENCE:
            education = data.get("min_education")
            years = data.get("min_years")
            if not education:
                self._parameter_error("min_education", _("Choose the minimum education."))
            if years is None or not 0 <= years <= 50:
                self._parameter_error(
                    "min_years", _("Give the years of relevant experience, 0 to 50.")
                )
            if education and years is not None and 0 <= years <= 50:
                parameters.update(min_education=education, min_years=years)
        elif kind == K.LISTED_ACHIEVEMENT:
            items = self._qualifying(data.get("qualifying") or "")
            if items is not None:
                parameters["list"] = items
        if data.get("max_age") is not None:
            parameters["max_age"] = data["max_age"]
        data["parameters"] = parameters
        return data

    def _parameter_error(self, name: str, message: Any) -> None:
        if name not in self.errors:
            self.add_error(name, message)

    def _qualifying(self, text: str) -> list[dict[str, str]] | None:
        items: list[dict[str, str]] = []
        problems: list[str] = []
        seen: set[str] = set()
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
                problems.append(
                    gettext("Line %(n)d: write “code | Chinese title | English title”.")
                    % {"n": number}
                )
                continue
            code = parts[0]
            if not CODE_RE.match(code):
                problems.append(
                    gettext(
                        "Line %(n)d: the code %(code)s may use letters, digits, hyphens and "
                        "underscores only."
                    )
                    % {"n": number, "code": code}
                )
                continue
            if code in seen:
                problems.append(
                    gettext("Line %(n)d: the code %(code)s is listed twice.")
                    % {"n": number, "code": code}
                )
                continue
            seen.add(code)
            items.append(
                {"code": code, "title_zh": parts[1], "title_en": parts[2] if len(parts) > 2 else ""}
            )
        if problems:
            for problem in problems:
                self.add_error("qualifying", problem)
            return None
        if not items:
            self.add_error(
                "qualifying", _("List what qualifies: one per line, with a code and titles.")
            )
            return None
        return items

    def values(self) -> dict[str, Any]:
        """What ``services.route_save`` takes."""
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "code",
                "category",
                "kind",
                "title_zh",
                "title_en",
                "description_zh",
                "description_en",
                "evidence_zh",
                "evidence_en",
                "parameters",
            )
        }


def route_initial(route: RecognitionRoute) -> dict[str, Any]:
    """The form's fields from a stored route (its parameters spread over their fields)."""
    p = route.parameters or {}
    initial: dict[str, Any] = {
        name: getattr(route, name)
        for name in (
            "code",
            "category",
            "kind",
            "title_zh",
            "title_en",
            "description_zh",
            "description_en",
            "evidence_zh",
            "evidence_en",
        )
    }
    initial.update(
        max_age=p.get("max_age"),
        min_annual_salary_cny=p.get("min_annual_salary_cny"),
        multiple=p.get("multiple"),
        min_education=p.get("min_education", ""),
        min_years=p.get("min_years"),
        qualifying="\n".join(
            " | ".join(
                [str(i.get("code", "")), str(i.get("title_zh", "")), str(i.get("title_en", ""))]
            ).rstrip(" |")
            for i in p.get("list", [])
        ),
    )
    return initial


class BonusRuleForm(_KindForm):
    """A provincial bonus rule (item 9 of the points table) and its condition."""

    choice_field = "condition"
    parameter_fields = BONUS_PARAMETERS

    code = forms.CharField(
        label=_label(BonusRule, "code"),
        max_length=32,
        help_text=_("Unique in the standard, e.g. GD-ICT."),
    )
    title_zh = forms.CharField(label=_label(BonusRule, "title_zh"), max_length=200)
    title_en = forms.CharField(label=_label(BonusRule, "title_en"), max_length=200, required=False)
    condition = forms.ChoiceField(
        label=_("When it applies"), choices=C.choices, initial=C.OCCUPATION_PREFIX
    )
    points = forms.IntegerField(
        label=_label(BonusRule, "points"),
        min_value=1,
        max_value=PROVINCIAL_BONUS_MAX,
        help_text=_(
            "1 to 10. A job earns at most 10 provincial bonus points, however many rules apply."
        ),
        error_messages={
            "min_value": _("A rule gives 1 to 10 points."),
            "max_value": _("A rule gives 1 to 10 points."),
        },
        widget=forms.NumberInput(attrs={"min": "1", "max": "10"}),
    )
    # Parameters, by condition.
    prefixes = forms.CharField(
        label=_("Occupation groups"),
        required=False,
        max_length=500,
        help_text=_(
            "Codes of the classification separated by commas, e.g. 2-02-10, 2-02-07: every "
            "occupation in these groups earns the points."
        ),
    )
    min_annual_salary_cny = _salary_field()
    min_education = _education_field()
    fact = forms.CharField(
        label=_("Declared fact"),
        required=False,
        max_length=100,
        help_text=_(
            "What the applicant declares and an officer confirms, e.g. lingang_employer "
            "(an employer in the Lingang Special Area)."
        ),
    )

    def __init__(self, *args: Any, rule: BonusRule | None = None, **kwargs: Any) -> None:
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = bonus_initial(rule)
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        return _clean_code(self.cleaned_data["code"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        condition = data.get("condition")
        if condition is None:
            return data
        parameters: dict[str, Any] = {}
        if condition == C.OCCUPATION_PREFIX:
            groups = [g.strip() for g in re.split(r"[,，、\s]+", data.get("prefixes") or "")]
            groups = list(dict.fromkeys(g for g in groups if g))
            wrong = [g for g in groups if not GROUP_RE.match(g)]
            if wrong:
                self.add_error(
                    "prefixes",
                    gettext("Not an occupation group code: %(codes)s. Write codes like 2-02-10.")
                    % {"codes": ", ".join(wrong)},
                )
            elif not groups:
                self.add_error("prefixes", _("List the occupation groups, e.g. 2-02-10."))
            else:
                parameters["prefixes"] = groups
        elif condition == C.SALARY_AT_LEAST:
            amount = data.get("min_annual_salary_cny")
            if amount is None or amount <= 0:
                if "min_annual_salary_cny" not in self.errors:
                    self.add_error(
                        "min_annual_salary_cny", _("Give the minimum annual salary in yuan.")
                    )
            else:
                parameters["min_annual_salary_cny"] = _amount(amount)
        elif condition == C.EDUCATION_AT_LEAST:
            if not data.get("min_education"):
                self.add_error("min_education", _("Choose the minimum education."))
            else:
                parameters["min_education"] = data["min_education"]
        elif condition == C.DECLARED_FACT:
            fact = (data.get("fact") or "").strip()
            if not fact:
                self.add_error("fact", _("Name the fact the applicant declares."))
            else:
                parameters["fact"] = fact
        data["parameters"] = parameters
        return data

    def values(self) -> dict[str, Any]:
        """What ``services.bonus_rule_save`` takes."""
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("code", "title_zh", "title_en", "condition", "parameters", "points")
        }


def bonus_initial(rule: BonusRule) -> dict[str, Any]:
    p = rule.parameters or {}
    return {
        "code": rule.code,
        "title_zh": rule.title_zh,
        "title_en": rule.title_en,
        "condition": rule.condition,
        "points": rule.points,
        "prefixes": ", ".join(str(x) for x in p.get("prefixes", [])),
        "min_annual_salary_cny": p.get("min_annual_salary_cny"),
        "min_education": p.get("min_education", ""),
        "fact": p.get("fact", ""),
    }


# --- Consultation -----------------------------------------------------------------------------


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    route = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, standard: RegionalStandard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.standard = standard

    def clean_route(self) -> RecognitionRoute | None:
        pk = self.cleaned_data.get("route")
        if pk is None:
            return None
        route = RecognitionRoute.objects.filter(regional_standard=self.standard, pk=pk).first()
        if route is None:
            raise forms.ValidationError(_("The draft has no such route."), code="unknown_route")
        return route


# --- Mutual recognition -----------------------------------------------------------------------


def provinces() -> Any:
    return Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")


class AgreementProposeForm(forms.Form):
    proposer = forms.ModelChoiceField(
        label=_("Proposing province"), queryset=Region.objects.none(), empty_label=None
    )
    partner = forms.ModelChoiceField(
        label=_("Partner province"),
        queryset=Region.objects.none(),
        help_text=_(
            "Each province recognises talent recognised under the other's regional standard, "
            "once the partner accepts."
        ),
    )
    effective_from = forms.DateField(
        label=_label(RecognitionAgreement, "effective_from"),
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
        help_text=_(
            "Today or later. Accepted after this day, it applies from the day of acceptance."
        ),
    )
    terms_zh = forms.CharField(
        label=_label(RecognitionAgreement, "terms_zh"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    terms_en = forms.CharField(
        label=_label(RecognitionAgreement, "terms_en"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = [r.pk for r in regions]
        if len(regions) < 2:
            del self.fields["proposer"]
        else:
            self.fields["proposer"].queryset = provinces().filter(pk__in=own)  # type: ignore[attr-defined]
        self.fields["partner"].queryset = provinces().exclude(pk__in=own)  # type: ignore[attr-defined]

    def clean_effective_from(self) -> dt.date:
        day: dt.date = self.cleaned_data["effective_from"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."), code="past")
        return day


class AgreementActionForm(forms.Form):
    """The reason of a decision on an agreement and, for a withdrawal, its last day."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    ends_on = forms.DateField(
        label=_("Last day of the agreement"),
        required=False,
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
        help_text=_(
            "Today or later. Recognitions stay valid in the other province up to and "
            "including this day."
        ),
    )

    def __init__(self, *args: Any, transition: str, reason_required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transition = transition
        # Shown as required where the workflow requires a reason; the workflow decides on
        # submission (a missing reason is refused there, with its message).
        self.fields["reason"].required = reason_required
        if transition == "withdraw":
            self.fields["ends_on"].required = True
            self.fields["ends_on"].error_messages["required"] = _(
                "Choose the last day of the agreement."
            )
        else:
            del self.fields["ends_on"]

    def clean_ends_on(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("ends_on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(
                _("The last day cannot lie in the past: recognition already given stands."),
                code="past",
            )
        return day


class AgreementFilterForm(forms.Form):
    province = forms.ModelChoiceField(
        label=_("Province"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("Every province"),
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Any state")), *RecognitionAgreement.State.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces()  # type: ignore[attr-defined]
