"""What every test of an HTML page needs: the texts a page shows in a language, and the
checks every page must pass (the strict Content-Security-Policy, no inline script or
style)."""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

STRICT_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
}


def raw_tr(msgid: str, language: str = "zh-hans", **params: Any) -> str:
    """``msgid`` translated into ``language``, exactly."""
    with translation.override(language):
        text = gettext(msgid)
    return text % params if params else text


def tr(msgid: str, language: str = "zh-hans", **params: Any) -> str:
    """``msgid`` as a page in ``language`` shows it (whitespace collapsed)."""
    return " ".join(raw_tr(msgid, language, **params).split())


def html_of(response: Any) -> str:
    """The page, after checking what every HTML page must carry: the strict CSP and no
    inline script or style."""
    assert response["Content-Type"] == "text/html; charset=utf-8"
    policy = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    for name, values in STRICT_CSP.items():
        assert policy[name] == values, name
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    html = response.content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert ' style="' not in html
    return html
