"""Verify the audit log's hash chain.

Exit status 0 when the chain is intact; 1 with the first bad event named otherwise.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from portal.audit import audit_verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit 1 and name the first bad event if broken."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]

        def progress(checked: int) -> None:
            if verbosity >= 1 and checked % 10000 == 0:
                self.stderr.write(f"  {checked} events checked...")

        report = audit_verify_chain(progress=progress)
        if report.intact:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain intact: {report.checked} events, last #{report.last_seq}."
                )
            )
            return
        brk = report.first_break
        assert brk is not None
        self.stderr.write(
            self.style.ERROR(
                f"Audit chain BROKEN at event #{brk.seq}"
                + (f" (id {brk.event_id})" if brk.event_id is not None else "")
                + f": {brk.problem}. {report.checked} events before it are intact."
            )
        )
        sys.exit(1)
