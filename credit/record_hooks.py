"""What this part of the credit app adds to the kernel (menu entries, work-page sections,
demo data), called from CreditConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal import demo, navigation
from portal.navigation import PUBLIC, NavItem
from portal.roles import EMPLOYER_SIDE_ROLES, Role

SUBJECT_PEOPLE = EMPLOYER_SIDE_ROLES


def register() -> None:
    """Register with the kernel: the objection workflow with the engine (every process
    knows every workflow), the menu entries, the demo data."""
    from . import demo_data, workflows  # noqa: F401

    for item in (
        NavItem("credit_record", _("Credit record"), "credit:records", SUBJECT_PEOPLE, 82),
        NavItem(
            "credit_objections",
            _("Objections"),
            "credit:objection_queue",
            frozenset({Role.INSPECTOR.value}),
            41,
        ),
        NavItem("dishonesty_list", _("Dishonesty list"), "credit:dishonesty_list", PUBLIC, 64),
    ):
        navigation.register(item)
    demo.register("Credit", demo_data.load)
