"""Credit standing as the other apps read it (the permits app asks before registration,
before an application is submitted and on the officer's page), and the reads of records.

Standing on a day comes from the subject's records in effect that day: the current
version of each series (or the version known at ``as_known_at``), not revoked, with
``effective_from <= day <= effective_until`` (open-ended when there is no end).

* dishonest: a serious dishonest act in effect; ``until`` is the latest end of those
  (``None``: open-ended), carried on by later serious acts that begin without a gap,
  since the subject stays dishonest through them;
* attention: a minor dishonest act in effect (paper documents are checked);
* good otherwise. A good organization is trusted when no dishonest act was in effect on
  any day of the last ``PORTAL_CREDIT_TRUSTED_AFTER_MONTHS`` months and it has been
  registered in the portal at least that long (a shorter history is not a clean one).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import models
from django.db.models import Exists, FilteredRelation, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.access import AnyUser, organizations_for, region_ids_for, role_names
from portal.models import Organization, Region
from portal.models.base import localized
from portal.roles import EMPLOYER_SIDE_ROLES

from .constants import Nature, RecordState, Severity
from .models import PUBLIC, CreditRecord, CreditRecordKind, Objection

INSPECT = "inspect_employers"
SUBJECT_ROLES = EMPLOYER_SIDE_ROLES


class Level(models.TextChoices):
    GOOD = "good", _("Good standing")
    ATTENTION = "attention", _("Attention")
    DISHONEST = "dishonest", _("Dishonest")


@dataclass(frozen=True)
class Standing:
    """A subject's standing on a day: the level, why (the records' summaries), until when
    (the day the last record causing it ends; ``None`` when nothing causes it or a
    cause is open-ended), and whether an employer counts as trusted (good with a clean
    history)."""

    level: str = Level.GOOD
    reasons: tuple[str, ...] = field(default_factory=tuple)
    until: dt.date | None = None
    trusted: bool = False

    @property
    def blocks(self) -> bool:
        """Dishonest standing blocks registration and new applications until it ends."""
        return self.level == Level.DISHONEST

    @property
    def label(self) -> str:
        return str(Level(self.level).label)


GOOD = Standing()


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier, when negative), kept within the month:
    31 January plus one month is 28 or 29 February."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def trusted_after_months() -> int:
    return int(settings.PORTAL_CREDIT_TRUSTED_AFTER_MONTHS)


def _known(as_known_at: dt.datetime | None, prefix: str = "") -> Q:
    """The versions current now (``None``) or at ``as_known_at``."""
    if as_known_at is None:
        return Q(**{f"{prefix}superseded_at__isnull": True})
    return Q(**{f"{prefix}recorded_at__lte": as_known_at}) & (
        Q(**{f"{prefix}superseded_at__isnull": True})
        | Q(**{f"{prefix}superseded_at__gt": as_known_at})
    )


def _dishonest_since(window_start: dt.date, prefix: str = "") -> Q:
    """Dishonest acts in force whose effect has not ended before ``window_start`` (those
    that begin later are read too: they may continue a standing without a gap)."""
    return Q(**{f"{prefix}dishonest": True, f"{prefix}state": RecordState.IN_FORCE}) & (
        Q(**{f"{prefix}effective_until__isnull": True})
        | Q(**{f"{prefix}effective_until__gte": window_start})
    )


@dataclass(frozen=True)
class _Act:
    severity: str
    effective_from: dt.date
    effective_until: dt.date | None
    name_zh: str
    name_en: str

    def in_effect(self, on: dt.date) -> bool:
        return self.effective_from <= on and (
            self.effective_until is None or on <= self.effective_until
        )

    def summary(self) -> str:
        name = localized(self.name_zh, self.name_en)
        end = self.effective_until.isoformat() if self.effective_until else "…"
        return f"{name} ({self.effective_from.isoformat()} – {end})"


def _end_of(causes: list[_Act], later: list[_Act]) -> dt.date | None:
    """The day the standing the causes make ends: the latest end among them, carried on
    by later acts of the same severity that begin by the next day (``None``: open-ended)."""
    ends = [a.effective_until for a in causes]
    if any(end is None for end in ends):
        return None
    end = max(end for end in ends if end is not None)
    for act in sorted(later, key=lambda a: a.effective_from):
        if act.effective_from > end + dt.timedelta(days=1):
            break
        if act.effective_until is None:
            return None
        end = max(end, act.effective_until)
    return end


def _standing(acts: Iterable[_Act], on: dt.date, *, clean_history: bool) -> Standing:
    """The standing from the dishonest acts read: those in effect on ``on`` decide the
    level, later ones may carry its end further, and any begun by ``on`` spoil a clean
    history."""
    acts = sorted(acts, key=lambda a: (a.effective_from, a.name_zh))
    begun = [a for a in acts if a.effective_from <= on]
    later = [a for a in acts if a.effective_from > on]
    current = [a for a in begun if a.in_effect(on)]
    serious = [a for a in current if a.severity == Severity.SERIOUS]
    if serious:
        return Standing(
            Level.DISHONEST,
            tuple(a.summary() for a in serious),
            _end_of(serious, [a for a in later if a.severity == Severity.SERIOUS]),
        )
    if current:
        return Standing(
            Level.ATTENTION,
            tuple(a.summary() for a in current),
            _end_of(current, [a for a in later if a.severity == Severity.MINOR]),
        )
    return Standing(trusted=clean_history and not begun)


ACT_FIELDS = ("severity", "effective_from", "effective_until", "kind__name_zh", "kind__name_en")


def standings_of_organizations(
    usccs: list[str], on: dt.date, *, as_known_at: dt.datetime | None = None
) -> dict[str, Standing]:
    """Standing of many organizations by identifier, in one query (lists of
    applications). An identifier no organization has is in good standing, not trusted."""
    if not usccs:
        return {}
    window_start = add_months(on, -trusted_after_months())
    condition = _known(as_known_at, "credit_records__") & _dishonest_since(
        window_start, "credit_records__"
    )
    rows = (
        Organization.objects.filter(uscc__in=set(usccs))
        .annotate(act=FilteredRelation("credit_records", condition=condition))
        .values_list("uscc", "created_at", *(f"act__{name}" for name in ACT_FIELDS))
    )
    registered: dict[str, dt.datetime] = {}
    acts: dict[str, list[_Act]] = {}
    for uscc, created_at, severity, *rest in rows:
        registered[uscc] = created_at
        acts.setdefault(uscc, [])
        if severity is not None:
            acts[uscc].append(_Act(severity, *rest))
    result = {}
    for uscc in usccs:
        if uscc not in registered:
            result[uscc] = GOOD
            continue
        seasoned = timezone.localdate(registered[uscc]) <= window_start
        result[uscc] = _standing(acts[uscc], on, clean_history=seasoned)
    return result


def organization_standing(
    uscc: str, on: dt.date, *, as_known_at: dt.datetime | None = None
) -> Standing:
    """The standing of an employer or agency by its Unified Social Credit Identifier (an
    organization not yet registered has no records, so the identifier is the key).
    ``as_known_at``: as the records stood at that moment (corrections made later unseen)."""
    return standings_of_organizations([uscc], on, as_known_at=as_known_at)[uscc]


def foreigner_standing(
    foreigner_id: int | None, on: dt.date, *, as_known_at: dt.datetime | None = None
) -> Standing:
    """The standing of a foreign worker (``None``: a person not yet known to the portal).
    Trust is an employer's matter: a worker is never marked trusted."""
    if foreigner_id is None:
        return GOOD
    rows = CreditRecord.objects.filter(
        _known(as_known_at), _dishonest_since(on), foreigner_id=foreigner_id
    ).values_list(*ACT_FIELDS)
    return _standing([_Act(*row) for row in rows], on, clean_history=False)


# --- Records ---------------------------------------------------------------------------------


def records_of(
    *,
    organization: Organization | None = None,
    foreigner_id: int | None = None,
    as_known_at: dt.datetime | None = None,
) -> QuerySet[CreditRecord]:
    """A subject's records, one version per series: the current one, or the one known at
    ``as_known_at``; revoked ones included (their state says so). Newest effect first."""
    subject: dict[str, Any]
    if organization is not None:
        subject = {"organization": organization}
    elif foreigner_id is not None:
        subject = {"foreigner_id": foreigner_id}
    else:
        return CreditRecord.objects.none()
    return (
        CreditRecord.objects.filter(_known(as_known_at), **subject)
        .select_related("kind", "region", "organization", "foreigner", "recorded_by")
        .order_by("-effective_from", "-pk")
    )


def records_in_effect(
    *,
    on: dt.date,
    organization: Organization | None = None,
    foreigner_id: int | None = None,
    as_known_at: dt.datetime | None = None,
) -> list[CreditRecord]:
    """The subject's records in force and in effect on ``on`` (commendations too)."""
    return list(
        records_of(organization=organization, foreigner_id=foreigner_id, as_known_at=as_known_at)
        .filter(state=RecordState.IN_FORCE, effective_from__lte=on)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=on))
    )


def record_versions(series: UUID | str) -> list[CreditRecord]:
    """Every version of a record, oldest first (the history of its corrections)."""
    return list(
        CreditRecord.objects.filter(series=series)
        .select_related("kind", "recorded_by")
        .order_by("version")
    )


def record_as_known(series: UUID | str, at: dt.datetime) -> CreditRecord | None:
    """The version of a record that was current at ``at`` (``None``: not yet recorded)."""
    return CreditRecord.objects.filter(_known(at), series=series).select_related("kind").first()


# --- Records of one's own organization, objections, the public list ------------------------

OPEN_OBJECTION_STATES = ("filed", "under_review")


def _under_objection() -> Exists:
    return Exists(
        Objection.objects.filter(series=OuterRef("series"), state__in=OPEN_OBJECTION_STATES)
    )


def own_organization(user: AnyUser) -> Organization | None:
    """The employer or service agency the user works for (employer admins and staff,
    agency agents), when the user acts for it; ``None`` otherwise. Employers an agency
    acts for under a power of attorney are not its own: their records are theirs."""
    if not role_names(user) & SUBJECT_ROLES:
        return None
    organization_id = getattr(user, "organization_id", None)
    if organization_id is None:
        return None
    return (
        organizations_for(user, "act_for_organization")
        .filter(
            pk=organization_id,
            kind__in=[Organization.Kind.EMPLOYER, Organization.Kind.SERVICE_AGENCY],
        )
        .select_related("region")
        .first()
    )


def organization_records(organization: Organization) -> QuerySet[CreditRecord]:
    """The organization's records (current versions, revoked ones included), each marked
    ``under_objection`` when an objection to it is open. Newest effect first."""
    return records_of(organization=organization).annotate(under_objection=_under_objection())


def organization_record(organization: Organization, series: UUID | str) -> CreditRecord | None:
    """The current version of one of the organization's records (``None``: not theirs)."""
    return organization_records(organization).filter(series=series).first()


def objections_of_record(series: UUID | str) -> list[Any]:
    """Every objection to a record, newest first, with who filed and decided it."""
    return list(
        Objection.objects.filter(series=series)
        .select_related("filed_by", "reviewer", "record", "outcome")
        .prefetch_related("evidence")
        .order_by("-filed_at", "-pk")
    )


def is_inspector(user: AnyUser) -> bool:
    """Whether the user inspects in some region (and so reviews objections there)."""
    return bool(region_ids_for(user, INSPECT))


def objection_queue(user: AnyUser, *, state: str = "") -> QuerySet[Any]:
    """Objections to records of the regions where the user inspects (with the divisions
    below them): the open ones oldest first, or those in ``state``."""
    region_ids = region_ids_for(user, INSPECT)
    if not region_ids:
        return Objection.objects.none()
    queryset = Objection.objects.filter(region_id__in=region_ids).select_related(
        "record__kind", "organization", "region", "filed_by", "reviewer"
    )
    if state:
        return queryset.filter(state=state).order_by("-filed_at", "-pk")
    return queryset.filter(state__in=OPEN_OBJECTION_STATES).order_by("filed_at", "pk")


def objection_for_inspector(user: AnyUser, pk: int) -> Any:
    """One objection of the user's regions (``None``: none such, or not theirs)."""
    region_ids = region_ids_for(user, INSPECT)
    if not region_ids:
        return None
    return (
        Objection.objects.filter(pk=pk, region_id__in=region_ids)
        .select_related("record__kind", "organization", "region", "filed_by", "reviewer")
        .prefetch_related("evidence")
        .first()
    )


def objection_of_organization(organization: Organization, pk: int) -> Any:
    """One objection to the organization's records (``None``: none such, or not theirs)."""
    return (
        Objection.objects.filter(pk=pk, organization=organization)
        .select_related("record__kind", "filed_by")
        .prefetch_related("evidence")
        .first()
    )


def current_record(series: UUID | str) -> CreditRecord | None:
    """The current version of a record, marked ``under_objection``."""
    return (
        CreditRecord.objects.filter(series=series, superseded_at__isnull=True)
        .select_related("kind", "region", "organization", "foreigner")
        .annotate(under_objection=_under_objection())
        .first()
    )


def public_kinds() -> QuerySet[CreditRecordKind]:
    """The kinds the public list may show (dishonest acts), for its filter."""
    return CreditRecordKind.objects.filter(nature=Nature.DISHONEST).order_by("position", "code")


def provinces() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")


def dishonesty_list(
    *,
    on: dt.date,
    q: str = "",
    province: Region | None = None,
    kind: CreditRecordKind | None = None,
) -> QuerySet[CreditRecord]:
    """The public dishonesty list (失信名单) on ``on``: the current versions of records of
    dishonest acts, disclosed, in force and in effect on the day (a record leaves the list
    the day after its effect ends, without anyone removing it). Newest effect first.

    ``q`` matches an organization's Chinese or English name (contained) or its identifier
    (exactly); foreign workers are never found by name (the list masks them).
    ``province``: records kept in the province or the divisions below it."""
    queryset = CreditRecord.objects.filter(PUBLIC, effective_from__lte=on).filter(
        Q(effective_until__isnull=True) | Q(effective_until__gte=on)
    )
    q = q.strip()
    if q:
        organizations = Organization.objects.filter(
            Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(uscc=q.upper())
        ).values("pk")
        queryset = queryset.filter(organization_id__in=organizations)
    if province is not None:
        queryset = queryset.filter(
            region_id__in=Region.objects.filter(
                Q(pk=province.pk) | Q(parent_id=province.pk) | Q(parent__parent_id=province.pk)
            ).values("pk")
        )
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    return (
        queryset.select_related("kind", "region", "organization", "foreigner")
        .annotate(under_objection=_under_objection())
        .order_by("-effective_from", "-id")
    )


def masked_name(surname: str, given_names: str) -> str:
    """A foreign worker's name as the public list shows it: the initial of the surname
    and of the first given name, each followed by three asterisks whatever the length
    ("SMITH JAMES" → "S*** J***"); nothing else of the person."""
    parts = [surname.strip(), (given_names.split() or [""])[0]]
    return " ".join(f"{part[0].upper()}***" for part in parts if part)


def record_effect(record: CreditRecord, on: dt.date) -> str:
    """What the record does to its subject, in words ("blocks new applications until…")."""
    if record.is_revoked:
        return gettext("None: the record is revoked.")
    if record.effective_until is not None and record.effective_until < on:
        return gettext("None any more: the effect ended on %(date)s.") % {
            "date": record.effective_until.isoformat()
        }
    if not record.dishonest:
        return gettext("Commendation: no restriction; it counts in the subject's favour.")
    if record.severity == Severity.SERIOUS:
        if record.effective_until is None:
            return gettext("Blocks registration and new applications until revoked.")
        return gettext("Blocks registration and new applications until %(date)s.") % {
            "date": record.effective_until.isoformat()
        }
    if record.effective_until is None:
        return gettext("Attention: paper documents are checked, until revoked.")
    return gettext("Attention: paper documents are checked until %(date)s.") % {
        "date": record.effective_until.isoformat()
    }


def records_in_effect_marked(
    *, organization: Organization | None, on: dt.date
) -> list[CreditRecord]:
    """The organization's records in force and in effect on ``on``, marked
    ``under_objection`` (none for an identifier no organization holds)."""
    if organization is None:
        return []
    return list(
        organization_records(organization)
        .filter(state=RecordState.IN_FORCE, effective_from__lte=on)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=on))
    )
