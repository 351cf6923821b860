"""API endpoints of the catalogs app, mounted under /api/v1/ in the ``api`` namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
