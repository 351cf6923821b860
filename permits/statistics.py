"""Statistics of applications and permits: the summaries and the sections that read them.

**Summaries** (``permits.statistics_models``), recomputed by ``statistics_refresh``:

* ``MonthlyApplications``: per month of submission (China time), province, kind, category,
  occupation major group (the first digit of the occupation code), nationality (ISO
  alpha-3) and outcome (open, or the decision), the numbers submitted, accepted, asked for
  information, approved, rejected, not accepted and withdrawn;
* ``ProcessingHistogram``: per month of submission, province, category and stage
  (acceptance: submission to acceptance or refusal to accept; decision: acceptance to the
  decision; overall: submission to the decision), how many took 0, 1, ... 60 or more
  working days, counted as the clocks count them (``portal.workdays``, the days an
  information request stood open left out, ``Application.paused_working_days``);
* ``ApplicationRollup``: ``MonthlyApplications`` summed again without the finer dimensions
  (or with one of them), which is what the pages read: a few thousand rows instead of the
  hundreds of thousands of the full summary at a million applications;
* ``PermitsInForce``: active permits not past their last day, by province and category.

A refresh recomputes only what changed since the last one: the (month, province) pairs of
the applications saved (``updated_at``) or moved by the workflow (``TransitionRecord``)
since then, and of their earlier submission when they were submitted again. Each pair is
deleted and inserted again from one ``INSERT ... SELECT ... GROUP BY`` per summary (per
stage for the histograms), all in one transaction; nothing loops over applications in
Python. ``full=True`` recomputes everything, and so does a change of the working-day
calendar; the beat task asks for it once a day (``full_after``).

**Sections** (registered from ``PermitsConfig.ready``): applications by month, category,
kind, province, occupation group and nationality; processing times against the statutory
limits (``ClockRule``, most specific rule first, as ``permits.clocks.limit``); information
request and refusal rates; permits in force. The pages keep what they render until a
refresh changes the summaries (``version``: ``StatisticsState.version``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DateField,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Substr, Trunc, TruncDate
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalogs.models import Occupation
from catalogs.selectors import occupations as occupation_list
from permits.models import OPEN_STATES, Application, ClockRule, InformationRequest, Permit
from permits.statistics_models import (
    HISTOGRAM_OVERFLOW,
    ApplicationRollup,
    MonthlyApplications,
    PermitsInForce,
    ProcessingHistogram,
    StatisticsState,
    StatisticsWorkday,
)
from portal import demo, statistics
from portal.countries import country_name
from portal.models import TransitionRecord
from portal.statistics import (
    DAYS,
    RATE,
    ChartSpec,
    Column,
    Dimension,
    Row,
    StatisticsSection,
    StatsQuery,
    StatTable,
)
from portal.workdays import year_calendar
from talent_standards.models import Category

logger = logging.getLogger(__name__)

STATE_KEY = "permits"
S = Application.State
Stage = ProcessingHistogram.Stage
# Changes are read again this far back: a transaction that began before the last refresh
# and committed after it is never missed (recomputing a pair twice changes nothing).
OVERLAP = dt.timedelta(minutes=5)
CALENDAR_START = dt.date(2015, 1, 1)
CACHE_SECONDS = 60 * 60
DECIDED_STATES = (S.APPROVED, S.REJECTED, S.NOT_ACCEPTED)
COUNT_FIELDS = (
    "submitted",
    "accepted",
    "information_requested",
    "approved",
    "rejected",
    "not_accepted",
    "withdrawn",
)


def _china() -> Any:
    return timezone.get_default_timezone()


# --- The working-day calendar as ordinals ------------------------------------------------------


def _calendar(start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """Each day from ``start`` to ``end`` with the working days up to and including it."""
    rows, ordinal, day = [], 0, start
    calendars: dict[int, Any] = {}
    while day <= end:
        calendar = calendars.get(day.year)
        if calendar is None:
            calendar = calendars[day.year] = year_calendar(day.year)
        if calendar.is_working_day(day):
            ordinal += 1
        rows.append((day, ordinal))
        day += dt.timedelta(days=1)
    return rows


def _digest(rows: list[tuple[dt.date, int]]) -> str:
    text = f"{rows[0][0]}|" + ",".join(str(o) for _d, o in rows) if rows else ""
    return hashlib.sha256(text.encode()).hexdigest()


def _calendar_bounds(full: bool, today: dt.date) -> tuple[dt.date, dt.date]:
    """From 2015 (or the first submission, on a full refresh) to the end of next year: the
    bounds, and so the digest, change once a year, or when a holiday year is entered."""
    start = CALENDAR_START
    if full:
        first = Application.objects.filter(submitted_at__isnull=False).aggregate(
            first=Min("submitted_at")
        )["first"]
        if first is not None:
            start = min(start, timezone.localtime(first, _china()).date())
    else:
        stored = StatisticsWorkday.objects.order_by("day").values_list("day", flat=True).first()
        if stored is not None:
            start = stored
    return start, dt.date(today.year + 1, 12, 31)


def _month_of(field_name: str) -> Trunc:
    """The first day of the month of a time, in China."""
    return Trunc(TruncDate(field_name, tzinfo=_china()), "month", output_field=DateField())


# --- The refresh -----------------------------------------------------------------------------


@dataclass
class RefreshReport:
    full: bool
    pairs: int = 0  # (month, province) pairs recomputed (0 on a full refresh)
    monthly_rows: int = 0
    rollup_rows: int = 0
    histogram_rows: int = 0
    permits_rows: int = 0
    changed: bool = False
    seconds: float = 0.0
    steps: list[tuple[str, float]] = field(default_factory=list)


Pairs = dict[dt.date, set[int | None]]


def _submitted() -> QuerySet[Application]:
    return Application.objects.filter(submitted_at__isnull=False).exclude(state=S.DRAFT)


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    china = _china()
    start = dt.datetime(month.year, month.month, 1, tzinfo=china)
    after = statistics.add_months(month, 1)
    return start, dt.datetime(after.year, after.month, 1, tzinfo=china)


def _region_q(prefix: str, regions: Iterable[int | None]) -> Q:
    regions = set(regions)
    ids = {r for r in regions if r is not None}
    condition = Q(**{f"{prefix}__in": sorted(ids)}) if ids else Q(pk__in=[])
    if None in regions:
        condition |= Q(**{f"{prefix}__isnull": True})
    return condition


def _applications_of(pairs: Pairs) -> Q:
    condition = Q(pk__in=[])
    for month, regions in pairs.items():
        start, end = _month_bounds(month)
        condition |= Q(submitted_at__gte=start, submitted_at__lt=end) & _region_q(
            "region_id", regions
        )
    return condition


def _summaries_of(pairs: Pairs) -> Q:
    condition = Q(pk__in=[])
    for month, regions in pairs.items():
        condition |= Q(month=month) & _region_q("region_id", regions)
    return condition


def _insert_select(model: Any, columns: dict[str, str], queryset: QuerySet[Any]) -> int:
    """``INSERT INTO <model> (<fields>) SELECT <aliases> FROM (<queryset>)``: the rows are
    made by the database, never fetched."""
    sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    targets = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    sources = ", ".join(quote(alias) for alias in columns.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({targets}) SELECT {sources} FROM ({sql}) AS summary",  # noqa: S608
            params,
        )
        return max(cursor.rowcount, 0)


def _insert_monthly(where: Q) -> int:
    # Asked for information during the review (an uncorrelated IN: one hashed lookup).
    information = Q(
        pk__in=InformationRequest.objects.filter(stage=InformationRequest.Stage.INFORMATION).values(
            "application_id"
        )
    )
    rows = (
        _submitted()
        .filter(where)
        .values(
            s_month=_month_of("submitted_at"),
            s_region=F("region_id"),
            s_kind=F("kind"),
            s_category=F("category"),
            s_group=Coalesce(Substr("occupation__code", 1, 1), Value(""), output_field=CharField()),
            s_nationality=Coalesce(
                F("foreigner__nationality"), Value(""), output_field=CharField()
            ),
            s_outcome=Case(
                When(state__in=sorted(OPEN_STATES), then=Value("open")),
                default=F("state"),
                output_field=CharField(),
            ),
        )
        .annotate(
            s_submitted=Count("pk"),
            s_accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
            s_information=Count("pk", filter=information | Q(state=S.INFORMATION_REQUESTED)),
            s_approved=Count("pk", filter=Q(state=S.APPROVED)),
            s_rejected=Count("pk", filter=Q(state=S.REJECTED)),
            s_not_accepted=Count("pk", filter=Q(state=S.NOT_ACCEPTED)),
            s_withdrawn=Count("pk", filter=Q(state=S.WITHDRAWN)),
        )
        .order_by()
    )
    return _insert_select(
        MonthlyApplications,
        {
            "month": "s_month",
            "region": "s_region",
            "kind": "s_kind",
            "category": "s_category",
            "occupation_group": "s_group",
            "nationality": "s_nationality",
            "outcome": "s_outcome",
            "submitted": "s_submitted",
            "accepted": "s_accepted",
            "information_requested": "s_information",
            "approved": "s_approved",
            "rejected": "s_rejected",
            "not_accepted": "s_not_accepted",
            "withdrawn": "s_withdrawn",
        },
        rows,
    )


def _insert_rollups(where: Q) -> int:
    """``ApplicationRollup`` from the monthly summary rows ``where`` selects: once by month,
    province, kind and category, and once more with each finer dimension."""
    inserted = 0
    sums = {f"s_{name}": Sum(name) for name in COUNT_FIELDS}
    targets = {name: f"s_{name}" for name in COUNT_FIELDS}
    for dimension, value in (
        (ApplicationRollup.Dimension.BASE, Value("")),
        (ApplicationRollup.Dimension.OCCUPATION_GROUP, F("occupation_group")),
        (ApplicationRollup.Dimension.NATIONALITY, F("nationality")),
    ):
        rows = (
            MonthlyApplications.objects.filter(where)
            .values(
                s_dimension=Value(str(dimension), output_field=CharField()),
                s_month=F("month"),
                s_region=F("region_id"),
                s_kind=F("kind"),
                s_category=F("category"),
                s_value=Cast(value, output_field=CharField()),
            )
            .annotate(**sums)
            .order_by()
        )
        inserted += _insert_select(
            ApplicationRollup,
            {
                "dimension": "s_dimension",
                "month": "s_month",
                "region": "s_region",
                "kind": "s_kind",
                "category": "s_category",
                "value": "s_value",
                **targets,
            },
            rows,
        )
    return inserted


def _stages() -> dict[str, tuple[Q, Any, Any, Any]]:
    """Which applications a stage counts: the time it starts, the time it ends, and the
    working days paused in between."""
    return {
        # Acceptance ends with the acceptance, or with the refusal to accept.
        Stage.ACCEPTANCE: (
            Q(accepted_at__isnull=False) | Q(state=S.NOT_ACCEPTED, decided_at__isnull=False),
            F("submitted_at"),
            Coalesce("accepted_at", "decided_at"),
            Value(0),
        ),
        Stage.DECISION: (
            Q(state__in=[S.APPROVED, S.REJECTED], accepted_at__isnull=False)
            & Q(decided_at__isnull=False),
            F("accepted_at"),
            F("decided_at"),
            F("paused_working_days"),
        ),
        Stage.OVERALL: (
            Q(state__in=list(DECIDED_STATES), decided_at__isnull=False),
            F("submitted_at"),
            F("decided_at"),
            F("paused_working_days"),
        ),
    }


def _insert_histograms(where: Q) -> int:
    """The histogram rows of the applications ``where`` selects, one statement per stage:
    the days (China time) the stage began and ended come from the ORM, their working-day
    ordinals from two joins on ``StatisticsWorkday`` (a hash join, not a lookup per row)."""
    china = _china()
    quote = connection.ops.quote_name
    histogram: Any = ProcessingHistogram  # its fields' columns, as ``_insert_select`` reads
    days_table = quote(StatisticsWorkday._meta.db_table)
    target = quote(histogram._meta.db_table)
    columns = ", ".join(
        quote(histogram._meta.get_field(name).column)
        for name in ("month", "region", "category", "stage", "days", "count")
    )
    inserted = 0
    for stage, (counted, begins, ends, paused) in _stages().items():
        spans = (
            _submitted()
            .filter(where)
            .filter(counted)
            .values(
                s_month=_month_of("submitted_at"),
                s_region=F("region_id"),
                s_category=F("category"),
                s_begins=TruncDate(begins, tzinfo=china),
                s_ends=TruncDate(ends, tzinfo=china),
                s_paused=Cast(paused, output_field=IntegerField()),
            )
            .order_by()
        )
        sql, params = spans.query.sql_with_params()
        length = "(e.ordinal - b.ordinal - x.s_paused)"
        statement = (
            f"INSERT INTO {target} ({columns}) "  # noqa: S608 - names quoted, values bound
            "SELECT s_month, s_region, s_category, %s, s_days, COUNT(*) FROM ("
            "SELECT x.s_month, x.s_region, x.s_category, "
            f"CASE WHEN {length} < 0 THEN 0 WHEN {length} > {HISTOGRAM_OVERFLOW} "
            f"THEN {HISTOGRAM_OVERFLOW} ELSE {length} END AS s_days "
            f"FROM ({sql}) AS x "
            f"JOIN {days_table} AS b ON b.day = x.s_begins "
            f"JOIN {days_table} AS e ON e.day = x.s_ends"
            ") AS spans GROUP BY s_month, s_region, s_category, s_days"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, (str(stage), *params))
            inserted += max(cursor.rowcount, 0)
    return inserted


def _refresh_permits(today: dt.date) -> tuple[int, bool]:
    """Permits in force today by province and category: replaced when they differ."""
    counted = {
        (row["region_id"], row["category"]): row["n"]
        for row in Permit.objects.filter(state=Permit.State.ACTIVE, valid_until__gte=today)
        .values("region_id", "category")
        .annotate(n=Count("pk"))
        .order_by()
    }
    stored = {(row.region_id, row.category): row.count for row in PermitsInForce.objects.all()}
    if counted == stored:
        return len(counted), False
    PermitsInForce.objects.all().delete()
    PermitsInForce.objects.bulk_create(
        PermitsInForce(region_id=region, category=category, count=n)
        for (region, category), n in sorted(counted.items())
    )
    return len(counted), True


def _changed_pairs(state: StatisticsState) -> Pairs:
    """The (month, province) pairs of what changed since the last refresh: applications
    saved since then, and those the workflow moved (by the state changes after the last
    one read), with the month of their earlier submission when they were submitted again."""
    since = (state.changes_from or timezone.now()) - OVERLAP
    moved = TransitionRecord.objects.filter(
        pk__gt=state.transitions_after, target_model="permits.application"
    )
    moved_ids = moved.annotate(
        application_id=Cast("target_id", output_field=BigIntegerField())
    ).values("application_id")
    pairs: Pairs = defaultdict(set)
    for month, region in (
        _submitted()
        .filter(Q(updated_at__gte=since) | Q(pk__in=moved_ids))
        .values_list(_month_of("submitted_at"), "region_id")
        .distinct()
        .order_by()
    ):
        pairs[_as_date(month)].add(region)
    # Submitted again: the month of the earlier submission loses the application.
    resubmitted = moved.filter(transition="resubmit").values("target_id")
    earlier = TransitionRecord.objects.filter(
        target_model="permits.application",
        target_id__in=resubmitted,
        transition__in=["submit", "resubmit"],
    ).values_list("at", "target_id")
    earlier_rows = list(earlier)
    if earlier_rows:
        regions = dict(
            Application.objects.filter(
                pk__in={int(target) for _at, target in earlier_rows}
            ).values_list("pk", "region_id")
        )
        for at, target in earlier_rows:
            month = timezone.localtime(at, _china()).date().replace(day=1)
            pairs[month].add(regions.get(int(target)))
    return dict(pairs)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value  # type: ignore[no-any-return]


def _transitions_read_up_to(started: dt.datetime, previous: int) -> int:
    """The last state change surely committed: the newest recorded before the overlap."""
    newest = (
        TransitionRecord.objects.filter(at__lt=started - OVERLAP)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return max(previous, newest or 0)


def statistics_refresh(
    *,
    full: bool = False,
    full_after: dt.timedelta | None = None,
    progress: Callable[[str], None] | None = None,
) -> RefreshReport:
    """Bring the summaries up to date (see the module's description). Idempotent; two
    refreshes never run at once (the state row is locked).

    ``full_after``: recompute everything when the last full refresh is older than that
    (the beat task: once a day), so that what no change record reveals (a worker's
    nationality corrected, an application deleted in the admin) is counted right by the
    next day."""
    began = time.monotonic()
    say = progress or (lambda _message: None)
    report = RefreshReport(full=full)

    def step(name: str, since: float) -> float:
        now = time.monotonic()
        report.steps.append((name, now - since))
        say(f"{name}: {now - since:.2f} s")
        return now

    started = timezone.now()
    today = timezone.localdate(started)
    StatisticsState.objects.get_or_create(key=STATE_KEY)
    with transaction.atomic():
        state = StatisticsState.objects.select_for_update().get(key=STATE_KEY)
        if state.refreshed_at is None or (
            full_after is not None
            and (state.full_refreshed_at is None or state.full_refreshed_at < started - full_after)
        ):
            full = report.full = True
        mark = time.monotonic()
        start, end = _calendar_bounds(full, today)
        days = _calendar(start, end)
        digest = _digest(days)
        if digest != state.calendar_digest:
            StatisticsWorkday.objects.all().delete()
            StatisticsWorkday.objects.bulk_create(
                (StatisticsWorkday(day=d, ordinal=o) for d, o in days), batch_size=2000
            )
            if state.calendar_digest:
                say("The working-day calendar changed: everything is recomputed.")
            full = report.full = True
        mark = step(f"calendar {start} to {end}", mark)

        if full:
            MonthlyApplications.objects.all().delete()
            ApplicationRollup.objects.all().delete()
            ProcessingHistogram.objects.all().delete()
            mark = step("summaries emptied", mark)
            report.monthly_rows = _insert_monthly(Q())
            mark = step(f"monthly counts: {report.monthly_rows:,} rows", mark)
            report.rollup_rows = _insert_rollups(Q())
            mark = step(f"rolled up: {report.rollup_rows:,} rows", mark)
            report.histogram_rows = _insert_histograms(Q())
            mark = step(f"processing times: {report.histogram_rows:,} rows", mark)
            report.changed = True
        else:
            pairs = _changed_pairs(state)
            report.pairs = sum(len(regions) for regions in pairs.values())
            mark = step(
                f"changes found: {report.pairs} (month, province) pairs in {len(pairs)} months",
                mark,
            )
            if pairs:
                summaries = _summaries_of(pairs)
                MonthlyApplications.objects.filter(summaries).delete()
                ApplicationRollup.objects.filter(summaries).delete()
                ProcessingHistogram.objects.filter(summaries).delete()
                where = _applications_of(pairs)
                report.monthly_rows = _insert_monthly(where)
                mark = step(f"monthly counts: {report.monthly_rows:,} rows", mark)
                report.rollup_rows = _insert_rollups(summaries)
                mark = step(f"rolled up: {report.rollup_rows:,} rows", mark)
                report.histogram_rows = _insert_histograms(where)
                mark = step(f"processing times: {report.histogram_rows:,} rows", mark)
                report.changed = True

        report.permits_rows, permits_changed = _refresh_permits(today)
        report.changed = report.changed or permits_changed
        mark = step(f"permits in force: {report.permits_rows} rows", mark)

        if full and connection.vendor == "postgresql":
            # Freshly filled tables: give the planner their statistics now (autovacuum
            # would, later), or the pages' sums are planned for a hundred rows.
            with connection.cursor() as cursor:
                for model in (MonthlyApplications, ApplicationRollup, ProcessingHistogram):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            mark = step("planner statistics", mark)

        state.transitions_after = _transitions_read_up_to(started, state.transitions_after)
        state.changes_from = started
        state.refreshed_at = timezone.now()
        if full:
            state.full_refreshed_at = started
        state.calendar_digest = digest
        if report.changed:
            state.version += 1
        state.save()
    report.seconds = time.monotonic() - began
    logger.info(
        "statistics refreshed (%s) in %.1f s: %d pairs, %d monthly rows, %d histogram rows",
        "full" if report.full else "incremental",
        report.seconds,
        report.pairs,
        report.monthly_rows,
        report.histogram_rows,
    )
    return report


# --- Reading: what the sections share -----------------------------------------------------------


def _state(query: StatsQuery) -> StatisticsState | None:
    if "permits_state" not in query.memo:
        query.memo["permits_state"] = StatisticsState.objects.filter(key=STATE_KEY).first()
    return query.memo["permits_state"]  # type: ignore[no-any-return]


def refreshed_at(query: StatsQuery) -> dt.datetime | None:
    state = _state(query)
    return state.refreshed_at if state is not None else None


def version(query: StatsQuery) -> str | None:
    """What the pages may cache the sections under: the summaries change only when a
    refresh changes them (``StatisticsState.version``)."""
    state = _state(query)
    return f"permits-{state.version}" if state is not None else None


ROLLED_UP = {"occupation_group", "nationality"}


def _counts_by(query: StatsQuery, dimension: str) -> dict[Any, dict[str, int]]:
    """The counts summed by one dimension (``month``, ``region``, ``kind``, ``category``,
    ``occupation_group`` or ``nationality``) within the filters, from the rolled-up
    summary; read once per page."""
    key = f"permits_counts:{dimension}"
    if key in query.memo:
        return query.memo[key]  # type: ignore[no-any-return]
    rows = ApplicationRollup.objects.filter(
        dimension=dimension if dimension in ROLLED_UP else ApplicationRollup.Dimension.BASE,
        month__gte=query.month_from,
        month__lte=query.month_to,
        region_id__in=sorted(query.province_ids),
    )
    if query.category:
        rows = rows.filter(category=query.category)
    if query.kind:
        rows = rows.filter(kind=query.kind)
    group = "value" if dimension in ROLLED_UP else dimension
    query.memo[key] = {
        row[group]: {name: int(row[name] or 0) for name in COUNT_FIELDS}
        for row in rows.values(group)
        .annotate(**{name: Sum(name) for name in COUNT_FIELDS})
        .order_by()
    }
    return query.memo[key]  # type: ignore[no-any-return]


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNT_FIELDS, 0)


COUNT_COLUMNS = (
    Column("submitted", _("Submitted")),
    Column("accepted", _("Accepted")),
    Column("information_requested", _("Information requested")),
    Column("approved", _("Approved")),
    Column("rejected", _("Rejected")),
    Column("not_accepted", _("Not accepted")),
    Column("withdrawn", _("Withdrawn")),
)


def _count_table(
    *,
    key: str,
    caption: str,
    row_header: str,
    labelled: list[tuple[str, str]],
    counts: dict[str, dict[str, int]],
    chart: ChartSpec | None,
    note: str = "",
) -> StatTable:
    rows = []
    total = _zero()
    for row_key, label in labelled:
        values = counts.get(row_key, _zero())
        for name in COUNT_FIELDS:
            total[name] += values[name]
        rows.append(Row(str(row_key), label, tuple(values[name] for name in COUNT_FIELDS)))
    rows.append(
        Row("total", gettext("Total"), tuple(total[n] for n in COUNT_FIELDS), is_total=True)
    )
    return StatTable(
        key=key,
        caption=caption,
        row_header=row_header,
        columns=COUNT_COLUMNS,
        rows=tuple(rows),
        chart=chart,
        note=note,
    )


def _category_rows() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Category.choices] + [
        ("", gettext("Not stated"))
    ]


def _kind_rows() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Application.Kind.choices]


def _month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def _occupation_rows() -> list[tuple[str, str]]:
    majors = occupation_list().filter(level=Occupation.Level.MAJOR).order_by("code")
    rows = [(o.code[:1], f"{o.code[:1]} {o.title}") for o in majors]
    known = {code for code, _label in rows}
    rows += [
        (str(d), gettext("Major group %(code)s") % {"code": d})
        for d in range(1, 9)
        if str(d) not in known
    ]
    rows.sort()
    return [*rows, ("", gettext("Not stated"))]


def _province_rows(query: StatsQuery) -> list[tuple[int, str]]:
    return [(p.pk, p.name) for p in query.provinces]


# --- Section: applications -------------------------------------------------------------------


def build_applications(query: StatsQuery) -> list[StatTable]:
    by_month = _counts_by(query, "month")
    tables = [
        _count_table(
            key="applications_by_month",
            caption=gettext("Applications by month of submission"),
            row_header=gettext("Month"),
            labelled=[(m, _month_label(m)) for m in query.months],  # type: ignore[misc]
            counts=by_month,
            chart=ChartSpec(kind="line", series=("submitted", "approved", "rejected")),
        ),
        _count_table(
            key="applications_by_category",
            caption=gettext("Applications by category"),
            row_header=gettext("Category"),
            labelled=_category_rows(),
            counts=_counts_by(query, "category"),
            chart=ChartSpec(series=("submitted", "approved", "rejected")),
        ),
        _count_table(
            key="applications_by_kind",
            caption=gettext("Applications by kind"),
            row_header=gettext("Kind of application"),
            labelled=_kind_rows(),
            counts=_counts_by(query, "kind"),
            chart=ChartSpec(series=("submitted", "approved"), horizontal=True),
        ),
        _count_table(
            key="applications_by_province",
            caption=gettext("Applications by province"),
            row_header=gettext("Province"),
            labelled=_province_rows(query),  # type: ignore[arg-type]
            counts=_counts_by(query, "region"),
            chart=ChartSpec(series=("submitted", "approved"), horizontal=True),
        ),
    ]
    # The public page has no cross tables of the finer dimensions within a province.
    if query.public and query.province is not None:
        return tables
    tables.append(
        _count_table(
            key="applications_by_occupation",
            caption=gettext("Applications by occupation major group"),
            row_header=gettext("Occupation major group"),
            labelled=_occupation_rows(),
            counts=_counts_by(query, "occupation_group"),
            chart=ChartSpec(series=("submitted",), horizontal=True),
        )
    )
    nationality = _counts_by(query, "nationality")
    from django.utils.translation import get_language

    language = get_language() or "zh-hans"
    order = sorted(
        (code for code in nationality if code),
        key=lambda code: (-nationality[code]["submitted"], code),
    )
    labelled = [(code, f"{country_name(code, language)} ({code})") for code in order]
    if "" in nationality:
        labelled.append(("", gettext("Not stated")))
    tables.append(
        _count_table(
            key="applications_by_nationality",
            caption=gettext("Applications by nationality"),
            row_header=gettext("Nationality"),
            labelled=labelled,
            counts=nationality,
            chart=ChartSpec(series=("submitted",), horizontal=True, max_rows=15),
            note=gettext("Most applications first; the chart shows the first 15."),
        )
    )
    return tables


# --- Section: processing times ---------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The time limits in working days, most specific rule first (``clocks.limit``)."""

    rules: tuple[tuple[str, int | None, str, int], ...]  # stage, region, category, days

    def limit(self, stage: str, region: int | None, category: str = "") -> int | None:
        found = [
            (r, c, days)
            for s, r, c, days in self.rules
            if s == stage and r in (region, None) and c in (category, "")
        ]
        if not found:
            return None
        return max(found, key=lambda rule: (rule[0] is not None, rule[1] != ""))[2]

    def expression(self, stage: str) -> Case:
        """The limit of a histogram row's province and category, in SQL."""
        whens = []
        default = 0
        specific = sorted(
            (rule for rule in self.rules if rule[0] == stage),
            key=lambda rule: (rule[1] is None, rule[2] == ""),
        )
        for _stage, region, category, days in specific:
            if region is None and not category:
                default = days  # the national rule: what no other rule covers
                continue
            condition = Q()
            if region is not None:
                condition &= Q(region_id=region)
            if category:
                condition &= Q(category=category)
            whens.append(When(condition, then=Value(days)))
        return Case(*whens, default=Value(default), output_field=IntegerField())


def _limits(query: StatsQuery) -> Limits:
    if "permits_limits" not in query.memo:
        query.memo["permits_limits"] = Limits(
            tuple(
                (stage, region, category, days)
                for stage, region, category, days in ClockRule.objects.filter(
                    stage__in=[Stage.ACCEPTANCE, Stage.DECISION, Stage.OVERALL]
                ).values_list("stage", "region_id", "category", "working_days")
            )
        )
    return query.memo["permits_limits"]  # type: ignore[no-any-return]


def percentile(distribution: dict[int, int], share: float) -> int | None:
    """The nearest-rank percentile of a histogram (``{days: count}``): the smallest value
    with at least ``share`` of the counts at or below it."""
    total = sum(distribution.values())
    if total == 0:
        return None
    import math

    rank = max(1, math.ceil(share * total))
    running = 0
    for days in sorted(distribution):
        running += distribution[days]
        if running >= rank:
            return days
    return None  # pragma: no cover - the loop always reaches the rank


@dataclass
class Distribution:
    counts: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    within: int = 0

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def add(self, days: int, count: int, within: int) -> None:
        self.counts[days] += count
        self.within += within

    def merge(self, other: Distribution) -> None:
        for days, count in other.counts.items():
            self.counts[days] += count
        self.within += other.within


def _histograms(query: StatsQuery, by: str) -> dict[tuple[str, Any], Distribution]:
    """Distributions per stage and ``by`` (``month`` or ``region``), with how many were
    within the limit of their own province and category."""
    key = f"permits_hist:{by}"
    if key in query.memo:
        return query.memo[key]  # type: ignore[no-any-return]
    limits = _limits(query)
    rows = ProcessingHistogram.objects.filter(
        month__gte=query.month_from,
        month__lte=query.month_to,
        region_id__in=sorted(query.province_ids),
    )
    if query.category:
        rows = rows.filter(category=query.category)
    limit_case = Case(
        *(
            When(Q(stage=stage), then=limits.expression(stage))
            for stage in (Stage.ACCEPTANCE, Stage.DECISION, Stage.OVERALL)
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    result: dict[tuple[str, Any], Distribution] = defaultdict(Distribution)
    for stage, group, days, n, within in (
        rows.values_list("stage", by, "days")
        .annotate(n=Sum("count"), within=Sum("count", filter=Q(days__lte=limit_case)))
        .order_by()
    ):
        result[(stage, group)].add(days, int(n), int(within or 0))
    query.memo[key] = result
    return result


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label)


def _reference(query: StatsQuery, stage: str) -> int | None:
    """The limit the chart draws: the chosen province's (else the national rule) for the
    chosen category (else for every category)."""
    region = query.province.pk if query.province is not None else None
    return _limits(query).limit(stage, region, query.category)


TIME_COLUMNS = (
    Column("n", _("Applications decided")),
    Column("median", _("Median (working days)"), DAYS, depends_on=("n",), cap=60),
    Column("p90", _("90th percentile (working days)"), DAYS, depends_on=("n",), cap=60),
    Column("within", _("Within the limit"), RATE, depends_on=("n",)),
)


def _time_values(distribution: Distribution) -> tuple[Any, ...]:
    n = distribution.n
    return (
        n,
        percentile(distribution.counts, 0.5),
        percentile(distribution.counts, 0.9),
        distribution.within / n if n else None,
    )


def build_processing(query: StatsQuery) -> list[StatTable]:
    by_month = _histograms(query, "month")
    tables = []
    summary_rows = []
    for stage in (Stage.ACCEPTANCE, Stage.DECISION, Stage.OVERALL):
        label = _stage_label(stage)
        limit = _reference(query, stage)
        all_months = Distribution()
        rows = []
        for month in query.months:
            distribution = by_month.get((stage, month), Distribution())
            all_months.merge(distribution)
            rows.append(Row(_month_label(month), _month_label(month), _time_values(distribution)))
        rows.append(Row("total", gettext("All months"), _time_values(all_months), is_total=True))
        summary_rows.append(Row(str(stage), label, (*_time_values(all_months), limit)))
        reference_label = gettext("Limit: %(days)s working days") % {"days": limit} if limit else ""
        tables.append(
            StatTable(
                key=f"processing_{stage}_by_month",
                caption=gettext("%(stage)s: working days by month of submission")
                % {"stage": label},
                row_header=gettext("Month"),
                columns=TIME_COLUMNS,
                rows=tuple(rows),
                chart=ChartSpec(
                    kind="line",
                    series=("median", "p90"),
                    unit=gettext("working days"),
                    reference=limit,
                    reference_label=reference_label,
                ),
            )
        )
    note = gettext(
        "Acceptance runs from submission to acceptance or the refusal to accept; the "
        "decision from acceptance to approval or rejection; overall from submission to "
        "the decision. Days an information request stood open are not counted, as the "
        "clocks do not count them. “Within the limit”: the share decided within the "
        "limit of its own province and category (an extension of the overall limit is "
        "not counted). The median and the 90th percentile are nearest-rank values of "
        "the exact distribution; more than 60 working days is shown as “>60”."
    )
    if query.kind:
        note += " " + gettext(
            "Processing times are not broken down by kind of application: they cover every kind."
        )
    tables.insert(
        0,
        StatTable(
            key="processing_stages",
            caption=gettext("Processing time by stage, in working days"),
            row_header=gettext("Stage"),
            columns=(*TIME_COLUMNS, Column("limit", _("Time limit (working days)"), DAYS)),
            rows=tuple(summary_rows),
            note=note,
        ),
    )
    by_region = _histograms(query, "region")
    province_rows = []
    for pk, name in _province_rows(query):
        values: list[Any] = []
        for stage in (Stage.ACCEPTANCE, Stage.DECISION, Stage.OVERALL):
            distribution = by_region.get((stage, pk), Distribution())
            values += [
                percentile(distribution.counts, 0.5),
                percentile(distribution.counts, 0.9),
            ]
        overall = by_region.get((Stage.OVERALL, pk), Distribution())
        province_rows.append(Row(str(pk), name, (overall.n, *values)))
    limit = _reference(query, Stage.OVERALL)
    depends = ("n",)
    tables.append(
        StatTable(
            key="processing_by_province",
            caption=gettext("Processing time by province, in working days"),
            row_header=gettext("Province"),
            columns=(
                Column("n", _("Applications decided")),
                Column("acceptance_median", _("Acceptance, median"), DAYS, depends, 60),
                Column("acceptance_p90", _("Acceptance, 90th percentile"), DAYS, depends, 60),
                Column("decision_median", _("Decision, median"), DAYS, depends, 60),
                Column("decision_p90", _("Decision, 90th percentile"), DAYS, depends, 60),
                Column("overall_median", _("Overall, median"), DAYS, depends, 60),
                Column("overall_p90", _("Overall, 90th percentile"), DAYS, depends, 60),
            ),
            rows=tuple(province_rows),
            chart=ChartSpec(
                series=("overall_median", "overall_p90"),
                unit=gettext("working days"),
                reference=limit,
                reference_label=gettext("Overall limit: %(days)s working days") % {"days": limit}
                if limit
                else "",
                horizontal=True,
            ),
        )
    )
    return tables


# --- Section: information requests and refusals ------------------------------------------------

RATE_COLUMNS = (
    Column("accepted", _("Accepted")),
    Column("information_requested", _("Information requested")),
    Column(
        "information_rate",
        _("Information-request rate"),
        RATE,
        depends_on=("accepted", "information_requested"),
    ),
    Column("decided", _("Applications decided")),
    Column("refused", _("Refused or not accepted")),
    Column("refusal_rate", _("Refusal rate"), RATE, depends_on=("decided", "refused")),
)


def _rate_values(counts: dict[str, int]) -> tuple[Any, ...]:
    decided = counts["approved"] + counts["rejected"] + counts["not_accepted"]
    refused = counts["rejected"] + counts["not_accepted"]
    accepted = counts["accepted"]
    information = counts["information_requested"]
    return (
        accepted,
        information,
        information / accepted if accepted else None,
        decided,
        refused,
        refused / decided if decided else None,
    )


def _rate_table(
    key: str, caption: str, row_header: str, labelled: list[tuple[Any, str]], counts: Any
) -> StatTable:
    total = _zero()
    rows = []
    for row_key, label in labelled:
        values = counts.get(row_key, _zero())
        for name in COUNT_FIELDS:
            total[name] += values[name]
        rows.append(Row(str(row_key), label, _rate_values(values)))
    rows.append(Row("total", gettext("Total"), _rate_values(total), is_total=True))
    return StatTable(
        key=key,
        caption=caption,
        row_header=row_header,
        columns=RATE_COLUMNS,
        rows=tuple(rows),
        chart=ChartSpec(
            series=("information_rate", "refusal_rate"), unit="%", horizontal=len(rows) > 6
        ),
        note=gettext(
            "Information-request rate: accepted applications for which the decision officer "
            "asked for more information. Refusal rate: rejected or not accepted, of all "
            "decided (approved, rejected or not accepted). By month of submission."
        ),
    )


def build_rates(query: StatsQuery) -> list[StatTable]:
    return [
        _rate_table(
            "rates_by_province",
            gettext("Information requests and refusals by province"),
            gettext("Province"),
            _province_rows(query),  # type: ignore[arg-type]
            _counts_by(query, "region"),
        ),
        _rate_table(
            "rates_by_category",
            gettext("Information requests and refusals by category"),
            gettext("Category"),
            _category_rows(),
            _counts_by(query, "category"),
        ),
    ]


# --- Section: permits in force ---------------------------------------------------------------


def build_permits(query: StatsQuery) -> list[StatTable]:
    counts: dict[tuple[int, str], int] = {
        (region, category): n
        for region, category, n in PermitsInForce.objects.filter(
            region_id__in=sorted(query.province_ids)
        ).values_list("region_id", "category", "count")
    }
    categories = [query.category] if query.category else [value for value, _l in Category.choices]
    columns = (
        *(
            Column(value, gettext("Category %(category)s") % {"category": value})
            for value in categories
        ),
        Column("total", _("Total")),
    )
    rows = []
    totals = [0] * (len(categories) + 1)
    for pk, name in _province_rows(query):
        values = [counts.get((pk, category), 0) for category in categories]
        values.append(sum(values))
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        rows.append(Row(str(pk), name, tuple(values)))
    rows.append(Row("total", gettext("Total"), tuple(totals), is_total=True))
    state = _state(query)
    day = (
        timezone.localtime(state.refreshed_at).date()
        if state is not None and state.refreshed_at
        else None
    )
    return [
        StatTable(
            key="permits_in_force",
            caption=gettext("Work permits in force by province and category"),
            row_header=gettext("Province"),
            columns=columns,
            rows=tuple(rows),
            chart=ChartSpec(series=tuple(categories), stacked=True, horizontal=True),
            total_column="total",
            part_columns=tuple(categories),
            note=gettext("Active permits not past their last day, on %(day)s.")
            % {"day": f"{day:%Y-%m-%d}" if day else "-"},
        )
    ]


# --- Registration ----------------------------------------------------------------------------


def register() -> None:
    statistics.register_dimension(
        Dimension("category", _("Category"), lambda: list(Category.choices))
    )
    statistics.register_dimension(
        Dimension("kind", _("Kind of application"), lambda: list(Application.Kind.choices))
    )
    for key, title, order, build, description in (
        (
            "applications",
            _("Applications"),
            10,
            build_applications,
            _("Applications submitted in the months chosen, and where they stand now."),
        ),
        (
            "processing",
            _("Processing times"),
            20,
            build_processing,
            _("Working days each stage took, against the statutory time limits."),
        ),
        (
            "rates",
            _("Information requests and refusals"),
            30,
            build_rates,
            "",
        ),
        ("permits", _("Work permits in force"), 40, build_permits, ""),
    ):
        statistics.register_section(
            StatisticsSection(
                key=f"permits_{key}",
                title=title,
                order=order,
                build=build,
                public=True,
                refreshed_at=refreshed_at,
                version=version,
                description=description,
            )
        )
    demo.register("Statistics", demo_load)


def demo_load(*, stdout: Any, **_: Any) -> None:
    """Demo data: the summaries made from the demo applications (else the statistics
    pages would wait for the first beat run)."""
    report = statistics_refresh(full=True)
    stdout.write(
        f"  statistics: {report.monthly_rows} monthly rows, {report.histogram_rows} "
        f"processing-time rows, {report.permits_rows} permit rows\n"
    )
