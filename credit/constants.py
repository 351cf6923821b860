"""Vocabulary of credit records, shared by the models, the services and other apps.

The fine rules are Exit-Entry Administration Law art. 80: a foreigner working illegally
is fined 5,000 to 20,000 RMB; a unit employing foreigners illegally 10,000 RMB for each
person, 100,000 RMB at most; a unit introducing foreigners to illegal work 5,000 RMB for
each person, 100,000 RMB at most.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

# The code of the kind the permits app reports when a permit granted on a salary
# commitment is not backed by tax records at extension or cancellation.
SALARY_COMMITMENT_UNBACKED = "salary_commitment_unbacked"


class Nature(models.TextChoices):
    """What a kind of record says of its subject."""

    DISHONEST = "dishonest", _("Dishonest act")
    COMMENDATION = "commendation", _("Commendation")


class Severity(models.TextChoices):
    """Serious dishonesty makes the subject dishonest; minor puts it in attention.
    Commendations have no severity."""

    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")
    NONE = "none", _("Not applicable")


class SubjectKind(models.TextChoices):
    EMPLOYER = "employer", _("Employer")
    SERVICE_AGENCY = "service_agency", _("Service agency")
    WORKER = "worker", _("Foreign worker")


class Source(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    APPLICATION_REVIEW = "application_review", _("Application review")
    PARTNER_REPORT = "partner_report", _("Partner agency report")
    DECISION = "decision", _("Court or administrative decision")


class RecordState(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    REVOKED = "revoked", _("Revoked")


@dataclass(frozen=True)
class FineRule:
    """A fine either within [minimum, maximum] (a person) or ``per_person`` times the
    number of persons, capped at ``maximum`` (a unit)."""

    minimum: int = 0
    maximum: int = 0
    per_person: int = 0


FINE_RULES: dict[str, FineRule] = {
    SubjectKind.WORKER: FineRule(minimum=5_000, maximum=20_000),
    SubjectKind.EMPLOYER: FineRule(per_person=10_000, maximum=100_000),
    SubjectKind.SERVICE_AGENCY: FineRule(per_person=5_000, maximum=100_000),
}


def unit_fine(subject_kind: str, persons: int) -> int:
    """The fine the law sets for a unit and a number of persons."""
    rule = FINE_RULES[subject_kind]
    return min(rule.per_person * persons, rule.maximum)
