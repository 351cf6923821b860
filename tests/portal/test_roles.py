"""Roles, scopes and the access helpers, through the services that give them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.http import Http404

from portal import services
from portal.access import (
    access_organization,
    has_national_permission,
    has_region_permission,
    organizations_for,
    regions_for,
    requires_second_factor,
    role_assignments,
    role_names,
)
from portal.models import AuditEvent, Organization, Region
from portal.roles import ROLE_SPECS, Role
from portal.services import PermissionDeniedError, ServiceError
from tests.factories import OrganizationFactory, UserFactory, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def pudong() -> Region:
    return Region.objects.create(
        code="310115",
        name_zh="浦东新区",
        name_en="Pudong New Area",
        level=Region.Level.COUNTY,
        parent=region("310000"),
    )


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


# --- What each role may see -------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_can_be_granted_and_is_listed_with_its_scope(roles, role):
    user = roles.user(role, region_code="440000")
    spec = ROLE_SPECS[role]
    [assignment] = role_assignments(user)
    assert assignment.role == role.value
    if spec.scope == "region":
        assert (assignment.region.code, assignment.organization) == ("440000", None)
    elif spec.scope == "organization":
        assert (assignment.region, assignment.organization) == (None, user.organization)
    else:
        assert (assignment.region, assignment.organization) == (None, None)
    assert role_names(user) == frozenset({role.value})
    assert requires_second_factor(user) is spec.requires_second_factor


REGIONAL_CODENAMES = [
    "accept_applications",
    "decide_applications",
    "draft_filings",
    "inspect_employers",
    "read_partner_data",
]

EXPECTED_REGIONAL = {
    Role.ACCEPTANCE_OFFICER: {"accept_applications"},
    Role.DECISION_OFFICER: {"decide_applications"},
    Role.STANDARDS_DRAFTER: {"draft_filings"},
    Role.INSPECTOR: {"inspect_employers"},
    Role.PARTNER_READER: {"read_partner_data"},
}


@pytest.mark.parametrize("role", list(Role))
def test_regional_permission_matrix(roles, pudong, role):
    """Each role holds exactly its permissions, in its province and the divisions below,
    and nowhere else."""
    user = roles.user(role, region_code="310000")
    expected = EXPECTED_REGIONAL.get(role, set())
    for codename in REGIONAL_CODENAMES:
        codes = sorted(regions_for(user, codename).values_list("code", flat=True))
        assert codes == (["310000", "310115"] if codename in expected else []), codename
        assert has_region_permission(user, codename, region("440000")) is False


@pytest.mark.parametrize(
    ("role", "manages"),
    [(Role.EMPLOYER_ADMIN, True), (Role.EMPLOYER_STAFF, False), (Role.AGENCY_AGENT, False)],
)
def test_organization_permission_matrix(roles, role, manages):
    user = roles.user(role)
    other = OrganizationFactory()
    assert list(organizations_for(user, "act_for_organization")) == [user.organization]
    assert list(organizations_for(user, "manage_organization_users")) == (
        [user.organization] if manages else []
    )
    assert (
        access_organization(user, user.organization.pk, "act_for_organization") == user.organization
    )
    for pk in (other.pk, 999999, "not-a-number"):
        with pytest.raises(Http404):
            access_organization(user, pk, "act_for_organization")


def test_inactive_users_and_organizations_see_nothing(roles):
    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    admin = roles.user(Role.EMPLOYER_ADMIN)
    admin.organization.is_active = False
    admin.organization.save()
    assert list(organizations_for(admin, "act_for_organization")) == []
    officer.is_active = False
    officer.save()
    assert list(regions_for(officer, "accept_applications")) == []


def test_superuser_gets_no_implicit_scope(roles):
    admin = roles.user(Role.SITE_ADMIN)
    admin.is_superuser = True
    admin.save()
    assert list(regions_for(admin, "accept_applications")) == []
    assert list(organizations_for(admin, "act_for_organization")) == []
    assert requires_second_factor(admin) is True


def test_ministry_reviewer_holds_review_nationally(roles):
    reviewer = roles.user(Role.MINISTRY_REVIEWER)
    assert has_national_permission(reviewer, "portal.review_filings") is True
    drafter = roles.user(Role.STANDARDS_DRAFTER, region_code="310000")
    assert has_national_permission(drafter, "portal.review_filings") is False
    # Running the site is not reviewing filings: a superuser holds it only through a role.
    admin = roles.user(Role.SITE_ADMIN)
    admin.is_superuser = True
    admin.save()
    assert has_national_permission(admin, "portal.review_filings") is False


def test_site_admin_is_staff_with_view_only_on_users(roles):
    admin = roles.user(Role.SITE_ADMIN)
    admin.refresh_from_db()
    assert admin.is_staff is True
    assert admin.has_perm("portal.view_user") is True
    assert admin.has_perm("portal.change_user") is False
    assert admin.has_perm("portal.change_region") is True
    assert admin.has_perm("portal.change_auditevent") is False


# --- Granting: what fits and what is refused --------------------------------------------


def _refused_grant(user, role, **scope):
    before = (audit_actions(), list(user.groups.values_list("name", flat=True)))
    with pytest.raises(ServiceError) as excinfo:
        services.role_grant(actor=None, user=user, role=role, **scope)
    assert (audit_actions(), list(user.groups.values_list("name", flat=True))) == before
    assert role_assignments(user) == []
    return excinfo.value


def test_drafting_is_refused_below_the_province(pudong):
    authority = OrganizationFactory(sub_provincial=True, region=pudong)
    user = UserFactory(organization=authority)
    error = _refused_grant(user, Role.STANDARDS_DRAFTER, region=pudong)
    assert error.code == "role_requires_provincial_level"


def test_delegated_acceptance_below_the_province_is_allowed(pudong):
    authority = OrganizationFactory(sub_provincial=True, region=pudong)
    user = UserFactory(organization=authority)
    services.role_grant(actor=None, user=user, role=Role.ACCEPTANCE_OFFICER, region=pudong)
    assert list(regions_for(user, "accept_applications").values_list("code", flat=True)) == [
        "310115"
    ]
    # ... but not in the rest of Shanghai.
    assert has_region_permission(user, "accept_applications", region("310000")) is False


def test_role_must_fit_the_organization_kind():
    employer_user = UserFactory()
    error = _refused_grant(employer_user, Role.ACCEPTANCE_OFFICER, region=region("310000"))
    assert error.code == "role_organization_mismatch"
    authority_user = UserFactory(organization=OrganizationFactory(authority=True))
    error = _refused_grant(
        authority_user, Role.EMPLOYER_ADMIN, organization=authority_user.organization
    )
    assert error.code == "role_organization_mismatch"
    no_org = UserFactory(organization=None)
    assert _refused_grant(no_org, Role.MINISTRY_REVIEWER).code == "role_organization_mismatch"


def test_regional_scope_must_lie_within_the_organization_region():
    shanghai_authority = OrganizationFactory(authority=True, region=region("310000"))
    user = UserFactory(organization=shanghai_authority)
    error = _refused_grant(user, Role.DECISION_OFFICER, region=region("440000"))
    assert error.code == "role_scope_outside_organization"
    assert _refused_grant(user, Role.DECISION_OFFICER).code == "role_scope_invalid"


def test_organization_scope_must_be_the_users_own():
    user = UserFactory()
    other = OrganizationFactory()
    assert (
        _refused_grant(user, Role.EMPLOYER_ADMIN, organization=other).code == "role_scope_invalid"
    )


def test_national_role_takes_no_scope():
    user = UserFactory(organization=OrganizationFactory(ministry=True))
    error = _refused_grant(user, Role.MINISTRY_REVIEWER, region=region("310000"))
    assert error.code == "role_scope_invalid"


def test_only_site_admins_and_employer_admins_grant(roles):
    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    target = UserFactory(organization=OrganizationFactory(authority=True))
    with pytest.raises(PermissionDeniedError):
        services.role_grant(
            actor=officer, user=target, role=Role.ACCEPTANCE_OFFICER, region=region("310000")
        )
    assert role_assignments(target) == []
    # An employer admin may give employer roles in their own organization only.
    admin = roles.user(Role.EMPLOYER_ADMIN)
    colleague = UserFactory(organization=admin.organization)
    services.role_grant(
        actor=admin, user=colleague, role=Role.EMPLOYER_STAFF, organization=admin.organization
    )
    assert [a.role for a in role_assignments(colleague)] == ["employer_staff"]
    stranger = UserFactory()
    with pytest.raises(PermissionDeniedError):
        services.role_grant(
            actor=admin, user=stranger, role=Role.EMPLOYER_STAFF, organization=stranger.organization
        )


def test_grant_and_revoke_are_audited(roles):
    admin = roles.user(Role.SITE_ADMIN)
    user = UserFactory(organization=OrganizationFactory(authority=True))
    services.role_grant(actor=admin, user=user, role=Role.INSPECTOR, region=region("310000"))
    services.role_revoke(actor=admin, user=user, role=Role.INSPECTOR, region=region("310000"))
    events = list(AuditEvent.objects.filter(target_id=str(user.pk)).order_by("seq"))
    assert [(e.action, e.actor_id, e.data["role"]) for e in events] == [
        ("role.grant", admin.pk, "inspector"),
        ("role.revoke", admin.pk, "inspector"),
    ]
    assert events[0].data["scope"] == {
        "model": "portal.region",
        "id": region("310000").pk,
        "name": str(region("310000")),
    }
    assert role_assignments(user) == []
    assert list(user.groups.all()) == []


def test_revoking_one_region_keeps_the_role_in_another(pudong):
    authority = OrganizationFactory(authority=True, region=region("310000"))
    user = UserFactory(organization=authority)
    services.role_grant(actor=None, user=user, role=Role.INSPECTOR, region=region("310000"))
    services.role_grant(actor=None, user=user, role=Role.INSPECTOR, region=pudong)
    services.role_revoke(actor=None, user=user, role=Role.INSPECTOR, region=region("310000"))
    assert [(a.role, a.region.code) for a in role_assignments(user)] == [("inspector", "310115")]
    assert list(user.groups.values_list("name", flat=True)) == ["inspector"]


def test_role_groups_carry_exactly_the_national_permissions():
    group = services.ensure_role_group(Role.MINISTRY_REVIEWER)
    assert sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()) == [
        "portal.review_filings"
    ]
    services.ensure_role_group(Role.EMPLOYER_STAFF)
    assert list(Group.objects.get(name="employer_staff").permissions.all()) == []


# --- Employer colleagues: at least one admin ---------------------------------------------


def test_the_last_admin_cannot_be_removed_or_demoted(roles):
    admin = roles.user(Role.EMPLOYER_ADMIN)
    org = admin.organization
    before = audit_actions()
    with pytest.raises(ServiceError) as excinfo:
        services.organization_member_remove(actor=admin, organization=org, user=admin)
    assert excinfo.value.code == "last_admin"
    with pytest.raises(ServiceError):
        services.organization_member_set_role(
            actor=admin, organization=org, user=admin, role=Role.EMPLOYER_STAFF
        )
    admin.refresh_from_db()
    assert admin.is_active is True
    assert [a.role for a in role_assignments(admin)] == ["employer_admin"]
    assert audit_actions() == before


def test_with_a_second_admin_the_first_may_leave(roles):
    admin = roles.user(Role.EMPLOYER_ADMIN)
    org = admin.organization
    second = services.organization_member_invite(
        actor=admin,
        organization=org,
        email="second@example.com",
        full_name="Second",
        role=Role.EMPLOYER_ADMIN,
    )
    services.organization_member_remove(actor=second, organization=org, user=admin)
    admin.refresh_from_db()
    assert admin.is_active is False
    assert role_assignments(admin) == []
    # Now the second is the last one.
    with pytest.raises(ServiceError):
        services.organization_member_remove(actor=second, organization=org, user=second)


def test_a_deactivated_admin_does_not_count(roles):
    admin = roles.user(Role.EMPLOYER_ADMIN)
    other_admin = UserFactory(organization=admin.organization)
    services.role_grant(
        actor=None, user=other_admin, role=Role.EMPLOYER_ADMIN, organization=admin.organization
    )
    other_admin.is_active = False
    other_admin.save()
    with pytest.raises(ServiceError):
        services.organization_member_remove(
            actor=admin, organization=admin.organization, user=admin
        )


def test_invitation_creates_a_user_who_must_choose_a_password(
    roles, client, django_capture_on_commit_callbacks
):
    admin = roles.user(Role.EMPLOYER_ADMIN, preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        user = services.organization_member_invite(
            actor=admin,
            organization=admin.organization,
            email="New.Colleague@Example.com",
            full_name="New Colleague",
            role=Role.EMPLOYER_STAFF,
        )
    assert (user.username, user.email, user.organization) == (
        "new.colleague@example.com",
        "New.Colleague@example.com",
        admin.organization,
    )
    assert user.has_usable_password() is False
    assert user.preferred_language == "en"
    assert [a.role for a in role_assignments(user)] == ["employer_staff"]
    [message] = mail.outbox
    assert message.to == ["New.Colleague@example.com"]
    assert message.subject == "Your account on the Foreigner's Work Permit Portal"
    link = next(line for line in message.body.splitlines() if "/accounts/password/reset/" in line)
    assert link.startswith("/en/accounts/password/reset/")
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is True


def test_invitation_is_refused_to_non_admins_and_changes_nothing(roles):
    staff = roles.user(Role.EMPLOYER_STAFF)
    count = Organization.objects.get(pk=staff.organization_id).members.count()
    with pytest.raises(PermissionDeniedError):
        services.organization_member_invite(
            actor=staff,
            organization=staff.organization,
            email="x@example.com",
            full_name="X",
            role=Role.EMPLOYER_STAFF,
        )
    assert staff.organization.members.count() == count
    assert mail.outbox == []


def test_organization_create_flags_a_bad_check_character():
    org = services.organization_create(
        actor=None,
        kind=Organization.Kind.EMPLOYER,
        name_zh="校验失败公司",
        region=region("310000"),
        uscc="91310000MA1FL8QR2A",  # the right check character is Q
    )
    assert (org.uscc, org.uscc_check_failed) == ("91310000MA1FL8QR2A", True)
    good = services.organization_create(
        actor=None,
        kind=Organization.Kind.EMPLOYER,
        name_zh="校验通过公司",
        region=region("310000"),
        uscc=" 91310000ma1fl8qr2q ",
    )
    assert (good.uscc, good.uscc_check_failed) == ("91310000MA1FL8QR2Q", False)


@pytest.mark.parametrize(
    ("uscc", "message"),
    [
        ("", "Employers and agencies need their identifier."),
        ("9131000MA1FL8QR2Q", "A Unified Social Credit Identifier has exactly 18 characters."),
        (
            "91310000MA1FL8QRIQ",
            "A Unified Social Credit Identifier uses only digits and the capital letters A-Y "
            "without I, O, S, V and Z.",
        ),
    ],
)
def test_organization_create_refuses_malformed_identifiers(uscc, message):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    count = Organization.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.organization_create(
            actor=None,
            kind=Organization.Kind.EMPLOYER,
            name_zh="坏公司",
            region=region("310000"),
            uscc=uscc,
        )
    assert excinfo.value.message_dict == {"uscc": [message]}
    assert Organization.objects.count() == count
