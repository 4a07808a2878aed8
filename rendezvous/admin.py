"""Configuration of the agendas: kinds of appointment (shared and per-CPAS entries) and the
CPAS's places. Agendas and appointments are worked on in the application's pages."""

from django.contrib import admin

from cpas_isp.admin import ListeReferenceAdmin, TenantAdminMixin
from rendezvous.models import Lieu, TypeRendezVous


@admin.register(TypeRendezVous)
class TypeRendezVousAdmin(ListeReferenceAdmin):
    list_display = ["code", "libelle_fr", "libelle_nl", "type_etape", "duree", "ordre", "actif"]
    list_filter = ["collectif", "evaluation_piis", "actif"]


@admin.register(Lieu)
class LieuAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["nom", "type", "adresse", "cpas", "actif"]
    list_filter = ["type", "actif"]
    search_fields = ["nom", "adresse"]
