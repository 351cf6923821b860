"""Admin of the talent standards app.

The ministry's reference data (national standards, routes, points tables, average
wages) is maintained here by site administrators, every change audited; regional
standards and agreements change only through their workflows and are read-only here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.admin_base import AuditedAdmin, ReadOnlyAdmin
from talent_standards.models import (
    AverageWage,
    BonusRule,
    NationalStandard,
    PointsItem,
    PointsTable,
    RecognitionAgreement,
    RecognitionRoute,
    RegionalStandard,
)


class PointsItemInline(admin.TabularInline):
    model = PointsItem
    extra = 0
    fields = ("number", "key", "title_zh", "title_en", "max_points", "scheme", "bands")


@admin.register(PointsTable)
class PointsTableAdmin(AuditedAdmin):
    list_display = ["version", "title_zh", "threshold_a", "threshold_b", "effective_from"]
    inlines = [PointsItemInline]


class NationalRouteInline(admin.StackedInline):
    model = RecognitionRoute
    fk_name = "national_standard"
    extra = 0
    exclude = ("regional_standard",)


@admin.register(NationalStandard)
class NationalStandardAdmin(AuditedAdmin):
    list_display = ["version", "title_zh", "effective_from", "effective_until", "points_table"]
    inlines = [NationalRouteInline]


@admin.register(AverageWage)
class AverageWageAdmin(AuditedAdmin):
    list_display = ["region", "year", "amount_cny", "is_demo", "source"]
    list_filter = ["year", "is_demo", "region"]
    list_select_related = ["region"]


class RegionalRouteInline(admin.TabularInline):
    model = RecognitionRoute
    fk_name = "regional_standard"
    fields = ("code", "category", "kind", "title_zh", "parameters")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BonusRuleInline(admin.TabularInline):
    model = BonusRule
    fields = ("code", "title_zh", "condition", "parameters", "points")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RegionalStandard)
class RegionalStandardAdmin(ReadOnlyAdmin):
    list_display = ["region", "version", "title_zh", "state", "effective_from", "expires_on"]
    list_filter = ["state", "region"]
    list_select_related = ["region"]
    inlines = [RegionalRouteInline, BonusRuleInline]


@admin.register(RecognitionAgreement)
class RecognitionAgreementAdmin(ReadOnlyAdmin):
    list_display = ["proposer", "partner", "state", "effective_from", "ends_on"]
    list_filter = ["state"]
    list_select_related = ["proposer", "partner"]
