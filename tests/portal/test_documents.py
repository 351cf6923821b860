"""Issued documents (portal.documents): issuing, rendering once, retries and failure, the
sweeper, a killed render, re-issue, key rotation and the verdicts, on a test kind.

Rendering a PDF costs about 0.3 s, so only the test that reads the PDF back renders one;
the others use a copy of the same template's PDF rendered once for the module (the sample
template ignores its context), which the kernel then signs, seals and stores for real.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from portal import documents, docverify, signing
from portal.celery import app as celery_app
from portal.documents import Content, DocumentKind, DocumentRefused, Status
from portal.files import _walk
from portal.models import AuditEvent, IssuedDocument, Region, SigningKey
from portal.tasks import documents_sweep_task, render_document
from tests.factories import UserFactory
from tests.testapp.models import Dossier

KIND = "test_sample"
TEMPLATE = "documents/sample.html"

pytestmark = pytest.mark.django_db


# --- A document kind of the tests ----------------------------------------------------------------


class Access:
    """Who the test kind lets see and re-issue its documents (besides superusers)."""

    def __init__(self) -> None:
        self.viewers: set[int] = set()
        self.reissuers: set[int] = set()


def build(dossier: Dossier, day: dt.date) -> Content:
    return Content(
        number=f"T-{dossier.pk}",
        region=dossier.region,
        employer=None,
        context={
            "authority_zh": "测试机关",
            "authority_en": "Test authority",
            "title": dossier.title,
        },
        facts={"h": dossier.title, "c": "B", "e": "测试单位", "u": "2027-01-31"},
    )


def status(dossier: Dossier, day: dt.date) -> str:
    return Status.REVOKED if dossier.state == Dossier.State.RETURNED else Status.CURRENT


@pytest.fixture
def access() -> Access:
    return Access()


@pytest.fixture
def kind(access: Access) -> Iterator[DocumentKind]:
    spec = DocumentKind(
        code=KIND,
        label="Test document",
        title_zh="测试文件",
        title_en="Test document",
        template=TEMPLATE,
        model=Dossier,
        build=build,
        status=status,
        may_view=lambda user, dossier: user.is_superuser or user.pk in access.viewers,
        may_reissue=lambda user, dossier: user.is_superuser or user.pk in access.reissuers,
    )
    documents.register_kind(spec)
    yield spec
    documents.KINDS.pop(KIND, None)


def storage():
    return IssuedDocument._meta.get_field("file").storage


def stored_names() -> list[str]:
    return sorted(_walk(storage(), f"issued/{KIND}"))


@pytest.fixture(autouse=True)
def empty_storage() -> Iterator[None]:
    # The in-memory storage outlives each test's database rollback.
    for name in stored_names():
        storage().delete(name)
    yield
    for name in stored_names():
        storage().delete(name)


@pytest.fixture(autouse=True)
def fresh_key_cache() -> Iterator[None]:
    signing.private_key.cache_clear()
    yield
    signing.private_key.cache_clear()


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    """The sample template's PDF, unsealed, rendered once for the module."""
    from portal.pdf import render_template_pdf

    return render_template_pdf(TEMPLATE, {}, stylesheets=[documents.STYLESHEET])


@pytest.fixture
def fast_render(sample_pdf: bytes) -> Iterator[mock.MagicMock]:
    """The renderer, answering with the module's PDF; the calls are recorded."""
    with mock.patch("portal.documents.render_template_pdf", return_value=sample_pdf) as fake:
        yield fake


@pytest.fixture
def region() -> Region:
    return Region.objects.get(code="310000")


@pytest.fixture
def dossier(region: Region) -> Dossier:
    return Dossier.objects.create(title="Alice Example", region=region, state="approved")


@pytest.fixture
def officer(access: Access):
    user = UserFactory()
    access.viewers.add(user.pk)
    access.reissuers.add(user.pk)
    return user


def events(action: str, document: IssuedDocument | None = None) -> list[AuditEvent]:
    queryset = AuditEvent.objects.filter(action=action)
    if document is not None:
        queryset = queryset.filter(target_model="portal.issueddocument", target_id=str(document.pk))
    return list(queryset.order_by("seq"))


@pytest.fixture
def issue(kind, django_capture_on_commit_callbacks) -> Callable[..., IssuedDocument]:
    """Issue a document about a dossier; with ``render`` the queued render runs (eagerly)
    as the transaction commits."""

    def issue(subject: Dossier, *, render: bool = True, actor: Any = None) -> IssuedDocument:
        with django_capture_on_commit_callbacks(execute=render) as callbacks:
            document = documents.document_issue(kind=KIND, subject=subject, actor=actor)
        assert len(callbacks) == 1  # the render, queued for the commit
        document.refresh_from_db()
        return document

    return issue


@pytest.fixture
def ready(issue, dossier, fast_render) -> IssuedDocument:
    document = issue(dossier)
    assert document.state == IssuedDocument.State.READY
    return document


# --- Issuing -------------------------------------------------------------------------------------


def test_issuing_writes_a_pending_row_and_its_audit_event(issue, dossier, officer) -> None:
    document = issue(dossier, render=False, actor=officer)

    assert IssuedDocument.objects.count() == 1
    assert document.state == IssuedDocument.State.PENDING
    assert (document.kind, document.number, document.version) == (KIND, f"T-{dossier.pk}", 1)
    assert (document.subject_id, document.region.code) == (dossier.pk, "310000")
    assert (document.issued_on, document.issued_by) == (timezone.localdate(), officer)
    assert document.attempts == 0
    assert document.queued_at is not None
    assert (document.sha256, document.token, document.file.name) == ("", "", "")
    assert document.facts == {"h": "Alice Example", "c": "B", "e": "测试单位", "u": "2027-01-31"}
    assert document.context["title"] == "Alice Example"

    [event] = events("portal.document.issue")
    assert (event.target_id, event.actor) == (str(document.pk), officer)
    assert event.data == {
        "kind": KIND,
        "number": document.number,
        "version": 1,
        "supersedes": None,
        "reason": "",
    }
    assert events("portal.document.render") == []
    assert stored_names() == []


def test_a_rolled_back_decision_leaves_no_document(
    kind, dossier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            documents.document_issue(kind=KIND, subject=dossier, actor=None)
            raise RuntimeError("the decision failed")
    assert callbacks == []
    assert IssuedDocument.objects.count() == 0
    assert events("portal.document.issue") == []


@pytest.mark.system_libs
def test_the_render_stores_a_signed_sealed_pdf_of_the_template(issue, dossier, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    document = issue(dossier)

    assert document.state == IssuedDocument.State.READY
    assert document.file.name == f"issued/{KIND}/T-{dossier.pk}-v1.pdf"
    data = storage().open(document.file.name).read()
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert document.attempts == 1
    assert document.rendered_at is not None
    key = SigningKey.objects.get()
    assert (document.key, key.in_service) == (key, True)
    assert key.kid == signing.kid_of(signing.private_key().public_key())

    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    text = subprocess.run(  # noqa: S603 - a fixed tool on our own temporary file
        [shutil.which("pdftotext"), str(path), "-"],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "样本文件" in text
    assert "Sample document" in text

    check = docverify.check_file(data, signing.verification_keys())
    assert check.ok, check.code
    assert check.token == document.token
    assert check.facts == {
        "kind": KIND,
        "number": f"T-{dossier.pk}",
        "version": 1,
        "holder": "Alice Example",
        "category": "B",
        "employer": "测试单位",
        "valid_until": "2027-01-31",
        "issued_on": timezone.localdate().isoformat(),
        "signed_on": timezone.localdate().isoformat(),
        "key_id": key.kid,
    }
    [event] = events("portal.document.render", document)
    assert event.data == {"sha256": document.sha256, "key": key.kid, "attempt": 1}


def test_the_template_gets_the_frozen_content_and_the_verify_address(ready, fast_render):
    [call] = fast_render.call_args_list
    template, context = call.args
    assert template == TEMPLATE
    assert call.kwargs == {"stylesheets": [documents.STYLESHEET]}
    assert context["title"] == "Alice Example"
    doc = context["doc"]
    assert (doc["authority_zh"], doc["authority_en"]) == ("测试机关", "Test authority")
    assert doc["verify_url"] == f"https://portal.example.test/verify/d/{ready.token}/"
    assert doc["qr"].startswith("data:image/svg+xml")
    assert (doc["number"], doc["version"], doc["replaces"]) == (ready.number, 1, None)


def test_a_render_delivered_twice_stores_one_file(ready, fast_render) -> None:
    names = stored_names()
    assert names == [ready.file.name]

    assert render_document.delay(ready.pk).get() == "ready"

    again = IssuedDocument.objects.get(pk=ready.pk)
    assert (again.sha256, again.token, again.attempts) == (ready.sha256, ready.token, 1)
    assert stored_names() == names
    assert fast_render.call_count == 1
    assert len(events("portal.document.render", ready)) == 1


def test_a_render_of_a_document_that_is_gone_does_nothing(kind) -> None:
    assert render_document.delay(999999).get() == "missing"


# --- Failures and retries ------------------------------------------------------------------------


@pytest.fixture
def retrying_worker() -> Iterator[None]:
    """Eager tasks that retry as a worker does. With ``task_eager_propagates`` (the test
    and development setting) an eager task's ``self.retry()`` raises ``Retry`` out of
    ``delay()`` instead of running the next attempt."""
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


def test_a_render_that_keeps_failing_marks_the_document_failed(
    issue, dossier, retrying_worker
) -> None:
    retries = int(django_settings.PORTAL_DOCUMENT_RENDER_RETRIES)
    with mock.patch(
        "portal.documents.render_template_pdf", side_effect=OSError("Pango is missing")
    ) as broken:
        document = issue(dossier)

    assert broken.call_count == retries + 1
    assert document.state == IssuedDocument.State.FAILED
    assert document.attempts == retries + 1
    assert document.error == "OSError: Pango is missing"
    assert (document.sha256, document.token, document.file.name) == ("", "", "")
    [event] = events("portal.document.fail", document)
    assert event.data == {"error": "OSError: Pango is missing", "attempts": retries + 1}
    assert events("portal.document.render") == []
    assert stored_names() == []


def test_a_render_that_fails_once_succeeds_on_the_retry(
    issue, dossier, sample_pdf, retrying_worker
) -> None:
    with mock.patch(
        "portal.documents.render_template_pdf", side_effect=[OSError("busy"), sample_pdf]
    ) as flaky:
        document = issue(dossier)

    assert flaky.call_count == 2
    assert document.state == IssuedDocument.State.READY
    assert document.attempts == 2
    assert document.error == ""
    assert events("portal.document.fail") == []
    [event] = events("portal.document.render", document)
    assert event.data["attempt"] == 2
    assert stored_names() == [document.file.name]


@pytest.fixture
def failed(issue, dossier, retrying_worker) -> IssuedDocument:
    with mock.patch("portal.documents.render_template_pdf", side_effect=OSError("no fonts")):
        document = issue(dossier)
    assert document.state == IssuedDocument.State.FAILED
    return document


@pytest.fixture
def ready_elsewhere(issue, region, fast_render) -> IssuedDocument:
    return issue(Dossier.objects.create(title="Bob Other", region=region))


def test_retrying_a_failed_document_renders_it(
    failed, officer, fast_render, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        documents.document_retry(document=failed, actor=officer)

    failed.refresh_from_db()
    assert failed.state == IssuedDocument.State.READY
    assert failed.attempts == 1
    assert failed.error == ""
    assert hashlib.sha256(storage().open(failed.file.name).read()).hexdigest() == failed.sha256
    [event] = events("portal.document.retry", failed)
    assert event.actor == officer


def test_only_a_failed_document_is_retried_and_only_by_whom_the_kind_allows(
    failed, ready_elsewhere, officer, django_capture_on_commit_callbacks
) -> None:
    stranger = UserFactory()
    attempts = failed.attempts
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(DocumentRefused) as refused:
            documents.document_retry(document=failed, actor=stranger)
        assert refused.value.code == "forbidden"
        with pytest.raises(DocumentRefused) as refused:
            documents.document_retry(document=ready_elsewhere, actor=officer)
        assert refused.value.code == "not_failed"
    assert callbacks == []
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (IssuedDocument.State.FAILED, attempts)
    assert events("portal.document.retry") == []


# --- The sweeper and a killed render -------------------------------------------------------------


def test_the_sweeper_queues_again_only_documents_pending_too_long(
    issue, dossier, region, fast_render, django_capture_on_commit_callbacks
) -> None:
    stale = issue(dossier, render=False)
    fresh = issue(Dossier.objects.create(title="Bob Other", region=region), render=False)
    failed = issue(Dossier.objects.create(title="Carol Failed", region=region), render=False)
    minutes = int(django_settings.PORTAL_DOCUMENT_SWEEP_MINUTES)
    long_ago = timezone.now() - dt.timedelta(minutes=minutes + 1)
    IssuedDocument.objects.filter(pk=stale.pk).update(queued_at=long_ago)
    # A failed document waits for an officer's retry, however old.
    IssuedDocument.objects.filter(pk=failed.pk).update(
        queued_at=long_ago, state=IssuedDocument.State.FAILED
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert documents_sweep_task.delay().get() == 1
    assert len(callbacks) == 1

    stale.refresh_from_db()
    assert stale.state == IssuedDocument.State.READY
    assert stale.queued_at > long_ago
    untouched = IssuedDocument.objects.get(pk=fresh.pk)
    assert (untouched.state, untouched.queued_at) == (IssuedDocument.State.PENDING, fresh.queued_at)
    assert IssuedDocument.objects.get(pk=failed.pk).state == IssuedDocument.State.FAILED
    assert fast_render.call_count == 1
    # Nothing is left for the next run.
    assert documents.documents_sweep(timezone.now()) == []


def test_a_render_killed_before_its_commit_leaves_the_row_pending_and_reruns_cleanly(
    issue, dossier, fast_render
) -> None:
    document = issue(dossier, render=False)
    name = f"issued/{KIND}/T-{dossier.pk}-v1.pdf"
    # The file is written, then the worker dies before the transaction commits.
    with (
        mock.patch("portal.documents.audit_record", side_effect=RuntimeError("worker killed")),
        pytest.raises(RuntimeError, match="worker killed"),
    ):
        documents.document_render(document.pk)

    document.refresh_from_db()
    assert document.state == IssuedDocument.State.PENDING
    assert (document.sha256, document.token, document.file.name, document.attempts) == (
        "",
        "",
        "",
        0,
    )
    assert stored_names() == [name]  # what the killed render left

    rendered = documents.document_render(document.pk)

    assert rendered is not None
    assert rendered.state == IssuedDocument.State.READY
    assert rendered.file.name == name
    assert storage().listdir(f"issued/{KIND}") == ([], [f"T-{dossier.pk}-v1.pdf"])
    assert hashlib.sha256(storage().open(name).read()).hexdigest() == rendered.sha256
    assert len(events("portal.document.render", document)) == 1


# --- Re-issue ------------------------------------------------------------------------------------


def test_a_reissue_makes_version_2_and_supersedes_version_1(
    ready, dossier, officer, fast_render, django_capture_on_commit_callbacks
) -> None:
    dossier.title = "Alice Corrected"
    dossier.save()
    with django_capture_on_commit_callbacks(execute=True):
        second = documents.document_reissue(
            document=ready, actor=officer, reason="The name was misspelt."
        )

    first = IssuedDocument.objects.get(pk=ready.pk)
    second.refresh_from_db()
    assert (second.number, second.version, second.supersedes) == (first.number, 2, first)
    assert second.state == IssuedDocument.State.READY
    assert second.reason == "The name was misspelt."
    assert second.facts["h"] == "Alice Corrected"
    assert first.superseded_at is not None
    assert (first.state, first.sha256) == (IssuedDocument.State.READY, ready.sha256)
    assert stored_names() == sorted([first.file.name, second.file.name])
    assert fast_render.call_args.args[1]["doc"]["replaces"] == {
        "version": 1,
        "reason": "The name was misspelt.",
    }

    old = documents.verdict_for_token(first.token)
    assert (old.genuine, old.status, old.document) == (True, "superseded", first)
    assert old.facts["holder"] == "Alice Example"
    new = documents.verdict_for_token(second.token)
    assert (new.genuine, new.status, new.is_current) == (True, "current", True)
    assert new.facts["holder"] == "Alice Corrected"
    issued = events("portal.document.issue", second)
    assert [e.data["supersedes"] for e in issued] == [first.pk]


@pytest.mark.parametrize(
    ("who", "reason", "code"),
    [
        ("officer", "", "reason_required"),
        ("officer", "   ", "reason_required"),
        ("stranger", "A reason.", "forbidden"),
    ],
)
def test_a_refused_reissue_changes_nothing(
    ready, officer, who, reason, code, django_capture_on_commit_callbacks
) -> None:
    actor = officer if who == "officer" else UserFactory()
    before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(DocumentRefused) as refused:
            documents.document_reissue(document=ready, actor=actor, reason=reason)
    assert refused.value.code == code
    assert callbacks == []
    assert IssuedDocument.objects.count() == 1
    assert IssuedDocument.objects.get(pk=ready.pk).superseded_at is None
    assert AuditEvent.objects.count() == before
    assert documents.verdict_for_token(ready.token).status == "current"


def test_a_superseded_version_is_not_reissued(
    ready, officer, fast_render, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        documents.document_reissue(document=ready, actor=officer, reason="Corrected.")
    with pytest.raises(DocumentRefused) as refused:
        documents.document_reissue(document=ready, actor=officer, reason="Again.")
    assert refused.value.code == "superseded"
    assert IssuedDocument.objects.count() == 2


# --- Key rotation --------------------------------------------------------------------------------


def test_a_new_key_takes_over_and_both_keys_documents_still_verify(
    issue, ready, region, settings
) -> None:
    first_pem = settings.PORTAL_SIGNING_KEY
    old = SigningKey.objects.get()
    settings.PORTAL_SIGNING_KEY = signing.new_private_key_pem().decode()
    signing.private_key.cache_clear()

    second = issue(Dossier.objects.create(title="Bob Other", region=region))

    assert SigningKey.objects.count() == 2
    old.refresh_from_db()
    new = SigningKey.objects.get(in_service=True)
    assert new != old
    assert (old.in_service, old.revoked_at) == (False, None)
    assert old.retired_at is not None
    assert (ready.key, second.key) == (old, new)
    for document in (ready, second):
        verdict = documents.verdict_for_token(document.token)
        assert (verdict.genuine, verdict.status, verdict.document) == (True, "current", document)
        data = storage().open(document.file.name).read()
        assert docverify.check_file(data, signing.verification_keys()).ok
    published = {key["kid"]: key for key in signing.published_keys()["keys"]}
    assert published[old.kid]["not_after"] == timezone.localdate().isoformat()
    assert published[new.kid]["not_after"] is None

    # A worker of the last deploy, still holding the retired key, refuses to sign.
    settings.PORTAL_SIGNING_KEY = first_pem
    signing.private_key.cache_clear()
    third = issue(Dossier.objects.create(title="Carol Late", region=region), render=False)
    with pytest.raises(signing.KeyRetired):
        documents.document_render(third.pk)
    third.refresh_from_db()
    assert third.state == IssuedDocument.State.PENDING
    assert (third.token, third.sha256, third.key, third.attempts) == ("", "", None, 0)
    assert SigningKey.objects.get(in_service=True) == new


def test_a_document_decided_before_a_rotation_and_rendered_after_it_verifies(
    issue, ready, region, settings, fast_render
) -> None:
    """A decision made yesterday whose render waited (a broker down, a failed render tried
    again, workers refusing with the retired key during the deploy) is signed today by the
    key that took over today."""
    long_ago = timezone.now() - dt.timedelta(days=400)
    SigningKey.objects.update(in_service_from=long_ago)
    waiting = issue(Dossier.objects.create(title="Dan Waiting", region=region), render=False)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    IssuedDocument.objects.filter(pk=waiting.pk).update(issued_on=yesterday)
    settings.PORTAL_SIGNING_KEY = signing.new_private_key_pem().decode()
    signing.private_key.cache_clear()

    rendered = documents.document_render(waiting.pk)

    assert rendered is not None
    assert rendered.state == IssuedDocument.State.READY
    assert rendered.key == SigningKey.objects.get(in_service=True)
    # The key's service is checked against the day the payload was signed (today), not the
    # day the document was issued (yesterday, before the new key's not_before).
    assert rendered.issued_on == yesterday
    verdict = documents.verdict_for_token(rendered.token)
    assert (verdict.genuine, verdict.code) == (True, "")
    assert verdict.facts["issued_on"] == yesterday.isoformat()
    assert verdict.facts["signed_on"] == timezone.localdate().isoformat()
    assert documents.verdict_for_file(storage().open(rendered.file.name).read()).genuine


# --- Verdicts ------------------------------------------------------------------------------------


def test_the_exact_file_is_genuine_and_one_changed_byte_is_not(ready) -> None:
    data = storage().open(ready.file.name).read()

    verdict = documents.verdict_for_file(data)
    assert (verdict.genuine, verdict.source, verdict.status) == (True, "file", "current")
    assert verdict.document == ready
    assert verdict.facts["number"] == ready.number

    altered = bytearray(data)
    altered[len(altered) // 2] ^= 0x20
    verdict = documents.verdict_for_file(bytes(altered))
    assert (verdict.genuine, verdict.code, verdict.source) == (False, "file_altered", "file")
    assert verdict.document is None


def test_a_file_sealed_by_the_key_but_never_issued_is_not_genuine(ready, sample_pdf) -> None:
    # Another file (one comment line more), sealed with the real payload by the real key:
    # its seal holds, but the portal never issued these bytes.
    at = sample_pdf.rfind(b"startxref")
    other = sample_pdf[:at] + b"% another file\n" + sample_pdf[at:]
    resealed = docverify.seal_pdf(other, ready.token, signing.private_key().sign)
    assert docverify.check_file(resealed, signing.verification_keys()).ok
    verdict = documents.verdict_for_file(resealed)
    assert (verdict.genuine, verdict.code) == (False, "not_issued")


def test_a_payload_signed_by_the_key_but_never_recorded_is_not_genuine(ready) -> None:
    signed = json.loads(docverify.b64decode(ready.token.split(".")[1]))
    token = docverify.encode_token({**signed, "h": "Someone Else"}, signing.private_key().sign)
    assert docverify.check_token(token, signing.verification_keys()).ok
    verdict = documents.verdict_for_token(token)
    assert (verdict.genuine, verdict.code) == (False, "not_issued")


def test_a_forged_payload_is_not_genuine_and_shows_no_document(ready) -> None:
    prefix, body, signature = ready.token.split(".")
    forged = f"{prefix}.{body}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    verdict = documents.verdict_for_token(forged)
    assert (verdict.genuine, verdict.code, verdict.status, verdict.document) == (
        False,
        "bad_signature",
        "",
        None,
    )


def test_the_status_comes_from_the_subject_today(ready, dossier) -> None:
    assert documents.verdict_for_token(ready.token).status == Status.CURRENT
    dossier.state = Dossier.State.RETURNED
    dossier.save()
    verdict = documents.verdict_for_token(ready.token)
    assert (verdict.genuine, verdict.status, verdict.is_current) == (True, "revoked", False)


def test_a_token_verdict_takes_a_fixed_number_of_queries(ready, django_assert_num_queries):
    # The published keys, the document with what it supersedes, the subject.
    with django_assert_num_queries(3):
        documents.verdict_for_token(ready.token)
    with django_assert_num_queries(1):
        documents.verdict_for_token(ready.token[:-2] + "xx")


def test_revoking_the_key_makes_its_documents_fail(ready) -> None:
    SigningKey.objects.filter(pk=ready.key_id).update(revoked_at=timezone.now())
    verdict = documents.verdict_for_token(ready.token)
    assert (verdict.genuine, verdict.code) == (False, "key_revoked")
