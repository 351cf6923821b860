"""Writes of the catalogs app: drafting a Guidance Catalog, its entries, uploads.

Lifecycle transitions (consultation, filing, review, publication, withdrawal) go through
``portal.filings``; the functions here change the content of a catalog that is still a
draft (or in consultation), always by a drafter of its province, always audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils.translation import gettext as _

from catalogs.models import CURRENT_EDITION, CatalogEntry, GuidanceCatalog, Occupation
from portal.audit import audit_record
from portal.filings import filing_update, require_drafter, require_editable
from portal.models import Region, User
from portal.spreadsheets import Row, SpreadsheetError, read_table, require_columns

REQUIREMENT_FIELDS = (
    "category",
    "min_education",
    "min_experience_years",
    "skills_zh",
    "skills_en",
    "min_annual_salary_cny",
    "remarks_zh",
    "remarks_en",
)


def _require_drafter(actor: User, region_id: int) -> None:
    require_drafter(actor, region_id, _("Only the province's drafters may change its catalog."))


def _next_version(region: Region) -> int:
    # Lock the province so that two drafters starting versions at once get 1 and 2.
    Region.objects.select_for_update().filter(pk=region.pk).first()
    top = GuidanceCatalog.objects.filter(region=region).aggregate(top=Max("version"))["top"]
    return (top or 0) + 1


def catalog_create(
    *,
    actor: User,
    region: Region,
    title_zh: str,
    title_en: str = "",
    notes_zh: str = "",
    notes_en: str = "",
    effective_from: dt.date | None = None,
    expires_on: dt.date | None = None,
    edition: int = CURRENT_EDITION,
    request: HttpRequest | None = None,
) -> GuidanceCatalog:
    """Start a new, empty version of the province's catalog."""
    _require_drafter(actor, region.pk)
    if region.level != Region.Level.PROVINCE:
        raise ValidationError({"region": [_("Catalogs are drafted for a whole province.")]})
    if not title_zh.strip():
        raise ValidationError({"title_zh": [_("Give the catalog a Chinese title.")]})
    with transaction.atomic():
        catalog = GuidanceCatalog.objects.create(
            region=region,
            version=_next_version(region),
            title_zh=title_zh.strip(),
            title_en=title_en.strip(),
            notes_zh=notes_zh.strip(),
            notes_en=notes_en.strip(),
            effective_from=effective_from,
            expires_on=expires_on,
            edition=edition,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="catalogs.guidance_catalog.create",
            target=catalog,
            data={"version": catalog.version},
            request=request,
        )
    return catalog


def catalog_new_version(
    *, actor: User, source: GuidanceCatalog, request: HttpRequest | None = None
) -> GuidanceCatalog:
    """Start the next version from an existing one: same titles, notes and entries; the
    dates are chosen anew."""
    _require_drafter(actor, source.region_id)
    with transaction.atomic():
        catalog = GuidanceCatalog.objects.create(
            region_id=source.region_id,
            version=_next_version(source.region),
            title_zh=source.title_zh,
            title_en=source.title_en,
            notes_zh=source.notes_zh,
            notes_en=source.notes_en,
            edition=source.edition,
            based_on=source,
            created_by=actor,
        )
        entries = [
            CatalogEntry(
                catalog=catalog,
                occupation_id=entry.occupation_id,
                **{name: getattr(entry, name) for name in REQUIREMENT_FIELDS},
            )
            for entry in source.entries.all()
        ]
        CatalogEntry.objects.bulk_create(entries)
        audit_record(
            actor=actor,
            action="catalogs.guidance_catalog.new_version",
            target=catalog,
            data={"based_on": source.pk, "entries": len(entries)},
            request=request,
        )
    return catalog


def catalog_update(
    *,
    actor: User,
    catalog: GuidanceCatalog,
    request: HttpRequest | None = None,
    **changes: Any,
) -> GuidanceCatalog:
    """Change titles, notes or dates of a draft."""
    return filing_update(
        actor=actor,
        filing=catalog,
        not_drafter=_("Only the province's drafters may change its catalog."),
        title_missing=_("Give the catalog a Chinese title."),
        request=request,
        **changes,
    )


# --- Entries ----------------------------------------------------------------------------------


def _has_children(occupation: Occupation) -> bool:
    """A row marked detailed that has occupations under it is a group in fact (the
    shipped 2022 file has one, 6-20-03-00); it is not listed in a catalog."""
    return Occupation.objects.filter(parent=occupation).exists()


def _check_occupation(catalog: GuidanceCatalog, occupation: Occupation) -> None:
    if occupation.edition != catalog.edition:
        raise ValidationError(
            {
                "occupation": [
                    _("The catalog uses the %(edition)s classification.")
                    % {"edition": catalog.edition}
                ]
            }
        )
    if not occupation.is_detailed or _has_children(occupation):
        raise ValidationError(
            {
                "occupation": [
                    _("%(code)s is a group, not a detailed occupation: list its occupations.")
                    % {"code": occupation.code}
                ]
            }
        )


def entry_save(
    *,
    actor: User,
    catalog: GuidanceCatalog,
    occupation: Occupation,
    request: HttpRequest | None = None,
    **requirements: Any,
) -> CatalogEntry:
    """Add an occupation to a draft, or change its requirements."""
    unknown = set(requirements) - set(REQUIREMENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown requirement fields: {sorted(unknown)}")
    _require_drafter(actor, catalog.region_id)
    _check_occupation(catalog, occupation)
    with transaction.atomic():
        locked = GuidanceCatalog.objects.select_for_update().get(pk=catalog.pk)
        require_editable(locked)
        entry = CatalogEntry.objects.filter(catalog=locked, occupation=occupation).first()
        created = entry is None
        if entry is None:
            entry = CatalogEntry(catalog=locked, occupation=occupation)
        before = {name: getattr(entry, name) for name in REQUIREMENT_FIELDS}
        for name, value in requirements.items():
            setattr(entry, name, value)
        entry.full_clean(exclude=["catalog", "occupation"])
        changed = sorted(n for n in REQUIREMENT_FIELDS if getattr(entry, n) != before[n])
        if created or changed:
            entry.save()
            audit_record(
                actor=actor,
                action="catalogs.entry.add" if created else "catalogs.entry.change",
                target=locked,
                data={"code": occupation.code, "fields": changed},
                request=request,
            )
    return entry


def entry_remove(*, actor: User, entry: CatalogEntry, request: HttpRequest | None = None) -> None:
    _require_drafter(actor, entry.catalog.region_id)
    with transaction.atomic():
        locked = GuidanceCatalog.objects.select_for_update().get(pk=entry.catalog_id)
        require_editable(locked)
        code = entry.occupation.code
        entry.delete()
        audit_record(
            actor=actor,
            action="catalogs.entry.remove",
            target=locked,
            data={"code": code},
            request=request,
        )


# --- Spreadsheet upload --------------------------------------------------------------------------

UPLOAD_COLUMNS = ("code", *REQUIREMENT_FIELDS)
# Columns of the public CSV download that an upload ignores, so that a downloaded version
# can be edited and uploaded as the next one.
IGNORED_UPLOAD_COLUMNS = ("title_zh", "title_en")
EDUCATION_ALIASES = {
    "": CatalogEntry.Education.NONE,
    "none": CatalogEntry.Education.NONE,
    "无": CatalogEntry.Education.NONE,
    "不限": CatalogEntry.Education.NONE,
    "vocational": CatalogEntry.Education.VOCATIONAL,
    "职业资格": CatalogEntry.Education.VOCATIONAL,
    "bachelor": CatalogEntry.Education.BACHELOR,
    "本科": CatalogEntry.Education.BACHELOR,
    "学士": CatalogEntry.Education.BACHELOR,
    "master": CatalogEntry.Education.MASTER,
    "硕士": CatalogEntry.Education.MASTER,
    "doctorate": CatalogEntry.Education.DOCTORATE,
    "博士": CatalogEntry.Education.DOCTORATE,
}


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    column: str
    message: str


@dataclass
class UploadResult:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    applied: bool = False
    file_error: str = ""

    @property
    def clean(self) -> bool:
        return not self.errors and not self.file_error


def _parse_row(
    row: Row, occupations: dict[str, Occupation], with_children: set[str]
) -> tuple[Occupation | None, dict[str, Any], list[RowError]]:
    values = row.values
    code = values.get("code", "").strip()
    errors: list[RowError] = []

    def error(column: str, message: str) -> None:
        errors.append(RowError(row.line, code, column, message))

    if "__extra__" in values:
        error("", _("The row has more cells than the header names."))
    occupation = occupations.get(code)
    if not code:
        error("code", _("The occupation code is missing."))
    elif occupation is None:
        error("code", _("%(code)s is not a code of the classification.") % {"code": code})
    elif not occupation.is_detailed or code in with_children:
        error(
            "code",
            _("%(code)s is a group, not a detailed occupation.") % {"code": code},
        )
    parsed: dict[str, Any] = {}
    category = values.get("category", "").strip().upper() or CatalogEntry.Category.B
    if category not in CatalogEntry.Category.values:
        error("category", _("Category is A or B, not “%(value)s”.") % {"value": category})
    parsed["category"] = category
    education_raw = values.get("min_education", "").strip()
    education = EDUCATION_ALIASES.get(education_raw.lower())
    if education is None:
        error(
            "min_education",
            _("Unknown education “%(value)s”: use none, vocational, bachelor, master or doctorate.")
            % {"value": education_raw},
        )
    parsed["min_education"] = education or CatalogEntry.Education.NONE
    experience_raw = values.get("min_experience_years", "").strip()
    try:
        experience = int(experience_raw or "0")
        if not 0 <= experience <= 50:
            raise ValueError
    except ValueError:
        error(
            "min_experience_years",
            _("Years of experience is a whole number from 0 to 50, not “%(value)s”.")
            % {"value": experience_raw},
        )
        experience = 0
    parsed["min_experience_years"] = experience
    salary_raw = values.get("min_annual_salary_cny", "").strip().replace(",", "")
    salary: Decimal | None = None
    if salary_raw:
        try:
            salary = Decimal(salary_raw)
            if salary < 0 or salary.as_tuple().exponent < -2 or salary >= Decimal("1e10"):  # type: ignore[operator]
                raise InvalidOperation
        except InvalidOperation:
            error(
                "min_annual_salary_cny",
                _("The minimum annual salary is an amount in yuan, not “%(value)s”.")
                % {"value": salary_raw},
            )
            salary = None
    parsed["min_annual_salary_cny"] = salary
    for name in ("skills_zh", "skills_en", "remarks_zh", "remarks_en"):
        parsed[name] = values.get(name, "").strip()
    return occupation, parsed, errors


def entries_upload(
    *,
    actor: User,
    catalog: GuidanceCatalog,
    data: bytes,
    replace: bool = False,
    request: HttpRequest | None = None,
) -> UploadResult:
    """Check every row of an uploaded table of entries; save nothing unless all are clean.

    Rows add entries or change the requirements of listed ones (by occupation code); with
    ``replace`` the entries the file does not list are removed.
    """
    _require_drafter(actor, catalog.region_id)
    require_editable(catalog)
    result = UploadResult()
    try:
        header, rows = read_table(data)
        require_columns(header, ("code",))
    except SpreadsheetError as exc:
        result.file_error = str(exc)
        return result
    unknown_columns = [
        h for h in header if h and h not in UPLOAD_COLUMNS and h not in IGNORED_UPLOAD_COLUMNS
    ]
    if unknown_columns:
        result.file_error = _("Unknown columns: %(columns)s. The columns are: %(allowed)s.") % {
            "columns": ", ".join(unknown_columns),
            "allowed": ", ".join(UPLOAD_COLUMNS),
        }
        return result
    result.rows = len(rows)
    codes = {row.values.get("code", "").strip() for row in rows}
    occupations = {
        o.code: o for o in Occupation.objects.filter(edition=catalog.edition, code__in=codes)
    }
    with_children = set(
        Occupation.objects.filter(parent__in=list(occupations.values())).values_list(
            "parent__code", flat=True
        )
    )
    first_line: dict[str, int] = {}
    planned: list[tuple[Occupation, dict[str, Any]]] = []
    for row in rows:
        occupation, parsed, errors = _parse_row(row, occupations, with_children)
        code = row.values.get("code", "").strip()
        if code and code in first_line:
            errors.append(
                RowError(
                    row.line,
                    code,
                    "code",
                    _("%(code)s is listed twice: first on line %(line)d.")
                    % {"code": code, "line": first_line[code]},
                )
            )
        elif code:
            first_line[code] = row.line
        result.errors.extend(errors)
        if not errors and occupation is not None:
            planned.append((occupation, parsed))
    if not rows:
        result.file_error = _("The file has a header but no rows.")
    if not result.clean:
        return result

    with transaction.atomic():
        locked = GuidanceCatalog.objects.select_for_update().get(pk=catalog.pk)
        require_editable(locked)
        existing = {e.occupation_id: e for e in locked.entries.all()}
        # A column the file does not have leaves the listed entries' values as they are
        # (new entries take the defaults), so a file of codes and salaries does not wipe
        # the skills written in the browser.
        given = [name for name in REQUIREMENT_FIELDS if name in header]
        to_create: list[CatalogEntry] = []
        to_update: list[CatalogEntry] = []
        for occupation, parsed in planned:
            entry = existing.pop(occupation.pk, None)
            if entry is None:
                to_create.append(CatalogEntry(catalog=locked, occupation=occupation, **parsed))
                continue
            if all(getattr(entry, name) == parsed[name] for name in given):
                result.unchanged += 1
                continue
            for name in given:
                setattr(entry, name, parsed[name])
            to_update.append(entry)
        CatalogEntry.objects.bulk_create(to_create)
        if to_update:
            CatalogEntry.objects.bulk_update(to_update, given)
        if replace and existing:
            CatalogEntry.objects.filter(pk__in=[e.pk for e in existing.values()]).delete()
            result.removed = len(existing)
        result.added, result.changed = len(to_create), len(to_update)
        result.applied = True
        audit_record(
            actor=actor,
            action="catalogs.entry.upload",
            target=locked,
            data={
                "rows": result.rows,
                "added": result.added,
                "changed": result.changed,
                "unchanged": result.unchanged,
                "removed": result.removed,
            },
            request=request,
        )
    return result
