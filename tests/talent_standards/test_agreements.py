"""Mutual recognition agreements: ``services.agreement_propose`` and
``services.agreement_transition`` (the workflow ``talent_standards.agreement``).

* proposing: only a drafter of the proposing province; between two different provinces;
  from today or later; not while an agreement between the pair is proposed or in effect
  (either direction); a refusal creates nothing;
* accept and decline (the partner's drafters), cancel (the proposer's), withdraw (either
  province's, with a reason, from a last day not in the past): every transition by every
  role, a refusal changing nothing;
* acceptance after the proposed start applies from the day of acceptance; withdrawal sets
  the last day (the day before the start when withdrawn before it took effect), keeps
  the history, and is recorded;
* the agreement selectors used by the pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone, translation

from portal.models import AuditEvent, Region, TransitionRecord
from portal.roles import Role
from portal.workflow import GuardFailed, TransitionNotAllowed, TransitionPermissionDenied
from talent_standards import selectors, services
from talent_standards.models import RecognitionAgreement
from talent_standards.selectors import RecognitionBasis, recognition_valid_in
from talent_standards.workflows import AGREEMENT_WORKFLOW
from tests.factories import RoleHelper
from tests.talent_standards.conftest import agreement, region

pytestmark = pytest.mark.django_db

A = RecognitionAgreement.State
LABEL = "talent_standards.recognitionagreement"
WORKFLOW = "talent_standards.agreement"


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    with translation.override("en"):
        yield


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def last_seq() -> int:
    return AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0


def actions_since(seq: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(seq__gt=seq).order_by("seq").values_list("action", flat=True)
    )


def snapshot(a: RecognitionAgreement) -> dict[str, Any]:
    return RecognitionAgreement.objects.filter(pk=a.pk).values().get()


def records(a: RecognitionAgreement) -> list[tuple[str, str, str, int | None, str]]:
    return list(
        TransitionRecord.objects.filter(target_model=LABEL, target_id=str(a.pk))
        .order_by("at", "pk")
        .values_list("transition", "from_state", "to_state", "actor_id", "reason")
    )


def fresh(a: RecognitionAgreement) -> RecognitionAgreement:
    return RecognitionAgreement.objects.get(pk=a.pk)


def messages(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


PEOPLE: dict[str, Callable[[RoleHelper], Any]] = {
    "shanghai_drafter": lambda r: r.user(Role.STANDARDS_DRAFTER, region_code="310000"),
    "guangdong_drafter": lambda r: r.user(Role.STANDARDS_DRAFTER, region_code="440000"),
    "beijing_drafter": lambda r: r.user(Role.STANDARDS_DRAFTER, region_code="110000"),
    "shanghai_officer": lambda r: r.user(Role.ACCEPTANCE_OFFICER, region_code="310000"),
    "reviewer": lambda r: r.user(Role.MINISTRY_REVIEWER),
    "site_admin": lambda r: r.user(Role.SITE_ADMIN),
    "superuser": lambda r: r.user(Role.SITE_ADMIN, is_superuser=True, is_staff=True),
    "employer_admin": lambda r: r.user(Role.EMPLOYER_ADMIN),
}

# Shanghai proposes, Guangdong is the partner.
PROPOSER = frozenset({"shanghai_drafter"})
PARTNER = frozenset({"guangdong_drafter"})

# (transition, source, target, who may, reason needed)
TRANSITIONS: list[tuple[str, str, str, frozenset[str], bool]] = [
    ("accept", A.PROPOSED, A.ACCEPTED, PARTNER, False),
    ("decline", A.PROPOSED, A.DECLINED, PARTNER, True),
    ("cancel", A.PROPOSED, A.CANCELLED, PROPOSER, False),
    ("withdraw", A.ACCEPTED, A.WITHDRAWN, PROPOSER | PARTNER, True),
]


def test_the_matrix_covers_every_transition():
    assert {(t.name, s) for t in AGREEMENT_WORKFLOW.transitions for s in t.source} == {
        (name, source) for name, source, *_ in TRANSITIONS
    }


def sh_gd(state: str, *, start: dt.date | None = None, roles: RoleHelper) -> RecognitionAgreement:
    by = roles.user(Role.STANDARDS_DRAFTER, region_code="310000")
    if start is None:
        start = days(10) if state == A.PROPOSED else days(-10)
    return agreement("310000", "440000", state=state, effective_from=start, by=by)


# --- Every transition by every role ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "transition", "source", "target", "allowed", "needs_reason"),
    [pytest.param(person, *t, id=f"{t[0]}-by-{person}") for t in TRANSITIONS for person in PEOPLE],
)
def test_transition_by_role(roles, person, transition, source, target, allowed, needs_reason):
    actor = PEOPLE[person](roles)
    subject = sh_gd(source, roles=roles)
    before = snapshot(subject)
    seq = last_seq()
    reason = "The partner's standard changed." if needs_reason else ""

    if person not in allowed:
        with pytest.raises(TransitionPermissionDenied) as refused:
            services.agreement_transition(
                actor=actor, agreement=subject, transition=transition, reason=reason
            )
        assert refused.value.code == "permission_denied"
        assert refused.value.message == (
            f"You may not “{AGREEMENT_WORKFLOW.get(transition).label}” this record."
        )
        assert snapshot(subject) == before
        assert records(subject) == []
        assert actions_since(seq) == []
        return

    done = services.agreement_transition(
        actor=actor, agreement=subject, transition=transition, reason=reason
    )

    after = snapshot(subject)
    assert done.state == after["state"] == target
    assert records(subject) == [(transition, source, target, actor.pk, reason)]
    assert actions_since(seq) == [f"{WORKFLOW}.{transition}"]
    event = AuditEvent.objects.get(seq=seq + 1)
    assert (event.actor_id, event.target_model, event.target_id) == (
        actor.pk,
        LABEL,
        str(subject.pk),
    )
    assert (event.data["from"], event.data["to"], event.data["reason"]) == (
        source,
        target,
        reason,
    )
    changed = {k for k in after if after[k] != before[k]}
    expected = {
        "accept": {"state", "decided_at"},
        "decline": {"state", "decided_at"},
        "cancel": {"state"},
        "withdraw": {"state", "ends_on", "withdrawn_at"},
    }[transition]
    assert changed == expected
    if transition == "withdraw":
        assert after["ends_on"] == today()


@pytest.mark.parametrize(
    ("transition", "state", "person"),
    [
        ("accept", A.ACCEPTED, "guangdong_drafter"),
        ("accept", A.DECLINED, "guangdong_drafter"),
        ("decline", A.ACCEPTED, "guangdong_drafter"),
        ("cancel", A.ACCEPTED, "shanghai_drafter"),
        ("cancel", A.CANCELLED, "shanghai_drafter"),
        ("withdraw", A.PROPOSED, "shanghai_drafter"),
        ("withdraw", A.WITHDRAWN, "guangdong_drafter"),
        ("withdraw", A.DECLINED, "guangdong_drafter"),
    ],
)
def test_wrong_state_is_refused_and_changes_nothing(roles, transition, state, person):
    subject = sh_gd(state, roles=roles)
    if state == A.WITHDRAWN:
        RecognitionAgreement.objects.filter(pk=subject.pk).update(ends_on=today())
    actor = PEOPLE[person](roles)
    before = snapshot(subject)
    seq = last_seq()

    with pytest.raises(TransitionNotAllowed) as refused:
        services.agreement_transition(
            actor=actor, agreement=subject, transition=transition, reason="R."
        )

    assert refused.value.message == (
        f"“{AGREEMENT_WORKFLOW.get(transition).label}” is not possible while the record is "
        f"{AGREEMENT_WORKFLOW.state_label(state)}."
    )
    assert snapshot(subject) == before
    assert records(subject) == []
    assert actions_since(seq) == []


# --- Propose --------------------------------------------------------------------------------------


def test_a_drafter_proposes_for_their_province(sh_drafter):
    seq = last_seq()
    proposed = services.agreement_propose(
        actor=sh_drafter,
        proposer=region("310000"),
        partner=region("440000"),
        effective_from=days(30),
        terms_zh="  双方互认。 ",
        terms_en=" Each recognises the other's. ",
    )
    row = fresh(proposed)
    assert (row.proposer.code, row.partner.code, row.state) == ("310000", "440000", A.PROPOSED)
    assert (row.effective_from, row.ends_on, row.decided_at, row.withdrawn_at) == (
        days(30),
        None,
        None,
        None,
    )
    assert (row.terms_zh, row.terms_en, row.proposed_by_id) == (
        "双方互认。",
        "Each recognises the other's.",
        sh_drafter.pk,
    )
    assert actions_since(seq) == ["talent_standards.agreement.propose"]
    event = AuditEvent.objects.get(seq=seq + 1)
    assert event.data == {"partner": "440000", "effective_from": days(30).isoformat()}
    assert (event.actor_id, event.target_id) == (sh_drafter.pk, str(proposed.pk))
    # Proposed is not in effect.
    assert not recognition_valid_in(
        RecognitionBasis("regional", region("310000")), region("440000"), days(30)
    )


def test_a_proposal_may_start_today(sh_drafter):
    proposed = services.agreement_propose(
        actor=sh_drafter,
        proposer=region("310000"),
        partner=region("440000"),
        effective_from=today(),
    )
    assert proposed.effective_from == today()


def assert_refused_propose(actor: Any, expected: dict[str, list[str]], **kwargs: Any) -> None:
    values = {
        "proposer": region("310000"),
        "partner": region("440000"),
        "effective_from": days(30),
    } | kwargs
    count = RecognitionAgreement.objects.count()
    seq = last_seq()
    with pytest.raises(ValidationError) as refused:
        services.agreement_propose(actor=actor, **values)
    assert messages(refused.value) == expected
    assert RecognitionAgreement.objects.count() == count
    assert actions_since(seq) == []


def test_a_proposal_in_the_past_is_refused(sh_drafter):
    assert_refused_propose(
        sh_drafter, {"effective_from": ["Choose today or a later day."]}, effective_from=days(-1)
    )


def test_a_proposal_to_the_same_province_is_refused(sh_drafter):
    assert_refused_propose(
        sh_drafter, {"partner": ["Choose another province."]}, partner=region("310000")
    )


def test_a_proposal_to_a_city_is_refused(sh_drafter):
    shenzhen = Region.objects.create(
        code="440300",
        name_zh="深圳市",
        name_en="Shenzhen",
        level=Region.Level.PREFECTURE,
        parent=region("440000"),
    )
    assert_refused_propose(
        sh_drafter, {"partner": ["Agreements are between provinces."]}, partner=shenzhen
    )


@pytest.mark.parametrize(
    ("state", "proposer", "partner"),
    [
        (A.PROPOSED, "310000", "440000"),
        (A.PROPOSED, "440000", "310000"),
        (A.ACCEPTED, "310000", "440000"),
        (A.ACCEPTED, "440000", "310000"),
    ],
)
def test_a_proposal_while_one_is_open_between_the_pair_is_refused(
    roles, sh_drafter, state, proposer, partner
):
    by = roles.user(Role.STANDARDS_DRAFTER, region_code=proposer)
    start = days(5) if state == A.PROPOSED else days(-100)
    agreement(proposer, partner, state=state, effective_from=start, by=by)
    assert_refused_propose(
        sh_drafter,
        {"partner": ["An agreement between these provinces is proposed or in effect."]},
    )


@pytest.mark.parametrize("state", [A.DECLINED, A.CANCELLED])
def test_a_proposal_after_a_declined_or_cancelled_one_is_accepted(roles, sh_drafter, state):
    agreement("440000", "310000", state=state, effective_from=days(5), by=sh_drafter)
    proposed = services.agreement_propose(
        actor=sh_drafter,
        proposer=region("310000"),
        partner=region("440000"),
        effective_from=days(30),
    )
    assert proposed.state == A.PROPOSED


def test_a_proposal_after_a_withdrawn_one_has_ended_is_accepted(sh_drafter):
    agreement(
        "310000",
        "440000",
        state=A.WITHDRAWN,
        effective_from=days(-400),
        ends_on=days(-1),
        by=sh_drafter,
    )
    proposed = services.agreement_propose(
        actor=sh_drafter,
        proposer=region("310000"),
        partner=region("440000"),
        effective_from=today(),
    )
    assert proposed.state == A.PROPOSED


@pytest.mark.parametrize("state", [A.WITHDRAWN, A.ACCEPTED])
def test_a_proposal_overlapping_one_that_runs_to_a_last_day_is_refused(sh_drafter, state):
    # Withdrawn from a later day (or accepted with an end): it still applies until then.
    agreement(
        "440000",
        "310000",
        state=state,
        effective_from=days(-400),
        ends_on=days(60),
        by=sh_drafter,
    )
    message = (
        f"The agreement between these provinces is in effect until {days(60).isoformat()}: "
        "choose a later day."
    )
    assert_refused_propose(sh_drafter, {"effective_from": [message]}, effective_from=days(60))

    proposed = services.agreement_propose(
        actor=sh_drafter,
        proposer=region("310000"),
        partner=region("440000"),
        effective_from=days(61),
    )
    assert (proposed.state, proposed.effective_from) == (A.PROPOSED, days(61))


def test_an_agreement_with_another_province_is_not_blocked(roles, sh_drafter):
    agreement("310000", "460000", effective_from=days(-100), by=sh_drafter)
    proposed = services.agreement_propose(
        actor=sh_drafter,
        proposer=region("310000"),
        partner=region("440000"),
        effective_from=today(),
    )
    assert proposed.partner.code == "440000"


@pytest.mark.parametrize(
    "person",
    [
        "guangdong_drafter",
        "beijing_drafter",
        "shanghai_officer",
        "reviewer",
        "site_admin",
        "superuser",
        "employer_admin",
    ],
)
def test_only_the_proposing_provinces_drafters_propose(roles, person):
    actor = PEOPLE[person](roles)
    seq = last_seq()
    with pytest.raises(TransitionPermissionDenied) as refused:
        services.agreement_propose(
            actor=actor,
            proposer=region("310000"),
            partner=region("440000"),
            effective_from=days(30),
        )
    assert refused.value.message == (
        "Only the province's drafters may propose its recognition agreements."
    )
    assert RecognitionAgreement.objects.count() == 0
    assert actions_since(seq) == []


def test_permission_is_checked_before_the_figures(gd_drafter):
    """Someone without the right learns nothing about the pair's agreements."""
    with pytest.raises(TransitionPermissionDenied):
        services.agreement_propose(
            actor=gd_drafter,
            proposer=region("310000"),
            partner=region("310000"),
            effective_from=days(-1),
        )


# --- Accept, decline, cancel ----------------------------------------------------------------------


def test_accepted_before_its_start_keeps_its_start(roles, gd_drafter):
    subject = sh_gd(A.PROPOSED, start=days(20), roles=roles)
    done = services.agreement_transition(actor=gd_drafter, agreement=subject, transition="accept")
    row = fresh(done)
    assert (row.state, row.effective_from, row.ends_on) == (A.ACCEPTED, days(20), None)
    assert row.decided_at is not None
    assert records(subject) == [("accept", A.PROPOSED, A.ACCEPTED, gd_drafter.pk, "")]


def test_accepted_after_its_proposed_start_applies_from_the_day_of_acceptance(roles, gd_drafter):
    subject = sh_gd(A.PROPOSED, start=days(-5), roles=roles)
    services.agreement_transition(actor=gd_drafter, agreement=subject, transition="accept")
    assert fresh(subject).effective_from == today()
    basis = RecognitionBasis("regional", region("440000"))
    assert recognition_valid_in(basis, region("310000"), days(-1)) is False
    assert recognition_valid_in(basis, region("310000"), today()) is True


@pytest.mark.parametrize("reason", ["", "  \n "])
def test_decline_needs_a_reason(roles, gd_drafter, reason):
    subject = sh_gd(A.PROPOSED, roles=roles)
    before = snapshot(subject)
    with pytest.raises(GuardFailed) as refused:
        services.agreement_transition(
            actor=gd_drafter, agreement=subject, transition="decline", reason=reason
        )
    assert refused.value.message == "Give a reason for “Decline”."
    assert snapshot(subject) == before
    assert records(subject) == []


def test_declined_is_final_and_never_applies(roles, gd_drafter):
    subject = sh_gd(A.PROPOSED, start=today(), roles=roles)
    services.agreement_transition(
        actor=gd_drafter, agreement=subject, transition="decline", reason="Not yet."
    )
    row = fresh(subject)
    assert (row.state, row.effective_from, row.ends_on) == (A.DECLINED, today(), None)
    assert records(subject) == [("decline", A.PROPOSED, A.DECLINED, gd_drafter.pk, "Not yet.")]
    assert list(selectors.agreements_in_effect(today())) == []


def test_cancel_by_the_proposer(roles, sh_drafter):
    subject = sh_gd(A.PROPOSED, roles=roles)
    services.agreement_transition(actor=sh_drafter, agreement=subject, transition="cancel")
    row = fresh(subject)
    assert (row.state, row.decided_at) == (A.CANCELLED, None)


def test_who_may_act_depends_on_the_side_not_on_who_proposed(roles):
    """Guangdong proposed: now Shanghai accepts and Guangdong cancels."""
    gd = roles.user(Role.STANDARDS_DRAFTER, region_code="440000")
    sh = roles.user(Role.STANDARDS_DRAFTER, region_code="310000")
    subject = services.agreement_propose(
        actor=gd, proposer=region("440000"), partner=region("310000"), effective_from=days(3)
    )
    assert [t.name for t in AGREEMENT_WORKFLOW.available(subject, sh)] == ["accept", "decline"]
    assert [t.name for t in AGREEMENT_WORKFLOW.available(subject, gd)] == ["cancel"]
    with pytest.raises(TransitionPermissionDenied):
        services.agreement_transition(actor=gd, agreement=subject, transition="accept")
    services.agreement_transition(actor=sh, agreement=subject, transition="accept")
    assert fresh(subject).state == A.ACCEPTED
    assert [t.name for t in AGREEMENT_WORKFLOW.available(fresh(subject), gd)] == ["withdraw"]
    assert [t.name for t in AGREEMENT_WORKFLOW.available(fresh(subject), sh)] == ["withdraw"]


# --- Withdraw -------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_withdraw_needs_a_reason(roles, sh_drafter, reason):
    subject = sh_gd(A.ACCEPTED, roles=roles)
    before = snapshot(subject)
    seq = last_seq()
    with pytest.raises(GuardFailed) as refused:
        services.agreement_transition(
            actor=sh_drafter, agreement=subject, transition="withdraw", reason=reason
        )
    assert refused.value.message == "Give a reason for “Withdraw”."
    assert snapshot(subject) == before
    assert actions_since(seq) == []


def test_withdraw_from_a_last_day_in_the_past_is_refused(roles, gd_drafter):
    subject = sh_gd(A.ACCEPTED, roles=roles)
    before = snapshot(subject)
    seq = last_seq()
    with pytest.raises(GuardFailed) as refused:
        services.agreement_transition(
            actor=gd_drafter,
            agreement=subject,
            transition="withdraw",
            reason="Ended.",
            ends_on=days(-1),
        )
    assert refused.value.message == (
        "The last day cannot lie in the past: recognition already given stands."
    )
    assert refused.value.details == {"field": "ends_on"}
    assert snapshot(subject) == before
    assert records(subject) == []
    assert actions_since(seq) == []


def test_withdraw_from_a_later_day_keeps_the_history(roles, gd_drafter):
    subject = sh_gd(A.ACCEPTED, start=days(-100), roles=roles)
    seq = last_seq()

    services.agreement_transition(
        actor=gd_drafter,
        agreement=subject,
        transition="withdraw",
        reason="Our standard is being revised.",
        ends_on=days(30),
    )

    row = fresh(subject)
    assert (row.state, row.effective_from, row.ends_on) == (A.WITHDRAWN, days(-100), days(30))
    assert row.withdrawn_at is not None
    assert records(subject) == [
        ("withdraw", A.ACCEPTED, A.WITHDRAWN, gd_drafter.pk, "Our standard is being revised.")
    ]
    record = TransitionRecord.objects.get(target_model=LABEL, target_id=str(subject.pk))
    assert (record.workflow, record.payload) == (WORKFLOW, {"ends_on": days(30).isoformat()})
    assert actions_since(seq) == [f"{WORKFLOW}.withdraw"]
    event = AuditEvent.objects.get(seq=seq + 1)
    assert event.data["payload"] == {"ends_on": days(30).isoformat()}
    basis = RecognitionBasis("regional", region("310000"))
    assert recognition_valid_in(basis, region("440000"), days(-100)) is True
    assert recognition_valid_in(basis, region("440000"), days(30)) is True
    assert recognition_valid_in(basis, region("440000"), days(31)) is False
    # Still in effect until then, and listed as such.
    assert [a.pk for a in selectors.agreements_in_effect(days(30))] == [subject.pk]
    assert list(selectors.agreements_in_effect(days(31))) == []


def test_withdraw_without_a_day_ends_it_today(roles, sh_drafter):
    subject = sh_gd(A.ACCEPTED, roles=roles)
    services.agreement_transition(
        actor=sh_drafter, agreement=subject, transition="withdraw", reason="Ended."
    )
    assert fresh(subject).ends_on == today()
    basis = RecognitionBasis("regional", region("440000"))
    assert recognition_valid_in(basis, region("310000"), today()) is True
    assert recognition_valid_in(basis, region("310000"), days(1)) is False


def test_withdrawn_before_its_start_it_ends_the_day_before_and_never_applied(roles, sh_drafter):
    subject = sh_gd(A.ACCEPTED, start=days(30), roles=roles)
    services.agreement_transition(
        actor=sh_drafter, agreement=subject, transition="withdraw", reason="Changed our mind."
    )
    row = fresh(subject)
    assert (row.state, row.effective_from, row.ends_on) == (A.WITHDRAWN, days(30), days(29))
    basis = RecognitionBasis("regional", region("310000"))
    for day in (today(), days(29), days(30), days(400)):
        assert recognition_valid_in(basis, region("440000"), day) is False


def test_a_withdrawn_agreement_cannot_be_withdrawn_again(roles, sh_drafter, gd_drafter):
    subject = sh_gd(A.ACCEPTED, roles=roles)
    services.agreement_transition(
        actor=sh_drafter, agreement=subject, transition="withdraw", reason="Ended.", ends_on=days(9)
    )
    before = snapshot(subject)
    with pytest.raises(TransitionNotAllowed):
        services.agreement_transition(
            actor=gd_drafter,
            agreement=subject,
            transition="withdraw",
            reason="Earlier.",
            ends_on=today(),
        )
    assert snapshot(subject) == before


def test_the_whole_life_of_an_agreement(sh_drafter, gd_drafter):
    proposed = services.agreement_propose(
        actor=sh_drafter,
        proposer=region("310000"),
        partner=region("440000"),
        effective_from=days(1),
    )
    services.agreement_transition(actor=gd_drafter, agreement=proposed, transition="accept")
    services.agreement_transition(
        actor=sh_drafter,
        agreement=proposed,
        transition="withdraw",
        reason="Ended.",
        ends_on=days(60),
    )
    assert records(proposed) == [
        ("accept", A.PROPOSED, A.ACCEPTED, gd_drafter.pk, ""),
        ("withdraw", A.ACCEPTED, A.WITHDRAWN, sh_drafter.pk, "Ended."),
    ]
    # A new agreement may be proposed for after the end.
    again = services.agreement_propose(
        actor=gd_drafter,
        proposer=region("440000"),
        partner=region("310000"),
        effective_from=days(61),
    )
    assert again.state == A.PROPOSED


# --- Selectors ------------------------------------------------------------------------------------


def test_agreement_selectors(roles, sh_drafter):
    in_effect = agreement("310000", "440000", effective_from=days(-10), by=sh_drafter)
    proposed = agreement(
        "460000", "310000", state=A.PROPOSED, effective_from=days(10), by=sh_drafter
    )
    ended = agreement(
        "110000",
        "440000",
        state=A.WITHDRAWN,
        effective_from=days(-100),
        ends_on=days(-1),
        by=sh_drafter,
    )
    other = agreement("110000", "510000", effective_from=days(-10), by=sh_drafter)

    assert {a.pk for a in selectors.agreements_in_effect(today())} == {in_effect.pk, other.pk}
    assert {a.pk for a in selectors.agreements_in_effect(days(-50))} == {ended.pk}
    assert {a.pk for a in selectors.agreements_of(region("310000"))} == {
        in_effect.pk,
        proposed.pk,
    }
    assert {a.pk for a in selectors.agreements_of(region("440000"))} == {in_effect.pk, ended.pk}
    assert {a.pk for a in selectors.agreements_for_drafter(sh_drafter)} == {
        in_effect.pk,
        proposed.pk,
    }
    beijing = PEOPLE["beijing_drafter"](roles)
    assert {a.pk for a in selectors.agreements_for_drafter(beijing)} == {ended.pk, other.pk}
    reviewer = PEOPLE["reviewer"](roles)
    assert list(selectors.agreements_for_drafter(reviewer)) == []
    assert {a.pk for a in selectors.all_agreements()} == {
        in_effect.pk,
        proposed.pk,
        ended.pk,
        other.pk,
    }
    overview = {p.province.code: p for p in selectors.provinces_with_standards(today())}
    assert [a.pk for a in overview["310000"].agreements] == [in_effect.pk]
    assert [a.pk for a in overview["440000"].agreements] == [in_effect.pk]
    assert overview["460000"].agreements == []
