from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CpasIspConfig(AppConfig):
    name = "cpas_isp"
    verbose_name = _("CPAS et utilisateurs")

    def ready(self):
        # Every app's admin module is loaded by now (django.contrib.admin comes first in
        # INSTALLED_APPS and autodiscovers in its own ready()); cycle: admin imports models.
        from cpas_isp.admin import reserver_aux_superutilisateurs

        reserver_aux_superutilisateurs()
