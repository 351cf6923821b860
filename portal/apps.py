from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal kernel")

    def ready(self) -> None:
        # Sign-ins and failed sign-ins are audited through Django's auth signals: the
        # only place every authentication path (pages, admin, API) passes through. And the
        # notification kinds of the filing lifecycle and of issued documents.
        from . import kernel_notifications, receivers  # noqa: F401

        kernel_notifications.register()

        # Publications: their workflow table (portal.workflow.REGISTRY) and demo data.
        from . import demo, publication_demo, publication_workflow  # noqa: F401

        demo.register("Announcements and policy", publication_demo.load)

        # Publications may be about a procedure: shown on its service guide.
        from . import guide_subjects

        guide_subjects.register()

        from . import publication_notifications

        publication_notifications.register()
