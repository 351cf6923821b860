"""End-to-end throughput of document production, and a worker killed mid-render.

Usage (PostgreSQL and Redis running; a database migrated and seeded with the demo, whose
first Notification Letter serves as the content of every benchmark document):

    createdb -h 127.0.0.1 -U postgres portal_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench
    export CELERY_BROKER_URL=redis://127.0.0.1:6379/5
    .venv/bin/python manage.py migrate && CELERY_BROKER_URL= .venv/bin/python manage.py seed_demo
    .venv/bin/python benchmarks/documents_worker.py [--documents 120] [--concurrency 2]
    .venv/bin/python benchmarks/documents_worker.py --kill      # the crash drill

Throughput: starts ``celery -A portal worker --concurrency N`` (prefork, as in
production), waits until it answers a ping, then creates ``--documents`` pending
Notification Letters (copies of the demo letter's frozen content under numbers
``BENCH-…``) in one transaction whose commit queues them, exactly as a decision does, and
polls until every one is stored. It prints documents per minute from the commit to the
last file stored, and the median and 90th percentile of enqueue-to-stored latency.

Crash drill (``--kill``): queues the documents, sends SIGKILL to the whole worker (the
pool's children too) while renders are running, checks that no document is half-stored
(each is pending with no file, or ready with its file and hash), starts a new worker,
runs the sweeper as beat would (with the cutoff at now), and checks that every document
ends ready with exactly one file at its path whose SHA-256 matches the row.

The benchmark's rows and files are removed at the end (``--keep`` keeps them).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from portal import documents  # noqa: E402
from portal.celery import app as celery_app  # noqa: E402
from portal.models import IssuedDocument  # noqa: E402

PREFIX = "BENCH-"


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def start_worker(concurrency: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.local"}
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "portal",
            "worker",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if celery_app.control.ping(timeout=0.5):
            return process
    process.kill()
    raise SystemExit("the worker did not answer a ping within 60 s")


def stop_worker(process: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    process.wait(timeout=60)


def create(count: int) -> list[int]:
    template = IssuedDocument.objects.filter(kind="permits.letter").order_by("pk").first()
    if template is None:
        raise SystemExit("no Notification Letter in this database: run manage.py seed_demo")
    now = timezone.now()
    with transaction.atomic():
        rows = [
            IssuedDocument(
                kind=template.kind,
                number=f"{PREFIX}{i:06d}",
                version=1,
                subject_type_id=template.subject_type_id,
                subject_id=10**12 + i,
                region_id=template.region_id,
                employer_id=template.employer_id,
                issued_on=template.issued_on,
                context=template.context,
                facts=template.facts,
                queued_at=now,
            )
            for i in range(count)
        ]
        created = IssuedDocument.objects.bulk_create(rows)
        ids = [row.pk for row in created]
        for pk in ids:
            documents._enqueue(pk)
    return ids


def wait(ids: list[int], timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = IssuedDocument.objects.filter(pk__in=ids).exclude(state="ready").count()
        log(f"  {len(ids) - left}/{len(ids)} stored")
        if not left:
            return time.monotonic()
        time.sleep(1)
    raise SystemExit("not every document was stored in time")


def check_whole(ids: list[int]) -> tuple[int, int]:
    """(ready, pending) after a crash; raises if anything is half-stored."""
    ready = pending = 0
    for document in IssuedDocument.objects.filter(pk__in=ids):
        if document.state == "ready":
            data = document.file.read()
            document.file.close()
            assert hashlib.sha256(data).hexdigest() == document.sha256, document.number
            ready += 1
        else:
            assert document.state == "pending", document.number
            assert not document.sha256, document.number
            assert not document.file, document.number
            pending += 1
    return ready, pending


def check_files(ids: list[int]) -> None:
    storage = IssuedDocument._meta.get_field("file").storage  # type: ignore[attr-defined]
    _, names = storage.listdir("issued/permits.letter")
    bench = sorted(name for name in names if name.startswith(PREFIX))
    expected = sorted(f"{PREFIX}{i:06d}-v1.pdf" for i in range(len(ids)))
    assert bench == expected, f"files on disk: {len(bench)}, expected {len(expected)}"
    check_whole(ids)


def cleanup(ids: list[int]) -> None:
    for document in IssuedDocument.objects.filter(pk__in=ids):
        if document.file:
            document.file.delete(save=False)
    IssuedDocument.objects.filter(pk__in=ids).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=120)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--kill", action="store_true", help="the crash drill")
    parser.add_argument("--keep", action="store_true", help="keep the rows and files")
    args = parser.parse_args()
    if settings.CELERY_TASK_ALWAYS_EAGER:
        raise SystemExit("set CELERY_BROKER_URL: this measures a real worker")
    if IssuedDocument.objects.filter(number__startswith=PREFIX).exists():
        raise SystemExit("rows of an earlier run are left: delete numbers BENCH-… first")
    worker = start_worker(args.concurrency)
    ids: list[int] = []
    try:
        started = time.monotonic()
        ids = create(args.documents)
        if not args.kill:
            finished = wait(ids, timeout=max(120, args.documents * 5))
            elapsed = finished - started
            latencies = [
                (d.rendered_at - d.queued_at).total_seconds()
                for d in IssuedDocument.objects.filter(pk__in=ids)
            ]
            check_files(ids)
            print(
                f"{args.documents} documents, concurrency {args.concurrency}: "
                f"{elapsed:.1f} s, {args.documents / elapsed * 60:.0f} documents/minute; "
                f"latency median {statistics.median(latencies):.1f} s, "
                f"p90 {statistics.quantiles(latencies, n=10)[-1]:.1f} s"
            )
            return
        time.sleep(2.5)
        stop_worker(worker, kill=True)
        ready, pending = check_whole(ids)
        log(f"killed the worker: {ready} ready, {pending} pending, none half-stored")
        worker = start_worker(args.concurrency)
        queued = documents.documents_sweep(now=timezone.now() + documents.dt.timedelta(days=1))
        log(f"the sweeper queued {len(queued)} documents again")
        wait(ids, timeout=max(120, args.documents * 5))
        check_files(ids)
        print(
            f"crash drill: {ready} stored before the kill, {pending} pending after it; "
            f"all {len(ids)} stored once after the restart and the sweep"
        )
    finally:
        stop_worker(worker)
        if ids and not args.keep:
            cleanup(ids)


if __name__ == "__main__":
    main()
