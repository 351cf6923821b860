"""Powers of attorney: an employer admin lets a service agency act for the employer for a
period, and ends it. The agency's agents act for the employer from the first to the last
day included, never the day before or after, and not after a revocation; what they do is
recorded as their act for that employer (``acting_for_audit``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from permits.access import acting_agency, employer_ids_for, may_act_for
from permits.models import PowerOfAttorney
from permits.services.registration import (
    POWER_OF_ATTORNEY_MAX_YEARS,
    acting_for_audit,
    latest_valid_until,
    power_of_attorney_grant,
    power_of_attorney_revoke,
)
from portal.models import AuditEvent, Organization, User
from portal.roles import Role
from portal.services import PermissionDeniedError, ServiceError
from tests.factories import OrganizationFactory, RoleHelper

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def today() -> dt.date:
    return timezone.localdate()


def grant(
    actor: User,
    employer: Organization,
    agency: Organization,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> PowerOfAttorney:
    start = start or today()
    return power_of_attorney_grant(
        actor=actor,
        employer=employer,
        agency=agency,
        valid_from=start,
        valid_until=end or start + dt.timedelta(days=364),
    )


def snapshot() -> tuple[list[tuple[Any, ...]], int]:
    rows = list(
        PowerOfAttorney.objects.order_by("pk").values_list(
            "pk", "employer_id", "agency_id", "valid_from", "valid_until", "revoked_at"
        )
    )
    return rows, AuditEvent.objects.count()


def test_the_maximum_is_a_named_constant() -> None:
    assert POWER_OF_ATTORNEY_MAX_YEARS == 3
    assert latest_valid_until(dt.date(2026, 6, 8)) == dt.date(2029, 6, 7)
    assert latest_valid_until(dt.date(2028, 2, 29)) == dt.date(2031, 2, 27)


def test_grant_records_the_power_and_audits_it(
    employer_admin: User, employer: Organization, agency: Organization
) -> None:
    start = today()
    power = grant(employer_admin, employer, agency, start, start + dt.timedelta(days=30))
    power.refresh_from_db()
    assert (
        power.employer,
        power.agency,
        power.valid_from,
        power.valid_until,
        power.granted_by,
        power.revoked_at,
    ) == (employer, agency, start, start + dt.timedelta(days=30), employer_admin, None)
    event = AuditEvent.objects.get(action="permits.power_of_attorney.grant")
    assert event.actor == employer_admin
    assert event.data == {
        "employer": employer.pk,
        "agency": agency.pk,
        "valid_from": start.isoformat(),
        "valid_until": (start + dt.timedelta(days=30)).isoformat(),
    }


def test_the_agent_acts_from_the_first_to_the_last_day_only(
    employer_admin: User, employer: Organization, agency: Organization, agent: User
) -> None:
    start = today() + dt.timedelta(days=10)
    end = start + dt.timedelta(days=100)
    grant(employer_admin, employer, agency, start, end)
    assert employer_ids_for(agent, on=start - DAY) == frozenset()
    assert employer_ids_for(agent, on=start) == {employer.pk}
    assert employer_ids_for(agent, on=end) == {employer.pk}
    assert employer_ids_for(agent, on=end + DAY) == frozenset()


def test_a_power_in_force_today_lets_the_agent_act(
    employer_admin: User, employer: Organization, agency: Organization, agent: User
) -> None:
    assert may_act_for(agent, employer) is False
    grant(employer_admin, employer, agency, today(), today())
    agent = User.objects.get(pk=agent.pk)  # a new request
    assert may_act_for(agent, employer) is True
    assert acting_agency(agent, employer) == agency


def test_revocation_ends_the_power_at_once(
    employer_admin: User, employer: Organization, agency: Organization, agent: User
) -> None:
    power = grant(employer_admin, employer, agency)
    assert employer_ids_for(agent) == {employer.pk}
    revoked = power_of_attorney_revoke(actor=employer_admin, power=power)
    assert revoked.revoked_by == employer_admin
    assert revoked.revoked_at is not None
    agent = User.objects.get(pk=agent.pk)
    assert employer_ids_for(agent) == frozenset()
    assert acting_agency(agent, employer) is None
    assert AuditEvent.objects.filter(action="permits.power_of_attorney.revoke").count() == 1
    before = snapshot()
    with pytest.raises(ServiceError) as caught:
        power_of_attorney_revoke(actor=employer_admin, power=power)
    assert caught.value.code == "already_revoked"
    assert snapshot() == before


def test_an_ended_power_cannot_be_revoked(
    employer_admin: User, employer: Organization, agency: Organization
) -> None:
    power = grant(employer_admin, employer, agency)
    PowerOfAttorney.objects.filter(pk=power.pk).update(
        valid_from=today() - dt.timedelta(days=30), valid_until=today() - DAY
    )
    before = snapshot()
    with pytest.raises(ServiceError) as caught:
        power_of_attorney_revoke(actor=employer_admin, power=power)
    assert caught.value.code == "already_ended"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("start_offset", "end_offset", "errors"),
    [
        (0, -1, {"valid_until": ["The last day comes on or after the first day."]}),
        (-1, 30, {"valid_from": ["The power of attorney cannot start in the past."]}),
    ],
)
def test_dates_are_checked(
    employer_admin: User,
    employer: Organization,
    agency: Organization,
    start_offset: int,
    end_offset: int,
    errors: dict[str, list[str]],
) -> None:
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        grant(
            employer_admin,
            employer,
            agency,
            today() + dt.timedelta(days=start_offset),
            today() + dt.timedelta(days=end_offset),
        )
    assert caught.value.message_dict == errors
    assert snapshot() == before


def test_at_most_three_years(
    employer_admin: User, employer: Organization, agency: Organization
) -> None:
    start = today()
    last = latest_valid_until(start)
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        grant(employer_admin, employer, agency, start, last + DAY)
    assert caught.value.message_dict == {
        "valid_until": [
            f"A power of attorney runs for at most 3 years: until {last.isoformat()} at the latest."
        ]
    }
    assert snapshot() == before
    assert grant(employer_admin, employer, agency, start, last).valid_until == last


def test_only_to_a_registered_active_agency(
    employer_admin: User, employer: Organization, beijing_employer: Organization
) -> None:
    inactive = OrganizationFactory(agency=True, is_active=False)
    before = snapshot()
    for target in (beijing_employer, inactive):
        with pytest.raises(ValidationError) as caught:
            grant(employer_admin, employer, target)
        assert caught.value.message_dict == {"agency": ["Choose a registered service agency."]}
    assert snapshot() == before


def test_overlapping_power_to_the_same_agency_is_refused(
    employer_admin: User, employer: Organization, agency: Organization
) -> None:
    first = grant(employer_admin, employer, agency, today(), today() + dt.timedelta(days=100))
    before = snapshot()
    with pytest.raises(ServiceError) as caught:
        grant(employer_admin, employer, agency, today() + dt.timedelta(days=100))
    assert caught.value.code == "overlapping_power"
    assert snapshot() == before
    # After it ends, or once it is revoked, a new one may be granted.
    after = grant(employer_admin, employer, agency, today() + dt.timedelta(days=101))
    assert after.valid_from == first.valid_until + DAY
    power_of_attorney_revoke(actor=employer_admin, power=first)
    assert grant(employer_admin, employer, agency, today(), today()).pk is not None


@pytest.mark.parametrize(
    "who", ["staff", "agent", "other_admin", "sh_acceptance", "site_admin", "ministry_reviewer"]
)
def test_only_the_employers_admin_grants_and_revokes(
    roles: RoleHelper,
    employer_admin: User,
    employer: Organization,
    agency: Organization,
    beijing_admin: User,
    who: str,
) -> None:
    actor = {
        "staff": lambda: roles.user(Role.EMPLOYER_STAFF, organization=employer),
        "agent": lambda: roles.user(Role.AGENCY_AGENT, organization=agency),
        "other_admin": lambda: beijing_admin,
        "sh_acceptance": lambda: roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000"),
        "site_admin": lambda: roles.user(Role.SITE_ADMIN),
        "ministry_reviewer": lambda: roles.user(Role.MINISTRY_REVIEWER),
    }[who]()
    power = grant(employer_admin, employer, agency)
    before = snapshot()
    with pytest.raises(PermissionDeniedError):
        grant(actor, employer, agency, today() + dt.timedelta(days=400))
    with pytest.raises(PermissionDeniedError):
        power_of_attorney_revoke(actor=actor, power=power)
    assert snapshot() == before


def test_an_agency_cannot_grant_for_itself(roles: RoleHelper, agency: Organization) -> None:
    agent = roles.user(Role.AGENCY_AGENT, organization=agency)
    other = OrganizationFactory(agency=True)
    with pytest.raises(PermissionDeniedError):
        grant(agent, agency, other)


# --- Recording the agent's act for the employer -------------------------------------------------


def test_acting_for_audit_of_the_employers_own_people(
    employer_admin: User, employer: Organization
) -> None:
    assert acting_for_audit(employer_admin, employer) == {"for_employer": employer.pk}
    assert acting_for_audit(employer_admin, employer.pk) == {"for_employer": employer.pk}


def test_acting_for_audit_of_an_agent_names_the_agency_and_the_power(
    employer_admin: User, employer: Organization, agency: Organization, agent: User
) -> None:
    power = grant(employer_admin, employer, agency)
    assert acting_for_audit(agent, employer) == {
        "for_employer": employer.pk,
        "acting_agency": agency.pk,
        "acting_agency_uscc": agency.uscc,
        "power_of_attorney": power.pk,
    }


def test_acting_for_audit_after_revocation_names_no_agency(
    employer_admin: User, employer: Organization, agency: Organization, agent: User
) -> None:
    power = grant(employer_admin, employer, agency)
    power_of_attorney_revoke(actor=employer_admin, power=power)
    assert acting_for_audit(User.objects.get(pk=agent.pk), employer) == {
        "for_employer": employer.pk
    }
