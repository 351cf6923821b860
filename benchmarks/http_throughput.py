"""HTTP throughput of the kernel's hot read paths, measured the way production serves them.

Starts gunicorn (2 sync workers, production settings, persistent connections) against
PostgreSQL and Redis, loads a realistic amount of data, and runs wrk against:

* /healthz                      (database, cache and broker checked on every request)
* /api/v1/regions/              (public reference data, one query)
* /api/v1/organizations/        (an officer's scoped list, token auth, 20 rows of 10,000)
* /zh-hans/                     (the home page, a rendered template)
* /zh-hans/catalogs/ ...          (public catalog pages: overview, a version of 200
                                  entries, an occupation) and the open-data API lists

Usage (needs wrk, PostgreSQL and Redis; `make bench` runs it):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \
    .venv/bin/python benchmarks/http_throughput.py [--seconds 10] [--connections 16]

Numbers are requests per second; they depend on the machine, so compare runs on one
machine. Results of a run are kept in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = 8765
SECRET = "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "DJANGO_SECRET_KEY": SECRET,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": os.environ.get(
                "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench"
            ),
            "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/5"),
            "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/6"),
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "EMAIL_URL": "consolemail://",
            "LOG_LEVEL": "WARNING",
            # One client address sends everything: measure the server, not the throttle.
            "API_THROTTLE_ENABLED": "false",
        }
    )
    return env


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[-1]
    base = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(
        ["psql", base, "-qc", f"CREATE DATABASE {name}"], capture_output=True, check=False
    )


LOAD_DATA = """
from portal import services
from portal.models import Organization, Region, User
from portal.roles import Role
from portal.identifiers import uscc_check_character
from rest_framework.authtoken.models import Token

shanghai = Region.objects.get(code="310000")
existing = Organization.objects.filter(kind="employer").count()
batch = []
for n in range(existing, 10000):
    first17 = f"91310000{n:09d}"
    batch.append(Organization(kind="employer", name_zh=f"基准企业{n}", region=shanghai,
                              uscc=first17 + uscc_check_character(first17)))
Organization.objects.bulk_create(batch, batch_size=2000)
authority, _ = Organization.objects.get_or_create(
    kind="provincial_authority", name_zh="基准人社局",
    defaults={"region": shanghai, "authority_level": "provincial"})
officer = User.objects.filter(username="bench.officer").first()
if officer is None:
    officer = services.user_create(actor=None, username="bench.officer", email="bench@example.com",
                                   full_name="Bench", organization=authority)
    services.role_grant(actor=None, user=officer, role=Role.ACCEPTANCE_OFFICER, region=shanghai)
# The classification and a published Shanghai catalog of 200 entries.
import datetime as dt
from django.utils import timezone
from catalogs.importing import import_shipped_edition
from catalogs.models import CatalogEntry, GuidanceCatalog, Occupation
import_shipped_edition()
if not GuidanceCatalog.objects.filter(region=shanghai, version=1).exists():
    catalog = GuidanceCatalog.objects.create(
        region=shanghai, version=1, title_zh="基准目录", state="published",
        effective_from=dt.date(2026, 1, 1), expires_on=dt.date(2029, 12, 31),
        published_at=timezone.now())
    detailed = Occupation.objects.filter(edition=2022, level=4).order_by("code")[:200]
    CatalogEntry.objects.bulk_create(
        [CatalogEntry(catalog=catalog, occupation=o, min_experience_years=2) for o in detailed])
from django.db import connection
with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give
    cursor.execute("ANALYZE")
print(Token.objects.get_or_create(user=officer)[0].key)
"""


def wrk(url: str, seconds: int, connections: int, header: str | None = None) -> float:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if header:
        command[1:1] = ["-H", header]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{output}")
    return float(match.group(1)) if match else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    env = environment()
    ensure_database(env["DATABASE_URL"])
    python = sys.executable
    print("migrating...", flush=True)
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    print("loading 10,000 organizations...", flush=True)
    token = (
        subprocess.run(
            [python, "manage.py", "shell", "-c", LOAD_DATA],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        base = f"http://127.0.0.1:{PORT}"
        cases = [
            ("/healthz", None),
            ("/api/v1/regions/", None),
            ("/api/v1/organizations/", f"Authorization: Token {token}"),
            ("/zh-hans/", None),
            ("/zh-hans/catalogs/", None),
            ("/zh-hans/catalogs/310000/v1/", None),
            ("/zh-hans/occupations/2-02-10-03/", None),
            ("/api/v1/occupations/", None),
            ("/api/v1/catalogs/", None),
        ]
        print(f"\n{'path':<28} requests/s  ({args.connections} connections, {args.seconds} s)")
        for path, header in cases:
            rate = wrk(base + path, args.seconds, args.connections, header)
            print(f"{path:<28} {rate:>10.0f}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
