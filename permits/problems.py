"""What stands in the way of a step, in words that say what to fix.

Checks (``permits.checks``) return ``Problem`` lists; the workflow's guards turn a
non-empty list into ``GuardFailed`` with every problem in ``details["problems"]``, and the
pages and the API show each one against its field or step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from portal.workflow import GuardFailed


@dataclass(frozen=True)
class Problem:
    code: str  # stable, for programs: passport_expires_soon, document_missing, ...
    message: str  # translated, says what to fix
    field: str = ""  # the form field or document kind it concerns
    step: str = ""  # the step of the application form: kind, worker, job, facts, documents

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def refuse_if(problems: list[Problem], message: str) -> None:
    """Raise ``GuardFailed`` carrying the problems when there are any."""
    if problems:
        raise GuardFailed(message, details={"problems": [p.as_dict() for p in problems]})
