"""The kernel's pages: languages, landmarks, menus, the work page per role, colleagues,
users and roles, organizations.

Assertions rest on what people and machines rely on (status codes, ``Location`` headers,
texts, links, form field names), not on CSS classes or markup structure, which the
designers change. Every HTML page fetched here goes through ``html_of``, which checks the
strict Content-Security-Policy and that the page carries no inline script or style.
Texts are computed through ``gettext`` in the page's language, so the tests hold with and
without the compiled Chinese catalogue.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core import mail
from django.db.models import Max
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from portal import second_factor
from portal.middleware import VERIFIED_KEY
from portal.models import (
    AuditEvent,
    Organization,
    Region,
    RegionUserObjectPermission,
    TOTPDevice,
    User,
)
from portal.roles import ROLE_SPECS, Role, Scope
from tests.factories import TEST_PASSWORD, OrganizationFactory, RoleHelper, UserFactory, valid_uscc
from tests.pages import STRICT_CSP, html_of, raw_tr, tr  # noqa: F401

pytestmark = pytest.mark.django_db

HOME = "/zh-hans/"
LOGIN = "/zh-hans/accounts/login/"
DASHBOARD = "/zh-hans/dashboard/"
MEMBERS = "/zh-hans/organization/colleagues/"
INVITE = "/zh-hans/organization/colleagues/invite/"
ORGANIZATIONS = "/zh-hans/organizations/"
STAFF_USERS = "/zh-hans/staff/users/"
STAFF_USER_CREATE = "/zh-hans/staff/users/new/"
API_DOCS = "/api/docs/"
VERIFY = "/zh-hans/verify/"
DISHONESTY_LIST = "/zh-hans/dishonesty-list/"
PUBLIC_INSPECTIONS = "/zh-hans/inspections/"
GUIDES = "/zh-hans/guides/"
PUBLICATIONS = "/zh-hans/publications/"
PUBLISHING_DESK = "/zh-hans/publications/desk/"
PROVINCE_REPORTS = "/zh-hans/publications/reports/"
OPEN_STATISTICS = "/zh-hans/statistics/public/"
STATISTICS = "/zh-hans/statistics/"
CREDIT_RECORD = "/zh-hans/credit-record/"
CREDIT_OBJECTIONS = "/zh-hans/credit/objections/"
INSPECTIONS = "/zh-hans/inspections/work/"
LEGACY = "/zh-hans/review/legacy/"
OCCUPATIONS = "/zh-hans/occupations/"
CATALOGS = "/zh-hans/catalogs/"
DRAFTING = "/zh-hans/drafting/catalogs/"
REVIEW = "/zh-hans/review/catalogs/"
CONSULTATIONS = "/zh-hans/consultations/"
STANDARDS = "/zh-hans/standards/"
SELF_ASSESSMENT = "/zh-hans/standards/self-assessment/"
STANDARDS_DRAFTING = "/zh-hans/standards-drafting/"
STANDARDS_REVIEW = "/zh-hans/standards-review/"
AGREEMENTS = "/zh-hans/standards-agreements/"
STANDARDS_CONSULTATIONS = "/zh-hans/standards-consultations/"
APPLICATIONS = "/zh-hans/applications/"
REVIEW_APPLICATIONS = "/zh-hans/review/applications/"
PERMITS = "/zh-hans/permits/"
REVIEW_PERMITS = "/zh-hans/review/permits/"
REVIEW_REGISTRATIONS = "/zh-hans/review/registrations/"
REGISTER = "/zh-hans/registration/"
ATTORNEY = "/zh-hans/organization/attorney/"
REPRESENTED = "/zh-hans/organization/represented/"
NEW_PASSWORD = "a-brand-new-passphrase-42"


# --- Helpers --------------------------------------------------------------------------------


def in_language(language: str, value: Any) -> str:
    """A lazy label or a localized model name, rendered in ``language``."""
    with translation.override(language):
        return str(value() if callable(value) else value)


def get_page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return html_of(response)


class Document(HTMLParser):
    """What the tests read from a page: elements with their attributes, the links inside
    each ``<nav>``, and the visible text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.navs: list[dict[str, Any]] = []
        self._nav_depth = 0
        self._skip_depth = 0
        self._texts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "nav":
            self.navs.append({"attrs": attributes, "hrefs": []})
            self._nav_depth += 1
        elif tag == "a" and self._nav_depth:
            self.navs[-1]["hrefs"].append(attributes.get("href"))
        elif tag in ("script", "style"):
            self._skip_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._nav_depth -= 1
        elif tag in ("script", "style"):
            self._skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._texts.append(data)

    @property
    def text(self) -> str:
        """The visible text, each text node separated by one space."""
        return " ".join(" ".join(self._texts).split())

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.elements if name == tag]


def text_of(html: str) -> str:
    return Document(html).text


def page_text(response: Any) -> str:
    return text_of(html_of(response))


def sign_in_verified(client: Client, user: User) -> None:
    """A session as after the password and, for officials, the second factor (the sign-in
    itself is tested in test_auth_views)."""
    client.force_login(user)
    session = client.session
    session[VERIFIED_KEY] = True
    session.save()


def last_seq() -> int:
    return AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0


def events_since(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def actions_since(seq: int) -> list[str]:
    return [event.action for event in events_since(seq)]


def fresh(user: User) -> User:
    """The user as stored now (roles are cached on a user object)."""
    return User.objects.get(pk=user.pk)


def role_names_of(user: User) -> set[str]:
    return set(fresh(user).groups.values_list("name", flat=True))


def shanghai() -> Region:
    return Region.objects.get(code="310000")


def guangdong() -> Region:
    return Region.objects.get(code="440000")


def invitation_link(message: Any) -> str:
    links = re.findall(r"http://testserver(/\S+)", message.body)
    assert len(links) == 1, message.body
    return links[0]


def assert_set_password_link_works(link: str, user: User, language: str = "zh-hans") -> None:
    """Following the link lets the person choose a password and sign in with it."""
    client = Client()
    response = client.get(link)
    assert response.status_code == 302
    set_password_url = response["Location"]
    assert re.fullmatch(
        rf"/{language}/accounts/password/reset/[\w-]+/set-password/", set_password_url
    ), set_password_url
    assert 'name="new_password1"' in get_page(client, set_password_url)
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/accounts/password/reset/complete/"
    response = Client().post(LOGIN, {"username": user.username, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD


# --- Home page and languages --------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_home_page_in_each_language(client: Client, language: str) -> None:
    html = get_page(client, f"/{language}/")
    assert f'<html lang="{language}">' in html
    assert tr("Foreigner's Work Permit Portal", language) in text_of(html)
    document = Document(html)
    switch = {
        (attrs.get("name"), attrs.get("value"))
        for attrs in document.all("button")
        if attrs.get("name") == "language"
    }
    assert switch == {("language", "zh-hans"), ("language", "en")}
    assert "中文" in document.text
    assert "English" in document.text
    assert f'href="/{language}/accounts/login/"' in html


def test_english_home_page_shows_the_english_name(client: Client) -> None:
    html = get_page(client, "/en/")
    assert "Foreigner&#x27;s Work Permit Portal" in html


# --- Landmarks and labels -----------------------------------------------------------------------

UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


def assert_landmarks_and_labels(html: str) -> None:
    assert_landmarks(html)
    assert_labels(html)


def assert_landmarks(html: str) -> None:
    """One <main id="main">, a header, a footer, every <nav> named, a skip link."""
    document = Document(html)
    assert html.count("<main") == 1
    assert len(document.all("main")) == 1
    assert document.all("main")[0].get("id") == "main"
    assert len(document.all("header")) >= 1
    assert len(document.all("footer")) >= 1
    navs = document.all("nav")
    assert len(navs) >= 1
    assert all(nav.get("aria-label") for nav in navs), navs
    # One skip link to the main content, and it is the first link of the page.
    hrefs = [a.get("href") for a in document.all("a")]
    assert hrefs.count("#main") == 1
    assert hrefs[0] == "#main"


def assert_labels(html: str) -> None:
    """Every field a person fills in has a <label for=...> pointing at its id."""
    document = Document(html)
    labelled = {attrs.get("for") for attrs in document.all("label")}
    fields = [
        (tag, attrs)
        for tag, attrs in document.elements
        if tag in ("select", "textarea")
        or (tag == "input" and (attrs.get("type") or "text") not in UNLABELLED_INPUT_TYPES)
    ]
    assert fields != []
    ids = [attrs.get("id") for _tag, attrs in fields]
    assert None not in ids, fields
    assert len(ids) == len(set(ids))
    unlabelled = [i for i in ids if i not in labelled]
    assert unlabelled == []


def test_login_page_landmarks_and_labels(client: Client) -> None:
    assert_landmarks_and_labels(get_page(client, LOGIN))


def test_home_page_landmarks(client: Client) -> None:
    assert_landmarks(get_page(client, HOME))


def test_invite_and_colleagues_pages_landmarks_and_labels(
    client: Client, roles: RoleHelper
) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    roles.user(Role.EMPLOYER_STAFF, organization=admin.organization)
    sign_in_verified(client, admin)
    assert_landmarks_and_labels(get_page(client, INVITE))
    assert_landmarks_and_labels(get_page(client, MEMBERS))


def test_staff_pages_landmarks_and_labels(client: Client, roles: RoleHelper) -> None:
    site_admin = roles.user(Role.SITE_ADMIN)
    sign_in_verified(client, site_admin)
    assert_landmarks_and_labels(get_page(client, STAFF_USERS))
    assert_landmarks_and_labels(get_page(client, STAFF_USER_CREATE))
    assert_landmarks_and_labels(get_page(client, f"{STAFF_USERS}{site_admin.pk}/"))


# --- The menu by role ---------------------------------------------------------------------------

# From portal/navigation.py: Home and API are public, "My work" is for every signed-in
# person, Colleagues for employer admins, Organizations for OFFICER_ROLES (officers and
# the ministry reviewer, not the site admin), Users and roles for site admins.
# The public entries of the catalogs app (occupations, catalogs) appear for everyone;
# its drafting, review and consultation entries for the roles that do that work. The
# permits app adds "Register" for anyone without a role (visitors included), the
# applications and the permits for employers' people and agents, the officers' queues and
# permits, and the powers of attorney.
PUBLIC = {
    HOME,
    OCCUPATIONS,
    CATALOGS,
    STANDARDS,
    SELF_ASSESSMENT,
    VERIFY,
    DISHONESTY_LIST,
    PUBLIC_INSPECTIONS,
    GUIDES,
    PUBLICATIONS,
    OPEN_STATISTICS,
    API_DOCS,
}
MENU = {
    "anonymous": PUBLIC | {REGISTER},
    Role.EMPLOYER_ADMIN: PUBLIC
    | {DASHBOARD, MEMBERS, APPLICATIONS, PERMITS, ATTORNEY, CREDIT_RECORD},
    Role.EMPLOYER_STAFF: PUBLIC | {DASHBOARD, APPLICATIONS, PERMITS, CREDIT_RECORD},
    Role.AGENCY_AGENT: PUBLIC | {DASHBOARD, APPLICATIONS, PERMITS, REPRESENTED, CREDIT_RECORD},
    Role.ACCEPTANCE_OFFICER: PUBLIC
    | {
        DASHBOARD,
        ORGANIZATIONS,
        REVIEW_APPLICATIONS,
        REVIEW_PERMITS,
        REVIEW_REGISTRATIONS,
        LEGACY,
        STATISTICS,
    },
    Role.DECISION_OFFICER: PUBLIC
    | {DASHBOARD, ORGANIZATIONS, REVIEW_APPLICATIONS, REVIEW_PERMITS, LEGACY, STATISTICS},
    Role.STANDARDS_DRAFTER: PUBLIC
    | {DASHBOARD, ORGANIZATIONS, DRAFTING, STANDARDS_DRAFTING, AGREEMENTS, STATISTICS},
    Role.INSPECTOR: PUBLIC | {DASHBOARD, ORGANIZATIONS, INSPECTIONS, CREDIT_OBJECTIONS, STATISTICS},
    Role.PARTNER_READER: PUBLIC | {DASHBOARD, ORGANIZATIONS},
    Role.MINISTRY_REVIEWER: PUBLIC
    | {
        DASHBOARD,
        ORGANIZATIONS,
        REVIEW,
        STANDARDS_REVIEW,
        AGREEMENTS,
        PROVINCE_REPORTS,
        STATISTICS,
    },
    Role.SITE_ADMIN: PUBLIC | {DASHBOARD, STAFF_USERS, STATISTICS},
    Role.STAKEHOLDER: PUBLIC | {DASHBOARD, CONSULTATIONS, STANDARDS_CONSULTATIONS},
    Role.INFORMATION_OFFICER: PUBLIC | {DASHBOARD, PUBLISHING_DESK},
}


def main_menu_hrefs(html: str) -> list[str]:
    """The links of the main menu: the first ``<nav>`` of the page (the one in the
    header; pagination has its own, later one)."""
    return Document(html).navs[0]["hrefs"]


@pytest.mark.parametrize("who", list(MENU))
def test_menu_by_role(client: Client, roles: RoleHelper, who: str) -> None:
    if who != "anonymous":
        sign_in_verified(client, roles.user(who))
    hrefs = main_menu_hrefs(get_page(client, HOME))
    assert len(hrefs) == len(set(hrefs))
    assert set(hrefs) == MENU[who]


def test_menu_of_a_signed_in_person_without_a_role(client: Client) -> None:
    sign_in_verified(client, UserFactory())
    assert set(main_menu_hrefs(get_page(client, HOME))) == PUBLIC | {DASHBOARD, REGISTER}


# --- The work page per role ---------------------------------------------------------------------

# Queries of GET /dashboard/, per role (the session is already verified, so the
# second-factor middleware asks nothing). Every role:
#   1 session, 2 user, 3 the user's groups (role names, then cached on the user for the
#   rest of the request), 4 region grants and 5 organization grants (role_assignments),
#   6 the user's organization (board.organization), 7 recent sign-ins.
# Employer and agency roles (11): 8 members, 9 their groups (prefetched), 10 the
#   organization's recent events, 11 the organization's region (shown with the USCC).
# Regional officers (10): 8 the ids of the visible regions (grants as a subquery, once
#   per request), 9 those regions, 10 organizations counted by kind (GROUP BY).
# Ministry reviewer (8): 8 provinces with their authority counts (GROUP BY).
# Site admin (9): 8 provinces as above, 9 active users counted by role (GROUP BY).
# The permits section adds, for employers' people: 12 the organizations they act for,
#   13 which of those are employers, 14 their open applications counted by state, 15 the
#   applications owing the officers something, and the duties coming due: 16 the widest
#   extension window, 17 permits nearing expiry or a contract's end, 18 letters awaiting
#   the work permit after entry, 19 change and cancellation drafts (19 in all). An agent
#   whose agency holds no power of attorney stops after 12-14 (14).
# None of these grows with members, organizations, applications or represented employers
# (see the tests below and tests/permits/test_application_pages.py). Every signed-in page
# makes one more: the unread notifications of the header's badge (at most 100 ids).
EMPLOYER_DASHBOARD_QUERIES = 20
OFFICER_DASHBOARD_QUERIES = 11
DASHBOARD_QUERIES = {
    Role.EMPLOYER_ADMIN: EMPLOYER_DASHBOARD_QUERIES,
    Role.EMPLOYER_STAFF: EMPLOYER_DASHBOARD_QUERIES,
    Role.AGENCY_AGENT: 15,
    Role.ACCEPTANCE_OFFICER: OFFICER_DASHBOARD_QUERIES,
    Role.DECISION_OFFICER: OFFICER_DASHBOARD_QUERIES,
    Role.INSPECTOR: OFFICER_DASHBOARD_QUERIES,
    Role.PARTNER_READER: OFFICER_DASHBOARD_QUERIES,
    # Ministry reviewer (10): the 8 above and the review queues of the catalogs and the
    # talent standards sections.
    Role.MINISTRY_REVIEWER: 11,
    Role.SITE_ADMIN: 10,
    # Consulted stakeholders (8): the 7 every role makes, and the drafts consulted on.
    Role.STAKEHOLDER: 9,
    # Drafters (14): the officers' 10, the catalogs section (the ids of the provinces
    # drafted for, their catalog versions with entry counts) and the talent standards
    # section (the province's regional standard versions, its agreements).
    Role.STANDARDS_DRAFTER: 15,
    # Information officers (8): the 7 every role makes and the unread notifications.
    Role.INFORMATION_OFFICER: 8,
}


def expected_scope(user: User, role: Role, language: str) -> str:
    scope = ROLE_SPECS[role].scope
    if scope == Scope.REGION:
        return in_language(language, lambda: user.organization.region.name)
    if scope == Scope.ORGANIZATION:
        return in_language(language, lambda: user.organization.name)
    return raw_tr("Nationwide", language)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role", list(Role))
def test_dashboard_shows_role_and_scope(
    client: Client,
    roles: RoleHelper,
    django_assert_num_queries: Any,
    role: Role,
    language: str,
) -> None:
    user = roles.user(role)
    sign_in_verified(client, user)

    with django_assert_num_queries(DASHBOARD_QUERIES[role]):
        response = client.get(f"/{language}/dashboard/")

    assert response.status_code == 200
    text = text_of(html_of(response))
    label = in_language(language, role.label)
    scope = expected_scope(user, role, language)
    assert label in text
    assert scope in text


def test_dashboard_query_count_does_not_grow_with_members(
    client: Client, roles: RoleHelper, django_assert_num_queries: Any
) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    sign_in_verified(client, admin)
    for members in (3, 30):
        while User.objects.filter(organization=admin.organization).count() < members:
            roles.user(Role.EMPLOYER_STAFF, organization=admin.organization)
        with django_assert_num_queries(DASHBOARD_QUERIES[Role.EMPLOYER_ADMIN]):
            response = client.get(DASHBOARD)
        label = tr("Colleagues with an account")
        assert f"{label} {members} " in text_of(html_of(response))


def test_dashboard_query_count_does_not_grow_with_organizations(
    client: Client, roles: RoleHelper, django_assert_num_queries: Any
) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER)
    sign_in_verified(client, officer)
    for count in (3, 30):
        while Organization.objects.count() < count:
            OrganizationFactory()
        with django_assert_num_queries(DASHBOARD_QUERIES[Role.ACCEPTANCE_OFFICER]):
            assert client.get(DASHBOARD).status_code == 200


def test_employer_admin_dashboard_lists_identifier_and_members(
    client: Client, roles: RoleHelper
) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    roles.user(Role.EMPLOYER_STAFF, organization=admin.organization)
    roles.user(Role.EMPLOYER_STAFF, organization=admin.organization)
    UserFactory(organization=admin.organization, is_active=False)
    roles.user(Role.EMPLOYER_STAFF)  # another employer's
    sign_in_verified(client, admin)

    html = get_page(client, DASHBOARD)

    assert admin.organization.uscc in html
    text = text_of(html)
    assert f"{tr('Unified Social Credit Identifier')} {admin.organization.uscc}" in text
    assert f"{tr('Colleagues with an account')} 3 " in text
    assert f'href="{MEMBERS}"' in html


def test_shanghai_officer_dashboard_counts_shanghai_only(client: Client, roles: RoleHelper) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER)  # works for an authority in Shanghai
    OrganizationFactory.create_batch(2)  # employers in Shanghai
    OrganizationFactory(agency=True)
    OrganizationFactory(is_active=False)
    OrganizationFactory(region=guangdong())
    OrganizationFactory(region=guangdong(), agency=True)
    OrganizationFactory(authority=True, region=guangdong())
    sign_in_verified(client, officer)

    text = text_of(get_page(client, DASHBOARD))

    assert shanghai().name_zh in text
    assert guangdong().name_zh not in text
    employer = in_language("zh-hans", Organization.Kind.EMPLOYER.label)
    agency = in_language("zh-hans", Organization.Kind.SERVICE_AGENCY.label)
    authority = in_language("zh-hans", Organization.Kind.PROVINCIAL_AUTHORITY.label)
    counts = re.findall(
        rf"({re.escape(employer)}|{re.escape(agency)}|{re.escape(authority)}) (\d+)\b", text
    )
    assert dict(counts) == {employer: "2", agency: "1", authority: "1"}


def test_ministry_reviewer_dashboard_lists_the_31_provinces(
    client: Client, roles: RoleHelper
) -> None:
    reviewer = roles.user(Role.MINISTRY_REVIEWER)
    sign_in_verified(client, reviewer)

    html = get_page(client, DASHBOARD)

    provinces = list(Region.objects.filter(level=Region.Level.PROVINCE))
    assert len(provinces) == 31
    text = text_of(html)
    missing = [p.code for p in provinces if p.code not in text or p.name_zh not in text]
    assert missing == []


def test_dashboard_of_a_person_without_a_role(client: Client) -> None:
    sign_in_verified(client, UserFactory())
    html = get_page(client, DASHBOARD)
    assert tr(
        "You hold no role yet. Your organization's administrator or a site "
        "administrator gives roles."
    ) in text_of(html)


# --- Signed-in pages refuse visitors ------------------------------------------------------------

SIGNED_IN_PAGES = [
    DASHBOARD,
    "/zh-hans/account/",
    "/zh-hans/accounts/password/change/",
    MEMBERS,
    INVITE,
    "/zh-hans/organization/colleagues/1/remove/",
    ORGANIZATIONS,
    STAFF_USERS,
    "/zh-hans/staff/users/1/",
    STAFF_USER_CREATE,
]


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_visitor_is_sent_to_sign_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={path}"


@pytest.mark.parametrize(
    "path",
    [
        "/zh-hans/organization/colleagues/1/role/",
        "/zh-hans/organization/colleagues/1/remove/",
        "/zh-hans/staff/users/1/revoke/",
        "/zh-hans/staff/users/1/second-factor/reset/",
    ],
)
def test_visitor_cannot_post_to_signed_in_actions(client: Client, path: str) -> None:
    before = last_seq()
    response = client.post(path, {"role": Role.EMPLOYER_ADMIN.value})
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={path}"
    assert actions_since(before) == []


# --- Colleagues (employer admins) ---------------------------------------------------------------


def member_pks_listed(html: str) -> set[int]:
    """Colleagues listed, by their remove links."""
    return {
        int(pk) for pk in re.findall(r'href="/zh-hans/organization/colleagues/(\d+)/remove/"', html)
    }


def test_colleagues_lists_exactly_the_active_members(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN, full_name="Admin Person")
    staff = roles.user(Role.EMPLOYER_STAFF, organization=admin.organization, full_name="Staff A")
    removed = roles.user(
        Role.EMPLOYER_STAFF, organization=admin.organization, full_name="Removed B"
    )
    User.objects.filter(pk=removed.pk).update(is_active=False)
    outsider = roles.user(Role.EMPLOYER_STAFF, full_name="Outsider C")
    sign_in_verified(client, admin)

    html = get_page(client, MEMBERS)

    assert member_pks_listed(html) == {admin.pk, staff.pk}
    text = text_of(html)
    assert "Staff A" in text
    assert "Removed B" not in text
    assert outsider.full_name not in text
    assert 'name="role"' in html


# Queries of GET /organization/colleagues/: 1 session, 2 user, 3 the managed organization
# with its region (the manage_organization_users grant as a subquery), 4 the active
# members, 5 their groups (prefetched), 6 the signed-in user's groups (role names, for
# the menu). Constant in the number of members.
MEMBERS_QUERIES = 7


def test_colleagues_query_count_does_not_grow_with_members(
    client: Client, roles: RoleHelper, django_assert_num_queries: Any
) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    sign_in_verified(client, admin)
    for members in (3, 30):
        while User.objects.filter(organization=admin.organization).count() < members:
            roles.user(Role.EMPLOYER_STAFF, organization=admin.organization)
        with django_assert_num_queries(MEMBERS_QUERIES):
            response = client.get(MEMBERS)
        assert len(member_pks_listed(html_of(response))) == members


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_invite_a_colleague(
    client: Client,
    roles: RoleHelper,
    django_capture_on_commit_callbacks: Any,
    language: str,
) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN, preferred_language=language)
    sign_in_verified(client, admin)
    assert 'name="email"' in get_page(client, INVITE)
    before = last_seq()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            INVITE,
            {
                "full_name": "New Colleague",
                "email": "New.Colleague@Example.com",
                "role": "employer_staff",
            },
        )

    assert response.status_code == 302
    assert response["Location"] == MEMBERS
    invited = User.objects.get(email__iexact="new.colleague@example.com")
    assert invited.username == "new.colleague@example.com"
    assert invited.organization_id == admin.organization_id
    assert invited.is_active is True
    assert invited.has_usable_password() is False
    assert invited.preferred_language == language
    assert role_names_of(invited) == {Role.EMPLOYER_STAFF.value}
    events = events_since(before)
    assert [e.action for e in events] == ["user.create", "role.grant"]
    assert {e.actor_id for e in events} == {admin.pk}
    assert events[1].data["role"] == Role.EMPLOYER_STAFF.value
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [invited.email]
    assert message.subject == raw_tr("Your account on the Foreigner's Work Permit Portal", language)
    link = invitation_link(message)
    assert link.startswith(f"/{language}/accounts/password/reset/")
    assert invited.username in message.body
    members_page = get_page(client, MEMBERS)
    assert invited.pk in member_pks_listed(members_page)
    assert_set_password_link_works(link, invited, language)


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@example.com"])
def test_invite_with_an_existing_address_changes_nothing(
    client: Client,
    roles: RoleHelper,
    django_capture_on_commit_callbacks: Any,
    email: str,
) -> None:
    UserFactory(email="taken@example.com")
    admin = roles.user(Role.EMPLOYER_ADMIN)
    sign_in_verified(client, admin)
    users = User.objects.count()
    before = last_seq()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            INVITE, {"full_name": "Someone", "email": email, "role": "employer_staff"}
        )

    assert response.status_code == 200
    assert tr("A user with this e-mail address exists.") in page_text(response)
    assert User.objects.count() == users
    assert actions_since(before) == []
    assert mail.outbox == []


def test_make_a_colleague_admin_and_back(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    colleague = roles.user(Role.EMPLOYER_STAFF, organization=admin.organization)
    sign_in_verified(client, admin)
    url = f"/zh-hans/organization/colleagues/{colleague.pk}/role/"
    before = last_seq()

    response = client.post(url, {"role": "employer_admin"})

    assert response.status_code == 302
    assert response["Location"] == MEMBERS
    assert role_names_of(colleague) == {Role.EMPLOYER_ADMIN.value}
    assert actions_since(before) == ["role.revoke", "role.grant"]
    assert fresh(colleague).has_perm("portal.manage_organization_users", admin.organization)

    before = last_seq()
    response = client.post(url, {"role": "employer_staff"})

    assert response.status_code == 302
    assert response["Location"] == MEMBERS
    assert role_names_of(colleague) == {Role.EMPLOYER_STAFF.value}
    assert actions_since(before) == ["role.revoke", "role.grant"]
    assert not fresh(colleague).has_perm("portal.manage_organization_users", admin.organization)
    assert fresh(colleague).has_perm("portal.act_for_organization", admin.organization)


def test_invalid_role_choice_changes_nothing(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    colleague = roles.user(Role.EMPLOYER_STAFF, organization=admin.organization)
    sign_in_verified(client, admin)
    before = last_seq()

    response = client.post(
        f"/zh-hans/organization/colleagues/{colleague.pk}/role/", {"role": "site_admin"}
    )

    assert response.status_code == 302
    assert response["Location"] == MEMBERS
    assert tr("Choose administrator or staff.") in text_of(get_page(client, MEMBERS))
    assert role_names_of(colleague) == {Role.EMPLOYER_STAFF.value}
    assert actions_since(before) == []


LAST_ADMIN = (
    "An employer must keep at least one administrator. Make another colleague an "
    "administrator first."
)


def test_last_admin_cannot_demote_themselves(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    roles.user(Role.EMPLOYER_STAFF, organization=admin.organization)
    sign_in_verified(client, admin)
    before = last_seq()

    response = client.post(
        f"/zh-hans/organization/colleagues/{admin.pk}/role/", {"role": "employer_staff"}
    )

    assert response.status_code == 302
    assert response["Location"] == MEMBERS
    assert tr(LAST_ADMIN) in text_of(get_page(client, MEMBERS))
    assert role_names_of(admin) == {Role.EMPLOYER_ADMIN.value}
    assert fresh(admin).is_active is True
    assert fresh(admin).has_perm("portal.manage_organization_users", admin.organization)
    assert actions_since(before) == []


def test_last_admin_cannot_remove_themselves(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    sign_in_verified(client, admin)
    url = f"/zh-hans/organization/colleagues/{admin.pk}/remove/"
    assert get_page(client, url) != ""
    before = last_seq()

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == MEMBERS
    assert tr(LAST_ADMIN) in text_of(get_page(client, MEMBERS))
    assert role_names_of(admin) == {Role.EMPLOYER_ADMIN.value}
    assert fresh(admin).is_active is True
    assert actions_since(before) == []


def test_remove_a_staff_member(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    staff = roles.user(Role.EMPLOYER_STAFF, organization=admin.organization, full_name="Leaving")
    sign_in_verified(client, admin)
    url = f"/zh-hans/organization/colleagues/{staff.pk}/remove/"
    assert "Leaving" in text_of(get_page(client, url))
    before = last_seq()

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == MEMBERS
    staff = fresh(staff)
    assert staff.is_active is False
    assert role_names_of(staff) == set()
    assert not staff.has_perm("portal.act_for_organization", admin.organization)
    events = events_since(before)
    assert [e.action for e in events] == ["role.revoke", "organization.member_remove"]
    assert {e.actor_id for e in events} == {admin.pk}
    assert {e.target_id for e in events} == {str(staff.pk)}
    assert staff.pk not in member_pks_listed(get_page(client, MEMBERS))
    # A removed colleague can no longer sign in.
    response = Client().post(LOGIN, {"username": staff.username, "password": TEST_PASSWORD})
    assert response.status_code == 200


def test_admin_of_another_employer_gets_404(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    other_admin = roles.user(Role.EMPLOYER_ADMIN)
    other = roles.user(Role.EMPLOYER_STAFF, organization=other_admin.organization)
    sign_in_verified(client, admin)
    before = last_seq()

    for pk in (other.pk, other_admin.pk, 999_999):
        get_page(client, f"/zh-hans/organization/colleagues/{pk}/remove/", status=404)
        for action in ("remove", "role"):
            response = client.post(
                f"/zh-hans/organization/colleagues/{pk}/{action}/", {"role": "employer_admin"}
            )
            assert response.status_code == 404
            html_of(response)

    assert role_names_of(other) == {Role.EMPLOYER_STAFF.value}
    assert fresh(other).is_active is True
    assert role_names_of(other_admin) == {Role.EMPLOYER_ADMIN.value}
    assert actions_since(before) == []


def test_employer_staff_gets_404_on_the_colleagues_pages(
    client: Client, roles: RoleHelper, django_capture_on_commit_callbacks: Any
) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    staff = roles.user(Role.EMPLOYER_STAFF, organization=admin.organization)
    colleague = roles.user(Role.EMPLOYER_STAFF, organization=admin.organization)
    sign_in_verified(client, staff)
    users = User.objects.count()
    before = last_seq()

    get_page(client, MEMBERS, status=404)
    get_page(client, INVITE, status=404)
    get_page(client, f"/zh-hans/organization/colleagues/{colleague.pk}/remove/", status=404)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            INVITE, {"full_name": "X", "email": "x@example.com", "role": "employer_admin"}
        )
    assert response.status_code == 404
    html_of(response)
    for pk in (colleague.pk, admin.pk, staff.pk):
        for action in ("remove", "role"):
            response = client.post(
                f"/zh-hans/organization/colleagues/{pk}/{action}/", {"role": "employer_admin"}
            )
            assert response.status_code == 404
            html_of(response)

    assert User.objects.count() == users
    assert role_names_of(staff) == {Role.EMPLOYER_STAFF.value}
    assert role_names_of(colleague) == {Role.EMPLOYER_STAFF.value}
    assert fresh(admin).is_active is True
    assert actions_since(before) == []
    assert mail.outbox == []


# --- Users and roles (site admins) ---------------------------------------------------------------


def user_pks_listed(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/zh-hans/staff/users/(\d+)/"', html)}


@pytest.fixture
def site_admin_client(client: Client, roles: RoleHelper) -> Client:
    site_admin = roles.user(Role.SITE_ADMIN, username="zz-site-admin")
    sign_in_verified(client, site_admin)
    client.site_admin = site_admin  # type: ignore[attr-defined]
    return client


def test_users_search_by_name(site_admin_client: Client) -> None:
    alice = UserFactory(full_name="Alice Zhang")
    alicia = UserFactory(full_name="Alicia Wang")
    UserFactory(full_name="Bob Li")

    html = get_page(site_admin_client, f"{STAFF_USERS}?q=Alic")

    assert user_pks_listed(html) == {alice.pk, alicia.pk}
    html = get_page(site_admin_client, f"{STAFF_USERS}?q=zhang")
    assert user_pks_listed(html) == {alice.pk}


def test_users_filter_by_role(site_admin_client: Client, roles: RoleHelper) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER)
    roles.user(Role.EMPLOYER_ADMIN)
    roles.user(Role.DECISION_OFFICER)

    html = get_page(site_admin_client, f"{STAFF_USERS}?role=acceptance_officer")

    assert user_pks_listed(html) == {officer.pk}
    assert in_language("zh-hans", Role.ACCEPTANCE_OFFICER.label) in text_of(html)


def test_users_pagination(site_admin_client: Client) -> None:
    UserFactory.create_batch(30)
    everyone = set(User.objects.values_list("pk", flat=True))
    assert len(everyone) == 31

    first = get_page(site_admin_client, STAFF_USERS)
    second = get_page(site_admin_client, f"{STAFF_USERS}?page=2")

    assert len(user_pks_listed(first)) == 25
    assert len(user_pks_listed(second)) == 6
    assert user_pks_listed(first) | user_pks_listed(second) == everyone
    # Pages are numbered without counting every row: page 1 links on, page 2 back only.
    assert tr("Page %(n)s", n=1) in text_of(first)
    assert 'href="?page=2"' in first
    assert 'rel="prev"' not in first
    assert tr("Page %(n)s", n=2) in text_of(second)
    assert 'href="?page=1"' in second
    assert 'rel="next"' not in second


# Queries of GET /staff/users/: 1 session, 2 user, 3 the user's groups (the site-admin
# check; cached for the menu), 4 the page of users (one row more than shown, no COUNT)
# joined with organization and region, 5 their groups (prefetched). Constant in the
# number of users.
STAFF_USERS_QUERIES = 6


def test_users_query_count_does_not_grow_with_users(
    site_admin_client: Client, roles: RoleHelper, django_assert_num_queries: Any
) -> None:
    for count in (3, 30):
        while User.objects.count() < count:
            roles.user(Role.EMPLOYER_STAFF)
        with django_assert_num_queries(STAFF_USERS_QUERIES):
            response = site_admin_client.get(STAFF_USERS)
        assert len(user_pks_listed(html_of(response))) == min(count, 25)


def test_grant_and_revoke_a_regional_role(site_admin_client: Client) -> None:
    authority = OrganizationFactory(authority=True)
    subject = UserFactory(organization=authority)
    url = f"{STAFF_USERS}{subject.pk}/"
    html = get_page(site_admin_client, url)
    assert 'name="role"' in html
    assert 'name="region"' in html
    before = last_seq()

    response = site_admin_client.post(
        url, {"role": "acceptance_officer", "region": str(shanghai().pk)}
    )

    assert response.status_code == 302
    assert response["Location"] == url
    assert role_names_of(subject) == {Role.ACCEPTANCE_OFFICER.value}
    assert fresh(subject).has_perm("portal.accept_applications", shanghai())
    events = events_since(before)
    assert [e.action for e in events] == ["role.grant"]
    with translation.override("zh-hans"):
        region_repr = str(shanghai())
    assert events[0].data == {
        "role": "acceptance_officer",
        "scope": {"model": "portal.region", "id": shanghai().pk, "name": region_repr},
    }
    assert events[0].actor_id == site_admin_client.site_admin.pk  # type: ignore[attr-defined]
    label = in_language("zh-hans", Role.ACCEPTANCE_OFFICER.label)
    detail = text_of(get_page(site_admin_client, url))
    assert label in detail
    assert shanghai().name_zh in detail

    before = last_seq()
    response = site_admin_client.post(
        f"{url}revoke/", {"role": "acceptance_officer", "region": str(shanghai().pk)}
    )

    assert response.status_code == 302
    assert response["Location"] == url
    assert role_names_of(subject) == set()
    assert RegionUserObjectPermission.objects.filter(user=subject).count() == 0
    assert actions_since(before) == ["role.revoke"]


def assert_grant_refused(client: Client, subject: User, data: dict[str, str], message: str) -> None:
    before = last_seq()
    response = client.post(f"{STAFF_USERS}{subject.pk}/", data)
    assert response.status_code == 200
    assert message in page_text(response)
    assert role_names_of(subject) == set()
    assert RegionUserObjectPermission.objects.filter(user=subject).count() == 0
    assert actions_since(before) == []


def test_standards_drafter_needs_a_provincial_authority(site_admin_client: Client) -> None:
    authority = OrganizationFactory(sub_provincial=True)
    subject = UserFactory(organization=authority)
    assert_grant_refused(
        site_admin_client,
        subject,
        {"role": "standards_drafter", "region": str(authority.region.pk)},
        tr(
            "Only provincial-level authorities draft standards and catalogs; "
            "authorities below the province may not."
        ),
    )


def test_regional_role_outside_the_authoritys_province_is_refused(
    site_admin_client: Client,
) -> None:
    authority = OrganizationFactory(authority=True)  # in Shanghai
    subject = UserFactory(organization=authority)
    with translation.override("zh-hans"):
        names = {
            "organization": authority.name,
            "home": shanghai().name,
            "region": guangdong().name,
        }
    assert_grant_refused(
        site_admin_client,
        subject,
        {"role": "acceptance_officer", "region": str(guangdong().pk)},
        tr("%(organization)s works in %(home)s, not in %(region)s.", **names),
    )


def test_employer_role_for_an_authority_person_is_refused(site_admin_client: Client) -> None:
    subject = UserFactory(organization=OrganizationFactory(authority=True))
    with translation.override("zh-hans"):
        expected = gettext("The role “%(role)s” is for people working for: %(kinds)s.") % {
            "role": str(Role.EMPLOYER_ADMIN.label),
            "kinds": str(Organization.Kind.EMPLOYER.label),
        }
    assert_grant_refused(site_admin_client, subject, {"role": "employer_admin"}, expected)


def test_create_an_account_sends_an_invitation(
    site_admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    authority = OrganizationFactory(authority=True)
    assert 'name="organization"' in get_page(site_admin_client, STAFF_USER_CREATE)
    before = last_seq()

    with django_capture_on_commit_callbacks(execute=True):
        response = site_admin_client.post(
            STAFF_USER_CREATE,
            {
                "username": "new.officer",
                "full_name": "New Officer",
                "email": "new.officer@example.gov.cn",
                "organization": str(authority.pk),
            },
        )

    created = User.objects.get(username="new.officer")
    assert response.status_code == 302
    assert response["Location"] == f"{STAFF_USERS}{created.pk}/"
    assert created.organization_id == authority.pk
    assert created.has_usable_password() is False
    assert role_names_of(created) == set()
    assert actions_since(before) == ["user.create"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.officer@example.gov.cn"]
    assert_set_password_link_works(invitation_link(mail.outbox[0]), created)


def test_create_an_account_with_a_taken_user_name_changes_nothing(
    site_admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(username="taken")
    authority = OrganizationFactory(authority=True)
    users = User.objects.count()
    before = last_seq()

    with django_capture_on_commit_callbacks(execute=True):
        response = site_admin_client.post(
            STAFF_USER_CREATE,
            {
                "username": "taken",
                "full_name": "Someone",
                "email": "someone@example.gov.cn",
                "organization": str(authority.pk),
            },
        )

    assert response.status_code == 200
    assert tr("This user name is taken.") in page_text(response)
    assert User.objects.count() == users
    assert actions_since(before) == []
    assert mail.outbox == []


def test_reset_a_second_factor(site_admin_client: Client, roles: RoleHelper) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER)
    TOTPDevice.objects.create(
        user=officer,
        encrypted_secret=second_factor.encrypt_secret(second_factor.new_secret()),
        confirmed_at=timezone.now(),
    )
    url = f"{STAFF_USERS}{officer.pk}/"
    assert f'action="{url}second-factor/reset/"' in get_page(site_admin_client, url)
    before = last_seq()

    response = site_admin_client.post(f"{url}second-factor/reset/")

    assert response.status_code == 302
    assert response["Location"] == url
    assert TOTPDevice.objects.filter(user=officer).count() == 0
    events = events_since(before)
    assert [e.action for e in events] == ["auth.second_factor_reset"]
    assert events[0].data == {"removed": True}
    assert events[0].target_id == str(officer.pk)


@pytest.mark.parametrize("role", [Role.EMPLOYER_ADMIN, Role.MINISTRY_REVIEWER])
def test_users_and_roles_are_404_for_others(
    client: Client, roles: RoleHelper, django_capture_on_commit_callbacks: Any, role: Role
) -> None:
    sign_in_verified(client, roles.user(role))
    authority = OrganizationFactory(authority=True)
    subject = UserFactory(organization=authority)
    officer = roles.user(Role.ACCEPTANCE_OFFICER)
    secret = second_factor.encrypt_secret(second_factor.new_secret())
    TOTPDevice.objects.create(user=officer, encrypted_secret=secret, confirmed_at=timezone.now())
    users = User.objects.count()
    before = last_seq()

    get_page(client, STAFF_USERS, status=404)
    get_page(client, STAFF_USER_CREATE, status=404)
    get_page(client, f"{STAFF_USERS}{subject.pk}/", status=404)
    with django_capture_on_commit_callbacks(execute=True):
        posts = [
            client.post(
                STAFF_USER_CREATE,
                {
                    "username": "sneaky",
                    "full_name": "Sneaky",
                    "email": "sneaky@example.com",
                    "organization": str(authority.pk),
                },
            ),
            client.post(
                f"{STAFF_USERS}{subject.pk}/",
                {"role": "acceptance_officer", "region": str(shanghai().pk)},
            ),
            client.post(
                f"{STAFF_USERS}{officer.pk}/revoke/",
                {"role": "acceptance_officer", "region": str(shanghai().pk)},
            ),
            client.post(f"{STAFF_USERS}{officer.pk}/second-factor/reset/"),
        ]

    assert [p.status_code for p in posts] == [404, 404, 404, 404]
    for response in posts:
        html_of(response)
    assert User.objects.count() == users
    assert role_names_of(subject) == set()
    assert role_names_of(officer) == {Role.ACCEPTANCE_OFFICER.value}
    assert TOTPDevice.objects.filter(user=officer).count() == 1
    assert actions_since(before) == []
    assert mail.outbox == []


# --- Organizations (officers) --------------------------------------------------------------------


def named_organization(name: str, **kwargs: Any) -> Organization:
    return OrganizationFactory(name_zh=name, name_en=name, **kwargs)


def organizations_listed(html: str) -> set[str]:
    """Names (of the form "Org-NNN-") of the organizations on the page."""
    return set(re.findall(r"Org-\d{3}-\w*", text_of(html)))


@pytest.fixture
def officer_client(client: Client, roles: RoleHelper) -> Client:
    authority = named_organization("Org-000-authority", authority=True)
    officer = roles.user(Role.ACCEPTANCE_OFFICER, organization=authority)
    sign_in_verified(client, officer)
    return client


def test_organizations_of_the_officers_region_only(officer_client: Client) -> None:
    named_organization("Org-001-employer")
    named_organization("Org-002-agency", agency=True)
    named_organization("Org-003-guangdong", region=guangdong())
    named_organization("Org-004-guangdong", region=guangdong(), agency=True)

    html = get_page(officer_client, ORGANIZATIONS)

    assert organizations_listed(html) == {
        "Org-000-authority",
        "Org-001-employer",
        "Org-002-agency",
    }


def test_organizations_search_by_name_identifier_and_kind(officer_client: Client) -> None:
    employer = named_organization("Org-001-employer", uscc=valid_uscc(424242))
    named_organization("Org-002-agency", agency=True)
    named_organization("Org-003-employer")
    named_organization("Org-004-guangdong", region=guangdong(), uscc=valid_uscc(515151, "440000"))

    by_name = get_page(officer_client, f"{ORGANIZATIONS}?q=001-emp")
    by_uscc = get_page(officer_client, f"{ORGANIZATIONS}?q={employer.uscc.lower()}")
    by_kind = get_page(officer_client, f"{ORGANIZATIONS}?kind=service_agency")
    by_kind_and_name = get_page(officer_client, f"{ORGANIZATIONS}?kind=employer&q=Org-003")
    outside = get_page(officer_client, f"{ORGANIZATIONS}?q={valid_uscc(515151, '440000')}")

    assert organizations_listed(by_name) == {"Org-001-employer"}
    assert organizations_listed(by_uscc) == {"Org-001-employer"}
    assert employer.uscc in by_uscc
    assert organizations_listed(by_kind) == {"Org-002-agency"}
    assert organizations_listed(by_kind_and_name) == {"Org-003-employer"}
    assert organizations_listed(outside) == set()
    assert tr("No organization matches.") in text_of(outside)


def test_organizations_pagination(officer_client: Client) -> None:
    for n in range(1, 31):
        named_organization(f"Org-{n:03d}-employer")

    first = get_page(officer_client, ORGANIZATIONS)
    second = get_page(officer_client, f"{ORGANIZATIONS}?page=2")
    filtered = get_page(officer_client, f"{ORGANIZATIONS}?kind=employer&page=2")

    assert len(organizations_listed(first)) == 25
    assert len(organizations_listed(second)) == 6
    assert len(organizations_listed(first) | organizations_listed(second)) == 31
    assert tr("Page %(n)s", n=1) in text_of(first)
    assert len(organizations_listed(filtered)) == 5
    assert "kind=employer&amp;page=1" in filtered


# Queries of GET /organizations/: 1 session, 2 user, 3 the user's groups (national viewer
# or not; cached for the menu), 4 the ids of the officer's regions, 5 the page of
# organizations joined with their region (filtered on the short list of region ids; one
# row more than shown, no COUNT). Constant in the number of organizations.
ORGANIZATIONS_QUERIES = 6


def test_organizations_query_count_does_not_grow(
    officer_client: Client, django_assert_num_queries: Any
) -> None:
    for count in (3, 30):
        while Organization.objects.count() < count:
            named_organization(f"Org-{Organization.objects.count():03d}-employer")
        with django_assert_num_queries(ORGANIZATIONS_QUERIES):
            response = officer_client.get(ORGANIZATIONS)
        assert len(organizations_listed(html_of(response))) == min(count, 25)


def test_people_with_a_role_find_the_public_pages_folded_into_one_entry(
    client: Client, roles: RoleHelper
) -> None:
    # A visitor's menu is the public pages themselves: no fold.
    assert 'class="main-nav__more"' not in get_page(client, HOME)
    sign_in_verified(client, roles.user(Role.DECISION_OFFICER))
    html = get_page(client, GUIDES)
    fold = html.split('class="main-nav__more"', 1)[1].split("</details>", 1)[0]
    folded = set(re.findall(r'href="([^"]+)"', fold))
    assert folded == PUBLIC - {HOME}
    # The current page is marked inside the fold, and the fold itself says so.
    assert f'<a href="{GUIDES}" aria-current="page">' in fold
    assert 'class="main-nav__summary--current"' in fold
    assert tr("Public information") in fold
