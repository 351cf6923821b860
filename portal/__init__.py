"""The work-permit portal: project package and shared kernel app."""

from .celery import app as celery_app

__all__ = ["celery_app"]
