from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.access import role_assignments
from portal.models import Organization, Region, User


class RegionSerializer(serializers.ModelSerializer[Region]):
    parent: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True
    )
    earns_location_points = serializers.BooleanField(read_only=True)

    class Meta:
        model = Region
        fields = [
            "code",
            "name_zh",
            "name_en",
            "level",
            "parent",
            "is_western_region",
            "is_northeast_old_industrial_base",
            "is_designated_poverty_area",
            "earns_location_points",
        ]


class OrganizationSerializer(serializers.ModelSerializer[Organization]):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "name_zh",
            "name_en",
            "uscc",
            "uscc_check_failed",
            "region",
            "authority_level",
            "is_active",
        ]


class RoleAssignmentSerializer(serializers.Serializer[Any]):
    role = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    scope = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    organization = serializers.IntegerField(allow_null=True)


class MeSerializer(serializers.ModelSerializer[User]):
    organization = OrganizationSerializer(read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "email",
            "preferred_language",
            "organization",
            "roles",
        ]

    @extend_schema_field(RoleAssignmentSerializer(many=True))
    def get_roles(self, user: User) -> list[dict[str, Any]]:
        return [
            {
                "role": a.role,
                "label": str(a.spec.label),
                "scope": a.spec.scope.value,
                "region": a.region.code if a.region else None,
                "organization": a.organization.pk if a.organization else None,
            }
            for a in role_assignments(user)
        ]
