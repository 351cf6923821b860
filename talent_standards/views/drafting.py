"""Pages of the talent standards app for the provinces' drafters, the consulted
stakeholders, and mutual recognition agreements.

Drafters (``draft_filings`` on their province) build a regional standard version in the
browser: metadata, local recognition routes (each decided from figures of its kind, or by
an officer), provincial bonus rules (item 9 of the points table), consultation of industry
associations and service agencies, and the lifecycle transitions of ``portal.filings``
(file with the ministry, recall, publish...). Consulted stakeholders read the drafts their
organization is invited to and comment on them or on one route. Drafters propose mutual
recognition to another province and act on the agreements of theirs; ministry reviewers
read every agreement.

Every page fetches its object through an access helper: a standard of another province,
a draft the organization is not consulted on, an agreement of other provinces and an id
that does not exist all answer 404. Views are thin: a form validates, one service writes,
and a refusal of the service is shown to the person with nothing changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from catalogs.selectors import regions_drafted_by
from portal import filing_views
from portal.access import has_national_permission, has_region_permission, has_role
from portal.filings import FilingError, add_years, kind_of, validity_problems
from portal.models import Region, TransitionRecord, User
from portal.pagination import page_of
from portal.roles import Role
from portal.workflow import WorkflowError, history
from talent_standards import selectors, services
from talent_standards.forms import (
    EDUCATION_CHOICES,
    AgreementActionForm,
    AgreementFilterForm,
    AgreementProposeForm,
    BonusRuleForm,
    CommentForm,
    RouteForm,
    StandardForm,
)
from talent_standards.models import (
    BonusRule,
    RecognitionAgreement,
    RecognitionRoute,
    RegionalStandard,
    RegionalStandardComment,
)
from talent_standards.workflows import AGREEMENT_WORKFLOW

REVIEW_PERMISSION = "portal.review_filings"
AGREEMENTS_PAGE_SIZE = 50
CONSULTED_STATES = selectors.CONSULTED_STATES


# --- Presenting a standard --------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterRow:
    """One figure of a route or bonus rule as a person reads it (``items``: a list)."""

    label: str
    value: str
    items: list[str] = field(default_factory=list)


EDUCATION_LABELS = dict(EDUCATION_CHOICES)


def _yuan(raw: Any) -> str:
    try:
        amount = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return str(raw)
    # Grouped by thousands in every language, as the engine's reasons write amounts.
    if amount == amount.to_integral_value():
        return f"{amount.quantize(Decimal(1)):,}"
    return f"{amount.quantize(Decimal('0.01')):,}"


def parameter_rows(parameters: dict[str, Any] | None) -> list[ParameterRow]:
    """The figures of a route's kind or a bonus rule's condition, in reading order."""
    p = parameters or {}
    rows: list[ParameterRow] = []
    if "min_annual_salary_cny" in p:
        rows.append(
            ParameterRow(
                _("Minimum annual salary (CNY)"),
                _yuan(p["min_annual_salary_cny"]),
            )
        )
    if "multiple" in p:
        rows.append(
            ParameterRow(
                _("Multiple of the average wage"),
                _("%(n)s × the province's average wage of the previous year")
                % {"n": p["multiple"]},
            )
        )
    if "min_education" in p:
        rows.append(
            ParameterRow(
                _("Minimum education"),
                str(EDUCATION_LABELS.get(p["min_education"], p["min_education"])),
            )
        )
    if "min_years" in p:
        rows.append(ParameterRow(_("Years of relevant experience"), str(p["min_years"])))
    if "list" in p:
        items = [
            " ".join(
                part
                for part in (
                    str(i.get("code", "")),
                    "·",
                    str(i.get("title_zh", "")),
                    f"({i['title_en']})" if i.get("title_en") else "",
                )
                if part
            )
            for i in p["list"]
        ]
        rows.append(ParameterRow(_("What qualifies"), "; ".join(items), items))
    if "prefixes" in p:
        rows.append(ParameterRow(_("Occupation groups"), ", ".join(str(x) for x in p["prefixes"])))
    if "fact" in p:
        rows.append(ParameterRow(_("Declared fact"), str(p["fact"])))
    if "max_age" in p:
        rows.append(ParameterRow(_("Age limit"), str(p["max_age"])))
    return rows


def parameters_text(parameters: dict[str, Any] | None) -> str:
    return "; ".join(f"{row.label}: {row.value}" for row in parameter_rows(parameters))


@dataclass(frozen=True)
class Validity:
    years: int
    days: int
    problems: list[str]

    @property
    def text(self) -> str:
        years = ngettext("%(n)d year", "%(n)d years", self.years) % {"n": self.years}
        if not self.days:
            return years
        days = ngettext("%(n)d day", "%(n)d days", self.days) % {"n": self.days}
        return _("%(years)s and %(days)s") % {"years": years, "days": days}


def validity_of(standard: RegionalStandard) -> Validity | None:
    """How long the standard would be valid, in whole years and days, and what is wrong
    with it (the same rule the filing lifecycle applies)."""
    start, end = standard.effective_from, standard.expires_on
    if start is None or end is None:
        return None
    years = 0
    while add_years(start, years + 1) - dt.timedelta(days=1) <= end:
        years += 1
    last_full_year_day = add_years(start, years) - dt.timedelta(days=1)
    return Validity(years, (end - last_full_year_day).days, validity_problems(start, end))


@dataclass(frozen=True)
class HistoryRow:
    record: TransitionRecord
    action: str
    from_state: str
    to_state: str


def history_rows(obj: Any, workflow: Any) -> list[HistoryRow]:
    return [
        HistoryRow(
            record,
            str(workflow.get(record.transition).label),
            workflow.state_label(record.from_state),
            workflow.state_label(record.to_state),
        )
        for record in history(obj)
    ]


def route_rows(routes: list[RecognitionRoute]) -> list[dict[str, Any]]:
    return [{"route": r, "parameters": parameter_rows(r.parameters)} for r in routes]


def rule_rows(rules: list[BonusRule]) -> list[dict[str, Any]]:
    return [{"rule": r, "parameters": parameter_rows(r.parameters)} for r in rules]


# --- Access -----------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _as_pk(raw: Any) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404 from None


def _standard_for_drafter(request: HttpRequest, pk: Any) -> RegionalStandard:
    """The standard if the user drafts for its province; 404 otherwise, the same as for
    an id that does not exist."""
    standard = (
        RegionalStandard.objects.select_related("region", "based_on").filter(pk=_as_pk(pk)).first()
    )
    if standard is None:
        raise Http404
    if not has_region_permission(_user(request), "draft_filings", standard.region_id):
        raise Http404
    return standard


def _require_drafter(request: HttpRequest) -> list[Region]:
    """The provinces the user drafts for; 404 for everyone else."""
    regions = regions_drafted_by(_user(request))
    if not regions:
        raise Http404
    return regions


def _standard_for_stakeholder(request: HttpRequest, pk: int) -> RegionalStandard:
    """A draft the user's organization is invited to comment on; 404 otherwise."""
    user = _user(request)
    if not has_role(user, Role.STAKEHOLDER):
        raise Http404
    standard = selectors.standards_consulting(user).filter(pk=pk).first()
    if standard is None:
        raise Http404
    return standard


def _route_of(standard: RegionalStandard, route_pk: int) -> RecognitionRoute:
    route = RecognitionRoute.objects.filter(regional_standard=standard, pk=route_pk).first()
    if route is None:
        raise Http404
    return route


def _rule_of(standard: RegionalStandard, rule_pk: int) -> BonusRule:
    rule = BonusRule.objects.filter(regional_standard=standard, pk=rule_pk).first()
    if rule is None:
        raise Http404
    return rule


def _refuse_unless_editable(
    request: HttpRequest, standard: RegionalStandard
) -> HttpResponse | None:
    """Back to the workspace with the reason when the content can no longer change."""
    return filing_views.refuse_unless_editable(request, standard, _workspace(standard))


def _form_errors(form: Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names when the form has
    it, else above the form (a route's ``parameters`` on the fields the kind shows)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            if name == "parameters" and hasattr(form, "parameter_bound_fields"):
                shown = form.parameter_bound_fields()  # type: ignore[attr-defined]
                target = shown[0].name if shown else None
            form.add_error(target, errors)
    else:
        form.add_error(None, error)


def _workspace(standard: RegionalStandard, anchor: str = "") -> str:
    url = reverse("standards:drafting_standard", args=[standard.pk])
    return f"{url}#{anchor}" if anchor else url


# --- Regional standards of the drafter's provinces --------------------------------------------


@login_required
def drafting(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    regions = _require_drafter(request)
    today = timezone.localdate()
    standards = list(selectors.standards_for_drafter(user))
    provinces = []
    for region in regions:
        versions = [s for s in standards if s.region_id == region.pk]
        provinces.append(
            {
                "region": region,
                "rows": [{"standard": s, "status": s.status_on(today)} for s in versions],
                "base": filing_views.next_version_base(versions, today),
            }
        )
    return render(request, "talent_standards/drafting/list.html", {"provinces": provinces})


@login_required
def drafting_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    regions = _require_drafter(request)
    form = StandardForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        region = data.pop("region", None) or regions[0]
        try:
            standard = services.regional_standard_create(
                actor=user, region=region, request=request, **data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Version %(version)s of the regional standard is started. Add its routes "
                    "and bonus rules."
                )
                % {"version": standard.version},
            )
            return redirect("standards:drafting_standard", pk=standard.pk)
    return render(
        request,
        "talent_standards/drafting/standard_form.html",
        {"form": form, "standard": None, "regions": regions},
    )


@login_required
@require_POST
def drafting_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    source = _standard_for_drafter(request, pk)
    try:
        standard = services.regional_standard_new_version(
            actor=_user(request), source=source, request=request
        )
    except (WorkflowError, FilingError) as exc:
        messages.error(request, exc.message)
        return redirect("standards:drafting")
    messages.success(
        request,
        _(
            "Version %(version)s is started from version %(source)s with its routes and bonus "
            "rules. Choose its dates."
        )
        % {"version": standard.version, "source": source.version},
    )
    return redirect("standards:drafting_standard", pk=standard.pk)


# --- The workspace ----------------------------------------------------------------------------


@login_required
def drafting_standard(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    standard = _standard_for_drafter(request, pk)
    today = timezone.localdate()
    routes, rules = selectors.standard_parts(standard)
    context = {
        "standard": standard,
        "validity": validity_of(standard),
        "routes": route_rows(routes),
        "rules": rule_rows(rules),
        "bonus_total": sum(r.points for r in rules),
        "bonus_max": services.PROVINCIAL_BONUS_MAX,
        "history": history_rows(standard, kind_of(standard).workflow),
        **filing_views.lifecycle_context(
            standard,
            user,
            today,
            invitations=selectors.standard_invitations(standard),
            comments=selectors.standard_comments(standard),
        ),
    }
    return render(request, "talent_standards/drafting/workspace.html", context)


@login_required
@require_POST
def drafting_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    standard = _standard_for_drafter(request, pk)
    return filing_views.drafting_transition(request, standard, name, workspace=_workspace(standard))


@login_required
def drafting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    standard = _standard_for_drafter(request, pk)
    refused = _refuse_unless_editable(request, standard)
    if refused:
        return refused
    initial = {
        name: getattr(standard, name)
        for name in ("title_zh", "title_en", "notes_zh", "notes_en", "effective_from", "expires_on")
    }
    form = StandardForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.regional_standard_update(
                actor=_user(request), standard=standard, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
            return redirect("standards:drafting_standard", pk=standard.pk)
        else:
            messages.success(request, _("The standard's details are saved."))
            return redirect("standards:drafting_standard", pk=standard.pk)
    return render(
        request,
        "talent_standards/drafting/standard_form.html",
        {"form": form, "standard": standard, "regions": []},
    )


# --- Routes and bonus rules -------------------------------------------------------------------


def _kind_form(
    request: HttpRequest, form_class: type[Any], choice: str, **kwargs: Any
) -> tuple[Any, bool]:
    """The form of a route or bonus rule, and whether it is to be saved.

    Choosing another kind (condition) re-renders the form with that kind's fields and
    saves nothing: without JavaScript by the "Show its fields" button, which posts what
    was typed; with htmx by a GET of ``?kind=`` whose parameter fields replace the
    page's."""
    if request.method == "POST" and "show_fields" in request.POST:
        return form_class(initial=request.POST.dict(), **kwargs), False
    if request.method == "POST":
        return form_class(request.POST, **kwargs), True
    form = form_class(**kwargs)
    chosen = request.GET.get(choice)
    if chosen in form.parameter_fields:
        form.initial = {**form.initial, choice: chosen}
    return form, False


@login_required
def drafting_route_add(request: HttpRequest, pk: int) -> HttpResponse:
    standard = _standard_for_drafter(request, pk)
    return _route_form(request, standard, None)


@login_required
def drafting_route_edit(request: HttpRequest, pk: int, route_pk: int) -> HttpResponse:
    standard = _standard_for_drafter(request, pk)
    route = _route_of(standard, route_pk)
    return _route_form(request, standard, route)


def _route_form(
    request: HttpRequest, standard: RegionalStandard, route: RecognitionRoute | None
) -> HttpResponse:
    refused = _refuse_unless_editable(request, standard)
    if refused:
        return refused
    form, submitted = _kind_form(request, RouteForm, "kind", route=route)
    if submitted and form.is_valid():
        try:
            saved = services.route_save(
                actor=_user(request),
                standard=standard,
                route=route,
                request=request,
                **form.values(),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
            return redirect("standards:drafting_standard", pk=standard.pk)
        else:
            messages.success(
                request,
                _("Route %(code)s is saved.") % {"code": saved.code},
            )
            return redirect(_workspace(standard, "routes"))
    return render(
        request,
        "talent_standards/drafting/route_form.html",
        {"standard": standard, "route": route, "form": form},
    )


@login_required
def drafting_route_remove(request: HttpRequest, pk: int, route_pk: int) -> HttpResponse:
    standard = _standard_for_drafter(request, pk)
    route = _route_of(standard, route_pk)
    refused = _refuse_unless_editable(request, standard)
    if refused:
        return refused
    if request.method == "POST":
        try:
            services.route_remove(actor=_user(request), route=route, request=request)
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Route %(code)s is removed from the standard.") % {"code": route.code},
            )
        return redirect(_workspace(standard, "routes"))
    return render(
        request,
        "talent_standards/drafting/remove.html",
        {
            "standard": standard,
            "title": _("Remove the route"),
            "question": _("Remove route %(code)s “%(title)s” from version %(version)s?")
            % {"code": route.code, "title": route.title, "version": standard.version},
            "anchor": "routes",
        },
    )


@login_required
def drafting_bonus_add(request: HttpRequest, pk: int) -> HttpResponse:
    standard = _standard_for_drafter(request, pk)
    return _bonus_form(request, standard, None)


@login_required
def drafting_bonus_edit(request: HttpRequest, pk: int, rule_pk: int) -> HttpResponse:
    standard = _standard_for_drafter(request, pk)
    rule = _rule_of(standard, rule_pk)
    return _bonus_form(request, standard, rule)


def _bonus_form(
    request: HttpRequest, standard: RegionalStandard, rule: BonusRule | None
) -> HttpResponse:
    refused = _refuse_unless_editable(request, standard)
    if refused:
        return refused
    form, submitted = _kind_form(request, BonusRuleForm, "condition", rule=rule)
    if submitted and form.is_valid():
        try:
            saved = services.bonus_rule_save(
                actor=_user(request),
                standard=standard,
                rule=rule,
                request=request,
                **form.values(),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
            return redirect("standards:drafting_standard", pk=standard.pk)
        else:
            messages.success(
                request,
                _("Bonus rule %(code)s (+%(points)d) is saved.")
                % {"code": saved.code, "points": saved.points},
            )
            return redirect(_workspace(standard, "bonus"))
    return render(
        request,
        "talent_standards/drafting/bonus_form.html",
        {
            "standard": standard,
            "rule": rule,
            "form": form,
            "bonus_max": services.PROVINCIAL_BONUS_MAX,
        },
    )


@login_required
def drafting_bonus_remove(request: HttpRequest, pk: int, rule_pk: int) -> HttpResponse:
    standard = _standard_for_drafter(request, pk)
    rule = _rule_of(standard, rule_pk)
    refused = _refuse_unless_editable(request, standard)
    if refused:
        return refused
    if request.method == "POST":
        try:
            services.bonus_rule_remove(actor=_user(request), rule=rule, request=request)
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Bonus rule %(code)s is removed from the standard.") % {"code": rule.code},
            )
        return redirect(_workspace(standard, "bonus"))
    return render(
        request,
        "talent_standards/drafting/remove.html",
        {
            "standard": standard,
            "title": _("Remove the bonus rule"),
            "question": _(
                "Remove bonus rule %(code)s “%(title)s” (+%(points)d) from version %(version)s?"
            )
            % {
                "code": rule.code,
                "title": rule.title,
                "points": rule.points,
                "version": standard.version,
            },
            "anchor": "bonus",
        },
    )


# --- Consultation (drafters) ------------------------------------------------------------------


@login_required
def drafting_consultation(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the organizations to consult and the deadline, and open the consultation."""
    standard = _standard_for_drafter(request, pk)
    return filing_views.drafting_consultation(
        request,
        standard,
        invitations=selectors.standard_invitations(standard),
        template="talent_standards/drafting/consultation.html",
        context_name="standard",
        workspace=_workspace(standard),
    )


@login_required
def drafting_comment_answer(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    standard = _standard_for_drafter(request, pk)
    comment = (
        RegionalStandardComment.objects.filter(standard=standard, pk=comment_pk)
        .select_related("organization", "author", "route")
        .first()
    )
    if comment is None:
        raise Http404
    return filing_views.drafting_comment_answer(
        request,
        standard,
        comment,
        template="talent_standards/drafting/answer.html",
        context_name="standard",
        workspace=_workspace(standard),
    )


# --- Consultation (stakeholders) --------------------------------------------------------------


@login_required
def consultations(request: HttpRequest) -> HttpResponse:
    return filing_views.consultations(
        request,
        consulting=selectors.standards_consulting,
        template="talent_standards/consultation/list.html",
        row_name="standard",
    )


@login_required
def consultation(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    standard = _standard_for_stakeholder(request, pk)
    today = timezone.localdate()
    routes, rules = selectors.standard_parts(standard)
    comments = [
        c
        for c in selectors.standard_comments(standard)
        if c.organization_id == user.organization_id
    ]
    context = {
        "standard": standard,
        "routes": route_rows(routes),
        "rules": rule_rows(rules),
        "bonus_max": services.PROVINCIAL_BONUS_MAX,
        "comments": comments,
        "open": filing_views.consultation_is_open(standard, today),
        "form": CommentForm(standard=standard),
    }
    return render(request, "talent_standards/consultation/detail.html", context)


@login_required
def consultation_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment on the whole draft, or on one route (``route``: its id)."""
    standard = _standard_for_stakeholder(request, pk)

    def route_of(route_pk: int) -> RecognitionRoute | None:
        return RecognitionRoute.objects.filter(regional_standard=standard, pk=route_pk).first()

    def parameters(route: RecognitionRoute | None) -> dict[str, Any]:
        return {"parameters": parameter_rows(route.parameters) if route else []}

    return filing_views.consultation_comment_view(
        request,
        standard,
        part_name="route",
        part_of=route_of,
        comment_form=partial(CommentForm, standard=standard),
        back=reverse("standards:consultation", args=[standard.pk]),
        template="talent_standards/consultation/comment.html",
        context_name="standard",
        part_context=parameters,
    )


# --- Mutual recognition agreements ------------------------------------------------------------

A = RecognitionAgreement.State


@dataclass(frozen=True)
class AgreementStatus:
    """What an agreement is on a day, beyond its state: scheduled, in effect, ending..."""

    code: str
    label: str
    badge: str  # "", "success", "warning" or "danger"


def agreement_status(agreement: RecognitionAgreement, today: dt.date) -> AgreementStatus:
    start, end = agreement.effective_from, agreement.ends_on
    if agreement.state == A.PROPOSED:
        return AgreementStatus("proposed", _("Proposed, awaiting the partner"), "warning")
    if agreement.state == A.DECLINED:
        return AgreementStatus("declined", _("Declined"), "danger")
    if agreement.state == A.CANCELLED:
        return AgreementStatus("cancelled", _("Cancelled before acceptance"), "")
    if end is not None and end < start:
        return AgreementStatus("never", _("Withdrawn before it took effect"), "")
    if today < start:
        return AgreementStatus(
            "scheduled", _("Accepted, in effect from %(date)s") % {"date": start.isoformat()}, ""
        )
    if end is None:
        return AgreementStatus("in_effect", _("In effect"), "success")
    if today <= end:
        return AgreementStatus(
            "ending",
            _("Withdrawn: in effect until %(date)s") % {"date": end.isoformat()},
            "warning",
        )
    return AgreementStatus("ended", _("Ended on %(date)s") % {"date": end.isoformat()}, "")


def _agreement_rows(agreements: Any, own: set[int] | None, today: dt.date) -> list[dict[str, Any]]:
    rows = []
    for agreement in agreements:
        row: dict[str, Any] = {"agreement": agreement, "status": agreement_status(agreement, today)}
        if own is not None:
            proposed_by_us = agreement.proposer_id in own
            row["other"] = agreement.partner if proposed_by_us else agreement.proposer
            row["proposed_by_us"] = proposed_by_us
            row["awaiting_us"] = agreement.state == A.PROPOSED and agreement.partner_id in own
        rows.append(row)
    return rows


def _may_read_agreements(user: User) -> bool:
    return has_national_permission(user, REVIEW_PERMISSION)


@login_required
def agreements(request: HttpRequest) -> HttpResponse:
    """Drafters: their provinces' agreements, either direction. The ministry: every
    agreement, read-only, filtered by province and state. Everyone else: 404."""
    user = _user(request)
    today = timezone.localdate()
    regions = regions_drafted_by(user)
    if regions:
        own = {r.pk for r in regions}
        return render(
            request,
            "talent_standards/agreements/list.html",
            {
                "regions": regions,
                "provinces_label": ", ".join(r.name for r in regions),
                "rows": _agreement_rows(selectors.agreements_for_drafter(user), own, today),
                "ministry": False,
            },
        )
    if not _may_read_agreements(user):
        raise Http404
    form = AgreementFilterForm(request.GET or None)
    queryset = selectors.all_agreements()
    if form.is_valid():
        province = form.cleaned_data["province"]
        if province is not None:
            queryset = queryset.filter(Q(proposer=province) | Q(partner=province))
        if form.cleaned_data["state"]:
            queryset = queryset.filter(state=form.cleaned_data["state"])
    page = page_of(queryset, request.GET.get("page"), AGREEMENTS_PAGE_SIZE)
    return render(
        request,
        "talent_standards/agreements/list.html",
        {
            "form": form,
            "page": page,
            "rows": _agreement_rows(page.object_list, None, today),
            "ministry": True,
        },
    )


def _agreement_for(request: HttpRequest, pk: Any, *, acting: bool) -> RecognitionAgreement:
    """An agreement of one of the user's provinces (or, to read, any for the ministry);
    404 otherwise, the same as for an id that does not exist."""
    agreement = (
        RecognitionAgreement.objects.select_related("proposer", "partner", "proposed_by")
        .filter(pk=_as_pk(pk))
        .first()
    )
    if agreement is None:
        raise Http404
    user = _user(request)
    party = has_region_permission(
        user, "draft_filings", agreement.proposer_id
    ) or has_region_permission(user, "draft_filings", agreement.partner_id)
    if party:
        return agreement
    if not acting and _may_read_agreements(user):
        return agreement
    raise Http404


@login_required
def agreement_propose(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    regions = _require_drafter(request)
    form = AgreementProposeForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        proposer = data.pop("proposer", None) or regions[0]
        try:
            agreement = services.agreement_propose(
                actor=user, proposer=proposer, request=request, **data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Mutual recognition is proposed to %(partner)s from %(date)s. It applies "
                    "once %(partner)s accepts."
                )
                % {"partner": agreement.partner.name, "date": agreement.effective_from},
            )
            return redirect("standards:agreement", pk=agreement.pk)
    return render(
        request,
        "talent_standards/agreements/propose.html",
        {"form": form, "regions": regions},
    )


@dataclass(frozen=True)
class AgreementAction:
    name: str
    label: str
    form: AgreementActionForm
    danger: bool


@login_required
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = _agreement_for(request, pk, acting=False)
    today = timezone.localdate()
    actions = [
        AgreementAction(
            t.name,
            str(t.label),
            AgreementActionForm(
                prefix=t.name,
                transition=t.name,
                reason_required=t.reason_required,
                initial={"ends_on": today} if t.name == "withdraw" else None,
            ),
            t.name in ("decline", "withdraw", "cancel"),
        )
        for t in AGREEMENT_WORKFLOW.available(found, user)
    ]
    return render(
        request,
        "talent_standards/agreements/detail.html",
        {
            "agreement": found,
            "status": agreement_status(found, today),
            "history": history_rows(found, AGREEMENT_WORKFLOW),
            "actions": actions,
        },
    )


@login_required
@require_POST
def agreement_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    found = _agreement_for(request, pk, acting=True)
    back = redirect("standards:agreement", pk=found.pk)
    try:
        transition = AGREEMENT_WORKFLOW.get(name)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return back
    form = AgreementActionForm(request.POST, prefix=name, transition=name, reason_required=False)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return back
    try:
        done = services.agreement_transition(
            actor=_user(request),
            agreement=found,
            transition=name,
            reason=form.cleaned_data["reason"],
            ends_on=form.cleaned_data.get("ends_on"),
            request=request,
        )
    except (WorkflowError, FilingError) as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("“%(action)s” is done: %(status)s.")
            % {
                "action": transition.label,
                "status": agreement_status(done, timezone.localdate()).label,
            },
        )
    return back


urlpatterns: list[URLPattern] = [
    path("standards-drafting/", drafting, name="drafting"),
    path("standards-drafting/new/", drafting_new, name="drafting_new"),
    path("standards-drafting/<int:pk>/", drafting_standard, name="drafting_standard"),
    path(
        "standards-drafting/<int:pk>/next-version/",
        drafting_new_version,
        name="drafting_new_version",
    ),
    path("standards-drafting/<int:pk>/edit/", drafting_edit, name="drafting_edit"),
    path(
        "standards-drafting/<int:pk>/do/<slug:name>/",
        drafting_transition,
        name="drafting_transition",
    ),
    path("standards-drafting/<int:pk>/routes/add/", drafting_route_add, name="drafting_route_add"),
    path(
        "standards-drafting/<int:pk>/routes/<int:route_pk>/edit/",
        drafting_route_edit,
        name="drafting_route_edit",
    ),
    path(
        "standards-drafting/<int:pk>/routes/<int:route_pk>/remove/",
        drafting_route_remove,
        name="drafting_route_remove",
    ),
    path("standards-drafting/<int:pk>/bonus/add/", drafting_bonus_add, name="drafting_bonus_add"),
    path(
        "standards-drafting/<int:pk>/bonus/<int:rule_pk>/edit/",
        drafting_bonus_edit,
        name="drafting_bonus_edit",
    ),
    path(
        "standards-drafting/<int:pk>/bonus/<int:rule_pk>/remove/",
        drafting_bonus_remove,
        name="drafting_bonus_remove",
    ),
    path(
        "standards-drafting/<int:pk>/consultation/",
        drafting_consultation,
        name="drafting_consultation",
    ),
    path(
        "standards-drafting/<int:pk>/comments/<int:comment_pk>/answer/",
        drafting_comment_answer,
        name="drafting_comment_answer",
    ),
    path("standards-consultations/", consultations, name="consultations"),
    path("standards-consultations/<int:pk>/", consultation, name="consultation"),
    path(
        "standards-consultations/<int:pk>/comment/",
        consultation_comment_view,
        name="consultation_comment",
    ),
    path("standards-agreements/", agreements, name="agreements"),
    path("standards-agreements/propose/", agreement_propose, name="agreement_propose"),
    path("standards-agreements/<int:pk>/", agreement, name="agreement"),
    path(
        "standards-agreements/<int:pk>/do/<slug:name>/",
        agreement_transition,
        name="agreement_transition",
    ),
]
