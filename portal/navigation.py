"""The navigation menu as data.

The kernel declares its own entries here; domain apps add theirs from their
``AppConfig.ready`` with ``register``, so the kernel never imports an app to build its
menu. An entry is shown to the public, to every signed-in user, to those without a role
(visitors included), or to the holders of any of its roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.roles import Role

PUBLIC = "public"
SIGNED_IN = "signed_in"
# Visitors and signed-in people holding no role yet (someone whose organization's
# registration is still being reviewed): entries that lead to a role, such as "Register".
ROLELESS = "roleless"


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Promise | str
    url_name: str
    audience: str | frozenset[str]  # PUBLIC, SIGNED_IN, ROLELESS, or a set of role names
    order: int = 100


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _ITEMS[item.key] = item


def items_for(role_names: frozenset[str], *, signed_in: bool) -> list[tuple[NavItem, str]]:
    """The entries this person sees, with their URLs, in menu order."""
    visible: list[tuple[NavItem, str]] = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, i.key)):
        if item.audience == PUBLIC:
            pass
        elif item.audience == SIGNED_IN:
            if not signed_in:
                continue
        elif item.audience == ROLELESS:
            if role_names:
                continue
        elif not (role_names & item.audience):  # type: ignore[operator]
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        visible.append((item, url))
    return visible


OFFICER_ROLES = frozenset(
    {
        Role.ACCEPTANCE_OFFICER.value,
        Role.DECISION_OFFICER.value,
        Role.INSPECTOR.value,
        Role.STANDARDS_DRAFTER.value,
        Role.PARTNER_READER.value,
        Role.MINISTRY_REVIEWER.value,
    }
)

register(NavItem("home", _("Home"), "portal:home", PUBLIC, order=0))
register(NavItem("dashboard", _("My work"), "portal:dashboard", SIGNED_IN, order=10))
register(
    NavItem(
        "members",
        _("Colleagues"),
        "portal:members",
        frozenset({Role.EMPLOYER_ADMIN.value}),
        order=80,
    )
)
register(NavItem("organizations", _("Organizations"), "portal:organizations", OFFICER_ROLES, 85))
register(
    NavItem(
        "staff_users", _("Users and roles"), "portal:staff_users", frozenset({"site_admin"}), 90
    )
)
register(NavItem("publications", _("Announcements and policy"), "publications:list", PUBLIC, 25))
register(
    NavItem(
        "publishing_desk",
        _("Publishing desk"),
        "publications:desk",
        frozenset({Role.INFORMATION_OFFICER.value}),
        order=40,
    )
)
register(
    NavItem(
        "provincial_reports",
        _("Reports from the provinces"),
        "publications:reports",
        frozenset({Role.MINISTRY_REVIEWER.value}),
        order=41,
    )
)
register(NavItem("verify", _("Verify a document"), "portal:verify", PUBLIC, order=60))
register(NavItem("guides", _("Service guides"), "guides:list", PUBLIC, order=58))
register(NavItem("open_statistics", _("Open statistics"), "statistics:public", PUBLIC, 66))
register(
    NavItem(
        "statistics",
        _("Statistics"),
        "statistics:regulators",
        frozenset(
            {
                Role.ACCEPTANCE_OFFICER.value,
                Role.DECISION_OFFICER.value,
                Role.INSPECTOR.value,
                Role.STANDARDS_DRAFTER.value,
                Role.MINISTRY_REVIEWER.value,
                Role.SITE_ADMIN.value,
            }
        ),
        order=87,
    )
)
register(NavItem("api", _("API"), "api-docs", PUBLIC, order=95))
