"""The public pages of the talent standards app (no sign-in): the national standard in force
and its history, the points tables, each province's regional standard with its bonus rules
and mutual recognitions, the recognition matrix, and the points self-assessment.

Every HTML page goes through ``html_of`` (strict CSP, no inline script or style). Texts are
computed with ``gettext`` in the page's language, so the assertions hold with and without
the compiled Chinese catalogue. Regional standards and agreements are built with the
fixtures of ``conftest`` in the state each test needs, with dates relative to today.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format

from portal.filings import add_years
from portal.models import Region, User
from portal.models.filing import FilingState
from talent_standards import engine, selectors, services
from talent_standards.models import (
    NationalStandard,
    PointsTable,
    RecognitionAgreement,
    RecognitionRoute,
    RegionalStandard,
)
from tests.pages import html_of, tr
from tests.portal.test_pages import assert_landmarks, assert_landmarks_and_labels, text_of
from tests.talent_standards.conftest import agreement, make_regional_standard, wage

pytestmark = pytest.mark.django_db

ZH = "zh-hans"
EN = "en"
LANGUAGES = [ZH, EN]
S = FilingState
AS = RecognitionAgreement.State
DAY = dt.timedelta(days=1)
STYLESHEET = '<link rel="stylesheet" href="/static/css/standards.css">'
LOCAL_ROUTE = {
    "code": "A-GD-SALARY",
    "category": "A",
    "kind": "salary_amount",
    "title_zh": "年薪100万元以上",
    "title_en": "Annual salary of 1,000,000 CNY or more",
    "evidence_zh": "劳动合同\n完税证明",
    "evidence_en": "Employment contract\nTax records",
    "parameters": {"min_annual_salary_cny": "1000000"},
    "position": 10,
}
BONUS_RULES = [
    {
        "code": "GD-ICT",
        "title_zh": "信息技术岗位",
        "title_en": "ICT posts",
        "condition": "occupation_prefix",
        "parameters": {"prefixes": ["2-02-10", "2-02-11"]},
        "points": 5,
    },
    {
        "code": "GD-PAY",
        "title_zh": "高薪岗位",
        "title_en": "Well-paid posts",
        "condition": "salary_at_least",
        "parameters": {"min_annual_salary_cny": "500000"},
        "points": 7,
    },
    {
        "code": "GD-ZONE",
        "title_zh": "前海合作区",
        "title_en": "Qianhai zone",
        "condition": "declared_fact",
        "parameters": {"fact": "qianhai_employer"},
        "points": 3,
    },
]


# --- Helpers -------------------------------------------------------------------------------------


def url(name: str, *args: Any, language: str = ZH) -> str:
    with translation.override(language):
        return reverse(f"standards:{name}", args=args)


def today() -> dt.date:
    return timezone.localdate()


def get(client: Client, address: str, status: int = 200) -> str:
    response = client.get(address)
    assert response.status_code == status, (address, response.status_code)
    return html_of(response)


def in_language(language: str, value: Any) -> str:
    with translation.override(language):
        return str(value() if callable(value) else value)


def name(code: str, language: str) -> str:
    return in_language(language, lambda: Region.objects.get(code=code).name)


def money(amount: int, language: str) -> str:
    with translation.override(language):
        return number_format(amount, decimal_pos=0, force_grouping=True)


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


INLINE = {"a", "abbr", "code", "em", "span", "strong", "small", "time", "label"}


class Text(HTMLParser):
    """The text of the elements of one tag and class, or the rows of one table: text nodes
    joined as a browser shows them (a space between blocks, none inside inline elements)."""

    def __init__(self, html: str, tag: str, cls: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tag, self.cls = tag, cls
        self.found: list[str] = []
        self.rows: list[list[str]] = []
        self._open: list[list[Any]] = []
        self._cell: list[str] | None = None
        self._in_body = False
        self._skip = 0
        self.feed(html)

    def _space(self, tag: str) -> None:
        if tag not in INLINE:
            for match in self._open:
                match[1].append(" ")
            if self._cell is not None:
                self._cell.append(" ")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == self.tag:
            for match in self._open:
                match[0] += 1
            if self.cls in classes:
                self._open.append([1, []])
        if tag == "tbody" and self._open:
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = []
        self._space(tag)

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
    return Text(html, tag, cls).found


def rows(html: str, table_class: str) -> list[list[str]]:
    """The body rows of the (first) table with this class."""
    return Text(html, "table", table_class).rows


def facts(html: str) -> dict[str, str]:
    """The facts list of a page: label → value."""
    found = Text(html, "dl", "facts").found
    assert found, "no facts on the page"
    parser = _Facts()
    parser.feed(html)
    return parser.facts


class _Facts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts: dict[str, str] = {}
        self._depth = 0
        self._key: str | None = None
        self._buffer: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "dl" and "facts" in (dict(attrs).get("class") or "").split():
            self._depth = 1
        elif tag in ("dt", "dd") and self._depth:
            self._buffer = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "dl" and self._depth:
            self._depth = 0
        elif tag in ("dt", "dd") and self._buffer is not None:
            text = " ".join("".join(self._buffer).split())
            if tag == "dt":
                self._key = text
            elif self._key is not None and self._key not in self.facts:
                self.facts[self._key] = text
            self._buffer = None

    def handle_data(self, data: str) -> None:
        if self._buffer is not None:
            self._buffer.append(data)


def route_text(
    route: RecognitionRoute,
    how: str,
    language: str,
    *,
    listed: list[str] | None = None,
    max_age: int | None = None,
) -> str:
    with translation.override(language):
        title, evidence = route.title, route.evidence
    parts = [route.code, title, tr("How it is evaluated", language), how, *(listed or [])]
    if max_age is not None:
        parts += [tr("Age limit", language), tr("%(age)s or under", language, age=max_age)]
    parts += [tr("Evidence", language), *evidence]
    return " ".join(" ".join(parts).split())


def national(version: str) -> NationalStandard:
    return NationalStandard.objects.get(version=version)


def route(standard: NationalStandard | RegionalStandard, code: str) -> RecognitionRoute:
    return standard.routes.get(code=code)


def in_force(region_code: str = "440000", **kwargs: Any) -> RegionalStandard:
    start = kwargs.pop("start", today() - 30 * DAY)
    return make_regional_standard(
        region_code,
        state=kwargs.pop("state", S.PUBLISHED),
        effective_from=start,
        expires_on=kwargs.pop("expires_on", add_years(start, 3) - DAY),
        **kwargs,
    )


@pytest.fixture
def drafter(gd_drafter: User) -> User:
    return gd_drafter


# --- Every page, both languages ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_in_each_language(client: Client, language: str) -> None:
    standard = in_force("440000", routes=[LOCAL_ROUTE], bonus_rules=BONUS_RULES)
    pages = {
        url("standards", language=language): tr("Talent recognition standards", language),
        url("standards_history", language=language): tr(
            "National standard: every version", language
        ),
        url("national_standard", "2017", language=language): in_language(
            language, lambda: national("2017").title
        ),
        url("points_table", "2017", language=language): tr(
            "Points table %(version)s", language, version="2017"
        ),
        url("points_table", "2016-pilot", language=language): tr("Kept for history.", language),
        url("province_standard", "440000", language=language): tr(
            "Talent standards of %(province)s", language, province=name("440000", language)
        ),
        url("province_standard", "650000", language=language): tr(
            "Talent standards of %(province)s", language, province=name("650000", language)
        ),
        url("regional_standard", "440000", 1, language=language): in_language(
            language, lambda: standard.title
        ),
        url("assess", language=language): tr("Points self-assessment", language),
    }
    for address, text in pages.items():
        assert address.startswith(f"/{language}/standards/")
        html = get(client, address)
        assert f'<html lang="{language}">' in html
        assert text in text_of(html), address
        assert_landmarks(html)
        assert STYLESHEET in html


def test_the_addresses_are_stable() -> None:
    assert url("standards") == "/zh-hans/standards/"
    assert url("standards_history") == "/zh-hans/standards/national/"
    assert url("national_standard", "2025") == "/zh-hans/standards/national/2025/"
    assert url("points_table", "2016-pilot") == "/zh-hans/standards/points/2016-pilot/"
    assert url("province_standard", "440000") == "/zh-hans/standards/440000/"
    assert url("regional_standard", "440000", 3) == "/zh-hans/standards/440000/v3/"
    assert url("assess", language=EN) == "/en/standards/self-assessment/"
    assert url("assess_result", language=EN) == "/en/standards/self-assessment/result/"


def test_pages_need_no_sign_in_and_refuse_writes(client: Client) -> None:
    in_force("440000")
    for address in (
        url("standards"),
        url("standards_history"),
        url("national_standard", "2025"),
        url("points_table", "2017"),
        url("province_standard", "440000"),
        url("regional_standard", "440000", 1),
    ):
        assert client.get(address).status_code == 200, address
        assert client.head(address).status_code == 200, address
        assert client.post(address).status_code == 405, address
    assert client.get(url("assess")).status_code == 200
    assert client.get(url("assess_result")).status_code == 405


@pytest.mark.parametrize(
    "address",
    [
        "/zh-hans/standards/national/1999/",
        "/zh-hans/standards/points/1999/",
        "/zh-hans/standards/990000/",
        "/zh-hans/standards/440100/",
        "/zh-hans/standards/440000/v1/",
        "/zh-hans/standards/440000/v0/",
    ],
)
def test_unknown_is_404(client: Client, address: str) -> None:
    assert client.get(address).status_code == 404


# --- The national standard in force --------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_standards_page_shows_the_national_standard_in_force(client: Client, language: str) -> None:
    html = get(client, url("standards", language=language))
    current = national("2025")

    assert facts(html) == {
        tr("Title", language): in_language(language, lambda: current.title),
        tr("Version", language): "2025",
        tr("In force from", language): "2025-10-01",
        tr("In force until", language): tr("No end date set", language),
        tr("Points table", language): "2017",
    }
    assert in_language(language, lambda: current.summary) in text_of(html)
    assert texts(html, "h3", "route-group__title") == [
        tr("Category A (high-end talent)", language),
        tr("Category B (professional talent)", language),
    ]
    shown = texts(html, "li", "route")
    assert [s.split()[0] for s in shown] == [
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
    by_code = {s.split()[0]: s for s in shown}
    assert by_code["A-SALARY"] == route_text(
        route(current, "A-SALARY"),
        tr(
            "Annual salary at least %(multiple)s × the province's average wage of the "
            "previous year",
            language,
            multiple="6",
        ),
        language,
    )
    assert by_code["A-POINTS"] == route_text(
        route(current, "A-POINTS"),
        tr("At least %(points)d points (table %(version)s)", language, points=85, version="2017"),
        language,
    )
    assert by_code["B-POINTS"] == route_text(
        route(current, "B-POINTS"),
        tr("At least %(points)d points (table %(version)s)", language, points=60, version="2017"),
        language,
        max_age=60,
    )
    assert by_code["B-DEGREE"] == route_text(
        route(current, "B-DEGREE"),
        tr(
            "%(education)s or higher and at least %(years)s years of relevant experience",
            language,
            education=capitalized(tr("a bachelor's degree", language)),
            years=2,
        ),
        language,
        max_age=60,
    )
    assert by_code["A-YOUNG"] == route_text(
        route(current, "A-YOUNG"),
        tr("Assessed by an officer on the evidence", language),
        language,
        max_age=40,
    )
    achievements = route(current, "A-ACHIEVEMENT")
    with translation.override(language):
        listed = [
            (item["title_en"] if language == EN else item["title_zh"])
            for item in achievements.parameters["list"]
        ]
    assert by_code["A-ACHIEVEMENT"] == route_text(
        achievements,
        tr(
            "One of the achievements or programmes listed; an officer confirms the evidence",
            language,
        ),
        language,
        listed=listed,
    )
    assert f'href="{url("standards_history", language=language)}"' in html
    assert f'href="{url("national_standard", "2025", language=language)}"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_standards_page_shows_the_points_table_in_use(client: Client, language: str) -> None:
    html = get(client, url("standards", language=language))

    assert rows(html, "points-summary") == [
        [
            "1",
            in_language(
                language, lambda: PointsTable.objects.get(version="2017").items.get(number=1).title
            ),
            "20",
        ],
        ["2", tr_item("education", language), "20"],
        ["3", tr_item("experience", language), "20"],
        ["4", tr_item("months_in_china", language), "15"],
        ["5", tr_item("chinese", language), "5"],
        ["6", tr_item("location", language), "10"],
        ["7", tr_item("age", language), "15"],
        ["8", tr_item("bonus", language), "5"],
        ["9", tr_item("provincial_bonus", language), "10"],
    ]
    assert tr(
        "Version %(version)s. Category A from %(a)s points, Category B from %(b)s points, "
        "Category C below. Each item scores the worker's best single line, capped at its "
        "maximum.",
        language,
        version="2017",
        a=85,
        b=60,
    ) in text_of(html)
    assert f'href="{url("points_table", "2017", language=language)}"' in html
    assert f'href="{url("points_table", "2016-pilot", language=language)}"' in html
    assert tr("Table %(version)s (kept for history)", language, version="2016-pilot") in text_of(
        html
    )


def tr_item(key: str, language: str, version: str = "2017") -> str:
    return in_language(
        language, lambda: PointsTable.objects.get(version=version).items.get(key=key).title
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_history_lists_every_version_with_its_dates(client: Client, language: str) -> None:
    html = get(client, url("standards_history", language=language))

    assert rows(html, "versions") == [
        [
            tr("Version %(version)s", language, version="2025"),
            in_language(language, lambda: national("2025").title),
            tr("In force", language),
            "2025-10-01",
            "-",
            "2017",
        ],
        [
            tr("Version %(version)s", language, version="2017"),
            in_language(language, lambda: national("2017").title),
            tr("Replaced", language),
            "2017-04-01",
            "2025-09-30",
            "2017",
        ],
    ]
    for version in ("2025", "2017"):
        assert f'href="{url("national_standard", version, language=language)}"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_replaced_version_keeps_its_page_with_its_own_routes(
    client: Client, language: str
) -> None:
    older = get(client, url("national_standard", "2017", language=language))
    newer = get(client, url("national_standard", "2025", language=language))

    assert tr("This version has been replaced.", language) in text_of(older)
    assert tr(
        "It applied from %(start)s to %(end)s and is kept here for reference.",
        language,
        start="2017-04-01",
        end="2025-09-30",
    ) in text_of(older)
    assert f'href="{url("national_standard", "2025", language=language)}"' in older
    assert tr("Read version %(version)s, in force.", language, version="2025") in text_of(older)
    assert tr("This version has been replaced.", language) not in text_of(newer)
    abel = "Abel Prize" if language == EN else "阿贝尔奖"
    assert abel in text_of(newer)
    assert abel not in text_of(older)
    assert facts(older)[tr("In force until", language)] == "2025-09-30"


# --- The points tables ---------------------------------------------------------------------------


def bands_cell(pairs: list[tuple[str, str]]) -> str:
    return " ".join(f"{condition}: {points}" for condition, points in pairs)


@pytest.mark.parametrize("language", LANGUAGES)
def test_points_table_shows_every_item_with_its_bands_in_words(
    client: Client, language: str
) -> None:
    html = get(client, url("points_table", "2017", language=language))
    table = {row[0]: row for row in rows(html, "points-table")}

    def m(amount: int) -> str:
        return money(amount, language)

    assert table["1"] == [
        "1",
        tr_item("salary", language),
        "20",
        bands_cell(
            [
                (tr("%(min)s CNY or more", language, min=m(450000)), "20"),
                (tr("%(min)s to under %(max)s CNY", language, min=m(350000), max=m(450000)), "17"),
                (tr("%(min)s to under %(max)s CNY", language, min=m(250000), max=m(350000)), "14"),
                (tr("%(min)s to under %(max)s CNY", language, min=m(150000), max=m(250000)), "11"),
                (tr("%(min)s to under %(max)s CNY", language, min=m(70000), max=m(150000)), "8"),
                (tr("%(min)s to under %(max)s CNY", language, min=m(50000), max=m(70000)), "5"),
                (tr("under %(min)s CNY", language, min=m(50000)), "0"),
            ]
        ),
    ]
    assert table["3"][3] == bands_cell(
        [
            (tr("under %(years)d years", language, years=2), "0"),
            (tr("%(years)d full years", language, years=2), "5"),
            (tr("each further full year", language), "+1"),
            (tr("%(years)d full years or more (the cap)", language, years=17), "20"),
        ]
    )
    assert table["4"][3] == bands_cell(
        [
            (tr("%(min)s months or more", language, min="9"), "15"),
            (tr("%(min)s to under %(max)s months", language, min="6", max="9"), "10"),
            (tr("%(min)s to under %(max)s months", language, min="3", max="6"), "5"),
            (tr("under %(min)s months", language, min="3"), "0"),
        ]
    )
    assert table["5"][3] == bands_cell(
        [
            (
                " / ".join(
                    [
                        "HSK 5",
                        "HSK 6",
                        tr("former Chinese national", language),
                        tr("degree taught in Chinese", language),
                    ]
                ),
                "5",
            ),
            ("HSK 4", "4"),
            ("HSK 3", "3"),
            ("HSK 2", "2"),
            ("HSK 1", "1"),
            (tr("anything else", language), "0"),
        ]
    )
    location = [name(c, language) for c in ("150000", "210000", "220000", "230000", "450000")]
    assert table["6"][3].startswith(
        bands_cell(
            [
                (
                    tr(
                        "a western region, a north-east old industrial base or a designated "
                        "poverty area",
                        language,
                    ),
                    "10",
                ),
                (tr("elsewhere", language), "0"),
            ]
        )
        + " "
        + tr("Provinces that earn these points:", language)
        + " "
        + ", ".join(location)
    )
    assert name("510000", language) in table["6"][3]
    assert name("310000", language) not in table["6"][3]
    assert table["7"][3] == bands_cell(
        [
            (tr("under %(age)d", language, age=18), tr("not eligible", language)),
            (tr("%(min)d to %(max)d", language, min=18, max=25), "10"),
            (tr("%(min)d to %(max)d", language, min=26, max=45), "15"),
            (tr("%(min)d to %(max)d", language, min=46, max=55), "10"),
            (tr("%(min)d to %(max)d", language, min=56, max=60), "5"),
            (tr("%(min)d and over", language, min=61), "0"),
        ]
    )
    assert table["8"][3].endswith(
        tr("At most %(max)d points in all, however many facts hold.", language, max=5)
    )
    assert table["9"][3] == (
        bands_cell(
            [
                (
                    tr(
                        "the bonus rules of the province's regional standard in force that apply",
                        language,
                    ),
                    tr("0 to %(max)d", language, max=10),
                )
            ]
        )
        + " "
        + tr(
            "The points of every rule that applies add up, capped at %(max)d. Each province's "
            "rules are on its page.",
            language,
            max=10,
        )
    )
    assert facts(html)[tr("Most points possible", language)] == "120"
    assert tr("Kept for history.", language) not in text_of(html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_2016_pilot_is_kept_for_history(client: Client, language: str) -> None:
    html = get(client, url("points_table", "2016-pilot", language=language))
    table = {row[0]: row for row in rows(html, "points-table")}

    assert tr("Kept for history.", language) in text_of(html)
    assert tr(
        "This table was used from %(start)s to %(end)s. Scores made with it name it, so they "
        "stay explainable.",
        language,
        start="2016-11-01",
        end="2017-03-31",
    ) in text_of(html)
    assert f'href="{url("points_table", "2017", language=language)}"' in html
    assert table["3"][2] == "15"
    assert table["3"][3].endswith(
        f"{tr('%(years)d full years or more (the cap)', language, years=12)}: 15"
    )
    assert table["5"][2] == "10"


# --- Provinces and the recognition matrix --------------------------------------------------------


@pytest.fixture
def recognition(drafter: User) -> dict[str, RecognitionAgreement]:
    t = today()
    return {
        "gd_sh": agreement("440000", "310000", effective_from=t - 100 * DAY, by=drafter),
        "sh_hi": agreement("310000", "460000", effective_from=t - 50 * DAY, by=drafter),
        "gd_zj_ended": agreement(
            "440000",
            "330000",
            effective_from=t - 400 * DAY,
            ends_on=t - 20 * DAY,
            state=AS.WITHDRAWN,
            by=drafter,
        ),
        "gd_bj_later": agreement("440000", "110000", effective_from=t + 30 * DAY, by=drafter),
        "gd_js_proposed": agreement(
            "440000", "320000", effective_from=t + 5 * DAY, state=AS.PROPOSED, by=drafter
        ),
        "gd_hi_declined": agreement(
            "440000", "460000", effective_from=t + 5 * DAY, state=AS.DECLINED, by=drafter
        ),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_standards_page_lists_every_province_with_its_standard_in_force(
    client: Client, language: str, recognition: dict[str, RecognitionAgreement]
) -> None:
    guangdong = in_force("440000")
    in_force("310000", state=S.DRAFT)  # not public
    start = guangdong.effective_from

    html = get(client, url("standards", language=language))
    table = {row[0]: row for row in rows(html, "provinces")}

    assert len(table) == 31
    assert table[name("440000", language)] == [
        name("440000", language),
        tr("Version %(version)s", language, version=1),
        f"{start.isoformat()} – {(add_years(start, 3) - DAY).isoformat()}",
        name("310000", language),
    ]
    assert table[name("310000", language)] == [
        name("310000", language),
        tr("None", language),
        "-",
        f"{name('460000', language)}, {name('440000', language)}",
    ]
    assert table[name("650000", language)] == [
        name("650000", language),
        tr("None", language),
        "-",
        "-",
    ]
    assert tr(
        "On %(day)s, %(n)s province has a regional standard in force. Elsewhere only the "
        "national standard applies.",
        language,
        day=today().isoformat(),
        n=1,
    ) in text_of(html)
    assert f'href="{url("regional_standard", "440000", 1, language=language)}"' in html
    assert f'href="{url("province_standard", "650000", language=language)}"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_recognition_matrix_shows_who_recognises_whom_today(
    client: Client, language: str, recognition: dict[str, RecognitionAgreement]
) -> None:
    html = get(client, url("standards", language=language))
    since_gd_sh = tr("since %(day)s", language, day=(today() - 100 * DAY).isoformat())
    since_sh_hi = tr("since %(day)s", language, day=(today() - 50 * DAY).isoformat())
    yes, no, own = tr("Yes", language), tr("No", language), tr("own standard", language)

    # Provinces with an agreement in effect today, in code order: Shanghai, Guangdong, Hainan.
    assert rows(html, "matrix") == [
        [name("310000", language), own, f"{yes} {since_gd_sh}", f"{yes} {since_sh_hi}"],
        [name("440000", language), f"{yes} {since_gd_sh}", own, no],
        [name("460000", language), f"{yes} {since_sh_hi}", no, own],
    ]
    pairs = texts(html, "ul", "pairs")[0]
    assert pairs == " ".join(
        [
            f"{name('310000', language)} ↔{tr('and', language)} {name('460000', language)}:",
            tr(
                "from %(start)s, no end date",
                language,
                start=(today() - 50 * DAY).isoformat(),
            ),
            f"{name('440000', language)} ↔{tr('and', language)} {name('310000', language)}:",
            tr(
                "from %(start)s, no end date",
                language,
                start=(today() - 100 * DAY).isoformat(),
            ),
        ]
    )
    # The ended, later, proposed and declined agreements are not in the matrix.
    assert name("330000", language) not in rows(html, "matrix")[0]


def test_matrix_says_when_no_agreement_is_in_effect(client: Client) -> None:
    html = get(client, url("standards"))

    assert tr("No mutual recognition agreement is in effect today.") in text_of(html)
    assert 'class="table matrix"' not in html


# Queries of the standards page for a visitor (no session):
#   1-2. the national standard in force with its points table, then its routes;
#   3-4. the points tables, then their items;
#   5. the regional standards in force with their provinces;
#   6. the agreements in effect with both provinces;
#   7. the 31 provinces.
STANDARDS_QUERIES = 7


@pytest.mark.parametrize("more", [False, True])
def test_standards_page_query_count_does_not_grow(
    client: Client, django_assert_num_queries: Any, drafter: User, more: bool
) -> None:
    in_force("440000", routes=[LOCAL_ROUTE])
    agreement("440000", "310000", effective_from=today(), by=drafter)
    if more:
        for code in ("310000", "330000", "460000", "110000", "510000"):
            in_force(code, routes=[LOCAL_ROUTE], bonus_rules=BONUS_RULES)
        for code in ("330000", "460000", "110000", "510000"):
            agreement("310000", code, effective_from=today() - DAY, by=drafter)

    with django_assert_num_queries(STANDARDS_QUERIES):
        response = client.get(url("standards"))

    assert response.status_code == 200


# --- A province's page ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_province_page_shows_its_standard_bonus_rules_and_agreements(
    client: Client, language: str, recognition: dict[str, RecognitionAgreement]
) -> None:
    t = today()
    first = make_regional_standard(
        "440000",
        version=1,
        state=S.PUBLISHED,
        effective_from=t - 500 * DAY,
        expires_on=add_years(t - 500 * DAY, 3) - DAY,
        superseded_on=t - 30 * DAY,
    )
    current = in_force(
        "440000", version=2, routes=[LOCAL_ROUTE], bonus_rules=BONUS_RULES, start=t - 30 * DAY
    )
    make_regional_standard("440000", version=3)  # a draft: not public
    first.refresh_from_db()

    html = get(client, url("province_standard", "440000", language=language))

    assert facts(html) == {
        tr("Title", language): in_language(language, lambda: current.title),
        tr("Version", language): "2",
        tr("Valid", language): f"{(t - 30 * DAY).isoformat()} – "
        f"{(add_years(t - 30 * DAY, 3) - DAY).isoformat()}",
        tr("Published", language): current.published_at.astimezone(timezone.get_current_timezone())
        .date()
        .isoformat(),
    }
    local = route(current, "A-GD-SALARY")
    assert texts(html, "li", "route") == [
        route_text(
            local,
            tr("Annual salary at least %(amount)s CNY", language, amount=money(1000000, language)),
            language,
        )
    ]
    assert tr(
        "Item 9 of the points table. The points of every rule that applies to a job in the "
        "province add up; the provincial bonus is capped at %(max)s points.",
        language,
        max=10,
    ) in text_of(html)

    def rule_title(code: str) -> str:
        rule = current.bonus_rules.get(code=code)
        return in_language(language, lambda: rule.title)

    assert rows(html, "bonus-rules") == [
        [
            f"GD-ICT {rule_title('GD-ICT')}",
            tr("The occupation is in the groups %(groups)s", language, groups="2-02-10, 2-02-11"),
            "+5",
        ],
        [
            f"GD-PAY {rule_title('GD-PAY')}",
            tr("Annual salary at least %(amount)s CNY", language, amount=money(500000, language)),
            "+7",
        ],
        [
            f"GD-ZONE {rule_title('GD-ZONE')}",
            tr(
                "Declared by the applicant and confirmed by an officer: %(fact)s",
                language,
                fact="qianhai_employer",
            ),
            "+3",
        ],
    ]
    agreement_rows = Text(html, "table", "agreements").rows
    no_end = tr("No end date", language)
    ended = (t - 20 * DAY).isoformat()
    assert agreement_rows == [
        # In effect.
        [name("310000", language), (t - 100 * DAY).isoformat(), no_end, name("440000", language)],
        # Starting later.
        [name("110000", language), (t + 30 * DAY).isoformat(), no_end, name("440000", language)],
        # Ended: withdrawn, with its last day.
        [
            name("330000", language),
            (t - 400 * DAY).isoformat(),
            f"{ended} {tr('Withdrawn', language)} {tr('ends on %(day)s', language, day=ended)}",
            name("440000", language),
        ],
    ]
    assert name("320000", language) not in text_of(html)  # a proposal is not public
    assert rows(html, "versions") == [
        [
            tr("Version %(version)s", language, version=2),
            in_language(language, lambda: current.title),
            tr("In force", language),
            f"{(t - 30 * DAY).isoformat()} – {(add_years(t - 30 * DAY, 3) - DAY).isoformat()}",
        ],
        [
            tr("Version %(version)s", language, version=1),
            in_language(language, lambda: first.title),
            tr("Superseded", language)
            + " "
            + tr("since %(day)s", language, day=(t - 30 * DAY).isoformat()),
            f"{(t - 500 * DAY).isoformat()} – {(t - 31 * DAY).isoformat()}",
        ],
    ]
    assert f'href="{url("regional_standard", "440000", 3, language=language)}"' not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_province_without_a_standard_says_so(client: Client, language: str) -> None:
    in_force("650000", state=S.SUBMITTED)

    html = get(client, url("province_standard", "650000", language=language))
    province = name("650000", language)

    assert tr(
        "%(province)s has no regional standard in force: only the national standard applies "
        "there, and jobs in the province earn no provincial bonus.",
        language,
        province=province,
    ) in text_of(html)
    assert tr(
        "%(province)s has not published a regional standard.", language, province=province
    ) in text_of(html)
    assert tr("No agreement is in effect today.", language) in text_of(html)
    assert 'class="routes"' not in html


# Queries of a province's page for a visitor:
#   1. the province;
#   2. its published versions;
#   3-5. the version in force, its routes, its bonus rules;
#   6. its agreements with both provinces.
PROVINCE_QUERIES = 6


@pytest.mark.parametrize("more", [False, True])
def test_province_page_query_count_does_not_grow(
    client: Client, django_assert_num_queries: Any, drafter: User, more: bool
) -> None:
    t = today()
    in_force("440000", routes=[LOCAL_ROUTE], bonus_rules=BONUS_RULES)
    agreement("440000", "310000", effective_from=t, by=drafter)
    if more:
        for n in range(2, 6):
            make_regional_standard(
                "440000",
                version=n,
                state=S.PUBLISHED,
                effective_from=t + 2000 * n * DAY,
                expires_on=t + 2000 * n * DAY + 1200 * DAY,
            )
        for code in ("330000", "460000", "110000", "510000"):
            agreement(code, "440000", effective_from=t - DAY, by=drafter)

    with django_assert_num_queries(PROVINCE_QUERIES):
        response = client.get(url("province_standard", "440000"))

    assert response.status_code == 200


# --- A version's page ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_version_page_shows_its_routes_and_bonus_rules(client: Client, language: str) -> None:
    current = in_force("440000", routes=[LOCAL_ROUTE], bonus_rules=BONUS_RULES)

    html = get(client, url("regional_standard", "440000", 1, language=language))

    shown = facts(html)
    assert shown[tr("Province", language)] == f"{name('440000', language)} 440000"
    assert shown[tr("Version", language)] == "1"
    assert shown[tr("State", language)] == tr("In force", language)
    assert shown[tr("Valid until", language)] == current.expires_on.isoformat()
    address = url("regional_standard", "440000", 1, language=language)
    assert shown[tr("Stable address", language)] == f"http://testserver{address}"
    assert [row[2] for row in rows(html, "bonus-rules")] == ["+5", "+7", "+3"]
    assert [t.split()[0] for t in texts(html, "li", "route")] == ["A-GD-SALARY"]
    assert 'role="note"' not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_old_versions_keep_their_address_marked_with_a_link_to_the_one_in_force(
    client: Client, language: str
) -> None:
    t = today()
    make_regional_standard(
        "440000",
        version=1,
        state=S.SUPERSEDED,
        effective_from=t - 500 * DAY,
        expires_on=t + 500 * DAY,
        superseded_on=t - 30 * DAY,
        bonus_rules=BONUS_RULES[:1],
    )
    in_force("440000", version=2, start=t - 30 * DAY)
    make_regional_standard(
        "310000",
        version=1,
        state=S.LAPSED,
        effective_from=t - 1200 * DAY,
        expires_on=t - 5 * DAY,
    )
    withdrawn = make_regional_standard("330000", version=1, state=S.WITHDRAWN)
    RegionalStandard.objects.filter(pk=withdrawn.pk).update(
        published_at=timezone.now(), withdrawn_at=timezone.now()
    )
    in_force("460000", version=1, start=t + 20 * DAY)

    superseded = text_of(get(client, url("regional_standard", "440000", 1, language=language)))
    lapsed = text_of(get(client, url("regional_standard", "310000", 1, language=language)))
    gone = text_of(get(client, url("regional_standard", "330000", 1, language=language)))
    later = text_of(get(client, url("regional_standard", "460000", 1, language=language)))

    assert tr("This version has been superseded.", language) in superseded
    assert tr("Read version %(version)s, in force.", language, version=2) in superseded
    assert tr("This version has lapsed.", language) in lapsed
    assert (
        tr(
            "It was valid until %(day)s and was not renewed. It is kept here for reference.",
            language,
            day=(t - 5 * DAY).isoformat(),
        )
        in lapsed
    )
    assert tr("This version has been withdrawn.", language) in gone
    assert tr("Published, not yet in force.", language) in later
    assert tr("It takes effect on %(day)s.", language, day=(t + 20 * DAY).isoformat()) in later


@pytest.mark.parametrize(
    "state", [S.DRAFT, S.CONSULTATION, S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED]
)
def test_unpublished_versions_are_404(client: Client, state: str) -> None:
    in_force("440000", state=state)

    assert client.get(url("regional_standard", "440000", 1)).status_code == 404
    assert url("regional_standard", "440000", 1) not in get(
        client, url("province_standard", "440000")
    )


# --- The self-assessment -------------------------------------------------------------------------

# 85 points on the 2017 table in Sichuan: 14 + 15 + 8 + 15 + 3 + 10 + 15 + 5 + 0.
A_85 = {
    "region": "510000",
    "annual_salary_cny": "250000",
    "months_in_china_per_year": "12",
    "occupation_code": "",
    "age": "30",
    "education": "master",
    "skill_certificate": "none",
    "experience_years": "5",
    "hsk_level": "3",
    "bonuses": ["patents"],
    "table": "2017",
}
# 60 points in Shanghai: 11 + 10 + 5 + 10 + 4 + 0 + 15 + 5 + 0.
B_60 = {
    "region": "310000",
    "annual_salary_cny": "150000",
    "months_in_china_per_year": "6",
    "age": "30",
    "education": "bachelor",
    "skill_certificate": "none",
    "experience_years": "2",
    "hsk_level": "4",
    "bonuses": ["fortune500"],
}


def score_of(html: str) -> tuple[str, str]:
    number = texts(html, "span", "score__number")[0]
    category = texts(html, "p", "score__category")[0]
    return number, category


@pytest.mark.parametrize("language", LANGUAGES)
def test_assess_form_updates_in_place_with_htmx_and_labels_every_control(
    client: Client, language: str
) -> None:
    html = get(client, url("assess", language=language))

    assert_landmarks_and_labels(html)
    assert f'hx-post="{url("assess_result", language=language)}"' in html
    assert 'hx-trigger="change, input delay:400ms"' in html
    assert 'hx-target="#assessment-result"' in html
    assert f'method="post" action="{url("assess", language=language)}"' in html
    assert 'id="assessment-result" aria-live="polite"' in html
    for field in (
        "annual_salary_cny",
        "education",
        "skill_certificate",
        "experience_years",
        "months_in_china_per_year",
        "hsk_level",
        "former_chinese_national",
        "chinese_taught_degree",
        "region",
        "age",
        "bonuses",
        "occupation_code",
        "table",
    ):
        assert f'name="{field}"' in html, field
    assert html.count('name="bonuses"') == 4
    assert html.count('<option value="') == (
        4 + 4 + 7 + 1 + 31 + 2  # education, skill, HSK 0-6, "choose", provinces, tables
    )
    assert '<option value="2017" selected>' in html
    assert tr("%(version)s (in use)", language, version="2017") in text_of(html)
    assert tr("%(version)s (kept for history)", language, version="2016-pilot") in text_of(html)
    assert tr(
        "Answer the questions: your score, your category and the routes you meet appear here.",
        language,
    ) in text_of(html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_javascript_the_page_comes_back_with_the_result(
    client: Client, language: str
) -> None:
    response = client.post(url("assess", language=language), A_85)
    html = html_of(response)

    assert response.status_code == 200
    assert "<html" in html
    assert score_of(html) == ("85", tr("Category A (high-end talent)", language))
    assert tr("Indicative only.", language) in text_of(html)
    assert tr(
        "This is not a decision. The authority decides on the evidence submitted with the "
        "application.",
        language,
    ) in text_of(html)
    # The answers stay in the form.
    assert 'name="annual_salary_cny" value="250000"' in html


@pytest.mark.parametrize(
    ("payload", "total", "category"),
    [
        (A_85, "85", "Category A (high-end talent)"),
        (A_85 | {"hsk_level": "2"}, "84", "Category B (professional talent)"),
        (B_60, "60", "Category B (professional talent)"),
        (B_60 | {"hsk_level": "3"}, "59", "Category C (other foreign personnel)"),
    ],
)
def test_boundary_profiles(
    client: Client, payload: dict[str, Any], total: str, category: str
) -> None:
    html = html_of(client.post(url("assess_result", language=EN), payload))

    assert score_of(html) == (total, category)


@pytest.mark.parametrize("language", LANGUAGES)
def test_result_fragment_shows_every_line_and_the_routes(client: Client, language: str) -> None:
    response = client.post(url("assess_result", language=language), A_85)
    html = html_of(response)

    assert "<html" not in html
    assert "<body" not in html
    # The summary beside the form's button, swapped out of band.
    assert '<p id="assess-summary" class="assess-bar__summary" hx-swap-oob="true">' in html
    summary = texts(html, "p", "assess-bar__summary")[0]
    assert summary == f"85 / 120 · {tr('Category %(category)s', language, category='A')}"
    lines = rows(html, "lines")
    assert [row[1:] for row in lines] == [
        ["14", "20"],
        ["15", "20"],
        ["8", "20"],
        ["15", "15"],
        ["3", "5"],
        ["10", "10"],
        ["15", "15"],
        ["5", "5"],
        ["0", "10"],
    ]
    assert lines[0][0].startswith(f"1. {tr_item('salary', language)}")
    assert lines[8][0] == f"9. {tr_item('provincial_bonus', language)} " + tr(
        "%(region)s has no regional standard in force", language, region=name("510000", language)
    )
    assert tr(
        "By points, on table %(version)s: Category A from %(min_a)s points, Category B from "
        "%(min_b)s.",
        language,
        version="2017",
        min_a=85,
        min_b=60,
    ) in text_of(html)
    results = texts(html, "li", "route-result")
    met = tr("Met", language)
    not_met = tr("Not met", language)
    confirm = tr("Needs an officer's confirmation", language)
    statuses = [
        r.split(" " + tr("Category %(category)s", language, category="A"))[0] for r in results[:6]
    ]
    assert statuses == [not_met, not_met, confirm, not_met, not_met, met]
    assert results[5].endswith(
        tr(
            "%(total)d points against %(threshold)d (table %(version)s)",
            language,
            total=85,
            threshold=85,
            version="2017",
        )
    )
    assert tr(
        "A route of Category %(category)s is met on these answers.", language, category="A"
    ) in text_of(html)
    assert tr(
        "%(province)s has no regional standard in force: no local route and no provincial bonus.",
        language,
        province=name("510000", language),
    ) in text_of(html)


def test_salary_routes_need_confirmation_without_a_recorded_wage(client: Client) -> None:
    without = html_of(client.post(url("assess_result", language=EN), A_85))
    wage("510000", today().year - 1, "110250")
    recorded = html_of(client.post(url("assess_result", language=EN), A_85))

    salary_without = next(r for r in texts(without, "li", "route-result") if "6 times" in r)
    salary_recorded = next(r for r in texts(recorded, "li", "route-result") if "6 times" in r)
    assert salary_without.startswith("Needs an officer's confirmation Category A")
    assert "Evidence: Employment contract or salary statement; Individual income tax records" in (
        salary_without
    )
    assert salary_recorded.startswith("Not met Category A")
    assert salary_recorded.endswith(
        f"salary 250,000 against 6 × 110,250 (Sichuan, {today().year - 1}) = 661,500 CNY"
    )


def test_regional_routes_and_bonus_of_the_province_in_force(client: Client) -> None:
    in_force("440000", routes=[LOCAL_ROUTE], bonus_rules=BONUS_RULES)

    html = html_of(
        client.post(
            url("assess_result", language=EN),
            A_85
            | {"region": "440000", "annual_salary_cny": "1000000", "occupation_code": "2-02-10-03"},
        )
    )

    assert "Regional standard of Guangdong" in text_of(html)
    assert f'href="{url("regional_standard", "440000", 1, language=EN)}"' in html
    results = texts(html, "li", "route-result")
    assert results[-1] == (
        "Met Category A Annual salary of 1,000,000 CNY or more "
        "salary 1,000,000 against 1,000,000 CNY"
    )
    provincial = rows(html, "lines")[8]
    assert provincial == [
        "9. Provincial bonus GD-ICT +5, GD-PAY +7 (regional standard 440000:v1), capped at 10",
        "10",
        "10",
    ]


LINGANG = {
    "code": "SH-LINGANG",
    "title_zh": "受聘于临港新片区用人单位",
    "title_en": "Employer in the Lingang Special Area",
    "condition": "declared_fact",
    "parameters": {"fact": "lingang_employer"},
    "points": 5,
}
LINGANG_BOX = (
    '<input type="checkbox" name="declared_facts" value="lingang_employer" '
    'id="id_declared_facts_0">'
)


def test_the_facts_a_province_asks_for_are_offered_and_earn_its_bonus(client: Client) -> None:
    in_force("310000", bonus_rules=[LINGANG])

    blank = html_of(client.get(url("assess", language=EN)))
    sichuan = html_of(client.post(url("assess_result", language=EN), A_85))
    offered = html_of(client.post(url("assess_result", language=EN), B_60))
    ticked = html_of(
        client.post(
            url("assess_result", language=EN), B_60 | {"declared_facts": ["lingang_employer"]}
        )
    )

    # No province chosen, or one without such rules: the fieldset is there but hidden.
    assert '<fieldset id="declared-facts" class="assess__group" hidden>' in blank
    assert '<fieldset id="declared-facts" class="assess__group" hx-swap-oob="true" hidden>' in (
        sichuan
    )
    # Shanghai: its rule as a box, swapped into the form beside the result.
    assert '<fieldset id="declared-facts" class="assess__group" hx-swap-oob="true">' in offered
    assert LINGANG_BOX in offered
    assert (
        '<label for="id_declared_facts_0">Employer in the Lingang Special Area '
        "(SH-LINGANG, +5 points)</label>"
    ) in offered
    assert '<input type="hidden" name="facts_for" value="310000">' in offered
    assert score_of(offered) == ("60", "Category B (professional talent)")
    assert score_of(ticked) == ("65", "Category B (professional talent)")
    assert rows(ticked, "lines")[8] == [
        "9. Provincial bonus SH-LINGANG +5 (regional standard 310000:v1)",
        "5",
        "10",
    ]


def test_the_boxes_are_swapped_in_only_when_the_province_changed(client: Client) -> None:
    # Replacing the boxes while they are being ticked would lose the tick.
    in_force("310000", bonus_rules=[LINGANG])
    same = B_60 | {"facts_for": "310000", "declared_facts": ["lingang_employer"]}

    kept = html_of(client.post(url("assess_result", language=EN), same))
    moved = html_of(client.post(url("assess_result", language=EN), same | {"facts_for": "510000"}))

    assert 'id="declared-facts"' not in kept
    assert score_of(kept) == ("65", "Category B (professional talent)")
    assert '<fieldset id="declared-facts" class="assess__group" hx-swap-oob="true">' in moved
    assert LINGANG_BOX.replace('">', '" checked>') in moved


def test_a_fact_ticked_for_another_province_is_dropped_not_refused(client: Client) -> None:
    in_force("310000", bonus_rules=[LINGANG])

    html = html_of(
        client.post(
            url("assess_result", language=EN), A_85 | {"declared_facts": ["lingang_employer"]}
        )
    )

    assert score_of(html) == ("85", "Category A (high-end talent)")
    assert "field__errors" not in html


def test_the_pilot_table_can_be_chosen(client: Client) -> None:
    html = html_of(client.post(url("assess_result", language=EN), A_85 | {"table": "2016-pilot"}))

    # Chinese HSK 3 scores 6 on the pilot: 85 - 3 + 6.
    assert score_of(html) == ("88", "Category A (high-end talent)")
    assert "By points, on table 2016-pilot" in text_of(html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_under_18_shows_the_error_on_the_field(client: Client, language: str) -> None:
    message = tr("Work permits are for people of 18 and over.", language)

    page = html_of(client.post(url("assess", language=language), A_85 | {"age": "17"}))
    fragment = html_of(client.post(url("assess_result", language=language), A_85 | {"age": "17"}))

    assert f'<ul class="field__errors" id="id_age_error"><li>{message}</li></ul>' in page
    for html in (page, fragment):
        alert = texts(html, "div", "assess-errors")[0]
        assert alert == (
            f"{tr('Correct these answers to see the score:', language)} "
            f"{tr('Age', language)}: {message}"
        )
        assert 'href="#id_age"' in html
        assert "score__number" not in html
    summary = texts(fragment, "p", "assess-bar__summary")[0]
    assert summary == tr("%(n)s answer to correct", language, n=1)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"annual_salary_cny": "-1"}, "annual_salary_cny", "The salary cannot be negative."),
        ({"hsk_level": "9"}, "hsk_level", "HSK levels are 0 to 6."),
        ({"region": "999999"}, "region", "Choose one of the 31 provinces."),
        (
            {"months_in_china_per_year": "13"},
            "months_in_china_per_year",
            "Months a year in China are 0 to 12.",
        ),
        ({"experience_years": "-2"}, "experience_years", "Experience cannot be negative."),
        (
            {"occupation_code": "software"},
            "occupation_code",
            "Give the code of a detailed occupation, e.g. 2-02-10-03.",
        ),
    ],
)
def test_invalid_answers_are_field_errors_never_500(
    client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    response = client.post(url("assess", language=EN), A_85 | changes)
    html = html_of(response)

    assert response.status_code == 200
    assert f'<ul class="field__errors" id="id_{field}_error"><li>{message}</li></ul>' in html
    assert f'href="#id_{field}"' in html


def test_an_unknown_bonus_is_a_field_error(client: Client) -> None:
    html = html_of(client.post(url("assess", language=EN), A_85 | {"bonuses": ["lottery"]}))

    assert "Select a valid choice. lottery is not one of the available choices." in text_of(html)


def test_a_form_being_filled_lists_what_is_still_to_answer(client: Client) -> None:
    html = html_of(
        client.post(url("assess_result", language=EN), {"region": "510000", "age": "30"})
    )

    assert "assess-errors" not in html
    assert texts(html, "div", "score--empty")[0].startswith(
        "Still to answer: Annual salary paid in China (CNY), Highest degree, Years of relevant "
        "work experience, Months a year working in China, Chinese: HSK level"
    )
    assert texts(html, "p", "assess-bar__summary")[0] == "5 answers still to give"


# Queries of one result for a visitor (no session):
#   1-2. the points tables with their items (the form's choices and the table used);
#   3. the chosen province's bonus rules that ask for a declared fact (the form's boxes);
#   4. the province of the job (the form's choice);
#   5-6. the national standard in force with its table, then its routes;
#   7-8. the table used with its items (the engine's rules);
#   9. the province's regional standard in force (none here);
#   10. the province's average wage of the previous year.
RESULT_QUERIES = 10


@pytest.mark.parametrize(
    "payload", [A_85, B_60, A_85 | {"bonuses": ["patents", "fortune500"], "age": "61"}]
)
def test_result_query_count_is_constant(
    client: Client, django_assert_num_queries: Any, payload: dict[str, Any]
) -> None:
    with django_assert_num_queries(RESULT_QUERIES):
        response = client.post(url("assess_result"), payload)

    assert response.status_code == 200


def test_an_engine_refusal_is_shown_on_its_field(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: Any) -> None:
        raise engine.EngineInputError("experience_years", "Experience cannot exceed the age.")

    monkeypatch.setattr(services, "assess", refuse)

    html = html_of(client.post(url("assess", language=EN), A_85))

    assert (
        '<ul class="field__errors" id="id_experience_years_error">'
        "<li>Experience cannot exceed the age.</li></ul>"
    ) in html
    assert texts(html, "div", "assess-errors")[0] == (
        "Correct these answers to see the score: Years of relevant work experience: "
        "Experience cannot exceed the age."
    )


def test_no_rules_in_force_is_said_not_500(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(**kwargs: Any) -> None:
        raise selectors.RulesUnavailable("no national standard")

    monkeypatch.setattr(services, "assess", unavailable)

    response = client.post(url("assess_result", language=EN), A_85)

    assert response.status_code == 200
    assert texts(html_of(response), "div", "assess-errors")[0] == (
        "No national standard is in force today: try again later."
    )
