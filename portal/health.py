"""``/healthz``: is this process able to serve?

Returns JSON with the state of the database, the cache and the broker, and 503 when one
of them is down. It also reports what degrades service without stopping it: which source
decides working days this year and next (a year without official data falls back to
Monday–Friday), and whether PDFs can be rendered and with which font subsetter.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from portal import workdays


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the type is reported
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def _cache() -> dict[str, Any]:
    key = f"portal:healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", 5)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return {"ok": ok, "backend": backend}


def _broker() -> dict[str, Any]:
    url = settings.CELERY_BROKER_URL
    if not url:
        return {"ok": True, "mode": "eager (tasks run in-process)"}
    from kombu import Connection

    try:
        with Connection(
            url,
            connect_timeout=2,
            transport_options={"socket_connect_timeout": 2, "socket_timeout": 2},
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
    except Exception as exc:
        return {"ok": False, "mode": "broker", "error": type(exc).__name__}
    return {"ok": True, "mode": "broker"}


def _calendar() -> dict[str, Any]:
    years = workdays.coverage(timezone.localdate())
    return {
        "years": {str(c.year): c.source.value for c in years},
        "missing_official_data": [c.year for c in years if not c.official],
    }


def _calendar_if_possible(checks: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The calendar needs the database and the cache; without them it is not reported."""
    if not (checks["database"]["ok"] and checks["cache"]["ok"]):
        return None
    try:
        return _calendar()
    except Exception as exc:  # reported, never a 500
        return {"error": type(exc).__name__}


def _pdf() -> dict[str, Any]:
    from portal.pdf import pdf_engine_status

    return dict(pdf_engine_status())


def _signing() -> dict[str, Any]:
    """Which key signs documents here (a web node without one still serves pages)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from portal import signing

    source = (
        "PORTAL_SIGNING_KEY"
        if settings.PORTAL_SIGNING_KEY
        else "PORTAL_SIGNING_KEY_FILE"
        if settings.PORTAL_SIGNING_KEY_FILE
        else "development key"
    )
    try:
        kid = signing.kid_of(signing.private_key().public_key())
    except ImproperlyConfigured as error:
        return {"available": False, "source": source, "kid": None, "error": str(error)}
    return {"available": True, "source": source, "kid": kid, "error": None}


def health_report() -> tuple[bool, dict[str, Any]]:
    checks = {"database": _database(), "cache": _cache(), "broker": _broker()}
    ok = all(check["ok"] for check in checks.values())
    report: dict[str, Any] = {
        "status": "ok" if ok else "unavailable",
        "checks": checks,
        "calendar": _calendar_if_possible(checks),
        "pdf": _pdf(),
        "signing": _signing(),
    }
    return ok, report


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    ok, report = health_report()
    return JsonResponse(report, status=200 if ok else 503)
