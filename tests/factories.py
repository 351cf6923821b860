"""Factories, one trait per kind of organization, and a helper that gives roles the way
the portal does (through ``portal.services.role_grant``)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from portal import services
from portal.identifiers import uscc_check_character
from portal.models import Organization, Region, User
from portal.roles import ROLE_SPECS, Role, Scope

TEST_PASSWORD = "correct-horse-battery-9"


def valid_uscc(n: int, division: str = "310000") -> str:
    first17 = f"91{division}{n:09d}"
    return first17 + uscc_check_character(first17)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    kind = Organization.Kind.EMPLOYER
    name_zh = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    name_en = factory.Sequence(lambda n: f"Test Employer {n} Co., Ltd.")
    region = factory.LazyFunction(lambda: region("310000"))
    uscc = factory.Sequence(valid_uscc)
    authority_level = ""

    class Params:
        authority = factory.Trait(
            kind=Organization.Kind.PROVINCIAL_AUTHORITY,
            uscc=None,
            authority_level=Organization.AuthorityLevel.PROVINCIAL,
            name_zh=factory.Sequence(lambda n: f"测试人社局{n}"),
            name_en=factory.Sequence(lambda n: f"Test Authority {n}"),
        )
        sub_provincial = factory.Trait(
            authority=True, authority_level=Organization.AuthorityLevel.SUB_PROVINCIAL
        )
        ministry = factory.Trait(
            kind=Organization.Kind.MINISTRY, uscc=None, region=None, name_zh="人力资源和社会保障部"
        )
        agency = factory.Trait(kind=Organization.Kind.SERVICE_AGENCY)
        partner = factory.Trait(kind=Organization.Kind.PARTNER_AGENCY, uscc=None)
        association = factory.Trait(
            kind=Organization.Kind.INDUSTRY_ASSOCIATION,
            uscc=None,
            name_zh=factory.Sequence(lambda n: f"测试行业协会{n}"),
            name_en=factory.Sequence(lambda n: f"Test Industry Association {n}"),
        )


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    organization = factory.SubFactory(OrganizationFactory)
    password = factory.django.Password(TEST_PASSWORD)


ORGANIZATION_TRAITS: dict[str, dict[str, bool]] = {
    Role.EMPLOYER_ADMIN: {},
    Role.EMPLOYER_STAFF: {},
    Role.AGENCY_AGENT: {"agency": True},
    Role.ACCEPTANCE_OFFICER: {"authority": True},
    Role.DECISION_OFFICER: {"authority": True},
    Role.STANDARDS_DRAFTER: {"authority": True},
    Role.INSPECTOR: {"authority": True},
    Role.PARTNER_READER: {"partner": True},
    Role.MINISTRY_REVIEWER: {"ministry": True},
    Role.SITE_ADMIN: {"ministry": True},
    Role.STAKEHOLDER: {"association": True},
}


class RoleHelper:
    """Users holding roles, made through the real service."""

    def user(
        self,
        role: str,
        *,
        region_code: str | None = None,
        organization: Organization | None = None,
        **kwargs: object,
    ) -> User:
        spec = ROLE_SPECS[role]
        if organization is None:
            traits: dict[str, object] = dict(ORGANIZATION_TRAITS[role])
            if spec.scope != Scope.NATIONAL:
                traits["region"] = region((region_code or "310000")[:2] + "0000")
            organization = OrganizationFactory(**traits)
        user = UserFactory(organization=organization, **kwargs)
        if spec.scope == Scope.REGION:
            scope = {"region": region(region_code) if region_code else organization.region}
        elif spec.scope == Scope.ORGANIZATION:
            scope = {"organization": organization}
        else:
            scope = {}
        services.role_grant(actor=None, user=user, role=role, **scope)
        return user


# Information officers (publications): a provincial authority here; a ministry officer is
# made with ``roles.user(Role.INFORMATION_OFFICER, organization=<the ministry>)``.
ORGANIZATION_TRAITS[Role.INFORMATION_OFFICER] = {"authority": True}


# --- Applications (statistics tests, benchmarks) ------------------------------------------------

import datetime as _dt  # noqa: E402
from zoneinfo import ZoneInfo as _ZoneInfo  # noqa: E402

_CHINA = _ZoneInfo("Asia/Shanghai")


class ForeignerFactory(DjangoModelFactory):
    class Meta:
        model = "portal.Foreigner"

    surname = factory.Sequence(lambda n: f"WORKER{n}")
    given_names = "ALEX"
    sex = "F"
    date_of_birth = _dt.date(1990, 1, 1)
    nationality = "DEU"


class ApplicationFactory(DjangoModelFactory):
    """An application as the ORM stores it, in the state and with the times given (no
    workflow, no clocks): ``submitted_at`` defaults to 9:00 China time on 2026-06-01 for
    every state but a draft."""

    class Meta:
        model = "permits.Application"

    number = factory.Sequence(lambda n: f"TF{n:08d}")
    kind = "new"
    state = "submitted"
    employer = factory.SubFactory(OrganizationFactory)
    created_by = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..employer"))
    region = factory.LazyFunction(lambda: region("310000"))
    work_region = factory.SelfAttribute("region")
    foreigner = factory.SubFactory(ForeignerFactory)
    category = "B"
    submitted_at = factory.LazyAttribute(
        lambda a: None if a.state == "draft" else _dt.datetime(2026, 6, 1, 9, tzinfo=_CHINA)
    )
