from django.contrib import admin

from cpas_isp.admin import ListeReferenceAdmin

from .models import Frein


@admin.register(Frein)
class FreinAdmin(ListeReferenceAdmin):
    """Obstacles: shared entries (and their ``sensible`` flag) are national; a CPAS adds its own."""

    list_display = ["libelle_fr", "libelle_nl", "code", "sensible", "actif", "ordre"]
    list_filter = ["sensible", "actif"]


# Person files (Beneficiaire, DroitAide, FreinBeneficiaire, bilans) and import batches (their
# rows are person data) are deliberately not in the admin: functional administrators have no
# need to know them, and every consultation must go through the application's pages, which
# check need-to-know and log it (journaliser_acces).
