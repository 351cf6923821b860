"""Pages of the talent standards app (review)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
