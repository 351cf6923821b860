"""Pages of registration and powers of attorney.

For handlers (public, then signed in):

* ``registration/``: open an account and register an employer or service agency;
* ``registration/mine/``, ``registration/<pk>/``: the registration's state, what the
  officers asked, its history; withdraw; ``registration/<pk>/correct/`` when returned.

For acceptance officers of the registration's province (404 for anyone else):

* ``review/registrations/``: the queue, oldest first, by state;
* ``review/registrations/<pk>/``: the data, the flagged check character, the files, the
  history, and approve / return for correction / reject;
* ``registration/<pk>/files/<which>/``: a file, for the applicant or an officer.

For employers' administrators and agencies' agents:

* ``organization/attorney/``: the powers granted, grant one (agency search with htmx),
  revoke; ``organization/represented/``: the employers an agency acts for today.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from permits.forms.registration import (
    AgencySearchForm,
    CorrectionForm,
    PowerOfAttorneyForm,
    ReasonForm,
    RegistrationForm,
)
from permits.models import Registration
from permits.selectors import issued as issued_selectors
from permits.selectors import registration as selectors
from permits.services import registration as services
from permits.workflows.registration import REGISTRATION_WORKFLOW
from portal import ratelimit
from portal.access import access_organization, has_role
from portal.audit import client_ip
from portal.files import file_response
from portal.models import Organization, User
from portal.pagination import page_of
from portal.roles import Role
from portal.services import ServiceError
from portal.workflow import Transition, WorkflowError

PAGE_SIZE = 25
REASON_LABEL = {"return_for_correction": gettext_lazy("What to correct")}
REASON_HELP = {
    "return_for_correction": gettext_lazy(
        "Say what the handler must correct or send again; they read it with the registration."
    ),
    "reject": gettext_lazy("The handler reads the reasons with the decision."),
}


def _add_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _language() -> str:
    language = get_language() or "zh-hans"
    return "en" if language.startswith("en") else "zh-hans"


# --- Handlers ----------------------------------------------------------------------------------


def _too_many_accounts(request: HttpRequest) -> bool:
    """Count this address's attempts to open an account with a registration in the last
    hour (``PORTAL_REGISTRATION_LIMIT_PER_HOUR``); True once the limit is passed."""
    key = f"permits:registration-attempts:{client_ip(request) or 'unknown'}"
    return ratelimit.count(key, 3600) > int(settings.PORTAL_REGISTRATION_LIMIT_PER_HOUR)


def registration_start(request: HttpRequest) -> HttpResponse:
    """Register an organization: anyone, or a signed-in handler without an organization."""
    user = request.user
    signed_in = user.is_authenticated
    if signed_in:
        if selectors.open_registration_of(user) is not None:
            return redirect("permits:registration_mine")
        if user.organization_id is not None:  # type: ignore[union-attr]
            return render(request, "permits/registration/member.html", status=200)
    form = RegistrationForm(request.POST or None, request.FILES or None, with_account=not signed_in)
    blocked = None
    if request.method == "POST" and not signed_in and _too_many_accounts(request):
        # Keep what was typed, and say why nothing was saved.
        form = RegistrationForm(request.POST, request.FILES, with_account=True)
        form.is_valid()
        form.add_error(
            None,
            _(
                "Too many registrations were filed from your network in the last hour. "
                "Nothing was saved: try again later."
            ),
        )
        return render(
            request,
            "permits/registration/start.html",
            {"form": form, "blocked": None, "with_account": True, "has_registrations": False},
            status=429,
        )
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_submit(
                actor=user if signed_in else None,  # type: ignore[arg-type]
                data=form.registration_data(),
                business_licence=form.cleaned_data["business_licence"],
                power_of_attorney=form.cleaned_data["power_of_attorney"],
                account=form.account(_language()),
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except services.RegistrationBlocked as exc:
            blocked = exc
            form.add_error("uscc", exc.message)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            if not signed_in:
                login(
                    request,
                    registration.applicant,
                    backend="django.contrib.auth.backends.ModelBackend",
                )
            messages.success(
                request,
                _(
                    "Your registration %(number)s was submitted. The acceptance officers of "
                    "%(region)s review it; follow it here."
                )
                % {"number": registration.number, "region": registration.region.name},
            )
            return redirect("permits:registration_detail", pk=registration.pk)
    return render(
        request,
        "permits/registration/start.html",
        {
            "form": form,
            "blocked": blocked,
            "with_account": not signed_in,
            "has_registrations": signed_in and selectors.registrations_of(user).exists(),
        },
    )


@login_required
def registration_mine(request: HttpRequest) -> HttpResponse:
    registrations = list(selectors.registrations_of(request.user))
    return render(request, "permits/registration/mine.html", {"registrations": registrations})


def _own_registration(request: HttpRequest, pk: int) -> Registration:
    registration = selectors.registration_for_applicant(request.user, pk)
    if registration is None:
        raise Http404
    return registration


def _history_rows(registration: Registration) -> list[dict[str, Any]]:
    workflow = REGISTRATION_WORKFLOW
    return [
        {
            "record": record,
            "action": str(workflow.get(record.transition).label),
            "from_state": workflow.state_label(record.from_state),
            "to_state": workflow.state_label(record.to_state),
            "changed": sorted((record.payload or {}).get("changes", {})),
        }
        for record in selectors.registration_history(registration)
    ]


def _files(registration: Registration) -> list[tuple[str, Any, str]]:
    return [
        ("business_licence", registration.business_licence, _("Business licence")),
        ("power_of_attorney", registration.power_of_attorney, _("Handler's power of attorney")),
    ]


@login_required
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _own_registration(request, pk)
    return render(
        request,
        "permits/registration/detail.html",
        {
            "registration": registration,
            "history": _history_rows(registration),
            "files": _files(registration),
            "issued_documents": issued_selectors.registration_documents(registration),
            "may_withdraw": registration.state in services.OPEN_STATES,
            "withdraw_form": ReasonForm(prefix="withdraw"),
        },
    )


@login_required
def registration_correct(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _own_registration(request, pk)
    if registration.state != Registration.State.RETURNED:
        messages.info(request, _("Only a registration returned for correction can be changed."))
        return redirect("permits:registration_detail", pk=registration.pk)
    if request.method == "POST":
        form = CorrectionForm(request.POST, request.FILES)
    else:
        form = CorrectionForm.for_registration(registration)
    blocked = None
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_resubmit(
                actor=request.user,  # type: ignore[arg-type]
                registration=registration,
                data=form.registration_data(),
                business_licence=form.cleaned_data.get("business_licence"),
                power_of_attorney=form.cleaned_data.get("power_of_attorney"),
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except services.RegistrationBlocked as exc:
            blocked = exc
            form.add_error("uscc", exc.message)
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The corrected registration was submitted again."))
            return redirect("permits:registration_detail", pk=registration.pk)
    return render(
        request,
        "permits/registration/correct.html",
        {"registration": registration, "form": form, "blocked": blocked},
    )


@login_required
@require_POST
def registration_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _own_registration(request, pk)
    form = ReasonForm(request.POST, prefix="withdraw")
    form.is_valid()
    try:
        services.registration_transition(
            actor=request.user,  # type: ignore[arg-type]
            registration=registration,
            transition="withdraw",
            reason=form.cleaned_data.get("reason", ""),
            request=request,
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The registration was withdrawn."))
    return redirect("permits:registration_detail", pk=registration.pk)


@login_required
def registration_file(request: HttpRequest, pk: int, which: str) -> FileResponse:
    found = selectors.registration_file(request.user, pk, which)
    if found is None:
        raise Http404
    _registration, stored = found
    return file_response(stored)


# --- Acceptance officers -----------------------------------------------------------------------


def _require_officer(request: HttpRequest) -> User:
    if not selectors.review_region_ids(request.user):
        raise Http404
    return request.user  # type: ignore[return-value]


@login_required
def registration_queue(request: HttpRequest) -> HttpResponse:
    _require_officer(request)
    state = request.GET.get("state") or Registration.State.SUBMITTED
    if state not in Registration.State.values:
        state = Registration.State.SUBMITTED
    page = page_of(
        selectors.registration_queue(request.user, state=state),
        request.GET.get("page"),
        PAGE_SIZE,
    )
    return render(
        request,
        "permits/registration/queue.html",
        {"page": page, "state": state, "states": Registration.State.choices},
    )


def _officer_registration(request: HttpRequest, pk: int) -> Registration:
    _require_officer(request)
    registration = selectors.registration_for_officer(request.user, pk)
    if registration is None:
        raise Http404
    return registration


def _actions(registration: Registration, user: User) -> list[tuple[Transition, ReasonForm | None]]:
    return [
        (
            t,
            ReasonForm(
                prefix=t.name,
                reason_required=True,
                help_text=REASON_HELP.get(t.name, ""),
                label=REASON_LABEL.get(t.name, ""),
            )
            if t.reason_required
            else None,
        )
        for t in REGISTRATION_WORKFLOW.available(registration, user)
    ]


@login_required
def registration_review(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _officer_registration(request, pk)
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "permits/registration/review.html",
        {
            "registration": registration,
            "history": _history_rows(registration),
            "files": _files(registration),
            "actions": _actions(registration, user),
            "issued_documents": issued_selectors.registration_documents(registration),
            "open_problems": services.uscc_problems(registration.uscc, excluding=registration)
            if registration.state == Registration.State.SUBMITTED
            else [],
        },
    )


@login_required
@require_POST
def registration_decide(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    registration = _officer_registration(request, pk)
    form = ReasonForm(request.POST, prefix=name)
    form.is_valid()
    try:
        done = services.registration_transition(
            actor=request.user,  # type: ignore[arg-type]
            registration=registration,
            transition=name,
            reason=form.cleaned_data.get("reason", ""),
            request=request,
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect("permits:registration_review", pk=registration.pk)
    messages.success(
        request,
        _("“%(action)s” is done: registration %(number)s is now %(state)s.")
        % {
            "action": REGISTRATION_WORKFLOW.get(name).label,
            "number": done.number,
            "state": REGISTRATION_WORKFLOW.state_label(done.state),
        },
    )
    return redirect("permits:registration_queue")


# --- Powers of attorney ------------------------------------------------------------------------


def _employer_managed(request: HttpRequest) -> Organization:
    """The employer whose users the signed-in admin manages; 404 for anyone else."""
    user: User = request.user  # type: ignore[assignment]
    if user.organization_id is None:
        raise Http404
    organization = access_organization(user, user.organization_id, "manage_organization_users")
    if organization.kind != Organization.Kind.EMPLOYER:
        raise Http404
    return organization


@login_required
def attorney_list(request: HttpRequest) -> HttpResponse:
    employer = _employer_managed(request)
    today = timezone.localdate()
    powers = selectors.powers_granted(employer)
    return render(
        request,
        "permits/attorney/list.html",
        {
            "employer": employer,
            "rows": [(p, p.is_active_on(today), p.valid_from > today) for p in powers],
            "today": today,
        },
    )


@login_required
def attorney_agencies(request: HttpRequest) -> HttpResponse:
    """Search results (the whole grant page, or only the results for htmx)."""
    employer = _employer_managed(request)
    search = AgencySearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    context = {
        "employer": employer,
        "search": search,
        "q": q,
        "agencies": selectors.agencies_search(q),
    }
    if request.headers.get("HX-Request"):
        return render(request, "permits/attorney/_agencies.html", context)
    return render(request, "permits/attorney/grant.html", context)


@login_required
def attorney_grant(request: HttpRequest) -> HttpResponse:
    employer = _employer_managed(request)
    source = request.POST if request.method == "POST" else request.GET
    agency = selectors.agency_by_pk(source.get("agency"))
    if agency is None or agency.pk == employer.pk:
        messages.info(request, _("Find the service agency first."))
        return redirect("permits:attorney_agencies")
    if request.method == "POST":
        form = PowerOfAttorneyForm(request.POST)
    else:
        form = PowerOfAttorneyForm(initial=PowerOfAttorneyForm.initial_for(agency.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.power_of_attorney_grant(
                actor=request.user,  # type: ignore[arg-type]
                employer=employer,
                agency=agency,
                valid_from=form.cleaned_data["valid_from"],
                valid_until=form.cleaned_data["valid_until"],
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(agency)s may now act for %(employer)s from %(start)s to %(end)s.")
                % {
                    "agency": agency.name,
                    "employer": employer.name,
                    "start": form.cleaned_data["valid_from"].isoformat(),
                    "end": form.cleaned_data["valid_until"].isoformat(),
                },
            )
            return redirect("permits:attorney_list")
    return render(
        request,
        "permits/attorney/grant_form.html",
        {
            "employer": employer,
            "agency": agency,
            "form": form,
            "max_years": services.POWER_OF_ATTORNEY_MAX_YEARS,
        },
    )


@login_required
def attorney_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    employer = _employer_managed(request)
    power = selectors.power_granted(employer, pk)
    if power is None:
        raise Http404
    if request.method == "POST":
        try:
            services.power_of_attorney_revoke(
                actor=request.user,  # type: ignore[arg-type]
                power=power,
                request=request,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("The power of attorney of %(agency)s was revoked.")
                % {"agency": power.agency.name},
            )
        return redirect("permits:attorney_list")
    return render(request, "permits/attorney/revoke.html", {"employer": employer, "power": power})


@login_required
def attorney_represented(request: HttpRequest) -> HttpResponse:
    """For an agency's agents: the employers they may act for today."""
    user: User = request.user  # type: ignore[assignment]
    if user.organization_id is None or not has_role(user, Role.AGENCY_AGENT):
        raise Http404
    agency = access_organization(user, user.organization_id, "act_for_organization")
    if agency.kind != Organization.Kind.SERVICE_AGENCY:
        raise Http404
    return render(
        request,
        "permits/attorney/represented.html",
        {"agency": agency, "powers": selectors.powers_held(agency)},
    )


urlpatterns: list[URLPattern] = [
    path("registration/", registration_start, name="registration_start"),
    path("registration/mine/", registration_mine, name="registration_mine"),
    path("registration/<int:pk>/", registration_detail, name="registration_detail"),
    path("registration/<int:pk>/correct/", registration_correct, name="registration_correct"),
    path("registration/<int:pk>/withdraw/", registration_withdraw, name="registration_withdraw"),
    path(
        "registration/<int:pk>/files/<slug:which>/",
        registration_file,
        name="registration_file",
    ),
    path("review/registrations/", registration_queue, name="registration_queue"),
    path("review/registrations/<int:pk>/", registration_review, name="registration_review"),
    path(
        "review/registrations/<int:pk>/do/<slug:name>/",
        registration_decide,
        name="registration_decide",
    ),
    path("organization/attorney/", attorney_list, name="attorney_list"),
    path("organization/attorney/agencies/", attorney_agencies, name="attorney_agencies"),
    path("organization/attorney/grant/", attorney_grant, name="attorney_grant"),
    path("organization/attorney/<int:pk>/revoke/", attorney_revoke, name="attorney_revoke"),
    path("organization/represented/", attorney_represented, name="attorney_represented"),
]
