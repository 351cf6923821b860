"""The pages of issued documents: the public verify page (QR link, pasted payload, uploaded
file), the published keys, the throttle, download and state views, and the commands
``verify_document`` and ``signing_key``.

The PDF of the sample template is rendered once for the module; each test's document is
issued, signed, sealed and stored by the kernel as usual.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from portal import documents, docverify, signing
from portal.documents import Content, DocumentKind, Status
from portal.files import _walk
from portal.models import AuditEvent, IssuedDocument, Region, SigningKey
from tests.factories import UserFactory
from tests.testapp.models import Dossier

KIND = "test_sample"
TEMPLATE = "documents/sample.html"
HOLDER = "Alice Example"

pytestmark = pytest.mark.django_db


# --- A document kind of the tests ----------------------------------------------------------------


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
def viewers() -> set[int]:
    """The users (besides superusers) the test kind lets see and re-issue its documents."""
    return set()


@pytest.fixture
def kind(viewers: set[int]) -> Iterator[DocumentKind]:
    spec = DocumentKind(
        code=KIND,
        label="Test document",
        title_zh="测试文件",
        title_en="Test document",
        template=TEMPLATE,
        model=Dossier,
        build=build,
        status=status,
        may_view=lambda user, dossier: user.is_superuser or user.pk in viewers,
        may_reissue=lambda user, dossier: user.is_superuser or user.pk in viewers,
    )
    documents.register_kind(spec)
    yield spec
    documents.KINDS.pop(KIND, None)


def storage():
    return IssuedDocument._meta.get_field("file").storage


@pytest.fixture(autouse=True)
def clean_state() -> Iterator[None]:
    # The in-memory storage outlives the database rollback; the key is cached per process.
    def empty() -> None:
        for name in list(_walk(storage(), f"issued/{KIND}")):
            storage().delete(name)

    empty()
    signing.private_key.cache_clear()
    yield
    signing.private_key.cache_clear()
    empty()


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    from portal.pdf import render_template_pdf

    return render_template_pdf(TEMPLATE, {}, stylesheets=[documents.STYLESHEET])


@pytest.fixture
def dossier() -> Dossier:
    return Dossier.objects.create(
        title=HOLDER, region=Region.objects.get(code="310000"), state="approved"
    )


@pytest.fixture
def issue(kind, sample_pdf, django_capture_on_commit_callbacks):
    def issue(subject: Dossier, *, render: bool = True) -> IssuedDocument:
        with (
            mock.patch("portal.documents.render_template_pdf", return_value=sample_pdf),
            django_capture_on_commit_callbacks(execute=render),
        ):
            document = documents.document_issue(kind=KIND, subject=subject, actor=None)
        document.refresh_from_db()
        return document

    return issue


@pytest.fixture
def document(issue, dossier) -> IssuedDocument:
    document = issue(dossier)
    assert document.state == IssuedDocument.State.READY
    return document


@pytest.fixture
def pdf(document) -> bytes:
    return storage().open(document.file.name).read()


def altered(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    return bytes(changed)


def forged(token: str) -> str:
    prefix, body, signature = token.split(".")
    return f"{prefix}.{body}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


def qr_path(token: str) -> str:
    """The path of the address the QR code carries (no language prefix)."""
    url = documents.verify_url(token)
    assert url.startswith("https://portal.example.test/verify/d/")
    return urlsplit(url).path


def text(response) -> str:
    return response.content.decode()


def upload(data: bytes, name: str = "letter.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


# --- The verify page -----------------------------------------------------------------------------


def test_the_verify_page_offers_three_ways_in_each_language(client) -> None:
    response = client.get("/zh-hans/verify/")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    page = text(response)
    assert '<html lang="zh-hans">' in page
    for mode in ("payload", "number", "file"):
        assert f'name="mode" value="{mode}"' in page
    assert 'name="p-payload"' in page
    assert 'name="n-number"' in page
    assert 'name="f-file"' in page
    assert 'enctype="multipart/form-data"' in page

    page = text(client.get("/en/verify/"))
    assert "<h1>Verify a document" in page
    for heading in ("By the QR code", "By the permit number", "By the PDF file"):
        assert heading in page
    assert "/.well-known/portal-signing-keys.json" in page


def test_the_published_keys_are_a_key_set_anyone_may_fetch(client, document, pdf) -> None:
    response = client.get("/.well-known/portal-signing-keys.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"]
    published = response.json()
    [key] = published["keys"]
    assert (key["kty"], key["crv"], key["kid"]) == ("OKP", "Ed25519", document.key.kid)
    assert key["x"] == document.key.public_key
    assert key["not_before"] == timezone.localdate().isoformat()
    assert (key["not_after"], key["revoked"]) == (None, False)
    # What is published is enough to check the file offline.
    assert docverify.check_file(pdf, docverify.load_keys(response.content)).ok


def test_the_qr_address_opens_the_verdict_in_the_visitors_language(client, document) -> None:
    path = qr_path(document.token)
    assert path == f"/verify/d/{document.token}/"

    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/zh-hans/verify/d/{document.token}/"
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Location"] == f"/en/verify/d/{document.token}/"

    page = text(client.get(f"/zh-hans/verify/d/{document.token}/"))
    assert "verdict--current" in page
    assert "status--current" in page
    assert HOLDER in page
    assert document.number in page


def test_a_genuine_payload_shows_its_status_and_facts(client, document) -> None:
    response = client.get(f"/en/verify/d/{document.token}/")
    assert response.status_code == 200
    page = text(response)
    assert "Genuine: the portal signed this document." in page
    assert "Status today:" in page
    assert '<strong class="status status--current">Current</strong>' in page
    assert "What the portal signed" in page
    for label, value in [
        ("Number", document.number),
        ("Holder", HOLDER),
        ("Category", "B"),
        ("Employer", "测试单位"),
        ("Valid until", "2027-01-31"),
        ("Signing key", document.key.kid),
    ]:
        assert f'<th scope="row">{label}</th><td>{value}</td>' in page
    assert "Not genuine" not in page


def test_the_status_shown_is_todays(client, document, dossier) -> None:
    dossier.state = Dossier.State.RETURNED
    dossier.save()
    page = text(client.get(f"/en/verify/d/{document.token}/"))
    assert "Genuine: the portal signed this document." in page
    assert "verdict--ended" in page
    assert '<strong class="status status--revoked">Revoked</strong>' in page
    page = text(client.get(f"/zh-hans/verify/d/{document.token}/"))
    assert '<strong class="status status--revoked">已撤销</strong>' in page


def test_a_superseded_version_says_so_and_names_its_successor(
    client, document, issue, dossier
) -> None:
    second = issue(dossier)  # a subject's next document supersedes its current one
    assert second.version == 2
    page = text(client.get(f"/en/verify/d/{document.token}/"))
    assert "Genuine: the portal signed this document." in page
    assert "Superseded by a newer version" in page
    assert "version 2 replaces it" in page
    page = text(client.get(f"/en/verify/d/{second.token}/"))
    assert '<strong class="status status--current">Current</strong>' in page
    assert "replaces it" not in page


def test_a_forged_payload_is_not_genuine_and_shows_no_facts(client, document) -> None:
    response = client.get(f"/en/verify/d/{forged(document.token)}/")
    assert response.status_code == 200
    page = text(response)
    assert "Not genuine: do not rely on this document." in page
    assert "The signature does not match: the payload was altered or forged." in page
    assert "verdict--refused" in page
    assert "What the portal signed" not in page
    assert HOLDER not in page
    assert document.number not in page

    page = text(client.get(f"/zh-hans/verify/d/{forged(document.token)}/"))
    assert "verdict--refused" in page
    assert HOLDER not in page


def test_a_pasted_address_is_checked_like_the_scanned_one(client, document) -> None:
    # As a scanner shows it: the full address, wrapped over lines.
    url = documents.verify_url(document.token)
    pasted = f"  {url[:40]}\n{url[40:]}  "
    response = client.post("/en/verify/", {"mode": "payload", "p-payload": pasted})
    assert response.status_code == 200
    page = text(response)
    assert "Genuine: the portal signed this document." in page
    assert f'<th scope="row">Holder</th><td>{HOLDER}</td>' in page

    page = text(client.post("/en/verify/", {"mode": "payload", "p-payload": document.token}))
    assert "Genuine: the portal signed this document." in page

    forged_url = documents.verify_url(forged(document.token))
    page = text(client.post("/en/verify/", {"mode": "payload", "p-payload": forged_url}))
    assert "Not genuine: do not rely on this document." in page
    assert HOLDER not in page


def test_text_that_is_no_payload_is_a_form_error(client) -> None:
    response = client.post("/en/verify/", {"mode": "payload", "p-payload": "hello"})
    assert response.status_code == 400
    page = text(response)
    assert "This is not a payload of the portal" in page
    assert "verdict" not in page.split("<h1>", 1)[1].split('class="verify-ways"', 1)[0]


def test_the_original_file_is_genuine(client, document, pdf) -> None:
    response = client.post("/en/verify/", {"mode": "file", "f-file": upload(pdf)})
    assert response.status_code == 200
    page = text(response)
    assert "Genuine: this file is, byte for byte, a document the portal issued." in page
    assert '<strong class="status status--current">Current</strong>' in page
    assert f'<th scope="row">Holder</th><td>{HOLDER}</td>' in page


def test_a_modified_file_is_not_genuine(client, document, pdf) -> None:
    response = client.post("/en/verify/", {"mode": "file", "f-file": upload(altered(pdf))})
    assert response.status_code == 200
    page = text(response)
    assert "Not genuine: do not rely on this document." in page
    assert "The file was changed after the portal issued it." in page
    assert "What the portal signed" not in page


def test_a_file_that_is_not_a_pdf_is_a_form_error(client, document) -> None:
    response = client.post(
        "/en/verify/", {"mode": "file", "f-file": upload(b"MZ\x90\x00 a program", "a.pdf")}
    )
    assert response.status_code == 400
    page = text(response)
    assert "This is not a PDF file: choose the PDF of the document." in page
    assert "Not genuine" not in page
    assert "Genuine:" not in page


def test_a_number_without_a_matching_document_matches_nothing(client) -> None:
    response = client.post("/en/verify/", {"mode": "number", "n-number": "T 123", "n-name": "X"})
    assert response.status_code == 200
    assert "No document matches." in text(response)

    response = client.post("/en/verify/", {"mode": "number", "n-number": "T-123", "n-name": "X"})
    assert response.status_code == 400
    assert "A permit number has only digits and letters." in text(response)


@pytest.mark.parametrize("data", [{"mode": "other"}, {}, {"p-payload": "P1.x.y"}])
def test_a_post_without_a_known_mode_is_refused(client, data) -> None:
    response = client.post("/en/verify/", data)
    assert response.status_code == 400
    assert "Genuine" not in text(response)


def test_the_checks_of_an_address_are_limited_per_minute(client, document, pdf, settings):
    settings.PORTAL_VERIFY_LIMIT_PER_MINUTE = 2
    cache.clear()
    # One minute for the whole test, however long it takes.
    with mock.patch("portal.document_views.timezone", wraps=timezone) as clock:
        clock.now.return_value = timezone.now()
        clock.localdate.return_value = timezone.localdate()
        for _ in range(3):  # the form alone is no check
            assert client.get("/en/verify/").status_code == 200
        first = client.get(f"/en/verify/d/{document.token}/")
        second = client.post("/en/verify/", {"mode": "file", "f-file": upload(pdf)})
        third = client.post("/en/verify/", {"mode": "payload", "p-payload": document.token})
        fourth = client.get(f"/en/verify/d/{document.token}/")
        elsewhere = client.get(f"/en/verify/d/{document.token}/", REMOTE_ADDR="203.0.113.9")

    assert (first.status_code, second.status_code) == (200, 200)
    for refused in (third, fourth):
        assert refused.status_code == 429
        assert refused["Retry-After"] == "60"
        page = text(refused)
        assert "Too many checks from your address in the last minute." in page
        assert "Genuine" not in page
        assert HOLDER not in page
    assert elsewhere.status_code == 200


# --- Download and state --------------------------------------------------------------------------


def test_the_download_needs_a_sign_in(client, document) -> None:
    url = reverse("portal:document_download", args=[document.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    assert AuditEvent.objects.filter(action="portal.document.download").count() == 0


def test_a_user_the_kind_refuses_gets_404_like_for_no_document(client, document) -> None:
    client.force_login(UserFactory())
    assert client.get(reverse("portal:document_download", args=[document.pk])).status_code == 404
    assert client.get(reverse("portal:document_state", args=[document.pk])).status_code == 404
    assert client.get(reverse("portal:document_download", args=[999999])).status_code == 404
    assert AuditEvent.objects.filter(action="portal.document.download").count() == 0


def test_an_allowed_user_downloads_the_stored_pdf_and_it_is_recorded(
    client, document, pdf, viewers
) -> None:
    user = UserFactory()
    viewers.add(user.pk)
    client.force_login(user)

    response = client.get(reverse("portal:document_download", args=[document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert f'filename="{document.number}-v1.pdf"' in response["Content-Disposition"]
    [event] = AuditEvent.objects.filter(action="portal.document.download")
    assert (event.actor, event.target_id) == (user, str(document.pk))
    assert event.data == {"kind": KIND, "number": document.number, "version": 1}


def test_a_document_not_ready_is_not_downloaded(client, issue, dossier, viewers) -> None:
    pending = issue(dossier, render=False)
    user = UserFactory()
    viewers.add(user.pk)
    client.force_login(user)
    assert client.get(reverse("portal:document_download", args=[pending.pk])).status_code == 404


def test_the_state_fragment_polls_while_pending_and_links_the_pdf_once_ready(
    client, issue, dossier, viewers, sample_pdf
) -> None:
    user = UserFactory()
    viewers.add(user.pk)
    client.force_login(user)
    pending = issue(dossier, render=False)
    url = reverse("portal:document_state", args=[pending.pk])

    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = text(response)
    assert fragment.lstrip().startswith(
        f'<li class="document document--pending" id="document-{pending.pk}"'
    )
    assert 'hx-trigger="every 2s"' in fragment
    assert f'hx-get="{url}?next=' in fragment
    assert "<html" not in fragment
    assert "<html" in text(client.get(url))  # a page of its own without htmx

    with mock.patch("portal.documents.render_template_pdf", return_value=sample_pdf):
        documents.document_render(pending.pk)
    fragment = text(client.get(url, HTTP_HX_REQUEST="true"))
    assert "document--ready" in fragment
    assert "hx-trigger" not in fragment
    assert f'href="{reverse("portal:document_download", args=[pending.pk])}"' in fragment


def test_a_reissue_from_the_page_needs_a_reason_and_stays_on_the_site(
    client, document, viewers, sample_pdf, django_capture_on_commit_callbacks
) -> None:
    user = UserFactory()
    viewers.add(user.pk)
    client.force_login(user)
    url = reverse("portal:document_reissue", args=[document.pk])

    response = client.post(url, {"reason": "", "next": "/en/dashboard/"})
    assert (response.status_code, response["Location"]) == (302, "/en/dashboard/")
    assert IssuedDocument.objects.count() == 1
    assert IssuedDocument.objects.get(pk=document.pk).superseded_at is None

    with (
        mock.patch("portal.documents.render_template_pdf", return_value=sample_pdf),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(url, {"reason": "Corrected.", "next": "https://evil.example/"})
    second = IssuedDocument.objects.get(version=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:document_state", args=[second.pk])
    assert (second.state, second.reason, second.supersedes_id) == (
        "ready",
        "Corrected.",
        document.pk,
    )


# --- Commands ------------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command(*args, stdout=out, stderr=io.StringIO())
    return exit_.value.code, out.getvalue()


@pytest.fixture
def files(tmp_path: Path, pdf: bytes) -> dict[str, Path]:
    original = tmp_path / "letter.pdf"
    original.write_bytes(pdf)
    modified = tmp_path / "letter-edited.pdf"
    modified.write_bytes(altered(pdf))
    keys = tmp_path / "portal-signing-keys.json"
    keys.write_text(json.dumps(signing.published_keys()))
    return {"original": original, "modified": modified, "keys": keys}


def test_verify_document_exits_0_for_the_original_and_1_for_a_modified_copy(files) -> None:
    code, out = run("verify_document", str(files["original"]))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "GENUINE"
    assert "  status: current (Current)" in lines
    assert f"  Holder: {HOLDER}" in lines

    code, out = run("verify_document", str(files["modified"]))
    assert code == 1
    assert out.splitlines()[0] == "NOT GENUINE (file_altered)"


def test_verify_document_offline_with_the_published_keys(files) -> None:
    code, out = run("verify_document", str(files["original"]), "--keys", str(files["keys"]))
    assert (code, out.splitlines()[0]) == (0, "GENUINE")
    code, out = run("verify_document", str(files["modified"]), "--keys", str(files["keys"]))
    assert code == 1
    assert out.splitlines()[0].startswith("NOT GENUINE (file_altered)")


def test_verify_document_exits_2_for_a_file_it_cannot_read(tmp_path, files) -> None:
    assert run("verify_document", str(tmp_path / "missing.pdf"))[0] == 2
    bad_keys = tmp_path / "bad.json"
    bad_keys.write_text("not json")
    assert run("verify_document", str(files["original"]), "--keys", str(bad_keys))[0] == 2


def test_signing_key_new_writes_a_private_file_and_never_overwrites(tmp_path) -> None:
    path = tmp_path / "signing-key.pem"
    out = io.StringIO()
    call_command("signing_key", "--new", str(path), stdout=out)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = signing.parse_private_key(path.read_bytes(), str(path))
    assert signing.kid_of(key.public_key()) in out.getvalue()

    before = path.read_bytes()
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("signing_key", "--new", str(path), stdout=io.StringIO())
    assert path.read_bytes() == before


def test_revoking_a_key_makes_its_documents_fail(client, document, pdf) -> None:
    kid = document.key.kid
    with pytest.raises(CommandError, match="reason"):
        call_command("signing_key", "--revoke", kid, stdout=io.StringIO())
    assert SigningKey.objects.get(kid=kid).revoked_at is None

    call_command("signing_key", "--revoke", kid, "--reason", "x", stdout=io.StringIO())

    record = SigningKey.objects.get(kid=kid)
    assert record.revoked_at is not None
    assert (record.revocation_reason, record.in_service) == ("x", False)
    assert AuditEvent.objects.filter(action="portal.signing_key.revoke").count() == 1
    verdict = documents.verdict_for_token(document.token)
    assert (verdict.genuine, verdict.code) == (False, "key_revoked")
    verdict = documents.verdict_for_file(pdf)
    assert (verdict.genuine, verdict.code) == (False, "key_revoked")
    published = docverify.load_keys(signing.published_keys())
    assert docverify.check_file(pdf, published).code == "key_revoked"
    page = text(client.get(f"/en/verify/d/{document.token}/"))
    assert "The key that signed this payload has been revoked." in page
    # The revoked key signs nothing more.
    with pytest.raises(signing.KeyRetired):
        signing.signing_key()
