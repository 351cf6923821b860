"""Demonstration data of credit records and objections, loaded by ``manage.py seed_demo``.

Made through the services, as the inspectors and employers would, today:

* Xuhui International Language School (Shanghai): a serious, disclosed record of illegal
  employment, so it is on the public dishonesty list and blocked from new applications;
  its administrator objected and the Shanghai inspector ``sh.inspector`` has taken the
  objection up (under review);
* Zhujiang Biopharma (Guangzhou): a minor record (a change reported late), so it is in
  attention;
* Pujiang Tech (Shanghai): a commendation, which leaves its standing good (the permits
  demo keeps working for it).

Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from portal.models import Organization, User

from . import services
from .constants import Source
from .models import CreditRecord

# A one-page PDF the upload check accepts (the content is a placeholder scan).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
DISHONEST_REFERENCE = "DEMO-INSP-2026-001"


def load(
    *,
    stdout: Any = None,
    users: dict[str, User],
    organizations: dict[str, Organization],
    **kwargs: Any,
) -> None:
    if CreditRecord.objects.filter(reference=DISHONEST_REFERENCE).exists():
        return
    today = timezone.localdate()
    inspector = users["sh.inspector"]
    school = organizations["xuhui_school"]
    dishonest = services.record_create(
        actor=inspector,
        kind="illegal_employment",
        organization=school,
        facts=(
            "检查发现该校聘用两名未取得工作许可的外籍教师。"
            " / The inspection found two foreign teachers employed without work permits."
        ),
        source=Source.INSPECTION,
        effective_from=today - dt.timedelta(days=30),
        effective_until=today + dt.timedelta(days=3 * 365 - 30),
        fine_cny=20_000,
        persons=2,
        disclosed=True,
        reference=DISHONEST_REFERENCE,
    )
    objection = services.objection_file(
        actor=users["school.admin"],
        record=dishonest,
        statement=(
            "两名教师的工作许可已于检查前提交申请，附受理回执。"
            " / Both teachers' permits had been applied for before the inspection; the "
            "acceptance receipts are attached."
        ),
        evidence=[ContentFile(DEMO_PDF, name="acceptance-receipts.pdf")],
    )
    services.objection_transition(actor=inspector, objection=objection, transition="take_up")
    services.record_create(
        actor=None,  # an operator: the demo has no Guangdong inspector
        kind="late_change_report",
        organization=organizations["zhujiang_bio"],
        facts=(
            "变更工作地点未在10日内申报。 / A change of workplace was reported after the "
            "10 days allowed."
        ),
        source=Source.APPLICATION_REVIEW,
        effective_from=today - dt.timedelta(days=60),
        effective_until=today + dt.timedelta(days=305),
        reference="DEMO-GD-2026-017",
    )
    services.record_create(
        actor=inspector,
        kind="commendation",
        organization=organizations["pujiang_tech"],
        facts=(
            "连续三年依法聘用外国人，材料规范。 / Three years of lawful employment of "
            "foreigners with complete, accurate documents."
        ),
        source=Source.INSPECTION,
        effective_from=today - dt.timedelta(days=10),
        effective_until=today + dt.timedelta(days=720),
        reference="DEMO-SH-COMMEND-2026",
    )
    if stdout is not None:
        stdout.write("Credit: 3 records, 1 objection under review (sh.inspector).")
