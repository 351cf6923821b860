# The labour-market test (0008_labour_market_test) and the pre-2017 documents
# (0008_legacy_licences) were built side by side from 0007; neither touches the other's
# tables.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("permits", "0008_labour_market_test"),
        ("permits", "0008_legacy_licences"),
    ]

    operations: list[migrations.operations.base.Operation] = []
