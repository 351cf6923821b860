"""Reads of the catalogs app: the classification, catalogs in force, redlines.

``catalog_entry_in_force`` is the question the permit workflow (and the talent standards'
catalog route) asks: which entry of the Guidance Catalog in force lists this occupation in
this province on this date, if any.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import CharField, Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from catalogs.models import (
    CURRENT_EDITION,
    CatalogComment,
    CatalogEntry,
    GuidanceCatalog,
    Occupation,
)
from catalogs.services import REQUIREMENT_FIELDS
from portal.access import region_ids_for
from portal.filings import in_force_filter
from portal.models import Region, TransitionRecord, User
from portal.models.filing import PUBLISHED_STATES, FilingState, FilingStatus

# --- The classification ---------------------------------------------------------------------


def occupations(edition: int = CURRENT_EDITION) -> QuerySet[Occupation]:
    return Occupation.objects.filter(edition=edition)


def occupation_search(
    *,
    q: str = "",
    edition: int = CURRENT_EDITION,
    level: int | None = None,
    parent_code: str = "",
) -> QuerySet[Occupation]:
    """By code prefix (``2-02``, ``2-02-10``) or by Chinese or English title."""
    qs = occupations(edition)
    if level:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent_code=parent_code)
    q = q.strip()
    if q:
        if q[0].isdigit():
            qs = qs.filter(code__startswith=q)
        else:
            qs = qs.filter(Q(title_zh__icontains=q) | Q(title_en__icontains=q))
    return qs.order_by("code")


def occupation_by_code(code: str, edition: int = CURRENT_EDITION) -> Occupation | None:
    return occupations(edition).select_related("parent").filter(code=code).first()


def occupation_ancestors(occupation: Occupation) -> list[Occupation]:
    """Major group first, down to the occupation's parent (one query)."""
    codes = []
    parts = occupation.code.split("-")
    for i in (1, 2, 3):
        candidate = "-".join(parts[:i] + ["00"] * (4 - i))
        if candidate != occupation.code:
            codes.append(candidate)
    found = {o.code: o for o in occupations(occupation.edition).filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


@dataclass
class TreeNode:
    occupation: Occupation
    children: list[TreeNode] = field(default_factory=list)


def occupation_tree(edition: int = CURRENT_EDITION) -> list[TreeNode]:
    """The whole classification as a tree, in one query (about 2,000 rows)."""
    nodes: dict[int, TreeNode] = {}
    roots: list[TreeNode] = []
    rows = list(occupations(edition).order_by("code"))
    for occupation in rows:
        nodes[occupation.pk] = TreeNode(occupation)
    for occupation in rows:
        node = nodes[occupation.pk]
        if occupation.parent_id and occupation.parent_id in nodes:
            nodes[occupation.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots


def editions() -> list[int]:
    return list(
        Occupation.objects.order_by("-edition").values_list("edition", flat=True).distinct()
    )


# --- Catalogs in force ---------------------------------------------------------------------


def _province(region: Region) -> int:
    """The province a region belongs to (catalogs are provincial)."""
    if region.level == Region.Level.PROVINCE:
        return region.pk
    province = Region.objects.filter(code=region.province_code).values_list("pk", flat=True)
    return province.first() or region.pk


def catalog_in_force(region: Region, on: dt.date | None = None) -> GuidanceCatalog | None:
    day = on or timezone.localdate()
    return (
        GuidanceCatalog.objects.filter(in_force_filter(day), region_id=_province(region))
        .select_related("region")
        .first()
    )


def catalog_entry_in_force(
    *, occupation_code: str, region: Region, on: dt.date | None = None
) -> CatalogEntry | None:
    """The entry of the province's catalog in force on ``on`` that lists the occupation."""
    day = on or timezone.localdate()
    return (
        CatalogEntry.objects.filter(
            catalog__in=GuidanceCatalog.objects.filter(
                in_force_filter(day), region_id=_province(region)
            ),
            occupation__code=occupation_code,
        )
        .select_related("catalog__region", "occupation")
        .first()
    )


def listings_in_force(occupation: Occupation, on: dt.date | None = None) -> list[CatalogEntry]:
    """Every province whose catalog in force lists the occupation, with the requirements."""
    day = on or timezone.localdate()
    return list(
        CatalogEntry.objects.filter(
            occupation=occupation,
            catalog__in=GuidanceCatalog.objects.filter(in_force_filter(day)),
        )
        .select_related("catalog__region")
        .order_by("catalog__region__code")
    )


@dataclass(frozen=True)
class ProvinceCatalogs:
    province: Region
    in_force: GuidanceCatalog | None
    latest_published: GuidanceCatalog | None
    status: FilingStatus | None  # of the latest published version, on the day asked


def provinces_with_catalogs(on: dt.date | None = None) -> list[ProvinceCatalogs]:
    """Each province and the state of its catalog: two queries whatever the data."""
    day = on or timezone.localdate()
    published: dict[int, list[GuidanceCatalog]] = {}
    for catalog in (
        GuidanceCatalog.objects.filter(state__in=PUBLISHED_STATES)
        .annotate(entry_count=Count("entries"))
        .order_by("region_id", "-effective_from")
    ):
        published.setdefault(catalog.region_id, []).append(catalog)
    result = []
    for province in Region.objects.filter(level=Region.Level.PROVINCE).order_by("code"):
        versions = published.get(province.pk, [])
        in_force = next((c for c in versions if c.is_in_force_on(day)), None)
        started = [c for c in versions if c.effective_from and c.effective_from <= day]
        latest = in_force or (started[0] if started else (versions[0] if versions else None))
        result.append(
            ProvinceCatalogs(
                province=province,
                in_force=in_force,
                latest_published=latest,
                status=latest.status_on(day) if latest is not None else None,
            )
        )
    return result


def published_versions(region: Region) -> QuerySet[GuidanceCatalog]:
    """Every version ever published for the province (withdrawn ones too, as such)."""
    return (
        GuidanceCatalog.objects.filter(
            region=region,
            state__in=[*PUBLISHED_STATES, FilingState.WITHDRAWN],
            published_at__isnull=False,
        )
        .select_related("region")
        .order_by("-version")
    )


def public_catalog(pk: int) -> GuidanceCatalog | None:
    """A published (or formerly published) version, for the public pages and the API."""
    return (
        GuidanceCatalog.objects.filter(pk=pk, published_at__isnull=False)
        .select_related("region")
        .first()
    )


def catalog_entries(
    catalog: GuidanceCatalog,
    *,
    q: str = "",
    category: str = "",
    major: str = "",
) -> QuerySet[CatalogEntry]:
    qs = catalog.entries.select_related("occupation")
    if category:
        qs = qs.filter(category=category)
    if major:
        qs = qs.filter(occupation__code__startswith=f"{major}-")
    q = q.strip()
    if q:
        if q[0].isdigit():
            qs = qs.filter(occupation__code__startswith=q)
        else:
            qs = qs.filter(
                Q(occupation__title_zh__icontains=q) | Q(occupation__title_en__icontains=q)
            )
    return qs.order_by("occupation__code")


def _entry_count() -> Subquery:
    """The number of a catalog's entries as a correlated subquery: it runs only for the
    rows of the page (on the index of the entries' catalog), never as a GROUP BY over the
    whole entries table."""
    return Subquery(
        CatalogEntry.objects.filter(catalog=OuterRef("pk"))
        .order_by()
        .values("catalog")
        .annotate(n=Count("pk"))
        .values("n")
    )


def public_catalogs() -> QuerySet[GuidanceCatalog]:
    """Every version that has been published, with its province and number of entries."""
    return (
        GuidanceCatalog.objects.filter(published_at__isnull=False)
        .select_related("region")
        .annotate(entry_count=Coalesce(_entry_count(), 0))
    )


def public_version(province_code: str, version: int, today: dt.date) -> GuidanceCatalog | None:
    """A version that has been published, by its stable address, with its number of
    entries and the version in force in its province today (one query)."""
    in_force = GuidanceCatalog.objects.filter(
        in_force_filter(today), region_id=OuterRef("region_id")
    ).values("version")[:1]
    return (
        public_catalogs()
        .filter(
            region__code=province_code,
            region__level=Region.Level.PROVINCE,
            version=version,
        )
        .annotate(version_in_force=Subquery(in_force))
        .first()
    )


# --- Drafting and review -------------------------------------------------------------------

# What the ministry sees of a province's catalogs: from filing on (never drafts).
REVIEWABLE_STATES = (
    FilingState.SUBMITTED,
    FilingState.UNDER_REVIEW,
    FilingState.RETURNED,
    FilingState.APPROVED,
    FilingState.PUBLISHED,
)
DECISIONS = ("approve", "return")


def reviewable_catalog(pk: int) -> GuidanceCatalog | None:
    return (
        GuidanceCatalog.objects.filter(pk=pk, state__in=REVIEWABLE_STATES)
        .select_related("region", "based_on")
        .first()
    )


def recent_catalog_decisions(limit: int = 20) -> list[GuidanceCatalog]:
    """The catalogs most recently approved or returned, in every province, each with its
    latest decision (``decision``, ``decided_at``, ``decided_by``, ``decision_reason``).
    One query: the decision is read from the state changes by correlated subqueries."""
    decisions = TransitionRecord.objects.filter(
        target_model=GuidanceCatalog._meta.label_lower,
        target_id=Cast(OuterRef("pk"), CharField()),
        transition__in=DECISIONS,
    ).order_by("-at", "-pk")
    return list(
        GuidanceCatalog.objects.annotate(
            decided_at=Subquery(decisions.values("at")[:1]),
            decision=Subquery(decisions.values("transition")[:1]),
            decision_reason=Subquery(decisions.values("reason")[:1]),
            decided_by=Subquery(decisions.values("actor__full_name")[:1]),
            decided_by_username=Subquery(decisions.values("actor__username")[:1]),
        )
        .filter(decided_at__isnull=False)
        .select_related("region")
        .order_by("-decided_at", "-pk")[:limit]
    )


def catalogs_for_drafter(user: User) -> QuerySet[GuidanceCatalog]:
    return (
        GuidanceCatalog.objects.filter(region_id__in=region_ids_for(user, "draft_filings"))
        .select_related("region")
        .annotate(entry_count=Count("entries"))
        .order_by("region__code", "-version")
    )


def catalogs_for_review() -> QuerySet[GuidanceCatalog]:
    """What the ministry has to look at, oldest filing first."""
    return (
        GuidanceCatalog.objects.filter(state__in=[FilingState.SUBMITTED, FilingState.UNDER_REVIEW])
        .select_related("region")
        .annotate(entry_count=Count("entries"))
        .order_by("submitted_at", "pk")
    )


def catalogs_consulting(user: User) -> QuerySet[GuidanceCatalog]:
    """Drafts the user's organization is invited to comment on."""
    if user.organization_id is None:
        return GuidanceCatalog.objects.none()
    return (
        GuidanceCatalog.objects.filter(
            invitations__organization_id=user.organization_id,
            # From the consultation until the decision: the stakeholder follows what became
            # of its comments; once published, the catalog is public anyway.
            state__in=[
                FilingState.CONSULTATION,
                FilingState.DRAFT,
                FilingState.SUBMITTED,
                FilingState.UNDER_REVIEW,
                FilingState.RETURNED,
                FilingState.APPROVED,
            ],
        )
        .select_related("region")
        .order_by("-updated_at")
    )


def catalog_comments(catalog: GuidanceCatalog) -> list[CatalogComment]:
    return list(
        catalog.comments.select_related(
            "author", "organization", "answered_by", "entry__occupation"
        ).order_by("created_at", "pk")
    )


def catalog_with_entries(pk: int) -> GuidanceCatalog | None:
    return (
        GuidanceCatalog.objects.filter(pk=pk)
        .select_related("region", "based_on")
        .prefetch_related(
            Prefetch("entries", queryset=CatalogEntry.objects.select_related("occupation"))
        )
        .first()
    )


# --- Redline ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ChangedEntry:
    old: CatalogEntry
    new: CatalogEntry
    changes: list[FieldChange]


@dataclass
class Redline:
    """A version compared with the one in force (or the one it was based on)."""

    against: GuidanceCatalog | None
    added: list[CatalogEntry]
    removed: list[CatalogEntry]
    changed: list[ChangedEntry]
    unchanged: int
    metadata: list[FieldChange]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.metadata)


def redline_baseline(catalog: GuidanceCatalog) -> GuidanceCatalog | None:
    """What the ministry compares a submission with: the version in force in the province
    today, else the latest published one, else the version the draft was based on."""
    today = timezone.localdate()
    in_force = (
        GuidanceCatalog.objects.filter(in_force_filter(today), region_id=catalog.region_id)
        .exclude(pk=catalog.pk)
        .first()
    )
    if in_force is not None:
        return in_force
    latest = (
        GuidanceCatalog.objects.filter(region_id=catalog.region_id, state__in=PUBLISHED_STATES)
        .exclude(pk=catalog.pk)
        .order_by("-effective_from")
        .first()
    )
    return latest or cast(GuidanceCatalog | None, catalog.based_on)


def _entries(catalog: GuidanceCatalog | None) -> dict[str, CatalogEntry]:
    if catalog is None:
        return {}
    return {
        e.occupation.code: e
        for e in CatalogEntry.objects.filter(catalog=catalog).select_related("occupation")
    }


def _label(model: Any, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def catalog_redline(catalog: GuidanceCatalog, against: GuidanceCatalog | None = None) -> Redline:
    """Entries added, removed and changed field by field, and changed metadata."""
    baseline = against if against is not None else redline_baseline(catalog)
    new = _entries(catalog)
    old = _entries(baseline)
    added = [new[c] for c in sorted(set(new) - set(old))]
    removed = [old[c] for c in sorted(set(old) - set(new))]
    changed: list[ChangedEntry] = []
    unchanged = 0
    for code in sorted(set(new) & set(old)):
        differences = [
            FieldChange(
                name,
                _label(CatalogEntry, name),
                getattr(old[code], name),
                getattr(new[code], name),
            )
            for name in REQUIREMENT_FIELDS
            if getattr(old[code], name) != getattr(new[code], name)
        ]
        if differences:
            changed.append(ChangedEntry(old[code], new[code], differences))
        else:
            unchanged += 1
    metadata = []
    if baseline is not None:
        for name in (
            "title_zh",
            "title_en",
            "notes_zh",
            "notes_en",
            "effective_from",
            "expires_on",
        ):
            before, after = getattr(baseline, name), getattr(catalog, name)
            if before != after:
                metadata.append(FieldChange(name, _label(GuidanceCatalog, name), before, after))
    return Redline(baseline, added, removed, changed, unchanged, metadata)


def regions_drafted_by(user: User) -> list[Region]:
    return list(
        Region.objects.filter(
            pk__in=region_ids_for(user, "draft_filings"), level=Region.Level.PROVINCE
        ).order_by("code")
    )


def catalog_states_count(catalogs: Iterable[GuidanceCatalog]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for catalog in catalogs:
        counts[catalog.state] = counts.get(catalog.state, 0) + 1
    return counts
