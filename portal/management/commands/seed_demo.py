"""Load the demonstration data: organizations, one account per role, and print them.

Idempotent: running it again changes nothing but resets the demo accounts' password to
``DEMO_PASSWORD`` (so that what it prints is always true). Refuses to run when DEBUG is
off, so that demo accounts never appear on a real deployment.

Domain apps add their own demo data through ``portal.demo.register`` hooks.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation

from portal import demo, second_factor, services
from portal.access import role_assignments
from portal.models import Organization, Region, TOTPDevice, User
from portal.roles import ROLE_SPECS, Role

DEFAULT_PASSWORD = "portal-demo-2026"  # noqa: S105 - printed demo password, DEBUG only
K = Organization.Kind

# key, kind, Chinese name, English name, region code, USCC, authority level
ORGANIZATIONS: list[tuple[str, str, str, str, str | None, str | None, str]] = [
    (
        "mohrss",
        K.MINISTRY,
        "人力资源和社会保障部",
        "Ministry of Human Resources and Social Security",
        None,
        None,
        "",
    ),
    (
        "sh_authority",
        K.PROVINCIAL_AUTHORITY,
        "上海市人力资源和社会保障局",
        "Shanghai Municipal Human Resources and Social Security Bureau",
        "310000",
        None,
        "provincial",
    ),
    (
        "pudong_authority",
        K.PROVINCIAL_AUTHORITY,
        "上海市浦东新区人力资源和社会保障局",
        "Pudong New Area Human Resources and Social Security Bureau",
        "310115",
        None,
        "sub_provincial",
    ),
    (
        "gd_authority",
        K.PROVINCIAL_AUTHORITY,
        "广东省人力资源和社会保障厅",
        "Guangdong Provincial Department of Human Resources and Social Security",
        "440000",
        None,
        "provincial",
    ),
    (
        "bj_authority",
        K.PROVINCIAL_AUTHORITY,
        "北京市人力资源和社会保障局",
        "Beijing Municipal Human Resources and Social Security Bureau",
        "110000",
        None,
        "provincial",
    ),
    (
        "sh_exit_entry",
        K.PARTNER_AGENCY,
        "上海市公安局出入境管理局",
        "Shanghai Exit-Entry Administration Bureau",
        "310000",
        None,
        "",
    ),
    (
        "sh_software_assoc",
        K.INDUSTRY_ASSOCIATION,
        "上海市软件行业协会（演示）",
        "Shanghai Software Industry Association (demo)",
        "310000",
        None,
        "",
    ),
    (
        "pujiang_tech",
        K.EMPLOYER,
        "上海浦江智能科技有限公司（演示）",
        "Shanghai Pujiang Intelligent Technology Co., Ltd. (demo)",
        "310000",
        "91310115MA1H7ABC1A",
        "",
    ),
    (
        "zhujiang_bio",
        K.EMPLOYER,
        "广州珠江生物医药有限公司（演示）",
        "Guangzhou Zhujiang Biopharma Co., Ltd. (demo)",
        "440000",
        "91440101MA5CKP3X7H",
        "",
    ),
    (
        "xuhui_school",
        K.EMPLOYER,
        "上海徐汇国际语言学校（演示）",
        "Shanghai Xuhui International Language School (demo)",
        "310000",
        "52310000MJ49382717",
        "",
    ),
    (
        "haidian_ai",
        K.EMPLOYER,
        "北京海淀智能科技有限公司（演示）",
        "Beijing Haidian AI Technology Co., Ltd. (demo)",
        "110000",
        "91110108MA01XK2W38",
        "",
    ),
    (
        "talent_services",
        K.SERVICE_AGENCY,
        "上海示范人才服务有限公司（演示）",
        "Shanghai Model Talent Services Co., Ltd. (demo)",
        "310000",
        "91310000MA1FL8QR2Q",
        "",
    ),
]

# username, full name, organization key, role, scope region code (regional roles)
ACCOUNTS: list[tuple[str, str, str, str, str | None]] = [
    ("employer.admin", "王丽 Wang Li", "pujiang_tech", Role.EMPLOYER_ADMIN, None),
    ("employer.staff", "陈明 Chen Ming", "pujiang_tech", Role.EMPLOYER_STAFF, None),
    ("gz.employer.admin", "黄海 Huang Hai", "zhujiang_bio", Role.EMPLOYER_ADMIN, None),
    ("school.admin", "周静 Zhou Jing", "xuhui_school", Role.EMPLOYER_ADMIN, None),
    ("bj.employer.admin", "马骏 Ma Jun", "haidian_ai", Role.EMPLOYER_ADMIN, None),
    ("agency.agent", "李强 Li Qiang", "talent_services", Role.AGENCY_AGENT, None),
    ("sh.acceptance", "赵敏 Zhao Min", "sh_authority", Role.ACCEPTANCE_OFFICER, "310000"),
    ("pudong.acceptance", "孙洁 Sun Jie", "pudong_authority", Role.ACCEPTANCE_OFFICER, "310115"),
    ("sh.decision", "钱伟 Qian Wei", "sh_authority", Role.DECISION_OFFICER, "310000"),
    ("bj.acceptance", "高远 Gao Yuan", "bj_authority", Role.ACCEPTANCE_OFFICER, "110000"),
    ("bj.decision", "许宁 Xu Ning", "bj_authority", Role.DECISION_OFFICER, "110000"),
    ("sh.drafter", "吴芳 Wu Fang", "sh_authority", Role.STANDARDS_DRAFTER, "310000"),
    ("gd.drafter", "郑涛 Zheng Tao", "gd_authority", Role.STANDARDS_DRAFTER, "440000"),
    ("sh.inspector", "冯刚 Feng Gang", "sh_authority", Role.INSPECTOR, "310000"),
    ("ministry.reviewer", "刘洋 Liu Yang", "mohrss", Role.MINISTRY_REVIEWER, None),
    ("partner.reader", "何平 He Ping", "sh_exit_entry", Role.PARTNER_READER, "310000"),
    ("assoc.member", "蒋文 Jiang Wen", "sh_software_assoc", Role.STAKEHOLDER, None),
    ("site.admin", "林楠 Lin Nan", "mohrss", Role.SITE_ADMIN, None),
    # Information officers: each text is written by one and approved by another.
    ("sh.editor", "沈悦 Shen Yue", "sh_authority", Role.INFORMATION_OFFICER, None),
    ("sh.editor2", "顾磊 Gu Lei", "sh_authority", Role.INFORMATION_OFFICER, None),
    ("mohrss.editor", "唐宁 Tang Ning", "mohrss", Role.INFORMATION_OFFICER, None),
    ("mohrss.editor2", "曹颖 Cao Ying", "mohrss", Role.INFORMATION_OFFICER, None),
]


DEMO_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


class Command(BaseCommand):
    help = "Load demonstration organizations and accounts (idempotent) and print the accounts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--quiet-accounts", action="store_true", help="do not print the account table"
        )

    def handle(self, *args: Any, quiet_accounts: bool = False, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo loads demonstration accounts with a known password; it runs only "
                "with DEBUG on (the embedded default), never on a real deployment."
            )
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        with transaction.atomic():
            regions = self._regions()
            organizations = self._organizations(regions)
            users = self._accounts(organizations, regions, password)
        # The demo's events tell people by inbox and e-mail as real ones do; their e-mails
        # are kept in memory instead of being printed (dozens would bury the accounts list
        # in the console backend's output) or sent to the demo's invented addresses.
        backend = settings.EMAIL_BACKEND
        settings.EMAIL_BACKEND = DEMO_EMAIL_BACKEND
        before = len(getattr(mail, "outbox", []))
        try:
            for hook in demo.hooks():
                self.stdout.write(f"Demo data: {hook.label}...")
                hook.load(stdout=self.stdout, users=users, organizations=organizations)
        finally:
            settings.EMAIL_BACKEND = backend
        composed = len(getattr(mail, "outbox", [])) - before
        if composed:
            self.stdout.write(
                f"{composed} notification e-mails of the demo's events were composed and kept "
                "in memory, not sent; new events e-mail as configured."
            )
        if not quiet_accounts:
            with translation.override("en"):
                self._print_accounts(users, password)

    def _regions(self) -> dict[str, Region]:
        shanghai = Region.objects.get(code="310000")
        Region.objects.get_or_create(
            code="310115",
            defaults={
                "name_zh": "浦东新区",
                "name_en": "Pudong New Area",
                "level": Region.Level.COUNTY,
                "parent": shanghai,
            },
        )
        return {region.code: region for region in Region.objects.all()}

    def _organizations(self, regions: dict[str, Region]) -> dict[str, Organization]:
        found: dict[str, Organization] = {}
        for key, kind, name_zh, name_en, region_code, uscc, level in ORGANIZATIONS:
            existing = Organization.objects.filter(kind=kind, name_zh=name_zh).first()
            if existing is None:
                existing = services.organization_create(
                    actor=None,
                    kind=kind,
                    name_zh=name_zh,
                    name_en=name_en,
                    region=regions[region_code] if region_code else None,
                    uscc=uscc,
                    authority_level=level,
                )
                self.stdout.write(f"  organization created: {name_en}")
            found[key] = existing
        return found

    def _accounts(
        self,
        organizations: dict[str, Organization],
        regions: dict[str, Region],
        password: str,
    ) -> dict[str, User]:
        users: dict[str, User] = {}
        for username, full_name, org_key, role, region_code in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = services.user_create(
                    actor=None,
                    username=username,
                    email=f"{username}@example.com",
                    full_name=full_name,
                    organization=organizations[org_key],
                    password=password,
                )
            else:
                user.set_password(password)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
            region = regions[region_code] if region_code else None
            organization = (
                organizations[org_key] if ROLE_SPECS[role].scope == "organization" else None
            )
            held = any(
                a.role == role
                and (a.region == region if region else True)
                and (a.organization == organization if organization else True)
                for a in role_assignments(user)
            )
            if not held:
                services.role_grant(
                    actor=None, user=user, role=role, region=region, organization=organization
                )
            if ROLE_SPECS[role].requires_second_factor:
                self._enrol(user)
            users[username] = user
        return users

    def _enrol(self, user: User) -> None:
        """Demo officials get an enrolled authenticator, so that they can sign in with
        ``manage.py totp_code``; real officials enrol at their first sign-in."""
        if TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
            return
        TOTPDevice.objects.update_or_create(
            user=user,
            defaults={
                "encrypted_secret": second_factor.encrypt_secret(second_factor.new_secret()),
                "confirmed_at": timezone.now(),
                "last_used_step": 0,
            },
        )

    def _print_accounts(self, users: dict[str, User], password: str) -> None:
        out = self.stdout
        source = (
            "DEMO_PASSWORD"
            if os.environ.get("DEMO_PASSWORD")
            else "default; set DEMO_PASSWORD to change"
        )
        out.write("")
        out.write(self.style.SUCCESS("Demo accounts"))
        out.write(f"Password for every account: {password}  ({source})")
        out.write("")
        out.write(f"{'user name':<20} {'role':<30} {'where':<34} second factor")
        out.write(f"{'-' * 20} {'-' * 30} {'-' * 34} {'-' * 40}")
        for username, _full_name, _org, role, region_code in ACCOUNTS:
            spec = ROLE_SPECS[role]
            organization = users[username].organization
            if region_code:
                where = f"{Region.objects.get(code=region_code).name_en} ({region_code})"
            elif spec.scope == "organization" and organization is not None:
                where = organization.name_en.removesuffix(" (demo)")
            else:
                where = "nationwide"
            if spec.requires_second_factor and settings.PORTAL_TWO_FACTOR_REQUIRED:
                factor = f"code: manage.py totp_code {username}"
            else:
                factor = "-"
            out.write(f"{username:<20} {spec.role.label!s:<30} {where[:34]:<34} {factor}")
        out.write("")
        if settings.PORTAL_TWO_FACTOR_REQUIRED:
            out.write(
                "Officials sign in with a second factor. Print a demo account's current code "
                "with `.venv/bin/python manage.py totp_code <user name>`, or start with "
                "PORTAL_TWO_FACTOR_REQUIRED=false for a throw-away demonstration."
            )
        out.write("")
