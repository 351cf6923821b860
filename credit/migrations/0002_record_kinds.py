"""The maintained list of kinds of credit record, as first shipped. Site admins edit it
in the admin afterwards (names, defaults, new kinds); records keep pointing at their kind.

Default effect periods and severities are the portal's starting policy, not law: the law
fixes the fines (Exit-Entry Law art. 80), the 2017 notice that serious dishonesty blocks
registration and new applications.
"""

from django.db import migrations

KINDS = [
    # code, Chinese, English, nature, severity, months, fine, disclosed
    (
        "illegal_employment",
        "非法聘用外国人",
        "Illegal employment of foreigners",
        "dishonest",
        "serious",
        36,
        True,
        True,
    ),
    (
        "false_materials",
        "提供虚假或伪造材料",
        "False or forged materials",
        "dishonest",
        "serious",
        36,
        False,
        True,
    ),
    (
        "salary_commitment_unbacked",
        "薪酬承诺与纳税记录不符",
        "Salary commitment not backed by tax records",
        "dishonest",
        "serious",
        24,
        False,
        True,
    ),
    (
        "illegal_introduction",
        "介绍外国人非法就业",
        "Introducing foreigners to illegal employment",
        "dishonest",
        "serious",
        36,
        True,
        True,
    ),
    (
        "late_change_report",
        "未按时申报变更",
        "Late report of a change",
        "dishonest",
        "minor",
        12,
        False,
        False,
    ),
    (
        "late_cancellation",
        "未按时注销工作许可",
        "Late cancellation of a work permit",
        "dishonest",
        "minor",
        12,
        False,
        False,
    ),
    (
        "inspection_finding",
        "检查发现问题",
        "Inspection finding",
        "dishonest",
        "minor",
        12,
        False,
        False,
    ),
    (
        "commendation",
        "表彰奖励",
        "Commendation",
        "commendation",
        "none",
        24,
        False,
        True,
    ),
]


def seed(apps, schema_editor):
    kind_model = apps.get_model("credit", "CreditRecordKind")
    for position, (code, zh, en, nature, severity, months, fine, disclosed) in enumerate(
        KINDS, start=1
    ):
        kind_model.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "nature": nature,
                "default_severity": severity,
                "default_effect_months": months,
                "carries_fine": fine,
                "disclose_by_default": disclosed,
                "position": position,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("credit", "CreditRecordKind").objects.filter(
        code__in=[k[0] for k in KINDS], records__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
