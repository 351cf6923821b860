"""Bring the statistics summaries up to date now (beat does it every 15 minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from permits.statistics import statistics_refresh


class Command(BaseCommand):
    help = (
        "Recompute the statistics summaries of applications and permits: what changed since "
        "the last refresh, or everything with --full."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="Recompute every month and province, not only what changed.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = statistics_refresh(full=options["full"], progress=self.stdout.write)
        kind = "Full" if report.full else "Incremental"
        self.stdout.write(
            self.style.SUCCESS(
                f"{kind} refresh done in {report.seconds:.2f} s: "
                f"{report.monthly_rows:,} monthly rows, {report.histogram_rows:,} histogram "
                f"rows, {report.permits_rows:,} permit rows"
                + ("" if report.full else f", {report.pairs} (month, province) pairs")
                + ("." if report.changed else "; nothing changed.")
            )
        )
