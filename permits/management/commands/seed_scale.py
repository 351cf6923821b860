"""Fill the database with a large, realistic set of applications, for benchmarks.

    manage.py seed_scale --applications N [--employers M] [--seed S] [--batch B]
    manage.py seed_scale --delete

Bulk data, written straight into the tables in batches (one transaction each; on
PostgreSQL one prepared ``INSERT`` per table sent for every row in a pipeline, elsewhere
``bulk_create``), not through the services: no history, no audit events, no clocks read
from the calendar (due dates skip weekends only). Every row still satisfies the
database's constraints (unique numbers, one open application per worker, kind and
employer, one active permit per person, dates in order).

What it makes, over the two years before today, the same for the same ``--seed``:

* employers (default one per 100 applications) in provinces weighted toward Shanghai,
  Beijing and Guangdong, with applications spread over them Zipf-like (a few employers
  have tens of thousands, most have a handful);
* applications: Category A 10%, B 60%, C 30%; mostly new (notification letters), then
  work permits after entry, extensions, changes and cancellations; the ones submitted in
  the last weeks mostly open (awaiting acceptance, under review, information requested),
  the older ones decided (approved, rejected, not accepted, withdrawn), some drafts; due
  dates of the open ones around today, some overdue;
* a foreign worker with a passport per application mostly: a work permit after entry is
  made for the worker of an earlier notification letter of the same employer, and an
  extension, change or cancellation for the holder of an earlier permit;
* a notification letter for each approved new or short-term application, and a permit
  for each approved application after entry (cancelled when a cancellation is approved).

Every row is marked: application numbers start with ``SCALE-``, letters with
``SCALE-L``, permit numbers with ``SC``, passports with ``SCALE``, employers have the
address ``SCALE-DATA``, and the one user it needs is ``scale.seed`` (other users whose name
starts with ``scale.``, such as the benchmark's, are removed with it, and so is the
benchmark's authority, also at ``SCALE-DATA``). ``--delete`` removes exactly that data, or
nothing when other data still points at it. Occupations come from the imported
classification; when none is there, the shipped 2022 edition is imported first.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.db.models import (
    Max,
    Model,
    OuterRef,
    ProtectedError,
    Q,
    RestrictedError,
    Subquery,
)
from django.utils import timezone

from catalogs.models import CURRENT_EDITION, Occupation
from permits.models import (
    OPEN_STATES,
    Application,
    Document,
    InformationItem,
    InformationRequest,
    NotificationLetter,
    Permit,
    PermitChange,
    PowerOfAttorney,
)
from portal.identifiers import uscc_check_character
from portal.models import Foreigner, Organization, Passport, Region, User

NUMBER_PREFIX = "SCALE-"
LETTER_PREFIX = "SCALE-L"
PERMIT_PREFIX = "SC"
PASSPORT_PREFIX = "SCALE"
MARK = "SCALE-DATA"  # the employers' address
USERNAME = "scale.seed"
USER_PREFIX = "scale."

MAX_APPLICATIONS = 5_000_000
SHIPPED_CLASSIFICATION = Path("data") / f"occupations-{CURRENT_EDITION}.csv"
BATCH_RANGE = (100, 100_000)
SPAN_DAYS = 730  # applications are spread over the two years before today
PROGRESS_SECONDS = 5.0
ZIPF_EXPONENT = 0.9

S = Application.State
K = Application.Kind

# Share of the applications by province (the rest share 1 each).
PROVINCE_WEIGHTS = {
    "310000": 25,  # Shanghai
    "110000": 18,  # Beijing
    "440000": 15,  # Guangdong
    "320000": 8,  # Jiangsu
    "330000": 6,  # Zhejiang
    "370000": 3,  # Shandong
    "120000": 3,  # Tianjin
    "510000": 3,  # Sichuan
    "350000": 2,  # Fujian
    "420000": 2,  # Hubei
    "210000": 2,  # Liaoning
}
CATEGORY_WEIGHTS = (("A", 10), ("B", 60), ("C", 30))
KIND_WEIGHTS = (
    (K.NEW, 60),
    (K.AFTER_ENTRY, 15),
    (K.EXTENSION, 10),
    (K.CHANGE, 5),
    (K.CANCELLATION, 5),
    (K.SHORT_TERM, 3),
    (K.CHANGE_EMPLOYER, 2),
)
# The state by the age of the application (days since it was started): recent ones are
# mostly open, older ones decided. (upper bound of the age, ((state, weight), ...))
STATE_BY_AGE: tuple[tuple[float, tuple[tuple[str, float], ...]], ...] = (
    (5, ((S.DRAFT, 25), (S.SUBMITTED, 65), (S.RETURNED, 5), (S.WITHDRAWN, 5))),
    (
        15,
        (
            (S.DRAFT, 15),
            (S.SUBMITTED, 25),
            (S.RETURNED, 5),
            (S.UNDER_REVIEW, 40),
            (S.INFORMATION_REQUESTED, 5),
            (S.NOT_ACCEPTED, 3),
            (S.APPROVED, 5),
            (S.WITHDRAWN, 2),
        ),
    ),
    (
        40,
        (
            (S.DRAFT, 8),
            (S.SUBMITTED, 4),
            (S.RETURNED, 3),
            (S.UNDER_REVIEW, 25),
            (S.INFORMATION_REQUESTED, 8),
            (S.NOT_ACCEPTED, 4),
            (S.APPROVED, 38),
            (S.REJECTED, 6),
            (S.WITHDRAWN, 4),
        ),
    ),
    (
        60,
        (
            (S.DRAFT, 5),
            (S.UNDER_REVIEW, 5),
            (S.INFORMATION_REQUESTED, 3),
            (S.NOT_ACCEPTED, 4),
            (S.APPROVED, 70),
            (S.REJECTED, 9),
            (S.WITHDRAWN, 4),
        ),
    ),
    (
        float("inf"),
        (
            (S.DRAFT, 0.5),
            (S.NOT_ACCEPTED, 4),
            (S.APPROVED, 78),
            (S.REJECTED, 9),
            (S.WITHDRAWN, 8.5),
        ),
    ),
)
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
SURNAMES = (  # noqa: SIM905 - a list of names, easier read as text
    "SMITH JOHNSON WILLIAMS BROWN JONES GARCIA MILLER DAVIS KIM LEE PARK CHOI "
    "TANAKA SATO SUZUKI TAKAHASHI MUELLER SCHMIDT SCHNEIDER FISCHER MARTIN BERNARD "
    "DUBOIS THOMAS ROBERT IVANOV SMIRNOV KUZNETSOV SHARMA PATEL SINGH ROSSI RUSSO "
    "FERRARI LOPEZ MARTINEZ SANCHEZ DE JONG JANSEN SILVA SANTOS TAN LIM WONG NGUYEN"
).split()
GIVEN_NAMES = (  # noqa: SIM905 - a list of names, easier read as text
    "JAMES MARY JOHN PATRICIA ROBERT JENNIFER MICHAEL LINDA DAVID ELIZABETH MINJUN "
    "SEOYEON HIROSHI YUKI ANNA MARIA THOMAS SOPHIE LUCAS EMMA IVAN OLGA ARJUN PRIYA "
    "MARCO GIULIA CARLOS LUCIA DAAN SANNE PEDRO ANA WEI MEI OLIVER CHARLOTTE"
).split()
EDUCATION = (("bachelor", 50), ("master", 30), ("doctorate", 8), ("vocational", 7), ("none", 5))
ROUTES = {
    "A": (("salary_multiple", "national:2025"), ("national_talent_programme", "national:2025")),
    "B": (("points", "national:2025"), ("catalog", "national:2025")),
    "C": (("C-quota", "national:2025"), ("C-intern", "national:2025")),
}
SALARY = {"A": (600_000, 3_000_000), "B": (200_000, 800_000), "C": (80_000, 250_000)}
TITLES = {
    "2-02": ("Software Engineer", "Mechanical Engineer", "R&D Engineer", "Chief Engineer"),
    "2-08": ("English Teacher", "Foreign Expert (Teaching)", "Lecturer"),
    "2-06": ("Financial Analyst", "Investment Manager", "Auditor"),
    "1-": ("General Manager", "Chief Representative", "Managing Director"),
}
OTHER_TITLES = ("Designer", "Consultant", "Technical Specialist", "Manager", "Chef")
# Occupations by the start of their code: engineers and teachers are the most common.
OCCUPATION_WEIGHTS = (("2-02", 6), ("2-08", 5), ("2-06", 2), ("1-", 2))
ASSESSMENT = {
    "A": {"category": "A", "route_status": "met", "national_version": "2025", "points": {}},
    "B": {
        "category": "B",
        "route_status": "met",
        "national_version": "2025",
        "points": {"total": 72, "category": "B", "table_version": "2025"},
    },
    "C": {
        "category": "C",
        "route_status": "met",
        "national_version": "2025",
        "points": {"total": 48, "category": "C", "table_version": "2025"},
    },
}
OPEN = frozenset(str(s) for s in OPEN_STATES)


def working_days_after(day: dt.date, days: int) -> dt.date:
    """``days`` working days after ``day``, counting weekends only (bulk data: the holiday
    calendar is not read)."""
    step = 1 if days >= 0 else -1
    left = abs(days)
    while left:
        day += dt.timedelta(days=step)
        if day.weekday() < 5:
            left -= 1
    return day


class Picker:
    """Draws from weighted choices with one random number (cumulative weights)."""

    def __init__(self, rng: random.Random, pairs: Any) -> None:
        self.rng = rng
        self.values = [value for value, _weight in pairs]
        self.cumulative = list(itertools.accumulate(weight for _value, weight in pairs))
        self.total = self.cumulative[-1]

    def __call__(self) -> Any:
        point = self.rng.random() * self.total
        index = bisect.bisect_right(self.cumulative, point)
        return self.values[min(index, len(self.values) - 1)]


@contextmanager
def stored_times_as_given(*fields: tuple[type[Model], str]) -> Iterator[None]:
    """Let ``bulk_create`` store the ``auto_now``/``auto_now_add`` times the data gives
    (an application changed last year, not at the second it was seeded)."""
    saved = []
    for model, name in fields:
        field: Any = model._meta.get_field(name)  # a DateTimeField
        saved.append((field, field.auto_now, field.auto_now_add))
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def insert(model: type[Model], objects: list[Model], batch: int) -> None:
    """Insert the rows: ``bulk_create``, or on PostgreSQL the same rows through one
    prepared ``INSERT`` sent for every row in a pipeline (``executemany``): about 40% less
    Python time than ``bulk_create``'s one statement of thousands of quoted literals."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=batch)
        return
    from psycopg import Cursor
    from psycopg.types.json import Jsonb

    fields = list(model._meta.concrete_fields)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    json = {i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"}
    rows = []
    for obj in objects:
        row = [getattr(obj, f.attname) for f in fields]
        for i in json:
            row[i] = Jsonb(row[i])
        rows.append(row)
    connection.ensure_connection()
    with Cursor(connection.connection) as cursor:  # server-side binding, pipelined
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {marks}", rows)  # noqa: S608


def scale_applications() -> Any:
    return Application.objects.filter(number__startswith=NUMBER_PREFIX)


class Command(BaseCommand):
    help = (
        "Make a large, realistic data set of applications (with employers, workers, "
        "passports, letters and permits) for benchmarks, or remove it with --delete. The "
        "rows are marked (numbers starting SCALE-) and written in bulk, not through the "
        "services."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--applications",
            type=int,
            help=f"How many applications to make (1 to {MAX_APPLICATIONS:,}).",
        )
        parser.add_argument(
            "--employers",
            type=int,
            help="How many employers (default: one per 100 applications, at least 1).",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed: the same seed, the same data."
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=5000,
            help="Applications per batch (one transaction each; default 5000).",
        )
        parser.add_argument(
            "--delete",
            action="store_true",
            help="Remove the scale data (and nothing else); with --applications, seed anew.",
        )

    # --- Entry point ----------------------------------------------------------------------

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options["verbosity"])
        count: int | None = options["applications"]
        delete: bool = options["delete"]
        if count is None and not delete:
            raise CommandError("Say how many: --applications N (or --delete to remove).")
        if count is not None:
            self._check(count, options["employers"], options["batch"])
        if delete:
            try:
                self._delete()
            except (ProtectedError, RestrictedError, DatabaseError) as exc:
                raise CommandError(
                    f"Nothing was removed: something outside the scale data still points at "
                    f"it ({exc})."
                ) from None
        if count is None:
            return
        existing = scale_applications().count()
        if existing:
            raise CommandError(
                f"There are already {existing:,} scale applications: remove them first "
                "with --delete (or add --delete to this command)."
            )
        employers = options["employers"] or max(1, count // 100)
        try:
            self._seed(count, employers, options["seed"], options["batch"])
        except DatabaseError as exc:
            raise CommandError(
                f"The database refused a batch ({exc}); the batches before it are kept: "
                "remove them with --delete."
            ) from None

    def _check(self, count: int, employers: int | None, batch: int) -> None:
        if count < 1:
            raise CommandError(f"--applications must be at least 1, not {count}.")
        if count > MAX_APPLICATIONS:
            raise CommandError(
                f"--applications {count:,} is more than this command makes ({MAX_APPLICATIONS:,})."
            )
        if employers is not None and not 1 <= employers <= count:
            raise CommandError(
                f"--employers must be from 1 to the number of applications ({count:,}), "
                f"not {employers:,}."
            )
        low, high = BATCH_RANGE
        if not low <= batch <= high:
            raise CommandError(f"--batch must be from {low:,} to {high:,}, not {batch:,}.")

    def _say(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stderr.write(message)

    # --- Seeding --------------------------------------------------------------------------

    def _occupations(self) -> list[tuple[int, str]]:
        detailed = Occupation.objects.filter(level=Occupation.Level.DETAILED)
        if not detailed.exists():
            # The classification the catalogs app ships, through its own import command.
            shipped = Path(apps.get_app_config("catalogs").path) / SHIPPED_CLASSIFICATION
            self._say(f"No occupations imported: importing {shipped.name} first.")
            call_command(
                "import_occupations",
                str(shipped),
                edition=CURRENT_EDITION,
                verbosity=0,
                stdout=self.stderr,
            )
        edition = detailed.aggregate(latest=Max("edition"))["latest"]
        rows = list(detailed.filter(edition=edition).order_by("code").values_list("pk", "code"))
        if not rows:
            raise CommandError(
                "No detailed occupations are imported: run manage.py import_occupations "
                "with the classification first."
            )
        return rows

    def _seed(self, count: int, employer_count: int, seed: int, batch: int) -> None:
        started = time.monotonic()
        rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        now = timezone.now()
        today = timezone.localdate()
        occupations = self._occupations()
        provinces = {r.code: r for r in Region.objects.filter(level=Region.Level.PROVINCE)}
        if not provinces:
            raise CommandError("No provinces: run manage.py migrate first.")
        user = self._user()
        employers = self._employers(rng, employer_count, provinces, now)
        self._say(f"{len(employers):,} employers made; now {count:,} applications.")
        generator = Generator(
            rng=rng,
            count=count,
            employers=employers,
            occupations=occupations,
            user_id=user.pk,
            now=now,
            today=today,
        )
        with stored_times_as_given(
            (Application, "created_at"),
            (Application, "updated_at"),
            (Foreigner, "created_at"),
        ):
            done = rows = 0
            last = time.monotonic()
            for chunk in generator.chunks(batch):
                with transaction.atomic():
                    for model in (Foreigner, Passport, Application, NotificationLetter, Permit):
                        insert(model, chunk[model], batch)
                done += len(chunk[Application])
                rows += sum(len(objects) for objects in chunk.values())
                if time.monotonic() - last >= PROGRESS_SECONDS or done == count:
                    last = time.monotonic()
                    elapsed = last - started
                    self._say(
                        f"  {done:,} of {count:,} applications "
                        f"({done / elapsed:,.0f} applications/s, "
                        f"{rows / elapsed:,.0f} rows/s)"
                    )
        self._say("Letters used, permits cancelled, workers' permit numbers...")
        with transaction.atomic():
            if connection.vendor == "postgresql":  # fresh statistics for what follows
                tables = (Foreigner, Passport, Application, NotificationLetter, Permit)
                with connection.cursor() as cursor:
                    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
                    cursor.execute(f"ANALYZE {names}")
            generator.finish()
        self._reset_sequences()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Made {count:,} applications in {elapsed:,.1f} s "
            f"({count / elapsed:,.0f} applications/s, {generator.rows:,} rows in all)."
        )
        for line in generator.summary_lines():
            self.stdout.write(line)

    def _user(self) -> User:
        user = User.objects.filter(username=USERNAME).first()
        if user is None:
            user = User(username=USERNAME, full_name="Scale data", email="")
            user.set_unusable_password()
            user.save()
        return user

    def _employers(
        self,
        rng: random.Random,
        count: int,
        provinces: dict[str, Region],
        now: dt.datetime,
    ) -> list[tuple[int, int]]:
        """The employers as (pk, region pk), in rank order: the first has the most."""
        codes = sorted(provinces)
        pick = Picker(rng, [(code, PROVINCE_WEIGHTS.get(code, 1)) for code in codes])
        first = (Organization.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
        rows = []
        for n in range(count):
            code = pick()
            # 91 (a company) + the province + 9 digits; the numbers do not collide with
            # the ones the tests and the benchmark make (their ninth digit is 0).
            first17 = f"91{code}7{first + n:08d}"
            rows.append(
                Organization(
                    pk=first + n,
                    kind=Organization.Kind.EMPLOYER,
                    name_zh=f"规模数据{provinces[code].name_zh}第{n + 1}号有限公司",
                    name_en=f"Scale Data Employer {n + 1} Co., Ltd.",
                    uscc=first17 + uscc_check_character(first17),
                    region=provinces[code],
                    address=MARK,
                    legal_representative="规模数据",
                    created_at=now - dt.timedelta(days=SPAN_DAYS + rng.randint(30, 3000)),
                )
            )
        with stored_times_as_given((Organization, "created_at")), transaction.atomic():
            Organization.objects.bulk_create(rows, batch_size=5000)
        ranked = [(o.pk, o.region_id) for o in rows]
        rng.shuffle(ranked)  # the biggest employer is not the first row
        return ranked  # type: ignore[return-value]

    def _reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(
            no_style(),
            [Organization, Foreigner, Passport, Application, NotificationLetter, Permit],
        )
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    # --- Deleting -------------------------------------------------------------------------

    def _delete(self) -> None:
        started = time.monotonic()
        applications = scale_applications()
        app_ids = applications.values("pk")
        letters = NotificationLetter.objects.filter(number__startswith=LETTER_PREFIX)
        permits = Permit.objects.filter(application__in=app_ids)
        passports = Passport.objects.filter(number__startswith=PASSPORT_PREFIX)
        workers = Foreigner.objects.filter(pk__in=passports.values("foreigner_id"))
        employers = Organization.objects.filter(address=MARK)  # and the benchmark's authority
        counts = {
            "applications": applications.count(),
            "letters": letters.count(),
            "permits": permits.count(),
            "workers": workers.count(),
            "organizations": employers.count(),
        }
        if not any(counts.values()):
            self.stdout.write("No scale data to remove.")
            self._delete_users()
            return
        self._say("Removing the scale data...")
        with transaction.atomic():
            # The few rows that may hang on the data (made by hand on top of it) go the
            # ordinary way; the bulk goes in one statement per table.
            applications.filter(
                Q(permit__isnull=False) | Q(letter__isnull=False) | Q(copied_from__isnull=False)
            ).update(permit=None, letter=None, copied_from=None)
            PermitChange.objects.filter(
                Q(permit__in=permits.values("pk")) | Q(application__in=app_ids)
            ).delete()
            Permit.end_reasons.through.objects.filter(permit__in=permits.values("pk")).delete()
            permits._raw_delete(permits.db)
            letters._raw_delete(letters.db)
            InformationItem.objects.filter(request__application__in=app_ids).delete()
            InformationRequest.objects.filter(application__in=app_ids).delete()
            Document.objects.filter(application__in=app_ids).delete()
            Application.decision_reasons.through.objects.filter(application__in=app_ids).delete()
            applications._raw_delete(applications.db)
            worker_ids = list(workers.values_list("pk", flat=True))
            for start in range(0, len(worker_ids), 50_000):
                part = worker_ids[start : start + 50_000]
                Passport.objects.filter(foreigner__in=part)._raw_delete(passports.db)
                Foreigner.objects.filter(pk__in=part)._raw_delete(passports.db)
            PowerOfAttorney.objects.filter(
                Q(employer__in=employers) | Q(agency__in=employers)
            ).delete()
            self._delete_users()
            employers.delete()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Removed {counts['applications']:,} applications, {counts['letters']:,} "
            f"letters, {counts['permits']:,} permits, {counts['workers']:,} workers and "
            f"{counts['organizations']:,} organizations in {elapsed:,.1f} s."
        )

    def _delete_users(self) -> None:
        users = User.objects.filter(username__startswith=USER_PREFIX)
        for user in users:
            try:
                with transaction.atomic():
                    user.delete()
            except Exception as exc:  # a user something else still points at (audit)
                self.stderr.write(f"Kept the user {user.username}: {exc}")


class Generator:
    """The data, batch by batch, in the order it happened (ids grow with time)."""

    def __init__(
        self,
        *,
        rng: random.Random,
        count: int,
        employers: list[tuple[int, int]],
        occupations: list[tuple[int, str]],
        user_id: int,
        now: dt.datetime,
        today: dt.date,
    ) -> None:
        self.rng = rng
        self.count = count
        self.user_id = user_id
        self.now = now
        self.today = today
        self.employers = employers
        # The employers come shuffled: the n-th of the list has the n-th largest share.
        self.employer = Picker(
            rng, [(rank, 1 / (rank + 1) ** ZIPF_EXPONENT) for rank in range(len(employers))]
        )
        self.category = Picker(rng, CATEGORY_WEIGHTS)
        self.kind = Picker(rng, KIND_WEIGHTS)
        self.nationality = Picker(rng, NATIONALITIES)
        self.education = Picker(rng, EDUCATION)
        self.states = [(upper, Picker(rng, pairs)) for upper, pairs in STATE_BY_AGE]
        weights = []
        for pk, code in occupations:
            weight = next((w for prefix, w in OCCUPATION_WEIGHTS if code.startswith(prefix)), 1)
            weights.append(((pk, code), weight))
        self.occupation = Picker(rng, weights)
        self.ids: dict[type[Model], int] = {
            model: (model._default_manager.aggregate(last=Max("pk"))["last"] or 0) + 1
            for model in (Foreigner, Passport, Application, NotificationLetter, Permit)
        }
        self.first_ids = dict(self.ids)
        # What later applications of an employer build on.
        self.letters: dict[int, deque[tuple[int, int, int, dt.date]]] = defaultdict(deque)
        self.permits: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        self.open_keys: set[tuple[int, int, str]] = set()
        # Changes to rows of earlier batches, made at the end.
        self.letters_used: dict[dt.date, list[int]] = defaultdict(list)
        self.permits_cancelled: dict[dt.date, list[int]] = defaultdict(list)
        self.counts: Counter[str] = Counter()
        self.rows = 0

    def _next(self, model: type[Model]) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    # --- One application ----------------------------------------------------------------

    def chunks(self, size: int) -> Iterator[dict[Any, list[Any]]]:
        for start in range(0, self.count, size):
            chunk: dict[Any, list[Any]] = {
                Foreigner: [],
                Passport: [],
                Application: [],
                NotificationLetter: [],
                Permit: [],
            }
            for n in range(start, min(start + size, self.count)):
                self._application(n, chunk)
            self.rows += sum(len(rows) for rows in chunk.values())
            yield chunk

    def _worker(self, chunk: dict[Any, list[Any]], started: dt.date) -> tuple[int, int]:
        rng = self.rng
        nationality = self.nationality()
        worker = Foreigner(
            pk=self._next(Foreigner),
            surname=rng.choice(SURNAMES),
            given_names=rng.choice(GIVEN_NAMES),
            sex=rng.choice("FM"),
            date_of_birth=started - dt.timedelta(days=rng.randint(22 * 365, 60 * 365)),
            nationality=nationality,
            created_at=self.now - dt.timedelta(days=(self.today - started).days + 1),
        )
        issued = started - dt.timedelta(days=rng.randint(30, 3000))
        passport = Passport(
            pk=self._next(Passport),
            foreigner_id=worker.pk,
            number=f"{PASSPORT_PREFIX}{worker.pk:010d}",
            issuing_country=nationality,
            issue_date=issued,
            expiry_date=issued + dt.timedelta(days=3652),
        )
        chunk[Foreigner].append(worker)
        chunk[Passport].append(passport)
        self.counts["workers"] += 1
        return worker.pk, passport.pk

    def _state(self, age: float) -> str:
        for upper, pick in self.states:
            if age < upper:
                return str(pick())
        raise AssertionError("unreachable")  # pragma: no cover

    def _at(self, day: dt.date) -> dt.datetime:
        """A moment of office hours on ``day``."""
        moment = dt.datetime.combine(day, dt.time(9), tzinfo=self.now.tzinfo)
        return min(moment + dt.timedelta(seconds=self.rng.randint(0, 9 * 3600)), self.now)

    def _application(self, n: int, chunk: dict[Any, list[Any]]) -> None:
        rng = self.rng
        employer_id, employer_region = self.employers[self.employer()]
        region = employer_region
        if rng.random() < 0.05:  # a job in another province
            region = self.employers[rng.randrange(len(self.employers))][1]
        age = SPAN_DAYS * (1 - n / self.count) + rng.random()
        started = self.today - dt.timedelta(days=int(age))
        kind = str(self.kind())
        state = self._state(age)
        category = str(self.category())

        letter_id = permit_id = None
        worker: tuple[int, int] | None = None
        if kind == K.AFTER_ENTRY:
            pool = self.letters[employer_id]
            while pool and worker is None:
                candidate = pool.popleft()
                if candidate[3] - dt.timedelta(days=182) > started:  # not issued yet
                    pool.appendleft(candidate)
                    break
                if candidate[3] >= started:  # still valid when this one is started
                    letter_id, worker = candidate[0], (candidate[1], candidate[2])
        elif kind in (K.EXTENSION, K.CHANGE, K.CANCELLATION):
            held = self.permits[employer_id]
            if held:
                permit_id, worker_pk, passport_pk = held[rng.randrange(len(held))]
                worker = (worker_pk, passport_pk)
        if worker is None:
            worker = self._worker(chunk, started)
        if state in OPEN:
            key = (employer_id, worker[0], kind)
            if key in self.open_keys:
                state = S.WITHDRAWN  # one open application per worker, kind and employer
            else:
                self.open_keys.add(key)

        occupation_id, code = self.occupation()
        title = next(
            (rng.choice(titles) for prefix, titles in TITLES.items() if code.startswith(prefix)),
            rng.choice(OTHER_TITLES),
        )
        low, high = SALARY[category]
        route_code, route_source = rng.choice(ROUTES[category])
        contract_start = started + dt.timedelta(days=rng.randint(30, 90))
        contract_end = contract_start + dt.timedelta(days=rng.choice((365, 730, 1095)) - 1)
        values: dict[str, Any] = {
            "pk": self._next(Application),
            "number": f"{NUMBER_PREFIX}{n + 1:09d}",
            "kind": kind,
            "state": state,
            "employer_id": employer_id,
            "created_by_id": self.user_id,
            "region_id": region,
            "work_region_id": region,
            "foreigner_id": worker[0],
            "passport_id": worker[1],
            "occupation_id": occupation_id,
            "job_title": title,
            "annual_salary_cny": Decimal(rng.randrange(low, high, 1000)),
            "months_in_china_per_year": Decimal(12),
            "contract_start": contract_start,
            "contract_end": contract_end,
            "education": str(self.education()),
            "experience_years": Decimal(rng.randint(2, 20)),
            "hsk_level": rng.choice((0, 0, 0, 1, 2, 3, 4, 5, 6)),
            "category": category,
            "route_code": route_code,
            "route_source": route_source,
            "permit_id": permit_id,
            "letter_id": letter_id,
            "steps_saved": ["worker", "job", "recognition", "documents"],
        }
        if kind == K.AFTER_ENTRY:
            values["entry_date"] = started - dt.timedelta(days=rng.randint(1, 10))
        if kind == K.CHANGE:
            values["change_kind"] = rng.choice(Application.ChangeKind.values)
            values["change_date"] = started - dt.timedelta(days=rng.randint(1, 8))
        created = self._at(started)
        decided: dt.datetime | None = None
        if state == S.DRAFT:
            values["updated_at"] = min(created + dt.timedelta(hours=rng.randint(0, 72)), self.now)
        else:
            submitted = min(created + dt.timedelta(hours=rng.randint(1, 72)), self.now)
            values["submitted_at"] = submitted
            values["assessment"] = ASSESSMENT[category]
            values["assessed_on"] = submitted.date()
            self._clocks(values, state, submitted)
            decided = values.get("decided_at")
        values["created_at"] = created
        values.setdefault("updated_at", decided or values.get("accepted_at") or created)
        values["updated_at"] = max(values["updated_at"], created)
        chunk[Application].append(Application(**values))
        self.counts[f"state:{state}"] += 1
        self.counts[f"kind:{kind}"] += 1
        self.counts[f"category:{category}"] += 1
        if state == S.APPROVED and decided is not None:
            self._issue(values, chunk, decided.date())

    def _clocks(self, values: dict[str, Any], state: str, submitted: dt.datetime) -> None:
        rng = self.rng
        day = submitted.date()
        values["acceptance_due_on"] = working_days_after(day, 5)
        values["overall_due_on"] = working_days_after(day, 20)
        if state == S.SUBMITTED:
            values["due_on"] = working_days_after(values["acceptance_due_on"], rng.randint(-1, 1))
            return
        if state == S.RETURNED:
            values["updated_at"] = min(submitted + dt.timedelta(days=rng.randint(1, 4)), self.now)
            return
        accepted = min(submitted + dt.timedelta(days=rng.randint(0, 6)), self.now)
        if state in (S.UNDER_REVIEW, S.INFORMATION_REQUESTED, S.APPROVED, S.REJECTED):
            values["accepted_at"] = accepted
            days = 5 if values["category"] == "A" else 10
            values["decision_due_on"] = working_days_after(accepted.date(), days)
        if state in (S.UNDER_REVIEW, S.INFORMATION_REQUESTED):
            values["due_on"] = min(values["decision_due_on"], values["overall_due_on"])
            if state == S.INFORMATION_REQUESTED:
                paused = accepted.date() + dt.timedelta(days=rng.randint(1, 5))
                values["paused_on"] = min(paused, self.today)
            return
        if state == S.WITHDRAWN:
            values["updated_at"] = min(submitted + dt.timedelta(days=rng.randint(1, 20)), self.now)
            return
        # Decided (approved, rejected) or not accepted.
        values["decided_at"] = min(
            (values.get("accepted_at") or submitted) + dt.timedelta(days=rng.randint(1, 14)),
            self.now,
        )

    # --- What approval issues ------------------------------------------------------------

    def _issue(self, values: dict[str, Any], chunk: dict[Any, list[Any]], day: dt.date) -> None:
        rng = self.rng
        kind = values["kind"]
        employer_id = values["employer_id"]
        if kind in (K.NEW, K.SHORT_TERM):
            valid_until = day + dt.timedelta(days=182)
            expired = valid_until < self.today
            letter = NotificationLetter(
                pk=self._next(NotificationLetter),
                number=f"{LETTER_PREFIX}{values['pk']:010d}",
                state=NotificationLetter.State.EXPIRED
                if expired
                else NotificationLetter.State.VALID,
                application_id=values["pk"],
                foreigner_id=values["foreigner_id"],
                employer_id=employer_id,
                region_id=values["region_id"],
                category=values["category"],
                is_short_term=kind == K.SHORT_TERM,
                work_from=values["contract_start"],
                work_until=values["contract_end"],
                issued_on=day,
                valid_until=valid_until,
                issued_by_id=self.user_id,
                ended_on=valid_until + dt.timedelta(days=1) if expired else None,
            )
            chunk[NotificationLetter].append(letter)
            self.counts["letters"] += 1
            if kind == K.NEW and rng.random() < 0.85:  # most workers come and apply
                self.letters[employer_id].append(
                    (letter.pk, values["foreigner_id"], values["passport_id"], valid_until)
                )
        elif kind == K.AFTER_ENTRY:
            months = 60 if values["category"] == "A" else rng.choice((12, 24))
            valid_until = day + dt.timedelta(days=months * 365 // 12)
            expired = valid_until < self.today
            permit = Permit(
                pk=self._next(Permit),
                state=Permit.State.EXPIRED if expired else Permit.State.ACTIVE,
                foreigner_id=values["foreigner_id"],
                permit_number=f"{PERMIT_PREFIX}{values['pk']:016d}",
                employer_id=employer_id,
                region_id=values["region_id"],
                work_region_id=values["work_region_id"],
                application_id=values["pk"],
                letter_id=values["letter_id"],
                category=values["category"],
                basis=Permit.Basis.NATIONAL,
                route_code=values["route_code"],
                route_source=values["route_source"],
                occupation_id=values["occupation_id"],
                job_title=values["job_title"],
                annual_salary_cny=values["annual_salary_cny"],
                passport_id=values["passport_id"],
                valid_from=day,
                valid_until=valid_until,
                contract_end=min(values["contract_end"], valid_until),
                ended_on=valid_until + dt.timedelta(days=1) if expired else None,
                issued_by_id=self.user_id,
                issued_at=values["decided_at"],
            )
            chunk[Permit].append(permit)
            self.counts["permits"] += 1
            if values["letter_id"] is not None:
                self.letters_used[day].append(values["letter_id"])
            if not expired:
                self.permits[employer_id].append(
                    (permit.pk, values["foreigner_id"], values["passport_id"])
                )
        elif kind == K.CANCELLATION and values["permit_id"] is not None:
            self.permits_cancelled[day].append(values["permit_id"])
            held = self.permits[employer_id]
            entry = next((p for p in held if p[0] == values["permit_id"]), None)
            if entry is not None:
                held.remove(entry)

    def finish(self) -> None:
        """What later applications did to the rows of earlier ones."""
        for day, ids in sorted(self.letters_used.items()):
            NotificationLetter.objects.filter(pk__in=ids).update(
                state=NotificationLetter.State.USED, ended_on=day
            )
        for day, ids in sorted(self.permits_cancelled.items()):
            Permit.objects.filter(pk__in=ids).update(state=Permit.State.CANCELLED, ended_on=day)
        self.counts["letters used"] = sum(len(ids) for ids in self.letters_used.values())
        self.counts["permits cancelled"] = sum(
            len(set(ids)) for ids in self.permits_cancelled.values()
        )
        # The person's lifelong number is the one on their permit (one permit each).
        first, end = self.first_ids[Permit], self.ids[Permit]
        for start in range(first, end, 50_000):
            issued = Permit.objects.filter(pk__gte=start, pk__lt=min(start + 50_000, end))
            Foreigner.objects.filter(pk__in=issued.values("foreigner_id")).update(
                permit_number=Subquery(
                    Permit.objects.filter(foreigner_id=OuterRef("pk"))
                    .order_by("-valid_from", "-pk")
                    .values("permit_number")[:1]
                )
            )

    def summary_lines(self) -> list[str]:
        counts = self.counts
        lines = [
            f"Employers: {len(self.employers):,}; workers: {counts['workers']:,}; "
            f"letters: {counts['letters']:,} ({counts['letters used']:,} used); "
            f"permits: {counts['permits']:,} ({counts['permits cancelled']:,} cancelled)."
        ]
        for group in ("state", "kind", "category"):
            parts = sorted(
                (
                    (key.split(":", 1)[1], value)
                    for key, value in counts.items()
                    if key.startswith(group + ":")
                ),
                key=lambda pair: -pair[1],
            )
            lines.append(f"By {group}: " + ", ".join(f"{name} {value:,}" for name, value in parts))
        return lines
