"""What the permits app adds to the kernel's shared pages, from ``PermitsConfig.ready``: its
menu entries, its sections of the work page, its demonstration data. The kernel names no
permits URL; entries whose URL is not mounted hide themselves."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal import demo, navigation
from portal.navigation import ROLELESS, NavItem
from portal.roles import EMPLOYER_SIDE_ROLES, Role

EMPLOYER_PEOPLE = EMPLOYER_SIDE_ROLES
OFFICERS = frozenset({Role.ACCEPTANCE_OFFICER.value, Role.DECISION_OFFICER.value})


def register() -> None:
    from permits import dashboard, demo_data

    for item in (
        NavItem("applications", _("Applications"), "permits:applications", EMPLOYER_PEOPLE, 15),
        NavItem("review_applications", _("Applications"), "permits:review_queue", OFFICERS, 15),
        NavItem("permits", _("Permits"), "permits:permits", EMPLOYER_PEOPLE, 16),
        NavItem("review_permits", _("Permits"), "permits:officer_permits", OFFICERS, 16),
        NavItem("legacy_documents", _("Pre-2017 permits"), "permits:legacy_list", OFFICERS, 17),
        NavItem(
            "registration_queue",
            _("Registrations"),
            "permits:registration_queue",
            frozenset({Role.ACCEPTANCE_OFFICER.value}),
            30,
        ),
        NavItem("registration", _("Register"), "permits:registration_start", ROLELESS, 70),
        NavItem(
            "attorney",
            _("Powers of attorney"),
            "permits:attorney_list",
            frozenset({Role.EMPLOYER_ADMIN.value}),
            81,
        ),
        NavItem(
            "represented",
            _("Employers we act for"),
            "permits:attorney_represented",
            frozenset({Role.AGENCY_AGENT.value}),
            81,
        ),
    ):
        navigation.register(item)
    dashboard.register()
    demo.register("Work permits", demo_data.load)
    # "Double random" inspections draw from the employers that hold permits.
    from credit import services as credit_services
    from permits.selectors.permits import employers_with_active_permits

    credit_services.inspection_population_register(
        "employers_with_active_permits",
        _("Employers with active work permits"),
        employers_with_active_permits,
        filters=("category",),
    )
