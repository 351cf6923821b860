"""Writes of the kernel: organizations, users, roles, second factors, the calendar.

Every function is keyword-only, takes ``actor`` (``None`` only for an operator at the
command line, recorded as such), runs in one transaction and writes its audit event in
that transaction. Refusals raise ``ServiceError`` (or Django's ``ValidationError`` for bad
input) before anything is written.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from portal import ratelimit, second_factor, workdays
from portal.access import (
    forget_cached_roles,
    has_organization_permission,
    has_role,
    role_assignments,
)
from portal.audit import audit_record
from portal.identifiers import parse_uscc
from portal.models import (
    HolidayYear,
    Organization,
    OrganizationUserObjectPermission,
    Region,
    TOTPDevice,
    User,
)
from portal.roles import ROLE_SPECS, Role, Scope, role_spec


class ServiceError(Exception):
    """A refused action. ``code`` is stable for API clients; ``message`` is for people."""

    status = 400

    def __init__(self, message: Any, *, code: str = "refused", status: int | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
        if status is not None:
            self.status = status


class PermissionDeniedError(ServiceError):
    status = 403

    def __init__(self, message: Any = None):
        super().__init__(message or _("You may not do this."), code="permission_denied", status=403)


SYSTEM = "system"


def _is_site_admin(actor: User | None) -> bool:
    if actor is None:  # an operator at the command line
        return True
    return bool(actor.is_superuser or has_role(actor, Role.SITE_ADMIN))


# --- Organizations -----------------------------------------------------------------------


def organization_create(
    *,
    actor: User | None,
    kind: str,
    name_zh: str,
    name_en: str = "",
    region: Region | None = None,
    uscc: str | None = None,
    authority_level: str = "",
    address: str = "",
    legal_representative: str = "",
    request: HttpRequest | None = None,
) -> Organization:
    """Record an organization. Site admins only (employers register through permits)."""
    if not _is_site_admin(actor):
        raise PermissionDeniedError()
    errors: dict[str, list[str]] = {}
    check_failed = False
    if uscc:
        try:
            parsed = parse_uscc(uscc)
        except ValidationError as exc:
            errors["uscc"] = exc.messages
        else:
            uscc = parsed.value
            check_failed = not parsed.check_ok
            if Organization.objects.filter(uscc=uscc).exists():
                errors["uscc"] = [
                    gettext("An organization with this identifier is already registered.")
                ]
    elif kind in (Organization.Kind.EMPLOYER, Organization.Kind.SERVICE_AGENCY):
        errors["uscc"] = [gettext("Employers and agencies need their identifier.")]
    if kind != Organization.Kind.MINISTRY and region is None:
        errors["region"] = [gettext("Choose the region the organization belongs to.")]
    if kind == Organization.Kind.PROVINCIAL_AUTHORITY and not authority_level:
        authority_level = Organization.AuthorityLevel.PROVINCIAL
    if kind != Organization.Kind.PROVINCIAL_AUTHORITY:
        authority_level = ""
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        organization = Organization(
            kind=kind,
            name_zh=name_zh.strip(),
            name_en=name_en.strip(),
            region=region,
            uscc=uscc or None,
            uscc_check_failed=check_failed,
            authority_level=authority_level,
            address=address.strip(),
            legal_representative=legal_representative.strip(),
        )
        organization.full_clean()
        organization.save()
        audit_record(
            actor=actor,
            actor_repr=SYSTEM,
            action="organization.create",
            target=organization,
            data={"kind": kind, "uscc": organization.uscc, "check_failed": check_failed},
            request=request,
        )
    return organization


# --- Users --------------------------------------------------------------------------------


def user_create(
    *,
    actor: User | None,
    username: str,
    email: str,
    full_name: str,
    organization: Organization | None,
    password: str | None = None,
    preferred_language: str = "zh-hans",
    request: HttpRequest | None = None,
) -> User:
    """Create an account. Without a password, the account cannot sign in until the person
    sets one through the invitation link."""
    if not _is_site_admin(actor) and not (
        actor is not None
        and organization is not None
        and has_organization_permission(actor, "manage_organization_users", organization)
    ):
        raise PermissionDeniedError()
    email = User.objects.normalize_email(email.strip())
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = [gettext("This user name is taken.")]
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = [gettext("A user with this e-mail address exists.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            full_name=full_name.strip(),
            organization=organization,
            preferred_language=preferred_language,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        audit_record(
            actor=actor,
            actor_repr=SYSTEM,
            action="user.create",
            target=user,
            data={"organization": organization.pk if organization else None},
            request=request,
        )
    return user


def user_set_language(*, actor: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ServiceError(_("Unknown language."), code="invalid_language")
    if actor.preferred_language != language:
        actor.preferred_language = language
        actor.save(update_fields=["preferred_language"])


def _invitation_link(user: User, request: HttpRequest | None) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with translation.override(user.preferred_language):
        path = reverse("portal:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def _schedule_invitation(
    user: User, organization: Organization, request: HttpRequest | None
) -> None:
    """Send the set-password link once the account is committed."""
    link = _invitation_link(user, request)
    transaction.on_commit(lambda: _send_invitation(user, organization, link))


def _send_invitation(user: User, organization: Organization, link: str) -> None:
    with translation.override(user.preferred_language):
        subject = gettext("Your account on the Foreigner's Work Permit Portal")
        body = gettext(
            "Hello %(name)s,\n\n%(organization)s has given you an account on the "
            "Foreigner's Work Permit Portal. Choose your password here (the link is "
            "valid for one day and works once):\n\n%(link)s\n\nYour user name is "
            "%(username)s.\n"
        ) % {
            "name": user.get_full_name(),
            "organization": organization.name,
            "link": link,
            "username": user.username,
        }
    send_mail(subject, body, None, [user.email])


# --- Roles --------------------------------------------------------------------------------


def ensure_role_group(role: str) -> Group:
    """The role's group with exactly the role's national permissions."""
    spec = role_spec(role)
    group, _created = Group.objects.get_or_create(name=spec.role.value)
    if spec.global_permissions:
        wanted = Q()
        for dotted in spec.global_permissions:
            app_label, codename = dotted.split(".", 1)
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(Permission.objects.filter(wanted))
        if len(permissions) != len(spec.global_permissions):
            missing = set(spec.global_permissions) - {
                f"{p.content_type.app_label}.{p.codename}" for p in permissions
            }
            raise RuntimeError(f"permissions missing for role {role}: {sorted(missing)}")
        group.permissions.set(permissions)
    return group


def _check_scope(
    spec_role: str, user: User, region: Region | None, organization: Organization | None
) -> Region | Organization | None:
    spec = role_spec(spec_role)
    home = user.organization
    if home is None or home.kind not in spec.organization_kinds:
        kinds = ", ".join(
            str(Organization.Kind(kind).label) for kind in sorted(spec.organization_kinds)
        )
        raise ServiceError(
            gettext("The role “%(role)s” is for people working for: %(kinds)s.")
            % {"role": spec.label, "kinds": kinds},
            code="role_organization_mismatch",
        )
    if spec.provincial_level_only and not home.is_provincial_authority:
        raise ServiceError(
            gettext(
                "Only provincial-level authorities draft standards and catalogs; "
                "authorities below the province may not."
            ),
            code="role_requires_provincial_level",
        )
    if spec.scope == Scope.NATIONAL:
        if region is not None or organization is not None:
            raise ServiceError(
                gettext("The role “%(role)s” applies nationwide; give no scope.")
                % {"role": spec.label},
                code="role_scope_invalid",
            )
        return None
    if spec.scope == Scope.ORGANIZATION:
        if organization is None or organization.pk != home.pk:
            raise ServiceError(
                gettext("The role “%(role)s” applies to the person's own organization.")
                % {"role": spec.label},
                code="role_scope_invalid",
            )
        return organization
    if region is None:
        raise ServiceError(
            gettext("Choose the region in which the role “%(role)s” applies.")
            % {"role": spec.label},
            code="role_scope_invalid",
        )
    home_region = home.region
    inside = home_region is not None and (
        region.pk == home_region.pk
        or region.parent_id == home_region.pk
        or (region.parent is not None and region.parent.parent_id == home_region.pk)
    )
    if not inside:
        raise ServiceError(
            gettext("%(organization)s works in %(home)s, not in %(region)s.")
            % {
                "organization": home.name,
                "home": home_region.name if home_region else "-",
                "region": region.name,
            },
            code="role_scope_outside_organization",
        )
    return region


def _may_manage_role(actor: User | None, role: str, user: User) -> bool:
    if _is_site_admin(actor):
        return True
    if actor is not None and role in (Role.EMPLOYER_ADMIN, Role.EMPLOYER_STAFF):
        return has_organization_permission(actor, "manage_organization_users", user.organization)
    return False


def role_grant(
    *,
    actor: User | None,
    user: User,
    role: str,
    region: Region | None = None,
    organization: Organization | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Give ``user`` the role, scoped to a region or organization as the role requires."""
    spec = role_spec(role)
    if not _may_manage_role(actor, role, user):
        raise PermissionDeniedError()
    scope = _check_scope(role, user, region, organization)
    with transaction.atomic():
        group = ensure_role_group(role)
        user.groups.add(group)
        for codename in spec.object_permissions:
            assign_perm(f"portal.{codename}", user, scope)
        if role == Role.SITE_ADMIN and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        forget_cached_roles(user)
        audit_record(
            actor=actor,
            actor_repr=SYSTEM,
            action="role.grant",
            target=user,
            data={"role": role, "scope": _scope_data(scope)},
            request=request,
        )


def _scope_data(scope: Region | Organization | None) -> dict[str, Any] | None:
    if scope is None:
        return None
    return {"model": scope._meta.label_lower, "id": scope.pk, "name": str(scope)}


def _active_admin_count(organization: Organization, excluding: User | None = None) -> int:
    grants = OrganizationUserObjectPermission.objects.filter(
        content_object=organization,
        permission__codename="manage_organization_users",
        user__is_active=True,
        user__groups__name=Role.EMPLOYER_ADMIN.value,
    )
    if excluding is not None:
        grants = grants.exclude(user=excluding)
    return grants.values("user").distinct().count()


def _refuse_last_admin(organization: Organization, user: User) -> None:
    """Lock the organization, then refuse to leave it without an active admin."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if _active_admin_count(organization, excluding=user) == 0:
        raise ServiceError(
            _(
                "An employer must keep at least one administrator. Make another "
                "colleague an administrator first."
            ),
            code="last_admin",
        )


def role_revoke(
    *,
    actor: User | None,
    user: User,
    role: str,
    region: Region | None = None,
    organization: Organization | None = None,
    request: HttpRequest | None = None,
) -> None:
    spec = role_spec(role)
    if not _may_manage_role(actor, role, user):
        raise PermissionDeniedError()
    scope: Region | Organization | None
    if spec.scope == Scope.REGION:
        scope = region
    elif spec.scope == Scope.ORGANIZATION:
        scope = organization
    else:
        scope = None
    if spec.scope != Scope.NATIONAL and scope is None:
        raise ServiceError(
            gettext("Say where the role should be removed."), code="role_scope_invalid"
        )
    with transaction.atomic():
        if role == Role.EMPLOYER_ADMIN and isinstance(scope, Organization):
            _refuse_last_admin(scope, user)
        for codename in spec.object_permissions:
            remove_perm(f"portal.{codename}", user, scope)
        forget_cached_roles(user)
        remaining = [a for a in role_assignments(user) if a.role == role]
        if spec.scope == Scope.NATIONAL or not remaining:
            user.groups.remove(Group.objects.get(name=role))
        if role == Role.SITE_ADMIN and user.is_staff and not user.is_superuser:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
        forget_cached_roles(user)
        audit_record(
            actor=actor,
            actor_repr=SYSTEM,
            action="role.revoke",
            target=user,
            data={"role": role, "scope": _scope_data(scope)},
            request=request,
        )


# --- Employer users -----------------------------------------------------------------------

EMPLOYER_ROLES = (Role.EMPLOYER_ADMIN.value, Role.EMPLOYER_STAFF.value)


def _require_manager(actor: User, organization: Organization) -> None:
    if not has_organization_permission(actor, "manage_organization_users", organization):
        raise PermissionDeniedError()


def user_invite(
    *,
    actor: User | None,
    username: str,
    email: str,
    full_name: str,
    organization: Organization,
    request: HttpRequest | None = None,
) -> User:
    """A site admin opens an account; the person chooses a password through the link."""
    if not _is_site_admin(actor):
        raise PermissionDeniedError()
    with transaction.atomic():
        user = user_create(
            actor=actor,
            username=username,
            email=email,
            full_name=full_name,
            organization=organization,
            request=request,
        )
        _schedule_invitation(user, organization, request)
    return user


def organization_member_invite(
    *,
    actor: User,
    organization: Organization,
    email: str,
    full_name: str,
    role: str,
    request: HttpRequest | None = None,
) -> User:
    """An employer admin adds a colleague, who receives a link to choose a password."""
    _require_manager(actor, organization)
    if role not in EMPLOYER_ROLES:
        raise ServiceError(_("Choose administrator or staff."), code="invalid_role")
    with transaction.atomic():
        user = user_create(
            actor=actor,
            username=email.strip().lower(),
            email=email,
            full_name=full_name,
            organization=organization,
            preferred_language=actor.preferred_language,
            request=request,
        )
        role_grant(actor=actor, user=user, role=role, organization=organization, request=request)
        _schedule_invitation(user, organization, request)
    return user


def organization_member_set_role(
    *,
    actor: User,
    organization: Organization,
    user: User,
    role: str,
    request: HttpRequest | None = None,
) -> None:
    """Make a colleague an administrator or staff (never leaving no administrator)."""
    _require_manager(actor, organization)
    if role not in EMPLOYER_ROLES:
        raise ServiceError(_("Choose administrator or staff."), code="invalid_role")
    if user.organization_id != organization.pk or not user.is_active:
        raise ServiceError(_("This person is not a member of the organization."), code="not_member")
    with transaction.atomic():
        other = Role.EMPLOYER_STAFF if role == Role.EMPLOYER_ADMIN else Role.EMPLOYER_ADMIN
        if has_role(user, role):
            return
        if has_role(user, other):
            role_revoke(
                actor=actor, user=user, role=other, organization=organization, request=request
            )
        role_grant(actor=actor, user=user, role=role, organization=organization, request=request)


def organization_member_remove(
    *,
    actor: User,
    organization: Organization,
    user: User,
    request: HttpRequest | None = None,
) -> None:
    """Remove a colleague: their roles end and the account is deactivated."""
    _require_manager(actor, organization)
    if user.organization_id != organization.pk or not user.is_active:
        raise ServiceError(_("This person is not a member of the organization."), code="not_member")
    with transaction.atomic():
        if has_role(user, Role.EMPLOYER_ADMIN):
            _refuse_last_admin(organization, user)
        for role in EMPLOYER_ROLES:
            if has_role(user, role):
                role_revoke(
                    actor=actor, user=user, role=role, organization=organization, request=request
                )
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="organization.member_remove",
            target=user,
            data={"organization": organization.pk},
            request=request,
        )


# --- Second factor --------------------------------------------------------------------------


def totp_enrolment_secret(*, actor: User) -> bytes:
    """The secret to show on the enrolment page: the pending one, or a new one when there
    is none or it can no longer be read (the server's key changed meanwhile)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed_at__isnull=True).first()
    if device is not None:
        try:
            return second_factor.decrypt_secret(device.encrypted_secret)
        except ValueError:
            pass
    return totp_enrol_start(actor=actor)


def totp_enrol_start(*, actor: User) -> bytes:
    """Start (or restart) enrolment; returns the new secret to show once."""
    secret = second_factor.new_secret()
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=actor).first()
        if device is not None and device.is_confirmed:
            raise ServiceError(
                _("An authenticator is already enrolled. Ask a site administrator to reset it."),
                code="already_enrolled",
            )
        if device is None:
            device = TOTPDevice(user=actor)
        device.encrypted_secret = second_factor.encrypt_secret(secret)
        device.save()
    return secret


def _second_factor_failures_key(user: User) -> str:
    return f"portal:2fa-fail:{user.pk}"


def totp_verify(
    *, actor: User, code: str, confirm: bool = False, request: HttpRequest | None = None
) -> bool:
    """Check a code; each code is accepted once. ``confirm`` completes enrolment.

    Wrong codes are counted per account across sessions: after
    ``PORTAL_LOGIN_FAILURE_LIMIT`` twice over within the window, the code step is refused
    (``second_factor_locked``) whatever password steps are repeated meanwhile.
    """
    key = _second_factor_failures_key(actor)
    window = settings.PORTAL_LOGIN_FAILURE_WINDOW
    if (cache.get(key) or 0) >= 2 * settings.PORTAL_LOGIN_FAILURE_LIMIT:
        raise ServiceError(
            gettext("Too many wrong codes for this account. Wait %(minutes)d minutes.")
            % {"minutes": max(1, window // 60)},
            code="second_factor_locked",
            status=429,
        )
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=actor).first()
        if device is None or (device.is_confirmed == confirm):
            return False
        try:
            secret = second_factor.decrypt_secret(device.encrypted_secret)
        except ValueError:
            raise ServiceError(
                gettext(
                    "Your authenticator can no longer be read because the server's key was "
                    "changed. Ask a site administrator to reset it, then enrol again."
                ),
                code="second_factor_unreadable",
                status=409,
            ) from None
        step = second_factor.matching_step(secret, code, after_step=device.last_used_step)
        if step is None:
            audit_record(
                actor=actor, action="auth.second_factor_failed", target=actor, request=request
            )
            ratelimit.count(key, window)
            return False
        device.last_used_step = step
        fields = ["last_used_step"]
        if confirm:
            device.confirmed_at = timezone.now()
            fields.append("confirmed_at")
        device.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="auth.second_factor_enrolled" if confirm else "auth.second_factor_passed",
            target=actor,
            request=request,
        )
    return True


def totp_reset(*, actor: User | None, user: User, request: HttpRequest | None = None) -> None:
    """A site admin removes a lost authenticator; the user enrols again at next sign-in."""
    if not _is_site_admin(actor):
        raise PermissionDeniedError()
    with transaction.atomic():
        deleted, _detail = TOTPDevice.objects.filter(user=user).delete()
        audit_record(
            actor=actor,
            actor_repr=SYSTEM,
            action="auth.second_factor_reset",
            target=user,
            data={"removed": bool(deleted)},
            request=request,
        )


# --- Working-day calendar ------------------------------------------------------------------


def holiday_year_recorded(
    *, actor: User | None, holiday_year: HolidayYear, request: HttpRequest | None = None
) -> None:
    """Called after a site admin saves a year's arrangement: audit it and make every
    process reload the calendar."""
    dates = list(holiday_year.dates.values_list("date", "kind"))
    outside = [d for d, _kind in dates if d.year != holiday_year.year]
    if outside:
        raise ValidationError(
            gettext("Dates outside %(year)s: %(dates)s")
            % {"year": holiday_year.year, "dates": ", ".join(d.isoformat() for d in outside)}
        )
    audit_record(
        actor=actor,
        actor_repr=SYSTEM,
        action="calendar.year_recorded",
        target=holiday_year,
        data={
            "holidays": sorted(d.isoformat() for d, k in dates if k == "holiday"),
            "adjusted_workdays": sorted(d.isoformat() for d, k in dates if k == "workday"),
        },
        request=request,
    )
    transaction.on_commit(workdays.invalidate)


def holiday_year_delete(
    *, actor: User | None, holiday_year: HolidayYear, request: HttpRequest | None = None
) -> None:
    """Remove an entered year: its deadlines fall back to the package or to weekdays."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            actor_repr=SYSTEM,
            action="calendar.year_deleted",
            target=holiday_year,
            data={"year": holiday_year.year},
            request=request,
        )
        holiday_year.delete()
        transaction.on_commit(workdays.invalidate)


__all__ = [
    "ROLE_SPECS",
    "PermissionDeniedError",
    "ServiceError",
    "ensure_role_group",
    "holiday_year_delete",
    "holiday_year_recorded",
    "organization_create",
    "organization_member_invite",
    "organization_member_remove",
    "organization_member_set_role",
    "role_grant",
    "role_revoke",
    "totp_enrol_start",
    "totp_reset",
    "totp_verify",
    "user_create",
    "user_invite",
    "user_set_language",
]
