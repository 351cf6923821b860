"""Audit of sign-ins, sign-outs and failed sign-ins.

These receivers only record what happened; they make no decision. Django sends the
signals from every authentication path (the portal's pages, the admin, the browsable API).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal.audit import audit_record


@receiver(user_logged_in, dispatch_uid="portal.audit.login")
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.login", target=user, request=request)


@receiver(user_logged_out, dispatch_uid="portal.audit.logout")
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action="auth.logout", target=user, request=request)


@receiver(user_login_failed, dispatch_uid="portal.audit.login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Django has already masked sensitive values in ``credentials``; keep the user name.
    username = str(credentials.get("username", ""))[:150]
    data: dict[str, Any] = {"username": username}
    if kwargs.get("throttled"):
        data["throttled"] = True
    audit_record(
        actor=None,
        actor_repr=username,
        action="auth.login_failed",
        data=data,
        request=request,
    )
