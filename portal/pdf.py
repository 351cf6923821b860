"""The kernel's PDF renderer: HTML (usually a Django template) to PDF bytes with WeasyPrint.

Notification Letters, Work Permits and every other printable document are built on the
functions here; nothing else in the project talks to WeasyPrint directly.

Lazy import
    WeasyPrint loads Pango, HarfBuzz, Fontconfig and GLib through cffi the moment it is
    imported, and raises ``OSError`` when one of them is missing. It is therefore imported
    only inside the functions below, never at module level: importing this module, and
    starting the whole portal, works on a machine without Pango (a web node that never
    prints, a developer laptop, the migration job). Only rendering a PDF needs the system
    libraries, and then :class:`PdfUnavailable` says which Debian packages to install.
    :func:`pdf_engine_status` reports the same for ``/healthz``.

Font choice
    Every document is set in ``settings.PORTAL_PDF_FONT_FAMILY`` (default
    :data:`DEFAULT_FONT_FAMILY`: Noto Sans CJK SC, then WenQuanYi Micro Hei, then the
    system sans-serif), so Chinese and Latin text come from one CJK font that covers both,
    embedded as a subset and extractable as real text. The family is applied by a generated
    user stylesheet on ``html`` *and* on ``@page``: page-margin boxes (running headers and
    footers) belong to the page, not to ``body``, and silently fall back to WeasyPrint's
    default serif when the font is set on ``body`` only (WeasyPrint 70 lets the page inherit
    from ``html``; the ``@page`` rule keeps the footer right even when a document changes
    the font of ``html``). Documents may still choose another font for an element in their
    own (author) CSS, which takes precedence over the generated stylesheet.

    Measured on the target hardware (design notes, "PDFs: measured on this hardware"):
    with HarfBuzz's subsetter (Debian ``libharfbuzz-subset0``) a one-page bilingual letter
    in Noto Sans CJK renders in about 0.3 s; without it WeasyPrint falls back to fontTools
    and takes 12-14 s. :func:`pdf_engine_status` reports which subsetter is active, using
    the same test WeasyPrint uses.

Resources
    Documents never fetch remote resources. The URL fetcher given to WeasyPrint accepts
    ``data:`` URIs and local files inside the static-file directories (``STATIC_ROOT``,
    ``STATICFILES_DIRS`` and the installed apps' ``static/`` directories) and refuses
    everything else with :class:`ValueError`; WeasyPrint logs the refusal and renders the
    document without that resource.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

if TYPE_CHECKING:  # pragma: no cover - typing only, never imported at run time
    from weasyprint import CSS
    from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = [
    "DEFAULT_FONT_FAMILY",
    "PdfEngineStatus",
    "PdfUnavailable",
    "check_document_url",
    "font_stylesheet",
    "make_url_fetcher",
    "pdf_engine_status",
    "render_pdf",
    "render_template_pdf",
]

DEFAULT_FONT_FAMILY = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'

DEPLOYMENT_DOC = "docs/deployment.md"

# Shared libraries WeasyPrint loads (by the first name it tries, which is the name its
# OSError mentions), most specific first: "pangoft2" must match before "pango" and
# "harfbuzz-subset" before "harfbuzz". Each maps to the component and the Debian
# (bookworm) packages that provide it.
_LIBRARY_PACKAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("pangoft2", "Pango", ("libpango-1.0-0", "libpangoft2-1.0-0")),
    ("pango", "Pango", ("libpango-1.0-0", "libpangoft2-1.0-0")),
    ("harfbuzz-subset", "HarfBuzz-Subset", ("libharfbuzz-subset0",)),
    ("harfbuzz", "HarfBuzz", ("libharfbuzz0b",)),
    ("fontconfig", "Fontconfig", ("libfontconfig1",)),
    ("gobject", "GLib", ("libglib2.0-0",)),
    ("glib", "GLib", ("libglib2.0-0",)),
)
# Everything WeasyPrint needs, for an error that names no library we know.
_ALL_PACKAGES: tuple[str, ...] = (
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz0b",
    "libharfbuzz-subset0",
    "libfontconfig1",
    "libglib2.0-0",
)
_LIBRARY_IN_MESSAGE = re.compile(r"cannot load library '([^']+)'")


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot be used here: a system library (or WeasyPrint itself) is missing.

    The message names what to install; ``packages`` lists the Debian packages.
    """

    def __init__(self, message: str, packages: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.packages: tuple[str, ...] = tuple(packages)


class PdfEngineStatus(TypedDict):
    """What :func:`pdf_engine_status` reports."""

    available: bool
    weasyprint: str | None
    subsetter: str | None
    font: str
    error: str | None


def _join_words(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _unavailable_from_oserror(error: OSError) -> PdfUnavailable:
    """Turn the OSError cffi raises for a missing shared library into an actionable error."""
    text = str(error)
    match = _LIBRARY_IN_MESSAGE.search(text)
    haystack = (match.group(1) if match else text).lower()
    component, packages = next(
        ((name, debs) for stem, name, debs in _LIBRARY_PACKAGES if stem in haystack),
        ("Pango, HarfBuzz, Fontconfig and GLib", _ALL_PACKAGES),
    )
    noun = "package" if len(packages) == 1 else "packages"
    message = (
        f"PDF rendering needs {component}: install the Debian {noun} "
        f"{_join_words(packages)} (see {DEPLOYMENT_DOC}). WeasyPrint failed with: {text}"
    )
    return PdfUnavailable(message, packages)


def _import_weasyprint() -> ModuleType:
    """Import WeasyPrint (and with it the system libraries), or raise PdfUnavailable."""
    try:
        import weasyprint  # lazy on purpose, see the module docstring
    except OSError as error:
        raise _unavailable_from_oserror(error) from error
    except ImportError as error:
        raise PdfUnavailable(
            "PDF rendering needs the Python package WeasyPrint: install the project's "
            f"dependencies (pip install -e .; see {DEPLOYMENT_DOC}). Import failed with: "
            f"{error}"
        ) from error
    return weasyprint


def _configured_font_family() -> str:
    return str(getattr(settings, "PORTAL_PDF_FONT_FAMILY", DEFAULT_FONT_FAMILY))


def font_stylesheet(family: str | None = None) -> str:
    """The generated stylesheet that sets the document font on ``@page`` and ``html``."""
    family = family or _configured_font_family()
    return f"@page {{ font-family: {family}; }}\nhtml {{ font-family: {family}; }}\n"


# --- Resources --------------------------------------------------------------------------


def _static_roots() -> list[Path]:
    """Directories documents may load files from: the static-file locations."""
    candidates: list[str | Path] = []
    if getattr(settings, "STATIC_ROOT", None):
        candidates.append(settings.STATIC_ROOT)
    for entry in getattr(settings, "STATICFILES_DIRS", ()):
        # An entry is a path or a (prefix, path) pair.
        candidates.append(entry[1] if isinstance(entry, list | tuple) else entry)
    candidates.extend(Path(config.path) / "static" for config in apps.get_app_configs())
    return [Path(candidate).resolve() for candidate in candidates]


def check_document_url(url: str, *, roots: Iterable[Path] | None = None) -> Path | None:
    """Decide whether a document may load ``url``.

    Returns ``None`` for a ``data:`` URI and the resolved path for a ``file:`` URL inside a
    static-file directory; raises :class:`ValueError` for anything else (network schemes,
    files elsewhere, ``..`` or symbolic links that leave the static directories).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return None
    if scheme != "file":
        raise ValueError(
            f"Documents may not fetch {url!r}: only data: URIs and local static files are "
            "allowed in PDFs."
        )
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"Documents may not fetch {url!r}: the file is not on this host.")
    path = Path(url2pathname(parts.path)).resolve()
    allowed = list(roots) if roots is not None else _static_roots()
    if not any(path.is_relative_to(root) for root in allowed):
        raise ValueError(
            f"Documents may not fetch {url!r}: only files under the static-file directories "
            "(STATIC_ROOT, STATICFILES_DIRS, apps' static/) are allowed in PDFs."
        )
    return path


@functools.cache
def _fetcher_class() -> type[URLFetcher]:
    _import_weasyprint()
    from weasyprint.urls import URLFetcher as WeasyPrintURLFetcher

    class StaticOnlyURLFetcher(WeasyPrintURLFetcher):
        """WeasyPrint URL fetcher that only serves data: URIs and local static files."""

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            path = check_document_url(url)
            # Open the resolved path, not the URL, so the checked file is the one read.
            target = url if path is None else path.as_uri()
            return super().fetch(target, headers)

    return StaticOnlyURLFetcher


def make_url_fetcher() -> URLFetcher:
    """A WeasyPrint URL fetcher refusing everything but data: URIs and local static files.

    Calling it (``fetcher(url)``) raises :class:`ValueError` for a refused URL.
    Raises :class:`PdfUnavailable` when WeasyPrint cannot be imported.
    """
    return _fetcher_class()(allowed_protocols={"file", "data"}, allow_redirects=False)


def _find_stylesheet(name: str) -> Path:
    """A stylesheet given as a static path ("documents/print.css") or an absolute path."""
    candidate = Path(name)
    if candidate.is_absolute():
        return candidate
    found = finders.find(name)
    if found:
        return Path(found if isinstance(found, str) else found[0])
    if getattr(settings, "STATIC_ROOT", None):
        collected = Path(settings.STATIC_ROOT) / name
        if collected.is_file():
            return collected
    raise FileNotFoundError(f"PDF stylesheet {name!r} is not a static file.")


# --- Rendering ----------------------------------------------------------------------------


def render_pdf(
    html: str,
    *,
    base_url: str | None = None,
    stylesheets: list[str] | None = None,
) -> bytes:
    """Render an HTML document to PDF bytes.

    ``stylesheets`` are static paths (``"documents/print.css"``, found like
    ``{% static %}`` finds them) or absolute paths inside the static directories; they are
    applied as user stylesheets after the generated font stylesheet. ``base_url`` resolves
    relative URLs in the document (e.g. ``"file:///srv/portal/static/"``). Remote resources
    are never fetched. Raises :class:`PdfUnavailable` when WeasyPrint cannot run here.
    """
    weasyprint = _import_weasyprint()
    paths = []
    for name in stylesheets or ():
        path = _find_stylesheet(name)
        check_document_url(path.resolve().as_uri())
        paths.append((str(path), path.stat().st_mtime_ns))
    font_config, sheets = _parsed_stylesheets(font_stylesheet(), tuple(paths))
    fetcher = make_url_fetcher()
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=list(sheets), font_config=font_config)
    return pdf


@functools.lru_cache(maxsize=16)
def _parsed_stylesheets(
    font_css: str, paths: tuple[tuple[str, int], ...]
) -> tuple[Any, tuple[CSS, ...]]:
    """The font stylesheet and the documents' stylesheets, parsed once per process (keyed
    by the files' modification times, so an edited stylesheet is read again) with one
    font configuration. Parsing them took about a fifth of a letter's render time; the
    stylesheets declare no ``@font-face``, so the configuration is the system's and safe
    to share between renders."""
    weasyprint = _import_weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    fetcher = make_url_fetcher()
    font_config = FontConfiguration()
    sheets = [weasyprint.CSS(string=font_css, url_fetcher=fetcher, font_config=font_config)]
    for name, _mtime in paths:
        sheets.append(
            weasyprint.CSS(url=Path(name).as_uri(), url_fetcher=fetcher, font_config=font_config)
        )
    return font_config, tuple(sheets)


def render_template_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    language: str | None = None,
    base_url: str | None = None,
    stylesheets: list[str] | None = None,
) -> bytes:
    """Render a Django template (in ``language`` when given) and then the PDF."""
    if language:
        with translation.override(language):
            html = render_to_string(template_name, context)
    else:
        html = render_to_string(template_name, context)
    return render_pdf(html, base_url=base_url, stylesheets=stylesheets)


# --- Status -------------------------------------------------------------------------------


def _active_subsetter() -> str:
    """The subsetter WeasyPrint will use, by WeasyPrint's own test.

    ``weasyprint.pdf.fonts.Font.subset`` calls HarfBuzz's hb-subset when
    ``harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0)``, and fontTools otherwise.
    ``harfbuzz_subset`` is the optional ``libharfbuzz-subset`` library that
    ``weasyprint.text.ffi`` tried to load at import (``allow_fail=True``: ``None`` when
    missing); 4.1.0 is needed for ``hb_set_add_sorted_array``. The same two names are read
    here from the same module, so the answer is the one WeasyPrint acts on.
    """
    from weasyprint.pdf import fonts

    if fonts.harfbuzz_subset and fonts.harfbuzz.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


@functools.lru_cache(maxsize=1)
def pdf_engine_status() -> PdfEngineStatus:
    """Whether PDFs can be made here, with what, and why not (for /healthz).

    Cached for the life of the process: the system libraries do not change under it. Tests
    that change the answer call ``pdf_engine_status.cache_clear()``.
    """
    font = _configured_font_family()
    try:
        weasyprint = _import_weasyprint()
        subsetter = _active_subsetter()
    except PdfUnavailable as error:
        return {
            "available": False,
            "weasyprint": None,
            "subsetter": None,
            "font": font,
            "error": str(error),
        }
    return {
        "available": True,
        "weasyprint": str(weasyprint.__version__),
        "subsetter": subsetter,
        "font": font,
        "error": None,
    }
