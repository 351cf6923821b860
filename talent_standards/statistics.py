"""Coverage of the regional talent standards, for the statistics pages
(``portal.statistics``).

Standards, routes and agreements are few: the section reads them directly through the
app's selectors (the standards in force and the agreements in effect today) and one
``GROUP BY`` counting the routes and bonus rules of the standards in force, with no summary
table. Public: the standards are published.
"""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal import statistics
from portal.statistics import (
    NUMBER,
    TEXT,
    ChartSpec,
    Column,
    Row,
    StatisticsSection,
    StatsQuery,
    StatTable,
)
from talent_standards import selectors
from talent_standards.models import RegionalStandard


def build(query: StatsQuery) -> list[StatTable]:
    today = query.today
    provinces = {
        row.province.pk: row
        for row in selectors.provinces_with_standards(on=today)
        if row.province.pk in query.province_ids
    }
    in_force = {pk: row.in_force for pk, row in provinces.items() if row.in_force is not None}
    parts = {
        pk: (routes, bonus)
        for pk, routes, bonus in RegionalStandard.objects.filter(
            pk__in=[standard.pk for standard in in_force.values()]
        )
        .annotate(
            n_routes=Count("routes", distinct=True), n_bonus=Count("bonus_rules", distinct=True)
        )
        .values_list("pk", "n_routes", "n_bonus")
    }
    rows = []
    routes_total = bonus_total = 0
    agreements: set[int] = set()
    for province in query.provinces:
        standard = in_force.get(province.pk)
        routes, bonus = parts.get(standard.pk, (0, 0)) if standard else (0, 0)
        found = provinces[province.pk].agreements if province.pk in provinces else []
        agreements.update(agreement.pk for agreement in found)
        routes_total += routes
        bonus_total += bonus
        rows.append(
            Row(
                province.code,
                province.name,
                (
                    gettext("version %(version)s") % {"version": standard.version}
                    if standard
                    else "–",
                    f"{standard.effective_from:%Y-%m-%d}"
                    if standard and standard.effective_from
                    else "–",
                    routes,
                    bonus,
                    len(found),
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
                routes_total,
                bonus_total,
                len(agreements),
            ),
            is_total=True,
        )
    )
    national = selectors.national_standard_in_force(today)
    note = gettext(
        "Regional standards in force and mutual recognition agreements in effect on %(day)s. "
        "An agreement between two provinces is counted once in the total."
    ) % {"day": f"{today:%Y-%m-%d}"}
    if national is not None:
        note += " " + gettext("National unified standard in force: %(version)s.") % {
            "version": national.version
        }
    return [
        StatTable(
            key="standard_coverage",
            caption=gettext("Regional talent standards in force by province"),
            row_header=gettext("Province"),
            columns=(
                Column("standard", _("Regional standard in force"), TEXT),
                Column("since", _("In force since"), TEXT),
                Column("routes", _("Recognition routes"), NUMBER),
                Column("bonus_rules", _("Bonus rules"), NUMBER),
                Column("agreements", _("Mutual recognition agreements"), NUMBER),
            ),
            rows=tuple(rows),
            chart=ChartSpec(series=("routes", "bonus_rules"), horizontal=True),
            note=note,
        )
    ]


def register() -> None:
    statistics.register_section(
        StatisticsSection(
            key="standards_coverage",
            cache_seconds=statistics.LIVE_CACHE_SECONDS,
            title=_("Regional talent standards"),
            order=70,
            build=build,
            public=True,
            description=_(
                "Which provinces have a regional standard in force, how many ways to be "
                "recognised it adds, and their mutual recognition agreements."
            ),
        )
    )
