"""Access helpers: the only way views and selectors turn a user into what they may see.

Scope comes from django-guardian object permissions granted on containers: an officer holds
``accept_applications`` on a Region, an employer user ``act_for_organization`` on an
Organization. A permission on a province covers the divisions below it. Superusers get no
implicit officer powers here: being able to run the site is not being able to decide a
permit.

``access_*`` functions raise ``Http404`` both when the object does not exist and when the
user may not see it, so that the two cannot be told apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeGuard

from django.contrib.auth.models import AnonymousUser, Permission
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.models import (
    Organization,
    OrganizationUserObjectPermission,
    Region,
    RegionUserObjectPermission,
    User,
)
from portal.roles import ROLE_SPECS, SECOND_FACTOR_ROLES, Role, RoleSpec, Scope

AnyUser = User | AnonymousUser | None  # None: the system, which holds no scope


def _signed_in(user: AnyUser) -> TypeGuard[User]:
    """A signed-in, active person (narrows the type for the checker)."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def role_names(user: AnyUser) -> frozenset[str]:
    """The user's roles (group names), cached on the user object for the request."""
    if not _signed_in(user):
        return frozenset()
    cached = getattr(user, "_portal_role_names", None)
    if cached is None:
        cached = frozenset(
            name for name in user.groups.values_list("name", flat=True) if name in ROLE_SPECS
        )
        user.__dict__["_portal_role_names"] = cached
    return cached


def forget_cached_roles(user: AnyUser) -> None:
    """Drop what this request remembered of the user's roles and scopes."""
    for attribute in ("_portal_role_names", "_portal_region_ids", "_portal_national_permissions"):
        user.__dict__.pop(attribute, None)


def has_role(user: AnyUser, role: Role | str) -> bool:
    return str(role) in role_names(user)


def requires_second_factor(user: AnyUser) -> bool:
    """Officers, ministry staff and site admins must sign in with a second factor."""
    from django.conf import settings

    if not settings.PORTAL_TWO_FACTOR_REQUIRED or not _signed_in(user):
        return False
    return bool(user.is_superuser or (role_names(user) & SECOND_FACTOR_ROLES))


def region_ids_for(user: AnyUser, *codenames: str) -> frozenset[int]:
    """Primary keys of the regions where the user holds any of ``codenames``, with the
    divisions below them. One small query, remembered on the user object for the request,
    so that scoped lists filter on a short ``IN`` list instead of nested subqueries."""
    if not _signed_in(user) or not codenames:
        return frozenset()
    memo: dict[tuple[str, ...], frozenset[int]] = user.__dict__.setdefault("_portal_region_ids", {})
    key = tuple(sorted(set(codenames)))
    if key not in memo:
        granted = RegionUserObjectPermission.objects.filter(
            user=user,
            permission__content_type__app_label="portal",
            permission__codename__in=key,
        ).values("content_object_id")
        memo[key] = frozenset(
            Region.objects.filter(
                Q(pk__in=granted) | Q(parent_id__in=granted) | Q(parent__parent_id__in=granted)
            ).values_list("pk", flat=True)
        )
    return memo[key]


def regions_for(user: AnyUser, codename: str) -> QuerySet[Region]:
    """Regions in which the user holds ``codename``, with the divisions below them."""
    ids = region_ids_for(user, codename)
    if not ids:
        return Region.objects.none()
    return Region.objects.filter(pk__in=ids)


def has_region_permission(user: AnyUser, codename: str, region: Region | int | None) -> bool:
    """Whether the user holds ``codename`` in the region (a Region or its primary key)."""
    if region is None:
        return False
    pk = region.pk if isinstance(region, Region) else region
    return pk in region_ids_for(user, codename)


def has_national_permission(user: AnyUser, permission: str) -> bool:
    """A permission held nationally through a role group (``app_label.codename``).

    Read from the groups directly: ``user.has_perm`` is always true for superusers, and
    being able to run the site is not being a ministry reviewer.
    """
    if not _signed_in(user):
        return False
    memo: dict[str, bool] = user.__dict__.setdefault("_portal_national_permissions", {})
    if permission not in memo:
        app_label, codename = permission.split(".", 1)
        memo[permission] = Permission.objects.filter(
            group__user=user,
            content_type__app_label=app_label,
            codename=codename,
        ).exists()
    return memo[permission]


def organizations_for(user: AnyUser, codename: str) -> QuerySet[Organization]:
    """Organizations on which the user holds ``codename`` (active organizations only)."""
    if not _signed_in(user):
        return Organization.objects.none()
    granted = OrganizationUserObjectPermission.objects.filter(
        user=user,
        permission__content_type__app_label="portal",
        permission__codename=codename,
    ).values("content_object_id")
    return Organization.objects.filter(pk__in=granted, is_active=True)


def has_organization_permission(
    user: AnyUser, codename: str, organization: Organization | None
) -> bool:
    if organization is None:
        return False
    return organizations_for(user, codename).filter(pk=organization.pk).exists()


def access_organization(user: AnyUser, pk: int | str, codename: str) -> Organization:
    """The organization if the user holds ``codename`` on it; 404 otherwise."""
    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    organization = (
        organizations_for(user, codename).select_related("region").filter(pk=pk_int).first()
    )
    if organization is None:
        raise Http404
    return organization


@dataclass(frozen=True)
class RoleAssignment:
    """One role a user holds, with where it applies."""

    spec: RoleSpec
    region: Region | None = None
    organization: Organization | None = None

    @property
    def role(self) -> str:
        return self.spec.role.value

    @property
    def scope_label(self) -> str:
        from django.utils.translation import gettext

        if self.region is not None:
            return self.region.name
        if self.organization is not None:
            return self.organization.name
        return gettext("Nationwide")


def role_assignments(user: AnyUser) -> list[RoleAssignment]:
    """Every role the user holds and its scope, in role order (three queries)."""
    names = role_names(user)
    if not names or not _signed_in(user):
        return []
    region_grants: dict[str, list[Region]] = {}
    for grant in RegionUserObjectPermission.objects.filter(user=user).select_related(
        "content_object", "permission"
    ):
        region_grants.setdefault(grant.permission.codename, []).append(grant.content_object)
    organization_grants: dict[str, list[Organization]] = {}
    for org_grant in OrganizationUserObjectPermission.objects.filter(user=user).select_related(
        "content_object__region", "permission"
    ):
        organization_grants.setdefault(org_grant.permission.codename, []).append(
            org_grant.content_object
        )

    assignments: list[RoleAssignment] = []
    for role in Role:
        if role.value not in names:
            continue
        spec = ROLE_SPECS[role.value]
        if spec.scope == Scope.NATIONAL:
            assignments.append(RoleAssignment(spec))
            continue
        grants = region_grants if spec.scope == Scope.REGION else organization_grants
        # The role applies where the user holds every permission the role grants.
        scopes: list[Region] | list[Organization] | None = None
        for codename in spec.object_permissions:
            here = grants.get(codename, [])
            scopes = (
                here if scopes is None else [s for s in scopes if s in here]  # type: ignore[assignment]
            )
        for scope in sorted(scopes or [], key=lambda s: s.pk):
            if spec.scope == Scope.REGION:
                assignments.append(RoleAssignment(spec, region=scope))  # type: ignore[arg-type]
            else:
                assignments.append(RoleAssignment(spec, organization=scope))  # type: ignore[arg-type]
    return assignments
