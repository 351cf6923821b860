"""Officers' pages of documents issued before 1 April 2017 (``permits.services.legacy``).

For acceptance and decision officers of a province (anyone else gets 404):

* ``review/legacy/``: the documents of the officer's provinces, searched by number or
  name, the latest end of validity first, paged without counting;
* ``review/legacy/record/``: record one document;
* ``review/legacy/import/``: upload a CSV or XLSX file; every row is checked and the row
  errors are shown; nothing is saved unless the whole file is clean;
* ``review/legacy/template.csv``: the columns of the file, with an example row.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from permits.forms.legacy import LegacyImportForm, LegacyRecordForm, LegacySearchForm
from permits.legacy_models import LegacyDocument
from permits.selectors import legacy as selectors
from permits.selectors.review import OfficerScope, officer_scope
from permits.services import legacy as services
from portal.models import Region, User
from portal.pagination import page_of
from portal.services import PermissionDeniedError
from portal.spreadsheets import MAX_BYTES

PAGE_SIZE = 25
EXAMPLE = (
    "alien_employment_licence",
    "31000020150012345",
    "SMITH",
    "JOHN",
    "",
    "M",
    "1980-05-05",
    "GBR",
    "P1234567",
    "GBR",
    "2014-01-01",
    "2024-01-01",
    "91310000MA1FL0000X",
    "2015-03-01",
    "2018-02-28",
)
STATUS_LABELS = {
    "valid": LegacyDocument.State.VALID.label,
    "expired": gettext_lazy("Expired"),
    "closed": LegacyDocument.State.CLOSED.label,
    "revoked": LegacyDocument.State.REVOKED.label,
}


def _officer(request: HttpRequest) -> tuple[User, OfficerScope, QuerySet[Region]]:
    """The officer, their scope and the provinces where they record documents (404 for
    anyone else, and for an officer of a division below a province only)."""
    scope = officer_scope(request.user)
    if not (scope.accept_provinces or scope.decide_provinces):
        raise Http404
    return request.user, scope, selectors.officer_provinces(scope)  # type: ignore[return-value]


@login_required
@require_GET
def legacy_list(request: HttpRequest) -> HttpResponse:
    _user, scope, _provinces = _officer(request)
    form = LegacySearchForm(request.GET or None)
    query = form.query()
    page = page_of(selectors.legacy_for_officer(scope, query), request.GET.get("page"), PAGE_SIZE)
    today = timezone.localdate()
    rows = [(d, d.status_on(today)) for d in page.object_list]
    return render(
        request,
        "permits/legacy/list.html",
        {
            "form": form,
            "page": page,
            "rows": [(d, status, str(STATUS_LABELS[status])) for d, status in rows],
            "query": query,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def legacy_record(request: HttpRequest) -> HttpResponse:
    user, _scope, provinces = _officer(request)
    form = LegacyRecordForm(request.POST or None, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.legacy_record(
                actor=user,
                region=form.cleaned_data["region"],
                values=form.values(),
                request=request,
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        except PermissionDeniedError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(document)s is recorded.") % {"document": str(document)},
            )
            return redirect("permits:legacy_list")
    return render(request, "permits/legacy/record.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def legacy_import(request: HttpRequest) -> HttpResponse:
    user, _scope, provinces = _officer(request)
    form = LegacyImportForm(request.POST or None, request.FILES or None, provinces=provinces)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error(
                "file", _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20}
            )
        else:
            try:
                report = services.legacy_import(
                    actor=user,
                    region=form.cleaned_data["region"],
                    data=upload.read(),
                    file_name=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                    request=request,
                )
            except PermissionDeniedError as exc:
                form.add_error(None, exc.message)
            else:
                if report.applied:
                    messages.success(
                        request,
                        ngettext(
                            "%(n)d document is recorded.",
                            "%(n)d documents are recorded.",
                            report.created,
                        )
                        % {"n": report.created},
                    )
                    return redirect("permits:legacy_list")
    return render(
        request,
        "permits/legacy/import.html",
        {"form": form, "report": report, "columns": services.COLUMNS},
    )


@login_required
@require_GET
def legacy_template(request: HttpRequest) -> HttpResponse:
    """The columns of an import file and an example row, as CSV in UTF-8 with the byte
    order mark, so that Excel opens Chinese text correctly."""
    _officer(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(services.COLUMNS)
    writer.writerow(EXAMPLE)
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="pre-2017-documents-template.csv"'
    return response


@login_required
@require_http_methods(["POST"])
def legacy_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """The employer starts the holder's application under the new system from a valid
    pre-2017 document (a draft with the worker filled in), from its *Permits* page."""
    user: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    document = next(
        (d for d in selectors.employer_legacy_documents(user, today) if d.pk == pk), None
    )
    if document is None:
        raise Http404
    try:
        draft = services.legacy_start_application(actor=user, document=document, request=request)
    except (ValidationError, PermissionDeniedError) as refusal:
        messages.error(request, " ".join(getattr(refusal, "messages", [str(refusal)])))
        return redirect("permits:permits")
    messages.success(
        request,
        _(
            "Application %(number)s started from %(document)s: the worker is filled in; "
            "continue with the job."
        )
        % {"number": draft.number, "document": document},
    )
    return redirect("permits:application_step", pk=draft.pk, step="job")


urlpatterns: list[URLPattern] = [
    path("review/legacy/", legacy_list, name="legacy_list"),
    path("review/legacy/record/", legacy_record, name="legacy_record"),
    path("review/legacy/import/", legacy_import, name="legacy_import"),
    path("review/legacy/template.csv", legacy_template, name="legacy_template"),
    path("permits/pre-2017/<int:pk>/apply/", legacy_apply, name="legacy_apply"),
]
