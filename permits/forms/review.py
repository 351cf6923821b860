"""Forms of the officers' review pages: the queue's filters and one form per action on an
application. They check the shape of input (lengths, known choices, a date); the workflow
(``permits.workflows.application``, through ``permits.services.applications``) decides
whether the action is allowed and says why not."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from permits.models import Application, Document, RejectionReason
from permits.selectors.review import MINE, OPEN, QUEUE_STATES, QueueFilters
from talent_standards.models import Category

TEXT_MAX_LENGTH = 4000
ITEM_MAX_LENGTH = 1000
ITEM_ROWS = 5
OCCUPATION_PREFIX = re.compile(r"^[0-9]+(-[0-9]+)*-?$")


# --- The queue's filters ---------------------------------------------------------------------


def _state_choices() -> list[tuple[str, Any]]:
    return [
        (MINE, _("Awaiting me")),
        (OPEN, _("All open applications")),
        *[(state, Application.State(state).label) for state in QUEUE_STATES],
    ]


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=_state_choices, required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("Any category")), *Category.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind of application"),
        choices=[("", _("Any kind")), *Application.Kind.choices],
        required=False,
    )
    employer = forms.CharField(
        label=_("Employer"),
        help_text=_("Part of the name, or the Unified Social Credit Identifier."),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
    )
    occupation = forms.CharField(
        label=_("Occupation code"),
        help_text=_("A code or its beginning, e.g. 2-02 or 2-02-10-03."),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"spellcheck": "false", "inputmode": "numeric"}),
    )
    due_before = forms.DateField(
        label=_("Due on or before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_occupation(self) -> str:
        value = str(self.cleaned_data.get("occupation") or "").strip()
        if value and not OCCUPATION_PREFIX.match(value):
            raise ValidationError(
                _("Enter an occupation code or its beginning: digits and hyphens, e.g. 2-02.")
            )
        return value

    def filters(self) -> QueueFilters:
        """The filters asked for; a filter that is not valid is left out."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return QueueFilters(
            state=data.get("state") or MINE,
            category=data.get("category") or "",
            kind=data.get("kind") or "",
            employer=str(data.get("employer") or "").strip(),
            occupation=data.get("occupation") or "",
            due_before=data.get("due_before"),
        )


# --- Actions ---------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """The input of one transition: ``reason()`` for the transition record, ``payload()``
    for the workflow's guards and effects."""

    # The form field the workflow's refusal concerns (``details["field"]``), by its name
    # in the workflow.
    field_for_refusal: dict[str, str] = {}

    def reason(self) -> str:
        return ""

    def payload(self) -> dict[str, Any]:
        return {}

    def refusal_field(self, workflow_field: str) -> str | None:
        """The form field a refusal of the workflow concerns, if the form has it."""
        name = self.field_for_refusal.get(workflow_field, "")
        return name if name in self.fields else None


class ItemsForm(ActionForm):
    """A checklist of items (what to correct or supply), ``ITEM_ROWS`` rows: each a text
    and, optionally, the kind of document asked for. Blank rows are left out."""

    rows = ITEM_ROWS
    message = forms.CharField(
        label=_("Message to the employer"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    field_for_refusal = {"items": "item_1_text"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [("", _("No document")), *Document.Kind.choices]
        for n in range(1, self.rows + 1):
            self.fields[f"item_{n}_text"] = forms.CharField(
                label=_("Item %(n)d: what is asked") % {"n": n},
                max_length=ITEM_MAX_LENGTH,
                required=False,
                widget=forms.TextInput(attrs={"size": 48}),
            )
            self.fields[f"item_{n}_kind"] = forms.ChoiceField(
                label=_("Item %(n)d: document asked") % {"n": n},
                choices=kinds,
                required=False,
            )

    def item_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"item_{n}_text"], self[f"item_{n}_kind"]) for n in range(1, self.rows + 1)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for n in range(1, self.rows + 1):
            text = str(cleaned.get(f"item_{n}_text") or "").strip()
            if cleaned.get(f"item_{n}_kind") and not text:
                self.add_error(
                    f"item_{n}_text", _("Say what is asked for with the document chosen.")
                )
        return cleaned

    def items(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        items = []
        for n in range(1, self.rows + 1):
            text = str(data.get(f"item_{n}_text") or "").strip()
            if text:
                items.append({"text": text, "document_kind": data.get(f"item_{n}_kind") or ""})
        return items

    def reason(self) -> str:
        return str(self.cleaned_data.get("message") or "").strip()

    def payload(self) -> dict[str, Any]:
        return {"items": self.items(), "message": self.reason()}


class ReasonsForm(ActionForm):
    """Reasons chosen from the list of a stage, and the text of the decision in Chinese,
    English or both (at least one)."""

    stage = ""
    reasons = forms.MultipleChoiceField(
        label=_("Reasons"),
        widget=forms.CheckboxSelectMultiple,
        required=False,  # the workflow refuses none, with its own message
    )
    text_zh = forms.CharField(
        label=_("Text of the decision (Chinese)"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "lang": "zh-Hans"}),
    )
    text_en = forms.CharField(
        label=_("Text of the decision (English)"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "lang": "en"}),
    )
    field_for_refusal = {"reasons": "reasons", "reason": "text_zh"}

    def __init__(self, *args: Any, reasons: list[RejectionReason] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if reasons is None:
            reasons = list(RejectionReason.objects.filter(stage=self.stage, is_active=True))
        field = cast(forms.MultipleChoiceField, self.fields["reasons"])
        field.choices = [(r.code, r.text) for r in reasons]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        zh = str(cleaned.get("text_zh") or "").strip()
        en = str(cleaned.get("text_en") or "").strip()
        if not zh and not en and "text_zh" not in self.errors and "text_en" not in self.errors:
            self.add_error(
                "text_zh", _("Write the reasons in Chinese, in English or in both languages.")
            )
        return cleaned

    def reason(self) -> str:
        data = self.cleaned_data
        texts = [str(data.get(n) or "").strip() for n in ("text_zh", "text_en")]
        return "\n\n".join(t for t in texts if t)

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "reasons": list(data.get("reasons") or []),
            "text_zh": str(data.get("text_zh") or "").strip(),
            "text_en": str(data.get("text_en") or "").strip(),
        }


class RefuseAcceptanceForm(ReasonsForm):
    stage = RejectionReason.Stage.ACCEPTANCE


class RejectForm(ReasonsForm):
    stage = RejectionReason.Stage.DECISION


class ExtendForm(ActionForm):
    reason_text = forms.CharField(
        label=_("Reason for the extension"),
        help_text=_("The overall time limit is extended once; the employer sees the reason."),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    field_for_refusal = {"reason": "reason_text"}

    def reason(self) -> str:
        return str(self.cleaned_data.get("reason_text") or "").strip()


class ConfirmForm(ActionForm):
    """An action without input (approve)."""


class AcceptForm(ActionForm):
    """Acceptance; for an employer under attention the officer confirms that the paper
    originals of the documents were checked (the workflow refuses it otherwise)."""

    originals_checked = forms.BooleanField(
        label=_("The paper originals of the documents were checked"),
        required=False,
        help_text=_(
            "Required when the employer's credit standing is attention: its documents are "
            "checked against the originals."
        ),
    )
    field_for_refusal = {"originals_checked": "originals_checked"}

    def payload(self) -> dict[str, Any]:
        return {"originals_checked": bool(self.cleaned_data.get("originals_checked"))}


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": AcceptForm,
    "return_for_correction": ItemsForm,
    "refuse_acceptance": RefuseAcceptanceForm,
    "request_information": ItemsForm,
    "extend_time_limit": ExtendForm,
    "approve": ConfirmForm,
    "reject": RejectForm,
}


def action_form(name: str, data: Any = None, **kwargs: Any) -> ActionForm:
    """The form of the transition ``name``, prefixed with it (ids stay unique on a page
    that shows several forms)."""
    return ACTION_FORMS[name](data, prefix=name, **kwargs)
