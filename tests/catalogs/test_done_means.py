"""Issue 3's "done means", as the people involved would do it, through the pages.

A Shanghai drafter uploads a catalog spreadsheet, fixes the errors shown, opens
consultation, an industry association comments, the drafter files it, the ministry
reviewer reads the redline and approves it, it appears on the public pages and in the API
on its effective date, and shows as lapsed the day after its expiry.
"""

from __future__ import annotations

import datetime as dt
import json
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from catalogs.models import GuidanceCatalog
from portal.filings import add_years
from portal.models.filing import FilingState
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

BROKEN = (
    "code,category,min_education,min_experience_years,min_annual_salary_cny,skills_zh\n"
    "2-02-10-03,B,bachelor,3,300000,软件架构\n"
    "9-99-99-99,B,bachelor,3,300000,不存在\n"
    "2-02-10-00,B,bachelor,3,300000,这是小类\n"
    "2-02-10-01,B,bachelor,three,280000,通信\n"
).encode()
FIXED = (
    "code,category,min_education,min_experience_years,min_annual_salary_cny,skills_zh\n"
    "2-02-10-03,B,bachelor,3,300000,软件架构\n"
    "2-02-10-01,B,bachelor,3,280000,通信\n"
).encode()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["portal_2fa_verified"] = True
    session.save()
    return client


def at(day: dt.date):
    """Pretend it is noon in Shanghai on ``day``."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_a_catalog_from_spreadsheet_to_lapse(
    occupations, drafter, reviewer, stakeholder, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    start = today + dt.timedelta(days=10)
    last_day = add_years(start, 3) - dt.timedelta(days=1)
    desk = signed_in(drafter)

    # The drafter starts a catalog for Shanghai.
    response = desk.post(
        "/en/drafting/catalogs/new/",
        {
            "title_zh": "上海市外国人来华工作指导目录",
            "title_en": "Shanghai Guidance Catalog",
            "effective_from": start.isoformat(),
            "expires_on": last_day.isoformat(),
        },
    )
    assert response.status_code == 302
    catalog = GuidanceCatalog.objects.get()
    workspace = f"/en/drafting/catalogs/{catalog.pk}/"
    assert response["Location"] == workspace

    # The spreadsheet has three bad rows: every error is shown against its row, and
    # nothing is saved.
    response = desk.post(
        f"{workspace}upload/",
        {"file": SimpleUploadedFile("catalog.csv", BROKEN, "text/csv")},
    )
    assert response.status_code == 200
    errors = [(e.line, e.code, e.column) for e in response.context["result"].errors]
    assert errors == [
        (3, "9-99-99-99", "code"),
        (4, "2-02-10-00", "code"),
        (5, "2-02-10-01", "min_experience_years"),
    ]
    assert catalog.entries.count() == 0

    # Fixed, the file goes in.
    response = desk.post(
        f"{workspace}upload/",
        {"file": SimpleUploadedFile("catalog.csv", FIXED, "text/csv")},
    )
    assert response.status_code == 302
    assert sorted(catalog.entries.values_list("occupation__code", flat=True)) == [
        "2-02-10-01",
        "2-02-10-03",
    ]

    # Consultation: the industry association is invited until next week.
    association = stakeholder.organization
    OrganizationFactory(agency=True)  # another organization that could have been invited
    response = desk.post(
        f"{workspace}consultation/",
        {"organizations": [association.pk], "deadline": (today + dt.timedelta(days=7)).isoformat()},
    )
    assert response.status_code == 302
    catalog.refresh_from_db()
    assert catalog.state == FilingState.CONSULTATION

    # The association comments on one entry.
    entry = catalog.entries.get(occupation__code="2-02-10-03")
    partner = signed_in(stakeholder)
    response = partner.post(
        f"/en/consultations/{catalog.pk}/comment/",
        {"text": "Three years of experience is too many for young engineers.", "entry": entry.pk},
    )
    assert response.status_code == 302
    comment = catalog.comments.get()

    # The drafter answers and files the catalog with the ministry.
    response = desk.post(
        f"{workspace}comments/{comment.pk}/answer/",
        {"answer": "Kept: the posts need experienced engineers."},
    )
    assert response.status_code == 302
    response = desk.post(f"{workspace}do/submit/", {"reason": ""})
    assert response.status_code == 302
    catalog.refresh_from_db()
    assert catalog.state == FilingState.SUBMITTED

    # The ministry reviewer reads the redline (no version in force: all entries added)
    # with the comment, starts the review and approves.
    ministry = signed_in(reviewer)
    page = ministry.get(f"/en/review/catalogs/{catalog.pk}/")
    assert page.status_code == 200
    redline = page.context["redline"]
    assert [e.occupation.code for e in redline.added] == ["2-02-10-01", "2-02-10-03"]
    assert "Three years of experience is too many for young engineers." in page.content.decode()
    assert ministry.post(f"/en/review/catalogs/{catalog.pk}/do/start_review/").status_code == 302
    assert ministry.post(f"/en/review/catalogs/{catalog.pk}/do/approve/").status_code == 302
    catalog.refresh_from_db()
    assert catalog.state == FilingState.APPROVED

    # The drafter publishes it; before its effective date it is announced, not in force.
    assert desk.post(f"{workspace}do/publish/", {"reason": ""}).status_code == 302
    catalog.refresh_from_db()
    assert catalog.state == FilingState.PUBLISHED
    public = Client()
    version_page = f"/en/catalogs/310000/v{catalog.version}/"
    assert public.get(version_page).status_code == 200
    api = public.get("/api/v1/catalogs/", {"region": "310000", "in_force_on": today.isoformat()})
    assert json.loads(api.content)["results"] == []

    # On its effective date it is in force, on the pages and in the API.
    with at(start):
        overview = public.get("/en/catalogs/")
        shanghai = next(row for row in overview.context["rows"] if row.province.code == "310000")
        assert shanghai.in_force == catalog
        api = public.get(
            "/api/v1/catalogs/", {"region": "310000", "in_force_on": start.isoformat()}
        )
        assert [c["id"] for c in json.loads(api.content)["results"]] == [catalog.pk]
        assert [c["status"] for c in json.loads(api.content)["results"]] == ["in_force"]

    # On its last day it is still in force; the day after, it reads as lapsed at once.
    with at(last_day):
        assert GuidanceCatalog.objects.get().status_on(last_day) == "in_force"
    with at(last_day + dt.timedelta(days=1)):
        page = public.get(version_page)
        assert page.status_code == 200
        assert page.context["status"] == "lapsed"
        overview = public.get("/en/catalogs/")
        shanghai = next(row for row in overview.context["rows"] if row.province.code == "310000")
        assert (shanghai.in_force, shanghai.status) == (None, "lapsed")
