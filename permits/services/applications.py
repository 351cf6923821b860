"""Writes of applications: drafts and their steps, the worker, documents, answers to
information requests, and the one entry point to the application's workflow.

Every function takes ``actor=`` and keyword-only arguments, runs in one transaction,
locks the application row it changes, and writes its audit event in that transaction.
A refusal raises before anything is written: ``PermissionDeniedError`` (not the actor's
to do), ``ServiceError`` (not possible in this state) or Django's ``ValidationError``
with the fields named (bad input). Whoever acts through a service agency under a power of
attorney in force acts for the employer: the application records the agency and every
audit event names the agency and the employer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs import selectors as catalog_selectors
from catalogs.models import Occupation
from permits import checks, documents, labour_market
from permits.access import acting_agency, may_act_for, may_act_on, may_decide
from permits.models import (
    EDITABLE_STATES,
    Application,
    Document,
    InformationItem,
    InformationRequest,
    NotificationLetter,
    Permit,
    Vacancy,
)
from permits.workflows import APPLICATION_WORKFLOW
from portal.audit import audit_record
from portal.countries import COUNTRY_NAMES
from portal.files import UploadError, store_upload
from portal.identifiers import mrz_check_digit
from portal.models import Foreigner, Organization, Passport, Region, User
from portal.sequences import sequence_next
from portal.services import PermissionDeniedError, ServiceError
from talent_standards import services as talent_services

AK = Application.Kind
S = Application.State

STEPS = ("kind", "worker", "job", "facts")
JOB_STEP_FIELDS = frozenset(
    {
        "occupation",
        "job_title",
        "work_region",
        "annual_salary_cny",
        "contract_start",
        "contract_end",
        "months_in_china_per_year",
    }
)
FACT_FIELDS = frozenset(
    {
        "education",
        "skill_certificate",
        "experience_years",
        "hsk_level",
        "former_chinese_national",
        "chinese_taught_degree",
        "bonuses",
        "achievements",
        "declared_facts",
        "teaches_language",
        "native_language",
        "teaching_years",
        "teaching_qualification",
    }
)
# The claim (category, route, Category C group) and Category A's commitment letters.
CLAIM_FIELDS = frozenset({"category", "route_code", "commitment_letters", "c_group"})
WORKER_FIELDS = frozenset(
    {
        "surname",
        "given_names",
        "name_zh",
        "sex",
        "date_of_birth",
        "nationality",
        "passport_number",
        "passport_country",
        "passport_issue_date",
        "passport_expiry_date",
        "mrz_line1",
        "mrz_line2",
        "previous_passport_number",
    }
)
# The labour-market test of the post (``permits.labour_market``), a ``Vacancy`` row.
VACANCY_FIELDS = frozenset(
    {
        "vacancy_job_title",
        "vacancy_occupation",
        "requirements",
        "vacancy_salary_cny",
        "channels",
        "channel_details",
        "advertised_from",
        "advertised_until",
        "applications_received",
        "reasons_unsuitable",
    }
)
KIND_FIELDS: dict[str, frozenset[str]] = {
    AK.AFTER_ENTRY: frozenset({"entry_date"}),
    AK.CHANGE: frozenset({"change_kind", "change_date"}),
    AK.EXTENSION: frozenset({"contract_end"}),
    AK.CANCELLATION: frozenset({"contract_end"}),
}
# The job and facts copied to a new draft (``draft_copy``) and from a permit's application.
JOB_COPY = (
    "region",
    "work_region",
    "occupation",
    "job_title",
    "annual_salary_cny",
    "months_in_china_per_year",
    "contract_start",
    "contract_end",
)
FACTS_COPY = (
    "education",
    "skill_certificate",
    "experience_years",
    "hsk_level",
    "former_chinese_national",
    "chinese_taught_degree",
    "bonuses",
    "achievements",
    "declared_facts",
    "teaches_language",
    "native_language",
    "teaching_years",
    "teaching_qualification",
)
CLAIM_COPY = ("category", "route_code", "commitment_letters", "c_group")
COPYABLE_KINDS = frozenset({AK.NEW, AK.SHORT_TERM})
PASSPORT_NUMBER = re.compile(r"^[0-9A-Z]{5,20}$")
MAX_ANSWER = 5000


# --- Common --------------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _next_number(today: dt.date) -> str:
    """WP-2026-0000042: the year and a race-free counter of the year."""
    return f"WP-{today.year}-{sequence_next(f'permits.application.{today.year}'):07d}"


def _acting(actor: User, employer_id: int) -> dict[str, Any]:
    """Audit data naming the employer acted for and the agency acted through, if any."""
    agency = acting_agency(actor, employer_id)
    data: dict[str, Any] = {"employer": employer_id}
    if agency is not None:
        data["agency"] = agency.pk
        data["acting_for"] = employer_id
    return data


def _lock(application: Application | int) -> Application:
    pk = application.pk if isinstance(application, Application) else application
    try:
        return (
            Application.objects.select_for_update(of=("self",))
            .select_related(
                "employer",
                "region",
                "work_region",
                "foreigner",
                "passport",
                "occupation",
                "permit",
                "letter",
            )
            .get(pk=pk)
        )
    except Application.DoesNotExist:
        raise ServiceError(_("The application no longer exists."), code="not_found") from None


def _require_actor(actor: User, application: Application) -> None:
    if not may_act_on(actor, application):
        raise PermissionDeniedError(_("You may not act for this employer."))


def _require_editable(application: Application) -> None:
    if application.state not in EDITABLE_STATES:
        raise ServiceError(
            _("The application is %(state)s: only drafts and returned applications change.")
            % {"state": Application.State(application.state).label},
            code="not_editable",
            status=409,
        )


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


# --- Parsing the form's values -------------------------------------------------------------------


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None


def _decimal(value: Any, low: Decimal, high: Decimal) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not number.is_finite() or not low <= number <= high:
        raise ValueError(_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high})
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "on", "yes"}
    return bool(value)


def _text(value: Any, limit: int) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise ValueError(_("At most %(n)d characters.") % {"n": limit})
    return text


def _choice(value: Any, choices: list[str] | tuple[str, ...], blank: bool = True) -> str:
    text = str(value or "").strip()
    if (text == "" and blank) or text in choices:
        return text
    raise ValueError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)})


def _codes(value: Any, allowed: frozenset[str] | None = None) -> list[str]:
    if value in (None, ""):
        return []
    items = [value] if isinstance(value, str) else list(value)
    codes = sorted({str(item).strip() for item in items if str(item).strip()})
    if allowed is not None:
        unknown = [code for code in codes if code not in allowed]
        if unknown:
            raise ValueError(_("Unknown: %(codes)s.") % {"codes": ", ".join(unknown)})
    return codes


def _occupation(value: Any) -> Occupation | None:
    if value in (None, ""):
        return None
    occupation = (
        value
        if isinstance(value, Occupation)
        else catalog_selectors.occupation_by_code(str(value).strip())
    )
    if occupation is None or occupation.level != Occupation.Level.DETAILED:
        raise ValueError(
            _("Choose a detailed occupation (code D-DD-DD-DD) of the 2022 classification.")
        )
    return occupation


def _region(value: Any) -> Region | None:
    if value in (None, ""):
        return None
    region = value if isinstance(value, Region) else Region.objects.filter(code=str(value)).first()
    if region is None:
        raise ValueError(_("Choose a region by its six-digit division code."))
    return region


def _apply(
    application: Application, values: Mapping[str, Any], parsers: Mapping[str, Any]
) -> tuple[set[str], dict[str, list[str]]]:
    changed: set[str] = set()
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        try:
            parsed = parsers[name](value)
        except ValueError as error:
            errors[name] = [str(error)]
            continue
        if name == "work_region":
            province = checks.province_of(parsed) if parsed is not None else None
            if getattr(application, "region", None) != province:
                application.region = province
                changed.add("region")
        if getattr(application, name) != parsed:
            setattr(application, name, parsed)
            changed.add(name)
    return changed, errors


def _parsers() -> dict[str, Any]:
    return {
        "occupation": _occupation,
        "job_title": lambda v: _text(v, 100),
        "work_region": _region,
        "annual_salary_cny": lambda v: _decimal(v, Decimal(0), Decimal("9999999999.99")),
        "months_in_china_per_year": lambda v: _decimal(v, Decimal(0), Decimal(12)),
        "contract_start": _date,
        "contract_end": _date,
        "entry_date": _date,
        "change_date": _date,
        "change_kind": lambda v: _choice(v, Application.ChangeKind.values),
        "education": lambda v: _choice(v, Application.Education.values),
        "skill_certificate": lambda v: (
            _choice(v, Application.SkillCertificate.values) or Application.SkillCertificate.NONE
        ),
        "experience_years": lambda v: _decimal(v, Decimal(0), Decimal("99.9")),
        "hsk_level": lambda v: int(_decimal(v, Decimal(0), Decimal(6)) or 0),
        "former_chinese_national": _bool,
        "chinese_taught_degree": _bool,
        "bonuses": lambda v: _codes(v, frozenset(talent_services.BONUS_FACTS)),
        "achievements": _codes,
        "declared_facts": _codes,
        "teaches_language": lambda v: _text(v, 8).lower(),
        "native_language": lambda v: _text(v, 8).lower(),
        "teaching_years": lambda v: _decimal(v, Decimal(0), Decimal("99.9")) or Decimal(0),
        "teaching_qualification": _bool,
        "category": lambda v: _choice(v, ("A", "B", "C")),
        "route_code": lambda v: _text(v, 32).upper(),
        "commitment_letters": _bool,
        "c_group": lambda v: _choice(v, Application.CGroup.values),
    }


def _step_fields(application: Application, step: str) -> frozenset[str]:
    if step == "job":
        return JOB_STEP_FIELDS
    if step == "facts":
        return FACT_FIELDS | CLAIM_FIELDS
    if step == "worker":
        return WORKER_FIELDS
    if step == "kind":
        return KIND_FIELDS.get(application.kind, frozenset())
    if step == labour_market.STEP and application.kind in labour_market.KINDS:
        return VACANCY_FIELDS
    raise _invalid("step", _("Unknown step: %(step)s.") % {"step": step})


# --- Drafts --------------------------------------------------------------------------------------


def _copy(target: Application, source: Application, names: tuple[str, ...]) -> None:
    for name in names:
        setattr(target, name, getattr(source, name))


def _current_passport(person: Foreigner) -> Passport | None:
    return Passport.objects.filter(foreigner=person, is_current=True).first()


def _check_permit(kind: str, employer: Organization, permit: Permit | None, today: dt.date) -> None:
    if permit is None:
        raise _invalid("permit", _("Choose the permit this application concerns."))
    if permit.status_on(today) != Permit.State.ACTIVE:
        raise _invalid(
            "permit",
            _("The permit %(number)s is no longer valid.") % {"number": permit.permit_number},
        )
    if kind == AK.CHANGE_EMPLOYER:
        if permit.employer_id == employer.pk:
            raise _invalid(
                "permit",
                _("The worker already works for this employer: apply for a change instead."),
            )
    elif permit.employer_id != employer.pk:
        raise _invalid("permit", _("The permit belongs to another employer."))


def _carry_documents(application: Application, permit: Permit, actor: User) -> int:
    """A change of employer: the documents verified in the permit's application are
    carried over (not sent again); the passport page only while it is still current."""
    source = permit.application
    now = timezone.now()
    carried = []
    for document in source.documents.filter(kind__in=documents.CARRIED_KINDS).select_related(
        "file"
    ):
        if document.verified_at is None and document.carried_from_id is None:
            continue
        if document.kind == Document.Kind.PASSPORT and source.passport_id != (
            application.passport_id
        ):
            continue
        carried.append(
            Document(
                application=application,
                kind=document.kind,
                file=document.file,
                issued_on=document.issued_on,
                note=document.note,
                carried_from=document,
                uploaded_by=actor,
                uploaded_at=now,
            )
        )
    Document.objects.bulk_create(carried)
    return len(carried)


def draft_create(
    *,
    actor: User,
    employer: Organization,
    kind: str,
    permit: Permit | None = None,
    letter: NotificationLetter | None = None,
    request: HttpRequest | None = None,
) -> Application:
    """Start a draft of ``kind`` for ``employer``.

    * new, short_term: an empty draft;
    * after_entry: needs the employer's valid notification letter (not short-term work);
      the job, worker and facts come from the letter's application;
    * extension, change, cancellation: need the employer's permit in force; the job, the
      worker and the recognition come from it;
    * change_employer: needs the worker's permit in force at another employer; the
      worker and the facts come with it, and the documents verified there are carried over.
    """
    if kind not in AK.values:
        raise _invalid("kind", _("Choose a kind of application."))
    if not may_act_for(actor, employer) or employer.kind != Organization.Kind.EMPLOYER:
        raise PermissionDeniedError(_("You may not act for this employer."))
    today = _today()
    with transaction.atomic():
        application = Application(
            number=_next_number(today),
            kind=kind,
            employer=employer,
            agency=acting_agency(actor, employer),
            created_by=actor,
        )
        if kind in (AK.EXTENSION, AK.CHANGE, AK.CANCELLATION, AK.CHANGE_EMPLOYER):
            _check_permit(kind, employer, permit, today)
            assert permit is not None
            source = permit.application
            application.permit = permit
            application.foreigner = permit.foreigner
            application.passport = _current_passport(permit.foreigner)
            _copy(application, source, FACTS_COPY)
            if kind != AK.CHANGE_EMPLOYER:
                _copy(application, source, JOB_COPY)
                application.occupation = permit.occupation
                application.job_title = permit.job_title
                application.annual_salary_cny = permit.annual_salary_cny
                application.region = permit.region
                application.work_region = permit.work_region
                application.category = permit.category
                application.route_code = permit.route_code
                application.route_source = permit.route_source
                if kind in (AK.EXTENSION, AK.CANCELLATION):
                    application.contract_end = None  # the renewed or ended contract
        elif kind == AK.AFTER_ENTRY:
            if letter is None or letter.employer_id != employer.pk:
                raise _invalid("letter", _("Choose a notification letter of this employer."))
            if letter.status_on(today) != NotificationLetter.State.VALID:
                raise _invalid(
                    "letter",
                    _("The notification letter %(number)s is no longer valid.")
                    % {"number": letter.number},
                )
            if letter.is_short_term:
                raise _invalid(
                    "letter", _("Short-term work is done on the letter: no permit is needed.")
                )
            source = letter.application
            application.letter = letter
            application.foreigner = letter.foreigner
            application.passport = _current_passport(letter.foreigner)
            _copy(application, source, JOB_COPY + FACTS_COPY + CLAIM_COPY)
            application.route_source = source.route_source
        elif permit is not None or letter is not None:
            raise _invalid("kind", _("A new application concerns no permit or letter."))
        application.save(force_insert=True)
        carried = 0
        if kind == AK.CHANGE_EMPLOYER and permit is not None:
            carried = _carry_documents(application, permit, actor)
        audit_record(
            actor=actor,
            action="permits.application.create",
            target=application,
            data={
                **_acting(actor, employer.pk),
                "kind": kind,
                "permit": permit.pk if permit else None,
                "letter": letter.pk if letter else None,
                "documents_carried": carried,
            },
            request=request,
        )
    return application


def draft_update(
    *,
    actor: User,
    application: Application,
    step: str,
    request: HttpRequest | None = None,
    **values: Any,
) -> Application:
    """Save one step of the form (only that step's fields; a draft or a returned
    application). Bad values raise ``ValidationError`` naming each field, and nothing is
    saved."""
    with transaction.atomic():
        locked = _lock(application)
        _require_actor(actor, locked)
        _require_editable(locked)
        allowed = _step_fields(locked, step)
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ValidationError(
                {
                    name: [_("Not a field of the step “%(step)s”.") % {"step": step}]
                    for name in unknown
                }
            )
        recorded: set[str] = set()  # the labour-market test's fields
        if step == "worker":
            changed = _worker_step(actor, locked, values, request)
            errors: dict[str, list[str]] = {}
        elif step == labour_market.STEP:
            recorded = _vacancy_step(actor, locked, values)
            changed, errors = set(), {}
        else:
            changed, errors = _apply(locked, values, _parsers())
        errors.update(_cross_field_errors(locked, changed))
        if errors:
            raise ValidationError(errors)
        if step not in locked.steps_saved:
            locked.steps_saved = [*locked.steps_saved, step]
            changed.add("steps_saved")
        locked.save(update_fields=sorted(changed | {"updated_at"}))
        audit_record(
            actor=actor,
            action="permits.application.update",
            target=locked,
            data={
                **_acting(actor, locked.employer_id),
                "step": step,
                "fields": sorted(changed | recorded),
            },
            request=request,
        )
    return locked


def _vacancy_step(actor: User, application: Application, values: Mapping[str, Any]) -> set[str]:
    """Record (or correct) the labour-market test of the post: every field at once. Bad
    values raise ``ValidationError`` naming each field, before anything is written."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    required = _("This field is required.")
    parsers: dict[str, Any] = {
        "vacancy_job_title": lambda v: _text(v, 100),
        "vacancy_occupation": _occupation,
        "requirements": lambda v: _text(v, 5000),
        "vacancy_salary_cny": lambda v: _decimal(v, Decimal(0), Decimal("9999999999.99")),
        "channels": lambda v: _codes(v, frozenset(Vacancy.Channel.values)),
        "channel_details": lambda v: _text(v, 500),
        "advertised_from": _date,
        "advertised_until": _date,
        "applications_received": lambda v: _decimal(v, Decimal(0), Decimal(1_000_000)),
        "reasons_unsuitable": lambda v: _text(v, 5000),
    }
    optional = {"channel_details", "reasons_unsuitable"}
    for name, parse in parsers.items():
        try:
            value = parse(values.get(name))
        except ValueError as error:
            errors[name] = [str(error)]
            continue
        if name not in optional and value in (None, "", []):
            errors[name] = [required]
            continue
        clean[name] = value
    received = clean.get("applications_received")
    if received is not None and received != int(received):
        errors["applications_received"] = [_("Enter a whole number.")]
    start, end = clean.get("advertised_from"), clean.get("advertised_until")
    if start is not None and end is not None and end < start:
        errors["advertised_until"] = [_("The advertising must end on or after its first day.")]
    if start is not None and start > _today():
        errors["advertised_from"] = [_("Record an advertisement that has started.")]
    if received and not clean.get("reasons_unsuitable"):
        errors["reasons_unsuitable"] = [
            _("Say why the domestic candidates who applied were not suitable.")
        ]
    if errors:
        raise ValidationError(errors)
    fields = {
        "job_title": clean["vacancy_job_title"],
        "occupation": clean["vacancy_occupation"],
        "requirements": clean["requirements"],
        "annual_salary_cny": clean["vacancy_salary_cny"],
        "channels": clean["channels"],
        "channel_details": clean.get("channel_details", ""),
        "advertised_from": start,
        "advertised_until": end,
        "applications_received": int(received or 0),
        "reasons_unsuitable": clean.get("reasons_unsuitable", ""),
    }
    vacancy = labour_market.vacancy_of(application)
    if vacancy is None:
        application.vacancy = Vacancy.objects.create(
            application=application, recorded_by=actor, **fields
        )
        return {"vacancy"}
    changed = {name for name, value in fields.items() if getattr(vacancy, name) != value}
    if changed:
        for name in changed:
            setattr(vacancy, name, fields[name])
        vacancy.recorded_by = actor
        vacancy.save(update_fields=sorted(changed | {"recorded_by", "updated_at"}))
    return {f"vacancy.{name}" for name in changed}


def _cross_field_errors(application: Application, changed: set[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    start, end = application.contract_start, application.contract_end
    if (
        start is not None
        and end is not None
        and end <= start
        and changed
        & {
            "contract_start",
            "contract_end",
        }
    ):
        errors["contract_end"] = [_("The contract must end after it starts.")]
    if (
        application.commitment_letters
        and application.category != "A"
        and changed & {"commitment_letters", "category"}
    ):
        errors["commitment_letters"] = [
            _("Commitment letters replace proofs only for Category A: claim Category A.")
        ]
    if application.category != "C" and application.c_group and "c_group" in changed:
        errors["c_group"] = [_("A group is chosen only for Category C.")]
    return errors


def draft_discard(
    *, actor: User, application: Application, request: HttpRequest | None = None
) -> str:
    """Delete a draft that was never submitted (its documents' files are swept later as
    orphans); the number is not reused. Anything once submitted is withdrawn instead, so
    that its history stays. Returns the discarded number."""
    with transaction.atomic():
        locked = _lock(application)
        _require_actor(actor, locked)
        if locked.state != S.DRAFT or locked.submitted_at is not None:
            raise ServiceError(
                _("Only a draft never submitted can be discarded: withdraw it instead."),
                code="not_a_draft",
                status=409,
            )
        number = locked.number
        audit_record(
            actor=actor,
            action="permits.application.discard",
            target=locked,
            data={**_acting(actor, locked.employer_id), "number": number},
            request=request,
        )
        locked.documents.all().delete()
        locked.delete()
    return number


def draft_copy(
    *, actor: User, application: Application, request: HttpRequest | None = None
) -> Application:
    """A new draft from an earlier application of the same employer: the job, the worker
    (with the current passport) and the facts; the documents without their verification;
    the labour-market test of the post; never the decision, the clocks or the
    assessment."""
    source = application
    _require_actor(actor, source)
    if source.kind not in COPYABLE_KINDS:
        raise ServiceError(
            _("Only notification-letter and short-term applications are copied."),
            code="not_copyable",
        )
    today = _today()
    with transaction.atomic():
        draft = Application(
            number=_next_number(today),
            kind=source.kind,
            employer_id=source.employer_id,
            agency=acting_agency(actor, source.employer_id),
            created_by=actor,
            copied_from=source,
        )
        _copy(draft, source, JOB_COPY + FACTS_COPY + CLAIM_COPY)
        if source.foreigner is not None:
            draft.foreigner = source.foreigner
            draft.passport = _current_passport(source.foreigner)
        draft.steps_saved = list(source.steps_saved)
        draft.save(force_insert=True)
        now = timezone.now()
        Document.objects.bulk_create(
            [
                Document(
                    application=draft,
                    kind=document.kind,
                    file_id=document.file_id,
                    issued_on=document.issued_on,
                    note=document.note,
                    uploaded_by=actor,
                    uploaded_at=now,
                )
                for document in source.documents.exclude(kind=Document.Kind.INFORMATION)
            ]
        )
        # The labour-market test of the same post goes with it (checked again at submission).
        advertised = labour_market.vacancy_of(source)
        if advertised is not None:
            Vacancy.objects.create(
                application=draft,
                recorded_by=actor,
                **{
                    name: getattr(advertised, name)
                    for name in (
                        "job_title",
                        "occupation",
                        "requirements",
                        "annual_salary_cny",
                        "channels",
                        "channel_details",
                        "advertised_from",
                        "advertised_until",
                        "applications_received",
                        "reasons_unsuitable",
                    )
                },
            )
        audit_record(
            actor=actor,
            action="permits.application.copy",
            target=draft,
            data={**_acting(actor, source.employer_id), "copied_from": source.pk},
            request=request,
        )
    return draft


# --- The worker ----------------------------------------------------------------------------------

# ICAO 9303 codes that are not ISO 3166-1 alpha-3 (Germany's passports say "D").
MRZ_COUNTRY_ALIASES = {"D": "DEU"}


def _mrz_country(raw: str) -> str:
    code = raw.replace("<", "")
    return MRZ_COUNTRY_ALIASES.get(code, code)


def _mrz_date(raw: str, *, past: bool, today: dt.date) -> dt.date | None:
    try:
        yy, mm, dd = int(raw[0:2]), int(raw[2:4]), int(raw[4:6])
        century = 2000 if (not past or 2000 + yy <= today.year) else 1900
        day = dt.date(century + yy, mm, dd)
    except ValueError:
        return None
    if past and day > today:
        day = day.replace(year=day.year - 100)
    return day


def _mrz_name(raw: str) -> str:
    return " ".join(raw.replace("<", " ").split())


def mrz_problems(line1: str, line2: str, typed: Mapping[str, Any]) -> list[str]:
    """The two lines of a passport's machine-readable zone (ICAO 9303 TD3, 2 × 44
    characters) checked by their check digits (number, birth date, expiry, personal number,
    composite) and compared with the typed fields; each problem in words."""
    line1 = (line1 or "").strip().upper()
    line2 = (line2 or "").strip().upper()
    shape = re.compile(r"^[A-Z0-9<]{44}$")
    if not shape.match(line1) or not shape.match(line2):
        return [
            _(
                "The machine-readable zone has two lines of 44 characters (A-Z, 0-9 and <): "
                "copy them exactly from the passport."
            )
        ]
    if line1[0] != "P":
        return [_("The first line of a passport's machine-readable zone begins with P.")]
    problems: list[str] = []
    number, nationality = line2[0:9], line2[10:13]
    birth, expiry, personal = line2[13:19], line2[21:27], line2[28:42]
    for label, value, digit in (
        (_("passport number"), number, line2[9]),
        (_("date of birth"), birth, line2[19]),
        (_("date of expiry"), expiry, line2[27]),
    ):
        if mrz_check_digit(value) != digit:
            problems.append(
                _("The check digit of the %(what)s in the second line does not match.")
                % {"what": label}
            )
    personal_digit = line2[42]
    if not (personal_digit == "<" and set(personal) == {"<"}) and (
        mrz_check_digit(personal) != personal_digit.replace("<", "0")
    ):
        problems.append(_("The check digit of the personal number does not match."))
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    if mrz_check_digit(composite) != line2[43]:
        problems.append(_("The composite check digit (last character) does not match."))
    today = _today()
    comparisons = [
        (_("passport number"), number.replace("<", ""), str(typed.get("passport_number", ""))),
        (_("issuing country"), _mrz_country(line1[2:5]), str(typed.get("passport_country", ""))),
        (_("nationality"), _mrz_country(nationality), str(typed.get("nationality", ""))),
        (
            _("date of birth"),
            _mrz_date(birth, past=True, today=today),
            typed.get("date_of_birth"),
        ),
        (
            _("date of expiry"),
            _mrz_date(expiry, past=False, today=today),
            typed.get("passport_expiry_date"),
        ),
        (_("sex"), line2[20].replace("<", "X"), str(typed.get("sex", ""))),
    ]
    surname = _mrz_name(line1[5:].split("<<", 1)[0])
    typed_surname = _mrz_name(str(typed.get("surname", "")).upper().replace("-", " "))
    comparisons.append((_("surname"), surname, typed_surname))
    for label, in_zone, entered in comparisons:
        if in_zone != entered:
            problems.append(
                _(
                    "The %(what)s in the machine-readable zone (%(zone)s) differs from the "
                    "one typed (%(typed)s)."
                )
                % {"what": label, "zone": in_zone or "-", "typed": entered or "-"}
            )
    return problems


def _worker_values(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}

    def text(name: str, limit: int, required: bool = False) -> None:
        value = str(values.get(name, "") or "").strip()
        if required and not value:
            errors[name] = [_("This field is required.")]
        elif len(value) > limit:
            errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
        clean[name] = value

    text("surname", 100, required=True)
    clean["surname"] = clean["surname"].upper()
    text("given_names", 150)
    clean["given_names"] = clean["given_names"].upper()
    text("name_zh", 100)
    number = re.sub(r"\s", "", str(values.get("passport_number", "") or "")).upper()
    if not PASSPORT_NUMBER.match(number):
        errors["passport_number"] = [_("A passport number has 5 to 20 letters and digits.")]
    clean["passport_number"] = number
    for name in ("nationality", "passport_country"):
        code = str(values.get(name, "") or "").strip().upper()
        if code not in COUNTRY_NAMES:
            errors[name] = [_("Choose a country by its ISO 3166 three-letter code.")]
        clean[name] = code
    sex = str(values.get("sex", "") or "").strip().upper()
    if sex not in Foreigner.Sex.values:
        errors["sex"] = [_("Choose F, M or X.")]
    clean["sex"] = sex
    for name in ("date_of_birth", "passport_issue_date", "passport_expiry_date"):
        try:
            clean[name] = _date(values.get(name))
        except ValueError as error:
            errors[name] = [str(error)]
            continue
        if clean[name] is None:
            errors[name] = [_("This field is required.")]
    issue, expiry = clean.get("passport_issue_date"), clean.get("passport_expiry_date")
    if issue and expiry and expiry <= issue:
        errors["passport_expiry_date"] = [_("The passport must expire after it was issued.")]
    birth = clean.get("date_of_birth")
    if birth and birth >= _today():
        errors["date_of_birth"] = [_("The date of birth must be in the past.")]
    line1, line2 = values.get("mrz_line1") or "", values.get("mrz_line2") or ""
    if (line1 or line2) and not errors:
        problems = mrz_problems(str(line1), str(line2), clean)
        if problems:
            errors["mrz"] = problems
    clean["previous_passport_number"] = re.sub(
        r"\s", "", str(values.get("previous_passport_number", "") or "")
    ).upper()
    return clean, errors


def worker_find_or_create(
    *,
    actor: User,
    values: Mapping[str, Any],
    person: Foreigner | None = None,
    request: HttpRequest | None = None,
) -> tuple[Foreigner, Passport]:
    """The worker by passport (issuing country and number): found if known (a second
    employer finds the same person instead of creating a twin), else a renewed passport of
    ``person`` (or of the holder of ``previous_passport_number``) becomes the current
    one, else a new person. The optional MRZ lines are checked first."""
    clean, errors = _worker_values(values)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        found = (
            Passport.objects.select_related("foreigner")
            .filter(issuing_country=clean["passport_country"], number=clean["passport_number"])
            .first()
        )
        if found is not None:
            return found.foreigner, _known_passport(found, clean)
        holder = person
        if clean["previous_passport_number"]:
            previous = (
                Passport.objects.select_related("foreigner")
                .filter(number=clean["previous_passport_number"])
                .first()
            )
            if previous is None:
                raise _invalid(
                    "previous_passport_number", _("No passport with this number is recorded.")
                )
            holder = previous.foreigner
        explicit = bool(clean["previous_passport_number"])
        if holder is not None and _same_person(holder, clean, same_name=not explicit):
            return holder, _renew_passport(actor, holder, clean, request)
        if clean["previous_passport_number"]:
            raise _invalid(
                "date_of_birth",
                _("The holder of the previous passport has another date of birth or nationality."),
            )
        return _new_person(actor, clean, request)


def _same_person(person: Foreigner, clean: Mapping[str, Any], *, same_name: bool) -> bool:
    """A renewed passport of ``person``: the same birth date and nationality (and, unless
    the previous passport is named, the same surname)."""
    return (
        person.date_of_birth == clean["date_of_birth"]
        and person.nationality == clean["nationality"]
        and (not same_name or person.surname == clean["surname"])
    )


def _known_passport(passport: Passport, clean: Mapping[str, Any]) -> Passport:
    person = passport.foreigner
    errors: dict[str, list[str]] = {}
    if person.date_of_birth != clean["date_of_birth"] or person.surname != clean["surname"]:
        errors["passport_number"] = [
            _(
                "This passport is recorded for a person with another surname or date of birth: "
                "check the number and the personal details."
            )
        ]
    elif passport.expiry_date != clean["passport_expiry_date"] or (
        passport.issue_date != clean["passport_issue_date"]
    ):
        errors["passport_expiry_date"] = [
            _("The dates differ from those recorded for this passport: check them.")
        ]
    elif not passport.is_current:
        errors["passport_number"] = [
            _("This passport has been replaced by a newer one: enter the current passport.")
        ]
    if errors:
        raise ValidationError(errors)
    return passport


def _renew_passport(
    actor: User, person: Foreigner, clean: Mapping[str, Any], request: HttpRequest | None
) -> Passport:
    Passport.objects.filter(foreigner=person, is_current=True).update(is_current=False)
    passport = Passport.objects.create(
        foreigner=person,
        number=clean["passport_number"],
        issuing_country=clean["passport_country"],
        issue_date=clean["passport_issue_date"],
        expiry_date=clean["passport_expiry_date"],
        is_current=True,
    )
    audit_record(
        actor=actor,
        action="permits.worker.passport_renewed",
        target=person,
        data={"passport": passport.pk, "country": passport.issuing_country},
        request=request,
    )
    return passport


def _new_person(
    actor: User, clean: Mapping[str, Any], request: HttpRequest | None
) -> tuple[Foreigner, Passport]:
    try:
        with transaction.atomic():
            person = Foreigner.objects.create(
                surname=clean["surname"],
                given_names=clean["given_names"],
                name_zh=clean["name_zh"],
                sex=clean["sex"],
                date_of_birth=clean["date_of_birth"],
                nationality=clean["nationality"],
            )
            passport = Passport.objects.create(
                foreigner=person,
                number=clean["passport_number"],
                issuing_country=clean["passport_country"],
                issue_date=clean["passport_issue_date"],
                expiry_date=clean["passport_expiry_date"],
                is_current=True,
            )
    except IntegrityError:
        # Entered at the same moment by someone else: it is the same person.
        found = Passport.objects.select_related("foreigner").get(
            issuing_country=clean["passport_country"], number=clean["passport_number"]
        )
        return found.foreigner, _known_passport(found, clean)
    audit_record(
        actor=actor,
        action="permits.worker.create",
        target=person,
        data={"passport": passport.pk, "country": passport.issuing_country},
        request=request,
    )
    return person, passport


def _worker_step(
    actor: User, application: Application, values: Mapping[str, Any], request: HttpRequest | None
) -> set[str]:
    fixed = application.kind not in (AK.NEW, AK.SHORT_TERM)
    person, passport = worker_find_or_create(
        actor=actor, values=values, person=application.foreigner, request=request
    )
    if fixed and application.foreigner_id is not None and person.pk != application.foreigner_id:
        raise _invalid(
            "passport_number",
            _("This application concerns %(name)s: enter that person's passport.")
            % {"name": application.foreigner.latin_name if application.foreigner else ""},
        )
    changed: set[str] = set()
    if application.foreigner_id != person.pk:
        application.foreigner = person
        changed.add("foreigner")
    if application.passport_id != passport.pk:
        application.passport = passport
        changed.add("passport")
    return changed


# --- Documents -----------------------------------------------------------------------------------


def _open_items(application: Application) -> list[InformationItem]:
    return list(
        InformationItem.objects.filter(
            request__application=application, request__answered_at__isnull=True
        ).select_related("request")
    )


def _store(actor: User, upload: IO[bytes] | Any, name: str = "") -> Any:
    try:
        return store_upload(upload, actor=actor, name=name)
    except UploadError as error:
        raise ValidationError({"file": [ValidationError(error.message, code=error.code)]}) from None


def document_add(
    *,
    actor: User,
    application: Application,
    kind: str,
    upload: IO[bytes] | Any,
    issued_on: dt.date | str | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> Document:
    """Upload a document of a kind on the application's checklist (or asked for by an
    open information item). The file is checked by content and size; a refused file is a
    ``ValidationError`` on ``file`` and nothing is stored."""
    with transaction.atomic():
        locked = _lock(application)
        _require_actor(actor, locked)
        asked = {item.document_kind or Document.Kind.INFORMATION for item in _open_items(locked)}
        if locked.state in EDITABLE_STATES:
            allowed = documents.checklist_kinds(locked, _today()) | asked
        elif locked.state == S.INFORMATION_REQUESTED:
            allowed = frozenset(asked)
        else:
            _require_editable(locked)
            allowed = frozenset()
        if kind not in allowed:
            raise _invalid("kind", _("This application does not need a document of this kind."))
        errors: dict[str, list[str]] = {}
        try:
            issued = _date(issued_on)
        except ValueError as error:
            errors["issued_on"] = [str(error)]
            issued = None
        if issued is not None and issued > _today():
            errors["issued_on"] = [_("The date of issue cannot be in the future.")]
        if kind in documents.CERTIFICATES and issued is None and "issued_on" not in errors:
            errors["issued_on"] = [_("Enter the date the certificate was issued.")]
        try:
            text = _text(note, 255)
        except ValueError as error:
            errors["note"] = [str(error)]
            text = ""
        if errors:
            raise ValidationError(errors)
        stored = _store(actor, upload)
        document = Document.objects.create(
            application=locked,
            kind=kind,
            file=stored,
            issued_on=issued,
            note=text,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="permits.document.add",
            target=locked,
            data={
                **_acting(actor, locked.employer_id),
                "document": document.pk,
                "kind": kind,
                "sha256": stored.sha256,
            },
            request=request,
        )
    return document


def document_remove(*, actor: User, document: Document, request: HttpRequest | None = None) -> None:
    """Remove a document from a draft or a returned application."""
    with transaction.atomic():
        locked = _lock(document.application_id)
        _require_actor(actor, locked)
        _require_editable(locked)
        row = Document.objects.filter(pk=document.pk, application=locked).first()
        if row is None:
            raise ServiceError(_("The document no longer exists."), code="not_found")
        data = {"document": row.pk, "kind": row.kind}
        row.delete()
        audit_record(
            actor=actor,
            action="permits.document.remove",
            target=locked,
            data={**_acting(actor, locked.employer_id), **data},
            request=request,
        )


def information_answer(
    *,
    actor: User,
    item: InformationItem,
    text: str = "",
    upload: IO[bytes] | Any | None = None,
    issued_on: dt.date | str | None = None,
    request: HttpRequest | None = None,
) -> InformationItem:
    """Answer one item of the open request (text, a document, or both); the answers are
    sent with the ``answer_information`` transition (or, for corrections, ``resubmit``)."""
    with transaction.atomic():
        request_row = InformationRequest.objects.select_related("application").get(
            pk=item.request_id
        )
        locked = _lock(request_row.application_id)
        _require_actor(actor, locked)
        expected = {
            InformationRequest.Stage.INFORMATION: S.INFORMATION_REQUESTED,
            InformationRequest.Stage.CORRECTION: S.RETURNED,
        }[InformationRequest.Stage(request_row.stage)]
        if request_row.answered_at is not None or locked.state != expected:
            raise ServiceError(
                _("This request has been answered or closed."), code="not_open", status=409
            )
        row = InformationItem.objects.select_for_update().get(pk=item.pk)
        try:
            answer = _text(text, MAX_ANSWER)
        except ValueError as error:
            raise _invalid("answer", str(error)) from None
        if not answer and upload is None:
            raise _invalid("answer", _("Write an answer or attach a document."))
        document = None
        if upload is not None:
            kind = row.document_kind or Document.Kind.INFORMATION
            try:
                issued = _date(issued_on)
            except ValueError as error:
                raise _invalid("issued_on", str(error)) from None
            if kind in documents.CERTIFICATES and issued is None:
                raise _invalid("issued_on", _("Enter the date the certificate was issued."))
            stored = _store(actor, upload)
            document = Document.objects.create(
                application=locked,
                kind=kind,
                file=stored,
                issued_on=issued,
                note=_("Answer to item %(n)d") % {"n": row.position},
                uploaded_by=actor,
                uploaded_at=timezone.now(),
            )
            row.document = document
        row.answer = answer
        row.answered_at = timezone.now()
        row.save(update_fields=["answer", "document", "answered_at"])
        audit_record(
            actor=actor,
            action="permits.information.answer",
            target=locked,
            data={
                **_acting(actor, locked.employer_id),
                "request": request_row.pk,
                "item": row.position,
                "document": document.pk if document else None,
            },
            request=request,
        )
    return row


# --- The workflow --------------------------------------------------------------------------------


def application_transition(
    *,
    actor: User,
    application: Application | int,
    name: str,
    reason: str = "",
    payload: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Application:
    """Run one transition of the application's workflow (the engine locks the row,
    checks the state, the permission and the guards, and writes the record and the audit
    event). Acting through an agency, the payload names the agency and the employer, so
    that the record and the audit show the agent's act for the employer."""
    pk = application.pk if isinstance(application, Application) else application
    data = dict(payload or {})
    employer_id = (
        application.employer_id
        if isinstance(application, Application)
        else Application.objects.filter(pk=pk).values_list("employer_id", flat=True).first()
    )
    if employer_id is not None and actor is not None:
        agency = acting_agency(actor, employer_id)
        if agency is not None:
            data["agency"] = agency.pk
            data["acting_for"] = employer_id
    return APPLICATION_WORKFLOW.run(
        pk, name, actor=actor, reason=reason, payload=data, request=request
    )


def route_confirm(
    *,
    actor: User,
    application: Application,
    note: str,
    request: HttpRequest | None = None,
) -> Application:
    """A decision officer confirms the evidence of a route that needs an officer
    (recorded at submission as "needs confirmation"); approval waits for it."""
    with transaction.atomic():
        locked = _lock(application)
        if not may_decide(actor, locked):
            raise PermissionDeniedError()
        if locked.state != S.UNDER_REVIEW:
            raise ServiceError(
                _("Routes are confirmed while the application is under review."),
                code="not_under_review",
                status=409,
            )
        status = str((locked.assessment or {}).get("route_status", ""))
        if status != "needs_confirmation":
            raise ServiceError(
                _("The route of this application needs no confirmation."), code="not_needed"
            )
        text = note.strip()
        if not text:
            raise _invalid("note", _("Say what evidence confirms the route."))
        locked.route_confirmed_at = timezone.now()
        locked.route_confirmed_by = actor
        locked.route_confirmation_note = text[:2000]
        locked.save(
            update_fields=[
                "route_confirmed_at",
                "route_confirmed_by",
                "route_confirmation_note",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="permits.application.route_confirm",
            target=locked,
            data={"route": locked.route_code, "note": locked.route_confirmation_note},
            request=request,
        )
    return locked
