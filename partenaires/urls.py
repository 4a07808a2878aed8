from django.urls import path

from . import views

app_name = "partenaires"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("nouveau/", views.partenaire_form, name="creer"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.partenaire_form, name="modifier"),
    path("<int:pk>/note/", views.note_creer, name="note_creer"),
    path("<int:pk>/suggestion/", views.suggestion_creer, name="suggestion_creer"),
    path(
        "<int:pk>/suggestion/<int:suggestion_pk>/traitee/",
        views.suggestion_traitee,
        name="suggestion_traitee",
    ),
    path("<int:partenaire_pk>/services/nouveau/", views.service_form, name="service_creer"),
    path("<int:partenaire_pk>/services/<int:pk>/", views.service_form, name="service_modifier"),
    path("<int:partenaire_pk>/contacts/nouveau/", views.contact_form, name="contact_creer"),
    path("<int:partenaire_pk>/contacts/<int:pk>/", views.contact_form, name="contact_modifier"),
    # Referrals, CPAS side
    path("orientations/", views.orientations, name="orientations"),
    path("orientations/nouvelle/", views.orientation_creer, name="orientation_creer"),
    path("orientations/<int:pk>/", views.orientation_detail, name="orientation_detail"),
    path(
        "orientations/<int:pk>/modifier/", views.orientation_modifier, name="orientation_modifier"
    ),
    path(
        "orientations/<int:pk>/statut/",
        views.orientation_transition,
        name="orientation_transition",
    ),
    path("orientations/<int:pk>/message/", views.orientation_message, name="orientation_message"),
    path("statistiques/", views.statistiques, name="statistiques"),
    # Partner portal
    path("portail/", views.portail, name="portail"),
    path("portail/<int:pk>/", views.portail_detail, name="portail_detail"),
    path("portail/<int:pk>/statut/", views.portail_transition, name="portail_transition"),
    path("portail/<int:pk>/message/", views.portail_message, name="portail_message"),
    path("portail/<int:pk>/presence/", views.portail_presence, name="portail_presence"),
    # Conventions
    path("conventions/", views.conventions, name="conventions"),
    path("conventions/nouvelle/", views.convention_form, name="convention_creer"),
    path("conventions/<int:pk>/", views.convention_detail, name="convention_detail"),
    path("conventions/<int:pk>/modifier/", views.convention_form, name="convention_modifier"),
    # Programmes
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/nouveau/", views.programme_form, name="programme_creer"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/modifier/", views.programme_form, name="programme_modifier"),
    path(
        "programmes/<int:programme_pk>/participants/nouveau/",
        views.participation_form,
        name="participation_creer",
    ),
    path(
        "programmes/<int:programme_pk>/participants/<int:pk>/",
        views.participation_form,
        name="participation_modifier",
    ),
    path(
        "programmes/<int:programme_pk>/participants/<int:pk>/avis/",
        views.avis_creer,
        name="avis_creer",
    ),
]
