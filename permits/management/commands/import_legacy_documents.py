"""Import documents issued before 1 April 2017 from a CSV or XLSX file.

    manage.py import_legacy_documents FILE --region 310000 --officer USERNAME [--dry-run]

The officer (an acceptance or decision officer of the province) is recorded as the one who
recorded them. Progress goes to stderr, the report (counts and every row's problems) to
stdout. Exit status 1 when the file has errors: then nothing is written. The work is
``permits.services.legacy.legacy_import``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from permits.services.legacy import COLUMNS, legacy_import
from portal.models import Region, User
from portal.services import PermissionDeniedError


class Command(BaseCommand):
    help = (
        "Import Alien Employment Licences and Foreign Expert Certificates issued before "
        f"1 April 2017 from a CSV or XLSX file with the columns {', '.join(COLUMNS)}. "
        "Nothing is written when any row has an error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8 or GB 18030) or XLSX file.")
        parser.add_argument(
            "--region", required=True, help="The province's six-digit code, e.g. 310000."
        )
        parser.add_argument(
            "--officer",
            required=True,
            help="User name of an acceptance or decision officer of the province.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        region = Region.objects.filter(code=options["region"]).first()
        if region is None or region.level != Region.Level.PROVINCE:
            raise CommandError(
                _("No province has the code %(code)s.") % {"code": options["region"]}
            )
        officer = User.objects.filter(username=options["officer"], is_active=True).first()
        if officer is None:
            raise CommandError(
                _("No active user is named %(name)s.") % {"name": options["officer"]}
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

        try:
            report = legacy_import(
                actor=officer,
                region=region,
                data=data,
                file_name=path.name,
                dry_run=options["dry_run"],
                progress=progress if options["verbosity"] >= 1 else None,
            )
        except PermissionDeniedError as exc:
            raise CommandError(exc.message) from None
        for line in report.summary_lines():
            style = self.style.WARNING if line.startswith("  ") else None
            self.stdout.write(line, style_func=style)
        if report.errors:
            raise CommandError(
                ngettext(
                    "%(n)d error in %(file)s: nothing was imported.",
                    "%(n)d errors in %(file)s: nothing was imported.",
                    len(report.errors),
                )
                % {"n": len(report.errors), "file": path.name}
            )
