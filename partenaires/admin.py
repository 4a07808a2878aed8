from django.contrib import admin

from cpas_isp.admin import TenantAdminMixin

from .models import (
    ComptePartenaire,
    ContactPartenaire,
    Partenaire,
    ServicePartenaire,
    Thematique,
    TypePartenaire,
)


@admin.register(TypePartenaire, Thematique)
class LibelleAdmin(TenantAdminMixin, admin.ModelAdmin):
    cpas_lookup = None
    list_display = ["libelle_fr", "libelle_nl", "code", "ordre", "actif"]
    list_editable = ["ordre", "actif"]
    search_fields = ["libelle_fr", "libelle_nl", "code"]

    def has_delete_permission(self, request, obj=None):
        return False


class ContactInline(admin.TabularInline):
    model = ContactPartenaire
    extra = 0


class ServiceInline(admin.TabularInline):
    model = ServicePartenaire
    extra = 0
    fields = ["nom", "thematique", "places_disponibles", "actif"]


@admin.register(Partenaire)
class PartenaireAdmin(TenantAdminMixin, admin.ModelAdmin):
    cpas_lookup = None  # shared by every CPAS
    list_display = ["nom", "type", "commune", "region", "actif"]
    list_filter = ["type", "region", "actif"]
    search_fields = ["nom", "sigle", "commune"]
    inlines = [ServiceInline, ContactInline]
    exclude = ["cree_par_cpas"]


@admin.register(ComptePartenaire)
class ComptePartenaireAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Link a partner user (role « partenaire » in this CPAS) to their organisation."""

    cpas_lookup = "user__memberships__cpas"
    list_display = ["user", "partenaire"]
    search_fields = ["user__username", "user__last_name", "partenaire__nom"]
    autocomplete_fields = ["partenaire"]
