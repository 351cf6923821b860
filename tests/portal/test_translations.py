"""Every user-facing string is translated, and the compiled catalogs match the sources.

The .po files are the source; the .mo files are committed so that ``make run`` needs no
gettext. These tests fail when a string is added without a translation, when a
translation is fuzzy, or when a .mo file was not recompiled (``make messages``).
"""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
LANGUAGES = ["zh_Hans", "en"]


def parse_po(path: Path) -> list[dict[str, object]]:
    """A small .po reader: entries with msgctxt, msgid, msgid_plural, msgstr[n], flags."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    key: str | None = None

    def finish() -> None:
        nonlocal entry
        if "msgid" in entry:
            entries.append(entry)
        entry = {}

    def unquote(text: str) -> str:
        return text.strip()[1:-1].encode("raw_unicode_escape").decode("unicode_escape")

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            key = None
            continue
        if line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))  # type: ignore[union-attr]
            continue
        if line.startswith("#~"):
            entry["obsolete"] = True
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            entry[key] = entry.get(key, "") + unquote(line)  # type: ignore[index,operator]
            continue
        name, _, rest = line.partition(" ")
        key = name
        entry[key] = unquote(rest)
    finish()
    return entries


def entries_for(language: str) -> list[dict[str, object]]:
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path} is missing: run `make messages`"
    return [e for e in parse_po(path) if e["msgid"] != "" and not e.get("obsolete")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_no_fuzzy_entries(language):
    fuzzy = [e["msgid"] for e in entries_for(language) if "fuzzy" in e.get("flags", set())]
    assert fuzzy == []


def test_every_string_has_a_chinese_translation():
    missing = [
        e["msgid"]
        for e in entries_for("zh_Hans")
        if not any(str(v).strip() for k, v in e.items() if k.startswith("msgstr"))
    ]
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_source(language):
    mo = LOCALE / language / "LC_MESSAGES" / "django.mo"
    assert mo.exists(), f"{mo} is missing: run `make messages`"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in entries_for(language):
        msgid = str(entry["msgid"])
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            expected = str(entry.get("msgstr[0]", ""))
            got = (
                compiled.npgettext(str(context), msgid, str(entry["msgid_plural"]), 1)
                if context
                else compiled.ngettext(msgid, str(entry["msgid_plural"]), 1)
            )
        else:
            expected = str(entry.get("msgstr", ""))
            got = compiled.pgettext(str(context), msgid) if context else compiled.gettext(msgid)
        if expected and got != expected:
            stale.append(msgid)
    assert stale == [], "the .mo file is stale: run `make messages`"


def test_sources_hold_no_untranslated_new_string(tmp_path):
    """makemessages finds no msgid that the committed catalog lacks."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install gettext (xgettext)")
        pytest.skip("needs gettext's xgettext; CI runs it")
    workdir = tmp_path / "tree"
    shutil.copytree(
        ROOT,
        workdir,
        ignore=shutil.ignore_patterns(
            ".venv", "var", ".git", "node_modules", "*.pyc", "__pycache__"
        ),
    )
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "zh_Hans",
            "--ignore",
            "tests/*",
            "--no-obsolete",
            "--no-location",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    fresh = {e["msgid"] for e in parse_po(workdir / "locale/zh_Hans/LC_MESSAGES/django.po")}
    committed = {e["msgid"] for e in entries_for("zh_Hans")} | {""}
    assert sorted(fresh - committed) == [], "new strings lack translations: run `make messages`"
