"""The recognition engine: pure functions over a worker's profile, a job and the rules.

Nothing here reads the database: ``talent_standards.services.assess`` loads the rules in
force (national standard, points table, the province's regional standard, average wages,
the catalog entry) into a ``Rules`` value and calls ``evaluate``. Every result explains
itself: each points line says why it scored what it did and which table version scored
it; each route says met, not met or needs confirmation, with the reason and the figures.

Points-table bands (``PointsItem.bands``) by scheme:

* ``ranges``: ``{"unit": 10000, "bands": [{"min": 45, "points": 20}, ...]}``, the first
  band (highest ``min`` first) the value reaches; below every band, 0;
* ``choices``: ``{"options": {"doctorate": 20, ...}}``, the best single option the
  profile has (each item scores its best single line);
* ``per_year``: ``{"from_years": 2, "points_at_start": 5, "per_further_year": 1}``;
* ``any_flag``: ``{"flags": ["top_university", ...], "points": 5}``;
* ``location``: ``{"points": 10}`` when the region earns location points;
* ``age``: ``{"bands": [{"min": 18, "max": 25, "points": 10}, ...], "min_age": 18}``;
* ``provincial``: the province's bonus rules, capped at the item's maximum.

``points_item_problems`` (with ``points_item_key_problems``) and ``route_problems`` say what
is wrong with such data before it is saved: what passes them cannot make the engine fail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EDUCATION_ORDER = ("none", "vocational", "bachelor", "master", "doctorate")
EDUCATION_LABELS = {
    "none": gettext_lazy("no degree"),
    "vocational": gettext_lazy("vocational qualification"),
    "bachelor": gettext_lazy("bachelor's degree"),
    "master": gettext_lazy("master's degree"),
    "doctorate": gettext_lazy("doctorate"),
}
SKILL_LABELS = {
    "none": gettext_lazy("no skill certificate"),
    "senior_worker": gettext_lazy("senior worker"),
    "technician": gettext_lazy("technician"),
    "top": gettext_lazy("top vocational certificate"),
}
BONUS_LABELS = {
    "top_university": gettext_lazy("graduate of a well-known foreign university"),
    "fortune500": gettext_lazy("experience at a Fortune Global 500 company"),
    "patents": gettext_lazy("patents or other intellectual property"),
    "china_5_years": gettext_lazy("5 years' continuous work in China"),
}


def _label(labels: Mapping[str, Any], key: str) -> str:
    return str(labels.get(key, key))


SKILL_CERTIFICATES = ("none", "senior_worker", "technician", "top")
BONUS_FACTS = ("top_university", "fortune500", "patents", "china_5_years")
HSK_LEVELS = range(0, 7)


class RouteStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NEEDS_CONFIRMATION = "needs_confirmation"


class EngineInputError(ValueError):
    """The profile cannot be scored (e.g. under 18): ``field`` says which input."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


# --- Inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What the worker declares (an officer checks the evidence)."""

    age: int
    education: str = "none"
    skill_certificate: str = "none"
    experience_years: Decimal = Decimal(0)
    hsk_level: int = 0
    former_chinese_national: bool = False
    chinese_taught_degree: bool = False
    bonuses: frozenset[str] = frozenset()
    achievements: frozenset[str] = frozenset()  # codes from the routes' lists
    teaches_language: str = ""  # ISO 639-1 of the language taught, if a teacher
    native_language: str = ""
    teaching_years: Decimal = Decimal(0)
    teaching_qualification: bool = False
    declared_facts: frozenset[str] = frozenset()  # for provincial bonus rules


@dataclass(frozen=True)
class Job:
    region_code: str
    annual_salary_cny: Decimal
    months_in_china_per_year: Decimal = Decimal(12)
    occupation_code: str = ""


# --- Rules (loaded by the service) -----------------------------------------------------------


@dataclass(frozen=True)
class ItemRule:
    number: int
    key: str
    title: str
    max_points: int
    scheme: str
    bands: Mapping[str, Any]


@dataclass(frozen=True)
class TableRule:
    version: str
    threshold_a: int
    threshold_b: int
    items: tuple[ItemRule, ...]


@dataclass(frozen=True)
class RouteRule:
    code: str
    category: str
    kind: str
    title: str
    evidence: tuple[str, ...]
    parameters: Mapping[str, Any]
    source: str  # "national:<version>" or "regional:<region code>:v<version>"


@dataclass(frozen=True)
class BonusRuleData:
    code: str
    title: str
    condition: str
    parameters: Mapping[str, Any]
    points: int


@dataclass(frozen=True)
class CatalogEntryData:
    """The catalog entry in force for the job's occupation, if any."""

    catalog_version: int
    min_education: str
    min_experience_years: int
    min_annual_salary_cny: Decimal | None
    skills: str


@dataclass(frozen=True)
class Rules:
    on: dt.date
    table: TableRule
    national_version: str
    routes: tuple[RouteRule, ...]
    region_name: str
    region_earns_location_points: bool
    average_wage: Decimal | None  # the province's, of the previous year
    average_wage_year: int
    bonus_rules: tuple[BonusRuleData, ...] = ()
    regional_version: str = ""  # "" when the province has no regional standard in force
    catalog_entry: CatalogEntryData | None = None
    # The region named in the location line when it is not the province: a designated
    # county of a province that earns no location points itself.
    location_name: str = ""


# --- Results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointsLine:
    item: str  # the item's key
    number: int
    title: str
    points: int
    max: int
    reason: str


@dataclass(frozen=True)
class PointsResult:
    table_version: str
    lines: tuple[PointsLine, ...]
    total: int
    category: str  # by points alone: A, B or C


@dataclass(frozen=True)
class RouteResult:
    code: str
    category: str
    title: str
    source: str
    status: RouteStatus
    reason: str
    figures: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessment:
    on: dt.date
    national_version: str
    regional_version: str
    points: PointsResult
    routes: tuple[RouteResult, ...]
    category: str  # the highest category of a route met
    possible_category: str  # the highest category of a route met or awaiting confirmation

    @property
    def needs_confirmation(self) -> tuple[RouteResult, ...]:
        return tuple(r for r in self.routes if r.status == RouteStatus.NEEDS_CONFIRMATION)


# --- Helpers --------------------------------------------------------------------------------------


def _d(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('1')):,}"


def _education_rank(level: str) -> int:
    return EDUCATION_ORDER.index(level) if level in EDUCATION_ORDER else 0


def _plain(value: Decimal) -> str:
    """A number as people write it: 10, not 1E+1; 12.5, not 12.50."""
    return f"{_d(value).normalize():f}"


def whole_years(value: Decimal) -> int:
    return int(_d(value).to_integral_value(rounding=ROUND_FLOOR))


# --- Points ------------------------------------------------------------------------------------


def _item_ranges(item: ItemRule, value: Decimal, shown: str) -> tuple[int, str]:
    bands = sorted(item.bands.get("bands", []), key=lambda b: _d(b["min"]), reverse=True)
    for band in bands:
        if value >= _d(band["min"]):
            points = min(int(band["points"]), item.max_points)
            return points, _("%(value)s reaches the band from %(min)s: %(points)d points") % {
                "value": shown,
                "min": band["min"],
                "points": points,
            }
    return 0, _("%(value)s is below every band") % {"value": shown}


def _salary(item: ItemRule, profile: Profile, job: Job) -> tuple[int, str]:
    unit = _d(item.bands.get("unit", 10000))
    exact = _d(job.annual_salary_cny) / unit  # compared exactly: 49,999 CNY is below 5
    shown = _("%(amount)s CNY a year (%(units)s × 10,000)") % {
        "amount": _money(_d(job.annual_salary_cny)),
        "units": _plain(exact.quantize(Decimal("0.01"), rounding=ROUND_FLOOR)),
    }
    return _item_ranges(item, exact, shown)


def _education(item: ItemRule, profile: Profile, job: Job) -> tuple[int, str]:
    options = item.bands.get("options", {})
    candidates = [
        (int(options.get(profile.education, 0)), profile.education),
        (int(options.get(f"skill:{profile.skill_certificate}", 0)), profile.skill_certificate),
    ]
    points = min(max(candidates)[0], item.max_points)
    if points == 0:
        return 0, _("no degree or skill certificate that scores")
    return points, _(
        "best of degree (%(degree)s) and skill certificate (%(skill)s): %(points)d"
    ) % {
        "degree": _label(EDUCATION_LABELS, profile.education),
        "skill": _label(SKILL_LABELS, profile.skill_certificate),
        "points": points,
    }


def _experience(item: ItemRule, profile: Profile, job: Job) -> tuple[int, str]:
    start = int(item.bands.get("from_years", 2))
    at_start = int(item.bands.get("points_at_start", 5))
    step = int(item.bands.get("per_further_year", 1))
    years = whole_years(profile.experience_years)
    if years < start:
        return 0, _("%(years)s years of relevant experience: under %(start)d") % {
            "years": _plain(_d(profile.experience_years)),
            "start": start,
        }
    raw = at_start + (years - start) * step
    points = min(raw, item.max_points)
    reason = _("%(years)d full years: %(start_points)d at %(start)d, +%(step)d a further year") % {
        "years": years,
        "start_points": at_start,
        "start": start,
        "step": step,
    }
    if raw > item.max_points:
        reason += _(", capped at %(max)d") % {"max": item.max_points}
    return points, reason


def _months(item: ItemRule, profile: Profile, job: Job) -> tuple[int, str]:
    months = _d(job.months_in_china_per_year)
    return _item_ranges(
        item, months, _("%(months)s months a year in China") % {"months": _plain(months)}
    )


def _chinese(item: ItemRule, profile: Profile, job: Job) -> tuple[int, str]:
    options = item.bands.get("options", {})
    lines = [(int(options.get(f"hsk{profile.hsk_level}", 0)), f"HSK {profile.hsk_level}")]
    if profile.former_chinese_national:
        lines.append((int(options.get("former_chinese_national", 0)), _("former Chinese national")))
    if profile.chinese_taught_degree:
        lines.append((int(options.get("chinese_taught_degree", 0)), _("degree taught in Chinese")))
    points, which = max(lines)
    points = min(points, item.max_points)
    if points == 0:
        return 0, _("no Chinese language level that scores")
    return points, _("%(which)s: %(points)d") % {"which": which, "points": points}


def _location(item: ItemRule, rules: Rules) -> tuple[int, str]:
    if rules.region_earns_location_points:
        points = min(int(item.bands.get("points", item.max_points)), item.max_points)
        return points, _(
            "%(region)s is a western region, a north-east old industrial base or a designated area"
        ) % {"region": rules.location_name or rules.region_name}
    return 0, _("%(region)s does not earn location points") % {
        "region": rules.location_name or rules.region_name
    }


def _age(item: ItemRule, profile: Profile) -> tuple[int, str]:
    for band in item.bands.get("bands", []):
        top = int(band.get("max", 200))
        if int(band["min"]) <= profile.age <= top:
            points = min(int(band["points"]), item.max_points)
            if top >= 120:  # the open band: "61 and over"
                return points, _("age %(age)d, %(min)s and over: %(points)d") % {
                    "age": profile.age,
                    "min": band["min"],
                    "points": points,
                }
            return points, _("age %(age)d, in the band %(min)s-%(max)s: %(points)d") % {
                "age": profile.age,
                "min": band["min"],
                "max": top,
                "points": points,
            }
    return 0, _("age %(age)d earns no points") % {"age": profile.age}


def _bonus(item: ItemRule, profile: Profile) -> tuple[int, str]:
    flags = [f for f in item.bands.get("flags", []) if f in profile.bonuses]
    if not flags:
        return 0, _("no bonus fact declared")
    points = min(int(item.bands.get("points", item.max_points)), item.max_points)
    return points, _("%(facts)s (at most %(max)d in all)") % {
        "facts": ", ".join(_label(BONUS_LABELS, f) for f in flags),
        "max": item.max_points,
    }


def bonus_rule_applies(
    rule: BonusRuleData, profile: Profile, job: Job, catalog_entry: CatalogEntryData | None
) -> tuple[bool | None, str]:
    """Whether a provincial bonus rule applies (None: it depends on something not given)."""
    p = rule.parameters
    if rule.condition == "always":
        return True, _("every job in the province")
    if rule.condition == "occupation_prefix":
        if not job.occupation_code:
            return None, _("the occupation is not given")
        prefixes = [str(x) for x in p.get("prefixes", [])]
        hit = any(job.occupation_code.startswith(prefix) for prefix in prefixes)
        return hit, _("occupation %(code)s %(verdict)s %(groups)s") % {
            "code": job.occupation_code,
            "verdict": _("is in") if hit else _("is not in"),
            "groups": ", ".join(prefixes),
        }
    if rule.condition == "catalog_listed":
        if not job.occupation_code:
            return None, _("the occupation is not given")
        return catalog_entry is not None, (
            _("listed in the province's Guidance Catalog in force")
            if catalog_entry is not None
            else _("not listed in the province's Guidance Catalog in force")
        )
    if rule.condition == "salary_at_least":
        minimum = _d(p.get("min_annual_salary_cny", 0))
        hit = _d(job.annual_salary_cny) >= minimum
        return hit, _("salary %(salary)s against %(min)s CNY") % {
            "salary": _money(_d(job.annual_salary_cny)),
            "min": _money(minimum),
        }
    if rule.condition == "education_at_least":
        wanted = str(p.get("min_education", "bachelor"))
        hit = _education_rank(profile.education) >= _education_rank(wanted)
        return hit, _("education %(have)s against %(want)s") % {
            "have": _label(EDUCATION_LABELS, profile.education),
            "want": _label(EDUCATION_LABELS, wanted),
        }
    if rule.condition == "declared_fact":
        fact = str(p.get("fact", ""))
        return fact in profile.declared_facts, (
            _("declared: %(fact)s (an officer confirms it)") % {"fact": fact}
            if fact in profile.declared_facts
            else _("not declared: %(fact)s") % {"fact": fact}
        )
    return False, _("unknown condition %(condition)s") % {"condition": rule.condition}


def _provincial(item: ItemRule, profile: Profile, job: Job, rules: Rules) -> tuple[int, str]:
    if not rules.regional_version:
        return 0, _("%(region)s has no regional standard in force") % {"region": rules.region_name}
    earned: list[str] = []
    total = 0
    for rule in rules.bonus_rules:
        applies, _why = bonus_rule_applies(rule, profile, job, rules.catalog_entry)
        if applies:
            total += rule.points
            earned.append(f"{rule.code} +{rule.points}")
    points = min(total, item.max_points)
    if not earned:
        return 0, _("no bonus rule of %(region)s applies") % {"region": rules.region_name}
    reason = _("%(rules)s (regional standard %(version)s)") % {
        "rules": ", ".join(earned),
        "version": rules.regional_version,
    }
    if total > item.max_points:
        reason += _(", capped at %(max)d") % {"max": item.max_points}
    return points, reason


def check_profile(profile: Profile) -> None:
    if profile.age < 18:
        raise EngineInputError("age", _("Work permits are for people of 18 and over."))
    if profile.education not in EDUCATION_ORDER:
        raise EngineInputError("education", _("Unknown education level."))
    if profile.skill_certificate not in SKILL_CERTIFICATES:
        raise EngineInputError("skill_certificate", _("Unknown skill certificate."))
    if profile.hsk_level not in HSK_LEVELS:
        raise EngineInputError("hsk_level", _("HSK levels are 0 to 6."))
    if _d(profile.experience_years) < 0:
        raise EngineInputError("experience_years", _("Experience cannot be negative."))
    unknown = set(profile.bonuses) - set(BONUS_FACTS)
    if unknown:
        raise EngineInputError(
            "bonuses", _("Unknown bonus facts: %(facts)s") % {"facts": ", ".join(sorted(unknown))}
        )


def check_job(job: Job) -> None:
    if _d(job.annual_salary_cny) < 0:
        raise EngineInputError("annual_salary_cny", _("The salary cannot be negative."))
    if not Decimal(0) <= _d(job.months_in_china_per_year) <= Decimal(12):
        raise EngineInputError("months_in_china_per_year", _("Months a year in China are 0 to 12."))


def score(profile: Profile, job: Job, rules: Rules) -> PointsResult:
    """The points table, line by line (each item its best single line, capped)."""
    check_profile(profile)
    check_job(job)
    lines: list[PointsLine] = []
    for item in rules.table.items:
        if item.scheme == "provincial":
            points, reason = _provincial(item, profile, job, rules)
        elif item.scheme == "location":
            points, reason = _location(item, rules)
        elif item.scheme == "age":
            points, reason = _age(item, profile)
        elif item.scheme == "any_flag":
            points, reason = _bonus(item, profile)
        elif item.key == "salary":
            points, reason = _salary(item, profile, job)
        elif item.key == "education":
            points, reason = _education(item, profile, job)
        elif item.key == "experience":
            points, reason = _experience(item, profile, job)
        elif item.key == "months_in_china":
            points, reason = _months(item, profile, job)
        elif item.key == "chinese":
            points, reason = _chinese(item, profile, job)
        else:
            raise ValueError(f"points item {item.key!r} with scheme {item.scheme!r} is unknown")
        lines.append(PointsLine(item.key, item.number, item.title, points, item.max_points, reason))
    total = sum(line.points for line in lines)
    if total >= rules.table.threshold_a:
        category = "A"
    elif total >= rules.table.threshold_b:
        category = "B"
    else:
        category = "C"
    return PointsResult(rules.table.version, tuple(lines), total, category)


# --- Routes ------------------------------------------------------------------------------------


def _route(rule: RouteRule, status: RouteStatus, reason: str, **figures: Any) -> RouteResult:
    return RouteResult(
        code=rule.code,
        category=rule.category,
        title=rule.title,
        source=rule.source,
        status=status,
        reason=reason,
        figures={k: (str(v) if isinstance(v, Decimal) else v) for k, v in figures.items()},
        evidence=rule.evidence,
    )


def _age_limit(rule: RouteRule, profile: Profile) -> RouteResult | None:
    limit = rule.parameters.get("max_age")
    if limit is not None and profile.age > int(limit):
        return _route(
            rule,
            RouteStatus.NOT_MET,
            _("age %(age)d is over the limit of %(limit)s") % {"age": profile.age, "limit": limit},
            age=profile.age,
            max_age=int(limit),
        )
    return None


def evaluate_route(
    rule: RouteRule, profile: Profile, job: Job, rules: Rules, points: PointsResult
) -> RouteResult:
    over_age = _age_limit(rule, profile)
    if over_age is not None:
        return over_age
    p = rule.parameters
    kind = rule.kind
    if kind == "points":
        threshold = rules.table.threshold_a if rule.category == "A" else rules.table.threshold_b
        met = points.total >= threshold
        return _route(
            rule,
            RouteStatus.MET if met else RouteStatus.NOT_MET,
            _("%(total)d points against %(threshold)d (table %(version)s)")
            % {"total": points.total, "threshold": threshold, "version": points.table_version},
            points=points.total,
            threshold=threshold,
            table=points.table_version,
        )
    if kind == "salary_multiple":
        multiple = _d(p.get("multiple", 4))
        if rules.average_wage is None:
            return _route(
                rule,
                RouteStatus.NEEDS_CONFIRMATION,
                _(
                    "no average wage of %(region)s for %(year)d is recorded: an officer checks "
                    "the published figure"
                )
                % {"region": rules.region_name, "year": rules.average_wage_year},
                multiple=multiple,
                year=rules.average_wage_year,
            )
        needed = (rules.average_wage * multiple).quantize(Decimal("0.01"))
        met = _d(job.annual_salary_cny) >= needed
        return _route(
            rule,
            RouteStatus.MET if met else RouteStatus.NOT_MET,
            _(
                "salary %(salary)s against %(multiple)s × %(wage)s (%(region)s, %(year)d) = "
                "%(needed)s CNY"
            )
            % {
                "salary": _money(_d(job.annual_salary_cny)),
                "multiple": _plain(multiple),
                "wage": _money(rules.average_wage),
                "region": rules.region_name,
                "year": rules.average_wage_year,
                "needed": _money(needed),
            },
            salary=_d(job.annual_salary_cny),
            average_wage=rules.average_wage,
            year=rules.average_wage_year,
            multiple=multiple,
            needed=needed,
        )
    if kind == "salary_amount":
        minimum = _d(p.get("min_annual_salary_cny", 0))
        met = _d(job.annual_salary_cny) >= minimum
        return _route(
            rule,
            RouteStatus.MET if met else RouteStatus.NOT_MET,
            _("salary %(salary)s against %(min)s CNY")
            % {"salary": _money(_d(job.annual_salary_cny)), "min": _money(minimum)},
            salary=_d(job.annual_salary_cny),
            minimum=minimum,
        )
    if kind == "degree_experience":
        wanted = str(p.get("min_education", "bachelor"))
        years_wanted = int(p.get("min_years", 2))
        degree_ok = _education_rank(profile.education) >= _education_rank(wanted)
        years = whole_years(profile.experience_years)
        met = degree_ok and years >= years_wanted
        return _route(
            rule,
            RouteStatus.MET if met else RouteStatus.NOT_MET,
            _(
                "education %(have)s against %(want)s; %(years)d years of relevant experience "
                "against %(years_wanted)d"
            )
            % {
                "have": _label(EDUCATION_LABELS, profile.education),
                "want": _label(EDUCATION_LABELS, wanted),
                "years": years,
                "years_wanted": years_wanted,
            },
            education=profile.education,
            min_education=wanted,
            experience_years=years,
            min_years=years_wanted,
        )
    if kind == "language_teacher":
        if not profile.teaches_language:
            return _route(rule, RouteStatus.NOT_MET, _("not a language teaching post"))
        native = profile.native_language == profile.teaches_language
        wanted = str(p.get("min_education", "bachelor"))
        degree_ok = _education_rank(profile.education) >= _education_rank(wanted)
        years_wanted = int(p.get("min_teaching_years", 2))
        teaching_ok = (
            whole_years(profile.teaching_years) >= years_wanted or profile.teaching_qualification
        )
        met = native and degree_ok and teaching_ok
        return _route(
            rule,
            RouteStatus.MET if met else RouteStatus.NOT_MET,
            _(
                "teaches %(taught)s, native %(native)s; education %(have)s against %(want)s; "
                "%(years)d years' teaching against %(years_wanted)d or a teaching qualification "
                "(%(qualified)s)"
            )
            % {
                "taught": profile.teaches_language,
                "native": profile.native_language or "-",
                "have": _label(EDUCATION_LABELS, profile.education),
                "want": _label(EDUCATION_LABELS, wanted),
                "years": whole_years(profile.teaching_years),
                "years_wanted": years_wanted,
                "qualified": _("yes") if profile.teaching_qualification else _("no"),
            },
            native_speaker=native,
            education=profile.education,
            teaching_years=whole_years(profile.teaching_years),
            teaching_qualification=profile.teaching_qualification,
        )
    if kind == "catalog_listing":
        entry = rules.catalog_entry
        if not job.occupation_code:
            return _route(rule, RouteStatus.NOT_MET, _("the occupation is not given"))
        if entry is None:
            return _route(
                rule,
                RouteStatus.NOT_MET,
                _("%(code)s is not listed in the Guidance Catalog of %(region)s in force")
                % {"code": job.occupation_code, "region": rules.region_name},
                occupation=job.occupation_code,
            )
        shortfalls = []
        if _education_rank(profile.education) < _education_rank(entry.min_education):
            shortfalls.append(
                _("education %(have)s below %(want)s")
                % {
                    "have": _label(EDUCATION_LABELS, profile.education),
                    "want": _label(EDUCATION_LABELS, entry.min_education),
                }
            )
        if whole_years(profile.experience_years) < entry.min_experience_years:
            shortfalls.append(
                _("%(years)d years of experience below %(want)d")
                % {
                    "years": whole_years(profile.experience_years),
                    "want": entry.min_experience_years,
                }
            )
        if entry.min_annual_salary_cny is not None and _d(job.annual_salary_cny) < (
            entry.min_annual_salary_cny
        ):
            shortfalls.append(
                _("salary %(salary)s below %(min)s CNY")
                % {
                    "salary": _money(_d(job.annual_salary_cny)),
                    "min": _money(entry.min_annual_salary_cny),
                }
            )
        figures = {
            "occupation": job.occupation_code,
            "catalog_version": entry.catalog_version,
            "min_education": entry.min_education,
            "min_experience_years": entry.min_experience_years,
            "min_annual_salary_cny": entry.min_annual_salary_cny,
        }
        if shortfalls:
            return _route(rule, RouteStatus.NOT_MET, "; ".join(shortfalls), **figures)
        if entry.skills:
            return _route(
                rule,
                RouteStatus.NEEDS_CONFIRMATION,
                _(
                    "listed (catalog version %(version)d) and the figures are met; an officer "
                    "confirms the required skills: %(skills)s"
                )
                % {"version": entry.catalog_version, "skills": entry.skills},
                **figures,
            )
        return _route(
            rule,
            RouteStatus.MET,
            _(
                "listed in the Guidance Catalog of %(region)s (version %(version)d) and every "
                "requirement is met"
            )
            % {"region": rules.region_name, "version": entry.catalog_version},
            **figures,
        )
    if kind == "listed_achievement":
        listed = {str(item.get("code")): item for item in p.get("list", [])}
        claimed = sorted(code for code in profile.achievements if code in listed)
        if not claimed:
            return _route(
                rule, RouteStatus.NOT_MET, _("no listed achievement or programme declared")
            )
        return _route(
            rule,
            RouteStatus.NEEDS_CONFIRMATION,
            _("declared: %(items)s; an officer confirms the evidence")
            % {"items": ", ".join(claimed)},
            declared=claimed,
        )
    if kind == "officer_judgement":
        if rule.code in profile.achievements:
            return _route(
                rule,
                RouteStatus.NEEDS_CONFIRMATION,
                _("declared; an officer assesses the evidence"),
            )
        return _route(rule, RouteStatus.NOT_MET, _("not declared"))
    raise ValueError(f"route kind {kind!r} is unknown")


def evaluate(profile: Profile, job: Job, rules: Rules) -> Assessment:
    """Every route of the national standard and of the province's regional standard in
    force, the points line by line, and the resulting category."""
    points = score(profile, job, rules)
    results = tuple(evaluate_route(r, profile, job, rules, points) for r in rules.routes)
    return Assessment(
        on=rules.on,
        national_version=rules.national_version,
        regional_version=rules.regional_version,
        points=points,
        routes=results,
        category=_best(r.category for r in results if r.status == RouteStatus.MET),
        possible_category=_best(
            r.category
            for r in results
            if r.status in (RouteStatus.MET, RouteStatus.NEEDS_CONFIRMATION)
        ),
    )


def _best(categories: Iterable[str]) -> str:
    found = set(categories)
    for category in ("A", "B"):
        if category in found:
            return category
    return "C"


def routes_of(*groups: Sequence[RouteRule]) -> tuple[RouteRule, ...]:
    return tuple(route for group in groups for route in group)


# --- Checks of the rules' data ------------------------------------------------------------------
#
# The admin keeps the bands of the points items and the parameters of the routes as JSON. These
# checks say, in words, everything the functions above would choke on (``_d``: a number as
# Decimal; ``int``; ``.get`` on an object; iteration of a list), so that data that passes them
# cannot make the engine fail. ``[]``: nothing wrong.

# Which functions score the items whose scheme does not decide it (``score`` picks by key).
KEYS_BY_SCHEME = {
    "ranges": ("salary", "months_in_china"),
    "choices": ("education", "chinese"),
    "per_year": ("experience",),
}
POINTS_SCHEMES = ("ranges", "choices", "per_year", "any_flag", "location", "age", "provincial")
ROUTE_KINDS = (
    "points",
    "salary_multiple",
    "salary_amount",
    "degree_experience",
    "language_teacher",
    "catalog_listing",
    "listed_achievement",
    "officer_judgement",
)
# Above any salary the assessment takes (and ``_money`` could no longer round it).
_LARGEST_AMOUNT = Decimal(10) ** 12


def _number(value: Any) -> Decimal | None:
    """``value`` as ``_d`` reads it, if it is a finite number (a JSON number or numeric text)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = _d(value)
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None


def _whole(value: Any, low: int, high: int | None = None) -> bool:
    """A JSON whole number (not a boolean) from ``low`` to ``high``."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value >= low
        and (high is None or value <= high)
    )


def _points_problem(value: Any, max_points: int) -> str | None:
    if _whole(value, 0, max_points):
        return None
    return _('"points" is a whole number from 0 to %(max)d.') % {"max": max_points}


def _band_list(bands: Mapping[str, Any]) -> list[Any] | None:
    listed = bands.get("bands")
    return listed if isinstance(listed, list) and listed else None


def _ranges_problems(bands: Mapping[str, Any], max_points: int) -> list[str]:
    problems = []
    if "unit" in bands:
        unit = _number(bands["unit"])
        if unit is None or unit < 1:
            problems.append(_('"unit" is a number, 1 or more.'))
    listed = _band_list(bands)
    if listed is None:
        return [*problems, _('"bands" is a non-empty list.')]
    for number, band in enumerate(listed, start=1):
        if not isinstance(band, dict):
            problems.append(
                _('Band %(number)d: give an object with "min" and "points".') % {"number": number}
            )
            continue
        if _number(band.get("min")) is None:
            problems.append(_('Band %(number)d: "min" is a number.') % {"number": number})
        if _points_problem(band.get("points"), max_points):
            problems.append(
                _('Band %(number)d: "points" is a whole number from 0 to %(max)d.')
                % {"number": number, "max": max_points}
            )
    return problems


def _choices_problems(bands: Mapping[str, Any], max_points: int) -> list[str]:
    options = bands.get("options")
    if not isinstance(options, dict) or not options:
        return [_('"options" is a non-empty object of answers and their points.')]
    return [
        _("Option %(option)s: the points are a whole number from 0 to %(max)d.")
        % {"option": option, "max": max_points}
        for option, points in options.items()
        if not isinstance(option, str) or not _whole(points, 0, max_points)
    ]


def _whole_number_problems(bands: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    return [
        _('"%(name)s" is a whole number, 0 or more.') % {"name": name}
        for name in names
        if not _whole(bands.get(name), 0)
    ]


def _any_flag_problems(bands: Mapping[str, Any], max_points: int) -> list[str]:
    problems = []
    flags = bands.get("flags")
    if not isinstance(flags, list) or not flags or not all(isinstance(f, str) for f in flags):
        problems.append(_('"flags" is a non-empty list of bonus facts.'))
    else:
        unknown = sorted(set(flags) - set(BONUS_FACTS))
        if unknown:
            problems.append(_("Unknown bonus facts: %(facts)s") % {"facts": ", ".join(unknown)})
    points = _points_problem(bands.get("points"), max_points)
    return [*problems, points] if points else problems


def _age_problems(bands: Mapping[str, Any], max_points: int) -> list[str]:
    problems = _whole_number_problems(bands, ("min_age",))
    listed = _band_list(bands)
    if listed is None:
        return [*problems, _('"bands" is a non-empty list.')]
    for number, band in enumerate(listed, start=1):
        if not isinstance(band, dict):
            problems.append(
                _('Band %(number)d: give an object with "min", "max" and "points".')
                % {"number": number}
            )
            continue
        low: Any = band.get("min")
        high: Any = band.get("max")
        if not (_whole(low, 0) and _whole(high, 0) and high >= low):
            problems.append(
                _(
                    'Band %(number)d: "min" and "max" are whole numbers, 0 or more, '
                    '"max" not below "min".'
                )
                % {"number": number}
            )
        if _points_problem(band.get("points"), max_points):
            problems.append(
                _('Band %(number)d: "points" is a whole number from 0 to %(max)d.')
                % {"number": number, "max": max_points}
            )
    return problems


def points_item_problems(scheme: str, bands: Any, max_points: int) -> list[str]:
    """Everything wrong with a points item's bands for its scheme (see the module's
    docstring for each shape), in words for the person who entered them."""
    if scheme not in POINTS_SCHEMES:
        return [_("Unknown scheme: %(scheme)s") % {"scheme": scheme}]
    if not isinstance(bands, dict):
        return [_("Give the bands as a JSON object.")]
    if scheme == "ranges":
        return _ranges_problems(bands, max_points)
    if scheme == "choices":
        return _choices_problems(bands, max_points)
    if scheme == "per_year":
        return _whole_number_problems(bands, ("from_years", "points_at_start", "per_further_year"))
    if scheme == "any_flag":
        return _any_flag_problems(bands, max_points)
    if scheme == "location":
        points = _points_problem(bands.get("points"), max_points)
        return [points] if points else []
    if scheme == "age":
        return _age_problems(bands, max_points)
    return []  # provincial: the province's bonus rules, checked where they are drafted


def points_item_key_problems(key: str, scheme: str) -> list[str]:
    """``score`` picks the function of a ``ranges``, ``choices`` or ``per_year`` item by its
    key: any other key cannot be scored (and another scheme's bands would be misread)."""
    keys = KEYS_BY_SCHEME.get(scheme)
    if keys is None or key in keys:
        return []
    return [
        _("With the scheme %(scheme)s, the key is one of: %(keys)s.")
        % {"scheme": scheme, "keys": ", ".join(keys)}
    ]


def _listed_problems(parameters: Mapping[str, Any]) -> list[str]:
    listed = parameters.get("list")
    if (
        isinstance(listed, list)
        and listed
        and all(
            isinstance(item, dict)
            and isinstance(item.get("code"), str)
            and item["code"].strip()
            and isinstance(item.get("title_zh"), str)
            and item["title_zh"].strip()
            for item in listed
        )
    ):
        return []
    return [_("List what qualifies: each with a code and titles.")]


def route_problems(kind: str, parameters: Any) -> list[str]:
    """Everything wrong with a recognition route's parameters for its kind (see
    ``RecognitionRoute``), in words for the person who entered them. The wording is that of
    ``talent_standards.services._check_route`` where both check the same thing."""
    if kind not in ROUTE_KINDS:
        return [_("Unknown route kind: %(kind)s") % {"kind": kind}]
    if not isinstance(parameters, dict):
        return [_("Give the parameters as a JSON object.")]
    problems = []
    if kind == "salary_multiple":
        multiple = _number(parameters.get("multiple"))
        if multiple is None or not Decimal(1) <= multiple <= Decimal(20):
            problems.append(_("The multiple of the average wage is 1 to 20."))
    elif kind == "salary_amount":
        amount = _number(parameters.get("min_annual_salary_cny"))
        if amount is None or not Decimal(0) < amount < _LARGEST_AMOUNT:
            problems.append(_("Give the minimum annual salary in yuan."))
    elif kind == "degree_experience":
        if parameters.get("min_education") not in EDUCATION_ORDER or not _whole(
            parameters.get("min_years"), 0, 50
        ):
            problems.append(_("Give the minimum education and the years of experience (0 to 50)."))
    elif kind == "language_teacher":
        if parameters.get("min_education") not in EDUCATION_ORDER or not _whole(
            parameters.get("min_teaching_years"), 0, 50
        ):
            problems.append(_("Give the minimum education and the years of teaching (0 to 50)."))
    elif kind == "listed_achievement":
        problems.extend(_listed_problems(parameters))
    # points, catalog_listing, officer_judgement: nothing read but the age limit.
    max_age = parameters.get("max_age")
    if max_age is not None and not _whole(max_age, 18, 100):
        problems.append(_("An age limit is 18 to 100."))
    return problems
