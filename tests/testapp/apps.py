from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """A model with a lifecycle, installed only in tests, to test the kernel's engines
    on their own (the domain apps test them again with their real workflows)."""

    name = "tests.testapp"
    label = "testapp"
    default_auto_field = "django.db.models.BigAutoField"
