from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentStandardsConfig(AppConfig):
    name = "talent_standards"
    verbose_name = _("Talent recognition standards")

    def ready(self) -> None:
        from . import registration

        registration.register()
