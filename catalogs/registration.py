"""What the catalogs app adds to the kernel's registries: its filing kind (the shared
lifecycle), menu entries, API endpoints and demo data."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal import dashboard, demo, navigation
from portal.api import root as api_root
from portal.dashboard import DashboardSection
from portal.filings import register_filing_kind
from portal.navigation import PUBLIC, NavItem
from portal.publications import SubjectKind, register_subject
from portal.roles import Role

WORKFLOW_NAME = "catalogs.guidance_catalog"


def content_problems(catalog: Any) -> list[str]:
    if not catalog.entries.exists():
        return [gettext("The catalog lists no occupation yet.")]
    return []


def comment_fields(entry: Any) -> dict[str, Any]:
    return {"entry": entry, "occupation_code": entry.occupation.code}


def owns_part(catalog: Any, entry: Any) -> bool:
    return getattr(entry, "catalog_id", None) == catalog.pk


def page_url(filing: Any, audience: str) -> str:
    """The page a notification about ``filing`` opens: the drafters' or the reviewers'."""
    name = "catalogs:drafting_catalog" if audience == "drafting" else "catalogs:review_catalog"
    return reverse(name, args=[filing.pk])


def register() -> None:
    from .models import GuidanceCatalog

    register_filing_kind(
        GuidanceCatalog,
        workflow_name=WORKFLOW_NAME,
        label=_("Guidance Catalog"),
        content_problems=content_problems,
        comment_fields=comment_fields,
        owns_part=owns_part,
        page_url=page_url,
    )
    navigation.register(
        NavItem("occupations", _("Occupations"), "catalogs:occupations", PUBLIC, order=20)
    )
    navigation.register(
        NavItem("catalogs", _("Guidance Catalogs"), "catalogs:catalogs", PUBLIC, order=21)
    )
    navigation.register(
        NavItem(
            "catalog_drafting",
            _("Drafting"),
            "catalogs:drafting",
            frozenset({Role.STANDARDS_DRAFTER.value}),
            order=30,
        )
    )
    navigation.register(
        NavItem(
            "catalog_review",
            _("Filings to review"),
            "catalogs:review",
            frozenset({Role.MINISTRY_REVIEWER.value}),
            order=31,
        )
    )
    navigation.register(
        NavItem(
            "consultations",
            _("Consultations on catalogs"),
            "catalogs:consultations",
            frozenset({Role.STAKEHOLDER.value}),
            order=32,
        )
    )
    from . import dashboard as sections

    dashboard.register(
        DashboardSection(
            "catalogs_drafter",
            frozenset({Role.STANDARDS_DRAFTER.value}),
            "catalogs/dashboard/drafter.html",
            sections.drafter_context,
            order=20,
        )
    )
    dashboard.register(
        DashboardSection(
            "catalogs_reviewer",
            frozenset({Role.MINISTRY_REVIEWER.value}),
            "catalogs/dashboard/reviewer.html",
            sections.reviewer_context,
            order=20,
        )
    )
    dashboard.register(
        DashboardSection(
            "catalogs_stakeholder",
            frozenset({Role.STAKEHOLDER.value}),
            "catalogs/dashboard/stakeholder.html",
            sections.stakeholder_context,
            order=20,
        )
    )
    api_root.register("occupations", "api:occupation-list")
    api_root.register("catalogs", "api:catalog-list")

    from . import statistics as catalog_statistics

    # Coverage of the Guidance Catalogs on the statistics pages.
    catalog_statistics.register()

    from . import demo_data

    demo.register("Guidance Catalogs", demo_data.load)

    from . import publication_subjects

    # Announcements may be about a province's Guidance Catalog (key: its division code).
    register_subject(
        SubjectKind(
            publication_subjects.SUBJECT,
            _("Guidance Catalog"),
            publication_subjects.options,
            publication_subjects.describe,
        )
    )
