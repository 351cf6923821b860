"""Fixtures of the talent standards tests.

The national standards (2017, 2025) and points tables (2016 pilot, 2017) are loaded by
migration, as in production. ``make_regional_standard`` builds a regional standard in any
state directly (tests of the lifecycle itself go through ``portal.filings``);
``profile``/``job`` build engine inputs with sensible defaults.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from portal.models import Region
from portal.models.filing import FilingState
from portal.roles import Role
from talent_standards import engine
from talent_standards.models import (
    AverageWage,
    BonusRule,
    RecognitionAgreement,
    RecognitionRoute,
    RegionalStandard,
)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def profile(**values: Any) -> engine.Profile:
    defaults: dict[str, Any] = {"age": 30}
    for name in ("experience_years", "teaching_years"):
        if name in values:
            values[name] = Decimal(str(values[name]))
    for name in ("bonuses", "achievements", "declared_facts"):
        if name in values:
            values[name] = frozenset(values[name])
    return engine.Profile(**(defaults | values))


def job(region_code: str = "310000", salary: Any = 300000, **values: Any) -> engine.Job:
    if "months_in_china_per_year" in values:
        values["months_in_china_per_year"] = Decimal(str(values["months_in_china_per_year"]))
    return engine.Job(region_code=region_code, annual_salary_cny=Decimal(str(salary)), **values)


def make_regional_standard(
    region_code: str = "440000",
    *,
    version: int | None = None,
    state: str = FilingState.DRAFT,
    effective_from: dt.date | None = None,
    expires_on: dt.date | None = None,
    superseded_on: dt.date | None = None,
    routes: list[dict[str, Any]] | None = None,
    bonus_rules: list[dict[str, Any]] | None = None,
    title_zh: str = "广东省外国人才认定标准",
    title_en: str = "Guangdong regional standard for foreign talent",
) -> RegionalStandard:
    province = region(region_code)
    if version is None:
        version = RegionalStandard.objects.filter(region=province).count() + 1
    published = state in (FilingState.PUBLISHED, FilingState.SUPERSEDED, FilingState.LAPSED)
    standard = RegionalStandard.objects.create(
        region=province,
        version=version,
        title_zh=title_zh,
        title_en=title_en,
        state=state,
        effective_from=effective_from,
        expires_on=expires_on,
        superseded_on=superseded_on,
        published_at=timezone.now() if published else None,
    )
    for values in routes or []:
        RecognitionRoute.objects.create(regional_standard=standard, **values)
    for values in bonus_rules or []:
        BonusRule.objects.create(regional_standard=standard, **values)
    return standard


def in_force(region_code: str = "440000", **kwargs: Any) -> RegionalStandard:
    """A regional standard in force today, for one more year at least."""
    today = timezone.localdate()
    return make_regional_standard(
        region_code,
        state=FilingState.PUBLISHED,
        effective_from=today - dt.timedelta(days=30),
        expires_on=today + dt.timedelta(days=3 * 365),
        **kwargs,
    )


def wage(region_code: str, year: int, amount: Any) -> AverageWage:
    return AverageWage.objects.create(
        region=region(region_code), year=year, amount_cny=Decimal(str(amount)), source="test"
    )


def agreement(
    proposer: str,
    partner: str,
    *,
    state: str = RecognitionAgreement.State.ACCEPTED,
    effective_from: dt.date,
    ends_on: dt.date | None = None,
    by: Any,
) -> RecognitionAgreement:
    return RecognitionAgreement.objects.create(
        proposer=region(proposer),
        partner=region(partner),
        state=state,
        effective_from=effective_from,
        ends_on=ends_on,
        proposed_by=by,
    )


@pytest.fixture
def gd_drafter(roles):
    return roles.user(Role.STANDARDS_DRAFTER, region_code="440000")


@pytest.fixture
def sh_drafter(roles):
    return roles.user(Role.STANDARDS_DRAFTER, region_code="310000")


@pytest.fixture
def reviewer(roles):
    return roles.user(Role.MINISTRY_REVIEWER)
