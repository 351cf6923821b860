"""Race-free counters for numbers that must never repeat.

The increment is a single UPDATE, so the row (PostgreSQL) or the database (SQLite) is
locked from the increment until the caller's transaction ends: two concurrent callers
never read the same value, and a rolled-back caller gives its number back.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from portal.models import Sequence


def sequence_next(name: str) -> int:
    """The next value of the named counter (1 for a new counter)."""
    with transaction.atomic():
        if not Sequence.objects.filter(name=name).update(value=F("value") + 1):
            try:
                with transaction.atomic():
                    Sequence.objects.create(name=name, value=1)
            except IntegrityError:  # created concurrently: fall through to increment
                Sequence.objects.filter(name=name).update(value=F("value") + 1)
            else:
                return 1
        return Sequence.objects.values_list("value", flat=True).get(name=name)
