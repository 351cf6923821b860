"""Shapes of the talent standards API.

Serializers check the shape of input and shape rows for output; what is visible is chosen
in ``talent_standards.api`` (published versions, the caller's scope) and the rules are the
engine's. Choice fields whose name another app's schema uses with other values
(``state``, ``kind``, ``category``) keep their enum inside the property (wrapped in
``allOf``), so that drf-spectacular neither warns nor renames the other app's enum
component.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.models import Region
from portal.models.filing import FilingState, FilingStatus
from talent_standards import engine
from talent_standards.forms_public import (
    BONUS_CHOICES,
    EDUCATION_CHOICES,
    HSK_RANGE,
    MONTHS_RANGE,
    NEGATIVE_EXPERIENCE,
    NEGATIVE_SALARY,
    SKILL_CHOICES,
    UNDER_AGE,
)
from talent_standards.models import (
    BonusRule,
    Category,
    NationalStandard,
    PointsItem,
    PointsTable,
    RecognitionAgreement,
    RecognitionRoute,
    RegionalStandard,
)

OCCUPATION_CODE_REGEX = r"^\d-\d{2}-\d{2}-\d{2}$"
UNKNOWN_REGION = _(
    "Unknown region: give a GB/T 2260 code, e.g. 310000 (Shanghai) or 310115 (Pudong)."
)
UNKNOWN_TABLE = _("Unknown points table: give the version of a points table, e.g. 2017.")

# Transitions people may ask for (the automatic ones, supersede and lapse, are the system's).
FILING_TRANSITIONS = (
    "open_consultation",
    "close_consultation",
    "submit",
    "recall",
    "start_review",
    "approve",
    "return",
    "revise",
    "publish",
    "withdraw",
)
AGREEMENT_TRANSITIONS = ("accept", "decline", "cancel", "withdraw")


def _inline_enum(values: Any) -> dict[str, Any]:
    return {"allOf": [{"type": "string", "enum": [str(v) for v in values]}]}


def _today(context: Mapping[str, Any]) -> dt.date:
    return context.get("today") or timezone.localdate()


# --- Errors (documentation only) -----------------------------------------------------------------


class ErrorSerializer(serializers.Serializer[Any]):
    """The project's JSON error (``portal.api.errors``)."""

    code = serializers.CharField(help_text=_("Stable code for programs: invalid, throttled..."))
    message = serializers.CharField(help_text=_("What went wrong, for people."))
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("For invalid input: the messages of each field."),
    )
    details = serializers.DictField(required=False, help_text=_("Details of a refusal."))
    retry_after_seconds = serializers.IntegerField(
        required=False, help_text=_("When throttled: seconds to wait.")
    )


# --- Points self-assessment ----------------------------------------------------------------------


class PointsAssessmentSerializer(serializers.Serializer[Any]):
    """A worker's profile and job, as the points table scores them."""

    # coerce_to_string=False: a JSON number in the schema (digits in a string pass too).
    annual_salary_cny = serializers.DecimalField(
        coerce_to_string=False,
        max_digits=14,
        decimal_places=2,
        min_value=0,
        help_text=_("Annual salary paid in China, in yuan."),
        error_messages={"min_value": NEGATIVE_SALARY},
    )
    education = serializers.ChoiceField(
        choices=[value for value, _label in EDUCATION_CHOICES], help_text=_("Highest degree.")
    )
    skill_certificate = serializers.ChoiceField(
        choices=[value for value, _label in SKILL_CHOICES],
        required=False,
        default="none",
        help_text=_("Vocational skill certificate (the better of degree and certificate counts)."),
    )
    experience_years = serializers.DecimalField(
        coerce_to_string=False,
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=80,
        help_text=_("Years of relevant work experience (full years count)."),
        error_messages={"min_value": NEGATIVE_EXPERIENCE},
    )
    months_in_china_per_year = serializers.DecimalField(
        coerce_to_string=False,
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=12,
        help_text=_("Months a year working in China, 0 to 12."),
        error_messages={"min_value": MONTHS_RANGE, "max_value": MONTHS_RANGE},
    )
    hsk_level = serializers.IntegerField(
        min_value=0,
        max_value=6,
        help_text=_("HSK level, 0 (none) to 6."),
        error_messages={"min_value": HSK_RANGE, "max_value": HSK_RANGE},
    )
    former_chinese_national = serializers.BooleanField(required=False, default=False)
    chinese_taught_degree = serializers.BooleanField(required=False, default=False)
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        help_text=_(
            "GB/T 2260 code of the place of work: a province (310000) or a region in it "
            "(310115); the province's regional standard applies."
        ),
        error_messages={"does_not_exist": UNKNOWN_REGION, "invalid": UNKNOWN_REGION},
    )
    age = serializers.IntegerField(
        min_value=18, max_value=120, error_messages={"min_value": UNDER_AGE}
    )
    bonuses = serializers.MultipleChoiceField(
        choices=[value for value, _label in BONUS_CHOICES],
        required=False,
        help_text=_("Bonus facts that hold (item 8: 5 points however many)."),
    )
    declared_facts = serializers.ListField(
        child=serializers.CharField(max_length=64),
        max_length=20,
        required=False,
        help_text=_(
            "Facts the applicant declares for the province's bonus rules that ask for one "
            "(e.g. lingang_employer in Shanghai); an officer confirms them."
        ),
    )
    table = serializers.SlugRelatedField(
        slug_field="version",
        queryset=PointsTable.objects.all(),
        required=False,
        help_text=_("Version of the points table (default: the one of the standard in force)."),
        error_messages={"does_not_exist": UNKNOWN_TABLE, "invalid": UNKNOWN_TABLE},
    )
    occupation_code = serializers.RegexField(
        OCCUPATION_CODE_REGEX,
        required=False,
        allow_blank=True,
        max_length=10,
        help_text=_("Occupation code (2-02-10-03), for the provincial bonus rules that ask it."),
        error_messages={"invalid": _("Give the code of a detailed occupation, e.g. 2-02-10-03.")},
    )


class PointsLineSerializer(serializers.Serializer[Any]):
    item = serializers.CharField(
        help_text=_(
            "The item's key: salary, education, experience, months_in_china, chinese, "
            "location, age, bonus, provincial_bonus."
        )
    )
    points = serializers.IntegerField()
    max = serializers.IntegerField()
    reason = serializers.CharField(help_text=_("Why the line scored what it did."))


@extend_schema_field(_inline_enum(Category.values))
class CategoryField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Category.choices, **kwargs)


class PointsResultSerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField()
    category = CategoryField(help_text=_("The category by points alone: A, B or C."))
    table_version = serializers.CharField(help_text=_("The points table that scored."))
    lines = PointsLineSerializer(many=True)
    provincial_bonus_source = serializers.CharField(
        allow_null=True,
        help_text=_(
            "The regional standard whose bonus rules item 9 applied (province code and "
            "version, 440000:v2); null when the province has none in force."
        ),
    )


def points_result(assessment: engine.Assessment) -> dict[str, Any]:
    points = assessment.points
    return {
        "total": points.total,
        "category": points.category,
        "table_version": points.table_version,
        "lines": [
            {"item": line.item, "points": line.points, "max": line.max, "reason": line.reason}
            for line in points.lines
        ],
        "provincial_bonus_source": assessment.regional_version or None,
    }


# --- National standards and points tables --------------------------------------------------------


@extend_schema_field(_inline_enum(RecognitionRoute.Kind.values))
class RouteKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=RecognitionRoute.Kind.choices, **kwargs)


class RouteSerializer(serializers.ModelSerializer[RecognitionRoute]):
    category = CategoryField(read_only=True)
    kind = RouteKindField(
        read_only=True, help_text=_("How the route is evaluated; `parameters` gives its figures.")
    )

    class Meta:
        model = RecognitionRoute
        fields = [
            "code",
            "category",
            "kind",
            "title_zh",
            "title_en",
            "description_zh",
            "description_en",
            "evidence_zh",
            "evidence_en",
            "parameters",
            "position",
        ]
        read_only_fields = fields


class NationalStandardSerializer(serializers.ModelSerializer[NationalStandard]):
    points_table: serializers.SlugRelatedField[PointsTable] = serializers.SlugRelatedField(
        slug_field="version", read_only=True, help_text=_("Version of its points table.")
    )
    in_force = serializers.SerializerMethodField(help_text=_("In force today."))
    url = serializers.HyperlinkedIdentityField(
        view_name="api:national-standard-detail", lookup_field="version"
    )

    class Meta:
        model = NationalStandard
        fields = [
            "version",
            "title_zh",
            "title_en",
            "summary_zh",
            "summary_en",
            "effective_from",
            "effective_until",
            "points_table",
            "in_force",
            "url",
        ]
        read_only_fields = fields

    def get_in_force(self, standard: NationalStandard) -> bool:
        return standard.in_force_on(_today(self.context))


class NationalStandardDetailSerializer(NationalStandardSerializer):
    routes = RouteSerializer(many=True, read_only=True)

    class Meta(NationalStandardSerializer.Meta):
        fields = [*NationalStandardSerializer.Meta.fields, "source", "routes"]
        read_only_fields = fields


class SchemeField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=PointsItem.Scheme.choices, **kwargs)


class PointsItemSerializer(serializers.ModelSerializer[PointsItem]):
    scheme = SchemeField(read_only=True, help_text=_("How the bands read."))
    bands = serializers.JSONField(read_only=True, help_text=_("The bands, as data."))

    class Meta:
        model = PointsItem
        fields = ["number", "key", "title_zh", "title_en", "max_points", "scheme", "bands"]
        read_only_fields = fields


class PointsTableSerializer(serializers.ModelSerializer[PointsTable]):
    in_use = serializers.SerializerMethodField(help_text=_("In use today."))
    items = PointsItemSerializer(many=True, read_only=True)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:points-table-detail", lookup_field="version"
    )

    class Meta:
        model = PointsTable
        fields = [
            "version",
            "title_zh",
            "title_en",
            "threshold_a",
            "threshold_b",
            "effective_from",
            "effective_until",
            "in_use",
            "source",
            "items",
            "url",
        ]
        read_only_fields = fields

    def get_in_use(self, table: PointsTable) -> bool:
        return table.in_use_on(_today(self.context))


# --- Regional standards --------------------------------------------------------------------------


class ConditionField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=BonusRule.Condition.choices, **kwargs)


class BonusRuleSerializer(serializers.ModelSerializer[BonusRule]):
    condition = ConditionField(read_only=True, help_text=_("When the rule applies."))

    class Meta:
        model = BonusRule
        fields = ["code", "title_zh", "title_en", "condition", "parameters", "points"]
        read_only_fields = fields


class FilingStateField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=FilingState.choices, **kwargs)


class RegionalStandardSerializer(serializers.ModelSerializer[RegionalStandard]):
    region = serializers.CharField(
        source="region.code", read_only=True, help_text=_("GB/T 2260 code of the province.")
    )
    state = FilingStateField(read_only=True)
    status = serializers.SerializerMethodField(
        help_text=_(
            "What the version is today: in force, scheduled, superseded, lapsed or "
            "withdrawn (derived from its dates)."
        )
    )
    url = serializers.HyperlinkedIdentityField(view_name="api:regional-standard-detail")

    class Meta:
        model = RegionalStandard
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
            "published_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=FilingStatus.choices))
    def get_status(self, standard: RegionalStandard) -> str:
        return str(standard.status_on(_today(self.context)).value)


class RegionalStandardDetailSerializer(RegionalStandardSerializer):
    routes = RouteSerializer(many=True, read_only=True)
    bonus_rules = BonusRuleSerializer(many=True, read_only=True)

    class Meta(RegionalStandardSerializer.Meta):
        fields = [
            *RegionalStandardSerializer.Meta.fields,
            "notes_zh",
            "notes_en",
            "routes",
            "bonus_rules",
        ]
        read_only_fields = fields


class FilingTransitionField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=FILING_TRANSITIONS, **kwargs)


class FilingTransitionSerializer(serializers.Serializer[Any]):
    transition = FilingTransitionField(help_text=_("The step of the lifecycle to take."))
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text=_("Required to recall, return and withdraw."),
    )


# --- Mutual recognition --------------------------------------------------------------------------


@extend_schema_field(_inline_enum(RecognitionAgreement.State.values))
class AgreementStateField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=RecognitionAgreement.State.choices, **kwargs)


class AgreementSerializer(serializers.ModelSerializer[RecognitionAgreement]):
    proposer = serializers.CharField(
        source="proposer.code", read_only=True, help_text=_("The proposing province.")
    )
    partner = serializers.CharField(
        source="partner.code", read_only=True, help_text=_("The partner province.")
    )
    state = AgreementStateField(read_only=True)
    in_effect = serializers.SerializerMethodField(help_text=_("In effect today."))
    url = serializers.HyperlinkedIdentityField(view_name="api:agreement-detail")

    class Meta:
        model = RecognitionAgreement
        fields = [
            "id",
            "proposer",
            "partner",
            "state",
            "effective_from",
            "ends_on",
            "in_effect",
            "terms_zh",
            "terms_en",
            "proposed_at",
            "decided_at",
            "withdrawn_at",
            "url",
        ]
        read_only_fields = fields

    def get_in_effect(self, agreement: RecognitionAgreement) -> bool:
        return agreement.applies_on(_today(self.context))


class AgreementTransitionField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=AGREEMENT_TRANSITIONS, **kwargs)


class AgreementTransitionSerializer(serializers.Serializer[Any]):
    transition = AgreementTransitionField(help_text=_("accept, decline, cancel or withdraw."))
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text=_("Required to decline and to withdraw."),
    )
    ends_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("To withdraw: the last day the agreement applies (default today)."),
    )


# --- Recognition validity ------------------------------------------------------------------------


class BasisField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=("national", "regional"), **kwargs)


class RecognitionValidityQuerySerializer(serializers.Serializer[Any]):
    basis = BasisField(help_text=_("The standard the recognition was granted under."))
    granted_region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        required=False,
        help_text=_("For a regional recognition: the province that granted it (440000)."),
        error_messages={"does_not_exist": UNKNOWN_REGION, "invalid": UNKNOWN_REGION},
    )
    province = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        help_text=_("The province where it would be used (310000)."),
        error_messages={"does_not_exist": UNKNOWN_REGION, "invalid": UNKNOWN_REGION},
    )
    on = serializers.DateField(required=False, help_text=_("The date asked (default today)."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["basis"] == "regional" and attrs.get("granted_region") is None:
            raise serializers.ValidationError(
                {
                    "granted_region": [
                        _("A regional recognition names the province that granted it.")
                    ]
                }
            )
        return attrs


class RecognitionValiditySerializer(serializers.Serializer[Any]):
    valid = serializers.BooleanField()
    reason = serializers.CharField()
