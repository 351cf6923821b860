"""Forms of the employer's application pages: the list's filters, starting an application,
the steps of the guided form (details of the kind, job, worker, recognition facts, the
post's labour-market test), a
document upload, an answer to an information item, and a reason to withdraw.

They check the shape of the input (a date is a date, a choice is one of the choices); the
services decide (``permits.services.applications``): what a form lets through may still
be refused there, and the page shows the service's error against the same field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from permits.models import Application, Document, Vacancy
from portal.countries import COUNTRY_CHOICES
from portal.models import Foreigner, Organization, Region

AK = Application.Kind

# The kinds that start from an existing permit or letter, and what they start from.
PERMIT_KINDS = (AK.EXTENSION, AK.CHANGE, AK.CANCELLATION)
KIND_HELP = {
    AK.NEW: _("Work of more than 90 days: the notification letter, then the permit after entry."),
    AK.SHORT_TERM: _("Work of 90 days or less, done on the letter alone."),
    AK.AFTER_ENTRY: _("The worker has entered China with the notification letter."),
    AK.EXTENSION: _("The same post, filed in the weeks before the permit expires."),
    AK.CHANGE: _("Personal details or the post changed: report it soon after the change."),
    AK.CHANGE_EMPLOYER: _("A worker holding a permit at another employer comes to you."),
    AK.CANCELLATION: _("The contract has ended: cancel the permit."),
}
BONUS_CHOICES = [
    ("top_university", _("Graduate of a well-known foreign university")),
    ("fortune500", _("Experience at a Fortune Global 500 company")),
    ("patents", _("Patents or other intellectual property")),
    ("china_5_years", _("Five years' continuous work in China")),
]
HSK_CHOICES = [(0, _("None"))] + [(n, f"HSK {n}") for n in range(1, 7)]
CATEGORY_CHOICES = [
    ("", _("The best route met (recommended)")),
    ("A", _("Category A")),
    ("B", _("Category B")),
    ("C", _("Category C")),
]
OCCUPATION_CODE = RegexValidator(
    r"^\d-\d{2}-\d{2}-\d{2}$",
    _("Give the code of a detailed occupation, e.g. 2-02-10-03."),
)
LANGUAGE_CODE = RegexValidator(r"^[a-zA-Z]{2,3}$", _("Two or three letters, e.g. en."))
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _number(**attrs: Any) -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", **attrs})


class OrganizationChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Organization) -> str:
        return obj.name


class RegionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.code} {obj.name}"


# --- The list ------------------------------------------------------------------------------------


class ApplicationFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All states")), *Application.State.choices],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *AK.choices]
    )
    employer = forms.TypedChoiceField(label=_("Employer"), required=False, coerce=int)

    def __init__(self, *args: Any, employers: Sequence[Organization] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["employer"].choices = [  # type: ignore[attr-defined]
            ("", _("All employers")),
            *((e.pk, e.name) for e in employers),
        ]
        if len(employers) < 2:
            del self.fields["employer"]


# --- Starting ------------------------------------------------------------------------------------


class StartForm(forms.Form):
    """Who the application is for (an agent chooses among the employers it represents)
    and its kind."""

    employer = OrganizationChoiceField(
        label=_("Employer"), queryset=Organization.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(
        label=_("Kind of application"), choices=AK.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, employers: Iterable[Organization] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        ids = [e.pk for e in employers]
        field = self.fields["employer"]
        field.queryset = Organization.objects.filter(pk__in=ids).order_by("name_zh")  # type: ignore[attr-defined]
        if len(ids) == 1:
            field.initial = ids[0]
            field.widget = forms.HiddenInput()


class PermitChoiceForm(forms.Form):
    """Extension, change, cancellation: one of the employer's permits in force."""

    permit = forms.TypedChoiceField(label=_("Permit"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args: Any, choices: Sequence[tuple[int, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["permit"].choices = list(choices)  # type: ignore[attr-defined]


class LetterChoiceForm(forms.Form):
    """Work permit after entry: one of the employer's valid notification letters."""

    letter = forms.TypedChoiceField(
        label=_("Notification letter"), coerce=int, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, choices: Sequence[tuple[int, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["letter"].choices = list(choices)  # type: ignore[attr-defined]


class WorkerPermitSearchForm(forms.Form):
    """Change of employer: the worker's permit at their current employer, found by the
    passport they hold."""

    passport_number = forms.CharField(
        label=_("Passport number"),
        max_length=20,
        validators=[RegexValidator(r"^[0-9A-Za-z]{5,20}$", _("5 to 20 letters and digits."))],
    )
    nationality = forms.ChoiceField(label=_("Nationality"), choices=[("", "—"), *COUNTRY_CHOICES])

    def clean_passport_number(self) -> str:
        return "".join(str(self.cleaned_data["passport_number"]).split()).upper()


# --- The steps -----------------------------------------------------------------------------------


class StepForm(forms.Form):
    """A step of the guided form: ``values()`` is what ``draft_update`` receives."""

    step = ""

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class DetailsForm(StepForm):
    """The kind's own facts (the service's step ``kind``)."""

    step = "kind"
    entry_date = forms.DateField(
        label=_("Date of entry into China"),
        widget=DATE_WIDGET,
    )
    change_kind = forms.ChoiceField(
        label=_("What changed"), choices=Application.ChangeKind.choices, widget=forms.RadioSelect
    )
    change_date = forms.DateField(label=_("Date of the change"), widget=DATE_WIDGET)
    contract_end = forms.DateField(label=_("Last day of the contract"), widget=DATE_WIDGET)

    FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
        AK.AFTER_ENTRY: ("entry_date",),
        AK.CHANGE: ("change_kind", "change_date"),
        AK.EXTENSION: ("contract_end",),
        AK.CANCELLATION: ("contract_end",),
    }

    def __init__(self, *args: Any, kind: str, window_help: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The window as the submission check enforces it (``permits.windows.window_help``).
        self.window_help = window_help
        keep = self.FIELDS_BY_KIND.get(kind, ())
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if kind == AK.EXTENSION:
            self.fields["contract_end"].label = _("Last day of the renewed contract")
            self.fields["contract_end"].help_text = _(
                "The permit is extended for the renewed contract, within the category's limit."
            )
        elif kind == AK.CANCELLATION:
            self.fields["contract_end"].label = _("Day the contract ended")
            self.fields["contract_end"].help_text = window_help
        elif kind == AK.AFTER_ENTRY:
            self.fields["entry_date"].help_text = window_help
        elif kind == AK.CHANGE:
            self.fields["change_date"].help_text = window_help


class JobForm(StepForm):
    step = "job"
    occupation = forms.CharField(
        label=_("Occupation code"),
        max_length=10,
        validators=[OCCUPATION_CODE],
        help_text=_(
            "The detailed occupation of the National Occupational Classification (2022), "
            "e.g. 2-02-10-03 for computer software engineering technicians."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    job_title = forms.CharField(label=_("Job title"), max_length=100)
    work_region = RegionChoiceField(
        label=_("Place of work"),
        queryset=Region.objects.none(),
        help_text=_("The province (or the division below it) where the worker works."),
    )
    annual_salary_cny = forms.DecimalField(
        label=_("Annual salary paid in China (CNY)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Before tax, in yuan: 300000 for 300,000 CNY a year."),
        widget=_number(autocomplete="off"),
    )
    months_in_china_per_year = forms.DecimalField(
        label=_("Months a year working in China"),
        min_value=0,
        max_value=12,
        max_digits=4,
        decimal_places=1,
        initial=12,
        widget=_number(),
    )
    contract_start = forms.DateField(label=_("Contract from"), widget=DATE_WIDGET)
    contract_end = forms.DateField(label=_("Contract until"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["work_region"].queryset = Region.objects.order_by("code")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("contract_start"), data.get("contract_end")
        if start and end and end <= start:
            self.add_error("contract_end", _("The contract must end after it starts."))
        return data

    @staticmethod
    def initial_from(application: Application) -> dict[str, Any]:
        return {
            "occupation": application.occupation.code if application.occupation else "",
            "job_title": application.job_title,
            "work_region": application.work_region_id or application.region_id,
            "annual_salary_cny": application.annual_salary_cny,
            "months_in_china_per_year": application.months_in_china_per_year
            if application.months_in_china_per_year is not None
            else 12,
            "contract_start": application.contract_start,
            "contract_end": application.contract_end,
        }


class WorkerForm(StepForm):
    step = "worker"
    passport_number = forms.CharField(label=_("Passport number"), max_length=20)
    passport_country = forms.ChoiceField(
        label=_("Issuing country"), choices=[("", "—"), *COUNTRY_CHOICES]
    )
    passport_issue_date = forms.DateField(label=_("Date of issue"), widget=DATE_WIDGET)
    passport_expiry_date = forms.DateField(label=_("Date of expiry"), widget=DATE_WIDGET)
    surname = forms.CharField(label=_("Surname (as in the passport)"), max_length=100)
    given_names = forms.CharField(
        label=_("Given names (as in the passport)"), max_length=150, required=False
    )
    name_zh = forms.CharField(label=_("Chinese name"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Foreigner.Sex.choices])
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE_WIDGET)
    nationality = forms.ChoiceField(label=_("Nationality"), choices=[("", "—"), *COUNTRY_CHOICES])
    mrz_line1 = forms.CharField(
        label=_("Machine-readable zone, line 1"),
        max_length=44,
        required=False,
        help_text=_(
            "Optional: the two lines at the foot of the passport's information page, 44 "
            "characters each. Their check digits are verified against what you typed."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    mrz_line2 = forms.CharField(
        label=_("Machine-readable zone, line 2"),
        max_length=44,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    previous_passport_number = forms.CharField(
        label=_("Previous passport number"),
        max_length=20,
        required=False,
        help_text=_("When the worker has renewed the passport since an earlier application."),
    )

    def clean_passport_number(self) -> str:
        return "".join(str(self.cleaned_data["passport_number"]).split()).upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("mrz_line1", ""), data.get("mrz_line2", "")
        if bool(one) != bool(two):
            self.add_error(
                "mrz_line2" if one else "mrz_line1",
                _("Enter both lines of the machine-readable zone, or neither."),
            )
        return data

    @staticmethod
    def initial_from(application: Application) -> dict[str, Any]:
        person, passport = application.foreigner, application.passport
        initial: dict[str, Any] = {}
        if person is not None:
            initial.update(
                surname=person.surname,
                given_names=person.given_names,
                name_zh=person.name_zh,
                sex=person.sex,
                date_of_birth=person.date_of_birth,
                nationality=person.nationality,
            )
        if passport is not None:
            initial.update(
                passport_number=passport.number,
                passport_country=passport.issuing_country,
                passport_issue_date=passport.issue_date,
                passport_expiry_date=passport.expiry_date,
            )
        return initial


class FactsForm(StepForm):
    """The facts the recognition engine scores, and what the employer claims."""

    step = "facts"
    education = forms.ChoiceField(
        label=_("Highest degree"), choices=[("", "—"), *Application.Education.choices]
    )
    skill_certificate = forms.ChoiceField(
        label=_("Skill certificate"),
        choices=Application.SkillCertificate.choices,
        initial=Application.SkillCertificate.NONE,
    )
    experience_years = forms.DecimalField(
        label=_("Years of relevant work experience"),
        min_value=0,
        max_value=99,
        max_digits=4,
        decimal_places=1,
        widget=_number(),
    )
    hsk_level = forms.TypedChoiceField(
        label=_("Chinese (HSK level)"), choices=HSK_CHOICES, coerce=int, initial=0
    )
    former_chinese_national = forms.BooleanField(label=_("Former Chinese national"), required=False)
    chinese_taught_degree = forms.BooleanField(label=_("Degree taught in Chinese"), required=False)
    bonuses = forms.MultipleChoiceField(
        label=_("Bonus facts"),
        choices=BONUS_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    declared_facts = forms.MultipleChoiceField(
        label=_("Facts the province's regional standard asks about"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    teaches_language = forms.CharField(
        label=_("Language taught (language teachers)"),
        max_length=3,
        required=False,
        validators=[LANGUAGE_CODE],
        help_text=_("ISO 639-1 code, e.g. en; leave empty unless the post teaches a language."),
    )
    native_language = forms.CharField(
        label=_("Native language"), max_length=3, required=False, validators=[LANGUAGE_CODE]
    )
    teaching_years = forms.DecimalField(
        label=_("Years of teaching"),
        min_value=0,
        max_value=99,
        max_digits=4,
        decimal_places=1,
        required=False,
        widget=_number(),
    )
    teaching_qualification = forms.BooleanField(label=_("Teaching qualification"), required=False)
    category = forms.ChoiceField(
        label=_("Category claimed"), choices=CATEGORY_CHOICES, required=False
    )
    route_code = forms.ChoiceField(
        label=_("Route claimed"),
        required=False,
        help_text=_(
            "The routes of the standards in force where the post is; leave the first choice "
            "to let the portal choose the best route met."
        ),
    )
    achievements = forms.MultipleChoiceField(
        label=_("Listed achievements and talent programmes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only what the documents will prove: an officer confirms each one against its evidence."
        ),
    )
    commitment_letters = forms.BooleanField(
        label=_("Category A: signed commitment letters instead of the proofs"),
        required=False,
        help_text=_(
            "The commitment replaces the proofs of experience, degree and no criminal record; "
            "missing documents do not block acceptance."
        ),
    )
    c_group = forms.ChoiceField(
        label=_("Category C group"),
        choices=[("", "—"), *Application.CGroup.choices],
        required=False,
        help_text=_("Only for Category C."),
    )

    def __init__(
        self,
        *args: Any,
        facts: Sequence[tuple[str, str]] = (),
        routes: Sequence[tuple[str, str]] = (),
        achievements: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        field = self.fields["declared_facts"]
        field.choices = list(facts)  # type: ignore[attr-defined]
        if not facts:
            del self.fields["declared_facts"]
        self.fields["route_code"].choices = [  # type: ignore[attr-defined]
            ("", _("The best route met (recommended)")),
            *routes,
        ]
        if achievements:
            self.fields["achievements"].choices = list(achievements)  # type: ignore[attr-defined]
        else:
            del self.fields["achievements"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("commitment_letters") and data.get("category") not in ("A",):
            self.add_error(
                "commitment_letters",
                _("Commitment letters replace proofs only for Category A: claim Category A."),
            )
        if data.get("c_group") and data.get("category") != "C":
            self.add_error("c_group", _("A group is chosen only for Category C."))
        return data

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["teaching_years"] = data.get("teaching_years") or 0
        data.setdefault("declared_facts", [])
        if "achievements" in self.fields:
            data.setdefault("achievements", [])
        return data

    @staticmethod
    def initial_from(application: Application) -> dict[str, Any]:
        return {
            "education": application.education,
            "skill_certificate": application.skill_certificate,
            "experience_years": application.experience_years,
            "hsk_level": application.hsk_level,
            "former_chinese_national": application.former_chinese_national,
            "chinese_taught_degree": application.chinese_taught_degree,
            "bonuses": list(application.bonuses or []),
            "declared_facts": list(application.declared_facts or []),
            "teaches_language": application.teaches_language,
            "native_language": application.native_language,
            "teaching_years": application.teaching_years or None,
            "teaching_qualification": application.teaching_qualification,
            "category": application.category,
            "route_code": application.route_code,
            "achievements": list(application.achievements or []),
            "commitment_letters": application.commitment_letters,
            "c_group": application.c_group,
        }


class VacancyForm(StepForm):
    """The labour-market test of the post (the service's step ``vacancy``): where and
    when it was advertised to domestic candidates, and what came of it."""

    step = "vacancy"
    vacancy_job_title = forms.CharField(label=_("Post advertised"), max_length=100)
    vacancy_occupation = forms.CharField(
        label=_("Occupation code of the post"),
        max_length=10,
        validators=[OCCUPATION_CODE],
        help_text=_("The same detailed occupation as the job, e.g. 2-02-10-03."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    requirements = forms.CharField(
        label=_("Requirements of the post"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Education, experience, skills and languages, as advertised."),
    )
    vacancy_salary_cny = forms.DecimalField(
        label=_("Annual salary offered (CNY)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=_number(autocomplete="off"),
    )
    channels = forms.MultipleChoiceField(
        label=_("Where it was advertised"),
        choices=Vacancy.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    channel_details = forms.CharField(
        label=_("The advertisements"),
        max_length=500,
        required=False,
        help_text=_("Names of the websites or papers, links or reference numbers."),
    )
    advertised_from = forms.DateField(label=_("Advertised from"), widget=DATE_WIDGET)
    advertised_until = forms.DateField(
        label=_("Advertised until"),
        widget=DATE_WIDGET,
        help_text=_("The application can be submitted from the next working day after this day."),
    )
    applications_received = forms.IntegerField(
        label=_("Applications from domestic candidates"), min_value=0, max_value=1_000_000
    )
    reasons_unsuitable = forms.CharField(
        label=_("Why they were not suitable"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For every candidate who applied: what the post needs that they lacked."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("advertised_from"), data.get("advertised_until")
        if start and end and end < start:
            self.add_error(
                "advertised_until", _("The advertising must end on or after its first day.")
            )
        if data.get("applications_received") and not data.get("reasons_unsuitable"):
            self.add_error(
                "reasons_unsuitable",
                _("Say why the domestic candidates who applied were not suitable."),
            )
        return data

    @staticmethod
    def initial_from(application: Application, vacancy: Vacancy | None) -> dict[str, Any]:
        if vacancy is None:
            return {
                "vacancy_job_title": application.job_title,
                "vacancy_occupation": application.occupation.code if application.occupation else "",
                "vacancy_salary_cny": application.annual_salary_cny,
            }
        return {
            "vacancy_job_title": vacancy.job_title,
            "vacancy_occupation": vacancy.occupation.code,
            "requirements": vacancy.requirements,
            "vacancy_salary_cny": vacancy.annual_salary_cny,
            "channels": list(vacancy.channels),
            "channel_details": vacancy.channel_details,
            "advertised_from": vacancy.advertised_from,
            "advertised_until": vacancy.advertised_until,
            "applications_received": vacancy.applications_received,
            "reasons_unsuitable": vacancy.reasons_unsuitable,
        }


# --- Documents, answers, withdrawal --------------------------------------------------------------


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("File (PDF, JPEG or PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    issued_on = forms.DateField(label=_("Date of issue"), required=False, widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any):
        kwargs.setdefault("prefix", f"doc-{kind}")
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["file"].label = _("File for “%(label)s”") % {"label": Document.Kind(kind).label}


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(label=_("Document (PDF, JPEG or PNG)"), required=False)
    issued_on = forms.DateField(label=_("Date of issue"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, position: int, **kwargs: Any):
        kwargs.setdefault("prefix", f"item-{position}")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("answer") or "").strip() and not data.get("file") and not self.errors:
            self.add_error("answer", _("Write an answer or attach a document."))
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The officers read it with the application."),
    )
