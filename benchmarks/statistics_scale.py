"""The statistics at 1,000,000 applications: how long the summaries take to compute (in
full, and after 1,000 applications changed) and how fast the pages that read them answer.

Usage (PostgreSQL, a database of its own; see docs/performance.md, "Statistics at
1,000,000 applications"):

    createdb -h 127.0.0.1 -U postgres portal_stats
    .venv/bin/python benchmarks/statistics_scale.py \\
        --database postgres://postgres@127.0.0.1:5432/portal_stats [--applications 1000000] \\
        [--runs 7] [--cache redis://127.0.0.1:6379/13]
    dropdb -h 127.0.0.1 -U postgres portal_stats

It migrates the database, then fills it fast, in SQL: one template application made by the
test factories (``tests.factories.ApplicationFactory``) is copied by
``INSERT ... SELECT ... FROM generate_series`` with its non-null columns, and with the
columns the statistics read (kind, state, province, category, occupation, worker, the
times of submission, acceptance and decision, the working days paused) drawn from
weighted lists by a hash of the row number, over the two years before today. Workers
(200,000, twenty nationalities), their passports, and the permits of the approved
applications after entry are made the same way. Then ``VACUUM ANALYZE``, and it measures:

1. ``statistics_refresh(full=True)``, with the time of each step;
2. an incremental refresh after 1,000 open applications were decided (their state,
   decision time and ``updated_at`` changed, and a state change recorded for each); the
   same again at once (the last five minutes are always read again); and one after
   nothing changed for longer than that (simulated by moving the refresh's marks);
3. the regulators' page (a ministry reviewer: every province; a Shanghai decision
   officer; the ministry over 24 months for Category B) and the public page, through the
   Django test client: cold (every section built from the summaries: the cache's reads
   made to miss) and warm (from the cache), the median of ``--runs`` requests, and the
   queries of one request.

The data set stays (application numbers ``STATS-``, workers ``STATSBENCH``; state changes
are append-only and cannot be deleted anyway): a second run reuses it. Drop the database.
"""

from __future__ import annotations

import argparse
import os
import statistics as stats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "STATS-"
SURNAME = "STATSBENCH"
WORKERS = 200_000
SPAN_DAYS = 730

PROVINCE_WEIGHTS = {
    "310000": 25,
    "110000": 18,
    "440000": 15,
    "320000": 8,
    "330000": 6,
    "370000": 3,
    "120000": 3,
    "510000": 3,
    "350000": 2,
    "420000": 2,
    "210000": 2,
}
KINDS = (
    ("new", 60),
    ("after_entry", 15),
    ("extension", 10),
    ("change", 5),
    ("cancellation", 5),
    ("short_term", 3),
    ("change_employer", 2),
)
CATEGORIES = (("A", 10), ("B", 60), ("C", 30))
NATIONALITIES = (
    ("USA", 14),
    ("KOR", 12),
    ("JPN", 11),
    ("GBR", 8),
    ("DEU", 7),
    ("FRA", 6),
    ("CAN", 5),
    ("AUS", 4),
    ("RUS", 4),
    ("IND", 4),
    ("SGP", 3),
    ("MYS", 3),
    ("ITA", 3),
    ("ESP", 3),
    ("NLD", 2),
    ("BRA", 2),
    ("ZAF", 2),
    ("NZL", 2),
    ("PHL", 2),
    ("THA", 2),
)
# By age (days since submission): recent ones open, older ones decided.
RECENT_STATES = (
    ("submitted", 20),
    ("returned", 3),
    ("under_review", 35),
    ("information_requested", 7),
    ("not_accepted", 4),
    ("approved", 20),
    ("rejected", 4),
    ("withdrawn", 4),
    ("draft", 3),
)
OLD_STATES = (
    ("approved", 78),
    ("rejected", 9),
    ("withdrawn", 8),
    ("not_accepted", 4),
    ("draft", 1),
)


def setup(database: str, cache: str) -> None:
    os.environ["DATABASE_URL"] = database
    os.environ["CACHE_URL"] = cache
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("CELERY_BROKER_URL", "")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    # Served by the test client: plain static files (no manifest to collect first).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def weighted(pairs: Any, size: int = 100) -> list[Any]:
    """The values repeated by weight into a list of about ``size`` (picked by a hash)."""
    total = sum(w for _v, w in pairs)
    out: list[Any] = []
    for value, weight in pairs:
        out += [value] * max(1, round(weight * size / total))
    return out


def sql_array(values: list[Any]) -> str:
    inner = ",".join(str(v) if isinstance(v, int) else f"'{v}'" for v in values)
    return f"ARRAY[{inner}]"


def pick(values: list[Any], salt: str) -> str:
    """A value of the list chosen by a hash of the row number ``n`` and a salt."""
    return f"({sql_array(values)})[1 + mod(abs(hashtext(n::text || '{salt}')), {len(values)})]"


def timed(label: str, work: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = work()
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


def execute(sql: str, params: Any = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def fill(count: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from catalogs.models import Occupation
    from permits.models import Application
    from portal.models import Organization, Region, User
    from tests.factories import ApplicationFactory, OrganizationFactory, UserFactory, valid_uscc

    if Application.objects.filter(number=f"{PREFIX}{1:09d}").exists():
        print("Reusing the data set already there.")
        return
    print(f"Filling {count:,} applications")
    if not Occupation.objects.filter(level=Occupation.Level.DETAILED).exists():
        from django.apps import apps

        shipped = Path(apps.get_app_config("catalogs").path) / "data" / "occupations-2022.csv"
        timed("occupations", lambda: call_command("import_occupations", str(shipped), verbosity=0))
    provinces = dict(Region.objects.filter(level=Region.Level.PROVINCE).values_list("code", "pk"))
    region_weights = [(pk, PROVINCE_WEIGHTS.get(code, 1)) for code, pk in provinces.items()]
    detailed = list(
        Occupation.objects.filter(level=Occupation.Level.DETAILED).values_list("pk", "code")
    )
    occupation_weights = [
        (pk, 30 if code.startswith("2-02") else 20 if code.startswith("2-08") else 1)
        for pk, code in detailed
    ]
    Application.objects.filter(number=f"{PREFIX}TEMPLATE").delete()
    with transaction.atomic():
        organizations = list(
            Organization.objects.filter(address="STATS-BENCH", kind="employer").order_by("pk")
        )
        organizations += [
            OrganizationFactory(address="STATS-BENCH", uscc=valid_uscc(700_000 + i))
            for i in range(len(organizations), 100)
        ]
        employers = [o.pk for o in organizations]
        user = User.objects.filter(username="stats.bench").first() or UserFactory(
            username="stats.bench", organization=organizations[0]
        )
        template = ApplicationFactory(
            number=f"{PREFIX}TEMPLATE",
            employer=organizations[0],
            created_by=user,
            foreigner__surname=SURNAME,
            state="approved",
        )
    quote = connection.ops.quote_name
    # Workers and their passports.
    foreigner_columns = "surname, given_names, name_zh, sex, date_of_birth, nationality, created_at"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM portal_foreigner")
        first_worker = cursor.fetchone()[0] + 1
    timed(
        f"{WORKERS:,} workers",
        lambda: execute(
            f"INSERT INTO portal_foreigner (id, {foreigner_columns}) "  # noqa: S608
            f"SELECT {first_worker} + n - 1, '{SURNAME}', 'N' || n, '', 'M', DATE '1985-01-01', "
            f"{pick(weighted(NATIONALITIES), 'nat')}, now() "
            f"FROM generate_series(1, {WORKERS}) AS n"
        ),
    )
    timed(
        "passports",
        lambda: execute(
            "INSERT INTO portal_passport (foreigner_id, number, issuing_country, issue_date, "
            "expiry_date, is_current) SELECT id, 'SB' || lpad(id::text, 12, '0'), "
            "nationality, DATE '2020-01-01', DATE '2035-01-01', true FROM portal_foreigner "
            "WHERE surname = %s AND id >= %s",
            [SURNAME, first_worker],
        ),
    )
    execute(
        "SELECT setval(pg_get_serial_sequence('portal_foreigner', 'id'), "
        "(SELECT MAX(id) FROM portal_foreigner))"
    )
    # The applications: the template's non-null columns, the rest drawn per row.
    age = f"(({SPAN_DAYS} * (1 - n::float / {count})))"  # days since submission
    recent = f"{age} < 60"
    submitted = f"(now() - make_interval(secs => ({age} * 86400)::int))"
    state = (
        f"CASE WHEN {recent} THEN {pick(weighted(RECENT_STATES), 'state1')} "
        f"ELSE {pick(weighted(OLD_STATES), 'state2')} END"
    )
    accept_days = "mod(abs(hashtext(n::text || 'acc')), 7)"
    decide_days = "(1 + mod(abs(hashtext(n::text || 'dec')), 20))"
    overrides = {
        "number": f"'{PREFIX}' || lpad(n::text, 9, '0')",
        "kind": pick(weighted(KINDS), "kind"),
        "state": "s.state",
        "employer_id": pick(employers, "emp"),
        "region_id": "s.region",
        "work_region_id": "s.region",
        "foreigner_id": f"{first_worker} + mod(n, {WORKERS})",
        "passport_id": "NULL",
        "occupation_id": pick(weighted(occupation_weights, 400), "occ"),
        "category": pick(weighted(CATEGORIES), "cat"),
        "submitted_at": f"CASE WHEN s.state = 'draft' THEN NULL ELSE {submitted} END",
        "accepted_at": (
            "CASE WHEN s.state IN ('under_review', 'information_requested', 'approved', "
            f"'rejected') THEN LEAST(now(), {submitted} + make_interval(days => {accept_days})) "
            "END"
        ),
        "decided_at": (
            "CASE WHEN s.state IN ('approved', 'rejected', 'not_accepted') THEN LEAST(now(), "
            f"{submitted} + make_interval(days => {accept_days} + {decide_days})) END"
        ),
        "paused_working_days": (
            "CASE WHEN s.state IN ('approved', 'rejected') AND "
            "mod(abs(hashtext(n::text || 'pause')), 10) = 0 "
            "THEN 1 + mod(abs(hashtext(n::text)), 5) "
            "ELSE 0 END"
        ),
        "due_on": "NULL",
        "paused_on": "NULL",
        "created_at": f"{submitted} - interval '1 day'",
        "updated_at": f"LEAST(now(), {submitted} + interval '1 day')",
    }
    fields = [f for f in Application._meta.concrete_fields if f.column != "id"]
    values = Application.objects.filter(pk=template.pk).values(*[f.attname for f in fields])[0]
    columns, expressions = [], []
    for f in fields:
        if f.column in overrides:
            expression = overrides[f.column]
        elif values[f.attname] is not None:
            expression = f"t.{quote(f.column)}"
        else:
            continue
        columns.append(quote(f.column))
        expressions.append(expression)
    region_pick = pick(weighted(region_weights), "region")
    sql = (
        f"INSERT INTO permits_application ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(expressions)} FROM ("
        f"SELECT n, {state} AS state, {region_pick} AS region "
        f"FROM generate_series(1, {count}) AS n) AS s "
        f"CROSS JOIN permits_application AS t WHERE t.id = %s"
    )
    timed(f"{count:,} applications", lambda: execute(sql, [template.pk]))
    # Permits of the approved applications after entry (active for the latest ones only:
    # one active permit per worker).
    timed(
        "permits",
        lambda: execute(
            "INSERT INTO permits_permit (state, foreigner_id, permit_number, employer_id, "
            "region_id, work_region_id, application_id, category, basis, route_code, "
            "route_source, on_salary_commitment, occupation_id, job_title, "
            "annual_salary_cny, passport_id, valid_from, valid_until, end_text_zh, "
            "end_text_en, end_reason, issued_by_id, issued_at) "
            "SELECT CASE WHEN a.number > %s THEN 'active' ELSE 'expired' END, "
            "a.foreigner_id, 'SB' || lpad(a.id::text, 16, '0'), a.employer_id, a.region_id, "
            "a.region_id, a.id, a.category, 'national', 'B-POINTS', 'national:2025', false, "
            "a.occupation_id, 'Engineer', 300000, p.id, a.decided_at::date, "
            "CASE WHEN a.number > %s THEN (now() + interval '1 year')::date "
            "ELSE a.decided_at::date + 365 END, '', '', '', %s, a.decided_at "
            "FROM permits_application a JOIN portal_passport p ON p.foreigner_id = a.foreigner_id "
            "WHERE a.number LIKE %s AND a.state = 'approved' AND a.kind = 'after_entry'",
            [
                f"{PREFIX}{count - WORKERS:09d}",
                f"{PREFIX}{count - WORKERS:09d}",
                user.pk,
                f"{PREFIX}%",
            ],
        ),
    )
    timed("VACUUM ANALYZE", lambda: vacuum())


def vacuum() -> None:
    from django.db import connection

    connection.ensure_connection()
    previous = connection.connection.autocommit
    connection.connection.autocommit = True
    try:
        with connection.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        connection.connection.autocommit = previous


def summary() -> None:
    from django.db.models import Count

    from permits.models import Application, Permit
    from permits.statistics_models import MonthlyApplications, ProcessingHistogram

    apps = Application.objects.filter(number__startswith=PREFIX)
    print(f"  applications: {apps.count():,}")
    states = dict(apps.values_list("state").annotate(n=Count("pk")).order_by())
    print("  by state: " + ", ".join(f"{k} {v:,}" for k, v in sorted(states.items())))
    active = Permit.objects.filter(state="active").count()
    print(f"  permits: {Permit.objects.count():,} ({active:,} active)")
    print(f"  monthly summary rows: {MonthlyApplications.objects.count():,}")
    print(f"  histogram rows: {ProcessingHistogram.objects.count():,}")


def change_applications(n: int) -> None:
    """``n`` open applications under review decided now, as the workflow would record it."""
    from django.db import connection

    from permits.models import Application

    ids = list(
        Application.objects.filter(number__startswith=PREFIX, state="under_review")
        .order_by("-id")
        .values_list("id", flat=True)[:n]
    )
    Application.objects.filter(pk__in=ids).update(
        state="approved", decided_at=_now(), updated_at=_now()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO portal_transitionrecord (workflow, target_model, target_id, "
            "transition, from_state, to_state, at, reason, payload) "
            "SELECT 'permits.application', 'permits.application', id::text, 'approve', "
            "'under_review', 'approved', now(), '', '{}'::jsonb FROM permits_application "
            "WHERE id = ANY(%s)",
            [ids],
        )
    print(f"  {len(ids):,} applications decided")


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


def officer(role: str, region_code: str | None) -> Any:
    from portal import services
    from portal.models import Region, User
    from portal.roles import Role
    from tests.factories import OrganizationFactory, UserFactory

    username = f"stats.bench.{role}"
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    if role == Role.MINISTRY_REVIEWER:
        organization = OrganizationFactory(ministry=True, address="STATS-BENCH")
        user = UserFactory(username=username, organization=organization)
        services.role_grant(actor=None, user=user, role=role)
    else:
        region = Region.objects.get(code=region_code)
        organization = OrganizationFactory(authority=True, region=region, address="STATS-BENCH")
        user = UserFactory(username=username, organization=organization)
        services.role_grant(actor=None, user=user, role=role, region=region)
    return user


def client_for(user: Any) -> Any:
    from django.test import Client

    from portal.middleware import VERIFIED_KEY

    client = Client()
    if user is not None:
        client.force_login(user)
        session = client.session
        session[VERIFIED_KEY] = True
        session.save()
    return client


def measure_page(label: str, client: Any, url: str, runs: int) -> tuple[float, float, int]:
    from unittest import mock

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get() -> float:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        return elapsed

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            get()
        return len(captured)

    # Cold: every section built from the summaries (the cache misses); warm: from it.
    with mock.patch.object(cache, "get", return_value=None):
        cold_count = queries()
        cold = stats.median([get() for _ in range(runs)])
    warm_count = queries()
    warm = stats.median([get() for _ in range(runs)])
    print(
        f"  {label}: cold {cold:.0f} ms ({cold_count} queries), "
        f"warm {warm:.0f} ms ({warm_count} queries)",
        flush=True,
    )
    return cold, warm, cold_count


def measure(runs: int) -> None:
    from permits.statistics import statistics_refresh
    from portal.roles import Role

    print("Full refresh")
    report = statistics_refresh(full=True, progress=lambda m: print(f"    {m}"))
    print(f"  full refresh: {report.seconds:.1f} s")
    summary()
    print("Incremental refresh after 1,000 changed applications")
    change_applications(1000)
    report = statistics_refresh(progress=lambda m: print(f"    {m}"))
    print(f"  incremental refresh: {report.seconds:.1f} s ({report.pairs} pairs)")
    report = statistics_refresh(progress=lambda m: print(f"    {m}"))
    print(
        f"  incremental refresh again at once: {report.seconds:.1f} s "
        f"({report.pairs} pairs: the last {OVERLAP_MINUTES} minutes are read again)"
    )
    quiet_for_a_while()
    report = statistics_refresh(progress=lambda m: print(f"    {m}"))
    print(f"  incremental refresh, nothing changed: {report.seconds:.1f} s")
    print(f"Pages (median of {runs})")
    ministry = client_for(officer(Role.MINISTRY_REVIEWER, None))
    shanghai = client_for(officer(Role.DECISION_OFFICER, "310000"))
    anonymous = client_for(None)
    measure_page("regulators, ministry (31 provinces)", ministry, "/zh-hans/statistics/", runs)
    measure_page("regulators, Shanghai officer", shanghai, "/zh-hans/statistics/", runs)
    measure_page(
        "regulators, ministry, 24 months, category B",
        ministry,
        "/zh-hans/statistics/?month_from=" + _months_ago(23) + "&category=B",
        runs,
    )
    measure_page("public", anonymous, "/zh-hans/statistics/public/", runs)


OVERLAP_MINUTES = 5


def quiet_for_a_while() -> None:
    """As if the refresh before had run more than the overlap ago, with nothing changed
    since (instead of waiting five minutes)."""
    from django.db.models import Max
    from django.utils import timezone

    from permits.statistics_models import StatisticsState
    from portal.models import TransitionRecord

    StatisticsState.objects.update(
        changes_from=timezone.now(),
        transitions_after=TransitionRecord.objects.aggregate(last=Max("pk"))["last"] or 0,
    )
    # Nothing saved since: the applications decided above are older than the overlap.
    execute(
        "UPDATE permits_application SET updated_at = updated_at - interval '10 minutes' "
        "WHERE updated_at > now() - interval '10 minutes'"
    )


def _months_ago(n: int) -> str:
    from django.utils import timezone

    from portal.statistics import add_months

    month = add_months(timezone.localdate().replace(day=1), -n)
    return f"{month:%Y-%m}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="postgres://... (a database of its own)")
    parser.add_argument("--cache", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        parser.error("the benchmark needs PostgreSQL (generate_series, hashtext)")
    setup(args.database, args.cache)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    fill(args.applications)
    measure(args.runs)
    print("Done. The data set stays (a second run reuses it); drop the database when done:")
    print("    dropdb -h <host> -U <user> <database>")


if __name__ == "__main__":
    main()
