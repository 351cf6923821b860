"""The talent standards API besides the points assessment: national standards and points
tables, regional standards and agreements (read for everyone, each caller's scope beyond
what is published), the validity of a recognition in a province on a date, lifecycle
transitions for the right roles, and the OpenAPI schema.

Every request is sent with ``Accept-Language: en`` so that error bodies compare exactly.
Dates are relative to today.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.filings import add_years
from portal.models import AuditEvent, User
from portal.models.filing import FilingState
from portal.roles import Role
from portal.workflow import TransitionRecord
from talent_standards.models import RecognitionAgreement, RegionalStandard
from tests.factories import RoleHelper
from tests.portal.test_pages import sign_in_verified
from tests.talent_standards.conftest import agreement, make_regional_standard

pytestmark = pytest.mark.django_db

S = FilingState
AS = RecognitionAgreement.State
DAY = dt.timedelta(days=1)
NOT_FOUND = {"code": "not_found", "message": "Not found."}
INVALID = "The request has invalid fields. Correct them and send it again."
NOT_SIGNED_IN = {
    "code": "not_authenticated",
    "message": "Authentication credentials were not provided.",
}
ROUTE = {
    "code": "A-GD-SALARY",
    "category": "A",
    "kind": "salary_amount",
    "title_zh": "年薪100万元以上",
    "title_en": "Annual salary of 1,000,000 CNY or more",
    "evidence_zh": "劳动合同",
    "evidence_en": "Employment contract",
    "parameters": {"min_annual_salary_cny": "1000000"},
    "position": 10,
}
BONUS = {
    "code": "GD-ICT",
    "title_zh": "信息技术岗位",
    "title_en": "ICT posts",
    "condition": "occupation_prefix",
    "parameters": {"prefixes": ["2-02-10"]},
    "points": 5,
}

UNKNOWN_REGION = "Unknown region: give a GB/T 2260 code, e.g. 310000 (Shanghai) or 310115 (Pudong)."


def today() -> dt.date:
    return timezone.localdate()


def api(user: User | None = None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def body(response: Any) -> Any:
    return json.loads(response.content)


def get(address: str, status: int = 200, user: User | None = None) -> Any:
    response = api(user).get(address)
    assert response.status_code == status, (address, response.status_code, response.content)
    assert response["Content-Type"] == "application/json"
    return body(response)


def post(address: str, data: Any, status: int, user: User | None = None) -> Any:
    response = api(user).post(address, data, format="json")
    assert response.status_code == status, (address, response.status_code, response.content)
    return body(response)


def published(
    region_code: str = "440000",
    *,
    version: int | None = None,
    state: str = S.PUBLISHED,
    start: dt.date | None = None,
    superseded_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    **kwargs: Any,
) -> RegionalStandard:
    first = start or today() - 100 * DAY
    standard = make_regional_standard(
        region_code,
        version=version,
        state=state,
        effective_from=first,
        expires_on=expires_on or add_years(first, 3) - DAY,
        superseded_on=superseded_on,
        **kwargs,
    )
    if state == S.WITHDRAWN:
        RegionalStandard.objects.filter(pk=standard.pk).update(published_at=timezone.now())
        standard.refresh_from_db()
    return standard


def filed(region_code: str = "440000", state: str = S.SUBMITTED) -> RegionalStandard:
    """A filing with a valid period from next month, a route and a bonus rule."""
    start = today() + 30 * DAY
    return make_regional_standard(
        region_code,
        state=state,
        effective_from=start,
        expires_on=add_years(start, 3) - DAY,
        routes=[ROUTE],
        bonus_rules=[BONUS],
    )


def ids(page: Any) -> list[int]:
    return [row["id"] for row in (page["results"] if isinstance(page, dict) else page)]


def audit_count() -> int:
    return AuditEvent.objects.count()


# --- National standards and points tables --------------------------------------------------------


def test_national_standards_list_is_unpaginated_newest_first() -> None:
    rows = get("/api/v1/national-standards/")

    assert [row["version"] for row in rows] == ["2025", "2017"]
    assert rows[0] == {
        "version": "2025",
        "title_zh": "外国人才认定标准（2025年修订）",
        "title_en": "Recognition standard for foreign talent (2025 revision)",
        "summary_zh": "细化国际公认专业成就认定标准；"
        "各省可制定区域性人才认定标准和外国人来华工作指导目录。",
        "summary_en": "Refines the achievement standard; provinces may add regional standards "
        "and Guidance Catalogs.",
        "effective_from": "2025-10-01",
        "effective_until": None,
        "points_table": "2017",
        "in_force": True,
        "url": "http://testserver/api/v1/national-standards/2025/",
    }
    assert (rows[1]["effective_until"], rows[1]["in_force"]) == ("2025-09-30", False)


def test_national_standard_detail_lists_its_routes_in_order() -> None:
    standard = get("/api/v1/national-standards/2025/")

    assert [r["code"] for r in standard["routes"]] == [
        "A-PROGRAMME",
        "A-ACHIEVEMENT",
        "A-SALARY",
        "A-ENTREPRENEUR",
        "A-YOUNG",
        "A-POINTS",
        "B-DEGREE",
        "B-SKILL",
        "B-TEACHER",
        "B-SALARY",
        "B-CATALOG",
        "B-POINTS",
    ]
    assert standard["source"] == "MOHRSS"
    degree = next(r for r in standard["routes"] if r["code"] == "B-DEGREE")
    assert degree == {
        "code": "B-DEGREE",
        "category": "B",
        "kind": "degree_experience",
        "title_zh": "学士及以上学位且2年以上相关工作经历",
        "title_en": "Bachelor's degree and 2 years' relevant experience",
        "description_zh": "",
        "description_en": "",
        "evidence_zh": "学位证书\n工作经历证明",
        "evidence_en": "Degree certificate\nProof of work experience",
        "parameters": {"min_education": "bachelor", "min_years": 2, "max_age": 60},
        "position": 10,
    }
    achievements = next(r for r in standard["routes"] if r["code"] == "A-ACHIEVEMENT")
    assert "abel" in [item["code"] for item in achievements["parameters"]["list"]]
    older = get("/api/v1/national-standards/2017/")
    older_list = next(r for r in older["routes"] if r["code"] == "A-ACHIEVEMENT")
    assert "abel" not in [item["code"] for item in older_list["parameters"]["list"]]


def test_unknown_national_standard_or_table_is_404() -> None:
    assert get("/api/v1/national-standards/1999/", status=404) == NOT_FOUND
    assert get("/api/v1/points-tables/1999/", status=404) == NOT_FOUND


def test_points_tables_with_items_and_bands() -> None:
    rows = get("/api/v1/points-tables/")

    assert [(t["version"], t["in_use"]) for t in rows] == [("2017", True), ("2016-pilot", False)]
    final = rows[0]
    assert [i["key"] for i in final["items"]] == [
        "salary",
        "education",
        "experience",
        "months_in_china",
        "chinese",
        "location",
        "age",
        "bonus",
        "provincial_bonus",
    ]
    assert (final["threshold_a"], final["threshold_b"]) == (85, 60)
    assert final["items"][2] == {
        "number": 3,
        "key": "experience",
        "title_zh": "相关工作经历",
        "title_en": "Relevant work experience",
        "max_points": 20,
        "scheme": "per_year",
        "bands": {"from_years": 2, "points_at_start": 5, "per_further_year": 1},
    }
    pilot = get("/api/v1/points-tables/2016-pilot/")
    caps = {i["key"]: i["max_points"] for i in pilot["items"]}
    assert (caps["experience"], caps["chinese"]) == (15, 10)
    assert pilot["effective_until"] == "2017-03-31"
    assert pilot["url"] == "http://testserver/api/v1/points-tables/2016-pilot/"


# Queries: the versions with their points tables (one join); the detail adds its routes.
@pytest.mark.parametrize(
    ("address", "queries"),
    [
        ("/api/v1/national-standards/", 1),
        ("/api/v1/national-standards/2025/", 2),
        # The tables, then their items (one prefetch for all).
        ("/api/v1/points-tables/", 2),
        ("/api/v1/points-tables/2017/", 2),
    ],
)
def test_reference_query_counts(django_assert_num_queries: Any, address: str, queries: int) -> None:
    with django_assert_num_queries(queries):
        get(address)


# --- Regional standards --------------------------------------------------------------------------


@pytest.fixture
def world() -> dict[str, RegionalStandard]:
    t = today()
    return {
        "superseded": published(
            "310000", version=1, start=t - 400 * DAY, superseded_on=t - 10 * DAY
        ),
        "in_force": published("310000", version=2, start=t - 10 * DAY),
        "lapsed": published(
            "440000", version=1, start=t - 1200 * DAY, expires_on=t - 5 * DAY, state=S.LAPSED
        ),
        "withdrawn": published("330000", version=1, state=S.WITHDRAWN),
        "scheduled": published("460000", version=1, start=t + 20 * DAY),
        "draft": make_regional_standard("440000", version=2),
        "submitted": filed("320000"),
        "approved": filed("110000", state=S.APPROVED),
    }


def test_regional_list_shows_only_published_versions_newest_first(
    world: dict[str, RegionalStandard],
) -> None:
    page = get("/api/v1/regional-standards/")

    expected = ["scheduled", "withdrawn", "lapsed", "in_force", "superseded"]
    assert ids(page) == [world[name].pk for name in expected]
    assert [row["status"] for row in page["results"]] == [
        "scheduled",
        "withdrawn",
        "lapsed",
        "in_force",
        "superseded",
    ]
    row = page["results"][3]
    assert row == {
        "id": world["in_force"].pk,
        "region": "310000",
        "version": 2,
        "title_zh": "广东省外国人才认定标准",
        "title_en": "Guangdong regional standard for foreign talent",
        "state": "published",
        "status": "in_force",
        "effective_from": (today() - 10 * DAY).isoformat(),
        "expires_on": (add_years(today() - 10 * DAY, 3) - DAY).isoformat(),
        "superseded_on": None,
        "published_at": row["published_at"],
        "url": f"http://testserver/api/v1/regional-standards/{world['in_force'].pk}/",
    }
    # Drafters and reviewers read the same open list (their drafts are reached by id).
    assert ids(
        get("/api/v1/regional-standards/", user=RoleHelper().user(Role.MINISTRY_REVIEWER))
    ) == ids(page)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=310000", ["in_force", "superseded"]),
        ("region=440000", ["lapsed"]),
        # The stored state: version 1 reads as superseded (``status``) before the daily task
        # makes it durable.
        ("state=published", ["scheduled", "in_force", "superseded"]),
        ("state=superseded", []),
        ("state=lapsed", ["lapsed"]),
        ("state=withdrawn", ["withdrawn"]),
        ("in_force_on=TODAY", ["in_force"]),
        ("in_force_on=MONTH_AGO", ["lapsed", "superseded"]),
        ("in_force_on=NEXT_MONTH", ["scheduled", "in_force"]),
        ("region=310000&in_force_on=MONTH_AGO", ["superseded"]),
    ],
)
def test_regional_filters(
    world: dict[str, RegionalStandard], query: str, expected: list[str]
) -> None:
    days = {
        "TODAY": today(),
        "MONTH_AGO": today() - 30 * DAY,
        "NEXT_MONTH": today() + 30 * DAY,
    }
    for name, day in days.items():
        query = query.replace(name, day.isoformat())

    assert ids(get(f"/api/v1/regional-standards/?{query}")) == [world[n].pk for n in expected]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("in_force_on=soon", {"in_force_on": ["Enter a valid date."]}),
        (
            "state=bogus",
            {"state": ["Select a valid choice. bogus is not one of the available choices."]},
        ),
    ],
)
def test_regional_bad_filter_is_400(query: str, fields: dict[str, list[str]]) -> None:
    assert get(f"/api/v1/regional-standards/?{query}", status=400) == {
        "code": "invalid",
        "message": INVALID,
        "fields": fields,
    }


def test_regional_detail_with_routes_and_bonus_rules() -> None:
    standard = published("440000", routes=[ROUTE], bonus_rules=[BONUS])

    detail = get(f"/api/v1/regional-standards/{standard.pk}/")

    assert detail["routes"] == [{**ROUTE, "description_zh": "", "description_en": ""}]
    assert detail["bonus_rules"] == [BONUS]
    assert (detail["notes_zh"], detail["notes_en"], detail["status"]) == ("", "", "in_force")


@pytest.mark.parametrize(
    ("who", "draft", "submitted", "approved"),
    [
        ("anonymous", 404, 404, 404),
        ("gd_drafter", 200, 200, 200),
        ("sh_drafter", 404, 404, 404),
        ("reviewer", 404, 200, 200),
        ("employer", 404, 404, 404),
    ],
)
def test_unpublished_standards_are_visible_by_role(
    roles: RoleHelper, who: str, draft: int, submitted: int, approved: int
) -> None:
    users = {
        "anonymous": None,
        "gd_drafter": roles.user(Role.STANDARDS_DRAFTER, region_code="440000"),
        "sh_drafter": roles.user(Role.STANDARDS_DRAFTER, region_code="310000"),
        "reviewer": roles.user(Role.MINISTRY_REVIEWER),
        "employer": roles.user(Role.EMPLOYER_ADMIN, region_code="440000"),
    }
    user = users[who]
    standards = {
        "draft": make_regional_standard("440000", version=1),
        "submitted": filed("440000"),
        "approved": filed("440000", state=S.APPROVED),
    }
    for name, status in (("draft", draft), ("submitted", submitted), ("approved", approved)):
        answer = get(f"/api/v1/regional-standards/{standards[name].pk}/", status=status, user=user)
        if status == 404:
            assert answer == NOT_FOUND


# Queries of the open list: one query for the page (the provinces joined), whatever the rows.
@pytest.mark.parametrize("more", [False, True])
def test_regional_list_query_count_does_not_grow(
    django_assert_num_queries: Any, more: bool
) -> None:
    published("310000", routes=[ROUTE], bonus_rules=[BONUS])
    if more:
        for code in ("440000", "330000", "460000", "320000", "110000"):
            published(code, routes=[ROUTE], bonus_rules=[BONUS])

    with django_assert_num_queries(1):
        get("/api/v1/regional-standards/")


def test_regional_detail_query_count(django_assert_num_queries: Any) -> None:
    standard = published("310000", routes=[ROUTE], bonus_rules=[BONUS])

    # The standard with its province, its routes, its bonus rules.
    with django_assert_num_queries(3):
        get(f"/api/v1/regional-standards/{standard.pk}/")


# --- Regional standards: transitions -------------------------------------------------------------


def transitions(standard: RegionalStandard) -> str:
    return f"/api/v1/regional-standards/{standard.pk}/transitions/"


def unchanged(standard: RegionalStandard, records: int, events: int) -> None:
    state = standard.state
    standard.refresh_from_db()
    assert standard.state == state
    assert TransitionRecord.objects.count() == records
    assert audit_count() == events


def test_reviewer_reviews_and_approves_then_the_drafter_publishes(
    gd_drafter: User, reviewer: User
) -> None:
    standard = filed("440000")

    started = post(transitions(standard), {"transition": "start_review"}, 200, reviewer)
    approved = post(transitions(standard), {"transition": "approve", "reason": "OK"}, 200, reviewer)
    done = post(transitions(standard), {"transition": "publish"}, 200, gd_drafter)

    assert (started["state"], started["status"]) == ("under_review", "under_review")
    assert (approved["state"], approved["status"]) == ("approved", "approved")
    assert (done["state"], done["status"]) == ("published", "scheduled")
    assert done["routes"][0]["code"] == "A-GD-SALARY"
    assert done["bonus_rules"] == [BONUS]
    standard.refresh_from_db()
    assert standard.state == S.PUBLISHED
    assert list(
        TransitionRecord.objects.filter(target_id=str(standard.pk))
        .order_by("at", "pk")
        .values_list("transition", "actor_id")
    ) == [
        ("start_review", reviewer.pk),
        ("approve", reviewer.pk),
        ("publish", gd_drafter.pk),
    ]
    assert ids(get("/api/v1/regional-standards/?region=440000")) == [standard.pk]


@pytest.mark.parametrize(
    ("who", "state", "data", "status", "expected"),
    [
        (
            "gd_drafter",
            S.UNDER_REVIEW,
            {"transition": "approve"},
            403,
            {
                "code": "permission_denied",
                "message": "You may not “Approve” this record.",
                "details": {"transition": "approve"},
            },
        ),
        (
            "reviewer",
            S.SUBMITTED,
            {"transition": "approve"},
            409,
            {
                "code": "transition_not_allowed",
                "message": "“Approve” is not possible while the record is Filed with the ministry.",
                "details": {"state": "submitted", "transition": "approve"},
            },
        ),
        (
            "reviewer",
            S.UNDER_REVIEW,
            {"transition": "return", "reason": "  "},
            422,
            {
                "code": "guard_failed",
                "message": "Give a reason for “Return with reasons”.",
                "details": {"field": "reason"},
            },
        ),
        (
            "reviewer",
            S.APPROVED,
            {"transition": "publish"},
            403,
            {
                "code": "permission_denied",
                "message": "You may not “Publish” this record.",
                "details": {"transition": "publish"},
            },
        ),
        (
            "reviewer",
            S.SUBMITTED,
            {"transition": "supersede"},
            400,
            {
                "code": "invalid",
                "message": INVALID,
                "fields": {"transition": ['"supersede" is not a valid choice.']},
            },
        ),
        (
            "reviewer",
            S.SUBMITTED,
            {},
            400,
            {
                "code": "invalid",
                "message": INVALID,
                "fields": {"transition": ["This field is required."]},
            },
        ),
        ("sh_drafter", S.SUBMITTED, {"transition": "recall", "reason": "x"}, 404, NOT_FOUND),
        ("employer", S.UNDER_REVIEW, {"transition": "approve"}, 404, NOT_FOUND),
        ("anonymous", S.UNDER_REVIEW, {"transition": "approve"}, 403, NOT_SIGNED_IN),
    ],
)
def test_refused_transitions_change_nothing(
    roles: RoleHelper,
    who: str,
    state: str,
    data: dict[str, Any],
    status: int,
    expected: dict[str, Any],
) -> None:
    users = {
        "anonymous": None,
        "gd_drafter": roles.user(Role.STANDARDS_DRAFTER, region_code="440000"),
        "sh_drafter": roles.user(Role.STANDARDS_DRAFTER, region_code="310000"),
        "reviewer": roles.user(Role.MINISTRY_REVIEWER),
        "employer": roles.user(Role.EMPLOYER_ADMIN, region_code="440000"),
    }
    standard = filed("440000", state=state)
    records, events = TransitionRecord.objects.count(), audit_count()

    assert post(transitions(standard), data, status, users[who]) == expected
    unchanged(standard, records, events)


def test_a_published_standard_is_seen_by_everyone_but_changed_by_no_stranger(
    roles: RoleHelper,
) -> None:
    standard = published("440000", routes=[ROUTE])
    stranger = roles.user(Role.EMPLOYER_ADMIN)
    records, events = TransitionRecord.objects.count(), audit_count()

    answer = post(transitions(standard), {"transition": "withdraw", "reason": "x"}, 403, stranger)

    assert answer == {
        "code": "permission_denied",
        "message": "You may not “Withdraw” this record.",
        "details": {"transition": "withdraw"},
    }
    unchanged(standard, records, events)


def test_a_draft_is_not_visible_to_the_reviewer(reviewer: User) -> None:
    standard = make_regional_standard("440000", routes=[ROUTE])

    assert post(transitions(standard), {"transition": "approve"}, 404, reviewer) == NOT_FOUND


def test_transitions_by_session_and_by_token(gd_drafter: User, reviewer: User) -> None:
    standard = filed("440000")
    session = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    sign_in_verified(session, reviewer)
    token = Token.objects.create(user=gd_drafter)
    by_token = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {token.key}")

    recalled = by_token.post(
        transitions(standard), {"transition": "recall", "reason": "Typo"}, format="json"
    )
    refused = session.post(transitions(standard), {"transition": "start_review"}, format="json")

    assert (recalled.status_code, body(recalled)["state"]) == (200, "draft")
    # Back to a draft, the filing is no longer the ministry's to see.
    assert (refused.status_code, body(refused)) == (404, NOT_FOUND)


# --- Agreements ----------------------------------------------------------------------------------


@pytest.fixture
def agreements(gd_drafter: User) -> dict[str, RecognitionAgreement]:
    t = today()
    return {
        "gd_sh": agreement("440000", "310000", effective_from=t - 100 * DAY, by=gd_drafter),
        "sh_hi": agreement(
            "310000",
            "460000",
            effective_from=t - 300 * DAY,
            ends_on=t - 10 * DAY,
            state=AS.WITHDRAWN,
            by=gd_drafter,
        ),
        "gd_zj_later": agreement("440000", "330000", effective_from=t + 30 * DAY, by=gd_drafter),
        "gd_bj_proposed": agreement(
            "440000", "110000", effective_from=t + 10 * DAY, state=AS.PROPOSED, by=gd_drafter
        ),
        "js_zj_declined": agreement(
            "320000", "330000", effective_from=t + 10 * DAY, state=AS.DECLINED, by=gd_drafter
        ),
    }


def test_agreements_public_list_has_accepted_and_withdrawn_only(
    agreements: dict[str, RecognitionAgreement],
) -> None:
    page = get("/api/v1/agreements/")

    assert ids(page) == [agreements[n].pk for n in ("gd_zj_later", "sh_hi", "gd_sh")]
    gd_sh = page["results"][2]
    assert gd_sh == {
        "id": agreements["gd_sh"].pk,
        "proposer": "440000",
        "partner": "310000",
        "state": "accepted",
        "effective_from": (today() - 100 * DAY).isoformat(),
        "ends_on": None,
        "in_effect": True,
        "terms_zh": "",
        "terms_en": "",
        "proposed_at": gd_sh["proposed_at"],
        "decided_at": None,
        "withdrawn_at": None,
        "url": f"http://testserver/api/v1/agreements/{agreements['gd_sh'].pk}/",
    }
    assert [row["in_effect"] for row in page["results"]] == [False, False, True]


def test_agreements_by_role(
    roles: RoleHelper, gd_drafter: User, agreements: dict[str, RecognitionAgreement]
) -> None:
    reviewer = roles.user(Role.MINISTRY_REVIEWER)
    bj_drafter = roles.user(Role.STANDARDS_DRAFTER, region_code="110000")
    js_drafter = roles.user(Role.STANDARDS_DRAFTER, region_code="320000")

    def names(user: User) -> list[str]:
        found = set(ids(get("/api/v1/agreements/?page_size=100", user=user)))
        return sorted(n for n, a in agreements.items() if a.pk in found)

    public = ["gd_sh", "gd_zj_later", "sh_hi"]
    assert names(reviewer) == sorted(agreements)
    assert names(gd_drafter) == sorted([*public, "gd_bj_proposed"])
    assert names(bj_drafter) == sorted([*public, "gd_bj_proposed"])
    assert names(js_drafter) == sorted([*public, "js_zj_declined"])
    proposal = agreements["gd_bj_proposed"].pk
    assert get(f"/api/v1/agreements/{proposal}/", status=404) == NOT_FOUND
    assert get(f"/api/v1/agreements/{proposal}/", user=bj_drafter)["state"] == "proposed"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=440000", ["gd_zj_later", "gd_sh"]),
        ("region=460000", ["sh_hi"]),
        ("region=310000", ["sh_hi", "gd_sh"]),
        ("state=withdrawn", ["sh_hi"]),
        ("in_effect_on=TODAY", ["gd_sh"]),
        ("in_effect_on=MONTH_AGO", ["sh_hi", "gd_sh"]),
        ("in_effect_on=IN_TWO_MONTHS", ["gd_zj_later", "gd_sh"]),
        ("region=310000&in_effect_on=MONTH_AGO", ["sh_hi", "gd_sh"]),
    ],
)
def test_agreement_filters(
    agreements: dict[str, RecognitionAgreement], query: str, expected: list[str]
) -> None:
    days = {
        "TODAY": today(),
        "MONTH_AGO": today() - 30 * DAY,
        "IN_TWO_MONTHS": today() + 60 * DAY,
    }
    for name, day in days.items():
        query = query.replace(name, day.isoformat())

    assert ids(get(f"/api/v1/agreements/?{query}")) == [agreements[n].pk for n in expected]


@pytest.mark.parametrize("more", [False, True])
def test_agreement_list_query_count_does_not_grow(
    gd_drafter: User, django_assert_num_queries: Any, more: bool
) -> None:
    agreement("440000", "310000", effective_from=today(), by=gd_drafter)
    if more:
        for partner in ("330000", "460000", "320000", "110000"):
            agreement("440000", partner, effective_from=today(), by=gd_drafter)

    # One query: the page, both provinces joined.
    with django_assert_num_queries(1):
        get("/api/v1/agreements/")


def agreement_transitions(item: RecognitionAgreement) -> str:
    return f"/api/v1/agreements/{item.pk}/transitions/"


def test_partner_accepts_then_withdraws_from_a_date(gd_drafter: User, sh_drafter: User) -> None:
    proposal = agreement(
        "440000", "310000", effective_from=today() + 5 * DAY, state=AS.PROPOSED, by=gd_drafter
    )
    last_day = today() + 60 * DAY

    accepted = post(agreement_transitions(proposal), {"transition": "accept"}, 200, sh_drafter)
    withdrawn = post(
        agreement_transitions(proposal),
        {"transition": "withdraw", "reason": "Policy review", "ends_on": last_day.isoformat()},
        200,
        gd_drafter,
    )

    assert (accepted["state"], accepted["ends_on"]) == ("accepted", None)
    assert (withdrawn["state"], withdrawn["ends_on"]) == ("withdrawn", last_day.isoformat())
    assert withdrawn["effective_from"] == (today() + 5 * DAY).isoformat()
    proposal.refresh_from_db()
    assert proposal.applies_on(last_day)
    assert not proposal.applies_on(last_day + DAY)


@pytest.mark.parametrize(
    ("who", "state", "data", "status", "expected"),
    [
        (
            "gd_drafter",
            AS.PROPOSED,
            {"transition": "accept"},
            403,
            {
                "code": "permission_denied",
                "message": "You may not “Accept” this record.",
                "details": {"transition": "accept"},
            },
        ),
        (
            "reviewer",
            AS.PROPOSED,
            {"transition": "accept"},
            403,
            {
                "code": "permission_denied",
                "message": "You may not “Accept” this record.",
                "details": {"transition": "accept"},
            },
        ),
        ("zj_drafter", AS.PROPOSED, {"transition": "accept"}, 404, NOT_FOUND),
        ("anonymous", AS.PROPOSED, {"transition": "accept"}, 403, NOT_SIGNED_IN),
        (
            "sh_drafter",
            AS.PROPOSED,
            {"transition": "decline"},
            422,
            {
                "code": "guard_failed",
                "message": "Give a reason for “Decline”.",
                "details": {"field": "reason"},
            },
        ),
        (
            "sh_drafter",
            AS.ACCEPTED,
            {"transition": "withdraw", "reason": "x", "ends_on": "PAST"},
            422,
            {
                "code": "guard_failed",
                "message": "The last day cannot lie in the past: recognition already given stands.",
                "details": {"field": "ends_on"},
            },
        ),
        (
            "sh_drafter",
            AS.ACCEPTED,
            {"transition": "accept"},
            409,
            {
                "code": "transition_not_allowed",
                "message": "“Accept” is not possible while the record is In effect.",
                "details": {"state": "accepted", "transition": "accept"},
            },
        ),
        (
            "sh_drafter",
            AS.ACCEPTED,
            {"transition": "withdraw", "reason": "x", "ends_on": "soon"},
            400,
            {
                "code": "invalid",
                "message": INVALID,
                "fields": {
                    "ends_on": [
                        "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                    ]
                },
            },
        ),
    ],
)
def test_refused_agreement_transitions_change_nothing(
    roles: RoleHelper,
    gd_drafter: User,
    sh_drafter: User,
    who: str,
    state: str,
    data: dict[str, Any],
    status: int,
    expected: dict[str, Any],
) -> None:
    users = {
        "anonymous": None,
        "gd_drafter": gd_drafter,
        "sh_drafter": sh_drafter,
        "reviewer": roles.user(Role.MINISTRY_REVIEWER),
        "zj_drafter": roles.user(Role.STANDARDS_DRAFTER, region_code="330000"),
    }
    item = agreement(
        "440000", "310000", effective_from=today() - 5 * DAY, state=state, by=gd_drafter
    )
    if data.get("ends_on") == "PAST":
        data = {**data, "ends_on": (today() - DAY).isoformat()}
    records, events = TransitionRecord.objects.count(), audit_count()

    assert post(agreement_transitions(item), data, status, users[who]) == expected
    fresh = RecognitionAgreement.objects.get(pk=item.pk)
    assert (fresh.state, fresh.ends_on, fresh.withdrawn_at) == (state, None, None)
    assert TransitionRecord.objects.count() == records
    assert audit_count() == events


# --- Recognition validity ------------------------------------------------------------------------


def validity(**params: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return get(f"/api/v1/recognition-validity/?{query}")


@pytest.fixture
def gd_sh(gd_drafter: User) -> RecognitionAgreement:
    """Guangdong and Shanghai recognise each other from 100 days ago to 50 days ahead."""
    return agreement(
        "440000",
        "310000",
        effective_from=today() - 100 * DAY,
        ends_on=today() + 50 * DAY,
        state=AS.WITHDRAWN,
        by=gd_drafter,
    )


@pytest.mark.parametrize("province", ["310000", "440000", "650000"])
def test_national_recognition_is_valid_everywhere(province: str) -> None:
    assert validity(basis="national", province=province) == {
        "valid": True,
        "reason": "A recognition under the national standard is valid in every province.",
    }


def test_regional_recognition_in_its_own_province(gd_sh: RecognitionAgreement) -> None:
    assert validity(basis="regional", granted_region="440000", province="440000") == {
        "valid": True,
        "reason": "A recognition under the regional standard of Guangdong is valid in Guangdong.",
    }


def test_regional_recognition_in_a_partner_province_while_the_agreement_applies(
    gd_sh: RecognitionAgreement,
) -> None:
    on = today().isoformat()
    last = (today() + 50 * DAY).isoformat()
    after = (today() + 51 * DAY).isoformat()
    before = (today() - 101 * DAY).isoformat()

    assert validity(basis="regional", granted_region="440000", province="310000", on=on) == {
        "valid": True,
        "reason": f"A mutual recognition agreement between Guangdong and Shanghai applies on "
        f"{on}: the recognition is valid in Shanghai.",
    }
    # Both ways, to its last day included.
    assert validity(basis="regional", granted_region="310000", province="440000", on=last)["valid"]
    assert validity(basis="regional", granted_region="440000", province="310000", on=after) == {
        "valid": False,
        "reason": f"No mutual recognition agreement between Guangdong and Shanghai applies on "
        f"{after}: a recognition under the regional standard of Guangdong is not valid in "
        "Shanghai.",
    }
    assert not validity(basis="regional", granted_region="440000", province="310000", on=before)[
        "valid"
    ]


def test_regional_recognition_is_not_valid_in_a_third_province(
    gd_sh: RecognitionAgreement,
) -> None:
    answer = validity(basis="regional", granted_region="440000", province="330000")

    assert answer["valid"] is False
    assert answer["reason"].startswith("No mutual recognition agreement between Guangdong and")


def test_declined_or_proposed_agreements_do_not_count(gd_drafter: User) -> None:
    for state in (AS.PROPOSED, AS.DECLINED, AS.CANCELLED):
        agreement("440000", "310000", effective_from=today() - DAY, state=state, by=gd_drafter)

    answer = validity(basis="regional", granted_region="440000", province="310000")

    assert answer["valid"] is False


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        (
            "basis=regional&province=310000",
            {"granted_region": ["A regional recognition names the province that granted it."]},
        ),
        (
            "basis=national&province=999999",
            {"province": [UNKNOWN_REGION]},
        ),
        ("basis=local&province=310000", {"basis": ['"local" is not a valid choice.']}),
        ("province=310000", {"basis": ["This field is required."]}),
        (
            "basis=national&province=310000&on=tomorrow",
            {"on": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
    ],
)
def test_validity_bad_query_is_400(query: str, fields: dict[str, list[str]]) -> None:
    assert get(f"/api/v1/recognition-validity/?{query}", status=400) == {
        "code": "invalid",
        "message": INVALID,
        "fields": fields,
    }


def test_validity_query_count(gd_sh: RecognitionAgreement, django_assert_num_queries: Any) -> None:
    # The two regions of the query; the agreement lookup (both provinces are provinces).
    with django_assert_num_queries(3):
        validity(basis="regional", granted_region="440000", province="330000")


# --- Read-only, public, in the root and the schema -----------------------------------------------


def test_read_endpoints_refuse_writes(roles: RoleHelper) -> None:
    standard = published("440000")
    user = roles.user(Role.MINISTRY_REVIEWER)
    for address in (
        "/api/v1/national-standards/",
        "/api/v1/national-standards/2025/",
        "/api/v1/points-tables/",
        "/api/v1/regional-standards/",
        f"/api/v1/regional-standards/{standard.pk}/",
        "/api/v1/agreements/",
        "/api/v1/recognition-validity/",
    ):
        response = api(user).post(address, {"version": "2030"}, format="json")
        assert response.status_code == 405, address
        assert body(response)["code"] == "method_not_allowed"
    assert RegionalStandard.objects.count() == 1


def test_root_links_the_endpoints() -> None:
    root = get("/api/v1/")

    assert root["national_standards"] == "http://testserver/api/v1/national-standards/"
    assert root["regional_standards"] == "http://testserver/api/v1/regional-standards/"
    assert root["agreements"] == "http://testserver/api/v1/agreements/"
    assert root["points_assess"] == "http://testserver/api/v1/points/assess"
    assert root["points_tables"] == "http://testserver/api/v1/points-tables/"
    assert root["recognition_validity"] == "http://testserver/api/v1/recognition-validity/"


def test_schema_documents_the_endpoints_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    paths = document["paths"]
    assert {
        "/api/v1/points/assess",
        "/api/v1/national-standards/",
        "/api/v1/national-standards/{version}/",
        "/api/v1/points-tables/",
        "/api/v1/points-tables/{version}/",
        "/api/v1/regional-standards/",
        "/api/v1/regional-standards/{id}/",
        "/api/v1/regional-standards/{id}/transitions/",
        "/api/v1/agreements/",
        "/api/v1/agreements/{id}/",
        "/api/v1/agreements/{id}/transitions/",
        "/api/v1/recognition-validity/",
    } <= set(paths)
    assess = paths["/api/v1/points/assess"]["post"]
    request = assess["requestBody"]["content"]["application/json"]
    assert request["schema"] == {"$ref": "#/components/schemas/PointsAssessmentRequest"}
    assert next(iter(request["examples"].values()))["value"]["region"] == "510000"
    responses = assess["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PointsResult"
    }
    for code in ("400", "429"):
        assert responses[code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    schemas = document["components"]["schemas"]
    assert sorted(schemas["PointsAssessmentRequest"]["required"]) == [
        "age",
        "annual_salary_cny",
        "education",
        "experience_years",
        "hsk_level",
        "months_in_china_per_year",
        "region",
    ]
    salary = schemas["PointsAssessmentRequest"]["properties"]["annual_salary_cny"]
    assert (salary["type"], salary["minimum"]) == ("number", 0)
    age = schemas["PointsAssessmentRequest"]["properties"]["age"]
    assert (age["type"], age["minimum"]) == ("integer", 18)
    assert sorted(schemas["PointsResult"]["properties"]) == [
        "category",
        "lines",
        "provincial_bonus_source",
        "table_version",
        "total",
    ]
    assert sorted(schemas["PointsLine"]["properties"]) == ["item", "max", "points", "reason"]
    regional = paths["/api/v1/regional-standards/"]["get"]
    assert sorted(p["name"] for p in regional["parameters"]) == [
        "cursor",
        "in_force_on",
        "page_size",
        "region",
        "state",
    ]
    agreements_list = paths["/api/v1/agreements/"]["get"]
    assert sorted(p["name"] for p in agreements_list["parameters"]) == [
        "cursor",
        "in_effect_on",
        "page_size",
        "region",
        "state",
    ]
    validity_parameters = paths["/api/v1/recognition-validity/"]["get"]["parameters"]
    assert sorted(p["name"] for p in validity_parameters) == [
        "basis",
        "granted_region",
        "on",
        "province",
    ]
    transition = paths["/api/v1/regional-standards/{id}/transitions/"]["post"]
    assert sorted(transition["responses"]) == ["200", "400", "403", "404", "409", "422"]
    # The catalogs' enums keep their names.
    assert {"StateEnum", "StatusEnum", "CategoryEnum", "KindEnum"} <= set(schemas)
