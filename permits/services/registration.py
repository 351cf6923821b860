"""Writes of registration and powers of attorney.

* ``registration_submit``: a handler files an employer's or agency's registration online,
  opening their account in the same transaction when they have none;
* ``registration_resubmit``: the applicant corrects a returned registration;
* ``registration_transition``: approve, return for correction, reject, withdraw, through
  ``REGISTRATION_WORKFLOW`` (approval creates the organization);
* ``power_of_attorney_grant`` / ``power_of_attorney_revoke``: an employer admin lets a
  service agency act for the employer for a period, and ends it;
* ``acting_for_audit``: the audit data every service of permits adds, so that what an
  agent does is recorded as the agent's act for that employer.

Every function is keyword-only, takes ``actor``, runs in one transaction with its audit
event, and changes nothing when it refuses: bad input raises ``ValidationError`` (by
field), refusals ``ServiceError`` (``RegistrationBlocked`` carries the credit standing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from credit import selectors as credit_selectors
from credit.selectors import Standing
from permits.access import acting_agency
from permits.models import PowerOfAttorney, Registration
from permits.workflows.registration import REGISTRATION_WORKFLOW
from portal import services as portal_services
from portal.access import has_organization_permission
from portal.audit import audit_record
from portal.files import UploadError, store_upload
from portal.identifiers import parse_uscc
from portal.models import Organization, Region, StoredFile, User
from portal.sequences import sequence_next
from portal.services import PermissionDeniedError, ServiceError

# The longest power of attorney an employer may grant at once (then it is granted again).
POWER_OF_ATTORNEY_MAX_YEARS = 3
OPEN_STATES = (Registration.State.SUBMITTED, Registration.State.RETURNED)
UPLOAD_FIELDS = ("business_licence", "power_of_attorney")


class RegistrationBlocked(ServiceError):
    """A serious dishonesty record blocks the registration: the standing says why and
    until when."""

    def __init__(self, message: str, *, standing: Standing):
        super().__init__(message, code="credit_blocked", status=409)
        self.standing = standing


@dataclass(frozen=True)
class Account:
    """The handler's new account, opened with the registration."""

    username: str
    email: str
    password: str
    language: str = "zh-hans"


@dataclass(frozen=True)
class RegistrationData:
    """What a registration says about the organization and its handler."""

    kind: str
    uscc: str
    name_zh: str
    name_en: str
    region: Region
    address: str
    legal_representative: str
    handler_name: str
    handler_phone: str
    handler_email: str


# --- Checks ------------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def uscc_problems(uscc: str, *, excluding: Registration | None = None) -> list[str]:
    """Why ``uscc`` (already normalised) cannot be registered now, besides credit."""
    if Organization.objects.filter(uscc=uscc).exists():
        return [gettext("An organization with this identifier is already registered.")]
    open_ones = Registration.objects.filter(uscc=uscc, state__in=OPEN_STATES)
    if excluding is not None:
        open_ones = open_ones.exclude(pk=excluding.pk)
    if open_ones.exists():
        return [
            gettext(
                "A registration with this identifier is already in progress. Its handler "
                "can follow it after signing in."
            )
        ]
    return []


def refuse_if_blocked(uscc: str, on: dt.date) -> None:
    """Raise ``RegistrationBlocked`` when the credit standing blocks ``uscc`` on ``on``."""
    standing = credit_selectors.organization_standing(uscc, on)
    if standing.blocks:
        if standing.until is not None:
            message = gettext(
                "A serious dishonesty record blocks the registration of this organization "
                "until %(date)s."
            ) % {"date": standing.until.isoformat()}
        else:
            message = gettext(
                "A serious dishonesty record blocks the registration of this organization."
            )
        raise RegistrationBlocked(message, standing=standing)


def _check_identifier(
    raw: str, errors: dict[str, list[str]], *, excluding: Registration | None = None
) -> tuple[str, bool]:
    """The normalised identifier and whether its check character failed; what is wrong
    with it goes into ``errors``. A well-formed identifier blocked by credit raises
    ``RegistrationBlocked`` at once: nothing else matters then."""
    try:
        parsed = parse_uscc(raw)
    except ValidationError as exc:
        errors["uscc"] = exc.messages
        return (raw or "").strip().upper(), False
    refuse_if_blocked(parsed.value, _today())
    problems = uscc_problems(parsed.value, excluding=excluding)
    if problems:
        errors["uscc"] = problems
    return parsed.value, not parsed.check_ok


def _check_data(data: RegistrationData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.kind not in Registration.Kind.values:
        errors["kind"] = [gettext("Choose employer or service agency.")]
    required = {
        "name_zh": data.name_zh,
        "address": data.address,
        "legal_representative": data.legal_representative,
        "handler_name": data.handler_name,
        "handler_phone": data.handler_phone,
        "handler_email": data.handler_email,
    }
    for name, value in required.items():
        if not (value or "").strip():
            errors[name] = [gettext("This field is required.")]
    return errors


def _store(
    uploads: dict[str, BinaryIO | Any],
    actor: User | None,
    errors: dict[str, list[str]],
    *,
    required: bool,
) -> dict[str, StoredFile]:
    """Store every upload; what is refused goes into ``errors`` by field. Call inside the
    transaction and raise when ``errors`` is not empty: the rollback leaves no row, and
    ``sweep_orphan_files`` removes the bytes."""
    stored: dict[str, StoredFile] = {}
    for name, upload in uploads.items():
        if upload is None:
            if required:
                errors[name] = [gettext("Attach the file.")]
            continue
        try:
            stored[name] = store_upload(upload, actor=actor)
        except UploadError as exc:
            errors[name] = [exc.message]
    return stored


def _check_account(account: Account) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=account.username).exists():
        errors["username"] = [gettext("This user name is taken.")]
    email = User.objects.normalize_email(account.email.strip())
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = [gettext("A user with this e-mail address exists.")]
    probe = User(username=account.username, email=email)
    try:
        password_validation.validate_password(account.password, probe)
    except ValidationError as exc:
        errors["password"] = exc.messages
    return errors


# --- Registration ------------------------------------------------------------------------------


def registration_submit(
    *,
    actor: User | None,
    data: RegistrationData,
    business_licence: BinaryIO | Any,
    power_of_attorney: BinaryIO | Any,
    account: Account | None = None,
    request: HttpRequest | None = None,
) -> Registration:
    """File a registration. Without a signed-in ``actor``, ``account`` opens the handler's
    account (signed in by the page afterwards). Refused, with nothing saved, when the
    identifier is malformed, already registered or in another open registration, when the
    credit standing blocks it, or when an upload is not an acceptable file."""
    signed_in = actor is not None and actor.is_authenticated
    if not signed_in and account is None:
        raise ServiceError(gettext("Open an account to register."), code="account_required")
    if signed_in:
        assert actor is not None
        if actor.organization_id is not None:
            raise ServiceError(
                gettext(
                    "Your account already belongs to an organization. A new organization is "
                    "registered by its own handler."
                ),
                code="already_member",
            )
        if Registration.objects.filter(applicant=actor, state__in=OPEN_STATES).exists():
            raise ServiceError(
                gettext("You already have a registration in progress."), code="open_registration"
            )
    errors = _check_data(data)
    uscc, check_failed = _check_identifier(data.uscc, errors)
    if account is not None and not signed_in:
        errors.update(_check_account(account))

    with transaction.atomic():
        applicant: User | None = actor if signed_in else None
        if applicant is None and not errors:
            assert account is not None
            applicant = portal_services.user_create(
                actor=None,  # the public registration page; recorded as the system
                username=account.username,
                email=account.email,
                full_name=data.handler_name,
                organization=None,
                password=account.password,
                preferred_language=account.language,
                request=request,
            )
        files = _store(
            {"business_licence": business_licence, "power_of_attorney": power_of_attorney},
            applicant,
            errors,
            required=True,
        )
        if errors:
            raise ValidationError(errors)
        assert applicant is not None
        now = timezone.now()
        registration = Registration(
            number=f"REG{now.year}{sequence_next(f'registration:{now.year}'):06d}",
            kind=data.kind,
            state=Registration.State.SUBMITTED,
            uscc=uscc,
            uscc_check_failed=check_failed,
            name_zh=data.name_zh.strip(),
            name_en=data.name_en.strip(),
            region=data.region,
            address=data.address.strip(),
            legal_representative=data.legal_representative.strip(),
            business_licence=files["business_licence"],
            power_of_attorney=files["power_of_attorney"],
            handler_name=data.handler_name.strip(),
            handler_phone=data.handler_phone.strip(),
            handler_email=data.handler_email.strip(),
            applicant=applicant,
            submitted_at=now,
        )
        try:
            with transaction.atomic():
                registration.save(force_insert=True)
        except IntegrityError:  # a registration for the same identifier raced this one
            raise ValidationError(
                {"uscc": uscc_problems(uscc) or [gettext("Try again.")]}
            ) from None
        audit_record(
            actor=applicant,
            action="permits.registration.submit",
            target=registration,
            data={
                "kind": data.kind,
                "uscc": uscc,
                "check_failed": check_failed,
                "region": data.region.code,
                "new_account": not signed_in,
            },
            request=request,
        )
    return registration


def registration_resubmit(
    *,
    actor: User,
    registration: Registration,
    data: RegistrationData,
    business_licence: BinaryIO | Any = None,
    power_of_attorney: BinaryIO | Any = None,
    request: HttpRequest | None = None,
) -> Registration:
    """Correct a returned registration and submit it again (new files are optional: the
    ones already sent stay otherwise). The changed fields go into the transition's
    payload, so the history shows what was corrected."""
    errors = _check_data(data)
    uscc, check_failed = _check_identifier(data.uscc, errors, excluding=registration)
    with transaction.atomic():
        files = _store(
            {"business_licence": business_licence, "power_of_attorney": power_of_attorney},
            actor,
            errors,
            required=False,
        )
        if errors:
            raise ValidationError(errors)
        wanted: dict[str, Any] = {
            "kind": data.kind,
            "uscc": uscc,
            "uscc_check_failed": check_failed,
            "name_zh": data.name_zh.strip(),
            "name_en": data.name_en.strip(),
            "region_id": data.region.pk,
            "address": data.address.strip(),
            "legal_representative": data.legal_representative.strip(),
            "handler_name": data.handler_name.strip(),
            "handler_phone": data.handler_phone.strip(),
            "handler_email": data.handler_email.strip(),
        }
        for name, stored in files.items():
            wanted[f"{name}_id"] = str(stored.pk)
        changes = {
            name: value
            for name, value in wanted.items()
            if str(getattr(registration, name)) != str(value)
        }
        return REGISTRATION_WORKFLOW.run(
            registration,
            "resubmit",
            actor=actor,
            payload={"changes": changes},
            request=request,
        )


def registration_transition(
    *,
    actor: User,
    registration: Registration,
    transition: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Registration:
    """Approve, return for correction (with what to correct), reject (with reasons) or
    withdraw, through the workflow: a refusal raises ``WorkflowError`` and changes
    nothing."""
    return REGISTRATION_WORKFLOW.run(
        registration, transition, actor=actor, reason=reason, request=request
    )


# --- Powers of attorney ------------------------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def latest_valid_until(valid_from: dt.date) -> dt.date:
    """The last day a power of attorney starting on ``valid_from`` may run to."""
    return add_years(valid_from, POWER_OF_ATTORNEY_MAX_YEARS) - dt.timedelta(days=1)


def _require_employer_admin(actor: User, employer: Organization) -> None:
    if employer.kind != Organization.Kind.EMPLOYER or not has_organization_permission(
        actor, "manage_organization_users", employer
    ):
        raise PermissionDeniedError()


def power_of_attorney_grant(
    *,
    actor: User,
    employer: Organization,
    agency: Organization,
    valid_from: dt.date,
    valid_until: dt.date,
    request: HttpRequest | None = None,
) -> PowerOfAttorney:
    """An employer admin lets ``agency`` act for ``employer`` from ``valid_from`` to
    ``valid_until`` (both days included; at most ``POWER_OF_ATTORNEY_MAX_YEARS``)."""
    _require_employer_admin(actor, employer)
    errors: dict[str, list[str]] = {}
    today = _today()
    if agency.kind != Organization.Kind.SERVICE_AGENCY or not agency.is_active:
        errors["agency"] = [gettext("Choose a registered service agency.")]
    if valid_from < today:
        errors["valid_from"] = [gettext("The power of attorney cannot start in the past.")]
    if valid_until < valid_from:
        errors["valid_until"] = [gettext("The last day comes on or after the first day.")]
    elif valid_until > latest_valid_until(valid_from):
        errors["valid_until"] = [
            gettext(
                "A power of attorney runs for at most %(years)d years: until %(date)s at the "
                "latest."
            )
            % {
                "years": POWER_OF_ATTORNEY_MAX_YEARS,
                "date": latest_valid_until(valid_from).isoformat(),
            }
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # One grant at a time per employer, so that overlaps are seen.
        Organization.objects.select_for_update().filter(pk=employer.pk).first()
        overlapping = (
            PowerOfAttorney.objects.filter(
                employer=employer,
                agency=agency,
                revoked_at__isnull=True,
                valid_from__lte=valid_until,
                valid_until__gte=valid_from,
            )
            .order_by("valid_until")
            .last()
        )
        if overlapping is not None:
            raise ServiceError(
                gettext(
                    "%(agency)s already holds a power of attorney from %(start)s to %(end)s. "
                    "Revoke it first, or start the new one after it ends."
                )
                % {
                    "agency": agency.name,
                    "start": overlapping.valid_from.isoformat(),
                    "end": overlapping.valid_until.isoformat(),
                },
                code="overlapping_power",
            )
        power = PowerOfAttorney.objects.create(
            employer=employer,
            agency=agency,
            valid_from=valid_from,
            valid_until=valid_until,
            granted_by=actor,
            granted_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="permits.power_of_attorney.grant",
            target=power,
            data={
                "employer": employer.pk,
                "agency": agency.pk,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
            },
            request=request,
        )
    return power


def power_of_attorney_revoke(
    *, actor: User, power: PowerOfAttorney, request: HttpRequest | None = None
) -> PowerOfAttorney:
    """End a power of attorney at once: the agency's agents stop seeing the employer."""
    _require_employer_admin(actor, power.employer)
    with transaction.atomic():
        locked = PowerOfAttorney.objects.select_for_update().get(pk=power.pk)
        if locked.revoked_at is not None:
            raise ServiceError(
                gettext("This power of attorney was already revoked."), code="already_revoked"
            )
        if locked.valid_until < _today():
            raise ServiceError(
                gettext("This power of attorney has already ended."), code="already_ended"
            )
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="permits.power_of_attorney.revoke",
            target=locked,
            data={"employer": locked.employer_id, "agency": locked.agency_id},
            request=request,
        )
    return locked


# --- Acting for an employer ----------------------------------------------------------------


def acting_for_audit(actor: User | None, employer: Organization | int) -> dict[str, Any]:
    """The audit data of an act for ``employer``: the employer, and when the actor acts
    through a service agency under a power of attorney, the agency and the power. Every
    write of permits on an employer's behalf adds this to its audit event::

        data = {"application": application.pk, **acting_for_audit(actor, employer)}
    """
    employer_id = employer.pk if isinstance(employer, Organization) else employer
    data: dict[str, Any] = {"for_employer": employer_id}
    agency = acting_agency(actor, employer_id)
    if agency is None:
        return data
    today = _today()
    power = (
        PowerOfAttorney.objects.filter(
            agency=agency,
            employer_id=employer_id,
            revoked_at__isnull=True,
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .order_by("-valid_until")
        .values_list("pk", flat=True)
        .first()
    )
    data.update(
        {
            "acting_agency": agency.pk,
            "acting_agency_uscc": agency.uscc,
            "power_of_attorney": power,
        }
    )
    return data
