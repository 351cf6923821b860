"""The open-data API of the catalogs app: ``/api/v1/occupations/`` and
``/api/v1/catalogs/`` (with ``{id}/entries/``): public, read-only, cursor-paginated,
filtered with typed filters that answer 400 with the field on bad input, documented in the
OpenAPI schema.

Every request is sent with ``Accept-Language: en`` so that error bodies compare exactly.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from catalogs.api import CatalogViewSet, OccupationViewSet
from catalogs.models import GuidanceCatalog, Occupation
from portal.filings import add_years
from portal.models.filing import FilingState
from portal.roles import Role
from tests.catalogs.conftest import SLICE, create_occupations, make_catalog
from tests.factories import RoleHelper

pytestmark = pytest.mark.django_db

S = FilingState
DAY = dt.timedelta(days=1)
INVALID_MESSAGE = "The request has invalid fields. Correct them and send it again."
NOT_FOUND = {"code": "not_found", "message": "Not found."}
CATALOG_PATHS = [
    "/api/v1/catalogs/",
    "/api/v1/catalogs/{id}/",
    "/api/v1/catalogs/{id}/entries/",
    "/api/v1/occupations/",
    "/api/v1/occupations/{code}/",
]


# --- Helpers --------------------------------------------------------------------------------------


def api(language: str = "en") -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE=language)


def body(response: Any) -> Any:
    return json.loads(response.content)


def get(address: str, status: int = 200) -> Any:
    response = api().get(address)
    assert response.status_code == status, (address, response.status_code, response.content)
    assert response["Content-Type"] == "application/json"
    return body(response)


def codes(page: dict[str, Any]) -> list[str]:
    return [row["code"] for row in page["results"]]


def relative(link: str) -> str:
    parts = urlparse(link)
    return f"{parts.path}?{parts.query}"


def today() -> dt.date:
    return timezone.localdate()


def published(
    region_code: str = "310000",
    *,
    version: int | None = None,
    state: str = S.PUBLISHED,
    effective_from: dt.date | None = None,
    expires_on: dt.date | None = None,
    superseded_on: dt.date | None = None,
    entries: dict[str, dict[str, Any]] | None = None,
    occupations: dict[str, Occupation] | None = None,
) -> GuidanceCatalog:
    start = effective_from or today() - 100 * DAY
    return make_catalog(
        region_code,
        version=version,
        state=state,
        effective_from=start,
        expires_on=expires_on or add_years(start, 3),
        superseded_on=superseded_on,
        entries=entries,
        occupations=occupations,
    )


def detailed_codes(occupations: dict[str, Occupation]) -> list[str]:
    return sorted(code for code, o in occupations.items() if o.level == 4)


# --- Occupations -------------------------------------------------------------------------------


def test_occupations_are_public_in_code_order_with_their_fields(
    occupations: dict[str, Occupation],
) -> None:
    page = get("/api/v1/occupations/")

    assert codes(page) == sorted(occupations)
    assert page["previous"] is None
    assert page["next"] is None
    software = next(row for row in page["results"] if row["code"] == "2-02-10-03")
    assert software == {
        "code": "2-02-10-03",
        "level": 4,
        "title_zh": "计算机软件工程技术人员",
        "title_en": "Computer software engineering technicians",
        "is_digital": True,
        "is_green": False,
        "parent_code": "2-02-10-00",
        "edition": 2022,
    }


def test_occupations_cursor_pages_follow_the_codes(occupations: dict[str, Occupation]) -> None:
    everything = sorted(occupations)

    first = get("/api/v1/occupations/?page_size=7")
    second = get(relative(first["next"]))
    third = get(relative(second["next"]))

    assert codes(first) == everything[:7]
    assert codes(second) == everything[7:14]
    assert codes(third) == everything[14:]
    assert third["next"] is None
    assert codes(get(relative(third["previous"]))) == everything[7:14]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("search=2-02-10", ["2-02-10-00", "2-02-10-01", "2-02-10-03", "2-02-10-09"]),
        ("search=软件", ["2-02-10-03", "4-04-00-00"]),
        ("search=teachers", ["2-08-01-00", "2-08-01-01", "2-08-05-00"]),
        ("search=%20Data%20", ["4-04-05-03"]),
        ("level=1", ["2-00-00-00", "4-00-00-00"]),
        ("level=2", ["2-02-00-00", "2-08-00-00", "4-04-00-00"]),
        ("parent=2-02-10-00", ["2-02-10-01", "2-02-10-03", "2-02-10-09"]),
        ("parent=2-08-00-00", ["2-08-01-00", "2-08-05-00"]),
        ("level=4&search=2-08", ["2-08-01-01", "2-08-05-00"]),
        ("search=9-99", []),
    ],
)
def test_occupation_filters(
    occupations: dict[str, Occupation], query: str, expected: list[str]
) -> None:
    assert codes(get(f"/api/v1/occupations/?{query}")) == expected


def test_occupations_default_to_the_2022_edition(occupations: dict[str, Occupation]) -> None:
    create_occupations(
        [
            ("2-00-00-00", 1, "专业技术人员", "Professionals", False, False),
            ("2-02-99-01", 4, "未来工程师", "Future engineers", True, False),
        ],
        edition=2030,
    )

    default = get("/api/v1/occupations/?search=2-")
    other = get("/api/v1/occupations/?edition=2030")
    detail = get("/api/v1/occupations/2-00-00-00/?edition=2030")

    assert {row["edition"] for row in default["results"]} == {2022}
    assert codes(other) == ["2-00-00-00", "2-02-99-01"]
    assert detail["title_en"] == "Professionals"
    # 2-02-99-01's groups 2-02-99-00 and 2-02-00-00 are missing from that edition: it hangs
    # from the nearest group present, and keeps its derived parent code.
    assert detail["children"] == ["2-02-99-01"]
    leaf = get("/api/v1/occupations/2-02-99-01/?edition=2030")
    assert (leaf["parent"], leaf["parent_code"]) == ("2-00-00-00", "2-02-99-00")
    assert get("/api/v1/occupations/2-02-99-01/", status=404) == NOT_FOUND


def test_occupation_detail_has_parent_and_children(occupations: dict[str, Occupation]) -> None:
    assert get("/api/v1/occupations/2-02-10-00/") == {
        "code": "2-02-10-00",
        "level": 3,
        "title_zh": "信息和通信工程技术人员",
        "title_en": "ICT engineering technicians",
        "is_digital": False,
        "is_green": False,
        "parent_code": "2-02-00-00",
        "edition": 2022,
        "definition": "",
        "parent": "2-02-00-00",
        "children": ["2-02-10-01", "2-02-10-03", "2-02-10-09"],
    }
    major = get("/api/v1/occupations/2-00-00-00/")
    assert major["parent"] is None
    assert major["children"] == ["2-02-00-00", "2-08-00-00"]
    assert get("/api/v1/occupations/2-08-05-00/")["parent"] == "2-08-00-00"


@pytest.mark.parametrize("code", ["9-99-99-99", "2-2-10-03", "x"])
def test_unknown_occupation_is_a_json_404(occupations: dict[str, Occupation], code: str) -> None:
    assert get(f"/api/v1/occupations/{code}/", status=404) == NOT_FOUND


# Queries of a page of occupations for an anonymous caller: 1. the page (LIMIT
# page_size + 1, in code order). No session, no COUNT, nothing per row.
@pytest.mark.parametrize("page_size", [2, 18])
def test_occupation_list_query_count_does_not_grow_with_rows(
    occupations: dict[str, Occupation], django_assert_num_queries: Any, page_size: int
) -> None:
    with django_assert_num_queries(1):
        page = get(f"/api/v1/occupations/?page_size={page_size}")

    assert len(page["results"]) == page_size


def test_occupation_detail_query_count(
    shipped_occupations: dict[str, Occupation], django_assert_num_queries: Any
) -> None:
    # 1. the occupation with its parent (select_related); 2. its children (prefetch).
    with django_assert_num_queries(2):
        detail = get("/api/v1/occupations/2-02-00-00/")

    group = shipped_occupations["2-02-00-00"]
    expected = sorted(c for c, o in shipped_occupations.items() if o.parent_id == group.pk)
    # Its minor groups, and the occupations of 2-02-32-00, a group missing from the file.
    assert detail["children"] == expected
    assert len(expected) == 40


# --- Catalogs ------------------------------------------------------------------------------------


def catalog_body(catalog: GuidanceCatalog, *, status: str, entry_count: int) -> dict[str, Any]:
    return {
        "id": catalog.pk,
        "region": catalog.region.code,
        "version": catalog.version,
        "title_zh": catalog.title_zh,
        "title_en": catalog.title_en,
        "state": catalog.state,
        "status": status,
        "effective_from": catalog.effective_from.isoformat() if catalog.effective_from else None,
        "expires_on": catalog.expires_on.isoformat() if catalog.expires_on else None,
        "superseded_on": catalog.superseded_on.isoformat() if catalog.superseded_on else None,
        "edition": 2022,
        "published_at": (
            timezone.localtime(catalog.published_at).isoformat().replace("+00:00", "Z")
            if catalog.published_at
            else None
        ),
        "entry_count": entry_count,
        "entries": f"http://testserver/api/v1/catalogs/{catalog.pk}/entries/",
    }


def test_catalog_list_shows_only_published_versions_newest_first(
    occupations: dict[str, Occupation],
) -> None:
    t = today()
    lapsed = published(
        "440000",
        state=S.LAPSED,
        effective_from=t - 1200 * DAY,
        expires_on=t - DAY,
        entries={"2-02-10-03": {}},
        occupations=occupations,
    )
    shanghai = published(
        entries={c: {} for c in ("2-02-10-03", "2-02-10-09", "2-08-01-01")},
        occupations=occupations,
    )
    withdrawn = published("120000", state=S.WITHDRAWN, effective_from=t + 10 * DAY)
    for state in (S.DRAFT, S.CONSULTATION, S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED, S.APPROVED):
        make_catalog("330000", state=state, effective_from=t + 10 * DAY)

    page = get("/api/v1/catalogs/")

    assert page["results"] == [
        catalog_body(withdrawn, status="withdrawn", entry_count=0),
        catalog_body(shanghai, status="in_force", entry_count=3),
        catalog_body(lapsed, status="lapsed", entry_count=1),
    ]
    detail = get(f"/api/v1/catalogs/{shanghai.pk}/")
    assert detail == {
        **catalog_body(shanghai, status="in_force", entry_count=3),
        "notes_zh": "",
        "notes_en": "",
    }


def test_unpublished_catalog_and_its_entries_are_404(occupations: dict[str, Occupation]) -> None:
    for state in (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED):
        catalog = make_catalog(
            "330000",
            state=state,
            effective_from=today() + 10 * DAY,
            expires_on=today() + 1200 * DAY,
            entries={"2-02-10-03": {}},
            occupations=occupations,
        )
        assert get(f"/api/v1/catalogs/{catalog.pk}/", status=404) == NOT_FOUND
        assert get(f"/api/v1/catalogs/{catalog.pk}/entries/", status=404) == NOT_FOUND
    assert get("/api/v1/catalogs/999999/", status=404) == NOT_FOUND


def test_catalog_status_is_derived_from_the_dates_today(occupations: dict[str, Occupation]) -> None:
    t = today()
    scheduled = published("310000", effective_from=t + DAY)
    lapsed_on_read = published("440000", effective_from=t - 1100 * DAY, expires_on=t - DAY)
    superseded = published(
        "110000",
        version=1,
        state=S.SUPERSEDED,
        effective_from=t - 300 * DAY,
        expires_on=t + 800 * DAY,
        superseded_on=t,
    )
    current = published("110000", version=2, effective_from=t)

    statuses = {row["id"]: row["status"] for row in get("/api/v1/catalogs/")["results"]}

    assert statuses == {
        scheduled.pk: "scheduled",
        lapsed_on_read.pk: "lapsed",
        superseded.pk: "superseded",
        current.pk: "in_force",
    }


def boundary_world() -> dict[str, GuidanceCatalog]:
    """Shanghai: version 1 from 2024-01-01, superseded on 2026-01-01 by version 2 (to
    2030-12-31). Guangdong: one version from 2024-03-01 to 2027-02-28, never superseded."""
    v1 = published(
        "310000",
        version=1,
        state=S.SUPERSEDED,
        effective_from=dt.date(2024, 1, 1),
        expires_on=dt.date(2027, 12, 31),
        superseded_on=dt.date(2026, 1, 1),
    )
    v2 = published(
        "310000", version=2, effective_from=dt.date(2026, 1, 1), expires_on=dt.date(2030, 12, 31)
    )
    guangdong = published(
        "440000", effective_from=dt.date(2024, 3, 1), expires_on=dt.date(2027, 2, 28)
    )
    make_catalog("330000", state=S.APPROVED, effective_from=dt.date(2024, 1, 1))
    return {"v1": v1, "v2": v2, "guangdong": guangdong}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2023-12-31", []),  # the day before version 1 took effect
        ("2024-01-01", ["v1"]),  # its effective date
        ("2024-02-29", ["v1"]),  # the day before Guangdong's took effect
        ("2024-03-01", ["guangdong", "v1"]),
        ("2025-12-31", ["guangdong", "v1"]),  # version 1's last day
        ("2026-01-01", ["guangdong", "v2"]),  # superseded_on: version 2, not 1
        ("2027-02-28", ["guangdong", "v2"]),  # Guangdong's expires_on: still in force
        ("2027-03-01", ["v2"]),  # the day after: lapsed
        ("2030-12-31", ["v2"]),
        ("2031-01-01", []),
    ],
)
def test_catalogs_in_force_on_a_date(day: str, expected: list[str]) -> None:
    world = boundary_world()
    names = {catalog.pk: name for name, catalog in world.items()}

    page = get(f"/api/v1/catalogs/?in_force_on={day}")

    assert [names[row["id"]] for row in page["results"]] == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=310000", ["v2", "v1"]),
        ("region=440000", ["guangdong"]),
        ("region=650000", []),
        ("state=superseded", ["v1"]),
        ("state=published", ["guangdong", "v2"]),
        ("state=approved", []),
        ("region=310000&state=published", ["v2"]),
        ("region=310000&in_force_on=2025-06-01", ["v1"]),
    ],
)
def test_catalog_filters_by_region_and_state(query: str, expected: list[str]) -> None:
    world = boundary_world()
    names = {catalog.pk: name for name, catalog in world.items()}

    page = get(f"/api/v1/catalogs/?{query}")

    assert [names[row["id"]] for row in page["results"]] == expected


# Queries of a page of catalogs for an anonymous caller: 1. the page of published versions
# with their province (select_related) and their entry count (a correlated subquery per
# row of the page, on the entries' catalog index). No COUNT(*) of the list, nothing per row.
@pytest.mark.parametrize("more", [False, True])
def test_catalog_list_query_count_does_not_grow_with_catalogs_or_entries(
    shipped_occupations: dict[str, Occupation], django_assert_num_queries: Any, more: bool
) -> None:
    published("110000", entries={"2-02-10-03": {}})
    if more:
        many = {code: {} for code in detailed_codes(shipped_occupations)[:50]}
        for region_code in ("310000", "440000", "320000", "330000"):
            published(region_code, entries=many)

    with django_assert_num_queries(1):
        page = get("/api/v1/catalogs/")

    assert len(page["results"]) == (5 if more else 1)


# --- Entries -------------------------------------------------------------------------------------


def test_entries_of_a_version_with_their_requirements(occupations: dict[str, Occupation]) -> None:
    catalog = published(
        entries={
            "2-02-10-09": {
                "category": "A",
                "min_education": "doctorate",
                "min_experience_years": 5,
                "skills_zh": "人工智能算法",
                "skills_en": "AI algorithms",
            },
            "2-02-10-03": {
                "min_education": "bachelor",
                "min_experience_years": 3,
                "min_annual_salary_cny": "300000",
                "remarks_zh": "备注",
                "remarks_en": "Remark",
            },
        },
        occupations=occupations,
    )
    ids = {e.occupation.code: e.pk for e in catalog.entries.select_related("occupation")}

    page = get(f"/api/v1/catalogs/{catalog.pk}/entries/")

    assert page == {
        "next": None,
        "previous": None,
        "results": [
            {
                "id": ids["2-02-10-03"],
                "code": "2-02-10-03",
                "title_zh": "计算机软件工程技术人员",
                "title_en": "Computer software engineering technicians",
                "category": "B",
                "min_education": "bachelor",
                "min_experience_years": 3,
                "min_annual_salary_cny": "300000.00",
                "skills_zh": "",
                "skills_en": "",
                "remarks_zh": "备注",
                "remarks_en": "Remark",
            },
            {
                "id": ids["2-02-10-09"],
                "code": "2-02-10-09",
                "title_zh": "人工智能工程技术人员",
                "title_en": "Artificial intelligence engineering technicians",
                "category": "A",
                "min_education": "doctorate",
                "min_experience_years": 5,
                "min_annual_salary_cny": None,
                "skills_zh": "人工智能算法",
                "skills_en": "AI algorithms",
                "remarks_zh": "",
                "remarks_en": "",
            },
        ],
    }


def test_entries_cursor_pages_follow_the_occupation_codes(
    shipped_occupations: dict[str, Occupation],
) -> None:
    wanted = detailed_codes(shipped_occupations)[:25]
    # Created in reverse code order, so that the ids do not follow the codes.
    catalog = published(entries={code: {} for code in reversed(wanted)})

    first = get(f"/api/v1/catalogs/{catalog.pk}/entries/")
    second = get(relative(first["next"]))
    small = get(f"/api/v1/catalogs/{catalog.pk}/entries/?page_size=10")

    assert codes(first) == wanted[:20]
    assert codes(second) == wanted[20:]
    assert second["next"] is None
    assert codes(small) == wanted[:10]


def test_entries_of_a_superseded_version_stay_available(
    occupations: dict[str, Occupation],
) -> None:
    world = boundary_world()
    world["v1"].entries.create(occupation=occupations["2-02-10-03"])

    assert codes(get(f"/api/v1/catalogs/{world['v1'].pk}/entries/")) == ["2-02-10-03"]


# Queries of a page of entries for an anonymous caller: 1. the version (published only);
# 2. the page of entries with their occupations (select_related), LIMIT page_size + 1.
@pytest.mark.parametrize("n", [2, 20])
def test_entry_list_query_count_does_not_grow_with_entries(
    shipped_occupations: dict[str, Occupation], django_assert_num_queries: Any, n: int
) -> None:
    catalog = published(entries={code: {} for code in detailed_codes(shipped_occupations)[:n]})

    with django_assert_num_queries(2):
        page = get(f"/api/v1/catalogs/{catalog.pk}/entries/")

    assert len(page["results"]) == n


# --- Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "fields"),
    [
        (
            "/api/v1/occupations/?level=9",
            {"level": ["Select a valid choice. 9 is not one of the available choices."]},
        ),
        ("/api/v1/occupations/?edition=x", {"edition": ["Enter a number."]}),
        ("/api/v1/occupations/2-02-10-03/?edition=x", {"edition": ["Enter a number."]}),
        ("/api/v1/catalogs/?in_force_on=2026-13-40", {"in_force_on": ["Enter a valid date."]}),
        (
            "/api/v1/catalogs/?state=bogus",
            {"state": ["Select a valid choice. bogus is not one of the available choices."]},
        ),
        (
            "/api/v1/catalogs/?in_force_on=x&state=bogus",
            {
                "in_force_on": ["Enter a valid date."],
                "state": ["Select a valid choice. bogus is not one of the available choices."],
            },
        ),
    ],
)
def test_bad_filter_is_400_with_the_field(
    occupations: dict[str, Occupation], address: str, fields: dict[str, list[str]]
) -> None:
    assert get(address, status=400) == {
        "code": "invalid",
        "message": INVALID_MESSAGE,
        "fields": fields,
    }


def test_api_is_read_only(occupations: dict[str, Occupation], roles: RoleHelper) -> None:
    catalog = published(entries={"2-02-10-03": {}}, occupations=occupations)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(roles.user(Role.EMPLOYER_ADMIN))

    for address in (
        "/api/v1/occupations/",
        "/api/v1/occupations/2-02-10-03/",
        "/api/v1/catalogs/",
        f"/api/v1/catalogs/{catalog.pk}/",
        f"/api/v1/catalogs/{catalog.pk}/entries/",
    ):
        response = client.post(address, {"code": "1-00-00-00"}, format="json")
        assert response.status_code == 405, address
        assert body(response)["code"] == "method_not_allowed"
    assert Occupation.objects.count() == len(SLICE)
    assert catalog.entries.count() == 1


def test_endpoints_are_public_and_keep_the_default_throttles() -> None:
    # AllowAny, and the anonymous rate of the settings (no view-level override): the test
    # settings switch throttling off, the kernel's tests check the rate itself.
    for viewset in (OccupationViewSet, CatalogViewSet):
        assert [type(p).__name__ for p in viewset().get_permissions()] == ["AllowAny"]
        assert "throttle_classes" not in vars(viewset)


def test_root_links_the_catalog_endpoints() -> None:
    root = get("/api/v1/")

    assert root["occupations"] == "http://testserver/api/v1/occupations/"
    assert root["catalogs"] == "http://testserver/api/v1/catalogs/"


# --- Schema --------------------------------------------------------------------------------------


def test_schema_documents_the_catalog_endpoints_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert set(CATALOG_PATHS) <= set(document["paths"])
    catalogs = document["paths"]["/api/v1/catalogs/"]["get"]
    assert sorted(p["name"] for p in catalogs["parameters"]) == [
        "cursor",
        "in_force_on",
        "page_size",
        "region",
        "state",
    ]
    in_force_on = next(p for p in catalogs["parameters"] if p["name"] == "in_force_on")
    assert in_force_on["schema"] == {"type": "string", "format": "date"}
    occupations = document["paths"]["/api/v1/occupations/"]["get"]
    assert sorted(p["name"] for p in occupations["parameters"]) == [
        "cursor",
        "edition",
        "level",
        "page_size",
        "parent",
        "search",
    ]
    detail = document["paths"]["/api/v1/occupations/{code}/"]["get"]
    assert sorted(p["name"] for p in detail["parameters"]) == ["code", "edition"]
    entries = document["paths"]["/api/v1/catalogs/{id}/entries/"]["get"]
    assert entries["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedCatalogEntryList"
    }
    entry = document["components"]["schemas"]["CatalogEntry"]["properties"]
    assert entry["min_annual_salary_cny"]["type"] == "string"
