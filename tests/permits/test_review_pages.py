"""The officers' pages for applications: the queue of a province (scope, default by role,
filters, order by deadline, urgency badges on fixed dates, paging without counting, query
count pinned), the application's page (job, worker, employer, documents inline, the
recognition with its points lines and routes, credit standing, clocks, information
requests, history; query count pinned), the actions (each one's success, and its refusal
shown with nothing changed), the downloads, and who may see what.

Applications are built through the ORM (the states, clocks and assessments the pages
show); the actions go through the real workflow. Every HTML page goes through
``html_of`` (strict CSP, no inline script or style).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from permits import clocks
from permits.models import (
    Application,
    Document,
    InformationItem,
    InformationRequest,
    PowerOfAttorney,
    RejectionReason,
)
from permits.selectors.review import UrgencyClock
from permits.services.applications import application_transition
from permits.views import review as review_views
from portal.files import store_upload
from portal.models import Foreigner, Organization, Passport, Region, TransitionRecord, User
from portal.roles import Role
from tests.factories import RoleHelper
from tests.pages import html_of, tr
from tests.permits.conftest import TODAY, region
from tests.portal.test_pages import assert_landmarks, sign_in_verified, text_of
from tests.talent_standards.test_drafting import lz, table_rows

pytestmark = pytest.mark.django_db

S = Application.State
AK = Application.Kind
DK = Document.Kind
ZH = "zh-hans"
QUEUE_CAPTION = "Applications of your province, soonest deadline first"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

_numbers = itertools.count(1)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


def url(name: str, *args: Any, language: str = ZH) -> str:
    with translation.override(language):
        return reverse(f"permits:{name}", args=args)


def client_for(user: User) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setattr(review_views, "_today", lambda: TODAY)
    return TODAY


@pytest.fixture(autouse=True)
def _storage() -> Any:
    yield
    from portal import files

    storage = files.StoredFile._meta.get_field("file").storage
    for name in list(files._walk(storage, files.UPLOAD_ROOT)):
        storage.delete(name)


def worker(surname: str = "") -> Foreigner:
    n = next(_numbers)
    person = Foreigner.objects.create(
        surname=surname or f"WORKER{n}",
        given_names="ALEX",
        sex=Foreigner.Sex.MALE,
        date_of_birth=dt.date(1988, 5, 1),
        nationality="GBR",
    )
    Passport.objects.create(
        foreigner=person,
        number=f"P{n:07d}",
        issuing_country="GBR",
        issue_date=dt.date(2024, 1, 10),
        expiry_date=dt.date(2034, 1, 9),
    )
    return person


def make_app(
    employer: Organization,
    creator: User,
    *,
    state: str = S.SUBMITTED,
    region_code: str = "310000",
    work_region: Region | None = None,
    due_on: dt.date | None = None,
    kind: str = AK.NEW,
    category: str = "B",
    person: Foreigner | None = None,
    submitted_at: dt.datetime | None = None,
    **fields: Any,
) -> Application:
    person = person or worker()
    province = region(region_code)
    return Application.objects.create(
        number=f"WP-2026-T{next(_numbers):06d}",
        kind=kind,
        state=state,
        employer=employer,
        created_by=creator,
        region=province,
        work_region=work_region or province,
        foreigner=person,
        passport=person.passports.get(),
        category=category,
        job_title="Software engineer",
        annual_salary_cny="480000",
        contract_start=dt.date(2026, 7, 1),
        contract_end=dt.date(2028, 6, 30),
        submitted_at=submitted_at or (timezone.now() if state != S.DRAFT else None),
        due_on=due_on,
        **fields,
    )


def add_document(
    application: Application, kind: str, by: User, *, data: bytes = PDF, name: str = ""
) -> Document:
    stored = store_upload(
        SimpleUploadedFile(name or f"{kind}.pdf", data, content_type="application/pdf"),
        actor=by,
    )
    return Document.objects.create(
        application=application,
        kind=kind,
        file=stored,
        issued_on=timezone.localdate() - dt.timedelta(days=30),
        uploaded_by=by,
        uploaded_at=timezone.now(),
    )


def queue_numbers(client: Client, **params: Any) -> list[str]:
    response = client.get(url("review_queue"), params)
    assert response.status_code == 200
    html = html_of(response)
    if "<table" not in html:
        return []
    return [row[0] for row in table_rows(html, QUEUE_CAPTION)]


def snapshot(application: Application) -> tuple[Any, ...]:
    """What a refused action must leave as it was."""
    fresh = Application.objects.get(pk=application.pk)
    return (
        fresh.state,
        fresh.due_on,
        fresh.decision_due_on,
        fresh.overall_due_on,
        fresh.overall_extended,
        fresh.paused_on,
        fresh.accepted_at,
        fresh.decided_at,
        fresh.decision_text_zh,
        fresh.decision_text_en,
        sorted(fresh.decision_reasons.values_list("code", flat=True)),
        InformationRequest.objects.filter(application=fresh).count(),
        TransitionRecord.objects.filter(
            target_model="permits.application", target_id=str(fresh.pk)
        ).count(),
    )


# --- The queue ---------------------------------------------------------------------------------


def test_a_beijing_officer_never_sees_shanghai_applications(
    employer: Organization,
    employer_admin: User,
    beijing_employer: Organization,
    beijing_admin: User,
    sh_acceptance: User,
    bj_acceptance: User,
) -> None:
    shanghai = make_app(employer, employer_admin)
    beijing = make_app(beijing_employer, beijing_admin, region_code="110000")

    for state in ("", "mine", "open", "submitted"):
        params = {"state": state} if state else {}
        assert queue_numbers(client_for(sh_acceptance), **params) == [shanghai.number]
        assert queue_numbers(client_for(bj_acceptance), **params) == [beijing.number]


def test_the_queue_shows_by_default_what_awaits_the_officer(
    employer: Organization,
    employer_admin: User,
    sh_acceptance: User,
    sh_decision: User,
    roles: RoleHelper,
) -> None:
    day = TODAY + dt.timedelta(days=3)
    submitted = make_app(employer, employer_admin, due_on=day)
    review = make_app(employer, employer_admin, state=S.UNDER_REVIEW, due_on=day)
    asked = make_app(
        employer, employer_admin, state=S.INFORMATION_REQUESTED, due_on=day, paused_on=TODAY
    )
    returned = make_app(employer, employer_admin, state=S.RETURNED)
    approved = make_app(employer, employer_admin, state=S.APPROVED)
    make_app(employer, employer_admin, state=S.DRAFT)

    assert queue_numbers(client_for(sh_acceptance)) == [submitted.number]
    assert queue_numbers(client_for(sh_decision)) == [review.number, asked.number]
    both = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    from portal import services

    services.role_grant(actor=None, user=both, role=Role.DECISION_OFFICER, region=region("310000"))
    assert queue_numbers(client_for(both)) == [submitted.number, review.number, asked.number]
    # Every open one, whatever the officer's role; a closed state by name; never a draft.
    everything_open = [submitted.number, review.number, asked.number, returned.number]
    assert queue_numbers(client_for(sh_acceptance), state="open") == everything_open
    assert queue_numbers(client_for(sh_decision), state="open") == everything_open
    assert queue_numbers(client_for(sh_decision), state="approved") == [approved.number]
    # Drafts are not a choice: the filter is left out (what awaits the officer is shown).
    assert queue_numbers(client_for(sh_decision), state="draft") == [review.number, asked.number]


def test_each_filter(
    employer: Organization,
    employer_admin: User,
    sh_acceptance: User,
    occupations: dict[str, Any],
) -> None:
    other = Organization.objects.create(
        kind=Organization.Kind.EMPLOYER,
        name_zh="浦江软件有限公司",
        name_en="Pujiang Software Co., Ltd.",
        region=region("310000"),
        uscc=employer.uscc[:-4] + "0000",
    )
    other_admin = RoleHelper().user(Role.EMPLOYER_ADMIN, organization=other)
    engineer = make_app(
        employer,
        employer_admin,
        category="B",
        occupation=occupations["2-02-10-03"],
        due_on=TODAY + dt.timedelta(days=2),
    )
    teacher = make_app(
        other,
        other_admin,
        category="A",
        kind=AK.SHORT_TERM,
        occupation=occupations["2-08-01-01"],
        due_on=TODAY + dt.timedelta(days=9),
    )
    client = client_for(sh_acceptance)

    assert queue_numbers(client, category="A") == [teacher.number]
    assert queue_numbers(client, category="B") == [engineer.number]
    assert queue_numbers(client, kind="short_term") == [teacher.number]
    assert queue_numbers(client, kind="new") == [engineer.number]
    assert queue_numbers(client, employer="浦江") == [teacher.number]
    assert queue_numbers(client, employer="pujiang software") == [teacher.number]
    assert queue_numbers(client, employer=employer.uscc.lower()) == [engineer.number]
    assert queue_numbers(client, occupation="2-02") == [engineer.number]
    assert queue_numbers(client, occupation="2-08-01-01") == [teacher.number]
    assert queue_numbers(client, occupation="2-0") == [engineer.number, teacher.number]
    due = TODAY + dt.timedelta(days=2)
    assert queue_numbers(client, due_before=due.isoformat()) == [engineer.number]
    assert queue_numbers(client, due_before=(due - dt.timedelta(days=1)).isoformat()) == []
    assert queue_numbers(client, category="A", employer="测试") == []

    # A filter that is not valid is left out and said so, with a link to its field.
    response = client.get(url("review_queue"), {"occupation": "engineer"})
    html = html_of(response)
    assert [row[0] for row in table_rows(html, QUEUE_CAPTION)] == [engineer.number, teacher.number]
    assert 'href="#id_occupation"' in html
    assert tr("Enter an occupation code or its beginning: digits and hyphens, e.g. 2-02.") in html


def test_the_queue_is_sorted_by_deadline_none_last_then_by_submission(
    employer: Organization, employer_admin: User, sh_decision: User
) -> None:
    now = timezone.now()
    late_no_clock = make_app(
        employer, employer_admin, state=S.UNDER_REVIEW, submitted_at=now - dt.timedelta(days=1)
    )
    early_no_clock = make_app(
        employer, employer_admin, state=S.UNDER_REVIEW, submitted_at=now - dt.timedelta(days=9)
    )
    later = make_app(
        employer, employer_admin, state=S.UNDER_REVIEW, due_on=TODAY + dt.timedelta(days=5)
    )
    same_day_second = make_app(
        employer,
        employer_admin,
        state=S.UNDER_REVIEW,
        due_on=TODAY + dt.timedelta(days=1),
        submitted_at=now - dt.timedelta(days=2),
    )
    same_day_first = make_app(
        employer,
        employer_admin,
        state=S.UNDER_REVIEW,
        due_on=TODAY + dt.timedelta(days=1),
        submitted_at=now - dt.timedelta(days=3),
    )
    overdue = make_app(
        employer, employer_admin, state=S.UNDER_REVIEW, due_on=TODAY - dt.timedelta(days=4)
    )
    assert queue_numbers(client_for(sh_decision)) == [
        overdue.number,
        same_day_first.number,
        same_day_second.number,
        later.number,
        early_no_clock.number,
        late_no_clock.number,
    ]


def test_urgency_badges_on_fixed_dates(
    employer: Organization, employer_admin: User, sh_decision: User
) -> None:
    # TODAY is Monday 2026-06-08; due soon means within 2 working days.
    cases = [
        (TODAY - dt.timedelta(days=1), None, "Overdue"),
        (TODAY, None, "Due soon"),
        (dt.date(2026, 6, 10), None, "Due soon"),  # Wednesday: 2 working days
        (dt.date(2026, 6, 11), None, "On time"),  # Thursday: 3 working days
        (TODAY - dt.timedelta(days=5), TODAY - dt.timedelta(days=6), "Clock paused"),
    ]
    for due_on, paused_on, _label in cases:
        make_app(
            employer,
            employer_admin,
            state=S.INFORMATION_REQUESTED if paused_on else S.UNDER_REVIEW,
            due_on=due_on,
            paused_on=paused_on,
        )
    html = html_of(client_for(sh_decision).get(url("review_queue")))
    rows = table_rows(html, QUEUE_CAPTION)
    shown = [(row[6], row[7]) for row in rows]
    expected = sorted(
        [(due.isoformat(), tr(label)) for due, _paused, label in cases], key=lambda r: r[0]
    )
    assert shown == expected
    assert 'class="badge badge--danger">' + tr("Overdue") in html
    assert 'class="badge badge--warning">' + tr("Due soon") in html


def test_the_page_wide_urgency_agrees_with_the_clocks() -> None:
    clock = UrgencyClock.on(TODAY)
    for offset in range(-3, 30):
        due = TODAY + dt.timedelta(days=offset)
        for paused in (None, TODAY):
            application = Application(due_on=due, paused_on=paused)
            assert clock.of(application) == clocks.urgency(application, TODAY), due
    assert clock.of(Application()) == clocks.urgency(Application(), TODAY) == ""


def _queue_queries(client: Client) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("review_queue"))
    assert response.status_code == 200
    return len(queries), [q["sql"] for q in queries.captured_queries]


# The session, the user, the acceptance and the decision grants, the regions' levels, the
# page of applications, the roles for the menu, the unread notifications of the header.
# (The working-day calendar is read once a year per process, then cached: the first request
# warms it.)
QUEUE_QUERIES = 8


def test_the_queue_costs_the_same_queries_for_3_and_30_rows_and_never_counts(
    employer: Organization, employer_admin: User, sh_decision: User
) -> None:
    client = client_for(sh_decision)
    _queue_queries(client)  # warms the calendar cache
    for n in range(3):
        make_app(employer, employer_admin, state=S.UNDER_REVIEW, due_on=TODAY + dt.timedelta(n))
    three, _sql = _queue_queries(client)
    for n in range(27):
        make_app(employer, employer_admin, state=S.UNDER_REVIEW, due_on=TODAY + dt.timedelta(n))
    thirty, sql_30 = _queue_queries(client)
    assert three == thirty == QUEUE_QUERIES, sql_30
    assert not any("COUNT(" in q.upper() for q in sql_30)

    # 25 a page: the first has a next page, the second the rest.
    first = html_of(client.get(url("review_queue")))
    assert len(table_rows(first, QUEUE_CAPTION)) == 25
    assert 'rel="next"' in first
    second = html_of(client.get(url("review_queue"), {"page": "2"}))
    assert len(table_rows(second, QUEUE_CAPTION)) == 5
    assert 'rel="next"' not in second
    assert 'rel="prev"' in second


def test_the_queue_filters_on_the_queue_index_columns(
    employer: Organization, employer_admin: User, sh_decision: User
) -> None:
    """The page's query narrows by province and state and orders by the due date, the
    leading columns of ``application_queue_idx``."""
    make_app(employer, employer_admin, state=S.UNDER_REVIEW)
    _count, sql = _queue_queries(client_for(sh_decision))
    page = [q for q in sql if 'FROM "permits_application"' in q]
    assert len(page) == 1
    where = page[0].split("WHERE", 1)[1]
    assert '"permits_application"."region_id" IN' in where
    assert '"permits_application"."state" IN' in where
    assert "ORDER BY" in where
    order = where.split("ORDER BY")[1].lstrip()
    assert order.startswith('"permits_application"."due_on" ASC')


def test_a_delegated_acceptance_office_sees_its_own_area_only(
    employer: Organization, employer_admin: User, roles: RoleHelper
) -> None:
    shanghai = region("310000")
    pudong = Region.objects.create(
        code="310115",
        name_zh="浦东新区",
        name_en="Pudong",
        level=Region.Level.PREFECTURE,
        parent=shanghai,
    )
    minhang = Region.objects.create(
        code="310112",
        name_zh="闵行区",
        name_en="Minhang",
        level=Region.Level.PREFECTURE,
        parent=shanghai,
    )
    office = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310115")
    mine = make_app(employer, employer_admin, work_region=pudong)
    theirs = make_app(employer, employer_admin, work_region=minhang)
    provincial = make_app(employer, employer_admin)  # the province as the place of work

    client = client_for(office)
    assert queue_numbers(client) == [mine.number]
    assert queue_numbers(client, state="open") == [mine.number]
    assert client.get(url("review_application", mine.pk)).status_code == 200
    for other in (theirs, provincial):
        assert client.get(url("review_application", other.pk)).status_code == 404


# --- The application's page -----------------------------------------------------------------------

ASSESSMENT = {
    "category": "A",
    "route_code": "A-PRIZE",
    "route_source": "national:2025",
    "route_status": "needs_confirmation",
    "route_reason": "declared; an officer confirms the evidence",
    "on": "2026-06-01",
    "national_version": "2025",
    "regional_version": "",
    "engine_category": "B",
    "possible_category": "A",
    "points": {
        "table_version": "2025",
        "total": 72,
        "category": "B",
        "lines": [
            {
                "item": "salary",
                "number": 1,
                "title": "Annual salary",
                "points": 20,
                "max": 20,
                "reason": "480,000 CNY: 7.5 times the average wage",
            },
            {
                "item": "education",
                "number": 3,
                "title": "Education",
                "points": 15,
                "max": 20,
                "reason": "Master's degree",
            },
        ],
    },
    "routes": [
        {
            "code": "A-PRIZE",
            "category": "A",
            "title": "Internationally recognised prize",
            "source": "national:2025",
            "status": "needs_confirmation",
            "reason": "declared; an officer confirms the evidence",
            "figures": {},
            "evidence": ["Prize certificate", "Citation of the prize"],
        },
        {
            "code": "B-POINTS",
            "category": "B",
            "title": "Points of 60 or more",
            "source": "national:2025",
            "status": "met",
            "reason": "72 points",
            "figures": {},
        },
        {
            "code": "A-SALARY",
            "category": "A",
            "title": "Salary at least 6 times the average wage",
            "source": "national:2025",
            "status": "not_met",
            "reason": "7.5 times, but the route needs 6 times and Category A proofs",
            "figures": {},
        },
    ],
}


@pytest.fixture
def reviewed(
    employer: Organization, employer_admin: User, sh_acceptance: User, sh_decision: User
) -> Application:
    """An application under review: assessed, documents (an image and a PDF), accepted,
    asked for information once (answered), with its history."""
    application = make_app(
        employer,
        employer_admin,
        state=S.SUBMITTED,
        category="A",
        assessment=ASSESSMENT,
        route_code="A-PRIZE",
        assessed_on=dt.date(2026, 6, 1),
        commitment_letters=True,
    )
    add_document(application, DK.APPLICATION_FORM, employer_admin, name="表格.pdf")
    add_document(application, DK.PASSPORT, employer_admin, data=png(), name="passport.png")
    add_document(application, DK.COMMITMENT, employer_admin, name="commitment.pdf")
    application_transition(actor=sh_acceptance, application=application, name="accept")
    application_transition(
        actor=sh_decision,
        application=application,
        name="request_information",
        payload={"items": [{"text": "劳动合同中文版", "document_kind": "contract"}]},
        reason="请补充合同",
    )
    item = InformationItem.objects.get(request__application=application)
    contract = add_document(application, DK.CONTRACT, employer_admin, name="contract.pdf")
    item.answer = "已上传"
    item.document = contract
    item.answered_at = timezone.now()
    item.save()
    application_transition(actor=employer_admin, application=application, name="answer_information")
    return Application.objects.get(pk=application.pk)


def test_the_application_page_shows_everything_the_officer_weighs(
    reviewed: Application, sh_decision: User
) -> None:
    response = client_for(sh_decision).get(url("review_application", reviewed.pk))
    html = html_of(response)
    assert_landmarks(html)
    text = " ".join(text_of(html).split())

    # The job, the worker, the employer.
    for shown in (
        reviewed.number,
        "Software engineer",
        reviewed.foreigner.latin_name,
        reviewed.passport.number,
        reviewed.employer.name,
        reviewed.employer.uscc,
    ):
        assert shown in text
    # Credit standing of both.
    assert text.count(tr("Good standing")) == 2
    # The points line by line with the table version, and the routes.
    assert table_rows(html, "Points line by line (points table %(version)s)", version="2025") == [
        ["1", "Annual salary", "20", "20", "480,000 CNY: 7.5 times the average wage"],
        ["3", "Education", "15", "20", "Master's degree"],
    ]
    routes = table_rows(html, "Recognition routes and whether the worker meets them")
    assert [r[2] for r in routes] == [tr("needs confirmation"), tr("met"), tr("not met")]
    assert routes[0][4] == "Prize certificate Citation of the prize"
    # The documents: the image inline, the PDFs linked through the checked download.
    passport = reviewed.documents.get(kind=DK.PASSPORT)
    form = reviewed.documents.get(kind=DK.APPLICATION_FORM)
    assert f'<img src="{url("review_document", reviewed.pk, passport.pk)}"' in html
    assert f'href="{url("review_document", reviewed.pk, form.pk)}"' in html
    assert "表格.pdf" in text
    # The information request with its item and answer.
    assert table_rows(
        html,
        "Items asked on %(day)s and their answers",
        day=timezone.localdate(reviewed.information_requests.get().requested_at).isoformat(),
    ) == [["1", "劳动合同中文版", lz(DK.CONTRACT.label), "已上传 contract.pdf"]]
    # The clock and the history with actors and reasons.
    assert reviewed.decision_due_on is not None
    assert reviewed.decision_due_on.isoformat() in text
    assert "请补充合同" in text
    assert text.count("→") == 3
    # The decision officer may act: request information, extend, approve, reject.
    for name in ("request_information", "extend_time_limit", "approve", "reject"):
        assert f'action="{url("review_action", reviewed.pk, name)}#errors-{name}"' in html
    assert f'action="{url("review_action", reviewed.pk, "accept")}#errors-accept"' not in html
    # The route needs an officer: the confirmation form is there.
    assert f'action="{url("review_route_confirm", reviewed.pk)}#errors-confirm"' in html


# 17, and the labour-market test (permits.labour_market.test_view): the vacancy recorded
# and the rule that applied; the worker's pre-2017 document at the employer, if any; the
# unread notifications of the header.
DETAIL_QUERIES = 21


def test_the_application_page_query_count_is_pinned(
    reviewed: Application, sh_decision: User
) -> None:
    client = client_for(sh_decision)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("review_application", reviewed.pk))
    assert response.status_code == 200
    assert len(queries) == DETAIL_QUERIES, [q["sql"] for q in queries.captured_queries]


# --- Actions ----------------------------------------------------------------------------------


def post(client: Client, application: Application, name: str, data: dict[str, Any]) -> Any:
    prefixed = {f"{name}-{key}": value for key, value in data.items()}
    return client.post(url("review_action", application.pk, name), prefixed)


@pytest.fixture
def submitted(employer: Organization, employer_admin: User) -> Application:
    """Category A with commitment letters: the form, passport and commitment suffice to
    accept."""
    application = make_app(
        employer,
        employer_admin,
        category="A",
        commitment_letters=True,
        due_on=TODAY + dt.timedelta(days=5),
        acceptance_due_on=TODAY + dt.timedelta(days=5),
        overall_due_on=TODAY + dt.timedelta(days=28),
    )
    for kind in (DK.APPLICATION_FORM, DK.PASSPORT, DK.COMMITMENT):
        add_document(application, kind, employer_admin)
    return application


@pytest.fixture
def under_review(submitted: Application, sh_acceptance: User) -> Application:
    return application_transition(actor=sh_acceptance, application=submitted, name="accept")


def follow_message(response: Any) -> str:
    assert response.status_code == 302
    return response["Location"]


def test_accept(submitted: Application, sh_acceptance: User) -> None:
    client = client_for(sh_acceptance)
    response = post(client, submitted, "accept", {})
    assert response.status_code == 302
    assert response["Location"] == url("review_application", submitted.pk) + "#main"
    submitted.refresh_from_db()
    assert submitted.state == S.UNDER_REVIEW
    assert submitted.decision_due_on is not None
    page = html_of(client.get(response["Location"]))
    assert "message--success" in page
    assert submitted.number in page


def test_accept_refused_shows_every_problem_and_changes_nothing(
    submitted: Application, sh_acceptance: User
) -> None:
    submitted.documents.filter(kind=DK.PASSPORT).delete()
    submitted.documents.filter(kind=DK.COMMITMENT).delete()
    before = snapshot(submitted)
    response = post(client_for(sh_acceptance), submitted, "accept", {})
    assert response.status_code == 422
    html = html_of(response)
    assert tr("The application cannot be accepted: return it for correction instead.") in html
    for kind in (DK.PASSPORT, DK.COMMITMENT):
        assert tr("Add the document: %(label)s.", label=lz(Document.Kind(kind).label)) in html
    assert 'id="errors-accept"' in html
    # Above the page too, with a link down to the reasons.
    assert tr("“%(action)s” was not done and nothing was changed.", action=lz(tr("Accept"))) in (
        " ".join(text_of(html).split())
    )
    assert 'href="#errors-accept"' in html
    assert snapshot(submitted) == before


def test_return_for_correction_with_a_checklist(
    submitted: Application, sh_acceptance: User
) -> None:
    response = post(
        client_for(sh_acceptance),
        submitted,
        "return_for_correction",
        {
            "message": "请补正",
            "item_1_text": "护照页不清晰",
            "item_1_kind": "passport",
            "item_3_text": "说明工作地点",
            "item_3_kind": "",
        },
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == S.RETURNED
    request = submitted.information_requests.get()
    assert request.stage == InformationRequest.Stage.CORRECTION
    assert request.message == "请补正"
    assert list(request.items.values_list("position", "text", "document_kind")) == [
        (1, "护照页不清晰", "passport"),
        (2, "说明工作地点", ""),
    ]


def test_return_without_items_is_refused_by_the_workflow(
    submitted: Application, sh_acceptance: User
) -> None:
    before = snapshot(submitted)
    response = post(client_for(sh_acceptance), submitted, "return_for_correction", {})
    assert response.status_code == 422
    html = html_of(response)
    assert tr("List at least one item the employer must correct or supply.") in html
    assert 'href="#id_return_for_correction-item_1_text"' in html
    assert snapshot(submitted) == before


def test_a_document_kind_without_its_text_is_refused_by_the_form(
    submitted: Application, sh_acceptance: User
) -> None:
    before = snapshot(submitted)
    response = post(
        client_for(sh_acceptance), submitted, "return_for_correction", {"item_2_kind": "photo"}
    )
    assert response.status_code == 422
    html = html_of(response)
    assert tr("Say what is asked for with the document chosen.") in html
    assert 'href="#id_return_for_correction-item_2_text"' in html
    assert snapshot(submitted) == before


def test_refuse_to_accept_with_reasons(submitted: Application, sh_acceptance: User) -> None:
    response = post(
        client_for(sh_acceptance),
        submitted,
        "refuse_acceptance",
        {"reasons": ["ACC-EMPLOYER", "ACC-DUPLICATE"], "text_zh": "单位不具备资格"},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == S.NOT_ACCEPTED
    assert sorted(submitted.decision_reasons.values_list("code", flat=True)) == [
        "ACC-DUPLICATE",
        "ACC-EMPLOYER",
    ]
    assert submitted.decision_text_zh == "单位不具备资格"
    record = TransitionRecord.objects.get(
        target_id=str(submitted.pk), transition="refuse_acceptance"
    )
    assert record.reason == "单位不具备资格"


def test_refuse_to_accept_offers_only_the_acceptance_reasons(
    submitted: Application, sh_acceptance: User
) -> None:
    html = html_of(client_for(sh_acceptance).get(url("review_application", submitted.pk)))
    for reason in RejectionReason.objects.filter(is_active=True):
        box = f'name="refuse_acceptance-reasons" value="{reason.code}"'
        assert (box in html) == (reason.stage == RejectionReason.Stage.ACCEPTANCE), reason.code


@pytest.mark.parametrize(
    ("data", "message", "anchor"),
    [
        (
            {"text_zh": "理由"},
            "Choose at least one reason from the list.",
            "id_refuse_acceptance-reasons_0",
        ),
        (
            {"reasons": ["ACC-EMPLOYER"]},
            "Write the reasons in Chinese, in English or in both languages.",
            "id_refuse_acceptance-text_zh",
        ),
    ],
)
def test_refuse_to_accept_refused(
    submitted: Application, sh_acceptance: User, data: dict[str, Any], message: str, anchor: str
) -> None:
    before = snapshot(submitted)
    response = post(client_for(sh_acceptance), submitted, "refuse_acceptance", data)
    assert response.status_code == 422
    html = html_of(response)
    assert tr(message) in html
    assert f'href="#{anchor}"' in html
    assert snapshot(submitted) == before


def test_request_information_pauses_the_clock(under_review: Application, sh_decision: User) -> None:
    response = post(
        client_for(sh_decision),
        under_review,
        "request_information",
        {"item_1_text": "最近的无犯罪记录证明", "item_1_kind": "criminal_record"},
    )
    assert response.status_code == 302
    under_review.refresh_from_db()
    assert under_review.state == S.INFORMATION_REQUESTED
    assert under_review.paused_on == timezone.localdate()
    request = under_review.information_requests.get()
    assert request.stage == InformationRequest.Stage.INFORMATION
    assert list(request.items.values_list("text", "document_kind")) == [
        ("最近的无犯罪记录证明", "criminal_record")
    ]


def test_extend_the_time_limit_once(under_review: Application, sh_decision: User) -> None:
    client = client_for(sh_decision)
    overall = under_review.overall_due_on
    response = post(client, under_review, "extend_time_limit", {"reason_text": "需要核实学历"})
    assert response.status_code == 302
    under_review.refresh_from_db()
    assert under_review.overall_extended is True
    assert under_review.overall_due_on is not None
    assert overall is not None
    assert under_review.overall_due_on > overall

    before = snapshot(under_review)
    response = post(client, under_review, "extend_time_limit", {"reason_text": "再次延长"})
    assert response.status_code == 422
    assert tr("The time limit has already been extended once.") in html_of(response)
    assert snapshot(under_review) == before

    # Without a reason the form refuses before the workflow is asked.
    response = post(client, under_review, "extend_time_limit", {"reason_text": " "})
    assert response.status_code == 422
    assert 'href="#id_extend_time_limit-reason_text"' in html_of(response)
    assert snapshot(under_review) == before


def test_approve_refused_lists_every_problem(under_review: Application, sh_decision: User) -> None:
    before = snapshot(under_review)
    response = post(client_for(sh_decision), under_review, "approve", {})
    assert response.status_code == 422
    html = html_of(response)
    assert tr("The application cannot be approved as it stands.") in html
    # Category A with commitment letters: the rest is supplied before the decision.
    for kind in (DK.PHOTO, DK.CONTRACT, DK.HEALTH):
        assert tr("Add the document: %(label)s.", label=lz(Document.Kind(kind).label)) in html
    assert snapshot(under_review) == before


def test_approve(under_review: Application, sh_decision: User, employer_admin: User) -> None:
    for kind in (DK.PHOTO, DK.CONTRACT, DK.HEALTH, DK.RECOGNITION):
        add_document(under_review, kind, employer_admin)
    response = post(client_for(sh_decision), under_review, "approve", {})
    assert response.status_code == 302, html_of(response)
    under_review.refresh_from_db()
    assert under_review.state == S.APPROVED
    assert under_review.decided_at is not None


def test_reject_with_reasons_in_both_languages(
    under_review: Application, sh_decision: User
) -> None:
    response = post(
        client_for(sh_decision),
        under_review,
        "reject",
        {"reasons": ["DEC-STANDARD"], "text_zh": "不符合标准", "text_en": "Does not qualify"},
    )
    assert response.status_code == 302
    under_review.refresh_from_db()
    assert under_review.state == S.REJECTED
    assert list(under_review.decision_reasons.values_list("code", flat=True)) == ["DEC-STANDARD"]
    assert (under_review.decision_text_zh, under_review.decision_text_en) == (
        "不符合标准",
        "Does not qualify",
    )


def test_reject_with_an_acceptance_reason_is_refused(
    under_review: Application, sh_decision: User
) -> None:
    before = snapshot(under_review)
    response = post(
        client_for(sh_decision),
        under_review,
        "reject",
        {"reasons": ["ACC-EMPLOYER"], "text_en": "No"},
    )
    # An acceptance reason is not one of the form's choices.
    assert response.status_code == 422
    assert 'href="#id_reject-reasons_0"' in html_of(response)
    assert snapshot(under_review) == before


def test_an_acceptance_officer_cannot_decide(
    under_review: Application, sh_acceptance: User
) -> None:
    client = client_for(sh_acceptance)
    html = html_of(client.get(url("review_application", under_review.pk)))
    assert f'action="{url("review_action", under_review.pk, "approve")}#errors-approve"' not in html
    before = snapshot(under_review)
    response = post(client, under_review, "approve", {})
    assert response.status_code == 422
    assert tr("You may not “%(action)s” this record.", action=lz(tr("Approve"))) in html_of(
        response
    )
    assert snapshot(under_review) == before


def test_an_action_that_does_not_exist_is_404(submitted: Application, sh_acceptance: User) -> None:
    client = client_for(sh_acceptance)
    assert post(client, submitted, "submit", {}).status_code == 404
    assert post(client, submitted, "nonsense", {}).status_code == 404


def test_confirm_the_route(reviewed: Application, sh_decision: User) -> None:
    client = client_for(sh_decision)
    response = client.post(url("review_route_confirm", reviewed.pk), {"confirm-note": " "})
    assert response.status_code == 422
    assert 'href="#id_confirm-note"' in html_of(response)
    reviewed.refresh_from_db()
    assert reviewed.route_confirmed_at is None

    response = client.post(
        url("review_route_confirm", reviewed.pk), {"confirm-note": "获奖证书已核验"}
    )
    assert response.status_code == 302
    reviewed.refresh_from_db()
    assert reviewed.route_confirmed_by == sh_decision
    assert reviewed.route_confirmation_note == "获奖证书已核验"


# --- Downloads ---------------------------------------------------------------------------------


def test_document_download_access(
    reviewed: Application,
    employer_admin: User,
    beijing_admin: User,
    sh_acceptance: User,
    sh_decision: User,
    bj_acceptance: User,
    bj_decision: User,
    agent: User,
) -> None:
    document = reviewed.documents.get(kind=DK.PASSPORT)
    address = url("review_document", reviewed.pk, document.pk)
    for user in (sh_acceptance, sh_decision, employer_admin):
        response = client_for(user).get(address)
        assert response.status_code == 200, user
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == png()
        assert response["Cache-Control"] == "private, no-store"
    attachment = client_for(sh_decision).get(address, {"download": "1"})
    assert attachment["Content-Disposition"].startswith("attachment")
    for user in (bj_acceptance, bj_decision, beijing_admin, agent):
        assert client_for(user).get(address).status_code == 404, user
    # Another application's number with this document: 404.
    other = make_app(reviewed.employer, employer_admin)
    assert (
        client_for(sh_decision).get(url("review_document", other.pk, document.pk)).status_code
        == 404
    )
    # An agency acting for the employer under a power of attorney in force: its agent too.
    PowerOfAttorney.objects.create(
        employer=reviewed.employer,
        agency=agent.organization,
        valid_from=timezone.localdate() - dt.timedelta(days=1),
        valid_until=timezone.localdate() + dt.timedelta(days=365),
        granted_by=employer_admin,
        granted_at=timezone.now(),
    )
    assert client_for(agent).get(address).status_code == 200
    anonymous = Client().get(address)
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]


def test_officers_never_download_a_draft_document(
    employer: Organization, employer_admin: User, sh_acceptance: User
) -> None:
    draft = make_app(employer, employer_admin, state=S.DRAFT)
    document = add_document(draft, DK.PASSPORT, employer_admin)
    address = url("review_document", draft.pk, document.pk)
    assert client_for(sh_acceptance).get(address).status_code == 404
    assert client_for(employer_admin).get(address).status_code == 200


# --- Who may see what ----------------------------------------------------------------------------

OTHER_ROLES = [
    Role.EMPLOYER_ADMIN,
    Role.EMPLOYER_STAFF,
    Role.AGENCY_AGENT,
    Role.STANDARDS_DRAFTER,
    Role.INSPECTOR,
    Role.PARTNER_READER,
    Role.MINISTRY_REVIEWER,
    Role.SITE_ADMIN,
    Role.STAKEHOLDER,
]

Pages = Callable[[Application], list[tuple[str, str, dict[str, Any]]]]


def pages_of(application: Application) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("get", url("review_queue"), {}),
        ("get", url("review_application", application.pk), {}),
        ("post", url("review_action", application.pk, "accept"), {}),
        ("post", url("review_route_confirm", application.pk), {"confirm-note": "x"}),
    ]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_no_one_but_officers_sees_the_review_pages(
    role: str, submitted: Application, roles: RoleHelper
) -> None:
    user = roles.user(
        role,
        organization=submitted.employer
        if role in (Role.EMPLOYER_ADMIN, Role.EMPLOYER_STAFF)
        else None,
    )
    client = client_for(user)
    before = snapshot(submitted)
    for method, address, data in pages_of(submitted):
        response = getattr(client, method)(address, data)
        assert response.status_code == 404, (role, address)
    assert snapshot(submitted) == before
    # The documents: the employer's own people may read them (through the same checked
    # view); nobody else.
    own = role in (Role.EMPLOYER_ADMIN, Role.EMPLOYER_STAFF)
    document = submitted.documents.first()
    assert document is not None
    response = client.get(url("review_document", submitted.pk, document.pk))
    assert response.status_code == (200 if own else 404), role


@pytest.mark.parametrize(
    ("role", "region_code", "queue", "detail"),
    [
        (Role.ACCEPTANCE_OFFICER, "310000", 200, 200),
        (Role.DECISION_OFFICER, "310000", 200, 200),
        (Role.ACCEPTANCE_OFFICER, "110000", 200, 404),
        (Role.DECISION_OFFICER, "110000", 200, 404),
    ],
)
def test_officers_see_their_province_only(
    role: str,
    region_code: str,
    queue: int,
    detail: int,
    submitted: Application,
    roles: RoleHelper,
) -> None:
    client = client_for(roles.user(role, region_code=region_code))
    assert client.get(url("review_queue")).status_code == queue
    assert client.get(url("review_application", submitted.pk)).status_code == detail
    before = snapshot(submitted)
    response = post(client, submitted, "accept", {})
    if detail == 404:
        assert response.status_code == 404
        assert (
            client.get(
                url("review_document", submitted.pk, submitted.documents.first().pk)
            ).status_code
            == 404
        )
        assert snapshot(submitted) == before


def test_anonymous_visitors_are_sent_to_sign_in(submitted: Application) -> None:
    client = Client()
    for method, address, data in pages_of(submitted):
        response = getattr(client, method)(address, data)
        assert response.status_code == 302, address
        with translation.override(ZH):
            login = reverse("portal:login")
        assert response["Location"].startswith(login + "?next=")


def test_the_menu_shows_applications_to_officers_only(
    sh_acceptance: User, sh_decision: User, employer_admin: User
) -> None:
    entry = f'href="{url("review_queue")}"'
    with translation.override(ZH):
        account = reverse("portal:account")
    for officer in (sh_acceptance, sh_decision):
        assert entry in html_of(client_for(officer).get(url("review_queue")))
        assert entry in html_of(client_for(officer).get(account))
    assert entry not in html_of(client_for(employer_admin).get(account))


def test_the_pages_speak_english(reviewed: Application, sh_decision: User) -> None:
    client = client_for(sh_decision)
    queue = html_of(client.get(url("review_queue", language="en")))
    assert "Applications to review" in queue
    page = html_of(client.get(url("review_application", reviewed.pk, language="en")))
    assert "Points line by line (points table 2025)" in page
    assert "Good standing" in page


def test_the_clock_shows_the_pause_and_the_extension(
    employer: Organization, employer_admin: User, sh_decision: User
) -> None:
    application = make_app(
        employer,
        employer_admin,
        state=S.INFORMATION_REQUESTED,
        due_on=dt.date(2026, 6, 12),
        decision_due_on=dt.date(2026, 6, 12),
        overall_due_on=dt.date(2026, 6, 26),
        overall_extended=True,
        paused_on=dt.date(2026, 6, 5),
        paused_working_days=2,
    )
    html = html_of(client_for(sh_decision).get(url("review_application", application.pk)))
    text = " ".join(text_of(html).split())
    assert tr("Paused since %(day)s: the employer owes information.", day="2026-06-05") in text
    assert "2026-06-26" in text
    assert tr("extended once") in text
    assert tr("Clock paused") in text
    # The employer has the next step: the decision officer has nothing to do.
    assert tr("The employer has the next step: nothing to do until they answer.") in text


def test_the_evidence_of_a_route_comes_from_its_standard(
    employer: Organization, employer_admin: User, sh_decision: User
) -> None:
    """The stored assessment names each route and the standard it came from; the page
    lists the evidence that standard asks for, in the page's language."""
    from talent_standards.models import RecognitionRoute

    route = (
        RecognitionRoute.objects.filter(national_standard__isnull=False)
        .exclude(evidence_zh="")
        .select_related("national_standard")
        .first()
    )
    assert route is not None
    source = f"national:{route.national_standard.version}"
    assessment = {
        "route_code": route.code,
        "route_status": "met",
        "routes": [
            {
                "code": route.code,
                "category": route.category,
                "title": route.title_zh,
                "source": source,
                "status": "met",
                "reason": "ok",
            }
        ],
    }
    application = make_app(employer, employer_admin, assessment=assessment, route_code=route.code)
    for language in (ZH, "en"):
        html = html_of(
            client_for(sh_decision).get(
                url("review_application", application.pk, language=language)
            )
        )
        with translation.override(language):
            evidence = " ".join(route.evidence)
        rows = table_rows(html, "Recognition routes and whether the worker meets them", language)
        assert rows[0][4] == " ".join(evidence.split())
