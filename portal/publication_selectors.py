"""Reads of publications, scoped by who asks.

* The public sees published announcements, policy interpretations and FAQ entries; never
  a draft, never a report.
* An information officer sees everything of their own authority, in every state.
* Reports a province delivered to the ministry (published, or withdrawn afterwards) are
  read by the ministry's information officers and the ministry reviewers as well.

Search is a case-insensitive substring match (``icontains``) over both languages' titles
and texts: Chinese has no spaces between words, so the databases' word-based full-text
search finds nothing inside a Chinese sentence without an extra segmenter (zhparser,
pg_jieba), while the number of publications stays small (thousands, not millions) and
the public list is already limited to published rows by its index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from portal.access import AnyUser, has_role, organizations_for
from portal.models import Organization, Publication, PublicationLink
from portal.publication_workflow import PERMISSION
from portal.roles import Role

K = Publication.Kind
S = Publication.State
PUBLIC_KINDS: tuple[str, ...] = (K.ANNOUNCEMENT, K.INTERPRETATION, K.FAQ)
MINISTRY_CODE = "mohrss"
DELIVERED_STATES: tuple[str, ...] = (S.PUBLISHED, S.WITHDRAWN)
DESK_OPEN_STATES: tuple[str, ...] = (S.DRAFT, S.IN_REVIEW, S.RETURNED)


# --- Authorities ------------------------------------------------------------------------------


def _authority_filter() -> Q:
    return Q(kind=Organization.Kind.MINISTRY) | Q(
        kind=Organization.Kind.PROVINCIAL_AUTHORITY,
        authority_level=Organization.AuthorityLevel.PROVINCIAL,
    )


def publishing_authorities() -> list[Organization]:
    """The ministry first, then the provincial-level authorities by their province's code."""
    found = list(
        Organization.objects.filter(_authority_filter(), is_active=True).select_related("region")
    )
    return sorted(found, key=lambda o: (o.kind != Organization.Kind.MINISTRY, authority_code(o)))


def authority_code(authority: Organization) -> str:
    """The authority in addresses: ``mohrss`` for the ministry, else its province's code."""
    if authority.kind == Organization.Kind.MINISTRY:
        return MINISTRY_CODE
    return authority.region.code if authority.region is not None else ""


def authority_by_code(code: str) -> Organization | None:
    query = Organization.objects.filter(_authority_filter(), is_active=True).select_related(
        "region"
    )
    if code == MINISTRY_CODE:
        return query.filter(kind=Organization.Kind.MINISTRY).order_by("pk").first()
    return query.filter(region__code=code).exclude(kind=Organization.Kind.MINISTRY).first()


def is_publishing_authority(organization: Organization) -> bool:
    return organization.kind == Organization.Kind.MINISTRY or organization.is_provincial_authority


def publishing_authority(user: AnyUser) -> Organization | None:
    """The authority the user writes for (``publish_information`` on it), if any."""
    return organizations_for(user, PERMISSION).select_related("region").order_by("pk").first()


# --- The public -------------------------------------------------------------------------------


def public_publications(
    *,
    q: str = "",
    authority: Organization | None = None,
    kind: str = "",
    year: int | None = None,
    subject: tuple[str, str] | None = None,
) -> QuerySet[Publication]:
    """Published announcements, interpretations and FAQ entries, newest first."""
    qs = Publication.objects.filter(state=S.PUBLISHED, kind__in=PUBLIC_KINDS)
    if authority is not None:
        qs = qs.filter(authority=authority)
    if kind:
        qs = qs.filter(kind=kind)
    if year is not None:
        qs = qs.filter(
            published_on__gte=dt.date(year, 1, 1), published_on__lte=dt.date(year, 12, 31)
        )
    if subject is not None:
        qs = qs.filter(
            pk__in=PublicationLink.objects.filter(
                subject_kind=subject[0], subject_key=subject[1]
            ).values("publication_id")
        )
    for word in q.split()[:5]:
        qs = qs.filter(
            Q(title_zh__icontains=word)
            | Q(title_en__icontains=word)
            | Q(body_zh__icontains=word)
            | Q(body_en__icontains=word)
        )
    return qs.select_related("authority__region").order_by("-published_on", "-pk")


def public_publication(pk: int) -> Publication | None:
    return (
        Publication.objects.filter(pk=pk, state=S.PUBLISHED, kind__in=PUBLIC_KINDS)
        .select_related("authority__region")
        .prefetch_related(_links())
        .first()
    )


def about_subject(kind: str, key: str, limit: int = 5) -> list[Publication]:
    """What was published about a subject, newest first: one query (one row more than
    ``limit``, so that the caller knows whether there are more)."""
    return list(
        public_publications(subject=(kind, key)).defer(
            "body_zh", "body_en", "body_zh_html", "body_en_html"
        )[: limit + 1]
    )


# --- Information officers ---------------------------------------------------------------------


def _links() -> Prefetch[Any]:
    return Prefetch("links", queryset=PublicationLink.objects.order_by("subject_kind", "pk"))


def desk_publications(
    user: AnyUser, *, states: Iterable[str] | None = None, kinds: Iterable[str] | None = None
) -> QuerySet[Publication]:
    """Everything of the authorities the user writes for, most recently changed first."""
    qs = Publication.objects.filter(authority__in=organizations_for(user, PERMISSION))
    if states is not None:
        qs = qs.filter(state__in=list(states))
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    return qs.select_related("authority__region", "author", "reviewer").order_by(
        "-updated_at", "-pk"
    )


def reads_delivered_reports(user: AnyUser) -> bool:
    """Ministry information officers and ministry reviewers read the provinces' reports."""
    if has_role(user, Role.MINISTRY_REVIEWER):
        return True
    return (
        has_role(user, Role.INFORMATION_OFFICER)
        and organizations_for(user, PERMISSION).filter(kind=Organization.Kind.MINISTRY).exists()
    )


def delivered_reports(user: AnyUser) -> QuerySet[Publication]:
    """Reports the provinces delivered to the ministry, newest first (none for others)."""
    if not reads_delivered_reports(user):
        return Publication.objects.none()
    return (
        Publication.objects.filter(kind=K.REPORT, state__in=DELIVERED_STATES)
        .select_related("authority__region", "author", "reviewer")
        .order_by("-published_on", "-pk")
    )


def publication_for_officer(user: AnyUser, pk: int) -> Publication | None:
    """A publication of the user's own authority, or a delivered report for the ministry."""
    visible = Q(authority__in=organizations_for(user, PERMISSION))
    if reads_delivered_reports(user):
        visible |= Q(kind=K.REPORT, state__in=DELIVERED_STATES)
    return (
        Publication.objects.filter(visible, pk=pk)
        .select_related("authority__region", "author", "reviewer")
        .prefetch_related(_links())
        .first()
    )
