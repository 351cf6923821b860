"""Forms of the publication pages: the public search, the officers' text and the reason
given when returning or withdrawing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Organization, Publication
from portal.publication_selectors import PUBLIC_KINDS, authority_code
from portal.publications import parse_subject_value, subject_choices

FIRST_YEAR = 2017  # the national work permit system started on 1 April 2017
K = Publication.Kind
# What is typed in a field is in that field's language, whatever the page's.
ZH_INPUT = forms.TextInput(attrs={"lang": "zh-Hans"})
EN_INPUT = forms.TextInput(attrs={"lang": "en"})


class PublicationSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Words"),
        required=False,
        max_length=100,
        help_text=_("Searches the titles and texts in Chinese and English."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    authority = forms.ChoiceField(label=_("Published by"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Every kind")), *((k, K(k).label) for k in PUBLIC_KINDS)],
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    about = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)

    def __init__(
        self, data: Any, *, authorities: list[Organization], with_authority: bool = True
    ) -> None:
        super().__init__(data)
        self.authorities = {authority_code(a): a for a in authorities}
        self.fields["authority"].choices = [  # type: ignore[attr-defined]
            ("", _("Every authority")),
            *((code, a.name) for code, a in self.authorities.items()),
        ]
        this_year = timezone.localdate().year
        self.fields["year"].choices = [  # type: ignore[attr-defined]
            ("", _("Every year")),
            *((y, str(y)) for y in range(this_year, FIRST_YEAR - 1, -1)),
        ]
        if not with_authority:
            del self.fields["authority"]

    def clean_about(self) -> tuple[str, str] | None:
        value = self.cleaned_data.get("about") or ""
        if not value:
            return None
        parsed = parse_subject_value(value)
        if parsed is None:
            raise forms.ValidationError(_("Unknown subject."))
        return parsed

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid field is shown with its error and ignored)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        return {
            "q": (data.get("q") or "").strip(),
            "authority": self.authorities.get(data.get("authority") or ""),
            "kind": data.get("kind") or "",
            "year": data.get("year"),
            "subject": data.get("about"),
        }


class PublicationForm(forms.Form):
    """The bilingual text of a publication and what it is about."""

    kind = forms.ChoiceField(label=_("Kind"), choices=K.choices)
    title_zh = forms.CharField(
        label=_("Title (Chinese)"), max_length=300, required=False, widget=ZH_INPUT
    )
    summary_zh = forms.CharField(
        label=_("Summary (Chinese)"),
        max_length=500,
        required=False,
        widget=ZH_INPUT,
        help_text=_("One or two sentences for lists and feeds; optional."),
    )
    body_zh = forms.CharField(
        label=_("Text (Chinese)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "lang": "zh-Hans"}),
        help_text=_(
            "Markdown: a blank line starts a paragraph; # a heading, - a list item, "
            "**bold**, [text](https://...) a link. Pictures, scripts and styles are removed."
        ),
    )
    title_en = forms.CharField(
        label=_("Title (English)"), max_length=300, required=False, widget=EN_INPUT
    )
    summary_en = forms.CharField(
        label=_("Summary (English)"), max_length=500, required=False, widget=EN_INPUT
    )
    body_en = forms.CharField(
        label=_("Text (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "lang": "en"}),
    )
    subjects = forms.MultipleChoiceField(
        label=_("About"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The pages of these subjects list the publication once it is published."),
    )

    def __init__(
        self, *args: Any, authority: Organization, editing: Publication | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        kinds = list(K.choices)
        if authority.kind != Organization.Kind.PROVINCIAL_AUTHORITY:
            kinds = [(value, label) for value, label in kinds if value != K.REPORT]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        self.fields["subjects"].choices = [  # type: ignore[attr-defined]
            (label, options) for _kind, label, options in subject_choices(authority)
        ]
        if editing is not None:
            # The kind is chosen once, when the draft is started.
            del self.fields["kind"]

    def subject_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for value in self.cleaned_data.get("subjects") or []:
            parsed = parse_subject_value(value)
            if parsed is not None:
                pairs.append(parsed)
        return pairs

    def text(self) -> dict[str, str]:
        return {
            name: self.cleaned_data.get(name) or ""
            for name in ("title_zh", "title_en", "summary_zh", "summary_en", "body_zh", "body_en")
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The author reads it."),
    )
