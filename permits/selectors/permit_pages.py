"""What the permit pages read: a province's permits for its officers (search, filters,
soonest expiry first, paged without counting), one permit or letter with its history,
and the employer's permits with the applications they may start on each now.

Officers see the permits of the provinces where they accept or decide (a delegated
acceptance office below a province: those whose place of work is in its area), the same
scope as their queue (``permits.selectors.review.OfficerScope``). Only decision officers
of the permit's province revoke (``permits.workflows.permit.may_decide_permit``).
Employers' people see the permits of the employers they act for
(``permits.access.employer_ids_for``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, OuterRef, Q, QuerySet

from permits import rules
from permits.access import employer_ids_for
from permits.models import (
    OPEN_STATES,
    Application,
    NotificationLetter,
    Permit,
    PermitChange,
    WindowRule,
)
from permits.selectors.permits import with_status
from permits.selectors.review import OfficerScope
from permits.workflows.permit import LETTER_WORKFLOW, PERMIT_WORKFLOW
from portal.access import AnyUser
from portal.models import Passport, TransitionRecord
from portal.workflow import Workflow, WorkflowError, history

P = Permit.State
AK = Application.Kind
PENDING_STATES = (Application.State.DRAFT, *OPEN_STATES)
STATUSES: tuple[str, ...] = tuple(P.values)


def _pending(kind: str) -> Exists:
    """An application of ``kind`` about the permit, drafted or under way."""
    return Exists(
        Application.objects.filter(kind=kind, state__in=PENDING_STATES, permit_id=OuterRef("pk"))
    )


# --- Scope ---------------------------------------------------------------------------------------


def officer_permits_q(scope: OfficerScope) -> Q:
    """The permits an officer sees: their provinces' (``region``), and a delegated
    office's area (``work_region``)."""
    provinces = scope.accept_provinces | scope.decide_provinces
    q = Q(pk__in=[])
    if provinces:
        q = Q(region_id__in=sorted(provinces))
    if scope.delegated:
        q |= Q(work_region_id__in=sorted(scope.delegated))
    return q


def status_q(status: str, day: dt.date) -> Q:
    """Permits (or letters: the same columns) whose status on ``day`` is ``status``:
    expiry read from the dates, as ``Permit.status_on`` does."""
    if status == P.ACTIVE:
        return Q(state=P.ACTIVE, valid_until__gte=day)
    if status == P.EXPIRED:
        return Q(state=P.EXPIRED) | Q(state=P.ACTIVE, valid_until__lt=day)
    return Q(state=status)


# --- The officers' list --------------------------------------------------------------------------


@dataclass(frozen=True)
class PermitFilters:
    text: str = ""  # permit or passport number, worker's or employer's name, USCC
    status: str = ""
    category: str = ""


def search_q(text: str) -> Q:
    """A permit number or passport number (exactly, any case), every word of the worker's
    name, part of the employer's name, or the employer's identifier (USCC)."""
    text = " ".join(text.split())
    if not text:
        return Q()
    upper = text.upper()
    holders = Passport.objects.filter(number=upper).values("foreigner_id")
    q = (
        Q(permit_number=upper)
        | Q(foreigner_id__in=holders)
        | Q(employer__uscc=upper)
        | Q(employer__name_zh__icontains=text)
        | Q(employer__name_en__icontains=text)
    )
    name = Q()
    for word in text.split():
        name &= (
            Q(foreigner__surname__icontains=word)
            | Q(foreigner__given_names__icontains=word)
            | Q(foreigner__name_zh__icontains=word)
        )
    return q | name


def filtered(queryset: QuerySet[Permit], filters: PermitFilters, day: dt.date) -> QuerySet[Permit]:
    if filters.status:
        queryset = queryset.filter(status_q(filters.status, day))
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.text:
        queryset = queryset.filter(search_q(filters.text))
    return queryset


def officer_permits(scope: OfficerScope, filters: PermitFilters, day: dt.date) -> QuerySet[Permit]:
    """The officer's permits, the soonest end of validity first, with ``status`` on
    ``day``. Never counted: pages are cut with ``portal.pagination.page_of``."""
    if not scope.is_officer:
        return Permit.objects.none()
    queryset = filtered(Permit.objects.filter(officer_permits_q(scope)), filters, day)
    return with_status(queryset.select_related("foreigner", "employer", "passport"), day).order_by(
        "valid_until", "id"
    )


# --- One permit or letter ------------------------------------------------------------------------

PERMIT_RELATED = (
    "foreigner",
    "employer",
    "employer__region",
    "region",
    "work_region",
    "basis_region",
    "occupation",
    "passport",
    "letter",
    "application",
    "previous",
    "issued_by",
)


def permit_for_officer(scope: OfficerScope, pk: int) -> Permit | None:
    if not scope.is_officer:
        return None
    return (
        Permit.objects.filter(officer_permits_q(scope), pk=pk)
        .select_related(*PERMIT_RELATED)
        .prefetch_related("end_reasons")
        .first()
    )


def permit_for_employer(user: AnyUser, pk: int, day: dt.date) -> Permit | None:
    ids = employer_ids_for(user, day)
    if not ids:
        return None
    return (
        Permit.objects.filter(employer_id__in=sorted(ids), pk=pk)
        .select_related(*PERMIT_RELATED)
        .prefetch_related("end_reasons")
        .annotate(**_pending_annotations())
        .first()
    )


def letter_for_officer(scope: OfficerScope, pk: int) -> NotificationLetter | None:
    if not scope.is_officer:
        return None
    provinces = scope.accept_provinces | scope.decide_provinces
    q = Q(region_id__in=sorted(provinces)) if provinces else Q(pk__in=[])
    if scope.delegated:
        q |= Q(application__work_region_id__in=sorted(scope.delegated))
    return (
        NotificationLetter.objects.filter(q, pk=pk)
        .select_related("foreigner", "employer", "region", "application", "issued_by")
        .first()
    )


@dataclass(frozen=True)
class ChangeRow:
    change: PermitChange
    label: str  # the permit field's name in the page's language


def _field_label(name: str) -> str:
    try:
        found = Permit._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(found, "verbose_name", name))


def permit_changes(permit: Permit) -> list[ChangeRow]:
    """Extensions and changes, oldest first, with the application that made them."""
    return [
        ChangeRow(change, _field_label(change.field))
        for change in PermitChange.objects.filter(permit=permit)
        .select_related("application")
        .order_by("at", "pk")
    ]


def permit_applications(permit: Permit, *, drafts: bool) -> list[Application]:
    """The applications that led to the permit (the letter's, the one after entry or the
    change of employer) and those filed about it since (extensions, changes, a
    cancellation), in the order they were made."""
    q = Q(pk=permit.application_id) | Q(permit_id=permit.pk)
    if permit.letter is not None:
        q |= Q(pk=permit.letter.application_id)
    queryset = Application.objects.filter(q)
    if not drafts:
        queryset = queryset.exclude(state=Application.State.DRAFT)
    return list(
        queryset.only(
            "pk",
            "number",
            "kind",
            "state",
            "submitted_at",
            "decided_at",
            "created_at",
            "change_kind",
            "salary_backed_by_tax",
        ).order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class HistoryRow:
    record: TransitionRecord
    subject: str
    action: str
    from_state: str
    to_state: str


def _rows(workflow: Workflow[Any], subject: str, obj: Any) -> list[HistoryRow]:
    rows = []
    for record in history(obj).order_by("at", "pk"):
        try:
            action = str(workflow.get(record.transition).label)
        except WorkflowError:
            action = record.transition
        rows.append(
            HistoryRow(
                record,
                subject,
                action,
                workflow.state_label(record.from_state),
                workflow.state_label(record.to_state),
            )
        )
    return rows


def permit_history(permit: Permit, letter_label: str, permit_label: str) -> list[HistoryRow]:
    """The transitions of the letter and of the permit, oldest first."""
    rows = _rows(PERMIT_WORKFLOW, permit_label, permit)
    if permit.letter is not None:
        rows += _rows(LETTER_WORKFLOW, letter_label, permit.letter)
    return sorted(rows, key=lambda r: (r.record.at, r.record.pk))


def letter_history(letter: NotificationLetter) -> list[HistoryRow]:
    return _rows(LETTER_WORKFLOW, "", letter)


def letter_permit(letter: NotificationLetter) -> Permit | None:
    """The work permit issued on the letter, if any."""
    return Permit.objects.filter(letter=letter).only("pk", "permit_number").first()


# --- The employer's permits ----------------------------------------------------------------------


def _pending_annotations() -> dict[str, Exists]:
    return {
        "extension_pending": _pending(AK.EXTENSION),
        "change_pending": _pending(AK.CHANGE),
        "cancellation_pending": _pending(AK.CANCELLATION),
    }


def employer_permit_list(
    user: AnyUser, day: dt.date, filters: PermitFilters | None = None
) -> QuerySet[Permit]:
    """The permits of the employers the user acts for, the soonest end of validity first
    among those in force, then the ended ones (newest first), with ``status`` on ``day``
    and whether an extension, change or cancellation is already under way."""
    from permits.selectors.permits import permits_for_user

    return (
        filtered(permits_for_user(user, day=day), filters or PermitFilters(), day)
        .select_related("passport")
        .annotate(**_pending_annotations())
        .order_by("valid_until", "id")
    )


def employer_letters(user: AnyUser, day: dt.date, limit: int = 25) -> list[NotificationLetter]:
    """The employers' notification letters not yet used for a work permit, newest first."""
    ids = employer_ids_for(user, day)
    if not ids:
        return []
    return list(
        NotificationLetter.objects.filter(employer_id__in=sorted(ids))
        .exclude(state=NotificationLetter.State.USED)
        .select_related("foreigner", "employer")
        .annotate(
            after_entry_pending=Exists(
                Application.objects.filter(
                    kind=AK.AFTER_ENTRY, state__in=PENDING_STATES, letter_id=OuterRef("pk")
                )
            )
        )
        .order_by("-issued_on", "-id")[:limit]
    )


@dataclass(frozen=True)
class Opening:
    """An application the employer may start on a permit now (``kind``), or one under
    way (``pending``); ``until``: the last day of the extension window."""

    kind: str
    label: str
    pending: bool = False
    kind_label: str = ""
    until: dt.date | None = None
    opens: dt.date | None = None


@dataclass
class PermitRow:
    permit: Permit
    status: str
    openings: list[Opening] = field(default_factory=list)
    extension_opens: dt.date | None = None  # the window opens later
    extension_last: dt.date | None = None


class Windows:
    """The extension window of each province read once for a page, so that 30 rows cost
    the queries of 3."""

    def __init__(self) -> None:
        self.known: dict[int, rules.Window] = {}

    def extension(self, permit: Permit) -> tuple[dt.date, dt.date]:
        if permit.region_id not in self.known:
            self.known[permit.region_id] = rules.window(WindowRule.Kind.EXTENSION, permit.region_id)
        w = self.known[permit.region_id]
        return (
            permit.valid_until - dt.timedelta(days=w.opens_days),
            permit.valid_until - dt.timedelta(days=w.closes_days),
        )


def permit_rows(permits: Iterable[Permit], day: dt.date, labels: dict[str, str]) -> list[PermitRow]:
    """Each permit with the applications open to it on ``day``: an extension inside its
    window (``permits.windows.extension_span``), a change and a cancellation while it is
    in force; one already under way is named instead."""
    windows = Windows()
    rows = []
    for permit in permits:
        status = getattr(permit, "status", None) or permit.status_on(day)
        row = PermitRow(permit, status)
        if status == P.ACTIVE:
            first, last = windows.extension(permit)
            row.extension_last = last
            if getattr(permit, "extension_pending", False):
                row.openings.append(
                    Opening(
                        AK.EXTENSION,
                        labels[AK.EXTENSION],
                        pending=True,
                        kind_label=str(AK.EXTENSION.label),
                    )
                )
            elif first <= day <= last:
                row.openings.append(
                    Opening(AK.EXTENSION, labels[AK.EXTENSION], until=last, opens=first)
                )
            elif day < first:
                row.extension_opens = first
            for kind, flag in (
                (AK.CHANGE, "change_pending"),
                (AK.CANCELLATION, "cancellation_pending"),
            ):
                row.openings.append(
                    Opening(
                        kind,
                        labels[kind],
                        pending=bool(getattr(permit, flag, False)),
                        kind_label=str(AK(kind).label),
                    )
                )
        rows.append(row)
    return rows


# --- The tax check on the officer's application page ---------------------------------------------


@dataclass(frozen=True)
class TaxCheck:
    """The tax-record check of a permit granted on a salary commitment, at its extension
    or cancellation: what was recorded (``backed``, the note, when and by whom), whether
    the employer was reported to the credit service, and whether this officer may record
    it now (``permits.services.permits.application_record_tax_check`` would accept it)."""

    may_record: bool
    backed: bool | None
    note: str = ""
    at: dt.datetime | None = None
    who: str = ""
    reported_at: dt.datetime | None = None


def tax_check_view(application: Application, user: AnyUser) -> TaxCheck | None:
    """None where no tax check belongs (another kind, or a permit not granted on a
    salary commitment), or where nothing was recorded and this officer may not record."""
    from permits.access import may_decide
    from permits.services.permits import TAX_CHECK_KINDS, TAX_CHECK_STATES
    from portal.models import AuditEvent

    permit = application.permit
    if application.kind not in TAX_CHECK_KINDS or permit is None or not permit.on_salary_commitment:
        return None
    may_record = application.state in TAX_CHECK_STATES and may_decide(user, application)
    backed = application.salary_backed_by_tax
    if backed is None and not may_record:
        return None
    note, at, who = "", None, ""
    if backed is not None:
        event = (
            AuditEvent.objects.filter(
                action="permits.application.tax_check_recorded",
                target_model=application._meta.label_lower,
                target_id=str(application.pk),
            )
            .select_related("actor")
            .order_by("-seq")
            .first()
        )
        if event is not None:
            note = str((event.data or {}).get("note") or "")
            at = event.at
            who = event.actor.get_full_name() if event.actor else event.actor_repr
    return TaxCheck(
        may_record=may_record,
        backed=backed,
        note=note,
        at=at,
        who=who,
        reported_at=permit.salary_reported_at,
    )
