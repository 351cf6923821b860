"""Statistics of credit records, for the regulators' page (``portal.statistics``).

The records are few (thousands, not millions): the section groups them directly, in two
``GROUP BY`` queries on the current versions, with no summary table. It counts the records
in force (current version, not revoked) whose effect began in the months chosen, in the
provinces the reader may see: a record kept by a division below a province counts for its
province. Not on the public page: most records are not disclosed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit.constants import RecordState, Severity, SubjectKind
from credit.models import CreditRecord, CreditRecordKind
from portal import statistics
from portal.statistics import Column, Row, StatisticsSection, StatsQuery, StatTable


def _records(query: StatsQuery) -> Any:
    ids = sorted(query.province_ids)
    return CreditRecord.objects.filter(
        Q(region_id__in=ids) | Q(region__parent_id__in=ids) | Q(region__parent__parent_id__in=ids),
        superseded_at__isnull=True,
        state=RecordState.IN_FORCE,
        effective_from__gte=query.month_from,
        effective_from__lt=statistics.add_months(query.month_to, 1),
    )


SUBJECTS = (SubjectKind.EMPLOYER, SubjectKind.SERVICE_AGENCY, SubjectKind.WORKER)


def _by_kind(query: StatsQuery) -> StatTable:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SUBJECTS, 0))
    for kind_id, subject, n in (
        _records(query).values_list("kind_id", "subject_kind").annotate(n=Count("pk")).order_by()
    ):
        counts[kind_id][subject] = n
    rows = []
    totals = [0] * (len(SUBJECTS) + 1)
    for kind in CreditRecordKind.objects.order_by("position", "code"):
        if not kind.is_active and kind.pk not in counts:
            continue
        values = (
            [counts[kind.pk][subject] for subject in SUBJECTS]
            if kind.pk in counts
            else [0] * len(SUBJECTS)
        )
        values.append(sum(values))
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        rows.append(Row(kind.code, kind.name, tuple(values)))
    rows.append(Row("total", gettext("Total"), tuple(totals), is_total=True))
    return StatTable(
        key="credit_by_kind",
        caption=gettext("Credit records in force by kind"),
        row_header=gettext("Kind of record"),
        columns=(
            *(Column(str(s), s.label) for s in SUBJECTS),
            Column("total", _("Total")),
        ),
        rows=tuple(rows),
        chart=statistics.ChartSpec(
            series=tuple(str(s) for s in SUBJECTS), stacked=True, horizontal=True
        ),
        total_column="total",
        part_columns=tuple(str(s) for s in SUBJECTS),
        note=gettext(
            "Current versions of records in force (not revoked) whose effect began in the "
            "months chosen, by the province that keeps them."
        ),
    )


LEVELS = (
    ("serious", _("Serious dishonesty")),
    ("minor", _("Minor dishonesty")),
    ("commendation", _("Commendations")),
)


def _by_province(query: StatsQuery) -> StatTable:
    by_code = {p.code: p.pk for p in query.provinces}
    keys = [key for key, _l in LEVELS]
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(keys, 0))
    for code, dishonest, severity, n in (
        _records(query)
        .values_list("region__code", "dishonest", "severity")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        province_id = by_code.get(f"{code[:2]}0000")
        if province_id is None:
            continue
        if not dishonest:
            level = "commendation"
        else:
            level = "serious" if severity == Severity.SERIOUS else "minor"
        counts[province_id][level] += n
    rows = []
    totals = [0] * (len(keys) + 1)
    for province in query.provinces:
        values = (
            [counts[province.pk][key] for key in keys] if province.pk in counts else [0] * len(keys)
        )
        values.append(sum(values))
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        rows.append(Row(province.code, province.name, tuple(values)))
    rows.append(Row("total", gettext("Total"), tuple(totals), is_total=True))
    return StatTable(
        key="credit_by_province",
        caption=gettext("Credit records in force by province"),
        row_header=gettext("Province"),
        columns=(*(Column(key, label) for key, label in LEVELS), Column("total", _("Total"))),
        rows=tuple(rows),
        chart=statistics.ChartSpec(series=tuple(keys), stacked=True, horizontal=True),
        total_column="total",
        part_columns=tuple(keys),
    )


def build(query: StatsQuery) -> list[StatTable]:
    return [_by_kind(query), _by_province(query)]


def register() -> None:
    statistics.register_section(
        StatisticsSection(
            key="credit_records",
            cache_seconds=statistics.LIVE_CACHE_SECONDS,
            title=_("Credit records"),
            order=50,
            build=build,
            public=False,
            description=_(
                "Dishonest acts and commendations of employers, service agencies and foreign "
                "workers recorded by the provinces."
            ),
        )
    )
