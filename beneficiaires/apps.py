from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiairesConfig(AppConfig):
    name = "beneficiaires"
    verbose_name = _("Bénéficiaires")

    def ready(self):
        from . import imports

        imports.register()
