"""The notification kinds of the kernel: the filing lifecycle's and the issued documents'.

Registered from ``PortalConfig.ready`` (:func:`register`); told by ``portal.filings`` and
``portal.documents`` through ``portal.notifications.notify``, inside the transaction of
the write that causes the event:

=====================  ========  ===============================================================
kind                   required  who, when
=====================  ========  ===============================================================
``filings.expiring``   no        the province's drafters, 90 and 30 days before a published
                                 standard or catalog reaches its last day (``filings_daily``)
``filings.lapsed``     no        the province's drafters, when it has lapsed (the day after)
``filings.submitted``  no        the ministry reviewers: a filing waits for their review
``filings.decided``    no        the province's drafters: the ministry approved, returned or
                                 withdrew their filing
``documents.ready``    yes       whom the document's kind names (``DocumentKind.recipients``):
                                 an issued document is signed and ready to download (the
                                 Administrative Licensing Law has a decision served on the
                                 applicant, so the e-mail cannot be turned off)
=====================  ========  ===============================================================

Names in two languages (a filing's title, a province, a document's title) travel as plain
values, the Chinese one under the name and the English one under ``<name>@en``
(:func:`bilingual`), which ``portal.notifications`` picks for an English reader.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.notifications import NotificationKind, register_kind, register_words
from portal.roles import EMPLOYER_SIDE_ROLES, Role

FILINGS_EXPIRING = "filings.expiring"
FILINGS_LAPSED = "filings.lapsed"
FILINGS_SUBMITTED = "filings.submitted"
FILINGS_DECIDED = "filings.decided"
DOCUMENTS_READY = "documents.ready"

# What the ministry decided on a filing, by transition: stored as these texts and
# translated for each reader.
FILING_OUTCOMES = {
    "approve": "approved",
    "return": "returned with reasons",
    "withdraw": "withdrawn by the ministry",
}


# The words above, stored as values, as they read inside the texts.
WORDS = {
    "approved": pgettext_lazy("notification value", "approved"),
    "returned with reasons": pgettext_lazy("notification value", "returned with reasons"),
    "withdrawn by the ministry": pgettext_lazy("notification value", "withdrawn by the ministry"),
}


def bilingual(name: str, zh: str, en: str) -> dict[str, str]:
    """A name in two languages as values: the Chinese one (the authoritative text, or the
    English one when there is no Chinese) and, when there is one, the English one for
    English readers."""
    values = {name: zh or en}
    if en:
        values[f"{name}@en"] = en
    return values


DRAFTERS = frozenset({Role.STANDARDS_DRAFTER.value})

KINDS: tuple[NotificationKind, ...] = (
    NotificationKind(
        key=FILINGS_EXPIRING,
        roles=DRAFTERS,
        label=_("A standard or catalog of your province is about to expire"),
        # The words of the reminders e-mailed before notifications existed.
        subject=_("%(title)s expires on %(date)s"),
        body=_(
            "%(title)s (version %(version)s) is valid until %(date)s. A version not "
            "renewed by then lapses by itself: prepare and file the next version."
        ),
        description=_("90 and 30 days before the last day of validity."),
    ),
    NotificationKind(
        key=FILINGS_LAPSED,
        roles=DRAFTERS,
        label=_("A standard or catalog of your province has lapsed"),
        subject=_("%(title)s has lapsed"),
        body=_(
            "%(title)s (version %(version)s) reached the end of its validity on "
            "%(date)s and is no longer in force. File a new version to restore it."
        ),
        description=_("The day after the last day of validity."),
    ),
    NotificationKind(
        key=FILINGS_SUBMITTED,
        roles=frozenset({Role.MINISTRY_REVIEWER.value}),
        label=_("A standard or catalog is filed for review"),
        subject=_("%(province)s filed %(title)s (version %(version)s)"),
        body=_(
            "%(province)s filed %(title)s, version %(version)s, with the ministry on "
            "%(date)s. It waits for review."
        ),
        description=_("For ministry reviewers: each filing that waits for review."),
    ),
    NotificationKind(
        key=FILINGS_DECIDED,
        roles=DRAFTERS,
        label=_("The ministry decided on a filing of your province"),
        subject=_("%(title)s (version %(version)s): %(outcome)s"),
        body=_(
            "The ministry's decision on %(title)s, version %(version)s: %(outcome)s.\n\n%(reason)s"
        ),
        description=_("Approved, returned with reasons, or withdrawn by the ministry."),
        translated=("outcome",),
    ),
    NotificationKind(
        key=DOCUMENTS_READY,
        roles=EMPLOYER_SIDE_ROLES,
        label=_("A document issued to you is ready"),
        subject=_("%(title)s %(number)s is ready"),
        body=_(
            "%(title)s %(number)s (version %(version)s) has been issued and signed, and "
            "is ready to download from the portal. Anyone it is shown to can check it on "
            "the portal's verify page."
        ),
        required=True,
        description=_("Decisions, notification letters, work permits and certificates."),
    ),
)


def register() -> None:
    for kind in KINDS:
        register_kind(kind)
    register_words(WORDS)
