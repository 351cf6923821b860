"""Roles as data.

A role is a Django group (its name is the role's value) plus, for scoped roles, a
django-guardian object permission on the container the role works in: a Region for
officers, an Organization for employer and agency users. National roles hold their
permissions through the group. ``portal.services.role_grant`` is the only way roles are
given, so group membership and scope never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.models import Organization


class Role(models.TextChoices):
    EMPLOYER_ADMIN = "employer_admin", _("Employer administrator")
    EMPLOYER_STAFF = "employer_staff", _("Employer staff")
    AGENCY_AGENT = "agency_agent", _("Service agency agent")
    ACCEPTANCE_OFFICER = "acceptance_officer", _("Acceptance officer")
    DECISION_OFFICER = "decision_officer", _("Decision officer")
    STANDARDS_DRAFTER = "standards_drafter", _("Standards and catalog drafter")
    MINISTRY_REVIEWER = "ministry_reviewer", _("Ministry reviewer")
    INSPECTOR = "inspector", _("Inspector")
    PARTNER_READER = "partner_reader", _("Partner agency reader")
    STAKEHOLDER = "stakeholder", _("Consulted stakeholder")
    INFORMATION_OFFICER = "information_officer", _("Information officer")
    SITE_ADMIN = "site_admin", _("Site administrator")


class Scope(models.TextChoices):
    ORGANIZATION = "organization", _("Organization")
    REGION = "region", _("Region")
    NATIONAL = "national", _("Nationwide")


K = Organization.Kind

# Model permissions a site admin needs in the Django admin. Users and roles are managed
# through the portal's own pages (so that scopes stay consistent), hence view-only there.
SITE_ADMIN_MODEL_PERMISSIONS: tuple[str, ...] = (
    "portal.view_user",
    "portal.view_organization",
    "portal.add_organization",
    "portal.change_organization",
    "portal.view_region",
    "portal.add_region",
    "portal.change_region",
    "portal.view_foreigner",
    "portal.view_passport",
    "portal.view_auditevent",
    "portal.view_transitionrecord",
    "portal.view_holidayyear",
    "portal.add_holidayyear",
    "portal.change_holidayyear",
    "portal.delete_holidayyear",
    "portal.view_holidaydate",
    "portal.add_holidaydate",
    "portal.change_holidaydate",
    "portal.delete_holidaydate",
    "portal.view_sequence",
    "portal.view_filingreminder",
    "catalogs.view_occupation",
    "catalogs.view_guidancecatalog",
    "catalogs.view_catalogentry",
    "catalogs.view_catalogcomment",
    "talent_standards.view_pointstable",
    "talent_standards.change_pointstable",
    "talent_standards.add_pointstable",
    "talent_standards.view_pointsitem",
    "talent_standards.change_pointsitem",
    "talent_standards.add_pointsitem",
    "talent_standards.view_nationalstandard",
    "talent_standards.change_nationalstandard",
    "talent_standards.add_nationalstandard",
    "talent_standards.view_recognitionroute",
    "talent_standards.change_recognitionroute",
    "talent_standards.add_recognitionroute",
    "talent_standards.view_averagewage",
    "talent_standards.change_averagewage",
    "talent_standards.add_averagewage",
    "talent_standards.view_regionalstandard",
    "talent_standards.view_bonusrule",
    "talent_standards.view_recognitionagreement",
    "permits.view_registration",
    "permits.view_powerofattorney",
    "permits.view_clockrule",
    "permits.add_clockrule",
    "permits.change_clockrule",
    "permits.view_validityrule",
    "permits.add_validityrule",
    "permits.change_validityrule",
    "permits.view_windowrule",
    "permits.add_windowrule",
    "permits.change_windowrule",
    "permits.view_quotaallocation",
    "permits.add_quotaallocation",
    "permits.change_quotaallocation",
    "permits.view_rejectionreason",
    "permits.add_rejectionreason",
    "permits.change_rejectionreason",
    "credit.view_creditrecordkind",
    "credit.add_creditrecordkind",
    "credit.change_creditrecordkind",
    "credit.view_creditrecord",
    "credit.view_objection",
    "portal.view_issueddocument",
    "portal.view_signingkey",
    "authtoken.view_tokenproxy",
    "authtoken.add_tokenproxy",
    "authtoken.delete_tokenproxy",
)


@dataclass(frozen=True)
class RoleSpec:
    role: Role
    scope: Scope
    # Kinds of organization the holder must work for.
    organization_kinds: frozenset[str]
    # Permissions granted on the scope object (Region or Organization), as codenames.
    object_permissions: tuple[str, ...] = ()
    # Permissions held nationally through the group, as "app_label.codename".
    global_permissions: tuple[str, ...] = ()
    # Only provincial-level authorities (not delegated lower levels) may hold it.
    provincial_level_only: bool = False
    requires_second_factor: bool = False
    description: Promise | str = ""

    @property
    def label(self) -> str:
        return str(self.role.label)


ROLE_SPECS: dict[str, RoleSpec] = {
    spec.role.value: spec
    for spec in (
        RoleSpec(
            Role.EMPLOYER_ADMIN,
            Scope.ORGANIZATION,
            frozenset({K.EMPLOYER}),
            object_permissions=("act_for_organization", "manage_organization_users"),
            description=_("Applies for workers and manages the employer's users."),
        ),
        RoleSpec(
            Role.EMPLOYER_STAFF,
            Scope.ORGANIZATION,
            frozenset({K.EMPLOYER}),
            object_permissions=("act_for_organization",),
            description=_("Prepares and follows the employer's applications."),
        ),
        RoleSpec(
            Role.AGENCY_AGENT,
            Scope.ORGANIZATION,
            frozenset({K.SERVICE_AGENCY}),
            object_permissions=("act_for_organization",),
            description=_("Acts for employers under a power of attorney."),
        ),
        RoleSpec(
            Role.ACCEPTANCE_OFFICER,
            Scope.REGION,
            frozenset({K.PROVINCIAL_AUTHORITY}),
            object_permissions=("accept_applications",),
            requires_second_factor=True,
            description=_("Checks applications for completeness and accepts them."),
        ),
        RoleSpec(
            Role.DECISION_OFFICER,
            Scope.REGION,
            frozenset({K.PROVINCIAL_AUTHORITY}),
            object_permissions=("decide_applications",),
            requires_second_factor=True,
            description=_("Reviews accepted applications and decides them."),
        ),
        RoleSpec(
            Role.STANDARDS_DRAFTER,
            Scope.REGION,
            frozenset({K.PROVINCIAL_AUTHORITY}),
            object_permissions=("draft_filings",),
            provincial_level_only=True,
            requires_second_factor=True,
            description=_("Drafts the province's regional talent standard and Guidance Catalog."),
        ),
        RoleSpec(
            Role.MINISTRY_REVIEWER,
            Scope.NATIONAL,
            frozenset({K.MINISTRY}),
            global_permissions=("portal.review_filings",),
            requires_second_factor=True,
            description=_("Reviews and approves or returns provincial filings."),
        ),
        RoleSpec(
            Role.INSPECTOR,
            Scope.REGION,
            frozenset({K.PROVINCIAL_AUTHORITY}),
            object_permissions=("inspect_employers",),
            requires_second_factor=True,
            description=_("Inspects employers and records findings."),
        ),
        RoleSpec(
            Role.PARTNER_READER,
            Scope.REGION,
            frozenset({K.PARTNER_AGENCY}),
            object_permissions=("read_partner_data",),
            requires_second_factor=True,
            description=_("Reads the permit data a partner agency needs."),
        ),
        RoleSpec(
            Role.STAKEHOLDER,
            Scope.ORGANIZATION,
            frozenset({K.INDUSTRY_ASSOCIATION, K.SERVICE_AGENCY}),
            object_permissions=("respond_to_consultations",),
            description=_(
                "Comments for an industry association or agency on drafts it is consulted on."
            ),
        ),
        RoleSpec(
            Role.INFORMATION_OFFICER,
            Scope.ORGANIZATION,
            frozenset({K.PROVINCIAL_AUTHORITY, K.MINISTRY}),
            object_permissions=("publish_information",),
            requires_second_factor=True,
            description=_(
                "Drafts and approves the authority's announcements, policy interpretations, "
                "FAQ entries and reports to the ministry."
            ),
        ),
        RoleSpec(
            Role.SITE_ADMIN,
            Scope.NATIONAL,
            frozenset({K.MINISTRY}),
            global_permissions=SITE_ADMIN_MODEL_PERMISSIONS,
            requires_second_factor=True,
            description=_("Runs the portal: users, roles, calendars, reference data."),
        ),
    )
}

# The people who act for an employer: its own (administrators, staff) and the agents of
# a service agency it gave a power of attorney.
EMPLOYER_SIDE_ROLES = frozenset(
    {Role.EMPLOYER_ADMIN.value, Role.EMPLOYER_STAFF.value, Role.AGENCY_AGENT.value}
)

SECOND_FACTOR_ROLES = frozenset(
    name for name, spec in ROLE_SPECS.items() if spec.requires_second_factor
)


def role_spec(role: str) -> RoleSpec:
    try:
        return ROLE_SPECS[role]
    except KeyError:
        raise ValueError(f"unknown role {role!r}") from None
