"""Production settings: fail closed.

No default secret key, DEBUG off, allowed hosts required, PostgreSQL and Redis required,
HTTPS assumed behind a TLS-terminating proxy. An empty variable counts as a missing one.
``manage.py check --deploy`` passes when real values are given
(``tests/portal/test_settings.py`` proves it).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, env


def _required(name: str) -> str:
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(
            f"Set the {name} environment variable (see docs/configuration.md)."
        )
    return value


DEBUG = False
SECRET_KEY = _required("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters long.")
# Former keys, while sessions, reset links and second-factor secrets made with them are
# still in use (docs/deployment.md: rotating the key).
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = [host for host in env.list("DJANGO_ALLOWED_HOSTS", default=[]) if host]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name at least one host.")

_required("DATABASE_URL")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "Production runs on PostgreSQL: set DATABASE_URL to a postgres:// URL."
    )
CACHES = {"default": env.cache_url_config(_required("CACHE_URL"))}  # Redis in production
CELERY_BROKER_URL = _required("CELERY_BROKER_URL")  # workers need a broker
# Invitations and password resets go by e-mail: a console backend would lose them.
EMAIL_CONFIG = env.email_url_config(_required("EMAIL_URL"))
vars().update(EMAIL_CONFIG)
CELERY_TASK_ALWAYS_EAGER = False
# Issued documents point at the public address and are signed with a key kept outside the
# repository; no development key is ever made here.
PORTAL_SITE_URL = _required("PORTAL_SITE_URL")
if not PORTAL_SITE_URL.startswith("https://"):
    raise ImproperlyConfigured("PORTAL_SITE_URL must be an https:// address.")
PORTAL_SIGNING_DEV_KEY_FILE = None
if not (
    env.str("PORTAL_SIGNING_KEY", default="").strip()
    or env.str("PORTAL_SIGNING_KEY_FILE", default="").strip()
):
    raise ImproperlyConfigured(
        "Set PORTAL_SIGNING_KEY_FILE (or PORTAL_SIGNING_KEY) to the document-signing key "
        "(docs/deployment.md, 'The document-signing key')."
    )

PORTAL_TWO_FACTOR_REQUIRED = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Preloading HSTS binds every subdomain for years: a decision for the domain's owner, not
# a default. Django's deploy check warns about it (security.W021) until it is made.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
