"""Writes of the talent standards app, and ``assess``, the one entry to the engine.

Regional standards move through the shared filing lifecycle (``portal.filings``); the
functions here change a draft's routes and bonus rules. Mutual recognition agreements
move through their own small workflow (``talent_standards.workflows``).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import has_national_permission, has_region_permission
from portal.audit import audit_record
from portal.filings import filing_update, require_drafter, require_editable
from portal.models import Region, User
from portal.workflow import TransitionPermissionDenied
from talent_standards import engine, selectors
from talent_standards.models import (
    AverageWage,
    BonusRule,
    RecognitionAgreement,
    RecognitionRoute,
    RegionalStandard,
)
from talent_standards.workflows import AGREEMENT_WORKFLOW

# The engine's inputs and results belong to this module's interface: other apps build a
# Profile and a Job for ``assess`` and read the Assessment it gives (the engine module
# itself stays internal to the app, as the dependency rule wants).
Profile = engine.Profile
Job = engine.Job
Assessment = engine.Assessment
RouteStatus = engine.RouteStatus
EngineInputError = engine.EngineInputError
BONUS_FACTS = engine.BONUS_FACTS

# --- The engine -------------------------------------------------------------------------------


def assess(
    *,
    profile: engine.Profile,
    job: engine.Job,
    region: Region,
    on: dt.date | None = None,
    table_version: str = "",
    refuse_unasked_facts: bool = False,
) -> engine.Assessment:
    """Every route of the national standard and of the province's regional standard in
    force on ``on``, the points line by line, and the resulting category.

    A declared fact no bonus rule in force asks for counts for nothing; where a person is
    answering now (the points API), ``refuse_unasked_facts`` refuses it instead, so that a
    mistyped fact is not silently ignored."""
    rules = selectors.rules_for(
        region=region,
        on=on,
        occupation_code=job.occupation_code,
        table_version=table_version,
    )
    asked = {
        str(rule.parameters.get("fact", ""))
        for rule in rules.bonus_rules
        if rule.condition == BonusRule.Condition.DECLARED_FACT
    }
    unknown = sorted(profile.declared_facts - asked)
    if unknown and refuse_unasked_facts:
        raise engine.EngineInputError(
            "declared_facts",
            _("No bonus rule of %(region)s in force asks for: %(facts)s.")
            % {"region": rules.region_name, "facts": ", ".join(unknown)},
        )
    return engine.evaluate(profile, job, rules)


# --- Regional standards -----------------------------------------------------------------------

ROUTE_FIELDS = (
    "code",
    "category",
    "kind",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "evidence_zh",
    "evidence_en",
    "parameters",
    "position",
)
BONUS_FIELDS = ("code", "title_zh", "title_en", "condition", "parameters", "points")
# Regional routes: local Category A (and B) routes decided from figures or by an officer.
REGIONAL_ROUTE_KINDS = (
    RecognitionRoute.Kind.SALARY_AMOUNT,
    RecognitionRoute.Kind.SALARY_MULTIPLE,
    RecognitionRoute.Kind.DEGREE_EXPERIENCE,
    RecognitionRoute.Kind.LISTED_ACHIEVEMENT,
    RecognitionRoute.Kind.OFFICER_JUDGEMENT,
)
PROVINCIAL_BONUS_MAX = 10
# A group of the classification by whole parts of its code: 2, 2-02, 2-02-10, 2-02-10-03.
OCCUPATION_GROUP = re.compile(r"^\d(-\d{2}){0,3}$")


def _require_drafter(actor: User, region_id: int) -> None:
    require_drafter(
        actor, region_id, _("Only the province's drafters may change its regional standard.")
    )


def _next_version(region: Region) -> int:
    Region.objects.select_for_update().filter(pk=region.pk).first()
    top = RegionalStandard.objects.filter(region=region).aggregate(top=Max("version"))["top"]
    return (top or 0) + 1


def regional_standard_create(
    *,
    actor: User,
    region: Region,
    title_zh: str,
    title_en: str = "",
    notes_zh: str = "",
    notes_en: str = "",
    effective_from: dt.date | None = None,
    expires_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> RegionalStandard:
    _require_drafter(actor, region.pk)
    if region.level != Region.Level.PROVINCE:
        raise ValidationError({"region": [_("Regional standards are set by provinces.")]})
    if not title_zh.strip():
        raise ValidationError({"title_zh": [_("Give the standard a Chinese title.")]})
    with transaction.atomic():
        standard = RegionalStandard.objects.create(
            region=region,
            version=_next_version(region),
            title_zh=title_zh.strip(),
            title_en=title_en.strip(),
            notes_zh=notes_zh.strip(),
            notes_en=notes_en.strip(),
            effective_from=effective_from,
            expires_on=expires_on,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="talent_standards.regional_standard.create",
            target=standard,
            data={"version": standard.version},
            request=request,
        )
    return standard


def regional_standard_new_version(
    *, actor: User, source: RegionalStandard, request: HttpRequest | None = None
) -> RegionalStandard:
    """The next version from an existing one: titles, notes, routes and bonus rules."""
    _require_drafter(actor, source.region_id)
    with transaction.atomic():
        standard = RegionalStandard.objects.create(
            region_id=source.region_id,
            version=_next_version(source.region),
            title_zh=source.title_zh,
            title_en=source.title_en,
            notes_zh=source.notes_zh,
            notes_en=source.notes_en,
            based_on=source,
            created_by=actor,
        )
        RecognitionRoute.objects.bulk_create(
            [
                RecognitionRoute(
                    regional_standard=standard,
                    **{name: getattr(route, name) for name in ROUTE_FIELDS},
                )
                for route in source.routes.all()
            ]
        )
        BonusRule.objects.bulk_create(
            [
                BonusRule(
                    regional_standard=standard,
                    **{name: getattr(rule, name) for name in BONUS_FIELDS},
                )
                for rule in source.bonus_rules.all()
            ]
        )
        audit_record(
            actor=actor,
            action="talent_standards.regional_standard.new_version",
            target=standard,
            data={"based_on": source.pk},
            request=request,
        )
    return standard


def regional_standard_update(
    *,
    actor: User,
    standard: RegionalStandard,
    request: HttpRequest | None = None,
    **changes: Any,
) -> RegionalStandard:
    """Change titles, notes or dates of a draft."""
    return filing_update(
        actor=actor,
        filing=standard,
        not_drafter=_("Only the province's drafters may change its regional standard."),
        title_missing=_("Give the standard a Chinese title."),
        request=request,
        **changes,
    )


def _check_route(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    kind = values.get("kind")
    if kind not in REGIONAL_ROUTE_KINDS:
        errors["kind"] = [_("A regional route is decided from figures or by an officer.")]
    if values.get("category") not in ("A", "B"):
        errors["category"] = [_("A regional route recognises Category A or B.")]
    if kind in engine.ROUTE_KINDS:
        parameters = values.get("parameters")
        problems = engine.route_problems(kind, {} if parameters is None else parameters)
        if problems:
            errors["parameters"] = problems
    if errors:
        raise ValidationError(errors)


def route_save(
    *,
    actor: User,
    standard: RegionalStandard,
    route: RecognitionRoute | None = None,
    request: HttpRequest | None = None,
    **values: Any,
) -> RecognitionRoute:
    """Add a local route to a draft, or change one."""
    unknown = set(values) - set(ROUTE_FIELDS)
    if unknown:
        raise ValueError(f"unknown route fields: {sorted(unknown)}")
    _require_drafter(actor, standard.region_id)
    with transaction.atomic():
        locked = RegionalStandard.objects.select_for_update().get(pk=standard.pk)
        require_editable(locked)
        if route is not None and route.regional_standard_id != locked.pk:
            raise ValidationError({"route": [_("This route belongs to another standard.")]})
        current = route or RecognitionRoute(regional_standard=locked)
        merged = {name: getattr(current, name) for name in ROUTE_FIELDS} | values
        merged["code"] = str(merged.get("code") or "").strip().upper()
        _check_route(merged)
        clash = locked.routes.filter(code=merged["code"])
        if current.pk:
            clash = clash.exclude(pk=current.pk)
        if clash.exists():
            raise ValidationError({"code": [_("Another route of this standard has this code.")]})
        for name, value in merged.items():
            setattr(current, name, value)
        current.full_clean(exclude=["national_standard", "regional_standard"])
        created = current.pk is None
        current.save()
        audit_record(
            actor=actor,
            action="talent_standards.route.add" if created else "talent_standards.route.change",
            target=locked,
            data={"code": current.code},
            request=request,
        )
    return current


def route_remove(
    *, actor: User, route: RecognitionRoute, request: HttpRequest | None = None
) -> None:
    standard = route.regional_standard
    if standard is None:
        raise TransitionPermissionDenied(_("National routes are kept by the ministry."))
    _require_drafter(actor, standard.region_id)
    with transaction.atomic():
        locked = RegionalStandard.objects.select_for_update().get(pk=standard.pk)
        require_editable(locked)
        code = route.code
        route.delete()
        audit_record(
            actor=actor,
            action="talent_standards.route.remove",
            target=locked,
            data={"code": code},
            request=request,
        )


def _check_bonus(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    condition = values.get("condition")
    parameters = values.get("parameters") or {}
    if condition not in BonusRule.Condition.values:
        errors["condition"] = [_("Choose a condition.")]
    if condition == BonusRule.Condition.OCCUPATION_PREFIX:
        prefixes = parameters.get("prefixes") or []
        if not prefixes or not all(
            isinstance(p, str) and OCCUPATION_GROUP.match(p) for p in prefixes
        ):
            errors["parameters"] = [
                _("List the occupation groups by whole code parts, e.g. 2-02-10 or 2-02.")
            ]
    if condition == BonusRule.Condition.SALARY_AT_LEAST:
        try:
            if Decimal(str(parameters.get("min_annual_salary_cny", ""))) <= 0:
                raise ArithmeticError
        except (ArithmeticError, ValueError):
            errors["parameters"] = [_("Give the minimum annual salary in yuan.")]
    if (
        condition == BonusRule.Condition.EDUCATION_AT_LEAST
        and parameters.get("min_education") not in engine.EDUCATION_ORDER
    ):
        errors["parameters"] = [_("Choose the minimum education.")]
    if (
        condition == BonusRule.Condition.DECLARED_FACT
        and not str(parameters.get("fact", "")).strip()
    ):
        errors["parameters"] = [_("Name the fact the applicant declares.")]
    points = values.get("points")
    if not isinstance(points, int) or not 1 <= points <= PROVINCIAL_BONUS_MAX:
        errors["points"] = [_("A rule gives 1 to 10 points.")]
    if errors:
        raise ValidationError(errors)


def bonus_rule_save(
    *,
    actor: User,
    standard: RegionalStandard,
    rule: BonusRule | None = None,
    request: HttpRequest | None = None,
    **values: Any,
) -> BonusRule:
    """Add a provincial bonus rule (item 9) to a draft, or change one. The points of all
    rules that apply to a job are capped at 10 by the points table."""
    unknown = set(values) - set(BONUS_FIELDS)
    if unknown:
        raise ValueError(f"unknown bonus rule fields: {sorted(unknown)}")
    _require_drafter(actor, standard.region_id)
    with transaction.atomic():
        locked = RegionalStandard.objects.select_for_update().get(pk=standard.pk)
        require_editable(locked)
        if rule is not None and rule.regional_standard_id != locked.pk:
            raise ValidationError({"rule": [_("This bonus rule belongs to another standard.")]})
        current = rule or BonusRule(regional_standard=locked)
        merged = {name: getattr(current, name) for name in BONUS_FIELDS} | values
        merged["code"] = str(merged.get("code") or "").strip().upper()
        _check_bonus(merged)
        clash = locked.bonus_rules.filter(code=merged["code"])
        if current.pk:
            clash = clash.exclude(pk=current.pk)
        if clash.exists():
            raise ValidationError(
                {"code": [_("Another bonus rule of this standard has this code.")]}
            )
        for name, value in merged.items():
            setattr(current, name, value)
        current.full_clean(exclude=["regional_standard"])
        created = current.pk is None
        current.save()
        audit_record(
            actor=actor,
            action="talent_standards.bonus.add" if created else "talent_standards.bonus.change",
            target=locked,
            data={"code": current.code, "points": current.points},
            request=request,
        )
    return current


def bonus_rule_remove(*, actor: User, rule: BonusRule, request: HttpRequest | None = None) -> None:
    standard = rule.regional_standard
    _require_drafter(actor, standard.region_id)
    with transaction.atomic():
        locked = RegionalStandard.objects.select_for_update().get(pk=standard.pk)
        require_editable(locked)
        code = rule.code
        rule.delete()
        audit_record(
            actor=actor,
            action="talent_standards.bonus.remove",
            target=locked,
            data={"code": code},
            request=request,
        )


# --- Mutual recognition ------------------------------------------------------------------------


def _require_province_drafter_for_agreement(actor: User, region_id: int) -> None:
    if not has_region_permission(actor, "draft_filings", region_id):
        raise TransitionPermissionDenied(
            _("Only the province's drafters may propose its recognition agreements.")
        )


def agreement_propose(
    *,
    actor: User,
    proposer: Region,
    partner: Region,
    effective_from: dt.date,
    terms_zh: str = "",
    terms_en: str = "",
    request: HttpRequest | None = None,
) -> RecognitionAgreement:
    """A province proposes to recognise another's regional standard, both ways."""
    _require_province_drafter_for_agreement(actor, proposer.pk)
    errors: dict[str, list[str]] = {}
    if proposer.level != Region.Level.PROVINCE or partner.level != Region.Level.PROVINCE:
        errors["partner"] = [_("Agreements are between provinces.")]
    if proposer.pk == partner.pk:
        errors["partner"] = [_("Choose another province.")]
    if effective_from < timezone.localdate():
        errors["effective_from"] = [_("Choose today or a later day.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Both provinces locked in code order: no twin proposals, no deadlock.
        for region in sorted((proposer, partner), key=lambda r: r.pk):
            Region.objects.select_for_update().filter(pk=region.pk).first()
        pair = Q(proposer=proposer, partner=partner) | Q(proposer=partner, partner=proposer)
        # A withdrawn agreement runs to its last day: a new one starts after it.
        open_ones = RecognitionAgreement.objects.filter(pair).filter(
            Q(state=RecognitionAgreement.State.PROPOSED)
            | (
                Q(
                    state__in=(
                        RecognitionAgreement.State.ACCEPTED,
                        RecognitionAgreement.State.WITHDRAWN,
                    )
                )
                & (Q(ends_on__isnull=True) | Q(ends_on__gte=effective_from))
            )
        )
        running = open_ones.order_by(F("ends_on").desc(nulls_first=True)).first()
        if running is not None and running.ends_on is not None:
            raise ValidationError(
                {
                    "effective_from": [
                        _(
                            "The agreement between these provinces is in effect until %(day)s: "
                            "choose a later day."
                        )
                        % {"day": running.ends_on.isoformat()}
                    ]
                }
            )
        if running is not None:
            raise ValidationError(
                {"partner": [_("An agreement between these provinces is proposed or in effect.")]}
            )
        agreement = RecognitionAgreement.objects.create(
            proposer=proposer,
            partner=partner,
            effective_from=effective_from,
            terms_zh=terms_zh.strip(),
            terms_en=terms_en.strip(),
            proposed_by=actor,
        )
        audit_record(
            actor=actor,
            action="talent_standards.agreement.propose",
            target=agreement,
            data={"partner": partner.code, "effective_from": effective_from.isoformat()},
            request=request,
        )
    return agreement


def agreement_transition(
    *,
    actor: User,
    agreement: RecognitionAgreement,
    transition: str,
    reason: str = "",
    ends_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> RecognitionAgreement:
    """Accept, decline, cancel or withdraw (from ``ends_on``'s next day) an agreement."""
    payload = {"ends_on": ends_on.isoformat()} if ends_on is not None else {}
    return AGREEMENT_WORKFLOW.run(
        agreement, transition, actor=actor, reason=reason, payload=payload, request=request
    )


# --- Average wages ------------------------------------------------------------------------------


def may_record_average_wages(actor: User | None) -> bool:
    """Ministry reviewers, and the site administrators who keep the reference data in the
    admin (the model permission); ``None`` is an operator at the command line."""
    if actor is None:
        return True
    return has_national_permission(actor, "portal.review_filings") or actor.has_perm(
        "talent_standards.change_averagewage"
    )


def average_wage_problems(
    *, region: Region | None, year: int | None, amount_cny: Decimal | None, source: str | None
) -> dict[str, list[str]]:
    """What is wrong with a figure, by field (``None``: a value the form could not read,
    already reported there)."""
    errors: dict[str, list[str]] = {}
    if region is not None and region.level != Region.Level.PROVINCE:
        errors["region"] = [_("Average wages are recorded for provinces.")]
    if year is not None and not 2000 <= year <= 2100:
        errors["year"] = [_("The year is between 2000 and 2100.")]
    if amount_cny is not None and amount_cny <= 0:
        errors["amount_cny"] = [_("The average wage is a positive amount.")]
    if source is not None and not source.strip():
        errors["source"] = [_("Say where the figure is published.")]
    return errors


def average_wage_record(
    *,
    actor: User | None,
    region: Region,
    year: int,
    amount_cny: Decimal,
    source: str,
    is_demo: bool = False,
    request: HttpRequest | None = None,
) -> AverageWage:
    """The ministry records a province's published average wage of a year."""
    if not may_record_average_wages(actor):
        raise TransitionPermissionDenied(_("Average wages are kept by the ministry."))
    errors = average_wage_problems(region=region, year=year, amount_cny=amount_cny, source=source)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        wage, _created = AverageWage.objects.update_or_create(
            region=region,
            year=year,
            defaults={
                "amount_cny": amount_cny,
                "source": source.strip(),
                "is_demo": is_demo,
                "recorded_by": actor,
            },
        )
        audit_record(
            actor=actor,
            actor_repr="system",
            action="talent_standards.average_wage.record",
            target=wage,
            data={"region": region.code, "year": year, "amount": amount_cny, "demo": is_demo},
            request=request,
        )
    return wage
