"""Forms of registration, its review, and powers of attorney. They check the shape of
input (the identifier's format, the password against Django's validators, dates); the
services in ``permits.services.registration`` decide everything else."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from permits.models import Registration
from permits.services.registration import (
    POWER_OF_ATTORNEY_MAX_YEARS,
    Account,
    RegistrationData,
)
from portal.identifiers import parse_uscc
from portal.models import Region, User

ACCEPT_UPLOADS = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
REASON_MAX_LENGTH = 4000


class RegionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class RegistrationDataForm(forms.Form):
    """The organization and its handler (the fields of a registration and a correction)."""

    kind = forms.ChoiceField(
        label=_("Kind of organization"),
        choices=Registration.Kind.choices,
    )
    uscc = forms.CharField(
        label=_("Unified Social Credit Identifier"),
        max_length=24,
        help_text=_("18 characters, as printed on the business licence."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    region = RegionChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("code"),
        help_text=_("Where the organization is registered: its acceptance officers review it."),
    )
    address = forms.CharField(label=_("Address"), max_length=255)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=100)
    handler_name = forms.CharField(label=_("Handler's name"), max_length=100)
    handler_phone = forms.CharField(
        label=_("Handler's telephone"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    handler_email = forms.EmailField(
        label=_("Handler's e-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    business_licence = forms.FileField(
        label=_("Business licence"),
        help_text=_("PDF, JPEG or PNG, a clear scan of the whole licence."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_UPLOADS}),
    )
    power_of_attorney = forms.FileField(
        label=_("Handler's power of attorney"),
        help_text=_(
            "PDF, JPEG or PNG: the letter, signed and sealed by the organization, that "
            "authorises the handler to register it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_UPLOADS}),
    )

    def clean_uscc(self) -> str:
        # The shape only: a wrong check character is accepted and flagged (ADR 0004).
        return parse_uscc(self.cleaned_data["uscc"]).value

    def registration_data(self) -> RegistrationData:
        c = self.cleaned_data
        return RegistrationData(
            kind=c["kind"],
            uscc=c["uscc"],
            name_zh=c["name_zh"],
            name_en=c.get("name_en", ""),
            region=c["region"],
            address=c["address"],
            legal_representative=c["legal_representative"],
            handler_name=c["handler_name"],
            handler_phone=c["handler_phone"],
            handler_email=c["handler_email"],
        )


def _password_help() -> str:
    return " ".join(password_validation.password_validators_help_texts())


class RegistrationForm(RegistrationDataForm):
    """A registration, with the handler's new account when nobody is signed in."""

    ACCOUNT_FIELDS = ("username", "email", "password1", "password2")
    field_order = ACCOUNT_FIELDS  # first, as on the page (the error summary follows it)

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only."),
        validators=[User.username_validator],
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=lazy(
            lambda: " ".join(password_validation.password_validators_help_texts()), str
        )(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, with_account: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.with_account = with_account
        if not with_account:
            for name in self.ACCOUNT_FIELDS:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not self.with_account:
            return cleaned
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(p1, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned

    def account(self, language: str) -> Account | None:
        if not self.with_account:
            return None
        c = self.cleaned_data
        return Account(
            username=c["username"], email=c["email"], password=c["password1"], language=language
        )


class CorrectionForm(RegistrationDataForm):
    """A returned registration, corrected: files are sent again only when they change."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("business_licence", "power_of_attorney"):
            self.fields[name].required = False
            self.fields[name].help_text = _(
                "Leave empty to keep the file already sent. PDF, JPEG or PNG."
            )

    @classmethod
    def for_registration(cls, registration: Registration) -> CorrectionForm:
        return cls(
            initial={
                "kind": registration.kind,
                "uscc": registration.uscc,
                "name_zh": registration.name_zh,
                "name_en": registration.name_en,
                "region": registration.region_id,
                "address": registration.address,
                "legal_representative": registration.legal_representative,
                "handler_name": registration.handler_name,
                "handler_phone": registration.handler_phone,
                "handler_email": registration.handler_email,
            }
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reasons"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self,
        *args: Any,
        reason_required: bool = False,
        help_text: Any = "",
        label: Any = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        if label:
            self.fields["reason"].label = label
        if help_text:
            self.fields["reason"].help_text = help_text


# --- Powers of attorney ------------------------------------------------------------------------


class AgencySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Service agency"),
        max_length=200,
        required=False,
        help_text=_("Part of its name, or its Unified Social Credit Identifier."),
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )


class PowerOfAttorneyForm(forms.Form):
    agency = forms.IntegerField(widget=forms.HiddenInput)
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        help_text=_("The last day included. At most %(years)d years.")
        % {"years": POWER_OF_ATTORNEY_MAX_YEARS},
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    @classmethod
    def initial_for(cls, agency_pk: int | None, today: dt.date | None = None) -> dict[str, Any]:
        day = today or timezone.localdate()
        return {"agency": agency_pk, "valid_from": day}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The last day comes on or after the first day."))
        return cleaned
