"""The recognition engine (``talent_standards.engine``) on the shipped rules.

The rules come from the data of migration 0002 (points tables 2017 and 2016-pilot, the
national standards 2017 and 2025 and their routes) loaded by ``selectors.rules_for`` for a
fixed date, so these tests check the engine and the data together:

* every band edge of every points item, the caps, the best single line of an item, the
  age limits, the bonus cap, the provincial bonus (item 9) and each condition of its rules;
* the category by points at exactly 85 and 60 (and one point below each);
* every route kind: met, not met, needs confirmation, with the reason and the figures;
* the overall category from the routes, and the possible category counting the routes an
  officer still has to confirm.

Reasons are compared in English (the source language).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from portal.models import Region
from portal.models.filing import FilingState
from talent_standards import engine, selectors
from talent_standards.engine import RouteStatus
from talent_standards.models import BonusRule, RecognitionRoute
from tests.catalogs.conftest import SLICE, create_occupations, make_catalog
from tests.talent_standards.conftest import job, make_regional_standard, profile, region, wage

pytestmark = pytest.mark.django_db

ON = dt.date(2024, 6, 1)  # the 2017 standard and points table in force; wages of 2023
ON_2025 = dt.date(2025, 10, 1)  # the first day of the 2025 revision
SOFTWARE = "2-02-10-03"
AI = "2-02-10-09"

NATIONAL_ROUTES = [
    "A-PROGRAMME",
    "A-ACHIEVEMENT",
    "A-SALARY",
    "A-ENTREPRENEUR",
    "A-YOUNG",
    "A-POINTS",
    "B-DEGREE",
    "B-SKILL",
    "B-TEACHER",
    "B-SALARY",
    "B-CATALOG",
    "B-POINTS",
]


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    with translation.override("en"):
        yield


def rules(region_code: str = "310000", on: dt.date = ON, **kwargs: Any) -> engine.Rules:
    return selectors.rules_for(region=region(region_code), on=on, **kwargs)


def score(p: engine.Profile, j: engine.Job | None = None, **kwargs: Any) -> engine.PointsResult:
    j = j or job()
    return engine.score(p, j, rules(j.region_code, **kwargs))


def line(result: engine.PointsResult, key: str) -> engine.PointsLine:
    return next(item for item in result.lines if item.item == key)


def points_of(result: engine.PointsResult) -> dict[str, int]:
    return {item.item: item.points for item in result.lines}


def assess(p: engine.Profile, j: engine.Job | None = None, **kwargs: Any) -> engine.Assessment:
    j = j or job()
    return engine.evaluate(p, j, rules(j.region_code, occupation_code=j.occupation_code, **kwargs))


def route(assessment: engine.Assessment, code: str) -> engine.RouteResult:
    return next(r for r in assessment.routes if r.code == code)


def statuses(assessment: engine.Assessment) -> dict[str, str]:
    return {r.code: str(r.status) for r in assessment.routes}


def in_force_on(day: dt.date, region_code: str = "440000", **kwargs: Any) -> Any:
    """A regional standard published and in force on ``day`` (a year before, two after)."""
    return make_regional_standard(
        region_code,
        state=FilingState.PUBLISHED,
        effective_from=day - dt.timedelta(days=365),
        expires_on=day + dt.timedelta(days=2 * 365),
        **kwargs,
    )


def bonus(code: str, condition: str, parameters: dict[str, Any] | None = None, points: int = 5):
    return {
        "code": code,
        "title_zh": f"加分{code}",
        "title_en": f"Bonus {code}",
        "condition": condition,
        "parameters": parameters or {},
        "points": points,
    }


# --- The shipped tables ----------------------------------------------------------------------


def test_the_2017_table_as_loaded():
    table = rules().table
    assert (table.version, table.threshold_a, table.threshold_b) == ("2017", 85, 60)
    assert [(i.number, i.key, i.title, i.max_points, i.scheme) for i in table.items] == [
        (1, "salary", "Annual salary paid in China (10,000 CNY)", 20, "ranges"),
        (2, "education", "Education or skill", 20, "choices"),
        (3, "experience", "Relevant work experience", 20, "per_year"),
        (4, "months_in_china", "Months a year working in China", 15, "ranges"),
        (5, "chinese", "Chinese language", 5, "choices"),
        (6, "location", "Work location", 10, "location"),
        (7, "age", "Age", 15, "age"),
        (8, "bonus", "Bonus", 5, "any_flag"),
        (9, "provincial_bonus", "Provincial bonus", 10, "provincial"),
    ]
    # 120 points in all, as the domain says.
    assert sum(i.max_points for i in table.items) == 120


def test_the_2016_pilot_differs_only_in_the_caps_of_experience_and_chinese():
    final = {i.key: i for i in rules().table.items}
    pilot = {i.key: i for i in rules(table_version="2016-pilot").table.items}
    assert rules(table_version="2016-pilot").table.version == "2016-pilot"
    assert {k for k in final if final[k].max_points != pilot[k].max_points} == {
        "experience",
        "chinese",
    }
    assert (pilot["experience"].max_points, pilot["chinese"].max_points) == (15, 10)
    assert {k for k in final if final[k].bands != pilot[k].bands} == {"chinese"}


# --- Item 1: salary --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("salary", "expected"),
    [
        (0, 0),
        (49_999, 0),
        (50_000, 5),
        (69_999, 5),
        (70_000, 8),
        (149_999, 8),
        (150_000, 11),
        (249_999, 11),
        (250_000, 14),
        (349_999, 14),
        (350_000, 17),
        (449_999, 17),
        (450_000, 20),
        (5_000_000, 20),
    ],
)
def test_salary_band_edges(salary, expected):
    assert line(score(profile(), job(salary=salary)), "salary").points == expected


def test_salary_well_below_an_edge_stays_in_the_lower_band():
    """49,949 CNY is 4.9949 × 10,000: below 5 (and it stays below when shown rounded)."""
    assert line(score(profile(), job(salary=49_949)), "salary").points == 0
    assert line(score(profile(), job(salary=69_949)), "salary").points == 5


def test_salary_50_yuan_below_an_edge_stays_in_the_lower_band():
    """49,950 CNY is below 50,000: 0 points, although 4.995 rounds to 5.00."""
    assert line(score(profile(), job(salary=49_950)), "salary").points == 0


def test_salary_reasons_name_the_amount_and_the_band():
    assert line(score(profile(), job(salary=450_000)), "salary").reason == (
        "450,000 CNY a year (45 × 10,000) reaches the band from 45: 20 points"
    )
    assert line(score(profile(), job(salary=72_500)), "salary").reason == (
        "72,500 CNY a year (7.25 × 10,000) reaches the band from 7: 8 points"
    )
    assert line(score(profile(), job(salary=40_000)), "salary").reason == (
        "40,000 CNY a year (4 × 10,000) is below every band"
    )


# --- Item 2: education or skill ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("education", "skill", "expected"),
    [
        ("doctorate", "none", 20),
        ("master", "none", 15),
        ("bachelor", "none", 10),
        ("vocational", "none", 0),
        ("none", "none", 0),
        ("none", "top", 20),
        ("none", "technician", 15),
        ("none", "senior_worker", 10),
        ("master", "top", 20),  # the best single line, not the sum
        ("doctorate", "top", 20),
        ("bachelor", "technician", 15),
    ],
)
def test_education_is_the_best_single_line(education, skill, expected):
    result = score(profile(education=education, skill_certificate=skill))
    assert line(result, "education").points == expected


def test_education_reasons():
    assert line(
        score(profile(education="master", skill_certificate="top")), "education"
    ).reason == (
        "best of degree (master's degree) and skill certificate (top vocational certificate): 20"
    )
    assert (
        line(score(profile()), "education").reason == "no degree or skill certificate that scores"
    )


# --- Item 3: experience -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "expected"),
    [("0", 0), ("1.9", 0), ("2", 5), ("2.99", 5), ("3", 6), ("17", 20), ("18", 20), ("30", 20)],
)
def test_experience_2017(years, expected):
    assert line(score(profile(experience_years=years)), "experience").points == expected


@pytest.mark.parametrize(
    ("years", "expected"),
    # 5 at 2 years, +1 a further full year, capped at 15 by the pilot.
    [("1.9", 0), ("2", 5), ("11", 14), ("12", 15), ("13", 15), ("30", 15)],
)
def test_experience_2016_pilot_is_capped_at_15(years, expected):
    result = score(profile(experience_years=years), table_version="2016-pilot")
    assert result.table_version == "2016-pilot"
    assert line(result, "experience").points == expected


def test_experience_reasons():
    assert line(score(profile(experience_years="1.9")), "experience").reason == (
        "1.9 years of relevant experience: under 2"
    )
    assert line(score(profile(experience_years="3.5")), "experience").reason == (
        "3 full years: 5 at 2, +1 a further year"
    )
    assert line(score(profile(experience_years="30")), "experience").reason == (
        "30 full years: 5 at 2, +1 a further year, capped at 20"
    )
    pilot = score(profile(experience_years="13"), table_version="2016-pilot")
    assert line(pilot, "experience").reason == (
        "13 full years: 5 at 2, +1 a further year, capped at 15"
    )


# --- Item 4: months a year in China -------------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        ("0", 0),
        ("2.9", 0),
        ("3", 5),
        ("5.9", 5),
        ("6", 10),
        ("8.9", 10),
        ("9", 15),
        ("12", 15),
    ],
)
def test_months_in_china(months, expected):
    result = score(profile(), job(months_in_china_per_year=months))
    assert line(result, "months_in_china").points == expected


def test_months_reasons():
    def reason(months: str) -> str:
        return line(
            score(profile(), job(months_in_china_per_year=months)), "months_in_china"
        ).reason

    assert reason("12") == "12 months a year in China reaches the band from 9: 15 points"
    assert reason("2.9") == "2.9 months a year in China is below every band"


def test_months_reason_writes_ten_months_plainly():
    result = score(profile(), job(months_in_china_per_year="10"))
    assert line(result, "months_in_china").reason == (
        "10 months a year in China reaches the band from 9: 15 points"
    )


# --- Item 5: Chinese ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hsk", "expected"), [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 5)]
)
def test_chinese_2017(hsk, expected):
    assert line(score(profile(hsk_level=hsk)), "chinese").points == expected


@pytest.mark.parametrize(("hsk", "expected"), [(0, 0), (1, 2), (4, 8), (5, 10), (6, 10)])
def test_chinese_2016_pilot_is_capped_at_10(hsk, expected):
    result = score(profile(hsk_level=hsk), table_version="2016-pilot")
    assert line(result, "chinese").points == expected


@pytest.mark.parametrize(
    ("facts", "table_version", "expected", "reason"),
    [
        ({"former_chinese_national": True}, "", 5, "former Chinese national: 5"),
        ({"chinese_taught_degree": True}, "", 5, "degree taught in Chinese: 5"),
        ({"chinese_taught_degree": True, "hsk_level": 2}, "", 5, "degree taught in Chinese: 5"),
        ({"former_chinese_national": True}, "2016-pilot", 10, "former Chinese national: 10"),
        ({"hsk_level": 4}, "", 4, "HSK 4: 4"),
        ({}, "", 0, "no Chinese language level that scores"),
    ],
)
def test_chinese_other_lines_and_reasons(facts, table_version, expected, reason):
    result = score(profile(**facts), table_version=table_version)
    assert (line(result, "chinese").points, line(result, "chinese").reason) == (expected, reason)


# --- Item 6: work location (data) ---------------------------------------------------------------


def test_location_points_follow_the_regions_flags():
    sichuan = line(score(profile(), job("510000")), "location")
    assert (sichuan.points, sichuan.reason) == (
        10,
        "Sichuan is a western region, a north-east old industrial base or a designated area",
    )
    shanghai = line(score(profile(), job("310000")), "location")
    assert (shanghai.points, shanghai.reason) == (0, "Shanghai does not earn location points")
    liaoning = line(score(profile(), job("210000")), "location")  # north-east old base
    assert liaoning.points == 10


def test_a_region_flag_edited_to_true_earns_the_location_points():
    Region.objects.filter(code="310000").update(is_designated_poverty_area=True)
    assert line(score(profile(), job("310000")), "location").points == 10


# --- Item 7: age --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (18, 10),
        (25, 10),
        (26, 15),
        (45, 15),
        (46, 10),
        (55, 10),
        (56, 5),
        (60, 5),
        (61, 0),
        (80, 0),
    ],
)
def test_age_bands(age, expected):
    assert line(score(profile(age=age)), "age").points == expected


def test_age_reasons():
    assert line(score(profile(age=26)), "age").reason == "age 26, in the band 26-45: 15"
    assert line(score(profile(age=61)), "age").reason == "age 61, 61 and over: 0"


@pytest.mark.parametrize("age", [17, 0])
def test_under_18_cannot_be_scored(age):
    with pytest.raises(engine.EngineInputError) as refused:
        score(profile(age=age))
    assert (refused.value.field, refused.value.message) == (
        "age",
        "Work permits are for people of 18 and over.",
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"education": "phd"}, "education", "Unknown education level."),
        ({"skill_certificate": "gold"}, "skill_certificate", "Unknown skill certificate."),
        ({"hsk_level": 7}, "hsk_level", "HSK levels are 0 to 6."),
        ({"experience_years": "-1"}, "experience_years", "Experience cannot be negative."),
        ({"bonuses": {"nobel", "patents"}}, "bonuses", "Unknown bonus facts: nobel"),
    ],
)
def test_other_profile_inputs_are_checked(values, field, message):
    with pytest.raises(engine.EngineInputError) as refused:
        score(profile(**values))
    assert (refused.value.field, refused.value.message) == (field, message)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"salary": -1}, "annual_salary_cny", "The salary cannot be negative."),
        (
            {"months_in_china_per_year": "12.5"},
            "months_in_china_per_year",
            "Months a year in China are 0 to 12.",
        ),
    ],
)
def test_job_inputs_are_checked(values, field, message):
    with pytest.raises(engine.EngineInputError) as refused:
        score(profile(), job(**values))
    assert (refused.value.field, refused.value.message) == (field, message)


# --- Item 8: bonus ------------------------------------------------------------------------------


def test_bonus_any_one_fact_scores_5():
    for fact in engine.BONUS_FACTS:
        assert line(score(profile(bonuses={fact})), "bonus").points == 5, fact
    assert line(score(profile(bonuses={"patents"})), "bonus").reason == (
        "patents or other intellectual property (at most 5 in all)"
    )


def test_bonus_all_four_facts_are_capped_at_5():
    result = score(profile(bonuses=set(engine.BONUS_FACTS)))
    assert (line(result, "bonus").points, line(result, "bonus").reason) == (
        5,
        "graduate of a well-known foreign university, experience at a Fortune Global 500 "
        "company, patents or other intellectual property, 5 years' continuous work in China "
        "(at most 5 in all)",
    )
    assert line(score(profile()), "bonus").reason == "no bonus fact declared"


# --- Item 9: provincial bonus -------------------------------------------------------------------


def test_no_provincial_bonus_without_a_regional_standard():
    result = score(profile(), job("440000"))
    assert (line(result, "provincial_bonus").points, line(result, "provincial_bonus").reason) == (
        0,
        "Guangdong has no regional standard in force",
    )


def test_provincial_rules_are_summed_and_capped_at_10():
    in_force_on(
        ON,
        bonus_rules=[bonus(code, BonusRule.Condition.ALWAYS) for code in ("R1", "R2", "R3")],
    )
    result = score(profile(), job("440000"))
    assert (line(result, "provincial_bonus").points, line(result, "provincial_bonus").reason) == (
        10,
        "R1 +5, R2 +5, R3 +5 (regional standard 440000:v1), capped at 10",
    )


def test_provincial_rules_below_the_cap_are_summed():
    in_force_on(
        ON,
        bonus_rules=[
            bonus("R1", BonusRule.Condition.ALWAYS, points=3),
            bonus("R2", BonusRule.Condition.ALWAYS, points=4),
        ],
    )
    result = score(profile(), job("440000"))
    assert (line(result, "provincial_bonus").points, line(result, "provincial_bonus").reason) == (
        7,
        "R1 +3, R2 +4 (regional standard 440000:v1)",
    )


def test_provincial_rules_apply_only_in_their_province():
    in_force_on(ON, bonus_rules=[bonus("GD", BonusRule.Condition.ALWAYS)])
    assert line(score(profile(), job("440000")), "provincial_bonus").points == 5
    shanghai = line(score(profile(), job("310000")), "provincial_bonus")
    assert (shanghai.points, shanghai.reason) == (0, "Shanghai has no regional standard in force")


def test_a_regional_standard_without_an_applying_rule_scores_0():
    in_force_on(ON, bonus_rules=[bonus("RICH", "salary_at_least", {"min_annual_salary_cny": "1"})])
    result = score(profile(), job("440000", salary=0))
    assert (line(result, "provincial_bonus").points, line(result, "provincial_bonus").reason) == (
        0,
        "no bonus rule of Guangdong applies",
    )


@pytest.mark.parametrize(
    ("condition", "parameters", "p", "j", "expected", "why"),
    [
        ("always", {}, {}, {}, 5, "every job in the province"),
        (
            "occupation_prefix",
            {"prefixes": ["2-02-10", "2-08"]},
            {},
            {"occupation_code": SOFTWARE},
            5,
            "occupation 2-02-10-03 is in 2-02-10, 2-08",
        ),
        (
            "occupation_prefix",
            {"prefixes": ["2-02-10"]},
            {},
            {"occupation_code": "4-04-05-03"},
            0,
            "occupation 4-04-05-03 is not in 2-02-10",
        ),
        ("occupation_prefix", {"prefixes": ["2-02-10"]}, {}, {}, 0, "the occupation is not given"),
        (
            "salary_at_least",
            {"min_annual_salary_cny": "500000"},
            {},
            {"salary": 500_000},
            5,
            "salary 500,000 against 500,000 CNY",
        ),
        (
            "salary_at_least",
            {"min_annual_salary_cny": "500000"},
            {},
            {"salary": 499_999},
            0,
            "salary 499,999 against 500,000 CNY",
        ),
        (
            "education_at_least",
            {"min_education": "master"},
            {"education": "master"},
            {},
            5,
            "education master's degree against master's degree",
        ),
        (
            "education_at_least",
            {"min_education": "master"},
            {"education": "doctorate"},
            {},
            5,
            "education doctorate against master's degree",
        ),
        (
            "education_at_least",
            {"min_education": "master"},
            {"education": "bachelor"},
            {},
            0,
            "education bachelor's degree against master's degree",
        ),
        (
            "declared_fact",
            {"fact": "nansha_employer"},
            {"declared_facts": {"nansha_employer"}},
            {},
            5,
            "declared: nansha_employer (an officer confirms it)",
        ),
        (
            "declared_fact",
            {"fact": "nansha_employer"},
            {"declared_facts": {"other"}},
            {},
            0,
            "not declared: nansha_employer",
        ),
    ],
)
def test_bonus_rule_conditions(condition, parameters, p, j, expected, why):
    in_force_on(ON, bonus_rules=[bonus("GD-1", condition, parameters)])
    the_job = job("440000", **j)
    the_rules = rules("440000", occupation_code=the_job.occupation_code)
    the_profile = profile(**p)

    result = engine.score(the_profile, the_job, the_rules)

    assert line(result, "provincial_bonus").points == expected
    rule = the_rules.bonus_rules[0]
    applies, reason = engine.bonus_rule_applies(rule, the_profile, the_job, the_rules.catalog_entry)
    assert reason == why
    assert bool(applies) == bool(expected)
    if why == "the occupation is not given":
        assert applies is None  # undecided, and not counted


def test_bonus_rule_catalog_listed_uses_the_catalog_in_force():
    occupations = create_occupations(SLICE)
    in_force_on(ON, bonus_rules=[bonus("GD-CAT", BonusRule.Condition.CATALOG_LISTED)])
    make_catalog(
        "440000",
        state=FilingState.PUBLISHED,
        effective_from=ON - dt.timedelta(days=100),
        expires_on=ON + dt.timedelta(days=1000),
        entries={SOFTWARE: {"min_education": "bachelor"}},
        occupations=occupations,
    )

    def provincial(occupation: str) -> tuple[int, str]:
        the_job = job("440000", occupation_code=occupation)
        result = engine.score(profile(), the_job, rules("440000", occupation_code=occupation))
        return line(result, "provincial_bonus").points, line(result, "provincial_bonus").reason

    assert provincial(SOFTWARE) == (5, "GD-CAT +5 (regional standard 440000:v1)")
    assert provincial(AI) == (0, "no bonus rule of Guangdong applies")
    assert provincial("") == (0, "no bonus rule of Guangdong applies")
    the_rules = rules("440000", occupation_code=AI)
    assert engine.bonus_rule_applies(
        the_rules.bonus_rules[0], profile(), job("440000", occupation_code=AI), None
    ) == (False, "not listed in the province's Guidance Catalog in force")
    assert engine.bonus_rule_applies(the_rules.bonus_rules[0], profile(), job("440000"), None) == (
        None,
        "the occupation is not given",
    )


def test_bonus_rule_catalog_listed_ignores_a_catalog_not_in_force_on_the_day():
    occupations = create_occupations(SLICE)
    in_force_on(ON, bonus_rules=[bonus("GD-CAT", BonusRule.Condition.CATALOG_LISTED)])
    make_catalog(  # lapsed the day before
        "440000",
        state=FilingState.PUBLISHED,
        effective_from=ON - dt.timedelta(days=3 * 365),
        expires_on=ON - dt.timedelta(days=1),
        entries={SOFTWARE: {}},
        occupations=occupations,
    )
    the_job = job("440000", occupation_code=SOFTWARE)
    result = engine.score(profile(), the_job, rules("440000", occupation_code=SOFTWARE))
    assert line(result, "provincial_bonus").points == 0


# --- Totals and categories by points --------------------------------------------------------------

# Exactly 85 in Shanghai (no location points, no regional standard) on the 2017 table:
#   salary 450,000 → 20; doctorate → 20; 12 years → 5 + 10 = 15; 12 months → 15;
#   HSK 0 → 0; Shanghai → 0; age 30 → 15; no bonus → 0; no provincial bonus → 0.  = 85
AT_85 = {"education": "doctorate", "experience_years": "12", "age": 30}
# Exactly 60: salary 150,000 → 11; bachelor → 10; 2 years → 5; 9 months → 15; HSK 4 → 4;
#   Shanghai → 0; age 30 → 15; no bonus → 0; no provincial bonus → 0.  = 60
AT_60 = {"education": "bachelor", "experience_years": "2", "hsk_level": 4, "age": 30}
AT_60_JOB = {"salary": 150_000, "months_in_china_per_year": "9"}


def test_exactly_85_is_category_a_and_the_lines_explain_it():
    result = score(profile(**AT_85), job(salary=450_000))
    assert [(x.item, x.number, x.title, x.points, x.max) for x in result.lines] == [
        ("salary", 1, "Annual salary paid in China (10,000 CNY)", 20, 20),
        ("education", 2, "Education or skill", 20, 20),
        ("experience", 3, "Relevant work experience", 15, 20),
        ("months_in_china", 4, "Months a year working in China", 15, 15),
        ("chinese", 5, "Chinese language", 0, 5),
        ("location", 6, "Work location", 0, 10),
        ("age", 7, "Age", 15, 15),
        ("bonus", 8, "Bonus", 0, 5),
        ("provincial_bonus", 9, "Provincial bonus", 0, 10),
    ]
    assert (result.total, result.category, result.table_version) == (85, "A", "2017")
    assert result.total == sum(x.points for x in result.lines)


def test_84_is_category_b():
    result = score(profile(**(AT_85 | {"experience_years": "11"})), job(salary=450_000))
    assert points_of(result)["experience"] == 14
    assert (result.total, result.category) == (84, "B")


def test_exactly_60_is_category_b():
    result = score(profile(**AT_60), job(**AT_60_JOB))
    assert points_of(result) == {
        "salary": 11,
        "education": 10,
        "experience": 5,
        "months_in_china": 15,
        "chinese": 4,
        "location": 0,
        "age": 15,
        "bonus": 0,
        "provincial_bonus": 0,
    }
    assert (result.total, result.category) == (60, "B")


def test_59_is_category_c():
    result = score(profile(**(AT_60 | {"hsk_level": 3})), job(**AT_60_JOB))
    assert points_of(result)["chinese"] == 3
    assert (result.total, result.category) == (59, "C")


def test_the_maximum_is_120():
    in_force_on(ON, region_code="510000", bonus_rules=[bonus("SC", "always", points=10)])
    result = score(
        profile(
            age=30,
            education="doctorate",
            experience_years="40",
            hsk_level=6,
            bonuses={"patents"},
        ),
        job("510000", salary=1_000_000),
    )
    assert all(x.points == x.max for x in result.lines)
    assert (result.total, result.category) == (120, "A")


def test_the_pilot_table_is_named_and_can_change_the_category():
    """13 years and HSK 5 score 16 + 5 on the 2017 table, 15 + 10 on the pilot."""
    p = profile(education="bachelor", experience_years="13", hsk_level=5, age=30)
    j = job(salary=150_000, months_in_china_per_year="9")
    final = score(p, j)
    pilot = score(p, j, table_version="2016-pilot")
    assert (final.table_version, final.total) == ("2017", 11 + 10 + 16 + 15 + 5 + 15)
    assert (pilot.table_version, pilot.total) == ("2016-pilot", 11 + 10 + 15 + 15 + 10 + 15)


# --- Routes: points -------------------------------------------------------------------------------


def test_points_routes_at_the_thresholds():
    at_85 = assess(profile(**AT_85), job(salary=450_000))
    assert (route(at_85, "A-POINTS").status, route(at_85, "A-POINTS").reason) == (
        RouteStatus.MET,
        "85 points against 85 (table 2017)",
    )
    assert route(at_85, "A-POINTS").figures == {"points": 85, "threshold": 85, "table": "2017"}
    at_84 = assess(profile(**(AT_85 | {"experience_years": "11"})), job(salary=450_000))
    assert (route(at_84, "A-POINTS").status, route(at_84, "A-POINTS").reason) == (
        RouteStatus.NOT_MET,
        "84 points against 85 (table 2017)",
    )
    assert route(at_84, "B-POINTS").status == RouteStatus.MET
    at_60 = assess(profile(**AT_60), job(**AT_60_JOB))
    assert (route(at_60, "B-POINTS").status, route(at_60, "B-POINTS").reason) == (
        RouteStatus.MET,
        "60 points against 60 (table 2017)",
    )
    at_59 = assess(profile(**(AT_60 | {"hsk_level": 3})), job(**AT_60_JOB))
    assert route(at_59, "B-POINTS").status == RouteStatus.NOT_MET
    assert route(at_59, "B-POINTS").reason == "59 points against 60 (table 2017)"


def test_points_routes_name_the_pilot_table_when_it_scored():
    result = assess(profile(**AT_85), job(salary=450_000), table_version="2016-pilot")
    assert route(result, "A-POINTS").reason == "85 points against 85 (table 2016-pilot)"
    assert result.points.table_version == "2016-pilot"


# --- Routes: salary multiple ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "salary", "status"),
    [
        ("A-SALARY", 1_200_000, RouteStatus.MET),  # exactly 6 × 200,000
        ("A-SALARY", 1_199_999, RouteStatus.NOT_MET),
        ("B-SALARY", 800_000, RouteStatus.MET),  # exactly 4 × 200,000
        ("B-SALARY", 799_999, RouteStatus.NOT_MET),
    ],
)
def test_salary_multiple_of_the_previous_years_average_wage(code, salary, status):
    wage("310000", 2023, 200_000)
    wage("310000", 2024, 900_000)  # the current year's: not the one compared with
    assert route(assess(profile(), job(salary=salary)), code).status == status


def test_salary_multiple_reason_and_figures():
    wage("310000", 2023, 200_000)
    result = route(assess(profile(), job(salary=1_200_000)), "A-SALARY")
    assert result.reason == (
        "salary 1,200,000 against 6 × 200,000 (Shanghai, 2023) = 1,200,000 CNY"
    )
    assert result.figures == {
        "salary": "1200000",
        "average_wage": "200000.00",
        "year": 2023,
        "multiple": "6",
        "needed": "1200000.00",
    }
    assert result.evidence == (
        "Employment contract or salary statement",
        "Individual income tax records",
    )
    assert result.source == "national:2017"


def test_salary_multiple_without_a_recorded_wage_needs_confirmation():
    wage("310000", 2022, 190_000)  # an older year does not stand in
    result = assess(profile(), job(salary=5_000_000))
    for code, multiple in (("A-SALARY", "6"), ("B-SALARY", "4")):
        found = route(result, code)
        assert found.status == RouteStatus.NEEDS_CONFIRMATION
        assert found.reason == (
            "no average wage of Shanghai for 2023 is recorded: an officer checks the "
            "published figure"
        )
        assert found.figures == {"multiple": multiple, "year": 2023}


# --- Routes: salary amount (regional) -------------------------------------------------------------


def salary_route(amount: str = "1000000") -> dict[str, Any]:
    return {
        "code": "A-GD-SALARY",
        "category": "A",
        "kind": RecognitionRoute.Kind.SALARY_AMOUNT,
        "title_zh": "在粤年薪不低于100万元",
        "title_en": "Annual salary in Guangdong of at least 1,000,000 CNY",
        "evidence_en": "Employment contract",
        "parameters": {"min_annual_salary_cny": amount},
        "position": 100,
    }


@pytest.mark.parametrize(
    ("salary", "status", "reason"),
    [
        (1_000_000, RouteStatus.MET, "salary 1,000,000 against 1,000,000 CNY"),
        (999_999, RouteStatus.NOT_MET, "salary 999,999 against 1,000,000 CNY"),
    ],
)
def test_salary_amount_route_of_a_regional_standard(salary, status, reason):
    in_force_on(ON, routes=[salary_route()])
    result = assess(profile(), job("440000", salary=salary))
    found = route(result, "A-GD-SALARY")
    assert (found.status, found.reason, found.source) == (status, reason, "regional:440000:v1")
    assert found.figures == {"salary": str(salary), "minimum": "1000000"}
    assert [r.code for r in result.routes] == [*NATIONAL_ROUTES, "A-GD-SALARY"]
    assert result.regional_version == "440000:v1"


def test_a_regional_route_is_not_offered_in_another_province():
    in_force_on(ON, routes=[salary_route()])
    result = assess(profile(), job("310000", salary=2_000_000))
    assert [r.code for r in result.routes] == NATIONAL_ROUTES
    assert result.regional_version == ""


# --- Routes: degree and experience ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("education", "years", "status"),
    [
        ("bachelor", "2", RouteStatus.MET),
        ("doctorate", "2", RouteStatus.MET),
        ("bachelor", "1.9", RouteStatus.NOT_MET),
        ("none", "10", RouteStatus.NOT_MET),
        ("vocational", "10", RouteStatus.NOT_MET),
    ],
)
def test_degree_and_experience_route(education, years, status):
    result = assess(profile(education=education, experience_years=years))
    assert route(result, "B-DEGREE").status == status


def test_degree_and_experience_reason_and_figures():
    found = route(assess(profile(education="bachelor", experience_years="1.9")), "B-DEGREE")
    assert found.reason == (
        "education bachelor's degree against bachelor's degree; 1 years of relevant "
        "experience against 2"
    )
    assert found.figures == {
        "education": "bachelor",
        "min_education": "bachelor",
        "experience_years": 1,
        "min_years": 2,
    }


# --- Routes: language teacher ---------------------------------------------------------------------

TEACHER = {"education": "bachelor", "teaches_language": "en", "native_language": "en"}


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ({"teaching_years": "2"}, RouteStatus.MET),
        ({"teaching_years": "0", "teaching_qualification": True}, RouteStatus.MET),
        ({"teaching_years": "1.9"}, RouteStatus.NOT_MET),
        ({"teaching_years": "5", "native_language": "fr"}, RouteStatus.NOT_MET),
        ({"teaching_years": "5", "education": "none"}, RouteStatus.NOT_MET),
        ({"teaching_years": "5", "teaches_language": ""}, RouteStatus.NOT_MET),
    ],
)
def test_language_teacher_route(values, status):
    assert route(assess(profile(**(TEACHER | values))), "B-TEACHER").status == status


def test_language_teacher_reasons():
    met = route(assess(profile(**TEACHER, teaching_qualification=True)), "B-TEACHER")
    assert met.reason == (
        "teaches en, native en; education bachelor's degree against bachelor's degree; "
        "0 years' teaching against 2 or a teaching qualification (yes)"
    )
    assert met.figures == {
        "native_speaker": True,
        "education": "bachelor",
        "teaching_years": 0,
        "teaching_qualification": True,
    }
    not_teacher = route(assess(profile(education="bachelor")), "B-TEACHER")
    assert (not_teacher.status, not_teacher.reason) == (
        RouteStatus.NOT_MET,
        "not a language teaching post",
    )


# --- Routes: catalog listing ----------------------------------------------------------------------


@pytest.fixture
def shanghai_catalog() -> Any:
    """Shanghai's catalog in force on ON: software engineers with a bachelor's degree, 3
    years and 300,000 CNY; AI engineers with the same and a skill an officer checks."""
    occupations = create_occupations(SLICE)
    return make_catalog(
        "310000",
        state=FilingState.PUBLISHED,
        effective_from=ON - dt.timedelta(days=100),
        expires_on=ON + dt.timedelta(days=1000),
        entries={
            SOFTWARE: {
                "min_education": "bachelor",
                "min_experience_years": 3,
                "min_annual_salary_cny": Decimal("300000"),
            },
            AI: {
                "min_education": "bachelor",
                "min_experience_years": 3,
                "min_annual_salary_cny": Decimal("300000"),
                "skills_zh": "机器学习项目经验",
                "skills_en": "Machine learning project experience",
            },
        },
        occupations=occupations,
    )


LISTED = {"education": "bachelor", "experience_years": "3"}


def test_catalog_listing_met_when_listed_and_every_figure_is_met(shanghai_catalog):
    found = route(
        assess(profile(**LISTED), job(salary=300_000, occupation_code=SOFTWARE)), "B-CATALOG"
    )
    assert (found.status, found.reason) == (
        RouteStatus.MET,
        "listed in the Guidance Catalog of Shanghai (version 1) and every requirement is met",
    )
    assert found.figures == {
        "occupation": SOFTWARE,
        "catalog_version": 1,
        "min_education": "bachelor",
        "min_experience_years": 3,
        "min_annual_salary_cny": "300000.00",
    }


def test_catalog_listing_with_skills_needs_confirmation(shanghai_catalog):
    found = route(assess(profile(**LISTED), job(salary=300_000, occupation_code=AI)), "B-CATALOG")
    assert (found.status, found.reason) == (
        RouteStatus.NEEDS_CONFIRMATION,
        "listed (catalog version 1) and the figures are met; an officer confirms the "
        "required skills: Machine learning project experience",
    )


def test_catalog_listing_names_every_shortfall(shanghai_catalog):
    found = route(
        assess(
            profile(education="none", experience_years="2.5"),
            job(salary=299_999, occupation_code=AI),
        ),
        "B-CATALOG",
    )
    assert (found.status, found.reason) == (
        RouteStatus.NOT_MET,
        "education no degree below bachelor's degree; 2 years of experience below 3; "
        "salary 299,999 below 300,000 CNY",
    )


@pytest.mark.parametrize(
    ("values", "salary", "reason"),
    [
        (
            {"education": "vocational"},
            300_000,
            "education vocational qualification below bachelor's degree",
        ),
        ({"experience_years": "2.99"}, 300_000, "2 years of experience below 3"),
        ({}, 299_999, "salary 299,999 below 300,000 CNY"),
    ],
)
def test_catalog_listing_each_shortfall(shanghai_catalog, values, salary, reason):
    found = route(
        assess(profile(**(LISTED | values)), job(salary=salary, occupation_code=SOFTWARE)),
        "B-CATALOG",
    )
    assert (found.status, found.reason) == (RouteStatus.NOT_MET, reason)


def test_catalog_listing_not_listed_or_not_given(shanghai_catalog):
    unlisted = route(
        assess(profile(**LISTED), job(salary=300_000, occupation_code="2-02-14-01")),
        "B-CATALOG",
    )
    assert (unlisted.status, unlisted.reason) == (
        RouteStatus.NOT_MET,
        "2-02-14-01 is not listed in the Guidance Catalog of Shanghai in force",
    )
    assert unlisted.figures == {"occupation": "2-02-14-01"}
    not_given = route(assess(profile(**LISTED), job(salary=300_000)), "B-CATALOG")
    assert (not_given.status, not_given.reason) == (
        RouteStatus.NOT_MET,
        "the occupation is not given",
    )


def test_catalog_listing_in_another_province_does_not_count(shanghai_catalog):
    found = route(
        assess(profile(**LISTED), job("440000", salary=300_000, occupation_code=SOFTWARE)),
        "B-CATALOG",
    )
    assert (found.status, found.reason) == (
        RouteStatus.NOT_MET,
        f"{SOFTWARE} is not listed in the Guidance Catalog of Guangdong in force",
    )


# --- Routes: listed achievement -------------------------------------------------------------------


def test_a_declared_listed_achievement_needs_confirmation():
    found = route(assess(profile(achievements={"nobel", "turing", "made_up"})), "A-ACHIEVEMENT")
    assert (found.status, found.reason) == (
        RouteStatus.NEEDS_CONFIRMATION,
        "declared: nobel, turing; an officer confirms the evidence",
    )
    assert found.figures == {"declared": ["nobel", "turing"]}
    assert found.evidence == ("Prize certificate or academy membership",)


def test_an_unlisted_achievement_is_not_met():
    found = route(assess(profile(achievements={"pulitzer"})), "A-ACHIEVEMENT")
    assert (found.status, found.reason) == (
        RouteStatus.NOT_MET,
        "no listed achievement or programme declared",
    )


def test_a_talent_programme_needs_confirmation():
    found = route(assess(profile(achievements={"national_talent_programme"})), "A-PROGRAMME")
    assert (found.status, found.reason) == (
        RouteStatus.NEEDS_CONFIRMATION,
        "declared: national_talent_programme; an officer confirms the evidence",
    )


def test_the_2025_list_has_achievements_the_2017_list_lacks():
    p = profile(achievements={"abel"})
    under_2017 = assess(p, on=ON_2025 - dt.timedelta(days=1))
    under_2025 = assess(p, on=ON_2025)
    assert (under_2017.national_version, under_2025.national_version) == ("2017", "2025")
    assert route(under_2017, "A-ACHIEVEMENT").status == RouteStatus.NOT_MET
    assert route(under_2025, "A-ACHIEVEMENT").status == RouteStatus.NEEDS_CONFIRMATION
    assert route(under_2025, "A-ACHIEVEMENT").source == "national:2025"
    assert [r.code for r in under_2025.routes] == NATIONAL_ROUTES


# --- Routes: officer judgement --------------------------------------------------------------------


def test_officer_judgement_routes():
    declared = assess(profile(achievements={"A-ENTREPRENEUR", "B-SKILL"}))
    for code in ("A-ENTREPRENEUR", "B-SKILL"):
        assert (route(declared, code).status, route(declared, code).reason) == (
            RouteStatus.NEEDS_CONFIRMATION,
            "declared; an officer assesses the evidence",
        )
    plain = assess(profile())
    assert (route(plain, "A-ENTREPRENEUR").status, route(plain, "A-ENTREPRENEUR").reason) == (
        RouteStatus.NOT_MET,
        "not declared",
    )


def test_outstanding_young_talent_has_an_age_limit_of_40():
    at_40 = assess(profile(age=40, achievements={"A-YOUNG"}))
    assert route(at_40, "A-YOUNG").status == RouteStatus.NEEDS_CONFIRMATION
    at_41 = route(assess(profile(age=41, achievements={"A-YOUNG"})), "A-YOUNG")
    assert (at_41.status, at_41.reason, at_41.figures) == (
        RouteStatus.NOT_MET,
        "age 41 is over the limit of 40",
        {"age": 41, "max_age": 40},
    )


# --- Routes: age limit of Category B --------------------------------------------------------------

# A profile that meets every B route the machine decides, whatever the age.
EVERY_B = {
    "education": "doctorate",
    "experience_years": "20",
    "teaches_language": "en",
    "native_language": "en",
    "teaching_years": "5",
    "hsk_level": 6,
    "bonuses": {"patents"},
    "achievements": {"B-SKILL"},
}


def test_b_routes_at_60_are_open(shanghai_catalog):
    wage("310000", 2023, 100_000)
    result = assess(profile(age=60, **EVERY_B), job(salary=1_000_000, occupation_code=SOFTWARE))
    assert {code: s for code, s in statuses(result).items() if code.startswith("B-")} == {
        "B-DEGREE": "met",
        "B-SKILL": "needs_confirmation",
        "B-TEACHER": "met",
        "B-SALARY": "met",
        "B-CATALOG": "met",
        "B-POINTS": "met",
    }


@pytest.mark.parametrize(
    "code",
    [
        "B-DEGREE",
        "B-SKILL",
        "B-TEACHER",
        "B-SALARY",
        "B-CATALOG",
        "B-POINTS",
    ],
)
def test_b_routes_at_61_are_not_met_with_the_reason(shanghai_catalog, code):
    wage("310000", 2023, 100_000)
    result = assess(profile(age=61, **EVERY_B), job(salary=1_000_000, occupation_code=SOFTWARE))
    found = route(result, code)
    assert (found.status, found.reason, found.figures) == (
        RouteStatus.NOT_MET,
        "age 61 is over the limit of 60",
        {"age": 61, "max_age": 60},
    )


def test_a_routes_have_no_age_limit_but_young_talent():
    wage("310000", 2023, 100_000)
    result = assess(profile(age=75, achievements={"nobel"}), job(salary=600_000))
    assert route(result, "A-SALARY").status == RouteStatus.MET
    assert route(result, "A-ACHIEVEMENT").status == RouteStatus.NEEDS_CONFIRMATION


# --- The overall category -------------------------------------------------------------------------


def test_category_a_when_an_a_route_is_met():
    wage("310000", 2023, 100_000)
    result = assess(profile(education="bachelor", experience_years="5"), job(salary=600_000))
    assert route(result, "A-SALARY").status == RouteStatus.MET
    assert (result.category, result.possible_category) == ("A", "A")


def test_category_b_when_no_a_route_but_a_b_route_is_met():
    wage("310000", 2023, 100_000)
    result = assess(profile(education="bachelor", experience_years="2"), job(salary=10_000))
    met = [code for code, s in statuses(result).items() if s == "met"]
    assert met == ["B-DEGREE"]
    assert (result.category, result.possible_category) == ("B", "B")


def test_category_c_when_no_route_is_met():
    result = assess(profile(), job(salary=10_000))
    # 0 + 0 + 0 + 15 (months) + 0 + 0 + 15 (age 30) + 0 + 0
    assert result.points.total == 30
    assert [code for code, s in statuses(result).items() if s != "not_met"] == [
        "A-SALARY",
        "B-SALARY",
    ]  # no average wage recorded: an officer checks
    wage("310000", 2023, 100_000)
    result = assess(profile(), job(salary=10_000))
    assert set(statuses(result).values()) == {"not_met"}
    assert (result.category, result.possible_category) == ("C", "C")
    assert result.needs_confirmation == ()


def test_possible_category_counts_routes_awaiting_confirmation():
    wage("310000", 2023, 100_000)
    result = assess(profile(achievements={"nobel"}), job(salary=10_000))
    assert (result.category, result.possible_category) == ("C", "A")
    assert [r.code for r in result.needs_confirmation] == ["A-ACHIEVEMENT"]

    result = assess(
        profile(education="bachelor", experience_years="2", achievements={"A-ENTREPRENEUR"}),
        job(salary=10_000),
    )
    assert (result.category, result.possible_category) == ("B", "A")

    result = assess(profile(achievements={"B-SKILL"}), job(salary=10_000))
    assert (result.category, result.possible_category) == ("C", "B")


def test_the_assessment_names_its_date_and_versions():
    in_force_on(ON, bonus_rules=[bonus("GD", "always")])
    result = assess(profile(), job("440000"))
    assert (result.on, result.national_version, result.regional_version) == (
        ON,
        "2017",
        "440000:v1",
    )
    assert result.points.table_version == "2017"


def test_evaluate_is_pure_on_hand_built_rules():
    """The engine reads nothing: hand-built rules give the same answer as loaded ones."""
    loaded = rules()
    hand_built = engine.Rules(
        on=ON,
        table=loaded.table,
        national_version="test",
        routes=(
            engine.RouteRule(
                code="B-X",
                category="B",
                kind="salary_amount",
                title="Salary",
                evidence=(),
                parameters={"min_annual_salary_cny": 100, "max_age": 60},
                source="national:test",
            ),
        ),
        region_name="Nowhere",
        region_earns_location_points=True,
        average_wage=None,
        average_wage_year=2023,
    )
    result = engine.evaluate(profile(), job(salary=100), hand_built)
    assert result.category == "B"
    assert line(result.points, "location").reason == (
        "Nowhere is a western region, a north-east old industrial base or a designated area"
    )
    with pytest.raises(ValueError, match="route kind 'teleport' is unknown"):
        engine.evaluate_route(
            engine.RouteRule("X", "A", "teleport", "", (), {}, "x"),
            profile(),
            job(),
            hand_built,
            result.points,
        )


# --- Routes: salary multiple of a regional standard -------------------------------------------


def multiple_route(multiple: str) -> dict[str, Any]:
    return {
        "code": "A-GD-MULTIPLE",
        "category": "A",
        "kind": RecognitionRoute.Kind.SALARY_MULTIPLE,
        "title_zh": "年薪不低于上年度当地平均工资若干倍",
        "title_en": "Salary a multiple of the local average wage",
        "parameters": {"multiple": multiple},
        "position": 110,
    }


def test_a_regional_salary_multiple_route_uses_its_own_multiple():
    wage("440000", 2023, 100_000)
    in_force_on(ON, routes=[multiple_route("8")])
    met = route(assess(profile(), job("440000", salary=800_000)), "A-GD-MULTIPLE")
    assert (met.status, met.reason) == (
        RouteStatus.MET,
        "salary 800,000 against 8 × 100,000 (Guangdong, 2023) = 800,000 CNY",
    )
    short = route(assess(profile(), job("440000", salary=799_999)), "A-GD-MULTIPLE")
    assert short.status == RouteStatus.NOT_MET


def test_a_multiple_of_ten_is_written_plainly():
    wage("440000", 2023, 100_000)
    in_force_on(ON, routes=[multiple_route("10")])
    found = route(assess(profile(), job("440000", salary=1_000_000)), "A-GD-MULTIPLE")
    assert found.reason == (
        "salary 1,000,000 against 10 × 100,000 (Guangdong, 2023) = 1,000,000 CNY"
    )
