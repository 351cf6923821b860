"""Work-permit data: employers' registrations and agencies' powers of attorney, applications
with their documents, information requests and clocks, notification letters and permits.

Integrity lives in the database: numbers unique by constraint, one active permit per
person, one open information request per application, dates in order. States change only
through the workflows in ``permits.workflows`` (``portal.workflow``); everything else is
written by ``permits.services``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalogs.models import Occupation
from portal.models import Foreigner, Organization, Passport, Region, StoredFile
from portal.models.base import localized
from talent_standards.models import Category

# --- Registration of employers and agencies ------------------------------------------------------


class Registration(models.Model):
    """An employer or service agency asking to use the portal (单位注册), reviewed by the
    acceptance officers of its province. Approval creates the ``Organization`` and makes
    the applicant its first administrator."""

    class Kind(models.TextChoices):
        EMPLOYER = "employer", _("Employer")
        SERVICE_AGENCY = "service_agency", _("Service agency")

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for correction")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.SUBMITTED
    )
    uscc = models.CharField(_("Unified Social Credit Identifier"), max_length=18)
    uscc_check_failed = models.BooleanField(_("check character mismatch"), default=False)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=255)
    legal_representative = models.CharField(_("legal representative"), max_length=100)
    business_licence = models.ForeignKey(
        StoredFile,
        verbose_name=_("business licence"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    handler_name = models.CharField(_("handler"), max_length=100)
    handler_phone = models.CharField(_("handler's telephone"), max_length=32)
    handler_email = models.EmailField(_("handler's e-mail"))
    power_of_attorney = models.ForeignKey(
        StoredFile,
        verbose_name=_("handler's power of attorney"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    organization = models.OneToOneField(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registration",
    )
    submitted_at = models.DateTimeField(_("submitted"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        indexes = [
            models.Index(fields=["region", "state", "submitted_at"], name="registration_queue_idx"),
            models.Index(fields=["uscc"], name="registration_uscc_idx"),
        ]
        constraints = [
            # One registration in progress per identifier.
            models.UniqueConstraint(
                fields=["uscc"],
                condition=Q(state__in=["submitted", "returned"]),
                name="registration_one_open_per_uscc",
            ),
            models.CheckConstraint(
                condition=Q(state="approved", organization__isnull=False)
                | (~Q(state="approved") & Q(organization__isnull=True)),
                name="registration_organization_iff_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name_zh}"

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)


class PowerOfAttorney(models.Model):
    """An employer lets a service agency act for it (委托书) until a day. Everything the
    agency's people do for the employer is recorded as their act for that employer."""

    employer = models.ForeignKey(
        Organization,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="powers_granted",
    )
    agency = models.ForeignKey(
        Organization,
        verbose_name=_("service agency"),
        on_delete=models.PROTECT,
        related_name="powers_held",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-valid_until"]
        verbose_name = _("power of attorney")
        verbose_name_plural = _("powers of attorney")
        indexes = [
            models.Index(fields=["agency", "valid_until"], name="poa_agency_idx"),
            models.Index(fields=["employer", "valid_until"], name="poa_employer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="poa_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(employer=models.F("agency")), name="poa_not_to_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer} → {self.agency}"

    def is_active_on(self, day: dt.date) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_until


# --- Configuration as data -----------------------------------------------------------------------


class ClockRule(models.Model):
    """A time limit in working days (受理 5, 决定 10, Category A 5, overall 20 + 10 once).

    The most specific rule applies: province and category, then province, then category,
    then the national default (no province, no category). Seeded by migration; the
    provinces' own limits are added in the admin."""

    class Stage(models.TextChoices):
        ACCEPTANCE = "acceptance", _("Acceptance")
        DECISION = "decision", _("Decision")
        OVERALL = "overall", _("Overall limit")
        OVERALL_EXTENSION = "overall_extension", _("Extension of the overall limit")

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("province"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.CharField(_("category"), max_length=1, choices=Category.choices, blank=True)
    working_days = models.PositiveSmallIntegerField(_("working days"))
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        ordering = ["stage", "region", "category"]
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "region", "category"],
                name="clock_rule_once",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(working_days__gte=1, working_days__lte=60),
                name="clock_rule_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.working_days}"


class ValidityRule(models.Model):
    """The longest permit of a category (B up to 2 years, A up to 5), per province or
    national (no province)."""

    category = models.CharField(_("category"), max_length=1, choices=Category.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("province"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    max_months = models.PositiveSmallIntegerField(_("longest validity (months)"))
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        ordering = ["category", "region"]
        verbose_name = _("permit validity rule")
        verbose_name_plural = _("permit validity rules")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "region"], name="validity_rule_once", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=Q(max_months__gte=1, max_months__lte=120),
                name="validity_rule_months_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.max_months}"


class WindowRule(models.Model):
    """Windows in days: an extension is filed 30 to 90 days before expiry; a change is
    reported within 10 working days; a cancellation within 10 working days of the
    contract's end; the work permit within 15 days of entry. Per province or national."""

    class Kind(models.TextChoices):
        EXTENSION = "extension", _("Extension before expiry (days)")
        CHANGE = "change", _("Change report (working days)")
        CANCELLATION = "cancellation", _("Cancellation after the contract ends (working days)")
        AFTER_ENTRY = "after_entry", _("Work permit after entry (days)")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("province"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The earliest (extension: most days before expiry) and latest limits.
    opens_days = models.PositiveSmallIntegerField(_("opens (days)"), default=0)
    closes_days = models.PositiveSmallIntegerField(_("closes (days)"))
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        ordering = ["kind", "region"]
        verbose_name = _("time window")
        verbose_name_plural = _("time windows")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "region"], name="window_rule_once", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.opens_days}-{self.closes_days}"


class QuotaAllocation(models.Model):
    """Category C places of a province in a year (配额). Submitted and approved Category C
    applications count against it; checked at submission and at approval under a lock."""

    region = models.ForeignKey(
        Region, verbose_name=_("province"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    places = models.PositiveIntegerField(_("places"))
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        ordering = ["-year", "region"]
        verbose_name = _("Category C quota")
        verbose_name_plural = _("Category C quotas")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="quota_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}: {self.places}"


class RejectionReason(models.Model):
    """The list officers choose reasons from (both languages), with free text beside."""

    class Stage(models.TextChoices):
        ACCEPTANCE = "acceptance", _("Refusal to accept")
        DECISION = "decision", _("Rejection")
        REVOCATION = "revocation", _("Revocation")

    code = models.CharField(_("code"), max_length=32, unique=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    text_zh = models.CharField(_("text (Chinese)"), max_length=255)
    text_en = models.CharField(_("text (English)"), max_length=255)
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["stage", "position", "code"]
        verbose_name = _("reason")
        verbose_name_plural = _("reasons")

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return localized(self.text_zh, self.text_en)


# --- Applications ------------------------------------------------------------------------------


class Application(models.Model):
    """An application of an employer for a foreign worker, of one kind, from draft to
    decision. The facts for recognition and the job are kept as entered; the assessment
    made at submission (and at decision) is kept as it was, so that a decision stays
    explainable after the rules change."""

    class Kind(models.TextChoices):
        NEW = "new", _("Notification letter (work over 90 days)")
        SHORT_TERM = "short_term", _("Short-term work (90 days or less)")
        AFTER_ENTRY = "after_entry", _("Work permit after entry")
        EXTENSION = "extension", _("Extension")
        CHANGE = "change", _("Change of details or post")
        CHANGE_EMPLOYER = "change_employer", _("Change of employer")
        CANCELLATION = "cancellation", _("Cancellation")

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("application state", "Draft")
        SUBMITTED = "submitted", _("Awaiting acceptance")
        RETURNED = "returned", _("Returned for correction")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")
        UNDER_REVIEW = "under_review", _("Under review")
        INFORMATION_REQUESTED = "information_requested", _("Information requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class CGroup(models.TextChoices):
        """The groups of Category C (其他外国人员) under the 2017 classification standard."""

        INTERN = "intern", _("Interns under an intergovernmental agreement")
        GRADUATE = "graduate", _("Eligible foreign graduates")
        SPECIAL_FIELD = "special_field", _("Special fields (e.g. ocean fishing)")
        TEMPORARY = "temporary", _("Temporary work of 90 days or less")
        OTHER = "other", _("Others meeting the earlier employment rules")

    class ChangeKind(models.TextChoices):
        PERSONAL = "personal", _("Personal details (name, passport, nationality)")
        POST = "post", _("Post (occupation, title, salary, place of work)")

    class Education(models.TextChoices):
        NONE = "none", _("No degree")
        VOCATIONAL = "vocational", _("Vocational qualification")
        BACHELOR = "bachelor", _("Bachelor's degree")
        MASTER = "master", _("Master's degree")
        DOCTORATE = "doctorate", _("Doctorate")

    class SkillCertificate(models.TextChoices):
        NONE = "none", _("No skill certificate")
        SENIOR_WORKER = "senior_worker", _("Senior worker")
        TECHNICIAN = "technician", _("Technician")
        TOP = "top", _("Top vocational certificate")

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.DRAFT)
    employer = models.ForeignKey(
        Organization,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    agency = models.ForeignKey(
        Organization,
        verbose_name=_("service agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications_as_agent",
        help_text=_("The agency that prepared it under a power of attorney."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The deciding province (the job's province) and the place of work below it, which
    # decides which acceptance office (a delegated one below the province) sees it.
    region = models.ForeignKey(
        Region,
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    work_region = models.ForeignKey(
        Region,
        verbose_name=_("place of work"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # The worker.
    foreigner = models.ForeignKey(
        Foreigner,
        verbose_name=_("foreign worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    passport = models.ForeignKey(
        Passport,
        verbose_name=_("passport"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # The job.
    occupation = models.ForeignKey(
        Occupation,
        verbose_name=_("occupation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    annual_salary_cny = models.DecimalField(
        _("annual salary (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    months_in_china_per_year = models.DecimalField(
        _("months a year in China"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    contract_start = models.DateField(_("contract from"), null=True, blank=True)
    contract_end = models.DateField(_("contract until"), null=True, blank=True)

    # The facts for recognition (the engine's profile).
    education = models.CharField(
        _("highest degree"), max_length=16, choices=Education.choices, blank=True
    )
    skill_certificate = models.CharField(
        _("skill certificate"),
        max_length=16,
        choices=SkillCertificate.choices,
        default=SkillCertificate.NONE,
    )
    experience_years = models.DecimalField(
        _("years of relevant experience"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    hsk_level = models.PositiveSmallIntegerField(_("HSK level"), default=0)
    former_chinese_national = models.BooleanField(_("former Chinese national"), default=False)
    chinese_taught_degree = models.BooleanField(_("degree taught in Chinese"), default=False)
    bonuses = models.JSONField(_("bonus facts"), default=list, blank=True)
    achievements = models.JSONField(_("listed achievements"), default=list, blank=True)
    declared_facts = models.JSONField(_("declared facts"), default=list, blank=True)
    teaches_language = models.CharField(_("language taught"), max_length=8, blank=True)
    native_language = models.CharField(_("native language"), max_length=8, blank=True)
    teaching_years = models.DecimalField(
        _("years of teaching"), max_digits=4, decimal_places=1, default=0
    )
    teaching_qualification = models.BooleanField(_("teaching qualification"), default=False)

    # What is claimed, and the recognition as assessed.
    category = models.CharField(_("category"), max_length=1, choices=Category.choices, blank=True)
    route_code = models.CharField(_("route"), max_length=32, blank=True)
    route_source = models.CharField(
        _("rule version of the route"),
        max_length=64,
        blank=True,
        help_text=_("national:2025 or regional:440000:v1"),
    )
    commitment_letters = models.BooleanField(
        _("commitment letters instead of proofs (Category A)"), default=False
    )
    assessment = models.JSONField(_("assessment"), default=dict, blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    # A route that needs an officer (listed achievement, officer's judgement, catalog
    # skills) is confirmed before approval, never passed silently.
    route_confirmed_at = models.DateTimeField(_("route confirmed"), null=True, blank=True)
    route_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("route confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    route_confirmation_note = models.TextField(_("confirmation note"), blank=True)
    # The steps of the form saved so far, so that a draft resumes where it was left.
    steps_saved = models.JSONField(_("steps saved"), default=list, blank=True)
    # Category C: the group it belongs to.
    c_group = models.CharField(
        _("Category C group"), max_length=32, choices=CGroup.choices, blank=True
    )

    # Kinds that concern an existing permit or letter.
    permit = models.ForeignKey(
        "Permit",
        verbose_name=_("permit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    letter = models.ForeignKey(
        "NotificationLetter",
        verbose_name=_("notification letter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    entry_date = models.DateField(_("date of entry"), null=True, blank=True)
    change_kind = models.CharField(
        _("change"), max_length=16, choices=ChangeKind.choices, blank=True
    )
    change_date = models.DateField(_("date of the change"), null=True, blank=True)
    reported_late = models.BooleanField(_("reported after the time limit"), default=False)

    # Clocks (working days; see permits.clocks). ``due_on`` is the date the current
    # stage must be completed by, the queue's order.
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    acceptance_due_on = models.DateField(_("accept by"), null=True, blank=True)
    decision_due_on = models.DateField(_("decide by"), null=True, blank=True)
    overall_due_on = models.DateField(_("overall limit"), null=True, blank=True)
    overall_extended = models.BooleanField(_("overall limit extended"), default=False)
    paused_on = models.DateField(_("clock paused since"), null=True, blank=True)
    paused_working_days = models.PositiveSmallIntegerField(_("working days paused"), default=0)
    due_on = models.DateField(_("due"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    # The decision.
    decision_reasons = models.ManyToManyField(
        RejectionReason, verbose_name=_("reasons"), blank=True, related_name="+"
    )
    decision_text_zh = models.TextField(_("decision text (Chinese)"), blank=True)
    decision_text_en = models.TextField(_("decision text (English)"), blank=True)
    salary_backed_by_tax = models.BooleanField(
        _("salary backed by tax records"),
        null=True,
        blank=True,
        help_text=_("Checked at extension and cancellation of a permit granted on a salary."),
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            # The officer's queue: a province's (or office's) applications in a state, by due date.
            models.Index(fields=["region", "state", "due_on", "id"], name="application_queue_idx"),
            models.Index(
                fields=["work_region", "state", "due_on", "id"], name="application_office_idx"
            ),
            # The employer's dashboard: newest first.
            models.Index(fields=["employer", "-updated_at", "id"], name="application_employer_idx"),
            models.Index(fields=["agency", "-updated_at", "id"], name="application_agency_idx"),
            models.Index(fields=["foreigner", "-created_at"], name="application_worker_idx"),
            # Escalation of overdue work.
            models.Index(
                fields=["due_on"],
                condition=Q(state__in=["submitted", "under_review"]),
                name="application_open_due_idx",
            ),
            # Measured at 1,000,000 applications (docs/performance.md): the queue's whole
            # order (due_on, submitted_at, id) for one state, so that a long list (a
            # province's approved ones) reads its page from the index instead of sorting
            # a few hundred thousand rows; and the open ones alone (a few percent of the
            # table), so that "awaiting me" and "all open", which ask for several states
            # at once, read them in that order too.
            models.Index(
                fields=["region", "state", "due_on", "submitted_at", "id"],
                name="application_queue_order_idx",
            ),
            # The statistics' refresh (permits.statistics): the months touched since the
            # last one (saved since, by updated_at) and a month's applications of a
            # province (by submitted_at), without scanning the table each time.
            models.Index(fields=["submitted_at", "region"], name="application_submitted_idx"),
            models.Index(fields=["updated_at"], name="application_updated_idx"),
            models.Index(
                fields=["region", "due_on", "submitted_at", "id"],
                condition=Q(
                    state__in=["submitted", "returned", "under_review", "information_requested"]
                ),
                name="application_open_queue_idx",
            ),
            # The employer's dashboard (open applications counted by state, what is owed,
            # the drafts) and the employer's list filtered by state.
            models.Index(
                fields=["employer", "state", "-updated_at", "-id"],
                name="application_emp_state_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True)
                | Q(contract_start__isnull=True)
                | Q(contract_end__gt=models.F("contract_start")),
                name="application_contract_in_order",
            ),
            models.CheckConstraint(condition=Q(hsk_level__lte=6), name="application_hsk_range"),
            models.CheckConstraint(
                condition=Q(annual_salary_cny__isnull=True) | Q(annual_salary_cny__gte=0),
                name="application_salary_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(submitted_at__isnull=False),
                name="application_submitted_has_time",
            ),
            # One application in progress per worker and kind at one employer.
            models.UniqueConstraint(
                fields=["employer", "foreigner", "kind"],
                condition=Q(
                    state__in=["submitted", "returned", "under_review", "information_requested"]
                ),
                name="application_one_open_per_worker_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def decision_text(self) -> str:
        return localized(self.decision_text_zh, self.decision_text_en)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def clock_paused(self) -> bool:
        return self.paused_on is not None


OPEN_STATES = frozenset(
    {
        Application.State.SUBMITTED,
        Application.State.RETURNED,
        Application.State.UNDER_REVIEW,
        Application.State.INFORMATION_REQUESTED,
    }
)
EDITABLE_STATES = frozenset({Application.State.DRAFT, Application.State.RETURNED})


class Document(models.Model):
    """A document of an application (a kind from the checklist), its file checked by
    content, and when it was issued (certificates count 6 months from issue)."""

    class Kind(models.TextChoices):
        APPLICATION_FORM = "application_form", _("Signed application form")
        PASSPORT = "passport", _("Passport (information page)")
        PHOTO = "photo", _("Photograph")
        CONTRACT = "contract", _("Employment contract (in Chinese)")
        EXPERIENCE = "experience", _("Proof of work experience")
        DEGREE = "degree", _("Highest degree (authenticated or apostilled)")
        CRIMINAL_RECORD = "criminal_record", _("No-criminal-record certificate")
        HEALTH = "health", _("Health certificate")
        RECOGNITION = "recognition", _("Talent-recognition evidence")
        COMMITMENT = "commitment", _("Signed commitment letter (Category A)")
        NOTIFICATION_LETTER = "notification_letter", _("Notification letter and visa")
        CHANGE_PROOF = "change_proof", _("Proof of the change")
        RELEASE = "release", _("Release from the previous employer")
        TERMINATION = "termination", _("Proof that the contract ended")
        TAX_RECORD = "tax_record", _("Individual income tax records")
        INFORMATION = "information", _("Information requested by the officer")
        OTHER = "other", _("Other")

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    file = models.ForeignKey(
        StoredFile, verbose_name=_("file"), on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("carried over from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A document verified in an earlier application, not sent again."),
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("added"))

    class Meta:
        ordering = ["application", "kind", "uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["application", "kind"], name="document_app_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file.original_name}"


class InformationRequest(models.Model):
    """A checklist an officer sends back: corrections at acceptance (退回补正) or more
    information during review (补充材料). The employer answers item by item; while a
    review request is open, the decision clock stands still."""

    class Stage(models.TextChoices):
        CORRECTION = "correction", _("Correction before acceptance")
        INFORMATION = "information", _("More information for the decision")

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="information_requests",
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    message = models.TextField(_("message"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["application", "-requested_at"]
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(answered_at__isnull=True),
                name="information_request_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.get_stage_display()}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class InformationItem(models.Model):
    """One item of a request: what is asked, and the answer (text, a document, or both)."""

    request = models.ForeignKey(
        InformationRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.TextField(_("what is asked"))
    document_kind = models.CharField(
        _("document asked"), max_length=24, choices=Document.Kind.choices, blank=True
    )
    answer = models.TextField(_("answer"), blank=True)
    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["request", "position"]
        verbose_name = _("information item")
        verbose_name_plural = _("information items")
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="information_item_once"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


# --- What approval issues -----------------------------------------------------------------------


class NotificationLetter(models.Model):
    """The Notification Letter of Foreigner's Work Permit (外国人工作许可通知), valid 6
    months: the worker gets a visa with it, then applies for the permit after entry.
    Short-term work (90 days or less) is done on the letter alone."""

    class State(models.TextChoices):
        VALID = "valid", pgettext_lazy("document status", "Valid")
        USED = "used", _("Used for the work permit")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    number = models.CharField(_("number"), max_length=24, unique=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.VALID)
    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="issued_letter",
    )
    foreigner = models.ForeignKey(
        Foreigner, verbose_name=_("foreign worker"), on_delete=models.PROTECT, related_name="+"
    )
    employer = models.ForeignKey(
        Organization, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=1, choices=Category.choices)
    is_short_term = models.BooleanField(_("short-term work"), default=False)
    work_from = models.DateField(_("work from"), null=True, blank=True)
    work_until = models.DateField(_("work until"), null=True, blank=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Set by the letter's workflow (permits.workflows.permit) when it is used, expires or
    # is revoked.
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("reason for the end"), blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("notification letter")
        verbose_name_plural = _("notification letters")
        indexes = [
            models.Index(fields=["foreigner", "-issued_on"], name="letter_worker_idx"),
            models.Index(
                fields=["valid_until"], condition=Q(state="valid"), name="letter_valid_until_idx"
            ),
            # The employer's letters waiting for the work permit after entry, first to run
            # out first (the dashboard's duties, the employer's permits page).
            models.Index(
                fields=["employer", "valid_until"],
                condition=Q(state="valid"),
                name="letter_employer_valid_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("issued_on")),
                name="letter_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def status_on(self, day: dt.date) -> str:
        """The state, with expiry read from the dates even before the nightly task."""
        if self.state == self.State.VALID and day > self.valid_until:
            return self.State.EXPIRED
        return self.state


class Permit(models.Model):
    """A work permit of a person at an employer (外国人工作许可证), under the person's
    lifelong permit number. Extensions and changes are kept as ``PermitChange`` rows; a
    change of employer ends this permit and starts another."""

    class State(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("document status", "Valid")
        CANCELLED = "cancelled", _("Cancelled")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")
        TRANSFERRED = "transferred", _("Ended by a change of employer")

    class Basis(models.TextChoices):
        NATIONAL = "national", _("National standard")
        REGIONAL = "regional", _("Regional standard")

    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ACTIVE)
    foreigner = models.ForeignKey(
        Foreigner,
        verbose_name=_("foreign worker"),
        on_delete=models.PROTECT,
        related_name="permits",
    )
    permit_number = models.CharField(_("permit number"), max_length=18, db_index=True)
    employer = models.ForeignKey(
        Organization, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="permits"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    work_region = models.ForeignKey(
        Region, verbose_name=_("place of work"), on_delete=models.PROTECT, related_name="+"
    )
    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="issued_permit",
    )
    letter = models.ForeignKey(
        NotificationLetter,
        verbose_name=_("notification letter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous permit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next",
        help_text=_("The permit at the previous employer, ended by this one."),
    )
    category = models.CharField(_("category"), max_length=1, choices=Category.choices)
    basis = models.CharField(_("recognised under"), max_length=16, choices=Basis.choices)
    basis_region = models.ForeignKey(
        Region,
        verbose_name=_("recognised by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The province whose regional standard recognised the worker."),
    )
    route_code = models.CharField(_("route"), max_length=32)
    route_source = models.CharField(_("rule version of the route"), max_length=64)
    on_salary_commitment = models.BooleanField(
        _("granted on a salary"),
        default=False,
        help_text=_("Checked against tax records at extension and cancellation."),
    )
    occupation = models.ForeignKey(
        Occupation, verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="+"
    )
    job_title = models.CharField(_("job title"), max_length=100)
    annual_salary_cny = models.DecimalField(
        _("annual salary (CNY)"), max_digits=12, decimal_places=2
    )
    passport = models.ForeignKey(
        Passport, verbose_name=_("passport"), on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    contract_end = models.DateField(
        _("contract until"),
        null=True,
        blank=True,
        help_text=_("The end of the employment contract the permit was issued or extended for."),
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("reason for the end"), blank=True)
    # A revocation: the reasons chosen from the list and the officer's text in both languages.
    end_reasons = models.ManyToManyField(
        RejectionReason, verbose_name=_("reasons for the end"), blank=True, related_name="+"
    )
    end_text_zh = models.TextField(_("text of the end (Chinese)"), blank=True)
    end_text_en = models.TextField(_("text of the end (English)"), blank=True)
    salary_reported_at = models.DateTimeField(
        _("unbacked salary reported"),
        null=True,
        blank=True,
        help_text=_(
            "When a salary commitment not backed by tax records was reported to the credit "
            "service (once per permit)."
        ),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued"))

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("work permit")
        verbose_name_plural = _("work permits")
        indexes = [
            models.Index(fields=["employer", "state", "valid_until"], name="permit_employer_idx"),
            models.Index(fields=["region", "state", "valid_until"], name="permit_region_idx"),
            models.Index(
                fields=["valid_until"], condition=Q(state="active"), name="permit_active_until_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["foreigner"],
                condition=Q(state="active"),
                name="permit_one_active_per_person",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="permit_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(basis="national", basis_region__isnull=True)
                | Q(basis="regional", basis_region__isnull=False),
                name="permit_regional_basis_names_province",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.permit_number} ({self.employer})"

    def status_on(self, day: dt.date) -> str:
        """The state, with expiry read from the dates even before the nightly task."""
        if self.state == self.State.ACTIVE and day > self.valid_until:
            return self.State.EXPIRED
        return self.state


class PermitChange(models.Model):
    """What an approved extension or change did to a permit: the field, before, after."""

    permit = models.ForeignKey(
        Permit, verbose_name=_("permit"), on_delete=models.CASCADE, related_name="changes"
    )
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(_("field"), max_length=32)
    before = models.CharField(_("before"), max_length=255, blank=True)
    after = models.CharField(_("after"), max_length=255, blank=True)
    at = models.DateTimeField(_("at"))
    effective_on = models.DateField(
        _("effective from"),
        null=True,
        blank=True,
        help_text=_("The day the change took effect (an extension: the day after the old end)."),
    )

    class Meta:
        ordering = ["permit", "at", "id"]
        verbose_name = _("permit change")
        verbose_name_plural = _("permit changes")

    def __str__(self) -> str:
        return f"{self.permit} {self.field}"


# --- Labour-market test (劳动力市场测试) -------------------------------------------------------


class LabourMarketRule(models.Model):
    """Whether a post needs a labour-market test (the employer first seeks a domestic
    candidate) and for how many days it is advertised, per province or national (no
    province), for a category, optionally narrowed to a route and to occupations whose
    code starts with a prefix. ``exempt`` lets a province exempt a post the national rules
    test, or (exempt unset) require a test of a post they exempt.

    The most specific rule in force applies (``permits.labour_market``): the province's
    before the national, then an occupation prefix (the longer the more specific), then a
    route, then the category alone. Seeded with the national defaults by migration."""

    class Counting(models.TextChoices):
        CALENDAR = "calendar", _("Calendar days")
        WORKING = "working", _("Working days")

    region = models.ForeignKey(
        Region,
        verbose_name=_("province"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the national rule."),
    )
    category = models.CharField(_("category"), max_length=1, choices=Category.choices)
    route_code = models.CharField(
        _("route"), max_length=32, blank=True, help_text=_("Empty for every route.")
    )
    occupation_prefix = models.CharField(
        _("occupation code prefix"),
        max_length=10,
        blank=True,
        help_text=_("E.g. 2-02 for every occupation below it; empty for every occupation."),
    )
    exempt = models.BooleanField(_("exempt from the test"), default=False)
    advertising_days = models.PositiveSmallIntegerField(_("days of public advertising"), default=0)
    counting = models.CharField(
        _("days counted as"), max_length=8, choices=Counting.choices, default=Counting.CALENDAR
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        ordering = ["region", "category", "route_code", "occupation_prefix", "valid_from"]
        verbose_name = _("labour-market test rule")
        verbose_name_plural = _("labour-market test rules")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "category", "route_code", "occupation_prefix", "valid_from"],
                name="labour_market_rule_once",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(exempt=True, advertising_days=0)
                | Q(exempt=False, advertising_days__gte=1, advertising_days__lte=180),
                name="labour_market_rule_days",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="labour_market_rule_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        scope = " ".join(
            part for part in (self.category, self.route_code, self.occupation_prefix) if part
        )
        if self.exempt:
            return f"{scope}: {_('exempt')}"
        return f"{scope}: {self.advertising_days} ({self.get_counting_display()})"


class Vacancy(models.Model):
    """The labour-market test of an application's post as the employer records it: the
    post, where and when it was advertised to domestic candidates, how many applied, and
    why none was suitable. An application whose post needs a test is submitted only after
    the advertising period has run (``permits.labour_market``)."""

    class Channel(models.TextChoices):
        PUBLIC_EMPLOYMENT = "public_employment", _("Public employment service")
        HR_MARKET = "hr_market", _("Human-resources market or job fair")
        JOB_SITE = "job_site", _("Recruitment website")
        OWN_SITE = "own_site", _("The employer's website")
        PRESS = "press", _("Newspaper or other press")
        OTHER = "other", _("Other")

    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="vacancy",
    )
    job_title = models.CharField(_("post"), max_length=100)
    occupation = models.ForeignKey(
        Occupation, verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="+"
    )
    requirements = models.TextField(_("requirements of the post"))
    annual_salary_cny = models.DecimalField(
        _("annual salary offered (CNY)"), max_digits=12, decimal_places=2
    )
    channels = models.JSONField(_("where it was advertised"), default=list)
    channel_details = models.CharField(
        _("advertisements (names, links, references)"), max_length=500, blank=True
    )
    advertised_from = models.DateField(_("advertised from"))
    advertised_until = models.DateField(_("advertised until"))
    applications_received = models.PositiveIntegerField(_("domestic applications received"))
    reasons_unsuitable = models.TextField(
        _("why the domestic candidates were not suitable"), blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("labour-market test")
        verbose_name_plural = _("labour-market tests")
        constraints = [
            models.CheckConstraint(
                condition=Q(advertised_until__gte=models.F("advertised_from")),
                name="vacancy_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(annual_salary_cny__gte=0), name="vacancy_salary_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.job_title}"


# Documents issued before the 2017 system (Alien Employment Licence, Foreign Expert
# Certificate) and the statistics' summaries live in their own modules; importing them
# here registers their models.
from permits import legacy_models, statistics_models  # noqa: E402, F401
