"""Category B routes apply up to age 60 in principle (domain rules); the salary-multiple
route of Category B lacked the limit in the data of migration 0002."""

from django.db import migrations


def forwards(apps, schema_editor):
    Route = apps.get_model("talent_standards", "RecognitionRoute")
    for route in Route.objects.filter(national_standard__isnull=False, code="B-SALARY"):
        route.parameters = {**route.parameters, "max_age": 60}
        route.save(update_fields=["parameters"])


def backwards(apps, schema_editor):
    Route = apps.get_model("talent_standards", "RecognitionRoute")
    for route in Route.objects.filter(national_standard__isnull=False, code="B-SALARY"):
        route.parameters = {k: v for k, v in route.parameters.items() if k != "max_age"}
        route.save(update_fields=["parameters"])


class Migration(migrations.Migration):
    dependencies = [("talent_standards", "0002_national_standards_and_points_tables")]

    operations = [migrations.RunPython(forwards, backwards)]
