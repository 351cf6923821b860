"""Consultation on a draft catalog: the drafter invites an industry association, the
association's stakeholder comments on the draft and on one entry, the drafter cannot file
while a comment is unanswered, answers, and files. Stakeholder pages by invitation, and
after the deadline or once closed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from catalogs.models import (
    CatalogComment,
    CatalogEntry,
    CatalogInvitation,
    GuidanceCatalog,
    Occupation,
)
from portal.filings import add_years
from portal.models import TransitionRecord, User
from portal.models.filing import FilingState
from portal.roles import Role
from tests.catalogs.conftest import make_catalog
from tests.catalogs.test_drafting import (
    follow_messages,
    snapshot,
    table_rows,
    today,
    url,
)
from tests.factories import OrganizationFactory, RoleHelper, UserFactory
from tests.portal.test_pages import (
    assert_landmarks_and_labels,
    html_of,
    page_text,
    sign_in_verified,
    text_of,
    tr,
)

pytestmark = pytest.mark.django_db

ZH = "zh-hans"


def comments_snapshot() -> list[tuple[Any, ...]]:
    return list(
        CatalogComment.objects.order_by("pk").values_list(
            "pk", "text", "entry", "occupation_code", "answer", "answered_at"
        )
    )


@pytest.fixture
def draft(occupations: dict[str, Occupation]) -> GuidanceCatalog:
    """A Shanghai draft ready to file: two entries, four years of validity from next month."""
    start = today() + dt.timedelta(days=30)
    return make_catalog(
        effective_from=start,
        expires_on=add_years(start, 4) - dt.timedelta(days=1),
        entries={
            "2-02-10-03": {"category": "B", "min_education": "bachelor"},
            "2-08-01-01": {"category": "A", "min_education": "doctorate"},
        },
    )


def consulting(catalog: GuidanceCatalog, organization: Any, deadline: dt.date) -> None:
    """Set up a consultation directly (the opening itself is tested through the pages)."""
    GuidanceCatalog.objects.filter(pk=catalog.pk).update(
        state=FilingState.CONSULTATION, consultation_deadline=deadline
    )
    CatalogInvitation.objects.create(
        catalog=catalog, organization=organization, invited_by=UserFactory()
    )
    catalog.refresh_from_db()


# --- The whole consultation, through the pages ----------------------------------------------------


def test_consultation_from_invitation_to_filing(
    draft: GuidanceCatalog, drafter: User, stakeholder: User
) -> None:
    drafter_client, stakeholder_client = Client(), Client()
    sign_in_verified(drafter_client, drafter)
    sign_in_verified(stakeholder_client, stakeholder)
    association = stakeholder.organization

    # Before the invitation, the association sees nothing.
    assert stakeholder_client.get(url("consultation", draft.pk)).status_code == 404
    rows = table_rows(
        html_of(stakeholder_client.get(url("consultations"))),
        "Drafts your organization is consulted on",
    )
    assert rows == [[tr("Your organization is not consulted on any draft now.")]]

    # The drafter invites it.
    deadline = today() + dt.timedelta(days=14)
    response = drafter_client.post(
        url("drafting_consultation", draft.pk),
        {"organizations": [association.pk], "deadline": deadline.isoformat()},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == FilingState.CONSULTATION

    # The stakeholder finds it in the list, reads it, and comments.
    html = html_of(stakeholder_client.get(url("consultations")))
    rows = table_rows(html, "Drafts your organization is consulted on")
    assert rows == [
        [
            "上海市",
            f"{draft.title} (v1)",
            deadline.isoformat(),
            f"{tr('open for comments')} {tr('In consultation')}",
        ]
    ]
    page = html_of(stakeholder_client.get(url("consultation", draft.pk)))
    assert_landmarks_and_labels(page)
    entries = table_rows(page, "Occupations the draft lists, with their requirements")
    assert [row[:4] for row in entries] == [
        ["2-02-10-03", "计算机软件工程技术人员", "B", tr("Bachelor's degree")],
        ["2-08-01-01", "大学教师", "A", tr("Doctorate")],
    ]
    software = CatalogEntry.objects.get(catalog=draft, occupation__code="2-02-10-03")
    entry_link = url("consultation_comment", draft.pk) + f"?entry={software.pk}"
    assert f'href="{entry_link}"' in page

    response = stakeholder_client.post(
        url("consultation_comment", draft.pk), {"text": "建议补充对外语能力的要求。"}
    )
    assert response["Location"] == url("consultation", draft.pk) + "#comments"
    assert follow_messages(stakeholder_client, response) == [
        tr("Your comment is sent to the drafters.")
    ]
    entry_page = html_of(stakeholder_client.get(entry_link))
    assert_landmarks_and_labels(entry_page)
    assert "计算机软件工程技术人员" in text_of(entry_page)
    response = stakeholder_client.post(
        url("consultation_comment", draft.pk),
        {"text": "薪资下限偏低。", "entry": software.pk},
    )
    assert response.status_code == 302
    comments = list(
        CatalogComment.objects.order_by("pk").values_list(
            "catalog", "organization", "author", "text", "entry", "occupation_code"
        )
    )
    assert comments == [
        (draft.pk, association.pk, stakeholder.pk, "建议补充对外语能力的要求。", None, ""),
        (draft.pk, association.pk, stakeholder.pk, "薪资下限偏低。", software.pk, "2-02-10-03"),
    ]
    own = page_text(stakeholder_client.get(url("consultation", draft.pk)))
    assert own.count(tr("not answered yet")) == 2

    # The drafter sees two unanswered comments, and cannot file yet.
    workspace = page_text(drafter_client.get(url("drafting_catalog", draft.pk)))
    assert workspace.count(tr("unanswered")) == 3  # the badge in the heading, and one each
    before = snapshot(draft)
    response = drafter_client.post(url("drafting_transition", draft.pk, "submit"))
    assert follow_messages(drafter_client, response) == [
        tr("Answer every consultation comment first: %(n)d still open.", n=2)
    ]
    assert snapshot(draft) == before

    # Answers, one at a time; with one left, still refused.
    first, second = CatalogComment.objects.order_by("pk")
    answer_page = html_of(drafter_client.get(url("drafting_comment_answer", draft.pk, first.pk)))
    assert_landmarks_and_labels(answer_page)
    response = drafter_client.post(
        url("drafting_comment_answer", draft.pk, first.pk), {"answer": "已在备注中补充。"}
    )
    assert follow_messages(drafter_client, response) == [
        tr("The answer to %(organization)s is saved.", organization=association.name_zh)
    ]
    response = drafter_client.post(url("drafting_transition", draft.pk, "submit"))
    assert follow_messages(drafter_client, response) == [
        tr("Answer every consultation comment first: %(n)d still open.", n=1)
    ]
    response = drafter_client.post(
        url("drafting_comment_answer", draft.pk, second.pk), {"answer": "薪资标准已上调。"}
    )
    assert follow_messages(drafter_client, response) == [
        tr("The answer to %(organization)s is saved.", organization=association.name_zh)
    ]
    assert list(CatalogComment.objects.order_by("pk").values_list("answer", "answered_by")) == [
        ("已在备注中补充。", drafter.pk),
        ("薪资标准已上调。", drafter.pk),
    ]
    # The association reads the answers.
    own = page_text(stakeholder_client.get(url("consultation", draft.pk)))
    assert "已在备注中补充。" in own
    assert "薪资标准已上调。" in own

    # Filed.
    response = drafter_client.post(url("drafting_transition", draft.pk, "submit"))
    assert follow_messages(drafter_client, response) == [
        tr(
            "Done: %(action)s. Version %(version)s is now “%(state)s”.",
            action=tr("File with the ministry"),
            version=1,
            state=tr("Filed with the ministry"),
        )
    ]
    draft.refresh_from_db()
    assert draft.state == FilingState.SUBMITTED
    records = list(
        TransitionRecord.objects.filter(target_id=str(draft.pk))
        .order_by("pk")
        .values_list("transition", "from_state", "to_state", "actor")
    )
    assert records == [
        ("open_consultation", "draft", "consultation", drafter.pk),
        ("submit", "consultation", "submitted", drafter.pk),
    ]
    history = table_rows(
        html_of(drafter_client.get(url("drafting_catalog", draft.pk))),
        "State changes of this version",
    )
    assert [row[1:3] for row in history] == [
        [drafter.get_full_name(), f"{tr('Draft')} → {tr('In consultation')}"],
        [drafter.get_full_name(), f"{tr('In consultation')} → {tr('Filed with the ministry')}"],
    ]
    # Filed: the association still reads the draft and its answers, but no longer comments.
    response = stakeholder_client.get(url("consultation", draft.pk))
    assert response.status_code == 200
    assert tr(
        "The consultation is closed: the draft stays readable, but comments are no longer taken."
    ) in page_text(response)
    before_comments = comments_snapshot()
    response = stakeholder_client.post(
        url("consultation_comment", draft.pk), {"text": "还有一点。"}
    )
    assert follow_messages(stakeholder_client, response) == [tr("The consultation is closed.")]
    assert comments_snapshot() == before_comments


# --- Who may read and comment ---------------------------------------------------------------------


def test_an_organization_not_invited_gets_404(
    client: Client, draft: GuidanceCatalog, stakeholder: User, roles: RoleHelper
) -> None:
    consulting(draft, stakeholder.organization, today() + dt.timedelta(days=7))
    outsider = roles.user(Role.STAKEHOLDER, organization=OrganizationFactory(association=True))
    sign_in_verified(client, outsider)
    entry = draft.entries.order_by("pk").first()
    for target in (
        url("consultation", draft.pk),
        url("consultation_comment", draft.pk),
        url("consultation_comment", draft.pk) + f"?entry={entry.pk}",
    ):
        assert client.get(target).status_code == 404, target
    before = comments_snapshot()
    assert client.post(url("consultation_comment", draft.pk), {"text": "x"}).status_code == 404
    assert comments_snapshot() == before
    rows = table_rows(
        html_of(client.get(url("consultations"))), "Drafts your organization is consulted on"
    )
    assert rows == [[tr("Your organization is not consulted on any draft now.")]]


@pytest.mark.parametrize(
    "who", ["anonymous", "employer_admin", "shanghai_drafter", "ministry_reviewer", "agency_agent"]
)
def test_stakeholder_pages_are_for_stakeholders(
    client: Client, draft: GuidanceCatalog, roles: RoleHelper, who: str
) -> None:
    agency = OrganizationFactory(agency=True)
    consulting(draft, agency, today() + dt.timedelta(days=7))
    user = {
        "anonymous": lambda: None,
        "employer_admin": lambda: roles.user(Role.EMPLOYER_ADMIN),
        "shanghai_drafter": lambda: roles.user(Role.STANDARDS_DRAFTER, region_code="310000"),
        "ministry_reviewer": lambda: roles.user(Role.MINISTRY_REVIEWER),
        # Works for the invited agency, but is not its consulted stakeholder.
        "agency_agent": lambda: roles.user(Role.AGENCY_AGENT, organization=agency),
    }[who]()
    if user is not None:
        sign_in_verified(client, user)
    for target in (
        url("consultations"),
        url("consultation", draft.pk),
        url("consultation_comment", draft.pk),
    ):
        response = client.get(target)
        if who == "anonymous":
            assert response["Location"] == f"/zh-hans/accounts/login/?next={target}"
        else:
            assert response.status_code == 404, target


def test_comments_after_the_deadline_are_refused(
    client: Client, draft: GuidanceCatalog, stakeholder: User
) -> None:
    consulting(draft, stakeholder.organization, today() - dt.timedelta(days=1))
    sign_in_verified(client, stakeholder)
    page = client.get(url("consultation", draft.pk))
    assert page.status_code == 200
    text = page_text(page)
    assert (
        tr(
            "The consultation is closed: the draft stays readable, but comments are no longer "
            "taken."
        )
        in text
    )
    assert "计算机软件工程技术人员" in text
    assert 'name="text"' not in html_of(page)  # no comment form
    entry = draft.entries.order_by("pk").first()
    before, state = comments_snapshot(), snapshot(draft)
    for data in ({"text": "迟到的意见"}, {"text": "迟到的意见", "entry": entry.pk}):
        response = client.post(url("consultation_comment", draft.pk), data)
        assert follow_messages(client, response) == [tr("The consultation is closed.")]
    assert comments_snapshot() == before
    assert snapshot(draft) == state


def test_comments_once_closed_are_refused_and_the_page_stays_readable(
    client: Client, draft: GuidanceCatalog, stakeholder: User, drafter: User
) -> None:
    consulting(draft, stakeholder.organization, today() + dt.timedelta(days=7))
    drafter_client = Client()
    sign_in_verified(drafter_client, drafter)
    drafter_client.post(url("drafting_transition", draft.pk, "close_consultation"))
    draft.refresh_from_db()
    assert draft.state == FilingState.DRAFT
    sign_in_verified(client, stakeholder)
    assert client.get(url("consultation", draft.pk)).status_code == 200
    before = comments_snapshot()
    response = client.post(url("consultation_comment", draft.pk), {"text": "意见"})
    assert follow_messages(client, response) == [tr("The consultation is closed.")]
    assert comments_snapshot() == before


def test_comment_refusals_change_nothing(
    client: Client, draft: GuidanceCatalog, stakeholder: User
) -> None:
    consulting(draft, stakeholder.organization, today() + dt.timedelta(days=7))
    other = make_catalog("440000", entries={"2-02-10-03": {}})
    sign_in_verified(client, stakeholder)
    before = comments_snapshot()
    # An empty comment.
    response = client.post(url("consultation_comment", draft.pk), {"text": "  "})
    assert response.status_code == 200
    assert tr("This field is required.") in page_text(response)
    # An entry of another catalog.
    response = client.post(
        url("consultation_comment", draft.pk),
        {"text": "意见", "entry": other.entries.get().pk},
    )
    assert response.status_code == 200
    assert tr("The draft has no such entry.") in page_text(response)
    assert comments_snapshot() == before


def test_answers_are_for_the_provinces_drafters(
    client: Client, draft: GuidanceCatalog, stakeholder: User, guangdong_drafter: User
) -> None:
    consulting(draft, stakeholder.organization, today() + dt.timedelta(days=7))
    comment = draft.comments.create(
        author=stakeholder, organization=stakeholder.organization, text="意见"
    )
    sign_in_verified(client, guangdong_drafter)
    target = url("drafting_comment_answer", draft.pk, comment.pk)
    assert client.get(target).status_code == 404
    assert client.post(target, {"answer": "答复"}).status_code == 404
    comment.refresh_from_db()
    assert (comment.answer, comment.answered_at) == ("", None)


def test_an_empty_answer_is_refused(
    client: Client, draft: GuidanceCatalog, stakeholder: User, drafter: User
) -> None:
    consulting(draft, stakeholder.organization, today() + dt.timedelta(days=7))
    comment = draft.comments.create(
        author=stakeholder, organization=stakeholder.organization, text="意见"
    )
    sign_in_verified(client, drafter)
    response = client.post(url("drafting_comment_answer", draft.pk, comment.pk), {"answer": " "})
    assert response.status_code == 200
    assert tr("This field is required.") in page_text(response)
    comment.refresh_from_db()
    assert (comment.answer, comment.answered_at) == ("", None)


# --- Query count ----------------------------------------------------------------------------------

# GET the consultation page of a stakeholder:
#   1 session, 2 user, 3 the user's groups (the stakeholder role, then cached for the
#   request and the menu), 4 the draft, if the organization is invited (catalogs_consulting),
#   5 one page of entries with their occupations, 6 the comments with their authors,
#   organizations, answerers and entries, 7 the unread notifications of the header.
CONSULTATION_QUERIES = 7


def test_consultation_page_query_count_does_not_grow_with_entries(
    client: Client,
    shipped_occupations: dict[str, Occupation],
    stakeholder: User,
    django_assert_num_queries: Any,
) -> None:
    catalog = make_catalog()
    consulting(catalog, stakeholder.organization, today() + dt.timedelta(days=7))
    sign_in_verified(client, stakeholder)
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
        with django_assert_num_queries(CONSULTATION_QUERIES):
            response = client.get(url("consultation", catalog.pk))
        rows = table_rows(html_of(response), "Occupations the draft lists, with their requirements")
        assert len(rows) == min(count, 50)


# --- Languages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_stakeholder_pages_in_both_languages(
    client: Client, draft: GuidanceCatalog, stakeholder: User, language: str
) -> None:
    consulting(draft, stakeholder.organization, today() + dt.timedelta(days=7))
    sign_in_verified(client, stakeholder)
    entry = draft.entries.order_by("pk").first()
    for target in (
        url("consultations", language=language),
        url("consultation", draft.pk, language=language),
        url("consultation_comment", draft.pk, language=language) + f"?entry={entry.pk}",
    ):
        response = client.get(target)
        assert response.status_code == 200, target
        assert f'<html lang="{language}">' in html_of(response)
    with translation.override(language):
        assert tr("Comment on the whole draft", language) in page_text(
            client.get(url("consultation", draft.pk, language=language))
        )


# GET the list of consultations: 1 session, 2 user, 3 the user's groups (the stakeholder
# role, then cached for the request and the menu), 4 the drafts with their provinces, 5 the
# unread notifications of the header.
CONSULTATIONS_QUERIES = 5


def test_consultations_list_query_count_does_not_grow_with_drafts(
    client: Client,
    occupations: dict[str, Occupation],
    stakeholder: User,
    django_assert_num_queries: Any,
) -> None:
    sign_in_verified(client, stakeholder)
    for drafts in (1, 4):
        while CatalogInvitation.objects.count() < drafts:
            region = ("310000", "320000", "330000", "440000")[CatalogInvitation.objects.count()]
            consulting(make_catalog(region), stakeholder.organization, today())
        with django_assert_num_queries(CONSULTATIONS_QUERIES):
            response = client.get(url("consultations"))
        rows = table_rows(html_of(response), "Drafts your organization is consulted on")
        assert len(rows) == drafts
