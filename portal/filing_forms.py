"""Forms shared by the pages of every filing kind (Guidance Catalogs, regional talent
standards): inviting stakeholders to comment, answering a comment, and the reason given
with a workflow step. They sit in the kernel beside ``portal.filings``, whose services
they feed, so that no filing app depends on another app's forms.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.filings import (
    VALIDITY_MAX_YEARS,
    VALIDITY_MIN_YEARS,
    add_years,
    stakeholder_organizations,
)
from portal.models import Organization

DATE_INPUT = {"type": "date"}


def validity_range(start: dt.date) -> tuple[dt.date, dt.date]:
    """The shortest and longest last day of validity for an effective date (3 to 5 years,
    the last day being the day before the anniversary)."""
    one_day = dt.timedelta(days=1)
    return (
        add_years(start, VALIDITY_MIN_YEARS) - one_day,
        add_years(start, VALIDITY_MAX_YEARS) - one_day,
    )


class ConsultationForm(forms.Form):
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations to invite"),
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one organization to invite.")},
    )
    deadline = forms.DateField(
        label=_("Comments until"),
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
        help_text=_("The last day on which the invited organizations may comment."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = stakeholder_organizations()  # type: ignore[attr-defined]

    def clean_deadline(self) -> dt.date:
        deadline: dt.date = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."), code="past")
        return deadline


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The organization and the ministry read the answer with the comment."),
    )


class TransitionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
