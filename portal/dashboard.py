"""Sections of the work page contributed by the domain apps.

The kernel's dashboard shows identity, roles and the organization; each app registers the
sections of its own work (catalogs to draft, filings to review, applications to accept...)
from its ``AppConfig.ready``. A section names the roles that see it, a template, and a
function that builds its context from the user (through the app's selectors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.models import User


@dataclass(frozen=True)
class DashboardSection:
    key: str
    roles: frozenset[str]
    template: str
    context: Callable[[User], dict[str, Any]]
    order: int = 100


_SECTIONS: dict[str, DashboardSection] = {}


def register(section: DashboardSection) -> None:
    _SECTIONS[section.key] = section


def sections_for(user: User, role_names: frozenset[str]) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of every section the user's roles see, in order."""
    return [
        (section.template, section.context(user))
        for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))
        if section.roles & role_names
    ]
