"""Demonstration data of the inspection campaigns: one closed and published campaign in
Shanghai by ``sh.inspector`` and a second inspector, with its outcomes. Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal import services as portal_services
from portal.identifiers import uscc_check_character
from portal.models import Organization, Region, User
from portal.roles import Role

from . import inspections
from .inspection_models import InspectionAssignment, InspectionCampaign

CAMPAIGN_NAME = "2026年上海市外国人就业单位双随机抽查（演示）"
SECOND_INSPECTOR = "sh.inspector2"
# Shanghai employers of the demo population (besides those the kernel's demo registers).
EMPLOYERS = [
    ("上海外滩咨询有限公司（演示）", "Shanghai Bund Consulting Co., Ltd. (demo)", 101),
    ("上海张江生物科技有限公司（演示）", "Shanghai Zhangjiang Bioscience Co., Ltd. (demo)", 102),
    ("上海虹桥国际贸易有限公司（演示）", "Shanghai Hongqiao Trading Co., Ltd. (demo)", 103),
    ("上海静安设计有限公司（演示）", "Shanghai Jing'an Design Co., Ltd. (demo)", 104),
]


def _uscc(n: int) -> str:
    first17 = f"91310000MA{n:07d}"
    return first17 + uscc_check_character(first17)


def _employers(shanghai: Region) -> list[Organization]:
    found = []
    for name_zh, name_en, n in EMPLOYERS:
        organization = Organization.objects.filter(uscc=_uscc(n)).first()
        if organization is None:
            organization = portal_services.organization_create(
                actor=None,
                kind=Organization.Kind.EMPLOYER,
                name_zh=name_zh,
                name_en=name_en,
                region=shanghai,
                uscc=_uscc(n),
            )
        found.append(organization)
    return found


def _second_inspector(organization: Organization | None, shanghai: Region) -> User:
    user = User.objects.filter(username=SECOND_INSPECTOR).first()
    if user is None:
        user = portal_services.user_create(
            actor=None,
            username=SECOND_INSPECTOR,
            email=f"{SECOND_INSPECTOR}@example.com",
            full_name="邓洁 Deng Jie",
            organization=organization,
        )
        portal_services.role_grant(actor=None, user=user, role=Role.INSPECTOR, region=shanghai)
    return user


def load(*, stdout: Any = None, users: dict[str, User], **kwargs: Any) -> None:
    shanghai = Region.objects.get(code="310000")
    if InspectionCampaign.objects.filter(region=shanghai, name=CAMPAIGN_NAME).exists():
        return
    inspector = users["sh.inspector"]
    today = timezone.localdate()
    with transaction.atomic():
        own = {o.pk for o in _employers(shanghai)}
        second = _second_inspector(inspector.organization, shanghai)
        campaign = inspections.campaign_create(
            actor=inspector,
            name=CAMPAIGN_NAME,
            region=shanghai,
            starts_on=today,
            ends_on=today + dt.timedelta(days=90),
            sample_size=3,
            inspectors_per_employer=2,
            pool=[inspector, second],
        )
        campaign = inspections.campaign_draw(actor=inspector, campaign=campaign)
        campaign = inspections.campaign_transition(actor=inspector, campaign=campaign, name="start")
        finding_made = False
        for assignment in inspections.assignments_of(campaign):
            # A finding on one of this demo's own employers only, so that the other demos'
            # employers keep their standing.
            finds = not finding_made and assignment.organization_id in own
            inspections.assignment_record_outcome(
                actor=inspector,
                assignment=assignment,
                outcome=(
                    InspectionAssignment.Outcome.PROBLEMS
                    if finds
                    else InspectionAssignment.Outcome.NO_PROBLEM
                ),
                inspected_on=today,
                facts=(
                    "聘用的外国人实际工作岗位与工作许可登记岗位不一致（演示）。" if finds else ""
                ),
            )
            finding_made = finding_made or finds
        campaign = inspections.campaign_transition(actor=inspector, campaign=campaign, name="close")
        inspections.campaign_transition(actor=inspector, campaign=campaign, name="publish")
    if stdout is not None:
        stdout.write(f"  inspection campaign published: {CAMPAIGN_NAME}")
