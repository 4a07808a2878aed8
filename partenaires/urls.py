from django.urls import path

from .views import annuaire, conventions, orientations, portail, programmes

app_name = "partenaires"

urlpatterns = [
    path("", annuaire.liste, name="liste"),
    path("nouveau/", annuaire.partenaire_form, name="creer"),
    path("<int:pk>/", annuaire.detail, name="detail"),
    path("<int:pk>/modifier/", annuaire.partenaire_form, name="modifier"),
    path("<int:pk>/note/", annuaire.note_creer, name="note_creer"),
    path("<int:pk>/suggestion/", annuaire.suggestion_creer, name="suggestion_creer"),
    path(
        "<int:pk>/suggestion/<int:suggestion_pk>/traitee/",
        annuaire.suggestion_traitee,
        name="suggestion_traitee",
    ),
    path("<int:partenaire_pk>/services/nouveau/", annuaire.service_form, name="service_creer"),
    path("<int:partenaire_pk>/services/<int:pk>/", annuaire.service_form, name="service_modifier"),
    path("<int:partenaire_pk>/contacts/nouveau/", annuaire.contact_form, name="contact_creer"),
    path("<int:partenaire_pk>/contacts/<int:pk>/", annuaire.contact_form, name="contact_modifier"),
    # Referrals, CPAS side
    path("orientations/", orientations.orientations, name="orientations"),
    path("orientations/nouvelle/", orientations.orientation_creer, name="orientation_creer"),
    path("orientations/<int:pk>/", orientations.orientation_detail, name="orientation_detail"),
    path(
        "orientations/<int:pk>/modifier/",
        orientations.orientation_modifier,
        name="orientation_modifier",
    ),
    path(
        "orientations/<int:pk>/statut/",
        orientations.orientation_transition,
        name="orientation_transition",
    ),
    path(
        "orientations/<int:pk>/message/",
        orientations.orientation_message,
        name="orientation_message",
    ),
    path("statistiques/", orientations.statistiques, name="statistiques"),
    # Partner portal
    path("portail/", portail.portail, name="portail"),
    path("portail/<int:pk>/", portail.portail_detail, name="portail_detail"),
    path("portail/<int:pk>/statut/", portail.portail_transition, name="portail_transition"),
    path("portail/<int:pk>/message/", portail.portail_message, name="portail_message"),
    path("portail/<int:pk>/presence/", portail.portail_presence, name="portail_presence"),
    # Conventions
    path("conventions/", conventions.conventions, name="conventions"),
    path("conventions/nouvelle/", conventions.convention_form, name="convention_creer"),
    path("conventions/<int:pk>/", conventions.convention_detail, name="convention_detail"),
    path("conventions/<int:pk>/modifier/", conventions.convention_form, name="convention_modifier"),
    # Programmes
    path("programmes/", programmes.programmes, name="programmes"),
    path("programmes/nouveau/", programmes.programme_form, name="programme_creer"),
    path("programmes/<int:pk>/", programmes.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/modifier/", programmes.programme_form, name="programme_modifier"),
    path(
        "programmes/<int:programme_pk>/participants/nouveau/",
        programmes.participation_form,
        name="participation_creer",
    ),
    path(
        "programmes/<int:programme_pk>/participants/<int:pk>/",
        programmes.participation_form,
        name="participation_modifier",
    ),
    path(
        "programmes/<int:programme_pk>/participants/<int:pk>/avis/",
        programmes.avis_creer,
        name="avis_creer",
    ),
]
