"""Test settings: the embedded default, or real services when the environment names them.

``DATABASE_URL`` selects PostgreSQL and ``CELERY_BROKER_URL`` / ``CACHE_URL`` Redis, as
``.ci/run`` does. A developer's ``.env`` file is not read: tests see only the environment.
Tasks run eagerly inside tests (a test asserts outcomes, not a queue), except in the tests
that start a real worker against the broker.
"""

import os
import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from .base import *  # noqa: F403
from .base import CACHES, CELERY_BROKER_URL, REST_FRAMEWORK, VAR_DIR, env

DEBUG = False
SECRET_KEY = "tests-only-not-a-secret-0123456789abcdef0123456789abcdef"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True

# Tests run in parallel processes (pytest-xdist: "gw0", "gw1"...). Each has its own test
# database (pytest-django adds the suffix) and, when Redis is used, its own Redis
# databases: the cache is flushed before every test, and a test's Celery worker must not
# take another process's tasks. Process n uses the configured database numbers plus 2n
# (broker 0 and cache 1 become 2 and 3 for "gw1").
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _own_redis_db(url: str) -> str:
    match = re.fullmatch(r"(rediss?://[^/]+)/(\d+)", url)
    if not XDIST_WORKER or match is None:
        return url
    return f"{match.group(1)}/{int(match.group(2)) + 2 * int(XDIST_WORKER.removeprefix('gw'))}"


CELERY_BROKER_URL = _own_redis_db(CELERY_BROKER_URL)
if isinstance(CACHES["default"].get("LOCATION"), str):
    CACHES = {
        "default": {**CACHES["default"], "LOCATION": _own_redis_db(CACHES["default"]["LOCATION"])}
    }
PORTAL_TEST_BROKER_URL = CELERY_BROKER_URL
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
API_THROTTLE_ENABLED = False
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}

# A model with a lifecycle, to test the workflow engine on its own.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]

# Issued documents: a signing key made for this test run (never a file, never committed;
# a worker started by a test is handed the same key through the environment) and a fixed
# public address for the QR codes.
PORTAL_SIGNING_KEY = env.str("PORTAL_SIGNING_KEY", default="").strip() or (
    Ed25519PrivateKey.generate()
    .private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    .decode()
)
PORTAL_SIGNING_KEY_FILE = ""
PORTAL_SIGNING_DEV_KEY_FILE = None
PORTAL_SITE_URL = "https://portal.example.test"
