"""The service guides' subject for publications: a procedure.

The key is the guide's key (``"extension"``): an announcement or an FAQ entry about a
procedure is shown on that procedure's guide, whichever province's rules the reader
chose. Every authority may write about every procedure (the procedures are national;
their numbers are the province's).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal import guides
from portal.models import Organization
from portal.publications import SubjectKind, register_subject

SUBJECT = "procedure"


def options(authority: Organization) -> list[tuple[str, str]]:
    return [(spec.key, str(spec.title)) for spec in guides.guides()]


def describe(key: str) -> tuple[str, str] | None:
    spec = guides.guide(key)
    if spec is None:
        return None
    return str(spec.title), reverse("guides:guide", args=[spec.key])


def register() -> None:
    register_subject(SubjectKind(SUBJECT, _("Service guide"), options, describe))
