from django.contrib import admin

from cpas_isp.admin import TenantAdminMixin

from .models import Frein, LotImport


@admin.register(Frein)
class FreinAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Shared reference list: functional administrators add obstacles, FR and NL labels."""

    cpas_lookup = None
    list_display = ["libelle_fr", "libelle_nl", "code", "sensible", "actif", "ordre"]
    list_filter = ["sensible", "actif"]
    search_fields = ["code", "libelle_fr", "libelle_nl"]
    list_editable = ["actif", "ordre"]

    def has_delete_permission(self, request, obj=None):
        return False


# Person files (Beneficiaire, DroitAide, FreinBeneficiaire, bilans) are deliberately not in the
# admin: functional administrators have no need to know them, and every consultation must go
# through the application's pages, which log it (journaliser_acces).


@admin.register(LotImport)
class LotImportAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["cree_le", "nom_fichier", "type", "statut", "nb_lignes", "nb_valides", "cpas"]
    list_filter = ["statut", "type"]
    exclude = ["contenu"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
