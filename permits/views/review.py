"""The officers' pages for applications (acceptance and decision officers).

* ``review_queue``: the applications of the officer's province(s), what awaits the officer
  by default (acceptance: submitted; decision: under review or information requested),
  filtered by state, category, kind, employer, occupation and due date, soonest deadline
  first, paged without counting, each row with its urgency (overdue, due soon, paused);
* ``review_application``: one application with everything the officer weighs: the job,
  the worker, the employer (and agency), the documents inline, the recognition with its
  routes and points line by line, the credit standing, the clocks, the information
  requests and their answers, and the history; below it, the actions the officer may take;
* ``review_action``: one action (accept, return for correction, refuse to accept, request
  information, extend the time limit, approve, reject), made through
  ``permits.services.applications.application_transition``; a refusal is shown on the
  page with every problem, and changes nothing;
* ``review_route_confirm``: a decision officer confirms the evidence of a route that
  needs an officer (``route_confirm``);
* ``review_tax_check``: at the extension or cancellation of a permit granted on a salary
  commitment, a decision officer records whether the salary was backed by tax records
  (``application_record_tax_check``; "no" reports the employer to the credit service);
* ``review_document``: a document's file, for the officers who may accept or decide the
  application and for the employer's own people; 404 for anyone else.

Anyone who neither accepts nor decides applications gets 404 on every page, and so does
an officer for another province's application.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from permits import documents as checklists
from permits import labour_market
from permits.access import may_accept, may_act_on, may_decide
from permits.checks import submitted_day
from permits.forms.permits import TaxCheckForm
from permits.forms.review import ACTION_FORMS, ActionForm, QueueFilterForm, action_form
from permits.models import Application, NotificationLetter, Permit
from permits.selectors import issued as issued_selectors
from permits.selectors import legacy as legacy_selectors
from permits.selectors import review as selectors
from permits.selectors.permit_pages import tax_check_view
from permits.services.applications import application_transition, route_confirm
from permits.services.permits import application_record_tax_check
from permits.workflows import APPLICATION_WORKFLOW
from portal.files import file_response
from portal.models import TransitionRecord, User
from portal.pagination import page_of
from portal.services import ServiceError
from portal.workflow import Transition, WorkflowError

PAGE_SIZE = 25
NOTE_MAX_LENGTH = 2000


def _today() -> dt.date:
    """Today in China; the one place these pages read the date (tests fix it here)."""
    return timezone.localdate()


def _officer(request: HttpRequest) -> tuple[User, selectors.OfficerScope]:
    """The signed-in officer and where they accept and decide; 404 for everyone else."""
    scope = selectors.officer_scope(request.user)
    if not scope.is_officer:
        raise Http404
    return request.user, scope  # type: ignore[return-value]


def _application(scope: selectors.OfficerScope, pk: int) -> Application:
    application = selectors.application_for_officer(scope, pk)
    if application is None:
        raise Http404
    return application


# --- Presenting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    record: TransitionRecord
    action: str
    from_state: str
    to_state: str


def _history_rows(application: Application) -> list[HistoryRow]:
    workflow = APPLICATION_WORKFLOW
    rows = []
    for record in selectors.application_history(application):
        try:
            action = str(workflow.get(record.transition).label)
        except WorkflowError:
            action = record.transition
        rows.append(
            HistoryRow(
                record,
                action,
                workflow.state_label(record.from_state),
                workflow.state_label(record.to_state),
            )
        )
    return rows


@dataclass
class Refusal:
    """The workflow's (or a service's) refusal, as the page shows it: the message and,
    when the checks found several things, each problem's message."""

    message: str
    problems: list[str] = field(default_factory=list)


@dataclass
class Action:
    transition: Transition
    form: ActionForm
    refusal: Refusal | None = None

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def template(self) -> str:
        return f"permits/review/_action_{self.name}.html"


class RouteConfirmForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Evidence that confirms the route"),
        help_text=gettext_lazy("Which documents show that the worker meets the route."),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _route_needs_confirmation(application: Application) -> bool:
    status = str((application.assessment or {}).get("route_status", ""))
    return status == "needs_confirmation" and application.route_confirmed_at is None


def _render(
    request: HttpRequest,
    user: User,
    application: Application,
    *,
    bound: Action | None = None,
    confirm_form: RouteConfirmForm | None = None,
    confirm_refusal: Refusal | None = None,
    tax_form: TaxCheckForm | None = None,
    tax_refusal: Refusal | None = None,
    status: int = 200,
) -> HttpResponse:
    today = _today()
    actions = []
    for transition in APPLICATION_WORKFLOW.available(application, user):
        if transition.name not in ACTION_FORMS:
            continue
        if bound is not None and bound.name == transition.name:
            actions.append(bound)
        else:
            actions.append(Action(transition, action_form(transition.name)))
    # An action refused for this officer (or no longer possible) has no form on the page:
    # its refusal is shown above the actions.
    stray = bound if bound is not None and bound not in actions else None
    documents = list(application.documents.all())
    present = {d.kind for d in documents}
    checklist = [(item, item.kind in present) for item in checklists.checklist(application, today)]
    may_confirm = (
        application.state == Application.State.UNDER_REVIEW
        and _route_needs_confirmation(application)
        and may_decide(user, application)
    )
    urgency = selectors.UrgencyClock.on(today).of(application)
    failed, failed_label = "", ""
    if bound is not None:
        failed, failed_label = bound.name, str(bound.transition.label)
    elif confirm_form is not None and (confirm_form.errors or confirm_refusal is not None):
        failed, failed_label = "confirm", _("Confirm the route")
    elif tax_form is not None and (tax_form.errors or tax_refusal is not None):
        failed, failed_label = "tax", _("Record the tax check")
    tax = tax_check_view(application, user)
    issued: list[NotificationLetter | Permit] = []
    if application.state == Application.State.APPROVED:  # what the approval issued
        issued += NotificationLetter.objects.filter(application=application).only("pk", "number")
        issued += Permit.objects.filter(application=application).only("pk", "permit_number")
    context = {
        "application": application,
        "state_label": APPLICATION_WORKFLOW.state_label(application.state),
        "urgency": urgency,
        "urgency_label": str(selectors.URGENCY_LABELS.get(urgency, "")),
        "today": today,
        "documents": documents,
        "checklist": checklist,
        "requests": list(application.information_requests.all()),
        "reasons": list(application.decision_reasons.all()),
        "recognition": selectors.recognition_view(application),
        "credit": selectors.credit_view(application, today),
        "history": _history_rows(application),
        "actions": actions,
        "stray": stray,
        "confirm_form": (confirm_form or RouteConfirmForm(prefix="confirm"))
        if may_confirm
        else None,
        "confirm_refusal": confirm_refusal,
        "tax": tax,
        "tax_form": (tax_form or TaxCheckForm(prefix="tax"))
        if tax is not None and tax.may_record
        else None,
        "tax_refusal": tax_refusal,
        "issued": issued,
        "failed": failed,
        "failed_label": failed_label,
    }
    context["issued_documents"] = issued_selectors.application_documents(application)
    # A pre-2017 document of the worker at this employer: this application is its change
    # to the new system, and the old document closes when the new permit starts.
    context["legacy_document"] = (
        legacy_selectors.valid_legacy_document(
            application.foreigner_id, application.employer_id, today
        )
        if application.foreigner_id and application.kind == Application.Kind.NEW
        else None
    )
    # The labour-market test as it applied on the day of submission (None: not tested).
    context["labour_market"] = labour_market.test_view(
        application, submitted_day(application, today)
    )
    return render(request, "permits/review/application.html", context, status=status)


# --- Pages ----------------------------------------------------------------------------------------


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    _user, scope = _officer(request)
    form = QueueFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # the valid filters apply; the others are shown with their error
    filters = form.filters()
    page = page_of(selectors.application_queue(scope, filters), request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        "permits/review/queue.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": selectors.queue_rows(page.object_list, _today()),
            "scope": scope,
        },
    )


@login_required
@require_GET
def review_application(request: HttpRequest, pk: int) -> HttpResponse:
    user, scope = _officer(request)
    return _render(request, user, _application(scope, pk))


@login_required
@require_POST
def review_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user, scope = _officer(request)
    application = _application(scope, pk)
    if name not in ACTION_FORMS:
        raise Http404
    transition = APPLICATION_WORKFLOW.get(name)
    form = action_form(name, request.POST)
    action = Action(transition, form)
    if not form.is_valid():
        return _render(request, user, application, bound=action, status=422)
    try:
        done = application_transition(
            actor=user,
            application=application,
            name=name,
            reason=form.reason(),
            payload=form.payload(),
            request=request,
        )
    except WorkflowError as exc:
        target = form.refusal_field(str(exc.details.get("field", "")))
        problems = [str(p.get("message", "")) for p in exc.details.get("problems") or [] if p]
        if target is not None and not problems:
            form.add_error(target, exc.message)
        else:
            action.refusal = Refusal(exc.message, problems)
        return _render(request, user, application, bound=action, status=422)
    messages.success(
        request,
        _("“%(action)s” is done: application %(number)s is now %(state)s.")
        % {
            "action": transition.label,
            "number": done.number,
            "state": APPLICATION_WORKFLOW.state_label(done.state),
        },
    )
    return _to_page(application)


def _to_page(application: Application) -> HttpResponse:
    """Back to the application's page, at the top where the message is shown (the action
    posted to ``...#errors-<name>``: without a fragment of its own, the browser would keep
    that one)."""
    return HttpResponseRedirect(
        reverse("permits:review_application", args=[application.pk]) + "#main"
    )


@login_required
@require_POST
def review_route_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user, scope = _officer(request)
    application = _application(scope, pk)
    form = RouteConfirmForm(request.POST, prefix="confirm")
    if not form.is_valid():
        return _render(request, user, application, confirm_form=form, status=422)
    try:
        route_confirm(
            actor=user, application=application, note=form.cleaned_data["note"], request=request
        )
    except ValidationError as exc:
        for error in exc.messages:
            form.add_error("note", error)
        return _render(request, user, application, confirm_form=form, status=422)
    except ServiceError as exc:
        return _render(
            request,
            user,
            application,
            confirm_form=form,
            confirm_refusal=Refusal(exc.message),
            status=422,
        )
    messages.success(
        request,
        _("The route %(route)s is confirmed.") % {"route": application.route_code},
    )
    return _to_page(application)


@login_required
@require_POST
def review_tax_check(request: HttpRequest, pk: int) -> HttpResponse:
    """A decision officer records whether the salary of a permit granted on a salary
    commitment was backed by tax records (``application_record_tax_check``)."""
    user, scope = _officer(request)
    application = _application(scope, pk)
    form = TaxCheckForm(request.POST, prefix="tax")
    if not form.is_valid():
        return _render(request, user, application, tax_form=form, status=422)
    try:
        done = application_record_tax_check(
            actor=user,
            application=application,
            backed=form.cleaned_data["backed"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except WorkflowError as exc:
        return _render(
            request, user, application, tax_form=form, tax_refusal=Refusal(exc.message), status=422
        )
    messages.success(
        request,
        _("The tax check is recorded: the salary is backed by tax records.")
        if done.salary_backed_by_tax
        else _("The tax check is recorded: the salary is not backed by tax records."),
    )
    return _to_page(application)


@login_required
@require_GET
def review_document(request: HttpRequest, pk: int, document_pk: int) -> HttpResponseBase:
    """A document's file: for the officers who may accept or decide the application (not
    a draft) and for the employer's own people (or its agency); 404 for anyone else."""
    document = selectors.application_document(pk, document_pk)
    if document is None:
        raise Http404
    application = document.application
    user = request.user
    officer = application.state != Application.State.DRAFT and (
        may_accept(user, application) or may_decide(user, application)
    )
    if not (officer or may_act_on(user, application)):
        raise Http404
    return file_response(document.file, as_attachment=request.GET.get("download") == "1")


urlpatterns: list[URLPattern] = [
    path("review/applications/", review_queue, name="review_queue"),
    path("review/applications/<int:pk>/", review_application, name="review_application"),
    path(
        "review/applications/<int:pk>/do/<slug:name>/",
        review_action,
        name="review_action",
    ),
    path(
        "review/applications/<int:pk>/confirm-route/",
        review_route_confirm,
        name="review_route_confirm",
    ),
    path(
        "review/applications/<int:pk>/tax-check/",
        review_tax_check,
        name="review_tax_check",
    ),
    path(
        "review/applications/<int:pk>/documents/<int:document_pk>/",
        review_document,
        name="review_document",
    ),
]
