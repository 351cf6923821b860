"""The document-signing key: make a new one, show the one configured, revoke a leaked one.

    manage.py signing_key --new /run/secrets/portal-signing-key.pem
    manage.py signing_key --show
    manage.py signing_key --revoke KID --reason "the key file leaked"

A new key takes over the first time it signs (set ``PORTAL_SIGNING_KEY_FILE`` to it and
restart the workers); the old key stays published for what it signed. Revoking a key makes
every document it signed fail verification: re-issue them with the new key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from portal import signing
from portal.audit import audit_record
from portal.models import SigningKey


class Command(BaseCommand):
    help = "Make, show or revoke the Ed25519 key that signs issued documents."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--new", metavar="FILE", help="Write a new private key to FILE.")
        group.add_argument("--show", action="store_true", help="Show the keys and their service.")
        group.add_argument("--revoke", metavar="KID", help="Revoke the key with this id.")
        parser.add_argument("--reason", default="", help="Why the key is revoked (required).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new"]:
            path = Path(options["new"])
            if path.exists():
                raise CommandError(f"{path} exists; a key is never overwritten. Choose a new file.")
            pem = signing.new_private_key_pem()
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
            key = signing.parse_private_key(pem, str(path))
            self.stdout.write(
                self.style.SUCCESS(
                    f"Wrote key {signing.kid_of(key.public_key())} to {path} (mode 600). "
                    "Point PORTAL_SIGNING_KEY_FILE at it and restart the workers."
                )
            )
            return
        if options["show"]:
            for record in SigningKey.objects.order_by("in_service_from"):
                state = (
                    "revoked"
                    if record.revoked_at
                    else "in service"
                    if record.in_service
                    else f"retired {record.retired_at:%Y-%m-%d}"
                )
                self.stdout.write(
                    f"{record.kid}  from {record.in_service_from:%Y-%m-%d}  {state}  "
                    f"{record.documents.count()} documents"
                )
            try:
                configured = signing.kid_of(signing.private_key().public_key())
            except ImproperlyConfigured as error:
                self.stdout.write(self.style.WARNING(f"Configured key: unavailable ({error})"))
            else:
                self.stdout.write(f"Configured key: {configured}")
            return
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("Give --reason: it is kept with the revocation.")
        with transaction.atomic():
            found = SigningKey.objects.select_for_update().filter(kid=options["revoke"]).first()
            if found is None:
                raise CommandError(f"No signing key {options['revoke']!r}; see --show.")
            record = found
            if record.revoked_at is not None:
                raise CommandError(f"Key {record.kid} is already revoked.")
            now = timezone.now()
            record.revoked_at = now
            record.revocation_reason = reason
            if record.in_service:
                record.in_service = False
                record.retired_at = now
            record.save()
            audit_record(
                actor=None,
                action="portal.signing_key.revoke",
                target=record,
                data={"kid": record.kid, "reason": reason},
                actor_repr="manage.py signing_key",
            )
        self.stdout.write(
            self.style.WARNING(
                f"Key {record.kid} revoked: {record.documents.count()} documents it signed no "
                "longer verify; re-issue them."
            )
        )
