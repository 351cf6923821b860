"""Counting attempts in a time window, in the cache (Redis in production).

Sign-in failures, wrong second-factor codes, registrations opening accounts and checks on
the public verify page are all limited the same way: one counter per key, created with
the window as its lifetime, incremented atomically. The counter expires with its window,
so the limit resets without a job.
"""

from __future__ import annotations

from django.core.cache import cache


def count(key: str, window: int) -> int:
    """Add one to the counter ``key`` (created with a lifetime of ``window`` seconds) and
    return its value."""
    cache.add(key, 0, window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1
