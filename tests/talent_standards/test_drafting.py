"""The drafters' pages for regional standards: the list of the drafter's provinces, the
workspace (metadata with the 3-5 year rule, local routes, provincial bonus rules,
consultation, history, transitions), the route and bonus rule forms with every kind's
figures, consultation of stakeholders, and the done-means flow of issue 4: a Guangdong
drafter files a standard with a bonus rule, the ministry approves it, and the engine then
adds that bonus for Guangdong jobs only.

Every HTML page goes through ``html_of`` (strict CSP, no inline script or style). Texts are
computed with ``gettext`` in the page's language, so the assertions hold with and without
the compiled Chinese catalogue. Every refusal is checked to have changed nothing.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any
from unittest.mock import patch

import pytest
from django.db.models import Max
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from portal.filings import add_years
from portal.models import AuditEvent, TransitionRecord, User
from portal.models.filing import FilingState
from portal.roles import Role
from talent_standards import services
from talent_standards.models import (
    BonusRule,
    RecognitionRoute,
    RegionalStandard,
    RegionalStandardComment,
    RegionalStandardInvitation,
)
from tests.catalogs.test_drafting import follow_messages, messages_of
from tests.factories import RoleHelper
from tests.portal.test_pages import (
    assert_landmarks,
    assert_landmarks_and_labels,
    html_of,
    page_text,
    sign_in_verified,
    text_of,
    tr,
)
from tests.talent_standards.conftest import job, make_regional_standard, profile, region

pytestmark = pytest.mark.django_db

ZH = "zh-hans"
EN = "en"
S = FilingState


# --- Helpers ----------------------------------------------------------------------------------


def url(name: str, *args: Any, language: str = ZH) -> str:
    with translation.override(language):
        return reverse(f"standards:{name}", args=args)


def today() -> dt.date:
    return timezone.localdate()


def last_seq() -> int:
    return AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0


class _Tables(HTMLParser):
    """Each table's caption and the texts of its body cells, row by row (the text nodes of
    a cell separated by one space, as a person reads them)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, Any]] = []
        self._in_caption = False
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def table_rows(html: str, caption_msgid: str, language: str = ZH, **params: Any) -> list[list[str]]:
    """The body rows of the one table whose caption is ``caption_msgid`` translated."""
    parser = _Tables()
    parser.feed(html)
    caption = tr(caption_msgid, language, **params)
    found = [t["rows"] for t in parser.tables if " ".join(t["caption"].split()) == caption]
    assert len(found) == 1, [t["caption"] for t in parser.tables]
    return found[0]


def lz(value: Any, language: str = ZH) -> str:
    """A lazy label (a model choice) as a page in ``language`` shows it."""
    with translation.override(language):
        return " ".join(str(value).split())


def ntr(singular: str, plural: str, n: int, language: str = ZH, **params: Any) -> str:
    with translation.override(language):
        return ngettext(singular, plural, n) % {"n": n, **params}


def client_for(user: User) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


def routes_of(standard: RegionalStandard) -> dict[str, dict[str, Any]]:
    return {
        r.code: {
            "category": r.category,
            "kind": r.kind,
            "title_zh": r.title_zh,
            "title_en": r.title_en,
            "description_zh": r.description_zh,
            "description_en": r.description_en,
            "evidence_zh": r.evidence_zh,
            "evidence_en": r.evidence_en,
            "parameters": r.parameters,
        }
        for r in RecognitionRoute.objects.filter(regional_standard=standard)
    }


def rules_of(standard: RegionalStandard) -> dict[str, dict[str, Any]]:
    return {
        b.code: {
            "title_zh": b.title_zh,
            "title_en": b.title_en,
            "condition": b.condition,
            "parameters": b.parameters,
            "points": b.points,
        }
        for b in BonusRule.objects.filter(regional_standard=standard)
    }


def snapshot(standard: RegionalStandard) -> tuple[Any, ...]:
    """What a refused action must leave as it was."""
    fresh = RegionalStandard.objects.get(pk=standard.pk)
    return (
        fresh.state,
        fresh.title_zh,
        fresh.effective_from,
        fresh.expires_on,
        fresh.consultation_deadline,
        routes_of(fresh),
        rules_of(fresh),
        RegionalStandardComment.objects.filter(standard=fresh).count(),
        TransitionRecord.objects.filter(
            target_model="talent_standards.regionalstandard", target_id=str(fresh.pk)
        ).count(),
        last_seq(),
    )


def four_years(start: dt.date) -> dt.date:
    return add_years(start, 4) - dt.timedelta(days=1)


SALARY_ROUTE = {
    "code": "A-GD-SALARY",
    "category": "A",
    "kind": "salary_amount",
    "min_annual_salary_cny": "1000000",
    "title_zh": "在粤年薪不低于100万元",
    "title_en": "Annual salary in Guangdong of at least 1,000,000 CNY",
    "description_zh": "",
    "description_en": "",
    "evidence_zh": "劳动合同\n个人所得税完税证明",
    "evidence_en": "Employment contract\nIndividual income tax records",
    "max_age": "",
}
ICT_RULE = {
    "code": "gd-ict",
    "title_zh": "从事信息和通信工程技术职业",
    "title_en": "ICT engineering occupation",
    "condition": "occupation_prefix",
    "prefixes": "2-02-10",
    "points": "5",
}


def draft_with_parts(region_code: str = "440000", **kwargs: Any) -> RegionalStandard:
    return make_regional_standard(
        region_code,
        routes=[
            {
                "code": "A-GD-SALARY",
                "category": "A",
                "kind": "salary_amount",
                "title_zh": "在粤年薪不低于100万元",
                "title_en": "Annual salary of at least 1,000,000 CNY",
                "parameters": {"min_annual_salary_cny": "1000000"},
            }
        ],
        bonus_rules=[
            {
                "code": "GD-ICT",
                "title_zh": "从事信息和通信工程技术职业",
                "title_en": "ICT engineering occupation",
                "condition": "occupation_prefix",
                "parameters": {"prefixes": ["2-02-10"]},
                "points": 5,
            }
        ],
        **kwargs,
    )


@pytest.fixture
def gd_client(gd_drafter: User) -> Client:
    return client_for(gd_drafter)


# --- The done-means flow ----------------------------------------------------------------------


def test_guangdong_files_a_standard_the_ministry_approves_and_the_bonus_applies_to_guangdong_only(
    roles: RoleHelper, gd_drafter: User, reviewer: User
) -> None:
    drafter = client_for(gd_drafter)
    html = html_of(drafter.get(url("drafting")))
    assert tr("No regional standard yet. Start one with “New regional standard”.") in text_of(html)

    # A new version with 4 years' validity from tomorrow.
    start = today() + dt.timedelta(days=1)
    end = four_years(start)
    assert_landmarks_and_labels(html_of(drafter.get(url("drafting_new"))))
    response = drafter.post(
        url("drafting_new"),
        {
            "title_zh": "广东省外国人才认定补充标准",
            "title_en": "Guangdong supplementary standard for foreign talent",
            "effective_from": start.isoformat(),
            "expires_on": end.isoformat(),
        },
    )
    standard = RegionalStandard.objects.get()
    assert response["Location"] == url("drafting_standard", standard.pk)
    assert follow_messages(drafter, response) == [
        tr(
            "Version %(version)s of the regional standard is started. Add its routes and bonus "
            "rules.",
            version=1,
        )
    ]
    assert (standard.region.code, standard.version, standard.state, standard.created_by) == (
        "440000",
        1,
        S.DRAFT,
        gd_drafter,
    )
    text = page_text(drafter.get(url("drafting_standard", standard.pk)))
    assert (
        f"{tr('Validity')} {ntr('%(n)d year', '%(n)d years', 4)} {tr('within 3 to 5 years')}"
        in text
    )

    # The bonus rule: +5 for occupations under 2-02-10.
    assert_landmarks_and_labels(html_of(drafter.get(url("drafting_bonus_add", standard.pk))))
    response = drafter.post(url("drafting_bonus_add", standard.pk), ICT_RULE)
    assert response["Location"] == url("drafting_standard", standard.pk) + "#bonus"
    assert follow_messages(drafter, response) == [
        tr("Bonus rule %(code)s (+%(points)d) is saved.", code="GD-ICT", points=5)
    ]
    assert rules_of(standard) == {
        "GD-ICT": {
            "title_zh": "从事信息和通信工程技术职业",
            "title_en": "ICT engineering occupation",
            "condition": "occupation_prefix",
            "parameters": {"prefixes": ["2-02-10"]},
            "points": 5,
        }
    }

    # The local Category A route: a salary of at least 1,000,000 CNY.
    assert_landmarks_and_labels(html_of(drafter.get(url("drafting_route_add", standard.pk))))
    response = drafter.post(url("drafting_route_add", standard.pk), SALARY_ROUTE)
    assert response["Location"] == url("drafting_standard", standard.pk) + "#routes"
    assert follow_messages(drafter, response) == [
        tr("Route %(code)s is saved.", code="A-GD-SALARY")
    ]
    assert routes_of(standard) == {
        "A-GD-SALARY": {
            "category": "A",
            "kind": "salary_amount",
            "title_zh": "在粤年薪不低于100万元",
            "title_en": "Annual salary in Guangdong of at least 1,000,000 CNY",
            "description_zh": "",
            "description_en": "",
            "evidence_zh": "劳动合同\n个人所得税完税证明",
            "evidence_en": "Employment contract\nIndividual income tax records",
            "parameters": {"min_annual_salary_cny": "1000000"},
        }
    }
    route = RecognitionRoute.objects.get(regional_standard=standard)
    html = html_of(drafter.get(url("drafting_standard", standard.pk)))
    assert table_rows(html, "The local recognition routes of this version") == [
        [
            "A-GD-SALARY",
            "A",
            "在粤年薪不低于100万元 Annual salary in Guangdong of at least 1,000,000 CNY",
            f"{lz(RecognitionRoute.Kind.SALARY_AMOUNT.label)} "
            f"{tr('Minimum annual salary (CNY)')}: 1,000,000",
            "劳动合同 个人所得税完税证明",
            f"{tr('Edit')} A-GD-SALARY {tr('Remove')} A-GD-SALARY",
        ]
    ]
    assert table_rows(html, "The provincial bonus rules of this version") == [
        [
            "GD-ICT",
            "从事信息和通信工程技术职业 ICT engineering occupation",
            f"{lz(BonusRule.Condition.OCCUPATION_PREFIX.label)} {tr('Occupation groups')}: 2-02-10",
            "+5",
            f"{tr('Edit')} GD-ICT {tr('Remove')} GD-ICT",
        ]
    ]
    assert tr(
        "Item 9 of the points table: a job in the province earns the points of every rule "
        "that applies to it, but at most %(max)s in all, even if the rules add up to more.",
        max=10,
    ) in text_of(html)

    # Consultation of a Guangdong industry association, which comments on the route.
    stakeholder = roles.user(Role.STAKEHOLDER, region_code="440000")
    assert_landmarks_and_labels(html_of(drafter.get(url("drafting_consultation", standard.pk))))
    deadline = today() + dt.timedelta(days=7)
    response = drafter.post(
        url("drafting_consultation", standard.pk),
        {"organizations": [stakeholder.organization_id], "deadline": deadline.isoformat()},
    )
    assert response["Location"] == url("drafting_standard", standard.pk) + "#consultation"
    assert follow_messages(drafter, response) == [
        tr(
            "The consultation is open until %(date)s: %(n)d organizations are invited.",
            date=deadline.isoformat(),
            n=1,
        )
    ]
    standard.refresh_from_db()
    assert (standard.state, standard.consultation_deadline) == (S.CONSULTATION, deadline)

    consulted = client_for(stakeholder)
    html = html_of(consulted.get(url("consultations")))
    assert table_rows(html, "Draft regional standards your organization is consulted on") == [
        [
            "广东省",
            "广东省外国人才认定补充标准 (v1)",
            deadline.isoformat(),
            f"{tr('open for comments')} {lz(S.CONSULTATION.label)}",
        ]
    ]
    html = html_of(consulted.get(url("consultation", standard.pk)))
    comment_link = url("consultation_comment", standard.pk) + f"?route={route.pk}"
    assert f'href="{comment_link}"' in html
    assert_landmarks_and_labels(html_of(consulted.get(comment_link)))
    response = consulted.post(
        url("consultation_comment", standard.pk),
        {"route": str(route.pk), "text": "建议将年薪门槛调整为80万元。"},
    )
    assert response["Location"] == url("consultation", standard.pk) + "#comments"
    assert follow_messages(consulted, response) == [tr("Your comment is sent to the drafters.")]
    comment = RegionalStandardComment.objects.get()
    assert (comment.route, comment.part_code, comment.organization_id, comment.text) == (
        route,
        "A-GD-SALARY",
        stakeholder.organization_id,
        "建议将年薪门槛调整为80万元。",
    )

    # Filing is refused while the comment is unanswered; nothing changes.
    before = snapshot(standard)
    response = drafter.post(url("drafting_transition", standard.pk, "submit"))
    assert follow_messages(drafter, response) == [
        tr("Answer every consultation comment first: %(n)d still open.", n=1)
    ]
    assert snapshot(standard) == before

    # The drafter answers, and files.
    answer_url = url("drafting_comment_answer", standard.pk, comment.pk)
    assert_landmarks_and_labels(html_of(drafter.get(answer_url)))
    response = drafter.post(answer_url, {"answer": "维持100万元，与上海标准相当。"})
    assert follow_messages(drafter, response) == [
        tr("The answer to %(organization)s is saved.", organization=stakeholder.organization.name)
    ]
    response = drafter.post(url("drafting_transition", standard.pk, "submit"))
    assert follow_messages(drafter, response) == [
        tr(
            "Done: %(action)s. Version %(version)s is now “%(state)s”.",
            action=tr("File with the ministry"),
            version=1,
            state=tr("Filed with the ministry"),
        )
    ]

    # The ministry reads the redline (no version in force: all added) and approves.
    ministry = client_for(reviewer)
    html = html_of(ministry.get(url("review_standard", standard.pk)))
    assert tr("No version in force: all routes and bonus rules are new.") in text_of(html)
    assert [r[0] for r in table_rows(html, "Routes added")] == ["A-GD-SALARY"]
    assert [r[0] for r in table_rows(html, "Bonus rules added")] == ["GD-ICT"]
    for name in ("start_review", "approve"):
        response = ministry.post(url("review_transition", standard.pk, name))
        assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.state == S.APPROVED

    # The drafter publishes; the standard takes effect tomorrow.
    response = drafter.post(url("drafting_transition", standard.pk, "publish"))
    assert follow_messages(drafter, response) == [
        tr(
            "Done: %(action)s. Version %(version)s is now “%(state)s”.",
            action=tr("Publish"),
            version=1,
            state=tr("Published"),
        )
    ]
    standard.refresh_from_db()
    assert (standard.state, standard.effective_from, standard.expires_on) == (
        S.PUBLISHED,
        start,
        end,
    )
    assert [
        (r.transition, r.actor_id)
        for r in TransitionRecord.objects.filter(
            target_model="talent_standards.regionalstandard"
        ).order_by("at", "pk")
    ] == [
        ("open_consultation", gd_drafter.pk),
        ("submit", gd_drafter.pk),
        ("start_review", reviewer.pk),
        ("approve", reviewer.pk),
        ("publish", gd_drafter.pk),
    ]

    # The engine: on the effective date a Guangdong job under 2-02-10 earns +5 on the
    # provincial bonus line; a Shanghai job does not, nor does a Guangdong job outside the
    # group, nor the Guangdong job today (the standard is not in force yet).
    worker = profile(age=30, education="bachelor", experience_years=3)

    def bonus(region_code: str, code: str, salary: int = 300000) -> tuple[int, str, str]:
        with translation.override(EN):
            result = services.assess(
                profile=worker,
                job=job(region_code, salary, occupation_code=code),
                region=region(region_code),
            )
        line = {line.item: line for line in result.points.lines}["provincial_bonus"]
        return line.points, line.reason, result.regional_version

    assert bonus("440000", "2-02-10-03")[0] == 0
    on_effective_date = timezone.make_aware(dt.datetime.combine(start, dt.time(12, 0)))
    with patch("django.utils.timezone.now", return_value=on_effective_date):
        assert bonus("440000", "2-02-10-03") == (
            5,
            "GD-ICT +5 (regional standard 440000:v1)",
            "440000:v1",
        )
        assert bonus("310000", "2-02-10-03") == (
            0,
            "Shanghai has no regional standard in force",
            "",
        )
        assert bonus("440000", "2-02-14-01") == (
            0,
            "no bonus rule of Guangdong applies",
            "440000:v1",
        )
        with translation.override(EN):
            high = services.assess(
                profile=worker,
                job=job("440000", 1000000, occupation_code="2-02-14-01"),
                region=region("440000"),
            )
    local = {r.code: r for r in high.routes}["A-GD-SALARY"]
    assert (local.status, local.category, high.category) == ("met", "A", "A")


# --- The list of the drafter's provinces ------------------------------------------------------


def test_list_shows_versions_with_status_and_starts_the_next_version_from_the_one_in_force(
    gd_client: Client, gd_drafter: User
) -> None:
    start = today() - dt.timedelta(days=100)
    v1 = make_regional_standard(
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=add_years(start, 3) - dt.timedelta(days=1),
        routes=[
            {
                "code": "A-GD-1",
                "category": "A",
                "kind": "officer_judgement",
                "title_zh": "创新创业人才",
            }
        ],
        bonus_rules=[
            {
                "code": "GD-ALL",
                "title_zh": "在粤工作",
                "condition": "always",
                "parameters": {},
                "points": 3,
            }
        ],
    )
    make_regional_standard("310000", state=S.DRAFT)  # another province's: not listed

    html = html_of(gd_client.get(url("drafting")))
    assert table_rows(html, "Regional standard versions of %(province)s", province="广东省") == [
        [
            "v1",
            "广东省外国人才认定标准",
            tr("In force"),
            "1",
            "1",
            f"{start.isoformat()} – {v1.expires_on.isoformat()}",
            timezone.localtime(v1.updated_at).strftime("%Y-%m-%d %H:%M"),
        ]
    ]
    action = url("drafting_new_version", v1.pk)
    assert f'action="{action}"' in html
    assert tr("Start the next version from v%(version)s", version=1) in text_of(html)

    response = gd_client.post(action)
    v2 = RegionalStandard.objects.get(version=2)
    assert response["Location"] == url("drafting_standard", v2.pk)
    assert follow_messages(gd_client, response) == [
        tr(
            "Version %(version)s is started from version %(source)s with its routes and bonus "
            "rules. Choose its dates.",
            version=2,
            source=1,
        )
    ]
    assert (v2.based_on_id, v2.state, v2.effective_from, v2.created_by) == (
        v1.pk,
        S.DRAFT,
        None,
        gd_drafter,
    )
    assert routes_of(v2) == routes_of(v1)
    assert rules_of(v2) == rules_of(v1)


def test_english_pages(gd_client: Client) -> None:
    standard = draft_with_parts()
    html = html_of(gd_client.get(url("drafting", language=EN)))
    assert tr("Drafting regional standards", EN) in text_of(html)
    html = html_of(gd_client.get(url("drafting_standard", standard.pk, language=EN)))
    assert_landmarks(html)
    assert table_rows(html, "The local recognition routes of this version", EN)[0][:4] == [
        "A-GD-SALARY",
        "A",
        "在粤年薪不低于100万元 Annual salary of at least 1,000,000 CNY",
        f"{lz(RecognitionRoute.Kind.SALARY_AMOUNT.label, EN)} "
        f"{tr('Minimum annual salary (CNY)', EN)}: 1,000,000",
    ]
    html = html_of(gd_client.get(url("drafting_route_add", standard.pk, language=EN)))
    assert_landmarks_and_labels(html)
    assert tr("Figures the route is decided on", EN) in text_of(html)


# --- Details and transitions ------------------------------------------------------------------


def test_edit_details_and_a_filing_refused_by_the_validity_rule_changes_nothing(
    gd_client: Client,
) -> None:
    standard = draft_with_parts()
    start = today() + dt.timedelta(days=30)
    six_years = add_years(start, 6) - dt.timedelta(days=1)
    assert_landmarks_and_labels(html_of(gd_client.get(url("drafting_edit", standard.pk))))
    response = gd_client.post(
        url("drafting_edit", standard.pk),
        {
            "title_zh": "广东省外国人才认定补充标准",
            "effective_from": start.isoformat(),
            "expires_on": six_years.isoformat(),
        },
    )
    assert follow_messages(gd_client, response) == [tr("The standard's details are saved.")]
    standard.refresh_from_db()
    assert (standard.title_zh, standard.effective_from, standard.expires_on) == (
        "广东省外国人才认定补充标准",
        start,
        six_years,
    )
    shortest = add_years(start, 3) - dt.timedelta(days=1)
    longest = add_years(start, 5) - dt.timedelta(days=1)
    problem = tr(
        "Validity must be %(min)d to %(max)d years: from %(start)s the last day of validity "
        "lies between %(shortest)s and %(longest)s.",
        min=3,
        max=5,
        start=start.isoformat(),
        shortest=shortest.isoformat(),
        longest=longest.isoformat(),
    )
    text = page_text(gd_client.get(url("drafting_standard", standard.pk)))
    assert f"{ntr('%(n)d year', '%(n)d years', 6)} {tr('not 3 to 5 years')} {problem}" in text
    help_text = tr(
        "Validity is %(min)d to %(max)d years: from %(start)s the last day of validity lies "
        "between %(shortest)s and %(longest)s. It is checked when the standard is filed.",
        min=3,
        max=5,
        start=start.isoformat(),
        shortest=shortest.isoformat(),
        longest=longest.isoformat(),
    )
    assert help_text in page_text(gd_client.get(url("drafting_edit", standard.pk)))

    before = snapshot(standard)
    response = gd_client.post(url("drafting_transition", standard.pk, "submit"))
    assert follow_messages(gd_client, response) == [problem]
    assert snapshot(standard) == before

    # The last day before the effective date is refused by the form.
    response = gd_client.post(
        url("drafting_edit", standard.pk),
        {
            "title_zh": "x",
            "effective_from": start.isoformat(),
            "expires_on": start.isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "expires_on": [tr("The last day of validity comes after the effective date.")]
    }
    assert snapshot(standard) == before


def test_a_filed_standard_is_locked(gd_client: Client) -> None:
    standard = draft_with_parts(state=S.SUBMITTED)
    route = standard.routes.get()
    rule = standard.bonus_rules.get()
    html = html_of(gd_client.get(url("drafting_standard", standard.pk)))
    assert url("drafting_edit", standard.pk) not in html
    assert url("drafting_route_add", standard.pk) not in html
    assert url("drafting_route_edit", standard.pk, route.pk) not in html
    assert url("drafting_bonus_add", standard.pk) not in html
    assert f'action="{url("drafting_transition", standard.pk, "recall")}"' in html
    before = snapshot(standard)
    refusal = tr(
        "Version %(version)s is %(state)s: its content can no longer change.",
        version=1,
        state=lz(S.SUBMITTED.label),
    )
    for target in (
        url("drafting_edit", standard.pk),
        url("drafting_route_add", standard.pk),
        url("drafting_route_edit", standard.pk, route.pk),
        url("drafting_route_remove", standard.pk, route.pk),
        url("drafting_bonus_add", standard.pk),
        url("drafting_bonus_edit", standard.pk, rule.pk),
        url("drafting_bonus_remove", standard.pk, rule.pk),
    ):
        response = gd_client.post(target, {**SALARY_ROUTE, **ICT_RULE, "code": "NEW"})
        assert response["Location"] == url("drafting_standard", standard.pk), target
        assert follow_messages(gd_client, response) == [refusal]
    assert snapshot(standard) == before

    # Recall needs a reason: refused without one, then done.
    response = gd_client.post(url("drafting_transition", standard.pk, "recall"))
    assert follow_messages(gd_client, response) == [
        tr("Give a reason for “%(action)s”.", action=tr("Recall the filing"))
    ]
    assert snapshot(standard) == before
    response = gd_client.post(
        url("drafting_transition", standard.pk, "recall"), {"reason": "补充一条路线"}
    )
    standard.refresh_from_db()
    assert standard.state == S.DRAFT


def test_an_unknown_transition_is_refused(gd_client: Client) -> None:
    standard = draft_with_parts()
    before = snapshot(standard)
    response = gd_client.post(url("drafting_transition", standard.pk, "approve"))
    assert follow_messages(gd_client, response) == [
        tr(
            "“%(action)s” is not possible while the record is %(state)s.",
            action=tr("Approve"),
            state=tr("Draft"),
        )
    ]
    response = gd_client.post(url("drafting_transition", standard.pk, "lapse"))
    assert follow_messages(gd_client, response) == [tr("This change is made by the system.")]
    response = gd_client.post(url("drafting_transition", standard.pk, "fly"))
    assert follow_messages(gd_client, response) == [
        tr("There is no action called “%(name)s”.", name="fly")
    ]
    assert snapshot(standard) == before


# --- Routes -----------------------------------------------------------------------------------


ROUTE_BASE = {
    "code": "A-GD-X",
    "category": "A",
    "title_zh": "地方路线",
    "title_en": "",
    "description_zh": "",
    "description_en": "",
    "evidence_zh": "",
    "evidence_en": "",
    "max_age": "",
}


@pytest.mark.parametrize(
    ("values", "parameters"),
    [
        (
            {"kind": "salary_amount", "min_annual_salary_cny": "1000000"},
            {"min_annual_salary_cny": "1000000"},
        ),
        (
            {"kind": "salary_amount", "min_annual_salary_cny": "850000.50"},
            {"min_annual_salary_cny": "850000.5"},
        ),
        ({"kind": "salary_multiple", "multiple": "6"}, {"multiple": 6}),
        ({"kind": "salary_multiple", "multiple": "4.5"}, {"multiple": "4.5"}),
        (
            {
                "kind": "degree_experience",
                "min_education": "master",
                "min_years": "2",
                "max_age": "60",
            },
            {"min_education": "master", "min_years": 2, "max_age": 60},
        ),
        (
            {"kind": "degree_experience", "min_education": "bachelor", "min_years": "0"},
            {"min_education": "bachelor", "min_years": 0},
        ),
        (
            {
                "kind": "listed_achievement",
                "qualifying": "gd-pearl | 广东珠江人才计划 | "
                "Guangdong Pearl River Talent Programme\r\n"
                "\r\nshenzhen_peacock | 深圳孔雀计划\r\n",
            },
            {
                "list": [
                    {
                        "code": "gd-pearl",
                        "title_zh": "广东珠江人才计划",
                        "title_en": "Guangdong Pearl River Talent Programme",
                    },
                    {"code": "shenzhen_peacock", "title_zh": "深圳孔雀计划", "title_en": ""},
                ]
            },
        ),
        ({"kind": "officer_judgement"}, {}),
        # Figures of another kind than the one chosen are not kept.
        ({"kind": "officer_judgement", "min_annual_salary_cny": "5", "multiple": "3"}, {}),
    ],
)
def test_each_kind_of_route_keeps_its_figures(
    gd_client: Client, values: dict[str, str], parameters: dict[str, Any]
) -> None:
    standard = make_regional_standard()
    response = gd_client.post(url("drafting_route_add", standard.pk), {**ROUTE_BASE, **values})
    assert response.status_code == 302
    assert routes_of(standard)["A-GD-X"]["parameters"] == parameters
    assert routes_of(standard)["A-GD-X"]["kind"] == values["kind"]


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (
            {"kind": "salary_amount", "min_annual_salary_cny": ""},
            {"min_annual_salary_cny": ["Give the minimum annual salary in yuan."]},
        ),
        (
            {"kind": "salary_amount", "min_annual_salary_cny": "0"},
            {"min_annual_salary_cny": ["Give the minimum annual salary in yuan."]},
        ),
        (
            {"kind": "salary_amount", "min_annual_salary_cny": "-5"},
            {"min_annual_salary_cny": ["Give the minimum annual salary in yuan."]},
        ),
        (
            {"kind": "salary_amount", "min_annual_salary_cny": "lots"},
            {"min_annual_salary_cny": ["Enter a number."]},
        ),
        (
            {"kind": "salary_multiple", "multiple": ""},
            {"multiple": ["The multiple of the average wage is 1 to 20."]},
        ),
        (
            {"kind": "salary_multiple", "multiple": "0.5"},
            {"multiple": ["The multiple of the average wage is 1 to 20."]},
        ),
        (
            {"kind": "salary_multiple", "multiple": "21"},
            {"multiple": ["The multiple of the average wage is 1 to 20."]},
        ),
        (
            {"kind": "degree_experience", "min_education": "", "min_years": ""},
            {
                "min_education": ["Choose the minimum education."],
                "min_years": ["Give the years of relevant experience, 0 to 50."],
            },
        ),
        (
            {"kind": "degree_experience", "min_education": "bachelor", "min_years": "51"},
            {"min_years": ["Give the years of relevant experience, 0 to 50."]},
        ),
        (
            {"kind": "degree_experience", "min_education": "phd", "min_years": "2"},
            {"min_education": ["Select a valid choice. phd is not one of the available choices."]},
        ),
        (
            {"kind": "listed_achievement", "qualifying": " \n "},
            {"qualifying": ["List what qualifies: one per line, with a code and titles."]},
        ),
        (
            {
                "kind": "listed_achievement",
                "qualifying": "nobel | 诺贝尔奖\nfields medal\n| 无代码",
            },
            {
                "qualifying": [
                    "Line 2: write “code | Chinese title | English title”.",
                    "Line 3: write “code | Chinese title | English title”.",
                ]
            },
        ),
        (
            {
                "kind": "listed_achievement",
                "qualifying": "nobel | 诺贝尔奖\nnobel | 诺贝尔奖 | Nobel",
            },
            {"qualifying": ["Line 2: the code nobel is listed twice."]},
        ),
        (
            {"kind": "listed_achievement", "qualifying": "a b | 甲"},
            {
                "qualifying": [
                    "Line 1: the code a b may use letters, digits, hyphens and underscores only."
                ]
            },
        ),
        (
            {"kind": "points"},
            {"kind": ["Select a valid choice. points is not one of the available choices."]},
        ),
        (
            {"kind": "officer_judgement", "code": "A GD"},
            {"code": ["Use letters, digits, hyphens and underscores, e.g. A-GD-SALARY."]},
        ),
        (
            {"kind": "officer_judgement", "category": "C"},
            {"category": ["Select a valid choice. C is not one of the available choices."]},
        ),
        (
            {"kind": "officer_judgement", "title_zh": ""},
            {"title_zh": ["This field is required."]},
        ),
        (
            {"kind": "officer_judgement", "max_age": "17"},
            {"max_age": ["Ensure this value is greater than or equal to 18."]},
        ),
        (
            {"kind": "officer_judgement", "max_age": "71"},
            {"max_age": ["Ensure this value is less than or equal to 70."]},
        ),
    ],
)
def test_route_figures_are_validated_with_exact_errors_and_nothing_is_saved(
    gd_client: Client, values: dict[str, str], errors: dict[str, list[str]]
) -> None:
    standard = make_regional_standard()
    before = snapshot(standard)
    with translation.override(EN):
        response = gd_client.post(
            url("drafting_route_add", standard.pk, language=EN), {**ROUTE_BASE, **values}
        )
        assert response.status_code == 200
        assert response.context["form"].errors == errors
    html = html_of(response)
    for messages in errors.values():
        for message in messages:
            assert message.replace("“", "&ldquo;") in html or message in text_of(html)
    assert snapshot(standard) == before


def test_a_route_code_used_twice_is_refused_by_the_service(gd_client: Client) -> None:
    standard = draft_with_parts()
    before = snapshot(standard)
    response = gd_client.post(
        url("drafting_route_add", standard.pk),
        {**ROUTE_BASE, "kind": "officer_judgement", "code": "a-gd-salary"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "code": [tr("Another route of this standard has this code.")]
    }
    assert snapshot(standard) == before


def test_choosing_another_kind_shows_its_figures_and_saves_nothing(gd_client: Client) -> None:
    standard = draft_with_parts()
    route = standard.routes.get()
    add = url("drafting_route_add", standard.pk)

    # The page starts with the figures of a salary amount.
    html = html_of(gd_client.get(add))
    assert 'name="min_annual_salary_cny"' in html
    assert 'name="multiple"' not in html
    # htmx asks the same page for the figures of the kind chosen, and swaps them in.
    assert f'hx-get="{add}"' in html
    assert 'hx-select="#route-parameters"' in html
    html = html_of(gd_client.get(add, {"kind": "degree_experience"}))
    assert 'name="min_education"' in html
    assert 'name="min_years"' in html
    assert 'name="min_annual_salary_cny"' not in html
    html = html_of(gd_client.get(add, {"kind": "officer_judgement"}))
    assert tr(
        "No figures: an officer assesses the evidence and decides. The applicant declares the "
        "route; the assessment marks it “needs confirmation”."
    ) in text_of(html)

    # Without JavaScript: the button posts what was typed, and nothing is saved.
    before = snapshot(standard)
    response = gd_client.post(
        add,
        {**ROUTE_BASE, "kind": "listed_achievement", "code": "A-GD-LIST", "show_fields": "1"},
    )
    assert response.status_code == 200
    html = html_of(response)
    assert 'name="qualifying"' in html
    assert 'value="A-GD-LIST"' in html
    assert '<option value="listed_achievement" selected>' in html
    assert response.context["form"].errors == {}
    assert snapshot(standard) == before

    # Editing a route shows its figures, and another kind's on request.
    edit = url("drafting_route_edit", standard.pk, route.pk)
    html = html_of(gd_client.get(edit))
    assert_landmarks_and_labels(html)
    assert 'value="1000000"' in html
    html = html_of(gd_client.get(edit, {"kind": "salary_multiple"}))
    assert 'name="multiple"' in html
    assert 'value="A-GD-SALARY"' in html


def test_edit_and_remove_a_route(gd_client: Client) -> None:
    standard = draft_with_parts()
    route = standard.routes.get()
    response = gd_client.post(
        url("drafting_route_edit", standard.pk, route.pk),
        {
            **ROUTE_BASE,
            "code": "A-GD-SALARY",
            "kind": "salary_multiple",
            "multiple": "6",
            "title_zh": "年薪不低于上年度全省平均工资6倍",
            "evidence_zh": "劳动合同",
        },
    )
    assert follow_messages(gd_client, response) == [
        tr("Route %(code)s is saved.", code="A-GD-SALARY")
    ]
    assert routes_of(standard)["A-GD-SALARY"] == {
        "category": "A",
        "kind": "salary_multiple",
        "title_zh": "年薪不低于上年度全省平均工资6倍",
        "title_en": "",
        "description_zh": "",
        "description_en": "",
        "evidence_zh": "劳动合同",
        "evidence_en": "",
        "parameters": {"multiple": 6},
    }
    remove = url("drafting_route_remove", standard.pk, route.pk)
    assert tr(
        "Remove route %(code)s “%(title)s” from version %(version)s?",
        code="A-GD-SALARY",
        title="年薪不低于上年度全省平均工资6倍",
        version=1,
    ) in page_text(gd_client.get(remove))
    response = gd_client.post(remove)
    assert response["Location"] == url("drafting_standard", standard.pk) + "#routes"
    assert follow_messages(gd_client, response) == [
        tr("Route %(code)s is removed from the standard.", code="A-GD-SALARY")
    ]
    assert routes_of(standard) == {}
    # A route of another standard is not found through this one.
    other = draft_with_parts(version=2)
    other_route = other.routes.get()
    assert gd_client.get(url("drafting_route_edit", standard.pk, other_route.pk)).status_code == 404


# --- Bonus rules ------------------------------------------------------------------------------

RULE_BASE = {"code": "GD-X", "title_zh": "地方加分", "title_en": "", "points": "5"}


@pytest.mark.parametrize(
    ("values", "parameters"),
    [
        ({"condition": "always"}, {}),
        (
            {"condition": "occupation_prefix", "prefixes": "2-02-10, 2-02-07，2-02-10 4-04"},
            {"prefixes": ["2-02-10", "2-02-07", "4-04"]},
        ),
        ({"condition": "catalog_listed", "prefixes": "2-02-10"}, {}),
        (
            {"condition": "salary_at_least", "min_annual_salary_cny": "500000"},
            {"min_annual_salary_cny": "500000"},
        ),
        (
            {"condition": "education_at_least", "min_education": "master"},
            {"min_education": "master"},
        ),
        ({"condition": "declared_fact", "fact": " nansha_employer "}, {"fact": "nansha_employer"}),
    ],
)
def test_each_bonus_condition_keeps_its_figures(
    gd_client: Client, values: dict[str, str], parameters: dict[str, Any]
) -> None:
    standard = make_regional_standard()
    response = gd_client.post(url("drafting_bonus_add", standard.pk), {**RULE_BASE, **values})
    assert response.status_code == 302
    assert rules_of(standard)["GD-X"] == {
        "title_zh": "地方加分",
        "title_en": "",
        "condition": values["condition"],
        "parameters": parameters,
        "points": 5,
    }


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (
            {"condition": "occupation_prefix", "prefixes": " , "},
            {"prefixes": ["List the occupation groups, e.g. 2-02-10."]},
        ),
        (
            {"condition": "occupation_prefix", "prefixes": "2-02-1, 2-02-10, x"},
            {"prefixes": ["Not an occupation group code: 2-02-1, x. Write codes like 2-02-10."]},
        ),
        (
            {"condition": "salary_at_least", "min_annual_salary_cny": ""},
            {"min_annual_salary_cny": ["Give the minimum annual salary in yuan."]},
        ),
        (
            {"condition": "education_at_least", "min_education": ""},
            {"min_education": ["Choose the minimum education."]},
        ),
        (
            {"condition": "declared_fact", "fact": "  "},
            {"fact": ["Name the fact the applicant declares."]},
        ),
        ({"condition": "always", "points": "0"}, {"points": ["A rule gives 1 to 10 points."]}),
        ({"condition": "always", "points": "11"}, {"points": ["A rule gives 1 to 10 points."]}),
        ({"condition": "always", "points": ""}, {"points": ["This field is required."]}),
        (
            {"condition": "sometimes"},
            {
                "condition": [
                    "Select a valid choice. sometimes is not one of the available choices."
                ]
            },
        ),
        (
            {"condition": "always", "code": "GD ICT"},
            {"code": ["Use letters, digits, hyphens and underscores, e.g. A-GD-SALARY."]},
        ),
    ],
)
def test_bonus_rule_figures_are_validated_with_exact_errors_and_nothing_is_saved(
    gd_client: Client, values: dict[str, str], errors: dict[str, list[str]]
) -> None:
    standard = make_regional_standard()
    before = snapshot(standard)
    with translation.override(EN):
        response = gd_client.post(
            url("drafting_bonus_add", standard.pk, language=EN), {**RULE_BASE, **values}
        )
        assert response.status_code == 200
        assert response.context["form"].errors == errors
    html_of(response)
    assert snapshot(standard) == before


def test_bonus_rules_add_up_but_the_page_and_the_engine_cap_them_at_ten(gd_client: Client) -> None:
    standard = draft_with_parts()
    response = gd_client.post(
        url("drafting_bonus_add", standard.pk),
        {**RULE_BASE, "code": "GD-ALL", "condition": "always", "points": "8"},
    )
    assert response.status_code == 302
    html = html_of(gd_client.get(url("drafting_standard", standard.pk)))
    assert tr(
        "The rules add up to %(total)s points: a job meeting all of them earns %(max)s.",
        total=13,
        max=10,
    ) in text_of(html)
    # Edit the first rule and remove the second.
    rule = standard.bonus_rules.get(code="GD-ICT")
    html = html_of(gd_client.get(url("drafting_bonus_edit", standard.pk, rule.pk)))
    assert_landmarks_and_labels(html)
    assert 'value="2-02-10"' in html
    response = gd_client.post(
        url("drafting_bonus_edit", standard.pk, rule.pk),
        {**ICT_RULE, "prefixes": "2-02-10, 2-02-07", "points": "4"},
    )
    assert follow_messages(gd_client, response) == [
        tr("Bonus rule %(code)s (+%(points)d) is saved.", code="GD-ICT", points=4)
    ]
    assert rules_of(standard)["GD-ICT"]["parameters"] == {"prefixes": ["2-02-10", "2-02-07"]}
    other = standard.bonus_rules.get(code="GD-ALL")
    remove = url("drafting_bonus_remove", standard.pk, other.pk)
    assert tr(
        "Remove bonus rule %(code)s “%(title)s” (+%(points)d) from version %(version)s?",
        code="GD-ALL",
        title="地方加分",
        points=8,
        version=1,
    ) in page_text(gd_client.get(remove))
    response = gd_client.post(remove)
    assert follow_messages(gd_client, response) == [
        tr("Bonus rule %(code)s is removed from the standard.", code="GD-ALL")
    ]
    assert set(rules_of(standard)) == {"GD-ICT"}


def test_the_engine_caps_the_provincial_bonus_at_ten() -> None:
    start = today() - dt.timedelta(days=10)
    make_regional_standard(
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=add_years(start, 3) - dt.timedelta(days=1),
        bonus_rules=[
            {
                "code": "GD-A",
                "title_zh": "甲",
                "condition": "always",
                "parameters": {},
                "points": 6,
            },
            {
                "code": "GD-B",
                "title_zh": "乙",
                "condition": "always",
                "parameters": {},
                "points": 7,
            },
        ],
    )
    with translation.override(EN):
        result = services.assess(
            profile=profile(age=30), job=job("440000", 300000), region=region("440000")
        )
    line = {line.item: line for line in result.points.lines}["provincial_bonus"]
    assert (line.points, line.max, line.reason) == (
        10,
        10,
        "GD-A +6, GD-B +7 (regional standard 440000:v1), capped at 10",
    )


# --- Consultation -----------------------------------------------------------------------------


def test_consultation_set_up_comment_on_the_draft_and_closed_consultation(
    roles: RoleHelper, gd_client: Client
) -> None:
    standard = draft_with_parts()
    association = roles.user(Role.STAKEHOLDER, region_code="440000")
    page = url("drafting_consultation", standard.pk)
    # Refused without an organization: nothing changes.
    before = snapshot(standard)
    response = gd_client.post(page, {"deadline": (today() + dt.timedelta(days=3)).isoformat()})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "organizations": [tr("Choose at least one organization to invite.")]
    }
    response = gd_client.post(
        page,
        {
            "organizations": [association.organization_id],
            "deadline": (today() - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.context["form"].errors == {"deadline": [tr("Choose today or a later day.")]}
    assert snapshot(standard) == before
    assert RegionalStandardInvitation.objects.count() == 0

    response = gd_client.post(
        page,
        {"organizations": [association.organization_id], "deadline": today().isoformat()},
    )
    assert response.status_code == 302
    consulted = client_for(association)
    html = html_of(consulted.get(url("consultation", standard.pk)))
    assert_landmarks_and_labels(html)
    response = consulted.post(
        url("consultation_comment", standard.pk), {"text": "整体支持。", "route": ""}
    )
    assert follow_messages(consulted, response) == [tr("Your comment is sent to the drafters.")]
    comment = RegionalStandardComment.objects.get()
    assert (comment.route, comment.part_code) == (None, "")
    html = html_of(gd_client.get(url("drafting_standard", standard.pk)))
    assert f"{tr('on the whole draft')} {tr('unanswered')} 整体支持。" in text_of(html)
    # A route of another standard is refused.
    other = draft_with_parts(version=2)
    response = consulted.post(
        url("consultation_comment", standard.pk),
        {"text": "x", "route": str(other.routes.get().pk)},
    )
    assert response.context["form"].errors == {"route": [tr("The draft has no such route.")]}
    assert (
        consulted.get(
            url("consultation_comment", standard.pk) + f"?route={other.routes.get().pk}"
        ).status_code
        == 404
    )

    # Closed: the draft stays readable; a comment is refused and nothing changes.
    response = gd_client.post(url("drafting_transition", standard.pk, "close_consultation"))
    assert response.status_code == 302
    before = snapshot(standard)
    text = page_text(consulted.get(url("consultation", standard.pk)))
    assert (
        tr(
            "The consultation is closed: the draft stays readable, but comments are no longer "
            "taken."
        )
        in text
    )
    response = consulted.post(url("consultation_comment", standard.pk), {"text": "再补充"})
    assert follow_messages(consulted, response) == [tr("The consultation is closed.")]
    assert snapshot(standard) == before


# --- Who sees what ----------------------------------------------------------------------------


def _drafting_pages(standard: RegionalStandard) -> list[tuple[str, str]]:
    route = standard.routes.get()
    rule = standard.bonus_rules.get()
    comment = standard.comments.get()
    pk = standard.pk
    return [
        ("get", url("drafting_standard", pk)),
        ("get", url("drafting_edit", pk)),
        ("get", url("drafting_route_add", pk)),
        ("get", url("drafting_route_edit", pk, route.pk)),
        ("get", url("drafting_route_remove", pk, route.pk)),
        ("post", url("drafting_route_remove", pk, route.pk)),
        ("get", url("drafting_bonus_add", pk)),
        ("get", url("drafting_bonus_edit", pk, rule.pk)),
        ("get", url("drafting_bonus_remove", pk, rule.pk)),
        ("post", url("drafting_bonus_remove", pk, rule.pk)),
        ("get", url("drafting_consultation", pk)),
        ("get", url("drafting_comment_answer", pk, comment.pk)),
        ("post", url("drafting_comment_answer", pk, comment.pk)),
        ("post", url("drafting_transition", pk, "close_consultation")),
        ("post", url("drafting_new_version", pk)),
    ]


@pytest.fixture
def consulted_draft(roles: RoleHelper) -> tuple[RegionalStandard, User]:
    standard = draft_with_parts(state=S.CONSULTATION)
    standard.consultation_deadline = today() + dt.timedelta(days=5)
    standard.save(update_fields=["consultation_deadline"])
    invited = roles.user(Role.STAKEHOLDER, region_code="440000")
    RegionalStandardInvitation.objects.create(
        standard=standard, organization=invited.organization, invited_by=invited
    )
    RegionalStandardComment.objects.create(
        standard=standard,
        author=invited,
        organization=invited.organization,
        text="意见",
        route=standard.routes.get(),
        part_code="A-GD-SALARY",
    )
    return standard, invited


def test_visitors_are_sent_to_sign_in(
    client: Client, consulted_draft: tuple[RegionalStandard, User]
) -> None:
    standard, _invited = consulted_draft
    pages = [
        ("get", url("drafting")),
        ("get", url("drafting_new")),
        *_drafting_pages(standard),
        ("get", url("consultations")),
        ("get", url("consultation", standard.pk)),
        ("get", url("consultation_comment", standard.pk)),
    ]
    for method, target in pages:
        response = getattr(client, method)(target)
        assert response.status_code == 302, target
        assert response["Location"].startswith("/zh-hans/accounts/login/?next="), target


@pytest.mark.parametrize(
    "who",
    ["shanghai_drafter", "acceptance_officer", "employer_admin", "other_stakeholder", "reviewer"],
)
def test_others_get_404_on_a_guangdong_standard(
    roles: RoleHelper, consulted_draft: tuple[RegionalStandard, User], who: str
) -> None:
    standard, _invited = consulted_draft
    users = {
        "shanghai_drafter": lambda: roles.user(Role.STANDARDS_DRAFTER, region_code="310000"),
        "acceptance_officer": lambda: roles.user(Role.ACCEPTANCE_OFFICER, region_code="440000"),
        "employer_admin": lambda: roles.user(Role.EMPLOYER_ADMIN, region_code="440000"),
        "other_stakeholder": lambda: roles.user(Role.STAKEHOLDER, region_code="440000"),
        "reviewer": lambda: roles.user(Role.MINISTRY_REVIEWER),
    }
    client = client_for(users[who]())
    before = snapshot(standard)
    pages = _drafting_pages(standard)
    if who != "shanghai_drafter":  # the Shanghai drafter has lists of their own
        pages += [("get", url("drafting")), ("get", url("drafting_new"))]
    for method, target in pages:
        assert getattr(client, method)(target).status_code == 404, target
    # The stakeholder pages: only for stakeholders, and only for drafts they are invited to.
    for target in (url("consultation", standard.pk), url("consultation_comment", standard.pk)):
        assert client.get(target).status_code == 404, target
    response = client.post(url("consultation_comment", standard.pk), {"text": "x"})
    assert response.status_code == 404
    status = 200 if who == "other_stakeholder" else 404
    assert client.get(url("consultations")).status_code == status
    assert snapshot(standard) == before


def test_the_shanghai_drafter_lists_only_shanghai(
    roles: RoleHelper, consulted_draft: tuple[RegionalStandard, User]
) -> None:
    client = client_for(roles.user(Role.STANDARDS_DRAFTER, region_code="310000"))
    html = html_of(client.get(url("drafting")))
    assert table_rows(html, "Regional standard versions of %(province)s", province="上海市") == [
        [tr("No regional standard yet. Start one with “New regional standard”.")]
    ]
    assert "广东省" not in text_of(html).replace(tr("Drafting regional standards"), "")


def test_drafters_and_the_invited_get_404_on_the_stakeholder_list(
    gd_client: Client, consulted_draft: tuple[RegionalStandard, User]
) -> None:
    standard, invited = consulted_draft
    assert gd_client.get(url("consultations")).status_code == 404
    assert gd_client.get(url("consultation", standard.pk)).status_code == 404
    invited_client = client_for(invited)
    assert invited_client.get(url("consultation", standard.pk)).status_code == 200
    html = html_of(invited_client.get(url("consultation", standard.pk, language=EN)))
    assert messages_of(html) == []
    assert tr("Comment on this route", EN) in text_of(html)


# --- Query counts -----------------------------------------------------------------------------

# The workspace: 1. session; 2. user; 3. the standard with its province and base version;
# 4. the user's drafting regions (access, remembered for the request); 5. the routes;
# 6. the bonus rules; 7. the comments with authors, organizations, answering drafters and
# routes; 8. the history with its actors; 9. the invitations with their organizations;
# 10. the user's roles (menu); 11. the unread notifications of the header.
WORKSPACE_QUERIES = 11
# The list: 1. session; 2. user; 3. the provinces drafted (with the access query inside);
# 4. the user's drafting regions; 5. the versions with their counts; 6. the user's roles;
# 7. the unread notifications of the header.
DRAFTING_LIST_QUERIES = 7


def _grow(standard: RegionalStandard, count: int) -> None:
    have = standard.routes.count()
    RecognitionRoute.objects.bulk_create(
        [
            RecognitionRoute(
                regional_standard=standard,
                code=f"A-GD-{n:03d}",
                category="A" if n % 2 else "B",
                kind="listed_achievement",
                title_zh=f"路线{n}",
                evidence_zh="证明一\n证明二",
                parameters={"list": [{"code": f"p{n}", "title_zh": "计划", "title_en": "P"}]},
            )
            for n in range(have, count)
        ]
    )
    have = standard.bonus_rules.count()
    BonusRule.objects.bulk_create(
        [
            BonusRule(
                regional_standard=standard,
                code=f"GD-{n:03d}",
                title_zh=f"加分{n}",
                condition="occupation_prefix",
                parameters={"prefixes": ["2-02-10", "2-02-07"]},
                points=1 + n % 10,
            )
            for n in range(have, count)
        ]
    )


def test_workspace_query_count_does_not_grow_with_routes_and_rules(
    gd_client: Client,
    consulted_draft: tuple[RegionalStandard, User],
    django_assert_num_queries: Any,
) -> None:
    standard, _invited = consulted_draft
    for count in (3, 30):
        _grow(standard, count)
        with django_assert_num_queries(WORKSPACE_QUERIES):
            response = gd_client.get(url("drafting_standard", standard.pk))
        html = html_of(response)
        assert len(table_rows(html, "The local recognition routes of this version")) == count
        assert len(table_rows(html, "The provincial bonus rules of this version")) == count


def test_drafting_list_query_count_does_not_grow_with_versions(
    gd_client: Client, django_assert_num_queries: Any
) -> None:
    for count in (3, 12):
        while RegionalStandard.objects.count() < count:
            _grow(make_regional_standard(), 3)
        with django_assert_num_queries(DRAFTING_LIST_QUERIES):
            response = gd_client.get(url("drafting"))
        rows = table_rows(
            html_of(response), "Regional standard versions of %(province)s", province="广东省"
        )
        assert len(rows) == count
        assert [r[3:5] for r in rows] == [["3", "3"]] * count
