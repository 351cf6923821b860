"""Settings shared by every environment.

Every value that differs between deployments is read from the environment through
django-environ; ``docs/configuration.md`` lists each variable with its development and
production default. This module never holds a secret: the embedded default
(``portal.settings.local``) supplies harmless development values, and
``portal.settings.production`` refuses to start without real ones.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The kernel comes first so its templates and translations win.
    "portal",
    "catalogs",
    "talent_standards",
    "credit",
    "permits",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages middleware: it tells the person why they were signed out.
    "portal.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "portal.context_processors.navigation_menu",
                "portal.context_processors.notifications_unread",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# Persistent connections with health checks: measured on the target hardware, reusing a
# connection is worth about five times the throughput of a read endpoint.
# An empty DATABASE_URL means "not set": the embedded SQLite database.
DATABASE_URL = env.str("DATABASE_URL", default="").strip() or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serves one writer at a time; wait for the lock instead of failing at once,
    # and take the write lock at the start of a transaction so that read-then-write
    # sequences (audit chain, counters) cannot deadlock.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    # The rule tables of permits hold one row per kind and province, the national one with
    # region NULL, through ``nulls_distinct=False``, which SQLite cannot create. The admin's
    # forms still check the constraint (Django validates it in Python, and national rows
    # come only by migration); PostgreSQL, in every real deployment, enforces it too.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
# Empty means "not set" here as everywhere: the in-process cache of the embedded default.
CACHES = {
    "default": env.cache_url_config(
        env.str("CACHE_URL", default="").strip() or "locmemcache://portal-default"
    ),
}

# --- Identity ---------------------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "portal:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day, for invitations as well as resets

# Officers and ministry staff sign in with a second factor (TOTP). Turning this off is
# meant for throw-away demonstrations only; production refuses to start without it.
PORTAL_TWO_FACTOR_REQUIRED = env.bool("PORTAL_TWO_FACTOR_REQUIRED", default=True)
# After this many failed sign-ins for one account within the window, the account's
# sign-in is refused for the rest of the window (the attempt is still audited).
PORTAL_LOGIN_FAILURE_LIMIT = env.int("PORTAL_LOGIN_FAILURE_LIMIT", default=5)
PORTAL_LOGIN_FAILURE_WINDOW = env.int("PORTAL_LOGIN_FAILURE_WINDOW", default=15 * 60)

# django-guardian: no anonymous user row; the public sees public pages, not objects.
ANONYMOUS_USER_NAME = None
GUARDIAN_RENDER_403 = False
GUARDIAN_RAISE_403 = False

# The TLS proxies in front of the portal (IP addresses or networks, comma-separated). When a
# request comes from one of them, the client's address is read from X-Forwarded-For; from
# anyone else, that header is ignored. Empty: the connection's own address is used.
PORTAL_TRUSTED_PROXIES: list[str] = env.list("PORTAL_TRUSTED_PROXIES", default=[])
PORTAL_TRUSTED_PROXY_NETWORKS = [
    ipaddress.ip_network(entry.strip(), strict=False)
    for entry in PORTAL_TRUSTED_PROXIES
    if entry.strip()
]

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
# Aware datetimes everywhere: UTC in the database, China Standard Time for display and
# for every statutory deadline.
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"

# --- Static and uploaded files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Largest document accepted (applications, registrations, credit evidence), checked by
# portal.files.store_upload.
PORTAL_UPLOAD_MAX_BYTES = env.int("PORTAL_UPLOAD_MAX_MB", default=10) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail ----------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url_config(env.str("EMAIL_URL", default="").strip() or "consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Work Permit Portal <no-reply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers -------------------------------------------------------------------
# A strict Content-Security-Policy from the first template: no inline scripts or styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8  # one working day
CSRF_COOKIE_SAMESITE = "Lax"

# --- REST API ---------------------------------------------------------------------------
# Turned off only where a gateway in front of the portal throttles instead; views with a
# throttle of their own (the points assessment) follow it too.
API_THROTTLE_ENABLED = env.bool("API_THROTTLE_ENABLED", default=True)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
        # The public points self-assessment (talent_standards.api.PointsRateThrottle).
        "points": env.str("API_THROTTLE_POINTS", default="30/minute"),
    },
    "DEFAULT_THROTTLE_CLASSES": (
        [
            "rest_framework.throttling.AnonRateThrottle",
            "rest_framework.throttling.UserRateThrottle",
        ]
        if API_THROTTLE_ENABLED
        else []
    ),
}
# The apps' API endpoints, mounted under /api/v1/ beside the kernel's.
PORTAL_API_URLCONFS = [
    "catalogs.api_urls",
    "talent_standards.api_urls",
    "permits.api_urls",
    "credit.api_urls",
]
SPECTACULAR_SETTINGS = {
    "TITLE": "Foreigner's Work Permit Portal API",
    "DESCRIPTION": (
        "Machine access to the work-permit portal. Errors are JSON objects with a stable "
        "`code`, a human `message` and, for invalid input, `fields`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name (kind, state, category...) with another set get
    # a name of their own; the older ones keep the names they had.
    "ENUM_NAME_OVERRIDES": {
        "ApplicationKindEnum": "permits.models.Application.Kind",
        "ApplicationStateEnum": "permits.models.Application.State",
        "ApplicationEducationEnum": "permits.models.Application.Education",
        "ApplicationSkillCertificateEnum": "permits.models.Application.SkillCertificate",
        "DocumentKindEnum": "permits.models.Document.Kind",
        "PermitStateEnum": "permits.models.Permit.State",
        "PermitCategoryEnum": "talent_standards.models.Category",
        "CategoryEnum": "catalogs.models.CatalogEntry.Category",
        "KindEnum": "portal.models.Organization.Kind",
        "StateEnum": "portal.models.filing.FilingState",
        "StatusEnum": "portal.models.filing.FilingStatus",
        "EducationEnum": ["doctorate", "master", "bachelor", "none"],
        "SkillCertificateEnum": ["none", "senior_worker", "technician", "top"],
    },
}

# --- Background work -----------------------------------------------------------------------
# Without a broker (the embedded default) tasks run eagerly in-process; with one, Celery
# workers take them. Tasks take ids, are idempotent, acknowledge late and retry.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE = {
    # Hash chain of the audit log verified every night; a break is logged as an error.
    "audit-verify-chain": {
        "task": "portal.tasks.audit_verify_chain",
        "schedule": crontab(hour=2, minute=30),
    },
    # Standards and catalogs past their validity lapse, superseded ones are marked, and
    # drafters are reminded 90 and 30 days before and at expiry.
    "filings-daily": {
        "task": "portal.tasks.filings_daily",
        "schedule": crontab(hour=0, minute=15),
    },
    # Warn site admins when next year's official holidays have not been entered.
    "calendar-coverage-check": {
        "task": "portal.tasks.calendar_coverage_check",
        "schedule": crontab(hour=8, minute=0),
    },
    # Uploads nothing points at any more, and files of rolled-back uploads, are removed.
    "sweep-orphan-files": {
        "task": "portal.tasks.sweep_orphan_files",
        "schedule": crontab(hour=3, minute=40),
    },
    # Letters and permits past their last day recorded as expired (they read so at once).
    "permits-expire": {
        "task": "permits.tasks.expire_letters_and_permits",
        "schedule": crontab(hour=0, minute=5),
    },
    # Open applications past their due date escalated, once each.
    "permits-escalate-overdue": {
        "task": "permits.tasks.escalate_overdue_applications",
        "schedule": crontab(hour=7, minute=0),
    },
    # Issued documents left pending (a lost message or worker) queued again.
    "documents-sweep": {
        "task": "portal.tasks.documents_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # The summaries behind the statistics pages, for what changed since the last run.
    "permits-refresh-statistics": {
        "task": "permits.tasks.refresh_statistics",
        "schedule": crontab(minute="*/15"),
    },
    # Officers warned of deadlines a few working days ahead, employers of permits whose
    # extension window has opened (each once).
    "permits-remind-deadlines": {
        "task": "permits.tasks.remind_deadlines",
        "schedule": crontab(hour=7, minute=30),
    },
    # Notification e-mails whose message was lost (a broker that was down) queued again.
    "notifications-sweep": {
        "task": "portal.tasks.notifications_sweep",
        "schedule": crontab(minute="*/15"),
    },
}

# --- Work permits ----------------------------------------------------------------------------
# An application is flagged "due soon" in the officers' queue this many working days ahead.
PORTAL_DUE_SOON_WORKING_DAYS = env.int("PORTAL_DUE_SOON_WORKING_DAYS", default=2)
# Officers are told by notification (inbox and e-mail) of an application they must act on
# when its due date is this many working days away or fewer (once per due date).
PORTAL_DEADLINE_WARNING_WORKING_DAYS = env.int("PORTAL_DEADLINE_WARNING_WORKING_DAYS", default=2)
# Registrations that open a new account, per client address and hour (the public form).
PORTAL_REGISTRATION_LIMIT_PER_HOUR = env.int("PORTAL_REGISTRATION_LIMIT_PER_HOUR", default=10)

# --- Credit ----------------------------------------------------------------------------------
# An employer in good standing with no dishonest record in effect during this many months
# (and registered in the portal at least as long) counts as trusted: fewer checks.
PORTAL_CREDIT_TRUSTED_AFTER_MONTHS = env.int("PORTAL_CREDIT_TRUSTED_AFTER_MONTHS", default=24)

# --- Statistics ------------------------------------------------------------------------------
# The public statistics page withholds counts from 1 to this number minus one ("<5"), and
# the cells that would give them away from a total.
PORTAL_STATISTICS_MIN_CELL = env.int("PORTAL_STATISTICS_MIN_CELL", default=5)
if PORTAL_STATISTICS_MIN_CELL < 2:
    # 1 or less would publish every count, a cell of one person included: fail closed.
    raise ImproperlyConfigured(
        "PORTAL_STATISTICS_MIN_CELL must be 2 or more (counts below it are withheld on "
        f"the public statistics page); it is {PORTAL_STATISTICS_MIN_CELL}."
    )

# --- Documents -------------------------------------------------------------------------------
PORTAL_NAME = _("Foreigner's Work Permit Portal")
# The address people reach the portal at: the QR code of every issued document points at
# its verify page there (production requires it).
PORTAL_SITE_URL = env.str("PORTAL_SITE_URL", default="").strip() or "http://127.0.0.1:8000"
# The Ed25519 key that signs issued documents: PEM text, or the path of a PEM file
# (portal.signing). Outside production a development key is made under var/ when neither
# is set; production refuses to start without one.
PORTAL_SIGNING_KEY = env.str("PORTAL_SIGNING_KEY", default="").strip()
PORTAL_SIGNING_KEY_FILE = env.str("PORTAL_SIGNING_KEY_FILE", default="").strip()
PORTAL_SIGNING_DEV_KEY_FILE: str | None = str(VAR_DIR / "dev-signing-key.pem")
# A document still pending after this many minutes is queued again by the sweeper.
PORTAL_DOCUMENT_SWEEP_MINUTES = env.int("PORTAL_DOCUMENT_SWEEP_MINUTES", default=10)
# Retries of a failed render (5 s, 10 s, 20 s, ... up to 10 min apart) before it is failed.
PORTAL_DOCUMENT_RENDER_RETRIES = env.int("PORTAL_DOCUMENT_RENDER_RETRIES", default=4)
# Checks on the public verify page per client address and minute.
PORTAL_VERIFY_LIMIT_PER_MINUTE = env.int("PORTAL_VERIFY_LIMIT_PER_MINUTE", default=30)
# Issued documents and uploads go to S3-compatible storage when a bucket is named
# (django-storages; credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY); to
# DJANGO_MEDIA_ROOT otherwise.
PORTAL_S3_BUCKET = env.str("PORTAL_S3_BUCKET", default="").strip()
if PORTAL_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PORTAL_S3_BUCKET,
            "endpoint_url": env.str("PORTAL_S3_ENDPOINT_URL", default="").strip() or None,
            "region_name": env.str("PORTAL_S3_REGION", default="").strip() or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint reports every step at INFO; fontTools every glyph table.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
