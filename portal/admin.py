"""The Django admin for site administrators.

Reference data (regions, organizations, the holiday calendar) is edited here and every
change is audited. The audit log and workflow history are read-only. Users' roles are
given on the portal's "Users and roles" page, which keeps groups and scopes consistent.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal import services, workdays
from portal.admin_base import AuditedAdmin, ReadOnlyAdmin
from portal.identifiers import parse_uscc
from portal.models import (
    AuditEvent,
    FilingReminder,
    Foreigner,
    HolidayDate,
    HolidayYear,
    IssuedDocument,
    Organization,
    Passport,
    Region,
    Sequence,
    SigningKey,
    TransitionRecord,
    User,
)

admin.site.site_header = _("Work Permit Portal administration")
admin.site.site_title = _("Work Permit Portal")
admin.site.index_title = _("Reference data and records")


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "level",
        "is_western_region",
        "is_northeast_old_industrial_base",
        "is_designated_poverty_area",
    ]
    list_filter = [
        "level",
        "is_western_region",
        "is_northeast_old_industrial_base",
        "is_designated_poverty_area",
    ]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


class OrganizationAdminForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "kind",
            "name_zh",
            "name_en",
            "uscc",
            "region",
            "authority_level",
            "address",
            "legal_representative",
            "is_active",
        ]

    def clean_uscc(self) -> str | None:
        value = self.cleaned_data.get("uscc")
        if not value:
            return None
        return parse_uscc(value).value


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    form = OrganizationAdminForm
    list_display = [
        "name_zh",
        "name_en",
        "kind",
        "uscc",
        "uscc_check_failed",
        "region",
        "is_active",
    ]
    list_filter = ["kind", "authority_level", "uscc_check_failed", "is_active", "region"]
    search_fields = ["name_zh", "name_en", "uscc"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    readonly_fields = ["uscc_check_failed", "created_at"]

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        # The check-character policy: accept, flag for an officer (docs/adr/0004).
        obj.uscc_check_failed = obj.uscc is not None and not parse_uscc(obj.uscc).check_ok
        super().save_model(request, obj, form, change)


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    """Superusers edit accounts here (site admins only view them); every change is
    audited. Roles are given on the portal's "Users and roles" page."""

    list_display = ["username", "full_name", "email", "organization", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups", "organization__kind"]
    search_fields = ["username", "full_name", "email", "organization__name_zh"]
    list_select_related = ["organization"]
    ordering = ["username"]
    autocomplete_fields = ["organization"]
    readonly_fields = ["last_login", "date_joined", "roles_link"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Person"),
            {"fields": ("full_name", "email", "organization", "preferred_language")},
        ),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser", "roles_link")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "full_name",
                    "organization",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    @admin.display(description=_("Roles"))
    def roles_link(self, obj: User) -> str:
        if obj.pk is None:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("portal:staff_user_detail", args=[obj.pk]),
            _("Manage roles on the portal"),
        )


@admin.register(Foreigner)
class ForeignerAdmin(ReadOnlyAdmin):
    list_display = ["surname", "given_names", "nationality", "date_of_birth", "permit_number"]
    list_filter = ["nationality"]
    search_fields = ["surname", "given_names", "permit_number", "passports__number"]


@admin.register(Passport)
class PassportAdmin(ReadOnlyAdmin):
    list_display = ["number", "issuing_country", "foreigner", "expiry_date", "is_current"]
    search_fields = ["number"]
    list_select_related = ["foreigner"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "seq",
        "at",
        "actor_repr",
        "action",
        "target_model",
        "target_repr",
        "ip_address",
    ]
    list_filter = ["action", "target_model"]
    search_fields = ["=seq", "actor_repr", "action", "target_repr", "=target_id"]
    show_full_result_count = False
    list_per_page = 50


@admin.register(TransitionRecord)
class TransitionRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "workflow",
        "target_model",
        "target_id",
        "from_state",
        "to_state",
        "actor",
    ]
    list_filter = ["workflow", "to_state"]
    search_fields = ["=target_id", "reason"]
    list_select_related = ["actor"]
    show_full_result_count = False


@admin.register(FilingReminder)
class FilingReminderAdmin(ReadOnlyAdmin):
    list_display = ["target_model", "target_id", "milestone", "recipients", "sent_at"]
    list_filter = ["target_model", "milestone"]


@admin.register(Sequence)
class SequenceAdmin(ReadOnlyAdmin):
    list_display = ["name", "value"]


class HolidayDateFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        year = self.instance.year
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            day = form.cleaned_data.get("date")
            if day is not None and day.year != year:
                form.add_error("date", _("This date is not in %(year)s.") % {"year": year})


class HolidayDateInline(admin.TabularInline):
    model = HolidayDate
    formset = HolidayDateFormSet
    extra = 3
    fields = ["date", "kind", "name_zh", "name_en"]


class HolidayYearForm(forms.ModelForm):
    class Meta:
        model = HolidayYear
        fields = ["year", "notice", "published_on"]


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """A newly announced year's holidays and adjusted working days.

    Entering a year marks it as officially announced; each date entered overrides that
    day (over the chinese-calendar package's data where the package knows the year). The
    list page says which years ahead still fall back to Monday-Friday.
    """

    form = HolidayYearForm
    inlines = [HolidayDateInline]
    list_display = ["year", "notice", "published_on", "entered_by", "entered_at"]
    readonly_fields = ["entered_by", "entered_at"]

    def save_model(self, request: HttpRequest, obj: HolidayYear, form: Any, change: bool) -> None:
        obj.entered_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.holiday_year_recorded(
            actor=request.user,  # type: ignore[arg-type]
            holiday_year=form.instance,
            request=request,
        )

    def delete_model(self, request: HttpRequest, obj: HolidayYear) -> None:
        services.holiday_year_delete(
            actor=request.user,  # type: ignore[arg-type]
            holiday_year=obj,
            request=request,
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[HolidayYear]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
        for year in workdays.coverage(timezone.localdate()):
            if not year.official:
                messages.warning(
                    request,
                    _(
                        "No official holiday data for %(year)s: deadlines in %(year)s count "
                        "Monday to Friday only until the year's arrangement is entered here."
                    )
                    % {"year": year.year},
                )
        return super().changelist_view(request, extra_context)


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    """Issued documents, read only: they are issued, re-issued and retried through the
    pages (``portal.documents``), never edited."""

    list_display = ["number", "version", "kind", "state", "issued_on", "key", "superseded_at"]
    list_filter = ["kind", "state"]
    search_fields = ["=number", "=sha256"]
    list_select_related = ["key"]
    show_full_result_count = False
    exclude = ["context"]


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    """Keys that have signed documents; made, listed and revoked with
    ``manage.py signing_key``."""

    list_display = ["kid", "in_service", "in_service_from", "retired_at", "revoked_at"]
