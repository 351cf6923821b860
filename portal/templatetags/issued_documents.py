"""``{% issued_documents_panel documents %}``: the documents of a page's subject, each with
its state (polled by htmx while it is prepared), its download link, and for those who may,
re-issue and retry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from portal import documents
from portal.forms import DocumentReissueForm
from portal.models import IssuedDocument

register = template.Library()


@register.inclusion_tag("portal/documents/_panel.html", takes_context=True)
def issued_documents_panel(
    context: dict[str, Any], items: Iterable[IssuedDocument], panel_id: str = "main"
) -> dict[str, Any]:
    request = context["request"]
    rows = documents.panel_rows(request.user, items)
    return {
        "rows": rows,
        "panel_id": panel_id,
        "next": request.get_full_path(),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def reissue_form(document: IssuedDocument) -> DocumentReissueForm:
    return DocumentReissueForm(auto_id=f"id_reissue_{document.pk}_%s")
