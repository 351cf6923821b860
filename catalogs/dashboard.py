"""The catalogs app's sections of the work page."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from catalogs import selectors
from portal.models import User

SHOWN = 5


def drafter_context(user: User) -> dict[str, Any]:
    catalogs = list(selectors.catalogs_for_drafter(user)[:SHOWN])
    today = timezone.localdate()
    return {"catalogs": [(c, c.status_on(today)) for c in catalogs]}


def reviewer_context(user: User) -> dict[str, Any]:
    return {"queue": list(selectors.catalogs_for_review()[:SHOWN])}


def stakeholder_context(user: User) -> dict[str, Any]:
    return {"drafts": list(selectors.catalogs_consulting(user)[:SHOWN])}
