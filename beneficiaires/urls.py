from django.urls import path

from . import views

app_name = "beneficiaires"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("nouveau/", views.creer, name="creer"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.modifier, name="modifier"),
    path("<int:pk>/droits/ajouter/", views.droit_ajouter, name="droit_ajouter"),
    path("<int:pk>/droits/<int:droit_pk>/", views.droit_modifier, name="droit_modifier"),
    path(
        "<int:pk>/droits/<int:droit_pk>/supprimer/",
        views.droit_supprimer,
        name="droit_supprimer",
    ),
    path("<int:pk>/freins/ajouter/", views.frein_ajouter, name="frein_ajouter"),
    path("<int:pk>/freins/<int:frein_pk>/lever/", views.frein_lever, name="frein_lever"),
    path("<int:pk>/bilan/", views.bilan_modifier, name="bilan_modifier"),
    path("<int:pk>/bilan/historique/", views.bilan_historique, name="bilan_historique"),
    path("<int:pk>/donnees/", views.donnees_personnelles, name="donnees_personnelles"),
    path("import/", views.import_liste, name="import_liste"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/statut/", views.import_statut, name="import_statut"),
]
