"""Settings: production fails closed, the embedded default needs nothing, ``.env`` is read
by the local settings only, persistent connections on PostgreSQL, strict security headers.

Settings modules are imported in a fresh interpreter with an environment the test controls
(every variable of ``.env.example`` and every ``DJANGO_``/``PORTAL_``/``CELERY_`` variable of
the calling environment is removed first), because they read the environment at import.
Tests of the local settings run on a copy of the ``portal`` package in a temporary directory:
``local.py`` reads ``.env`` beside the package, and a developer's own ``.env`` must neither
change these results nor be touched by them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

REPO = Path(__file__).resolve().parents[2]
IMPROPERLY_CONFIGURED = "django.core.exceptions.ImproperlyConfigured"
# 60 characters, many distinct ones: what `secrets.token_urlsafe(45)` gives.
SECRET_KEY = "q7Xv2LpR9sTzW4yBn8KcMf3HjD6gA1eUoI5rE0tYuPmNbVxZlQsCwJkFhGdS"
# Nothing listens on port 1: settings and `check --deploy` must not need these services.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "DJANGO_SECRET_KEY": SECRET_KEY,
    "DJANGO_ALLOWED_HOSTS": "permits.example.gov.cn",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:1/x",
    "CACHE_URL": "redis://127.0.0.1:1/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    "EMAIL_URL": "smtp+tls://portal:secret@mail.example.gov.cn:587",
    "PORTAL_SITE_URL": "https://permits.example.gov.cn",
    # Settings only check that a key is named; portal.signing reads it when it signs.
    "PORTAL_SIGNING_KEY_FILE": "/run/secrets/portal-signing-key.pem",
}
CONTROLLED_PREFIXES = (
    "DJANGO_",
    "PORTAL_",
    "CELERY_",
    "DATABASE_",
    "CACHE_",
    "API_THROTTLE_",
    "EMAIL_",
)

# Imports a settings module and prints, as JSON, either the error or the values tested.
PROBE = """
import importlib, json, sys
try:
    s = importlib.import_module(sys.argv[1])
except Exception as exc:
    kind = type(exc).__module__ + "." + type(exc).__qualname__
    print(json.dumps({"error": kind, "message": str(exc)}))
    raise SystemExit(0)
db = s.DATABASES["default"]
print(json.dumps({
    "BASE_DIR": str(s.BASE_DIR),
    "DEBUG": s.DEBUG,
    "SECRET_KEY": s.SECRET_KEY,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "CONN_MAX_AGE": db["CONN_MAX_AGE"],
    "CONN_HEALTH_CHECKS": db["CONN_HEALTH_CHECKS"],
    "CACHE_BACKEND": s.CACHES["default"]["BACKEND"],
    "CELERY_BROKER_URL": s.CELERY_BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": s.CELERY_TASK_ALWAYS_EAGER,
    "MEDIA_ROOT": str(s.MEDIA_ROOT),
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
    "THROTTLE_ANON": s.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"],
    "PORTAL_TWO_FACTOR_REQUIRED": s.PORTAL_TWO_FACTOR_REQUIRED,
}))
"""


def documented_variables() -> set[str]:
    """Every variable named in .env.example, active or commented out."""
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def environment(**variables: str) -> dict[str, str]:
    """The calling environment without any portal setting, plus ``variables``."""
    removed = documented_variables()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in removed and not key.startswith(CONTROLLED_PREFIXES)
    }
    env.update(variables)
    return env


def probe(module: str, *, cwd: Path = REPO, **variables: str) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PROBE, module],
        cwd=cwd,
        env=environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production(**overrides: str | None) -> dict[str, Any]:
    """Import the production settings with real-looking values, changed by ``overrides``
    (``None`` removes a variable)."""
    variables = {**PRODUCTION_ENV, **overrides}
    return probe(
        "portal.settings.production",
        **{key: value for key, value in variables.items() if value is not None},
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the ``portal`` package, so that a ``.env`` can be put beside it."""
    shutil.copytree(
        REPO / "portal", tmp_path / "portal", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path


# --- Production fails closed -----------------------------------------------------------------


def test_production_starts_with_real_values() -> None:
    values = production()

    assert values["DEBUG"] is False
    assert values["SECRET_KEY"] == SECRET_KEY
    assert values["ALLOWED_HOSTS"] == ["permits.example.gov.cn"]
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["CACHE_BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:1/0"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["PORTAL_TWO_FACTOR_REQUIRED"] is True


def missing(name: str) -> str:
    return f"Set the {name} environment variable (see docs/configuration.md)."


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_SECRET_KEY": None}, missing("DJANGO_SECRET_KEY")),
        # Empty, as in .env.example before it is filled in: the same as missing.
        ({"DJANGO_SECRET_KEY": ""}, missing("DJANGO_SECRET_KEY")),
        (
            {"DJANGO_SECRET_KEY": SECRET_KEY[:49]},
            "DJANGO_SECRET_KEY must be at least 50 characters long.",
        ),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS must name at least one host."),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS must name at least one host."),
        (
            {"DATABASE_URL": "sqlite:////tmp/portal.sqlite3"},
            "Production runs on PostgreSQL: set DATABASE_URL to a postgres:// URL.",
        ),
        ({"DATABASE_URL": None}, missing("DATABASE_URL")),
        ({"CACHE_URL": None}, missing("CACHE_URL")),
        ({"CELERY_BROKER_URL": None}, missing("CELERY_BROKER_URL")),
        ({"EMAIL_URL": None}, missing("EMAIL_URL")),
        ({"PORTAL_SITE_URL": None}, missing("PORTAL_SITE_URL")),
        (
            {"PORTAL_SITE_URL": "http://permits.example.gov.cn"},
            "PORTAL_SITE_URL must be an https:// address.",
        ),
        (
            {"PORTAL_SIGNING_KEY_FILE": None},
            "Set PORTAL_SIGNING_KEY_FILE (or PORTAL_SIGNING_KEY) to the document-signing key "
            "(docs/deployment.md, 'The document-signing key').",
        ),
    ],
    ids=[
        "no-secret-key",
        "empty-secret-key",
        "short-secret-key",
        "no-allowed-hosts",
        "empty-allowed-hosts",
        "sqlite-database",
        "no-database",
        "no-cache",
        "no-broker",
        "no-email",
        "no-site-url",
        "plain-http-site-url",
        "no-signing-key",
    ],
)
def test_production_refuses_to_start_without(
    overrides: dict[str, str | None], message: str
) -> None:
    assert production(**overrides) == {"error": IMPROPERLY_CONFIGURED, "message": message}


def test_production_accepts_a_secret_key_of_exactly_50_characters() -> None:
    assert production(DJANGO_SECRET_KEY=SECRET_KEY[:50])["SECRET_KEY"] == SECRET_KEY[:50]


@pytest.mark.parametrize("value", ["1", "0", "-3"])
def test_production_refuses_to_publish_small_statistics_cells(value: str) -> None:
    values = production(PORTAL_STATISTICS_MIN_CELL=value)

    assert values == {
        "error": IMPROPERLY_CONFIGURED,
        "message": "PORTAL_STATISTICS_MIN_CELL must be 2 or more (counts below it are withheld "
        f"on the public statistics page); it is {int(value)}.",
    }


def test_production_refuses_an_empty_cache_url() -> None:
    assert production(CACHE_URL="")["error"] == IMPROPERLY_CONFIGURED


def test_production_refuses_an_empty_broker_url() -> None:
    values = production(CELERY_BROKER_URL="")

    assert values.get("error") == IMPROPERLY_CONFIGURED
    assert "CELERY_BROKER_URL" in values["message"]


def test_production_refuses_an_empty_database_url() -> None:
    values = production(DATABASE_URL="")

    assert values.get("error") == IMPROPERLY_CONFIGURED
    assert "DATABASE_URL" in values["message"]


def test_production_ignores_debug_and_second_factor_switches() -> None:
    values = production(DJANGO_DEBUG="true", PORTAL_TWO_FACTOR_REQUIRED="false")

    assert values["DEBUG"] is False
    assert values["PORTAL_TWO_FACTOR_REQUIRED"] is True


def test_production_keeps_connections_open_with_health_checks() -> None:
    values = production()

    assert values["CONN_MAX_AGE"] == 600
    assert values["CONN_HEALTH_CHECKS"] is True


def run_manage(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_has_no_errors_without_a_reachable_database() -> None:
    result = run_manage("check", "--deploy", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr


def test_deploy_check_has_no_warnings_when_hsts_preload_is_on() -> None:
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        **PRODUCTION_ENV, DJANGO_SECURE_HSTS_PRELOAD="true",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"


def test_deploy_check_has_no_warnings_with_the_documented_values() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    # security.W021 (HSTS preload) is silenced until the domain's owner opts in.
    assert result.stdout == "System check identified no issues (1 silenced).\n"


HEALTHZ_BEHIND_PROXY = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="permits.example.gov.cn")
for path in ("/healthz", "/zh-hans/"):
    response = client.get(path)
    print(path, response.status_code, response.get("Location", "-"))
"""


def test_production_redirects_plain_http_except_healthz() -> None:
    # Load balancers probe /healthz over plain HTTP; everything else goes to HTTPS.
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", HEALTHZ_BEHIND_PROXY],
        cwd=REPO,
        env=environment(**PRODUCTION_ENV),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    # /healthz answers (503: nothing listens on the configured services), not a redirect.
    assert result.stdout.splitlines() == [
        "/healthz 503 -",
        "/zh-hans/ 301 https://permits.example.gov.cn/zh-hans/",
    ]


# --- The embedded default and .env ---------------------------------------------------------


def test_local_settings_need_nothing_installed(checkout: Path) -> None:
    values = probe("portal.settings.local", cwd=checkout)

    assert values["BASE_DIR"] == str(checkout)
    assert values["DEBUG"] is True
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(checkout / "var" / "db.sqlite3")
    assert values["CONN_MAX_AGE"] == 0  # SQLite: a connection per request
    assert values["MEDIA_ROOT"] == str(checkout / "var" / "media")
    assert values["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["CELERY_BROKER_URL"] == ""
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert (checkout / "var").is_dir()


def test_local_settings_with_postgres_keep_connections_open(checkout: Path) -> None:
    values = probe(
        "portal.settings.local", cwd=checkout, DATABASE_URL="postgres://u:p@127.0.0.1:1/x"
    )

    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["CONN_MAX_AGE"] == 600
    assert values["CONN_HEALTH_CHECKS"] is True


def test_connection_age_is_configurable(checkout: Path) -> None:
    values = probe(
        "portal.settings.local",
        cwd=checkout,
        DATABASE_URL="postgres://u:p@127.0.0.1:1/x",
        DATABASE_CONN_MAX_AGE="60",
    )

    assert values["CONN_MAX_AGE"] == 60


DOT_ENV = """\
DJANGO_DEBUG=false
CELERY_BROKER_URL=redis://127.0.0.1:1/0
API_THROTTLE_ANON=7/minute
"""


def test_local_settings_read_dot_env(checkout: Path) -> None:
    (checkout / ".env").write_text(DOT_ENV, encoding="utf-8")

    values = probe("portal.settings.local", cwd=checkout)

    assert values["DEBUG"] is False
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:1/0"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["THROTTLE_ANON"] == "7/minute"


def test_environment_wins_over_dot_env(checkout: Path) -> None:
    (checkout / ".env").write_text(DOT_ENV, encoding="utf-8")

    values = probe("portal.settings.local", cwd=checkout, DJANGO_DEBUG="true")

    assert values["DEBUG"] is True
    assert values["THROTTLE_ANON"] == "7/minute"


def test_test_settings_do_not_read_dot_env(checkout: Path) -> None:
    (checkout / ".env").write_text(DOT_ENV, encoding="utf-8")

    values = probe("portal.settings.test", cwd=checkout)

    assert values["BASE_DIR"] == str(checkout)
    assert values["DEBUG"] is False
    assert values["CELERY_BROKER_URL"] == ""
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["THROTTLE_ANON"] == "60/minute"


def test_these_tests_run_with_the_test_settings(settings: Any) -> None:
    assert settings.SETTINGS_MODULE == "portal.settings.test"
    assert settings.DEBUG is False
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == []
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Security headers ------------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client: Client) -> None:
    response = client.get("/zh-hans/")

    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    assert csp_directives(header) == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


@pytest.mark.django_db
def test_pages_carry_the_other_security_headers(client: Client) -> None:
    response = client.get("/zh-hans/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
