"""Check a PDF the portal issued: its signed QR payload, its file seal, and its status.

    manage.py verify_document LETTER.pdf
    manage.py verify_document LETTER.pdf --keys portal-signing-keys.json   # offline

With ``--keys`` only the published public keys are used (the same check as
``python portal/docverify.py FILE --keys KEYS``, no database). Without it, the portal's
keys are read from the database and the document's status today is shown as well.
Exit status 0 for a genuine file, 1 for anything else, 2 for a file that cannot be read.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from portal import docverify


class Command(BaseCommand):
    help = "Check a PDF issued by the portal (signature, seal, status); exit 1 if not genuine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The PDF file to check.")
        parser.add_argument(
            "--keys",
            help="The published keys (/.well-known/portal-signing-keys.json) for an offline "
            "check without the database.",
        )
        parser.add_argument(
            "--language", default="en", choices=["en", "zh-hans"], help="Language of the output."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as error:
            self.stderr.write(self.style.ERROR(f"Cannot read {options['file']}: {error.strerror}."))
            sys.exit(2)
        if options["keys"]:
            try:
                keys = docverify.load_keys(Path(options["keys"]).read_bytes())
            except (OSError, ValueError, KeyError) as error:
                self.stderr.write(self.style.ERROR(f"Cannot read the keys: {error}."))
                sys.exit(2)
            check = docverify.check_file(data, keys)
            self.stdout.write(docverify.describe(check))
            sys.exit(0 if check.ok else 1)
        from portal.documents import verdict_for_file

        with translation.override(options["language"]):
            verdict = verdict_for_file(data)
            if verdict.genuine:
                self.stdout.write(self.style.SUCCESS("GENUINE"))
                self.stdout.write(f"  status: {verdict.status} ({verdict.status_label})")
            else:
                self.stdout.write(self.style.ERROR(f"NOT GENUINE ({verdict.code})"))
                self.stdout.write(f"  {verdict.message}")
            for label, value in verdict.facts_display:
                self.stdout.write(f"  {label}: {value}")
        sys.exit(0 if verdict.genuine else 1)
