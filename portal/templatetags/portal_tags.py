from __future__ import annotations

from django import template

from portal.roles import ROLE_SPECS

register = template.Library()


@register.filter
def role_label(name: str) -> str:
    """The translated label of a role given its group name."""
    spec = ROLE_SPECS.get(name)
    return spec.label if spec is not None else name
