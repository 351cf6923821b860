"""The talent standards API: the national standard and the points tables, the provinces'
regional standards and their mutual recognition agreements (read for everyone), the
points self-assessment (``POST /api/v1/points/assess``), the validity of a recognition in
a province on a date, and the lifecycle transitions for the people whose role allows them.

Visibility follows the public pages: published versions of regional standards and
accepted (or withdrawn) agreements are open data. A drafter also sees the drafts and
proposals of their province, a ministry reviewer every filing from its submission on and
every agreement; anything else answers 404, the same as an id that does not exist.
Refused transitions answer with the workflow's code and status (``permission_denied``
403, ``transition_not_allowed`` 409, ``guard_failed`` 422) and change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django_filters
from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from portal.filings import filing_transition, in_force_filter
from portal.models import User
from portal.models.filing import FilingState
from talent_standards import engine, selectors, services
from talent_standards.models import (
    BonusRule,
    NationalStandard,
    PointsTable,
    RecognitionAgreement,
    RecognitionRoute,
    RegionalStandard,
)
from talent_standards.serializers import (
    AgreementSerializer,
    AgreementTransitionSerializer,
    ErrorSerializer,
    FilingTransitionSerializer,
    NationalStandardDetailSerializer,
    NationalStandardSerializer,
    PointsAssessmentSerializer,
    PointsResultSerializer,
    PointsTableSerializer,
    RecognitionValidityQuerySerializer,
    RecognitionValiditySerializer,
    RegionalStandardDetailSerializer,
    RegionalStandardSerializer,
    points_result,
)

REVIEW_PERMISSION = "portal.review_filings"
DRAFT_PERMISSION = "draft_filings"
A = RecognitionAgreement.State
VERSION_REGEX = r"[\w.-]{1,32}"


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorSerializer) for code in codes}


# --- Who sees what -------------------------------------------------------------------------------


# --- Points self-assessment ----------------------------------------------------------------------


class PointsRateThrottle(AnonRateThrottle):
    """Anonymous callers: ``API_THROTTLE_POINTS`` assessments per address (30 a minute)."""

    scope = "points"


class RulesUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "rules_unavailable"
    default_detail = gettext_lazy("No national standard or points table applies today.")


ASSESS_EXAMPLE_IN = {
    "annual_salary_cny": 250000,
    "education": "master",
    "skill_certificate": "none",
    "experience_years": 5,
    "months_in_china_per_year": 12,
    "hsk_level": 3,
    "former_chinese_national": False,
    "chinese_taught_degree": False,
    "region": "510000",
    "age": 30,
    "bonuses": ["patents"],
}
ASSESS_EXAMPLE_OUT = {
    "total": 85,
    "category": "A",
    "table_version": "2017",
    "lines": [
        {
            "item": "salary",
            "points": 14,
            "max": 20,
            "reason": "250,000 CNY a year (25 × 10,000) reaches the band from 25: 14 points",
        },
        {
            "item": "education",
            "points": 15,
            "max": 20,
            "reason": "best of degree (master's degree) and skill certificate "
            "(no skill certificate): 15",
        },
        {
            "item": "experience",
            "points": 8,
            "max": 20,
            "reason": "5 full years: 5 at 2, +1 a further year",
        },
        {
            "item": "months_in_china",
            "points": 15,
            "max": 15,
            "reason": "12 months a year in China reaches the band from 9: 15 points",
        },
        {"item": "chinese", "points": 3, "max": 5, "reason": "HSK 3: 3"},
        {
            "item": "location",
            "points": 10,
            "max": 10,
            "reason": "Sichuan is a western region, a north-east old industrial base or a "
            "designated area",
        },
        {
            "item": "age",
            "points": 15,
            "max": 15,
            "reason": "age 30, in the band 26-45: 15",
        },
        {
            "item": "bonus",
            "points": 5,
            "max": 5,
            "reason": "patents or other intellectual property (at most 5 in all)",
        },
        {
            "item": "provincial_bonus",
            "points": 0,
            "max": 10,
            "reason": "Sichuan has no regional standard in force",
        },
    ],
    "provincial_bonus_source": None,
}


class PointsAssessView(APIView):
    """The points table applied to a profile and a job, line by line."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [PointsRateThrottle, UserRateThrottle]

    def get_throttles(self) -> list[Any]:
        # Its own throttles, but the one switch of the deployment turns them off too.
        return super().get_throttles() if settings.API_THROTTLE_ENABLED else []

    @extend_schema(
        operation_id="points_assess",
        summary=gettext_lazy("Points self-assessment"),
        description=gettext_lazy(
            "Scores a profile and a job on the points table (by default the one of the "
            "national standard in force) and answers the total, the category by points "
            "(A from 85, B from 60 on the 2017 table), the table's version and every line "
            "with its reason. Indicative: the authority decides on the evidence. Public, "
            "30 requests a minute per address."
        ),
        request=PointsAssessmentSerializer,
        responses={200: PointsResultSerializer, **_errors(400, 429, 503)},
        examples=[
            OpenApiExample(
                "A master's graduate in Sichuan",
                value=ASSESS_EXAMPLE_IN,
                request_only=True,
            ),
            OpenApiExample(
                "Category A at exactly 85 points",
                value=ASSESS_EXAMPLE_OUT,
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Under 18",
                value={
                    "code": "invalid",
                    "message": "The request has invalid fields. Correct them and send it again.",
                    "fields": {"age": ["Work permits are for people of 18 and over."]},
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = PointsAssessmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        region = data["region"]
        profile = engine.Profile(
            age=data["age"],
            education=data["education"],
            skill_certificate=data["skill_certificate"],
            experience_years=data["experience_years"],
            hsk_level=data["hsk_level"],
            former_chinese_national=data["former_chinese_national"],
            chinese_taught_degree=data["chinese_taught_degree"],
            bonuses=frozenset(data.get("bonuses") or ()),
            declared_facts=frozenset(data.get("declared_facts") or ()),
        )
        job = engine.Job(
            region_code=region.code,
            annual_salary_cny=data["annual_salary_cny"],
            months_in_china_per_year=data["months_in_china_per_year"],
            occupation_code=data.get("occupation_code") or "",
        )
        table = data.get("table")
        try:
            assessment = services.assess(
                profile=profile,
                job=job,
                region=region,
                on=timezone.localdate(),
                table_version=table.version if table is not None else "",
                refuse_unasked_facts=True,
            )
        except engine.EngineInputError as error:
            raise ValidationError({error.field: [error.message]}) from None
        except selectors.RulesUnavailable:
            raise RulesUnavailable from None
        return Response(points_result(assessment))


# --- National standards and points tables --------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Versions of the national standard"),
        description=gettext_lazy(
            "Every version, newest first. Not paginated: a version lasts years, so the "
            "list stays a handful of rows."
        ),
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("One version of the national standard, with its routes")
    ),
)
class NationalStandardViewSet(viewsets.ReadOnlyModelViewSet[NationalStandard]):
    """The national unified standard, by version (2017, 2025...)."""

    permission_classes = [permissions.AllowAny]
    lookup_field = "version"
    lookup_value_regex = VERSION_REGEX
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[NationalStandard]:
        if self.action == "retrieve":
            return selectors.national_standards().prefetch_related("routes")
        return selectors.national_standards()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "retrieve":
            return NationalStandardDetailSerializer
        return NationalStandardSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Versions of the points table, with their items and bands"),
        description=gettext_lazy(
            "Every version, newest first (the 2016 pilot is kept for history). Not "
            "paginated: a handful of rows."
        ),
    ),
    retrieve=extend_schema(summary=gettext_lazy("One version of the points table")),
)
class PointsTableViewSet(viewsets.ReadOnlyModelViewSet[PointsTable]):
    """The points table by version, each item with its bands as data."""

    permission_classes = [permissions.AllowAny]
    lookup_field = "version"
    lookup_value_regex = VERSION_REGEX
    pagination_class = None
    filter_backends: list[Any] = []
    serializer_class = PointsTableSerializer

    def get_queryset(self) -> QuerySet[PointsTable]:
        return selectors.points_tables()

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}


# --- Regional standards --------------------------------------------------------------------------


class RegionalStandardFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        field_name="region__code", label=gettext_lazy("GB/T 2260 code of the province (440000).")
    )
    state = django_filters.ChoiceFilter(
        choices=FilingState.choices, label=gettext_lazy("Filing state.")
    )
    in_force_on = django_filters.DateFilter(
        method="filter_in_force_on",
        label=gettext_lazy("Versions in force on this date (YYYY-MM-DD)."),
    )

    class Meta:
        model = RegionalStandard
        fields = ["region", "state", "in_force_on"]

    def filter_in_force_on(
        self, queryset: QuerySet[RegionalStandard], name: str, value: Any
    ) -> QuerySet[RegionalStandard]:
        return queryset.filter(in_force_filter(value))


def _parts() -> tuple[Prefetch, ...]:
    return (
        Prefetch("routes", queryset=RecognitionRoute.objects.order_by("category", "position")),
        Prefetch("bonus_rules", queryset=BonusRule.objects.order_by("code")),
    )


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Published versions of the provinces' regional standards"),
        description=gettext_lazy(
            "Every version that has been published (in force, scheduled, superseded, lapsed "
            "or withdrawn), newest first, cursor-paginated."
        ),
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("One regional standard, with its routes and bonus rules"),
        description=gettext_lazy(
            "A published version; its drafters also see a draft of their province, the "
            "ministry's reviewers a filing from its submission on."
        ),
    ),
)
class RegionalStandardViewSet(viewsets.ReadOnlyModelViewSet[RegionalStandard]):
    """The provinces' supplementary standards (2025 notice)."""

    permission_classes = [permissions.AllowAny]
    filterset_class = RegionalStandardFilter

    def get_permissions(self) -> Sequence[Any]:
        if self.action == "transitions":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def get_queryset(self) -> QuerySet[RegionalStandard]:
        if self.action == "list":
            return selectors.published_standards()
        queryset = selectors.visible_standards(self.request.user)
        if self.action == "retrieve":
            return queryset.prefetch_related(*_parts())
        return queryset

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return RegionalStandardSerializer
        if self.action == "transitions":
            return FilingTransitionSerializer
        return RegionalStandardDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(
        summary=gettext_lazy("Take a step of the lifecycle"),
        description=gettext_lazy(
            "Submit, recall, start the review, approve, return, revise, publish or withdraw "
            "a regional standard, as the caller's role allows (drafters of the province; "
            "the ministry's reviewers). A refusal changes nothing and says why."
        ),
        request=FilingTransitionSerializer,
        responses={200: RegionalStandardDetailSerializer, **_errors(400, 403, 404, 409, 422)},
        examples=[
            OpenApiExample(
                "Approve", value={"transition": "approve", "reason": ""}, request_only=True
            )
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="transitions",
        url_name="transitions",
        filterset_class=None,
        pagination_class=None,
    )
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        standard = self.get_object()
        serializer = FilingTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        filing_transition(
            actor=_user(request),
            filing=standard,
            transition=serializer.validated_data["transition"],
            reason=serializer.validated_data.get("reason", ""),
            request=request._request,
        )
        updated = (
            selectors.visible_standards(request.user)
            .prefetch_related(*_parts())
            .get(pk=standard.pk)
        )
        context = self.get_serializer_context()
        return Response(RegionalStandardDetailSerializer(updated, context=context).data)


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


# --- Mutual recognition --------------------------------------------------------------------------


class AgreementFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        method="filter_region",
        label=gettext_lazy("GB/T 2260 code of a province, either party (440000)."),
    )
    state = django_filters.ChoiceFilter(
        choices=RecognitionAgreement.State.choices, label=gettext_lazy("State.")
    )
    in_effect_on = django_filters.DateFilter(
        method="filter_in_effect_on",
        label=gettext_lazy("Agreements in effect on this date (YYYY-MM-DD)."),
    )

    class Meta:
        model = RecognitionAgreement
        fields = ["region", "state", "in_effect_on"]

    def filter_region(
        self, queryset: QuerySet[RecognitionAgreement], name: str, value: str
    ) -> QuerySet[RecognitionAgreement]:
        return queryset.filter(Q(proposer__code=value) | Q(partner__code=value))

    def filter_in_effect_on(
        self, queryset: QuerySet[RecognitionAgreement], name: str, value: Any
    ) -> QuerySet[RecognitionAgreement]:
        return queryset.filter(pk__in=selectors.agreements_in_effect(value).values("pk"))


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Mutual recognition agreements"),
        description=gettext_lazy(
            "Accepted and withdrawn agreements for everyone, newest first; the drafters "
            "of a province also see its proposals, the ministry every agreement."
        ),
    ),
    retrieve=extend_schema(summary=gettext_lazy("One mutual recognition agreement")),
)
class AgreementViewSet(viewsets.ReadOnlyModelViewSet[RecognitionAgreement]):
    """Provinces recognising each other's regional standards, with their dates."""

    permission_classes = [permissions.AllowAny]
    filterset_class = AgreementFilter

    def get_permissions(self) -> Sequence[Any]:
        if self.action == "transitions":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def get_queryset(self) -> QuerySet[RecognitionAgreement]:
        return selectors.visible_agreements(self.request.user)

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "transitions":
            return AgreementTransitionSerializer
        return AgreementSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(
        summary=gettext_lazy("Accept, decline, cancel or withdraw an agreement"),
        description=gettext_lazy(
            "The partner province accepts or declines a proposal, the proposer cancels it, "
            "either province withdraws an agreement in effect from a date (its last day, "
            "`ends_on`, not in the past). A refusal changes nothing and says why."
        ),
        request=AgreementTransitionSerializer,
        responses={200: AgreementSerializer, **_errors(400, 403, 404, 409, 422)},
        examples=[
            OpenApiExample(
                "Withdraw",
                value={
                    "transition": "withdraw",
                    "reason": "Policy review",
                    "ends_on": "2027-01-31",
                },
                request_only=True,
            )
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="transitions",
        url_name="transitions",
        filterset_class=None,
        pagination_class=None,
    )
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        agreement = self.get_object()
        serializer = AgreementTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.agreement_transition(
            actor=_user(request),
            agreement=agreement,
            transition=data["transition"],
            reason=data.get("reason", ""),
            ends_on=data.get("ends_on"),
            request=request._request,
        )
        updated = selectors.visible_agreements(request.user).get(pk=agreement.pk)
        return Response(AgreementSerializer(updated, context=self.get_serializer_context()).data)


# --- Recognition validity ------------------------------------------------------------------------


class RecognitionValidityView(APIView):
    """Is a recognition valid in a province on a date?"""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="recognition_validity",
        summary=gettext_lazy("Is a recognition valid in a province on a date?"),
        description=gettext_lazy(
            "One-time approval, nationwide recognition: a recognition under the national "
            "standard is valid in every province; one under a regional standard is valid "
            "in the province that granted it and in a province with which a mutual "
            "recognition agreement applies on the date."
        ),
        parameters=[RecognitionValidityQuerySerializer],
        responses={200: RecognitionValiditySerializer, **_errors(400)},
    )
    def get(self, request: Request) -> Response:
        query = RecognitionValidityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        day = data.get("on") or timezone.localdate()
        province = data["province"]
        if data["basis"] == "national":
            basis = selectors.RecognitionBasis("national")
        else:
            basis = selectors.RecognitionBasis("regional", data["granted_region"])
        valid = selectors.recognition_valid_in(basis, province, day)
        return Response({"valid": valid, "reason": _validity_reason(data, day, valid)})


def _validity_reason(data: dict[str, Any], day: Any, valid: bool) -> str:
    if data["basis"] == "national":
        return _("A recognition under the national standard is valid in every province.")
    granted = data["granted_region"]
    province = data["province"]
    names = {"granted": granted.name, "province": province.name, "day": day.isoformat()}
    if granted.province_code == province.province_code:
        return (
            _("A recognition under the regional standard of %(granted)s is valid in %(granted)s.")
            % names
        )
    if valid:
        return (
            _(
                "A mutual recognition agreement between %(granted)s and %(province)s applies "
                "on %(day)s: the recognition is valid in %(province)s."
            )
            % names
        )
    return (
        _(
            "No mutual recognition agreement between %(granted)s and %(province)s applies "
            "on %(day)s: a recognition under the regional standard of %(granted)s is not "
            "valid in %(province)s."
        )
        % names
    )
