"""The pages of registration and powers of attorney, through Django's test client.

The whole path as people take it: a handler opens an account and registers, the Shanghai
acceptance officer approves, the new administrator signs in, sees the employer's pages
and invites a colleague, and cannot remove themselves as the last administrator. Then the
other outcomes (returned and resubmitted, rejected, duplicate identifier, bad uploads,
blocked by credit), the authorization matrix of every view over the roles, the queue's
pinned query count, and the power-of-attorney pages. Texts are computed through
``gettext`` in the page's language, so the tests hold with and without the compiled
Chinese catalogue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from credit import selectors as credit_selectors
from permits.models import PowerOfAttorney, Registration
from permits.services.registration import power_of_attorney_grant
from portal.models import Organization, Region, StoredFile, User
from portal.roles import Role
from tests.factories import OrganizationFactory, RoleHelper, valid_uscc
from tests.pages import html_of, tr
from tests.permits.test_registration import (
    PASSWORD,
    PDF,
    USCC,
    WRONG_CHECK,
    blocking,
    counts,
    png_bytes,
    submit,
)
from tests.portal.test_pages import assert_landmarks_and_labels, sign_in_verified, text_of

pytestmark = pytest.mark.django_db

START = "/zh-hans/registration/"
MINE = "/zh-hans/registration/mine/"
QUEUE = "/zh-hans/review/registrations/"
LOGIN = "/zh-hans/accounts/login/"
DASHBOARD = "/zh-hans/dashboard/"
MEMBERS = "/zh-hans/organization/colleagues/"
INVITE = "/zh-hans/organization/colleagues/invite/"
ATTORNEY = "/zh-hans/organization/attorney/"
AGENCIES = "/zh-hans/organization/attorney/agencies/"
GRANT = "/zh-hans/organization/attorney/grant/"
REPRESENTED = "/zh-hans/organization/represented/"


def detail_url(registration: Registration, language: str = "zh-hans") -> str:
    return f"/{language}/registration/{registration.pk}/"


def review_url(registration: Registration) -> str:
    return f"/zh-hans/review/registrations/{registration.pk}/"


def decide_url(registration: Registration, name: str) -> str:
    return f"/zh-hans/review/registrations/{registration.pk}/do/{name}/"


def file_url(registration: Registration, which: str = "business_licence") -> str:
    return f"/zh-hans/registration/{registration.pk}/files/{which}/"


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return text_of(html_of(response))


def form_data(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "username": "lina",
        "email": "li.na@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "kind": "employer",
        "uscc": USCC,
        "name_zh": "上海新登记科技有限公司",
        "name_en": "Shanghai Newly Registered Technology Co., Ltd.",
        "region": Region.objects.get(code="310000").pk,
        "address": "上海市浦东新区世纪大道100号",
        "legal_representative": "王伟",
        "handler_name": "李娜",
        "handler_phone": "+86 21 5555 0100",
        "handler_email": "li.na@example.com",
        "business_licence": SimpleUploadedFile("licence.pdf", PDF, "application/pdf"),
        "power_of_attorney": SimpleUploadedFile("attorney.png", png_bytes(), "image/png"),
    }
    values.update(overrides)
    return values


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- The whole path ------------------------------------------------------------------------------


def test_register_approve_sign_in_and_invite(client: Client, roles: RoleHelper) -> None:
    # 1. The handler opens an account and registers.
    html = html_of(client.get(START))
    assert_landmarks_and_labels(html)
    assert tr("Register an employer or service agency") in text_of(html)
    response = client.post(START, form_data())
    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(registration)
    text = page(client, detail_url(registration))
    assert registration.number in text
    assert tr("Submitted") in text
    assert registration.applicant.username == "lina"

    # 2. The Shanghai acceptance officer finds it in the queue and approves it.
    officer_client = Client()
    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    sign_in_verified(officer_client, officer)
    assert registration.number in page(officer_client, QUEUE)
    text = page(officer_client, review_url(registration))
    assert USCC in text
    assert "上海新登记科技有限公司" in text
    licence = officer_client.get(file_url(registration))
    assert licence.status_code == 200
    assert b"".join(licence.streaming_content) == PDF  # type: ignore[attr-defined]
    assert licence["Content-Type"] == "application/pdf"
    response = officer_client.post(decide_url(registration, "approve"))
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    registration.refresh_from_db()
    assert registration.state == "approved"
    organization = registration.organization
    assert organization is not None

    # 3. The new administrator signs in and sees the employer's pages.
    admin_client = Client()
    response = admin_client.post(LOGIN, {"username": "lina", "password": PASSWORD})
    assert response.status_code == 302
    text = page(admin_client, DASHBOARD)
    assert tr("Employer administrator") in text
    assert "上海新登记科技有限公司" in text
    assert USCC in text
    assert "上海新登记科技有限公司" in page(admin_client, MEMBERS)
    assert tr("No power of attorney granted yet.") in page(admin_client, ATTORNEY)
    text = page(admin_client, detail_url(registration))
    assert tr("Go to my work") in text

    # 4. ... invites a colleague ...
    response = admin_client.post(
        INVITE, {"full_name": "张伟", "email": "zhang.wei@example.com", "role": "employer_staff"}
    )
    assert response.status_code == 302
    colleague = User.objects.get(email="zhang.wei@example.com")
    assert colleague.organization == organization
    assert "张伟" in page(admin_client, MEMBERS)

    # 5. ... and, as the last administrator, cannot remove themselves.
    admin = User.objects.get(username="lina")
    response = admin_client.post(f"{MEMBERS}{admin.pk}/remove/", follow=True)
    assert response.status_code == 200
    assert tr(
        "An employer must keep at least one administrator. Make another colleague an "
        "administrator first."
    ) in text_of(html_of(response))
    admin.refresh_from_db()
    assert admin.is_active is True


def test_registration_page_in_english(client: Client) -> None:
    text = page(client, "/en/registration/")
    assert "Register an employer or service agency" in text
    assert "Unified Social Credit Identifier" in text
    assert "Handler's power of attorney" in text


def test_returned_corrected_and_resubmitted(client: Client, sh_acceptance: User) -> None:
    client.post(START, form_data())
    registration = Registration.objects.get()
    officer_client = Client()
    sign_in_verified(officer_client, sh_acceptance)
    response = officer_client.post(
        decide_url(registration, "return_for_correction"),
        {"return_for_correction-reason": "The licence scan is cut off."},
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.state == "returned"
    text = page(client, detail_url(registration))
    assert "The licence scan is cut off." in text
    assert tr("Correct and submit again") in text
    correct = f"{detail_url(registration)}correct/"
    html = html_of(client.get(correct))
    assert_landmarks_and_labels(html)
    data = form_data(address="上海市浦东新区世纪大道200号")
    for name in ("username", "email", "password1", "password2", "business_licence"):
        data.pop(name)
    data["power_of_attorney"] = SimpleUploadedFile("poa.pdf", PDF, "application/pdf")
    response = client.post(correct, data)
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.state == "submitted"
    assert registration.address == "上海市浦东新区世纪大道200号"
    assert registration.power_of_attorney.content_type == "application/pdf"
    assert "上海市浦东新区世纪大道200号" in page(officer_client, review_url(registration))


def test_rejected_registration_shows_the_reasons(client: Client, sh_acceptance: User) -> None:
    client.post(START, form_data())
    registration = Registration.objects.get()
    officer_client = Client()
    sign_in_verified(officer_client, sh_acceptance)
    officer_client.post(
        decide_url(registration, "reject"), {"reject-reason": "The licence was revoked."}
    )
    registration.refresh_from_db()
    assert (registration.state, registration.decision_reason) == (
        "rejected",
        "The licence was revoked.",
    )
    text = page(client, detail_url(registration))
    assert tr("The registration was rejected:") in text
    assert "The licence was revoked." in text
    assert Organization.objects.filter(uscc=USCC).count() == 0


def test_reject_without_a_reason_changes_nothing(client: Client, sh_acceptance: User) -> None:
    registration = submit()
    sign_in_verified(client, sh_acceptance)
    response = client.post(decide_url(registration, "reject"), {"reject-reason": ""}, follow=True)
    assert tr("Give a reason for “%(action)s”.", action=tr("Reject")) in text_of(html_of(response))
    registration.refresh_from_db()
    assert (registration.state, registration.decision_reason) == ("submitted", "")


def test_the_applicant_withdraws(client: Client) -> None:
    client.post(START, form_data())
    registration = Registration.objects.get()
    response = client.post(f"{detail_url(registration)}withdraw/", {"withdraw-reason": "Merged."})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.state == "withdrawn"
    assert tr("You withdrew this registration.") in page(client, detail_url(registration))


def test_duplicate_identifier_is_refused_with_the_reason(client: Client) -> None:
    OrganizationFactory(uscc=USCC)
    before = counts()
    response = client.post(START, form_data())
    assert response.status_code == 200
    text = text_of(html_of(response))
    assert tr("An organization with this identifier is already registered.") in text
    assert tr("There is a problem: correct what is listed.") in text
    assert counts() == before
    assert response.wsgi_request.user.is_authenticated is False


def test_wrong_check_character_is_accepted_and_flagged_for_the_officer(
    client: Client, sh_acceptance: User
) -> None:
    client.post(START, form_data(uscc=WRONG_CHECK))
    registration = Registration.objects.get()
    assert registration.uscc_check_failed is True
    sign_in_verified(client, sh_acceptance)
    text = page(client, review_url(registration))
    assert tr("The check character of the identifier does not match.") in text
    assert tr("check character mismatch") in page(client, QUEUE)


@pytest.mark.parametrize("field", ["business_licence", "power_of_attorney"])
def test_bad_upload_is_a_field_error_and_nothing_is_saved(client: Client, field: str) -> None:
    before = counts()
    bad = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post(START, form_data(**{field: bad}))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field] == [
        tr("Only PDF, JPEG and PNG files are accepted. Scan or save the document as one of these.")
    ]
    assert counts() == before


def test_weak_password_is_a_field_error(client: Client) -> None:
    before = counts()
    response = client.post(START, form_data(password1="password", password2="password"))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["password1"]
    assert counts() == before


def test_blocked_by_credit_shows_the_reasons_and_until_when(
    client: Client, monkeypatch: Any
) -> None:
    monkeypatch.setattr(credit_selectors, "organization_standing", lambda uscc, on: blocking())
    before = counts()
    response = client.post(START, form_data())
    assert response.status_code == 200
    text = text_of(html_of(response))
    assert tr("Registration blocked by the credit record") in text
    assert "非法聘用外国人 / Illegal employment of foreigners (2025-04-01)" in text
    assert "2027-03-31" in text
    assert counts() == before
    assert StoredFile.objects.count() == 0


def test_beijing_officer_gets_404_on_a_shanghai_registration(
    client: Client, bj_acceptance: User
) -> None:
    registration = submit()
    sign_in_verified(client, bj_acceptance)
    assert client.get(review_url(registration)).status_code == 404
    assert client.get(file_url(registration)).status_code == 404
    assert client.post(decide_url(registration, "approve")).status_code == 404
    assert registration.number not in page(client, QUEUE)
    registration.refresh_from_db()
    assert registration.state == "submitted"


def test_queue_shows_only_the_province_oldest_first_paginated(
    client: Client, sh_acceptance: User
) -> None:
    made = [submit(uscc=valid_uscc(1000 + n), **_account(n)) for n in range(3)]
    beijing = submit(
        uscc=valid_uscc(2000, "110000"),
        region=Region.objects.get(code="110000"),
        **_account(99),
    )
    sign_in_verified(client, sh_acceptance)
    response = client.get(QUEUE)
    rows = list(response.context["page"])
    assert rows == made
    assert beijing not in rows


def _account(n: int) -> dict[str, Any]:
    from tests.permits.test_registration import account

    return {"account": account(username=f"h{n}", email=f"h{n}@example.com")}


def test_queue_query_count_does_not_grow(
    client: Client, sh_acceptance: User, django_assert_num_queries: Any
) -> None:
    for n in range(2):
        submit(uscc=valid_uscc(3000 + n), **_account(n))
    sign_in_verified(client, sh_acceptance)
    client.get(QUEUE)  # warm the caches of the first request
    # 1 session, 2 user, 3 the user's groups (roles, for the menu and the second factor),
    # 4 the officer's region grants, 5 the page of registrations with their regions, 6 the
    # unread notifications of the header.
    with django_assert_num_queries(6):
        assert client.get(QUEUE).status_code == 200
    for n in range(2, 30):
        submit(uscc=valid_uscc(3000 + n), **_account(n))
    with django_assert_num_queries(6):
        response = client.get(QUEUE)
    assert len(response.context["page"].object_list) == 25
    assert response.context["page"].has_next is True
    assert len(client.get(QUEUE + "?page=2").context["page"].object_list) == 5


# --- Who may open what ------------------------------------------------------------------------

WHO = [
    "anonymous",
    "applicant",
    "employer_admin",
    "employer_staff",
    "agent",
    "sh_acceptance",
    "bj_acceptance",
    "sh_decision",
    "ministry_reviewer",
]


@pytest.fixture
def world(
    roles: RoleHelper, employer: Organization, employer_admin: User, agency: Organization
) -> dict[str, Any]:
    registration = submit()
    power = power_of_attorney_grant(
        actor=employer_admin,
        employer=employer,
        agency=agency,
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + dt.timedelta(days=30),
    )
    users = {
        "applicant": registration.applicant,
        "employer_admin": employer_admin,
        "employer_staff": roles.user(Role.EMPLOYER_STAFF, organization=employer),
        "agent": roles.user(Role.AGENCY_AGENT, organization=agency),
        "sh_acceptance": roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000"),
        "bj_acceptance": roles.user(Role.ACCEPTANCE_OFFICER, region_code="110000"),
        "sh_decision": roles.user(Role.DECISION_OFFICER, region_code="310000"),
        "ministry_reviewer": roles.user(Role.MINISTRY_REVIEWER),
    }
    return {"registration": registration, "power": power, "users": users, "agency": agency}


def _urls(world: dict[str, Any]) -> dict[str, tuple[str, str]]:
    r, p, a = world["registration"], world["power"], world["agency"]
    return {
        "start": ("get", START),
        "mine": ("get", MINE),
        "detail": ("get", detail_url(r)),
        "correct": ("get", f"{detail_url(r)}correct/"),
        "withdraw": ("post", f"{detail_url(r)}withdraw/"),
        "file": ("get", file_url(r, "power_of_attorney")),
        "queue": ("get", QUEUE),
        "review": ("get", review_url(r)),
        "decide": ("post", decide_url(r, "reject")),
        "attorney": ("get", ATTORNEY),
        "agencies": ("get", f"{AGENCIES}?q=测试"),
        "grant": ("get", f"{GRANT}?agency={a.pk}"),
        "revoke": ("get", f"/zh-hans/organization/attorney/{p.pk}/revoke/"),
        "represented": ("get", REPRESENTED),
    }


# The status each person gets; 302 for anonymous is the sign-in page, for the applicant on
# "start" the registration in progress, on "correct" the registration (not returned), and
# for the Shanghai officer on "decide" the review page (a reject without reasons is refused).
MATRIX: dict[str, dict[str, int]] = {
    "start": {
        "anonymous": 200,
        "applicant": 302,
        **dict.fromkeys(WHO[2:], 200),
    },
    "mine": {"anonymous": 302, **dict.fromkeys(WHO[1:], 200)},
    "detail": {"anonymous": 302, "applicant": 200, **dict.fromkeys(WHO[2:], 404)},
    "correct": {"anonymous": 302, "applicant": 302, **dict.fromkeys(WHO[2:], 404)},
    "withdraw": {"anonymous": 302, **dict.fromkeys(WHO[2:], 404)},
    "file": {
        "anonymous": 302,
        "applicant": 200,
        **dict.fromkeys(WHO[2:], 404),
        "sh_acceptance": 200,
    },
    "queue": {
        "anonymous": 302,
        **dict.fromkeys(WHO[1:], 404),
        "sh_acceptance": 200,
        "bj_acceptance": 200,
    },
    "review": {"anonymous": 302, **dict.fromkeys(WHO[1:], 404), "sh_acceptance": 200},
    "decide": {"anonymous": 302, **dict.fromkeys(WHO[1:], 404), "sh_acceptance": 302},
    "attorney": {"anonymous": 302, **dict.fromkeys(WHO[1:], 404), "employer_admin": 200},
    "agencies": {"anonymous": 302, **dict.fromkeys(WHO[1:], 404), "employer_admin": 200},
    "grant": {"anonymous": 302, **dict.fromkeys(WHO[1:], 404), "employer_admin": 200},
    "revoke": {"anonymous": 302, **dict.fromkeys(WHO[1:], 404), "employer_admin": 200},
    "represented": {"anonymous": 302, **dict.fromkeys(WHO[1:], 404), "agent": 200},
}
MATRIX["withdraw"]["applicant"] = 302  # withdrawn (the only change the matrix makes)


@pytest.mark.parametrize("view", list(MATRIX))
@pytest.mark.parametrize("who", WHO)
def test_authorization_matrix(client: Client, world: dict[str, Any], view: str, who: str) -> None:
    if who != "anonymous":
        sign_in_verified(client, world["users"][who])
    method, url = _urls(world)[view]
    response = getattr(client, method)(url)
    assert response.status_code == MATRIX[view][who], (view, who, response.status_code)
    if response.status_code == 302 and who == "anonymous":
        assert response["Location"].startswith(LOGIN)
    registration = Registration.objects.get(pk=world["registration"].pk)
    power = PowerOfAttorney.objects.get(pk=world["power"].pk)
    expected = "withdrawn" if (view, who) == ("withdraw", "applicant") else "submitted"
    assert registration.state == expected
    assert power.revoked_at is None


# --- Powers of attorney -----------------------------------------------------------------------


def test_grant_list_and_revoke_through_the_pages(
    client: Client, employer_admin: User, employer: Organization, agency: Organization, agent: User
) -> None:
    sign_in_verified(client, employer_admin)
    html = html_of(client.get(AGENCIES))
    assert_landmarks_and_labels(html)
    # The search answers htmx with the results alone.
    partial = client.get(f"{AGENCIES}?q=人才服务", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "<main" not in partial.content.decode()
    assert agency.name_zh in partial.content.decode()
    # By identifier, too.
    assert agency.name_zh in client.get(f"{AGENCIES}?q={agency.uscc}").content.decode()
    html = html_of(client.get(f"{GRANT}?agency={agency.pk}"))
    assert_landmarks_and_labels(html)
    start = timezone.localdate()
    end = start + dt.timedelta(days=90)
    response = client.post(
        GRANT,
        {"agency": agency.pk, "valid_from": start.isoformat(), "valid_until": end.isoformat()},
    )
    assert response.status_code == 302
    power = PowerOfAttorney.objects.get()
    assert (power.employer, power.agency, power.valid_from, power.valid_until) == (
        employer,
        agency,
        start,
        end,
    )
    text = page(client, ATTORNEY)
    assert agency.name_zh in text
    assert tr("In force") in text
    # The agent sees the employer.
    agent_client = Client()
    sign_in_verified(agent_client, agent)
    assert employer.name_zh in page(agent_client, REPRESENTED)
    # Revoked: the agent no longer sees it.
    revoke = f"/zh-hans/organization/attorney/{power.pk}/revoke/"
    assert tr("Revoke") in page(client, revoke)
    assert client.post(revoke).status_code == 302
    power.refresh_from_db()
    assert power.revoked_at is not None
    assert tr("Revoked") in page(client, ATTORNEY)
    assert employer.name_zh not in page(agent_client, REPRESENTED)


def test_grant_beyond_three_years_is_a_field_error(
    client: Client, employer_admin: User, agency: Organization
) -> None:
    sign_in_verified(client, employer_admin)
    start = timezone.localdate()
    response = client.post(
        GRANT,
        {
            "agency": agency.pk,
            "valid_from": start.isoformat(),
            "valid_until": (start + dt.timedelta(days=3 * 366)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["valid_until"]
    assert PowerOfAttorney.objects.count() == 0


def test_grant_to_an_unknown_agency_goes_back_to_the_search(
    client: Client, employer_admin: User, beijing_employer: Organization
) -> None:
    sign_in_verified(client, employer_admin)
    response = client.get(f"{GRANT}?agency={beijing_employer.pk}")
    assert response.status_code == 302
    assert response["Location"] == AGENCIES
    assert PowerOfAttorney.objects.count() == 0


def test_another_employers_power_is_404(
    client: Client,
    employer_admin: User,
    employer: Organization,
    agency: Organization,
    beijing_admin: User,
) -> None:
    power = power_of_attorney_grant(
        actor=employer_admin,
        employer=employer,
        agency=agency,
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate(),
    )
    sign_in_verified(client, beijing_admin)
    revoke = f"/zh-hans/organization/attorney/{power.pk}/revoke/"
    assert client.get(revoke).status_code == 404
    assert client.post(revoke).status_code == 404
    power.refresh_from_db()
    assert power.revoked_at is None


def test_a_signed_in_handler_registers_again_after_a_rejection(
    client: Client, sh_acceptance: User
) -> None:
    client.post(START, form_data())
    first = Registration.objects.get()
    officer_client = Client()
    sign_in_verified(officer_client, sh_acceptance)
    officer_client.post(decide_url(first, "reject"), {"reject-reason": "Wrong organization."})
    response = client.get(START)
    form = response.context["form"]
    assert "username" not in form.fields
    assert "password1" not in form.fields
    users = User.objects.count()
    data = form_data(uscc=valid_uscc(31337))
    for name in ("username", "email", "password1", "password2"):
        data.pop(name)
    response = client.post(START, data)
    assert response.status_code == 302
    second = Registration.objects.exclude(pk=first.pk).get()
    assert second.applicant == first.applicant
    assert User.objects.count() == users
    text = page(client, MINE)
    assert first.number in text
    assert second.number in text


# --- The admin of the rule tables ---------------------------------------------------------------


@pytest.fixture
def superuser_client(roles: RoleHelper) -> Client:
    admin = roles.user(Role.SITE_ADMIN)
    admin.is_superuser = True
    admin.save()
    client = Client()
    sign_in_verified(client, admin)
    return client


@pytest.mark.parametrize(
    "model",
    [
        "registration",
        "powerofattorney",
        "clockrule",
        "validityrule",
        "windowrule",
        "quotaallocation",
        "rejectionreason",
    ],
)
def test_admin_lists_open(superuser_client: Client, model: str) -> None:
    submit()
    assert superuser_client.get(f"/admin/permits/{model}/").status_code == 200


def test_registrations_are_read_only_in_the_admin(superuser_client: Client) -> None:
    registration = submit()
    assert superuser_client.get("/admin/permits/registration/add/").status_code == 403
    response = superuser_client.post(
        f"/admin/permits/registration/{registration.pk}/change/", {"state": "approved"}
    )
    assert response.status_code == 403
    assert Registration.objects.get(pk=registration.pk).state == "submitted"


def test_a_provinces_time_limit_is_added_and_audited(superuser_client: Client) -> None:
    from permits.models import ClockRule
    from portal.models import AuditEvent

    shanghai = Region.objects.get(code="310000")
    response = superuser_client.post(
        "/admin/permits/clockrule/add/",
        {
            "stage": "acceptance",
            "region": shanghai.pk,
            "category": "",
            "working_days": 3,
            "source": "沪人社规〔2026〕1号",
        },
    )
    assert response.status_code == 302
    rule = ClockRule.objects.get(stage="acceptance", region=shanghai)
    assert rule.working_days == 3
    assert AuditEvent.objects.filter(action="admin.add", target_id=str(rule.pk)).count() == 1


@pytest.mark.parametrize(
    ("url", "data", "field"),
    [
        (
            "/admin/permits/clockrule/add/",
            {"stage": "decision", "category": "", "working_days": 0, "source": ""},
            "working_days",
        ),
        (
            "/admin/permits/validityrule/add/",
            {"category": "B", "max_months": 200, "source": ""},
            "max_months",
        ),
        (
            "/admin/permits/windowrule/add/",
            {"kind": "extension", "opens_days": 30, "closes_days": 90, "source": ""},
            "opens_days",
        ),
        (
            "/admin/permits/quotaallocation/add/",
            {"year": 1999, "places": 10, "source": ""},
            "year",
        ),
        (
            "/admin/permits/rejectionreason/add/",
            {
                "code": "bad code!",
                "stage": "decision",
                "text_zh": "x",
                "text_en": "x",
                "position": 0,
            },
            "code",
        ),
    ],
)
def test_rule_tables_refuse_bad_values(
    superuser_client: Client, url: str, data: dict[str, Any], field: str
) -> None:
    shanghai = Region.objects.get(code="310000")
    response = superuser_client.post(url, {"region": shanghai.pk, **data})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


def test_a_rule_names_a_province(superuser_client: Client) -> None:
    from permits.models import ValidityRule

    pudong = Region.objects.create(
        code="310115",
        name_zh="浦东新区",
        name_en="Pudong New Area",
        level=Region.Level.COUNTY,
        parent=Region.objects.get(code="310000"),
    )
    before = ValidityRule.objects.count()
    response = superuser_client.post(
        "/admin/permits/validityrule/add/",
        {"category": "B", "region": pudong.pk, "max_months": 24, "source": ""},
    )
    assert response.status_code == 200
    assert "region" in response.context["adminform"].form.errors
    assert ValidityRule.objects.count() == before


def test_rules_are_never_deleted_in_the_admin(superuser_client: Client) -> None:
    from permits.models import RejectionReason

    reason = RejectionReason.objects.first()
    assert reason is not None
    response = superuser_client.post(
        f"/admin/permits/rejectionreason/{reason.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert RejectionReason.objects.filter(pk=reason.pk).exists()


def test_registrations_opening_accounts_are_limited_per_address(client: Client, settings) -> None:
    """A script cannot open accounts by the thousand: past the hourly limit per address
    the form is refused with 429 and nothing is saved."""
    from django.urls import reverse
    from django.utils import translation

    settings.PORTAL_REGISTRATION_LIMIT_PER_HOUR = 2
    with translation.override("en"):
        url = reverse("permits:registration_start")
    for _attempt in range(2):
        client.post(url, {})  # incomplete forms count too: the uploads cost the server
    before = (Registration.objects.count(), User.objects.count())
    response = client.post(url, {})
    assert response.status_code == 429
    assert (Registration.objects.count(), User.objects.count()) == before
    assert response.context["form"].non_field_errors() == [
        "Too many registrations were filed from your network in the last hour. Nothing was "
        "saved: try again later."
    ]
