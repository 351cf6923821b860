"""What the talent standards app adds to the kernel's registries."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.filings import register_filing_kind

WORKFLOW_NAME = "talent_standards.regional_standard"


def content_problems(standard: Any) -> list[str]:
    if not standard.routes.exists() and not standard.bonus_rules.exists():
        return [gettext("The standard has no route and no bonus rule yet.")]
    return []


def comment_fields(part: Any) -> dict[str, Any]:
    return {"route": part, "part_code": part.code}


def register() -> None:
    from .models import RegionalStandard

    register_filing_kind(
        RegionalStandard,
        workflow_name=WORKFLOW_NAME,
        label=_("regional standard"),
        content_problems=content_problems,
        comment_fields=comment_fields,
    )
