"""Pages of credit records and objections (``credit.record_urls``).

* employers and agencies: their organization's records and standing today, a record with
  its versions and objections, filing and withdrawing an objection;
* inspectors: the queue of objections of their regions and the decision on one;
* everyone, signed in or not: the public dishonesty list.

Thin: a view validates input, fetches through a selector scoped to the user (someone
else's record answers 404, the same as one that does not exist), calls one service and
renders.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal.files import file_response
from portal.models import Organization, User
from portal.pagination import page_of
from portal.services import ServiceError
from portal.workflow import WorkflowError

from . import selectors, services
from .forms import CorrectionForm, DishonestyListForm, ObjectionForm, ReasonForm
from .models import Objection
from .workflows import OBJECTION_WORKFLOW

PUBLIC_PAGE_SIZE = 20
QUEUE_PAGE_SIZE = 25
DECISIONS = ("take_up", "uphold", "correct", "revoke")


def _organization(request: HttpRequest) -> Organization:
    organization = selectors.own_organization(request.user)
    if organization is None:
        raise Http404
    return organization


def _record(organization: Organization, series: UUID) -> Any:
    record = selectors.organization_record(organization, series)
    if record is None:
        raise Http404
    return record


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Employers and agencies: their own records ------------------------------------------------


@require_safe
@login_required
def records(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    today = timezone.localdate()
    rows = [
        (record, selectors.record_effect(record, today))
        for record in selectors.organization_records(organization)
    ]
    standing = (
        selectors.organization_standing(organization.uscc, today) if organization.uscc else None
    )
    return render(
        request,
        "credit/records.html",
        {"organization": organization, "rows": rows, "standing": standing, "today": today},
    )


@require_safe
@login_required
def record_detail(request: HttpRequest, series: UUID) -> HttpResponse:
    organization = _organization(request)
    record = _record(organization, series)
    today = timezone.localdate()
    user: User = request.user  # type: ignore[assignment]
    may_object = services.may_object(user, record)
    return render(
        request,
        "credit/record_detail.html",
        {
            "organization": organization,
            "record": record,
            "effect": selectors.record_effect(record, today),
            "versions": selectors.record_versions(series),
            "objections": selectors.objections_of_record(series),
            "may_object": may_object,
            "refusal": services.objection_refusal(record, today) if may_object else "",
        },
    )


@login_required
def objection_new(request: HttpRequest, series: UUID) -> HttpResponse:
    organization = _organization(request)
    record = _record(organization, series)
    user: User = request.user  # type: ignore[assignment]
    if not services.may_object(user, record):
        raise Http404
    form = ObjectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_file(
                actor=user,
                record=record,
                statement=form.cleaned_data["statement"],
                evidence=form.cleaned_data["evidence"],
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your objection was filed."))
            return redirect("credit:record_detail", series=record.series)
    return render(
        request,
        "credit/objection_new.html",
        {"organization": organization, "record": record, "form": form},
    )


@require_POST
@login_required
def objection_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization(request)
    objection = selectors.objection_of_organization(organization, pk)
    if objection is None:
        raise Http404
    try:
        services.objection_transition(
            actor=request.user,  # type: ignore[arg-type]
            objection=objection,
            transition="withdraw",
            request=request,
        )
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The objection was withdrawn."))
    return redirect("credit:record_detail", series=objection.series)


@require_safe
@login_required
def objection_evidence(request: HttpRequest, pk: int, file_id: UUID) -> HttpResponseBase:
    """An evidence file, for the objecting organization's people and the inspectors of
    the record's region."""
    objection = selectors.objection_for_inspector(request.user, pk)
    if objection is None:
        organization = selectors.own_organization(request.user)
        if organization is not None:
            objection = selectors.objection_of_organization(organization, pk)
    if objection is None:
        raise Http404
    stored = next((f for f in objection.evidence.all() if f.pk == file_id), None)
    if stored is None:
        raise Http404
    return file_response(stored)


# --- Inspectors: the objections of their regions ---------------------------------------------


@require_safe
@login_required
def objection_queue(request: HttpRequest) -> HttpResponse:
    if not selectors.is_inspector(request.user):
        raise Http404
    state = request.GET.get("state", "")
    if state not in Objection.State.values:
        state = ""
    page = page_of(
        selectors.objection_queue(request.user, state=state),
        request.GET.get("page"),
        QUEUE_PAGE_SIZE,
    )
    return render(
        request,
        "credit/objection_queue.html",
        {"page": page, "state": state, "states": Objection.State.choices},
    )


@login_required
def objection_review(request: HttpRequest, pk: int) -> HttpResponse:
    objection = selectors.objection_for_inspector(request.user, pk)
    if objection is None:
        raise Http404
    record = selectors.current_record(objection.series)
    assert record is not None  # a series always has a current version
    reason_form = ReasonForm(prefix="decision")
    correction_form = CorrectionForm(
        prefix="correction",
        initial={
            "severity": record.severity if record.dishonest else "",
            "facts": record.facts,
            "effective_until": record.effective_until,
            "disclosed": record.disclosed,
        },
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in DECISIONS:
            raise Http404
        form: Any
        changes: dict[str, Any] | None = None
        if action == "correct":
            form = correction_form = CorrectionForm(request.POST, prefix="correction")
            valid = form.is_valid()
            reason = form.cleaned_data.get("reason", "") if valid else ""
            changes = form.changes() if valid else None
        elif action == "take_up":
            form, valid, reason = None, True, ""
        else:
            form = reason_form = ReasonForm(request.POST, prefix="decision")
            valid = form.is_valid()
            reason = form.cleaned_data.get("reason", "") if valid else ""
        if valid:
            try:
                services.objection_transition(
                    actor=request.user,  # type: ignore[arg-type]
                    objection=objection,
                    transition=action,
                    reason=reason,
                    changes=changes,
                    request=request,
                )
            except WorkflowError as error:
                if form is None:
                    messages.error(request, error.message)
                else:
                    form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Done: the objection is now “%(state)s”.")
                    % {
                        "state": OBJECTION_WORKFLOW.state_label(
                            OBJECTION_WORKFLOW.get(action).target
                        )
                    },
                )
                return redirect("credit:objection_review", pk=objection.pk)
    available = {t.name for t in OBJECTION_WORKFLOW.available(objection, request.user)}  # type: ignore[arg-type]
    return render(
        request,
        "credit/objection_review.html",
        {
            "objection": objection,
            "record": record,
            "effect": selectors.record_effect(record, timezone.localdate()),
            "versions": selectors.record_versions(objection.series),
            "available": available,
            "reason_form": reason_form,
            "correction_form": correction_form,
        },
    )


# --- Everyone: the dishonesty list ------------------------------------------------------------


@require_safe
def dishonesty_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = DishonestyListForm(
        request.GET or None,
        provinces=list(selectors.provinces()),
        kinds=list(selectors.public_kinds()),
    )
    if form.is_bound and not form.is_valid():
        listed = selectors.dishonesty_list(on=today).none()
    else:
        listed = selectors.dishonesty_list(on=today, **form.filters())
    page = page_of(listed, request.GET.get("page"), PUBLIC_PAGE_SIZE)
    rows = [
        (
            record,
            record.organization.name
            if record.organization_id
            else selectors.masked_name(record.foreigner.surname, record.foreigner.given_names),
        )
        for record in page
    ]
    return render(
        request,
        "credit/dishonesty_list.html",
        {"form": form, "page": page, "rows": rows, "today": today},
    )
