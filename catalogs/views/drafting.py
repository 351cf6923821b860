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
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogs import selectors, services
from catalogs.forms import CatalogForm, CommentForm, EntryForm, SearchForm, UploadForm
from catalogs.models import CatalogComment, CatalogEntry, GuidanceCatalog, Occupation
from portal.access import has_region_permission, has_role, region_ids_for
from portal.filing_forms import AnswerForm, ConsultationForm, TransitionForm
from portal.filings import (
    FilingError,
    consultation_answer,
    consultation_comment,
    consultation_open,
    filing_transition,
    kind_of,
    stakeholder_organizations,
)
from portal.models import User
from portal.models.filing import PUBLISHED_STATES, FilingState
from portal.pagination import page_of
from portal.roles import Role
from portal.workflow import WorkflowError, history

PAGE_SIZE = 50
SEARCH_LIMIT = 25
ORGANIZATIONS_SHOWN = 50
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


def _editable(catalog: GuidanceCatalog) -> bool:
    return catalog.state in services.CONTENT_EDITABLE


def _refuse_unless_editable(request: HttpRequest, catalog: GuidanceCatalog) -> HttpResponse | None:
    """Back to the workspace with the reason when the content can no longer change."""
    if _editable(catalog):
        return None
    messages.error(
        request,
        _("Version %(version)s is %(state)s: its content can no longer change.")
        % {"version": catalog.version, "state": catalog.get_state_display()},
    )
    return redirect("catalogs:drafting_catalog", pk=catalog.pk)


def _form_errors(form: Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names when the form has
    it, else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _workspace(catalog: GuidanceCatalog, anchor: str = "") -> str:
    url = reverse("catalogs:drafting_catalog", args=[catalog.pk])
    return f"{url}#{anchor}" if anchor else url


# --- Catalogs of the drafter's provinces ------------------------------------------------------


def _next_version_base(versions: list[GuidanceCatalog], today: Any) -> GuidanceCatalog | None:
    """The version a new one starts from: the one in force, else the latest published."""
    published = [c for c in versions if c.state in PUBLISHED_STATES]
    in_force = [c for c in published if c.is_in_force_on(today)]
    if in_force:
        return in_force[0]
    return max(published, key=lambda c: c.version, default=None)


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
                "base": _next_version_base(versions, today),
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
            _form_errors(form, exc)
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
    comments = selectors.catalog_comments(catalog)
    workflow = kind_of(catalog).workflow
    transitions = [
        {"transition": t, "reason_id": f"reason-{t.name}"}
        for t in workflow.available(catalog, user)
    ]
    context = {
        "catalog": catalog,
        "status": catalog.status_on(today),
        "editable": _editable(catalog),
        "entry_count": catalog.entries.count(),
        "search": search,
        "q": q,
        "page": page,
        "transitions": transitions,
        "history": [
            {
                "record": record,
                "from": workflow.state_label(record.from_state),
                "to": workflow.state_label(record.to_state),
            }
            for record in history(catalog)
        ],
        "invitations": _invitations(catalog),
        "comments": comments,
        "unanswered": sum(1 for c in comments if not c.is_answered),
        "answerable": catalog.state in (FilingState.DRAFT, FilingState.CONSULTATION),
        "consultation_open": _consultation_open(catalog, today),
    }
    return render(request, "catalogs/drafting/workspace.html", context)


def _invitations(catalog: GuidanceCatalog) -> list[Any]:
    return list(
        catalog.invitations.select_related("organization").order_by(  # type: ignore[attr-defined]
            "organization__kind", "organization__name_zh"
        )
    )


def _consultation_open(catalog: GuidanceCatalog, today: Any) -> bool:
    """Whether comments are still taken (the service decides; this is for the page)."""
    return catalog.state == FilingState.CONSULTATION and (
        catalog.consultation_deadline is None or today <= catalog.consultation_deadline
    )


@login_required
@require_POST
def drafting_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    catalog = _catalog_for_drafter(request, pk)
    form = TransitionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        updated = filing_transition(
            actor=_user(request), filing=catalog, transition=name, reason=reason, request=request
        )
    except (WorkflowError, FilingError) as exc:
        messages.error(request, exc.message)
    else:
        workflow = kind_of(updated).workflow
        messages.success(
            request,
            _("Done: %(action)s. Version %(version)s is now “%(state)s”.")
            % {
                "action": workflow.get(name).label,
                "version": updated.version,
                "state": workflow.state_label(updated.state),
            },
        )
    return redirect("catalogs:drafting_catalog", pk=catalog.pk)


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
            _form_errors(form, exc)
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
            _form_errors(form, exc)
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
    """Choose the organizations to consult and the deadline, and open the consultation.

    Without JavaScript the search for organizations is a second submit button of the same
    form, so that the organizations already ticked stay ticked."""
    catalog = _catalog_for_drafter(request, pk)
    invitations = _invitations(catalog)
    source = request.POST if request.method == "POST" else request.GET
    q = (source.get("q") or "").strip()[:100]
    searching = request.method == "POST" and "search" in request.POST
    if request.method == "POST":
        chosen = {int(v) for v in request.POST.getlist("organizations") if v.isdigit()}
    else:
        chosen = {i.organization_id for i in invitations}
    if request.method == "POST" and not searching:
        form = ConsultationForm(request.POST)
    else:
        form = ConsultationForm(
            initial={
                "organizations": sorted(chosen),
                "deadline": request.POST.get("deadline") or catalog.consultation_deadline,
            }
        )
    can_open = catalog.state == FilingState.DRAFT
    if form.is_bound and form.is_valid():
        try:
            consultation_open(
                actor=_user(request),
                filing=catalog,
                organizations=form.cleaned_data["organizations"],
                deadline=form.cleaned_data["deadline"],
                request=request,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            if not can_open:  # the form is not shown: say it on the workspace
                messages.error(request, exc.message)
                return redirect(_workspace(catalog, "consultation"))
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The consultation is open until %(date)s: %(n)d organizations are invited.")
                % {
                    "date": form.cleaned_data["deadline"].isoformat(),
                    "n": len(form.cleaned_data["organizations"]),
                },
            )
            return redirect(_workspace(catalog, "consultation"))
    return render(
        request,
        "catalogs/drafting/consultation.html",
        {
            "catalog": catalog,
            "form": form,
            "q": q,
            "can_open": can_open,
            "invitations": invitations,
            "organizations": _organizations_to_show(q, chosen) if can_open else [],
            "chosen": chosen,
        },
    )


def _organizations_to_show(q: str, chosen: set[int]) -> list[Any]:
    """The ticked organizations first, then those matching the search (a bounded list)."""
    everyone = stakeholder_organizations()
    ticked = list(everyone.filter(pk__in=chosen)) if chosen else []
    matching = everyone.exclude(pk__in=chosen)
    if q:
        matching = matching.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q))
    return ticked + list(matching[:ORGANIZATIONS_SHOWN])


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
    form = AnswerForm(request.POST or None, initial={"answer": comment.answer})
    if request.method == "POST" and form.is_valid():
        try:
            consultation_answer(
                actor=_user(request),
                comment=comment,
                text=form.cleaned_data["answer"],
                request=request,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
            return redirect(_workspace(catalog, "consultation"))
        else:
            messages.success(
                request,
                _("The answer to %(organization)s is saved.")
                % {"organization": comment.organization.name},
            )
            return redirect(_workspace(catalog, "consultation"))
    return render(
        request,
        "catalogs/drafting/answer.html",
        {"catalog": catalog, "comment": comment, "form": form},
    )


# --- Consultation (stakeholders) ------------------------------------------------------------------


@login_required
def consultations(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not has_role(user, Role.STAKEHOLDER):
        raise Http404
    today = timezone.localdate()
    rows = [
        {"catalog": c, "open": _consultation_open(c, today)}
        for c in selectors.catalogs_consulting(user)
    ]
    return render(request, "catalogs/consultation/list.html", {"rows": rows})


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
        "open": _consultation_open(catalog, today),
        "form": CommentForm(catalog=catalog),
    }
    return render(request, "catalogs/consultation/detail.html", context)


@login_required
def consultation_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment on the whole draft, or on one entry (``entry``: its id)."""
    catalog = _catalog_for_stakeholder(request, pk)
    back = reverse("catalogs:consultation", args=[catalog.pk])
    raw_entry = request.POST.get("entry") if request.method == "POST" else request.GET.get("entry")
    entry = None
    if raw_entry:
        entry = (
            CatalogEntry.objects.filter(catalog=catalog, pk=int(raw_entry))
            .select_related("occupation")
            .first()
            if raw_entry.isdigit()
            else None
        )
        if entry is None and request.method == "GET":
            raise Http404
    if request.method == "POST":
        form = CommentForm(request.POST, catalog=catalog)
    else:
        form = CommentForm(catalog=catalog, initial={"entry": entry.pk if entry else None})
    if request.method == "POST" and form.is_valid():
        try:
            consultation_comment(
                actor=_user(request),
                filing=catalog,
                text=form.cleaned_data["text"],
                entry=form.cleaned_data["entry"],
                request=request,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
            return redirect(back)
        else:
            messages.success(request, _("Your comment is sent to the drafters."))
            return redirect(f"{back}#comments")
    return render(
        request,
        "catalogs/consultation/comment.html",
        {
            "catalog": catalog,
            "form": form,
            "entry": entry,
            "open": _consultation_open(catalog, timezone.localdate()),
        },
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
