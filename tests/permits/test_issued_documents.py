"""The documents the permits app issues (``permits.issued``) through the kernel
(``portal.documents``): which ones each decision issues, what the PDFs say, how their
status follows the letter or permit, who may download them, verification by number (the
public page and the partner API), and the whole way from the officer's approval to a
forged copy refused.

Decisions run through the workflow engine with the clock moved (``clock``); a PDF is
rendered only where a test reads it (the eager task on commit, or ``document_render``
for the one document a test needs), since each render takes a good fraction of a second.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from permits.models import Application, NotificationLetter, Permit, PowerOfAttorney, Registration
from permits.services import permits as permit_services
from permits.services import registration as registration_services
from permits.services.registration import Account, RegistrationData
from permits.workflows.application import APPLICATION_WORKFLOW
from portal import documents
from portal.models import AuditEvent, Foreigner, IssuedDocument, Organization, Passport, User
from portal.roles import Role
from portal.workflow import GuardFailed
from tests.factories import RoleHelper, valid_uscc
from tests.permits.conftest import PDF, TODAY, Clock, Life, pdf_upload, region
from tests.portal.test_pages import sign_in_verified

pytestmark = pytest.mark.django_db

K = Application.Kind
S = Application.State
JULY_6 = dt.date(2026, 7, 6)  # a Monday four weeks after TODAY: the after-entry permit
READY = IssuedDocument.State.READY
PENDING = IssuedDocument.State.PENDING
VERIFY = "/api/v1/partner/verify/"


# --- Helpers --------------------------------------------------------------------------------------


def run(application: Application, name: str, actor: User, **kwargs: Any) -> Application:
    return APPLICATION_WORKFLOW.run(application, name, actor=actor, **kwargs)


def kinds_and_numbers(**filters: Any) -> list[tuple[str, str, int]]:
    return list(
        IssuedDocument.objects.filter(**filters)
        .order_by("kind", "version")
        .values_list("kind", "number", "version")
    )


def of(subject: Any, kind: str) -> IssuedDocument:
    return documents.documents_of(subject, [kind]).get(superseded_at__isnull=True)


def render(document: IssuedDocument) -> IssuedDocument:
    """Render one document (the task's body), without the others queued with it."""
    rendered = documents.document_render(document.pk)
    assert rendered is not None
    assert rendered.state == READY
    return rendered


def stored(document: IssuedDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def pdf_text(data: bytes, folder: Path) -> str:
    """The PDF's text (``pdftotext``), without any white space: lines wrap anywhere."""
    path = folder / f"document-{len(list(folder.iterdir()))}.pdf"
    path.write_bytes(data)
    done = subprocess.run(  # noqa: S603 - a fixed program on a file of our own
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S607
        capture_output=True,
        check=True,
    )
    return "".join(done.stdout.decode("utf-8").split())


def squeezed(text: str) -> str:
    return "".join(text.split())


def client_for(user: User | None) -> Client:
    """Signed in as after the password and, for officials, the second factor."""
    client = Client()
    if user is not None:
        sign_in_verified(client, user)
    return client


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def downloads() -> list[tuple[int | None, str]]:
    return list(
        AuditEvent.objects.filter(action="portal.document.download")
        .order_by("seq")
        .values_list("actor_id", "target_id")
    )


def issue_events() -> int:
    return AuditEvent.objects.filter(action="portal.document.issue").count()


# --- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _storage(db: None) -> Any:
    """The rendered PDFs live in the in-memory storage: none outlives its test."""
    yield
    for document in IssuedDocument.objects.exclude(file=""):
        document.file.storage.delete(document.file.name)


@pytest.fixture
def holder(db: None) -> Foreigner:
    person = Foreigner.objects.create(
        surname="SMITH",
        given_names="JAMES",
        sex=Foreigner.Sex.MALE,
        date_of_birth=dt.date(1986, 2, 3),
        nationality="GBR",
    )
    Passport.objects.create(
        foreigner=person,
        number="533380006",
        issuing_country="GBR",
        issue_date=dt.date(2021, 4, 1),
        expiry_date=dt.date(2031, 3, 31),
    )
    return person


@pytest.fixture
def under_review(
    clock: Clock,
    life: Life,
    employer: Organization,
    employer_admin: User,
    holder: Foreigner,
    shanghai_catalog: Any,
) -> Application:
    """A new (letter) application under review in Shanghai, every document supplied."""
    application = life.application(K.NEW, employer=employer, user=employer_admin, foreigner=holder)
    life.documents(application, TODAY)
    return application


@pytest.fixture
def approved(under_review: Application, sh_decision: User) -> Application:
    """Approved on TODAY: the letter and the decision issued, nothing rendered."""
    return run(under_review, "approve", sh_decision)


@pytest.fixture
def letter(approved: Application) -> NotificationLetter:
    return NotificationLetter.objects.get(application=approved)


@pytest.fixture
def after_entry(
    clock: Clock,
    life: Life,
    letter: NotificationLetter,
    employer: Organization,
    employer_admin: User,
    holder: Foreigner,
) -> Application:
    application = life.application(
        K.AFTER_ENTRY,
        employer=employer,
        user=employer_admin,
        foreigner=holder,
        submitted=dt.date(2026, 6, 29),
        letter=letter,
        entry_date=dt.date(2026, 6, 25),
    )
    life.documents(application, dt.date(2026, 6, 29))
    return application


@pytest.fixture
def permit(clock: Clock, after_entry: Application, sh_decision: User) -> Permit:
    """The work permit after entry, approved 6 July 2026 (valid to 5 July 2028)."""
    clock.set(JULY_6)
    run(after_entry, "approve", sh_decision)
    issued = Permit.objects.get(application=after_entry)
    assert (issued.valid_from, issued.valid_until) == (JULY_6, dt.date(2028, 7, 5))
    return issued


@pytest.fixture
def partner(roles: RoleHelper) -> User:
    return roles.user(Role.PARTNER_READER, region_code="310000")


# --- 1. Which documents each decision issues ------------------------------------------------------


def test_approving_a_letter_application_issues_the_letter_and_the_grant(
    under_review: Application, sh_decision: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        approved = run(under_review, "approve", sh_decision)
        letter = NotificationLetter.objects.get(application=approved)
        assert kinds_and_numbers() == [
            ("permits.grant", f"XK-{approved.number}", 1),
            ("permits.letter", letter.number, 1),
        ]
        assert set(IssuedDocument.objects.values_list("state", flat=True)) == {PENDING}
        assert not IssuedDocument.objects.exclude(file="").exists()

    rows = list(IssuedDocument.objects.order_by("kind"))
    assert [(d.kind, d.state, d.version, d.issued_on) for d in rows] == [
        ("permits.grant", READY, 1, TODAY),
        ("permits.letter", READY, 1, TODAY),
    ]
    assert [documents.subject_of(d) for d in rows] == [approved, letter]
    assert all(d.issued_by == sh_decision for d in rows)
    assert all(stored(d).startswith(b"%PDF") and d.token.startswith("P1.") for d in rows)
    assert issue_events() == 2


def test_after_entry_issues_the_permit_and_its_grant(
    permit: Permit, after_entry: Application, letter: NotificationLetter
) -> None:
    issued = [*documents.documents_of(after_entry), *documents.documents_of(permit)]
    assert [(d.kind, d.number, d.version, d.issued_on) for d in issued] == [
        ("permits.grant", f"XK-{after_entry.number}", 1, JULY_6),
        ("permits.permit", permit.permit_number, 1, JULY_6),
    ]
    # Four documents in all: the letter and its grant, the permit and its grant.
    assert IssuedDocument.objects.count() == 4
    assert documents.documents_of(letter).count() == 1


def test_an_extension_issues_version_two_and_supersedes_the_first(
    clock: Clock,
    life: Life,
    permit: Permit,
    employer: Organization,
    employer_admin: User,
    holder: Foreigner,
    sh_decision: User,
) -> None:
    first = render(of(permit, "permits.permit"))
    extension = life.application(
        K.EXTENSION,
        employer=employer,
        user=employer_admin,
        foreigner=holder,
        submitted=dt.date(2028, 5, 8),
        permit=permit,
        contract_end=dt.date(2031, 6, 30),
    )
    life.documents(extension, dt.date(2028, 5, 8))
    clock.set(dt.date(2028, 5, 22))
    run(extension, "approve", sh_decision)

    versions = list(documents.documents_of(permit, ["permits.permit"]))
    assert [(d.number, d.version) for d in versions] == [
        (permit.permit_number, 2),
        (permit.permit_number, 1),
    ]
    second, old = versions
    assert old.pk == first.pk
    assert old.superseded_at == timezone.now()
    assert second.superseded_at is None
    assert second.supersedes_id == first.pk
    assert extension.number in second.reason
    # The new version states the extended validity.
    permit.refresh_from_db()
    assert second.facts["u"] == permit.valid_until.isoformat() != first.facts["u"]
    assert kinds_and_numbers(subject_id=extension.pk, kind="permits.grant") == [
        ("permits.grant", f"XK-{extension.number}", 1)
    ]
    assert documents.verdict_for_token(first.token).status == "superseded"


def test_a_rejection_issues_the_decision_to_refuse(
    under_review: Application, sh_decision: User
) -> None:
    run(
        under_review,
        "reject",
        sh_decision,
        reason="Not a software post.",
        payload={"reasons": ["DEC-POST"], "text_zh": "岗位不符。", "text_en": "Wrong post."},
    )
    assert kinds_and_numbers() == [("permits.rejection", f"BX-{under_review.number}", 1)]
    assert of(under_review, "permits.rejection").state == PENDING


def test_a_refusal_to_accept_issues_the_decision_not_to_accept(
    clock: Clock,
    life: Life,
    employer: Organization,
    employer_admin: User,
    holder: Foreigner,
    sh_acceptance: User,
) -> None:
    submitted = life.application(
        K.NEW, employer=employer, user=employer_admin, foreigner=holder, state=S.SUBMITTED
    )
    refused = run(
        submitted,
        "refuse_acceptance",
        sh_acceptance,
        reason="Incomplete after correction.",
        payload={"reasons": ["ACC-INCOMPLETE"]},
    )
    assert refused.state == S.NOT_ACCEPTED
    document = of(refused, "permits.rejection")
    # BUG: the refusal's document is built by ``effect_refused`` before the engine sets the
    # state (``portal.workflow.Workflow.run`` runs the effects first), so
    # ``issued.build_rejection`` still sees ``submitted`` and issues a decision to refuse
    # (``BX-``, stage "decision", with the points assessment) instead of the decision not
    # to accept (``BS-``, stage "acceptance").
    assert document.number == f"BS-{refused.number}"
    assert document.context["decision"]["stage"] == "acceptance"


def test_registration_approval_issues_the_registration_certificate(
    clock: Clock, sh_acceptance: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    registration = registration_services.registration_submit(
        actor=None,
        data=RegistrationData(
            kind=Registration.Kind.EMPLOYER,
            uscc=valid_uscc(515151),
            name_zh="上海证书测试有限公司",
            name_en="Shanghai Certificate Testing Co., Ltd.",
            region=region("310000"),
            address="上海市徐汇区漕溪北路1号",
            legal_representative="张伟",
            handler_name="王芳",
            handler_phone="+86 21 5555 0101",
            handler_email="wang.fang@example.com",
        ),
        business_licence=pdf_upload("licence.pdf"),
        power_of_attorney=pdf_upload("attorney.pdf", PDF),
        account=Account(
            username="wangfang", email="wang.fang@example.com", password="Blue-Harbour-Lantern-73"
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        approved = registration_services.registration_transition(
            actor=sh_acceptance, registration=registration, transition="approve"
        )
    document = of(approved, "permits.registration")
    assert kinds_and_numbers() == [("permits.registration", registration.number, 1)]
    assert document.employer == approved.organization
    text = pdf_text(stored(document), tmp_path)
    for needle in (
        "用人单位注册证明",
        "CertificateofEmployerRegistration",
        "上海证书测试有限公司",
        registration.number,
    ):
        assert needle in text, needle


def test_a_transition_refused_by_a_guard_issues_nothing(
    clock: Clock,
    life: Life,
    employer: Organization,
    employer_admin: User,
    holder: Foreigner,
    under_review: Application,
    sh_decision: User,
    shanghai_catalog: Any,
) -> None:
    events = AuditEvent.objects.count()
    # No reason from the list: the rejection's guard refuses.
    with pytest.raises(GuardFailed):
        run(under_review, "reject", sh_decision, reason="No.", payload={"reasons": []})
    # Documents missing: the approval's guard refuses.
    bare = life.application(K.NEW, employer=employer, user=employer_admin, foreigner=life.person())
    with pytest.raises(GuardFailed):
        run(bare, "approve", sh_decision)
    assert not IssuedDocument.objects.exists()
    assert AuditEvent.objects.count() == events
    assert not NotificationLetter.objects.exists()


# --- 2. What the PDFs say -------------------------------------------------------------------------


def test_the_letter_and_the_grant_print_their_titles_holder_employer_and_number(
    approved: Application, letter: NotificationLetter, employer: Organization, tmp_path: Path
) -> None:
    text = pdf_text(stored(render(of(letter, "permits.letter"))), tmp_path)
    for needle in (
        "外国人工作许可通知",
        "NotificationLetterofForeigner'sWorkPermit",
        "SMITHJAMES",
        "上海测试科技有限公司",
        letter.number,
    ):
        assert needle in text, needle

    text = pdf_text(stored(render(of(approved, "permits.grant"))), tmp_path)
    for needle in (
        "准予行政许可决定书",
        "DecisiontoGrantanAdministrativeLicence",
        "SMITHJAMES",
        "上海测试科技有限公司",
        f"XK-{approved.number}",
        letter.number,
    ):
        assert needle in text, needle


def test_the_rejection_prints_each_reason_and_the_officers_texts(
    under_review: Application, sh_decision: User, tmp_path: Path
) -> None:
    from permits.models import RejectionReason

    codes = ["DEC-STANDARD", "DEC-POST"]
    run(
        under_review,
        "reject",
        sh_decision,
        reason="Not a software post.",
        payload={
            "reasons": codes,
            "text_zh": "该岗位实际为销售岗位。",
            "text_en": "The post is in fact a sales post.",
        },
    )
    document = render(of(under_review, "permits.rejection"))
    text = pdf_text(stored(document), tmp_path)
    expected = [
        "不予行政许可决定书",
        "DecisiontoRefuseanAdministrativeLicence",
        "SMITHJAMES",
        "上海测试科技有限公司",
        f"BX-{under_review.number}",
        "该岗位实际为销售岗位。",
        "Thepostisinfactasalespost.",
    ]
    for reason in RejectionReason.objects.filter(code__in=codes):
        expected += [squeezed(reason.text_zh), squeezed(reason.text_en)]
    for needle in expected:
        assert needle in text, needle


# --- 3. The status follows the letter or permit ---------------------------------------------------


def test_a_letter_reads_current_then_used_once_the_permit_is_issued(
    clock: Clock,
    letter: NotificationLetter,
    after_entry: Application,
    sh_decision: User,
) -> None:
    token = render(of(letter, "permits.letter")).token
    verdict = documents.verdict_for_token(token)
    assert (verdict.genuine, verdict.status, verdict.is_current) == (True, "current", True)
    assert verdict.facts["number"] == letter.number

    clock.set(JULY_6)
    run(after_entry, "approve", sh_decision)

    verdict = documents.verdict_for_token(token)
    assert (verdict.genuine, verdict.status, verdict.is_current) == (True, "used", False)


def test_a_permit_reads_expired_past_its_date_before_any_task(clock: Clock, permit: Permit) -> None:
    token = render(of(permit, "permits.permit")).token
    clock.set(dt.date(2028, 7, 5))
    assert documents.verdict_for_token(token).status == "current"
    clock.set(dt.date(2028, 7, 6))
    assert documents.verdict_for_token(token).status == "expired"
    permit.refresh_from_db()
    assert permit.state == Permit.State.ACTIVE  # nothing recorded yet


def test_revoking_a_permit_turns_its_document_revoked(
    clock: Clock, permit: Permit, sh_decision: User, tmp_path: Path
) -> None:
    document = render(of(permit, "permits.permit"))
    text = pdf_text(stored(document), tmp_path)
    for needle in (
        "外国人工作许可证",
        "Foreigner'sWorkPermit",
        "SMITHJAMES",
        "上海测试科技有限公司",
        permit.permit_number,
    ):
        assert needle in text, needle
    token = document.token
    assert documents.verdict_for_token(token).status == "current"
    clock.set(dt.date(2026, 9, 1))
    permit_services.permit_revoke(
        actor=sh_decision,
        permit=permit,
        reasons=["REV-ILLEGAL"],
        reason="Works as a sales manager, not as the engineer permitted.",
    )
    verdict = documents.verdict_for_token(token)
    assert (verdict.genuine, verdict.status, verdict.is_current) == (True, "revoked", False)


# --- 4. Who may download --------------------------------------------------------------------------


def test_downloads_by_role_and_each_allowed_one_is_audited(
    roles: RoleHelper,
    letter: NotificationLetter,
    employer: Organization,
    employer_admin: User,
    beijing_admin: User,
    agency: Organization,
    agent: User,
    sh_decision: User,
    bj_decision: User,
) -> None:
    PowerOfAttorney.objects.create(
        employer=employer,
        agency=agency,
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=365),
        granted_by=employer_admin,
        granted_at=timezone.now(),
    )
    document = render(of(letter, "permits.letter"))
    expected = stored(document)
    address = reverse("portal:document_download", args=[document.pk])

    for user in (employer_admin, agent, sh_decision):
        response = client_for(user).get(address)
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf"
        assert body_of(response) == expected
    for user in (beijing_admin, bj_decision):
        assert client_for(user).get(address).status_code == 404, user
    anonymous = client_for(None).get(address)
    assert anonymous.status_code == 302
    assert reverse("portal:login") in anonymous["Location"]

    assert downloads() == [
        (employer_admin.pk, str(document.pk)),
        (agent.pk, str(document.pk)),
        (sh_decision.pk, str(document.pk)),
    ]


@pytest.mark.parametrize(
    "power",
    [
        None,
        (TODAY - dt.timedelta(days=60), TODAY - dt.timedelta(days=1)),
        (TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=90)),
    ],
    ids=["none", "ended", "not-yet"],
)
def test_an_agent_without_a_power_of_attorney_in_force_gets_404(
    letter: NotificationLetter,
    employer: Organization,
    employer_admin: User,
    agency: Organization,
    agent: User,
    power: tuple[dt.date, dt.date] | None,
) -> None:
    if power is not None:
        PowerOfAttorney.objects.create(
            employer=employer,
            agency=agency,
            valid_from=power[0],
            valid_until=power[1],
            granted_by=employer_admin,
            granted_at=timezone.now(),
        )
    document = render(of(letter, "permits.letter"))
    address = reverse("portal:document_download", args=[document.pk])
    assert client_for(agent).get(address).status_code == 404
    assert downloads() == []


def test_the_pages_list_the_documents_and_only_the_officer_may_reissue(
    approved: Application, letter: NotificationLetter, employer_admin: User, sh_decision: User
) -> None:
    document = render(of(letter, "permits.letter"))
    grant = of(approved, "permits.grant")  # still being prepared
    pdf = reverse("portal:document_download", args=[document.pk])
    reissue = reverse("portal:document_reissue", args=[document.pk])

    page = client_for(employer_admin).get(reverse("permits:application", args=[approved.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{pdf}"' in html
    assert letter.number in html
    assert grant.number in html
    assert reissue not in html

    page = client_for(sh_decision).get(reverse("permits:review_application", args=[approved.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{pdf}"' in html
    assert grant.number in html
    assert f'action="{reissue}"' in html


def test_only_the_decision_officer_reissues_from_the_panel(
    approved: Application, letter: NotificationLetter, employer_admin: User, sh_decision: User
) -> None:
    document = of(letter, "permits.letter")
    address = reverse("portal:document_reissue", args=[document.pk])
    form = {"reason": "The job title was misspelt."}

    refused = client_for(employer_admin).post(address, form)
    assert refused.status_code == 302
    assert list(documents.documents_of(letter).values_list("version", flat=True)) == [1]

    done = client_for(sh_decision).post(address, form)
    assert done.status_code == 302
    versions = list(documents.documents_of(letter))
    assert [(d.version, d.superseded_at is None) for d in versions] == [(2, True), (1, False)]
    assert versions[0].reason == "The job title was misspelt."
    assert versions[0].issued_by == sh_decision


def test_the_pages_showing_documents_take_a_fixed_number_of_queries(
    approved: Application,
    letter: NotificationLetter,
    employer_admin: User,
    sh_decision: User,
    django_assert_num_queries: Any,
) -> None:
    render(of(letter, "permits.letter"))
    employer_client = client_for(employer_admin)
    # 18, and the unread notifications of the header.
    with django_assert_num_queries(19):
        page = employer_client.get(reverse("permits:application", args=[approved.pk]))
    assert page.status_code == 200
    officer_client = client_for(sh_decision)
    review = reverse("permits:review_application", args=[approved.pk])
    officer_client.get(review)  # the first visit fills the cache of the calendar
    # 20, and the labour-market test: the vacancy recorded and the rule that applied; the
    # worker's pre-2017 document at the employer, if any; the unread notifications of the
    # header.
    with django_assert_num_queries(24):
        page = officer_client.get(review)
    assert page.status_code == 200


# --- 5. Verification by number, on the page and through the partner API --------------------------


def test_verdict_for_number_needs_the_holders_name_in_any_case_or_order(permit: Permit) -> None:
    for name in ("smith james", "James Smith", "SMITH  JAMES"):
        verdict = documents.verdict_for_number(permit.permit_number, name, JULY_6)
        assert (verdict.genuine, verdict.status, verdict.source) == (True, "current", "number")
        assert verdict.facts["number"] == permit.permit_number
        assert verdict.document == of(permit, "permits.permit")
    for name in ("John Smith", "Smith", ""):
        verdict = documents.verdict_for_number(permit.permit_number, name, JULY_6)
        assert (verdict.genuine, verdict.code) == (False, "not_found")
    # Spaces typed in the number do not matter; an unknown number finds nothing.
    spaced = f"{permit.permit_number[:6]} {permit.permit_number[6:]}"
    assert documents.verdict_for_number(spaced, "James Smith", JULY_6).genuine
    unknown = documents.verdict_for_number("310000202699999999", "James Smith", JULY_6)
    assert (unknown.genuine, unknown.code) == (False, "not_found")


def test_the_public_page_checks_a_number_with_the_name(permit: Permit) -> None:
    address = reverse("portal:verify")
    client = client_for(None)
    found = client.post(
        address, {"mode": "number", "n-number": permit.permit_number, "n-name": "smith james"}
    )
    assert found.status_code == 200
    assert "verdict--current" in found.content.decode()
    assert "status--current" in found.content.decode()
    assert permit.permit_number in found.content.decode()

    wrong = client.post(
        address, {"mode": "number", "n-number": permit.permit_number, "n-name": "John Smith"}
    )
    assert wrong.status_code == 200
    html = wrong.content.decode()
    assert "verdict--refused" in html
    assert "status--current" not in html
    assert str(found.context["verdict"].status) == "current"
    assert wrong.context["verdict"].code == "not_found"


def api(user: User) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_a_partner_verifies_a_payload_and_a_permit_number(permit: Permit, partner: User) -> None:
    document = render(of(permit, "permits.permit"))

    answer = api(partner).get(VERIFY, {"payload": document.token})
    assert answer.status_code == 200
    body = json.loads(answer.content)
    assert body["genuine"] is True
    assert (body["code"], body["status"], body["current"], body["source"]) == (
        None,
        "current",
        True,
        "payload",
    )
    assert body["facts"]["number"] == permit.permit_number
    assert body["facts"]["kind"] == "permits.permit"
    assert set(body) == {
        "genuine",
        "code",
        "message",
        "status",
        "status_label",
        "current",
        "facts",
        "source",
    }
    # The address the QR code opens works as well as the bare payload.
    answer = api(partner).get(VERIFY, {"payload": documents.verify_url(document.token)})
    assert json.loads(answer.content)["genuine"] is True

    answer = api(partner).get(VERIFY, {"permit_number": permit.permit_number})
    assert answer.status_code == 200
    body = json.loads(answer.content)
    assert (body["genuine"], body["status"], body["source"]) == (True, "current", "number")
    assert body["facts"]["holder"] == "SMITH JAMES"

    events = list(
        AuditEvent.objects.filter(action="permits.partner.verify")
        .order_by("seq")
        .values_list("actor_id", "target_id", "data")
    )
    assert [(actor, target, data["by"], data["genuine"]) for actor, target, data in events] == [
        (partner.pk, str(document.pk), "payload", True),
        (partner.pk, str(document.pk), "payload", True),
        (partner.pk, str(document.pk), "permit_number", True),
    ]


def test_a_forged_payload_is_refused_and_audited(permit: Permit, partner: User) -> None:
    token = render(of(permit, "permits.permit")).token
    prefix, facts, signature = token.split(".")
    forged = f"{prefix}.{facts}.{'B' if signature[0] != 'B' else 'C'}{signature[1:]}"

    answer = api(partner).get(VERIFY, {"payload": forged})
    assert answer.status_code == 200
    body = json.loads(answer.content)
    assert (body["genuine"], body["code"], body["status"], body["current"]) == (
        False,
        "bad_signature",
        None,
        False,
    )
    event = AuditEvent.objects.get(action="permits.partner.verify")
    assert (event.actor_id, event.target_id) == (partner.pk, "")
    assert (event.data["genuine"], event.data["code"]) == (False, "bad_signature")


@pytest.mark.parametrize(
    "params", [{}, {"payload": "P1.x.y", "permit_number": "310000202600000001"}]
)
def test_neither_or_both_parameters_is_400(
    clock: Clock, partner: User, params: dict[str, str]
) -> None:
    answer = api(partner).get(VERIFY, params)
    assert answer.status_code == 400
    assert json.loads(answer.content) == {
        "code": "invalid",
        "message": "The request has invalid fields. Correct them and send it again.",
        "fields": {"non_field_errors": ["Give either a payload or a permit number."]},
    }
    assert not AuditEvent.objects.filter(action="permits.partner.verify").exists()


def test_an_employer_may_not_call_the_partner_verification(
    clock: Clock, employer_admin: User
) -> None:
    answer = api(employer_admin).get(VERIFY, {"permit_number": "310000202600000001"})
    assert answer.status_code == 403
    assert not AuditEvent.objects.filter(action="permits.partner.verify").exists()


# --- 6. Done means -------------------------------------------------------------------------------


def test_done_means_from_approval_to_a_forged_copy_refused(
    clock: Clock,
    under_review: Application,
    sh_decision: User,
    employer_admin: User,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The officer approves; the documents are rendered once the decision commits.
    with django_capture_on_commit_callbacks(execute=True):
        approved = run(under_review, "approve", sh_decision)
    letter = NotificationLetter.objects.get(application=approved)
    document = of(letter, "permits.letter")
    assert document.state == READY

    # The employer downloads the letter.
    response = client_for(employer_admin).get(
        reverse("portal:document_download", args=[document.pk])
    )
    assert response.status_code == 200
    pdf = body_of(response)
    assert "外国人工作许可通知" in pdf_text(pdf, tmp_path)

    # Its QR code opens the verify page: genuine and current.
    page = client_for(None).get(f"/verify/d/{document.token}/", follow=True)
    assert page.status_code == 200
    assert page.context["verdict"].genuine
    assert "verdict--current" in page.content.decode()
    assert "status--current" in page.content.decode()

    # The letter is revoked: the same page says so.
    clock.set(dt.date(2026, 7, 1))
    permit_services.letter_revoke(
        actor=sh_decision, letter=letter, reasons=["REV-FALSE"], reason="False degree"
    )
    page = client_for(None).get(f"/verify/d/{document.token}/", follow=True)
    assert page.context["verdict"].genuine
    assert page.context["verdict"].status == "revoked"
    assert "status--revoked" in page.content.decode()
    assert "verdict--current" not in page.content.decode()

    # The file as issued passes; a copy with one byte changed does not.
    genuine = tmp_path / "letter.pdf"
    genuine.write_bytes(pdf)
    assert documents.verdict_for_file(pdf).genuine
    middle = len(pdf) // 2
    edited = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]
    assert docverify_seal_untouched(pdf, middle)
    verdict = documents.verdict_for_file(edited)
    assert (verdict.genuine, verdict.code) == (False, "file_altered")
    copy = tmp_path / "edited.pdf"
    copy.write_bytes(edited)
    with pytest.raises(SystemExit) as exited:
        call_command("verify_document", str(copy))
    assert exited.value.code == 1
    with pytest.raises(SystemExit) as exited:
        call_command("verify_document", str(genuine))
    assert exited.value.code == 0


def docverify_seal_untouched(pdf: bytes, at: int) -> bool:
    """The byte changed lies outside the seal line (so the seal itself still reads)."""
    from portal import docverify

    seal = docverify.read_seal(pdf)
    assert seal is not None
    start = pdf.find(docverify.SEAL_MARK)
    end = pdf.find(b"\n", start)
    return not start <= at <= end


def test_the_printed_qr_code_scans_to_the_verify_address_of_the_signed_payload(
    letter: NotificationLetter, tmp_path: Path
) -> None:
    """Not only a link in the file: the QR code drawn on the page, rasterised at 200 dpi as
    a scan of a print would be, decodes to the verify address of the document's payload."""
    import zxingcpp
    from PIL import Image

    document = render(of(letter, "permits.letter"))
    path = tmp_path / "letter.pdf"
    path.write_bytes(stored(document))
    subprocess.run(  # noqa: S603 - a fixed program on a file of our own
        ["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],  # noqa: S607
        check=True,
    )
    [page] = sorted(tmp_path.glob("p*.png"))
    [code] = zxingcpp.read_barcodes(Image.open(page))
    assert code.text == f"https://portal.example.test/verify/d/{document.token}/"
    assert documents.verdict_for_token(code.text.split("/verify/d/")[1].strip("/")).is_current
