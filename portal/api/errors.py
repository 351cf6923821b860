"""JSON errors with a stable code.

Every error the API returns has the shape::

    {"code": "invalid", "message": "Check the fields.", "fields": {"age": ["..."]}}

``code`` is stable and meant for programs; ``message`` is for people, in the request's
language; ``fields`` appears for invalid input. Workflow refusals and service refusals
keep their own codes (``transition_not_allowed``, ``last_admin``...).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.filings import FilingError
from portal.services import ServiceError
from portal.workflow import WorkflowError


def _flatten(detail: Any) -> Any:
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, WorkflowError):
        body: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.details:
            body["details"] = exc.details
        return Response(body, status=exc.status)
    if isinstance(exc, ServiceError | FilingError):
        return Response({"code": exc.code, "message": exc.message}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail: Any = exc.detail
        body = {
            "code": "invalid",
            "message": _("The request has invalid fields. Correct them and send it again."),
            "fields": _flatten(
                detail if isinstance(detail, dict) else {"non_field_errors": detail}
            ),
        }
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        detail = exc.detail
        message = str(detail) if isinstance(detail, str) else str(exc.default_detail)
        body = {"code": code, "message": str(message)}
        wait = getattr(exc, "wait", None)
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            body["retry_after_seconds"] = int(wait)
    else:  # pragma: no cover - DRF only returns responses for APIException
        body = {"code": "error", "message": str(exc)}
    response.data = body
    return response


def _json_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status_code)


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(status.HTTP_404_NOT_FOUND, "not_found", _("Not found."))


def api_server_error(request: HttpRequest) -> JsonResponse:
    return _json_error(
        status.HTTP_500_INTERNAL_SERVER_ERROR,
        "server_error",
        _("The server could not answer. The error was logged; try again later."),
    )
