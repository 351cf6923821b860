"""Objections (异议) to credit records: who may file, on what, the one-open-objection rule,
the review by the inspectors of the record's region (take up, uphold, correct through a new
version, revoke), withdrawal by the filer. A refusal is checked to have changed nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from credit import selectors, services
from credit.constants import RecordState, Severity
from credit.models import CreditRecord, Objection
from credit.workflows import OBJECTION_WORKFLOW
from portal.models import AuditEvent, Organization, Region, StoredFile, TransitionRecord, User
from portal.roles import Role
from portal.services import PermissionDeniedError, ServiceError
from portal.workflow import GuardFailed, TransitionNotAllowed, TransitionPermissionDenied
from tests.credit.conftest import MakeRecord
from tests.factories import RoleHelper

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """These tests read the messages in English."""
    with translation.override("en"):
        yield


def today() -> dt.date:
    """Objections are filed on records in effect on the day they are filed: today."""
    return timezone.localdate()


def objection_events() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith="credit.objection")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def last_transition_at() -> dt.datetime:
    return TransitionRecord.objects.filter(workflow="credit.objection").latest("pk").at


def pdf(name: str = "receipt.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def record(make_record: MakeRecord) -> CreditRecord:
    """A serious record in effect from ten days ago for a year."""
    return make_record(
        effective_from=today() - dt.timedelta(days=10),
        effective_until=today() + dt.timedelta(days=355),
    )


def file(actor: User, record: CreditRecord, **kwargs: Any) -> Objection:
    values: dict[str, Any] = {"statement": "The two were applied for in time."}
    values.update(kwargs)
    return services.objection_file(actor=actor, record=record, **values)


# --- Filing -----------------------------------------------------------------------------------


def test_the_employer_admin_files_an_objection_with_evidence(
    employer_admin: User, record: CreditRecord
) -> None:
    objection = file(employer_admin, record, evidence=[pdf(), pdf("letter.pdf")])

    objection.refresh_from_db()
    assert objection.state == Objection.State.FILED
    assert objection.series == record.series
    assert objection.record_id == record.pk
    assert objection.organization_id == record.organization_id
    assert objection.region_id == record.region_id
    assert objection.filed_by_id == employer_admin.pk
    assert objection.statement == "The two were applied for in time."
    assert sorted(f.original_name for f in objection.evidence.all()) == [
        "letter.pdf",
        "receipt.pdf",
    ]
    assert {f.content_type for f in objection.evidence.all()} == {"application/pdf"}
    assert objection_events() == ["credit.objection.file"]
    # The record is marked, not hidden.
    marked = selectors.organization_record(record.organization, record.series)
    assert marked is not None
    assert marked.under_objection is True


def test_an_agency_agent_objects_to_the_agency_own_record(
    roles: RoleHelper, agency: Organization, make_record: MakeRecord
) -> None:
    agent = roles.user(Role.AGENCY_AGENT, organization=agency)
    agency_record = make_record(
        kind="illegal_introduction", organization=agency, effective_from=today()
    )

    objection = file(agent, agency_record)

    assert objection.organization_id == agency.pk


@pytest.mark.parametrize("who", ["staff", "other_admin", "inspector", "agent_of_another"])
def test_only_the_subject_may_object(
    who: str,
    roles: RoleHelper,
    employer: Organization,
    inspector: User,
    record: CreditRecord,
) -> None:
    actor = {
        "staff": lambda: roles.user(Role.EMPLOYER_STAFF, organization=employer),
        "other_admin": lambda: roles.user(Role.EMPLOYER_ADMIN),
        "inspector": lambda: inspector,
        "agent_of_another": lambda: roles.user(Role.AGENCY_AGENT),
    }[who]()

    with pytest.raises(PermissionDeniedError) as refused:
        file(actor, record, evidence=[pdf()])

    assert refused.value.message == "You may not object to this record."
    assert Objection.objects.count() == 0
    assert StoredFile.objects.count() == 0
    assert objection_events() == []


def test_a_statement_is_required_and_nothing_is_stored(
    employer_admin: User, record: CreditRecord
) -> None:
    with pytest.raises(ValidationError) as refused:
        file(employer_admin, record, statement="  ", evidence=[pdf()])

    assert refused.value.message_dict == {"statement": ["Say why the record is wrong."]}
    assert Objection.objects.count() == 0
    assert StoredFile.objects.count() == 0


def test_evidence_is_checked_by_content(employer_admin: User, record: CreditRecord) -> None:
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")

    with pytest.raises(ValidationError) as refused:
        file(employer_admin, record, evidence=[pdf(), fake])

    assert list(refused.value.message_dict) == ["evidence"]
    assert Objection.objects.count() == 0
    assert StoredFile.objects.count() == 0
    assert objection_events() == []


def test_at_most_five_files(employer_admin: User, record: CreditRecord) -> None:
    with pytest.raises(ValidationError) as refused:
        file(employer_admin, record, evidence=[pdf(f"{n}.pdf") for n in range(6)])

    assert refused.value.message_dict == {"evidence": ["Attach at most 5 files."]}
    assert StoredFile.objects.count() == 0


def test_one_open_objection_per_record(employer_admin: User, record: CreditRecord) -> None:
    file(employer_admin, record)

    with pytest.raises(ServiceError) as refused:
        file(employer_admin, record, statement="Again.")

    assert refused.value.code == "already_open"
    assert refused.value.message == "An objection to this record is already open."
    assert Objection.objects.count() == 1
    assert objection_events() == ["credit.objection.file"]


def test_the_database_refuses_a_second_open_objection(
    employer_admin: User, record: CreditRecord
) -> None:
    first = file(employer_admin, record)

    with pytest.raises(IntegrityError), transaction.atomic():
        Objection.objects.create(
            series=record.series,
            record=record,
            organization=first.organization,
            region=first.region,
            statement="Twice",
            filed_by=employer_admin,
            filed_at=timezone.now(),
        )


def test_after_a_decision_a_new_objection_may_be_filed(
    employer_admin: User, inspector: User, record: CreditRecord
) -> None:
    first = file(employer_admin, record)
    services.objection_transition(actor=employer_admin, objection=first, transition="withdraw")

    second = file(employer_admin, record, statement="With the receipts this time.")

    assert second.state == Objection.State.FILED


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(-400, -1), (1, None)],
    ids=["ended_yesterday", "begins_tomorrow"],
)
def test_only_a_record_in_effect(
    starts: int, ends: int | None, employer_admin: User, make_record: MakeRecord
) -> None:
    record = make_record(
        effective_from=today() + dt.timedelta(days=starts),
        effective_until=None if ends is None else today() + dt.timedelta(days=ends),
    )

    with pytest.raises(ServiceError) as refused:
        file(employer_admin, record)

    assert (refused.value.code, refused.value.message) == (
        "not_open",
        "Only a record in effect can be objected to.",
    )
    assert Objection.objects.count() == 0


def test_not_a_revoked_record(employer_admin: User, inspector: User, record: CreditRecord) -> None:
    revoked = services.record_revoke(actor=inspector, record=record, reason="Mistaken.")

    with pytest.raises(ServiceError) as refused:
        file(employer_admin, revoked)

    assert refused.value.message == "The record is revoked: there is nothing to object to."
    assert Objection.objects.count() == 0


def test_not_a_replaced_version(
    employer_admin: User, inspector: User, record: CreditRecord
) -> None:
    services.record_correct(actor=inspector, record=record, reason="Typo.", facts="Corrected.")
    record.refresh_from_db()

    with pytest.raises(ServiceError) as refused:
        file(employer_admin, record)

    assert refused.value.code == "stale"
    assert Objection.objects.count() == 0


# --- Review -----------------------------------------------------------------------------------


@pytest.fixture
def objection(employer_admin: User, record: CreditRecord) -> Objection:
    return file(employer_admin, record)


def under_review(objection: Objection, inspector: User) -> Objection:
    return services.objection_transition(actor=inspector, objection=objection, transition="take_up")


def test_the_inspector_takes_it_up_and_upholds_the_record(
    objection: Objection, inspector: User, record: CreditRecord
) -> None:
    taken = under_review(objection, inspector)
    assert (taken.state, taken.reviewer_id) == (Objection.State.UNDER_REVIEW, inspector.pk)

    upheld = services.objection_transition(
        actor=inspector, objection=objection, transition="uphold", reason="The receipts are later."
    )

    assert upheld.state == Objection.State.UPHELD
    assert upheld.decision_reason == "The receipts are later."
    assert upheld.decided_at == last_transition_at()
    assert upheld.outcome_id is None
    assert CreditRecord.objects.filter(series=record.series).count() == 1
    assert list(
        TransitionRecord.objects.filter(workflow="credit.objection")
        .order_by("pk")
        .values_list("transition", "from_state", "to_state")
    ) == [("take_up", "filed", "under_review"), ("uphold", "under_review", "upheld")]
    assert objection_events() == [
        "credit.objection.file",
        "credit.objection.take_up",
        "credit.objection.uphold",
    ]
    marked = selectors.organization_record(record.organization, record.series)
    assert marked is not None
    assert marked.under_objection is False


def test_correcting_makes_a_new_version_of_the_record(
    objection: Objection, inspector: User, record: CreditRecord
) -> None:
    under_review(objection, inspector)

    corrected = services.objection_transition(
        actor=inspector,
        objection=objection,
        transition="correct",
        reason="One of the two had a permit.",
        changes={
            "severity": Severity.MINOR,
            "effective_until": today() + dt.timedelta(days=30),
            "disclosed": False,
        },
    )

    versions = selectors.record_versions(record.series)
    assert [(v.version, v.superseded_at is None) for v in versions] == [(1, False), (2, True)]
    new = versions[1]
    assert (new.severity, new.effective_until, new.disclosed, new.reason) == (
        "minor",
        today() + dt.timedelta(days=30),
        False,
        "One of the two had a permit.",
    )
    assert corrected.state == Objection.State.CORRECTED
    assert corrected.outcome_id == new.pk
    assert selectors.organization_standing(record.subject_uscc, today()).level == "attention"
    assert [
        e
        for e in AuditEvent.objects.order_by("seq").values_list("action", flat=True)
        if e.startswith("credit.")
    ][-2:] == ["credit.record.correct", "credit.objection.correct"]


def test_a_correction_that_changes_nothing_is_refused_and_changes_nothing(
    objection: Objection, inspector: User, record: CreditRecord
) -> None:
    under_review(objection, inspector)

    with pytest.raises(GuardFailed) as refused:
        services.objection_transition(
            actor=inspector,
            objection=objection,
            transition="correct",
            reason="Nothing.",
            changes={"facts": record.facts},
        )

    assert refused.value.message == "The correction changes nothing."
    objection.refresh_from_db()
    assert objection.state == Objection.State.UNDER_REVIEW
    assert CreditRecord.objects.filter(series=record.series).count() == 1
    assert objection_events() == ["credit.objection.file", "credit.objection.take_up"]


def test_revoking_makes_a_revoking_version(
    objection: Objection, inspector: User, record: CreditRecord
) -> None:
    under_review(objection, inspector)

    revoked = services.objection_transition(
        actor=inspector, objection=objection, transition="revoke", reason="Permits were in force."
    )

    head = CreditRecord.objects.get(series=record.series, superseded_at__isnull=True)
    assert (head.version, head.state) == (2, RecordState.REVOKED)
    assert revoked.state == Objection.State.REVOKED
    assert revoked.outcome_id == head.pk
    assert selectors.organization_standing(record.subject_uscc, today()).level == "good"


def test_a_decision_needs_a_reason(objection: Objection, inspector: User) -> None:
    under_review(objection, inspector)

    with pytest.raises(GuardFailed) as refused:
        services.objection_transition(actor=inspector, objection=objection, transition="uphold")

    assert refused.value.message == "Give a reason for “Uphold the record”."
    objection.refresh_from_db()
    assert objection.state == Objection.State.UNDER_REVIEW


def test_deciding_before_taking_up_is_refused(objection: Objection, inspector: User) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        services.objection_transition(
            actor=inspector, objection=objection, transition="uphold", reason="Stands."
        )

    assert refused.value.message == "“Uphold the record” is not possible while the record is Filed."
    objection.refresh_from_db()
    assert objection.state == Objection.State.FILED


@pytest.mark.parametrize("who", ["beijing_inspector", "decision_officer", "employer_admin"])
def test_only_inspectors_of_the_region_review(
    who: str, request: pytest.FixtureRequest, objection: Objection
) -> None:
    actor: User = request.getfixturevalue(who)

    with pytest.raises(TransitionPermissionDenied):
        services.objection_transition(actor=actor, objection=objection, transition="take_up")

    objection.refresh_from_db()
    assert (objection.state, objection.reviewer_id) == (Objection.State.FILED, None)
    assert objection_events() == ["credit.objection.file"]


def test_an_inspector_of_the_province_reviews_a_district_record(
    roles: RoleHelper, employer_admin: User, make_record: MakeRecord, inspector: User
) -> None:
    pudong = Region.objects.create(
        code="310115",
        name_zh="浦东新区",
        name_en="Pudong New Area",
        level=Region.Level.COUNTY,
        parent=Region.objects.get(code="310000"),
    )
    district_record = make_record(region=pudong, effective_from=today())
    objection = file(employer_admin, district_record)

    assert under_review(objection, inspector).state == Objection.State.UNDER_REVIEW


# --- Withdrawal -------------------------------------------------------------------------------


@pytest.mark.parametrize("reviewed", [False, True])
def test_the_filer_withdraws_while_open(
    reviewed: bool, objection: Objection, employer_admin: User, inspector: User
) -> None:
    if reviewed:
        under_review(objection, inspector)

    withdrawn = services.objection_transition(
        actor=employer_admin, objection=objection, transition="withdraw"
    )

    assert withdrawn.state == Objection.State.WITHDRAWN
    assert withdrawn.decided_at == last_transition_at()


def test_another_admin_of_the_employer_may_not_withdraw(
    roles: RoleHelper, employer: Organization, objection: Objection
) -> None:
    colleague = roles.user(Role.EMPLOYER_ADMIN, organization=employer)

    with pytest.raises(TransitionPermissionDenied):
        services.objection_transition(actor=colleague, objection=objection, transition="withdraw")

    objection.refresh_from_db()
    assert objection.state == Objection.State.FILED


def test_a_decided_objection_cannot_be_withdrawn(
    objection: Objection, employer_admin: User, inspector: User
) -> None:
    under_review(objection, inspector)
    services.objection_transition(
        actor=inspector, objection=objection, transition="uphold", reason="Stands."
    )

    with pytest.raises(TransitionNotAllowed):
        services.objection_transition(
            actor=employer_admin, objection=objection, transition="withdraw"
        )

    objection.refresh_from_db()
    assert objection.state == Objection.State.UPHELD


# --- The table --------------------------------------------------------------------------------


def test_the_workflow_table() -> None:
    assert OBJECTION_WORKFLOW.mermaid() == "\n".join(
        [
            "stateDiagram-v2",
            "    [*] --> filed",
            "    filed --> under_review : take_up",
            "    under_review --> upheld : uphold",
            "    under_review --> corrected : correct",
            "    under_review --> revoked : revoke",
            "    filed --> withdrawn : withdraw",
            "    under_review --> withdrawn : withdraw",
        ]
    )


def test_the_queue_shows_the_open_objections_of_the_region(
    objection: Objection, inspector: User, beijing_inspector: User
) -> None:
    assert list(selectors.objection_queue(inspector)) == [objection]
    assert list(selectors.objection_queue(beijing_inspector)) == []
    assert list(selectors.objection_queue(inspector, state="upheld")) == []
