"""Pages of publications (``portal.publication_urls``).

* everyone: the list with its search and filters, an authority's list, a publication, the
  RSS and Atom feeds (``portal.publication_feeds``);
* information officers: their authority's desk, the draft form, the review page;
* the ministry's information officers and reviewers: the reports the provinces delivered.

Thin: a view validates input with a form, reads through a scoped selector (someone else's
draft answers 404, like one that does not exist), calls one service and renders.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal import publication_selectors as selectors
from portal import publication_services as services
from portal.models import Publication, User
from portal.pagination import page_of
from portal.publication_forms import PublicationForm, PublicationSearchForm, ReasonForm
from portal.publication_workflow import PUBLICATION_WORKFLOW
from portal.publications import Subject, describe_subject, subject_value
from portal.services import ServiceError
from portal.workflow import WorkflowError

PAGE_SIZE = 20
DESK_PAGE_SIZE = 25
S = Publication.State
ACTIONS = ("submit", "approve", "return", "revise", "withdraw")
REASONED = ("return", "withdraw")


def _feeds(code: str = "") -> dict[str, str]:
    if code:
        return {
            "rss": reverse("publications:authority_rss", args=[code]),
            "atom": reverse("publications:authority_atom", args=[code]),
        }
    return {"rss": reverse("publications:rss"), "atom": reverse("publications:atom")}


def _subjects(publication: Publication) -> list[Subject]:
    found = (
        describe_subject(link.subject_kind, link.subject_key) for link in publication.links.all()
    )
    return [subject for subject in found if subject is not None]


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Everyone ---------------------------------------------------------------------------------


def _list_page(
    request: HttpRequest, form: PublicationSearchForm, filters: dict[str, Any], **context: Any
) -> HttpResponse:
    page = page_of(selectors.public_publications(**filters), request.GET.get("page"), PAGE_SIZE)
    subject = filters.get("subject")
    return render(
        request,
        "publications/list.html",
        {
            "form": form,
            "page": page,
            "about": describe_subject(*subject) if subject else None,
            "filtered": any(filters.get(n) for n in ("q", "kind", "year", "subject"))
            or ("authority" in form.fields and filters.get("authority") is not None),
            **context,
        },
    )


@require_safe
def publication_list(request: HttpRequest) -> HttpResponse:
    form = PublicationSearchForm(
        request.GET or None, authorities=selectors.publishing_authorities()
    )
    return _list_page(request, form, form.filters(), feeds=_feeds(), authority=None)


@require_safe
def authority_publications(request: HttpRequest, code: str) -> HttpResponse:
    authority = selectors.authority_by_code(code)
    if authority is None:
        raise Http404
    form = PublicationSearchForm(request.GET or None, authorities=[], with_authority=False)
    filters = {**form.filters(), "authority": authority}
    return _list_page(request, form, filters, feeds=_feeds(code), authority=authority)


@require_safe
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = selectors.public_publication(pk)
    if publication is None:
        raise Http404
    language = translation.get_language() or "zh-hans"
    title, summary, html, fallback = publication.text_in(language)
    shown_in_english = language.startswith("en") != fallback
    return render(
        request,
        "publications/detail.html",
        {
            "publication": publication,
            "title": title,
            "summary": summary,
            "body_html": html,
            "fallback": fallback,
            "text_lang": "en" if shown_in_english else "zh-Hans",
            "subjects": _subjects(publication),
            "authority_code": selectors.authority_code(publication.authority),
        },
    )


# --- Information officers ---------------------------------------------------------------------


def _officer(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if selectors.publishing_authority(user) is None and not selectors.reads_delivered_reports(user):
        raise Http404
    return user


@require_safe
@login_required
def desk(request: HttpRequest) -> HttpResponse:
    user = _officer(request)
    authority = selectors.publishing_authority(user)
    open_items = list(selectors.desk_publications(user, states=selectors.DESK_OPEN_STATES))
    done = page_of(
        selectors.desk_publications(user, states=(S.PUBLISHED, S.WITHDRAWN)),
        request.GET.get("page"),
        DESK_PAGE_SIZE,
    )
    return render(
        request,
        "publications/desk.html",
        {
            "authority": authority,
            "to_review": [
                p for p in open_items if p.state == S.IN_REVIEW and p.author_id != user.pk
            ],
            "open_items": [
                p for p in open_items if not (p.state == S.IN_REVIEW and p.author_id != user.pk)
            ],
            "page": done,
            "reads_reports": selectors.reads_delivered_reports(user),
            "authority_code": selectors.authority_code(authority) if authority else "",
        },
    )


@require_safe
@login_required
def reports(request: HttpRequest) -> HttpResponse:
    if not selectors.reads_delivered_reports(request.user):
        raise Http404
    page = page_of(
        selectors.delivered_reports(request.user), request.GET.get("page"), DESK_PAGE_SIZE
    )
    return render(request, "publications/reports.html", {"page": page})


@login_required
def publication_new(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    authority = selectors.publishing_authority(user)
    if authority is None or not selectors.is_publishing_authority(authority):
        raise Http404
    initial = {"kind": request.GET.get("kind", Publication.Kind.ANNOUNCEMENT)}
    form = PublicationForm(request.POST or None, authority=authority, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            publication = services.publication_create(
                actor=user,
                kind=form.cleaned_data["kind"],
                subjects=form.subject_pairs(),
                request=request,
                **form.text(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The draft was saved."))
            return redirect("publications:desk_detail", pk=publication.pk)
    return render(
        request,
        "publications/form.html",
        {"form": form, "authority": authority, "publication": None},
    )


def _own(request: HttpRequest, pk: int) -> Publication:
    publication = selectors.publication_for_officer(request.user, pk)
    if publication is None:
        raise Http404
    return publication


@login_required
def publication_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    publication = _own(request, pk)
    if publication.author_id != user.pk or publication.state not in services.EDITABLE_STATES:
        raise Http404
    initial = {
        **{name: getattr(publication, name) for name in services.TEXT_FIELDS},
        "subjects": [
            subject_value(link.subject_kind, link.subject_key) for link in publication.links.all()
        ],
    }
    form = PublicationForm(
        request.POST or None,
        authority=publication.authority,
        editing=publication,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.publication_update(
                actor=user,
                publication=publication,
                subjects=form.subject_pairs(),
                request=request,
                **form.text(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        except (ServiceError, WorkflowError) as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The draft was saved."))
            return redirect("publications:desk_detail", pk=publication.pk)
    return render(
        request,
        "publications/form.html",
        {"form": form, "authority": publication.authority, "publication": publication},
    )


@login_required
def desk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer's view of a publication, with what they may do with it now."""
    user: User = request.user  # type: ignore[assignment]
    publication = _own(request, pk)
    reason_form = ReasonForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404
        reason = ""
        valid = True
        if action in REASONED:
            reason_form = ReasonForm(request.POST)
            valid = reason_form.is_valid()
            reason = reason_form.cleaned_data.get("reason", "") if valid else ""
        if valid:
            try:
                services.publication_transition(
                    actor=user,
                    publication=publication,
                    transition=action,
                    reason=reason,
                    request=request,
                )
            except (WorkflowError, ServiceError) as error:
                messages.error(request, error.message)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _done_message(publication, action))
            return redirect("publications:desk_detail", pk=publication.pk)
    available = {t.name for t in PUBLICATION_WORKFLOW.available(publication, user)}
    is_author = publication.author_id == user.pk
    if is_author:
        # Four eyes: the author is refused by the rule; the page does not offer it.
        available -= {"approve", "return"}
    return render(
        request,
        "publications/desk_detail.html",
        {
            "publication": publication,
            "subjects": _subjects(publication),
            "available": available,
            "is_author": is_author,
            "may_edit": is_author and publication.state in services.EDITABLE_STATES,
            "reason_form": reason_form,
            "authority_code": selectors.authority_code(publication.authority),
        },
    )


def _done_message(publication: Publication, action: str) -> str:
    if action == "approve":
        if publication.is_report:
            return _("Approved: the report was delivered to the ministry.")
        return _("Approved: the text is published.")
    if action == "submit":
        return _("Submitted: another information officer of your authority reviews it now.")
    if action == "return":
        return _("Returned to the author with your reasons.")
    if action == "revise":
        return _("The text is a draft again.")
    return _("Withdrawn.")
