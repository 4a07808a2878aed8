from django.urls import path

from .views import conservation, dossiers, imports, suivi

app_name = "beneficiaires"

urlpatterns = [
    path("", dossiers.liste, name="liste"),
    path("nouveau/", dossiers.creer, name="creer"),
    path("reattribuer/", suivi.reattribuer_lot, name="reattribuer"),
    path("<int:pk>/", dossiers.detail, name="detail"),
    path("<int:pk>/modifier/", dossiers.modifier, name="modifier"),
    path("<int:pk>/referent/", suivi.referent_changer, name="referent"),
    path("<int:pk>/cloturer/", suivi.cloturer, name="cloturer"),
    path("<int:pk>/rouvrir/", suivi.rouvrir, name="rouvrir"),
    path("<int:pk>/droits/ajouter/", dossiers.droit_ajouter, name="droit_ajouter"),
    path("<int:pk>/droits/<int:droit_pk>/", dossiers.droit_modifier, name="droit_modifier"),
    path(
        "<int:pk>/droits/<int:droit_pk>/supprimer/",
        dossiers.droit_supprimer,
        name="droit_supprimer",
    ),
    path("<int:pk>/freins/ajouter/", dossiers.frein_ajouter, name="frein_ajouter"),
    path("<int:pk>/freins/<int:frein_pk>/lever/", dossiers.frein_lever, name="frein_lever"),
    path("<int:pk>/bilan/", dossiers.bilan_modifier, name="bilan_modifier"),
    path("<int:pk>/bilan/historique/", dossiers.bilan_historique, name="bilan_historique"),
    path("<int:pk>/donnees/", dossiers.donnees_personnelles, name="donnees_personnelles"),
    path("<int:pk>/gel/", conservation.gel, name="gel"),
    path("<int:pk>/gel/lever/", conservation.gel_lever, name="gel_lever"),
    path("conservation/", conservation.conservation_page, name="conservation"),
    path("import/", imports.import_liste, name="import_liste"),
    path("import/<int:pk>/", imports.import_detail, name="import_detail"),
    path("import/<int:pk>/statut/", imports.import_statut, name="import_statut"),
    # The person page's other tabs (hooks.register_onglet): after every other <pk>/... address.
    path("<int:pk>/<slug:onglet>/", dossiers.detail, name="onglet"),
]
