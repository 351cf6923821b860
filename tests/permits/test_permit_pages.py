"""The permit pages: the officers' list of a province's permits (search, filters, order by
the end of validity, paging without counting, query count pinned), the permit's page
(holder, validity, status read on today, its extensions and changes, the applications and
the history), revocation of a permit and of a notification letter by a decision officer
(success, refusal with nothing changed), the tax check of a salary commitment on the
officer's application page, the employers' list with the applications open on each permit
(the extension only inside its window), the employer's permit page, and who may see what.

Letters and permits are issued through ``Life`` (the approval's issuance); revocations and
the tax check go through the real services. Dates are fixed with the ``clock`` fixture.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from credit.models import CreditRecord
from permits.models import (
    Application,
    NotificationLetter,
    Permit,
    PermitChange,
    PowerOfAttorney,
)
from permits.services.permits import application_record_tax_check
from portal.models import AuditEvent, Foreigner, Organization, TransitionRecord, User
from portal.roles import Role
from tests.factories import RoleHelper
from tests.pages import html_of, tr
from tests.permits.conftest import TODAY, Clock, Life, region
from tests.portal.test_pages import sign_in_verified, text_of
from tests.talent_standards.test_drafting import lz, table_rows

pytestmark = pytest.mark.django_db

AK = Application.Kind
S = Application.State
ZH = "zh-hans"
OFFICER_CAPTION = "Permits of your province, soonest end of validity first"
EMPLOYER_CAPTION = "Work permits, soonest end of validity first"
# Issued on TODAY (8 June 2026), Category B: valid to 7 June 2028. The extension window
# is open from 90 to 30 days before: 9 March 2028 to 8 May 2028 (a leap year).
UNTIL = dt.date(2028, 6, 7)
WINDOW_OPENS = dt.date(2028, 3, 9)
WINDOW_CLOSES = dt.date(2028, 5, 8)


def url(name: str, *args: Any, language: str = ZH) -> str:
    with translation.override(language):
        return reverse(f"permits:{name}", args=args)


def client_for(user: User) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


def text(html: str) -> str:
    return " ".join(text_of(html).split())


@pytest.fixture
def permit(
    clock: Clock,
    life: Life,
    employer: Organization,
    employer_admin: User,
    sh_decision: User,
    foreigner: Foreigner,
) -> Permit:
    issued = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    assert issued.valid_until == UNTIL
    return issued


def another_permit(
    life: Life,
    employer: Organization,
    user: User,
    officer: User,
    surname: str,
    passport: str,
    day: dt.date = TODAY,
    **fields: Any,
) -> Permit:
    person = life.person(surname, passport=passport)
    return life.permit(employer, user, officer, person, day, **fields)


def snapshot(permit: Permit) -> tuple[Any, ...]:
    fresh = Permit.objects.get(pk=permit.pk)
    return (
        fresh.state,
        fresh.ended_on,
        fresh.end_reason,
        fresh.end_text_zh,
        fresh.end_text_en,
        sorted(fresh.end_reasons.values_list("code", flat=True)),
        TransitionRecord.objects.filter(
            target_model="permits.permit", target_id=str(fresh.pk)
        ).count(),
    )


# --- Who may see what -----------------------------------------------------------------------------


def officer_pages(permit: Permit) -> list[tuple[str, str, dict[str, Any]]]:
    assert permit.letter is not None
    return [
        ("get", url("officer_permits"), {}),
        ("get", url("officer_permit", permit.pk), {}),
        ("post", url("officer_permit_revoke", permit.pk), {}),
        ("get", url("officer_letter", permit.letter.pk), {}),
        ("post", url("officer_letter_revoke", permit.letter.pk), {}),
    ]


def employer_pages(permit: Permit) -> list[tuple[str, str, dict[str, Any]]]:
    return [("get", url("permits"), {}), ("get", url("permit", permit.pk), {})]


def test_anonymous_visitors_are_sent_to_sign_in(permit: Permit) -> None:
    client = Client()
    with translation.override(ZH):
        login = reverse("portal:login")
    for method, address, data in officer_pages(permit) + employer_pages(permit):
        response = getattr(client, method)(address, data)
        assert response.status_code == 302, address
        assert response["Location"].startswith(login + "?next="), address


@pytest.mark.parametrize(
    ("role", "region_code", "list_status", "page_status"),
    [
        (Role.ACCEPTANCE_OFFICER, "310000", 200, 200),
        (Role.DECISION_OFFICER, "310000", 200, 200),
        (Role.ACCEPTANCE_OFFICER, "110000", 200, 404),
        (Role.DECISION_OFFICER, "110000", 200, 404),
        (Role.INSPECTOR, "310000", 404, 404),
        (Role.EMPLOYER_ADMIN, "", 404, 404),
        (Role.EMPLOYER_STAFF, "", 404, 404),
        (Role.AGENCY_AGENT, "", 404, 404),
        (Role.MINISTRY_REVIEWER, "", 404, 404),
        (Role.SITE_ADMIN, "", 404, 404),
    ],
)
def test_the_officers_pages_by_role(
    role: str,
    region_code: str,
    list_status: int,
    page_status: int,
    permit: Permit,
    roles: RoleHelper,
) -> None:
    """Officers of the province see the permit; another province's officer, the
    employer's own people and everyone else get 404, and nothing changes."""
    if role in (Role.EMPLOYER_ADMIN, Role.EMPLOYER_STAFF):
        user = roles.user(role, organization=permit.employer)
    elif region_code:
        user = roles.user(role, region_code=region_code)
    else:
        user = roles.user(role)
    client = client_for(user)
    before = snapshot(permit)
    letter_state = NotificationLetter.objects.get(pk=permit.letter_id).state
    for method, address, data in officer_pages(permit):
        response = getattr(client, method)(address, data)
        expected = list_status if address == url("officer_permits") else page_status
        if method == "post" and expected == 200:
            expected = 422  # an empty revocation is refused
        assert response.status_code == expected, (role, address)
    assert snapshot(permit) == before
    assert NotificationLetter.objects.get(pk=permit.letter_id).state == letter_state


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("staff", 200),
        ("agent_with_power", 200),
        ("agent_without_power", 404),
        ("other_employer", 404),
        ("sh_decision", 404),
        ("sh_acceptance", 404),
    ],
)
def test_the_employers_pages_by_role(
    who: str,
    status: int,
    permit: Permit,
    roles: RoleHelper,
    employer_admin: User,
    beijing_admin: User,
    agency: Organization,
    agent: User,
    sh_decision: User,
    sh_acceptance: User,
) -> None:
    users = {
        "admin": employer_admin,
        "staff": lambda: roles.user(Role.EMPLOYER_STAFF, organization=permit.employer),
        "agent_with_power": agent,
        "agent_without_power": agent,
        "other_employer": beijing_admin,
        "sh_decision": sh_decision,
        "sh_acceptance": sh_acceptance,
    }
    user = users[who]
    user = user() if callable(user) else user
    if who == "agent_with_power":
        PowerOfAttorney.objects.create(
            employer=permit.employer,
            agency=agency,
            valid_from=TODAY - dt.timedelta(days=10),
            valid_until=TODAY + dt.timedelta(days=300),
            granted_by=employer_admin,
            granted_at=Life.moment(TODAY),
        )
    client = client_for(user)
    response = client.get(url("permit", permit.pk))
    assert response.status_code == status, who
    listing = client.get(url("permits"))
    if who in ("sh_decision", "sh_acceptance"):
        assert listing.status_code == 404
    else:
        assert listing.status_code == 200
        rows = (
            table_rows(html_of(listing), EMPLOYER_CAPTION)
            if "<table" in listing.content.decode()
            else []
        )
        numbers = [r[0] for r in rows]
        assert (permit.permit_number in numbers) == (status == 200), who


def test_the_menu_shows_the_permits(
    sh_acceptance: User, sh_decision: User, employer_admin: User
) -> None:
    with translation.override(ZH):
        account = reverse("portal:account")
    officers_entry = f'href="{url("officer_permits")}"'
    employers_entry = f'href="{url("permits")}"'
    for officer in (sh_acceptance, sh_decision):
        html = html_of(client_for(officer).get(account))
        assert officers_entry in html
        assert employers_entry not in html
    html = html_of(client_for(employer_admin).get(account))
    assert employers_entry in html
    assert officers_entry not in html


# --- The officers' list ---------------------------------------------------------------------------


def listed(client: Client, **params: Any) -> list[str]:
    response = client.get(url("officer_permits"), params)
    assert response.status_code == 200
    html = html_of(response)
    if "<table" not in html:
        return []
    return [row[0] for row in table_rows(html, OFFICER_CAPTION)]


@pytest.fixture
def several(
    clock: Clock,
    life: Life,
    employer: Organization,
    employer_admin: User,
    beijing_employer: Organization,
    beijing_admin: User,
    sh_decision: User,
    bj_decision: User,
) -> dict[str, Permit]:
    """Shanghai permits issued on different days (so expiring on different days), one of
    each status, and a Beijing permit."""
    from tests.factories import OrganizationFactory

    other = OrganizationFactory(
        region=region("310000"), name_zh="浦东另一家公司", name_en="Another Pudong Company"
    )
    other_admin = employer_admin  # the ORM-made applications need only some user
    made = {
        "active": another_permit(
            life, employer, employer_admin, sh_decision, "ALPHA", "A1000001", TODAY
        ),
        "later": another_permit(
            life, other, other_admin, sh_decision, "BRAVO", "B1000002", TODAY + dt.timedelta(5)
        ),
        "expired_by_date": another_permit(
            life, employer, employer_admin, sh_decision, "CHARLIE", "C1000003", dt.date(2024, 5, 1)
        ),
        "cancelled": another_permit(
            life, employer, employer_admin, sh_decision, "DELTA", "D1000004", TODAY
        ),
        "revoked": another_permit(
            life, employer, employer_admin, sh_decision, "ECHO", "E1000005", TODAY
        ),
        "beijing": another_permit(
            life, beijing_employer, beijing_admin, bj_decision, "FOXTROT", "F1000006", TODAY
        ),
    }
    Permit.objects.filter(pk=made["cancelled"].pk).update(state=Permit.State.CANCELLED)
    Permit.objects.filter(pk=made["revoked"].pk).update(state=Permit.State.REVOKED)
    Permit.objects.filter(pk=made["later"].pk).update(category="A")
    for key in made:
        made[key].refresh_from_db()
    return made


def test_the_list_shows_the_province_by_end_of_validity(
    several: dict[str, Permit], sh_acceptance: User, bj_decision: User
) -> None:
    shanghai = [p for k, p in several.items() if k != "beijing"]
    expected = [p.permit_number for p in sorted(shanghai, key=lambda p: (p.valid_until, p.pk))]
    assert listed(client_for(sh_acceptance)) == expected
    assert expected[0] == several["expired_by_date"].permit_number  # the soonest end first
    assert listed(client_for(bj_decision)) == [several["beijing"].permit_number]


def test_the_list_reads_expiry_from_the_dates(
    several: dict[str, Permit], sh_decision: User
) -> None:
    client = client_for(sh_decision)
    html = html_of(client.get(url("officer_permits")))
    rows = {r[0]: r for r in table_rows(html, OFFICER_CAPTION)}
    expired = rows[several["expired_by_date"].permit_number]
    assert several["expired_by_date"].state == Permit.State.ACTIVE  # not yet recorded
    assert expired[5] == tr("Expired")
    assert rows[several["active"].permit_number][5] == Permit.State.ACTIVE.label == "有效"
    assert rows[several["revoked"].permit_number][5] == tr("Revoked")


@pytest.mark.parametrize(
    ("params", "keys"),
    [
        ({"status": "active"}, {"active", "later"}),
        ({"status": "expired"}, {"expired_by_date"}),
        ({"status": "cancelled"}, {"cancelled"}),
        ({"status": "revoked"}, {"revoked"}),
        ({"status": "transferred"}, set()),
        ({"category": "A"}, {"later"}),
        ({"q": "alpha"}, {"active"}),  # the worker's name, any case
        ({"q": "bravo john"}, {"later"}),  # every word of the name
        ({"q": "b1000002"}, {"later"}),  # the passport number
        ({"q": "另一家"}, {"later"}),  # part of the employer's name
        ({"q": "another pudong"}, {"later"}),  # its English name
        ({"status": "active", "q": "ECHO"}, set()),
    ],
)
def test_search_and_filters(
    params: dict[str, str], keys: set[str], several: dict[str, Permit], sh_decision: User
) -> None:
    expected = sorted(several[k].permit_number for k in keys)
    assert sorted(listed(client_for(sh_decision), **params)) == expected


def test_search_by_permit_number_and_uscc(several: dict[str, Permit], sh_decision: User) -> None:
    client = client_for(sh_decision)
    target = several["revoked"]
    assert listed(client, q=target.permit_number.lower()) == [target.permit_number]
    later = several["later"]
    assert listed(client, q=later.employer.uscc) == [later.permit_number]


def test_a_wrong_filter_is_shown_and_left_out(
    several: dict[str, Permit], sh_decision: User
) -> None:
    response = client_for(sh_decision).get(url("officer_permits"), {"status": "bogus"})
    html = html_of(response)
    assert tr("Some filters were left out: correct them.") in text(html)
    assert len(table_rows(html, OFFICER_CAPTION)) == 5


def _list_queries(client: Client) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("officer_permits"))
    assert response.status_code == 200
    return len(queries), [q["sql"] for q in queries.captured_queries]


# The session, the user, the acceptance and the decision grants, the regions' levels, the
# page of permits (with holder, employer and passport joined), the roles for the menu, the
# unread notifications of the header.
LIST_QUERIES = 8


def test_the_list_costs_the_same_queries_for_3_and_30_rows_and_never_counts(
    clock: Clock, life: Life, employer: Organization, employer_admin: User, sh_decision: User
) -> None:
    client = client_for(sh_decision)
    for n in range(3):
        another_permit(life, employer, employer_admin, sh_decision, f"W{n}", f"X{n:07d}")
    three, _sql = _list_queries(client)
    for n in range(3, 30):
        another_permit(life, employer, employer_admin, sh_decision, f"W{n}", f"X{n:07d}")
    thirty, sql_30 = _list_queries(client)
    assert three == thirty == LIST_QUERIES, sql_30
    assert not any("COUNT(" in q.upper() for q in sql_30)
    first = html_of(client.get(url("officer_permits")))
    assert len(table_rows(first, OFFICER_CAPTION)) == 25
    assert 'rel="next"' in first
    second = html_of(client.get(url("officer_permits"), {"page": "2"}))
    assert len(table_rows(second, OFFICER_CAPTION)) == 5
    assert 'rel="prev"' in second
    assert 'rel="next"' not in second


# --- The permit's page ----------------------------------------------------------------------------


@pytest.fixture
def extended(
    permit: Permit, clock: Clock, life: Life, employer_admin: User, sh_decision: User
) -> Application:
    """The permit extended inside its window, to a new contract."""
    application = life.application(
        AK.EXTENSION,
        employer=permit.employer,
        user=employer_admin,
        foreigner=permit.foreigner,
        submitted=dt.date(2028, 4, 10),
        permit=permit,
        contract_end=dt.date(2031, 6, 30),
    )
    life.approve(application, sh_decision, dt.date(2028, 4, 24))
    permit.refresh_from_db()
    return application


def test_the_permit_page_shows_everything(
    permit: Permit, extended: Application, sh_acceptance: User
) -> None:
    html = html_of(client_for(sh_acceptance).get(url("officer_permit", permit.pk)))
    page = text(html)
    assert permit.foreigner.latin_name in page
    assert permit.permit_number in page
    assert permit.foreigner.permit_number == permit.permit_number  # the lifelong number
    assert "C01X00T47" in page  # the passport
    assert permit.employer.uscc in page
    assert permit.route_code in page
    assert "2026-06-08 – 2030-06-07" in page
    assert tr("Valid") in page
    # The extension's history: the new end, the contract, and the application that made it.
    changes = table_rows(html, "Extensions and changes of the permit, oldest first")
    assert [(r[1], r[2], r[3], r[4]) for r in changes] == [
        (tr("valid until"), "2028-06-07", "2030-06-07", "2028-06-08"),
        (tr("contract until"), "2030-06-30", "2031-06-30", "2028-06-08"),
    ]
    assert extended.number in changes[0][5]
    applications = table_rows(
        html, "The applications that led to the permit and those filed about it"
    )
    assert [r[0] for r in applications] == [
        permit.letter.application.number,
        permit.application.number,
        extended.number,
    ]
    # The letter it came from, and its history (used for the permit).
    assert f'href="{url("officer_letter", permit.letter_id)}"' in html
    assert permit.letter.number in page
    assert tr("Use for the work permit") in page
    # An acceptance officer reads; only a decision officer revokes.
    assert url("officer_permit_revoke", permit.pk) not in html


# Session, user, the acceptance and the decision grants (the second answers "may revoke"
# too), the regions' levels, the permit (joined), its end reasons, its changes, its
# applications, the permit's and the letter's transitions, the revocation reasons for the
# form, the menu's roles, the issued documents of the permit and its letter, the unread
# notifications of the header.
DETAIL_QUERIES = 15


def test_the_permit_page_query_count_is_pinned(
    permit: Permit, extended: Application, sh_decision: User
) -> None:
    client = client_for(sh_decision)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("officer_permit", permit.pk))
    assert response.status_code == 200
    assert len(queries) == DETAIL_QUERIES, [q["sql"] for q in queries.captured_queries]


def test_an_expired_permit_reads_as_expired_at_once(
    permit: Permit, clock: Clock, sh_decision: User
) -> None:
    clock.set(UNTIL + dt.timedelta(days=1))
    html = html_of(client_for(sh_decision).get(url("officer_permit", permit.pk)))
    assert tr("Expired") in text(html)
    # An expired permit is not revoked.
    assert url("officer_permit_revoke", permit.pk) not in html


# --- Revocation -----------------------------------------------------------------------------------


def revoke(client: Client, permit: Permit, data: dict[str, Any]) -> Any:
    return client.post(
        url("officer_permit_revoke", permit.pk), {f"revoke-{k}": v for k, v in data.items()}
    )


def test_revoke_a_permit(permit: Permit, clock: Clock, sh_decision: User) -> None:
    clock.set(dt.date(2026, 9, 1))
    client = client_for(sh_decision)
    html = html_of(client.get(url("officer_permit", permit.pk)))
    assert f'action="{url("officer_permit_revoke", permit.pk)}#errors-revoke"' in html
    response = revoke(
        client,
        permit,
        {
            "reasons": ["REV-FALSE", "REV-CRIME"],
            "reason": "Forged degree certificate.",
            "text_zh": "学历证书系伪造。",
            "text_en": "The degree certificate was forged.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("officer_permit", permit.pk) + "#main"
    fresh = Permit.objects.get(pk=permit.pk)
    assert fresh.state == Permit.State.REVOKED
    assert fresh.ended_on == dt.date(2026, 9, 1)
    assert fresh.end_reason == "Forged degree certificate."
    assert fresh.end_text_zh == "学历证书系伪造。"
    assert fresh.end_text_en == "The degree certificate was forged."
    assert sorted(fresh.end_reasons.values_list("code", flat=True)) == ["REV-CRIME", "REV-FALSE"]
    assert TransitionRecord.objects.filter(
        target_model="permits.permit", target_id=str(permit.pk), transition="revoke"
    ).exists()
    assert AuditEvent.objects.filter(
        target_model="permits.permit", target_id=str(permit.pk), actor=sh_decision
    ).exists()
    page = text(html_of(client.get(response["Location"])))
    assert tr("Revoked") in page
    assert "学历证书系伪造。" in page
    assert (
        tr(
            "Permit %(number)s is revoked as of %(day)s.",
            number=permit.permit_number,
            day="2026-09-01",
        )
        in page
    )
    # The form is gone: nothing more to revoke.
    assert url("officer_permit_revoke", permit.pk) not in html_of(
        client.get(url("officer_permit", permit.pk))
    )


def test_revoke_without_reasons_is_refused_and_changes_nothing(
    permit: Permit, sh_decision: User
) -> None:
    before = snapshot(permit)
    response = revoke(client_for(sh_decision), permit, {"reason": ""})
    assert response.status_code == 422
    page = text(html_of(response))
    assert tr("The permit was not revoked and nothing was changed.") in page
    assert tr("Choose at least one reason from the list.") in page
    assert tr("This field is required.") in page
    assert snapshot(permit) == before


def test_revoke_with_a_reason_of_another_stage_is_refused_by_the_workflow(
    permit: Permit, sh_decision: User
) -> None:
    """The form offers only the revocation reasons; a forged code is refused."""
    before = snapshot(permit)
    response = revoke(client_for(sh_decision), permit, {"reasons": ["REJ-OTHER"], "reason": "x"})
    assert response.status_code == 422
    assert snapshot(permit) == before


def test_an_acceptance_officer_cannot_revoke(permit: Permit, sh_acceptance: User) -> None:
    client = client_for(sh_acceptance)
    assert url("officer_permit_revoke", permit.pk) not in html_of(
        client.get(url("officer_permit", permit.pk))
    )
    before = snapshot(permit)
    response = revoke(client, permit, {"reasons": ["REV-FALSE"], "reason": "Forged."})
    assert response.status_code == 422
    assert tr("Nothing was changed:") in text(html_of(response))
    assert snapshot(permit) == before


def test_revoke_a_notification_letter(
    clock: Clock,
    life: Life,
    employer: Organization,
    employer_admin: User,
    sh_decision: User,
    sh_acceptance: User,
    foreigner: Foreigner,
) -> None:
    letter = life.letter(employer, employer_admin, sh_decision, foreigner, TODAY)
    # The application's page links to the letter the approval issued.
    review = html_of(client_for(sh_decision).get(url("review_application", letter.application_id)))
    assert f'href="{url("officer_letter", letter.pk)}"' in review
    # An acceptance officer reads it but may not revoke it.
    reader = client_for(sh_acceptance)
    html = html_of(reader.get(url("officer_letter", letter.pk)))
    assert url("officer_letter_revoke", letter.pk) not in html
    assert (
        reader.post(
            url("officer_letter_revoke", letter.pk),
            {"revoke-reasons": ["REV-FALSE"], "revoke-reason": "x"},
        ).status_code
        == 422
    )
    assert NotificationLetter.objects.get(pk=letter.pk).state == NotificationLetter.State.VALID
    client = client_for(sh_decision)
    # Refused without reasons.
    response = client.post(url("officer_letter_revoke", letter.pk), {"revoke-reason": ""})
    assert response.status_code == 422
    assert tr("The letter was not revoked and nothing was changed.") in text(html_of(response))
    assert NotificationLetter.objects.get(pk=letter.pk).state == NotificationLetter.State.VALID
    response = client.post(
        url("officer_letter_revoke", letter.pk),
        {"revoke-reasons": ["REV-EMPLOYER"], "revoke-reason": "The employer closed."},
    )
    assert response.status_code == 302
    fresh = NotificationLetter.objects.get(pk=letter.pk)
    assert fresh.state == NotificationLetter.State.REVOKED
    assert fresh.ended_on == TODAY
    assert "REV-EMPLOYER" in fresh.end_reason
    page = text(html_of(client.get(response["Location"])))
    assert tr("Revoked") in page
    assert url("officer_letter_revoke", letter.pk) not in page


# --- The tax check on the officer's application page ----------------------------------------------


@pytest.fixture
def extension_under_review(
    permit: Permit, clock: Clock, life: Life, employer_admin: User
) -> Application:
    Permit.objects.filter(pk=permit.pk).update(on_salary_commitment=True)
    clock.set(dt.date(2028, 4, 10))
    return life.application(
        AK.EXTENSION,
        employer=permit.employer,
        user=employer_admin,
        foreigner=permit.foreigner,
        submitted=dt.date(2028, 4, 10),
        permit=permit,
        contract_end=dt.date(2031, 6, 30),
        due_on=dt.date(2028, 4, 24),
    )


def tax_post(client: Client, application: Application, data: dict[str, str]) -> Any:
    return client.post(
        url("review_tax_check", application.pk), {f"tax-{k}": v for k, v in data.items()}
    )


def credit_records(permit: Permit) -> int:
    return CreditRecord.objects.filter(organization=permit.employer).count()


def test_the_tax_check_yes(
    extension_under_review: Application, permit: Permit, sh_decision: User
) -> None:
    client = client_for(sh_decision)
    html = html_of(client.get(url("review_application", extension_under_review.pk)))
    assert f'action="{url("review_tax_check", extension_under_review.pk)}#errors-tax"' in html
    response = tax_post(client, extension_under_review, {"backed": "yes", "note": "2027 tax ok"})
    assert response.status_code == 302
    extension_under_review.refresh_from_db()
    assert extension_under_review.salary_backed_by_tax is True
    assert credit_records(permit) == 0
    page = text(html_of(client.get(response["Location"])))
    assert "2027 tax ok" in page
    assert tr("the employer was reported to the credit service") not in page


def test_the_tax_check_no_reports_the_employer_once(
    extension_under_review: Application, permit: Permit, sh_decision: User
) -> None:
    client = client_for(sh_decision)
    response = tax_post(client, extension_under_review, {"backed": "no", "note": "No tax paid."})
    assert response.status_code == 302
    extension_under_review.refresh_from_db()
    assert extension_under_review.salary_backed_by_tax is False
    assert credit_records(permit) == 1
    page = text(html_of(client.get(response["Location"])))
    assert "No tax paid." in page
    assert (
        tr(
            "The salary was not backed by tax records: the employer was reported to the credit "
            "service as a dishonest act on %(day)s (once for this permit).",
            day="2028-04-10",
        )
        in page
    )
    # A second "no" reports nothing more.
    assert tax_post(client, extension_under_review, {"backed": "no"}).status_code == 302
    assert credit_records(permit) == 1


def test_the_tax_check_without_an_answer_is_refused(
    extension_under_review: Application, sh_decision: User
) -> None:
    response = tax_post(client_for(sh_decision), extension_under_review, {"note": "?"})
    assert response.status_code == 422
    assert tr("There is a problem: correct what is listed.") in text(html_of(response))
    extension_under_review.refresh_from_db()
    assert extension_under_review.salary_backed_by_tax is None


def test_the_tax_check_only_where_the_service_accepts_it(
    extension_under_review: Application, permit: Permit, sh_acceptance: User, sh_decision: User
) -> None:
    form = f'action="{url("review_tax_check", extension_under_review.pk)}#errors-tax"'
    # An acceptance officer neither sees the form nor may record.
    reader = client_for(sh_acceptance)
    assert form not in html_of(reader.get(url("review_application", extension_under_review.pk)))
    assert tax_post(reader, extension_under_review, {"backed": "no"}).status_code == 422
    assert credit_records(permit) == 0
    # Not on a salary commitment: no tax check at all.
    Permit.objects.filter(pk=permit.pk).update(on_salary_commitment=False)
    html = html_of(
        client_for(sh_decision).get(url("review_application", extension_under_review.pk))
    )
    assert form not in html
    assert tr("Tax check of the salary") not in text(html)
    # Decided: the recorded answer is shown, no form.
    Permit.objects.filter(pk=permit.pk).update(on_salary_commitment=True)
    application_record_tax_check(actor=sh_decision, application=extension_under_review, backed=True)
    Application.objects.filter(pk=extension_under_review.pk).update(state=S.APPROVED)
    html = html_of(
        client_for(sh_decision).get(url("review_application", extension_under_review.pk))
    )
    assert form not in html
    assert tr("Tax check of the salary") in text(html)


# --- The employers' pages -------------------------------------------------------------------------


def employer_rows(client: Client) -> dict[str, list[str]]:
    html = html_of(client.get(url("permits")))
    return {r[0]: r for r in table_rows(html, EMPLOYER_CAPTION)}


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (WINDOW_OPENS - dt.timedelta(days=1), False),
        (WINDOW_OPENS, True),
        (WINDOW_CLOSES, True),
        (WINDOW_CLOSES + dt.timedelta(days=1), False),
    ],
)
def test_the_extension_is_offered_only_inside_its_window(
    day: dt.date, open_: bool, permit: Permit, clock: Clock, employer_admin: User
) -> None:
    clock.set(day)
    client = client_for(employer_admin)
    html = html_of(client.get(url("permits")))
    extension = f'action="{url("application_start_from", "extension")}"'
    assert (extension in html) is open_, day
    # A change and a cancellation are open while the permit is in force.
    assert f'action="{url("application_start_from", "change")}"' in html
    assert f'action="{url("application_start_from", "cancellation")}"' in html
    if not open_ and day < WINDOW_OPENS:
        assert tr("Extension from %(day)s", day=WINDOW_OPENS.isoformat()) in text(html)


def test_the_extension_button_starts_the_draft(
    permit: Permit, clock: Clock, employer_admin: User
) -> None:
    clock.set(WINDOW_OPENS)
    client = client_for(employer_admin)
    response = client.post(
        url("application_start_from", "extension"),
        {"employer": permit.employer_id, "permit": permit.pk, "confirm": "1"},
    )
    assert response.status_code == 302
    draft = Application.objects.get(kind=AK.EXTENSION, permit=permit)
    assert draft.state == S.DRAFT
    # Under way now: named instead of offered.
    html = html_of(client.get(url("permits")))
    assert f'action="{url("application_start_from", "extension")}"' not in html
    assert tr("%(kind)s: under way", kind=lz(AK.EXTENSION.label)) in text(html)


def test_the_employer_list_shows_status_validity_and_letters(
    permit: Permit,
    clock: Clock,
    life: Life,
    employer: Organization,
    employer_admin: User,
    sh_decision: User,
) -> None:
    letter = life.letter(
        employer, employer_admin, sh_decision, life.person("LETTER", passport="L0000001"), TODAY
    )
    revoked = another_permit(life, employer, employer_admin, sh_decision, "GONE", "G0000001")
    Permit.objects.filter(pk=revoked.pk).update(state=Permit.State.REVOKED)
    client = client_for(employer_admin)
    html = html_of(client.get(url("permits")))
    rows = {r[0]: r for r in table_rows(html, EMPLOYER_CAPTION)}
    assert rows[permit.permit_number][3] == Permit.State.ACTIVE.label == "有效"
    assert rows[permit.permit_number][4] == "2026-06-08 – 2028-06-07"
    assert rows[revoked.permit_number][3] == tr("Revoked")
    assert rows[revoked.permit_number][5] == "—"  # nothing to apply for
    letters = table_rows(html, "Notification letters not yet used, newest first")
    assert [r[0] for r in letters] == [letter.number]
    assert f'action="{url("application_start_from", "after_entry")}"' in html


def _employer_queries(client: Client) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("permits"))
    assert response.status_code == 200
    return len(queries), [q["sql"] for q in queries.captured_queries]


# Session, user, roles (who may see the page), the organizations acted for, which of them
# are employers, the page of permits (the applications under way as EXISTS), the extension
# window of the province (its province, its rule: once a page), the letters, the pre-2017
# documents still valid, the unread notifications of the header. The menu reuses the roles.
EMPLOYER_LIST_QUERIES = 11


def test_the_employer_list_costs_the_same_for_3_and_30_rows(
    clock: Clock, life: Life, employer: Organization, employer_admin: User, sh_decision: User
) -> None:
    client = client_for(employer_admin)
    for n in range(3):
        another_permit(life, employer, employer_admin, sh_decision, f"W{n}", f"X{n:07d}")
    three, _sql = _employer_queries(client)
    for n in range(3, 30):
        another_permit(life, employer, employer_admin, sh_decision, f"W{n}", f"X{n:07d}")
    thirty, sql = _employer_queries(client)
    assert three == thirty == EMPLOYER_LIST_QUERIES, sql
    assert not any("COUNT(" in q.upper() for q in sql)


def test_the_employer_permit_page(
    permit: Permit, extended: Application, clock: Clock, employer_admin: User
) -> None:
    clock.set(dt.date(2028, 5, 1))
    html = html_of(client_for(employer_admin).get(url("permit", permit.pk)))
    page = text(html)
    assert permit.permit_number in page
    assert "2026-06-08 – 2030-06-07" in page
    changes = table_rows(html, "Extensions and changes of the permit, oldest first")
    assert len(changes) == 2
    # Links go to the employer's own application pages; no officer's name or forms.
    assert f'href="{url("application", extended.pk)}"' in html
    assert url("review_application", extended.pk) not in html
    assert permit.issued_by.get_full_name() not in page
    assert "revoke" not in html


def test_the_pages_speak_english(permit: Permit, sh_decision: User, employer_admin: User) -> None:
    officer = html_of(client_for(sh_decision).get(url("officer_permits", language="en")))
    assert "Work permits" in officer
    page = html_of(client_for(sh_decision).get(url("officer_permit", permit.pk, language="en")))
    assert "Revoke the permit" in page
    employer = html_of(client_for(employer_admin).get(url("permits", language="en")))
    assert "You can apply for" in employer


def test_permit_changes_are_recorded_by_the_issuance(permit: Permit, extended: Application) -> None:
    assert PermitChange.objects.filter(permit=permit, application=extended).count() == 2
