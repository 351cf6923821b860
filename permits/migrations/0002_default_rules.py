"""The national defaults of the configurable rules (``../domain``: time limits, validity
caps, windows) and the list of reasons officers choose from. Provinces add their own rows
in the admin; the most specific row applies."""

from django.db import migrations

SOURCE = "外国人来华工作许可服务指南（暂行）/ national default"

CLOCKS = [
    # stage, category, working days
    ("acceptance", "", 5),
    ("decision", "", 10),
    ("decision", "A", 5),
    ("overall", "", 20),
    ("overall_extension", "", 10),
]
VALIDITY = [("A", 60), ("B", 24), ("C", 12)]
WINDOWS = [
    # kind, opens, closes
    ("extension", 90, 30),
    ("change", 0, 10),
    ("cancellation", 0, 10),
    ("after_entry", 0, 15),
]
REASONS = [
    # code, stage, position, Chinese, English
    (
        "ACC-INCOMPLETE",
        "acceptance",
        1,
        "申请材料不齐全，经补正后仍不符合要求",
        "The application is incomplete and was not put right after correction",
    ),
    (
        "ACC-NOT-COMPETENT",
        "acceptance",
        2,
        "申请事项不属于本机构受理范围",
        "The application is not within this authority's competence",
    ),
    (
        "ACC-EMPLOYER",
        "acceptance",
        3,
        "用人单位不具备聘用外国人的资格",
        "The employer is not eligible to employ foreigners",
    ),
    (
        "ACC-DUPLICATE",
        "acceptance",
        4,
        "同一外国人已有正在办理的申请",
        "An application for the same person is already in progress",
    ),
    (
        "DEC-STANDARD",
        "decision",
        1,
        "不符合外国人来华工作分类标准",
        "The worker does not meet the classification standard",
    ),
    (
        "DEC-FALSE",
        "decision",
        2,
        "提供虚假材料或隐瞒真实情况",
        "False materials were supplied or facts were concealed",
    ),
    (
        "DEC-POST",
        "decision",
        3,
        "岗位不属于特殊需要的岗位或国内人员可以胜任",
        "The post does not need a foreign worker",
    ),
    ("DEC-QUOTA", "decision", 4, "超出C类外国人员配额", "The Category C quota is exhausted"),
    (
        "DEC-CREDIT",
        "decision",
        5,
        "用人单位或外国人存在严重失信记录",
        "The employer or the worker has a serious dishonesty record",
    ),
    (
        "DEC-INFO",
        "decision",
        6,
        "未在规定期限内补充材料",
        "The requested information was not supplied in time",
    ),
    (
        "DEC-OTHER",
        "decision",
        9,
        "其他不符合法律法规规定的情形",
        "Other grounds under the law (see the text)",
    ),
    (
        "REV-FALSE",
        "revocation",
        1,
        "以欺骗等不正当手段取得工作许可",
        "The permit was obtained by deception",
    ),
    (
        "REV-ILLEGAL",
        "revocation",
        2,
        "外国人从事与许可不符的工作",
        "The worker does work other than that permitted",
    ),
    (
        "REV-CRIME",
        "revocation",
        3,
        "外国人在华违法犯罪",
        "The worker committed a crime or a serious offence in China",
    ),
    (
        "REV-EMPLOYER",
        "revocation",
        4,
        "用人单位已注销或不再聘用",
        "The employer has closed or no longer employs the worker",
    ),
    (
        "REV-OTHER",
        "revocation",
        9,
        "其他依法应当撤销的情形",
        "Other grounds under the law (see the text)",
    ),
]


def seed(apps, schema_editor):
    ClockRule = apps.get_model("permits", "ClockRule")
    ValidityRule = apps.get_model("permits", "ValidityRule")
    WindowRule = apps.get_model("permits", "WindowRule")
    RejectionReason = apps.get_model("permits", "RejectionReason")
    ClockRule.objects.bulk_create(
        ClockRule(stage=s, category=c, working_days=d, source=SOURCE) for s, c, d in CLOCKS
    )
    ValidityRule.objects.bulk_create(
        ValidityRule(category=c, max_months=m, source=SOURCE) for c, m in VALIDITY
    )
    WindowRule.objects.bulk_create(
        WindowRule(kind=k, opens_days=o, closes_days=c, source=SOURCE) for k, o, c in WINDOWS
    )
    RejectionReason.objects.bulk_create(
        RejectionReason(code=code, stage=stage, position=pos, text_zh=zh, text_en=en)
        for code, stage, pos, zh, en in REASONS
    )


def unseed(apps, schema_editor):
    apps.get_model("permits", "RejectionReason").objects.filter(
        code__in=[r[0] for r in REASONS]
    ).delete()
    for name in ("ClockRule", "ValidityRule", "WindowRule"):
        apps.get_model("permits", name).objects.filter(region=None, source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("permits", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
