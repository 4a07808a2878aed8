"""Configuration of the activities: the kinds of activity (shared and per-CPAS entries).
Activities, sessions, enrolments and attendance are worked on in the application's pages."""

from django.contrib import admin

from activites.models import TypeActivite
from cpas_isp.admin import ListeReferenceAdmin


@admin.register(TypeActivite)
class TypeActiviteAdmin(ListeReferenceAdmin):
    list_display = ["code", "libelle_fr", "libelle_nl", "ordre", "actif", "cpas"]
    list_filter = ["actif"]
