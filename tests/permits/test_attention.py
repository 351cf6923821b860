"""The effect of an employer's "attention" standing (a minor dishonest act in effect) on
acceptance: its documents are checked against the paper originals, and the acceptance
officer confirms it; without the confirmation acceptance is refused and nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from credit import services as credit_services
from credit.constants import Source
from permits.models import Application
from permits.services import applications as services
from portal.models import AuditEvent, Organization, User
from portal.roles import Role
from portal.workflow import GuardFailed
from tests.factories import RoleHelper
from tests.permits.conftest import TODAY, draft_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(
    clock, employer_admin: User, employer: Organization, shanghai_catalog, wages, foreigner
) -> Application:
    application = draft_ready(employer_admin, employer)
    return services.application_transition(
        actor=employer_admin, application=application, name="submit"
    )


@pytest.fixture
def under_attention(roles: RoleHelper, employer: Organization) -> None:
    inspector = roles.user(Role.INSPECTOR, region_code="310000")
    credit_services.record_create(
        actor=inspector,
        kind="late_change_report",
        facts="Reported a change of post 25 working days late.",
        source=Source.INSPECTION,
        effective_from=TODAY - dt.timedelta(days=10),
        effective_until=TODAY + dt.timedelta(days=355),
        organization=employer,
        severity="minor",
    )


def test_an_employer_in_good_standing_is_accepted_without_the_confirmation(
    submitted: Application, sh_acceptance: User
) -> None:
    accepted = services.application_transition(
        actor=sh_acceptance, application=submitted, name="accept"
    )
    assert accepted.state == Application.State.UNDER_REVIEW


def test_under_attention_acceptance_needs_the_originals_checked(
    under_attention: None, submitted: Application, sh_acceptance: User
) -> None:
    events = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(GuardFailed) as refused:
        services.application_transition(
            actor=sh_acceptance, application=submitted, name="accept", payload={}
        )
    assert str(refused.value) == (
        "The employer's credit standing is attention: check the paper originals of the "
        "documents and confirm it before accepting."
    )
    assert refused.value.details == {"field": "originals_checked"}
    submitted.refresh_from_db()
    assert (submitted.state, submitted.accepted_at) == (Application.State.SUBMITTED, None)
    assert AuditEvent.objects.count() == events

    accepted = services.application_transition(
        actor=sh_acceptance,
        application=submitted,
        name="accept",
        payload={"originals_checked": True},
    )
    assert accepted.state == Application.State.UNDER_REVIEW


def test_the_officers_page_asks_for_the_confirmation_and_refuses_without_it(
    under_attention: None, submitted: Application, sh_acceptance: User
) -> None:
    from django.test import Client
    from django.urls import reverse

    from tests.portal.test_pages import sign_in_verified, text_of

    client = Client()
    sign_in_verified(client, sh_acceptance)
    page = reverse("permits:review_application", args=[submitted.pk])
    action = reverse("permits:review_action", args=[submitted.pk, "accept"])
    with translation.override("en"):
        html = client.get(page.replace("/zh-hans/", "/en/")).content.decode()
        assert 'name="accept-originals_checked"' in html
        assert (
            "The employer's credit standing is attention: check the documents against the "
            "paper originals before accepting."
        ) in text_of(html)
        refused = client.post(action.replace("/zh-hans/", "/en/"), {})
    assert refused.status_code == 422
    submitted.refresh_from_db()
    assert submitted.state == Application.State.SUBMITTED

    accepted = client.post(action, {"accept-originals_checked": "on"})
    assert accepted.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == Application.State.UNDER_REVIEW
