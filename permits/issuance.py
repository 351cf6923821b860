"""What an approved application issues or changes, per kind.

``issue_on_approval`` is the approve transition's effect: it runs inside the engine's
transaction with the application row locked, and returns the names of the Application
fields it changed (only ``reported_late``; issuance sets no other application field).

* **new**: a Notification Letter, numbered ``L{province}{year}{sequence:07d}`` (e.g.
  ``L31000020260000042``: one race-free counter per province and year), valid
  ``LETTER_VALID_MONTHS`` (6) months from the decision day.
* **short_term**: a short-term letter (``is_short_term``) for the work days asked, at
  most ``SHORT_TERM_MAX_DAYS`` (90) days from the contract's start; valid to the last day
  of work.
* **after_entry**: the Work Permit, on the letter (which is marked used). The person's
  lifelong permit number is allocated at their first permit (``allocate_permit_number``)
  and reused ever after. Validity runs from the day of issue for the category's longest
  period (``rules.validity_months``: B 24, A 60 months, per province), and never past the
  contract's end or the passport's expiry.
* **extension**: the *same* permit row is extended, and a ``PermitChange`` row records the
  old and new ``valid_until`` (and contract end) with the application. One row per
  employment keeps verification simple (one number, one current row: no chain of rows to
  follow), and the changes rows keep the history honest: what the permit said before,
  what it says now, which decision changed it and from which day. The new period runs
  from the day after the old end, capped like a new permit.
* **change**: a ``PermitChange`` row for each field that changed (post: occupation,
  title, salary, place of work; personal details: the passport), and the permit updated.
* **change_employer**: a new permit for the new employer, under the same number, with
  the recognition carried over (the application's own when it has one, else the old
  permit's); the old permit ends (``transferred``) on the day the new one starts, and the
  new permit names it as ``previous``.
* **cancellation**: the permit ends (``cancelled``), ``ended_on`` the contract's end.

A permit records its basis (national or regional standard, and which province's), the
route, the category, and whether it was granted on a salary commitment (the route is a
salary route: a multiple of the average wage or an amount). When such a permit's extension
or cancellation records that the salary was not backed by tax records, the employer is
reported to the credit service once (``report_unbacked_salary``).

A period of N months starting on day D ends on the day before D + N months (a letter
issued on 8 June 2026 for 6 months is valid until 7 December 2026).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext

from credit.constants import SALARY_COMMITMENT_UNBACKED
from permits import rules, windows
from permits.models import Application, NotificationLetter, Permit, PermitChange
from portal.audit import audit_record
from portal.models import Foreigner, Passport, Region, User
from portal.sequences import sequence_next
from portal.workflow import GuardFailed, TransitionContext
from talent_standards.models import RecognitionRoute

Kind = Application.Kind
SALARY_ROUTE_KINDS = (RecognitionRoute.Kind.SALARY_MULTIPLE, RecognitionRoute.Kind.SALARY_AMOUNT)
PERMIT_NUMBER_LENGTH = 18
CREDIT_KIND = SALARY_COMMITMENT_UNBACKED


# --- Small helpers ---------------------------------------------------------------------------


def period_end(start: dt.date, months: int) -> dt.date:
    """The last day of a period of ``months`` months starting on ``start``."""
    return rules.add_months(start, months) - dt.timedelta(days=1)


def _province(region_id: int) -> Region:
    region = Region.objects.only("pk", "code", "parent_id").get(pk=region_id)
    if region.parent_id:
        return Region.objects.only("pk", "code", "parent_id").get(pk=region.parent_id)
    return region


def _pick(application: Application, name: str, *fallbacks: Model | None) -> Any:
    """The application's value, else the first fallback's (an earlier application or
    permit of the same person)."""
    value = getattr(application, name)
    if value not in (None, ""):
        return value
    for other in fallbacks:
        if other is None:
            continue
        value = getattr(other, name, None)
        if value not in (None, ""):
            return value
    return value


def _refuse(message: str, field: str = "") -> GuardFailed:
    return GuardFailed(message, details={"field": field} if field else {})


# --- Numbers -----------------------------------------------------------------------------------


def letter_number(region_id: int, day: dt.date) -> str:
    """The next letter number of the province in the year: ``L31000020260000042``."""
    code = _province(region_id).code
    value = sequence_next(f"permits.letter.{code}.{day.year}")
    return f"L{code}{day.year}{value:07d}"


def allocate_permit_number(foreigner: Foreigner | int, day: dt.date, region_id: int) -> str:
    """The person's lifelong permit number: the one they have, else a new one.

    The person's row is locked first, so two first permits of the same person cannot
    both allocate; a new number is ``{province code}{year}{sequence:08d}`` (18 digits), one
    race-free counter per province and year (``portal.sequences``), so two people's first
    permits never collide. A rolled-back issuance gives its number back."""
    pk = foreigner.pk if isinstance(foreigner, Foreigner) else foreigner
    locked = Foreigner.objects.select_for_update().only("pk", "permit_number").get(pk=pk)
    if locked.permit_number:
        return locked.permit_number
    code = _province(region_id).code
    value = sequence_next(f"permits.permit_number.{code}.{day.year}")
    number = f"{code}{day.year}{value:08d}"
    assert len(number) == PERMIT_NUMBER_LENGTH, number
    locked.permit_number = number
    locked.save(update_fields=["permit_number"])
    if isinstance(foreigner, Foreigner):
        foreigner.permit_number = number
    return number


# --- Recognition -------------------------------------------------------------------------------


def basis_of(route_source: str) -> tuple[str, Region | None]:
    """``national:2025`` -> national; ``regional:310000:v1`` -> regional, Shanghai."""
    parts = route_source.split(":")
    if parts[0] == Permit.Basis.REGIONAL and len(parts) >= 2:
        region = Region.objects.filter(code=parts[1]).first()
        if region is None:
            raise _refuse(
                gettext("The recognition names an unknown province: %(source)s")
                % {"source": route_source},
                "route_source",
            )
        return Permit.Basis.REGIONAL, region
    return Permit.Basis.NATIONAL, None


def is_salary_route(route_code: str, route_source: str) -> bool:
    """Was the recognition granted on a salary (a salary route of its standard)?"""
    if not route_code:
        return False
    parts = route_source.split(":")
    routes = RecognitionRoute.objects.filter(code=route_code, kind__in=SALARY_ROUTE_KINDS)
    if parts[0] == "national" and len(parts) >= 2:
        routes = routes.filter(national_standard__version=parts[1])
    elif parts[0] == "regional" and len(parts) >= 3:
        version = parts[2].lstrip("v")
        routes = routes.filter(regional_standard__region__code=parts[1])
        if version.isdigit():
            routes = routes.filter(regional_standard__version=int(version))
    return routes.exists()


# --- Validity ----------------------------------------------------------------------------------


def _passport(application: Application, *fallbacks: Model | None) -> Passport:
    passport_id = _pick(application, "passport_id", *fallbacks)
    if passport_id is None and application.foreigner_id is not None:
        current = Passport.objects.filter(
            foreigner_id=application.foreigner_id, is_current=True
        ).first()
        if current is not None:
            return current
    if passport_id is None:
        raise _refuse(gettext("The worker's passport is missing."), "passport")
    return Passport.objects.get(pk=passport_id)


def permit_validity(
    *,
    start: dt.date,
    category: str,
    region_id: int,
    contract_end: dt.date | None,
    passport_expiry: dt.date,
) -> dt.date:
    """The last day of a permit starting on ``start``: the category's longest period,
    never past the contract's end or the passport's expiry (its last valid day is the day
    before the expiry date)."""
    until = period_end(start, rules.validity_months(category, region_id))
    caps = [until, passport_expiry - dt.timedelta(days=1)]
    if contract_end is not None:
        caps.append(contract_end)
    until = min(caps)
    if until < start:
        raise _refuse(
            gettext(
                "No permit can start on %(start)s: the contract or the passport ends before it."
            )
            % {"start": start.isoformat()}
        )
    return until


# --- Per kind ----------------------------------------------------------------------------------


def _officer(context: TransitionContext) -> User:
    if context.actor is None:
        raise _refuse(gettext("Only an officer issues letters and permits."))
    return context.actor


def _today(context: TransitionContext) -> dt.date:
    return timezone.localdate(context.now)


def _issue_letter(application: Application, context: TransitionContext) -> list[str]:
    today = _today(context)
    if application.region_id is None or application.foreigner_id is None:
        raise _refuse(gettext("The application names no province or worker."))
    short = application.kind == Kind.SHORT_TERM
    work_from = work_until = None
    if short:
        work_from = application.contract_start or today
        longest = work_from + dt.timedelta(days=rules.SHORT_TERM_MAX_DAYS - 1)
        work_until = min(application.contract_end or longest, longest)
        valid_until = max(work_until, today)
    else:
        valid_until = period_end(today, rules.LETTER_VALID_MONTHS)
    letter = NotificationLetter.objects.create(
        number=letter_number(application.region_id, today),
        application=application,
        foreigner_id=application.foreigner_id,
        employer_id=application.employer_id,
        region_id=application.region_id,
        category=application.category,
        is_short_term=short,
        work_from=work_from,
        work_until=work_until,
        issued_on=today,
        valid_until=valid_until,
        issued_by=_officer(context),
    )
    _audit_issued(context, "permits.letter.issued", letter, letter.number, application)
    return []


def _audit_issued(
    context: TransitionContext,
    action: str,
    target: NotificationLetter | Permit,
    number: str,
    application: Application,
) -> None:
    audit_record(
        actor=context.actor,
        action=action,
        target=target,
        data={
            "number": number,
            "application": application.number,
            "valid_until": target.valid_until,
        },
        request=context.request,
    )


def _clear_lapsed_permit(foreigner_id: int, today: dt.date) -> None:
    """An active permit past its date reads expired: make that durable before another
    permit of the person becomes active; any other active permit refuses the issue."""
    from permits.workflows.permit import PERMIT_WORKFLOW

    for permit in Permit.objects.filter(foreigner_id=foreigner_id, state=Permit.State.ACTIVE):
        if permit.status_on(today) == Permit.State.EXPIRED:
            PERMIT_WORKFLOW.run(permit, "expire", actor=None)
        else:
            raise _refuse(
                gettext(
                    "The worker already holds permit %(number)s valid until %(until)s: apply "
                    "for a change of employer instead."
                )
                % {"number": permit.permit_number, "until": permit.valid_until.isoformat()},
                "foreigner",
            )


def _new_permit(
    application: Application,
    context: TransitionContext,
    *,
    letter: NotificationLetter | None,
    previous: Permit | None,
    earlier: tuple[Model | None, ...],
) -> Permit:
    today = _today(context)
    if application.region_id is None or application.foreigner_id is None:
        raise _refuse(gettext("The application names no province or worker."))
    category = _pick(application, "category", *earlier)
    route_code = _pick(application, "route_code", *earlier)
    route_source = _pick(application, "route_source", *earlier)
    if not category or not route_code:
        raise _refuse(gettext("The recognition (category and route) is missing."), "category")
    occupation_id = _pick(application, "occupation_id", *earlier)
    salary = _pick(application, "annual_salary_cny", *earlier)
    if occupation_id is None or salary is None:
        raise _refuse(gettext("The job (occupation and salary) is missing."), "occupation")
    contract_end = _pick(application, "contract_end", *earlier)
    passport = _passport(application, *earlier)
    if previous is not None and route_code == previous.route_code:
        basis, basis_region_id = previous.basis, previous.basis_region_id
    else:
        basis, basis_region = basis_of(route_source or "")
        basis_region_id = basis_region.pk if basis_region is not None else None
    valid_until = permit_validity(
        start=today,
        category=category,
        region_id=application.region_id,
        contract_end=contract_end,
        passport_expiry=passport.expiry_date,
    )
    number = allocate_permit_number(application.foreigner_id, today, application.region_id)
    permit = Permit.objects.create(
        foreigner_id=application.foreigner_id,
        permit_number=number,
        employer_id=application.employer_id,
        region_id=application.region_id,
        work_region_id=application.work_region_id or application.region_id,
        application=application,
        letter=letter,
        previous=previous,
        category=category,
        basis=basis,
        basis_region_id=basis_region_id,
        route_code=route_code,
        route_source=route_source or "",
        on_salary_commitment=is_salary_route(route_code, route_source or ""),
        occupation_id=occupation_id,
        job_title=_pick(application, "job_title", *earlier) or "",
        annual_salary_cny=salary,
        passport=passport,
        valid_from=today,
        valid_until=valid_until,
        contract_end=contract_end,
        issued_by=_officer(context),
        issued_at=context.now,
    )
    _audit_issued(context, "permits.permit.issued", permit, number, application)
    # A pre-2017 licence or certificate of the person at this employer ends as the permit starts.
    from permits.services.legacy import legacy_close_for_permit

    legacy_close_for_permit(permit, permit.valid_from, actor=context.actor)
    return permit


def _issue_after_entry(application: Application, context: TransitionContext) -> list[str]:
    from permits.workflows.permit import LETTER_WORKFLOW

    today = _today(context)
    if application.letter_id is None:
        raise _refuse(gettext("Name the notification letter the worker entered on."), "letter")
    letter = NotificationLetter.objects.select_for_update().get(pk=application.letter_id)
    if letter.foreigner_id != application.foreigner_id or letter.is_short_term:
        raise _refuse(gettext("The letter is not one for this worker's work permit."), "letter")
    status = letter.status_on(today)
    if status != NotificationLetter.State.VALID:
        raise _refuse(
            gettext("The notification letter %(number)s is %(state)s.")
            % {"number": letter.number, "state": NotificationLetter.State(status).label},
            "letter",
        )
    _clear_lapsed_permit(letter.foreigner_id, today)
    earlier = (letter.application,)
    _new_permit(application, context, letter=letter, previous=None, earlier=earlier)
    LETTER_WORKFLOW.run(
        letter,
        "use",
        actor=None,
        reason=gettext("Work permit issued on application %(number)s")
        % {"number": application.number},
        payload={"application": application.number},
    )
    return []


def _locked_permit(application: Application) -> Permit:
    if application.permit_id is None:
        raise _refuse(gettext("Name the permit the application is about."), "permit")
    return Permit.objects.select_for_update().get(pk=application.permit_id)


def _require_active(permit: Permit, today: dt.date) -> None:
    status = permit.status_on(today)
    if status != Permit.State.ACTIVE:
        raise _refuse(
            gettext("Permit %(number)s is %(state)s.")
            % {"number": permit.permit_number, "state": Permit.State(status).label},
            "permit",
        )


def _change(
    permit: Permit,
    application: Application,
    context: TransitionContext,
    field: str,
    before: Any,
    after: Any,
    effective_on: dt.date | None,
) -> PermitChange:
    return PermitChange.objects.create(
        permit=permit,
        application=application,
        field=field,
        before="" if before is None else str(before)[:255],
        after="" if after is None else str(after)[:255],
        at=context.now,
        effective_on=effective_on,
    )


def _issue_extension(application: Application, context: TransitionContext) -> list[str]:
    today = _today(context)
    permit = _locked_permit(application)
    _require_active(permit, today)
    start = permit.valid_until + dt.timedelta(days=1)
    contract_end = application.contract_end or permit.contract_end
    passport = _passport(application, permit)
    until = permit_validity(
        start=start,
        category=permit.category,
        region_id=permit.region_id,
        contract_end=contract_end,
        passport_expiry=passport.expiry_date,
    )
    old_until, old_contract_end = permit.valid_until, permit.contract_end
    _change(permit, application, context, "valid_until", old_until, until, start)
    permit.valid_until = until
    fields = ["valid_until"]
    if contract_end != old_contract_end:
        _change(permit, application, context, "contract_end", old_contract_end, contract_end, start)
        permit.contract_end = contract_end
        fields.append("contract_end")
    if passport.pk != permit.passport_id:
        _change(permit, application, context, "passport", permit.passport, passport, start)
        permit.passport = passport
        fields.append("passport")
    permit.save(update_fields=fields)
    _report_if_unbacked(application, permit, context.actor, today)
    return []


POST_FIELDS = ("occupation", "job_title", "annual_salary_cny", "work_region")
PERSONAL_FIELDS = ("passport",)


def _issue_change(application: Application, context: TransitionContext) -> list[str]:
    today = _today(context)
    permit = _locked_permit(application)
    _require_active(permit, today)
    if application.change_kind == Application.ChangeKind.POST:
        names: tuple[str, ...] = POST_FIELDS
    elif application.change_kind == Application.ChangeKind.PERSONAL:
        names = PERSONAL_FIELDS
    else:
        names = POST_FIELDS + PERSONAL_FIELDS
    effective_on = application.change_date or today
    changed: list[str] = []
    for name in names:
        new_id = getattr(application, f"{name}_id", getattr(application, name))
        old_id = getattr(permit, f"{name}_id", getattr(permit, name))
        if new_id in (None, "") or new_id == old_id:
            continue
        before, after = getattr(permit, name), getattr(application, name)
        _change(permit, application, context, name, before, after, effective_on)
        setattr(permit, name, after)
        changed.append(name)
    if "passport" in changed:
        last_day = permit.passport.expiry_date - dt.timedelta(days=1)
        if last_day < permit.valid_until:
            _change(
                permit, application, context, "valid_until", permit.valid_until, last_day, today
            )
            permit.valid_until = max(last_day, permit.valid_from)
            changed.append("valid_until")
    if changed:
        permit.save(update_fields=changed)
    return _flag_late(application, today, context.actor)


def _issue_change_employer(application: Application, context: TransitionContext) -> list[str]:
    from permits.workflows.permit import PERMIT_WORKFLOW

    today = _today(context)
    old = _locked_permit(application)
    if old.foreigner_id != application.foreigner_id:
        raise _refuse(gettext("The permit is not this worker's."), "permit")
    _require_active(old, today)
    PERMIT_WORKFLOW.run(
        old,
        "transfer",
        actor=None,
        reason=gettext("Change of employer: application %(number)s")
        % {"number": application.number},
        payload={"application": application.number, "ended_on": today.isoformat()},
    )
    old.refresh_from_db()
    _new_permit(application, context, letter=None, previous=old, earlier=(old,))
    return []


def _issue_cancellation(application: Application, context: TransitionContext) -> list[str]:
    from permits.workflows.permit import PERMIT_WORKFLOW

    today = _today(context)
    permit = _locked_permit(application)
    end = windows.contract_end_of(application) or today
    if permit.state == Permit.State.ACTIVE:
        PERMIT_WORKFLOW.run(
            permit,
            "cancel",
            actor=None,
            reason=gettext("Cancelled on application %(number)s") % {"number": application.number},
            payload={"application": application.number, "ended_on": end.isoformat()},
        )
    else:
        raise _refuse(
            gettext("Permit %(number)s has already ended.") % {"number": permit.permit_number},
            "permit",
        )
    _report_if_unbacked(application, permit, context.actor, today)
    return _flag_late(application, today, context.actor)


# A change reported or a cancellation filed after its time limit is a minor dishonest act
# of the employer (the 2017 notice's credit records), recorded when the application is
# approved: the report itself is accepted, the lateness is on the record.
LATE_KINDS = {Kind.CHANGE: "late_change_report", Kind.CANCELLATION: "late_cancellation"}


def _flag_late(application: Application, today: dt.date, actor: User | None) -> list[str]:
    filed = timezone.localdate(application.submitted_at) if application.submitted_at else today
    fields: list[str] = []
    if not application.reported_late and windows.is_late_change(application, filed):
        application.reported_late = True
        fields.append("reported_late")
    if application.reported_late:
        from credit import services as credit_services

        due = windows.due_on(application)
        credit_services.report_dishonest_act(
            organization=application.employer,
            kind=LATE_KINDS[Application.Kind(application.kind)],
            facts=gettext("%(kind)s %(application)s was filed on %(filed)s; it was due by %(due)s.")
            % {
                "kind": Application.Kind(application.kind).label,
                "application": application.number,
                "filed": filed.isoformat(),
                "due": due.isoformat() if due else "—",
            },
            reference=application.number,
            on=today,
            actor=actor,
        )
    return fields


ISSUERS = {
    Kind.NEW: _issue_letter,
    Kind.SHORT_TERM: _issue_letter,
    Kind.AFTER_ENTRY: _issue_after_entry,
    Kind.EXTENSION: _issue_extension,
    Kind.CHANGE: _issue_change,
    Kind.CHANGE_EMPLOYER: _issue_change_employer,
    Kind.CANCELLATION: _issue_cancellation,
}


def issue_on_approval(application: Application, context: TransitionContext) -> list[str]:
    """Issue or change what the approval of ``application`` decides (see the module);
    the names of the Application fields changed."""
    issuer = ISSUERS.get(Application.Kind(application.kind))
    if issuer is None:  # pragma: no cover - every kind is listed
        raise _refuse(gettext("Nothing is issued for this kind of application."))
    return issuer(application, context)


# --- Salary commitments ------------------------------------------------------------------------


def _report_if_unbacked(
    application: Application, permit: Permit, actor: User | None, on: dt.date
) -> bool:
    if application.salary_backed_by_tax is not False:
        return False
    return report_unbacked_salary(permit=permit, application=application, actor=actor, on=on)


def report_unbacked_salary(
    *, permit: Permit, application: Application, actor: User | None, on: dt.date
) -> bool:
    """Report the employer of a permit granted on a salary commitment whose salary was
    not backed by tax records, once per permit; True when reported now. Call inside a
    transaction: the permit row is locked."""
    from credit import services as credit_services

    locked = Permit.objects.select_for_update().get(pk=permit.pk)
    if not locked.on_salary_commitment or locked.salary_reported_at is not None:
        return False
    credit_services.report_dishonest_act(
        organization=locked.employer,
        kind=CREDIT_KIND,
        facts=gettext(
            "Permit %(number)s was granted on a salary commitment of %(salary)s CNY a year; "
            "at %(kind)s (application %(application)s) the salary was not backed by tax "
            "records."
        )
        % {
            "number": locked.permit_number,
            "salary": locked.annual_salary_cny,
            "kind": application.get_kind_display(),
            "application": application.number,
        },
        reference=f"permit:{locked.pk}:{locked.permit_number}",
        on=on,
        actor=actor,
    )
    locked.salary_reported_at = timezone.now()
    locked.save(update_fields=["salary_reported_at"])
    permit.salary_reported_at = locked.salary_reported_at
    return True
