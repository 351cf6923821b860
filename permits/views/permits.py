"""Pages of work permits and notification letters after issuance.

Officers (acceptance and decision officers; the decision officers of the permit's province
alone act):

* ``review/permits/``: the permits of the officer's province(s), searched by permit or
  passport number, the worker's or the employer's name or identifier, filtered by status
  (read on today: a permit past its last day is expired at once) and category, the soonest
  end of validity first, paged without counting;
* ``review/permits/<pk>/``: one permit (holder, passport, employer, category, basis and
  route, validity, status, the lifelong permit number, its extensions and changes, the
  applications that led to it, the history of the permit and its letter); a decision
  officer of the province revokes it there (``revoke/``, through
  ``permits.services.permits.permit_revoke``);
* ``review/letters/<pk>/``: one notification letter; a valid one is revoked there by a
  decision officer (``revoke/``, ``letter_revoke``).

Employers' people (and agents under a power of attorney in force):

* ``permits/``: the permits of the employers they act for, with status and validity and,
  for each permit in force, the applications open to it now (an extension inside its
  window, a change, a cancellation: buttons that start the draft on the existing start
  page ``permits:application_start_from``), and their notification letters not yet used;
* ``permits/<pk>/``: one permit, read-only (no officer's names or internal reasons).

Anyone else gets 404 (another province's officer, another employer's people, employers
on the officers' pages and officers on the employers'); visitors are sent to sign in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from permits.access import employer_ids_for
from permits.forms.permits import LetterRevokeForm, PermitFilterForm, PermitRevokeForm
from permits.hooks import EMPLOYER_PEOPLE
from permits.models import Application, NotificationLetter, Permit
from permits.selectors import issued as issued_selectors
from permits.selectors import legacy as legacy_selectors
from permits.selectors import permit_pages as selectors
from permits.selectors.review import OfficerScope, officer_scope
from permits.services.permits import letter_revoke, permit_revoke
from permits.workflows.permit import (
    may_decide_letter,
    may_decide_permit,
)
from portal.access import role_names
from portal.models import User
from portal.pagination import page_of
from portal.workflow import WorkflowError

PAGE_SIZE = 25
AK = Application.Kind
P = Permit.State
L = NotificationLetter.State


def _today() -> dt.date:
    """Today in China; the one place these pages read the date (tests fix it here)."""
    return timezone.localdate()


def _officer(request: HttpRequest) -> tuple[User, OfficerScope]:
    scope = officer_scope(request.user)
    if not scope.is_officer:
        raise Http404
    return request.user, scope  # type: ignore[return-value]


def _permit(scope: OfficerScope, pk: int) -> Permit:
    permit = selectors.permit_for_officer(scope, pk)
    if permit is None:
        raise Http404
    return permit


def _letter(scope: OfficerScope, pk: int) -> NotificationLetter:
    letter = selectors.letter_for_officer(scope, pk)
    if letter is None:
        raise Http404
    return letter


def _status_label(status: str) -> str:
    return str(Permit.State(status).label)


def _kind_labels() -> dict[str, str]:
    return {
        AK.EXTENSION: _("Apply for an extension"),
        AK.CHANGE: _("Report a change"),
        AK.CANCELLATION: _("Cancel the permit"),
    }


@dataclass
class Refusal:
    message: str
    problems: list[str] = field(default_factory=list)


def _refuse(form: Any, exc: WorkflowError) -> Refusal | None:
    """Put the workflow's refusal on the field it concerns, else return it for the page."""
    target = form.refusal_field(str(exc.details.get("field", "")))
    if target is not None:
        form.add_error(target, exc.message)
        return None
    return Refusal(exc.message)


# --- Officers: the list ---------------------------------------------------------------------------


@login_required
@require_GET
def officer_permit_list(request: HttpRequest) -> HttpResponse:
    _user, scope = _officer(request)
    today = _today()
    form = PermitFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # the valid filters apply; the others are shown with their error
    filters = form.filters()
    page = page_of(
        selectors.officer_permits(scope, filters, today), request.GET.get("page"), PAGE_SIZE
    )
    rows = [(p, _status_label(p.status)) for p in page.object_list]  # type: ignore[attr-defined]
    return render(
        request,
        "permits/permits/officer_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "today": today,
            "filtered": filters != selectors.PermitFilters(),
        },
    )


# --- Officers: one permit -------------------------------------------------------------------------


def _permit_context(permit: Permit, today: dt.date, *, officer: bool) -> dict[str, Any]:
    status = permit.status_on(today)
    return {
        "permit": permit,
        "issued_documents": issued_selectors.permit_documents(permit),
        "status": status,
        "status_label": _status_label(status),
        "letter_status_label": (
            str(L(permit.letter.status_on(today)).label) if permit.letter is not None else ""
        ),
        "today": today,
        "changes": selectors.permit_changes(permit),
        "applications": selectors.permit_applications(permit, drafts=not officer),
        "history": selectors.permit_history(permit, _("Notification letter"), _("Permit")),
        "end_reasons": list(permit.end_reasons.all()),
        "officer": officer,
    }


def _render_permit(
    request: HttpRequest,
    user: User,
    permit: Permit,
    *,
    form: PermitRevokeForm | None = None,
    refusal: Refusal | None = None,
    status: int = 200,
) -> HttpResponse:
    today = _today()
    context = _permit_context(permit, today, officer=True)
    may_revoke = context["status"] == P.ACTIVE and may_decide_permit(user, permit)
    if form is not None or refusal is not None:
        context["revoke_form"] = form
    elif may_revoke:
        context["revoke_form"] = PermitRevokeForm(prefix="revoke")
    context["refusal"] = refusal
    return render(request, "permits/permits/officer_detail.html", context, status=status)


@login_required
@require_GET
def officer_permit(request: HttpRequest, pk: int) -> HttpResponse:
    user, scope = _officer(request)
    return _render_permit(request, user, _permit(scope, pk))


@login_required
@require_POST
def officer_permit_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user, scope = _officer(request)
    permit = _permit(scope, pk)
    form = PermitRevokeForm(request.POST, prefix="revoke")
    if not form.is_valid():
        return _render_permit(request, user, permit, form=form, status=422)
    try:
        done = permit_revoke(actor=user, permit=permit, request=request, **form.service_kwargs())
    except WorkflowError as exc:
        refusal = _refuse(form, exc)
        return _render_permit(request, user, permit, form=form, refusal=refusal, status=422)
    messages.success(
        request,
        _("Permit %(number)s is revoked as of %(day)s.")
        % {"number": done.permit_number, "day": done.ended_on.isoformat() if done.ended_on else ""},
    )
    return HttpResponseRedirect(reverse("permits:officer_permit", args=[permit.pk]) + "#main")


# --- Officers: one letter -------------------------------------------------------------------------


def _render_letter(
    request: HttpRequest,
    user: User,
    letter: NotificationLetter,
    *,
    form: LetterRevokeForm | None = None,
    refusal: Refusal | None = None,
    status: int = 200,
) -> HttpResponse:
    today = _today()
    letter_status = letter.status_on(today)
    context: dict[str, Any] = {
        "letter": letter,
        "issued_documents": issued_selectors.letter_documents(letter),
        "status": letter_status,
        "status_label": str(L(letter_status).label),
        "permit": selectors.letter_permit(letter),
        "history": selectors.letter_history(letter),
        "refusal": refusal,
        "today": today,
    }
    if form is not None or refusal is not None:
        context["revoke_form"] = form
    elif letter_status == L.VALID and may_decide_letter(user, letter):
        context["revoke_form"] = LetterRevokeForm(prefix="revoke")
    return render(request, "permits/permits/officer_letter.html", context, status=status)


@login_required
@require_GET
def officer_letter(request: HttpRequest, pk: int) -> HttpResponse:
    user, scope = _officer(request)
    return _render_letter(request, user, _letter(scope, pk))


@login_required
@require_POST
def officer_letter_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user, scope = _officer(request)
    letter = _letter(scope, pk)
    form = LetterRevokeForm(request.POST, prefix="revoke")
    if not form.is_valid():
        return _render_letter(request, user, letter, form=form, status=422)
    try:
        done = letter_revoke(actor=user, letter=letter, request=request, **form.service_kwargs())
    except WorkflowError as exc:
        refusal = _refuse(form, exc)
        return _render_letter(request, user, letter, form=form, refusal=refusal, status=422)
    messages.success(
        request,
        _("Notification letter %(number)s is revoked.") % {"number": done.number},
    )
    return HttpResponseRedirect(reverse("permits:officer_letter", args=[letter.pk]) + "#main")


# --- Employers ------------------------------------------------------------------------------------


def _employer_side(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not role_names(user) & EMPLOYER_PEOPLE:
        raise Http404
    return user


@login_required
@require_GET
def permit_list(request: HttpRequest) -> HttpResponse:
    user = _employer_side(request)
    today = _today()
    form = PermitFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    filters = form.filters()
    ids = employer_ids_for(user, today)
    page = page_of(
        selectors.employer_permit_list(user, today, filters), request.GET.get("page"), PAGE_SIZE
    )
    rows = selectors.permit_rows(page.object_list, today, _kind_labels())
    return render(
        request,
        "permits/permits/list.html",
        {
            "form": form,
            "page": page,
            "rows": [(row, _status_label(row.status)) for row in rows],
            "letters": [
                (letter, status, str(L(status).label))
                for letter in selectors.employer_letters(user, today)
                for status in (letter.status_on(today),)
            ]
            if page.number == 1
            else [],
            "legacy_documents": legacy_selectors.employer_legacy_documents(user, today)
            if page.number == 1
            else [],
            "several_employers": len(ids) > 1,
            "nobody": not ids,
            "filtered": filters != selectors.PermitFilters(),
            "today": today,
        },
    )


@login_required
@require_GET
def permit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _employer_side(request)
    today = _today()
    permit = selectors.permit_for_employer(user, pk, today)
    if permit is None:
        raise Http404
    context = _permit_context(permit, today, officer=False)
    context["rows"] = selectors.permit_rows(
        [permit], today, _kind_labels()
    )  # the applications open to it now
    return render(request, "permits/permits/detail.html", context)


urlpatterns: list[URLPattern] = [
    path("review/permits/", officer_permit_list, name="officer_permits"),
    path("review/permits/<int:pk>/", officer_permit, name="officer_permit"),
    path("review/permits/<int:pk>/revoke/", officer_permit_revoke, name="officer_permit_revoke"),
    path("review/letters/<int:pk>/", officer_letter, name="officer_letter"),
    path("review/letters/<int:pk>/revoke/", officer_letter_revoke, name="officer_letter_revoke"),
    path("permits/", permit_list, name="permits"),
    path("permits/<int:pk>/", permit_detail, name="permit"),
]
