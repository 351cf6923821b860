"""What the services refuse, whatever the caller (pages, API, shell)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from talent_standards import services
from talent_standards.models import BonusRule, RecognitionRoute
from tests.talent_standards.conftest import make_regional_standard

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


ROUTE = {
    "code": "A-GD-X",
    "category": "A",
    "title_zh": "测试路径",
}


@pytest.mark.parametrize(
    ("kind", "parameters", "message"),
    [
        (
            RecognitionRoute.Kind.DEGREE_EXPERIENCE,
            {"min_education": "bachelor"},
            "Give the minimum education and the years of experience (0 to 50).",
        ),
        (
            RecognitionRoute.Kind.DEGREE_EXPERIENCE,
            {"min_education": "diploma", "min_years": 2},
            "Give the minimum education and the years of experience (0 to 50).",
        ),
        (
            RecognitionRoute.Kind.LISTED_ACHIEVEMENT,
            {"list": [{"code": "x"}]},
            "List what qualifies: each with a code and titles.",
        ),
        (
            RecognitionRoute.Kind.OFFICER_JUDGEMENT,
            {"max_age": 12},
            "An age limit is 18 to 100.",
        ),
    ],
)
def test_route_figures_are_checked(gd_drafter, kind, parameters, message):
    standard = make_regional_standard()
    with pytest.raises(ValidationError) as excinfo:
        services.route_save(
            actor=gd_drafter, standard=standard, kind=kind, parameters=parameters, **ROUTE
        )
    assert excinfo.value.message_dict == {"parameters": [message]}
    assert standard.routes.count() == 0


@pytest.mark.parametrize("prefix", ["2-02-1", "2-2", "x", "2-02-10-033", ""])
def test_bonus_groups_are_whole_code_parts(gd_drafter, prefix):
    standard = make_regional_standard()
    with pytest.raises(ValidationError) as excinfo:
        services.bonus_rule_save(
            actor=gd_drafter,
            standard=standard,
            code="GD-X",
            title_zh="测试",
            condition=BonusRule.Condition.OCCUPATION_PREFIX,
            parameters={"prefixes": [prefix]},
            points=5,
        )
    assert excinfo.value.message_dict == {
        "parameters": ["List the occupation groups by whole code parts, e.g. 2-02-10 or 2-02."]
    }
    assert standard.bonus_rules.count() == 0


@pytest.mark.parametrize("prefix", ["2", "2-02", "2-02-10", "2-02-10-03"])
def test_bonus_groups_at_every_level_are_accepted(gd_drafter, prefix):
    standard = make_regional_standard()
    rule = services.bonus_rule_save(
        actor=gd_drafter,
        standard=standard,
        code="GD-X",
        title_zh="测试",
        condition=BonusRule.Condition.OCCUPATION_PREFIX,
        parameters={"prefixes": [prefix]},
        points=5,
    )
    assert rule.parameters == {"prefixes": [prefix]}
