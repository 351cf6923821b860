"""The lifecycle of a publication (and of a report to the ministry), as data.

    draft ─submit─> in_review ─approve─> published ─withdraw─> withdrawn
      ^                  └─return─> returned
      └──────revise─────────────────────┘

* ``submit`` and ``revise``: the author, while an information officer of the authority;
* ``approve`` and ``return``: an information officer of the same authority who is not the
  author (four eyes: the guard refuses the author with a message that says so);
* ``withdraw``: any information officer of the authority, with a reason.

A report (kind ``report``, filed by a provincial authority only) runs the same table;
"published" then means delivered to the ministry: it is never public.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal import publication_notifications
from portal.access import AnyUser, organizations_for
from portal.models import Publication, PublicationLink
from portal.publications import touch_subjects
from portal.workflow import GuardFailed, Transition, TransitionContext, Workflow

S = Publication.State
PERMISSION = "publish_information"


# --- Permissions ------------------------------------------------------------------------------


def is_officer_of(user: AnyUser, authority_id: int) -> bool:
    """Whether the user holds ``publish_information`` on the authority."""
    return organizations_for(user, PERMISSION).filter(pk=authority_id).exists()


def may_review(user: AnyUser, publication: Publication) -> bool:
    return is_officer_of(user, publication.authority_id)


def is_author(user: AnyUser, publication: Publication) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and user.pk == publication.author_id
        and is_officer_of(user, publication.authority_id)
    )


# --- Guards -----------------------------------------------------------------------------------


def content_problems(publication: Publication) -> dict[str, str]:
    """What the text lacks: a language with a title has its text and the other way round,
    and at least one language is complete. Field name -> message."""
    problems: dict[str, str] = {}
    for language in ("zh", "en"):
        title = getattr(publication, f"title_{language}").strip()
        body = getattr(publication, f"body_{language}").strip()
        if title and not body:
            problems[f"body_{language}"] = gettext("Write the text that goes with this title.")
        elif body and not title:
            problems[f"title_{language}"] = gettext("Give this text its title.")
    if not problems and not (publication.title_zh.strip() or publication.title_en.strip()):
        problems["title_zh"] = gettext(
            "Write the title and the text in Chinese, in English, or in both."
        )
    return problems


def guard_content_complete(publication: Publication, context: TransitionContext) -> None:
    problems = content_problems(publication)
    if problems:
        raise GuardFailed(" ".join(problems.values()), details={"fields": problems})


def guard_not_author(publication: Publication, context: TransitionContext) -> None:
    if context.actor is not None and context.actor.pk == publication.author_id:
        raise GuardFailed(
            gettext(
                "You wrote this text: another information officer of your authority must "
                "review it (four-eyes rule)."
            ),
            details={"rule": "four_eyes"},
        )


# --- Effects ----------------------------------------------------------------------------------


def effect_submitted(publication: Publication, context: TransitionContext) -> list[str]:
    publication.submitted_at = context.now
    publication_notifications.tell_submitted(publication, context)
    return ["submitted_at", "updated_at"]


def effect_approved(publication: Publication, context: TransitionContext) -> list[str]:
    publication.reviewer = context.actor
    publication.published_on = timezone.localdate(context.now)
    publication.returned_reason = ""
    publication_notifications.tell_approved(publication, context)
    return ["reviewer", "published_on", "returned_reason", "updated_at"]


def effect_returned(publication: Publication, context: TransitionContext) -> list[str]:
    publication.reviewer = context.actor
    publication.returned_reason = context.reason
    publication_notifications.tell_returned(publication, context)
    return ["reviewer", "returned_reason", "updated_at"]


def effect_withdrawn(publication: Publication, context: TransitionContext) -> list[str]:
    publication.withdrawn_at = context.now
    publication.withdrawn_reason = context.reason
    return ["withdrawn_at", "withdrawn_reason", "updated_at"]


def effect_touch(publication: Publication, context: TransitionContext) -> list[str]:
    return ["updated_at"]


# --- After commit -----------------------------------------------------------------------------


def hook_touch_subjects(pk: int) -> None:
    """Pages about the linked subjects change: their conditional-request stamps too."""
    touch_subjects(
        PublicationLink.objects.filter(publication_id=pk).values_list("subject_kind", "subject_key")
    )


# --- The table --------------------------------------------------------------------------------

PUBLICATION_WORKFLOW: Workflow[Publication] = Workflow(
    name="portal.publication",
    model=Publication,
    states=S,
    initial=S.DRAFT,
    transitions=(
        Transition(
            "submit",
            (S.DRAFT,),
            S.IN_REVIEW,
            _("Submit for review"),
            permission=is_author,
            guards=(guard_content_complete,),
            effects=(effect_submitted,),
        ),
        Transition(
            "approve",
            (S.IN_REVIEW,),
            S.PUBLISHED,
            _("Approve and publish"),
            permission=may_review,
            guards=(guard_not_author, guard_content_complete),
            effects=(effect_approved,),
            on_commit=(hook_touch_subjects,),
        ),
        Transition(
            "return",
            (S.IN_REVIEW,),
            S.RETURNED,
            _("Return with reasons"),
            permission=may_review,
            guards=(guard_not_author,),
            effects=(effect_returned,),
            reason_required=True,
        ),
        Transition(
            "revise",
            (S.RETURNED,),
            S.DRAFT,
            _("Revise the draft"),
            permission=is_author,
            effects=(effect_touch,),
        ),
        Transition(
            "withdraw",
            (S.PUBLISHED,),
            S.WITHDRAWN,
            _("Withdraw"),
            permission=may_review,
            effects=(effect_withdrawn,),
            on_commit=(hook_touch_subjects,),
            reason_required=True,
        ),
    ),
)
