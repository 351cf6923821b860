"""Demo publications: what ``seed_demo`` shows on the announcements pages.

The texts are in ``portal/data/publication_demo.json``: a Shanghai announcement on its
Guidance Catalog, a ministry policy interpretation of the 2025 notice, two FAQ entries, a
Shanghai announcement left in review and a Shanghai report delivered to the ministry, each
in Chinese and English. They are written by the demo information officers (``sh.editor``,
``mohrss.editor``) and approved by their colleagues (``sh.editor2``, ``mohrss.editor2``)
through the real services, so their history, audit events and the four-eyes rule are
those of real texts. Idempotent: a text already there (same authority and Chinese title)
is left alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from portal import publication_services as services
from portal.models import Organization, Publication, User

TEXTS = Path(__file__).resolve().parent / "data" / "publication_demo.json"


def load(*, stdout: Any, users: dict[str, User], organizations: dict[str, Organization]) -> None:
    for text in json.loads(TEXTS.read_text(encoding="utf-8")):
        author = users.get(text["author"])
        if author is None or author.organization is None:
            continue
        if Publication.objects.filter(
            authority=author.organization, title_zh=text["title_zh"]
        ).exists():
            continue
        publication = services.publication_create(
            actor=author,
            kind=text["kind"],
            subjects=[(kind, key) for kind, key in text["subjects"]],
            **{
                name: text[name]
                for name in (
                    "title_zh",
                    "title_en",
                    "summary_zh",
                    "summary_en",
                    "body_zh",
                    "body_en",
                )
            },
        )
        services.publication_submit(actor=author, publication=publication)
        if text["reviewer"]:
            services.publication_approve(actor=users[text["reviewer"]], publication=publication)
        stdout.write(f"  publication: {text['title_en']}")
