"""The checks before submission and at the officers' steps, and the document checklist.

Each boundary is pinned: a passport valid exactly 6 months after submission passes and a
day less fails; a certificate issued exactly 6 months before passes and a day earlier
fails; the last place of a Category C quota is taken once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from credit.selectors import Level, Standing
from permits import checks
from permits.documents import checklist
from permits.models import Application, Permit, QuotaAllocation
from permits.problems import Problem
from permits.rules import add_months
from permits.services import applications as services
from tests.permits.conftest import TODAY, WORKER, draft_ready, region

pytestmark = pytest.mark.django_db

K = Application.Kind
OTHER_WORKER = {
    **WORKER,
    "surname": "ROSSI",
    "given_names": "LUCA",
    "sex": "M",
    "date_of_birth": dt.date(1987, 9, 2),
    "nationality": "ITA",
    "passport_number": "YA1234567",
    "passport_country": "ITA",
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def b_draft(clock, employer_admin, employer, shanghai_catalog, wages, foreigner) -> Application:
    return draft_ready(employer_admin, employer)


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


# --- A complete draft -------------------------------------------------------------------------


def test_a_complete_category_b_draft_has_no_problems(b_draft):
    assert checks.submission_problems(b_draft, TODAY) == []


def test_the_preview_assesses_without_saving(b_draft):
    preview = checks.assessment_preview(b_draft, TODAY)

    assert (preview.category, preview.route_code, preview.status) == ("B", "B-DEGREE", "met")
    assert preview.route_source == "national:2025"
    assert preview.assessment is not None
    assert preview.assessment.points.total == 62
    met = [r.code for r in preview.assessment.routes if r.status == "met"]
    assert met == ["B-DEGREE", "B-CATALOG", "B-POINTS"]
    b_draft.refresh_from_db()
    assert (b_draft.category, b_draft.route_code, b_draft.assessment) == ("", "", {})


def test_record_assessment_stores_the_result_with_its_points_lines(b_draft):
    changed = checks.record_assessment(b_draft, TODAY)

    assert changed == ["category", "route_code", "route_source", "assessment", "assessed_on"]
    assert (b_draft.category, b_draft.route_code, b_draft.route_source) == (
        "B",
        "B-DEGREE",
        "national:2025",
    )
    assert b_draft.assessed_on == TODAY
    data = b_draft.assessment
    assert data["route_status"] == "met"
    assert data["points"]["total"] == 62
    assert data["points"]["table_version"] == "2017"
    assert [line["item"] for line in data["points"]["lines"]][:3] == [
        "salary",
        "education",
        "experience",
    ]
    assert sum(line["points"] for line in data["points"]["lines"]) == 62
    assert {r["code"]: r["status"] for r in data["routes"]}["B-CATALOG"] == "met"


def test_the_claimed_route_is_the_one_recorded(b_draft, employer_admin):
    services.draft_update(
        actor=employer_admin, application=b_draft, step="facts", route_code="B-CATALOG"
    )
    b_draft.refresh_from_db()
    checks.record_assessment(b_draft, TODAY)
    assert (b_draft.category, b_draft.route_code) == ("B", "B-CATALOG")


# --- The passport and the age -----------------------------------------------------------------


def test_a_passport_valid_exactly_six_months_after_submission_passes(b_draft):
    b_draft.passport.expiry_date = add_months(TODAY, 6)
    b_draft.passport.save()
    assert checks.submission_problems(b_draft, TODAY) == []


def test_a_passport_valid_a_day_less_is_refused(b_draft):
    b_draft.passport.expiry_date = add_months(TODAY, 6) - dt.timedelta(days=1)
    b_draft.passport.save()
    assert checks.submission_problems(b_draft, TODAY) == [
        Problem(
            "passport_expires_soon",
            "The passport expires on 2026-12-07; it must be valid until at least 2026-12-08 "
            "(6 months after submission). Enter a renewed passport.",
            "passport_expiry_date",
            "worker",
        )
    ]


def test_a_worker_under_18_is_refused(b_draft):
    person = b_draft.foreigner
    person.date_of_birth = dt.date(2008, 6, 9)  # 18 tomorrow
    person.save()
    assert checks.submission_problems(b_draft, TODAY) == [
        Problem(
            "age_under_18",
            "Work permits are for people of 18 and over: the worker is 17.",
            "date_of_birth",
            "worker",
        )
    ]
    person.date_of_birth = dt.date(2008, 6, 8)  # 18 today
    person.save()
    assert "age_under_18" not in codes(checks.submission_problems(b_draft, TODAY))


def test_category_b_routes_stop_at_60(b_draft):
    person = b_draft.foreigner
    person.date_of_birth = dt.date(1965, 6, 8)  # 61 today
    person.save()
    assert checks.submission_problems(b_draft, TODAY) == [
        Problem(
            "age_over_limit",
            "At 61 the worker is over the age limit of 60 of the Category B routes. Choose a "
            "route without the limit, or Category C with its group.",
            "date_of_birth",
            "worker",
        ),
        Problem(
            "no_route",
            "No recognition route of Category A/B is met. Check the facts and the job, or "
            "choose Category C with its group.",
            "category",
            "facts",
        ),
    ]
    person.date_of_birth = dt.date(1966, 6, 9)  # 59
    person.save()
    assert checks.submission_problems(b_draft, TODAY) == []


# --- Documents ------------------------------------------------------------------------------------


def test_a_certificate_issued_exactly_six_months_ago_counts(b_draft):
    b_draft.documents.filter(kind="criminal_record").update(issued_on=add_months(TODAY, -6))
    assert checks.submission_problems(b_draft, TODAY) == []


def test_a_certificate_issued_a_day_earlier_is_too_old(b_draft):
    b_draft.documents.filter(kind="criminal_record").update(
        issued_on=add_months(TODAY, -6) - dt.timedelta(days=1)
    )
    assert checks.submission_problems(b_draft, TODAY) == [
        Problem(
            "document_too_old",
            "The No-criminal-record certificate was issued on 2025-12-07; it counts only when "
            "issued on or after 2025-12-08 (6 months). Add a newer one.",
            "criminal_record",
            "documents",
        )
    ]


def test_missing_documents_are_listed(b_draft):
    b_draft.documents.filter(kind__in=["photo", "health"]).delete()
    assert checks.submission_problems(b_draft, TODAY) == [
        Problem("document_missing", "Add the document: Photograph.", "photo", "documents"),
        Problem(
            "document_missing",
            "Add the document: Health certificate.",
            "health",
            "documents",
        ),
    ]


# --- The checklist -------------------------------------------------------------------------------


def _rows(application: Application, category: str | None = None) -> list[tuple]:
    return [
        (i.kind, i.at_submission, i.at_acceptance, i.at_decision, i.max_age_months)
        for i in checklist(application, TODAY, category=category)
    ]


def test_the_checklist_of_a_category_b_letter(b_draft):
    assert _rows(b_draft, "B") == [
        ("application_form", True, True, True, None),
        ("passport", True, True, True, None),
        ("photo", True, True, True, None),
        ("contract", True, True, True, None),
        ("experience", True, True, True, None),
        ("degree", True, True, True, None),
        ("criminal_record", True, True, True, 6),
        ("health", True, True, True, 6),
        ("recognition", True, True, True, None),
        ("other", False, False, False, None),
    ]


def test_category_a_commitment_replaces_proofs_and_defers_the_rest(b_draft):
    b_draft.category = "A"
    b_draft.commitment_letters = True
    assert _rows(b_draft) == [
        ("application_form", True, True, True, None),
        ("passport", True, True, True, None),
        ("commitment", True, True, True, None),
        ("photo", False, False, True, None),
        ("contract", False, False, True, None),
        ("health", False, False, True, 6),
        ("recognition", False, False, True, None),
        ("other", False, False, False, None),
    ]


def test_category_c_needs_no_recognition_evidence(b_draft):
    assert ("recognition", False, False, False, None) in _rows(b_draft, "C")


@pytest.fixture
def shanghai_permit(life, employer, employer_admin, sh_decision, foreigner) -> Permit:
    return life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)


def _transfer(beijing_admin, beijing_employer, permit) -> Application:
    application = services.draft_create(
        actor=beijing_admin, employer=beijing_employer, kind=K.CHANGE_EMPLOYER, permit=permit
    )
    return services.draft_update(
        actor=beijing_admin,
        application=application,
        step="job",
        occupation="2-02-10-03",
        job_title="Lead engineer",
        work_region="110000",
        annual_salary_cny="400000",
        contract_start=TODAY + dt.timedelta(days=20),
        contract_end=TODAY + dt.timedelta(days=750),
        months_in_china_per_year="12",
    )


def test_a_carried_national_recognition_needs_no_supporting_documents(
    clock, beijing_admin, beijing_employer, shanghai_permit, wages
):
    assert shanghai_permit.basis == Permit.Basis.NATIONAL
    application = _transfer(beijing_admin, beijing_employer, shanghai_permit)

    assert [row[0] for row in _rows(application)] == [
        "application_form",
        "passport",
        "photo",
        "contract",
        "release",
        "other",
    ]
    recognition = checks.recognize(application, TODAY)
    assert (recognition.category, recognition.route_code, recognition.status) == (
        "B",
        "B-CATALOG",
        "carried",
    )
    checks.record_assessment(application, TODAY)
    assert application.assessment["carried"]["permit_number"] == shanghai_permit.permit_number
    assert application.assessment["carried"]["basis"] == "national"


def test_a_regional_recognition_not_valid_in_the_new_province_is_assessed_again(
    clock, beijing_admin, beijing_employer, shanghai_permit, wages
):
    Permit.objects.filter(pk=shanghai_permit.pk).update(
        basis=Permit.Basis.REGIONAL, basis_region=region("310000")
    )
    application = _transfer(beijing_admin, beijing_employer, shanghai_permit)
    application.refresh_from_db()

    assert [row[0] for row in _rows(application)] == [
        "application_form",
        "passport",
        "photo",
        "contract",
        "experience",
        "degree",
        "recognition",
        "release",
        "other",
    ]
    recognition = checks.recognize(application, TODAY)
    assert recognition.status in ("met", "needs_confirmation", "")
    assert recognition.carried_from is None


# --- The recognition ----------------------------------------------------------------------------


def test_no_route_met_is_said(b_draft, employer_admin):
    services.draft_update(
        actor=employer_admin, application=b_draft, step="facts", education="", experience_years=0
    )
    services.draft_update(
        actor=employer_admin, application=b_draft, step="job", annual_salary_cny="60000"
    )
    b_draft.refresh_from_db()
    assert codes(checks.submission_problems(b_draft, TODAY)) == ["no_route"]


def test_a_route_that_needs_an_officer_is_never_passed_silently(
    clock, employer_admin, employer, shanghai_catalog, wages, foreigner, sh_acceptance, sh_decision
):
    application = draft_ready(
        employer_admin, employer, facts={"category": "A", "achievements": ["nobel"]}
    )
    assert checks.submission_problems(application, TODAY) == []
    application = services.application_transition(
        actor=employer_admin, application=application, name="submit"
    )
    assert (application.category, application.route_code) == ("A", "A-ACHIEVEMENT")
    assert application.assessment["route_status"] == "needs_confirmation"
    application = services.application_transition(
        actor=sh_acceptance, application=application, name="accept"
    )

    assert checks.approval_problems(application, TODAY) == [
        Problem(
            "route_needs_confirmation",
            "Confirm the evidence of the route A-ACHIEVEMENT before approving.",
            "route_code",
            "facts",
        )
    ]
    services.route_confirm(actor=sh_decision, application=application, note="Nobel 2019 diploma")
    application.refresh_from_db()
    assert application.route_confirmed_by == sh_decision
    assert checks.approval_problems(application, TODAY) == []


def test_the_catalog_route_needs_an_entry_in_force(b_draft, employer_admin):
    services.draft_update(
        actor=employer_admin, application=b_draft, step="job", occupation="2-02-10-09"
    )
    services.draft_update(
        actor=employer_admin, application=b_draft, step="facts", route_code="B-CATALOG"
    )
    b_draft.refresh_from_db()
    problems = checks.submission_problems(b_draft, TODAY)
    assert problems[0] == Problem(
        "catalog_entry_missing",
        "2-02-10-09 is not listed in a Guidance Catalog of Shanghai in force on 2026-06-08: "
        "choose another route.",
        "occupation",
        "job",
    )
    assert codes(problems) == ["catalog_entry_missing", "route_not_met"]


def test_commitment_letters_need_a_category_a_route(b_draft):
    b_draft.commitment_letters = True
    assert "commitment_only_for_a" in codes(checks.submission_problems(b_draft, TODAY))


# --- The job and the kind ----------------------------------------------------------------------


def test_short_term_work_lasts_at_most_90_days(
    clock, employer_admin, employer, shanghai_catalog, wages, foreigner
):
    start = TODAY + dt.timedelta(days=10)
    application = draft_ready(
        employer_admin,
        employer,
        kind=K.SHORT_TERM,
        job={"contract_start": start, "contract_end": start + dt.timedelta(days=89)},
    )
    assert checks.submission_problems(application, TODAY) == []
    services.draft_update(
        actor=employer_admin,
        application=application,
        step="job",
        contract_end=start + dt.timedelta(days=90),
    )
    application.refresh_from_db()
    assert checks.submission_problems(application, TODAY) == [
        Problem(
            "short_term_too_long",
            "Short-term work lasts at most 90 days; this contract lasts 91. Apply for a "
            "notification letter instead.",
            "contract_end",
            "job",
        )
    ]


def test_a_letter_is_for_work_over_90_days(b_draft, employer_admin):
    start = b_draft.contract_start
    services.draft_update(
        actor=employer_admin,
        application=b_draft,
        step="job",
        contract_end=start + dt.timedelta(days=89),
    )
    b_draft.refresh_from_db()
    assert codes(checks.submission_problems(b_draft, TODAY)) == ["new_too_short"]


def test_missing_fields_name_their_step(clock, employer_admin, employer):
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    problems = checks.submission_problems(application, TODAY)
    assert [(p.field, p.step) for p in problems if p.code == "missing"] == [
        ("passport_number", "worker"),
        ("occupation", "job"),
        ("job_title", "job"),
        ("work_region", "job"),
        ("annual_salary_cny", "job"),
        ("contract_start", "job"),
        ("contract_end", "job"),
        ("months_in_china_per_year", "job"),
    ]


def test_an_extension_outside_its_window_is_refused_with_the_dates(
    clock, employer_admin, employer, shanghai_permit
):
    application = services.draft_create(
        actor=employer_admin, employer=employer, kind=K.EXTENSION, permit=shanghai_permit
    )
    services.draft_update(
        actor=employer_admin,
        application=application,
        step="kind",
        contract_end=shanghai_permit.valid_until + dt.timedelta(days=365),
    )
    application.refresh_from_db()
    problems = checks.submission_problems(application, TODAY)
    assert "extension_outside_window" in codes(problems)
    window = next(p for p in problems if p.code == "extension_outside_window")
    first = shanghai_permit.valid_until - dt.timedelta(days=90)
    assert first.isoformat() in window.message


# --- Quota, standing, one application at a time ----------------------------------------------


def _c_draft(actor, employer, worker=None) -> Application:
    return draft_ready(actor, employer, worker=worker, facts={"category": "C", "c_group": "intern"})


def test_the_last_quota_place_is_taken_once(
    clock, employer_admin, employer, shanghai_catalog, wages, foreigner
):
    QuotaAllocation.objects.create(region=region("310000"), year=2026, places=1)
    first = _c_draft(employer_admin, employer)
    second = _c_draft(employer_admin, employer, worker=OTHER_WORKER)
    assert checks.submission_problems(second, TODAY) == []

    services.application_transition(actor=employer_admin, application=first, name="submit")
    first.refresh_from_db()
    assert (first.category, first.route_code) == ("C", "C-intern")

    assert checks.submission_problems(second, TODAY) == [
        Problem(
            "quota_exhausted",
            "The Category C quota of Shanghai for 2026 is used up (1 places).",
            "category",
            "facts",
        )
    ]
    # The place already taken is not counted against the application holding it.
    assert "quota_exhausted" not in codes(checks.approval_problems(first, TODAY))


def test_without_an_allocation_there_is_no_place(
    clock, employer_admin, employer, shanghai_catalog, wages, foreigner
):
    application = _c_draft(employer_admin, employer)
    assert codes(checks.submission_problems(application, TODAY)) == ["quota_missing"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (K.NEW, ["quota_missing"]),
        (K.SHORT_TERM, ["quota_missing"]),
        (K.CHANGE_EMPLOYER, ["quota_missing"]),
        (K.AFTER_ENTRY, []),
        (K.EXTENSION, []),
        (K.CHANGE, []),
        (K.CANCELLATION, []),
    ],
)
def test_only_the_kinds_that_bring_a_worker_in_take_a_place(kind, expected):
    # Shanghai has no places this year: a cancellation or a change of a Category C permit
    # must still be possible; a new worker is refused.
    application = Application(kind=kind, region=region("310000"))
    assert codes(checks.quota_problems(application, "C", 2026, lock=False)) == expected


def test_a_c_claim_needs_its_group(b_draft, employer_admin):
    services.draft_update(actor=employer_admin, application=b_draft, step="facts", category="C")
    b_draft.refresh_from_db()
    assert codes(checks.submission_problems(b_draft, TODAY)) == ["c_group_missing"]


def test_an_employer_in_dishonest_standing_is_refused(b_draft, monkeypatch):
    from credit import selectors as credit_selectors

    standing = Standing(
        level=Level.DISHONEST, reasons=("illegal employment",), until=dt.date(2027, 1, 31)
    )
    monkeypatch.setattr(credit_selectors, "organization_standing", lambda uscc, on: standing)
    assert checks.submission_problems(b_draft, TODAY) == [
        Problem(
            "employer_dishonest",
            "The employer has a serious dishonesty record (illegal employment) and may not "
            "apply until 2027-01-31.",
            "employer",
            "kind",
        )
    ]


def test_one_open_application_per_worker(
    b_draft, employer_admin, employer, beijing_admin, beijing_employer
):
    services.application_transition(actor=employer_admin, application=b_draft, name="submit")
    again = services.draft_copy(actor=employer_admin, application=b_draft)
    assert checks.submission_problems(again, TODAY) == [
        Problem(
            "worker_has_open_application",
            f"The application {b_draft.number} for this worker is still in progress: finish "
            "or withdraw it first.",
            "passport_number",
            "worker",
        )
    ]
    elsewhere = services.draft_create(actor=beijing_admin, employer=beijing_employer, kind=K.NEW)
    services.draft_update(actor=beijing_admin, application=elsewhere, step="worker", **WORKER)
    elsewhere.refresh_from_db()
    assert Problem(
        "worker_has_open_application",
        "Another application for this worker is in progress.",
        "passport_number",
        "worker",
    ) in checks.submission_problems(elsewhere, TODAY)


def test_salary_facts_feed_the_a_salary_route(
    clock, employer_admin, employer, shanghai_catalog, wages, foreigner
):
    application = draft_ready(
        employer_admin, employer, job={"annual_salary_cny": "1200000"}, facts={"category": "A"}
    )
    recognition = checks.recognize(application, TODAY)
    assert (recognition.category, recognition.route_code, recognition.status) == (
        "A",
        "A-SALARY",
        "met",
    )
    assert recognition.assessment is not None
    salary_route = next(r for r in recognition.assessment.routes if r.code == "A-SALARY")
    assert Decimal(salary_route.figures["needed"]) == Decimal("1151064.00")


def test_a_regional_recognition_travels_where_an_agreement_applies(
    clock, beijing_admin, beijing_employer, shanghai_permit, wages, employer_admin
):
    from talent_standards.models import RecognitionAgreement

    Permit.objects.filter(pk=shanghai_permit.pk).update(
        basis=Permit.Basis.REGIONAL, basis_region=region("310000")
    )
    RecognitionAgreement.objects.create(
        proposer=region("110000"),
        partner=region("310000"),
        state=RecognitionAgreement.State.ACCEPTED,
        effective_from=TODAY - dt.timedelta(days=30),
        proposed_by=employer_admin,
    )
    application = _transfer(beijing_admin, beijing_employer, shanghai_permit)
    application.refresh_from_db()

    recognition = checks.recognize(application, TODAY)
    assert (recognition.status, recognition.carried_from) == ("carried", application.permit)
    assert "experience" not in [row[0] for row in _rows(application)]


# --- Two employers and the last place, at once (PostgreSQL) -----------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submissions_cannot_both_take_the_last_place(
    postgres_only,
    clock,
    employer_admin,
    employer,
    roles,
    shanghai_catalog,
    wages,
    foreigner,
):
    import threading

    from django.db import close_old_connections, connection

    from portal.roles import Role
    from portal.workflow import GuardFailed
    from tests.factories import OrganizationFactory

    QuotaAllocation.objects.create(region=region("310000"), year=2026, places=1)
    other_employer = OrganizationFactory(region=region("310000"))
    other_admin = roles.user(Role.EMPLOYER_ADMIN, organization=other_employer)
    drafts = [
        (employer_admin, _c_draft(employer_admin, employer)),
        (other_admin, _c_draft(other_admin, other_employer, worker=OTHER_WORKER)),
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(actor, application) -> None:
        try:
            barrier.wait(timeout=10)
            services.application_transition(actor=actor, application=application.pk, name="submit")
            result = "submitted"
        except GuardFailed as error:
            result = ",".join(p["code"] for p in error.details["problems"])
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=pair) for pair in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["quota_exhausted", "submitted"]
    assert Application.objects.filter(category="C", state=Application.State.SUBMITTED).count() == 1


# --- Kinds about a letter or a permit -----------------------------------------------------------


def _add_documents(actor, application, day):
    from permits.documents import CERTIFICATES
    from tests.permits.conftest import pdf_upload

    for item in checklist(application, day):
        if item.at_submission:
            services.document_add(
                actor=actor,
                application=application,
                kind=item.kind,
                upload=pdf_upload(),
                issued_on=day - dt.timedelta(days=3) if item.kind in CERTIFICATES else None,
            )


def test_the_work_permit_after_entry_within_15_days(
    clock, life, employer, employer_admin, sh_decision, foreigner
):
    letter = life.letter(employer, employer_admin, sh_decision, foreigner, TODAY)
    clock.set(TODAY + dt.timedelta(days=15))
    application = services.draft_create(
        actor=employer_admin, employer=employer, kind=K.AFTER_ENTRY, letter=letter
    )
    assert codes(checks.submission_problems(application, clock.today)) == [
        "missing",
        "document_missing",
        "document_missing",
        "document_missing",
        "document_missing",
        "document_missing",
        "document_missing",
    ]
    services.draft_update(
        actor=employer_admin, application=application, step="kind", entry_date=TODAY
    )
    _add_documents(employer_admin, application, clock.today)
    application.refresh_from_db()
    assert checks.submission_problems(application, clock.today) == []
    recognition = checks.recognize(application, clock.today)
    assert (recognition.category, recognition.route_code, recognition.status) == (
        "B",
        "B-CATALOG",
        "from_letter",
    )

    late = TODAY + dt.timedelta(days=16)
    assert codes(checks.submission_problems(application, late)) == ["after_entry_too_late"]


def test_a_cancellation_counts_from_the_permits_contract_end(
    clock, employer_admin, employer, shanghai_permit
):
    application = services.draft_create(
        actor=employer_admin, employer=employer, kind=K.CANCELLATION, permit=shanghai_permit
    )
    _add_documents(employer_admin, application, TODAY)
    application.refresh_from_db()
    # The contract (ending 2030-06-30) has not ended: nothing to cancel yet.
    assert codes(checks.submission_problems(application, TODAY)) == ["contract_not_ended"]
    # Ended early, three days ago.
    clock.set(TODAY + dt.timedelta(days=5))
    services.draft_update(
        actor=employer_admin,
        application=application,
        step="kind",
        contract_end=TODAY + dt.timedelta(days=2),
    )
    application.refresh_from_db()
    assert checks.submission_problems(application, clock.today) == []
