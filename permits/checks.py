"""Completeness and eligibility of an application: the same rules for the employer before
submission and for the officers at their step.

Each function returns a list of ``permits.problems.Problem``: an empty list means the step
may go ahead; every problem says what to fix, against a field (or document kind) and a
step of the form (kind, worker, job, facts, documents). The workflow's guards call
``submission_problems``, ``acceptance_problems`` and ``approval_problems``; the submit
effect calls ``record_assessment``; the wizard's live preview calls ``assessment_preview``.

* Passport valid at least ``rules.PASSPORT_MIN_MONTHS`` after submission; the worker 18 or
  older (the age limits of the routes come from the engine's results).
* Documents of the checklist (``permits.documents``) present at the step; certificates
  issued within ``rules.CERTIFICATE_MAX_AGE_MONTHS`` before submission.
* The recognition: a route met, or one an officer must confirm ("needs confirmation",
  never passed silently: approval waits for the confirmation); the catalog entry in force
  when the route is the catalog's; a change of employer carries the recognition over where
  it is valid; extension, change and cancellation keep the permit's.
* Category C: a place left in the province's quota of the year, counted under a lock on
  the allocation row at submission and at approval.
* The employer's credit standing, one open application per worker, and the time windows
  of extension, change, cancellation and the work permit after entry (``permits.windows``).
* A post that needs a labour-market test: its advertising recorded, long enough, and run
  (submitted from the next working day after it ends; ``permits.labour_market``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogs import selectors as catalog_selectors
from credit import selectors as credit_selectors
from permits import documents, labour_market, windows
from permits.models import (
    OPEN_STATES,
    Application,
    NotificationLetter,
    Permit,
    QuotaAllocation,
)
from permits.problems import Problem
from permits.rules import PASSPORT_MIN_MONTHS, SHORT_TERM_MAX_DAYS, add_months
from portal.models import Region
from talent_standards import services as talent_services
from talent_standards.selectors import RulesUnavailable
from talent_standards.services import (
    Assessment,
    EngineInputError,
    Job,
    Profile,
    RouteStatus,
)

AK = Application.Kind
S = Application.State
# Recognition statuses that are not a fresh assessment (``Recognition.status``).
KEPT_STATUSES = frozenset({"from_permit", "from_letter", "carried"})

# Routes whose recognition rests on the province's Guidance Catalog.
CATALOG_ROUTES = frozenset({"B-CATALOG"})
# Kinds recognised by the engine (a change of employer: when the recognition does not carry).
ASSESSED_KINDS = frozenset({AK.NEW, AK.SHORT_TERM, AK.CHANGE_EMPLOYER})
# Kinds that concern a permit of the same employer.
PERMIT_KINDS = frozenset({AK.EXTENSION, AK.CHANGE, AK.CANCELLATION})
# Kinds with a time window (``permits.windows``).
WINDOW_KINDS = frozenset({AK.EXTENSION, AK.CHANGE, AK.CANCELLATION, AK.AFTER_ENTRY})
# Category C applications that hold a place of the quota.
QUOTA_STATES = (S.SUBMITTED, S.UNDER_REVIEW, S.INFORMATION_REQUESTED, S.APPROVED)
# The kinds that bring a worker into a post, and so take a place. The work permit after
# entry follows a letter that took its place already; an extension, a change or a
# cancellation concerns a post already counted: refusing them for want of places would
# leave a worker unable to cancel a permit, or to report a new passport.
QUOTA_KINDS = frozenset({AK.NEW, AK.SHORT_TERM, AK.CHANGE_EMPLOYER})
# Fields of the job each kind needs, with their step.
JOB_FIELDS = (
    "occupation",
    "job_title",
    "work_region",
    "annual_salary_cny",
    "contract_start",
    "contract_end",
    "months_in_china_per_year",
)
FIELD_LABELS = {
    "occupation": gettext_lazy("the occupation"),
    "job_title": gettext_lazy("the job title"),
    "work_region": gettext_lazy("the place of work"),
    "annual_salary_cny": gettext_lazy("the annual salary"),
    "contract_start": gettext_lazy("the first day of the contract"),
    "contract_end": gettext_lazy("the last day of the contract"),
    "months_in_china_per_year": gettext_lazy("the months a year in China"),
}


# --- Small helpers ------------------------------------------------------------------------------


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def province_of(region: Region | None) -> Region | None:
    if region is None or region.level == Region.Level.PROVINCE:
        return region
    return Region.objects.filter(code=region.province_code).first()


def submitted_day(application: Application, today: dt.date) -> dt.date:
    """The day of submission (the reference for passport and certificate ages at the
    officers' steps), or ``today`` before submission."""
    if application.submitted_at is None:
        return today
    return timezone.localdate(application.submitted_at)


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


# --- The recognition ----------------------------------------------------------------------------


@dataclass
class Recognition:
    """The recognition of an application: category and route, how they were reached
    (``status``: met, needs_confirmation, group (Category C), carried (change of employer),
    from_permit, from_letter, or "" when none), the engine's assessment (points lines and
    routes) and what stands in the way."""

    category: str = ""
    route_code: str = ""
    route_source: str = ""
    status: str = ""
    assessment: Assessment | None = None
    carried_from: Permit | None = None
    problems: list[Problem] = field(default_factory=list)
    route_reason: str = ""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "category": self.category,
            "route_code": self.route_code,
            "route_source": self.route_source,
            "route_status": self.status,
            "route_reason": self.route_reason,
        }
        if self.assessment is not None:
            a = self.assessment
            data.update(
                {
                    "on": a.on,
                    "national_version": a.national_version,
                    "regional_version": a.regional_version,
                    "engine_category": a.category,
                    "possible_category": a.possible_category,
                    "points": {
                        "table_version": a.points.table_version,
                        "total": a.points.total,
                        "category": a.points.category,
                        "lines": [asdict(line) for line in a.points.lines],
                    },
                    "routes": [
                        {
                            "code": r.code,
                            "category": r.category,
                            "title": r.title,
                            "source": r.source,
                            "status": str(r.status),
                            "reason": r.reason,
                            "figures": dict(r.figures),
                        }
                        for r in a.routes
                    ],
                }
            )
        if self.carried_from is not None:
            permit = self.carried_from
            data["carried"] = {
                "permit": permit.pk,
                "permit_number": permit.permit_number,
                "basis": permit.basis,
                "basis_region": permit.basis_region.code if permit.basis_region else "",
            }
        return dict(_json(data))


def _profile(application: Application, age: int) -> Profile:
    return Profile(
        age=age,
        education=application.education or "none",
        skill_certificate=application.skill_certificate or "none",
        experience_years=Decimal(application.experience_years or 0),
        hsk_level=application.hsk_level,
        former_chinese_national=application.former_chinese_national,
        chinese_taught_degree=application.chinese_taught_degree,
        bonuses=frozenset(application.bonuses or ()),
        achievements=frozenset(application.achievements or ()),
        teaches_language=application.teaches_language,
        native_language=application.native_language,
        teaching_years=Decimal(application.teaching_years or 0),
        teaching_qualification=application.teaching_qualification,
        declared_facts=frozenset(application.declared_facts or ()),
    )


def _job(application: Application) -> Job:
    place = application.work_region or application.region
    return Job(
        region_code=place.code if place is not None else "",
        annual_salary_cny=Decimal(application.annual_salary_cny or 0),
        months_in_china_per_year=Decimal(
            application.months_in_china_per_year
            if application.months_in_china_per_year is not None
            else 12
        ),
        occupation_code=application.occupation.code if application.occupation else "",
    )


def _missing_inputs(application: Application) -> list[Problem]:
    problems = []
    if application.foreigner is None:
        problems.append(
            Problem(
                "missing",
                _("Enter the worker (passport and personal details)."),
                "passport_number",
                "worker",
            )
        )
    if application.work_region is None and application.region is None:
        problems.append(Problem("missing", _("Choose the place of work."), "work_region", "job"))
    if application.annual_salary_cny is None:
        problems.append(
            Problem("missing", _("Enter the annual salary."), "annual_salary_cny", "job")
        )
    return problems


def _age_limit_problem(assessment: Assessment, age: int) -> Problem | None:
    """The routes that failed only on their age limit, said plainly."""
    limited = [
        r for r in assessment.routes if r.status == RouteStatus.NOT_MET and "max_age" in r.figures
    ]
    if not limited:
        return None
    # The most generous limit the worker is over (Category B: 60), and whose it is.
    limit = max(int(r.figures["max_age"]) for r in limited)
    categories = ", ".join(
        sorted({r.category for r in limited if int(r.figures["max_age"]) == limit})
    )
    return Problem(
        "age_over_limit",
        _(
            "At %(age)d the worker is over the age limit of %(limit)d of the Category "
            "%(categories)s routes. Choose a route without the limit, or Category C with "
            "its group."
        )
        % {"age": age, "limit": limit, "categories": categories},
        "date_of_birth",
        "worker",
    )


def _choose_route(application: Application, recognition: Recognition, age: int) -> None:
    assessment = recognition.assessment
    assert assessment is not None
    claimed_category = application.category
    if claimed_category == "C":
        if not application.c_group:
            recognition.problems.append(
                Problem(
                    "c_group_missing",
                    _("Choose the Category C group the work belongs to."),
                    "c_group",
                    "facts",
                )
            )
            return
        recognition.category = "C"
        recognition.route_code = f"C-{application.c_group}"[:32]
        recognition.route_source = f"national:{assessment.national_version}"
        recognition.status = "group"
        return
    usable = (RouteStatus.MET, RouteStatus.NEEDS_CONFIRMATION)
    if application.route_code:
        result = next((r for r in assessment.routes if r.code == application.route_code), None)
        if result is None:
            recognition.problems.append(
                Problem(
                    "route_unknown",
                    _("The route %(route)s is not a route of the standards in force.")
                    % {"route": application.route_code},
                    "route_code",
                    "facts",
                )
            )
            return
        if result.status not in usable:
            if result.code in CATALOG_ROUTES:
                recognition.problems.extend(_catalog_problems(application, assessment.on))
            recognition.problems.append(
                Problem(
                    "route_not_met",
                    _("The route “%(route)s” is not met: %(reason)s.")
                    % {"route": result.title, "reason": result.reason},
                    "route_code",
                    "facts",
                )
            )
            if "max_age" in result.figures:
                problem = _age_limit_problem(assessment, age)
                if problem is not None:
                    recognition.problems.append(problem)
            return
        chosen = result
    else:
        candidates = [r for r in assessment.routes if r.status in usable]
        if claimed_category:
            candidates = [r for r in candidates if r.category == claimed_category]
        # A met route before one awaiting confirmation, the higher category first.
        candidates.sort(
            key=lambda r: (r.status != RouteStatus.MET, r.category),
        )
        if not candidates:
            problem = _age_limit_problem(assessment, age)
            if problem is not None:
                recognition.problems.append(problem)
            recognition.problems.append(
                Problem(
                    "no_route",
                    _(
                        "No recognition route of Category %(category)s is met. Check the "
                        "facts and the job, or choose Category C with its group."
                    )
                    % {"category": claimed_category or "A/B"},
                    "category",
                    "facts",
                )
            )
            return
        chosen = candidates[0]
    if claimed_category and chosen.category != claimed_category:
        recognition.problems.append(
            Problem(
                "category_mismatch",
                _("The route %(route)s recognises Category %(route_category)s, not %(claimed)s.")
                % {
                    "route": chosen.code,
                    "route_category": chosen.category,
                    "claimed": claimed_category,
                },
                "category",
                "facts",
            )
        )
        return
    recognition.category = chosen.category
    recognition.route_code = chosen.code
    recognition.route_source = chosen.source
    recognition.route_reason = chosen.reason
    recognition.status = str(chosen.status)


def recognize(application: Application, today: dt.date) -> Recognition:
    """The recognition of the application as it stands (nothing is saved)."""
    kind = application.kind
    if kind in PERMIT_KINDS:
        permit = application.permit
        if permit is None:
            return Recognition()
        return Recognition(
            category=permit.category,
            route_code=permit.route_code,
            route_source=permit.route_source,
            status="from_permit",
        )
    if kind == AK.AFTER_ENTRY:
        letter = application.letter
        if letter is None:
            return Recognition()
        source = letter.application
        return Recognition(
            category=letter.category,
            route_code=source.route_code,
            route_source=source.route_source,
            status="from_letter",
        )
    if kind == AK.CHANGE_EMPLOYER:
        carried = documents.carried_recognition(application, today)
        if carried is not None:
            return Recognition(
                category=carried.category,
                route_code=carried.route_code,
                route_source=carried.route_source,
                status="carried",
                carried_from=carried,
            )
    recognition = Recognition()
    missing = _missing_inputs(application)
    if missing:
        recognition.problems = missing
        return recognition
    assert application.foreigner is not None
    place = application.work_region or application.region
    assert place is not None
    age = age_on(application.foreigner.date_of_birth, today)
    try:
        recognition.assessment = talent_services.assess(
            profile=_profile(application, age), job=_job(application), region=place, on=today
        )
    except EngineInputError as error:
        if error.field != "age":  # the age itself is checked for every kind
            step = "job" if error.field in FIELD_LABELS else "facts"
            recognition.problems.append(Problem("invalid_fact", error.message, error.field, step))
        return recognition
    except RulesUnavailable:
        recognition.problems.append(
            Problem(
                "rules_unavailable",
                _("No national standard is in force on %(day)s: an administrator must load it.")
                % {"day": today.isoformat()},
            )
        )
        return recognition
    _choose_route(application, recognition, age)
    if recognition.route_code in CATALOG_ROUTES:
        recognition.problems.extend(_catalog_problems(application, today))
    if application.commitment_letters and recognition.category not in ("", "A"):
        recognition.problems.append(
            Problem(
                "commitment_only_for_a",
                _("Commitment letters replace proofs only for Category A."),
                "commitment_letters",
                "facts",
            )
        )
    return recognition


def assessment_preview(application: Application, today: dt.date | None = None) -> Recognition:
    """For the wizard's live preview: the routes met, the points line by line and the
    category of a draft as it stands, without saving anything."""
    return recognize(application, today or timezone.localdate())


def record_assessment(application: Application, today: dt.date) -> list[str]:
    """Store the recognition as assessed today (at submission); return the changed fields."""
    recognition = recognize(application, today)
    application.category = recognition.category or application.category
    application.route_code = recognition.route_code
    application.route_source = recognition.route_source
    application.assessment = recognition.as_json()
    application.assessed_on = today
    return ["category", "route_code", "route_source", "assessment", "assessed_on"]


# --- The parts of the checks --------------------------------------------------------------------


def _catalog_problems(application: Application, day: dt.date) -> list[Problem]:
    occupation = application.occupation
    place = application.work_region or application.region
    if occupation is None or place is None:
        return []
    entry = catalog_selectors.catalog_entry_in_force(
        occupation_code=occupation.code, region=place, on=day
    )
    if entry is not None:
        return []
    province = province_of(place) or place
    return [
        Problem(
            "catalog_entry_missing",
            _(
                "%(code)s is not listed in a Guidance Catalog of %(province)s in force on "
                "%(day)s: choose another route."
            )
            % {"code": occupation.code, "province": province.name, "day": day.isoformat()},
            "occupation",
            "job",
        )
    ]


def _kind_problems(application: Application, today: dt.date) -> list[Problem]:
    """What the kind needs: the permit or letter it concerns, its own dates."""
    kind = application.kind
    problems: list[Problem] = []
    if kind in PERMIT_KINDS or kind == AK.CHANGE_EMPLOYER:
        permit = application.permit
        if permit is None:
            return [Problem("permit_missing", _("Choose the permit concerned."), "permit", "kind")]
        if permit.status_on(today) != Permit.State.ACTIVE:
            problems.append(
                Problem(
                    "permit_not_active",
                    _("The permit %(number)s is no longer valid (%(state)s).")
                    % {
                        "number": permit.permit_number,
                        "state": Permit.State(permit.status_on(today)).label,
                    },
                    "permit",
                    "kind",
                )
            )
        same = permit.employer_id == application.employer_id
        if kind in PERMIT_KINDS and not same:
            problems.append(
                Problem(
                    "permit_other_employer",
                    _("The permit belongs to another employer."),
                    "permit",
                    "kind",
                )
            )
        if kind == AK.CHANGE_EMPLOYER and same:
            problems.append(
                Problem(
                    "permit_same_employer",
                    _("A change of employer concerns a permit held at another employer."),
                    "permit",
                    "kind",
                )
            )
    if kind == AK.AFTER_ENTRY:
        letter = application.letter
        if letter is None:
            return [
                Problem("letter_missing", _("Choose the notification letter."), "letter", "kind")
            ]
        if letter.status_on(today) != NotificationLetter.State.VALID:
            problems.append(
                Problem(
                    "letter_not_valid",
                    _("The notification letter %(number)s is no longer valid.")
                    % {"number": letter.number},
                    "letter",
                    "kind",
                )
            )
        if application.entry_date is None:  # too late or in the future: permits.windows
            problems.append(Problem("missing", _("Enter the date of entry."), "entry_date", "kind"))
    if kind == AK.CHANGE:
        if not application.change_kind:
            problems.append(Problem("missing", _("Say what changed."), "change_kind", "kind"))
        if application.change_date is None:
            problems.append(
                Problem("missing", _("Enter the date of the change."), "change_date", "kind")
            )
    if kind == AK.EXTENSION:
        permit = application.permit
        if application.contract_end is None:
            problems.append(
                Problem(
                    "missing",
                    _("Enter the last day of the renewed contract."),
                    "contract_end",
                    "kind",
                )
            )
        elif permit is not None and application.contract_end <= permit.valid_until:
            problems.append(
                Problem(
                    "extension_not_longer",
                    _("The renewed contract must end after the permit (%(day)s).")
                    % {"day": permit.valid_until.isoformat()},
                    "contract_end",
                    "kind",
                )
            )
    if kind == AK.CANCELLATION and windows.contract_end_of(application) is None:
        problems.append(
            Problem("missing", _("Enter the day the contract ended."), "contract_end", "kind")
        )
    return problems


def _field_problems(application: Application, today: dt.date) -> list[Problem]:
    """The worker and the job, for the kinds that state them."""
    if application.kind not in ASSESSED_KINDS:
        return []
    problems: list[Problem] = []
    if application.foreigner_id is None or application.passport_id is None:
        problems.append(
            Problem(
                "missing",
                _("Enter the worker (passport and personal details)."),
                "passport_number",
                "worker",
            )
        )
    for name in JOB_FIELDS:
        if getattr(application, name) in (None, ""):
            problems.append(
                Problem(
                    "missing",
                    _("Enter %(what)s.") % {"what": FIELD_LABELS[name]},
                    name,
                    "job",
                )
            )
    start, end = application.contract_start, application.contract_end
    if start is not None and end is not None:
        days = (end - start).days + 1
        if application.kind == AK.SHORT_TERM and days > SHORT_TERM_MAX_DAYS:
            problems.append(
                Problem(
                    "short_term_too_long",
                    _(
                        "Short-term work lasts at most %(max)d days; this contract lasts "
                        "%(days)d. Apply for a notification letter instead."
                    )
                    % {"max": SHORT_TERM_MAX_DAYS, "days": days},
                    "contract_end",
                    "job",
                )
            )
        if application.kind == AK.NEW and days <= SHORT_TERM_MAX_DAYS:
            problems.append(
                Problem(
                    "new_too_short",
                    _(
                        "Work of %(days)d days is short-term work (%(max)d days or less): "
                        "apply for short-term work instead."
                    )
                    % {"max": SHORT_TERM_MAX_DAYS, "days": days},
                    "contract_end",
                    "job",
                )
            )
        if end < today:
            problems.append(
                Problem(
                    "contract_ended",
                    _("The contract ended on %(day)s.") % {"day": end.isoformat()},
                    "contract_end",
                    "job",
                )
            )
    return problems


def _worker_problems(application: Application, day: dt.date) -> list[Problem]:
    """The passport valid long enough (at ``day``, the submission) and the worker's age."""
    problems: list[Problem] = []
    person = application.foreigner
    if person is not None and age_on(person.date_of_birth, day) < 18:
        problems.append(
            Problem(
                "age_under_18",
                _("Work permits are for people of 18 and over: the worker is %(age)d.")
                % {"age": age_on(person.date_of_birth, day)},
                "date_of_birth",
                "worker",
            )
        )
    passport = application.passport
    if passport is None or application.kind == AK.CANCELLATION:
        return problems
    if not passport.is_current:
        problems.append(
            Problem(
                "passport_not_current",
                _("The passport %(number)s has been replaced: enter the current passport.")
                % {"number": passport.number},
                "passport_number",
                "worker",
            )
        )
    needed = add_months(day, PASSPORT_MIN_MONTHS)
    if passport.expiry_date < needed:
        problems.append(
            Problem(
                "passport_expires_soon",
                _(
                    "The passport expires on %(expiry)s; it must be valid until at least "
                    "%(needed)s (%(months)d months after submission). Enter a renewed passport."
                )
                % {
                    "expiry": passport.expiry_date.isoformat(),
                    "needed": needed.isoformat(),
                    "months": PASSPORT_MIN_MONTHS,
                },
                "passport_expiry_date",
                "worker",
            )
        )
    return problems


def document_problems(
    application: Application, stage: str, day: dt.date, *, category: str | None = None
) -> list[Problem]:
    """The checklist's documents needed at ``stage`` (submission, acceptance, decision),
    certificates counted from ``day`` (the submission)."""
    present: dict[str, list[Any]] = {}
    for document in application.documents.all():
        present.setdefault(document.kind, []).append(document)
    problems: list[Problem] = []
    for item in documents.checklist(application, day, category=category):
        needed = {
            "submission": item.at_submission,
            "acceptance": item.at_acceptance,
            "decision": item.at_decision,
        }[stage]
        if not needed:
            continue
        found = present.get(item.kind, [])
        if not found:
            problems.append(
                Problem(
                    "document_missing",
                    _("Add the document: %(label)s.") % {"label": item.label},
                    item.kind,
                    "documents",
                )
            )
            continue
        if item.max_age_months is None:
            continue
        oldest = documents.certificate_oldest_issue(day, item.max_age_months)
        dated = [d.issued_on for d in found if d.issued_on is not None]
        if not dated:
            problems.append(
                Problem(
                    "document_issue_date_missing",
                    _("Enter the date of issue of the %(label)s.") % {"label": item.label},
                    item.kind,
                    "documents",
                )
            )
        elif max(dated) < oldest:
            problems.append(
                Problem(
                    "document_too_old",
                    _(
                        "The %(label)s was issued on %(issued)s; it counts only when issued "
                        "on or after %(oldest)s (%(months)d months). Add a newer one."
                    )
                    % {
                        "label": item.label,
                        "issued": max(dated).isoformat(),
                        "oldest": oldest.isoformat(),
                        "months": item.max_age_months,
                    },
                    item.kind,
                    "documents",
                )
            )
    return problems


def quota_problems(
    application: Application, category: str, year: int, *, lock: bool = True
) -> list[Problem]:
    """Category C: a place left in the quota of the province and ``year``. Inside a
    transaction the allocation row is locked, so two applications cannot both take the
    last place."""
    if category != "C" or application.kind not in QUOTA_KINDS:
        return []
    province = province_of(application.region)
    if province is None:
        return []
    allocations = QuotaAllocation.objects.filter(region=province, year=year)
    if lock and transaction.get_connection().in_atomic_block:
        allocations = allocations.select_for_update()
    allocation = allocations.first()
    if allocation is None:
        return [
            Problem(
                "quota_missing",
                _("%(province)s has no Category C places for %(year)d.")
                % {"province": province.name, "year": year},
                "category",
                "facts",
            )
        ]
    taken = (
        Application.objects.filter(
            region=province,
            category="C",
            kind__in=QUOTA_KINDS,
            state__in=QUOTA_STATES,
            submitted_at__gte=_year_start(year),
            submitted_at__lt=_year_start(year + 1),
        )
        .exclude(pk=application.pk)
        .count()
    )
    if taken >= allocation.places:
        return [
            Problem(
                "quota_exhausted",
                _(
                    "The Category C quota of %(province)s for %(year)d is used up "
                    "(%(places)d places)."
                )
                % {"province": province.name, "year": year, "places": allocation.places},
                "category",
                "facts",
            )
        ]
    return []


def _year_start(year: int) -> dt.datetime:
    return dt.datetime(year, 1, 1, tzinfo=timezone.get_default_timezone())  # China time


def employer_needs_original_check(application: Application, today: dt.date) -> bool:
    """Whether the employer's standing today is attention: its documents are then checked
    against the paper originals at acceptance."""
    uscc = application.employer.uscc or ""
    standing = credit_selectors.organization_standing(uscc, today)
    return str(standing.level) == "attention"


def _standing_problems(application: Application, today: dt.date) -> list[Problem]:
    uscc = application.employer.uscc or ""
    standing = credit_selectors.organization_standing(uscc, today)
    if not standing.blocks:
        return []
    reasons = "; ".join(standing.reasons)
    until = standing.until.isoformat() if standing.until else ""
    return [
        Problem(
            "employer_dishonest",
            _(
                "The employer has a serious dishonesty record (%(reasons)s) and may not apply "
                "until %(until)s."
            )
            % {"reasons": reasons or standing.label, "until": until or "-"},
            "employer",
            "kind",
        )
    ]


def _open_application_problems(application: Application) -> list[Problem]:
    if application.foreigner_id is None:
        return []
    other = (
        Application.objects.filter(foreigner_id=application.foreigner_id, state__in=OPEN_STATES)
        .exclude(pk=application.pk)
        .only("pk", "number", "employer_id")
        .first()
    )
    if other is None:
        return []
    if other.employer_id == application.employer_id:
        message = _(
            "The application %(number)s for this worker is still in progress: finish or "
            "withdraw it first."
        ) % {"number": other.number}
    else:
        message = _("Another application for this worker is in progress.")
    return [Problem("worker_has_open_application", message, "passport_number", "worker")]


def _window_problems(application: Application, today: dt.date) -> list[Problem]:
    if application.kind not in WINDOW_KINDS:
        return []
    return list(windows.window_problems(application, today))


# --- The steps ----------------------------------------------------------------------------------


def submission_problems(application: Application, today: dt.date) -> list[Problem]:
    """Everything that stops the employer from submitting (also shown before they try)."""
    problems = _kind_problems(application, today)
    problems += _field_problems(application, today)
    problems += _worker_problems(application, today)
    recognition = recognize(application, today)
    problems += recognition.problems
    problems += document_problems(
        application, "submission", today, category=recognition.category or None
    )
    problems += quota_problems(application, recognition.category, today.year)
    problems += _standing_problems(application, today)
    problems += _open_application_problems(application)
    problems += _window_problems(application, today)
    problems += labour_market.problems(
        application, today, category=recognition.category, route_code=recognition.route_code
    )
    return _unique(problems)


def acceptance_problems(application: Application, today: dt.date) -> list[Problem]:
    """What stops an acceptance officer from accepting: the documents needed at acceptance
    (Category A with commitment letters: only the form, passport and commitment), the
    passport and certificates as at submission, the employer's standing today."""
    day = submitted_day(application, today)
    problems = _worker_problems(application, day)
    problems += document_problems(application, "acceptance", day)
    problems += _standing_problems(application, today)
    return _unique(problems)


def approval_problems(application: Application, today: dt.date) -> list[Problem]:
    """What stops the decision officer from approving: every document, a route an officer
    had to confirm still unconfirmed, the catalog entry no longer in force, the Category C
    quota (under a lock), the employer's standing, a passport expired since."""
    day = submitted_day(application, today)
    problems = document_problems(application, "decision", day)
    status = str((application.assessment or {}).get("route_status", ""))
    if status == RouteStatus.NEEDS_CONFIRMATION and application.route_confirmed_at is None:
        problems.append(
            Problem(
                "route_needs_confirmation",
                _("Confirm the evidence of the route %(route)s before approving.")
                % {"route": application.route_code},
                "route_code",
                "facts",
            )
        )
    # A recognition kept from the permit or the letter, or carried to a new employer, was
    # decided when it was granted: the catalog is asked only of a fresh recognition.
    if application.route_code in CATALOG_ROUTES and status not in KEPT_STATUSES:
        problems += _catalog_problems(application, today)
    problems += quota_problems(application, application.category, day.year)
    problems += _standing_problems(application, today)
    passport = application.passport
    if passport is not None and passport.expiry_date < today:
        problems.append(
            Problem(
                "passport_expired",
                _("The passport expired on %(day)s.") % {"day": passport.expiry_date.isoformat()},
                "passport_expiry_date",
                "worker",
            )
        )
    return _unique(problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    """Each problem once (the same missing field is found by more than one check)."""
    seen: set[tuple[str, str]] = set()
    result = []
    for problem in problems:
        key = (problem.code, problem.field)
        if key not in seen:
            seen.add(key)
            result.append(problem)
    return result
