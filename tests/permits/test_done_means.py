"""Issue 5's "done means", walked as a new user would, through the pages.

A Shanghai employer registers and is approved, applies for a Category B engineer with a
catalog-listed occupation, answers an information request, the officer approves; a
Category A applicant with commitment letters is accepted with documents missing; the
permit is issued after entry, extended inside its window and refused outside it; a
second employer in Beijing takes the worker over without resubmitting documents; an
officer in Beijing never sees Shanghai's queue.

The ORM only sets up what the world provides (the occupations, the Shanghai Guidance
Catalog in force, the average wages, the officers' accounts, the Beijing employer) and
moves the clock (``clock``); everything else goes through the pages, and each step
asserts what the user sees and what is recorded. The clock starts on Monday 8 June 2026.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from permits.models import Application, InformationItem, NotificationLetter, Permit, Registration
from portal.models import Organization, Region, User
from tests.factories import valid_uscc
from tests.pages import html_of
from tests.permits.conftest import PDF, TODAY, WORKER, Clock, pdf_upload
from tests.portal.test_pages import sign_in_verified

pytestmark = pytest.mark.django_db

S = Application.State
D = dt.date

PASSWORD = "Amber-Harbour-Lantern-58"
USCC = valid_uscc(515151)  # a Shanghai identifier with its check character

REGISTRATION = "/en/registration/"
LOGIN = "/en/accounts/login/"
REGISTRATION_QUEUE = "/en/review/registrations/"
APPLICATIONS = "/en/applications/"
START = "/en/applications/new/"
REVIEW_QUEUE = "/en/review/applications/"
QUEUE_CAPTION = "Applications of your province, soonest deadline first"

# The worker of the Category B application, as typed on the worker step.
B_WORKER = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in WORKER.items()}
# A second worker, for the Category A application.
A_WORKER = {
    "surname": "HARGREAVES",
    "given_names": "OLIVER JAMES",
    "sex": "M",
    "date_of_birth": "1975-02-11",
    "nationality": "GBR",
    "passport_number": "533380006",
    "passport_country": "GBR",
    "passport_issue_date": "2021-04-01",
    "passport_expiry_date": "2031-03-31",
}
# The Category B job: a software engineer, listed in Shanghai's catalog (bachelor's,
# 2 years, 200,000 CNY at least), a three-year contract from 8 July 2026.
B_CONTRACT_START, B_CONTRACT_END = D(2026, 7, 8), D(2029, 7, 7)
B_JOB = {
    "occupation": "2-02-10-03",
    "job_title": "Software engineer",
    "annual_salary_cny": "300000",
    "months_in_china_per_year": "12",
    "contract_start": B_CONTRACT_START.isoformat(),
    "contract_end": B_CONTRACT_END.isoformat(),
}
B_FACTS = {
    "education": "bachelor",
    "experience_years": "5",
    "skill_certificate": "none",
    "hsk_level": "0",
    "category": "B",
    "route_code": "B-CATALOG",
}


@pytest.fixture(autouse=True)
def _storage() -> Any:
    """The files uploaded through the pages are removed after each test."""
    yield
    from portal import files

    storage = files.StoredFile._meta.get_field("file").storage
    for name in list(files._walk(storage, files.UPLOAD_ROOT)):
        storage.delete(name)


def flat(response: Any) -> str:
    """The page's HTML (after the checks every page passes), whitespace collapsed."""
    return " ".join(html_of(response).split())


def officer(user: User) -> Client:
    """An officer signed in with the password and the second factor."""
    client = Client()
    sign_in_verified(client, user)
    return client


def signed_in(username: str) -> Client:
    """The employer's administrator signs in with the password, as on any day (the
    session of an earlier day has expired)."""
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302, flat(response)
    return client


def step_url(pk: int, step: str) -> str:
    return f"/en/applications/{pk}/edit/{step}/"


def page_url(pk: int) -> str:
    return f"/en/applications/{pk}/"


def review_url(pk: int) -> str:
    return f"/en/review/applications/{pk}/"


def do(client: Client, pk: int, action: str, data: dict[str, Any] | None = None) -> Any:
    """An officer's action on the application's page; back to the page on success."""
    response = client.post(f"{review_url(pk)}do/{action}/", data or {})
    assert response.status_code == 302, (action, response.status_code, refusal_of(response))
    assert response["Location"] == f"{review_url(pk)}#main"
    return response


def refusal_of(response: Any) -> Any:
    """What an officer's page says when an action is refused."""
    context = response.context or {}
    refused = [
        (a.name, a.refusal.message, a.refusal.problems, dict(a.form.errors))
        for a in context.get("actions", [])
        if a.refusal is not None or a.form.errors
    ]
    stray = context.get("stray")
    if stray is not None and stray.refusal is not None:
        refused.append((stray.name, stray.refusal.message, stray.refusal.problems, {}))
    return refused


def queue_numbers(client: Client, **params: Any) -> list[str]:
    from tests.talent_standards.test_drafting import table_rows

    response = client.get(REVIEW_QUEUE, params)
    assert response.status_code == 200
    html = html_of(response)
    if "<table" not in html:
        return []
    return [row[0] for row in table_rows(html, QUEUE_CAPTION, language="en")]


def post_step(client: Client, pk: int, step: str, data: dict[str, Any], then: str) -> None:
    response = client.post(step_url(pk, step), data)
    assert response.status_code == 302, (step, flat(response))
    assert response["Location"] == step_url(pk, then)


def keep_prefilled(client: Client, pk: int, step: str, then: str) -> dict[str, Any]:
    """Send a step's form as the page fills it in (what is already recorded)."""
    form = client.get(step_url(pk, step)).context["form"]
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        data[name] = value.isoformat() if isinstance(value, dt.date) else value
    post_step(client, pk, step, data, then)
    return data


def upload_what_is_required_now(client: Client, pk: int, issued_on: dt.date) -> list[str]:
    """Upload, for every document the checklist marks "Required now" and not yet added,
    a PDF (certificates with their date of issue). Returns the kinds uploaded."""
    response = client.get(step_url(pk, "documents"))
    assert response.status_code == 200
    uploaded = []
    for row in response.context["rows"]:
        if row.status != "required" or row.documents:
            continue
        data: dict[str, Any] = {f"doc-{row.kind}-file": pdf_upload(f"{row.kind}.pdf")}
        if row.max_age_months:
            data[f"doc-{row.kind}-issued_on"] = issued_on.isoformat()
        added = client.post(f"/en/applications/{pk}/documents/add/{row.kind}/", data)
        assert added.status_code == 302, (row.kind, flat(added))
        uploaded.append(row.kind)
    return uploaded


def checklist_of(client: Client, pk: int) -> dict[str, str]:
    """The documents page's checklist: kind -> status (required, later, optional)."""
    response = client.get(step_url(pk, "documents"))
    assert response.status_code == 200
    return {row.kind: row.status for row in response.context["rows"]}


def not_needed_of(client: Client, pk: int) -> dict[str, str]:
    response = client.get(step_url(pk, "documents"))
    return {row.kind: row.note for row in response.context["not_needed"]}


def submit(client: Client, pk: int) -> Application:
    review = client.get(step_url(pk, "review"))
    page = flat(review)
    assert "Everything needed is there: the application can be submitted." in page, [
        str(p.problem.message) for p in review.context["problems"]
    ]
    response = client.post(f"/en/applications/{pk}/submit/", follow=True)
    assert response.redirect_chain[-1][0] == page_url(pk), flat(response)
    application = Application.objects.get(pk=pk)
    assert application.state == S.SUBMITTED
    assert f"Application {application.number} is submitted." in flat(response)
    return application


def start(client: Client, employer: Organization, kind: str) -> Any:
    return client.post(START, {"employer": employer.pk, "kind": kind})


# --- 1. Registration ---------------------------------------------------------------------------


@dataclass
class Employer:
    organization: Organization
    username: str


def register_shanghai_employer(sh_acceptance: User, username: str = "chen.jing") -> Employer:
    """A new handler opens an account and registers a Shanghai company; the Shanghai
    acceptance officer approves it; the handler signs in as the employer's admin."""
    handler = Client()
    form = handler.get(REGISTRATION)
    assert form.status_code == 200
    assert "Register an employer or service agency" in flat(form)
    response = handler.post(
        REGISTRATION,
        {
            "username": username,
            "email": f"{username}@pudong-soft.example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "kind": "employer",
            "uscc": USCC,
            "name_zh": "上海浦东软件有限公司",
            "name_en": "Shanghai Pudong Software Co., Ltd.",
            "region": Region.objects.get(code="310000").pk,
            "address": "上海市浦东新区张江路88号",
            "legal_representative": "王伟",
            "handler_name": "陈静",
            "handler_phone": "+86 21 5555 0188",
            "handler_email": f"{username}@pudong-soft.example.com",
            "business_licence": SimpleUploadedFile("licence.pdf", PDF, "application/pdf"),
            "power_of_attorney": SimpleUploadedFile("attorney.pdf", PDF, "application/pdf"),
        },
    )
    registration = Registration.objects.get(uscc=USCC)
    assert response.status_code == 302, flat(response)
    assert response["Location"] == f"/en/registration/{registration.pk}/"
    assert registration.state == "submitted"
    assert registration.number in flat(handler.get(response["Location"]))

    desk = officer(sh_acceptance)
    assert registration.number in flat(desk.get(REGISTRATION_QUEUE))
    assert USCC in flat(desk.get(f"/en/review/registrations/{registration.pk}/"))
    response = desk.post(f"/en/review/registrations/{registration.pk}/do/approve/")
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.state == "approved"
    organization = registration.organization
    assert (organization.uscc, organization.region.code) == (USCC, "310000")

    admin = signed_in(username)
    dashboard = flat(admin.get("/en/dashboard/"))
    assert "Employer administrator" in dashboard
    assert "Shanghai Pudong Software Co., Ltd." in dashboard
    return Employer(organization, username)


# --- 2. The Category B application -------------------------------------------------------------


def apply_for_b_engineer(admin: Client, employer: Organization) -> int:
    """The new application through the guided form, to a submission."""
    response = start(admin, employer, "new")
    application = Application.objects.get(employer=employer, kind="new", foreigner=None)
    pk = application.pk
    assert response["Location"] == step_url(pk, "job")

    post_step(admin, pk, "job", {**B_JOB, "work_region": employer.region_id}, "worker")
    post_step(admin, pk, "worker", B_WORKER, "facts")
    # The facts page offers the category and the route: the catalog route is claimed.
    facts = admin.get(step_url(pk, "facts"))
    assert {"category", "route_code"} <= set(facts.context["form"].fields)
    post_step(admin, pk, "facts", B_FACTS, "documents")
    facts_page = flat(admin.get(step_url(pk, "facts")))
    assert "Category B: professional talent" in facts_page
    assert "B-CATALOG" in facts_page

    uploaded = upload_what_is_required_now(admin, pk, issued_on=TODAY - dt.timedelta(days=20))
    assert uploaded == [
        "application_form",
        "passport",
        "photo",
        "contract",
        "experience",
        "degree",
        "criminal_record",
        "health",
        "recognition",
    ]
    submitted = submit(admin, pk)
    assert (submitted.category, submitted.route_code) == ("B", "B-CATALOG")
    assert submitted.acceptance_due_on == D(2026, 6, 15)
    return pk


def b_letter(
    employer: Employer, sh_acceptance: User, sh_decision: User, *, ask: bool = True
) -> tuple[Application, NotificationLetter]:
    """Step 2 of the story: apply, accept, (ask, answer), confirm the route if asked,
    approve; the letter is on the employer's page."""
    admin = signed_in(employer.username)
    pk = apply_for_b_engineer(admin, employer.organization)

    # The Shanghai acceptance officer finds it in the queue and accepts it.
    acceptance = officer(sh_acceptance)
    number = Application.objects.get(pk=pk).number
    assert number in queue_numbers(acceptance)
    assert acceptance.get(review_url(pk)).status_code == 200
    do(acceptance, pk, "accept")
    assert Application.objects.get(pk=pk).state == S.UNDER_REVIEW

    decision = officer(sh_decision)
    assert number in queue_numbers(decision)
    if ask:
        # The decision officer asks for one thing.
        do(
            decision,
            pk,
            "request_information",
            {
                "request_information-message": "One more proof, please.",
                "request_information-item_1_text": "The offer letter stating the salary.",
                "request_information-item_1_kind": "",
            },
        )
        assert Application.objects.get(pk=pk).state == S.INFORMATION_REQUESTED

        # The employer answers the item and sends.
        page = flat(admin.get(page_url(pk)))
        assert "Information asked by the decision officers" in page
        assert "The offer letter stating the salary." in page
        item = InformationItem.objects.get(request__application_id=pk)
        response = admin.post(
            f"/en/applications/{pk}/items/{item.pk}/answer/",
            {
                "item-1-answer": "Attached: the offer letter, 300,000 CNY a year.",
                "item-1-file": pdf_upload("offer.pdf"),
            },
        )
        assert response.status_code == 302, flat(response)
        response = admin.post(f"/en/applications/{pk}/answers/send/", follow=True)
        application = Application.objects.get(pk=pk)
        assert application.state == S.UNDER_REVIEW
        assert application.paused_on is None
        assert (
            f"The answers are sent. The decision is due by {application.due_on.isoformat()}."
            in flat(response)
        )
        officers_view = flat(decision.get(review_url(pk)))
        assert "Attached: the offer letter, 300,000 CNY a year." in officers_view

    # The route is confirmed when the page asks for it, then the application approved.
    review = decision.get(review_url(pk))
    if review.context["confirm_form"] is not None:
        response = decision.post(
            f"{review_url(pk)}confirm-route/",
            {"confirm-note": "The degree, 5 years' experience and the salary meet the entry."},
        )
        assert response.status_code == 302, flat(response)
        assert Application.objects.get(pk=pk).route_confirmed_at is not None
    do(decision, pk, "approve")

    application = Application.objects.get(pk=pk)
    assert (application.state, application.category, application.route_code) == (
        S.APPROVED,
        "B",
        "B-CATALOG",
    )
    letter = NotificationLetter.objects.get(application=application)
    page = flat(admin.get(page_url(pk)))
    assert '<p class="message message--success">Approved.</p>' in page
    assert "<h3>Notification letter</h3>" in page
    assert f"<dt>Number</dt><dd><code>{letter.number}</code></dd>" in page
    assert f"<dt>Valid until</dt><dd>{letter.valid_until.isoformat()}</dd>" in page
    return application, letter


def test_a_shanghai_employer_registers_and_its_category_b_engineer_is_approved(
    clock: Clock, occupations, shanghai_catalog, wages, sh_acceptance, sh_decision
):
    employer = register_shanghai_employer(sh_acceptance)
    application, letter = b_letter(employer, sh_acceptance, sh_decision)
    # The letter: Category B, issued today, valid 6 months.
    assert (letter.category, letter.issued_on, letter.valid_until) == ("B", TODAY, D(2026, 12, 7))
    assert letter.state == NotificationLetter.State.VALID
    assert application.employer == employer.organization
    assert application.foreigner.surname == "MUELLER"


# --- 3. Category A with commitment letters -----------------------------------------------------


def test_a_category_a_applicant_with_commitment_letters_is_accepted_with_documents_missing(
    clock: Clock, occupations, shanghai_catalog, wages, sh_acceptance
):
    employer = register_shanghai_employer(sh_acceptance)
    admin = signed_in(employer.username)
    start(admin, employer.organization, "new")
    pk = Application.objects.get(employer=employer.organization).pk
    post_step(
        admin,
        pk,
        "job",
        {
            "occupation": "2-02-10-03",
            "job_title": "Chief architect",
            "work_region": employer.organization.region_id,
            "annual_salary_cny": "1800000",
            "months_in_china_per_year": "12",
            "contract_start": "2026-07-08",
            "contract_end": "2031-07-07",
        },
        "worker",
    )
    post_step(admin, pk, "worker", A_WORKER, "facts")
    post_step(
        admin,
        pk,
        "facts",
        {
            "education": "doctorate",
            "experience_years": "20",
            "skill_certificate": "none",
            "hsk_level": "0",
            "category": "A",
            "route_code": "",
            "commitment_letters": "on",
        },
        "documents",
    )
    # 1,800,000 CNY is more than 6 times Shanghai's average wage (191,844 CNY in 2025).
    facts_page = flat(admin.get(step_url(pk, "facts")))
    assert "Category A: high-end talent" in facts_page

    checklist = checklist_of(admin, pk)
    assert checklist == {
        "application_form": "required",
        "passport": "required",
        "commitment": "required",
        "photo": "later",
        "contract": "later",
        "health": "later",
        "recognition": "later",
        "other": "optional",
    }
    replaced = not_needed_of(admin, pk)
    assert set(replaced) == {"experience", "degree", "criminal_record"}
    assert set(replaced.values()) == {"Replaced by your commitment letter (Category A)."}

    # Only what is required now is uploaded.
    assert upload_what_is_required_now(admin, pk, issued_on=TODAY) == [
        "application_form",
        "passport",
        "commitment",
    ]
    application = submit(admin, pk)
    assert (application.category, application.route_code, application.commitment_letters) == (
        "A",
        "A-SALARY",
        True,
    )

    # The officer sees what is missing, and accepts it all the same.
    desk = officer(sh_acceptance)
    page = flat(desk.get(review_url(pk)))
    missing = [
        item.kind
        for item, present in desk.get(review_url(pk)).context["checklist"]
        if item.required and not present
    ]
    assert missing == ["photo", "contract", "health", "recognition"]
    assert page.count('<span class="badge badge--danger">missing</span>') == 4
    do(desk, pk, "accept")
    application.refresh_from_db()
    assert application.state == S.UNDER_REVIEW
    assert sorted(application.documents.values_list("kind", flat=True)) == [
        "application_form",
        "commitment",
        "passport",
    ]


# --- 4 and 5. The permit after entry; its extension inside and outside the window ------------


def permit_after_entry(
    clock: Clock,
    employer: Employer,
    letter: NotificationLetter,
    sh_acceptance: User,
    sh_decision: User,
) -> Permit:
    """The worker enters on 1 July 2026; on 3 July the employer applies for the work
    permit from the letter; Shanghai's officers accept and approve."""
    clock.set(D(2026, 7, 3))
    admin = signed_in(employer.username)
    response = start(admin, employer.organization, "after_entry")
    chooser = response["Location"]
    assert chooser == f"/en/applications/new/after_entry/?employer={employer.organization.pk}"
    assert letter.number in flat(admin.get(chooser))
    response = admin.post(
        "/en/applications/new/after_entry/",
        {"employer": employer.organization.pk, "letter": letter.pk, "confirm": "1"},
    )
    application = Application.objects.get(kind="after_entry", letter=letter)
    pk = application.pk
    assert response["Location"] == step_url(pk, "kind")
    post_step(admin, pk, "kind", {"entry_date": "2026-07-01"}, "worker")
    keep_prefilled(admin, pk, "worker", "documents")
    uploaded = upload_what_is_required_now(admin, pk, issued_on=D(2026, 7, 2))
    assert uploaded == [
        "application_form",
        "passport",
        "photo",
        "notification_letter",
        "health",
        "contract",
    ]
    application = submit(admin, pk)

    do(officer(sh_acceptance), pk, "accept")
    do(officer(sh_decision), pk, "approve")
    application.refresh_from_db()
    assert application.state == S.APPROVED
    permit = Permit.objects.get(application=application)
    page = flat(admin.get(page_url(pk)))
    assert "<h3>Work permit</h3>" in page
    assert f"<dt>Permit number</dt><dd><code>{permit.permit_number}</code></dd>" in page
    assert (
        f"<dt>Valid</dt><dd>{permit.valid_from.isoformat()} – {permit.valid_until.isoformat()}"
        in page
    )
    letter.refresh_from_db()
    assert letter.state == NotificationLetter.State.USED
    return permit


def test_the_permit_is_issued_after_entry_and_extended_only_inside_its_window(
    clock: Clock, occupations, shanghai_catalog, wages, sh_acceptance, sh_decision
):
    employer = register_shanghai_employer(sh_acceptance)
    _application, letter = b_letter(employer, sh_acceptance, sh_decision, ask=False)
    permit = permit_after_entry(clock, employer, letter, sh_acceptance, sh_decision)

    # Category B: 24 months at most, from the day it is issued; the contract (to
    # 2029-07-07) and the passport (to 2032-01-08) end later.
    assert (permit.category, permit.route_code) == ("B", "B-CATALOG")
    assert (permit.valid_from, permit.valid_until) == (D(2026, 7, 3), D(2028, 7, 2))
    assert permit.valid_until < B_CONTRACT_END
    assert permit.valid_until < D(2032, 1, 8)
    assert permit.contract_end == B_CONTRACT_END

    # 120 days before it expires, outside the window (90 to 30 days before): the
    # employer prepares the extension, the review says when it may be filed, and
    # submitting changes nothing.
    clock.set(permit.valid_until - dt.timedelta(days=120))  # 2028-03-04
    admin = signed_in(employer.username)
    response = start(admin, employer.organization, "extension")
    chooser = response["Location"]
    assert permit.permit_number in flat(admin.get(chooser))
    response = admin.post(
        "/en/applications/new/extension/",
        {"employer": employer.organization.pk, "permit": permit.pk, "confirm": "1"},
    )
    extension = Application.objects.get(kind="extension")
    pk = extension.pk
    assert response["Location"] == step_url(pk, "kind")
    post_step(admin, pk, "kind", {"contract_end": "2031-07-07"}, "worker")
    keep_prefilled(admin, pk, "worker", "documents")
    assert upload_what_is_required_now(admin, pk, issued_on=clock.today) == [
        "application_form",
        "passport",
        "contract",
    ]
    review = flat(admin.get(step_url(pk, "review")))
    window = (
        "An extension of a permit valid until 2028-07-02 can be applied for from 2028-04-03 "
        "to 2028-06-02."
    )
    assert (
        "<strong>1 thing stands in the way of submission:</strong></p> "
        f'<ul class="error-links"> <li><a href="{step_url(pk, "kind")}#id_permit">Details</a>: '
        f"{window}</li> </ul>"
    ) in review
    assert 'disabled aria-describedby="submit-blocked"' in review
    response = admin.post(f"/en/applications/{pk}/submit/", follow=True)
    assert response.redirect_chain[-1][0] == step_url(pk, "review")
    refused = flat(response)
    assert "The application cannot be submitted yet: fix what is listed." in refused
    assert window in refused
    extension.refresh_from_db()
    assert (extension.state, extension.submitted_at) == (S.DRAFT, None)
    permit.refresh_from_db()
    assert permit.valid_until == D(2028, 7, 2)

    # 60 days before, inside the window: the same draft is submitted.
    clock.set(permit.valid_until - dt.timedelta(days=60))  # 2028-05-03
    admin = signed_in(employer.username)
    extension = submit(admin, pk)
    assert extension.permit == permit


# --- 6. A change of employer to Beijing --------------------------------------------------------


@dataclass
class Takeover:
    client: Client
    pk: int
    old: Permit


def beijing_takes_over(
    clock: Clock,
    employer: Employer,
    sh_acceptance: User,
    sh_decision: User,
    beijing_employer: Organization,
    beijing_admin: User,
) -> Takeover:
    """The Shanghai worker holds a permit; on 1 September 2026 the Beijing employer finds
    them by passport and nationality, and fills the job, worker and facts steps (the
    worker and the facts as the form fills them in from the Shanghai permit)."""
    _application, letter = b_letter(employer, sh_acceptance, sh_decision, ask=False)
    old = permit_after_entry(clock, employer, letter, sh_acceptance, sh_decision)

    clock.set(D(2026, 9, 1))
    beijing = officer(beijing_admin)  # signed in (an employer's admin has no second factor)
    response = start(beijing, beijing_employer, "change_employer")
    assert response["Location"] == (
        f"/en/applications/new/change_employer/?employer={beijing_employer.pk}"
    )
    found = beijing.get(
        "/en/applications/new/change_employer/",
        {"employer": beijing_employer.pk, "passport_number": "c01x00t47", "nationality": "DEU"},
    )
    assert old.permit_number in flat(found)
    response = beijing.post(
        "/en/applications/new/change_employer/",
        {
            "employer": beijing_employer.pk,
            "passport_number": "C01X00T47",
            "nationality": "DEU",
            "confirm": "1",
        },
    )
    draft = Application.objects.get(kind="change_employer")
    pk = draft.pk
    assert (draft.employer, draft.permit, draft.foreigner) == (
        beijing_employer,
        old,
        old.foreigner,
    )
    assert response["Location"] == step_url(pk, "job")

    post_step(
        beijing,
        pk,
        "job",
        {
            "occupation": "2-02-10-03",
            "job_title": "Senior software engineer",
            "work_region": Region.objects.get(code="110000").pk,
            "annual_salary_cny": "360000",
            "months_in_china_per_year": "12",
            "contract_start": "2026-10-08",
            "contract_end": "2029-10-07",
        },
        "worker",
    )
    keep_prefilled(beijing, pk, "worker", "facts")
    keep_prefilled(beijing, pk, "facts", "documents")
    return Takeover(beijing, pk, old)


def test_a_beijing_employer_takes_the_worker_over_without_resubmitting_documents(
    clock: Clock,
    occupations,
    shanghai_catalog,
    wages,
    sh_acceptance,
    sh_decision,
    beijing_employer,
    beijing_admin,
):
    employer = register_shanghai_employer(sh_acceptance)
    takeover = beijing_takes_over(
        clock, employer, sh_acceptance, sh_decision, beijing_employer, beijing_admin
    )
    old = takeover.old
    documents = takeover.client.get(step_url(takeover.pk, "documents"))

    # The certificates are not needed at a change of employer; the recognition (of the
    # national standard) carries over, and with it its supporting documents.
    not_needed = {row.kind: row.note for row in documents.context["not_needed"]}
    assert not_needed == {
        "experience": f"The recognition of permit {old.permit_number} carries over: its "
        "supporting documents are not sent again.",
        "degree": f"The recognition of permit {old.permit_number} carries over: its "
        "supporting documents are not sent again.",
        "criminal_record": "Not needed at a change of employer.",
        "health": "Not needed at a change of employer.",
        "recognition": f"The recognition of permit {old.permit_number} carries over: its "
        "supporting documents are not sent again.",
    }

    # The passport page and the photo, checked by Shanghai's officers when they accepted
    # and approved the two applications, come with the draft: not sent again.
    rows = {row.kind: row for row in documents.context["rows"]}
    carried = sorted(
        kind for kind, row in rows.items() if any(d.carried_from_id for d in row.documents)
    )
    assert carried == ["passport", "photo"], (
        "carried over from Shanghai",
        carried,
        "the checklist asks",
        {kind: (row.status, len(row.documents)) for kind, row in rows.items()},
    )
    assert "carried over from the earlier application" in flat(documents)
    # What is left to send: the form, the new contract and the release letter.
    uploaded = upload_what_is_required_now(takeover.client, takeover.pk, issued_on=clock.today)
    assert uploaded == ["application_form", "contract", "release"]
    submit(takeover.client, takeover.pk)


def test_beijings_officers_approve_the_takeover_and_the_shanghai_permit_ends_that_day(
    clock: Clock,
    occupations,
    shanghai_catalog,
    wages,
    sh_acceptance,
    sh_decision,
    beijing_employer,
    beijing_admin,
    bj_acceptance,
    bj_decision,
):
    employer = register_shanghai_employer(sh_acceptance)
    takeover = beijing_takes_over(
        clock, employer, sh_acceptance, sh_decision, beijing_employer, beijing_admin
    )
    pk, old = takeover.pk, takeover.old
    # Whatever the checklist asks now is sent (see the test above for what it should be).
    upload_what_is_required_now(takeover.client, pk, issued_on=clock.today)
    application = submit(takeover.client, pk)
    # The recognition carried over from the Shanghai permit: Category B, B-CATALOG.
    assert (application.category, application.route_code) == ("B", "B-CATALOG")
    assert application.assessment["route_status"] == "carried"

    bj_desk = officer(bj_acceptance)
    assert application.number in queue_numbers(bj_desk)
    do(bj_desk, pk, "accept")
    do(officer(bj_decision), pk, "approve")
    application.refresh_from_db()
    assert application.state == S.APPROVED

    new = Permit.objects.get(application=application)
    assert (new.employer, new.region.code, new.previous) == (beijing_employer, "110000", old)
    assert (new.category, new.route_code) == ("B", "B-CATALOG")
    assert new.permit_number == old.permit_number  # the lifelong number
    assert new.valid_from == D(2026, 9, 1)
    old.refresh_from_db()
    assert old.status_on(D(2026, 9, 1)) == Permit.State.TRANSFERRED
    assert old.ended_on == new.valid_from
    page = flat(takeover.client.get(page_url(pk)))
    assert f"<dt>Permit number</dt><dd><code>{new.permit_number}</code></dd>" in page


# --- 7. Beijing's officers and Shanghai's queue ------------------------------------------------


def test_an_officer_in_beijing_never_sees_shanghais_queue(
    clock: Clock,
    occupations,
    shanghai_catalog,
    wages,
    sh_acceptance,
    sh_decision,
    bj_acceptance,
    bj_decision,
):
    employer = register_shanghai_employer(sh_acceptance)
    admin = signed_in(employer.username)
    pk = apply_for_b_engineer(admin, employer.organization)
    number = Application.objects.get(pk=pk).number

    shanghai = officer(sh_acceptance)
    assert queue_numbers(shanghai) == [number]
    for who in (bj_acceptance, bj_decision):
        beijing = officer(who)
        for state in ("", "mine", "open", "submitted"):
            params = {"state": state} if state else {}
            assert queue_numbers(beijing, **params) == [], (who, state)
        assert queue_numbers(beijing, employer=USCC) == []
        assert beijing.get(review_url(pk)).status_code == 404
        assert beijing.post(f"{review_url(pk)}do/accept/").status_code == 404
    assert Application.objects.get(pk=pk).state == S.SUBMITTED
    # Nor are Shanghai's registrations: the company registered there is not in Beijing's
    # registration queue, and its registration is 404.
    registration = Registration.objects.get(uscc=USCC)
    assert registration.number in flat(shanghai.get(REGISTRATION_QUEUE, {"state": "approved"}))
    beijing = officer(bj_acceptance)
    assert registration.number not in flat(beijing.get(REGISTRATION_QUEUE, {"state": "approved"}))
    assert beijing.get(f"/en/review/registrations/{registration.pk}/").status_code == 404
