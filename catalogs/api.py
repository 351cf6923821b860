"""Open data of the catalogs app: the classification and the published Guidance Catalogs.

Everything here is public (no sign-in), read-only, throttled by the default anonymous rate
and paginated with cursors (no COUNT). Only versions that have been published are visible:
a draft, a filing under review or an approved version not yet published answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from catalogs import selectors
from catalogs.models import CURRENT_EDITION, CatalogEntry, GuidanceCatalog, Occupation
from catalogs.serializers import (
    CatalogDetailSerializer,
    CatalogEntrySerializer,
    CatalogSerializer,
    OccupationDetailSerializer,
    OccupationSerializer,
)
from portal.api.pagination import DefaultCursorPagination
from portal.filings import in_force_filter
from portal.models.filing import FilingState

CODE_REGEX = r"\d-\d{2}-\d{2}-\d{2}"

EDITION_PARAMETER = OpenApiParameter(
    "edition",
    OpenApiTypes.INT,
    description=_("Edition of the classification (default: 2022)."),
)


# --- Occupations ---------------------------------------------------------------------------


class OccupationPagination(DefaultCursorPagination):
    ordering = ("code", "id")  # type: ignore[assignment]


class OccupationFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        label=_("Code prefix (2-02-10) or part of the Chinese or English title."),
    )
    level = django_filters.TypedChoiceFilter(
        choices=Occupation.Level.choices,
        coerce=int,
        label=_("1 major group, 2 medium group, 3 minor group, 4 detailed occupation."),
    )
    parent = django_filters.CharFilter(
        field_name="parent_code", label=_("Code of the parent group (2-02-10-00).")
    )
    edition = django_filters.NumberFilter(
        field_name="edition", label=_("Edition of the classification (default: 2022).")
    )

    class Meta:
        model = Occupation
        fields = ["search", "level", "parent", "edition"]

    def filter_queryset(self, queryset: QuerySet[Occupation]) -> QuerySet[Occupation]:
        if self.form.cleaned_data.get("edition") is None:
            queryset = queryset.filter(edition=CURRENT_EDITION)
        return super().filter_queryset(queryset)

    def filter_search(
        self, queryset: QuerySet[Occupation], name: str, value: str
    ) -> QuerySet[Occupation]:
        # The same rule as selectors.occupation_search: a digit starts a code prefix.
        value = value.strip()
        if not value:
            return queryset
        if value[0].isdigit():
            return queryset.filter(code__startswith=value)
        return queryset.filter(Q(title_zh__icontains=value) | Q(title_en__icontains=value))


@extend_schema_view(
    list=extend_schema(summary=_("Occupations and groups of the classification")),
    retrieve=extend_schema(
        summary=_("One occupation or group"),
        description=_("An occupation or group by its code, with its parent and children."),
        parameters=[EDITION_PARAMETER],
    ),
)
class OccupationViewSet(viewsets.ReadOnlyModelViewSet[Occupation]):
    """The National Occupational Classification (2022 edition by default), in code order."""

    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    filterset_class = OccupationFilter
    pagination_class = OccupationPagination

    def get_queryset(self) -> QuerySet[Occupation]:
        if self.action == "retrieve":
            return Occupation.objects.select_related("parent").prefetch_related(
                Prefetch("children", queryset=Occupation.objects.order_by("code"))
            )
        return Occupation.objects.all()

    def get_serializer_class(self) -> type[BaseSerializer[Occupation]]:
        if self.action == "retrieve":
            return OccupationDetailSerializer
        return OccupationSerializer


# --- Catalogs -------------------------------------------------------------------------------


class EntryPagination(DefaultCursorPagination):
    ordering = ("code", "id")  # type: ignore[assignment]


class CatalogFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        field_name="region__code", label=_("GB/T 2260 code of the province (310000).")
    )
    state = django_filters.ChoiceFilter(choices=FilingState.choices, label=_("Filing state."))
    in_force_on = django_filters.DateFilter(
        method="filter_in_force_on", label=_("Versions in force on this date (YYYY-MM-DD).")
    )

    class Meta:
        model = GuidanceCatalog
        fields = ["region", "state", "in_force_on"]

    def filter_in_force_on(
        self, queryset: QuerySet[GuidanceCatalog], name: str, value: dt.date
    ) -> QuerySet[GuidanceCatalog]:
        return queryset.filter(in_force_filter(value))


@extend_schema_view(
    list=extend_schema(summary=_("Published versions of the provinces' Guidance Catalogs")),
    retrieve=extend_schema(
        summary=_("One published version"),
        description=_("A version that has been published, with its explanatory notes."),
    ),
)
class CatalogViewSet(viewsets.ReadOnlyModelViewSet[GuidanceCatalog]):
    """Versions of the provinces' Guidance Catalogs that have been published (in force,
    scheduled, superseded, lapsed or withdrawn), newest first."""

    permission_classes = [permissions.AllowAny]
    filterset_class = CatalogFilter

    def get_queryset(self) -> QuerySet[GuidanceCatalog]:
        return selectors.public_catalogs()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "entries":
            return CatalogEntrySerializer
        if self.action == "retrieve":
            return CatalogDetailSerializer
        return CatalogSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(
        summary=_("The entries of a published version"),
        description=_(
            "The occupations a published version lists, with their requirements, in "
            "occupation code order."
        ),
        responses=CatalogEntrySerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="entries",
        url_name="entries",
        pagination_class=EntryPagination,
        filterset_class=None,
    )
    def entries(self, request: Request, pk: str | None = None) -> Response:
        catalog = self.get_object()
        queryset: QuerySet[CatalogEntry] = selectors.catalog_entries(catalog).annotate(
            code=F("occupation__code")
        )
        page = self.paginate_queryset(queryset)  # type: ignore[arg-type]
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)
