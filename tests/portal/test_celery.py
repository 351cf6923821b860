"""Background work: eager in-process by default, a real worker against Redis in CI."""

from __future__ import annotations

import datetime as dt
import os
import time
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core import mail

from portal.celery import app as celery_app
from portal.roles import Role
from portal.tasks import audit_verify_chain_task, calendar_coverage_check


@pytest.mark.django_db
def test_tasks_run_in_process_without_a_broker(roles):
    roles.user(Role.SITE_ADMIN, email="admin@example.com", preferred_language="en")
    with mock.patch("portal.tasks.timezone.localdate", return_value=dt.date(2026, 11, 27)):
        result = calendar_coverage_check.delay()
    assert result.get() == [2027]
    [message] = mail.outbox
    assert message.to == ["admin@example.com"]
    assert message.subject == "Enter the official holidays for 2027"


@pytest.mark.django_db
def test_nothing_to_say_when_every_year_is_covered(roles):
    roles.user(Role.SITE_ADMIN, email="admin@example.com")
    with mock.patch("portal.tasks.timezone.localdate", return_value=dt.date(2025, 6, 1)):
        assert calendar_coverage_check.delay().get() == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_nightly_chain_verification_records_its_result():
    from django.core.cache import cache

    from portal.tasks import AUDIT_STATUS_KEY

    assert audit_verify_chain_task.delay().get() is True
    status = cache.get(AUDIT_STATUS_KEY)
    assert (status["intact"], status["problem"]) == (True, "")


def test_beat_schedule_names_registered_tasks():
    # What a worker or beat does at start-up: import every app's tasks module (run alone,
    # this test would otherwise see only the tasks some earlier test happened to import).
    celery_app.loader.import_default_modules()
    registered = set(celery_app.tasks)
    for entry in django_settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in registered


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_takes_tasks_from_the_broker(roles):
    """CI points CELERY_BROKER_URL at Redis: a task sent through it is executed by a
    worker, exactly as in production."""
    broker = django_settings.PORTAL_TEST_BROKER_URL
    if not broker:
        if os.environ.get("CI"):
            pytest.fail("CI must set CELERY_BROKER_URL")
        pytest.skip("needs a broker (set CELERY_BROKER_URL); CI runs it")
    from celery.contrib.testing.worker import start_worker

    roles.user(Role.SITE_ADMIN, email="admin@example.com", preferred_language="en")
    previous = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = broker
    try:
        with (
            mock.patch("portal.tasks.timezone.localdate", return_value=dt.date(2026, 11, 27)),
            start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"),
        ):
            calendar_coverage_check.delay()
            deadline = time.monotonic() + 30
            while not mail.outbox and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = previous
    assert [m.subject for m in mail.outbox] == ["Enter the official holidays for 2027"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_renders_an_issued_document_once():
    """An issued document goes through the broker to a worker, which renders, signs and
    stores it; the same message delivered twice (a redelivery after a lost worker) stores
    one file."""
    broker = django_settings.PORTAL_TEST_BROKER_URL
    if not broker:
        if os.environ.get("CI"):
            pytest.fail("CI must set CELERY_BROKER_URL")
        pytest.skip("needs a broker (set CELERY_BROKER_URL); CI runs it")
    from celery.contrib.testing.worker import start_worker

    from portal import documents, docverify, signing
    from portal.models import IssuedDocument, Region
    from portal.tasks import render_document
    from tests.testapp.models import Dossier

    kind = documents.DocumentKind(
        code="tests.worker",
        label="Worker test",
        title_zh="测试文书",
        title_en="Test document",
        template="documents/sample.html",
        model=Dossier,
        build=lambda dossier, day: documents.Content(
            number=f"W-{dossier.pk}",
            region=dossier.region,
            employer=None,
            context={"authority_zh": "测试机关", "authority_en": "Test authority"},
            facts={"h": dossier.title, "c": "B", "e": "测试单位"},
        ),
        status=lambda dossier, day: documents.Status.CURRENT,
        may_view=lambda user, dossier: True,
        may_reissue=lambda user, dossier: True,
    )
    documents.register_kind(kind)
    dossier = Dossier.objects.create(title="Worker", region=Region.objects.get(code="310000"))
    previous = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = broker
    try:
        with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            document = documents.document_issue(kind=kind.code, subject=dossier, actor=None)
            render_document.delay(document.pk)  # a second delivery of the same work
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                document.refresh_from_db()
                if document.state != IssuedDocument.State.PENDING:
                    break
                time.sleep(0.2)
            time.sleep(1)  # let the second message run too
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = previous
        documents.KINDS.pop(kind.code, None)
    document.refresh_from_db()
    assert document.state == IssuedDocument.State.READY
    assert document.attempts == 1
    data = document.file.read()
    assert docverify.check_file(data, signing.verification_keys()).ok
    storage = document.file.storage
    assert storage.listdir(f"issued/{kind.code}")[1] == [f"W-{dossier.pk}-v1.pdf"]
