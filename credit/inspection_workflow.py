"""The lifecycle of an inspection campaign, as data (``portal.workflow``).

    draft ─draw─> drawn ─start─> in_progress ─close─> closed ─publish─> published

* draw: takes the population and the pool as they stand, the exclusions from the region's
  previous campaign and a new seed, and draws (``credit.inspections.draw``). Refused with
  an empty population, a sample larger than the population, an empty pool, or once the
  campaign's period has ended. Each inspector drawn is told which employers they inspect
  (``credit.notifications``), in the draw's transaction.
* start: the inspections begin; outcomes are recorded only in progress.
* close: every assignment's outcome is recorded.
* publish: the campaign, its draw and its results become public. Closing does not publish:
  the results are read over once more before they are made public, and publishing is its
  own audited act.

Every transition is made by an inspector of the campaign's region (or its province).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.access import has_region_permission
from portal.models import User
from portal.workflow import GuardFailed, Transition, TransitionContext, Workflow

from .inspection_models import InspectionAssignment, InspectionCampaign
from .notifications import effect_campaign_drawn

S = InspectionCampaign.State


def may_manage(actor: User | None, campaign: InspectionCampaign) -> bool:
    return actor is not None and has_region_permission(
        actor, "inspect_employers", campaign.region_id
    )


@dataclass(frozen=True)
class DrawInputs:
    population: list[dict[str, Any]]  # {"organization", "uscc", "name"}, sorted by USCC
    pool: list[dict[str, Any]]  # {"user", "username", "name"}, sorted by user name
    previous: InspectionCampaign | None
    exclusions: dict[str, list[str]]


def _inputs(campaign: InspectionCampaign) -> DrawInputs:
    """What the draw takes, read once per transition (remembered on the locked row)."""
    cached = campaign.__dict__.get("_draw_inputs")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    from credit.inspections import _POPULATIONS, DRAWN_STATES, eligible_inspectors

    spec = _POPULATIONS.get(campaign.population)
    if spec is None:
        raise GuardFailed(gettext("The campaign's population is no longer offered."))
    rows = {
        uscc: {"organization": pk, "uscc": uscc, "name": name}
        for pk, uscc, name in spec.fn(
            campaign.region, campaign.starts_on, campaign.population_filters
        )
    }
    population = [rows[uscc] for uscc in sorted(rows)]
    eligible = set(eligible_inspectors(campaign.region).values_list("pk", flat=True))
    pool = [
        {"user": user.pk, "username": user.username, "name": str(user)}
        for user in campaign.pool.order_by("username")
        if user.pk in eligible
    ]
    previous = (
        InspectionCampaign.objects.filter(region=campaign.region, state__in=DRAWN_STATES)
        .exclude(pk=campaign.pk)
        .order_by("-drawn_at", "-pk")
        .first()
    )
    exclusions: dict[str, list[str]] = {}
    if previous is not None:
        for assignment in previous.assignments.prefetch_related("inspectors"):
            names = sorted(user.username for user in assignment.inspectors.all())
            if names:
                exclusions[assignment.uscc] = names
    inputs = DrawInputs(population, pool, previous, exclusions)
    campaign.__dict__["_draw_inputs"] = inputs
    return inputs


def guard_drawable(campaign: InspectionCampaign, context: TransitionContext) -> None:
    if campaign.ends_on < timezone.localdate(context.now):
        raise GuardFailed(
            gettext("The campaign's period has ended: set up a new campaign."),
            details={"field": "ends_on"},
        )
    inputs = _inputs(campaign)
    if not inputs.population:
        raise GuardFailed(gettext("The population is empty: there is nobody to draw."))
    if campaign.sample_size > len(inputs.population):
        raise GuardFailed(
            gettext("The sample size (%(sample)d) exceeds the population (%(population)d).")
            % {"sample": campaign.sample_size, "population": len(inputs.population)},
            details={"field": "sample_size"},
        )
    if not inputs.pool:
        raise GuardFailed(gettext("The pool of inspectors is empty."), details={"field": "pool"})


def effect_drawn(campaign: InspectionCampaign, context: TransitionContext) -> list[str]:
    from credit.inspections import DrawError, draw, new_seed

    inputs = _inputs(campaign)
    seed = new_seed()
    try:
        result = draw(
            seed=seed,
            population=[row["uscc"] for row in inputs.population],
            pool=[row["username"] for row in inputs.pool],
            sample_size=campaign.sample_size,
            per_employer=campaign.inspectors_per_employer,
            exclusions=inputs.exclusions,
        )
    except DrawError as exc:  # the whole transition is rolled back
        raise GuardFailed(str(exc)) from None
    by_uscc = {row["uscc"]: row for row in inputs.population}
    users = {row["username"]: row["user"] for row in inputs.pool}
    for position, drawn in enumerate(result, start=1):
        row = by_uscc[drawn.uscc]
        assignment = InspectionAssignment.objects.create(
            campaign=campaign,
            position=position,
            organization_id=row["organization"],
            uscc=drawn.uscc,
            name=row["name"],
        )
        assignment.inspectors.set([users[name] for name in drawn.inspectors])
    campaign.seed = str(seed)
    campaign.population_snapshot = inputs.population
    campaign.pool_snapshot = inputs.pool
    campaign.exclusions = inputs.exclusions
    campaign.population_size = len(inputs.population)
    campaign.previous = inputs.previous
    campaign.drawn_at = context.now
    return [
        "seed",
        "population_snapshot",
        "pool_snapshot",
        "exclusions",
        "population_size",
        "previous",
        "drawn_at",
    ]


def guard_all_recorded(campaign: InspectionCampaign, context: TransitionContext) -> None:
    pending = list(
        campaign.assignments.filter(outcome=InspectionAssignment.Outcome.PENDING)
        .order_by("position")
        .values_list("name", flat=True)
    )
    if pending:
        raise GuardFailed(
            gettext("Record every inspection before closing; still open: %(names)s.")
            % {"names": "、".join(pending)},
            details={"pending": len(pending)},
        )


def effect_closed(campaign: InspectionCampaign, context: TransitionContext) -> list[str]:
    campaign.closed_at = context.now
    return ["closed_at"]


def effect_published(campaign: InspectionCampaign, context: TransitionContext) -> list[str]:
    campaign.published_at = context.now
    return ["published_at"]


CAMPAIGN_WORKFLOW: Workflow[InspectionCampaign] = Workflow(
    name="credit.inspection_campaign",
    model=InspectionCampaign,
    states=S,
    initial=S.DRAFT,
    transitions=(
        Transition(
            name="draw",
            source=(S.DRAFT,),
            target=S.DRAWN,
            label=_("Draw"),
            permission=may_manage,
            guards=(guard_drawable,),
            effects=(effect_drawn, effect_campaign_drawn),
        ),
        Transition(
            name="start",
            source=(S.DRAWN,),
            target=S.IN_PROGRESS,
            label=_("Start the inspections"),
            permission=may_manage,
        ),
        Transition(
            name="close",
            source=(S.IN_PROGRESS,),
            target=S.CLOSED,
            label=_("Close"),
            permission=may_manage,
            guards=(guard_all_recorded,),
            effects=(effect_closed,),
        ),
        Transition(
            name="publish",
            source=(S.CLOSED,),
            target=S.PUBLISHED,
            label=_("Publish"),
            permission=may_manage,
            effects=(effect_published,),
        ),
    ),
)
