"""Uploaded files: checked by content, stored under random names, served after an access check.

``store_upload`` decides what a file is from its bytes, never from its name or the type
the browser claims: a PDF starts with ``%PDF-`` and ends with ``%%EOF`` and may carry no
script or launch action (officers open them in the browser); a JPEG or PNG must be an
image Pillow can read. Anything else, anything empty and anything over
``PORTAL_UPLOAD_MAX_BYTES`` is refused with a message that says what to send instead,
and nothing is stored. ``file_response`` serves a stored file; the caller has checked that
the person may see what the file belongs to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.models.files import StoredFile

logger = logging.getLogger(__name__)

CT = StoredFile.ContentType
# Where store_upload puts files (``portal.models.files._upload_to``).
UPLOAD_ROOT = "uploads"
# A file or row younger than this may belong to a transaction still running.
ORPHAN_GRACE = dt.timedelta(days=1)
PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# PDF names that run something when the document is opened.
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")


@dataclass
class UploadError(Exception):
    code: str  # empty, too_large, unknown_type, damaged, active_content
    message: str

    def __str__(self) -> str:
        return self.message


def max_bytes() -> int:
    return int(settings.PORTAL_UPLOAD_MAX_BYTES)


def _read_all(upload: Any, limit: int) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    chunks = []
    total = 0
    source = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b"")
    for chunk in source:
        total += len(chunk)
        if total > limit:
            raise UploadError(
                "too_large",
                _("The file is larger than %(mb)s MB. Send a smaller scan (150 to 300 dpi).")
                % {"mb": _megabytes(limit)},
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:g}"


def sniff(data: bytes) -> str:
    """The content type of ``data`` by its content, or raise ``UploadError``."""
    if not data:
        raise UploadError("empty", _("The file is empty."))
    if data.startswith(PDF_MAGIC):
        if b"%%EOF" not in data[-2048:]:
            raise UploadError(
                "damaged", _("The PDF is incomplete or damaged. Save it again and resend it.")
            )
        if PDF_ACTIVE.search(data):
            raise UploadError(
                "active_content",
                _(
                    "The PDF contains scripts, attachments or forms. Print it to a plain PDF "
                    "or scan it, and send that."
                ),
            )
        return CT.PDF
    if data.startswith(JPEG_MAGIC) or data.startswith(PNG_MAGIC):
        kind = CT.JPEG if data.startswith(JPEG_MAGIC) else CT.PNG
        _check_image(data, "JPEG" if kind == CT.JPEG else "PNG")
        return kind
    raise UploadError(
        "unknown_type",
        _("Only PDF, JPEG and PNG files are accepted. Scan or save the document as one of these."),
    )


def _check_image(data: bytes, expected: str) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected:
                raise UploadError("damaged", _("The image is damaged. Scan it again."))
            image.verify()
    except UploadError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadError("damaged", _("The image is damaged. Scan it again.")) from None


def store_upload(upload: IO[bytes] | Any, *, actor: User | None, name: str = "") -> StoredFile:
    """Check an uploaded file and store it; raise ``UploadError`` and store nothing when
    it is refused. Call it inside the service's transaction: a rolled-back transaction
    leaves the row out, and ``sweep_orphan_files`` later removes the file on disk."""
    data = _read_all(upload, max_bytes())
    content_type = sniff(data)
    original = (name or getattr(upload, "name", "") or "document").rsplit("/", 1)[-1]
    stored = StoredFile(
        id=uuid.uuid4(),
        original_name=original[:255],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        uploaded_at=timezone.now(),
    )
    stored.file.save("upload", ContentFile(data), save=False)
    stored.save(force_insert=True)
    return stored


def file_response(stored: StoredFile, *, as_attachment: bool = False) -> FileResponse:
    """The file itself, with its checked type; never sniffed again by the browser."""
    response = FileResponse(
        stored.file.open("rb"),
        content_type=stored.content_type,
        as_attachment=as_attachment,
        filename=stored.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # A PDF or image shown in the browser runs nothing and loads nothing.
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    return response


# --- Orphans -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    rows: int  # StoredFile rows nothing points at (their files deleted too)
    files: int  # files on disk with no row (a rolled-back upload)


def _unreferenced_filter() -> Q:
    """Rows that no model of any app points at. Every reverse relation to StoredFile is
    asked, hidden ones (``related_name="+"``) included; a many-to-many is asked through
    its table's foreign key, which is one of those relations. So the kernel needs to know
    nothing of the apps that keep files."""
    condition = Q()
    for relation in StoredFile._meta.get_fields(include_hidden=True):
        if not relation.is_relation or relation.concrete or relation.many_to_many:
            continue
        model = relation.related_model
        field = relation.field.name  # type: ignore[union-attr]
        condition &= ~Q(Exists(model._base_manager.filter(**{field: OuterRef("pk")})))  # type: ignore[union-attr]
    return condition


def _walk(storage: Storage, path: str) -> Iterator[str]:
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{path}/{name}"
    for name in directories:
        yield from _walk(storage, f"{path}/{name}")


def sweep_orphan_files(now: dt.datetime | None = None) -> SweepResult:
    """Delete stored files nothing points at any more (a removed document) and files on
    disk that have no row (an upload whose transaction rolled back), older than
    ``ORPHAN_GRACE`` so that a transaction still running is never robbed. Idempotent."""
    now = now or timezone.now()
    cutoff = now - ORPHAN_GRACE
    rows = 0
    for stored in StoredFile.objects.filter(
        _unreferenced_filter(), uploaded_at__lt=cutoff
    ).iterator():
        name = stored.file.name
        stored.delete()
        if name:
            stored.file.storage.delete(name)
        rows += 1
    storage = StoredFile._meta.get_field("file").storage  # type: ignore[attr-defined]
    known = set(StoredFile.objects.values_list("file", flat=True))
    files = 0
    for name in _walk(storage, UPLOAD_ROOT):
        if name in known:
            continue
        if storage.get_modified_time(name) >= cutoff:
            continue
        storage.delete(name)
        files += 1
    if rows or files:
        logger.info("swept %d unreferenced stored files and %d files without a row", rows, files)
    return SweepResult(rows=rows, files=files)
