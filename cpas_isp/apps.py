from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CpasIspConfig(AppConfig):
    name = "cpas_isp"
    verbose_name = _("CPAS et utilisateurs")
