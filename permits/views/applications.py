"""The employer's application pages (employer admins and staff, and agency agents acting
under a power of attorney in force, for the employer they choose).

* ``applications/``: the applications of the employers the user acts for, newest change
  first, filtered by state, kind (and employer), paged without counting the table;
* ``applications/new/``: choose the employer and the kind; ``applications/new/<kind>/``:
  the permit, letter or (change of employer) the worker's current permit it concerns;
  ``applications/<pk>/copy/``: a new draft from an earlier application;
* ``applications/<pk>/edit/<step>/``: the guided form, one step a page (details of the
  kind, job, worker, recognition facts, the post's labour-market test when the post needs
  one, documents, review & submit). Each step saves the
  draft through ``draft_update`` and goes on to the next; the recognition engine's result
  for the draft is shown beside the job and facts (``preview/`` refreshes it with htmx as
  the fields change; without JavaScript it is the saved draft's);
* ``applications/<pk>/``: the application's page: state, deadlines, the officers'
  correction or information request answered item by item, withdraw, the decision and
  what was issued;
* ``applications/<pk>/documents/<id>/``: a document, for the employer's people only.

Every page fetches its application through ``_application``: an application of another
employer, one whose power of attorney has ended, and one that does not exist all answer
404; officers use their own pages. Views write only through the services.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalogs import selectors as catalog_selectors
from permits import checks, clocks, documents, labour_market, windows
from permits.access import employer_ids_for, may_act_on
from permits.checks import Recognition
from permits.forms.applications import (
    KIND_HELP,
    PERMIT_KINDS,
    AnswerForm,
    ApplicationFilterForm,
    DetailsForm,
    DocumentForm,
    FactsForm,
    JobForm,
    LetterChoiceForm,
    PermitChoiceForm,
    StartForm,
    StepForm,
    VacancyForm,
    WithdrawForm,
    WorkerForm,
    WorkerPermitSearchForm,
)
from permits.models import (
    EDITABLE_STATES,
    Application,
    Document,
    InformationItem,
    InformationRequest,
    NotificationLetter,
    Permit,
)
from permits.problems import Problem
from permits.selectors import applications as selectors
from permits.selectors import issued as issued_selectors
from permits.selectors import permits as permit_selectors
from permits.services import applications as services
from permits.workflows import APPLICATION_WORKFLOW
from portal.access import role_names
from portal.files import file_response
from portal.models import Organization, Region, User
from portal.models.base import localized
from portal.pagination import page_of
from portal.roles import EMPLOYER_SIDE_ROLES, Role
from portal.services import ServiceError
from portal.workflow import WorkflowError, history
from talent_standards import selectors as talent_selectors

AK = Application.Kind
S = Application.State
PAGE_SIZE = 25

# The steps of the guided form of each kind; "kind" is the kind's own details.
ASSESSED = ("job", "worker", "facts", "documents", "review")
STEPS_BY_KIND: dict[str, tuple[str, ...]] = {
    AK.NEW: ASSESSED,
    AK.SHORT_TERM: ASSESSED,
    AK.CHANGE_EMPLOYER: ASSESSED,
    AK.AFTER_ENTRY: ("kind", "worker", "documents", "review"),
    AK.EXTENSION: ("kind", "worker", "documents", "review"),
    AK.CHANGE: ("kind", "job", "worker", "documents", "review"),
    AK.CANCELLATION: ("kind", "documents", "review"),
}
STEP_LABELS: dict[str, Promise] = {
    "kind": gettext_lazy("Details"),
    "job": gettext_lazy("Job"),
    "worker": gettext_lazy("Worker"),
    "facts": gettext_lazy("Recognition facts"),
    "vacancy": gettext_lazy("Labour-market test"),
    "documents": gettext_lazy("Documents"),
    "review": gettext_lazy("Review and submit"),
}
FORM_STEPS = ("kind", "job", "worker", "facts", "vacancy")
PREVIEW_STEPS = ("job", "worker", "facts")
# What the employer owes, by state.
OWED: dict[str, Promise] = {
    S.INFORMATION_REQUESTED: gettext_lazy("Information requested"),
    S.RETURNED: gettext_lazy("Returned for correction"),
}
# The engine's route statuses (``talent_standards.engine.RouteStatus``, a StrEnum).
MET, NOT_MET, NEEDS_CONFIRMATION = "met", "not_met", "needs_confirmation"
STATUS_WORDS = {
    MET: gettext_lazy("Met"),
    NOT_MET: gettext_lazy("Not met"),
    NEEDS_CONFIRMATION: gettext_lazy("Needs an officer's confirmation"),
}
AGENT_ROLE = Role.AGENCY_AGENT.value
# Errors the services name by a key that is not a form field.
ERROR_FIELDS = {"mrz": "mrz_line1"}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _today() -> dt.date:
    return timezone.localdate()


# --- Access --------------------------------------------------------------------------------------


def _employers(request: HttpRequest) -> list[Organization]:
    """The employers the user acts for today (their own, or by power of attorney)."""
    ids = employer_ids_for(_user(request))
    if not ids:
        return []
    return list(Organization.objects.filter(pk__in=sorted(ids)).order_by("name_zh"))


def _application(request: HttpRequest, pk: int) -> Application:
    """The application when the user may act for its employer; 404 otherwise, the same as
    for an application that does not exist (officers included: they have their pages)."""
    application = selectors.application_page(pk)
    if application is None:
        raise Http404
    if not may_act_on(_user(request), application):
        raise Http404
    return application


def _add_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = ERROR_FIELDS.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _steps(application: Application) -> tuple[str, ...]:
    """The steps of the application's form: those of its kind, with the labour-market test
    after the facts when the post needs one (``permits.labour_market``; remembered on the
    instance, so that a page asks once)."""
    steps = STEPS_BY_KIND.get(application.kind, ASSESSED)
    if application.kind not in labour_market.KINDS:
        return steps
    shown = getattr(application, "_vacancy_step", None)
    if shown is None:
        shown = labour_market.needs_step(application, _today())
        _show_vacancy_step(application, shown)
    if not shown:
        return steps
    index = steps.index("facts") + 1
    return (*steps[:index], labour_market.STEP, *steps[index:])


def _show_vacancy_step(application: Application, shown: bool = True) -> None:
    application._vacancy_step = shown  # type: ignore[attr-defined]


def _step_url(application: Application, step: str) -> str:
    return reverse("permits:application_step", args=[application.pk, step])


def _next_step(application: Application, step: str) -> str:
    steps = _steps(application)
    index = steps.index(step)
    return steps[min(index + 1, len(steps) - 1)]


@dataclass(frozen=True)
class StepLink:
    slug: str
    label: str
    url: str
    current: bool
    done: bool
    number: int


def _step_links(application: Application, current: str) -> list[StepLink]:
    saved = set(application.steps_saved or ())
    has_documents = bool(application.documents.all())
    return [
        StepLink(
            slug=step,
            label=str(STEP_LABELS[step]),
            url=_step_url(application, step),
            current=step == current,
            done=step in saved or (step == "documents" and has_documents),
            number=n,
        )
        for n, step in enumerate(_steps(application), start=1)
    ]


def _refuse_unless_editable(request: HttpRequest, application: Application) -> HttpResponse | None:
    if application.state in EDITABLE_STATES:
        return None
    messages.info(
        request,
        _("The application is %(state)s: it can no longer be changed.")
        % {"state": application.get_state_display()},
    )
    return redirect("permits:application", pk=application.pk)


def _nobody_to_act_for(request: HttpRequest) -> HttpResponse:
    """An agent whose agency holds no power of attorney in force (or an employer user of
    an organization no longer active) is told why the list is empty; anyone else (an
    officer) gets 404: these pages are not theirs."""
    names = role_names(_user(request))
    if not names & EMPLOYER_SIDE_ROLES:
        raise Http404
    return render(request, "permits/applications/nobody.html", {"is_agent": AGENT_ROLE in names})


# --- The list ------------------------------------------------------------------------------------


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    employers = _employers(request)
    if not employers:
        return _nobody_to_act_for(request)
    form = ApplicationFilterForm(request.GET or None, employers=employers)
    states: list[str] = []
    kinds: list[str] = []
    employer_ids: list[int] | None = None
    if form.is_bound and form.is_valid():
        if form.cleaned_data.get("state"):
            states = [form.cleaned_data["state"]]
        if form.cleaned_data.get("kind"):
            kinds = [form.cleaned_data["kind"]]
        if form.cleaned_data.get("employer"):
            employer_ids = [form.cleaned_data["employer"]]
    queryset = selectors.employer_applications(
        user, employer_ids=employer_ids, states=states, kinds=kinds
    )
    page = page_of(queryset, request.GET.get("page"), PAGE_SIZE)
    rows = [
        {
            "application": a,
            "owed": OWED.get(a.state, ""),
            "editable": a.state in EDITABLE_STATES,
            "copyable": a.kind in services.COPYABLE_KINDS,
        }
        for a in page
    ]
    return render(
        request,
        "permits/applications/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "several_employers": len(employers) > 1,
            "filtered": bool(states or kinds or employer_ids),
        },
    )


# --- Starting ------------------------------------------------------------------------------------


def _employer_from(request: HttpRequest, raw: Any) -> Organization:
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        raise Http404 from None
    if pk not in employer_ids_for(_user(request)):
        raise Http404
    employer = Organization.objects.filter(pk=pk).first()
    if employer is None:
        raise Http404
    return employer


@login_required
def application_start(request: HttpRequest) -> HttpResponse:
    """Choose the employer (an agent: among those it represents) and the kind."""
    employers = _employers(request)
    if not employers:
        return _nobody_to_act_for(request)
    form = StartForm(request.POST or None, employers=employers)
    if request.method == "POST" and form.is_valid():
        employer = form.cleaned_data["employer"]
        kind = form.cleaned_data["kind"]
        if kind not in (AK.NEW, AK.SHORT_TERM):
            url = reverse("permits:application_start_from", args=[kind])
            return redirect(f"{url}?employer={employer.pk}")
        try:
            application = services.draft_create(
                actor=_user(request), employer=employer, kind=kind, request=request
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Draft %(number)s is started. It is saved at every step.")
                % {"number": application.number},
            )
            return redirect(_step_url(application, _steps(application)[0]))
    ids = [e.pk for e in employers]
    earlier = list(
        selectors.employer_applications(
            _user(request), employer_ids=ids, kinds=sorted(services.COPYABLE_KINDS)
        ).exclude(state=S.DRAFT)[:10]
    )
    return render(
        request,
        "permits/applications/start.html",
        {"form": form, "earlier": earlier, "kind_help": _kind_help()},
    )


def _kind_help() -> dict[str, str]:
    return {str(k): str(v) for k, v in KIND_HELP.items()}


def _permit_label(permit: Permit) -> str:
    return _("%(number)s · %(worker)s · %(title)s · valid until %(until)s") % {
        "number": permit.permit_number,
        "worker": permit.foreigner.latin_name,
        "title": permit.job_title,
        "until": permit.valid_until.isoformat(),
    }


def _letter_label(letter: NotificationLetter) -> str:
    return _("%(number)s · %(worker)s · Category %(category)s · valid until %(until)s") % {
        "number": letter.number,
        "worker": letter.foreigner.latin_name,
        "category": letter.category,
        "until": letter.valid_until.isoformat(),
    }


def _valid_letters(employer: Organization, today: dt.date) -> list[NotificationLetter]:
    return list(
        NotificationLetter.objects.filter(
            employer=employer,
            state=NotificationLetter.State.VALID,
            is_short_term=False,
            valid_until__gte=today,
        )
        .select_related("foreigner")
        .order_by("-issued_on", "-id")
    )


@login_required
def application_start_from(request: HttpRequest, kind: str) -> HttpResponse:
    """A kind that concerns a permit or a letter: choose it, then the draft starts with
    what it already says (the worker, the job, the recognition)."""
    if kind not in AK.values or kind in (AK.NEW, AK.SHORT_TERM):
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    employer = _employer_from(request, source.get("employer"))
    today = _today()
    context: dict[str, Any] = {"kind": kind, "kind_label": AK(kind).label, "employer": employer}
    form: Form
    found: Permit | None = None
    if kind in PERMIT_KINDS:
        permits = list(permit_selectors.employer_permits(employer, day=today, statuses=["active"]))
        form = PermitChoiceForm(
            request.POST or None, choices=[(p.pk, _permit_label(p)) for p in permits]
        )
        context["choices_empty"] = not permits
    elif kind == AK.AFTER_ENTRY:
        letters = _valid_letters(employer, today)
        form = LetterChoiceForm(
            request.POST or None, choices=[(n.pk, _letter_label(n)) for n in letters]
        )
        context["choices_empty"] = not letters
    else:  # change of employer: the worker's permit elsewhere, by passport
        form = WorkerPermitSearchForm(source if "passport_number" in source else None)
        if form.is_bound and form.is_valid():
            found = permit_selectors.permit_by_passport(
                form.cleaned_data["passport_number"], form.cleaned_data["nationality"], today
            )
            if found is not None and (
                found.status_on(today) != Permit.State.ACTIVE or found.employer_id == employer.pk
            ):
                found = None
            if found is None:
                form.add_error(
                    None,
                    _(
                        "No permit in force at another employer is recorded for this passport. "
                        "Check the number and the nationality, or apply for a new permit."
                    ),
                )
        context["found"] = found
    if request.method == "POST" and form.is_valid() and "confirm" in request.POST:
        permit: Permit | None = None
        letter: NotificationLetter | None = None
        if kind in PERMIT_KINDS:
            permit = next((p for p in permits if p.pk == form.cleaned_data["permit"]), None)
        elif kind == AK.AFTER_ENTRY:
            letter = next((n for n in letters if n.pk == form.cleaned_data["letter"]), None)
        else:
            permit = found
        if permit is None and letter is None:
            form.add_error(None, _("Choose one of those listed."))
        else:
            try:
                application = services.draft_create(
                    actor=_user(request),
                    employer=employer,
                    kind=kind,
                    permit=permit,
                    letter=letter,
                    request=request,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Draft %(number)s is started from what is already recorded.")
                    % {"number": application.number},
                )
                return redirect(_step_url(application, _steps(application)[0]))
    context["form"] = form
    return render(request, "permits/applications/start_from.html", context)


@login_required
@require_POST
def application_copy(request: HttpRequest, pk: int) -> HttpResponse:
    source = _application(request, pk)
    try:
        draft = services.draft_copy(actor=_user(request), application=source, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("permits:applications")
    messages.success(
        request,
        _("Draft %(number)s is a copy of %(source)s: check every step before submitting.")
        % {"number": draft.number, "source": source.number},
    )
    return redirect(_step_url(draft, _steps(draft)[0]))


# --- The guided form -----------------------------------------------------------------------------


@login_required
def application_resume(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a draft was left: the first step not yet saved, else the review."""
    application = _application(request, pk)
    refused = _refuse_unless_editable(request, application)
    if refused is not None:
        return refused
    saved = set(application.steps_saved or ())
    for step in _steps(application):
        if step in FORM_STEPS and step not in saved:
            return redirect(_step_url(application, step))
    return redirect(_step_url(application, "review"))


def _declared_facts(application: Application, today: dt.date) -> list[tuple[str, str]]:
    province = application.region
    if province is None:
        return []
    rules = talent_selectors.declared_fact_rules(province.code, today)
    return [
        (
            str(rule.parameters.get("fact", "")),
            _("%(title)s (+%(points)d points)") % {"title": rule.title, "points": rule.points},
        )
        for rule in rules
    ]


def _step_form(application: Application, step: str, data: Any = None) -> StepForm:
    today = _today()
    if step == "kind":
        initial = {
            "entry_date": application.entry_date,
            "change_kind": application.change_kind,
            "change_date": application.change_date,
            "contract_end": application.contract_end,
        }
        return DetailsForm(
            data,
            kind=application.kind,
            initial=initial,
            window_help=windows.window_help(application),
        )
    if step == "job":
        return JobForm(data, initial=JobForm.initial_from(application))
    if step == "worker":
        return WorkerForm(data, initial=WorkerForm.initial_from(application))
    if step == labour_market.STEP:
        vacancy = labour_market.vacancy_of(application)
        return VacancyForm(data, initial=VacancyForm.initial_from(application, vacancy))
    routes, achievements = _route_choices(application, today)
    return FactsForm(
        data,
        initial=FactsForm.initial_from(application),
        facts=_declared_facts(application, today),
        routes=routes,
        achievements=achievements,
    )


def _route_choices(
    application: Application, today: dt.date
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The routes an employer may claim where the post is (the national standard and the
    province's regional standard in force), and the listed achievements and programmes
    those routes name, for the facts step."""
    region = application.work_region or application.region
    if region is None:
        return [], []
    try:
        rules = talent_selectors.rules_for(region=region, on=today)
    except talent_selectors.RulesUnavailable:
        return [], []
    routes = [
        (
            rule.code,
            _("%(code)s · Category %(category)s · %(title)s")
            % {"code": rule.code, "category": rule.category, "title": rule.title},
        )
        for rule in rules.routes
    ]
    achievements: list[tuple[str, str]] = []
    for rule in rules.routes:
        if rule.kind == "listed_achievement":
            for item in rule.parameters.get("list", []):
                title = localized(str(item.get("title_zh", "")), str(item.get("title_en", "")))
                achievements.append((str(item.get("code")), f"{title} ({rule.code})"))
        elif rule.kind == "officer_judgement":
            achievements.append((rule.code, f"{rule.title} ({rule.code})"))
    return routes, achievements


@login_required
def application_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    application = _application(request, pk)
    if step == labour_market.STEP and application.kind in labour_market.KINDS:
        # Reachable whenever a test is recorded or asked for at review, even when the
        # claim alone (no category chosen) does not show it.
        _show_vacancy_step(application)
    if step not in _steps(application):
        raise Http404
    refused = _refuse_unless_editable(request, application)
    if refused is not None:
        return refused
    if step == "documents":
        return _documents_page(request, application)
    if step == "review":
        return _review_page(request, application)
    form = _step_form(application, step, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.draft_update(
                actor=_user(request),
                application=application,
                step=form.step,
                request=request,
                **form.values(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(_step_url(saved, _next_step(saved, step)))
    context = _step_context(application, step)
    context["form"] = form
    if step == labour_market.STEP:
        context["labour_market"] = _labour_market_view(application)
    if step in PREVIEW_STEPS:
        context["preview"] = _preview(application)
    return render(request, "permits/applications/step.html", context)


def _step_context(application: Application, step: str) -> dict[str, Any]:
    steps = _steps(application)
    index = steps.index(step)
    return {
        "application": application,
        "step": step,
        "step_label": STEP_LABELS[step],
        "steps": _step_links(application, step),
        "previous_url": _step_url(application, steps[index - 1]) if index else "",
        "assessed": application.kind in checks.ASSESSED_KINDS,
    }


@dataclass(frozen=True)
class LabourMarketView:
    """The test the post needs, as the step and the review show it."""

    requirement: labour_market.Requirement | None
    days_words: str
    first_day: dt.date | None


def _labour_market_view(application: Application) -> LabourMarketView:
    today = _today()
    if application.category and application.route_code:
        needed = labour_market.requirement(application, today)
    else:
        # No route claimed: the one the recognition reaches decides, as at submission.
        recognition = checks.recognize(application, today)
        needed = labour_market.requirement(
            labour_market.post_of(
                application, category=recognition.category, route_code=recognition.route_code
            ),
            today,
        )
    vacancy = labour_market.vacancy_of(application)
    first = (
        labour_market.first_submission_day(vacancy.advertised_until)
        if vacancy is not None
        else None
    )
    return LabourMarketView(needed, needed.days_words() if needed else "", first)


# --- The recognition preview ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShownRoute:
    result: Any  # talent_standards.engine.RouteResult
    status_words: str


@dataclass
class Preview:
    recognition: Recognition
    category: str = ""
    category_label: str = ""
    met: list[ShownRoute] = field(default_factory=list)
    confirm: list[ShownRoute] = field(default_factory=list)
    not_met: list[ShownRoute] = field(default_factory=list)
    max_total: int = 0


def _preview(application: Application) -> Preview:
    """The recognition of the draft as it stands: nothing is saved."""
    recognition = checks.assessment_preview(application, _today())
    shown = Preview(recognition=recognition, category=recognition.category)
    if recognition.category:
        shown.category_label = str(engine_category_label(recognition.category))
    assessment = recognition.assessment
    if assessment is not None:
        shown.max_total = sum(line.max for line in assessment.points.lines)
        for result in assessment.routes:
            status = str(result.status)
            row = ShownRoute(result, str(STATUS_WORDS.get(status, status)))
            if status == MET:
                shown.met.append(row)
            elif status == NEEDS_CONFIRMATION:
                shown.confirm.append(row)
            else:
                shown.not_met.append(row)
    return shown


def engine_category_label(category: str) -> str:
    labels = {
        "A": _("Category A: high-end talent"),
        "B": _("Category B: professional talent"),
        "C": _("Category C: other foreign personnel"),
    }
    return labels.get(category, category)


def _unsaved(application: Application, step: str, data: Any) -> Application:
    """A copy of the draft with the step's fields as typed (those that are valid), for
    the preview; the database is not touched."""
    draft = copy.copy(application)
    draft._state = copy.copy(application._state)
    draft._state.fields_cache = dict(application._state.fields_cache)
    form = _step_form(application, step, data)
    form.is_valid()
    values = form.cleaned_data
    if step == "job":
        if "occupation" in values:
            draft.occupation = catalog_selectors.occupation_by_code(values["occupation"])
        region: Region | None = values.get("work_region")
        if region is not None:
            draft.work_region = region
            draft.region = checks.province_of(region)
        for name in ("annual_salary_cny", "months_in_china_per_year", "contract_start"):
            if name in values:
                setattr(draft, name, values[name])
        if "contract_end" in values:
            draft.contract_end = values["contract_end"]
    elif step == "facts":
        for name, value in values.items():
            if name == "teaching_years":
                value = value or 0
            setattr(draft, name, value)
    return draft


@login_required
@require_POST
def application_preview(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """The recognition panel alone (htmx), as the job or facts fields change."""
    application = _application(request, pk)
    if step not in ("job", "facts") or application.state not in EDITABLE_STATES:
        raise Http404
    draft = _unsaved(application, step, request.POST)
    return render(
        request,
        "permits/applications/_preview.html",
        {"application": application, "preview": _preview(draft), "unsaved": True},
    )


# --- Documents -----------------------------------------------------------------------------------


@dataclass
class ChecklistRow:
    kind: str
    label: str
    status: str  # required, later, optional, not_needed
    status_words: str
    note: str
    max_age_months: int | None
    documents: list[Document]
    form: DocumentForm | None = None


def _not_needed(
    application: Application, items: list[documents.ChecklistItem], category: str
) -> list[ChecklistRow]:
    """The documents a notification-letter application usually needs that this one does
    not, and why."""
    if application.kind not in (AK.NEW, AK.CHANGE_EMPLOYER):
        return []
    listed = {item.kind for item in items}
    carried = documents.carried_recognition(application, _today())
    rows = []
    for kind in (
        Document.Kind.EXPERIENCE,
        Document.Kind.DEGREE,
        Document.Kind.CRIMINAL_RECORD,
        Document.Kind.HEALTH,
        Document.Kind.RECOGNITION,
    ):
        if kind in listed:
            continue
        if (
            application.commitment_letters
            and category == "A"
            and (kind in documents.REPLACED_BY_COMMITMENT)
        ):
            why = _("Replaced by your commitment letter (Category A).")
        elif application.kind == AK.CHANGE_EMPLOYER and kind in (
            documents.EXEMPT_AT_CHANGE_OF_EMPLOYER
        ):
            why = _("Not needed at a change of employer.")
        elif carried is not None and kind in documents.RECOGNITION_SUPPORT:
            why = _(
                "The recognition of permit %(number)s carries over: its supporting documents "
                "are not sent again."
            ) % {"number": carried.permit_number}
        else:
            why = _("Not needed for this application.")
        rows.append(
            ChecklistRow(
                kind=kind,
                label=str(Document.Kind(kind).label),
                status="not_needed",
                status_words=_("Not needed"),
                note=why,
                max_age_months=None,
                documents=[],
            )
        )
    return rows


def _checklist(
    application: Application, forms: dict[str, DocumentForm] | None = None
) -> tuple[list[ChecklistRow], list[ChecklistRow], Recognition]:
    today = _today()
    recognition = checks.assessment_preview(application, today)
    category = recognition.category or application.category
    items = documents.checklist(application, today, category=category or None)
    present: dict[str, list[Document]] = {}
    for document in application.documents.all():
        present.setdefault(document.kind, []).append(document)
    rows = []
    for item in items:
        if item.at_submission:
            status, words = "required", _("Required now")
        elif item.required:
            status, words = "later", _("May follow before the decision")
        else:
            status, words = "optional", _("Optional")
        rows.append(
            ChecklistRow(
                kind=item.kind,
                label=str(item.label),
                status=status,
                status_words=words,
                note=str(item.note),
                max_age_months=item.max_age_months,
                documents=present.get(item.kind, []),
                form=(forms or {}).get(item.kind) or DocumentForm(kind=item.kind),
            )
        )
    return rows, _not_needed(application, items, category), recognition


def _documents_page(
    request: HttpRequest,
    application: Application,
    forms: dict[str, DocumentForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    rows, not_needed, recognition = _checklist(application, forms)
    context = _step_context(application, "documents")
    context.update(
        {
            "rows": rows,
            "not_needed": not_needed,
            "recognition": recognition,
            "failed": next((kind for kind in (forms or {})), ""),
        }
    )
    return render(request, "permits/applications/documents.html", context, status=status)


@login_required
@require_POST
def document_upload(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    application = _application(request, pk)
    if kind not in Document.Kind.values:
        raise Http404
    refused = _refuse_unless_editable(request, application)
    if refused is not None:
        return refused
    form = DocumentForm(request.POST, request.FILES, kind=kind)
    if form.is_valid():
        try:
            services.document_add(
                actor=_user(request),
                application=application,
                kind=kind,
                upload=form.cleaned_data["file"],
                issued_on=form.cleaned_data.get("issued_on"),
                note=form.cleaned_data.get("note") or "",
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Added: %(label)s.") % {"label": Document.Kind(kind).label})
            return redirect(f"{_step_url(application, 'documents')}#doc-{kind}")
    return _documents_page(request, application, {kind: form}, status=400)


def _document_of(application: Application, document_pk: int) -> Document:
    document = next((d for d in application.documents.all() if d.pk == document_pk), None)
    if document is None:
        raise Http404
    return document


@login_required
@require_POST
def document_remove(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    application = _application(request, pk)
    document = _document_of(application, document_pk)
    try:
        services.document_remove(actor=_user(request), document=document, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Removed: %(label)s.") % {"label": document.get_kind_display()})
    return redirect(f"{_step_url(application, 'documents')}#doc-{document.kind}")


@login_required
def document_file(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """A document of the application, shown in the browser (``?download=1``: saved)."""
    application = _application(request, pk)
    document = _document_of(application, document_pk)
    return file_response(document.file, as_attachment=request.GET.get("download") == "1")


# --- Review and submit ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownProblem:
    problem: Problem
    url: str
    step_label: str


def _shown_problems(application: Application, problems: list[Problem]) -> list[ShownProblem]:
    steps = _steps(application)
    shown = []
    for problem in problems:
        url, label = "", ""
        if problem.step in steps:
            label = str(STEP_LABELS[problem.step])
            anchor = ""
            if problem.step == "documents" and problem.field:
                anchor = f"#doc-{problem.field}"
            elif problem.field:
                anchor = f"#id_{problem.field}"
            url = _step_url(application, problem.step) + anchor
        shown.append(ShownProblem(problem, url, label))
    return shown


def _review_page(request: HttpRequest, application: Application) -> HttpResponse:
    today = _today()
    problems = checks.submission_problems(application, today)
    if any(problem.step == labour_market.STEP for problem in problems):
        _show_vacancy_step(application)
    context = _step_context(application, "review")
    vacancy = labour_market.vacancy_of(application)  # remembered by the checks
    context.update(
        {
            "problems": _shown_problems(application, problems),
            "vacancy": vacancy,
            "vacancy_first_day": labour_market.first_submission_day(vacancy.advertised_until)
            if vacancy is not None
            else None,
            "preview": _preview(application),
            "resubmit": application.state == S.RETURNED,
            "open_request": _open_request(application),
        }
    )
    return render(request, "permits/applications/review.html", context)


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    name = "resubmit" if application.state == S.RETURNED else "submit"
    try:
        submitted = services.application_transition(
            actor=_user(request), application=application, name=name, request=request
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
        for problem in exc.details.get("problems", []):
            messages.error(request, problem.get("message", ""))
        return redirect(_step_url(application, "review"))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(_step_url(application, "review"))
    due = submitted.acceptance_due_on
    messages.success(
        request,
        _(
            "Application %(number)s is submitted. The acceptance officers decide whether to "
            "accept it by %(due)s."
        )
        % {"number": submitted.number, "due": due.isoformat() if due else "—"},
    )
    return redirect("permits:application", pk=submitted.pk)


# --- The application's page ----------------------------------------------------------------------


def _open_request(application: Application) -> InformationRequest | None:
    return next((r for r in application.information_requests.all() if r.answered_at is None), None)


@dataclass
class ItemRow:
    item: InformationItem
    form: AnswerForm


def _detail_context(
    request: HttpRequest,
    application: Application,
    answer_forms: dict[int, AnswerForm] | None = None,
    withdraw_form: WithdrawForm | None = None,
) -> dict[str, Any]:
    user = _user(request)
    today = _today()
    open_request = _open_request(application)
    items = []
    if open_request is not None:
        for item in open_request.items.all():
            form = (answer_forms or {}).get(item.pk) or AnswerForm(
                position=item.position, initial={"answer": item.answer}
            )
            items.append(ItemRow(item, form))
    available = {t.name for t in APPLICATION_WORKFLOW.available(application, user)}
    issued_letter = issued_permit = None
    if application.state == S.APPROVED:  # only approval issues anything
        issued_letter = NotificationLetter.objects.filter(application=application).first()
        issued_permit = Permit.objects.filter(application=application).first()
    answered_all = bool(items) and all(
        row.item.answer.strip() or row.item.document_id for row in items
    )
    return {
        "application": application,
        "today": today,
        "owed": OWED.get(application.state, ""),
        "open_request": open_request,
        "items": items,
        "answered_all": answered_all,
        "past_requests": [
            r for r in application.information_requests.all() if r is not open_request
        ],
        "may_send_answers": "answer_information" in available,
        "may_withdraw": "withdraw" in available,
        "may_discard": application.state == Application.State.DRAFT
        and application.submitted_at is None,
        "editable": application.state in EDITABLE_STATES,
        "withdraw_form": withdraw_form or WithdrawForm(),
        "history": _history(application),
        "issued_letter": issued_letter,
        "issued_permit": issued_permit,
        "urgency": _urgency(application, today),
        "decided": application.state in (S.APPROVED, S.REJECTED, S.NOT_ACCEPTED),
        "copyable": application.kind in services.COPYABLE_KINDS,
        "issued_documents": issued_selectors.application_documents(application),
    }


def _history(application: Application) -> list[dict[str, Any]]:
    rows = []
    for record in history(application):
        try:
            action = str(APPLICATION_WORKFLOW.get(record.transition).label)
        except WorkflowError:
            action = record.transition
        rows.append(
            {
                "at": record.at,
                "action": action,
                "to": APPLICATION_WORKFLOW.state_label(record.to_state),
                "reason": record.reason,
            }
        )
    return rows


def _urgency(application: Application, today: dt.date) -> str:
    return clocks.urgency(application, today)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    return render(
        request,
        "permits/applications/detail.html",
        _detail_context(request, application),
    )


def _open_item(application: Application, item_pk: int) -> InformationItem:
    request_row = _open_request(application)
    if request_row is None:
        raise Http404
    item = next((i for i in request_row.items.all() if i.pk == item_pk), None)
    if item is None:
        raise Http404
    return item


@login_required
@require_POST
def information_item_answer(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    application = _application(request, pk)
    item = _open_item(application, item_pk)
    form = AnswerForm(request.POST, request.FILES, position=item.position)
    if form.is_valid():
        try:
            services.information_answer(
                actor=_user(request),
                item=item,
                text=form.cleaned_data.get("answer") or "",
                upload=form.cleaned_data.get("file"),
                issued_on=form.cleaned_data.get("issued_on"),
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Item %(n)d is answered.") % {"n": item.position})
            url = reverse("permits:application", args=[application.pk])
            return redirect(f"{url}#item-{item.position}")
    context = _detail_context(request, application, answer_forms={item.pk: form})
    return render(request, "permits/applications/detail.html", context, status=400)


@login_required
@require_POST
def information_send(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    try:
        sent = services.application_transition(
            actor=_user(request),
            application=application,
            name="answer_information",
            request=request,
        )
    except (WorkflowError, ServiceError) as exc:
        messages.error(request, exc.message)
        return redirect("permits:application", pk=application.pk)
    messages.success(
        request,
        _("The answers are sent. The decision is due by %(due)s.")
        % {"due": sent.due_on.isoformat() if sent.due_on else "—"},
    )
    return redirect("permits:application", pk=sent.pk)


@login_required
@require_POST
def application_discard(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    try:
        number = services.draft_discard(
            actor=_user(request), application=application, request=request
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("permits:application", pk=application.pk)
    messages.success(request, _("Draft %(number)s is discarded.") % {"number": number})
    return redirect("permits:applications")


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.application_transition(
                actor=_user(request),
                application=application,
                name="withdraw",
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except (WorkflowError, ServiceError) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Application %(number)s is withdrawn.") % {"number": application.number},
            )
            return redirect("permits:application", pk=application.pk)
    context = _detail_context(request, application, withdraw_form=form)
    return render(request, "permits/applications/detail.html", context, status=400)


urlpatterns: list[URLPattern] = [
    path("applications/", application_list, name="applications"),
    path("applications/new/", application_start, name="application_start"),
    path("applications/new/<slug:kind>/", application_start_from, name="application_start_from"),
    path("applications/<int:pk>/", application_detail, name="application"),
    path("applications/<int:pk>/copy/", application_copy, name="application_copy"),
    path("applications/<int:pk>/edit/", application_resume, name="application_resume"),
    path("applications/<int:pk>/edit/<slug:step>/", application_step, name="application_step"),
    path(
        "applications/<int:pk>/preview/<slug:step>/",
        application_preview,
        name="application_preview",
    ),
    path(
        "applications/<int:pk>/documents/add/<slug:kind>/",
        document_upload,
        name="application_document_add",
    ),
    path(
        "applications/<int:pk>/documents/<int:document_pk>/",
        document_file,
        name="application_document",
    ),
    path(
        "applications/<int:pk>/documents/<int:document_pk>/remove/",
        document_remove,
        name="application_document_remove",
    ),
    path("applications/<int:pk>/submit/", application_submit, name="application_submit"),
    path(
        "applications/<int:pk>/items/<int:item_pk>/answer/",
        information_item_answer,
        name="application_item_answer",
    ),
    path("applications/<int:pk>/answers/send/", information_send, name="application_answers_send"),
    path("applications/<int:pk>/withdraw/", application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/discard/", application_discard, name="application_discard"),
]
