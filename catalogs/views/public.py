"""Public pages of the catalogs app (no sign-in): the occupation browser, the provinces'
catalogs, each published version at a stable URL, and its CSV and JSON downloads.

Caching:

* the occupation tree (about 2,000 rows) is rendered once per edition, language and
  import of the edition, and kept in Django's cache;
* version pages and downloads answer conditional requests (``ETag`` from the version, its
  state and its status today; ``Last-Modified``) with 304, and every page of published
  content may be kept for five minutes (``Cache-Control``).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, cast

from django import forms
from django.core.cache import cache
from django.db.models import Count, Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.urls import URLPattern, path, re_path
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import condition, require_safe

from catalogs import selectors
from catalogs.models import CURRENT_EDITION, CatalogEntry, GuidanceCatalog, Occupation
from catalogs.serializers import CatalogEntrySerializer
from portal.models import Region
from portal.models.filing import FilingStatus
from portal.pagination import page_of
from portal.publications import subject_stamp

SEARCH_PAGE_SIZE = 50
ENTRIES_PAGE_SIZE = 50
PUBLIC_MAX_AGE = 300  # seconds a page of published content may be kept
TREE_CACHE_SECONDS = 24 * 60 * 60
# Part of every ETag: bump it when the markup of a version's page or the format of the
# downloads changes, so that no browser keeps a copy made by the older code.
RENDER_REVISION = "2"

# The drafters' upload columns (catalogs.services.UPLOAD_COLUMNS) plus the titles: a
# download can be edited and uploaded as the next version.
CSV_COLUMNS = (
    "code",
    "title_zh",
    "title_en",
    "category",
    "min_education",
    "min_experience_years",
    "min_annual_salary_cny",
    "skills_zh",
    "skills_en",
    "remarks_zh",
    "remarks_en",
)
STATUS_FILTER_NONE = "none"
# The whole tree is about 270 KB of HTML and 30 KB compressed. Only that page is compressed
# here (it reflects no input, so compression reveals nothing); a proxy may do the rest.
_GZIP = GZipMiddleware(lambda request: HttpResponse())


# --- Forms ------------------------------------------------------------------------------------


class OccupationSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Code or title"),
        required=False,
        max_length=100,
        help_text=_("A code prefix such as 2-02-10, or part of the Chinese or English title."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    edition = forms.TypedChoiceField(
        label=_("Edition"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data: Any, *, editions: list[int]) -> None:
        super().__init__(data)
        self.fields["edition"].choices = [(e, str(e)) for e in editions]  # type: ignore[attr-defined]


class CatalogStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("State of the catalog"),
        required=False,
        choices=[
            ("", _("All provinces")),
            (FilingStatus.IN_FORCE.value, FilingStatus.IN_FORCE.label),
            (FilingStatus.SCHEDULED.value, FilingStatus.SCHEDULED.label),
            (FilingStatus.LAPSED.value, FilingStatus.LAPSED.label),
            (FilingStatus.SUPERSEDED.value, FilingStatus.SUPERSEDED.label),
            (STATUS_FILTER_NONE, _("No catalog published")),
        ],
    )


class EntryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Code or title"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *CatalogEntry.Category.choices],
    )
    major = forms.ChoiceField(label=_("Major group"), required=False)

    def __init__(self, data: Any, *, majors: list[Occupation]) -> None:
        super().__init__(data)
        self.fields["major"].choices = [  # type: ignore[attr-defined]
            ("", _("All major groups")),
            *((m.code[0], f"{m.code[0]} · {m.title}") for m in majors),
        ]


# --- Reads this module needs beyond catalogs.selectors ----------------------------------------


def _edition_stamps() -> dict[int, str]:
    """Every edition with a stamp that changes whenever it is imported again (last import
    time and number of rows): one query over the bounded classification table."""
    rows = (
        Occupation.objects.order_by()
        .values("edition")
        .annotate(latest=Max("imported_at"), n=Count("pk"))
        .order_by("-edition")
    )
    return {
        row["edition"]: f"{row['latest'].timestamp() if row['latest'] else 0}-{row['n']}"
        for row in rows
    }


def _occupation_paths(hits: list[Occupation], edition: int) -> dict[str, list[Occupation]]:
    """The groups above each hit (major group first), in one query for the whole page."""
    wanted: dict[str, list[str]] = {}
    for occupation in hits:
        parts = occupation.code.split("-")
        codes = ["-".join(parts[:i] + ["00"] * (4 - i)) for i in (1, 2, 3)]
        wanted[occupation.code] = [c for c in dict.fromkeys(codes) if c != occupation.code]
    every = {c for codes in wanted.values() for c in codes}
    if not every:
        return {}
    found = {o.code: o for o in selectors.occupations(edition).filter(code__in=every)}
    return {code: [found[c] for c in codes if c in found] for code, codes in wanted.items()}


def _province(code: str) -> Region:
    province = Region.objects.filter(code=code, level=Region.Level.PROVINCE).first()
    if province is None:
        raise Http404
    return province


# --- Helpers -------------------------------------------------------------------------------------


def _edition_query(edition: int) -> str:
    """What links to occupation pages append to stay in a non-default edition."""
    return "" if edition == CURRENT_EDITION else f"?edition={edition}"


def _valid(form: forms.Form) -> dict[str, Any]:
    """The fields of a filter form that are valid (a bad one is shown with its error and
    ignored; the others still apply)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


def _requested_edition(request: HttpRequest) -> int:
    raw = request.GET.get("edition", "")
    if not raw:
        return CURRENT_EDITION
    try:
        return int(raw)
    except ValueError:
        raise Http404 from None


def _cacheable(*, per_user: bool) -> Callable[..., Any]:
    """Pages of published content may be kept for five minutes; a signed-in person's copy
    (their name is in the header) only by their own browser."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if response.status_code in (200, 304):
                if per_user and request.user.is_authenticated:
                    patch_cache_control(response, private=True, max_age=PUBLIC_MAX_AGE)
                else:
                    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
            return response

        return wrapped

    return decorator


@dataclass(frozen=True)
class TreeRow:
    """One line of the occupation tree, flattened so that the template renders the whole
    tree in one loop: a group opens a ``<details>``; ``closes`` counts the groups that end
    after this line."""

    occupation: Occupation
    is_group: bool
    occupations_below: int
    closes: range


def _tree_rows(nodes: list[selectors.TreeNode]) -> list[TreeRow]:
    rows: list[TreeRow] = []

    def walk(level: list[selectors.TreeNode]) -> int:
        """Append the lines of ``level``; answer how many detailed occupations it holds."""
        detailed = 0
        for node in level:
            index = len(rows)
            rows.append(TreeRow(node.occupation, bool(node.children), 0, range(0)))
            if node.children:
                below = walk(node.children)
                rows[index] = replace(rows[index], occupations_below=below)
                # The group ends after its last descendant.
                rows[-1] = replace(rows[-1], closes=range(len(rows[-1].closes) + 1))
                detailed += below
            elif node.occupation.is_detailed:
                detailed += 1
        return detailed

    walk(nodes)
    return rows


TREE_TEMPLATE = "catalogs/public/_occupation_tree.html"


@functools.cache
def _tree_template_revision() -> str:
    """A hash of the tree's template: a new release never serves a tree rendered by an
    older template from a shared cache."""
    source = get_template(TREE_TEMPLATE).template.source  # type: ignore[attr-defined]
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def _occupation_tree_html(edition: int, stamp: str) -> str:
    language = translation.get_language()
    key = f"catalogs:tree:{_tree_template_revision()}:{edition}:{language}:{stamp}"
    html = cache.get(key)
    if html is None:
        rows = _tree_rows(selectors.occupation_tree(edition))
        html = render_to_string(
            TREE_TEMPLATE,
            {"rows": rows, "edition_query": _edition_query(edition)},
        )
        cache.set(key, html, TREE_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by our own template, autoescaped


# --- Occupations ---------------------------------------------------------------------------------


@require_safe
@_cacheable(per_user=True)
def occupations(request: HttpRequest) -> HttpResponse:
    stamps = _edition_stamps()
    editions = list(stamps) or [CURRENT_EDITION]
    form = OccupationSearchForm(request.GET or None, editions=editions)
    filters = _valid(form)
    edition = filters.get("edition") or CURRENT_EDITION
    q = (filters.get("q") or "").strip()
    context: dict[str, Any] = {
        "form": form,
        "edition": edition,
        "editions": editions,
        "edition_query": _edition_query(edition),
        "q": q,
    }
    if q:
        hits = selectors.occupation_search(q=q, edition=edition)
        page = page_of(hits, request.GET.get("page"), SEARCH_PAGE_SIZE)
        paths = _occupation_paths(page.object_list, edition)
        context["page"] = page
        context["hits"] = [(o, paths.get(o.code, [])) for o in page]
    elif edition in stamps:
        context["tree"] = _occupation_tree_html(edition, stamps[edition])
    response = render(request, "catalogs/public/occupations.html", context)
    if "tree" in context:
        return cast(HttpResponse, _GZIP.process_response(request, response))
    return response


@require_safe
@_cacheable(per_user=True)
def occupation(request: HttpRequest, code: str) -> HttpResponse:
    edition = _requested_edition(request)
    found = selectors.occupation_by_code(code, edition)
    if found is None:
        raise Http404
    context: dict[str, Any] = {
        "occupation": found,
        "edition": edition,
        "edition_query": _edition_query(edition),
        "ancestors": selectors.occupation_ancestors(found),
    }
    if found.is_detailed:
        context["listings"] = selectors.listings_in_force(found)
    else:
        context["children"] = list(found.children.order_by("code"))
    return render(request, "catalogs/public/occupation.html", context)


# --- Catalogs -----------------------------------------------------------------------------------


@require_safe
@_cacheable(per_user=True)
def catalogs(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = CatalogStatusForm(request.GET or None)
    wanted = _valid(form).get("status", "")
    rows = selectors.provinces_with_catalogs(today)
    in_force = sum(1 for row in rows if row.in_force is not None)
    if wanted == STATUS_FILTER_NONE:
        shown = [row for row in rows if row.status is None]
    elif wanted:
        shown = [row for row in rows if row.status == wanted]
    else:
        shown = rows
    return render(
        request,
        "catalogs/public/catalogs.html",
        {
            "form": form,
            "rows": shown,
            "provinces": len(rows),
            "in_force_count": in_force,
            "today": today,
            "filtered": bool(wanted),
        },
    )


@require_safe
@_cacheable(per_user=True)
def province_catalogs(request: HttpRequest, province_code: str) -> HttpResponse:
    today = timezone.localdate()
    province = _province(province_code)
    versions = [
        (catalog, catalog.status_on(today)) for catalog in selectors.published_versions(province)
    ]
    return render(
        request,
        "catalogs/public/province_catalogs.html",
        {"province": province, "versions": versions, "today": today},
    )


def _version(request: HttpRequest, province_code: str, version: str) -> GuidanceCatalog | None:
    """The requested version, looked up once per request (the ETag, Last-Modified and the
    view all need it)."""
    memo: dict[tuple[str, str], GuidanceCatalog | None] = request.__dict__.setdefault(
        "_catalogs_public_version", {}
    )
    key = (province_code, version)
    if key not in memo:
        memo[key] = selectors.public_version(province_code, int(version), timezone.localdate())
    return memo[key]


def _require_version(request: HttpRequest, province_code: str, version: str) -> GuidanceCatalog:
    catalog = _version(request, province_code, version)
    if catalog is None:
        raise Http404
    return catalog


def _etag(catalog: GuidanceCatalog, *extra: Any) -> str:
    today = timezone.localdate()
    parts = [
        RENDER_REVISION,
        catalog.pk,
        catalog.updated_at.isoformat(),
        catalog.state,
        catalog.status_on(today).value,
        *extra,
    ]
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _page_etag(request: HttpRequest, province_code: str, version: str) -> str | None:
    catalog = _version(request, province_code, version)
    if catalog is None:
        return None
    # The page names the version in force, is in the page's language, shows who is
    # signed in and what was published about the province's catalog.
    user = request.user.pk if request.user.is_authenticated else 0
    in_force = getattr(catalog, "version_in_force", None)
    about = subject_stamp("catalog", catalog.region.code)
    return _etag(catalog, in_force, translation.get_language(), user, about)


def _download_etag(request: HttpRequest, province_code: str, version: str) -> str | None:
    catalog = _version(request, province_code, version)
    return None if catalog is None else _etag(catalog)


def _last_modified(request: HttpRequest, province_code: str, version: str) -> dt.datetime | None:
    """The later of the last change and the start of the day the version's status last
    changed by itself (it took effect, was superseded or lapsed)."""
    catalog = _version(request, province_code, version)
    if catalog is None:
        return None
    today = timezone.localdate()
    days = [catalog.effective_from, catalog.superseded_on]
    if catalog.expires_on is not None:
        days.append(catalog.expires_on + dt.timedelta(days=1))
    passed = [d for d in days if d is not None and d <= today]
    moments = [catalog.updated_at]
    if passed:
        start = dt.datetime.combine(max(passed), dt.time.min)
        moments.append(timezone.make_aware(start, timezone.get_current_timezone()))
    return max(moments)


@require_safe
@_cacheable(per_user=True)
@condition(etag_func=_page_etag, last_modified_func=_last_modified)
def catalog(request: HttpRequest, province_code: str, version: str) -> HttpResponse:
    found = _require_version(request, province_code, version)
    today = timezone.localdate()
    majors = list(selectors.occupation_search(edition=found.edition, level=1))
    form = EntryFilterForm(request.GET or None, majors=majors)
    filters = _valid(form)
    entries = selectors.catalog_entries(
        found,
        q=filters.get("q", ""),
        category=filters.get("category", ""),
        major=filters.get("major", ""),
    )
    page = page_of(entries, request.GET.get("page"), ENTRIES_PAGE_SIZE)
    return render(
        request,
        "catalogs/public/catalog.html",
        {
            "catalog": found,
            "status": found.status_on(today),
            "form": form,
            "page": page,
            "filtered": any(filters.get(name) for name in ("q", "category", "major")),
            "edition_query": _edition_query(found.edition),
        },
    )


def _download_name(catalog: GuidanceCatalog, extension: str) -> str:
    return f"catalog-{catalog.region.code}-v{catalog.version}.{extension}"


def _entries_for_download(catalog: GuidanceCatalog) -> QuerySet[CatalogEntry]:
    return selectors.catalog_entries(catalog)


@require_safe
@_cacheable(per_user=False)
@condition(etag_func=_download_etag, last_modified_func=_last_modified)
def catalog_csv(request: HttpRequest, province_code: str, version: str) -> HttpResponse:
    found = _require_version(request, province_code, version)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the BOM: Excel then reads the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in _entries_for_download(found):
        occupation = entry.occupation
        salary = entry.min_annual_salary_cny
        writer.writerow(
            [
                occupation.code,
                occupation.title_zh,
                occupation.title_en,
                entry.category,
                entry.min_education,
                entry.min_experience_years,
                "" if salary is None else str(salary),
                entry.skills_zh,
                entry.skills_en,
                entry.remarks_zh,
                entry.remarks_en,
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name(found, "csv")}"'
    return response


@require_safe
@_cacheable(per_user=False)
@condition(etag_func=_download_etag, last_modified_func=_last_modified)
def catalog_json(request: HttpRequest, province_code: str, version: str) -> HttpResponse:
    found = _require_version(request, province_code, version)
    document = {
        "id": found.pk,
        "region": found.region.code,
        "version": found.version,
        "title_zh": found.title_zh,
        "title_en": found.title_en,
        "effective_from": _iso(found.effective_from),
        "expires_on": _iso(found.expires_on),
        "superseded_on": _iso(found.superseded_on),
        "status": found.status_on(timezone.localdate()).value,
        "edition": found.edition,
        "entries": CatalogEntrySerializer(_entries_for_download(found), many=True).data,
    }
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n",
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="{_download_name(found, "json")}"'
    return response


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


PROVINCE = r"(?P<province_code>\d{2}0000)"
VERSION = r"v(?P<version>[1-9]\d{0,5})"

urlpatterns: list[URLPattern] = [
    path("occupations/", occupations, name="occupations"),
    re_path(r"^occupations/(?P<code>\d-\d{2}-\d{2}-\d{2})/$", occupation, name="occupation"),
    path("catalogs/", catalogs, name="catalogs"),
    re_path(rf"^catalogs/{PROVINCE}/$", province_catalogs, name="province_catalogs"),
    re_path(rf"^catalogs/{PROVINCE}/{VERSION}/$", catalog, name="catalog"),
    re_path(rf"^catalogs/{PROVINCE}/{VERSION}\.csv$", catalog_csv, name="catalog_csv"),
    re_path(rf"^catalogs/{PROVINCE}/{VERSION}\.json$", catalog_json, name="catalog_json"),
]
