"""Public pages of the talent standards app (no sign-in): the national standard in force
and its history, the points tables, each province's regional standard with its bonus rules
and mutual recognitions, the matrix of which provinces recognise which, and the points
self-assessment.

Stable URLs: ``standards/national/<version>/``, ``standards/points/<version>/`` and
``standards/<province>/v<version>/`` for every version ever published (a draft or a
version not yet published answers 404, like a version that does not exist).

The self-assessment is a form that works without JavaScript (it posts to the page, which
renders the result); with htmx the result (``assess_result``, a fragment) updates in place
as the form is filled. Both go through ``talent_standards.services.assess``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, re_path
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal import selectors as portal_selectors
from portal.models import Region
from portal.models.base import localized
from portal.models.filing import FilingStatus
from talent_standards import engine, selectors, services
from talent_standards.forms_public import AssessmentForm, missing_and_invalid
from talent_standards.models import (
    BonusRule,
    Category,
    NationalStandard,
    PointsItem,
    PointsTable,
    RecognitionAgreement,
    RecognitionRoute,
    RegionalStandard,
)

A = RecognitionAgreement.State
# Agreements the public sees: those accepted (in effect, scheduled or ended) and those
# withdrawn. Proposals, refusals and cancelled proposals stay between the provinces.
PUBLIC_AGREEMENT_STATES = (A.ACCEPTED, A.WITHDRAWN)
PROVINCIAL_BONUS_MAX = services.PROVINCIAL_BONUS_MAX
EDUCATION_WORDS = {
    "none": gettext_lazy("no degree"),
    "vocational": gettext_lazy("a vocational qualification"),
    "bachelor": gettext_lazy("a bachelor's degree"),
    "master": gettext_lazy("a master's degree"),
    "doctorate": gettext_lazy("a doctorate"),
}
OPTION_WORDS = {
    "doctorate": gettext_lazy("doctorate"),
    "master": gettext_lazy("master's degree"),
    "bachelor": gettext_lazy("bachelor's degree"),
    "skill:top": gettext_lazy("top vocational certificate"),
    "skill:technician": gettext_lazy("technician certificate"),
    "skill:senior_worker": gettext_lazy("senior worker certificate"),
    "former_chinese_national": gettext_lazy("former Chinese national"),
    "chinese_taught_degree": gettext_lazy("degree taught in Chinese"),
}
# The order of the answers within a band (JSON objects keep no order on PostgreSQL).
OPTION_ORDER = (
    "doctorate",
    "skill:top",
    "master",
    "skill:technician",
    "bachelor",
    "skill:senior_worker",
    *(f"hsk{n}" for n in range(1, 7)),
    "former_chinese_national",
    "chinese_taught_degree",
)
STATUS_WORDS = {
    engine.RouteStatus.MET: gettext_lazy("Met"),
    engine.RouteStatus.NOT_MET: gettext_lazy("Not met"),
    engine.RouteStatus.NEEDS_CONFIRMATION: gettext_lazy("Needs an officer's confirmation"),
}


def _today() -> dt.date:
    """Today in China; the one place these pages read the date."""
    return timezone.localdate()


def _money(amount: Any) -> str:
    return number_format(Decimal(str(amount)), decimal_pos=0, force_grouping=True)


def _number(value: Any) -> str:
    number = Decimal(str(value))
    return f"{number.normalize():f}"


# --- Routes and bonus rules in words -------------------------------------------------------------


@dataclass(frozen=True)
class ShownRoute:
    """A recognition route as the public reads it: how it is evaluated, in words."""

    route: RecognitionRoute
    how: str
    listed: list[str] = field(default_factory=list)  # achievements, programmes
    max_age: int | None = None


def route_in_words(route: RecognitionRoute, table: PointsTable | None) -> ShownRoute:
    p: Mapping[str, Any] = route.parameters or {}
    kind = route.kind
    K = RecognitionRoute.Kind
    listed: list[str] = []
    if kind == K.POINTS:
        if table is None:
            how = _("The category's threshold of the points table")
        else:
            threshold = table.threshold_a if route.category == "A" else table.threshold_b
            how = _("At least %(points)d points (table %(version)s)") % {
                "points": threshold,
                "version": table.version,
            }
    elif kind == K.SALARY_MULTIPLE:
        how = _(
            "Annual salary at least %(multiple)s × the province's average wage of the previous year"
        ) % {"multiple": _number(p.get("multiple", 4))}
    elif kind == K.SALARY_AMOUNT:
        how = _("Annual salary at least %(amount)s CNY") % {
            "amount": _money(p.get("min_annual_salary_cny", 0))
        }
    elif kind == K.DEGREE_EXPERIENCE:
        how = _("%(education)s or higher and at least %(years)s years of relevant experience") % {
            "education": _capitalized(EDUCATION_WORDS.get(str(p.get("min_education")), "")),
            "years": p.get("min_years", 2),
        }
    elif kind == K.LANGUAGE_TEACHER:
        how = _(
            "Teaches their native language, with %(education)s or higher and %(years)s years' "
            "teaching experience or a teaching qualification"
        ) % {
            "education": EDUCATION_WORDS.get(str(p.get("min_education", "bachelor")), ""),
            "years": p.get("min_teaching_years", 2),
        }
    elif kind == K.CATALOG_LISTING:
        how = _(
            "The occupation is listed in the province's Guidance Catalog in force and its "
            "competency requirements are met"
        )
    elif kind == K.LISTED_ACHIEVEMENT:
        how = _("One of the achievements or programmes listed; an officer confirms the evidence")
        listed = [
            localized(str(item.get("title_zh", "")), str(item.get("title_en", "")))
            or str(item.get("code", ""))
            for item in p.get("list", [])
        ]
    else:
        how = _("Assessed by an officer on the evidence")
    max_age = p.get("max_age")
    return ShownRoute(route, how, listed, int(max_age) if max_age is not None else None)


def _capitalized(text: Any) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def routes_by_category(
    routes: Iterable[RecognitionRoute], table: PointsTable | None
) -> list[tuple[str, str, list[ShownRoute]]]:
    """(category, its label, its routes in order) for the categories that have routes."""
    ordered = sorted(routes, key=lambda r: (r.category, r.position, r.code))
    groups: list[tuple[str, str, list[ShownRoute]]] = []
    for category in ("A", "B"):
        shown = [route_in_words(r, table) for r in ordered if r.category == category]
        if shown:
            groups.append((category, str(Category(category).label), shown))
    return groups


@dataclass(frozen=True)
class ShownBonusRule:
    rule: BonusRule
    condition: str


def bonus_rule_in_words(rule: BonusRule) -> ShownBonusRule:
    p: Mapping[str, Any] = rule.parameters or {}
    C = BonusRule.Condition
    if rule.condition == C.ALWAYS:
        text = _("Every job in the province")
    elif rule.condition == C.OCCUPATION_PREFIX:
        text = _("The occupation is in the groups %(groups)s") % {
            "groups": ", ".join(str(x) for x in p.get("prefixes", []))
        }
    elif rule.condition == C.CATALOG_LISTED:
        text = _("The occupation is listed in the province's Guidance Catalog in force")
    elif rule.condition == C.SALARY_AT_LEAST:
        text = _("Annual salary at least %(amount)s CNY") % {
            "amount": _money(p.get("min_annual_salary_cny", 0))
        }
    elif rule.condition == C.EDUCATION_AT_LEAST:
        text = _("%(education)s or higher") % {
            "education": _capitalized(EDUCATION_WORDS.get(str(p.get("min_education")), ""))
        }
    elif rule.condition == C.DECLARED_FACT:
        text = _("Declared by the applicant and confirmed by an officer: %(fact)s") % {
            "fact": p.get("fact", "")
        }
    else:
        text = rule.get_condition_display()
    return ShownBonusRule(rule, text)


# --- The points table in words -------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    condition: str
    points: str


@dataclass(frozen=True)
class ShownItem:
    item: PointsItem
    bands: list[Band]
    regions: list[Region] = field(default_factory=list)  # work location: who earns it
    note: str = ""


def _range_words(key: str, low: Decimal, high: Decimal | None, unit: Decimal) -> str:
    if key == "salary":
        values = {"min": _money(low * unit), "max": _money(high * unit) if high else ""}
        if high is None:
            return _("%(min)s CNY or more") % values
        return _("%(min)s to under %(max)s CNY") % values
    values = {"min": _number(low * unit), "max": _number(high * unit) if high else ""}
    if key == "months_in_china":
        if high is None:
            return _("%(min)s months or more") % values
        return _("%(min)s to under %(max)s months") % values
    if high is None:
        return _("%(min)s or more") % values
    return _("%(min)s to under %(max)s") % values


def _under_words(key: str, low: Decimal, unit: Decimal) -> str:
    if key == "salary":
        return _("under %(min)s CNY") % {"min": _money(low * unit)}
    if key == "months_in_china":
        return _("under %(min)s months") % {"min": _number(low * unit)}
    return _("under %(min)s") % {"min": _number(low * unit)}


def _option_rank(key: str) -> tuple[int, str]:
    return (OPTION_ORDER.index(key) if key in OPTION_ORDER else len(OPTION_ORDER), key)


def _option_words(key: str) -> str:
    if key.startswith("hsk"):
        return f"HSK {key[3:]}"
    return str(OPTION_WORDS.get(key, key))


def item_in_words(item: PointsItem, location_regions: list[Region]) -> ShownItem:
    bands = item.bands or {}
    scheme = item.scheme
    S = PointsItem.Scheme
    rows: list[Band] = []
    regions: list[Region] = []
    note = ""
    if scheme == S.RANGES:
        unit = Decimal(str(bands.get("unit", 1)))
        ordered = sorted(bands.get("bands", []), key=lambda b: Decimal(str(b["min"])), reverse=True)
        upper: Decimal | None = None
        for band in ordered:
            low = Decimal(str(band["min"]))
            rows.append(Band(_range_words(item.key, low, upper, unit), str(band["points"])))
            upper = low
        if upper is not None and upper > 0:
            rows.append(Band(_under_words(item.key, upper, unit), "0"))
    elif scheme == S.CHOICES:
        by_points: dict[int, list[str]] = {}
        options = bands.get("options") or {}
        for key in sorted(options, key=_option_rank):
            by_points.setdefault(int(options[key]), []).append(_option_words(key))
        for points in sorted(by_points, reverse=True):
            if points:
                rows.append(Band(" / ".join(by_points[points]), str(min(points, item.max_points))))
        rows.append(Band(_("anything else"), "0"))
    elif scheme == S.PER_YEAR:
        start = int(bands.get("from_years", 2))
        at_start = int(bands.get("points_at_start", 5))
        step = int(bands.get("per_further_year", 1))
        rows.append(Band(_("under %(years)d years") % {"years": start}, "0"))
        rows.append(Band(_("%(years)d full years") % {"years": start}, str(at_start)))
        rows.append(Band(_("each further full year"), f"+{step}"))
        if step > 0 and item.max_points > at_start:
            capped_at = start + -(-(item.max_points - at_start) // step)
            rows.append(
                Band(
                    _("%(years)d full years or more (the cap)") % {"years": capped_at},
                    str(item.max_points),
                )
            )
    elif scheme == S.AGE:
        minimum = int(bands.get("min_age", 18))
        rows.append(Band(_("under %(age)d") % {"age": minimum}, _("not eligible")))
        for age_band in bands.get("bands", []):
            youngest, oldest = int(age_band["min"]), int(age_band.get("max", 200))
            words = (
                _("%(min)d and over") % {"min": youngest}
                if oldest >= 150
                else _("%(min)d to %(max)d") % {"min": youngest, "max": oldest}
            )
            rows.append(Band(words, str(age_band["points"])))
    elif scheme == S.ANY_FLAG:
        flags = " / ".join(str(engine.BONUS_LABELS.get(f, f)) for f in bands.get("flags", []))
        rows.append(Band(_("any of: %(facts)s") % {"facts": flags}, str(bands.get("points", 0))))
        rows.append(Band(_("none of them"), "0"))
        note = _("At most %(max)d points in all, however many facts hold.") % {
            "max": item.max_points
        }
    elif scheme == S.LOCATION:
        rows.append(
            Band(
                _(
                    "a western region, a north-east old industrial base or a designated "
                    "poverty area"
                ),
                str(bands.get("points", item.max_points)),
            )
        )
        rows.append(Band(_("elsewhere"), "0"))
        regions = location_regions
    elif scheme == S.PROVINCIAL:
        rows.append(
            Band(
                _("the bonus rules of the province's regional standard in force that apply"),
                _("0 to %(max)d") % {"max": item.max_points},
            )
        )
        note = _(
            "The points of every rule that applies add up, capped at %(max)d. Each province's "
            "rules are on its page."
        ) % {"max": item.max_points}
    return ShownItem(item, rows, regions, note)


def _location_regions() -> list[Region]:
    return [
        r
        for r in portal_selectors.regions_list()
        if r.level == Region.Level.PROVINCE and r.earns_location_points
    ]


# --- The national standard and the points tables -------------------------------------------------


@dataclass(frozen=True)
class MatrixCell:
    agreement: RecognitionAgreement | None
    same: bool = False


@dataclass(frozen=True)
class RecognitionMatrix:
    """Provinces with an agreement in effect on a day: who recognises whom (symmetric:
    an agreement works both ways)."""

    provinces: list[Region]
    rows: list[tuple[Region, list[MatrixCell]]]
    pairs: list[RecognitionAgreement]


def recognition_matrix(rows: list[selectors.ProvinceStandards]) -> RecognitionMatrix:
    pairs: dict[int, RecognitionAgreement] = {}
    for row in rows:
        for agreement in row.agreements:
            pairs[agreement.pk] = agreement
    parties = [row.province for row in rows if row.agreements]
    between: dict[frozenset[int], RecognitionAgreement] = {}
    for agreement in pairs.values():
        between.setdefault(frozenset((agreement.proposer_id, agreement.partner_id)), agreement)
    matrix_rows = [
        (
            row_province,
            [
                MatrixCell(
                    between.get(frozenset((row_province.pk, column.pk))),
                    same=row_province.pk == column.pk,
                )
                for column in parties
            ],
        )
        for row_province in parties
    ]
    ordered_pairs = sorted(pairs.values(), key=lambda a: (a.proposer.code, a.partner.code))
    return RecognitionMatrix(parties, matrix_rows, ordered_pairs)


def _national_status(standard: NationalStandard, today: dt.date) -> str:
    if standard.in_force_on(today):
        return "in_force"
    if standard.effective_from > today:
        return "scheduled"
    return "ended"


@require_safe
def standards(request: HttpRequest) -> HttpResponse:
    today = _today()
    national = selectors.national_standard_in_force(today)
    tables = list(selectors.points_tables())
    wanted = national.points_table_id if national is not None else None
    table = next((t for t in tables if t.pk == wanted), None) or next(
        (t for t in tables if t.in_use_on(today)), None
    )
    provinces = selectors.provinces_with_standards(today)
    return render(
        request,
        "talent_standards/public/standards.html",
        {
            "today": today,
            "national": national,
            "categories": routes_by_category(national.routes.all(), table) if national else [],
            "table": table,
            "items": list(table.items.all()) if table else [],
            "other_tables": [t for t in tables if t is not table],
            "provinces": provinces,
            "with_standard": sum(1 for p in provinces if p.in_force is not None),
            "matrix": recognition_matrix(provinces),
        },
    )


@require_safe
def standards_history(request: HttpRequest) -> HttpResponse:
    today = _today()
    versions = [(s, _national_status(s, today)) for s in selectors.national_standards()]
    return render(
        request,
        "talent_standards/public/history.html",
        {"versions": versions, "today": today},
    )


@require_safe
def national_standard(request: HttpRequest, version: str) -> HttpResponse:
    today = _today()
    found = selectors.national_standard(version)
    if found is None:
        raise Http404
    status = _national_status(found, today)
    in_force = None if status == "in_force" else selectors.national_standard_in_force(today)
    return render(
        request,
        "talent_standards/public/national_standard.html",
        {
            "standard": found,
            "status": status,
            "in_force": in_force,
            "categories": routes_by_category(found.routes.all(), found.points_table),
            "today": today,
        },
    )


@require_safe
def points_table(request: HttpRequest, version: str) -> HttpResponse:
    today = _today()
    table = selectors.points_table(version)
    if table is None:
        raise Http404
    in_use = table.in_use_on(today)
    location = _location_regions()
    items = [item_in_words(item, location) for item in table.items.all()]
    current = None
    if not in_use:
        national = selectors.national_standard_in_force(today)
        current = national.points_table if national is not None else None
    return render(
        request,
        "talent_standards/public/points_table.html",
        {
            "table": table,
            "in_use": in_use,
            "current": current,
            "items": items,
            "max_total": sum(i.item.max_points for i in items),
            "today": today,
        },
    )


# --- Provinces -----------------------------------------------------------------------------------


def _province(code: str) -> Region:
    province = Region.objects.filter(code=code, level=Region.Level.PROVINCE).first()
    if province is None:
        raise Http404
    return province


@dataclass(frozen=True)
class ShownAgreement:
    agreement: RecognitionAgreement
    partner: Region
    withdrawn: bool


def _agreements(
    province: Region, today: dt.date
) -> tuple[list[ShownAgreement], list[ShownAgreement], list[ShownAgreement]]:
    """The province's public agreements: in effect today, accepted and starting later,
    ended (withdrawn ones keep their end date)."""
    current: list[ShownAgreement] = []
    upcoming: list[ShownAgreement] = []
    ended: list[ShownAgreement] = []
    for agreement in selectors.agreements_of(province):
        if agreement.state not in PUBLIC_AGREEMENT_STATES:
            continue
        partner = agreement.partner if agreement.proposer_id == province.pk else agreement.proposer
        shown = ShownAgreement(agreement, partner, agreement.state == A.WITHDRAWN)
        if agreement.applies_on(today):
            current.append(shown)
        elif agreement.ends_on is not None and agreement.ends_on < today:
            ended.append(shown)
        elif agreement.effective_from > today:
            upcoming.append(shown)
    current.sort(key=lambda s: s.partner.code)
    upcoming.sort(key=lambda s: s.agreement.effective_from)
    ended.sort(key=lambda s: s.agreement.ends_on or today, reverse=True)
    return current, upcoming, ended


def _parts(standard: RegionalStandard) -> dict[str, Any]:
    """What a page shows of a regional standard: its routes and its bonus rules in words."""
    full = selectors.regional_standard_with_parts(standard.pk)
    assert full is not None
    return {
        "categories": routes_by_category(full.routes.all(), None),
        "bonus_rules": [bonus_rule_in_words(rule) for rule in full.bonus_rules.all()],
    }


@require_safe
def province_standard(request: HttpRequest, province_code: str) -> HttpResponse:
    today = _today()
    province = _province(province_code)
    versions = [(s, s.status_on(today)) for s in selectors.published_regional_standards(province)]
    in_force = next((s for s, status in versions if status == FilingStatus.IN_FORCE), None)
    current, upcoming, ended = _agreements(province, today)
    return render(
        request,
        "talent_standards/public/province.html",
        {
            "province": province,
            "today": today,
            "standard": in_force,
            **(_parts(in_force) if in_force is not None else {}),
            "versions": versions,
            "agreements_current": current,
            "agreements_upcoming": upcoming,
            "agreements_ended": ended,
            "bonus_max": PROVINCIAL_BONUS_MAX,
        },
    )


@require_safe
def regional_standard(request: HttpRequest, province_code: str, version: str) -> HttpResponse:
    today = _today()
    province = _province(province_code)
    versions = list(selectors.published_regional_standards(province))
    found = next((s for s in versions if s.version == int(version)), None)
    if found is None:
        raise Http404
    in_force = next((s for s in versions if s.is_in_force_on(today)), None)
    return render(
        request,
        "talent_standards/public/regional_standard.html",
        {
            "province": province,
            "standard": found,
            "status": found.status_on(today),
            "in_force": in_force,
            **_parts(found),
            "bonus_max": PROVINCIAL_BONUS_MAX,
            "today": today,
        },
    )


# --- Self-assessment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownRouteResult:
    result: engine.RouteResult
    status_words: str


@dataclass(frozen=True)
class ShownAssessment:
    assessment: engine.Assessment
    max_total: int
    category_label: str
    threshold_a: int
    threshold_b: int
    national: list[ShownRouteResult]
    regional: list[ShownRouteResult]
    regional_code: str
    regional_version: int | None
    region: Region


def _shown_assessment(
    assessment: engine.Assessment, table: PointsTable, region: Region
) -> ShownAssessment:
    national: list[ShownRouteResult] = []
    regional: list[ShownRouteResult] = []
    for result in assessment.routes:
        shown = ShownRouteResult(result, str(STATUS_WORDS[result.status]))
        (regional if result.source.startswith("regional:") else national).append(shown)
    code, _sep, version = assessment.regional_version.partition(":v")
    return ShownAssessment(
        assessment=assessment,
        max_total=sum(line.max for line in assessment.points.lines),
        category_label=str(Category(assessment.points.category).label),
        threshold_a=table.threshold_a,
        threshold_b=table.threshold_b,
        national=national,
        regional=regional,
        regional_code=code,
        regional_version=int(version) if version.isdigit() else None,
        region=region,
    )


def _profile_and_job(data: Mapping[str, Any]) -> tuple[engine.Profile, engine.Job]:
    profile = engine.Profile(
        age=data["age"],
        education=data["education"],
        skill_certificate=data.get("skill_certificate") or "none",
        experience_years=data["experience_years"],
        hsk_level=data["hsk_level"],
        former_chinese_national=bool(data.get("former_chinese_national")),
        chinese_taught_degree=bool(data.get("chinese_taught_degree")),
        bonuses=frozenset(data.get("bonuses") or ()),
        declared_facts=frozenset(data.get("declared_facts") or ()),
    )
    job = engine.Job(
        region_code=data["region"].code,
        annual_salary_cny=data["annual_salary_cny"],
        months_in_china_per_year=data["months_in_china_per_year"],
        occupation_code=data.get("occupation_code") or "",
    )
    return profile, job


def _fact_label(rule: BonusRule) -> str:
    return _("%(title)s (%(code)s, +%(points)d points)") % {
        "title": rule.title,
        "code": rule.code,
        "points": rule.points,
    }


def _assessment_context(request: HttpRequest) -> dict[str, Any]:
    today = _today()
    tables = list(selectors.points_tables())
    in_use = next((t for t in tables if t.in_use_on(today)), tables[0] if tables else None)
    posted = request.POST if request.method == "POST" else None
    # The chosen province's bonus rules that ask for a declared fact, offered as boxes.
    fact_rules = selectors.declared_fact_rules(posted.get("region", "") if posted else "", today)
    form = AssessmentForm(
        posted,
        tables=tables,
        table_in_use=in_use.version if in_use else "",
        provinces=Region.objects.filter(level=Region.Level.PROVINCE).order_by("code"),
        facts=[(str(rule.parameters.get("fact", "")), _fact_label(rule)) for rule in fact_rules],
    )
    facts_for = posted.get("region", "") if posted else ""
    context: dict[str, Any] = {
        "form": form,
        # The boxes are swapped in only when the province changed (``facts_for`` says
        # which province they show): replacing them as they are ticked would lose a tick.
        "facts_for": facts_for,
        "facts_changed": posted is None or posted.get("facts_for") != facts_for,
        "table_in_use": in_use,
        "result": None,
        "missing": [],
        "invalid": [],
    }
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        table = next(t for t in tables if t.version == data["table"])
        profile, job = _profile_and_job(data)
        try:
            assessment = services.assess(
                profile=profile,
                job=job,
                region=data["region"],
                on=today,
                table_version=table.version,
            )
        except engine.EngineInputError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except selectors.RulesUnavailable:
            form.add_error(None, _("No national standard is in force today: try again later."))
        else:
            context["result"] = _shown_assessment(assessment, table, data["region"])
    if form.is_bound:
        context["missing"], context["invalid"] = missing_and_invalid(form)
    return context


@require_http_methods(["GET", "HEAD", "POST"])
def assess(request: HttpRequest) -> HttpResponse:
    """The self-assessment page; without JavaScript the form posts here and the page
    comes back with the result."""
    return render(request, "talent_standards/public/assess.html", _assessment_context(request))


@require_POST
def assess_result(request: HttpRequest) -> HttpResponse:
    """The result alone (a fragment), for htmx as the form is filled in."""
    context = {**_assessment_context(request), "oob": True}
    return render(request, "talent_standards/public/_assess_result.html", context)


PROVINCE = r"(?P<province_code>\d{2}0000)"
VERSION = r"v(?P<version>[1-9]\d{0,5})"
TABLE_VERSION = r"(?P<version>[\w.-]{1,32})"

urlpatterns: list[URLPattern] = [
    path("standards/", standards, name="standards"),
    path("standards/national/", standards_history, name="standards_history"),
    re_path(rf"^standards/national/{TABLE_VERSION}/$", national_standard, name="national_standard"),
    re_path(rf"^standards/points/{TABLE_VERSION}/$", points_table, name="points_table"),
    path("standards/self-assessment/", assess, name="assess"),
    path("standards/self-assessment/result/", assess_result, name="assess_result"),
    re_path(rf"^standards/{PROVINCE}/$", province_standard, name="province_standard"),
    re_path(rf"^standards/{PROVINCE}/{VERSION}/$", regional_standard, name="regional_standard"),
]
