"""The ministry's review of regional standards: the queue with working days waited and the
latest decisions, a submission read as a redline against the version in force (routes and
bonus rules added, removed and changed field by field, metadata), the consultation, the
history, and the decisions (start the review, approve, return with reasons).

Every HTML page goes through ``html_of`` (strict CSP, no inline script or style). Every
refusal is checked to have changed nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import ngettext

from portal.filings import add_years, filing_transition
from portal.models.filing import FilingState
from portal.roles import Role
from portal.workdays import working_days_between
from talent_standards.models import (
    BonusRule,
    RecognitionRoute,
    RegionalStandard,
    RegionalStandardComment,
    RegionalStandardInvitation,
)
from talent_standards.selectors import standard_redline, standard_redline_baseline
from tests.factories import RoleHelper
from tests.portal.test_pages import assert_landmarks, html_of, page_text, text_of, tr
from tests.talent_standards.conftest import make_regional_standard
from tests.talent_standards.test_drafting import (
    EN,
    client_for,
    follow_messages,
    lz,
    ntr,
    snapshot,
    table_rows,
    today,
    url,
)

pytestmark = pytest.mark.django_db

S = FilingState


def filed(
    region_code: str = "440000",
    *,
    state: str = S.SUBMITTED,
    submitted_at: dt.datetime | None = None,
    start: dt.date | None = None,
    **kwargs: Any,
) -> RegionalStandard:
    """A standard filed with the ministry, valid 4 years from ``start`` (in 30 days)."""
    start = start or today() + dt.timedelta(days=30)
    standard = make_regional_standard(
        region_code,
        state=state,
        effective_from=start,
        expires_on=add_years(start, 4) - dt.timedelta(days=1),
        **kwargs,
    )
    standard.submitted_at = submitted_at or timezone.now()
    standard.save(update_fields=["submitted_at"])
    return standard


def route(code: str, **values: Any) -> dict[str, Any]:
    return {
        "code": code,
        "category": "A",
        "kind": "officer_judgement",
        "title_zh": f"路线{code}",
        "parameters": {},
        **values,
    }


def rule(code: str, points: int, **values: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title_zh": f"加分{code}",
        "condition": "always",
        "parameters": {},
        "points": points,
        **values,
    }


MASTER = tr("Master's degree")


def label(model: Any, name: str) -> str:
    """A model field's name as the redline shows it (first letter capitalised)."""
    return capfirst(lz(model._meta.get_field(name).verbose_name))


@pytest.fixture
def ministry(reviewer: Any) -> Client:
    return client_for(reviewer)


# --- The queue ---------------------------------------------------------------------------------


def test_queue_oldest_filing_first_with_working_days_waited_and_recent_decisions(
    ministry: Client, reviewer: Any
) -> None:
    now = timezone.now()
    older = filed("440000", submitted_at=now - dt.timedelta(days=20), routes=[route("A-1")])
    newer = filed(
        "310000",
        state=S.UNDER_REVIEW,
        submitted_at=now - dt.timedelta(days=3),
        bonus_rules=[rule("R-1", 5), rule("R-2", 3)],
    )
    make_regional_standard("110000")  # a draft: the ministry does not see it
    decided = filed("320000", state=S.UNDER_REVIEW, routes=[route("A-1")])
    filing_transition(actor=reviewer, filing=decided, transition="return", reason="路线不清楚")

    html = html_of(ministry.get(url("review")))
    assert_landmarks(html)
    waited = [
        working_days_between(timezone.localdate(s.submitted_at), today()) for s in (older, newer)
    ]
    assert table_rows(html, "Regional standards filed with the ministry, oldest filing first") == [
        [
            "广东省 v1",
            "v1",
            "广东省外国人才认定标准",
            timezone.localdate(older.submitted_at).isoformat(),
            lz(S.SUBMITTED.label),
            "1",
            "0",
            str(waited[0]),
        ],
        [
            "上海市 v1",
            "v1",
            "广东省外国人才认定标准",
            timezone.localdate(newer.submitted_at).isoformat(),
            lz(S.UNDER_REVIEW.label),
            "0",
            "2",
            str(waited[1]),
        ],
    ]
    assert waited[0] >= 12
    decisions = table_rows(html, "The latest regional standards approved or returned, newest first")
    assert decisions == [
        [
            today().isoformat(),
            "江苏省",
            "v1",
            tr("Returned"),
            reviewer.full_name,
            "路线不清楚",
            lz(S.RETURNED.label),
        ]
    ]
    assert f'href="{url("review_standard", decided.pk)}"' in html


def test_empty_queue_in_english(ministry: Client) -> None:
    text = page_text(ministry.get(url("review", language=EN)))
    assert tr("No regional standard is waiting for the ministry.", EN) in text
    assert tr("No decision yet.", EN) in text


# --- The redline -------------------------------------------------------------------------------


def _in_force_and_next() -> tuple[RegionalStandard, RegionalStandard]:
    start = today() - dt.timedelta(days=400)
    v1 = make_regional_standard(
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=add_years(start, 3) - dt.timedelta(days=1),
        routes=[
            route(
                "A-1",
                kind="salary_amount",
                title_en="Salary of at least 1,200,000 CNY",
                parameters={"min_annual_salary_cny": "1200000"},
            ),
            route("A-2"),
            route(
                "B-1",
                category="B",
                kind="degree_experience",
                parameters={"min_education": "bachelor", "min_years": 2, "max_age": 60},
            ),
        ],
        bonus_rules=[
            rule("R-1", 5, condition="occupation_prefix", parameters={"prefixes": ["2-02-10"]}),
            rule("R-2", 3),
        ],
    )
    start2 = today() + dt.timedelta(days=30)
    v2 = make_regional_standard(
        version=2,
        state=S.UNDER_REVIEW,
        effective_from=start2,
        expires_on=add_years(start2, 5) - dt.timedelta(days=1),
        title_zh="广东省外国人才认定标准（2026年修订）",
        routes=[
            route(
                "A-1",
                kind="salary_amount",
                title_en="Salary of at least 1,000,000 CNY",
                parameters={"min_annual_salary_cny": "1000000"},
            ),
            route(
                "B-1",
                category="B",
                kind="degree_experience",
                parameters={"min_education": "bachelor", "min_years": 2, "max_age": 60},
            ),
            route(
                "A-3",
                kind="listed_achievement",
                parameters={
                    "list": [
                        {"code": "pearl", "title_zh": "珠江人才计划", "title_en": "Pearl River"}
                    ]
                },
            ),
        ],
        bonus_rules=[
            rule(
                "R-1",
                6,
                condition="occupation_prefix",
                parameters={"prefixes": ["2-02-10", "2-02-07"]},
            ),
            rule("R-2", 3),
            rule("R-3", 2, condition="education_at_least", parameters={"min_education": "master"}),
        ],
    )
    v2.based_on = v1
    v2.submitted_at = timezone.now()
    v2.save(update_fields=["based_on", "submitted_at"])
    return v1, v2


def test_redline_selector_against_the_version_in_force(django_assert_num_queries: Any) -> None:
    v1, v2 = _in_force_and_next()
    v2 = RegionalStandard.objects.select_related("based_on").get(pk=v2.pk)
    # 1. the version in force; 2. the routes of both versions; 3. their bonus rules.
    with django_assert_num_queries(3):
        redline = standard_redline(v2)
    assert redline.against == v1
    assert [r.code for r in redline.routes_added] == ["A-3"]
    assert [r.code for r in redline.routes_removed] == ["A-2"]
    assert [
        (c.new.code, [(f.name, f.old, f.new) for f in c.changes]) for c in redline.routes_changed
    ] == [
        (
            "A-1",
            [
                (
                    "title_en",
                    "Salary of at least 1,200,000 CNY",
                    "Salary of at least 1,000,000 CNY",
                ),
                (
                    "parameters",
                    {"min_annual_salary_cny": "1200000"},
                    {"min_annual_salary_cny": "1000000"},
                ),
            ],
        )
    ]
    assert redline.routes_unchanged == 1
    assert [r.code for r in redline.rules_added] == ["R-3"]
    assert redline.rules_removed == []
    assert [
        (c.new.code, [(f.name, f.old, f.new) for f in c.changes]) for c in redline.rules_changed
    ] == [
        (
            "R-1",
            [
                ("parameters", {"prefixes": ["2-02-10"]}, {"prefixes": ["2-02-10", "2-02-07"]}),
                ("points", 5, 6),
            ],
        )
    ]
    assert redline.rules_unchanged == 1
    assert [(f.name, f.old, f.new) for f in redline.metadata] == [
        ("title_zh", "广东省外国人才认定标准", "广东省外国人才认定标准（2026年修订）"),
        ("effective_from", v1.effective_from, v2.effective_from),
        ("expires_on", v1.expires_on, v2.expires_on),
    ]
    assert not redline.is_empty
    # Against itself's copy: nothing changed.
    same = standard_redline(v1, against=v1)
    assert same.is_empty
    assert (same.routes_unchanged, same.rules_unchanged) == (3, 2)


def test_redline_baseline_in_force_else_latest_published_else_based_on() -> None:
    start = today() - dt.timedelta(days=2000)
    lapsed = make_regional_standard(
        state=S.LAPSED,
        effective_from=start,
        expires_on=add_years(start, 3) - dt.timedelta(days=1),
    )
    draft = make_regional_standard(version=2)
    assert standard_redline_baseline(draft) == lapsed
    lapsed.delete()
    other = make_regional_standard(version=3, state=S.RETURNED)
    draft.based_on = other
    draft.save(update_fields=["based_on"])
    assert standard_redline_baseline(draft) == other
    draft.based_on = None
    draft.save(update_fields=["based_on"])
    assert standard_redline_baseline(draft) is None
    assert standard_redline(draft).against is None


def test_review_page_reads_the_submission_as_a_redline(ministry: Client) -> None:
    v1, v2 = _in_force_and_next()
    html = html_of(ministry.get(url("review_standard", v2.pk)))
    assert_landmarks(html)
    text = text_of(html)
    assert (
        tr(
            "Compared with version %(version)s (%(status)s, %(start)s – %(end)s).",
            version=1,
            status=tr("In force"),
            start=v1.effective_from.isoformat(),
            end=v1.expires_on.isoformat(),
        )
        in text
    )
    assert (
        f"{tr('Validity')} {ntr('%(n)d year', '%(n)d years', 5)} {tr('within 3 to 5 years')}"
        in text
    )
    for counted, n in (
        ("Routes added", 1),
        ("Routes removed", 1),
        ("Routes changed", 1),
        ("Routes unchanged", 1),
        ("Bonus rules added", 1),
        ("Bonus rules removed", 0),
        ("Bonus rules changed", 1),
        ("Bonus rules unchanged", 1),
    ):
        assert f"{tr(counted)} {n} " in text, counted
    assert table_rows(html, "Routes added") == [
        [
            "A-3",
            "A",
            "路线A-3",
            f"{lz(RecognitionRoute.Kind.LISTED_ACHIEVEMENT.label)} {tr('What qualifies')}: "
            "pearl · 珠江人才计划 (Pearl River)",
            "-",
        ]
    ]
    assert table_rows(html, "Routes removed") == [
        ["A-2", "A", "路线A-2", lz(RecognitionRoute.Kind.OFFICER_JUDGEMENT.label), "-"]
    ]
    salary = tr("Minimum annual salary (CNY)")
    assert table_rows(html, "Route %(code)s %(title)s", code="A-1", title="路线A-1") == [
        [
            label(RecognitionRoute, "title_en"),
            "Salary of at least 1,200,000 CNY",
            "Salary of at least 1,000,000 CNY",
        ],
        [
            label(RecognitionRoute, "parameters"),
            f"{salary}: 1,200,000",
            f"{salary}: 1,000,000",
        ],
    ]
    assert table_rows(html, "Bonus rule %(code)s %(title)s", code="R-1", title="加分R-1") == [
        [
            label(BonusRule, "parameters"),
            f"{tr('Occupation groups')}: 2-02-10",
            f"{tr('Occupation groups')}: 2-02-10, 2-02-07",
        ],
        [label(BonusRule, "points"), "5", "6"],
    ]
    assert table_rows(html, "Bonus rules added") == [
        [
            "R-3",
            "加分R-3",
            f"{lz(BonusRule.Condition.EDUCATION_AT_LEAST.label)} "
            f"{tr('Minimum education')}: {MASTER}",
            "+2",
        ]
    ]
    assert table_rows(html, "Changed titles, notes and dates") == [
        [
            label(RegionalStandard, "title_zh"),
            "广东省外国人才认定标准",
            "广东省外国人才认定标准（2026年修订）",
        ],
        [
            label(RegionalStandard, "effective_from"),
            v1.effective_from.isoformat(),
            v2.effective_from.isoformat(),
        ],
        [
            label(RegionalStandard, "expires_on"),
            v1.expires_on.isoformat(),
            v2.expires_on.isoformat(),
        ],
    ]


def test_review_page_shows_the_consultation_and_the_history(
    ministry: Client, roles: RoleHelper, gd_drafter: Any
) -> None:
    standard = make_regional_standard(
        routes=[route("A-1")],
        state=S.CONSULTATION,
    )
    start = today() + dt.timedelta(days=10)
    standard.effective_from = start
    standard.expires_on = add_years(start, 3) - dt.timedelta(days=1)
    standard.consultation_deadline = today()
    standard.save()
    association = roles.user(Role.STAKEHOLDER, region_code="440000")
    RegionalStandardInvitation.objects.create(
        standard=standard, organization=association.organization, invited_by=gd_drafter
    )
    comment = RegionalStandardComment.objects.create(
        standard=standard,
        author=association,
        organization=association.organization,
        text="建议补充证明材料。",
        route=standard.routes.get(),
        part_code="A-1",
    )
    comment.answer = "已补充。"
    comment.answered_by = gd_drafter
    comment.answered_at = timezone.now()
    comment.save()
    filing_transition(actor=gd_drafter, filing=standard, transition="submit")

    html = html_of(ministry.get(url("review_standard", standard.pk)))
    assert table_rows(html, "Consultation comments and the drafters' answers") == [
        [
            f"{association.organization.name} {timezone.localdate(comment.created_at).isoformat()}",
            f"{tr('Route')} A-1 路线A-1",
            "建议补充证明材料。",
            f"已补充。 {gd_drafter.full_name}, {today().isoformat()}",
        ]
    ]
    assert tr("No version in force: all routes and bonus rules are new.") in text_of(html)
    assert tr(
        "%(action)s by %(who)s: %(before)s → %(after)s",
        action=tr("File with the ministry"),
        who=gd_drafter.full_name,
        before=tr("In consultation"),
        after=tr("Filed with the ministry"),
    ) in text_of(html)


# --- Decisions ---------------------------------------------------------------------------------


def test_start_review_return_with_reasons_and_approve(ministry: Client, reviewer: Any) -> None:
    standard = filed(routes=[route("A-1")])
    html = html_of(ministry.get(url("review_standard", standard.pk)))
    assert f'action="{url("review_transition", standard.pk, "start_review")}"' in html
    assert url("review_transition", standard.pk, "approve") not in html

    response = ministry.post(url("review_transition", standard.pk, "start_review"))
    assert follow_messages(ministry, response) == [
        tr(
            "“%(action)s” is done: version %(version)s is now %(state)s.",
            action=tr("Start the review"),
            version=1,
            state=tr("Under ministry review"),
        )
    ]

    # Returning needs reasons: refused without, and nothing changes.
    before = snapshot(standard)
    response = ministry.post(url("review_transition", standard.pk, "return"), {"return-reason": ""})
    assert follow_messages(ministry, response) == [
        tr("Give a reason for “%(action)s”.", action=tr("Return with reasons"))
    ]
    assert snapshot(standard) == before
    response = ministry.post(
        url("review_transition", standard.pk, "return"), {"return-reason": "x" * 4001}
    )
    with translation.override("zh-hans"):
        too_long = ngettext(
            "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
            "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
            4000,
        ) % {"limit_value": 4000, "show_value": 4001}
    assert follow_messages(ministry, response) == [too_long]
    assert snapshot(standard) == before

    # Approving one whose effective date has passed is refused by the validity rule.
    RegionalStandard.objects.filter(pk=standard.pk).update(
        effective_from=today() - dt.timedelta(days=1),
        expires_on=add_years(today() - dt.timedelta(days=1), 4) - dt.timedelta(days=2),
    )
    before = snapshot(standard)
    response = ministry.post(url("review_transition", standard.pk, "approve"))
    assert follow_messages(ministry, response) == [
        tr(
            "The effective date %(date)s has passed: choose today or a later day.",
            date=(today() - dt.timedelta(days=1)).isoformat(),
        )
    ]
    assert snapshot(standard) == before

    response = ministry.post(
        url("review_transition", standard.pk, "return"),
        {"return-reason": "生效日期已过，请调整。"},
    )
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.state == S.RETURNED
    text = page_text(ministry.get(url("review_standard", standard.pk)))
    assert f"{tr('Reasons:')} 生效日期已过，请调整。" in text
    assert tr("Returned to the province: the drafters revise it and file it again.") in text

    # Filed again with good dates, it is approved.
    good = filed("310000", state=S.UNDER_REVIEW, routes=[route("A-1")])
    response = ministry.post(url("review_transition", good.pk, "approve"))
    assert follow_messages(ministry, response) == [
        tr(
            "“%(action)s” is done: version %(version)s is now %(state)s.",
            action=tr("Approve"),
            version=1,
            state=tr("Approved"),
        )
    ]
    good.refresh_from_db()
    assert (good.state, good.approved_at is not None) == (S.APPROVED, True)


def test_the_ministry_withdraws_a_published_version(ministry: Client) -> None:
    standard = filed(state=S.PUBLISHED, routes=[route("A-1")])
    RegionalStandard.objects.filter(pk=standard.pk).update(published_at=timezone.now())
    response = ministry.post(
        url("review_transition", standard.pk, "withdraw"), {"withdraw-reason": "发布有误"}
    )
    assert response["Location"] == url("review")
    assert RegionalStandard.objects.get(pk=standard.pk).state == S.WITHDRAWN
    assert ministry.get(url("review_standard", standard.pk)).status_code == 404


# --- Who sees what -----------------------------------------------------------------------------


def test_visitors_are_sent_to_sign_in(client: Client) -> None:
    standard = filed()
    for target in (
        url("review"),
        url("review_standard", standard.pk),
        url("review_transition", standard.pk, "start_review"),
    ):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith("/zh-hans/accounts/login/?next=")


@pytest.mark.parametrize(
    "role", [Role.STANDARDS_DRAFTER, Role.ACCEPTANCE_OFFICER, Role.EMPLOYER_ADMIN, Role.STAKEHOLDER]
)
def test_everyone_but_the_ministry_gets_404(roles: RoleHelper, role: str) -> None:
    standard = filed(routes=[route("A-1")])
    client = client_for(roles.user(role, region_code="440000"))
    before = snapshot(standard)
    assert client.get(url("review")).status_code == 404
    assert client.get(url("review_standard", standard.pk)).status_code == 404
    for name in ("start_review", "approve", "return"):
        response = client.post(url("review_transition", standard.pk, name), {"return-reason": "x"})
        assert response.status_code == 404
    assert snapshot(standard) == before


@pytest.mark.parametrize("state", [S.DRAFT, S.CONSULTATION, S.SUPERSEDED, S.LAPSED, S.WITHDRAWN])
def test_the_ministry_does_not_see_drafts_or_versions_no_longer_current(
    ministry: Client, state: str
) -> None:
    standard = filed(state=state)
    assert ministry.get(url("review_standard", standard.pk)).status_code == 404
    assert ministry.post(url("review_transition", standard.pk, "approve")).status_code == 404
    assert ministry.get(url("review_standard", 999999)).status_code == 404


# --- Query counts --------------------------------------------------------------------------------

# The queue: 1. session; 2. user; 3. the reviewer's permission; 4. the standards filed, with
# their province and counts of routes and bonus rules; 5. the recent decisions (one query
# with subqueries); 6. the user's roles (menu); 7. the unread notifications of the header.
# The working-day calendar comes from the cache.
QUEUE_QUERIES = 7
# A submission: 1. session; 2. user; 3. the reviewer's permission; 4. the standard with
# its province and base version; 5. the version in force (redline baseline); 6. the routes
# of both versions; 7. their bonus rules; 8. the invitations with their organizations;
# 9. the comments with authors, organizations, answering drafters and routes; 10. the
# history; 11. the user's roles (menu); 12. the unread notifications of the header.
REVIEW_QUERIES = 12

PROVINCES = ["110000", "120000", "130000", "140000", "150000", "210000", "220000"]


def test_queue_query_count_does_not_grow_with_standards(
    ministry: Client, reviewer: Any, django_assert_num_queries: Any
) -> None:
    for count in (3, 30):
        while RegionalStandard.objects.count() < count:
            n = RegionalStandard.objects.count()
            standard = filed(
                PROVINCES[n % len(PROVINCES)],
                version=n + 1,
                state=S.UNDER_REVIEW if n % 2 else S.SUBMITTED,
                submitted_at=timezone.now() - dt.timedelta(days=n),
                routes=[route("A-1"), route("A-2")],
                bonus_rules=[rule("R-1", 2)],
            )
            if n % 4 == 1:
                filing_transition(actor=reviewer, filing=standard, transition="return", reason="R")
        assert ministry.get(url("review")).status_code == 200  # the calendar is cached now
        with django_assert_num_queries(QUEUE_QUERIES):
            response = ministry.get(url("review"))
        rows = table_rows(
            html_of(response), "Regional standards filed with the ministry, oldest filing first"
        )
        assert len(rows) == count - len(range(1, count, 4))


@pytest.mark.parametrize("count", [3, 30])
def test_review_page_query_count_does_not_grow_with_routes_and_rules(
    ministry: Client, django_assert_num_queries: Any, count: int
) -> None:
    start = today() - dt.timedelta(days=100)
    make_regional_standard(
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=add_years(start, 3) - dt.timedelta(days=1),
        routes=[route(f"A-{n}") for n in range(count)],
        bonus_rules=[rule(f"R-{n}", 1 + n % 10) for n in range(count)],
    )
    submitted = filed(
        version=2,
        state=S.UNDER_REVIEW,
        # One removed, a third changed, one added.
        routes=[
            route(f"A-{n}", title_zh="改" if n < 1 + count // 3 else f"路线A-{n}")
            for n in range(1, count + 1)
        ],
        bonus_rules=[rule(f"R-{n}", 1 + n % 10) for n in range(1, count + 1)],
    )
    ministry.get(url("review_standard", submitted.pk))  # the session is warm

    with django_assert_num_queries(REVIEW_QUERIES):
        response = ministry.get(url("review_standard", submitted.pk, language=EN))

    html = html_of(response)
    assert len(table_rows(html, "Routes added", EN)) == 1
    assert len(table_rows(html, "Routes removed", EN)) == 1
    assert f"{tr('Routes changed', EN)} {count // 3} " in text_of(html)
    assert len(table_rows(html, "Bonus rules added", EN)) == 1
