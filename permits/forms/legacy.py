"""Forms of the pre-2017 documents' pages: the list's search, recording one document, and
uploading a spreadsheet. They check the shape of input; ``permits.services.legacy``
checks the values and says why not."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from permits.legacy_models import LegacyDocument
from portal.countries import COUNTRY_CHOICES
from portal.models import Foreigner, Region

DATE = forms.DateInput(attrs={"type": "date"})


class LegacySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        help_text=_("The document's or passport's number, or the holder's name."),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
    )

    def query(self) -> str:
        if self.is_bound and self.is_valid():
            return str(self.cleaned_data.get("q") or "").strip()
        return ""


class _ProvinceForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Province"), queryset=Region.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, provinces: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = provinces


class LegacyRecordForm(_ProvinceForm):
    kind = forms.ChoiceField(label=_("Document"), choices=LegacyDocument.Kind.choices)
    number = forms.CharField(
        label=_("Document number"),
        max_length=40,
        help_text=_("As printed: letters and digits; spaces are ignored."),
    )
    surname = forms.CharField(label=_("Surname (as in passport)"), max_length=100)
    given_names = forms.CharField(
        label=_("Given names (as in passport)"), max_length=150, required=False
    )
    name_zh = forms.CharField(label=_("Chinese name"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Foreigner.Sex.choices)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE)
    nationality = forms.ChoiceField(label=_("Nationality"), choices=COUNTRY_CHOICES)
    passport_number = forms.CharField(label=_("Passport number"), max_length=40)
    passport_country = forms.ChoiceField(label=_("Passport issued by"), choices=COUNTRY_CHOICES)
    passport_issue_date = forms.DateField(label=_("Passport issued on"), widget=DATE)
    passport_expiry_date = forms.DateField(label=_("Passport expires on"), widget=DATE)
    employer_uscc = forms.CharField(
        label=_("Employer's Unified Social Credit Identifier"),
        max_length=18,
        help_text=_("The employer must be registered in the portal."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE)

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "region"}


class LegacyImportForm(_ProvinceForm):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("CSV (UTF-8 or GB 18030) or Excel (XLSX), at most 5 MB."),
    )
    dry_run = forms.BooleanField(label=_("Only check the file, save nothing"), required=False)
