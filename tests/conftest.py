"""Shared fixtures.

Tests run on SQLite with eager tasks by default and against PostgreSQL and Redis when
``DATABASE_URL`` / ``CELERY_BROKER_URL`` are set (``.ci/run`` sets both). A test that truly
needs PostgreSQL uses the ``postgres_only`` fixture: skipped on SQLite on a developer's
machine, a failure in CI (``CI`` set), never silently skipped there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from tests.factories import RoleHelper

# Fixtures shared by the test modules of one feature, by name (pytest treats these modules
# as plugins: a fixture defined nearer a test wins over theirs).
pytest_plugins = ["tests.portal.publishing"]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Throttling counters and calendars live in the cache: no test sees another's."""
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the portal's default language (Chinese) and leaves it so: a
    test that switches language without restoring it cannot decide what the next sees."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run this test on PostgreSQL: DATABASE_URL is not PostgreSQL")
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI runs it")


@pytest.fixture
def roles(db: None) -> RoleHelper:
    return RoleHelper()
