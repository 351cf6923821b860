"""Service guides (办事指南): one public page per procedure, built from the rules it describes.

A guide says who may apply, the conditions, the materials by category and route, the time
limits, the fees, the legal basis, how to apply online and where to get help. Its lists and
numbers are not written here: each app registers a ``GuideSpec`` whose ``build(province)``
reads the same functions and rows its workflow enforces (the permits app's document
checklist, clocks, windows and quotas; the credit app's objection rules; the kernel's
filing lifecycle, registered below), so changing a rule changes its guide.

* ``register_guide(GuideSpec(key, order, title, summary, build, group=...))`` from an app's
  ``AppConfig.ready``; ``guides()``, ``guide(key)`` and ``grouped()`` read the registry.
* ``build(province)`` returns a ``GuideContent`` for the rules of a province (a ``Region``
  of level province), or for the national rules (``None``): windows, clocks and quotas
  are per province.
* ``render(spec, province)`` adds what the kernel knows: where to get help (the
  province's work-permit authority, or the ministry) and the kinds of file accepted.
* ``guide_pdf(rendered, language=..., site=...)`` renders the guide with the kernel's PDF
  renderer in a language, keeping the bytes in Django's cache under a hash of the rendered
  HTML, so a rule change gives a new PDF and a repeated download costs no rendering.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from portal import filings, navigation
from portal.files import CT, max_bytes
from portal.models import Organization, Region
from portal.pdf import render_pdf
from portal.roles import Role

Text = Promise | str

# --- The groups of the list ----------------------------------------------------------------

EMPLOYERS = "employers"
PROVINCES = "provinces"
EVERYONE = "everyone"
GROUPS: tuple[tuple[str, Promise], ...] = (
    (EMPLOYERS, _("For employers and service agencies")),
    (PROVINCES, _("For provincial authorities")),
    (EVERYONE, _("For everyone")),
)

# --- Units of time limits --------------------------------------------------------------------

WORKING_DAYS = "working_days"
CALENDAR_DAYS = "calendar_days"
MONTHS = "months"
YEARS = "years"
UNIT_LABELS: dict[str, Promise] = {
    WORKING_DAYS: _("working days"),
    CALENDAR_DAYS: _("calendar days"),
    MONTHS: _("months"),
    YEARS: _("years"),
}

# A number of a unit as one phrase: Chinese puts a measure word between them (5个工作日).
AMOUNTS: dict[str, Callable[[int], str]] = {
    WORKING_DAYS: lambda n: ngettext("%(n)d working day", "%(n)d working days", n),
    CALENDAR_DAYS: lambda n: ngettext("%(n)d calendar day", "%(n)d calendar days", n),
    MONTHS: lambda n: ngettext("%(n)d month", "%(n)d months", n),
    YEARS: lambda n: ngettext("%(n)d year", "%(n)d years", n),
}

KEY_PATTERN = re.compile(r"^[a-z0-9_-]+$")


# --- What a guide says -------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    label: Text
    url: str


def link(label: Text, url_name: str, *args: Any, query: str = "") -> Link | None:
    """A link to a page of the portal, or ``None`` when the page does not exist (an app
    not installed, a page not built yet): guides link only to pages that exist."""
    try:
        url = reverse(url_name, args=args)
    except NoReverseMatch:
        return None
    return Link(label, f"{url}?{query}" if query else url)


@dataclass(frozen=True)
class Material:
    """One item of the materials: a document, or a piece of information entered in a
    form. ``needed`` false lists an item the procedure does not ask for, with its reason
    in ``notes`` (replaced by a commitment, exempt, carried over)."""

    label: Text
    kind: str = ""  # the code of the document kind or form field
    at_submission: bool = True
    at_acceptance: bool = True
    at_decision: bool = True
    max_age_months: int | None = None
    notes: tuple[Text, ...] = ()
    needed: bool = True

    @property
    def required(self) -> bool:
        return self.needed and (self.at_submission or self.at_acceptance or self.at_decision)

    @property
    def optional(self) -> bool:
        return self.needed and not self.required

    @property
    def when(self) -> Text:
        """When the item is needed, in words."""
        if not self.needed:
            return _("Not needed")
        if self.at_submission:
            return _("At submission")
        if self.at_acceptance:
            return _("Before acceptance")
        if self.at_decision:
            return _("Before the decision")
        return _("Optional")


@dataclass(frozen=True)
class MaterialGroup:
    """The materials of one category and route (or several, when their lists agree)."""

    title: Text
    items: tuple[Material, ...]
    description: Text = ""
    # The keys of the categories and routes this list applies to (see the app's guides).
    variants: tuple[str, ...] = ()

    @property
    def needed_items(self) -> tuple[Material, ...]:
        return tuple(item for item in self.items if item.needed)


@dataclass(frozen=True)
class TimeLimit:
    """A time limit or window: ``number`` (and ``number_to`` for a window "from ... to")
    in ``unit``; ``text`` says it in a sentence; ``starts`` what starts the clock,
    ``stops`` what stops or pauses it."""

    label: Text
    number: int
    unit: str
    text: Text = ""
    starts: Text = ""
    stops: Text = ""
    note: Text = ""
    number_to: int | None = None
    key: str = ""

    @property
    def unit_label(self) -> Text:
        return UNIT_LABELS.get(self.unit, self.unit)

    @property
    def amount(self) -> str:
        """The number with its unit as a phrase ("5 working days", "5个工作日")."""
        phrase = AMOUNTS.get(self.unit)
        if phrase is None:
            return f"{self.number} {self.unit_label}"
        return phrase(self.number) % {"n": self.number}


@dataclass(frozen=True)
class Fact:
    label: Text
    value: Text


@dataclass(frozen=True)
class LegalBasis:
    instrument: Text
    article: Text = ""
    note: Text = ""


@dataclass(frozen=True)
class Step:
    text: Text
    link: Link | None = None


NO_FEES: Promise = _("None: the procedure and the documents it issues are free of charge.")


@dataclass(frozen=True)
class GuideContent:
    """What a guide says for one province (or the national rules)."""

    who: tuple[Text, ...]
    conditions: tuple[Text, ...]
    materials: tuple[MaterialGroup, ...]
    time_limits: tuple[TimeLimit, ...]
    legal_basis: tuple[LegalBasis, ...]
    steps: tuple[Step, ...]
    facts: tuple[Fact, ...] = ()
    fees: tuple[Text, ...] = (NO_FEES,)
    help: tuple[Text, ...] = ()
    help_links: tuple[Link, ...] = ()
    notes: tuple[Text, ...] = ()
    # Whether the procedure takes uploaded files (the page then says which kinds).
    uploads: bool = True
    no_time_limit: Text = ""

    def materials_for(self, variant: str) -> MaterialGroup | None:
        """The list of materials that applies to a category and route (by its key)."""
        return next((g for g in self.materials if variant in g.variants), None)

    def time_limit(self, key: str) -> TimeLimit | None:
        return next((t for t in self.time_limits if t.key == key), None)


@dataclass(frozen=True)
class GuideSpec:
    key: str
    order: int
    title: Text
    summary: Text
    build: Callable[[Region | None], GuideContent]
    group: str = EMPLOYERS


# --- The registry --------------------------------------------------------------------------

_GUIDES: dict[str, GuideSpec] = {}


def register_guide(spec: GuideSpec) -> None:
    """Add a guide (an app calls this from its ``AppConfig.ready``). The key is its address
    (``/guides/<key>/``): lower-case letters, digits, ``_`` and ``-``."""
    if not KEY_PATTERN.match(spec.key):
        raise ValueError(f"guide key {spec.key!r}: use lower-case letters, digits, _ and -")
    if spec.group not in dict(GROUPS):
        raise ValueError(f"guide {spec.key!r}: unknown group {spec.group!r}")
    _GUIDES[spec.key] = spec


def guides() -> list[GuideSpec]:
    return sorted(_GUIDES.values(), key=lambda s: (s.order, s.key))


def guide(key: str) -> GuideSpec | None:
    return _GUIDES.get(key)


def grouped() -> list[tuple[str, Promise, list[GuideSpec]]]:
    """The guides by group (employers, provinces, everyone), empty groups left out."""
    result = []
    for key, label in GROUPS:
        members = [s for s in guides() if s.group == key]
        if members:
            result.append((key, label, members))
    return result


# --- Provinces and help -----------------------------------------------------------------------


def provinces() -> list[Region]:
    """The provinces a guide can be read for, by code (one query)."""
    return list(Region.objects.filter(level=Region.Level.PROVINCE).order_by("code"))


def province_named(code: str, choices: Iterable[Region]) -> Region | None:
    return next((r for r in choices if r.code == code), None)


@dataclass(frozen=True)
class Contact:
    name: str
    address: str = ""


def help_contacts(province: Region | None) -> list[Contact]:
    """Who answers questions: the province's work-permit authority (provincial level), or
    the ministry for the national rules. One query."""
    if province is None:
        found = Organization.objects.filter(kind=Organization.Kind.MINISTRY, is_active=True)
    else:
        found = Organization.objects.filter(
            kind=Organization.Kind.PROVINCIAL_AUTHORITY,
            authority_level=Organization.AuthorityLevel.PROVINCIAL,
            region_id=province.pk,
            is_active=True,
        )
    return [Contact(o.name, o.address) for o in found.order_by("name_zh", "pk")]


def help_links(province: Region | None = None) -> list[Link]:
    """Pages every guide points to for help, those that exist: the guides, the questions
    and answers and the province's announcements (publications), the verify page."""
    found: list[Link | None] = [
        link(_("All service guides"), "guides:list"),
        link(_("Questions and answers"), "publications:list", query="kind=faq"),
    ]
    if province is not None:
        found.append(
            link(
                gettext("Announcements of %(province)s") % {"province": province.name},
                "publications:authority",
                province.code,
            )
        )
    found.append(link(_("Verify a document"), "portal:verify"))
    return [item for item in found if item is not None]


def upload_note() -> str:
    kinds = ", ".join(label for _value, label in CT.choices)
    return gettext(
        "Files are uploaded as %(kinds)s, each at most %(size)s MB, and checked by their content."
    ) % {"kinds": kinds, "size": f"{max_bytes() / (1024 * 1024):g}"}


# --- A guide for a province ----------------------------------------------------------------


@dataclass(frozen=True)
class RenderedGuide:
    spec: GuideSpec
    province: Region | None
    content: GuideContent
    contacts: list[Contact]
    links: list[Link]
    on: dt.date
    upload_note: str = ""

    @property
    def where(self) -> str:
        if self.province is None:
            return gettext("National rules")
        return self.province.name


def render(spec: GuideSpec, province: Region | None) -> RenderedGuide:
    """The guide's content for ``province`` with the kernel's help section."""
    content = spec.build(province)
    return RenderedGuide(
        spec=spec,
        province=province,
        content=content,
        contacts=help_contacts(province),
        links=[*content.help_links, *help_links(province)],
        on=timezone.localdate(),
        upload_note=upload_note() if content.uploads else "",
    )


# --- PDF ----------------------------------------------------------------------------------------

PDF_TEMPLATE = "guides/guide_pdf.html"
PDF_STYLESHEETS = ["documents/guide.css"]
PDF_CACHE_SECONDS = 24 * 60 * 60


def _stylesheet_text() -> str:
    parts = []
    for name in PDF_STYLESHEETS:
        found = finders.find(name)
        path = found if isinstance(found, str) else (found[0] if found else None)
        if path:
            with open(path, encoding="utf-8") as handle:
                parts.append(handle.read())
    return "\n".join(parts)


@dataclass(frozen=True)
class GuidePdf:
    content: bytes
    digest: str
    cached: bool


def pdf_cache_key(digest: str) -> str:
    return f"guides:pdf:{digest}"


def guide_pdf(rendered: RenderedGuide, *, language: str, site: str = "") -> GuidePdf:
    """The guide as a PDF in ``language``. The HTML is rendered first and hashed with the
    stylesheet; the bytes are kept in the cache under that hash, so the same guide is
    rendered once and a changed rule (a different HTML) gives a new PDF."""
    with translation.override(language):
        html = render_to_string(
            PDF_TEMPLATE, {"guide": rendered, "site": site, "language": language}
        )
    digest = hashlib.sha256((html + "\x00" + _stylesheet_text()).encode()).hexdigest()
    key = pdf_cache_key(digest)
    kept = cache.get(key)
    if isinstance(kept, bytes):
        return GuidePdf(kept, digest, True)
    content = render_pdf(html, stylesheets=PDF_STYLESHEETS)
    cache.set(key, content, PDF_CACHE_SECONDS)
    return GuidePdf(content, digest, False)


# --- The kernel's own guide: filing a regional standard or Guidance Catalog -------------------

FILING_GUIDE = "regional_filing"


def _who_acts(permission: Callable[..., bool]) -> Text:
    """Who may make a filing transition, from its permission function."""
    if permission is filings.may_draft:
        return _("drafters of the province")
    if permission is filings.may_review:
        return _("ministry reviewers")
    if permission is filings.may_withdraw:
        return _("drafters of the province or ministry reviewers")
    return _("the portal, automatically")


def _in_force(province: Region | None, on: dt.date) -> list[Fact]:
    """For each kind of filing, the province's version in force today."""
    facts: list[Fact] = []
    if province is None:
        return facts
    for kind in filings.FILING_KINDS.values():
        found = (
            kind.model._default_manager.filter(filings.in_force_filter(on), region_id=province.pk)
            .order_by("-effective_from")
            .first()
        )
        if found is None:
            value: Text = gettext("none in force")
        else:
            value = gettext("version %(version)s, valid until %(until)s") % {
                "version": found.version,
                "until": found.ends_on.isoformat() if found.ends_on else "-",
            }
        facts.append(Fact(kind.label, value))
    return facts


def _filing_guide(province: Region | None) -> GuideContent:
    today = timezone.localdate()
    min_years, max_years = filings.VALIDITY_MIN_YEARS, filings.VALIDITY_MAX_YEARS
    stakeholders = ", ".join(str(k.label) for k in filings.STAKEHOLDER_KINDS)
    kinds = [kind.label for kind in filings.FILING_KINDS.values()]
    kind_names = ", ".join(str(label) for label in kinds)
    reminders = [d for d in filings.REMINDER_DAYS if d > 0]
    workflow = next(iter(filings.FILING_KINDS.values())).workflow if filings.FILING_KINDS else None

    steps: list[Step] = []
    automatic: list[Text] = []
    if workflow is not None:
        for transition in workflow.transitions:
            sentence = gettext("%(action)s (%(who)s): %(source)s → %(target)s.") % {
                "action": transition.label,
                "who": _who_acts(transition.permission),
                "source": ", ".join(workflow.state_label(s) for s in transition.source),
                "target": workflow.state_label(transition.target),
            }
            if transition.reason_required:
                sentence += " " + gettext("A reason is required.")
            if transition.automatic:
                automatic.append(sentence)
            else:
                steps.append(Step(sentence))
    drafter_links = [
        Link(item.label, url)
        for item, url in navigation.items_for(
            frozenset({Role.STANDARDS_DRAFTER.value}), signed_in=True
        )
        # The drafters' own pages, not those every officer sees.
        if isinstance(item.audience, frozenset) and item.audience != navigation.OFFICER_ROLES
    ]
    steps.insert(
        0,
        Step(
            _("Sign in with the second factor; drafters find their filings in the menu."),
            link(_("Sign in"), "portal:login"),
        ),
    )
    steps[1:1] = [Step("", item) for item in drafter_links]

    materials = (
        MaterialGroup(
            title=kind_names,
            variants=tuple(kind.workflow.name for kind in filings.FILING_KINDS.values()),
            items=(
                Material(_("Titles in Chinese and English, and the explanatory notes"), "titles"),
                Material(
                    _("The content: an entry (catalog), or a route or bonus rule (standard)"),
                    "content",
                ),
                Material(
                    _("The effective date and the last day of validity"),
                    "validity",
                    notes=(
                        gettext("From %(min)d to %(max)d years, taking effect today or later.")
                        % {"min": min_years, "max": max_years},
                    ),
                ),
                Material(
                    _("The consultation: the organizations invited and the deadline"),
                    "consultation",
                    at_submission=False,
                    at_acceptance=False,
                    at_decision=False,
                    notes=(gettext("Optional; may invite: %(kinds)s.") % {"kinds": stakeholders},),
                ),
                Material(
                    _("An answer to every consultation comment"),
                    "answers",
                    notes=(_("Needed before the filing is filed with the ministry."),),
                ),
            ),
        ),
    )
    time_limits = [
        TimeLimit(
            _("Validity"),
            min_years,
            YEARS,
            number_to=max_years,
            key="validity",
            text=gettext(
                "From %(min)d to %(max)d years from the effective date (the last day of "
                "validity is the day before the anniversary)."
            )
            % {"min": min_years, "max": max_years},
            stops=_(
                "A version not renewed lapses by itself the day after its last day; a newer "
                "version supersedes it from its own effective date."
            ),
        ),
    ]
    if reminders:
        time_limits.append(
            TimeLimit(
                _("Reminders before expiry"),
                max(reminders),
                CALENDAR_DAYS,
                key="reminders",
                text=gettext(
                    "The drafters of the province are reminded %(days)s days before the last "
                    "day of validity, and at expiry (for up to %(grace)d days after it)."
                )
                % {
                    "days": ", ".join(str(d) for d in sorted(reminders, reverse=True)),
                    "grace": filings.REMINDER_GRACE_DAYS,
                },
            )
        )
    return GuideContent(
        who=(
            gettext(
                "Only a provincial-level work-permit authority drafts, through its people "
                "holding the role “%(role)s”; an authority below the province never drafts."
            )
            % {"role": Role.STANDARDS_DRAFTER.label},
            gettext("Consulted: %(kinds)s invited by the drafters.") % {"kinds": stakeholders},
            gettext("Reviewed by the ministry (role “%(role)s”).")
            % {"role": Role.MINISTRY_REVIEWER.label},
        ),
        conditions=(
            _("The draft has content: it may not be consulted on or filed empty."),
            gettext(
                "Validity of %(min)d to %(max)d years, and an effective date of today or later "
                "(checked at filing, at approval and at publication)."
            )
            % {"min": min_years, "max": max_years},
            _("Every consultation comment is answered before filing."),
            _("Two published versions of a province never overlap in time."),
            *automatic,
        ),
        materials=materials,
        time_limits=tuple(time_limits),
        legal_basis=(
            LegalBasis(
                _(
                    "Notice of the Ministry of Human Resources and Social Security of "
                    "30 September 2025 on the national unified standard and regional standards"
                ),
                note=_("Drafting, consultation, filing for review, publication, validity."),
            ),
            LegalBasis(_("Civil Code of the People's Republic of China"), _("Article 202")),
        ),
        steps=tuple(steps),
        facts=(
            Fact(_("Kinds of filing"), kind_names),
            *_in_force(province, today),
        ),
        uploads=False,
    )


register_guide(
    GuideSpec(
        FILING_GUIDE,
        90,
        _("Filing a regional standard or Guidance Catalog"),
        _(
            "How a province drafts its regional talent standard or Guidance Catalog, consults "
            "on it, files it with the ministry and publishes it."
        ),
        _filing_guide,
        group=PROVINCES,
    )
)
