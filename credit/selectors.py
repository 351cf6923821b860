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
from django.db.models import FilteredRelation, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Organization
from portal.models.base import localized

from .constants import RecordState, Severity
from .models import CreditRecord


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
