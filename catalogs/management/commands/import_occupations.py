"""Import an edition of the National Occupational Classification from a CSV or XLSX file.

    manage.py import_occupations FILE [--edition 2022] [--dry-run]

Progress goes to stderr, the summary (counts and every problem) to stdout. Exit status 1
when the file has errors: then nothing is written. The work is ``catalogs.importing``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalogs.importing import import_occupations, summary_lines
from catalogs.models import CURRENT_EDITION

EDITIONS = range(1900, 3000)


class Command(BaseCommand):
    help = (
        "Import (upsert) an edition of the National Occupational Classification from a CSV "
        "or XLSX file with the columns code, level, title_zh, digital, green (optional: "
        "title_en, definition). Nothing is written when the file has errors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8 or GB 18030) or XLSX file.")
        parser.add_argument(
            "--edition",
            type=int,
            default=CURRENT_EDITION,
            help=f"Edition of the classification (default {CURRENT_EDITION}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and count what would change; write nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        edition: int = options["edition"]
        if edition not in EDITIONS:
            raise CommandError(
                _("The edition must be a year from %(first)d to %(last)d, not %(edition)d.")
                % {"first": EDITIONS[0], "last": EDITIONS[-1], "edition": edition}
            )
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(_("No such file: %(path)s") % {"path": path}) from None
        except IsADirectoryError:
            raise CommandError(_("%(path)s is a directory, not a file.") % {"path": path}) from None
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
            ) from None

        def progress(message: str) -> None:
            self.stderr.write(message)

        report = import_occupations(
            data,
            edition=edition,
            dry_run=options["dry_run"],
            file_name=path.name,
            progress=progress if options["verbosity"] >= 1 else None,
        )
        for line in summary_lines(report):
            style = self.style.WARNING if line.startswith("  ") else None
            self.stdout.write(line, style_func=style)
        errors = report.errors
        if len(errors) == 1 and errors[0].line is None:  # the file as a whole
            raise CommandError(f"{path.name}: {errors[0].message}")
        if errors:
            raise CommandError(
                ngettext(
                    "%(n)d error in %(file)s: nothing was imported.",
                    "%(n)d errors in %(file)s: nothing was imported.",
                    len(errors),
                )
                % {"n": len(errors), "file": path.name}
            )
