"""Regional standards through the shared filing lifecycle (``portal.filings``) and the
drafting services of ``talent_standards.services``.

What is generic to every filing (validity of 3 to 5 years, dates in the past, unanswered
comments, reasons, the exact wrong-state messages, concurrency of publication) is tested
with catalogs in ``tests/catalogs/test_lifecycle.py``. Here, what regional standards add:

* the kind is registered with its own workflow name, and each transition goes to the
  right people (a compact role check: the audit trail names this workflow);
* the content guard: a standard needs a route or a bonus rule;
* consultation comments on a route record the route and its code (kept when the route is
  removed);
* a new version copies the routes and bonus rules and names the version it is based on;
* supersession, overlap and lapse for this model, read at once by
  ``selectors.regional_standard_in_force`` and made durable by ``filings_daily`` (with
  the reminders to the province's drafters), and the PostgreSQL exclusion constraint
  added by migration 0002;
* ``route_save`` / ``bonus_rule_save`` / ``route_remove`` / ``bonus_rule_remove`` and
  ``regional_standard_create`` / ``regional_standard_update``: every refusal, exactly;
* the "done means" path: Guangdong files a standard with a bonus rule, the ministry
  approves, and the engine adds the bonus to Guangdong jobs only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation

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
from portal.models import AuditEvent, FilingReminder, Region, TransitionRecord
from portal.models.filing import FilingState, FilingStatus
from portal.roles import Role
from portal.workflow import GuardFailed, TransitionPermissionDenied
from talent_standards import selectors, services
from talent_standards.models import (
    BonusRule,
    NationalStandard,
    RecognitionRoute,
    RegionalStandard,
    RegionalStandardComment,
    RegionalStandardInvitation,
)
from talent_standards.registration import WORKFLOW_NAME
from tests.factories import OrganizationFactory, RoleHelper
from tests.talent_standards.conftest import job, make_regional_standard, profile, region

pytestmark = pytest.mark.django_db

S = FilingState
LABEL = "talent_standards.regionalstandard"
START = dt.timedelta(days=30)


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    with translation.override("en"):
        yield


def today() -> dt.date:
    return timezone.localdate()


def three_years(start: dt.date) -> dt.date:
    return add_years(start, 3) - dt.timedelta(days=1)


def guangdong() -> Region:
    return region("440000")


def last_seq() -> int:
    return AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0


def actions_since(seq: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(seq__gt=seq).order_by("seq").values_list("action", flat=True)
    )


def records(standard: RegionalStandard) -> list[tuple[str, str, str, int | None, str]]:
    return list(
        TransitionRecord.objects.filter(target_model=LABEL, target_id=str(standard.pk))
        .order_by("at", "pk")
        .values_list("transition", "from_state", "to_state", "actor_id", "reason")
    )


def snapshot(standard: RegionalStandard) -> dict[str, Any]:
    return RegionalStandard.objects.filter(pk=standard.pk).values().get()


def fresh(standard: RegionalStandard) -> RegionalStandard:
    return RegionalStandard.objects.get(pk=standard.pk)


def route_values(code: str = "A-GD-SALARY", **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "category": "A",
        "kind": RecognitionRoute.Kind.SALARY_AMOUNT,
        "title_zh": "在粤年薪不低于100万元",
        "title_en": "Annual salary in Guangdong of at least 1,000,000 CNY",
        "evidence_zh": "劳动合同",
        "evidence_en": "Employment contract",
        "parameters": {"min_annual_salary_cny": "1000000"},
        "position": 100,
    } | overrides


def bonus_values(code: str = "GD-ICT", **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title_zh": "从事信息和通信工程技术职业",
        "title_en": "ICT engineering occupation",
        "condition": BonusRule.Condition.OCCUPATION_PREFIX,
        "parameters": {"prefixes": ["2-02-10"]},
        "points": 5,
    } | overrides


def ready(
    state: str,
    *,
    region_code: str = "440000",
    start: dt.date | None = None,
    routes: bool = False,
    bonus: bool = True,
    **kwargs: Any,
) -> RegionalStandard:
    """A standard in ``state`` that passes every guard of the transitions leaving it: a
    bonus rule (or a route), a valid period from 30 days on, an invited organization and
    a consultation deadline."""
    start = start or today() + START
    standard = make_regional_standard(
        region_code,
        state=state,
        effective_from=start,
        expires_on=three_years(start),
        routes=[route_values()] if routes else [],
        bonus_rules=[bonus_values()] if bonus else [],
        **kwargs,
    )
    inviter = RoleHelper().user(Role.STANDARDS_DRAFTER, region_code=region_code)
    RegionalStandardInvitation.objects.create(
        standard=standard, organization=OrganizationFactory(association=True), invited_by=inviter
    )
    RegionalStandard.objects.filter(pk=standard.pk).update(
        consultation_deadline=today() + dt.timedelta(days=10)
    )
    return fresh(standard)


@pytest.fixture
def stakeholder(roles) -> Any:
    return roles.user(Role.STAKEHOLDER, region_code="440000")


# --- Registration and roles -----------------------------------------------------------------------


def test_regional_standards_are_a_registered_filing_kind():
    kind = kind_of(RegionalStandard)
    assert kind.workflow.name == WORKFLOW_NAME == "talent_standards.regional_standard"
    assert kind.model is RegionalStandard
    assert {t.name for t in kind.workflow.transitions if t.automatic} == {"supersede", "lapse"}
    assert {t.name for t in kind.workflow.transitions if not t.automatic} == {
        "open_consultation",
        "close_consultation",
        "submit",
        "recall",
        "start_review",
        "approve",
        "return",
        "revise",
        "publish",
        "withdraw",
    }


PEOPLE: dict[str, Callable[[RoleHelper], Any]] = {
    "guangdong_drafter": lambda r: r.user(Role.STANDARDS_DRAFTER, region_code="440000"),
    "shanghai_drafter": lambda r: r.user(Role.STANDARDS_DRAFTER, region_code="310000"),
    "reviewer": lambda r: r.user(Role.MINISTRY_REVIEWER),
    "site_admin": lambda r: r.user(Role.SITE_ADMIN),
    "stakeholder": lambda r: r.user(Role.STAKEHOLDER, region_code="440000"),
}
DRAFTER = frozenset({"guangdong_drafter"})
REVIEWER = frozenset({"reviewer"})
TRANSITIONS = [
    ("open_consultation", S.DRAFT, S.CONSULTATION, DRAFTER, False),
    ("close_consultation", S.CONSULTATION, S.DRAFT, DRAFTER, False),
    ("submit", S.DRAFT, S.SUBMITTED, DRAFTER, False),
    ("recall", S.SUBMITTED, S.DRAFT, DRAFTER, True),
    ("start_review", S.SUBMITTED, S.UNDER_REVIEW, REVIEWER, False),
    ("approve", S.UNDER_REVIEW, S.APPROVED, REVIEWER, False),
    ("return", S.UNDER_REVIEW, S.RETURNED, REVIEWER, True),
    ("revise", S.RETURNED, S.DRAFT, DRAFTER, False),
    ("publish", S.APPROVED, S.PUBLISHED, DRAFTER, False),
    ("withdraw", S.PUBLISHED, S.WITHDRAWN, DRAFTER | REVIEWER, True),
]


@pytest.mark.parametrize(
    ("person", "transition", "source", "target", "allowed", "needs_reason"),
    [pytest.param(person, *t, id=f"{t[0]}-by-{person}") for t in TRANSITIONS for person in PEOPLE],
)
def test_the_lifecycle_by_role(roles, person, transition, source, target, allowed, needs_reason):
    actor = PEOPLE[person](roles)
    standard = ready(source)
    before = snapshot(standard)
    seq = last_seq()
    reason = "Route A-GD-SALARY needs a source." if needs_reason else ""

    if person not in allowed:
        with pytest.raises(TransitionPermissionDenied):
            filing_transition(actor=actor, filing=standard, transition=transition, reason=reason)
        assert snapshot(standard) == before
        assert records(standard) == []
        assert actions_since(seq) == []
        return

    done = filing_transition(actor=actor, filing=standard, transition=transition, reason=reason)
    assert done.state == fresh(standard).state == target
    assert records(standard) == [(transition, source, target, actor.pk, reason)]
    assert actions_since(seq) == [f"talent_standards.regional_standard.{transition}"]


# --- Content guard --------------------------------------------------------------------------------

EMPTY = "The standard has no route and no bonus rule yet."


def assert_guard(standard: RegionalStandard, actor: Any, transition: str, message: str) -> None:
    before = snapshot(standard)
    recorded = records(standard)
    seq = last_seq()
    with pytest.raises(GuardFailed) as refused:
        filing_transition(actor=actor, filing=standard, transition=transition)
    assert refused.value.message == message
    assert snapshot(standard) == before
    assert records(standard) == recorded
    assert actions_since(seq) == []


@pytest.mark.parametrize("transition", ["submit", "open_consultation"])
def test_a_standard_without_route_or_bonus_rule_is_refused(gd_drafter, transition):
    standard = ready(S.DRAFT, bonus=False)
    assert_guard(standard, gd_drafter, transition, EMPTY)


@pytest.mark.parametrize(
    ("routes", "bonus"),
    [(True, False), (False, True), (True, True)],
    ids=["route", "bonus", "both"],
)
def test_a_route_or_a_bonus_rule_is_enough(gd_drafter, routes, bonus):
    standard = ready(S.DRAFT, routes=routes, bonus=bonus)
    done = filing_transition(actor=gd_drafter, filing=standard, transition="submit")
    assert done.state == S.SUBMITTED


def test_removing_the_last_part_during_consultation_blocks_the_filing(gd_drafter):
    standard = ready(S.CONSULTATION)
    services.bonus_rule_remove(actor=gd_drafter, rule=standard.bonus_rules.get())
    assert_guard(fresh(standard), gd_drafter, "submit", EMPTY)


# --- Consultation comments on routes --------------------------------------------------------------


@pytest.fixture
def consulting(gd_drafter, stakeholder) -> RegionalStandard:
    standard = ready(S.DRAFT, routes=True)
    consultation_open(
        actor=gd_drafter,
        filing=standard,
        organizations=[stakeholder.organization],
        deadline=today() + dt.timedelta(days=14),
    )
    return fresh(standard)


def test_a_comment_on_a_route_records_the_route_and_its_code(consulting, stakeholder):
    salary_route = consulting.routes.get()
    specific = consultation_comment(
        actor=stakeholder, filing=consulting, text="Lower it to 800,000.", entry=salary_route
    )
    general = consultation_comment(actor=stakeholder, filing=consulting, text="Add a B route.")

    specific = RegionalStandardComment.objects.get(pk=specific.pk)
    general = RegionalStandardComment.objects.get(pk=general.pk)
    assert (specific.route_id, specific.part_code, specific.standard_id) == (
        salary_route.pk,
        "A-GD-SALARY",
        consulting.pk,
    )
    assert (general.route_id, general.part_code) == (None, "")
    assert specific.organization_id == stakeholder.organization_id


def test_the_code_stays_when_the_route_is_removed(consulting, stakeholder, gd_drafter):
    salary_route = consulting.routes.get()
    comment = consultation_comment(
        actor=stakeholder, filing=consulting, text="Drop it.", entry=salary_route
    )
    services.route_remove(actor=gd_drafter, route=salary_route)

    comment = RegionalStandardComment.objects.get(pk=comment.pk)
    assert (comment.route_id, comment.part_code) == (None, "A-GD-SALARY")


def test_a_comment_on_a_bonus_rule_records_its_code(consulting, stakeholder):
    rule = consulting.bonus_rules.get()
    comment = consultation_comment(
        actor=stakeholder, filing=consulting, text="Make it 8 points.", entry=rule
    )
    comment = RegionalStandardComment.objects.get(pk=comment.pk)
    assert (comment.route_id, comment.part_code) == (None, "GD-ICT")


def test_comments_on_routes_are_answered_before_filing(consulting, stakeholder, gd_drafter):
    comment = consultation_comment(
        actor=stakeholder, filing=consulting, text="Why 1,000,000?", entry=consulting.routes.get()
    )
    assert_guard(
        consulting, gd_drafter, "submit", "Answer every consultation comment first: 1 still open."
    )
    consultation_answer(actor=gd_drafter, comment=comment, text="Twice the B multiple.")
    done = filing_transition(actor=gd_drafter, filing=fresh(consulting), transition="submit")
    assert done.state == S.SUBMITTED


def test_routes_and_rules_may_change_during_consultation(consulting, gd_drafter):
    saved = services.route_save(
        actor=gd_drafter,
        standard=consulting,
        route=consulting.routes.get(),
        parameters={"min_annual_salary_cny": "800000"},
    )
    assert RecognitionRoute.objects.get(pk=saved.pk).parameters == {
        "min_annual_salary_cny": "800000"
    }
    services.bonus_rule_save(actor=gd_drafter, standard=consulting, **bonus_values("GD-2"))
    assert sorted(consulting.bonus_rules.values_list("code", flat=True)) == ["GD-2", "GD-ICT"]


# --- New versions ---------------------------------------------------------------------------------


def route_rows(standard: RegionalStandard) -> list[tuple[Any, ...]]:
    return list(
        standard.routes.order_by("code").values_list(*services.ROUTE_FIELDS)  # type: ignore[misc]
    )


def bonus_rows(standard: RegionalStandard) -> list[tuple[Any, ...]]:
    return list(standard.bonus_rules.order_by("code").values_list(*services.BONUS_FIELDS))


def test_a_new_version_copies_routes_and_bonus_rules(gd_drafter, stakeholder):
    start = today() - dt.timedelta(days=400)
    v1 = make_regional_standard(
        "440000",
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=three_years(start),
        routes=[
            route_values(description_en="For high earners.", position=100),
            route_values(
                "A-GD-PRIZE",
                kind=RecognitionRoute.Kind.LISTED_ACHIEVEMENT,
                parameters={"list": [{"code": "gd_prize", "title_zh": "奖", "title_en": "Prize"}]},
                position=110,
            ),
        ],
        bonus_rules=[
            bonus_values(),
            bonus_values(
                "GD-PHD", condition="education_at_least", parameters={"min_education": "doctorate"}
            ),
        ],
    )
    RegionalStandard.objects.filter(pk=v1.pk).update(notes_zh="说明", notes_en="Notes")
    v1 = fresh(v1)
    before_routes, before_rules = route_rows(v1), bonus_rows(v1)
    seq = last_seq()

    v2 = services.regional_standard_new_version(actor=gd_drafter, source=v1)

    v2 = fresh(v2)
    assert (v2.version, v2.state, v2.based_on_id, v2.region_id) == (
        2,
        S.DRAFT,
        v1.pk,
        guangdong().pk,
    )
    assert (v2.title_zh, v2.title_en, v2.notes_zh, v2.notes_en) == (
        v1.title_zh,
        v1.title_en,
        "说明",
        "Notes",
    )
    assert (v2.effective_from, v2.expires_on, v2.created_by_id) == (None, None, gd_drafter.pk)
    assert route_rows(v2) == before_routes
    assert bonus_rows(v2) == before_rules
    assert len(before_routes) == 2
    assert len(before_rules) == 2
    assert set(v2.routes.values_list("pk", flat=True)).isdisjoint(
        set(v1.routes.values_list("pk", flat=True))
    )
    assert actions_since(seq) == ["talent_standards.regional_standard.new_version"]
    assert AuditEvent.objects.get(seq=seq + 1).data == {"based_on": v1.pk}

    # Changing the copy leaves the published version alone.
    services.route_save(
        actor=gd_drafter, standard=v2, route=v2.routes.get(code="A-GD-SALARY"), position=5
    )
    services.bonus_rule_remove(actor=gd_drafter, rule=v2.bonus_rules.get(code="GD-PHD"))
    assert route_rows(v1) == before_routes
    assert bonus_rows(v1) == before_rules


def test_a_new_version_is_for_the_provinces_drafters_only(roles):
    v1 = ready(S.PUBLISHED, start=today() - dt.timedelta(days=10))
    for person in ("shanghai_drafter", "reviewer", "site_admin"):
        actor = PEOPLE[person](roles)
        seq = last_seq()
        with pytest.raises(TransitionPermissionDenied):
            services.regional_standard_new_version(actor=actor, source=v1)
        assert RegionalStandard.objects.filter(region=guangdong()).count() == 1
        assert actions_since(seq) == []


# --- Create and update ----------------------------------------------------------------------------


def test_create_numbers_versions_per_province(gd_drafter, sh_drafter):
    first = services.regional_standard_create(
        actor=gd_drafter, region=guangdong(), title_zh=" 广东标准 ", title_en=" Guangdong "
    )
    second = services.regional_standard_create(actor=gd_drafter, region=guangdong(), title_zh="二")
    shanghai = services.regional_standard_create(
        actor=sh_drafter, region=region("310000"), title_zh="上海"
    )
    assert [(s.region.code, s.version) for s in (first, second, shanghai)] == [
        ("440000", 1),
        ("440000", 2),
        ("310000", 1),
    ]
    assert (first.title_zh, first.title_en, first.state) == ("广东标准", "Guangdong", S.DRAFT)


def test_create_refusals(gd_drafter, sh_drafter):
    shenzhen = Region.objects.create(
        code="440300",
        name_zh="深圳市",
        name_en="Shenzhen",
        level=Region.Level.PREFECTURE,
        parent=guangdong(),
    )
    with pytest.raises(ValidationError) as city:
        services.regional_standard_create(actor=gd_drafter, region=shenzhen, title_zh="深圳")
    assert city.value.message_dict == {"region": ["Regional standards are set by provinces."]}
    with pytest.raises(ValidationError) as untitled:
        services.regional_standard_create(actor=gd_drafter, region=guangdong(), title_zh="  ")
    assert untitled.value.message_dict == {"title_zh": ["Give the standard a Chinese title."]}
    with pytest.raises(TransitionPermissionDenied) as foreign:
        services.regional_standard_create(actor=sh_drafter, region=guangdong(), title_zh="广东")
    assert foreign.value.message == "Only the province's drafters may change its regional standard."
    assert RegionalStandard.objects.count() == 0


def test_update_refusals(gd_drafter, sh_drafter):
    standard = ready(S.DRAFT)
    before = snapshot(standard)
    with pytest.raises(ValidationError) as backwards:
        services.regional_standard_update(
            actor=gd_drafter, standard=standard, expires_on=standard.effective_from
        )
    assert backwards.value.message_dict == {
        "expires_on": ["The last day of validity comes after the effective date."]
    }
    with pytest.raises(ValidationError) as untitled:
        services.regional_standard_update(actor=gd_drafter, standard=standard, title_zh="")
    assert untitled.value.message_dict == {"title_zh": ["Give the standard a Chinese title."]}
    with pytest.raises(TransitionPermissionDenied):
        services.regional_standard_update(actor=sh_drafter, standard=standard, title_en="X")
    with pytest.raises(ValueError, match=r"not changeable here: \['state'\]"):
        services.regional_standard_update(actor=gd_drafter, standard=standard, state=S.PUBLISHED)
    assert snapshot(standard) == before

    filed = ready(S.SUBMITTED)
    with pytest.raises(FilingError) as frozen:
        services.regional_standard_update(actor=gd_drafter, standard=filed, title_en="X")
    assert (frozen.value.code, frozen.value.status, frozen.value.message) == (
        "not_editable",
        409,
        "Version 2 is Filed with the ministry: its content can no longer change.",
    )


def test_update_changes_and_audits_only_what_changed(gd_drafter):
    standard = ready(S.DRAFT)
    seq = last_seq()
    services.regional_standard_update(
        actor=gd_drafter, standard=standard, title_en="New title", title_zh=standard.title_zh
    )
    assert fresh(standard).title_en == "New title"
    assert actions_since(seq) == ["talent_standards.regional_standard.update"]
    assert AuditEvent.objects.get(seq=seq + 1).data == {"fields": ["title_en"]}
    services.regional_standard_update(actor=gd_drafter, standard=standard, title_en="New title")
    assert actions_since(seq) == ["talent_standards.regional_standard.update"]


# --- Routes ---------------------------------------------------------------------------------------


def test_route_save_adds_and_changes_a_route(gd_drafter):
    standard = ready(S.DRAFT, bonus=False)
    seq = last_seq()
    added = services.route_save(
        actor=gd_drafter, standard=standard, **route_values(code="  a-gd-salary ")
    )
    assert (added.code, added.regional_standard_id, added.national_standard_id) == (
        "A-GD-SALARY",
        standard.pk,
        None,
    )
    changed = services.route_save(
        actor=gd_drafter, standard=standard, route=added, title_en="Salary route", category="B"
    )
    row = RecognitionRoute.objects.get(pk=added.pk)
    assert (changed.pk, row.title_en, row.category, row.title_zh) == (
        added.pk,
        "Salary route",
        "B",
        "在粤年薪不低于100万元",
    )
    assert actions_since(seq) == ["talent_standards.route.add", "talent_standards.route.change"]
    assert [e.data for e in AuditEvent.objects.filter(seq__gt=seq).order_by("seq")] == [
        {"code": "A-GD-SALARY"},
        {"code": "A-GD-SALARY"},
    ]


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (
            {"kind": "points"},
            {"kind": ["A regional route is decided from figures or by an officer."]},
        ),
        (
            {"kind": "catalog_listing"},
            {"kind": ["A regional route is decided from figures or by an officer."]},
        ),
        ({"category": "C"}, {"category": ["A regional route recognises Category A or B."]}),
        ({"parameters": {}}, {"parameters": ["Give the minimum annual salary in yuan."]}),
        (
            {"parameters": {"min_annual_salary_cny": "0"}},
            {"parameters": ["Give the minimum annual salary in yuan."]},
        ),
        (
            {"parameters": {"min_annual_salary_cny": "lots"}},
            {"parameters": ["Give the minimum annual salary in yuan."]},
        ),
        (
            {"kind": "salary_multiple", "parameters": {"multiple": "0.5"}},
            {"parameters": ["The multiple of the average wage is 1 to 20."]},
        ),
        (
            {"kind": "salary_multiple", "parameters": {"multiple": 21}},
            {"parameters": ["The multiple of the average wage is 1 to 20."]},
        ),
        (
            {"kind": "salary_multiple", "parameters": {}},
            {"parameters": ["The multiple of the average wage is 1 to 20."]},
        ),
        (
            {"kind": "listed_achievement", "parameters": {"list": []}},
            {"parameters": ["List what qualifies: each with a code and titles."]},
        ),
        ({"code": "  "}, {"code": ["This field cannot be blank."]}),
        ({"title_zh": ""}, {"title_zh": ["This field cannot be blank."]}),
        (
            {"kind": "points", "category": "C"},
            {
                "kind": ["A regional route is decided from figures or by an officer."],
                "category": ["A regional route recognises Category A or B."],
            },
        ),
    ],
)
def test_route_save_refusals(gd_drafter, values, errors):
    standard = ready(S.DRAFT)
    seq = last_seq()
    with pytest.raises(ValidationError) as refused:
        services.route_save(actor=gd_drafter, standard=standard, **route_values(**values))
    assert refused.value.message_dict == errors
    assert standard.routes.count() == 0
    assert actions_since(seq) == []


@pytest.mark.parametrize(
    ("kind", "parameters"),
    [
        ("salary_multiple", {"multiple": 1}),
        ("salary_multiple", {"multiple": "20"}),
        ("degree_experience", {"min_education": "master", "min_years": 3}),
        ("officer_judgement", {}),
        ("listed_achievement", {"list": [{"code": "x", "title_zh": "甲", "title_en": "X"}]}),
    ],
)
def test_route_save_accepts_each_regional_kind(gd_drafter, kind, parameters):
    standard = ready(S.DRAFT)
    saved = services.route_save(
        actor=gd_drafter, standard=standard, **route_values(kind=kind, parameters=parameters)
    )
    assert (saved.kind, saved.parameters) == (kind, parameters)


def test_route_codes_are_unique_within_a_standard(gd_drafter):
    standard = ready(S.DRAFT)
    other = ready(S.DRAFT)
    first = services.route_save(actor=gd_drafter, standard=standard, **route_values())
    with pytest.raises(ValidationError) as refused:
        services.route_save(actor=gd_drafter, standard=standard, **route_values(code="a-gd-salary"))
    assert refused.value.message_dict == {"code": ["Another route of this standard has this code."]}
    second = services.route_save(actor=gd_drafter, standard=standard, **route_values("A-GD-2"))
    with pytest.raises(ValidationError):
        services.route_save(actor=gd_drafter, standard=standard, route=second, code="A-GD-SALARY")
    # Saving a route under its own code, and the same code in another standard, are fine.
    services.route_save(actor=gd_drafter, standard=standard, route=first, code="A-GD-SALARY")
    services.route_save(actor=gd_drafter, standard=other, **route_values())
    assert sorted(standard.routes.values_list("code", flat=True)) == ["A-GD-2", "A-GD-SALARY"]


def test_route_save_unknown_field_is_a_programming_error(gd_drafter):
    with pytest.raises(ValueError, match=r"unknown route fields: \['national_standard'\]"):
        services.route_save(
            actor=gd_drafter, standard=ready(S.DRAFT), national_standard=None, **route_values()
        )


@pytest.mark.parametrize(
    "state",
    [S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED, S.APPROVED, S.PUBLISHED, S.WITHDRAWN],
)
def test_parts_are_editable_only_in_draft_and_consultation(gd_drafter, state):
    standard = ready(state, routes=True)
    salary_route, rule = standard.routes.get(), standard.bonus_rules.get()
    routes_before, rules_before = route_rows(standard), bonus_rows(standard)
    label = str(S(state).label)
    message = f"Version 1 is {label}: its content can no longer change."
    seq = last_seq()

    attempts: list[Callable[[], Any]] = [
        lambda: services.route_save(
            actor=gd_drafter, standard=standard, **route_values("A-GD-NEW")
        ),
        lambda: services.route_save(
            actor=gd_drafter, standard=standard, route=salary_route, title_en="Changed"
        ),
        lambda: services.route_remove(actor=gd_drafter, route=salary_route),
        lambda: services.bonus_rule_save(
            actor=gd_drafter, standard=standard, **bonus_values("GD-NEW")
        ),
        lambda: services.bonus_rule_save(actor=gd_drafter, standard=standard, rule=rule, points=9),
        lambda: services.bonus_rule_remove(actor=gd_drafter, rule=rule),
    ]
    for attempt in attempts:
        with pytest.raises(FilingError) as refused:
            attempt()
        assert (refused.value.code, refused.value.status, refused.value.message) == (
            "not_editable",
            409,
            message,
        )
    assert route_rows(standard) == routes_before
    assert bonus_rows(standard) == rules_before
    assert actions_since(seq) == []


@pytest.mark.parametrize("person", ["shanghai_drafter", "reviewer", "site_admin", "stakeholder"])
def test_parts_are_changed_by_the_provinces_drafters_only(roles, person):
    actor = PEOPLE[person](roles)
    standard = ready(S.DRAFT, routes=True)
    salary_route, rule = standard.routes.get(), standard.bonus_rules.get()
    routes_before, rules_before = route_rows(standard), bonus_rows(standard)
    seq = last_seq()
    attempts: list[Callable[[], Any]] = [
        lambda: services.route_save(actor=actor, standard=standard, **route_values("A-GD-NEW")),
        lambda: services.route_remove(actor=actor, route=salary_route),
        lambda: services.bonus_rule_save(actor=actor, standard=standard, **bonus_values("X")),
        lambda: services.bonus_rule_remove(actor=actor, rule=rule),
    ]
    for attempt in attempts:
        with pytest.raises(TransitionPermissionDenied) as refused:
            attempt()
        assert refused.value.message == (
            "Only the province's drafters may change its regional standard."
        )
    assert route_rows(standard) == routes_before
    assert bonus_rows(standard) == rules_before
    assert actions_since(seq) == []


def test_a_part_of_another_standard_cannot_be_changed_through_ones_own(sh_drafter):
    mine = ready(S.DRAFT, region_code="310000")
    theirs = ready(S.PUBLISHED, routes=True, start=today() - dt.timedelta(days=10))
    salary_route, rule = theirs.routes.get(), theirs.bonus_rules.get()
    routes_before, rules_before = route_rows(theirs), bonus_rows(theirs)
    refusals = (TransitionPermissionDenied, ValidationError, ValueError, FilingError)
    with pytest.raises(refusals):
        services.route_save(actor=sh_drafter, standard=mine, route=salary_route, title_en="Mine")
    with pytest.raises(refusals):
        services.bonus_rule_save(actor=sh_drafter, standard=mine, rule=rule, points=10)
    assert route_rows(theirs) == routes_before
    assert bonus_rows(theirs) == rules_before


def test_national_routes_cannot_be_removed_through_route_remove(gd_drafter, roles):
    national = NationalStandard.objects.get(version="2017").routes.get(code="B-DEGREE")
    for actor in (gd_drafter, PEOPLE["reviewer"](roles)):
        seq = last_seq()
        with pytest.raises(TransitionPermissionDenied) as refused:
            services.route_remove(actor=actor, route=national)
        assert refused.value.message == "National routes are kept by the ministry."
        assert actions_since(seq) == []
    assert RecognitionRoute.objects.filter(pk=national.pk).exists()


def test_route_remove_and_bonus_rule_remove_are_audited(gd_drafter):
    standard = ready(S.DRAFT, routes=True)
    seq = last_seq()
    services.route_remove(actor=gd_drafter, route=standard.routes.get())
    services.bonus_rule_remove(actor=gd_drafter, rule=standard.bonus_rules.get())
    assert (standard.routes.count(), standard.bonus_rules.count()) == (0, 0)
    assert actions_since(seq) == ["talent_standards.route.remove", "talent_standards.bonus.remove"]
    assert [e.data for e in AuditEvent.objects.filter(seq__gt=seq).order_by("seq")] == [
        {"code": "A-GD-SALARY"},
        {"code": "GD-ICT"},
    ]


# --- Bonus rules ----------------------------------------------------------------------------------


def test_bonus_rule_save_adds_and_changes_a_rule(gd_drafter):
    standard = ready(S.DRAFT, bonus=False)
    seq = last_seq()
    added = services.bonus_rule_save(actor=gd_drafter, standard=standard, **bonus_values(" gd-ict"))
    services.bonus_rule_save(actor=gd_drafter, standard=standard, rule=added, points=10)
    row = BonusRule.objects.get(pk=added.pk)
    assert (row.code, row.points, row.condition, row.parameters) == (
        "GD-ICT",
        10,
        "occupation_prefix",
        {"prefixes": ["2-02-10"]},
    )
    assert actions_since(seq) == ["talent_standards.bonus.add", "talent_standards.bonus.change"]
    assert [e.data for e in AuditEvent.objects.filter(seq__gt=seq).order_by("seq")] == [
        {"code": "GD-ICT", "points": 5},
        {"code": "GD-ICT", "points": 10},
    ]


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"condition": "moon_phase"}, {"condition": ["Choose a condition."]}),
        (
            {"condition": "occupation_prefix", "parameters": {"prefixes": []}},
            {
                "parameters": [
                    "List the occupation groups by whole code parts, e.g. 2-02-10 or 2-02."
                ]
            },
        ),
        (
            {"condition": "salary_at_least", "parameters": {"min_annual_salary_cny": "-5"}},
            {"parameters": ["Give the minimum annual salary in yuan."]},
        ),
        (
            {"condition": "salary_at_least", "parameters": {}},
            {"parameters": ["Give the minimum annual salary in yuan."]},
        ),
        (
            {"condition": "education_at_least", "parameters": {"min_education": "phd"}},
            {"parameters": ["Choose the minimum education."]},
        ),
        (
            {"condition": "declared_fact", "parameters": {"fact": "  "}},
            {"parameters": ["Name the fact the applicant declares."]},
        ),
        ({"points": 0}, {"points": ["A rule gives 1 to 10 points."]}),
        ({"points": 11}, {"points": ["A rule gives 1 to 10 points."]}),
        ({"points": "5"}, {"points": ["A rule gives 1 to 10 points."]}),
        ({"code": ""}, {"code": ["This field cannot be blank."]}),
        ({"title_zh": ""}, {"title_zh": ["This field cannot be blank."]}),
    ],
)
def test_bonus_rule_save_refusals(gd_drafter, values, errors):
    standard = ready(S.DRAFT, bonus=False)
    seq = last_seq()
    with pytest.raises(ValidationError) as refused:
        services.bonus_rule_save(actor=gd_drafter, standard=standard, **bonus_values(**values))
    assert refused.value.message_dict == errors
    assert standard.bonus_rules.count() == 0
    assert actions_since(seq) == []


@pytest.mark.parametrize(
    ("condition", "parameters", "points"),
    [
        ("always", {}, 1),
        ("catalog_listed", {}, 10),
        ("salary_at_least", {"min_annual_salary_cny": "500000"}, 5),
        ("education_at_least", {"min_education": "master"}, 5),
        ("declared_fact", {"fact": "nansha_employer"}, 5),
    ],
)
def test_bonus_rule_save_accepts_each_condition(gd_drafter, condition, parameters, points):
    standard = ready(S.DRAFT, bonus=False)
    saved = services.bonus_rule_save(
        actor=gd_drafter,
        standard=standard,
        **bonus_values(condition=condition, parameters=parameters, points=points),
    )
    assert (saved.condition, saved.parameters, saved.points) == (condition, parameters, points)


def test_bonus_rule_codes_are_unique_within_a_standard(gd_drafter):
    standard = ready(S.DRAFT)  # holds GD-ICT
    with pytest.raises(ValidationError) as refused:
        services.bonus_rule_save(actor=gd_drafter, standard=standard, **bonus_values("gd-ict"))
    assert refused.value.message_dict == {
        "code": ["Another bonus rule of this standard has this code."]
    }
    assert standard.bonus_rules.count() == 1


def test_bonus_rule_save_unknown_field_is_a_programming_error(gd_drafter):
    with pytest.raises(ValueError, match=r"unknown bonus rule fields: \['weight'\]"):
        services.bonus_rule_save(
            actor=gd_drafter, standard=ready(S.DRAFT), weight=2, **bonus_values("X")
        )


# --- Supersession and overlap ---------------------------------------------------------------------


def published_in_force(**kwargs: Any) -> RegionalStandard:
    """Guangdong's v1, in force since two years ago for five years."""
    start = today() - dt.timedelta(days=2 * 365)
    return make_regional_standard(
        "440000",
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=add_years(start, 5) - dt.timedelta(days=1),
        bonus_rules=[bonus_values("GD-V1", condition="always", parameters={})],
        **kwargs,
    )


def test_publishing_a_new_version_supersedes_the_one_in_force(gd_drafter):
    v1 = published_in_force()
    v2 = ready(S.APPROVED)
    day = v2.effective_from
    assert day is not None
    seq = last_seq()

    filing_transition(actor=gd_drafter, filing=v2, transition="publish")

    v1 = fresh(v1)
    assert (v1.state, v1.superseded_on, v1.ends_on) == (
        S.PUBLISHED,
        day,
        day - dt.timedelta(days=1),
    )
    assert actions_since(seq) == [
        "talent_standards.regional_standard.supersede_scheduled",
        "talent_standards.regional_standard.publish",
    ]
    before = selectors.regional_standard_in_force(guangdong(), day - dt.timedelta(days=1))
    after = selectors.regional_standard_in_force(guangdong(), day)
    assert (before, after) == (v1, fresh(v2))
    assert v1.status_on(day) == FilingStatus.SUPERSEDED
    # The engine follows: the old bonus rule until the day before, the new one from the day.
    the_job = job("440000", occupation_code="2-02-10-03")
    old = services.assess(
        profile=profile(), job=the_job, region=guangdong(), on=day - dt.timedelta(days=1)
    )
    new = services.assess(profile=profile(), job=the_job, region=guangdong(), on=day)
    assert (old.regional_version, old.points.lines[-1].reason) == (
        "440000:v1",
        "GD-V1 +5 (regional standard 440000:v1)",
    )
    assert (new.regional_version, new.points.lines[-1].reason) == (
        "440000:v2",
        "GD-ICT +5 (regional standard 440000:v2)",
    )

    report = filings_daily(day)
    assert report.superseded == [f"{LABEL}#{v1.pk}"]
    assert fresh(v1).state == S.SUPERSEDED
    assert records(v1) == [("supersede", S.PUBLISHED, S.SUPERSEDED, None, "")]


def test_publishing_an_overlapping_version_is_refused(gd_drafter):
    start = today() + dt.timedelta(days=60)
    v1 = make_regional_standard(
        "440000",
        state=S.PUBLISHED,
        effective_from=start,
        expires_on=three_years(start),
        bonus_rules=[bonus_values()],
    )
    v2 = ready(S.APPROVED, start=start)
    v1_before = snapshot(v1)
    assert_guard(
        v2,
        gd_drafter,
        "publish",
        "The validity of this version would overlap published versions: "
        f"v1 ({start.isoformat()} - {three_years(start).isoformat()}).",
    )
    assert snapshot(v1) == v1_before


def test_another_provinces_publication_does_not_supersede(sh_drafter):
    v1 = published_in_force()
    shanghai = ready(S.APPROVED, region_code="310000")
    filing_transition(actor=sh_drafter, filing=shanghai, transition="publish")
    assert fresh(v1).superseded_on is None


def test_the_database_refuses_an_overlapping_published_row(postgres_only):
    """Migration 0002 adds the exclusion constraint for regional standards: written behind
    the service's back, an overlapping published version is refused; one starting the day
    its predecessor is superseded is not."""
    start = today() + dt.timedelta(days=10)
    v1 = make_regional_standard(
        "440000", state=S.PUBLISHED, effective_from=start, expires_on=three_years(start)
    )
    v2 = make_regional_standard(
        "440000",
        state=S.APPROVED,
        effective_from=start + dt.timedelta(days=100),
        expires_on=three_years(start + dt.timedelta(days=100)),
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        RegionalStandard.objects.filter(pk=v2.pk).update(
            state=S.PUBLISHED, published_at=timezone.now()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        make_regional_standard(
            "440000",
            state=S.LAPSED,
            effective_from=start - dt.timedelta(days=5),
            expires_on=start,
        )
    assert fresh(v2).state == S.APPROVED
    assert RegionalStandard.objects.filter(region=guangdong()).count() == 2

    # Another province's published standard over the same dates is fine.
    make_regional_standard(
        "310000", state=S.PUBLISHED, effective_from=start, expires_on=three_years(start)
    )
    # Supersession ends v1 the day before v2 starts: no overlap, the database agrees.
    with transaction.atomic():
        RegionalStandard.objects.filter(pk=v1.pk).update(superseded_on=v2.effective_from)
        RegionalStandard.objects.filter(pk=v2.pk).update(
            state=S.PUBLISHED, published_at=timezone.now()
        )
    assert fresh(v2).state == S.PUBLISHED


# --- Lapse ----------------------------------------------------------------------------------------


def expiring(last_day: dt.date) -> RegionalStandard:
    return make_regional_standard(
        "440000",
        state=S.PUBLISHED,
        effective_from=add_years(last_day + dt.timedelta(days=1), -3),
        expires_on=last_day,
        bonus_rules=[bonus_values("GD-ALL", condition="always", parameters={})],
    )


def test_a_standard_past_its_validity_reads_as_lapsed_at_once():
    last_day = today() - dt.timedelta(days=1)
    standard = expiring(last_day)

    assert standard.state == S.PUBLISHED  # the daily task has not run
    assert standard.status_on(today()) == FilingStatus.LAPSED
    assert selectors.regional_standard_in_force(guangdong(), last_day) == standard
    assert selectors.regional_standard_in_force(guangdong(), today()) is None
    assert selectors.regional_standard_in_force(guangdong()) is None
    # The engine no longer adds its bonus, nor names it.
    assessment = services.assess(profile=profile(), job=job("440000"), region=guangdong())
    assert assessment.regional_version == ""
    assert assessment.points.lines[-1].reason == "Guangdong has no regional standard in force"
    overview = {p.province.code: p for p in selectors.provinces_with_standards(today())}
    assert overview["440000"].in_force is None
    assert overview_in_force(last_day) == standard.pk


def overview_in_force(day: dt.date) -> int | None:
    found = {p.province.code: p for p in selectors.provinces_with_standards(day)}["440000"]
    return found.in_force.pk if found.in_force is not None else None


def test_the_daily_task_makes_the_lapse_durable_once():
    standard = expiring(today() - dt.timedelta(days=1))
    seq = last_seq()

    report = filings_daily(today())

    assert report.lapsed == [f"{LABEL}#{standard.pk}"]
    assert fresh(standard).state == S.LAPSED
    assert records(standard) == [("lapse", S.PUBLISHED, S.LAPSED, None, "")]
    lapse = AuditEvent.objects.get(seq__gt=seq, action=f"{WORKFLOW_NAME}.lapse")
    assert (lapse.actor_id, lapse.actor_repr, lapse.target_id) == (
        None,
        "system",
        str(standard.pk),
    )
    assert selectors.regional_standard_in_force(guangdong(), today()) is None
    # Its own history stays readable.
    assert selectors.regional_standard_in_force(guangdong(), today() - dt.timedelta(days=1)) == (
        fresh(standard)
    )
    again = filings_daily(today())
    assert (again.lapsed, again.superseded) == ([], [])
    assert len(records(standard)) == 1


@pytest.fixture
def drafters(roles) -> dict[str, Any]:
    """Two Guangdong drafters (Chinese and English), one without e-mail; one in Shanghai."""
    return {
        "zh": roles.user(
            Role.STANDARDS_DRAFTER, region_code="440000", preferred_language="zh-hans"
        ),
        "en": roles.user(Role.STANDARDS_DRAFTER, region_code="440000", preferred_language="en"),
        "none": roles.user(Role.STANDARDS_DRAFTER, region_code="440000", email=""),
        "shanghai": roles.user(Role.STANDARDS_DRAFTER, region_code="310000"),
    }


def run_day(day: dt.date, capture: Any) -> list[str]:
    mail.outbox.clear()
    with capture(execute=True):
        report = filings_daily(day)
    return report.reminders


def test_reminders_go_to_the_provinces_drafters(drafters, django_capture_on_commit_callbacks):
    last_day = today() + dt.timedelta(days=200)
    standard = expiring(last_day)
    title_en = "Guangdong regional standard for foreign talent"

    assert run_day(last_day - dt.timedelta(days=91), django_capture_on_commit_callbacks) == []
    assert run_day(last_day - dt.timedelta(days=90), django_capture_on_commit_callbacks) == [
        f"{LABEL}#{standard.pk}:90"
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [drafters["zh"].email, drafters["en"].email]
    )
    english = next(m for m in mail.outbox if m.to == [drafters["en"].email])
    assert english.subject == f"{title_en} expires on {last_day.isoformat()}"
    # The notification's e-mail (portal.notifications) carries the reminder's words.
    assert (
        f"{title_en} (version 1) is valid until {last_day.isoformat()}. A version not renewed "
        "by then lapses by itself: prepare and file the next version."
    ) in english.body
    chinese = next(m for m in mail.outbox if m.to == [drafters["zh"].email])
    assert chinese.subject.startswith("广东省外国人才认定标准")

    assert run_day(last_day - dt.timedelta(days=30), django_capture_on_commit_callbacks) == [
        f"{LABEL}#{standard.pk}:30"
    ]
    assert run_day(last_day + dt.timedelta(days=1), django_capture_on_commit_callbacks) == [
        f"{LABEL}#{standard.pk}:0"
    ]
    lapsed = next(m for m in mail.outbox if m.to == [drafters["en"].email])
    assert lapsed.subject == f"{title_en} has lapsed"
    assert fresh(standard).state == S.LAPSED
    assert list(
        FilingReminder.objects.filter(target_model=LABEL, target_id=str(standard.pk))
        .order_by("sent_at", "pk")
        .values_list("milestone", "recipients")
    ) == [("90", 3), ("30", 3), ("0", 3)]
    assert run_day(last_day + dt.timedelta(days=2), django_capture_on_commit_callbacks) == []
    assert mail.outbox == []


# --- Done means -----------------------------------------------------------------------------------


def test_guangdong_files_a_bonus_rule_the_ministry_approves_and_the_engine_applies_it(
    gd_drafter, reviewer, stakeholder
):
    start = today() + dt.timedelta(days=7)
    draft = services.regional_standard_create(
        actor=gd_drafter,
        region=guangdong(),
        title_zh="广东省外国人才认定补充标准",
        title_en="Guangdong supplementary standard",
        effective_from=start,
        expires_on=add_years(start, 4) - dt.timedelta(days=1),
    )
    services.bonus_rule_save(actor=gd_drafter, standard=draft, **bonus_values())
    consultation_open(
        actor=gd_drafter,
        filing=draft,
        organizations=[stakeholder.organization],
        deadline=today() + dt.timedelta(days=5),
    )
    filing_transition(actor=gd_drafter, filing=draft, transition="submit")
    filing_transition(actor=reviewer, filing=draft, transition="start_review")
    filing_transition(actor=reviewer, filing=draft, transition="approve")
    filing_transition(actor=gd_drafter, filing=draft, transition="publish")

    assert [t for t, *_ in records(draft)] == [
        "open_consultation",
        "submit",
        "start_review",
        "approve",
        "publish",
    ]
    software = "2-02-10-03"

    def provincial(region_code: str, day: dt.date, occupation: str = software) -> int:
        result = services.assess(
            profile=profile(),
            job=job(region_code, occupation_code=occupation),
            region=region(region_code),
            on=day,
        )
        return result.points.lines[-1].points

    assert provincial("440000", start - dt.timedelta(days=1)) == 0  # not yet in force
    assert provincial("440000", start) == 5
    assert provincial("440000", start, occupation="4-04-05-03") == 0  # not an ICT group
    assert provincial("310000", start) == 0
    assert provincial("460000", start) == 0
