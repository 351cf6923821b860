"""Demonstration data of the permits app, loaded by ``manage.py seed_demo``.

Everything an employer, an agency and the officers of Shanghai and Beijing need to try the
portal, made through the services as people would (so the history, the audit log and the
clocks are real), today:

* a registration of a new Shanghai company waiting for the acceptance officers;
* Pujiang Tech's power of attorney to the demo service agency, for a year;
* Pujiang Tech (Shanghai): a draft to resume; a Category B software engineer (catalog
  listed) waiting for acceptance; one under review with an information request open; one
  approved with its Notification Letter; a worker with a Work Permit whose extension window
  is open; and a Category A application with commitment letters, filed by the agency with
  documents to follow and accepted;
* Haidian AI (Beijing): one application waiting for Beijing's acceptance officers.
* every Category B post outside the Guidance Catalog carries its labour-market test: the
  post advertised for 36 days, ending 10 days ago, three domestic applicants and why
  they were not suitable (``permits.labour_market``);
* one application rejected after review, with its decision not to grant;
* every decision issues its documents (letters, the permit, the decisions) as signed PDFs.

The permit in its extension window is the one historical record: issued today through the
services, its dates are then moved back as data (a permit granted two years ago), which
is what the demo needs and what no service may do. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from permits import checks, labour_market
from permits.documents import CERTIFICATES, checklist
from permits.legacy_models import LegacyDocument
from permits.models import Application, Permit, PowerOfAttorney, QuotaAllocation, Registration
from permits.rules import add_months
from permits.services import applications as services
from permits.services import legacy as legacy_services
from permits.services import registration as registration_services
from portal import documents
from portal.models import Foreigner, Organization, Region, User

# A one-page PDF the upload check accepts (the content is a placeholder scan).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# surname, given names, sex, born, nationality, passport, issued, expires
WORKERS = {
    "mueller": ("MUELLER", "ANNA MARIA", "F", (1990, 3, 14), "DEU", "C01X00T47", (2022, 1, 10)),
    "tanaka": ("TANAKA", "HIROSHI", "M", (1986, 7, 2), "JPN", "TR1234567", (2021, 5, 20)),
    "dubois": ("DUBOIS", "CAMILLE", "F", (1993, 11, 30), "FRA", "19AB12345", (2023, 2, 1)),
    "smith": ("SMITH", "JAMES", "M", (1984, 1, 22), "GBR", "532018734", (2020, 9, 15)),
    "garcia": ("GARCIA LOPEZ", "MARIA", "F", (1978, 6, 5), "ESP", "PAA123456", (2022, 6, 1)),
    "kim": ("KIM", "MINJUN", "M", (1991, 4, 18), "KOR", "M12345678", (2022, 8, 8)),
    "okafor": ("OKAFOR", "CHINEDU", "M", (1988, 12, 1), "NGA", "A09876543", (2021, 3, 3)),
    "novak": ("NOVAK", "PETRA", "F", (1995, 9, 9), "CZE", "45123987", (2021, 11, 2)),
}
LEGACY_NUMBER = "3100002016001234"  # an Alien Employment Licence number of 2016


def _refresh_pending_documents(*subjects: Any) -> None:
    """Rebuild the frozen content of documents not yet rendered (the demo moved their
    subject's dates as data, which no service may do)."""
    for subject in subjects:
        subject.refresh_from_db()
        for document in documents.documents_of(subject).filter(state="pending"):
            content = documents.KINDS[document.kind].build(subject, document.issued_on)
            document.context = documents.freeze(content.context)
            document.facts = documents.freeze(content.facts)
            document.save(update_fields=["context", "facts"])


def _legacy_licence(officer: User, employer: Organization, today: dt.date) -> None:
    """An Alien Employment Licence of 2016, still valid: verify it by number on the public
    page (OKAFOR CHINEDU); a new work permit at Pujiang Tech would close it."""
    if LegacyDocument.objects.filter(number=LEGACY_NUMBER).exists():
        return
    legacy_services.legacy_record(
        actor=officer,
        region=Region.objects.get(code="310000"),
        values={
            **_worker("okafor"),
            "kind": LegacyDocument.Kind.ALIEN_EMPLOYMENT_LICENCE,
            "number": LEGACY_NUMBER,
            "name_zh": "",
            "employer_uscc": employer.uscc,
            "valid_from": dt.date(2016, 9, 1),
            "valid_until": max(today + dt.timedelta(days=180), dt.date(2027, 8, 31)),
        },
    )


def _pdf(name: str) -> ContentFile:
    return ContentFile(DEMO_PDF, name=name)


def _worker(key: str) -> dict[str, Any]:
    surname, given, sex, born, nationality, passport, issued = WORKERS[key]
    issue_date = dt.date(*issued)
    return {
        "surname": surname,
        "given_names": given,
        "sex": sex,
        "date_of_birth": dt.date(*born),
        "nationality": nationality,
        "passport_number": passport,
        "passport_country": nationality,
        "passport_issue_date": issue_date,
        "passport_expiry_date": issue_date.replace(year=issue_date.year + 10) - dt.timedelta(1),
    }


def _draft(
    actor: User,
    employer: Organization,
    worker: str,
    *,
    today: dt.date,
    job: dict[str, Any] | None = None,
    facts: dict[str, Any] | None = None,
    documents: bool = True,
    at_acceptance: bool = True,
) -> Application:
    """A complete draft (job, worker, facts) with the documents its checklist asks for."""
    application = services.draft_create(actor=actor, employer=employer, kind=Application.Kind.NEW)
    application = services.draft_update(
        actor=actor,
        application=application,
        step="job",
        **{
            "occupation": "2-02-10-03",
            "job_title": "高级软件工程师 Senior software engineer",
            "work_region": employer.region.code if employer.region else "310000",
            "annual_salary_cny": "420000",
            "contract_start": today + dt.timedelta(days=45),
            "contract_end": today + dt.timedelta(days=45 + 3 * 365),
            "months_in_china_per_year": "12",
            **(job or {}),
        },
    )
    application = services.draft_update(
        actor=actor, application=application, step="worker", **_worker(worker)
    )
    application = services.draft_update(
        actor=actor,
        application=application,
        step="facts",
        **{"education": "master", "experience_years": "6", "hsk_level": 3, **(facts or {})},
    )
    recognition = checks.recognize(application, today)
    post = labour_market.post_of(
        application, category=recognition.category, route_code=recognition.route_code
    )
    if labour_market.requirement(post, today) is not None:
        application = services.draft_update(
            actor=actor,
            application=application,
            step=labour_market.STEP,
            vacancy_job_title=application.job_title,
            vacancy_occupation=application.occupation.code if application.occupation else "",
            requirements="计算机或相关专业硕士，五年以上分布式系统开发经验，英语流利。\n"
            "Master's in computer science or related, 5+ years of distributed systems, "
            "fluent English.",
            vacancy_salary_cny=str(application.annual_salary_cny or "420000"),
            channels=["public_employment", "job_site"],
            channel_details="上海公共招聘网 Shanghai public job board; 51job.com",
            advertised_from=today - dt.timedelta(days=45),
            advertised_until=today - dt.timedelta(days=10),
            applications_received=3,
            reasons_unsuitable="三名应聘者均无分布式系统开发经验。\n"
            "None of the three applicants had experience of distributed systems.",
        )
    if documents:
        category = recognition.category or None
        for item in checklist(application, today, category=category):
            needed = item.at_submission or (at_acceptance and item.at_acceptance)
            if not needed:
                continue
            services.document_add(
                actor=actor,
                application=application,
                kind=item.kind,
                upload=_pdf(f"{item.kind}.pdf"),
                issued_on=today - dt.timedelta(days=20) if item.kind in CERTIFICATES else None,
            )
    application.refresh_from_db()
    return application


def _submit(actor: User, application: Application) -> Application:
    return services.application_transition(actor=actor, application=application, name="submit")


def _accept(officer: User, application: Application) -> Application:
    return services.application_transition(actor=officer, application=application, name="accept")


def _registration(password_hash: str) -> None:
    if Registration.objects.filter(uscc="91310115MA1H7NEW2M").exists():
        return
    registration_services.registration_submit(
        actor=None,
        data=registration_services.RegistrationData(
            kind=Registration.Kind.EMPLOYER,
            uscc="91310115MA1H7NEW2M",
            name_zh="上海临港新材料科技有限公司（演示）",
            name_en="Shanghai Lingang New Materials Co., Ltd. (demo)",
            region=Region.objects.get(code="310115")
            if Region.objects.filter(code="310115").exists()
            else Region.objects.get(code="310000"),
            address="上海市浦东新区临港大道 1 号",
            legal_representative="唐宁",
            handler_name="邵晨 Shao Chen",
            handler_phone="+86 21 5555 0101",
            handler_email="handler.lingang@example.com",
        ),
        business_licence=_pdf("营业执照.pdf"),
        power_of_attorney=_pdf("授权委托书.pdf"),
        account=registration_services.Account(
            username="lingang.handler",
            email="handler.lingang@example.com",
            # Replaced below by the demo accounts' password.
            password=User.objects.make_random_password(length=24)
            if hasattr(User.objects, "make_random_password")
            else f"x-{timezone.now().timestamp()}-Demo",
        ),
    )
    # The handler signs in with the same demo password as every demo account.
    User.objects.filter(username="lingang.handler").update(password=password_hash)


def load(
    *,
    stdout: Any = None,
    users: dict[str, User],
    organizations: dict[str, Organization],
    **kwargs: Any,
) -> None:
    today = timezone.localdate()
    # Category C places of this year and the next (demonstration figures: each province
    # sets its own); without an allocation no Category C application can be submitted.
    for code in ("310000", "110000", "440000"):
        for year in (today.year, today.year + 1):
            QuotaAllocation.objects.get_or_create(
                region=Region.objects.get(code=code),
                year=year,
                defaults={"places": 200, "source": "演示数据 / demonstration figure"},
            )
    if Application.objects.filter(employer=organizations["pujiang_tech"]).exists():
        return
    admin = users["employer.admin"]
    agent = users["agency.agent"]
    pujiang = organizations["pujiang_tech"]
    haidian = organizations["haidian_ai"]
    sh_acceptance, sh_decision = users["sh.acceptance"], users["sh.decision"]

    with transaction.atomic():
        _registration(admin.password)
        _legacy_licence(sh_acceptance, pujiang, today)
        if not PowerOfAttorney.objects.filter(employer=pujiang).exists():
            registration_services.power_of_attorney_grant(
                actor=admin,
                employer=pujiang,
                agency=organizations["talent_services"],
                valid_from=today,
                valid_until=add_months(today, 12) - dt.timedelta(days=1),
            )

        # A draft to resume: the job is filled in, the worker not yet.
        draft = services.draft_create(actor=admin, employer=pujiang, kind=Application.Kind.NEW)
        services.draft_update(
            actor=admin,
            application=draft,
            step="job",
            occupation="2-02-10-04",
            job_title="网络架构师 Network architect",
            work_region="310000",
            annual_salary_cny="360000",
        )

        # Waiting for acceptance: a Category B software engineer, listed in the catalog.
        _submit(
            admin,
            _draft(
                admin,
                pujiang,
                "mueller",
                today=today,
                facts={"category": "B", "route_code": "B-CATALOG"},
            ),
        )

        # Under review, the officer asks for a translation of the degree certificate.
        asked = _accept(
            sh_acceptance, _submit(admin, _draft(admin, pujiang, "tanaka", today=today))
        )
        services.application_transition(
            actor=sh_decision,
            application=asked,
            name="request_information",
            payload={
                "message": "请补充学位证书的中文译本。"
                " Please add a Chinese translation of the degree.",
                "items": [
                    {
                        "text": "学位证书中文译本（加盖翻译机构公章） / Chinese translation of the "
                        "degree certificate, sealed by a translation agency",
                        "document_kind": "degree",
                    }
                ],
            },
        )

        # Approved: the Notification Letter is issued.
        approved = _accept(
            sh_acceptance, _submit(admin, _draft(admin, pujiang, "dubois", today=today))
        )
        services.application_transition(actor=sh_decision, application=approved, name="approve")

        # A Work Permit granted two years ago, now inside its extension window.
        letter_app = _accept(
            sh_acceptance, _submit(admin, _draft(admin, pujiang, "smith", today=today))
        )
        services.application_transition(actor=sh_decision, application=letter_app, name="approve")
        letter_app.refresh_from_db()
        after_entry = services.draft_create(
            actor=admin,
            employer=pujiang,
            kind=Application.Kind.AFTER_ENTRY,
            letter=letter_app.issued_letter,
        )
        services.draft_update(actor=admin, application=after_entry, step="kind", entry_date=today)
        for item in checklist(after_entry, today):
            if item.at_submission:
                services.document_add(
                    actor=admin,
                    application=after_entry,
                    kind=item.kind,
                    upload=_pdf(f"{item.kind}.pdf"),
                    issued_on=today - dt.timedelta(days=10) if item.kind in CERTIFICATES else None,
                )
        after_entry = _accept(sh_acceptance, _submit(admin, after_entry))
        services.application_transition(actor=sh_decision, application=after_entry, name="approve")
        after_entry.refresh_from_db()
        permit = after_entry.issued_permit
        granted = today - dt.timedelta(days=2 * 365 - 60)
        Permit.objects.filter(pk=permit.pk).update(
            valid_from=granted, valid_until=today + dt.timedelta(days=60)
        )
        # Its documents are rendered when this transaction commits: they say what the
        # moved record says.
        _refresh_pending_documents(permit, after_entry)

        # Rejected after review, with the reason, both texts and the routes not met.
        refused = _accept(
            sh_acceptance, _submit(admin, _draft(admin, pujiang, "novak", today=today))
        )
        services.application_transition(
            actor=sh_decision,
            application=refused,
            name="reject",
            reason="岗位不属于急需紧缺岗位 / the post is not one that needs a foreign worker",
            payload={
                "reasons": ["DEC-POST"],
                "text_zh": "该岗位为一般行政岗位，可在国内劳动力市场招聘。",
                "text_en": "The post is a general administrative one that can be filled on "
                "the domestic labour market.",
            },
        )

        # Category A (salary at least six times the average wage) with commitment letters:
        # filed by the agency with only the form, passport and commitment, and accepted.
        high_end = _draft(
            agent,
            pujiang,
            "garcia",
            today=today,
            job={
                "occupation": "2-02-38-01",
                "job_title": "首席科学家 Chief scientist",
                "annual_salary_cny": "1800000",
            },
            facts={
                "education": "doctorate",
                "experience_years": "20",
                "category": "A",
                "commitment_letters": True,
            },
            at_acceptance=False,
        )
        _accept(sh_acceptance, _submit(agent, high_end))

        # Beijing: waiting for Beijing's acceptance officers (Shanghai's never see it).
        _submit(
            users["bj.employer.admin"],
            _draft(
                users["bj.employer.admin"],
                haidian,
                "kim",
                today=today,
                job={"occupation": "2-02-38-01", "work_region": "110000"},
                facts={"education": "doctorate", "experience_years": "4"},
            ),
        )
    if stdout is not None:
        counts = {
            state: Application.objects.filter(state=state).count() for state in Application.State
        }
        stdout.write(
            "  applications: "
            + ", ".join(f"{state} {n}" for state, n in counts.items() if n)
            + f"; foreign workers: {Foreigner.objects.count()}; registrations waiting: "
            + f"{Registration.objects.filter(state=Registration.State.SUBMITTED).count()}"
            + " (its handler signs in as lingang.handler with the demo password)"
        )
