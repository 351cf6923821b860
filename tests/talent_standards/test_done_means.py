"""Issue 4's "done means", as a new user would do it, through the pages and the API.

* The self-assessment (the public page and ``POST /api/v1/points/assess``) gives the right
  score and category on profiles exactly on the edges of the 2017 points table.
* A Guangdong drafter files a regional standard with a bonus rule (+5 for occupations under
  2-02-10), an industry association is consulted, the ministry approves it, the drafter
  publishes it, and from its effective date the engine adds that bonus for Guangdong jobs
  only, until the standard lapses.
* Guangdong and Shanghai agree to recognise each other's regional standards: a regional
  recognition is valid in both while the agreement applies, and in no third province.
* Refusals change nothing: a Shanghai drafter cannot touch the Guangdong draft, and bad
  answers to the assessment are field-by-field errors, never a score.

Pages are read in English (``/en/``); every HTML page goes through ``html_of`` (strict CSP).
Dates are relative to today; the clock moves with ``mock.patch`` of ``timezone.now``.
"""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient

from portal.filings import add_years
from portal.middleware import VERIFIED_KEY
from portal.models import AuditEvent, TransitionRecord, User
from portal.models.filing import FilingState
from portal.roles import Role
from talent_standards.forms_public import UNKNOWN_REGION as NOT_A_PROVINCE
from talent_standards.models import (
    BonusRule,
    RecognitionAgreement,
    RegionalStandard,
    RegionalStandardComment,
)
from talent_standards.serializers import UNKNOWN_REGION
from tests.factories import RoleHelper
from tests.pages import html_of, tr
from tests.talent_standards.conftest import region

pytestmark = pytest.mark.django_db

EN = "en"
S = FilingState
A = RecognitionAgreement.State
DAY = dt.timedelta(days=1)
ASSESS = "/en/standards/self-assessment/"
ASSESS_API = "/api/v1/points/assess"
VALIDITY_API = "/api/v1/recognition-validity/"
CATEGORY_LABELS = {
    "A": "Category A (high-end talent)",
    "B": "Category B (professional talent)",
    "C": "Category C (other foreign personnel)",
}


# --- Helpers ---------------------------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def signed_in(user: User) -> Client:
    """A browser session after the password and, for officials, the second factor."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[VERIFIED_KEY] = True
    session.save()
    return client


def api_for(user: User) -> APIClient:
    """The API from the same signed-in browser session (second factor done)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=EN)
    client.force_login(user)
    session = client.session
    session[VERIFIED_KEY] = True
    session.save()
    return client


def in_english(text: Any) -> str:
    """A message of the code (lazy) as an English page or answer says it."""
    with translation.override(EN):
        return str(text)


def at(day: dt.date) -> Any:
    """Pretend it is noon in China on ``day``."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))
    return mock.patch("django.utils.timezone.now", return_value=moment)


INLINE = {"a", "abbr", "code", "em", "span", "strong", "small", "time", "label"}


class _Texts(HTMLParser):
    """The texts of the elements of one tag and class (text nodes joined, whitespace
    collapsed), and the body rows of the first table of that class."""

    def __init__(self, html: str, tag: str, cls: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tag, self.cls = tag, cls
        self.found: list[str] = []
        self.rows: list[list[str]] = []
        self._open: list[list[Any]] = []  # [depth, parts] of each matching element open
        self._tables = 0
        self._in_body = False
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == self.tag:
            for match in self._open:
                match[0] += 1
            if self.cls in classes:
                self._open.append([1, []])
                if tag == "table":
                    self._tables += 1
        if self._tables == 1 and self._open:
            if tag == "tbody":
                self._in_body = True
            elif tag == "tr" and self._in_body:
                self.rows.append([])
            elif tag in ("td", "th") and self._in_body:
                self._cell = []
        self._space(tag)

    def _space(self, tag: str) -> None:
        """A space between blocks, as a browser shows them; none around inline elements."""
        if tag not in INLINE:
            for match in self._open:
                match[1].append(" ")

    def handle_endtag(self, tag: str) -> None:
        self._space(tag)
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        if tag == self.tag:
            for match in list(self._open):
                match[0] -= 1
                if match[0] == 0:
                    self.found.append(" ".join("".join(match[1]).split()))
                    self._open.remove(match)

    def handle_data(self, data: str) -> None:
        for match in self._open:
            match[1].append(data)
        if self._cell is not None:
            self._cell.append(data)


def texts(html: str, tag: str, cls: str) -> list[str]:
    return _Texts(html, tag, cls).found


def table_rows(html: str, cls: str) -> list[list[str]]:
    return _Texts(html, "table", cls).rows


def messages(response: Any) -> list[str]:
    """The flash messages of the page a form post ended on (redirects followed)."""
    assert response.status_code == 200, response.status_code
    assert len(response.redirect_chain) == 1, response.redirect_chain
    assert response.redirect_chain[0][1] == 302
    return texts(html_of(response), "p", "message")


def assess_api(payload: dict[str, Any], status: int = 200) -> Any:
    response = APIClient(HTTP_ACCEPT_LANGUAGE=EN).post(ASSESS_API, payload, format="json")
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def as_form(payload: dict[str, Any]) -> dict[str, Any]:
    """The API payload as the self-assessment form posts it from a browser: every field
    as text, the ticked bonus facts, no unticked box, the table in use selected."""
    form: dict[str, Any] = {
        "skill_certificate": "none",
        "occupation_code": "",
        "table": "2017",
    }
    for name, value in payload.items():
        if name == "bonuses":
            form[name] = list(value)
        elif isinstance(value, bool):
            if value:
                form[name] = "on"
        else:
            form[name] = str(value)
    return form


def assess_page(payload: dict[str, Any]) -> dict[str, Any]:
    """What the self-assessment page shows for ``payload``, posted without JavaScript."""
    response = Client().post(ASSESS, as_form(payload))
    assert response.status_code == 200
    html = html_of(response)
    points = texts(html, "td", "lines__points")
    return {
        "total": texts(html, "span", "score__number"),
        "category": texts(html, "p", "score__category"),
        "points": points[:-1],
        "footer_total": points[-1:],
        "reasons": texts(html, "span", "lines__reason"),
        "indicative": texts(html, "div", "indicative"),
        "errors": texts(html, "div", "assess-errors"),
        "html": html,
    }


INDICATIVE = [
    f"{tr('Indicative only.', EN)} "
    + tr(
        "This is not a decision. The authority decides on the evidence submitted with the "
        "application.",
        EN,
    )
]


def assert_page_agrees(payload: dict[str, Any], result: dict[str, Any]) -> None:
    """The page shows the API's total, category and every line, and says it is
    indicative."""
    page = assess_page(payload)
    assert page["total"] == [str(result["total"])]
    assert page["category"] == [CATEGORY_LABELS[result["category"]]]
    assert page["points"] == [str(line["points"]) for line in result["lines"]]
    assert page["footer_total"] == [str(result["total"])]
    assert page["reasons"] == [line["reason"] for line in result["lines"]]
    assert page["indicative"] == INDICATIVE
    assert tr(
        "By points, on table %(version)s: Category A from %(min_a)s points, Category B "
        "from %(min_b)s.",
        EN,
        version=result["table_version"],
        min_a=85,
        min_b=60,
    ) in texts(page["html"], "p", "score__rule")


def line(item: str, points: int, max_points: int, reason: str) -> dict[str, Any]:
    return {"item": item, "points": points, "max": max_points, "reason": reason}


def replaced(lines: list[dict[str, Any]], new: dict[str, Any]) -> list[dict[str, Any]]:
    return [new if old["item"] == new["item"] else old for old in lines]


# --- 1. The self-assessment on the edges of the 2017 table -------------------------------------

# Exactly 85 in Shanghai (no location points): 20 + 15 + 20 + 15 + 0 + 0 + 15 + 0 + 0.
# Salary on the edge of the top band, experience on its cap, months and age on band edges.
EDGE_A: dict[str, Any] = {
    "annual_salary_cny": 450000,
    "education": "master",
    "skill_certificate": "none",
    "experience_years": 17,
    "months_in_china_per_year": 9,
    "hsk_level": 0,
    "former_chinese_national": False,
    "chinese_taught_degree": False,
    "region": "310000",
    "age": 45,
    "bonuses": [],
}
EDGE_A_LINES = [
    line(
        "salary",
        20,
        20,
        "450,000 CNY a year (45 × 10,000) reaches the band from 45: 20 points",
    ),
    line(
        "education",
        15,
        20,
        "best of degree (master's degree) and skill certificate (no skill certificate): 15",
    ),
    line("experience", 20, 20, "17 full years: 5 at 2, +1 a further year"),
    line("months_in_china", 15, 15, "9 months a year in China reaches the band from 9: 15 points"),
    line("chinese", 0, 5, "no Chinese language level that scores"),
    line("location", 0, 10, "Shanghai does not earn location points"),
    line("age", 15, 15, "age 45, in the band 26-45: 15"),
    line("bonus", 0, 5, "no bonus fact declared"),
    line("provincial_bonus", 0, 10, "Shanghai has no regional standard in force"),
]
# Exactly 60 in Sichuan (a western region): 11 + 10 + 6 + 10 + 3 + 10 + 5 + 5 + 0.
EDGE_B: dict[str, Any] = {
    "annual_salary_cny": 150000,
    "education": "bachelor",
    "experience_years": 3,
    "months_in_china_per_year": 6,
    "hsk_level": 3,
    "region": "510000",
    "age": 56,
    "bonuses": ["fortune500"],
}
EDGE_B_LINES = [
    line(
        "salary",
        11,
        20,
        "150,000 CNY a year (15 × 10,000) reaches the band from 15: 11 points",
    ),
    line(
        "education",
        10,
        20,
        "best of degree (bachelor's degree) and skill certificate (no skill certificate): 10",
    ),
    line("experience", 6, 20, "3 full years: 5 at 2, +1 a further year"),
    line("months_in_china", 10, 15, "6 months a year in China reaches the band from 6: 10 points"),
    line("chinese", 3, 5, "HSK 3: 3"),
    line(
        "location",
        10,
        10,
        "Sichuan is a western region, a north-east old industrial base or a designated area",
    ),
    line("age", 5, 15, "age 56, in the band 56-60: 5"),
    line("bonus", 5, 5, "experience at a Fortune Global 500 company (at most 5 in all)"),
    line("provincial_bonus", 0, 10, "Sichuan has no regional standard in force"),
]
# One answer changed from a base profile: the line it changes, the total and the category.
EDGES: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any], int, str]] = [
    (
        EDGE_A,
        {"experience_years": 16},
        line("experience", 19, 20, "16 full years: 5 at 2, +1 a further year"),
        84,
        "B",
    ),
    (
        EDGE_A,
        {"experience_years": 18},
        line("experience", 20, 20, "18 full years: 5 at 2, +1 a further year, capped at 20"),
        85,
        "A",
    ),
    (
        EDGE_A,
        {"annual_salary_cny": 449999},
        line(
            "salary",
            17,
            20,
            "449,999 CNY a year (44.99 × 10,000) reaches the band from 35: 17 points",
        ),
        82,
        "B",
    ),
    (
        EDGE_A,
        {"months_in_china_per_year": "8.9"},
        line(
            "months_in_china",
            10,
            15,
            "8.9 months a year in China reaches the band from 6: 10 points",
        ),
        80,
        "B",
    ),
    (EDGE_A, {"age": 46}, line("age", 10, 15, "age 46, in the band 46-55: 10"), 80, "B"),
    (EDGE_A, {"age": 26}, line("age", 15, 15, "age 26, in the band 26-45: 15"), 85, "A"),
    (EDGE_A, {"age": 25}, line("age", 10, 15, "age 25, in the band 18-25: 10"), 80, "B"),
    (
        EDGE_B,
        {"experience_years": "2.9"},
        line("experience", 5, 20, "2 full years: 5 at 2, +1 a further year"),
        59,
        "C",
    ),
    (
        EDGE_B,
        {"annual_salary_cny": 149999},
        line(
            "salary",
            8,
            20,
            "149,999 CNY a year (14.99 × 10,000) reaches the band from 7: 8 points",
        ),
        57,
        "C",
    ),
    (EDGE_B, {"age": 60}, line("age", 5, 15, "age 60, in the band 56-60: 5"), 60, "B"),
    (EDGE_B, {"age": 61}, line("age", 0, 15, "age 61, 61 and over: 0"), 55, "C"),
    (EDGE_B, {"age": 55}, line("age", 10, 15, "age 55, in the band 46-55: 10"), 65, "B"),
    (EDGE_B, {"age": 18}, line("age", 10, 15, "age 18, in the band 18-25: 10"), 65, "B"),
]


def test_the_self_assessment_scores_boundary_profiles_exactly() -> None:
    # Before answering, the page says what the table is and what it will show.
    html = html_of(Client().get(ASSESS))
    assert texts(html, "span", "score__number") == []
    assert tr(
        "On table %(version)s: Category A from %(min_a)s points, Category B from %(min_b)s, "
        "Category C below.",
        EN,
        version="2017",
        min_a=85,
        min_b=60,
    ) in texts(html, "p", "score__rule")

    # Exactly 85: Category A by points; exactly 60: Category B.
    for payload, lines, total, category in (
        (EDGE_A, EDGE_A_LINES, 85, "A"),
        (EDGE_B, EDGE_B_LINES, 60, "B"),
    ):
        result = assess_api(payload)
        assert result == {
            "total": total,
            "category": category,
            "table_version": "2017",
            "lines": lines,
            "provincial_bonus_source": None,
        }
        assert sum(row["points"] for row in lines) == total
        assert_page_agrees(payload, result)

    # One answer across an edge moves exactly one line, and the category with it.
    for base, changes, changed, total, category in EDGES:
        payload = base | changes
        result = assess_api(payload)
        lines = replaced(EDGE_A_LINES if base is EDGE_A else EDGE_B_LINES, changed)
        assert (result["total"], result["category"], result["table_version"]) == (
            total,
            category,
            "2017",
        ), changes
        assert result["lines"] == lines, changes
        assert sum(row["points"] for row in lines) == total, changes
        assert_page_agrees(payload, result)


# --- 2. A Guangdong bonus rule, from draft to the engine ----------------------------------------

# 80 points in Guangdong without a provincial bonus (B): 17 + 15 + 8 + 15 + 5 + 0 + 15 + 5;
# with the Guangdong ICT bonus of +5 it reaches 85 (A).
ENGINEER: dict[str, Any] = {
    "annual_salary_cny": 350000,
    "education": "master",
    "experience_years": 5,
    "months_in_china_per_year": 12,
    "hsk_level": 5,
    "region": "440000",
    "age": 30,
    "bonuses": ["patents"],
    "occupation_code": "2-02-10-03",  # computer software engineering technicians
}
ENGINEER_LINES = [
    line("salary", 17, 20, "350,000 CNY a year (35 × 10,000) reaches the band from 35: 17 points"),
    line(
        "education",
        15,
        20,
        "best of degree (master's degree) and skill certificate (no skill certificate): 15",
    ),
    line("experience", 8, 20, "5 full years: 5 at 2, +1 a further year"),
    line("months_in_china", 15, 15, "12 months a year in China reaches the band from 9: 15 points"),
    line("chinese", 5, 5, "HSK 5: 5"),
    line("location", 0, 10, "Guangdong does not earn location points"),
    line("age", 15, 15, "age 30, in the band 26-45: 15"),
    line("bonus", 5, 5, "patents or other intellectual property (at most 5 in all)"),
]


def provincial(points: int, reason: str) -> dict[str, Any]:
    return line("provincial_bonus", points, 10, reason)


def engineer_lines(region_name: str, provincial_line: dict[str, Any]) -> list[dict[str, Any]]:
    location = line("location", 0, 10, f"{region_name} does not earn location points")
    return [*replaced(ENGINEER_LINES, location), provincial_line]


def test_a_guangdong_bonus_rule_is_filed_approved_and_then_applies_to_guangdong_jobs_only(
    roles: RoleHelper, gd_drafter: User, reviewer: User
) -> None:
    start = today() + 10 * DAY
    last_day = add_years(start, 4) - DAY
    desk = signed_in(gd_drafter)

    # The drafter starts version 1 of Guangdong's regional standard, valid four years.
    response = desk.post(
        "/en/standards-drafting/new/",
        {
            "title_zh": "广东省外国人才认定补充标准",
            "title_en": "Guangdong supplementary standard for foreign talent",
            "effective_from": start.isoformat(),
            "expires_on": last_day.isoformat(),
        },
        follow=True,
    )
    standard = RegionalStandard.objects.get()
    workspace = f"/en/standards-drafting/{standard.pk}/"
    assert response.redirect_chain == [(workspace, 302)]
    assert messages(response) == [
        tr(
            "Version %(version)s of the regional standard is started. Add its routes and "
            "bonus rules.",
            EN,
            version=1,
        )
    ]
    assert (standard.region.code, standard.version, standard.state) == ("440000", 1, S.DRAFT)

    # The provincial bonus rule: +5 for a job whose occupation is under 2-02-10.
    response = desk.post(
        f"{workspace}bonus/add/",
        {
            "code": "gd-ict",
            "title_zh": "从事信息和通信工程技术职业",
            "title_en": "ICT engineering occupation",
            "condition": "occupation_prefix",
            "prefixes": "2-02-10",
            "points": "5",
        },
        follow=True,
    )
    assert messages(response) == [
        tr("Bonus rule %(code)s (+%(points)d) is saved.", EN, code="GD-ICT", points=5)
    ]
    assert list(
        BonusRule.objects.filter(regional_standard=standard).values_list(
            "code", "condition", "parameters", "points"
        )
    ) == [("GD-ICT", "occupation_prefix", {"prefixes": ["2-02-10"]}, 5)]

    # A Guangdong industry association is consulted and asks a question; the drafter
    # answers it, then files the standard with the ministry.
    association = roles.user(Role.STAKEHOLDER, region_code="440000")
    deadline = today() + 7 * DAY
    response = desk.post(
        f"{workspace}consultation/",
        {"organizations": [association.organization_id], "deadline": deadline.isoformat()},
        follow=True,
    )
    assert messages(response) == [
        tr(
            "The consultation is open until %(date)s: %(n)d organizations are invited.",
            EN,
            date=deadline.isoformat(),
            n=1,
        )
    ]
    partner = signed_in(association)
    response = partner.post(
        f"/en/standards-consultations/{standard.pk}/comment/",
        {"route": "", "text": "Does the bonus cover telecom engineers (2-02-10-01)?"},
        follow=True,
    )
    assert messages(response) == [tr("Your comment is sent to the drafters.", EN)]
    comment = RegionalStandardComment.objects.get(standard=standard)
    response = desk.post(
        f"{workspace}comments/{comment.pk}/answer/",
        {"answer": "Yes: every occupation under 2-02-10 earns it."},
        follow=True,
    )
    assert messages(response) == [
        tr(
            "The answer to %(organization)s is saved.",
            EN,
            organization=association.organization.name,
        )
    ]
    response = desk.post(f"{workspace}do/submit/", follow=True)
    assert messages(response) == [
        tr(
            "Done: %(action)s. Version %(version)s is now “%(state)s”.",
            EN,
            action=tr("File with the ministry", EN),
            version=1,
            state=tr("Filed with the ministry", EN),
        )
    ]

    # The ministry reviewer reads the filing (no version in force: the rule is new),
    # starts the review and approves it.
    ministry = signed_in(reviewer)
    review = f"/en/standards-review/{standard.pk}/"
    html = html_of(ministry.get(review))
    assert tr("No version in force: all routes and bonus rules are new.", EN) in " ".join(
        html.split()
    )
    for name in ("start_review", "approve"):
        response = ministry.post(f"{review}do/{name}/")
        assert (response.status_code, response["Location"]) == (302, review)
    standard.refresh_from_db()
    assert standard.state == S.APPROVED

    # The drafter publishes it: announced today, in force from its effective date.
    response = desk.post(f"{workspace}do/publish/", follow=True)
    assert messages(response) == [
        tr(
            "Done: %(action)s. Version %(version)s is now “%(state)s”.",
            EN,
            action=tr("Publish", EN),
            version=1,
            state=tr("Published", EN),
        )
    ]
    standard.refresh_from_db()
    assert (standard.state, standard.effective_from, standard.expires_on) == (
        S.PUBLISHED,
        start,
        last_day,
    )
    assert [
        (r.transition, r.actor_id)
        for r in TransitionRecord.objects.filter(
            target_model="talent_standards.regionalstandard", target_id=str(standard.pk)
        ).order_by("at", "pk")
    ] == [
        ("open_consultation", gd_drafter.pk),
        ("submit", gd_drafter.pk),
        ("start_review", reviewer.pk),
        ("approve", reviewer.pk),
        ("publish", gd_drafter.pk),
    ]

    # Before the effective date: no provincial bonus yet, 80 points (B).
    not_yet = provincial(0, "Guangdong has no regional standard in force")
    assert assess_api(ENGINEER) == {
        "total": 80,
        "category": "B",
        "table_version": "2017",
        "lines": [*ENGINEER_LINES, not_yet],
        "provincial_bonus_source": None,
    }

    with at(start):
        # From its effective date, the public page of Guangdong shows the rule in force.
        html = html_of(Client().get("/en/standards/440000/"))
        assert table_rows(html, "bonus-rules") == [
            [
                "GD-ICT ICT engineering occupation",
                tr("The occupation is in the groups %(groups)s", EN, groups="2-02-10"),
                "+5",
            ]
        ]

        # A Guangdong software job earns the +5, named with the version that gave it: 85 (A).
        bonus = provincial(5, "GD-ICT +5 (regional standard 440000:v1)")
        guangdong = assess_api(ENGINEER)
        assert guangdong == {
            "total": 85,
            "category": "A",
            "table_version": "2017",
            "lines": [*ENGINEER_LINES, bonus],
            "provincial_bonus_source": "440000:v1",
        }
        assert_page_agrees(ENGINEER, guangdong)
        page = assess_page(ENGINEER)["html"]
        assert 'href="/en/standards/440000/v1/"' in page

        # A Guangdong job outside the group: the standard applies, the rule does not.
        call_centre = assess_api(ENGINEER | {"occupation_code": "4-04-05-03"})
        assert call_centre == {
            "total": 80,
            "category": "B",
            "table_version": "2017",
            "lines": [*ENGINEER_LINES, provincial(0, "no bonus rule of Guangdong applies")],
            "provincial_bonus_source": "440000:v1",
        }

        # The same software job in Shanghai or Beijing: no Guangdong bonus, 80 (B).
        for code, province in (("310000", "Shanghai"), ("110000", "Beijing")):
            elsewhere = assess_api(ENGINEER | {"region": code})
            assert elsewhere == {
                "total": 80,
                "category": "B",
                "table_version": "2017",
                "lines": engineer_lines(
                    province, provincial(0, f"{province} has no regional standard in force")
                ),
                "provincial_bonus_source": None,
            }
            assert_page_agrees(ENGINEER | {"region": code}, elsewhere)

    # On its last day it still applies; the day after, it has lapsed and the bonus is gone.
    with at(last_day):
        assert assess_api(ENGINEER)["lines"][-1] == bonus
    with at(last_day + DAY):
        lapsed = assess_api(ENGINEER)
        assert (lapsed["total"], lapsed["category"], lapsed["lines"][-1]) == (80, "B", not_yet)
        assert lapsed["provincial_bonus_source"] is None


# --- 3. Mutual recognition between Guangdong and Shanghai --------------------------------------


def validity(granted: str, province: str, on: dt.date) -> dict[str, Any]:
    query = {"basis": "regional", "granted_region": granted, "province": province}
    response = APIClient(HTTP_ACCEPT_LANGUAGE=EN).get(VALIDITY_API, query | {"on": on.isoformat()})
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def valid(granted: str, province: str, on: dt.date) -> bool:
    answer = validity(granted, province, on)["valid"]
    assert isinstance(answer, bool)
    return answer


def test_an_agreement_makes_a_regional_recognition_valid_in_both_provinces_and_no_third(
    gd_drafter: User, sh_drafter: User, reviewer: User
) -> None:
    start = today() + 5 * DAY
    guangdong = signed_in(gd_drafter)
    shanghai = signed_in(sh_drafter)

    # Without an agreement, a Guangdong recognition is valid in Guangdong only.
    assert validity("440000", "440000", start) == {
        "valid": True,
        "reason": "A recognition under the regional standard of Guangdong is valid in Guangdong.",
    }
    assert validity("440000", "310000", start) == {
        "valid": False,
        "reason": f"No mutual recognition agreement between Guangdong and Shanghai applies on "
        f"{start.isoformat()}: a recognition under the regional standard of Guangdong is not "
        "valid in Shanghai.",
    }

    # Guangdong proposes mutual recognition to Shanghai from a date five days ahead.
    response = guangdong.post(
        "/en/standards-agreements/propose/",
        {
            "partner": str(region("310000").pk),
            "effective_from": start.isoformat(),
            "terms_zh": "双方互认依据本省区域性标准认定的外国人才。",
            "terms_en": "Each recognises talent recognised under the other's regional standard.",
        },
        follow=True,
    )
    found = RecognitionAgreement.objects.get()
    page = f"/en/standards-agreements/{found.pk}/"
    assert response.redirect_chain == [(page, 302)]
    assert messages(response) == [
        tr(
            "Mutual recognition is proposed to %(partner)s from %(date)s. It applies once "
            "%(partner)s accepts.",
            EN,
            partner="Shanghai",
            date=start,
        )
    ]
    assert (found.proposer.code, found.partner.code, found.state) == (
        "440000",
        "310000",
        A.PROPOSED,
    )
    # A proposal is not yet an agreement.
    assert not valid("440000", "310000", start)

    # Shanghai accepts it on its page; it applies from the agreed date.
    response = shanghai.post(f"{page}do/accept/", follow=True)
    assert messages(response) == [
        tr(
            "“%(action)s” is done: %(status)s.",
            EN,
            action=tr("Accept", EN),
            status=tr("Accepted, in effect from %(date)s", EN, date=start.isoformat()),
        )
    ]
    found.refresh_from_db()
    assert (found.state, found.effective_from, found.ends_on) == (A.ACCEPTED, start, None)

    # Both provinces' public pages show it; the ministry sees it among every agreement.
    with at(start):
        for code, other, other_code in (
            ("440000", "Shanghai", "310000"),
            ("310000", "Guangdong", "440000"),
        ):
            html = html_of(Client().get(f"/en/standards/{code}/"))
            assert table_rows(html, "agreements") == [
                [other, start.isoformat(), tr("No end date", EN), "Guangdong"]
            ], code
            assert f'href="/en/standards/{other_code}/"' in html
    ministry = api_for(reviewer)
    listed = json.loads(ministry.get("/api/v1/agreements/").content)
    assert [(a["proposer"], a["partner"], a["state"]) for a in listed["results"]] == [
        ("440000", "310000", "accepted")
    ]

    # Not before it starts; from its first day, in both provinces both ways, in no third.
    assert not valid("440000", "310000", start - DAY)
    assert not valid("310000", "440000", start - DAY)
    assert validity("440000", "310000", start) == {
        "valid": True,
        "reason": f"A mutual recognition agreement between Guangdong and Shanghai applies on "
        f"{start.isoformat()}: the recognition is valid in Shanghai.",
    }
    assert valid("310000", "440000", start)
    assert valid("440000", "440000", start)
    assert valid("310000", "310000", start)
    for third in ("110000", "330000", "510000"):
        assert not valid("440000", third, start), third
        assert not valid("310000", third, start), third

    # Shanghai later withdraws it, through the API, with a last day 40 days ahead.
    last_day = today() + 40 * DAY
    api = api_for(sh_drafter)
    response = api.post(
        f"/api/v1/agreements/{found.pk}/transitions/",
        {"transition": "withdraw", "reason": "Shanghai revises its standard.", "ends_on": last_day},
        format="json",
    )
    assert response.status_code == 200, response.content
    answer = json.loads(response.content)
    assert (answer["state"], answer["effective_from"], answer["ends_on"]) == (
        "withdrawn",
        start.isoformat(),
        last_day.isoformat(),
    )

    # Valid on its last day in both; the day after, only in the granting province.
    assert valid("440000", "310000", last_day)
    assert valid("310000", "440000", last_day)
    assert not valid("440000", "310000", last_day + DAY)
    assert not valid("310000", "440000", last_day + DAY)
    assert valid("440000", "440000", last_day + DAY)
    assert not valid("440000", "110000", last_day)
    # History is not rewritten: a day inside the period still answers valid.
    assert valid("440000", "310000", start + 10 * DAY)


# --- 4. Refusals change nothing ------------------------------------------------------------------


def snapshot(standard: RegionalStandard) -> tuple[Any, ...]:
    """What a refused action must leave as it was."""
    fresh = RegionalStandard.objects.get(pk=standard.pk)
    return (
        fresh.state,
        fresh.title_zh,
        fresh.title_en,
        fresh.effective_from,
        fresh.expires_on,
        fresh.consultation_deadline,
        list(fresh.bonus_rules.values_list("code", "condition", "parameters", "points")),
        fresh.routes.count(),
        TransitionRecord.objects.filter(
            target_model="talent_standards.regionalstandard", target_id=str(fresh.pk)
        ).count(),
        AuditEvent.objects.count(),
    )


def test_refusals_change_nothing(gd_drafter: User, sh_drafter: User, reviewer: User) -> None:
    start = today() + 10 * DAY
    desk = signed_in(gd_drafter)
    desk.post(
        "/en/standards-drafting/new/",
        {
            "title_zh": "广东省外国人才认定补充标准",
            "title_en": "Guangdong supplementary standard for foreign talent",
            "effective_from": start.isoformat(),
            "expires_on": (add_years(start, 3) - DAY).isoformat(),
        },
    )
    standard = RegionalStandard.objects.get()
    workspace = f"/en/standards-drafting/{standard.pk}/"
    desk.post(
        f"{workspace}bonus/add/",
        {
            "code": "GD-ICT",
            "title_zh": "从事信息和通信工程技术职业",
            "title_en": "ICT engineering occupation",
            "condition": "occupation_prefix",
            "prefixes": "2-02-10",
            "points": "5",
        },
    )
    rule = BonusRule.objects.get(regional_standard=standard)
    # The others sign in (a sign-in is audited too) before the refusals are counted.
    other = signed_in(sh_drafter)
    api = api_for(sh_drafter)
    ministry = signed_in(reviewer)
    before = snapshot(standard)
    assert before[:2] == (S.DRAFT, "广东省外国人才认定补充标准")
    assert before[6] == [("GD-ICT", "occupation_prefix", {"prefixes": ["2-02-10"]}, 5)]

    # A Shanghai drafter finds no Guangdong draft to read, edit, extend, file or open.
    assert other.get(workspace).status_code == 404
    refused = [
        (f"{workspace}edit/", {"title_zh": "上海改写", "effective_from": start.isoformat()}),
        (
            f"{workspace}bonus/add/",
            {
                "code": "SH-ALL",
                "title_zh": "全部岗位",
                "condition": "always",
                "points": "10",
            },
        ),
        (
            f"{workspace}bonus/{rule.pk}/edit/",
            {
                "code": "GD-ICT",
                "title_zh": "从事信息和通信工程技术职业",
                "condition": "occupation_prefix",
                "prefixes": "2",
                "points": "10",
            },
        ),
        (f"{workspace}bonus/{rule.pk}/remove/", {}),
        (
            f"{workspace}consultation/",
            {"organizations": [], "deadline": (today() + 7 * DAY).isoformat()},
        ),
        (f"{workspace}do/submit/", {}),
    ]
    for address, data in refused:
        assert other.post(address, data).status_code == 404, address
    response = api.post(
        f"/api/v1/regional-standards/{standard.pk}/transitions/",
        {"transition": "submit"},
        format="json",
    )
    assert (response.status_code, json.loads(response.content)) == (
        404,
        {"code": "not_found", "message": "Not found."},
    )
    # Nor can the ministry approve a draft that was never filed, nor the public read it.
    assert ministry.post(f"/en/standards-review/{standard.pk}/do/approve/").status_code == 404
    assert Client().get("/en/standards/440000/v1/").status_code == 404
    assert snapshot(standard) == before

    # The draft gives no bonus: only a published standard in force does.
    with at(start):
        result = assess_api(ENGINEER)
    assert (result["total"], result["lines"][-1]) == (
        80,
        provincial(0, "Guangdong has no regional standard in force"),
    )

    # Bad answers to the assessment: 400 with a message for each field, never a score.
    bad = EDGE_A | {"hsk_level": 9, "age": 17, "region": "999999", "annual_salary_cny": -1}
    assert assess_api(bad, status=400) == {
        "code": "invalid",
        "message": "The request has invalid fields. Correct them and send it again.",
        "fields": {
            "annual_salary_cny": ["The salary cannot be negative."],
            "hsk_level": ["HSK levels are 0 to 6."],
            "region": [in_english(UNKNOWN_REGION)],
            "age": ["Work permits are for people of 18 and over."],
        },
    }
    wrong_types = EDGE_A | {"age": "thirty", "bonuses": ["lottery"], "education": "phd"}
    assert assess_api(wrong_types, status=400)["fields"] == {
        "age": ["A valid integer is required."],
        "bonuses": ['"lottery" is not a valid choice.'],
        "education": ['"phd" is not a valid choice.'],
    }
    # The page names each wrong answer with its field, and shows no score.
    page = assess_page(bad)
    assert page["total"] == []
    assert page["indicative"] == []
    assert texts(page["html"], "ul", "error-links") == [
        " ".join(
            [
                f"{tr('Annual salary paid in China (CNY)', EN)}: "
                f"{tr('The salary cannot be negative.', EN)}",
                f"{tr('Chinese: HSK level', EN)}: {tr('HSK levels are 0 to 6.', EN)}",
                f"{tr('Province of the job', EN)}: {in_english(NOT_A_PROVINCE)}",
                f"{tr('Age', EN)}: {tr('Work permits are for people of 18 and over.', EN)}",
            ]
        )
    ]
    assert snapshot(standard) == before
