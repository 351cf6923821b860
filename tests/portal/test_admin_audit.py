"""Writes made in the Django admin are audited, password changes included."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.models import AuditEvent, HolidayDate, HolidayYear, Region
from portal.roles import Role
from portal.workdays import is_working_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(roles) -> tuple[Client, object]:
    admin = roles.user(Role.SITE_ADMIN)
    admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    session = client.session
    session["portal_2fa_verified"] = True
    session.save()
    return client, admin


def test_changing_a_region_flag_is_audited(superuser_client):
    client, admin = superuser_client
    region = Region.objects.get(code="510000")
    data = {
        "code": "510000",
        "name_zh": region.name_zh,
        "name_en": region.name_en,
        "level": "province",
        "parent": "",
        "is_western_region": "on",
        "is_northeast_old_industrial_base": "",
        "is_designated_poverty_area": "on",
    }
    response = client.post(f"/admin/portal/region/{region.pk}/change/", data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.change")
    assert (event.actor_id, event.target_model, event.target_id) == (
        admin.pk,
        "portal.region",
        str(region.pk),
    )
    assert event.data == {"change": [{"changed": {"fields": ["Designated poverty area"]}}]}


def test_a_password_set_by_a_superuser_is_audited(superuser_client, roles):
    client, admin = superuser_client
    target = roles.user(Role.EMPLOYER_STAFF)
    response = client.post(
        f"/admin/portal/user/{target.pk}/password/",
        {"password1": "a-brand-new-pass-42", "password2": "a-brand-new-pass-42"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="admin.change", target_id=str(target.pk)).get()
    assert event.actor_id == admin.pk
    assert event.data == {"change": [{"changed": {"fields": ["password"]}}]}


def test_deleting_a_holiday_year_is_audited_and_reloads_the_calendar(
    superuser_client, django_capture_on_commit_callbacks
):
    import datetime as dt

    client, _admin = superuser_client
    year = HolidayYear.objects.create(year=2027, notice="测试通知")
    HolidayDate.objects.create(year=year, date=dt.date(2027, 2, 8), kind="holiday")
    from portal import workdays

    workdays.invalidate()
    assert is_working_day(dt.date(2027, 2, 8)) is False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/portal/holidayyear/{year.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert HolidayYear.objects.count() == 0
    assert AuditEvent.objects.filter(action="calendar.year_deleted").count() == 1
    assert is_working_day(dt.date(2027, 2, 8)) is True
