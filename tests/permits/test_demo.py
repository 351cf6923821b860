"""The permits demo data (``seed_demo``): every state an officer or employer should be able
to try exists after a fresh run, made through the services; a second run adds nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from permits.models import (
    Application,
    NotificationLetter,
    Permit,
    PowerOfAttorney,
    QuotaAllocation,
    Registration,
)
from permits.selectors import permits as permit_selectors
from portal import documents
from portal.models import AuditEvent, IssuedDocument, User

pytestmark = pytest.mark.django_db
S = Application.State


@pytest.fixture
def seeded(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", quiet_accounts=True, stdout=StringIO())


def test_the_demo_holds_every_stage_of_the_lifecycle(seeded) -> None:
    today = timezone.localdate()
    states = sorted(Application.objects.values_list("number", "state", "category", "route_code"))
    assert [(state, category, route) for _n, state, category, route in states] == [
        (S.DRAFT, "", ""),
        (S.SUBMITTED, "B", "B-CATALOG"),
        (S.INFORMATION_REQUESTED, "B", "B-DEGREE"),
        (S.APPROVED, "B", "B-DEGREE"),
        (S.APPROVED, "B", "B-DEGREE"),
        (S.APPROVED, "B", "B-DEGREE"),
        (S.REJECTED, "B", "B-DEGREE"),
        (S.UNDER_REVIEW, "A", "A-SALARY"),
        (S.SUBMITTED, "B", "B-DEGREE"),
    ]
    # The Category A application was filed by the agency, with commitment letters.
    high_end = Application.objects.get(category="A")
    assert high_end.commitment_letters is True
    assert high_end.agency is not None
    assert high_end.created_by.username == "agency.agent"
    # One letter waits to be used; the other became a permit now inside its extension window.
    assert sorted(NotificationLetter.objects.values_list("state", flat=True)) == ["used", "valid"]
    permit = Permit.objects.get()
    assert permit.valid_until == today + dt.timedelta(days=60)
    # Every decision issued its documents (rendered once the seeding commits; the test's
    # transaction never does), and the permit's says what the moved record says.
    assert sorted(IssuedDocument.objects.values_list("kind", "state")) == [
        ("permits.grant", "pending"),
        ("permits.grant", "pending"),
        ("permits.grant", "pending"),
        ("permits.letter", "pending"),
        ("permits.letter", "pending"),
        ("permits.permit", "pending"),
        ("permits.rejection", "pending"),
    ]
    card = IssuedDocument.objects.get(kind="permits.permit")
    assert (card.facts["f"], card.facts["u"]) == (
        permit.valid_from.isoformat(),
        permit.valid_until.isoformat(),
    )
    assert documents.thaw(card.context)["permit"]["valid_from"] == permit.valid_from
    duties = permit_selectors.employer_duties(permit.employer, today=today)
    extension = [d for d in duties if d.kind == "extension"]
    assert [(d.permit_id, d.due_on) for d in extension] == [
        (permit.pk, permit.valid_until - dt.timedelta(days=30))
    ]
    assert Registration.objects.get().state == Registration.State.SUBMITTED
    assert PowerOfAttorney.objects.count() == 1
    # Category C places for this year and the next in the three demo provinces.
    assert QuotaAllocation.objects.filter(year__in=(today.year, today.year + 1)).count() == 6
    assert User.objects.get(username="lingang.handler").check_password("portal-demo-2026")
    # Beijing's application waits in Beijing only.
    beijing = Application.objects.get(employer__name_en__startswith="Beijing")
    assert beijing.region.code == "110000"


def test_a_second_run_adds_nothing(seeded) -> None:
    counts = (
        Application.objects.count(),
        Permit.objects.count(),
        Registration.objects.count(),
        AuditEvent.objects.count(),
    )
    call_command("seed_demo", quiet_accounts=True, stdout=StringIO())
    assert (
        Application.objects.count(),
        Permit.objects.count(),
        Registration.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
