from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartenairesConfig(AppConfig):
    name = "partenaires"
    verbose_name = _("Partenaires")

    def ready(self):
        from . import integration  # cycle: it imports the models, loaded only once apps are ready

        integration.register()
