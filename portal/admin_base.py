"""Base classes of the admin that the apps share: every write audited, or none allowed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from portal.audit import audit_record


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made in the admin goes into the audit log.

    Django's own admin history hooks are the one place every admin write passes through
    (including password changes and bulk deletions); each also writes an audit event, in
    the admin's transaction.
    """

    def _audit(self, request: HttpRequest, action: str, obj: Any, message: Any = "") -> None:
        audit_record(
            actor=request.user,  # type: ignore[arg-type]
            action=action,
            target=obj,
            data={"change": message} if message else {},
            request=request,
        )

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(request, "admin.add", obj, message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(request, "admin.change", obj, message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        for obj in queryset:
            self._audit(request, "admin.delete", obj)
        return super().log_deletions(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
