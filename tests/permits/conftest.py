"""Fixtures of the permits tests.

The rules (time limits, validity caps, windows, reasons), the national standards and the
points tables are loaded by migration, as in production. Here: a slice of the occupation
classification, a Shanghai Guidance Catalog in force listing 2-02-10-03 (computer
software engineering), average wages of Shanghai and Beijing, a Shanghai employer with its
admin, a service agency, officers of Shanghai and Beijing, and a foreign worker with a
passport. Each part's tests build what they need beyond this through the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from catalogs.models import Occupation
from permits.models import Application
from portal.models import Foreigner, Organization, Passport, Region, User
from portal.models.filing import FilingState
from portal.roles import Role
from talent_standards.models import AverageWage
from tests.catalogs.conftest import SLICE, create_occupations, make_catalog
from tests.factories import OrganizationFactory, RoleHelper

# A fixed "today" for tests that pin dates: a Monday with no holiday near it.
TODAY = dt.date(2026, 6, 8)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def occupations(db: None) -> dict[str, Occupation]:
    return create_occupations(SLICE)


@pytest.fixture
def shanghai_catalog(occupations: dict[str, Occupation]) -> Any:
    """Shanghai's catalog in force from 2026-01-01 for 3 years, listing software engineers
    (bachelor's degree, 2 years' experience, at least 200,000 CNY a year)."""
    return make_catalog(
        "310000",
        state=FilingState.PUBLISHED,
        effective_from=dt.date(2026, 1, 1),
        expires_on=dt.date(2028, 12, 31),
        entries={
            "2-02-10-03": {
                "category": "B",
                "min_education": "bachelor",
                "min_experience_years": 2,
                "min_annual_salary_cny": Decimal("200000"),
            }
        },
        occupations=occupations,
    )


@pytest.fixture
def wages(db: None) -> None:
    """Average wages of the previous years (the salary-multiple routes need them)."""
    for code, amount in (("310000", "191844"), ("110000", "201504")):
        for year in (2024, 2025, 2026):
            AverageWage.objects.update_or_create(
                region=region(code), year=year, defaults={"amount_cny": Decimal(amount)}
            )


@pytest.fixture
def employer(db: None) -> Organization:
    return OrganizationFactory(region=region("310000"), name_zh="上海测试科技有限公司")


@pytest.fixture
def employer_admin(roles: RoleHelper, employer: Organization) -> User:
    return roles.user(Role.EMPLOYER_ADMIN, organization=employer)


@pytest.fixture
def beijing_employer(db: None) -> Organization:
    return OrganizationFactory(region=region("110000"), name_zh="北京测试科技有限公司")


@pytest.fixture
def beijing_admin(roles: RoleHelper, beijing_employer: Organization) -> User:
    return roles.user(Role.EMPLOYER_ADMIN, organization=beijing_employer)


@pytest.fixture
def agency(db: None) -> Organization:
    return OrganizationFactory(agency=True, region=region("310000"), name_zh="上海测试人才服务公司")


@pytest.fixture
def agent(roles: RoleHelper, agency: Organization) -> User:
    return roles.user(Role.AGENCY_AGENT, organization=agency)


@pytest.fixture
def sh_acceptance(roles: RoleHelper) -> User:
    return roles.user(Role.ACCEPTANCE_OFFICER, region_code="310000")


@pytest.fixture
def sh_decision(roles: RoleHelper) -> User:
    return roles.user(Role.DECISION_OFFICER, region_code="310000")


@pytest.fixture
def bj_acceptance(roles: RoleHelper) -> User:
    return roles.user(Role.ACCEPTANCE_OFFICER, region_code="110000")


@pytest.fixture
def bj_decision(roles: RoleHelper) -> User:
    return roles.user(Role.DECISION_OFFICER, region_code="110000")


@pytest.fixture
def foreigner(db: None) -> Foreigner:
    person = Foreigner.objects.create(
        surname="MUELLER",
        given_names="ANNA MARIA",
        sex=Foreigner.Sex.FEMALE,
        date_of_birth=dt.date(1990, 3, 14),
        nationality="DEU",
    )
    Passport.objects.create(
        foreigner=person,
        number="C01X00T47",
        issuing_country="DEU",
        issue_date=dt.date(2022, 1, 10),
        expiry_date=dt.date(2032, 1, 9),
    )
    return person


def open_applications() -> int:
    return Application.objects.exclude(state=Application.State.DRAFT).count()


# --- The life of letters and permits (issuance, windows, tasks) ----------------------------------


# Kinds that state a job with its contract (the others concern a permit and state only
# what changes).
JOB_KINDS = frozenset(
    {
        Application.Kind.NEW,
        Application.Kind.SHORT_TERM,
        Application.Kind.AFTER_ENTRY,
        Application.Kind.CHANGE_EMPLOYER,
    }
)


class Life:
    """Letters and permits in a given state, for the issuance and permit-life tests.

    Applications are made through the ORM in the state the test needs (``under_review``
    for an approval); ``approve`` runs the approval's issuance (``permits.issuance``) at
    10:00 China time on the day given, with ``timezone.now`` moved there, as the engine's
    approve effect does. ``at(day)`` moves the clock for anything else."""

    def __init__(self, occupations: dict[str, Occupation]) -> None:
        self.occupations = occupations
        self.counter = 0

    @staticmethod
    def moment(day: dt.date, hour: int = 10) -> dt.datetime:
        from zoneinfo import ZoneInfo

        return dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))

    def at(self, day: dt.date) -> Any:
        from unittest import mock

        return mock.patch("django.utils.timezone.now", return_value=self.moment(day))

    def person(
        self, surname: str = "SMITH", *, passport: str = "P1234567", expires: dt.date | None = None
    ) -> Foreigner:
        person = Foreigner.objects.create(
            surname=surname,
            given_names="JOHN",
            sex=Foreigner.Sex.MALE,
            date_of_birth=dt.date(1985, 5, 5),
            nationality="GBR",
        )
        Passport.objects.create(
            foreigner=person,
            number=passport,
            issuing_country="GBR",
            issue_date=dt.date(2020, 1, 1),
            expiry_date=expires or dt.date(2030, 1, 1),
        )
        return person

    def application(
        self,
        kind: str,
        *,
        employer: Organization,
        user: User,
        foreigner: Foreigner,
        submitted: dt.date = TODAY,
        state: str = Application.State.UNDER_REVIEW,
        **fields: Any,
    ) -> Application:
        self.counter += 1
        province = fields.pop("region", None) or employer.region
        values: dict[str, Any] = {
            "region": province,
            "work_region": province,
            "passport": foreigner.passports.get(is_current=True),
            "occupation": self.occupations["2-02-10-03"],
            "job_title": "Software engineer",
            "annual_salary_cny": Decimal("480000"),
            "contract_start": submitted if kind in JOB_KINDS else None,
            "contract_end": dt.date(2030, 6, 30) if kind in JOB_KINDS else None,
            "category": "B",
            "route_code": "B-CATALOG",
            "route_source": "national:2025",
        }
        values.update(fields)
        return Application.objects.create(
            number=f"T{submitted:%Y%m%d}{self.counter:05d}",
            kind=kind,
            state=state,
            employer=employer,
            created_by=user,
            foreigner=foreigner,
            submitted_at=None if state == Application.State.DRAFT else self.moment(submitted, 9),
            **values,
        )

    def documents(self, application: Application, day: dt.date) -> None:
        """Every document of the application's checklist, issued on ``day`` (one stored
        file behind them all: the content is not what these tests are about)."""
        from permits import documents
        from permits.models import Document
        from portal.models import StoredFile

        stored = StoredFile.objects.create(
            file="tests/document.pdf",
            original_name="document.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=application.created_by,
            uploaded_at=self.moment(day),
        )
        for item in documents.checklist(application, day):
            Document.objects.create(
                application=application,
                kind=item.kind,
                file=stored,
                issued_on=day,
                uploaded_by=application.created_by,
                uploaded_at=self.moment(day),
            )

    def approve(self, application: Application, officer: User, day: dt.date) -> Application:
        """What the engine's approve does around ``issue_on_approval``, on ``day``."""
        from django.db import transaction

        from permits import issuance
        from permits.workflows.application import APPLICATION_WORKFLOW
        from portal.workflow import TransitionContext

        with self.at(day), transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=application.pk)
            context = TransitionContext(
                actor=officer,
                transition=APPLICATION_WORKFLOW.get("approve"),
                from_state=locked.state,
                reason="",
                payload={},
                now=self.moment(day),
            )
            changed = issuance.issue_on_approval(locked, context)
            locked.state = Application.State.APPROVED
            locked.decided_at = context.now
            locked.save(update_fields=["state", "decided_at", *changed])
        return locked

    def letter(
        self, employer: Organization, user: User, officer: User, foreigner: Foreigner, day: dt.date
    ) -> Any:
        application = self.application(
            Application.Kind.NEW, employer=employer, user=user, foreigner=foreigner, submitted=day
        )
        self.approve(application, officer, day)
        return application.issued_letter

    def permit(
        self,
        employer: Organization,
        user: User,
        officer: User,
        foreigner: Foreigner,
        day: dt.date,
        **fields: Any,
    ) -> Any:
        """A letter on ``day`` and the work permit after entry on the same day."""
        letter = self.letter(employer, user, officer, foreigner, day)
        application = self.application(
            Application.Kind.AFTER_ENTRY,
            employer=employer,
            user=user,
            foreigner=foreigner,
            submitted=day,
            letter=letter,
            entry_date=day,
            **fields,
        )
        self.approve(application, officer, day)
        return application.issued_permit


@pytest.fixture
def life(occupations: dict[str, Occupation]) -> Life:
    return Life(occupations)


# --- Drafting, checks and the application workflow (permits.services.applications) -------------

# A small PDF that the upload check accepts (content, not name, decides).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# The fixture ``foreigner`` as the worker step of the form types it.
WORKER = {
    "surname": "MUELLER",
    "given_names": "ANNA MARIA",
    "sex": "F",
    "date_of_birth": dt.date(1990, 3, 14),
    "nationality": "DEU",
    "passport_number": "C01X00T47",
    "passport_country": "DEU",
    "passport_issue_date": dt.date(2022, 1, 10),
    "passport_expiry_date": dt.date(2032, 1, 9),
}


def pdf_upload(name: str = "document.pdf", content: bytes = PDF) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


class Clock:
    """``timezone.now`` moved to 10:00 China time on a day (``set``), for the services,
    the workflow engine and the audit log alike."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.today = TODAY

    def set(self, day: dt.date, hour: int = 10) -> None:
        from zoneinfo import ZoneInfo

        from django.utils import timezone

        moment = dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))
        self.today = day
        self.monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The clock at ``TODAY`` (a Monday), movable with ``clock.set(day)``."""
    moved = Clock(monkeypatch)
    moved.set(TODAY)
    return moved


def _advertised(actor: User, application: Application, today: dt.date) -> None:
    """The labour-market test of a post that needs one (``permits.labour_market``): the
    post advertised for 36 days, ended 10 days before ``today``."""
    from permits import checks, labour_market
    from permits.services import applications as services

    if application.kind not in labour_market.KINDS:
        return
    recognition = checks.recognize(application, today)
    post = labour_market.post_of(
        application, category=recognition.category, route_code=recognition.route_code
    )
    if labour_market.requirement(post, today) is None:
        return
    services.draft_update(
        actor=actor,
        application=application,
        step=labour_market.STEP,
        vacancy_job_title=application.job_title,
        vacancy_occupation=application.occupation.code if application.occupation else "",
        requirements="Bachelor's degree, 3 years of experience.",
        vacancy_salary_cny=str(application.annual_salary_cny or 0),
        channels=["public_employment"],
        advertised_from=today - dt.timedelta(days=45),
        advertised_until=today - dt.timedelta(days=10),
        applications_received=0,
    )


def draft_ready(
    actor: User,
    employer: Organization,
    *,
    kind: str = Application.Kind.NEW,
    job: dict[str, Any] | None = None,
    worker: dict[str, Any] | None = None,
    facts: dict[str, Any] | None = None,
    documents: bool = True,
    issued: dt.date | None = None,
    vacancy: bool = True,
) -> Application:
    """A complete draft through the services: by default a Category B software engineer in
    Shanghai (bachelor's, 5 years, 300,000 CNY) with every document the checklist asks for
    at submission, certificates issued ``issued`` (default 30 days before today), and the
    post's labour-market test when it needs one (``vacancy``)."""
    from django.utils import timezone

    from permits.documents import CERTIFICATES, checklist
    from permits.services import applications as services

    today = timezone.localdate()
    application = services.draft_create(actor=actor, employer=employer, kind=kind)
    application = services.draft_update(
        actor=actor,
        application=application,
        step="job",
        **{
            "occupation": "2-02-10-03",
            "job_title": "Software engineer",
            "work_region": "310000",
            "annual_salary_cny": "300000",
            "contract_start": today + dt.timedelta(days=30),
            "contract_end": today + dt.timedelta(days=30 + 730),
            "months_in_china_per_year": "12",
            **(job or {}),
        },
    )
    application = services.draft_update(
        actor=actor, application=application, step="worker", **{**WORKER, **(worker or {})}
    )
    application = services.draft_update(
        actor=actor,
        application=application,
        step="facts",
        **{"education": "bachelor", "experience_years": "5", **(facts or {})},
    )
    if vacancy:
        _advertised(actor, application, today)
    if documents:
        from permits import checks

        category = checks.recognize(application, today).category or None
        for item in checklist(application, today, category=category):
            if not item.at_submission:
                continue
            services.document_add(
                actor=actor,
                application=application,
                kind=item.kind,
                upload=pdf_upload(f"{item.kind}.pdf"),
                issued_on=(issued or today - dt.timedelta(days=30))
                if item.kind in CERTIFICATES
                else None,
            )
    application.refresh_from_db()
    return application
