"""``services.average_wage_record`` and ``services.assess`` end to end.

* average wages are kept by the ministry (reviewers) or loaded by the system; recording
  the same province and year again updates the figure in place; each recording is
  audited; bad figures are refused and change nothing;
* ``assess`` with Guangdong's regional standard in force (a local route and two bonus
  rules), its catalog in force and the previous year's average wage: every line, every
  route and the category, and the same profile in Shanghai for contrast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone, translation

from portal.models import AuditEvent, Region
from portal.models.filing import FilingState
from portal.roles import Role
from portal.workflow import TransitionPermissionDenied
from talent_standards import engine, selectors, services
from talent_standards.models import AverageWage, BonusRule, RecognitionRoute
from tests.catalogs.conftest import SLICE, create_occupations, make_catalog
from tests.factories import RoleHelper
from tests.talent_standards.conftest import in_force, job, profile, region

pytestmark = pytest.mark.django_db

SOFTWARE = "2-02-10-03"


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    with translation.override("en"):
        yield


def today() -> dt.date:
    return timezone.localdate()


def last_seq() -> int:
    return AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0


def wages() -> list[tuple[str, int, Decimal, str, bool, int | None]]:
    return list(
        AverageWage.objects.order_by("region__code", "year").values_list(
            "region__code", "year", "amount_cny", "source", "is_demo", "recorded_by_id"
        )
    )


# --- Average wages --------------------------------------------------------------------------------


def test_a_reviewer_records_an_average_wage(reviewer):
    seq = last_seq()
    recorded = services.average_wage_record(
        actor=reviewer,
        region=region("440000"),
        year=2024,
        amount_cny=Decimal("130000"),
        source="  广东省统计局 2024 年统计公报 ",
    )
    assert wages() == [
        ("440000", 2024, Decimal("130000.00"), "广东省统计局 2024 年统计公报", False, reviewer.pk)
    ]
    assert recorded.pk == AverageWage.objects.get().pk
    event = AuditEvent.objects.get(seq__gt=seq)
    assert (event.action, event.actor_id, event.actor_repr, event.target_id) == (
        "talent_standards.average_wage.record",
        reviewer.pk,
        reviewer.username,
        str(recorded.pk),
    )
    assert event.data == {"region": "440000", "year": 2024, "amount": "130000", "demo": False}


def test_the_system_records_demo_figures():
    seq = last_seq()
    services.average_wage_record(
        actor=None,
        region=region("310000"),
        year=2024,
        amount_cny=Decimal("210000"),
        source="演示数据",
        is_demo=True,
    )
    assert wages() == [("310000", 2024, Decimal("210000.00"), "演示数据", True, None)]
    event = AuditEvent.objects.get(seq__gt=seq)
    assert (event.actor_id, event.actor_repr) == (None, "system")
    assert event.data["demo"] is True


def test_recording_again_updates_in_place(reviewer):
    first = services.average_wage_record(
        actor=None,
        region=region("440000"),
        year=2024,
        amount_cny=Decimal("120000"),
        source="演示数据",
        is_demo=True,
    )
    seq = last_seq()
    second = services.average_wage_record(
        actor=reviewer,
        region=region("440000"),
        year=2024,
        amount_cny=Decimal("131234.50"),
        source="Statistical bulletin 2024",
    )
    assert second.pk == first.pk
    assert wages() == [
        ("440000", 2024, Decimal("131234.50"), "Statistical bulletin 2024", False, reviewer.pk)
    ]
    assert [(e.action, e.data["amount"]) for e in AuditEvent.objects.filter(seq__gt=seq)] == [
        ("talent_standards.average_wage.record", "131234.50")
    ]
    # Other years and provinces are separate rows.
    services.average_wage_record(
        actor=reviewer, region=region("440000"), year=2023, amount_cny=Decimal("1"), source="x"
    )
    services.average_wage_record(
        actor=reviewer, region=region("310000"), year=2024, amount_cny=Decimal("2"), source="y"
    )
    assert [(code, year) for code, year, *_ in wages()] == [
        ("310000", 2024),
        ("440000", 2023),
        ("440000", 2024),
    ]


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"amount_cny": Decimal("0")}, {"amount_cny": ["The average wage is a positive amount."]}),
        (
            {"amount_cny": Decimal("-100")},
            {"amount_cny": ["The average wage is a positive amount."]},
        ),
        ({"source": ""}, {"source": ["Say where the figure is published."]}),
        ({"source": "   "}, {"source": ["Say where the figure is published."]}),
    ],
)
def test_bad_figures_are_refused_and_change_nothing(reviewer, values, errors):
    services.average_wage_record(
        actor=reviewer, region=region("440000"), year=2024, amount_cny=Decimal("5"), source="old"
    )
    before = wages()
    seq = last_seq()
    arguments = {
        "region": region("440000"),
        "year": 2024,
        "amount_cny": Decimal("130000"),
        "source": "new",
    } | values
    with pytest.raises(ValidationError) as refused:
        services.average_wage_record(actor=reviewer, **arguments)
    assert refused.value.message_dict == errors
    assert wages() == before
    assert last_seq() == seq


@pytest.mark.parametrize("year", [1999, 2101])
def test_a_year_out_of_range_is_refused(reviewer, year):
    with pytest.raises(ValidationError):
        services.average_wage_record(
            actor=reviewer, region=region("440000"), year=year, amount_cny=Decimal("1"), source="x"
        )
    assert wages() == []


def test_a_wage_is_a_provinces(reviewer):
    shenzhen = Region.objects.create(
        code="440300",
        name_zh="深圳市",
        name_en="Shenzhen",
        level=Region.Level.PREFECTURE,
        parent=region("440000"),
    )
    with pytest.raises(ValidationError):
        services.average_wage_record(
            actor=reviewer, region=shenzhen, year=2024, amount_cny=Decimal("1"), source="x"
        )
    assert wages() == []


PEOPLE: dict[str, Callable[[RoleHelper], Any]] = {
    "guangdong_drafter": lambda r: r.user(Role.STANDARDS_DRAFTER, region_code="440000"),
    "decision_officer": lambda r: r.user(Role.DECISION_OFFICER, region_code="440000"),
    "employer_admin": lambda r: r.user(Role.EMPLOYER_ADMIN),
}
KEEPERS: dict[str, Callable[[RoleHelper], Any]] = {
    # Site administrators keep the reference data in the admin (the model permission).
    "site_admin": lambda r: r.user(Role.SITE_ADMIN),
    "superuser": lambda r: r.user(Role.SITE_ADMIN, is_superuser=True, is_staff=True),
}


@pytest.mark.parametrize("person", list(KEEPERS))
def test_site_administrators_record_average_wages_too(roles, person):
    actor = KEEPERS[person](roles)
    services.average_wage_record(
        actor=actor, region=region("440000"), year=2024, amount_cny=Decimal("130000"), source="x"
    )
    assert wages() == [("440000", 2024, Decimal("130000"), "x", False, actor.pk)]


@pytest.mark.parametrize("person", list(PEOPLE))
def test_only_the_ministry_records_average_wages(roles, person):
    actor = PEOPLE[person](roles)
    seq = last_seq()
    with pytest.raises(TransitionPermissionDenied) as refused:
        services.average_wage_record(
            actor=actor,
            region=region("440000"),
            year=2024,
            amount_cny=Decimal("130000"),
            source="x",
        )
    assert refused.value.message == "Average wages are kept by the ministry."
    assert wages() == []
    assert last_seq() == seq


def test_average_wage_selectors(reviewer):
    for code, year, amount in (("440000", 2023, 1), ("440000", 2024, 2), ("310000", 2024, 3)):
        services.average_wage_record(
            actor=reviewer,
            region=region(code),
            year=year,
            amount_cny=Decimal(amount),
            source="s",
        )
    found = selectors.average_wage(region("440000"), 2024)
    assert found is not None
    assert found.amount_cny == Decimal("2.00")
    assert selectors.average_wage(region("440000"), 2022) is None
    assert [(w.region.code, w.year) for w in selectors.average_wages()] == [
        ("310000", 2024),
        ("440000", 2024),
        ("440000", 2023),
    ]


# --- assess, end to end ---------------------------------------------------------------------------


@pytest.fixture
def guangdong(reviewer) -> None:
    """Guangdong today: a regional standard in force (a local A route of 1,000,000 CNY, a
    bonus rule of 5 for ICT occupations and one of 3 for a declared Nansha employer), its
    catalog listing software engineers, and last year's average wage of 150,000."""
    in_force(
        "440000",
        routes=[
            {
                "code": "A-GD-SALARY",
                "category": "A",
                "kind": RecognitionRoute.Kind.SALARY_AMOUNT,
                "title_zh": "在粤年薪不低于100万元",
                "title_en": "Annual salary in Guangdong of at least 1,000,000 CNY",
                "parameters": {"min_annual_salary_cny": "1000000"},
                "position": 100,
            }
        ],
        bonus_rules=[
            {
                "code": "GD-ICT",
                "title_zh": "信息通信",
                "title_en": "ICT",
                "condition": BonusRule.Condition.OCCUPATION_PREFIX,
                "parameters": {"prefixes": ["2-02-10"]},
                "points": 5,
            },
            {
                "code": "GD-NANSHA",
                "title_zh": "南沙",
                "title_en": "Nansha",
                "condition": BonusRule.Condition.DECLARED_FACT,
                "parameters": {"fact": "nansha_employer"},
                "points": 3,
            },
        ],
    )
    occupations = create_occupations(SLICE)
    make_catalog(
        "440000",
        state=FilingState.PUBLISHED,
        effective_from=today() - dt.timedelta(days=10),
        expires_on=today() + dt.timedelta(days=3 * 365),
        entries={
            SOFTWARE: {
                "min_education": "master",
                "min_experience_years": 5,
                "min_annual_salary_cny": Decimal("500000"),
            }
        },
        occupations=occupations,
    )
    services.average_wage_record(
        actor=reviewer,
        region=region("440000"),
        year=today().year - 1,
        amount_cny=Decimal("150000"),
        source="test figure",
    )


WORKER = {
    "age": 35,
    "education": "master",
    "experience_years": "6",
    "hsk_level": 3,
    "bonuses": {"fortune500"},
    "declared_facts": {"nansha_employer"},
}


def test_assess_in_guangdong(guangdong):
    result = services.assess(
        profile=profile(**WORKER),
        job=job("440000", salary=900_000, occupation_code=SOFTWARE),
        region=region("440000"),
    )

    assert (result.on, result.national_version, result.regional_version) == (
        today(),
        "2025" if today() >= dt.date(2025, 10, 1) else "2017",
        "440000:v1",
    )
    assert [(x.item, x.points, x.max, x.reason) for x in result.points.lines] == [
        (
            "salary",
            20,
            20,
            "900,000 CNY a year (90 × 10,000) reaches the band from 45: 20 points",
        ),
        (
            "education",
            15,
            20,
            "best of degree (master's degree) and skill certificate (no skill certificate): 15",
        ),
        ("experience", 9, 20, "6 full years: 5 at 2, +1 a further year"),
        ("months_in_china", 15, 15, "12 months a year in China reaches the band from 9: 15 points"),
        ("chinese", 3, 5, "HSK 3: 3"),
        ("location", 0, 10, "Guangdong does not earn location points"),
        ("age", 15, 15, "age 35, in the band 26-45: 15"),
        ("bonus", 5, 5, "experience at a Fortune Global 500 company (at most 5 in all)"),
        (
            "provincial_bonus",
            8,
            10,
            "GD-ICT +5, GD-NANSHA +3 (regional standard 440000:v1)",
        ),
    ]
    assert (result.points.total, result.points.category, result.points.table_version) == (
        90,
        "A",
        "2017",
    )
    year = today().year - 1
    assert {r.code: (str(r.status), r.reason) for r in result.routes} == {
        "A-PROGRAMME": ("not_met", "no listed achievement or programme declared"),
        "A-ACHIEVEMENT": ("not_met", "no listed achievement or programme declared"),
        "A-SALARY": (
            "met",
            f"salary 900,000 against 6 × 150,000 (Guangdong, {year}) = 900,000 CNY",
        ),
        "A-ENTREPRENEUR": ("not_met", "not declared"),
        "A-YOUNG": ("not_met", "not declared"),
        "A-POINTS": ("met", "90 points against 85 (table 2017)"),
        "B-DEGREE": (
            "met",
            "education master's degree against bachelor's degree; 6 years of relevant "
            "experience against 2",
        ),
        "B-SKILL": ("not_met", "not declared"),
        "B-TEACHER": ("not_met", "not a language teaching post"),
        "B-SALARY": (
            "met",
            f"salary 900,000 against 4 × 150,000 (Guangdong, {year}) = 600,000 CNY",
        ),
        "B-CATALOG": (
            "met",
            "listed in the Guidance Catalog of Guangdong (version 1) and every requirement is met",
        ),
        "B-POINTS": ("met", "90 points against 60 (table 2017)"),
        "A-GD-SALARY": ("not_met", "salary 900,000 against 1,000,000 CNY"),
    }
    assert route_sources(result) == {"national": 12, "regional:440000:v1": 1}
    assert (result.category, result.possible_category) == ("A", "A")


def route_sources(result: engine.Assessment) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in result.routes:
        key = "national" if r.source.startswith("national:") else r.source
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_the_same_worker_in_shanghai(guangdong):
    """No regional standard, catalog or average wage there: 8 points fewer, and the salary
    routes wait for an officer."""
    result = services.assess(
        profile=profile(**WORKER),
        job=job("310000", salary=900_000, occupation_code=SOFTWARE),
        region=region("310000"),
    )
    assert result.regional_version == ""
    assert result.points.lines[-1].reason == "Shanghai has no regional standard in force"
    assert (result.points.total, result.points.category) == (82, "B")
    status = {r.code: str(r.status) for r in result.routes}
    assert (status["A-SALARY"], status["B-SALARY"], status["B-CATALOG"]) == (
        "needs_confirmation",
        "needs_confirmation",
        "not_met",
    )
    assert status["A-POINTS"] == "not_met"
    assert "A-GD-SALARY" not in status
    assert (result.category, result.possible_category) == ("B", "A")


def test_a_fact_the_province_does_not_ask_for_counts_for_nothing_or_is_refused(guangdong):
    # The Nansha fact was declared for a Guangdong job: in Shanghai it earns nothing, and
    # where a person is answering now (the points API) it is refused as a likely mistake.
    kept = services.assess(
        profile=profile(**WORKER),
        job=job("310000", salary=900_000, occupation_code=SOFTWARE),
        region=region("310000"),
    )
    assert kept.points.lines[-1].points == 0
    with pytest.raises(engine.EngineInputError) as refused:
        services.assess(
            profile=profile(**WORKER),
            job=job("310000", salary=900_000, occupation_code=SOFTWARE),
            region=region("310000"),
            refuse_unasked_facts=True,
        )
    assert (refused.value.field, refused.value.message) == (
        "declared_facts",
        "No bonus rule of Shanghai in force asks for: nansha_employer.",
    )


def test_assess_with_the_pilot_table(guangdong):
    result = services.assess(
        profile=profile(**WORKER),
        job=job("440000", salary=900_000, occupation_code=SOFTWARE),
        region=region("440000"),
        table_version="2016-pilot",
    )
    # Chinese HSK 3 scores 6 on the pilot instead of 3.
    assert (result.points.table_version, result.points.total) == ("2016-pilot", 93)
    a_points = next(r for r in result.routes if r.code == "A-POINTS")
    assert a_points.reason == "93 points against 85 (table 2016-pilot)"


def test_assess_refuses_what_cannot_be_scored(guangdong):
    with pytest.raises(engine.EngineInputError) as young:
        services.assess(profile=profile(age=17), job=job("440000"), region=region("440000"))
    assert young.value.field == "age"
    with pytest.raises(selectors.RulesUnavailable):
        services.assess(
            profile=profile(), job=job("440000"), region=region("440000"), table_version="1999"
        )
    with pytest.raises(selectors.RulesUnavailable):
        services.assess(
            profile=profile(), job=job("440000"), region=region("440000"), on=dt.date(2010, 1, 1)
        )


def test_assess_on_a_past_date_reads_the_rules_of_that_date(guangdong):
    """A year ago Guangdong had no regional standard in force (it began 30 days ago), and
    the average wage of the year before was not recorded."""
    day = today() - dt.timedelta(days=365)
    result = services.assess(
        profile=profile(**WORKER),
        job=job("440000", salary=900_000, occupation_code=SOFTWARE),
        region=region("440000"),
        on=day,
    )
    assert (result.on, result.regional_version, result.points.total) == (day, "", 82)
    status = {r.code: str(r.status) for r in result.routes}
    assert (status["A-SALARY"], status["B-CATALOG"]) == ("needs_confirmation", "not_met")
