"""Rich text of publications: Markdown in, sanitised HTML out.

Officers write Markdown (``markdown``, with tables and fenced code). Markdown lets raw
HTML through, so its output is then cleaned by ``nh3`` (the Rust ``ammonia`` sanitiser)
against a short allowlist: paragraphs, line breaks, headings h2-h4, lists, emphasis,
links, quotations, code, tables and rules. Everything else is removed: ``<script>``,
``<style>``, ``<iframe>``, ``<svg>``, ``<img>``, every event attribute (``onerror=``...),
every ``style``/``class``/``id`` attribute; a link keeps only an ``http``, ``https`` or
``mailto`` address (``javascript:``, ``data:`` and relative addresses are dropped) and
gets ``rel="noopener noreferrer"``. The services store the result next to the source on
every write, so pages only print stored, already clean HTML.
"""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p",
        "br",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "a",
        "blockquote",
        "code",
        "pre",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
# Removed with everything inside them (other disallowed tags keep their text).
DROPPED_WITH_CONTENT: frozenset[str] = frozenset(
    {"script", "style", "iframe", "object", "embed", "svg", "math", "template", "noscript"}
)
MARKDOWN_EXTENSIONS = ("tables", "fenced_code", "sane_lists", "toc")
# The page's title is its h1: a Markdown "# heading" becomes h2, "##" h3 and so on.
MARKDOWN_CONFIG = {"toc": {"baselevel": 2}}


def sanitize_html(html: str) -> str:
    """``html`` reduced to the allowlist."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    """The sanitised HTML of a Markdown text ('' for an empty one)."""
    if not source.strip():
        return ""
    html = markdown.markdown(
        source,
        extensions=list(MARKDOWN_EXTENSIONS),
        extension_configs=MARKDOWN_CONFIG,
        output_format="html",
    )
    return sanitize_html(html).strip()
