"""Pages of the catalogs app for the provinces' drafters and the consulted stakeholders.

Drafters (``draft_filings`` on their province) build a catalog version in the browser:
metadata, entries found by searching the classification, spreadsheet uploads checked row by
row, consultation of industry associations and service agencies, and the lifecycle
transitions of ``portal.filings`` (file with the ministry, recall, publish...). Consulted
stakeholders read the drafts their organization is invited to and comment on them.

Every page fetches its catalog through an access helper: a catalog of another province, a
draft the organization is not consulted on, and an id that does not exist all answer 404.
Views are thin: a form validates, one service writes, and a refusal of the service is shown
to the person with nothing changed.
"""

from __future__ import annotations

import csv
import io
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogs import selectors, services
from catalogs.forms import CatalogForm, CommentForm, EntryForm, SearchForm, UploadForm
from catalogs.models import CatalogComment, CatalogEntry, GuidanceCatalog, Occupation
from portal import filing_views
from portal.access import has_region_permission, has_role, region_ids_for
from portal.filings import FilingError, kind_of
from portal.models import User
from portal.pagination import page_of
from portal.roles import Role
from portal.workflow import WorkflowError, history

PAGE_SIZE = 50
SEARCH_LIMIT = 25
UPLOAD_EXAMPLES = (
    (
        "2-02-10-03",
        "B",
        "bachelor",
        "3",
        "熟练掌握至少一种主流编程语言",
        "Proficient in at least one mainstream programming language",
        "300000",
        "",
        "",
    ),
    (
        "2-02-38-01",
        "A",
        "master",
        "5",
        "具有机器学习项目经验",
        "Experience of machine-learning projects",
        "500000.00",
        "重点引进",
        "A priority occupation",
    ),
)


# --- Access --------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _catalog_for_drafter(request: HttpRequest, pk: int | str | None) -> GuidanceCatalog:
    """The catalog if the user drafts for its province; 404 otherwise, the same as for an
    id that does not exist."""
    try:
        pk_int = int(pk)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Http404 from None
    catalog = GuidanceCatalog.objects.select_related("region", "based_on").filter(pk=pk_int).first()
    if catalog is None:
        raise Http404
    if not has_region_permission(_user(request), "draft_filings", catalog.region_id):
        raise Http404
    return catalog


def _require_drafter(request: HttpRequest) -> None:
    if not region_ids_for(_user(request), "draft_filings"):
        raise Http404


def _catalog_for_stakeholder(request: HttpRequest, pk: int) -> GuidanceCatalog:
    """A draft the user's organization is invited to comment on; 404 otherwise."""
    user = _user(request)
    if not has_role(user, Role.STAKEHOLDER):
        raise Http404
    catalog = selectors.catalogs_consulting(user).filter(pk=pk).first()
    if catalog is None:
        raise Http404
    return catalog


def _entry_of(catalog: GuidanceCatalog, entry_pk: int) -> CatalogEntry:
    entry = (
        CatalogEntry.objects.filter(catalog=catalog, pk=entry_pk)
        .select_related("occupation")
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def _refuse_unless_editable(request: HttpRequest, catalog: GuidanceCatalog) -> HttpResponse | None:
    """Back to the workspace with the reason when the content can no longer change."""
    return filing_views.refuse_unless_editable(request, catalog, _workspace(catalog))


def _workspace(catalog: GuidanceCatalog, anchor: str = "") -> str:
    url = reverse("catalogs:drafting_catalog", args=[catalog.pk])
    return f"{url}#{anchor}" if anchor else url


# --- Catalogs of the drafter's provinces ------------------------------------------------------


@login_required
def drafting(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_drafter(request)
    today = timezone.localdate()
    catalogs = list(selectors.catalogs_for_drafter(user))
    provinces = []
    for region in selectors.regions_drafted_by(user):
        versions = [c for c in catalogs if c.region_id == region.pk]
        provinces.append(
            {
                "region": region,
                "rows": [{"catalog": c, "status": c.status_on(today)} for c in versions],
                "base": filing_views.next_version_base(versions, today),
            }
        )
    return render(request, "catalogs/drafting/list.html", {"provinces": provinces})


@login_required
def drafting_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_drafter(request)
    regions = selectors.regions_drafted_by(user)
    if not regions:
        raise Http404
    form = CatalogForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        region = data.pop("region", None) or regions[0]
        try:
            catalog = services.catalog_create(actor=user, region=region, request=request, **data)
        except ValidationError as exc:
            filing_views.form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Version %(version)s of the catalog is started. Add its entries.")
                % {"version": catalog.version},
            )
            return redirect("catalogs:drafting_catalog", pk=catalog.pk)
    return render(
        request,
        "catalogs/drafting/catalog_form.html",
        {"form": form, "catalog": None, "regions": regions},
    )


@login_required
@require_POST
def drafting_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    source = _catalog_for_drafter(request, pk)
    try:
        catalog = services.catalog_new_version(actor=_user(request), source=source, request=request)
    except (WorkflowError, FilingError) as exc:
        messages.error(request, exc.message)
        return redirect("catalogs:drafting")
    messages.success(
        request,
        _(
            "Version %(version)s is started from version %(source)s with its entries. Choose "
            "its dates."
        )
        % {"version": catalog.version, "source": source.version},
    )
    return redirect("catalogs:drafting_catalog", pk=catalog.pk)


# --- The workspace ---------------------------------------------------------------------------


@login_required
def drafting_catalog(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    catalog = _catalog_for_drafter(request, pk)
    today = timezone.localdate()
    search = SearchForm(request.GET or None)
    q = search.query()
    page = page_of(selectors.catalog_entries(catalog, q=q), request.GET.get("page"), PAGE_SIZE)
    workflow = kind_of(catalog).workflow
    context = {
        "catalog": catalog,
        "entry_count": catalog.entries.count(),
        "search": search,
        "q": q,
        "page": page,
        "history": [
            {
                "record": record,
                "from": workflow.state_label(record.from_state),
                "to": workflow.state_label(record.to_state),
            }
            for record in history(catalog)
        ],
        **filing_views.lifecycle_context(
            catalog,
            user,
            today,
            invitations=_invitations(catalog),
            comments=selectors.catalog_comments(catalog),
        ),
    }
    return render(request, "catalogs/drafting/workspace.html", context)


def _invitations(catalog: GuidanceCatalog) -> list[Any]:
    return list(
        catalog.invitations.select_related("organization").order_by(  # type: ignore[attr-defined]
            "organization__kind", "organization__name_zh"
        )
    )


@login_required
@require_POST
def drafting_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    catalog = _catalog_for_drafter(request, pk)
    return filing_views.drafting_transition(request, catalog, name, workspace=_workspace(catalog))


@login_required
def drafting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    catalog = _catalog_for_drafter(request, pk)
    refused = _refuse_unless_editable(request, catalog)
    if refused:
        return refused
    initial = {
        name: getattr(catalog, name)
        for name in ("title_zh", "title_en", "notes_zh", "notes_en", "effective_from", "expires_on")
    }
    form = CatalogForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.catalog_update(
                actor=_user(request), catalog=catalog, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            filing_views.form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
            return redirect("catalogs:drafting_catalog", pk=catalog.pk)
        else:
            messages.success(request, _("The catalog's details are saved."))
            return redirect("catalogs:drafting_catalog", pk=catalog.pk)
    return render(
        request,
        "catalogs/drafting/catalog_form.html",
        {"form": form, "catalog": catalog, "regions": []},
    )


# --- Entries -------------------------------------------------------------------------------------


def _occupation_results(catalog: GuidanceCatalog, q: str) -> dict[str, Any]:
    """Detailed occupations matching ``q`` (none for an empty search), and which of them
    the catalog lists already."""
    if not q:
        return {"q": q, "results": [], "more": False, "listed": {}}
    page = page_of(
        selectors.occupation_search(q=q, edition=catalog.edition, level=Occupation.Level.DETAILED),
        "1",
        SEARCH_LIMIT,
    )
    listed: dict[int, int] = {}
    if page.object_list:
        listed = dict(
            catalog.entries.filter(  # type: ignore[attr-defined]
                occupation__in=[o.pk for o in page.object_list]
            ).values_list("occupation_id", "pk")
        )
    rows = [{"occupation": o, "entry_pk": listed.get(o.pk)} for o in page.object_list]
    return {"q": q, "results": rows, "more": page.has_next, "listed": listed}


@login_required
def drafting_entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    catalog = _catalog_for_drafter(request, pk)
    refused = _refuse_unless_editable(request, catalog)
    if refused:
        return refused
    search = SearchForm(request.GET or None)
    context = {"catalog": catalog, "search": search, **_occupation_results(catalog, search.query())}
    return render(request, "catalogs/drafting/entry_add.html", context)


@login_required
def drafting_occupation_search(request: HttpRequest) -> HttpResponse:
    """The results of the occupation search as a fragment, for htmx as the drafter types."""
    catalog = _catalog_for_drafter(request, request.GET.get("catalog"))
    search = SearchForm(request.GET or None)
    context = {"catalog": catalog, **_occupation_results(catalog, search.query())}
    return render(request, "catalogs/drafting/_occupation_results.html", context)


def _entry_form(
    request: HttpRequest,
    catalog: GuidanceCatalog,
    occupation: Occupation,
    entry: CatalogEntry | None,
) -> HttpResponse:
    initial = (
        {name: getattr(entry, name) for name in services.REQUIREMENT_FIELDS} if entry else None
    )
    form = EntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_save(
                actor=_user(request),
                catalog=catalog,
                occupation=occupation,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            filing_views.form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
            return redirect("catalogs:drafting_catalog", pk=catalog.pk)
        else:
            messages.success(
                request,
                _("%(code)s %(title)s is saved.")
                % {"code": occupation.code, "title": occupation.title},
            )
            return redirect(_workspace(catalog, "entries"))
    return render(
        request,
        "catalogs/drafting/entry_form.html",
        {"catalog": catalog, "occupation": occupation, "entry": entry, "form": form},
    )


@login_required
def drafting_entry_new(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The entry form for an occupation the catalog does not list yet."""
    catalog = _catalog_for_drafter(request, pk)
    refused = _refuse_unless_editable(request, catalog)
    if refused:
        return refused
    occupation = selectors.occupation_by_code(code, edition=catalog.edition)
    if occupation is None:
        raise Http404
    listed = catalog.entries.filter(occupation=occupation).values_list("pk", flat=True).first()  # type: ignore[attr-defined]
    if listed is not None:
        return redirect("catalogs:drafting_entry_edit", pk=catalog.pk, entry_pk=listed)
    return _entry_form(request, catalog, occupation, None)


@login_required
def drafting_entry_edit(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    catalog = _catalog_for_drafter(request, pk)
    entry = _entry_of(catalog, entry_pk)
    refused = _refuse_unless_editable(request, catalog)
    if refused:
        return refused
    return _entry_form(request, catalog, entry.occupation, entry)


@login_required
def drafting_entry_remove(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    catalog = _catalog_for_drafter(request, pk)
    entry = _entry_of(catalog, entry_pk)
    refused = _refuse_unless_editable(request, catalog)
    if refused:
        return refused
    if request.method == "POST":
        try:
            services.entry_remove(actor=_user(request), entry=entry, request=request)
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(code)s %(title)s is removed from the catalog.")
                % {"code": entry.occupation.code, "title": entry.occupation.title},
            )
        return redirect(_workspace(catalog, "entries"))
    return render(
        request, "catalogs/drafting/entry_remove.html", {"catalog": catalog, "entry": entry}
    )


# --- Upload ------------------------------------------------------------------------------------


@login_required
def drafting_upload(request: HttpRequest, pk: int) -> HttpResponse:
    catalog = _catalog_for_drafter(request, pk)
    refused = _refuse_unless_editable(request, catalog)
    if refused:
        return refused
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            result = services.entries_upload(
                actor=_user(request),
                catalog=catalog,
                data=data,
                replace=form.cleaned_data["replace"],
                request=request,
            )
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
            return redirect("catalogs:drafting_catalog", pk=catalog.pk)
        if result.file_error:
            form.add_error("file", result.file_error)
        elif result.clean:
            messages.success(
                request,
                _(
                    "The file is applied: %(added)d added, %(changed)d changed, "
                    "%(unchanged)d unchanged, %(removed)d removed."
                )
                % {
                    "added": result.added,
                    "changed": result.changed,
                    "unchanged": result.unchanged,
                    "removed": result.removed,
                },
            )
            return redirect(_workspace(catalog, "entries"))
    return render(
        request,
        "catalogs/drafting/upload.html",
        {
            "catalog": catalog,
            "form": form,
            "result": result,
            "columns": services.UPLOAD_COLUMNS,
        },
    )


@login_required
def drafting_upload_template(request: HttpRequest) -> HttpResponse:
    """The columns of an upload and two example rows, as CSV in UTF-8 with the byte order
    mark, so that Excel opens the Chinese text correctly."""
    _require_drafter(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(services.UPLOAD_COLUMNS)
    writer.writerows(UPLOAD_EXAMPLES)
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="catalog-entries-template.csv"'
    return response


# --- Consultation (drafters) ----------------------------------------------------------------------


@login_required
def drafting_consultation(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the organizations to consult and the deadline, and open the consultation."""
    catalog = _catalog_for_drafter(request, pk)
    return filing_views.drafting_consultation(
        request,
        catalog,
        invitations=_invitations(catalog),
        template="catalogs/drafting/consultation.html",
        context_name="catalog",
        workspace=_workspace(catalog),
    )


@login_required
def drafting_comment_answer(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    catalog = _catalog_for_drafter(request, pk)
    comment = (
        CatalogComment.objects.filter(catalog=catalog, pk=comment_pk)
        .select_related("organization", "author", "entry__occupation")
        .first()
    )
    if comment is None:
        raise Http404
    return filing_views.drafting_comment_answer(
        request,
        catalog,
        comment,
        template="catalogs/drafting/answer.html",
        context_name="catalog",
        workspace=_workspace(catalog),
    )


# --- Consultation (stakeholders) ------------------------------------------------------------------


@login_required
def consultations(request: HttpRequest) -> HttpResponse:
    return filing_views.consultations(
        request,
        consulting=selectors.catalogs_consulting,
        template="catalogs/consultation/list.html",
        row_name="catalog",
    )


@login_required
def consultation(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    catalog = _catalog_for_stakeholder(request, pk)
    today = timezone.localdate()
    search = SearchForm(request.GET or None)
    q = search.query()
    page = page_of(selectors.catalog_entries(catalog, q=q), request.GET.get("page"), PAGE_SIZE)
    comments = [
        c for c in selectors.catalog_comments(catalog) if c.organization_id == user.organization_id
    ]
    context = {
        "catalog": catalog,
        "search": search,
        "q": q,
        "page": page,
        "comments": comments,
        "open": filing_views.consultation_is_open(catalog, today),
        "form": CommentForm(catalog=catalog),
    }
    return render(request, "catalogs/consultation/detail.html", context)


@login_required
def consultation_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment on the whole draft, or on one entry (``entry``: its id)."""
    catalog = _catalog_for_stakeholder(request, pk)

    def entry_of(entry_pk: int) -> CatalogEntry | None:
        return (
            CatalogEntry.objects.filter(catalog=catalog, pk=entry_pk)
            .select_related("occupation")
            .first()
        )

    return filing_views.consultation_comment_view(
        request,
        catalog,
        part_name="entry",
        part_of=entry_of,
        comment_form=partial(CommentForm, catalog=catalog),
        back=reverse("catalogs:consultation", args=[catalog.pk]),
        template="catalogs/consultation/comment.html",
        context_name="catalog",
    )


urlpatterns: list[URLPattern] = [
    path("drafting/catalogs/", drafting, name="drafting"),
    path("drafting/catalogs/new/", drafting_new, name="drafting_new"),
    path(
        "drafting/catalogs/upload-template.csv",
        drafting_upload_template,
        name="drafting_upload_template",
    ),
    path("drafting/catalogs/<int:pk>/", drafting_catalog, name="drafting_catalog"),
    path(
        "drafting/catalogs/<int:pk>/next-version/",
        drafting_new_version,
        name="drafting_new_version",
    ),
    path("drafting/catalogs/<int:pk>/edit/", drafting_edit, name="drafting_edit"),
    path(
        "drafting/catalogs/<int:pk>/do/<slug:name>/",
        drafting_transition,
        name="drafting_transition",
    ),
    path("drafting/catalogs/<int:pk>/entries/add/", drafting_entry_add, name="drafting_entry_add"),
    path(
        "drafting/catalogs/<int:pk>/entries/new/<str:code>/",
        drafting_entry_new,
        name="drafting_entry_new",
    ),
    path(
        "drafting/catalogs/<int:pk>/entries/<int:entry_pk>/edit/",
        drafting_entry_edit,
        name="drafting_entry_edit",
    ),
    path(
        "drafting/catalogs/<int:pk>/entries/<int:entry_pk>/remove/",
        drafting_entry_remove,
        name="drafting_entry_remove",
    ),
    path("drafting/catalogs/<int:pk>/upload/", drafting_upload, name="drafting_upload"),
    path(
        "drafting/catalogs/<int:pk>/consultation/",
        drafting_consultation,
        name="drafting_consultation",
    ),
    path(
        "drafting/catalogs/<int:pk>/comments/<int:comment_pk>/answer/",
        drafting_comment_answer,
        name="drafting_comment_answer",
    ),
    path(
        "drafting/occupations/search/",
        drafting_occupation_search,
        name="drafting_occupation_search",
    ),
    path("consultations/", consultations, name="consultations"),
    path("consultations/<int:pk>/", consultation, name="consultation"),
    path(
        "consultations/<int:pk>/comment/",
        consultation_comment_view,
        name="consultation_comment",
    ),
]
