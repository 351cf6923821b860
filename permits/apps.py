from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "permits"
    verbose_name = _("Work permits")

    def ready(self) -> None:
        # Register the workflows with the engine in every process (web, worker, commands),
        # and the app's menu entries, work-page sections and demo data with the kernel.
        from . import hooks, issued, workflows  # noqa: F401

        hooks.register()
        issued.register()
