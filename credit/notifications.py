"""What the credit app tells people (``portal.notifications``), and when.

Kinds, registered from ``CreditConfig.ready`` (:func:`register`):

* ``credit.record_decided`` (required: records are notified to their subject, 2017
  notice): a record about an organization made, corrected or revoked, to the
  organization's people (``act_for_organization`` on it); a foreign worker's record tells
  nobody here. Told by ``credit.services`` (``record_create``, ``report_dishonest_act``,
  ``record_correct``, ``record_revoke``, and so an inspection's finding too); a correction
  or revocation decided on an objection is told as the objection's decision instead.
* ``credit.objection_decided`` (required): an objection decided (the record upheld,
  corrected or revoked), to the person who filed it and the organization's people.
* ``credit.objection_filed``: work owed, to the inspectors who review objections in the
  record's region (``inspect_employers`` there or above, ``credit.workflows.may_review``).
* ``credit.campaign_assignment``: the draw of an inspection campaign, to each inspector
  drawn, once, naming the employers they must inspect.

Every one is told inside the transaction of the write (a refused or rolled-back write tells
nobody), once per event: the event keys name the record version, the objection, the
campaign. Names in two languages go as the Chinese value under the name and the English
one under ``<name>@en``; labels as their msgids, translated for each reader.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import User
from portal.notifications import (
    NotificationKind,
    notify,
    organization_users,
    region_officers,
    register_kind,
    register_words,
)
from portal.roles import EMPLOYER_SIDE_ROLES, Role
from portal.workflow import TransitionContext

from .constants import Severity
from .inspection_models import InspectionAssignment, InspectionCampaign
from .models import CreditRecord, Objection

RECORD_DECIDED = "credit.record_decided"
OBJECTION_FILED = "credit.objection_filed"
OBJECTION_DECIDED = "credit.objection_decided"
CAMPAIGN_ASSIGNMENT = "credit.campaign_assignment"

# Who reviews objections (``credit.workflows.may_review``).
REVIEW_PERMISSION = "inspect_employers"

# What happened to a record, stored as these texts and translated for each reader.
CHANGES = {
    "create": "recorded",
    "correct": "corrected",
    "revoke": "revoked",
}
SEVERITIES: dict[str, str] = {
    Severity.MINOR: "Minor",
    Severity.SERIOUS: "Serious",
    Severity.NONE: "Not applicable",
}
OPEN_ENDED = "no end date"
# An objection's decision, by transition: the labels of the states it ends in.
OUTCOMES = {
    "uphold": "Record upheld",
    "correct": "Record corrected",
    "revoke": "Record revoked",
}


# The words above, stored as values, as they read inside the texts.
WORDS = {
    "recorded": pgettext_lazy("notification value", "recorded"),
    "corrected": pgettext_lazy("notification value", "corrected"),
    "revoked": pgettext_lazy("notification value", "revoked"),
    "Minor": pgettext_lazy("notification value", "Minor"),
    "Serious": pgettext_lazy("notification value", "Serious"),
    "Not applicable": pgettext_lazy("notification value", "Not applicable"),
    "no end date": pgettext_lazy("notification value", "no end date"),
    "Record upheld": pgettext_lazy("notification value", "Record upheld"),
    "Record corrected": pgettext_lazy("notification value", "Record corrected"),
    "Record revoked": pgettext_lazy("notification value", "Record revoked"),
}


KINDS = (
    NotificationKind(
        key=RECORD_DECIDED,
        roles=EMPLOYER_SIDE_ROLES,
        label=_("A credit record about your organization"),
        subject=_("A credit record of %(organization)s was %(change)s: %(kind)s"),
        body=_(
            "A credit record of %(organization)s was %(change)s.\n"
            "\n"
            "Kind: %(kind)s\n"
            "Severity: %(severity)s\n"
            "In effect from %(effective_from)s until %(effective_until)s\n"
            "Version: %(version)s\n"
            "%(reason)s\n"
            "\n"
            "The record, its versions and what it means for your standing are on your "
            "organization's credit record page. While it is in effect, your administrators "
            "may object to it there."
        ),
        required=True,
        description=_("The law has records notified to the organization they are about."),
        translated=("change", "severity", "effective_until"),
    ),
    NotificationKind(
        key=OBJECTION_DECIDED,
        roles=EMPLOYER_SIDE_ROLES,
        label=_("An objection to a credit record is decided"),
        subject=_("Objection decided: %(outcome)s"),
        body=_(
            "The objection filed on %(filed_on)s to the credit record “%(kind)s” of "
            "%(organization)s has been decided: %(outcome)s.\n"
            "\n"
            "Reason: %(reason)s\n"
            "\n"
            "The record and its versions are on your organization's credit record page."
        ),
        required=True,
        translated=("outcome",),
    ),
    NotificationKind(
        key=OBJECTION_FILED,
        roles=frozenset({Role.INSPECTOR.value}),
        label=_("An objection to a credit record is filed"),
        subject=_("Objection to a credit record of %(organization)s"),
        body=_(
            "%(organization)s objected on %(filed_on)s to the credit record “%(kind)s” "
            "kept by %(region)s. Take the objection up and decide it."
        ),
        description=_("For inspectors: objections to review in your region."),
    ),
    NotificationKind(
        key=CAMPAIGN_ASSIGNMENT,
        roles=frozenset({Role.INSPECTOR.value}),
        label=_("You are drawn for an inspection campaign"),
        subject=_("Inspection campaign %(campaign)s: the employers you inspect"),
        body=_(
            "The draw of the inspection campaign “%(campaign)s” (%(starts_on)s to "
            "%(ends_on)s) assigned you these employers:\n"
            "%(employers)s\n"
            "\n"
            "Record the outcome of each inspection on the campaign's page once the "
            "inspections have started."
        ),
        description=_("For inspectors: the employers a campaign's draw gave you."),
    ),
)


def register() -> None:
    for kind in KINDS:
        register_kind(kind)
    register_words(WORDS)


# --- Values ----------------------------------------------------------------------------------


def _named(values: dict[str, Any], name: str, zh: str, en: str) -> None:
    """A name in two languages: the Chinese one, and the English one for English readers
    (``portal.notifications.values_for_reader``)."""
    values[name] = zh or en
    if en:
        values[f"{name}@en"] = en


def _record_values(record: CreditRecord) -> dict[str, Any]:
    values: dict[str, Any] = {}
    organization = record.organization
    if organization is not None:
        _named(values, "organization", organization.name_zh, organization.name_en)
    kind = record.kind
    _named(values, "kind", kind.name_zh, kind.name_en)
    return values


def _record_page(record: CreditRecord) -> str:
    return reverse("credit:record_detail", args=[record.series])


# --- Records (called by credit.services, in the write's transaction) -------------------------


def record_told(record: CreditRecord, change: str) -> int:
    """Tell the organization a record is about that it was made, corrected or revoked
    (``change``: ``create``, ``correct``, ``revoke``); one event per version."""
    if record.organization_id is None:
        return 0
    return notify(
        kind=RECORD_DECIDED,
        event_key=f"credit.record.{record.pk}",
        recipients=organization_users(record.organization_id),
        params={
            **_record_values(record),
            "change": CHANGES[change],
            "severity": SEVERITIES.get(record.severity, ""),
            "effective_from": record.effective_from.isoformat(),
            "effective_until": (
                record.effective_until.isoformat() if record.effective_until else OPEN_ENDED
            ),
            "version": record.version,
            "reason": record.reason,
        },
        url=_record_page(record),
    )


# --- Objections ------------------------------------------------------------------------------


def objection_filed_told(objection: Objection) -> int:
    """Work owed: the inspectors who may review the objection are told it waits."""
    record = objection.record
    region = objection.region
    values = _record_values(record)
    _named(values, "region", region.name_zh, region.name_en)
    return notify(
        kind=OBJECTION_FILED,
        event_key=f"credit.objection.{objection.pk}.filed",
        recipients=region_officers(objection.region_id, REVIEW_PERMISSION),
        params={**values, "filed_on": timezone.localdate(objection.filed_at).isoformat()},
        url=reverse("credit:objection_review", args=[objection.pk]),
    )


def effect_objection_decided(objection: Objection, context: TransitionContext) -> list[str]:
    """An effect of the decisions of ``credit.workflows`` (after the record is corrected
    or revoked): the filer and the organization's people are told the outcome."""
    recipients: dict[int, User] = {}
    if objection.organization_id is not None:
        recipients.update({user.pk: user for user in organization_users(objection.organization_id)})
    if objection.filed_by_id is not None:
        recipients.setdefault(objection.filed_by_id, objection.filed_by)
    notify(
        kind=OBJECTION_DECIDED,
        event_key=f"credit.objection.{objection.pk}.decided",
        recipients=recipients.values(),
        params={
            **_record_values(objection.record),
            "outcome": OUTCOMES[context.transition.name],
            "filed_on": timezone.localdate(objection.filed_at).isoformat(),
            "reason": context.reason,
        },
        url=_record_page(objection.record),
    )
    return []


# --- Inspection campaigns ----------------------------------------------------------------------


def effect_campaign_drawn(campaign: InspectionCampaign, context: TransitionContext) -> list[str]:
    """An effect of the campaign's ``draw``, after the assignments are made: each
    inspector drawn is told once, with the employers drawn for them in the draw's order."""
    assignments = (
        InspectionAssignment.objects.filter(campaign=campaign)
        .prefetch_related("inspectors")
        .order_by("position")
    )
    employers: dict[int, list[str]] = {}
    people: dict[int, User] = {}
    for assignment in assignments:
        for inspector in assignment.inspectors.all():
            people[inspector.pk] = inspector
            employers.setdefault(inspector.pk, []).append(
                f"{assignment.position}. {assignment.name} ({assignment.uscc})"
            )
    page = reverse("credit:inspection_campaign", args=[campaign.pk])
    for pk, inspector in people.items():
        notify(
            kind=CAMPAIGN_ASSIGNMENT,
            event_key=f"credit.campaign.{campaign.pk}.drawn",
            recipients=[inspector],
            params={
                "campaign": campaign.name,
                "starts_on": campaign.starts_on.isoformat(),
                "ends_on": campaign.ends_on.isoformat(),
                "employers": "\n".join(employers[pk]),
            },
            url=page,
        )
    return []
