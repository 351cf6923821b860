"""The permits API (``/api/v1/applications/``, ``/api/v1/partner/permits/``): who may call
each endpoint, a Category B application in Shanghai from the draft to submission through
the API, every refusal's JSON code (and that nothing changed), information requests
answered item by item, partner lookups by permit number and by passport with their audit
events, pagination and pinned query counts.

Every request is sent with ``Accept-Language: en`` so that error bodies compare exactly.
The clock stands at ``TODAY`` (a Monday) unless a test moves it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from permits.models import Application, Document, InformationItem, Permit
from permits.services import applications as services
from permits.services.registration import power_of_attorney_grant
from portal.models import AuditEvent, Organization, StoredFile, User
from portal.roles import Role
from portal.workflow import TransitionRecord
from tests.factories import RoleHelper
from tests.permits.conftest import PDF, TODAY, WORKER, Life, draft_ready

pytestmark = pytest.mark.django_db

K = Application.Kind
S = Application.State
DAY = dt.timedelta(days=1)
NOT_FOUND = {"code": "not_found", "message": "Not found."}
NOT_SIGNED_IN = {
    "code": "not_authenticated",
    "message": "Authentication credentials were not provided.",
}
NOT_AN_EMPLOYER = {
    "code": "permission_denied",
    "message": "These endpoints are for employers and for service agencies acting for them.",
}
NOT_A_PARTNER = {
    "code": "permission_denied",
    "message": "These endpoints are for the readers of partner agencies.",
}
INVALID = "The request has invalid fields. Correct them and send it again."
APPLICATIONS = "/api/v1/applications/"
WORKER_JSON = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in WORKER.items()}
JOB = {
    "occupation": "2-02-10-03",
    "job_title": "Software engineer",
    "work_region": "310000",
    "annual_salary_cny": "300000",
    "contract_start": (TODAY + 30 * DAY).isoformat(),
    "contract_end": (TODAY + 760 * DAY).isoformat(),
    "months_in_china_per_year": "12",
}
# The catalog route claimed: the occupation is listed in Shanghai's Guidance Catalog.
FACTS = {"education": "bachelor", "experience_years": "5", "route_code": "B-CATALOG"}
CERTIFICATES = ("criminal_record", "health")


# --- Helpers --------------------------------------------------------------------------------------


def api(user: User | None = None, *, token: bool = False) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        if token:
            key = Token.objects.get_or_create(user=user)[0].key
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        else:
            client.force_authenticate(user)
    return client


def body(response: Any) -> Any:
    return json.loads(response.content) if response.content else None


def call(
    user: User | None,
    method: str,
    address: str,
    data: Any = None,
    *,
    status: int,
    format: str = "json",
) -> Any:
    client = api(user)
    if method == "get":
        response = client.get(address, data)
    else:
        response = getattr(client, method)(address, data, format=format)
    assert response.status_code == status, (method, address, response.status_code, body(response))
    return body(response)


def detail(application: Application) -> str:
    return f"{APPLICATIONS}{application.pk}/"


def pdf(name: str = "document.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def snapshot(application: Application) -> dict[str, Any]:
    fresh = Application.objects.get(pk=application.pk)
    return {f.attname: getattr(fresh, f.attname) for f in Application._meta.concrete_fields}


def counts() -> tuple[int, int, int, int, int]:
    return (
        Application.objects.count(),
        Document.objects.count(),
        StoredFile.objects.count(),
        TransitionRecord.objects.count(),
        AuditEvent.objects.count(),
    )


def clock_moment() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def grant(admin: User, employer: Organization, agency: Organization) -> None:
    power_of_attorney_grant(
        actor=admin,
        employer=employer,
        agency=agency,
        valid_from=TODAY,
        valid_until=TODAY + 30 * DAY,
    )


# --- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def staff(roles: RoleHelper, employer: Organization) -> User:
    return roles.user(Role.EMPLOYER_STAFF, organization=employer)


@pytest.fixture
def partner(roles: RoleHelper) -> User:
    return roles.user(Role.PARTNER_READER, region_code="310000")


@pytest.fixture
def draft(clock: Any, employer_admin: User, employer: Organization) -> Application:
    return services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)


@pytest.fixture
def b_draft(
    clock: Any,
    employer_admin: User,
    employer: Organization,
    shanghai_catalog: Any,
    wages: None,
    foreigner: Any,
) -> Application:
    """A complete Category B draft (software engineer in Shanghai, every document)."""
    return draft_ready(employer_admin, employer)


@pytest.fixture
def submitted(b_draft: Application, employer_admin: User) -> Application:
    return services.application_transition(actor=employer_admin, application=b_draft, name="submit")


@pytest.fixture
def asked(submitted: Application, sh_acceptance: User, sh_decision: User) -> Application:
    """Accepted, then asked for two items: the degree's authentication and a text."""
    services.application_transition(actor=sh_acceptance, application=submitted, name="accept")
    return services.application_transition(
        actor=sh_decision,
        application=submitted,
        name="request_information",
        payload={
            "items": [
                {"text": "The authentication of the degree", "document_kind": "degree"},
                {"text": "Explain the gap in 2023", "document_kind": ""},
            ]
        },
        reason="Two points",
    )


@pytest.fixture
def permit(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner: Any
) -> Permit:
    """Anna Mueller's permit at the Shanghai employer, granted on TODAY."""
    return life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)


@pytest.fixture
def callers(
    clock: Any,
    roles: RoleHelper,
    employer: Organization,
    employer_admin: User,
    staff: User,
    beijing_admin: User,
    agency: Organization,
    agent: User,
    sh_acceptance: User,
    sh_decision: User,
    partner: User,
) -> dict[str, User | None]:
    """A user for each column of the matrix. ``agent`` holds a power of attorney from the
    Shanghai employer; ``other_agent`` works for another agency, which holds none."""
    other_agency_agent = roles.user(Role.AGENCY_AGENT)
    grant(employer_admin, employer, agency)
    return {
        "anonymous": None,
        "admin": employer_admin,
        "staff": staff,
        "other_employer": beijing_admin,
        "agent": agent,
        "agent_without_power": other_agency_agent,
        "acceptance_officer": sh_acceptance,
        "decision_officer": sh_decision,
        "partner": partner,
    }


# --- Who may call ---------------------------------------------------------------------------------

# Reads of one application: the employer's people and its agency; 404 for another
# employer (the same as an id that does not exist); 403 for officers and partners, who do
# not use the employer's endpoints; not signed in: 403 (the session authenticates first).
READ_MATRIX = {
    "anonymous": (403, NOT_SIGNED_IN),
    "admin": (200, None),
    "staff": (200, None),
    "other_employer": (404, NOT_FOUND),
    "agent": (200, None),
    "agent_without_power": (404, NOT_FOUND),
    "acceptance_officer": (403, NOT_AN_EMPLOYER),
    "decision_officer": (403, NOT_AN_EMPLOYER),
    "partner": (403, NOT_AN_EMPLOYER),
}


@pytest.mark.parametrize("who", list(READ_MATRIX))
@pytest.mark.parametrize(
    "suffix", ["", "documents/", "checklist/", "problems/", "information-request/"]
)
def test_who_reads_an_application(
    callers: dict[str, User | None], draft: Application, who: str, suffix: str
) -> None:
    status, error = READ_MATRIX[who]
    if suffix == "information-request/" and status == 200:
        status, error = (
            404,
            {
                "code": "no_open_request",
                "message": "The application has no open information request.",
            },
        )

    answer = call(callers[who], "get", detail(draft) + suffix, status=status)

    if error is not None:
        assert answer == error


LIST_MATRIX = {
    "anonymous": (403, None),
    "admin": (200, ["mine"]),
    "staff": (200, ["mine"]),
    "other_employer": (200, ["theirs"]),
    "agent": (200, ["mine"]),
    "agent_without_power": (200, []),
    "acceptance_officer": (403, None),
    "decision_officer": (403, None),
    "partner": (403, None),
}


@pytest.mark.parametrize("who", list(LIST_MATRIX))
def test_who_lists_which_applications(
    callers: dict[str, User | None],
    draft: Application,
    beijing_admin: User,
    beijing_employer: Organization,
    who: str,
) -> None:
    theirs = services.draft_create(actor=beijing_admin, employer=beijing_employer, kind=K.NEW)
    names = {draft.pk: "mine", theirs.pk: "theirs"}
    status, expected = LIST_MATRIX[who]

    answer = call(callers[who], "get", APPLICATIONS, status=status)

    if expected is None:
        assert answer["code"] in {"not_authenticated", "permission_denied"}
    else:
        assert [names[row["id"]] for row in answer["results"]] == expected


# Writes on an application of an employer the caller may not act for: 404, nothing changes.
WRITES = [
    ("patch", "steps/job/", {"job_title": "Boss"}, "json"),
    ("post", "documents/", {"kind": "passport", "file": "PDF"}, "multipart"),
    ("delete", "documents/{document}/", None, "json"),
    ("post", "transitions/", {"transition": "submit"}, "json"),
    ("post", "transitions/", {"transition": "withdraw", "reason": "No"}, "json"),
    ("post", "information-request/items/1/", {"answer": "Yes"}, "json"),
]


@pytest.mark.parametrize("who", ["other_employer", "agent_without_power"])
@pytest.mark.parametrize(("method", "suffix", "data", "format"), WRITES)
def test_writes_on_another_employers_application_are_404_and_change_nothing(
    callers: dict[str, User | None],
    b_draft: Application,
    who: str,
    method: str,
    suffix: str,
    data: Any,
    format: str,
) -> None:
    document = b_draft.documents.first()
    assert document is not None
    if data and data.get("file") == "PDF":
        data = {**data, "file": pdf()}
    before, rows = snapshot(b_draft), counts()
    address = detail(b_draft) + suffix.format(document=document.pk)

    answer = call(callers[who], method, address, data, status=404, format=format)

    assert answer == NOT_FOUND
    assert snapshot(b_draft) == before
    assert counts() == rows


@pytest.mark.parametrize("who", ["acceptance_officer", "decision_officer", "partner"])
@pytest.mark.parametrize(("method", "suffix", "data", "format"), WRITES)
def test_officers_and_partners_do_not_write_through_the_employers_endpoints(
    callers: dict[str, User | None],
    b_draft: Application,
    who: str,
    method: str,
    suffix: str,
    data: Any,
    format: str,
) -> None:
    document = b_draft.documents.first()
    assert document is not None
    if data and data.get("file") == "PDF":
        data = {**data, "file": pdf()}
    before, rows = snapshot(b_draft), counts()
    address = detail(b_draft) + suffix.format(document=document.pk)

    answer = call(callers[who], method, address, data, status=403, format=format)

    assert answer == NOT_AN_EMPLOYER
    assert snapshot(b_draft) == before
    assert counts() == rows


def test_an_unknown_application_is_404(clock: Any, employer_admin: User) -> None:
    assert call(employer_admin, "get", f"{APPLICATIONS}999999/", status=404) == NOT_FOUND


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("admin", 201, None),
        ("staff", 201, None),
        ("agent", 201, None),
        ("other_employer", 403, "permission_denied"),
        ("agent_without_power", 403, "permission_denied"),
        ("acceptance_officer", 403, "permission_denied"),
        ("partner", 403, "permission_denied"),
        ("anonymous", 403, "not_authenticated"),
    ],
)
def test_who_starts_a_draft_for_the_shanghai_employer(
    clock: Any,
    callers: dict[str, User | None],
    employer: Organization,
    agency: Organization,
    who: str,
    status: int,
    code: str | None,
) -> None:
    rows = counts()

    answer = call(
        callers[who], "post", APPLICATIONS, {"kind": "new", "employer": employer.pk}, status=status
    )

    if code is not None:
        assert answer["code"] == code
        assert counts() == rows
        return
    application = Application.objects.get(pk=answer["id"])
    assert (application.employer, application.state, application.kind) == (employer, S.DRAFT, K.NEW)
    assert application.agency == (agency if who == "agent" else None)
    event = AuditEvent.objects.get(action="permits.application.create")
    assert event.actor_id == callers[who].pk  # type: ignore[union-attr]
    if who == "agent":
        assert event.data["acting_for"] == employer.pk
        assert event.data["agency"] == agency.pk


def test_an_extension_starts_from_the_permit_number(
    clock: Any, permit: Permit, employer_admin: User, employer: Organization
) -> None:
    answer = call(
        employer_admin,
        "post",
        APPLICATIONS,
        {"kind": "extension", "permit_number": permit.permit_number},
        status=201,
    )

    assert (answer["kind"], answer["permit_number"]) == ("extension", permit.permit_number)
    assert answer["worker"] == "MUELLER ANNA MARIA"
    assert answer["employer"] == employer.pk


def test_an_unknown_permit_number_is_invalid(clock: Any, employer_admin: User) -> None:
    rows = counts()

    answer = call(
        employer_admin,
        "post",
        APPLICATIONS,
        {"kind": "extension", "permit_number": "310000202699999999"},
        status=400,
    )

    assert answer["fields"] == {"permit_number": ["No permit has this number."]}
    assert counts() == rows


def test_a_kind_about_a_permit_without_one_has_the_services_message(
    clock: Any, employer_admin: User
) -> None:
    answer = call(employer_admin, "post", APPLICATIONS, {"kind": "extension"}, status=400)

    assert answer["fields"] == {"permit": ["Choose the permit this application concerns."]}


def test_a_draft_is_copied_from_an_earlier_application(
    b_draft: Application, employer_admin: User, beijing_admin: User
) -> None:
    copy = call(
        employer_admin, "post", APPLICATIONS, {"kind": "new", "copy_of": b_draft.pk}, status=201
    )

    assert copy["id"] != b_draft.pk
    assert (copy["occupation"], copy["worker"]) == ("2-02-10-03", "MUELLER ANNA MARIA")
    assert len(copy["documents"]) == b_draft.documents.count()
    assert all(not d["verified"] for d in copy["documents"])
    # Not another employer's.
    refused = call(
        beijing_admin, "post", APPLICATIONS, {"kind": "new", "copy_of": b_draft.pk}, status=400
    )
    assert refused["fields"] == {"copy_of": ["No such application of yours."]}


def test_the_employer_is_named_when_the_caller_acts_for_several(
    clock: Any,
    employer_admin: User,
    employer: Organization,
    agency: Organization,
    agent: User,
    beijing_admin: User,
    beijing_employer: Organization,
) -> None:
    grant(employer_admin, employer, agency)
    grant(beijing_admin, beijing_employer, agency)
    rows = counts()

    answer = call(agent, "post", APPLICATIONS, {"kind": "new"}, status=400)

    assert answer["fields"] == {
        "employer": ["Name the employer: you act for more than one, or none."]
    }
    assert counts() == rows
    made = call(
        agent, "post", APPLICATIONS, {"kind": "new", "employer": beijing_employer.pk}, status=201
    )
    assert made["employer"] == beijing_employer.pk


def test_an_agent_loses_sight_when_the_power_ends(
    clock: Any, callers: dict[str, User | None], draft: Application
) -> None:
    agent = callers["agent"]
    assert call(agent, "get", detail(draft), status=200)["id"] == draft.pk

    clock.set(TODAY + 31 * DAY)
    fresh = User.objects.get(pk=agent.pk)  # type: ignore[union-attr]

    assert call(fresh, "get", detail(draft), status=404) == NOT_FOUND
    assert call(fresh, "get", APPLICATIONS, status=200)["results"] == []


def test_a_token_of_an_employer_admin_works(draft: Application, employer_admin: User) -> None:
    response = api(employer_admin, token=True).get(detail(draft))

    assert response.status_code == 200
    assert body(response)["number"] == draft.number


# --- Draft to submission through the API ----------------------------------------------------------


def test_a_category_b_application_in_shanghai_from_draft_to_submission(
    clock: Any,
    employer_admin: User,
    employer: Organization,
    shanghai_catalog: Any,
    wages: None,
) -> None:
    # The admin acts for one employer: it need not be named.
    created = call(employer_admin, "post", APPLICATIONS, {"kind": "new"}, status=201)
    assert created["number"] == "WP-2026-0000001"
    assert (created["state"], created["state_label"], created["kind"]) == ("draft", "Draft", "new")
    assert created["employer"] == employer.pk
    assert created["documents"] == []
    assert created["deadlines"]["due_on"] is None
    address = f"{APPLICATIONS}{created['id']}/"

    job = call(employer_admin, "patch", address + "steps/job/", JOB, status=200)
    assert (job["occupation"], job["region"], job["work_region"]) == (
        "2-02-10-03",
        "310000",
        "310000",
    )
    worker = call(employer_admin, "patch", address + "steps/worker/", WORKER_JSON, status=200)
    assert worker["worker"] == "MUELLER ANNA MARIA"
    assert worker["passport"]["number"] == "C01X00T47"
    facts = call(employer_admin, "patch", address + "steps/facts/", FACTS, status=200)
    assert facts["steps_saved"] == ["job", "worker", "facts"]

    problems = call(employer_admin, "get", address + "problems/", status=200)
    assert problems["ready"] is False
    missing = [p for p in problems["problems"] if p["code"] == "document_missing"]
    assert {p["step"] for p in missing} == {"documents"}

    checklist = call(employer_admin, "get", address + "checklist/", status=200)
    needed = [row["kind"] for row in checklist if row["at_submission"]]
    assert needed == [
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
    assert sorted(p["field"] for p in missing) == sorted(needed)
    assert not any(row["present"] for row in checklist)
    for kind in needed:
        upload: dict[str, Any] = {"kind": kind, "file": pdf(f"{kind}.pdf")}
        if kind in CERTIFICATES:
            upload["issued_on"] = (TODAY - 30 * DAY).isoformat()
        document = call(
            employer_admin, "post", address + "documents/", upload, status=201, format="multipart"
        )
        assert (document["kind"], document["name"], document["content_type"]) == (
            kind,
            f"{kind}.pdf",
            "application/pdf",
        )
    checklist = call(employer_admin, "get", address + "checklist/", status=200)
    assert all(row["present"] for row in checklist if row["at_submission"])
    assert call(employer_admin, "get", address + "problems/", status=200) == {
        "ready": True,
        "problems": [],
    }

    submitted = call(
        employer_admin, "post", address + "transitions/", {"transition": "submit"}, status=200
    )

    assert submitted["state"] == "submitted"
    assert (submitted["category"], submitted["route_code"]) == ("B", "B-CATALOG")
    deadlines = submitted["deadlines"]
    # Five working days to accept, twenty overall (the Dragon Boat Festival, 19 June, is
    # not one).
    assert deadlines == {
        "acceptance_due_on": "2026-06-15",
        "decision_due_on": None,
        "overall_due_on": "2026-07-07",
        "overall_extended": False,
        "paused": False,
        "paused_on": None,
        "paused_working_days": 0,
        "due_on": "2026-06-15",
        "urgency": "on_time",
    }
    application = Application.objects.get(pk=created["id"])
    assert application.state == S.SUBMITTED
    assert application.documents.count() == len(needed)
    actions = list(
        AuditEvent.objects.filter(actor_id=employer_admin.pk)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "permits.application.create",
        "permits.application.update",  # the job
        "permits.worker.create",  # a person not known yet
        "permits.application.update",  # the worker
        "permits.application.update",  # the facts
        *["permits.document.add"] * len(needed),
        "permits.application.submit",
    ]
    assert TransitionRecord.objects.get(target_id=str(application.pk)).transition == "submit"


def test_the_status_and_deadlines_of_a_submitted_application(
    submitted: Application, employer_admin: User
) -> None:
    answer = call(employer_admin, "get", detail(submitted), status=200)

    assert answer["state"] == "submitted"
    assert answer["state_label"] == "Awaiting acceptance"
    assert answer["deadlines"]["acceptance_due_on"] == "2026-06-15"
    assert answer["deadlines"]["due_on"] == "2026-06-15"
    assert answer["submitted_at"] is not None
    assert answer["open_information_request"] is None


def test_an_agent_under_a_power_submits_for_the_employer(
    b_draft: Application,
    employer_admin: User,
    employer: Organization,
    agency: Organization,
    agent: User,
) -> None:
    grant(employer_admin, employer, agency)

    answer = call(
        agent, "post", detail(b_draft) + "transitions/", {"transition": "submit"}, status=200
    )

    assert answer["state"] == "submitted"
    record = TransitionRecord.objects.get(target_id=str(b_draft.pk), transition="submit")
    assert record.actor_id == agent.pk
    assert record.payload == {"agency": agency.pk, "acting_for": employer.pk}


# --- Refusals: each error's code, and nothing changed ---------------------------------------------


def test_bad_values_of_a_step_are_invalid_with_the_services_messages(
    draft: Application, employer_admin: User
) -> None:
    before, rows = snapshot(draft), counts()

    answer = call(
        employer_admin,
        "patch",
        detail(draft) + "steps/job/",
        {"occupation": "9-99", "months_in_china_per_year": "13", "contract_start": "soon"},
        status=400,
    )

    assert answer == {
        "code": "invalid",
        "message": INVALID,
        "fields": {
            "occupation": [
                "Choose a detailed occupation (code D-DD-DD-DD) of the 2022 classification."
            ],
            "months_in_china_per_year": ["Enter a number from 0 to 12."],
            "contract_start": ["Enter a date as YYYY-MM-DD."],
        },
    }
    assert snapshot(draft) == before
    assert counts() == rows


def test_a_field_of_another_step_is_refused(draft: Application, employer_admin: User) -> None:
    before = snapshot(draft)

    answer = call(
        employer_admin, "patch", detail(draft) + "steps/job/", {"education": "master"}, status=400
    )

    assert answer["code"] == "invalid"
    assert answer["fields"] == {"education": ["Not a field of the step “job”."]}
    assert snapshot(draft) == before


def test_the_services_own_arguments_are_no_fields(draft: Application, employer_admin: User) -> None:
    before = snapshot(draft)

    answer = call(
        employer_admin,
        "patch",
        detail(draft) + "steps/job/",
        {"application": 1, "actor": 2, "job_title": "CTO"},
        status=400,
    )

    assert answer["fields"] == {
        "actor": ["Not a field of the step “job”."],
        "application": ["Not a field of the step “job”."],
    }
    assert snapshot(draft) == before


def test_a_step_that_does_not_exist_is_404(draft: Application, employer_admin: User) -> None:
    response = api(employer_admin).patch(detail(draft) + "steps/salary/", {}, format="json")

    assert response.status_code == 404
    assert body(response)["code"] == "not_found"


def test_a_worker_with_a_bad_passport_is_invalid(draft: Application, employer_admin: User) -> None:
    rows = counts()

    answer = call(
        employer_admin,
        "patch",
        detail(draft) + "steps/worker/",
        {**WORKER_JSON, "passport_number": "12", "nationality": "XX"},
        status=400,
    )

    assert answer["code"] == "invalid"
    assert answer["fields"] == {
        "passport_number": ["A passport number has 5 to 20 letters and digits."],
        "nationality": ["Choose a country by its ISO 3166 three-letter code."],
    }
    assert counts() == rows


def test_a_submitted_application_is_not_edited(
    submitted: Application, employer_admin: User
) -> None:
    before, rows = snapshot(submitted), counts()
    document = submitted.documents.first()
    assert document is not None

    step = call(
        employer_admin, "patch", detail(submitted) + "steps/job/", {"job_title": "X"}, status=409
    )
    removal = call(
        employer_admin, "delete", detail(submitted) + f"documents/{document.pk}/", status=409
    )
    problems = call(employer_admin, "get", detail(submitted) + "problems/", status=409)

    assert step == {
        "code": "not_editable",
        "message": "The application is Awaiting acceptance: only drafts and returned "
        "applications change.",
    }
    assert removal == step
    assert problems["code"] == "not_editable"
    assert snapshot(submitted) == before
    assert counts() == rows


@pytest.mark.parametrize(
    ("content", "name", "code", "message"),
    [
        (b"", "empty.pdf", "empty", None),
        (b"<html><script>alert(1)</script></html>", "page.pdf", "unknown_type", None),
        (b"%PDF-1.4\n/JavaScript (x)\n%%EOF\n", "script.pdf", "active_content", None),
        (b"\x89PNG\r\n\x1a\nnot really", "broken.png", "damaged", None),
    ],
)
def test_a_refused_file_answers_with_the_uploads_code_and_stores_nothing(
    draft: Application,
    employer_admin: User,
    content: bytes,
    name: str,
    code: str,
    message: str | None,
) -> None:
    rows = counts()

    answer = call(
        employer_admin,
        "post",
        detail(draft) + "documents/",
        {"kind": "passport", "file": SimpleUploadedFile(name, content)},
        status=400,
        format="multipart",
    )

    assert answer["code"] == code
    assert answer["fields"] == {"file": [answer["message"]]}
    assert counts() == rows


def test_a_file_over_the_limit_is_too_large(
    draft: Application, employer_admin: User, settings: Any
) -> None:
    settings.PORTAL_UPLOAD_MAX_BYTES = 32
    rows = counts()

    answer = call(
        employer_admin,
        "post",
        detail(draft) + "documents/",
        {"kind": "passport", "file": pdf(content=PDF + b" " * 64)},
        status=400,
        format="multipart",
    )

    assert answer["code"] == "too_large"
    assert counts() == rows


def test_a_document_the_application_does_not_need_is_invalid(
    draft: Application, employer_admin: User
) -> None:
    rows = counts()

    answer = call(
        employer_admin,
        "post",
        detail(draft) + "documents/",
        {"kind": "release", "file": pdf()},
        status=400,
        format="multipart",
    )

    assert answer == {
        "code": "invalid",
        "message": INVALID,
        "fields": {"kind": ["This application does not need a document of this kind."]},
    }
    assert counts() == rows


def test_a_certificate_needs_its_date_of_issue(draft: Application, employer_admin: User) -> None:
    rows = counts()

    answer = call(
        employer_admin,
        "post",
        detail(draft) + "documents/",
        {"kind": "health", "file": pdf()},
        status=400,
        format="multipart",
    )

    assert answer["fields"] == {"issued_on": ["Enter the date the certificate was issued."]}
    assert counts() == rows


def test_an_upload_without_a_file_is_invalid(draft: Application, employer_admin: User) -> None:
    answer = call(
        employer_admin,
        "post",
        detail(draft) + "documents/",
        {"kind": "passport"},
        status=400,
        format="multipart",
    )

    assert answer["code"] == "invalid"
    assert list(answer["fields"]) == ["file"]


def test_a_document_is_removed_from_a_draft(b_draft: Application, employer_admin: User) -> None:
    document = b_draft.documents.get(kind="photo")
    before = b_draft.documents.count()

    response = api(employer_admin).delete(detail(b_draft) + f"documents/{document.pk}/")

    assert response.status_code == 204
    assert b_draft.documents.count() == before - 1
    event = AuditEvent.objects.filter(action="permits.document.remove").get()
    assert event.data["kind"] == "photo"
    again = api(employer_admin).delete(detail(b_draft) + f"documents/{document.pk}/")
    assert again.status_code == 404
    assert body(again) == NOT_FOUND


def test_submitting_an_incomplete_draft_lists_the_problems_and_changes_nothing(
    b_draft: Application, employer_admin: User
) -> None:
    b_draft.documents.filter(kind__in=["photo", "health"]).delete()
    before, rows = snapshot(b_draft), counts()

    answer = call(
        employer_admin,
        "post",
        detail(b_draft) + "transitions/",
        {"transition": "submit"},
        status=422,
    )

    assert answer["code"] == "guard_failed"
    assert answer["message"] == "The application cannot be submitted yet: fix what is listed."
    assert [(p["code"], p["field"], p["step"]) for p in answer["details"]["problems"]] == [
        ("document_missing", "photo", "documents"),
        ("document_missing", "health", "documents"),
    ]
    assert snapshot(b_draft) == before
    assert counts() == rows


@pytest.mark.parametrize("name", ["resubmit", "withdraw", "answer_information"])
def test_a_transition_not_open_to_a_draft_is_409(
    b_draft: Application, employer_admin: User, name: str
) -> None:
    before, rows = snapshot(b_draft), counts()

    answer = call(
        employer_admin,
        "post",
        detail(b_draft) + "transitions/",
        {"transition": name, "reason": "Because"},
        status=409,
    )

    assert answer["code"] == "transition_not_allowed"
    assert answer["details"] == {"state": "draft", "transition": name}
    assert snapshot(b_draft) == before
    assert counts() == rows


@pytest.mark.parametrize("name", ["accept", "approve", "reject", "fly"])
def test_an_officers_or_unknown_transition_is_invalid(
    b_draft: Application, employer_admin: User, name: str
) -> None:
    answer = call(
        employer_admin, "post", detail(b_draft) + "transitions/", {"transition": name}, status=400
    )

    assert answer["code"] == "invalid"
    assert list(answer["fields"]) == ["transition"]


def test_withdrawal_needs_a_reason(submitted: Application, employer_admin: User) -> None:
    before, rows = snapshot(submitted), counts()

    answer = call(
        employer_admin,
        "post",
        detail(submitted) + "transitions/",
        {"transition": "withdraw"},
        status=422,
    )

    assert answer == {
        "code": "guard_failed",
        "message": "Give a reason for “Withdraw”.",
        "details": {"field": "reason"},
    }
    assert snapshot(submitted) == before
    assert counts() == rows

    withdrawn = call(
        employer_admin,
        "post",
        detail(submitted) + "transitions/",
        {"transition": "withdraw", "reason": "The candidate declined."},
        status=200,
    )
    assert withdrawn["state"] == "withdrawn"
    assert withdrawn["deadlines"]["due_on"] is None


# --- Information requests -------------------------------------------------------------------------


def test_an_information_request_is_read_answered_item_by_item_and_sent(
    asked: Application, employer_admin: User, clock: Any
) -> None:
    address = detail(asked)
    state = call(employer_admin, "get", address, status=200)
    assert state["state"] == "information_requested"
    assert state["deadlines"]["paused"] is True
    assert state["deadlines"]["paused_on"] == TODAY.isoformat()

    request = call(employer_admin, "get", address + "information-request/", status=200)
    assert request["stage"] == "information"
    assert request["is_open"] is True
    assert [
        (i["position"], i["text"], i["document_kind"], i["answer"]) for i in request["items"]
    ] == [
        (1, "The authentication of the degree", "degree", ""),
        (2, "Explain the gap in 2023", "", ""),
    ]
    assert state["open_information_request"] == request

    # Sending before every item is answered is refused, and says which are open.
    refused = call(
        employer_admin,
        "post",
        address + "transitions/",
        {"transition": "answer_information"},
        status=422,
    )
    assert refused["code"] == "guard_failed"
    assert refused["details"] == {"field": "items", "open_items": [1, 2]}

    first = call(
        employer_admin,
        "post",
        address + "information-request/items/1/",
        {"answer": "Attached", "file": pdf("authentication.pdf")},
        status=200,
        format="multipart",
    )
    assert first["answer"] == "Attached"
    assert first["document"] is not None
    assert Document.objects.get(pk=first["document"]).kind == "degree"
    second = call(
        employer_admin,
        "post",
        address + "information-request/items/2/",
        {"answer": "A sabbatical."},
        status=200,
    )
    assert second["answer"] == "A sabbatical."
    assert (
        call(
            employer_admin,
            "post",
            address + "information-request/items/3/",
            {"answer": "x"},
            status=404,
        )
        == NOT_FOUND
    )

    clock.set(TODAY + 2 * DAY)
    sent = call(
        employer_admin,
        "post",
        address + "transitions/",
        {"transition": "answer_information"},
        status=200,
    )

    assert sent["state"] == "under_review"
    assert sent["deadlines"]["paused"] is False
    assert sent["deadlines"]["paused_working_days"] == 2
    assert sent["open_information_request"] is None
    assert (
        InformationItem.objects.filter(request__application=asked, answered_at__isnull=True).count()
        == 0
    )
    no_request = call(employer_admin, "get", address + "information-request/", status=404)
    assert no_request["code"] == "no_open_request"


def test_a_returned_application_is_corrected_and_resubmitted(
    submitted: Application, employer_admin: User, sh_acceptance: User
) -> None:
    services.application_transition(
        actor=sh_acceptance,
        application=submitted,
        name="return_for_correction",
        payload={"items": [{"text": "A clearer photograph", "document_kind": "photo"}]},
    )
    address = detail(submitted)
    returned = call(employer_admin, "get", address, status=200)
    assert returned["state"] == "returned"
    assert returned["open_information_request"]["stage"] == "correction"
    assert returned["deadlines"]["due_on"] is None  # the officers wait for the employer

    # A returned application is edited like a draft, and the item is answered.
    call(
        employer_admin, "patch", address + "steps/job/", {"job_title": "Lead engineer"}, status=200
    )
    call(
        employer_admin,
        "post",
        address + "information-request/items/1/",
        {"answer": "A new one", "file": pdf("photo.pdf")},
        status=200,
        format="multipart",
    )
    resubmitted = call(
        employer_admin, "post", address + "transitions/", {"transition": "resubmit"}, status=200
    )

    assert resubmitted["state"] == "submitted"
    assert resubmitted["job_title"] == "Lead engineer"
    assert resubmitted["open_information_request"] is None
    assert resubmitted["deadlines"]["acceptance_due_on"] == "2026-06-15"


def test_an_empty_answer_is_invalid(asked: Application, employer_admin: User) -> None:
    rows = counts()

    answer = call(
        employer_admin,
        "post",
        detail(asked) + "information-request/items/2/",
        {"answer": "  "},
        status=400,
    )

    assert answer["fields"] == {"answer": ["Write an answer or attach a document."]}
    assert counts() == rows


def test_a_refused_answer_file_has_the_uploads_code(
    asked: Application, employer_admin: User
) -> None:
    rows = counts()

    answer = call(
        employer_admin,
        "post",
        detail(asked) + "information-request/items/1/",
        {"answer": "", "file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00")},
        status=400,
        format="multipart",
    )

    assert answer["code"] == "unknown_type"
    assert counts() == rows


# --- Lists: filters, pagination, queries ----------------------------------------------------------


def test_the_list_filters_by_state_and_kind(
    submitted: Application, employer_admin: User, employer: Organization
) -> None:
    short = services.draft_create(actor=employer_admin, employer=employer, kind=K.SHORT_TERM)

    by_state = call(employer_admin, "get", APPLICATIONS, {"state": "submitted"}, status=200)
    by_kind = call(employer_admin, "get", APPLICATIONS, {"kind": "short_term"}, status=200)
    by_number = call(employer_admin, "get", APPLICATIONS, {"number": short.number}, status=200)
    bad = call(employer_admin, "get", APPLICATIONS, {"state": "lost"}, status=400)

    assert [row["id"] for row in by_state["results"]] == [submitted.pk]
    assert [row["id"] for row in by_kind["results"]] == [short.pk]
    assert [row["id"] for row in by_number["results"]] == [short.pk]
    assert bad["code"] == "invalid"
    assert list(bad["fields"]) == ["state"]
    row = by_state["results"][0]
    assert row["deadlines"]["due_on"] == "2026-06-15"
    assert row["worker"] == "MUELLER ANNA MARIA"
    assert (row["occupation"], row["category"]) == ("2-02-10-03", "B")
    # A list row is not the detail: no documents, no salary.
    assert "documents" not in row
    assert "annual_salary_cny" not in row


def test_the_list_is_cursor_paginated_last_changed_first(
    clock: Any, employer_admin: User, employer: Organization
) -> None:
    made = [
        services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW) for _ in range(5)
    ]
    # The first draft changes last: it comes first.
    clock.set(TODAY, hour=11)
    services.draft_update(actor=employer_admin, application=made[0], step="job", job_title="CTO")

    first = call(employer_admin, "get", APPLICATIONS, {"page_size": 2}, status=200)
    assert sorted(first) == ["next", "previous", "results"]  # no count
    second = api(employer_admin).get(first["next"])
    third = api(employer_admin).get(body(second)["next"])

    seen = [row["id"] for page in (first, body(second), body(third)) for row in page["results"]]
    assert seen == [made[0].pk, made[4].pk, made[3].pk, made[2].pk, made[1].pk]
    assert body(third)["next"] is None


@pytest.mark.parametrize("rows", [1, 6])
def test_the_list_query_count_does_not_grow(
    django_assert_num_queries: Any,
    clock: Any,
    employer_admin: User,
    employer: Organization,
    rows: int,
) -> None:
    for _ in range(rows):
        services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    client = api(employer_admin, token=True)

    # The token with its user, the roles, the employers acted for (own organizations, then
    # the employers among them), the page with its joins.
    with django_assert_num_queries(5):
        response = client.get(APPLICATIONS)

    assert response.status_code == 200
    assert len(body(response)["results"]) == rows


@pytest.mark.parametrize("rows", [1, 6])
def test_the_list_query_count_with_clocks_running(
    django_assert_num_queries: Any,
    clock: Any,
    employer_admin: User,
    employer: Organization,
    rows: int,
) -> None:
    for _ in range(rows):
        services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    # Submitted, due tomorrow: each row's urgency reads the calendar.
    Application.objects.update(state=S.SUBMITTED, submitted_at=clock_moment(), due_on=TODAY + DAY)
    client = api(employer_admin, token=True)
    client.get(APPLICATIONS)  # the year's calendar is cached once for everyone

    with django_assert_num_queries(5):
        response = client.get(APPLICATIONS)

    assert [row["deadlines"]["urgency"] for row in body(response)["results"]] == (
        ["due_soon"] * rows
    )


@pytest.mark.parametrize("rows", [1, 6])
def test_the_list_query_count_for_an_agent(
    django_assert_num_queries: Any,
    clock: Any,
    employer_admin: User,
    employer: Organization,
    agency: Organization,
    agent: User,
    rows: int,
) -> None:
    grant(employer_admin, employer, agency)
    for _ in range(rows):
        services.draft_create(actor=agent, employer=employer, kind=K.NEW)
    client = api(agent, token=True)

    # As an employer's, plus the powers of attorney in force.
    with django_assert_num_queries(6):
        response = client.get(APPLICATIONS)

    assert response.status_code == 200
    assert len(body(response)["results"]) == rows


def test_the_detail_query_count(
    django_assert_num_queries: Any, asked: Application, employer_admin: User
) -> None:
    client = api(employer_admin, token=True)

    # The token with its user, the roles, the application with its parts (the row and its
    # joins, documents, requests, items, reasons), the employers acted for (2), and the
    # labour-market test's vacancy (one row by its unique key).
    with django_assert_num_queries(10):
        response = client.get(detail(asked))

    assert response.status_code == 200
    assert len(body(response)["documents"]) == asked.documents.count()


# --- Partner agencies -----------------------------------------------------------------------------


def partner_body(permit: Permit, on: dt.date, status: str = "active") -> dict[str, Any]:
    labels = {"active": "Valid", "expired": "Expired", "revoked": "Revoked"}
    return {
        "permit_number": permit.permit_number,
        "status": status,
        "status_label": labels[status],
        "valid": status == "active",
        "category": "B",
        "valid_from": permit.valid_from.isoformat(),
        "valid_until": permit.valid_until.isoformat(),
        "ended_on": None,
        "employer": {"name": permit.employer.name, "uscc": permit.employer.uscc},
        "province": "310000",
        "on": on.isoformat(),
    }


def test_a_partner_reads_a_permit_by_its_number_and_the_lookup_is_audited(
    clock: Any, permit: Permit, partner: User
) -> None:
    answer = call(partner, "get", f"/api/v1/partner/permits/{permit.permit_number}/", status=200)

    assert answer == partner_body(permit, TODAY)
    event = AuditEvent.objects.get(action="permits.partner.permit_lookup")
    assert event.actor_id == partner.pk
    assert event.organization_id_at_time == partner.organization_id
    assert (event.target_model, event.target_id) == ("permits.permit", str(permit.pk))
    assert event.data == {
        "by": "permit_number",
        "permit_number": permit.permit_number,
        "on": TODAY.isoformat(),
        "found": True,
    }


def test_a_partner_reads_a_permit_by_passport_and_nationality(
    clock: Any, permit: Permit, partner: User
) -> None:
    answer = call(
        partner,
        "get",
        "/api/v1/partner/permits/by-passport/",
        {"passport_number": "c01x00t47", "nationality": "deu"},
        status=200,
    )

    assert answer == partner_body(permit, TODAY)
    event = AuditEvent.objects.get(action="permits.partner.permit_lookup")
    assert event.actor_id == partner.pk
    assert event.target_id == str(permit.pk)
    assert event.data == {
        "by": "passport",
        "passport_number": "C01X00T47",
        "nationality": "DEU",
        "on": TODAY.isoformat(),
        "found": True,
    }


def test_the_partner_body_tells_nothing_more(clock: Any, permit: Permit, partner: User) -> None:
    answer = call(partner, "get", f"/api/v1/partner/permits/{permit.permit_number}/", status=200)

    text = json.dumps(answer, ensure_ascii=False)
    assert "salary" not in text
    assert "address" not in text
    assert "MUELLER" not in text
    assert "C01X00T47" not in text
    assert str(permit.annual_salary_cny) not in text


def test_a_permit_reads_expired_on_a_date_after_its_end(
    clock: Any, permit: Permit, partner: User
) -> None:
    after = permit.valid_until + DAY

    answer = call(
        partner,
        "get",
        f"/api/v1/partner/permits/{permit.permit_number}/",
        {"on": after.isoformat()},
        status=200,
    )

    assert answer == partner_body(permit, after, "expired")


@pytest.mark.parametrize(
    ("address", "params", "data"),
    [
        (
            "/api/v1/partner/permits/310000202699999999/",
            {},
            {"by": "permit_number", "permit_number": "310000202699999999"},
        ),
        (
            "/api/v1/partner/permits/by-passport/",
            {"passport_number": "C01X00T47", "nationality": "FRA"},
            {"by": "passport", "passport_number": "C01X00T47", "nationality": "FRA"},
        ),
    ],
)
def test_nothing_matches_is_404_and_audited_too(
    clock: Any,
    permit: Permit,
    partner: User,
    address: str,
    params: dict[str, str],
    data: dict[str, Any],
) -> None:
    answer = call(partner, "get", address, params, status=404)

    assert answer == {"code": "permit_not_found", "message": "No permit matches."}
    event = AuditEvent.objects.get(action="permits.partner.permit_lookup")
    assert event.actor_id == partner.pk
    assert event.target_id == ""
    assert event.data == {**data, "on": TODAY.isoformat(), "found": False}


def test_a_bad_passport_query_is_invalid_and_not_audited(clock: Any, partner: User) -> None:
    answer = call(
        partner,
        "get",
        "/api/v1/partner/permits/by-passport/",
        {"passport_number": "C01X00T47", "nationality": "DE"},
        status=400,
    )

    assert answer["code"] == "invalid"
    assert list(answer["fields"]) == ["nationality"]
    assert not AuditEvent.objects.filter(action="permits.partner.permit_lookup").exists()


@pytest.mark.parametrize(
    ("who", "status", "error"),
    [
        ("anonymous", 403, NOT_SIGNED_IN),
        ("admin", 403, NOT_A_PARTNER),
        ("agent", 403, NOT_A_PARTNER),
        ("acceptance_officer", 403, NOT_A_PARTNER),
        ("decision_officer", 403, NOT_A_PARTNER),
        ("partner", 200, None),
    ],
)
@pytest.mark.parametrize("by", ["number", "passport"])
def test_who_looks_permits_up(
    callers: dict[str, User | None], permit: Permit, who: str, status: int, error: Any, by: str
) -> None:
    if by == "number":
        address, params = f"/api/v1/partner/permits/{permit.permit_number}/", {}
    else:
        address = "/api/v1/partner/permits/by-passport/"
        params = {"passport_number": "C01X00T47", "nationality": "DEU"}

    answer = call(callers[who], "get", address, params, status=status)

    if error is not None:
        assert answer == error
        assert not AuditEvent.objects.filter(action="permits.partner.permit_lookup").exists()


def test_a_partners_token_reads_and_never_writes(clock: Any, permit: Permit, partner: User) -> None:
    client = api(partner, token=True)
    address = f"/api/v1/partner/permits/{permit.permit_number}/"

    assert client.get(address).status_code == 200
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(address, {}, format="json")
        assert response.status_code == 403, method
        assert body(response) == NOT_A_PARTNER
    assert AuditEvent.objects.filter(action="permits.partner.permit_lookup").count() == 1
    Permit.objects.get(pk=permit.pk)


def test_a_wrong_token_is_refused(clock: Any, permit: Permit, partner: User) -> None:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = client.get(f"/api/v1/partner/permits/{permit.permit_number}/")

    assert response.status_code == 403
    assert body(response) == {"code": "authentication_failed", "message": "Invalid token."}


def test_the_partner_lookup_query_count(
    django_assert_num_queries: Any, clock: Any, permit: Permit, partner: User
) -> None:
    client = api(partner, token=True)

    # The token with its user, the partner's regions, the permit with its employer and
    # province, the audit event in its savepoint (head, head, event, head: 6 with it).
    with django_assert_num_queries(9):
        response = client.get(f"/api/v1/partner/permits/{permit.permit_number}/")

    assert response.status_code == 200


# --- The schema -----------------------------------------------------------------------------------


def test_the_schema_documents_the_permits_endpoints() -> None:
    response = api().get("/api/schema/?format=json")
    paths = body(response)["paths"]

    assert sorted(
        p for p in paths if "/applications/" in p or ("/partner/" in p and "/credit/" not in p)
    ) == [
        "/api/v1/applications/",
        "/api/v1/applications/{id}/",
        "/api/v1/applications/{id}/checklist/",
        "/api/v1/applications/{id}/documents/",
        "/api/v1/applications/{id}/documents/{document_id}/",
        "/api/v1/applications/{id}/information-request/",
        "/api/v1/applications/{id}/information-request/items/{position}/",
        "/api/v1/applications/{id}/problems/",
        "/api/v1/applications/{id}/steps/{step}/",
        "/api/v1/applications/{id}/transitions/",
        "/api/v1/partner/permits/by-passport/",
        "/api/v1/partner/permits/{permit_number}/",
        "/api/v1/partner/verify/",
    ]
    upload = paths["/api/v1/applications/{id}/documents/"]["post"]
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
    transition = paths["/api/v1/applications/{id}/transitions/"]["post"]
    assert sorted(transition["responses"]) == ["200", "400", "401", "403", "404", "409", "422"]
    lookup = paths["/api/v1/partner/permits/by-passport/"]["get"]
    assert sorted(p["name"] for p in lookup["parameters"]) == [
        "nationality",
        "on",
        "passport_number",
    ]
    verify = paths["/api/v1/partner/verify/"]["get"]
    assert sorted(p["name"] for p in verify["parameters"]) == ["on", "payload", "permit_number"]
    assert sorted(verify["responses"]) == ["200", "400", "401", "403"]


def test_a_draft_is_discarded_and_a_submitted_application_is_not(
    b_draft: Application, employer_admin: User, beijing_admin: User
) -> None:
    assert api(beijing_admin).delete(detail(b_draft)).status_code == 404
    assert Application.objects.filter(pk=b_draft.pk).exists()

    other = services.draft_copy(actor=employer_admin, application=b_draft)
    services.application_transition(actor=employer_admin, application=b_draft, name="submit")
    refused = api(employer_admin).delete(detail(b_draft))
    assert refused.status_code == 409
    assert body(refused)["code"] == "not_a_draft"
    assert Application.objects.get(pk=b_draft.pk).state == Application.State.SUBMITTED

    response = api(employer_admin).delete(detail(other))
    assert response.status_code == 204
    assert not Application.objects.filter(pk=other.pk).exists()
    assert AuditEvent.objects.filter(action="permits.application.discard").count() == 1
