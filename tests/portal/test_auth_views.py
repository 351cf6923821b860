"""Sign-in, the second factor, sign-out, passwords, languages and the admin's door.

Pages are checked through what a person sees and what the server answers (status codes,
``Location`` headers, cookies, texts, form field names), never through CSS classes or the
exact markup, which the designers change. Texts are computed through ``gettext`` in the
page's language, so the tests hold with and without the compiled Chinese catalogue.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core import mail
from django.db.models import Max
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from portal import second_factor, services, views
from portal.middleware import VERIFIED_KEY
from portal.models import AuditEvent, TOTPDevice, User
from portal.roles import Role
from tests.factories import TEST_PASSWORD, OrganizationFactory, RoleHelper, UserFactory
from tests.pages import STRICT_CSP, html_of, raw_tr, tr  # noqa: F401

pytestmark = pytest.mark.django_db

LOGIN = "/zh-hans/accounts/login/"
VERIFY = "/zh-hans/accounts/login/verify/"
ENROL = "/zh-hans/accounts/login/enrol/"
LOGOUT = "/zh-hans/accounts/logout/"
DASHBOARD = "/zh-hans/dashboard/"
ACCOUNT = "/zh-hans/account/"
NEW_PASSWORD = "a-brand-new-passphrase-42"


# --- Helpers --------------------------------------------------------------------------------


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(response: Any) -> str:
    """The visible text of an HTML page (checked by ``html_of``), whitespace collapsed."""
    parser = _Text()
    parser.feed(html_of(response))
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def last_seq() -> int:
    return AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0


def events_since(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def actions_since(seq: int) -> list[str]:
    return [event.action for event in events_since(seq)]


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def sign_in(client: Client, user: User, password: str = TEST_PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": user.username, "password": password}, **extra)


def confirmed_device(user: User) -> bytes:
    """An enrolled authenticator that has never been used; returns its secret."""
    secret = second_factor.new_secret()
    TOTPDevice.objects.create(
        user=user,
        encrypted_secret=second_factor.encrypt_secret(secret),
        confirmed_at=timezone.now(),
    )
    return secret


def current_code(secret: bytes) -> str:
    return second_factor.code_at(secret, second_factor.current_step())


def wrong_code(secret: bytes) -> str:
    """A well-formed code that no step near now accepts."""
    here = second_factor.current_step()
    valid = {second_factor.code_at(secret, step) for step in range(here - 3, here + 4)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def without_csrf_tokens(response: Any) -> str:
    return re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]*"',
        'name="csrfmiddlewaretoken"',
        response.content.decode(),
    )


def login_redirect(next_path: str) -> str:
    return f"{LOGIN}?next={next_path}"


# --- The language of "/" ----------------------------------------------------------------------


def test_root_redirects_to_default_language(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/"


def test_root_follows_accept_language(client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == "/en/"


@pytest.mark.parametrize(
    ("cookie", "accept", "expected"),
    [("zh-hans", "en", "/zh-hans/"), ("en", "zh-CN,zh;q=0.9", "/en/")],
)
def test_language_cookie_wins_over_accept_language(
    client: Client, cookie: str, accept: str, expected: str
) -> None:
    client.cookies["portal_language"] = cookie
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 302
    assert response["Location"] == expected


# --- Password sign-in (no second factor) ------------------------------------------------------


def test_login_page_renders(client: Client) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = html_of(response)
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'href="/zh-hans/accounts/password/reset/"' in html


def test_employer_admin_signs_in_with_password(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    before = last_seq()

    response = sign_in(client, admin)

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert signed_in_user_id(client) == admin.pk
    events = events_since(before)
    assert [e.action for e in events] == ["auth.login"]
    assert events[-1].actor_id == admin.pk
    assert events[-1].target_id == str(admin.pk)
    assert response.cookies["portal_language"].value == "zh-hans"
    assert client.get(DASHBOARD).status_code == 200


@pytest.mark.parametrize("preferred", ["zh-hans", "en"])
def test_sign_in_sets_language_cookie_to_the_users_preference(
    client: Client, roles: RoleHelper, preferred: str
) -> None:
    # Signing in on the page of the other language: the cookie follows the person.
    user = roles.user(Role.EMPLOYER_STAFF, preferred_language=preferred)
    page_language = "en" if preferred == "zh-hans" else "zh-hans"

    response = client.post(
        f"/{page_language}/accounts/login/",
        {"username": user.username, "password": TEST_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/{page_language}/dashboard/"
    assert response.cookies["portal_language"].value == preferred


def test_sign_in_honours_a_same_host_next(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    response = client.post(
        f"{LOGIN}?next={ACCOUNT}", {"username": admin.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == ACCOUNT


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http://evil.example/zh-hans/"]
)
def test_sign_in_ignores_an_external_next(client: Client, roles: RoleHelper, target: str) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    response = client.post(
        LOGIN, {"username": admin.username, "password": TEST_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert signed_in_user_id(client) == admin.pk


def test_signed_in_person_visiting_login_goes_to_dashboard(
    client: Client, roles: RoleHelper
) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    client.force_login(admin)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD


# --- Failed sign-ins and throttling -----------------------------------------------------------


def invalid_login_message() -> str:
    """Django's message for a wrong user name or password, as the Chinese page shows it."""
    with translation.override("zh-hans"):
        username = User._meta.get_field("username").verbose_name
        return str(AuthenticationForm.error_messages["invalid_login"]) % {"username": username}


def test_wrong_password_rerenders_and_is_audited(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    before = last_seq()

    response = sign_in(client, admin, password="not-the-password")

    assert response.status_code == 200
    html = html_of(response)
    assert 'name="username"' in html
    assert invalid_login_message() in page_text(response)
    assert signed_in_user_id(client) is None
    events = events_since(before)
    assert [e.action for e in events] == ["auth.login_failed"]
    assert events[0].actor_id is None
    assert events[0].actor_repr == admin.username
    assert events[0].data == {"username": admin.username}
    assert events[0].ip_address == "127.0.0.1"


def test_unknown_user_is_audited_like_a_wrong_password(client: Client) -> None:
    before = last_seq()
    response = client.post(LOGIN, {"username": "nobody-here", "password": "whatever-1234"})
    assert response.status_code == 200
    assert invalid_login_message() in page_text(response)
    events = events_since(before)
    assert [e.action for e in events] == ["auth.login_failed"]
    assert events[0].actor_id is None
    assert events[0].data == {"username": "nobody-here"}


def throttled_message(settings: Any) -> str:
    return tr(
        "Too many failed sign-ins for this account. Wait %(minutes)d minutes and try "
        "again, or reset your password.",
        minutes=settings.PORTAL_LOGIN_FAILURE_WINDOW // 60,
    )


def test_sixth_attempt_after_five_failures_is_refused_even_with_the_right_password(
    client: Client, roles: RoleHelper, settings: Any
) -> None:
    assert settings.PORTAL_LOGIN_FAILURE_LIMIT == 5
    admin = roles.user(Role.EMPLOYER_ADMIN)
    for _attempt in range(5):
        failed = sign_in(client, admin, password="not-the-password")
        assert failed.status_code == 200
        assert throttled_message(settings) not in page_text(failed)
    before = last_seq()

    response = sign_in(client, admin)

    assert response.status_code == 200
    assert throttled_message(settings) in page_text(response)
    assert signed_in_user_id(client) is None
    assert "auth.login" not in actions_since(before)
    assert "portal_language" not in response.cookies
    dashboard = client.get(DASHBOARD)
    assert dashboard.status_code == 302
    assert dashboard["Location"] == login_redirect(DASHBOARD)


def test_throttled_attempt_is_still_audited(
    client: Client, roles: RoleHelper, settings: Any
) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    for _attempt in range(5):
        sign_in(client, admin, password="not-the-password")
    before = last_seq()

    sign_in(client, admin)

    events = events_since(before)
    assert [e.action for e in events] == ["auth.login_failed"]
    assert events[0].actor_id is None
    assert events[0].data["username"] == admin.username


def test_throttling_counts_per_account_and_address(
    client: Client, roles: RoleHelper, settings: Any
) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    colleague = roles.user(Role.EMPLOYER_STAFF, organization=admin.organization)
    for _attempt in range(5):
        sign_in(client, admin, password="not-the-password")
    assert throttled_message(settings) in page_text(sign_in(client, admin))

    # Another account from the same address is not affected.
    other = Client()
    response = sign_in(other, colleague)
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert signed_in_user_id(other) == colleague.pk

    # The same account from another address is not locked out by one noisy address.
    elsewhere = Client(REMOTE_ADDR="10.20.30.40")
    response = sign_in(elsewhere, admin)
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert signed_in_user_id(elsewhere) == admin.pk


def test_successful_sign_in_clears_the_failure_counter(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    for _attempt in range(4):
        sign_in(client, admin, password="not-the-password")
    assert sign_in(client, admin).status_code == 302
    client.post(LOGOUT)
    for _attempt in range(4):
        sign_in(client, admin, password="not-the-password")
    response = sign_in(client, admin)
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD


# --- Second factor: verification ---------------------------------------------------------------


def test_officer_with_device_must_pass_the_second_factor(client: Client, roles: RoleHelper) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER)
    secret = confirmed_device(officer)
    before = last_seq()

    response = sign_in(client, officer)

    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert signed_in_user_id(client) is None
    assert actions_since(before) == []
    dashboard = client.get(DASHBOARD)
    assert dashboard.status_code == 302
    assert dashboard["Location"] == login_redirect(DASHBOARD)

    page = client.get(VERIFY)
    assert page.status_code == 200
    assert 'name="code"' in html_of(page)

    wrong = client.post(VERIFY, {"code": wrong_code(secret)})
    assert wrong.status_code == 200
    assert tr("This code is not valid. Codes change every 30 seconds.") in page_text(wrong)
    assert signed_in_user_id(client) is None

    code = current_code(secret)
    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert signed_in_user_id(client) == officer.pk
    assert client.session[VERIFIED_KEY] is True
    assert response.cookies["portal_language"].value == "zh-hans"
    assert actions_since(before) == [
        "auth.second_factor_failed",
        "auth.second_factor_passed",
        "auth.login",
    ]
    assert client.get(DASHBOARD).status_code == 200

    # The same code does not open a second session.
    replay = Client()
    assert sign_in(replay, officer)["Location"] == VERIFY
    before_replay = last_seq()
    refused = replay.post(VERIFY, {"code": code})
    assert refused.status_code == 200
    assert tr("This code is not valid. Codes change every 30 seconds.") in page_text(refused)
    assert signed_in_user_id(replay) is None
    assert actions_since(before_replay) == ["auth.second_factor_failed"]


def test_second_factor_keeps_a_same_host_next(client: Client, roles: RoleHelper) -> None:
    officer = roles.user(Role.DECISION_OFFICER)
    secret = confirmed_device(officer)
    response = client.post(
        f"{LOGIN}?next={ACCOUNT}", {"username": officer.username, "password": TEST_PASSWORD}
    )
    assert response["Location"] == VERIFY
    response = client.post(VERIFY, {"code": current_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == ACCOUNT


def test_malformed_code_is_refused_by_the_form(client: Client, roles: RoleHelper) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER)
    confirmed_device(officer)
    sign_in(client, officer)
    before = last_seq()
    response = client.post(VERIFY, {"code": "12ab56"})
    assert response.status_code == 200
    assert tr("Enter the six digits shown in the app.") in page_text(response)
    assert signed_in_user_id(client) is None
    assert actions_since(before) == []


def test_five_wrong_codes_send_back_to_the_password(client: Client, roles: RoleHelper) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER)
    secret = confirmed_device(officer)
    sign_in(client, officer)
    before = last_seq()
    for _attempt in range(4):
        response = client.post(VERIFY, {"code": wrong_code(secret)})
        assert response.status_code == 200

    response = client.post(VERIFY, {"code": wrong_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert actions_since(before) == ["auth.second_factor_failed"] * 5
    login_page = client.get(LOGIN)
    assert tr("Too many wrong codes. Sign in again.") in page_text(login_page)
    # The pending sign-in is gone: even the right code is no use now.
    response = client.post(VERIFY, {"code": current_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_user_id(client) is None
    assert TOTPDevice.objects.get(user=officer).last_used_step == 0


@pytest.mark.parametrize(("elapsed", "alive"), [(299, True), (301, False)])
def test_pending_second_factor_expires_after_five_minutes(
    client: Client, roles: RoleHelper, monkeypatch: pytest.MonkeyPatch, elapsed: int, alive: bool
) -> None:
    assert views.PENDING_TTL_SECONDS == 300
    officer = roles.user(Role.ACCEPTANCE_OFFICER)
    secret = confirmed_device(officer)
    sign_in(client, officer)
    since = client.session[views.PENDING_KEY]["since"]
    monkeypatch.setattr(views, "time", SimpleNamespace(time=lambda: since + elapsed))

    response = client.post(VERIFY, {"code": current_code(secret)})

    if alive:
        assert response.status_code == 302
        assert response["Location"] == DASHBOARD
        assert signed_in_user_id(client) == officer.pk
    else:
        assert response.status_code == 302
        assert response["Location"] == LOGIN
        assert signed_in_user_id(client) is None
        assert TOTPDevice.objects.get(user=officer).last_used_step == 0


def test_verify_and_enrol_need_a_pending_password_step(client: Client, roles: RoleHelper) -> None:
    for url in (VERIFY, ENROL):
        for response in (client.get(url), client.post(url, {"code": "123456"})):
            assert response.status_code == 302
            assert response["Location"] == LOGIN
    # A signed-in employer without a pending step is not let in either.
    client.force_login(roles.user(Role.EMPLOYER_ADMIN))
    for url in (VERIFY, ENROL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == LOGIN
    assert TOTPDevice.objects.count() == 0


# --- Second factor: enrolment ------------------------------------------------------------------


def test_officer_without_device_enrols_then_is_signed_in(client: Client, roles: RoleHelper) -> None:
    officer = roles.user(Role.INSPECTOR)
    before = last_seq()

    response = sign_in(client, officer)
    assert response.status_code == 302
    assert response["Location"] == ENROL
    assert signed_in_user_id(client) is None

    page = client.get(ENROL)
    assert page.status_code == 200
    html = html_of(page)
    device = TOTPDevice.objects.get(user=officer)
    assert device.confirmed_at is None
    secret = second_factor.decrypt_secret(device.encrypted_secret)
    assert re.search(r'src="data:image/svg\+xml[^"]*"', html) is not None
    assert second_factor.secret_base32(secret) in html
    assert 'name="code"' in html

    # Reloading the page keeps the same secret (the person may have scanned it already).
    client.get(ENROL)
    assert TOTPDevice.objects.get(user=officer).encrypted_secret == device.encrypted_secret

    wrong = client.post(ENROL, {"code": wrong_code(secret)})
    assert wrong.status_code == 200
    assert tr("This code is not valid. Check the time on your phone.") in page_text(wrong)
    assert TOTPDevice.objects.get(user=officer).confirmed_at is None

    response = client.post(ENROL, {"code": current_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    device.refresh_from_db()
    assert device.confirmed_at is not None
    assert device.last_used_step in {
        second_factor.current_step() - 1,
        second_factor.current_step(),
    }
    assert signed_in_user_id(client) == officer.pk
    assert client.session[VERIFIED_KEY] is True
    assert actions_since(before) == [
        "auth.second_factor_failed",
        "auth.second_factor_enrolled",
        "auth.login",
    ]


def test_officer_with_confirmed_device_is_sent_from_enrol_to_verify(
    client: Client, roles: RoleHelper
) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER)
    confirmed_device(officer)
    sign_in(client, officer)
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"] == VERIFY


# --- The middleware: a role that needs a second factor given during a session ------------------


def signed_in_then_made_officer(client: Client) -> User:
    """A person of an authority signs in while holding no role (no second factor needed),
    then is made an acceptance officer during the session."""
    authority = OrganizationFactory(authority=True)
    person = UserFactory(organization=authority)
    assert sign_in(client, person)["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200
    services.role_grant(
        actor=None, user=person, role=Role.ACCEPTANCE_OFFICER, region=authority.region
    )
    return person


def assert_signed_out_by_middleware(client: Client, before: int) -> None:
    assert signed_in_user_id(client) is None
    assert actions_since(before) == ["auth.logout"]
    dashboard = client.get(DASHBOARD)
    assert dashboard.status_code == 302
    assert dashboard["Location"] == login_redirect(DASHBOARD)


def test_page_session_without_second_factor_ends_when_an_official_role_is_given(
    client: Client,
) -> None:
    signed_in_then_made_officer(client)
    before = last_seq()

    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    login_page = client.get(LOGIN)
    assert tr("Your role requires a second factor. Sign in again.") in page_text(login_page)
    assert_signed_out_by_middleware(client, before)


def test_api_session_without_second_factor_ends_when_an_official_role_is_given(
    client: Client,
) -> None:
    signed_in_then_made_officer(client)
    before = last_seq()

    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert json.loads(response.content) == {
        "code": "second_factor_required",
        "message": raw_tr("Your role requires a second factor. Sign in again."),
    }
    assert_signed_out_by_middleware(client, before)


def test_two_factor_can_be_switched_off(client: Client, roles: RoleHelper, settings: Any) -> None:
    settings.PORTAL_TWO_FACTOR_REQUIRED = False
    officer = roles.user(Role.ACCEPTANCE_OFFICER)
    before = last_seq()

    response = sign_in(client, officer)

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert signed_in_user_id(client) == officer.pk
    assert client.get(DASHBOARD).status_code == 200
    assert actions_since(before) == ["auth.login"]
    assert TOTPDevice.objects.filter(user=officer).count() == 0


# --- Sign-out -----------------------------------------------------------------------------------


def test_sign_out_is_post_only_and_audited(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    sign_in(client, admin)
    before = last_seq()

    response = client.get(LOGOUT)
    assert response.status_code == 405
    assert signed_in_user_id(client) == admin.pk
    assert actions_since(before) == []

    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/"
    assert signed_in_user_id(client) is None
    events = events_since(before)
    assert [e.action for e in events] == ["auth.logout"]
    assert events[0].actor_id == admin.pk


# --- Passwords ----------------------------------------------------------------------------------


def test_password_reset_by_e_mail(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN, email="reset.me@example.com")

    response = client.post("/zh-hans/accounts/password/reset/", {"email": "reset.me@example.com"})

    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reset.me@example.com"]
    links = re.findall(r"http://testserver(/\S+)", message.body)
    assert len(links) == 1
    link = links[0]
    assert re.fullmatch(r"/zh-hans/accounts/password/reset/[\w-]+/[\w-]+/", link) is not None

    response = client.get(link)
    assert response.status_code == 302
    set_password_url = response["Location"]
    assert (
        re.fullmatch(r"/zh-hans/accounts/password/reset/[\w-]+/set-password/", set_password_url)
        is not None
    )
    form = client.get(set_password_url)
    assert form.status_code == 200
    html = html_of(form)
    assert 'name="new_password1"' in html
    assert 'name="new_password2"' in html

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/accounts/password/reset/complete/"

    # The old password no longer works, the new one does, and the link works only once.
    assert sign_in(Client(), admin).status_code == 200
    fresh = Client()
    response = sign_in(fresh, admin, password=NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    reused = Client().get(link, follow=True)
    assert reused.status_code == 200
    assert tr("This link no longer works") in page_text(reused)


def test_password_reset_for_unknown_address_sends_nothing_and_looks_the_same(
    client: Client, roles: RoleHelper
) -> None:
    roles.user(Role.EMPLOYER_ADMIN, email="known@example.com")
    known = client.post(
        "/zh-hans/accounts/password/reset/", {"email": "known@example.com"}, follow=True
    )
    mail.outbox.clear()

    unknown = client.post(
        "/zh-hans/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True
    )

    assert mail.outbox == []
    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.redirect_chain == [("/zh-hans/accounts/password/reset/sent/", 302)]
    assert unknown.status_code == 200
    assert tr("Check your e-mail") in page_text(unknown)
    # Apart from the CSRF token (new on every page), the two answers are the same page.
    assert without_csrf_tokens(unknown) == without_csrf_tokens(known)


def test_invited_person_with_an_expired_link_can_ask_for_a_new_one(client: Client) -> None:
    organization = OrganizationFactory()
    invited = services.user_create(
        actor=None,
        username="invited.person",
        email="invited.person@example.com",
        full_name="Invited Person",
        organization=organization,
    )
    assert invited.has_usable_password() is False
    expired = client.get("/zh-hans/accounts/password/reset/MQ/expired-token/", follow=True)
    assert expired.status_code == 200
    assert 'href="/zh-hans/accounts/password/reset/"' in html_of(expired)

    response = client.post(
        "/zh-hans/accounts/password/reset/", {"email": "invited.person@example.com"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/accounts/password/reset/sent/"
    assert [m.to for m in mail.outbox] == [["invited.person@example.com"]]


def test_password_change_requires_the_old_password(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    sign_in(client, admin)
    url = "/zh-hans/accounts/password/change/"

    refused = client.post(
        url,
        {
            "old_password": "not-the-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert refused.status_code == 200
    with translation.override("zh-hans"):
        incorrect = str(PasswordChangeForm.error_messages["password_incorrect"])
    assert incorrect in page_text(refused)
    admin.refresh_from_db()
    assert admin.check_password(TEST_PASSWORD) is True

    response = client.post(
        url,
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/accounts/password/change/done/"
    admin.refresh_from_db()
    assert admin.check_password(NEW_PASSWORD) is True
    # The session that changed the password stays signed in.
    assert client.get(DASHBOARD).status_code == 200


# --- Language -----------------------------------------------------------------------------------


def test_language_switch_for_a_signed_in_user_is_remembered(
    client: Client, roles: RoleHelper
) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    sign_in(client, admin)

    response = client.post("/i18n/setlang/", {"language": "en", "next": DASHBOARD})

    assert response.status_code == 302
    assert response["Location"] == "/en/dashboard/"
    assert response.cookies["portal_language"].value == "en"
    admin.refresh_from_db()
    assert admin.preferred_language == "en"
    page = client.get("/en/dashboard/")
    assert page.status_code == 200
    assert '<html lang="en">' in html_of(page)


def test_language_switch_for_a_visitor(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/zh-hans/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert response.cookies["portal_language"].value == "en"
    assert client.get("/")["Location"] == "/en/"


def test_language_switch_is_post_only(client: Client) -> None:
    response = client.get("/i18n/setlang/?language=en&next=/zh-hans/")
    assert response.status_code == 405
    assert "portal_language" not in response.cookies


def test_language_switch_ignores_an_unsupported_language(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    sign_in(client, admin)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": DASHBOARD})
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert "portal_language" not in response.cookies
    admin.refresh_from_db()
    assert admin.preferred_language == "zh-hans"


def test_account_language_form_saves_and_switches(client: Client, roles: RoleHelper) -> None:
    admin = roles.user(Role.EMPLOYER_ADMIN)
    sign_in(client, admin)
    page = client.get(ACCOUNT)
    assert page.status_code == 200
    assert 'name="preferred_language"' in html_of(page)

    response = client.post(ACCOUNT, {"preferred_language": "en"})

    assert response.status_code == 302
    assert response["Location"] == "/en/account/"
    assert response.cookies["portal_language"].value == "en"
    admin.refresh_from_db()
    assert admin.preferred_language == "en"
    assert tr("Saved.", "en") in page_text(client.get("/en/account/"))


# --- The Django admin ---------------------------------------------------------------------------


def verified_site_admin(client: Client, roles: RoleHelper) -> User:
    """A site admin signed in through the real password and second-factor steps."""
    admin = roles.user(Role.SITE_ADMIN)
    secret = confirmed_device(admin)
    assert sign_in(client, admin)["Location"] == VERIFY
    assert client.post(VERIFY, {"code": current_code(secret)})["Location"] == DASHBOARD
    return admin


def test_admin_sends_a_visitor_to_the_portal_sign_in(client: Client) -> None:
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1] == ("/zh-hans/accounts/login/?next=%2Fadmin%2F", 302)
    assert 'name="password"' in html_of(response)


def test_admin_login_keeps_only_a_same_host_next(client: Client) -> None:
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN


def test_admin_refuses_a_signed_in_non_staff_person_without_a_loop(
    client: Client, roles: RoleHelper
) -> None:
    client.force_login(roles.user(Role.EMPLOYER_ADMIN))
    response = client.get("/admin/login/")
    assert response.status_code == 403
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert response.redirect_chain == [("/admin/login/?next=/admin/", 302)]


def test_site_admin_uses_the_admin(client: Client, roles: RoleHelper) -> None:
    verified_site_admin(client, roles)
    assert client.get("/admin/").status_code == 200
    for changelist in (
        "/admin/portal/region/",
        "/admin/portal/organization/",
        "/admin/portal/holidayyear/",
        "/admin/portal/auditevent/",
    ):
        assert client.get(changelist).status_code == 200, changelist
    before = AuditEvent.objects.count()
    assert client.get("/admin/portal/auditevent/add/").status_code == 403
    assert client.post("/admin/portal/auditevent/add/", {"action": "forged"}).status_code == 403
    assert AuditEvent.objects.count() == before


def test_admin_sign_in_returns_to_the_admin_after_the_second_factor(
    client: Client, roles: RoleHelper
) -> None:
    admin = roles.user(Role.SITE_ADMIN)
    secret = confirmed_device(admin)
    login_page = client.get("/admin/", follow=True)
    assert login_page.redirect_chain[-1] == ("/zh-hans/accounts/login/?next=%2Fadmin%2F", 302)

    response = client.post(
        "/zh-hans/accounts/login/?next=%2Fadmin%2F",
        {"username": admin.username, "password": TEST_PASSWORD},
    )
    assert response["Location"] == VERIFY
    response = client.post(VERIFY, {"code": current_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_login_sends_a_signed_in_site_admin_on_to_the_admin(
    client: Client, roles: RoleHelper
) -> None:
    verified_site_admin(client, roles)
    response = client.get("/admin/login/?next=/admin/portal/region/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/portal/region/"


def test_wrong_codes_are_limited_per_account_across_password_steps(
    client: Client, roles: RoleHelper, settings: Any
) -> None:
    """Re-entering the password does not buy fresh code attempts: after twice the
    sign-in limit of wrong codes, the code step is refused for the window, even with the
    right code, and nothing signs the person in."""
    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    secret = confirmed_device(officer)
    limit = 2 * settings.PORTAL_LOGIN_FAILURE_LIMIT
    wrong = 0
    while wrong < limit:
        sign_in(client, officer)
        for _attempt in range(min(4, limit - wrong)):
            client.post(VERIFY, {"code": wrong_code(secret)})
            wrong += 1
    sign_in(client, officer)
    response = client.post(VERIFY, {"code": current_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get(DASHBOARD)["Location"].startswith(LOGIN)
    assert AuditEvent.objects.filter(action="auth.login", actor=officer).count() == 0


def test_second_factor_survives_a_key_rotation_with_fallbacks(
    client: Client, roles: RoleHelper, settings: Any
) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    secret = confirmed_device(officer)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-after-rotation-0123456789abcdefghijklmnopqrstuvwxyz"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    client.post(LOGIN, {"username": officer.username, "password": TEST_PASSWORD})
    response = client.post(VERIFY, {"code": current_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD


def test_an_unreadable_second_factor_is_explained_not_a_500(
    client: Client, roles: RoleHelper, settings: Any
) -> None:
    officer = roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")
    secret = confirmed_device(officer)
    settings.SECRET_KEY = "a-new-key-without-fallback-0123456789abcdefghijklmnopqrstuvwxyz"
    settings.SECRET_KEY_FALLBACKS = []
    client.post(LOGIN, {"username": officer.username, "password": TEST_PASSWORD})
    before = last_seq()
    response = client.post(VERIFY, {"code": current_code(secret)}, follow=True)
    assert response.redirect_chain == [(LOGIN, 302)]
    with translation.override("zh-hans"):
        expected = gettext(
            "Your authenticator can no longer be read because the server's key was "
            "changed. Ask a site administrator to reset it, then enrol again."
        )
    assert expected in page_text(response)
    assert signed_in_user_id(client) is None
    assert actions_since(before) == []
