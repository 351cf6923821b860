"""``selectors.rules_for``: which rules the engine gets for a job in a region on a date.

* the national standard in force on the date (2017 until 30 September 2025, 2025 from
  1 October 2025) and its points table, or the table asked for;
* the province's regional standard in force on the date (not a draft, an approved or
  withdrawn one, not one scheduled, superseded or lapsed), with its routes and bonus rules;
* the province's average wage of the previous year;
* the catalog entry in force for the occupation;
* a region below a province reads its province's rules;
* ``services.assess`` asks a fixed number of queries, whatever the number of routes and
  bonus rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from portal.models import Region
from portal.models.filing import FilingState
from talent_standards import engine, selectors, services
from talent_standards.models import BonusRule, PointsTable, RecognitionRoute
from tests.catalogs.conftest import SLICE, create_occupations, make_catalog
from tests.talent_standards.conftest import job, make_regional_standard, profile, region, wage

pytestmark = pytest.mark.django_db

S = FilingState
ON = dt.date(2024, 6, 1)
SOFTWARE = "2-02-10-03"


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    with translation.override("en"):
        yield


def rules(region_code: str = "440000", on: dt.date = ON, **kwargs: Any) -> engine.Rules:
    return selectors.rules_for(region=region(region_code), on=on, **kwargs)


def route(code: str, position: int = 100, category: str = "A") -> dict[str, Any]:
    return {
        "code": code,
        "category": category,
        "kind": RecognitionRoute.Kind.OFFICER_JUDGEMENT,
        "title_zh": f"路径{code}",
        "title_en": f"Route {code}",
        "position": position,
    }


def bonus(code: str, points: int = 5) -> dict[str, Any]:
    return {
        "code": code,
        "title_zh": f"加分{code}",
        "title_en": f"Bonus {code}",
        "condition": BonusRule.Condition.ALWAYS,
        "parameters": {},
        "points": points,
    }


# --- The national standard and the points table -----------------------------------------------


@pytest.mark.parametrize(
    ("day", "version"),
    [
        (dt.date(2017, 4, 1), "2017"),
        (dt.date(2024, 6, 1), "2017"),
        (dt.date(2025, 9, 30), "2017"),
        (dt.date(2025, 10, 1), "2025"),
        (dt.date(2031, 1, 1), "2025"),
    ],
)
def test_the_national_standard_in_force_on_the_day(day, version):
    loaded = rules(on=day)
    assert loaded.national_version == version
    assert loaded.on == day
    assert {r.source for r in loaded.routes} == {f"national:{version}"}
    assert loaded.table.version == "2017"  # both versions score with the 2017 table


def test_no_national_standard_before_april_2017():
    with pytest.raises(
        selectors.RulesUnavailable, match="no national standard in force on 2017-03-31"
    ):
        rules(on=dt.date(2017, 3, 31))


def test_the_points_table_asked_for():
    assert rules(table_version="2016-pilot").table.version == "2016-pilot"
    assert rules(table_version="2017").table.version == "2017"
    pilot = {i.key: i.max_points for i in rules(table_version="2016-pilot").table.items}
    assert (pilot["experience"], pilot["chinese"]) == (15, 10)


def test_an_unknown_points_table_is_unavailable():
    with pytest.raises(selectors.RulesUnavailable, match="no points table '2099'"):
        rules(table_version="2099")


def test_the_thresholds_come_from_the_table():
    PointsTable.objects.filter(version="2017").update(threshold_a=90, threshold_b=65)
    table = rules().table
    assert (table.threshold_a, table.threshold_b) == (90, 65)


def test_the_national_routes_in_order_with_their_parameters():
    loaded = rules()
    assert [(r.code, r.category, r.kind) for r in loaded.routes] == [
        ("A-PROGRAMME", "A", "listed_achievement"),
        ("A-ACHIEVEMENT", "A", "listed_achievement"),
        ("A-SALARY", "A", "salary_multiple"),
        ("A-ENTREPRENEUR", "A", "officer_judgement"),
        ("A-YOUNG", "A", "officer_judgement"),
        ("A-POINTS", "A", "points"),
        ("B-DEGREE", "B", "degree_experience"),
        ("B-SKILL", "B", "officer_judgement"),
        ("B-TEACHER", "B", "language_teacher"),
        ("B-SALARY", "B", "salary_multiple"),
        ("B-CATALOG", "B", "catalog_listing"),
        ("B-POINTS", "B", "points"),
    ]
    by_code = {r.code: r for r in loaded.routes}
    assert by_code["A-SALARY"].parameters == {"multiple": 6}
    assert by_code["B-SALARY"].parameters == {"multiple": 4, "max_age": 60}
    assert by_code["B-DEGREE"].parameters == {
        "min_education": "bachelor",
        "min_years": 2,
        "max_age": 60,
    }
    assert [item["code"] for item in by_code["A-ACHIEVEMENT"].parameters["list"]] == [
        "nobel",
        "fields",
        "turing",
        "wolf",
        "lasker",
        "pritzker",
        "academy_member",
        "olympic_champion",
    ]
    assert by_code["B-DEGREE"].evidence == ("Degree certificate", "Proof of work experience")
    assert by_code["B-DEGREE"].title == "Bachelor's degree and 2 years' relevant experience"


def test_the_2025_achievement_list_extends_the_2017_one():
    def codes(day: dt.date) -> list[str]:
        loaded = rules(on=day)
        achievement = next(r for r in loaded.routes if r.code == "A-ACHIEVEMENT")
        return [item["code"] for item in achievement.parameters["list"]]

    old, new = codes(dt.date(2025, 9, 30)), codes(dt.date(2025, 10, 1))
    assert new[: len(old)] == old
    assert new[len(old) :] == ["abel", "kyoto", "breakthrough", "top_journal_editor"]


def test_titles_follow_the_language():
    with translation.override("zh-hans"):
        loaded = rules()
    assert loaded.table.items[0].title == "在华年薪收入（万元）"
    assert loaded.routes[-1].title == "计点积分60分以上"
    assert loaded.region_name == "广东省"


# --- The regional standard in force ---------------------------------------------------------------


def test_the_provinces_regional_standard_in_force_on_the_day():
    standard = make_regional_standard(
        "440000",
        state=S.PUBLISHED,
        effective_from=dt.date(2024, 1, 1),
        expires_on=dt.date(2026, 12, 31),
        routes=[route("A-GD-2", position=20), route("A-GD-1", position=10)],
        bonus_rules=[bonus("GD-B"), bonus("GD-A", points=3)],
    )
    loaded = rules()
    assert loaded.regional_version == f"440000:v{standard.version}" == "440000:v1"
    assert [(r.code, r.source) for r in loaded.routes[-2:]] == [
        ("A-GD-1", "regional:440000:v1"),
        ("A-GD-2", "regional:440000:v1"),
    ]
    assert len(loaded.routes) == 14
    assert [(b.code, b.title, b.condition, b.points) for b in loaded.bonus_rules] == [
        ("GD-A", "Bonus GD-A", "always", 3),
        ("GD-B", "Bonus GD-B", "always", 5),
    ]
    # Its first and last days.
    assert rules(on=dt.date(2024, 1, 1)).regional_version == "440000:v1"
    assert rules(on=dt.date(2026, 12, 31)).regional_version == "440000:v1"
    # Another province sees none of it.
    assert rules("310000").regional_version == ""
    assert rules("310000").bonus_rules == ()


@pytest.mark.parametrize(
    ("state", "start", "end", "superseded_on"),
    [
        pytest.param(S.DRAFT, dt.date(2024, 1, 1), dt.date(2026, 12, 31), None, id="draft"),
        pytest.param(S.APPROVED, dt.date(2024, 1, 1), dt.date(2026, 12, 31), None, id="approved"),
        pytest.param(S.WITHDRAWN, dt.date(2024, 1, 1), dt.date(2026, 12, 31), None, id="withdrawn"),
        pytest.param(
            S.PUBLISHED, dt.date(2024, 6, 2), dt.date(2027, 6, 1), None, id="scheduled-tomorrow"
        ),
        pytest.param(
            S.PUBLISHED, dt.date(2021, 6, 1), dt.date(2024, 5, 31), None, id="lapsed-yesterday"
        ),
        pytest.param(
            S.LAPSED, dt.date(2021, 6, 1), dt.date(2024, 5, 31), None, id="lapsed-durably"
        ),
        pytest.param(
            S.PUBLISHED,
            dt.date(2023, 1, 1),
            dt.date(2026, 12, 31),
            dt.date(2024, 6, 1),
            id="superseded-today",
        ),
        pytest.param(
            S.SUPERSEDED,
            dt.date(2023, 1, 1),
            dt.date(2026, 12, 31),
            dt.date(2024, 3, 1),
            id="superseded-durably",
        ),
    ],
)
def test_a_regional_standard_not_in_force_on_the_day_gives_no_rules(
    state, start, end, superseded_on
):
    make_regional_standard(
        "440000",
        state=state,
        effective_from=start,
        expires_on=end,
        superseded_on=superseded_on,
        routes=[route("A-GD")],
        bonus_rules=[bonus("GD")],
    )
    loaded = rules()
    assert loaded.regional_version == ""
    assert loaded.bonus_rules == ()
    assert [r for r in loaded.routes if r.source.startswith("regional")] == []


def test_the_successor_is_read_from_the_day_it_supersedes():
    make_regional_standard(
        "440000",
        version=1,
        state=S.PUBLISHED,
        effective_from=dt.date(2023, 1, 1),
        expires_on=dt.date(2026, 12, 31),
        superseded_on=dt.date(2024, 6, 1),
        bonus_rules=[bonus("OLD")],
    )
    make_regional_standard(
        "440000",
        version=2,
        state=S.PUBLISHED,
        effective_from=dt.date(2024, 6, 1),
        expires_on=dt.date(2027, 5, 31),
        bonus_rules=[bonus("NEW")],
    )
    before = rules(on=dt.date(2024, 5, 31))
    after = rules(on=dt.date(2024, 6, 1))
    assert (before.regional_version, [b.code for b in before.bonus_rules]) == (
        "440000:v1",
        ["OLD"],
    )
    assert (after.regional_version, [b.code for b in after.bonus_rules]) == (
        "440000:v2",
        ["NEW"],
    )


# --- The average wage of the previous year -----------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year", "amount"),
    [
        (dt.date(2024, 6, 1), 2023, Decimal("120000.00")),
        (dt.date(2024, 1, 1), 2023, Decimal("120000.00")),
        (dt.date(2023, 12, 31), 2022, Decimal("110000.00")),
        (dt.date(2025, 1, 1), 2024, Decimal("130000.00")),
    ],
)
def test_the_average_wage_of_the_previous_year(day, year, amount):
    wage("440000", 2022, 110_000)
    wage("440000", 2023, 120_000)
    wage("440000", 2024, 130_000)
    wage("310000", 2023, 999_999)
    loaded = rules(on=day)
    assert (loaded.average_wage_year, loaded.average_wage) == (year, amount)


def test_no_average_wage_recorded_for_the_previous_year():
    wage("440000", 2024, 130_000)  # this year's: not the one asked for
    loaded = rules()
    assert (loaded.average_wage_year, loaded.average_wage) == (2023, None)


# --- The catalog entry --------------------------------------------------------------------------


@pytest.fixture
def occupations() -> Any:
    return create_occupations(SLICE)


def test_the_catalog_entry_in_force_for_the_occupation(occupations):
    make_catalog(
        "440000",
        state=S.PUBLISHED,
        effective_from=dt.date(2024, 1, 1),
        expires_on=dt.date(2026, 12, 31),
        entries={
            SOFTWARE: {
                "min_education": "master",
                "min_experience_years": 4,
                "min_annual_salary_cny": Decimal("250000"),
                "skills_zh": "软件架构",
                "skills_en": "Software architecture",
            }
        },
        occupations=occupations,
    )
    assert rules(occupation_code=SOFTWARE).catalog_entry == engine.CatalogEntryData(
        catalog_version=1,
        min_education="master",
        min_experience_years=4,
        min_annual_salary_cny=Decimal("250000.00"),
        skills="Software architecture",
    )
    assert rules(occupation_code="2-02-10-09").catalog_entry is None
    assert rules().catalog_entry is None
    assert rules("310000", occupation_code=SOFTWARE).catalog_entry is None
    # Before the catalog's effective date and after its last day: none.
    assert rules(on=dt.date(2023, 12, 31), occupation_code=SOFTWARE).catalog_entry is None
    assert rules(on=dt.date(2027, 1, 1), occupation_code=SOFTWARE).catalog_entry is None


def test_a_catalog_entry_without_a_salary_threshold(occupations):
    make_catalog(
        "440000",
        state=S.PUBLISHED,
        effective_from=dt.date(2024, 1, 1),
        expires_on=dt.date(2026, 12, 31),
        entries={SOFTWARE: {}},
        occupations=occupations,
    )
    assert rules(occupation_code=SOFTWARE).catalog_entry == engine.CatalogEntryData(
        catalog_version=1,
        min_education="none",
        min_experience_years=0,
        min_annual_salary_cny=None,
        skills="",
    )


# --- A region below a province -----------------------------------------------------------------


@pytest.fixture
def pudong() -> Region:
    return Region.objects.create(
        code="310115",
        name_zh="浦东新区",
        name_en="Pudong New Area",
        level=Region.Level.COUNTY,
        parent=region("310000"),
    )


def test_a_county_reads_the_rules_of_its_province(pudong, occupations):
    make_regional_standard(
        "310000",
        state=S.PUBLISHED,
        effective_from=dt.date(2024, 1, 1),
        expires_on=dt.date(2026, 12, 31),
        routes=[route("A-SH")],
        bonus_rules=[bonus("SH")],
        title_zh="上海市外国人才认定标准",
    )
    wage("310000", 2023, 200_000)
    make_catalog(
        "310000",
        state=S.PUBLISHED,
        effective_from=dt.date(2024, 1, 1),
        expires_on=dt.date(2026, 12, 31),
        entries={SOFTWARE: {"min_education": "bachelor"}},
        occupations=occupations,
    )

    loaded = selectors.rules_for(region=pudong, on=ON, occupation_code=SOFTWARE)

    assert loaded.region_name == "Shanghai"
    assert loaded.regional_version == "310000:v1"
    assert [b.code for b in loaded.bonus_rules] == ["SH"]
    assert loaded.routes[-1].code == "A-SH"
    assert loaded.average_wage == Decimal("200000.00")
    assert loaded.catalog_entry is not None
    assert loaded.catalog_entry.min_education == "bachelor"
    assert loaded.region_earns_location_points is False


def test_a_county_flagged_for_location_points_earns_them_in_a_province_that_does_not(pudong):
    Region.objects.filter(pk=pudong.pk).update(is_designated_poverty_area=True)
    pudong.refresh_from_db()
    assert selectors.rules_for(region=pudong, on=ON).region_earns_location_points is True
    assert rules("310000").region_earns_location_points is False


def test_a_county_of_a_western_province_earns_them_from_its_province():
    county = Region.objects.create(
        code="510104",
        name_zh="锦江区",
        name_en="Jinjiang District",
        level=Region.Level.COUNTY,
        parent=region("510000"),
    )
    loaded = selectors.rules_for(region=county, on=ON)
    assert (loaded.region_name, loaded.region_earns_location_points) == ("Sichuan", True)


# --- Queries ----------------------------------------------------------------------------------


def many_parts(n: int) -> None:
    make_regional_standard(
        "440000",
        state=S.PUBLISHED,
        effective_from=dt.date(2024, 1, 1),
        expires_on=dt.date(2026, 12, 31),
        routes=[route(f"A-GD-{i}", position=i) for i in range(n)],
        bonus_rules=[bonus(f"GD-{i}", points=1) for i in range(n)],
    )


@pytest.mark.parametrize("n", [1, 12])
def test_assess_asks_a_fixed_number_of_queries(django_assert_num_queries, occupations, n):
    many_parts(n)
    wage("440000", 2023, 100_000)
    guangdong = region("440000")
    the_job = job("440000", occupation_code=SOFTWARE)

    # 1. the national standard in force (with its table); 2. its routes; 3. the points
    # table; 4. its items; 5. the regional standard in force; 6. its routes; 7. its bonus
    # rules; 8. the average wage; 9. the catalog entry in force.
    with django_assert_num_queries(9):
        result = services.assess(profile=profile(), job=the_job, region=guangdong, on=ON)

    assert len(result.routes) == 12 + n
    assert result.regional_version == "440000:v1"


def test_assess_without_a_regional_standard_or_an_occupation(django_assert_num_queries):
    guangdong = region("440000")
    # The national standard, its routes, the table, its items, the regional standard (none:
    # nothing to prefetch), the average wage; no occupation, no catalog query.
    with django_assert_num_queries(6):
        result = services.assess(profile=profile(), job=job("440000"), region=guangdong, on=ON)
    assert result.regional_version == ""
