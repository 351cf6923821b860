"""The kernel's REST API (``/api/v1/``): the root, regions, organizations, me, errors as
JSON with stable codes, cursor pagination, the OpenAPI schema and the offline docs.

Every request is sent with ``Accept-Language: en`` unless a test says otherwise, so that
error bodies can be compared exactly (DRF's own messages are translated, the codes are not).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.models import Organization, Region, User
from portal.roles import Role
from tests.factories import OrganizationFactory, RoleHelper, valid_uscc

ALL_PROVINCES = [
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000",
    "310000", "320000", "330000", "340000", "350000", "360000", "370000", "410000",
    "420000", "430000", "440000", "450000", "460000", "500000", "510000", "520000",
    "530000", "540000", "610000", "620000", "630000", "640000", "650000",
]  # fmt: skip
WESTERN = [
    "150000", "450000", "500000", "510000", "520000", "530000",
    "540000", "610000", "620000", "630000", "640000", "650000",
]  # fmt: skip
NORTHEAST = ["210000", "220000", "230000"]

NOT_AUTHENTICATED = {
    "code": "not_authenticated",
    "message": "Authentication credentials were not provided.",
}
NOT_FOUND = {"code": "not_found", "message": "Not found."}
INVALID_MESSAGE = "The request has invalid fields. Correct them and send it again."
# A USCC whose check character is a letter, so that a lower-cased query means something.
USCC_WITH_LETTER = valid_uscc(900003)
KERNEL_PATHS = [
    "/api/v1/me/",
    "/api/v1/organizations/",
    "/api/v1/organizations/{id}/",
    "/api/v1/publications/",
    "/api/v1/publications/{id}/",
    "/api/v1/regions/",
    "/api/v1/regions/{code}/",
]
# Mounted by the apps through settings.PORTAL_API_URLCONFS.
APP_PATHS = [
    "/api/v1/catalogs/",
    "/api/v1/catalogs/{id}/",
    "/api/v1/catalogs/{id}/entries/",
    "/api/v1/occupations/",
    "/api/v1/occupations/{code}/",
    "/api/v1/agreements/",
    "/api/v1/agreements/{id}/",
    "/api/v1/agreements/{id}/transitions/",
    "/api/v1/national-standards/",
    "/api/v1/national-standards/{version}/",
    "/api/v1/points-tables/",
    "/api/v1/points-tables/{version}/",
    "/api/v1/points/assess",
    "/api/v1/recognition-validity/",
    "/api/v1/regional-standards/",
    "/api/v1/regional-standards/{id}/",
    "/api/v1/regional-standards/{id}/transitions/",
    "/api/v1/applications/",
    "/api/v1/applications/{id}/",
    "/api/v1/applications/{id}/checklist/",
    "/api/v1/applications/{id}/documents/",
    "/api/v1/applications/{id}/documents/{document_id}/",
    "/api/v1/applications/{id}/information-request/",
    "/api/v1/applications/{id}/information-request/items/{position}/",
    "/api/v1/applications/{id}/problems/",
    "/api/v1/applications/{id}/steps/{step}/",
    "/api/v1/applications/{id}/transitions/",
    "/api/v1/partner/credit/standing/",
    "/api/v1/partner/permits/by-passport/",
    "/api/v1/partner/permits/{permit_number}/",
    "/api/v1/partner/verify/",
]
ALL_PATHS = sorted(KERNEL_PATHS + APP_PATHS)


# --- Helpers -------------------------------------------------------------------------------


def api(user: User | None = None, *, language: str = "en") -> APIClient:
    """An API client, signed in by session when ``user`` is given.

    Officials must have passed the second factor in their session, or the
    SecondFactorMiddleware signs them out; the flag is harmless for everyone else.
    """
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
        session = client.session
        session["portal_2fa_verified"] = True
        session.save()
    return client


def body(response: Any) -> Any:
    return json.loads(response.content)


def pudong() -> Region:
    """A county-level division below Shanghai, as added by data when acceptance is
    delegated below the province."""
    return Region.objects.create(
        code="310115",
        name_zh="浦东新区",
        name_en="Pudong New Area",
        level=Region.Level.COUNTY,
        parent=Region.objects.get(code="310000"),
    )


def organization_body(org: Organization) -> dict[str, Any]:
    return {
        "id": org.pk,
        "kind": org.kind,
        "name_zh": org.name_zh,
        "name_en": org.name_en,
        "uscc": org.uscc,
        "uscc_check_failed": org.uscc_check_failed,
        "region": org.region.code if org.region else None,
        "authority_level": org.authority_level,
        "is_active": org.is_active,
    }


@dataclass
class World:
    """Two employers in two provinces, one below Shanghai, two authorities, the ministry,
    and a user for each column of the permission matrix."""

    orgs: dict[str, Organization]
    users: dict[str, User | None]

    def keys_of(self, response_body: dict[str, Any]) -> list[str]:
        by_id = {org.pk: key for key, org in self.orgs.items()}
        return [by_id[row["id"]] for row in response_body["results"]]

    def newest_first(self, keys: set[str]) -> list[str]:
        return sorted(keys, key=lambda key: -self.orgs[key].pk)


@pytest.fixture
def world(roles: RoleHelper) -> World:
    shanghai_officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    guangdong_officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="440000")
    employer_a = OrganizationFactory(uscc=USCC_WITH_LETTER)
    employer_b = OrganizationFactory(
        region=Region.objects.get(code="440000"), uscc=valid_uscc(900004, "440000")
    )
    employer_pudong = OrganizationFactory(region=pudong(), uscc=valid_uscc(900005, "310115"))
    ministry = OrganizationFactory(ministry=True)
    orgs = {
        "employer_a": employer_a,
        "employer_b": employer_b,
        "employer_pudong": employer_pudong,
        "shanghai_authority": shanghai_officer.organization,
        "guangdong_authority": guangdong_officer.organization,
        "ministry": ministry,
    }
    users: dict[str, User | None] = {
        "anonymous": None,
        "employer_admin_a": roles.user(Role.EMPLOYER_ADMIN, organization=employer_a),
        "employer_admin_b": roles.user(Role.EMPLOYER_ADMIN, organization=employer_b),
        "acceptance_officer_shanghai": shanghai_officer,
        "acceptance_officer_guangdong": guangdong_officer,
        "ministry_reviewer": roles.user(Role.MINISTRY_REVIEWER, organization=ministry),
        "site_admin": roles.user(Role.SITE_ADMIN, organization=ministry),
    }
    return World(orgs=orgs, users=users)


# --- Root ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_root_lists_every_endpoint_with_absolute_urls() -> None:
    response = api().get("/api/v1/")

    assert response.status_code == 200
    assert body(response) == {
        "regions": "http://testserver/api/v1/regions/",
        "organizations": "http://testserver/api/v1/organizations/",
        "me": "http://testserver/api/v1/me/",
        "publications": "http://testserver/api/v1/publications/",
        "occupations": "http://testserver/api/v1/occupations/",
        "catalogs": "http://testserver/api/v1/catalogs/",
        "national_standards": "http://testserver/api/v1/national-standards/",
        "regional_standards": "http://testserver/api/v1/regional-standards/",
        "agreements": "http://testserver/api/v1/agreements/",
        "points_assess": "http://testserver/api/v1/points/assess",
        "points_tables": "http://testserver/api/v1/points-tables/",
        "recognition_validity": "http://testserver/api/v1/recognition-validity/",
        "applications": "http://testserver/api/v1/applications/",
        "schema": "http://testserver/api/schema/",
        "docs": "http://testserver/api/docs/",
    }
    assert list(body(response)) == [
        "regions",
        "organizations",
        "me",
        "publications",
        "occupations",
        "catalogs",
        "national_standards",
        "regional_standards",
        "agreements",
        "points_assess",
        "points_tables",
        "recognition_validity",
        "applications",
        "schema",
        "docs",
    ]


# --- Regions -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_regions_are_public_in_code_order_without_pagination(
    django_assert_num_queries: Any,
) -> None:
    # 1 query: the regions with their parents (select_related); no session, no count.
    with django_assert_num_queries(1):
        response = api().get("/api/v1/regions/")

    assert response.status_code == 200
    rows = body(response)
    assert [row["code"] for row in rows] == ALL_PROVINCES
    assert rows[ALL_PROVINCES.index("510000")] == {
        "code": "510000",
        "name_zh": "四川省",
        "name_en": "Sichuan",
        "level": "province",
        "parent": None,
        "is_western_region": True,
        "is_northeast_old_industrial_base": False,
        "is_designated_poverty_area": False,
        "earns_location_points": True,
    }


@pytest.mark.django_db
def test_region_below_a_province_names_its_parent_by_code() -> None:
    pudong()

    response = api().get("/api/v1/regions/310115/")

    assert response.status_code == 200
    assert body(response) == {
        "code": "310115",
        "name_zh": "浦东新区",
        "name_en": "Pudong New Area",
        "level": "county",
        "parent": "310000",
        "is_western_region": False,
        "is_northeast_old_industrial_base": False,
        "is_designated_poverty_area": False,
        "earns_location_points": False,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("western=true", WESTERN),
        ("western=false", [c for c in ALL_PROVINCES if c not in WESTERN]),
        ("northeast=true", NORTHEAST),
        ("level=province", ALL_PROVINCES),
        ("level=county", []),
        ("western=true&northeast=true", []),
    ],
)
def test_region_filters(query: str, codes: list[str]) -> None:
    response = api().get(f"/api/v1/regions/?{query}")

    assert response.status_code == 200
    assert [row["code"] for row in body(response)] == codes


@pytest.mark.django_db
def test_region_detail() -> None:
    response = api().get("/api/v1/regions/440000/")

    assert response.status_code == 200
    assert body(response) == {
        "code": "440000",
        "name_zh": "广东省",
        "name_en": "Guangdong",
        "level": "province",
        "parent": None,
        "is_western_region": False,
        "is_northeast_old_industrial_base": False,
        "is_designated_poverty_area": False,
        "earns_location_points": False,
    }


@pytest.mark.django_db
def test_unknown_region_is_a_json_404() -> None:
    response = api().get("/api/v1/regions/999999/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert body(response) == NOT_FOUND


@pytest.mark.django_db
def test_invalid_region_filter_value_is_a_400_naming_the_field() -> None:
    response = api().get("/api/v1/regions/?level=planet")

    assert response.status_code == 400
    assert body(response) == {
        "code": "invalid",
        "message": INVALID_MESSAGE,
        "fields": {"level": ["Select a valid choice. planet is not one of the available choices."]},
    }


@pytest.mark.django_db
def test_error_messages_follow_the_request_language() -> None:
    response = api(language="zh-hans").get("/api/v1/regions/999999/")

    with translation.override("zh-hans"):
        chinese = translation.gettext("Not found.")
    assert chinese != "Not found."
    assert response.status_code == 404
    assert response["Content-Language"] == "zh-hans"
    assert body(response) == {"code": "not_found", "message": chinese}


# --- Me ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_me_anonymous_is_refused_with_403_not_authenticated() -> None:
    # 403, not 401: DRF answers 401 only when the *first* authentication class can name a
    # WWW-Authenticate challenge. SessionAuthentication comes first and has none, so DRF
    # turns NotAuthenticated into 403 (and sends no WWW-Authenticate header).
    response = api().get("/api/v1/me/")

    assert response.status_code == 403
    assert "WWW-Authenticate" not in response
    assert body(response) == NOT_AUTHENTICATED


@pytest.mark.django_db
def test_me_for_an_employer_admin(roles: RoleHelper) -> None:
    employer = OrganizationFactory(uscc=USCC_WITH_LETTER)
    user = roles.user(
        Role.EMPLOYER_ADMIN,
        organization=employer,
        username="li.wei",
        full_name="李伟",
        email="li.wei@example.com",
    )

    response = api(user).get("/api/v1/me/")

    assert response.status_code == 200
    assert body(response) == {
        "id": user.pk,
        "username": "li.wei",
        "full_name": "李伟",
        "email": "li.wei@example.com",
        "preferred_language": "zh-hans",
        "organization": organization_body(employer),
        "roles": [
            {
                "role": "employer_admin",
                "label": "Employer administrator",
                "scope": "organization",
                "region": None,
                "organization": employer.pk,
            }
        ],
    }


@pytest.mark.django_db
def test_me_for_an_acceptance_officer_names_the_region(roles: RoleHelper) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")

    response = api(officer).get("/api/v1/me/")

    assert response.status_code == 200
    assert body(response)["organization"] == organization_body(officer.organization)
    assert body(response)["roles"] == [
        {
            "role": "acceptance_officer",
            "label": "Acceptance officer",
            "scope": "region",
            "region": "310000",
            "organization": None,
        }
    ]


@pytest.mark.django_db
def test_me_with_a_token_for_a_partner_reader(roles: RoleHelper) -> None:
    reader = roles.user(Role.PARTNER_READER, region_code="440000")
    token = Token.objects.create(user=reader)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    # No session and no second-factor flag: token requests are not sessions.
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert body(response)["username"] == reader.username
    assert body(response)["roles"] == [
        {
            "role": "partner_reader",
            "label": "Partner agency reader",
            "scope": "region",
            "region": "440000",
            "organization": None,
        }
    ]


@pytest.mark.django_db
def test_me_with_a_wrong_token_is_refused(roles: RoleHelper) -> None:
    reader = roles.user(Role.PARTNER_READER)
    Token.objects.create(user=reader)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token " + "0" * 40)

    # 403 for the same reason as the anonymous case: the first authenticator is the session.
    assert response.status_code == 403
    assert body(response) == {"code": "authentication_failed", "message": "Invalid token."}


@pytest.mark.django_db
def test_official_session_without_second_factor_is_signed_out(roles: RoleHelper) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer)  # no portal_2fa_verified flag in the session

    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert body(response) == {
        "code": "second_factor_required",
        "message": "Your role requires a second factor. Sign in again.",
    }
    # The session was ended: the next request is anonymous.
    again = client.get("/api/v1/me/")
    assert again.status_code == 403
    assert body(again) == NOT_AUTHENTICATED


# --- Organizations: who sees what ------------------------------------------------------------

EVERYONE = {
    "employer_a",
    "employer_b",
    "employer_pudong",
    "shanghai_authority",
    "guangdong_authority",
    "ministry",
}
VISIBLE: dict[str, set[str] | None] = {
    "anonymous": None,  # refused
    "employer_admin_a": {"employer_a"},
    "employer_admin_b": {"employer_b"},
    # Shanghai and the divisions below it (Pudong), including the officer's own authority.
    "acceptance_officer_shanghai": {"employer_a", "employer_pudong", "shanghai_authority"},
    "acceptance_officer_guangdong": {"employer_b", "guangdong_authority"},
    "ministry_reviewer": EVERYONE,
    "site_admin": EVERYONE,
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(VISIBLE))
def test_organization_list_is_scoped(world: World, who: str) -> None:
    response = api(world.users[who]).get("/api/v1/organizations/")

    expected = VISIBLE[who]
    if expected is None:
        assert response.status_code == 403
        assert body(response) == NOT_AUTHENTICATED
        return
    assert response.status_code == 200
    assert world.keys_of(body(response)) == world.newest_first(expected)


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(VISIBLE))
@pytest.mark.parametrize("target", sorted(EVERYONE))
def test_organization_detail_is_404_when_not_visible(world: World, who: str, target: str) -> None:
    org = world.orgs[target]

    response = api(world.users[who]).get(f"/api/v1/organizations/{org.pk}/")

    expected = VISIBLE[who]
    if expected is None:
        assert response.status_code == 403
        assert body(response) == NOT_AUTHENTICATED
    elif target in expected:
        assert response.status_code == 200
        assert body(response) == organization_body(org)
    else:
        # The same answer as for an organization that does not exist.
        assert response.status_code == 404
        assert body(response) == NOT_FOUND


@pytest.mark.django_db
def test_organization_detail_of_a_nonexistent_id_is_404(world: World) -> None:
    missing = max(org.pk for org in world.orgs.values()) + 1000

    response = api(world.users["ministry_reviewer"]).get(f"/api/v1/organizations/{missing}/")

    assert response.status_code == 404
    assert body(response) == NOT_FOUND


@pytest.mark.django_db
def test_officer_below_the_province_sees_only_their_division(roles: RoleHelper) -> None:
    """A permission on Pudong covers Pudong, not the rest of Shanghai."""
    district = pudong()
    in_pudong = OrganizationFactory(region=district, uscc=valid_uscc(900006, "310115"))
    in_shanghai = OrganizationFactory(uscc=valid_uscc(900007))
    authority = OrganizationFactory(sub_provincial=True, region=Region.objects.get(code="310000"))
    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310115", organization=authority)

    response = api(officer).get("/api/v1/organizations/")

    assert response.status_code == 200
    # Their own authority (as for everyone) and Pudong's employer; not in_shanghai.
    assert in_shanghai.pk not in {in_pudong.pk, authority.pk}
    assert [row["id"] for row in body(response)["results"]] == sorted(
        [in_pudong.pk, authority.pk], reverse=True
    )


# --- Organizations: filters ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "query", "expected"),
    [
        ("ministry_reviewer", "kind=employer", {"employer_a", "employer_b", "employer_pudong"}),
        (
            "ministry_reviewer",
            "kind=provincial_authority",
            {"shanghai_authority", "guangdong_authority"},
        ),
        # The region filter matches the organization's own division exactly: Pudong's
        # employer is in 310115, not in 310000.
        ("ministry_reviewer", "region=310000", {"employer_a", "shanghai_authority"}),
        ("ministry_reviewer", "region=310115", {"employer_pudong"}),
        ("ministry_reviewer", f"uscc={USCC_WITH_LETTER.lower()}", {"employer_a"}),
        ("ministry_reviewer", "kind=employer&region=440000", {"employer_b"}),
        ("ministry_reviewer", "uscc=000000000000000000", set()),
        # Filters narrow what the caller may see; they never widen it.
        ("acceptance_officer_shanghai", "kind=employer", {"employer_a", "employer_pudong"}),
        ("acceptance_officer_shanghai", "region=440000", set()),
        ("employer_admin_b", f"uscc={USCC_WITH_LETTER.lower()}", set()),
    ],
)
def test_organization_filters(world: World, who: str, query: str, expected: set[str]) -> None:
    assert USCC_WITH_LETTER == "91310000000900003C"  # the letter makes .lower() differ

    response = api(world.users[who]).get(f"/api/v1/organizations/?{query}")

    assert response.status_code == 200
    assert world.keys_of(body(response)) == world.newest_first(expected)


@pytest.mark.django_db
def test_invalid_filter_value_is_a_400_naming_the_field(world: World) -> None:
    response = api(world.users["ministry_reviewer"]).get("/api/v1/organizations/?kind=nonsense")

    assert response.status_code == 400
    assert body(response) == {
        "code": "invalid",
        "message": INVALID_MESSAGE,
        "fields": {
            "kind": ["Select a valid choice. nonsense is not one of the available choices."]
        },
    }


# --- Organizations: cursor pagination and query count ----------------------------------------


def shanghai_officer_with_employers(roles: RoleHelper, employers: int) -> User:
    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    OrganizationFactory.create_batch(employers)  # Shanghai by default
    return officer


@pytest.mark.django_db
def test_cursor_pagination_visits_every_row_once(roles: RoleHelper) -> None:
    officer = shanghai_officer_with_employers(roles, 4)  # 5 visible with their authority
    visible = sorted(
        Organization.objects.filter(region__code="310000").values_list("pk", flat=True),
        reverse=True,
    )
    assert len(visible) == 5
    client = api(officer)

    url: str | None = "/api/v1/organizations/?page_size=2"
    pages: list[list[int]] = []
    previous_links: list[str | None] = []
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200
        page = body(response)
        assert list(page) == ["next", "previous", "results"]  # no "count"
        pages.append([row["id"] for row in page["results"]])
        previous_links.append(page["previous"])
        url = page["next"]
        assert len(pages) <= 5, "pagination does not end"

    assert pages == [visible[0:2], visible[2:4], visible[4:5]]
    assert previous_links[0] is None
    assert all(link is not None for link in previous_links[1:])


@pytest.mark.django_db
def test_cursor_previous_link_goes_back(roles: RoleHelper) -> None:
    officer = shanghai_officer_with_employers(roles, 4)
    client = api(officer)
    first = body(client.get("/api/v1/organizations/?page_size=2"))
    second = body(client.get(first["next"]))

    back = body(client.get(second["previous"]))

    assert [row["id"] for row in back["results"]] == [row["id"] for row in first["results"]]


@pytest.mark.django_db
def test_page_size_is_capped_at_100(roles: RoleHelper) -> None:
    officer = shanghai_officer_with_employers(roles, 101)

    response = api(officer).get("/api/v1/organizations/?page_size=500")

    assert response.status_code == 200
    assert len(body(response)["results"]) == 100
    assert body(response)["next"] is not None


# Queries of one signed-in page of organizations (session authentication):
#   1. the session row (django_session);
#   2. the user (auth middleware);
#   3. the user's role groups (SecondFactorMiddleware asks requires_second_factor; cached
#      on the user object for the rest of the request);
#   4. the ids of the caller's regions (grants as a subquery; remembered for the request);
#   5. the page: organizations with their region (select_related), filtered on that short
#      list of region ids, LIMIT page_size + 1. No COUNT(*), nothing per row.
ORGANIZATION_PAGE_QUERIES = 5


@pytest.mark.django_db
@pytest.mark.parametrize(("employers", "rows"), [(1, 2), (19, 20)])
def test_organization_list_query_count_does_not_grow_with_rows(
    roles: RoleHelper, django_assert_num_queries: Any, employers: int, rows: int
) -> None:
    officer = shanghai_officer_with_employers(roles, employers)
    client = api(officer)

    with django_assert_num_queries(ORGANIZATION_PAGE_QUERIES):
        response = client.get("/api/v1/organizations/")

    assert response.status_code == 200
    assert len(body(response)["results"]) == rows


@pytest.mark.django_db
def test_organization_list_query_count_with_a_token(
    roles: RoleHelper, django_assert_num_queries: Any
) -> None:
    reader = roles.user(Role.PARTNER_READER, region_code="310000")
    OrganizationFactory.create_batch(19)
    token = Token.objects.create(user=reader)
    client = APIClient()

    # 1. the token with its user (select_related); 2. the user's role groups (is the caller
    # a national viewer?); 3. the ids of the caller's regions; 4. the page. No session.
    with django_assert_num_queries(4):
        response = client.get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert len(body(response)["results"]) == 20


# --- Errors --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_api_url_is_a_json_404() -> None:
    # No view answers: Django's handler404 (portal.views.not_found) speaks JSON under /api/.
    response = api().get("/api/v1/does-not-exist/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert body(response) == NOT_FOUND


@pytest.mark.django_db
def test_post_to_a_public_read_only_list_is_405() -> None:
    # Regions allow anyone, so the permission check passes and DRF answers for the method.
    response = api().post("/api/v1/regions/", {"code": "990000"}, format="json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert body(response) == {"code": "method_not_allowed", "message": 'Method "POST" not allowed.'}
    assert Region.objects.filter(code="990000").exists() is False
    assert Region.objects.count() == 31


@pytest.mark.django_db
def test_post_to_organizations_refuses_anonymous_before_the_method(world: World) -> None:
    # DRF authenticates and checks permissions before it looks for a handler, so an
    # anonymous caller learns only that they must sign in (403, see the /me/ test), and a
    # signed-in caller is told the method is not allowed. Neither changes anything.
    before = sorted(Organization.objects.values_list("pk", flat=True))
    payload = {"kind": "employer", "name_zh": "新公司", "region": "310000"}

    anonymous = api().post("/api/v1/organizations/", payload, format="json")
    signed_in = api(world.users["employer_admin_a"]).post(
        "/api/v1/organizations/", payload, format="json"
    )

    assert anonymous.status_code == 403
    assert body(anonymous) == NOT_AUTHENTICATED
    assert signed_in.status_code == 405
    assert body(signed_in) == {
        "code": "method_not_allowed",
        "message": 'Method "POST" not allowed.',
    }
    assert sorted(Organization.objects.values_list("pk", flat=True)) == before


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_organizations_cannot_be_changed_through_the_api(world: World, method: str) -> None:
    org = world.orgs["employer_a"]
    client = api(world.users["ministry_reviewer"])

    response = getattr(client, method)(
        f"/api/v1/organizations/{org.pk}/", {"name_zh": "改名"}, format="json"
    )

    assert response.status_code == 405
    assert body(response)["code"] == "method_not_allowed"
    org.refresh_from_db()
    assert org.name_zh == world.orgs["employer_a"].name_zh
    assert Organization.objects.filter(pk=org.pk).exists() is True


# --- Schema and docs -----------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_is_openapi_3_yaml_by_default() -> None:
    response = api().get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    assert sorted(document["paths"]) == ALL_PATHS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("?format=json", {}),
        ("", {"HTTP_ACCEPT": "application/vnd.oai.openapi+json"}),
    ],
)
def test_schema_as_json(query: str, headers: dict[str, str]) -> None:
    response = api().get(f"/api/schema/{query}", **headers)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi+json"
    document = body(response)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Foreigner's Work Permit Portal API"
    assert sorted(document["paths"]) == ALL_PATHS
    assert sorted(document["paths"]["/api/v1/regions/"]) == ["get"]
    assert sorted(document["paths"]["/api/v1/organizations/{id}/"]) == ["get"]


@pytest.mark.django_db
def test_schema_generation_has_no_warnings_or_errors(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert sorted(yaml.safe_load(target.read_text(encoding="utf-8"))["paths"]) == ALL_PATHS


@pytest.mark.django_db
def test_docs_page_is_served_offline_from_the_sidecar() -> None:
    response = api().get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert re.findall(r"https?://", html) == []
    assert re.findall(r'<script src="([^"]+)"', html) == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "/api/docs/?script=",
    ]
    assert (
        '<link rel="stylesheet" href="/static/drf_spectacular_sidecar/swagger-ui-dist/'
        'swagger-ui.css">'
    ) in html
    # Every script has a src: the page works under script-src 'self'.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []


@pytest.mark.django_db
def test_docs_page_has_no_inline_style_blocked_by_the_csp() -> None:
    response = api().get("/api/docs/")

    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert re.findall(r"<style\b", response.content.decode()) == []


@pytest.mark.django_db
def test_docs_script_is_javascript() -> None:
    response = api().get("/api/docs/?script=")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    script = response.content.decode()
    assert script.startswith('"use strict";')
    assert '"/api/schema/"' in script
