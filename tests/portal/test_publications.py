"""Announcements, policy interpretations, FAQ entries and reports (issue 8).

Done means: a province publishes an announcement linked to its catalog and it appears on
the catalog page and in the feed. Through the pages: a Shanghai information officer drafts
an announcement about Shanghai's Guidance Catalog, a second officer approves it, and it
appears on the catalog's pages and in Shanghai's RSS and Atom feeds, nowhere before.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from portal import guides
from portal import publication_selectors as selectors
from portal import publication_services as services
from portal.models import (
    AuditEvent,
    Notification,
    Publication,
    TransitionRecord,
    User,
)
from portal.models.filing import FilingState
from portal.navigation import items_for
from portal.publications import allowed_subjects, describe_subject, subject_stamp
from portal.richtext import render_markdown
from portal.roles import Role
from portal.services import PermissionDeniedError
from portal.workflow import GuardFailed, TransitionPermissionDenied
from tests.catalogs.conftest import SLICE, create_occupations, make_catalog
from tests.factories import OrganizationFactory, region
from tests.pages import html_of, raw_tr
from tests.portal.publishing import BODY_EN, BODY_ZH, TITLE_EN, TITLE_ZH, draft, published

pytestmark = pytest.mark.django_db

S = Publication.State
K = Publication.Kind
ATOM = "{http://www.w3.org/2005/Atom}"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["portal_2fa_verified"] = True
    session.save()
    return client


# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def gd_editor(roles) -> User:
    return roles.user(Role.INFORMATION_OFFICER, region_code="440000")


@pytest.fixture
def ministry_reviewer(roles, ministry) -> User:
    return roles.user(Role.MINISTRY_REVIEWER, organization=ministry)


@pytest.fixture
def catalog() -> Any:
    occupations = create_occupations(SLICE)
    today = timezone.localdate()
    return make_catalog(
        "310000",
        version=1,
        state=FilingState.PUBLISHED,
        effective_from=today - dt.timedelta(days=100),
        expires_on=today + dt.timedelta(days=1000),
        entries={
            "2-02-10-03": {
                "category": "B",
                "min_education": "bachelor",
                "min_experience_years": 3,
                "min_annual_salary_cny": Decimal("300000"),
            }
        },
        occupations=occupations,
    )


def rss_items(client: Client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")  # noqa: S314 - our own feed
    assert channel is not None
    return [{child.tag: (child.text or "") for child in item} for item in channel.findall("item")]


def atom_entries(client: Client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own feed
    entries = []
    for entry in feed.findall(f"{ATOM}entry"):
        found = {child.tag.removeprefix(ATOM): (child.text or "") for child in entry}
        link = entry.find(f"{ATOM}link")
        found["link"] = link.get("href", "") if link is not None else ""
        entries.append(found)
    return entries


def transitions_of(publication: Publication) -> list[str]:
    return list(
        TransitionRecord.objects.filter(
            target_model="portal.publication", target_id=str(publication.pk)
        )
        .order_by("pk")
        .values_list("transition", flat=True)
    )


# --- Done means --------------------------------------------------------------------------------


def test_a_province_publishes_an_announcement_on_its_catalog(
    catalog, ministry, sh_editor, sh_editor2, django_capture_on_commit_callbacks
):
    visitor = Client()
    desk = signed_in(sh_editor)

    # The form offers Shanghai's own catalog and standard, and no other province's.
    form = html_of(desk.get("/en/publications/desk/new/"))
    assert 'value="catalog:310000"' in form
    assert 'value="standard:310000"' in form
    assert 'value="catalog:440000"' not in form
    assert 'value="report"' in form  # a provincial authority files reports

    # Sh.editor drafts the announcement, linked to Shanghai's catalog.
    response = desk.post(
        "/en/publications/desk/new/",
        {
            "kind": "announcement",
            "title_zh": TITLE_ZH,
            "title_en": TITLE_EN,
            "summary_en": "The catalog is in force.",
            "body_zh": BODY_ZH,
            "body_en": BODY_EN,
            "subjects": ["catalog:310000"],
        },
    )
    publication = Publication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/publications/desk/{publication.pk}/"
    assert (publication.state, publication.author, publication.authority.region.code) == (
        S.DRAFT,
        sh_editor,
        "310000",
    )
    assert list(publication.links.values_list("subject_kind", "subject_key")) == [
        ("catalog", "310000")
    ]
    assert "<script" not in publication.body_zh_html
    assert publication.body_en_html == (
        "<p>To employers:</p>\n<p>The catalog lists <strong>occupation codes</strong> and "
        "requirements.</p>"
    )

    def nowhere_public() -> None:
        assert visitor.get(f"/en/publications/{publication.pk}/").status_code == 404
        for language, title in (("en", TITLE_EN), ("zh-hans", TITLE_ZH)):
            for page in (
                f"/{language}/catalogs/310000/v1/",
                f"/{language}/catalogs/310000/",
                f"/{language}/publications/",
                f"/{language}/publications/authority/310000/",
                f"/{language}/publications/?q=Shanghai",
            ):
                assert title not in html_of(visitor.get(page)), page
        assert rss_items(visitor, "/en/publications/authority/310000/rss.xml") == []
        assert atom_entries(visitor, "/en/publications/authority/310000/atom.xml") == []
        assert rss_items(visitor, "/en/publications/rss.xml") == []

    nowhere_public()

    # Submitted for review: still nowhere public.
    desk.post(f"/en/publications/desk/{publication.pk}/", {"action": "submit"})
    publication.refresh_from_db()
    assert publication.state == S.IN_REVIEW
    nowhere_public()

    # The author may not approve it: refused with a clear message, nothing changed.
    page = html_of(desk.get(f"/en/publications/desk/{publication.pk}/"))
    assert 'value="approve"' not in page
    events = AuditEvent.objects.count()
    response = desk.post(
        f"/en/publications/desk/{publication.pk}/", {"action": "approve"}, follow=True
    )
    assert "another information officer of your authority must review it" in html_of(response)
    publication.refresh_from_db()
    assert (publication.state, publication.reviewer, publication.published_on) == (
        S.IN_REVIEW,
        None,
        None,
    )
    assert AuditEvent.objects.count() == events
    assert transitions_of(publication) == ["submit"]
    nowhere_public()

    # Sh.editor2 finds it waiting and approves it.
    second = signed_in(sh_editor2)
    waiting = html_of(second.get("/en/publications/desk/"))
    assert f'href="/en/publications/desk/{publication.pk}/"' in waiting
    assert 'value="approve"' in html_of(second.get(f"/en/publications/desk/{publication.pk}/"))
    with django_capture_on_commit_callbacks(execute=True):
        response = second.post(f"/en/publications/desk/{publication.pk}/", {"action": "approve"})
    assert response.status_code == 302
    publication.refresh_from_db()
    today = timezone.localdate()
    assert (publication.state, publication.reviewer, publication.published_on) == (
        S.PUBLISHED,
        sh_editor2,
        today,
    )
    assert transitions_of(publication) == ["submit", "approve"]

    # It appears on the catalog's pages, in both languages.
    link = f'href="/en/publications/{publication.pk}/"'
    for page in ("/en/catalogs/310000/v1/", "/en/catalogs/310000/"):
        html = html_of(visitor.get(page))
        assert TITLE_EN in html, page
        assert link in html, page
    assert TITLE_ZH in html_of(visitor.get("/zh-hans/catalogs/310000/v1/"))

    # Its own page, in English.
    detail = html_of(visitor.get(f"/en/publications/{publication.pk}/"))
    assert TITLE_EN in detail
    assert "<strong>occupation codes</strong>" in detail
    assert 'href="/en/catalogs/310000/"' in detail  # the subject, linked
    assert "alert(" not in detail

    # Shanghai's RSS feed, in English; its Atom feed, in Chinese.
    [item] = rss_items(visitor, "/en/publications/authority/310000/rss.xml")
    assert item["title"] == TITLE_EN
    assert item["link"] == f"http://testserver/en/publications/{publication.pk}/"
    assert item["description"] == "The catalog is in force."
    assert parsedate_to_datetime(item["pubDate"]).date() == today
    [entry] = atom_entries(visitor, "/zh-hans/publications/authority/310000/atom.xml")
    assert entry["title"] == TITLE_ZH
    assert entry["link"] == f"http://testserver/zh-hans/publications/{publication.pk}/"
    assert dt.datetime.fromisoformat(entry["published"]).date() == today
    assert "<script" not in entry["summary"]
    # And the feeds of every authority; not the ministry's.
    assert [i["title"] for i in rss_items(visitor, "/en/publications/rss.xml")] == [TITLE_EN]
    assert [e["title"] for e in atom_entries(visitor, "/en/publications/atom.xml")] == [TITLE_EN]
    assert rss_items(visitor, "/en/publications/authority/mohrss/rss.xml") == []


def test_the_list_pages_point_to_their_feeds(client, sh_editor, sh_editor2):
    html = html_of(client.get("/en/publications/authority/310000/"))
    assert (
        '<link rel="alternate" type="application/rss+xml" '
        'href="/en/publications/authority/310000/rss.xml"' in html
    )
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'href="/en/publications/authority/310000/atom.xml"' in html
    )
    html = html_of(client.get("/zh-hans/publications/"))
    assert 'href="/zh-hans/publications/rss.xml"' in html
    assert 'href="/zh-hans/publications/atom.xml"' in html
    assert client.get("/en/publications/authority/990000/").status_code == 404
    assert client.get("/en/publications/authority/990000/rss.xml").status_code == 404


# --- The four-eyes rule and who sees what ------------------------------------------------------


def test_the_author_cannot_approve_or_return_their_own_text(sh_editor, sh_editor2):
    publication = draft(sh_editor)
    services.publication_submit(actor=sh_editor, publication=publication)
    events = AuditEvent.objects.count()
    with pytest.raises(GuardFailed) as refused:
        services.publication_approve(actor=sh_editor, publication=publication)
    assert refused.value.message == raw_tr(
        "You wrote this text: another information officer of your authority must review it "
        "(four-eyes rule)."
    )
    assert refused.value.details == {"rule": "four_eyes"}
    with pytest.raises(GuardFailed):
        services.publication_return(actor=sh_editor, publication=publication, reason="typo")
    publication.refresh_from_db()
    assert (publication.state, publication.reviewer_id) == (S.IN_REVIEW, None)
    assert AuditEvent.objects.count() == events
    # A colleague returns it with reasons; the author revises, resubmits; the colleague
    # approves.
    services.publication_return(actor=sh_editor2, publication=publication, reason="日期有误")
    publication.refresh_from_db()
    assert (publication.state, publication.returned_reason) == (S.RETURNED, "日期有误")
    services.publication_update(
        actor=sh_editor,
        publication=publication,
        title_zh=TITLE_ZH,
        title_en=TITLE_EN,
        body_zh="更正后的正文。",
        body_en="Corrected text.",
        subjects=[],
    )
    publication.refresh_from_db()
    assert (publication.state, publication.body_en_html, publication.links.count()) == (
        S.DRAFT,
        "<p>Corrected text.</p>",
        0,
    )
    services.publication_submit(actor=sh_editor, publication=publication)
    services.publication_approve(actor=sh_editor2, publication=publication)
    assert transitions_of(publication) == ["submit", "return", "revise", "submit", "approve"]


def test_only_the_author_edits_and_submits(sh_editor, sh_editor2):
    publication = draft(sh_editor)
    with pytest.raises(PermissionDeniedError):
        services.publication_update(
            actor=sh_editor2, publication=publication, title_zh="改", body_zh="改"
        )
    with pytest.raises(TransitionPermissionDenied):
        services.publication_submit(actor=sh_editor2, publication=publication)
    publication.refresh_from_db()
    assert (publication.state, publication.title_zh) == (S.DRAFT, TITLE_ZH)
    client = signed_in(sh_editor2)
    assert client.get(f"/en/publications/desk/{publication.pk}/edit/").status_code == 404


def test_another_provinces_officer_gets_404_on_a_shanghai_draft(
    sh_editor, sh_editor2, gd_editor, mohrss_editor
):
    publication = draft(sh_editor)
    services.publication_submit(actor=sh_editor, publication=publication)
    for officer in (gd_editor, mohrss_editor):
        client = signed_in(officer)
        base = f"/en/publications/desk/{publication.pk}/"
        assert client.get(base).status_code == 404
        assert client.get(f"{base}edit/").status_code == 404
        assert client.post(base, {"action": "approve"}).status_code == 404
        assert f'href="{base}"' not in html_of(client.get("/en/publications/desk/"))
        with pytest.raises(TransitionPermissionDenied):
            services.publication_approve(actor=officer, publication=publication)
    publication.refresh_from_db()
    assert publication.state == S.IN_REVIEW
    assert transitions_of(publication) == ["submit"]


def test_people_without_the_role_have_no_desk(client, roles):
    assert client.get("/en/publications/desk/").status_code == 302  # to sign in
    drafter = signed_in(roles.user(Role.STANDARDS_DRAFTER, region_code="310000"))
    assert drafter.get("/en/publications/desk/").status_code == 404
    assert drafter.get("/en/publications/desk/new/").status_code == 404
    assert drafter.get("/en/publications/reports/").status_code == 404


def test_a_province_may_link_only_its_own_subjects(sh_editor, mohrss_editor):
    # Its own catalog and standard, and every procedure (the service guides are national).
    assert allowed_subjects(sh_editor.organization) == {
        ("catalog", "310000"),
        ("standard", "310000"),
        *(("procedure", spec.key) for spec in guides.guides()),
    }
    assert ("procedure", "extension") in allowed_subjects(sh_editor.organization)
    ministry = allowed_subjects(mohrss_editor.organization)
    assert {("catalog", "440000"), ("standard", "national"), ("standard", "110000")} <= ministry
    with pytest.raises(ValidationError) as refused:
        draft(sh_editor, subjects=[("catalog", "440000")])
    assert list(refused.value.message_dict) == ["subjects"]
    client = signed_in(sh_editor)
    response = client.post(
        "/en/publications/desk/new/",
        {"kind": "announcement", "title_en": "x", "body_en": "y", "subjects": ["catalog:440000"]},
    )
    assert response.status_code == 200
    assert Publication.objects.count() == 0


def test_subjects_describe_themselves():
    shanghai = describe_subject("catalog", "310000")
    assert shanghai is not None
    assert shanghai.url == "/zh-hans/catalogs/310000/"
    national = describe_subject("standard", "national")
    assert national is not None
    assert national.url == "/zh-hans/standards/national/"
    assert describe_subject("catalog", "999999") is None
    assert describe_subject("nothing", "310000") is None


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"title_zh": "", "body_zh": "", "title_en": "", "body_en": ""}, ["title_zh"]),
        ({"title_zh": "标题", "body_zh": "", "title_en": "", "body_en": ""}, ["body_zh"]),
        ({"title_zh": "", "body_zh": "", "title_en": "", "body_en": "text"}, ["title_en"]),
    ],
)
def test_a_text_needs_a_complete_language(sh_editor, fields, errors):
    with pytest.raises(ValidationError) as refused:
        services.publication_create(actor=sh_editor, kind=K.FAQ, **fields)
    assert sorted(refused.value.message_dict) == errors
    assert Publication.objects.count() == 0


# --- Reports -----------------------------------------------------------------------------------


def test_reports_reach_the_ministry_and_are_never_public(
    client, sh_editor, sh_editor2, gd_editor, mohrss_editor, ministry_reviewer
):
    report = draft(
        sh_editor,
        kind=K.REPORT,
        title_zh="关于目录实施情况的报告",
        title_en="Report on the catalog",
        body_en="Confidential figures.",
        body_zh="内部数据。",
        subjects=[],
    )
    services.publication_submit(actor=sh_editor, publication=report)
    # Before approval, not even the ministry reads it.
    assert signed_in(mohrss_editor).get(f"/en/publications/desk/{report.pk}/").status_code == 404
    services.publication_approve(actor=sh_editor2, publication=report)
    report.refresh_from_db()
    assert report.state == S.PUBLISHED

    assert client.get(f"/en/publications/{report.pk}/").status_code == 404
    for feed in ("/en/publications/rss.xml", "/en/publications/authority/310000/rss.xml"):
        assert rss_items(client, feed) == []
    assert atom_entries(client, "/en/publications/authority/310000/atom.xml") == []
    for page in ("/en/publications/?q=Report", "/en/publications/?q=Confidential"):
        assert "Report on the catalog" not in html_of(client.get(page))
    assert list(selectors.public_publications(q="Confidential")) == []

    for reader in (mohrss_editor, ministry_reviewer):
        desk = signed_in(reader)
        assert "Report on the catalog" in html_of(desk.get("/en/publications/reports/"))
        page = html_of(desk.get(f"/en/publications/desk/{report.pk}/"))
        assert "Confidential figures." in page
        assert 'value="withdraw"' not in page  # the ministry reads; the province acts
    assert signed_in(gd_editor).get(f"/en/publications/desk/{report.pk}/").status_code == 404
    assert signed_in(gd_editor).get("/en/publications/reports/").status_code == 404


def test_only_provinces_file_reports(mohrss_editor):
    with pytest.raises(ValidationError) as refused:
        draft(mohrss_editor, kind=K.REPORT, subjects=[])
    assert list(refused.value.message_dict) == ["kind"]
    form = html_of(signed_in(mohrss_editor).get("/en/publications/desk/new/"))
    assert 'value="report"' not in form


def test_a_sub_provincial_authority_does_not_publish(roles):
    pudong_authority = OrganizationFactory(sub_provincial=True, region=region("310000"))
    officer = roles.user(Role.INFORMATION_OFFICER, organization=pudong_authority)
    with pytest.raises(PermissionDeniedError):
        draft(officer, subjects=[])
    assert signed_in(officer).get("/en/publications/desk/new/").status_code == 404


# --- Withdrawal ----------------------------------------------------------------------------------


def test_a_withdrawn_announcement_leaves_the_catalog_page_and_the_feed(
    client, catalog, sh_editor, sh_editor2, django_capture_on_commit_callbacks
):
    before = subject_stamp("catalog", "310000")
    with django_capture_on_commit_callbacks(execute=True):
        publication = published(sh_editor, sh_editor2)
    after_publish = subject_stamp("catalog", "310000")
    assert after_publish != before  # conditional requests of the catalog page see it
    assert TITLE_ZH in html_of(client.get("/zh-hans/catalogs/310000/v1/"))

    with pytest.raises(GuardFailed):
        services.publication_withdraw(actor=sh_editor, publication=publication, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_withdraw(
            actor=sh_editor, publication=publication, reason="被新通知取代"
        )
    assert subject_stamp("catalog", "310000") != after_publish
    publication.refresh_from_db()
    assert (publication.state, publication.withdrawn_reason) == (S.WITHDRAWN, "被新通知取代")
    assert TITLE_ZH not in html_of(client.get("/zh-hans/catalogs/310000/v1/"))
    assert rss_items(client, "/zh-hans/publications/authority/310000/rss.xml") == []
    assert client.get(f"/zh-hans/publications/{publication.pk}/").status_code == 404


# --- Languages -----------------------------------------------------------------------------------


def test_a_page_falls_back_to_the_other_language_with_a_note(client, sh_editor, sh_editor2):
    publication = published(
        sh_editor, sh_editor2, title_en="", body_en="", title_zh="仅中文", body_zh="只有中文正文。"
    )
    html = html_of(client.get(f"/en/publications/{publication.pk}/"))
    assert "仅中文" in html
    assert '<div class="publication__body" lang="zh-Hans"><p>只有中文正文。</p></div>' in html
    assert "This text has not been published in English; it is shown in Chinese." in html
    chinese = html_of(client.get(f"/zh-hans/publications/{publication.pk}/"))
    assert 'lang="zh-Hans"><p>只有中文正文。</p>' in chinese
    assert "it is shown in Chinese" not in chinese
    [item] = rss_items(client, "/en/publications/authority/310000/rss.xml")
    assert item["title"] == "仅中文"


# --- Search ---------------------------------------------------------------------------------------


def test_search_finds_english_and_chinese_words(
    client, sh_editor, sh_editor2, mohrss_editor, mohrss_editor2
):
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

    def found(query: str) -> list[int]:
        html = html_of(client.get(f"/en/publications/{query}"))
        return [int(pk) for pk in re.findall(r'href="/en/publications/(\d+)/"', html)]

    assert found("?q=Guidance") == [notice.pk]
    assert found("?q=guidance+catalog") == [notice.pk]  # every word, any case
    assert found("?q=指导目录") == [notice.pk]
    assert found("?q=学历证明") == [faq.pk]  # in the Chinese text
    assert found("?q=certificate") == [faq.pk]  # in the English text
    assert found("?q=nothing-like-this") == []
    assert found("?kind=faq") == [faq.pk]
    assert found("?authority=mohrss") == [faq.pk]
    assert found("?authority=310000") == [notice.pk]
    assert found(f"?year={timezone.localdate().year}") == [faq.pk, notice.pk]
    assert found("?year=2018") == []
    assert found("?about=catalog:310000") == [notice.pk]
    assert found("?about=standard:national") == [faq.pk]
    assert found("authority/mohrss/") == [faq.pk]
    # A bad filter is shown with its error and ignored, never a 500.
    response = client.get("/en/publications/?kind=report&about=nonsense")
    assert response.status_code == 200
    assert found("?kind=report") == [faq.pk, notice.pk]


# --- Query counts ---------------------------------------------------------------------------------


# The public list, for a visitor: 1. the authorities (the filter's choices); 2. the page.
LIST_QUERIES = 2


@pytest.mark.parametrize("count", [1, 8])
def test_public_list_query_count_does_not_grow(
    client, sh_editor, sh_editor2, django_assert_num_queries, count
):
    for n in range(count):
        published(sh_editor, sh_editor2, title_en=f"Notice {n}", title_zh=f"通知{n}")
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/en/publications/?q=Notice")
    assert response.status_code == 200
    with django_assert_num_queries(1):  # the feed of every authority: its items
        assert client.get("/en/publications/rss.xml").status_code == 200
    with django_assert_num_queries(2):  # an authority's feed: the authority, its items
        assert client.get("/en/publications/authority/310000/atom.xml").status_code == 200
    assert len(rss_items(client, "/en/publications/rss.xml")) == count


# The version page of a catalog: the three queries of tests/catalogs/test_public.py
# (VERSION_PAGE_QUERIES) and the publications about the province's catalog (one).
CATALOG_PAGE_QUERIES = 4


@pytest.mark.parametrize("count", [0, 1, 7])
def test_catalog_page_query_count_does_not_grow_with_publications(
    client, catalog, sh_editor, sh_editor2, django_assert_num_queries, count
):
    for n in range(count):
        published(sh_editor, sh_editor2, title_en=f"Notice {n}", title_zh=f"通知{n}")
    with django_assert_num_queries(CATALOG_PAGE_QUERIES):
        response = client.get("/en/catalogs/310000/v1/")
    html = html_of(response)
    shown = re.findall(r'href="/en/publications/(\d+)/"', html)
    assert len(shown) == min(count, 5)
    assert ('href="/en/publications/?about=catalog%3A310000"' in html) is (count > 0)


# --- Rich text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("<script>alert(1)</script>text", "<p>text</p>"),
        ('<img src="x" onerror="alert(1)">', "<p></p>"),
        ('<p onclick="alert(1)" style="color:red">p</p>', "<p>p</p>"),
        ("[x](javascript:alert(1))", '<p><a rel="noopener noreferrer">x</a></p>'),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', '<p><a rel="noopener noreferrer">x</a></p>'),
        (
            '<a href="data:text/html,<script>x</script>">x</a>',
            '<p><a rel="noopener noreferrer">x</a></p>',
        ),
        ("[x](/relative)", '<p><a rel="noopener noreferrer">x</a></p>'),
        ('<iframe src="https://example.com"></iframe>after', "<p>after</p>"),
        ("<style>body{display:none}</style>styled", "<p>styled</p>"),
        ("<svg onload=alert(1)><script>alert(2)</script></svg>svg", "<p>svg</p>"),
        ('<svg><a xlink:href="javascript:alert(1)">q</a></svg>', "<p></p>"),
        ("<math><mtext><script>alert(1)</script></mtext></math>m", "<p>m</p>"),
        ('<object data="x.swf"></object><embed src="x">o', "<p>o</p>"),
        (
            "[site](https://www.mohrss.gov.cn) [mail](mailto:info@example.cn)",
            '<p><a href="https://www.mohrss.gov.cn" rel="noopener noreferrer">site</a> '
            '<a href="mailto:info@example.cn" rel="noopener noreferrer">mail</a></p>',
        ),
        ("# 标题\n\n**粗** *斜*", "<h2>标题</h2>\n<p><strong>粗</strong> <em>斜</em></p>"),
        (
            "| a | b |\n|:--|--:|\n| 1 | 2 |",
            "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n"
            "<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>",
        ),
        (
            "> quote\n\n---\n\n```\ncode <b>\n```",
            "<blockquote>\n<p>quote</p>\n</blockquote>\n<hr>\n"
            "<pre><code>code &lt;b&gt;\n</code></pre>",
        ),
        ("", ""),
    ],
)
def test_rich_text_is_sanitised(source, html):
    assert render_markdown(source) == html


def test_stored_html_is_sanitised_on_every_write(sh_editor):
    publication = draft(sh_editor, body_en='Hi <img src=x onerror="alert(1)"> there')
    assert publication.body_en_html == "<p>Hi  there</p>"
    services.publication_update(
        actor=sh_editor,
        publication=publication,
        title_en=TITLE_EN,
        body_en="<script>alert(1)</script>**ok**",
    )
    publication.refresh_from_db()
    assert (publication.body_en_html, publication.body_zh_html) == (
        "<p><strong>ok</strong></p>",
        "",
    )


# --- Menus and demo data --------------------------------------------------------------------------


def test_menu_entries():
    public = [item.key for item, _url in items_for(frozenset(), signed_in=False)]
    assert "publications" in public
    assert "publishing_desk" not in public
    officer = [
        (item.key, url)
        for item, url in items_for(frozenset({"information_officer"}), signed_in=True)
    ]
    assert ("publishing_desk", "/zh-hans/publications/desk/") in officer
    reviewer = [
        (item.key, url) for item, url in items_for(frozenset({"ministry_reviewer"}), signed_in=True)
    ]
    assert ("provincial_reports", "/zh-hans/publications/reports/") in reviewer


def test_seed_demo_publishes_the_demo_texts(settings):
    import io

    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    rows = {
        (p.authority.region.code if p.authority.region else "mohrss", p.kind, p.state)
        for p in Publication.objects.select_related("authority__region")
    }
    assert rows == {
        ("310000", K.ANNOUNCEMENT, S.PUBLISHED),
        ("310000", K.ANNOUNCEMENT, S.IN_REVIEW),
        ("310000", K.FAQ, S.PUBLISHED),
        ("310000", K.REPORT, S.PUBLISHED),
        ("mohrss", K.INTERPRETATION, S.PUBLISHED),
        ("mohrss", K.FAQ, S.PUBLISHED),
    }
    assert Publication.objects.count() == 7
    faq = Publication.objects.get(links__subject_kind="procedure")
    assert list(faq.links.values_list("subject_kind", "subject_key")) == [
        ("procedure", "extension")
    ]
    for publication in Publication.objects.all():
        assert publication.title_zh
        assert publication.title_en
        assert publication.body_en_html
        if publication.reviewer_id:
            assert publication.reviewer_id != publication.author_id
    notice = Publication.objects.get(kind=K.ANNOUNCEMENT, state=S.PUBLISHED)
    assert list(notice.links.values_list("subject_kind", "subject_key")) == [("catalog", "310000")]
    assert notice.author.username == "sh.editor"
    assert notice.reviewer.username == "sh.editor2"
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    assert Publication.objects.count() == 7


# --- The role ---------------------------------------------------------------------------------


def test_the_information_officer_role_fits_authorities_and_the_ministry(roles, ministry):
    from portal import services as kernel
    from portal.access import has_organization_permission, requires_second_factor, role_names
    from portal.services import ServiceError
    from tests.factories import UserFactory

    officer = UserFactory(organization=ministry)
    kernel.role_grant(
        actor=None, user=officer, role=Role.INFORMATION_OFFICER, organization=ministry
    )
    assert role_names(officer) == frozenset({"information_officer"})
    assert has_organization_permission(officer, "publish_information", ministry) is True
    assert requires_second_factor(officer) is True
    employer_user = UserFactory()
    with pytest.raises(ServiceError) as refused:
        kernel.role_grant(
            actor=None,
            user=employer_user,
            role=Role.INFORMATION_OFFICER,
            organization=employer_user.organization,
        )
    assert refused.value.code == "role_organization_mismatch"
    assert role_names(employer_user) == frozenset()


def test_a_site_admin_gives_the_role_on_the_users_page(roles, shanghai):
    from tests.factories import UserFactory

    admin = signed_in(roles.user(Role.SITE_ADMIN))
    person = UserFactory(organization=shanghai)
    response = admin.post(f"/en/staff/users/{person.pk}/", {"role": "information_officer"})
    assert response.status_code == 302
    assert selectors.publishing_authority(person) == shanghai


# --- Notifications ----------------------------------------------------------------------------


def _inbox(user: User) -> list[tuple[str, str]]:
    return [
        (n.kind, n.params.get("title@en") or n.params.get("title", ""))
        for n in Notification.objects.filter(recipient=user).order_by("pk")
    ]


def test_the_second_officer_is_told_and_the_author_hears_back(
    sh_editor, sh_editor2, django_capture_on_commit_callbacks, mailoutbox
):
    publication = draft(sh_editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_submit(actor=sh_editor, publication=publication)
    title = publication.title_en
    assert _inbox(sh_editor2) == [("publications.review_requested", title)]
    assert _inbox(sh_editor) == []
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_return(actor=sh_editor2, publication=publication, reason="Dates?")
    assert _inbox(sh_editor) == [("publications.returned", title)]
    assert Notification.objects.get(recipient=sh_editor).params["reason"] == "Dates?"
    publication.refresh_from_db()
    services.publication_revise(actor=sh_editor, publication=publication)
    publication.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_submit(actor=sh_editor, publication=publication)
        publication.refresh_from_db()
        services.publication_approve(actor=sh_editor2, publication=publication)
    # Submitted twice: told twice; then published.
    assert _inbox(sh_editor2) == [("publications.review_requested", title)] * 2
    assert _inbox(sh_editor) == [
        ("publications.returned", title),
        ("publications.published", title),
    ]
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [sh_editor2.email] * 2 + [sh_editor.email] * 2
    )


def test_a_delivered_report_reaches_the_ministry(
    sh_editor, sh_editor2, mohrss_editor, roles, django_capture_on_commit_callbacks
):
    reviewer = roles.user(Role.MINISTRY_REVIEWER)
    report = draft(sh_editor, kind=Publication.Kind.REPORT)
    services.publication_submit(actor=sh_editor, publication=report)
    report.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_approve(actor=sh_editor2, publication=report)
    delivered = Notification.objects.filter(kind="publications.report_delivered")
    assert sorted(delivered.values_list("recipient__username", flat=True)) == sorted(
        [mohrss_editor.username, reviewer.username]
    )


def test_a_text_about_a_procedure_is_shown_on_its_guide(client, sh_editor, sh_editor2):
    publication = draft(sh_editor, kind=K.FAQ, subjects=[("procedure", "extension")])
    assert TITLE_EN not in html_of(client.get("/en/guides/extension/"))
    services.publication_submit(actor=sh_editor, publication=publication)
    publication.refresh_from_db()
    services.publication_approve(actor=sh_editor2, publication=publication)
    page = html_of(client.get("/en/guides/extension/?region=310000"))
    assert TITLE_EN in page
    assert f'href="/en/publications/{publication.pk}/"' in page
    # Only on that procedure's guide.
    assert TITLE_EN not in html_of(client.get("/en/guides/change/"))
