from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from portal import navigation
from portal.access import role_names


def navigation_menu(request: HttpRequest) -> dict[str, Any]:
    """The menu for this person, each entry marked when it is the current section."""
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    roles = role_names(user) if user is not None and signed_in else frozenset()
    home_url = ""
    entries = []
    for item, url in navigation.items_for(roles, signed_in=signed_in):
        if item.key == "home":
            home_url = url
        entries.append((item, url))
    path = request.path
    menu = [
        {
            "key": item.key,
            "label": item.label,
            "url": url,
            "active": path == url or (url != home_url and path.startswith(url)),
        }
        for item, url in entries
    ]
    return {
        "nav_items": menu,
        "portal_name": settings.PORTAL_NAME,
        "user_roles": roles,
    }
