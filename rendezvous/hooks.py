"""What the agendas add to the person's file (registered from ``RendezvousConfig.ready()``
through ``beneficiaires.hooks``): the appointments section, the "plan an appointment" action,
the appointments on the timeline, and the appointments in the personal data export."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires import hooks
from beneficiaires.permissions import peut_voir_beneficiaire
from rendezvous import queries
from rendezvous.models import Envoi, RendezVous


def section(request, beneficiaire):
    if not peut_voir_beneficiaire(request.user, beneficiaire):
        return None
    a_venir, passes = queries.de_la_personne(beneficiaire, request.user)
    html = render_to_string(
        "rendezvous/_section_personne.html",
        {
            "b": beneficiaire,
            "a_venir": a_venir,
            "passes": passes,
            "envois": queries.envois_de_la_personne(beneficiaire),
            "invitations": queries.invitations_en_cours(beneficiaire),
        },
        request=request,
    )
    return hooks.Section(
        titre=str(gettext_lazy("Rendez-vous")), html=html, ordre=25, ancre="rendez-vous"
    )


def actions(request, beneficiaire):
    if not peut_voir_beneficiaire(request.user, beneficiaire):
        return []
    url = reverse("rendezvous:creer", kwargs={"pk": beneficiaire.pk})
    inviter = reverse("rendezvous:inviter", kwargs={"pk": beneficiaire.pk})
    return [
        hooks.Action(_("Planifier un rendez-vous"), url, ordre=15),
        hooks.Action(_("Inviter ou convoquer"), inviter, ordre=16),
    ]


def timeline(beneficiaire, user):
    if not peut_voir_beneficiaire(user, beneficiaire):
        return []
    rdvs = queries.rendez_vous_de_la_personne(beneficiaire)[:50]
    return [
        hooks.EvenementTimeline(
            date=timezone.localtime(r.debut).date(),
            titre=_("Rendez-vous « %(type)s » à %(heure)s : %(statut)s")
            % {
                "type": r.type.libelle,
                "heure": f"{timezone.localtime(r.debut):%H:%M}",
                "statut": r.get_statut_display().lower(),
            },
            categorie="rendezvous",
            url=reverse("rendezvous:detail", kwargs={"rdv_pk": r.pk}),
        )
        for r in rdvs
    ]


def donnees_personnelles(beneficiaire):
    rdvs = (
        RendezVous.objects.filter(
            cpas_id=beneficiaire.cpas_id, participants__beneficiaire=beneficiaire
        )
        .select_related("type", "lieu", "agent")
        .order_by("debut")
    )
    envois = Envoi.objects.filter(cpas_id=beneficiaire.cpas_id, beneficiaire=beneficiaire).order_by(
        "cree_le", "id"
    )
    return {
        "messages_envoyes": [
            {
                "cree_le": timezone.localtime(e.cree_le),
                "envoye_le": timezone.localtime(e.envoye_le) if e.envoye_le else None,
                "canal": e.get_canal_display(),
                "nature": e.get_nature_display(),
                "destinataire": e.destinataire,
                "statut": e.get_statut_display(),
                "statut_le": timezone.localtime(e.statut_le) if e.statut_le else None,
                "erreur": e.erreur,
            }
            for e in envois
        ],
        "rendez_vous": [
            {
                "debut": timezone.localtime(r.debut),
                "duree_minutes": r.duree,
                "type": r.type.libelle,
                "lieu": str(r.lieu or ""),
                "agent": str(r.agent),
                "statut": r.get_statut_display(),
            }
            for r in rdvs
        ],
    }


def register():
    hooks.register_section(section)
    hooks.register_action(actions)
    hooks.register_timeline(timeline)
    hooks.register_donnees_personnelles(donnees_personnelles)
