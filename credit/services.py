"""Writes of credit records: create, correct, revoke, and the dishonest acts other apps
report.

Every function is keyword-only, takes ``actor`` (``None``: the portal itself, or an
operator at the command line), runs in one transaction and writes its audit event in it;
a record made, corrected or revoked is told to the organization it is about, and a new
objection to the inspectors who review it, in the same transaction
(``credit.notifications``).
Bad input raises ``ValidationError`` (by field) and a refused action ``ServiceError``,
both before anything is written. A correction or a revocation is a new version of the
record; the previous version is closed (its ``superseded_at`` set), never rewritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.access import has_organization_permission, has_region_permission, has_role
from portal.audit import audit_record
from portal.files import UploadError, store_upload
from portal.models import Foreigner, Organization, Region, StoredFile, User
from portal.roles import Role
from portal.services import PermissionDeniedError, ServiceError

from .constants import (
    FINE_RULES,
    RecordState,
    Severity,
    Source,
    SubjectKind,
    unit_fine,
)
from .models import CreditRecord, CreditRecordKind, Objection
from .notifications import objection_filed_told, record_told
from .selectors import add_months

SYSTEM = "system"
# Region permissions that let an officer keep credit records in the region.
RECORDING_PERMISSIONS = ("inspect_employers", "decide_applications")


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


# --- Who may record ------------------------------------------------------------------------


def may_record(actor: User | None, region: Region | None) -> bool:
    """Inspectors and decision officers of the region (or its province), site admins, and
    the portal itself (``None``)."""
    if actor is None:
        return True
    if actor.is_superuser or has_role(actor, Role.SITE_ADMIN):
        return True
    return any(has_region_permission(actor, codename, region) for codename in RECORDING_PERMISSIONS)


def _require_recorder(actor: User | None, region: Region | None) -> None:
    if not may_record(actor, region):
        raise PermissionDeniedError(_("You may not keep credit records in this region."))


# --- Validation ----------------------------------------------------------------------------


def _resolve_kind(kind: CreditRecordKind | str) -> CreditRecordKind:
    if isinstance(kind, CreditRecordKind):
        return kind
    found = CreditRecordKind.objects.filter(code=kind).first()
    if found is None:
        raise ServiceError(
            gettext("There is no kind of credit record “%(code)s”.") % {"code": kind},
            code="unknown_kind",
        )
    return found


def _subject_kind(organization: Organization | None, foreigner: Foreigner | None) -> str:
    if (organization is None) == (foreigner is None):
        raise ValidationError(
            {"subject": [gettext("A record belongs to one organization or one foreign worker.")]}
        )
    if foreigner is not None:
        return SubjectKind.WORKER
    assert organization is not None
    if organization.kind == Organization.Kind.EMPLOYER:
        return SubjectKind.EMPLOYER
    if organization.kind == Organization.Kind.SERVICE_AGENCY:
        return SubjectKind.SERVICE_AGENCY
    raise ValidationError(
        {"subject": [gettext("Credit records are kept of employers and service agencies only.")]}
    )


def _fine_errors(subject_kind: str, fine: int | None, persons: int | None) -> list[str]:
    """What is wrong with a fine for this kind of subject (empty: nothing)."""
    if fine is None and persons is None:
        return []
    rule = FINE_RULES[subject_kind]
    if subject_kind == SubjectKind.WORKER:
        if persons is not None:
            return [gettext("A foreign worker's fine is not counted in persons.")]
        if fine is None or not rule.minimum <= fine <= rule.maximum:
            return [
                gettext("A foreign worker is fined %(min)s to %(max)s RMB.")
                % {"min": f"{rule.minimum:,}", "max": f"{rule.maximum:,}"}
            ]
        return []
    if persons is None or persons < 1:
        return [gettext("Give the number of persons the fine is for.")]
    expected = unit_fine(subject_kind, persons)
    if fine != expected:
        return [
            gettext(
                "The fine is %(per)s RMB for each person, %(max)s RMB at most: "
                "%(expected)s RMB for %(persons)s."
            )
            % {
                "per": f"{rule.per_person:,}",
                "max": f"{rule.maximum:,}",
                "expected": f"{expected:,}",
                "persons": persons,
            }
        ]
    return []


def _validate(
    *,
    kind: CreditRecordKind,
    subject_kind: str,
    severity: str,
    facts: str,
    source: str,
    effective_from: dt.date,
    effective_until: dt.date | None,
    fine_cny: int | None,
    persons: int | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if kind.is_dishonest:
        if severity not in (Severity.MINOR, Severity.SERIOUS):
            errors["severity"] = [gettext("A dishonest act is minor or serious.")]
    elif severity != Severity.NONE:
        errors["severity"] = [gettext("A commendation has no severity.")]
    if not facts.strip():
        errors["facts"] = [gettext("State the facts.")]
    if source not in Source.values:
        errors["source"] = [gettext("Choose where the record comes from.")]
    if effective_until is not None and effective_until < effective_from:
        errors["effective_until"] = [gettext("The effect cannot end before it begins.")]
    if (fine_cny is not None or persons is not None) and not kind.carries_fine:
        errors["fine_cny"] = [gettext("Records of this kind carry no fine.")]
    else:
        fine_errors = _fine_errors(subject_kind, fine_cny, persons)
        if fine_errors:
            errors["fine_cny"] = fine_errors
    if errors:
        raise ValidationError(errors)


def _clean_evidence(evidence: Iterable[StoredFile]) -> list[StoredFile]:
    files = list(evidence)
    if any(f.pk is None for f in files):
        raise ValidationError({"evidence": [gettext("Upload the evidence first.")]})
    return files


def _snapshot(record: CreditRecord) -> dict[str, Any]:
    return {
        "series": str(record.series),
        "version": record.version,
        "state": record.state,
        "subject_kind": record.subject_kind,
        "subject_uscc": record.subject_uscc,
        "foreigner": record.foreigner_id,
        "kind": record.kind.code,
        "severity": record.severity,
        "source": record.source,
        "reference": record.reference,
        "effective_from": record.effective_from,
        "effective_until": record.effective_until,
        "fine_cny": record.fine_cny,
        "persons": record.persons,
        "disclosed": record.disclosed,
    }


# --- Create ---------------------------------------------------------------------------------


def record_create(
    *,
    actor: User | None,
    kind: CreditRecordKind | str,
    facts: str,
    source: str,
    effective_from: dt.date,
    effective_until: dt.date | None = None,
    organization: Organization | None = None,
    foreigner: Foreigner | None = None,
    region: Region | None = None,
    severity: str | None = None,
    fine_cny: int | None = None,
    persons: int | None = None,
    disclosed: bool | None = None,
    evidence: Sequence[StoredFile] = (),
    reference: str = "",
    request: HttpRequest | None = None,
) -> CreditRecord:
    """Record a credit record of an organization (employer or agency) or a foreign worker.

    ``region`` defaults to the organization's; a worker's record names the region whose
    authority keeps it. ``severity`` and ``disclosed`` default to the kind's.
    ``effective_until`` ``None`` is open-ended. A fine is validated against the law for
    the kind of subject. Refused (``ServiceError`` code ``duplicate``) when the subject
    already has a record of this kind with this reference.
    """
    return _create(
        actor=actor,
        authorize=True,
        kind=kind,
        facts=facts,
        source=source,
        effective_from=effective_from,
        effective_until=effective_until,
        organization=organization,
        foreigner=foreigner,
        region=region,
        severity=severity,
        fine_cny=fine_cny,
        persons=persons,
        disclosed=disclosed,
        evidence=evidence,
        reference=reference,
        request=request,
    )


def _create(
    *,
    actor: User | None,
    authorize: bool,
    kind: CreditRecordKind | str,
    facts: str,
    source: str,
    effective_from: dt.date,
    effective_until: dt.date | None = None,
    organization: Organization | None = None,
    foreigner: Foreigner | None = None,
    region: Region | None = None,
    severity: str | None = None,
    fine_cny: int | None = None,
    persons: int | None = None,
    disclosed: bool | None = None,
    evidence: Sequence[StoredFile] = (),
    reference: str = "",
    request: HttpRequest | None = None,
) -> CreditRecord:
    resolved = _resolve_kind(kind)
    subject_kind = _subject_kind(organization, foreigner)
    if region is None and organization is not None:
        region = organization.region
    if region is None:
        raise ValidationError({"region": [gettext("Choose the region that keeps the record.")]})
    if authorize:
        _require_recorder(actor, region)
    if not resolved.is_active:
        raise ValidationError({"kind": [gettext("This kind of record is no longer used.")]})
    severity = severity or resolved.default_severity
    _validate(
        kind=resolved,
        subject_kind=subject_kind,
        severity=severity,
        facts=facts,
        source=source,
        effective_from=effective_from,
        effective_until=effective_until,
        fine_cny=fine_cny,
        persons=persons,
    )
    files = _clean_evidence(evidence)
    reference = reference.strip()
    with transaction.atomic():
        record = CreditRecord(
            subject_kind=subject_kind,
            organization=organization,
            subject_uscc=(organization.uscc or "") if organization is not None else "",
            foreigner=foreigner,
            region=region,
            kind=resolved,
            dishonest=resolved.is_dishonest,
            severity=severity,
            facts=facts.strip(),
            reference=reference,
            source=source,
            fine_cny=fine_cny,
            persons=persons,
            effective_from=effective_from,
            effective_until=effective_until,
            disclosed=resolved.disclose_by_default if disclosed is None else disclosed,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            if reference and _first_version(record) is not None:
                raise ServiceError(
                    gettext("This subject already has a record of this kind for %(ref)s.")
                    % {"ref": reference},
                    code="duplicate",
                ) from None
            raise
        if files:
            record.evidence.set(files)
        audit_record(
            actor=actor,
            actor_repr=SYSTEM,
            action="credit.record.create",
            target=record,
            data={
                **_snapshot(record),
                "evidence": [str(f.pk) for f in files],
                "automatic": not authorize,
            },
            request=request,
        )
        record_told(record, "create")
    return record


def _first_version(record: CreditRecord) -> CreditRecord | None:
    """The first version of the subject's series of this kind and reference."""
    if not record.reference:
        return None
    subject = (
        {"organization": record.organization}
        if record.organization_id
        else {"foreigner": record.foreigner}
    )
    return CreditRecord.objects.filter(
        **subject, kind=record.kind, reference=record.reference, version=1
    ).first()


def _current_of_series(series: Any) -> CreditRecord:
    current = (
        CreditRecord.objects.select_related("kind", "organization", "foreigner")
        .filter(series=series, superseded_at__isnull=True)
        .get()
    )
    return current


# --- Report a dishonest act (called by other apps) ------------------------------------------


def report_dishonest_act(
    *,
    organization: Organization,
    kind: str,
    facts: str,
    reference: str,
    on: dt.date,
    actor: User | None,
) -> CreditRecord:
    """Record a dishonest act another app has established (the permits app: a permit
    granted on a salary commitment not backed by tax records at extension or
    cancellation, kind ``salary_commitment_unbacked``).

    Source "application review", in effect from ``on`` for the kind's default period, with
    the kind's severity and disclosure. Idempotent per (organization, kind, reference): a
    second call returns the existing record's current version (also when it has since
    been corrected or revoked) and writes nothing. The rule that found the act decides,
    so the actor's own recording rights are not asked: ``actor`` (``None``: the portal)
    is recorded as who triggered it.
    """
    resolved = _resolve_kind(kind)
    if not resolved.is_dishonest:
        raise ServiceError(
            gettext("“%(code)s” is not a kind of dishonest act.") % {"code": kind},
            code="not_dishonest",
        )
    reference = reference.strip()
    if not reference:
        raise ValidationError({"reference": [gettext("Give the reference of the case.")]})
    existing = _reported(organization, resolved, reference)
    if existing is not None:
        return _current_of_series(existing.series)
    until = (
        add_months(on, resolved.default_effect_months) - dt.timedelta(days=1)
        if resolved.default_effect_months
        else None
    )
    try:
        return _create(
            actor=actor,
            authorize=False,  # the rule's authority, not the triggering person's
            kind=resolved,
            organization=organization,
            facts=facts,
            source=Source.APPLICATION_REVIEW,
            effective_from=on,
            effective_until=until,
            reference=reference,
        )
    except ServiceError as exc:
        if exc.code != "duplicate":
            raise
        # A concurrent call won the race: return what it recorded.
        first = _reported(organization, resolved, reference)
        assert first is not None
        return _current_of_series(first.series)


def _reported(
    organization: Organization, kind: CreditRecordKind, reference: str
) -> CreditRecord | None:
    """The first version of the organization's record of this kind and reference."""
    return CreditRecord.objects.filter(
        organization=organization, kind=kind, reference=reference, version=1
    ).first()


# --- Correct and revoke: new versions ---------------------------------------------------------

CORRECTABLE = (
    "kind",
    "severity",
    "facts",
    "source",
    "effective_from",
    "effective_until",
    "fine_cny",
    "persons",
    "disclosed",
    "reference",
)


def _lock_head(record: CreditRecord) -> CreditRecord:
    """Lock the current version of the record's series; refuse when ``record`` is not it
    (someone corrected or revoked it since the caller read it)."""
    head = (
        CreditRecord.objects.select_for_update()
        .filter(series=record.series, superseded_at__isnull=True)
        .first()
    )
    if head is None or head.pk != record.pk:
        raise ServiceError(
            gettext("The record was changed meanwhile: reload it and try again."),
            code="stale",
            status=409,
        )
    return head


def _next_version(
    head: CreditRecord, *, actor: User | None, reason: str, **values: Any
) -> CreditRecord:
    """Close the head's transaction time and insert its successor (caller holds the lock)."""
    now = timezone.now()
    CreditRecord.objects.filter(pk=head.pk).update(superseded_at=now)
    head.superseded_at = now
    successor = CreditRecord(
        series=head.series,
        version=head.version + 1,
        supersedes=head,
        state=head.state,
        subject_kind=head.subject_kind,
        organization_id=head.organization_id,
        subject_uscc=head.subject_uscc,
        foreigner_id=head.foreigner_id,
        region_id=head.region_id,
        kind=head.kind,
        dishonest=head.dishonest,
        severity=head.severity,
        facts=head.facts,
        reference=head.reference,
        source=head.source,
        fine_cny=head.fine_cny,
        persons=head.persons,
        effective_from=head.effective_from,
        effective_until=head.effective_until,
        disclosed=head.disclosed,
        reason=reason,
        recorded_by=actor,
        recorded_at=now,
    )
    for name, value in values.items():
        setattr(successor, name, value)
    successor.save()
    return successor


def record_correct(
    *,
    actor: User | None,
    record: CreditRecord,
    reason: str,
    kind: CreditRecordKind | str = UNCHANGED,
    severity: str = UNCHANGED,
    facts: str = UNCHANGED,
    source: str = UNCHANGED,
    effective_from: dt.date = UNCHANGED,
    effective_until: dt.date | None = UNCHANGED,
    fine_cny: int | None = UNCHANGED,
    persons: int | None = UNCHANGED,
    disclosed: bool = UNCHANGED,
    reference: str = UNCHANGED,
    evidence: Sequence[StoredFile] = UNCHANGED,
    request: HttpRequest | None = None,
    tell_subject: bool = True,
) -> CreditRecord:
    """Correct a record: a new version with the given fields changed, the rest kept; the
    version corrected stays readable (``credit.selectors.record_as_known``). The
    organization is told (``credit.notifications``) unless ``tell_subject`` is false (a
    correction decided on an objection is told as the objection's decision).

    ``record`` must be the current version (else ``ServiceError`` ``stale``); a revoked
    record is not corrected (``revoked``). Changing the kind without a severity takes the
    new kind's default severity. The subject never changes: a record of the wrong subject
    is revoked and recorded anew.
    """
    if not reason.strip():
        raise ValidationError({"reason": [gettext("Say why the record is corrected.")]})
    with transaction.atomic():
        head = _lock_head(record)
        _require_recorder(actor, head.region)
        if head.is_revoked:
            raise ServiceError(
                gettext("A revoked record cannot be corrected."), code="revoked", status=409
            )
        current = {name: getattr(head, name) for name in CORRECTABLE}
        proposed = dict(current)
        given = {
            "kind": kind,
            "severity": severity,
            "facts": facts,
            "source": source,
            "effective_from": effective_from,
            "effective_until": effective_until,
            "fine_cny": fine_cny,
            "persons": persons,
            "disclosed": disclosed,
            "reference": reference,
        }
        proposed.update({k: v for k, v in given.items() if v is not UNCHANGED})
        new_kind = _resolve_kind(proposed["kind"])
        proposed["kind"] = new_kind
        if new_kind.pk != head.kind_id:
            if not new_kind.is_active:
                raise ValidationError({"kind": [gettext("This kind of record is no longer used.")]})
            if severity is UNCHANGED:
                proposed["severity"] = new_kind.default_severity
        proposed["facts"] = str(proposed["facts"]).strip()
        proposed["reference"] = str(proposed["reference"]).strip()
        _validate(
            kind=new_kind,
            subject_kind=head.subject_kind,
            severity=proposed["severity"],
            facts=proposed["facts"],
            source=proposed["source"],
            effective_from=proposed["effective_from"],
            effective_until=proposed["effective_until"],
            fine_cny=proposed["fine_cny"],
            persons=proposed["persons"],
        )
        old_files = list(head.evidence.all())
        files = old_files if evidence is UNCHANGED else _clean_evidence(evidence)
        changes = {
            name: [_plain(current[name]), _plain(proposed[name])]
            for name in CORRECTABLE
            if proposed[name] != current[name]
        }
        if {f.pk for f in files} != {f.pk for f in old_files}:
            changes["evidence"] = [
                sorted(str(f.pk) for f in old_files),
                sorted(str(f.pk) for f in files),
            ]
        if not changes:
            raise ValidationError({"__all__": [gettext("The correction changes nothing.")]})
        proposed["dishonest"] = new_kind.is_dishonest
        successor = _next_version(head, actor=actor, reason=reason.strip(), **proposed)
        if files:
            successor.evidence.set(files)
        audit_record(
            actor=actor,
            actor_repr=SYSTEM,
            action="credit.record.correct",
            target=successor,
            data={
                "series": str(successor.series),
                "version": successor.version,
                "supersedes": head.pk,
                "reason": successor.reason,
                "changes": changes,
            },
            request=request,
        )
        if tell_subject:
            record_told(successor, "correct")
    return successor


def _plain(value: Any) -> Any:
    if isinstance(value, CreditRecordKind):
        return value.code
    return value


def record_revoke(
    *,
    actor: User | None,
    record: CreditRecord,
    reason: str,
    request: HttpRequest | None = None,
    tell_subject: bool = True,
) -> CreditRecord:
    """Revoke a record: a new version in state ``revoked``, which no longer counts for
    standing. The versions before it stay readable. ``record`` must be the current
    version (``stale``); a revoked record is not revoked again (``revoked``). The
    organization is told unless ``tell_subject`` is false (as for ``record_correct``)."""
    if not reason.strip():
        raise ValidationError({"reason": [gettext("Say why the record is revoked.")]})
    with transaction.atomic():
        head = _lock_head(record)
        _require_recorder(actor, head.region)
        if head.is_revoked:
            raise ServiceError(
                gettext("The record is already revoked."), code="revoked", status=409
            )
        files = list(head.evidence.all())
        successor = _next_version(
            head, actor=actor, reason=reason.strip(), state=RecordState.REVOKED
        )
        if files:
            successor.evidence.set(files)
        audit_record(
            actor=actor,
            actor_repr=SYSTEM,
            action="credit.record.revoke",
            target=successor,
            data={
                "series": str(successor.series),
                "version": successor.version,
                "supersedes": head.pk,
                "reason": successor.reason,
            },
            request=request,
        )
        if tell_subject:
            record_told(successor, "revoke")
    return successor


# --- Objections (异议) ----------------------------------------------------------------------

# Files an objection carries at most.
OBJECTION_MAX_FILES = 5


def may_object(actor: User | None, record: CreditRecord) -> bool:
    """Who may object to a record: the employer's administrators for an employer's record,
    the agency's agents for the agency's own record (not for an employer it acts for)."""
    if actor is None or not actor.is_authenticated or record.organization is None:
        return False
    if record.subject_kind == SubjectKind.EMPLOYER:
        return has_role(actor, Role.EMPLOYER_ADMIN) and has_organization_permission(
            actor, "manage_organization_users", record.organization
        )
    if record.subject_kind == SubjectKind.SERVICE_AGENCY:
        return has_role(actor, Role.AGENCY_AGENT) and has_organization_permission(
            actor, "act_for_organization", record.organization
        )
    return False


def objection_refusal(record: CreditRecord, on: dt.date) -> str:
    """Why no objection can be filed on the record on ``on`` ('' if one can)."""
    if not record.is_current:
        return gettext("This version of the record was replaced: object to its current version.")
    if record.is_revoked:
        return gettext("The record is revoked: there is nothing to object to.")
    if record.effective_from > on or (
        record.effective_until is not None and record.effective_until < on
    ):
        return gettext("Only a record in effect can be objected to.")
    if Objection.objects.filter(series=record.series, state__in=Objection.OPEN_STATES).exists():
        return gettext("An objection to this record is already open.")
    return ""


def _store_evidence(actor: User, uploads: Sequence[Any]) -> list[StoredFile]:
    files = []
    for upload in uploads:
        try:
            files.append(store_upload(upload, actor=actor))
        except UploadError as error:
            raise ValidationError(
                {"evidence": [ValidationError(error.message, code=error.code)]}
            ) from None
    return files


def objection_file(
    *,
    actor: User,
    record: CreditRecord,
    statement: str,
    evidence: Sequence[Any] = (),
    request: HttpRequest | None = None,
) -> Objection:
    """File an objection to a record in effect, with a statement and evidence files
    (uploads, checked by content: PDF, JPEG or PNG). Refused (``ServiceError``) for someone
    who may not object to the record (``permission_denied``), for a record not in effect,
    replaced or revoked, or already under an open objection (``not_open`` /
    ``already_open``); bad input raises ``ValidationError``. Nothing is written then."""
    if not may_object(actor, record):
        raise PermissionDeniedError(_("You may not object to this record."))
    errors: dict[str, list[str]] = {}
    if not statement.strip():
        errors["statement"] = [gettext("Say why the record is wrong.")]
    if len(evidence) > OBJECTION_MAX_FILES:
        errors["evidence"] = [gettext("Attach at most %(n)s files.") % {"n": OBJECTION_MAX_FILES}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        head = _lock_head(record)
        refusal = objection_refusal(head, timezone.localdate())
        if refusal:
            code = (
                "already_open"
                if Objection.objects.filter(
                    series=head.series, state__in=Objection.OPEN_STATES
                ).exists()
                else "not_open"
            )
            raise ServiceError(refusal, code=code, status=409)
        files = _store_evidence(actor, evidence)
        objection = Objection(
            series=head.series,
            record=head,
            organization=head.organization,
            region_id=head.region_id,
            statement=statement.strip(),
            filed_by=actor,
            filed_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                objection.save()
        except IntegrityError:
            raise ServiceError(
                gettext("An objection to this record is already open."),
                code="already_open",
                status=409,
            ) from None
        if files:
            objection.evidence.set(files)
        audit_record(
            actor=actor,
            action="credit.objection.file",
            target=objection,
            data={
                "series": str(head.series),
                "version": head.version,
                "evidence": [str(f.pk) for f in files],
            },
            request=request,
        )
        objection_filed_told(objection)
    return objection


def objection_transition(
    *,
    actor: User,
    objection: Objection,
    transition: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Objection:
    """Move an objection through its workflow (``credit.workflows``): ``take_up``,
    ``uphold``, ``correct`` (with ``changes``: the record fields to change, among
    ``severity``, ``facts``, ``effective_until``, ``disclosed``), ``revoke`` or
    ``withdraw``. The engine locks, checks, records and audits; a refusal raises
    ``WorkflowError`` and changes nothing."""
    from .workflows import CORRECTION_FIELDS, OBJECTION_WORKFLOW

    payload: dict[str, Any] = {}
    if transition == "correct":
        given = {k: v for k, v in (changes or {}).items() if k in CORRECTION_FIELDS}
        payload["changes"] = {
            k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in given.items()
        }
    return OBJECTION_WORKFLOW.run(
        objection, transition, actor=actor, reason=reason, payload=payload, request=request
    )


# --- Inspection populations ------------------------------------------------------------------


def inspection_population_register(
    name: str, label: Any, fn: Any, *, filters: Iterable[str] = ()
) -> None:
    """Offer another app's population to inspection campaigns (``credit.inspections``):
    ``fn(region, on, filters)`` returns ``[(organization id, USCC, name), ...]`` of the
    region and the divisions below it on the campaign's start day. The permits app offers
    the employers with active work permits this way (credit may not import permits)."""
    from credit.inspections import register_population

    register_population(name, label, fn, filters=tuple(filters))
