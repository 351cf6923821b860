"""``/healthz``: database, cache and broker checks (503 when one is down), the calendar's
year sources, the PDF engine, no sign-in and no caching."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError
from django.test import Client

from portal import health

FIXED_DAY = date(2026, 11, 27)
EAGER = {"ok": True, "mode": "eager (tasks run in-process)"}
# Django's never_cache, exactly: the response may be kept by nobody.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # port 1: nothing listens, refused at once


@pytest.fixture
def fixed_day() -> Iterator[None]:
    with mock.patch("portal.health.timezone.localdate", return_value=FIXED_DAY):
        yield


def get_health(client: Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


def expected_database() -> dict[str, Any]:
    from django.db import connection

    return {"ok": True, "vendor": connection.vendor}


def expected_cache() -> dict[str, Any]:
    backend = django_settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return {"ok": True, "backend": backend}


@pytest.mark.django_db
def test_healthz_ok_without_a_broker(client: Client, settings: Any, fixed_day: None) -> None:
    settings.CELERY_BROKER_URL = ""

    status, report = get_health(client)

    assert status == 200
    assert report["status"] == "ok"
    assert report["checks"] == {
        "database": expected_database(),
        "cache": expected_cache(),
        "broker": EAGER,
    }
    assert list(report) == ["status", "checks", "calendar", "pdf", "signing"]


@pytest.mark.django_db
def test_calendar_reports_the_source_of_this_year_and_next(
    client: Client, settings: Any, fixed_day: None
) -> None:
    settings.CELERY_BROKER_URL = ""

    _, report = get_health(client)

    assert report["calendar"] == {
        "years": {"2026": "chinese-calendar", "2027": "weekdays-only"},
        "missing_official_data": [2027],
    }


@pytest.mark.django_db
def test_pdf_section_is_the_engine_status(client: Client, settings: Any) -> None:
    from portal.pdf import pdf_engine_status

    settings.CELERY_BROKER_URL = ""

    _, report = get_health(client)

    assert sorted(report["pdf"]) == ["available", "error", "font", "subsetter", "weasyprint"]
    assert report["pdf"] == dict(pdf_engine_status())


@pytest.mark.django_db
def test_signing_section_names_the_key_in_use(client: Client, settings: Any) -> None:
    from portal import signing

    settings.CELERY_BROKER_URL = ""

    _, report = get_health(client)

    assert report["signing"] == {
        "available": True,
        "source": "PORTAL_SIGNING_KEY",
        "kid": signing.kid_of(signing.private_key().public_key()),
        "error": None,
    }


@pytest.mark.django_db
def test_signing_section_reports_a_missing_key_without_failing(
    client: Client, settings: Any, tmp_path: Any
) -> None:
    from portal import signing

    settings.CELERY_BROKER_URL = ""
    settings.PORTAL_SIGNING_KEY = ""
    settings.PORTAL_SIGNING_KEY_FILE = str(tmp_path / "absent.pem")
    signing.private_key.cache_clear()
    try:
        status, report = get_health(client)
    finally:
        signing.private_key.cache_clear()

    assert status == 200
    assert report["signing"]["available"] is False
    assert report["signing"]["source"] == "PORTAL_SIGNING_KEY_FILE"
    assert report["signing"]["error"] == (
        f"PORTAL_SIGNING_KEY_FILE={tmp_path / 'absent.pem'} cannot be read: "
        "No such file or directory."
    )


@pytest.mark.django_db
def test_pdf_unavailable_is_reported_without_failing_the_check(
    client: Client, settings: Any
) -> None:
    """Without WeasyPrint's libraries the portal still serves; /healthz says why."""
    settings.CELERY_BROKER_URL = ""
    unavailable = {
        "available": False,
        "weasyprint": None,
        "subsetter": None,
        "font": '"Noto Sans CJK SC", sans-serif',
        "error": "WeasyPrint cannot load Pango: install libpango-1.0-0.",
    }

    with mock.patch("portal.pdf.pdf_engine_status", return_value=unavailable):
        status, report = get_health(client)

    assert status == 200
    assert report["status"] == "ok"
    assert report["pdf"] == unavailable


@pytest.mark.django_db
def test_healthz_needs_no_sign_in_and_is_never_cached(client: Client, settings: Any) -> None:
    settings.CELERY_BROKER_URL = ""

    response = client.get("/healthz")

    # Not a redirect to the sign-in page, not under a language prefix.
    assert response.status_code == 200
    assert response["Cache-Control"] == NEVER_CACHE
    assert "Expires" in response


@pytest.mark.django_db
def test_healthz_answers_head(client: Client, settings: Any) -> None:
    settings.CELERY_BROKER_URL = ""

    response = client.head("/healthz")

    assert response.status_code == 200
    assert response["Cache-Control"] == NEVER_CACHE


@pytest.mark.django_db
def test_broker_mode_when_a_broker_is_configured(client: Client, settings: Any) -> None:
    # kombu's in-memory transport: a broker that is always reachable, without Redis.
    settings.CELERY_BROKER_URL = "memory://"

    status, report = get_health(client)

    assert status == 200
    assert report["status"] == "ok"
    assert report["checks"]["broker"] == {"ok": True, "mode": "broker"}


@pytest.mark.django_db
@pytest.mark.broker
def test_broker_ok_against_the_real_broker(client: Client, settings: Any) -> None:
    url = settings.PORTAL_TEST_BROKER_URL
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must run this test against a broker: CELERY_BROKER_URL is not set")
        pytest.skip("needs a real broker (set CELERY_BROKER_URL); CI runs it")
    settings.CELERY_BROKER_URL = url

    status, report = get_health(client)

    assert status == 200
    assert report["checks"]["broker"] == {"ok": True, "mode": "broker"}


@pytest.mark.django_db
def test_broker_down_is_503(client: Client, settings: Any, fixed_day: None) -> None:
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER

    status, report = get_health(client)

    assert status == 503
    assert report["status"] == "unavailable"
    assert report["checks"] == {
        "database": expected_database(),
        "cache": expected_cache(),
        "broker": {"ok": False, "mode": "broker", "error": "OperationalError"},
    }
    # What degrades service is still reported while the broker is down.
    assert report["calendar"] == {
        "years": {"2026": "chinese-calendar", "2027": "weekdays-only"},
        "missing_official_data": [2027],
    }


@pytest.mark.django_db
def test_database_down_is_503(client: Client, settings: Any) -> None:
    # Only the health module's view of the connection fails: the real check
    # (portal.health._database, with its try/except) runs against a cursor that raises, while
    # the test database itself stays usable for the test client and pytest-django.
    settings.CELERY_BROKER_URL = ""
    broken = mock.Mock(vendor="postgresql")
    broken.cursor.side_effect = OperationalError("connection refused")

    with mock.patch.object(health, "connection", broken):
        status, report = get_health(client)

    assert status == 503
    assert report["status"] == "unavailable"
    assert report["checks"] == {
        "database": {"ok": False, "error": "OperationalError"},
        "cache": expected_cache(),
        "broker": EAGER,
    }
    # The calendar lives in the database: not consulted when it is down.
    assert report["calendar"] is None
    assert sorted(report["pdf"]) == ["available", "error", "font", "subsetter", "weasyprint"]


@pytest.mark.django_db
def test_cache_check_failure_is_503(client: Client, settings: Any, fixed_day: None) -> None:
    # Only the health module's cache fails, so that the check's own error handling is what
    # is tested (an outage of the whole cache is the next test).
    settings.CELERY_BROKER_URL = ""
    broken = mock.Mock()
    broken.set.side_effect = ConnectionError("cache down")

    with mock.patch.object(health, "cache", broken):
        status, report = get_health(client)

    assert status == 503
    assert report["status"] == "unavailable"
    assert report["checks"] == {
        "database": expected_database(),
        "cache": {"ok": False, "error": "ConnectionError"},
        "broker": EAGER,
    }


@pytest.mark.django_db
def test_cache_outage_is_503_not_500(settings: Any, fixed_day: None) -> None:
    settings.CELERY_BROKER_URL = ""
    client = Client(raise_request_exception=False)
    down = ConnectionError("cache down")
    # Every operation of the shared cache fails, as it does when Redis is unreachable.
    with (
        mock.patch.object(health.cache, "set", side_effect=down),
        mock.patch.object(health.cache, "get", side_effect=down),
        mock.patch.object(health.cache, "get_or_set", side_effect=down),
        mock.patch.object(health.cache, "delete", side_effect=down),
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    report = json.loads(response.content)
    assert report["status"] == "unavailable"
    assert report["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}


@pytest.mark.django_db
def test_cache_that_loses_writes_is_503(client: Client, settings: Any) -> None:
    """A cache that accepts a write but cannot read it back is not working."""
    settings.CELERY_BROKER_URL = ""

    with mock.patch.object(health.cache, "get", return_value=None):
        status, report = get_health(client)

    assert status == 503
    assert report["checks"]["cache"] == {"ok": False, "backend": expected_cache()["backend"]}


@pytest.mark.django_db
def test_unavailable_is_never_cached_either(client: Client, settings: Any) -> None:
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response["Cache-Control"] == NEVER_CACHE
