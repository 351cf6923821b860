"""The audit log: hash chain, verification, append-only on PostgreSQL, same transaction."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import DatabaseError, close_old_connections, connection, transaction

from portal.audit import audit_record, audit_verify_chain, event_hash
from portal.models import AuditChainHead, AuditEvent, Region
from portal.models.audit import GENESIS_HASH
from portal.roles import Role

pytestmark = pytest.mark.django_db


@contextmanager
def tampering():
    """Let a test alter the table behind the application's back, as an attacker with
    database access would: PostgreSQL's append-only trigger is disabled meanwhile."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Deferred foreign-key checks of this test's inserts must run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        yield


def write_events(n: int, actor=None) -> list[AuditEvent]:
    region = Region.objects.get(code="310000")
    return [
        audit_record(
            actor=actor, actor_repr="test", action=f"test.event{i}", target=region, data={"i": i}
        )
        for i in range(n)
    ]


def test_events_are_chained(roles):
    user = roles.user(Role.EMPLOYER_ADMIN)
    start = AuditChainHead.objects.get(pk=1)
    events = write_events(3, actor=user)

    assert [e.seq for e in events] == [start.seq + 1, start.seq + 2, start.seq + 3]
    assert events[0].prev_hash == start.hash
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (events[2].seq, events[2].hash)
    stored = AuditEvent.objects.get(pk=events[1].pk)
    assert stored.actor_id == user.pk
    assert stored.actor_repr == user.username
    assert stored.organization_id_at_time == user.organization_id
    assert stored.target_model == "portal.region"
    assert stored.data == {"i": 1}
    assert stored.hash == event_hash(
        seq=stored.seq,
        at=stored.at,
        actor_id=stored.actor_id,
        actor_repr=stored.actor_repr,
        organization_id=stored.organization_id_at_time,
        action=stored.action,
        target_model=stored.target_model,
        target_id=stored.target_id,
        target_repr=stored.target_repr,
        data=stored.data,
        ip_address=stored.ip_address,
        prev_hash=stored.prev_hash,
    )


def test_first_event_points_at_the_genesis_hash():
    assert AuditEvent.objects.count() == 0  # each test starts with an empty log
    first = write_events(1)[0]
    assert first.seq == 1
    assert first.prev_hash == GENESIS_HASH


def test_data_is_hashed_as_stored():
    """Dates and decimals are stored as JSON strings; the hash covers what is stored."""
    import datetime as dt
    from decimal import Decimal

    event = audit_record(
        actor=None,
        actor_repr="test",
        action="test.types",
        data={"when": dt.date(2026, 2, 14), "amount": Decimal("12.50"), "nested": {"b": 1, "a": 2}},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.data == {"when": "2026-02-14", "amount": "12.50", "nested": {"a": 2, "b": 1}}
    assert audit_verify_chain().intact is True


def test_the_event_rolls_back_with_the_change():
    before = AuditEvent.objects.count()
    head_before = AuditChainHead.objects.values_list("seq", "hash").get(pk=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        write_events(1)
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == before
    assert AuditChainHead.objects.values_list("seq", "hash").get(pk=1) == head_before
    assert audit_verify_chain().intact is True


def test_verify_reports_an_intact_chain():
    write_events(5)
    report = audit_verify_chain()
    assert report.intact is True
    assert report.checked == AuditEvent.objects.count()
    assert report.last_seq == AuditChainHead.objects.get(pk=1).seq


def test_verify_names_the_first_altered_event(capsys):
    events = write_events(5)
    with tampering():
        AuditEvent.objects.filter(pk=events[2].pk).update(data={"i": 99})
        AuditEvent.objects.filter(pk=events[3].pk).update(action="test.forged")
    report = audit_verify_chain()
    assert report.intact is False
    assert report.first_break.seq == events[2].seq
    assert report.first_break.event_id == events[2].pk
    assert report.first_break.problem == (
        f"event #{events[2].seq} (test.event2) was altered: its content no longer matches its hash"
    )

    with pytest.raises(SystemExit) as excinfo:
        call_command("verify_audit")
    assert excinfo.value.code == 1
    err = capsys.readouterr().err
    assert f"Audit chain BROKEN at event #{events[2].seq} (id {events[2].pk})" in err


def test_verify_detects_an_event_removed_from_the_middle():
    events = write_events(4)
    with tampering():
        AuditEvent.objects.filter(pk=events[1].pk).delete()
    report = audit_verify_chain()
    assert report.first_break.seq == events[1].seq
    assert report.first_break.problem == (
        f"event #{events[1].seq} is missing (next stored is #{events[2].seq})"
    )


def test_verify_detects_events_removed_from_the_end():
    events = write_events(3)
    with tampering():
        AuditEvent.objects.filter(pk=events[2].pk).delete()
    report = audit_verify_chain()
    assert report.intact is False
    assert report.first_break.problem == (
        f"the chain ends at event #{events[1].seq} but its head records #{events[2].seq}: "
        "events at the end were removed"
    )


def test_verify_detects_a_rehashed_forgery():
    """An attacker who alters an event and recomputes its hash still breaks the link to
    the next event."""
    events = write_events(3)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.data = {"i": "forged"}
    new_hash = event_hash(
        seq=forged.seq,
        at=forged.at,
        actor_id=forged.actor_id,
        actor_repr=forged.actor_repr,
        organization_id=forged.organization_id_at_time,
        action=forged.action,
        target_model=forged.target_model,
        target_id=forged.target_id,
        target_repr=forged.target_repr,
        data=forged.data,
        ip_address=forged.ip_address,
        prev_hash=forged.prev_hash,
    )
    with tampering():
        AuditEvent.objects.filter(pk=forged.pk).update(data=forged.data, hash=new_hash)
    report = audit_verify_chain()
    assert report.first_break.seq == events[2].seq
    assert report.first_break.problem == (
        f"event #{events[2].seq} does not point at the hash of event #{events[1].seq}"
    )


def test_verify_command_on_an_intact_chain(capsys):
    write_events(2)
    call_command("verify_audit")
    out = capsys.readouterr().out
    count = AuditEvent.objects.count()
    assert out == f"Audit chain intact: {count} events, last #{count}.\n"


def test_database_refuses_update_and_delete(postgres_only):
    event = write_events(1)[0]
    for attempt in (
        lambda: AuditEvent.objects.filter(pk=event.pk).update(action="x"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.hash) == (event.action, event.hash)


def test_database_refuses_changes_to_workflow_history(postgres_only, roles):
    from portal.models import TransitionRecord
    from tests.testapp.models import Dossier
    from tests.testapp.workflows import DOSSIER_WORKFLOW

    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    dossier = Dossier.objects.create(title="d", region=Region.objects.get(code="310000"))
    DOSSIER_WORKFLOW.run(dossier, "submit", actor=officer)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TransitionRecord.objects.all().update(reason="rewritten")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_never_fork_the_chain(postgres_only):
    region = Region.objects.get(code="310000")
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        actor_repr=f"w{n}",
                        action="test.race",
                        target=region,
                        data={"i": i},
                    )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert AuditEvent.objects.filter(action="test.race").count() == 40
    report = audit_verify_chain()
    assert report.intact is True


def test_sign_in_and_failed_sign_in_are_audited(client, roles):
    from tests.factories import TEST_PASSWORD

    user = roles.user(Role.EMPLOYER_ADMIN)
    client.post("/en/accounts/login/", {"username": user.username, "password": "wrong-one"})
    client.post("/en/accounts/login/", {"username": user.username, "password": TEST_PASSWORD})
    events = list(AuditEvent.objects.filter(action__startswith="auth.").order_by("seq"))
    assert [(e.action, e.actor_id, e.actor_repr, e.data) for e in events] == [
        ("auth.login_failed", None, user.username, {"username": user.username}),
        ("auth.login", user.pk, user.username, {}),
    ]
    assert events[1].ip_address == "127.0.0.1"
