"""Fixtures of the credit tests.

The kinds of record are loaded by migration, as in production. Here: a Shanghai employer
registered long ago (so that its history can be clean), a Shanghai service agency, a
foreign worker, an inspector and a decision officer of Shanghai, an inspector of Beijing,
an employer admin and a site admin; and ``make_record`` to record through the service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from credit import services
from credit.constants import Source
from credit.models import CreditRecord
from portal.models import Foreigner, Organization, User
from portal.roles import Role
from tests.factories import OrganizationFactory, RoleHelper

# A fixed day the tests pin dates around.
TODAY = dt.date(2026, 6, 8)
LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def employer(db: None) -> Organization:
    organization = OrganizationFactory()
    # Registered years ago: ``created_at`` is auto_now_add, so set it afterwards.
    Organization.objects.filter(pk=organization.pk).update(created_at=LONG_AGO)
    organization.refresh_from_db()
    return organization


@pytest.fixture
def agency(db: None) -> Organization:
    organization = OrganizationFactory(agency=True)
    Organization.objects.filter(pk=organization.pk).update(created_at=LONG_AGO)
    organization.refresh_from_db()
    return organization


@pytest.fixture
def worker(db: None) -> Foreigner:
    return Foreigner.objects.create(
        surname="SMITH",
        given_names="JOHN",
        sex=Foreigner.Sex.MALE,
        date_of_birth=dt.date(1985, 3, 1),
        nationality="GBR",
    )


@pytest.fixture
def inspector(roles: RoleHelper) -> User:
    return roles.user(Role.INSPECTOR, region_code="310000")


@pytest.fixture
def decision_officer(roles: RoleHelper) -> User:
    return roles.user(Role.DECISION_OFFICER, region_code="310000")


@pytest.fixture
def beijing_inspector(roles: RoleHelper) -> User:
    return roles.user(Role.INSPECTOR, region_code="110000")


@pytest.fixture
def site_admin(roles: RoleHelper) -> User:
    return roles.user(Role.SITE_ADMIN)


@pytest.fixture
def employer_admin(roles: RoleHelper, employer: Organization) -> User:
    return roles.user(Role.EMPLOYER_ADMIN, organization=employer)


MakeRecord = Callable[..., CreditRecord]


@pytest.fixture
def make_record(inspector: User, employer: Organization) -> MakeRecord:
    """Record through the service; by default a serious illegal employment finding of the
    employer by the Shanghai inspector, in effect from TODAY for a year."""

    def make(**overrides: Any) -> CreditRecord:
        values: dict[str, Any] = {
            "actor": inspector,
            "kind": "illegal_employment",
            "facts": "Employed two foreigners without work permits.",
            "source": Source.INSPECTION,
            "effective_from": TODAY,
            "effective_until": dt.date(2027, 6, 7),
        }
        if "foreigner" not in overrides:
            values["organization"] = employer
        values.update(overrides)
        return services.record_create(**values)

    return make


def now() -> dt.datetime:
    return timezone.now()
