"""What approval issues, kind by kind (``permits.issuance``), with every date worked out by
hand: letters valid 6 months, short-term work at most 90 days, the work permit capped by
its category, the contract and the passport, extensions and changes recorded as
``PermitChange`` rows, the lifelong permit number allocated once and never shared."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import translation

from credit.models import CreditRecord
from permits.models import Application, NotificationLetter, Permit, PermitChange, ValidityRule
from portal.models import AuditEvent, Foreigner, Organization, Passport, User
from tests.permits.conftest import TODAY, Life, region

pytestmark = pytest.mark.django_db

K = Application.Kind
JULY_6 = dt.date(2026, 7, 6)  # a Monday, four weeks after TODAY


# --- Notification letters --------------------------------------------------------------------


def test_new_application_issues_a_letter_valid_six_months(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    application = life.application(
        K.NEW, employer=employer, user=employer_admin, foreigner=foreigner
    )
    approved = life.approve(application, sh_decision, TODAY)

    letter = NotificationLetter.objects.get(application=application)
    assert letter.number == "L31000020260000001"
    assert letter.state == NotificationLetter.State.VALID
    assert letter.issued_on == dt.date(2026, 6, 8)
    # 6 months from 8 June 2026: the last valid day is 7 December 2026.
    assert letter.valid_until == dt.date(2026, 12, 7)
    assert letter.is_short_term is False
    assert (letter.work_from, letter.work_until) == (None, None)
    assert letter.category == "B"
    assert letter.foreigner == foreigner
    assert letter.employer == employer
    assert letter.region.code == "310000"
    assert letter.issued_by == sh_decision
    assert approved.state == Application.State.APPROVED
    event = AuditEvent.objects.get(action="permits.letter.issued")
    assert (event.actor, event.target_id) == (sh_decision, str(letter.pk))
    assert event.data == {
        "number": "L31000020260000001",
        "application": application.number,
        "valid_until": "2026-12-07",
    }


def test_letter_numbers_count_per_province_and_year(
    life: Life,
    employer: Organization,
    employer_admin: User,
    beijing_employer: Organization,
    beijing_admin: User,
    sh_decision: User,
    bj_decision: User,
) -> None:
    first = life.letter(
        employer, employer_admin, sh_decision, life.person("A", passport="A1"), TODAY
    )
    second = life.letter(
        employer, employer_admin, sh_decision, life.person("B", passport="B1"), TODAY
    )
    beijing = life.letter(
        beijing_employer, beijing_admin, bj_decision, life.person("C", passport="C1"), TODAY
    )
    assert [first.number, second.number, beijing.number] == [
        "L31000020260000001",
        "L31000020260000002",
        "L11000020260000001",
    ]


def test_short_term_letter_covers_the_contract_days(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    application = life.application(
        K.SHORT_TERM,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        category="C",
        contract_start=dt.date(2026, 6, 15),
        contract_end=dt.date(2026, 8, 31),
    )
    life.approve(application, sh_decision, TODAY)
    letter = NotificationLetter.objects.get(application=application)
    assert letter.is_short_term is True
    assert (letter.work_from, letter.work_until) == (dt.date(2026, 6, 15), dt.date(2026, 8, 31))
    assert letter.valid_until == dt.date(2026, 8, 31)
    assert letter.category == "C"


def test_short_term_work_is_capped_at_ninety_days(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    application = life.application(
        K.SHORT_TERM,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        category="C",
        contract_start=dt.date(2026, 6, 15),
        contract_end=dt.date(2026, 12, 31),
    )
    life.approve(application, sh_decision, TODAY)
    letter = NotificationLetter.objects.get(application=application)
    # 15 June + 89 days (June 15 days, July 31, August 31, then 12): 12 September, the 90th day.
    assert letter.work_until == dt.date(2026, 9, 12)
    assert (letter.work_until - letter.work_from).days + 1 == 90
    assert letter.valid_until == dt.date(2026, 9, 12)


# --- The work permit after entry --------------------------------------------------------------


def _after_entry(life: Life, employer, admin, officer, person, **fields) -> Application:
    letter = life.letter(employer, admin, officer, person, TODAY)
    return life.application(
        K.AFTER_ENTRY,
        employer=employer,
        user=admin,
        foreigner=person,
        submitted=dt.date(2026, 6, 29),
        letter=letter,
        entry_date=dt.date(2026, 6, 25),
        **fields,
    )


def test_after_entry_issues_the_permit_for_the_category_period(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    application = _after_entry(life, employer, employer_admin, sh_decision, foreigner)
    life.approve(application, sh_decision, JULY_6)

    permit = Permit.objects.get(application=application)
    foreigner.refresh_from_db()
    assert foreigner.permit_number == "310000202600000001"
    assert permit.permit_number == "310000202600000001"
    assert permit.state == Permit.State.ACTIVE
    assert permit.valid_from == dt.date(2026, 7, 6)
    # Category B: 24 months from 6 July 2026, the last day 5 July 2028 (contract to 2030,
    # passport to 2032 do not cap it).
    assert permit.valid_until == dt.date(2028, 7, 5)
    assert permit.contract_end == dt.date(2030, 6, 30)
    assert permit.category == "B"
    assert permit.basis == Permit.Basis.NATIONAL
    assert permit.basis_region is None
    assert (permit.route_code, permit.route_source) == ("B-CATALOG", "national:2025")
    assert permit.on_salary_commitment is False
    assert permit.employer == employer
    assert permit.region.code == "310000"
    assert permit.work_region.code == "310000"
    assert permit.job_title == "Software engineer"
    assert permit.annual_salary_cny == Decimal("480000.00")
    assert permit.passport.number == "C01X00T47"
    assert permit.issued_by == sh_decision
    assert permit.previous is None

    letter = permit.letter
    assert letter is not None
    letter.refresh_from_db()
    assert letter.state == NotificationLetter.State.USED
    assert letter.ended_on == dt.date(2026, 7, 6)
    event = AuditEvent.objects.get(action="permits.permit.issued")
    assert (event.actor, event.target_id, event.data["number"], event.data["valid_until"]) == (
        sh_decision,
        str(permit.pk),
        "310000202600000001",
        "2028-07-05",
    )


def test_category_a_runs_five_years(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    application = _after_entry(
        life,
        employer,
        employer_admin,
        sh_decision,
        foreigner,
        category="A",
        route_code="A-POINTS",
        contract_end=dt.date(2031, 12, 31),
    )
    life.approve(application, sh_decision, JULY_6)
    # 60 months from 6 July 2026: 5 July 2031.
    assert Permit.objects.get(application=application).valid_until == dt.date(2031, 7, 5)


def test_validity_never_runs_past_the_contract(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    application = _after_entry(
        life, employer, employer_admin, sh_decision, foreigner, contract_end=dt.date(2027, 12, 31)
    )
    life.approve(application, sh_decision, JULY_6)
    assert Permit.objects.get(application=application).valid_until == dt.date(2027, 12, 31)


def test_validity_never_runs_past_the_passport(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User
) -> None:
    person = life.person("SHORTPASS", passport="S9", expires=dt.date(2027, 9, 30))
    application = _after_entry(life, employer, employer_admin, sh_decision, person)
    life.approve(application, sh_decision, JULY_6)
    # The passport expires on 30 September 2027: its last valid day is the 29th.
    assert Permit.objects.get(application=application).valid_until == dt.date(2027, 9, 29)


def test_a_provinces_own_cap_applies(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    ValidityRule.objects.create(category="B", region=region("310000"), max_months=12)
    application = _after_entry(life, employer, employer_admin, sh_decision, foreigner)
    life.approve(application, sh_decision, JULY_6)
    assert Permit.objects.get(application=application).valid_until == dt.date(2027, 7, 5)


def test_regional_recognition_and_salary_route_are_recorded(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    application = _after_entry(
        life,
        employer,
        employer_admin,
        sh_decision,
        foreigner,
        route_code="B-SALARY",
        route_source="national:2025",
    )
    life.approve(application, sh_decision, JULY_6)
    permit = Permit.objects.get(application=application)
    assert permit.on_salary_commitment is True
    assert permit.basis == Permit.Basis.NATIONAL

    other = life.person("REGIONAL", passport="R1")
    regional = _after_entry(
        life,
        employer,
        employer_admin,
        sh_decision,
        other,
        route_code="SH-A-1",
        route_source="regional:310000:v1",
    )
    life.approve(regional, sh_decision, JULY_6)
    permit = Permit.objects.get(application=regional)
    assert permit.basis == Permit.Basis.REGIONAL
    assert permit.basis_region.code == "310000"
    assert permit.on_salary_commitment is False


def test_after_entry_on_an_expired_letter_is_refused(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    from portal.workflow import GuardFailed

    application = _after_entry(life, employer, employer_admin, sh_decision, foreigner)
    with pytest.raises(GuardFailed):
        life.approve(application, sh_decision, dt.date(2026, 12, 8))
    assert not Permit.objects.exists()
    foreigner.refresh_from_db()
    assert foreigner.permit_number is None
    assert application.letter.state == NotificationLetter.State.VALID


# --- The lifelong number -------------------------------------------------------------------------


def test_two_people_get_two_numbers_and_a_second_permit_reuses_the_first(
    life: Life,
    employer: Organization,
    employer_admin: User,
    beijing_employer: Organization,
    beijing_admin: User,
    sh_decision: User,
    bj_decision: User,
    foreigner: Foreigner,
) -> None:
    first = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    other = life.permit(
        employer, employer_admin, sh_decision, life.person("OTHER", passport="O1"), TODAY
    )
    assert first.permit_number == "310000202600000001"
    assert other.permit_number == "310000202600000002"

    change = life.application(
        K.CHANGE_EMPLOYER,
        employer=beijing_employer,
        user=beijing_admin,
        foreigner=foreigner,
        submitted=JULY_6,
        permit=first,
    )
    life.approve(change, bj_decision, JULY_6)
    second = Permit.objects.get(application=change)
    assert second.permit_number == "310000202600000001"
    foreigner.refresh_from_db()
    assert foreigner.permit_number == "310000202600000001"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_first_permits_never_share_a_number(postgres_only, occupations) -> None:
    from permits import issuance

    people = [
        Foreigner.objects.create(
            surname=f"RACE{i}",
            sex=Foreigner.Sex.FEMALE,
            date_of_birth=dt.date(1990, 1, 1),
            nationality="FRA",
        )
        for i in range(8)
    ]
    shanghai = region("310000")
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(people))

    def allocate(person: Foreigner) -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                number = issuance.allocate_permit_number(person.pk, TODAY, shanghai.pk)
            with lock:
                numbers.append(number)
        except BaseException as exc:  # pragma: no cover - reported below
            with lock:
                errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=allocate, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == [f"310000202600{n:06d}" for n in range(1, 9)]
    stored = set(
        Foreigner.objects.filter(pk__in=[p.pk for p in people]).values_list(
            "permit_number", flat=True
        )
    )
    assert stored == set(numbers)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_first_permits_of_one_person_allocate_once(postgres_only) -> None:
    from permits import issuance

    person = Foreigner.objects.create(
        surname="TWICE",
        sex=Foreigner.Sex.MALE,
        date_of_birth=dt.date(1990, 1, 1),
        nationality="FRA",
    )
    shanghai = region("310000")
    numbers: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def allocate() -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                number = issuance.allocate_permit_number(person.pk, TODAY, shanghai.pk)
            with lock:
                numbers.append(number)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert numbers == ["310000202600000001"] * 4


# --- Extension, change, change of employer, cancellation -----------------------------------------


@pytest.fixture
def permit(life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner):
    """Issued 8 June 2026, Category B, valid until 7 June 2028; contract to 30 June 2030."""
    issued = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    assert issued.valid_until == dt.date(2028, 6, 7)
    return issued


def test_extension_extends_the_same_permit_and_records_the_change(
    life: Life, permit: Permit, employer, employer_admin, sh_decision, foreigner
) -> None:
    application = life.application(
        K.EXTENSION,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        submitted=dt.date(2028, 4, 10),
        permit=permit,
        contract_end=dt.date(2031, 6, 30),
    )
    life.approve(application, sh_decision, dt.date(2028, 4, 24))
    permit.refresh_from_db()
    # The new period starts on 8 June 2028 and runs 24 months: to 7 June 2030.
    assert permit.valid_from == dt.date(2026, 6, 8)
    assert permit.valid_until == dt.date(2030, 6, 7)
    assert permit.contract_end == dt.date(2031, 6, 30)
    assert permit.state == Permit.State.ACTIVE
    assert Permit.objects.count() == 1
    assert list(
        PermitChange.objects.filter(permit=permit).values_list(
            "field", "before", "after", "effective_on", "application"
        )
    ) == [
        ("valid_until", "2028-06-07", "2030-06-07", dt.date(2028, 6, 8), application.pk),
        ("contract_end", "2030-06-30", "2031-06-30", dt.date(2028, 6, 8), application.pk),
    ]


def test_extension_is_capped_by_the_new_contract(
    life: Life, permit: Permit, employer, employer_admin, sh_decision, foreigner
) -> None:
    application = life.application(
        K.EXTENSION,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        submitted=dt.date(2028, 4, 10),
        permit=permit,
        contract_end=dt.date(2029, 3, 31),
    )
    life.approve(application, sh_decision, dt.date(2028, 4, 24))
    permit.refresh_from_db()
    assert permit.valid_until == dt.date(2029, 3, 31)


def test_change_of_post_records_each_changed_field(
    life: Life, permit: Permit, employer, employer_admin, sh_decision, foreigner, occupations
) -> None:
    application = life.application(
        K.CHANGE,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        submitted=dt.date(2026, 9, 7),
        permit=permit,
        change_kind=Application.ChangeKind.POST,
        change_date=dt.date(2026, 9, 1),
        job_title="Lead software engineer",
        annual_salary_cny=Decimal("600000"),
    )
    approved = life.approve(application, sh_decision, dt.date(2026, 9, 10))
    permit.refresh_from_db()
    assert permit.job_title == "Lead software engineer"
    assert permit.annual_salary_cny == Decimal("600000.00")
    assert list(
        PermitChange.objects.filter(permit=permit).values_list(
            "field", "before", "after", "effective_on"
        )
    ) == [
        ("job_title", "Software engineer", "Lead software engineer", dt.date(2026, 9, 1)),
        ("annual_salary_cny", "480000.00", "600000.00", dt.date(2026, 9, 1)),
    ]
    assert approved.reported_late is False
    assert not CreditRecord.objects.exists()  # in time: nothing on the credit record


def test_change_of_passport_is_a_personal_change(
    life: Life, permit: Permit, employer, employer_admin, sh_decision, foreigner
) -> None:
    Passport.objects.filter(foreigner=foreigner).update(is_current=False)
    new = Passport.objects.create(
        foreigner=foreigner,
        number="C02Y11U58",
        issuing_country="DEU",
        issue_date=dt.date(2026, 8, 1),
        expiry_date=dt.date(2036, 7, 31),
    )
    application = life.application(
        K.CHANGE,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        submitted=dt.date(2026, 8, 10),
        permit=permit,
        change_kind=Application.ChangeKind.PERSONAL,
        change_date=dt.date(2026, 8, 3),
        passport=new,
    )
    life.approve(application, sh_decision, dt.date(2026, 8, 12))
    permit.refresh_from_db()
    assert permit.passport == new
    assert list(PermitChange.objects.values_list("field", "before", "after")) == [
        ("passport", "DEU C01X00T47", "DEU C02Y11U58")
    ]


def test_late_change_is_accepted_and_flagged(
    life: Life, permit: Permit, employer, employer_admin, sh_decision, foreigner
) -> None:
    # Change on Tuesday 1 September 2026; 10 working days end on Tuesday 15 September.
    application = life.application(
        K.CHANGE,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        submitted=dt.date(2026, 9, 16),
        permit=permit,
        change_kind=Application.ChangeKind.POST,
        change_date=dt.date(2026, 9, 1),
        job_title="Architect",
    )
    approved = life.approve(application, sh_decision, dt.date(2026, 9, 18))
    assert approved.reported_late is True
    assert Application.objects.get(pk=application.pk).reported_late is True
    # The lateness goes on the employer's credit record, once, as a minor dishonest act.
    record = CreditRecord.objects.get()
    assert (
        record.kind.code,
        record.organization_id,
        record.reference,
        record.severity,
        record.recorded_by_id,
    ) == ("late_change_report", employer.pk, application.number, "minor", sh_decision.pk)
    permit.refresh_from_db()
    assert permit.job_title == "Architect"


def test_change_of_employer_ends_the_old_permit_when_the_new_one_starts(
    life: Life,
    permit: Permit,
    beijing_employer,
    beijing_admin,
    bj_decision,
    foreigner,
) -> None:
    application = life.application(
        K.CHANGE_EMPLOYER,
        employer=beijing_employer,
        user=beijing_admin,
        foreigner=foreigner,
        submitted=dt.date(2027, 3, 1),
        permit=permit,
        category="",
        route_code="",
        route_source="",
        contract_end=dt.date(2028, 2, 29),
    )
    life.approve(application, bj_decision, dt.date(2027, 3, 15))
    permit.refresh_from_db()
    new = Permit.objects.get(application=application)
    assert permit.state == Permit.State.TRANSFERRED
    assert permit.ended_on == dt.date(2027, 3, 15)
    assert new.valid_from == dt.date(2027, 3, 15)
    assert new.valid_until == dt.date(2028, 2, 29)
    assert new.previous == permit
    assert new.employer == beijing_employer
    assert new.region.code == "110000"
    assert new.permit_number == permit.permit_number
    # The recognition carried over.
    assert (new.category, new.route_code, new.route_source, new.basis) == (
        "B",
        "B-CATALOG",
        "national:2025",
        Permit.Basis.NATIONAL,
    )
    assert new.state == Permit.State.ACTIVE


def test_cancellation_ends_the_permit_on_the_contracts_end(
    life: Life, permit: Permit, employer, employer_admin, sh_decision, foreigner
) -> None:
    application = life.application(
        K.CANCELLATION,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        submitted=dt.date(2027, 4, 6),
        permit=permit,
        contract_end=dt.date(2027, 3, 31),
    )
    approved = life.approve(application, sh_decision, dt.date(2027, 4, 8))
    permit.refresh_from_db()
    assert permit.state == Permit.State.CANCELLED
    assert permit.ended_on == dt.date(2027, 3, 31)
    assert approved.reported_late is False
    assert not CreditRecord.objects.exists()  # in time: nothing on the credit record


# --- End to end: approval through the application workflow ---------------------------------------


def _approve_through_the_engine(life: Life, application: Application, officer: User, day):
    from permits.workflows.application import APPLICATION_WORKFLOW

    life.documents(application, application.submitted_at.date())
    with life.at(day):
        return APPLICATION_WORKFLOW.run(application, "approve", actor=officer)


def test_engine_approval_issues_the_letter_then_the_permit(
    life: Life,
    employer: Organization,
    employer_admin: User,
    sh_decision: User,
    foreigner,
    shanghai_catalog,
) -> None:
    from portal.models import TransitionRecord

    new = life.application(K.NEW, employer=employer, user=employer_admin, foreigner=foreigner)
    approved = _approve_through_the_engine(life, new, sh_decision, TODAY)
    assert approved.state == Application.State.APPROVED
    letter = NotificationLetter.objects.get(application=new)
    assert (letter.number, letter.valid_until) == ("L31000020260000001", dt.date(2026, 12, 7))

    after_entry = life.application(
        K.AFTER_ENTRY,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        submitted=dt.date(2026, 6, 29),
        letter=letter,
        entry_date=dt.date(2026, 6, 25),
    )
    _approve_through_the_engine(life, after_entry, sh_decision, JULY_6)
    permit = Permit.objects.get(application=after_entry)
    assert (permit.permit_number, permit.valid_from, permit.valid_until) == (
        "310000202600000001",
        dt.date(2026, 7, 6),
        dt.date(2028, 7, 5),
    )
    letter.refresh_from_db()
    assert letter.state == NotificationLetter.State.USED
    assert list(
        TransitionRecord.objects.filter(workflow="permits.letter").values_list(
            "transition", "actor"
        )
    ) == [("use", None)]


def test_engine_refuses_another_provinces_officer_and_issues_nothing(
    life: Life,
    employer: Organization,
    employer_admin: User,
    bj_decision: User,
    foreigner,
    shanghai_catalog,
) -> None:
    from portal.workflow import TransitionPermissionDenied

    new = life.application(K.NEW, employer=employer, user=employer_admin, foreigner=foreigner)
    with pytest.raises(TransitionPermissionDenied):
        _approve_through_the_engine(life, new, bj_decision, TODAY)
    new.refresh_from_db()
    assert new.state == Application.State.UNDER_REVIEW
    assert not NotificationLetter.objects.exists()


def test_engine_rolls_back_the_approval_when_issuance_refuses(
    life: Life,
    employer: Organization,
    employer_admin: User,
    sh_decision: User,
    foreigner,
    shanghai_catalog,
) -> None:
    from portal.workflow import GuardFailed

    letter = life.letter(employer, employer_admin, sh_decision, foreigner, TODAY)
    after_entry = life.application(
        K.AFTER_ENTRY,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        submitted=dt.date(2026, 6, 29),
        letter=letter,
        entry_date=dt.date(2026, 6, 25),
        contract_end=dt.date(2026, 7, 1),  # ended before the day of issue
    )
    with pytest.raises(GuardFailed):
        _approve_through_the_engine(life, after_entry, sh_decision, JULY_6)
    after_entry.refresh_from_db()
    assert after_entry.state == Application.State.UNDER_REVIEW
    assert not Permit.objects.exists()
    letter.refresh_from_db()
    assert letter.state == NotificationLetter.State.VALID
    foreigner.refresh_from_db()
    assert foreigner.permit_number is None


def test_a_second_after_entry_permit_while_one_is_active_is_refused(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    from portal.workflow import GuardFailed

    first = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    second = _after_entry(life, employer, employer_admin, sh_decision, foreigner)
    with translation.override("en"), pytest.raises(GuardFailed) as refused:
        life.approve(second, sh_decision, JULY_6)
    assert refused.value.message == (
        f"The worker already holds permit {first.permit_number} valid until "
        f"{first.valid_until.isoformat()}: apply for a change of employer instead."
    )
    assert list(Permit.objects.all()) == [first]


def test_a_lapsed_permit_is_recorded_expired_before_the_next_one(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> None:
    first = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    Permit.objects.filter(pk=first.pk).update(valid_until=dt.date(2026, 6, 30))
    second = _after_entry(life, employer, employer_admin, sh_decision, foreigner)
    life.approve(second, sh_decision, JULY_6)
    first.refresh_from_db()
    assert (first.state, first.ended_on) == (Permit.State.EXPIRED, dt.date(2026, 6, 30))
    new = Permit.objects.get(application=second)
    assert (new.state, new.permit_number) == (Permit.State.ACTIVE, first.permit_number)
