"""The document checklist of an application: which papers it needs, and when.

One list, read by the employer's form, the checks before submission, the officer's page
and the service guide. It is derived from the kind, the category and the route:

* a notification letter (``new``) needs the signed form, passport, photo, contract,
  proofs of experience and degree, the no-criminal-record and health certificates (each
  issued within ``rules.CERTIFICATE_MAX_AGE_MONTHS``) and the talent-recognition evidence;
* Category A with commitment letters (承诺制): the signed commitment replaces the
  experience, degree and criminal-record proofs, and missing documents do not block
  acceptance (容缺受理): only the form, the passport and the commitment are needed to
  submit and to accept; the rest is supplied before the decision;
* a change of employer exempts the health and criminal-record certificates; a recognition
  carried over (national standard: everywhere; regional: where it is recognised) needs no
  supporting documents again (experience, degree, recognition evidence);
* extension, change and cancellation concern a permit: the form, the passport and what
  proves the change (tax records where the permit was granted on a salary).

A document present means a ``Document`` of that kind on the application, uploaded or
carried over from an earlier application where it was verified (``carried_from``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from permits.models import Application, Document, Permit
from permits.rules import CERTIFICATE_MAX_AGE_MONTHS, add_months
from portal.models import Region
from talent_standards.selectors import RecognitionBasis, recognition_valid_in

K = Document.Kind
AK = Application.Kind

# Certificates that count only when recently issued.
CERTIFICATES = frozenset({K.CRIMINAL_RECORD, K.HEALTH})
# What a signed commitment (Category A) replaces.
REPLACED_BY_COMMITMENT = frozenset({K.EXPERIENCE, K.DEGREE, K.CRIMINAL_RECORD})
# Exempt at a change of employer.
EXEMPT_AT_CHANGE_OF_EMPLOYER = frozenset({K.HEALTH, K.CRIMINAL_RECORD})
# The supporting documents of a recognition, not sent again when it is carried over.
RECOGNITION_SUPPORT = frozenset({K.EXPERIENCE, K.DEGREE, K.RECOGNITION})
# Documents verified in an earlier application that a change of employer carries over.
CARRIED_KINDS = frozenset({K.PASSPORT, K.PHOTO, K.EXPERIENCE, K.DEGREE, K.RECOGNITION})
# Even under 容缺受理 these are needed to submit and to accept.
CORE_KINDS = frozenset({K.APPLICATION_FORM, K.PASSPORT, K.COMMITMENT})


@dataclass(frozen=True)
class ChecklistItem:
    kind: str
    label: Promise | str
    at_submission: bool  # the employer cannot submit without it
    at_acceptance: bool  # the officer cannot accept without it
    at_decision: bool = True  # needed before approval
    max_age_months: int | None = None  # counts only when issued within so many months
    note: Promise | str = ""

    @property
    def required(self) -> bool:
        return self.at_submission or self.at_acceptance or self.at_decision


def _item(kind: str, *, deferred: bool = False, note: Promise | str = "") -> ChecklistItem:
    return ChecklistItem(
        kind=kind,
        label=K(kind).label,
        at_submission=not deferred,
        at_acceptance=not deferred,
        at_decision=True,
        max_age_months=CERTIFICATE_MAX_AGE_MONTHS if kind in CERTIFICATES else None,
        note=note,
    )


def _optional(kind: str, note: Promise | str = "") -> ChecklistItem:
    return ChecklistItem(
        kind=kind,
        label=K(kind).label,
        at_submission=False,
        at_acceptance=False,
        at_decision=False,
        max_age_months=CERTIFICATE_MAX_AGE_MONTHS if kind in CERTIFICATES else None,
        note=note,
    )


def _province(region: Region | None) -> Region | None:
    if region is None or region.level == Region.Level.PROVINCE:
        return region
    return Region.objects.filter(code=region.province_code).first()


def carried_recognition(application: Application, on: dt.date) -> Permit | None:
    """For a change of employer: the worker's current permit whose recognition is valid in
    the new province (national standard: everywhere; regional: in its province and where
    a mutual recognition agreement applies), else None."""
    if application.kind != AK.CHANGE_EMPLOYER or application.permit is None:
        return None
    permit = application.permit
    if permit.basis == Permit.Basis.NATIONAL:
        return permit
    province = _province(application.region)
    if province is None:
        return None
    basis = RecognitionBasis(scope="regional", region=permit.basis_region)
    return permit if recognition_valid_in(basis, province, on) else None


def checklist(
    application: Application, on: dt.date, *, category: str | None = None
) -> list[ChecklistItem]:
    """The documents the application needs, in the order the form shows them.
    ``category``: the category as assessed, when it is not yet recorded (the checks before
    submission); by default the application's own."""
    kind = application.kind
    category = application.category if category is None else category
    items: list[ChecklistItem] = []
    if kind in (AK.NEW, AK.CHANGE_EMPLOYER):
        commitment = bool(application.commitment_letters and category == "A")
        carried = carried_recognition(application, on) is not None
        for document in (
            K.APPLICATION_FORM,
            K.PASSPORT,
            K.PHOTO,
            K.CONTRACT,
            K.EXPERIENCE,
            K.DEGREE,
            K.CRIMINAL_RECORD,
            K.HEALTH,
            K.RECOGNITION,
        ):
            if commitment and document in REPLACED_BY_COMMITMENT:
                continue
            if kind == AK.CHANGE_EMPLOYER and document in EXEMPT_AT_CHANGE_OF_EMPLOYER:
                continue
            if carried and document in RECOGNITION_SUPPORT:
                continue
            if category == "C" and document == K.RECOGNITION:
                items.append(_optional(document))
                continue
            deferred = commitment and document not in CORE_KINDS
            items.append(_item(document, deferred=deferred))
        if commitment:
            items.insert(2, _item(K.COMMITMENT))
        if kind == AK.CHANGE_EMPLOYER:
            items.append(_item(K.RELEASE))
    elif kind == AK.SHORT_TERM:
        items = [
            _item(K.APPLICATION_FORM),
            _item(K.PASSPORT),
            _item(K.PHOTO),
            _item(K.CONTRACT, note=_("The contract or the letter of invitation.")),
            _optional(K.RECOGNITION),
        ]
    elif kind == AK.AFTER_ENTRY:
        items = [
            _item(K.APPLICATION_FORM),
            _item(K.PASSPORT, note=_("With the page of the work visa and the entry stamp.")),
            _item(K.PHOTO),
            _item(K.NOTIFICATION_LETTER),
            _item(K.HEALTH, note=_("The physical examination in China.")),
            _item(K.CONTRACT),
        ]
    elif kind == AK.EXTENSION:
        items = [_item(K.APPLICATION_FORM), _item(K.PASSPORT), _item(K.CONTRACT)]
        if application.permit is not None and application.permit.on_salary_commitment:
            items.append(_item(K.TAX_RECORD))
    elif kind == AK.CHANGE:
        items = [_item(K.APPLICATION_FORM), _item(K.PASSPORT), _item(K.CHANGE_PROOF)]
    elif kind == AK.CANCELLATION:
        items = [_item(K.APPLICATION_FORM), _item(K.TERMINATION)]
        if application.permit is not None and application.permit.on_salary_commitment:
            items.append(_item(K.TAX_RECORD))
    items.append(_optional(K.OTHER))
    return items


def checklist_kinds(application: Application, on: dt.date) -> frozenset[str]:
    return frozenset(item.kind for item in checklist(application, on))


def certificate_oldest_issue(day: dt.date, months: int) -> dt.date:
    """The earliest issue date a certificate may have to count on ``day``."""
    return add_months(day, -months)
