"""Shapes of the catalogs API (open data: the classification and the published catalogs).

Serializers only shape rows: what they show is chosen by the selectors and view sets in
``catalogs.api`` (published versions only, entry counts annotated, children prefetched).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalogs.models import CatalogEntry, GuidanceCatalog, Occupation
from portal.models.filing import FilingStatus


class OccupationSerializer(serializers.ModelSerializer[Occupation]):
    # A plain integer, not an enum: "level" already names the regions' level enum in the
    # schema, and two enums of one name make drf-spectacular guess a name.
    level = serializers.IntegerField(
        read_only=True,
        min_value=1,
        max_value=4,
        help_text=_("1 major group, 2 medium group, 3 minor group, 4 detailed occupation."),
    )

    class Meta:
        model = Occupation
        fields = [
            "code",
            "level",
            "title_zh",
            "title_en",
            "is_digital",
            "is_green",
            "parent_code",
            "edition",
        ]


class OccupationDetailSerializer(OccupationSerializer):
    parent = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text=_("Code of the nearest group present in the edition (null for a major group).")
    )
    children = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text=_("Codes of the groups and occupations directly below, in code order.")
    )

    class Meta(OccupationSerializer.Meta):
        fields = [*OccupationSerializer.Meta.fields, "definition", "parent", "children"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent(self, occupation: Occupation) -> str | None:
        return occupation.parent.code if occupation.parent is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_children(self, occupation: Occupation) -> list[str]:
        return [child.code for child in occupation.children.all()]


def _today(context: Mapping[str, Any]) -> dt.date:
    return context.get("today") or timezone.localdate()


class CatalogSerializer(serializers.ModelSerializer[GuidanceCatalog]):
    region = serializers.CharField(
        source="region.code", read_only=True, help_text=_("GB/T 2260 code of the province.")
    )
    status = serializers.SerializerMethodField(
        help_text=_(
            "What the version is today: in force, scheduled, superseded, lapsed or "
            "withdrawn (derived from its dates)."
        )
    )
    entry_count = serializers.IntegerField(read_only=True, help_text=_("Number of entries."))
    entries = serializers.HyperlinkedIdentityField(
        view_name="api:catalog-entries", help_text=_("The version's entries.")
    )

    class Meta:
        model = GuidanceCatalog
        fields = [
            "id",
            "region",
            "version",
            "title_zh",
            "title_en",
            "state",
            "status",
            "effective_from",
            "expires_on",
            "superseded_on",
            "edition",
            "published_at",
            "entry_count",
            "entries",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=FilingStatus.choices))
    def get_status(self, catalog: GuidanceCatalog) -> str:
        return str(catalog.status_on(_today(self.context)).value)


class CatalogDetailSerializer(CatalogSerializer):
    class Meta(CatalogSerializer.Meta):
        fields = [*CatalogSerializer.Meta.fields, "notes_zh", "notes_en"]


class CatalogEntrySerializer(serializers.ModelSerializer[CatalogEntry]):
    code = serializers.CharField(source="occupation.code", read_only=True)
    title_zh = serializers.CharField(source="occupation.title_zh", read_only=True)
    title_en = serializers.CharField(source="occupation.title_en", read_only=True)

    class Meta:
        model = CatalogEntry
        fields = [
            "id",
            "code",
            "title_zh",
            "title_en",
            "category",
            "min_education",
            "min_experience_years",
            "min_annual_salary_cny",
            "skills_zh",
            "skills_en",
            "remarks_zh",
            "remarks_en",
        ]
