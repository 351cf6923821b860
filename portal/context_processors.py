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
    # The current section is the entry whose address is the longest prefix of the page's
    # (so /standards/self-assessment/ marks "Points self-assessment", not "Talent
    # standards" as well); home only on the home page itself.
    matching = [
        url for _item, url in entries if path == url or (url != home_url and path.startswith(url))
    ]
    current = max(matching, key=len) if matching else None
    menu = [
        {"key": item.key, "label": item.label, "url": url, "active": url == current}
        for item, url in entries
    ]
    # Someone with a role sees their work first; the public pages (catalogs, guides,
    # announcements...) fold into one "Public information" entry instead of filling two
    # more rows. Visitors and people without a role see them all, as they are their menu.
    public: list[dict[str, Any]] = []
    if roles:
        public_keys = {
            item.key
            for item, _url in entries
            if item.audience == navigation.PUBLIC and item.key != "home"
        }
        public = [entry for entry in menu if entry["key"] in public_keys]
        menu = [entry for entry in menu if entry["key"] not in public_keys]
    return {
        "nav_items": menu,
        "nav_public": public,
        "nav_public_active": any(entry["active"] for entry in public),
        "portal_name": settings.PORTAL_NAME,
        "user_roles": roles,
    }


def notifications_unread(request: HttpRequest) -> dict[str, Any]:
    """The unread count for the header: counted (one COUNT on a partial index) only when a
    template reads it, and never for an anonymous visitor."""
    from portal.notifications import UnreadNotifications

    return {"notifications_unread": UnreadNotifications(getattr(request, "user", None))}
