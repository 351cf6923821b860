"""Inspection campaigns ("double random, one public"): the draw (reproducible from its seed,
exclusions honoured), the lifecycle through the workflow engine and its refusals, the
redraw command, findings becoming credit records, the public pages and access."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from credit import inspections
from credit.constants import Source
from credit.inspection_models import InspectionAssignment, InspectionCampaign
from credit.inspections import DrawError, Drawn, draw
from credit.models import CreditRecord
from credit.selectors import Level, organization_standing
from portal.models import AuditEvent, Organization, Region, TransitionRecord, User
from portal.navigation import items_for
from portal.roles import Role
from portal.workflow import GuardFailed, TransitionPermissionDenied
from tests.factories import OrganizationFactory, RoleHelper, valid_uscc
from tests.pages import html_of, tr

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 3, 1), dt.date(2026, 6, 30)
INSPECTED = dt.date(2026, 4, 10)
TODAY = dt.date(2026, 5, 15)  # within the period: the campaigns are current
USCCS = [valid_uscc(n) for n in range(900, 910)]
POOL = ["alice", "bob", "carol", "dave"]
S = InspectionCampaign.State
Out = InspectionAssignment.Outcome


# --- The draw itself -----------------------------------------------------------------------


def test_same_seed_gives_the_same_result() -> None:
    first = draw(seed=1, population=USCCS, pool=POOL, sample_size=3, per_employer=2)
    again = draw(
        seed=1, population=list(reversed(USCCS)), pool=POOL[::-1], sample_size=3, per_employer=2
    )
    assert first == again  # the inputs are sorted first: their order does not matter
    assert first == [
        Drawn(USCCS[2], ("alice", "bob")),
        Drawn(USCCS[1], ("bob", "dave")),
        Drawn(USCCS[4], ("alice", "dave")),
    ]


def test_a_different_seed_gives_a_different_result() -> None:
    assert draw(seed=2, population=USCCS, pool=POOL, sample_size=3, per_employer=2) == [
        Drawn(USCCS[0], ("alice", "carol")),
        Drawn(USCCS[1], ("bob", "carol")),
        Drawn(USCCS[8], ("bob", "carol")),
    ]


def test_fewer_inspectors_than_asked_when_the_pool_is_small() -> None:
    result = draw(seed=5, population=USCCS[:2], pool=["alice"], sample_size=2, per_employer=2)
    assert [row.inspectors for row in result] == [("alice",), ("alice",)]


def test_an_excluded_inspector_is_not_drawn_even_when_the_seed_would_pick_them() -> None:
    free = draw(seed=3, population=USCCS[:1], pool=["alice", "bob"], sample_size=1, per_employer=1)
    assert free == [Drawn(USCCS[0], ("alice",))]  # the seed picks alice...
    excluded = draw(
        seed=3,
        population=USCCS[:1],
        pool=["alice", "bob"],
        sample_size=1,
        per_employer=1,
        exclusions={USCCS[0]: ["alice"]},
    )
    assert excluded == [Drawn(USCCS[0], ("bob",))]  # ...who inspected it last time


@pytest.mark.parametrize(
    ("population", "pool", "sample", "exclusions", "message"),
    [
        ([], POOL, 1, {}, "The population is empty: there is nobody to draw."),
        (USCCS[:2], POOL, 3, {}, "The sample size (3) exceeds the population (2)."),
        (USCCS[:2], [], 1, {}, "The pool of inspectors is empty."),
        (
            USCCS[:1],
            ["alice"],
            1,
            {USCCS[0]: ["alice"]},
            f"Every inspector of the pool inspected {USCCS[0]} in the previous campaign: "
            "add inspectors to the pool.",
        ),
    ],
)
def test_impossible_draws_are_refused(
    population: list[str], pool: list[str], sample: int, exclusions: Any, message: str
) -> None:
    with translation.override("en"), pytest.raises(DrawError) as refused:
        draw(
            seed=1,
            population=population,
            pool=pool,
            sample_size=sample,
            per_employer=1,
            exclusions=exclusions,
        )
    assert str(refused.value) == message


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock at 10:00 China time on TODAY, for the services, the engine and the pages."""
    moment = dt.datetime(2026, 5, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def shanghai() -> Region:
    return Region.objects.get(code="310000")


@pytest.fixture
def employers(db: None) -> list[Organization]:
    """Four Shanghai employers (identifiers in ascending order) and one of Beijing."""
    OrganizationFactory(region=Region.objects.get(code="110000"), uscc=valid_uscc(1, "110000"))
    return [OrganizationFactory(uscc=valid_uscc(n)) for n in (11, 12, 13, 14)]


@pytest.fixture
def colleague(roles: RoleHelper) -> User:
    return roles.user(Role.INSPECTOR, region_code="310000", username="zz.colleague")


@pytest.fixture
def seed(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Fix the seed the next draws take (a draw normally makes a fresh random one)."""

    def fix(value: int) -> None:
        monkeypatch.setattr(inspections, "new_seed", lambda: value)

    return fix


Make = Callable[..., InspectionCampaign]


@pytest.fixture
def make_campaign(inspector: User, colleague: User, shanghai: Region) -> Make:
    def make(**overrides: Any) -> InspectionCampaign:
        values: dict[str, Any] = {
            "actor": inspector,
            "name": "2026 spot checks",
            "region": shanghai,
            "starts_on": START,
            "ends_on": END,
            "sample_size": 2,
            "pool": [inspector, colleague],
        }
        values.update(overrides)
        return inspections.campaign_create(**values)

    return make


def run(campaign: InspectionCampaign, name: str, actor: User) -> InspectionCampaign:
    return inspections.campaign_transition(actor=actor, campaign=campaign, name=name)


def record_all(campaign: InspectionCampaign, outcome: str = Out.NO_PROBLEM) -> None:
    """Each outcome recorded by the first inspector drawn for the employer."""
    for assignment in inspections.assignments_of(campaign):
        inspections.assignment_record_outcome(
            actor=assignment.inspectors.all()[0],
            assignment=assignment,
            outcome=outcome,
            inspected_on=INSPECTED,
            facts="Two workers in posts other than those permitted."
            if outcome == Out.PROBLEMS
            else "",
        )


def published(make_campaign: Make, inspector: User, seed: Callable[[int], None]) -> Any:
    seed(7)
    # One inspector per employer: with two in a pool of two, an employer drawn again in
    # the next campaign would have nobody left to inspect it.
    campaign = run(make_campaign(inspectors_per_employer=1), "draw", inspector)
    campaign = run(campaign, "start", inspector)
    record_all(campaign)
    campaign = run(run(campaign, "close", inspector), "publish", inspector)
    return campaign


# --- The draw through the workflow -------------------------------------------------------------


def test_the_draw_stores_seed_snapshots_and_assignments(
    make_campaign: Make,
    inspector: User,
    colleague: User,
    employers: list[Organization],
    seed: Callable[[int], None],
) -> None:
    seed(12345678901234567890)
    campaign = run(make_campaign(), "draw", inspector)
    campaign.refresh_from_db()
    assert campaign.state == S.DRAWN
    assert campaign.seed == "12345678901234567890"
    assert campaign.population_size == 4
    assert campaign.population_snapshot == [
        {"organization": e.pk, "uscc": e.uscc, "name": e.name_zh} for e in employers
    ]
    assert campaign.pool_snapshot == [
        {"user": u.pk, "username": u.username, "name": str(u)} for u in (inspector, colleague)
    ]
    assert campaign.exclusions == {}
    assert campaign.previous is None
    expected = draw(
        seed=12345678901234567890,
        population=[e.uscc or "" for e in employers],
        pool=[inspector.username, colleague.username],
        sample_size=2,
        per_employer=2,
    )
    assert inspections.stored_draw(campaign) == expected
    assert [a.position for a in inspections.assignments_of(campaign)] == [1, 2]
    transition = TransitionRecord.objects.get(target_id=str(campaign.pk))
    assert (transition.transition, transition.from_state, transition.to_state) == (
        "draw",
        "draft",
        "drawn",
    )
    assert list(
        AuditEvent.objects.filter(action__startswith="credit.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["credit.inspection_campaign.create", "credit.inspection_campaign.draw"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("sample_too_large", "The sample size (5) exceeds the population (4)."),
        ("no_population", "The population is empty: there is nobody to draw."),
        ("no_pool", "The pool of inspectors is empty."),
        ("period_ended", "The campaign's period has ended: set up a new campaign."),
    ],
)
def test_a_refused_draw_changes_nothing(
    make_campaign: Make,
    inspector: User,
    request: pytest.FixtureRequest,
    case: str,
    message: str,
) -> None:
    if case != "no_population":
        request.getfixturevalue("employers")
    overrides: dict[str, Any] = {
        "sample_too_large": {"sample_size": 5},
        "no_population": {},
        "no_pool": {"pool": []},
        "period_ended": {"ends_on": TODAY - dt.timedelta(days=1)},
    }[case]
    campaign = make_campaign(**overrides)
    with translation.override("en"), pytest.raises(GuardFailed) as refused:
        run(campaign, "draw", inspector)
    assert refused.value.message == message
    campaign.refresh_from_db()
    assert (campaign.state, campaign.seed, campaign.population_snapshot) == (S.DRAFT, "", [])
    assert InspectionAssignment.objects.count() == 0
    assert TransitionRecord.objects.count() == 0


def test_inspectors_of_the_previous_campaign_are_excluded(
    make_campaign: Make,
    inspector: User,
    colleague: User,
    seed: Callable[[int], None],
) -> None:
    only = OrganizationFactory(uscc=valid_uscc(21))
    seed(3)
    first = run(make_campaign(sample_size=1, inspectors_per_employer=1), "draw", inspector)
    assert inspections.stored_draw(first) == [Drawn(only.uscc or "", (inspector.username,))]
    # The same seed would pick the same inspector again (see the pure draw)...
    assert draw(
        seed=3,
        population=[only.uscc or ""],
        pool=[inspector.username, colleague.username],
        sample_size=1,
        per_employer=1,
    ) == [Drawn(only.uscc or "", (inspector.username,))]
    # ...but they inspected this employer in the region's previous campaign.
    second = run(make_campaign(sample_size=1, inspectors_per_employer=1), "draw", inspector)
    second.refresh_from_db()
    assert second.previous == first
    assert second.exclusions == {only.uscc: [inspector.username]}
    assert inspections.stored_draw(second) == [Drawn(only.uscc or "", (colleague.username,))]


def test_another_app_registers_a_population_with_filters(
    make_campaign: Make,
    inspector: User,
    employers: list[Organization],
    seed: Callable[[int], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, dt.date, dict[str, Any]]] = []

    def with_permits(region: Region, on: dt.date, filters: Any) -> list[tuple[int, str, str]]:
        calls.append((region.code, on, dict(filters)))
        return [(e.pk, e.uscc or "", e.name_zh) for e in employers[:2]]

    monkeypatch.setattr(inspections, "_POPULATIONS", dict(inspections._POPULATIONS))
    inspections.register_population(
        "with_permits", "Employers with active permits", with_permits, filters=["category"]
    )
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        make_campaign(population_filters={"category": "A"})  # registered_employers: no filter
    assert refused.value.message_dict == {
        "population_filters": ["This population cannot be filtered by category."]
    }
    seed(1)
    campaign = make_campaign(population="with_permits", population_filters={"category": "A"})
    campaign = run(campaign, "draw", inspector)
    assert calls == [("310000", START, {"category": "A"})]
    assert [row["uscc"] for row in campaign.population_snapshot] == [e.uscc for e in employers[:2]]
    assert campaign.population_size == 2


def test_a_campaign_outside_the_inspectors_region_is_refused(
    beijing_inspector: User, shanghai: Region
) -> None:
    with pytest.raises(inspections.PermissionDeniedError):
        inspections.campaign_create(
            actor=beijing_inspector,
            name="x",
            region=shanghai,
            starts_on=START,
            ends_on=END,
            sample_size=1,
            pool=[],
        )
    assert InspectionCampaign.objects.count() == 0


def test_an_inspector_of_another_region_may_not_draw(
    make_campaign: Make, beijing_inspector: User, employers: list[Organization]
) -> None:
    campaign = make_campaign()
    with pytest.raises(TransitionPermissionDenied):
        run(campaign, "draw", beijing_inspector)
    campaign.refresh_from_db()
    assert (campaign.state, campaign.seed) == (S.DRAFT, "")


# --- Redraw command ------------------------------------------------------------------------------


def test_redraw_says_identical_then_different_after_tampering(
    make_campaign: Make,
    inspector: User,
    colleague: User,
    employers: list[Organization],
    seed: Callable[[int], None],
) -> None:
    seed(99)
    campaign = run(make_campaign(inspectors_per_employer=1), "draw", inspector)
    out = io.StringIO()
    call_command("redraw_campaign", str(campaign.pk), stdout=out)
    text = out.getvalue()
    assert text.splitlines()[-1] == "identical"
    assert "Seed 99; population 4; pool 2; sample 2" in text
    stored = inspections.stored_draw(campaign)
    for row in stored:
        assert f"{row.uscc}  {row.inspectors[0]}" in text

    first = campaign.assignments.get(position=1)
    drawn = first.inspectors.get()
    first.inspectors.set([colleague if drawn == inspector else inspector])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("redraw_campaign", str(campaign.pk), stdout=out, stderr=err)
    assert exit_code.value.code == 1
    assert "identical" not in out.getvalue()
    assert err.getvalue().startswith("DIFFERENT")


# --- Outcomes, findings and closing ---------------------------------------------------------


@pytest.fixture
def in_progress(
    make_campaign: Make, inspector: User, employers: list[Organization], seed: Callable[[int], None]
) -> InspectionCampaign:
    seed(7)
    return run(run(make_campaign(), "draw", inspector), "start", inspector)


def test_a_finding_makes_a_credit_record_and_changes_standing(
    in_progress: InspectionCampaign, inspector: User
) -> None:
    assignment = inspections.assignments_of(in_progress)[0]
    uscc = assignment.uscc
    assert organization_standing(uscc, INSPECTED).level == Level.GOOD
    recorded = inspections.assignment_record_outcome(
        actor=inspector,
        assignment=assignment,
        outcome=Out.PROBLEMS,
        inspected_on=INSPECTED,
        facts="  Two workers in posts other than those permitted. ",
    )
    record = CreditRecord.objects.get()
    assert recorded.credit_record == record
    assert (record.kind.code, record.source, record.severity, record.organization_id) == (
        "inspection_finding",
        Source.INSPECTION,
        "minor",
        assignment.organization_id,
    )
    assert (record.effective_from, record.effective_until) == (INSPECTED, dt.date(2027, 4, 9))
    assert record.facts == "Two workers in posts other than those permitted."
    assert record.reference == f"INSP-{in_progress.pk}-1"
    # inspection_finding is a minor dishonest act: the employer is now in "attention".
    assert organization_standing(uscc, INSPECTED).level == Level.ATTENTION
    assert organization_standing(uscc, INSPECTED - dt.timedelta(days=1)).level == Level.GOOD


def test_a_serious_disclosed_finding_makes_the_employer_dishonest_and_listed(
    in_progress: InspectionCampaign, inspector: User
) -> None:
    assignment = inspections.assignments_of(in_progress)[0]
    inspections.assignment_record_outcome(
        actor=inspector,
        assignment=assignment,
        outcome=Out.PROBLEMS,
        inspected_on=INSPECTED,
        facts="Employed three foreigners without permits.",
        severity="serious",
        disclosed=True,
    )
    record = CreditRecord.objects.get()
    assert (record.severity, record.disclosed, record.dishonest) == ("serious", True, True)
    standing = organization_standing(assignment.uscc, INSPECTED)
    assert (standing.level, standing.blocks, standing.until) == (
        Level.DISHONEST,
        True,
        dt.date(2027, 4, 9),
    )


def test_a_finding_of_unknown_severity_is_refused_and_nothing_changes(
    in_progress: InspectionCampaign, inspector: User
) -> None:
    assignment = inspections.assignments_of(in_progress)[0]
    with pytest.raises(ValidationError) as refused:
        inspections.assignment_record_outcome(
            actor=inspector,
            assignment=assignment,
            outcome=Out.PROBLEMS,
            inspected_on=INSPECTED,
            facts="Something.",
            severity="grave",
        )
    assert refused.value.message_dict == {"severity": ["请选择问题的严重程度。"]}
    assignment.refresh_from_db()
    assert (assignment.outcome, CreditRecord.objects.count()) == (Out.PENDING, 0)


def test_no_problem_makes_no_record(in_progress: InspectionCampaign, inspector: User) -> None:
    assignment = inspections.assignments_of(in_progress)[0]
    inspections.assignment_record_outcome(
        actor=inspector, assignment=assignment, outcome=Out.NO_PROBLEM, inspected_on=INSPECTED
    )
    assignment.refresh_from_db()
    assert (assignment.outcome, assignment.inspected_on, assignment.recorded_by) == (
        Out.NO_PROBLEM,
        INSPECTED,
        inspector,
    )
    assert CreditRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"outcome": Out.PROBLEMS, "facts": ""}, {"facts": ["State the problems found."]}),
        (
            {"outcome": Out.NO_PROBLEM, "inspected_on": dt.date(2026, 7, 1)},
            {
                "inspected_on": [
                    "The day lies outside the campaign's period (2026-03-01 to 2026-06-30)."
                ]
            },
        ),
    ],
)
def test_a_refused_outcome_changes_nothing(
    in_progress: InspectionCampaign, inspector: User, values: dict[str, Any], errors: Any
) -> None:
    assignment = inspections.assignments_of(in_progress)[0]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        inspections.assignment_record_outcome(
            actor=inspector, assignment=assignment, **{"inspected_on": INSPECTED, **values}
        )
    assert refused.value.message_dict == errors
    assignment.refresh_from_db()
    assert (assignment.outcome, assignment.inspected_on) == (Out.PENDING, None)
    assert CreditRecord.objects.count() == 0


def test_only_a_drawn_inspector_records(in_progress: InspectionCampaign, roles: RoleHelper) -> None:
    outsider = roles.user(Role.INSPECTOR, region_code="310000")  # of the region, not drawn
    assignment = inspections.assignments_of(in_progress)[0]
    with pytest.raises(inspections.PermissionDeniedError):
        inspections.assignment_record_outcome(
            actor=outsider, assignment=assignment, outcome=Out.NO_PROBLEM, inspected_on=INSPECTED
        )
    assignment.refresh_from_db()
    assert assignment.outcome == Out.PENDING


def test_closing_needs_every_outcome_then_publishing(
    in_progress: InspectionCampaign, inspector: User
) -> None:
    first = inspections.assignments_of(in_progress)[0]
    inspections.assignment_record_outcome(
        actor=inspector, assignment=first, outcome=Out.NO_PROBLEM, inspected_on=INSPECTED
    )
    second = inspections.assignments_of(in_progress)[1]
    with translation.override("en"), pytest.raises(GuardFailed) as refused:
        run(in_progress, "close", inspector)
    assert refused.value.message == (
        f"Record every inspection before closing; still open: {second.name}."
    )
    in_progress.refresh_from_db()
    assert (in_progress.state, in_progress.closed_at) == (S.IN_PROGRESS, None)

    inspections.assignment_record_outcome(
        actor=inspector, assignment=second, outcome=Out.NO_PROBLEM, inspected_on=INSPECTED
    )
    closed = run(in_progress, "close", inspector)
    assert closed.state == S.CLOSED
    assert closed.published_at is None
    published_ = run(closed, "publish", inspector)
    assert published_.state == S.PUBLISHED
    assert published_.published_at is not None
    with pytest.raises(inspections.ServiceError):
        inspections.assignment_record_outcome(
            actor=inspector, assignment=first, outcome=Out.PROBLEMS, inspected_on=INSPECTED
        )


# --- Pages ---------------------------------------------------------------------------------


def browser(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
        session = client.session
        session["portal_2fa_verified"] = True
        session.save()
    return client


def test_the_public_page_shows_the_draw_only_once_published(
    make_campaign: Make,
    inspector: User,
    employers: list[Organization],
    seed: Callable[[int], None],
) -> None:
    seed(4242)
    campaign = run(make_campaign(), "draw", inspector)
    url = f"/en/inspections/{campaign.pk}/"
    assert browser().get(url).status_code == 404
    campaign = run(campaign, "start", inspector)
    record_all(campaign)
    campaign = run(campaign, "close", inspector)
    assert browser().get(url).status_code == 404  # closed is not yet public
    run(campaign, "publish", inspector)
    html = html_of(browser().get(url))
    assert "4242" in html
    for employer in employers:  # the whole population as drawn
        assert employer.uscc in html
    assert str(inspector) in html
    assert "No problem found" in html
    listing = html_of(browser().get("/en/inspections/"))
    assert f'href="/en/inspections/{campaign.pk}/"' in listing


def test_the_public_page_in_chinese_with_its_queries_pinned(
    make_campaign: Make,
    inspector: User,
    employers: list[Organization],
    seed: Callable[[int], None],
    django_assert_num_queries: Any,
) -> None:
    campaign = published(make_campaign, inspector, seed)
    client = browser()
    # The campaign with its region, the assignments, their inspectors.
    with django_assert_num_queries(3):
        response = client.get(f"/zh-hans/inspections/{campaign.pk}/")
    html = html_of(response)
    assert f"<dt>{tr('Region')}</dt><dd>{campaign.region.name_zh}</dd>" in html
    assert f'<code class="seed">{campaign.seed}</code>' in html


def test_an_outcome_is_recorded_once(in_progress: InspectionCampaign, inspector: User) -> None:
    assignment = inspections.assignments_of(in_progress)[0]
    inspections.assignment_record_outcome(
        actor=inspector, assignment=assignment, outcome=Out.NO_PROBLEM, inspected_on=INSPECTED
    )
    with translation.override("en"), pytest.raises(inspections.ServiceError) as refused:
        inspections.assignment_record_outcome(
            actor=inspector,
            assignment=assignment,
            outcome=Out.PROBLEMS,
            inspected_on=INSPECTED,
            facts="Later thoughts.",
        )
    assert refused.value.message == "The outcome of this inspection is already recorded."
    assignment.refresh_from_db()
    assert assignment.outcome == Out.NO_PROBLEM
    assert CreditRecord.objects.count() == 0


def test_a_draft_is_not_on_the_public_list(make_campaign: Make) -> None:
    campaign = make_campaign()
    html = html_of(browser().get("/en/inspections/"))
    assert campaign.name not in html
    assert "No campaign is published yet." in html


def test_public_list_query_count_is_pinned(
    make_campaign: Make,
    inspector: User,
    employers: list[Organization],
    seed: Callable[[int], None],
    django_assert_num_queries: Any,
) -> None:
    for _ in range(3):
        published(make_campaign, inspector, seed)
    client = browser()
    # The session-less request: the campaigns with their regions, in one query.
    with django_assert_num_queries(1):
        response = client.get("/en/inspections/")
    links = re.findall(r'href="/en/inspections/(\d+)/"', response.content.decode())
    assert sorted(int(pk) for pk in links) == sorted(
        InspectionCampaign.objects.values_list("pk", flat=True)
    )
    assert len(links) == 3


def test_an_inspector_of_beijing_gets_404_on_a_shanghai_campaign(
    in_progress: InspectionCampaign, beijing_inspector: User
) -> None:
    client = browser(beijing_inspector)
    pk = in_progress.pk
    assignment = in_progress.assignments.first()
    assert assignment is not None
    assert client.get(f"/en/inspections/work/{pk}/").status_code == 404
    assert client.post(f"/en/inspections/work/{pk}/do/close/").status_code == 404
    outcome_url = f"/en/inspections/work/{pk}/assignments/{assignment.pk}/"
    assert client.get(outcome_url).status_code == 404
    posted = client.post(outcome_url, {"outcome": Out.NO_PROBLEM, "inspected_on": "2026-04-10"})
    assert posted.status_code == 404
    assignment.refresh_from_db()
    assert assignment.outcome == Out.PENDING
    in_progress.refresh_from_db()
    assert in_progress.state == S.IN_PROGRESS
    assert browser(beijing_inspector).get("/en/inspections/work/").status_code == 200


def test_a_non_inspector_gets_404_on_the_work_pages(employer_admin: User) -> None:
    assert browser(employer_admin).get("/en/inspections/work/").status_code == 404
    assert browser(employer_admin).get("/en/inspections/work/new/").status_code == 404


def test_an_inspector_sets_up_draws_and_records_through_the_pages(
    inspector: User, colleague: User, employers: list[Organization], shanghai: Region
) -> None:
    client = browser(inspector)
    form = html_of(client.get("/en/inspections/work/new/"))
    assert "All registered employers of the region" in form
    response = client.post(
        "/en/inspections/work/new/",
        {
            "name": "Spring checks",
            "region": shanghai.pk,
            "starts_on": "2026-03-01",
            "ends_on": "2026-06-30",
            "population": "registered_employers",
            "sample_size": "1",
            "inspectors_per_employer": "2",
            "pool": [inspector.pk, colleague.pk],
        },
    )
    campaign = InspectionCampaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/inspections/work/{campaign.pk}/"
    assert client.post(f"/en/inspections/work/{campaign.pk}/do/draw/").status_code == 302
    assert client.post(f"/en/inspections/work/{campaign.pk}/do/start/").status_code == 302
    page = html_of(client.get(f"/en/inspections/work/{campaign.pk}/"))
    assignment = campaign.assignments.get()
    outcome_url = f"/en/inspections/work/{campaign.pk}/assignments/{assignment.pk}/"
    assert f'href="{outcome_url}"' in page
    html_of(client.get(outcome_url))
    refused = client.post(outcome_url, {"outcome": Out.PROBLEMS, "inspected_on": "2026-04-10"})
    assert refused.status_code == 200
    assignment.refresh_from_db()
    assert assignment.outcome == Out.PENDING
    done = client.post(
        outcome_url,
        {"outcome": Out.PROBLEMS, "inspected_on": "2026-04-10", "facts": "No contracts."},
    )
    assert done.status_code == 302
    assignment.refresh_from_db()
    assert assignment.outcome == Out.PROBLEMS
    assert assignment.credit_record is not None


def test_refused_sample_size_on_the_page_changes_nothing(
    make_campaign: Make, inspector: User, employers: list[Organization]
) -> None:
    campaign = make_campaign(sample_size=9)
    client = browser(inspector)
    response = client.post(f"/en/inspections/work/{campaign.pk}/do/draw/", follow=True)
    assert "The sample size (9) exceeds the population (4)." in html_of(response)
    campaign.refresh_from_db()
    assert campaign.state == S.DRAFT


# --- Menu, workflow registry, demo ------------------------------------------------------------


def test_menu_entries() -> None:
    with translation.override("en"):
        public = {item.key for item, _url in items_for(frozenset(), signed_in=False)}
        inspector = {
            item.key: url for item, url in items_for(frozenset({"inspector"}), signed_in=True)
        }
    assert "public_inspections" in public
    assert "inspections" not in public
    assert inspector["inspections"] == "/en/inspections/work/"
    assert inspector["public_inspections"] == "/en/inspections/"


def test_the_workflow_is_registered() -> None:
    from portal.workflow import REGISTRY

    workflow = REGISTRY["credit.inspection_campaign"]
    assert [(t.name, t.source, t.target) for t in workflow.transitions] == [
        ("draw", ("draft",), "drawn"),
        ("start", ("drawn",), "in_progress"),
        ("close", ("in_progress",), "closed"),
        ("publish", ("closed",), "published"),
    ]


def test_demo_publishes_a_shanghai_campaign(roles: RoleHelper, shanghai: Region) -> None:
    from credit import inspection_demo

    OrganizationFactory(uscc=valid_uscc(31))
    sh_inspector = roles.user(Role.INSPECTOR, region_code="310000", username="sh.inspector")
    inspection_demo.load(users={"sh.inspector": sh_inspector})
    inspection_demo.load(users={"sh.inspector": sh_inspector})  # idempotent
    campaign = InspectionCampaign.objects.get()
    assert (campaign.state, campaign.region, campaign.sample_size) == (S.PUBLISHED, shanghai, 3)
    assert [row["username"] for row in campaign.pool_snapshot] == ["sh.inspector", "sh.inspector2"]
    assert not campaign.assignments.filter(outcome=Out.PENDING).exists()
    out = io.StringIO()
    call_command("redraw_campaign", str(campaign.pk), stdout=out)
    assert out.getvalue().splitlines()[-1] == "identical"
