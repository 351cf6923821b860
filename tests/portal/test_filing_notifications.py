"""What the filing lifecycle tells people (``portal.kernel_notifications``, told by
``portal.filings``): a filing waiting for review to the ministry's reviewers; the
ministry's decision (approved, returned, withdrawn) to the province's drafters; the expiry
reminders of the daily task to the province's drafters. Each event makes exactly the
expected inbox rows, e-mails leave after the commit in the reader's language, the same
event again makes nothing more, and a refused transition tells nobody.

Made on a Guidance Catalog, the kernel's lifecycle as the catalogs app registers it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation

from catalogs.models import GuidanceCatalog, Occupation
from portal.filings import FILING_KINDS, add_years, filing_transition, filings_daily
from portal.models import FilingReminder, Notification, User
from portal.models.filing import FilingState
from portal.notifications import text_of
from portal.roles import Role
from portal.workflow import GuardFailed, TransitionNotAllowed, TransitionPermissionDenied
from tests.catalogs.conftest import SLICE, create_occupations, make_catalog
from tests.factories import RoleHelper

pytestmark = pytest.mark.django_db

S = FilingState
LABEL = "catalogs.guidancecatalog"
SOFTWARE = "2-02-10-03"
TITLE_ZH = "上海市外国人来华工作指导目录"
TITLE_EN = "Shanghai Guidance Catalog for Foreigners Working in China"
SUBMITTED = "filings.submitted"
DECIDED = "filings.decided"
EXPIRING = "filings.expiring"
LAPSED = "filings.lapsed"


def today() -> dt.date:
    return timezone.localdate()


def told(kind: str) -> list[str]:
    """The user names told of ``kind``, one per inbox row (so a second row shows)."""
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def text_for(notification: Notification, language: str) -> tuple[str, str]:
    with translation.override(language):
        text = text_of(notification)
    return text.subject, text.body


def row_of(kind: str, user: User) -> Notification:
    return Notification.objects.get(kind=kind, recipient=user)


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def people(roles: RoleHelper) -> dict[str, User]:
    """Shanghai's drafters (Chinese, English, one without an address), a Guangdong
    drafter; two ministry reviewers (Chinese, English) and an inactive one."""
    drafter = Role.STANDARDS_DRAFTER
    reviewer = Role.MINISTRY_REVIEWER
    gone = roles.user(reviewer, username="rev.gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    return {
        "sh_zh": roles.user(drafter, region_code="310000", username="sh.zh"),
        "sh_en": roles.user(
            drafter, region_code="310000", username="sh.en", preferred_language="en"
        ),
        "sh_nomail": roles.user(drafter, region_code="310000", username="sh.nomail", email=""),
        "gd": roles.user(drafter, region_code="440000", username="gd.drafter"),
        "rev_zh": roles.user(reviewer, username="rev.zh"),
        "rev_en": roles.user(reviewer, username="rev.en", preferred_language="en"),
    }


SHANGHAI_DRAFTERS = ["sh.en", "sh.nomail", "sh.zh"]
REVIEWERS = ["rev.en", "rev.zh"]


@pytest.fixture
def occupations(db: None) -> dict[str, Occupation]:
    return create_occupations(SLICE)


@pytest.fixture
def draft(occupations: dict[str, Occupation]) -> GuidanceCatalog:
    """A complete draft, valid three years from a week from now."""
    start = today() + dt.timedelta(days=7)
    return make_catalog(
        effective_from=start,
        expires_on=add_years(start, 3) - dt.timedelta(days=1),
        entries={SOFTWARE: {}},
        occupations=occupations,
    )


def step(filing: GuidanceCatalog, name: str, actor: User, reason: str = "") -> GuidanceCatalog:
    return filing_transition(actor=actor, filing=filing, transition=name, reason=reason)  # type: ignore[return-value]


# --- Filed: the ministry's reviewers ----------------------------------------------------------


def test_a_filing_tells_the_ministrys_reviewers(
    people: dict[str, User], draft: GuidanceCatalog, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        step(draft, "submit", people["sh_zh"])
        assert mail.outbox == []

    assert told(SUBMITTED) == REVIEWERS
    row = row_of(SUBMITTED, people["rev_en"])
    assert row.url == f"/review/catalogs/{draft.pk}/"  # the reviewers' page of the catalog
    assert row.event_key.startswith(f"{LABEL}:{draft.pk}:submit:")
    assert text_for(row, "en") == (
        f"Shanghai filed {TITLE_EN} (version 1)",
        f"Shanghai filed {TITLE_EN}, version 1, with the ministry on {today().isoformat()}. "
        "It waits for review.",
    )
    assert TITLE_ZH in text_for(row, "zh-hans")[0]
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        [
            (people["rev_en"].email, f"Shanghai filed {TITLE_EN} (version 1)"),
            (people["rev_zh"].email, text_for(row, "zh-hans")[0]),
        ]
    )
    assert Notification.objects.count() == 2


def test_a_refused_filing_tells_nobody(
    people: dict[str, User], draft: GuidanceCatalog, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(TransitionPermissionDenied):
            step(draft, "submit", people["gd"])
        GuidanceCatalog.objects.filter(pk=draft.pk).update(expires_on=add_years(today(), 1))
        draft.refresh_from_db()
        with pytest.raises(GuardFailed):  # validity of less than three years
            step(draft, "submit", people["sh_zh"])
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_a_filing_returned_and_filed_again_is_told_each_time(
    people: dict[str, User], draft: GuidanceCatalog
) -> None:
    filed = step(draft, "submit", people["sh_zh"])
    reviewing = step(filed, "start_review", people["rev_zh"])
    returned = step(reviewing, "return", people["rev_zh"], reason="Add the AI occupations.")
    step(step(returned, "revise", people["sh_zh"]), "submit", people["sh_en"])

    assert told(SUBMITTED) == sorted(REVIEWERS * 2)
    assert Notification.objects.filter(kind=SUBMITTED).values("event_key").distinct().count() == 2


# --- Decided: the province's drafters --------------------------------------------------------


@pytest.fixture
def under_review(people: dict[str, User], draft: GuidanceCatalog) -> GuidanceCatalog:
    filed = step(draft, "submit", people["sh_zh"])
    reviewing = step(filed, "start_review", people["rev_zh"])
    Notification.objects.all().delete()
    return reviewing


def test_an_approval_tells_the_provinces_drafters(
    people: dict[str, User],
    under_review: GuidanceCatalog,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        approved = step(under_review, "approve", people["rev_en"])

    assert approved.state == S.APPROVED
    assert told(DECIDED) == SHANGHAI_DRAFTERS  # not Guangdong's
    row = row_of(DECIDED, people["sh_en"])
    assert row.event_key.startswith(f"{LABEL}:{under_review.pk}:approve:")
    assert row.url == f"/drafting/catalogs/{under_review.pk}/"  # the drafters' page
    assert text_for(row, "en") == (
        f"{TITLE_EN} (version 1): approved",
        f"The ministry's decision on {TITLE_EN}, version 1: approved.\n\n",
    )
    assert TITLE_ZH in text_for(row, "zh-hans")[0]
    # The drafter without an address has the inbox row only.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [people["sh_zh"].email, people["sh_en"].email]
    )
    # Approving again is refused and tells nobody more.
    with pytest.raises(TransitionNotAllowed):
        step(approved, "approve", people["rev_en"])
    assert Notification.objects.count() == 3


def test_a_return_tells_the_drafters_the_reasons(
    people: dict[str, User], under_review: GuidanceCatalog
) -> None:
    step(under_review, "return", people["rev_zh"], reason="Add the AI occupations.")

    assert told(DECIDED) == SHANGHAI_DRAFTERS
    assert text_for(row_of(DECIDED, people["sh_en"]), "en") == (
        f"{TITLE_EN} (version 1): returned with reasons",
        f"The ministry's decision on {TITLE_EN}, version 1: returned with reasons.\n\n"
        "Add the AI occupations.",
    )


def test_a_refused_decision_tells_nobody(
    people: dict[str, User], under_review: GuidanceCatalog
) -> None:
    with pytest.raises(TransitionPermissionDenied):
        step(under_review, "approve", people["sh_zh"])  # drafters do not approve
    with pytest.raises(GuardFailed):  # a return needs its reasons
        step(under_review, "return", people["rev_zh"])
    GuidanceCatalog.objects.filter(pk=under_review.pk).update(
        effective_from=today() - dt.timedelta(days=1)
    )
    under_review.refresh_from_db()
    with pytest.raises(GuardFailed):  # the effective date has passed meanwhile
        step(under_review, "approve", people["rev_zh"])
    assert Notification.objects.count() == 0


def test_a_withdrawal_by_the_ministry_is_told_and_one_by_the_province_is_not(
    people: dict[str, User], under_review: GuidanceCatalog, occupations: Any
) -> None:
    approved = step(under_review, "approve", people["rev_zh"])
    Notification.objects.all().delete()
    step(approved, "withdraw", people["rev_en"], reason="Filed by mistake.")
    assert told(DECIDED) == SHANGHAI_DRAFTERS
    assert text_for(row_of(DECIDED, people["sh_en"]), "en")[0] == (
        f"{TITLE_EN} (version 1): withdrawn by the ministry"
    )

    Notification.objects.all().delete()
    start = today() + dt.timedelta(days=7)
    other = make_catalog(
        version=2,
        state=S.APPROVED,
        effective_from=start,
        expires_on=add_years(start, 3) - dt.timedelta(days=1),
        entries={SOFTWARE: {}},
        occupations=occupations,
    )
    step(other, "withdraw", people["sh_zh"], reason="We file a better one.")
    assert Notification.objects.count() == 0


def test_the_kinds_page_is_linked_when_it_names_one(
    people: dict[str, User], draft: GuidanceCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind = FILING_KINDS[LABEL]
    monkeypatch.setitem(
        FILING_KINDS,
        LABEL,
        dataclasses.replace(kind, page_url=lambda filing, audience: f"/{audience}/{filing.pk}/"),
    )
    filed = step(draft, "submit", people["sh_zh"])
    step(step(filed, "start_review", people["rev_zh"]), "approve", people["rev_zh"])

    assert set(Notification.objects.filter(kind=SUBMITTED).values_list("url", flat=True)) == {
        f"/review/{draft.pk}/"
    }
    assert set(Notification.objects.filter(kind=DECIDED).values_list("url", flat=True)) == {
        f"/drafting/{draft.pk}/"
    }


# --- The daily task's reminders ----------------------------------------------------------------


@pytest.fixture
def in_force(people: dict[str, User], occupations: Any) -> GuidanceCatalog:
    end = today() + dt.timedelta(days=200)
    return make_catalog(
        state=S.PUBLISHED,
        effective_from=add_years(end + dt.timedelta(days=1), -3),
        expires_on=end,
        entries={SOFTWARE: {}},
        occupations=occupations,
    )


def run_day(day: dt.date, capture: Any) -> list[str]:
    mail.outbox.clear()
    with capture(execute=True):
        return filings_daily(day).reminders


def test_the_reminders_tell_the_provinces_drafters_once(
    people: dict[str, User], in_force: GuidanceCatalog, django_capture_on_commit_callbacks: Any
) -> None:
    end = in_force.expires_on
    assert end is not None

    assert run_day(end - dt.timedelta(days=90), django_capture_on_commit_callbacks) == [
        f"{LABEL}#{in_force.pk}:90"
    ]
    assert told(EXPIRING) == SHANGHAI_DRAFTERS
    row = row_of(EXPIRING, people["sh_en"])
    assert row.event_key == f"{LABEL}:{in_force.pk}:reminder:90"
    assert row.url == f"/drafting/catalogs/{in_force.pk}/"
    assert text_for(row, "en") == (
        f"{TITLE_EN} expires on {end.isoformat()}",
        f"{TITLE_EN} (version 1) is valid until {end.isoformat()}. A version not renewed by "
        "then lapses by itself: prepare and file the next version.",
    )
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        [
            (people["sh_en"].email, f"{TITLE_EN} expires on {end.isoformat()}"),
            (people["sh_zh"].email, text_for(row, "zh-hans")[0]),
        ]
    )
    assert TITLE_ZH in text_for(row, "zh-hans")[0]

    # The same day again, and the next day: nothing more.
    assert run_day(end - dt.timedelta(days=90), django_capture_on_commit_callbacks) == []
    assert run_day(end - dt.timedelta(days=89), django_capture_on_commit_callbacks) == []
    assert mail.outbox == []
    assert Notification.objects.count() == 3

    # The 30-day reminder, then the lapse: one more event each.
    run_day(end - dt.timedelta(days=30), django_capture_on_commit_callbacks)
    assert told(EXPIRING) == sorted(SHANGHAI_DRAFTERS * 2)
    assert len(mail.outbox) == 2
    run_day(end + dt.timedelta(days=1), django_capture_on_commit_callbacks)
    assert told(LAPSED) == SHANGHAI_DRAFTERS
    assert text_for(row_of(LAPSED, people["sh_en"]), "en") == (
        f"{TITLE_EN} has lapsed",
        f"{TITLE_EN} (version 1) reached the end of its validity on {end.isoformat()} and is "
        "no longer in force. File a new version to restore it.",
    )
    assert run_day(end + dt.timedelta(days=2), django_capture_on_commit_callbacks) == []
    assert Notification.objects.count() == 9
    assert list(
        FilingReminder.objects.filter(target_id=str(in_force.pk))
        .order_by("pk")
        .values_list("milestone", "recipients")
    ) == [("90", 3), ("30", 3), ("0", 3)]
