"""Load the 31 provincial-level divisions (GB/T 2260), create the audit chain head, and on
PostgreSQL make the audit log and the workflow history append-only with triggers."""

from django.db import migrations

# code, Chinese name, English name, western region, north-east old industrial base
PROVINCES = [
    ("110000", "北京市", "Beijing", False, False),
    ("120000", "天津市", "Tianjin", False, False),
    ("130000", "河北省", "Hebei", False, False),
    ("140000", "山西省", "Shanxi", False, False),
    ("150000", "内蒙古自治区", "Inner Mongolia", True, False),
    ("210000", "辽宁省", "Liaoning", False, True),
    ("220000", "吉林省", "Jilin", False, True),
    ("230000", "黑龙江省", "Heilongjiang", False, True),
    ("310000", "上海市", "Shanghai", False, False),
    ("320000", "江苏省", "Jiangsu", False, False),
    ("330000", "浙江省", "Zhejiang", False, False),
    ("340000", "安徽省", "Anhui", False, False),
    ("350000", "福建省", "Fujian", False, False),
    ("360000", "江西省", "Jiangxi", False, False),
    ("370000", "山东省", "Shandong", False, False),
    ("410000", "河南省", "Henan", False, False),
    ("420000", "湖北省", "Hubei", False, False),
    ("430000", "湖南省", "Hunan", False, False),
    ("440000", "广东省", "Guangdong", False, False),
    ("450000", "广西壮族自治区", "Guangxi", True, False),
    ("460000", "海南省", "Hainan", False, False),
    ("500000", "重庆市", "Chongqing", True, False),
    ("510000", "四川省", "Sichuan", True, False),
    ("520000", "贵州省", "Guizhou", True, False),
    ("530000", "云南省", "Yunnan", True, False),
    ("540000", "西藏自治区", "Xizang", True, False),
    ("610000", "陕西省", "Shaanxi", True, False),
    ("620000", "甘肃省", "Gansu", True, False),
    ("630000", "青海省", "Qinghai", True, False),
    ("640000", "宁夏回族自治区", "Ningxia", True, False),
    ("650000", "新疆维吾尔自治区", "Xinjiang", True, False),
]

APPEND_ONLY_TABLES = ["portal_auditevent", "portal_transitionrecord"]


def load_provinces(apps, schema_editor):
    Region = apps.get_model("portal", "Region")
    for code, name_zh, name_en, western, northeast in PROVINCES:
        Region.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "level": "province",
                "is_western_region": western,
                "is_northeast_old_industrial_base": northeast,
            },
        )


def unload_provinces(apps, schema_editor):
    Region = apps.get_model("portal", "Region")
    Region.objects.filter(code__in=[p[0] for p in PROVINCES], level="province").delete()


def create_head(apps, schema_editor):
    AuditChainHead = apps.get_model("portal", "AuditChainHead")
    AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})


def delete_head(apps, schema_editor):
    apps.get_model("portal", "AuditChainHead").objects.filter(pk=1).delete()


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """
        CREATE OR REPLACE FUNCTION portal_refuse_change() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$ LANGUAGE plpgsql;
        """,
        params=None,  # the function body's % are PL/pgSQL's, not placeholders
    )
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(
            f"""
            CREATE TRIGGER {table}_append_only
            BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION portal_refuse_change();
            """
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS portal_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [
        migrations.RunPython(load_provinces, unload_provinces),
        migrations.RunPython(create_head, delete_head),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
