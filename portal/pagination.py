"""Page-by-page lists for HTML pages, without counting every row.

Django's Paginator runs COUNT(*) over the whole filtered table on every page; for an
officer's list of employers, or a ministry user's list of every organization, that is the
most expensive query of the page (docs/adr/0007-cursor-pagination.md). A page here fetches
one row more than it shows, to know whether a next page exists, and never counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

MAX_PAGE = 10_000


@dataclass(frozen=True)
class Page:
    object_list: list[Any]
    number: int
    has_next: bool

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def page_of(queryset: QuerySet[Any], raw_number: str | None, per_page: int) -> Page:
    """The requested page (1 for anything that is not a page number)."""
    try:
        number = int(raw_number or 1)
    except (TypeError, ValueError):
        number = 1
    number = min(max(number, 1), MAX_PAGE)
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return Page(object_list=rows[:per_page], number=number, has_next=len(rows) > per_page)
