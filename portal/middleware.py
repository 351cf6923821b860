"""Second-factor enforcement for sessions.

The sign-in view only completes a sign-in for officials after their code is checked and
marks the session. This middleware catches the remaining case: a session that was signed
in before the person was given an official role (or before the requirement was switched
on). Such a session is ended and the person signs in again, with the second factor.
API requests authenticated by token are not sessions and are not affected.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from portal.access import requires_second_factor

VERIFIED_KEY = "portal_2fa_verified"


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.session.get(VERIFIED_KEY)
            and requires_second_factor(user)
        ):
            logout(request)
            message = _("Your role requires a second factor. Sign in again.")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "second_factor_required", "message": message}, status=401
                )
            messages.warning(request, message)
            return redirect("portal:login")
        return self.get_response(request)
