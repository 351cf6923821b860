"""Issue 7's "done means", end to end through the services the pages call: an inspector
runs a campaign, the draw is reproduced from its published seed, a finding makes the
employer dishonest and its next application is refused with the reason and end date, the
employer objects, the record is corrected, and the standing and the public list follow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from credit import inspections
from credit import selectors as credit_selectors
from credit import services as credit_services
from credit.inspection_models import InspectionAssignment
from credit.models import CreditRecord
from permits import checks
from portal.models import Organization, Region, User
from portal.roles import Role
from tests.factories import RoleHelper
from tests.permits.conftest import TODAY, draft_ready

pytestmark = pytest.mark.django_db


def test_a_campaign_finding_blocks_the_employer_until_the_objection_corrects_it(
    clock,
    roles: RoleHelper,
    employer: Organization,
    employer_admin: User,
    shanghai_catalog,
    wages,
    foreigner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shanghai = Region.objects.get(code="310000")
    inspector = roles.user(Role.INSPECTOR, region_code="310000")
    colleague = roles.user(Role.INSPECTOR, region_code="310000")
    population = inspections.registered_employers(shanghai, TODAY, {})
    assert (employer.pk, employer.uscc, employer.name_zh) in population

    # The inspector sets up the campaign and draws every employer (seed fixed for the test).
    monkeypatch.setattr(inspections, "new_seed", lambda: 20260608)
    campaign = inspections.campaign_create(
        actor=inspector,
        name="2026 Shanghai spot checks",
        region=shanghai,
        starts_on=TODAY,
        ends_on=TODAY + dt.timedelta(days=60),
        sample_size=len(population),
        pool=[inspector, colleague],
        inspectors_per_employer=1,
    )
    for step in ("draw", "start"):
        campaign = inspections.campaign_transition(actor=inspector, campaign=campaign, name=step)
    assert campaign.seed == "20260608"  # stored as text: a 64-bit seed, published as it is
    # Anyone re-running the draw from the published seed and snapshots gets the same result.
    assert inspections.redraw(campaign) == inspections.stored_draw(campaign)

    # A serious, disclosed finding at the employer.
    assignment = InspectionAssignment.objects.get(campaign=campaign, organization=employer)
    inspections.assignment_record_outcome(
        actor=assignment.inspectors.get(),
        assignment=assignment,
        outcome=InspectionAssignment.Outcome.PROBLEMS,
        inspected_on=TODAY,
        facts="Two foreigners worked without permits.",
        severity="serious",
        disclosed=True,
    )
    record = CreditRecord.objects.get(organization=employer)
    standing = credit_selectors.organization_standing(employer.uscc, TODAY)
    until = record.effective_until
    assert (standing.level, standing.blocks, standing.until) == ("dishonest", True, until)
    assert list(credit_selectors.dishonesty_list(on=TODAY)) == [record]

    # Its next application is refused with the reason and the end date.
    application = draft_ready(employer_admin, employer)
    with translation.override("en"):
        problems = checks.submission_problems(application, TODAY)
        reasons = credit_selectors.organization_standing(employer.uscc, TODAY).reasons
    [problem] = [p for p in problems if p.code == "employer_dishonest"]
    assert problem.message == (
        f"The employer has a serious dishonesty record ({reasons[0]}) and may not "
        f"apply until {until.isoformat()}."
    )

    # The employer objects; the inspector corrects the record to a minor finding.
    objection = credit_services.objection_file(
        actor=employer_admin, record=record, statement="The two were interns on a programme."
    )
    objection = credit_services.objection_transition(
        actor=inspector, objection=objection, transition="take_up"
    )
    credit_services.objection_transition(
        actor=inspector,
        objection=objection,
        transition="correct",
        reason="Interns under an intergovernmental agreement: a minor irregularity.",
        changes={"severity": "minor", "disclosed": False},
    )

    # The history is kept; the standing is attention, the public list is empty again and
    # the application can be submitted.
    current = CreditRecord.objects.get(series=record.series, superseded_at__isnull=True)
    assert (current.version, current.severity, current.disclosed) == (2, "minor", False)
    assert CreditRecord.objects.filter(series=record.series).count() == 2
    assert credit_selectors.organization_standing(employer.uscc, TODAY).level == "attention"
    assert list(credit_selectors.dishonesty_list(on=TODAY)) == []
    assert [
        p for p in checks.submission_problems(application, TODAY) if p.code == "employer_dishonest"
    ] == []
