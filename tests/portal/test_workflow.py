"""The workflow engine, on a model of the test app (``tests.testapp.Dossier``)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from portal.models import AuditEvent, TransitionRecord
from portal.roles import Role
from portal.workflow import (
    GuardFailed,
    TransitionNotAllowed,
    TransitionPermissionDenied,
    Workflow,
    history,
)
from tests.factories import region
from tests.testapp.models import Dossier
from tests.testapp.workflows import DOSSIER_WORKFLOW, HOOK_CALLS

pytestmark = pytest.mark.django_db

S = Dossier.State


@pytest.fixture
def dossier() -> Dossier:
    return Dossier.objects.create(title="Dossier 1", region=region("310000"))


@pytest.fixture
def accepter(roles):
    return roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")


@pytest.fixture
def decider(roles):
    return roles.user(Role.DECISION_OFFICER, region_code="310000")


def snapshot(dossier: Dossier) -> tuple:
    dossier.refresh_from_db()
    return (
        dossier.state,
        dossier.submitted_at,
        dossier.notes,
        TransitionRecord.objects.count(),
        AuditEvent.objects.filter(action__startswith="testapp.dossier.").count(),
    )


def test_allowed_transition_sets_state_writes_record_and_audit(dossier, accepter):
    result = DOSSIER_WORKFLOW.run(dossier, "submit", actor=accepter)

    dossier.refresh_from_db()
    assert result.state == S.SUBMITTED
    assert dossier.state == S.SUBMITTED
    assert dossier.submitted_at is not None
    records = list(history(dossier))
    assert [(r.transition, r.from_state, r.to_state, r.actor_id) for r in records] == [
        ("submit", "draft", "submitted", accepter.pk)
    ]
    assert records[0].at == dossier.submitted_at
    event = AuditEvent.objects.get(action="testapp.dossier.submit")
    assert event.actor_id == accepter.pk
    assert event.target_model == "testapp.dossier"
    assert event.target_id == str(dossier.pk)
    assert event.data == {"from": "draft", "to": "submitted", "reason": "", "payload": {}}


def test_transition_saves_only_the_fields_it_changed(dossier, accepter):
    # Another process changed the title after we loaded the object: the engine re-reads
    # the row under lock and writes only the state and the effect's fields.
    Dossier.objects.filter(pk=dossier.pk).update(title="Renamed elsewhere")
    DOSSIER_WORKFLOW.run(dossier, "submit", actor=accepter)
    dossier.refresh_from_db()
    assert dossier.title == "Renamed elsewhere"


def test_refused_from_wrong_state_changes_nothing(dossier, decider):
    before = snapshot(dossier)
    with pytest.raises(TransitionNotAllowed) as excinfo:
        DOSSIER_WORKFLOW.run(dossier, "approve", actor=decider)
    assert excinfo.value.code == "transition_not_allowed"
    assert excinfo.value.details == {"state": "draft", "transition": "approve"}
    assert snapshot(dossier) == before


def test_unknown_transition_is_refused(dossier, accepter):
    before = snapshot(dossier)
    with pytest.raises(TransitionNotAllowed):
        DOSSIER_WORKFLOW.run(dossier, "teleport", actor=accepter)
    assert snapshot(dossier) == before


@pytest.mark.parametrize(
    ("role", "region_code"),
    [
        (Role.DECISION_OFFICER, "310000"),  # right region, wrong role
        (Role.ACCEPTANCE_OFFICER, "440000"),  # right role, wrong region
        (Role.EMPLOYER_ADMIN, None),
        (Role.MINISTRY_REVIEWER, None),
        (Role.SITE_ADMIN, None),
    ],
)
def test_permission_failure_changes_nothing(dossier, roles, role, region_code):
    actor = roles.user(role, region_code=region_code)
    before = snapshot(dossier)
    with pytest.raises(TransitionPermissionDenied) as excinfo:
        DOSSIER_WORKFLOW.run(dossier, "submit", actor=actor)
    assert excinfo.value.code == "permission_denied"
    assert excinfo.value.status == 403
    assert snapshot(dossier) == before


def test_superuser_has_no_implicit_officer_power(dossier, roles):
    admin = roles.user(Role.SITE_ADMIN)
    admin.is_superuser = True
    admin.save()
    before = snapshot(dossier)
    with pytest.raises(TransitionPermissionDenied):
        DOSSIER_WORKFLOW.run(dossier, "submit", actor=admin)
    assert snapshot(dossier) == before


def test_province_grant_covers_divisions_below(roles):
    from portal.models import Region

    pudong = Region.objects.create(
        code="310115",
        name_zh="浦东新区",
        name_en="Pudong",
        level=Region.Level.COUNTY,
        parent=region("310000"),
    )
    dossier = Dossier.objects.create(title="Pudong", region=pudong)
    shanghai_officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    DOSSIER_WORKFLOW.run(dossier, "submit", actor=shanghai_officer)
    assert Dossier.objects.get(pk=dossier.pk).state == S.SUBMITTED


def test_guard_failure_changes_nothing(accepter):
    dossier = Dossier.objects.create(title="Incomplete", region=region("310000"), complete=False)
    before = snapshot(dossier)
    with pytest.raises(GuardFailed) as excinfo:
        DOSSIER_WORKFLOW.run(dossier, "submit", actor=accepter)
    assert excinfo.value.message == "The dossier is incomplete: attach the missing documents."
    assert excinfo.value.code == "guard_failed"
    assert snapshot(dossier) == before


def test_reason_required(dossier, accepter, decider):
    DOSSIER_WORKFLOW.run(dossier, "submit", actor=accepter)
    before = snapshot(dossier)
    with pytest.raises(GuardFailed) as excinfo:
        DOSSIER_WORKFLOW.run(dossier, "return", actor=decider, reason="   ")
    assert excinfo.value.details == {"field": "reason"}
    assert snapshot(dossier) == before

    DOSSIER_WORKFLOW.run(dossier, "return", actor=decider, reason="  Salary proof missing.  ")
    record = history(dossier).last()
    assert (record.transition, record.reason) == ("return", "Salary proof missing.")
    # Returned dossiers can be submitted again.
    DOSSIER_WORKFLOW.run(dossier, "submit", actor=accepter)
    assert [r.to_state for r in history(dossier)] == ["submitted", "returned", "submitted"]


def test_payload_and_hooks_run_after_commit(
    dossier, accepter, decider, django_capture_on_commit_callbacks
):
    DOSSIER_WORKFLOW.run(dossier, "submit", actor=accepter)
    HOOK_CALLS.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        DOSSIER_WORKFLOW.run(dossier, "approve", actor=decider, payload={"note": "Category B"})
    assert HOOK_CALLS == []  # nothing before commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert [("approved", dossier.pk)] == HOOK_CALLS
    dossier.refresh_from_db()
    assert dossier.notes == "Category B"
    assert history(dossier).last().payload == {"note": "Category B"}


def test_hooks_do_not_run_when_the_transaction_rolls_back(
    dossier, accepter, decider, django_capture_on_commit_callbacks
):
    from django.db import transaction

    DOSSIER_WORKFLOW.run(dossier, "submit", actor=accepter)
    HOOK_CALLS.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            DOSSIER_WORKFLOW.run(dossier, "approve", actor=decider)
            raise RuntimeError("the caller failed after the transition")
    assert callbacks == []
    assert HOOK_CALLS == []
    dossier.refresh_from_db()
    assert dossier.state == S.SUBMITTED


def test_available_lists_what_the_actor_may_attempt(dossier, accepter, decider):
    assert [t.name for t in DOSSIER_WORKFLOW.available(dossier, accepter)] == ["submit"]
    assert DOSSIER_WORKFLOW.available(dossier, decider) == []
    DOSSIER_WORKFLOW.run(dossier, "submit", actor=accepter)
    dossier.refresh_from_db()
    assert [t.name for t in DOSSIER_WORKFLOW.available(dossier, decider)] == ["approve", "return"]


def test_transition_query_count(dossier, accepter):
    """A transition costs eight statements, whatever the model: lock and read the row,
    check the permission, save the changed fields, write the transition record, and the
    audit event (head increment, head read, insert, head hash)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        DOSSIER_WORKFLOW.run(dossier, "submit", actor=accepter)
    statements = [
        q["sql"].split()[0].upper()
        for q in ctx.captured_queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    assert statements == [
        "SELECT",
        "SELECT",
        "UPDATE",
        "INSERT",
        "UPDATE",
        "SELECT",
        "INSERT",
        "UPDATE",
    ]


def test_workflow_table_is_validated():
    from django.db import models as djm

    class States(djm.TextChoices):
        A = "a", "A"
        B = "b", "B"

    from portal.workflow import Transition

    with pytest.raises(ValueError, match="unknown states"):
        Workflow(
            name="bad.one",
            model=Dossier,
            states=States,
            transitions=(Transition("go", ("a",), "c", "Go", permission=lambda u, o: True),),
        )
    with pytest.raises(ValueError, match="declared twice"):
        Workflow(
            name="bad.two",
            model=Dossier,
            states=States,
            transitions=(
                Transition("go", ("a",), "b", "Go", permission=lambda u, o: True),
                Transition("go", ("b",), "a", "Back", permission=lambda u, o: True),
            ),
        )


def test_mermaid_diagram_is_generated_from_the_table():
    assert DOSSIER_WORKFLOW.mermaid() == "\n".join(
        [
            "stateDiagram-v2",
            "    [*] --> draft",
            "    draft --> submitted : submit",
            "    returned --> submitted : submit",
            "    submitted --> approved : approve",
            "    submitted --> returned : return",
        ]
    )


def test_docs_workflows_file_matches_the_tables():
    from pathlib import Path

    from portal.workflow_docs import render_workflows_markdown

    docs = Path(__file__).resolve().parents[2] / "docs" / "workflows.md"
    assert docs.read_text(encoding="utf-8") == render_workflows_markdown(), (
        "docs/workflows.md is stale: run `manage.py workflow_diagrams`"
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_transitions_on_one_row_apply_exactly_once(postgres_only, roles):
    """Two officers submit the same dossier at the same moment: one wins, the other is
    refused because the row's state changed while it waited for the lock."""
    dossier = Dossier.objects.create(title="Raced", region=region("310000"))
    officers = [roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000") for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(officer) -> None:
        try:
            barrier.wait(timeout=10)
            DOSSIER_WORKFLOW.run(dossier.pk, "submit", actor=officer)
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
    assert TransitionRecord.objects.filter(target_id=str(dossier.pk)).count() == 1
    assert Dossier.objects.get(pk=dossier.pk).state == S.SUBMITTED
