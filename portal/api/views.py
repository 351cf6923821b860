"""The kernel's API: regions (public reference data), organizations (scoped), me."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from portal import selectors
from portal.models import Organization, Region, User

from .serializers import MeSerializer, OrganizationSerializer, RegionSerializer


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Region.Level.choices)
    western = django_filters.BooleanFilter(field_name="is_western_region")
    northeast = django_filters.BooleanFilter(field_name="is_northeast_old_industrial_base")

    class Meta:
        model = Region
        fields = ["level", "western", "northeast"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet[Region]):
    """Administrative divisions (GB/T 2260) with the flags the points table uses."""

    queryset = selectors.regions_list()
    serializer_class = RegionSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    filterset_class = RegionFilter
    pagination_class = None  # 31 provinces: a bounded list


class OrganizationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Organization.Kind.choices)
    region = django_filters.CharFilter(field_name="region__code")
    uscc = django_filters.CharFilter(field_name="uscc", lookup_expr="iexact")

    class Meta:
        model = Organization
        fields = ["kind", "region", "uscc"]


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet[Organization]):
    """Organizations the caller may see: all for the ministry, those of their regions
    for officers, their own for employers and agencies."""

    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter

    def get_queryset(self) -> QuerySet[Organization]:
        return selectors.organizations_visible(self.request.user)


class MeView(generics.GenericAPIView[User]):
    """The signed-in user, their organization and their roles with scopes."""

    serializer_class = MeSerializer

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)  # type: ignore[arg-type]
