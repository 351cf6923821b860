"""Fixtures of the catalogs tests.

``occupations`` creates a small, realistic slice of the 2022 classification (groups and
detailed occupations, one group missing as in the shipped file); ``shipped_occupations``
loads the whole shipped file (2,047 rows) straight into the table, for the tests that need
all of it. ``make_catalog`` builds a catalog in any state for tests that read catalogs;
tests of the lifecycle itself go through ``portal.filings`` instead.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from catalogs.models import CatalogEntry, GuidanceCatalog, Occupation
from portal.models import Region
from portal.models.filing import FilingState
from portal.roles import Role

SHIPPED = Path(__file__).resolve().parents[2] / "catalogs" / "data" / "occupations-2022.csv"

# A synthetic slice shaped like the classification (groups, detailed occupations, a
# single-occupation minor group with a -00 code). Codes and titles are illustrative test
# data: tests that need the real classification use ``shipped_occupations``.
# code, level, Chinese title, English title, digital, green
SLICE = [
    ("2-00-00-00", 1, "专业技术人员", "Professional and technical personnel", False, False),
    ("2-02-00-00", 2, "工程技术人员", "Engineering and technical personnel", False, False),
    ("2-02-10-00", 3, "信息和通信工程技术人员", "ICT engineering technicians", False, False),
    (
        "2-02-10-01",
        4,
        "通信工程技术人员",
        "Telecommunications engineering technicians",
        False,
        False,
    ),
    (
        "2-02-10-03",
        4,
        "计算机软件工程技术人员",
        "Computer software engineering technicians",
        True,
        False,
    ),
    (
        "2-02-10-09",
        4,
        "人工智能工程技术人员",
        "Artificial intelligence engineering technicians",
        True,
        False,
    ),
    ("2-02-14-00", 3, "机械工程技术人员", "Mechanical engineering technicians", False, False),
    (
        "2-02-14-01",
        4,
        "机械设计工程技术人员",
        "Mechanical design engineering technicians",
        False,
        False,
    ),
    ("2-02-27-00", 3, "环境保护工程技术人员", "Environmental engineering technicians", False, True),
    (
        "2-02-27-02",
        4,
        "环境污染防治工程技术人员",
        "Pollution control engineering technicians",
        False,
        True,
    ),
    ("2-08-00-00", 2, "教学人员", "Teaching personnel", False, False),
    ("2-08-01-00", 3, "高等教育教师", "Higher education teachers", False, False),
    ("2-08-01-01", 4, "大学教师", "University teachers", False, False),
    ("2-08-05-00", 4, "外国语言教学人员", "Foreign language teachers", False, False),
    (
        "4-00-00-00",
        1,
        "社会生产服务和生活服务人员",
        "Social production and life service personnel",
        False,
        False,
    ),
    ("4-04-00-00", 2, "信息传输、软件和信息技术服务人员", "ICT service personnel", False, False),
    ("4-04-05-00", 3, "信息技术服务人员", "IT service personnel", False, False),
    ("4-04-05-03", 4, "数据分析处理工程技术人员", "Data analysts", True, False),
]


def _parent_code(code: str) -> str:
    parts = code.split("-")
    for i in (3, 2, 1):
        if parts[i] != "00":
            parts[i] = "00"
            return "-".join(parts)
    return ""


def create_occupations(
    rows: list[tuple[str, int, str, str, bool, bool]], edition: int = 2022
) -> dict[str, Occupation]:
    created = Occupation.objects.bulk_create(
        [
            Occupation(
                edition=edition,
                code=code,
                level=level,
                title_zh=zh,
                title_en=en,
                is_digital=digital,
                is_green=green,
                parent_code=_parent_code(code),
            )
            for code, level, zh, en, digital, green in rows
        ]
    )
    by_code = {o.code: o for o in Occupation.objects.filter(edition=edition)}
    updates = []
    for occupation in by_code.values():
        parent = occupation.parent_code
        while parent and parent not in by_code:
            parent = _parent_code(parent)
        if parent:
            occupation.parent = by_code[parent]
            updates.append(occupation)
    Occupation.objects.bulk_update(updates, ["parent"])
    assert len(created) == len(rows)
    return by_code


@pytest.fixture
def occupations(db: None) -> dict[str, Occupation]:
    return create_occupations(SLICE)


@pytest.fixture
def shipped_occupations(db: None) -> dict[str, Occupation]:
    with SHIPPED.open(encoding="utf-8") as handle:
        rows = [
            (r["code"], int(r["level"]), r["title_zh"], "", r["digital"] == "1", r["green"] == "1")
            for r in csv.DictReader(handle)
        ]
    return create_occupations(rows)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def make_catalog(
    region_code: str = "310000",
    *,
    version: int | None = None,
    state: str = FilingState.DRAFT,
    effective_from: dt.date | None = None,
    expires_on: dt.date | None = None,
    superseded_on: dt.date | None = None,
    entries: dict[str, dict[str, Any]] | None = None,
    occupations: dict[str, Occupation] | None = None,
    title_zh: str = "上海市外国人来华工作指导目录",
    title_en: str = "Shanghai Guidance Catalog for Foreigners Working in China",
) -> GuidanceCatalog:
    """A catalog in any state, built directly (not through the lifecycle)."""
    province = region(region_code)
    if version is None:
        version = GuidanceCatalog.objects.filter(region=province).count() + 1
    published = state in (FilingState.PUBLISHED, FilingState.SUPERSEDED, FilingState.LAPSED) or (
        state == FilingState.WITHDRAWN and effective_from is not None
    )
    catalog = GuidanceCatalog.objects.create(
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
    for code, requirements in (entries or {}).items():
        occupation = (occupations or {}).get(code) or Occupation.objects.get(
            edition=2022, code=code
        )
        CatalogEntry.objects.create(catalog=catalog, occupation=occupation, **requirements)
    return catalog


@pytest.fixture
def drafter(roles):
    return roles.user(Role.STANDARDS_DRAFTER, region_code="310000")


@pytest.fixture
def guangdong_drafter(roles):
    return roles.user(Role.STANDARDS_DRAFTER, region_code="440000")


@pytest.fixture
def reviewer(roles):
    return roles.user(Role.MINISTRY_REVIEWER)


@pytest.fixture
def stakeholder(roles):
    return roles.user(Role.STAKEHOLDER, region_code="310000")
