from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrajetsConfig(AppConfig):
    name = "trajets"
    verbose_name = _("Trajets d'insertion")

    def ready(self):
        from trajets import hooks, imports

        hooks.register()
        imports.register()
