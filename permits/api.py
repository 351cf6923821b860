"""The permits API, under /api/v1/: employer integrations and partner agencies.

Employer integrations (an HR system with the token of an employer's admin or staff, or of
a service agency's agent acting under a power of attorney in force) do what the pages do:
list the employer's applications, start a draft, save it step by step, upload and remove
documents, read the checklist and what stands in the way of submission, submit, resubmit,
withdraw, read the status and the deadlines, answer an information request item by item
and send the answers. Every write goes through ``permits.services.applications``: the
same validation, the same workflow, the same audit events as the pages. An application of
an employer the caller may not act for answers 404, the same as one that does not exist.

Partner agencies (public security, foreign affairs: the partner reader role, read-only)
look a permit up by its number, or by passport number and nationality, and read its
status on a date, its validity, category and employer; nothing about the person beyond the
number they hold, no address, no salary. Every lookup, found or not, is an audit event
of the partner.

Errors are the project's JSON (``portal.api.errors``): ``invalid`` with ``fields`` for bad
input (the services' own messages), ``permission_denied``, ``not_found``, the workflow's
``transition_not_allowed`` (409) and ``guard_failed`` (422, with ``details.problems``),
the services' codes (``not_editable``, ``not_open``...), and a refused upload's own code
(``empty``, ``too_large``, ``unknown_type``, ``damaged``, ``active_content``).
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from permits import checks
from permits.access import employer_ids_for
from permits.documents import checklist as document_checklist
from permits.models import EDITABLE_STATES, Application, NotificationLetter, Permit
from permits.selectors import applications as selectors
from permits.selectors import permits as permit_selectors
from permits.serializers import (
    STEP_SERIALIZERS,
    STEPS,
    UPLOAD_CODES,
    ApplicationDetailSerializer,
    ApplicationSerializer,
    ApplicationTransitionSerializer,
    ChecklistItemSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    DraftCreateSerializer,
    InformationAnswerSerializer,
    InformationItemSerializer,
    InformationRequestSerializer,
    PartnerDateQuerySerializer,
    PartnerPassportQuerySerializer,
    PartnerPermitSerializer,
    PartnerVerifyQuerySerializer,
    PermitsErrorSerializer,
    ProblemsSerializer,
    VerdictSerializer,
    checklist_rows,
    open_request,
    partner_permit,
)
from permits.services import applications as services
from portal import documents
from portal.access import region_ids_for, role_names
from portal.api.pagination import DefaultCursorPagination
from portal.audit import audit_record
from portal.models import Organization, User
from portal.roles import Role

EMPLOYER_ROLES = frozenset({Role.EMPLOYER_ADMIN, Role.EMPLOYER_STAFF, Role.AGENCY_AGENT})
PARTNER_PERMISSION = "read_partner_data"
RESERVED_STEP_NAMES = frozenset({"actor", "application", "step", "request"})


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(PermitsErrorSerializer) for code in codes}


def _user(request: Request) -> User:
    return cast(User, request.user)


def _today() -> Any:
    return timezone.localdate()


# --- Who may call -----------------------------------------------------------------------------


class ActsForEmployers(permissions.BasePermission):
    """The people of an employer (admin, staff) and the agents of a service agency."""

    message = gettext_lazy(
        "These endpoints are for employers and for service agencies acting for them."
    )

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(role_names(request.user) & EMPLOYER_ROLES)


class ReadsPartnerData(permissions.BasePermission):
    """Partner agencies' readers, and only to read."""

    message = gettext_lazy("These endpoints are for the readers of partner agencies.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method not in permissions.SAFE_METHODS:
            return False
        return bool(region_ids_for(request.user, PARTNER_PERMISSION))


class NoOpenRequest(APIException):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "no_open_request"
    default_detail = gettext_lazy("The application has no open information request.")


class PermitNotFound(APIException):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "permit_not_found"
    default_detail = gettext_lazy("No permit matches.")


class NotEditable(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_editable"
    default_detail = gettext_lazy(
        "Only drafts and applications returned for correction are checked before submission."
    )


def _upload_refusal(error: DjangoValidationError) -> Response | None:
    """A file refused by its content: the upload's own code instead of ``invalid``."""
    if not hasattr(error, "error_dict"):
        return None
    for refusal in error.error_dict.get("file", []):
        if refusal.code in UPLOAD_CODES:
            message = refusal.messages[0]
            return Response(
                {"code": refusal.code, "message": message, "fields": {"file": [message]}},
                status=status.HTTP_400_BAD_REQUEST,
            )
    return None


# --- Applications ------------------------------------------------------------------------------


class ApplicationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        choices=Application.State.choices, label=gettext_lazy("State.")
    )
    kind = django_filters.ChoiceFilter(
        choices=Application.Kind.choices, label=gettext_lazy("Kind.")
    )
    employer = django_filters.NumberFilter(
        field_name="employer_id", label=gettext_lazy("Id of one of the employers acted for.")
    )
    number = django_filters.CharFilter(
        field_name="number", label=gettext_lazy("The application's number (WP-2026-0000042).")
    )

    class Meta:
        model = Application
        fields = ["state", "kind", "employer", "number"]


class ApplicationPagination(DefaultCursorPagination):
    # The employer's index (employer, -updated_at, id): the last changed first.
    ordering = ("-updated_at", "-id")  # type: ignore[assignment]


ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=gettext_lazy("Application id.")
)
STEP_PARAMETER = OpenApiParameter(
    "step",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=[*STEPS, "vacancy"],
    description=gettext_lazy(
        "The step of the form: kind, worker, job, facts, or vacancy (the labour-market test "
        "of a post that needs one)."
    ),
)
DOCUMENT_PARAMETER = OpenApiParameter(
    "document_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=gettext_lazy("Document id.")
)
POSITION_PARAMETER = OpenApiParameter(
    "position",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description=gettext_lazy("The item's position in the request (1, 2...)."),
)
STEP_REQUEST = PolymorphicProxySerializer(
    component_name="ApplicationStep",
    serializers=[cast(Any, s) for s in STEP_SERIALIZERS.values()],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(
        operation_id="applications_list",
        summary=gettext_lazy("The applications of the employers the caller acts for"),
        description=gettext_lazy(
            "Newest change first, cursor-paginated (no count). Employers' people see their "
            "employer's; an agency's agents those of the employers whose power of attorney "
            "is in force today."
        ),
        responses={200: ApplicationSerializer(many=True), **_errors(400, 401, 403)},
    ),
    retrieve=extend_schema(
        operation_id="applications_retrieve",
        summary=gettext_lazy("One application: its data, documents, status and deadlines"),
        parameters=[ID_PARAMETER],
        responses={200: ApplicationDetailSerializer, **_errors(401, 403, 404)},
    ),
    destroy=extend_schema(
        operation_id="applications_destroy",
        summary=gettext_lazy("Discard a draft"),
        description=gettext_lazy(
            "Deletes a draft that was never submitted, with its documents. An application "
            "once submitted is withdrawn instead (a transition), so that its history stays."
        ),
        parameters=[ID_PARAMETER],
        responses={204: None, **_errors(401, 403, 404, 409)},
    ),
    create=extend_schema(
        operation_id="applications_create",
        summary=gettext_lazy("Start a draft"),
        description=gettext_lazy(
            "A new draft of a kind for an employer the caller acts for: new and short-term "
            "work start empty (or as a copy of an earlier application, `copy_of`); "
            "extension, change and cancellation name the employer's permit, a change of "
            "employer the worker's permit at the previous employer, and the work permit "
            "after entry names the notification letter."
        ),
        request=DraftCreateSerializer,
        responses={201: ApplicationDetailSerializer, **_errors(400, 401, 403, 404)},
        examples=[
            OpenApiExample(
                "A notification letter",
                value={"kind": "new", "employer": 42},
                request_only=True,
            )
        ],
    ),
)
class ApplicationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Application],
):
    """An employer's applications, from the draft to the decision."""

    permission_classes = [permissions.IsAuthenticated, ActsForEmployers]
    filterset_class = ApplicationFilter
    pagination_class = ApplicationPagination
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Application]:
        return selectors.employer_applications(self.request.user)

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return ApplicationSerializer
        return ApplicationDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": _today()}

    def get_object(self) -> Application:
        """The application with everything its detail shows; 404 when it is not one of
        an employer the caller acts for (officers and partners read elsewhere)."""
        try:
            pk = int(self.kwargs["pk"])
        except (KeyError, ValueError):
            raise NotFound() from None
        application = selectors.application_page(pk)
        if application is None or application.employer_id not in employer_ids_for(
            self.request.user
        ):
            raise NotFound()
        return application

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        services.draft_discard(
            actor=_user(request), application=application, request=request._request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _detail(self, application: Application, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.application_page(application.pk)
        serializer = ApplicationDetailSerializer(fresh, context=self.get_serializer_context())
        return Response(serializer.data, status=code)

    # --- Drafts ---------------------------------------------------------------------------

    def create(self, request: Request) -> Response:
        query = DraftCreateSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        actor = _user(request)
        if data.get("copy_of") is not None:
            source = selectors.application_page(data["copy_of"])
            if source is None or source.employer_id not in employer_ids_for(actor):
                raise ValidationError({"copy_of": [_("No such application of yours.")]})
            draft = services.draft_copy(actor=actor, application=source, request=request._request)
            return self._detail(draft, status.HTTP_201_CREATED)
        employer = self._employer(actor, data.get("employer"))
        permit: Permit | None = None
        if data.get("permit_number"):
            permit = permit_selectors.permit_by_number(data["permit_number"], _today())
            if permit is None:
                raise ValidationError({"permit_number": [_("No permit has this number.")]})
        letter: NotificationLetter | None = None
        if data.get("letter_number"):
            letter = (
                NotificationLetter.objects.filter(number=data["letter_number"].strip().upper())
                .select_related("application")
                .first()
            )
            if letter is None:
                raise ValidationError(
                    {"letter_number": [_("No notification letter has this number.")]}
                )
        draft = services.draft_create(
            actor=actor,
            employer=employer,
            kind=data["kind"],
            permit=permit,
            letter=letter,
            request=request._request,
        )
        return self._detail(draft, status.HTTP_201_CREATED)

    def _employer(self, actor: User, pk: int | None) -> Organization:
        allowed = employer_ids_for(actor)
        if pk is None:
            if len(allowed) != 1:
                raise ValidationError(
                    {"employer": [_("Name the employer: you act for more than one, or none.")]}
                )
            pk = next(iter(allowed))
        employer = Organization.objects.filter(pk=pk).first()
        if employer is None:
            raise ValidationError({"employer": [_("No such employer.")]})
        return employer  # the service refuses an employer the caller may not act for

    @extend_schema(
        operation_id="applications_step_update",
        summary=gettext_lazy("Save one step of the form"),
        description=gettext_lazy(
            "The fields of one step (kind, worker, job, facts), checked as the pages check "
            "them: a draft or an application returned for correction; a field of another "
            "step, or a bad value, answers `invalid` with the messages of each field and "
            "nothing is saved. The worker is found by passport if known, else recorded."
        ),
        parameters=[ID_PARAMETER, STEP_PARAMETER],
        request=STEP_REQUEST,
        responses={200: ApplicationDetailSerializer, **_errors(400, 401, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "The job",
                value={
                    "occupation": "2-02-10-03",
                    "job_title": "Software engineer",
                    "work_region": "310000",
                    "annual_salary_cny": "360000",
                    "contract_start": "2026-07-01",
                    "contract_end": "2028-06-30",
                    "months_in_china_per_year": "12",
                },
                request_only=True,
            )
        ],
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"steps/(?P<step>kind|worker|job|facts|vacancy)",
        url_name="step",
        parser_classes=[JSONParser],
        filterset_class=None,
        pagination_class=None,
    )
    def step(self, request: Request, pk: str | None = None, step: str = "") -> Response:
        application = self.get_object()
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("Send the step's fields as an object.")]})
        # The service's own arguments are no field of any step (and would clash with them).
        clashing = sorted(set(request.data) & RESERVED_STEP_NAMES)
        if clashing:
            message = _("Not a field of the step “%(step)s”.") % {"step": step}
            raise ValidationError({name: [message] for name in clashing})
        updated = services.draft_update(
            actor=_user(request),
            application=application,
            step=step,
            request=request._request,
            **dict(request.data),
        )
        return self._detail(updated)

    # --- Documents ------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        operation_id="applications_documents_list",
        summary=gettext_lazy("The application's documents"),
        parameters=[ID_PARAMETER],
        responses={200: DocumentSerializer(many=True), **_errors(401, 403, 404)},
    )
    @extend_schema(
        methods=["POST"],
        operation_id="applications_documents_create",
        summary=gettext_lazy("Upload a document"),
        description=gettext_lazy(
            "A document of a kind on the checklist (or asked for by an open information "
            "item), as multipart form data. The file is checked by its content (PDF, JPEG, "
            "PNG; no script in a PDF) and size; a refused file answers with its own code "
            "(`empty`, `too_large`, `unknown_type`, `damaged`, `active_content`) and nothing "
            "is stored."
        ),
        parameters=[ID_PARAMETER],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="documents",
        url_name="documents",
        parser_classes=[MultiPartParser, FormParser],
        filterset_class=None,
        pagination_class=None,
    )
    def documents(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        if request.method == "GET":
            rows = list(application.documents.all())
            return Response(DocumentSerializer(rows, many=True).data)
        upload = DocumentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            document = services.document_add(
                actor=_user(request),
                application=application,
                kind=data["kind"],
                upload=data["file"],
                issued_on=data.get("issued_on"),
                note=data.get("note", ""),
                request=request._request,
            )
        except DjangoValidationError as error:
            refusal = _upload_refusal(error)
            if refusal is None:
                raise
            return refusal
        # The service hands back the row with its stored file: nothing more to read.
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="applications_documents_destroy",
        summary=gettext_lazy("Remove a document"),
        description=gettext_lazy("From a draft or an application returned for correction."),
        parameters=[ID_PARAMETER, DOCUMENT_PARAMETER],
        request=None,
        responses={204: None, **_errors(401, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"documents/(?P<document_id>\d+)",
        url_name="document",
        filterset_class=None,
        pagination_class=None,
    )
    def document(self, request: Request, pk: str | None = None, document_id: str = "") -> Response:
        application = self.get_object()
        found = next((d for d in application.documents.all() if str(d.pk) == document_id), None)
        if found is None:
            raise NotFound()
        services.document_remove(actor=_user(request), document=found, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="applications_checklist",
        summary=gettext_lazy("The documents the application needs"),
        description=gettext_lazy(
            "Derived from the kind, the category and the route: which documents are needed "
            "to submit, to be accepted and before the decision, how recent certificates "
            "must be, and which are present."
        ),
        parameters=[ID_PARAMETER],
        responses={200: ChecklistItemSerializer(many=True), **_errors(401, 403, 404)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="checklist",
        url_name="checklist",
        filterset_class=None,
        pagination_class=None,
    )
    def checklist(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        today = _today()
        category = application.category
        if not category and application.state in EDITABLE_STATES:
            # Before submission records it: the category as the draft is assessed now.
            category = checks.recognize(application, today).category
        items = document_checklist(application, today, category=category)
        return Response(checklist_rows(items, list(application.documents.all())))

    @extend_schema(
        operation_id="applications_problems",
        summary=gettext_lazy("What stands in the way of submission"),
        description=gettext_lazy(
            "The checks submission runs (the officers' rules): the passport's validity, "
            "age, documents present and recent enough, the catalog entry, the quota, the "
            "employer's standing... each with a stable code, a message saying what to fix, "
            "and the field and step it concerns. `ready` when there is nothing to fix."
        ),
        parameters=[ID_PARAMETER],
        responses={200: ProblemsSerializer, **_errors(401, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="problems",
        url_name="problems",
        filterset_class=None,
        pagination_class=None,
    )
    def problems(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        if application.state not in EDITABLE_STATES:
            raise NotEditable()
        found = checks.submission_problems(application, _today())
        return Response({"ready": not found, "problems": [p.as_dict() for p in found]})

    # --- The workflow ---------------------------------------------------------------------

    @extend_schema(
        operation_id="applications_transition",
        summary=gettext_lazy("Submit, resubmit, send the answers or withdraw"),
        description=gettext_lazy(
            "A step of the workflow the employer takes. A refusal changes nothing: "
            "`transition_not_allowed` (409) in the wrong state, `guard_failed` (422) with "
            "`details.problems` when the checks before submission find something to fix "
            "(or `details.open_items` when answers are missing), `permission_denied` (403)."
        ),
        parameters=[ID_PARAMETER],
        request=ApplicationTransitionSerializer,
        responses={200: ApplicationDetailSerializer, **_errors(400, 401, 403, 404, 409, 422)},
        examples=[
            OpenApiExample("Submit", value={"transition": "submit"}, request_only=True),
            OpenApiExample(
                "Withdraw",
                value={"transition": "withdraw", "reason": "The candidate declined."},
                request_only=True,
            ),
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="transitions",
        url_name="transitions",
        parser_classes=[JSONParser],
        filterset_class=None,
        pagination_class=None,
    )
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        serializer = ApplicationTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = services.application_transition(
            actor=_user(request),
            application=application,
            name=serializer.validated_data["transition"],
            reason=serializer.validated_data.get("reason", ""),
            request=request._request,
        )
        return self._detail(updated)

    # --- Information requests -------------------------------------------------------------

    @extend_schema(
        operation_id="applications_information_request",
        summary=gettext_lazy("The open information request"),
        description=gettext_lazy(
            "The checklist an officer sent back (corrections before acceptance, or more "
            "information for the decision), item by item with the answers given so far. "
            "`no_open_request` (404) when there is none."
        ),
        parameters=[ID_PARAMETER],
        responses={200: InformationRequestSerializer, **_errors(401, 403, 404)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="information-request",
        url_name="information-request",
        filterset_class=None,
        pagination_class=None,
    )
    def information_request(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        found = open_request(application)
        if found is None:
            raise NoOpenRequest()
        return Response(InformationRequestSerializer(found).data)

    @extend_schema(
        operation_id="applications_information_answer",
        summary=gettext_lazy("Answer one item of the open request"),
        description=gettext_lazy(
            "A text, a document, or both (multipart when a file is sent). The answers are "
            "sent together afterwards: `answer_information` (more information) or `resubmit` "
            "(corrections) in the transitions."
        ),
        parameters=[ID_PARAMETER, POSITION_PARAMETER],
        request={
            "multipart/form-data": InformationAnswerSerializer,
            "application/json": InformationAnswerSerializer,
        },
        responses={200: InformationItemSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"information-request/items/(?P<position>\d+)",
        url_name="information-item",
        parser_classes=[MultiPartParser, FormParser, JSONParser],
        filterset_class=None,
        pagination_class=None,
    )
    def information_item(
        self, request: Request, pk: str | None = None, position: str = ""
    ) -> Response:
        application = self.get_object()
        found = open_request(application)
        if found is None:
            raise NoOpenRequest()
        item = next((i for i in found.items.all() if str(i.position) == position), None)
        if item is None:
            raise NotFound()
        serializer = InformationAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            answered = services.information_answer(
                actor=_user(request),
                item=item,
                text=data.get("answer", ""),
                upload=data.get("file"),
                issued_on=data.get("issued_on"),
                request=request._request,
            )
        except DjangoValidationError as error:
            refusal = _upload_refusal(error)
            if refusal is None:
                raise
            return refusal
        return Response(InformationItemSerializer(answered).data)


# --- Partner agencies ---------------------------------------------------------------------------


def _lookup(
    request: Request, permit: Permit | None, day: Any, by: str, query: dict[str, str]
) -> Response:
    """Record the lookup as the partner's act, found or not, and answer."""
    audit_record(
        actor=_user(request),
        action="permits.partner.permit_lookup",
        target=permit,
        data={"by": by, **query, "on": day, "found": permit is not None},
        request=request._request,
    )
    if permit is None:
        raise PermitNotFound()
    return Response(partner_permit(permit, day))


PARTNER_DESCRIPTION = gettext_lazy(
    "For the readers of partner agencies (public security, foreign affairs), read-only: the "
    "permit's status on the date (expiry read from the dates at once), its validity, "
    "category, issuing province and employer. The permit that speaks for the date is the "
    "person's latest one started by then. Every lookup is recorded in the audit log as the "
    "reader's. `permit_not_found` (404) when nothing matches."
)


class PartnerPermitView(APIView):
    """A permit by its number."""

    permission_classes = [permissions.IsAuthenticated, ReadsPartnerData]

    @extend_schema(
        operation_id="partner_permit_by_number",
        summary=gettext_lazy("A permit's status by permit number"),
        description=PARTNER_DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "permit_number",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description=gettext_lazy("The lifelong permit number (18 digits)."),
            ),
            PartnerDateQuerySerializer,
        ],
        responses={200: PartnerPermitSerializer, **_errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, permit_number: str) -> Response:
        query = PartnerDateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("on") or _today()
        number = permit_number.strip().upper()
        permit = permit_selectors.permit_by_number(number, day)
        return _lookup(request, permit, day, "permit_number", {"permit_number": number})


class PartnerPermitByPassportView(APIView):
    """A person's permit by passport number and nationality."""

    permission_classes = [permissions.IsAuthenticated, ReadsPartnerData]

    @extend_schema(
        operation_id="partner_permit_by_passport",
        summary=gettext_lazy("A permit's status by passport number and nationality"),
        description=PARTNER_DESCRIPTION,
        parameters=[PartnerPassportQuerySerializer],
        responses={200: PartnerPermitSerializer, **_errors(400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        query = PartnerPassportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        day = data.get("on") or _today()
        number = data["passport_number"].strip().upper()
        nationality = data["nationality"].upper()
        permit = permit_selectors.permit_by_passport(number, nationality, day)
        return _lookup(
            request,
            permit,
            day,
            "passport",
            {"passport_number": number, "nationality": nationality},
        )


class PartnerVerifyView(APIView):
    """The verdict on a document's QR payload, or on a permit number."""

    permission_classes = [permissions.IsAuthenticated, ReadsPartnerData]

    @extend_schema(
        operation_id="partner_verify",
        summary=gettext_lazy("Verify a document's payload or a permit number"),
        description=gettext_lazy(
            "The same verdict as the public verify page: whether the portal signed the "
            "payload (Ed25519, keys at /.well-known/portal-signing-keys.json) and the "
            "document's status on the date, or a permit's status by its number. Every "
            "check is recorded in the audit log as the reader's."
        ),
        parameters=[PartnerVerifyQuerySerializer],
        responses={200: VerdictSerializer, **_errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = PartnerVerifyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        day = data.get("on") or _today()
        if data["payload"]:
            verdict = documents.verdict_for_token(data["payload"], day)
        else:
            verdict = documents.verdict_for_number(data["permit_number"], None, day)
        audit_record(
            actor=_user(request),
            action="permits.partner.verify",
            target=verdict.document,
            data={
                "by": "payload" if data["payload"] else "permit_number",
                "permit_number": data["permit_number"],
                "on": day,
                "genuine": verdict.genuine,
                "status": verdict.status,
                "code": verdict.code,
            },
            request=request._request,
        )
        return Response(verdict.as_json())
