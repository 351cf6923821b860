"""The permits app offers "employers with active work permits" to inspection campaigns
(credit may not import permits, so permits registers the population with credit)."""

from __future__ import annotations

import datetime as dt

import pytest

from credit.inspections import population_spec
from permits.models import Permit
from permits.selectors.permits import employers_with_active_permits
from portal.models import Foreigner, Organization, Region, User
from tests.permits.conftest import TODAY, Life

pytestmark = pytest.mark.django_db


@pytest.fixture
def permit(
    life: Life, employer: Organization, employer_admin: User, sh_decision: User, foreigner
) -> Permit:
    """Issued 8 June 2026, Category B, valid until 7 June 2028, working in Shanghai."""
    return life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)


def shanghai() -> Region:
    return Region.objects.get(code="310000")


def test_the_population_is_registered_with_its_category_filter() -> None:
    spec = population_spec("employers_with_active_permits")
    assert spec is not None
    assert spec.fn is employers_with_active_permits
    assert spec.filters == ("category",)


def test_an_employer_with_a_permit_in_force_is_in_the_population(
    permit: Permit, employer: Organization
) -> None:
    on = TODAY + dt.timedelta(days=30)
    assert employers_with_active_permits(shanghai(), on, {}) == [
        (employer.pk, employer.uscc, employer.name_zh)
    ]
    assert employers_with_active_permits(shanghai(), on, {"category": "B"}) == [
        (employer.pk, employer.uscc, employer.name_zh)
    ]
    assert employers_with_active_permits(shanghai(), on, {"category": "A"}) == []


def test_other_provinces_and_days_outside_the_permit_are_not(
    permit: Permit, foreigner: Foreigner
) -> None:
    beijing = Region.objects.get(code="110000")
    assert employers_with_active_permits(beijing, TODAY, {}) == []
    assert employers_with_active_permits(shanghai(), TODAY - dt.timedelta(days=1), {}) == []
    assert (
        employers_with_active_permits(shanghai(), permit.valid_until + dt.timedelta(days=1), {})
        == []
    )


def test_a_revoked_permit_takes_its_employer_out(permit: Permit) -> None:
    Permit.objects.filter(pk=permit.pk).update(state=Permit.State.REVOKED)
    assert employers_with_active_permits(shanghai(), TODAY, {}) == []
