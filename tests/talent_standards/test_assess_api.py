"""``POST /api/v1/points/assess``: the points table applied to a profile and a job.

Public (no sign-in), throttled at 30 requests a minute per address by its own scope
(``API_THROTTLE_POINTS``; off with ``API_THROTTLE_ENABLED=false``, as in the tests), JSON
in and out exactly as issue 4 says; bad input answers 400 with the project's error shape
and the messages of each field, never 500. Profiles are built on the 2017 table (migration
0002) from a base profile worth exactly 85 points in Sichuan, which earns the location
points. Every request is sent with ``Accept-Language: en`` so that reasons compare exactly.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from rest_framework.test import APIClient

from portal.models import Region
from talent_standards import engine, selectors, services
from talent_standards.api import (
    ASSESS_EXAMPLE_IN,
    ASSESS_EXAMPLE_OUT,
    PointsAssessView,
    PointsRateThrottle,
)
from talent_standards.models import BonusRule
from tests.pages import raw_tr
from tests.talent_standards.conftest import in_force, wage

pytestmark = pytest.mark.django_db

URL = "/api/v1/points/assess"
INVALID = "The request has invalid fields. Correct them and send it again."

# 85 points on the 2017 table in Sichuan (a western region): 14 + 15 + 8 + 15 + 3 + 10 + 15
# + 5 + 0.
BASE: dict[str, Any] = {
    "annual_salary_cny": 250000,
    "education": "master",
    "experience_years": 5,
    "months_in_china_per_year": 12,
    "hsk_level": 3,
    "region": "510000",
    "age": 30,
    "bonuses": ["patents"],
}

UNKNOWN_REGION = "Unknown region: give a GB/T 2260 code, e.g. 310000 (Shanghai) or 310115 (Pudong)."


def post(payload: Any, status: int = 200, language: str = "en", **extra: Any) -> Any:
    response = APIClient(HTTP_ACCEPT_LANGUAGE=language).post(URL, payload, format="json", **extra)
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def assess(**changes: Any) -> dict[str, Any]:
    return post(BASE | changes)


def line(result: dict[str, Any], item: str) -> dict[str, Any]:
    return next(row for row in result["lines"] if row["item"] == item)


def points(result: dict[str, Any], item: str) -> int:
    return int(line(result, item)["points"])


def invalid(fields: dict[str, list[str]]) -> dict[str, Any]:
    return {"code": "invalid", "message": INVALID, "fields": fields}


# --- Three profiles, exactly ---------------------------------------------------------------------


def test_a_at_exactly_85_points() -> None:
    assert assess() == {
        "total": 85,
        "category": "A",
        "table_version": "2017",
        "lines": [
            {
                "item": "salary",
                "points": 14,
                "max": 20,
                "reason": "250,000 CNY a year (25 × 10,000) reaches the band from 25: 14 points",
            },
            {
                "item": "education",
                "points": 15,
                "max": 20,
                "reason": "best of degree (master's degree) and skill certificate "
                "(no skill certificate): 15",
            },
            {
                "item": "experience",
                "points": 8,
                "max": 20,
                "reason": "5 full years: 5 at 2, +1 a further year",
            },
            {
                "item": "months_in_china",
                "points": 15,
                "max": 15,
                "reason": "12 months a year in China reaches the band from 9: 15 points",
            },
            {"item": "chinese", "points": 3, "max": 5, "reason": "HSK 3: 3"},
            {
                "item": "location",
                "points": 10,
                "max": 10,
                "reason": "Sichuan is a western region, a north-east old industrial base or a "
                "designated area",
            },
            {"item": "age", "points": 15, "max": 15, "reason": "age 30, in the band 26-45: 15"},
            {
                "item": "bonus",
                "points": 5,
                "max": 5,
                "reason": "patents or other intellectual property (at most 5 in all)",
            },
            {
                "item": "provincial_bonus",
                "points": 0,
                "max": 10,
                "reason": "Sichuan has no regional standard in force",
            },
        ],
        "provincial_bonus_source": None,
    }


B_PROFILE: dict[str, Any] = {
    "annual_salary_cny": "150000",
    "education": "bachelor",
    "skill_certificate": "none",
    "experience_years": 2,
    "months_in_china_per_year": 6,
    "hsk_level": 4,
    "former_chinese_national": False,
    "chinese_taught_degree": False,
    "region": "310000",
    "age": 30,
    "bonuses": ["fortune500"],
    "table": "2017",
}


def b_lines(chinese: int) -> list[dict[str, Any]]:
    return [
        {
            "item": "salary",
            "points": 11,
            "max": 20,
            "reason": "150,000 CNY a year (15 × 10,000) reaches the band from 15: 11 points",
        },
        {
            "item": "education",
            "points": 10,
            "max": 20,
            "reason": "best of degree (bachelor's degree) and skill certificate "
            "(no skill certificate): 10",
        },
        {
            "item": "experience",
            "points": 5,
            "max": 20,
            "reason": "2 full years: 5 at 2, +1 a further year",
        },
        {
            "item": "months_in_china",
            "points": 10,
            "max": 15,
            "reason": "6 months a year in China reaches the band from 6: 10 points",
        },
        {"item": "chinese", "points": chinese, "max": 5, "reason": f"HSK {chinese}: {chinese}"},
        {
            "item": "location",
            "points": 0,
            "max": 10,
            "reason": "Shanghai does not earn location points",
        },
        {"item": "age", "points": 15, "max": 15, "reason": "age 30, in the band 26-45: 15"},
        {
            "item": "bonus",
            "points": 5,
            "max": 5,
            "reason": "experience at a Fortune Global 500 company (at most 5 in all)",
        },
        {
            "item": "provincial_bonus",
            "points": 0,
            "max": 10,
            "reason": "Shanghai has no regional standard in force",
        },
    ]


def test_b_at_exactly_60_points() -> None:
    assert post(B_PROFILE) == {
        "total": 60,
        "category": "B",
        "table_version": "2017",
        "lines": b_lines(4),
        "provincial_bonus_source": None,
    }


def test_c_at_59_points() -> None:
    assert post(B_PROFILE | {"hsk_level": 3}) == {
        "total": 59,
        "category": "C",
        "table_version": "2017",
        "lines": b_lines(3),
        "provincial_bonus_source": None,
    }


def test_84_points_is_b_and_defaults_apply() -> None:
    # HSK 2 instead of 3: one point short of A. Omitted optional fields take their defaults
    # (no skill certificate, not a former national, no degree taught in Chinese, the table
    # of the standard in force).
    result = assess(hsk_level=2)

    assert (result["total"], result["category"], result["table_version"]) == (84, "B", "2017")


def test_openapi_example_is_the_real_answer() -> None:
    assert post(ASSESS_EXAMPLE_IN) == ASSESS_EXAMPLE_OUT


def test_reasons_follow_the_request_language() -> None:
    result = post(BASE, language="zh-hans")

    assert line(result, "provincial_bonus")["reason"] == raw_tr(
        "%(region)s has no regional standard in force", region="四川省"
    )


# --- Each line at its edges ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("salary", "expected"),
    [
        (0, 0),
        (50000, 5),
        (49999, 0),
        (70000, 8),
        (69999, 5),
        (150000, 11),
        (149999, 8),
        (250000, 14),
        (249999, 11),
        (350000, 17),
        (349999, 14),
        (450000, 20),
        (449999, 17),
        (10_000_000, 20),
    ],
)
def test_salary_band_edges(salary: int, expected: int) -> None:
    assert points(assess(annual_salary_cny=salary), "salary") == expected


def test_salary_below_every_band_says_so() -> None:
    assert line(assess(annual_salary_cny=0), "salary") == {
        "item": "salary",
        "points": 0,
        "max": 20,
        "reason": "0 CNY a year (0 × 10,000) is below every band",
    }


@pytest.mark.parametrize(
    ("age", "expected"),
    [(18, 10), (25, 10), (26, 15), (45, 15), (46, 10), (55, 10), (56, 5), (60, 5), (61, 0)],
)
def test_age_bands(age: int, expected: int) -> None:
    assert points(assess(age=age), "age") == expected


def test_age_61_says_why_it_earns_nothing() -> None:
    assert line(assess(age=61), "age")["reason"] == "age 61, 61 and over: 0"


def test_age_17_is_refused() -> None:
    assert post(BASE | {"age": 17}, status=400) == invalid(
        {"age": ["Work permits are for people of 18 and over."]}
    )


@pytest.mark.parametrize(
    ("years", "table", "expected"),
    [
        (1, "2017", 0),
        (2, "2017", 5),
        (3, "2017", 6),
        (17, "2017", 20),
        (18, "2017", 20),
        (20, "2017", 20),
        (1, "2016-pilot", 0),
        (2, "2016-pilot", 5),
        (3, "2016-pilot", 6),
        (17, "2016-pilot", 15),
        (18, "2016-pilot", 15),
        (20, "2016-pilot", 15),
        ("2.9", "2017", 5),
    ],
)
def test_experience_is_capped_by_the_table(years: Any, table: str, expected: int) -> None:
    result = assess(experience_years=years, table=table)

    assert points(result, "experience") == expected
    assert result["table_version"] == table


def test_experience_cap_is_named() -> None:
    assert line(assess(experience_years=18), "experience") == {
        "item": "experience",
        "points": 20,
        "max": 20,
        "reason": "18 full years: 5 at 2, +1 a further year, capped at 20",
    }
    assert line(assess(experience_years=18, table="2016-pilot"), "experience")["max"] == 15


@pytest.mark.parametrize(
    ("hsk", "on_2017", "on_2016"),
    [(0, 0, 0), (1, 1, 2), (2, 2, 4), (3, 3, 6), (4, 4, 8), (5, 5, 10), (6, 5, 10)],
)
def test_hsk_levels(hsk: int, on_2017: int, on_2016: int) -> None:
    assert points(assess(hsk_level=hsk), "chinese") == on_2017
    assert points(assess(hsk_level=hsk, table="2016-pilot"), "chinese") == on_2016


@pytest.mark.parametrize("fact", ["former_chinese_national", "chinese_taught_degree"])
def test_former_national_or_chinese_degree_counts_as_the_top_line(fact: str) -> None:
    result = assess(hsk_level=0, **{fact: True})
    which = {
        "former_chinese_national": "former Chinese national",
        "chinese_taught_degree": "degree taught in Chinese",
    }[fact]

    assert line(result, "chinese") == {
        "item": "chinese",
        "points": 5,
        "max": 5,
        "reason": f"{which}: 5",
    }
    assert points(assess(hsk_level=0, table="2016-pilot", **{fact: True}), "chinese") == 10


def test_no_chinese_scores_nothing() -> None:
    assert line(assess(hsk_level=0), "chinese")["reason"] == "no Chinese language level that scores"


@pytest.mark.parametrize(
    ("months", "expected"), [(2, 0), (3, 5), (5, 5), (6, 10), (8, 10), (9, 15), (12, 15)]
)
def test_months_in_china(months: int, expected: int) -> None:
    assert points(assess(months_in_china_per_year=months), "months_in_china") == expected


@pytest.mark.parametrize(
    ("region", "expected", "reason"),
    [
        (
            "510000",
            10,
            "Sichuan is a western region, a north-east old industrial base or a designated area",
        ),
        (
            "230000",
            10,
            "Heilongjiang is a western region, a north-east old industrial base or a "
            "designated area",
        ),
        ("310000", 0, "Shanghai does not earn location points"),
        ("440000", 0, "Guangdong does not earn location points"),
    ],
)
def test_location_points(region: str, expected: int, reason: str) -> None:
    assert line(assess(region=region), "location") == {
        "item": "location",
        "points": expected,
        "max": 10,
        "reason": reason,
    }


def test_location_points_follow_the_region_flags_as_data() -> None:
    Region.objects.filter(code="310000").update(is_designated_poverty_area=True)

    assert points(assess(region="310000"), "location") == 10


def test_a_region_below_a_province_is_assessed_under_its_province() -> None:
    """A job in Pudong: Shanghai's rules, and the county named when it earns the points."""
    Region.objects.create(
        code="310115",
        name_zh="浦东新区",
        name_en="Pudong New Area",
        level=Region.Level.COUNTY,
        parent=Region.objects.get(code="310000"),
    )
    assert line(assess(region="310115"), "location") == {
        "item": "location",
        "points": 0,
        "max": 10,
        "reason": "Pudong New Area does not earn location points",
    }
    Region.objects.filter(code="310115").update(is_designated_poverty_area=True)

    result = assess(region="310115")

    assert line(result, "location") == {
        "item": "location",
        "points": 10,
        "max": 10,
        "reason": "Pudong New Area is a western region, a north-east old industrial base or a "
        "designated area",
    }
    assert result["total"] == assess(region="310000")["total"] + 10


def test_bonuses_are_capped_at_5() -> None:
    result = assess(bonuses=["top_university", "fortune500", "patents", "china_5_years"])

    assert line(result, "bonus") == {
        "item": "bonus",
        "points": 5,
        "max": 5,
        "reason": "graduate of a well-known foreign university, experience at a Fortune Global "
        "500 company, patents or other intellectual property, 5 years' continuous work in "
        "China (at most 5 in all)",
    }
    assert points(assess(bonuses=[]), "bonus") == 0
    assert result["total"] == 85


@pytest.mark.parametrize(
    ("education", "skill", "expected"),
    [
        ("doctorate", "none", 20),
        ("none", "top", 20),
        ("master", "none", 15),
        ("none", "technician", 15),
        ("bachelor", "none", 10),
        ("none", "senior_worker", 10),
        ("bachelor", "top", 20),
        ("none", "none", 0),
    ],
)
def test_education_or_skill_best_line(education: str, skill: str, expected: int) -> None:
    result = assess(education=education, skill_certificate=skill)

    assert points(result, "education") == expected


# --- Provincial bonus (item 9) -------------------------------------------------------------------


def rule(code: str, condition: str, points: int, **parameters: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title_zh": f"规则{code}",
        "title_en": f"Rule {code}",
        "condition": condition,
        "parameters": parameters,
        "points": points,
    }


def test_a_declared_fact_earns_the_bonus_rule_that_asks_for_it() -> None:
    in_force(
        "310000",
        title_zh="上海市外国人才认定标准",
        title_en="Shanghai regional standard",
        bonus_rules=[rule("SH-LG", BonusRule.Condition.DECLARED_FACT, 5, fact="lingang_employer")],
    )

    declared = assess(region="310000", declared_facts=["lingang_employer"])
    silent = assess(region="310000")

    assert line(declared, "provincial_bonus") == {
        "item": "provincial_bonus",
        "points": 5,
        "max": 10,
        "reason": "SH-LG +5 (regional standard 310000:v1)",
    }
    assert declared["total"] == silent["total"] + 5
    assert line(silent, "provincial_bonus")["reason"] == "no bonus rule of Shanghai applies"


@pytest.mark.parametrize(
    ("region", "facts", "message"),
    [
        (
            "310000",
            ["lingang_employer", "free_trade_zone"],
            "No bonus rule of Shanghai in force asks for: free_trade_zone.",
        ),
        (
            "440000",
            ["lingang_employer"],
            "No bonus rule of Guangdong in force asks for: lingang_employer.",
        ),
    ],
)
def test_a_fact_no_bonus_rule_of_the_province_asks_for_is_refused(
    region: str, facts: list[str], message: str
) -> None:
    in_force(
        "310000",
        bonus_rules=[rule("SH-LG", BonusRule.Condition.DECLARED_FACT, 5, fact="lingang_employer")],
    )

    assert post(BASE | {"region": region, "declared_facts": facts}, status=400) == invalid(
        {"declared_facts": [message]}
    )


def test_provincial_bonus_of_the_standard_in_force_for_that_province_only_capped_at_10() -> None:
    in_force(
        "440000",
        bonus_rules=[
            rule("ALL", BonusRule.Condition.ALWAYS, 6),
            rule("SAL", BonusRule.Condition.SALARY_AT_LEAST, 7, min_annual_salary_cny="200000"),
        ],
    )

    guangdong = assess(region="440000")
    modest = assess(region="440000", annual_salary_cny=150000)
    shanghai = assess(region="310000")

    assert line(guangdong, "provincial_bonus") == {
        "item": "provincial_bonus",
        "points": 10,
        "max": 10,
        "reason": "ALL +6, SAL +7 (regional standard 440000:v1), capped at 10",
    }
    assert guangdong["provincial_bonus_source"] == "440000:v1"
    # 85 in Sichuan = 75 without the location points; +10 in Guangdong.
    assert (guangdong["total"], guangdong["category"]) == (85, "A")
    assert line(modest, "provincial_bonus")["reason"] == "ALL +6 (regional standard 440000:v1)"
    assert points(modest, "provincial_bonus") == 6
    assert line(shanghai, "provincial_bonus") == {
        "item": "provincial_bonus",
        "points": 0,
        "max": 10,
        "reason": "Shanghai has no regional standard in force",
    }
    assert shanghai["provincial_bonus_source"] is None


def test_provincial_bonus_by_occupation_needs_the_occupation_code() -> None:
    in_force("440000", bonus_rules=[rule("ICT", "occupation_prefix", 4, prefixes=["2-02-10"])])

    with_code = assess(region="440000", occupation_code="2-02-10-03")
    other = assess(region="440000", occupation_code="4-04-05-03")
    without = assess(region="440000")

    assert line(with_code, "provincial_bonus")["reason"] == "ICT +4 (regional standard 440000:v1)"
    assert points(with_code, "provincial_bonus") == 4
    assert points(other, "provincial_bonus") == 0
    assert line(without, "provincial_bonus")["reason"] == "no bonus rule of Guangdong applies"
    assert without["provincial_bonus_source"] == "440000:v1"


def test_a_draft_or_lapsed_standard_gives_no_bonus() -> None:
    from tests.talent_standards.conftest import make_regional_standard

    make_regional_standard("440000", bonus_rules=[rule("ALL", "always", 6)])

    assert points(assess(region="440000"), "provincial_bonus") == 0


# --- Bad input: 400 with the messages of each field ----------------------------------------------


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"annual_salary_cny": -1}, {"annual_salary_cny": ["The salary cannot be negative."]}),
        ({"age": 17}, {"age": ["Work permits are for people of 18 and over."]}),
        ({"age": 0}, {"age": ["Work permits are for people of 18 and over."]}),
        (
            {"region": "999999"},
            {"region": [UNKNOWN_REGION]},
        ),
        (
            {"region": "Shanghai"},
            {"region": [UNKNOWN_REGION]},
        ),
        ({"region": None}, {"region": ["This field may not be null."]}),
        ({"hsk_level": 9}, {"hsk_level": ["HSK levels are 0 to 6."]}),
        ({"hsk_level": -1}, {"hsk_level": ["HSK levels are 0 to 6."]}),
        ({"hsk_level": 3.5}, {"hsk_level": ["A valid integer is required."]}),
        ({"age": "thirty"}, {"age": ["A valid integer is required."]}),
        ({"age": True}, {"age": ["A valid integer is required."]}),
        ({"annual_salary_cny": "lots"}, {"annual_salary_cny": ["A valid number is required."]}),
        (
            {"annual_salary_cny": 10**15},
            {"annual_salary_cny": ["Ensure that there are no more than 14 digits in total."]},
        ),
        ({"experience_years": -1}, {"experience_years": ["Experience cannot be negative."]}),
        (
            {"months_in_china_per_year": 13},
            {"months_in_china_per_year": ["Months a year in China are 0 to 12."]},
        ),
        (
            {"months_in_china_per_year": -1},
            {"months_in_china_per_year": ["Months a year in China are 0 to 12."]},
        ),
        ({"education": "phd"}, {"education": ['"phd" is not a valid choice.']}),
        (
            {"skill_certificate": "master"},
            {"skill_certificate": ['"master" is not a valid choice.']},
        ),
        (
            {"former_chinese_national": "maybe"},
            {"former_chinese_national": ["Must be a valid boolean."]},
        ),
        ({"bonuses": ["lottery"]}, {"bonuses": ['"lottery" is not a valid choice.']}),
        ({"bonuses": "patents"}, {"bonuses": ['Expected a list of items but got type "str".']}),
        (
            {"table": "1999"},
            {"table": ["Unknown points table: give the version of a points table, e.g. 2017."]},
        ),
        (
            {"occupation_code": "software"},
            {"occupation_code": ["Give the code of a detailed occupation, e.g. 2-02-10-03."]},
        ),
        (
            {"annual_salary_cny": -5, "age": 16, "hsk_level": 7},
            {
                "annual_salary_cny": ["The salary cannot be negative."],
                "hsk_level": ["HSK levels are 0 to 6."],
                "age": ["Work permits are for people of 18 and over."],
            },
        ),
    ],
)
def test_bad_input_is_400_with_each_field(
    changes: dict[str, Any], fields: dict[str, list[str]]
) -> None:
    assert post(BASE | changes, status=400) == invalid(fields)


def test_missing_fields_are_named() -> None:
    required = ["This field is required."]

    assert post({}, status=400) == invalid(
        {
            "annual_salary_cny": required,
            "education": required,
            "experience_years": required,
            "months_in_china_per_year": required,
            "hsk_level": required,
            "region": required,
            "age": required,
        }
    )


def test_not_an_object_is_400() -> None:
    assert post([BASE], status=400) == invalid(
        {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    )


def test_malformed_json_is_400() -> None:
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(
        URL, "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "parse_error"


def test_extra_fields_are_ignored() -> None:
    assert post(BASE | {"name": "Ada", "nationality": "GBR", "total": 120}) == assess()


def test_field_messages_follow_the_request_language() -> None:
    body = post(BASE | {"age": 17}, status=400, language="zh-hans")

    assert body["fields"] == {"age": [raw_tr("Work permits are for people of 18 and over.")]}


def test_get_is_not_allowed() -> None:
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").get(URL)

    assert response.status_code == 405
    assert json.loads(response.content)["code"] == "method_not_allowed"


# --- Queries -------------------------------------------------------------------------------------

# Queries of one assessment (no session; the throttle uses the cache, not the database):
#   1. the province of the job (the request's region);
#   2-3. the national standard in force with its points table, then its routes;
#   4-5. the points table with its items (the standard's, or the one asked for);
#   6. the province's regional standard in force (none: nothing prefetched);
#   7. the province's average wage of the previous year.
ASSESS_QUERIES = 7
# With a regional standard in force: its routes and its bonus rules are prefetched (+2).
WITH_REGIONAL = ASSESS_QUERIES + 2


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"age": 61, "bonuses": [], "hsk_level": 0, "region": "310000"},
        {"bonuses": ["top_university", "fortune500", "patents", "china_5_years"]},
    ],
)
def test_assess_query_count_is_constant(django_assert_num_queries: Any, changes: Any) -> None:
    wage("510000", 2025, "110250")

    with django_assert_num_queries(ASSESS_QUERIES):
        post(BASE | changes)


def test_assess_query_count_with_a_regional_standard(django_assert_num_queries: Any) -> None:
    in_force("440000", bonus_rules=[rule(f"R{n}", "always", 1) for n in range(8)])

    with django_assert_num_queries(WITH_REGIONAL):
        result = post(BASE | {"region": "440000"})

    assert points(result, "provincial_bonus") == 8


def test_assess_query_count_with_a_table_asked_for(django_assert_num_queries: Any) -> None:
    # The table's version is checked once more (the serializer looks it up).
    with django_assert_num_queries(ASSESS_QUERIES + 1):
        post(BASE | {"table": "2016-pilot"})


# --- Public and throttled ------------------------------------------------------------------------


def test_is_public_and_throttled_by_its_own_scope(settings: Any) -> None:
    view = PointsAssessView()
    assert [type(p).__name__ for p in view.get_permissions()] == ["AllowAny"]
    assert PointsRateThrottle.scope == "points"
    assert PointsRateThrottle().rate == "30/minute"
    # The test settings switch throttling off (the tests send hundreds of requests from
    # one address), as API_THROTTLE_ENABLED=false does behind a throttling gateway.
    assert view.get_throttles() == []
    settings.API_THROTTLE_ENABLED = True
    assert [type(t).__name__ for t in view.get_throttles()] == [
        "PointsRateThrottle",
        "UserRateThrottle",
    ]


def test_the_31st_request_in_a_minute_is_429(settings: Any) -> None:
    settings.API_THROTTLE_ENABLED = True
    # An address of its own: a shared cache (Redis) may hold other runs' history.
    prefix = f"10.{random.randrange(256)}.{random.randrange(256)}"
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"{prefix}.1")
    neighbour = APIClient(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"{prefix}.2")

    answers = [client.post(URL, BASE, format="json").status_code for _ in range(30)]
    refused = client.post(URL, BASE, format="json")

    assert answers == [200] * 30
    assert refused.status_code == 429
    body = json.loads(refused.content)
    wait = body["retry_after_seconds"]
    assert 55 <= wait <= 60
    assert body == {
        "code": "throttled",
        "message": f"Request was throttled. Expected available in {wait} seconds.",
        "retry_after_seconds": wait,
    }
    assert refused["Retry-After"] == str(wait)
    # Another address keeps its own count.
    assert neighbour.post(URL, BASE, format="json").status_code == 200


def test_decimal_inputs_keep_their_precision() -> None:
    result = assess(annual_salary_cny="250000.50", months_in_china_per_year="8.5")

    assert points(result, "salary") == 14
    assert line(result, "months_in_china")["reason"] == (
        "8.5 months a year in China reaches the band from 6: 10 points"
    )


def test_an_engine_refusal_is_a_field_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # The serializer checks the shape; the engine has the last word on the rules.
    def refuse(**kwargs: Any) -> None:
        raise engine.EngineInputError("experience_years", "Experience cannot exceed the age.")

    monkeypatch.setattr(services, "assess", refuse)

    assert post(BASE, status=400) == invalid(
        {"experience_years": ["Experience cannot exceed the age."]}
    )


def test_no_rules_in_force_is_503_not_500(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(**kwargs: Any) -> None:
        raise selectors.RulesUnavailable("no national standard")

    monkeypatch.setattr(services, "assess", unavailable)

    assert post(BASE, status=503) == {
        "code": "rules_unavailable",
        "message": "No national standard or points table applies today.",
    }
