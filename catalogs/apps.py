from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogsConfig(AppConfig):
    name = "catalogs"
    verbose_name = _("Occupations and Guidance Catalogs")

    def ready(self) -> None:
        from . import registration

        registration.register()
