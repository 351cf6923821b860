"""The redline the ministry reads: a submission compared with the version in force (or,
failing that, the latest published version, or the version it was based on), entry by
entry and field by field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from catalogs.models import CatalogEntry, GuidanceCatalog
from catalogs.selectors import (
    ChangedEntry,
    FieldChange,
    Redline,
    catalog_redline,
    redline_baseline,
)
from portal.models.filing import FilingState
from tests.catalogs.conftest import make_catalog

pytestmark = pytest.mark.django_db

S = FilingState
SOFTWARE = "2-02-10-03"
AI = "2-02-10-09"
TELECOM = "2-02-10-01"
DATA = "4-04-05-03"


def today() -> dt.date:
    return timezone.localdate()


def in_force(
    occupations: Any, entries: dict[str, dict[str, Any]], **kwargs: Any
) -> GuidanceCatalog:
    """Shanghai's version in force: started two years ago, valid another three."""
    return make_catalog(
        state=S.PUBLISHED,
        effective_from=today() - dt.timedelta(days=730),
        expires_on=today() + dt.timedelta(days=1000),
        entries=entries,
        occupations=occupations,
        **kwargs,
    )


def entry(catalog: GuidanceCatalog, code: str) -> CatalogEntry:
    return CatalogEntry.objects.get(catalog=catalog, occupation__code=code)


def label(name: str, model: Any = CatalogEntry) -> str:
    with translation.override("en"):
        return str(model._meta.get_field(name).verbose_name)


def test_without_a_baseline_every_entry_is_added(occupations):
    draft = make_catalog(state=S.SUBMITTED, entries={AI: {}, SOFTWARE: {}}, occupations=occupations)

    redline = catalog_redline(draft)

    assert redline == Redline(
        against=None,
        added=[entry(draft, SOFTWARE), entry(draft, AI)],
        removed=[],
        changed=[],
        unchanged=0,
        metadata=[],
    )
    assert [e.occupation.code for e in redline.added] == [SOFTWARE, AI]
    assert redline.is_empty is False


def test_entries_added_and_removed(occupations):
    current = in_force(occupations, {TELECOM: {}, SOFTWARE: {"min_experience_years": 2}})
    submitted = make_catalog(
        state=S.SUBMITTED,
        entries={SOFTWARE: {"min_experience_years": 2}, AI: {}, DATA: {}},
        occupations=occupations,
        title_zh=current.title_zh,
        title_en=current.title_en,
        effective_from=current.effective_from,
        expires_on=current.expires_on,
    )

    redline = catalog_redline(submitted)

    assert redline == Redline(
        against=current,
        added=[entry(submitted, AI), entry(submitted, DATA)],
        removed=[entry(current, TELECOM)],
        changed=[],
        unchanged=1,
        metadata=[],
    )


def test_a_changed_entry_lists_exactly_the_changed_fields(occupations):
    before = {
        "category": "B",
        "min_education": "bachelor",
        "min_experience_years": 3,
        "skills_zh": "熟悉Python",
        "skills_en": "Python",
        "min_annual_salary_cny": Decimal("300000.00"),
        "remarks_zh": "",
        "remarks_en": "",
    }
    after = {
        **before,
        "category": "A",
        "min_education": "master",
        "min_annual_salary_cny": None,
        "remarks_en": "New remark",
    }
    current = in_force(occupations, {SOFTWARE: before, AI: {}})
    submitted = make_catalog(
        state=S.UNDER_REVIEW,
        entries={SOFTWARE: after, AI: {}},
        occupations=occupations,
        effective_from=current.effective_from,
        expires_on=current.expires_on,
    )

    with translation.override("en"):
        redline = catalog_redline(submitted)

    assert redline.added == []
    assert redline.removed == []
    assert redline.unchanged == 1
    assert redline.metadata == []
    assert redline.changed == [
        ChangedEntry(
            old=entry(current, SOFTWARE),
            new=entry(submitted, SOFTWARE),
            changes=[
                FieldChange("category", label("category"), "B", "A"),
                FieldChange("min_education", label("min_education"), "bachelor", "master"),
                FieldChange(
                    "min_annual_salary_cny",
                    label("min_annual_salary_cny"),
                    Decimal("300000.00"),
                    None,
                ),
                FieldChange("remarks_en", label("remarks_en"), "", "New remark"),
            ],
        )
    ]
    assert label("min_education") == "minimum education"


def test_the_same_amount_written_differently_is_not_a_change(occupations):
    current = in_force(occupations, {SOFTWARE: {"min_annual_salary_cny": Decimal("300000")}})
    submitted = make_catalog(
        state=S.SUBMITTED,
        entries={SOFTWARE: {"min_annual_salary_cny": Decimal("300000.00")}},
        occupations=occupations,
        effective_from=current.effective_from,
        expires_on=current.expires_on,
    )

    redline = catalog_redline(submitted)

    assert (redline.changed, redline.unchanged, redline.is_empty) == ([], 1, True)


def test_metadata_changes(occupations):
    current = in_force(occupations, {SOFTWARE: {}})
    start = today() + dt.timedelta(days=30)
    submitted = make_catalog(
        state=S.SUBMITTED,
        entries={SOFTWARE: {}},
        occupations=occupations,
        title_zh=current.title_zh,
        title_en="Shanghai Guidance Catalog (2027)",
        effective_from=start,
        expires_on=start + dt.timedelta(days=4 * 365),
    )
    GuidanceCatalog.objects.filter(pk=submitted.pk).update(notes_zh="新增人工智能岗位")
    submitted.refresh_from_db()

    with translation.override("en"):
        redline = catalog_redline(submitted)

    assert redline.metadata == [
        FieldChange(
            "title_en",
            label("title_en", GuidanceCatalog),
            current.title_en,
            "Shanghai Guidance Catalog (2027)",
        ),
        FieldChange("notes_zh", label("notes_zh", GuidanceCatalog), "", "新增人工智能岗位"),
        FieldChange(
            "effective_from",
            label("effective_from", GuidanceCatalog),
            current.effective_from,
            start,
        ),
        FieldChange(
            "expires_on",
            label("expires_on", GuidanceCatalog),
            current.expires_on,
            start + dt.timedelta(days=4 * 365),
        ),
    ]
    assert (redline.added, redline.removed, redline.changed, redline.unchanged) == ([], [], [], 1)


def test_baseline_is_the_version_in_force_not_a_newer_submitted_or_scheduled_one(occupations):
    current = in_force(occupations, {SOFTWARE: {}})
    scheduled = make_catalog(
        state=S.PUBLISHED,
        effective_from=today() + dt.timedelta(days=1001),
        expires_on=today() + dt.timedelta(days=1001 + 3 * 365),
        entries={AI: {}},
        occupations=occupations,
    )
    submitted = make_catalog(state=S.SUBMITTED, entries={AI: {}}, occupations=occupations)
    newest = make_catalog(state=S.UNDER_REVIEW, entries={DATA: {}}, occupations=occupations)
    # Another province's catalog in force is never a baseline for Shanghai.
    in_force(occupations, {DATA: {}}, region_code="440000", title_zh="广东省目录")

    assert redline_baseline(newest) == current
    redline = catalog_redline(newest)
    assert redline.against == current
    assert [e.occupation.code for e in redline.added] == [DATA]
    assert [e.occupation.code for e in redline.removed] == [SOFTWARE]
    assert redline_baseline(submitted) == current
    assert redline_baseline(scheduled) == current


def test_baseline_falls_back_to_the_latest_published_version(occupations):
    old = make_catalog(
        state=S.SUPERSEDED,
        effective_from=today() - dt.timedelta(days=3000),
        expires_on=today() - dt.timedelta(days=1500),
        superseded_on=today() - dt.timedelta(days=1600),
        entries={TELECOM: {}},
        occupations=occupations,
    )
    lapsed = make_catalog(
        state=S.LAPSED,
        effective_from=today() - dt.timedelta(days=1600),
        expires_on=today() - dt.timedelta(days=10),
        entries={SOFTWARE: {}},
        occupations=occupations,
    )
    submitted = make_catalog(
        state=S.SUBMITTED, entries={SOFTWARE: {}, AI: {}}, occupations=occupations
    )

    assert redline_baseline(submitted) == lapsed
    redline = catalog_redline(submitted)
    assert redline.against == lapsed
    assert [e.occupation.code for e in redline.added] == [AI]
    assert redline.removed == []
    assert redline.unchanged == 1
    assert redline_baseline(lapsed) == old  # never compared with itself


def test_a_published_version_past_its_expiry_but_not_yet_lapsed_is_not_in_force(occupations):
    """The daily task has not run yet: the version reads as lapsed, so it is compared with
    as the latest published version, not as the one in force."""
    expired = make_catalog(
        state=S.PUBLISHED,
        effective_from=today() - dt.timedelta(days=1100),
        expires_on=today() - dt.timedelta(days=1),
        entries={SOFTWARE: {}},
        occupations=occupations,
    )
    submitted = make_catalog(state=S.SUBMITTED, entries={SOFTWARE: {}}, occupations=occupations)

    assert redline_baseline(submitted) == expired


def test_baseline_falls_back_to_the_version_it_was_based_on(occupations):
    source = make_catalog(state=S.RETURNED, entries={SOFTWARE: {}, AI: {}}, occupations=occupations)
    draft = make_catalog(state=S.SUBMITTED, entries={SOFTWARE: {}}, occupations=occupations)
    GuidanceCatalog.objects.filter(pk=draft.pk).update(based_on=source)
    draft.refresh_from_db()

    redline = catalog_redline(draft)

    assert redline.against == source
    assert [e.occupation.code for e in redline.removed] == [AI]
    assert (redline.added, redline.changed, redline.unchanged) == ([], [], 1)


def test_an_explicit_baseline_is_used(occupations):
    current = in_force(occupations, {SOFTWARE: {}})
    other = make_catalog(state=S.RETURNED, entries={AI: {}}, occupations=occupations)
    submitted = make_catalog(state=S.SUBMITTED, entries={AI: {}}, occupations=occupations)

    assert catalog_redline(submitted).against == current
    assert catalog_redline(submitted, against=other).against == other
    assert catalog_redline(submitted, against=other).unchanged == 1


@pytest.mark.parametrize("count", [3, 40])
def test_redline_queries_do_not_grow_with_entries(
    shipped_occupations, django_assert_num_queries, count
):
    detailed = sorted(code for code, o in shipped_occupations.items() if o.level == 4)
    codes = detailed[:count]
    current = in_force(shipped_occupations, {c: {} for c in codes})
    changed = {c: {"min_experience_years": 5} for c in codes[1 : 1 + count // 2]}
    submitted = make_catalog(
        state=S.SUBMITTED,
        entries={**{c: {} for c in codes[1:]}, **changed, detailed[count]: {}},
        occupations=shipped_occupations,
    )
    submitted = GuidanceCatalog.objects.get(pk=submitted.pk)

    # 1. the version in force in the province; 2. the submission's entries with their
    # occupations; 3. the baseline's entries with their occupations.
    with django_assert_num_queries(3):
        redline = catalog_redline(submitted)

    assert redline.against == current
    assert len(redline.changed) == count // 2
    assert [e.occupation.code for e in redline.removed] == [codes[0]]
    assert [e.occupation.code for e in redline.added] == [detailed[count]]
