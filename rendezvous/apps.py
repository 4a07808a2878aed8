from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RendezvousConfig(AppConfig):
    name = "rendezvous"
    verbose_name = _("Rendez-vous")

    def ready(self):
        from rendezvous import hooks

        hooks.register()
