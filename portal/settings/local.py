"""The embedded default: nothing to install beyond Python.

SQLite in ``var/``, uploaded and generated files in ``var/media``, the console e-mail
backend, tasks run in-process unless ``CELERY_BROKER_URL`` is set. Used by ``make run``
and, through ``portal.settings.test``, by ``make test``.
"""

from pathlib import Path

import environ

# A developer may keep overrides in a .env file beside manage.py (never committed). It is
# read before the shared settings so that they see it; tests and production do not read it.
environ.Env.read_env(Path(__file__).resolve().parents[2] / ".env", overwrite=False)

from .base import *  # noqa: E402, F403
from .base import VAR_DIR, env  # noqa: E402

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A fixed key is acceptable only here: this module is never used in production, and the
# production module has no default at all.
SECRET_KEY = (
    env.str("DJANGO_SECRET_KEY", default="")
    or "local-development-only-not-a-secret-6f1d0c9a8b7e4f2d"
)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"]
)

(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
