"""Admin of the catalogs app: the classification and catalogs, read-only.

Occupations change through ``manage.py import_occupations`` (validated, audited) and
catalogs through the drafting pages and the filing lifecycle; the admin shows them for
support and audit, and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from catalogs.models import CatalogComment, CatalogEntry, GuidanceCatalog, Occupation


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Occupation)
class OccupationAdmin(ReadOnly):
    list_display = ["code", "title_zh", "title_en", "level", "edition", "is_digital", "is_green"]
    list_filter = ["edition", "level", "is_digital", "is_green"]
    search_fields = ["code", "title_zh", "title_en"]
    ordering = ["edition", "code"]


class EntryInline(admin.TabularInline):
    model = CatalogEntry
    fields = (
        "occupation",
        "category",
        "min_education",
        "min_experience_years",
        "min_annual_salary_cny",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GuidanceCatalog)
class GuidanceCatalogAdmin(ReadOnly):
    list_display = ["region", "version", "title_zh", "state", "effective_from", "expires_on"]
    list_filter = ["state", "region"]
    search_fields = ["title_zh", "title_en", "region__code", "region__name_zh"]
    list_select_related = ["region"]
    inlines = [EntryInline]


@admin.register(CatalogComment)
class CatalogCommentAdmin(ReadOnly):
    list_display = ["catalog", "organization", "occupation_code", "created_at", "answered_at"]
    list_select_related = ["catalog__region", "organization"]
    search_fields = ["text", "answer"]
