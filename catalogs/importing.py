"""Importing an edition of the National Occupational Classification from a CSV or XLSX file.

``import_occupations(data, edition=...)`` checks every row, derives the hierarchy from the
codes and upserts the edition in one transaction; ``manage.py import_occupations`` and
``seed_demo`` (through ``import_shipped_edition``) are thin callers.

The file has the columns of ``catalogs/data/occupations-2022.csv``: ``code``, ``level``,
``title_zh``, ``digital``, ``green``; ``title_en`` and ``definition`` are optional, and an
existing value is only changed by a file that has the column. The rules:

* a code is ``D-DD-DD-DD`` and agrees with its level: major ``2-00-00-00``, medium
  ``2-02-00-00``, minor ``2-02-10-00``, detailed ``2-02-10-03`` (or ``2-08-05-00`` for a minor
  group's single occupation, or ``1-01-00-01`` directly under a medium group);
* ``parent_code`` is the code with its last non-zero part set to ``00``; ``parent`` is the
  nearest ancestor present in the edition (in the file or already in the database). A parent
  group the edition lacks is reported (a warning), never invented; so is a detailed
  occupation with codes under it (the shipped 6-20-03-00: a minor group marked level 4);
* any error (malformed row, duplicate code, missing column, unreadable file) means nothing is
  written; warnings do not block;
* codes of the edition that the file does not list are reported and kept: catalogs refer
  to them;
* rows that do not change are not written (an unchanged re-import is one SELECT).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalogs.models import CURRENT_EDITION, Occupation
from portal.audit import audit_record
from portal.spreadsheets import Row, SpreadsheetError, read_table

REQUIRED_COLUMNS = ("code", "level", "title_zh", "digital", "green")
OPTIONAL_COLUMNS = ("title_en", "definition")
SHIPPED_FILE = Path(__file__).parent / "data" / "occupations-2022.csv"
SHIPPED_EDITION = 2022
AUDIT_ACTION = "catalogs.occupations.import"
AUDIT_ACTOR = "system:import_occupations"
PROGRESS_EVERY = 500
BATCH_SIZE = 500
SUMMARY_LIMIT = 50

# ASCII digits only: ``\d`` would also accept full-width and other Unicode digits.
_CODE = re.compile(r"[0-9]-[0-9]{2}-[0-9]{2}-[0-9]{2}")
_TRUE = {"1", "true"}
_FALSE = {"", "0", "false"}
_TITLE_ZH_MAX = Occupation._meta.get_field("title_zh").max_length or 200
_TITLE_EN_MAX = Occupation._meta.get_field("title_en").max_length or 300

Severity = Literal["error", "warning"]
Progress = Callable[[str], None]


class _Writer(Protocol):
    def write(self, msg: str) -> Any: ...


@dataclass
class ImportProblem:
    """One thing wrong with the file: an error blocks the import, a warning does not.

    ``line`` is the line (CSV) or row (XLSX) a person sees in their editor; None for a
    problem of the whole file or of the hierarchy. ``code`` is the code concerned (for a
    missing parent group: the missing code), or "".
    """

    severity: Severity
    line: int | None
    code: str
    message: str

    def __str__(self) -> str:
        label = _("Error") if self.severity == "error" else _("Warning")
        where = [label]
        if self.line is not None:
            where.append(_("line %(line)d") % {"line": self.line})
        if self.code:
            where.append(self.code)
        return f"{', '.join(where)}: {self.message}"


@dataclass
class ImportReport:
    """What an import found and did (or, in a dry run or with errors, would have done)."""

    edition: int
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False
    # Occupations of the edition that the file does not list, attached to a parent group
    # the file adds (their nearest present ancestor changed). Not counted in ``updated``.
    relinked: int = 0
    file_name: str = ""
    sha256: str = ""

    @property
    def errors(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.relinked)

    def error(self, line: int | None, code: str, message: str) -> None:
        self.problems.append(ImportProblem("error", line, code, message))

    def warning(self, line: int | None, code: str, message: str) -> None:
        self.problems.append(ImportProblem("warning", line, code, message))

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "relinked": self.relinked,
            "absent": len(self.absent),
            "warnings": len(self.warnings),
        }


# The hierarchy, from the code alone ------------------------------------------------------


def parent_code_of(code: str) -> str:
    """The code with its last non-zero part set to 00; "" for a major group.

    ``2-02-10-03`` → ``2-02-10-00``; ``1-01-00-01`` → ``1-01-00-00``; ``1-02-01-00`` →
    ``1-02-00-00``; ``2-02-00-00`` → ``2-00-00-00``.
    """
    parts = code.split("-")
    for i in (3, 2, 1):
        if parts[i] != "00":
            parts[i] = "00"
            return "-".join(parts)
    return ""


def ancestors_of(code: str) -> Iterator[str]:
    """The codes above ``code``, nearest first."""
    parent = parent_code_of(code)
    while parent:
        yield parent
        parent = parent_code_of(parent)


def _depth(code: str) -> int:
    """How many ancestors a code has: a parent always has one fewer non-zero part."""
    return sum(part != "00" for part in code.split("-")[1:])


def _level_matches(code: str, level: int) -> bool:
    _major, medium, minor, unit = code.split("-")
    if level == Occupation.Level.MAJOR:
        return medium == minor == unit == "00"
    if level == Occupation.Level.MEDIUM:
        return medium != "00" and minor == unit == "00"
    if level == Occupation.Level.MINOR:
        return medium != "00" and minor != "00" and unit == "00"
    # A detailed occupation: 2-02-10-03; a minor group's single occupation, 2-08-05-00;
    # an occupation directly under a medium group, 1-01-00-01.
    return medium != "00" and (minor != "00" or unit != "00")


def _level_rule(level: int) -> str:
    return {
        1: _("a major group (level 1) has a code like 2-00-00-00"),
        2: _("a medium group (level 2) has a code like 2-02-00-00"),
        3: _("a minor group (level 3) has a code like 2-02-10-00"),
        4: _(
            "a detailed occupation (level 4) has a code like 2-02-10-03, or 2-08-05-00 when "
            "it is its minor group's only occupation"
        ),
    }[level]


# Reading and checking the rows -------------------------------------------------------------


@dataclass
class CheckedRow:
    line: int
    code: str
    level: int
    title_zh: str
    title_en: str | None  # None: the file has no such column (keep what is stored)
    definition: str | None
    is_digital: bool
    is_green: bool

    @property
    def parent_code(self) -> str:
        return parent_code_of(self.code)


class _Ticker:
    """Calls ``progress`` every PROGRESS_EVERY items and once at the end."""

    def __init__(self, progress: Progress | None, total: int, template: str) -> None:
        self.progress, self.total, self.template = progress, total, template
        self.done = 0

    def advance(self, n: int = 1) -> None:
        before, self.done = self.done, self.done + n
        if self.progress is None or self.done >= self.total:
            return
        if before // PROGRESS_EVERY != self.done // PROGRESS_EVERY:
            self.progress(self.template % {"done": self.done, "total": self.total})


def _flag(raw: str) -> bool | None:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def _check_row(row: Row, columns: set[str], report: ImportReport) -> CheckedRow | None:
    """The row as values, or None after reporting each thing wrong with it."""
    values = row.values
    code = values.get("code", "").strip()
    problems: list[str] = []
    if "__extra__" in values:
        problems.append(_("The row has more cells than the first row names columns."))
    code_ok = bool(_CODE.fullmatch(code))
    if not code:
        problems.append(_("The code is empty."))
    elif not code_ok:
        problems.append(
            _("The code “%(code)s” is malformed: it must look like D-DD-DD-DD, e.g. 2-02-10-03.")
            % {"code": code}
        )
    raw_level = values.get("level", "").strip()
    level = int(raw_level) if raw_level in {"1", "2", "3", "4"} else None
    if level is None:
        problems.append(
            _("The level must be 1, 2, 3 or 4, not “%(level)s”.") % {"level": raw_level}
        )
    elif code_ok and not _level_matches(code, level):
        problems.append(
            _("Level %(level)d does not match the code: %(rule)s.")
            % {"level": level, "rule": _level_rule(level)}
        )
    title_zh = values.get("title_zh", "").strip()
    if not title_zh:
        problems.append(_("The Chinese title (title_zh) is empty."))
    elif len(title_zh) > _TITLE_ZH_MAX:
        problems.append(
            _("The Chinese title is longer than %(n)d characters.") % {"n": _TITLE_ZH_MAX}
        )
    title_en = values.get("title_en", "").strip() if "title_en" in columns else None
    if title_en is not None and len(title_en) > _TITLE_EN_MAX:
        problems.append(
            _("The English title is longer than %(n)d characters.") % {"n": _TITLE_EN_MAX}
        )
    definition = values.get("definition", "").strip() if "definition" in columns else None
    flags: dict[str, bool] = {}
    for column in ("digital", "green"):
        raw = values.get(column, "")
        flag = _flag(raw)
        if flag is None:
            problems.append(
                _("The value of %(column)s must be 1 (yes), 0 or empty (no), not “%(value)s”.")
                % {"column": column, "value": raw.strip()}
            )
        else:
            flags[column] = flag
    for message in problems:
        report.error(row.line, code, message)
    if problems or level is None:
        return None
    return CheckedRow(
        line=row.line,
        code=code,
        level=level,
        title_zh=title_zh,
        title_en=title_en,
        definition=definition,
        is_digital=flags["digital"],
        is_green=flags["green"],
    )


def check_rows(
    data: bytes, report: ImportReport, progress: Progress | None = None
) -> tuple[list[CheckedRow], set[str]]:
    """Read and check the file: its valid rows and the optional columns it has.

    Every problem found goes into ``report``; the rows are worth using only when the report
    has no errors.
    """
    try:
        header, rows = read_table(data)
    except SpreadsheetError as exc:
        report.error(None, "", str(exc))
        return [], set()
    columns = {h for h in header if h}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        report.error(
            None,
            "",
            _(
                "Required columns are missing: %(missing)s. The first row must name the "
                "columns %(required)s (optional: %(optional)s)."
            )
            % {
                "missing": ", ".join(missing),
                "required": ", ".join(REQUIRED_COLUMNS),
                "optional": ", ".join(OPTIONAL_COLUMNS),
            },
        )
        return [], set()
    unknown = [h for h in header if h and h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        report.warning(
            None,
            "",
            _("Unknown columns are ignored: %(columns)s.") % {"columns": ", ".join(unknown)},
        )
    report.rows = len(rows)
    if not rows:
        report.error(None, "", _("The file has a header but no rows."))
        return [], columns
    if progress:
        progress(_("Read %(n)d rows.") % {"n": len(rows)})
    ticker = _Ticker(progress, len(rows), _("Checked %(done)d of %(total)d rows..."))
    first_line: dict[str, int] = {}
    checked: list[CheckedRow] = []
    for row in rows:
        parsed = _check_row(row, columns, report)
        code = row.values.get("code", "").strip()
        if code in first_line:
            report.error(
                row.line,
                code,
                _("The code is listed twice: first on line %(line)d.") % {"line": first_line[code]},
            )
        else:
            if code:
                first_line[code] = row.line
            if parsed is not None:
                checked.append(parsed)
        ticker.advance()
    if progress:
        progress(
            _("Checked %(n)d rows. Errors: %(errors)d.")
            % {"n": len(rows), "errors": len(report.errors)}
        )
    return checked, columns


# Comparing with the database ---------------------------------------------------------------


@dataclass
class _Plan:
    new: list[Occupation]
    changed: list[Occupation]
    relink: list[Occupation]
    fields: list[str]
    parent_of: dict[str, str]  # code -> code of its nearest present ancestor ("" for none)


def _compare(
    rows: list[CheckedRow], columns: set[str], edition: int, report: ImportReport
) -> tuple[_Plan, dict[str, Occupation]]:
    existing = {o.code: o for o in Occupation.objects.filter(edition=edition)}
    code_by_pk: dict[int | None, str] = {o.pk: o.code for o in existing.values()}
    in_file = {row.code: row for row in rows}
    present = set(existing) | set(in_file)

    def nearest(code: str) -> str:
        return next((a for a in ancestors_of(code) if a in present), "")

    # Missing parent groups: reported once per missing code, with the rows that need it.
    needing: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row.parent_code and row.parent_code not in present:
            needing[row.parent_code].append(row.code)
    for missing, codes in sorted(needing.items()):
        attached = nearest(missing)
        found = ngettext(
            "The parent group %(code)s is missing; %(n)d row needs it (%(codes)s).",
            "The parent group %(code)s is missing; %(n)d rows need it (%(codes)s).",
            len(codes),
        ) % {
            "code": missing,
            "n": len(codes),
            "codes": ", ".join(codes),
        }
        outcome = (
            _("They are attached to %(code)s.") % {"code": attached}
            if attached
            else _("No ancestor is present: they have no parent.")
        )
        report.warning(None, missing, f"{found} {outcome}")
    # A detailed occupation with occupations under it is probably a mislabelled group.
    children: dict[str, list[str]] = defaultdict(list)
    for code in sorted(present):
        parent = nearest(code)
        if parent:
            children[parent].append(code)
    for row in rows:
        if row.level == Occupation.Level.DETAILED and children.get(row.code):
            under = children[row.code]
            report.warning(
                row.line,
                row.code,
                ngettext(
                    "A detailed occupation (level 4), yet %(n)d code falls under it "
                    "(%(codes)s): it is probably a minor group (level 3).",
                    "A detailed occupation (level 4), yet %(n)d codes fall under it "
                    "(%(codes)s): it is probably a minor group (level 3).",
                    len(under),
                )
                % {"n": len(under), "codes": ", ".join(under)},
            )

    fields = ["level", "title_zh", "is_digital", "is_green", "parent_code"]
    fields += [c for c in OPTIONAL_COLUMNS if c in columns]
    parent_of: dict[str, str] = {}
    new: list[Occupation] = []
    changed: list[Occupation] = []
    for row in rows:
        parent_of[row.code] = nearest(row.code)
        wanted: dict[str, Any] = {
            "level": row.level,
            "title_zh": row.title_zh,
            "is_digital": row.is_digital,
            "is_green": row.is_green,
            "parent_code": row.parent_code,
        }
        if row.title_en is not None:
            wanted["title_en"] = row.title_en
        if row.definition is not None:
            wanted["definition"] = row.definition
        current = existing.get(row.code)
        if current is None:
            new.append(Occupation(edition=edition, code=row.code, **wanted))
            continue
        same_parent = code_by_pk.get(current.parent_id, "") == parent_of[row.code]
        if same_parent and all(getattr(current, k) == v for k, v in wanted.items()):
            report.unchanged += 1
            continue
        for key, value in wanted.items():
            setattr(current, key, value)
        changed.append(current)
    relink: list[Occupation] = []
    for code in sorted(set(existing) - set(in_file)):
        report.absent.append(code)
        parent_of[code] = nearest(code)
        current = existing[code]
        if code_by_pk.get(current.parent_id, "") != parent_of[code]:
            relink.append(current)
    report.created, report.updated, report.relinked = len(new), len(changed), len(relink)
    return _Plan(new, changed, relink, fields, parent_of), existing


def _chunks(items: list[Occupation], size: int) -> Iterator[list[Occupation]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write(
    plan: _Plan, existing: dict[str, Occupation], edition: int, progress: Progress | None
) -> None:
    """Create, update and re-attach, parents first, so every parent id is known in time.

    A parent has one fewer non-zero part than its child: creating the new rows by depth
    lets each batch point at parents created by the batches before it.
    """
    pk_of = {code: o.pk for code, o in existing.items()}

    def parent_pk(code: str) -> int | None:
        parent = plan.parent_of[code]
        return pk_of[parent] if parent else None

    ticker = _Ticker(progress, len(plan.new), _("Created %(done)d of %(total)d occupations..."))
    for depth in sorted({_depth(o.code) for o in plan.new}):
        level_rows = [o for o in plan.new if _depth(o.code) == depth]
        for batch in _chunks(level_rows, BATCH_SIZE):
            for occupation in batch:
                occupation.parent_id = parent_pk(occupation.code)
            Occupation.objects.bulk_create(batch)
            if any(o.pk is None for o in batch):  # a database that returns no ids
                pk_of.update(
                    Occupation.objects.filter(
                        edition=edition, code__in=[o.code for o in batch]
                    ).values_list("code", "pk")
                )
            else:
                pk_of.update((o.code, o.pk) for o in batch)
            ticker.advance(len(batch))
    if progress and plan.new:
        progress(_("Created %(n)d occupations.") % {"n": len(plan.new)})
    now = timezone.now()
    for occupation in plan.changed:
        occupation.parent_id = parent_pk(occupation.code)
        occupation.imported_at = now
    if plan.changed:
        Occupation.objects.bulk_update(
            plan.changed, [*plan.fields, "parent", "imported_at"], batch_size=BATCH_SIZE
        )
        if progress:
            progress(_("Updated %(n)d occupations.") % {"n": len(plan.changed)})
    for occupation in plan.relink:
        occupation.parent_id = parent_pk(occupation.code)
    if plan.relink:
        Occupation.objects.bulk_update(plan.relink, ["parent"], batch_size=BATCH_SIZE)
        if progress:
            progress(
                _("Attached %(n)d occupations not in the file to their new parent group.")
                % {"n": len(plan.relink)}
            )


# The entry points --------------------------------------------------------------------------


def import_occupations(
    data: bytes,
    *,
    edition: int = CURRENT_EDITION,
    dry_run: bool = False,
    file_name: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Check ``data`` (CSV or XLSX) and upsert it as ``edition``; all or nothing.

    With errors, or with ``dry_run``, nothing is written; the report still says what the
    file would change (counts are only computed for a file without errors). An import that
    changes something writes one audit event in its transaction; one that changes nothing
    writes nothing at all.
    """
    report = ImportReport(
        edition=edition,
        dry_run=dry_run,
        file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    rows, columns = check_rows(data, report, progress)
    if report.errors:
        return report
    if dry_run:
        plan, _existing = _compare(rows, columns, edition, report)
        _compared(report, progress)
        return report
    try:
        with transaction.atomic():
            # Compared inside the transaction, so the writes rest on what was read.
            plan, existing = _compare(rows, columns, edition, report)
            _compared(report, progress)
            if report.changed:
                _write(plan, existing, edition, progress)
                audit_record(
                    actor=None,
                    actor_repr=AUDIT_ACTOR,
                    action=AUDIT_ACTION,
                    data={
                        "edition": edition,
                        "file": file_name,
                        "sha256": report.sha256,
                        **report.counts(),
                    },
                )
    except IntegrityError:
        # Another import of the same edition committed between our read and our writes.
        report.created = report.updated = report.unchanged = report.relinked = 0
        report.absent = []
        report.error(
            None,
            "",
            _(
                "The edition changed while it was being imported: nothing was written. "
                "Run the import again."
            ),
        )
        return report
    report.applied = True
    return report


def _compared(report: ImportReport, progress: Progress | None) -> None:
    if progress:
        progress(
            _(
                "Compared with edition %(edition)d: %(created)d new, %(updated)d changed, "
                "%(unchanged)d unchanged."
            )
            % {
                "edition": report.edition,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            }
        )


def summary_lines(report: ImportReport, *, limit: int = SUMMARY_LIMIT) -> list[str]:
    """The summary a person reads: counts, problems (errors first, at most ``limit``), outcome."""
    source = report.file_name or _("the file")
    lines = [
        ngettext(
            "Edition %(edition)d from %(file)s: %(rows)d row.",
            "Edition %(edition)d from %(file)s: %(rows)d rows.",
            report.rows,
        )
        % {"edition": report.edition, "file": source, "rows": report.rows},
        _("Created: %(created)d. Updated: %(updated)d. Unchanged: %(unchanged)d.")
        % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
    ]
    if report.relinked:
        lines.append(
            _("Attached to a new parent group: %(n)d occupations not in the file.")
            % {"n": report.relinked}
        )
    if report.absent:
        shown = report.absent[:10]
        more = len(report.absent) - len(shown)
        lines.append(
            ngettext(
                "Kept though not in the file: %(n)d code (%(codes)s).",
                "Kept though not in the file: %(n)d codes (%(codes)s).",
                len(report.absent),
            )
            % {
                "n": len(report.absent),
                "codes": ", ".join(shown) + (", ..." if more else ""),
            }
        )
    errors, warnings = report.errors, report.warnings
    lines.append(
        _("Errors: %(errors)d. Warnings: %(warnings)d.")
        % {"errors": len(errors), "warnings": len(warnings)}
    )
    ordered = _by_line(errors) + _by_line(warnings)
    lines += [f"  {problem}" for problem in ordered[:limit]]
    if len(ordered) > limit:
        lines.append(_("  ... and %(n)d more.") % {"n": len(ordered) - limit})
    if errors:
        lines.append(_("Nothing was imported: correct the errors and run the import again."))
    elif report.dry_run:
        lines.append(_("Dry run: nothing was written."))
    elif report.changed:
        lines.append(_("Imported edition %(edition)d.") % {"edition": report.edition})
    else:
        lines.append(
            _("Edition %(edition)d is up to date: nothing was written.")
            % {"edition": report.edition}
        )
    return lines


def _by_line(problems: Iterable[ImportProblem]) -> list[ImportProblem]:
    return sorted(problems, key=lambda p: -1 if p.line is None else p.line)


def import_shipped_edition(stdout: _Writer | None = None) -> ImportReport:
    """Import the 2022 edition shipped in ``catalogs/data`` (idempotent; used by seed_demo).

    A second run finds every row unchanged and writes nothing. The summary goes to
    ``stdout`` when given (a management command's ``self.stdout`` or any text stream).
    """
    report = import_occupations(
        SHIPPED_FILE.read_bytes(), edition=SHIPPED_EDITION, file_name=SHIPPED_FILE.name
    )
    if stdout is not None:
        for line in summary_lines(report):
            stdout.write(line + "\n")
    return report
