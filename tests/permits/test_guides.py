"""The permits app's service guides (``permits.guides``) agree with what the workflow
enforces, and change when the rules change.

* Materials: for every kind of application, category and route, the guide's list is what
  the checks report missing for an empty application of that kind (at submission, at
  acceptance and before the decision), not merely the same function called twice.
* The extension (the issue's "done means"): the Shanghai guide states the window, the
  real submission refuses an extension outside it; with Shanghai's window changed, the
  guide and the refusal change together.
* Clocks, windows of the other kinds, the longest permits, the Category C quota and the
  labour-market test appear as the rule tables say, per province.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from permits import checks, clocks, documents, labour_market, windows
from permits import guides as permit_guides
from permits.models import (
    Application,
    ClockRule,
    LabourMarketRule,
    Permit,
    QuotaAllocation,
    ValidityRule,
    WindowRule,
)
from permits.problems import Problem
from permits.services import applications as services
from portal import guides
from portal.models import Organization, Region, User
from portal.workdays import add_working_days
from portal.workflow import GuardFailed
from tests.pages import html_of
from tests.permits.conftest import TODAY, Life, pdf_upload, region
from tests.portal.test_pages import sign_in_verified

pytestmark = pytest.mark.django_db

AK = Application.Kind
CASES = [
    (kind, variant)
    for kind in permit_guides.KIND_GUIDES
    for variant in permit_guides.variants(kind)
]


def _guide(key: str, province: Region | None, language: str = "en") -> guides.GuideContent:
    spec = guides.guide(key)
    assert spec is not None
    with translation.override(language):
        return spec.build(province)


def _missing_documents(problems: list[Problem]) -> list[str]:
    return [p.field for p in problems if p.code == "document_missing"]


def _url(name: str, *args: Any, region_code: str = "", language: str = "en") -> str:
    with translation.override(language):
        url = reverse(name, args=args)
    return f"{url}?region={region_code}" if region_code else url


def _page(client: Client, key: str, region_code: str = "310000") -> str:
    response = client.get(_url("guides:guide", key, region_code=region_code))
    assert response.status_code == 200
    return " ".join(html_of(response).split())


# --- Materials: the guide is what the checks ask -------------------------------------------------


counter = itertools.count(1)


def _empty_application(
    kind: str,
    variant: permit_guides.Variant,
    *,
    life: Life,
    employer: Organization,
    employer_admin: User,
    beijing_employer: Organization,
    beijing_admin: User,
    sh_decision: User,
    foreigner: Any,
) -> Application:
    """An application of ``kind`` in ``variant`` with no document at all: a permit of the
    variant's category (granted on a salary, or under the national standard and so carried
    to a new employer) where the kind concerns one."""
    permit = None
    owner, user, province = employer, employer_admin, region("310000")
    if kind in (AK.EXTENSION, AK.CHANGE, AK.CANCELLATION) or (
        kind == AK.CHANGE_EMPLOYER and variant.carried
    ):
        permit = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
        assert permit.basis == Permit.Basis.NATIONAL
        Permit.objects.filter(pk=permit.pk).update(
            category=variant.category, on_salary_commitment=variant.salary
        )
        permit.refresh_from_db()
    if kind == AK.CHANGE_EMPLOYER:
        owner, user, province = beijing_employer, beijing_admin, region("110000")
    return Application.objects.create(
        number=f"GUIDE{next(counter):06d}",
        kind=kind,
        employer=owner,
        created_by=user,
        category=variant.category,
        commitment_letters=variant.commitment,
        region=province,
        work_region=province,
        permit=permit,
    )


@pytest.mark.parametrize(
    ("kind", "variant"), CASES, ids=[f"{kind}-{variant.key}" for kind, variant in CASES]
)
def test_the_guides_materials_are_what_the_checks_ask_for(
    kind: str,
    variant: permit_guides.Variant,
    life: Life,
    employer: Organization,
    employer_admin: User,
    beijing_employer: Organization,
    beijing_admin: User,
    sh_decision: User,
    foreigner: Any,
) -> None:
    application = _empty_application(
        kind,
        variant,
        life=life,
        employer=employer,
        employer_admin=employer_admin,
        beijing_employer=beijing_employer,
        beijing_admin=beijing_admin,
        sh_decision=sh_decision,
        foreigner=foreigner,
    )
    group = _guide(kind, application.region).materials_for(variant.key)
    assert group is not None, variant.key
    listed = group.needed_items

    # What the checks refuse for the missing documents, step by step.
    assert _missing_documents(checks.submission_problems(application, TODAY)) == [
        m.kind for m in listed if m.at_submission
    ]
    assert _missing_documents(checks.acceptance_problems(application, TODAY)) == [
        m.kind for m in listed if m.at_acceptance
    ]
    assert _missing_documents(checks.approval_problems(application, TODAY)) == [
        m.kind for m in listed if m.at_decision
    ]
    # The optional ones are those of the checklist the checks never ask for, and every
    # certificate says how old it may be.
    checklist = documents.checklist(application, TODAY)
    assert [m.kind for m in listed] == [item.kind for item in checklist]
    assert [m.kind for m in listed if m.optional] == [i.kind for i in checklist if not i.required]
    assert [(m.kind, m.max_age_months) for m in listed] == [
        (i.kind, i.max_age_months) for i in checklist
    ]


def test_every_kind_category_and_route_has_its_list() -> None:
    shanghai = region("310000")
    for kind in permit_guides.KIND_GUIDES:
        content = _guide(kind, shanghai)
        keys = [key for group in content.materials for key in group.variants]
        assert sorted(keys) == sorted(v.key for v in permit_guides.variants(kind)), kind


@translation.override("en")
def test_the_commitment_route_says_what_the_commitment_replaces() -> None:
    group = _guide("new", None).materials_for("A-commitment")
    assert group is not None
    assert group.title == "Category A · signed commitment (承诺制), documents may follow (容缺受理)"
    assert group.description.endswith(
        "only these are needed: Signed application form, Passport (information page), Signed "
        "commitment letter (Category A)."
    )
    replaced = [(m.kind, [str(n) for n in m.notes]) for m in group.items if not m.needed]
    assert replaced == [
        (kind, ["Replaced by the signed commitment (Category A)."])
        for kind in ("experience", "degree", "criminal_record")
    ]
    deferred = [m.kind for m in group.items if m.needed and m.when == "Before the decision"]
    assert deferred == ["photo", "contract", "health", "recognition"]


@translation.override("en")
def test_a_change_of_employer_says_what_is_exempt_and_what_is_carried() -> None:
    group = _guide("change_employer", None).materials_for("B-carried")
    assert group is not None
    assert group.title == "All categories · recognition carried over"
    assert [(m.kind, [str(n) for n in m.notes]) for m in group.items if not m.needed] == [
        ("experience", ["Not sent again: the recognition is carried over."]),
        ("degree", ["Not sent again: the recognition is carried over."]),
        ("criminal_record", ["Exempt at a change of employer."]),
        ("health", ["Exempt at a change of employer."]),
        ("recognition", ["Not sent again: the recognition is carried over."]),
    ]


def test_the_materials_page_shows_each_list(client: Client) -> None:
    page = _page(client, "new")
    for title in (
        "Categories A, B",
        "Category C",
        "Category A · signed commitment (承诺制), documents may follow (容缺受理)",
    ):
        assert '<h3 id="materials-' in page
        assert title in page
    assert "Issued within 6 months before submission." in page
    assert "Replaced by the signed commitment (Category A)." in page


# --- The extension: the guide and the enforcement change together -------------------------------


@pytest.fixture
def expiring(life: Life, employer, employer_admin, sh_decision, foreigner) -> Permit:
    permit = life.permit(employer, employer_admin, sh_decision, foreigner, TODAY)
    Permit.objects.filter(pk=permit.pk).update(valid_until=dt.date(2026, 12, 31))
    permit.refresh_from_db()
    return permit


def _extension_draft(actor: User, permit: Permit) -> Application:
    application = services.draft_create(
        actor=actor, employer=permit.employer, kind=AK.EXTENSION, permit=permit
    )
    services.draft_update(
        actor=actor,
        application=application,
        step="kind",
        contract_end=permit.valid_until + dt.timedelta(days=365),
    )
    for item in documents.checklist(application, TODAY):
        if item.at_submission:
            services.document_add(
                actor=actor, application=application, kind=item.kind, upload=pdf_upload()
            )
    application.refresh_from_db()
    return application


def _submit_page(user: User, application: Application) -> str:
    """Submit on the page, signed in at the moment the clock says (a session started on
    another day would have expired)."""
    client = Client()
    sign_in_verified(client, user)
    response = client.post(_url("permits:application_submit", application.pk), follow=True)
    return " ".join(html_of(response).split())


def _extension_form(user: User, application: Application) -> str:
    """The extension's own step of the application form, as the employer sees it."""
    client = Client()
    sign_in_verified(client, user)
    response = client.get(_url("permits:application_step", application.pk, "kind"))
    assert response.status_code == 200
    return " ".join(html_of(response).split())


def test_the_extension_guide_states_the_window_the_submission_enforces(
    clock, client: Client, expiring: Permit, employer_admin: User
) -> None:
    shanghai = region("310000")
    # Valid until 31 December 2026. An earlier day that only the national window allows,
    # and a later one that only Shanghai's new window allows.
    only_before, only_after = dt.date(2026, 10, 15), dt.date(2026, 12, 5)
    application = _extension_draft(employer_admin, expiring)

    # The guide: 90 to 30 days before expiry, the same dates the check names.
    window = _guide("extension", shanghai).time_limit("window")
    assert window is not None
    assert (window.number, window.number_to, window.unit) == (90, 30, guides.CALENDAR_DAYS)
    assert window.text == "From 90 to 30 days before expiry of the permit (both days included)."
    assert window.note == "For a permit valid until 2027-12-31: from 2027-10-02 to 2027-12-01."
    example = windows.extension_span(Permit(valid_until=dt.date(2027, 12, 31), region=shanghai))
    assert (example.first, example.last) == (dt.date(2027, 10, 2), dt.date(2027, 12, 1))
    assert "From 90 to 30 days before expiry of the permit" in _page(client, "extension")
    # The form says the same window, with this permit's dates.
    assert (
        "The permit is valid until 2026-12-31: the extension can be filed from 2026-10-02 to "
        "2026-12-01 (90 to 30 days before expiry)."
    ) in _extension_form(employer_admin, application)

    # The real submission, on the page: refused outside the window, naming its days.
    clock.set(only_after)
    page = _submit_page(employer_admin, application)
    assert (
        "An extension of a permit valid until 2026-12-31 can be applied for from 2026-10-02 to "
        "2026-12-01."
    ) in page
    application.refresh_from_db()
    assert application.state == Application.State.DRAFT
    clock.set(only_before)
    assert checks.submission_problems(application, only_before) == []

    # Shanghai sets its own window: 60 to 20 days.
    WindowRule.objects.create(
        kind=WindowRule.Kind.EXTENSION, region=shanghai, opens_days=60, closes_days=20
    )
    window = _guide("extension", shanghai).time_limit("window")
    assert window is not None
    assert window.text == "From 60 to 20 days before expiry of the permit (both days included)."
    assert window.note == "For a permit valid until 2027-12-31: from 2027-11-01 to 2027-12-11."
    assert "From 60 to 20 days before expiry of the permit" in _page(client, "extension")
    assert (
        "The permit is valid until 2026-12-31: the extension can be filed from 2026-11-01 to "
        "2026-12-11 (60 to 20 days before expiry)."
    ) in _extension_form(employer_admin, application)
    # The national guide keeps the national window.
    national = _guide("extension", None).time_limit("window")
    assert national is not None
    assert (national.number, national.number_to) == (90, 30)

    # A day allowed before is refused now...
    with pytest.raises(GuardFailed) as refused:
        services.application_transition(
            actor=employer_admin, application=application, name="submit"
        )
    assert [p["code"] for p in refused.value.details["problems"]] == ["extension_outside_window"]
    assert refused.value.details["problems"][0]["message"] == (
        "An extension of a permit valid until 2026-12-31 can be applied for from 2026-11-01 to "
        "2026-12-11."
    )
    application.refresh_from_db()
    assert application.state == Application.State.DRAFT
    # ... and a day refused before is allowed now, on the page.
    clock.set(only_after)
    page = _submit_page(employer_admin, application)
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    assert f"Application {application.number} is submitted." in page


def test_a_rule_change_gives_a_new_pdf(client: Client) -> None:
    url = _url("guides:pdf", "extension", region_code="310000")
    with mock.patch("portal.guides.render_pdf", wraps=guides.render_pdf) as rendered:
        before = client.get(url)
        again = client.get(url)
        WindowRule.objects.create(
            kind=WindowRule.Kind.EXTENSION, region=region("310000"), opens_days=60, closes_days=20
        )
        after = client.get(url)
    assert before.content == again.content
    assert rendered.call_count == 2
    assert before["ETag"] != after["ETag"]
    assert before.content != after.content
    assert after["Content-Disposition"] == 'attachment; filename="guide-extension-310000-en.pdf"'


# --- Clocks, windows, validity, quota, the labour-market test ------------------------------------


def _limits(content: guides.GuideContent) -> dict[str, tuple[str, int]]:
    return {t.key: (str(t.label), t.number) for t in content.time_limits}


def test_the_clocks_are_the_provinces_and_change_with_the_rule(employer) -> None:
    shanghai = region("310000")
    assert _limits(_guide("new", shanghai)) == {
        "clock-acceptance": ("Acceptance", 5),
        "clock-decision-A": ("Decision, Category A", 5),
        "clock-decision-BC": ("Decision, Categories B, C", 10),
        "clock-overall": ("Overall limit", 20),
        "clock-overall_extension": ("Extension of the overall limit", 10),
    }
    ClockRule.objects.create(
        stage=ClockRule.Stage.DECISION, region=shanghai, category="B", working_days=7
    )
    ClockRule.objects.create(stage=ClockRule.Stage.ACCEPTANCE, region=shanghai, working_days=3)
    limits = _limits(_guide("new", shanghai))
    assert limits["clock-acceptance"] == ("Acceptance", 3)
    assert limits["clock-decision-A"] == ("Decision, Category A", 5)
    assert limits["clock-decision-B"] == ("Decision, Category B", 7)
    assert limits["clock-decision-C"] == ("Decision, Category C", 10)
    # The clocks the workflow sets read the same rule.
    application = Application(kind=AK.NEW, region=shanghai, category="B")
    clocks.start_acceptance(application, TODAY)
    clocks.start_decision(application, TODAY)
    assert application.acceptance_due_on == add_working_days(TODAY, 3)
    assert application.decision_due_on == add_working_days(TODAY, 7)
    # Other provinces and the national guide keep the national limits.
    assert _limits(_guide("new", region("110000")))["clock-acceptance"] == ("Acceptance", 5)
    assert "clock-decision-BC" in _limits(_guide("new", None))


@translation.override("en")
def test_the_clocks_say_what_starts_and_pauses_them(client: Client) -> None:
    content = _guide("extension", None)
    decision = content.time_limit("clock-decision-BC")
    assert decision is not None
    assert decision.unit == guides.WORKING_DAYS
    assert decision.starts == "The day of acceptance."
    assert "Paused while information is requested" in str(decision.stops)
    page = _page(client, "extension", region_code="")
    assert (
        "Paused while information is requested (from the day after the request until the answer)"
        in page
    )


@pytest.mark.parametrize(
    ("key", "kind", "text"),
    [
        ("change", WindowRule.Kind.CHANGE, "Within {n} working days after the change."),
        (
            "cancellation",
            WindowRule.Kind.CANCELLATION,
            "From the day the contract ends to {n} working days after it.",
        ),
        (
            "after_entry",
            WindowRule.Kind.AFTER_ENTRY,
            "Within {n} calendar days after the date of entry.",
        ),
    ],
)
def test_the_other_windows_follow_their_rule(key: str, kind: str, text: str) -> None:
    shanghai = region("310000")
    national = WindowRule.objects.get(kind=kind, region__isnull=True).closes_days
    window = _guide(key, shanghai).time_limit("window")
    assert window is not None
    assert window.text == text.format(n=national)
    WindowRule.objects.create(kind=kind, region=shanghai, closes_days=national + 5)
    window = _guide(key, shanghai).time_limit("window")
    assert window is not None
    assert (window.number, window.text) == (national + 5, text.format(n=national + 5))


def test_the_change_window_is_the_one_the_due_date_uses() -> None:
    shanghai = region("310000")
    WindowRule.objects.create(kind=WindowRule.Kind.CHANGE, region=shanghai, closes_days=7)
    window = _guide("change", shanghai).time_limit("window")
    assert window is not None
    assert window.number == 7
    changed = dt.date(2026, 6, 1)
    assert windows.change_due_on(changed, shanghai.pk) == add_working_days(changed, window.number)


def _facts(content: guides.GuideContent) -> dict[str, str]:
    return {str(f.label): str(f.value) for f in content.facts}


def test_the_longest_permits_follow_the_validity_rules() -> None:
    shanghai = region("310000")
    facts = _facts(_guide("after_entry", shanghai))
    assert [facts[f"Longest permit, Category {c}"] for c in "ABC"] == [
        "60 months",
        "24 months",
        "12 months",
    ]
    ValidityRule.objects.create(category="B", region=shanghai, max_months=36)
    assert _facts(_guide("after_entry", shanghai))["Longest permit, Category B"] == "36 months"
    assert _facts(_guide("after_entry", None))["Longest permit, Category B"] == "24 months"


def test_the_category_c_quota_is_the_provinces_of_this_year(clock, client: Client) -> None:
    shanghai = region("310000")
    content = _guide("new", shanghai)
    assert _facts(content)["Category C places in 2026"] == "none"
    assert (
        "Category C is limited by quota, and Shanghai has no Category C places for 2026: no "
        "Category C application can be submitted there this year."
    ) in content.conditions
    allocation = QuotaAllocation.objects.create(region=shanghai, year=2026, places=12)
    QuotaAllocation.objects.create(region=shanghai, year=2025, places=99)
    content = _guide("new", shanghai)
    assert _facts(content)["Category C places in 2026"] == "12"
    assert (
        "Category C is limited by quota: Shanghai has 12 Category C places for 2026, taken by "
        "the Category C applications submitted that year."
    ) in content.conditions
    QuotaAllocation.objects.filter(pk=allocation.pk).update(places=40)
    assert _facts(_guide("new", shanghai))["Category C places in 2026"] == "40"
    assert "Shanghai has 40 Category C places for 2026" in _page(client, "new")
    # The national guide says that the quota is each province's.
    assert _facts(_guide("new", None))["Category C places in 2026"] == "set by each province"


def test_the_labour_market_test_is_the_rules_requirement(clock) -> None:
    shanghai = region("310000")
    with translation.override("en"):
        lines = permit_guides.labour_market_lines(shanghai, TODAY)
    assert lines == [
        "Category A: no labour-market test.",
        "Category B: advertise the post to domestic candidates for 30 calendar days first; the "
        "application can be submitted from the next working day after the advertising ends.",
        "Category C: advertise the post to domestic candidates for 30 calendar days first; the "
        "application can be submitted from the next working day after the advertising ends.",
        "Category B · route B-CATALOG: no labour-market test.",
    ]
    # Shanghai exempts Category C and tests software posts of Category B for 15 working days.
    LabourMarketRule.objects.create(
        region=shanghai, category="C", exempt=True, valid_from=dt.date(2026, 1, 1)
    )
    LabourMarketRule.objects.create(
        region=shanghai,
        category="B",
        occupation_prefix="2-02-10",
        advertising_days=15,
        counting=LabourMarketRule.Counting.WORKING,
        valid_from=dt.date(2026, 1, 1),
    )
    with translation.override("en"):
        lines = permit_guides.labour_market_lines(shanghai, TODAY)
        beijing = permit_guides.labour_market_lines(region("110000"), TODAY)
    assert "Category C: no labour-market test." in lines
    assert (
        "Category B · occupations 2-02-10: advertise the post to domestic candidates for 15 "
        "working days first; the application can be submitted from the next working day after "
        "the advertising ends."
    ) in lines
    # What the guide says is what the submission check asks of such a post.
    post = labour_market.Post(shanghai.pk, "B", "B-DEGREE", "2-02-10-03")
    need = labour_market.requirement(post, TODAY)
    assert need is not None
    assert (need.days, need.working_days) == (15, True)
    assert labour_market.requirement(labour_market.Post(shanghai.pk, "C"), TODAY) is None
    # Beijing keeps the national rules; the guides of the kinds not tested say so.
    assert "Category C: no labour-market test." not in beijing
    assert (
        "No labour-market test is asked for this kind of application."
        in _guide("extension", shanghai).conditions
    )


@translation.override("en")
def test_the_registration_guide_lists_the_registration_forms_fields() -> None:
    from permits.forms.registration import RegistrationForm

    content = _guide("registration", region("310000"))
    form = RegistrationForm(with_account=True)
    listed = [m.kind for group in content.materials for m in group.items]
    assert sorted(listed) == sorted(form.fields)
    uploads = next(g for g in content.materials if str(g.title) == "Uploads")
    assert [m.kind for m in uploads.items] == ["business_licence", "power_of_attorney"]
    optional = [m.kind for group in content.materials for m in group.items if m.optional]
    assert optional == [name for name, field in form.fields.items() if not field.required]
    assert _facts(content)["Power of attorney to a service agency"] == "at most 3 years"


# --- Pages that start a procedure link to its guide ----------------------------------------------


def test_the_start_pages_link_to_their_guides(
    client: Client, employer_admin: User, employer: Organization
) -> None:
    signed_in = Client()
    sign_in_verified(signed_in, employer_admin)
    html = html_of(signed_in.get(_url("permits:application_start")))
    assert f'href="{_url("guides:list")}"' in html
    html = html_of(
        signed_in.get(
            _url("permits:application_start_from", "extension") + f"?employer={employer.pk}"
        )
    )
    assert f'href="{_url("guides:guide", "extension")}?region=310000"' in html
    html = html_of(client.get(_url("permits:registration_start")))
    assert f'href="{_url("guides:guide", "registration")}"' in html


# --- The page's cost -----------------------------------------------------------------------------


# The extension guide of a province: 1 the provinces (the selector), 3 the window (the rule,
# and its example through windows.extension_span, which reads the permit's province by id
# first), 12 the clocks (four stages, three
# categories, clocks.limit each), 3 the longest permits (validity_months per category),
# 1 the province's authority for help, 1 the texts published about the procedure. (An
# extension takes no Category C place: the quota is not read.)
def test_the_extension_guide_page_costs_a_fixed_number_of_queries(
    client: Client, django_assert_num_queries: Any
) -> None:
    url = _url("guides:guide", "extension", region_code="310000")
    with django_assert_num_queries(1 + 3 + 12 + 3 + 1 + 1):
        assert client.get(url).status_code == 200
