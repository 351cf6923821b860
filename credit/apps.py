from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Credit and supervision")

    def ready(self) -> None:
        # Menu entries, work-page sections and demo data of the records and objections, and
        # of the inspection campaigns.
        from . import inspection_hooks, record_hooks

        record_hooks.register()
        inspection_hooks.register()
