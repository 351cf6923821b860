"""What the tests of publications share: the authorities, their information officers, a
standard text, and texts drafted or published through the services.

The fixtures reach every test through ``pytest_plugins`` in ``tests/conftest.py``; the
constants and helpers are imported.
"""

from __future__ import annotations

from typing import Any

import pytest

from portal import publication_services as services
from portal.models import Organization, Publication, User
from portal.roles import Role
from tests.factories import OrganizationFactory, region

K = Publication.Kind

TITLE_ZH = "关于实施上海市外国人来华工作指导目录的通知"
TITLE_EN = "Notice on the Shanghai Guidance Catalog"
BODY_ZH = "各用人单位：\n\n目录列出**职业代码**及能力要求。\n\n<script>alert('x')</script>"
BODY_EN = "To employers:\n\nThe catalog lists **occupation codes** and requirements."


@pytest.fixture
def shanghai() -> Organization:
    return OrganizationFactory(
        authority=True,
        region=region("310000"),
        name_zh="上海市人力资源和社会保障局",
        name_en="Shanghai Municipal HR and Social Security Bureau",
    )


@pytest.fixture
def ministry() -> Organization:
    return OrganizationFactory(
        ministry=True, name_en="Ministry of Human Resources and Social Security"
    )


@pytest.fixture
def sh_editor(roles: Any, shanghai: Organization) -> User:
    return roles.user(Role.INFORMATION_OFFICER, organization=shanghai, full_name="Shen Yue")


@pytest.fixture
def sh_editor2(roles: Any, shanghai: Organization) -> User:
    return roles.user(Role.INFORMATION_OFFICER, organization=shanghai, full_name="Gu Lei")


@pytest.fixture
def mohrss_editor(roles: Any, ministry: Organization) -> User:
    return roles.user(Role.INFORMATION_OFFICER, organization=ministry)


@pytest.fixture
def mohrss_editor2(roles: Any, ministry: Organization) -> User:
    return roles.user(Role.INFORMATION_OFFICER, organization=ministry)


def draft(author: User, **overrides: Any) -> Publication:
    values: dict[str, Any] = {
        "kind": K.ANNOUNCEMENT,
        "title_zh": TITLE_ZH,
        "title_en": TITLE_EN,
        "body_zh": BODY_ZH,
        "body_en": BODY_EN,
        "subjects": [("catalog", "310000")],
        **overrides,
    }
    return services.publication_create(actor=author, **values)


def published(author: User, reviewer: User, **overrides: Any) -> Publication:
    publication = draft(author, **overrides)
    services.publication_submit(actor=author, publication=publication)
    return services.publication_approve(actor=reviewer, publication=publication)
