"""Credit records: creation and its validation (fines at the legal boundaries), who may
record, corrections as new versions, revocation, and the dishonest acts other apps report.
A refused write is checked to have written nothing, audit event included."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone, translation

from credit import selectors, services
from credit.constants import RecordState, Severity, Source, SubjectKind
from credit.models import CreditRecord, CreditRecordKind
from portal.models import AuditEvent, Foreigner, Organization, StoredFile, User
from portal.services import PermissionDeniedError, ServiceError
from tests.credit.conftest import TODAY, MakeRecord
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """These tests read the services' messages in English."""
    with translation.override("en"):
        yield


def credit_events() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith="credit.")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def assert_nothing_written(records_before: int = 0) -> None:
    assert CreditRecord.objects.count() == records_before
    assert credit_events() == []


def stored_file(name: str = "evidence.pdf") -> StoredFile:
    return StoredFile.objects.create(
        file=f"uploads/test/{name}",
        original_name=name,
        content_type=StoredFile.ContentType.PDF,
        size=100,
        sha256="0" * 64,
        uploaded_at=timezone.now(),
    )


# --- The maintained list ---------------------------------------------------------------------


def test_kinds_are_seeded_with_their_defaults() -> None:
    kinds = {
        k.code: (k.nature, k.default_severity, k.default_effect_months, k.carries_fine)
        for k in CreditRecordKind.objects.all()
    }
    assert kinds == {
        "illegal_employment": ("dishonest", "serious", 36, True),
        "false_materials": ("dishonest", "serious", 36, False),
        "salary_commitment_unbacked": ("dishonest", "serious", 24, False),
        "illegal_introduction": ("dishonest", "serious", 36, True),
        "late_change_report": ("dishonest", "minor", 12, False),
        "late_cancellation": ("dishonest", "minor", 12, False),
        "inspection_finding": ("dishonest", "minor", 12, False),
        "commendation": ("commendation", "none", 24, False),
    }
    kind = CreditRecordKind.objects.get(code="salary_commitment_unbacked")
    assert (kind.name_zh, kind.name_en) == (
        "薪酬承诺与纳税记录不符",
        "Salary commitment not backed by tax records",
    )


def test_a_kind_cannot_be_a_commendation_with_a_severity() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditRecordKind.objects.create(
            code="odd", name_zh="奇", name_en="Odd", nature="commendation", default_severity="minor"
        )


# --- Create ----------------------------------------------------------------------------------


def test_create_records_every_field_and_an_audit_event(
    make_record: MakeRecord, inspector: User, employer: Organization
) -> None:
    evidence = stored_file()
    record = make_record(fine_cny=20_000, persons=2, evidence=[evidence], reference="INS-7 ")

    record.refresh_from_db()
    assert record.version == 1
    assert record.supersedes is None
    assert record.state == RecordState.IN_FORCE
    assert record.subject_kind == SubjectKind.EMPLOYER
    assert record.organization == employer
    assert record.subject_uscc == employer.uscc
    assert record.foreigner is None
    assert record.region == employer.region
    assert record.kind.code == "illegal_employment"
    assert record.dishonest is True
    assert record.severity == Severity.SERIOUS
    assert record.source == Source.INSPECTION
    assert record.reference == "INS-7"
    assert (record.fine_cny, record.persons) == (20_000, 2)
    assert (record.effective_from, record.effective_until) == (TODAY, dt.date(2027, 6, 7))
    assert record.disclosed is True  # the kind's default
    assert record.recorded_by == inspector
    assert record.superseded_at is None
    assert list(record.evidence.all()) == [evidence]

    event = AuditEvent.objects.get(action="credit.record.create")
    assert event.actor == inspector
    assert event.target_model == "credit.creditrecord"
    assert event.target_id == str(record.pk)
    assert event.data["subject_uscc"] == employer.uscc
    assert event.data["kind"] == "illegal_employment"
    assert event.data["fine_cny"] == 20_000
    assert event.data["evidence"] == [str(evidence.pk)]
    assert event.data["automatic"] is False


def test_create_a_workers_record_in_the_region_given(
    make_record: MakeRecord, worker: Foreigner, inspector: User
) -> None:
    shanghai = inspector.organization.region  # type: ignore[union-attr]
    record = make_record(
        foreigner=worker, region=shanghai, kind="illegal_employment", fine_cny=5_000
    )
    assert record.subject_kind == SubjectKind.WORKER
    assert (record.foreigner, record.organization, record.subject_uscc) == (worker, None, "")
    assert record.region == shanghai


def test_severity_and_disclosure_can_differ_from_the_kinds(make_record: MakeRecord) -> None:
    record = make_record(kind="false_materials", severity=Severity.MINOR, disclosed=False)
    assert (record.severity, record.disclosed) == (Severity.MINOR, False)


def test_a_commendation_has_no_severity(make_record: MakeRecord) -> None:
    record = make_record(kind="commendation", effective_until=None)
    assert (record.dishonest, record.severity, record.effective_until) == (
        False,
        Severity.NONE,
        None,
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"facts": "  "}, "facts", "State the facts."),
        ({"source": "rumour"}, "source", "Choose where the record comes from."),
        (
            {"effective_from": TODAY, "effective_until": TODAY - dt.timedelta(days=1)},
            "effective_until",
            "The effect cannot end before it begins.",
        ),
        ({"severity": Severity.NONE}, "severity", "A dishonest act is minor or serious."),
        (
            {"kind": "commendation", "severity": Severity.MINOR},
            "severity",
            "A commendation has no severity.",
        ),
        (
            {"kind": "late_cancellation", "fine_cny": 10_000, "persons": 1},
            "fine_cny",
            "Records of this kind carry no fine.",
        ),
        ({"fine_cny": 10_000}, "fine_cny", "Give the number of persons the fine is for."),
    ],
)
def test_create_refuses_bad_input(
    make_record: MakeRecord, overrides: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_record(**overrides)
    assert caught.value.message_dict == {field: [message]}
    assert_nothing_written()


def test_create_refuses_two_subjects_or_none(
    make_record: MakeRecord, employer: Organization, worker: Foreigner
) -> None:
    message = {"subject": ["A record belongs to one organization or one foreign worker."]}
    with pytest.raises(ValidationError) as caught:
        make_record(organization=employer, foreigner=worker)
    assert caught.value.message_dict == message
    with pytest.raises(ValidationError) as caught:
        make_record(organization=None)
    assert caught.value.message_dict == message
    assert_nothing_written()


def test_create_refuses_an_authority_as_subject(make_record: MakeRecord) -> None:
    authority = OrganizationFactory(authority=True)
    with pytest.raises(ValidationError) as caught:
        make_record(organization=authority)
    assert caught.value.message_dict == {
        "subject": ["Credit records are kept of employers and service agencies only."]
    }
    assert_nothing_written()


def test_a_workers_record_needs_a_region(make_record: MakeRecord, worker: Foreigner) -> None:
    with pytest.raises(ValidationError) as caught:
        make_record(foreigner=worker)
    assert caught.value.message_dict == {"region": ["Choose the region that keeps the record."]}
    assert_nothing_written()


def test_create_refuses_an_unknown_or_inactive_kind(make_record: MakeRecord) -> None:
    with pytest.raises(ServiceError) as caught:
        make_record(kind="jaywalking")
    assert caught.value.code == "unknown_kind"
    CreditRecordKind.objects.filter(code="late_change_report").update(is_active=False)
    with pytest.raises(ValidationError) as refused:
        make_record(kind="late_change_report")
    assert refused.value.message_dict == {"kind": ["This kind of record is no longer used."]}
    assert_nothing_written()


def test_create_refuses_a_duplicate_reference(make_record: MakeRecord) -> None:
    first = make_record(reference="INS-1")
    with pytest.raises(ServiceError) as caught:
        make_record(reference="INS-1")
    assert caught.value.code == "duplicate"
    assert list(CreditRecord.objects.values_list("pk", flat=True)) == [first.pk]
    # Another kind with the same reference is another record.
    make_record(kind="false_materials", reference="INS-1")
    assert CreditRecord.objects.count() == 2


# --- Fines (Exit-Entry Law art. 80) --------------------------------------------------------


@pytest.mark.parametrize(
    ("fine", "accepted"),
    [(4_999, False), (5_000, True), (12_345, True), (20_000, True), (20_001, False)],
)
def test_a_workers_fine_is_5000_to_20000(
    make_record: MakeRecord, worker: Foreigner, inspector: User, fine: int, accepted: bool
) -> None:
    region = inspector.organization.region  # type: ignore[union-attr]
    if accepted:
        assert make_record(foreigner=worker, region=region, fine_cny=fine).fine_cny == fine
        return
    with pytest.raises(ValidationError) as caught:
        make_record(foreigner=worker, region=region, fine_cny=fine)
    assert caught.value.message_dict == {
        "fine_cny": ["A foreign worker is fined 5,000 to 20,000 RMB."]
    }
    assert_nothing_written()


def test_a_workers_fine_is_not_counted_in_persons(
    make_record: MakeRecord, worker: Foreigner, inspector: User
) -> None:
    region = inspector.organization.region  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as caught:
        make_record(foreigner=worker, region=region, fine_cny=10_000, persons=1)
    assert caught.value.message_dict == {
        "fine_cny": ["A foreign worker's fine is not counted in persons."]
    }
    assert_nothing_written()


@pytest.mark.parametrize(
    ("persons", "fine", "accepted"),
    [
        (1, 10_000, True),
        (1, 9_999, False),
        (3, 30_000, True),
        (3, 25_000, False),
        (10, 100_000, True),
        (11, 100_000, True),
        (11, 110_000, False),
        (12, 120_000, False),
    ],
)
def test_an_employers_fine_is_10000_a_person_capped_at_100000(
    make_record: MakeRecord, persons: int, fine: int, accepted: bool
) -> None:
    if accepted:
        record = make_record(fine_cny=fine, persons=persons)
        assert (record.fine_cny, record.persons) == (fine, persons)
        return
    expected = min(persons * 10_000, 100_000)
    with pytest.raises(ValidationError) as caught:
        make_record(fine_cny=fine, persons=persons)
    assert caught.value.message_dict == {
        "fine_cny": [
            "The fine is 10,000 RMB for each person, 100,000 RMB at most: "
            f"{expected:,} RMB for {persons}."
        ]
    }
    assert_nothing_written()


def test_an_agencys_fine_is_5000_a_person(make_record: MakeRecord, agency: Organization) -> None:
    record = make_record(
        organization=agency, kind="illegal_introduction", fine_cny=15_000, persons=3
    )
    assert (record.subject_kind, record.fine_cny) == (SubjectKind.SERVICE_AGENCY, 15_000)
    with pytest.raises(ValidationError):
        make_record(organization=agency, kind="illegal_introduction", fine_cny=30_000, persons=3)
    assert CreditRecord.objects.count() == 1


def test_the_database_refuses_a_fine_outside_the_law(make_record: MakeRecord) -> None:
    record = make_record(fine_cny=10_000, persons=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditRecord.objects.filter(pk=record.pk).update(fine_cny=50_000)


# --- Who may record --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["inspector", "decision_officer", "site_admin", "system"])
def test_who_may_record(request: pytest.FixtureRequest, make_record: MakeRecord, who: str) -> None:
    actor = None if who == "system" else request.getfixturevalue(who)
    record = make_record(actor=actor)
    assert record.recorded_by == actor


@pytest.mark.parametrize("who", ["beijing_inspector", "employer_admin", "acceptance_officer"])
def test_who_may_not_record(
    request: pytest.FixtureRequest, make_record: MakeRecord, roles: Any, who: str
) -> None:
    if who == "acceptance_officer":
        actor = roles.user("acceptance_officer", region_code="310000")
    else:
        actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDeniedError):
        make_record(actor=actor)
    assert_nothing_written()


# --- Correct: a new version; what was known stays readable -----------------------------------


def test_correction_is_a_new_version_and_the_old_stays_readable(
    make_record: MakeRecord, decision_officer: User
) -> None:
    original = make_record(facts="Two workers.", fine_cny=20_000, persons=2)
    before_correction = timezone.now()

    corrected = services.record_correct(
        actor=decision_officer,
        record=original,
        reason="The court found three workers.",
        facts="Three workers.",
        fine_cny=30_000,
        persons=3,
    )

    original.refresh_from_db()
    assert (corrected.series, corrected.version, corrected.supersedes) == (
        original.series,
        2,
        original,
    )
    assert (corrected.facts, corrected.fine_cny, corrected.persons) == ("Three workers.", 30_000, 3)
    assert corrected.recorded_by == decision_officer
    assert corrected.reason == "The court found three workers."
    assert corrected.superseded_at is None
    # The old version is untouched but for the end of its transaction time.
    assert (original.facts, original.fine_cny, original.persons) == ("Two workers.", 20_000, 2)
    assert original.superseded_at == corrected.recorded_at
    assert [v.version for v in selectors.record_versions(original.series)] == [1, 2]
    # What did we know before the correction, and after it?
    assert selectors.record_as_known(original.series, before_correction) == original
    assert selectors.record_as_known(original.series, timezone.now()) == corrected
    assert (
        selectors.record_as_known(original.series, original.recorded_at - dt.timedelta(1)) is None
    )

    event = AuditEvent.objects.get(action="credit.record.correct")
    assert event.actor == decision_officer
    assert event.target_id == str(corrected.pk)
    assert event.data["changes"] == {
        "facts": ["Two workers.", "Three workers."],
        "fine_cny": [20_000, 30_000],
        "persons": [2, 3],
    }
    assert event.data["supersedes"] == original.pk
    assert credit_events() == ["credit.record.create", "credit.record.correct"]


def test_correcting_the_kind_takes_its_default_severity(make_record: MakeRecord) -> None:
    record = make_record()
    corrected = services.record_correct(
        actor=None, record=record, reason="It was late only.", kind="late_change_report"
    )
    assert (corrected.kind.code, corrected.severity, corrected.dishonest) == (
        "late_change_report",
        Severity.MINOR,
        True,
    )
    # And back to a kind without fines keeps no fine (the original had none).
    assert corrected.fine_cny is None


def test_correcting_evidence_keeps_the_old_versions_files(make_record: MakeRecord) -> None:
    first, second = stored_file("a.pdf"), stored_file("b.pdf")
    record = make_record(evidence=[first])
    corrected = services.record_correct(
        actor=None, record=record, reason="Better scan.", evidence=[first, second]
    )
    assert set(corrected.evidence.all()) == {first, second}
    assert list(record.evidence.all()) == [first]


def test_a_correction_is_validated_like_a_record(make_record: MakeRecord) -> None:
    record = make_record(fine_cny=10_000, persons=1)
    with pytest.raises(ValidationError) as caught:
        services.record_correct(actor=None, record=record, reason="More.", persons=2)
    assert caught.value.message_dict == {
        "fine_cny": [
            "The fine is 10,000 RMB for each person, 100,000 RMB at most: 20,000 RMB for 2."
        ]
    }
    record.refresh_from_db()
    assert record.superseded_at is None
    assert CreditRecord.objects.count() == 1
    assert credit_events() == ["credit.record.create"]


def test_a_correction_needs_a_reason_and_a_change(make_record: MakeRecord) -> None:
    record = make_record()
    with pytest.raises(ValidationError) as caught:
        services.record_correct(actor=None, record=record, reason=" ", facts="Other.")
    assert caught.value.message_dict == {"reason": ["Say why the record is corrected."]}
    with pytest.raises(ValidationError) as caught:
        services.record_correct(actor=None, record=record, reason="Why not.", facts=record.facts)
    assert caught.value.messages == ["The correction changes nothing."]
    assert CreditRecord.objects.count() == 1
    assert credit_events() == ["credit.record.create"]


def test_correcting_a_stale_version_is_refused(make_record: MakeRecord) -> None:
    record = make_record()
    services.record_correct(actor=None, record=record, reason="One.", facts="One.")
    with pytest.raises(ServiceError) as caught:
        services.record_correct(actor=None, record=record, reason="Two.", facts="Two.")
    assert (caught.value.code, caught.value.status) == ("stale", 409)
    assert CreditRecord.objects.count() == 2
    assert credit_events() == ["credit.record.create", "credit.record.correct"]


def test_only_the_subjects_province_may_correct(
    make_record: MakeRecord, beijing_inspector: User
) -> None:
    record = make_record()
    with pytest.raises(PermissionDeniedError):
        services.record_correct(actor=beijing_inspector, record=record, reason="x", facts="y")
    with pytest.raises(PermissionDeniedError):
        services.record_revoke(actor=beijing_inspector, record=record, reason="x")
    record.refresh_from_db()
    assert record.superseded_at is None
    assert CreditRecord.objects.count() == 1
    assert credit_events() == ["credit.record.create"]


# --- Revoke ----------------------------------------------------------------------------------


def test_revocation_is_a_version_too(make_record: MakeRecord, inspector: User) -> None:
    record = make_record()
    revoked = services.record_revoke(actor=inspector, record=record, reason="Objection upheld.")
    record.refresh_from_db()
    assert (revoked.version, revoked.state, revoked.supersedes) == (2, RecordState.REVOKED, record)
    assert (revoked.facts, revoked.kind, revoked.effective_until) == (
        record.facts,
        record.kind,
        record.effective_until,
    )
    assert record.state == RecordState.IN_FORCE
    assert record.superseded_at == revoked.recorded_at
    event = AuditEvent.objects.get(action="credit.record.revoke")
    assert (event.actor, event.data["reason"], event.data["version"]) == (
        inspector,
        "Objection upheld.",
        2,
    )


def test_a_revoked_record_is_neither_revoked_again_nor_corrected(make_record: MakeRecord) -> None:
    revoked = services.record_revoke(actor=None, record=make_record(), reason="Wrong employer.")
    with pytest.raises(ServiceError) as caught:
        services.record_revoke(actor=None, record=revoked, reason="Again.")
    assert caught.value.code == "revoked"
    with pytest.raises(ServiceError) as caught:
        services.record_correct(actor=None, record=revoked, reason="Fix.", facts="Other.")
    assert caught.value.code == "revoked"
    assert CreditRecord.objects.count() == 2
    assert credit_events() == ["credit.record.create", "credit.record.revoke"]


def test_the_database_keeps_one_current_version_per_series(make_record: MakeRecord) -> None:
    record = make_record()
    services.record_correct(actor=None, record=record, reason="x", facts="y")
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditRecord.objects.filter(pk=record.pk).update(superseded_at=None)


# --- Reported dishonest acts (the permits app) -----------------------------------------------


def report(employer: Organization, actor: User | None, **overrides: Any) -> CreditRecord:
    values: dict[str, Any] = {
        "organization": employer,
        "kind": "salary_commitment_unbacked",
        "facts": "Committed 600,000 RMB a year; tax records show 240,000 RMB.",
        "reference": "WP-2026-0042",
        "on": TODAY,
        "actor": actor,
    }
    values.update(overrides)
    return services.report_dishonest_act(**values)


def test_report_dishonest_act_records_with_the_kinds_defaults(
    employer: Organization, decision_officer: User
) -> None:
    record = report(employer, decision_officer)
    assert record.kind.code == "salary_commitment_unbacked"
    assert (record.severity, record.dishonest, record.disclosed) == (Severity.SERIOUS, True, True)
    assert record.source == Source.APPLICATION_REVIEW
    assert record.reference == "WP-2026-0042"
    # 24 months from the day, inclusive.
    assert (record.effective_from, record.effective_until) == (TODAY, dt.date(2028, 6, 7))
    assert record.recorded_by == decision_officer
    event = AuditEvent.objects.get(action="credit.record.create")
    assert (event.actor, event.data["automatic"]) == (decision_officer, True)
    assert selectors.organization_standing(employer.uscc, TODAY).blocks is True


def test_report_dishonest_act_is_idempotent(employer: Organization) -> None:
    first = report(employer, None)
    again = report(employer, None, facts="Reported twice.", on=TODAY + dt.timedelta(days=3))
    assert again == first
    assert again.facts == first.facts
    assert CreditRecord.objects.count() == 1
    assert credit_events() == ["credit.record.create"]
    # Another reference is another act.
    other = report(employer, None, reference="WP-2026-0043")
    assert other != first


def test_report_dishonest_act_returns_the_current_version(employer: Organization) -> None:
    first = report(employer, None)
    revoked = services.record_revoke(actor=None, record=first, reason="Tax records arrived late.")
    assert report(employer, None) == revoked
    assert CreditRecord.objects.count() == 2


def test_report_dishonest_act_does_not_ask_the_officers_recording_rights(
    employer: Organization, roles: Any
) -> None:
    acceptance_officer = roles.user("acceptance_officer", region_code="310000")
    record = report(employer, acceptance_officer)
    assert record.recorded_by == acceptance_officer


def test_report_dishonest_act_refuses_a_commendation_or_no_reference(
    employer: Organization,
) -> None:
    with pytest.raises(ServiceError) as caught:
        report(employer, None, kind="commendation")
    assert caught.value.code == "not_dishonest"
    with pytest.raises(ServiceError) as caught:
        report(employer, None, kind="no_such_kind")
    assert caught.value.code == "unknown_kind"
    with pytest.raises(ValidationError):
        report(employer, None, reference=" ")
    assert_nothing_written()


def test_report_dishonest_act_with_an_open_ended_kind(employer: Organization) -> None:
    CreditRecordKind.objects.filter(code="false_materials").update(default_effect_months=None)
    record = report(employer, None, kind="false_materials")
    assert record.effective_until is None


def test_records_of_a_subject_one_version_per_series(
    make_record: MakeRecord, employer: Organization
) -> None:
    first = make_record(effective_from=TODAY - dt.timedelta(days=10))
    second = make_record(kind="late_change_report")
    corrected = services.record_correct(actor=None, record=first, reason="x", facts="y")
    assert list(selectors.records_of(organization=employer)) == [second, corrected]
    assert list(selectors.records_of()) == []
    assert selectors.records_in_effect(on=TODAY - dt.timedelta(days=1), organization=employer) == [
        corrected
    ]


def test_report_dishonest_act_that_loses_a_race_returns_the_winners_record(
    employer: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both calls looked before either wrote: the database's constraint decides, and the
    loser returns the winner's record, writing nothing."""
    winner = report(employer, None)
    looked = []
    real = services._reported

    def missed_first_time(*args: Any) -> CreditRecord | None:
        looked.append(args)
        return None if len(looked) == 1 else real(*args)

    monkeypatch.setattr(services, "_reported", missed_first_time)
    assert report(employer, None) == winner
    assert len(looked) == 2
    assert CreditRecord.objects.count() == 1
    assert credit_events() == ["credit.record.create"]


# --- Races on PostgreSQL ---------------------------------------------------------------------


def run_together(*calls: Any) -> list[Any]:
    """Run the calls in threads started together; each result or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Any) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_corrections_one_wins_the_other_is_stale(
    postgres_only: None, make_record: MakeRecord
) -> None:
    record = make_record()
    results = run_together(
        lambda: services.record_correct(actor=None, record=record, reason="a", facts="A."),
        lambda: services.record_correct(actor=None, record=record, reason="b", facts="B."),
    )
    won = [r for r in results if isinstance(r, CreditRecord)]
    lost = [r for r in results if isinstance(r, ServiceError)]
    assert (len(won), len(lost)) == (1, 1)
    assert lost[0].code == "stale"
    versions = selectors.record_versions(record.series)
    assert [(v.version, v.superseded_at is None) for v in versions] == [(1, False), (2, True)]
    assert credit_events() == ["credit.record.create", "credit.record.correct"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_reports_make_one_record(postgres_only: None, employer: Organization) -> None:
    results = run_together(lambda: report(employer, None), lambda: report(employer, None))
    assert all(isinstance(r, CreditRecord) for r in results), results
    assert results[0] == results[1]
    assert CreditRecord.objects.count() == 1
    assert credit_events() == ["credit.record.create"]


# --- Admin: kinds edited (audited), records read-only ----------------------------------------


@pytest.fixture
def admin_browser(site_admin: User) -> Client:
    site_admin.is_superuser = True
    site_admin.save()
    client = Client()
    client.force_login(site_admin)
    session = client.session
    session["portal_2fa_verified"] = True
    session.save()
    return client


def test_admin_lists_records_read_only(admin_browser: Client, make_record: MakeRecord) -> None:
    record = make_record()
    listing = admin_browser.get("/admin/credit/creditrecord/?state__exact=in_force")
    assert listing.status_code == 200
    assert record.subject_uscc in listing.content.decode()
    assert admin_browser.get(f"/admin/credit/creditrecord/{record.pk}/change/").status_code == 200
    assert admin_browser.get("/admin/credit/creditrecord/add/").status_code == 403
    deleted = admin_browser.post(f"/admin/credit/creditrecord/{record.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    assert CreditRecord.objects.count() == 1


def test_admin_edits_a_kind_with_an_audit_event(admin_browser: Client) -> None:
    kind = CreditRecordKind.objects.get(code="late_cancellation")
    response = admin_browser.post(
        f"/admin/credit/creditrecordkind/{kind.pk}/change/",
        {
            "name_zh": kind.name_zh,
            "name_en": "Late cancellation",
            "nature": kind.nature,
            "default_severity": kind.default_severity,
            "default_effect_months": 6,
            "disclose_by_default": "",
            "is_active": "on",
            "position": kind.position,
        },
    )
    assert response.status_code == 302
    kind.refresh_from_db()
    assert (kind.code, kind.name_en, kind.default_effect_months) == (
        "late_cancellation",
        "Late cancellation",
        6,
    )
    assert AuditEvent.objects.filter(action="admin.change", target_id=str(kind.pk)).count() == 1
    assert admin_browser.get(f"/admin/credit/creditrecordkind/{kind.pk}/delete/").status_code == 403
