"""The employer's application pages (``permits.views.applications``): the list scoped to the
employers the user acts for, starting and copying, the guided form saving at every step
and resuming, errors shown with nothing saved, the documents checklist with uploads, the
review and submission of a Category B catalog-listed Shanghai application end to end, the
answers to an information request, withdrawal, the dashboard panel, query counts, and
the authorization matrix over every role for every page.

The clock stands at Monday 8 June 2026 (``clock``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from permits.models import Application, Document, InformationItem, PowerOfAttorney
from permits.services import applications as services
from portal.models import Organization, User
from portal.roles import Role
from tests.factories import RoleHelper
from tests.pages import html_of
from tests.permits.conftest import PDF, TODAY, WORKER, draft_ready, pdf_upload
from tests.portal.test_pages import sign_in_verified

pytestmark = pytest.mark.django_db

S = Application.State
D = dt.date
EN = "en"


def url(name: str, *args: Any) -> str:
    with translation.override(EN):
        return reverse(f"permits:{name}", args=args)


def client_for(user: User) -> Client:
    """Signed in as after the password and, for officials, the second factor."""
    client = Client()
    sign_in_verified(client, user)
    return client


def text(response: Any) -> str:
    return " ".join(html_of(response).split())


@pytest.fixture(autouse=True)
def _storage() -> Any:
    yield
    from portal import files

    storage = files.StoredFile._meta.get_field("file").storage
    for name in list(files._walk(storage, files.UPLOAD_ROOT)):
        storage.delete(name)


@pytest.fixture
def setup(clock, employer_admin, employer, shanghai_catalog, wages, foreigner) -> None:
    """Rules, catalog, wages and the worker in place, the clock at TODAY."""


@pytest.fixture
def b_draft(setup, employer_admin, employer) -> Application:
    return draft_ready(employer_admin, employer)


def power(employer: Organization, agency: Organization, by: User) -> PowerOfAttorney:
    return PowerOfAttorney.objects.create(
        employer=employer,
        agency=agency,
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=365),
        granted_by=by,
        granted_at=timezone.now(),
    )


def snapshot(application: Application) -> tuple[Any, ...]:
    application.refresh_from_db()
    return (
        application.state,
        application.updated_at,
        list(application.steps_saved),
        application.job_title,
        application.foreigner_id,
        application.documents.count(),
    )


# --- The list ----------------------------------------------------------------------------------


def test_the_list_shows_only_the_employers_applications(
    setup, employer_admin, employer, beijing_admin, beijing_employer
):
    mine = services.draft_create(actor=employer_admin, employer=employer, kind="new")
    theirs = services.draft_create(actor=beijing_admin, employer=beijing_employer, kind="new")

    page = text(client_for(employer_admin).get(url("applications")))
    assert mine.number in page
    assert theirs.number not in page

    page = text(client_for(beijing_admin).get(url("applications")))
    assert theirs.number in page
    assert mine.number not in page


def test_the_list_filters_by_state_and_kind_and_says_what_is_owed(
    setup, employer_admin, employer, foreigner
):
    draft = services.draft_create(actor=employer_admin, employer=employer, kind="new")
    short = services.draft_create(actor=employer_admin, employer=employer, kind="short_term")
    owed = services.draft_create(actor=employer_admin, employer=employer, kind="new")
    Application.objects.filter(pk=owed.pk).update(
        state=S.INFORMATION_REQUESTED, submitted_at=timezone.now(), due_on=D(2026, 6, 22)
    )
    client = client_for(employer_admin)

    page = text(client.get(url("applications"), {"state": "information_requested"}))
    assert owed.number in page
    assert draft.number not in page
    assert short.number not in page
    assert "Information requested" in page

    page = text(client.get(url("applications"), {"kind": "short_term"}))
    assert short.number in page
    assert draft.number not in page
    assert owed.number not in page

    page = text(client.get(url("applications"), {"kind": "new", "state": "draft"}))
    assert draft.number in page
    assert short.number not in page
    assert owed.number not in page


def _list_queries(client: Client, django_assert_max_num_queries: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url("applications"))
    assert response.status_code == 200
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    return len(captured.captured_queries)


def test_the_list_costs_the_same_queries_for_3_and_30_rows_and_never_counts(
    setup, employer_admin, employer, django_assert_max_num_queries
):
    client = client_for(employer_admin)
    for _ in range(3):
        services.draft_create(actor=employer_admin, employer=employer, kind="new")
    few = _list_queries(client, django_assert_max_num_queries)
    for _ in range(27):
        services.draft_create(actor=employer_admin, employer=employer, kind="new")
    many = _list_queries(client, django_assert_max_num_queries)
    # session, user, the user's roles (the menu), the organizations the user acts for,
    # which of them are employers (no agency: no powers asked), the employers by name
    # (the filter), the page of rows with their employer, worker and occupation, the unread
    # notifications of the header
    assert few == many == LIST_QUERIES


LIST_QUERIES = 8


def test_the_list_pages_without_counting(setup, employer_admin, employer):
    for _ in range(27):
        services.draft_create(actor=employer_admin, employer=employer, kind="new")
    client = client_for(employer_admin)
    first = text(client.get(url("applications")))
    assert 'rel="next"' in html_of(client.get(url("applications")))
    second = client.get(url("applications"), {"page": 2})
    assert "Page 2" in text(second)
    assert 'rel="next"' not in html_of(second)
    assert "Page 1" in first


# --- Starting ----------------------------------------------------------------------------------


def test_start_a_new_application_then_each_step_saves_and_resumes(setup, employer_admin, employer):
    client = client_for(employer_admin)
    response = client.post(url("application_start"), {"employer": employer.pk, "kind": "new"})
    application = Application.objects.get(employer=employer)
    assert (application.state, application.kind, application.created_by) == (
        S.DRAFT,
        "new",
        employer_admin,
    )
    assert response.status_code == 302
    assert response["Location"] == url("application_step", application.pk, "job")

    job = {
        "occupation": "2-02-10-03",
        "job_title": "Software engineer",
        "work_region": application.employer.region_id,
        "annual_salary_cny": "300000",
        "months_in_china_per_year": "12",
        "contract_start": "2026-07-08",
        "contract_end": "2028-07-07",
    }
    response = client.post(url("application_step", application.pk, "job"), job)
    assert response["Location"] == url("application_step", application.pk, "worker")
    application.refresh_from_db()
    assert application.steps_saved == ["job"]
    assert (application.job_title, application.occupation.code, application.region.code) == (
        "Software engineer",
        "2-02-10-03",
        "310000",
    )

    # Left and resumed from the list: the first step not saved.
    assert client.get(url("application_resume", application.pk))["Location"] == url(
        "application_step", application.pk, "worker"
    )
    # The job page shows the saved values and the recognition of the saved draft.
    page = text(client.get(url("application_step", application.pk, "job")))
    assert 'value="Software engineer"' in html_of(
        client.get(url("application_step", application.pk, "job"))
    )
    assert "Recognition of the worker" in page

    worker = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in WORKER.items()}
    response = client.post(url("application_step", application.pk, "worker"), worker)
    assert response["Location"] == url("application_step", application.pk, "facts")
    response = client.post(
        url("application_step", application.pk, "facts"),
        {
            "education": "bachelor",
            "experience_years": "5",
            "skill_certificate": "none",
            "hsk_level": "0",
        },
    )
    assert response["Location"] == url("application_step", application.pk, "documents")
    application.refresh_from_db()
    assert application.steps_saved == ["job", "worker", "facts"]
    assert application.foreigner.surname == "MUELLER"
    # Every form step saved: the draft resumes at the review.
    assert client.get(url("application_resume", application.pk))["Location"] == url(
        "application_step", application.pk, "review"
    )
    # Without JavaScript, the facts page shows the saved draft's result line by line.
    page = text(client.get(url("application_step", application.pk, "facts")))
    assert "Points, line by line" in page
    assert "Category B: professional talent" in page


def test_bad_input_shows_the_errors_linked_from_a_summary_and_saves_nothing(
    b_draft, employer_admin
):
    before = snapshot(b_draft)
    response = client_for(employer_admin).post(
        url("application_step", b_draft.pk, "job"),
        {
            "occupation": "software",
            "job_title": "",
            "work_region": b_draft.work_region_id,
            "annual_salary_cny": "-5",
            "months_in_china_per_year": "12",
            "contract_start": "2026-07-08",
            "contract_end": "2026-07-01",
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem: correct what is listed. Nothing was saved." in page
    assert '<a href="#id_occupation">Occupation code</a>: Give the code of a detailed' in page
    assert '<a href="#id_job_title">Job title</a>: This field is required.' in page
    assert (
        '<a href="#id_contract_end">Contract until</a>: The contract must end after it starts.'
        in page
    )
    assert snapshot(b_draft) == before


def test_an_error_of_the_service_is_shown_against_its_field(b_draft, employer_admin):
    before = snapshot(b_draft)
    response = client_for(employer_admin).post(
        url("application_step", b_draft.pk, "job"),
        {
            "occupation": "9-99-99-99",
            "job_title": "Engineer",
            "work_region": b_draft.work_region_id,
            "annual_salary_cny": "300000",
            "months_in_china_per_year": "12",
            "contract_start": "2026-07-08",
            "contract_end": "2028-07-07",
        },
    )
    assert response.status_code == 200
    assert (
        '<a href="#id_occupation">Occupation code</a>: Choose a detailed occupation '
        "(code D-DD-DD-DD) of the 2022 classification."
    ) in text(response)
    assert snapshot(b_draft) == before


def test_a_wrong_check_digit_of_the_machine_readable_zone_is_refused(b_draft, employer_admin):
    before = snapshot(b_draft)
    worker = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in WORKER.items()}
    worker["mrz_line1"] = MRZ_LINE1
    worker["mrz_line2"] = _mrz_line2().replace("C01X00T478", "C01X00T471")
    response = client_for(employer_admin).post(
        url("application_step", b_draft.pk, "worker"), worker
    )
    assert response.status_code == 200
    page = text(response)
    assert '<a href="#id_mrz_line1">Machine-readable zone, line 1</a>' in page
    assert "check digit" in page
    assert snapshot(b_draft) == before


def test_a_step_the_kind_does_not_have_is_404(setup, employer_admin, employer):
    draft = services.draft_create(actor=employer_admin, employer=employer, kind="new")
    assert (
        client_for(employer_admin).get(url("application_step", draft.pk, "kind")).status_code == 404
    )
    assert (
        client_for(employer_admin).get(url("application_step", draft.pk, "nope")).status_code == 404
    )


def test_the_preview_shows_the_result_as_typed_and_saves_nothing(b_draft, employer_admin):
    before = snapshot(b_draft)
    response = client_for(employer_admin).post(
        url("application_preview", b_draft.pk, "facts"),
        {
            "education": "doctorate",
            "experience_years": "12",
            "skill_certificate": "none",
            "hsk_level": "6",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = " ".join(response.content.decode().split())
    assert "As typed, not yet saved." in page
    assert "Points, line by line" in page
    assert "Doctorate" in page or "doctorate" in page
    assert snapshot(b_draft) == before
    b_draft.refresh_from_db()
    assert b_draft.education == "bachelor"


# --- Documents ---------------------------------------------------------------------------------


def test_the_checklist_says_what_is_needed_now_what_may_follow_and_what_is_not(
    setup, employer_admin, employer
):
    draft = draft_ready(
        employer_admin,
        employer,
        facts={"category": "A", "commitment_letters": True, "education": "doctorate"},
        job={"annual_salary_cny": "1500000"},
        documents=False,
    )
    page = text(client_for(employer_admin).get(url("application_step", draft.pk, "documents")))
    assert (
        'Signed commitment letter (Category A) <span class="badge badge--warning">Required now'
    ) in page
    assert 'Photograph <span class="badge">May follow before the decision</span>' in page
    assert (
        "Proof of work experience</strong>: Replaced by your commitment letter (Category A)."
        in page
    )
    assert "No-criminal-record certificate</strong>: Replaced by your commitment letter" in page


def test_a_refused_upload_is_shown_on_its_item_and_nothing_is_stored(b_draft, employer_admin):
    before = snapshot(b_draft)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(employer_admin).post(
        url("application_document_add", b_draft.pk, "other"),
        {
            "doc-other-file": SimpleUploadedFile(
                "notes.pdf", b"hello", content_type="application/pdf"
            )
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert "The file was not added:" in page
    assert "Only PDF, JPEG and PNG files are accepted." in page
    assert snapshot(b_draft) == before


def test_a_certificate_without_its_issue_date_is_refused(b_draft, employer_admin):
    b_draft.documents.filter(kind="health").delete()
    before = snapshot(b_draft)
    response = client_for(employer_admin).post(
        url("application_document_add", b_draft.pk, "health"),
        {"doc-health-file": pdf_upload("health.pdf")},
    )
    assert response.status_code == 400
    assert "Enter the date the certificate was issued." in text(response)
    assert snapshot(b_draft) == before


def test_upload_view_and_remove_a_document(b_draft, employer_admin, beijing_admin):
    client = client_for(employer_admin)
    response = client.post(
        url("application_document_add", b_draft.pk, "other"),
        {"doc-other-file": pdf_upload("letter.pdf"), "doc-other-note": "Cover letter"},
    )
    assert response.status_code == 302
    document = b_draft.documents.get(kind="other")
    assert (document.file.original_name, document.note) == ("letter.pdf", "Cover letter")

    shown = client.get(url("application_document", b_draft.pk, document.pk))
    assert shown.status_code == 200
    assert shown["Content-Type"] == "application/pdf"
    assert b"".join(shown.streaming_content) == PDF
    assert (
        client_for(beijing_admin)
        .get(url("application_document", b_draft.pk, document.pk))
        .status_code
        == 404
    )

    assert (
        client.post(url("application_document_remove", b_draft.pk, document.pk)).status_code == 302
    )
    assert not b_draft.documents.filter(kind="other").exists()


# --- Review and submission ---------------------------------------------------------------------


def test_the_review_lists_each_problem_linking_to_its_step_and_field_and_submit_is_disabled(
    b_draft, employer_admin
):
    b_draft.documents.filter(kind="photo").delete()
    page = html_of(client_for(employer_admin).get(url("application_step", b_draft.pk, "review")))
    flat = " ".join(page.split())
    documents_url = url("application_step", b_draft.pk, "documents")
    assert (
        f'<a href="{documents_url}#doc-photo">Documents</a>: Add the document: Photograph.' in flat
    )
    assert 'disabled aria-describedby="submit-blocked"' in flat


def test_a_category_b_catalog_listed_shanghai_application_end_to_end(
    setup, employer_admin, employer
):
    client = client_for(employer_admin)
    client.post(url("application_start"), {"employer": employer.pk, "kind": "new"})
    application = Application.objects.get(employer=employer)
    pk = application.pk
    client.post(
        url("application_step", pk, "job"),
        {
            "occupation": "2-02-10-03",
            "job_title": "Software engineer",
            "work_region": employer.region_id,
            "annual_salary_cny": "300000",
            "months_in_china_per_year": "12",
            "contract_start": "2026-07-08",
            "contract_end": "2028-07-07",
        },
    )
    worker = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in WORKER.items()}
    worker["mrz_line1"] = MRZ_LINE1
    worker["mrz_line2"] = _mrz_line2()
    response = client.post(url("application_step", pk, "worker"), worker)
    assert response.status_code == 302, text(response)
    client.post(
        url("application_step", pk, "facts"),
        {
            "education": "bachelor",
            "experience_years": "5",
            "skill_certificate": "none",
            "hsk_level": "0",
            "category": "B",
            "route_code": "B-CATALOG",
        },
    )
    review = text(client.get(url("application_step", pk, "review")))
    assert "Add the document: Signed application form." in review

    from permits import documents as checklist

    for item in checklist.checklist(Application.objects.get(pk=pk), TODAY, category="B"):
        if not item.at_submission:
            continue
        data: dict[str, Any] = {f"doc-{item.kind}-file": pdf_upload(f"{item.kind}.pdf")}
        if item.kind in checklist.CERTIFICATES:
            data[f"doc-{item.kind}-issued_on"] = "2026-05-20"
        assert client.post(url("application_document_add", pk, item.kind), data).status_code == 302

    review_html = html_of(client.get(url("application_step", pk, "review")))
    assert "Everything needed is there: the application can be submitted." in review_html
    assert "disabled" not in review_html.split('id="submit-title"')[1]

    response = client.post(url("application_submit", pk), follow=True)
    page = text(response)
    application.refresh_from_db()
    assert (application.state, application.category, application.route_code) == (
        S.SUBMITTED,
        "B",
        "B-CATALOG",
    )
    assert application.acceptance_due_on == D(2026, 6, 15)
    assert (
        f"Application {application.number} is submitted. The acceptance officers decide "
        "whether to accept it by 2026-06-15."
    ) in page
    assert (
        '<dt>Acceptance due by</dt><dd><time datetime="2026-06-15">2026-06-15</time></dd>'
    ) in page
    # No longer editable: the steps send back to the application's page.
    assert client.get(url("application_step", pk, "job"))["Location"] == url("application", pk)


MRZ_LINE1 = "P<DEUMUELLER<<ANNA<MARIA".ljust(44, "<")


def _mrz_line2() -> str:
    from portal.identifiers import mrz_check_digit

    number, birth, expiry = "C01X00T47", "900314", "320109"
    personal = "<" * 14
    body = (
        number
        + mrz_check_digit(number)
        + "DEU"
        + birth
        + mrz_check_digit(birth)
        + "F"
        + expiry
        + mrz_check_digit(expiry)
        + personal
        + "<"
    )
    composite = body[0:10] + body[13:20] + body[21:43]
    return body + mrz_check_digit(composite)


def test_a_submission_refused_by_the_guard_changes_nothing(b_draft, employer_admin):
    b_draft.documents.filter(kind="photo").delete()
    before = snapshot(b_draft)
    response = client_for(employer_admin).post(url("application_submit", b_draft.pk), follow=True)
    page = text(response)
    assert "The application cannot be submitted yet: fix what is listed." in page
    assert "Add the document: Photograph." in page
    assert snapshot(b_draft) == before


# --- After submission: answers, withdrawal ----------------------------------------------------


@pytest.fixture
def asked(b_draft, employer_admin, sh_acceptance, sh_decision) -> Application:
    services.application_transition(actor=employer_admin, application=b_draft, name="submit")
    services.application_transition(actor=sh_acceptance, application=b_draft, name="accept")
    return services.application_transition(
        actor=sh_decision,
        application=b_draft,
        name="request_information",
        payload={
            "message": "Two things.",
            "items": [
                {"text": "The degree, apostilled.", "document_kind": "degree"},
                {"text": "Explain the gap in 2020."},
            ],
        },
    )


def test_the_information_request_is_answered_item_by_item_then_sent(asked, employer_admin):
    client = client_for(employer_admin)
    page = text(client.get(url("application", asked.pk)))
    assert "Information asked by the decision officers" in page
    assert "The degree, apostilled." in page
    assert "Explain the gap in 2020." in page
    assert "paused since 2026-06-08" in page
    assert 'disabled aria-describedby="send-blocked"' in html_of(
        client.get(url("application", asked.pk))
    )

    first, second = InformationItem.objects.filter(request__application=asked).order_by("position")
    # An empty answer is refused on its item, and nothing changes.
    response = client.post(url("application_item_answer", asked.pk, first.pk), {})
    assert response.status_code == 400
    assert "Write an answer or attach a document." in text(response)
    first.refresh_from_db()
    assert first.answered_at is None

    response = client.post(
        url("application_item_answer", asked.pk, first.pk),
        {"item-1-file": pdf_upload("degree.pdf"), "item-1-answer": "Attached."},
    )
    assert response.status_code == 302
    response = client.post(
        url("application_item_answer", asked.pk, second.pk),
        {"item-2-answer": "A sabbatical year."},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.answer, first.document.kind) == ("Attached.", "degree")

    response = client.post(url("application_answers_send", asked.pk), follow=True)
    asked.refresh_from_db()
    assert asked.state == S.UNDER_REVIEW
    assert asked.paused_on is None
    assert f"The answers are sent. The decision is due by {asked.due_on.isoformat()}." in text(
        response
    )


def test_sending_with_an_item_open_changes_nothing(asked, employer_admin):
    response = client_for(employer_admin).post(
        url("application_answers_send", asked.pk), follow=True
    )
    assert "Answer every item before sending: items 1, 2 are still open." in text(response)
    asked.refresh_from_db()
    assert asked.state == S.INFORMATION_REQUESTED


def test_withdraw_needs_a_reason(b_draft, employer_admin):
    services.application_transition(actor=employer_admin, application=b_draft, name="submit")
    client = client_for(employer_admin)
    response = client.post(url("application_withdraw", b_draft.pk), {"reason": ""})
    assert response.status_code == 400
    assert '<a href="#id_reason">Reason for withdrawing</a>: This field is required.' in text(
        response
    )
    b_draft.refresh_from_db()
    assert b_draft.state == S.SUBMITTED

    response = client.post(
        url("application_withdraw", b_draft.pk), {"reason": "The worker declined."}, follow=True
    )
    b_draft.refresh_from_db()
    assert b_draft.state == S.WITHDRAWN
    page = text(response)
    assert f"Application {b_draft.number} is withdrawn." in page
    assert "Withdraw → Withdrawn — The worker declined." in page


def test_copy_an_earlier_application(b_draft, employer_admin):
    services.application_transition(actor=employer_admin, application=b_draft, name="submit")
    response = client_for(employer_admin).post(url("application_copy", b_draft.pk))
    copy = Application.objects.get(copied_from=b_draft)
    assert response["Location"] == url("application_step", copy.pk, "job")
    assert (copy.state, copy.job_title, copy.foreigner_id) == (
        S.DRAFT,
        b_draft.job_title,
        b_draft.foreigner_id,
    )


def test_an_extension_starts_from_the_employers_permit(
    clock, employer_admin, employer, sh_decision, foreigner, life
):
    permit = life.permit(
        employer, employer_admin, sh_decision, foreigner, TODAY - dt.timedelta(days=700)
    )
    client = client_for(employer_admin)
    start = client.post(url("application_start"), {"employer": employer.pk, "kind": "extension"})
    assert (
        start["Location"] == url("application_start_from", "extension") + f"?employer={employer.pk}"
    )
    page = text(client.get(start["Location"]))
    assert permit.permit_number in page
    response = client.post(
        url("application_start_from", "extension"),
        {"employer": employer.pk, "permit": permit.pk, "confirm": "1"},
    )
    draft = Application.objects.get(kind="extension")
    assert draft.permit == permit
    assert response["Location"] == url("application_step", draft.pk, "kind")


def test_a_change_of_employer_finds_the_workers_permit_by_passport(
    clock, employer_admin, employer, sh_decision, foreigner, life, beijing_admin, beijing_employer
):
    permit = life.permit(
        employer, employer_admin, sh_decision, foreigner, TODAY - dt.timedelta(days=100)
    )
    client = client_for(beijing_admin)
    found = client.get(
        url("application_start_from", "change_employer"),
        {"employer": beijing_employer.pk, "passport_number": "c01x00t47", "nationality": "DEU"},
    )
    assert permit.permit_number in text(found)
    response = client.post(
        url("application_start_from", "change_employer"),
        {
            "employer": beijing_employer.pk,
            "passport_number": "C01X00T47",
            "nationality": "DEU",
            "confirm": "1",
        },
    )
    draft = Application.objects.get(kind="change_employer")
    assert (draft.employer, draft.permit, draft.foreigner) == (beijing_employer, permit, foreigner)
    assert response["Location"] == url("application_step", draft.pk, "job")
    # The Shanghai employer cannot start one for its own worker.
    miss = client_for(employer_admin).get(
        url("application_start_from", "change_employer"),
        {"employer": employer.pk, "passport_number": "C01X00T47", "nationality": "DEU"},
    )
    assert "No permit in force at another employer is recorded for this passport." in text(miss)


# --- The dashboard -----------------------------------------------------------------------------


def test_the_dashboard_panel_shows_open_applications_and_what_is_owed(asked, employer_admin):
    services.draft_create(actor=employer_admin, employer=asked.employer, kind="new")
    with translation.override(EN):
        page = text(client_for(employer_admin).get(reverse("portal:dashboard")))
    assert "Work-permit applications" in page
    assert "Draft: 1" in page
    assert "Information requested: 1" in page
    assert f"{asked.number}</a> · MUELLER ANNA MARIA" in page
    assert "Duties coming due" in page


# --- Who may see what --------------------------------------------------------------------------

OWNER, STAFF, OTHER, AGENT, AGENT_NO_POWER, ACCEPTANCE, DECISION, ANONYMOUS = (
    "owner",
    "staff",
    "other_employer",
    "agent",
    "agent_without_power",
    "acceptance_officer",
    "decision_officer",
    "anonymous",
)
ALLOWED = {OWNER, STAFF, AGENT}


@pytest.fixture
def people(roles: RoleHelper, employer, employer_admin, beijing_admin, agency, agent) -> dict:
    power(employer, agency, employer_admin)
    other_agency_agent = roles.user(Role.AGENCY_AGENT)
    return {
        OWNER: employer_admin,
        STAFF: roles.user(Role.EMPLOYER_STAFF, organization=employer),
        OTHER: beijing_admin,
        AGENT: agent,
        AGENT_NO_POWER: other_agency_agent,
        ACCEPTANCE: roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000"),
        DECISION: roles.user(Role.DECISION_OFFICER, region_code="310000"),
        ANONYMOUS: None,
    }


def _client(people: dict, who: str) -> Client:
    user = people[who]
    if user is None:
        return Client()
    return client_for(user)


PAGES = [
    ("application", ()),
    ("application_resume", ()),
    ("application_step", ("job",)),
    ("application_step", ("documents",)),
    ("application_step", ("review",)),
    ("application_document", ("doc",)),
]


@pytest.mark.parametrize(
    "who", [OWNER, STAFF, OTHER, AGENT, AGENT_NO_POWER, ACCEPTANCE, DECISION, ANONYMOUS]
)
@pytest.mark.parametrize(("name", "extra"), PAGES)
def test_the_pages_of_an_application_answer_404_to_whoever_may_not_act_for_its_employer(
    b_draft, people, who, name, extra
):
    document = b_draft.documents.first()
    args = [b_draft.pk, *(document.pk if a == "doc" else a for a in extra)]
    response = _client(people, who).get(url(name, *args))
    if who == ANONYMOUS:
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    elif who in ALLOWED:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 404


ACTIONS = [
    ("application_step", ("job",), {"job_title": "Hacked"}),
    ("application_preview", ("facts",), {"education": "doctorate"}),
    ("application_document_add", ("other",), {}),
    ("application_document_remove", ("doc",), {}),
    ("application_submit", (), {}),
    ("application_withdraw", (), {"reason": "x"}),
    ("application_copy", (), {}),
    ("application_answers_send", (), {}),
]


@pytest.mark.parametrize("who", [OTHER, AGENT_NO_POWER, ACCEPTANCE, DECISION])
@pytest.mark.parametrize(("name", "extra", "data"), ACTIONS)
def test_no_action_on_an_application_by_whoever_may_not_act_for_its_employer(
    b_draft, people, who, name, extra, data
):
    document = b_draft.documents.first()
    args = [b_draft.pk, *(document.pk if a == "doc" else a for a in extra)]
    before = snapshot(b_draft)
    copies = Application.objects.count()
    response = _client(people, who).post(url(name, *args), data)
    assert response.status_code == 404
    assert snapshot(b_draft) == before
    assert Application.objects.count() == copies


@pytest.mark.parametrize(
    "who", [OWNER, STAFF, OTHER, AGENT, AGENT_NO_POWER, ACCEPTANCE, DECISION, ANONYMOUS]
)
@pytest.mark.parametrize("name", ["applications", "application_start"])
def test_the_list_and_start_are_for_employers_and_their_agents(setup, people, who, name):
    response = _client(people, who).get(url(name))
    if who == ANONYMOUS:
        assert response.status_code == 302
    elif who in ALLOWED or who == OTHER:
        assert response.status_code == 200
        assert "No employer to act for" not in text(response)
    elif who == AGENT_NO_POWER:
        # An agent whose agency holds no power: told why, and shown nothing.
        assert response.status_code == 200
        assert "Your agency holds no power of attorney in force." in text(response)
    else:
        assert response.status_code == 404


def test_an_agent_chooses_the_employer_and_acts_for_it(setup, people, employer, agency):
    client = _client(people, AGENT)
    response = client.post(
        url("application_start"), {"employer": employer.pk, "kind": "short_term"}
    )
    draft = Application.objects.get(employer=employer)
    assert response.status_code == 302
    assert (draft.agency, draft.created_by) == (agency, people[AGENT])
    page = text(client.get(url("applications")))
    assert draft.number in page


def test_an_agent_cannot_start_for_an_employer_it_does_not_represent(
    setup, people, beijing_employer
):
    response = _client(people, AGENT).post(
        url("application_start"), {"employer": beijing_employer.pk, "kind": "new"}
    )
    assert response.status_code == 200
    assert "Select a valid choice." in text(response)
    assert not Application.objects.exists()


def test_an_ended_power_of_attorney_ends_the_agents_access(b_draft, people, employer):
    PowerOfAttorney.objects.filter(employer=employer).update(revoked_at=timezone.now())
    client = client_for(people[AGENT])
    assert client.get(url("application", b_draft.pk)).status_code == 404
    page = text(client.get(url("applications")))
    assert "Your agency holds no power of attorney in force." in page
    assert b_draft.number not in page


def test_document_of_another_application_is_404(b_draft, employer_admin, employer):
    other = services.draft_create(actor=employer_admin, employer=employer, kind="new")
    document = b_draft.documents.first()
    response = client_for(employer_admin).get(url("application_document", other.pk, document.pk))
    assert response.status_code == 404
    assert Document.objects.filter(pk=document.pk).exists()


def test_an_empty_draft_shows_every_page_and_what_is_missing(setup, employer_admin, employer):
    draft = services.draft_create(actor=employer_admin, employer=employer, kind="short_term")
    client = client_for(employer_admin)
    for step in ("job", "worker", "facts", "documents", "review"):
        assert client.get(url("application_step", draft.pk, step)).status_code == 200, step
    assert client.get(url("application", draft.pk)).status_code == 200
    page = text(client.get(url("application_step", draft.pk, "review")))
    job_url = url("application_step", draft.pk, "job")
    assert f'<a href="{job_url}#id_occupation">Job</a>: Enter the occupation.' in page
    worker_url = url("application_step", draft.pk, "worker")
    assert (
        f'<a href="{worker_url}#id_passport_number">Worker</a>: Enter the worker (passport and '
        "personal details)."
    ) in page


# --- Decisions on the employer's page ----------------------------------------------------------


def test_the_approval_and_its_letter_are_shown(b_draft, employer_admin, sh_acceptance, sh_decision):
    services.application_transition(actor=employer_admin, application=b_draft, name="submit")
    services.application_transition(actor=sh_acceptance, application=b_draft, name="accept")
    approved = services.application_transition(
        actor=sh_decision, application=b_draft, name="approve"
    )
    letter = approved.issued_letter
    page = text(client_for(employer_admin).get(url("application", b_draft.pk)))
    assert '<p class="message message--success">Approved.</p>' in page
    assert f"<dt>Number</dt><dd><code>{letter.number}</code></dd>" in page
    assert f"<dt>Valid until</dt><dd>{letter.valid_until.isoformat()}</dd>" in page
    assert "apply for the work permit within 15 days" in page
    assert "Withdraw the application" not in page


def test_a_refusal_shows_its_reasons(b_draft, employer_admin, sh_acceptance):
    services.application_transition(actor=employer_admin, application=b_draft, name="submit")
    services.application_transition(
        actor=sh_acceptance,
        application=b_draft,
        name="refuse_acceptance",
        reason="Incomplete.",
        payload={
            "reasons": ["ACC-INCOMPLETE"],
            "text_zh": "材料不齐全。",
            "text_en": "The documents are incomplete.",
        },
    )
    page = text(client_for(employer_admin).get(url("application", b_draft.pk)))
    assert "Not accepted." in page
    reason = b_draft.decision_reasons.get()
    assert f"<li>{reason.text_en}</li>" in page
    assert "The documents are incomplete." in page


def test_the_application_page_query_count_is_pinned(
    asked, employer_admin, django_assert_num_queries
):
    client = client_for(employer_admin)
    client.get(url("application", asked.pk))
    with django_assert_num_queries(APPLICATION_PAGE_QUERIES):
        response = client.get(url("application", asked.pk))
    assert response.status_code == 200


# session, user, the application with its documents, requests, items and reasons (5), the
# user's employers (2, memoized for the permission checks of the workflow), the history,
# the user's roles (the menu), the unread notifications of the header. The letter and the
# permit are asked only once approved.
APPLICATION_PAGE_QUERIES = 12


def test_a_returned_application_is_corrected_and_submitted_again(
    b_draft, employer_admin, sh_acceptance, clock
):
    services.application_transition(actor=employer_admin, application=b_draft, name="submit")
    services.application_transition(
        actor=sh_acceptance,
        application=b_draft,
        name="return_for_correction",
        payload={"items": [{"text": "The photo is blurred.", "document_kind": "photo"}]},
    )
    client = client_for(employer_admin)
    listed = text(client.get(url("applications")))
    assert "Returned for correction</a>" in listed
    page = text(client.get(url("application", b_draft.pk)))
    assert "Corrections asked by the acceptance officers" in page
    assert "The photo is blurred." in page
    item = InformationItem.objects.get(request__application=b_draft)
    response = client.post(
        url("application_item_answer", b_draft.pk, item.pk),
        {"item-1-file": pdf_upload("photo.pdf"), "item-1-answer": "A sharper photo."},
    )
    assert response.status_code == 302
    # The steps are open again while returned.
    response = client.post(
        url("application_step", b_draft.pk, "job"),
        {
            "occupation": "2-02-10-03",
            "job_title": "Senior software engineer",
            "work_region": b_draft.work_region_id,
            "annual_salary_cny": "300000",
            "months_in_china_per_year": "12",
            "contract_start": b_draft.contract_start.isoformat(),
            "contract_end": b_draft.contract_end.isoformat(),
        },
    )
    assert response.status_code == 302
    review = html_of(client.get(url("application_step", b_draft.pk, "review")))
    assert "Submit again" in review
    client.post(url("application_submit", b_draft.pk))
    b_draft.refresh_from_db()
    assert (b_draft.state, b_draft.job_title) == (S.SUBMITTED, "Senior software engineer")
    assert b_draft.acceptance_due_on == D(2026, 6, 15)
    item.refresh_from_db()
    assert (item.answer, item.document.kind) == ("A sharper photo.", "photo")


def test_the_details_step_of_an_extension_saves_the_renewed_contract(
    clock, employer_admin, employer, sh_decision, foreigner, life
):
    permit = life.permit(
        employer, employer_admin, sh_decision, foreigner, TODAY - dt.timedelta(days=700)
    )
    draft = services.draft_create(
        actor=employer_admin, employer=employer, kind="extension", permit=permit
    )
    client = client_for(employer_admin)
    page = text(client.get(url("application_step", draft.pk, "kind")))
    assert f"Permit {permit.permit_number} of MUELLER ANNA MARIA" in page
    response = client.post(url("application_step", draft.pk, "kind"), {"contract_end": "not a day"})
    assert response.status_code == 200
    assert '<a href="#id_contract_end">Last day of the renewed contract</a>' in text(response)
    response = client.post(
        url("application_step", draft.pk, "kind"), {"contract_end": "2029-06-30"}
    )
    assert response["Location"] == url("application_step", draft.pk, "worker")
    draft.refresh_from_db()
    assert (draft.contract_end, draft.steps_saved) == (D(2029, 6, 30), ["kind"])


def test_the_dashboard_lists_the_duties_coming_due(
    clock, employer_admin, employer, sh_decision, foreigner, life
):
    # Valid until 2026-07-27: the extension is filed from 2026-04-28 to 2026-06-27.
    permit = life.permit(
        employer, employer_admin, sh_decision, foreigner, TODAY - dt.timedelta(days=680)
    )
    assert permit.valid_until == D(2026, 7, 27)
    with translation.override(EN):
        page = text(client_for(employer_admin).get(reverse("portal:dashboard")))
    assert (
        '<td><time datetime="2026-06-27">2026-06-27</time></td> <td>Extension (from 2026-04-28)'
        "</td> <td>MUELLER ANNA MARIA</td> <td>" + permit.permit_number
    ) in page


def test_the_dashboard_panel_costs_the_same_queries_for_1_and_10_applications(
    setup, employer_admin, employer
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(employer_admin)
    with translation.override(EN):
        dashboard = reverse("portal:dashboard")
    counts = []
    for total in (1, 10):
        while Application.objects.count() < total:
            services.draft_create(actor=employer_admin, employer=employer, kind="new")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(dashboard).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pages_render_in_both_languages(b_draft, employer_admin, language):
    client = client_for(employer_admin)
    with translation.override(language):
        pages = [
            reverse("permits:applications"),
            reverse("permits:application_start"),
            reverse("permits:application", args=[b_draft.pk]),
            *(
                reverse("permits:application_step", args=[b_draft.pk, step])
                for step in ("job", "worker", "facts", "documents", "review")
            ),
        ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert f'<html lang="{language}">' in html_of(response)


def test_an_agents_dashboard_costs_the_same_queries_for_1_and_3_employers(
    setup, employer, agency, agent, employer_admin
):
    """The duties of every employer the agency represents come in one set of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import OrganizationFactory, RoleHelper

    power(employer, agency, employer_admin)
    client = client_for(agent)
    with translation.override(EN):
        dashboard = reverse("portal:dashboard")
    counts = []
    for represented in (1, 3):
        while PowerOfAttorney.objects.filter(agency=agency).count() < represented:
            other = OrganizationFactory(region=employer.region)
            power(other, agency, RoleHelper().user("employer_admin", organization=other))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(dashboard).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_a_draft_never_submitted_is_discarded_and_anything_else_is_not(
    b_draft, employer_admin, beijing_admin
):
    from portal.models import AuditEvent

    discard = url("application_discard", b_draft.pk)
    # Not theirs: 404 and nothing changes.
    assert client_for(beijing_admin).post(discard).status_code == 404
    assert Application.objects.filter(pk=b_draft.pk).exists()

    response = client_for(employer_admin).post(discard)
    assert response.status_code == 302
    assert response["Location"] == url("applications")
    assert not Application.objects.filter(pk=b_draft.pk).exists()
    assert Document.objects.filter(application_id=b_draft.pk).count() == 0
    event = AuditEvent.objects.get(action="permits.application.discard")
    assert event.data["number"] == b_draft.number


def test_a_submitted_application_cannot_be_discarded(b_draft, employer_admin):
    services.application_transition(actor=employer_admin, application=b_draft, name="submit")
    before = snapshot(Application.objects.get(pk=b_draft.pk))
    response = client_for(employer_admin).post(url("application_discard", b_draft.pk))
    assert response.status_code == 302
    assert response["Location"] == url("application", b_draft.pk)
    assert snapshot(Application.objects.get(pk=b_draft.pk)) == before


def test_the_facts_step_offers_the_routes_and_achievements_in_force_where_the_post_is(
    b_draft, employer_admin
):
    client = client_for(employer_admin)
    page = client.get(url("application_step", b_draft.pk, "facts"))
    form = page.context["form"]
    routes = [code for code, _label in form.fields["route_code"].choices]
    assert routes[0] == ""
    assert {"A-SALARY", "A-ACHIEVEMENT", "B-CATALOG", "B-DEGREE"} <= set(routes)
    achievements = dict(form.fields["achievements"].choices)
    assert "national_talent_programme" in achievements
    assert [code for code, _label in form.fields["c_group"].choices] == [
        "",
        "intern",
        "graduate",
        "special_field",
        "temporary",
        "other",
    ]

    values = {
        "education": "bachelor",
        "skill_certificate": "none",
        "experience_years": "5",
        "hsk_level": "0",
        "category": "A",
        "route_code": "A-PROGRAMME",
        "achievements": ["national_talent_programme"],
    }
    response = client.post(url("application_step", b_draft.pk, "facts"), values)
    assert response.status_code == 302
    b_draft.refresh_from_db()
    assert (b_draft.route_code, b_draft.achievements) == (
        "A-PROGRAMME",
        ["national_talent_programme"],
    )


def test_an_unknown_route_or_group_is_refused_and_nothing_saved(b_draft, employer_admin):
    before = snapshot(b_draft)
    response = client_for(employer_admin).post(
        url("application_step", b_draft.pk, "facts"),
        {
            "education": "bachelor",
            "skill_certificate": "none",
            "experience_years": "5",
            "hsk_level": "0",
            "category": "C",
            "route_code": "A-MADE-UP",
            "c_group": "astronaut",
        },
    )
    assert response.status_code == 200  # the step again, with the errors
    assert set(response.context["form"].errors) == {"route_code", "c_group"}
    assert snapshot(Application.objects.get(pk=b_draft.pk)) == before
