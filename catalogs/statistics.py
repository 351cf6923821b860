"""Coverage of the Guidance Catalogs, for the statistics pages (``portal.statistics``).

Catalogs and their entries are few (31 provinces, a few hundred entries each): the section
reads them directly through the app's selectors and two ``GROUP BY`` queries on the entries
of the catalogs in force today, with no summary table. Public: catalogs are published.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count
from django.db.models.functions import Substr
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalogs import selectors
from catalogs.models import CatalogEntry, GuidanceCatalog, Occupation
from portal import statistics
from portal.filings import in_force_filter
from portal.statistics import (
    NUMBER,
    RATE,
    TEXT,
    ChartSpec,
    Column,
    Row,
    StatisticsSection,
    StatsQuery,
    StatTable,
)

CATEGORIES = tuple(value for value, _label in CatalogEntry.Category.choices)


def _provinces_table(query: StatsQuery) -> StatTable:
    today = query.today
    in_force = {
        row.province.pk: row.in_force
        for row in selectors.provinces_with_catalogs(on=today)
        if row.in_force is not None and row.province.pk in query.province_ids
    }
    by_category: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CATEGORIES, 0))
    for region_id, category, n in (
        CatalogEntry.objects.filter(
            catalog__in=GuidanceCatalog.objects.filter(
                in_force_filter(today), region_id__in=sorted(in_force)
            )
        )
        .values_list("catalog__region_id", "category")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_category[region_id][category] = n
    rows = []
    totals = [0] * (len(CATEGORIES) + 1)
    for province in query.provinces:
        catalog = in_force.get(province.pk)
        counts = (
            [by_category[province.pk][c] for c in CATEGORIES] if catalog else [0] * len(CATEGORIES)
        )
        numbers = [sum(counts), *counts]
        totals = [a + b for a, b in zip(totals, numbers, strict=True)]
        rows.append(
            Row(
                province.code,
                province.name,
                (
                    gettext("version %(version)s") % {"version": catalog.version}
                    if catalog
                    else "–",
                    f"{catalog.effective_from:%Y-%m-%d}"
                    if catalog and catalog.effective_from
                    else "–",
                    *numbers,
                ),
            )
        )
    rows.append(
        Row(
            "total",
            gettext("Total"),
            (
                gettext("%(n)s of %(m)s provinces")
                % {"n": len(in_force), "m": len(query.provinces)},
                "",
                *totals,
            ),
            is_total=True,
        )
    )
    return StatTable(
        key="catalog_coverage",
        caption=gettext("Guidance Catalogs in force by province"),
        row_header=gettext("Province"),
        columns=(
            Column("catalog", _("Catalog in force"), TEXT),
            Column("since", _("In force since"), TEXT),
            Column("entries", _("Occupations listed"), NUMBER),
            *(
                Column(c, gettext("of which Category %(category)s") % {"category": c}, NUMBER)
                for c in CATEGORIES
            ),
        ),
        rows=tuple(rows),
        chart=ChartSpec(series=CATEGORIES, stacked=True, horizontal=True),
        note=gettext("Catalogs in force on %(day)s.") % {"day": f"{today:%Y-%m-%d}"},
    )


def _occupations_table(query: StatsQuery) -> StatTable:
    """How much of the classification the catalogs in force cover, by major group."""
    today = query.today
    detailed = selectors.occupations().filter(level=Occupation.Level.DETAILED)
    classified = dict(detailed.values_list(Substr("code", 1, 1)).annotate(n=Count("pk")).order_by())
    listed = dict(
        detailed.filter(
            catalog_entries__catalog__in=GuidanceCatalog.objects.filter(
                in_force_filter(today), region_id__in=sorted(query.province_ids)
            )
        )
        .values_list(Substr("code", 1, 1))
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    majors = {
        o.code[:1]: o.title
        for o in selectors.occupations().filter(level=Occupation.Level.MAJOR).order_by("code")
    }
    rows = []
    total_classified = total_listed = 0
    for group in sorted(classified):
        n, covered = classified[group], listed.get(group, 0)
        total_classified += n
        total_listed += covered
        label = f"{group} {majors[group]}" if group in majors else group
        rows.append(Row(group, label, (n, covered, covered / n if n else None)))
    rows.append(
        Row(
            "total",
            gettext("Total"),
            (
                total_classified,
                total_listed,
                total_listed / total_classified if total_classified else None,
            ),
            is_total=True,
        )
    )
    return StatTable(
        key="catalog_occupations",
        caption=gettext("Occupations listed by at least one catalog in force"),
        row_header=gettext("Occupation major group"),
        columns=(
            Column("classified", _("Detailed occupations"), NUMBER),
            Column("listed", _("Listed"), NUMBER),
            Column("share", _("Share listed"), RATE),
        ),
        rows=tuple(rows),
        chart=ChartSpec(series=("share",), unit="%", horizontal=True),
        note=gettext(
            "An occupation listed by several provinces is counted once. The current edition "
            "of the National Occupational Classification."
        ),
    )


def build(query: StatsQuery) -> list[StatTable]:
    return [_provinces_table(query), _occupations_table(query)]


def register() -> None:
    statistics.register_section(
        StatisticsSection(
            key="catalogs_coverage",
            cache_seconds=statistics.LIVE_CACHE_SECONDS,
            title=_("Guidance Catalogs"),
            order=60,
            build=build,
            public=True,
            description=_("Which provinces have a Guidance Catalog in force, and what it lists."),
        )
    )
