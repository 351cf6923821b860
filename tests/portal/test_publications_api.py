"""The public API of publications: ``/api/v1/publications/`` and ``/api/v1/publications/{id}/``.

What the page ``/publications/`` shows, for machines: published announcements, policy
interpretations and FAQ entries only (never a draft, a text in review, a returned or
withdrawn one, never a report), newest first, with the page's filters (a bad value is a 400
naming the field), cursor-paginated, a flat number of queries, public and documented in the
OpenAPI schema without warnings.

Every request is sent with ``Accept-Language: en`` unless a test says otherwise, so that
error bodies compare exactly.
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

from portal import publication_services as services
from portal.api.publications import PublicationViewSet
from portal.models import Publication
from tests.portal.publishing import TITLE_EN, TITLE_ZH, draft, published

pytestmark = pytest.mark.django_db

S = Publication.State
K = Publication.Kind
LIST = "/api/v1/publications/"
INVALID_MESSAGE = "The request has invalid fields. Correct them and send it again."
NOT_FOUND = {"code": "not_found", "message": "Not found."}


# --- Fixtures (the pattern of tests/portal/test_publications.py) -------------------------------


def published_on(publication: Publication, day: dt.date) -> Publication:
    """Dates a published text back (the services stamp today)."""
    Publication.objects.filter(pk=publication.pk).update(published_on=day)
    publication.refresh_from_db()
    return publication


# --- Helpers ------------------------------------------------------------------------------------


def api(language: str = "en") -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE=language)


def body(response: Any) -> Any:
    return json.loads(response.content)


def get(address: str, status: int = 200, *, language: str = "en") -> Any:
    response = api(language).get(address)
    assert response.status_code == status, (address, response.status_code, response.content)
    assert response["Content-Type"] == "application/json"
    return body(response)


def ids(page: dict[str, Any]) -> list[int]:
    return [row["id"] for row in page["results"]]


def relative(link: str) -> str:
    parts = urlparse(link)
    return f"{parts.path}?{parts.query}"


def today() -> dt.date:
    return timezone.localdate()


# --- What is listed, and how ------------------------------------------------------------------


def test_a_published_announcement_is_listed_with_its_fields_in_the_request_language(
    sh_editor, sh_editor2
):
    publication = published(
        sh_editor,
        sh_editor2,
        summary_zh="目录自即日起施行。",
        summary_en="The catalog is in force.",
        subjects=[("catalog", "310000"), ("standard", "310000")],
    )
    expected = {
        "id": publication.pk,
        "kind": "announcement",
        "authority": {
            "code": "310000",
            "name_zh": "上海市人力资源和社会保障局",
            "name_en": "Shanghai Municipal HR and Social Security Bureau",
        },
        "title_zh": TITLE_ZH,
        "title_en": TITLE_EN,
        "summary_zh": "目录自即日起施行。",
        "summary_en": "The catalog is in force.",
        "published_on": today().isoformat(),
        "subjects": [
            {
                "kind": "catalog",
                "key": "310000",
                "title": "Guidance Catalog of Shanghai",
                "url": "http://testserver/en/catalogs/310000/",
            },
            {
                "kind": "standard",
                "key": "310000",
                "title": "Regional talent standard of Shanghai",
                "url": "http://testserver/en/standards/310000/",
            },
        ],
        "url": f"http://testserver/en/publications/{publication.pk}/",
    }

    assert get(LIST) == {"next": None, "previous": None, "results": [expected]}

    # In Chinese (the default): the same texts, the subjects' names and every address in
    # Chinese.
    [chinese] = get(LIST, language="zh-hans")["results"]
    assert chinese["subjects"] == [
        {
            "kind": "catalog",
            "key": "310000",
            "title": "上海市外国人来华工作指导目录",
            "url": "http://testserver/zh-hans/catalogs/310000/",
        },
        {
            "kind": "standard",
            "key": "310000",
            "title": "上海市区域性人才认定标准",
            "url": "http://testserver/zh-hans/standards/310000/",
        },
    ]
    assert chinese["url"] == f"http://testserver/zh-hans/publications/{publication.pk}/"
    assert get(f"{LIST}?about=catalog:310000", language="zh-hans")["results"] == [chinese]


def test_the_ministry_is_mohrss_and_a_text_without_subjects_has_none(mohrss_editor, mohrss_editor2):
    faq = published(
        mohrss_editor,
        mohrss_editor2,
        kind=K.FAQ,
        title_zh="更换用人单位需要重新提交材料吗？",
        title_en="",
        body_en="",
        subjects=[],
    )

    [row] = get(LIST)["results"]

    assert (row["id"], row["kind"], row["authority"]) == (
        faq.pk,
        "faq",
        {
            "code": "mohrss",
            "name_zh": "人力资源和社会保障部",
            "name_en": "Ministry of Human Resources and Social Security",
        },
    )
    assert (row["title_en"], row["subjects"]) == ("", [])


def test_newest_first_by_publication_date_then_id(sh_editor, sh_editor2):
    older = published(sh_editor, sh_editor2, title_en="Older")
    first = published(sh_editor, sh_editor2, title_en="First of today")
    second = published(sh_editor, sh_editor2, title_en="Second of today")
    # Approved last but dated earlier: the date decides, not the id.
    dated_back = published_on(published(sh_editor, sh_editor2), today() - dt.timedelta(days=3))
    published_on(older, today() - dt.timedelta(days=1))

    assert ids(get(LIST)) == [second.pk, first.pk, older.pk, dated_back.pk]


def test_drafts_texts_in_review_returned_withdrawn_and_reports_are_never_shown(
    sh_editor, sh_editor2
):
    public = published(sh_editor, sh_editor2, title_en="Public")
    a_draft = draft(sh_editor, title_en="Draft")
    in_review = draft(sh_editor, title_en="In review")
    services.publication_submit(actor=sh_editor, publication=in_review)
    returned = draft(sh_editor, title_en="Returned")
    services.publication_submit(actor=sh_editor, publication=returned)
    services.publication_return(actor=sh_editor2, publication=returned, reason="Check the date.")
    withdrawn = published(sh_editor, sh_editor2, title_en="Withdrawn")
    services.publication_withdraw(actor=sh_editor2, publication=withdrawn, reason="Replaced.")
    report = published(sh_editor, sh_editor2, kind=K.REPORT, title_en="Report", subjects=[])
    hidden = [a_draft, in_review, returned, withdrawn, report]
    assert [Publication.objects.get(pk=p.pk).state for p in hidden] == [
        S.DRAFT,
        S.IN_REVIEW,
        S.RETURNED,
        S.WITHDRAWN,
        S.PUBLISHED,  # a delivered report: published to the ministry, never public
    ]

    assert ids(get(LIST)) == [public.pk]
    # Not found by any filter either.
    assert ids(get(f"{LIST}?q=Report")) == []
    assert ids(get(f"{LIST}?authority=310000")) == [public.pk]
    for publication in hidden:
        assert get(f"{LIST}{publication.pk}/", 404) == NOT_FOUND
    assert get(f"{LIST}{public.pk}/")["id"] == public.pk


def test_a_signed_in_information_officer_reads_the_same_public_list(sh_editor, sh_editor2):
    public = published(sh_editor, sh_editor2)
    a_draft = draft(sh_editor)
    client = api()
    client.force_login(sh_editor)
    session = client.session
    session["portal_2fa_verified"] = True
    session.save()

    assert ids(body(client.get(LIST))) == [public.pk]
    assert client.get(f"{LIST}{a_draft.pk}/").status_code == 404


def test_unknown_ids_are_json_404s(sh_editor, sh_editor2):
    published(sh_editor, sh_editor2)

    assert get(f"{LIST}999999/", 404) == NOT_FOUND
    assert get(f"{LIST}abc/", 404) == NOT_FOUND
    # Too long for a database integer: not a 500.
    assert get(f"{LIST}{'9' * 30}/", 404) == NOT_FOUND


# --- The detail: the stored sanitised HTML ----------------------------------------------------


def test_the_detail_adds_the_stored_sanitised_html_never_the_markdown(sh_editor, sh_editor2):
    publication = published(sh_editor, sh_editor2)
    publication.refresh_from_db()
    listed = get(LIST)["results"][0]

    detail = get(f"{LIST}{publication.pk}/")

    assert detail == {
        **listed,
        "body_html_zh": publication.body_zh_html,
        "body_html_en": publication.body_en_html,
    }
    assert detail["body_html_en"] == (
        "<p>To employers:</p>\n<p>The catalog lists <strong>occupation codes</strong> and "
        "requirements.</p>"
    )
    assert "<script" not in detail["body_html_zh"]
    assert "<strong>职业代码</strong>" in detail["body_html_zh"]
    # The Markdown source is in no field.
    assert "**" not in json.dumps(detail, ensure_ascii=False)
    assert "body_html_zh" not in listed


def test_the_detail_sends_what_is_stored_not_a_fresh_rendering(sh_editor, sh_editor2):
    publication = published(sh_editor, sh_editor2)
    # Stored HTML that the Markdown would not give: the API must send it as it is.
    Publication.objects.filter(pk=publication.pk).update(body_en_html="<p>Stored.</p>")

    assert get(f"{LIST}{publication.pk}/")["body_html_en"] == "<p>Stored.</p>"


# --- Filters ------------------------------------------------------------------------------------


@pytest.fixture
def two_texts(sh_editor, sh_editor2, mohrss_editor, mohrss_editor2) -> dict[str, Publication]:
    notice = published(sh_editor, sh_editor2)
    faq = published(
        mohrss_editor,
        mohrss_editor2,
        kind=K.FAQ,
        title_zh="更换用人单位需要重新提交材料吗？",
        title_en="Does a new employer resubmit documents?",
        body_zh="不需要重新提交学历证明。",
        body_en="No degree certificate is asked for again.",
        subjects=[("standard", "national")],
    )
    interpretation = published_on(
        published(
            sh_editor,
            sh_editor2,
            kind=K.INTERPRETATION,
            title_zh="政策解读",
            title_en="Interpreting the points table",
            body_zh="积分表解读。",
            body_en="How points are counted.",
            subjects=[("procedure", "extension")],
        ),
        dt.date(2019, 5, 1),
    )
    return {"notice": notice, "faq": faq, "interpretation": interpretation}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["faq", "notice", "interpretation"]),
        ("?q=Guidance", ["notice"]),
        ("?q=guidance+catalog", ["notice"]),  # every word, any case
        ("?q=指导目录", ["notice"]),
        ("?q=学历证明", ["faq"]),  # in the Chinese text
        ("?q=certificate", ["faq"]),  # in the English text
        ("?q=nothing-like-this", []),
        ("?q=+", ["faq", "notice", "interpretation"]),  # blank: no filter
        ("?kind=faq", ["faq"]),
        ("?kind=announcement", ["notice"]),
        ("?kind=interpretation", ["interpretation"]),
        ("?authority=mohrss", ["faq"]),
        ("?authority=MOHRSS", ["faq"]),
        ("?authority=310000", ["notice", "interpretation"]),
        ("?year=2019", ["interpretation"]),
        ("?year=2018", []),
        ("?about=catalog:310000", ["notice"]),
        ("?about=standard:national", ["faq"]),
        ("?about=procedure:extension", ["interpretation"]),
        ("?about=catalog:440000", []),
        ("?authority=310000&kind=announcement&q=catalog", ["notice"]),
        ("?authority=310000&year=2019&about=procedure:extension", ["interpretation"]),
        ("?authority=mohrss&kind=announcement", []),
        ("?unknown=ignored", ["faq", "notice", "interpretation"]),
    ],
)
def test_each_filter_of_the_public_page(two_texts, query, expected):
    names = {p.pk: name for name, p in two_texts.items()}

    assert [names[pk] for pk in ids(get(f"{LIST}{query}"))] == expected


def test_the_year_filter_takes_this_year(two_texts):
    this_year = today().year

    assert ids(get(f"{LIST}?year={this_year}")) == [two_texts["faq"].pk, two_texts["notice"].pk]


ANY_AUTHORITY = (
    "No authority publishes under this code: give a province's division code (310000) or "
    "mohrss for the ministry."
)
ANY_SUBJECT = "Unknown subject: give a kind and a key, such as catalog:310000."
NOT_A_KIND = "Select a valid choice. {kind} is not one of the available choices."


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("?kind=report", {"kind": [NOT_A_KIND.format(kind="report")]}),
        ("?kind=news", {"kind": [NOT_A_KIND.format(kind="news")]}),
        ("?year=abc", {"year": ["Enter a whole number."]}),
        ("?year=2019.5", {"year": ["Enter a whole number."]}),
        ("?year=2016", {"year": ["Give a year from 2017 to {this_year}."]}),
        ("?year={next_year}", {"year": ["Give a year from 2017 to {this_year}."]}),
        ("?authority=shanghai", {"authority": [ANY_AUTHORITY]}),
        ("?authority=310100", {"authority": [ANY_AUTHORITY]}),
        ("?authority=440000", {"authority": [ANY_AUTHORITY]}),  # no authority there
        ("?authority=1234567", {"authority": [ANY_AUTHORITY]}),
        ("?authority=" + "1" * 500, {"authority": [ANY_AUTHORITY]}),
        ("?about=nonsense", {"about": [ANY_SUBJECT]}),
        ("?about=planet:mars", {"about": [ANY_SUBJECT]}),
        ("?about=catalog:", {"about": [ANY_SUBJECT]}),
        ("?q=" + "x" * 101, {"q": ["Ensure this value has at most 100 characters (it has 101)."]}),
        (
            "?kind=report&year=abc",
            {
                "kind": [NOT_A_KIND.format(kind="report")],
                "year": ["Enter a whole number."],
            },
        ),
    ],
)  # fmt: skip
def test_a_bad_filter_is_a_400_naming_the_field(two_texts, query, fields):
    this_year = today().year
    query = query.format(this_year=this_year, next_year=this_year + 1)
    fields = {
        name: [message.format(this_year=this_year) for message in messages]
        for name, messages in fields.items()
    }

    assert get(f"{LIST}{query}", 400) == {
        "code": "invalid",
        "message": INVALID_MESSAGE,
        "fields": fields,
    }


def test_a_bad_filter_is_explained_in_chinese_too(two_texts):
    answer = get(f"{LIST}?kind=report", 400, language="zh-hans")

    assert answer["code"] == "invalid"
    assert list(answer["fields"]) == ["kind"]
    assert answer["message"] != INVALID_MESSAGE


# --- Pagination ---------------------------------------------------------------------------------


def test_cursor_pagination_walks_every_text_once_newest_first(sh_editor, sh_editor2):
    made = [published(sh_editor, sh_editor2, title_en=f"Notice {n}") for n in range(13)]
    # Three days, several texts a day: the cursor must not lose or repeat one within a day.
    for n, publication in enumerate(made):
        published_on(publication, today() - dt.timedelta(days=n % 3))
    expected = [
        p.pk
        for p in sorted(
            (Publication.objects.get(pk=p.pk) for p in made),
            key=lambda p: (p.published_on, p.pk),
            reverse=True,
        )
    ]

    first = get(f"{LIST}?page_size=5")
    second = get(relative(first["next"]))
    third = get(relative(second["next"]))

    assert (first["previous"], third["next"]) == (None, None)
    assert ids(first) + ids(second) + ids(third) == expected
    assert [len(ids(p)) for p in (first, second, third)] == [5, 5, 3]
    assert ids(get(relative(third["previous"]))) == ids(second)
    # 20 a page by default, no COUNT: no "count" in the answer.
    default = get(LIST)
    assert (ids(default), default["next"]) == (expected, None)
    assert "count" not in default


def test_pagination_keeps_the_filters(sh_editor, sh_editor2, mohrss_editor, mohrss_editor2):
    shanghai = [published(sh_editor, sh_editor2) for _ in range(4)]
    published(mohrss_editor, mohrss_editor2, subjects=[])

    first = get(f"{LIST}?authority=310000&page_size=3")
    second = get(relative(first["next"]))

    assert "authority=310000" in first["next"]
    assert ids(first) + ids(second) == [p.pk for p in reversed(shanghai)]
    assert second["next"] is None


def test_an_invalid_cursor_is_a_json_404(sh_editor, sh_editor2):
    published(sh_editor, sh_editor2)

    assert get(f"{LIST}?cursor=nonsense", 404) == {
        "code": "not_found",
        "message": "Invalid cursor",
    }


# --- Query counts -------------------------------------------------------------------------------


# A page of the list, for an anonymous caller: 1. the page (with its authorities); 2. the
# subjects of the page's texts; 3. the name of Shanghai for "Guidance Catalog of Shanghai"
# (each subject is described once a request, however many texts name it). No session, no
# COUNT, and the throttle keeps its counts in the cache.
LIST_QUERIES = 3
# One text: the text with its authority, its subjects, the province's name.
DETAIL_QUERIES = 3


@pytest.mark.parametrize("count", [3, 13])
def test_the_query_count_does_not_grow_with_the_list(
    sh_editor, sh_editor2, django_assert_num_queries, count
):
    made = [published(sh_editor, sh_editor2, title_en=f"Notice {n}") for n in range(count)]

    with django_assert_num_queries(LIST_QUERIES):
        page = get(LIST)
    assert len(ids(page)) == count
    # A filter on the authority reads the authority first.
    with django_assert_num_queries(LIST_QUERIES + 1):
        assert len(ids(get(f"{LIST}?authority=310000&q=Notice&kind=announcement"))) == count
    with django_assert_num_queries(DETAIL_QUERIES):
        assert get(f"{LIST}{made[0].pk}/")["id"] == made[0].pk


def test_a_bad_filter_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        get(f"{LIST}?authority=shanghai&year=abc", 400)


# --- Public, read-only, documented --------------------------------------------------------------


def test_public_read_only_and_throttled_like_the_other_public_endpoints(sh_editor, sh_editor2):
    # AllowAny, and the default anonymous rate (no view-level override): the test settings
    # switch throttling off, the kernel's tests check the rate itself.
    assert [type(p).__name__ for p in PublicationViewSet().get_permissions()] == ["AllowAny"]
    assert "throttle_classes" not in vars(PublicationViewSet)
    publication = published(sh_editor, sh_editor2)

    for address in (LIST, f"{LIST}{publication.pk}/"):
        for method in ("post", "put", "patch", "delete"):
            response = getattr(api(), method)(address, {"title_en": "x"}, format="json")
            assert response.status_code == 405, (method, address)
            assert body(response)["code"] == "method_not_allowed"
    publication.refresh_from_db()
    assert (Publication.objects.count(), publication.title_en) == (1, TITLE_EN)


def test_the_api_root_links_the_list() -> None:
    assert get("/api/v1/")["publications"] == "http://testserver/api/v1/publications/"


def test_the_schema_documents_the_endpoints_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert sorted(document["paths"]["/api/v1/publications/"]) == ["get"]
    assert sorted(document["paths"]["/api/v1/publications/{id}/"]) == ["get"]
    listing = document["paths"]["/api/v1/publications/"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert sorted(parameters) == ["about", "authority", "cursor", "kind", "page_size", "q", "year"]
    assert parameters["year"]["schema"] == {"type": "integer"}
    assert parameters["kind"]["schema"]["enum"] == ["announcement", "faq", "interpretation"]
    [detail_id] = document["paths"]["/api/v1/publications/{id}/"]["get"]["parameters"]
    assert (detail_id["name"], detail_id["schema"]) == ("id", {"type": "integer"})
    detail = document["components"]["schemas"]["PublicationDetail"]["properties"]
    assert list(detail) == [
        "id",
        "kind",
        "authority",
        "title_zh",
        "title_en",
        "summary_zh",
        "summary_en",
        "published_on",
        "subjects",
        "url",
        "body_html_zh",
        "body_html_en",
    ]
