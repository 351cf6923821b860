"""What the talent standards app adds to the kernel's registries."""

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

WORKFLOW_NAME = "talent_standards.regional_standard"


def content_problems(standard: Any) -> list[str]:
    if not standard.routes.exists() and not standard.bonus_rules.exists():
        return [gettext("The standard has no route and no bonus rule yet.")]
    return []


def comment_fields(part: Any) -> dict[str, Any]:
    """A comment on a route keeps the route and its code; on a bonus rule, its code."""
    from .models import RecognitionRoute

    if isinstance(part, RecognitionRoute):
        return {"route": part, "part_code": part.code}
    return {"part_code": part.code}


def owns_part(standard: Any, part: Any) -> bool:
    return getattr(part, "regional_standard_id", None) == standard.pk


def page_url(filing: Any, audience: str) -> str:
    """The page a notification about ``filing`` opens: the drafters' or the reviewers'."""
    name = "standards:drafting_standard" if audience == "drafting" else "standards:review_standard"
    return reverse(name, args=[filing.pk])


def register() -> None:
    from .models import RegionalStandard

    register_filing_kind(
        RegionalStandard,
        workflow_name=WORKFLOW_NAME,
        label=_("regional standard"),
        content_problems=content_problems,
        comment_fields=comment_fields,
        owns_part=owns_part,
        page_url=page_url,
    )
    navigation.register(
        NavItem("standards", _("Talent standards"), "standards:standards", PUBLIC, order=22)
    )
    navigation.register(
        NavItem("self_assessment", _("Points self-assessment"), "standards:assess", PUBLIC, 23)
    )
    navigation.register(
        NavItem(
            "standards_drafting",
            _("Regional standard"),
            "standards:drafting",
            frozenset({Role.STANDARDS_DRAFTER.value}),
            order=33,
        )
    )
    navigation.register(
        NavItem(
            "standards_agreements",
            _("Mutual recognition"),
            "standards:agreements",
            frozenset({Role.STANDARDS_DRAFTER.value, Role.MINISTRY_REVIEWER.value}),
            order=35,
        )
    )
    navigation.register(
        NavItem(
            "standards_consultations",
            _("Consultations on standards"),
            "standards:consultations",
            frozenset({Role.STAKEHOLDER.value}),
            order=36,
        )
    )
    navigation.register(
        NavItem(
            "standards_review",
            _("Standards to review"),
            "standards:review",
            frozenset({Role.MINISTRY_REVIEWER.value}),
            order=34,
        )
    )
    from . import dashboard as sections

    dashboard.register(
        DashboardSection(
            "standards_drafter",
            frozenset({Role.STANDARDS_DRAFTER.value}),
            "talent_standards/dashboard/drafter.html",
            sections.drafter_context,
            order=21,
        )
    )
    dashboard.register(
        DashboardSection(
            "standards_reviewer",
            frozenset({Role.MINISTRY_REVIEWER.value}),
            "talent_standards/dashboard/reviewer.html",
            sections.reviewer_context,
            order=21,
        )
    )
    api_root.register("national_standards", "api:national-standard-list")
    api_root.register("regional_standards", "api:regional-standard-list")
    api_root.register("agreements", "api:agreement-list")
    api_root.register("points_assess", "api:points-assess")
    api_root.register("points_tables", "api:points-table-list")
    api_root.register("recognition_validity", "api:recognition-validity")

    from . import statistics as standard_statistics

    # Coverage of the regional standards on the statistics pages.
    standard_statistics.register()

    from . import demo_data

    demo.register("Talent standards", demo_data.load)

    from . import publication_subjects

    # Publications may be about a province's regional standard (key: its division code) or
    # the national unified standard (key "national").
    register_subject(
        SubjectKind(
            publication_subjects.SUBJECT,
            _("Talent standard"),
            publication_subjects.options,
            publication_subjects.describe,
        )
    )
