"""The ministry reviewers' pages: the queue of filed catalogs, a submission read as a
redline against the version in force with its consultation, and the decisions.

Only holders of ``portal.review_filings`` see these pages; everyone else gets 404, and so
does a catalog the ministry does not see (a draft). Texts are computed through ``gettext``
in the page's language, so the tests hold with and without the compiled Chinese catalogue.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Max
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import ngettext

from catalogs import selectors
from catalogs.models import CatalogComment, CatalogEntry, CatalogInvitation, GuidanceCatalog
from catalogs.registration import WORKFLOW_NAME
from catalogs.views import review as review_views
from portal.filings import add_years, filing_transition
from portal.models import AuditEvent, TransitionRecord, User
from portal.models.filing import FilingState
from portal.roles import Role
from tests.catalogs.conftest import make_catalog
from tests.factories import OrganizationFactory
from tests.portal.test_pages import html_of, sign_in_verified, text_of, tr

pytestmark = pytest.mark.django_db

S = FilingState
CST = ZoneInfo("Asia/Shanghai")
SOFTWARE = "2-02-10-03"
AI = "2-02-10-09"
TELECOM = "2-02-10-01"
DATA = "4-04-05-03"
LABEL = "catalogs.guidancecatalog"
LANGUAGES = ["zh-hans", "en"]


def queue_url(language: str = "zh-hans") -> str:
    return f"/{language}/review/catalogs/"


def catalog_url(catalog: GuidanceCatalog, language: str = "zh-hans") -> str:
    return f"/{language}/review/catalogs/{catalog.pk}/"


def action_url(catalog: GuidanceCatalog, name: str, language: str = "zh-hans") -> str:
    return f"/{language}/review/catalogs/{catalog.pk}/do/{name}/"


def today() -> dt.date:
    return timezone.localdate()


def three_years(start: dt.date) -> dt.date:
    return add_years(start, 3) - dt.timedelta(days=1)


def snapshot(catalog: GuidanceCatalog) -> dict[str, Any]:
    return GuidanceCatalog.objects.filter(pk=catalog.pk).values().get()


def records(catalog: GuidanceCatalog) -> list[tuple[str, str, int | None, str]]:
    return list(
        TransitionRecord.objects.filter(target_model=LABEL, target_id=str(catalog.pk))
        .order_by("at", "pk")
        .values_list("transition", "to_state", "actor_id", "reason")
    )


def last_seq() -> int:
    return AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0


class Tables(HTMLParser):
    """Every table of a page: its caption and its rows, each a list of cell texts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, Any]] = []
        self._cell: list[str] | None = None
        self._in_caption = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
            self.tables[-1]["caption"] = " ".join(self.tables[-1]["caption"].split())
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def table(html: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption (the header row left out)."""
    found = [t for t in Tables(html).tables if t["caption"] == caption]
    assert len(found) == 1, [t["caption"] for t in Tables(html).tables]
    return found[0]["rows"][1:]


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html_of(response)


@pytest.fixture
def signed_in_reviewer(client: Client, reviewer: User) -> User:
    sign_in_verified(client, reviewer)
    return reviewer


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    day = dt.date(2026, 10, 12)  # a Monday, after the National Day holidays of 2026
    monkeypatch.setattr(review_views, "_today", lambda: day)
    return day


def filed(
    region_code: str,
    at: dt.datetime,
    *,
    state: str = S.SUBMITTED,
    entries: dict[str, dict[str, Any]] | None = None,
    occupations: Any = None,
    **kwargs: Any,
) -> GuidanceCatalog:
    start = today() + dt.timedelta(days=30)
    catalog = make_catalog(
        region_code,
        state=state,
        effective_from=start,
        expires_on=three_years(start),
        entries=entries if entries is not None else {SOFTWARE: {}},
        occupations=occupations,
        **kwargs,
    )
    GuidanceCatalog.objects.filter(pk=catalog.pk).update(submitted_at=at)
    return GuidanceCatalog.objects.get(pk=catalog.pk)


# --- Who sees the pages ---------------------------------------------------------------------------

OUTSIDERS = {
    "shanghai_drafter": lambda r: r.user(Role.STANDARDS_DRAFTER, region_code="310000"),
    "guangdong_drafter": lambda r: r.user(Role.STANDARDS_DRAFTER, region_code="440000"),
    "shanghai_officer": lambda r: r.user(Role.ACCEPTANCE_OFFICER, region_code="310000"),
    "employer_admin": lambda r: r.user(Role.EMPLOYER_ADMIN),
    "stakeholder": lambda r: r.user(Role.STAKEHOLDER, region_code="310000"),
    "site_admin": lambda r: r.user(Role.SITE_ADMIN),
    "superuser": lambda r: r.user(Role.SITE_ADMIN, is_superuser=True, is_staff=True),
}


def test_anonymous_is_sent_to_sign_in(client, occupations):
    catalog = filed("310000", timezone.now(), state=S.UNDER_REVIEW, occupations=occupations)
    before = snapshot(catalog)

    for url in (queue_url(), catalog_url(catalog)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/zh-hans/accounts/login/?next={url}"
    response = client.post(action_url(catalog, "approve"))
    assert response.status_code == 302
    assert response["Location"].startswith("/zh-hans/accounts/login/")
    assert snapshot(catalog) == before


@pytest.mark.parametrize("person", list(OUTSIDERS))
def test_everyone_but_ministry_reviewers_gets_404(client, roles, occupations, person):
    catalog = filed("310000", timezone.now(), state=S.UNDER_REVIEW, occupations=occupations)
    user = OUTSIDERS[person](roles)
    sign_in_verified(client, user)
    before = snapshot(catalog)
    seq = last_seq()

    assert client.get(queue_url()).status_code == 404
    assert client.get(catalog_url(catalog)).status_code == 404
    for name in ("start_review", "approve", "return"):
        response = client.post(action_url(catalog, name), {f"{name}-reason": "No."})
        assert response.status_code == 404
    assert snapshot(catalog) == before
    assert records(catalog) == []
    assert AuditEvent.objects.filter(seq__gt=seq).count() == 0


def test_reviewer_sees_the_pages(client, signed_in_reviewer, occupations):
    catalog = filed("310000", timezone.now(), occupations=occupations)

    for language in LANGUAGES:
        page(client, queue_url(language))
        page(client, catalog_url(catalog, language))


@pytest.mark.parametrize(
    ("state", "status"),
    [
        (S.DRAFT, 404),
        (S.CONSULTATION, 404),
        (S.SUBMITTED, 200),
        (S.UNDER_REVIEW, 200),
        (S.RETURNED, 200),
        (S.APPROVED, 200),
        (S.PUBLISHED, 200),
        (S.SUPERSEDED, 404),
        (S.LAPSED, 404),
        (S.WITHDRAWN, 404),
    ],
)
def test_the_ministry_does_not_see_drafts(client, signed_in_reviewer, occupations, state, status):
    catalog = filed("310000", timezone.now(), state=state, occupations=occupations)

    assert client.get(catalog_url(catalog)).status_code == status
    if status == 404:
        before = snapshot(catalog)
        assert client.post(action_url(catalog, "start_review")).status_code == 404
        assert snapshot(catalog) == before


def test_an_unknown_catalog_is_404(client, signed_in_reviewer):
    assert client.get("/zh-hans/review/catalogs/999999/").status_code == 404
    assert client.post("/zh-hans/review/catalogs/999999/do/approve/").status_code == 404


def test_transitions_are_posted_not_fetched(client, signed_in_reviewer, occupations):
    catalog = filed("310000", timezone.now(), occupations=occupations)

    assert client.get(action_url(catalog, "start_review")).status_code == 405
    assert GuidanceCatalog.objects.get(pk=catalog.pk).state == S.SUBMITTED


# --- The queue ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_queue_lists_filed_catalogs_oldest_first_with_working_days_waited(
    client, signed_in_reviewer, occupations, fixed_today, language
):
    guangdong = filed(
        "440000",
        dt.datetime(2026, 9, 18, 10, 0, tzinfo=CST),
        entries={SOFTWARE: {}, AI: {}, DATA: {}},
        occupations=occupations,
        title_zh="广东省外国人来华工作指导目录",
        title_en="Guangdong Guidance Catalog",
    )
    shanghai = filed(
        "310000",
        dt.datetime(2026, 9, 30, 16, 0, tzinfo=CST),
        state=S.UNDER_REVIEW,
        occupations=occupations,
    )
    beijing = filed(
        "110000",
        # 00:30 in China is still the day before in UTC: the day counted is China's.
        dt.datetime(2026, 10, 12, 0, 30, tzinfo=CST),
        entries={SOFTWARE: {}, TELECOM: {}},
        occupations=occupations,
        title_zh="北京市外国人来华工作指导目录",
        title_en="Beijing Guidance Catalog",
    )
    # Not waiting for the ministry: a draft, an approved and a returned catalog.
    make_catalog("310000", occupations=occupations, entries={AI: {}})
    filed("320000", timezone.now(), state=S.APPROVED, occupations=occupations)
    filed("330000", timezone.now(), state=S.RETURNED, occupations=occupations)

    html = page(client, queue_url(language))

    with translation.override(language):
        expected = [
            [
                f"{c.region.name} v{c.version}",  # the link, with the version for screen readers
                f"v{c.version}",
                c.title,
                day,
                str(c.get_state_display()),
                str(n),
                str(waited),
            ]
            for c, day, n, waited in (
                # Working days after 18 Sep up to 12 Oct 2026: 20 Sep (a Sunday worked)
                # to 24 Sep, 28 to 30 Sep, 8 to 10 Oct (a Saturday worked), 12 Oct.
                (guangdong, "2026-09-18", 3, 12),
                (shanghai, "2026-09-30", 1, 4),
                (beijing, "2026-10-12", 2, 0),
            )
        ]
        caption = tr("Guidance Catalogs filed with the ministry, oldest filing first", language)
    assert table(html, caption) == expected
    assert f'href="{catalog_url(guangdong, language)}"' in html


def test_queue_says_when_nothing_waits(client, signed_in_reviewer):
    html = page(client, queue_url())

    text = text_of(html)
    assert tr("No catalog is waiting for the ministry.") in text
    assert tr("No decision yet.") in text


PROVINCES = ["110000", "120000", "130000", "140000", "150000", "210000", "220000"]


def test_recent_decisions_newest_first_at_most_twenty(
    client, roles, signed_in_reviewer, occupations, django_assert_num_queries
):
    reviewer = signed_in_reviewer
    decided = []
    for i in range(21):
        catalog = filed(
            PROVINCES[i % len(PROVINCES)],
            timezone.now(),
            state=S.UNDER_REVIEW,
            occupations=occupations,
        )
        if i % 3 == 0:
            filing_transition(
                actor=reviewer, filing=catalog, transition="return", reason=f"Reason {i}"
            )
        else:
            filing_transition(actor=reviewer, filing=catalog, transition="approve")
        decided.append(catalog)
    filed("310000", timezone.now(), state=S.UNDER_REVIEW, occupations=occupations)  # undecided
    # Returned, then revised by its drafters: the decision still counts; the draft is not
    # linked (the ministry does not see drafts).
    revised = decided[18]
    drafter = roles.user(Role.STANDARDS_DRAFTER, region_code=revised.region.code)
    filing_transition(actor=drafter, filing=revised, transition="revise")

    # One query: the catalogs with their province and their latest decision.
    with django_assert_num_queries(1):
        decisions = selectors.recent_catalog_decisions()

    assert [(c.pk, c.decision, c.decision_reason, c.decided_by) for c in decisions] == [
        (
            c.pk,
            "return" if i % 3 == 0 else "approve",
            f"Reason {i}" if i % 3 == 0 else "",
            reviewer.full_name,
        )
        for i, c in reversed(list(enumerate(decided)))
    ][:20]

    html = page(client, queue_url("en"))
    rows = table(html, tr("The latest catalogs approved or returned, newest first", "en"))
    assert len(rows) == 20
    newest = decided[20]
    assert rows[0][1:] == [
        newest.region.name_en,
        f"v{newest.version}",
        tr("Approved", "en"),
        reviewer.full_name,
        "-",
        tr("Approved", "en"),
    ]
    assert rows[2][1:] == [
        revised.region.name_en,
        f"v{revised.version}",
        tr("Returned", "en"),
        reviewer.full_name,
        "Reason 18",
        tr("Draft", "en"),
    ]
    assert f'href="{catalog_url(newest, "en")}"' in html
    assert f'href="{catalog_url(revised, "en")}"' not in html


# --- The submission as a redline ------------------------------------------------------------------


def in_language(language: str, value: Any) -> str:
    with translation.override(language):
        return str(value)


def field_label(model: Any, name: str, language: str) -> str:
    label = in_language(language, model._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


@pytest.fixture
def submission(roles, occupations, stakeholder):
    """Shanghai's v1 in force; v2 filed and under review: one entry added, one removed, one
    changed in three fields, one unchanged, new English title, notes and dates; consulted
    on, with a comment on an entry and one on the whole catalog, both answered."""
    start = today() - dt.timedelta(days=700)
    v1 = make_catalog(
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=add_years(start, 5) - dt.timedelta(days=1),
        entries={
            TELECOM: {},
            SOFTWARE: {
                "min_education": "bachelor",
                "min_experience_years": 3,
                "min_annual_salary_cny": Decimal("300000"),
                "skills_zh": "熟悉Java",
                "skills_en": "Java",
            },
            AI: {"min_education": "master"},
        },
        occupations=occupations,
    )
    drafter = roles.user(Role.STANDARDS_DRAFTER, region_code="310000", full_name="Li Ming")
    v2 = make_catalog(
        effective_from=today() + dt.timedelta(days=30),
        expires_on=add_years(today() + dt.timedelta(days=30), 4) - dt.timedelta(days=1),
        entries={
            SOFTWARE: {
                "min_education": "master",
                "min_experience_years": 3,
                "min_annual_salary_cny": Decimal("350000"),
                "skills_zh": "熟悉Java",
                "skills_en": "Java, Kotlin",
            },
            AI: {"min_education": "master"},
            DATA: {
                "category": "A",
                "min_education": "doctorate",
                "min_experience_years": 5,
                "skills_en": "Statistics",
            },
        },
        occupations=occupations,
        title_en="Shanghai Guidance Catalog (second version)",
    )
    GuidanceCatalog.objects.filter(pk=v2.pk).update(
        based_on=v1, notes_zh="新增数据分析岗位", consultation_deadline=today()
    )
    association = stakeholder.organization
    agency = OrganizationFactory(
        agency=True, name_zh="上海外服", name_en="Shanghai Foreign Service Co."
    )
    for organization in (association, agency):
        CatalogInvitation.objects.create(catalog=v2, organization=organization, invited_by=drafter)
    entry = v2.entries.get(occupation__code=SOFTWARE)
    now = timezone.now()
    on_entry = CatalogComment.objects.create(
        catalog=v2,
        entry=entry,
        occupation_code=SOFTWARE,
        author=stakeholder,
        organization=association,
        text="The salary threshold is too high for juniors.",
        answer="Kept: it matches the market.",
        answered_by=drafter,
        answered_at=now,
    )
    general = CatalogComment.objects.create(
        catalog=v2,
        author=stakeholder,
        organization=association,
        text="Please add data analysts.",
        answer="Added as 4-04-05-03.",
        answered_by=drafter,
        answered_at=now,
    )
    v2 = GuidanceCatalog.objects.get(pk=v2.pk)
    filing_transition(actor=drafter, filing=v2, transition="submit")
    reviewer = roles.user(Role.MINISTRY_REVIEWER, full_name="Wang Fang")
    filing_transition(actor=reviewer, filing=v2, transition="start_review")
    return {
        "v1": v1,
        "v2": GuidanceCatalog.objects.get(pk=v2.pk),
        "drafter": drafter,
        "reviewer": reviewer,
        "association": association,
        "agency": agency,
        "comments": (on_entry, general),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_submission_reads_as_a_redline_against_the_version_in_force(
    client, submission, occupations, language
):
    v1, v2 = submission["v1"], submission["v2"]
    sign_in_verified(client, submission["reviewer"])

    html = page(client, catalog_url(v2, language))

    text = text_of(html)
    with translation.override(language):
        title = v2.title
        region = v2.region.name
        occupation = {code: occupations[code].title for code in (SOFTWARE, TELECOM, DATA)}
        in_force = in_language(language, v1.status_on(today()).label)
    assert f"{title} {region} · v2" in text
    assert (
        tr(
            "Compared with version %(version)s (%(status)s, %(start)s – %(end)s).",
            language,
            version=1,
            status=in_force,
            start=v1.effective_from.isoformat(),
            end=v1.expires_on.isoformat(),
        )
        in text
    )
    with translation.override(language):
        four_years = ngettext("%(n)d year", "%(n)d years", 4) % {"n": 4}
    assert f"{tr('Validity', language)} {four_years} " in text
    assert f"{tr('Entries added', language)} 1 {tr('Entries removed', language)} 1 " in text
    assert f"{tr('Entries changed', language)} 1 {tr('Entries unchanged', language)} 1" in text
    with translation.override(language):
        unchanged = ngettext("%(n)s entry is unchanged.", "%(n)s entries are unchanged.", 1)
    assert unchanged % {"n": 1} in text

    assert table(html, tr("Entries added", language)) == [
        [
            DATA,
            occupation[DATA],
            "A",
            in_language(language, CatalogEntry.Education.DOCTORATE.label),
            "5",
            "-",
            "Statistics",
            "-",
        ]
    ]
    assert table(html, tr("Entries removed", language)) == [
        [TELECOM, occupation[TELECOM], "B", tr("No minimum", language), "0", "-", "-", "-"]
    ]
    with translation.override(language):
        before, after = (
            number_format(Decimal(n), decimal_pos=2, force_grouping=True)
            for n in ("300000", "350000")
        )
    assert table(html, f"{SOFTWARE} {occupation[SOFTWARE]}") == [
        [
            field_label(CatalogEntry, "min_education", language),
            tr("Bachelor's degree", language),
            tr("Master's degree", language),
        ],
        [field_label(CatalogEntry, "skills_en", language), "Java", "Java, Kotlin"],
        [field_label(CatalogEntry, "min_annual_salary_cny", language), before, after],
    ]
    assert f"<td><del>{before}</del></td><td><ins>{after}</ins></td>" in html
    assert table(html, tr("Changed titles, notes and dates", language)) == [
        [
            field_label(GuidanceCatalog, "title_en", language),
            v1.title_en,
            "Shanghai Guidance Catalog (second version)",
        ],
        [
            field_label(GuidanceCatalog, "notes_zh", language),
            tr("(not set)", language),
            "新增数据分析岗位",
        ],
        [
            field_label(GuidanceCatalog, "effective_from", language),
            v1.effective_from.isoformat(),
            v2.effective_from.isoformat(),
        ],
        [
            field_label(GuidanceCatalog, "expires_on", language),
            v1.expires_on.isoformat(),
            v2.expires_on.isoformat(),
        ],
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_submission_shows_the_consultation_and_history(client, submission, language):
    v2 = submission["v2"]
    reviewer = submission["reviewer"]
    association, agency = submission["association"], submission["agency"]
    sign_in_verified(client, reviewer)

    html = page(client, catalog_url(v2, language))

    text = text_of(html)
    with translation.override(language):
        names = [association.name, agency.name]  # in the order they were invited
        software = v2.entries.get(occupation__code=SOFTWARE).occupation.title
    assert f"{tr('Organizations invited to comment:', language)} {names[0]} {names[1]}" in text
    day = today().isoformat()
    assert table(html, tr("Consultation comments and the drafters' answers", language)) == [
        [
            f"{in_language(language, association.name)} {day}",
            f"{SOFTWARE} {software}",
            "The salary threshold is too high for juniors.",
            f"Kept: it matches the market. Li Ming, {day}",
        ],
        [
            f"{in_language(language, association.name)} {day}",
            tr("The whole catalog", language),
            "Please add data analysts.",
            f"Added as 4-04-05-03. Li Ming, {day}",
        ],
    ]
    filed_state = tr("Filed with the ministry", language)
    assert (
        tr(
            "%(action)s by %(who)s: %(before)s → %(after)s",
            language,
            action=tr("File with the ministry", language),
            who="Li Ming",
            before=tr("Draft", language),
            after=filed_state,
        )
        in text
    )
    assert (
        tr(
            "%(action)s by %(who)s: %(before)s → %(after)s",
            language,
            action=tr("Start the review", language),
            who="Wang Fang",
            before=filed_state,
            after=tr("Under ministry review", language),
        )
        in text
    )
    # The decisions open to the reviewer now: approve, return with reasons (required).
    assert f'action="{action_url(v2, "approve", language)}"' in html
    assert f'action="{action_url(v2, "return", language)}"' in html
    assert f'action="{action_url(v2, "start_review", language)}"' not in html
    assert '<textarea name="return-reason" cols="40" rows="4" maxlength="4000"' in html
    assert 'id="id_return-reason"' in html
    assert "required" in html.split('name="return-reason"')[1].split(">")[0]


def test_without_a_version_in_force_every_entry_is_new(client, signed_in_reviewer, occupations):
    catalog = filed(
        "310000", timezone.now(), entries={SOFTWARE: {}, AI: {}}, occupations=occupations
    )

    html = page(client, catalog_url(catalog, "en"))

    text = text_of(html)
    assert tr("No version in force: all entries are new.", "en") in text
    assert [row[0] for row in table(html, tr("Entries added", "en"))] == [SOFTWARE, AI]
    assert tr("No entry removed.", "en") in text
    assert tr("No entry changed.", "en") in text
    assert f'action="{action_url(catalog, "start_review", "en")}"' in html
    assert f'action="{action_url(catalog, "approve", "en")}"' not in html


# --- Decisions through the pages ------------------------------------------------------------------


def follow(client: Client, response: Any) -> str:
    assert response.status_code == 302
    return text_of(page(client, response["Location"]))


def message(language: str, action: str, version: int, state: str) -> str:
    return tr(
        "“%(action)s” is done: version %(version)s is now %(state)s.",
        language,
        action=tr(action, language),
        version=version,
        state=tr(state, language),
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_start_review_and_approve_through_the_pages(
    client, signed_in_reviewer, occupations, language
):
    reviewer = signed_in_reviewer
    catalog = filed("310000", timezone.now(), occupations=occupations)

    response = client.post(action_url(catalog, "start_review", language))
    assert response["Location"] == catalog_url(catalog, language)
    assert message(language, "Start the review", 1, "Under ministry review") in follow(
        client, response
    )

    response = client.post(action_url(catalog, "approve", language), {"approve-reason": ""})
    text = follow(client, response)

    assert message(language, "Approve", 1, "Approved") in text
    catalog = GuidanceCatalog.objects.get(pk=catalog.pk)
    assert catalog.state == S.APPROVED
    assert catalog.approved_at is not None
    assert records(catalog) == [
        ("start_review", S.UNDER_REVIEW, reviewer.pk, ""),
        ("approve", S.APPROVED, reviewer.pk, ""),
    ]
    assert list(
        AuditEvent.objects.filter(target_model=LABEL, target_id=str(catalog.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    ) == [f"{WORKFLOW_NAME}.start_review", f"{WORKFLOW_NAME}.approve"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reason", ["", "  \n "])
def test_return_without_reasons_is_refused_and_changes_nothing(
    client, signed_in_reviewer, occupations, language, reason
):
    catalog = filed("310000", timezone.now(), state=S.UNDER_REVIEW, occupations=occupations)
    before = snapshot(catalog)
    seq = last_seq()

    response = client.post(action_url(catalog, "return", language), {"return-reason": reason})

    assert response["Location"] == catalog_url(catalog, language)
    text = follow(client, response)
    expected = tr(
        "Give a reason for “%(action)s”.", language, action=tr("Return with reasons", language)
    )
    assert expected in text
    assert snapshot(catalog) == before
    assert records(catalog) == []
    assert AuditEvent.objects.filter(seq__gt=seq).count() == 0


def test_return_with_reasons(client, signed_in_reviewer, occupations):
    reviewer = signed_in_reviewer
    catalog = filed("310000", timezone.now(), state=S.UNDER_REVIEW, occupations=occupations)
    reasons = "Entry 2-02-10-03: give the salary threshold in yuan per year."

    response = client.post(action_url(catalog, "return", "en"), {"return-reason": reasons})

    text = follow(client, response)
    assert message("en", "Return with reasons", 1, "Returned by the ministry") in text
    assert f"{tr('Reasons:', 'en')} {reasons}" in text
    assert GuidanceCatalog.objects.get(pk=catalog.pk).state == S.RETURNED
    assert records(catalog) == [("return", S.RETURNED, reviewer.pk, reasons)]
    assert tr("Returned to the province: the drafters revise it and file it again.", "en") in text


@pytest.mark.parametrize(
    ("state", "transition", "start_offset", "expected"),
    [
        (
            S.UNDER_REVIEW,
            "approve",
            -1,
            "The effective date {date} has passed: choose today or a later day.",
        ),
        (S.SUBMITTED, "approve", 30, "“Approve” is not possible while the record is {state}."),
        (
            S.APPROVED,
            "return",
            30,
            "“Return with reasons” is not possible while the record is {state}.",
        ),
        (S.SUBMITTED, "rubber_stamp", 30, "There is no action called “rubber_stamp”."),
        (S.SUBMITTED, "recall", 30, "You may not “Recall the filing” this record."),
    ],
)
def test_refusals_are_shown_and_change_nothing(
    client, signed_in_reviewer, occupations, state, transition, start_offset, expected
):
    start = today() + dt.timedelta(days=start_offset)
    catalog = make_catalog(
        state=state,
        effective_from=start,
        expires_on=three_years(start),
        entries={SOFTWARE: {}},
        occupations=occupations,
    )
    before = snapshot(catalog)
    seq = last_seq()

    response = client.post(
        action_url(catalog, transition, "en"), {f"{transition}-reason": "Because."}
    )

    text = follow(client, response)
    with translation.override("en"):
        state_label = str(S(state).label)
    assert expected.format(date=start.isoformat(), state=state_label) in text
    assert snapshot(catalog) == before
    assert records(catalog) == []
    assert AuditEvent.objects.filter(seq__gt=seq).count() == 0


def test_withdrawing_a_published_version_leaves_the_review_pages(
    client, signed_in_reviewer, occupations
):
    start = today() + dt.timedelta(days=10)
    catalog = make_catalog(
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=three_years(start),
        entries={SOFTWARE: {}},
        occupations=occupations,
    )

    response = client.post(
        action_url(catalog, "withdraw", "en"), {"withdraw-reason": "Published in error."}
    )

    assert response["Location"] == queue_url("en")
    assert message("en", "Withdraw", 1, "Withdrawn") in follow(client, response)
    assert GuidanceCatalog.objects.get(pk=catalog.pk).state == S.WITHDRAWN
    assert client.get(catalog_url(catalog, "en")).status_code == 404


# --- Query counts ---------------------------------------------------------------------------------

# The queue: 1. session; 2. user; 3. the reviewer's permission; 4. the catalogs filed, with
# their province and entry count; 5. the recent decisions (one query with subqueries);
# 6. the user's roles (menu); 7. the unread notifications of the header. The working-day
# calendar comes from the cache.
QUEUE_QUERIES = 7
# A submission: 1. session; 2. user; 3. the reviewer's permission; 4. the catalog with its
# province and the version it is based on; 5. the version in force (redline baseline);
# 6-7. the entries of the submission and of the baseline, with their occupations; 8. the
# history; 9. the invitations with their organizations; 10. the comments with authors,
# organizations, answering drafters and entries; 11. the user's roles (menu); 12. the
# unread notifications of the header. The reviewer's permission is read once per request,
# whatever the decisions offered.
REVIEW_QUERIES = 12


def test_queue_query_count_does_not_grow_with_catalogs(
    client, signed_in_reviewer, occupations, django_assert_num_queries
):
    reviewer = signed_in_reviewer
    for count in (3, 30):
        while GuidanceCatalog.objects.count() < count:
            n = GuidanceCatalog.objects.count()
            catalog = filed(
                PROVINCES[n % len(PROVINCES)],
                timezone.now() - dt.timedelta(days=n),
                state=S.UNDER_REVIEW if n % 2 else S.SUBMITTED,
                occupations=occupations,
            )
            if n % 4 == 1:
                filing_transition(actor=reviewer, filing=catalog, transition="return", reason="R")
        assert client.get(queue_url()).status_code == 200  # the calendar is in the cache now
        with django_assert_num_queries(QUEUE_QUERIES):
            response = client.get(queue_url())
        assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 60])
def test_review_page_query_count_does_not_grow_with_entries(
    client, signed_in_reviewer, shipped_occupations, django_assert_num_queries, count
):
    codes = sorted(code for code, o in shipped_occupations.items() if o.level == 4)
    start = today() - dt.timedelta(days=700)
    make_catalog(
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=add_years(start, 5) - dt.timedelta(days=1),
        entries={c: {"skills_zh": "技能"} for c in codes[:count]},
        occupations=shipped_occupations,
    )
    submitted = filed(
        "310000",
        timezone.now(),
        state=S.UNDER_REVIEW,
        # One removed, a third changed, one added.
        entries={
            **{c: {"skills_zh": "技能"} for c in codes[1:count]},
            **{c: {"skills_zh": "新技能"} for c in codes[1 : 1 + count // 3]},
            codes[count]: {},
        },
        occupations=shipped_occupations,
    )
    comment_author = OrganizationFactory(association=True)
    for i in range(3):
        CatalogComment.objects.create(
            catalog=submitted,
            entry=submitted.entries.first(),
            occupation_code=codes[1],
            author=signed_in_reviewer,
            organization=comment_author,
            text=f"Comment {i}",
        )
    client.get(catalog_url(submitted))  # the calendar and the session are warm

    with django_assert_num_queries(REVIEW_QUERIES):
        response = client.get(catalog_url(submitted, "en"))

    html = html_of(response)
    assert len(table(html, tr("Entries added", "en"))) == 1
    assert len(table(html, tr("Entries removed", "en"))) == 1
    assert f"{tr('Entries changed', 'en')} {count // 3} " in text_of(html)


def test_overlong_reasons_are_refused_and_change_nothing(client, signed_in_reviewer, occupations):
    catalog = filed("310000", timezone.now(), state=S.UNDER_REVIEW, occupations=occupations)
    before = snapshot(catalog)

    response = client.post(action_url(catalog, "return", "en"), {"return-reason": "x" * 4001})

    text = follow(client, response)
    assert "Ensure this value has at most 4000 characters (it has 4001)." in text
    assert snapshot(catalog) == before
    assert records(catalog) == []
