"""Uploads (portal.files): what a file is comes from its bytes, refused files store nothing,
stored files are served with headers that run nothing, and orphans are swept."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from portal import files
from portal.files import UploadError, sniff, store_upload, sweep_orphan_files
from portal.models import StoredFile
from portal.tasks import sweep_orphan_files_task
from tests.testapp.models import Attachment

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, fmt)
    return buffer.getvalue()


def upload(data: bytes, name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def storage():
    return StoredFile._meta.get_field("file").storage


@pytest.fixture
def empty_storage() -> None:
    # The in-memory storage of the tests outlives each test's database rollback.
    for name in list(files._walk(storage(), files.UPLOAD_ROOT)):
        storage().delete(name)


# --- What a file is -----------------------------------------------------------------------------


def test_sniff_tells_each_accepted_type_from_its_bytes() -> None:
    assert sniff(PDF) == "application/pdf"
    assert sniff(image("PNG")) == "image/png"
    assert sniff(image("JPEG")) == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00 an executable", "unknown_type"),
        (b"PK\x03\x04 a zip or docx", "unknown_type"),
        (b"<html><script>alert(1)</script></html>", "unknown_type"),
        (b"%PDF-1.7\n1 0 obj << >> endobj\n", "damaged"),
        (
            b"%PDF-1.7\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF",
            "active_content",
        ),
        (b"%PDF-1.7\n<< /S /Launch /F (cmd.exe) >>\n%%EOF", "active_content"),
        (b"%PDF-1.7\n<< /Type /EmbeddedFile >>\n%%EOF", "active_content"),
        (b"\x89PNG\r\n\x1a\n but not an image", "damaged"),
        (b"\xff\xd8\xff\xe0 but not an image", "damaged"),
    ],
)
def test_sniff_refuses_with_a_code_and_a_message(data: bytes, code: str) -> None:
    with pytest.raises(UploadError) as caught:
        sniff(data)
    assert caught.value.code == code
    assert caught.value.message


def test_a_png_named_pdf_is_a_png() -> None:
    assert sniff(image("PNG")) == "image/png"


# --- Storing ------------------------------------------------------------------------------------


def test_store_upload_keeps_the_checked_facts_under_a_random_name(db, roles, empty_storage) -> None:
    user = roles.user("employer_admin")
    stored = store_upload(upload(PDF, "营业执照 licence.pdf"), actor=user)

    stored.refresh_from_db()
    assert stored.original_name == "营业执照 licence.pdf"
    assert stored.content_type == "application/pdf"
    assert stored.size == len(PDF)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.uploaded_by == user
    assert stored.file.name == (f"uploads/{stored.uploaded_at:%Y/%m}/{stored.pk.hex}.pdf")
    with stored.file.open("rb") as handle:
        assert handle.read() == PDF


def test_a_name_is_never_a_path(db, empty_storage) -> None:
    stored = store_upload(upload(image("PNG"), "../../etc/passwd.png"), actor=None)
    assert stored.original_name == "passwd.png"
    assert stored.file.name.endswith(f"{stored.pk.hex}.png")


def test_a_refused_upload_stores_nothing(db, settings, empty_storage) -> None:
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024 * 1024
    big = PDF[:-7] + b" " * (1024 * 1024) + b"\n%%EOF\n"
    messages = {}
    for data, code in ((big, "too_large"), (b"not a document", "unknown_type")):
        with translation.override("en"), pytest.raises(UploadError) as caught:
            store_upload(upload(data), actor=None)
        assert caught.value.code == code
        messages[code] = str(caught.value)
    assert messages["too_large"] == (
        "The file is larger than 1 MB. Send a smaller scan (150 to 300 dpi)."
    )
    assert StoredFile.objects.count() == 0
    assert list(files._walk(storage(), files.UPLOAD_ROOT)) == []


def test_file_response_runs_nothing_and_is_not_cached(db, empty_storage) -> None:
    stored = store_upload(upload(PDF, "contract.pdf"), actor=None)
    response = files.file_response(stored)
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF
    download = files.file_response(stored, as_attachment=True)
    assert download["Content-Disposition"].startswith("attachment;")
    assert "contract.pdf" in download["Content-Disposition"]


# --- Orphans ------------------------------------------------------------------------------------


def test_sweep_removes_unreferenced_rows_and_rowless_files_past_the_grace(
    db, empty_storage
) -> None:
    kept_by_key = store_upload(upload(PDF), actor=None)
    kept_by_m2m = store_upload(upload(image("PNG")), actor=None)
    orphan = store_upload(upload(image("JPEG")), actor=None)
    attachment = Attachment.objects.create(main=kept_by_key)
    attachment.extra.add(kept_by_m2m)
    storage().save("uploads/2026/01/rolled-back.pdf", io.BytesIO(PDF))
    orphan_name = orphan.file.name

    # Within the grace period nothing goes: a transaction may still be running.
    assert sweep_orphan_files() == files.SweepResult(rows=0, files=0)
    assert StoredFile.objects.count() == 3

    later = timezone.now() + files.ORPHAN_GRACE + dt.timedelta(minutes=1)
    assert sweep_orphan_files(now=later) == files.SweepResult(rows=1, files=1)
    assert set(StoredFile.objects.values_list("pk", flat=True)) == {kept_by_key.pk, kept_by_m2m.pk}
    remaining = set(files._walk(storage(), files.UPLOAD_ROOT))
    assert remaining == {kept_by_key.file.name, kept_by_m2m.file.name}
    assert orphan_name not in remaining

    # Idempotent.
    assert sweep_orphan_files(now=later) == files.SweepResult(rows=0, files=0)


def test_sweep_task_reports_what_it_removed(db, empty_storage) -> None:
    assert sweep_orphan_files_task.delay().get() == {"rows": 0, "files": 0}
