"""Pages of the kernel: home, sign-in with a second factor, the work page, account,
colleagues (employer admins), users and roles (site admins), organizations (officers).

Views are thin: they validate input with a form, fetch through an access helper or a
selector, call one service, and render.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from portal import dashboard as dashboard_sections
from portal import second_factor, selectors, services
from portal.access import (
    access_organization,
    has_role,
    requires_second_factor,
    role_assignments,
    role_names,
)
from portal.api import errors as api_errors
from portal.forms import (
    LanguageForm,
    MemberInviteForm,
    MemberRoleForm,
    OneTimeCodeForm,
    OrganizationSearchForm,
    RoleGrantForm,
    StaffUserCreateForm,
    ThrottledAuthenticationForm,
    UserSearchForm,
)
from portal.middleware import VERIFIED_KEY
from portal.models import Organization, Region, TOTPDevice, User
from portal.pagination import page_of
from portal.roles import ROLE_SPECS, Role, Scope
from portal.services import ServiceError

PENDING_KEY = "portal_2fa_pending"
PENDING_TTL_SECONDS = 5 * 60
PENDING_MAX_FAILURES = 5
PAGE_SIZE = 25


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


# --- Sign-in --------------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    """Password first; officials then prove their second factor before being signed in."""

    template_name = "registration/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: ThrottledAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        form.clear_failures()
        if requires_second_factor(user):
            self.request.session.cycle_key()
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,  # type: ignore[attr-defined]
                "since": time.time(),
                "next": self.get_success_url(),
                "failures": 0,
            }
            device = TOTPDevice.objects.filter(user=user).first()
            if device is None or not device.is_confirmed:
                return redirect("portal:two_factor_enrol")
            return redirect("portal:two_factor_verify")
        response = super().form_valid(form)
        return _with_language(response, user)

    def get_success_url(self) -> str:
        url = self.get_redirect_url()
        return url or reverse("portal:dashboard")


def _with_language(response: HttpResponse, user: User) -> HttpResponse:
    """Remember the user's language in the cookie the language middleware reads."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        user.preferred_language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
    )
    return response


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    if time.time() - pending.get("since", 0) > PENDING_TTL_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return None
    return user, pending


def _complete_sign_in(request: HttpRequest, user: User, pending: dict[str, Any]) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=pending["backend"])
    request.session[VERIFIED_KEY] = True
    target = pending.get("next") or reverse("portal:dashboard")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("portal:dashboard")
    return _with_language(HttpResponseRedirect(target), user)


def _abandon_sign_in(request: HttpRequest, error: ServiceError) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    messages.error(request, error.message)
    return redirect("portal:login")


def _count_pending_failure(request: HttpRequest, pending: dict[str, Any]) -> bool:
    """Count a wrong code; after too many, the password must be entered again."""
    pending["failures"] = pending.get("failures", 0) + 1
    if pending["failures"] >= PENDING_MAX_FAILURES:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("Too many wrong codes. Sign in again."))
        return True
    request.session[PENDING_KEY] = pending
    return False


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    found = _pending_user(request)
    if found is None:
        messages.info(request, _("Sign in with your password first."))
        return redirect("portal:login")
    user, pending = found
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verified = services.totp_verify(
                actor=user, code=form.cleaned_data["code"], request=request
            )
        except ServiceError as exc:
            return _abandon_sign_in(request, exc)
        if verified:
            return _complete_sign_in(request, user, pending)
        if _count_pending_failure(request, pending):
            return redirect("portal:login")
        form.add_error("code", _("This code is not valid. Codes change every 30 seconds."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "who": user})


def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    found = _pending_user(request)
    if found is None:
        messages.info(request, _("Sign in with your password first."))
        return redirect("portal:login")
    user, pending = found
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None and device.is_confirmed:
        return redirect("portal:two_factor_verify")
    secret = services.totp_enrolment_secret(actor=user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verified = services.totp_verify(
                actor=user, code=form.cleaned_data["code"], confirm=True, request=request
            )
        except ServiceError as exc:
            return _abandon_sign_in(request, exc)
        if verified:
            messages.success(request, _("Your authenticator is enrolled."))
            return _complete_sign_in(request, user, pending)
        if _count_pending_failure(request, pending):
            return redirect("portal:login")
        form.add_error("code", _("This code is not valid. Check the time on your phone."))
    uri = second_factor.provisioning_uri(secret, user.get_username())
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    context = {
        "form": form,
        "who": user,
        "qr_data_uri": qr,
        "secret": second_factor.secret_base32(secret),
    }
    return render(request, "registration/two_factor_enrol.html", context)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin signs in through the portal (second factor, throttling). A signed-in
    person who is not staff is told so, instead of being sent round in a loop."""
    next_url = request.GET.get("next", "")
    safe_next = bool(next_url) and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    )
    if request.user.is_authenticated:
        if request.user.is_staff:
            return redirect(next_url if safe_next else reverse("admin:index"))
        return render(request, "403.html", status=403)
    target = reverse("portal:login")
    if safe_next:
        target += "?" + urlencode({"next": next_url})
    return redirect(target)


class SignOutView(auth_views.LogoutView):
    template_name = "registration/logged_out.html"


# --- Language ----------------------------------------------------------------------------------


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembered on the account of a signed-in user."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        # Django would accept any language it has a catalogue for; the portal offers two.
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("portal:home")
        return HttpResponseRedirect(target)
    response = django_set_language(request)
    if request.user.is_authenticated:
        services.user_set_language(actor=request.user, language=language)  # type: ignore[arg-type]
    return response


# --- Work page and account --------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    board = selectors.dashboard_for(user)
    sections = dashboard_sections.sections_for(user, role_names(user))
    return render(request, "portal/dashboard.html", {"board": board, "sections": sections})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = LanguageForm(
        request.POST or None, initial={"preferred_language": user.preferred_language}
    )
    if request.method == "POST" and form.is_valid():
        services.user_set_language(actor=user, language=form.cleaned_data["preferred_language"])
        with override(user.preferred_language):
            # Said in the language the next page is shown in.
            messages.success(request, _("Saved."))
            target = reverse("portal:account")
        return _with_language(redirect(target), user)
    return render(
        request,
        "portal/account.html",
        {
            "form": form,
            "has_device": TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists(),
            "sign_ins": selectors.user_recent_sign_ins(user, limit=10),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("portal:password_change_done")


# --- Colleagues (employer admins) -------------------------------------------------------------


def _managed_organization(request: HttpRequest) -> Organization:
    user: User = request.user  # type: ignore[assignment]
    if user.organization_id is None:
        raise Http404
    return access_organization(user, user.organization_id, "manage_organization_users")


@login_required
def members(request: HttpRequest) -> HttpResponse:
    organization = _managed_organization(request)
    member_list = list(selectors.organization_members(organization))
    admins = {
        m.pk for m in member_list if any(g.name == Role.EMPLOYER_ADMIN for g in m.groups.all())
    }
    return render(
        request,
        "portal/members.html",
        {
            "organization": organization,
            "members": member_list,
            "admin_ids": admins,
            "invite_form": MemberInviteForm(),
            "role_choices": MemberRoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
        },
    )


@login_required
def member_invite(request: HttpRequest) -> HttpResponse:
    organization = _managed_organization(request)
    form = MemberInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.organization_member_invite(
                actor=request.user,  # type: ignore[arg-type]
                organization=organization,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                request=request,
            )
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                form.add_error(field_name if field_name in form.fields else None, errors)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s was invited; the invitation went to %(email)s.")
                % {"name": user.get_full_name(), "email": user.email},
            )
            return redirect("portal:members")
    return render(
        request, "portal/member_invite.html", {"organization": organization, "form": form}
    )


def _member(organization: Organization, pk: int) -> User:
    return get_object_or_404(User, pk=pk, organization=organization, is_active=True)


@login_required
@require_POST
def member_set_role(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _managed_organization(request)
    member = _member(organization, pk)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose administrator or staff."))
        return redirect("portal:members")
    try:
        services.organization_member_set_role(
            actor=request.user,  # type: ignore[arg-type]
            organization=organization,
            user=member,
            role=form.cleaned_data["role"],
            request=request,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The role of %(name)s was changed.") % {"name": member})
    return redirect("portal:members")


@login_required
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _managed_organization(request)
    member = _member(organization, pk)
    if request.method == "POST":
        try:
            services.organization_member_remove(
                actor=request.user,  # type: ignore[arg-type]
                organization=organization,
                user=member,
                request=request,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s was removed.") % {"name": member})
        return redirect("portal:members")
    return render(
        request, "portal/member_remove.html", {"organization": organization, "member": member}
    )


# --- Organizations (officers and ministry) ----------------------------------------------------


@login_required
def organizations(request: HttpRequest) -> HttpResponse:
    form = OrganizationSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.organizations_search(
        request.user, q=filters.get("q", ""), kind=filters.get("kind", "")
    )
    page = page_of(qs, request.GET.get("page"), PAGE_SIZE)
    return render(request, "portal/organizations.html", {"form": form, "page": page})


# --- Users and roles (site admins) -------------------------------------------------------------


def _require_site_admin(request: HttpRequest) -> None:
    user = request.user
    if not user.is_authenticated or not (user.is_superuser or has_role(user, Role.SITE_ADMIN)):
        raise Http404


@login_required
def staff_users(request: HttpRequest) -> HttpResponse:
    _require_site_admin(request)
    form = UserSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.users_search(q=filters.get("q", ""), role=filters.get("role", ""))
    page = page_of(qs, request.GET.get("page"), PAGE_SIZE)
    return render(request, "portal/staff_users.html", {"form": form, "page": page})


@login_required
def staff_user_create(request: HttpRequest) -> HttpResponse:
    _require_site_admin(request)
    form = StaffUserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subject = services.user_invite(
                actor=request.user,  # type: ignore[arg-type]
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                organization=form.cleaned_data["organization"],
                request=request,
            )
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                form.add_error(field_name if field_name in form.fields else None, errors)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The account was created; the invitation went to %(email)s. Give it a role.")
                % {"email": subject.email},
            )
            return redirect("portal:staff_user_detail", pk=subject.pk)
    return render(request, "portal/staff_user_create.html", {"form": form})


@login_required
def staff_user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_site_admin(request)
    subject = get_object_or_404(User.objects.select_related("organization__region"), pk=pk)
    form = RoleGrantForm(request.POST or None, user=subject)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_grant(
                actor=request.user,  # type: ignore[arg-type]
                user=subject,
                role=form.cleaned_data["role"],
                region=form.cleaned_data.get("region"),
                organization=form.cleaned_data.get("organization"),
                request=request,
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The role was given."))
            return redirect("portal:staff_user_detail", pk=subject.pk)
    context = {
        "subject": subject,
        "assignments": role_assignments(subject),
        "form": form,
        "has_device": TOTPDevice.objects.filter(user=subject).exists(),
        "regions": Region.objects.filter(level=Region.Level.PROVINCE),
        "scope_help": {name: str(spec.scope.label) for name, spec in ROLE_SPECS.items()},
    }
    return render(request, "portal/staff_user_detail.html", context)


@login_required
@require_POST
def staff_role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require_site_admin(request)
    subject = get_object_or_404(User, pk=pk)
    role = request.POST.get("role", "")
    spec = ROLE_SPECS.get(role)
    if spec is None:
        raise Http404
    region = None
    organization = None
    if spec.scope == Scope.REGION:
        region = get_object_or_404(Region, pk=request.POST.get("region") or 0)
    elif spec.scope == Scope.ORGANIZATION:
        organization = subject.organization
    try:
        services.role_revoke(
            actor=request.user,  # type: ignore[arg-type]
            user=subject,
            role=role,
            region=region,
            organization=organization,
            request=request,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The role was removed."))
    return redirect("portal:staff_user_detail", pk=subject.pk)


@login_required
@require_POST
def staff_second_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    _require_site_admin(request)
    subject = get_object_or_404(User, pk=pk)
    services.totp_reset(actor=request.user, user=subject, request=request)  # type: ignore[arg-type]
    messages.success(
        request,
        _("The authenticator was removed; %(name)s enrols again at the next sign-in.")
        % {"name": subject},
    )
    return redirect("portal:staff_user_detail", pk=subject.pk)


# --- Errors ----------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return api_errors.api_not_found(request, exception)
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {"code": "permission_denied", "message": _("You may not do this.")}, status=403
        )
    return render(request, "403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return api_errors.api_server_error(request)
    # No context processors: the failure may lie in them.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
