"""Reads of letters and permits: status on a date, verification by number or passport,
an employer's permits, and the duties coming due on an employer's dashboard.

Status is computed from the dates: a permit (or letter) whose ``valid_until`` has passed
reads ``expired`` on the next day even before the nightly task records it
(``Permit.status_on``; in querysets the ``status`` annotation says the same).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When

from permits import rules, windows
from permits.access import employer_ids_for
from permits.models import OPEN_STATES, Application, NotificationLetter, Permit, WindowRule
from portal.access import AnyUser
from portal.models import Organization, Passport, Region
from portal.workdays import add_working_days

Kind = Application.Kind
PENDING_STATES = (Application.State.DRAFT, *OPEN_STATES)
DRAFT_STATES = (Application.State.DRAFT, Application.State.RETURNED)


# --- Status --------------------------------------------------------------------------------------


def permit_status_on(permit: Permit, day: dt.date) -> str:
    """``active``, ``expired`` (from the dates, at once), ``cancelled``, ``revoked`` or
    ``transferred``."""
    return permit.status_on(day)


def letter_status_on(letter: NotificationLetter, day: dt.date) -> str:
    return letter.status_on(day)


def with_status(queryset: QuerySet[Permit], day: dt.date) -> QuerySet[Permit]:
    """Annotate ``status``: the state, with expiry read from the dates."""
    return queryset.annotate(
        status=Case(
            When(
                state=Permit.State.ACTIVE,
                valid_until__lt=day,
                then=Value(Permit.State.EXPIRED.value),
            ),
            default="state",
            output_field=CharField(),
        )
    )


@dataclass(frozen=True)
class PermitStatus:
    """What a partner agency (public security, foreign affairs) or the public verify page
    needs of a permit: nothing about the person beyond the number they hold."""

    permit_number: str
    status: str
    status_label: str
    category: str
    valid_from: dt.date
    valid_until: dt.date
    ended_on: dt.date | None
    employer_name: str
    employer_uscc: str
    province_code: str
    on: dt.date

    @property
    def is_valid(self) -> bool:
        return self.status == Permit.State.ACTIVE

    def as_dict(self) -> dict[str, Any]:
        return {
            "permit_number": self.permit_number,
            "status": self.status,
            "status_label": self.status_label,
            "category": self.category,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
            "employer_name": self.employer_name,
            "employer_uscc": self.employer_uscc,
            "province_code": self.province_code,
            "on": self.on.isoformat(),
        }


def _status(permit: Permit, day: dt.date) -> PermitStatus:
    status = permit.status_on(day)
    return PermitStatus(
        permit_number=permit.permit_number,
        status=status,
        status_label=str(Permit.State(status).label),
        category=permit.category,
        valid_from=permit.valid_from,
        valid_until=permit.valid_until,
        ended_on=permit.ended_on,
        employer_name=permit.employer.name,
        employer_uscc=permit.employer.uscc or "",
        province_code=permit.region.code,
        on=day,
    )


def _latest(queryset: QuerySet[Permit], day: dt.date) -> Permit | None:
    """The person's permit that speaks for ``day``: the latest one started by then."""
    return (
        queryset.filter(valid_from__lte=day)
        .select_related("employer", "region")
        .order_by("-valid_from", "-id")
        .first()
    )


def permit_by_number(permit_number: str, day: dt.date) -> Permit | None:
    number = (permit_number or "").strip().upper()
    if not number:
        return None
    return _latest(Permit.objects.filter(permit_number=number), day)


def permit_by_passport(passport_number: str, nationality: str, day: dt.date) -> Permit | None:
    """By a passport of the person (a renewed passport is another row of the same person)
    and the person's nationality (ISO 3166 alpha-3)."""
    number = (passport_number or "").strip().upper()
    nationality = (nationality or "").strip().upper()
    if not number or not nationality:
        return None
    holders = Passport.objects.filter(number=number, foreigner__nationality=nationality).values(
        "foreigner_id"
    )
    return _latest(Permit.objects.filter(foreigner_id__in=holders), day)


def permit_status(
    *,
    day: dt.date,
    permit_number: str = "",
    passport_number: str = "",
    nationality: str = "",
) -> PermitStatus | None:
    """The status of a person's permit on ``day``, by permit number, or by passport number
    and nationality; None when nothing matches."""
    if permit_number:
        permit = permit_by_number(permit_number, day)
    else:
        permit = permit_by_passport(passport_number, nationality, day)
    return _status(permit, day) if permit is not None else None


# --- An employer's permits ------------------------------------------------------------------------


def employer_permits(
    employer: Organization | int, *, day: dt.date, statuses: Iterable[str] = ()
) -> QuerySet[Permit]:
    """The employer's permits, newest first, with ``status`` on ``day`` (filtered to
    ``statuses`` when given). The caller has checked that the user may act for it."""
    pk = employer.pk if isinstance(employer, Organization) else employer
    queryset = with_status(
        Permit.objects.filter(employer_id=pk).select_related(
            "foreigner", "occupation", "region", "work_region"
        ),
        day,
    ).order_by("-valid_from", "-id")
    wanted = list(statuses)
    if wanted:
        queryset = queryset.filter(status__in=wanted)  # type: ignore[misc]
    return queryset


def permits_for_user(user: AnyUser, *, day: dt.date) -> QuerySet[Permit]:
    """Permits of the employers the user may act for (none for anyone else)."""
    return with_status(
        Permit.objects.filter(employer_id__in=employer_ids_for(user, day)).select_related(
            "foreigner", "employer"
        ),
        day,
    ).order_by("-valid_from", "-id")


# --- Duties coming due ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Duty:
    """Something the employer must file, and the last day to file it in time.

    ``kind``: ``extension`` (the window is open or opens within the horizon: ``opens_on``
    to ``due_on``), ``cancellation`` (the contract ends before the permit does),
    ``change`` (a change report started), ``after_entry`` (the work permit after entry:
    15 days from entry, and never after the letter's last day)."""

    kind: str
    due_on: dt.date
    worker: str
    employer_id: int = 0
    opens_on: dt.date | None = None
    permit_id: int | None = None
    permit_number: str = ""
    letter_id: int | None = None
    letter_number: str = ""
    application_id: int | None = None
    application_number: str = ""
    overdue: bool = False


def _pending(kind: str, field: str) -> Exists:
    return Exists(
        Application.objects.filter(kind=kind, state__in=PENDING_STATES, **{field: OuterRef("pk")})
    )


def _pending_letters(ids: list[int], today: dt.date) -> QuerySet[NotificationLetter]:
    """Valid letters of long-term work not yet used, with no after-entry application open."""
    return (
        NotificationLetter.objects.filter(
            employer_id__in=ids,
            state=NotificationLetter.State.VALID,
            is_short_term=False,
            valid_until__gte=today,
        )
        .annotate(after_entry_pending=_pending(Kind.AFTER_ENTRY, "letter"))
        .filter(after_entry_pending=False)
    )


def pending_letters_count(employer_ids: Iterable[int], today: dt.date) -> int:
    """How many letters wait for the work permit after entry (the duties' summary)."""
    return _pending_letters(list(employer_ids), today).count()


def employer_duties(
    employer: Organization | int | Iterable[int],
    *,
    today: dt.date,
    horizon_days: int = 30,
    letters_limit: int | None = None,
) -> list[Duty]:
    """What the employer (or each of several: an agency's) must file soon or is late with,
    by due date (first due first), in the same few queries however many employers.
    ``horizon_days`` says how far ahead an extension window may open to be listed.
    ``letters_limit`` keeps only the letters that run out first (a summary: an employer may
    hold thousands of unused letters; ``pending_letters_count`` counts them all)."""
    if isinstance(employer, Organization):
        ids = [employer.pk]
    elif isinstance(employer, int):
        ids = [employer]
    else:
        ids = list(employer)
    horizon = today + dt.timedelta(days=horizon_days)
    duties: list[Duty] = []
    known: dict[tuple[str, int | None], rules.Window] = {}

    def rule(kind: str, region_id: int | None) -> rules.Window:
        # One look-up per province and kind, however many permits.
        if (kind, region_id) not in known:
            known[kind, region_id] = rules.window(kind, region_id)
        return known[kind, region_id]

    widest = max(
        WindowRule.objects.filter(kind=WindowRule.Kind.EXTENSION).values_list(
            "opens_days", flat=True
        ),
        default=0,
    )
    active = (
        Permit.objects.filter(
            employer_id__in=ids, state=Permit.State.ACTIVE, valid_until__gte=today
        )
        .filter(
            Q(valid_until__lte=horizon + dt.timedelta(days=widest))
            | Q(contract_end__isnull=False, contract_end__lte=horizon)
        )
        .annotate(
            extension_pending=_pending(Kind.EXTENSION, "permit"),
            cancellation_pending=_pending(Kind.CANCELLATION, "permit"),
        )
        .select_related("foreigner")
    )
    for permit in active:
        worker = permit.foreigner.latin_name
        w = rule(WindowRule.Kind.EXTENSION, permit.region_id)
        first = permit.valid_until - dt.timedelta(days=w.opens_days)
        last = permit.valid_until - dt.timedelta(days=w.closes_days)
        if not permit.extension_pending and first <= horizon and today <= last:  # type: ignore[attr-defined]
            duties.append(
                Duty(
                    kind="extension",
                    employer_id=permit.employer_id,
                    due_on=last,
                    opens_on=first,
                    worker=worker,
                    permit_id=permit.pk,
                    permit_number=permit.permit_number,
                )
            )
        end = permit.contract_end
        if (
            end is not None
            and end < permit.valid_until
            and end <= horizon
            and not permit.cancellation_pending  # type: ignore[attr-defined]
        ):
            due = add_working_days(
                end, rule(WindowRule.Kind.CANCELLATION, permit.region_id).closes_days
            )
            duties.append(
                Duty(
                    kind="cancellation",
                    employer_id=permit.employer_id,
                    due_on=due,
                    opens_on=end,
                    worker=worker,
                    permit_id=permit.pk,
                    permit_number=permit.permit_number,
                    overdue=today > due,
                )
            )

    letters = _pending_letters(ids, today).select_related("foreigner").order_by("valid_until", "pk")
    if letters_limit is not None:
        letters = letters[:letters_limit]
    for letter in letters:
        duties.append(
            Duty(
                kind="after_entry",
                employer_id=letter.employer_id,
                due_on=letter.valid_until,
                worker=letter.foreigner.latin_name,
                letter_id=letter.pk,
                letter_number=letter.number,
            )
        )

    drafts = Application.objects.filter(
        employer_id__in=ids,
        state__in=DRAFT_STATES,
        kind__in=(Kind.CHANGE, Kind.CANCELLATION, Kind.AFTER_ENTRY),
    ).select_related("foreigner", "permit", "permit__application", "letter")
    for application in drafts:
        draft_due = windows.due_on(application, rule)
        if draft_due is None:
            continue
        due = draft_due
        if application.kind == Kind.AFTER_ENTRY and application.letter is not None:
            due = min(due, application.letter.valid_until)
        duties.append(
            Duty(
                kind=str(application.kind),
                employer_id=application.employer_id,
                due_on=due,
                worker=application.foreigner.latin_name if application.foreigner else "",
                permit_id=application.permit_id,
                permit_number=application.permit.permit_number if application.permit else "",
                letter_id=application.letter_id,
                letter_number=application.letter.number if application.letter else "",
                application_id=application.pk,
                application_number=application.number,
                overdue=today > due,
            )
        )
    duties.sort(key=lambda d: (d.due_on, d.kind, d.worker))
    return duties


def employers_with_active_permits(
    region: Region, on: dt.date, filters: Mapping[str, Any]
) -> list[tuple[int, str, str]]:
    """The inspection population "employers with active work permits": employers holding a
    permit in force on ``on`` for a place of work in ``region`` or the divisions below it,
    optionally of one category (``filters["category"]``), by USCC."""
    place = (
        Q(work_region=region)
        | Q(work_region__parent=region)
        | Q(work_region__parent__parent=region)
    )
    permits = Permit.objects.filter(
        place, state=Permit.State.ACTIVE, valid_from__lte=on, valid_until__gte=on
    )
    category = str(filters.get("category") or "")
    if category:
        permits = permits.filter(category=category)
    rows = (
        Organization.objects.filter(pk__in=permits.values("employer_id"), uscc__isnull=False)
        .order_by("uscc")
        .values_list("pk", "uscc", "name_zh")
    )
    return [(pk, str(uscc), name) for pk, uscc, name in rows]
