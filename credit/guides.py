"""The service guide of an objection (异议) to a credit record, registered with the kernel
(``portal.guides``) when ``CreditConfig.ready`` imports this module.

What it says is read from the rules the objection follows: who may object
(``services.may_object``), what may be objected to and when (``services.objection_refusal``:
a current record in effect, no other objection open), what is filed (the objection form's
fields, at most ``services.OBJECTION_MAX_FILES`` files, read when the guide is built), and
how it is decided (the transitions of ``workflows.OBJECTION_WORKFLOW``, the fields a
correction may change).
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit import services
from credit.constants import SubjectKind
from credit.forms import ObjectionForm
from credit.models import CreditRecord, Objection
from credit.workflows import CORRECTION_FIELDS, OBJECTION_WORKFLOW, is_filer, may_review
from portal.guides import (
    EMPLOYERS,
    Fact,
    GuideContent,
    GuideSpec,
    LegalBasis,
    Material,
    MaterialGroup,
    Step,
    link,
    register_guide,
)
from portal.models import Region
from portal.roles import Role

GUIDE = "credit_objection"


def _who_decides(transition_permission: object) -> str:
    if transition_permission is may_review:
        return gettext("inspectors of the record's region")
    if transition_permission is is_filer:
        return gettext("the person who filed it")
    return gettext("the portal")


def objection_guide(province: Region | None) -> GuideContent:
    form = ObjectionForm()
    materials = []
    for name, field in form.fields.items():
        notes = [field.help_text] if field.help_text else []
        if name == "evidence":
            notes.append(
                gettext("At most %(n)d files.") % {"n": services.OBJECTION_MAX_FILES},
            )
        materials.append(
            Material(
                label=field.label or name,
                kind=name,
                at_submission=field.required,
                at_acceptance=field.required,
                at_decision=field.required,
                notes=tuple(notes),
            )
        )
    steps = [
        Step(
            _("Sign in, open the organization's credit record and the record concerned."),
            link(_("Credit record"), "credit:records"),
        ),
        Step(_("Choose “Object”, state what is wrong and attach the evidence, then file.")),
    ]
    for transition in OBJECTION_WORKFLOW.transitions:
        sentence = gettext("%(action)s, by %(who)s: %(source)s → %(target)s.") % {
            "action": transition.label,
            "who": _who_decides(transition.permission),
            "source": ", ".join(OBJECTION_WORKFLOW.state_label(s) for s in transition.source),
            "target": OBJECTION_WORKFLOW.state_label(transition.target),
        }
        if transition.reason_required:
            sentence += " " + gettext("With the reason, which the organization reads.")
        steps.append(Step(sentence))
    correctable = ", ".join(
        str(getattr(CreditRecord._meta.get_field(name), "verbose_name", name))
        for name in CORRECTION_FIELDS
    )
    where = (
        gettext("the inspectors of %(province)s (and of its divisions, for their records)")
        % {"province": province.name}
        if province is not None
        else gettext("the inspectors of the region that keeps the record")
    )
    return GuideContent(
        who=(
            gettext("For an employer's record: its administrators (role “%(role)s”).")
            % {"role": Role.EMPLOYER_ADMIN.label},
            gettext(
                "For a service agency's own record: its agents (role “%(role)s”). An agency does "
                "not object to the record of an employer it acts for."
            )
            % {"role": Role.AGENCY_AGENT.label},
            gettext(
                "Staff see the record but do not object; records of foreign workers are not "
                "objected to here."
            ),
        ),
        conditions=(
            gettext("The record objected to is the current version, not revoked."),
            gettext(
                "The record is in effect today: from its first day of effect to its last. "
                "Until then, and after it, there is nothing to object to."
            ),
            gettext("No other objection to the record is open (one open objection per record)."),
            gettext(
                "An open objection does not suspend the record: it stays in effect, marked "
                "“under objection”, until the inspectors decide."
            ),
        ),
        materials=(
            MaterialGroup(
                _("The objection"),
                tuple(materials),
                variants=(SubjectKind.EMPLOYER.value, SubjectKind.SERVICE_AGENCY.value),
            ),
        ),
        time_limits=(),
        no_time_limit=gettext(
            "An objection can be filed on any day the record is in effect. The rules set no "
            "working-day limit for the decision: %(where)s take objections up oldest first."
        )
        % {"where": where},
        legal_basis=(
            LegalBasis(
                _(
                    "Notice on fully implementing the work permit system for foreigners "
                    "working in China (2017)"
                ),
                note=_("Credit records of employers, workers and service agencies."),
            ),
            LegalBasis(
                _("Exit and Entry Administration Law of the People's Republic of China"),
                _("Article 80"),
                _("The fines of illegal employment that records report."),
            ),
        ),
        steps=tuple(steps),
        facts=(
            Fact(_("Decided by"), where),
            Fact(
                _("Outcomes"),
                ", ".join(
                    str(label)
                    for value, label in Objection.State.choices
                    if value not in Objection.OPEN_STATES
                ),
            ),
            Fact(_("A correction may change"), correctable),
        ),
        help_links=tuple(
            item
            for item in (link(_("Dishonesty list"), "credit:dishonesty_list"),)
            if item is not None
        ),
    )


register_guide(
    GuideSpec(
        GUIDE,
        80,
        _("Objection to a credit record"),
        _(
            "How an employer or a service agency contests a record of its credit, and how the "
            "inspectors decide."
        ),
        objection_guide,
        group=EMPLOYERS,
    )
)
