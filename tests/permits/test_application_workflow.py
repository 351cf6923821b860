"""The application's workflow through ``application_transition``: submission, correction,
refusal, acceptance, information requests answered item by item (the clock pauses and
resumes, across a holiday), the one extension of the time limit, withdrawal; Category A
with commitment letters accepted with documents missing; an agent's act for the employer;
who may not act (nothing changes); two officers accepting at once (PostgreSQL).

The clock stands at Monday 8 June 2026; the Dragon Boat Festival (Friday 19 June 2026) is
an official holiday in the calendar."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.utils import timezone, translation

from permits import checks
from permits.models import Application, InformationRequest, PowerOfAttorney
from permits.selectors import applications as selectors
from permits.services import applications as services
from portal.models import AuditEvent, TransitionRecord
from portal.services import PermissionDeniedError
from portal.workdays import is_working_day
from portal.workflow import GuardFailed, TransitionNotAllowed, TransitionPermissionDenied
from tests.permits.conftest import TODAY, draft_ready, pdf_upload

pytestmark = pytest.mark.django_db

S = Application.State
D = dt.date


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def b_draft(clock, employer_admin, employer, shanghai_catalog, wages, foreigner) -> Application:
    return draft_ready(employer_admin, employer)


def run(actor, application, name, **kwargs) -> Application:
    return services.application_transition(
        actor=actor, application=application, name=name, **kwargs
    )


def state_of(application: Application) -> tuple:
    application.refresh_from_db()
    return (
        application.state,
        application.due_on,
        application.decision_due_on,
        application.overall_due_on,
        application.paused_on,
        TransitionRecord.objects.filter(target_id=str(application.pk)).count(),
        InformationRequest.objects.filter(application=application).count(),
    )


ITEMS = {
    "message": "Two things are missing.",
    "items": [
        {"text": "The degree certificate, apostilled.", "document_kind": "degree"},
        {"text": "Explain the gap in employment in 2020."},
    ],
}


# --- Submission ---------------------------------------------------------------------------------


def test_submit_starts_the_clocks_and_records_the_assessment(b_draft, employer_admin):
    application = run(employer_admin, b_draft, "submit")

    assert application.state == S.SUBMITTED
    assert application.submitted_at == timezone.now()
    assert application.acceptance_due_on == D(2026, 6, 15)
    assert application.overall_due_on == D(2026, 7, 7)
    assert application.due_on == D(2026, 6, 15)
    assert (application.category, application.route_code) == ("B", "B-DEGREE")
    assert application.assessed_on == TODAY
    assert application.assessment["points"]["total"] == 62
    record = TransitionRecord.objects.get(target_id=str(application.pk))
    assert (record.transition, record.from_state, record.to_state) == (
        "submit",
        "draft",
        "submitted",
    )
    assert record.actor == employer_admin


def test_a_provinces_category_specific_limits_apply_at_submission(b_draft, employer_admin):
    """Acceptance and overall limits are data per province and category too: a Shanghai
    rule for Category B (acceptance in 3 working days, overall 15) wins over the national
    defaults (5 and 20)."""
    from permits.models import ClockRule

    shanghai = b_draft.region
    ClockRule.objects.create(stage="acceptance", region=shanghai, category="B", working_days=3)
    ClockRule.objects.create(stage="overall", region=shanghai, category="B", working_days=15)
    application = run(employer_admin, b_draft, "submit")
    # Monday 8 June 2026: 3 working days end on Thursday 11 June; 15 (the Dragon Boat
    # Festival on Friday 19 June not counted) on Tuesday 30 June.
    assert application.category == "B"
    assert (application.acceptance_due_on, application.overall_due_on) == (
        D(2026, 6, 11),
        D(2026, 6, 30),
    )


def test_submission_with_problems_changes_nothing(b_draft, employer_admin):
    b_draft.documents.filter(kind="photo").delete()
    before = state_of(b_draft)

    with pytest.raises(GuardFailed) as excinfo:
        run(employer_admin, b_draft, "submit")

    assert excinfo.value.details["problems"] == [
        {
            "code": "document_missing",
            "message": "Add the document: Photograph.",
            "field": "photo",
            "step": "documents",
        }
    ]
    assert state_of(b_draft) == before
    b_draft.refresh_from_db()
    assert (b_draft.submitted_at, b_draft.category, b_draft.assessment) == (None, "", {})


def test_another_employers_user_cannot_submit(b_draft, beijing_admin):
    before = state_of(b_draft)
    with pytest.raises(TransitionPermissionDenied):
        run(beijing_admin, b_draft, "submit")
    assert state_of(b_draft) == before


def test_an_agent_submits_and_the_audit_shows_the_agent_for_the_employer(
    clock, agent, agency, employer, employer_admin, shanghai_catalog, wages, foreigner
):
    PowerOfAttorney.objects.create(
        employer=employer,
        agency=agency,
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=365),
        granted_by=employer_admin,
        granted_at=timezone.now(),
    )
    application = draft_ready(agent, employer)
    assert application.agency == agency

    application = run(agent, application, "submit")

    assert application.state == S.SUBMITTED
    record = TransitionRecord.objects.get(target_id=str(application.pk), transition="submit")
    assert record.actor == agent
    assert record.payload == {"agency": agency.pk, "acting_for": employer.pk}
    event = AuditEvent.objects.get(action="permits.application.submit")
    assert event.actor_id == agent.pk
    assert event.organization_id_at_time == agency.pk
    assert event.data["payload"] == {"agency": agency.pk, "acting_for": employer.pk}


# --- Acceptance ------------------------------------------------------------------------------


def test_return_for_correction_then_resubmit(b_draft, employer_admin, sh_acceptance, clock):
    run(employer_admin, b_draft, "submit")
    clock.set(D(2026, 6, 9))

    returned = run(
        sh_acceptance,
        b_draft,
        "return_for_correction",
        payload={"items": [{"text": "The photo is blurred.", "document_kind": "photo"}]},
    )

    assert returned.state == S.RETURNED
    assert returned.due_on is None
    request = InformationRequest.objects.get(application=b_draft)
    assert request.stage == InformationRequest.Stage.CORRECTION
    item = request.items.get()
    assert (item.position, item.text, item.document_kind) == (1, "The photo is blurred.", "photo")

    # The employer corrects: a new photo as the item's answer, and a field of the form.
    clock.set(D(2026, 6, 10))
    services.information_answer(
        actor=employer_admin, item=item, text="A sharper photo.", upload=pdf_upload("photo.pdf")
    )
    services.draft_update(
        actor=employer_admin, application=b_draft, step="job", job_title="Senior engineer"
    )
    item.refresh_from_db()
    assert item.document.kind == "photo"
    assert item.answered_at is not None

    again = run(employer_admin, b_draft, "resubmit")

    assert again.state == S.SUBMITTED
    assert again.job_title == "Senior engineer"
    assert again.acceptance_due_on == D(2026, 6, 17)  # 5 working days from 10 June
    request.refresh_from_db()
    assert request.answered_at is not None
    assert request.answered_by == employer_admin


def test_return_needs_items_and_changes_nothing_without(b_draft, employer_admin, sh_acceptance):
    run(employer_admin, b_draft, "submit")
    before = state_of(b_draft)
    with pytest.raises(GuardFailed) as excinfo:
        run(sh_acceptance, b_draft, "return_for_correction", payload={"items": []})
    assert excinfo.value.message == "List at least one item the employer must correct or supply."
    assert state_of(b_draft) == before


def test_refuse_acceptance_with_reasons(b_draft, employer_admin, sh_acceptance):
    run(employer_admin, b_draft, "submit")
    before = state_of(b_draft)
    with pytest.raises(GuardFailed):
        run(sh_acceptance, b_draft, "refuse_acceptance", reason="Incomplete.")
    assert state_of(b_draft) == before

    refused = run(
        sh_acceptance,
        b_draft,
        "refuse_acceptance",
        reason="Incomplete after correction.",
        payload={
            "reasons": ["ACC-INCOMPLETE"],
            "text_zh": "材料不齐全。",
            "text_en": "The documents are incomplete.",
        },
    )

    assert refused.state == S.NOT_ACCEPTED
    assert refused.decided_at == timezone.now()
    assert refused.due_on is None
    assert [r.code for r in refused.decision_reasons.all()] == ["ACC-INCOMPLETE"]
    assert (refused.decision_text_zh, refused.decision_text_en) == (
        "材料不齐全。",
        "The documents are incomplete.",
    )


def test_accept_starts_the_decision_clock(b_draft, employer_admin, sh_acceptance, clock):
    run(employer_admin, b_draft, "submit")
    clock.set(D(2026, 6, 9))

    accepted = run(sh_acceptance, b_draft, "accept")

    assert accepted.state == S.UNDER_REVIEW
    assert accepted.accepted_at == timezone.now()
    assert accepted.decision_due_on == D(2026, 6, 24)  # 10 working days, 19 June a holiday
    assert accepted.due_on == D(2026, 6, 24)


def test_another_provinces_officer_cannot_accept(b_draft, employer_admin, bj_acceptance):
    run(employer_admin, b_draft, "submit")
    before = state_of(b_draft)
    with pytest.raises(TransitionPermissionDenied):
        run(bj_acceptance, b_draft, "accept")
    assert state_of(b_draft) == before


def test_an_employer_cannot_accept_its_own_application(b_draft, employer_admin):
    run(employer_admin, b_draft, "submit")
    before = state_of(b_draft)
    with pytest.raises(TransitionPermissionDenied):
        run(employer_admin, b_draft, "accept")
    assert state_of(b_draft) == before


def test_category_a_with_commitment_letters_is_accepted_with_documents_missing(
    clock, employer_admin, employer, shanghai_catalog, wages, foreigner, sh_acceptance
):
    application = draft_ready(
        employer_admin,
        employer,
        job={"annual_salary_cny": "1200000"},
        facts={"category": "A", "commitment_letters": True},
    )
    assert sorted(application.documents.values_list("kind", flat=True)) == [
        "application_form",
        "commitment",
        "passport",
    ]

    application = run(employer_admin, application, "submit")
    assert (application.category, application.route_code) == ("A", "A-SALARY")
    application = run(sh_acceptance, application, "accept")

    assert application.state == S.UNDER_REVIEW
    assert application.decision_due_on == D(2026, 6, 15)  # Category A: 5 working days
    # Before the decision the rest is supplied (容缺受理): approval waits for it.
    assert [(p.code, p.field) for p in checks.approval_problems(application, TODAY)] == [
        ("document_missing", "photo"),
        ("document_missing", "contract"),
        ("document_missing", "health"),
        ("document_missing", "recognition"),
    ]


def test_without_commitment_letters_missing_documents_block_acceptance(
    b_draft, employer_admin, sh_acceptance
):
    run(employer_admin, b_draft, "submit")
    b_draft.documents.filter(kind="contract").delete()
    before = state_of(b_draft)
    with pytest.raises(GuardFailed) as excinfo:
        run(sh_acceptance, b_draft, "accept")
    assert [p["code"] for p in excinfo.value.details["problems"]] == ["document_missing"]
    assert state_of(b_draft) == before


# --- Review: information, extension, withdrawal -----------------------------------------------


@pytest.fixture
def under_review(b_draft, employer_admin, sh_acceptance, clock) -> Application:
    run(employer_admin, b_draft, "submit")
    clock.set(D(2026, 6, 9))
    return run(sh_acceptance, b_draft, "accept")


def test_information_pauses_the_clock_and_answers_resume_it_across_a_holiday(
    under_review, employer_admin, sh_decision, clock
):
    assert is_working_day(D(2026, 6, 19)) is False  # Dragon Boat Festival
    clock.set(D(2026, 6, 10))

    paused = run(sh_decision, under_review, "request_information", payload=ITEMS)

    assert paused.state == S.INFORMATION_REQUESTED
    assert paused.paused_on == D(2026, 6, 10)
    request = InformationRequest.objects.get(application=under_review)
    first, second = request.items.order_by("position")
    assert open_items(under_review) == [1, 2]

    # Item by item: the first on 17 June, the second on 22 June.
    clock.set(D(2026, 6, 17))
    services.information_answer(
        actor=employer_admin, item=first, upload=pdf_upload("degree.pdf"), text=""
    )
    with pytest.raises(GuardFailed) as excinfo:
        run(employer_admin, under_review, "answer_information")
    assert excinfo.value.details["open_items"] == [2]
    assert under_review.__class__.objects.get(pk=under_review.pk).state == S.INFORMATION_REQUESTED

    clock.set(D(2026, 6, 22))
    services.information_answer(
        actor=employer_admin, item=second, text="Parental leave from March to October 2020."
    )
    resumed = run(employer_admin, under_review, "answer_information")

    # 11, 12, 15, 16, 17, 18 and 22 June: 7 working days paused (19 June is a holiday).
    assert resumed.state == S.UNDER_REVIEW
    assert resumed.paused_on is None
    assert resumed.paused_working_days == 7
    assert resumed.decision_due_on == D(2026, 7, 3)  # 24 June + 7 working days
    assert resumed.overall_due_on == D(2026, 7, 16)  # 7 July + 7 working days
    assert resumed.due_on == D(2026, 7, 3)
    request.refresh_from_db()
    assert request.answered_by == employer_admin
    first.refresh_from_db()
    assert first.document.kind == "degree"


def open_items(application: Application) -> list[int]:
    return [item.position for item in selectors.open_information_items(application)]


def test_an_item_is_answered_only_while_its_request_is_open(
    under_review, employer_admin, sh_decision, beijing_admin
):
    run(sh_decision, under_review, "request_information", payload=ITEMS)
    item = InformationRequest.objects.get(application=under_review).items.get(position=2)
    with pytest.raises(PermissionDeniedError):
        services.information_answer(actor=beijing_admin, item=item, text="Nothing")
    with pytest.raises(ValidationError) as empty:
        services.information_answer(actor=employer_admin, item=item, text="  ")
    assert empty.value.message_dict == {"answer": ["Write an answer or attach a document."]}
    item.refresh_from_db()
    assert (item.answer, item.answered_at) == ("", None)


def test_the_time_limit_is_extended_once(under_review, sh_decision, employer_admin):
    with pytest.raises(GuardFailed):
        run(sh_decision, under_review, "extend_time_limit")  # a reason is required
    extended = run(sh_decision, under_review, "extend_time_limit", reason="Expert opinion.")

    assert extended.overall_extended is True
    assert extended.decision_due_on == D(2026, 7, 8)  # 24 June + 10 working days
    assert extended.overall_due_on == D(2026, 7, 21)  # 7 July + 10 working days
    before = state_of(under_review)
    with pytest.raises(GuardFailed) as excinfo:
        run(sh_decision, under_review, "extend_time_limit", reason="Again.")
    assert excinfo.value.message == "The time limit has already been extended once."
    assert state_of(under_review) == before
    with pytest.raises(TransitionPermissionDenied):
        run(employer_admin, under_review, "extend_time_limit", reason="Please.")


def test_withdraw_closes_the_application_and_its_request(under_review, employer_admin, sh_decision):
    run(sh_decision, under_review, "request_information", payload=ITEMS)

    withdrawn = run(employer_admin, under_review, "withdraw", reason="The worker declined.")

    assert withdrawn.state == S.WITHDRAWN
    assert (withdrawn.due_on, withdrawn.paused_on) == (None, None)
    assert InformationRequest.objects.get(application=under_review).answered_at is not None
    with pytest.raises(TransitionNotAllowed):
        run(employer_admin, under_review, "withdraw", reason="Again.")


def test_another_provinces_decision_officer_cannot_request_information(under_review, bj_decision):
    before = state_of(under_review)
    with pytest.raises(TransitionPermissionDenied):
        run(bj_decision, under_review, "request_information", payload=ITEMS)
    assert state_of(under_review) == before


# --- Reads -------------------------------------------------------------------------------------


def test_the_application_page_reads_in_a_fixed_number_of_queries(
    under_review, employer_admin, sh_decision, django_assert_num_queries
):
    run(sh_decision, under_review, "request_information", payload=ITEMS)
    with django_assert_num_queries(5):
        application = selectors.application_page(under_review.pk)
        assert application is not None
        documents = [d.file.original_name for d in application.documents.all()]
        items = [i.text for r in application.information_requests.all() for i in r.items.all()]
        names = (application.employer.name, application.foreigner.latin_name)
    assert len(documents) == 9
    assert len(items) == 2
    assert names[1] == "MUELLER ANNA MARIA"


def test_an_employers_list_shows_only_what_the_user_may_act_for(
    b_draft, employer_admin, beijing_admin, beijing_employer, sh_acceptance
):
    theirs = services.draft_create(actor=beijing_admin, employer=beijing_employer, kind="new")
    assert list(selectors.employer_applications(employer_admin)) == [b_draft]
    assert list(selectors.employer_applications(beijing_admin)) == [theirs]
    assert (
        list(selectors.employer_applications(employer_admin, employer_ids=[theirs.employer_id]))
        == []
    )
    assert list(selectors.employer_applications(sh_acceptance)) == []
    assert selectors.application_for_user(beijing_admin, b_draft.pk) is None
    assert selectors.application_for_user(employer_admin, b_draft.pk) == b_draft


# --- Two officers at once ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_accepting_at_once_leave_one_transition(
    postgres_only, clock, roles, employer_admin, employer, shanghai_catalog, wages, foreigner
):
    application = draft_ready(employer_admin, employer)
    run(employer_admin, application, "submit")
    from portal.roles import Role

    officers = [roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000") for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(officer) -> None:
        try:
            barrier.wait(timeout=10)
            run(officer, application.pk, "accept")
            result = "applied"
        except TransitionNotAllowed:
            result = "refused"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["applied", "refused"]
    assert (
        TransitionRecord.objects.filter(target_id=str(application.pk), transition="accept").count()
        == 1
    )
    application.refresh_from_db()
    assert application.state == S.UNDER_REVIEW


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_deciding_at_once_one_wins_and_nothing_is_doubled(
    postgres_only, clock, roles, employer_admin, employer, shanghai_catalog, wages, foreigner
):
    """One decision officer approves while another rejects the same application: exactly
    one decision stands, and at most one letter exists."""
    from permits.models import NotificationLetter
    from portal.roles import Role

    application = draft_ready(
        employer_admin, employer, facts={"category": "B", "route_code": "B-DEGREE"}
    )
    run(employer_admin, application, "submit")
    run(roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000"), application, "accept")
    # Both decisions are possible on their own: only the race decides.
    assert checks.approval_problems(Application.objects.get(pk=application.pk), clock.today) == []
    officers = [roles.user(Role.DECISION_OFFICER, region_code="310000") for _ in range(2)]
    decisions = [
        ("approve", {}),
        ("reject", {"reason": "Not qualified", "payload": {"reasons": ["DEC-STANDARD"]}}),
    ]
    barrier = threading.Barrier(2)
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def attempt(officer, name, extra) -> None:
        try:
            barrier.wait(timeout=10)
            run(officer, application.pk, name, **extra)
            result = "applied"
        except (TransitionNotAllowed, GuardFailed):
            result = "refused"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append((name, result))

    threads = [
        threading.Thread(target=attempt, args=(officer, name, extra))
        for officer, (name, extra) in zip(officers, decisions, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(result for _name, result in outcomes) == ["applied", "refused"]
    winner = next(name for name, result in outcomes if result == "applied")
    decided = TransitionRecord.objects.filter(
        target_id=str(application.pk), transition__in=["approve", "reject"]
    )
    assert list(decided.values_list("transition", flat=True)) == [winner]
    application.refresh_from_db()
    assert application.state == (S.APPROVED if winner == "approve" else S.REJECTED)
    assert NotificationLetter.objects.filter(application=application).count() == (
        1 if winner == "approve" else 0
    )


def test_approval_issues_the_letter_on_the_recorded_recognition(
    under_review, sh_decision, bj_decision, clock
):
    clock.set(D(2026, 6, 12))
    before = state_of(under_review)
    with pytest.raises(TransitionPermissionDenied):
        run(bj_decision, under_review, "approve")
    assert state_of(under_review) == before

    approved = run(sh_decision, under_review, "approve")

    assert approved.state == S.APPROVED
    assert approved.decided_at == timezone.now()
    # Approving verifies the documents it was decided on (a change of employer carries them).
    assert set(approved.documents.values_list("verified_at", "verified_by")) == {
        (timezone.now(), sh_decision.pk)
    }
    letter = approved.issued_letter
    assert (letter.category, letter.foreigner_id, letter.issued_on) == (
        "B",
        approved.foreigner_id,
        D(2026, 6, 12),
    )


def test_a_route_awaiting_confirmation_blocks_approval(
    clock, employer_admin, employer, shanghai_catalog, wages, foreigner, sh_acceptance, sh_decision
):
    application = draft_ready(
        employer_admin, employer, facts={"category": "A", "achievements": ["turing"]}
    )
    run(employer_admin, application, "submit")
    run(sh_acceptance, application, "accept")
    before = state_of(application)
    with pytest.raises(GuardFailed) as excinfo:
        run(sh_decision, application, "approve")
    assert [p["code"] for p in excinfo.value.details["problems"]] == ["route_needs_confirmation"]
    assert state_of(application) == before

    services.route_confirm(actor=sh_decision, application=application, note="ACM certificate")
    assert run(sh_decision, application, "approve").state == S.APPROVED
