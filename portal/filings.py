"""The filing lifecycle: how a provincial standard or catalog is drafted, consulted on,
filed with MOHRSS, reviewed, published, superseded, and lapses.

```
draft -> consultation (optional) -> submitted -> under_review -> approved -> published
                                                  `-> returned -> draft
published -> superseded (a newer version takes effect) | lapsed (validity ended)
approved | published -> withdrawn
```

Rules enforced here (every transition goes through the workflow engine and the audit log):

* only drafters of the province (``draft_filings`` on its Region, held only by
  provincial-level authorities) create, edit, consult on, file, publish and withdraw;
  only ministry reviewers (``portal.review_filings``) start reviews, approve and return;
* validity is 3 to 5 years, checked when filed;
* every consultation comment is answered before the filing is filed;
* publishing a version supersedes the one in force from the new version's effective date,
  and two published versions of one province never overlap in time: checked under a lock
  on the province here, and on PostgreSQL by an exclusion constraint as well;
* a published filing past its validity reads as lapsed at once (``FilingBase.status_on``);
  the daily task makes it durable, audits it and reminds the drafters 90 and 30 days before
  and at expiry.

Apps register their concrete filing models with ``register_filing_kind``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, migrations, models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.access import has_national_permission, has_region_permission, has_role
from portal.audit import audit_record
from portal.kernel_notifications import (
    FILING_OUTCOMES,
    FILINGS_DECIDED,
    FILINGS_EXPIRING,
    FILINGS_LAPSED,
    FILINGS_SUBMITTED,
    bilingual,
)
from portal.models import (
    FilingReminder,
    Organization,
    OrganizationUserObjectPermission,
    Region,
    RegionUserObjectPermission,
    User,
)
from portal.models.filing import (
    EDITABLE_STATES,
    PUBLISHED_STATES,
    ConsultationCommentBase,
    FilingBase,
    FilingState,
)
from portal.notifications import notify, role_holders
from portal.roles import Role
from portal.workflow import (
    GuardFailed,
    Transition,
    TransitionContext,
    TransitionPermissionDenied,
    Workflow,
    system_only,
)

S = FilingState
FilingT = TypeVar("FilingT", bound=FilingBase)

# The 2025 notice: a regional standard or catalog is valid for 3 to 5 years.
VALIDITY_MIN_YEARS = 3
VALIDITY_MAX_YEARS = 5
# Reminders to the drafters before expiry, in days (0: on the day after the last day).
REMINDER_DAYS = (90, 30, 0)
REMINDER_GRACE_DAYS = 7
# Organizations that may be consulted on a draft.
STAKEHOLDER_KINDS = (
    Organization.Kind.INDUSTRY_ASSOCIATION,
    Organization.Kind.SERVICE_AGENCY,
)


# --- Dates -------------------------------------------------------------------------------------


def stakeholder_organizations() -> models.QuerySet[Organization]:
    """Organizations that may be consulted on a draft: every active industry association
    and service agency, nationwide."""
    return (
        Organization.objects.filter(kind__in=STAKEHOLDER_KINDS, is_active=True)
        .select_related("region")
        .order_by("kind", "name_zh", "pk")
    )


def add_years(day: dt.date, years: int) -> dt.date:
    """The anniversary ``years`` later. From 29 February it is 1 March in a common year,
    so that the day before it (the last day of a period of whole years) is the month's
    last day, as Civil Code art. 202 counts periods."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def validity_problems(effective_from: dt.date | None, expires_on: dt.date | None) -> list[str]:
    """Why a validity period is not acceptable (empty when it is)."""
    if effective_from is None or expires_on is None:
        return [gettext("Set the effective date and the last day of validity.")]
    shortest = add_years(effective_from, VALIDITY_MIN_YEARS) - dt.timedelta(days=1)
    longest = add_years(effective_from, VALIDITY_MAX_YEARS) - dt.timedelta(days=1)
    if not shortest <= expires_on <= longest:
        return [
            gettext(
                "Validity must be %(min)d to %(max)d years: from %(start)s the last day of "
                "validity lies between %(shortest)s and %(longest)s."
            )
            % {
                "min": VALIDITY_MIN_YEARS,
                "max": VALIDITY_MAX_YEARS,
                "start": effective_from.isoformat(),
                "shortest": shortest.isoformat(),
                "longest": longest.isoformat(),
            }
        ]
    return []


# --- Who may do what ---------------------------------------------------------------------------


def may_draft(actor: User | None, filing: FilingBase) -> bool:
    return has_region_permission(actor, "draft_filings", filing.region_id)


def may_review(actor: User | None, filing: FilingBase) -> bool:
    return has_national_permission(actor, "portal.review_filings")


def may_withdraw(actor: User | None, filing: FilingBase) -> bool:
    return may_draft(actor, filing) or may_review(actor, filing)


# --- Guards and effects -----------------------------------------------------------------------


def _today(context: TransitionContext) -> dt.date:
    return timezone.localdate(context.now)


def guard_validity(filing: FilingBase, context: TransitionContext) -> None:
    problems = validity_problems(filing.effective_from, filing.expires_on)
    if (
        not problems
        and filing.effective_from is not None
        and (filing.effective_from < _today(context))
    ):
        problems.append(
            gettext("The effective date %(date)s has passed: choose today or a later day.")
            % {"date": filing.effective_from.isoformat()}
        )
    if problems:
        raise GuardFailed(" ".join(problems), details={"field": "effective_from"})


def guard_comments_answered(filing: FilingBase, context: TransitionContext) -> None:
    open_comments = filing.comments.filter(answered_at__isnull=True).count()  # type: ignore[attr-defined]
    if open_comments:
        raise GuardFailed(
            gettext("Answer every consultation comment first: %(n)d still open.")
            % {"n": open_comments},
            details={"open_comments": open_comments},
        )


def guard_content(filing: FilingBase, context: TransitionContext) -> None:
    kind = kind_of(filing)
    problems = kind.content_problems(filing) if kind.content_problems else []
    if problems:
        raise GuardFailed(" ".join(problems))


def guard_consultation_invitations(filing: FilingBase, context: TransitionContext) -> None:
    if not filing.invitations.exists():  # type: ignore[attr-defined]
        raise GuardFailed(gettext("Invite at least one organization to the consultation."))
    if filing.consultation_deadline is None or filing.consultation_deadline < _today(context):
        raise GuardFailed(gettext("Set a consultation deadline of today or later."))


def _overlapping(filing: FilingBase) -> tuple[FilingBase | None, list[FilingBase]]:
    """The version this one supersedes, and any published version it would overlap."""
    assert filing.effective_from is not None
    assert filing.expires_on is not None
    others = list(
        type(filing)
        ._default_manager.filter(region_id=filing.region_id, state__in=PUBLISHED_STATES)
        .exclude(pk=filing.pk)
        .order_by("effective_from")
    )
    earlier = [o for o in others if o.effective_from and o.effective_from < filing.effective_from]
    predecessor = None
    if earlier:
        candidate = earlier[-1]
        if candidate.state == S.PUBLISHED and (candidate.ends_on or filing.effective_from) >= (
            filing.effective_from
        ):
            predecessor = candidate
    conflicts = []
    for other in others:
        if other is predecessor:
            continue
        start, end = other.effective_from, other.ends_on
        if start is None or end is None:
            continue
        if start <= filing.expires_on and end >= filing.effective_from:
            conflicts.append(other)
    return predecessor, conflicts


def guard_no_overlap(filing: FilingBase, context: TransitionContext) -> None:
    # Publications of one province queue on its Region row, so two drafters publishing
    # at once cannot both pass this check.
    Region.objects.select_for_update().filter(pk=filing.region_id).first()
    if filing.effective_from is not None and filing.effective_from < _today(context):
        raise GuardFailed(
            gettext(
                "The effective date %(date)s has passed; a published version cannot take "
                "effect in the past. Withdraw this version and file a new one."
            )
            % {"date": filing.effective_from.isoformat()}
        )
    _predecessor, conflicts = _overlapping(filing)
    if conflicts:
        names = ", ".join(f"v{c.version} ({c.effective_from} - {c.ends_on})" for c in conflicts)
        raise GuardFailed(
            gettext("The validity of this version would overlap published versions: %(names)s.")
            % {"names": names},
            details={"overlaps": [c.pk for c in conflicts]},
        )


def _stamp(field: str) -> Callable[[FilingBase, TransitionContext], list[str]]:
    def effect(filing: FilingBase, context: TransitionContext) -> list[str]:
        setattr(filing, field, context.now)
        return [field]

    effect.__name__ = f"stamp_{field}"
    return effect


def effect_publish(filing: FilingBase, context: TransitionContext) -> list[str]:
    """Stamp the publication and end the predecessor's period at this one's start."""
    filing.published_at = context.now
    predecessor, _conflicts = _overlapping(filing)
    if predecessor is not None:
        predecessor.superseded_on = filing.effective_from
        predecessor.save(update_fields=["superseded_on", "updated_at"])
        audit_record(
            actor=context.actor,
            actor_repr="system",
            action=f"{kind_of(filing).workflow.name}.supersede_scheduled",
            target=predecessor,
            data={"by": filing.pk, "on": str(filing.effective_from)},
            request=context.request,
        )
    return ["published_at"]


# --- Notifications (told inside the transition's transaction) -----------------------------------


def _filing_values(filing: FilingBase) -> dict[str, str | int]:
    """What a notification about a filing says of it: plain values, the title in both
    languages (``portal.kernel_notifications``)."""
    return {**bilingual("title", filing.title_zh, filing.title_en), "version": filing.version}


def filing_page(filing: FilingBase, audience: str) -> str:
    """The page of ``filing`` for ``audience`` (``"drafting"`` or ``"review"``): the one
    its kind names (``register_filing_kind(page_url=...)``), else the work page, whose
    sections list the drafters' filings and the reviewers' queue."""
    kind = kind_of(filing)
    url = kind.page_url(filing, audience) if kind.page_url is not None else ""
    return url or reverse("portal:dashboard")


def _event_key(filing: FilingBase, what: str, context: TransitionContext) -> str:
    # A filing may be filed, returned and filed again: each time is its own event.
    return f"{filing._meta.label_lower}:{filing.pk}:{what}:{context.now.isoformat()}"


def effect_notify_submitted(filing: FilingBase, context: TransitionContext) -> list[str]:
    """Work owed: the ministry's reviewers are told that a filing waits for review."""
    region = filing.region
    notify(
        kind=FILINGS_SUBMITTED,
        event_key=_event_key(filing, "submit", context),
        recipients=role_holders(Role.MINISTRY_REVIEWER),
        params={
            **_filing_values(filing),
            **bilingual("province", region.name_zh, region.name_en),
            "date": _today(context).isoformat(),
        },
        url=filing_page(filing, "review"),
    )
    return []


def effect_notify_decided(filing: FilingBase, context: TransitionContext) -> list[str]:
    """The province's drafters are told what the ministry decided (approved, returned,
    or withdrawn by a reviewer; a drafter withdrawing the province's own version tells
    nobody)."""
    name = context.transition.name
    if name == "withdraw" and may_draft(context.actor, filing):
        return []
    notify(
        kind=FILINGS_DECIDED,
        event_key=_event_key(filing, name, context),
        recipients=drafters_of(filing.region_id),
        params={
            **_filing_values(filing),
            "outcome": FILING_OUTCOMES[name],
            "reason": context.reason,
        },
        url=filing_page(filing, "drafting"),
    )
    return []


# --- Registry ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingKind:
    """A concrete filing model and its workflow."""

    model: type[FilingBase]
    workflow: Workflow[Any]
    label: Any
    content_problems: Callable[[FilingBase], list[str]] | None = None
    # The fields a comment on one part of the filing (an entry, a route) records.
    comment_fields: Callable[[models.Model], dict[str, Any]] | None = None
    # Whether a part (an entry, a route) belongs to the filing.
    owns_part: Callable[[FilingBase, models.Model], bool] | None = None
    # The filing's page for an audience ("drafting", "review"), linked from notifications.
    page_url: Callable[[FilingBase, str], str] | None = None


FILING_KINDS: dict[str, FilingKind] = {}


def kind_of(filing: FilingBase | type[FilingBase]) -> FilingKind:
    model = filing if isinstance(filing, type) else type(filing)
    return FILING_KINDS[model._meta.label_lower]


def build_filing_workflow(name: str, model: type[FilingBase]) -> Workflow[Any]:
    """The transition table every filing shares."""
    return Workflow(
        name=name,
        model=model,
        states=FilingState,
        initial=S.DRAFT,
        transitions=(
            Transition(
                "open_consultation",
                (S.DRAFT,),
                S.CONSULTATION,
                _("Open consultation"),
                permission=may_draft,
                guards=(guard_content, guard_consultation_invitations),
            ),
            Transition(
                "close_consultation",
                (S.CONSULTATION,),
                S.DRAFT,
                _("Close consultation"),
                permission=may_draft,
            ),
            Transition(
                "submit",
                (S.DRAFT, S.CONSULTATION),
                S.SUBMITTED,
                _("File with the ministry"),
                permission=may_draft,
                guards=(guard_content, guard_validity, guard_comments_answered),
                effects=(_stamp("submitted_at"), effect_notify_submitted),
            ),
            Transition(
                "recall",
                (S.SUBMITTED,),
                S.DRAFT,
                _("Recall the filing"),
                permission=may_draft,
                reason_required=True,
            ),
            Transition(
                "start_review",
                (S.SUBMITTED,),
                S.UNDER_REVIEW,
                _("Start the review"),
                permission=may_review,
            ),
            Transition(
                "approve",
                (S.UNDER_REVIEW,),
                S.APPROVED,
                _("Approve"),
                permission=may_review,
                guards=(guard_validity,),
                effects=(_stamp("approved_at"), effect_notify_decided),
            ),
            Transition(
                "return",
                (S.UNDER_REVIEW,),
                S.RETURNED,
                _("Return with reasons"),
                permission=may_review,
                reason_required=True,
                effects=(effect_notify_decided,),
            ),
            Transition(
                "revise",
                (S.RETURNED,),
                S.DRAFT,
                _("Revise the draft"),
                permission=may_draft,
            ),
            Transition(
                "publish",
                (S.APPROVED,),
                S.PUBLISHED,
                _("Publish"),
                permission=may_draft,
                guards=(guard_no_overlap,),
                effects=(effect_publish,),
            ),
            Transition(
                "withdraw",
                (S.APPROVED, S.PUBLISHED),
                S.WITHDRAWN,
                _("Withdraw"),
                permission=may_withdraw,
                reason_required=True,
                effects=(_stamp("withdrawn_at"), effect_notify_decided),
            ),
            Transition(
                "supersede",
                (S.PUBLISHED,),
                S.SUPERSEDED,
                _("Superseded by a newer version"),
                permission=system_only,
                automatic=True,
            ),
            Transition(
                "lapse",
                (S.PUBLISHED,),
                S.LAPSED,
                _("Lapsed at the end of validity"),
                permission=system_only,
                automatic=True,
            ),
        ),
    )


def register_filing_kind(
    model: type[FilingBase],
    *,
    workflow_name: str,
    label: Any,
    content_problems: Callable[[FilingBase], list[str]] | None = None,
    comment_fields: Callable[[models.Model], dict[str, Any]] | None = None,
    owns_part: Callable[[FilingBase, models.Model], bool] | None = None,
    page_url: Callable[[FilingBase, str], str] | None = None,
) -> FilingKind:
    kind = FilingKind(
        model=model,
        workflow=build_filing_workflow(workflow_name, model),
        label=label,
        content_problems=content_problems,
        comment_fields=comment_fields,
        owns_part=owns_part,
        page_url=page_url,
    )
    FILING_KINDS[model._meta.label_lower] = kind
    return kind


# --- Reads ---------------------------------------------------------------------------------------


def in_force_filter(day: dt.date) -> models.Q:
    """Filings in force on ``day``: published, started, not ended, not superseded."""
    return (
        models.Q(state__in=PUBLISHED_STATES)
        & models.Q(effective_from__lte=day)
        & models.Q(expires_on__gte=day)
        & (models.Q(superseded_on__isnull=True) | models.Q(superseded_on__gt=day))
    )


def drafters_of(region_id: int) -> list[User]:
    """Active people holding the drafting role in the province."""
    grants = RegionUserObjectPermission.objects.filter(
        content_object_id=region_id,
        permission__content_type__app_label="portal",
        permission__codename="draft_filings",
        user__is_active=True,
    ).values("user_id")
    return list(User.objects.filter(pk__in=grants).order_by("pk"))


# --- Writes --------------------------------------------------------------------------------------


class FilingError(Exception):
    def __init__(self, message: Any, *, code: str = "refused", status: int = 400):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
        self.status = status


# The metadata a drafter changes on a draft (``filing_update``).
UPDATABLE_FIELDS = frozenset(
    {"title_zh", "title_en", "notes_zh", "notes_en", "effective_from", "expires_on"}
)


def require_drafter(actor: User, region_id: int, refusal: str) -> None:
    """Refuse (``refusal``: the kind's words) anyone who does not draft for the province."""
    if not has_region_permission(actor, "draft_filings", region_id):
        raise TransitionPermissionDenied(refusal)


def require_editable(filing: FilingBase) -> None:
    """Refuse a change of content once the filing has left draft and consultation."""
    if filing.state not in EDITABLE_STATES:
        raise FilingError(
            gettext("Version %(version)s is %(state)s: its content can no longer change.")
            % {"version": filing.version, "state": filing.get_state_display()},
            code="not_editable",
            status=409,
        )


def filing_update(
    *,
    actor: User,
    filing: FilingT,
    not_drafter: str,
    title_missing: str,
    request: HttpRequest | None = None,
    **changes: Any,
) -> FilingT:
    """Change titles, notes or dates of a draft; audited as ``<workflow name>.update``.

    ``not_drafter`` and ``title_missing`` are the kind's refusals (someone who does not
    draft for the province; a Chinese title left empty)."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"not changeable here: {sorted(unknown)}")
    require_drafter(actor, filing.region_id, not_drafter)
    with transaction.atomic():
        locked = type(filing)._default_manager.select_for_update().get(pk=filing.pk)
        require_editable(locked)
        changed = sorted(k for k, v in changes.items() if getattr(locked, k) != v)
        for name in changed:
            setattr(locked, name, changes[name])
        if not (locked.title_zh or "").strip():
            raise ValidationError({"title_zh": [title_missing]})
        if (
            locked.effective_from
            and locked.expires_on
            and locked.expires_on <= locked.effective_from
        ):
            raise ValidationError(
                {
                    "expires_on": [
                        gettext("The last day of validity comes after the effective date.")
                    ]
                }
            )
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
            audit_record(
                actor=actor,
                action=f"{kind_of(locked).workflow.name}.update",
                target=locked,
                data={"fields": changed},
                request=request,
            )
    return locked


def filing_transition(
    *,
    actor: User,
    filing: FilingBase,
    transition: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> FilingBase:
    """Run a lifecycle transition offered to people (not the automatic ones)."""
    kind = kind_of(filing)
    if kind.workflow.get(transition).automatic:
        raise TransitionPermissionDenied(gettext("This change is made by the system."))
    return kind.workflow.run(filing, transition, actor=actor, reason=reason, request=request)


def consultation_open(
    *,
    actor: User,
    filing: FilingBase,
    organizations: Iterable[Organization],
    deadline: dt.date,
    request: HttpRequest | None = None,
) -> FilingBase:
    """Invite stakeholder organizations to comment until ``deadline``, and open."""
    if not may_draft(actor, filing):
        raise TransitionPermissionDenied(gettext("You may not change this filing."))
    chosen = list(organizations)
    wrong = [o for o in chosen if o.kind not in STAKEHOLDER_KINDS or not o.is_active]
    if wrong:
        raise ValidationError(
            {
                "organizations": [
                    gettext("Only active industry associations and service agencies are consulted.")
                ]
            }
        )
    with transaction.atomic():
        type(filing)._default_manager.select_for_update().filter(pk=filing.pk).first()
        filing.consultation_deadline = deadline
        filing.save(update_fields=["consultation_deadline", "updated_at"])
        invitations = filing.invitations  # type: ignore[attr-defined]
        existing = set(invitations.values_list("organization_id", flat=True))
        for organization in chosen:
            if organization.pk not in existing:
                invitations.create(organization=organization, invited_by=actor)
        return kind_of(filing).workflow.run(
            filing,
            "open_consultation",
            actor=actor,
            payload={
                "deadline": deadline.isoformat(),
                "organizations": sorted(o.pk for o in chosen),
            },
            request=request,
        )


def may_comment(actor: User | None, filing: FilingBase) -> bool:
    """Consulted people: stakeholders of an invited organization, while it is open."""
    if actor is None or not actor.is_authenticated or actor.organization_id is None:
        return False
    if not has_role(actor, Role.STAKEHOLDER):
        return False
    responds = OrganizationUserObjectPermission.objects.filter(
        user=actor,
        content_object_id=actor.organization_id,
        permission__codename="respond_to_consultations",
    ).exists()
    return (
        responds
        and filing.invitations.filter(  # type: ignore[attr-defined]
            organization_id=actor.organization_id
        ).exists()
    )


def consultation_comment(
    *,
    actor: User,
    filing: FilingBase,
    text: str,
    entry: models.Model | None = None,
    request: HttpRequest | None = None,
) -> ConsultationCommentBase:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [gettext("Write the comment.")]})
    with transaction.atomic():
        locked = type(filing)._default_manager.select_for_update().get(pk=filing.pk)
        if not may_comment(actor, locked):
            raise TransitionPermissionDenied(
                gettext("Your organization is not consulted on this draft.")
            )
        today = timezone.localdate()
        if locked.state != S.CONSULTATION or (
            locked.consultation_deadline is not None and today > locked.consultation_deadline
        ):
            raise FilingError(
                gettext("The consultation is closed."), code="consultation_closed", status=409
            )
        kind = kind_of(locked)
        part: dict[str, Any] = {}
        if entry is not None and kind.owns_part is not None and not kind.owns_part(locked, entry):
            raise ValidationError({"entry": [gettext("This part does not belong to the draft.")]})
        if entry is not None:
            part = kind.comment_fields(entry) if kind.comment_fields else {"entry": entry}
        comment = locked.comments.create(  # type: ignore[attr-defined]
            author=actor, organization=actor.organization, text=text, **part
        )
        audit_record(
            actor=actor,
            action="consultation.comment",
            target=locked,
            data={"comment": comment.pk, "entry": entry.pk if entry is not None else None},
            request=request,
        )
    return comment


def consultation_answer(
    *,
    actor: User,
    comment: ConsultationCommentBase,
    text: str,
    request: HttpRequest | None = None,
) -> ConsultationCommentBase:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"answer": [gettext("Write the answer.")]})
    filing: FilingBase = comment.filing  # type: ignore[attr-defined]
    if not may_draft(actor, filing):
        raise TransitionPermissionDenied(gettext("You may not answer for this filing."))
    if filing.state not in (S.CONSULTATION, S.DRAFT):
        raise FilingError(
            gettext("Comments are answered before the filing goes to the ministry."),
            code="not_editable",
            status=409,
        )
    with transaction.atomic():
        comment.answer = text
        comment.answered_by = actor
        comment.answered_at = timezone.now()
        comment.save(update_fields=["answer", "answered_by", "answered_at"])
        audit_record(
            actor=actor,
            action="consultation.answer",
            target=filing,
            data={"comment": comment.pk},
            request=request,
        )
    return comment


# --- The daily task ------------------------------------------------------------------------------


@dataclass
class DailyReport:
    superseded: list[str]
    lapsed: list[str]
    reminders: list[str]


def _remind(filing: FilingBase, milestone: str, today: dt.date) -> str | None:
    label = filing._meta.label_lower
    try:
        with transaction.atomic():
            reminder = FilingReminder.objects.create(
                target_model=label, target_id=str(filing.pk), milestone=milestone
            )
            recipients = drafters_of(filing.region_id)
            reminder.recipients = len(recipients)
            reminder.save(update_fields=["recipients"])
            audit_record(
                actor=None,
                actor_repr="system",
                action="filing.reminder",
                target=filing,
                data={"milestone": milestone, "recipients": len(recipients)},
            )
            # In the reminder's transaction: the inbox rows now, the e-mails (in each
            # drafter's language) after the commit; the reminder row above makes it once.
            assert filing.expires_on is not None
            notify(
                kind=(
                    FILINGS_LAPSED
                    if milestone == FilingReminder.Milestone.EXPIRED
                    else FILINGS_EXPIRING
                ),
                event_key=f"{label}:{filing.pk}:reminder:{milestone}",
                recipients=recipients,
                params={**_filing_values(filing), "date": filing.expires_on.isoformat()},
                url=filing_page(filing, "drafting"),
            )
    except IntegrityError:  # sent already
        return None
    return f"{label}#{filing.pk}:{milestone}"


def filings_daily(today: dt.date | None = None) -> DailyReport:
    """Make supersession and lapse durable, and send the expiry reminders (idempotent)."""
    today = today or timezone.localdate()
    report = DailyReport(superseded=[], lapsed=[], reminders=[])
    for kind in FILING_KINDS.values():
        manager = kind.model._default_manager
        for filing in manager.filter(state=S.PUBLISHED, superseded_on__lte=today):
            kind.workflow.run(filing, "supersede", actor=None)
            report.superseded.append(f"{filing._meta.label_lower}#{filing.pk}")
        for filing in manager.filter(state=S.PUBLISHED, expires_on__lt=today):
            kind.workflow.run(filing, "lapse", actor=None)
            report.lapsed.append(f"{filing._meta.label_lower}#{filing.pk}")
        # Reminders: filings in force (or lapsed today) whose milestone has come.
        # A week of grace after expiry, so that a missed run still sends the expiry notice.
        candidates = manager.filter(
            state__in=(S.PUBLISHED, S.LAPSED),
            superseded_on__isnull=True,
            expires_on__gte=today - dt.timedelta(days=REMINDER_GRACE_DAYS),
            expires_on__lte=today + dt.timedelta(days=max(REMINDER_DAYS)),
        )
        for filing in candidates:
            assert filing.expires_on is not None
            left = (filing.expires_on - today).days
            # The most urgent milestone that has come; earlier ones missed meanwhile are
            # not sent late (a 90-day notice a month before expiry would mislead).
            for days in sorted(REMINDER_DAYS):
                due = left <= days if days else left < 0
                if not due:
                    continue
                done = _remind(filing, str(days), today)
                if done:
                    report.reminders.append(done)
                break
    return report


# --- Database guarantee --------------------------------------------------------------------------


def no_overlap_constraint(table: str) -> migrations.RunPython:
    """A migration operation: on PostgreSQL, an exclusion constraint that makes two published
    versions of one province's filing overlapping in time impossible."""
    name = f"{table}_no_overlap"

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(
            f"""
            ALTER TABLE {table} ADD CONSTRAINT {name} EXCLUDE USING gist (
                region_id WITH =,
                daterange(effective_from, LEAST(expires_on, superseded_on - 1), '[]') WITH &&
            ) WHERE (state IN ('published', 'superseded', 'lapsed'))
            """
        )

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")

    return migrations.RunPython(forwards, backwards)
