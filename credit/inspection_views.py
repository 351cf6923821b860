"""Pages of the inspection campaigns (双随机、一公开).

Public (no sign-in): the list of published campaigns and each published campaign with its
draw and results. Inspectors: the campaigns of their regions, setting one up, the lifecycle
(draw, start, close, publish) and recording outcomes. A campaign of another region, one
that is not published (for the public) and an id that does not exist all answer 404.
Views are thin: a form validates, one service writes, a refusal is shown with nothing
changed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal import filing_views
from portal.models import User
from portal.pagination import page_of
from portal.services import ServiceError
from portal.workflow import WorkflowError, history

from . import inspections
from .inspection_forms import CampaignForm, OutcomeForm
from .inspection_models import InspectionCampaign
from .inspection_workflow import CAMPAIGN_WORKFLOW

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _campaign_url(campaign: InspectionCampaign) -> str:
    return reverse("credit:inspection_campaign", args=[campaign.pk])


def _require_inspector(request: HttpRequest) -> None:
    if not inspections.regions_inspected_by(_user(request)).exists():
        raise Http404


def _public_context(campaign: InspectionCampaign) -> dict[str, object]:
    return {
        "campaign": campaign,
        "population_label": inspections.population_label(campaign.population),
        "assignments": inspections.assignments_of(campaign),
    }


# --- Public ------------------------------------------------------------------------------------


@require_safe
def public_campaigns(request: HttpRequest) -> HttpResponse:
    page = page_of(inspections.published_campaigns(), request.GET.get("page"), PAGE_SIZE)
    return render(request, "credit/inspections/public_list.html", {"page": page})


@require_safe
def public_campaign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = inspections.published_campaign(pk)
    return render(request, "credit/inspections/public_detail.html", _public_context(campaign))


# --- Inspectors ------------------------------------------------------------------------------


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    _require_inspector(request)
    page = page_of(inspections.campaigns_for(_user(request)), request.GET.get("page"), PAGE_SIZE)
    return render(request, "credit/inspections/list.html", {"page": page})


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    regions = inspections.regions_inspected_by(user)
    if not regions.exists():
        raise Http404
    form = CampaignForm(
        request.POST or None,
        regions=regions,
        inspectors=inspections.inspectors_of_regions(regions.values_list("pk", flat=True)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            campaign = inspections.campaign_create(
                actor=user, request=request, **form.service_arguments()
            )
        except ValidationError as exc:
            filing_views.form_errors(form, exc)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The campaign is set up. Draw it when ready."))
            return redirect(_campaign_url(campaign))
    return render(request, "credit/inspections/form.html", {"form": form})


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = inspections.access_campaign(user, pk)
    assignments = inspections.assignments_of(campaign)
    context = {
        **_public_context(campaign),
        "assignments": assignments,
        "mine": {
            a.pk
            for a in assignments
            if not a.is_recorded and any(i.pk == user.pk for i in a.inspectors.all())
        },
        "in_progress": campaign.state == InspectionCampaign.State.IN_PROGRESS,
        "actions": CAMPAIGN_WORKFLOW.available(campaign, user),
        "pool": inspections.pool_names(campaign),
        "history": [
            {
                "record": record,
                "from": CAMPAIGN_WORKFLOW.state_label(record.from_state),
                "to": CAMPAIGN_WORKFLOW.state_label(record.to_state),
            }
            for record in history(campaign)
        ],
    }
    return render(request, "credit/inspections/detail.html", context)


@login_required
@require_POST
def campaign_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    campaign = inspections.access_campaign(_user(request), pk)
    try:
        inspections.campaign_transition(
            actor=_user(request), campaign=campaign, name=name, request=request
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Done: %(action)s.") % {"action": CAMPAIGN_WORKFLOW.get(name).label}
        )
    return redirect(_campaign_url(campaign))


@login_required
def assignment_outcome(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    user = _user(request)
    campaign = inspections.access_campaign(user, pk)
    assignment = inspections.access_assignment(user, campaign, assignment_pk)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inspections.assignment_record_outcome(
                actor=user, assignment=assignment, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            filing_views.form_errors(form, exc)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect(_campaign_url(campaign))
        else:
            messages.success(
                request, _("The outcome for %(name)s is recorded.") % {"name": assignment.name}
            )
            return redirect(_campaign_url(campaign))
    return render(
        request,
        "credit/inspections/outcome.html",
        {"campaign": campaign, "assignment": assignment, "form": form},
    )
