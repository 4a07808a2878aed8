from django.urls import path

from trajets.views import article60, files, journal, phases, piis

app_name = "trajets"

urlpatterns = [
    # Journal
    path("personne/<int:pk>/etape/", journal.etape_rapide, name="etape_rapide"),
    path("personne/<int:pk>/journal/", journal.journal, name="journal"),
    path("etape/<int:etape_pk>/modifier/", journal.etape_modifier, name="etape_modifier"),
    path("etape/<int:etape_pk>/fait/", journal.action_faite, name="action_faite"),
    path("echeances/", files.echeances, name="echeances"),
    # Phases and queues
    path("personne/<int:pk>/orienter/", phases.orienter, name="orienter"),
    path("personne/<int:pk>/terminer/", phases.terminer_trajet, name="terminer_trajet"),
    path("passage/<int:passage_pk>/modifier/", phases.passage_modifier, name="passage_modifier"),
    path("files/", files.mes_files, name="files"),
    path("files/<slug:code>/", files.file_cellule, name="file_cellule"),
    path(
        "files/<slug:code>/seance-collective/",
        journal.seance_collective,
        name="seance_collective",
    ),
    # PIIS
    path("personne/<int:pk>/piis/nouveau/", piis.piis_nouveau, name="piis_nouveau"),
    path("piis/<int:piis_pk>/", piis.piis_detail, name="piis_detail"),
    path("piis/<int:piis_pk>/modifier/", piis.piis_modifier, name="piis_modifier"),
    path("piis/<int:piis_pk>/proposer/", piis.piis_proposer, name="piis_proposer"),
    path("piis/<int:piis_pk>/signer/", piis.piis_signer, name="piis_signer"),
    path("piis/<int:piis_pk>/cloturer/", piis.piis_cloturer, name="piis_cloturer"),
    path("piis/<int:piis_pk>/avenant/", piis.piis_avenant, name="piis_avenant"),
    path("piis/<int:piis_pk>/pdf/", piis.piis_pdf, name="piis_pdf"),
    path("piis/<int:piis_pk>/evaluation/", piis.evaluation_ajouter, name="evaluation_ajouter"),
    path("evaluation/<int:evaluation_pk>/", piis.evaluation, name="evaluation"),
    # Article 60
    path("personne/<int:pk>/article60/", article60.contrat_nouveau, name="contrat_nouveau"),
    path(
        "personne/<int:pk>/article60/fin-prevue/",
        article60.fin_prevue_calcul,
        name="fin_prevue",
    ),
    path("article60/<int:contrat_pk>/", article60.contrat_detail, name="contrat_detail"),
    path("article60/", article60.occupation, name="occupation"),
    path("article60/contrats/", article60.contrats_liste, name="contrats_liste"),
]
