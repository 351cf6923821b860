"""Render times of the portal's issued documents (WeasyPrint), against a bare page.

Usage (the system libraries of docs/deployment.md, "System packages for PDFs", installed):

    .venv/bin/python benchmarks/documents_render.py [--runs 20]

What it measures: the wall-clock time of ``portal.pdf.render_pdf`` /
``portal.pdf.render_template_pdf`` (Django template rendering, WeasyPrint layout, font
subsetting and PDF writing) for

* ``bare``: a minimal HTML page with one Chinese and English paragraph, rendered through
  the same ``portal.pdf.render_pdf`` (so with the generated font stylesheet, but no
  document stylesheet): the floor that every PDF pays (mostly embedding the CJK font);
* each kind of document in ``benchmarks.document_samples.SAMPLES`` (one realistic
  context per kind), rendered from ``templates/documents/<kind>.html`` with
  ``static/documents/issued.css``, exactly as the issuing code calls it.

Each case is rendered once to warm up (imports, Fontconfig, template loading, the
renderer's caches) and then ``--runs`` times. The table gives per case the median and the
90th percentile in milliseconds, the ratio of the median to the bare page's median, the
size of the PDF in KB and its number of pages. ``--extremes`` also renders the contexts
of ``EXTREMES`` (long names, 25 reasons...). Progress goes to stderr, the table to stdout.

Django is set up with ``portal.settings.local``; no database is touched.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE_HTML = """<!DOCTYPE html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>Bare page</title></head>
<body><p>外国人来华工作许可：本页只有一段中英文文字，用来衡量生成PDF的基本耗时。
Foreigner's work permit: this page holds one Chinese and English paragraph and measures
what every PDF costs.</p></body></html>
"""

STYLESHEETS = ["documents/issued.css"]


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    import django

    django.setup()


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` percentile by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def page_count(pdf: bytes) -> str:
    """The number of pages by poppler's ``pdfinfo`` (WeasyPrint compresses the page tree
    into object streams), or "?" without it."""
    if not shutil.which("pdfinfo"):
        return "?"
    result = subprocess.run(
        ["pdfinfo", "-"], input=pdf, capture_output=True, check=False, timeout=30
    )
    match = re.search(rb"^Pages:\s+(\d+)", result.stdout, re.MULTILINE)
    return match.group(1).decode() if match else "?"


def measure(name: str, render: Callable[[], bytes], runs: int) -> dict[str, float | str]:
    print(f"{name}: warm-up", file=sys.stderr, flush=True)
    pdf = render()
    times: list[float] = []
    for run in range(1, runs + 1):
        start = time.perf_counter()
        pdf = render()
        times.append((time.perf_counter() - start) * 1000)
        print(f"\r{name}: {run}/{runs}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr, flush=True)
    return {
        "kind": name,
        "median": statistics.median(times),
        "p90": percentile(times, 0.9),
        "kb": len(pdf) / 1024,
        "pages": page_count(pdf),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per case (default 20)")
    parser.add_argument("--extremes", action="store_true", help="also render the EXTREMES contexts")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    setup_django()
    from benchmarks.document_samples import EXTREMES, SAMPLES
    from portal.pdf import pdf_engine_status, render_pdf, render_template_pdf

    status = pdf_engine_status()
    if not status["available"]:
        print(status["error"], file=sys.stderr)
        return 1
    print(
        f"WeasyPrint {status['weasyprint']}, subsetter {status['subsetter']}, "
        f"font {status['font']}, {args.runs} runs after one warm-up",
        file=sys.stderr,
    )

    rows = [measure("bare", lambda: render_pdf(BARE_HTML), args.runs)]
    cases = [(kind, context) for kind, context in SAMPLES.items()]
    if args.extremes:
        cases += [(f"{kind} (extreme)", context) for kind, context in EXTREMES.items()]
    for name, context in cases:
        template = f"documents/{name.split(' ')[0]}.html"

        def render(template: str = template, context: dict = context) -> bytes:
            return render_template_pdf(template, context, stylesheets=STYLESHEETS)

        rows.append(measure(name, render, args.runs))

    bare = float(rows[0]["median"])
    width = max(len(str(row["kind"])) for row in rows)
    header = (
        f"{'kind':<{width}}  {'median ms':>9}  {'p90 ms':>7}  {'x bare':>6}  {'KB':>6}  "
        f"{'pages':>5}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['kind']:<{width}}  {row['median']:>9.0f}  {row['p90']:>7.0f}  "
            f"{float(row['median']) / bare:>6.2f}  {row['kb']:>6.0f}  {row['pages']:>5}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
