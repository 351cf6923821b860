"""Forms of the kernel's pages. They validate input; services do the work."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from portal import ratelimit
from portal.audit import client_ip
from portal.models import Organization, Region, User
from portal.roles import ROLE_SPECS, Role, Scope


class ThrottledAuthenticationForm(AuthenticationForm):
    """Sign-in that refuses further attempts after repeated failures.

    Two counters, both within ``PORTAL_LOGIN_FAILURE_WINDOW`` seconds: failures for this
    account from this address (limit ``PORTAL_LOGIN_FAILURE_LIMIT``), and failures for this
    account from anywhere (four times that), so that guessing from many addresses is
    slowed too while one noisy address cannot lock a person out alone.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed sign-ins for this account. Wait %(minutes)d minutes and try "
            "again, or reset your password."
        ),
    }

    def _keys(self) -> tuple[str, str]:
        username = (self.data.get("username") or "").strip().lower()
        ip = client_ip(self.request) or "-"
        return (f"portal:login-fail:{username}:{ip}", f"portal:login-fail:{username}")

    def _over_limit(self) -> bool:
        limit = settings.PORTAL_LOGIN_FAILURE_LIMIT
        here, anywhere = self._keys()
        return (cache.get(here) or 0) >= limit or (cache.get(anywhere) or 0) >= 4 * limit

    def _count_failure(self) -> None:
        window = settings.PORTAL_LOGIN_FAILURE_WINDOW
        for key in self._keys():
            ratelimit.count(key, window)

    def clean(self) -> dict[str, Any]:
        if self._over_limit():
            # Refused before authenticate(): announce the failure the way Django does, so
            # that the attempt is audited like any other failed sign-in.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": (self.data.get("username") or "")[:150]},
                request=self.request,
                throttled=True,
            )
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, settings.PORTAL_LOGIN_FAILURE_WINDOW // 60)},
            )
        try:
            return super().clean()
        except forms.ValidationError:
            self._count_failure()
            raise

    def clear_failures(self) -> None:
        cache.delete_many(list(self._keys()))


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=7,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]{6,7}",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Enter the six digits shown in the app."))
        return code


class LanguageForm(forms.Form):
    preferred_language = forms.ChoiceField(
        label=_("Language of pages and e-mails"), choices=settings.LANGUAGES
    )


class MemberInviteForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The invitation with a link to choose a password is sent here."),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Role.EMPLOYER_STAFF.value, Role.EMPLOYER_STAFF.label),
            (Role.EMPLOYER_ADMIN.value, Role.EMPLOYER_ADMIN.label),
        ],
        initial=Role.EMPLOYER_STAFF.value,
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this e-mail address exists."))
        if User.objects.filter(username__iexact=email).exists():
            raise forms.ValidationError(_("A user with this e-mail address exists."))
        return email


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Role.EMPLOYER_STAFF.value, Role.EMPLOYER_STAFF.label),
            (Role.EMPLOYER_ADMIN.value, Role.EMPLOYER_ADMIN.label),
        ],
    )


class UserSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("Any role")), *Role.choices],
    )


class RoleGrantForm(forms.Form):
    """A site admin gives a role; the scope field that applies depends on the role."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    region = forms.ModelChoiceField(
        label=_("Region (for regional roles)"),
        queryset=Region.objects.all(),
        required=False,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role = cleaned.get("role")
        if not role:
            return cleaned
        spec = ROLE_SPECS[role]
        if spec.scope == Scope.REGION and cleaned.get("region") is None:
            self.add_error("region", _("Choose the region in which the role applies."))
        if spec.scope != Scope.REGION:
            cleaned["region"] = None
        cleaned["organization"] = (
            self.user.organization if spec.scope == Scope.ORGANIZATION else None
        )
        return cleaned


class OrganizationSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or identifier"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Any kind")), *Organization.Kind.choices],
    )


class StaffUserCreateForm(forms.Form):
    """A site admin opens an account for an official or an organization's first user."""

    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The invitation with a link to choose a password is sent here."),
    )
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.filter(is_active=True).select_related("region"),
    )


class InvitationAwarePasswordResetForm(PasswordResetForm):
    """Password reset that also reaches invited people who have not chosen a password yet.

    Django skips accounts without a usable password; here such an account is one whose
    invitation link expired, and the reset link is how it gets a new one.
    """

    def get_users(self, email: str) -> Any:
        from django.contrib.auth import get_user_model

        model = get_user_model()
        return (
            user
            for user in model._default_manager.filter(email__iexact=email, is_active=True)
            if user.email.casefold() == email.casefold()
        )


# --- Verifying issued documents --------------------------------------------------------------


class VerifyPayloadForm(forms.Form):
    """The QR code's text, or the address it opens."""

    payload = forms.CharField(
        label=_("Payload or address from the QR code"),
        max_length=2500,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("Paste what a QR scanner shows: the address or the text starting with P1."),
    )

    def clean_payload(self) -> str:
        text = "".join(self.cleaned_data["payload"].split())
        # An address: the payload is its last path segment.
        if "/verify/d/" in text:
            text = text.split("/verify/d/", 1)[1].split("?", 1)[0].split("#", 1)[0].strip("/")
        if not text.startswith("P1."):
            raise forms.ValidationError(
                _(
                    "This is not a payload of the portal: it starts with P1. and is "
                    "several hundred characters long."
                ),
                code="malformed",
            )
        return text


class VerifyNumberForm(forms.Form):
    """A permit by its number and the holder's name (the number alone shows nothing)."""

    number = forms.CharField(
        label=_("Permit number"),
        max_length=32,
        help_text=_("The 18-digit number on the work permit."),
    )
    name = forms.CharField(
        label=_("Holder's name"),
        max_length=200,
        help_text=_("As on the permit: the name in the passport, or the Chinese name."),
    )

    def clean_number(self) -> str:
        number = "".join(self.cleaned_data["number"].split()).upper()
        if not number.isalnum():
            raise forms.ValidationError(
                _("A permit number has only digits and letters."), code="invalid"
            )
        return number


class VerifyFileForm(forms.Form):
    """A PDF someone received, checked byte for byte against what the portal issued."""

    file = forms.FileField(
        label=_("PDF file"),
        help_text=_("The file as received by e-mail or downloaded from the portal."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        limit = int(settings.PORTAL_UPLOAD_MAX_BYTES)
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than any document the portal issues (%(mb)s MB at most).")
                % {"mb": limit // (1024 * 1024)},
                code="too_large",
            )
        data: bytes = upload.read()
        if not data.startswith(b"%PDF-"):
            raise forms.ValidationError(
                _("This is not a PDF file: choose the PDF of the document."), code="not_pdf"
            )
        return data


class DocumentReissueForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it re-issued?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Printed on the new version and kept in the record (for example, the corrected name)."
        ),
    )
