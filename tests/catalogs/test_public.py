"""The public pages of the catalogs app (no sign-in): the occupation browser, the provinces'
catalogs, each published version at its stable URL, and the CSV and JSON downloads.

Every HTML page goes through ``html_of`` (strict CSP, no inline script or style). Texts are
computed with ``gettext`` in the page's language, so the assertions hold with and without
the compiled Chinese catalogue. Catalogs are built with ``make_catalog`` in the state each
test needs, with dates relative to today.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.template.defaultfilters import floatformat
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from catalogs import services
from catalogs.models import CatalogEntry, GuidanceCatalog, Occupation
from catalogs.views.public import CSV_COLUMNS
from portal.filings import add_years
from portal.models import Region
from portal.models.filing import FilingState, FilingStatus
from portal.roles import Role
from tests.catalogs.conftest import make_catalog
from tests.factories import RoleHelper
from tests.portal.test_pages import (
    assert_landmarks,
    assert_landmarks_and_labels,
    html_of,
    in_language,
    sign_in_verified,
    text_of,
    tr,
)

pytestmark = pytest.mark.django_db

ZH = "zh-hans"
EN = "en"
LANGUAGES = [ZH, EN]
S = FilingState
DAY = dt.timedelta(days=1)


# --- Helpers --------------------------------------------------------------------------------------


def url(name: str, *args: Any, language: str = ZH) -> str:
    with translation.override(language):
        return reverse(f"catalogs:{name}", args=args)


def today() -> dt.date:
    return timezone.localdate()


def get(client: Client, address: str, status: int = 200, **headers: Any) -> str:
    response = client.get(address, **headers)
    assert response.status_code == status, (address, response.status_code)
    return html_of(response)


def region_name(code: str, language: str) -> str:
    return in_language(language, lambda: Region.objects.get(code=code).name)


def label(language: str, value: Any) -> str:
    return in_language(language, value)


def money(value: Decimal, language: str) -> str:
    with translation.override(language):
        return str(floatformat(value, "0g"))


class Tables(HTMLParser):
    """The rows of every table body of a page, each row as the texts of its cells."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_body = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[list[str]]:
    return Tables(html).rows


class Tree(HTMLParser):
    """The occupation tree: for each code, the codes of the groups it is nested in, and
    which codes are groups (a ``<details>``) and which are links."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.path: dict[str, list[str]] = {}
        self.groups: list[str] = []
        self.links: dict[str, str] = {}
        self._stack: list[str] = []
        self._in_summary = False
        self._in_code = False
        self._pending_details = False
        self._href: str | None = None
        self.feed(html[html.index('<ul class="tree">') :])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "details":
            self._pending_details = True
        elif tag == "summary":
            self._in_summary = True
        elif tag == "code":
            self._in_code = True
        elif tag == "a":
            self._href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._stack.pop()
        elif tag == "summary":
            self._in_summary = False
        elif tag == "code":
            self._in_code = False
        elif tag == "a":
            self._href = None

    def handle_data(self, data: str) -> None:
        if not self._in_code:
            return
        code = data.strip()
        self.path[code] = list(self._stack)
        if self._in_summary and self._pending_details:
            self.groups.append(code)
            self._stack.append(code)
            self._pending_details = False
        elif self._href:
            self.links[code] = self._href


REQUIREMENTS: dict[str, dict[str, Any]] = {
    "2-02-10-03": {
        "category": "B",
        "min_education": "bachelor",
        "min_experience_years": 3,
        "min_annual_salary_cny": Decimal("300000"),
        "skills_zh": "软件架构",
        "skills_en": "Software architecture",
        "remarks_zh": "须提供项目经历",
        "remarks_en": 'Project record, "signed"',
    },
    "2-02-10-09": {
        "category": "A",
        "min_education": "doctorate",
        "min_experience_years": 5,
        "skills_zh": "人工智能算法",
        "skills_en": "AI algorithms",
    },
}


def in_force(
    region_code: str = "310000",
    *,
    entries: dict[str, dict[str, Any]] | None = None,
    occupations: dict[str, Occupation] | None = None,
    version: int | None = None,
    **kwargs: Any,
) -> GuidanceCatalog:
    return make_catalog(
        region_code,
        version=version,
        state=S.PUBLISHED,
        effective_from=kwargs.pop("effective_from", today() - 100 * DAY),
        expires_on=kwargs.pop("expires_on", add_years(today(), 3)),
        entries=REQUIREMENTS if entries is None else entries,
        occupations=occupations,
        **kwargs,
    )


# --- Every page in both languages --------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_in_each_language(
    client: Client, occupations: dict[str, Occupation], language: str
) -> None:
    catalog = in_force(occupations=occupations)
    software = occupations["2-02-10-03"]
    pages = {
        url("occupations", language=language): tr("Occupational classification", language),
        url("occupations", language=language) + "?q=2-02": tr(
            "Results for “%(q)s”", language, q="2-02"
        ),
        url("occupation", "2-02-10-03", language=language): in_language(
            language, lambda: software.title
        ),
        url("occupation", "2-02-10-00", language=language): tr("In this group", language),
        url("catalogs", language=language): tr("Guidance Catalogs", language),
        url("province_catalogs", "310000", language=language): tr(
            "Guidance Catalogs of %(province)s",
            language,
            province=region_name("310000", language),
        ),
        url("catalog", "310000", 1, language=language): in_language(
            language, lambda: catalog.title
        ),
    }
    for address, text in pages.items():
        html = get(client, address)
        assert f'<html lang="{language}">' in html
        assert text in text_of(html), address
        assert_landmarks(html)
        assert '<link rel="stylesheet" href="/static/css/catalogs.css">' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_with_filters_label_every_control(
    client: Client, occupations: dict[str, Occupation], language: str
) -> None:
    in_force(occupations=occupations)
    for address in (
        url("occupations", language=language),
        url("catalogs", language=language),
        url("catalog", "310000", 1, language=language),
    ):
        assert_landmarks_and_labels(get(client, address))


def test_public_pages_need_no_sign_in_and_refuse_writes(
    client: Client, occupations: dict[str, Occupation]
) -> None:
    in_force(occupations=occupations)
    for address in (
        url("occupations"),
        url("occupation", "2-02-10-03"),
        url("catalogs"),
        url("province_catalogs", "310000"),
        url("catalog", "310000", 1),
        url("catalog_csv", "310000", 1),
        url("catalog_json", "310000", 1),
    ):
        assert client.get(address).status_code == 200, address
        assert client.head(address).status_code == 200, address
        assert client.post(address).status_code == 405, address


# --- Occupation browser: search ---------------------------------------------------------------


def hits_of(html: str) -> list[str]:
    """The codes of the search results, in order."""
    part = html.split('<ol class="hits">', 1)
    if len(part) == 1:
        return []
    results = part[1].split("</ol>", 1)[0]
    return [
        chunk.split("</span>", 1)[0] for chunk in results.split('<span class="tree__code">')[1:]
    ]


@pytest.mark.parametrize(
    ("q", "codes"),
    [
        ("2-02-10", ["2-02-10-00", "2-02-10-01", "2-02-10-03", "2-02-10-09"]),
        ("2-08", ["2-08-00-00", "2-08-01-00", "2-08-01-01", "2-08-05-00"]),
        ("软件", ["2-02-10-03", "4-04-00-00"]),
        ("Teachers", ["2-08-01-00", "2-08-01-01", "2-08-05-00"]),
        ("artificial INTELLIGENCE", ["2-02-10-09"]),
        ("9-99", []),
    ],
)
def test_occupation_search_by_code_prefix_chinese_or_english_title(
    client: Client, occupations: dict[str, Occupation], q: str, codes: list[str]
) -> None:
    html = get(client, url("occupations") + f"?q={q}")

    assert hits_of(html) == codes
    if not codes:
        assert tr(
            "No group or occupation matches. Try a shorter code prefix or another word of the "
            "title.",
            ZH,
        ) in text_of(html)
    # Results replace the tree.
    assert '<ul class="tree">' not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_results_show_the_path_of_each_hit(
    client: Client, occupations: dict[str, Occupation], language: str
) -> None:
    html = get(client, url("occupations", language=language) + "?q=2-02-10-03")

    def title(code: str) -> str:
        return in_language(language, lambda: occupations[code].title)

    results = text_of(html.split('<ol class="hits">', 1)[1].split("</ol>")[0])
    expected_path = " › ".join(title(c) for c in ("2-00-00-00", "2-02-00-00", "2-02-10-00"))
    assert expected_path in results
    assert (
        f'<a href="{url("occupation", "2-02-10-00", language=language)}">{title("2-02-10-00")}</a>'
        in html
    )
    assert label(language, Occupation.Level.DETAILED.label) in results
    assert tr("digital", language) in results


def test_search_pages_through_results_without_counting(
    client: Client, shipped_occupations: dict[str, Occupation], django_assert_num_queries: Any
) -> None:
    # "2-" starts the code of every occupation of major group 2: more than one page of 50.
    expected = sorted(code for code in shipped_occupations if code.startswith("2-"))

    # 1. the editions with their import stamps; 2. the page of hits (LIMIT 51, no COUNT);
    # 3. the groups above the hits of the page, all at once.
    with django_assert_num_queries(3):
        first = get(client, url("occupations") + "?q=2-")
    second = get(client, url("occupations") + "?q=2-&page=2")

    assert hits_of(first) == expected[:50]
    assert hits_of(second) == expected[50:100]
    assert 'rel="next" href="?q=2-&amp;page=2"' in first
    assert 'rel="prev" href="?q=2-&amp;page=1"' in second


# --- Occupation browser: the tree ----------------------------------------------------------------


def test_tree_nests_groups_and_links_occupations(
    client: Client, occupations: dict[str, Occupation]
) -> None:
    html = get(client, url("occupations"))
    tree = Tree(html)

    assert sorted(tree.path) == sorted(occupations)
    assert tree.path["2-02-10-03"] == ["2-00-00-00", "2-02-00-00", "2-02-10-00"]
    assert tree.path["2-02-00-00"] == ["2-00-00-00"]
    assert tree.path["2-00-00-00"] == []
    # A detailed occupation directly below a medium group ("-00" minor part).
    assert tree.path["2-08-05-00"] == ["2-00-00-00", "2-08-00-00"]
    assert tree.groups == [
        "2-00-00-00",
        "2-02-00-00",
        "2-02-10-00",
        "2-02-14-00",
        "2-02-27-00",
        "2-08-00-00",
        "2-08-01-00",
        "4-00-00-00",
        "4-04-00-00",
        "4-04-05-00",
    ]
    assert tree.links == {
        code: url("occupation", code) for code, o in occupations.items() if o.level == 4
    }
    # Collapsed, and without JavaScript: <details> needs none.
    assert "<details open" not in html


def test_tree_shows_markers_as_text_and_counts_occupations(
    client: Client, occupations: dict[str, Occupation]
) -> None:
    html = get(client, url("occupations", language=EN))

    software = html.split("<code>2-02-10-03</code>", 1)[1].split("</li>", 1)[0]
    assert text_of(software) == (f"{occupations['2-02-10-03'].title_en} S {tr('digital', EN)}")
    pollution = html.split("<code>2-02-27-02</code>", 1)[1].split("</li>", 1)[0]
    assert text_of(pollution) == f"{occupations['2-02-27-02'].title_en} L {tr('green', EN)}"
    assert f'<abbr title="{tr("Digital occupation", EN)}">S</abbr>' in software
    professionals = html.split("<code>2-00-00-00</code>", 1)[1].split("</summary>", 1)[0]
    # 2-02-10-01, -03, -09, 2-02-14-01, 2-02-27-02, 2-08-01-01 and 2-08-05-00.
    with translation.override(EN):
        seven = ngettext("%(n)s occupation", "%(n)s occupations", 7) % {"n": 7}
    assert text_of(professionals) == f"{occupations['2-00-00-00'].title_en} {seven}"


def test_tree_holds_the_whole_shipped_classification_in_one_query_then_from_the_cache(
    client: Client, shipped_occupations: dict[str, Occupation], django_assert_num_queries: Any
) -> None:
    # 1. the editions with their last import time and size (the cache key);
    # 2. the whole classification, in code order (the tree).
    with django_assert_num_queries(2):
        html = get(client, url("occupations"))
    # The tree comes from the cache: only the editions are asked again.
    with django_assert_num_queries(1):
        again = get(client, url("occupations"))

    tree = Tree(html)
    assert len(shipped_occupations) == 2047
    assert sorted(tree.path) == sorted(shipped_occupations)
    assert len(tree.links) + len(tree.groups) == 2047
    assert Tree(again).path == tree.path
    # Each language has its own copy.
    with django_assert_num_queries(2):
        get(client, url("occupations", language=EN))


def test_tree_is_rendered_again_after_a_new_import(
    client: Client, occupations: dict[str, Occupation], django_assert_num_queries: Any
) -> None:
    get(client, url("occupations"))
    software = occupations["2-02-10-03"]
    software.title_zh = "软件工程技术人员（新）"
    software.save()  # as the importer's upsert does: imported_at moves

    with django_assert_num_queries(2):
        html = get(client, url("occupations"))

    assert "软件工程技术人员（新）" in html


def test_tree_page_is_compressed_for_clients_that_accept_it(
    client: Client, occupations: dict[str, Occupation]
) -> None:
    response = client.get(url("occupations"), HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"
    assert "<code>2-02-10-03</code>" in gzip.decompress(response.content).decode()
    # Search results reflect the query: never compressed (BREACH).
    search = client.get(url("occupations") + "?q=2-02", HTTP_ACCEPT_ENCODING="gzip")
    assert search.has_header("Content-Encoding") is False


def test_other_edition_is_browsed_beside_2022(
    client: Client, occupations: dict[str, Occupation]
) -> None:
    from tests.catalogs.conftest import create_occupations

    create_occupations(
        [
            ("2-00-00-00", 1, "专业技术人员", "Professionals", False, False),
            ("2-02-00-00", 2, "工程技术人员", "Engineers", False, False),
            ("2-02-99-01", 4, "未来工程师", "Future engineers", True, False),
        ],
        edition=2030,
    )

    default = get(client, url("occupations"))
    other = get(client, url("occupations") + "?edition=2030")
    search = get(client, url("occupations") + "?edition=2030&q=2-02-99")

    assert "2-02-99-01" not in default
    assert sorted(Tree(other).path) == ["2-00-00-00", "2-02-00-00", "2-02-99-01"]
    assert Tree(other).links == {"2-02-99-01": url("occupation", "2-02-99-01") + "?edition=2030"}
    assert hits_of(search) == ["2-02-99-01"]
    # The edition is a choice once there are two.
    assert '<option value="2030" selected>2030</option>' in other
    page = get(client, url("occupation", "2-02-99-01") + "?edition=2030")
    assert "未来工程师" in page
    get(client, url("occupation", "2-02-99-01"), status=404)


# --- An occupation's page -----------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_occupation_page_lists_only_the_provinces_whose_catalog_in_force_lists_it(
    client: Client, occupations: dict[str, Occupation], language: str
) -> None:
    t = today()
    software = {"2-02-10-03": REQUIREMENTS["2-02-10-03"]}
    other = {"2-02-10-01": {"category": "B"}}
    shanghai = in_force("310000", occupations=occupations)
    # Guangdong: lapsed yesterday.
    make_catalog(
        "440000",
        state=S.PUBLISHED,
        effective_from=t - 1200 * DAY,
        expires_on=t - DAY,
        entries=software,
        occupations=occupations,
    )
    # Beijing: version 1 superseded today by version 2, which does not list it.
    make_catalog(
        "110000",
        version=1,
        state=S.SUPERSEDED,
        effective_from=t - 500 * DAY,
        expires_on=t + 500 * DAY,
        superseded_on=t,
        entries=software,
        occupations=occupations,
    )
    in_force("110000", version=2, effective_from=t, entries=other, occupations=occupations)
    # Jiangsu: published, in force tomorrow.
    make_catalog(
        "320000",
        state=S.PUBLISHED,
        effective_from=t + DAY,
        expires_on=add_years(t, 4),
        entries=software,
        occupations=occupations,
    )
    # Zhejiang: a draft; Tianjin: withdrawn.
    make_catalog("330000", entries=software, occupations=occupations)
    make_catalog(
        "120000",
        state=S.WITHDRAWN,
        effective_from=t - 10 * DAY,
        expires_on=add_years(t, 3),
        entries=software,
        occupations=occupations,
    )

    html = get(client, url("occupation", "2-02-10-03", language=language))

    assert table_rows(html) == [
        [
            f"{region_name('310000', language)} "
            + tr("Version %(version)s", language, version=shanghai.version),
            "B",
            label(language, CatalogEntry.Education.BACHELOR.label),
            "3",
            money(Decimal("300000"), language),
            ("软件架构" if language == ZH else "Software architecture")
            + " "
            + tr("Remarks:", language)
            + " "
            + ("须提供项目经历" if language == ZH else 'Project record, "signed"'),
        ]
    ]
    assert f'href="{url("catalog", "310000", 1, language=language)}"' in html


def test_occupation_page_says_when_no_catalog_in_force_lists_it(
    client: Client, occupations: dict[str, Occupation]
) -> None:
    in_force(occupations=occupations)

    html = get(client, url("occupation", "2-02-14-01"))

    assert table_rows(html) == []
    assert tr("No province's Guidance Catalog in force lists this occupation today.") in (
        text_of(html)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_occupation_page_shows_code_titles_level_markers_and_ancestors(
    client: Client, occupations: dict[str, Occupation], language: str
) -> None:
    html = get(client, url("occupation", "2-02-10-09", language=language))
    text = text_of(html)

    breadcrumb = text_of(html.split('<nav class="breadcrumbs"', 1)[1].split("</nav>")[0])
    titles = [in_language(language, lambda c=c: occupations[c].title) for c in (
        "2-00-00-00", "2-02-00-00", "2-02-10-00"
    )]  # fmt: skip
    assert breadcrumb.endswith(
        f"2-00-00-00 {titles[0]} 2-02-00-00 {titles[1]} 2-02-10-00 {titles[2]} 2-02-10-09"
    )
    for expected in (
        "人工智能工程技术人员",
        "Artificial intelligence engineering technicians",
        label(language, Occupation.Level.DETAILED.label),
        tr("digital", language),
        tr("Provinces whose catalog in force lists it", language),
    ):
        assert expected in text
    assert f'href="{url("occupation", "2-02-10-00", language=language)}"' in html


def test_group_page_links_its_children(client: Client, occupations: dict[str, Occupation]) -> None:
    html = get(client, url("occupation", "2-08-00-00"))

    children = html.split('<ul class="children">', 1)[1].split("</ul>", 1)[0]
    assert [chunk.split('"', 1)[0] for chunk in children.split('href="')[1:]] == [
        url("occupation", "2-08-01-00"),
        url("occupation", "2-08-05-00"),
    ]
    assert tr("Provinces whose catalog in force lists it") not in text_of(html)


@pytest.mark.parametrize(
    "address",
    [
        "/zh-hans/occupations/9-99-99-99/",
        "/zh-hans/occupations/2-02-10-03/?edition=2015",
        "/zh-hans/occupations/2-02-10-03/?edition=x",
        "/zh-hans/occupations/2-2-10-03/",
    ],
)
def test_unknown_occupation_is_404(
    client: Client, occupations: dict[str, Occupation], address: str
) -> None:
    assert client.get(address).status_code == 404


# --- The provinces overview ---------------------------------------------------------------------


def overview_world(occupations: dict[str, Occupation]) -> dict[str, GuidanceCatalog]:
    """One province in each state, the others without a catalog."""
    t = today()
    return {
        "in_force": in_force("110000", occupations=occupations, expires_on=t + 1000 * DAY),
        "scheduled": make_catalog(
            "310000",
            state=S.PUBLISHED,
            effective_from=t + 30 * DAY,
            expires_on=t + 1200 * DAY,
            entries={"2-02-10-03": {}},
            occupations=occupations,
        ),
        "lapsed": make_catalog(
            "440000",
            state=S.LAPSED,
            effective_from=t - 1200 * DAY,
            expires_on=t - 5 * DAY,
            entries={"2-02-10-03": {}, "2-02-10-01": {}, "2-02-14-01": {}},
            occupations=occupations,
        ),
        # Zhejiang: version 1 superseded by a version 2 that was then withdrawn.
        "superseded": make_catalog(
            "330000",
            version=1,
            state=S.SUPERSEDED,
            effective_from=t - 400 * DAY,
            expires_on=t + 700 * DAY,
            superseded_on=t - 10 * DAY,
            entries={"2-02-10-03": {}},
            occupations=occupations,
        ),
        "withdrawn": make_catalog(
            "330000",
            version=2,
            state=S.WITHDRAWN,
            effective_from=t - 10 * DAY,
            expires_on=t + 1000 * DAY,
        ),
        "draft": make_catalog("320000"),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_provinces_overview_shows_each_state(
    client: Client, occupations: dict[str, Occupation], language: str
) -> None:
    world = overview_world(occupations)
    t = today()

    html = get(client, url("catalogs", language=language))
    rows = {row[0]: row for row in table_rows(html)}

    def status(value: FilingStatus) -> str:
        return label(language, value.label)

    def version(n: int) -> str:
        return tr("Version %(version)s", language, version=n)

    def day(d: dt.date) -> str:
        return d.isoformat()

    assert len(rows) == 31
    assert rows[region_name("110000", language)] == [
        region_name("110000", language),
        status(FilingStatus.IN_FORCE),
        version(1),
        day(t - 100 * DAY),
        day(t + 1000 * DAY),
        "2",
    ]
    assert rows[region_name("310000", language)] == [
        region_name("310000", language),
        status(FilingStatus.SCHEDULED) + " " + tr("from %(day)s", language, day=day(t + 30 * DAY)),
        version(1),
        day(t + 30 * DAY),
        day(t + 1200 * DAY),
        "1",
    ]
    assert rows[region_name("440000", language)] == [
        region_name("440000", language),
        status(FilingStatus.LAPSED)
        + " "
        + tr("expired after %(day)s", language, day=day(t - 5 * DAY)),
        version(1),
        day(t - 1200 * DAY),
        day(t - 5 * DAY),
        "3",
    ]
    assert rows[region_name("330000", language)] == [
        region_name("330000", language),
        status(FilingStatus.SUPERSEDED)
        + " "
        + tr("since %(day)s", language, day=day(t - 10 * DAY)),
        version(1),
        day(t - 400 * DAY),
        day(t - 11 * DAY),
        "1",
    ]
    # A draft is not public: Jiangsu has no catalog.
    none = [region_name("320000", language), tr("No catalog published", language)] + ["-"] * 4
    assert rows[region_name("320000", language)] == none
    assert rows[region_name("650000", language)][1:] == none[1:]
    assert f'href="{url("catalog", "330000", 1, language=language)}"' in html
    assert f'href="{url("catalog", "320000", 1, language=language)}"' not in html
    assert world["draft"].state == S.DRAFT


@pytest.mark.parametrize(
    ("status", "provinces"),
    [
        ("in_force", ["110000"]),
        ("scheduled", ["310000"]),
        ("lapsed", ["440000"]),
        ("superseded", ["330000"]),
    ],
)
def test_provinces_overview_filters_by_state(
    client: Client, occupations: dict[str, Occupation], status: str, provinces: list[str]
) -> None:
    overview_world(occupations)

    html = get(client, url("catalogs") + f"?status={status}")

    assert [row[0] for row in table_rows(html)] == [region_name(c, ZH) for c in provinces]


def test_provinces_overview_filters_provinces_without_catalog(
    client: Client, occupations: dict[str, Occupation]
) -> None:
    overview_world(occupations)

    rows = table_rows(get(client, url("catalogs") + "?status=none"))

    with_catalog = {region_name(c, ZH) for c in ("110000", "310000", "440000", "330000")}
    assert len(rows) == 27
    assert with_catalog.isdisjoint(row[0] for row in rows)
    # An unknown state is shown as an error and filters nothing.
    assert len(table_rows(get(client, url("catalogs") + "?status=bogus"))) == 31


# Queries of the provinces overview for a visitor (no session):
#   1. every published version with its number of entries (one GROUP BY over the bounded
#      list of published versions' entries, not the whole table);
#   2. the 31 provinces.
OVERVIEW_QUERIES = 2


@pytest.mark.parametrize("more", [False, True])
def test_provinces_overview_query_count_does_not_grow_with_catalogs(
    client: Client,
    shipped_occupations: dict[str, Occupation],
    django_assert_num_queries: Any,
    more: bool,
) -> None:
    in_force("110000", entries={"2-02-10-03": {}})
    if more:
        codes = [c for c, o in shipped_occupations.items() if o.level == 4][:60]
        for region_code in ("310000", "440000", "330000", "320000"):
            in_force(region_code, entries={c: {} for c in codes})

    with django_assert_num_queries(OVERVIEW_QUERIES):
        response = client.get(url("catalogs"))

    assert response.status_code == 200


# --- A province's versions ---------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_province_page_lists_every_published_version_newest_first(
    client: Client, occupations: dict[str, Occupation], language: str
) -> None:
    t = today()
    make_catalog(
        "310000",
        version=1,
        state=S.LAPSED,
        effective_from=t - 2000 * DAY,
        expires_on=t - 900 * DAY,
    )
    make_catalog(
        "310000",
        version=2,
        state=S.SUPERSEDED,
        effective_from=t - 800 * DAY,
        expires_on=t + 300 * DAY,
        superseded_on=t - 20 * DAY,
    )
    in_force("310000", version=3, effective_from=t - 20 * DAY, expires_on=t + 1500 * DAY)
    withdrawn = make_catalog(
        "310000",
        version=4,
        state=S.WITHDRAWN,
        effective_from=t + 10 * DAY,
        expires_on=t + 2000 * DAY,
    )
    withdrawn.withdrawn_at = timezone.now()
    withdrawn.save()
    make_catalog("310000", version=5, state=S.APPROVED, effective_from=t + 1600 * DAY)
    make_catalog("310000", version=6)

    html = get(client, url("province_catalogs", "310000", language=language))
    rows = table_rows(html)

    def status(value: FilingStatus) -> str:
        return label(language, value.label)

    title = in_language(language, lambda: withdrawn.title)
    assert [row[0] for row in rows] == [
        tr("Version %(version)s", language, version=n) for n in (4, 3, 2, 1)
    ]
    assert [row[2] for row in rows] == [
        status(FilingStatus.WITHDRAWN)
        + " "
        + tr("on %(day)s", language, day=timezone.localdate(withdrawn.withdrawn_at).isoformat()),
        status(FilingStatus.IN_FORCE),
        status(FilingStatus.SUPERSEDED)
        + " "
        + tr("since %(day)s", language, day=(t - 20 * DAY).isoformat()),
        status(FilingStatus.LAPSED)
        + " "
        + tr("expired after %(day)s", language, day=(t - 900 * DAY).isoformat()),
    ]
    assert rows[1][1] == title
    assert rows[1][3] == f"{(t - 20 * DAY).isoformat()} – {(t + 1500 * DAY).isoformat()}"
    assert rows[2][3] == f"{(t - 800 * DAY).isoformat()} – {(t - 21 * DAY).isoformat()}"
    assert rows[0][4] == "CSV JSON"
    for n in (1, 2, 3, 4):
        assert f'href="{url("catalog", "310000", n, language=language)}"' in html
        assert f'href="{url("catalog_csv", "310000", n, language=language)}"' in html
    assert f'href="{url("catalog", "310000", 5, language=language)}"' not in html


def test_province_page_of_a_province_without_catalog(client: Client) -> None:
    html = get(client, url("province_catalogs", "650000"))

    assert tr("The province has not published a Guidance Catalog.") in text_of(html)


@pytest.mark.parametrize(
    "address", ["/zh-hans/catalogs/990000/", "/zh-hans/catalogs/310100/", "/zh-hans/catalogs/31/"]
)
def test_unknown_province_is_404(client: Client, address: str) -> None:
    assert client.get(address).status_code == 404


# --- A version's page -------------------------------------------------------------------------


def test_draft_and_unpublished_versions_are_not_public(
    client: Client, occupations: dict[str, Occupation]
) -> None:
    t = today()
    states = [S.DRAFT, S.CONSULTATION, S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED, S.APPROVED]
    for version, state in enumerate(states, start=1):
        make_catalog(
            "310000",
            version=version,
            state=state,
            effective_from=t + 10 * DAY,
            expires_on=t + 1200 * DAY,
            entries={"2-02-10-03": {}},
            occupations=occupations,
        )
        for name in ("catalog", "catalog_csv", "catalog_json"):
            assert client.get(url(name, "310000", version)).status_code == 404, (state, name)
    # A version that does not exist at all answers the same.
    assert client.get(url("catalog", "310000", 99)).status_code == 404
    assert client.get(url("catalog", "440000", 1)).status_code == 404


@pytest.mark.parametrize("language", LANGUAGES)
def test_version_in_force_page_shows_its_facts_and_entries(
    client: Client, occupations: dict[str, Occupation], language: str
) -> None:
    t = today()
    catalog = in_force(
        occupations=occupations,
        effective_from=t - 100 * DAY,
        expires_on=t + 1000 * DAY,
    )
    catalog.notes_zh = "第一段。\n\n第二段。"
    catalog.notes_en = "First paragraph.\n\nSecond."
    catalog.save()

    html = get(client, url("catalog", "310000", 1, language=language))
    text = text_of(html)

    for expected in (
        in_language(language, lambda: catalog.title),
        label(language, FilingStatus.IN_FORCE.label),
        f"{(t - 100 * DAY).isoformat()} – {(t + 1000 * DAY).isoformat()}",
        tr("Download CSV", language),
        tr("Download JSON", language),
        "第一段。" if language == ZH else "First paragraph.",
    ):
        assert expected in text, expected
    for warning in (
        "This version has been superseded.",
        "This version has lapsed.",
        "This version has been withdrawn.",
    ):
        assert tr(warning, language) not in text
    assert table_rows(html) == [
        [
            "2-02-10-03",
            in_language(language, lambda: occupations["2-02-10-03"].title)
            + " S "
            + tr("digital", language),
            "B",
            label(language, CatalogEntry.Education.BACHELOR.label),
            "3",
            money(Decimal("300000"), language),
            ("软件架构" if language == ZH else "Software architecture")
            + " "
            + tr("Remarks:", language)
            + " "
            + ("须提供项目经历" if language == ZH else 'Project record, "signed"'),
        ],
        [
            "2-02-10-09",
            in_language(language, lambda: occupations["2-02-10-09"].title)
            + " S "
            + tr("digital", language),
            "A",
            label(language, CatalogEntry.Education.DOCTORATE.label),
            "5",
            "-",
            "人工智能算法" if language == ZH else "AI algorithms",
        ],
    ]
    assert f'href="{url("catalog_csv", "310000", 1, language=language)}"' in html
    assert f'href="{url("catalog_json", "310000", 1, language=language)}"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_superseded_version_keeps_its_stable_url_marked_with_a_link_to_the_one_in_force(
    client: Client, occupations: dict[str, Occupation], language: str
) -> None:
    t = today()
    make_catalog(
        "310000",
        version=1,
        state=S.SUPERSEDED,
        effective_from=t - 800 * DAY,
        expires_on=t + 300 * DAY,
        superseded_on=t - 20 * DAY,
        entries={"2-02-10-03": {}},
        occupations=occupations,
    )
    in_force("310000", version=2, effective_from=t - 20 * DAY, occupations=occupations)

    html = get(client, url("catalog", "310000", 1, language=language))
    text = text_of(html)

    assert tr("This version has been superseded.", language) in text
    assert (
        tr(
            "A newer version took effect on %(day)s. This one is kept here for reference.",
            language,
            day=(t - 20 * DAY).isoformat(),
        )
        in text
    )
    assert (
        f'<a href="{url("catalog", "310000", 2, language=language)}">'
        f"{tr('Read version %(version)s, in force.', language, version=2)}</a>"
    ) in html
    assert label(language, FilingStatus.SUPERSEDED.label) in text
    assert [row[0] for row in table_rows(html)] == ["2-02-10-03"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_lapsed_withdrawn_and_scheduled_versions_are_marked(
    client: Client, occupations: dict[str, Occupation], language: str
) -> None:
    t = today()
    make_catalog(
        "440000",
        state=S.PUBLISHED,  # not yet made durable by the daily task: lapsed on read
        effective_from=t - 1200 * DAY,
        expires_on=t - DAY,
    )
    make_catalog("120000", state=S.WITHDRAWN, effective_from=t + 5 * DAY, expires_on=t + 1200 * DAY)
    make_catalog("320000", state=S.PUBLISHED, effective_from=t + 5 * DAY, expires_on=t + 1200 * DAY)

    lapsed = text_of(get(client, url("catalog", "440000", 1, language=language)))
    withdrawn = text_of(get(client, url("catalog", "120000", 1, language=language)))
    scheduled = text_of(get(client, url("catalog", "320000", 1, language=language)))

    assert tr("This version has lapsed.", language) in lapsed
    assert (
        tr(
            "It was valid until %(day)s and was not renewed. It is kept here for reference.",
            language,
            day=(t - DAY).isoformat(),
        )
        in lapsed
    )
    assert tr("This version has been withdrawn.", language) in withdrawn
    assert tr("Published, not yet in force.", language) in scheduled
    assert tr("It takes effect on %(day)s.", language, day=(t + 5 * DAY).isoformat()) in scheduled


def many_entries(shipped: dict[str, Occupation], n: int) -> dict[str, dict[str, Any]]:
    codes = sorted(code for code, o in shipped.items() if o.level == 4)[:n]
    return {
        code: {"category": "A" if i % 10 == 0 else "B", "min_experience_years": i % 7}
        for i, code in enumerate(codes)
    }


def entry_codes(html: str) -> list[str]:
    """The codes of the entries shown (the "nothing matches" row has one cell)."""
    return [row[0] for row in table_rows(html) if len(row) > 1]


def test_version_entries_filter_and_paginate(
    client: Client, shipped_occupations: dict[str, Occupation]
) -> None:
    entries = many_entries(shipped_occupations, 60)
    # And a few from major groups 2 and 4.
    for code in ("2-02-10-03", "2-02-10-04", "4-04-05-03"):
        entries[code] = {"category": "B"}
    in_force(entries=entries, occupations=shipped_occupations)
    codes = sorted(entries)
    address = url("catalog", "310000", 1)

    first = get(client, address)
    second = get(client, address + "?page=2")
    assert entry_codes(first) == codes[:50]
    assert entry_codes(second) == codes[50:]
    assert 'rel="next" href="?page=2"' in first
    assert 'rel="next"' not in second

    assert entry_codes(get(client, address + "?q=2-02-10")) == ["2-02-10-03", "2-02-10-04"]
    assert entry_codes(get(client, address + "?major=4")) == ["4-04-05-03"]
    a_codes = [c for c in codes if entries[c].get("category") == "A"]
    assert entry_codes(get(client, address + "?category=A")) == a_codes
    title = shipped_occupations["2-02-10-04"].title_zh
    assert entry_codes(get(client, address + f"?q={title}")) == ["2-02-10-04"]
    assert entry_codes(get(client, address + "?q=2-02-10&category=A")) == []
    empty = get(client, address + "?q=2-02-10&category=A")
    assert tr("No entry matches the filters.") in text_of(empty)
    # A bad value is shown as an error; the other filters still apply.
    bad = get(client, address + "?category=Z&q=2-02-10")
    assert entry_codes(bad) == ["2-02-10-03", "2-02-10-04"]
    assert 'class="field__errors"' in bad
    # The filters travel with the page links.
    filtered = get(client, address + "?category=B")
    assert 'rel="next" href="?category=B&amp;page=2"' in filtered


# Queries of a version's page for a visitor (no session):
#   1. the version by its province and number, with its entry count and the number of the
#      version in force in its province (two subqueries, one statement); the ETag, the
#      Last-Modified date and the page all use this one row;
#   2. the major groups of its edition (the filter's choices);
#   3. the page of entries with their occupations (LIMIT 51, no COUNT);
#   4. the announcements published about the province's catalog (portal.publications).
VERSION_PAGE_QUERIES = 4


@pytest.mark.parametrize("n", [2, 60])
def test_version_page_query_count_does_not_grow_with_entries(
    client: Client,
    shipped_occupations: dict[str, Occupation],
    django_assert_num_queries: Any,
    n: int,
) -> None:
    in_force(entries=many_entries(shipped_occupations, n), occupations=shipped_occupations)

    with django_assert_num_queries(VERSION_PAGE_QUERIES):
        response = client.get(url("catalog", "310000", 1))

    assert response.status_code == 200
    assert len(table_rows(response.content.decode())) == min(n, 50)


# --- Downloads ------------------------------------------------------------------------------------


def small_catalog(occupations: dict[str, Occupation]) -> GuidanceCatalog:
    t = today()
    return in_force(
        occupations=occupations, effective_from=t - 100 * DAY, expires_on=t + 1000 * DAY
    )


def test_csv_download_is_exact(client: Client, occupations: dict[str, Occupation]) -> None:
    small_catalog(occupations)

    response = client.get(url("catalog_csv", "310000", 1))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="catalog-310000-v1.csv"'
    assert response.content.decode("utf-8") == (
        "\ufeffcode,title_zh,title_en,category,min_education,min_experience_years,"
        "min_annual_salary_cny,skills_zh,skills_en,remarks_zh,remarks_en\r\n"
        "2-02-10-03,计算机软件工程技术人员,Computer software engineering technicians,B,"
        'bachelor,3,300000.00,软件架构,Software architecture,须提供项目经历,"Project record, '
        '""signed"""\r\n'
        "2-02-10-09,人工智能工程技术人员,Artificial intelligence engineering technicians,A,"
        "doctorate,5,,人工智能算法,AI algorithms,,\r\n"
    )
    # The same in the English pages: a download does not depend on the language.
    english = client.get(url("catalog_csv", "310000", 1, language=EN))
    assert english.content == response.content


def test_csv_columns_are_the_upload_columns_plus_titles() -> None:
    assert set(CSV_COLUMNS) == {*services.UPLOAD_COLUMNS, "title_zh", "title_en"}
    assert len(CSV_COLUMNS) == len(services.UPLOAD_COLUMNS) + 2


def test_csv_download_uploads_unchanged_as_the_next_version(
    client: Client, occupations: dict[str, Occupation], roles: RoleHelper
) -> None:
    small_catalog(occupations)
    drafter = roles.user(Role.STANDARDS_DRAFTER, region_code="310000")
    draft = make_catalog("310000", version=2)
    data = client.get(url("catalog_csv", "310000", 1)).content

    result = services.entries_upload(actor=drafter, catalog=draft, data=data)

    assert (result.file_error, result.errors, result.applied) == ("", [], True)
    fields = [*services.REQUIREMENT_FIELDS]
    assert list(draft.entries.order_by("occupation__code").values("occupation__code", *fields)) == (
        list(
            CatalogEntry.objects.filter(catalog__version=1)
            .order_by("occupation__code")
            .values("occupation__code", *fields)
        )
    )


def test_csv_reads_back_with_the_csv_module(
    client: Client, occupations: dict[str, Occupation]
) -> None:
    small_catalog(occupations)

    text = client.get(url("catalog_csv", "310000", 1)).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))

    assert [row["code"] for row in rows] == ["2-02-10-03", "2-02-10-09"]
    assert rows[0]["remarks_en"] == 'Project record, "signed"'


def test_json_download_is_exact(client: Client, occupations: dict[str, Occupation]) -> None:
    catalog = small_catalog(occupations)
    t = today()
    ids = {e.occupation.code: e.pk for e in catalog.entries.select_related("occupation")}

    response = client.get(url("catalog_json", "310000", 1))

    expected = {
        "id": catalog.pk,
        "region": "310000",
        "version": 1,
        "title_zh": "上海市外国人来华工作指导目录",
        "title_en": "Shanghai Guidance Catalog for Foreigners Working in China",
        "effective_from": (t - 100 * DAY).isoformat(),
        "expires_on": (t + 1000 * DAY).isoformat(),
        "superseded_on": None,
        "status": "in_force",
        "edition": 2022,
        "entries": [
            {
                "id": ids["2-02-10-03"],
                "code": "2-02-10-03",
                "title_zh": "计算机软件工程技术人员",
                "title_en": "Computer software engineering technicians",
                "category": "B",
                "min_education": "bachelor",
                "min_experience_years": 3,
                "min_annual_salary_cny": "300000.00",
                "skills_zh": "软件架构",
                "skills_en": "Software architecture",
                "remarks_zh": "须提供项目经历",
                "remarks_en": 'Project record, "signed"',
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
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="catalog-310000-v1.json"'
    assert response.content.decode("utf-8") == (
        json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
    )


# Queries of a download: 1. the version (with its count and the version in force);
# 2. its entries with their occupations.
@pytest.mark.parametrize("name", ["catalog_csv", "catalog_json"])
@pytest.mark.parametrize("n", [2, 60])
def test_download_query_count_does_not_grow_with_entries(
    client: Client,
    shipped_occupations: dict[str, Occupation],
    django_assert_num_queries: Any,
    name: str,
    n: int,
) -> None:
    in_force(entries=many_entries(shipped_occupations, n), occupations=shipped_occupations)

    with django_assert_num_queries(2):
        response = client.get(url(name, "310000", 1))

    assert response.status_code == 200


# --- Conditional requests and caching -------------------------------------------------------------


@pytest.mark.parametrize("name", ["catalog", "catalog_csv", "catalog_json"])
def test_version_answers_304_to_its_etag_and_last_modified(
    client: Client,
    occupations: dict[str, Occupation],
    django_assert_num_queries: Any,
    name: str,
) -> None:
    small_catalog(occupations)
    address = url(name, "310000", 1)
    first = client.get(address)
    etag = first["ETag"]

    # The 304 costs one query: the version's row.
    with django_assert_num_queries(1):
        again = client.get(address, HTTP_IF_NONE_MATCH=etag)
    since = client.get(address, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=300"
    assert etag[0] == etag[-1] == '"'
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == "public, max-age=300"
    assert since.status_code == 304
    assert client.get(address, HTTP_IF_NONE_MATCH='"other"').status_code == 200


@pytest.mark.parametrize("name", ["catalog", "catalog_csv", "catalog_json"])
def test_etag_changes_with_the_state_and_the_status_of_the_day(
    client: Client, occupations: dict[str, Occupation], name: str
) -> None:
    catalog = small_catalog(occupations)
    address = url(name, "310000", 1)
    etag = client.get(address)["ETag"]

    # Its validity ends: the same row reads as lapsed (the daily task has not run).
    GuidanceCatalog.objects.filter(pk=catalog.pk).update(
        effective_from=today() - 1200 * DAY, expires_on=today() - DAY
    )
    lapsed = client.get(address, HTTP_IF_NONE_MATCH=etag)
    # The daily task makes it durable: the state changes.
    GuidanceCatalog.objects.filter(pk=catalog.pk).update(state=S.LAPSED)
    durable = client.get(address, HTTP_IF_NONE_MATCH=lapsed["ETag"])

    assert lapsed.status_code == 200
    assert lapsed["ETag"] != etag
    assert durable.status_code == 200
    assert durable["ETag"] not in (etag, lapsed["ETag"])


def test_page_etag_depends_on_the_language_and_the_visitor(
    client: Client, occupations: dict[str, Occupation], roles: RoleHelper
) -> None:
    small_catalog(occupations)
    chinese = client.get(url("catalog", "310000", 1))
    english = client.get(url("catalog", "310000", 1, language=EN))
    person = Client()
    sign_in_verified(person, roles.user(Role.EMPLOYER_ADMIN))
    signed_in = person.get(url("catalog", "310000", 1), HTTP_IF_NONE_MATCH=chinese["ETag"])

    assert chinese["ETag"] != english["ETag"]
    # A visitor's copy is never the signed-in person's (their name is in the header), and
    # only their own browser keeps it.
    assert signed_in.status_code == 200
    assert signed_in["Cache-Control"] == "private, max-age=300"
    # Downloads are the same for everyone.
    csv_anonymous = client.get(url("catalog_csv", "310000", 1))
    csv_signed_in = person.get(url("catalog_csv", "310000", 1))
    assert csv_anonymous["ETag"] == csv_signed_in["ETag"]
    assert csv_signed_in["Cache-Control"] == "public, max-age=300"


def test_etag_of_the_page_changes_when_another_version_takes_over(
    client: Client, occupations: dict[str, Occupation]
) -> None:
    t = today()
    make_catalog(
        "310000",
        version=1,
        state=S.LAPSED,
        effective_from=t - 1500 * DAY,
        expires_on=t - 100 * DAY,
    )
    etag = client.get(url("catalog", "310000", 1))["ETag"]
    in_force("310000", version=2, effective_from=t - 10 * DAY, occupations=occupations)

    response = client.get(url("catalog", "310000", 1), HTTP_IF_NONE_MATCH=etag)

    # The lapsed version's page now links to version 2, in force.
    assert response.status_code == 200
    assert f'href="{url("catalog", "310000", 2)}"' in response.content.decode()


def test_every_public_page_may_be_cached_for_five_minutes(
    client: Client, occupations: dict[str, Occupation]
) -> None:
    small_catalog(occupations)
    for address in (
        url("occupations"),
        url("occupations") + "?q=2-02",
        url("occupation", "2-02-10-03"),
        url("catalogs"),
        url("province_catalogs", "310000"),
    ):
        assert client.get(address)["Cache-Control"] == "public, max-age=300", address
    # Not-found pages are not cached as pages of published content.
    assert client.get(url("catalog", "310000", 9)).has_header("Cache-Control") is False


# Queries of an occupation's page for a visitor: 1. the occupation with its parent; 2. the
# groups above it (one query for the breadcrumb); 3. the entries of the catalogs in force
# that list it, with their province (a detailed occupation) or its children (a group).
@pytest.mark.parametrize("code", ["2-02-10-03", "2-02-10-00"])
@pytest.mark.parametrize("provinces", [1, 5])
def test_occupation_page_query_count_does_not_grow_with_listings(
    client: Client,
    occupations: dict[str, Occupation],
    django_assert_num_queries: Any,
    code: str,
    provinces: int,
) -> None:
    for region_code in ("310000", "440000", "110000", "320000", "330000")[:provinces]:
        in_force(region_code, occupations=occupations)

    with django_assert_num_queries(3):
        response = client.get(url("occupation", code))

    assert response.status_code == 200


# Queries of a province's versions: 1. the province; 2. its published versions; 3. the
# announcements published about its catalog (portal.publications).
@pytest.mark.parametrize("versions", [1, 4])
def test_province_page_query_count_does_not_grow_with_versions(
    client: Client, django_assert_num_queries: Any, versions: int
) -> None:
    t = today()
    for n in range(1, versions + 1):
        start = t - (400 * (versions - n) + 100) * DAY
        make_catalog(
            "310000",
            version=n,
            state=S.PUBLISHED if n == versions else S.SUPERSEDED,
            effective_from=start,
            expires_on=start + 1200 * DAY,
            superseded_on=None if n == versions else start + 400 * DAY,
        )

    with django_assert_num_queries(3):
        response = client.get(url("province_catalogs", "310000"))

    assert len(table_rows(response.content.decode())) == versions
