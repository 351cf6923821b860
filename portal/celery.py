"""The Celery application, configured from Django settings (``CELERY_*``).

Without ``CELERY_BROKER_URL`` the settings make every task run eagerly in-process, so the
embedded default needs no Redis. The beat schedule lives in settings. ``manage.py`` and
``make run`` load the local settings first; a bare ``celery -A portal worker`` defaults to
production settings and needs their environment.
"""

import os

from celery import Celery

# Like the WSGI entry point: a worker started without settings never runs development ones.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
