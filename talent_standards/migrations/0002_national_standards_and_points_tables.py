"""The national unified standard and the points table, as versioned reference data.

* Points table 2017: the final table of the Foreigner's Work Permit classification
  standard (外国人来华工作分类标准（试行）), in use from 1 April 2017. 120 points in
  all; A from 85, B from 60.
* Points table 2016 (pilot): kept for history, so that decisions scored with it stay
  explainable. It differs in two caps (experience 15, Chinese 10); the bands of those two
  items are reconstructed to fit the caps and are marked so in ``source``.
* National standard 2017 (the classification standard) and its 2025 revision, whose
  refined achievement standard is the list of the A achievement route. The 2025 revision
  names regional standards as routes too (they are evaluated from each province's
  regional standard in force, not listed here).

The ministry maintains these tables afterwards (admin); a later version is a new row.
Also on PostgreSQL: an exclusion constraint that keeps two published versions of one
province's regional standard from overlapping in time.
"""

import datetime as dt

from django.db import migrations

from portal.filings import no_overlap_constraint

SALARY_BANDS = {
    "unit": 10000,
    "bands": [
        {"min": 45, "points": 20},
        {"min": 35, "points": 17},
        {"min": 25, "points": 14},
        {"min": 15, "points": 11},
        {"min": 7, "points": 8},
        {"min": 5, "points": 5},
    ],
}
EDUCATION_OPTIONS = {
    "options": {
        "doctorate": 20,
        "skill:top": 20,
        "master": 15,
        "skill:technician": 15,
        "bachelor": 10,
        "skill:senior_worker": 10,
    }
}
MONTHS_BANDS = {
    "unit": 1,
    "bands": [{"min": 9, "points": 15}, {"min": 6, "points": 10}, {"min": 3, "points": 5}],
}
AGE_BANDS = {
    "min_age": 18,
    "bands": [
        {"min": 18, "max": 25, "points": 10},
        {"min": 26, "max": 45, "points": 15},
        {"min": 46, "max": 55, "points": 10},
        {"min": 56, "max": 60, "points": 5},
        {"min": 61, "max": 200, "points": 0},
    ],
}
BONUS_FLAGS = {"flags": ["top_university", "fortune500", "patents", "china_5_years"], "points": 5}


def items(experience_cap, chinese):
    return [
        (
            1,
            "salary",
            "在华年薪收入（万元）",
            "Annual salary paid in China (10,000 CNY)",
            20,
            "ranges",
            SALARY_BANDS,
        ),
        (2, "education", "学历或技能", "Education or skill", 20, "choices", EDUCATION_OPTIONS),
        (
            3,
            "experience",
            "相关工作经历",
            "Relevant work experience",
            experience_cap,
            "per_year",
            {"from_years": 2, "points_at_start": 5, "per_further_year": 1},
        ),
        (
            4,
            "months_in_china",
            "年度在华工作时间",
            "Months a year working in China",
            15,
            "ranges",
            MONTHS_BANDS,
        ),
        (
            5,
            "chinese",
            "汉语水平",
            "Chinese language",
            chinese["max"],
            "choices",
            {"options": chinese["options"]},
        ),
        (6, "location", "工作地点", "Work location", 10, "location", {"points": 10}),
        (7, "age", "年龄", "Age", 15, "age", AGE_BANDS),
        (8, "bonus", "加分项", "Bonus", 5, "any_flag", BONUS_FLAGS),
        (9, "provincial_bonus", "地方鼓励性加分", "Provincial bonus", 10, "provincial", {}),
    ]


CHINESE_2017 = {
    "max": 5,
    "options": {
        "hsk1": 1,
        "hsk2": 2,
        "hsk3": 3,
        "hsk4": 4,
        "hsk5": 5,
        "hsk6": 5,
        "former_chinese_national": 5,
        "chinese_taught_degree": 5,
    },
}
CHINESE_2016 = {
    "max": 10,
    "options": {
        "hsk1": 2,
        "hsk2": 4,
        "hsk3": 6,
        "hsk4": 8,
        "hsk5": 10,
        "hsk6": 10,
        "former_chinese_national": 10,
        "chinese_taught_degree": 10,
    },
}

ACHIEVEMENTS_2017 = [
    {"code": "nobel", "title_zh": "诺贝尔奖", "title_en": "Nobel Prize"},
    {"code": "fields", "title_zh": "菲尔兹奖", "title_en": "Fields Medal"},
    {"code": "turing", "title_zh": "图灵奖", "title_en": "Turing Award"},
    {"code": "wolf", "title_zh": "沃尔夫奖", "title_en": "Wolf Prize"},
    {"code": "lasker", "title_zh": "拉斯克奖", "title_en": "Lasker Award"},
    {"code": "pritzker", "title_zh": "普利兹克建筑奖", "title_en": "Pritzker Architecture Prize"},
    {
        "code": "academy_member",
        "title_zh": "发达国家科学院、工程院院士",
        "title_en": "Member of a national academy of sciences or engineering",
    },
    {
        "code": "olympic_champion",
        "title_zh": "奥运会冠军、世界锦标赛冠军",
        "title_en": "Olympic or world champion",
    },
]
ACHIEVEMENTS_2025 = ACHIEVEMENTS_2017 + [
    {"code": "abel", "title_zh": "阿贝尔奖", "title_en": "Abel Prize"},
    {"code": "kyoto", "title_zh": "京都奖", "title_en": "Kyoto Prize"},
    {"code": "breakthrough", "title_zh": "科学突破奖", "title_en": "Breakthrough Prize"},
    {
        "code": "top_journal_editor",
        "title_zh": "国际顶级学术期刊主编",
        "title_en": "Editor-in-chief of a leading international journal",
    },
]
PROGRAMMES = [
    {
        "code": "national_talent_programme",
        "title_zh": "国家重点人才引进计划入选者",
        "title_en": "Selected by a national talent programme",
    },
    {
        "code": "provincial_talent_programme",
        "title_zh": "省级人才引进计划入选者",
        "title_en": "Selected by a provincial talent programme",
    },
]


def routes(achievements, version):
    # code, category, kind, zh, en, evidence zh, evidence en, parameters, position
    return [
        (
            "A-PROGRAMME",
            "A",
            "listed_achievement",
            "入选国内人才引进计划",
            "Selected by a recognised talent programme",
            "人才计划入选证明",
            "Certificate of selection by the programme",
            {"list": PROGRAMMES},
            10,
        ),
        (
            "A-ACHIEVEMENT",
            "A",
            "listed_achievement",
            "符合国际公认的专业成就认定标准",
            "Internationally recognised professional achievement",
            "获奖证书或院士证明",
            "Prize certificate or academy membership",
            {"list": achievements},
            20,
        ),
        (
            "A-SALARY",
            "A",
            "salary_multiple",
            "符合市场导向的鼓励类岗位需求：年薪不低于上年度当地平均工资6倍",
            "Encouraged post: annual salary at least 6 times the local average wage of the previous year",
            "劳动合同或薪酬证明\n个人所得税完税证明",
            "Employment contract or salary statement\nIndividual income tax records",
            {"multiple": 6},
            30,
        ),
        (
            "A-ENTREPRENEUR",
            "A",
            "officer_judgement",
            "创新创业人才",
            "Innovative entrepreneur",
            "企业注册及出资证明\n知识产权证明",
            "Company registration and investment\nIntellectual property",
            {},
            40,
        ),
        (
            "A-YOUNG",
            "A",
            "officer_judgement",
            "优秀青年人才",
            "Outstanding young talent",
            "学历学位证书\n博士后经历证明",
            "Degree certificates\nPostdoctoral appointment",
            {"max_age": 40},
            50,
        ),
        (
            "A-POINTS",
            "A",
            "points",
            "计点积分85分以上",
            "85 points or more",
            "计点积分材料",
            "Evidence for each points line",
            {},
            60,
        ),
        (
            "B-DEGREE",
            "B",
            "degree_experience",
            "学士及以上学位且2年以上相关工作经历",
            "Bachelor's degree and 2 years' relevant experience",
            "学位证书\n工作经历证明",
            "Degree certificate\nProof of work experience",
            {"min_education": "bachelor", "min_years": 2, "max_age": 60},
            10,
        ),
        (
            "B-SKILL",
            "B",
            "officer_judgement",
            "取得国际通用职业技能资格证书",
            "Internationally recognised vocational skill certificate",
            "职业技能资格证书",
            "Vocational skill certificate",
            {"max_age": 60},
            20,
        ),
        (
            "B-TEACHER",
            "B",
            "language_teacher",
            "外语教学人员",
            "Foreign language teacher",
            "学位证书\n教学经历或教师资格证明",
            "Degree certificate\nTeaching experience or qualification",
            {"min_education": "bachelor", "min_teaching_years": 2, "max_age": 60},
            30,
        ),
        (
            "B-SALARY",
            "B",
            "salary_multiple",
            "年薪不低于上年度当地平均工资4倍",
            "Annual salary at least 4 times the local average wage of the previous year",
            "劳动合同或薪酬证明",
            "Employment contract or salary statement",
            {"multiple": 4},
            40,
        ),
        (
            "B-CATALOG",
            "B",
            "catalog_listing",
            "符合外国人来华工作指导目录",
            "Listed in the province's Guidance Catalog",
            "能力要求证明",
            "Proof of the catalog's competency requirements",
            {"max_age": 60},
            50,
        ),
        (
            "B-POINTS",
            "B",
            "points",
            "计点积分60分以上",
            "60 points or more",
            "计点积分材料",
            "Evidence for each points line",
            {"max_age": 60},
            60,
        ),
    ]


def load(apps, schema_editor):
    PointsTable = apps.get_model("talent_standards", "PointsTable")
    PointsItem = apps.get_model("talent_standards", "PointsItem")
    NationalStandard = apps.get_model("talent_standards", "NationalStandard")
    RecognitionRoute = apps.get_model("talent_standards", "RecognitionRoute")

    pilot, _ = PointsTable.objects.get_or_create(
        version="2016-pilot",
        defaults={
            "title_zh": "外国人来华工作计点积分表（试点）",
            "title_en": "Points table (2016 pilot)",
            "effective_from": dt.date(2016, 11, 1),
            "effective_until": dt.date(2017, 3, 31),
            "source": "2016 pilot of the work permit system. Caps differ from 2017 (experience 15, "
            "Chinese 10); the bands of those two items are reconstructed to fit the caps.",
        },
    )
    final, _ = PointsTable.objects.get_or_create(
        version="2017",
        defaults={
            "title_zh": "外国人来华工作分类标准计点积分表",
            "title_en": "Points table of the classification standard (2017)",
            "effective_from": dt.date(2017, 4, 1),
            "source": "Foreigner's Work Permit classification standard, in force from 1 April 2017.",
        },
    )
    for table, experience_cap, chinese in ((pilot, 15, CHINESE_2016), (final, 20, CHINESE_2017)):
        for number, key, zh, en, max_points, scheme, bands in items(experience_cap, chinese):
            PointsItem.objects.update_or_create(
                table=table,
                key=key,
                defaults={
                    "number": number,
                    "title_zh": zh,
                    "title_en": en,
                    "max_points": max_points,
                    "scheme": scheme,
                    "bands": bands,
                },
            )

    for version, zh, en, start, until, achievements, summary_zh, summary_en in (
        (
            "2017",
            "外国人来华工作分类标准（试行）",
            "Classification standard for foreigners working in China (2017)",
            dt.date(2017, 4, 1),
            dt.date(2025, 9, 30),
            ACHIEVEMENTS_2017,
            "将来华工作外国人分为A、B、C三类，A类鼓励、B类控制、C类限制。",
            "Foreigners working in China are Category A (encouraged), B (controlled) or C (restricted).",
        ),
        (
            "2025",
            "外国人才认定标准（2025年修订）",
            "Recognition standard for foreign talent (2025 revision)",
            dt.date(2025, 10, 1),
            None,
            ACHIEVEMENTS_2025,
            "细化国际公认专业成就认定标准；各省可制定区域性人才认定标准和外国人来华工作指导目录。",
            "Refines the achievement standard; provinces may add regional standards and Guidance Catalogs.",
        ),
    ):
        standard, _ = NationalStandard.objects.update_or_create(
            version=version,
            defaults={
                "title_zh": zh,
                "title_en": en,
                "summary_zh": summary_zh,
                "summary_en": summary_en,
                "effective_from": start,
                "effective_until": until,
                "points_table": final,
                "source": "MOHRSS",
            },
        )
        for code, category, kind, rzh, ren, ezh, een, parameters, position in routes(
            achievements, version
        ):
            RecognitionRoute.objects.update_or_create(
                national_standard=standard,
                code=code,
                defaults={
                    "category": category,
                    "kind": kind,
                    "title_zh": rzh,
                    "title_en": ren,
                    "evidence_zh": ezh,
                    "evidence_en": een,
                    "parameters": parameters,
                    "position": position,
                },
            )


def unload(apps, schema_editor):
    apps.get_model("talent_standards", "NationalStandard").objects.filter(
        version__in=["2017", "2025"]
    ).delete()
    apps.get_model("talent_standards", "PointsTable").objects.filter(
        version__in=["2016-pilot", "2017"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("talent_standards", "0001_initial")]

    operations = [
        migrations.RunPython(load, unload),
        no_overlap_constraint("talent_standards_regionalstandard"),
    ]
