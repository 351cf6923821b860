"""The labour-market test (劳动力市场测试): for the posts the rules name, the employer first
seeks a domestic candidate by advertising the post publicly, and applies for a foreign
worker only after the advertising period has run.

* **Which posts** (``LabourMarketRule``, rules as data): a category, optionally narrowed
  to a route and to occupations under a code prefix, per province or national, with
  validity dates. The most specific rule in force applies: the province's before the
  national; then one naming an occupation (the longer prefix first), then one naming a
  route, then the category alone. A rule either exempts the post (``exempt``) or asks for
  ``advertising_days`` of public advertising, counted in calendar or working days
  (``counting``). The national defaults (migration ``0008_labour_market_test``): Category
  A and the Guidance Catalog route ``B-CATALOG`` exempt; every other Category B post and
  every Category C post advertised for 30 calendar days. Provinces add their own rows.
* **Which applications**: those for a post (a notification letter, a change of employer);
  short-term work of 90 days or less and the kinds about an existing permit or letter are
  not tested.
* **When it may be submitted**: the post is advertised at least for the required period
  from ``advertised_from`` (calendar: ``advertised_from + days - 1``; working days: the
  ``days``-th working day counting ``advertised_from``), and the application is submitted
  from the next working day after ``advertised_until`` (``portal.workdays``): on the last
  advertising day it is refused, naming that day; a weekend or holiday in between moves it
  on to the next working day.

Every function takes "on" as a date in China Standard Time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from permits.models import Application, LabourMarketRule, Vacancy
from permits.problems import Problem
from portal.models import Region
from portal.workdays import add_working_days

AK = Application.Kind
# The kinds of application that fill a post.
KINDS = frozenset({AK.NEW, AK.CHANGE_EMPLOYER})
STEP = "vacancy"


@dataclass(frozen=True)
class Post:
    """What decides whether a post is tested: its province (``None``: national rules
    only), category, route and occupation code."""

    province_id: int | None
    category: str
    route_code: str = ""
    occupation_code: str = ""


@dataclass(frozen=True)
class Requirement:
    """A test that applies: the rule, and how many days of advertising, counted how."""

    rule: LabourMarketRule
    days: int
    working_days: bool

    def last_required_day(self, advertised_from: dt.date) -> dt.date:
        """The last day of the shortest advertising that meets the rule."""
        if self.working_days:
            # The days-th working day, ``advertised_from`` counted when it is one.
            return add_working_days(advertised_from - dt.timedelta(days=1), self.days)
        return advertised_from + dt.timedelta(days=self.days - 1)

    def days_words(self) -> str:
        if self.working_days:
            return ngettext("%(days)d working day", "%(days)d working days", self.days) % {
                "days": self.days
            }
        return ngettext("%(days)d calendar day", "%(days)d calendar days", self.days) % {
            "days": self.days
        }


def _province_id(region: Region | int | str | None) -> int | None:
    if region is None or region == "":
        return None
    if isinstance(region, str):
        found = Region.objects.only("pk", "parent_id").filter(code=region).first()
        if found is None:
            return None
        region = found
    if isinstance(region, int):
        region = Region.objects.only("pk", "parent_id").get(pk=region)
    return region.parent_id or region.pk


def post_of(application: Application, *, category: str = "", route_code: str = "") -> Post:
    """The post of ``application``: its province and occupation, with the category and
    route given (the recognition's at submission), else the ones it claims."""
    occupation = application.occupation
    return Post(
        province_id=application.region_id,
        category=category or application.category,
        route_code=route_code or application.route_code,
        occupation_code=occupation.code if occupation is not None else "",
    )


def _post(application_or_fields: Application | Post | Mapping[str, Any]) -> Post:
    if isinstance(application_or_fields, Post):
        return application_or_fields
    if isinstance(application_or_fields, Application):
        return post_of(application_or_fields)
    fields = application_or_fields
    occupation = fields.get("occupation_code") or fields.get("occupation") or ""
    return Post(
        province_id=_province_id(fields.get("region")),
        category=str(fields.get("category") or ""),
        route_code=str(fields.get("route_code") or ""),
        occupation_code=str(getattr(occupation, "code", occupation)),
    )


def _prefix_matches(prefix: str, code: str) -> bool:
    if not prefix:
        return True
    return code == prefix or code.startswith(prefix.rstrip("-") + "-")


def applicable_rule(
    application_or_fields: Application | Post | Mapping[str, Any], on: dt.date
) -> LabourMarketRule | None:
    """The most specific rule in force on ``on`` for the post (exempting or not), or
    ``None`` when no rule names its category. One query."""
    post = _post(application_or_fields)
    if not post.category:
        return None
    rows = [
        rule
        for rule in LabourMarketRule.objects.filter(category=post.category, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .filter(Q(region__isnull=True) | Q(region_id=post.province_id))
        .filter(Q(route_code="") | Q(route_code=post.route_code))
        .select_related("region")
        if _prefix_matches(rule.occupation_prefix, post.occupation_code)
    ]
    if not rows:
        return None
    return max(
        rows,
        key=lambda r: (
            r.region_id is not None,
            bool(r.occupation_prefix),
            len(r.occupation_prefix),
            bool(r.route_code),
            r.valid_from,
        ),
    )


def requirement(
    application_or_fields: Application | Post | Mapping[str, Any], on: dt.date
) -> Requirement | None:
    """The test the post needs on ``on`` (the rule and its days), or ``None`` when the
    post is exempt or no rule names it. ``application_or_fields`` is an application (its
    claim), a ``Post``, or a mapping with ``region`` (a Region, its id or its code),
    ``category``, ``route_code`` and ``occupation_code``: for the service guide too."""
    rule = applicable_rule(application_or_fields, on)
    if rule is None or rule.exempt:
        return None
    return Requirement(
        rule=rule,
        days=rule.advertising_days,
        working_days=rule.counting == LabourMarketRule.Counting.WORKING,
    )


def first_submission_day(advertised_until: dt.date) -> dt.date:
    """The first day an application may be submitted after advertising until
    ``advertised_until``: the next working day after it."""
    return add_working_days(advertised_until, 1)


def vacancy_of(application: Application) -> Vacancy | None:
    """The recorded test of ``application`` with its occupation: one query the first time,
    then remembered on the instance (or none when selected with it)."""
    if application.pk is None:
        return None
    descriptor = Application.vacancy  # the reverse one-to-one's descriptor
    if not descriptor.is_cached(application):
        found = Vacancy.objects.select_related("occupation").filter(application=application)
        descriptor.related.set_cached_value(application, found.first())
    try:
        return application.vacancy
    except ObjectDoesNotExist:
        return None


def needs_step(application: Application, on: dt.date) -> bool:
    """Whether the form shows the step of the test: the claimed post needs one, or one is
    recorded already."""
    if application.kind not in KINDS:
        return False
    return vacancy_of(application) is not None or requirement(application, on) is not None


@dataclass(frozen=True)
class TestView:
    """The test of an application as the officer sees it: the rule that applied (on the
    day of submission, to the recognised category and route), the days it asked for, the
    advertising recorded and the first day it allowed submission."""

    rule: LabourMarketRule | None
    requirement: Requirement | None
    vacancy: Vacancy | None
    first_day: dt.date | None
    channels: list[str]


def test_view(application: Application, on: dt.date) -> TestView | None:
    """The officer's view of the test, or ``None`` when the post needed none and none was
    recorded."""
    if application.kind not in KINDS:
        return None
    vacancy = vacancy_of(application)
    rule = applicable_rule(application, on)
    needed = requirement(application, on) if rule is not None and not rule.exempt else None
    if vacancy is None and needed is None:
        return None
    recorded = set(vacancy.channels) if vacancy is not None else set()
    return TestView(
        rule=rule,
        requirement=needed,
        vacancy=vacancy,
        first_day=first_submission_day(vacancy.advertised_until) if vacancy else None,
        channels=[str(label) for code, label in Vacancy.Channel.choices if code in recorded],
    )


def _fmt(day: dt.date) -> str:
    return day.isoformat()


def problems(
    application: Application, on: dt.date, *, category: str = "", route_code: str = ""
) -> list[Problem]:
    """What keeps ``application`` from being submitted on ``on`` because of its post's
    labour-market test (``category`` and ``route_code``: the recognition's)."""
    if application.kind not in KINDS:
        return []
    needed = requirement(post_of(application, category=category, route_code=route_code), on)
    if needed is None:
        return []
    vacancy = vacancy_of(application)
    region = needed.rule.region
    where = region.name if region is not None else _("China")
    if vacancy is None:
        return [
            Problem(
                "labour_market_test_missing",
                _(
                    "This post needs a labour-market test in %(where)s: advertise it to "
                    "domestic candidates for %(days)s and record the advertising."
                )
                % {"where": where, "days": needed.days_words()},
                "",
                STEP,
            )
        ]
    found: list[Problem] = []
    occupation = application.occupation
    if occupation is not None and vacancy.occupation_id != occupation.pk:
        found.append(
            Problem(
                "labour_market_occupation_differs",
                _(
                    "The post advertised (%(advertised)s) is not the occupation applied for "
                    "(%(applied)s)."
                )
                % {"advertised": vacancy.occupation.code, "applied": occupation.code},
                "vacancy_occupation",
                STEP,
            )
        )
    last_required = needed.last_required_day(vacancy.advertised_from)
    if vacancy.advertised_until < last_required:
        found.append(
            Problem(
                "labour_market_period_too_short",
                _(
                    "The post was advertised from %(start)s to %(until)s: the rules ask for "
                    "%(days)s, to %(last)s at least."
                )
                % {
                    "start": _fmt(vacancy.advertised_from),
                    "until": _fmt(vacancy.advertised_until),
                    "days": needed.days_words(),
                    "last": _fmt(last_required),
                },
                "advertised_until",
                STEP,
            )
        )
        return found
    first = first_submission_day(vacancy.advertised_until)
    if on < first:
        found.append(
            Problem(
                "labour_market_period_running",
                _(
                    "The post is advertised until %(until)s: the application can be "
                    "submitted from %(first)s, the next working day after the advertising "
                    "ends."
                )
                % {"until": _fmt(vacancy.advertised_until), "first": _fmt(first)},
                "advertised_until",
                STEP,
            )
        )
    return found
