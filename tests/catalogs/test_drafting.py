"""The drafters' workspace: catalogs of the drafter's provinces, metadata, entries found by
search, spreadsheet uploads, new versions, lifecycle transitions, consultation set-up.

Every HTML page goes through ``html_of`` (strict CSP, no inline script or style). Texts are
computed with ``gettext`` in the page's language, so the assertions hold with and without
the compiled Chinese catalogue. Every refusal is checked to have changed nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from catalogs.models import CatalogEntry, CatalogInvitation, GuidanceCatalog, Occupation
from catalogs.services import UPLOAD_COLUMNS
from portal.filings import add_years
from portal.models import AuditEvent, TransitionRecord, User
from portal.models.filing import FilingState
from portal.roles import Role
from tests.catalogs.conftest import make_catalog
from tests.factories import OrganizationFactory, RoleHelper
from tests.portal.test_pages import (
    Document,
    assert_landmarks_and_labels,
    html_of,
    page_text,
    sign_in_verified,
    text_of,
    tr,
)

pytestmark = pytest.mark.django_db

ZH = "zh-hans"


# --- Helpers --------------------------------------------------------------------------------------


def url(name: str, *args: Any, language: str = ZH) -> str:
    with translation.override(language):
        return reverse(f"catalogs:{name}", args=args)


def today() -> dt.date:
    return timezone.localdate()


def last_seq() -> int:
    return AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0


def follow(client: Client, response: Any) -> str:
    """The text of the page a redirect leads to (after checking it is a redirect)."""
    assert response.status_code == 302, response.status_code
    target = client.get(response["Location"])
    assert target.status_code == 200
    return page_text(target)


def messages_of(html: str) -> list[str]:
    """The texts of the flash messages at the top of a page."""
    parser = _Messages()
    parser.feed(html)
    return [" ".join(m.split()) for m in parser.found]


class _Messages(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "p" and "message" in classes:
            self._depth = 1
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._depth:
            self._depth = 0

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.found[-1] += data


def follow_messages(client: Client, response: Any) -> list[str]:
    assert response.status_code == 302, response.status_code
    target = client.get(response["Location"])
    assert target.status_code == 200
    return messages_of(html_of(target))


class _Tables(HTMLParser):
    """Each table's caption and the texts of its body cells, row by row."""

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
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
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


def csv_file(text: str, name: str = "entries.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def entries_of(catalog: GuidanceCatalog) -> dict[str, dict[str, Any]]:
    return {
        e.occupation.code: {
            "category": e.category,
            "min_education": e.min_education,
            "min_experience_years": e.min_experience_years,
            "min_annual_salary_cny": e.min_annual_salary_cny,
            "skills_zh": e.skills_zh,
            "skills_en": e.skills_en,
            "remarks_zh": e.remarks_zh,
            "remarks_en": e.remarks_en,
        }
        for e in CatalogEntry.objects.filter(catalog=catalog).select_related("occupation")
    }


def snapshot(catalog: GuidanceCatalog) -> tuple[Any, ...]:
    """What a refused action must leave as it was."""
    fresh = GuidanceCatalog.objects.get(pk=catalog.pk)
    return (
        fresh.state,
        fresh.title_zh,
        fresh.effective_from,
        fresh.expires_on,
        fresh.consultation_deadline,
        entries_of(fresh),
        TransitionRecord.objects.filter(target_id=str(catalog.pk)).count(),
        last_seq(),
    )


ENTRY_POST = {
    "category": "B",
    "min_education": "bachelor",
    "min_experience_years": "3",
    "min_annual_salary_cny": "300000.00",
    "skills_zh": "熟练掌握Python",
    "skills_en": "Python",
    "remarks_zh": "",
    "remarks_en": "",
}


@pytest.fixture
def shanghai_client(client: Client, drafter: User) -> Client:
    sign_in_verified(client, drafter)
    return client


# --- The full drafting flow -----------------------------------------------------------------------


def test_drafting_flow_create_edit_dates_add_edit_remove_entries(
    shanghai_client: Client, occupations: dict[str, Occupation], drafter: User
) -> None:
    client = shanghai_client
    html = html_of(client.get(url("drafting")))
    assert tr("No catalog yet. Start one with “New catalog”.") in text_of(html)
    assert f'href="{url("drafting_new")}"' in html

    # Create: an empty version 1 without dates.
    form_html = html_of(client.get(url("drafting_new")))
    assert_landmarks_and_labels(form_html)
    assert 'name="region"' not in form_html  # one province: nothing to choose
    response = client.post(
        url("drafting_new"),
        {"title_zh": "上海市外国人来华工作指导目录", "title_en": "Shanghai Guidance Catalog"},
    )
    catalog = GuidanceCatalog.objects.get()
    assert response["Location"] == url("drafting_catalog", catalog.pk)
    assert (catalog.region.code, catalog.version, catalog.state, catalog.created_by) == (
        "310000",
        1,
        FilingState.DRAFT,
        drafter,
    )
    assert follow_messages(client, response) == [
        tr("Version %(version)s of the catalog is started. Add its entries.", version=1)
    ]

    # Dates: a 6-year validity is accepted while drafting.
    start = today() + dt.timedelta(days=30)
    six_years = add_years(start, 6) - dt.timedelta(days=1)
    edit_html = html_of(client.get(url("drafting_edit", catalog.pk)))
    assert_landmarks_and_labels(edit_html)
    response = client.post(
        url("drafting_edit", catalog.pk),
        {
            "title_zh": "上海市外国人来华工作指导目录",
            "title_en": "Shanghai Guidance Catalog",
            "effective_from": start.isoformat(),
            "expires_on": six_years.isoformat(),
        },
    )
    assert follow_messages(client, response) == [tr("The catalog's details are saved.")]
    catalog.refresh_from_db()
    assert (catalog.effective_from, catalog.expires_on) == (start, six_years)
    # The help text shows the allowed range for the chosen start.
    help_text = tr(
        "Validity is %(min)d to %(max)d years: from %(start)s the last day of validity lies "
        "between %(shortest)s and %(longest)s. It is checked when the catalog is filed.",
        min=3,
        max=5,
        start=start.isoformat(),
        shortest=(add_years(start, 3) - dt.timedelta(days=1)).isoformat(),
        longest=(add_years(start, 5) - dt.timedelta(days=1)).isoformat(),
    )
    assert help_text in page_text(client.get(url("drafting_edit", catalog.pk)))

    # Add an entry through the search.
    search_html = html_of(client.get(url("drafting_entry_add", catalog.pk), {"q": "2-02-10"}))
    assert_landmarks_and_labels(search_html)
    rows = table_rows(search_html, "Detailed occupations matching “%(q)s”", q="2-02-10")
    assert [r[:2] for r in rows] == [
        ["2-02-10-01", "通信工程技术人员"],
        ["2-02-10-03", f"计算机软件工程技术人员 S {tr('digital')}"],
        ["2-02-10-09", f"人工智能工程技术人员 S {tr('digital')}"],
    ]
    add_link = url("drafting_entry_new", catalog.pk, "2-02-10-03")
    assert f'href="{add_link}"' in search_html
    assert_landmarks_and_labels(html_of(client.get(add_link)))
    response = client.post(add_link, ENTRY_POST)
    assert response["Location"] == url("drafting_catalog", catalog.pk) + "#entries"
    assert follow_messages(client, response) == [
        tr("%(code)s %(title)s is saved.", code="2-02-10-03", title="计算机软件工程技术人员")
    ]
    entry = CatalogEntry.objects.get(catalog=catalog)
    assert entries_of(catalog) == {
        "2-02-10-03": {
            "category": "B",
            "min_education": "bachelor",
            "min_experience_years": 3,
            "min_annual_salary_cny": Decimal("300000.00"),
            "skills_zh": "熟练掌握Python",
            "skills_en": "Python",
            "remarks_zh": "",
            "remarks_en": "",
        }
    }
    # Searching again marks it listed, with a link to edit it instead of adding it twice.
    search_html = html_of(client.get(url("drafting_entry_add", catalog.pk), {"q": "软件"}))
    rows = table_rows(search_html, "Detailed occupations matching “%(q)s”", q="软件")
    assert rows == [
        [
            "2-02-10-03",
            f"计算机软件工程技术人员 S {tr('digital')}",
            f"{tr('listed')} {tr('Edit')} 2-02-10-03",
        ]
    ]
    assert client.get(add_link)["Location"] == url("drafting_entry_edit", catalog.pk, entry.pk)

    # Edit it.
    edit_link = url("drafting_entry_edit", catalog.pk, entry.pk)
    assert 'value="300000.00"' in html_of(client.get(edit_link))
    response = client.post(
        edit_link, {**ENTRY_POST, "category": "A", "min_annual_salary_cny": "450000.5"}
    )
    assert response.status_code == 302
    assert entries_of(catalog)["2-02-10-03"]["category"] == "A"
    assert entries_of(catalog)["2-02-10-03"]["min_annual_salary_cny"] == Decimal("450000.50")

    # Add a second one and remove it again.
    client.post(url("drafting_entry_new", catalog.pk, "2-02-10-09"), ENTRY_POST)
    second = CatalogEntry.objects.get(catalog=catalog, occupation__code="2-02-10-09")
    remove_link = url("drafting_entry_remove", catalog.pk, second.pk)
    confirm = page_text(client.get(remove_link))
    assert (
        tr(
            "Remove %(code)s %(title)s and its requirements from version %(version)s?",
            code="2-02-10-09",
            title="人工智能工程技术人员",
            version=1,
        )
        in confirm
    )
    assert set(entries_of(catalog)) == {"2-02-10-03", "2-02-10-09"}
    response = client.post(remove_link)
    assert follow_messages(client, response) == [
        tr(
            "%(code)s %(title)s is removed from the catalog.",
            code="2-02-10-09",
            title="人工智能工程技术人员",
        )
    ]
    assert set(entries_of(catalog)) == {"2-02-10-03"}

    # Filing refuses the 6-year validity, with the guard's words, and changes nothing.
    before = snapshot(catalog)
    response = client.post(url("drafting_transition", catalog.pk, "submit"))
    assert follow_messages(client, response) == [
        tr(
            "Validity must be %(min)d to %(max)d years: from %(start)s the last day of validity "
            "lies between %(shortest)s and %(longest)s.",
            min=3,
            max=5,
            start=start.isoformat(),
            shortest=(add_years(start, 3) - dt.timedelta(days=1)).isoformat(),
            longest=(add_years(start, 5) - dt.timedelta(days=1)).isoformat(),
        )
    ]
    assert snapshot(catalog) == before

    # Five years: it is filed.
    five_years = add_years(start, 5) - dt.timedelta(days=1)
    response = client.post(
        url("drafting_edit", catalog.pk),
        {"title_zh": catalog.title_zh, "effective_from": start, "expires_on": five_years},
    )
    assert follow_messages(client, response) == [tr("The catalog's details are saved.")]
    response = client.post(url("drafting_transition", catalog.pk, "submit"))
    assert follow_messages(client, response) == [
        tr(
            "Done: %(action)s. Version %(version)s is now “%(state)s”.",
            action=tr("File with the ministry"),
            version=1,
            state=tr("Filed with the ministry"),
        )
    ]
    catalog.refresh_from_db()
    assert catalog.state == FilingState.SUBMITTED
    records = list(
        TransitionRecord.objects.filter(target_id=str(catalog.pk)).values_list(
            "transition", "from_state", "to_state", "actor"
        )
    )
    assert records == [("submit", "draft", "submitted", drafter.pk)]
    # Once filed, the content is locked: the workspace offers no edit links, and the edit
    # pages send the drafter back with the reason.
    html = html_of(client.get(url("drafting_catalog", catalog.pk)))
    assert url("drafting_edit", catalog.pk) not in html
    assert url("drafting_entry_add", catalog.pk) not in html
    response = client.get(url("drafting_entry_add", catalog.pk))
    assert follow_messages(client, response) == [
        tr(
            "Version %(version)s is %(state)s: its content can no longer change.",
            version=1,
            state=tr("Filed with the ministry"),
        )
    ]
    history = table_rows(html, "State changes of this version")
    assert [row[1:] for row in history] == [
        [drafter.get_full_name(), f"{tr('Draft')} → {tr('Filed with the ministry')}", "-"]
    ]


def test_occupation_search_fragment_for_htmx(
    shanghai_client: Client, occupations: dict[str, Occupation]
) -> None:
    catalog = make_catalog()
    page = html_of(shanghai_client.get(url("drafting_entry_add", catalog.pk)))
    document = Document(page)
    search_inputs = [a for a in document.all("input") if a.get("name") == "q"]
    assert search_inputs == [
        {
            "type": "search",
            "name": "q",
            "id": "id_q",
            "value": "",
            "maxlength": "100",
            "autocomplete": "off",
            "aria-controls": "occupation-results",
            "hx-get": url("drafting_occupation_search"),
            "hx-trigger": "input changed delay:300ms, search",
            "hx-target": "#occupation-results",
            "hx-include": "closest form",
        }
    ]
    hidden = [a for a in document.all("input") if a.get("name") == "catalog"]
    assert hidden == [{"type": "hidden", "name": "catalog", "value": str(catalog.pk)}]

    response = shanghai_client.get(
        url("drafting_occupation_search"), {"q": "工程", "catalog": catalog.pk}
    )
    fragment = html_of(response)
    assert "<html" not in fragment
    rows = table_rows(fragment, "Detailed occupations matching “%(q)s”", q="工程")
    # Detailed occupations only: the groups whose titles match are not offered.
    assert [r[0] for r in rows] == [
        "2-02-10-01",
        "2-02-10-03",
        "2-02-10-09",
        "2-02-14-01",
        "2-02-27-02",
        "4-04-05-03",
    ]
    assert text_of(
        html_of(shanghai_client.get(url("drafting_occupation_search"), {"catalog": catalog.pk}))
    ) == tr("Type a code or part of a title.")
    # Another province's catalog, or none: 404.
    other = make_catalog("440000")
    for params in ({"q": "工程", "catalog": other.pk}, {"q": "工程"}, {"catalog": "x"}):
        assert shanghai_client.get(url("drafting_occupation_search"), params).status_code == 404


def test_a_group_code_is_refused_through_the_page(
    shanghai_client: Client, occupations: dict[str, Occupation]
) -> None:
    catalog = make_catalog()
    before = snapshot(catalog)
    response = shanghai_client.post(url("drafting_entry_new", catalog.pk, "2-02-10-00"), ENTRY_POST)
    assert response.status_code == 200
    assert tr(
        "%(code)s is a group, not a detailed occupation: list its occupations.",
        code="2-02-10-00",
    ) in page_text(response)
    assert snapshot(catalog) == before
    # A code the classification does not have: 404.
    assert (
        shanghai_client.post(
            url("drafting_entry_new", catalog.pk, "9-99-99-99"), ENTRY_POST
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("field", "value", "msgid", "params"),
    [
        (
            "min_experience_years",
            "51",
            "Ensure this value is less than or equal to %(limit_value)s.",
            {"limit_value": 50},
        ),
        (
            "min_annual_salary_cny",
            "-1",
            "Ensure this value is greater than or equal to %(limit_value)s.",
            {"limit_value": 0},
        ),
        (
            "min_annual_salary_cny",
            "1.234",
            "Ensure that there are no more than %(max)s decimal places.",
            {"max": 2},
        ),
        (
            "category",
            "C",
            "Select a valid choice. %(value)s is not one of the available choices.",
            {"value": "C"},
        ),
    ],
)
def test_entry_form_refuses_bad_values(
    shanghai_client: Client,
    occupations: dict[str, Occupation],
    field: str,
    value: str,
    msgid: str,
    params: dict[str, Any],
) -> None:
    catalog = make_catalog()
    before = snapshot(catalog)
    response = shanghai_client.post(
        url("drafting_entry_new", catalog.pk, "2-02-10-03"), {**ENTRY_POST, field: value}
    )
    assert response.status_code == 200
    text = page_text(response)
    if "%(max)s" in msgid:
        expected = translation_ngettext(msgid, params["max"])
    else:
        expected = tr(msgid, **params)
    assert expected in text
    assert snapshot(catalog) == before


def translation_ngettext(msgid: str, n: int) -> str:
    with translation.override(ZH):
        return translation.ngettext(
            "Ensure that there are no more than %(max)s decimal place.",
            "Ensure that there are no more than %(max)s decimal places.",
            n,
        ) % {"max": n}


def test_edit_refuses_an_end_before_the_start(
    shanghai_client: Client, occupations: dict[str, Occupation]
) -> None:
    catalog = make_catalog()
    before = snapshot(catalog)
    response = shanghai_client.post(
        url("drafting_edit", catalog.pk),
        {"title_zh": "新标题", "effective_from": "2027-01-01", "expires_on": "2026-12-31"},
    )
    assert response.status_code == 200
    assert tr("The last day of validity comes after the effective date.") in page_text(response)
    assert snapshot(catalog) == before


def test_drafter_of_several_provinces_chooses_the_province(
    client: Client, drafter: User, occupations: dict[str, Occupation]
) -> None:
    from django.contrib.auth.models import Permission

    from portal.models import Region, RegionUserObjectPermission

    # role_grant keeps a drafter to the province of their authority; the page still lets a
    # person holding the grant in two provinces (set up directly here) choose between them.
    jiangsu = Region.objects.get(code="320000")
    RegionUserObjectPermission.objects.create(
        user=drafter,
        permission=Permission.objects.get(
            content_type__app_label="portal", codename="draft_filings"
        ),
        content_object=jiangsu,
    )
    sign_in_verified(client, drafter)
    html = html_of(client.get(url("drafting_new")))
    options = [a.get("value") for a in Document(html).all("option")]
    assert options == [str(Region.objects.get(code="310000").pk), str(jiangsu.pk)]
    response = client.post(url("drafting_new"), {"region": jiangsu.pk, "title_zh": "江苏目录"})
    assert response.status_code == 302
    assert GuidanceCatalog.objects.get().region == jiangsu


# --- Upload ---------------------------------------------------------------------------------------

BAD_CSV = (
    "code,category,min_education,min_experience_years,min_annual_salary_cny\n"
    "9-99-99-99,B,bachelor,2,200000\n"
    "2-02-10-00,B,bachelor,2,200000\n"
    "2-02-10-03,B,bachelor,2,200000\n"
    "2-02-10-03,B,master,3,250000\n"
    "2-02-10-09,B,master,five,300000\n"
)
GOOD_CSV = (
    "code,category,min_education,min_experience_years,min_annual_salary_cny\n"
    "2-02-10-01,B,bachelor,2,200000\n"
    "2-02-10-03,B,bachelor,2,200000\n"
    "2-02-10-09,A,master,5,300000\n"
)


def test_upload_shows_every_error_and_saves_nothing_then_the_fixed_file(
    shanghai_client: Client, occupations: dict[str, Occupation]
) -> None:
    client = shanghai_client
    catalog = make_catalog()
    page = html_of(client.get(url("drafting_upload", catalog.pk)))
    assert_landmarks_and_labels(page)
    assert f'href="{url("drafting_upload_template")}"' in page
    assert ", ".join(UPLOAD_COLUMNS) in text_of(page)

    before = snapshot(catalog)
    response = client.post(url("drafting_upload", catalog.pk), {"file": csv_file(BAD_CSV)})
    assert response.status_code == 200
    html = html_of(response)
    assert table_rows(html, "Errors by row") == [
        [
            "2",
            "9-99-99-99",
            "code",
            tr("%(code)s is not a code of the classification.", code="9-99-99-99"),
        ],
        [
            "3",
            "2-02-10-00",
            "code",
            tr("%(code)s is a group, not a detailed occupation.", code="2-02-10-00"),
        ],
        [
            "5",
            "2-02-10-03",
            "code",
            tr("%(code)s is listed twice: first on line %(line)d.", code="2-02-10-03", line=4),
        ],
        [
            "6",
            "2-02-10-09",
            "min_experience_years",
            tr(
                "Years of experience is a whole number from 0 to 50, not “%(value)s”.",
                value="five",
            ),
        ],
    ]
    with translation.override(ZH):
        summary = translation.ngettext(
            "The file has %(n)s error: nothing is saved. Fix it and upload the file again.",
            "The file has %(n)s errors: nothing is saved. Fix them and upload the file again.",
            4,
        ) % {"n": 4}
    assert summary in text_of(html)
    assert 'type="file"' in html  # the form again
    assert snapshot(catalog) == before

    # Fixed: applied, with the counts.
    response = client.post(url("drafting_upload", catalog.pk), {"file": csv_file(GOOD_CSV)})
    assert response["Location"] == url("drafting_catalog", catalog.pk) + "#entries"
    message = tr(
        "The file is applied: %(added)d added, %(changed)d changed, %(unchanged)d unchanged, "
        "%(removed)d removed.",
        added=3,
        changed=0,
        unchanged=0,
        removed=0,
    )
    assert follow_messages(client, response) == [message]
    assert set(entries_of(catalog)) == {"2-02-10-01", "2-02-10-03", "2-02-10-09"}

    # Again, one row changed and one left out, removing what the file does not list.
    second = (
        "code,category,min_education,min_experience_years,min_annual_salary_cny\n"
        "2-02-10-03,B,bachelor,2,200000\n"
        "2-02-10-09,A,doctorate,5,300000\n"
    )
    response = client.post(
        url("drafting_upload", catalog.pk), {"file": csv_file(second), "replace": "on"}
    )
    assert follow_messages(client, response) == [
        tr(
            "The file is applied: %(added)d added, %(changed)d changed, %(unchanged)d "
            "unchanged, %(removed)d removed.",
            added=0,
            changed=1,
            unchanged=1,
            removed=1,
        )
    ]
    assert set(entries_of(catalog)) == {"2-02-10-03", "2-02-10-09"}
    assert entries_of(catalog)["2-02-10-09"]["min_education"] == "doctorate"


def test_upload_xlsx_is_read_by_content_not_by_name(
    shanghai_client: Client, occupations: dict[str, Occupation]
) -> None:
    catalog = make_catalog()
    data = xlsx_bytes(
        [
            ["code", "category", "min_education", "min_experience_years", "min_annual_salary_cny"],
            ["2-02-10-03", "A", "硕士", 4, 350000.5],
            ["2-08-01-01", "B", "博士", 2, None],
        ]
    )
    upload = SimpleUploadedFile("entries.txt", data, content_type="application/octet-stream")
    response = shanghai_client.post(url("drafting_upload", catalog.pk), {"file": upload})
    assert follow_messages(shanghai_client, response) == [
        tr(
            "The file is applied: %(added)d added, %(changed)d changed, %(unchanged)d "
            "unchanged, %(removed)d removed.",
            added=2,
            changed=0,
            unchanged=0,
            removed=0,
        )
    ]
    entries = entries_of(catalog)
    assert (
        entries["2-02-10-03"]["min_education"],
        entries["2-02-10-03"]["min_experience_years"],
        entries["2-02-10-03"]["min_annual_salary_cny"],
    ) == ("master", 4, Decimal("350000.50"))
    assert (
        entries["2-08-01-01"]["min_education"],
        entries["2-08-01-01"]["min_annual_salary_cny"],
    ) == (
        "doctorate",
        None,
    )
    # A CSV named .xlsx is read as the CSV it is.
    response = shanghai_client.post(
        url("drafting_upload", catalog.pk), {"file": csv_file(GOOD_CSV, name="entries.xlsx")}
    )
    assert response.status_code == 302
    assert set(entries_of(catalog)) == {"2-02-10-01", "2-02-10-03", "2-02-10-09", "2-08-01-01"}


def test_upload_refuses_a_file_over_5_mb_and_an_unreadable_one(
    shanghai_client: Client, occupations: dict[str, Occupation]
) -> None:
    catalog = make_catalog()
    before = snapshot(catalog)
    big = SimpleUploadedFile(
        "big.csv", b"code\n" + b"2-02-10-03\n" * 600_000, content_type="text/csv"
    )
    size_mb = big.size / (1024 * 1024)
    response = shanghai_client.post(url("drafting_upload", catalog.pk), {"file": big})
    assert response.status_code == 200
    assert tr(
        "The file is %(size).1f MB; at most %(mb)d MB is accepted. Split it into several files.",
        size=size_mb,
        mb=5,
    ) in page_text(response)
    response = shanghai_client.post(
        url("drafting_upload", catalog.pk), {"file": csv_file("code,colour\n2-02-10-03,red\n")}
    )
    assert response.status_code == 200
    assert tr(
        "Unknown columns: %(columns)s. The columns are: %(allowed)s.",
        columns="colour",
        allowed=", ".join(UPLOAD_COLUMNS),
    ) in page_text(response)
    assert snapshot(catalog) == before


def test_upload_template_download(shanghai_client: Client) -> None:
    response = shanghai_client.get(url("drafting_upload_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="catalog-entries-template.csv"'
    assert response.content.decode("utf-8") == (
        "\ufeffcode,category,min_education,min_experience_years,skills_zh,skills_en,"
        "min_annual_salary_cny,remarks_zh,remarks_en\r\n"
        "2-02-10-03,B,bachelor,3,熟练掌握至少一种主流编程语言,"
        "Proficient in at least one mainstream programming language,300000,,\r\n"
        "2-02-38-01,A,master,5,具有机器学习项目经验,Experience of machine-learning projects,"
        "500000.00,重点引进,A priority occupation\r\n"
    )


def test_the_template_uploads_cleanly(
    shanghai_client: Client, shipped_occupations: dict[str, Occupation]
) -> None:
    catalog = make_catalog()
    data = shanghai_client.get(url("drafting_upload_template")).content
    response = shanghai_client.post(
        url("drafting_upload", catalog.pk),
        {"file": SimpleUploadedFile("template.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 302
    assert set(entries_of(catalog)) == {"2-02-10-03", "2-02-38-01"}


# --- New versions ---------------------------------------------------------------------------------


def test_start_the_next_version_from_the_published_one(
    shanghai_client: Client, occupations: dict[str, Occupation], drafter: User
) -> None:
    published = make_catalog(
        state=FilingState.PUBLISHED,
        effective_from=today() - dt.timedelta(days=365),
        expires_on=add_years(today(), 2),
        entries={
            "2-02-10-03": {"category": "B", "min_education": "bachelor", "min_experience_years": 2},
            "2-08-01-01": {
                "category": "A",
                "min_education": "doctorate",
                "min_annual_salary_cny": Decimal("400000.00"),
            },
        },
    )
    html = html_of(shanghai_client.get(url("drafting")))
    label = tr("Start the next version from v%(version)s", version=1)
    assert label in text_of(html)
    assert f'action="{url("drafting_new_version", published.pk)}"' in html
    rows = table_rows(html, "Catalog versions of %(province)s", province="上海市")
    assert [r[:4] for r in rows] == [["v1", "上海市外国人来华工作指导目录", tr("In force"), "2"]]

    response = shanghai_client.post(url("drafting_new_version", published.pk))
    new = GuidanceCatalog.objects.get(version=2)
    assert response["Location"] == url("drafting_catalog", new.pk)
    assert follow_messages(shanghai_client, response) == [
        tr(
            "Version %(version)s is started from version %(source)s with its entries. Choose "
            "its dates.",
            version=2,
            source=1,
        )
    ]
    assert (new.state, new.based_on, new.created_by, new.effective_from) == (
        FilingState.DRAFT,
        published,
        drafter,
        None,
    )
    assert entries_of(new) == entries_of(published)
    rows = table_rows(
        html_of(shanghai_client.get(url("drafting"))),
        "Catalog versions of %(province)s",
        province="上海市",
    )
    assert [r[:4] for r in rows] == [
        ["v2", "上海市外国人来华工作指导目录", tr("Draft"), "2"],
        ["v1", "上海市外国人来华工作指导目录", tr("In force"), "2"],
    ]


# --- Transitions on the workspace -----------------------------------------------------------------


def test_workspace_offers_the_transitions_the_drafter_may_attempt(
    shanghai_client: Client, occupations: dict[str, Occupation]
) -> None:
    catalog = make_catalog(entries={"2-02-10-03": {}})
    html = html_of(shanghai_client.get(url("drafting_catalog", catalog.pk)))
    document = Document(html)
    actions = sorted(
        a.get("action") or "" for a in document.all("form") if "/do/" in (a.get("action") or "")
    )
    assert actions == [url("drafting_transition", catalog.pk, "submit")]
    assert f'href="{url("drafting_consultation", catalog.pk)}"' in html

    submitted = make_catalog(state=FilingState.SUBMITTED, entries={"2-02-10-03": {}})
    html = html_of(shanghai_client.get(url("drafting_catalog", submitted.pk)))
    actions = [
        a.get("action") for a in Document(html).all("form") if "/do/" in (a.get("action") or "")
    ]
    assert actions == [url("drafting_transition", submitted.pk, "recall")]
    # Recall needs a reason: refused without one, nothing changed.
    before = snapshot(submitted)
    response = shanghai_client.post(url("drafting_transition", submitted.pk, "recall"))
    assert follow_messages(shanghai_client, response) == [
        tr("Give a reason for “%(action)s”.", action=tr("Recall the filing"))
    ]
    assert snapshot(submitted) == before
    response = shanghai_client.post(
        url("drafting_transition", submitted.pk, "recall"), {"reason": "补充条目"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == FilingState.DRAFT
    assert TransitionRecord.objects.get(target_id=str(submitted.pk)).reason == "补充条目"


@pytest.mark.parametrize(
    ("name", "msgid", "params"),
    [
        ("approve", "You may not “%(action)s” this record.", {"action": "Approve"}),
        ("lapse", "This change is made by the system.", {}),
        ("nonsense", "There is no action called “%(name)s”.", {"name": "nonsense"}),
        (
            "publish",
            "“%(action)s” is not possible while the record is %(state)s.",
            {"action": "Publish", "state": "Draft"},
        ),
    ],
)
def test_refused_transitions_change_nothing(
    shanghai_client: Client,
    occupations: dict[str, Occupation],
    name: str,
    msgid: str,
    params: dict[str, str],
) -> None:
    catalog = make_catalog(
        state=FilingState.UNDER_REVIEW if name == "approve" else FilingState.DRAFT,
        entries={"2-02-10-03": {}},
    )
    before = snapshot(catalog)
    response = shanghai_client.post(url("drafting_transition", catalog.pk, name))
    translated = {k: tr(v) if k in ("action", "state") else v for k, v in params.items()}
    assert follow_messages(shanghai_client, response) == [tr(msgid, **translated)]
    assert snapshot(catalog) == before


def test_submit_refuses_an_empty_catalog(
    shanghai_client: Client, occupations: dict[str, Occupation]
) -> None:
    catalog = make_catalog(
        effective_from=today() + dt.timedelta(days=10),
        expires_on=add_years(today() + dt.timedelta(days=10), 4),
    )
    before = snapshot(catalog)
    response = shanghai_client.post(url("drafting_transition", catalog.pk, "submit"))
    assert follow_messages(shanghai_client, response) == [
        tr("The catalog lists no occupation yet.")
    ]
    assert snapshot(catalog) == before


# --- Consultation set-up (the drafter's side) -----------------------------------------------------


def test_open_consultation_inviting_an_association(
    shanghai_client: Client, occupations: dict[str, Occupation], stakeholder: User
) -> None:
    association = stakeholder.organization
    agency = OrganizationFactory(agency=True, name_zh="上海人才服务有限公司")
    OrganizationFactory(association=True, is_active=False, name_zh="已注销协会")
    OrganizationFactory(name_zh="某企业")  # an employer: never offered
    catalog = make_catalog(entries={"2-02-10-03": {}})
    page = shanghai_client.get(url("drafting_consultation", catalog.pk))
    html = html_of(page)
    assert_landmarks_and_labels(html)
    offered = [
        a.get("value") for a in Document(html).all("input") if a.get("name") == "organizations"
    ]
    assert sorted(offered) == sorted([str(association.pk), str(agency.pk)])

    # Searching keeps what is ticked, and shows the matches after it.
    response = shanghai_client.post(
        url("drafting_consultation", catalog.pk),
        {"organizations": [association.pk], "q": "人才", "search": "1", "deadline": ""},
    )
    document = Document(html_of(response))
    boxes = [
        (a.get("value"), "checked" in a)
        for a in document.all("input")
        if a.get("name") == "organizations"
    ]
    assert boxes == [(str(association.pk), True), (str(agency.pk), False)]
    assert GuidanceCatalog.objects.get(pk=catalog.pk).state == FilingState.DRAFT

    # A deadline in the past is refused.
    before = snapshot(catalog)
    response = shanghai_client.post(
        url("drafting_consultation", catalog.pk),
        {"organizations": [association.pk], "deadline": (today() - dt.timedelta(days=1))},
    )
    assert response.status_code == 200
    assert tr("Choose today or a later day.") in page_text(response)
    assert snapshot(catalog) == before
    assert CatalogInvitation.objects.count() == 0

    deadline = today() + dt.timedelta(days=14)
    response = shanghai_client.post(
        url("drafting_consultation", catalog.pk),
        {"organizations": [association.pk], "deadline": deadline.isoformat()},
    )
    assert response["Location"] == url("drafting_catalog", catalog.pk) + "#consultation"
    assert follow_messages(shanghai_client, response) == [
        tr(
            "The consultation is open until %(date)s: %(n)d organizations are invited.",
            date=deadline.isoformat(),
            n=1,
        )
    ]
    catalog.refresh_from_db()
    assert (catalog.state, catalog.consultation_deadline) == (FilingState.CONSULTATION, deadline)
    assert list(CatalogInvitation.objects.values_list("catalog", "organization")) == [
        (catalog.pk, association.pk)
    ]

    # Opening it again is refused, and changes nothing.
    before = snapshot(catalog)
    response = shanghai_client.post(
        url("drafting_consultation", catalog.pk),
        {"organizations": [agency.pk], "deadline": (deadline + dt.timedelta(days=7)).isoformat()},
    )
    assert follow_messages(shanghai_client, response) == [
        tr(
            "“%(action)s” is not possible while the record is %(state)s.",
            action=tr("Open consultation"),
            state=tr("In consultation"),
        )
    ]
    assert snapshot(catalog) == before
    assert CatalogInvitation.objects.count() == 1

    # The workspace shows the consultation and offers to close it.
    html = html_of(shanghai_client.get(url("drafting_catalog", catalog.pk)))
    assert association.name_zh in text_of(html)
    actions = sorted(
        a.get("action") for a in Document(html).all("form") if "/do/" in (a.get("action") or "")
    )
    assert actions == sorted(
        [
            url("drafting_transition", catalog.pk, "close_consultation"),
            url("drafting_transition", catalog.pk, "submit"),
        ]
    )
    response = shanghai_client.post(url("drafting_transition", catalog.pk, "close_consultation"))
    assert response.status_code == 302
    catalog.refresh_from_db()
    assert catalog.state == FilingState.DRAFT


def test_open_consultation_on_an_empty_draft_is_refused(
    shanghai_client: Client, occupations: dict[str, Occupation], stakeholder: User
) -> None:
    catalog = make_catalog()
    before = snapshot(catalog)
    response = shanghai_client.post(
        url("drafting_consultation", catalog.pk),
        {
            "organizations": [stakeholder.organization_id],
            "deadline": (today() + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert tr("The catalog lists no occupation yet.") in page_text(response)
    assert snapshot(catalog) == before
    assert CatalogInvitation.objects.count() == 0


# --- Who may see the drafting pages ---------------------------------------------------------------

CATALOG_PAGES = [
    ("drafting_catalog", ()),
    ("drafting_edit", ()),
    ("drafting_entry_add", ()),
    ("drafting_entry_new", ("2-02-10-09",)),
    ("drafting_entry_edit", ("entry",)),
    ("drafting_entry_remove", ("entry",)),
    ("drafting_upload", ()),
    ("drafting_consultation", ()),
    ("drafting_comment_answer", ("comment",)),
]
CATALOG_POSTS = [
    ("drafting_new_version", ()),
    ("drafting_transition", ("close_consultation",)),
]
WHO = [
    "anonymous",
    "employer_admin",
    "shanghai_acceptance_officer",
    "ministry_reviewer",
    "guangdong_drafter",
    "shanghai_drafter",
]


def user_for(who: str, roles: RoleHelper) -> User | None:
    return {
        "anonymous": lambda: None,
        "employer_admin": lambda: roles.user(Role.EMPLOYER_ADMIN),
        "shanghai_acceptance_officer": lambda: roles.user(
            Role.ACCEPTANCE_OFFICER, region_code="310000"
        ),
        "ministry_reviewer": lambda: roles.user(Role.MINISTRY_REVIEWER),
        "guangdong_drafter": lambda: roles.user(Role.STANDARDS_DRAFTER, region_code="440000"),
        "shanghai_drafter": lambda: roles.user(Role.STANDARDS_DRAFTER, region_code="310000"),
    }[who]()


@pytest.fixture
def consulted_catalog(occupations: dict[str, Occupation], stakeholder: User) -> GuidanceCatalog:
    catalog = make_catalog(
        state=FilingState.CONSULTATION, entries={"2-02-10-03": {}, "2-08-01-01": {}}
    )
    catalog.consultation_deadline = today() + dt.timedelta(days=7)
    catalog.save(update_fields=["consultation_deadline"])
    CatalogInvitation.objects.create(
        catalog=catalog, organization=stakeholder.organization, invited_by=stakeholder
    )
    catalog.comments.create(
        author=stakeholder, organization=stakeholder.organization, text="建议提高薪资标准"
    )
    return catalog


def resolve(catalog: GuidanceCatalog, args: tuple[str, ...]) -> list[Any]:
    values: list[Any] = []
    for arg in args:
        if arg == "entry":
            values.append(catalog.entries.order_by("pk").first().pk)
        elif arg == "comment":
            values.append(catalog.comments.get().pk)
        else:
            values.append(arg)
    return values


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("name", "args"), CATALOG_PAGES)
def test_catalog_pages_by_role(
    client: Client,
    roles: RoleHelper,
    consulted_catalog: GuidanceCatalog,
    who: str,
    name: str,
    args: tuple[str, ...],
) -> None:
    user = user_for(who, roles)
    if user is not None:
        sign_in_verified(client, user)
    target = url(name, consulted_catalog.pk, *resolve(consulted_catalog, args))
    response = client.get(target)
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"/zh-hans/accounts/login/?next={target}"
    elif who == "shanghai_drafter":
        assert response.status_code == 200
        html_of(response)
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("name", "args"), CATALOG_POSTS)
def test_catalog_actions_by_role(
    client: Client,
    roles: RoleHelper,
    consulted_catalog: GuidanceCatalog,
    who: str,
    name: str,
    args: tuple[str, ...],
) -> None:
    user = user_for(who, roles)
    if user is not None:
        sign_in_verified(client, user)
    before = snapshot(consulted_catalog)
    count = GuidanceCatalog.objects.count()
    target = url(name, consulted_catalog.pk, *args)
    response = client.post(target)
    if who == "anonymous":
        assert response["Location"] == f"/zh-hans/accounts/login/?next={target}"
    elif who == "shanghai_drafter":
        assert response.status_code == 302
        return
    else:
        assert response.status_code == 404
    assert snapshot(consulted_catalog) == before
    assert GuidanceCatalog.objects.count() == count


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", ["drafting", "drafting_new", "drafting_upload_template"])
def test_province_pages_by_role(
    client: Client, roles: RoleHelper, occupations: dict[str, Occupation], who: str, name: str
) -> None:
    shanghai = make_catalog(title_zh="上海目录")
    user = user_for(who, roles)
    if user is not None:
        sign_in_verified(client, user)
    target = url(name)
    response = client.get(target)
    if who == "anonymous":
        assert response["Location"] == f"/zh-hans/accounts/login/?next={target}"
    elif who in ("shanghai_drafter", "guangdong_drafter"):
        assert response.status_code == 200
        if name == "drafting":
            listed = url("drafting_catalog", shanghai.pk) in html_of(response)
            assert listed == (who == "shanghai_drafter")
    else:
        assert response.status_code == 404


def test_an_unknown_catalog_is_404_like_another_provinces(
    shanghai_client: Client, occupations: dict[str, Occupation]
) -> None:
    other = make_catalog("440000", entries={"2-02-10-03": {}})
    missing = other.pk + 1000
    for pk in (other.pk, missing):
        assert shanghai_client.get(url("drafting_catalog", pk)).status_code == 404
    entry = other.entries.get()
    mine = make_catalog()
    # An entry of another catalog through one's own catalog's URL: 404 too.
    assert shanghai_client.get(url("drafting_entry_edit", mine.pk, entry.pk)).status_code == 404
    assert shanghai_client.post(url("drafting_entry_remove", mine.pk, entry.pk)).status_code == 404
    assert CatalogEntry.objects.filter(pk=entry.pk).exists()


# --- Query counts ---------------------------------------------------------------------------------

# GET the drafting list:
#   1 session, 2 user, 3 the ids of the regions the user drafts for (cached on the user for
#   the request), 4 the catalogs with their entry counts (catalogs_for_drafter: one
#   GROUP BY), 5 the provinces (regions_drafted_by), 6 the user's groups (the menu), 7 the
#   unread notifications of the header.
DRAFTING_LIST_QUERIES = 7
# GET the workspace:
#   1 session, 2 user, 3 the catalog with its province and base version, 4 the ids of the
#   regions the user drafts for (the access check; the available transitions reuse it),
#   5 one page of entries with their occupations, 6 the comments with authors,
#   organizations, answerers and entries, 7 the entry count (one catalog's rows),
#   8 the history with its actors, 9 the invitations with their organizations, 10 the
#   user's groups (the menu), 11 the unread notifications of the header.
WORKSPACE_QUERIES = 11


def test_drafting_list_query_count_does_not_grow_with_catalogs(
    shanghai_client: Client, occupations: dict[str, Occupation], django_assert_num_queries: Any
) -> None:
    for versions in (1, 4):
        while GuidanceCatalog.objects.count() < versions:
            make_catalog(entries={"2-02-10-03": {}, "2-08-01-01": {}})
        with django_assert_num_queries(DRAFTING_LIST_QUERIES):
            response = shanghai_client.get(url("drafting"))
        rows = table_rows(html_of(response), "Catalog versions of %(province)s", province="上海市")
        assert len(rows) == versions


def test_workspace_query_count_does_not_grow_with_entries(
    shanghai_client: Client,
    shipped_occupations: dict[str, Occupation],
    stakeholder: User,
    django_assert_num_queries: Any,
) -> None:
    catalog = make_catalog(state=FilingState.CONSULTATION)
    CatalogInvitation.objects.create(
        catalog=catalog, organization=stakeholder.organization, invited_by=stakeholder
    )
    detailed = list(Occupation.objects.filter(level=4).order_by("code")[:60])
    for count in (3, 60):
        CatalogEntry.objects.bulk_create(
            [
                CatalogEntry(catalog=catalog, occupation=o)
                for o in detailed[catalog.entries.count() : count]
            ]
        )
        entry = catalog.entries.order_by("-pk").first()
        catalog.comments.create(
            author=stakeholder,
            organization=stakeholder.organization,
            text=f"comment {count}",
            entry=entry,
            occupation_code=entry.occupation.code,
        )
        with django_assert_num_queries(WORKSPACE_QUERIES):
            response = shanghai_client.get(url("drafting_catalog", catalog.pk))
        rows = table_rows(
            html_of(response), "Occupations the catalog lists, with their requirements"
        )
        assert len(rows) == min(count, 50)


# --- Languages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_in_both_languages(
    client: Client,
    drafter: User,
    consulted_catalog: GuidanceCatalog,
    language: str,
) -> None:
    sign_in_verified(client, drafter)
    entry = consulted_catalog.entries.order_by("pk").first()
    comment = consulted_catalog.comments.get()
    pages = [
        url("drafting", language=language),
        url("drafting_new", language=language),
        url("drafting_catalog", consulted_catalog.pk, language=language),
        url("drafting_edit", consulted_catalog.pk, language=language),
        url("drafting_entry_add", consulted_catalog.pk, language=language) + "?q=2-02",
        url("drafting_entry_edit", consulted_catalog.pk, entry.pk, language=language),
        url("drafting_entry_remove", consulted_catalog.pk, entry.pk, language=language),
        url("drafting_upload", consulted_catalog.pk, language=language),
        url("drafting_consultation", consulted_catalog.pk, language=language),
        url("drafting_comment_answer", consulted_catalog.pk, comment.pk, language=language),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = html_of(response)
        assert f'<html lang="{language}">' in html
    workspace = page_text(
        client.get(url("drafting_catalog", consulted_catalog.pk, language=language))
    )
    assert tr("What can be done next", language) in workspace
    assert tr("History", language) in workspace
