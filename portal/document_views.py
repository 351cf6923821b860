"""Pages of issued documents: download, state (htmx), re-issue, and the public verify pages.

Download and state answer 404 to anyone the document's kind does not let see it, the same
as for a document that does not exist. The verify pages need no sign-in; every check
counts against ``PORTAL_VERIFY_LIMIT_PER_MINUTE`` for the client's address.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import documents, ratelimit, signing
from portal.audit import audit_record, client_ip
from portal.forms import DocumentReissueForm, VerifyFileForm, VerifyNumberForm, VerifyPayloadForm
from portal.models import IssuedDocument


def _visible(request: HttpRequest, pk: int) -> IssuedDocument:
    document = get_object_or_404(IssuedDocument.objects.select_related("supersedes"), pk=pk)
    if not documents.may_view(request.user, document):
        raise Http404
    return document


def _back(request: HttpRequest, document: IssuedDocument) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("portal:document_state", pk=document.pk)


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """The PDF, for those its kind lets see it; every download is in the audit log."""
    document = _visible(request, pk)
    if document.state != IssuedDocument.State.READY:
        raise Http404
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action="portal.document.download",
        target=document,
        data={"kind": document.kind, "number": document.number, "version": document.version},
        request=request,
    )
    response = FileResponse(
        document.file.open("rb"),
        content_type="application/pdf",
        as_attachment="attachment" in request.GET,
        filename=document.filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@login_required
@require_GET
def document_state(request: HttpRequest, pk: int) -> HttpResponse:
    """One document's row: the fragment htmx polls while the PDF is being prepared, or
    a page of its own without htmx."""
    document = _visible(request, pk)
    context = {
        "document": document,
        "can_reissue": documents.may_reissue(request.user, document),
        "next": request.GET.get("next", ""),
    }
    if request.headers.get("HX-Request"):
        return render(request, "portal/documents/_row.html", context)
    return render(request, "portal/documents/state.html", context)


@login_required
@require_POST
def document_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    document = _visible(request, pk)
    form = DocumentReissueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the document is re-issued; nothing was changed."))
        return _back(request, document)
    try:
        new = documents.document_reissue(
            document=document,
            actor=request.user,  # type: ignore[arg-type]
            reason=form.cleaned_data["reason"],
        )
    except documents.DocumentRefused as refusal:
        messages.error(request, refusal.message)
        return _back(request, document)
    messages.success(
        request,
        _("Version %(version)s of %(number)s is being prepared; version %(old)s is superseded.")
        % {"version": new.version, "number": new.number, "old": document.version},
    )
    return _back(request, new)


@login_required
@require_POST
def document_retry(request: HttpRequest, pk: int) -> HttpResponse:
    document = _visible(request, pk)
    try:
        documents.document_retry(document=document, actor=request.user)  # type: ignore[arg-type]
    except documents.DocumentRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The document is being prepared again."))
    return _back(request, document)


# --- Public verification -------------------------------------------------------------------------


def _throttled(request: HttpRequest) -> bool:
    """Count a check for this address; True once the minute's limit is passed."""
    key = f"portal:verify:{client_ip(request) or 'unknown'}:{timezone.now():%Y%m%d%H%M}"
    return ratelimit.count(key, 70) > int(settings.PORTAL_VERIFY_LIMIT_PER_MINUTE)


def _too_many(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    context["throttled"] = True
    response = render(request, "portal/verify.html", context, status=429)
    response["Retry-After"] = "60"
    return response


def _forms(data: Any = None, files: Any = None, mode: str = "") -> dict[str, Any]:
    return {
        "payload_form": VerifyPayloadForm(data if mode == "payload" else None, prefix="p"),
        "number_form": VerifyNumberForm(data if mode == "number" else None, prefix="n"),
        "file_form": VerifyFileForm(
            data if mode == "file" else None, files if mode == "file" else None, prefix="f"
        ),
        "mode": mode,
        "today": timezone.localdate(),
    }


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Check a document three ways: its QR payload, its permit number with the holder's
    name, or the PDF file itself."""
    if request.method == "GET":
        return render(request, "portal/verify.html", _forms())
    mode = request.POST.get("mode", "")
    context = _forms(request.POST, request.FILES, mode)
    if mode not in ("payload", "number", "file"):
        return render(request, "portal/verify.html", context, status=400)
    if _throttled(request):
        return _too_many(request, context)
    form = context[f"{mode}_form"]
    if not form.is_valid():
        return render(request, "portal/verify.html", context, status=400)
    day = timezone.localdate()
    if mode == "payload":
        verdict = documents.verdict_for_token(form.cleaned_data["payload"], day)
    elif mode == "number":
        verdict = documents.verdict_for_number(
            form.cleaned_data["number"], form.cleaned_data["name"], day
        )
    else:
        verdict = documents.verdict_for_file(form.cleaned_data["file"], day)
    context["verdict"] = verdict
    return render(request, "portal/verify.html", context)


@require_GET
def verify_token(request: HttpRequest, token: str) -> HttpResponse:
    """Where the QR code leads: the verdict on its payload, at once."""
    context = _forms()
    if _throttled(request):
        return _too_many(request, context)
    context["verdict"] = documents.verdict_for_token(token, timezone.localdate())
    context["scanned"] = True
    return render(request, "portal/verify.html", context)


@require_GET
@cache_control(public=True, max_age=300)
def signing_keys(request: HttpRequest) -> JsonResponse:
    """The public keys, for anyone checking documents offline (``portal.docverify``)."""
    response = JsonResponse(signing.published_keys(), json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    return response
