"""Reading uploaded tables (CSV or XLSX) into rows with their line numbers.

The format is recognised by the content, not the file name: an XLSX file is a ZIP archive
(it starts with ``PK``); anything else is read as CSV, in UTF-8 (with or without the BOM
Excel writes) or, failing that, GB 18030 (what Chinese Excel saves by default).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class Row:
    line: int  # the line (CSV) or row (XLSX) number a person sees in their editor
    values: dict[str, str]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return str(Decimal(str(value)))
    return str(value).strip()


def _read_xlsx(data: bytes) -> tuple[list[str], list[Row]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SpreadsheetError(
            _("The file looks like an Excel workbook but cannot be opened: %(error)s")
            % {"error": type(exc).__name__}
        ) from exc
    sheet = workbook.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    try:
        header_cells = next(rows_iter)
    except StopIteration:
        raise SpreadsheetError(_("The first sheet is empty.")) from None
    header = [_cell(c).lower() for c in header_cells]
    rows: list[Row] = []
    for number, cells in enumerate(rows_iter, start=2):
        values = [_cell(c) for c in cells]
        if not any(values):
            continue
        if len(rows) >= MAX_ROWS:
            raise SpreadsheetError(_("The file has more than %(n)d rows.") % {"n": MAX_ROWS})
        rows.append(Row(number, dict(zip(header, values, strict=False))))
    workbook.close()
    return header, rows


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(_("The file is neither UTF-8 nor GB 18030 text. Save it as CSV UTF-8."))


def _read_csv(data: bytes) -> tuple[list[str], list[Row]]:
    text = _decode(data)
    if "\x00" in text:
        raise SpreadsheetError(_("The file is not a CSV text file or an Excel workbook."))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise SpreadsheetError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise SpreadsheetError(
            _("The CSV file cannot be read: %(error)s") % {"error": exc}
        ) from exc
    rows: list[Row] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise SpreadsheetError(_("The file has more than %(n)d rows.") % {"n": MAX_ROWS})
            values = {
                key: (cells[i].strip() if i < len(cells) else "") for i, key in enumerate(header)
            }
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                values["__extra__"] = ",".join(cells[len(header) :])
            rows.append(Row(reader.line_num, values))
    except csv.Error as exc:
        raise SpreadsheetError(
            _("The CSV file cannot be read near line %(line)d: %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from exc
    return header, rows


def read_table(data: bytes) -> tuple[list[str], list[Row]]:
    """The lower-cased header and the non-empty rows of a CSV or XLSX file."""
    if len(data) > MAX_BYTES:
        raise SpreadsheetError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise SpreadsheetError(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    return _read_csv(data)


def require_columns(header: list[str], required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise SpreadsheetError(
            _("The first row must name the columns; missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
