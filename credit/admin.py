"""Admin of the credit app.

The kinds of record are a maintained list: site admins edit names and defaults and add
kinds here (audited); a kind in use is deactivated, never deleted, and its code, which
other apps name, is fixed once created. Records are shown read-only: they are made,
corrected and revoked only through ``credit.services``, which validate, version and audit.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.admin_base import AuditedAdmin, ReadOnlyAdmin

from .models import CreditRecord, CreditRecordKind, Objection


@admin.register(CreditRecordKind)
class CreditRecordKindAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "nature",
        "default_severity",
        "default_effect_months",
        "carries_fine",
        "disclose_by_default",
        "is_active",
        "position",
    ]
    list_filter = ["nature", "default_severity", "is_active"]
    list_editable = ["position"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["position", "code"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CreditRecord)
class CreditRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "subject_kind",
        "subject_uscc",
        "region",
        "severity",
        "state",
        "effective_from",
        "effective_until",
        "disclosed",
        "version",
        "recorded_at",
        "superseded_at",
    ]
    list_filter = [
        "subject_kind",
        "kind",
        "severity",
        "state",
        "source",
        "disclosed",
        ("superseded_at", admin.EmptyFieldListFilter),
        "region",
    ]
    list_select_related = ["kind", "region", "organization", "foreigner"]
    search_fields = [
        "subject_uscc",
        "organization__name_zh",
        "organization__name_en",
        "foreigner__surname",
        "foreigner__given_names",
        "reference",
        "=series",
    ]
    date_hierarchy = "recorded_at"
    readonly_fields = [field.name for field in CreditRecord._meta.fields] + ["evidence"]
    raw_id_fields = ["organization", "foreigner", "supersedes"]
    show_full_result_count = False


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    """Objections are filed and decided only through ``credit.services`` and the workflow."""

    list_display = ["__str__", "state", "region", "filed_at", "decided_at"]
    list_filter = ["state", "region"]
    list_select_related = ["record__kind", "organization", "region"]
    search_fields = ["organization__name_zh", "organization__name_en", "=series"]
    readonly_fields = [field.name for field in Objection._meta.fields] + ["evidence"]
    raw_id_fields = ["record", "outcome", "organization"]
    show_full_result_count = False
