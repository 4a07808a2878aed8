from django.contrib import admin

from cpas_isp.admin import ListeReferenceAdmin, TenantAdminMixin

from .models import CategorieDocument, ParametresDocuments


@admin.register(CategorieDocument)
class CategorieDocumentAdmin(ListeReferenceAdmin):
    """Document categories: shared entries (and their ``sensible`` flag) are national; a CPAS
    adds its own."""

    list_display = ["libelle_fr", "libelle_nl", "code", "sensible", "actif", "ordre"]
    list_filter = ["sensible", "actif"]


@admin.register(ParametresDocuments)
class ParametresDocumentsAdmin(TenantAdminMixin, admin.ModelAdmin):
    """The CPAS's maximum document size."""

    list_display = ["cpas", "taille_max_mo"]


# Documents themselves are person data: not in the admin (downloads go through the application,
# which checks need-to-know and writes the access log).
