"""What this part of the credit app adds to the kernel (menu entries, work-page sections,
demo data), called from CreditConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal import demo, navigation
from portal.navigation import PUBLIC, NavItem
from portal.roles import Role


def register() -> None:
    """Register with the kernel: the campaign workflow (importing it registers it with the
    engine), the menu entries and the demo data."""
    from credit import inspection_demo, inspection_workflow  # noqa: F401

    navigation.register(
        NavItem(
            "inspections",
            _("Inspections"),
            "credit:inspection_campaigns",
            frozenset({Role.INSPECTOR.value}),
            40,
        )
    )
    navigation.register(
        NavItem(
            "public_inspections", _("Random inspections"), "credit:public_campaigns", PUBLIC, 65
        )
    )
    demo.register("Inspections", inspection_demo.load)
