"""Demo data of the talent standards app (see load)."""

from __future__ import annotations

from typing import Any


def load(**kwargs: Any) -> None:
    """Filled in below."""
