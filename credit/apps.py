from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Credit and supervision")

    def ready(self) -> None:
        # Menu entries, work-page sections and demo data of the records and objections, and
        # of the inspection campaigns.
        from . import guides, inspection_hooks, record_hooks  # noqa: F401  (guides: on import)

        record_hooks.register()
        inspection_hooks.register()

        # The credit records' section of the regulators' statistics.
        from . import statistics as credit_statistics

        credit_statistics.register()

        # The notification kinds of records, objections and campaigns.
        from . import notifications

        notifications.register()
