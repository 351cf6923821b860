"""Registration of employers and service agencies, through the services and the workflow.

Submission opens the handler's account and files the registration (identifier checked,
a wrong check character flagged, duplicates and blocking credit refused); acceptance
officers of the province approve (the organization is created, the handler becomes its
first administrator, or agent for an agency), return for correction, or reject; the
applicant resubmits or withdraws. Every refusal is checked to have changed nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from credit import selectors as credit_selectors
from credit.selectors import Level, Standing
from permits.access import employer_ids_for
from permits.models import Registration
from permits.services import registration as services
from permits.services.registration import Account, RegistrationBlocked, RegistrationData
from permits.workflows.registration import REGISTRATION_WORKFLOW
from portal import services as portal_services
from portal.access import has_organization_permission, has_role, role_names
from portal.models import AuditEvent, Organization, Region, StoredFile, TransitionRecord, User
from portal.roles import Role
from portal.services import ServiceError
from portal.workflow import GuardFailed, TransitionNotAllowed, TransitionPermissionDenied
from tests.factories import OrganizationFactory, RoleHelper, UserFactory, valid_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are compared in English (the services speak the active language)."""
    with translation.override("en"):
        yield


S = Registration.State
PASSWORD = "Blue-Harbour-Lantern-73"
USCC = valid_uscc(424242)  # 91310000000424242X, Shanghai
WRONG_CHECK = USCC[:17] + ("0" if USCC[17] != "0" else "1")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_upload(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png_upload(name: str = "attorney.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def text_upload(name: str = "licence.pdf") -> SimpleUploadedFile:
    # Named .pdf and claimed as PDF: the content decides.
    return SimpleUploadedFile(name, b"just some text", content_type="application/pdf")


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def data(**overrides: Any) -> RegistrationData:
    values: dict[str, Any] = {
        "kind": Registration.Kind.EMPLOYER,
        "uscc": USCC,
        "name_zh": "上海新登记科技有限公司",
        "name_en": "Shanghai Newly Registered Technology Co., Ltd.",
        "region": region("310000"),
        "address": "上海市浦东新区世纪大道100号",
        "legal_representative": "王伟",
        "handler_name": "李娜",
        "handler_phone": "+86 21 5555 0100",
        "handler_email": "li.na@example.com",
    }
    values.update(overrides)
    return RegistrationData(**values)


def account(**overrides: Any) -> Account:
    values = {"username": "lina", "email": "li.na@example.com", "password": PASSWORD}
    values.update(overrides)
    return Account(**values)


def submit(**overrides: Any) -> Registration:
    """A registration by a new handler (keyword ``account``/``actor`` and the data's fields)."""
    acc = overrides.pop("account", None) or account()
    actor = overrides.pop("actor", None)
    licence = overrides.pop("business_licence", None) or pdf_upload()
    attorney = overrides.pop("power_of_attorney", None) or png_upload()
    return services.registration_submit(
        actor=actor,
        data=data(**overrides),
        business_licence=licence,
        power_of_attorney=attorney,
        account=None if actor is not None else acc,
    )


def counts() -> tuple[int, int, int, int, int]:
    return (
        User.objects.count(),
        Registration.objects.count(),
        StoredFile.objects.count(),
        Organization.objects.count(),
        AuditEvent.objects.count(),
    )


def blocking(until: dt.date | None = dt.date(2027, 3, 31)) -> Standing:
    return Standing(
        level=Level.DISHONEST,
        reasons=("非法聘用外国人 / Illegal employment of foreigners (2025-04-01)",),
        until=until,
    )


# --- Submission ----------------------------------------------------------------------------------


def test_submit_opens_the_account_and_files_the_registration() -> None:
    before = AuditEvent.objects.count()
    registration = submit()
    registration.refresh_from_db()
    applicant = registration.applicant
    assert (applicant.username, applicant.email, applicant.full_name) == (
        "lina",
        "li.na@example.com",
        "李娜",
    )
    assert applicant.organization_id is None
    assert applicant.check_password(PASSWORD)
    assert role_names(applicant) == frozenset()
    assert registration.state == S.SUBMITTED
    assert registration.number.startswith(f"REG{registration.submitted_at.year}")
    assert len(registration.number) == 13
    assert registration.uscc == USCC
    assert registration.uscc_check_failed is False
    assert registration.kind == Registration.Kind.EMPLOYER
    assert registration.region.code == "310000"
    assert registration.business_licence.content_type == "application/pdf"
    assert registration.power_of_attorney.content_type == "image/png"
    assert registration.business_licence.uploaded_by == applicant
    assert registration.organization is None
    events = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    assert [e.action for e in events] == ["user.create", "permits.registration.submit"]
    assert events[1].actor == applicant
    assert events[1].data == {
        "kind": "employer",
        "uscc": USCC,
        "check_failed": False,
        "region": "310000",
        "new_account": True,
    }


def test_numbers_follow_each_other() -> None:
    first = submit()
    second = submit(uscc=valid_uscc(424243), account=account(username="b", email="b@example.com"))
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


def test_identifier_is_normalised_and_a_wrong_check_character_is_flagged() -> None:
    registration = submit(uscc=f"  {WRONG_CHECK.lower()} ")
    assert registration.uscc == WRONG_CHECK
    assert registration.uscc_check_failed is True


@pytest.mark.parametrize(
    ("uscc", "code_text"),
    [
        ("91310000", "18 characters"),
        ("91310000MA1FL0000I", "capital letters"),
        ("9131A000MA1FL00001", "division code"),
    ],
)
def test_malformed_identifier_is_refused_and_nothing_is_saved(uscc: str, code_text: str) -> None:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        submit(uscc=uscc)
    assert list(caught.value.message_dict) == ["uscc"]
    assert code_text in caught.value.message_dict["uscc"][0]
    assert counts() == before


def test_identifier_of_a_registered_organization_is_refused() -> None:
    OrganizationFactory(uscc=USCC)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        submit()
    assert caught.value.message_dict == {
        "uscc": ["An organization with this identifier is already registered."]
    }
    assert counts() == before


def test_identifier_with_a_registration_in_progress_is_refused() -> None:
    submit()
    before = counts()
    with pytest.raises(ValidationError) as caught:
        submit(account=account(username="other", email="other@example.com"))
    assert caught.value.message_dict["uscc"][0].startswith(
        "A registration with this identifier is already in progress."
    )
    assert counts() == before


def test_a_rejected_registration_does_not_hold_the_identifier(roles: RoleHelper) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    first = submit()
    services.registration_transition(
        actor=officer, registration=first, transition="reject", reason="Licence expired."
    )
    second = submit(account=account(username="again", email="again@example.com"))
    assert second.state == S.SUBMITTED
    assert second.uscc == first.uscc


@pytest.mark.parametrize("field", ["business_licence", "power_of_attorney"])
def test_a_file_that_is_not_pdf_jpeg_or_png_is_refused_and_nothing_is_saved(field: str) -> None:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        submit(**{field: text_upload()})
    assert caught.value.message_dict == {
        field: [
            "Only PDF, JPEG and PNG files are accepted. Scan or save the document as one of these."
        ]
    }
    assert counts() == before


def test_an_empty_file_is_refused() -> None:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        submit(business_licence=SimpleUploadedFile("empty.pdf", b""))
    assert caught.value.message_dict == {"business_licence": ["The file is empty."]}
    assert counts() == before


def test_bad_file_and_bad_identifier_are_reported_together() -> None:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        submit(uscc="123", power_of_attorney=text_upload())
    assert sorted(caught.value.message_dict) == ["power_of_attorney", "uscc"]
    assert counts() == before


def test_a_weak_password_is_refused_by_djangos_validators() -> None:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        submit(account=account(password="12345678"))
    assert list(caught.value.message_dict) == ["password"]
    assert "This password is too common." in caught.value.message_dict["password"]
    assert counts() == before


def test_a_taken_user_name_is_refused() -> None:
    UserFactory(username="lina")
    before = counts()
    with pytest.raises(ValidationError) as caught:
        submit()
    assert caught.value.message_dict == {"username": ["This user name is taken."]}
    assert counts() == before


def test_blocking_credit_standing_refuses_with_reasons_and_date(monkeypatch: Any) -> None:
    asked: list[tuple[str, dt.date]] = []

    def standing(uscc: str, on: dt.date) -> Standing:
        asked.append((uscc, on))
        return blocking()

    monkeypatch.setattr(credit_selectors, "organization_standing", standing)
    before = counts()
    with pytest.raises(RegistrationBlocked) as caught:
        submit()
    assert caught.value.code == "credit_blocked"
    assert caught.value.message == (
        "A serious dishonesty record blocks the registration of this organization until 2027-03-31."
    )
    assert caught.value.standing.reasons == (
        "非法聘用外国人 / Illegal employment of foreigners (2025-04-01)",
    )
    assert [uscc for uscc, _ in asked] == [USCC]
    assert counts() == before


def test_attention_standing_does_not_block(monkeypatch: Any) -> None:
    monkeypatch.setattr(
        credit_selectors,
        "organization_standing",
        lambda uscc, on: Standing(level=Level.ATTENTION, reasons=("late report",)),
    )
    assert submit().state == S.SUBMITTED


def test_a_signed_in_handler_without_organization_files_without_a_new_account(
    roles: RoleHelper,
) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    first = submit()
    services.registration_transition(
        actor=officer, registration=first, transition="reject", reason="Wrong licence."
    )
    users = User.objects.count()
    second = submit(actor=first.applicant, uscc=valid_uscc(777))
    assert second.applicant == first.applicant
    assert User.objects.count() == users


def test_a_member_of_an_organization_cannot_register_another(roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    before = counts()
    with pytest.raises(ServiceError) as caught:
        submit(actor=admin)
    assert caught.value.code == "already_member"
    assert counts() == before


def test_one_open_registration_per_handler() -> None:
    first = submit()
    before = counts()
    with pytest.raises(ServiceError) as caught:
        submit(actor=first.applicant, uscc=valid_uscc(778))
    assert caught.value.code == "open_registration"
    assert counts() == before


# --- Review ------------------------------------------------------------------------------------


@pytest.fixture
def registration() -> Registration:
    return submit()


@pytest.fixture
def sh_officer(roles: RoleHelper) -> User:
    return roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")


def decide(actor: User, registration: Registration, name: str, reason: str = "") -> Registration:
    return services.registration_transition(
        actor=actor, registration=registration, transition=name, reason=reason
    )


def test_approval_creates_the_employer_and_its_first_admin(
    registration: Registration, sh_officer: User
) -> None:
    done = decide(sh_officer, registration, "approve")
    organization = done.organization
    assert organization is not None
    assert done.state == S.APPROVED
    assert done.decided_at is not None
    assert (
        organization.kind,
        organization.uscc,
        organization.uscc_check_failed,
        organization.name_zh,
        organization.name_en,
        organization.region.code,
        organization.address,
        organization.legal_representative,
        organization.is_active,
    ) == (
        "employer",
        USCC,
        False,
        "上海新登记科技有限公司",
        "Shanghai Newly Registered Technology Co., Ltd.",
        "310000",
        "上海市浦东新区世纪大道100号",
        "王伟",
        True,
    )
    applicant = User.objects.get(pk=registration.applicant_id)
    assert applicant.organization == organization
    assert role_names(applicant) == {"employer_admin"}
    assert has_organization_permission(applicant, "manage_organization_users", organization)
    assert employer_ids_for(applicant) == {organization.pk}
    record = TransitionRecord.objects.get(target_model="permits.registration")
    assert (record.transition, record.from_state, record.to_state, record.actor) == (
        "approve",
        "submitted",
        "approved",
        sh_officer,
    )
    actions = list(
        AuditEvent.objects.filter(seq__gt=0).order_by("seq").values_list("action", flat=True)
    )
    assert actions[-4:] == [
        "organization.create",
        "role.grant",
        "portal.document.issue",
        "permits.registration.approve",
    ]
    assert AuditEvent.objects.get(action="permits.registration.approve").actor == sh_officer


def test_approval_of_an_agency_makes_the_handler_an_agent(sh_officer: User) -> None:
    registration = submit(kind=Registration.Kind.SERVICE_AGENCY)
    done = decide(sh_officer, registration, "approve")
    assert done.organization is not None
    assert done.organization.kind == "service_agency"
    applicant = User.objects.get(pk=registration.applicant_id)
    assert role_names(applicant) == {"agency_agent"}
    assert employer_ids_for(applicant) == frozenset()


def test_a_flagged_identifier_stays_flagged_on_the_organization(sh_officer: User) -> None:
    registration = submit(uscc=WRONG_CHECK)
    done = decide(sh_officer, registration, "approve")
    assert done.organization is not None
    assert done.organization.uscc_check_failed is True


def state_of(registration: Registration) -> tuple[str, int | None, str]:
    row = Registration.objects.values_list("state", "organization_id", "decision_reason").get(
        pk=registration.pk
    )
    return row


@pytest.mark.parametrize(
    "who",
    [
        "bj_officer",
        "sh_decision_officer",
        "employer_admin",
        "agent",
        "ministry_reviewer",
        "site_admin",
        "applicant",
    ],
)
def test_only_the_provinces_acceptance_officers_approve(
    registration: Registration, roles: RoleHelper, who: str
) -> None:
    actor = {
        "bj_officer": lambda: roles.user(Role.ACCEPTANCE_OFFICER, region_code="110000"),
        "sh_decision_officer": lambda: roles.user(Role.DECISION_OFFICER, region_code="310000"),
        "employer_admin": lambda: roles.user(Role.EMPLOYER_ADMIN),
        "agent": lambda: roles.user(Role.AGENCY_AGENT),
        "ministry_reviewer": lambda: roles.user(Role.MINISTRY_REVIEWER),
        "site_admin": lambda: roles.user(Role.SITE_ADMIN),
        "applicant": lambda: registration.applicant,
    }[who]()
    before = counts()
    for name in ("approve", "return_for_correction", "reject"):
        with pytest.raises(TransitionPermissionDenied):
            decide(actor, registration, name, reason="because")
    assert counts() == before
    assert state_of(registration) == ("submitted", None, "")


def test_return_needs_a_reason_and_changes_nothing_without_one(
    registration: Registration, sh_officer: User
) -> None:
    before = counts()
    with pytest.raises(GuardFailed) as caught:
        decide(sh_officer, registration, "return_for_correction")
    assert caught.value.message == "Give a reason for “Return for correction”."
    assert counts() == before
    assert state_of(registration) == ("submitted", None, "")


def test_returned_registration_is_corrected_and_resubmitted(
    registration: Registration, sh_officer: User
) -> None:
    decide(sh_officer, registration, "return_for_correction", "The licence scan is unreadable.")
    assert state_of(registration) == ("returned", None, "The licence scan is unreadable.")
    old_licence = registration.business_licence_id
    done = services.registration_resubmit(
        actor=registration.applicant,
        registration=registration,
        data=data(address="上海市浦东新区世纪大道200号"),
        business_licence=png_upload("licence.png"),
    )
    done.refresh_from_db()
    assert done.state == S.SUBMITTED
    assert done.address == "上海市浦东新区世纪大道200号"
    assert done.business_licence_id != old_licence
    assert done.business_licence.content_type == "image/png"
    assert done.decision_reason == ""
    record = TransitionRecord.objects.filter(transition="resubmit").get()
    assert sorted(record.payload["changes"]) == ["address", "business_licence_id"]
    assert record.actor == registration.applicant
    # Then approved with the corrected data.
    approved = decide(sh_officer, done, "approve")
    assert approved.organization is not None
    assert approved.organization.address == "上海市浦东新区世纪大道200号"


def test_only_the_applicant_resubmits(
    registration: Registration, sh_officer: User, roles: RoleHelper
) -> None:
    decide(sh_officer, registration, "return_for_correction", "Fix the address.")
    before = counts()
    with pytest.raises(TransitionPermissionDenied):
        services.registration_resubmit(
            actor=sh_officer, registration=registration, data=data(address="elsewhere")
        )
    assert counts() == before
    assert Registration.objects.get(pk=registration.pk).address == "上海市浦东新区世纪大道100号"


def test_a_submitted_registration_cannot_be_resubmitted(registration: Registration) -> None:
    with pytest.raises(TransitionNotAllowed):
        services.registration_resubmit(
            actor=registration.applicant, registration=registration, data=data(address="x")
        )
    assert Registration.objects.get(pk=registration.pk).address == "上海市浦东新区世纪大道100号"


def test_resubmission_with_a_bad_file_changes_nothing(
    registration: Registration, sh_officer: User
) -> None:
    decide(sh_officer, registration, "return_for_correction", "Send the licence again.")
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.registration_resubmit(
            actor=registration.applicant,
            registration=registration,
            data=data(address="somewhere else"),
            business_licence=text_upload(),
        )
    assert list(caught.value.message_dict) == ["business_licence"]
    assert counts() == before
    assert state_of(registration) == ("returned", None, "Send the licence again.")


def test_rejection_records_the_reasons(registration: Registration, sh_officer: User) -> None:
    done = decide(sh_officer, registration, "reject", "The business licence was revoked.")
    assert state_of(done) == ("rejected", None, "The business licence was revoked.")
    assert done.decided_at is not None
    with pytest.raises(TransitionNotAllowed):
        decide(sh_officer, done, "approve")
    assert Organization.objects.filter(uscc=USCC).count() == 0


def test_the_applicant_withdraws(registration: Registration, sh_officer: User) -> None:
    with pytest.raises(TransitionPermissionDenied):
        decide(sh_officer, registration, "withdraw")
    done = decide(registration.applicant, registration, "withdraw")
    assert done.state == S.WITHDRAWN
    with pytest.raises(TransitionNotAllowed):
        decide(sh_officer, done, "approve")


def test_approval_is_refused_when_the_standing_became_blocking(
    registration: Registration, sh_officer: User, monkeypatch: Any
) -> None:
    monkeypatch.setattr(credit_selectors, "organization_standing", lambda u, on: blocking())
    before = counts()
    with pytest.raises(GuardFailed) as caught:
        decide(sh_officer, registration, "approve")
    assert caught.value.message == (
        "A serious dishonesty record blocks this registration until 2027-03-31: "
        "非法聘用外国人 / Illegal employment of foreigners (2025-04-01)"
    )
    assert counts() == before
    assert state_of(registration) == ("submitted", None, "")


def test_approval_is_refused_when_the_identifier_was_registered_meanwhile(
    registration: Registration, sh_officer: User
) -> None:
    OrganizationFactory(uscc=USCC)
    before = counts()
    with pytest.raises(GuardFailed):
        decide(sh_officer, registration, "approve")
    assert counts() == before
    assert role_names(User.objects.get(pk=registration.applicant_id)) == frozenset()


def test_an_officer_of_a_province_reviews_its_lower_divisions(roles: RoleHelper) -> None:
    pudong = Region.objects.create(
        code="310115",
        name_zh="浦东新区",
        name_en="Pudong New Area",
        level=Region.Level.COUNTY,
        parent=region("310000"),
    )
    registration = submit(region=pudong)
    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    assert decide(officer, registration, "approve").state == S.APPROVED


# --- After approval: the employer's own users ------------------------------------------------


def test_the_new_admin_invites_a_colleague_and_stays_the_last_admin(
    registration: Registration, sh_officer: User
) -> None:
    done = decide(sh_officer, registration, "approve")
    organization = done.organization
    assert organization is not None
    admin = User.objects.get(pk=registration.applicant_id)
    colleague = portal_services.organization_member_invite(
        actor=admin,
        organization=organization,
        email="zhang.wei@example.com",
        full_name="张伟",
        role=Role.EMPLOYER_STAFF,
    )
    assert colleague.organization == organization
    assert has_role(colleague, Role.EMPLOYER_STAFF)
    with pytest.raises(ServiceError) as caught:
        portal_services.organization_member_remove(
            actor=admin, organization=organization, user=admin
        )
    assert caught.value.code == "last_admin"
    admin.refresh_from_db()
    assert admin.is_active is True
    assert Group.objects.get(name="employer_admin").user_set.filter(pk=admin.pk).exists()


def test_workflow_table_is_what_the_docs_say() -> None:
    assert REGISTRATION_WORKFLOW.mermaid() == "\n".join(
        [
            "stateDiagram-v2",
            "    [*] --> submitted",
            "    submitted --> approved : approve",
            "    submitted --> returned : return_for_correction",
            "    submitted --> rejected : reject",
            "    returned --> submitted : resubmit",
            "    submitted --> withdrawn : withdraw",
            "    returned --> withdrawn : withdraw",
        ]
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_approving_at_once_create_one_organization(
    postgres_only: None, roles: RoleHelper
) -> None:
    """The engine locks the row: one approval applies, the other is refused because the
    state changed while it waited; one organization, one grant."""
    import threading

    from django.db import close_old_connections, connection

    with translation.override("en"):
        registration = submit()
    officers = [roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000") for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(officer: User) -> None:
        try:
            barrier.wait(timeout=10)
            decide(officer, registration, "approve")
            result = "applied"
        except TransitionNotAllowed:
            result = "refused"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["applied", "refused"]
    assert Organization.objects.filter(uscc=USCC).count() == 1
    assert TransitionRecord.objects.filter(target_id=str(registration.pk)).count() == 1
    assert AuditEvent.objects.filter(action="organization.create").count() == 1
