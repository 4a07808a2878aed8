from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiairesConfig(AppConfig):
    name = "beneficiaires"
    verbose_name = _("Bénéficiaires")

    def ready(self):
        # Not at the top: these import models, which Django loads after the app configs.
        from cpas_isp import notifications
        from cpas_isp.audit.confidentialite import enregistrer_recherche_personnes

        from . import exports
        from .imports import types
        from .queries import noms_visibles, rechercher

        types.register()
        exports.register()
        enregistrer_recherche_personnes(rechercher)
        notifications.register_personnes(noms_visibles)
