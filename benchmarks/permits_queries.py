"""Query plans and timings of the permits lists at scale: the officers' queue and the
employer's list and dashboard, on a database filled by ``manage.py seed_scale``.

Usage (PostgreSQL; see docs/performance.md, "Permits at 1,000,000 applications"):

    createdb -h 127.0.0.1 -U postgres portal_scale
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_scale
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_scale --applications 1000000
    psql "$DATABASE_URL" -c 'VACUUM ANALYZE'
    .venv/bin/python benchmarks/permits_queries.py [--runs 7] [--plans var/plans.md]

Each case calls the real selectors (``permits.selectors.review.application_queue``,
``permits.selectors.applications.employer_applications``, ``permits.dashboard``) as the
pages do, with users made here through ``portal.services`` (an acceptance and a decision
officer of Shanghai, and the administrator of the employer with the most applications),
and cuts pages with ``portal.pagination.page_of`` as the views do. It prints the median
time of a case (the SQL and the building of the rows) over ``--runs`` runs after a warm-up
run, and for each of its queries the time and the shape of ``EXPLAIN (ANALYZE, BUFFERS)``
(the SQL the ORM sent, explained as it was); ``--plans`` writes the whole plans to a file.

The users are named ``scale.bench.*`` and the authority has the address ``SCALE-DATA``:
``seed_scale --delete`` removes them with the data.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PER_PAGE = 25  # the queue's and the employer list's page size
SMALL_MS = 0.5  # queries faster than this are counted, not listed
PLAN_NODE = re.compile(
    r"(Index Only Scan Backward|Index Only Scan|Index Scan Backward|Index Scan|"
    r"Limit|Bitmap Index Scan|(?:Parallel )?Bitmap Heap Scan|(?:Parallel )?Seq Scan|"
    r"(?:Parallel )?Index Scan|Incremental Sort|Sort|"
    r"Hash Join|Merge Join|Nested Loop|HashAggregate|GroupAggregate|Aggregate|Merge Append|"
    r"Append|BitmapOr|Gather Merge|Gather|Unique)"
    r"(?: using (\S+))?(?: on (\S+))?"
)


@dataclass
class Query:
    sql: str
    plan: list[str]

    @property
    def execution_ms(self) -> float:
        for line in self.plan:
            if "Execution Time:" in line:
                return float(line.split(":")[1].split()[0])
        return 0.0

    @property
    def shape(self) -> str:
        """The plan's nodes, in order, with the index (or table) each scan uses; a sort
        says its method (``top-N heapsort``, ``quicksort``, ``external merge``)."""
        nodes: list[str] = []
        for number, line in enumerate(self.plan):
            text = line.strip()
            if number == 0 or text.startswith("->"):
                match = PLAN_NODE.match(text.removeprefix("->").strip())
                if match:
                    name, index, table = match.groups()
                    nodes.append(f"{name} {index or table or ''}".strip())
            elif "Sort Method:" in text and nodes and "(" not in nodes[-1]:
                method = re.split(r"\s{2}|Memory|Disk", text.split("Sort Method:")[1])[0]
                for at in range(len(nodes) - 1, -1, -1):  # the nearest sort above
                    if "Sort" in nodes[at]:
                        nodes[at] += f" ({method.strip().rstrip(':')})"
                        break
        return " > ".join(nodes)

    @property
    def buffers(self) -> str:
        for line in self.plan[:3]:
            if "Buffers:" in line:
                return line.split("Buffers:")[1].strip()
        return ""


@dataclass
class Result:
    name: str
    median_ms: float
    rows: int
    queries: list[Query] = field(default_factory=list)


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def measure(name: str, run: Callable[[], Any], runs: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run()  # warm-up: the same pages are read again, as on a busy server
    times = []
    rows = 0
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
        rows = len(result) if hasattr(result, "__len__") else 0
    with CaptureQueriesContext(connection) as captured:
        run()
    queries = [
        Query(q["sql"], explain(q["sql"]))
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT")
    ]
    return Result(name, statistics.median(times), rows, queries)


# --- The data and the users ------------------------------------------------------------------


def users() -> dict[str, Any]:
    from django.db.models import Count

    from permits.management.commands.seed_scale import MARK, scale_applications
    from portal import services
    from portal.models import Organization, Region, User
    from portal.roles import Role

    if not scale_applications().exists():
        raise SystemExit("No scale data: run manage.py seed_scale --applications N first.")
    shanghai = Region.objects.get(code="310000")
    authority, _created = Organization.objects.get_or_create(
        kind=Organization.Kind.PROVINCIAL_AUTHORITY,
        address=MARK,
        region=shanghai,
        defaults={
            "name_zh": "规模数据上海市人力资源和社会保障局",
            "authority_level": Organization.AuthorityLevel.PROVINCIAL,
        },
    )
    biggest = (
        scale_applications()
        .values("employer_id")
        .annotate(n=Count("id"))
        .order_by("-n", "employer_id")
        .first()
    )
    employer = Organization.objects.get(pk=biggest["employer_id"])  # type: ignore[index]

    def user(username: str, home: Organization, role: str, **scope: Any) -> User:
        found = User.objects.filter(username=username).first()
        if found is None:
            found = services.user_create(
                actor=None,
                username=username,
                email=f"{username}@example.com",
                full_name=username,
                organization=home,
            )
            services.role_grant(actor=None, user=found, role=role, **scope)
        return found

    return {
        "accept": user("scale.bench.accept", authority, Role.ACCEPTANCE_OFFICER, region=shanghai),
        "decide": user("scale.bench.decide", authority, Role.DECISION_OFFICER, region=shanghai),
        "employer_user": user(
            "scale.bench.employer", employer, Role.EMPLOYER_ADMIN, organization=employer
        ),
        "employer": employer,
        "employer_applications": biggest["n"],  # type: ignore[index]
        "shanghai": shanghai,
    }


def fresh(user: Any) -> Any:
    """The user without the grants remembered for a request: each run reads them again."""
    for key in ("_permits_access", "_portal_region_ids", "_portal_role_names"):
        user.__dict__.pop(key, None)
    return user


# --- The cases ---------------------------------------------------------------------------------


def cases(people: dict[str, Any]) -> list[tuple[str, Callable[[], Any]]]:
    from django.db.models import Count, Q
    from django.utils import timezone

    from permits import dashboard
    from permits.management.commands.seed_scale import scale_applications
    from permits.selectors import applications as employer_selectors
    from permits.selectors import permits as permit_selectors
    from permits.selectors import review
    from portal.pagination import page_of

    today = timezone.localdate()
    accept = review.officer_scope(people["accept"])
    decide = review.officer_scope(people["decide"])
    shanghai = people["shanghai"]
    # The Shanghai employer with the most applications, for the queue's employer filter.
    local = (
        scale_applications()
        .filter(region=shanghai)
        .values("employer_id", "employer__uscc", "employer__name_zh")
        .annotate(n=Count("id"))
        .order_by("-n", "employer_id")
        .first()
    )
    assert local is not None
    uscc, name = local["employer__uscc"], local["employer__name_zh"]
    name_part = name[name.index("第") : name.index("号") + 1]  # e.g. 第123号

    def queue(scope: Any, page: int = 1, **filters: Any) -> Callable[[], Any]:
        query = review.QueueFilters(**filters)
        return lambda: page_of(review.application_queue(scope, query), str(page), PER_PAGE)

    def last_page(scope: Any, **filters: Any) -> int:
        rows = review.application_queue(scope, review.QueueFilters(**filters)).count()
        return max(1, min((rows + PER_PAGE - 1) // PER_PAGE, 10_000))

    def keyset(scope: Any, page: int, **filters: Any) -> Callable[[], Any]:
        """The page after the row that ends ``page - 1``, by a cursor on the queue's order
        (due_on nulls last, submitted_at, id) instead of an offset."""
        base = review.application_queue(scope, review.QueueFilters(**filters))
        last = base[(page - 1) * PER_PAGE - 1]
        # (submitted_at, id) > (last's): the first condition bounds the index range, the
        # second leaves out the rows of the same moment already shown.
        after = Q(submitted_at__gte=last.submitted_at) & (
            Q(submitted_at__gt=last.submitted_at) | Q(pk__gt=last.pk)
        )
        if last.due_on is None:
            where = Q(due_on__isnull=True) & after
        else:
            where = (
                Q(due_on__gt=last.due_on) | Q(due_on__isnull=True) | (Q(due_on=last.due_on) & after)
            )
        return lambda: list(base.filter(where)[: PER_PAGE + 1])

    accept_last = last_page(accept)
    decide_last = last_page(decide)
    open_last = last_page(decide, state="open")
    user = people["employer_user"]
    employer_rows = people["employer_applications"]
    employer_deep = max(1, min(employer_rows // PER_PAGE, 400))

    def employer_list(page: int = 1, **filters: Any) -> Callable[[], Any]:
        return lambda: page_of(
            employer_selectors.employer_applications(fresh(user), **filters), str(page), PER_PAGE
        )

    def employer_cursor() -> Callable[[], Any]:
        """The API's cursor (``-updated_at``): the page after 10,000 rows."""
        rows = employer_selectors.employer_applications(fresh(user))
        position = rows[min(employer_rows - 1, 10_000)].updated_at
        return lambda: list(
            employer_selectors.employer_applications(fresh(user)).filter(updated_at__lt=position)[
                :21
            ]
        )

    return [
        ("queue: acceptance, awaiting me, page 1", queue(accept)),
        (f"queue: acceptance, awaiting me, page {accept_last} (last)", queue(accept, accept_last)),
        ("queue: decision, awaiting me, page 1", queue(decide)),
        (f"queue: decision, awaiting me, page {decide_last} (last)", queue(decide, decide_last)),
        ("queue: decision, all open, page 1", queue(decide, state="open")),
        (
            f"queue: decision, all open, page {open_last} (last)",
            queue(decide, open_last, state="open"),
        ),
        ("queue: decision, awaiting me, category A", queue(decide, category="A")),
        ("queue: decision, awaiting me, kind extension", queue(decide, kind="extension")),
        ("queue: decision, awaiting me, employer by USCC", queue(decide, employer=uscc)),
        (
            f"queue: decision, awaiting me, employer name '{name_part}'",
            queue(decide, employer=name_part),
        ),
        ("queue: decision, awaiting me, occupation 2-02", queue(decide, occupation="2-02")),
        ("queue: decision, awaiting me, due by today", queue(decide, due_before=today)),
        ("queue: acceptance, due by today", queue(accept, due_before=today)),
        ("queue: state approved, page 1", queue(decide, state="approved")),
        ("queue: state approved, page 400 (offset 9,975)", queue(decide, 400, state="approved")),
        (
            "queue: state approved, page 4,000 (offset 99,975)",
            queue(decide, 4000, state="approved"),
        ),
        ("queue: state approved, page 4,000 by keyset", keyset(decide, 4000, state="approved")),
        ("queue: state approved, category A", queue(decide, state="approved", category="A")),
        ("queue: state approved, employer by USCC", queue(decide, state="approved", employer=uscc)),
        (
            "queue: state approved, occupation 2-02-10",
            queue(decide, state="approved", occupation="2-02-10"),
        ),
        ("queue: state rejected, kind change", queue(decide, state="rejected", kind="change")),
        ("employer list: page 1", employer_list()),
        (f"employer list: page {employer_deep}", employer_list(employer_deep)),
        ("employer list: API cursor after 10,000 rows", employer_cursor()),
        ("employer list: state approved", employer_list(states=["approved"])),
        ("employer list: state submitted", employer_list(states=["submitted"])),
        ("employer list: kind extension", employer_list(kinds=["extension"])),
        (
            "employer duties alone (permits, letters, drafts)",
            lambda: permit_selectors.employer_duties(people["employer"].pk, today=today),
        ),
        (
            "employer dashboard (counts, owed, duties)",
            lambda: dashboard.employer_context(fresh(user)),
        ),
    ]


# --- Output ------------------------------------------------------------------------------------


def report(results: list[Result], people: dict[str, Any], plans: Path | None) -> None:
    employer = people["employer"]
    print(
        f"\nbiggest employer: {employer.name_zh} (pk {employer.pk}), "
        f"{people['employer_applications']:,} applications"
    )
    print(f"\n{'case':<62} {'median ms':>9}  queries: execution ms, plan")
    for result in results:
        print(f"{result.name:<62} {result.median_ms:>9.1f}")
        small = [q for q in result.queries if q.execution_ms < SMALL_MS]
        for query in result.queries:
            if query.execution_ms >= SMALL_MS or len(small) <= 3:
                print(f"{'':<64}{query.execution_ms:>8.2f}  {query.shape}")
        if len(small) > 3:
            total = sum(q.execution_ms for q in small)
            print(f"{'':<64}{total:>8.2f}  and {len(small)} more queries under {SMALL_MS} ms")
    if plans is None:
        return
    lines = ["# Plans of benchmarks/permits_queries.py", ""]
    for result in results:
        lines += [f"## {result.name}", "", f"median {result.median_ms:.1f} ms", ""]
        for query in result.queries:
            lines += ["```sql", query.sql, "```", "", "```", *query.plan, "```", ""]
    plans.parent.mkdir(parents=True, exist_ok=True)
    plans.write_text("\n".join(lines), encoding="utf-8")
    print(f"\nplans written to {plans}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_scale"),
        help="PostgreSQL URL (default: DATABASE_URL, else the local portal_scale).",
    )
    parser.add_argument("--runs", type=int, default=7, help="Timed runs per case (median).")
    parser.add_argument("--only", default="", help="Only the cases whose name contains this.")
    parser.add_argument("--plans", type=Path, help="Write every plan in full to this file.")
    args = parser.parse_args()
    setup(args.database)
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark needs PostgreSQL (--database or DATABASE_URL).")
    people = users()
    results = []
    for name, run in cases(people):
        if args.only and args.only not in name:
            continue
        results.append(measure(name, run, args.runs))
        print(f"  {name}: {results[-1].median_ms:.1f} ms", file=sys.stderr, flush=True)
    report(results, people, args.plans)
    from django.utils import timezone

    print(f"\nmeasured on {timezone.localdate().isoformat()} with {args.runs} runs per case")


if __name__ == "__main__":
    main()
