"""``manage.py seed_scale``: a large data set for benchmarks, here 200 applications.

The rows go straight into the tables (on PostgreSQL through a prepared INSERT, elsewhere
``bulk_create``), so the tests check what the services would otherwise guarantee: the
counts, the marks, the constraints (the database refuses a row that breaks one; the rules
it cannot state are checked here), the same data for the same seed, and that ``--delete``
removes the scale data and nothing else.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from catalogs.models import Occupation
from permits.models import OPEN_STATES, Application, NotificationLetter, Permit
from portal.models import Foreigner, Organization, Passport, User
from tests.catalogs.conftest import SLICE, create_occupations
from tests.factories import OrganizationFactory, UserFactory

N = 200


def seed(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("seed_scale", *args, stdout=out, stderr=err)
    return out.getvalue()


def distribution() -> list[tuple[object, ...]]:
    """Everything that the seed decides, row by row (ids aside)."""
    return list(
        Application.objects.filter(number__startswith="SCALE-")
        .order_by("number")
        .values_list(
            "number",
            "state",
            "kind",
            "category",
            "region__code",
            "employer__name_en",
            "occupation__code",
            "foreigner__surname",
            "passport__number",
            "due_on",
            "annual_salary_cny",
        )
    )


@pytest.fixture
def occupations(db: None) -> None:
    create_occupations(SLICE)


def test_seed_makes_the_data_within_the_constraints(occupations: None) -> None:
    output = seed("--applications", str(N), "--employers", "5", "--seed", "3")

    applications = Application.objects.filter(number__startswith="SCALE-")
    assert applications.count() == N
    assert f"Made {N} applications" in output
    assert "By state:" in output
    assert Organization.objects.filter(address="SCALE-DATA", kind="employer").count() == 5
    assert set(applications.values_list("employer__address", flat=True)) == {"SCALE-DATA"}
    assert not applications.filter(foreigner__isnull=True).exists()
    assert not applications.filter(passport__isnull=True).exists()
    assert not applications.filter(occupation__isnull=True).exists()
    # Mostly decided, some open, the rest drafts; categories and kinds all there.
    states = dict(applications.values_list("state").annotate(n=Count("id")))
    decided = sum(states.get(s, 0) for s in ("approved", "rejected", "withdrawn", "not_accepted"))
    assert decided > N * 0.7
    assert sum(states.get(s, 0) for s in OPEN_STATES) > 0
    assert set(applications.values_list("category", flat=True)) == {"A", "B", "C"}
    assert {"new", "after_entry", "extension"} <= set(applications.values_list("kind", flat=True))
    # Open ones have a due date (except those returned), decided ones none.
    assert not applications.filter(state__in=["submitted", "under_review"], due_on=None).exists()
    assert not applications.filter(
        state__in=["approved", "rejected"], due_on__isnull=False
    ).exists()
    assert not applications.filter(state="draft", submitted_at__isnull=False).exists()
    # One open application per worker, kind and employer.
    duplicates = (
        applications.filter(state__in=OPEN_STATES)
        .values("employer", "foreigner", "kind")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    # Letters for approved new applications; permits for approved ones after entry, one
    # active per person, the person's lifelong number the permit's.
    letters = NotificationLetter.objects.filter(number__startswith="SCALE-L")
    assert letters.exists()
    assert not letters.exclude(application__state="approved").exists()
    permits = Permit.objects.filter(permit_number__startswith="SC")
    assert permits.exists()
    assert not permits.exclude(application__kind="after_entry").exists()
    active = permits.filter(state="active").values("foreigner").annotate(n=Count("id"))
    assert not active.filter(n__gt=1).exists()
    for permit in permits.select_related("foreigner"):
        assert permit.foreigner.permit_number == permit.permit_number
        assert permit.valid_until >= permit.valid_from
    # Workers: one per application mostly, each with its one current passport.
    workers = Foreigner.objects.filter(passports__number__startswith="SCALE").distinct()
    assert N * 0.5 < workers.count() <= N
    assert Passport.objects.filter(number__startswith="SCALE").count() == workers.count()
    # The rows were given their ids: the next one made the ordinary way gets a free one.
    seeder = User.objects.get(username="scale.seed")
    employer = Organization.objects.filter(kind="employer").first()
    after = Application.objects.create(
        number="WP-2026-0000001", kind="new", employer=employer, created_by=seeder
    )
    assert after.pk > max(applications.values_list("pk", flat=True))


def test_the_same_seed_makes_the_same_data(occupations: None) -> None:
    seed("--applications", str(N), "--seed", "11")
    first = distribution()
    seed("--delete")
    assert not Application.objects.filter(number__startswith="SCALE-").exists()
    seed("--applications", str(N), "--seed", "11")
    assert distribution() == first
    seed("--delete", "--applications", str(N), "--seed", "12")
    assert distribution() != first
    assert len(distribution()) == N


def test_delete_removes_the_scale_data_only(occupations: None) -> None:
    employer = OrganizationFactory()
    person = UserFactory(organization=employer, username="someone")
    worker = Foreigner.objects.create(
        surname="OWN", given_names="WORKER", sex="F", date_of_birth="1990-01-01", nationality="DEU"
    )
    Passport.objects.create(
        foreigner=worker,
        number="C01X00T47",
        issuing_country="DEU",
        issue_date="2022-01-01",
        expiry_date="2032-01-01",
    )
    own = Application.objects.create(
        number="WP-2026-0000001", kind="new", employer=employer, created_by=person
    )
    seed("--applications", str(N), "--employers", "4")
    assert Application.objects.count() == N + 1

    output = seed("--delete")

    assert f"Removed {N} applications" in output
    assert list(Application.objects.all()) == [own]
    assert not NotificationLetter.objects.exists()
    assert not Permit.objects.exists()
    assert list(Foreigner.objects.all()) == [worker]
    assert Passport.objects.get().number == "C01X00T47"
    assert list(Organization.objects.filter(kind="employer")) == [employer]
    assert not User.objects.filter(username__startswith="scale.").exists()
    assert User.objects.filter(username="someone").exists()
    assert "No scale data" in seed("--delete")
    # And it can be made again.
    seed("--applications", "20", "--employers", "2")
    assert Application.objects.count() == 21


def test_occupations_are_imported_when_there_are_none(db: None) -> None:
    assert not Occupation.objects.exists()
    seed("--applications", "10")
    assert Occupation.objects.filter(level=4).count() > 1000
    assert Application.objects.filter(occupation__level=4).count() == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "--applications N"),
        (("--applications", "0"), "at least 1"),
        (("--applications", "-5"), "at least 1"),
        (("--applications", "1000000000"), "more than this command makes"),
        (("--applications", "10", "--employers", "0"), "--employers must be from 1"),
        (("--applications", "10", "--employers", "11"), "--employers must be from 1"),
        (("--applications", "10", "--batch", "5"), "--batch must be from"),
    ],
)
def test_bad_arguments_are_refused(occupations: None, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        seed(*args)
    assert not Application.objects.exists()


def test_seeding_twice_is_refused(occupations: None) -> None:
    seed("--applications", "10")
    with pytest.raises(CommandError, match="already 10 scale applications"):
        seed("--applications", "10")
    assert Application.objects.count() == 10


def test_delete_keeps_everything_when_other_data_points_at_it(occupations: None) -> None:
    seed("--applications", "20", "--employers", "2")
    employer = Organization.objects.filter(address="SCALE-DATA").first()
    UserFactory(organization=employer, username="outsider")  # not one of the scale users
    with pytest.raises(CommandError, match="Nothing was removed"):
        seed("--delete")
    assert Application.objects.filter(number__startswith="SCALE-").count() == 20
    assert Organization.objects.filter(address="SCALE-DATA").count() == 2
