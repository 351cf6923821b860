"""The statistics kernel (``portal.statistics``) and its pages (``portal.statistics_views``):
small-cell suppression, CSV, who is a regulator, the regulators' page scoped to the
reader's provinces, the public page with small counts withheld, query counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from permits.models import Application
from permits.statistics import statistics_refresh
from portal import statistics, statistics_views
from portal.models import Organization, User
from portal.roles import ROLE_SPECS, Role
from portal.statistics import (
    COUNT,
    DAYS,
    NUMBER,
    RATE,
    Column,
    Row,
    StatTable,
    Suppressed,
    csv_response,
    suppress,
)
from tests.factories import ApplicationFactory, ForeignerFactory, OrganizationFactory, RoleHelper
from tests.factories import region as region_of
from tests.pages import html_of, tr
from tests.statistics_helpers import chart, client_for, csv_rows, number, table, table_rows, url

CHINA = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 6, 15)
MONTHS = {"month_from": "2026-04", "month_to": "2026-06"}
S = Application.State


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statistics_views, "_today", lambda: TODAY)


# --- Suppression -------------------------------------------------------------------------------


def _table(
    rows: list[tuple[str, tuple[Any, ...]]],
    columns: tuple[Column, ...],
    *,
    total_row: bool = False,
    total_column: str = "",
    parts: tuple[str, ...] = (),
) -> StatTable:
    body = [Row(key, key, values) for key, values in rows]
    if total_row:
        sums = tuple(
            sum(row.values[i] for row in body) if c.kind == COUNT else None
            for i, c in enumerate(columns)
        )
        body.append(Row("total", "Total", sums, is_total=True))
    return StatTable(
        key="t",
        caption="T",
        row_header="Row",
        columns=columns,
        rows=tuple(body),
        total_column=total_column,
        part_columns=parts,
    )


def _cells(table: StatTable) -> dict[str, tuple[Any, ...]]:
    return {
        row.key: tuple(str(v) if isinstance(v, Suppressed) else v for v in row.values)
        for row in table.rows
    }


def _hidden_per_line(table: StatTable) -> list[int]:
    """How many cells each line with a total shown withholds (never exactly one)."""
    counts = []
    for line in statistics._lines(table):
        cells = [*line.parts, line.total]
        counts.append(sum(1 for r, c in cells if isinstance(table.rows[r].values[c], Suppressed)))
    return counts


ONE = (Column("n", "n"),)


def test_small_counts_are_withheld_zero_is_kept() -> None:
    shown = suppress(_table([("a", (0,)), ("b", (1,)), ("c", (4,)), ("d", (5,))], ONE), 5)
    assert _cells(shown) == {"a": (0,), "b": ("<5",), "c": ("<5",), "d": (5,)}


def test_numbers_of_things_and_text_are_never_withheld() -> None:
    columns = (Column("entries", "E", NUMBER), Column("name", "N", statistics.TEXT))
    shown = suppress(_table([("a", (3, "x"))], columns), 5)
    assert _cells(shown) == {"a": (3, "x")}


def test_a_cell_of_3_cannot_be_worked_out_from_the_total_row() -> None:
    """Three provinces, 3, 12 and 20, total 35: the 3 is withheld, and so is the next
    smallest, 12; 20 and the total stay."""
    shown = suppress(_table([("gd", (3,)), ("bj", (12,)), ("sh", (20,))], ONE, total_row=True), 5)
    assert _cells(shown) == {"gd": ("<5",), "bj": ("×",), "sh": (20,), "total": (35,)}
    assert all(n != 1 for n in _hidden_per_line(shown))


def test_a_cell_of_3_cannot_be_worked_out_from_the_total_column() -> None:
    columns = (Column("a", "A"), Column("b", "B"), Column("c", "C"), Column("total", "T"))
    shown = suppress(
        _table(
            [("x", (3, 10, 20, 33)), ("y", (6, 7, 8, 21))],
            columns,
            total_column="total",
            parts=("a", "b", "c"),
        ),
        5,
    )
    assert _cells(shown) == {"x": ("<5", "×", 20, 33), "y": (6, 7, 8, 21)}


def test_both_totals_withhold_until_no_line_gives_a_cell_away() -> None:
    columns = (Column("a", "A"), Column("b", "B"), Column("c", "C"), Column("total", "T"))
    rows = [
        ("p1", (3, 40, 50, 93)),
        ("p2", (30, 41, 52, 123)),
        ("p3", (31, 2, 60, 93)),
        ("p4", (0, 44, 0, 44)),
    ]
    shown = suppress(
        _table(rows, columns, total_row=True, total_column="total", parts=("a", "b", "c")), 5
    )
    assert all(n != 1 for n in _hidden_per_line(shown))
    cells = _cells(shown)
    assert cells["p1"][0] == "<5"
    assert cells["p3"][1] == "<5"
    assert cells["p4"] == (0, 44, 0, 44)  # zeros and a row without small counts
    assert cells["total"][3] == 353


def test_a_line_of_one_count_and_zeros_withholds_the_total() -> None:
    columns = (Column("a", "A"), Column("b", "B"), Column("total", "T"))
    shown = suppress(_table([("x", (3, 0, 3))], columns, total_column="total", parts=("a", "b")), 5)
    assert _cells(shown) == {"x": ("<5", 0, "<5")}


def test_derived_values_of_withheld_counts_are_withheld() -> None:
    columns = (
        Column("decided", "D"),
        Column("refused", "R"),
        Column("rate", "Rate", RATE, depends_on=("decided", "refused")),
        Column("median", "M", DAYS, depends_on=("decided",)),
    )
    shown = suppress(_table([("x", (40, 3, 0.075, 7)), ("y", (4, 0, 0.0, 9))], columns), 5)
    assert _cells(shown) == {"x": (40, "<5", "×", 7), "y": ("<5", 0, "×", "×")}


def test_the_threshold_is_a_setting(settings: Any) -> None:
    assert settings.PORTAL_STATISTICS_MIN_CELL == 5
    settings.PORTAL_STATISTICS_MIN_CELL = 3
    assert statistics.min_cell() == 3
    shown = suppress(_table([("a", (2,)), ("b", (3,))], ONE), statistics.min_cell())
    assert _cells(shown) == {"a": ("<3",), "b": (3,)}


def test_display_and_csv_values() -> None:
    rate = Column("r", "R", RATE)
    days = Column("d", "D", DAYS, cap=60)
    count = Column("n", "N")
    assert statistics.display(0.125, rate) == "12.5%"
    assert statistics.display(61, days) == ">60"
    assert statistics.display(7, days) == "7"
    assert statistics.display(1234, count) == "1,234"
    assert statistics.display(None, count) == "–"
    assert statistics.raw(0.125, rate) == "12.5"
    assert statistics.raw(1234, count) == "1234"
    assert statistics.chart_value(Suppressed(5), count) is None
    assert statistics.chart_value(0.125, rate) == 12.5


def test_csv_has_a_byte_order_mark_and_the_withheld_cells() -> None:
    shown = suppress(
        _table([("广东省", (3,)), ("北京市", (12,)), ("上海市", (20,))], ONE, total_row=True), 5
    )
    response = csv_response(shown)
    assert response["Content-Disposition"] == 'attachment; filename="t.csv"'
    assert response.content.startswith("\ufeff".encode())
    assert csv_rows(response) == [
        ["Row", "n"],
        ["广东省", "<5"],
        ["北京市", "×"],
        ["上海市", "20"],
        ["Total", "35"],
    ]


def test_months() -> None:
    assert statistics.add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)
    assert statistics.add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert statistics.months_between(dt.date(2025, 12, 1), dt.date(2026, 2, 1)) == [
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]


def test_unknown_filter_dimensions_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown statistics filter"):
        statistics.register_dimension(statistics.Dimension("colour", "Colour", list))


# --- Who is a regulator ------------------------------------------------------------------------

REGULATORS = {
    Role.ACCEPTANCE_OFFICER,
    Role.DECISION_OFFICER,
    Role.INSPECTOR,
    Role.STANDARDS_DRAFTER,
    Role.MINISTRY_REVIEWER,
    Role.SITE_ADMIN,
}


@pytest.mark.parametrize("role", sorted(ROLE_SPECS))
def test_regulator_scope_of_every_role(roles: RoleHelper, role: str) -> None:
    user = roles.user(role, region_code="310000")
    scope = statistics.regulator_scope(user)
    if role in (Role.MINISTRY_REVIEWER, Role.SITE_ADMIN):
        assert scope is not None
        assert scope.national
    elif role in REGULATORS:
        assert scope is not None
        assert not scope.national
        assert region_of("310000").pk in scope.region_ids
        assert region_of("110000").pk not in scope.region_ids
    else:
        assert scope is None


@pytest.mark.parametrize("role", sorted(ROLE_SPECS))
def test_the_regulators_page_is_for_regulators_only(roles: RoleHelper, role: str) -> None:
    user = roles.user(role, region_code="310000")
    response = client_for(user).get(url("regulators"))
    assert response.status_code == (200 if role in REGULATORS else 404)


def test_the_regulators_page_is_404_for_visitors_and_superusers(db: None) -> None:
    assert Client().get(url("regulators")).status_code == 404
    root = User.objects.create_superuser("root", "root@example.com", "x" * 20)
    assert client_for(root).get(url("regulators")).status_code == 404


# --- The pages with data -----------------------------------------------------------------------


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, tzinfo=CHINA)


def applications(counts: dict[str, int], employer: Organization | None = None) -> None:
    """``counts[province code]`` approved applications of June 2026."""
    employer = employer or OrganizationFactory()
    for code, n in counts.items():
        for i in range(n):
            ApplicationFactory(
                employer=employer,
                created_by__organization=employer,
                state=S.APPROVED,
                region=region_of(code),
                category="ABC"[i % 3],
                foreigner=ForeignerFactory(nationality=("USA", "KOR")[i % 2]),
                submitted_at=at(dt.date(2026, 6, 1)),
                accepted_at=at(dt.date(2026, 6, 2)),
                decided_at=at(dt.date(2026, 6, 9)),
            )


SHANGHAI, BEIJING, GUANGDONG = "310000", "110000", "440000"


def test_a_province_officer_sees_only_their_province(roles: RoleHelper) -> None:
    applications({SHANGHAI: 7, BEIJING: 11})
    statistics_refresh()
    officer = roles.user(Role.DECISION_OFFICER, region_code=SHANGHAI)
    client = client_for(officer)
    html = html_of(client.get(url("regulators", **MONTHS)))
    beijing = region_of(BEIJING).name
    shanghai = region_of(SHANGHAI).name
    assert beijing not in html
    by_province = table(html, "applications_by_province")
    assert list(by_province) == [shanghai, tr("Total")]
    assert number(by_province[tr("Total")][tr("Submitted")]) == 7
    assert number(table(html, "applications_by_month")[tr("Total")][tr("Submitted")]) == 7
    # Every table's CSV, too.
    keys = [key[len("table-") :] for key in statistics_helpers_tables(html)]
    assert "applications_by_nationality" in keys
    for key in keys:
        rows = csv_rows(client.get(url("regulators", **MONTHS, csv=key)))
        assert all(beijing not in cell for row in rows for cell in row), key
        assert all(cell != "11" for row in rows for cell in row), key
    # Asking for another province is refused, and shows their own.
    refused = html_of(client.get(url("regulators", **MONTHS, province=BEIJING)))
    assert beijing not in refused.split('role="alert"')[-1]
    assert number(table(refused, "applications_by_month")[tr("Total")][tr("Submitted")]) == 7


def statistics_helpers_tables(html: str) -> list[str]:
    from tests.statistics_helpers import parse

    return list(parse(html).tables)


def test_the_public_page_withholds_a_cell_of_3(db: None) -> None:
    applications({SHANGHAI: 20, BEIJING: 12, GUANGDONG: 3})
    statistics_refresh()
    response = Client().get(url("public", **MONTHS))
    html = html_of(response)
    assert response["Cache-Control"] == "public, max-age=300"
    rows = table(html, "applications_by_province")
    submitted, total = tr("Submitted"), tr("Total")
    guangdong, beijing = region_of(GUANGDONG).name, region_of(BEIJING).name
    assert rows[guangdong][submitted] == "<5"
    # The total would give the 3 away: the next smallest province is withheld too.
    assert rows[beijing][submitted] == "×"
    assert rows[region_of(SHANGHAI).name][submitted] == "20"
    assert rows[total][submitted] == "35"
    shown = [
        number(row[submitted])
        for label, row in rows.items()
        if label != total and row[submitted] not in ("<5", "×")
    ]
    assert 35 - sum(shown) == 15  # two cells withheld: 3 cannot be told from 12
    # The chart draws no bar for either.
    bars = chart(html, "applications_by_province")
    assert bars[(submitted, guangdong)] == ""
    assert bars[(submitted, beijing)] == ""
    assert bars[(submitted, region_of(SHANGHAI).name)] == "20"
    # The page says what suppression means, with the threshold.
    assert "“&lt;5”" in html or "“<5”" in html
    assert tr("Small numbers are withheld.") in html


def test_the_public_csv_withholds_the_same_cells(db: None) -> None:
    applications({SHANGHAI: 20, BEIJING: 12, GUANGDONG: 3})
    statistics_refresh()
    client = Client()
    html = html_of(client.get(url("public", **MONTHS)))
    for key in ("applications_by_province", "rates_by_province", "processing_by_province"):
        rows = csv_rows(client.get(url("public", **MONTHS, csv=key)))
        shown = [
            [re.sub(r"(?<=\d),(?=\d)|%$|^–$", "", c) for c in row] for row in table_rows(html, key)
        ]
        assert shown == rows
        assert ["<5" in row for row in rows].count(True) >= 1


def test_the_public_page_has_no_cross_tables_within_a_province(db: None) -> None:
    applications({SHANGHAI: 20})
    statistics_refresh()
    national = html_of(Client().get(url("public", **MONTHS)))
    assert "table-applications_by_nationality" in national
    assert "table-credit_by_kind" not in national  # credit records are not public
    shanghai = html_of(Client().get(url("public", **MONTHS, province=SHANGHAI)))
    assert "table-applications_by_nationality" not in shanghai
    assert "table-applications_by_occupation" not in shanghai
    assert "table-applications_by_kind" in shanghai


def test_bad_filters_are_reported_and_the_default_shown(roles: RoleHelper) -> None:
    client = client_for(roles.user(Role.MINISTRY_REVIEWER))
    for params in (
        {"month_from": "2026-13"},
        {"month_from": "June"},
        {"month_from": "2026-06", "month_to": "2026-04"},
        {"month_to": "2026-07"},
        {"month_from": "2010-01"},
        {"category": "Z"},
        {"month_from": "0001-01", "month_to": "9999-12"},
        {"month_from": "2016-01", "month_to": "2026-06"},
    ):
        response = client.get(url("regulators", **params))
        html = html_of(response)
        assert response.status_code == 200
        assert 'role="alert"' in html, params
        assert next(iter(table(html, "applications_by_month"))) == "2025-07", params
    assert client.get(url("regulators", csv="nope")).status_code == 404
    assert Client().get(url("public", csv="credit_by_kind")).status_code == 404


def test_a_refresh_that_changes_the_numbers_shows_on_the_page(roles: RoleHelper) -> None:
    applications({SHANGHAI: 2})
    statistics_refresh()
    client = client_for(roles.user(Role.MINISTRY_REVIEWER))
    before = html_of(client.get(url("regulators", **MONTHS)))
    assert number(table(before, "applications_by_month")["2026-06"][tr("Submitted")]) == 2
    applications({SHANGHAI: 1})
    statistics_refresh()
    after = html_of(client.get(url("regulators", **MONTHS)))
    assert number(table(after, "applications_by_month")["2026-06"][tr("Submitted")]) == 3


def test_the_pages_in_english(roles: RoleHelper) -> None:
    applications({SHANGHAI: 6})
    statistics_refresh()
    with translation.override("en"):
        html = html_of(client_for(roles.user(Role.MINISTRY_REVIEWER)).get(url("regulators", "en")))
        assert "Applications by province" in html
        assert "Shanghai" in html
        public = html_of(Client().get(url("public", "en")))
        assert "Open statistics" in public


def test_the_menu_entries(roles: RoleHelper) -> None:
    visitor = html_of(Client().get(url("public")))
    assert f'href="{url("public")}"' in visitor
    assert f'href="{url("regulators")}"' not in visitor
    officer = html_of(
        client_for(roles.user(Role.INSPECTOR, region_code=SHANGHAI)).get(url("public"))
    )
    assert f'href="{url("regulators")}"' in officer
    employer = html_of(client_for(roles.user(Role.EMPLOYER_ADMIN)).get(url("public")))
    assert f'href="{url("regulators")}"' not in employer


# --- Query counts ------------------------------------------------------------------------------


# Built from the summaries, for a ministry reviewer: session, user, roles, the provinces,
# the refresh state; applications by month, category, kind, province, the occupation
# groups' names and the two finer dimensions; the time limits and two histogram sums;
# permits in force; credit (records by kind, the kinds, records by province); catalogs (the
# published catalogs with their entries, the provinces, two groupings of the
# classification, the major groups); standards (in force, agreements, provinces, their
# routes and bonus rules, the national standard with its routes); the menu's unread
# notifications.
REGULATORS_COLD = 30
# Again: every section from the cache; only the refresh state is read (its version).
REGULATORS_WARM = 6
# The public page: no session; no credit section.
PUBLIC_COLD = 23
PUBLIC_WARM = 2


@pytest.mark.parametrize("many", [False, True])
def test_query_counts_do_not_grow_with_the_data(
    roles: RoleHelper, django_assert_num_queries: Any, many: bool
) -> None:
    applications({SHANGHAI: 30, BEIJING: 20, GUANGDONG: 9} if many else {SHANGHAI: 2})
    statistics_refresh()
    ministry = client_for(roles.user(Role.MINISTRY_REVIEWER))
    officer = client_for(roles.user(Role.DECISION_OFFICER, region_code=SHANGHAI))
    with django_assert_num_queries(REGULATORS_COLD):
        html_of(ministry.get(url("regulators", **MONTHS)))
    with django_assert_num_queries(REGULATORS_WARM):
        html_of(ministry.get(url("regulators", **MONTHS)))
    # A provincial officer: one more (the regions of their role); a cache of their own.
    with django_assert_num_queries(REGULATORS_COLD + 1):
        html_of(officer.get(url("regulators", **MONTHS)))
    with django_assert_num_queries(REGULATORS_WARM + 1):
        html_of(officer.get(url("regulators", **MONTHS)))
    with django_assert_num_queries(PUBLIC_COLD):
        html_of(Client().get(url("public", **MONTHS)))
    with django_assert_num_queries(PUBLIC_WARM):
        html_of(Client().get(url("public", **MONTHS)))


# --- Coverage of the catalogs and standards (live sections) ---------------------------------


def test_catalog_and_standard_coverage(roles: RoleHelper) -> None:
    from portal.models.filing import FilingState
    from tests.catalogs.conftest import SLICE, create_occupations, make_catalog
    from tests.talent_standards.conftest import agreement, make_regional_standard
    from tests.talent_standards.test_api import BONUS, ROUTE

    occupations = create_occupations(SLICE)
    make_catalog(
        SHANGHAI,
        state=FilingState.PUBLISHED,
        effective_from=dt.date(2026, 1, 1),
        expires_on=dt.date(2028, 12, 31),
        entries={"2-02-10-03": {"category": "B"}, "2-02-10-09": {"category": "A"}},
        occupations=occupations,
    )
    make_catalog(  # listing the same occupation: counted once among those covered
        GUANGDONG,
        state=FilingState.PUBLISHED,
        effective_from=dt.date(2026, 3, 1),
        expires_on=dt.date(2029, 2, 28),
        entries={"2-02-10-03": {"category": "B"}},
        occupations=occupations,
    )
    make_catalog(BEIJING, entries={"2-02-10-01": {}}, occupations=occupations)  # a draft
    make_regional_standard(
        GUANGDONG,
        state=FilingState.PUBLISHED,
        effective_from=dt.date(2026, 2, 1),
        expires_on=dt.date(2029, 1, 31),
        routes=[ROUTE],
        bonus_rules=[BONUS],
    )
    ministry = roles.user(Role.MINISTRY_REVIEWER)
    agreement(GUANGDONG, SHANGHAI, effective_from=dt.date(2026, 5, 1), by=ministry)

    html = html_of(client_for(ministry).get(url("regulators", **MONTHS)))
    catalogs = table(html, "catalog_coverage")
    shanghai, guangdong, beijing = (
        region_of(SHANGHAI).name,
        region_of(GUANGDONG).name,
        region_of(BEIJING).name,
    )
    listed, total = tr("Occupations listed"), tr("Total")
    assert catalogs[shanghai][tr("Catalog in force")] == tr("version %(version)s", version=1)
    assert catalogs[shanghai][tr("In force since")] == "2026-01-01"
    assert catalogs[shanghai][listed] == "2"
    assert catalogs[shanghai][tr("of which Category %(category)s", category="A")] == "1"
    assert catalogs[beijing][listed] == "0"
    assert catalogs[beijing][tr("Catalog in force")] == "–"
    assert catalogs[total][tr("Catalog in force")] == tr("%(n)s of %(m)s provinces", n=2, m=31)
    assert catalogs[total][listed] == "3"
    covered = table(html, "catalog_occupations")
    group_two = next(label for label in covered if label.startswith("2 "))
    assert covered[group_two][tr("Listed")] == "2"  # 2-02-10-03 once, 2-02-10-09

    standards = table(html, "standard_coverage")
    assert standards[guangdong][tr("Recognition routes")] == "1"
    assert standards[guangdong][tr("Bonus rules")] == "1"
    assert standards[guangdong][tr("Mutual recognition agreements")] == "1"
    assert standards[shanghai][tr("Mutual recognition agreements")] == "1"
    assert standards[shanghai][tr("Regional standard in force")] == "–"
    assert standards[total][tr("Mutual recognition agreements")] == "1"  # counted once

    # A Shanghai drafter sees Shanghai's row only.
    drafter = roles.user(Role.STANDARDS_DRAFTER, region_code=SHANGHAI)
    own = html_of(client_for(drafter).get(url("regulators", **MONTHS)))
    assert list(table(own, "catalog_coverage")) == [shanghai, total]
    assert guangdong not in own
