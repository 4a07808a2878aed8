from django.contrib import admin

from cpas_isp.admin import TenantAdminMixin
from trajets.models import (
    ContratArticle60,
    Etape,
    MotifSortie,
    PassagePhase,
    Piis,
    PoolArticle60,
    RegleDureeArticle60,
    TypeEtape,
)


class ReferenceAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Reference lists shared by every CPAS: deactivated, never deleted (history refers to them)."""

    cpas_lookup = None
    list_display = ["code", "libelle_fr", "libelle_nl", "ordre", "actif"]
    list_editable = ["ordre", "actif"]
    search_fields = ["code", "libelle_fr", "libelle_nl"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MotifSortie)
class MotifSortieAdmin(ReferenceAdmin):
    list_display = ["code", "libelle_fr", "libelle_nl", "classe", "ordre", "actif"]
    list_filter = ["classe", "actif"]


@admin.register(TypeEtape)
class TypeEtapeAdmin(ReferenceAdmin):
    list_display = ["code", "libelle_fr", "libelle_nl", "collectif", "ordre", "actif"]


@admin.register(RegleDureeArticle60)
class RegleDureeArticle60Admin(TenantAdminMixin, admin.ModelAdmin):
    cpas_lookup = None
    list_display = ["valable_du", "age_min", "age_max", "jours_prestes", "commentaire"]
    ordering = ["-valable_du", "age_min"]


@admin.register(PoolArticle60)
class PoolArticle60Admin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["cpas", "valable_du", "postes_total", "postes_economie_sociale", "commentaire"]
    list_filter = ["cpas"]


@admin.register(PassagePhase)
class PassagePhaseAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["beneficiaire", "phase", "debut", "fin", "agent", "motif_sortie"]
    list_filter = ["phase", "motif_sortie__classe"]
    raw_id_fields = ["beneficiaire"]
    search_fields = ["beneficiaire__nom", "beneficiaire__niss"]
    date_hierarchy = "debut"


@admin.register(Etape)
class EtapeAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["date", "beneficiaire", "type", "mode", "auteur"]
    list_filter = ["type", "mode"]
    raw_id_fields = ["beneficiaire", "passage"]
    exclude = ["note_confidentielle"]  # never shown outside its author and coordinators
    date_hierarchy = "date"


@admin.register(Piis)
class PiisAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["beneficiaire", "type", "date_decision_ris", "statut", "numero_avenant"]
    list_filter = ["statut", "type"]
    raw_id_fields = ["beneficiaire", "avenant_de"]
    readonly_fields = ["version"]


@admin.register(ContratArticle60)
class ContratArticle60Admin(TenantAdminMixin, admin.ModelAdmin):
    list_display = [
        "beneficiaire",
        "fonction",
        "debut",
        "fin_prevue",
        "fin_reelle",
        "economie_sociale",
    ]
    list_filter = ["economie_sociale", "regime"]
    raw_id_fields = ["beneficiaire", "passage", "partenaire"]
