"""Admin of the talent standards app.

The ministry's reference data (national standards, routes, points tables, average
wages) is maintained here by site administrators, every change audited; regional
standards and agreements change only through their workflows and are read-only here.

The JSON the engine applies (an item's bands, a route's parameters) is checked by the
engine's own checks before anything is saved: a value it could not apply is refused next
to the field, never stored to fail on the public pages. Average wages are recorded through
``services.average_wage_record``, as everywhere else.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from portal.admin_base import AuditedAdmin, ReadOnlyAdmin
from talent_standards import engine, services
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


class PointsItemForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = PointsItem
        fields = ("number", "key", "title_zh", "title_en", "max_points", "scheme", "bands")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A required form field refuses {}, the provincial item's bands: whether the bands
        # fit the scheme (an empty value included) is for ``clean`` to say.
        self.fields["bands"].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        scheme, key, max_points = (cleaned.get(n) for n in ("scheme", "key", "max_points"))
        if scheme and key:
            for problem in engine.points_item_key_problems(key, scheme):
                self.add_error("key", problem)
        if scheme and max_points is not None and "bands" in cleaned:
            for problem in engine.points_item_problems(scheme, cleaned["bands"], max_points):
                self.add_error("bands", problem)
        return cleaned


class PointsItemInline(admin.TabularInline):
    model = PointsItem
    form = PointsItemForm
    extra = 0
    fields = ("number", "key", "title_zh", "title_en", "max_points", "scheme", "bands")


@admin.register(PointsTable)
class PointsTableAdmin(AuditedAdmin):
    list_display = ["version", "title_zh", "threshold_a", "threshold_b", "effective_from"]
    inlines = [PointsItemInline]


class NationalRouteForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RecognitionRoute
        fields = services.ROUTE_FIELDS

    def clean_parameters(self) -> Any:
        # An emptied field means no parameters (the model's default), not SQL NULL.
        value = self.cleaned_data.get("parameters")
        return {} if value is None else value

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("kind")
        if kind and "parameters" in cleaned:
            for problem in engine.route_problems(kind, cleaned["parameters"]):
                self.add_error("parameters", problem)
        return cleaned


class NationalRouteInline(admin.StackedInline):
    model = RecognitionRoute
    form = NationalRouteForm
    fk_name = "national_standard"
    extra = 0
    exclude = ("regional_standard",)


@admin.register(NationalStandard)
class NationalStandardAdmin(AuditedAdmin):
    list_display = ["version", "title_zh", "effective_from", "effective_until", "points_table"]
    inlines = [NationalRouteInline]


class AverageWageForm(forms.ModelForm):  # type: ignore[type-arg]
    """The checks of ``services.average_wage_record`` made before saving, so that they show
    next to their fields: the admin's ``save_model``, where the service writes and audits,
    comes after the form was accepted, too late for a field error."""

    actor: Any = None  # the signed-in person, set by ``AverageWageAdmin.get_form``

    class Meta:
        model = AverageWage
        fields = ("region", "year", "amount_cny", "source", "is_demo")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not services.may_record_average_wages(self.actor):
            raise ValidationError(_("Average wages are kept by the ministry."))
        region = cleaned.get("region", self.instance.region if self.instance.pk else None)
        problems = services.average_wage_problems(
            region=region,
            year=cleaned.get("year"),
            amount_cny=cleaned.get("amount_cny"),
            source=cleaned.get("source"),
        )
        for field, messages in problems.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(AverageWage)
class AverageWageAdmin(AuditedAdmin):
    """Recorded through ``services.average_wage_record``: the person who records a figure
    is kept with it, and the service's audit event is the one record of the write.

    A recorded figure is corrected here (amount, source, demo flag); its province and year
    stay as they are, since the service records by province and year (another province or
    year is another figure, added as such).
    """

    form = AverageWageForm
    list_display = ["region", "year", "amount_cny", "is_demo", "source", "recorded_by"]
    list_filter = ["year", "is_demo", "region"]
    list_select_related = ["region", "recorded_by"]
    autocomplete_fields = ["region"]
    fields = ["region", "year", "amount_cny", "source", "is_demo", "recorded_by", "recorded_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = ["region", "year"] if obj is not None else []
        return [*fixed, "recorded_by", "recorded_at"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]  # a class made for this request
        return form

    def save_model(self, request: HttpRequest, obj: AverageWage, form: Any, change: bool) -> None:
        wage = services.average_wage_record(
            actor=request.user,  # type: ignore[arg-type]
            region=obj.region,
            year=obj.year,
            amount_cny=obj.amount_cny,
            source=obj.source,
            is_demo=obj.is_demo,
            request=request,
        )
        obj.pk = wage.pk
        obj.refresh_from_db()
        obj._state.adding = False

    # The service audits the write ("talent_standards.average_wage.record"): Django's own
    # history still records it, without the second, "admin.add"/"admin.change" audit event
    # of ``AuditedAdmin``. Deletions (which no service does) stay audited by ``AuditedAdmin``.
    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return admin.ModelAdmin.log_change(self, request, obj, message)


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
