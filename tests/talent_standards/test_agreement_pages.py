"""Mutual recognition agreements through the pages: a province proposes, the other accepts
or declines, the proposer may cancel a proposal, either withdraws an agreement in effect
from a chosen last day, and ``selectors.recognition_valid_in`` follows: a Guangdong
regional recognition is valid in Shanghai while their agreement applies, and in no third
province. The ministry reads every agreement; everyone else gets 404.

Every HTML page goes through ``html_of`` (strict CSP, no inline script or style). Every
refusal is checked to have changed nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from portal.models import TransitionRecord, User
from portal.roles import Role
from talent_standards import selectors
from talent_standards.models import RecognitionAgreement
from talent_standards.selectors import RecognitionBasis
from tests.factories import RoleHelper
from tests.portal.test_pages import (
    assert_landmarks,
    assert_landmarks_and_labels,
    html_of,
    page_text,
)
from tests.talent_standards.conftest import agreement, region
from tests.talent_standards.test_drafting import (
    EN,
    client_for,
    follow_messages,
    last_seq,
    lz,
    table_rows,
    today,
    tr,
    url,
)

pytestmark = pytest.mark.django_db

A = RecognitionAgreement.State


def gd_basis() -> RecognitionBasis:
    return RecognitionBasis("regional", region("440000"))


def valid_in(code: str, on: dt.date) -> bool:
    return selectors.recognition_valid_in(gd_basis(), region(code), on)


def state_of(found: RecognitionAgreement) -> tuple[Any, ...]:
    """What a refused action must leave as it was."""
    fresh = RecognitionAgreement.objects.get(pk=found.pk)
    return (
        fresh.state,
        fresh.effective_from,
        fresh.ends_on,
        fresh.decided_at,
        fresh.withdrawn_at,
        TransitionRecord.objects.filter(
            target_model="talent_standards.recognitionagreement", target_id=str(found.pk)
        ).count(),
        last_seq(),
    )


@pytest.fixture
def sh(sh_drafter: User) -> Client:
    return client_for(sh_drafter)


@pytest.fixture
def gd(gd_drafter: User) -> Client:
    return client_for(gd_drafter)


LIST_CAPTION = "Mutual recognition agreements of %(provinces)s, newest proposal first"
MINISTRY_CAPTION = "Mutual recognition agreements of every province, newest proposal first"


def propose(client: Client, partner: str = "440000", **values: Any) -> Any:
    return client.post(
        url("agreement_propose"),
        {
            "partner": str(region(partner).pk),
            "effective_from": today().isoformat(),
            "terms_zh": "双方互认依据本省区域性标准认定的外国人才。",
            "terms_en": "Each recognises talent recognised under the other's regional standard.",
            **values,
        },
    )


# --- The whole life of an agreement ------------------------------------------------------------


def test_shanghai_proposes_guangdong_accepts_and_shanghai_withdraws_from_a_last_day(
    sh: Client, gd: Client, sh_drafter: User, gd_drafter: User, reviewer: User
) -> None:
    html = html_of(sh.get(url("agreements")))
    assert table_rows(html, LIST_CAPTION, provinces="上海市") == [
        [tr("No agreement yet. Propose one to another province.")]
    ]
    html = html_of(sh.get(url("agreement_propose")))
    assert_landmarks_and_labels(html)
    assert f'<option value="{region("310000").pk}"' not in html  # not to itself
    assert f'<option value="{region("440000").pk}"' in html

    response = propose(sh)
    found = RecognitionAgreement.objects.get()
    assert response["Location"] == url("agreement", found.pk)
    assert follow_messages(sh, response) == [
        tr(
            "Mutual recognition is proposed to %(partner)s from %(date)s. It applies once "
            "%(partner)s accepts.",
            partner="广东省",
            date=today(),
        )
    ]
    assert (found.proposer.code, found.partner.code, found.state, found.proposed_by) == (
        "310000",
        "440000",
        A.PROPOSED,
        sh_drafter,
    )
    assert not valid_in("310000", today())

    # Guangdong sees the proposal awaiting its answer, and may accept or decline it.
    html = html_of(gd.get(url("agreements")))
    assert table_rows(html, LIST_CAPTION, provinces="广东省") == [
        [
            "上海市",
            "上海市",
            f"{tr('Proposed, awaiting the partner')} {tr('your answer is awaited')}",
            today().isoformat(),
            "-",
            today().isoformat(),
        ]
    ]
    html = html_of(gd.get(url("agreement", found.pk)))
    assert_landmarks_and_labels(html)
    assert f'action="{url("agreement_transition", found.pk, "accept")}"' in html
    assert f'action="{url("agreement_transition", found.pk, "decline")}"' in html
    assert url("agreement_transition", found.pk, "cancel") not in html
    html = html_of(sh.get(url("agreement", found.pk)))
    assert f'action="{url("agreement_transition", found.pk, "cancel")}"' in html
    assert url("agreement_transition", found.pk, "accept") not in html

    response = gd.post(url("agreement_transition", found.pk, "accept"))
    assert follow_messages(gd, response) == [
        tr("“%(action)s” is done: %(status)s.", action=tr("Accept"), status=tr("In effect"))
    ]
    found.refresh_from_db()
    assert (found.state, found.effective_from, found.ends_on) == (A.ACCEPTED, today(), None)

    # In effect: a Guangdong regional recognition is valid in Shanghai, not in Beijing.
    assert valid_in("310000", today())
    assert valid_in("440000", today())
    assert not valid_in("110000", today())
    assert selectors.recognition_valid_in(
        RecognitionBasis("regional", region("310000")), region("440000"), today()
    )

    # Shanghai withdraws it with last day D: valid on D, not on D + 1.
    last_day = today() + dt.timedelta(days=10)
    html = html_of(sh.get(url("agreement", found.pk)))
    assert f'action="{url("agreement_transition", found.pk, "withdraw")}"' in html
    assert 'name="withdraw-ends_on"' in html
    response = sh.post(
        url("agreement_transition", found.pk, "withdraw"),
        {"withdraw-ends_on": last_day.isoformat(), "withdraw-reason": "上海市标准修订中。"},
    )
    assert follow_messages(sh, response) == [
        tr(
            "“%(action)s” is done: %(status)s.",
            action=tr("Withdraw"),
            status=tr("Withdrawn: in effect until %(date)s", date=last_day.isoformat()),
        )
    ]
    found.refresh_from_db()
    assert (found.state, found.effective_from, found.ends_on) == (A.WITHDRAWN, today(), last_day)
    assert valid_in("310000", today())
    assert valid_in("310000", last_day)
    assert not valid_in("310000", last_day + dt.timedelta(days=1))
    assert not valid_in("110000", last_day)

    # History is kept: the start, the end, who decided what and why.
    for client, provinces in ((sh, "上海市"), (gd, "广东省")):
        rows = table_rows(html_of(client.get(url("agreements"))), LIST_CAPTION, provinces=provinces)
        assert [r[2:5] for r in rows] == [
            [
                tr("Withdrawn: in effect until %(date)s", date=last_day.isoformat()),
                today().isoformat(),
                last_day.isoformat(),
            ]
        ]
    text = page_text(gd.get(url("agreement", found.pk)))
    assert f"{tr('Effective from')} {today().isoformat()}" in text
    assert f"{tr('Last day')} {last_day.isoformat()}" in text
    assert (
        tr(
            "%(action)s by %(who)s: %(before)s → %(after)s",
            action=tr("Accept"),
            who=gd_drafter.full_name,
            before=lz(A.PROPOSED.label),
            after=lz(A.ACCEPTED.label),
        )
        in text
    )
    assert (
        tr(
            "%(action)s by %(who)s: %(before)s → %(after)s",
            action=tr("Withdraw"),
            who=sh_drafter.full_name,
            before=lz(A.ACCEPTED.label),
            after=lz(A.WITHDRAWN.label),
        )
        in text
    )
    assert (
        tr("Proposed by %(who)s (%(province)s)", who=sh_drafter.full_name, province="上海市")
        in text
    )
    assert tr("last day %(date)s", date=last_day.isoformat()) in text
    assert f"{tr('Reasons:')} 上海市标准修订中。" in text
    assert [
        (r.transition, r.actor_id, r.payload)
        for r in TransitionRecord.objects.filter(
            target_model="talent_standards.recognitionagreement"
        ).order_by("at", "pk")
    ] == [
        ("accept", gd_drafter.pk, {}),
        ("withdraw", sh_drafter.pk, {"ends_on": last_day.isoformat()}),
    ]
    # Withdrawn, nothing more can be done; the ministry reads it.
    html = html_of(gd.get(url("agreement", found.pk)))
    assert url("agreement_transition", found.pk, "withdraw") not in html
    rows = table_rows(html_of(client_for(reviewer).get(url("agreements"))), MINISTRY_CAPTION)
    assert [r[:5] for r in rows] == [
        [
            "上海市 ↔ 广东省",
            "广东省",
            tr("Withdrawn: in effect until %(date)s", date=last_day.isoformat()),
            today().isoformat(),
            last_day.isoformat(),
        ]
    ]


def test_decline_needs_a_reason(sh: Client, gd: Client) -> None:
    propose(sh)
    found = RecognitionAgreement.objects.get()
    before = state_of(found)
    response = gd.post(url("agreement_transition", found.pk, "decline"), {"decline-reason": " "})
    assert follow_messages(gd, response) == [
        tr("Give a reason for “%(action)s”.", action=tr("Decline"))
    ]
    assert state_of(found) == before

    response = gd.post(
        url("agreement_transition", found.pk, "decline"), {"decline-reason": "暂不开展互认。"}
    )
    assert follow_messages(gd, response) == [
        tr("“%(action)s” is done: %(status)s.", action=tr("Decline"), status=tr("Declined"))
    ]
    found.refresh_from_db()
    assert (found.state, found.ends_on) == (A.DECLINED, None)
    assert found.decided_at is not None
    assert not valid_in("310000", today())
    # Declined, a new proposal between the two may be made.
    response = propose(sh)
    assert RecognitionAgreement.objects.filter(state=A.PROPOSED).count() == 1


def test_the_proposer_cancels_a_proposal_the_partner_cannot(sh: Client, gd: Client) -> None:
    follow_messages(sh, propose(sh))
    found = RecognitionAgreement.objects.get()
    before = state_of(found)
    response = gd.post(url("agreement_transition", found.pk, "cancel"))
    assert follow_messages(gd, response) == [
        tr("You may not “%(action)s” this record.", action=tr("Cancel the proposal"))
    ]
    response = sh.post(url("agreement_transition", found.pk, "accept"))
    assert follow_messages(sh, response) == [
        tr("You may not “%(action)s” this record.", action=tr("Accept"))
    ]
    response = sh.post(
        url("agreement_transition", found.pk, "withdraw"),
        {"withdraw-reason": "x", "withdraw-ends_on": today().isoformat()},
    )
    assert follow_messages(sh, response) == [
        tr(
            "“%(action)s” is not possible while the record is %(state)s.",
            action=tr("Withdraw"),
            state=lz(A.PROPOSED.label),
        )
    ]
    response = sh.post(url("agreement_transition", found.pk, "fly"))
    assert follow_messages(sh, response) == [
        tr("There is no action called “%(name)s”.", name="fly")
    ]
    assert state_of(found) == before

    response = sh.post(url("agreement_transition", found.pk, "cancel"))
    assert follow_messages(sh, response) == [
        tr(
            "“%(action)s” is done: %(status)s.",
            action=tr("Cancel the proposal"),
            status=tr("Cancelled before acceptance"),
        )
    ]
    assert RecognitionAgreement.objects.get().state == A.CANCELLED


def test_withdrawal_needs_a_last_day_of_today_or_later_and_a_reason(
    sh: Client, gd: Client, sh_drafter: User
) -> None:
    found = agreement(
        "310000", "440000", effective_from=today() - dt.timedelta(days=100), by=sh_drafter
    )
    before = state_of(found)
    action = url("agreement_transition", found.pk, "withdraw")
    cases = [
        ({"withdraw-reason": "x"}, tr("Choose the last day of the agreement.")),
        (
            {
                "withdraw-reason": "x",
                "withdraw-ends_on": (today() - dt.timedelta(days=1)).isoformat(),
            },
            tr("The last day cannot lie in the past: recognition already given stands."),
        ),
        (
            {"withdraw-ends_on": today().isoformat()},
            tr("Give a reason for “%(action)s”.", action=tr("Withdraw")),
        ),
    ]
    for data, message in cases:
        response = gd.post(action, data)
        assert follow_messages(gd, response) == [message]
        assert state_of(found) == before

    # Guangdong (the partner) may withdraw too; ending today, it is valid today only.
    response = gd.post(action, {"withdraw-ends_on": today().isoformat(), "withdraw-reason": "x"})
    assert response.status_code == 302
    found.refresh_from_db()
    assert (found.state, found.ends_on) == (A.WITHDRAWN, today())
    assert valid_in("310000", today() - dt.timedelta(days=100))
    assert valid_in("310000", today())
    assert not valid_in("310000", today() + dt.timedelta(days=1))
    assert not valid_in("310000", today() - dt.timedelta(days=101))


def test_proposals_are_validated_and_refusals_change_nothing(sh: Client, sh_drafter: User) -> None:
    seq = last_seq()
    response = propose(sh, partner="310000")
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "partner": [tr("Select a valid choice. That choice is not one of the available choices.")]
    }
    response = propose(sh, effective_from=(today() - dt.timedelta(days=1)).isoformat())
    assert response.context["form"].errors == {
        "effective_from": [tr("Choose today or a later day.")]
    }
    response = propose(sh, effective_from="")
    assert response.context["form"].errors == {"effective_from": [tr("This field is required.")]}
    assert (RecognitionAgreement.objects.count(), last_seq()) == (0, seq)

    agreement("440000", "310000", effective_from=today() - dt.timedelta(days=5), by=sh_drafter)
    seq = last_seq()
    response = propose(sh)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "partner": [tr("An agreement between these provinces is proposed or in effect.")]
    }
    assert (RecognitionAgreement.objects.count(), last_seq()) == (1, seq)


# --- Who sees what -----------------------------------------------------------------------------


def test_a_third_province_cannot_see_or_act(roles: RoleHelper, sh: Client) -> None:
    propose(sh)
    found = RecognitionAgreement.objects.get()
    beijing = client_for(roles.user(Role.STANDARDS_DRAFTER, region_code="110000"))
    before = state_of(found)
    assert beijing.get(url("agreement", found.pk)).status_code == 404
    for name in ("accept", "decline", "cancel", "withdraw"):
        response = beijing.post(
            url("agreement_transition", found.pk, name),
            {f"{name}-reason": "x", f"{name}-ends_on": today().isoformat()},
        )
        assert response.status_code == 404
    rows = table_rows(html_of(beijing.get(url("agreements"))), LIST_CAPTION, provinces="北京市")
    assert rows == [[tr("No agreement yet. Propose one to another province.")]]
    assert state_of(found) == before


def test_visitors_are_sent_to_sign_in(client: Client, sh_drafter: User) -> None:
    found = agreement("310000", "440000", effective_from=today(), by=sh_drafter)
    for target in (
        url("agreements"),
        url("agreement_propose"),
        url("agreement", found.pk),
        url("agreement_transition", found.pk, "withdraw"),
    ):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith("/zh-hans/accounts/login/?next=")


@pytest.mark.parametrize(
    "role", [Role.ACCEPTANCE_OFFICER, Role.EMPLOYER_ADMIN, Role.STAKEHOLDER, Role.INSPECTOR]
)
def test_everyone_else_gets_404(roles: RoleHelper, sh_drafter: User, role: str) -> None:
    found = agreement("310000", "440000", state=A.PROPOSED, effective_from=today(), by=sh_drafter)
    client = client_for(roles.user(role, region_code="440000"))
    before = state_of(found)
    assert client.get(url("agreements")).status_code == 404
    assert client.get(url("agreement_propose")).status_code == 404
    assert client.post(url("agreement_propose"), {"partner": "1"}).status_code == 404
    assert client.get(url("agreement", found.pk)).status_code == 404
    assert client.post(url("agreement_transition", found.pk, "accept")).status_code == 404
    assert state_of(found) == before


def test_the_ministry_reads_every_agreement_with_filters(
    sh_drafter: User, gd_drafter: User, reviewer: User
) -> None:
    accepted = agreement(
        "310000", "440000", effective_from=today() - dt.timedelta(days=9), by=sh_drafter
    )
    proposed = agreement(
        "110000", "440000", state=A.PROPOSED, effective_from=today(), by=sh_drafter
    )
    declined = agreement(
        "320000", "330000", state=A.DECLINED, effective_from=today(), by=sh_drafter
    )
    ministry = client_for(reviewer)
    html = html_of(ministry.get(url("agreements")))
    assert_landmarks_and_labels(html)
    assert url("agreement_propose") not in html
    rows = table_rows(html, MINISTRY_CAPTION)
    assert [r[:3] for r in rows] == [
        ["江苏省 ↔ 浙江省", "浙江省", tr("Declined")],
        ["北京市 ↔ 广东省", "广东省", tr("Proposed, awaiting the partner")],
        ["上海市 ↔ 广东省", "广东省", tr("In effect")],
    ]
    rows = table_rows(
        html_of(ministry.get(url("agreements"), {"province": region("440000").pk})),
        MINISTRY_CAPTION,
    )
    assert [r[0] for r in rows] == ["北京市 ↔ 广东省", "上海市 ↔ 广东省"]
    rows = table_rows(
        html_of(
            ministry.get(url("agreements"), {"province": region("440000").pk, "state": "accepted"})
        ),
        MINISTRY_CAPTION,
    )
    assert [r[0] for r in rows] == ["上海市 ↔ 广东省"]
    rows = table_rows(
        html_of(ministry.get(url("agreements"), {"state": "withdrawn"})), MINISTRY_CAPTION
    )
    assert rows == [[tr("No agreement matches.")]]

    # Read-only: the detail has no actions, and acting is 404 (not a party).
    html = html_of(ministry.get(url("agreement", proposed.pk)))
    assert_landmarks(html)
    assert "agreement_transition" not in html
    assert url("agreement_transition", proposed.pk, "accept") not in html
    before = state_of(proposed)
    assert ministry.post(url("agreement_transition", proposed.pk, "accept")).status_code == 404
    assert ministry.get(url("agreement_propose")).status_code == 404
    assert state_of(proposed) == before
    # In English too.
    text = page_text(ministry.get(url("agreement", accepted.pk, language=EN)))
    assert f"{tr('State', EN)} {lz(A.ACCEPTED.label, EN)}" in text
    assert declined.state == A.DECLINED


# --- Query counts --------------------------------------------------------------------------------

# A drafter's list: 1. session; 2. user; 3. the provinces drafted (with the access query
# inside); 4. the user's drafting regions; 5. the agreements with both provinces; 6. the
# user's roles (menu); 7. the unread notifications of the header.
DRAFTER_LIST_QUERIES = 7
# The ministry's list: 1. session; 2. user; 3. the user's drafting regions (none, so the
# provinces drafted need no query); 4. the reviewer's permission; 5. the page of
# agreements with both provinces; 6. the provinces of the filter; 7. the user's roles (menu);
# 8. the unread notifications of the header.
MINISTRY_LIST_QUERIES = 8

OTHERS = [
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "320000",
    "330000", "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000",
    "450000", "460000", "500000", "510000", "520000", "530000", "540000", "610000", "620000",
    "630000", "640000", "650000",
]  # fmt: skip
STATES = [A.PROPOSED, A.ACCEPTED, A.DECLINED, A.CANCELLED, A.WITHDRAWN]


def _agreements(count: int, by: User) -> None:
    while RecognitionAgreement.objects.count() < count:
        n = RecognitionAgreement.objects.count()
        state = STATES[n % len(STATES)]
        start = today() - dt.timedelta(days=30)
        agreement(
            "310000" if n % 2 else OTHERS[n % len(OTHERS)],
            OTHERS[n % len(OTHERS)] if n % 2 else "310000",
            state=state,
            effective_from=start,
            ends_on=today() + dt.timedelta(days=n) if state == A.WITHDRAWN else None,
            by=by,
        )


def test_drafter_list_query_count_does_not_grow_with_agreements(
    sh: Client, sh_drafter: User, django_assert_num_queries: Any
) -> None:
    for count in (3, 30):
        _agreements(count, sh_drafter)
        with django_assert_num_queries(DRAFTER_LIST_QUERIES):
            response = sh.get(url("agreements"))
        assert len(table_rows(html_of(response), LIST_CAPTION, provinces="上海市")) == count


def test_ministry_list_query_count_does_not_grow_with_agreements(
    sh_drafter: User, reviewer: User, django_assert_num_queries: Any
) -> None:
    ministry = client_for(reviewer)
    for count in (3, 30):
        _agreements(count, sh_drafter)
        with django_assert_num_queries(MINISTRY_LIST_QUERIES):
            response = ministry.get(url("agreements", language=EN))
        assert len(table_rows(html_of(response), MINISTRY_CAPTION, EN)) == count
