"""``selectors.recognition_valid_in``: is a recognition valid in province P on day D?

"One-time approval, nationwide recognition": a recognition under the national standard is
valid in every province on every day; one under a regional standard is valid in its own
province, and in a province with which a mutual recognition agreement applies on the day
(in either direction), and nowhere else. An agreement applies from its effective date to
its last day (withdrawal sets the last day; it never rewrites the days it applied).
"""

from __future__ import annotations

import datetime as dt

import pytest

from portal.models import Region
from portal.roles import Role
from talent_standards.models import RecognitionAgreement
from talent_standards.selectors import RecognitionBasis, recognition_valid_in
from tests.talent_standards.conftest import agreement, region

pytestmark = pytest.mark.django_db

A = RecognitionAgreement.State
START = dt.date(2026, 3, 1)
PROVINCES = ["110000", "310000", "440000", "460000", "510000", "650000"]


def regional(code: str) -> RecognitionBasis:
    return RecognitionBasis(scope="regional", region=region(code))


def valid(basis: RecognitionBasis, code: str, day: dt.date) -> bool:
    return recognition_valid_in(basis, region(code), day)


# --- National --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", PROVINCES)
@pytest.mark.parametrize("day", [dt.date(2017, 4, 1), dt.date(2026, 3, 1), dt.date(2040, 1, 1)])
def test_a_national_recognition_is_valid_in_every_province_on_every_day(code, day):
    assert valid(RecognitionBasis(scope="national"), code, day) is True


def test_every_province_of_the_country_accepts_a_national_recognition():
    basis = RecognitionBasis(scope="national")
    provinces = Region.objects.filter(level=Region.Level.PROVINCE)
    assert provinces.count() == 31
    assert all(recognition_valid_in(basis, p, START) for p in provinces)


# --- Regional, without an agreement --------------------------------------------------------------


def test_a_regional_recognition_is_valid_in_its_own_province_only():
    basis = regional("440000")
    assert valid(basis, "440000", START) is True
    assert valid(basis, "440000", dt.date(2040, 1, 1)) is True
    assert [code for code in PROVINCES if valid(basis, code, START)] == ["440000"]


def test_a_regional_basis_must_name_its_province():
    with pytest.raises(ValueError, match="a regional recognition names its province"):
        recognition_valid_in(RecognitionBasis(scope="regional"), region("440000"), START)


# --- Regional, with an agreement ------------------------------------------------------------------


@pytest.fixture
def sh_gd(roles) -> RecognitionAgreement:
    """Shanghai proposed, Guangdong accepted: in effect from START, open-ended."""
    by = roles.user(Role.STANDARDS_DRAFTER, region_code="310000")
    return agreement("310000", "440000", effective_from=START, by=by)


@pytest.mark.parametrize(
    ("granted", "asked"),
    [("310000", "440000"), ("440000", "310000")],
    ids=["proposer-to-partner", "partner-to-proposer"],
)
def test_an_agreement_in_effect_makes_it_valid_in_the_partner_either_way(sh_gd, granted, asked):
    basis = regional(granted)
    assert valid(basis, asked, START) is True
    assert valid(basis, asked, dt.date(2035, 1, 1)) is True
    # Not before the agreement's start.
    assert valid(basis, asked, START - dt.timedelta(days=1)) is False


def test_an_agreement_does_not_reach_a_third_province(sh_gd):
    for granted in ("310000", "440000"):
        assert [code for code in PROVINCES if valid(regional(granted), code, START)] == [
            "310000",
            "440000",
        ]
    # And a recognition of the third province does not travel through it.
    assert valid(regional("460000"), "310000", START) is False
    assert valid(regional("460000"), "440000", START) is False


def test_agreements_are_not_transitive(roles):
    by = roles.user(Role.STANDARDS_DRAFTER, region_code="310000")
    agreement("310000", "440000", effective_from=START, by=by)
    agreement("440000", "460000", effective_from=START, by=by)
    assert valid(regional("310000"), "460000", START) is False
    assert valid(regional("460000"), "310000", START) is False
    assert valid(regional("440000"), "460000", START) is True


def test_a_withdrawn_agreement_applies_up_to_its_last_day(roles):
    by = roles.user(Role.STANDARDS_DRAFTER, region_code="310000")
    last_day = dt.date(2027, 6, 30)
    agreement("310000", "440000", state=A.WITHDRAWN, effective_from=START, ends_on=last_day, by=by)
    basis = regional("310000")
    assert valid(basis, "440000", START - dt.timedelta(days=1)) is False
    assert valid(basis, "440000", START) is True
    assert valid(basis, "440000", last_day) is True
    assert valid(basis, "440000", last_day + dt.timedelta(days=1)) is False
    assert valid(regional("440000"), "310000", last_day) is True
    assert valid(regional("440000"), "310000", last_day + dt.timedelta(days=1)) is False


def test_an_agreement_withdrawn_before_its_start_never_applied(roles):
    by = roles.user(Role.STANDARDS_DRAFTER, region_code="310000")
    agreement(
        "310000",
        "440000",
        state=A.WITHDRAWN,
        effective_from=START,
        ends_on=START - dt.timedelta(days=1),
        by=by,
    )
    for day in (START - dt.timedelta(days=1), START, START + dt.timedelta(days=100)):
        assert valid(regional("310000"), "440000", day) is False


@pytest.mark.parametrize("state", [A.PROPOSED, A.DECLINED, A.CANCELLED])
def test_an_agreement_not_accepted_gives_nothing(roles, state):
    by = roles.user(Role.STANDARDS_DRAFTER, region_code="310000")
    agreement("310000", "440000", state=state, effective_from=START, by=by)
    for day in (START, START + dt.timedelta(days=365)):
        assert valid(regional("310000"), "440000", day) is False
        assert valid(regional("440000"), "310000", day) is False


def test_a_renewed_agreement_after_a_gap(roles):
    """Withdrawn at the end of 2026, agreed again from mid-2027: valid in both periods,
    not in the gap."""
    by = roles.user(Role.STANDARDS_DRAFTER, region_code="310000")
    agreement(
        "310000",
        "440000",
        state=A.WITHDRAWN,
        effective_from=START,
        ends_on=dt.date(2026, 12, 31),
        by=by,
    )
    agreement("440000", "310000", effective_from=dt.date(2027, 7, 1), by=by)
    basis = regional("310000")
    assert valid(basis, "440000", dt.date(2026, 12, 31)) is True
    assert valid(basis, "440000", dt.date(2027, 1, 1)) is False
    assert valid(basis, "440000", dt.date(2027, 6, 30)) is False
    assert valid(basis, "440000", dt.date(2027, 7, 1)) is True


# --- Regions below a province ---------------------------------------------------------------------


@pytest.fixture
def counties() -> dict[str, Region]:
    return {
        "pudong": Region.objects.create(
            code="310115",
            name_zh="浦东新区",
            name_en="Pudong New Area",
            level=Region.Level.COUNTY,
            parent=region("310000"),
        ),
        "shenzhen": Region.objects.create(
            code="440300",
            name_zh="深圳市",
            name_en="Shenzhen",
            level=Region.Level.PREFECTURE,
            parent=region("440000"),
        ),
        "chengdu": Region.objects.create(
            code="510100",
            name_zh="成都市",
            name_en="Chengdu",
            level=Region.Level.PREFECTURE,
            parent=region("510000"),
        ),
    }


def test_a_region_below_a_province_maps_to_it_on_both_sides(sh_gd, counties):
    pudong, shenzhen, chengdu = counties["pudong"], counties["shenzhen"], counties["chengdu"]
    granted_in_pudong = RecognitionBasis(scope="regional", region=pudong)
    # Its own province, and a city of it.
    assert recognition_valid_in(granted_in_pudong, region("310000"), START) is True
    assert recognition_valid_in(granted_in_pudong, pudong, START) is True
    # The partner province and a city of it, from the agreement's start.
    assert recognition_valid_in(granted_in_pudong, shenzhen, START) is True
    assert recognition_valid_in(granted_in_pudong, region("440000"), START) is True
    assert recognition_valid_in(granted_in_pudong, shenzhen, START - dt.timedelta(days=1)) is False
    # Granted in the province, asked in a city of the partner.
    assert recognition_valid_in(regional("440000"), pudong, START) is True
    # A city of a third province.
    assert recognition_valid_in(granted_in_pudong, chengdu, START) is False
    granted_in_shenzhen = RecognitionBasis(scope="regional", region=shenzhen)
    assert recognition_valid_in(granted_in_shenzhen, chengdu, START) is False
    # Its own province needs no agreement, before it too.
    assert (
        recognition_valid_in(granted_in_shenzhen, region("440000"), START - dt.timedelta(days=1))
        is True
    )


def test_a_city_of_the_same_province_without_any_agreement(counties):
    basis = RecognitionBasis(scope="regional", region=counties["shenzhen"])
    assert recognition_valid_in(basis, region("440000"), START) is True
    assert recognition_valid_in(basis, counties["pudong"], START) is False
