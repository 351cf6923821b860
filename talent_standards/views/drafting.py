"""Pages of the talent standards app (drafting)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
