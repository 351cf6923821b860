# The objections (0003) and the inspection campaigns (0004) were built side by side from
# 0002; neither touches the other's tables.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0003_objections"),
        ("credit", "0004_inspections"),
    ]

    operations: list[migrations.operations.base.Operation] = []
