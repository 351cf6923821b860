"""The kernel's PDF renderer (portal.pdf): real text in a CJK font, no remote resources,
an actionable error without Pango, and a portal that starts without WeasyPrint."""

from __future__ import annotations

import base64
import builtins
import logging
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from portal import pdf

BASE_DIR = Path(django_settings.BASE_DIR)
PRINT_CSS = "documents/print.css"
LONG_NAME_ZH = "亚历山大·克里斯托弗·冯·霍亨索伦-西格马林根·德·拉·富恩特·伊·蒙特罗-维拉努埃瓦"
LONG_NAME_EN = (
    "Alexander Christopher von Hohenzollern-Sigmaringen de la Fuente y Montero-Villanueva"
)
PANGO_OSERROR = (
    "cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file: "
    "No such file or directory"
)
POPPLER_TOOLS = ("pdfinfo", "pdftotext", "pdffonts", "pdfimages")


# --- Helpers ---------------------------------------------------------------------------


@pytest.fixture
def engine() -> None:
    """WeasyPrint with its system libraries; skipped outside CI when they are missing."""
    status = pdf.pdf_engine_status()
    if not status["available"] and not os.environ.get("CI"):
        pytest.skip(f"WeasyPrint cannot run here: {status['error']}")


@pytest.fixture
def poppler(engine: None) -> None:
    """poppler-utils to read PDFs back; on CI a missing tool fails the test instead."""
    missing = [tool for tool in POPPLER_TOOLS if shutil.which(tool) is None]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"poppler-utils is not installed (missing {', '.join(missing)})")


@pytest.fixture
def fresh_status() -> Iterator[None]:
    """Forget the cached engine status before and after a test that changes the answer."""
    pdf.pdf_engine_status.cache_clear()
    yield
    pdf.pdf_engine_status.cache_clear()


def run_tool(tool: str, data: bytes, *args: str) -> str:
    """Run a poppler tool on PDF bytes given on a temporary file; return its stdout."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        tool_path = shutil.which(tool) or tool
        result = subprocess.run(  # noqa: S603 - fixed tool, our own temporary file
            [tool_path, *args, handle.name, *(["-"] if tool == "pdftotext" else [])],
            capture_output=True,
            check=True,
        )
    return result.stdout.decode("utf-8")


def page_count(data: bytes) -> int:
    for line in run_tool("pdfinfo", data).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("pdfinfo printed no page count")


def fonts(data: bytes) -> list[tuple[str, str]]:
    """(font name without the subset prefix, emb) for each font pdffonts lists."""
    rows = run_tool("pdffonts", data).splitlines()[2:]
    result = []
    for row in rows:
        columns = row.split()
        name = columns[0].split("+", 1)[-1]
        # Columns from the right: emb sub uni object-number generation.
        result.append((name, columns[-5]))
    return sorted(result)


def image_count(data: bytes) -> int:
    return len(run_tool("pdfimages", data, "-list").splitlines()[2:])


def png_pixel() -> bytes:
    """A 1×1 red PNG, built here so the test needs no image file."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        checksum = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# --- Rendering the sample document ------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    status = pdf.pdf_engine_status()
    if not status["available"] and not os.environ.get("CI"):
        pytest.skip(f"WeasyPrint cannot run here: {status['error']}")
    return pdf.render_template_pdf("documents/sample.html", {}, stylesheets=[PRINT_CSS])


@pytest.mark.system_libs
def test_sample_is_a_one_page_pdf(poppler: None, sample_pdf: bytes) -> None:
    assert sample_pdf[:5] == b"%PDF-"
    assert page_count(sample_pdf) == 1


@pytest.mark.system_libs
def test_sample_chinese_text_is_real_text(poppler: None, sample_pdf: bytes) -> None:
    text = run_tool("pdftotext", sample_pdf, "-raw", "-enc", "UTF-8")
    lines = text.rstrip("\f\n").splitlines()
    assert lines[0] == "样本文件 Sample document"
    assert lines[1] == "项目 Item 中文 English"
    # The long name wraps inside its cell: pdftotext ends a line where the PDF does. Joined,
    # the lines give back exactly the characters of the template.
    assert LONG_NAME_ZH in "".join(lines)
    assert LONG_NAME_EN in " ".join(lines)
    assert LONG_NAME_ZH not in lines[2]  # it really wrapped
    assert "国籍 Nationality 西班牙 Spain" in lines
    assert "职位 Position 高级软件工程师 Senior Software Engineer" in lines
    # The running footer (a page-margin box) is text as well.
    assert lines[-1] == "样本文件 Sample document · 第 1 页，共 1 页 Page 1 of 1"


@pytest.mark.system_libs
def test_sample_embeds_the_cjk_font(poppler: None, sample_pdf: bytes) -> None:
    # One family for Chinese, Latin and the footer: regular for text, bold for headings.
    assert fonts(sample_pdf) == [("Noto-Sans-CJK-SC", "yes"), ("Noto-Sans-CJK-SC-Bold", "yes")]


@pytest.mark.system_libs
def test_running_footer_uses_the_configured_font(poppler: None) -> None:
    # Latin-only footer, empty body: the page-margin box must be set in the configured font,
    # not in WeasyPrint's default serif (what it gets when the font is only set on body).
    html = (
        "<html><head><style>@page { @bottom-center { content: 'Page ' counter(page) } }"
        "</style></head><body></body></html>"
    )
    data = pdf.render_pdf(html)
    assert fonts(data) == [("Noto-Sans-CJK-SC", "yes")]
    assert run_tool("pdftotext", data, "-raw").strip("\n\f") == "Page 1"


@pytest.mark.system_libs
def test_font_family_comes_from_settings(poppler: None, settings: Any, fresh_status: None) -> None:
    settings.PORTAL_PDF_FONT_FAMILY = '"WenQuanYi Micro Hei"'
    data = pdf.render_pdf(
        "<html lang='zh-Hans'><body><p>样本文件 Sample</p></body></html>",
        stylesheets=[PRINT_CSS],
    )
    assert fonts(data) == [("WenQuanYi-Micro-Hei", "yes")]
    assert run_tool("pdftotext", data, "-raw").strip("\n\f") == "样本文件 Sample"
    assert pdf.pdf_engine_status()["font"] == '"WenQuanYi Micro Hei"'


def test_font_stylesheet_sets_page_and_html() -> None:
    assert pdf.font_stylesheet('"Noto Sans CJK SC", sans-serif') == (
        '@page { font-family: "Noto Sans CJK SC", sans-serif; }\n'
        'html { font-family: "Noto Sans CJK SC", sans-serif; }\n'
    )
    assert pdf.font_stylesheet() == (
        f"@page {{ font-family: {pdf.DEFAULT_FONT_FAMILY}; }}\n"
        f"html {{ font-family: {pdf.DEFAULT_FONT_FAMILY}; }}\n"
    )
    assert pdf.DEFAULT_FONT_FAMILY == '"Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'


def test_render_template_pdf_renders_in_the_given_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[str, str | None, str, dict[str, Any]]] = []

    def fake_render_to_string(name: str, context: dict[str, Any]) -> str:
        seen.append(("template", translation.get_language(), name, context))
        return "<p>x</p>"

    def fake_render_pdf(
        html: str, *, base_url: str | None = None, stylesheets: list[str] | None = None
    ) -> bytes:
        seen.append(("pdf", translation.get_language(), html, {"stylesheets": stylesheets}))
        return b"%PDF-fake"

    monkeypatch.setattr(pdf, "render_to_string", fake_render_to_string)
    monkeypatch.setattr(pdf, "render_pdf", fake_render_pdf)
    with translation.override("zh-hans"):
        result = pdf.render_template_pdf(
            "documents/sample.html", {"a": 1}, language="en", stylesheets=[PRINT_CSS]
        )
        assert result == b"%PDF-fake"
        assert seen == [
            ("template", "en", "documents/sample.html", {"a": 1}),
            ("pdf", "zh-hans", "<p>x</p>", {"stylesheets": [PRINT_CSS]}),
        ]
        seen.clear()
        pdf.render_template_pdf("documents/sample.html", {})
        assert seen[0][:2] == ("template", "zh-hans")


# --- No remote resources -----------------------------------------------------------------------


@pytest.fixture
def static_dir(tmp_path: Path, settings: Any) -> Path:
    """A static directory holding one image, with an image and a symlink outside it."""
    static = tmp_path / "static"
    (static / "img").mkdir(parents=True)
    (static / "img" / "dot.png").write_bytes(png_pixel())
    (tmp_path / "outside.png").write_bytes(png_pixel())
    (static / "img" / "escape.png").symlink_to(tmp_path / "outside.png")
    settings.STATICFILES_DIRS = [static]
    settings.STATIC_ROOT = str(tmp_path / "collected")
    return static


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/x.css",
        "ftp://example.com/x.png",
        "//example.com/x.png",
        "file:///etc/passwd",
        "file://otherhost/etc/passwd",
        "FILE:///etc/passwd",
        "gopher://example.com/",
    ],
)
def test_check_document_url_refuses_remote_and_foreign_files(url: str, static_dir: Path) -> None:
    with pytest.raises(ValueError, match="Documents may not fetch"):
        pdf.check_document_url(url)


def test_check_document_url_refuses_escapes_from_static(static_dir: Path) -> None:
    with pytest.raises(ValueError, match="only files under the static-file directories"):
        pdf.check_document_url(f"file://{static_dir}/img/../../outside.png")
    with pytest.raises(ValueError, match="only files under the static-file directories"):
        pdf.check_document_url(f"file://{static_dir}/img/escape.png")


def test_check_document_url_allows_data_and_static_files(static_dir: Path) -> None:
    assert pdf.check_document_url("data:image/png;base64,AAAA") is None
    dot = static_dir / "img" / "dot.png"
    assert pdf.check_document_url(dot.as_uri()) == dot.resolve()
    assert pdf.check_document_url(f"file://localhost{dot}") == dot.resolve()
    # Explicit roots replace the static-file directories from the settings.
    with pytest.raises(ValueError, match="only files under the static-file directories"):
        pdf.check_document_url(dot.as_uri(), roots=[static_dir.parent / "collected"])


def test_static_roots_are_the_static_file_locations(settings: Any) -> None:
    settings.STATIC_ROOT = "/srv/portal/static"
    settings.STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", "/srv/vendor")]
    roots = pdf._static_roots()
    assert roots[:3] == [Path("/srv/portal/static"), BASE_DIR / "static", Path("/srv/vendor")]
    assert BASE_DIR / "portal" / "static" in roots


@pytest.mark.system_libs
def test_url_fetcher_refuses_when_called(engine: None, static_dir: Path) -> None:
    fetcher = pdf.make_url_fetcher()
    with pytest.raises(
        ValueError, match=re.escape("Documents may not fetch 'http://example.com/x.png'")
    ):
        fetcher("http://example.com/x.png")
    with pytest.raises(ValueError, match=re.escape("Documents may not fetch 'file:///etc/passwd'")):
        fetcher("file:///etc/passwd")
    with pytest.raises(ValueError, match="only files under the static-file directories"):
        fetcher((static_dir / "img" / "escape.png").as_uri())
    response = fetcher((static_dir / "img" / "dot.png").as_uri())
    try:
        assert response.read() == png_pixel()
        assert response.content_type == "image/png"
    finally:
        response.close()
    response = fetcher(data_uri(b"body { }", "text/css"))
    try:
        assert response.read() == b"body { }"
    finally:
        response.close()


@pytest.mark.system_libs
def test_rendering_skips_refused_resources_without_fetching(
    poppler: None,
    static_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    connections: list[object] = []

    def no_network(self: socket.socket, address: object) -> None:
        connections.append(address)
        raise AssertionError(f"a document tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    html = (
        "<html><head><link rel='stylesheet' href='http://example.com/x.css'></head><body>"
        "<p>无图 No image</p>"
        "<img src='http://example.com/x.png'>"
        "<img src='file:///etc/passwd'>"
        f"<img src='{(static_dir / 'img' / 'escape.png').as_uri()}'>"
        "</body></html>"
    )
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        data = pdf.render_pdf(html)
    assert data[:5] == b"%PDF-"
    assert connections == []
    assert image_count(data) == 0
    assert run_tool("pdftotext", data, "-raw").strip("\n\f") == "无图 No image"
    refusals = sorted(
        record.getMessage()
        for record in caplog.records
        if record.name == "weasyprint" and "Documents may not fetch" in record.getMessage()
    )
    assert len(refusals) == 4
    assert refusals[0].startswith("Failed to load image at 'file:///etc/passwd'")
    assert refusals[-1].startswith("Failed to load stylesheet at http://example.com/x.css")


@pytest.mark.system_libs
def test_rendering_loads_data_uris_and_static_files(poppler: None, static_dir: Path) -> None:
    html = (
        f"<p>两图 Two images</p><img src='{data_uri(png_pixel(), 'image/png')}'>"
        f"<img src='img/dot.png'>"
    )
    data = pdf.render_pdf(html, base_url=f"{static_dir.as_uri()}/")
    assert image_count(data) == 2


# --- Without Pango ------------------------------------------------------------------------------


@pytest.fixture
def pango_missing(monkeypatch: pytest.MonkeyPatch, fresh_status: None) -> None:
    """`import weasyprint` fails the way it does on a machine without Pango."""
    real_import = builtins.__import__

    def failing_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError(PANGO_OSERROR)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing_import)


PANGO_MESSAGE = (
    "PDF rendering needs Pango: install the Debian packages libpango-1.0-0 and "
    "libpangoft2-1.0-0 (see docs/deployment.md). WeasyPrint failed with: " + PANGO_OSERROR
)


def test_render_pdf_without_pango_names_the_package(pango_missing: None) -> None:
    with pytest.raises(pdf.PdfUnavailable) as caught:
        pdf.render_pdf("<p>x</p>")
    assert str(caught.value) == PANGO_MESSAGE
    assert caught.value.packages == ("libpango-1.0-0", "libpangoft2-1.0-0")
    assert isinstance(caught.value, RuntimeError)
    assert isinstance(caught.value.__cause__, OSError)
    with pytest.raises(pdf.PdfUnavailable, match=re.escape("libpango-1.0-0")):
        pdf.render_template_pdf("documents/sample.html", {})


def test_engine_status_without_pango(pango_missing: None) -> None:
    assert pdf.pdf_engine_status() == {
        "available": False,
        "weasyprint": None,
        "subsetter": None,
        "font": '"Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif',
        "error": PANGO_MESSAGE,
    }


@pytest.mark.parametrize(
    ("library", "component", "packages"),
    [
        ("libpango-1.0-0", "Pango", ("libpango-1.0-0", "libpangoft2-1.0-0")),
        ("libpangoft2-1.0-0", "Pango", ("libpango-1.0-0", "libpangoft2-1.0-0")),
        ("libgobject-2.0-0", "GLib", ("libglib2.0-0",)),
        ("libharfbuzz-0", "HarfBuzz", ("libharfbuzz0b",)),
        ("libfontconfig-1", "Fontconfig", ("libfontconfig1",)),
    ],
)
def test_missing_library_maps_to_debian_packages(
    library: str, component: str, packages: tuple[str, ...]
) -> None:
    error = OSError(
        f"cannot load library '{library}': {library}: cannot open shared object file: "
        "No such file or directory"
    )
    unavailable = pdf._unavailable_from_oserror(error)
    assert unavailable.packages == packages
    words = " and ".join(packages)
    noun = "package" if len(packages) == 1 else "packages"
    assert str(unavailable).startswith(
        f"PDF rendering needs {component}: install the Debian {noun} {words} "
        "(see docs/deployment.md)."
    )


def test_unknown_library_error_lists_every_package() -> None:
    unavailable = pdf._unavailable_from_oserror(OSError("dlopen failed: bad ELF header"))
    assert unavailable.packages == (
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz0b",
        "libharfbuzz-subset0",
        "libfontconfig1",
        "libglib2.0-0",
    )
    assert str(unavailable) == (
        "PDF rendering needs Pango, HarfBuzz, Fontconfig and GLib: install the Debian "
        "packages libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz0b, libharfbuzz-subset0, "
        "libfontconfig1 and libglib2.0-0 (see docs/deployment.md). WeasyPrint failed with: "
        "dlopen failed: bad ELF header"
    )


def test_missing_weasyprint_package(monkeypatch: pytest.MonkeyPatch, fresh_status: None) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(pdf.PdfUnavailable, match="needs the Python package WeasyPrint"):
        pdf.render_pdf("<p>x</p>")
    status = pdf.pdf_engine_status()
    assert status["available"] is False
    assert status["error"] is not None
    assert status["error"].startswith("PDF rendering needs the Python package WeasyPrint")


# --- Engine status ------------------------------------------------------------------------------


@pytest.mark.system_libs
def test_engine_status_reports_harfbuzz_subsetter(engine: None, fresh_status: None) -> None:
    import weasyprint

    # The design requires libharfbuzz-subset0 wherever PDFs are made (fontTools is 40× slower).
    assert pdf.pdf_engine_status() == {
        "available": True,
        "weasyprint": weasyprint.__version__,
        "subsetter": "harfbuzz",
        "font": '"Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif',
        "error": None,
    }
    assert weasyprint.__version__.split(".")[0] == "70"


@pytest.mark.system_libs
def test_engine_status_detects_fonttools_fallback(
    engine: None, monkeypatch: pytest.MonkeyPatch, fresh_status: None
) -> None:
    from weasyprint.pdf import fonts as pdf_fonts

    real_subset, real_harfbuzz = pdf_fonts.harfbuzz_subset, pdf_fonts.harfbuzz

    # WeasyPrint subsets with fontTools when libharfbuzz-subset did not load ...
    monkeypatch.setattr(pdf_fonts, "harfbuzz_subset", None)
    assert pdf.pdf_engine_status()["subsetter"] == "fonttools"
    pdf.pdf_engine_status.cache_clear()

    # ... or when HarfBuzz is older than 4.1.0 (WeasyPrint needs hb_set_add_sorted_array).
    class OldHarfBuzz:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_harfbuzz, name)

        def hb_version_atleast(self, major: int, minor: int, micro: int) -> bool:
            return (major, minor, micro) <= (4, 0, 0)

    monkeypatch.setattr(pdf_fonts, "harfbuzz_subset", real_subset)
    monkeypatch.setattr(pdf_fonts, "harfbuzz", OldHarfBuzz())
    assert pdf.pdf_engine_status()["subsetter"] == "fonttools"


def test_engine_status_is_cached(fresh_status: None) -> None:
    first = pdf.pdf_engine_status()
    assert pdf.pdf_engine_status() is first
    assert pdf.pdf_engine_status.cache_info().hits == 1


# --- Starting the portal does not import WeasyPrint ---------------------------------------------


@pytest.mark.parametrize("modules", ["portal.urls", "portal.urls, portal.pdf"])
def test_starting_the_portal_does_not_import_weasyprint(modules: str) -> None:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings.test'; "
        f"django.setup(); import {modules}, sys; print('weasyprint' in sys.modules)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "False\n"
