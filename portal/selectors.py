"""Reads of the kernel, scoped by what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from portal.access import (
    AnyUser,
    RoleAssignment,
    has_role,
    region_ids_for,
    role_assignments,
)
from portal.models import AuditEvent, Organization, Region, User
from portal.roles import EMPLOYER_SIDE_ROLES, Role

# Permissions that let an officer see the organizations of a region.
REGIONAL_VIEW_PERMISSIONS = (
    "accept_applications",
    "decide_applications",
    "inspect_employers",
    "read_partner_data",
    "draft_filings",
)


def regions_list() -> QuerySet[Region]:
    return Region.objects.select_related("parent").order_by("code")


def visible_regions(user: AnyUser) -> QuerySet[Region]:
    """Regions where the user holds any regional permission."""
    return Region.objects.filter(pk__in=region_ids_for(user, *REGIONAL_VIEW_PERMISSIONS))


def _national_viewer(user: AnyUser) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (
            user.is_superuser
            or has_role(user, Role.MINISTRY_REVIEWER)
            or has_role(user, Role.SITE_ADMIN)
        )
    )


def organizations_visible(user: AnyUser) -> QuerySet[Organization]:
    """Organizations the user may look up: all for ministry staff, those of their regions
    for officers, their own for everyone else."""
    base = Organization.objects.select_related("region")
    if user is None or not user.is_authenticated:
        return base.none()
    if _national_viewer(user):
        return base.all()
    region_ids = region_ids_for(user, *REGIONAL_VIEW_PERMISSIONS)
    return base.filter(Q(region_id__in=region_ids) | Q(pk=user.organization_id))


def organizations_search(user: AnyUser, *, q: str = "", kind: str = "") -> QuerySet[Organization]:
    qs = organizations_visible(user)
    if kind:
        qs = qs.filter(kind=kind)
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(uscc__iexact=q.upper())
        )
    return qs.order_by("kind", "name_zh", "pk")


def organization_members(organization: Organization) -> QuerySet[User]:
    return (
        User.objects.filter(organization=organization, is_active=True)
        .prefetch_related("groups")
        .order_by("full_name", "username")
    )


def users_search(*, q: str = "", role: str = "") -> QuerySet[User]:
    """For site admins: every account, with organization and roles in two queries."""
    qs = User.objects.select_related("organization__region").prefetch_related("groups")
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(full_name__icontains=q)
            | Q(email__icontains=q)
            | Q(organization__name_zh__icontains=q)
        )
    if role:
        qs = qs.filter(groups__name=role)
    return qs.order_by("username")


def user_recent_sign_ins(user: User, limit: int = 5) -> list[AuditEvent]:
    """The user's latest sign-ins, so that a sign-in they did not make stands out."""
    return list(AuditEvent.objects.filter(actor=user, action="auth.login").order_by("-seq")[:limit])


def organization_recent_events(organization: Organization, limit: int = 10) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(organization_id_at_time=organization.pk)
        .exclude(action__startswith="auth.")
        .order_by("-seq")[:limit]
    )


@dataclass
class Dashboard:
    """What the signed-in person's work page lists: real data, by role."""

    assignments: list[RoleAssignment]
    organization: Organization | None = None
    members: list[User] = field(default_factory=list)
    organization_events: list[AuditEvent] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    organizations_by_kind: list[tuple[str, int]] = field(default_factory=list)
    provinces: list[Region] = field(default_factory=list)
    users_by_role: list[tuple[str, int]] = field(default_factory=list)
    recent_sign_ins: list[AuditEvent] = field(default_factory=list)


def dashboard_for(user: User) -> Dashboard:
    assignments = role_assignments(user)
    roles = {a.role for a in assignments}
    board = Dashboard(assignments=assignments, organization=user.organization)
    board.recent_sign_ins = user_recent_sign_ins(user)
    if roles & EMPLOYER_SIDE_ROLES and user.organization is not None:
        board.members = list(organization_members(user.organization))
        board.organization_events = organization_recent_events(user.organization)
    if roles & set(REGIONAL_VIEW_PERMISSIONS_ROLES):
        board.regions = list(visible_regions(user).order_by("code"))
        counts = (
            Organization.objects.filter(region__in=board.regions, is_active=True)
            .values("kind")
            .annotate(n=Count("pk"))
            .order_by("kind")
        )
        labels = dict(Organization.Kind.choices)
        board.organizations_by_kind = [(str(labels[c["kind"]]), c["n"]) for c in counts]
    if roles & {Role.MINISTRY_REVIEWER.value, Role.SITE_ADMIN.value}:
        board.provinces = list(
            Region.objects.filter(level=Region.Level.PROVINCE)
            .annotate(
                authorities=Count(
                    "organizations",
                    filter=Q(organizations__kind=Organization.Kind.PROVINCIAL_AUTHORITY),
                )
            )
            .order_by("code")
        )
    if Role.SITE_ADMIN.value in roles:
        role_labels = dict(Role.choices)
        rows = (
            User.objects.filter(is_active=True, groups__name__in=list(role_labels))
            .values("groups__name")
            .annotate(n=Count("pk", distinct=True))
            .order_by("groups__name")
        )
        board.users_by_role = [(str(role_labels[r["groups__name"]]), r["n"]) for r in rows]
    return board


REGIONAL_VIEW_PERMISSIONS_ROLES = (
    Role.ACCEPTANCE_OFFICER.value,
    Role.DECISION_OFFICER.value,
    Role.INSPECTOR.value,
    Role.PARTNER_READER.value,
    Role.STANDARDS_DRAFTER.value,
)
