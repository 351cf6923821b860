"""Write docs/workflows.md: every workflow's state diagram, generated from its table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.workflow_docs import render_workflows_markdown


class Command(BaseCommand):
    help = "Regenerate docs/workflows.md from the workflow transition tables."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")

    def handle(self, *args: Any, check: bool, **options: Any) -> None:
        target = Path(settings.BASE_DIR) / "docs" / "workflows.md"
        text = render_workflows_markdown()
        if check:
            current = target.read_text(encoding="utf-8") if target.exists() else ""
            if current != text:
                self.stderr.write("docs/workflows.md is stale: run manage.py workflow_diagrams")
                raise SystemExit(1)
            self.stdout.write("docs/workflows.md is current.")
            return
        target.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {target}")
