"""The service guides (办事指南) of the permits app, registered with the kernel
(``portal.guides``) when ``PermitsConfig.ready`` imports this module.

Every list and number is read from what the workflow enforces, never retyped:

* the materials from ``permits.documents.checklist`` (the function the employer's form,
  the checks before submission, the officer's page and the API read), asked for a probe
  application of each kind, category and route (``Variant``): Category A with the signed
  commitment (承诺制) and documents to follow (容缺受理), a recognition carried over at a
  change of employer, a permit granted on a salary commitment;
* the time limits from ``permits.clocks.limit`` per stage and category, the windows from
  ``permits.rules.window`` (the extension's example dates from
  ``permits.windows.extension_span`` itself), the longest permits from
  ``permits.rules.validity_months``, the Category C places from ``QuotaAllocation``, the
  labour-market test from ``permits.labour_market.requirement``;
* the fixed legal periods from ``permits.rules`` and the registration form's own fields.

Each guide is built for a province (its own rules, else the national ones) or for the
national rules (``None``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit import constants as credit_constants
from permits import clocks, documents, labour_market, rules, windows
from permits.checks import QUOTA_KINDS
from permits.documents import ChecklistItem
from permits.models import (
    Application,
    ClockRule,
    LabourMarketRule,
    Permit,
    QuotaAllocation,
    Registration,
    WindowRule,
)
from permits.services.registration import POWER_OF_ATTORNEY_MAX_YEARS
from portal.guides import (
    CALENDAR_DAYS,
    EMPLOYERS,
    WORKING_DAYS,
    Fact,
    GuideContent,
    GuideSpec,
    LegalBasis,
    Material,
    MaterialGroup,
    Step,
    TimeLimit,
    link,
    register_guide,
)
from portal.models import Region
from portal.roles import Role

AK = Application.Kind
K = documents.K
Text = Promise | str
CATEGORIES = ("A", "B", "C")
# Kinds whose checklist asks for tax records when the permit was granted on a salary.
SALARY_KINDS = frozenset({AK.EXTENSION, AK.CANCELLATION})
# The guide of each kind of application (the key is the kind's value: /guides/<kind>/).
KIND_GUIDES = (
    AK.NEW,
    AK.SHORT_TERM,
    AK.AFTER_ENTRY,
    AK.EXTENSION,
    AK.CHANGE,
    AK.CHANGE_EMPLOYER,
    AK.CANCELLATION,
)
REGISTRATION_GUIDE = "registration"


# --- Categories and routes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """A category and route of an application, as far as its materials differ: Category A
    with commitment letters, a recognition carried over at a change of employer, a permit
    granted on a salary commitment."""

    category: str
    commitment: bool = False
    carried: bool = False
    salary: bool = False

    @property
    def key(self) -> str:
        parts = [self.category]
        if self.commitment:
            parts.append("commitment")
        if self.carried:
            parts.append("carried")
        if self.salary:
            parts.append("salary")
        return "-".join(parts)


def variants(kind: str) -> tuple[Variant, ...]:
    """Every category and route whose materials the guide of ``kind`` lists."""
    if kind == AK.NEW:
        return (*(Variant(c) for c in CATEGORIES), Variant("A", commitment=True))
    if kind == AK.CHANGE_EMPLOYER:
        found: list[Variant] = []
        for carried in (False, True):
            found += [Variant(c, carried=carried) for c in CATEGORIES]
            found.append(Variant("A", commitment=True, carried=carried))
        return tuple(found)
    if kind in SALARY_KINDS:
        # Salary routes recognise Categories A and B only.
        return (
            *(Variant(c) for c in CATEGORIES),
            *(Variant(c, salary=True) for c in ("A", "B")),
        )
    return tuple(Variant(c) for c in CATEGORIES)


def probe(kind: str, variant: Variant, province: Region | None) -> Application:
    """An unsaved application of ``kind`` in ``variant``, for the checklist to read."""
    application = Application(
        kind=kind,
        category=variant.category,
        commitment_letters=variant.commitment,
        region=province,
    )
    if kind == AK.CHANGE_EMPLOYER and variant.carried:
        # A recognition under the national standard is carried everywhere.
        application.permit = Permit(basis=Permit.Basis.NATIONAL, category=variant.category)
    elif kind in (AK.EXTENSION, AK.CHANGE, AK.CANCELLATION):
        application.permit = Permit(
            category=variant.category, on_salary_commitment=variant.salary, region=province
        )
    return application


def checklist_of(
    kind: str, variant: Variant, province: Region | None, on: dt.date
) -> list[ChecklistItem]:
    """The checklist the workflow enforces for ``kind`` in ``variant``."""
    return documents.checklist(probe(kind, variant, province), on, category=variant.category)


def _categories(categories: Sequence[str]) -> str:
    if set(categories) == set(CATEGORIES):
        return gettext("All categories")
    if len(categories) == 1:
        return gettext("Category %(category)s") % {"category": categories[0]}
    return gettext("Categories %(categories)s") % {"categories": ", ".join(sorted(categories))}


def _route_labels(kind: str, variant: Variant) -> list[str]:
    labels: list[str] = []
    if kind == AK.CHANGE_EMPLOYER:
        labels.append(
            gettext("recognition carried over")
            if variant.carried
            else gettext("recognition assessed anew")
        )
    if variant.commitment:
        labels.append(gettext("signed commitment (承诺制), documents may follow (容缺受理)"))
    if kind in SALARY_KINDS:
        labels.append(
            gettext("permit granted on a salary commitment")
            if variant.salary
            else gettext("permit not granted on a salary commitment")
        )
    return labels


def _group_title(kind: str, members: Sequence[Variant]) -> str:
    """ "Category A · recognition carried over; Category B ..." for the variants whose
    materials agree (those of one route together)."""
    by_route: dict[tuple[bool, bool, bool], list[Variant]] = {}
    for variant in members:
        by_route.setdefault((variant.commitment, variant.carried, variant.salary), []).append(
            variant
        )
    parts = []
    for same_route in by_route.values():
        words = [_categories([v.category for v in same_route])]
        words += _route_labels(kind, same_route[0])
        parts.append(" · ".join(words))
    return "; ".join(parts)


# --- Materials -----------------------------------------------------------------------------------

DEFERRED = _(
    "May follow after acceptance (容缺受理): needed before the decision. To submit and to be "
    "accepted, only the core documents are needed."
)
CARRIED_DOCUMENT = _(
    "Carried over from the application of the earlier permit when it was verified there "
    "(the passport page while the passport is still current)."
)


def _why_not(kind: str, variant: Variant, document: str) -> Text:
    """Why a document of the notification letter's list is not asked here (checked in the
    order the checklist applies its rules)."""
    if (
        variant.commitment
        and variant.category == "A"
        and document in (documents.REPLACED_BY_COMMITMENT)
    ):
        return _("Replaced by the signed commitment (Category A).")
    if kind == AK.CHANGE_EMPLOYER and document in documents.EXEMPT_AT_CHANGE_OF_EMPLOYER:
        return _("Exempt at a change of employer.")
    if variant.carried and document in documents.RECOGNITION_SUPPORT:
        return _("Not sent again: the recognition is carried over.")
    return ""


def _materials(
    kind: str, variant: Variant, province: Region | None, on: dt.date
) -> tuple[Material, ...]:
    items = checklist_of(kind, variant, province, on)
    present = {item.kind for item in items}
    result = []
    for item in items:
        notes: list[Text] = [item.note] if item.note else []
        if item.at_decision and not (item.at_submission or item.at_acceptance):
            notes.append(DEFERRED)
        if kind == AK.CHANGE_EMPLOYER and item.kind in documents.CARRIED_KINDS:
            notes.append(CARRIED_DOCUMENT)
        result.append(
            Material(
                label=item.label,
                kind=item.kind,
                at_submission=item.at_submission,
                at_acceptance=item.at_acceptance,
                at_decision=item.at_decision,
                max_age_months=item.max_age_months,
                notes=tuple(notes),
            )
        )
    if kind in (AK.NEW, AK.CHANGE_EMPLOYER):
        # What the full list of a notification letter asks and this route does not.
        for item in checklist_of(AK.NEW, Variant(variant.category), province, on):
            if item.kind in present:
                continue
            reason = _why_not(kind, variant, item.kind)
            if reason:
                result.append(
                    Material(
                        label=item.label,
                        kind=item.kind,
                        at_submission=False,
                        at_acceptance=False,
                        at_decision=False,
                        notes=(reason,),
                        needed=False,
                    )
                )
    return tuple(result)


def _signature(items: Iterable[Material]) -> tuple[object, ...]:
    return tuple(
        (
            m.kind,
            m.at_submission,
            m.at_acceptance,
            m.at_decision,
            m.max_age_months,
            m.needed,
            tuple(str(n) for n in m.notes),
        )
        for m in items
    )


def material_groups(kind: str, province: Region | None, on: dt.date) -> tuple[MaterialGroup, ...]:
    """The materials of ``kind`` by category and route; variants with the same list share
    one group (``MaterialGroup.variants`` names them)."""
    groups: dict[tuple[object, ...], tuple[tuple[Material, ...], list[Variant]]] = {}
    for variant in variants(kind):
        items = _materials(kind, variant, province, on)
        groups.setdefault(_signature(items), (items, []))[1].append(variant)
    core = ", ".join(
        str(K(k).label)
        for k in (K.APPLICATION_FORM, K.PASSPORT, K.COMMITMENT)
        if k in documents.CORE_KINDS
    )
    result = []
    for items, members in groups.values():
        description = ""
        if any(v.commitment for v in members):
            description = gettext(
                "Category A: the employer signs a commitment (承诺制) in place of the proofs it "
                "replaces, and the application is accepted with documents to follow (容缺受理): "
                "to submit and to be accepted only these are needed: %(core)s."
            ) % {"core": core}
        result.append(
            MaterialGroup(
                title=_group_title(kind, members),
                items=items,
                description=description,
                variants=tuple(v.key for v in members),
            )
        )
    return tuple(result)


# --- Time limits ---------------------------------------------------------------------------------

Stage = ClockRule.Stage
CLOCK_TEXT: dict[str, tuple[Text, Text]] = {
    Stage.ACCEPTANCE: (
        _("The day of submission; a resubmission after a correction starts it again."),
        _("Stops when the application is accepted, returned for correction or refused."),
    ),
    Stage.DECISION: (
        _("The day of acceptance."),
        _(
            "Paused while information is requested (from the day after the request until the "
            "answer); stops at the decision."
        ),
    ),
    Stage.OVERALL: (
        _("The day of submission."),
        _("Paused while information is requested, like the decision's."),
    ),
    Stage.OVERALL_EXTENSION: (
        _("Once, by a decision officer with a reason."),
        _("Moves the overall and the decision limits on by this many working days."),
    ),
}


def clock_limits(province: Region | None) -> list[TimeLimit]:
    """The statutory clocks of the province (``clocks.limit``) per stage, split by
    category where the categories differ (Category A decides faster)."""
    result = []
    for stage in Stage:
        by_days: dict[int, list[str]] = {}
        for category in CATEGORIES:
            by_days.setdefault(clocks.limit(stage, province, category), []).append(category)
        starts, stops = CLOCK_TEXT[stage]
        for days, categories in sorted(by_days.items(), key=lambda kv: kv[1]):
            split = len(by_days) > 1
            label = (
                gettext("%(stage)s, %(categories)s")
                % {"stage": stage.label, "categories": _categories(categories)}
                if split
                else str(stage.label)
            )
            key = f"clock-{stage}" + (f"-{''.join(categories)}" if split else "")
            result.append(TimeLimit(label, days, WORKING_DAYS, starts=starts, stops=stops, key=key))
    return result


def _unit(window: rules.Window) -> str:
    return WORKING_DAYS if window.working_days else CALENDAR_DAYS


def extension_window(province: Region | None, today: dt.date) -> TimeLimit:
    """The extension's window (``rules.window``), with example dates from the function the
    submission check uses (``windows.extension_span``)."""
    window = rules.window(WindowRule.Kind.EXTENSION, province)
    example_end = dt.date(today.year + 1, 12, 31)
    span = windows.extension_span(Permit(valid_until=example_end, region=province))
    return TimeLimit(
        _("When to apply"),
        window.opens_days,
        _unit(window),
        number_to=window.closes_days,
        key="window",
        text=gettext(
            "From %(opens)d to %(closes)d days before expiry of the permit (both days included)."
        )
        % {"opens": window.opens_days, "closes": window.closes_days},
        starts=_("Counted back from the permit's last day of validity."),
        stops=_("Outside the window the application is refused, naming the days allowed."),
        note=gettext("For a permit valid until %(until)s: from %(first)s to %(last)s.")
        % {
            "until": example_end.isoformat(),
            "first": span.first.isoformat(),
            "last": span.last.isoformat(),
        },
    )


def change_window(province: Region | None) -> TimeLimit:
    window = rules.window(WindowRule.Kind.CHANGE, province)
    return TimeLimit(
        _("When to report"),
        window.closes_days,
        _unit(window),
        key="window",
        text=gettext("Within %(days)d %(unit)s after the change.")
        % {"days": window.closes_days, "unit": _unit_words(window)},
        starts=_("The day of the change."),
        stops=_(
            "A later report is still accepted, but marked as late; when it is approved the "
            "employer gets a minor credit record."
        ),
    )


def cancellation_window(province: Region | None) -> TimeLimit:
    window = rules.window(WindowRule.Kind.CANCELLATION, province)
    return TimeLimit(
        _("When to cancel"),
        window.closes_days,
        _unit(window),
        key="window",
        text=gettext("From the day the contract ends to %(days)d %(unit)s after it.")
        % {"days": window.closes_days, "unit": _unit_words(window)},
        starts=_("The contract's last day (the day the application gives, else the permit's)."),
        stops=_(
            "Before the contract has ended the application is refused; a later one is "
            "accepted but marked as late, and the employer gets a minor credit record."
        ),
    )


def after_entry_window(province: Region | None) -> TimeLimit:
    window = rules.window(WindowRule.Kind.AFTER_ENTRY, province)
    return TimeLimit(
        _("When to apply"),
        window.closes_days,
        _unit(window),
        key="window",
        text=gettext("Within %(days)d %(unit)s after the date of entry.")
        % {"days": window.closes_days, "unit": _unit_words(window)},
        starts=_("The date of entry into China."),
        stops=_(
            "Later, the application is refused, naming the last day that was allowed; an "
            "entry date in the future is refused too."
        ),
    )


def _unit_words(window: rules.Window) -> str:
    return str(_("working days") if window.working_days else _("calendar days"))


# --- Facts ----------------------------------------------------------------------------------------


def quota_places(province: Region | None, year: int) -> int | None:
    """The province's Category C places of ``year`` (``None``: no allocation, no place)."""
    if province is None:
        return None
    return (
        QuotaAllocation.objects.filter(region=province, year=year)
        .values_list("places", flat=True)
        .first()
    )


def quota_line(province: Region | None, year: int, places: int | None) -> str:
    if province is None:
        return gettext(
            "Category C is limited by each province's quota of the year: every Category C "
            "application submitted takes a place. Choose a province to see its places."
        )
    if places is None:
        return gettext(
            "Category C is limited by quota, and %(province)s has no Category C places for "
            "%(year)d: no Category C application can be submitted there this year."
        ) % {"province": province.name, "year": year}
    return gettext(
        "Category C is limited by quota: %(province)s has %(places)d Category C places for "
        "%(year)d, taken by the Category C applications submitted that year."
    ) % {"province": province.name, "places": places, "year": year}


def quota_fact(province: Region | None, year: int, places: int | None) -> Fact:
    label = gettext("Category C places in %(year)d") % {"year": year}
    if province is None:
        return Fact(label, gettext("set by each province"))
    return Fact(label, str(places) if places is not None else gettext("none"))


def validity_facts(province: Region | None) -> list[Fact]:
    return [
        Fact(
            gettext("Longest permit, Category %(category)s") % {"category": category},
            gettext("%(months)d months") % {"months": rules.validity_months(category, province)},
        )
        for category in CATEGORIES
    ]


def _post_words(category: str, route: str, prefix: str) -> str:
    words = gettext("Category %(category)s") % {"category": category}
    if route:
        words += " · " + gettext("route %(route)s") % {"route": route}
    if prefix:
        words += " · " + gettext("occupations %(code)s") % {"code": prefix}
    return words


def labour_market_lines(province: Region | None, on: dt.date) -> list[str]:
    """Which posts need a labour-market test in the province, through
    ``labour_market.requirement``: each category, then the routes and occupations that a
    rule in force names."""
    posts: list[tuple[str, str, str]] = [(c, "", "") for c in CATEGORIES]
    named = (
        LabourMarketRule.objects.filter(valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .filter(Q(region__isnull=True) | Q(region=province))
        .exclude(route_code="", occupation_prefix="")
        .values_list("category", "route_code", "occupation_prefix")
        .order_by("category", "route_code", "occupation_prefix")
        .distinct()
    )
    posts += [(c, r, p) for c, r, p in named if (c, r, p) not in posts]
    lines = []
    for category, route, prefix in posts:
        need = labour_market.requirement(
            {
                "region": province,
                "category": category,
                "route_code": route,
                "occupation_code": prefix,
            },
            on,
        )
        post = _post_words(category, route, prefix)
        if need is None:
            lines.append(gettext("%(post)s: no labour-market test.") % {"post": post})
        else:
            lines.append(
                gettext(
                    "%(post)s: advertise the post to domestic candidates for %(days)s first; "
                    "the application can be submitted from the next working day after the "
                    "advertising ends."
                )
                % {"post": post, "days": need.days_words()}
            )
    return lines


def _labour_market_conditions(kind: str, province: Region | None, on: dt.date) -> list[str]:
    if kind not in labour_market.KINDS:
        return [gettext("No labour-market test is asked for this kind of application.")]
    return [
        gettext("The labour-market test (劳动力市场测试), where the rules ask for one:"),
        *labour_market_lines(province, on),
    ]


# --- Shared parts -------------------------------------------------------------------------------


def _who_employer() -> tuple[str, ...]:
    return (
        gettext("A registered employer, through its people (roles “%(admin)s” and “%(staff)s”).")
        % {"admin": Role.EMPLOYER_ADMIN.label, "staff": Role.EMPLOYER_STAFF.label},
        gettext(
            "A service agency acting for the employer under a power of attorney in force "
            "(granted by the employer's administrators for at most %(years)d years)."
        )
        % {"years": POWER_OF_ATTORNEY_MAX_YEARS},
    )


def _common_conditions(
    kind: str, province: Region | None, on: dt.date, places: int | None
) -> list[str]:
    lines = [
        gettext(
            "The employer is not in serious dishonest standing: a serious dishonesty record "
            "refuses submission, acceptance and approval until it ends."
        ),
        gettext("No other application for the worker is in progress, at any employer."),
    ]
    if kind != AK.CANCELLATION:
        lines.append(
            gettext("The passport is valid for at least %(months)d months after submission.")
            % {"months": rules.PASSPORT_MIN_MONTHS}
        )
    # The kinds that take a place of the Category C quota (``checks.quota_problems``).
    if kind in QUOTA_KINDS:
        lines.append(quota_line(province, on.year, places))
    return lines


LEGAL_EXIT_ENTRY = LegalBasis(
    _("Exit and Entry Administration Law of the People's Republic of China"),
    _("Article 41"),
    _("A foreigner working in China needs a work permit and a work-type residence permit."),
)
LEGAL_LICENSING = LegalBasis(
    _("Administrative Licensing Law of the People's Republic of China"),
    _("Articles 32, 42 and 58"),
    _("Acceptance and correction, the time limit of the decision and its extension, no fees."),
)
LEGAL_EMPLOYMENT_RULES = LegalBasis(
    _("Rules for the Administration of Employment of Foreigners in China")
)
LEGAL_NOTICE_2017 = LegalBasis(
    _("Notice on fully implementing the work permit system for foreigners working in China (2017)")
)
LEGAL_SERVICE_GUIDE = LegalBasis(
    _("Service Guide for the Work Permit of Foreigners Working in China (provisional)"),
    note=_("The national defaults of the time limits, windows and validity."),
)
LEGAL_CLASSIFICATION = LegalBasis(
    _("Classification Standard for Foreigners Working in China (2017)"),
    note=_("Categories A, B and C, the points table, the labour-market test."),
)
LEGAL_NOTICE_2025 = LegalBasis(
    _(
        "Notice of the Ministry of Human Resources and Social Security of 30 September 2025 on "
        "the national unified standard and regional standards"
    ),
    note=_("One-time approval, nationwide recognition; the Guidance Catalogs."),
)
APPLICATION_LEGAL_BASIS = (
    LEGAL_EXIT_ENTRY,
    LEGAL_LICENSING,
    LEGAL_EMPLOYMENT_RULES,
    LEGAL_NOTICE_2017,
    LEGAL_SERVICE_GUIDE,
    LEGAL_CLASSIFICATION,
)

OUTCOME: dict[str, Text] = {
    AK.NEW: _("A Notification Letter of Foreigner's Work Permit, with the decision."),
    AK.SHORT_TERM: _("A short-term notification letter for the days of work; no permit follows."),
    AK.AFTER_ENTRY: _(
        "The Foreigner's Work Permit, under the worker's lifelong number (一人一号)."
    ),
    AK.EXTENSION: _("The same permit, extended from the day after its old last day."),
    AK.CHANGE: _("The same permit, changed; each change is recorded with the day it applies."),
    AK.CHANGE_EMPLOYER: _(
        "A new permit for the new employer under the same number; the old permit ends the "
        "day of approval."
    ),
    AK.CANCELLATION: _("The permit ends on the contract's last day."),
}


def _steps(kind: str) -> tuple[Step, ...]:
    # The guided form's steps as the wizard shows them (imported here: the page module).
    from permits.views.applications import STEP_LABELS, STEPS_BY_KIND

    form = [str(STEP_LABELS[s]) for s in STEPS_BY_KIND[kind]]
    if kind in labour_market.KINDS and "facts" in STEPS_BY_KIND[kind]:
        index = STEPS_BY_KIND[kind].index("facts") + 1
        form.insert(
            index,
            gettext("%(step)s (when the post needs one)")
            % {"step": STEP_LABELS[labour_market.STEP]},
        )
    start = (
        link(_("Start an application"), "permits:application_start_from", kind)
        if kind not in (AK.NEW, AK.SHORT_TERM)
        else link(_("Start an application"), "permits:application_start")
    )
    return (
        Step(
            _(
                "The employer registers once; a service agency needs the employer's power of "
                "attorney."
            ),
            link(_("Register"), "permits:registration_start"),
        ),
        Step(_("Sign in."), link(_("Sign in"), "portal:login")),
        Step(gettext("Start the application: “%(kind)s”.") % {"kind": AK(kind).label}, start),
        Step(
            gettext("Fill in the guided form, saved at every step: %(steps)s.")
            % {"steps": " → ".join(form)}
        ),
        Step(
            _(
                "Upload the materials listed above and submit; the review step lists whatever "
                "is still missing, and the same checks decide the submission."
            )
        ),
        Step(
            _(
                "Follow the application: its state and deadlines, and the officers' requests, "
                "answered item by item on its page."
            ),
            link(_("Applications"), "permits:applications"),
        ),
        Step(
            gettext("On approval: %(outcome)s") % {"outcome": OUTCOME[kind]},
            link(_("Verify a document"), "portal:verify"),
        ),
    )


def _content(
    kind: str,
    province: Region | None,
    *,
    conditions: Sequence[str],
    time_limits: Sequence[TimeLimit] = (),
    facts: Sequence[Fact] = (),
    who: Sequence[str] | None = None,
    legal_basis: Sequence[LegalBasis] = APPLICATION_LEGAL_BASIS,
) -> GuideContent:
    on = timezone.localdate()
    places = quota_places(province, on.year) if kind in QUOTA_KINDS else None
    return GuideContent(
        who=tuple(who if who is not None else _who_employer()),
        conditions=(*conditions, *_common_conditions(kind, province, on, places)),
        materials=material_groups(kind, province, on),
        time_limits=(*time_limits, *clock_limits(province)),
        legal_basis=tuple(legal_basis),
        steps=_steps(kind),
        facts=(
            Fact(_("On approval"), OUTCOME[kind]),
            *facts,
            *((quota_fact(province, on.year, places),) if kind in QUOTA_KINDS else ()),
        ),
        help_links=tuple(
            item
            for item in (
                link(_("Points self-assessment"), "standards:assess"),
                link(_("Guidance Catalogs"), "catalogs:catalogs"),
            )
            if item is not None
        ),
    )


def _recognition_conditions() -> list[str]:
    groups = "; ".join(str(label) for _value, label in Application.CGroup.choices)
    return [
        gettext(
            "The worker is recognised in Category A or B by a route of the standards in force "
            "where the work is done (the national standard, or the province's regional "
            "standard and Guidance Catalog), or belongs to a group of Category C: %(groups)s."
        )
        % {"groups": groups},
        gettext(
            "A route that an officer must confirm (an achievement, a judgement, the skills of a "
            "catalog entry) is confirmed before approval, never passed silently."
        ),
        gettext("Commitment letters replace proofs only for Category A."),
        gettext("The worker is 18 or older."),
    ]


# --- The guides ---------------------------------------------------------------------------------


def new_guide(province: Region | None) -> GuideContent:
    on = timezone.localdate()
    return _content(
        AK.NEW,
        province,
        conditions=[
            gettext("The work lasts more than %(days)d days; shorter work is short-term work.")
            % {"days": rules.SHORT_TERM_MAX_DAYS},
            *_recognition_conditions(),
            *_labour_market_conditions(AK.NEW, province, on),
        ],
        facts=[
            Fact(
                _("Notification letter valid"),
                gettext("%(months)d months") % {"months": rules.LETTER_VALID_MONTHS},
            ),
            *validity_facts(province),
        ],
        legal_basis=(*APPLICATION_LEGAL_BASIS, LEGAL_NOTICE_2025),
    )


def short_term_guide(province: Region | None) -> GuideContent:
    on = timezone.localdate()
    return _content(
        AK.SHORT_TERM,
        province,
        conditions=[
            gettext(
                "The work lasts at most %(days)d days, counted from the contract's first to its "
                "last day; longer work needs a notification letter."
            )
            % {"days": rules.SHORT_TERM_MAX_DAYS},
            *_recognition_conditions(),
            *_labour_market_conditions(AK.SHORT_TERM, province, on),
        ],
    )


def after_entry_guide(province: Region | None) -> GuideContent:
    return _content(
        AK.AFTER_ENTRY,
        province,
        conditions=[
            gettext(
                "The worker has entered China on a notification letter of the employer that is "
                "still valid (a short-term letter needs no permit)."
            ),
            gettext("The recognition is the letter's: category and route are not assessed again."),
            gettext(
                "The permit runs from the day of issue for the category's longest period, never "
                "past the contract's end or the day before the passport expires."
            ),
        ],
        time_limits=[after_entry_window(province)],
        facts=validity_facts(province),
    )


def extension_guide(province: Region | None) -> GuideContent:
    on = timezone.localdate()
    return _content(
        AK.EXTENSION,
        province,
        conditions=[
            gettext("The same employer and post; the permit is still in force."),
            gettext("The renewed contract ends after the permit's last day."),
            gettext(
                "The extension runs from the day after the old last day, for at most the "
                "category's longest period, never past the contract's end or the day before the "
                "passport expires."
            ),
            gettext(
                "A permit granted on a salary commitment: the tax records must back the salary; "
                "if they do not, the employer is recorded for a dishonest act (%(kind)s)."
            )
            % {"kind": credit_constants.SALARY_COMMITMENT_UNBACKED},
            *_labour_market_conditions(AK.EXTENSION, province, on),
        ],
        time_limits=[extension_window(province, on)],
        facts=validity_facts(province),
    )


def change_guide(province: Region | None) -> GuideContent:
    on = timezone.localdate()
    kinds = "; ".join(str(label) for _value, label in Application.ChangeKind.choices)
    return _content(
        AK.CHANGE,
        province,
        conditions=[
            gettext("The permit is in force and held at this employer."),
            gettext("What may change: %(kinds)s.") % {"kinds": kinds},
            gettext("A new passport that expires earlier shortens the permit."),
            *_labour_market_conditions(AK.CHANGE, province, on),
        ],
        time_limits=[change_window(province)],
    )


def change_employer_guide(province: Region | None) -> GuideContent:
    on = timezone.localdate()
    exempt = ", ".join(
        str(K(k).label) for k in K.values if k in documents.EXEMPT_AT_CHANGE_OF_EMPLOYER
    )
    support = ", ".join(str(K(k).label) for k in K.values if k in documents.RECOGNITION_SUPPORT)
    carried = ", ".join(str(K(k).label) for k in K.values if k in documents.CARRIED_KINDS)
    return _content(
        AK.CHANGE_EMPLOYER,
        province,
        who=(
            gettext(
                "The new employer (its people, or a service agency acting for it), for a "
                "worker who holds a permit in force at another employer."
            ),
            *_who_employer()[1:],
        ),
        conditions=[
            gettext("Exempt at a change of employer: %(documents)s.") % {"documents": exempt},
            gettext(
                "A recognition under the national standard is carried over everywhere; one under "
                "a regional standard where it is recognised on the day (its own province, and "
                "provinces with a mutual recognition agreement). A carried recognition needs no "
                "supporting documents again: %(documents)s."
            )
            % {"documents": support},
            gettext(
                "Otherwise the worker is assessed anew under the standards of the new place of "
                "work."
            ),
            gettext(
                "Documents verified in the earlier application are carried over: %(documents)s."
            )
            % {"documents": carried},
            *_recognition_conditions()[1:],
            *_labour_market_conditions(AK.CHANGE_EMPLOYER, province, on),
        ],
        facts=validity_facts(province),
        legal_basis=(*APPLICATION_LEGAL_BASIS, LEGAL_NOTICE_2025),
    )


def cancellation_guide(province: Region | None) -> GuideContent:
    on = timezone.localdate()
    return _content(
        AK.CANCELLATION,
        province,
        conditions=[
            gettext("The permit is in force and held at this employer; the contract has ended."),
            gettext(
                "A permit granted on a salary commitment: the tax records must back the salary; "
                "if they do not, the employer is recorded for a dishonest act (%(kind)s)."
            )
            % {"kind": credit_constants.SALARY_COMMITMENT_UNBACKED},
            gettext("An expired permit needs no cancellation: it ends by itself."),
            *_labour_market_conditions(AK.CANCELLATION, province, on),
        ],
        time_limits=[cancellation_window(province)],
    )


# --- Registration -----------------------------------------------------------------------------


def registration_guide(province: Region | None) -> GuideContent:
    # The form the registration page shows, for its fields (labels and help as shown).
    from permits.forms.registration import RegistrationForm

    form = RegistrationForm(with_account=True)
    account, organization, uploads = [], [], []
    for name, bound in ((n, form[n]) for n in form.fields):
        field = bound.field
        item = Material(
            label=field.label or name,
            kind=name,
            at_submission=field.required,
            at_acceptance=field.required,
            at_decision=field.required,
            notes=(field.help_text,) if field.help_text else (),
        )
        if name in RegistrationForm.ACCOUNT_FIELDS:
            account.append(item)
        elif bound.widget_type in ("clearablefile", "file"):
            uploads.append(item)
        else:
            organization.append(item)
    kinds = ", ".join(str(label) for _value, label in Registration.Kind.choices)
    registered_in = (
        gettext(
            "The acceptance officers of %(province)s review the registrations of the "
            "organizations registered there."
        )
        % {"province": province.name}
        if province is not None
        else gettext(
            "The acceptance officers of the province where the organization is registered "
            "review it."
        )
    )
    variants_keys = tuple(value for value, _label in Registration.Kind.choices)
    return GuideContent(
        who=(
            gettext(
                "An organization (%(kinds)s) with a Unified Social Credit Identifier, once, "
                "through a handler it authorises."
            )
            % {"kinds": kinds},
            gettext(
                "On approval the handler becomes the organization's first administrator (an "
                "agency's first agent) and invites colleagues."
            ),
        ),
        conditions=(
            gettext(
                "The identifier is well formed, not yet an organization's, and in no other "
                "registration in progress."
            ),
            gettext(
                "The organization is not in serious dishonest standing (checked at submission "
                "and again at approval)."
            ),
            gettext("The handler's account belongs to no organization yet."),
            registered_in,
        ),
        materials=(
            MaterialGroup(
                _("The organization and its handler"), tuple(organization), variants=variants_keys
            ),
            MaterialGroup(_("Uploads"), tuple(uploads), variants=variants_keys),
            MaterialGroup(
                _("Your account (when you are not signed in)"),
                tuple(account),
                variants=variants_keys,
            ),
        ),
        time_limits=(),
        no_time_limit=_(
            "The rules set no working-day limit for the review of a registration; the "
            "acceptance officers take registrations oldest first, and may return one for "
            "correction or reject it with a reason."
        ),
        legal_basis=(LEGAL_NOTICE_2017, LEGAL_SERVICE_GUIDE),
        steps=tuple(
            step
            for step in (
                Step(
                    _("Fill in the registration form and upload the two files."),
                    link(_("Register"), "permits:registration_start"),
                ),
                Step(
                    _("Follow the registration; correct it when it is returned."),
                    link(_("Your registrations"), "permits:registration_mine"),
                ),
                Step(
                    _(
                        "Once approved, sign in: administrators invite colleagues and may grant "
                        "a service agency a power of attorney."
                    ),
                    link(_("Sign in"), "portal:login"),
                ),
            )
        ),
        facts=(
            Fact(
                _("Power of attorney to a service agency"),
                gettext("at most %(years)d years") % {"years": POWER_OF_ATTORNEY_MAX_YEARS},
            ),
        ),
    )


# --- Registration with the kernel ----------------------------------------------------------------

BUILDERS: dict[str, Callable[[Region | None], GuideContent]] = {
    AK.NEW: new_guide,
    AK.SHORT_TERM: short_term_guide,
    AK.AFTER_ENTRY: after_entry_guide,
    AK.EXTENSION: extension_guide,
    AK.CHANGE: change_guide,
    AK.CHANGE_EMPLOYER: change_employer_guide,
    AK.CANCELLATION: cancellation_guide,
}
TITLES: dict[str, tuple[Text, Text]] = {
    REGISTRATION_GUIDE: (
        _("Registering an employer or service agency"),
        _("An organization registers once before it applies, or acts for employers."),
    ),
    AK.NEW: (
        _("Notification letter (work of more than 90 days)"),
        _(
            "The first step for a foreign worker: the Notification Letter of Foreigner's Work "
            "Permit, with which the worker obtains the visa."
        ),
    ),
    AK.SHORT_TERM: (
        _("Short-term work (90 days or less)"),
        _("Work of a few weeks done on a short-term notification letter alone."),
    ),
    AK.AFTER_ENTRY: (
        _("Work permit after entry"),
        _("The Foreigner's Work Permit, applied for soon after the worker enters China."),
    ),
    AK.EXTENSION: (
        _("Extension of a work permit"),
        _("A longer validity for the same employer and post, applied for before expiry."),
    ),
    AK.CHANGE: (
        _("Change of details or post"),
        _("Reporting a change of the worker's personal details or of the post."),
    ),
    AK.CHANGE_EMPLOYER: (
        _("Change of employer"),
        _("A worker holding a permit at another employer comes to a new employer."),
    ),
    AK.CANCELLATION: (
        _("Cancellation of a work permit"),
        _("Ending the permit when the contract has ended."),
    ),
}
ORDERS = {
    REGISTRATION_GUIDE: 10,
    AK.NEW: 20,
    AK.SHORT_TERM: 25,
    AK.AFTER_ENTRY: 30,
    AK.EXTENSION: 40,
    AK.CHANGE: 50,
    AK.CHANGE_EMPLOYER: 60,
    AK.CANCELLATION: 70,
}


def register() -> None:
    title, summary = TITLES[REGISTRATION_GUIDE]
    register_guide(
        GuideSpec(
            REGISTRATION_GUIDE,
            ORDERS[REGISTRATION_GUIDE],
            title,
            summary,
            registration_guide,
            group=EMPLOYERS,
        )
    )
    for kind in KIND_GUIDES:
        title, summary = TITLES[kind]
        register_guide(
            GuideSpec(str(kind), ORDERS[kind], title, summary, BUILDERS[kind], group=EMPLOYERS)
        )


register()
