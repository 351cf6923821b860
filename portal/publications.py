"""What a publication may be about: the registry of subject kinds.

The kernel owns publications (announcements, policy interpretations, FAQ entries and
reports, ``portal.models.Publication``) but not what they talk about. Apps register each
kind of subject they own from their ``registration.py``::

    register_subject(SubjectKind("catalog", _("Guidance Catalog"), options, describe))

* ``options(authority)`` lists what the authority may link to, as ``(key, label)``: a
  province's authority its own province's subject, the ministry every province's;
* ``describe(key)`` answers ``(title, url)`` for the publication's page, or ``None`` when
  the key names nothing (any more).

A key is a short stable string chosen by the app: the catalogs and the talent standards
use the province's division code (``"310000"``), so that a link names the province's
Guidance Catalog or regional standard as a whole and survives new versions. A later kind
(the service guides' procedures) registers the same way.

Pages that show a subject ask for what was published about it with the template tag
``{% publications_about "catalog" key %}`` (``portal.templatetags.publications``). Pages
that answer conditional requests add ``subject_stamp(kind, key)`` to their ETag: the
services change the stamp after a publication about the subject is published or
withdrawn, so that no browser keeps a copy without it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.functional import Promise

from portal.models import Organization

STAMP_SECONDS = 30 * 24 * 60 * 60


@dataclass(frozen=True)
class SubjectKind:
    key: str
    label: Promise | str
    options: Callable[[Organization], list[tuple[str, str]]]
    describe: Callable[[str], tuple[str, str] | None]


@dataclass(frozen=True)
class Subject:
    """One subject a publication names, as a page shows it."""

    kind: str
    key: str
    kind_label: str
    title: str
    url: str

    @property
    def value(self) -> str:
        return subject_value(self.kind, self.key)


_KINDS: dict[str, SubjectKind] = {}


def register_subject(kind: SubjectKind) -> None:
    if ":" in kind.key:
        raise ValueError(f"a subject kind may not contain ':' ({kind.key!r})")
    _KINDS[kind.key] = kind


def subject_kinds() -> list[SubjectKind]:
    return sorted(_KINDS.values(), key=lambda k: k.key)


def subject_kind(key: str) -> SubjectKind | None:
    return _KINDS.get(key)


def subject_value(kind: str, key: str) -> str:
    """A subject as one form or query-string value: ``"catalog:310000"``."""
    return f"{kind}:{key}"


def parse_subject_value(value: str) -> tuple[str, str] | None:
    kind, sep, key = (value or "").partition(":")
    if not sep or not key or kind not in _KINDS:
        return None
    return kind, key


def subject_choices(authority: Organization) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """What the authority may link to, grouped by kind: ``(kind, label, [(value, label)])``."""
    groups = []
    for kind in subject_kinds():
        options = [(subject_value(kind.key, key), label) for key, label in kind.options(authority)]
        if options:
            groups.append((kind.key, str(kind.label), options))
    return groups


def allowed_subjects(authority: Organization) -> set[tuple[str, str]]:
    return {(kind.key, key) for kind in subject_kinds() for key, _label in kind.options(authority)}


def describe_subject(kind: str, key: str) -> Subject | None:
    registered = _KINDS.get(kind)
    if registered is None:
        return None
    described = registered.describe(key)
    if described is None:
        return None
    title, url = described
    return Subject(kind, key, str(registered.label), title, url)


# --- Stamps for conditional requests ------------------------------------------------------------


def _stamp_key(kind: str, key: str) -> str:
    return f"publications:subject:{kind}:{key}"


def subject_stamp(kind: str, key: str) -> str:
    """A token that changes whenever what is published about the subject changes (a new
    random token, never a counter, so that a token lost from the cache is never reused)."""
    return str(cache.get_or_set(_stamp_key(kind, key), lambda: uuid.uuid4().hex, STAMP_SECONDS))


def touch_subjects(subjects: Iterable[tuple[str, str]]) -> None:
    for kind, key in subjects:
        cache.set(_stamp_key(kind, key), uuid.uuid4().hex, STAMP_SECONDS)
