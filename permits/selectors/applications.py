"""Reads of applications for the employer's side: one application with everything its
page needs (a fixed number of queries), and the applications of the employers a user may
act for (newest first, keyset-friendly: no COUNT is needed to page through them).

"Not found" and "not yours" look the same: ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from permits.access import employer_ids_for, may_accept, may_decide
from permits.models import Application, Document, InformationItem, InformationRequest
from portal.access import AnyUser


def _with_page_parts(queryset: QuerySet[Application]) -> QuerySet[Application]:
    return queryset.select_related(
        "employer",
        "agency",
        "created_by",
        "copied_from",
        "region",
        "work_region",
        "foreigner",
        "passport",
        "occupation",
        "permit",
        "permit__basis_region",
        "letter",
        "route_confirmed_by",
    ).prefetch_related(
        Prefetch(
            "documents",
            queryset=Document.objects.select_related(
                "file", "uploaded_by", "carried_from"
            ).order_by("kind", "uploaded_at", "pk"),
        ),
        Prefetch(
            "information_requests",
            queryset=InformationRequest.objects.select_related("requested_by", "answered_by")
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=InformationItem.objects.select_related(
                        "document", "document__file"
                    ).order_by("position"),
                )
            )
            .order_by("-requested_at", "-pk"),
        ),
        "decision_reasons",
    )


def application_page(pk: int) -> Application | None:
    """One application with its employer, agency, worker and passport, job, permit or
    letter, documents (with their files), information requests with their items, and the
    decision's reasons: 6 queries whatever their number."""
    return _with_page_parts(Application.objects.filter(pk=pk)).first()


def application_for_user(user: AnyUser, pk: int) -> Application | None:
    """The application if the user may see it: its employer's people (or an agency under
    a power of attorney in force), or an officer of its place of work or province."""
    application = application_page(pk)
    if application is None:
        return None
    if application.employer_id in employer_ids_for(user):
        return application
    if may_accept(user, application) or may_decide(user, application):
        return application
    return None


def employer_applications(
    user: AnyUser,
    *,
    employer_ids: Iterable[int] | None = None,
    states: Iterable[str] = (),
    kinds: Iterable[str] = (),
) -> QuerySet[Application]:
    """The applications of the employers the user may act for (narrowed to
    ``employer_ids`` when given), newest change first, with what a list row shows. Page
    it by ``(updated_at, id)``: the index ``application_employer_idx`` serves the order."""
    allowed = employer_ids_for(user)
    if employer_ids is not None:
        allowed = allowed & frozenset(int(pk) for pk in employer_ids)
    if not allowed:
        return Application.objects.none()
    queryset = Application.objects.filter(employer_id__in=sorted(allowed))
    wanted_states = list(states)
    if wanted_states:
        queryset = queryset.filter(state__in=wanted_states)
    wanted_kinds = list(kinds)
    if wanted_kinds:
        queryset = queryset.filter(kind__in=wanted_kinds)
    return queryset.select_related(
        "employer", "agency", "foreigner", "occupation", "region", "work_region"
    ).order_by("-updated_at", "-id")


def open_information_items(application: Application) -> list[InformationItem]:
    """The items of the application's open request, in order (the employer's checklist)."""
    return list(
        InformationItem.objects.filter(
            request__application=application, request__answered_at__isnull=True
        )
        .select_related("document", "document__file")
        .order_by("position")
    )
