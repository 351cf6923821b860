from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal kernel")

    def ready(self) -> None:
        # Sign-ins and failed sign-ins are audited through Django's auth signals: the
        # only place every authentication path (pages, admin, API) passes through.
        from . import receivers  # noqa: F401
