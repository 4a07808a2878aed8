from django.urls import path

from rendezvous.views import agenda, ics, invitations, parametres, rendez_vous, reservation, sms

app_name = "rendezvous"

urlpatterns = [
    # Agendas
    path("agenda/", agenda.mon_agenda, name="mon_agenda"),
    path("agenda/<int:agenda_pk>/semaine/", agenda.semaine, name="semaine"),
    path("agenda/<int:agenda_pk>/jour/", agenda.jour, name="jour"),
    path("agenda/<int:agenda_pk>/reglages/", agenda.reglages, name="reglages"),
    path(
        "agenda/<int:agenda_pk>/reglages/supprimer/",
        agenda.supprimer_reglage,
        name="supprimer_reglage",
    ),
    path("agenda/<int:agenda_pk>/lien-calendrier/", agenda.jeton_ics, name="jeton_ics"),
    path(
        "agenda/<int:agenda_pk>/nouveau/", rendez_vous.creer_dans_agenda, name="creer_dans_agenda"
    ),
    path("cellule/<slug:code>/jour/", agenda.cellule_jour, name="cellule_jour"),
    # Appointments
    path("personne/<int:pk>/nouveau/", rendez_vous.creer, name="creer"),
    path("<int:rdv_pk>/", rendez_vous.detail, name="detail"),
    path("<int:rdv_pk>/modifier/", rendez_vous.modifier, name="modifier"),
    path("<int:rdv_pk>/statut/", rendez_vous.statut, name="statut"),
    # The CPAS's settings (functional administrator)
    path("parametres/", parametres.parametres, name="parametres"),
    path("parametres/types/<int:type_pk>/canaux/", parametres.canaux_du_type, name="canaux_type"),
    path("parametres/types/nouveau/", parametres.type_rdv, name="type_creer"),
    path("parametres/types/<int:type_pk>/", parametres.type_rdv, name="type_modifier"),
    path("parametres/lieux/nouveau/", parametres.lieu, name="lieu_creer"),
    path("parametres/lieux/<int:lieu_pk>/", parametres.lieu, name="lieu_modifier"),
    path(
        "<int:rdv_pk>/participant/<int:beneficiaire_pk>/issue/",
        rendez_vous.issue_participant,
        name="issue_participant",
    ),
    # Invitations and convocations
    path("personne/<int:pk>/inviter/", invitations.inviter, name="inviter"),
    path("files/<slug:quelle>/", invitations.file, name="file"),
    path("files/inviter/groupe/", invitations.inviter_groupe, name="inviter_groupe"),
    path("invitation/<int:pk>/retirer/", invitations.retirer, name="retirer"),
    path("lettres/", invitations.imprimer, name="imprimer"),
    # The person's booking page (no login: the secret token of the link is the key)
    path("rdv/<str:jeton>/", reservation.reserver, name="reserver"),
    path("rdv/<str:jeton>/annuler/", reservation.annuler, name="reserver_annuler"),
    # Calendar feed (no login: the secret token is the key)
    path("ics/<str:jeton>.ics", ics.flux, name="ics"),
    # The SMS provider's delivery reports (no login: signed with a shared secret)
    path("sms/statut/", sms.statut, name="sms_statut"),
]
