"""The filing lifecycle as it applies to Guidance Catalogs, at the service level
(``portal.filings`` and ``catalogs.services``).

* every transition, allowed and refused, for every role: only the province's drafters
  consult, file, recall, revise and publish; only ministry reviewers start reviews, approve
  and return; both may withdraw; a refusal changes nothing (state, timestamps, no state
  change recorded, no audit event);
* the automatic transitions (supersede, lapse) are the system's alone;
* the guards: validity of 3 to 5 years, effective dates in the past, an empty catalog,
  unanswered comments, reasons;
* overlap: a new version supersedes the one in force at its effective date, two published
  versions never overlap (checked by the service, and on PostgreSQL by the database too,
  also when two drafters publish at the same moment);
* lapse: read at once from the dates, made durable by the daily task, which also reminds
  the drafters 90 and 30 days before and at expiry.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext

from catalogs.models import CatalogComment, CatalogInvitation, GuidanceCatalog
from catalogs.registration import WORKFLOW_NAME
from catalogs.selectors import (
    catalog_entry_in_force,
    catalog_in_force,
    provinces_with_catalogs,
)
from catalogs.services import catalog_update, entry_save
from portal.filings import (
    FilingError,
    add_years,
    consultation_answer,
    consultation_comment,
    consultation_open,
    filing_transition,
    filings_daily,
    kind_of,
)
from portal.models import (
    AuditEvent,
    FilingReminder,
    Notification,
    Region,
    TransitionRecord,
    User,
)
from portal.models.filing import FilingState, FilingStatus
from portal.roles import Role
from portal.workflow import GuardFailed, TransitionNotAllowed, TransitionPermissionDenied
from tests.catalogs.conftest import make_catalog
from tests.factories import OrganizationFactory, RoleHelper

pytestmark = pytest.mark.django_db

S = FilingState
SOFTWARE = "2-02-10-03"
AI = "2-02-10-09"
LABEL = "catalogs.guidancecatalog"


# --- Helpers -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    """Refusal messages are compared in English (the source language)."""
    with translation.override("en"):
        yield


def today() -> dt.date:
    return timezone.localdate()


def three_years(start: dt.date) -> dt.date:
    """The last day of a validity of exactly three years from ``start``."""
    return add_years(start, 3) - dt.timedelta(days=1)


START = dt.timedelta(days=30)  # the effective date of test catalogs: 30 days from today


def shanghai() -> Region:
    return Region.objects.get(code="310000")


def last_seq() -> int:
    return AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0


def actions_since(seq: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(seq__gt=seq).order_by("seq").values_list("action", flat=True)
    )


def records(catalog: GuidanceCatalog) -> list[tuple[str, str, str, int | None, str]]:
    return list(
        TransitionRecord.objects.filter(target_model=LABEL, target_id=str(catalog.pk))
        .order_by("at", "pk")
        .values_list("transition", "from_state", "to_state", "actor_id", "reason")
    )


def snapshot(catalog: GuidanceCatalog) -> dict[str, Any]:
    return GuidanceCatalog.objects.filter(pk=catalog.pk).values().get()


def fresh(catalog: GuidanceCatalog) -> GuidanceCatalog:
    return GuidanceCatalog.objects.get(pk=catalog.pk)


def ready(
    state: str,
    occupations: Any,
    *,
    region_code: str = "310000",
    start: dt.date | None = None,
    end: dt.date | None = None,
    **kwargs: Any,
) -> GuidanceCatalog:
    """A catalog in ``state`` that passes every guard of the transitions leaving it: one
    entry, a valid period starting in 30 days, an invited organization and a deadline."""
    start = start or today() + START
    catalog = make_catalog(
        region_code,
        state=state,
        effective_from=start,
        expires_on=end or three_years(start),
        entries={SOFTWARE: {"min_education": "bachelor"}},
        occupations=occupations,
        **kwargs,
    )
    association = OrganizationFactory(association=True)
    inviter = RoleHelper().user(Role.STANDARDS_DRAFTER, region_code=region_code)
    CatalogInvitation.objects.create(catalog=catalog, organization=association, invited_by=inviter)
    GuidanceCatalog.objects.filter(pk=catalog.pk).update(
        consultation_deadline=today() + dt.timedelta(days=10)
    )
    return fresh(catalog)


# Every person the matrix asks, as a function of the ``roles`` fixture.
PEOPLE: dict[str, Callable[[RoleHelper], Any]] = {
    "shanghai_drafter": lambda r: r.user(Role.STANDARDS_DRAFTER, region_code="310000"),
    "guangdong_drafter": lambda r: r.user(Role.STANDARDS_DRAFTER, region_code="440000"),
    "shanghai_officer": lambda r: r.user(Role.ACCEPTANCE_OFFICER, region_code="310000"),
    "reviewer": lambda r: r.user(Role.MINISTRY_REVIEWER),
    "site_admin": lambda r: r.user(Role.SITE_ADMIN),
    "superuser": lambda r: r.user(Role.SITE_ADMIN, is_superuser=True, is_staff=True),
    "stakeholder": lambda r: r.user(Role.STAKEHOLDER, region_code="310000"),
    "employer_admin": lambda r: r.user(Role.EMPLOYER_ADMIN),
}

DRAFTER = frozenset({"shanghai_drafter"})
REVIEWER = frozenset({"reviewer"})

# (transition, source state, target state, who may, stamped timestamp, reason needed)
TRANSITIONS: list[tuple[str, str, str, frozenset[str], str | None, bool]] = [
    ("open_consultation", S.DRAFT, S.CONSULTATION, DRAFTER, None, False),
    ("close_consultation", S.CONSULTATION, S.DRAFT, DRAFTER, None, False),
    ("submit", S.DRAFT, S.SUBMITTED, DRAFTER, "submitted_at", False),
    ("submit", S.CONSULTATION, S.SUBMITTED, DRAFTER, "submitted_at", False),
    ("recall", S.SUBMITTED, S.DRAFT, DRAFTER, None, True),
    ("start_review", S.SUBMITTED, S.UNDER_REVIEW, REVIEWER, None, False),
    ("approve", S.UNDER_REVIEW, S.APPROVED, REVIEWER, "approved_at", False),
    ("return", S.UNDER_REVIEW, S.RETURNED, REVIEWER, None, True),
    ("revise", S.RETURNED, S.DRAFT, DRAFTER, None, False),
    ("publish", S.APPROVED, S.PUBLISHED, DRAFTER, "published_at", False),
    ("withdraw", S.APPROVED, S.WITHDRAWN, DRAFTER | REVIEWER, "withdrawn_at", True),
    ("withdraw", S.PUBLISHED, S.WITHDRAWN, DRAFTER | REVIEWER, "withdrawn_at", True),
]

MATRIX = [
    pytest.param(person, *t, id=f"{t[0]}-from-{t[1]}-by-{person}")
    for t in TRANSITIONS
    for person in PEOPLE
]


def test_the_matrix_covers_every_transition_offered_to_people():
    workflow = kind_of(GuidanceCatalog).workflow
    offered = {(t.name, s) for t in workflow.transitions if not t.automatic for s in t.source}
    assert offered == {(name, source) for name, source, *_ in TRANSITIONS}
    assert {t.name for t in workflow.transitions if t.automatic} == {"supersede", "lapse"}


# --- Every transition, by every role ----------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "transition", "source", "target", "allowed", "stamp", "needs_reason"), MATRIX
)
def test_transition_by_role(
    roles, occupations, person, transition, source, target, allowed, stamp, needs_reason
):
    actor = PEOPLE[person](roles)
    catalog = ready(source, occupations)
    before = snapshot(catalog)
    seq = last_seq()
    reason = "Entry 2-02-10-03 needs a salary threshold." if needs_reason else ""

    if person not in allowed:
        with pytest.raises(TransitionPermissionDenied) as refused:
            filing_transition(actor=actor, filing=catalog, transition=transition, reason=reason)
        assert refused.value.code == "permission_denied"
        assert snapshot(catalog) == before
        assert records(catalog) == []
        assert actions_since(seq) == []
        return

    done = filing_transition(actor=actor, filing=catalog, transition=transition, reason=reason)

    after = snapshot(catalog)
    assert done.state == target
    assert after["state"] == target
    assert records(catalog) == [(transition, source, target, actor.pk, reason)]
    assert actions_since(seq) == [f"{WORKFLOW_NAME}.{transition}"]
    event = AuditEvent.objects.get(seq=seq + 1)
    assert (event.actor_id, event.target_model, event.target_id) == (
        actor.pk,
        LABEL,
        str(catalog.pk),
    )
    assert event.data["from"] == source
    assert event.data["to"] == target
    stamps = {"submitted_at", "approved_at", "published_at", "withdrawn_at"}
    for name in stamps:
        if name == stamp:
            assert after[name] is not None, name
            assert after[name] != before[name], name
        else:
            assert after[name] == before[name], name
    unchanged = set(before) - stamps - {"state", "updated_at"}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


def test_consultation_open_is_for_the_provinces_drafters_only(roles, occupations, stakeholder):
    catalog = make_catalog(entries={SOFTWARE: {}}, occupations=occupations)
    people = [PEOPLE[p](roles) for p in ("guangdong_drafter", "reviewer", "stakeholder")]
    people.append(PEOPLE["superuser"](roles))
    before = snapshot(catalog)
    seq = last_seq()
    for actor in people:
        with pytest.raises(TransitionPermissionDenied):
            consultation_open(
                actor=actor,
                filing=catalog,
                organizations=[stakeholder.organization],
                deadline=today() + dt.timedelta(days=14),
            )
    assert snapshot(catalog) == before
    assert CatalogInvitation.objects.filter(catalog=catalog).count() == 0
    assert actions_since(seq) == []


@pytest.mark.parametrize("automatic", ["supersede", "lapse"])
@pytest.mark.parametrize("person", list(PEOPLE))
def test_automatic_transitions_are_refused_to_every_person(roles, occupations, person, automatic):
    actor = PEOPLE[person](roles)
    catalog = make_catalog(
        state=S.PUBLISHED,
        effective_from=today() - dt.timedelta(days=3 * 365),
        expires_on=today() - dt.timedelta(days=1),
        superseded_on=today(),
        entries={SOFTWARE: {}},
        occupations=occupations,
    )
    before = snapshot(catalog)
    seq = last_seq()

    with pytest.raises(TransitionPermissionDenied) as through_service:
        filing_transition(actor=actor, filing=catalog, transition=automatic)
    assert through_service.value.message == "This change is made by the system."
    with pytest.raises(TransitionPermissionDenied):
        kind_of(catalog).workflow.run(catalog, automatic, actor=actor)

    assert snapshot(catalog) == before
    assert records(catalog) == []
    assert actions_since(seq) == []


@pytest.mark.parametrize(
    ("transition", "state", "person"),
    [
        ("approve", S.DRAFT, "reviewer"),
        ("approve", S.SUBMITTED, "reviewer"),
        ("return", S.APPROVED, "reviewer"),
        ("start_review", S.UNDER_REVIEW, "reviewer"),
        ("submit", S.SUBMITTED, "shanghai_drafter"),
        ("submit", S.RETURNED, "shanghai_drafter"),
        ("publish", S.UNDER_REVIEW, "shanghai_drafter"),
        ("publish", S.PUBLISHED, "shanghai_drafter"),
        ("recall", S.UNDER_REVIEW, "shanghai_drafter"),
        ("revise", S.DRAFT, "shanghai_drafter"),
        ("open_consultation", S.SUBMITTED, "shanghai_drafter"),
        ("close_consultation", S.DRAFT, "shanghai_drafter"),
        ("withdraw", S.SUBMITTED, "reviewer"),
        ("withdraw", S.WITHDRAWN, "shanghai_drafter"),
    ],
)
def test_wrong_state_is_refused_and_changes_nothing(roles, occupations, transition, state, person):
    catalog = ready(state, occupations)
    actor = PEOPLE[person](roles)
    before = snapshot(catalog)
    seq = last_seq()
    workflow = kind_of(catalog).workflow

    with pytest.raises(TransitionNotAllowed) as refused:
        filing_transition(actor=actor, filing=catalog, transition=transition, reason="Because.")

    assert refused.value.message == (
        f"“{workflow.get(transition).label}” is not possible while the record is "
        f"{workflow.state_label(state)}."
    )
    assert refused.value.status == 409
    assert snapshot(catalog) == before
    assert records(catalog) == []
    assert actions_since(seq) == []


def test_unknown_transition_is_refused(occupations, reviewer):
    catalog = ready(S.SUBMITTED, occupations)
    with pytest.raises(TransitionNotAllowed) as refused:
        filing_transition(actor=reviewer, filing=catalog, transition="rubber_stamp")
    assert refused.value.message == "There is no action called “rubber_stamp”."


# --- Guards --------------------------------------------------------------------------------------


def assert_refused(
    catalog: GuidanceCatalog, actor: User, transition: str, message: str, reason: str = ""
) -> None:
    before = snapshot(catalog)
    recorded = records(catalog)
    seq = last_seq()
    with pytest.raises(GuardFailed) as refused:
        filing_transition(actor=actor, filing=catalog, transition=transition, reason=reason)
    assert refused.value.message == message
    assert refused.value.status == 422
    assert snapshot(catalog) == before
    assert records(catalog) == recorded
    assert actions_since(seq) == []


def validity_message(start: dt.date, shortest: dt.date, longest: dt.date) -> str:
    return (
        f"Validity must be 3 to 5 years: from {start.isoformat()} the last day of validity "
        f"lies between {shortest.isoformat()} and {longest.isoformat()}."
    )


@pytest.mark.parametrize(
    ("years", "days", "accepted"),
    [
        (3, -1, True),  # exactly three years
        (3, -2, False),  # a day short
        (4, 100, True),
        (5, -1, True),  # exactly five years
        (5, 0, False),  # a day too long
    ],
)
def test_validity_from_three_to_five_years(occupations, drafter, years, days, accepted):
    start = today() + START
    end = add_years(start, years) + dt.timedelta(days=days)
    catalog = ready(S.DRAFT, occupations, start=start, end=end)

    if accepted:
        assert filing_transition(actor=drafter, filing=catalog, transition="submit").state == (
            S.SUBMITTED
        )
        return
    assert_refused(
        catalog,
        drafter,
        "submit",
        validity_message(start, three_years(start), add_years(start, 5) - dt.timedelta(days=1)),
    )


def next_29_february() -> dt.date:
    year = today().year + 1
    while not calendar.isleap(year):
        year += 1
    return dt.date(year, 2, 29)


def test_validity_from_29_february_three_years_ends_on_28_february(occupations, drafter):
    start = next_29_february()
    catalog = ready(S.DRAFT, occupations, start=start, end=dt.date(start.year + 3, 2, 28))

    assert filing_transition(actor=drafter, filing=catalog, transition="submit").state == (
        S.SUBMITTED
    )


def test_validity_from_29_february_refuses_a_day_short_of_three_years(occupations, drafter):
    start = next_29_february()
    catalog = ready(S.DRAFT, occupations, start=start, end=dt.date(start.year + 3, 2, 27))

    with pytest.raises(GuardFailed):
        filing_transition(actor=drafter, filing=catalog, transition="submit")
    assert fresh(catalog).state == S.DRAFT


def test_validity_from_29_february_accepts_exactly_five_years(occupations, drafter):
    start = next_29_february()
    catalog = ready(S.DRAFT, occupations, start=start, end=dt.date(start.year + 5, 2, 28))

    assert filing_transition(actor=drafter, filing=catalog, transition="submit").state == (
        S.SUBMITTED
    )


def test_validity_is_required_to_submit(occupations, drafter):
    catalog = ready(S.DRAFT, occupations)
    GuidanceCatalog.objects.filter(pk=catalog.pk).update(effective_from=None, expires_on=None)

    assert_refused(
        fresh(catalog),
        drafter,
        "submit",
        "Set the effective date and the last day of validity.",
    )


def test_effective_date_today_is_accepted_and_yesterday_refused_at_submit(occupations, drafter):
    catalog = ready(S.DRAFT, occupations, start=today())
    assert filing_transition(actor=drafter, filing=catalog, transition="submit").state == (
        S.SUBMITTED
    )

    yesterday = today() - dt.timedelta(days=1)
    late = ready(S.DRAFT, occupations, start=yesterday)
    assert_refused(
        late,
        drafter,
        "submit",
        f"The effective date {yesterday.isoformat()} has passed: choose today or a later day.",
    )


def test_effective_date_in_the_past_is_refused_at_approval(occupations, reviewer):
    yesterday = today() - dt.timedelta(days=1)
    catalog = ready(S.UNDER_REVIEW, occupations, start=yesterday)

    assert_refused(
        catalog,
        reviewer,
        "approve",
        f"The effective date {yesterday.isoformat()} has passed: choose today or a later day.",
    )


def test_effective_date_in_the_past_is_refused_at_publication(occupations, drafter):
    yesterday = today() - dt.timedelta(days=1)
    catalog = ready(S.APPROVED, occupations, start=yesterday)

    assert_refused(
        catalog,
        drafter,
        "publish",
        f"The effective date {yesterday.isoformat()} has passed; a published version cannot "
        "take effect in the past. Withdraw this version and file a new one.",
    )


def test_an_empty_catalog_is_refused_at_submit(occupations, drafter):
    catalog = ready(S.DRAFT, occupations)
    catalog.entries.all().delete()

    assert_refused(catalog, drafter, "submit", "The catalog lists no occupation yet.")


def test_an_empty_catalog_cannot_open_consultation(occupations, drafter):
    catalog = ready(S.DRAFT, occupations)
    catalog.entries.all().delete()

    assert_refused(catalog, drafter, "open_consultation", "The catalog lists no occupation yet.")


def test_unanswered_comments_are_refused_at_submit(occupations, drafter, stakeholder):
    catalog = make_catalog(
        effective_from=today() + START,
        expires_on=three_years(today() + START),
        entries={SOFTWARE: {}, AI: {}},
        occupations=occupations,
    )
    consultation_open(
        actor=drafter,
        filing=catalog,
        organizations=[stakeholder.organization],
        deadline=today() + dt.timedelta(days=14),
    )
    entry = catalog.entries.get(occupation__code=AI)
    general = consultation_comment(actor=stakeholder, filing=catalog, text="Add data analysts.")
    specific = consultation_comment(
        actor=stakeholder, filing=catalog, text="Lower the education.", entry=entry
    )
    assert (specific.occupation_code, general.occupation_code) == (AI, "")

    assert_refused(
        fresh(catalog), drafter, "submit", "Answer every consultation comment first: 2 still open."
    )
    consultation_answer(actor=drafter, comment=general, text="Next version.")
    assert_refused(
        fresh(catalog), drafter, "submit", "Answer every consultation comment first: 1 still open."
    )
    consultation_answer(actor=drafter, comment=specific, text="Kept: the role needs it.")

    done = filing_transition(actor=drafter, filing=fresh(catalog), transition="submit")
    assert done.state == S.SUBMITTED
    assert [t for t, *_ in records(catalog)] == ["open_consultation", "submit"]
    assert CatalogComment.objects.filter(catalog=catalog, answered_at__isnull=True).count() == 0


@pytest.mark.parametrize(
    ("transition", "state", "person", "label"),
    [
        ("return", S.UNDER_REVIEW, "reviewer", "Return with reasons"),
        ("recall", S.SUBMITTED, "shanghai_drafter", "Recall the filing"),
        ("withdraw", S.APPROVED, "reviewer", "Withdraw"),
    ],
)
@pytest.mark.parametrize("reason", ["", "   \n "])
def test_reason_is_required(roles, occupations, transition, state, person, label, reason):
    catalog = ready(state, occupations)

    assert_refused(
        catalog, PEOPLE[person](roles), transition, f"Give a reason for “{label}”.", reason
    )


def test_content_cannot_change_once_filed(occupations, drafter):
    catalog = ready(S.SUBMITTED, occupations)
    before = snapshot(catalog)

    with pytest.raises(FilingError) as refused:
        catalog_update(actor=drafter, catalog=catalog, title_en="Changed")
    assert refused.value.code == "not_editable"
    with pytest.raises(FilingError) as refused_entry:
        entry_save(actor=drafter, catalog=catalog, occupation=occupations[AI])
    assert refused_entry.value.code == "not_editable"
    assert snapshot(catalog) == before
    assert catalog.entries.count() == 1


# --- Overlap --------------------------------------------------------------------------------------


def published_in_force(occupations: Any, **kwargs: Any) -> GuidanceCatalog:
    """Shanghai's v1, in force since two years ago for five years."""
    start = today() - dt.timedelta(days=2 * 365)
    return make_catalog(
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=add_years(start, 5) - dt.timedelta(days=1),
        entries={SOFTWARE: {"min_experience_years": 2}},
        occupations=occupations,
        **kwargs,
    )


def test_publishing_a_new_version_supersedes_the_one_in_force_at_its_effective_date(
    occupations, drafter
):
    v1 = published_in_force(occupations)
    v2 = ready(S.APPROVED, occupations)
    day = v2.effective_from
    assert day is not None
    seq = last_seq()

    filing_transition(actor=drafter, filing=v2, transition="publish")

    v1 = fresh(v1)
    assert v1.state == S.PUBLISHED  # until the daily task makes it durable
    assert v1.superseded_on == day
    assert v1.ends_on == day - dt.timedelta(days=1)
    assert catalog_in_force(shanghai(), day - dt.timedelta(days=1)) == v1
    assert catalog_in_force(shanghai(), day) == v2
    assert v1.status_on(day - dt.timedelta(days=1)) == FilingStatus.IN_FORCE
    assert v1.status_on(day) == FilingStatus.SUPERSEDED
    assert fresh(v2).status_on(day - dt.timedelta(days=1)) == FilingStatus.SCHEDULED
    assert fresh(v2).status_on(day) == FilingStatus.IN_FORCE
    entry = catalog_entry_in_force(occupation_code=SOFTWARE, region=shanghai(), on=day)
    assert entry is not None
    assert entry.catalog_id == v2.pk
    assert actions_since(seq) == [
        f"{WORKFLOW_NAME}.supersede_scheduled",
        f"{WORKFLOW_NAME}.publish",
    ]


@pytest.mark.parametrize("offset", [0, -5])
def test_publishing_a_version_starting_no_later_than_a_published_one_is_refused(
    occupations, drafter, offset
):
    start = today() + dt.timedelta(days=60)
    v1 = make_catalog(
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=three_years(start),
        entries={SOFTWARE: {}},
        occupations=occupations,
    )
    v2 = ready(S.APPROVED, occupations, start=start + dt.timedelta(days=offset))
    v1_before = snapshot(v1)

    assert_refused(
        v2,
        drafter,
        "publish",
        "The validity of this version would overlap published versions: "
        f"v1 ({start.isoformat()} - {three_years(start).isoformat()}).",
    )
    assert snapshot(v1) == v1_before


def test_publishing_into_the_period_of_a_scheduled_successor_is_refused(occupations, drafter):
    """v1 in force, v2 published to start in 60 days: v3 starting in 30 days would overlap
    v2 (and would cut v1 short a second time)."""
    v1 = published_in_force(occupations)
    v2 = ready(S.APPROVED, occupations, start=today() + dt.timedelta(days=60))
    filing_transition(actor=drafter, filing=v2, transition="publish")
    v3 = ready(S.APPROVED, occupations, start=today() + dt.timedelta(days=30))
    v1_before = snapshot(v1)

    v2_end = three_years(today() + dt.timedelta(days=60))
    assert_refused(
        v3,
        drafter,
        "publish",
        "The validity of this version would overlap published versions: "
        f"v2 ({(today() + dt.timedelta(days=60)).isoformat()} - {v2_end.isoformat()}).",
    )
    assert snapshot(v1) == v1_before


def assert_no_two_published_versions_overlap(region: Region) -> None:
    versions = list(
        GuidanceCatalog.objects.filter(
            region=region, state__in=[S.PUBLISHED, S.SUPERSEDED, S.LAPSED]
        ).order_by("effective_from")
    )
    for earlier, later in itertools.pairwise(versions):
        assert earlier.ends_on is not None
        assert later.effective_from is not None
        assert earlier.ends_on < later.effective_from, (earlier, later)


def test_successive_versions_never_overlap(occupations, drafter):
    published_in_force(occupations)
    for days in (30, 90, 400):
        catalog = ready(S.APPROVED, occupations, start=today() + dt.timedelta(days=days))
        filing_transition(actor=drafter, filing=catalog, transition="publish")
        assert_no_two_published_versions_overlap(shanghai())
    assert list(
        GuidanceCatalog.objects.filter(region=shanghai())
        .order_by("version")
        .values_list("version", "superseded_on")
    ) == [
        (1, today() + dt.timedelta(days=30)),
        (2, today() + dt.timedelta(days=90)),
        (3, today() + dt.timedelta(days=400)),
        (4, None),
    ]


def test_the_database_refuses_an_overlapping_published_row(postgres_only, occupations):
    """Written behind the service's back, an overlapping published version is refused by
    the exclusion constraint; a version starting the day its predecessor is superseded is
    not."""
    start = today() + dt.timedelta(days=10)
    v1 = make_catalog(
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=three_years(start),
        occupations=occupations,
    )
    v2 = make_catalog(
        state=S.APPROVED,
        effective_from=start + dt.timedelta(days=100),
        expires_on=three_years(start + dt.timedelta(days=100)),
        occupations=occupations,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        GuidanceCatalog.objects.filter(pk=v2.pk).update(
            state=S.PUBLISHED, published_at=timezone.now()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        make_catalog(
            state=S.LAPSED,
            effective_from=start - dt.timedelta(days=5),
            expires_on=start,
            occupations=occupations,
        )
    assert fresh(v2).state == S.APPROVED
    assert GuidanceCatalog.objects.filter(region=shanghai()).count() == 2

    # Supersession ends v1 the day before v2 starts: no overlap, the database agrees.
    with transaction.atomic():
        GuidanceCatalog.objects.filter(pk=v1.pk).update(superseded_on=v2.effective_from)
        GuidanceCatalog.objects.filter(pk=v2.pk).update(
            state=S.PUBLISHED, published_at=timezone.now()
        )
    assert fresh(v2).state == S.PUBLISHED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_drafters_publishing_overlapping_versions_at_once_one_wins(postgres_only, roles):
    from tests.catalogs.conftest import SLICE, create_occupations

    occupations = create_occupations(SLICE)
    start = today() + dt.timedelta(days=30)
    versions = [ready(S.APPROVED, occupations, start=start) for _ in range(2)]
    drafters = [roles.user(Role.STANDARDS_DRAFTER, region_code="310000") for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(drafter: User, catalog: GuidanceCatalog) -> None:
        try:
            barrier.wait(timeout=10)
            filing_transition(actor=drafter, filing=catalog, transition="publish")
            result = "published"
        except GuardFailed:
            result = "refused"
        except IntegrityError:
            result = "database refused"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [
        threading.Thread(target=attempt, args=(d, c))
        for d, c in zip(drafters, versions, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["published", "refused"]
    states = sorted(
        GuidanceCatalog.objects.filter(region=shanghai()).values_list("state", flat=True)
    )
    assert states == [S.APPROVED, S.PUBLISHED]
    assert TransitionRecord.objects.filter(target_model=LABEL, transition="publish").count() == 1


# --- Lapse ----------------------------------------------------------------------------------------


def expired_yesterday(occupations: Any) -> GuidanceCatalog:
    end = today() - dt.timedelta(days=1)
    return make_catalog(
        state=S.PUBLISHED,
        effective_from=add_years(end + dt.timedelta(days=1), -3),
        expires_on=end,
        entries={SOFTWARE: {}},
        occupations=occupations,
    )


def test_a_catalog_past_its_validity_reads_as_lapsed_at_once(occupations):
    catalog = expired_yesterday(occupations)

    assert catalog.state == S.PUBLISHED  # the daily task has not run
    assert catalog.status_on(today()) == FilingStatus.LAPSED
    assert catalog.status_on(today() - dt.timedelta(days=1)) == FilingStatus.IN_FORCE
    assert catalog_in_force(shanghai(), today()) is None
    assert catalog_in_force(shanghai()) is None
    assert catalog_entry_in_force(occupation_code=SOFTWARE, region=shanghai()) is None
    assert catalog_in_force(shanghai(), today() - dt.timedelta(days=1)) == catalog


def test_shows_as_lapsed_the_day_after_its_expiry(occupations):
    last_day = today() + dt.timedelta(days=5)
    catalog = make_catalog(
        state=S.PUBLISHED,
        effective_from=add_years(last_day + dt.timedelta(days=1), -3),
        expires_on=last_day,
        entries={SOFTWARE: {}},
        occupations=occupations,
    )

    def public_status(day: dt.date) -> FilingStatus | None:
        return next(p.status for p in provinces_with_catalogs(day) if p.province.code == "310000")

    assert public_status(last_day) == FilingStatus.IN_FORCE
    assert public_status(last_day + dt.timedelta(days=1)) == FilingStatus.LAPSED
    assert catalog_in_force(shanghai(), last_day) == catalog
    assert catalog_in_force(shanghai(), last_day + dt.timedelta(days=1)) is None
    entry = catalog_entry_in_force(occupation_code=SOFTWARE, region=shanghai(), on=last_day)
    assert entry is not None
    assert entry.catalog_id == catalog.pk
    assert (
        catalog_entry_in_force(
            occupation_code=SOFTWARE, region=shanghai(), on=last_day + dt.timedelta(days=1)
        )
        is None
    )


def test_the_daily_task_makes_the_lapse_durable_once(occupations):
    catalog = expired_yesterday(occupations)
    seq = last_seq()

    report = filings_daily(today())

    assert report.lapsed == [f"{LABEL}#{catalog.pk}"]
    assert report.superseded == []
    catalog = fresh(catalog)
    assert catalog.state == S.LAPSED
    assert records(catalog) == [("lapse", S.PUBLISHED, S.LAPSED, None, "")]
    lapse = AuditEvent.objects.get(seq__gt=seq, action=f"{WORKFLOW_NAME}.lapse")
    assert (lapse.actor_id, lapse.actor_repr, lapse.target_id) == (None, "system", str(catalog.pk))
    assert catalog.status_on(today()) == FilingStatus.LAPSED

    seq = last_seq()
    again = filings_daily(today())
    assert (again.lapsed, again.superseded, again.reminders) == ([], [], [])
    assert actions_since(seq) == []
    assert len(records(catalog)) == 1


def test_the_daily_task_supersedes_on_the_new_versions_effective_date(occupations, drafter):
    v1 = published_in_force(occupations)
    v2 = ready(S.APPROVED, occupations)
    filing_transition(actor=drafter, filing=v2, transition="publish")
    day = fresh(v2).effective_from
    assert day is not None

    before = filings_daily(day - dt.timedelta(days=1))
    assert before.superseded == []
    assert fresh(v1).state == S.PUBLISHED

    report = filings_daily(day)
    assert report.superseded == [f"{LABEL}#{v1.pk}"]
    assert report.lapsed == []
    assert fresh(v1).state == S.SUPERSEDED
    assert records(v1) == [("supersede", S.PUBLISHED, S.SUPERSEDED, None, "")]
    assert fresh(v2).state == S.PUBLISHED
    assert catalog_in_force(shanghai(), day) == fresh(v2)
    assert filings_daily(day).superseded == []


def test_the_celery_task_returns_the_report(occupations):
    from portal.tasks import filings_daily_task

    lapsed = make_catalog(
        "440000",
        state=S.PUBLISHED,
        effective_from=today() - dt.timedelta(days=3 * 365),
        expires_on=today() - dt.timedelta(days=3),
        occupations=occupations,
    )
    start = today() - dt.timedelta(days=400)
    superseded = make_catalog(
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=add_years(start, 5) - dt.timedelta(days=1),
        superseded_on=today(),
        occupations=occupations,
    )

    result = filings_daily_task.delay().get()

    # The lapsed catalog's expiry notice was never sent (no run since it expired three
    # days ago): within the week of grace, it is sent now.
    assert result == {
        "superseded": [f"{LABEL}#{superseded.pk}"],
        "lapsed": [f"{LABEL}#{lapsed.pk}"],
        "reminders": [f"{LABEL}#{lapsed.pk}:0"],
    }
    assert (fresh(lapsed).state, fresh(superseded).state) == (S.LAPSED, S.SUPERSEDED)


# --- Reminders ------------------------------------------------------------------------------------


@pytest.fixture
def reminded(roles, occupations):
    """Shanghai's catalog in force until 200 days from now, two Shanghai drafters (one
    reading Chinese, one English), one without an e-mail address, one in Guangdong."""
    chinese = roles.user(Role.STANDARDS_DRAFTER, region_code="310000", preferred_language="zh-hans")
    english = roles.user(Role.STANDARDS_DRAFTER, region_code="310000", preferred_language="en")
    roles.user(Role.STANDARDS_DRAFTER, region_code="310000", email="")
    roles.user(Role.STANDARDS_DRAFTER, region_code="440000")
    end = today() + dt.timedelta(days=200)
    catalog = make_catalog(
        state=S.PUBLISHED,
        effective_from=add_years(end + dt.timedelta(days=1), -3),
        expires_on=end,
        entries={SOFTWARE: {}},
        occupations=occupations,
    )
    return catalog, chinese, english


def run_day(day: dt.date, capture: Any) -> list[str]:
    mail.outbox.clear()
    with capture(execute=True):
        report = filings_daily(day)
    return report.reminders


def expected_mail(catalog: GuidanceCatalog, user: User, milestone: str) -> tuple[str, str]:
    with translation.override(user.preferred_language):
        if milestone == "0":
            subject = gettext("%(title)s has lapsed") % {"title": catalog.title}
        else:
            subject = gettext("%(title)s expires on %(date)s") % {
                "title": catalog.title,
                "date": catalog.expires_on,
            }
    return user.email, subject


def sent() -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject) for m in mail.outbox)


def reminder_rows(catalog: GuidanceCatalog) -> list[tuple[str, int]]:
    return list(
        FilingReminder.objects.filter(target_model=LABEL, target_id=str(catalog.pk))
        .order_by("sent_at", "pk")
        .values_list("milestone", "recipients")
    )


def test_reminder_90_days_before_expiry_once_per_drafter(
    reminded, django_capture_on_commit_callbacks
):
    catalog, chinese, english = reminded
    end = catalog.expires_on
    assert end is not None

    assert run_day(end - dt.timedelta(days=91), django_capture_on_commit_callbacks) == []
    assert mail.outbox == []

    reminders = run_day(end - dt.timedelta(days=90), django_capture_on_commit_callbacks)
    assert reminders == [f"{LABEL}#{catalog.pk}:90"]
    assert sent() == sorted(
        [expected_mail(catalog, chinese, "90"), expected_mail(catalog, english, "90")]
    )
    english_mail = next(m for m in mail.outbox if m.to == [english.email])
    assert english_mail.subject == f"{catalog.title_en} expires on {end.isoformat()}"
    # The notification's e-mail (portal.notifications) carries the reminder's words.
    assert (
        f"{catalog.title_en} (version 1) is valid until {end.isoformat()}. A version not "
        "renewed by then lapses by itself: prepare and file the next version."
    ) in english_mail.body
    # Three Shanghai drafters; the one without an e-mail address gets nothing by e-mail
    # (an inbox row only).
    assert reminder_rows(catalog) == [("90", 3)]
    assert Notification.objects.filter(kind="filings.expiring").count() == 3

    assert run_day(end - dt.timedelta(days=89), django_capture_on_commit_callbacks) == []
    assert mail.outbox == []
    assert reminder_rows(catalog) == [("90", 3)]


def test_reminder_30_days_before_expiry_after_the_90_day_one(
    reminded, django_capture_on_commit_callbacks
):
    catalog, chinese, english = reminded
    end = catalog.expires_on
    assert end is not None
    run_day(end - dt.timedelta(days=90), django_capture_on_commit_callbacks)

    reminders = run_day(end - dt.timedelta(days=30), django_capture_on_commit_callbacks)

    assert reminders == [f"{LABEL}#{catalog.pk}:30"]
    assert sent() == sorted(
        [expected_mail(catalog, chinese, "30"), expected_mail(catalog, english, "30")]
    )
    assert run_day(end - dt.timedelta(days=29), django_capture_on_commit_callbacks) == []
    assert mail.outbox == []
    assert reminder_rows(catalog) == [("90", 3), ("30", 3)]


def test_reminder_at_expiry_after_the_earlier_ones(reminded, django_capture_on_commit_callbacks):
    catalog, chinese, english = reminded
    end = catalog.expires_on
    assert end is not None
    run_day(end - dt.timedelta(days=90), django_capture_on_commit_callbacks)
    run_day(end - dt.timedelta(days=30), django_capture_on_commit_callbacks)

    reminders = run_day(end + dt.timedelta(days=1), django_capture_on_commit_callbacks)

    assert reminders == [f"{LABEL}#{catalog.pk}:0"]
    assert fresh(catalog).state == S.LAPSED
    assert sent() == sorted(
        [expected_mail(catalog, chinese, "0"), expected_mail(catalog, english, "0")]
    )
    assert run_day(end + dt.timedelta(days=2), django_capture_on_commit_callbacks) == []
    assert mail.outbox == []
    assert reminder_rows(catalog) == [("90", 3), ("30", 3), ("0", 3)]


def test_reminder_at_expiry_is_the_expiry_one(reminded, django_capture_on_commit_callbacks):
    catalog, chinese, english = reminded
    end = catalog.expires_on
    assert end is not None

    reminders = run_day(end + dt.timedelta(days=1), django_capture_on_commit_callbacks)

    assert reminders == [f"{LABEL}#{catalog.pk}:0"]
    assert sent() == sorted(
        [expected_mail(catalog, chinese, "0"), expected_mail(catalog, english, "0")]
    )
