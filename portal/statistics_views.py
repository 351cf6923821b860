"""The statistics pages.

* ``regulators`` (``/statistics/``): for provincial officers (their provinces only) and the
  ministry (every province): every section the apps registered, filtered by months,
  province, category and kind, each chart followed by its table and a CSV link. Anyone
  else gets 404.
* ``public`` (``/statistics/public/``): for anyone, the sections marked public, national or
  for one province, with small counts withheld (``portal.statistics.suppress``, threshold
  ``PORTAL_STATISTICS_MIN_CELL``).

``?csv=<table key>`` with the same filters answers one table as CSV, withheld cells and all.
Bad filters are reported on the page and the default view is shown; nothing fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal import statistics
from portal.charts import Series, bar_chart, line_chart
from portal.models import Region
from portal.statistics import Province, StatsQuery, StatTable

FIRST_MONTH = dt.date(2017, 4, 1)  # the work-permit system began nationwide in April 2017
MAX_MONTHS = 120
DEFAULT_MONTHS = 12
PUBLIC_MAX_AGE = 300
SECTION_CACHE_SECONDS = 60 * 60
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def _today() -> dt.date:
    """Today in China; the one place these pages read the date (tests fix it here)."""
    return timezone.localdate()


def _provinces() -> list[Province]:
    return [
        Province(pk, code, name)
        for pk, code, name in (
            (r.pk, r.code, r.name)
            for r in Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
        )
    ]


class MonthField(forms.CharField):
    """A month as ``YYYY-MM`` (the browser's month picker sends that)."""

    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"})

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        match = MONTH_PATTERN.match(text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, for example 2026-03."))
        return dt.date(int(match.group(1)), int(match.group(2)), 1)


class StatisticsFilterForm(forms.Form):
    month_from = MonthField(label=gettext_lazy("From month"), required=False)
    month_to = MonthField(label=gettext_lazy("To month"), required=False)
    province = forms.ChoiceField(label=gettext_lazy("Province"), required=False)

    def __init__(
        self, *args: Any, provinces: list[Province], public: bool, today: dt.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.provinces = {p.code: p for p in provinces}
        self.today = today
        all_label = _("Every province") if len(provinces) > 1 else _("My province")
        province_field = cast(forms.ChoiceField, self.fields["province"])
        province_field.choices = [("", all_label)] + [(p.code, p.name) for p in provinces]
        if not public:
            for key, dimension in statistics.dimensions().items():
                self.fields[key] = forms.ChoiceField(
                    label=str(dimension.label),
                    required=False,
                    choices=[("", _("All"))]
                    + [(v, str(label)) for v, label in dimension.choices()],
                )
        last = statistics.month_start(today)
        self.fields["month_from"].help_text = _("YYYY-MM")
        self.fields["month_to"].help_text = _("YYYY-MM")
        self.default_from = statistics.add_months(last, 1 - DEFAULT_MONTHS)
        self.default_to = last
        self.fields["month_from"].initial = f"{self.default_from:%Y-%m}"
        self.fields["month_to"].initial = f"{self.default_to:%Y-%m}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        last = statistics.month_start(self.today)
        first = data.get("month_from") or self.default_from
        end = data.get("month_to") or self.default_to
        if end > last:
            self.add_error("month_to", _("Choose this month or an earlier one."))
        if first < FIRST_MONTH:
            self.add_error(
                "month_from",
                _("Statistics begin in %(month)s.") % {"month": f"{FIRST_MONTH:%Y-%m}"},
            )
        if first > end:
            self.add_error("month_to", _("The last month comes before the first."))
        elif (end.year - first.year) * 12 + end.month - first.month + 1 > MAX_MONTHS:
            # Counted, not listed: a range such as 0001-01 to 9999-12 must cost nothing.
            self.add_error(
                "month_to", _("Choose at most %(n)d months at a time.") % {"n": MAX_MONTHS}
            )
        return data

    def query(self, *, national: bool, public: bool) -> StatsQuery:
        """The query of the valid filters, or the default one when any filter is bad."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        chosen = self.provinces.get(data.get("province") or "")
        visible = tuple(self.provinces.values())
        return StatsQuery(
            national=national,
            provinces=(chosen,) if chosen is not None else visible,
            month_from=data.get("month_from") or self.default_from,
            month_to=data.get("month_to") or self.default_to,
            province=chosen,
            category=data.get("category") or "",
            kind=data.get("kind") or "",
            public=public,
            today=self.today,
        )


@dataclass(frozen=True)
class TableView:
    table: StatTable
    dom_id: str
    chart: SafeString | str
    header: list[tuple[str, str]]  # (label, css class)
    body: SafeString  # the rows, rendered here (a template loop over every cell is slow)
    csv_url: str


def _css(column: statistics.Column) -> str:
    return "" if column.kind == statistics.TEXT else "num"


def _chart(table: StatTable, dom_id: str) -> SafeString | str:
    spec = table.chart
    if spec is None:
        return ""
    body = [row for row in table.rows if not row.is_total][: spec.max_rows]
    series = []
    for key in spec.series:
        index = table.column_index(key)
        column = table.columns[index]
        series.append(
            Series(
                str(column.label),
                [statistics.chart_value(row.values[index], column) for row in body],
            )
        )
    common: dict[str, Any] = {
        "title": str(table.caption),
        "labels": [str(row.label) for row in body],
        "series": series,
        "unit": str(spec.unit),
        "reference": spec.reference,
        "reference_label": str(spec.reference_label),
        "table_id": dom_id,
    }
    if spec.kind == "line":
        return line_chart(**common)
    return bar_chart(**common, stacked=spec.stacked, horizontal=spec.horizontal)


def _body(table: StatTable) -> SafeString:
    lines = []
    for row in table.rows:
        cells = "".join(
            format_html('<td class="{}">{}</td>', _css(column), statistics.display(value, column))
            if _css(column)
            else format_html("<td>{}</td>", statistics.display(value, column))
            for value, column in zip(row.values, table.columns, strict=True)
        )
        lines.append(
            format_html(
                '<tr{}><th scope="row">{}</th>{}</tr>',
                mark_safe(' class="statistics__total"') if row.is_total else "",
                row.label,
                mark_safe(cells),  # noqa: S308 - built by format_html above
            )
        )
    return mark_safe("\n".join(lines))  # noqa: S308 - every line built by format_html


def _params(query: StatsQuery) -> dict[str, str]:
    """The query's filters as the page's form sends them (the canonical link)."""
    params = {"month_from": f"{query.month_from:%Y-%m}", "month_to": f"{query.month_to:%Y-%m}"}
    if query.province is not None:
        params["province"] = query.province.code
    if query.category:
        params["category"] = query.category
    if query.kind:
        params["kind"] = query.kind
    return params


def _view(query: StatsQuery, table: StatTable) -> TableView:
    dom_id = f"table-{table.key}"
    return TableView(
        table=table,
        dom_id=dom_id,
        chart=_chart(table, dom_id),
        header=[(str(c.label), _css(c)) for c in table.columns],
        body=_body(table),
        csv_url="?" + urlencode({**_params(query), "csv": table.key}),
    )


def _tables(section: statistics.StatisticsSection, query: StatsQuery) -> list[StatTable]:
    tables = section.build(query)
    if query.public:
        threshold = statistics.min_cell()
        tables = [statistics.suppress(table, threshold) for table in tables]
    return tables


def _section_html(section: statistics.StatisticsSection, query: StatsQuery) -> str:
    """A section rendered (charts and tables); kept in the cache while its summaries stay
    as they are (``StatisticsSection.version``)."""
    token = section.version(query) if section.version else None
    seconds = SECTION_CACHE_SECONDS
    if token is None and section.cache_seconds:
        token, seconds = "live", section.cache_seconds
    key = ""
    if token is not None:
        digest = hashlib.sha256(
            f"{query.cache_key()}|{statistics.min_cell()}".encode()
        ).hexdigest()[:32]
        key = f"statistics:section:{section.key}:{token}:{get_language()}:{digest}"
        html = cache.get(key)
        if html is not None:
            return str(html)
    html = render_to_string(
        "statistics/_section.html",
        {
            "section": section,
            "tables": [_view(query, table) for table in _tables(section, query)],
        },
    )
    if key:
        cache.set(key, html, seconds)
    return html


def _page(
    request: HttpRequest, *, national: bool, provinces: list[Province], public: bool
) -> HttpResponse:
    today = _today()
    form = StatisticsFilterForm(
        request.GET or None, provinces=provinces, public=public, today=today
    )
    query = form.query(national=national, public=public)
    found = statistics.sections(public=public)
    wanted = request.GET.get("csv", "")
    if wanted:
        for section in found:
            for table in _tables(section, query):
                if table.key == wanted:
                    return statistics.csv_response(table)
        raise Http404
    refreshed = [
        moment
        for moment in (section.refreshed_at(query) for section in found if section.refreshed_at)
        if moment is not None
    ]
    context = {
        "form": form,
        "query": query,
        "sections": [(section, mark_safe(_section_html(section, query))) for section in found],  # noqa: S308
        "refreshed_at": min(refreshed) if refreshed else None,
        "threshold": statistics.min_cell(),
        "largest_withheld": statistics.min_cell() - 1,
        "live_minutes": statistics.LIVE_CACHE_SECONDS // 60,
        "public": public,
        "filtered": bool(request.GET),
    }
    template = "statistics/public.html" if public else "statistics/regulators.html"
    return render(request, template, context)


@require_GET
def regulators(request: HttpRequest) -> HttpResponse:
    scope = statistics.regulator_scope(request.user)
    if scope is None:
        raise Http404
    provinces = _provinces()
    if not scope.national:
        provinces = [p for p in provinces if p.pk in scope.region_ids]
        if not provinces:
            raise Http404
    response = _page(request, national=scope.national, provinces=provinces, public=False)
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    response = _page(request, national=True, provinces=_provinces(), public=True)
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, max_age=PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


urlpatterns: list[URLPattern] = [
    path("statistics/", regulators, name="regulators"),
    path("statistics/public/", public, name="public"),
]
