"""Issued documents: the kinds the apps register, issuing, rendering, re-issuing, checking.

An app registers each kind it issues (:func:`register_kind`) from its ``AppConfig.ready``:
the template, the model of the thing the document is about (the *subject*: a letter, a
permit, an application, a registration), and four functions that only the app can answer
(what the document says, the subject's status on a day, who may download it, who may
re-issue it). The kernel then does the rest the same way for every kind:

``document_issue``
    Inside the caller's transaction (the decision's): the content is built and frozen, a
    ``pending`` row is written with its audit event, and the render is queued when the
    transaction commits. A rolled-back decision leaves nothing behind.
``document_render`` (the Celery task ``portal.tasks.render_document``)
    Locks the row, returns at once if it is ready (a task run twice stores one file),
    renders the PDF, signs the QR payload and the file with the key in service, removes
    whatever a killed render left at the document's path, stores the file with its
    SHA-256, marks it ready and tells the people the kind names (``recipients``, the
    notification ``documents.ready``), all in one transaction: a worker killed mid-render
    leaves the row pending and the sweeper queues it again.
``document_reissue``
    A new version with the subject's current data; the old one is kept, marked superseded,
    and reads so on the verify page.
``verdict_for_token`` / ``verdict_for_file``
    What the verify page, the API and ``manage.py verify_document`` say: the signature
    (:mod:`portal.docverify`), then, for a genuine payload, the live status of the
    document (current, expired, revoked, cancelled, used, ended, superseded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import segno
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from portal import docverify, signing
from portal.audit import audit_record
from portal.kernel_notifications import DOCUMENTS_READY, bilingual
from portal.models import IssuedDocument, Organization, Region, User
from portal.notifications import notify
from portal.pdf import render_template_pdf

logger = logging.getLogger(__name__)

STYLESHEET = "documents/issued.css"


class Status(models.TextChoices):
    """What a genuine document is worth today."""

    CURRENT = "current", _("Current")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    CANCELLED = "cancelled", _("Cancelled")
    USED = "used", _("Used for the work permit")
    ENDED = "ended", _("Ended by a change of employer")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Superseded by a newer version")


# --- Kinds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    """What an app's builder returns for a subject."""

    number: str
    region: Region
    employer: Organization | None
    # The template's context, without "doc" (the kernel adds it).
    context: dict[str, Any]
    # The facts of the QR payload, short keys (docverify.FACT_NAMES) except t, n, r, i, k.
    facts: dict[str, Any]


@dataclass(frozen=True)
class DocumentKind:
    code: str
    label: str | Promise
    title_zh: str
    title_en: str
    template: str
    model: type[Model]
    build: Callable[[Any, dt.date], Content]
    status: Callable[[Any, dt.date], str]
    may_view: Callable[[Any, Any], bool]
    may_reissue: Callable[[Any, Any], bool]
    # Related rows the status function reads, fetched with the subject.
    select_related: tuple[str, ...] = ()
    # Who is told (``documents.ready``) when a version is ready, given the document and
    # its subject; None: nobody.
    recipients: Callable[[IssuedDocument, Any], Iterable[User]] | None = None
    # The page where they find it (a path from ``reverse``), given the document and its
    # subject; None: the notification links nowhere.
    recipient_url: Callable[[IssuedDocument, Any], str] | None = None


KINDS: dict[str, DocumentKind] = {}


def register_kind(kind: DocumentKind) -> None:
    existing = KINDS.get(kind.code)
    if existing is not None and existing != kind:
        raise ValueError(f"Document kind {kind.code!r} is registered twice.")
    KINDS[kind.code] = kind


def kind_of(document: IssuedDocument) -> DocumentKind:
    return KINDS[document.kind]


# --- Frozen content ------------------------------------------------------------------------------


def freeze(value: Any) -> Any:
    """JSON for the content, with dates tagged so that they come back as dates."""
    if isinstance(value, dt.datetime):
        raise TypeError("Document content holds dates, not datetimes.")
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {str(key): freeze(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [freeze(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def thaw(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$date"}:
            return dt.date.fromisoformat(value["$date"])
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list):
        return [thaw(item) for item in value]
    return value


# --- Where verification lives --------------------------------------------------------------------


def verify_site() -> str:
    """The public verify page, without a language prefix (the visitor's language is
    chosen when it is opened)."""
    return f"{settings.PORTAL_SITE_URL.rstrip('/')}/verify/"


def verify_url(token: str) -> str:
    """The address the QR code opens: the verdict on ``token``."""
    return f"{verify_site()}d/{token}/"


def qr_data_uri(url: str) -> str:
    return str(segno.make(url, error="m").svg_data_uri(scale=2, border=0))


# --- Issuing -------------------------------------------------------------------------------------


def _subject_filter(subject: Model) -> dict[str, Any]:
    return {
        "subject_type": ContentType.objects.get_for_model(subject),
        "subject_id": subject.pk,
    }


def _enqueue(document_id: int) -> None:
    from portal.tasks import render_document

    def send() -> None:
        try:
            render_document.delay(document_id)
        except Exception:  # the broker is down: the sweeper queues it later
            logger.exception("could not queue document %s; the sweeper will", document_id)

    transaction.on_commit(send)


@transaction.atomic
def document_issue(
    *,
    kind: str,
    subject: Model,
    actor: User | None,
    on: dt.date | None = None,
    reason: str = "",
    supersedes: IssuedDocument | None = None,
) -> IssuedDocument:
    """Issue a document of ``kind`` about ``subject``: a pending row now, the PDF once the
    caller's transaction has committed. A subject's current document of the kind is
    superseded (a permit extended, a corrected letter)."""
    spec = KINDS[kind]
    day = on or timezone.localdate()
    content = spec.build(subject, day)
    now = timezone.now()
    if supersedes is None:
        supersedes = (
            IssuedDocument.objects.select_for_update()
            .filter(kind=kind, superseded_at__isnull=True, **_subject_filter(subject))
            .first()
        )
    if supersedes is not None:
        supersedes.superseded_at = now
        supersedes.save(update_fields=["superseded_at"])
    # Versions count per number: a re-issue, or a person's next permit under the same
    # lifelong permit number, is the number's next version.
    version = (
        IssuedDocument.objects.filter(kind=kind, number=content.number).aggregate(
            models.Max("version")
        )["version__max"]
        or 0
    ) + 1
    document = IssuedDocument.objects.create(
        kind=kind,
        number=content.number,
        version=version,
        region=content.region,
        employer=content.employer,
        issued_on=day,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
        context=freeze(content.context),
        facts=freeze(content.facts),
        state=IssuedDocument.State.PENDING,
        queued_at=now,
        supersedes=supersedes,
        reason=reason,
        **_subject_filter(subject),
    )
    audit_record(
        actor=actor,
        action="portal.document.issue",
        target=document,
        data={
            "kind": kind,
            "number": document.number,
            "version": version,
            "supersedes": supersedes.pk if supersedes else None,
            "reason": reason,
        },
        actor_repr="" if actor else "portal",
    )
    _enqueue(document.pk)
    return document


@transaction.atomic
def document_reissue(*, document: IssuedDocument, actor: User, reason: str) -> IssuedDocument:
    """A new version of ``document`` with its subject's current data (an officer
    corrected something); the old version reads as superseded from now on."""
    reason = (reason or "").strip()
    if not reason:
        raise DocumentRefused("reason_required", gettext("Say why the document is re-issued."))
    locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
    if locked.superseded_at is not None:
        raise DocumentRefused(
            "superseded",
            gettext("A newer version of this document exists; re-issue that one."),
        )
    spec = KINDS[locked.kind]
    subject = subject_of(locked)
    if not spec.may_reissue(actor, subject):
        raise DocumentRefused("forbidden", gettext("You may not re-issue this document."))
    return document_issue(
        kind=locked.kind, subject=subject, actor=actor, reason=reason, supersedes=locked
    )


@transaction.atomic
def document_retry(*, document: IssuedDocument, actor: User) -> IssuedDocument:
    """Queue a failed document again (after the cause was fixed)."""
    locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
    if locked.state != IssuedDocument.State.FAILED:
        raise DocumentRefused("not_failed", gettext("Only a failed document is tried again."))
    if not KINDS[locked.kind].may_reissue(actor, subject_of(locked)):
        raise DocumentRefused("forbidden", gettext("You may not re-issue this document."))
    locked.state = IssuedDocument.State.PENDING
    locked.attempts = 0
    locked.queued_at = timezone.now()
    locked.save(update_fields=["state", "attempts", "queued_at"])
    audit_record(actor=actor, action="portal.document.retry", target=locked)
    _enqueue(locked.pk)
    return locked


@dataclass
class DocumentRefused(Exception):
    code: str
    message: str

    def __str__(self) -> str:
        return self.message


def subject_of(document: IssuedDocument) -> Any:
    spec = KINDS[document.kind]
    queryset = spec.model._default_manager.all()
    if spec.select_related:
        queryset = queryset.select_related(*spec.select_related)
    return queryset.get(pk=document.subject_id)


# --- Rendering -----------------------------------------------------------------------------------


def _facts(document: IssuedDocument, kid: str) -> dict[str, Any]:
    facts = {key: value for key, value in document.facts.items() if value not in ("", None)}
    facts.update(
        {
            "t": document.kind,
            "n": document.number,
            "r": document.version,
            "i": document.issued_on.isoformat(),
            "s": timezone.localdate().isoformat(),
            "k": kid,
        }
    )
    return facts


def render_context(document: IssuedDocument, token: str, kid: str) -> dict[str, Any]:
    spec = KINDS[document.kind]
    context = thaw(document.context)
    previous = document.supersedes
    context["doc"] = {
        "kind": document.kind,
        "title_zh": spec.title_zh,
        "title_en": spec.title_en,
        "number": document.number,
        "version": document.version,
        "replaces": (
            {"version": previous.version, "reason": document.reason} if previous else None
        ),
        "issued_on": document.issued_on,
        "authority_zh": context.pop("authority_zh", ""),
        "authority_en": context.pop("authority_en", ""),
        "qr": qr_data_uri(verify_url(token)),
        "verify_url": verify_url(token),
        "verify_site": verify_site(),
        "key_id": kid,
    }
    return context


def render_bytes(document: IssuedDocument) -> tuple[bytes, str, Any]:
    """The sealed PDF of a document, its payload and the signing key's record."""
    key, record = signing.signing_key()
    token = docverify.encode_token(_facts(document, record.kid), key.sign)
    pdf = render_template_pdf(
        KINDS[document.kind].template,
        render_context(document, token, record.kid),
        stylesheets=[STYLESHEET],
    )
    return docverify.seal_pdf(pdf, token, key.sign), token, record


def document_render(document_id: int) -> IssuedDocument | None:
    """Render, sign and store one document (the task's body; see the module). Returns
    the document, or None when there is nothing (left) to do."""
    with transaction.atomic():
        document = (
            IssuedDocument.objects.select_for_update(of=("self",))
            .select_related("supersedes")
            .filter(pk=document_id)
            .first()
        )
        if document is None or document.state == IssuedDocument.State.READY:
            return document
        document.attempts += 1
        pdf, token, record = render_bytes(document)
        field_file = document.file
        name = IssuedDocument._meta.get_field("file").generate_filename(document, "x.pdf")  # type: ignore[attr-defined]
        storage = field_file.storage
        if storage.exists(name):  # left by a render whose transaction never committed
            storage.delete(name)
        field_file.save(name, ContentFile(pdf), save=False)
        if field_file.name != name:  # pragma: no cover - the storage renamed it anyway
            logger.warning("document %s stored as %s", document.pk, field_file.name)
        document.sha256 = hashlib.sha256(pdf).hexdigest()
        document.size = len(pdf)
        document.token = token
        document.key = record
        document.state = IssuedDocument.State.READY
        document.error = ""
        document.rendered_at = timezone.now()
        document.save(
            update_fields=[
                "attempts",
                "file",
                "sha256",
                "size",
                "token",
                "key",
                "state",
                "error",
                "rendered_at",
            ]
        )
        audit_record(
            actor=None,
            action="portal.document.render",
            target=document,
            data={"sha256": document.sha256, "key": record.kid, "attempt": document.attempts},
            actor_repr="portal worker",
        )
        _notify_ready(document)
        return document


def _notify_ready(document: IssuedDocument) -> None:
    """Tell the people the kind names that this version is ready (``documents.ready``),
    inside the render's transaction: once per version (the event key), whatever the task's
    retries. A version superseded before it was rendered tells nobody: its successor
    will. A failure to tell is logged and never keeps the document from being ready."""
    spec = KINDS[document.kind]
    if spec.recipients is None or document.superseded_at is not None:
        return
    try:
        with transaction.atomic():
            subject = subject_of(document)
            notify(
                kind=DOCUMENTS_READY,
                event_key=f"document:{document.pk}:ready:{document.version}",
                recipients=spec.recipients(document, subject),
                params={
                    **bilingual("title", spec.title_zh, spec.title_en),
                    "number": document.number,
                    "version": document.version,
                },
                url=spec.recipient_url(document, subject) if spec.recipient_url else "",
            )
    except Exception:
        logger.exception("could not tell that document %s is ready", document.pk)


def document_record_failure(document_id: int, error: BaseException, *, final: bool) -> None:
    """Record a failed attempt; the last one marks the document failed for officers."""
    message = f"{type(error).__name__}: {error}"[:2000]
    with transaction.atomic():
        document = IssuedDocument.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.state == IssuedDocument.State.READY:
            return
        document.attempts += 1
        document.error = message
        fields = ["attempts", "error"]
        if final:
            document.state = IssuedDocument.State.FAILED
            fields.append("state")
            audit_record(
                actor=None,
                action="portal.document.fail",
                target=document,
                data={"error": message, "attempts": document.attempts},
                actor_repr="portal worker",
            )
        document.save(update_fields=fields)


def documents_sweep(now: dt.datetime | None = None) -> list[int]:
    """Queue again the documents pending longer than ``PORTAL_DOCUMENT_SWEEP_MINUTES``
    (a lost message, a killed worker, a broker that was down); the ids queued."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=int(settings.PORTAL_DOCUMENT_SWEEP_MINUTES))
    ids = list(
        IssuedDocument.objects.filter(
            state=IssuedDocument.State.PENDING, queued_at__lt=cutoff
        ).values_list("pk", flat=True)[:1000]
    )
    if ids:
        IssuedDocument.objects.filter(pk__in=ids, state=IssuedDocument.State.PENDING).update(
            queued_at=now
        )
        for pk in ids:
            _enqueue(pk)
        logger.warning("re-queued %d documents left pending", len(ids))
    return ids


# --- Reading -------------------------------------------------------------------------------------


def documents_of(subject: Model, kinds: Iterable[str] | None = None) -> QuerySet[IssuedDocument]:
    """The documents about ``subject``, newest version first."""
    queryset = IssuedDocument.objects.filter(**_subject_filter(subject)).select_related(
        "supersedes"
    )
    if kinds is not None:
        queryset = queryset.filter(kind__in=list(kinds))
    return queryset.order_by("kind", "-version")


def panel_rows(user: Any, items: Iterable[IssuedDocument]) -> list[dict[str, Any]]:
    """The rows of a documents panel: each document and whether ``user`` may re-issue it."""
    rows = []
    cache: dict[tuple[int, int], bool] = {}
    for document in items:
        key = (document.subject_type_id, document.subject_id)
        if key not in cache:
            cache[key] = may_reissue(user, document)
        rows.append({"document": document, "can_reissue": cache[key]})
    return rows


def may_view(user: Any, document: IssuedDocument) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(KINDS[document.kind].may_view(user, subject_of(document)))


def may_reissue(user: Any, document: IssuedDocument) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(KINDS[document.kind].may_reissue(user, subject_of(document)))


# --- Verdicts ------------------------------------------------------------------------------------


@dataclass
class Verdict:
    """What a check says. ``genuine``: the portal signed it; ``status``: a :class:`Status`
    value for a genuine document; ``code``: why it is not genuine (docverify.REASONS, or
    ``not_issued`` / ``not_found``); ``facts``: the signed facts (long names)."""

    genuine: bool
    code: str = ""
    status: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    document: IssuedDocument | None = None
    source: str = "payload"  # payload, file, number

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label) if self.status else ""

    @property
    def is_current(self) -> bool:
        return self.genuine and self.status == Status.CURRENT

    @property
    def message(self) -> str:
        return reason_message(self.code) if not self.genuine else ""

    @property
    def facts_display(self) -> list[tuple[str, Any]]:
        """The signed facts with their labels, in the order a reader checks them."""
        labels = {
            "kind": gettext("Document"),
            "number": gettext("Number"),
            "version": gettext("Version"),
            "holder": gettext("Holder"),
            "category": gettext("Category"),
            "employer": gettext("Employer"),
            "valid_from": gettext("Valid from"),
            "valid_until": gettext("Valid until"),
            "issued_on": gettext("Issued on"),
            "signed_on": gettext("Signed on"),
            "key_id": gettext("Signing key"),
        }
        shown = []
        for name, label in labels.items():
            if name not in self.facts:
                continue
            value = self.facts[name]
            if name == "kind" and value in KINDS:
                spec = KINDS[value]
                # The document's own title, and in English the reader's name for it too.
                chinese = (get_language() or "").startswith("zh")
                value = spec.title_zh if chinese else f"{spec.label} ({spec.title_zh})"
            shown.append((label, value))
        return shown

    def as_json(self) -> dict[str, Any]:
        return {
            "genuine": self.genuine,
            "code": self.code or None,
            "message": self.message or None,
            "status": self.status or None,
            "status_label": self.status_label or None,
            "current": self.is_current,
            "facts": self.facts,
            "source": self.source,
        }


def reason_message(code: str) -> str:
    messages = {
        "malformed": gettext(
            "This is not a document payload of the portal, or it was cut or altered."
        ),
        "unknown_key": gettext("The payload names a signing key the portal never used."),
        "bad_signature": gettext(
            "The signature does not match: the payload was altered or forged."
        ),
        "key_revoked": gettext("The key that signed this payload has been revoked."),
        "key_not_in_service": gettext(
            "The payload is dated outside the period its signing key was in service."
        ),
        "no_seal": gettext(
            "The file carries no portal signature: it is not a file the portal issued, or it "
            "was saved again by another program."
        ),
        "file_altered": gettext("The file was changed after the portal issued it."),
        "not_issued": gettext("The portal has no record of issuing this file."),
        "not_found": gettext("No document matches."),
    }
    return messages.get(code, gettext("The document could not be checked."))


def status_of(document: IssuedDocument, day: dt.date | None = None) -> str:
    if document.superseded_at is not None:
        return Status.SUPERSEDED
    return KINDS[document.kind].status(subject_of(document), day or timezone.localdate())


def _verdict_of(check: docverify.Check, day: dt.date, source: str) -> Verdict:
    if not check.ok:
        return Verdict(False, check.code, facts=check.facts, source=source)
    facts = check.facts
    document = (
        IssuedDocument.objects.filter(
            kind=str(facts.get("kind", "")),
            number=str(facts.get("number", "")),
            version=int(facts.get("version") or 0),
        )
        .select_related("supersedes")
        .first()
    )
    if document is None or document.token != check.token:
        # Signed by the portal's key but not a document it recorded: treat as forged.
        return Verdict(False, "not_issued", facts=facts, source=source)
    return Verdict(
        True, status=status_of(document, day), facts=facts, document=document, source=source
    )


def verdict_for_token(token: str, day: dt.date | None = None) -> Verdict:
    check = docverify.check_token(token, signing.verification_keys())
    return _verdict_of(check, day or timezone.localdate(), "payload")


def verdict_for_file(data: bytes, day: dt.date | None = None) -> Verdict:
    """A PDF checked twice: byte for byte against the files issued, and by its seal."""
    day = day or timezone.localdate()
    digest = hashlib.sha256(data).hexdigest()
    issued = IssuedDocument.objects.filter(sha256=digest, state=IssuedDocument.State.READY).first()
    check = docverify.check_file(data, signing.verification_keys())
    if issued is None:
        code = check.code if not check.ok else "not_issued"
        return Verdict(False, code, facts=check.facts, source="file")
    verdict = _verdict_of(check, day, "file")
    return verdict


# Lookups by a number printed on a document (a permit number), registered by the apps:
# each takes (number, holder name or None, day) and returns a Verdict or None.
NUMBER_LOOKUPS: list[Callable[[str, str | None, dt.date], Verdict | None]] = []


def register_number_lookup(lookup: Callable[[str, str | None, dt.date], Verdict | None]) -> None:
    if lookup not in NUMBER_LOOKUPS:
        NUMBER_LOOKUPS.append(lookup)


def verdict_for_number(number: str, name: str | None, day: dt.date | None = None) -> Verdict:
    """A document by its number; ``name`` (the public page asks for it) must match the
    holder's, so that a number alone reveals nothing to the public."""
    day = day or timezone.localdate()
    number = "".join(number.split()).upper()
    for lookup in NUMBER_LOOKUPS:
        verdict = lookup(number, name, day)
        if verdict is not None:
            return verdict
    return Verdict(False, "not_found", source="number")


def names_match(given: str, *names: str) -> bool:
    """A holder's name as typed against the names on record: case, spaces and the order
    of the surname do not matter."""

    def words(text: str) -> list[str]:
        return sorted("".join(c for c in text.casefold() if c.isalnum() or c.isspace()).split())

    typed = words(given)
    if not typed:
        return False
    return any(typed == words(name) for name in names if name)
