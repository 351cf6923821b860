"""Pages of the service guides (办事指南): the list, a guide for a province, and its PDF.

Public, no sign-in. A guide is read for the national rules or, with ``?region=<code>``, for
a province's (windows, clocks and quotas are per province); an unknown code shows the
national rules and says so. The content comes from ``portal.guides``; the PDF is the
kernel's renderer's, cached by a hash of its content (``portal.guides.guide_pdf``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from portal import guides
from portal.models import Region
from portal.pdf import PdfUnavailable


def _spec(key: str) -> guides.GuideSpec:
    spec = guides.guide(key)
    if spec is None:
        raise Http404
    return spec


def _province(request: HttpRequest) -> tuple[Region | None, list[Region], str]:
    """The province asked for (``?region=``), the provinces to choose from, and what is
    wrong with the code asked for ("" when nothing)."""
    choices = guides.provinces()
    code = request.GET.get("region", "").strip()
    if not code:
        return None, choices, ""
    found = guides.province_named(code, choices)
    if found is None:
        return (
            None,
            choices,
            gettext("There is no province with the code “%(code)s”: the national rules are shown.")
            % {"code": code[:12]},
        )
    return found, choices, ""


@require_GET
def guide_list(request: HttpRequest) -> HttpResponse:
    return render(request, "guides/list.html", {"groups": guides.grouped()})


@require_GET
def guide_detail(request: HttpRequest, key: str) -> HttpResponse:
    spec = _spec(key)
    province, choices, error = _province(request)
    rendered = guides.render(spec, province)
    return render(
        request,
        "guides/guide.html",
        {"guide": rendered, "provinces": choices, "region_error": error},
    )


@require_GET
def guide_pdf(request: HttpRequest, key: str) -> HttpResponse:
    spec = _spec(key)
    province, choices, error = _province(request)
    rendered = guides.render(spec, province)
    language = translation.get_language() or settings.LANGUAGE_CODE
    try:
        pdf = guides.guide_pdf(
            rendered, language=language, site=settings.PORTAL_SITE_URL.rstrip("/")
        )
    except PdfUnavailable:
        return render(
            request,
            "guides/guide.html",
            {"guide": rendered, "provinces": choices, "region_error": error, "pdf_error": True},
            status=503,
        )
    parts = ["guide", spec.key, *([province.code] if province else []), language]
    response = HttpResponse(pdf.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{"-".join(parts)}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["ETag"] = f'"{pdf.digest}"'
    return response
