"""Recording documents issued before 1 April 2017 (``permits.legacy_models``).

* ``legacy_record``: one document, by an acceptance or decision officer of the province;
* ``legacy_import``: a CSV or XLSX file of documents (the columns of ``COLUMNS``). Every row
  is checked (required fields, dates in order, the holder and passport, the employer known
  by its USCC, the number's format for its kind, duplicates in the file and in the
  database) and nothing is saved unless every row is clean; the report names each row's
  problems with its line and column;
* ``legacy_close_for_permit``: a new work permit of the holder at the same employer closes
  the valid document on the permit's first day (called from ``permits.issuance``).

The holder is found by passport (issuing country and number) or created, through
``worker_find_or_create`` as an application's worker step does. Every write is audited in
its transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from permits.access import ACCEPT, DECIDE
from permits.legacy_models import SYSTEM_START, LegacyDocument
from permits.models import Permit
from permits.services.applications import _worker_values, worker_find_or_create
from portal.access import has_region_permission
from portal.audit import audit_record
from portal.models import Organization, Region, User
from portal.services import PermissionDeniedError
from portal.spreadsheets import SpreadsheetError, read_table

Kind = LegacyDocument.Kind

# The columns of an import file, in the order of the template (the first row names them).
COLUMNS = (
    "kind",
    "number",
    "surname",
    "given_names",
    "name_zh",
    "sex",
    "date_of_birth",
    "nationality",
    "passport_number",
    "passport_country",
    "passport_issue_date",
    "passport_expiry_date",
    "employer_uscc",
    "valid_from",
    "valid_until",
)
OPTIONAL_COLUMNS = ("given_names", "name_zh", "passport_country")
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)
# What the ``kind`` column may say for each kind.
KIND_NAMES = {
    "alien_employment_licence": Kind.ALIEN_EMPLOYMENT_LICENCE,
    "licence": Kind.ALIEN_EMPLOYMENT_LICENCE,
    "外国人就业证": Kind.ALIEN_EMPLOYMENT_LICENCE,
    "就业证": Kind.ALIEN_EMPLOYMENT_LICENCE,
    "foreign_expert_certificate": Kind.FOREIGN_EXPERT_CERTIFICATE,
    "certificate": Kind.FOREIGN_EXPERT_CERTIFICATE,
    "外国专家证": Kind.FOREIGN_EXPERT_CERTIFICATE,
    "专家证": Kind.FOREIGN_EXPERT_CERTIFICATE,
}
# Number formats: letters and digits only (upper-cased, spaces removed). A licence number
# has 8 to 20 characters with at least 6 digits, a certificate number 6 to 20 with at
# least 4. An 18-digit number is a work permit number: verification reads it as one.
NUMBER_SHAPE = {
    Kind.ALIEN_EMPLOYMENT_LICENCE: (re.compile(r"[0-9A-Z]{8,20}"), 6),
    Kind.FOREIGN_EXPERT_CERTIFICATE: (re.compile(r"[0-9A-Z]{6,20}"), 4),
}
PERMIT_NUMBER = re.compile(r"[0-9]{18}")
_MIDNIGHT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]00:00(:00)?")
PROGRESS_EVERY = 100
AUDIT_RECORD = "permits.legacy.record"
AUDIT_IMPORT = "permits.legacy.import"
AUDIT_CLOSE = "permits.legacy.closed"

Progress = Callable[[str], None]


def normalise_number(raw: Any) -> str:
    """The number as printed, upper-case, without spaces."""
    return "".join(str(raw or "").split()).upper()


def _number_problem(kind: str, number: str) -> str | None:
    if not number:
        return _("This field is required.")
    shape, digits = NUMBER_SHAPE[Kind(kind)]
    if PERMIT_NUMBER.fullmatch(number):
        return _("An 18-digit number is a work permit number, not a pre-2017 document's: check it.")
    if not shape.fullmatch(number) or sum(c.isdigit() for c in number) < digits:
        if kind == Kind.ALIEN_EMPLOYMENT_LICENCE:
            return _(
                "An Alien Employment Licence number has 8 to 20 letters and digits, at "
                "least 6 of them digits."
            )
        return _(
            "A Foreign Expert Certificate number has 6 to 20 letters and digits, at least 4 "
            "of them digits."
        )
    return None


def _text_date(value: Any) -> Any:
    """A date cell of a spreadsheet (``2015-03-01 00:00:00``) as a date text."""
    if isinstance(value, str):
        match = _MIDNIGHT.fullmatch(value.strip())
        if match:
            return match.group(1)
    return value


def _parse_date(value: Any) -> dt.date | None:
    value = _text_date(value)
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


@dataclass(frozen=True)
class Checked:
    """A document's values after the checks that need no writing."""

    kind: str
    number: str
    employer: Organization
    valid_from: dt.date
    valid_until: dt.date
    worker: dict[str, Any]


def legacy_check(
    values: Mapping[str, Any],
    *,
    employers: Mapping[str, Organization] | None = None,
    recorded: set[tuple[str, str]] | None = None,
) -> tuple[Checked | None, dict[str, list[str]]]:
    """Check one document's values: the worker's fields as an application checks them,
    the kind, the number's format, the dates, the employer (by USCC, registered and
    active) and that the number is not recorded yet. ``employers``: the employers by
    USCC, and ``recorded`` the (kind, number) pairs recorded, already read (an import
    reads them all at once)."""
    errors: dict[str, list[str]] = {}
    worker = {key: _text_date(values.get(key)) for key in COLUMNS}
    if not str(worker.get("passport_country") or "").strip():
        worker["passport_country"] = worker.get("nationality")
    clean, worker_errors = _worker_values(worker)
    errors.update(worker_errors)
    raw_kind = str(values.get("kind") or "").strip()
    kind = KIND_NAMES.get(raw_kind.lower()) or KIND_NAMES.get(raw_kind)
    if kind is None:
        errors["kind"] = [_("The kind is alien_employment_licence or foreign_expert_certificate.")]
    number = normalise_number(values.get("number"))
    if kind is not None:
        problem = _number_problem(kind, number)
        if problem:
            errors["number"] = [problem]
        elif (
            (str(kind), number) in recorded
            if recorded is not None
            else LegacyDocument.objects.filter(kind=kind, number=number).exists()
        ):
            errors["number"] = [_("A document of this kind with this number is recorded already.")]
    dates: dict[str, dt.date | None] = {}
    for name in ("valid_from", "valid_until"):
        try:
            dates[name] = _parse_date(values.get(name))
        except ValueError:
            errors[name] = [_("Enter a date as YYYY-MM-DD.")]
            continue
        if dates[name] is None:
            errors[name] = [_("This field is required.")]
    start, end = dates.get("valid_from"), dates.get("valid_until")
    if start is not None and start >= SYSTEM_START:
        errors["valid_from"] = [
            _("A pre-2017 document was issued before 1 April 2017; later ones are work permits.")
        ]
    if start is not None and end is not None and end < start:
        errors["valid_until"] = [_("The document must end on or after its first day.")]
    uscc = str(values.get("employer_uscc") or "").strip().upper()
    employer: Organization | None = None
    if not uscc:
        errors["employer_uscc"] = [_("This field is required.")]
    else:
        if employers is None:
            employer = Organization.objects.filter(
                uscc=uscc, kind=Organization.Kind.EMPLOYER, is_active=True
            ).first()
        else:
            employer = employers.get(uscc)
        if employer is None:
            errors["employer_uscc"] = [
                _(
                    "No employer with this Unified Social Credit Identifier is registered: "
                    "the employer registers in the portal first."
                )
            ]
    if errors or kind is None or employer is None or start is None or end is None:
        return None, errors
    return Checked(kind, number, employer, start, end, dict(clean)), {}


def _may_record(actor: User, region: Region) -> bool:
    return region.level == Region.Level.PROVINCE and (
        has_region_permission(actor, ACCEPT, region.pk)
        or has_region_permission(actor, DECIDE, region.pk)
    )


def _create(
    checked: Checked,
    *,
    actor: User,
    region: Region,
    source: str,
    batch: str = "",
    request: HttpRequest | None = None,
) -> LegacyDocument:
    holder, passport = worker_find_or_create(actor=actor, values=checked.worker, request=request)
    try:
        with transaction.atomic():
            return LegacyDocument.objects.create(
                kind=checked.kind,
                number=checked.number,
                holder=holder,
                passport=passport,
                employer=checked.employer,
                region=region,
                valid_from=checked.valid_from,
                valid_until=checked.valid_until,
                recorded_by=actor,
                recorded_at=timezone.now(),
                source=source,
                import_batch=batch,
            )
    except IntegrityError:
        # Recorded at the same moment by someone else.
        raise ValidationError(
            {"number": [_("A document of this kind with this number is recorded already.")]}
        ) from None


def legacy_record(
    *,
    actor: User,
    region: Region,
    values: Mapping[str, Any],
    request: HttpRequest | None = None,
) -> LegacyDocument:
    """Record one document in ``region`` (a province where the actor accepts or decides).
    Raises ``ValidationError`` (by field) for bad values, ``PermissionDeniedError``
    for an actor outside the province; either way nothing is saved."""
    if not _may_record(actor, region):
        raise PermissionDeniedError(
            _("Only the acceptance and decision officers of the province record its documents.")
        )
    checked, errors = legacy_check(values)
    if checked is None:
        raise ValidationError(errors)
    with transaction.atomic():
        document = _create(
            checked,
            actor=actor,
            region=region,
            source=LegacyDocument.Source.OFFICER,
            request=request,
        )
        audit_record(
            actor=actor,
            action=AUDIT_RECORD,
            target=document,
            data={
                "kind": document.kind,
                "number": document.number,
                "holder": document.holder_id,
                "employer": document.employer_id,
                "valid_from": document.valid_from,
                "valid_until": document.valid_until,
            },
            request=request,
        )
    return document


# --- Import ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem of an import file: ``line`` as the person sees it in their editor
    (None: the file as a whole), ``column`` the column concerned ("" for the row)."""

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        where = _("line %(line)d") % {"line": self.line}
        if self.column:
            where = f"{where}, {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    file_name: str = ""
    sha256: str = ""
    rows: int = 0
    created: int = 0
    dry_run: bool = False
    applied: bool = False
    errors: list[RowError] = field(default_factory=list)

    def error(self, line: int | None, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, message))

    def summary_lines(self) -> list[str]:
        lines = [_("%(file)s: %(rows)d rows.") % {"file": self.file_name or "-", "rows": self.rows}]
        if self.errors:
            lines.append(_("%(n)d problems; nothing was saved.") % {"n": len(self.errors)})
            lines.extend(f"  {error}" for error in self.errors)
        elif self.applied:
            lines.append(_("%(n)d documents recorded.") % {"n": self.created})
        else:
            lines.append(
                _("Dry run: the file is clean; %(n)d documents would be recorded.")
                % {"n": self.created}
            )
        return lines


def _column_of(field_name: str) -> str:
    return field_name if field_name in COLUMNS else ""


def _report_errors(report: ImportReport, line: int, errors: Mapping[str, list[str]]) -> None:
    for name in sorted(errors, key=lambda n: COLUMNS.index(n) if n in COLUMNS else len(COLUMNS)):
        for message in errors[name]:
            report.error(line, _column_of(name), str(message))


def legacy_import(
    *,
    actor: User,
    region: Region,
    data: bytes,
    file_name: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
    request: HttpRequest | None = None,
) -> ImportReport:
    """Import a CSV or XLSX file of documents into ``region``. Every row is checked, then
    all are written in one transaction that is rolled back if any row fails (or for a dry
    run): the database changes only for a clean file."""
    if not _may_record(actor, region):
        raise PermissionDeniedError(
            _("Only the acceptance and decision officers of the province record its documents.")
        )
    report = ImportReport(
        file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run
    )
    try:
        header, rows = read_table(data)
    except SpreadsheetError as exc:
        report.error(None, "", str(exc))
        return report
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        report.error(
            None,
            "",
            _("The first row must name the columns; missing: %(columns)s.")
            % {"columns": ", ".join(missing)},
        )
        return report
    report.rows = len(rows)
    if not rows:
        report.error(None, "", _("The file has a header but no rows."))
        return report
    if progress:
        progress(_("Read %(n)d rows.") % {"n": len(rows)})
    usccs = {str(r.values.get("employer_uscc") or "").strip().upper() for r in rows}
    employers = {
        o.uscc: o
        for o in Organization.objects.filter(
            uscc__in=sorted(u for u in usccs if u),
            kind=Organization.Kind.EMPLOYER,
            is_active=True,
        )
        if o.uscc
    }
    numbers = {normalise_number(r.values.get("number")) for r in rows}
    recorded = set(
        LegacyDocument.objects.filter(number__in=sorted(n for n in numbers if n)).values_list(
            "kind", "number"
        )
    )
    first_line: dict[tuple[str, str], int] = {}
    checked_rows: list[tuple[int, Checked]] = []
    for index, row in enumerate(rows, start=1):
        if "__extra__" in row.values:
            report.error(
                row.line, "", _("The row has more cells than the first row names columns.")
            )
        checked, errors = legacy_check(row.values, employers=employers, recorded=recorded)
        _report_errors(report, row.line, errors)
        raw_kind = str(row.values.get("kind") or "").strip()
        kind = KIND_NAMES.get(raw_kind.lower()) or KIND_NAMES.get(raw_kind)
        number = normalise_number(row.values.get("number"))
        if kind is not None and number:
            key = (str(kind), number)
            if key in first_line:
                report.error(
                    row.line,
                    "number",
                    _("The number is listed twice: first on line %(line)d.")
                    % {"line": first_line[key]},
                )
                checked = None
            else:
                first_line[key] = row.line
        if checked is not None:
            checked_rows.append((row.line, checked))
        if progress and index % PROGRESS_EVERY == 0:
            progress(
                _("Checked %(done)d of %(total)d rows...") % {"done": index, "total": len(rows)}
            )
    if report.errors:
        return report
    batch = report.sha256
    with transaction.atomic():
        for index, (line, checked) in enumerate(checked_rows, start=1):
            try:
                with transaction.atomic():
                    _create(
                        checked,
                        actor=actor,
                        region=region,
                        source=LegacyDocument.Source.IMPORT,
                        batch=batch,
                        request=request,
                    )
            except ValidationError as exc:
                _report_errors(report, line, exc.message_dict)
                continue
            report.created += 1
            if progress and index % PROGRESS_EVERY == 0:
                progress(
                    _("Saved %(done)d of %(total)d rows...")
                    % {"done": index, "total": len(checked_rows)}
                )
        if report.errors or dry_run:
            # Nothing of a file with errors is kept, nor anything of a dry run.
            transaction.set_rollback(True)
            if report.errors:
                report.created = 0
            return report
        audit_record(
            actor=actor,
            action=AUDIT_IMPORT,
            target=region,
            data={
                "file": file_name,
                "sha256": report.sha256,
                "rows": report.rows,
                "created": report.created,
            },
            request=request,
        )
        report.applied = True
    return report


# --- The change to the work permit system ------------------------------------------------------


def legacy_close_for_permit(
    permit: Permit, on: dt.date, *, actor: User | None = None
) -> list[LegacyDocument]:
    """Close the holder's valid documents at the permit's employer on ``on`` (the new
    permit's first day), naming the permit; in the caller's transaction."""
    closed: list[LegacyDocument] = []
    with transaction.atomic():
        documents = LegacyDocument.objects.select_for_update().filter(
            holder_id=permit.foreigner_id,
            employer_id=permit.employer_id,
            state=LegacyDocument.State.VALID,
            valid_until__gte=on,
        )
        for document in documents.order_by("pk"):
            document.state = LegacyDocument.State.CLOSED
            document.closed_on = on
            document.closed_by_permit = permit
            document.save(update_fields=["state", "closed_on", "closed_by_permit"])
            audit_record(
                actor=actor,
                actor_repr="" if actor is not None else "system:permit_issuance",
                action=AUDIT_CLOSE,
                target=document,
                data={"permit": permit.pk, "permit_number": permit.permit_number, "on": on},
            )
            closed.append(document)
    return closed


# --- The change to the new system ---------------------------------------------------------------


def legacy_start_application(
    *, actor: User, document: LegacyDocument, request: HttpRequest | None = None
) -> Any:
    """Start the holder's application for a Notification Letter under the new system from
    a valid pre-2017 document: a draft of the employer's whose worker step is filled from
    the document's holder and passport (the same person, not a twin). The document is
    closed when the new permit starts (``legacy_close_for_permit``). Refused for someone
    who does not act for the document's employer, and for a document no longer valid."""
    from permits.access import may_act_for
    from permits.models import Application
    from permits.selectors.legacy import legacy_worker_prefill
    from permits.services import applications as application_services

    today = timezone.localdate()
    if not may_act_for(actor, document.employer_id):
        raise PermissionDeniedError(_("You do not act for this document's employer."))
    if document.state != LegacyDocument.State.VALID or document.valid_until < today:
        raise ValidationError(
            _("Only a valid pre-2017 document starts an application under the new system.")
        )
    with transaction.atomic():
        draft = application_services.draft_create(
            actor=actor, employer=document.employer, kind=Application.Kind.NEW, request=request
        )
        draft = application_services.draft_update(
            actor=actor,
            application=draft,
            step="worker",
            request=request,
            **legacy_worker_prefill(document),
        )
        audit_record(
            actor=actor,
            action="permits.legacy.start_application",
            target=document,
            data={"application": draft.number, "number": document.number},
            request=request,
        )
    return draft
