from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiairesConfig(AppConfig):
    name = "beneficiaires"
    verbose_name = _("Bénéficiaires")

    def ready(self):
        from cpas_isp.audit.confidentialite import enregistrer_recherche_personnes

        from . import imports
        from .queries import rechercher

        imports.register()
        enregistrer_recherche_personnes(rechercher)
