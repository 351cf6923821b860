from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "permits"
    verbose_name = _("Work permits")

    def ready(self) -> None:
        # Register the workflows with the engine in every process (web, worker, commands),
        # and the app's menu entries, work-page sections and demo data with the kernel.
        from . import guides, hooks, issued, notifications, workflows  # noqa: F401

        hooks.register()
        from . import statistics as permits_statistics

        permits_statistics.register()
        issued.register()
        notifications.register()
