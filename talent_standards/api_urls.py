"""API endpoints of the talent standards app, mounted under /api/v1/ (namespace ``api``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
