"""Statistics for regulators and the public: the kernel's part.

The apps contribute *sections* (``register_section``), each a function that answers a
``StatsQuery`` (who may see which provinces, and the filters of the page) with a list of
``StatTable``: a caption, column headers, labelled rows of values and, optionally, how to
draw it as a chart. The kernel renders them (``portal.statistics_views``), applies
small-cell suppression to what the public sees (``suppress``) and serves any table as CSV
(``csv_response``). The kernel knows nothing of applications or permits: the vocabularies of
the category and kind filters are registered by the app that owns them
(``register_dimension``).

Who is a regulator (``regulator_scope``): a provincial acceptance or decision officer,
inspector or standards drafter sees the provinces where they hold the role; a ministry
reviewer or site administrator sees every province. Nobody else sees the regulators' page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise

from portal.access import AnyUser, region_ids_for, role_names
from portal.roles import Role

# --- Columns, rows, tables -------------------------------------------------------------------

COUNT = "count"  # people or applications counted: suppressed on the public page when small
NUMBER = "number"  # counts of things that are public anyway (catalog entries): never suppressed
RATE = "rate"  # a share between 0 and 1, shown as a percentage
DAYS = "days"  # working days
TEXT = "text"


@dataclass(frozen=True)
class Suppressed:
    """A value withheld on the public page. ``primary``: a count from 1 to the threshold
    minus one, shown as "<5". Otherwise (shown as "×"): a larger count withheld so that a
    small one cannot be worked out from a total, or a value derived from a withheld count
    (a rate, a median)."""

    threshold: int
    primary: bool = True

    def __str__(self) -> str:
        return f"<{self.threshold}" if self.primary else SECONDARY_MARK


SECONDARY_MARK = "×"


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise | str
    kind: str = COUNT
    # A derived value (a rate, a median) is withheld when any of these is.
    depends_on: tuple[str, ...] = ()
    # Working days above ``cap`` are shown as ">cap" (the last bucket of a histogram).
    cap: int | None = None


@dataclass(frozen=True)
class Row:
    key: str
    label: Promise | str
    values: tuple[Any, ...]
    is_total: bool = False


@dataclass(frozen=True)
class ChartSpec:
    """How a table is drawn: which columns are the series, over the rows (total rows left
    out), with an optional reference line (a statutory limit)."""

    kind: str = "bar"  # "bar" or "line"
    series: tuple[str, ...] = ()
    unit: str = ""
    reference: float | None = None
    reference_label: Promise | str = ""
    stacked: bool = False
    horizontal: bool = False
    # Draw only the first rows (a long table: the chart shows the largest).
    max_rows: int | None = None


@dataclass(frozen=True)
class StatTable:
    key: str
    caption: Promise | str
    row_header: Promise | str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    chart: ChartSpec | None = None
    # In every row, ``total_column`` is the sum of ``part_columns``.
    total_column: str = ""
    part_columns: tuple[str, ...] = ()
    note: Promise | str = ""
    # The threshold applied by ``suppress`` (0: the exact numbers).
    threshold: int = 0

    def column_index(self, key: str) -> int:
        for index, column in enumerate(self.columns):
            if column.key == key:
                return index
        raise KeyError(key)

    def value(self, row_key: str, column_key: str) -> Any:
        index = self.column_index(column_key)
        for row in self.rows:
            if row.key == row_key:
                return row.values[index]
        raise KeyError(row_key)

    @property
    def body_rows(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if not row.is_total)


def min_cell() -> int:
    return int(settings.PORTAL_STATISTICS_MIN_CELL)


# --- Small-cell suppression ------------------------------------------------------------------


@dataclass
class _Line:
    """Cells that add up to a total shown beside them: a row across the part columns, or a
    column down the rows."""

    parts: list[tuple[int, int]]
    total: tuple[int, int]


def _lines(table: StatTable) -> list[_Line]:
    lines: list[_Line] = []
    counts = [i for i, c in enumerate(table.columns) if c.kind == COUNT]
    body = [i for i, r in enumerate(table.rows) if not r.is_total]
    totals = [i for i, r in enumerate(table.rows) if r.is_total]
    if table.total_column and table.part_columns:
        total_index = table.column_index(table.total_column)
        parts = [table.column_index(key) for key in table.part_columns]
        for r in range(len(table.rows)):
            lines.append(_Line([(r, c) for c in parts], (r, total_index)))
    if len(totals) == 1:
        for c in counts:
            lines.append(_Line([(r, c) for r in body], (totals[0], c)))
    return lines


def suppress(table: StatTable, threshold: int) -> StatTable:
    """The table as the public may see it.

    1. Primary: every count from 1 to ``threshold - 1`` is withheld, shown as "<5" (zero
       is kept: it identifies nobody).
    2. Complementary: where a total is shown (the table's total row, or its total column),
       a line of cells with exactly one withheld would give it away by subtraction, so the
       next smallest non-zero cell of that line is withheld too (or the total itself when
       there is none), shown as "×"; repeated until no line has exactly one withheld cell.
    3. Derived values (rates, medians) are withheld ("×") when a count they come from is.
    """
    if threshold <= 1:
        return replace(table, threshold=threshold)
    grid: list[list[Any]] = [list(row.values) for row in table.rows]
    hidden: set[tuple[int, int]] = set()
    for c, column in enumerate(table.columns):
        if column.kind != COUNT:
            continue
        for r, values in enumerate(grid):
            value = values[c]
            if isinstance(value, int) and 0 < value < threshold:
                hidden.add((r, c))
    primary = set(hidden)

    def size(cell: tuple[int, int]) -> int:
        value = grid[cell[0]][cell[1]]
        return value if isinstance(value, int) else 0

    lines = _lines(table)
    changed = True
    while changed:
        changed = False
        for line in lines:
            members = [*line.parts, line.total]
            if sum(1 for cell in members if cell in hidden) != 1:
                continue
            candidates = [cell for cell in line.parts if cell not in hidden and size(cell) > 0]
            if candidates:
                hidden.add(min(candidates, key=lambda cell: (size(cell), cell)))
                changed = True
            elif line.total not in hidden and size(line.total) > 0:
                hidden.add(line.total)
                changed = True

    keys = [column.key for column in table.columns]
    for r, c in hidden:
        grid[r][c] = Suppressed(threshold, primary=(r, c) in primary)
    for c, column in enumerate(table.columns):
        if not column.depends_on:
            continue
        sources = [keys.index(key) for key in column.depends_on]
        for values in grid:
            if any(isinstance(values[s], Suppressed) for s in sources):
                values[c] = Suppressed(threshold, primary=False)
    rows = tuple(
        replace(row, values=tuple(values)) for row, values in zip(table.rows, grid, strict=True)
    )
    return replace(table, rows=rows, threshold=threshold)


# --- Presenting values -----------------------------------------------------------------------


def display(value: Any, column: Column) -> str:
    """A value as the page shows it."""
    if value is None:
        return "–"
    if isinstance(value, Suppressed):
        return str(value)
    if column.kind == RATE:
        return f"{float(value) * 100:.1f}%"
    if column.kind == DAYS:
        if column.cap is not None and value > column.cap:
            return f">{column.cap}"
        return f"{value:g}" if isinstance(value, float) else str(value)
    if column.kind in (COUNT, NUMBER) and isinstance(value, int):
        return f"{value:,}"
    return str(value)


def raw(value: Any, column: Column) -> str:
    """A value as the CSV gives it: plain numbers, percentages without the sign."""
    if value is None:
        return ""
    if isinstance(value, Suppressed):
        return str(value)
    if column.kind == RATE:
        return f"{float(value) * 100:.1f}"
    if column.kind == DAYS and column.cap is not None and value > column.cap:
        return f">{column.cap}"
    return str(value)


def chart_value(value: Any, column: Column) -> float | int | None:
    """A value as a chart plots it (``None``: withheld or unknown, drawn as a gap)."""
    if value is None or isinstance(value, (Suppressed, str)):
        return None
    if column.kind == RATE:
        return round(float(value) * 100, 1)
    return value  # type: ignore[no-any-return]


def csv_response(table: StatTable) -> HttpResponse:
    """The table as CSV, exactly as the page shows it (the same cells withheld), UTF-8 with
    a byte-order mark so that spreadsheet programs read the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(table.row_header), *(str(column.label) for column in table.columns)])
    for row in table.rows:
        writer.writerow(
            [
                str(row.label),
                *(raw(v, column) for v, column in zip(row.values, table.columns, strict=True)),
            ]
        )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.key}.csv"'
    return response


# --- The query a page asks -------------------------------------------------------------------


@dataclass(frozen=True)
class Province:
    pk: int
    code: str
    name: str


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, current = [], month_start(first)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


@dataclass(frozen=True)
class StatsQuery:
    """What a page asks the sections for.

    ``national``: the asker may see every province (a ministry role, or the public page).
    ``provinces``: the provinces the numbers may come from, after the province filter,
    in code order; a section never reports on a province outside it, not even in a total.
    ``month_from`` .. ``month_to``: first days of the first and last month.
    """

    national: bool
    provinces: tuple[Province, ...]
    month_from: dt.date
    month_to: dt.date
    province: Province | None = None  # the province filter, when one was chosen
    category: str = ""
    kind: str = ""
    public: bool = False
    today: dt.date = field(default_factory=timezone.localdate)
    # What the sections of one page share (read once per request).
    memo: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def province_ids(self) -> frozenset[int]:
        return frozenset(p.pk for p in self.provinces)

    @property
    def months(self) -> list[dt.date]:
        return months_between(self.month_from, self.month_to)

    def cache_key(self) -> str:
        """The query as a short stable string (for caches of built tables)."""
        ids = ",".join(str(p.pk) for p in self.provinces)
        return (
            f"{int(self.national)}|{int(self.public)}|{ids}|{self.month_from:%Y%m}|"
            f"{self.month_to:%Y%m}|{self.province.pk if self.province else ''}|"
            f"{self.category}|{self.kind}|{self.today:%Y%m%d}"
        )


# --- Registries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatisticsSection:
    key: str
    title: Promise | str
    order: int
    build: Callable[[StatsQuery], list[StatTable]]
    public: bool = False
    # When the numbers were last computed (sections read from summaries refreshed by a
    # periodic task); ``None``: read live.
    refreshed_at: Callable[[StatsQuery], dt.datetime | None] | None = None
    description: Promise | str = ""
    # For sections read from summaries: a token that changes whenever they do. The pages
    # then keep the rendered section (charts and tables) in the cache under it.
    version: Callable[[StatsQuery], str | None] | None = None
    # For sections read live (small tables): how long the pages may keep the rendered
    # section without a version (0: rendered on every request).
    cache_seconds: int = 0


_SECTIONS: dict[str, StatisticsSection] = {}
# What sections read live may use as ``cache_seconds`` (the pages say how old it may be).
LIVE_CACHE_SECONDS = 300


def register_section(section: StatisticsSection) -> None:
    _SECTIONS[section.key] = section


def sections(*, public: bool) -> list[StatisticsSection]:
    found = [s for s in _SECTIONS.values() if s.public or not public]
    return sorted(found, key=lambda s: (s.order, s.key))


@dataclass(frozen=True)
class Dimension:
    """A filter whose vocabulary an app owns (``category``, ``kind``)."""

    key: str
    label: Promise | str
    choices: Callable[[], Sequence[tuple[str, Promise | str]]]


_DIMENSIONS: dict[str, Dimension] = {}
FILTER_DIMENSIONS = ("category", "kind")


def register_dimension(dimension: Dimension) -> None:
    if dimension.key not in FILTER_DIMENSIONS:
        raise ValueError(f"unknown statistics filter {dimension.key!r}")
    _DIMENSIONS[dimension.key] = dimension


def dimensions() -> Mapping[str, Dimension]:
    return dict(_DIMENSIONS)


# --- Who is a regulator ----------------------------------------------------------------------

# The provincial roles and the permission each holds on its province.
REGIONAL_REGULATOR_ROLES: dict[str, str] = {
    Role.ACCEPTANCE_OFFICER.value: "accept_applications",
    Role.DECISION_OFFICER.value: "decide_applications",
    Role.INSPECTOR.value: "inspect_employers",
    Role.STANDARDS_DRAFTER.value: "draft_filings",
}
NATIONAL_REGULATOR_ROLES = frozenset({Role.MINISTRY_REVIEWER.value, Role.SITE_ADMIN.value})
REGULATOR_ROLES = frozenset(REGIONAL_REGULATOR_ROLES) | NATIONAL_REGULATOR_ROLES


@dataclass(frozen=True)
class RegulatorScope:
    national: bool
    region_ids: frozenset[int]  # with ``national`` unset: the regions of the user's roles


def regulator_scope(user: AnyUser) -> RegulatorScope | None:
    """Where the user regulates, or ``None`` for anyone who is not a regulator.

    National roles see every province. A provincial officer sees the regions where they
    hold the role's permission (``region_ids_for``, with the divisions below them)."""
    names = role_names(user)
    if names & NATIONAL_REGULATOR_ROLES:
        return RegulatorScope(national=True, region_ids=frozenset())
    codenames = [
        REGIONAL_REGULATOR_ROLES[name] for name in sorted(names) if name in REGIONAL_REGULATOR_ROLES
    ]
    if not codenames:
        return None
    ids = region_ids_for(user, *codenames)
    if not ids:
        return None
    return RegulatorScope(national=False, region_ids=ids)
