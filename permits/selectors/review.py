"""What the officers' review pages read: the queue of a province's applications and one
application with everything the officer weighs (documents, recognition, information
requests, credit standing, history).

Scope comes from the officer's grants (``permits.access``): acceptance officers see the
applications of their place of work (a provincial office: the whole province; a delegated
office below it: its own area), decision officers those of their province. An application
is visible when the officer may accept or decide it; drafts are the employer's alone.

The queue filters on the columns of ``application_queue_idx`` (region, state, due_on, id)
where it can: a province-level officer's scope is ``region IN (...)``, the state an
equality or a short ``IN`` list, the due date a range, the order ``due_on`` (nulls last).
Category, kind, employer and occupation narrow the rows the index returns; none of them
has an index of its own on ``Application``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from credit import selectors as credit_selectors
from permits.access import ACCEPT, DECIDE
from permits.models import (
    Application,
    Document,
    InformationItem,
    InformationRequest,
)
from portal.access import AnyUser, region_ids_for
from portal.models import Region, TransitionRecord
from portal.workdays import add_working_days
from portal.workflow import history
from talent_standards.models import RecognitionRoute

S = Application.State
ACCEPTANCE_STATES: tuple[str, ...] = (S.SUBMITTED,)
DECISION_STATES: tuple[str, ...] = (S.UNDER_REVIEW, S.INFORMATION_REQUESTED)
OPEN_STATES: tuple[str, ...] = (
    S.SUBMITTED,
    S.RETURNED,
    S.UNDER_REVIEW,
    S.INFORMATION_REQUESTED,
)
# What the queue may be filtered to: "mine" (what awaits this officer), "open", or a state.
MINE = "mine"
OPEN = "open"
QUEUE_STATES: tuple[str, ...] = tuple(s for s in S.values if s != S.DRAFT)

# Columns the queue never shows (the recognition facts and the stored assessment).
QUEUE_DEFERRED = (
    "assessment",
    "bonuses",
    "achievements",
    "declared_facts",
    "decision_text_zh",
    "decision_text_en",
)


# --- Scope -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerScope:
    """Where the officer accepts and decides, as the queue filters on it.

    ``accept_provinces``/``decide_provinces``: provinces granted whole (an application's
    ``region`` is its province, so these filter on ``region``, the queue index's first
    column); ``delegated``: regions below a province where the officer accepts without
    holding the whole province (filtered on ``work_region``, the office index)."""

    accept_provinces: frozenset[int] = frozenset()
    decide_provinces: frozenset[int] = frozenset()
    delegated: frozenset[int] = frozenset()

    @property
    def is_officer(self) -> bool:
        return bool(self.accept_provinces or self.decide_provinces or self.delegated)

    @property
    def accepts(self) -> bool:
        return bool(self.accept_provinces or self.delegated)

    @property
    def decides(self) -> bool:
        return bool(self.decide_provinces)

    def accept_q(self) -> Q:
        q = Q(pk__in=[])
        if self.accept_provinces:
            q |= Q(region_id__in=sorted(self.accept_provinces))
        if self.delegated:
            q |= Q(work_region_id__in=sorted(self.delegated))
        return q

    def decide_q(self) -> Q:
        if not self.decide_provinces:
            return Q(pk__in=[])
        return Q(region_id__in=sorted(self.decide_provinces))

    def visible_q(self) -> Q:
        provinces = self.accept_provinces | self.decide_provinces
        q = Q(pk__in=[])
        if provinces:
            q = Q(region_id__in=sorted(provinces))
        if self.delegated:
            q |= Q(work_region_id__in=sorted(self.delegated))
        return q & ~Q(state=S.DRAFT)

    def mine_q(self) -> Q:
        """What awaits this officer: acceptance of submitted applications where the
        officer accepts, decisions where the officer decides."""
        return (self.accept_q() & Q(state__in=ACCEPTANCE_STATES)) | (
            self.decide_q() & Q(state__in=DECISION_STATES)
        )


NO_SCOPE = OfficerScope()


def officer_scope(user: AnyUser) -> OfficerScope:
    """The officer's scope (``NO_SCOPE`` for anyone who neither accepts nor decides).
    Reads the grants (remembered on the user for the request) and, when there are any,
    one small query that tells provinces from the divisions below them."""
    accept = region_ids_for(user, ACCEPT)
    decide = region_ids_for(user, DECIDE)
    if not accept and not decide:
        return NO_SCOPE
    granted = accept | decide
    provinces_granted = Region.objects.filter(
        pk__in=sorted(granted), level=Region.Level.PROVINCE
    ).values("pk")
    rows = list(
        Region.objects.filter(
            Q(pk__in=sorted(granted), level=Region.Level.PROVINCE)
            | (
                Q(pk__in=sorted(accept))
                & ~Q(level=Region.Level.PROVINCE)
                & ~Q(parent_id__in=provinces_granted)
                & ~Q(parent__parent_id__in=provinces_granted)
            )
        ).values_list("pk", "level")
    )
    provinces = {pk for pk, level in rows if level == Region.Level.PROVINCE}
    return OfficerScope(
        accept_provinces=frozenset(provinces & accept),
        decide_provinces=frozenset(provinces & decide),
        delegated=frozenset(pk for pk, level in rows if level != Region.Level.PROVINCE),
    )


# --- The queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    state: str = MINE
    category: str = ""
    kind: str = ""
    employer: str = ""  # part of the name, or the identifier (USCC)
    occupation: str = ""  # a code or the start of one: 2-02 or 2-02-10-03
    due_before: dt.date | None = None  # due on or before this day


def queue_states(filters: QueueFilters) -> tuple[str, ...] | None:
    """The states asked for (``None``: what awaits the officer)."""
    if filters.state == MINE or not filters.state:
        return None
    if filters.state == OPEN:
        return OPEN_STATES
    return (filters.state,)


def application_queue(scope: OfficerScope, filters: QueueFilters) -> QuerySet[Application]:
    """The officer's applications, soonest deadline first (none last), then the earliest
    submitted. Never counted: pages are cut with ``portal.pagination.page_of``."""
    if not scope.is_officer:
        return Application.objects.none()
    states = queue_states(filters)
    where = scope.mine_q() if states is None else scope.visible_q() & Q(state__in=states)
    queryset = Application.objects.filter(where)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.employer:
        text = filters.employer.strip()
        queryset = queryset.filter(
            Q(employer__uscc=text.upper())
            | Q(employer__name_zh__icontains=text)
            | Q(employer__name_en__icontains=text)
        )
    if filters.occupation:
        queryset = queryset.filter(occupation__code__startswith=filters.occupation)
    if filters.due_before is not None:
        queryset = queryset.filter(due_on__lte=filters.due_before)
    return (
        queryset.select_related("employer", "foreigner", "occupation")
        .defer(*QUEUE_DEFERRED)
        .order_by(F("due_on").asc(nulls_last=True), "submitted_at", "id")
    )


# --- Urgency ---------------------------------------------------------------------------------


OVERDUE = "overdue"
DUE_SOON = "due_soon"
PAUSED = "paused"
ON_TIME = "on_time"

URGENCY_LABELS: Mapping[str, Any] = {
    OVERDUE: _("Overdue"),
    DUE_SOON: _("Due soon"),
    PAUSED: _("Clock paused"),
    ON_TIME: _("On time"),
}


@dataclass(frozen=True)
class UrgencyClock:
    """``permits.clocks.urgency`` for a whole page: the working-day arithmetic is done
    once (the first day that is no longer "due soon"), then each row is compared with it,
    so a page of 30 rows reads the calendar as often as a page of 3."""

    today: dt.date
    soon_until: dt.date  # due before this day (and not before today): due soon

    @classmethod
    def on(cls, today: dt.date) -> UrgencyClock:
        days = int(settings.PORTAL_DUE_SOON_WORKING_DAYS)
        return cls(today=today, soon_until=add_working_days(today, days + 1))

    def of(self, application: Application) -> str:
        if application.paused_on is not None:
            return PAUSED
        if application.due_on is None:
            return ""
        if application.due_on < self.today:
            return OVERDUE
        if application.due_on < self.soon_until:
            return DUE_SOON
        return ON_TIME


@dataclass(frozen=True)
class QueueRow:
    application: Application
    urgency: str

    @property
    def urgency_label(self) -> str:
        return str(URGENCY_LABELS.get(self.urgency, ""))


def queue_rows(applications: Iterable[Application], today: dt.date) -> list[QueueRow]:
    clock = UrgencyClock.on(today)
    return [QueueRow(a, clock.of(a)) for a in applications]


# --- One application -------------------------------------------------------------------------


def application_for_officer(scope: OfficerScope, pk: int) -> Application | None:
    """One application the officer may accept or decide, with what its page shows;
    ``None`` when it does not exist or is not the officer's."""
    if not scope.is_officer:
        return None
    return (
        Application.objects.filter(scope.visible_q(), pk=pk)
        .select_related(
            "employer",
            "employer__region",
            "agency",
            "foreigner",
            "passport",
            "occupation",
            "region",
            "work_region",
            "created_by",
            "permit",
            "letter",
        )
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=Document.objects.select_related("file", "uploaded_by").order_by(
                    "kind", "uploaded_at", "pk"
                ),
            ),
            Prefetch(
                "information_requests",
                queryset=InformationRequest.objects.select_related("requested_by", "answered_by")
                .prefetch_related(
                    Prefetch(
                        "items",
                        queryset=InformationItem.objects.select_related(
                            "document", "document__file"
                        ).order_by("position"),
                    )
                )
                .order_by("-requested_at", "-pk"),
            ),
            "decision_reasons",
        )
        .first()
    )


def application_document(application_pk: int, document_pk: int) -> Document | None:
    """A document of an application, with its file and its application (for the access
    check the download makes)."""
    return (
        Document.objects.filter(pk=document_pk, application_id=application_pk)
        .select_related("file", "application")
        .first()
    )


def application_history(application: Application) -> list[TransitionRecord]:
    return list(history(application).order_by("at", "pk"))


# --- The recognition as assessed ------------------------------------------------------------


@dataclass(frozen=True)
class PointsLineRow:
    number: int
    title: str
    points: int
    max: int
    reason: str


@dataclass(frozen=True)
class RouteRow:
    code: str
    category: str
    title: str
    source: str
    status: str
    reason: str
    evidence: tuple[str, ...] = ()
    chosen: bool = False


@dataclass(frozen=True)
class RecognitionView:
    """The stored assessment (``Application.assessment``, written by
    ``permits.checks.record_assessment`` at submission) as the page shows it."""

    present: bool
    on: str = ""
    category: str = ""
    route_code: str = ""
    route_status: str = ""
    route_reason: str = ""
    national_version: str = ""
    regional_version: str = ""
    table_version: str = ""
    total: int | None = None
    points_category: str = ""
    lines: list[PointsLineRow] = field(default_factory=list)
    routes: list[RouteRow] = field(default_factory=list)
    carried: Mapping[str, Any] | None = None

    @property
    def routes_met(self) -> list[RouteRow]:
        return [r for r in self.routes if r.status == "met"]

    @property
    def routes_to_confirm(self) -> list[RouteRow]:
        return [r for r in self.routes if r.status == "needs_confirmation"]

    @property
    def routes_not_met(self) -> list[RouteRow]:
        return [r for r in self.routes if r.status not in ("met", "needs_confirmation")]


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _route_evidence(routes: list[Mapping[str, Any]]) -> dict[tuple[str, str], tuple[str, ...]]:
    """The evidence each route asks for, read from the standard the route came from (its
    ``source``: ``national:2025`` or ``regional:440000:v2``), in the page's language."""
    wanted = Q(pk__in=[])
    for route in routes:
        code, source = str(route.get("code", "")), str(route.get("source", ""))
        parts = source.split(":")
        if parts[0] == "national" and len(parts) == 2:
            wanted |= Q(code=code, national_standard__version=parts[1])
        elif parts[0] == "regional" and len(parts) == 3 and parts[2].startswith("v"):
            version = _int(parts[2][1:])
            wanted |= Q(
                code=code,
                regional_standard__region__code=parts[1],
                regional_standard__version=version,
            )
    if not routes:
        return {}
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for found_route in RecognitionRoute.objects.filter(wanted).select_related(
        "national_standard", "regional_standard", "regional_standard__region"
    ):
        if found_route.national_standard is not None:
            source = f"national:{found_route.national_standard.version}"
        elif found_route.regional_standard is not None:
            standard = found_route.regional_standard
            source = f"regional:{standard.region.code}:v{standard.version}"
        else:  # pragma: no cover - a route belongs to one standard by constraint
            continue
        found[(found_route.code, source)] = tuple(found_route.evidence)
    return found


def recognition_view(application: Application) -> RecognitionView:
    data = application.assessment or {}
    if not data:
        return RecognitionView(present=False)
    points = data.get("points") or {}
    raw_routes = [r for r in data.get("routes") or [] if isinstance(r, Mapping)]
    to_look_up = [r for r in raw_routes if r.get("status") in ("met", "needs_confirmation")]
    evidence = _route_evidence(to_look_up) if to_look_up else {}
    chosen = str(data.get("route_code") or application.route_code or "")
    routes = [
        RouteRow(
            code=str(r.get("code", "")),
            category=str(r.get("category", "")),
            title=str(r.get("title", "")),
            source=str(r.get("source", "")),
            status=str(r.get("status", "")),
            reason=str(r.get("reason", "")),
            evidence=tuple(r.get("evidence") or ())
            or evidence.get((str(r.get("code", "")), str(r.get("source", ""))), ()),
            chosen=bool(chosen) and str(r.get("code", "")) == chosen,
        )
        for r in raw_routes
    ]
    lines = [
        PointsLineRow(
            number=_int(line.get("number")),
            title=str(line.get("title", "")),
            points=_int(line.get("points")),
            max=_int(line.get("max")),
            reason=str(line.get("reason", "")),
        )
        for line in points.get("lines") or []
        if isinstance(line, Mapping)
    ]
    total = points.get("total")
    return RecognitionView(
        present=True,
        on=str(data.get("on") or (application.assessed_on or "")),
        category=str(data.get("category") or application.category or ""),
        route_code=chosen,
        route_status=str(data.get("route_status", "")),
        route_reason=str(data.get("route_reason", "")),
        national_version=str(data.get("national_version", "")),
        regional_version=str(data.get("regional_version", "")),
        table_version=str(points.get("table_version", "")),
        total=_int(total) if total is not None else None,
        points_category=str(points.get("category", "")),
        lines=lines,
        routes=routes,
        carried=data.get("carried") if isinstance(data.get("carried"), Mapping) else None,
    )


# --- Credit ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditView:
    employer: credit_selectors.Standing
    worker: credit_selectors.Standing
    agency: credit_selectors.Standing | None


def credit_view(application: Application, on: dt.date) -> CreditView:
    employer = application.employer
    agency = application.agency
    return CreditView(
        employer=credit_selectors.organization_standing(employer.uscc or "", on),
        worker=credit_selectors.foreigner_standing(application.foreigner_id, on),
        agency=credit_selectors.organization_standing(agency.uscc or "", on)
        if agency is not None
        else None,
    )
