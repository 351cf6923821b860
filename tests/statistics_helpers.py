"""Reading the statistics pages in tests: a table by its id as rows of cell texts, the
values a chart draws (``data-value`` of each bar or point, by series and label), and a
CSV download as rows."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.middleware import VERIFIED_KEY


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.depth = 0
        # Charts: the table a figure's svg describes, and its marks.
        self.charts: dict[str, list[dict[str, str]]] = {}
        self.chart_for: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "svg" and found.get("aria-describedby"):
            self.chart_for = found["aria-describedby"]
            self.charts.setdefault(self.chart_for, [])
        if self.chart_for and "data-series" in found:
            self.charts[self.chart_for].append(found)
        if tag == "table" and found.get("id"):
            self.current = found["id"]
            self.tables[self.current] = []
        elif self.current and tag == "tr":
            self.row = []
        elif self.current and self.row is not None and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.chart_for = None
        if not self.current:
            return
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.current].append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def parse(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    return parser


def table(html: str, key: str) -> dict[str, dict[str, str]]:
    """The table ``table-<key>`` as ``{row label: {column header: cell text}}``."""
    rows = parse(html).tables[f"table-{key}"]
    header, body = rows[0], rows[1:]
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in body}


def table_rows(html: str, key: str) -> list[list[str]]:
    """The table ``table-<key>`` as rows of cell texts, the header first."""
    return parse(html).tables[f"table-{key}"]


def chart(html: str, key: str) -> dict[tuple[str, str], str]:
    """What the chart of table ``key`` draws: ``{(series, label): data-value}`` (``""`` for
    a withheld value)."""
    marks = parse(html).charts[f"table-{key}"]
    return {(m["data-series"], m["data-label"]): m.get("data-value", "") for m in marks}


def csv_rows(response: Any) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def number(text: str) -> int:
    return int(text.replace(",", ""))


def url(name: str, language: str = "zh-hans", **params: str) -> str:
    with translation.override(language):
        path = reverse(f"statistics:{name}")
    if params:
        from urllib.parse import urlencode

        path += "?" + urlencode(params)
    return path


def client_for(user: Any) -> Client:
    """A session as after the password and the second factor."""
    client = Client()
    if user is not None:
        client.force_login(user)
        session = client.session
        session[VERIFIED_KEY] = True
        session.save()
    return client
