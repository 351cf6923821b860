"""Who may act on what in permits: employers for themselves, service agencies for the
employers that granted them a power of attorney in force, officers in their regions.

Scope comes from the kernel's grants (``act_for_organization`` on an organization,
``accept_applications`` / ``decide_applications`` on a region with the divisions below
it); powers of attorney add the employers an agency may act for. Every answer is
memoized on the user object for the request, as ``portal.access`` does.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeGuard

from django.db.models import Q
from django.utils import timezone

from permits.models import Application, PowerOfAttorney
from portal.access import AnyUser, has_region_permission, region_ids_for
from portal.models import Organization, OrganizationUserObjectPermission, User

ACT = "act_for_organization"
ACCEPT = "accept_applications"
DECIDE = "decide_applications"


def _signed_in(user: AnyUser) -> TypeGuard[User]:
    return user is not None and user.is_authenticated


def _own_organization_ids(user: User) -> frozenset[int]:
    memo: dict[str, frozenset[int]] = user.__dict__.setdefault("_permits_access", {})
    if "own" not in memo:
        granted = OrganizationUserObjectPermission.objects.filter(
            user=user,
            permission__content_type__app_label="portal",
            permission__codename=ACT,
        ).values("content_object_id")
        memo["own"] = frozenset(
            Organization.objects.filter(pk__in=granted, is_active=True).values_list("pk", flat=True)
        )
    return memo["own"]


def employer_ids_for(user: AnyUser, on: dt.date | None = None) -> frozenset[int]:
    """Employers the user may act for on ``on``: their own, and those whose power of
    attorney to the user's agency is in force."""
    if not _signed_in(user):
        return frozenset()
    day = on or timezone.localdate()
    memo: dict[str, frozenset[int]] = user.__dict__.setdefault("_permits_access", {})
    key = f"employers:{day.isoformat()}"
    if key not in memo:
        own = _own_organization_ids(user)
        direct = frozenset(
            Organization.objects.filter(pk__in=own, kind=Organization.Kind.EMPLOYER).values_list(
                "pk", flat=True
            )
        )
        agencies = own - direct
        represented: frozenset[int] = frozenset()
        if agencies:
            represented = frozenset(
                PowerOfAttorney.objects.filter(
                    _in_force(day), agency_id__in=agencies, employer__is_active=True
                ).values_list("employer_id", flat=True)
            )
        memo[key] = direct | represented
    return memo[key]


def _in_force(day: dt.date) -> Q:
    return Q(revoked_at__isnull=True, valid_from__lte=day, valid_until__gte=day)


def may_act_for(user: AnyUser, employer: Organization | int | None) -> bool:
    if employer is None:
        return False
    pk = employer.pk if isinstance(employer, Organization) else employer
    return pk in employer_ids_for(user)


def acting_agency(user: AnyUser, employer: Organization | int) -> Organization | None:
    """The agency through which the user acts for ``employer``, or None when the user
    works for the employer itself (or may not act for it at all)."""
    if not _signed_in(user):
        return None
    pk = employer.pk if isinstance(employer, Organization) else employer
    own = _own_organization_ids(user)
    if pk in own:
        return None
    power = (
        PowerOfAttorney.objects.filter(
            _in_force(timezone.localdate()), agency_id__in=own, employer_id=pk
        )
        .select_related("agency")
        .order_by("-valid_until")
        .first()
    )
    return power.agency if power is not None else None


def may_act_on(user: AnyUser, application: Application) -> bool:
    """The employer's people, or its agency under a power of attorney in force."""
    return may_act_for(user, application.employer_id)


def may_accept(user: AnyUser, application: Application) -> bool:
    """Acceptance officers of the place of work (a delegated office below the province
    sees its own area; a provincial one the whole province)."""
    place = application.work_region_id or application.region_id
    return has_region_permission(user, ACCEPT, place)


def may_decide(user: AnyUser, application: Application) -> bool:
    return has_region_permission(user, DECIDE, application.region_id)


def officer_region_ids(user: AnyUser) -> frozenset[int]:
    """Regions where the user accepts or decides, with the divisions below them."""
    return region_ids_for(user, ACCEPT, DECIDE)
