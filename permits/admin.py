"""Admin of the permits app.

Registrations and powers of attorney change only through their pages and services
(workflow, audit): here they are read-only, for support. The rule tables (time limits,
validity caps, windows, Category C quotas, the list of reasons) are configuration as data,
seeded by migration: site administrators add a province's own rows and correct values,
every change audited and checked before it is saved. Rows are never deleted (a reason is
retired by unticking "in use"; a province's rule is corrected in place), so that past
decisions keep what they were made under.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from permits.legacy_models import LegacyDocument
from permits.models import (
    ClockRule,
    LabourMarketRule,
    PowerOfAttorney,
    QuotaAllocation,
    Registration,
    RejectionReason,
    Vacancy,
    ValidityRule,
    WindowRule,
)
from portal.admin_base import AuditedAdmin, ReadOnlyAdmin
from portal.models import Region

# --- Records (read-only) -----------------------------------------------------------------------


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "name_zh",
        "kind",
        "uscc",
        "uscc_check_failed",
        "region",
        "state",
        "submitted_at",
    ]
    list_filter = ["state", "kind", "uscc_check_failed", "region"]
    search_fields = ["number", "uscc", "name_zh", "name_en", "handler_name"]
    list_select_related = ["region"]
    date_hierarchy = "submitted_at"


@admin.register(PowerOfAttorney)
class PowerOfAttorneyAdmin(ReadOnlyAdmin):
    list_display = ["employer", "agency", "valid_from", "valid_until", "revoked_at"]
    list_filter = ["valid_until"]
    search_fields = ["employer__name_zh", "employer__uscc", "agency__name_zh", "agency__uscc"]
    list_select_related = ["employer", "agency"]


# --- Rule tables -------------------------------------------------------------------------------


class RuleForm(forms.ModelForm):  # type: ignore[type-arg]
    """Checks shared by the rule tables: a rule names a province (or none: national)."""

    def clean_region(self) -> Region | None:
        region = self.cleaned_data.get("region")
        if region is not None and region.level != Region.Level.PROVINCE:
            raise forms.ValidationError(_("Rules are set for a province, or nationally."))
        return region


class ClockRuleForm(RuleForm):
    class Meta:
        model = ClockRule
        fields = ("stage", "region", "category", "working_days", "source")

    def clean_working_days(self) -> int:
        days = self.cleaned_data["working_days"]
        if not 1 <= days <= 60:
            raise forms.ValidationError(_("A time limit is 1 to 60 working days."))
        return int(days)


class ValidityRuleForm(RuleForm):
    class Meta:
        model = ValidityRule
        fields = ("category", "region", "max_months", "source")

    def clean_max_months(self) -> int:
        months = self.cleaned_data["max_months"]
        if not 1 <= months <= 120:
            raise forms.ValidationError(_("A permit is valid for 1 to 120 months at most."))
        return int(months)


class WindowRuleForm(RuleForm):
    class Meta:
        model = WindowRule
        fields = ("kind", "region", "opens_days", "closes_days", "source")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("kind")
        opens, closes = cleaned.get("opens_days"), cleaned.get("closes_days")
        if kind is None or opens is None or closes is None:
            return cleaned
        if kind == WindowRule.Kind.EXTENSION:
            # Days before expiry: the window opens further from it than it closes.
            if opens <= closes:
                self.add_error(
                    "opens_days",
                    _(
                        "An extension window must open earlier than it closes: give more "
                        "days before expiry for the opening than for the closing."
                    ),
                )
        elif closes < 1 or opens > closes:
            self.add_error("closes_days", _("The window closes at least a day after it opens."))
        return cleaned


class QuotaAllocationForm(RuleForm):
    class Meta:
        model = QuotaAllocation
        fields = ("region", "year", "places", "source")

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("The year is between 2000 and 2100."))
        return int(year)


class LabourMarketRuleForm(RuleForm):
    class Meta:
        model = LabourMarketRule
        fields = (
            "region",
            "category",
            "route_code",
            "occupation_prefix",
            "exempt",
            "advertising_days",
            "counting",
            "valid_from",
            "valid_until",
            "source",
        )

    def clean_route_code(self) -> str:
        return str(self.cleaned_data.get("route_code") or "").strip()

    def clean_occupation_prefix(self) -> str:
        prefix = str(self.cleaned_data.get("occupation_prefix") or "").strip()
        if prefix and not all(part.isdigit() for part in prefix.split("-")):
            raise forms.ValidationError(
                _("Give the start of an occupation code, e.g. 2-02 or 2-02-10-03.")
            )
        return prefix

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        exempt, days = cleaned.get("exempt"), cleaned.get("advertising_days")
        if exempt and days:
            self.add_error("advertising_days", _("An exempt post is not advertised: give 0 days."))
        elif not exempt and days is not None and not 1 <= days <= 180:
            self.add_error("advertising_days", _("A post is advertised for 1 to 180 days."))
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The rule must end on or after its first day."))
        return cleaned


class RejectionReasonForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RejectionReason
        fields = ("code", "stage", "text_zh", "text_en", "is_active", "position")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if not code.replace("-", "").isalnum():
            raise forms.ValidationError(_("A code has letters, digits and hyphens only."))
        return code

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for name in ("text_zh", "text_en"):
            if name in cleaned and not (cleaned[name] or "").strip():
                self.add_error(
                    name,
                    _(
                        "Give the reason in both Chinese and English: officers choose it "
                        "in either language."
                    ),
                )
        return cleaned


class RuleAdmin(AuditedAdmin):
    """Added and corrected, never deleted."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ClockRule)
class ClockRuleAdmin(RuleAdmin):
    form = ClockRuleForm
    list_display = ["stage", "region", "category", "working_days", "source"]
    list_filter = ["stage", "category", "region"]
    list_select_related = ["region"]


@admin.register(ValidityRule)
class ValidityRuleAdmin(RuleAdmin):
    form = ValidityRuleForm
    list_display = ["category", "region", "max_months", "source"]
    list_filter = ["category", "region"]
    list_select_related = ["region"]


@admin.register(WindowRule)
class WindowRuleAdmin(RuleAdmin):
    form = WindowRuleForm
    list_display = ["kind", "region", "opens_days", "closes_days", "source"]
    list_filter = ["kind", "region"]
    list_select_related = ["region"]


@admin.register(QuotaAllocation)
class QuotaAllocationAdmin(RuleAdmin):
    form = QuotaAllocationForm
    list_display = ["region", "year", "places", "source"]
    list_filter = ["year", "region"]
    list_select_related = ["region"]


@admin.register(RejectionReason)
class RejectionReasonAdmin(RuleAdmin):
    form = RejectionReasonForm
    list_display = ["code", "stage", "text_zh", "text_en", "is_active", "position"]
    list_filter = ["stage", "is_active"]
    search_fields = ["code", "text_zh", "text_en"]


@admin.register(LabourMarketRule)
class LabourMarketRuleAdmin(RuleAdmin):
    form = LabourMarketRuleForm
    list_display = [
        "category",
        "region",
        "route_code",
        "occupation_prefix",
        "exempt",
        "advertising_days",
        "counting",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["category", "exempt", "counting", "region"]
    list_select_related = ["region"]


@admin.register(Vacancy)
class VacancyAdmin(ReadOnlyAdmin):
    """Recorded by the employer on the application's form: read-only here, for support."""

    list_display = ["application", "job_title", "advertised_from", "advertised_until"]
    list_select_related = ["application"]
    search_fields = ["application__number", "job_title"]


# --- Documents issued before 2017 (recorded through their pages) ------------------------------


@admin.register(LegacyDocument)
class LegacyDocumentAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "holder", "employer", "region", "valid_until", "state"]
    list_filter = ["kind", "state", "source", "region"]
    search_fields = ["number", "holder__surname", "holder__given_names", "employer__uscc"]
    list_select_related = ["holder", "employer", "region"]
