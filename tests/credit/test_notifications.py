"""What the credit app tells people (``credit.notifications``): a record made, corrected or
revoked to the organization it is about; an objection filed to the inspectors who review
it; an objection decided to the filer and the organization; a campaign's draw to each
inspector drawn. Each event makes exactly the expected inbox rows, the e-mails leave after
the commit in each reader's language, the same event told again makes nothing more, and a
refused action tells nobody."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from credit import inspections, services
from credit.inspection_models import InspectionAssignment, InspectionCampaign
from credit.models import CreditRecord, CreditRecordKind, Objection
from portal import services as portal_services
from portal.models import Foreigner, Notification, Organization, Region, User
from portal.notifications import text_of
from portal.roles import Role
from portal.services import PermissionDeniedError, ServiceError
from portal.workflow import GuardFailed, TransitionNotAllowed, TransitionPermissionDenied
from tests.credit.conftest import MakeRecord
from tests.factories import OrganizationFactory, RoleHelper, valid_uscc

pytestmark = pytest.mark.django_db

RECORD_DECIDED = "credit.record_decided"
OBJECTION_FILED = "credit.objection_filed"
OBJECTION_DECIDED = "credit.objection_decided"
CAMPAIGN_ASSIGNMENT = "credit.campaign_assignment"


def today() -> dt.date:
    return timezone.localdate()


def told(kind: str) -> set[str]:
    """The user names of the people told of events of ``kind``."""
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def rows(kind: str) -> list[Notification]:
    return list(
        Notification.objects.filter(kind=kind)
        .select_related("recipient")
        .order_by("recipient__username", "pk")
    )


def text_for(notification: Notification, language: str) -> tuple[str, str]:
    with translation.override(language):
        text = text_of(notification)
    return text.subject, text.body


def mailed() -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject) for m in mail.outbox)


# --- People -----------------------------------------------------------------------------------


@pytest.fixture
def people(
    roles: RoleHelper, employer: Organization, employer_admin: User, inspector: User
) -> dict[str, User]:
    """The employer's administrator (Chinese) and staff (English, with an address), a staff
    member without an address, an inactive one, another employer's administrator, a second
    Shanghai inspector (of the Pudong district, under the province), a Beijing inspector."""
    english = roles.user(
        Role.EMPLOYER_STAFF, organization=employer, username="emp.en", preferred_language="en"
    )
    no_mail = roles.user(Role.EMPLOYER_STAFF, organization=employer, username="emp.nomail")
    no_mail.email = ""
    no_mail.save(update_fields=["email"])
    gone = roles.user(Role.EMPLOYER_STAFF, organization=employer, username="emp.gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    Region.objects.create(
        code="310115",
        name_zh="浦东新区",
        name_en="Pudong",
        level=Region.Level.PREFECTURE,
        parent=Region.objects.get(code="310000"),
    )
    return {
        "admin": employer_admin,
        "english": english,
        "no_mail": no_mail,
        "other": roles.user(Role.EMPLOYER_ADMIN, username="other.admin"),
        "inspector": inspector,
        "pudong": roles.user(Role.INSPECTOR, region_code="310115", username="pudong.inspector"),
        "beijing": roles.user(Role.INSPECTOR, region_code="110000", username="bj.inspector"),
    }


def employer_people(people: dict[str, User]) -> set[str]:
    """Everybody active acting for the employer: told whether or not they have an address."""
    return {people["admin"].username, people["english"].username, people["no_mail"].username}


# --- Records ----------------------------------------------------------------------------------


def test_a_new_record_tells_the_organizations_people_in_their_language(
    people: dict[str, User],
    employer: Organization,
    make_record: MakeRecord,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record = make_record(
            effective_from=today(), effective_until=dt.date(2027, 6, 7), reference="CASE-1"
        )
        assert mail.outbox == []  # nothing leaves before the commit

    assert told(RECORD_DECIDED) == employer_people(people)
    assert Notification.objects.count() == 3
    kind = CreditRecordKind.objects.get(code="illegal_employment")
    [row] = [n for n in rows(RECORD_DECIDED) if n.recipient == people["english"]]
    assert row.event_key == f"credit.record.{record.pk}"
    assert row.url == f"/credit-record/{record.series}/"
    assert text_for(row, "en")[0] == (
        f"A credit record of {employer.name_en} was recorded: {kind.name_en}"
    )
    body = text_for(row, "en")[1]
    assert f"Kind: {kind.name_en}\nSeverity: Serious\n" in body
    assert f"In effect from {today().isoformat()} until 2027-06-07\nVersion: 1\n" in body
    # Required by law: e-mailed to everybody with an address, in their own language.
    assert mailed() == sorted(
        [
            (people["admin"].email, text_for(row, "zh-hans")[0]),
            (people["english"].email, text_for(row, "en")[0]),
        ]
    )
    assert employer.name_zh in text_for(row, "zh-hans")[0]
    assert kind.name_zh in text_for(row, "zh-hans")[0]


def test_a_correction_and_a_revocation_are_each_told_once(
    people: dict[str, User],
    inspector: User,
    make_record: MakeRecord,
    django_capture_on_commit_callbacks: Any,
) -> None:
    record = make_record(effective_until=None)
    with django_capture_on_commit_callbacks(execute=True):
        corrected = services.record_correct(
            actor=inspector, record=record, reason="The facts were wrong.", facts="One worker."
        )
    with django_capture_on_commit_callbacks(execute=True):
        revoked = services.record_revoke(actor=inspector, record=corrected, reason="Annulled.")

    keys = sorted(set(Notification.objects.values_list("event_key", flat=True)))
    assert keys == sorted(f"credit.record.{r.pk}" for r in (record, corrected, revoked))
    assert Notification.objects.count() == 3 * len(employer_people(people))
    english = {
        n.event_key: text_for(n, "en")
        for n in Notification.objects.filter(recipient=people["english"])
    }
    subject, body = english[f"credit.record.{corrected.pk}"]
    assert " was corrected: " in subject
    assert "until no end date\nVersion: 2\nThe facts were wrong.\n" in body
    subject, body = english[f"credit.record.{revoked.pk}"]
    assert " was revoked: " in subject
    assert "Version: 3\nAnnulled.\n" in body
    # Two e-mails (admin, English staff) for each of the correction and the revocation.
    assert len(mail.outbox) == 4


def test_a_refused_or_duplicate_record_tells_nobody(
    people: dict[str, User],
    employer: Organization,
    make_record: MakeRecord,
    worker: Foreigner,
) -> None:
    with pytest.raises(PermissionDeniedError):
        make_record(actor=people["beijing"])
    with pytest.raises(ValidationError):
        make_record(facts=" ")
    make_record(reference="CASE-9")
    assert Notification.objects.count() == 3
    with pytest.raises(ServiceError):
        make_record(reference="CASE-9")
    with pytest.raises(ValidationError):
        services.record_correct(
            actor=people["inspector"],
            record=CreditRecord.objects.get(reference="CASE-9"),
            reason="Nothing really.",
        )
    assert Notification.objects.count() == 3
    # A foreign worker's record has nobody in the portal to tell.
    make_record(foreigner=worker, fine_cny=None, region=employer.region)
    assert Notification.objects.count() == 3


def test_a_dishonest_act_reported_twice_is_told_once(
    people: dict[str, User], employer: Organization, django_capture_on_commit_callbacks: Any
) -> None:
    def report() -> CreditRecord:
        return services.report_dishonest_act(
            organization=employer,
            kind="salary_commitment_unbacked",
            facts="Salary not backed by tax records.",
            reference="APP-1",
            on=today(),
            actor=None,
        )

    with django_capture_on_commit_callbacks(execute=True):
        first = report()
    with django_capture_on_commit_callbacks(execute=True):
        again = report()

    assert again.pk == first.pk
    assert told(RECORD_DECIDED) == employer_people(people)
    assert Notification.objects.count() == 3
    assert Notification.objects.count() == 3
    assert len(mail.outbox) == 2


def test_an_agencys_own_record_tells_its_agents(
    roles: RoleHelper, agency: Organization, make_record: MakeRecord
) -> None:
    agent = roles.user(Role.AGENCY_AGENT, organization=agency, username="agent.one")
    make_record(organization=agency, kind="late_change_report", fine_cny=None)
    assert told(RECORD_DECIDED) == {agent.username}


# --- Objections -------------------------------------------------------------------------------


@pytest.fixture
def record(make_record: MakeRecord) -> CreditRecord:
    return make_record(
        effective_from=today() - dt.timedelta(days=10),
        effective_until=today() + dt.timedelta(days=355),
    )


def file(people: dict[str, User], record: CreditRecord) -> Objection:
    return services.objection_file(
        actor=people["admin"], record=record, statement="The two were applied for in time."
    )


def test_a_new_objection_tells_the_inspectors_who_review_it(
    people: dict[str, User],
    record: CreditRecord,
    employer: Organization,
    django_capture_on_commit_callbacks: Any,
) -> None:
    Notification.objects.all().delete()  # the record's own notifications
    with django_capture_on_commit_callbacks(execute=True):
        objection = file(people, record)

    # The inspectors of the record's region (Shanghai) and of its divisions are told; a
    # district inspector's grant does not cover the province.
    assert told(OBJECTION_FILED) == {people["inspector"].username}
    [row] = rows(OBJECTION_FILED)
    assert row.event_key == f"credit.objection.{objection.pk}.filed"
    assert row.url == f"/credit/objections/{objection.pk}/"
    kind = CreditRecordKind.objects.get(code="illegal_employment")
    assert text_for(row, "en") == (
        f"Objection to a credit record of {employer.name_en}",
        f"{employer.name_en} objected on {today().isoformat()} to the credit record "
        f"“{kind.name_en}” kept by Shanghai. Take the objection up and decide it.",
    )
    assert [m.to for m in mail.outbox] == [[people["inspector"].email]]
    assert Notification.objects.count() == 1


def test_a_refused_objection_tells_nobody(
    people: dict[str, User], record: CreditRecord, roles: RoleHelper, employer: Organization
) -> None:
    Notification.objects.all().delete()
    with pytest.raises(PermissionDeniedError):
        services.objection_file(actor=people["english"], record=record, statement="No.")
    with pytest.raises(ValidationError):
        services.objection_file(actor=people["admin"], record=record, statement=" ")
    file(people, record)
    with pytest.raises(ServiceError):
        file(people, record)  # one open objection per record
    assert Notification.objects.count() == 1


@pytest.fixture
def taken_up(people: dict[str, User], record: CreditRecord) -> Objection:
    objection = file(people, record)
    services.objection_transition(
        actor=people["inspector"], objection=objection, transition="take_up"
    )
    Notification.objects.all().delete()
    return objection


@pytest.mark.parametrize(
    ("transition", "changes", "outcome"),
    [
        ("uphold", None, "Record upheld"),
        ("correct", {"facts": "One worker, not two."}, "Record corrected"),
        ("revoke", None, "Record revoked"),
    ],
)
def test_a_decision_tells_the_filer_and_the_organization_once(
    people: dict[str, User],
    taken_up: Objection,
    employer: Organization,
    django_capture_on_commit_callbacks: Any,
    transition: str,
    changes: dict[str, Any] | None,
    outcome: str,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.objection_transition(
            actor=people["inspector"],
            objection=taken_up,
            transition=transition,
            reason="Checked against the filings.",
            changes=changes,
        )

    assert told(OBJECTION_DECIDED) == employer_people(people)
    # A correction or revocation decided on the objection is told as the decision, not
    # a second time as a record's change.
    assert told(RECORD_DECIDED) == set()
    [row] = [n for n in rows(OBJECTION_DECIDED) if n.recipient == people["english"]]
    assert row.event_key == f"credit.objection.{taken_up.pk}.decided"
    assert row.url == f"/credit-record/{taken_up.series}/"
    kind = CreditRecordKind.objects.get(code="illegal_employment")
    subject, body = text_for(row, "en")
    assert subject == f"Objection decided: {outcome}"
    assert body.startswith(
        f"The objection filed on {today().isoformat()} to the credit record “{kind.name_en}” "
        f"of {employer.name_en} has been decided: {outcome}.\n\nReason: Checked against "
        "the filings.\n"
    )
    assert mailed() == sorted(
        [
            (people["admin"].email, text_for(row, "zh-hans")[0]),
            (people["english"].email, subject),
        ]
    )
    # The decision is final: it cannot be made again, and nothing more is told.
    with pytest.raises(TransitionNotAllowed):
        services.objection_transition(
            actor=people["inspector"], objection=taken_up, transition="uphold", reason="Again."
        )
    assert Notification.objects.count() == 3


def test_a_filer_who_no_longer_acts_for_the_organization_is_still_told(
    people: dict[str, User], taken_up: Objection, roles: RoleHelper, employer: Organization
) -> None:
    successor = roles.user(Role.EMPLOYER_ADMIN, organization=employer, username="emp.admin2")
    filer = people["admin"]
    portal_services.role_revoke(
        actor=successor, user=filer, role=Role.EMPLOYER_ADMIN, organization=employer
    )
    services.objection_transition(
        actor=people["inspector"], objection=taken_up, transition="uphold", reason="Stands."
    )
    assert told(OBJECTION_DECIDED) == employer_people(people) | {successor.username}


def test_a_refused_decision_or_a_withdrawal_tells_nobody(
    people: dict[str, User], taken_up: Objection, record: CreditRecord
) -> None:
    with pytest.raises(TransitionPermissionDenied):
        services.objection_transition(
            actor=people["beijing"], objection=taken_up, transition="uphold", reason="No."
        )
    with pytest.raises(GuardFailed):  # a correction that changes nothing
        services.objection_transition(
            actor=people["inspector"],
            objection=taken_up,
            transition="correct",
            reason="Same.",
            changes={"facts": record.facts},
        )
    services.objection_transition(actor=people["admin"], objection=taken_up, transition="withdraw")
    assert Notification.objects.count() == 0


# --- Inspection campaigns ---------------------------------------------------------------------

START, END = dt.date(2026, 3, 1), dt.date(2026, 6, 30)


@pytest.fixture
def may_15(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = dt.datetime(2026, 5, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def pool(roles: RoleHelper, inspector: User) -> list[User]:
    """Three Shanghai inspectors; the third reads English."""
    return [
        inspector,
        roles.user(Role.INSPECTOR, region_code="310000", username="sh.second"),
        roles.user(
            Role.INSPECTOR, region_code="310000", username="sh.third", preferred_language="en"
        ),
    ]


@pytest.fixture
def campaign(may_15: None, pool: list[User], employer: Organization) -> InspectionCampaign:
    for n in (31, 32, 33):
        OrganizationFactory(uscc=valid_uscc(n))
    return inspections.campaign_create(
        actor=pool[0],
        name="2026 spot checks",
        region=Region.objects.get(code="310000"),
        starts_on=START,
        ends_on=END,
        sample_size=3,
        inspectors_per_employer=1,
        pool=pool,
    )


def draw(campaign: InspectionCampaign, actor: User) -> InspectionCampaign:
    return inspections.campaign_transition(actor=actor, campaign=campaign, name="draw")


def test_each_inspector_drawn_is_told_once_with_their_employers(
    campaign: InspectionCampaign,
    pool: list[User],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(inspections, "new_seed", lambda: 7)
    with django_capture_on_commit_callbacks(execute=True):
        draw(campaign, pool[0])

    assignments = list(
        InspectionAssignment.objects.filter(campaign=campaign)
        .prefetch_related("inspectors")
        .order_by("position")
    )
    expected: dict[str, list[str]] = {}
    for assignment in assignments:
        for inspector in assignment.inspectors.all():
            expected.setdefault(inspector.username, []).append(
                f"{assignment.position}. {assignment.name} ({assignment.uscc})"
            )
    assert told(CAMPAIGN_ASSIGNMENT) == set(expected)
    assert Notification.objects.filter(kind=CAMPAIGN_ASSIGNMENT).count() == len(expected)
    for row in rows(CAMPAIGN_ASSIGNMENT):
        assert row.event_key == f"credit.campaign.{campaign.pk}.drawn"
        assert row.url == f"/inspections/work/{campaign.pk}/"
        subject, body = text_for(row, "en")
        assert subject == "Inspection campaign 2026 spot checks: the employers you inspect"
        assert body.startswith(
            "The draw of the inspection campaign “2026 spot checks” (2026-03-01 to "
            "2026-06-30) assigned you these employers:\n"
            + "\n".join(expected[row.recipient.username])
            + "\n\n"
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        u.email for u in pool if u.username in expected
    )
    # The draw is made once: drawing again is refused and tells nobody more.
    with pytest.raises(TransitionNotAllowed):
        draw(campaign, pool[0])
    assert Notification.objects.filter(kind=CAMPAIGN_ASSIGNMENT).count() == len(expected)


def test_a_refused_draw_tells_nobody(
    campaign: InspectionCampaign, pool: list[User], people: dict[str, User]
) -> None:
    with pytest.raises(TransitionPermissionDenied):
        draw(campaign, people["beijing"])
    InspectionCampaign.objects.filter(pk=campaign.pk).update(sample_size=50)
    campaign.refresh_from_db()
    with pytest.raises(GuardFailed):
        draw(campaign, pool[0])
    assert Notification.objects.filter(kind=CAMPAIGN_ASSIGNMENT).count() == 0
    assert InspectionAssignment.objects.count() == 0


def test_a_finding_makes_a_record_told_to_the_employer(
    campaign: InspectionCampaign,
    pool: list[User],
    people: dict[str, User],
    employer: Organization,
) -> None:
    # Every registered employer of Shanghai drawn, so the fixtures' employer is among them.
    population = inspections.registered_employers(campaign.region, START, {})
    InspectionCampaign.objects.filter(pk=campaign.pk).update(sample_size=len(population))
    campaign = draw(campaign, pool[0])
    campaign = inspections.campaign_transition(actor=pool[0], campaign=campaign, name="start")
    Notification.objects.all().delete()
    assignment = InspectionAssignment.objects.get(campaign=campaign, organization=employer)
    inspections.assignment_record_outcome(
        actor=assignment.inspectors.get(),
        assignment=assignment,
        outcome=InspectionAssignment.Outcome.PROBLEMS,
        inspected_on=dt.date(2026, 4, 10),
        facts="Two workers in posts other than those permitted.",
    )
    assert told(RECORD_DECIDED) == employer_people(people)
    assert Notification.objects.count() == 3
