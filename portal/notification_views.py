"""Pages of notifications: the inbox, opening one, marking read or unread, and the choice
of which kinds come by e-mail. Signed-in people only, and only their own notifications:
someone else's reads as missing (404)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from portal import notifications
from portal.models import Notification, User
from portal.pagination import page_of


class PreferencesForm(forms.Form):
    """The kinds wanted by e-mail (the kinds the law requires are not offered)."""

    email = forms.MultipleChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].choices = [  # type: ignore[attr-defined]
            (spec.key, spec.label) for spec in notifications.kinds()
        ]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _own(request: HttpRequest, pk: int) -> Notification:
    notification = notifications.notification_get(_user(request), pk)
    if notification is None:
        raise Http404
    return notification


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the inbox page the form was sent from (a local address only)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "HEAD"])
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = page_of(
        notifications.notifications_for(_user(request), unread_only=unread_only),
        request.GET.get("page"),
        notifications.PAGE_SIZE,
    )
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "rows": notifications.rows_of(page.object_list),
            "unread_only": unread_only,
            "here": request.get_full_path(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark it read and go to the page it is about, in the reader's language."""
    notification = _own(request, pk)
    notifications.notification_mark_read(user=_user(request), notification=notification)
    return redirect(notifications.page_url(notification) or reverse("notifications:inbox"))


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _own(request, pk)
    notifications.notification_mark_read(user=_user(request), notification=notification)
    return _back(request)


@login_required
@require_POST
def mark_unread(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _own(request, pk)
    notifications.notification_mark_unread(user=_user(request), notification=notification)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notifications.notification_mark_all_read(user=_user(request))
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked read.",
                "%(count)d notifications marked read.",
                count,
            )
            % {"count": count},
        )
    return _back(request)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    offered = notifications.kinds_for(user)
    form = PreferencesForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            notifications.notification_preferences_set(
                user=user,
                email_kinds=form.cleaned_data["email"],
                actor=user,
                offered=[spec.key for spec in offered],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("notifications:settings")
    wanted = notifications.email_preferences(user)
    if form.is_bound:  # refused: show what was sent
        chosen = set(request.POST.getlist("email"))
        wanted = {s.key: s.required or s.key in chosen for s in offered}
    return render(
        request,
        "notifications/settings.html",
        {
            "form": form,
            "rows": [{"kind": spec, "email": wanted.get(spec.key, True)} for spec in offered],
        },
        status=400 if form.is_bound else 200,
    )
