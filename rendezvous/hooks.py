"""What the agendas add to the person's file (registered from ``RendezvousConfig.ready()``
through ``beneficiaires.hooks``): the appointments section, the "plan an appointment" action,
the appointments on the timeline, and the appointments in the personal data export."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires import hooks
from beneficiaires.permissions import peut_voir_beneficiaire
from cpas_isp import accueil, lots
from cpas_isp.listes import url_de, url_par_pk
from rendezvous import cartes, envois, queries, services_invitations
from rendezvous.models import RendezVous
from rendezvous.templatetags import rendezvous_tags


def indicateurs_fiche():
    """Whether the person has appointments, messages sent and invitations, in the person
    page's query of the person: none, no query."""
    from rendezvous.models import Envoi, Invitation, Participant

    return {
        "fiche_a_rendez_vous": hooks.ALignes(Participant),
        "fiche_a_envois": hooks.ALignes(Envoi),
        "fiche_a_invitations": hooks.ALignes(Invitation),
    }


def _sans_rendez_vous(beneficiaire):
    """No appointment (the page's query said so): the list shared by the section and the
    timeline (``queries.rendez_vous_de_la_personne``'s cache) is empty, no query."""
    if hooks.liste_vide(beneficiaire, "fiche_a_rendez_vous"):
        beneficiaire.__dict__.setdefault("_rendez_vous", [])


def prechargement(request, beneficiaire):
    """The person page's reading of the section's and the timeline's lists
    (``hooks.precharger_fiche``): the appointments, the messages sent and the invitations not
    known to be none, their statements sent with the other apps' in one round trip."""
    if not peut_voir_beneficiaire(request.user, beneficiaire):
        return None
    _sans_rendez_vous(beneficiaire)
    lectures = []
    # The appointments' tab: its section's lists (the timeline's tab: the appointments only).
    section = hooks.onglet_de(request) == ONGLET
    if "_rendez_vous" not in beneficiaire.__dict__:
        lectures.append(
            queries.lecture_rendez_vous_de_la_personne(beneficiaire, section_seule=section)
        )
    if section and not hooks.liste_vide(beneficiaire, "fiche_a_envois"):
        lectures.append(queries.lecture_envois_de_la_personne(beneficiaire))
    if section and not hooks.liste_vide(beneficiaire, "fiche_a_invitations"):
        lectures.append(queries.lecture_invitations_en_cours(beneficiaire))
    return lots.ensemble(lectures) if lectures else None


def section(request, beneficiaire):
    if not peut_voir_beneficiaire(request.user, beneficiaire):
        return None
    _sans_rendez_vous(beneficiaire)
    a_venir, passes = queries.de_la_personne(beneficiaire, request.user)
    html = render_to_string(
        "rendezvous/_section_personne.html",
        {
            "b": beneficiaire,
            "a_venir": a_venir,
            "passes": passes,
            # The cards written in Python (rendezvous/_rdv.html's HTML): no include per card.
            "cartes_a_venir": cartes.cartes(a_venir, request, avec_date=True, avec_agent=True),
            "cartes_passes": cartes.cartes(passes, request, avec_date=True, avec_agent=True),
            "envois": []
            if hooks.liste_vide(beneficiaire, "fiche_a_envois")
            else queries.envois_de_la_personne(beneficiaire),
            "invitations": []
            if hooks.liste_vide(beneficiaire, "fiche_a_invitations")
            else queries.invitations_en_cours(beneficiaire),
        },
        request=request,
    )
    return hooks.Section(
        titre=str(gettext_lazy("Rendez-vous")), html=html, ordre=25, ancre="rendez-vous"
    )


def actions(request, beneficiaire):
    if not peut_voir_beneficiaire(request.user, beneficiaire):
        return []
    url = url_de("rendezvous:creer", beneficiaire.pk)
    inviter = url_de("rendezvous:inviter", beneficiaire.pk)
    return [
        hooks.Action(_("Planifier un rendez-vous"), url, ordre=15),
        hooks.Action(_("Inviter ou convoquer"), inviter, ordre=16),
    ]


def timeline(beneficiaire, user):
    if not peut_voir_beneficiaire(user, beneficiaire):
        return []
    _sans_rendez_vous(beneficiaire)
    rdvs = queries.rendez_vous_de_la_personne(beneficiaire)[:50]
    url = url_par_pk("rendezvous:detail", None)
    # Translated once, each appointment's local start computed once (up to 50 rows a page).
    titre = _("Rendez-vous « %(type)s » à %(heure)s : %(statut)s")
    evenements = []
    fuseau = timezone.get_current_timezone()  # read once, not by each localtime()
    types: dict = {}  # each kind's label in the active language, once
    for r in rdvs:
        debut = timezone.localtime(r.debut, fuseau)
        if (type_rdv := types.get(r.type_id)) is None:
            type_rdv = types[r.type_id] = r.type.libelle
        evenements.append(
            hooks.EvenementTimeline(
                date=debut.date(),
                titre=titre
                % {
                    "type": type_rdv,
                    "heure": f"{debut:%H:%M}",
                    "statut": r.get_statut_display().lower(),
                },
                categorie="rendezvous",
                url=url(r.pk),
            )
        )
    return evenements


def donnees_personnelles_rendez_vous(beneficiaire):
    rdvs = (
        RendezVous.objects.filter(
            cpas_id=beneficiaire.cpas_id, participants__beneficiaire=beneficiaire
        )
        .select_related("type", "lieu", "agent")
        .order_by("debut")
    )
    return [
        {
            "debut": timezone.localtime(r.debut),
            "duree_minutes": r.duree,
            "type": r.type.libelle,
            "lieu": str(r.lieu or ""),
            "agent": str(r.agent),
            "statut": r.get_statut_display(),
            "note": r.note,
        }
        for r in rdvs
    ]


# The person page's tab of the appointments (activites adds its block there too).
ONGLET = "rendez-vous"


def register():
    envois.enregistrer_lien_reservation(services_invitations.lien_de)
    hooks.register_onglet(ONGLET, gettext_lazy("Rendez-vous et activités"), ordre=20)
    hooks.register_section(section, onglet=ONGLET)
    hooks.register_action(actions)
    hooks.register_timeline(timeline, categories={"rendezvous": gettext_lazy("Rendez-vous")})
    hooks.register_indicateurs_fiche(indicateurs_fiche)
    # The appointments: the tab's block and the timeline.
    hooks.register_prechargement_fiche(prechargement, onglets=(ONGLET, hooks.ONGLET_PARCOURS))
    accueil.register_prechargement(rendezvous_tags.prechargement_accueil)
    register_donnees()


def rendez_vous_sans_autre_dossier(rendez_vous, personne_ids):
    """The appointments among ``rendez_vous`` whose note may be erased when the files
    ``personne_ids`` are anonymised: individual ones, and group sessions whose other
    participants' files are all anonymised already (the note still serves the others)."""
    from django.db.models import Exists, OuterRef

    from rendezvous.models import Participant

    autres = Participant.objects.filter(
        rendez_vous=OuterRef("pk"), beneficiaire__anonymise_le__isnull=True
    ).exclude(beneficiaire_id__in=personne_ids)
    return rendez_vous.filter(~Exists(autres))


def register_donnees():
    """What this app keeps on a person (right of access, anonymisation): ``beneficiaires.registre``.
    Notes and addresses written are erased; appointments' dates, types and outcomes stay."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    from beneficiaires import registre
    from rendezvous.models import (
        Agenda,
        ChangementStatut,
        Envoi,
        Invitation,
        Lieu,
        Participant,
        TypeRendezVous,
    )

    registre.enregistrer(
        RendezVous,
        personne="participants__beneficiaire",
        titre=gettext_lazy("Rendez-vous"),
        exporter=donnees_personnelles_rendez_vous,
        effacer=["note"],
        partage=rendez_vous_sans_autre_dossier,
        ordre=40,
        cle="rendez_vous",
    )
    registre.enregistrer(
        Participant,
        personne="beneficiaire",
        titre=gettext_lazy("Participations aux rendez-vous"),
        champs=["rendez_vous", "debut", "fin", "annule"],
        ordre=41,
    )
    registre.enregistrer(
        ChangementStatut,
        personne="rendez_vous__participants__beneficiaire",
        titre=gettext_lazy("Suivi des rendez-vous"),
        champs=["rendez_vous", "ancien", "nouveau", "le", "motif"],
        effacer=["motif"],
        ordre=42,
    )
    registre.enregistrer(
        Invitation,
        personne="beneficiaire",
        titre=gettext_lazy("Invitations et convocations"),
        champs=["mode", "type", "statut", "canaux", "expire_le", "cree_le", "rendez_vous"],
        # The booking link's token: replaced, so an old link opens nothing.
        effacer=["jeton", "sel"],
        remplacements={"jeton": Concat(Value("anonyme-"), Cast("pk", CharField()))},
        ordre=43,
    )
    registre.enregistrer(
        Envoi,
        personne="beneficiaire",
        titre=gettext_lazy("Messages envoyés"),
        champs=[
            "cree_le",
            "envoye_le",
            "canal",
            "nature",
            "destinataire",
            "statut",
            "statut_le",
            "erreur",
        ],
        effacer=["destinataire", "erreur"],
        cle="messages_envoyes",
        ordre=44,
    )
    registre.hors_personne(Agenda, Lieu, TypeRendezVous)
