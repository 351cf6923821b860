"""The issued documents' templates hold up with extreme content: 150-character names,
200-character employers, 25 long reasons. Rendered from the sample contexts of
``benchmarks/document_samples.py`` (the ones the render benchmark uses), checked by the
text poppler extracts and by the page count and sizes it reports."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from benchmarks.document_samples import (
    EXTREMES,
    KINDS,
    LONG_CHINESE_NAME,
    LONG_EMPLOYER_ZH,
    LONG_LATIN_NAME,
    SAMPLES,
)
from portal.pdf import render_template_pdf

A4 = (595, 842)  # points, rounded
CARD = (243, 153)  # 85.6 mm x 54 mm


def render(kind: str, context: dict, folder: Path) -> Path:
    path = folder / f"{kind}.pdf"
    path.write_bytes(
        render_template_pdf(f"documents/{kind}.html", context, stylesheets=["documents/issued.css"])
    )
    return path


def squeezed(text: str) -> str:
    """Without white space and hyphens: lines wrap anywhere, and pdftotext joins a word
    broken after a hyphen at the end of a line."""
    return "".join(text.split()).replace("-", "")


def text_of(path: Path) -> str:
    done = subprocess.run(  # noqa: S603 - a fixed program on a file of our own
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S607
        capture_output=True,
        check=True,
    )
    return squeezed(done.stdout.decode("utf-8"))


def page_sizes(path: Path) -> list[tuple[int, int]]:
    done = subprocess.run(  # noqa: S603
        ["pdfinfo", "-f", "1", "-l", "99", str(path)],  # noqa: S607
        capture_output=True,
        check=True,
        text=True,
    )
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", done.stdout)
    return [(round(float(w)), round(float(h))) for w, h in sizes]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_prints_its_titles_number_and_verification_line(kind, tmp_path):
    context = SAMPLES[kind]
    text = text_of(render(kind, context, tmp_path))
    doc = context["doc"]
    for needle in (doc["title_zh"], doc["title_en"], doc["number"], doc["key_id"]):
        assert squeezed(needle) in text, needle
    assert "核验" in text


def test_long_names_wrap_inside_the_letter_and_nothing_is_lost(tmp_path):
    path = render("notification_letter", EXTREMES["notification_letter"], tmp_path)
    text = text_of(path)
    assert squeezed(LONG_LATIN_NAME) in text
    assert squeezed(LONG_CHINESE_NAME) in text
    assert squeezed(LONG_EMPLOYER_ZH) in text
    assert all(size == A4 for size in page_sizes(path))


def test_the_permit_is_an_a4_record_and_one_card_face(tmp_path):
    assert page_sizes(render("work_permit", SAMPLES["work_permit"], tmp_path)) == [A4, CARD]


def test_extreme_names_lengthen_the_record_but_never_spill_the_card(tmp_path):
    sizes = page_sizes(render("work_permit", EXTREMES["work_permit"], tmp_path))
    assert sizes[-1] == CARD
    assert sizes[:-1] == [A4] * (len(sizes) - 1)


def test_twenty_five_long_reasons_flow_over_pages_and_every_one_is_printed(tmp_path):
    context = EXTREMES["rejection_decision"]
    path = render("rejection_decision", context, tmp_path)
    text = text_of(path)
    reasons = context["decision"]["reasons"]
    assert len(reasons) == 25
    for reason in reasons:
        assert squeezed(reason["title_zh"]) in text
    sizes = page_sizes(path)
    assert len(sizes) > 2
    assert all(size == A4 for size in sizes)
