"""The Celery application, configured from Django settings (``CELERY_*``).

Without ``CELERY_BROKER_URL`` the settings make every task run eagerly in-process, so the
embedded default needs no Redis. The beat schedule lives in settings.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
