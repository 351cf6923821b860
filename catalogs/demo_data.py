"""Demonstration data of the catalogs app, loaded by ``manage.py seed_demo``.

* the shipped 2022 classification;
* Shanghai: version 1 in force, and version 2 (started from it, a few entries added,
  removed and changed, consulted on with the software industry association, the comment
  answered) filed and under ministry review;
* Guangdong: version 1 in force;
* Beijing: a pilot catalog whose validity ended, shown as lapsed.

Versions in force or lapsed began before today, so they are historical records loaded as
data (a publication cannot take effect in the past through the workflow); Shanghai's
version 2 goes through the real services and the workflow engine, as a drafter, a
stakeholder and a reviewer would move it. Idempotent: nothing is created twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalogs import services
from catalogs.models import CatalogEntry, GuidanceCatalog, Occupation
from portal import filings
from portal.models import Organization, Region, User
from portal.models.filing import FilingState

E = CatalogEntry.Education
C = CatalogEntry.Category

# code: category, education, years, min salary (CNY, None = not set), skills (zh, en)
SHANGHAI_V1: dict[str, tuple[str, str, int, int | None, str, str]] = {
    "2-02-10-03": (
        C.B,
        E.BACHELOR,
        3,
        300000,
        "软件架构设计、主流编程语言",
        "Software architecture, mainstream languages",
    ),
    "2-02-10-04": (C.B, E.BACHELOR, 3, 280000, "网络规划与运维", "Network planning and operation"),
    "2-02-10-05": (
        C.B,
        E.BACHELOR,
        3,
        300000,
        "信息系统分析与建模",
        "Information systems analysis and modelling",
    ),
    "2-02-10-07": (
        C.B,
        E.BACHELOR,
        3,
        320000,
        "信息安全认证（如CISSP）",
        "Security certification (e.g. CISSP)",
    ),
    "2-02-07-01": (C.B, E.BACHELOR, 5, 260000, "机械设计软件", "Mechanical design software"),
    "2-02-07-07": (
        C.B,
        E.BACHELOR,
        3,
        280000,
        "工业自动化控制",
        "Industrial automation and control",
    ),
    "2-02-27-07": (
        C.B,
        E.MASTER,
        3,
        300000,
        "碳核算与碳资产管理",
        "Carbon accounting and asset management",
    ),
    "2-05-01-18": (C.B, E.DOCTORATE, 5, 500000, "执业医师资格", "Licensed physician"),
    "2-08-01-01": (
        C.B,
        E.DOCTORATE,
        2,
        None,
        "高校教学科研经历",
        "University teaching and research",
    ),
    "2-06-07-02": (
        C.B,
        E.BACHELOR,
        5,
        350000,
        "跨国市场营销管理",
        "International marketing management",
    ),
}
# Version 2: added, removed and changed entries.
SHANGHAI_V2_ADD = {
    "2-02-10-08": (C.B, E.BACHELOR, 3, 260000, "云平台运维", "Cloud platform operation"),
    "2-02-27-01": (
        C.B,
        E.BACHELOR,
        3,
        240000,
        "环境监测仪器与数据分析",
        "Environmental monitoring and data analysis",
    ),
}
SHANGHAI_V2_REMOVE = ("2-06-07-02",)
SHANGHAI_V2_CHANGE: dict[str, dict[str, Any]] = {
    "2-02-10-03": {"min_annual_salary_cny": Decimal("330000"), "min_experience_years": 2},
    "2-02-27-07": {"min_education": E.BACHELOR},
}
GUANGDONG_V1 = {
    "2-02-10-02": (C.B, E.BACHELOR, 3, 260000, "芯片与硬件设计", "Chip and hardware design"),
    "2-02-10-06": (C.B, E.BACHELOR, 3, 260000, "嵌入式系统开发", "Embedded systems development"),
    "2-02-07-02": (C.B, E.BACHELOR, 5, 240000, "智能制造工艺", "Smart manufacturing processes"),
    "2-05-01-02": (C.B, E.DOCTORATE, 5, 450000, "执业医师资格", "Licensed physician"),
    "2-02-29-03": (
        C.B,
        E.BACHELOR,
        5,
        220000,
        "质量管理体系认证",
        "Quality management certification",
    ),
}
BEIJING_PILOT = {
    "2-02-10-03": (C.B, E.BACHELOR, 2, 250000, "", ""),
    "2-08-01-01": (C.B, E.DOCTORATE, 0, None, "", ""),
}


def _entries(catalog: GuidanceCatalog, rows: dict[str, tuple[Any, ...]]) -> None:
    occupations = {
        o.code: o for o in Occupation.objects.filter(edition=catalog.edition, code__in=rows)
    }
    CatalogEntry.objects.bulk_create(
        [
            CatalogEntry(
                catalog=catalog,
                occupation=occupations[code],
                category=category,
                min_education=education,
                min_experience_years=years,
                min_annual_salary_cny=Decimal(salary) if salary is not None else None,
                skills_zh=skills_zh,
                skills_en=skills_en,
            )
            for code, (category, education, years, salary, skills_zh, skills_en) in rows.items()
        ]
    )


def _historical(
    region: Region,
    *,
    title_zh: str,
    title_en: str,
    effective_from: dt.date,
    expires_on: dt.date,
    rows: dict[str, tuple[Any, ...]],
    state: str = FilingState.PUBLISHED,
) -> GuidanceCatalog:
    existing = GuidanceCatalog.objects.filter(region=region, version=1).first()
    if existing is not None:
        return existing
    published = timezone.make_aware(
        dt.datetime.combine(effective_from - dt.timedelta(days=30), dt.time(10, 0))
    )
    catalog = GuidanceCatalog.objects.create(
        region=region,
        version=1,
        title_zh=title_zh,
        title_en=title_en,
        state=state,
        effective_from=effective_from,
        expires_on=expires_on,
        submitted_at=published - dt.timedelta(days=40),
        approved_at=published - dt.timedelta(days=10),
        published_at=published,
    )
    _entries(catalog, rows)
    return catalog


def load(*, stdout: Any = None, users: dict[str, User], **kwargs: Any) -> None:
    if not Occupation.objects.filter(edition=2022).exists():
        from catalogs.importing import import_shipped_edition

        report = import_shipped_edition()
        if stdout is not None:
            stdout.write(f"  occupations 2022: {report.created} imported")
    today = timezone.localdate()
    regions = {r.code: r for r in Region.objects.filter(code__in=["310000", "440000", "110000"])}
    with transaction.atomic():
        shanghai_v1 = _historical(
            regions["310000"],
            title_zh="上海市外国人来华工作指导目录（2025年版）",
            title_en="Shanghai Guidance Catalog for Foreigners Working in China (2025)",
            effective_from=dt.date(2025, 12, 1),
            expires_on=dt.date(2028, 11, 30),
            rows=SHANGHAI_V1,
        )
        _historical(
            regions["440000"],
            title_zh="广东省外国人来华工作指导目录",
            title_en="Guangdong Guidance Catalog for Foreigners Working in China",
            effective_from=dt.date(2026, 3, 1),
            expires_on=dt.date(2030, 2, 28),
            rows=GUANGDONG_V1,
        )
        _historical(
            regions["110000"],
            title_zh="北京市外国人来华工作指导目录（试行）",
            title_en="Beijing Guidance Catalog for Foreigners Working in China (pilot)",
            effective_from=dt.date(2023, 1, 1),
            expires_on=dt.date(2025, 12, 31),
            rows=BEIJING_PILOT,
            state=FilingState.LAPSED,
        )
    if GuidanceCatalog.objects.filter(region=regions["310000"], version=2).exists():
        return
    _shanghai_v2(shanghai_v1, users, today)
    if stdout is not None:
        stdout.write("  Shanghai catalog v2 filed and under ministry review")


def _shanghai_v2(v1: GuidanceCatalog, users: dict[str, User], today: dt.date) -> None:
    drafter, reviewer, member = (
        users["sh.drafter"],
        users["ministry.reviewer"],
        users["assoc.member"],
    )
    v2 = services.catalog_new_version(actor=drafter, source=v1)
    start = dt.date(today.year + 1, 3, 1)
    v2 = services.catalog_update(
        actor=drafter,
        catalog=v2,
        title_zh="上海市外国人来华工作指导目录（2027年版）",
        title_en="Shanghai Guidance Catalog for Foreigners Working in China (2027)",
        notes_zh="新增云平台运维、环境监测等紧缺岗位，调整软件工程岗位要求。",
        notes_en="Adds cloud operation and environmental monitoring posts; revises software posts.",
        effective_from=start,
        expires_on=filings.add_years(start, 4) - dt.timedelta(days=1),
    )
    occupations = {o.code: o for o in Occupation.objects.filter(edition=2022)}
    for code, (category, education, years, salary, skills_zh, skills_en) in SHANGHAI_V2_ADD.items():
        services.entry_save(
            actor=drafter,
            catalog=v2,
            occupation=occupations[code],
            category=category,
            min_education=education,
            min_experience_years=years,
            min_annual_salary_cny=Decimal(salary),
            skills_zh=skills_zh,
            skills_en=skills_en,
        )
    for code in SHANGHAI_V2_REMOVE:
        services.entry_remove(actor=drafter, entry=v2.entries.get(occupation__code=code))
    for code, changes in SHANGHAI_V2_CHANGE.items():
        services.entry_save(actor=drafter, catalog=v2, occupation=occupations[code], **changes)
    association = Organization.objects.get(name_zh="上海市软件行业协会（演示）")
    consulted = filings.consultation_open(
        actor=drafter,
        filing=v2,
        organizations=[association],
        deadline=today + dt.timedelta(days=14),
    )
    comment = filings.consultation_comment(
        actor=member,
        filing=consulted,
        text="建议将计算机软件工程技术人员的工作经历要求由3年调整为2年，以吸引青年人才。",
        entry=v2.entries.get(occupation__code="2-02-10-03"),
    )
    filings.consultation_answer(
        actor=drafter,
        comment=comment,
        text="已采纳：工作经历要求调整为2年，同时最低年薪调整为33万元。",
    )
    filed = filings.filing_transition(actor=drafter, filing=consulted, transition="submit")
    filings.filing_transition(actor=reviewer, filing=filed, transition="start_review")
