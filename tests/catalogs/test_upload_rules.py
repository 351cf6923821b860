"""Upload and entry rules beyond the pages' happy paths."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from catalogs import services
from catalogs.models import CatalogEntry, Occupation
from tests.catalogs.conftest import make_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def test_a_column_missing_from_the_file_keeps_the_listed_entries_values(occupations, drafter):
    catalog = make_catalog(
        entries={
            "2-02-10-03": {
                "skills_zh": "软件架构",
                "min_annual_salary_cny": Decimal("300000"),
                "min_experience_years": 3,
            }
        },
        occupations=occupations,
    )
    result = services.entries_upload(
        actor=drafter,
        catalog=catalog,
        data=b"code,min_annual_salary_cny\n2-02-10-03,320000\n2-02-10-01,250000\n",
    )
    assert (result.added, result.changed, result.unchanged, result.errors) == (1, 1, 0, [])
    kept = CatalogEntry.objects.get(catalog=catalog, occupation__code="2-02-10-03")
    assert (kept.skills_zh, kept.min_experience_years, kept.min_annual_salary_cny) == (
        "软件架构",
        3,
        Decimal("320000.00"),
    )
    added = CatalogEntry.objects.get(catalog=catalog, occupation__code="2-02-10-01")
    assert (added.skills_zh, added.min_experience_years, added.category) == ("", 0, "B")


def test_a_row_marked_detailed_with_occupations_under_it_is_a_group(occupations, drafter):
    """As 6-20-03-00 in the shipped 2022 file: level 4, yet three codes fall under it."""
    odd = Occupation.objects.create(
        edition=2022, code="2-02-15-00", level=4, title_zh="单列细类", parent_code="2-02-00-00"
    )
    Occupation.objects.create(
        edition=2022,
        code="2-02-15-01",
        level=4,
        title_zh="其下的职业",
        parent_code="2-02-15-00",
        parent=odd,
    )
    catalog = make_catalog(occupations=occupations)
    with pytest.raises(ValidationError) as excinfo:
        services.entry_save(actor=drafter, catalog=catalog, occupation=odd)
    assert excinfo.value.message_dict == {
        "occupation": ["2-02-15-00 is a group, not a detailed occupation: list its occupations."]
    }
    result = services.entries_upload(actor=drafter, catalog=catalog, data=b"code\n2-02-15-00\n")
    assert [(e.line, e.code, e.column, e.message) for e in result.errors] == [
        (2, "2-02-15-00", "code", "2-02-15-00 is a group, not a detailed occupation.")
    ]
    assert catalog.entries.count() == 0
