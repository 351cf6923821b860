"""Which documents the permits app issues, when, and what they say.

Five kinds, registered with the kernel (``portal.documents``) from ``PermitsConfig.ready``:

========================  ===================  ==============================================
kind                      subject              issued when
========================  ===================  ==============================================
``permits.letter``        NotificationLetter   a letter application (new, short-term) approved
``permits.permit``        Permit               after entry, change of employer approved; a new
                                               version at every extension or change
``permits.grant``         Application          any application approved (准予行政许可决定书)
``permits.rejection``     Application          rejected, or refused at acceptance
``permits.registration``  Registration         an employer's or agency's registration approved
========================  ===================  ==============================================

The builders read the subject as it is when the document is issued; the kernel freezes
what they return, so a later change to the subject changes a document only when it is
re-issued. The status functions read the subject's state on the day, with expiry from the
dates (as the rest of the app does). Who may download a document: the employer's people
(and its agency under a power of attorney in force), and the officers who accept or
decide its applications; an officer who decides may re-issue. Who is told when a version
is ready (``documents.ready``): the employer's people, or for a registration certificate
the person who registered, with a link to the employer's page of the document.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from permits import checks
from permits.access import ACCEPT, may_accept, may_act_for, may_act_on, may_decide
from permits.legacy_models import LegacyDocument
from permits.models import Application, NotificationLetter, Permit, Registration
from permits.notifications import employer_people
from portal import documents
from portal.access import AnyUser, has_region_permission
from portal.countries import country_name
from portal.documents import Content, DocumentKind, Status
from portal.models import Foreigner, IssuedDocument, Organization, Passport, Region, User
from portal.notifications import organization_users
from talent_standards.models import Category

LETTER = "permits.letter"
PERMIT = "permits.permit"
GRANT = "permits.grant"
REJECTION = "permits.rejection"
REGISTRATION = "permits.registration"

AK = Application.Kind


def both(text: str | Promise) -> tuple[str, str]:
    """A translatable text in Chinese and in English."""
    with translation.override("zh-hans"):
        zh = str(text)
    with translation.override("en"):
        en = str(text)
    return zh, en


def _province(region: Region) -> Region:
    while region.parent_id is not None and region.level != Region.Level.PROVINCE:
        region = region.parent  # type: ignore[assignment]
    return region


def _authority(region: Region) -> dict[str, str]:
    province = _province(region)
    authority = (
        Organization.objects.filter(
            kind=Organization.Kind.PROVINCIAL_AUTHORITY,
            region=province,
            authority_level=Organization.AuthorityLevel.PROVINCIAL,
        )
        .order_by("pk")
        .first()
    )
    if authority is not None:
        return {
            "authority_zh": authority.name_zh,
            "authority_en": authority.name_en or authority.name_zh,
        }
    return {
        "authority_zh": f"{province.name_zh}外国人来华工作管理部门",
        "authority_en": f"Foreigners' Work Administration of {province.name_en}",
    }


def _holder(foreigner: Foreigner, passport: Passport | None) -> dict[str, Any]:
    sex_zh, sex_en = both(Foreigner.Sex(foreigner.sex).label)
    return {
        "name": foreigner.latin_name,
        "name_zh": foreigner.name_zh,
        "sex_zh": sex_zh,
        "sex_en": sex_en,
        "birth_date": foreigner.date_of_birth,
        "nationality_zh": country_name(foreigner.nationality, "zh-hans"),
        "nationality_en": country_name(foreigner.nationality, "en"),
        "passport_number": passport.number if passport else "",
        "permit_number": foreigner.permit_number or "",
    }


def _holder_fact(foreigner: Foreigner) -> str:
    if foreigner.name_zh:
        return f"{foreigner.latin_name} ({foreigner.name_zh})"
    return foreigner.latin_name


def _employer(organization: Organization) -> dict[str, str]:
    return {
        "name_zh": organization.name_zh,
        "name_en": organization.name_en,
        "uscc": organization.uscc or "",
        "address": organization.address,
    }


def _job(
    source: Application | Permit | NotificationLetter, application: Application
) -> dict[str, Any]:
    category = source.category or application.category
    category_zh, category_en = both(Category(category).label) if category else ("", "")
    occupation = getattr(source, "occupation", None) or application.occupation
    place = getattr(source, "work_region", None) or application.work_region or application.region
    return {
        "category": category,
        "category_zh": category_zh,
        "category_en": category_en,
        "occupation_code": occupation.code if occupation else "",
        "occupation_zh": occupation.title_zh if occupation else "",
        "occupation_en": occupation.title_en if occupation else "",
        "job_title": getattr(source, "job_title", "") or application.job_title,
        "work_place_zh": place.name_zh if place else "",
        "work_place_en": place.name_en if place else "",
    }


def _kind_names(application: Application) -> tuple[str, str]:
    return both(AK(application.kind).label)


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    from django.utils import timezone

    return timezone.localdate(moment) if moment is not None else None


# --- Builders ---------------------------------------------------------------------------------


def build_letter(letter: NotificationLetter, day: dt.date) -> Content:
    application = letter.application
    return Content(
        number=letter.number,
        region=letter.region,
        employer=letter.employer,
        context={
            **_authority(letter.region),
            "holder": _holder(letter.foreigner, application.passport),
            "employer": _employer(letter.employer),
            "job": _job(letter, application),
            "letter": {
                "number": letter.number,
                "valid_until": letter.valid_until,
                "is_short_term": letter.is_short_term,
                "work_from": letter.work_from,
                "work_until": letter.work_until,
                "application_number": application.number,
            },
        },
        facts={
            "h": _holder_fact(letter.foreigner),
            "c": letter.category,
            "e": letter.employer.name_zh,
            "f": letter.issued_on.isoformat(),
            "u": letter.valid_until.isoformat(),
        },
    )


def build_permit(permit: Permit, day: dt.date) -> Content:
    return Content(
        number=permit.permit_number,
        region=permit.region,
        employer=permit.employer,
        context={
            **_authority(permit.region),
            "holder": _holder(permit.foreigner, permit.passport),
            "employer": _employer(permit.employer),
            "job": _job(permit, permit.application),
            "permit": {
                "permit_number": permit.permit_number,
                "valid_from": permit.valid_from,
                "valid_until": permit.valid_until,
                "application_number": permit.application.number,
            },
        },
        facts={
            "h": _holder_fact(permit.foreigner),
            "c": permit.category,
            "e": permit.employer.name_zh,
            "f": permit.valid_from.isoformat(),
            "u": permit.valid_until.isoformat(),
        },
    )


APPEAL_ZH = (
    "如不服本决定，可在收到本决定书之日起六十日内依法申请行政复议，"
    "或者在六个月内依法向人民法院提起行政诉讼。"
)
APPEAL_EN = (
    "If you disagree with this decision, you may apply for administrative reconsideration "
    "within sixty days of receiving it, or bring an administrative lawsuit before a "
    "people's court within six months."
)
BASIS_ZH = (
    "《中华人民共和国行政许可法》、《外国人在中国就业管理规定》、"
    "《关于全面实施外国人来华工作许可制度的通知》（外专发〔2017〕40号）"
)
BASIS_EN = (
    "Administrative Licensing Law of the People's Republic of China; Rules for the "
    "Administration of Employment of Foreigners in China; Notice on Fully Implementing the "
    "Work Permit System for Foreigners Working in China (2017, No. 40)"
)


def _decided_in(application: Application) -> Region:
    """The province that decided (set at submission; every decision has one)."""
    region = application.region
    if region is None:  # pragma: no cover - a decided application was submitted
        raise ValueError(f"Application {application.number} has no province.")
    return region


def _decision_base(application: Application, stage: str) -> dict[str, Any]:
    kind_zh, kind_en = _kind_names(application)
    return {
        "application_number": application.number,
        "kind_zh": kind_zh,
        "kind_en": kind_en,
        "submitted_on": _local_date(application.submitted_at),
        "decided_on": _local_date(application.decided_at) or _local_date(None),
        "stage": stage,
        "granted": [],
        "reasons": [],
        "text_zh": application.decision_text_zh,
        "text_en": application.decision_text_en,
        "criteria": [],
        "points": None,
        "legal_basis_zh": BASIS_ZH,
        "legal_basis_en": BASIS_EN,
        "appeal_zh": APPEAL_ZH,
        "appeal_en": APPEAL_EN,
    }


def _worker_parts(application: Application) -> dict[str, Any]:
    if application.foreigner is None:
        return {"holder": None, "job": None}
    return {
        "holder": _holder(application.foreigner, application.passport),
        "job": _job(application, application) if application.occupation else None,
    }


def _decision_facts(application: Application) -> dict[str, Any]:
    facts: dict[str, Any] = {"e": application.employer.name_zh}
    if application.foreigner is not None:
        facts["h"] = _holder_fact(application.foreigner)
    if application.category:
        facts["c"] = application.category
    return facts


def _granted(application: Application) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    letter = NotificationLetter.objects.filter(application=application).first()
    if letter is not None:
        zh, en = both(_("Notification Letter"))
        rows.append(
            {"label_zh": zh, "label_en": en, "value": f"{letter.number} ({letter.valid_until})"}
        )
    permit = Permit.objects.filter(application=application).first() or application.permit
    if permit is not None and application.kind != AK.CANCELLATION:
        zh, en = both(_("Work permit"))
        rows.append(
            {
                "label_zh": zh,
                "label_en": en,
                "value": f"{permit.permit_number} ({permit.valid_from} – {permit.valid_until})",
            }
        )
    if application.kind == AK.CANCELLATION and application.permit is not None:
        zh, en = both(_("Cancelled work permit"))
        rows.append({"label_zh": zh, "label_en": en, "value": application.permit.permit_number})
    return rows


def build_grant(application: Application, day: dt.date) -> Content:
    decision = _decision_base(application, "decision")
    decision["granted"] = _granted(application)
    return Content(
        number=f"XK-{application.number}",
        region=_decided_in(application),
        employer=application.employer,
        context={
            **_authority(_decided_in(application)),
            **_worker_parts(application),
            "employer": _employer(application.employer),
            "decision": decision,
        },
        facts=_decision_facts(application),
    )


def _criteria(application: Application) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The routes to the category applied for that the application did not meet, with
    their figures, and the points table, in both languages (the assessment is recomputed
    as of the day it was made)."""
    if application.kind not in (AK.NEW, AK.SHORT_TERM) or application.foreigner is None:
        return [], None
    on = application.assessed_on or _local_date(application.submitted_at)
    if on is None:
        return [], None
    results = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            results[language] = checks.recognize(application, on).assessment
    zh, en = results["zh-hans"], results["en"]
    if zh is None or en is None:
        return [], None
    criteria = []
    claimed = application.category
    for route_zh, route_en in zip(zh.routes, en.routes, strict=True):
        # The routes to the category applied for that were not met (a route waiting for an
        # officer's confirmation is not a failure, and other categories' routes are noise).
        if str(route_zh.status) != "not_met" or (claimed and route_zh.category != claimed):
            continue
        figures = dict(route_zh.figures)
        criteria.append(
            {
                "label_zh": f"{route_zh.title}：{route_zh.reason}",
                "label_en": f"{route_en.title}: {route_en.reason}",
                "required": str(figures.get("threshold", figures.get("required", ""))),
                "actual": str(figures.get("points", figures.get("actual", ""))),
                "met": False,
            }
        )
    threshold = next(
        (
            int(r.figures["threshold"])
            for r in zh.routes
            if "threshold" in r.figures and r.category == (application.category or r.category)
        ),
        0,
    )
    points = {
        "total": zh.points.total,
        "required": threshold,
        "category": zh.points.category,
        "lines": [
            {"title_zh": a.title, "title_en": b.title, "points": a.points, "max": a.max}
            for a, b in zip(zh.points.lines, en.points.lines, strict=True)
        ],
    }
    return criteria, points


def build_rejection(application: Application, day: dt.date) -> Content:
    stage = "acceptance" if application.state == Application.State.NOT_ACCEPTED else "decision"
    decision = _decision_base(application, stage)
    decision["reasons"] = [
        {"code": reason.code, "title_zh": reason.text_zh, "title_en": reason.text_en}
        for reason in application.decision_reasons.all()
    ]
    if stage == "decision":
        decision["criteria"], decision["points"] = _criteria(application)
    prefix = "BS" if stage == "acceptance" else "BX"
    return Content(
        number=f"{prefix}-{application.number}",
        region=_decided_in(application),
        employer=application.employer,
        context={
            **_authority(_decided_in(application)),
            **_worker_parts(application),
            "employer": _employer(application.employer),
            "decision": decision,
        },
        facts=_decision_facts(application),
    )


def build_registration(registration: Registration, day: dt.date) -> Content:
    organization = registration.organization
    return Content(
        number=registration.number,
        region=_province(registration.region),
        employer=organization,
        context={
            **_authority(registration.region),
            "holder": None,
            "job": None,
            "employer": {
                "name_zh": registration.name_zh,
                "name_en": registration.name_en,
                "uscc": registration.uscc,
                "address": registration.address,
            },
            "registration": {
                "number": registration.number,
                "name_zh": registration.name_zh,
                "name_en": registration.name_en,
                "uscc": registration.uscc,
                "address": registration.address,
                "legal_representative": registration.legal_representative,
                "region_zh": registration.region.name_zh,
                "region_en": registration.region.name_en,
                "registered_on": _local_date(registration.decided_at) or day,
            },
        },
        facts={"e": registration.name_zh, "h": registration.uscc},
    )


# --- Status ------------------------------------------------------------------------------------

LETTER_STATUS = {
    NotificationLetter.State.VALID: Status.CURRENT,
    NotificationLetter.State.USED: Status.USED,
    NotificationLetter.State.EXPIRED: Status.EXPIRED,
    NotificationLetter.State.REVOKED: Status.REVOKED,
}
PERMIT_STATUS = {
    Permit.State.ACTIVE: Status.CURRENT,
    Permit.State.CANCELLED: Status.CANCELLED,
    Permit.State.REVOKED: Status.REVOKED,
    Permit.State.EXPIRED: Status.EXPIRED,
    Permit.State.TRANSFERRED: Status.ENDED,
}


def letter_status(letter: NotificationLetter, day: dt.date) -> str:
    return LETTER_STATUS[NotificationLetter.State(letter.status_on(day))]


def permit_status(permit: Permit, day: dt.date) -> str:
    return PERMIT_STATUS[Permit.State(permit.status_on(day))]


def decision_status(application: Application, day: dt.date) -> str:
    return Status.CURRENT


def registration_status(registration: Registration, day: dt.date) -> str:
    if registration.state == Registration.State.APPROVED:
        return Status.CURRENT
    return Status.WITHDRAWN


# --- Access ------------------------------------------------------------------------------------


def _sees_application(user: AnyUser, application: Application) -> bool:
    return (
        may_act_on(user, application)
        or may_accept(user, application)
        or may_decide(user, application)
    )


def _sees_permit(user: AnyUser, permit: Permit) -> bool:
    return may_act_for(user, permit.employer_id) or _sees_application(user, permit.application)


def _sees_registration(user: AnyUser, registration: Registration) -> bool:
    if registration.organization_id is not None and may_act_for(user, registration.organization_id):
        return True
    return has_region_permission(user, ACCEPT, registration.region_id)


# --- Who is told that a document is ready, and where they find it ------------------------------
# (``portal.documents``: the notification ``documents.ready`` once each version is signed.)
# A letter or a decision: the employer's people and, when an agency filed the application,
# the agency's (``permits.notifications.employer_people``, as for the decision itself); a
# permit: the employer's people; a registration certificate: the person who registered.
# Each link opens the page of the employer's side that lists the document.


def letter_recipients(document: IssuedDocument, letter: NotificationLetter) -> Iterable[User]:
    return employer_people(letter.application)


def letter_url(document: IssuedDocument, letter: NotificationLetter) -> str:
    return reverse("permits:application", args=[letter.application_id])


def permit_recipients(document: IssuedDocument, permit: Permit) -> Iterable[User]:
    return organization_users(permit.employer_id)


def permit_url(document: IssuedDocument, permit: Permit) -> str:
    return reverse("permits:permit", args=[permit.pk])


def decision_recipients(document: IssuedDocument, application: Application) -> Iterable[User]:
    return employer_people(application)


def decision_url(document: IssuedDocument, application: Application) -> str:
    return reverse("permits:application", args=[application.pk])


def registration_recipients(document: IssuedDocument, registration: Registration) -> Iterable[User]:
    return [registration.applicant]


def registration_url(document: IssuedDocument, registration: Registration) -> str:
    return reverse("permits:registration_detail", args=[registration.pk])


def register() -> None:
    documents.register_kind(
        DocumentKind(
            code=LETTER,
            label=_("Notification Letter"),
            title_zh="外国人工作许可通知",
            title_en="Notification Letter of Foreigner's Work Permit",
            template="documents/notification_letter.html",
            model=NotificationLetter,
            build=build_letter,
            status=letter_status,
            may_view=lambda user, letter: _sees_application(user, letter.application),
            may_reissue=lambda user, letter: may_decide(user, letter.application),
            select_related=("application",),
            recipients=letter_recipients,
            recipient_url=letter_url,
        )
    )
    documents.register_kind(
        DocumentKind(
            code=PERMIT,
            label=_("Work permit"),
            title_zh="外国人工作许可证",
            title_en="Foreigner's Work Permit",
            template="documents/work_permit.html",
            model=Permit,
            build=build_permit,
            status=permit_status,
            may_view=_sees_permit,
            may_reissue=lambda user, permit: may_decide(user, permit.application),
            select_related=("application",),
            recipients=permit_recipients,
            recipient_url=permit_url,
        )
    )
    documents.register_kind(
        DocumentKind(
            code=GRANT,
            label=_("Decision to grant"),
            title_zh="准予行政许可决定书",
            title_en="Decision to Grant an Administrative Licence",
            template="documents/grant_decision.html",
            model=Application,
            build=build_grant,
            status=decision_status,
            may_view=_sees_application,
            may_reissue=may_decide,
            recipients=decision_recipients,
            recipient_url=decision_url,
        )
    )
    documents.register_kind(
        DocumentKind(
            code=REJECTION,
            label=_("Decision to refuse"),
            title_zh="不予行政许可决定书",
            title_en="Decision to Refuse an Administrative Licence",
            template="documents/rejection_decision.html",
            model=Application,
            build=build_rejection,
            status=decision_status,
            may_view=_sees_application,
            may_reissue=lambda user, application: (
                may_accept(user, application)
                if application.state == Application.State.NOT_ACCEPTED
                else may_decide(user, application)
            ),
            recipients=decision_recipients,
            recipient_url=decision_url,
        )
    )
    documents.register_kind(
        DocumentKind(
            code=REGISTRATION,
            label=_("Registration certificate"),
            title_zh="用人单位注册证明",
            title_en="Certificate of Employer Registration",
            template="documents/registration_certificate.html",
            model=Registration,
            build=build_registration,
            status=registration_status,
            may_view=_sees_registration,
            may_reissue=lambda user, registration: has_region_permission(
                user, ACCEPT, registration.region_id
            ),
            recipients=registration_recipients,
            recipient_url=registration_url,
        )
    )
    documents.register_number_lookup(permit_number_lookup)
    documents.register_number_lookup(legacy_number_lookup)


# --- Issuing (called from the workflows' effects, inside the decision's transaction) ----------


def issue_for_approval(application: Application, actor: Any, day: dt.date) -> None:
    """The documents an approval issues (see the module's table)."""
    kind = application.kind
    if kind in (AK.NEW, AK.SHORT_TERM):
        letter = NotificationLetter.objects.get(application=application)
        documents.document_issue(kind=LETTER, subject=letter, actor=actor, on=day)
    elif kind in (AK.AFTER_ENTRY, AK.CHANGE_EMPLOYER):
        permit = Permit.objects.get(application=application)
        documents.document_issue(kind=PERMIT, subject=permit, actor=actor, on=day)
    elif kind in (AK.EXTENSION, AK.CHANGE) and application.permit_id is not None:
        reason_zh, reason_en = both(AK(kind).label)
        documents.document_issue(
            kind=PERMIT,
            # Read again: the approval has just changed the permit's row.
            subject=Permit.objects.get(pk=application.permit_id),
            actor=actor,
            on=day,
            reason=f"{reason_zh} {application.number} / {reason_en}",
        )
    documents.document_issue(kind=GRANT, subject=application, actor=actor, on=day)


def issue_for_refusal(application: Application, actor: Any, day: dt.date) -> None:
    documents.document_issue(kind=REJECTION, subject=application, actor=actor, on=day)


def issue_for_registration(registration: Registration, actor: Any, day: dt.date) -> None:
    documents.document_issue(kind=REGISTRATION, subject=registration, actor=actor, on=day)


# --- Verification by permit number --------------------------------------------------------------


def permit_number_lookup(number: str, name: str | None, day: dt.date) -> documents.Verdict | None:
    """A work permit by its number (the latest one started by ``day``). With ``name``
    (the public page), the holder's name must match, else nothing is found."""
    from permits.selectors import permits as permit_selectors

    if not (len(number) == 18 and number.isdigit()):
        return None
    permit = permit_selectors.permit_by_number(number, day)
    if permit is None:
        return documents.Verdict(False, "not_found", source="number")
    foreigner = permit.foreigner
    if name is not None and not documents.names_match(
        name,
        foreigner.latin_name,
        f"{foreigner.given_names} {foreigner.surname}",
        foreigner.name_zh,
    ):
        return documents.Verdict(False, "not_found", source="number")
    current = documents.documents_of(permit, [PERMIT]).filter(superseded_at__isnull=True).first()
    return documents.Verdict(
        True,
        status=permit_status(permit, day),
        facts={
            "kind": PERMIT,
            "number": permit.permit_number,
            "holder": _holder_fact(foreigner),
            "category": permit.category,
            "employer": permit.employer.name_zh,
            "valid_from": permit.valid_from.isoformat(),
            "valid_until": permit.valid_until.isoformat(),
        },
        document=current,
        source="number",
    )


# --- Verification of documents issued before 1 April 2017 ---------------------------------------

LEGACY_NUMBER = re.compile(r"[0-9A-Z]{6,20}")
# The documents' own titles, as printed on them.
LEGACY_TITLES_ZH = {
    LegacyDocument.Kind.ALIEN_EMPLOYMENT_LICENCE: "外国人就业证",
    LegacyDocument.Kind.FOREIGN_EXPERT_CERTIFICATE: "外国专家证",
}


def legacy_status(document: LegacyDocument, day: dt.date) -> str:
    """A pre-2017 document's status for a verdict: closed when a work permit replaced it."""
    return {
        "valid": Status.CURRENT,
        "expired": Status.EXPIRED,
        LegacyDocument.State.CLOSED: Status.ENDED,
        LegacyDocument.State.REVOKED: Status.REVOKED,
    }[document.status_on(day)]


def legacy_number_lookup(number: str, name: str | None, day: dt.date) -> documents.Verdict | None:
    """An Alien Employment Licence or Foreign Expert Certificate by its number (upper-case,
    no spaces). With ``name`` (the public page), the holder's name must match, else nothing
    is found. None when no such document is recorded (another lookup may know the
    number)."""
    from permits.selectors import legacy as legacy_selectors

    if not LEGACY_NUMBER.fullmatch(number):
        return None
    document = legacy_selectors.legacy_by_number(number)
    if document is None:
        return None
    holder = document.holder
    if name is not None and not documents.names_match(
        name, holder.latin_name, f"{holder.given_names} {holder.surname}", holder.name_zh
    ):
        return documents.Verdict(False, "not_found", source="number")
    kind = LegacyDocument.Kind(document.kind)
    kind_zh = LEGACY_TITLES_ZH[kind]
    chinese = (translation.get_language() or "").startswith("zh")
    return documents.Verdict(
        True,
        status=legacy_status(document, day),
        facts={
            # The document's own title, and in English the reader's name for it too.
            "kind": kind_zh if chinese else f"{kind.label} ({kind_zh})",
            "legacy_kind": document.kind,
            "number": document.number,
            "holder": _holder_fact(holder),
            "employer": document.employer.name_zh,
            "valid_from": document.valid_from.isoformat(),
            "valid_until": document.valid_until.isoformat(),
            "legacy": True,
        },
        source="number",
    )
