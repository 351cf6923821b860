"""Pages of the catalogs app for ministry reviewers (``portal.review_filings``).

* ``review``: the catalogs filed with the ministry, oldest first, with how long each has
  waited in working days, and the latest decisions;
* ``review_catalog``: one submission read as a redline against the version in force, with
  the consultation (who was invited, every comment and the drafter's answer) and the
  history of the filing;
* ``review_transition``: the decisions (start the review, approve, return with reasons),
  made through ``portal.filings.filing_transition``; a refusal is shown and changes nothing.

Anyone who is not a ministry reviewer gets 404, and so do catalogs the ministry does not see
(drafts, catalogs in consultation, versions no longer current).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from catalogs import selectors
from catalogs.models import CatalogEntry, GuidanceCatalog
from portal.access import has_national_permission
from portal.filings import FilingError, add_years, filing_transition, kind_of, validity_problems
from portal.models import TransitionRecord, User
from portal.workdays import working_days_between
from portal.workflow import Transition, WorkflowError, history

REVIEW_PERMISSION = "portal.review_filings"
# What the ministry sees: filed versions and what became of them while still current.
REVIEWABLE_STATES = selectors.REVIEWABLE_STATES
REASON_MAX_LENGTH = 4000


def _today() -> dt.date:
    """Today in China; the one place the review pages read the date (tests fix it here)."""
    return timezone.localdate()


# --- Access and reads --------------------------------------------------------------------------


def _require_reviewer(request: HttpRequest) -> User:
    """The signed-in ministry reviewer; 404 for everyone else."""
    user = request.user
    if not has_national_permission(user, REVIEW_PERMISSION):
        raise Http404
    return user  # type: ignore[return-value]


def _reviewable_catalog(pk: int) -> GuidanceCatalog:
    """A catalog the ministry sees; 404 for drafts and the like."""
    catalog = selectors.reviewable_catalog(pk)
    if catalog is None:
        raise Http404
    return catalog


# --- Presenting values --------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownChange:
    """One changed field, its values as a person reads them (empty: not set)."""

    name: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ShownEntryChange:
    entry: CatalogEntry  # the entry as submitted
    changes: list[ShownChange]


def _shown(model: type[models.Model], name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    field = model._meta.get_field(name)
    choices = getattr(field, "flatchoices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2, force_grouping=True)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _shown_changes(model: type[models.Model], changes: list[Any]) -> list[ShownChange]:
    return [
        ShownChange(c.name, c.label, _shown(model, c.name, c.old), _shown(model, c.name, c.new))
        for c in changes
    ]


@dataclass(frozen=True)
class Validity:
    years: int
    days: int
    problems: list[str]

    @property
    def text(self) -> str:
        years = ngettext("%(n)d year", "%(n)d years", self.years) % {"n": self.years}
        if not self.days:
            return years
        days = ngettext("%(n)d day", "%(n)d days", self.days) % {"n": self.days}
        return _("%(years)s and %(days)s") % {"years": years, "days": days}


def _validity(catalog: GuidanceCatalog) -> Validity | None:
    """How long the catalog would be valid, in whole years and days, and what is wrong
    with it (the same rule the filing lifecycle applies)."""
    start, end = catalog.effective_from, catalog.expires_on
    if start is None or end is None:
        return None
    years = 0
    while add_years(start, years + 1) - dt.timedelta(days=1) <= end:
        years += 1
    last_full_year_day = add_years(start, years) - dt.timedelta(days=1)
    return Validity(years, (end - last_full_year_day).days, validity_problems(start, end))


@dataclass(frozen=True)
class HistoryRow:
    record: TransitionRecord
    action: str
    from_state: str
    to_state: str


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
        (catalog, working_days_between(timezone.localdate(catalog.submitted_at), today))
        if catalog.submitted_at is not None
        else (catalog, None)
        for catalog in selectors.catalogs_for_review()
    ]
    return render(
        request,
        "catalogs/review/queue.html",
        {
            "rows": rows,
            "decisions": selectors.recent_catalog_decisions(),
            "reachable_states": [str(state) for state in REVIEWABLE_STATES],
        },
    )


@login_required
def review_catalog(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_reviewer(request)
    catalog = _reviewable_catalog(pk)
    today = _today()
    workflow = kind_of(catalog).workflow
    redline = selectors.catalog_redline(catalog)
    changed = [
        ShownEntryChange(c.new, _shown_changes(CatalogEntry, c.changes)) for c in redline.changed
    ]
    records = [
        HistoryRow(
            record,
            str(workflow.get(record.transition).label),
            workflow.state_label(record.from_state),
            workflow.state_label(record.to_state),
        )
        for record in history(catalog)
    ]
    actions = [
        Action(t, ReasonForm(prefix=t.name, reason_required=True) if t.reason_required else None)
        for t in workflow.available(catalog, user)
    ]
    context = {
        "catalog": catalog,
        "state_label": workflow.state_label(catalog.state),
        "validity": _validity(catalog),
        "redline": redline,
        "baseline_status": redline.against.status_on(today) if redline.against else None,
        "changed": changed,
        "metadata": _shown_changes(GuidanceCatalog, redline.metadata),
        "entry_count": len(redline.added) + len(redline.changed) + redline.unchanged,
        "invitations": list(
            catalog.invitations.select_related("organization").order_by("invited_at", "pk")
        ),
        "comments": selectors.catalog_comments(catalog),
        "history": records,
        "actions": actions,
    }
    return render(request, "catalogs/review/catalog.html", context)


@login_required
@require_POST
def review_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user = _require_reviewer(request)
    catalog = _reviewable_catalog(pk)
    form = ReasonForm(request.POST, prefix=name)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("reason", [])))
        return redirect("catalogs:review_catalog", pk=catalog.pk)
    try:
        done = filing_transition(
            actor=user,
            filing=catalog,
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
            return redirect("catalogs:review")
    return redirect("catalogs:review_catalog", pk=catalog.pk)


urlpatterns: list[URLPattern] = [
    path("review/catalogs/", review, name="review"),
    path("review/catalogs/<int:pk>/", review_catalog, name="review_catalog"),
    path(
        "review/catalogs/<int:pk>/do/<slug:name>/",
        review_transition,
        name="review_transition",
    ),
]
