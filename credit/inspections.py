"""Inspection campaigns, "double random, one public" (双随机、一公开): the population hook,
the draw, the writes (services) and the reads (selectors).

"Double random": the employers inspected are drawn at random from a population, and the
inspectors of each at random from a pool. "One public": the campaign, how it was drawn and
its results are published.

The draw, precisely (``draw`` below; anyone can re-run it from what the campaign stores,
``manage.py redraw_campaign ID`` does):

1. The population is the list of (USCC, name) pairs stored at the draw, sorted by USCC
   (plain string order); the pool is the list of inspectors stored at the draw, sorted by
   user name (plain string order).
2. ``rng = random.Random(seed)``: CPython's Mersenne Twister seeded with the campaign's
   seed, a 64-bit integer made by ``secrets.randbits(64)`` at the draw and stored in
   decimal.
3. ``sample = rng.sample(population, sample_size)``: the employers, in the order drawn
   (their position in the campaign).
4. For each employer of the sample, in that order: the eligible inspectors are the pool
   (sorted as in 1) without those the exclusions name for the employer's USCC (the
   inspectors assigned to it in the region's previous campaign); ``k = min(per_employer,
   len(eligible))``; the inspectors are ``rng.sample(eligible, k)``, kept sorted by user
   name. No eligible inspector refuses the draw (``DrawError``).

The same seed and inputs give the same result on any machine running CPython 3.

Publication: a published campaign shows its region, period, population size and sample
size, the seed, the population and the pool as drawn, the assignments and their outcomes
(no problem found / problems found, and the day). Inspectors are named in full: an
inspection is an act of public authority, and the 2015 State Council notice on "double
random, one public" asks for the inspectors and the results to be made public. The facts
of a finding are not published here: they are the credit record's, disclosed or not by
the record's own rule (``credit.services``).

Populations are a hook: ``register_population(name, label, fn)``. The credit app ships
``registered_employers`` (every active employer registered in the region and the divisions
below it). The permits app registers ``employers_with_active_permits`` (employers holding
a work permit that is active and valid on the campaign's start day) through
``credit.services.inspection_population_register``, since credit must not import permits.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.access import has_region_permission, region_ids_for
from portal.audit import audit_record
from portal.models import Organization, Region, RegionUserObjectPermission, User
from portal.roles import Role
from portal.services import PermissionDeniedError, ServiceError

from .constants import Source
from .inspection_models import InspectionAssignment, InspectionCampaign
from .inspection_workflow import CAMPAIGN_WORKFLOW, may_manage
from .models import CreditRecordKind
from .selectors import add_months
from .services import record_create

INSPECT = "inspect_employers"
FINDING_KIND = "inspection_finding"
State = InspectionCampaign.State
Outcome = InspectionAssignment.Outcome
DRAWN_STATES = (State.DRAWN, State.IN_PROGRESS, State.CLOSED, State.PUBLISHED)


# --- Populations (a hook other apps fill) ----------------------------------------------------

# fn(region, on, filters) -> [(organization id, USCC, name), ...]
PopulationFn = Callable[[Region, dt.date, Mapping[str, Any]], Iterable[tuple[int, str, str]]]


@dataclass(frozen=True)
class Population:
    name: str
    label: Promise | str
    fn: PopulationFn
    # Filters the population understands (``category``...); others are refused.
    filters: tuple[str, ...] = ()


_POPULATIONS: dict[str, Population] = {}


def register_population(
    name: str, label: Promise | str, fn: PopulationFn, *, filters: Sequence[str] = ()
) -> None:
    """Offer a population campaigns can draw from. ``fn(region, on, filters)`` returns the
    employers (organization id, USCC, name) of the region and the divisions below it on
    day ``on`` (the campaign's start), narrowed by ``filters``."""
    _POPULATIONS[name] = Population(name, label, fn, tuple(filters))


def populations() -> list[Population]:
    return sorted(_POPULATIONS.values(), key=lambda p: p.name)


def population_spec(name: str) -> Population | None:
    return _POPULATIONS.get(name)


def population_label(name: str) -> str:
    found = _POPULATIONS.get(name)
    return str(found.label) if found else name


def _subtree(region: Region) -> Q:
    return Q(region=region) | Q(region__parent=region) | Q(region__parent__parent=region)


def registered_employers(
    region: Region, on: dt.date, filters: Mapping[str, Any]
) -> list[tuple[int, str, str]]:
    """Every active employer registered in the region (and the divisions below it), as
    registered at the draw (``on`` and ``filters`` are not used: this population knows no
    dates and no categories)."""
    rows = (
        Organization.objects.filter(
            _subtree(region),
            kind=Organization.Kind.EMPLOYER,
            is_active=True,
            uscc__isnull=False,
        )
        .order_by("uscc")
        .values_list("pk", "uscc", "name_zh")
    )
    return [(pk, str(uscc), name) for pk, uscc, name in rows]


register_population(
    "registered_employers", _("All registered employers of the region"), registered_employers
)


# --- The draw (pure: no database) -------------------------------------------------------------


class DrawError(ValueError):
    """The inputs do not allow a draw; the message says why."""


@dataclass(frozen=True)
class Drawn:
    uscc: str
    inspectors: tuple[str, ...]  # user names, sorted


def draw(
    *,
    seed: int,
    population: Sequence[str],
    pool: Sequence[str],
    sample_size: int,
    per_employer: int,
    exclusions: Mapping[str, Sequence[str]] | None = None,
) -> list[Drawn]:
    """The draw documented in this module's docstring. ``population``: USCCs; ``pool``:
    user names; ``exclusions``: user names excluded per USCC."""
    exclusions = exclusions or {}
    employers = sorted(set(population))
    inspectors = sorted(set(pool))
    if not employers:
        raise DrawError(gettext("The population is empty: there is nobody to draw."))
    if sample_size < 1:
        raise DrawError(gettext("The sample size must be at least 1."))
    if sample_size > len(employers):
        raise DrawError(
            gettext("The sample size (%(sample)d) exceeds the population (%(population)d).")
            % {"sample": sample_size, "population": len(employers)}
        )
    if not inspectors:
        raise DrawError(gettext("The pool of inspectors is empty."))
    rng = random.Random(seed)  # noqa: S311 - reproducibility is the point; the seed is secret-made
    result = []
    for uscc in rng.sample(employers, sample_size):
        excluded = set(exclusions.get(uscc, ()))
        eligible = [name for name in inspectors if name not in excluded]
        if not eligible:
            raise DrawError(
                gettext(
                    "Every inspector of the pool inspected %(uscc)s in the previous campaign: "
                    "add inspectors to the pool."
                )
                % {"uscc": uscc}
            )
        chosen = rng.sample(eligible, min(max(per_employer, 1), len(eligible)))
        result.append(Drawn(uscc, tuple(sorted(chosen))))
    return result


def new_seed() -> int:
    """A fresh seed for a draw (tests replace it to make a draw predictable)."""
    return secrets.randbits(64)


def redraw(campaign: InspectionCampaign) -> list[Drawn]:
    """The draw re-run from what the campaign stored."""
    return draw(
        seed=int(campaign.seed),
        population=[row["uscc"] for row in campaign.population_snapshot],
        pool=[row["username"] for row in campaign.pool_snapshot],
        sample_size=campaign.sample_size,
        per_employer=campaign.inspectors_per_employer,
        exclusions=campaign.exclusions,
    )


def stored_draw(campaign: InspectionCampaign) -> list[Drawn]:
    """The assignments as stored, in the order drawn."""
    return [
        Drawn(a.uscc, tuple(sorted(i.username for i in a.inspectors.all())))
        for a in campaign.assignments.order_by("position").prefetch_related("inspectors")
    ]


# --- Who may do what ------------------------------------------------------------------------


def eligible_inspectors(region: Region) -> QuerySet[User]:
    """Active users holding the inspector role in the region or a division above it."""
    above = [region.pk]
    if region.parent_id:
        above.append(region.parent_id)
        parent = Region.objects.filter(pk=region.parent_id).values_list("parent_id", flat=True)
        above += [pk for pk in parent if pk]
    holders = RegionUserObjectPermission.objects.filter(
        permission__content_type__app_label="portal",
        permission__codename=INSPECT,
        content_object_id__in=above,
    ).values("user_id")
    return User.objects.filter(
        pk__in=holders, is_active=True, groups__name=Role.INSPECTOR.value
    ).order_by("username")


def inspectors_of_regions(region_ids: Iterable[int]) -> QuerySet[User]:
    """Active inspectors holding the role in any of these regions (the choices of a pool)."""
    holders = RegionUserObjectPermission.objects.filter(
        permission__content_type__app_label="portal",
        permission__codename=INSPECT,
        content_object_id__in=list(region_ids),
    ).values("user_id")
    return User.objects.filter(
        pk__in=holders, is_active=True, groups__name=Role.INSPECTOR.value
    ).order_by("username")


def regions_inspected_by(user: User) -> QuerySet[Region]:
    return Region.objects.filter(pk__in=region_ids_for(user, INSPECT)).order_by("code")


# --- Selectors ---------------------------------------------------------------------------------


def campaigns_for(user: User) -> QuerySet[InspectionCampaign]:
    """Campaigns of the regions where the user inspects, newest first."""
    ids = region_ids_for(user, INSPECT)
    if not ids:
        return InspectionCampaign.objects.none()
    return InspectionCampaign.objects.filter(region_id__in=ids).select_related("region")


def access_campaign(user: User, pk: int | str) -> InspectionCampaign:
    """The campaign if the user inspects in its region; 404 otherwise, as for none."""
    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    campaign = campaigns_for(user).filter(pk=pk_int).first()
    if campaign is None:
        raise Http404
    return campaign


def access_assignment(
    user: User, campaign: InspectionCampaign, pk: int | str
) -> InspectionAssignment:
    """An assignment of a campaign the caller fetched through ``access_campaign``."""
    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    assignment = (
        campaign.assignments.filter(pk=pk_int)
        .select_related("organization", "credit_record")
        .prefetch_related("inspectors")
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


def published_campaigns() -> QuerySet[InspectionCampaign]:
    """Published campaigns for the public list, newest publication first."""
    return (
        InspectionCampaign.objects.filter(state=State.PUBLISHED)
        .select_related("region")
        .order_by("-published_at", "-pk")
    )


def published_campaign(pk: int | str) -> InspectionCampaign:
    """A published campaign; 404 for any other (a draft is not public)."""
    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    campaign = published_campaigns().filter(pk=pk_int).first()
    if campaign is None:
        raise Http404
    return campaign


def assignments_of(campaign: InspectionCampaign) -> list[InspectionAssignment]:
    return list(
        campaign.assignments.order_by("position")
        .select_related("organization", "credit_record", "recorded_by")
        .prefetch_related("inspectors")
    )


def pool_names(campaign: InspectionCampaign) -> list[str]:
    """The pool as drawn (or, before the draw, as chosen): full names."""
    if campaign.pool_snapshot:
        return [row["name"] for row in campaign.pool_snapshot]
    return [str(user) for user in campaign.pool.order_by("username")]


# --- Services -------------------------------------------------------------------------------


def campaign_create(
    *,
    actor: User,
    name: str,
    region: Region,
    starts_on: dt.date,
    ends_on: dt.date,
    sample_size: int,
    pool: Iterable[User],
    population: str = "registered_employers",
    population_filters: Mapping[str, Any] | None = None,
    inspectors_per_employer: int = 2,
    request: HttpRequest | None = None,
) -> InspectionCampaign:
    """Set up a campaign in a region where the actor inspects (their province or below)."""
    if not has_region_permission(actor, INSPECT, region):
        raise PermissionDeniedError(_("You may not set up campaigns in this region."))
    filters = {k: v for k, v in dict(population_filters or {}).items() if v not in ("", None)}
    members = list(pool)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [gettext("Give the campaign a name.")]
    if ends_on < starts_on:
        errors["ends_on"] = [gettext("The period cannot end before it starts.")]
    if sample_size < 1:
        errors["sample_size"] = [gettext("The sample size must be at least 1.")]
    if inspectors_per_employer < 1:
        errors["inspectors_per_employer"] = [gettext("At least one inspector per employer.")]
    spec = _POPULATIONS.get(population)
    if spec is None:
        errors["population"] = [gettext("Choose a population.")]
    elif set(filters) - set(spec.filters):
        errors["population_filters"] = [
            gettext("This population cannot be filtered by %(names)s.")
            % {"names": ", ".join(sorted(set(filters) - set(spec.filters)))}
        ]
    eligible = set(eligible_inspectors(region).values_list("pk", flat=True))
    if any(user.pk not in eligible for user in members):
        errors["pool"] = [gettext("The pool may hold only inspectors of the region.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        campaign = InspectionCampaign.objects.create(
            name=name.strip(),
            region=region,
            starts_on=starts_on,
            ends_on=ends_on,
            population=population,
            population_filters=filters,
            sample_size=sample_size,
            inspectors_per_employer=inspectors_per_employer,
            created_by=actor,
            created_at=timezone.now(),
        )
        campaign.pool.set(members)
        audit_record(
            actor=actor,
            action="credit.inspection_campaign.create",
            target=campaign,
            data={
                "region": region.code,
                "period": [starts_on, ends_on],
                "population": population,
                "filters": filters,
                "sample_size": sample_size,
                "inspectors_per_employer": inspectors_per_employer,
                "pool": sorted(user.username for user in members),
            },
            request=request,
        )
    return campaign


def campaign_transition(
    *,
    actor: User,
    campaign: InspectionCampaign,
    name: str,
    request: HttpRequest | None = None,
) -> InspectionCampaign:
    """Run one transition of the campaign's lifecycle (draw, start, close, publish)."""
    return CAMPAIGN_WORKFLOW.run(campaign, name, actor=actor, request=request)


def campaign_draw(
    *, actor: User, campaign: InspectionCampaign, request: HttpRequest | None = None
) -> InspectionCampaign:
    return campaign_transition(actor=actor, campaign=campaign, name="draw", request=request)


def _finding_until(kind: CreditRecordKind, on: dt.date) -> dt.date | None:
    if not kind.default_effect_months:
        return None
    return add_months(on, kind.default_effect_months) - dt.timedelta(days=1)


def assignment_record_outcome(
    *,
    actor: User,
    assignment: InspectionAssignment,
    outcome: str,
    inspected_on: dt.date,
    facts: str = "",
    severity: str = "minor",
    disclosed: bool = False,
    request: HttpRequest | None = None,
) -> InspectionAssignment:
    """Record what an inspection found. Only an inspector drawn for the employer records,
    once, while the campaign is in progress; the day lies within the campaign's period and
    not in the future. Problems found make a credit record of kind ``inspection_finding``
    (source: inspection), in effect from the day for the kind's default period, linked
    from the assignment; its ``severity`` decides the effect (minor: attention; serious:
    dishonest, which blocks registration and new applications for the record's period)
    and ``disclosed`` whether it is on the public dishonesty list."""
    facts = facts.strip()
    with transaction.atomic():
        campaign = InspectionCampaign.objects.select_for_update().get(pk=assignment.campaign_id)
        locked = (
            InspectionAssignment.objects.select_for_update()
            .select_related("organization")
            .get(pk=assignment.pk)
        )
        if not locked.inspectors.filter(pk=actor.pk).exists() or not may_manage(actor, campaign):
            raise PermissionDeniedError(
                _("Only an inspector drawn for this employer records the outcome.")
            )
        if campaign.state != State.IN_PROGRESS:
            raise ServiceError(
                gettext("Outcomes are recorded while the campaign is in progress."),
                code="not_in_progress",
                status=409,
            )
        if locked.is_recorded:
            raise ServiceError(
                gettext("The outcome of this inspection is already recorded."),
                code="already_recorded",
                status=409,
            )
        errors: dict[str, list[str]] = {}
        if outcome not in (Outcome.NO_PROBLEM, Outcome.PROBLEMS):
            errors["outcome"] = [gettext("Choose the outcome.")]
        if outcome == Outcome.PROBLEMS and not facts:
            errors["facts"] = [gettext("State the problems found.")]
        if outcome == Outcome.PROBLEMS and severity not in ("minor", "serious"):
            errors["severity"] = [gettext("Choose how serious the finding is.")]
        if not campaign.starts_on <= inspected_on <= campaign.ends_on:
            errors["inspected_on"] = [
                gettext("The day lies outside the campaign's period (%(start)s to %(end)s).")
                % {"start": campaign.starts_on, "end": campaign.ends_on}
            ]
        elif inspected_on > timezone.localdate():
            errors["inspected_on"] = [gettext("The day cannot be in the future.")]
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        locked.outcome = outcome
        locked.inspected_on = inspected_on
        locked.facts = facts if outcome == Outcome.PROBLEMS else ""
        locked.recorded_by = actor
        locked.recorded_at = now
        fields = ["outcome", "inspected_on", "facts", "recorded_by", "recorded_at"]
        if outcome == Outcome.PROBLEMS:
            kind = CreditRecordKind.objects.get(code=FINDING_KIND)
            locked.credit_record = record_create(
                actor=actor,
                kind=kind,
                facts=facts,
                source=Source.INSPECTION,
                effective_from=inspected_on,
                effective_until=_finding_until(kind, inspected_on),
                organization=locked.organization,
                severity=severity,
                disclosed=disclosed,
                reference=f"INSP-{campaign.pk}-{locked.position}",
                request=request,
            )
            fields.append("credit_record")
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="credit.inspection_campaign.outcome",
            target=locked,
            data={
                "campaign": campaign.pk,
                "uscc": locked.uscc,
                "outcome": outcome,
                "inspected_on": inspected_on,
                "credit_record": locked.credit_record_id,
            },
            request=request,
        )
    return locked
