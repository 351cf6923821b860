"""Forms of the catalogs pages: drafting a catalog, its entries and uploads, consulting
stakeholders (the consultation, answer and transition forms every filing kind shares are
in ``portal.filing_forms``). They validate input only; the services in ``catalogs.services`` and
``portal.filings`` do the work and decide the rules of the domain (validity, groups,
editability), so that the pages and the API refuse the same things in the same words.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalogs.models import CatalogEntry, GuidanceCatalog
from catalogs.services import UPLOAD_COLUMNS
from portal.filing_forms import DATE_INPUT, validity_range
from portal.filings import VALIDITY_MAX_YEARS, VALIDITY_MIN_YEARS
from portal.models import Region
from portal.spreadsheets import MAX_BYTES

UPLOAD_ACCEPT = (
    ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)


def _label(model: Any, name: str) -> Any:
    """The model field's verbose name as a form label (lazy, so it follows the language)."""
    return capfirst(model._meta.get_field(name).verbose_name)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search by code or title"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def query(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class CatalogForm(forms.Form):
    """Titles, notes and dates of a catalog version (and its province, when a drafter
    drafts for several). The 3-5 year rule is checked when the catalog is filed, not here:
    a draft may hold any dates while it is being prepared."""

    region = forms.ModelChoiceField(
        label=_("Province"), queryset=Region.objects.none(), empty_label=None
    )
    title_zh = forms.CharField(label=_label(GuidanceCatalog, "title_zh"), max_length=200)
    title_en = forms.CharField(
        label=_label(GuidanceCatalog, "title_en"), max_length=200, required=False
    )
    notes_zh = forms.CharField(
        label=_label(GuidanceCatalog, "notes_zh"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    notes_en = forms.CharField(
        label=_label(GuidanceCatalog, "notes_en"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    effective_from = forms.DateField(
        label=_label(GuidanceCatalog, "effective_from"),
        required=False,
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
        help_text=_("The day the catalog takes effect once approved and published."),
    )
    expires_on = forms.DateField(
        label=_label(GuidanceCatalog, "expires_on"),
        required=False,
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, regions: list[Region] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if regions is None or len(regions) < 2:
            del self.fields["region"]
        else:
            self.fields["region"].queryset = Region.objects.filter(  # type: ignore[attr-defined]
                pk__in=[r.pk for r in regions]
            ).order_by("code")
        self.fields["expires_on"].help_text = self._validity_help()

    def _start(self) -> dt.date | None:
        """The effective date the person chose (or the stored one), if it is a date."""
        field = self.fields["effective_from"]
        raw = self.data.get(self.add_prefix("effective_from")) if self.is_bound else None
        if raw is None:
            raw = self.initial.get("effective_from")
        if isinstance(raw, dt.date):
            return raw
        try:
            return field.clean(raw) if raw else None
        except forms.ValidationError:
            return None

    def _validity_help(self) -> str:
        start = self._start()
        if start is None:
            return gettext(
                "Validity is %(min)d to %(max)d years from the effective date; it is "
                "checked when the catalog is filed."
            ) % {"min": VALIDITY_MIN_YEARS, "max": VALIDITY_MAX_YEARS}
        shortest, longest = validity_range(start)
        return gettext(
            "Validity is %(min)d to %(max)d years: from %(start)s the last day of validity "
            "lies between %(shortest)s and %(longest)s. It is checked when the catalog "
            "is filed."
        ) % {
            "min": VALIDITY_MIN_YEARS,
            "max": VALIDITY_MAX_YEARS,
            "start": start.isoformat(),
            "shortest": shortest.isoformat(),
            "longest": longest.isoformat(),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("effective_from"), data.get("expires_on")
        if start and end and end <= start:
            self.add_error(
                "expires_on", _("The last day of validity comes after the effective date.")
            )
        return data


class EntryForm(forms.Form):
    """The competency requirements of one catalog entry."""

    category = forms.ChoiceField(
        label=_label(CatalogEntry, "category"),
        choices=CatalogEntry.Category.choices,
        initial=CatalogEntry.Category.B,
    )
    min_education = forms.ChoiceField(
        label=_label(CatalogEntry, "min_education"),
        choices=CatalogEntry.Education.choices,
        initial=CatalogEntry.Education.NONE,
    )
    min_experience_years = forms.IntegerField(
        label=_label(CatalogEntry, "min_experience_years"),
        min_value=0,
        max_value=50,
        initial=0,
        help_text=_("A whole number from 0 to 50."),
    )
    min_annual_salary_cny = forms.DecimalField(
        label=_label(CatalogEntry, "min_annual_salary_cny"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("In yuan, up to two decimals; leave empty when the catalog sets none."),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    skills_zh = forms.CharField(
        label=_label(CatalogEntry, "skills_zh"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    skills_en = forms.CharField(
        label=_label(CatalogEntry, "skills_en"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    remarks_zh = forms.CharField(
        label=_label(CatalogEntry, "remarks_zh"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    remarks_en = forms.CharField(
        label=_label(CatalogEntry, "remarks_en"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UploadForm(forms.Form):
    """A table of entries. The service reads it by its content (CSV or XLSX), so the file
    name's extension is neither required nor trusted."""

    file = forms.FileField(
        label=_("Spreadsheet (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
    )
    replace = forms.BooleanField(
        label=_("Remove the entries the file does not list"),
        required=False,
        help_text=_("Without it, entries the file does not list are kept as they are."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "The first row names the columns: %(columns)s. Only code is required; at most "
            "%(mb)d MB."
        ) % {"columns": ", ".join(UPLOAD_COLUMNS), "mb": MAX_BYTES // (1024 * 1024)}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is %(size).1f MB; at most %(mb)d MB is accepted. Split it into "
                    "several files."
                ),
                params={"size": upload.size / (1024 * 1024), "mb": MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    entry = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, catalog: GuidanceCatalog, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.catalog = catalog

    def clean_entry(self) -> CatalogEntry | None:
        pk = self.cleaned_data.get("entry")
        if pk is None:
            return None
        entry = (
            CatalogEntry.objects.filter(catalog=self.catalog, pk=pk)
            .select_related("occupation")
            .first()
        )
        if entry is None:
            raise forms.ValidationError(_("The draft has no such entry."), code="unknown_entry")
        return entry
