"""Print the current second-factor code of a demo account (development only).

Demo officials are enrolled with an authenticator by ``seed_demo``; this prints what
their app would show, so that a developer can sign in without a phone. It refuses to run
unless DEBUG is on: on a real deployment nobody reads another person's codes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import second_factor
from portal.models import TOTPDevice


class Command(BaseCommand):
    help = "Development only: print the current TOTP code of a demo user."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("totp_code is for development only (DEBUG is off).")
        device = TOTPDevice.objects.filter(user__username=username).first()
        if device is None:
            raise CommandError(f"{username} has no authenticator enrolled.")
        secret = second_factor.decrypt_secret(device.encrypted_secret)
        step = second_factor.current_step()
        # A code is accepted once: give the next step's code if this one was used.
        if step <= device.last_used_step:
            step = device.last_used_step + 1
        self.stdout.write(second_factor.code_at(secret, step))
