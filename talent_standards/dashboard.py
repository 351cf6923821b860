"""The talent standards app's sections of the work page."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from portal.models import User
from talent_standards import selectors

SHOWN = 5


def drafter_context(user: User) -> dict[str, Any]:
    today = timezone.localdate()
    standards = list(selectors.regional_standards_for_drafter(user)[:SHOWN])
    agreements = list(selectors.agreements_for_drafter(user)[:SHOWN])
    return {
        "standards": [(s, s.status_on(today)) for s in standards],
        "agreements": agreements,
        "today": today,
    }


def reviewer_context(user: User) -> dict[str, Any]:
    return {"queue": list(selectors.regional_standards_for_review()[:SHOWN])}
