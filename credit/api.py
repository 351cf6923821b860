"""The credit API, under /api/v1/: partner agencies read an organization's credit standing.

``GET partner/credit/standing/?uscc=…[&on=YYYY-MM-DD]``: for the readers of partner agencies
(the partner reader role, read-only): the standing of an employer or service agency on the
day (level, reasons, until when, whether it blocks registration and new applications) and
its records in effect that day (kind, period, disclosed or not; never the facts). An
identifier no organization holds is in good standing with no records (``registered``
false). Every lookup is an audit event of the reader. Errors are the project's JSON
(``portal.api.errors``): ``invalid`` with ``fields``, ``not_authenticated``,
``permission_denied``.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.access import region_ids_for
from portal.audit import audit_record
from portal.identifiers import parse_uscc
from portal.models import Organization, User

from . import selectors
from .selectors import Level

PARTNER_PERMISSION = "read_partner_data"


class ReadsPartnerData(permissions.BasePermission):
    """Partner agencies' readers, and only to read."""

    message = gettext_lazy("These endpoints are for the readers of partner agencies.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method not in permissions.SAFE_METHODS:
            return False
        return bool(region_ids_for(request.user, PARTNER_PERMISSION))


class StandingQuerySerializer(serializers.Serializer[Any]):
    uscc = serializers.CharField(
        max_length=32,
        help_text=gettext_lazy("The organization's Unified Social Credit Identifier (18)."),
    )
    on = serializers.DateField(
        required=False,
        help_text=gettext_lazy("The date of the standing (YYYY-MM-DD); default today."),
    )

    def validate_uscc(self, value: str) -> str:
        try:
            return parse_uscc(value).value
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class RecordInEffectSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text=gettext_lazy("The kind's code."))
    kind_name = serializers.CharField()
    dishonest = serializers.BooleanField()
    severity = serializers.CharField(help_text=gettext_lazy("minor, serious or none."))
    effective_from = serializers.DateField()
    effective_until = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("Empty: open-ended.")
    )
    disclosed = serializers.BooleanField()
    under_objection = serializers.BooleanField()


class StandingSerializer(serializers.Serializer[Any]):
    uscc = serializers.CharField()
    on = serializers.DateField(help_text=gettext_lazy("The date the standing is given for."))
    registered = serializers.BooleanField(
        help_text=gettext_lazy("Whether an organization with this identifier is registered.")
    )
    level = serializers.ChoiceField(choices=Level.choices)
    level_label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    until = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("The day the standing ends; empty when good or open-ended."),
    )
    blocks = serializers.BooleanField(
        help_text=gettext_lazy("Dishonest: registration and new applications are refused.")
    )
    records = RecordInEffectSerializer(many=True)


class CreditErrorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(
        help_text=gettext_lazy("invalid, not_authenticated, permission_denied...")
    )
    message = serializers.CharField()
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class PartnerStandingView(APIView):
    """An organization's credit standing on a day."""

    permission_classes = [permissions.IsAuthenticated, ReadsPartnerData]

    @extend_schema(
        operation_id="partner_credit_standing",
        summary=gettext_lazy("An organization's credit standing"),
        description=gettext_lazy(
            "For the readers of partner agencies, read-only: the credit standing of an "
            "employer or service agency on the date (default today): good, attention or "
            "dishonest, why, until when, whether it blocks registration and new "
            "applications, and the records in effect that day. Every lookup is recorded "
            "in the audit log as the reader's."
        ),
        parameters=[StandingQuerySerializer],
        responses={
            200: StandingSerializer,
            **{code: OpenApiResponse(CreditErrorSerializer) for code in (400, 401, 403)},
        },
    )
    def get(self, request: Request) -> Response:
        query = StandingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        uscc: str = query.validated_data["uscc"]
        day = query.validated_data.get("on") or timezone.localdate()
        organization = Organization.objects.filter(uscc=uscc).first()
        standing = selectors.organization_standing(uscc, day)
        records = selectors.records_in_effect_marked(organization=organization, on=day)
        audit_record(
            actor=cast(User, request.user),
            action="credit.partner.standing_lookup",
            target=organization,
            data={
                "uscc": uscc,
                "on": day,
                "found": organization is not None,
                "level": standing.level,
            },
            request=request._request,
        )
        return Response(
            {
                "uscc": uscc,
                "on": day,
                "registered": organization is not None,
                "level": standing.level,
                "level_label": standing.label,
                "reasons": list(standing.reasons),
                "until": standing.until,
                "blocks": standing.blocks,
                "records": [
                    {
                        "kind": record.kind.code,
                        "kind_name": record.kind.name,
                        "dishonest": record.dishonest,
                        "severity": record.severity,
                        "effective_from": record.effective_from,
                        "effective_until": record.effective_until,
                        "disclosed": record.disclosed,
                        "under_objection": getattr(record, "under_objection", False),
                    }
                    for record in records
                ],
            }
        )
