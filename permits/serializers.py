"""What the permits API reads and writes (``permits.api``).

Request serializers only shape the input for the schema and catch what is not even of
the right type; the rules themselves (the steps' fields, the checklist, the workflow's
guards) are the services', so that the API refuses exactly what the pages refuse.
Response serializers read the rows the selectors load (no query of their own).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from permits import clocks, labour_market
from permits.documents import ChecklistItem
from permits.models import (
    Application,
    Document,
    InformationItem,
    InformationRequest,
    Permit,
    Vacancy,
)
from portal.models import Foreigner, Organization
from talent_standards.models import Category

# The transitions an employer (or its agency) takes through the API.
EMPLOYER_TRANSITIONS = ("submit", "resubmit", "withdraw", "answer_information")
STEPS = ("kind", "worker", "job", "facts")
UPLOAD_CODES = ("empty", "too_large", "unknown_type", "damaged", "active_content")


# --- Errors -------------------------------------------------------------------------------------


class ProblemSerializer(serializers.Serializer[Any]):
    """One thing that stands in the way of a step (``permits.problems.Problem``)."""

    code = serializers.CharField(help_text=_("Stable: passport_expires_soon, document_missing..."))
    message = serializers.CharField(help_text=_("What to fix, for people."))
    field = serializers.CharField(
        allow_blank=True, help_text=_("The field or document kind it concerns.")
    )
    step = serializers.CharField(
        allow_blank=True, help_text=_("The step of the form: kind, worker, job, facts, documents.")
    )


class RefusalDetailsSerializer(serializers.Serializer[Any]):
    problems = ProblemSerializer(many=True, required=False)
    field = serializers.CharField(required=False)
    open_items = serializers.ListField(child=serializers.IntegerField(), required=False)
    state = serializers.CharField(required=False)
    transition = serializers.CharField(required=False)


class PermitsErrorSerializer(serializers.Serializer[Any]):
    """The project's JSON error (``portal.api.errors``), with what the permits API adds."""

    code = serializers.CharField(
        help_text=_(
            "Stable code for programs: invalid, not_found, permission_denied, not_editable, "
            "transition_not_allowed, guard_failed, an upload's code (empty, too_large, "
            "unknown_type, damaged, active_content), permit_not_found..."
        )
    )
    message = serializers.CharField(help_text=_("What went wrong, for people."))
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("For invalid input: the messages of each field."),
    )
    details = RefusalDetailsSerializer(
        required=False,
        help_text=_("A refused transition: the problems to fix, the field, the open items."),
    )
    retry_after_seconds = serializers.IntegerField(
        required=False, help_text=_("When throttled: seconds to wait.")
    )


# --- Applications: reading ----------------------------------------------------------------------


class DeadlinesSerializer(serializers.Serializer[Any]):
    """The statutory clocks, in working days already turned into dates."""

    acceptance_due_on = serializers.DateField(allow_null=True)
    decision_due_on = serializers.DateField(allow_null=True)
    overall_due_on = serializers.DateField(allow_null=True)
    overall_extended = serializers.BooleanField()
    paused = serializers.BooleanField(help_text=_("The clock stands still: information is owed."))
    paused_on = serializers.DateField(allow_null=True)
    paused_working_days = serializers.IntegerField()
    due_on = serializers.DateField(
        allow_null=True, help_text=_("The day the current stage must be completed by.")
    )
    urgency = serializers.ChoiceField(
        choices=["", "on_time", "due_soon", "overdue", "paused"],
        help_text=_("overdue, due_soon, paused, on_time, or empty when no clock runs."),
    )


def deadlines(application: Application, today: dt.date | None = None) -> dict[str, Any]:
    day = today or timezone.localdate()
    return {
        "acceptance_due_on": application.acceptance_due_on,
        "decision_due_on": application.decision_due_on,
        "overall_due_on": application.overall_due_on,
        "overall_extended": application.overall_extended,
        "paused": application.paused_on is not None,
        "paused_on": application.paused_on,
        "paused_working_days": application.paused_working_days,
        "due_on": application.due_on,
        "urgency": clocks.urgency(application, day),
    }


class WorkerSummarySerializer(serializers.Serializer[Any]):
    surname = serializers.CharField()
    given_names = serializers.CharField()
    name_zh = serializers.CharField()
    nationality = serializers.CharField()
    date_of_birth = serializers.DateField()
    sex = serializers.CharField()
    permit_number = serializers.CharField(help_text=_("The lifelong permit number, once given."))


class PassportSummarySerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    issuing_country = serializers.CharField()
    issue_date = serializers.DateField()
    expiry_date = serializers.DateField()


class ApplicationSerializer(serializers.ModelSerializer[Application]):
    """An application as a list row: what it is, where it stands, and its deadlines."""

    kind = serializers.ChoiceField(choices=Application.Kind.choices, read_only=True)
    state = serializers.ChoiceField(choices=Application.State.choices, read_only=True)
    category = serializers.ChoiceField(choices=Category.choices, read_only=True, allow_blank=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    employer_name = serializers.CharField(source="employer.name", read_only=True)
    worker = serializers.SerializerMethodField()
    occupation = serializers.SerializerMethodField()
    region = serializers.SerializerMethodField()
    work_region = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "kind",
            "state",
            "state_label",
            "employer",
            "employer_name",
            "agency",
            "worker",
            "occupation",
            "job_title",
            "region",
            "work_region",
            "category",
            "route_code",
            "created_at",
            "updated_at",
            "submitted_at",
            "accepted_at",
            "decided_at",
            "deadlines",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_worker(self, application: Application) -> str | None:
        return application.foreigner.latin_name if application.foreigner else None

    @extend_schema_field(
        serializers.CharField(allow_null=True, help_text=_("Occupation code (2-02-10-03)."))
    )
    def get_occupation(self, application: Application) -> str | None:
        return application.occupation.code if application.occupation else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text=_("Province code.")))
    def get_region(self, application: Application) -> str | None:
        return application.region.code if application.region else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text=_("Place of work.")))
    def get_work_region(self, application: Application) -> str | None:
        return application.work_region.code if application.work_region else None

    @extend_schema_field(DeadlinesSerializer)
    def get_deadlines(self, application: Application) -> dict[str, Any]:
        return deadlines(application, self.context.get("today"))


class DocumentSerializer(serializers.ModelSerializer[Document]):
    kind = serializers.ChoiceField(choices=Document.Kind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    name = serializers.CharField(source="file.original_name", read_only=True)
    content_type = serializers.CharField(source="file.content_type", read_only=True)
    size = serializers.IntegerField(source="file.size", read_only=True)
    sha256 = serializers.CharField(source="file.sha256", read_only=True)
    carried_over = serializers.SerializerMethodField()
    verified = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "kind_label",
            "name",
            "content_type",
            "size",
            "sha256",
            "issued_on",
            "note",
            "carried_over",
            "verified",
            "uploaded_at",
        ]
        read_only_fields = fields

    def get_carried_over(self, document: Document) -> bool:
        return document.carried_from_id is not None

    def get_verified(self, document: Document) -> bool:
        return document.verified_at is not None


class InformationItemSerializer(serializers.ModelSerializer[InformationItem]):
    document_kind = serializers.ChoiceField(
        choices=Document.Kind.choices, read_only=True, allow_blank=True
    )

    class Meta:
        model = InformationItem
        fields = ["position", "text", "document_kind", "answer", "document", "answered_at"]
        read_only_fields = fields


class InformationRequestSerializer(serializers.ModelSerializer[InformationRequest]):
    items = serializers.SerializerMethodField()
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = InformationRequest
        fields = ["id", "stage", "message", "requested_at", "answered_at", "is_open", "items"]
        read_only_fields = fields

    @extend_schema_field(InformationItemSerializer(many=True))
    def get_items(self, request: InformationRequest) -> list[dict[str, Any]]:
        # Prefetched in position order by the selector.
        return InformationItemSerializer(request.items.all(), many=True).data  # type: ignore[return-value]


class VacancySerializer(serializers.ModelSerializer[Vacancy]):
    """The labour-market test of the post as the employer recorded it."""

    occupation = serializers.CharField(source="occupation.code", read_only=True)
    first_submission_day = serializers.SerializerMethodField()

    class Meta:
        model = Vacancy
        fields = [
            "job_title",
            "occupation",
            "requirements",
            "annual_salary_cny",
            "channels",
            "channel_details",
            "advertised_from",
            "advertised_until",
            "applications_received",
            "reasons_unsuitable",
            "first_submission_day",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField())
    def get_first_submission_day(self, vacancy: Vacancy) -> dt.date:
        return labour_market.first_submission_day(vacancy.advertised_until)


class ApplicationDetailSerializer(ApplicationSerializer):
    """Everything the employer's integration reads of one application."""

    education = serializers.ChoiceField(
        choices=Application.Education.choices, read_only=True, allow_blank=True
    )
    skill_certificate = serializers.ChoiceField(
        choices=Application.SkillCertificate.choices, read_only=True
    )
    change_kind = serializers.ChoiceField(
        choices=Application.ChangeKind.choices, read_only=True, allow_blank=True
    )
    passport = serializers.SerializerMethodField()
    worker_details = serializers.SerializerMethodField()
    permit_number = serializers.SerializerMethodField()
    letter_number = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True, read_only=True)
    open_information_request = serializers.SerializerMethodField()
    decision_text = serializers.CharField(read_only=True)
    vacancy = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = [
            *ApplicationSerializer.Meta.fields,
            "copied_from",
            "worker_details",
            "passport",
            "annual_salary_cny",
            "months_in_china_per_year",
            "contract_start",
            "contract_end",
            "education",
            "skill_certificate",
            "experience_years",
            "hsk_level",
            "former_chinese_national",
            "chinese_taught_degree",
            "bonuses",
            "achievements",
            "declared_facts",
            "teaches_language",
            "native_language",
            "teaching_years",
            "teaching_qualification",
            "commitment_letters",
            "c_group",
            "permit_number",
            "letter_number",
            "entry_date",
            "change_kind",
            "change_date",
            "steps_saved",
            "documents",
            "open_information_request",
            "decision_text",
            "vacancy",
        ]
        read_only_fields = fields

    @extend_schema_field(VacancySerializer(allow_null=True))
    def get_vacancy(self, application: Application) -> dict[str, Any] | None:
        vacancy = labour_market.vacancy_of(application)
        return VacancySerializer(vacancy).data if vacancy else None  # type: ignore[return-value]

    @extend_schema_field(WorkerSummarySerializer(allow_null=True))
    def get_worker_details(self, application: Application) -> dict[str, Any] | None:
        person = application.foreigner
        if person is None:
            return None
        return {
            "surname": person.surname,
            "given_names": person.given_names,
            "name_zh": person.name_zh,
            "nationality": person.nationality,
            "date_of_birth": person.date_of_birth,
            "sex": person.sex,
            "permit_number": person.permit_number,
        }

    @extend_schema_field(PassportSummarySerializer(allow_null=True))
    def get_passport(self, application: Application) -> dict[str, Any] | None:
        passport = application.passport
        if passport is None:
            return None
        return {
            "number": passport.number,
            "issuing_country": passport.issuing_country,
            "issue_date": passport.issue_date,
            "expiry_date": passport.expiry_date,
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_permit_number(self, application: Application) -> str | None:
        return application.permit.permit_number if application.permit else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_letter_number(self, application: Application) -> str | None:
        return application.letter.number if application.letter else None

    @extend_schema_field(InformationRequestSerializer(allow_null=True))
    def get_open_information_request(self, application: Application) -> dict[str, Any] | None:
        request = open_request(application)
        return InformationRequestSerializer(request).data if request else None  # type: ignore[return-value]


def open_request(application: Application) -> InformationRequest | None:
    """The open request among the prefetched ones (the selector loads them all)."""
    for request in application.information_requests.all():
        if request.answered_at is None:
            return request
    return None


# --- Applications: writing ----------------------------------------------------------------------


class DraftCreateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=Application.Kind.choices)
    employer = serializers.IntegerField(
        required=False,
        help_text=_(
            "Id of the employer applied for; may be left out when the caller acts for one "
            "employer only."
        ),
    )
    permit_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=18,
        help_text=_("Extension, change, cancellation, change of employer: the permit's number."),
    )
    letter_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=24,
        help_text=_("Work permit after entry: the notification letter's number."),
    )
    copy_of = serializers.IntegerField(
        required=False,
        help_text=_(
            "Id of an earlier application of the employer to copy (new and short-term work): "
            "the job, the worker and the facts, and the documents without verification."
        ),
    )


class KindStepSerializer(serializers.Serializer[Any]):
    """Step ``kind``: what the kind needs beyond the permit or letter."""

    entry_date = serializers.DateField(required=False, help_text=_("After entry."))
    change_kind = serializers.ChoiceField(
        choices=Application.ChangeKind.choices, required=False, help_text=_("Change.")
    )
    change_date = serializers.DateField(required=False, help_text=_("Change."))
    contract_end = serializers.DateField(
        required=False, help_text=_("Extension: the renewed contract; cancellation: its end.")
    )


class WorkerStepSerializer(serializers.Serializer[Any]):
    """Step ``worker``: the person by passport (found if known, else recorded)."""

    surname = serializers.CharField()
    given_names = serializers.CharField(required=False, allow_blank=True)
    name_zh = serializers.CharField(required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=Foreigner.Sex.choices)
    date_of_birth = serializers.DateField()
    nationality = serializers.CharField(help_text=_("ISO 3166-1 alpha-3 (DEU)."))
    passport_number = serializers.CharField()
    passport_country = serializers.CharField(help_text=_("ISO 3166-1 alpha-3 (DEU)."))
    passport_issue_date = serializers.DateField()
    passport_expiry_date = serializers.DateField()
    mrz_line1 = serializers.CharField(required=False, allow_blank=True)
    mrz_line2 = serializers.CharField(required=False, allow_blank=True)
    previous_passport_number = serializers.CharField(required=False, allow_blank=True)


class JobStepSerializer(serializers.Serializer[Any]):
    """Step ``job``: the post."""

    occupation = serializers.CharField(
        required=False, help_text=_("Detailed occupation code (2-02-10-03).")
    )
    job_title = serializers.CharField(required=False, allow_blank=True)
    work_region = serializers.CharField(
        required=False, help_text=_("Place of work, GB/T 2260 code (310000, 310115).")
    )
    annual_salary_cny = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    contract_start = serializers.DateField(required=False, allow_null=True)
    contract_end = serializers.DateField(required=False, allow_null=True)
    months_in_china_per_year = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True
    )


class FactsStepSerializer(serializers.Serializer[Any]):
    """Step ``facts``: the facts for recognition and the claim."""

    education = serializers.ChoiceField(
        choices=Application.Education.choices, required=False, allow_blank=True
    )
    skill_certificate = serializers.ChoiceField(
        choices=Application.SkillCertificate.choices, required=False
    )
    experience_years = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True
    )
    hsk_level = serializers.IntegerField(required=False, min_value=0, max_value=6)
    former_chinese_national = serializers.BooleanField(required=False)
    chinese_taught_degree = serializers.BooleanField(required=False)
    bonuses = serializers.ListField(child=serializers.CharField(), required=False)
    achievements = serializers.ListField(child=serializers.CharField(), required=False)
    declared_facts = serializers.ListField(child=serializers.CharField(), required=False)
    teaches_language = serializers.CharField(required=False, allow_blank=True)
    native_language = serializers.CharField(required=False, allow_blank=True)
    teaching_years = serializers.DecimalField(max_digits=4, decimal_places=1, required=False)
    teaching_qualification = serializers.BooleanField(required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False, allow_blank=True)
    route_code = serializers.CharField(required=False, allow_blank=True)
    commitment_letters = serializers.BooleanField(required=False)
    c_group = serializers.CharField(required=False, allow_blank=True)


class VacancyStepSerializer(serializers.Serializer[Any]):
    """Step ``vacancy``: the labour-market test of a post that needs one (new and change
    of employer): every field at once; submission opens the next working day after
    ``advertised_until``."""

    vacancy_job_title = serializers.CharField(max_length=100)
    vacancy_occupation = serializers.CharField(
        max_length=10, help_text=_("The detailed occupation advertised, e.g. 2-02-10-03.")
    )
    requirements = serializers.CharField(max_length=5000)
    vacancy_salary_cny = serializers.DecimalField(max_digits=12, decimal_places=2)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Vacancy.Channel.choices))
    channel_details = serializers.CharField(max_length=500, required=False, allow_blank=True)
    advertised_from = serializers.DateField()
    advertised_until = serializers.DateField()
    applications_received = serializers.IntegerField(min_value=0)
    reasons_unsuitable = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        help_text=_("Required when domestic candidates applied."),
    )


STEP_SERIALIZERS: dict[str, type[serializers.Serializer[Any]]] = {
    "kind": KindStepSerializer,
    "worker": WorkerStepSerializer,
    "job": JobStepSerializer,
    "facts": FactsStepSerializer,
    "vacancy": VacancyStepSerializer,
}


class DocumentUploadSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=Document.Kind.choices)
    # Empty files reach the service, which refuses them with its own code (``empty``).
    file = serializers.FileField(
        allow_empty_file=True, help_text=_("PDF, JPEG or PNG, checked by its content.")
    )
    issued_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Certificates: the date of issue.")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


class ChecklistItemSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]
    at_submission = serializers.BooleanField(help_text=_("Needed to submit."))
    at_acceptance = serializers.BooleanField(help_text=_("Needed to be accepted."))
    at_decision = serializers.BooleanField(help_text=_("Needed before approval."))
    max_age_months = serializers.IntegerField(
        allow_null=True, help_text=_("Counts only when issued within so many months.")
    )
    note = serializers.CharField()
    documents = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("Ids of the documents of this kind.")
    )
    present = serializers.BooleanField()


def checklist_rows(items: list[ChecklistItem], documents: list[Document]) -> list[dict[str, Any]]:
    by_kind: dict[str, list[int]] = {}
    for document in documents:
        by_kind.setdefault(document.kind, []).append(document.pk)
    return [
        {
            "kind": item.kind,
            "label": str(item.label),
            "required": item.required,
            "at_submission": item.at_submission,
            "at_acceptance": item.at_acceptance,
            "at_decision": item.at_decision,
            "max_age_months": item.max_age_months,
            "note": str(item.note),
            "documents": by_kind.get(item.kind, []),
            "present": bool(by_kind.get(item.kind)),
        }
        for item in items
    ]


class ProblemsSerializer(serializers.Serializer[Any]):
    ready = serializers.BooleanField(
        help_text=_("Nothing stands in the way: submit (or resubmit) would pass its checks.")
    )
    problems = ProblemSerializer(many=True)


class ApplicationTransitionSerializer(serializers.Serializer[Any]):
    transition = serializers.ChoiceField(
        choices=EMPLOYER_TRANSITIONS,
        help_text=_(
            "submit a draft; resubmit after a return for correction (it sends the corrections); "
            "answer_information sends the answers to an information request; withdraw an open "
            "application (with a reason)."
        ),
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class InformationAnswerSerializer(serializers.Serializer[Any]):
    answer = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    file = serializers.FileField(
        required=False, allow_empty_file=True, help_text=_("PDF, JPEG or PNG.")
    )
    issued_on = serializers.DateField(required=False, allow_null=True)


# --- Partner agencies ---------------------------------------------------------------------------


class PartnerEmployerSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    uscc = serializers.CharField(help_text=_("Unified Social Credit Identifier."))


class PartnerPermitSerializer(serializers.Serializer[Any]):
    """What a partner agency needs of a permit, and nothing more: no address, no salary,
    nothing of the person beyond the number they hold."""

    permit_number = serializers.CharField()
    status = serializers.ChoiceField(choices=Permit.State.choices)
    status_label = serializers.CharField()
    valid = serializers.BooleanField(help_text=_("The permit is in force on the date."))
    category = serializers.CharField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    employer = PartnerEmployerSerializer()
    province = serializers.CharField(help_text=_("The issuing province (GB/T 2260)."))
    on = serializers.DateField(help_text=_("The date the status is given for."))


def partner_permit(permit: Permit, day: dt.date) -> dict[str, Any]:
    status = permit.status_on(day)
    employer: Organization = permit.employer
    return {
        "permit_number": permit.permit_number,
        "status": status,
        "status_label": str(Permit.State(status).label),
        "valid": status == Permit.State.ACTIVE,
        "category": permit.category,
        "valid_from": permit.valid_from,
        "valid_until": permit.valid_until,
        "ended_on": permit.ended_on,
        "employer": {"name": employer.name, "uscc": employer.uscc or ""},
        "province": permit.region.code,
        "on": day,
    }


class PartnerDateQuerySerializer(serializers.Serializer[Any]):
    on = serializers.DateField(
        required=False, help_text=_("The date of the status (YYYY-MM-DD); default today.")
    )


class PartnerPassportQuerySerializer(PartnerDateQuerySerializer):
    passport_number = serializers.CharField(max_length=20)
    nationality = serializers.RegexField(r"^[A-Za-z]{3}$", help_text=_("ISO 3166-1 alpha-3 (DEU)."))


class PartnerVerifyQuerySerializer(PartnerDateQuerySerializer):
    payload = serializers.CharField(
        required=False,
        max_length=2500,
        help_text=_("The QR code's payload (P1.…) or the address it opens."),
    )
    permit_number = serializers.CharField(
        required=False, max_length=32, help_text=_("A permit number, instead of a payload.")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        payload = "".join(str(attrs.get("payload") or "").split())
        number = "".join(str(attrs.get("permit_number") or "").split()).upper()
        if bool(payload) == bool(number):
            raise serializers.ValidationError(
                _("Give either a payload or a permit number."), code="one_of"
            )
        if "/verify/d/" in payload:
            payload = payload.split("/verify/d/", 1)[1].split("?", 1)[0].strip("/")
        attrs["payload"], attrs["permit_number"] = payload, number
        return attrs


class VerdictSerializer(serializers.Serializer[Any]):
    genuine = serializers.BooleanField(help_text=_("Whether the portal issued it."))
    code = serializers.CharField(
        allow_null=True,
        help_text=_(
            "Why it is not genuine: malformed, unknown_key, bad_signature, key_revoked, "
            "key_not_in_service, not_issued, not_found."
        ),
    )
    message = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    status = serializers.CharField(
        allow_null=True,
        help_text=_(
            "For a genuine document: current, expired, revoked, cancelled, used, ended, "
            "withdrawn or superseded."
        ),
    )
    status_label = serializers.CharField(allow_null=True)
    current = serializers.BooleanField(help_text=_("Genuine and current on the date."))
    facts = serializers.DictField(
        help_text=_("The signed facts (no passport number, no birth date).")
    )
    source = serializers.CharField(help_text=_("payload or number"))  # type: ignore[assignment]
