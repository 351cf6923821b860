"""Page logic every filing kind shares (Guidance Catalogs, regional talent standards):
the lifecycle part of the drafter's workspace, running a lifecycle transition, opening a
consultation (choosing organizations with a search that works without JavaScript),
answering a comment, and the consulted stakeholders' list of consultations and comment
page.

These are plain functions, not views: each app keeps its view functions (its URLs point to
them), fetches the filing through its own access helper (404 for anyone else), and calls
the function here with what differs between the kinds: the template, the name the
template gives the filing, the workspace's URL, the comment or part it looked up. Like
every view they write only through services (``portal.filings``): a form validates, one
service writes, and a refusal of the service is shown to the person with nothing changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import has_role
from portal.filing_forms import AnswerForm, ConsultationForm, TransitionForm
from portal.filings import (
    FilingError,
    consultation_answer,
    consultation_comment,
    consultation_open,
    filing_transition,
    kind_of,
    stakeholder_organizations,
)
from portal.models import User
from portal.models.filing import (
    EDITABLE_STATES,
    PUBLISHED_STATES,
    ConsultationCommentBase,
    FilingBase,
    FilingState,
)
from portal.roles import Role
from portal.workflow import WorkflowError

FilingT = TypeVar("FilingT", bound=FilingBase)

# Organizations listed on the consultation page besides the ticked ones.
ORGANIZATIONS_SHOWN = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def form_errors(form: Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names when the form has
    it, else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- The drafter's workspace -------------------------------------------------------------------


def editable(filing: FilingBase) -> bool:
    """Whether the content may still change (draft or consultation)."""
    return filing.state in EDITABLE_STATES


def refuse_unless_editable(
    request: HttpRequest, filing: FilingBase, workspace: str
) -> HttpResponse | None:
    """Back to the workspace with the reason when the content can no longer change."""
    if editable(filing):
        return None
    messages.error(
        request,
        _("Version %(version)s is %(state)s: its content can no longer change.")
        % {"version": filing.version, "state": filing.get_state_display()},
    )
    return redirect(workspace)


def next_version_base(versions: Sequence[FilingT], today: dt.date) -> FilingT | None:
    """The version a new one starts from: the one in force, else the latest published."""
    published = [f for f in versions if f.state in PUBLISHED_STATES]
    in_force = [f for f in published if f.is_in_force_on(today)]
    if in_force:
        return in_force[0]
    return max(published, key=lambda f: f.version, default=None)


def consultation_is_open(filing: FilingBase, today: dt.date) -> bool:
    """Whether comments are still taken (the service decides; this is for the page)."""
    return filing.state == FilingState.CONSULTATION and (
        filing.consultation_deadline is None or today <= filing.consultation_deadline
    )


def lifecycle_context(
    filing: FilingBase,
    user: User,
    today: dt.date,
    *,
    invitations: list[Any],
    comments: list[Any],
) -> dict[str, Any]:
    """The lifecycle part of a workspace's context: the status, whether the content may
    change, the transitions the user may run, the consultation and its comments."""
    workflow = kind_of(filing).workflow
    return {
        "status": filing.status_on(today),
        "editable": editable(filing),
        "transitions": [
            {"transition": t, "reason_id": f"reason-{t.name}"}
            for t in workflow.available(filing, user)
        ],
        "invitations": invitations,
        "comments": comments,
        "unanswered": sum(1 for c in comments if not c.is_answered),
        "answerable": filing.state in (FilingState.DRAFT, FilingState.CONSULTATION),
        "consultation_open": consultation_is_open(filing, today),
    }


def drafting_transition(
    request: HttpRequest, filing: FilingBase, name: str, *, workspace: str
) -> HttpResponse:
    """Run the lifecycle transition ``name`` (with the reason posted), back to the
    workspace with what happened."""
    form = TransitionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        updated = filing_transition(
            actor=_user(request), filing=filing, transition=name, reason=reason, request=request
        )
    except (WorkflowError, FilingError) as exc:
        messages.error(request, exc.message)
    else:
        workflow = kind_of(updated).workflow
        messages.success(
            request,
            _("Done: %(action)s. Version %(version)s is now “%(state)s”.")
            % {
                "action": workflow.get(name).label,
                "version": updated.version,
                "state": workflow.state_label(updated.state),
            },
        )
    return redirect(workspace)


# --- Consultation (drafters) -------------------------------------------------------------------


def drafting_consultation(
    request: HttpRequest,
    filing: FilingBase,
    *,
    invitations: list[Any],
    template: str,
    context_name: str,
    workspace: str,
) -> HttpResponse:
    """Choose the organizations to consult and the deadline, and open the consultation.

    Without JavaScript the search for organizations is a second submit button of the same
    form, so that the organizations already ticked stay ticked. The template reads the
    filing as ``context_name``."""
    source = request.POST if request.method == "POST" else request.GET
    q = (source.get("q") or "").strip()[:100]
    searching = request.method == "POST" and "search" in request.POST
    if request.method == "POST":
        chosen = {int(v) for v in request.POST.getlist("organizations") if v.isdigit()}
    else:
        chosen = {i.organization_id for i in invitations}
    if request.method == "POST" and not searching:
        form = ConsultationForm(request.POST)
    else:
        form = ConsultationForm(
            initial={
                "organizations": sorted(chosen),
                "deadline": request.POST.get("deadline") or filing.consultation_deadline,
            }
        )
    can_open = filing.state == FilingState.DRAFT
    if form.is_bound and form.is_valid():
        try:
            consultation_open(
                actor=_user(request),
                filing=filing,
                organizations=form.cleaned_data["organizations"],
                deadline=form.cleaned_data["deadline"],
                request=request,
            )
        except ValidationError as exc:
            form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            if not can_open:  # the form is not shown: say it on the workspace
                messages.error(request, exc.message)
                return redirect(f"{workspace}#consultation")
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The consultation is open until %(date)s: %(n)d organizations are invited.")
                % {
                    "date": form.cleaned_data["deadline"].isoformat(),
                    "n": len(form.cleaned_data["organizations"]),
                },
            )
            return redirect(f"{workspace}#consultation")
    return render(
        request,
        template,
        {
            context_name: filing,
            "form": form,
            "q": q,
            "can_open": can_open,
            "invitations": invitations,
            "organizations": organizations_to_show(q, chosen) if can_open else [],
            "chosen": chosen,
        },
    )


def organizations_to_show(q: str, chosen: set[int]) -> list[Any]:
    """The ticked organizations first, then those matching the search (a bounded list)."""
    everyone = stakeholder_organizations()
    ticked = list(everyone.filter(pk__in=chosen)) if chosen else []
    matching = everyone.exclude(pk__in=chosen)
    if q:
        matching = matching.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q))
    return ticked + list(matching[:ORGANIZATIONS_SHOWN])


def drafting_comment_answer(
    request: HttpRequest,
    filing: FilingBase,
    comment: ConsultationCommentBase,
    *,
    template: str,
    context_name: str,
    workspace: str,
) -> HttpResponse:
    """Answer a comment of the filing's consultation (the app looked the comment up among
    the filing's)."""
    form = AnswerForm(request.POST or None, initial={"answer": comment.answer})
    if request.method == "POST" and form.is_valid():
        try:
            consultation_answer(
                actor=_user(request),
                comment=comment,
                text=form.cleaned_data["answer"],
                request=request,
            )
        except ValidationError as exc:
            form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
            return redirect(f"{workspace}#consultation")
        else:
            messages.success(
                request,
                _("The answer to %(organization)s is saved.")
                % {"organization": comment.organization.name},
            )
            return redirect(f"{workspace}#consultation")
    return render(
        request,
        template,
        {context_name: filing, "comment": comment, "form": form},
    )


# --- Consultation (stakeholders) ---------------------------------------------------------------


def consultations(
    request: HttpRequest,
    *,
    consulting: Callable[[User], Iterable[FilingBase]],
    template: str,
    row_name: str,
) -> HttpResponse:
    """The drafts the stakeholder's organization is invited to comment on
    (``consulting``: the app's selector), each row naming its filing ``row_name``."""
    user = _user(request)
    if not has_role(user, Role.STAKEHOLDER):
        raise Http404
    today = timezone.localdate()
    rows = [{row_name: f, "open": consultation_is_open(f, today)} for f in consulting(user)]
    return render(request, template, {"rows": rows})


def consultation_comment_view(
    request: HttpRequest,
    filing: FilingBase,
    *,
    part_name: str,
    part_of: Callable[[int], models.Model | None],
    comment_form: Callable[..., Form],
    back: str,
    template: str,
    context_name: str,
    part_context: Callable[[Any], dict[str, Any]] | None = None,
) -> HttpResponse:
    """A comment on the whole draft, or on one part of it: the request names the part's
    id as ``part_name`` (an entry, a route), ``part_of`` finds it among the filing's.

    ``comment_form``: the app's comment form bound to the filing (its part field is
    ``part_name``); ``back``: the stakeholder's page of the draft; ``part_context``: what
    else the template shows of the part."""
    raw_part = (
        request.POST.get(part_name) if request.method == "POST" else request.GET.get(part_name)
    )
    part = None
    if raw_part:
        part = part_of(int(raw_part)) if raw_part.isdigit() else None
        if part is None and request.method == "GET":
            raise Http404
    if request.method == "POST":
        form = comment_form(request.POST)
    else:
        form = comment_form(initial={part_name: part.pk if part else None})
    if request.method == "POST" and form.is_valid():
        try:
            consultation_comment(
                actor=_user(request),
                filing=filing,
                text=form.cleaned_data["text"],
                entry=form.cleaned_data[part_name],
                request=request,
            )
        except ValidationError as exc:
            form_errors(form, exc)
        except (WorkflowError, FilingError) as exc:
            messages.error(request, exc.message)
            return redirect(back)
        else:
            messages.success(request, _("Your comment is sent to the drafters."))
            return redirect(f"{back}#comments")
    return render(
        request,
        template,
        {
            context_name: filing,
            "form": form,
            part_name: part,
            **(part_context(part) if part_context else {}),
            "open": consultation_is_open(filing, timezone.localdate()),
        },
    )
