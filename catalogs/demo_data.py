"""Demo data of the catalogs app (filled in with the catalog pages)."""

from __future__ import annotations

from typing import Any


def load(**kwargs: Any) -> None:
    """Placeholder removed below."""
