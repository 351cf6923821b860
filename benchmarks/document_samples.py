"""Sample contexts of the portal's issued documents, for previews, tests and benchmarks.

``SAMPLES`` holds one realistic context per kind of document and ``EXTREMES`` the same
kinds with extreme values (150-character Latin names, 100-character Chinese names,
200-character employer names, 25 long rejection reasons, officer texts of several long
paragraphs, 12 points lines, empty optional fields), both keyed by the kind code, which is
also the template name: ``documents/<kind>.html``.

Plain dicts, ``datetime.date`` values and a QR code made with segno: nothing here imports
Django or touches a database, so the module can be imported anywhere::

    from benchmarks.document_samples import SAMPLES, EXTREMES
    render_template_pdf(f"documents/{kind}.html", SAMPLES[kind],
                        stylesheets=["documents/issued.css"])

The contexts follow the contract of templates/documents/issued_base.html (doc, holder,
employer, job, letter, permit, decision, registration).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import segno

__all__ = ["EXTREMES", "KINDS", "SAMPLES", "qr_data_uri"]

KINDS = (
    "notification_letter",
    "grant_decision",
    "work_permit",
    "rejection_decision",
    "registration_certificate",
)

VERIFY_SITE = "fwp.example.gov.cn"

TITLES = {
    "notification_letter": ("外国人工作许可通知", "Notification Letter of Foreigner's Work Permit"),
    "grant_decision": ("准予行政许可决定书", "Decision to Grant an Administrative Licence"),
    "work_permit": ("外国人工作许可证", "Foreigner's Work Permit"),
    "rejection_decision": (
        "不予行政许可决定书",
        "Decision to Refuse an Administrative Licence",
    ),
    "registration_certificate": ("用人单位注册证明", "Certificate of Employer Registration"),
}

NUMBERS = {
    "notification_letter": "L31000020260004217",
    "grant_decision": "沪外许准字〔2026〕第004217号",
    "work_permit": "310000202600018342",
    "rejection_decision": "沪外许不字〔2026〕第000381号",
    "registration_certificate": "REG2026001187",
}


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI, as the issuing code makes it."""
    return str(segno.make(url, error="m").svg_data_uri(scale=2, border=0))


def _doc(kind: str, *, version: int = 1, replaces: dict[str, Any] | None = None) -> dict[str, Any]:
    token = f"{NUMBERS[kind][-6:]}-v{version}-9fK2xQ7mLpA3"
    url = f"https://{VERIFY_SITE}/v/{token}"
    title_zh, title_en = TITLES[kind]
    return {
        "kind": kind,
        "title_zh": title_zh,
        "title_en": title_en,
        "number": NUMBERS[kind],
        "version": version,
        "replaces": replaces,
        "issued_on": dt.date(2026, 11, 27),
        "authority_zh": "上海市科学技术委员会",
        "authority_en": "Science and Technology Commission of Shanghai Municipality",
        "qr": qr_data_uri(url),
        "verify_url": url,
        "verify_site": VERIFY_SITE,
        "key_id": "ed25519:sh-2026-01",
    }


HOLDER: dict[str, Any] = {
    "name": "MÜLLER-SCHMIDT, ANNA KATHARINA",
    "name_zh": "安娜·穆勒-施密特",
    "sex_zh": "女",
    "sex_en": "Female",
    "birth_date": dt.date(1988, 3, 14),
    "nationality_zh": "德国",
    "nationality_en": "Germany",
    "passport_number": "C01X00T47",
    "permit_number": "310000202600018342",
}

EMPLOYER: dict[str, Any] = {
    "name_zh": "上海浦江智能科技有限公司",
    "name_en": "Shanghai Pujiang Intelligent Technology Co., Ltd.",
    "uscc": "91310115MA1K4G7X2B",
    "address": "上海市浦东新区张江高科技园区碧波路690号3号楼502室",
}

JOB: dict[str, Any] = {
    "category": "A",
    "category_zh": "外国高端人才（A类）",
    "category_en": "Foreign high-end talent (Category A)",
    "occupation_code": "2-02-10-03",
    "occupation_zh": "人工智能工程技术人员",
    "occupation_en": "Artificial intelligence engineering technician",
    "job_title": "首席算法科学家 Chief Algorithm Scientist",
    "work_place_zh": "上海市浦东新区",
    "work_place_en": "Pudong New Area, Shanghai",
}

LEGAL_BASIS_ZH = (
    "《中华人民共和国出境入境管理法》《外国人在中国就业管理规定》《外国人来华工作许可"
    "服务指南（暂行）》及《外国人来华工作分类标准（试行）》。"
)
LEGAL_BASIS_EN = (
    "The Exit and Entry Administration Law of the People's Republic of China, the "
    "Regulations on the Administration of Employment of Foreigners in China, the Service "
    "Guide for Foreigners' Work Permits in China (Provisional) and the Classification "
    "Standard for Foreigners Working in China (Trial)."
)
APPEAL_ZH = (
    "如不服本决定，可自收到本决定书之日起六十日内向上海市人民政府申请行政复议，或者自收到"
    "本决定书之日起六个月内向有管辖权的人民法院提起行政诉讼。"
)
APPEAL_EN = (
    "If you disagree with this decision, you may apply to the Shanghai Municipal People's "
    "Government for administrative reconsideration within sixty days of receiving it, or "
    "bring an administrative action before the competent people's court within six months "
    "of receiving it."
)


def _samples() -> dict[str, dict[str, Any]]:
    letter_ctx = {
        "doc": _doc("notification_letter"),
        "holder": dict(HOLDER, permit_number=""),
        "employer": dict(EMPLOYER),
        "job": dict(JOB),
        "letter": {
            "number": NUMBERS["notification_letter"],
            "valid_until": dt.date(2027, 5, 27),
            "is_short_term": False,
            "work_from": None,
            "work_until": None,
            "application_number": "WP-2026-0004217",
        },
    }
    grant_ctx = {
        "doc": _doc("grant_decision"),
        "holder": dict(HOLDER),
        "employer": dict(EMPLOYER),
        "job": dict(JOB),
        "decision": {
            "application_number": "WP-2026-0004217",
            "kind_zh": "外国人来华工作许可（入境后办理工作许可证）",
            "kind_en": "Foreigner's work permit (permit after entry)",
            "submitted_on": dt.date(2026, 11, 16),
            "decided_on": dt.date(2026, 11, 27),
            "stage": "decision",
            "granted": [
                {
                    "label_zh": "工作许可证号码",
                    "label_en": "Permit number",
                    "value": "310000202600018342",
                },
                {"label_zh": "有效期", "label_en": "Valid", "value": "2026-11-27 — 2029-11-26"},
                {"label_zh": "人员类别", "label_en": "Category", "value": "A"},
            ],
            "reasons": [],
            "text_zh": "",
            "text_en": "",
            "criteria": [],
            "points": None,
            "legal_basis_zh": LEGAL_BASIS_ZH,
            "legal_basis_en": LEGAL_BASIS_EN,
            "appeal_zh": APPEAL_ZH,
            "appeal_en": APPEAL_EN,
        },
    }
    permit_ctx = {
        "doc": _doc(
            "work_permit",
            version=2,
            replaces={"version": 1, "reason": "变更职位 / change of job title"},
        ),
        "holder": dict(HOLDER),
        "employer": dict(EMPLOYER),
        "job": dict(JOB),
        "permit": {
            "permit_number": "310000202600018342",
            "valid_from": dt.date(2026, 11, 27),
            "valid_until": dt.date(2029, 11, 26),
            "application_number": "WP-2026-0004217",
        },
    }
    rejection_ctx = {
        "doc": _doc("rejection_decision"),
        "holder": dict(
            HOLDER,
            name="OKONKWO, CHIDI EMMANUEL",
            name_zh="奇迪·奥孔科",
            sex_zh="男",
            sex_en="Male",
            birth_date=dt.date(1995, 7, 2),
            nationality_zh="尼日利亚",
            nationality_en="Nigeria",
            passport_number="A09876543",
            permit_number="",
        ),
        "employer": dict(EMPLOYER),
        "job": dict(
            JOB,
            category="C",
            category_zh="外国普通人员（C类）",
            category_en="Other foreign personnel (Category C)",
            occupation_code="4-07-02-01",
            occupation_zh="营销员",
            occupation_en="Marketing agent",
            job_title="市场专员 Marketing Specialist",
        ),
        "decision": {
            "application_number": "WP-2026-0003980",
            "kind_zh": "外国人来华工作许可通知",
            "kind_en": "Notification letter of foreigner's work permit",
            "submitted_on": dt.date(2026, 11, 2),
            "decided_on": dt.date(2026, 11, 27),
            "stage": "decision",
            "granted": [],
            "reasons": [
                {
                    "code": "CRITERIA_NOT_MET",
                    "title_zh": "申请人不符合外国人来华工作分类标准规定的条件",
                    "title_en": "The applicant does not meet the conditions of the "
                    "classification standard",
                },
                {
                    "code": "SALARY_BELOW_MINIMUM",
                    "title_zh": "拟支付的工资低于当地最低工资标准的规定倍数",
                    "title_en": "The offered salary is below the required multiple of the "
                    "local minimum wage",
                },
            ],
            "text_zh": (
                "经审查，申请人取得学士学位后相关工作经历不足两年，不符合外国普通人员（C类）"
                "关于工作经历的要求；用人单位提交的劳动合同约定年薪低于上海市最低工资标准的"
                "规定倍数。\n用人单位可在补足相关条件后重新提出申请。"
            ),
            "text_en": (
                "On review, the applicant has less than two years of relevant work "
                "experience after the bachelor's degree, which does not meet the requirement "
                "for Category C; the annual salary in the employment contract is below the "
                "required multiple of the Shanghai minimum wage.\nThe employer may apply "
                "again once the conditions are met."
            ),
            "criteria": [
                {
                    "label_zh": "学士学位后相关工作经历",
                    "label_en": "Relevant experience after bachelor's degree",
                    "required": "≥ 2 年 years",
                    "actual": "1 年 3 个月 / 1 year 3 months",
                    "met": False,
                },
                {
                    "label_zh": "年薪",
                    "label_en": "Annual salary",
                    "required": "≥ CNY 96,480",
                    "actual": "CNY 84,000",
                    "met": False,
                },
                {
                    "label_zh": "年龄",
                    "label_en": "Age",
                    "required": "≤ 60",
                    "actual": "31",
                    "met": True,
                },
            ],
            "points": {
                "total": 52,
                "required": 60,
                "category": "B",
                "lines": [
                    {"title_zh": "工资收入", "title_en": "Salary", "points": 8, "max": 20},
                    {"title_zh": "学历", "title_en": "Education", "points": 10, "max": 20},
                    {"title_zh": "工作经历", "title_en": "Work experience", "points": 0, "max": 15},
                    {
                        "title_zh": "每年在华工作时间",
                        "title_en": "Time worked in China per year",
                        "points": 15,
                        "max": 15,
                    },
                    {"title_zh": "汉语水平", "title_en": "Chinese language", "points": 5, "max": 5},
                    {"title_zh": "年龄", "title_en": "Age", "points": 14, "max": 15},
                ],
            },
            "legal_basis_zh": LEGAL_BASIS_ZH,
            "legal_basis_en": LEGAL_BASIS_EN,
            "appeal_zh": APPEAL_ZH,
            "appeal_en": APPEAL_EN,
        },
    }
    registration_ctx = {
        "doc": _doc("registration_certificate"),
        "holder": None,
        "employer": dict(EMPLOYER),
        "job": None,
        "registration": {
            "number": NUMBERS["registration_certificate"],
            "name_zh": EMPLOYER["name_zh"],
            "name_en": EMPLOYER["name_en"],
            "uscc": EMPLOYER["uscc"],
            "address": EMPLOYER["address"],
            "legal_representative": "王建华",
            "region_zh": "上海市浦东新区",
            "region_en": "Pudong New Area, Shanghai",
            "registered_on": dt.date(2026, 3, 9),
        },
    }
    return {
        "notification_letter": letter_ctx,
        "grant_decision": grant_ctx,
        "work_permit": permit_ctx,
        "rejection_decision": rejection_ctx,
        "registration_certificate": registration_ctx,
    }


# --- Extremes ------------------------------------------------------------------------------

LONG_LATIN_NAME = (
    "WOLFESCHLEGELSTEINHAUSENBERGERDORFF-VANDERBILT, MARIA-ALEXANDRA CHRISTINA "
    "PHILIPPA VON HOHENZOLLERN-SIGMARINGEN DE LA FUENTE Y MONTERO VILLANUEVA ROSS"
)
assert len(LONG_LATIN_NAME) == 150, len(LONG_LATIN_NAME)
LONG_CHINESE_NAME = (
    "玛丽亚-亚历山德拉·克里斯蒂娜·菲利帕·冯·霍亨索伦-西格马林根·德·拉·富恩特·伊·蒙特罗·"
    "维拉努埃瓦·沃尔夫施莱格尔施泰因豪森贝格尔多夫-范德比尔特·奥古斯塔·维多利亚·路易丝·"
    "夏洛特·伊丽莎白·卡罗琳娜"
)[:100].ljust(100, "娜")
LONG_EMPLOYER_ZH = (
    "上海浦江国际人工智能与生物医药联合创新研究院暨长三角一体化示范区跨境数字经济产业促进"
    "中心（有限合伙）附属高端装备制造与新材料技术成果转化服务平台运营管理有限公司"
    "张江科学城分公司第二研发中心及国际人才服务联络办公室"
)
LONG_EMPLOYER_ZH = (LONG_EMPLOYER_ZH * 3)[:200]
LONG_EMPLOYER_EN = (
    "Shanghai Pujiang International Institute for Artificial Intelligence and Biomedicine "
    "Joint Innovation and Yangtze River Delta Cross-Border Digital Economy Industry "
    "Promotion Centre Technology Transfer Platform Operations Co., Ltd."
).ljust(200, ".")[:200]
LONG_ADDRESS = (
    "中国（上海）自由贸易试验区临港新片区环湖西二路888号创晶科技中心B座第二十七层2701至2716室"
    "及第二十八层全层（实际经营地址：上海市浦东新区张江高科技园区碧波路690号3号楼502室）"
)

_PARAGRAPH_ZH = (
    "经审查，用人单位提交的申请材料中，申请人的最高学位证书未经中华人民共和国驻外使领馆认证，"
    "亦未提供教育部留学服务中心出具的国（境）外学历学位认证书；工作资历证明未载明具体起止时间、"
    "岗位职责及出具单位的联系方式，无法核实其真实性；无犯罪记录证明出具时间已超过六个月，且未"
    "按规定办理认证。上述材料经一次性告知补正后，用人单位在规定期限内仍未补正齐全。"
)
_PARAGRAPH_EN = (
    "On review, the highest degree certificate submitted by the employer has not been "
    "authenticated by a Chinese embassy or consulate, and no certificate of foreign degree "
    "recognition issued by the Chinese Service Center for Scholarly Exchange has been "
    "provided; the proof of work experience states neither the exact dates, nor the duties, "
    "nor how to contact the issuer, so it cannot be verified; the certificate of no criminal "
    "record is more than six months old and has not been authenticated. The employer was "
    "told once of everything missing and did not complete it within the time allowed."
)
LONG_TEXT_ZH = "\n\n".join(f"{n}. {_PARAGRAPH_ZH}" for n in ("一", "二", "三", "四", "五"))
LONG_TEXT_EN = "\n\n".join(f"{n}. {_PARAGRAPH_EN}" for n in range(1, 6))


def _long_reason(n: int) -> dict[str, str]:
    return {
        "code": f"MATERIAL_NOT_AUTHENTICATED_{n:02d}",
        "title_zh": (
            f"第{n}项：申请材料不符合《外国人来华工作许可服务指南（暂行）》规定的形式要求，"
            "相关证明文件未按规定经中国驻外使领馆或外国驻华使领馆认证，或认证已超过有效期，"
            "且用人单位在一次性告知补正后的法定期限内未予补正"
        ),
        "title_en": (
            f"Reason {n}: the application documents do not meet the formal requirements of the "
            "Service Guide for Foreigners' Work Permits in China (Provisional); supporting "
            "certificates were not authenticated by a Chinese embassy or consulate abroad or by "
            "the foreign embassy or consulate in China, or the authentication has expired, and "
            "the employer did not complete them within the statutory period after being told "
            "once of everything missing"
        ),
    }


def _extremes(samples: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    extremes = copy.deepcopy(samples)
    long_holder = {
        "name": LONG_LATIN_NAME,
        "name_zh": LONG_CHINESE_NAME,
        "sex_zh": "",
        "sex_en": "",
        "birth_date": dt.date(1961, 12, 31),
        "nationality_zh": "大不列颠及北爱尔兰联合王国",
        "nationality_en": "United Kingdom of Great Britain and Northern Ireland",
        "passport_number": "",
        "permit_number": "",
    }
    long_employer = {
        "name_zh": LONG_EMPLOYER_ZH,
        "name_en": LONG_EMPLOYER_EN,
        "uscc": "91310000MA1FL8XQ3W",
        "address": LONG_ADDRESS,
    }
    sparse_job = {
        "category": "B",
        "category_zh": "外国专业人才（B类）",
        "category_en": "Foreign professional (Category B)",
        "occupation_code": "",
        "occupation_zh": "其他专业技术人员" * 6,
        "occupation_en": "Other professional and technical personnel not elsewhere classified",
        "job_title": "",
        "work_place_zh": "",
        "work_place_en": "",
    }
    for kind, ctx in extremes.items():
        ctx["doc"]["replaces"] = {
            "version": 3,
            "reason": "更正持有人姓名及用人单位名称的错误 / correction of the holder's name and "
            "the employer's name, which were misspelt in the previous version",
        }
        ctx["doc"]["version"] = 4
        ctx["employer"] = dict(long_employer)
        if ctx.get("holder") is not None:
            ctx["holder"] = dict(long_holder)
        if ctx.get("job") is not None:
            ctx["job"] = dict(sparse_job)
        if kind == "registration_certificate":
            ctx["registration"].update(
                name_zh=LONG_EMPLOYER_ZH,
                name_en=LONG_EMPLOYER_EN,
                uscc=long_employer["uscc"],
                address=LONG_ADDRESS,
                legal_representative="",
                region_en="",
            )
    letter = extremes["notification_letter"]["letter"]
    letter.update(
        is_short_term=True,
        work_from=dt.date(2026, 12, 1),
        work_until=dt.date(2027, 2, 28),
        application_number="",
    )
    extremes["work_permit"]["holder"]["permit_number"] = "310000202600018342"
    grant = extremes["grant_decision"]["decision"]
    grant.update(
        granted=[],
        submitted_on=None,
        kind_zh="外国人来华工作许可变更（变更用人单位、职位、工作地点及工作许可证有效期）",
        kind_en="Change of a foreigner's work permit (employer, position, place of work and "
        "period of validity of the permit)",
        text_zh=LONG_TEXT_ZH,
        text_en=LONG_TEXT_EN,
    )
    rejection = extremes["rejection_decision"]["decision"]
    rejection.update(
        stage="acceptance",
        submitted_on=None,
        reasons=[_long_reason(n) for n in range(1, 26)],
        text_zh=LONG_TEXT_ZH,
        text_en=LONG_TEXT_EN,
        criteria=[
            {
                "label_zh": (
                    f"条件{n}：国（境）外学历学位须经中国驻外使领馆认证或经教育部留学服务中心认证"
                ),
                "label_en": (
                    f"Criterion {n}: a foreign degree must be authenticated by a Chinese "
                    "embassy or recognized by the Chinese Service Center for Scholarly Exchange"
                ),
                "required": "已认证且在有效期内 / authenticated and still valid",
                "actual": (
                    "未认证（2019年取得，认证已于2024年过期）/ not authenticated "
                    "(obtained 2019, authentication expired 2024)"
                ),
                "met": n % 3 == 0,
            }
            for n in range(1, 9)
        ],
        points={
            "total": 58,
            "required": 60,
            "category": "B",
            "lines": [
                {
                    "title_zh": f"计分项目{n}：在全球排名前200位的高校或全球知名高校取得的学历学位",
                    "title_en": f"Points line {n}: degree from a university ranked among the top "
                    "200 in the world or a world-renowned university",
                    "points": n % 5 * 2,
                    "max": 10,
                }
                for n in range(1, 13)
            ],
        },
    )
    return extremes


SAMPLES: dict[str, dict[str, Any]] = _samples()
EXTREMES: dict[str, dict[str, Any]] = _extremes(SAMPLES)
