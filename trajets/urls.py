from django.urls import path

from trajets import views

app_name = "trajets"

urlpatterns = [
    # Journal
    path("personne/<int:pk>/etape/", views.etape_rapide, name="etape_rapide"),
    path("personne/<int:pk>/journal/", views.journal, name="journal"),
    path("personne/<int:pk>/journal/recent/", views.journal_recent, name="journal_recent"),
    path("etape/<int:etape_pk>/modifier/", views.etape_modifier, name="etape_modifier"),
    path("etape/<int:etape_pk>/fait/", views.action_faite, name="action_faite"),
    path("echeances/", views.echeances, name="echeances"),
    # Phases and queues
    path("personne/<int:pk>/orienter/", views.orienter, name="orienter"),
    path("personne/<int:pk>/terminer/", views.terminer_trajet, name="terminer_trajet"),
    path("passage/<int:passage_pk>/modifier/", views.passage_modifier, name="passage_modifier"),
    path("files/", views.mes_files, name="files"),
    path("files/<slug:code>/", views.file_cellule, name="file_cellule"),
    path("files/<slug:code>/seance-collective/", views.seance_collective, name="seance_collective"),
    # PIIS
    path("personne/<int:pk>/piis/nouveau/", views.piis_nouveau, name="piis_nouveau"),
    path("piis/<int:piis_pk>/", views.piis_detail, name="piis_detail"),
    path("piis/<int:piis_pk>/modifier/", views.piis_modifier, name="piis_modifier"),
    path("piis/<int:piis_pk>/proposer/", views.piis_proposer, name="piis_proposer"),
    path("piis/<int:piis_pk>/signer/", views.piis_signer, name="piis_signer"),
    path("piis/<int:piis_pk>/cloturer/", views.piis_cloturer, name="piis_cloturer"),
    path("piis/<int:piis_pk>/avenant/", views.piis_avenant, name="piis_avenant"),
    path("piis/<int:piis_pk>/pdf/", views.piis_pdf, name="piis_pdf"),
    path("piis/<int:piis_pk>/evaluation/", views.evaluation_ajouter, name="evaluation_ajouter"),
    path("evaluation/<int:evaluation_pk>/", views.evaluation, name="evaluation"),
    # Article 60
    path("personne/<int:pk>/article60/", views.contrat_nouveau, name="contrat_nouveau"),
    path("personne/<int:pk>/article60/fin-prevue/", views.fin_prevue_calcul, name="fin_prevue"),
    path("article60/<int:contrat_pk>/", views.contrat_detail, name="contrat_detail"),
    path("article60/", views.occupation, name="occupation"),
    path("article60/contrats/", views.contrats_liste, name="contrats_liste"),
]
