from django.urls import path

from activites.views import activites, attestations, fse, inscriptions, presences

app_name = "activites"

urlpatterns = [
    path("", activites.liste, name="liste"),
    path("nouvelle/", activites.creer, name="creer"),
    path("<int:pk>/", activites.detail, name="detail"),
    path("<int:pk>/modifier/", activites.modifier, name="modifier"),
    path("<int:pk>/seances/", activites.seances, name="seances"),
    path("<int:pk>/inscrire/", inscriptions.inscrire, name="inscrire"),
    path("seance/<int:seance_pk>/", presences.grille, name="presences"),
    path("seance/<int:seance_pk>/feuille.pdf", presences.feuille, name="feuille"),
    path("seance/<int:seance_pk>/supprimer/", activites.supprimer_seance, name="supprimer_seance"),
    path("personne/<int:pk>/inscrire/", inscriptions.inscrire_personne, name="inscrire_personne"),
    path("inscription/<int:inscription_pk>/retirer/", inscriptions.retirer, name="retirer"),
    path("inscription/<int:inscription_pk>/terminer/", inscriptions.terminer, name="terminer"),
    path(
        "inscription/<int:inscription_pk>/attestation/",
        attestations.emettre,
        name="attestation_emettre",
    ),
    # ESF+ (activites/views/fse.py)
    path("fse/", fse.tableau, name="fse"),
    path("fse/personnes/", fse.personnes, name="fse_personnes"),
    path("fse/export/<str:table>.<str:format>", fse.export, name="fse_export"),
    path("fse/suivi/<int:pk>/", fse.suivi, name="fse_suivi"),
    path("inscription/<int:inscription_pk>/fse/", fse.participant, name="fse_participant"),
    path("attestation/<int:pk>.pdf", attestations.attestation, name="attestation"),
    # Public (no login): checking an attestation's code
    path("verifier/", attestations.verifier, name="verification"),
    path("verifier/<str:code>/", attestations.verifier, name="verifier"),
]
