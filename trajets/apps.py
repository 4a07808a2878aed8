from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrajetsConfig(AppConfig):
    name = "trajets"
    verbose_name = _("Trajets d'insertion")

    def ready(self):
        # cycle: hooks and imports load the models, which need the app registry ready
        from trajets import hooks, imports

        hooks.register()
        imports.register()
