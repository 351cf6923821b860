"""Pages of the talent standards app for ministry reviewers (``portal.review_filings``).

* ``review``: the regional standards filed with the ministry, oldest first, with how long
  each has waited in working days, and the latest decisions;
* ``review_standard``: one submission: its metadata and validity in years, the redline
  against the version in force (routes and bonus rules added, removed, changed field by
  field), the consultation (who was invited, every comment and the drafters' answer) and
  the history of the filing;
* ``review_transition``: the decisions (start the review, approve, return with reasons),
  made through ``portal.filings.filing_transition``; a refusal is shown and changes nothing.

Anyone who is not a ministry reviewer gets 404, and so do standards the ministry does not
see (drafts, standards in consultation, versions no longer current).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import CharField, Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalogs.selectors import FieldChange
from portal.access import has_national_permission
from portal.filings import FilingError, filing_transition, in_force_filter, kind_of
from portal.models import TransitionRecord, User
from portal.models.filing import PUBLISHED_STATES, FilingState
from portal.workdays import working_days_between
from portal.workflow import Transition, WorkflowError
from talent_standards import selectors
from talent_standards.models import (
    BonusRule,
    RecognitionRoute,
    RegionalStandard,
)
from talent_standards.views.drafting import (
    history_rows,
    parameters_text,
    route_rows,
    rule_rows,
    standard_comments,
    standard_invitations,
    validity_of,
)

REVIEW_PERMISSION = "portal.review_filings"
# What the ministry sees of a province's standards: from filing on (never drafts).
REVIEWABLE_STATES = (
    FilingState.SUBMITTED,
    FilingState.UNDER_REVIEW,
    FilingState.RETURNED,
    FilingState.APPROVED,
    FilingState.PUBLISHED,
)
DECISIONS = ("approve", "return")
REASON_MAX_LENGTH = 4000


def _today() -> dt.date:
    """Today in China; the one place the review pages read the date."""
    return timezone.localdate()


# --- Reads (to move to talent_standards.selectors) ------------------------------------------


def reviewable_standard(pk: int) -> RegionalStandard | None:
    return (
        RegionalStandard.objects.filter(pk=pk, state__in=REVIEWABLE_STATES)
        .select_related("region", "based_on")
        .first()
    )


def standards_for_review() -> QuerySet[RegionalStandard]:
    """What the ministry has to look at, oldest filing first, with the number of routes
    and bonus rules (one query)."""
    return selectors.regional_standards_for_review().annotate(
        route_count=Count("routes", distinct=True),
        rule_count=Count("bonus_rules", distinct=True),
    )


def recent_standard_decisions(limit: int = 20) -> list[RegionalStandard]:
    """The standards most recently approved or returned, each with its latest decision
    (``decision``, ``decided_at``, ``decided_by``, ``decision_reason``). One query: the
    decision is read from the state changes by correlated subqueries."""
    decisions = TransitionRecord.objects.filter(
        target_model=RegionalStandard._meta.label_lower,
        target_id=Cast(OuterRef("pk"), CharField()),
        transition__in=DECISIONS,
    ).order_by("-at", "-pk")
    return list(
        RegionalStandard.objects.annotate(
            decided_at=Subquery(decisions.values("at")[:1]),
            decision=Subquery(decisions.values("transition")[:1]),
            decision_reason=Subquery(decisions.values("reason")[:1]),
            decided_by=Subquery(decisions.values("actor__full_name")[:1]),
            decided_by_username=Subquery(decisions.values("actor__username")[:1]),
        )
        .filter(decided_at__isnull=False)
        .select_related("region")
        .order_by("-decided_at", "-pk")[:limit]
    )


# --- The redline (to move to talent_standards.selectors) --------------------------------------

# The fields compared, route by route (by code) and bonus rule by bonus rule (by code).
# A route's ``position`` only orders the page and is not compared.
ROUTE_COMPARED = (
    "category",
    "kind",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "evidence_zh",
    "evidence_en",
    "parameters",
)
BONUS_COMPARED = ("title_zh", "title_en", "condition", "parameters", "points")
METADATA_COMPARED = ("title_zh", "title_en", "notes_zh", "notes_en", "effective_from", "expires_on")


@dataclass(frozen=True)
class ChangedPart:
    """A route or bonus rule in both versions (the same code), and what changed."""

    old: Any
    new: Any
    changes: list[FieldChange]


@dataclass
class StandardRedline:
    """A regional standard version compared with the one in force (or the latest
    published, or the one it was based on)."""

    against: RegionalStandard | None
    routes_added: list[RecognitionRoute]
    routes_removed: list[RecognitionRoute]
    routes_changed: list[ChangedPart]
    routes_unchanged: int
    rules_added: list[BonusRule]
    rules_removed: list[BonusRule]
    rules_changed: list[ChangedPart]
    rules_unchanged: int
    metadata: list[FieldChange]

    @property
    def is_empty(self) -> bool:
        return not (
            self.routes_added
            or self.routes_removed
            or self.routes_changed
            or self.rules_added
            or self.rules_removed
            or self.rules_changed
            or self.metadata
        )


def standard_redline_baseline(standard: RegionalStandard) -> RegionalStandard | None:
    """What the ministry compares a submission with: the version in force in the province
    today, else the latest published one, else the version the draft was based on."""
    today = _today()
    in_force = (
        RegionalStandard.objects.filter(in_force_filter(today), region_id=standard.region_id)
        .exclude(pk=standard.pk)
        .first()
    )
    if in_force is not None:
        return in_force
    latest = (
        RegionalStandard.objects.filter(region_id=standard.region_id, state__in=PUBLISHED_STATES)
        .exclude(pk=standard.pk)
        .order_by("-effective_from", "-version")
        .first()
    )
    return latest or cast(RegionalStandard | None, standard.based_on)


def _label(model: Any, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _compare(
    model: Any, fields: tuple[str, ...], new: dict[str, Any], old: dict[str, Any]
) -> tuple[list[Any], list[Any], list[ChangedPart], int]:
    added = [new[c] for c in sorted(set(new) - set(old))]
    removed = [old[c] for c in sorted(set(old) - set(new))]
    changed: list[ChangedPart] = []
    unchanged = 0
    for code in sorted(set(new) & set(old)):
        differences = [
            FieldChange(
                name, _label(model, name), getattr(old[code], name), getattr(new[code], name)
            )
            for name in fields
            if getattr(old[code], name) != getattr(new[code], name)
        ]
        if differences:
            changed.append(ChangedPart(old[code], new[code], differences))
        else:
            unchanged += 1
    return added, removed, changed, unchanged


def standard_redline(
    standard: RegionalStandard, against: RegionalStandard | None = None
) -> StandardRedline:
    """Routes (by code) and bonus rules (by code) added, removed and changed field by
    field, and changed metadata. The routes of both versions come in one query, and so do
    their bonus rules: nothing is queried per row."""
    baseline = against if against is not None else standard_redline_baseline(standard)
    ids = [standard.pk] + ([baseline.pk] if baseline is not None else [])
    routes: dict[int, dict[str, RecognitionRoute]] = {pk: {} for pk in ids}
    for route in RecognitionRoute.objects.filter(regional_standard_id__in=ids):
        routes[cast(int, route.regional_standard_id)][route.code] = route
    rules: dict[int, dict[str, BonusRule]] = {pk: {} for pk in ids}
    for rule in BonusRule.objects.filter(regional_standard_id__in=ids):
        rules[rule.regional_standard_id][rule.code] = rule
    old_routes = routes[baseline.pk] if baseline is not None else {}
    old_rules = rules[baseline.pk] if baseline is not None else {}
    r_added, r_removed, r_changed, r_unchanged = _compare(
        RecognitionRoute, ROUTE_COMPARED, routes[standard.pk], old_routes
    )
    b_added, b_removed, b_changed, b_unchanged = _compare(
        BonusRule, BONUS_COMPARED, rules[standard.pk], old_rules
    )
    metadata = []
    if baseline is not None:
        for name in METADATA_COMPARED:
            before, after = getattr(baseline, name), getattr(standard, name)
            if before != after:
                metadata.append(FieldChange(name, _label(RegionalStandard, name), before, after))
    return StandardRedline(
        baseline,
        r_added,
        r_removed,
        r_changed,
        r_unchanged,
        b_added,
        b_removed,
        b_changed,
        b_unchanged,
        metadata,
    )


# --- Presenting the redline --------------------------------------------------------------------


@dataclass(frozen=True)
class ShownChange:
    """One changed field, its values as a person reads them (empty: not set)."""

    name: str
    label: str
    before: str
    after: str


def _shown(model: Any, name: str, value: Any) -> str:
    if value is None or value == "" or value == {}:
        return ""
    if name == "parameters":
        return parameters_text(value)
    field = model._meta.get_field(name)
    choices = getattr(field, "flatchoices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _shown_changes(model: Any, changes: list[FieldChange]) -> list[ShownChange]:
    return [
        ShownChange(c.name, c.label, _shown(model, c.name, c.old), _shown(model, c.name, c.new))
        for c in changes
    ]


# --- Access and forms --------------------------------------------------------------------------


def _require_reviewer(request: HttpRequest) -> User:
    """The signed-in ministry reviewer; 404 for everyone else."""
    user = request.user
    if not has_national_permission(user, REVIEW_PERMISSION):
        raise Http404
    return user  # type: ignore[return-value]


def _reviewable(pk: int) -> RegionalStandard:
    standard = reviewable_standard(pk)
    if standard is None:
        raise Http404
    return standard


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reasons"),
        help_text=gettext_lazy("The drafters of the province read them with the decision."),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, reason_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Shown as required where the lifecycle requires a reason; the lifecycle itself
        # decides on submission (a missing reason is refused there, with its message).
        self.fields["reason"].required = reason_required


@dataclass(frozen=True)
class Action:
    transition: Transition
    form: ReasonForm | None


# --- Pages ----------------------------------------------------------------------------------------


@login_required
def review(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    today = _today()
    rows = [
        (
            standard,
            working_days_between(timezone.localdate(standard.submitted_at), today)
            if standard.submitted_at is not None
            else None,
        )
        for standard in standards_for_review()
    ]
    return render(
        request,
        "talent_standards/review/queue.html",
        {
            "rows": rows,
            "decisions": recent_standard_decisions(),
            "reachable_states": [str(state) for state in REVIEWABLE_STATES],
        },
    )


@login_required
def review_standard(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_reviewer(request)
    standard = _reviewable(pk)
    today = _today()
    workflow = kind_of(standard).workflow
    redline = standard_redline(standard)
    actions = [
        Action(t, ReasonForm(prefix=t.name, reason_required=True) if t.reason_required else None)
        for t in workflow.available(standard, user)
    ]
    context = {
        "standard": standard,
        "state_label": workflow.state_label(standard.state),
        "validity": validity_of(standard),
        "redline": redline,
        "baseline_status": redline.against.status_on(today) if redline.against else None,
        "metadata": _shown_changes(RegionalStandard, redline.metadata),
        "routes_added": route_rows(redline.routes_added),
        "routes_removed": route_rows(redline.routes_removed),
        "routes_changed": [
            {"route": c.new, "changes": _shown_changes(RecognitionRoute, c.changes)}
            for c in redline.routes_changed
        ],
        "rules_added": rule_rows(redline.rules_added),
        "rules_removed": rule_rows(redline.rules_removed),
        "rules_changed": [
            {"rule": c.new, "changes": _shown_changes(BonusRule, c.changes)}
            for c in redline.rules_changed
        ],
        "route_count": len(redline.routes_added)
        + len(redline.routes_changed)
        + redline.routes_unchanged,
        "rule_count": len(redline.rules_added)
        + len(redline.rules_changed)
        + redline.rules_unchanged,
        "invitations": standard_invitations(standard),
        "comments": standard_comments(standard),
        "history": history_rows(standard, workflow),
        "actions": actions,
    }
    return render(request, "talent_standards/review/standard.html", context)


@login_required
@require_POST
def review_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user = _require_reviewer(request)
    standard = _reviewable(pk)
    form = ReasonForm(request.POST, prefix=name)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("reason", [])))
        return redirect("standards:review_standard", pk=standard.pk)
    try:
        done = filing_transition(
            actor=user,
            filing=standard,
            transition=name,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except (WorkflowError, FilingError) as exc:
        messages.error(request, exc.message)
    else:
        workflow = kind_of(done).workflow
        messages.success(
            request,
            _("“%(action)s” is done: version %(version)s is now %(state)s.")
            % {
                "action": workflow.get(name).label,
                "version": done.version,
                "state": workflow.state_label(done.state),
            },
        )
        if done.state not in REVIEWABLE_STATES:  # withdrawn: no longer on these pages
            return redirect("standards:review")
    return redirect("standards:review_standard", pk=standard.pk)


urlpatterns: list[URLPattern] = [
    path("standards-review/", review, name="review"),
    path("standards-review/<int:pk>/", review_standard, name="review_standard"),
    path(
        "standards-review/<int:pk>/do/<slug:name>/",
        review_transition,
        name="review_transition",
    ),
]
