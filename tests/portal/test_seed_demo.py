from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from credit import inspection_demo
from portal.access import role_assignments
from portal.audit import audit_verify_chain
from portal.management.commands.seed_demo import ACCOUNTS, ORGANIZATIONS
from portal.models import AuditEvent, Organization, TOTPDevice, User
from portal.roles import ROLE_SPECS

pytestmark = pytest.mark.django_db


def run_seed(settings, **env) -> str:
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_loads_every_account_with_its_role(settings, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    output = run_seed(settings)
    # The kernel's organizations, and the employers the inspection campaign draws among.
    assert Organization.objects.count() == len(ORGANIZATIONS) + len(inspection_demo.EMPLOYERS)
    for username, _name, _org, role, region_code in ACCOUNTS:
        user = User.objects.get(username=username)
        assert user.check_password("portal-demo-2026"), username
        [assignment] = role_assignments(user)
        assert assignment.role == role
        if region_code:
            assert assignment.region.code == region_code
        assert f"\n{username:<20} " in output
    assert (
        "Password for every account: portal-demo-2026  (default; set DEMO_PASSWORD to change)"
        in output
    )
    officials = [a[0] for a in ACCOUNTS if ROLE_SPECS[a[3]].requires_second_factor]
    assert sorted(TOTPDevice.objects.values_list("user__username", flat=True)) == sorted(officials)


def test_seed_demo_is_idempotent(settings, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass-1")
    run_seed(settings)
    counts = (Organization.objects.count(), User.objects.count(), TOTPDevice.objects.count())
    events = AuditEvent.objects.count()
    secrets = dict(TOTPDevice.objects.values_list("user__username", "encrypted_secret"))
    output = run_seed(settings)
    assert (
        Organization.objects.count(),
        User.objects.count(),
        TOTPDevice.objects.count(),
    ) == counts
    assert AuditEvent.objects.count() == events  # nothing granted or created twice
    assert dict(TOTPDevice.objects.values_list("user__username", "encrypted_secret")) == secrets
    assert User.objects.get(username="employer.admin").check_password("another-demo-pass-1")
    assert "Password for every account: another-demo-pass-1  (DEMO_PASSWORD)" in output
    assert audit_verify_chain().intact is True


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="runs only with DEBUG on"):
        call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.count() == 0


def test_totp_code_prints_the_code_the_app_would_show(settings):
    from portal import second_factor
    from portal.services import totp_verify

    run_seed(settings)
    out = io.StringIO()
    call_command("totp_code", "sh.acceptance", stdout=out)
    code = out.getvalue().strip()
    user = User.objects.get(username="sh.acceptance")
    assert len(code) == second_factor.DIGITS
    assert totp_verify(actor=user, code=code) is True
    # Used once: the command now gives the next step's code, never the used one.
    out = io.StringIO()
    call_command("totp_code", "sh.acceptance", stdout=out)
    assert out.getvalue().strip() != code


def test_totp_code_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("totp_code", "sh.acceptance")
