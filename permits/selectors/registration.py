"""Reads of registration and powers of attorney, scoped by what the user may see.

A registration is seen by its applicant and by the acceptance officers of its region (a
grant on a province covers the divisions below it); anyone else gets ``None`` here and
404 on the pages, the same as for one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeGuard

from django.db.models import Q, QuerySet
from django.utils import timezone

from permits.access import ACCEPT
from permits.models import PowerOfAttorney, Registration
from portal.access import AnyUser, region_ids_for
from portal.models import Organization, StoredFile, TransitionRecord, User
from portal.workflow import history

S = Registration.State
QUEUE_STATES = (S.SUBMITTED, S.RETURNED, S.APPROVED, S.REJECTED, S.WITHDRAWN)
FILE_FIELDS = ("business_licence", "power_of_attorney")


def _signed_in(user: AnyUser) -> TypeGuard[User]:
    return bool(user is not None and user.is_authenticated and user.is_active)


def review_region_ids(user: AnyUser) -> frozenset[int]:
    """Regions whose registrations the user reviews (none for anyone but officers)."""
    return region_ids_for(user, ACCEPT)


def registration_queue(user: AnyUser, *, state: str = S.SUBMITTED) -> QuerySet[Registration]:
    """Registrations of the officer's regions in ``state``, oldest first (one query with
    the region; the index ``registration_queue_idx`` serves it)."""
    regions = review_region_ids(user)
    if not regions or state not in S.values:
        return Registration.objects.none()
    return (
        Registration.objects.filter(region_id__in=regions, state=state)
        .select_related("region")
        .order_by("submitted_at", "pk")
    )


def registration_for_officer(user: AnyUser, pk: int) -> Registration | None:
    regions = review_region_ids(user)
    if not regions:
        return None
    return (
        Registration.objects.filter(pk=pk, region_id__in=regions)
        .select_related(
            "region", "applicant", "organization", "business_licence", "power_of_attorney"
        )
        .first()
    )


def registrations_of(user: AnyUser) -> QuerySet[Registration]:
    """The user's own registrations, newest first."""
    if not _signed_in(user):
        return Registration.objects.none()
    return (
        Registration.objects.filter(applicant=user)
        .select_related("region", "organization")
        .order_by("-submitted_at", "-pk")
    )


def registration_for_applicant(user: AnyUser, pk: int) -> Registration | None:
    return (
        registrations_of(user)
        .select_related("business_licence", "power_of_attorney")
        .filter(pk=pk)
        .first()
    )


def open_registration_of(user: AnyUser) -> Registration | None:
    return registrations_of(user).filter(state__in=(S.SUBMITTED, S.RETURNED)).first()


def registration_file(user: AnyUser, pk: int, which: str) -> tuple[Registration, StoredFile] | None:
    """One of the registration's files, for its applicant or an officer of its region."""
    if which not in FILE_FIELDS or not _signed_in(user):
        return None
    regions = review_region_ids(user)
    seen = Q(applicant=user)
    if regions:
        seen |= Q(region_id__in=regions)
    registration = Registration.objects.filter(seen, pk=pk).select_related(which).first()
    if registration is None:
        return None
    return registration, getattr(registration, which)


def registration_history(registration: Registration) -> list[TransitionRecord]:
    return list(history(registration).order_by("at", "pk"))


# --- Powers of attorney ------------------------------------------------------------------------


def agencies_search(q: str, *, limit: int = 20) -> list[Organization]:
    """Registered, active service agencies whose name contains ``q`` or whose identifier
    is ``q`` (nothing for fewer than two characters)."""
    q = (q or "").strip()
    if len(q) < 2:
        return []
    return list(
        Organization.objects.filter(kind=Organization.Kind.SERVICE_AGENCY, is_active=True)
        .filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(uscc=q.upper()))
        .select_related("region")
        .order_by("name_zh", "pk")[:limit]
    )


def agency_by_pk(pk: int | str | None) -> Organization | None:
    try:
        pk_int = int(pk or 0)
    except (TypeError, ValueError):
        return None
    return Organization.objects.filter(
        pk=pk_int, kind=Organization.Kind.SERVICE_AGENCY, is_active=True
    ).first()


def powers_granted(employer: Organization) -> list[PowerOfAttorney]:
    """Every power the employer granted, in force and ended, latest end first."""
    return list(
        PowerOfAttorney.objects.filter(employer=employer)
        .select_related("agency", "granted_by", "revoked_by")
        .order_by("-valid_until", "-pk")
    )


def power_granted(employer: Organization, pk: int) -> PowerOfAttorney | None:
    return (
        PowerOfAttorney.objects.filter(employer=employer, pk=pk)
        .select_related("agency", "employer")
        .first()
    )


def powers_held(agency: Organization, on: dt.date | None = None) -> list[PowerOfAttorney]:
    """The powers in force that the agency holds on ``on`` (today), by employer name."""
    day = on or timezone.localdate()
    return list(
        PowerOfAttorney.objects.filter(
            agency=agency,
            revoked_at__isnull=True,
            valid_from__lte=day,
            valid_until__gte=day,
            employer__is_active=True,
        )
        .select_related("employer__region")
        .order_by("employer__name_zh", "pk")
    )
