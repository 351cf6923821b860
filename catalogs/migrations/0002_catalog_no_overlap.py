"""On PostgreSQL, two published versions of one province's catalog can never overlap in
time: an exclusion constraint over the province and the period in force."""

from django.db import migrations

from portal.filings import no_overlap_constraint


class Migration(migrations.Migration):
    dependencies = [("catalogs", "0001_initial")]

    operations = [no_overlap_constraint("catalogs_guidancecatalog")]
