"""Drafting an application: every kind's creation and its preconditions, the steps of the
form, copying, the worker (twins, MRZ lines, renewed passports), documents and uploads.

Refusals are checked to have changed nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from permits.models import Application, Document, PowerOfAttorney
from permits.services import applications as services
from portal.files import store_upload
from portal.identifiers import mrz_check_digit
from portal.models import AuditEvent, Foreigner, Passport
from portal.services import PermissionDeniedError, ServiceError
from tests.permits.conftest import PDF, TODAY, WORKER, draft_ready, pdf_upload, region

pytestmark = pytest.mark.django_db

K = Application.Kind


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def errors_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return {field: list(messages) for field, messages in excinfo.value.message_dict.items()}


def snapshot(application: Application) -> dict[str, Any]:
    application.refresh_from_db()
    return {
        f.attname: getattr(application, f.attname)
        for f in Application._meta.concrete_fields
        if f.attname != "updated_at"
    }


def power(employer, agency, granted_by, *, days: int = 30, start: dt.date = TODAY):
    return PowerOfAttorney.objects.create(
        employer=employer,
        agency=agency,
        valid_from=start,
        valid_until=start + dt.timedelta(days=days),
        granted_by=granted_by,
        granted_at=timezone.now(),
    )


# --- Creating drafts -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [K.NEW, K.SHORT_TERM])
def test_a_draft_gets_a_number_and_is_audited(clock, employer_admin, employer, kind):
    application = services.draft_create(actor=employer_admin, employer=employer, kind=kind)

    assert application.number == "WP-2026-0000001"
    assert application.state == Application.State.DRAFT
    assert application.kind == kind
    assert application.agency is None
    assert application.created_by == employer_admin
    event = AuditEvent.objects.get(action="permits.application.create")
    assert event.actor_id == employer_admin.pk
    assert event.data["employer"] == employer.pk
    assert "agency" not in event.data
    second = services.draft_create(actor=employer_admin, employer=employer, kind=kind)
    assert second.number == "WP-2026-0000002"


def test_another_employers_user_cannot_start_a_draft(clock, beijing_admin, employer):
    with pytest.raises(PermissionDeniedError):
        services.draft_create(actor=beijing_admin, employer=employer, kind=K.NEW)
    assert Application.objects.count() == 0
    assert not AuditEvent.objects.filter(action="permits.application.create").exists()


def test_an_agent_under_a_power_of_attorney_drafts_for_the_employer(
    clock, agent, agency, employer, employer_admin
):
    power(employer, agency, employer_admin)

    application = services.draft_create(actor=agent, employer=employer, kind=K.NEW)

    assert application.employer == employer
    assert application.agency == agency
    event = AuditEvent.objects.get(action="permits.application.create")
    assert event.actor_id == agent.pk
    assert event.organization_id_at_time == agency.pk
    assert event.data["acting_for"] == employer.pk
    assert event.data["agency"] == agency.pk


@pytest.mark.parametrize("state", ["expired", "revoked", "none"])
def test_an_agent_without_a_power_in_force_is_refused(
    clock, agent, agency, employer, employer_admin, state
):
    if state == "expired":
        power(employer, agency, employer_admin, start=TODAY - dt.timedelta(days=40), days=30)
    elif state == "revoked":
        p = power(employer, agency, employer_admin)
        p.revoked_at = timezone.now()
        p.save()
    with pytest.raises(PermissionDeniedError):
        services.draft_create(actor=agent, employer=employer, kind=K.NEW)
    assert Application.objects.count() == 0


def test_an_unknown_kind_is_refused(clock, employer_admin, employer):
    with pytest.raises(ValidationError) as excinfo:
        services.draft_create(actor=employer_admin, employer=employer, kind="visa")
    assert list(errors_of(excinfo)) == ["kind"]


@pytest.fixture
def permit(life, employer, employer_admin, sh_decision, foreigner):
    """Anna Mueller's permit in force at the Shanghai employer (granted on TODAY)."""
    return life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)


@pytest.mark.parametrize("kind", [K.EXTENSION, K.CHANGE, K.CANCELLATION, K.CHANGE_EMPLOYER])
def test_kinds_about_a_permit_need_the_permit(clock, employer_admin, employer, kind):
    with pytest.raises(ValidationError) as excinfo:
        services.draft_create(actor=employer_admin, employer=employer, kind=kind)
    assert list(errors_of(excinfo)) == ["permit"]
    assert Application.objects.count() == 0


@pytest.mark.parametrize("kind", [K.EXTENSION, K.CHANGE, K.CANCELLATION])
def test_extension_change_cancellation_start_from_the_employers_permit(
    clock, employer_admin, employer, permit, kind
):
    application = services.draft_create(
        actor=employer_admin, employer=employer, kind=kind, permit=permit
    )

    assert application.permit == permit
    assert application.foreigner == permit.foreigner
    assert application.passport == permit.passport
    assert application.occupation == permit.occupation
    assert application.job_title == permit.job_title
    assert application.annual_salary_cny == permit.annual_salary_cny
    assert application.region == permit.region
    assert (application.category, application.route_code) == (permit.category, permit.route_code)
    if kind == K.CHANGE:
        assert application.contract_end == permit.application.contract_end
    else:
        assert application.contract_end is None  # the renewed or ended contract is asked


@pytest.mark.parametrize("kind", [K.EXTENSION, K.CHANGE, K.CANCELLATION])
def test_another_employers_permit_is_refused(clock, beijing_admin, beijing_employer, permit, kind):
    before = Application.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.draft_create(
            actor=beijing_admin, employer=beijing_employer, kind=kind, permit=permit
        )
    assert errors_of(excinfo) == {"permit": ["The permit belongs to another employer."]}
    assert Application.objects.count() == before


def test_a_lapsed_permit_is_refused(clock, employer_admin, employer, permit):
    clock.set(permit.valid_until + dt.timedelta(days=1))
    before = Application.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.draft_create(
            actor=employer_admin, employer=employer, kind=K.EXTENSION, permit=permit
        )
    assert list(errors_of(excinfo)) == ["permit"]
    assert Application.objects.count() == before


def test_change_of_employer_is_for_the_new_employer(clock, employer_admin, employer, permit):
    before = Application.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.draft_create(
            actor=employer_admin, employer=employer, kind=K.CHANGE_EMPLOYER, permit=permit
        )
    assert list(errors_of(excinfo)) == ["permit"]
    assert Application.objects.count() == before


def test_change_of_employer_carries_the_worker_and_the_verified_documents(
    clock, beijing_admin, beijing_employer, employer_admin, sh_decision, permit
):
    source = permit.application
    source.education = "master"
    source.experience_years = Decimal("7")
    source.save()
    stored = store_upload(pdf_upload(), actor=employer_admin)
    verified = {}
    for kind in ("degree", "experience", "health", "contract"):
        verified[kind] = Document.objects.create(
            application=source,
            kind=kind,
            file=stored,
            uploaded_by=employer_admin,
            uploaded_at=timezone.now(),
            verified_at=timezone.now(),
            verified_by=sh_decision,
        )
    Document.objects.create(  # never verified: not carried
        application=source,
        kind="recognition",
        file=stored,
        uploaded_by=employer_admin,
        uploaded_at=timezone.now(),
    )

    application = services.draft_create(
        actor=beijing_admin, employer=beijing_employer, kind=K.CHANGE_EMPLOYER, permit=permit
    )

    assert application.foreigner == permit.foreigner
    assert application.passport == permit.passport
    assert (application.education, application.experience_years) == ("master", Decimal("7.0"))
    assert application.occupation is None  # the new job is the new employer's
    carried = {d.kind: d for d in application.documents.all()}
    assert set(carried) == {"degree", "experience"}
    assert carried["degree"].carried_from == verified["degree"]
    assert carried["degree"].file_id == stored.pk
    assert carried["degree"].verified_at is None
    event = AuditEvent.objects.get(
        action="permits.application.create", target_id=str(application.pk)
    )
    assert event.data["documents_carried"] == 2


def test_after_entry_needs_a_valid_letter_of_the_employer(
    clock, life, employer, employer_admin, sh_decision, foreigner, beijing_admin, beijing_employer
):
    with pytest.raises(ValidationError) as excinfo:
        services.draft_create(actor=employer_admin, employer=employer, kind=K.AFTER_ENTRY)
    assert list(errors_of(excinfo)) == ["letter"]
    letter = life.letter(employer, employer_admin, sh_decision, foreigner, TODAY)
    with pytest.raises(ValidationError):
        services.draft_create(
            actor=beijing_admin, employer=beijing_employer, kind=K.AFTER_ENTRY, letter=letter
        )
    clock.set(letter.valid_until + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as excinfo:
        services.draft_create(
            actor=employer_admin, employer=employer, kind=K.AFTER_ENTRY, letter=letter
        )
    assert list(errors_of(excinfo)) == ["letter"]
    assert not Application.objects.filter(kind=K.AFTER_ENTRY).exists()

    clock.set(TODAY + dt.timedelta(days=10))
    application = services.draft_create(
        actor=employer_admin, employer=employer, kind=K.AFTER_ENTRY, letter=letter
    )
    source = letter.application
    assert application.letter == letter
    assert application.foreigner == foreigner
    assert application.occupation == source.occupation
    assert application.contract_end == source.contract_end
    assert (application.category, application.route_code) == ("B", "B-CATALOG")


# --- The steps -----------------------------------------------------------------------------------


def test_each_step_saves_only_its_own_fields(clock, employer_admin, employer, occupations):
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)

    application = services.draft_update(
        actor=employer_admin,
        application=application,
        step="job",
        occupation="2-02-10-03",
        job_title="Software engineer",
        work_region="310000",
        annual_salary_cny="300,000",
        contract_start="2026-07-01",
        contract_end="2028-06-30",
        months_in_china_per_year="10.5",
    )

    application.refresh_from_db()
    assert application.occupation == occupations["2-02-10-03"]
    assert application.region == region("310000")
    assert application.work_region == region("310000")
    assert application.annual_salary_cny == Decimal("300000.00")
    assert application.contract_start == dt.date(2026, 7, 1)
    assert application.months_in_china_per_year == Decimal("10.5")
    assert application.steps_saved == ["job"]

    with pytest.raises(ValidationError) as excinfo:
        services.draft_update(
            actor=employer_admin, application=application, step="job", education="doctorate"
        )
    assert errors_of(excinfo) == {"education": ["Not a field of the step “job”."]}

    application = services.draft_update(
        actor=employer_admin,
        application=application,
        step="facts",
        education="master",
        experience_years="6",
        hsk_level="4",
        bonuses=["patents"],
        category="A",
        commitment_letters="on",
    )
    application.refresh_from_db()
    assert (application.education, application.hsk_level, application.bonuses) == (
        "master",
        4,
        ["patents"],
    )
    assert application.commitment_letters is True
    assert application.steps_saved == ["job", "facts"]
    event = AuditEvent.objects.filter(action="permits.application.update").order_by("seq").last()
    assert event.data["step"] == "facts"
    assert event.data["fields"] == [
        "bonuses",
        "category",
        "commitment_letters",
        "education",
        "experience_years",
        "hsk_level",
        "steps_saved",
    ]


def test_bad_values_name_their_fields_and_change_nothing(
    clock, employer_admin, employer, occupations
):
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    before = snapshot(application)

    with pytest.raises(ValidationError) as excinfo:
        services.draft_update(
            actor=employer_admin,
            application=application,
            step="job",
            occupation="2-02-10-00",  # a group, not a detailed occupation
            job_title="Engineer",
            work_region="999999",
            annual_salary_cny="-1",
            contract_start="first of July",
            months_in_china_per_year="13",
        )

    assert errors_of(excinfo) == {
        "occupation": [
            "Choose a detailed occupation (code D-DD-DD-DD) of the 2022 classification."
        ],
        "work_region": ["Choose a region by its six-digit division code."],
        "annual_salary_cny": ["Enter a number from 0 to 9999999999.99."],
        "contract_start": ["Enter a date as YYYY-MM-DD."],
        "months_in_china_per_year": ["Enter a number from 0 to 12."],
    }
    assert snapshot(application) == before


def test_contract_end_before_start_is_refused(clock, employer_admin, employer):
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    with pytest.raises(ValidationError) as excinfo:
        services.draft_update(
            actor=employer_admin,
            application=application,
            step="job",
            contract_start="2026-07-01",
            contract_end="2026-07-01",
        )
    assert errors_of(excinfo) == {"contract_end": ["The contract must end after it starts."]}
    application.refresh_from_db()
    assert application.contract_start is None


def test_commitment_letters_need_category_a(clock, employer_admin, employer):
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    with pytest.raises(ValidationError) as excinfo:
        services.draft_update(
            actor=employer_admin,
            application=application,
            step="facts",
            category="B",
            commitment_letters=True,
        )
    assert errors_of(excinfo) == {
        "commitment_letters": [
            "Commitment letters replace proofs only for Category A: claim Category A."
        ]
    }
    application.refresh_from_db()
    assert (application.category, application.commitment_letters) == ("", False)


def test_kind_step_fields_depend_on_the_kind(clock, employer_admin, employer, permit):
    change = services.draft_create(
        actor=employer_admin, employer=employer, kind=K.CHANGE, permit=permit
    )
    change = services.draft_update(
        actor=employer_admin,
        application=change,
        step="kind",
        change_kind="post",
        change_date="2026-06-05",
    )
    assert (change.change_kind, change.change_date) == ("post", dt.date(2026, 6, 5))
    with pytest.raises(ValidationError) as excinfo:
        services.draft_update(
            actor=employer_admin, application=change, step="kind", entry_date="2026-06-01"
        )
    assert list(errors_of(excinfo)) == ["entry_date"]


def test_only_drafts_and_returned_applications_change(
    clock, employer_admin, employer, shanghai_catalog, wages, foreigner
):
    application = draft_ready(employer_admin, employer)
    services.application_transition(actor=employer_admin, application=application, name="submit")
    before = snapshot(application)

    with pytest.raises(ServiceError) as excinfo:
        services.draft_update(
            actor=employer_admin, application=application, step="job", job_title="Architect"
        )
    assert excinfo.value.code == "not_editable"
    with pytest.raises(ServiceError):
        services.document_add(
            actor=employer_admin, application=application, kind="photo", upload=pdf_upload()
        )
    assert snapshot(application) == before


def test_another_employers_user_cannot_update(clock, employer_admin, employer, beijing_admin):
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    before = snapshot(application)
    with pytest.raises(PermissionDeniedError):
        services.draft_update(
            actor=beijing_admin, application=application, step="job", job_title="Spy"
        )
    assert snapshot(application) == before


# --- Copying ---------------------------------------------------------------------------------


def test_copy_takes_job_worker_and_facts_not_verification_or_decisions(
    clock, employer_admin, employer, shanghai_catalog, wages, foreigner, sh_acceptance
):
    source = draft_ready(employer_admin, employer)
    services.application_transition(actor=employer_admin, application=source, name="submit")
    services.application_transition(
        actor=sh_acceptance,
        application=source,
        name="refuse_acceptance",
        reason="Duplicate",
        payload={"reasons": ["ACC-DUPLICATE"]},
    )
    source.documents.update(verified_at=timezone.now(), verified_by=sh_acceptance)
    source.refresh_from_db()

    copy = services.draft_copy(actor=employer_admin, application=source)

    assert copy.state == Application.State.DRAFT
    assert copy.copied_from == source
    assert copy.number != source.number
    for name in (
        "region",
        "work_region",
        "occupation",
        "job_title",
        "annual_salary_cny",
        "contract_start",
        "contract_end",
        "months_in_china_per_year",
        "foreigner",
        "passport",
        "education",
        "experience_years",
    ):
        assert getattr(copy, name) == getattr(source, name), name
    assert (copy.submitted_at, copy.decided_at, copy.due_on) == (None, None, None)
    assert copy.assessment == {}
    assert list(copy.decision_reasons.all()) == []
    copied = list(copy.documents.all())
    assert sorted(d.kind for d in copied) == sorted(d.kind for d in source.documents.all())
    assert all(d.verified_at is None and d.carried_from is None for d in copied)


def test_copy_of_another_employers_application_is_refused(
    clock, employer_admin, employer, beijing_admin
):
    source = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    with pytest.raises(PermissionDeniedError):
        services.draft_copy(actor=beijing_admin, application=source)
    assert Application.objects.count() == 1


def test_only_new_and_short_term_applications_are_copied(clock, employer_admin, employer, permit):
    source = services.draft_create(
        actor=employer_admin, employer=employer, kind=K.EXTENSION, permit=permit
    )
    before = Application.objects.count()
    with pytest.raises(ServiceError) as excinfo:
        services.draft_copy(actor=employer_admin, application=source)
    assert excinfo.value.code == "not_copyable"
    assert Application.objects.count() == before


# --- The worker --------------------------------------------------------------------------------


def test_a_second_employer_finds_the_worker_instead_of_a_twin(
    clock, employer_admin, employer, beijing_admin, beijing_employer, foreigner
):
    first = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    first = services.draft_update(actor=employer_admin, application=first, step="worker", **WORKER)
    second = services.draft_create(actor=beijing_admin, employer=beijing_employer, kind=K.NEW)
    second = services.draft_update(
        actor=beijing_admin,
        application=second,
        step="worker",
        **{**WORKER, "passport_number": "c01x 00t47"},  # typed loosely
    )

    assert first.foreigner == second.foreigner == foreigner
    assert first.passport == second.passport
    assert Foreigner.objects.count() == 1
    assert Passport.objects.count() == 1


def test_a_new_worker_is_created_once(clock, employer_admin, employer):
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    values = {
        **WORKER,
        "surname": "Okafor",
        "given_names": "Chidi",
        "sex": "M",
        "date_of_birth": "1988-02-29",
        "nationality": "NGA",
        "passport_number": "A12345678",
        "passport_country": "NGA",
    }
    application = services.draft_update(
        actor=employer_admin, application=application, step="worker", **values
    )
    person = application.foreigner
    assert (person.surname, person.given_names, person.nationality) == ("OKAFOR", "CHIDI", "NGA")
    assert application.passport.number == "A12345678"
    assert AuditEvent.objects.filter(action="permits.worker.create").count() == 1
    services.draft_update(actor=employer_admin, application=application, step="worker", **values)
    assert Foreigner.objects.filter(surname="OKAFOR").count() == 1


def test_a_known_passport_with_other_personal_details_is_refused(
    clock, employer_admin, employer, foreigner
):
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    with pytest.raises(ValidationError) as excinfo:
        services.draft_update(
            actor=employer_admin,
            application=application,
            step="worker",
            **{**WORKER, "date_of_birth": "1991-03-14"},
        )
    assert list(errors_of(excinfo)) == ["passport_number"]
    application.refresh_from_db()
    assert application.foreigner is None
    assert Foreigner.objects.count() == 1


def test_a_renewed_passport_becomes_the_current_one(clock, employer_admin, employer, foreigner):
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    application = services.draft_update(
        actor=employer_admin, application=application, step="worker", **WORKER
    )
    old = application.passport

    renewed = {
        **WORKER,
        "passport_number": "C9R7K2LM1",
        "passport_issue_date": "2026-05-01",
        "passport_expiry_date": "2036-04-30",
    }
    application = services.draft_update(
        actor=employer_admin, application=application, step="worker", **renewed
    )

    assert application.foreigner == foreigner
    assert application.passport.number == "C9R7K2LM1"
    assert application.passport.is_current is True
    old.refresh_from_db()
    assert old.is_current is False
    assert Foreigner.objects.count() == 1
    # The old passport no longer serves a new application.
    other = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    with pytest.raises(ValidationError) as excinfo:
        services.draft_update(actor=employer_admin, application=other, step="worker", **WORKER)
    assert errors_of(excinfo) == {
        "passport_number": [
            "This passport has been replaced by a newer one: enter the current passport."
        ]
    }


def test_a_renewed_passport_named_by_the_previous_number(
    clock, employer_admin, employer, foreigner
):
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    application = services.draft_update(
        actor=employer_admin,
        application=application,
        step="worker",
        **{
            **WORKER,
            "surname": "SCHMIDT",  # married since
            "passport_number": "C9R7K2LM1",
            "passport_issue_date": "2026-05-01",
            "passport_expiry_date": "2036-04-30",
            "previous_passport_number": "C01X00T47",
        },
    )
    assert application.foreigner == foreigner
    assert foreigner.passports.get(is_current=True).number == "C9R7K2LM1"


def _mrz(
    *,
    number: str = "C01X00T47",
    issuing: str = "D<<",
    nationality: str = "D<<",
    birth: str = "900314",
    sex: str = "F",
    expiry: str = "320109",
    names: str = "MUELLER<<ANNA<MARIA",
) -> tuple[str, str]:
    line1 = f"P<{issuing}{names}".ljust(44, "<")
    number = number.ljust(9, "<")
    body = (
        number
        + mrz_check_digit(number)
        + nationality
        + birth
        + mrz_check_digit(birth)
        + sex
        + expiry
        + mrz_check_digit(expiry)
        + "<" * 14
        + "<"
    )
    return line1, body + mrz_check_digit(body[0:10] + body[13:20] + body[21:43])


def _with_digit(line2: str, position: int) -> str:
    """``line2`` with a wrong check digit at ``position`` and the composite recomputed, so
    that only that digit is wrong."""
    wrong = str((int(line2[position]) + 1) % 10)
    body = line2[:position] + wrong + line2[position + 1 : 43]
    return body + mrz_check_digit(body[0:10] + body[13:20] + body[21:43])


def test_mrz_lines_that_match_are_accepted(clock, employer_admin, employer, foreigner):
    line1, line2 = _mrz()
    assert line1 == "P<D<<MUELLER<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<<"
    assert services.mrz_problems(line1, line2, WORKER) == []
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    application = services.draft_update(
        actor=employer_admin,
        application=application,
        step="worker",
        **WORKER,
        mrz_line1=line1,
        mrz_line2=line2.lower(),
    )
    assert application.foreigner == foreigner


@pytest.mark.parametrize(
    ("position", "message"),
    [
        (9, "The check digit of the passport number in the second line does not match."),
        (19, "The check digit of the date of birth in the second line does not match."),
        (27, "The check digit of the date of expiry in the second line does not match."),
    ],
)
def test_each_wrong_check_digit_is_named(clock, employer_admin, employer, position, message):
    line1, line2 = _mrz()
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    with pytest.raises(ValidationError) as excinfo:
        services.draft_update(
            actor=employer_admin,
            application=application,
            step="worker",
            **WORKER,
            mrz_line1=line1,
            mrz_line2=_with_digit(line2, position),
        )
    assert errors_of(excinfo) == {"mrz": [message]}
    assert Foreigner.objects.count() == 0


def test_a_wrong_composite_check_digit_is_named():
    line1, line2 = _mrz()
    wrong = line2[:43] + str((int(line2[43]) + 1) % 10)
    assert services.mrz_problems(line1, wrong, WORKER) == [
        "The composite check digit (last character) does not match."
    ]


def test_mrz_fields_must_match_the_typed_ones():
    line1, line2 = _mrz(birth="900315", sex="M", names="MULLER<<ANNA<MARIA")
    assert services.mrz_problems(line1, line2, WORKER) == [
        "The date of birth in the machine-readable zone (1990-03-15) differs from the one "
        "typed (1990-03-14).",
        "The sex in the machine-readable zone (M) differs from the one typed (F).",
        "The surname in the machine-readable zone (MULLER) differs from the one typed (MUELLER).",
    ]


def test_mrz_lines_of_the_wrong_shape_are_refused():
    assert services.mrz_problems("P<D<<MUELLER", "C01X00T47", WORKER) == [
        "The machine-readable zone has two lines of 44 characters (A-Z, 0-9 and <): copy them "
        "exactly from the passport."
    ]


def test_worker_fields_are_checked(clock, employer_admin, employer):
    application = services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)
    with pytest.raises(ValidationError) as excinfo:
        services.draft_update(
            actor=employer_admin,
            application=application,
            step="worker",
            surname="",
            sex="Q",
            date_of_birth="2030-01-01",
            nationality="QQQ",
            passport_number="AB",
            passport_country="DEU",
            passport_issue_date="2022-01-10",
            passport_expiry_date="2021-01-10",
        )
    assert errors_of(excinfo) == {
        "surname": ["This field is required."],
        "passport_number": ["A passport number has 5 to 20 letters and digits."],
        "nationality": ["Choose a country by its ISO 3166 three-letter code."],
        "sex": ["Choose F, M or X."],
        "passport_expiry_date": ["The passport must expire after it was issued."],
        "date_of_birth": ["The date of birth must be in the past."],
    }


# --- Documents and uploads -------------------------------------------------------------------


@pytest.fixture
def draft(clock, employer_admin, employer):
    return services.draft_create(actor=employer_admin, employer=employer, kind=K.NEW)


def test_a_document_is_stored_with_its_checksum(draft, employer_admin):
    document = services.document_add(
        actor=employer_admin,
        application=draft,
        kind="health",
        upload=pdf_upload("health.pdf"),
        issued_on="2026-05-20",
    )
    assert document.kind == "health"
    assert document.issued_on == dt.date(2026, 5, 20)
    assert document.file.content_type == "application/pdf"
    assert document.file.original_name == "health.pdf"
    event = AuditEvent.objects.get(action="permits.document.add")
    assert event.data["sha256"] == document.file.sha256


@pytest.mark.parametrize(
    ("content", "name", "code", "message"),
    [
        (
            b"just some text",
            "contract.pdf",
            "unknown_type",
            "Only PDF, JPEG and PNG files are accepted. Scan or save the document as one of these.",
        ),
        (
            b"%PDF-1.4\nnot really a PDF, it never ends",
            "contract.pdf",
            "damaged",
            "The PDF is incomplete or damaged. Save it again and resend it.",
        ),
        (
            b"%PDF-1.4\n1 0 obj<</S/JavaScript/JS(app.alert(1))>>endobj\n%%EOF\n",
            "contract.pdf",
            "active_content",
            "The PDF contains scripts, attachments or forms. Print it to a plain PDF or scan it, "
            "and send that.",
        ),
        (b"", "contract.pdf", "empty", "The file is empty."),
    ],
)
def test_bad_uploads_are_refused_as_field_errors(
    draft, employer_admin, content, name, code, message
):
    with pytest.raises(ValidationError) as excinfo:
        services.document_add(
            actor=employer_admin,
            application=draft,
            kind="contract",
            upload=pdf_upload(name, content),
        )
    assert errors_of(excinfo) == {"file": [message]}
    assert excinfo.value.error_dict["file"][0].code == code
    assert draft.documents.count() == 0


def test_a_file_over_the_limit_is_refused(draft, employer_admin, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024 * 1024
    big = PDF[:-7] + b"0" * (1024 * 1024) + b"\n%%EOF\n"
    with pytest.raises(ValidationError) as excinfo:
        services.document_add(
            actor=employer_admin, application=draft, kind="contract", upload=pdf_upload(content=big)
        )
    assert errors_of(excinfo) == {
        "file": ["The file is larger than 1 MB. Send a smaller scan (150 to 300 dpi)."]
    }
    assert draft.documents.count() == 0


def test_a_kind_not_on_the_checklist_is_refused(draft, employer_admin):
    with pytest.raises(ValidationError) as excinfo:
        services.document_add(
            actor=employer_admin, application=draft, kind="termination", upload=pdf_upload()
        )
    assert errors_of(excinfo) == {
        "kind": ["This application does not need a document of this kind."]
    }
    assert draft.documents.count() == 0


def test_a_certificate_needs_its_issue_date(draft, employer_admin):
    with pytest.raises(ValidationError) as excinfo:
        services.document_add(
            actor=employer_admin, application=draft, kind="criminal_record", upload=pdf_upload()
        )
    assert errors_of(excinfo) == {"issued_on": ["Enter the date the certificate was issued."]}
    with pytest.raises(ValidationError) as excinfo:
        services.document_add(
            actor=employer_admin,
            application=draft,
            kind="criminal_record",
            upload=pdf_upload(),
            issued_on=TODAY + dt.timedelta(days=1),
        )
    assert errors_of(excinfo) == {"issued_on": ["The date of issue cannot be in the future."]}
    assert draft.documents.count() == 0


def test_a_document_is_removed_from_a_draft(draft, employer_admin, beijing_admin):
    document = services.document_add(
        actor=employer_admin, application=draft, kind="photo", upload=pdf_upload()
    )
    with pytest.raises(PermissionDeniedError):
        services.document_remove(actor=beijing_admin, document=document)
    assert draft.documents.count() == 1

    services.document_remove(actor=employer_admin, document=document)

    assert draft.documents.count() == 0
    event = AuditEvent.objects.get(action="permits.document.remove")
    assert event.data["kind"] == "photo"


def test_a_permit_kind_keeps_its_worker(clock, employer_admin, employer, permit):
    application = services.draft_create(
        actor=employer_admin, employer=employer, kind=K.CHANGE, permit=permit
    )
    other = {
        **WORKER,
        "surname": "ROSSI",
        "given_names": "LUCA",
        "sex": "M",
        "date_of_birth": "1987-09-02",
        "nationality": "ITA",
        "passport_number": "YA1234567",
        "passport_country": "ITA",
    }
    with pytest.raises(ValidationError) as excinfo:
        services.draft_update(actor=employer_admin, application=application, step="worker", **other)
    assert errors_of(excinfo) == {
        "passport_number": [
            "This application concerns MUELLER ANNA MARIA: enter that person's passport."
        ]
    }
    application.refresh_from_db()
    assert application.foreigner == permit.foreigner
    assert not Foreigner.objects.filter(surname="ROSSI").exists()
