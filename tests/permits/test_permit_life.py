"""The life of letters and permits after issuance: revocation by an officer (reasons
required, only in the officer's province, nothing changed when refused), expiry read at
once and recorded by the task, the tax check of a salary commitment reported once to the
credit service, status for verification by number or passport, an employer's permits and
the duties coming due on its dashboard."""

from __future__ import annotations

import datetime as dt

import pytest

from credit.models import CreditRecord
from permits.models import Application, NotificationLetter, Permit
from permits.selectors import permits as selectors
from permits.services import permits as services
from permits.workflows.permit import LETTER_WORKFLOW, PERMIT_WORKFLOW
from portal.models import AuditEvent, Foreigner, Organization, TransitionRecord, User
from portal.workflow import GuardFailed, TransitionNotAllowed, TransitionPermissionDenied
from tests.permits.conftest import TODAY, Life

pytestmark = pytest.mark.django_db

K = Application.Kind


@pytest.fixture
def permit(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> Permit:
    """Issued 8 June 2026, Category B, valid until 7 June 2028; contract to 30 June 2030."""
    return life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)


def _snapshot(permit: Permit) -> tuple:
    permit.refresh_from_db()
    return (
        permit.state,
        permit.ended_on,
        permit.end_reason,
        permit.end_text_zh,
        list(permit.end_reasons.all()),
        TransitionRecord.objects.filter(workflow="permits.permit").count(),
    )


# --- Revocation ----------------------------------------------------------------------------------


def test_officer_revokes_with_reasons_in_both_languages(
    life: Life, permit: Permit, sh_decision: User
) -> None:
    with life.at(dt.date(2026, 9, 1)):
        services.permit_revoke(
            actor=sh_decision,
            permit=permit,
            reasons=["REV-ILLEGAL"],
            reason="Works as a sales manager, not as the engineer permitted.",
            text_zh="从事与许可不符的工作",
            text_en="Work other than that permitted",
        )
    permit.refresh_from_db()
    assert permit.state == Permit.State.REVOKED
    assert permit.ended_on == dt.date(2026, 9, 1)
    assert permit.end_reason == "Works as a sales manager, not as the engineer permitted."
    assert (permit.end_text_zh, permit.end_text_en) == (
        "从事与许可不符的工作",
        "Work other than that permitted",
    )
    assert [r.code for r in permit.end_reasons.all()] == ["REV-ILLEGAL"]
    event = AuditEvent.objects.filter(action="permits.permit.revoke").get()
    assert event.actor == sh_decision
    assert event.target_id == str(permit.pk)
    assert selectors.permit_status(day=dt.date(2026, 9, 1), permit_number=permit.permit_number)
    status = selectors.permit_status(day=dt.date(2026, 9, 1), permit_number=permit.permit_number)
    assert status is not None
    assert status.status == Permit.State.REVOKED


@pytest.mark.parametrize(
    ("reasons", "reason"),
    [
        ([], "No reason from the list"),
        (["DEC-FALSE"], "A decision reason, not a revocation reason"),
        (["NOPE"], "An unknown reason"),
        (["REV-FALSE"], ""),
    ],
)
def test_revocation_needs_a_listed_reason_and_words(
    permit: Permit, sh_decision: User, reasons, reason
) -> None:
    before = _snapshot(permit)
    with pytest.raises(GuardFailed):
        services.permit_revoke(actor=sh_decision, permit=permit, reasons=reasons, reason=reason)
    assert _snapshot(permit) == before


def test_other_provinces_officer_may_not_revoke_and_nothing_changes(
    permit: Permit, bj_decision: User, sh_acceptance: User, employer_admin: User
) -> None:
    before = _snapshot(permit)
    for actor in (bj_decision, sh_acceptance, employer_admin):
        with pytest.raises(TransitionPermissionDenied):
            services.permit_revoke(
                actor=actor, permit=permit, reasons=["REV-FALSE"], reason="Obtained by deception"
            )
    assert _snapshot(permit) == before
    assert not AuditEvent.objects.filter(action="permits.permit.revoke").exists()


def test_revoked_permit_cannot_be_revoked_again(permit: Permit, sh_decision: User) -> None:
    services.permit_revoke(actor=sh_decision, permit=permit, reasons=["REV-FALSE"], reason="x")
    with pytest.raises(TransitionNotAllowed):
        services.permit_revoke(actor=sh_decision, permit=permit, reasons=["REV-FALSE"], reason="y")


def test_officer_revokes_a_valid_letter_only_in_the_province(
    life: Life,
    employer: Organization,
    employer_admin: User,
    sh_decision: User,
    bj_decision: User,
    foreigner: Foreigner,
) -> None:
    letter = life.letter(employer, employer_admin, sh_decision, foreigner, TODAY)
    with pytest.raises(TransitionPermissionDenied):
        services.letter_revoke(actor=bj_decision, letter=letter, reasons=["REV-FALSE"], reason="x")
    letter.refresh_from_db()
    assert letter.state == NotificationLetter.State.VALID
    with life.at(dt.date(2026, 7, 1)):
        services.letter_revoke(
            actor=sh_decision, letter=letter, reasons=["REV-FALSE"], reason="False degree"
        )
    letter.refresh_from_db()
    assert letter.state == NotificationLetter.State.REVOKED
    assert letter.ended_on == dt.date(2026, 7, 1)
    assert letter.end_reason == "[REV-FALSE] False degree"


def test_automatic_transitions_are_not_offered_to_people(permit: Permit, sh_decision: User) -> None:
    assert [t.name for t in PERMIT_WORKFLOW.available(permit, sh_decision)] == ["revoke"]
    with pytest.raises(TransitionPermissionDenied):
        PERMIT_WORKFLOW.run(permit, "cancel", actor=sh_decision, reason="x")
    letter = permit.letter
    assert LETTER_WORKFLOW.available(letter, sh_decision) == []


# --- Expiry --------------------------------------------------------------------------------------


def test_a_permit_past_its_date_reads_expired_before_the_task_runs(permit: Permit) -> None:
    last = dt.date(2028, 6, 7)
    assert permit.valid_until == last
    assert selectors.permit_status_on(permit, last) == Permit.State.ACTIVE
    assert selectors.permit_status_on(permit, last + dt.timedelta(days=1)) == Permit.State.EXPIRED
    permit.refresh_from_db()
    assert permit.state == Permit.State.ACTIVE  # not yet recorded
    status = selectors.permit_status(day=dt.date(2028, 6, 8), permit_number=permit.permit_number)
    assert status is not None
    assert (status.status, status.is_valid) == (Permit.State.EXPIRED, False)
    listed = selectors.employer_permits(permit.employer, day=dt.date(2028, 6, 8))
    assert [(p.pk, p.status) for p in listed] == [(permit.pk, "expired")]
    assert list(
        selectors.employer_permits(permit.employer, day=dt.date(2028, 6, 7), statuses=["active"])
    ) == [permit]


def test_expire_refuses_a_permit_still_in_date(life: Life, permit: Permit) -> None:
    with life.at(dt.date(2028, 6, 7)), pytest.raises(GuardFailed):
        PERMIT_WORKFLOW.run(permit, "expire", actor=None)
    with life.at(dt.date(2028, 6, 8)):
        PERMIT_WORKFLOW.run(permit, "expire", actor=None)
    permit.refresh_from_db()
    assert (permit.state, permit.ended_on) == (Permit.State.EXPIRED, dt.date(2028, 6, 7))


# --- The salary commitment -----------------------------------------------------------------------


@pytest.fixture
def salary_permit(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> Permit:
    permit = life.permit(
        employer, employer_admin, sh_decision, foreigner, TODAY, route_code="B-SALARY"
    )
    assert permit.on_salary_commitment is True
    return permit


def _extension(life: Life, permit: Permit) -> Application:
    return life.application(
        K.EXTENSION,
        employer=permit.employer,
        user=permit.application.created_by,
        foreigner=permit.foreigner,
        submitted=dt.date(2028, 4, 10),
        permit=permit,
        contract_end=dt.date(2031, 6, 30),
    )


def test_unbacked_salary_is_reported_once_per_permit(
    life: Life, salary_permit: Permit, sh_decision: User
) -> None:
    application = _extension(life, salary_permit)
    with life.at(dt.date(2028, 4, 20)):
        services.application_record_tax_check(
            actor=sh_decision, application=application, backed=False, note="No IIT records"
        )
    records = CreditRecord.objects.filter(organization=salary_permit.employer)
    assert records.count() == 1
    record = records.get()
    assert record.kind.code == "salary_commitment_unbacked"
    assert record.reference == f"permit:{salary_permit.pk}:{salary_permit.permit_number}"
    assert record.effective_from == dt.date(2028, 4, 20)
    assert salary_permit.permit_number in record.facts
    salary_permit.refresh_from_db()
    assert salary_permit.salary_reported_at is not None
    application.refresh_from_db()
    assert application.salary_backed_by_tax is False

    # Recorded again, and the extension approved: still one report.
    services.application_record_tax_check(actor=sh_decision, application=application, backed=False)
    life.approve(application, sh_decision, dt.date(2028, 4, 24))
    assert CreditRecord.objects.filter(organization=salary_permit.employer).count() == 1
    assert AuditEvent.objects.filter(action="permits.application.tax_check_recorded").count() == 2


def test_unbacked_salary_recorded_before_approval_is_reported_at_cancellation(
    life: Life, salary_permit: Permit, sh_decision: User
) -> None:
    application = life.application(
        K.CANCELLATION,
        employer=salary_permit.employer,
        user=salary_permit.application.created_by,
        foreigner=salary_permit.foreigner,
        submitted=dt.date(2027, 4, 6),
        permit=salary_permit,
        contract_end=dt.date(2027, 3, 31),
        salary_backed_by_tax=False,
    )
    life.approve(application, sh_decision, dt.date(2027, 4, 8))
    assert CreditRecord.objects.filter(organization=salary_permit.employer).count() == 1


def test_backed_salary_or_no_commitment_reports_nothing(
    life: Life, salary_permit: Permit, permit_without_commitment: Permit, sh_decision: User
) -> None:
    backed = _extension(life, salary_permit)
    services.application_record_tax_check(actor=sh_decision, application=backed, backed=True)
    other = _extension(life, permit_without_commitment)
    services.application_record_tax_check(actor=sh_decision, application=other, backed=False)
    assert CreditRecord.objects.count() == 0


@pytest.fixture
def permit_without_commitment(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User
) -> Permit:
    return life.permit(
        employer, employer_admin, sh_decision, life.person("PLAIN", passport="PL1"), TODAY
    )


def test_tax_check_only_by_the_provinces_decision_officer(
    life: Life, salary_permit: Permit, bj_decision: User, employer_admin: User
) -> None:
    application = _extension(life, salary_permit)
    for actor in (bj_decision, employer_admin):
        with pytest.raises(TransitionPermissionDenied):
            services.application_record_tax_check(
                actor=actor, application=application, backed=False
            )
    application.refresh_from_db()
    assert application.salary_backed_by_tax is None
    assert CreditRecord.objects.count() == 0


# --- Verification --------------------------------------------------------------------------------


def test_status_by_permit_number_or_by_passport_and_nationality(permit: Permit) -> None:
    day = dt.date(2026, 7, 1)
    by_number = selectors.permit_status(day=day, permit_number=permit.permit_number.lower())
    by_passport = selectors.permit_status(day=day, passport_number="c01x00t47", nationality="deu")
    assert by_number == by_passport
    assert by_number is not None
    assert by_number.as_dict() == {
        "permit_number": "310000202600000001",
        "status": "active",
        "status_label": str(Permit.State.ACTIVE.label),
        "category": "B",
        "valid_from": "2026-06-08",
        "valid_until": "2028-06-07",
        "ended_on": None,
        "employer_name": permit.employer.name,
        "employer_uscc": permit.employer.uscc,
        "province_code": "310000",
        "on": "2026-07-01",
    }
    assert selectors.permit_status(day=day, passport_number="C01X00T47", nationality="FRA") is None
    assert selectors.permit_status(day=day, permit_number="999999999999999999") is None
    assert selectors.permit_status(day=day) is None


def test_status_after_a_change_of_employer_is_the_new_permit(
    life: Life, permit: Permit, beijing_employer, beijing_admin, bj_decision, foreigner
) -> None:
    change = life.application(
        K.CHANGE_EMPLOYER,
        employer=beijing_employer,
        user=beijing_admin,
        foreigner=foreigner,
        submitted=dt.date(2027, 3, 1),
        permit=permit,
    )
    life.approve(change, bj_decision, dt.date(2027, 3, 15))
    before = selectors.permit_status(day=dt.date(2027, 3, 14), permit_number=permit.permit_number)
    after = selectors.permit_status(day=dt.date(2027, 3, 15), permit_number=permit.permit_number)
    assert before is not None
    assert after is not None
    assert (before.employer_uscc, before.status) == (permit.employer.uscc, "transferred")
    assert (after.employer_uscc, after.status) == (beijing_employer.uscc, "active")


# --- Duties on the employer's dashboard ---------------------------------------------------------


def test_duties_coming_due(
    life: Life,
    permit: Permit,
    employer: Organization,
    employer_admin: User,
    sh_decision: User,
) -> None:
    # The permit runs to 7 June 2028: its extension window is 9 March to 8 May 2028.
    today = dt.date(2028, 2, 20)
    letter = life.letter(
        employer, employer_admin, sh_decision, life.person("LETTER", passport="L1"), today
    )
    change = life.application(
        K.CHANGE,
        employer=employer,
        user=employer_admin,
        foreigner=permit.foreigner,
        state=Application.State.DRAFT,
        permit=permit,
        change_kind="post",
        change_date=dt.date(2028, 2, 14),
    )
    duties = selectors.employer_duties(employer, today=today, horizon_days=30)
    assert [(d.kind, d.due_on, d.opens_on, d.overdue) for d in duties] == [
        # Changed on Monday 14 February 2028: 10 working days end on Monday 28 February.
        ("change", dt.date(2028, 2, 28), None, False),
        ("extension", dt.date(2028, 5, 8), dt.date(2028, 3, 9), False),
        ("after_entry", letter.valid_until, None, False),
    ]
    assert duties[0].application_number == change.number
    assert duties[1].permit_number == permit.permit_number
    assert duties[2].letter_number == letter.number

    # Ten days earlier the window opens beyond the horizon.
    earlier = selectors.employer_duties(employer, today=dt.date(2028, 2, 1), horizon_days=30)
    assert "extension" not in [d.kind for d in earlier]

    # An extension filed takes the duty off the list.
    _extension(life, permit)
    assert "extension" not in [
        d.kind for d in selectors.employer_duties(employer, today=today, horizon_days=30)
    ]


def test_cancellation_due_when_the_contract_ends_before_the_permit(
    permit: Permit, employer: Organization
) -> None:
    Permit.objects.filter(pk=permit.pk).update(contract_end=dt.date(2026, 10, 30))
    # The contract ended on Friday 30 October 2026: ten working days end on 13 November.
    duties = selectors.employer_duties(employer, today=dt.date(2026, 11, 13))
    assert [(d.kind, d.opens_on, d.due_on, d.overdue) for d in duties] == [
        ("cancellation", dt.date(2026, 10, 30), dt.date(2026, 11, 13), False)
    ]
    later = selectors.employer_duties(employer, today=dt.date(2026, 11, 16))
    assert [(d.kind, d.overdue) for d in later] == [("cancellation", True)]


def test_duties_and_permit_lists_take_the_same_queries_for_more_permits(
    life: Life,
    employer: Organization,
    employer_admin: User,
    sh_decision: User,
) -> None:
    def issue(n: int) -> None:
        person = life.person(f"Q{n}", passport=f"Q{n}X")
        permit = life.permit(employer, employer_admin, sh_decision, person, TODAY)
        Permit.objects.filter(pk=permit.pk).update(contract_end=dt.date(2026, 10, 30))

    def count() -> tuple[int, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as duties:
            listed = selectors.employer_duties(employer, today=dt.date(2026, 11, 2))
        with CaptureQueriesContext(connection) as permits:
            rows = [
                (p.permit_number, p.status, p.foreigner.surname)
                for p in selectors.employer_permits(employer, day=dt.date(2026, 11, 2))
            ]
        assert len(listed) == len(rows)
        return len(duties), len(permits)

    issue(1)
    count()  # the working-day calendar of the year is read once, then cached
    one = count()
    for n in (2, 3, 4):
        issue(n)
    assert count() == one
    # The permits list is one query; the duties: the permits, the widest extension window,
    # the province and its rule for each of the two windows, the letters and the drafts.
    assert one == (8, 1)


def test_permits_for_user_are_those_of_the_employers_they_act_for(
    permit: Permit, employer_admin: User, beijing_admin: User, sh_decision: User
) -> None:
    day = dt.date(2026, 7, 1)
    assert list(selectors.permits_for_user(employer_admin, day=day)) == [permit]
    assert list(selectors.permits_for_user(beijing_admin, day=day)) == []
    assert list(selectors.permits_for_user(sh_decision, day=day)) == []
    assert list(selectors.permits_for_user(None, day=day)) == []


def test_an_expired_letter_cannot_be_revoked(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    letter = life.letter(employer, employer_admin, sh_decision, foreigner, TODAY)
    with life.at(dt.date(2026, 12, 8)), pytest.raises(GuardFailed):
        services.letter_revoke(actor=sh_decision, letter=letter, reasons=["REV-FALSE"], reason="x")
    letter.refresh_from_db()
    assert letter.state == NotificationLetter.State.VALID
    assert selectors.letter_status_on(letter, dt.date(2026, 12, 8)) == "expired"


def test_tax_check_only_on_an_extension_or_cancellation_under_review(
    life: Life, salary_permit: Permit, sh_decision: User
) -> None:
    change = life.application(
        K.CHANGE,
        employer=salary_permit.employer,
        user=salary_permit.application.created_by,
        foreigner=salary_permit.foreigner,
        permit=salary_permit,
        change_kind="post",
        change_date=TODAY,
    )
    with pytest.raises(GuardFailed):
        services.application_record_tax_check(actor=sh_decision, application=change, backed=False)
    draft = life.application(
        K.CANCELLATION,
        employer=salary_permit.employer,
        user=salary_permit.application.created_by,
        foreigner=salary_permit.foreigner,
        permit=salary_permit,
        state=Application.State.DRAFT,
    )
    with pytest.raises(TransitionNotAllowed):
        services.application_record_tax_check(actor=sh_decision, application=draft, backed=False)
    assert CreditRecord.objects.count() == 0
    assert set(Application.objects.values_list("salary_backed_by_tax", flat=True)) == {None}


def test_a_summary_of_duties_fetches_only_the_letters_that_run_out_first(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User
) -> None:
    """An employer may hold thousands of unused letters: the dashboard's summary reads the
    first ones by their last day and counts the rest."""
    letters = [
        life.letter(
            employer, employer_admin, sh_decision, life.person(f"L{n}", passport=f"L{n}"), day
        )
        for n, day in enumerate((dt.date(2026, 6, 10), dt.date(2026, 6, 8), dt.date(2026, 6, 9)))
    ]
    today = dt.date(2026, 6, 12)
    duties = selectors.employer_duties(employer, today=today, letters_limit=2)
    assert [d.letter_id for d in duties if d.kind == "after_entry"] == [
        letters[1].pk,
        letters[2].pk,
    ]
    assert selectors.pending_letters_count([employer.pk], today) == 3
    everything = selectors.employer_duties(employer, today=today)
    assert len([d for d in everything if d.kind == "after_entry"]) == 3
