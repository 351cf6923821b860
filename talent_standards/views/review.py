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
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalogs.selectors import FieldChange
from portal.access import has_national_permission
from portal.filings import FilingError, filing_transition, kind_of
from portal.models import User
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
    validity_of,
)

REVIEW_PERMISSION = "portal.review_filings"
REVIEWABLE_STATES = selectors.REVIEWABLE_STATES
REASON_MAX_LENGTH = 4000


def _today() -> dt.date:
    """Today in China; the one place the review pages read the date."""
    return timezone.localdate()


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
    standard = selectors.reviewable_standard(pk)
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
        for standard in selectors.standards_for_review()
    ]
    return render(
        request,
        "talent_standards/review/queue.html",
        {
            "rows": rows,
            "decisions": selectors.recent_standard_decisions(),
            "reachable_states": [str(state) for state in REVIEWABLE_STATES],
        },
    )


@login_required
def review_standard(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_reviewer(request)
    standard = _reviewable(pk)
    today = _today()
    workflow = kind_of(standard).workflow
    redline = selectors.standard_redline(standard)
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
        "invitations": selectors.standard_invitations(standard),
        "comments": selectors.standard_comments(standard),
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
