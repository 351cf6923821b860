"""The service guides' kernel (``portal.guides``, ``portal.guide_views``): the registry, the
public pages in both languages, national or for a province, the PDF in the page's
language with its Chinese as real text, the PDF cache keyed by the content, and the
kernel's own guide of filing a regional standard or Guidance Catalog, read from the
filing lifecycle's code."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal import filings, guides
from portal.models import Organization, Region
from tests.pages import html_of

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")
KEYS = [spec.key for spec in guides.guides()]


def _url(language: str, name: str, *args: Any, region: str = "") -> str:
    with translation.override(language):
        url = reverse(name, args=args)
    return f"{url}?region={region}" if region else url


def _pdf_text(content: bytes, tmp_path: Any) -> str:
    path = tmp_path / "guide.pdf"
    path.write_bytes(content)
    result = subprocess.run(  # noqa: S603 - a fixed local tool on a file we wrote
        [shutil.which("pdftotext") or "pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        check=True,
    )
    return " ".join(result.stdout.decode().split())


# --- The registry ----------------------------------------------------------------------------


def test_every_procedure_of_the_issue_has_a_registered_guide() -> None:
    assert KEYS == [
        "registration",
        "new",
        "short_term",
        "after_entry",
        "extension",
        "change",
        "change_employer",
        "cancellation",
        "credit_objection",
        "regional_filing",
    ]
    assert [(key, [s.key for s in specs]) for key, _label, specs in guides.grouped()] == [
        (
            "employers",
            [
                "registration",
                "new",
                "short_term",
                "after_entry",
                "extension",
                "change",
                "change_employer",
                "cancellation",
                "credit_objection",
            ],
        ),
        ("provinces", ["regional_filing"]),
    ]


@pytest.mark.parametrize("key", ["Bad Key", "guides/x", ""])
def test_a_key_must_be_an_address(key: str) -> None:
    spec = guides.GuideSpec(
        key, 1, "t", "s", lambda _province: guides.GuideContent((), (), (), (), (), ())
    )
    with pytest.raises(ValueError, match="guide key"):
        guides.register_guide(spec)
    assert guides.guide(key) is None


def test_an_unknown_group_is_refused() -> None:
    spec = guides.GuideSpec(
        "x-test", 1, "t", "s", lambda _p: guides.GuideContent((), (), (), (), (), ()), group="all"
    )
    with pytest.raises(ValueError, match="unknown group"):
        guides.register_guide(spec)
    assert guides.guide("x-test") is None


def test_links_only_to_pages_that_exist() -> None:
    assert guides.link("x", "portal:verify") == guides.Link("x", reverse("portal:verify"))
    assert guides.link("x", "guides:list", query="a=1") == guides.Link(
        "x", reverse("guides:list") + "?a=1"
    )
    assert guides.link("x", "publications:no-such-page") is None


# --- The pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_list_shows_every_guide_by_group_without_sign_in(client: Client, language: str) -> None:
    response = client.get(_url(language, "guides:list"))
    assert response.status_code == 200
    html = html_of(response)
    for spec in guides.guides():
        assert f'href="{_url(language, "guides:guide", spec.key)}"' in html
        with translation.override(language):
            assert str(spec.title) in html
    with translation.override(language):
        assert str(dict(guides.GROUPS)["employers"]) in html
        assert str(dict(guides.GROUPS)["provinces"]) in html
        # No guide is for everyone yet: the empty group is left out.
        assert str(dict(guides.GROUPS)["everyone"]) not in html


def test_the_public_menu_has_service_guides(client: Client) -> None:
    html = html_of(client.get(_url("en", "portal:home")))
    assert f'<a href="{_url("en", "guides:list")}">Service guides</a>' in html
    html = html_of(client.get(_url("en", "guides:list")))
    assert f'<a href="{_url("en", "guides:list")}" aria-current="page">Service guides</a>' in html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("region", ["", "310000"])
def test_every_guide_renders(client: Client, key: str, language: str, region: str) -> None:
    response = client.get(_url(language, "guides:guide", key, region=region))
    assert response.status_code == 200
    html = html_of(response)
    spec = guides.guide(key)
    assert spec is not None
    with translation.override(language):
        assert str(spec.title) in html
        for section in ("Who may apply", "Materials", "Time limits", "Legal basis"):
            assert translation.gettext(section) in html
    pdf_url = _url(language, "guides:pdf", key) + (f"?region={region}" if region else "")
    assert f'href="{pdf_url}"' in html
    if region:
        shanghai = Region.objects.get(code=region)
        assert f'<option value="310000" selected>310000 {shanghai.name_zh}</option>' in html or (
            f'<option value="310000" selected>310000 {shanghai.name_en}</option>' in html
        )


def test_an_unknown_province_shows_the_national_rules_and_says_so(client: Client) -> None:
    response = client.get(_url("en", "guides:guide", "regional_filing", region="999999"))
    assert response.status_code == 200
    html = html_of(response)
    assert "There is no province with the code “999999”: the national rules are shown." in html
    assert "This guide shows the national rules on" in html


def test_an_unknown_guide_is_404(client: Client) -> None:
    assert client.get(_url("en", "guides:guide", "no-such-guide")).status_code == 404
    assert client.get(_url("en", "guides:pdf", "no-such-guide")).status_code == 404


def test_help_names_the_provinces_authority_or_the_ministry(client: Client) -> None:
    shanghai = Region.objects.get(code="310000")
    Organization.objects.create(
        kind=Organization.Kind.PROVINCIAL_AUTHORITY,
        authority_level=Organization.AuthorityLevel.PROVINCIAL,
        name_zh="上海市外国人工作管理处",
        name_en="Shanghai Foreign Workers Office",
        region=shanghai,
        address="上海市某路1号",
    )
    Organization.objects.create(
        kind=Organization.Kind.PROVINCIAL_AUTHORITY,
        authority_level=Organization.AuthorityLevel.SUB_PROVINCIAL,
        name_zh="浦东新区受理点",
        region=shanghai,
    )
    Organization.objects.create(kind=Organization.Kind.MINISTRY, name_zh="人力资源社会保障部")
    assert guides.help_contacts(shanghai) == [
        guides.Contact("上海市外国人工作管理处", "上海市某路1号")
    ]
    assert guides.help_contacts(None) == [guides.Contact("人力资源社会保障部", "")]
    html = html_of(client.get(_url("zh-hans", "guides:guide", "regional_filing", region="310000")))
    assert "上海市外国人工作管理处 · 上海市某路1号" in html
    assert "浦东新区受理点" not in html


# The page of a guide for a province: 1 the provinces (the selector), 1 the filing guide's
# versions in force (one a filing kind: catalogs and regional standards), 1 the province's
# work-permit authority for "where to get help", 1 the texts published about the procedure.
# No session, no user: it is public.
def test_the_filing_guide_page_costs_a_fixed_number_of_queries(
    client: Client, django_assert_num_queries: Any
) -> None:
    url = _url("en", "guides:guide", "regional_filing", region="310000")
    with django_assert_num_queries(1 + len(filings.FILING_KINDS) + 1 + 1):
        assert client.get(url).status_code == 200


# --- The kernel's guide: filing a regional standard or catalog ------------------------------


def test_the_filing_guide_reads_the_lifecycle_from_the_code() -> None:
    with translation.override("en"):
        content = guides.guide("regional_filing").build(None)  # type: ignore[union-attr]
        validity = content.time_limit("validity")
        assert validity is not None
        assert (validity.number, validity.number_to, validity.unit) == (
            filings.VALIDITY_MIN_YEARS,
            filings.VALIDITY_MAX_YEARS,
            guides.YEARS,
        )
        assert validity.text == (
            f"From {filings.VALIDITY_MIN_YEARS} to {filings.VALIDITY_MAX_YEARS} years from the "
            "effective date (the last day of validity is the day before the anniversary)."
        )
        reminders = content.time_limit("reminders")
        assert reminders is not None
        days = sorted((d for d in filings.REMINDER_DAYS if d > 0), reverse=True)
        assert reminders.number == days[0]
        assert ", ".join(map(str, days)) in str(reminders.text)
        assert f"{filings.REMINDER_GRACE_DAYS} days after it" in str(reminders.text)
        # Who drafts, who is consulted, who reviews.
        assert "Only a provincial-level work-permit authority drafts" in content.who[0]
        for kind in filings.STAKEHOLDER_KINDS:
            assert str(kind.label) in content.who[1]
        # Every transition of the shared table, people's as steps and the system's as
        # conditions (supersede and lapse), with who makes it.
        workflow = next(iter(filings.FILING_KINDS.values())).workflow
        texts = [str(step.text) for step in content.steps] + [str(c) for c in content.conditions]
        for transition in workflow.transitions:
            assert any(text.startswith(f"{transition.label} (") for text in texts), transition
        assert "Publish (drafters of the province): Approved → Published." in texts
        assert "Approve (ministry reviewers): Under ministry review → Approved." in texts
        assert (
            "Lapsed at the end of validity (the portal, automatically): Published → Lapsed."
            in texts
        )
        # The drafters' pages, from the menu they see (not the pages of every officer).
        urls = [step.link.url for step in content.steps if step.link is not None]
        assert reverse("catalogs:drafting") in urls
        assert reverse("portal:organizations") not in urls
        # The kinds of filing registered by the apps.
        kinds = ", ".join(str(k.label) for k in filings.FILING_KINDS.values())
        assert content.facts[0] == guides.Fact("Kinds of filing", kinds)


def test_the_filing_guide_of_a_province_names_its_versions_in_force() -> None:
    from portal.models.filing import FilingState
    from tests.catalogs.conftest import SLICE, create_occupations, make_catalog

    make_catalog(
        "310000",
        state=FilingState.PUBLISHED,
        effective_from=dt.date(2026, 1, 1),
        expires_on=dt.date(2028, 12, 31),
        entries={"2-02-10-03": {"category": "B"}},
        occupations=create_occupations(SLICE),
    )
    shanghai = Region.objects.get(code="310000")
    spec = guides.guide("regional_filing")
    assert spec is not None
    with translation.override("en"):
        catalog = str(filings.FILING_KINDS["catalogs.guidancecatalog"].label)
        for day, expected in (
            (dt.date(2026, 6, 8), "version 1, valid until 2028-12-31"),
            (dt.date(2025, 12, 31), "none in force"),
            (dt.date(2029, 1, 1), "none in force"),
        ):
            with mock.patch("django.utils.timezone.localdate", return_value=day):
                content = spec.build(shanghai)
            assert {str(f.label): str(f.value) for f in content.facts}[catalog] == expected


# --- The PDF --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", KEYS)
def test_every_guide_downloads_as_a_pdf_in_the_pages_language(
    client: Client, key: str, language: str, tmp_path: Any
) -> None:
    response = client.get(_url(language, "guides:pdf", key, region="310000"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="guide-{key}-310000-{language}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    text = _pdf_text(response.content, tmp_path)
    shanghai = Region.objects.get(code="310000")
    with translation.override(language):
        assert str(guides.guide(key).title).split()[0] in text  # type: ignore[union-attr]
    # The province's name as real, extractable text: Chinese in the Chinese PDF.
    assert (shanghai.name_zh if language == "zh-hans" else shanghai.name_en) in text


def test_the_chinese_pdf_carries_chinese_text(client: Client, tmp_path: Any) -> None:
    response = client.get(_url("zh-hans", "guides:pdf", "regional_filing"))
    text = _pdf_text(response.content, tmp_path)
    with translation.override("zh-hans"):
        drafter = str(filings.Role.STANDARDS_DRAFTER.label)
    assert drafter != "Standards and catalog drafter"  # the catalogue translates it
    assert drafter in "".join(text.split())


def test_a_repeated_download_is_served_from_the_cache(client: Client) -> None:
    url = _url("en", "guides:pdf", "regional_filing")
    with mock.patch("portal.guides.render_pdf", wraps=guides.render_pdf) as rendered:
        first = client.get(url)
        second = client.get(url)
    assert rendered.call_count == 1
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    digest = first["ETag"].strip('"')
    assert cache.get(guides.pdf_cache_key(digest)) == first.content


def test_each_language_and_province_is_its_own_pdf(client: Client) -> None:
    with mock.patch("portal.guides.render_pdf", wraps=guides.render_pdf) as rendered:
        zh = client.get(_url("zh-hans", "guides:pdf", "regional_filing"))
        en = client.get(_url("en", "guides:pdf", "regional_filing"))
        sh = client.get(_url("en", "guides:pdf", "regional_filing", region="310000"))
    assert rendered.call_count == 3
    assert len({zh["ETag"], en["ETag"], sh["ETag"]}) == 3


def test_without_the_pdf_engine_the_page_says_so(client: Client) -> None:
    from portal.pdf import PdfUnavailable

    with mock.patch("portal.guides.render_pdf", side_effect=PdfUnavailable("no pango")):
        response = client.get(_url("en", "guides:pdf", "regional_filing"))
    assert response.status_code == 503
    assert "The PDF cannot be made on this server at the moment." in html_of(response)


def test_help_links_to_the_pages_that_exist() -> None:
    shanghai = Region.objects.get(code="310000")
    with translation.override("en"):
        links = [(str(item.label), item.url) for item in guides.help_links(shanghai)]
        national = [str(item.label) for item in guides.help_links(None)]
        assert links == [
            ("All service guides", reverse("guides:list")),
            ("Questions and answers", reverse("publications:list") + "?kind=faq"),
            ("Announcements of Shanghai", reverse("publications:authority", args=["310000"])),
            ("Verify a document", reverse("portal:verify")),
        ]
    assert national == ["All service guides", "Questions and answers", "Verify a document"]
    with mock.patch("portal.guides.reverse", side_effect=guides.NoReverseMatch):
        assert guides.help_links(shanghai) == []
