"""``{% publications_about "catalog" key %}``: what was published about a subject.

Renders the newest published, public publications linked to the subject (at most five,
one query), with a link to all of them; nothing at all when there is none.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from portal.publication_selectors import about_subject
from portal.publications import subject_value

register = template.Library()

SHOWN = 5


@register.inclusion_tag("publications/_about.html")
def publications_about(kind: str, key: Any) -> dict[str, Any]:
    key = str(key)
    found = about_subject(kind, key, limit=SHOWN)
    query = urlencode({"about": subject_value(kind, key)})
    return {
        "publications": found[:SHOWN],
        "more": len(found) > SHOWN,
        "all_url": f"{reverse('publications:list')}?{query}",
    }
