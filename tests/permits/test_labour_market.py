"""The labour-market test (``permits.labour_market``): the rules as data (national defaults,
a province's own rows, the most specific one winning, validity dates), the vacancy the
employer records, and the boundary of submission: refused on the last advertising day,
allowed the next working day, a weekend or a holiday in between moving it on. Then the
employer's step, the officer's page, the API and the admin's checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from permits import checks, labour_market
from permits.admin import LabourMarketRuleForm
from permits.models import Application, LabourMarketRule, Vacancy
from permits.services import applications as services
from portal.models import AuditEvent, Organization, TransitionRecord, User
from portal.workflow import GuardFailed
from tests.pages import html_of
from tests.permits.conftest import TODAY, draft_ready, region
from tests.portal.test_pages import sign_in_verified

pytestmark = pytest.mark.django_db

S = Application.State
K = Application.Kind
D = dt.date
SHANGHAI = "310000"
NATIONAL_SOURCE = "外国人来华工作分类标准（2017）劳动力市场测试 / national default"

# The advertising of the default post: 30 calendar days, 8 May to 6 June 2026 (a Saturday);
# submission opens on Monday 8 June 2026 (TODAY).
VACANCY = {
    "vacancy_job_title": "Software engineer",
    "vacancy_occupation": "2-02-10-03",
    "requirements": "Bachelor's in computer science, 3 years of distributed systems.",
    "vacancy_salary_cny": "300000",
    "channels": ["public_employment", "job_site"],
    "channel_details": "Shanghai public job board; 51job.com",
    "advertised_from": D(2026, 5, 8),
    "advertised_until": D(2026, 6, 6),
    "applications_received": 2,
    "reasons_unsuitable": "Neither applicant had worked on distributed systems.",
}


def _post(category: str, route: str = "", occupation: str = "2-02-10-03", where: str = SHANGHAI):
    return {
        "region": where,
        "category": category,
        "route_code": route,
        "occupation_code": occupation,
    }


def _rule(**fields: Any) -> LabourMarketRule:
    values: dict[str, Any] = {"valid_from": D(2026, 1, 1), "source": "test"}
    values.update(fields)
    return LabourMarketRule.objects.create(**values)


def _codes(application: Application, day: dt.date) -> list[str]:
    return [p.code for p in checks.submission_problems(application, day)]


def _lm_problems(application: Application, day: dt.date) -> list[tuple[str, str, str]]:
    return [
        (p.code, p.field, p.step)
        for p in checks.submission_problems(application, day)
        if p.step == labour_market.STEP
    ]


# --- The rules ------------------------------------------------------------------------------------


def test_the_national_defaults_are_seeded_as_data() -> None:
    rows = LabourMarketRule.objects.order_by("category", "route_code").values_list(
        "region",
        "category",
        "route_code",
        "occupation_prefix",
        "exempt",
        "advertising_days",
        "counting",
        "valid_from",
        "valid_until",
        "source",
    )
    assert list(rows) == [
        (None, "A", "", "", True, 0, "calendar", D(2017, 4, 1), None, NATIONAL_SOURCE),
        (None, "B", "", "", False, 30, "calendar", D(2017, 4, 1), None, NATIONAL_SOURCE),
        (None, "B", "B-CATALOG", "", True, 0, "calendar", D(2017, 4, 1), None, NATIONAL_SOURCE),
        (None, "C", "", "", False, 30, "calendar", D(2017, 4, 1), None, NATIONAL_SOURCE),
    ]


@pytest.mark.parametrize(
    ("category", "route", "days"),
    [
        ("A", "A-SALARY", None),
        ("B", "B-CATALOG", None),
        ("B", "B-DEGREE", 30),
        ("B", "B-POINTS", 30),
        ("C", "C-graduate", 30),
        ("", "", None),
    ],
)
def test_by_default_a_and_catalog_listed_b_are_exempt_and_the_rest_advertise_30_days(
    category: str, route: str, days: int | None
) -> None:
    needed = labour_market.requirement(_post(category, route), TODAY)
    assert (needed.days if needed else None) == days
    if needed is not None:
        assert needed.working_days is False
        assert needed.rule.region is None


def test_a_provinces_rule_wins_over_the_national_one() -> None:
    shanghai = region(SHANGHAI)
    # Shanghai tests even its catalog-listed posts, for 15 working days, and exempts C.
    own = _rule(
        region=shanghai,
        category="B",
        route_code="B-CATALOG",
        advertising_days=15,
        counting="working",
    )
    _rule(region=shanghai, category="C", exempt=True)

    needed = labour_market.requirement(_post("B", "B-CATALOG"), TODAY)
    assert needed is not None
    assert (needed.rule, needed.days, needed.working_days) == (own, 15, True)
    assert labour_market.requirement(_post("C", "C-graduate"), TODAY) is None
    # Beijing keeps the national rules.
    assert labour_market.requirement(_post("B", "B-CATALOG", where="110000"), TODAY) is None
    assert labour_market.requirement(_post("C", "C-graduate", where="110000"), TODAY).days == 30


def test_province_occupation_beats_province_route_beats_province_category() -> None:
    shanghai = region(SHANGHAI)
    category = _rule(region=shanghai, category="B", advertising_days=20)
    route = _rule(region=shanghai, category="B", route_code="B-DEGREE", advertising_days=25)
    broad = _rule(region=shanghai, category="B", occupation_prefix="2", advertising_days=40)
    narrow = _rule(region=shanghai, category="B", occupation_prefix="2-02-10", exempt=True)

    rule = labour_market.applicable_rule
    assert rule(_post("B", "B-DEGREE", "2-02-10-03"), TODAY) == narrow
    assert labour_market.requirement(_post("B", "B-DEGREE", "2-02-10-03"), TODAY) is None
    assert rule(_post("B", "B-DEGREE", "2-02-20-01"), TODAY) == broad
    # "2" names the major group 2, not 20-something: 4-01-01-01 falls to the route.
    assert rule(_post("B", "B-DEGREE", "4-01-01-01"), TODAY) == route
    assert rule(_post("B", "B-SKILL", "4-01-01-01"), TODAY) == category


def test_a_rule_applies_only_inside_its_validity_dates() -> None:
    rule = _rule(
        region=region(SHANGHAI),
        category="B",
        advertising_days=10,
        valid_from=D(2026, 6, 1),
        valid_until=D(2026, 6, 30),
    )

    days = [
        labour_market.requirement(_post("B", "B-DEGREE"), day).days  # type: ignore[union-attr]
        for day in (D(2026, 5, 31), D(2026, 6, 1), D(2026, 6, 30), D(2026, 7, 1))
    ]
    assert days == [30, 10, 10, 30]
    assert labour_market.applicable_rule(_post("B", "B-DEGREE"), D(2026, 6, 15)) == rule


def test_the_period_in_calendar_and_in_working_days() -> None:
    calendar = labour_market.requirement(_post("B", "B-DEGREE"), TODAY)
    assert calendar is not None
    assert calendar.last_required_day(D(2026, 5, 8)) == D(2026, 6, 6)
    _rule(region=region(SHANGHAI), category="B", advertising_days=5, counting="working")
    working = labour_market.requirement(_post("B", "B-DEGREE"), TODAY)
    assert working is not None
    # From Thursday 4 June: Thu, Fri, Mon, Tue, Wed 10 June.
    assert working.last_required_day(D(2026, 6, 4)) == D(2026, 6, 10)
    # From a Saturday the first working day is Monday: Mon 8 ... Fri 12 June.
    assert working.last_required_day(D(2026, 6, 6)) == D(2026, 6, 12)
    with translation.override("en"):
        assert working.days_words() == "5 working days"
        assert calendar.days_words() == "30 calendar days"


@pytest.mark.parametrize(
    ("until", "first"),
    [
        (D(2026, 6, 8), D(2026, 6, 9)),  # a Monday: Tuesday
        (D(2026, 6, 12), D(2026, 6, 15)),  # a Friday: over the weekend, Monday
        (D(2026, 6, 6), D(2026, 6, 8)),  # a Saturday: Monday
        # Thursday before the Dragon Boat Festival (19 to 21 June 2026): Monday 22 June.
        (D(2026, 6, 18), D(2026, 6, 22)),
    ],
)
def test_the_first_submission_day_is_the_next_working_day(until: dt.date, first: dt.date) -> None:
    assert labour_market.first_submission_day(until) == first


# --- Submission ---------------------------------------------------------------------------------


@pytest.fixture
def setup(clock, employer_admin, employer, shanghai_catalog, wages, foreigner) -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def degree_draft(setup, employer_admin: User, employer: Organization) -> Application:
    """A Category B post outside the catalog (route B-DEGREE), without its vacancy."""
    return draft_ready(
        employer_admin, employer, facts={"category": "B", "route_code": "B-DEGREE"}, vacancy=False
    )


def _record(application: Application, user: User, **changes: Any) -> Application:
    return services.draft_update(
        actor=user, application=application, step="vacancy", **{**VACANCY, **changes}
    )


def _state(application: Application) -> tuple[Any, ...]:
    fresh = Application.objects.get(pk=application.pk)
    return (
        fresh.state,
        fresh.submitted_at,
        fresh.category,
        fresh.route_code,
        fresh.assessment,
        TransitionRecord.objects.filter(target_id=str(fresh.pk)).count(),
        AuditEvent.objects.count(),
    )


def _submit(application: Application, user: User) -> Application:
    return services.application_transition(actor=user, application=application, name="submit")


def test_a_post_that_needs_a_test_is_refused_without_one_and_nothing_changes(
    degree_draft: Application, employer_admin: User
) -> None:
    problems = [p for p in checks.submission_problems(degree_draft, TODAY) if p.step == "vacancy"]
    assert [(p.code, p.field, p.message) for p in problems] == [
        (
            "labour_market_test_missing",
            "",
            "This post needs a labour-market test in China: advertise it to domestic "
            "candidates for 30 calendar days and record the advertising.",
        )
    ]
    before = _state(degree_draft)
    with pytest.raises(GuardFailed) as refused:
        _submit(degree_draft, employer_admin)
    assert [p["code"] for p in refused.value.details["problems"]] == ["labour_market_test_missing"]
    assert _state(degree_draft) == before


def test_refused_on_the_last_advertising_day_allowed_the_next_working_day(
    clock, degree_draft: Application, employer_admin: User
) -> None:
    # Advertised 13 May to Friday 12 June 2026 (31 days); submission from Monday 15 June.
    _record(
        degree_draft,
        employer_admin,
        advertised_from=D(2026, 5, 13),
        advertised_until=D(2026, 6, 12),
    )
    message = (
        "The post is advertised until 2026-06-12: the application can be submitted from "
        "2026-06-15, the next working day after the advertising ends."
    )
    for day in (D(2026, 6, 12), D(2026, 6, 13), D(2026, 6, 14)):  # Friday, the weekend
        clock.set(day)
        problems = [p for p in checks.submission_problems(degree_draft, day) if p.step == "vacancy"]
        assert [(p.code, p.field, p.message) for p in problems] == [
            ("labour_market_period_running", "advertised_until", message)
        ]
    clock.set(D(2026, 6, 12))
    before = _state(degree_draft)
    with pytest.raises(GuardFailed):
        _submit(degree_draft, employer_admin)
    assert _state(degree_draft) == before

    clock.set(D(2026, 6, 15))
    assert _codes(degree_draft, D(2026, 6, 15)) == []
    submitted = _submit(degree_draft, employer_admin)
    assert (submitted.state, submitted.route_code) == (S.SUBMITTED, "B-DEGREE")


def test_a_holiday_after_the_advertising_moves_the_first_day_past_it(
    clock, degree_draft: Application, employer_admin: User
) -> None:
    _record(
        degree_draft,
        employer_admin,
        advertised_from=D(2026, 5, 19),
        advertised_until=D(2026, 6, 18),
    )
    clock.set(D(2026, 6, 19))  # the Dragon Boat Festival
    assert _lm_problems(degree_draft, D(2026, 6, 19)) == [
        ("labour_market_period_running", "advertised_until", "vacancy")
    ]
    assert "2026-06-22" in checks.submission_problems(degree_draft, D(2026, 6, 19))[0].message
    clock.set(D(2026, 6, 22))
    assert _submit(degree_draft, employer_admin).state == S.SUBMITTED


def test_advertising_shorter_than_the_rule_is_refused_naming_the_last_day_needed(
    degree_draft: Application, employer_admin: User
) -> None:
    _record(
        degree_draft, employer_admin, advertised_from=D(2026, 5, 9), advertised_until=D(2026, 6, 5)
    )
    problems = [p for p in checks.submission_problems(degree_draft, TODAY) if p.step == "vacancy"]
    assert [(p.code, p.message) for p in problems] == [
        (
            "labour_market_period_too_short",
            "The post was advertised from 2026-05-09 to 2026-06-05: the rules ask for 30 "
            "calendar days, to 2026-06-07 at least.",
        )
    ]
    # Exactly 30 days (8 May to 6 June) is enough, and TODAY is the next working day.
    _record(degree_draft, employer_admin)
    assert _codes(Application.objects.get(pk=degree_draft.pk), TODAY) == []


def test_the_advertised_occupation_must_be_the_one_applied_for(
    degree_draft: Application, employer_admin: User
) -> None:
    _record(degree_draft, employer_admin, vacancy_occupation="2-02-10-01")
    assert _lm_problems(degree_draft, TODAY) == [
        ("labour_market_occupation_differs", "vacancy_occupation", "vacancy")
    ]


def test_a_catalog_listed_post_is_submitted_without_a_test(
    setup, employer_admin: User, employer: Organization
) -> None:
    draft = draft_ready(
        employer_admin, employer, facts={"category": "B", "route_code": "B-CATALOG"}
    )
    assert labour_market.vacancy_of(draft) is None
    assert _submit(draft, employer_admin).state == S.SUBMITTED


def test_a_province_can_require_a_test_of_a_catalog_listed_post(
    setup, employer_admin: User, employer: Organization
) -> None:
    _rule(region=region(SHANGHAI), category="B", route_code="B-CATALOG", advertising_days=10)
    draft = draft_ready(
        employer_admin, employer, facts={"category": "B", "route_code": "B-CATALOG"}, vacancy=False
    )
    assert [p.message for p in checks.submission_problems(draft, TODAY)] == [
        "This post needs a labour-market test in Shanghai: advertise it to domestic "
        "candidates for 10 calendar days and record the advertising."
    ]


def test_the_recognised_route_decides_when_none_is_claimed(
    setup, employer_admin: User, employer: Organization
) -> None:
    draft = draft_ready(employer_admin, employer, vacancy=False)
    recognition = checks.recognize(draft, TODAY)
    expected = [] if recognition.route_code == "B-CATALOG" else ["labour_market_test_missing"]
    assert [code for code in _codes(draft, TODAY) if code.startswith("labour")] == expected


# --- Recording the vacancy -----------------------------------------------------------------------


def test_the_vacancy_is_recorded_corrected_and_audited(
    degree_draft: Application, employer_admin: User
) -> None:
    saved = _record(degree_draft, employer_admin)
    vacancy = Vacancy.objects.get(application=degree_draft)
    assert (
        vacancy.job_title,
        vacancy.occupation.code,
        vacancy.annual_salary_cny,
        vacancy.channels,
        vacancy.advertised_from,
        vacancy.advertised_until,
        vacancy.applications_received,
        vacancy.recorded_by,
    ) == (
        "Software engineer",
        "2-02-10-03",
        300000,
        ["job_site", "public_employment"],
        D(2026, 5, 8),
        D(2026, 6, 6),
        2,
        employer_admin,
    )
    assert "vacancy" in saved.steps_saved
    event = AuditEvent.objects.filter(action="permits.application.update").latest("pk")
    assert (event.data["step"], event.data["fields"]) == ("vacancy", ["steps_saved", "vacancy"])

    _record(degree_draft, employer_admin, applications_received=3)
    event = AuditEvent.objects.filter(action="permits.application.update").latest("pk")
    assert event.data["fields"] == ["vacancy.applications_received"]
    assert Vacancy.objects.get().applications_received == 3


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"advertised_until": D(2026, 5, 1)}, {"advertised_until"}),
        (
            {
                "advertised_from": TODAY + dt.timedelta(days=1),
                "advertised_until": TODAY + dt.timedelta(days=40),
            },
            {"advertised_from"},
        ),
        ({"reasons_unsuitable": ""}, {"reasons_unsuitable"}),
        ({"channels": ["billboard"]}, {"channels"}),
        ({"channels": [], "requirements": ""}, {"channels", "requirements"}),
        ({"vacancy_occupation": "2-02"}, {"vacancy_occupation"}),
    ],
)
def test_bad_vacancy_input_names_each_field_and_saves_nothing(
    degree_draft: Application, employer_admin: User, changes: dict[str, Any], errors: set[str]
) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        _record(degree_draft, employer_admin, **changes)
    assert set(refused.value.message_dict) == errors
    assert Vacancy.objects.count() == 0
    assert AuditEvent.objects.count() == events
    assert "vacancy" not in Application.objects.get(pk=degree_draft.pk).steps_saved


def test_no_applicants_need_no_reasons(degree_draft: Application, employer_admin: User) -> None:
    _record(degree_draft, employer_admin, applications_received=0, reasons_unsuitable="")
    assert Vacancy.objects.get().applications_received == 0


def test_a_kind_about_an_existing_permit_has_no_vacancy_step(
    setup, employer_admin: User, employer: Organization, life, sh_decision, foreigner
) -> None:
    permit = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    draft = life.application(
        K.CANCELLATION,
        employer=employer,
        user=employer_admin,
        foreigner=foreigner,
        permit=permit,
        state=S.DRAFT,
        category="C",
        route_code="C-other",
    )
    with pytest.raises(ValidationError) as refused:
        _record(draft, employer_admin)
    assert list(refused.value.message_dict) == ["step"]
    assert labour_market.problems(draft, TODAY) == []


def test_discarding_a_draft_deletes_its_vacancy(
    degree_draft: Application, employer_admin: User
) -> None:
    _record(degree_draft, employer_admin)
    services.draft_discard(actor=employer_admin, application=degree_draft)
    assert Vacancy.objects.count() == 0


# --- Pages ---------------------------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


def _url(name: str, *args: Any) -> str:
    with translation.override("en"):
        return reverse(f"permits:{name}", args=args)


def test_the_form_shows_the_step_only_when_the_post_needs_a_test(
    degree_draft: Application, employer_admin: User, employer: Organization
) -> None:
    client = _client(employer_admin)
    facts = html_of(client.get(_url("application_step", degree_draft.pk, "facts")))
    assert "Labour-market test" in facts
    page = html_of(client.get(_url("application_step", degree_draft.pk, "vacancy")))
    assert (
        "This post needs a labour-market test: advertise it to domestic candidates for at "
        "least 30 calendar days before applying for a foreign worker."
    ) in page
    assert 'value="Software engineer"' in page  # the post taken from the job

    catalog = draft_ready(
        employer_admin,
        employer,
        facts={"category": "B", "route_code": "B-CATALOG"},
        worker={"passport_number": "X12345678"},
    )
    facts = html_of(client.get(_url("application_step", catalog.pk, "facts")))
    assert "Labour-market test" not in facts


def test_the_step_renders_in_the_default_language(
    clock, employer_admin: User, employer: Organization, shanghai_catalog, wages, foreigner
) -> None:
    draft = draft_ready(
        employer_admin, employer, facts={"category": "B", "route_code": "B-DEGREE"}, vacancy=False
    )
    assert translation.get_language() == "zh-hans"
    response = _client(employer_admin).get(
        reverse("permits:application_step", args=[draft.pk, "vacancy"])
    )
    assert response.status_code == 200
    page = html_of(response)
    assert '<html lang="zh-hans">' in page
    for name in ("vacancy_job_title", "advertised_from", "advertised_until", "channels_0"):
        assert f'id="id_{name}"' in page
    # CSP: no inline code or style.
    assert "<script>" not in page
    assert "style=" not in page


def test_the_step_saves_and_goes_on_to_the_documents(
    degree_draft: Application, employer_admin: User
) -> None:
    client = _client(employer_admin)
    data = {**VACANCY, "advertised_from": "2026-05-08", "advertised_until": "2026-06-06"}
    response = client.post(_url("application_step", degree_draft.pk, "vacancy"), data)
    assert response.status_code == 302
    assert response["Location"] == _url("application_step", degree_draft.pk, "documents")
    assert Vacancy.objects.get().advertised_until == D(2026, 6, 6)
    review = html_of(client.get(_url("application_step", degree_draft.pk, "review")))
    assert "Advertised 2026-05-08 – 2026-06-06; submission from 2026-06-08" in review


def test_a_bad_step_shows_the_error_and_saves_nothing(
    degree_draft: Application, employer_admin: User
) -> None:
    client = _client(employer_admin)
    data = {**VACANCY, "advertised_from": "2026-06-06", "advertised_until": "2026-05-08"}
    response = client.post(_url("application_step", degree_draft.pk, "vacancy"), data)
    assert response.status_code == 200
    assert "The advertising must end on or after its first day." in html_of(response)
    assert Vacancy.objects.count() == 0


def test_the_review_links_the_problem_to_the_step(
    degree_draft: Application, employer_admin: User
) -> None:
    client = _client(employer_admin)
    page = html_of(client.get(_url("application_step", degree_draft.pk, "review")))
    link = _url("application_step", degree_draft.pk, "vacancy")
    assert f'<a href="{link}">Labour-market test</a>: This post needs a labour-market test' in page


def test_done_means_refused_on_the_last_day_submitted_the_next_working_day_by_the_page(
    clock, degree_draft: Application, employer_admin: User
) -> None:
    _record(
        degree_draft,
        employer_admin,
        advertised_from=D(2026, 5, 13),
        advertised_until=D(2026, 6, 12),
    )
    submit = _url("application_submit", degree_draft.pk)
    clock.set(D(2026, 6, 12))  # signed in on the day (a session does not last 4 days idle)
    client = _client(employer_admin)
    before = _state(degree_draft)
    response = client.post(submit, follow=True)
    assert response.redirect_chain == [(_url("application_step", degree_draft.pk, "review"), 302)]
    assert (
        "The post is advertised until 2026-06-12: the application can be submitted from "
        "2026-06-15, the next working day after the advertising ends."
    ) in html_of(response)
    assert _state(degree_draft) == before

    clock.set(D(2026, 6, 15))
    response = _client(employer_admin).post(submit)
    assert response.status_code == 302
    assert response["Location"] == _url("application", degree_draft.pk)
    assert Application.objects.get(pk=degree_draft.pk).state == S.SUBMITTED


def test_the_officer_sees_the_test_with_the_application(
    clock, degree_draft: Application, employer_admin: User, sh_acceptance: User
) -> None:
    _record(degree_draft, employer_admin)
    _submit(degree_draft, employer_admin)
    page = html_of(_client(sh_acceptance).get(_url("review_application", degree_draft.pk)))
    section = page.split('id="labour-market-title"')[1].split("</section>")[0]
    for shown in (
        "Advertised to domestic candidates for at least 30 calendar days",
        "national rule",
        "Category B",
        NATIONAL_SOURCE,
        "2026-05-08",
        "2026-06-06",
        "submission allowed from 2026-06-08",
        "Public employment service, Recruitment website",
        "Shanghai public job board; 51job.com",
        "<dd>2</dd>",
        "Neither applicant had worked on distributed systems.",
    ):
        assert shown in section, shown


def test_the_officer_page_has_no_test_for_an_exempt_post(
    clock, setup, employer_admin: User, employer: Organization, sh_acceptance: User
) -> None:
    draft = draft_ready(
        employer_admin, employer, facts={"category": "B", "route_code": "B-CATALOG"}
    )
    _submit(draft, employer_admin)
    page = html_of(_client(sh_acceptance).get(_url("review_application", draft.pk)))
    assert 'id="labour-market-title"' not in page


def test_the_api_detail_exposes_the_vacancy(
    degree_draft: Application, employer_admin: User
) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(employer_admin)
    path = f"/api/v1/applications/{degree_draft.pk}/"
    assert client.get(path).json()["vacancy"] is None
    _record(degree_draft, employer_admin)
    vacancy = client.get(path).json()["vacancy"]
    assert vacancy == {
        "job_title": "Software engineer",
        "occupation": "2-02-10-03",
        "requirements": VACANCY["requirements"],
        "annual_salary_cny": "300000.00",
        "channels": ["job_site", "public_employment"],
        "channel_details": "Shanghai public job board; 51job.com",
        "advertised_from": "2026-05-08",
        "advertised_until": "2026-06-06",
        "applications_received": 2,
        "reasons_unsuitable": VACANCY["reasons_unsuitable"],
        "first_submission_day": "2026-06-08",
    }


def test_the_api_records_the_vacancy_as_a_step(
    degree_draft: Application, employer_admin: User
) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(employer_admin)
    path = f"/api/v1/applications/{degree_draft.pk}/steps/vacancy/"
    data = {**VACANCY, "advertised_from": "2026-05-08", "advertised_until": "2026-06-06"}
    bad = client.patch(path, {**data, "advertised_until": "2026-05-01"}, format="json")
    assert bad.status_code == 400
    assert Vacancy.objects.count() == 0
    response = client.patch(path, data, format="json")
    assert response.status_code == 200
    assert response.json()["vacancy"]["first_submission_day"] == "2026-06-08"


# --- The admin -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"exempt": True, "advertising_days": 10}, ["advertising_days"]),
        ({"exempt": False, "advertising_days": 0}, ["advertising_days"]),
        ({"occupation_prefix": "2-0x"}, ["occupation_prefix"]),
        ({"valid_until": "2025-12-31"}, ["valid_until"]),
    ],
)
def test_the_admin_form_refuses_rules_that_cannot_apply(
    data: dict[str, Any], errors: list[str]
) -> None:
    values: dict[str, Any] = {
        "category": "B",
        "advertising_days": 20,
        "counting": "calendar",
        "valid_from": "2026-01-01",
        "region": region(SHANGHAI).pk,
        **data,
    }
    with translation.override("en"):
        form = LabourMarketRuleForm(data=values)
        assert not form.is_valid()
        assert sorted(form.errors) == errors


def test_the_admin_form_accepts_a_provincial_rule() -> None:
    form = LabourMarketRuleForm(
        data={
            "category": "C",
            "region": region(SHANGHAI).pk,
            "exempt": True,
            "advertising_days": 0,
            "counting": "working",
            "valid_from": "2026-01-01",
            "route_code": " C-graduate ",
            "occupation_prefix": "2-02",
        }
    )
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["route_code"], form.cleaned_data["occupation_prefix"]) == (
        "C-graduate",
        "2-02",
    )
