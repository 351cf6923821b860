"""The notification kinds of publications: work owed to the second officer, news to the
author, and reports delivered to the ministry.

Registered from ``PortalConfig.ready``; told by the effects of the publication workflow
(``portal.publication_workflow``), inside the transaction of the transition:

==================================  ========  ===============================================
kind                                required  who, when
==================================  ========  ===============================================
``publications.review_requested``   no        the authority's other information officers: a
                                              text waits for a second person's review
``publications.returned``           no        the author: the reviewer returned the text,
                                              with the reasons
``publications.published``          no        the author: the text is published (a report:
                                              delivered to the ministry)
``publications.report_delivered``   no        the ministry's information officers and
                                              reviewers: a province reported a matter
==================================  ========  ===============================================

A text may be submitted, returned and submitted again: each submission, return and
approval is its own event (the event key carries the moment of the transition).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.kernel_notifications import bilingual
from portal.models import Organization, Publication, User
from portal.notifications import (
    NotificationKind,
    notify,
    organization_users,
    register_kind,
    role_holders,
)
from portal.roles import Role
from portal.workflow import TransitionContext

REVIEW_REQUESTED = "publications.review_requested"
RETURNED = "publications.returned"
PUBLISHED = "publications.published"
REPORT_DELIVERED = "publications.report_delivered"
PERMISSION = "publish_information"

OFFICERS = frozenset({Role.INFORMATION_OFFICER.value})

KINDS: tuple[NotificationKind, ...] = (
    NotificationKind(
        key=REVIEW_REQUESTED,
        roles=OFFICERS,
        label=_("A text of your authority waits for your review"),
        subject=_("To review: %(title)s"),
        body=_(
            "%(author)s submitted “%(title)s” for review. Another information officer of "
            "the authority must approve it before it is published (or delivered)."
        ),
        description=_("For information officers: texts written by a colleague."),
    ),
    NotificationKind(
        key=RETURNED,
        roles=OFFICERS,
        label=_("Your text was returned"),
        subject=_("Returned: %(title)s"),
        body=_("%(reviewer)s returned “%(title)s” with these reasons:\n\n%(reason)s"),
        description=_("For authors: the reviewer's reasons."),
    ),
    NotificationKind(
        key=PUBLISHED,
        roles=OFFICERS,
        label=_("Your text was published"),
        subject=_("Published: %(title)s"),
        body=_("%(reviewer)s approved “%(title)s”; it is published as of %(date)s."),
        description=_("For authors: a second officer approved the text."),
    ),
    NotificationKind(
        key=REPORT_DELIVERED,
        roles=frozenset({Role.INFORMATION_OFFICER.value, Role.MINISTRY_REVIEWER.value}),
        label=_("A province reported to the ministry"),
        subject=_("Report from %(authority)s: %(title)s"),
        body=_("%(authority)s reported to the ministry on %(date)s: “%(title)s”."),
        description=_("For the ministry: reports of significant matters from the provinces."),
    ),
)


def register() -> None:
    for kind in KINDS:
        register_kind(kind)


def _values(publication: Publication) -> dict[str, str | int]:
    authority = publication.authority
    return {
        **bilingual("title", publication.title_zh, publication.title_en),
        **bilingual("authority", authority.name_zh, authority.name_en),
    }


def _key(publication: Publication, what: str, context: TransitionContext) -> str:
    return f"publication:{publication.pk}:{what}:{context.now.isoformat()}"


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _author(publication: Publication) -> Iterable[User]:
    author = publication.author
    return [author] if author is not None and author.is_active else []


def ministry_readers() -> QuerySet[User]:
    """Who reads the provinces' reports: the ministry's information officers and the
    ministry reviewers."""
    ministries = Organization.objects.filter(kind=Organization.Kind.MINISTRY)
    ids: set[int] = set(role_holders(Role.MINISTRY_REVIEWER.value).values_list("pk", flat=True))
    for pk in ministries.values_list("pk", flat=True):
        ids.update(organization_users(pk, PERMISSION).values_list("pk", flat=True))
    return User.objects.filter(pk__in=ids)


def tell_submitted(publication: Publication, context: TransitionContext) -> None:
    colleagues = organization_users(publication.authority_id, PERMISSION)
    if context.actor is not None:
        colleagues = colleagues.exclude(pk=context.actor.pk)
    notify(
        kind=REVIEW_REQUESTED,
        event_key=_key(publication, "submitted", context),
        recipients=colleagues,
        params={**_values(publication), "author": _name(context.actor)},
        url=reverse("publications:desk_detail", args=[publication.pk]),
    )


def tell_returned(publication: Publication, context: TransitionContext) -> None:
    notify(
        kind=RETURNED,
        event_key=_key(publication, "returned", context),
        recipients=_author(publication),
        params={
            **_values(publication),
            "reviewer": _name(context.actor),
            "reason": context.reason,
        },
        url=reverse("publications:desk_detail", args=[publication.pk]),
    )


def tell_approved(publication: Publication, context: TransitionContext) -> None:
    day = publication.published_on.isoformat() if publication.published_on else ""
    notify(
        kind=PUBLISHED,
        event_key=_key(publication, "approved", context),
        recipients=_author(publication),
        params={**_values(publication), "reviewer": _name(context.actor), "date": day},
        url=reverse("publications:desk_detail", args=[publication.pk]),
    )
    if publication.kind == Publication.Kind.REPORT:
        notify(
            kind=REPORT_DELIVERED,
            event_key=f"publication:{publication.pk}:delivered",
            recipients=ministry_readers(),
            params={**_values(publication), "date": day},
            url=reverse("publications:desk_detail", args=[publication.pk]),
        )
