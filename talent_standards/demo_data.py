"""Demonstration data of the talent standards app, loaded by ``manage.py seed_demo``.

The national standards and points tables come with migration 0002 (reference data). Here:

* average wages of every province for the last two years: DEMONSTRATION FIGURES, marked
  ``is_demo`` and "演示数据" as their source (not the statistics bureaus' numbers);
* Shanghai: a regional standard in force with a local Category A route and two bonus
  rules; Hainan: one in force with a bonus rule for the whole province; an agreement
  between Shanghai and Hainan in effect;
* Guangdong: a draft regional standard with a bonus rule for ICT occupations, ready for
  the drafter to consult on and file.

Standards in force began before today, so they are historical records loaded as data; the
Guangdong draft is made through the services. Idempotent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.filings import add_years
from portal.models import Region, User
from portal.models.filing import FilingState
from talent_standards import services
from talent_standards.models import (
    AverageWage,
    BonusRule,
    RecognitionAgreement,
    RecognitionRoute,
    RegionalStandard,
)

# Demonstration average annual wages (CNY) for the year before last; last year is 5% more.
DEMO_WAGES = {
    "110000": 200000, "120000": 130000, "130000": 95000, "140000": 92000, "150000": 105000,
    "210000": 98000, "220000": 93000, "230000": 90000, "310000": 210000, "320000": 125000,
    "330000": 130000, "340000": 100000, "350000": 110000, "360000": 92000, "370000": 105000,
    "410000": 88000, "420000": 105000, "430000": 95000, "440000": 130000, "450000": 92000,
    "460000": 110000, "500000": 105000, "510000": 105000, "520000": 100000, "530000": 102000,
    "540000": 140000, "610000": 100000, "620000": 92000, "630000": 115000, "640000": 105000,
    "650000": 106000,
}  # fmt: skip
DEMO_SOURCE = "演示数据 (demonstration figure, not an official statistic)"


def _wages(today: dt.date) -> None:
    regions = {r.code: r for r in Region.objects.filter(code__in=DEMO_WAGES)}
    for offset, factor in ((2, Decimal("1.00")), (1, Decimal("1.05"))):
        year = today.year - offset
        for code, amount in DEMO_WAGES.items():
            if AverageWage.objects.filter(region=regions[code], year=year).exists():
                continue
            services.average_wage_record(
                actor=None,
                region=regions[code],
                year=year,
                amount_cny=(Decimal(amount) * factor).quantize(Decimal("1")),
                source=DEMO_SOURCE,
                is_demo=True,
            )


def _historical(
    region: Region,
    *,
    title_zh: str,
    title_en: str,
    effective_from: dt.date,
    expires_on: dt.date,
    routes: list[dict[str, Any]],
    bonus_rules: list[dict[str, Any]],
) -> RegionalStandard:
    existing = RegionalStandard.objects.filter(region=region, version=1).first()
    if existing is not None:
        return existing
    published = timezone.make_aware(
        dt.datetime.combine(effective_from - dt.timedelta(days=20), dt.time(10, 0))
    )
    standard = RegionalStandard.objects.create(
        region=region,
        version=1,
        title_zh=title_zh,
        title_en=title_en,
        state=FilingState.PUBLISHED,
        effective_from=effective_from,
        expires_on=expires_on,
        submitted_at=published - dt.timedelta(days=45),
        approved_at=published - dt.timedelta(days=7),
        published_at=published,
    )
    for values in routes:
        RecognitionRoute.objects.create(regional_standard=standard, **values)
    for values in bonus_rules:
        BonusRule.objects.create(regional_standard=standard, **values)
    return standard


def load(*, stdout: Any = None, users: dict[str, User], **kwargs: Any) -> None:
    today = timezone.localdate()
    regions = {r.code: r for r in Region.objects.filter(code__in=["310000", "460000", "440000"])}
    with transaction.atomic():
        _wages(today)
        _historical(
            regions["310000"],
            title_zh="上海市外国高端人才认定补充标准",
            title_en="Shanghai supplementary standard for foreign high-end talent",
            effective_from=dt.date(2026, 1, 1),
            expires_on=dt.date(2029, 12, 31),
            routes=[
                {
                    "code": "A-SH-SALARY",
                    "category": "A",
                    "kind": RecognitionRoute.Kind.SALARY_AMOUNT,
                    "title_zh": "在沪年薪不低于120万元",
                    "title_en": "Annual salary in Shanghai of at least 1,200,000 CNY",
                    "evidence_zh": "劳动合同\n个人所得税完税证明",
                    "evidence_en": "Employment contract\nIndividual income tax records",
                    "parameters": {"min_annual_salary_cny": "1200000"},
                    "position": 100,
                },
            ],
            bonus_rules=[
                {
                    "code": "SH-CATALOG",
                    "title_zh": "从事上海市指导目录所列职业",
                    "title_en": "Occupation listed in Shanghai's Guidance Catalog",
                    "condition": BonusRule.Condition.CATALOG_LISTED,
                    "parameters": {},
                    "points": 5,
                },
                {
                    "code": "SH-LINGANG",
                    "title_zh": "受聘于临港新片区用人单位",
                    "title_en": "Employer in the Lingang Special Area",
                    "condition": BonusRule.Condition.DECLARED_FACT,
                    "parameters": {"fact": "lingang_employer"},
                    "points": 5,
                },
            ],
        )
        _historical(
            regions["460000"],
            title_zh="海南自由贸易港外国人才认定标准",
            title_en="Hainan Free Trade Port standard for foreign talent",
            effective_from=dt.date(2026, 2, 1),
            expires_on=dt.date(2031, 1, 31),
            routes=[],
            bonus_rules=[
                {
                    "code": "HN-FTP",
                    "title_zh": "在海南自由贸易港工作",
                    "title_en": "Work in the Hainan Free Trade Port",
                    "condition": BonusRule.Condition.ALWAYS,
                    "parameters": {},
                    "points": 5,
                },
            ],
        )
        if not RecognitionAgreement.objects.filter(
            proposer=regions["310000"], partner=regions["460000"]
        ).exists():
            RecognitionAgreement.objects.create(
                proposer=regions["310000"],
                partner=regions["460000"],
                state=RecognitionAgreement.State.ACCEPTED,
                effective_from=dt.date(2026, 3, 1),
                terms_zh="双方互认依据本省区域性标准认定的外国人才。",
                terms_en="Each province recognises foreign talent recognised under the other's "
                "regional standard.",
                proposed_by=users["sh.drafter"],
                decided_at=timezone.make_aware(
                    dt.datetime.combine(dt.date(2026, 2, 20), dt.time(10, 0))
                ),
            )
    if RegionalStandard.objects.filter(region=regions["440000"]).exists():
        return
    drafter = users["gd.drafter"]
    start = dt.date(today.year + 1, 1, 1)
    draft = services.regional_standard_create(
        actor=drafter,
        region=regions["440000"],
        title_zh="广东省外国人才认定补充标准",
        title_en="Guangdong supplementary standard for foreign talent",
        notes_zh="鼓励信息通信领域外国专业人才来粤工作。",
        notes_en="Encourages foreign ICT professionals to work in Guangdong.",
        effective_from=start,
        expires_on=add_years(start, 4) - dt.timedelta(days=1),
    )
    services.route_save(
        actor=drafter,
        standard=draft,
        code="A-GD-SALARY",
        category="A",
        kind=RecognitionRoute.Kind.SALARY_AMOUNT,
        title_zh="在粤年薪不低于100万元",
        title_en="Annual salary in Guangdong of at least 1,000,000 CNY",
        evidence_zh="劳动合同\n个人所得税完税证明",
        evidence_en="Employment contract\nIndividual income tax records",
        parameters={"min_annual_salary_cny": "1000000"},
        position=100,
    )
    services.bonus_rule_save(
        actor=drafter,
        standard=draft,
        code="GD-ICT",
        title_zh="从事信息和通信工程技术职业",
        title_en="ICT engineering occupation",
        condition=BonusRule.Condition.OCCUPATION_PREFIX,
        parameters={"prefixes": ["2-02-10"]},
        points=5,
    )
    if stdout is not None:
        stdout.write("  talent standards: Shanghai and Hainan in force, Guangdong drafted")
