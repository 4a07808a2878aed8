"""Configuration of trajectories: reference lists, article 60 legal rules and pools.

Stays in phases, steps, PIIS and article 60 contracts are person files: they are deliberately
not in the admin (functional administrators have no need to know them; every consultation goes
through the application's pages, which check need-to-know and write the access log)."""

from django.contrib import admin

from cpas_isp.admin import ListeReferenceAdmin, SharedConfigurationAdmin, TenantAdminMixin
from trajets.models import (
    MotifSortie,
    ParametresJournal,
    PoolArticle60,
    RegleDureeArticle60,
    TypeEtape,
)


@admin.register(MotifSortie)
class MotifSortieAdmin(ListeReferenceAdmin):
    list_display = ["code", "libelle_fr", "libelle_nl", "classe", "ordre", "actif"]
    list_filter = ["classe", "actif"]


@admin.register(TypeEtape)
class TypeEtapeAdmin(ListeReferenceAdmin):
    list_display = ["code", "libelle_fr", "libelle_nl", "collectif", "workflow", "ordre", "actif"]
    list_filter = ["collectif", "workflow", "actif"]


@admin.register(RegleDureeArticle60)
class RegleDureeArticle60Admin(SharedConfigurationAdmin):
    """Legal rule shared by every CPAS: a national administrator keeps it up to date."""

    list_display = ["valable_du", "age_min", "age_max", "jours_prestes", "commentaire"]
    ordering = ["-valable_du", "age_min"]


@admin.register(PoolArticle60)
class PoolArticle60Admin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["cpas", "valable_du", "postes_total", "postes_economie_sociale", "commentaire"]
    list_filter = ["cpas"]


@admin.register(ParametresJournal)
class ParametresJournalAdmin(TenantAdminMixin, admin.ModelAdmin):
    """The CPAS's administrator chooses the neutral step type the quick form starts from."""

    list_display = ["cpas", "type_par_defaut"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "type_par_defaut" and field is not None:
            field.queryset = field.queryset.filter(actif=True, workflow=False)
        return field
