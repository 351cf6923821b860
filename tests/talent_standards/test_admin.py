"""The ministry's reference data in the Django admin: nothing the engine cannot apply is saved.

* ``engine.points_item_problems`` / ``points_item_key_problems`` / ``route_problems``: every
  scheme and kind, good and bad values, exact messages; the data shipped by migration 0002
  (and in the database after every migration) has none; data that passes cannot make the
  engine fail.
* Through the real admin pages, as a superuser signed in with the second factor: bad
  bands, parameters or average wages come back (200) with the message next to the field
  and nothing changed; good ones are saved; average wages go through
  ``services.average_wage_record`` (recorded by the admin, audited once).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.forms import CheckboxInput
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from portal import services as portal_services
from portal.models import AuditEvent, Region
from portal.roles import Role
from talent_standards import engine
from talent_standards.models import (
    AverageWage,
    NationalStandard,
    PointsItem,
    PointsTable,
    RecognitionRoute,
)
from talent_standards.services import _check_route
from tests.pages import raw_tr
from tests.talent_standards.conftest import job, profile, region, wage

SHIPPED = importlib.import_module(
    "talent_standards.migrations.0002_national_standards_and_points_tables"
)


def english(check: Any, *args: Any) -> list[str]:
    with translation.override("en"):
        return check(*args)


# --- Points items: good bands ---------------------------------------------------------------------

GOOD_BANDS = [
    ("ranges", SHIPPED.SALARY_BANDS, 20),
    ("ranges", SHIPPED.MONTHS_BANDS, 15),
    ("ranges", {"bands": [{"min": "4.5", "points": 3}]}, 20),  # numeric text, default unit
    ("ranges", {"unit": "1", "bands": [{"min": -1, "points": 0}, {"min": 1e3, "points": 20}]}, 20),
    ("choices", SHIPPED.EDUCATION_OPTIONS, 20),
    ("choices", {"options": {"hsk6": 5, "anything else": 0}}, 5),
    ("per_year", {"from_years": 0, "points_at_start": 0, "per_further_year": 0}, 20),
    ("per_year", {"from_years": 2, "points_at_start": 25, "per_further_year": 3}, 20),  # capped
    ("any_flag", SHIPPED.BONUS_FLAGS, 5),
    ("any_flag", {"flags": ["patents"], "points": 0}, 5),
    ("location", {"points": 10}, 10),
    ("location", {"points": 0}, 10),
    ("age", SHIPPED.AGE_BANDS, 15),
    ("age", {"min_age": 18, "bands": [{"min": 18, "max": 18, "points": 15}]}, 15),
    ("provincial", {}, 10),
    ("provincial", {"note": ["whatever the province needs"]}, 10),
]


@pytest.mark.parametrize(("scheme", "bands", "max_points"), GOOD_BANDS)
def test_good_bands_have_no_problem(scheme, bands, max_points):
    assert english(engine.points_item_problems, scheme, bands, max_points) == []


# --- Points items: bad bands ----------------------------------------------------------------------

NOT_AN_OBJECT = ["Give the bands as a JSON object."]
POINTS_0_20 = "is a whole number from 0 to 20."

BAD_BANDS = [
    *[(scheme, [], 20, NOT_AN_OBJECT) for scheme in engine.POINTS_SCHEMES],
    ("ranges", None, 20, NOT_AN_OBJECT),
    ("provincial", None, 10, NOT_AN_OBJECT),
    ("provincial", "text", 10, NOT_AN_OBJECT),
    ("age", [{"min": 18, "max": 25, "points": 10}], 15, NOT_AN_OBJECT),
    ("bogus", {}, 20, ["Unknown scheme: bogus"]),
    # ranges
    ("ranges", {"bands": [{"min": "abc", "points": 5}]}, 20, ['Band 1: "min" is a number.']),
    ("ranges", {}, 20, ['"bands" is a non-empty list.']),
    ("ranges", {"bands": []}, 20, ['"bands" is a non-empty list.']),
    ("ranges", {"bands": "45"}, 20, ['"bands" is a non-empty list.']),
    (
        "ranges",
        {"unit": 0, "bands": [{"min": 45, "points": 20}]},
        20,
        ['"unit" is a number, 1 or more.'],
    ),
    (
        "ranges",
        {"unit": "ten thousand", "bands": [{"min": 45, "points": 20}]},
        20,
        ['"unit" is a number, 1 or more.'],
    ),
    (
        "ranges",
        {"unit": True, "bands": []},
        20,
        ['"unit" is a number, 1 or more.', '"bands" is a non-empty list.'],
    ),
    (
        "ranges",
        {"unit": "1e-20", "bands": [{"min": 45, "points": 20}]},
        20,
        ['"unit" is a number, 1 or more.'],
    ),
    (
        "ranges",
        {
            "bands": [
                5,
                {"min": "NaN", "points": 21},
                {"min": 1, "points": True},
                {"min": "Infinity", "points": 1.5},
                {"points": 4},
                {"min": None, "points": "4"},
                {"min": [1], "points": -1},
            ]
        },
        20,
        [
            'Band 1: give an object with "min" and "points".',
            'Band 2: "min" is a number.',
            f'Band 2: "points" {POINTS_0_20}',
            f'Band 3: "points" {POINTS_0_20}',
            'Band 4: "min" is a number.',
            f'Band 4: "points" {POINTS_0_20}',
            'Band 5: "min" is a number.',
            'Band 6: "min" is a number.',
            f'Band 6: "points" {POINTS_0_20}',
            'Band 7: "min" is a number.',
            f'Band 7: "points" {POINTS_0_20}',
        ],
    ),
    # choices
    (
        "choices",
        {"options": {"doctorate": "four"}},
        20,
        ["Option doctorate: the points are a whole number from 0 to 20."],
    ),
    (
        "choices",
        {"options": {"a": -1, "b": 21, "c": 5, "d": None, "e": 2.0}},
        20,
        [
            "Option a: the points are a whole number from 0 to 20.",
            "Option b: the points are a whole number from 0 to 20.",
            "Option d: the points are a whole number from 0 to 20.",
            "Option e: the points are a whole number from 0 to 20.",
        ],
    ),
    ("choices", {}, 20, ['"options" is a non-empty object of answers and their points.']),
    (
        "choices",
        {"options": {}},
        20,
        ['"options" is a non-empty object of answers and their points.'],
    ),
    (
        "choices",
        {"options": ["doctorate"]},
        20,
        ['"options" is a non-empty object of answers and their points.'],
    ),
    # per_year
    (
        "per_year",
        {},
        20,
        [
            '"from_years" is a whole number, 0 or more.',
            '"points_at_start" is a whole number, 0 or more.',
            '"per_further_year" is a whole number, 0 or more.',
        ],
    ),
    (
        "per_year",
        {"from_years": "2", "points_at_start": -1, "per_further_year": 1.5},
        20,
        [
            '"from_years" is a whole number, 0 or more.',
            '"points_at_start" is a whole number, 0 or more.',
            '"per_further_year" is a whole number, 0 or more.',
        ],
    ),
    (
        "per_year",
        {"from_years": 2, "points_at_start": 5, "per_further_year": False},
        20,
        ['"per_further_year" is a whole number, 0 or more.'],
    ),
    # any_flag
    (
        "any_flag",
        {"flags": [], "points": 5},
        5,
        ['"flags" is a non-empty list of bonus facts.'],
    ),
    (
        "any_flag",
        {"flags": "patents", "points": 5},
        5,
        ['"flags" is a non-empty list of bonus facts.'],
    ),
    (
        "any_flag",
        {"flags": [{"fact": "patents"}]},
        5,
        [
            '"flags" is a non-empty list of bonus facts.',
            '"points" is a whole number from 0 to 5.',
        ],
    ),
    (
        "any_flag",
        {"flags": ["patents", "golf", "abc", "golf"], "points": 6},
        5,
        ["Unknown bonus facts: abc, golf", '"points" is a whole number from 0 to 5.'],
    ),
    # location
    ("location", {}, 10, ['"points" is a whole number from 0 to 10.']),
    ("location", {"points": "10"}, 10, ['"points" is a whole number from 0 to 10.']),
    ("location", {"points": 11}, 10, ['"points" is a whole number from 0 to 10.']),
    # age
    (
        "age",
        {},
        15,
        ['"min_age" is a whole number, 0 or more.', '"bands" is a non-empty list.'],
    ),
    (
        "age",
        {
            "min_age": "18",
            "bands": [
                {"min": 30, "max": 20, "points": 5},
                {"min": 18, "points": 5},
                "x",
                {"min": 1, "max": 2, "points": 16},
                {"min": "18", "max": 25.0, "points": "5"},
                {"min": 18, "max": 25, "points": 15},
            ],
        },
        15,
        [
            '"min_age" is a whole number, 0 or more.',
            'Band 1: "min" and "max" are whole numbers, 0 or more, "max" not below "min".',
            'Band 2: "min" and "max" are whole numbers, 0 or more, "max" not below "min".',
            'Band 3: give an object with "min", "max" and "points".',
            'Band 4: "points" is a whole number from 0 to 15.',
            'Band 5: "min" and "max" are whole numbers, 0 or more, "max" not below "min".',
            'Band 5: "points" is a whole number from 0 to 15.',
        ],
    ),
]


@pytest.mark.parametrize(("scheme", "bands", "max_points", "expected"), BAD_BANDS)
def test_bad_bands_are_named(scheme, bands, max_points, expected):
    assert english(engine.points_item_problems, scheme, bands, max_points) == expected


@pytest.mark.parametrize(
    ("key", "scheme", "expected"),
    [
        ("salary", "ranges", []),
        ("months_in_china", "ranges", []),
        ("education", "choices", []),
        ("chinese", "choices", []),
        ("experience", "per_year", []),
        ("bonus", "any_flag", []),
        ("anything", "location", []),
        ("anything", "age", []),
        ("anything", "provincial", []),
        (
            "education",
            "ranges",
            ["With the scheme ranges, the key is one of: salary, months_in_china."],
        ),
        ("salary", "choices", ["With the scheme choices, the key is one of: education, chinese."]),
        ("tenure", "per_year", ["With the scheme per_year, the key is one of: experience."]),
    ],
)
def test_the_key_must_be_one_the_scheme_scores(key, scheme, expected):
    assert english(engine.points_item_key_problems, key, scheme) == expected


# --- Routes ---------------------------------------------------------------------------------------

GOOD_PARAMETERS = [
    ("points", {}),
    ("points", {"max_age": 60}),
    ("salary_multiple", {"multiple": 4}),
    ("salary_multiple", {"multiple": "6"}),
    ("salary_multiple", {"multiple": 1}),
    ("salary_multiple", {"multiple": 20.0, "max_age": 100}),
    ("salary_amount", {"min_annual_salary_cny": "1000000"}),
    ("salary_amount", {"min_annual_salary_cny": 500000.5}),
    ("degree_experience", {"min_education": "bachelor", "min_years": 2, "max_age": 60}),
    ("degree_experience", {"min_education": "none", "min_years": 0}),
    ("language_teacher", {"min_education": "bachelor", "min_teaching_years": 2}),
    ("language_teacher", {"min_education": "doctorate", "min_teaching_years": 50}),
    ("catalog_listing", {}),
    ("catalog_listing", {"max_age": 60}),
    ("listed_achievement", {"list": [{"code": "nobel", "title_zh": "诺贝尔奖"}]}),
    ("listed_achievement", {"list": SHIPPED.PROGRAMMES, "max_age": 18}),
    ("officer_judgement", {}),
    ("officer_judgement", {"max_age": None}),
]


@pytest.mark.parametrize(("kind", "parameters"), GOOD_PARAMETERS)
def test_good_parameters_have_no_problem(kind, parameters):
    assert english(engine.route_problems, kind, parameters) == []


MULTIPLE = ["The multiple of the average wage is 1 to 20."]
AMOUNT = ["Give the minimum annual salary in yuan."]
DEGREE = ["Give the minimum education and the years of experience (0 to 50)."]
TEACHER = ["Give the minimum education and the years of teaching (0 to 50)."]
LISTED = ["List what qualifies: each with a code and titles."]
AGE = ["An age limit is 18 to 100."]

BAD_PARAMETERS = [
    *[(kind, [], ["Give the parameters as a JSON object."]) for kind in engine.ROUTE_KINDS],
    ("points", None, ["Give the parameters as a JSON object."]),
    ("salary_multiple", "4", ["Give the parameters as a JSON object."]),
    ("bogus", {}, ["Unknown route kind: bogus"]),
    ("salary_multiple", {"multiple": "four"}, MULTIPLE),
    ("salary_multiple", {}, MULTIPLE),
    ("salary_multiple", {"multiple": 0.5}, MULTIPLE),
    ("salary_multiple", {"multiple": 21}, MULTIPLE),
    ("salary_multiple", {"multiple": True}, MULTIPLE),
    ("salary_multiple", {"multiple": "NaN"}, MULTIPLE),
    ("salary_multiple", {"multiple": [4]}, MULTIPLE),
    ("salary_amount", {}, AMOUNT),
    ("salary_amount", {"min_annual_salary_cny": 0}, AMOUNT),
    ("salary_amount", {"min_annual_salary_cny": "-5"}, AMOUNT),
    ("salary_amount", {"min_annual_salary_cny": "a million"}, AMOUNT),
    ("salary_amount", {"min_annual_salary_cny": "1e30"}, AMOUNT),
    ("degree_experience", {}, DEGREE),
    ("degree_experience", {"min_education": "phd", "min_years": 2}, DEGREE),
    ("degree_experience", {"min_education": "bachelor", "min_years": 51}, DEGREE),
    ("degree_experience", {"min_education": "bachelor", "min_years": "2"}, DEGREE),
    ("degree_experience", {"min_education": ["bachelor"], "min_years": 2}, DEGREE),
    ("language_teacher", {"min_education": "bachelor"}, TEACHER),
    ("language_teacher", {"min_education": "bachelor", "min_teaching_years": -1}, TEACHER),
    ("language_teacher", {"min_education": "", "min_teaching_years": 2}, TEACHER),
    ("listed_achievement", {}, LISTED),
    ("listed_achievement", {"list": []}, LISTED),
    ("listed_achievement", {"list": ["nobel"]}, LISTED),
    ("listed_achievement", {"list": [{"code": "", "title_zh": "诺贝尔奖"}]}, LISTED),
    ("listed_achievement", {"list": [{"code": None, "title_zh": "诺贝尔奖"}]}, LISTED),
    ("listed_achievement", {"list": [{"code": "nobel"}]}, LISTED),
    ("listed_achievement", {"list": [{"code": "nobel", "title_zh": " "}]}, LISTED),
    ("listed_achievement", {"list": {"code": "nobel", "title_zh": "诺贝尔奖"}}, LISTED),
    *[(kind, {"max_age": 17}, AGE) for kind in ("points", "catalog_listing", "officer_judgement")],
    ("officer_judgement", {"max_age": 101}, AGE),
    ("officer_judgement", {"max_age": "60"}, AGE),
    ("officer_judgement", {"max_age": True}, AGE),
    ("salary_multiple", {"multiple": "four", "max_age": 101}, MULTIPLE + AGE),
    ("listed_achievement", {"list": "nobel", "max_age": 10}, LISTED + AGE),
]


@pytest.mark.parametrize(("kind", "parameters", "expected"), BAD_PARAMETERS)
def test_bad_parameters_are_named(kind, parameters, expected):
    assert english(engine.route_problems, kind, parameters) == expected


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("kind", "parameters"),
    [
        ("salary_multiple", {"multiple": "four"}),
        ("salary_amount", {"min_annual_salary_cny": 0}),
        ("degree_experience", {"min_education": "phd", "min_years": 2}),
        ("listed_achievement", {"list": ["nobel"]}),
        ("officer_judgement", {"max_age": 17}),
        ("salary_multiple", {"multiple": "four", "max_age": 101}),
    ],
)
def test_route_problems_say_what_the_regional_route_checks_say(language, kind, parameters):
    with translation.override(language), pytest.raises(ValidationError) as refused:
        _check_route({"kind": kind, "category": "A", "parameters": parameters})
    with translation.override(language):
        assert refused.value.message_dict["parameters"] == engine.route_problems(kind, parameters)


# --- The shipped data -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cap", "chinese"), [(15, SHIPPED.CHINESE_2016), (20, SHIPPED.CHINESE_2017)]
)
def test_the_shipped_points_tables_have_no_problem(cap, chinese):
    found = {
        key: engine.points_item_problems(scheme, bands, max_points)
        + engine.points_item_key_problems(key, scheme)
        for _n, key, _zh, _en, max_points, scheme, bands in SHIPPED.items(cap, chinese)
    }
    assert found == {key: [] for key in found}
    assert len(found) == 9


@pytest.mark.parametrize("achievements", [SHIPPED.ACHIEVEMENTS_2017, SHIPPED.ACHIEVEMENTS_2025])
def test_the_shipped_national_routes_have_no_problem(achievements):
    found = {
        code: engine.route_problems(kind, parameters)
        for code, _c, kind, *_texts, parameters, _p in SHIPPED.routes(achievements, "x")
    }
    assert found == {code: [] for code in found}
    assert len(found) == 12


@pytest.mark.django_db
def test_the_reference_data_in_the_database_has_no_problem():
    """As migrated: 0002's data and 0003's age limit of B-SALARY."""
    items = {
        (item.table.version, item.key): engine.points_item_problems(
            item.scheme, item.bands, item.max_points
        )
        + engine.points_item_key_problems(item.key, item.scheme)
        for item in PointsItem.objects.filter(
            table__version__in=["2016-pilot", "2017"]
        ).select_related("table")
    }
    routes = {
        (route.national_standard.version, route.code): engine.route_problems(
            route.kind, route.parameters
        )
        for route in RecognitionRoute.objects.filter(
            national_standard__version__in=["2017", "2025"]
        ).select_related("national_standard")
    }
    assert (len(items), len(routes)) == (18, 24)
    assert routes[("2025", "B-SALARY")] == []
    assert RecognitionRoute.objects.get(
        national_standard__version="2025", code="B-SALARY"
    ).parameters == {"multiple": 4, "max_age": 60}
    assert items == {key: [] for key in items}
    assert routes == {key: [] for key in routes}


# --- What passes cannot make the engine fail ------------------------------------------------------

SCHEME_KEYS = {
    "ranges": ("salary", "months_in_china"),
    "choices": ("education", "chinese"),
    "per_year": ("experience",),
    "any_flag": ("bonus",),
    "location": ("location",),
    "age": ("age",),
    "provincial": ("provincial_bonus",),
}
PROFILES = [
    profile(age=18),
    profile(
        age=45,
        education="doctorate",
        skill_certificate="top",
        experience_years=40,
        hsk_level=6,
        former_chinese_national=True,
        chinese_taught_degree=True,
        bonuses=engine.BONUS_FACTS,
        achievements={"nobel", "A-YOUNG"},
        teaches_language="en",
        native_language="en",
        teaching_years=3,
    ),
    profile(age=120, experience_years="2.5", teaches_language="fr", native_language="de"),
]
JOBS = [
    job(salary=0, months_in_china_per_year=0),
    job(salary="999999999999.99", months_in_china_per_year=12, occupation_code="2-02-10-03"),
    job(salary="49999.99", months_in_china_per_year="7.5", occupation_code="2-02"),
]


def rules(items: tuple[engine.ItemRule, ...] = (), routes: tuple[engine.RouteRule, ...] = (), **kw):
    values: dict[str, Any] = {
        "on": dt.date(2026, 1, 1),
        "table": engine.TableRule("t", 85, 60, items),
        "national_version": "2025",
        "routes": routes,
        "region_name": "四川省",
        "region_earns_location_points": True,
        "average_wage": Decimal("98765.43"),
        "average_wage_year": 2025,
        "regional_version": "1",
        "bonus_rules": (engine.BonusRuleData("X", "x", "always", {}, 3),),
        "catalog_entry": engine.CatalogEntryData(1, "bachelor", 2, Decimal("100000"), "Python"),
    }
    return engine.Rules(**(values | kw))


@pytest.mark.parametrize(("scheme", "bands", "max_points"), GOOD_BANDS)
def test_bands_that_pass_are_applied_by_the_engine(scheme, bands, max_points):
    for key in SCHEME_KEYS[scheme]:
        item = engine.ItemRule(1, key, key, max_points, scheme, bands)
        for situation in (rules((item,)), rules((item,), region_earns_location_points=False)):
            for worker in PROFILES:
                for post in JOBS:
                    line = engine.score(worker, post, situation).lines[0]
                    assert 0 <= line.points <= max_points
                    assert line.reason


@pytest.mark.parametrize(("kind", "parameters"), GOOD_PARAMETERS)
def test_parameters_that_pass_are_applied_by_the_engine(kind, parameters):
    for category in ("A", "B"):
        route = engine.RouteRule("A-YOUNG", category, kind, "t", (), parameters, "national:2025")
        for situation in (
            rules(routes=(route,)),
            rules(routes=(route,), average_wage=None, catalog_entry=None),
        ):
            for worker in PROFILES:
                for post in JOBS:
                    assert engine.evaluate(worker, post, situation).routes[0].reason


# --- Through the admin pages ----------------------------------------------------------------------


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["portal_2fa_verified"] = True
    session.save()
    return client


def superuser(roles: Any, *extra_roles: str) -> Any:
    admin = roles.user(Role.SITE_ADMIN)
    admin.is_superuser = True
    admin.save()
    for role in extra_roles:
        portal_services.role_grant(actor=None, user=admin, role=role)
    return admin


@pytest.fixture
def admin_user(roles):
    """A superuser who is also a ministry reviewer: average wages are the ministry's."""
    return superuser(roles, Role.MINISTRY_REVIEWER)


@pytest.fixture
def browser(admin_user) -> Client:
    """The admin user's browser, signed in with the second factor."""
    return signed_in(admin_user)


def form_data(response: Any) -> dict[str, Any]:
    """What the change page's form posts back unchanged: the main form, then every inline
    form with its management form."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name, field in form.fields.items():
            value = form[name].value()
            if isinstance(field.widget, CheckboxInput):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = "" if value is None else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def prefix_of(response: Any, **match: Any) -> str:
    """The prefix of the inline form whose instance has the values in ``match``."""
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            if all(getattr(form.instance, k) == v for k, v in match.items()):
                return str(form.prefix)
    raise AssertionError(f"no inline form for {match}")


Message = str | tuple[str, dict[str, Any]]  # a msgid, or a msgid and its parameters


def text_of(message: Message) -> str:
    """A message in the language the admin pages speak (their default, Chinese)."""
    if isinstance(message, str):
        return raw_tr(message)
    msgid, params = message
    return raw_tr(msgid, **params)


def shown(message: Message) -> str:
    """A message as the admin page shows it: translated, HTML-escaped."""
    return str(escape(text_of(message)))


def errors_of(response: Any, prefix: str, name: str) -> list[str]:
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            if form.prefix == prefix:
                return list(form.errors.get(name, []))
    raise AssertionError(prefix)


def points_state() -> list[tuple[Any, ...]]:
    return list(
        PointsItem.objects.order_by("pk").values_list(
            "pk", "table_id", "number", "key", "max_points", "scheme", "bands"
        )
    )


def routes_state() -> list[tuple[Any, ...]]:
    return list(
        RecognitionRoute.objects.order_by("pk").values_list(
            "pk", "national_standard_id", "code", "kind", "category", "parameters"
        )
    )


def wages_state() -> list[tuple[Any, ...]]:
    return list(
        AverageWage.objects.order_by("pk").values_list(
            "pk", "region__code", "year", "amount_cny", "source", "is_demo", "recorded_by_id"
        )
    )


def table_url(version: str) -> str:
    return (
        f"/admin/talent_standards/pointstable/{PointsTable.objects.get(version=version).pk}/change/"
    )


def standard_url(version: str) -> str:
    standard = NationalStandard.objects.get(version=version)
    return f"/admin/talent_standards/nationalstandard/{standard.pk}/change/"


# Points tables


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["2017", "2016-pilot"])
def test_a_shipped_points_table_saves_unchanged(browser, admin_user, version):
    """The provincial item's bands are {}: accepted (no "This field is required.")."""
    before = points_state()
    page = browser.get(table_url(version))
    response = browser.post(table_url(version), form_data(page))
    assert response.status_code == 302
    assert points_state() == before
    assert AuditEvent.objects.filter(action="admin.change", actor=admin_user).count() == 1


BAD_ITEMS = [
    (
        "salary",
        {"bands": json.dumps({"bands": [{"min": "abc", "points": 5}]})},
        {"bands": [('Band %(number)d: "min" is a number.', {"number": 1})]},
    ),
    (
        "salary",
        {"bands": json.dumps({"unit": 0, "bands": [{"min": 45, "points": 21}]})},
        {
            "bands": [
                '"unit" is a number, 1 or more.',
                (
                    'Band %(number)d: "points" is a whole number from 0 to %(max)d.',
                    {"number": 1, "max": 20},
                ),
            ]
        },
    ),
    (
        "education",
        {"bands": json.dumps({"options": {"doctorate": "four"}})},
        {
            "bands": [
                (
                    "Option %(option)s: the points are a whole number from 0 to %(max)d.",
                    {"option": "doctorate", "max": 20},
                )
            ]
        },
    ),
    (
        "experience",
        {"bands": json.dumps({"from_years": 2, "points_at_start": -5, "per_further_year": 1})},
        {"bands": [('"%(name)s" is a whole number, 0 or more.', {"name": "points_at_start"})]},
    ),
    (
        "bonus",
        {"bands": json.dumps({"flags": ["golf"], "points": 5})},
        {"bands": [("Unknown bonus facts: %(facts)s", {"facts": "golf"})]},
    ),
    (
        "age",
        {"bands": json.dumps({"min_age": 18, "bands": [{"min": 60, "max": 18, "points": 5}]})},
        {
            "bands": [
                (
                    'Band %(number)d: "min" and "max" are whole numbers, 0 or more, '
                    '"max" not below "min".',
                    {"number": 1},
                )
            ]
        },
    ),
    ("location", {"bands": "[]"}, {"bands": ["Give the bands as a JSON object."]}),
    ("provincial_bonus", {"bands": ""}, {"bands": ["Give the bands as a JSON object."]}),
    (
        "chinese",
        {"scheme": "ranges"},
        {
            "key": [
                (
                    "With the scheme %(scheme)s, the key is one of: %(keys)s.",
                    {"scheme": "ranges", "keys": "salary, months_in_china"},
                )
            ],
            "bands": ['"bands" is a non-empty list.'],
        },
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "changes", "expected"), BAD_ITEMS)
def test_a_points_item_the_engine_cannot_apply_is_refused(browser, key, changes, expected):
    before = (points_state(), AuditEvent.objects.count(), LogEntry.objects.count())
    page = browser.get(table_url("2017"))
    prefix = prefix_of(page, key=key)
    data = form_data(page) | {f"{prefix}-{name}": value for name, value in changes.items()}
    response = browser.post(table_url("2017"), data)
    assert response.status_code == 200
    for name, messages in expected.items():
        assert errors_of(response, prefix, name) == [text_of(m) for m in messages]
    html = response.content.decode()
    for messages in expected.values():
        for message in messages:
            assert shown(message) in html
    assert (points_state(), AuditEvent.objects.count(), LogEntry.objects.count()) == before


@pytest.mark.django_db
def test_good_bands_are_saved(browser, admin_user):
    page = browser.get(table_url("2017"))
    prefix = prefix_of(page, key="salary")
    bands = {"unit": 10000, "bands": [{"min": 50, "points": 20}, {"min": "5.5", "points": 5}]}
    data = form_data(page) | {f"{prefix}-bands": json.dumps(bands)}
    response = browser.post(table_url("2017"), data)
    assert response.status_code == 302
    assert PointsItem.objects.get(table__version="2017", key="salary").bands == bands
    assert AuditEvent.objects.filter(action="admin.change", actor=admin_user).count() == 1


# National routes


BAD_ROUTES = [
    ("B-SALARY", {"parameters": json.dumps({"multiple": "four"})}, MULTIPLE),
    ("A-SALARY", {"parameters": json.dumps({"multiple": 6, "max_age": 10})}, AGE),
    ("A-PROGRAMME", {"parameters": json.dumps({"list": ["nobel"]})}, LISTED),
    ("A-ACHIEVEMENT", {"parameters": json.dumps({"list": [{"title_zh": "诺贝尔奖"}]})}, LISTED),
    ("B-DEGREE", {"parameters": json.dumps({"min_education": "phd", "min_years": 2})}, DEGREE),
    ("B-TEACHER", {"parameters": json.dumps({"min_education": "bachelor"})}, TEACHER),
    ("B-POINTS", {"kind": "salary_amount"}, AMOUNT),
    ("A-POINTS", {"parameters": "[1, 2]"}, ["Give the parameters as a JSON object."]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "changes", "expected"), BAD_ROUTES)
def test_a_route_the_engine_cannot_apply_is_refused(browser, code, changes, expected):
    before = (routes_state(), AuditEvent.objects.count(), LogEntry.objects.count())
    page = browser.get(standard_url("2025"))
    prefix = prefix_of(page, code=code)
    data = form_data(page) | {f"{prefix}-{name}": value for name, value in changes.items()}
    response = browser.post(standard_url("2025"), data)
    assert response.status_code == 200
    assert errors_of(response, prefix, "parameters") == [text_of(m) for m in expected]
    html = response.content.decode()
    for message in expected:
        assert shown(message) in html
    assert (routes_state(), AuditEvent.objects.count(), LogEntry.objects.count()) == before


@pytest.mark.django_db
def test_good_parameters_are_saved_and_an_emptied_field_is_no_parameters(browser, admin_user):
    before = routes_state()
    page = browser.get(standard_url("2025"))
    salary, points = prefix_of(page, code="B-SALARY"), prefix_of(page, code="A-POINTS")
    data = form_data(page) | {
        f"{salary}-parameters": json.dumps({"multiple": "4.5", "max_age": 60}),
        f"{points}-parameters": "",
    }
    response = browser.post(standard_url("2025"), data)
    assert response.status_code == 302
    routes = RecognitionRoute.objects.filter(national_standard__version="2025")
    salary_route, points_route = routes.get(code="B-SALARY"), routes.get(code="A-POINTS")
    assert salary_route.parameters == {"multiple": "4.5", "max_age": 60}
    assert points_route.parameters == {}
    untouched = [r for r in before if r[0] not in (salary_route.pk, points_route.pk)]
    assert [
        r for r in routes_state() if r[0] not in (salary_route.pk, points_route.pk)
    ] == untouched
    assert len(routes_state()) == len(before)
    assert AuditEvent.objects.filter(action="admin.change", actor=admin_user).count() == 1


# Average wages

ADD_WAGE = "/admin/talent_standards/averagewage/add/"


def wage_data(**values: Any) -> dict[str, Any]:
    data = {
        "region": region("510000").pk,
        "year": 2025,
        "amount_cny": "98765.43",
        "source": "四川省统计公报 2025",
    }
    return data | values


@pytest.fixture
def county() -> Region:
    return Region.objects.create(
        code="510104",
        name_zh="锦江区",
        name_en="Jinjiang District",
        level=Region.Level.COUNTY,
        parent=region("510000"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"region": "county", "amount_cny": "-1"},
            {
                "region": ["Average wages are recorded for provinces."],
                "amount_cny": ["The average wage is a positive amount."],
            },
        ),
        ({"amount_cny": "0"}, {"amount_cny": ["The average wage is a positive amount."]}),
        (
            {"year": "1999", "region": "county"},
            {
                "region": ["Average wages are recorded for provinces."],
                "year": ["The year is between 2000 and 2100."],
            },
        ),
        ({"year": "2101"}, {"year": ["The year is between 2000 and 2100."]}),
    ],
)
def test_a_wrong_average_wage_is_refused_in_the_services_words(browser, county, values, expected):
    before = (wages_state(), AuditEvent.objects.count(), LogEntry.objects.count())
    if values.get("region") == "county":
        values = values | {"region": county.pk}
    response = browser.post(ADD_WAGE, wage_data(**values))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        name: [text_of(m) for m in messages] for name, messages in expected.items()
    }
    html = response.content.decode()
    for messages in expected.values():
        for message in messages:
            assert shown(message) in html
    assert (wages_state(), AuditEvent.objects.count(), LogEntry.objects.count()) == before


@pytest.mark.django_db
def test_an_average_wage_for_a_province_and_year_already_recorded_is_refused(browser):
    wage("510000", 2025, "90000")
    before = (wages_state(), AuditEvent.objects.count())
    response = browser.post(ADD_WAGE, wage_data())
    assert response.status_code == 200
    with translation.override("zh-hans"):
        clash = AverageWage(region=region("510000"), year=2025).unique_error_message(
            AverageWage, ("region", "year")
        )
    assert response.context["adminform"].form.errors == {"__all__": clash.messages}
    assert str(escape(clash.messages[0])) in response.content.decode()
    assert (wages_state(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_an_average_wage_is_recorded_by_the_admin_and_audited_once(browser, admin_user):
    response = browser.post(ADD_WAGE, wage_data(is_demo="on"))
    assert response.status_code == 302
    assert wages_state() == [
        (
            AverageWage.objects.get().pk,
            "510000",
            2025,
            Decimal("98765.43"),
            "四川省统计公报 2025",
            True,
            admin_user.pk,
        )
    ]
    recorded = AverageWage.objects.get()
    assert response["Location"] == "/admin/talent_standards/averagewage/"
    events = AuditEvent.objects.filter(target_model="talent_standards.averagewage")
    assert list(events.values_list("action", "actor_id", "target_id")) == [
        ("talent_standards.average_wage.record", admin_user.pk, str(recorded.pk))
    ]
    assert not AuditEvent.objects.filter(action__startswith="admin.").exists()
    history = LogEntry.objects.get()
    assert (history.object_id, history.user_id, history.is_addition()) == (
        str(recorded.pk),
        admin_user.pk,
        True,
    )


@pytest.mark.django_db
def test_a_recorded_average_wage_is_corrected_with_its_province_and_year_kept(browser, admin_user):
    recorded = wage("510000", 2025, "90000")
    assert recorded.recorded_by is None
    url = f"/admin/talent_standards/averagewage/{recorded.pk}/change/"
    page = browser.get(url)
    assert set(page.context["adminform"].form.fields) == {"amount_cny", "source", "is_demo"}
    # region and year are read-only: posted values are ignored
    response = browser.post(
        url, {"amount_cny": "91000.50", "source": "更正", "year": 2030, "region": ""}
    )
    assert response.status_code == 302
    assert wages_state() == [
        (recorded.pk, "510000", 2025, Decimal("91000.50"), "更正", False, admin_user.pk)
    ]
    assert list(
        AuditEvent.objects.filter(target_model="talent_standards.averagewage").values_list(
            "action", "actor_id"
        )
    ) == [("talent_standards.average_wage.record", admin_user.pk)]
    assert not AuditEvent.objects.filter(action__startswith="admin.").exists()


@pytest.mark.django_db
def test_recorded_by_is_read_only(browser, admin_user):
    page = browser.get(ADD_WAGE)
    assert page.status_code == 200
    assert "recorded_by" not in page.context["adminform"].form.fields
    response = browser.post(ADD_WAGE, wage_data(recorded_by=""))
    assert response.status_code == 302
    assert AverageWage.objects.get().recorded_by == admin_user


@pytest.mark.django_db
def test_a_superuser_who_is_not_a_ministry_reviewer_records_an_average_wage(roles):
    # Site administrators keep the reference data: the model permission is enough.
    user = superuser(roles)
    browser = signed_in(user)
    response = browser.post(ADD_WAGE, wage_data())
    assert response.status_code == 302
    assert [row[1:] for row in wages_state()] == [
        ("510000", 2025, Decimal("98765.43"), "四川省统计公报 2025", False, user.pk)
    ]
