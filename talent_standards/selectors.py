"""Reads of the talent standards app: the rules in force, agreements, and the question
the permit workflow asks about a recognition's validity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db.models import CharField, Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from catalogs import selectors as catalog_selectors
from catalogs.selectors import FieldChange
from portal.access import has_national_permission, region_ids_for
from portal.filings import in_force_filter
from portal.models import Region, TransitionRecord, User
from portal.models.filing import PUBLISHED_STATES, FilingState
from talent_standards import engine
from talent_standards.models import (
    AverageWage,
    BonusRule,
    NationalStandard,
    PointsItem,
    PointsTable,
    RecognitionAgreement,
    RecognitionRoute,
    RegionalStandard,
    RegionalStandardComment,
    RegionalStandardInvitation,
)

# --- National standard and points tables -----------------------------------------------------


def national_standards() -> QuerySet[NationalStandard]:
    return NationalStandard.objects.select_related("points_table").order_by("-effective_from")


def national_standard_in_force(on: dt.date | None = None) -> NationalStandard | None:
    day = on or timezone.localdate()
    return (
        national_standards()
        .filter(effective_from__lte=day)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=day))
        .prefetch_related("routes")
        .first()
    )


def national_standard(version: str) -> NationalStandard | None:
    return national_standards().prefetch_related("routes").filter(version=version).first()


def points_tables() -> QuerySet[PointsTable]:
    return PointsTable.objects.prefetch_related("items").order_by("-effective_from")


def points_table(version: str) -> PointsTable | None:
    return points_tables().filter(version=version).first()


def points_table_in_use(on: dt.date | None = None) -> PointsTable | None:
    day = on or timezone.localdate()
    return (
        points_tables()
        .filter(effective_from__lte=day)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=day))
        .first()
    )


def average_wage(region: Region, year: int) -> AverageWage | None:
    return AverageWage.objects.filter(region=region, year=year).first()


def average_wages() -> QuerySet[AverageWage]:
    return AverageWage.objects.select_related("region").order_by("region__code", "-year")


# --- Regional standards -----------------------------------------------------------------------


def _province(region: Region) -> Region:
    if region.level == Region.Level.PROVINCE:
        return region
    return Region.objects.get(code=region.province_code)


def regional_standard_in_force(
    region: Region, on: dt.date | None = None
) -> RegionalStandard | None:
    day = on or timezone.localdate()
    return (
        RegionalStandard.objects.filter(in_force_filter(day), region=_province(region))
        .select_related("region")
        .prefetch_related("routes", "bonus_rules")
        .first()
    )


def declared_fact_rules(province_code: str, on: dt.date | None = None) -> list[BonusRule]:
    """The bonus rules of a province's regional standard in force that depend on a fact
    the applicant declares (an officer confirms it): what the self-assessment asks."""
    day = on or timezone.localdate()
    return list(
        BonusRule.objects.filter(
            condition=BonusRule.Condition.DECLARED_FACT,
            regional_standard__in=RegionalStandard.objects.filter(
                in_force_filter(day), region__code=province_code
            ),
        ).order_by("code")
    )


def regional_standards_for_drafter(user: User) -> QuerySet[RegionalStandard]:
    return (
        RegionalStandard.objects.filter(region_id__in=region_ids_for(user, "draft_filings"))
        .select_related("region")
        .order_by("region__code", "-version")
    )


def regional_standards_for_review() -> QuerySet[RegionalStandard]:
    return (
        RegionalStandard.objects.filter(state__in=[FilingState.SUBMITTED, FilingState.UNDER_REVIEW])
        .select_related("region")
        .order_by("submitted_at", "pk")
    )


def regional_standard_with_parts(pk: int) -> RegionalStandard | None:
    return (
        RegionalStandard.objects.filter(pk=pk)
        .select_related("region", "based_on")
        .prefetch_related(
            Prefetch("routes", queryset=RecognitionRoute.objects.order_by("category", "position")),
            Prefetch("bonus_rules", queryset=BonusRule.objects.order_by("code")),
        )
        .first()
    )


def published_regional_standards(region: Region) -> QuerySet[RegionalStandard]:
    return (
        RegionalStandard.objects.filter(
            region=region,
            state__in=[*PUBLISHED_STATES, FilingState.WITHDRAWN],
            published_at__isnull=False,
        )
        .select_related("region")
        .order_by("-version")
    )


@dataclass(frozen=True)
class ProvinceStandards:
    province: Region
    in_force: RegionalStandard | None
    agreements: list[RecognitionAgreement]  # in effect on the day, either direction


def provinces_with_standards(on: dt.date | None = None) -> list[ProvinceStandards]:
    """Every province, its regional standard in force and its agreements (3 queries)."""
    day = on or timezone.localdate()
    in_force = {
        s.region_id: s
        for s in RegionalStandard.objects.filter(in_force_filter(day)).select_related("region")
    }
    agreements: dict[int, list[RecognitionAgreement]] = {}
    for agreement in agreements_in_effect(day):
        agreements.setdefault(agreement.proposer_id, []).append(agreement)
        agreements.setdefault(agreement.partner_id, []).append(agreement)
    return [
        ProvinceStandards(province, in_force.get(province.pk), agreements.get(province.pk, []))
        for province in Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
    ]


# --- Mutual recognition ----------------------------------------------------------------------


def _applies_on(day: dt.date) -> Q:
    return (
        Q(state__in=[RecognitionAgreement.State.ACCEPTED, RecognitionAgreement.State.WITHDRAWN])
        & Q(effective_from__lte=day)
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
    )


def agreements_in_effect(on: dt.date | None = None) -> QuerySet[RecognitionAgreement]:
    day = on or timezone.localdate()
    return (
        RecognitionAgreement.objects.filter(_applies_on(day))
        .select_related("proposer", "partner")
        .order_by("proposer__code", "partner__code")
    )


def agreements_of(region: Region) -> QuerySet[RecognitionAgreement]:
    """Every agreement a province is party to, in any state (history included)."""
    return (
        RecognitionAgreement.objects.filter(Q(proposer=region) | Q(partner=region))
        .select_related("proposer", "partner")
        .order_by("-proposed_at")
    )


def agreements_for_drafter(user: User) -> QuerySet[RecognitionAgreement]:
    regions = region_ids_for(user, "draft_filings")
    return (
        RecognitionAgreement.objects.filter(Q(proposer_id__in=regions) | Q(partner_id__in=regions))
        .select_related("proposer", "partner")
        .order_by("-proposed_at")
    )


def all_agreements() -> QuerySet[RecognitionAgreement]:
    return RecognitionAgreement.objects.select_related("proposer", "partner").order_by(
        "-proposed_at"
    )


@dataclass(frozen=True)
class RecognitionBasis:
    """Under which standard a recognition was granted: the national standard (valid in
    every province) or a province's regional standard (valid there and where an agreement
    with that province applies)."""

    scope: str  # "national" or "regional"
    region: Region | None = None


def recognition_valid_in(basis: RecognitionBasis, province: Region, on: dt.date) -> bool:
    """Is a recognition granted on ``basis`` valid in ``province`` on ``on``?

    "One-time approval, nationwide recognition": a national recognition is valid in every
    province. A regional one is valid in its own province, and in a province with which a
    mutual recognition agreement applies on that day (in either direction).
    """
    if basis.scope == "national":
        return True
    if basis.region is None:
        raise ValueError("a regional recognition names its province")
    granted = _province(basis.region)
    asked = _province(province)
    if granted.pk == asked.pk:
        return True
    return (
        RecognitionAgreement.objects.filter(_applies_on(on))
        .filter(Q(proposer=granted, partner=asked) | Q(proposer=asked, partner=granted))
        .exists()
    )


# --- The engine's rules ----------------------------------------------------------------------


def _table_rule(table: PointsTable) -> engine.TableRule:
    items: list[PointsItem] = list(table.items.all())
    return engine.TableRule(
        version=table.version,
        threshold_a=table.threshold_a,
        threshold_b=table.threshold_b,
        items=tuple(
            engine.ItemRule(
                number=i.number,
                key=i.key,
                title=i.title,
                max_points=i.max_points,
                scheme=i.scheme,
                bands=i.bands,
            )
            for i in sorted(items, key=lambda i: i.number)
        ),
    )


def _route_rules(routes: Any, source: str) -> list[engine.RouteRule]:
    return [
        engine.RouteRule(
            code=r.code,
            category=r.category,
            kind=r.kind,
            title=r.title,
            evidence=tuple(r.evidence),
            parameters=r.parameters,
            source=source,
        )
        for r in sorted(routes, key=lambda r: (r.category, r.position, r.code))
    ]


class RulesUnavailable(Exception):
    """No national standard or points table applies on the date asked."""


def rules_for(
    *,
    region: Region,
    on: dt.date | None = None,
    occupation_code: str = "",
    table_version: str = "",
) -> engine.Rules:
    """Everything the engine needs for a job in ``region`` on ``on``: the national
    standard in force and its points table (or the table asked for), the province's
    regional standard in force with its routes and bonus rules, the province's average
    wage of the previous year, and the catalog entry for the occupation."""
    day = on or timezone.localdate()
    province = _province(region)
    national = national_standard_in_force(day)
    if national is None:
        raise RulesUnavailable(f"no national standard in force on {day}")
    table = points_table(table_version) if table_version else national.points_table
    if table is None:
        raise RulesUnavailable(f"no points table {table_version!r}")
    if not table_version:
        table = points_table(table.version)  # with its items prefetched
    assert table is not None
    regional = regional_standard_in_force(province, day)
    wage = average_wage(province, day.year - 1)
    entry = (
        catalog_selectors.catalog_entry_in_force(
            occupation_code=occupation_code, region=province, on=day
        )
        if occupation_code
        else None
    )
    routes = _route_rules(national.routes.all(), f"national:{national.version}")
    bonus: tuple[engine.BonusRuleData, ...] = ()
    regional_version = ""
    if regional is not None:
        regional_version = f"{province.code}:v{regional.version}"
        routes += _route_rules(regional.routes.all(), f"regional:{regional_version}")
        bonus = tuple(
            engine.BonusRuleData(b.code, b.title, b.condition, b.parameters, b.points)
            for b in regional.bonus_rules.all()
        )
    return engine.Rules(
        on=day,
        table=_table_rule(table),
        national_version=national.version,
        routes=tuple(routes),
        region_name=province.name,
        region_earns_location_points=region.earns_location_points or province.earns_location_points,
        location_name=(
            region.name
            if region.earns_location_points or not province.earns_location_points
            else province.name
        ),
        average_wage=wage.amount_cny if wage is not None else None,
        average_wage_year=day.year - 1,
        bonus_rules=bonus,
        regional_version=regional_version,
        catalog_entry=(
            engine.CatalogEntryData(
                catalog_version=entry.catalog.version,
                min_education=entry.min_education,
                min_experience_years=entry.min_experience_years,
                min_annual_salary_cny=(
                    Decimal(entry.min_annual_salary_cny)
                    if entry.min_annual_salary_cny is not None
                    else None
                ),
                skills=entry.skills,
            )
            if entry is not None
            else None
        ),
    )


# What the ministry sees of a province's standards: from filing on (never drafts).
REVIEWABLE_STATES = (
    FilingState.SUBMITTED,
    FilingState.UNDER_REVIEW,
    FilingState.RETURNED,
    FilingState.APPROVED,
    FilingState.PUBLISHED,
)
DECISIONS = ("approve", "return")


# --- Review --------------------------------------------------------------------------------


def reviewable_standard(pk: int) -> RegionalStandard | None:
    return (
        RegionalStandard.objects.filter(pk=pk, state__in=REVIEWABLE_STATES)
        .select_related("region", "based_on")
        .first()
    )


def standards_for_review() -> QuerySet[RegionalStandard]:
    """What the ministry has to look at, oldest filing first, with the number of routes
    and bonus rules (one query)."""
    return regional_standards_for_review().annotate(
        route_count=Count("routes", distinct=True),
        rule_count=Count("bonus_rules", distinct=True),
    )


def recent_standard_decisions(limit: int = 20) -> list[RegionalStandard]:
    """The standards most recently approved or returned, each with its latest decision
    (``decision``, ``decided_at``, ``decided_by``, ``decision_reason``). One query: the
    decision is read from the state changes by correlated subqueries."""
    decisions = TransitionRecord.objects.filter(
        target_model=RegionalStandard._meta.label_lower,
        target_id=Cast(OuterRef("pk"), CharField()),
        transition__in=DECISIONS,
    ).order_by("-at", "-pk")
    return list(
        RegionalStandard.objects.annotate(
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


# --- The redline -------------------------------------------------------------------------

# The fields compared, route by route (by code) and bonus rule by bonus rule (by code).
# A route's ``position`` only orders the page and is not compared.
ROUTE_COMPARED = (
    "category",
    "kind",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "evidence_zh",
    "evidence_en",
    "parameters",
)
BONUS_COMPARED = ("title_zh", "title_en", "condition", "parameters", "points")
METADATA_COMPARED = ("title_zh", "title_en", "notes_zh", "notes_en", "effective_from", "expires_on")


@dataclass(frozen=True)
class ChangedPart:
    """A route or bonus rule in both versions (the same code), and what changed."""

    old: Any
    new: Any
    changes: list[FieldChange]


@dataclass
class StandardRedline:
    """A regional standard version compared with the one in force (or the latest
    published, or the one it was based on)."""

    against: RegionalStandard | None
    routes_added: list[RecognitionRoute]
    routes_removed: list[RecognitionRoute]
    routes_changed: list[ChangedPart]
    routes_unchanged: int
    rules_added: list[BonusRule]
    rules_removed: list[BonusRule]
    rules_changed: list[ChangedPart]
    rules_unchanged: int
    metadata: list[FieldChange]

    @property
    def is_empty(self) -> bool:
        return not (
            self.routes_added
            or self.routes_removed
            or self.routes_changed
            or self.rules_added
            or self.rules_removed
            or self.rules_changed
            or self.metadata
        )


def standard_redline_baseline(standard: RegionalStandard) -> RegionalStandard | None:
    """What the ministry compares a submission with: the version in force in the province
    today, else the latest published one, else the version the draft was based on."""
    today = timezone.localdate()
    in_force = (
        RegionalStandard.objects.filter(in_force_filter(today), region_id=standard.region_id)
        .exclude(pk=standard.pk)
        .first()
    )
    if in_force is not None:
        return in_force
    latest = (
        RegionalStandard.objects.filter(region_id=standard.region_id, state__in=PUBLISHED_STATES)
        .exclude(pk=standard.pk)
        .order_by("-effective_from", "-version")
        .first()
    )
    return latest or cast(RegionalStandard | None, standard.based_on)


def _label(model: Any, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _compare(
    model: Any, fields: tuple[str, ...], new: dict[str, Any], old: dict[str, Any]
) -> tuple[list[Any], list[Any], list[ChangedPart], int]:
    added = [new[c] for c in sorted(set(new) - set(old))]
    removed = [old[c] for c in sorted(set(old) - set(new))]
    changed: list[ChangedPart] = []
    unchanged = 0
    for code in sorted(set(new) & set(old)):
        differences = [
            FieldChange(
                name, _label(model, name), getattr(old[code], name), getattr(new[code], name)
            )
            for name in fields
            if getattr(old[code], name) != getattr(new[code], name)
        ]
        if differences:
            changed.append(ChangedPart(old[code], new[code], differences))
        else:
            unchanged += 1
    return added, removed, changed, unchanged


def standard_redline(
    standard: RegionalStandard, against: RegionalStandard | None = None
) -> StandardRedline:
    """Routes (by code) and bonus rules (by code) added, removed and changed field by
    field, and changed metadata. The routes of both versions come in one query, and so do
    their bonus rules: nothing is queried per row."""
    baseline = against if against is not None else standard_redline_baseline(standard)
    ids = [standard.pk] + ([baseline.pk] if baseline is not None else [])
    routes: dict[int, dict[str, RecognitionRoute]] = {pk: {} for pk in ids}
    for route in RecognitionRoute.objects.filter(regional_standard_id__in=ids):
        routes[cast(int, route.regional_standard_id)][route.code] = route
    rules: dict[int, dict[str, BonusRule]] = {pk: {} for pk in ids}
    for rule in BonusRule.objects.filter(regional_standard_id__in=ids):
        rules[rule.regional_standard_id][rule.code] = rule
    old_routes = routes[baseline.pk] if baseline is not None else {}
    old_rules = rules[baseline.pk] if baseline is not None else {}
    r_added, r_removed, r_changed, r_unchanged = _compare(
        RecognitionRoute, ROUTE_COMPARED, routes[standard.pk], old_routes
    )
    b_added, b_removed, b_changed, b_unchanged = _compare(
        BonusRule, BONUS_COMPARED, rules[standard.pk], old_rules
    )
    metadata = []
    if baseline is not None:
        for name in METADATA_COMPARED:
            before, after = getattr(baseline, name), getattr(standard, name)
            if before != after:
                metadata.append(FieldChange(name, _label(RegionalStandard, name), before, after))
    return StandardRedline(
        baseline,
        r_added,
        r_removed,
        r_changed,
        r_unchanged,
        b_added,
        b_removed,
        b_changed,
        b_unchanged,
        metadata,
    )


def standard_comments(standard: RegionalStandard) -> list[RegionalStandardComment]:
    """The consultation comments with their authors, organizations, answering drafters
    and routes (one query)."""
    return list(
        standard.comments.select_related(  # type: ignore[attr-defined]
            "author", "organization", "answered_by", "route"
        ).order_by("created_at", "pk")
    )


def standard_invitations(standard: RegionalStandard) -> list[RegionalStandardInvitation]:
    return list(
        standard.invitations.select_related("organization").order_by(  # type: ignore[attr-defined]
            "organization__kind", "organization__name_zh", "pk"
        )
    )


def standard_parts(
    standard: RegionalStandard,
) -> tuple[list[RecognitionRoute], list[BonusRule]]:
    """The routes (by category and order) and bonus rules (by code): two queries."""
    routes = list(standard.routes.order_by("category", "position", "code"))  # type: ignore[attr-defined]
    rules = list(standard.bonus_rules.order_by("code"))  # type: ignore[attr-defined]
    return routes, rules


def standards_consulting(user: User) -> QuerySet[RegionalStandard]:
    """Drafts the user's organization is invited to comment on."""
    if user.organization_id is None:
        return RegionalStandard.objects.none()
    return (
        RegionalStandard.objects.filter(
            invitations__organization_id=user.organization_id, state__in=CONSULTED_STATES
        )
        .select_related("region")
        .order_by("-updated_at", "pk")
    )


def standards_for_drafter(user: User) -> QuerySet[RegionalStandard]:
    """The drafter's versions with their number of routes and bonus rules (one query)."""
    return regional_standards_for_drafter(user).annotate(
        route_count=Count("routes", distinct=True),
        rule_count=Count("bonus_rules", distinct=True),
    )


# From the consultation until the decision: the stakeholder follows what became of its
# comments; once published, the standard is public anyway.
CONSULTED_STATES = (
    FilingState.CONSULTATION,
    FilingState.DRAFT,
    FilingState.SUBMITTED,
    FilingState.UNDER_REVIEW,
    FilingState.RETURNED,
    FilingState.APPROVED,
)


# --- Visibility for the API ---------------------------------------------------------------

REVIEW_PERMISSION = "portal.review_filings"
DRAFT_PERMISSION = "draft_filings"
PUBLIC_AGREEMENT_STATES = (
    RecognitionAgreement.State.ACCEPTED,
    RecognitionAgreement.State.WITHDRAWN,
)
PUBLISHED_OR_WITHDRAWN = (*PUBLISHED_STATES, FilingState.WITHDRAWN)


def published_standards() -> QuerySet[RegionalStandard]:
    """Every version ever published (in force, scheduled, superseded, lapsed, withdrawn)."""
    return RegionalStandard.objects.filter(
        state__in=PUBLISHED_OR_WITHDRAWN, published_at__isnull=False
    ).select_related("region")


def visible_standards(user: Any) -> QuerySet[RegionalStandard]:
    """Published versions for everyone; the province's drafts for its drafters; every
    filing from its submission on for ministry reviewers."""
    visible = Q(state__in=PUBLISHED_OR_WITHDRAWN, published_at__isnull=False)
    drafted = region_ids_for(user, DRAFT_PERMISSION)
    if drafted:
        visible |= Q(region_id__in=drafted)
    if has_national_permission(user, REVIEW_PERMISSION):
        visible |= ~Q(state__in=[FilingState.DRAFT, FilingState.CONSULTATION])
    return RegionalStandard.objects.filter(visible).select_related("region")


def visible_agreements(user: Any) -> QuerySet[RecognitionAgreement]:
    """Accepted and withdrawn agreements for everyone; the proposals of their province
    for drafters; every agreement for ministry reviewers."""
    queryset = RecognitionAgreement.objects.select_related("proposer", "partner")
    if has_national_permission(user, REVIEW_PERMISSION):
        return queryset
    visible = Q(state__in=PUBLIC_AGREEMENT_STATES)
    drafted = region_ids_for(user, DRAFT_PERMISSION)
    if drafted:
        visible |= Q(proposer_id__in=drafted) | Q(partner_id__in=drafted)
    return queryset.filter(visible)
