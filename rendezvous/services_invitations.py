"""Write operations of invitations and convocations, each in one transaction: invite a person
to book a slot (a secret link, only its SHA-256 stored), convene them to a fixed slot, book /
cancel / rebook from the booking page (until the CPAS's cut-off), cancel an invitation, and the
nightly expiry of the invitations nobody answered."""

from __future__ import annotations

import base64
import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from rendezvous import queries, services
from rendezvous.models import (
    STATUTS_A_VENIR,
    Canal,
    CanauxDuType,
    ChangementStatut,
    Invitation,
    ModeInvitation,
    OrigineRendezVous,
    ParametresRendezVous,
    RendezVous,
    StatutInvitation,
    StatutRendezVous,
)

MOTIF_RESERVATION = "Réservé par la personne (lien d'invitation)"
MOTIF_ANNULATION = "Annulé par la personne (lien d'invitation)"


def parametres(cpas_id) -> ParametresRendezVous:
    """The CPAS's settings (created with the defaults the first time)."""
    return ParametresRendezVous.objects.get_or_create(cpas_id=cpas_id)[0]


def canaux_par_defaut(cpas_id, type_rdv) -> list[str]:
    """The channels of a kind of appointment: the CPAS's choice for that kind, else the CPAS's
    default channels, else the printed letter."""
    propres = (
        CanauxDuType.objects.filter(cpas_id=cpas_id, type=type_rdv)
        .values_list("canaux", flat=True)
        .first()
    )
    if propres:
        return list(propres)
    return list(parametres(cpas_id).canaux) or [Canal.LETTRE]


def jeton_signe(sel: str) -> str:
    """The link's token of an invitation: an HMAC (SECRET_KEY) of its random ``sel``."""
    empreinte = salted_hmac("rendezvous.invitation", sel, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(empreinte[:24]).decode().rstrip("=")


def nouveau_jeton() -> tuple[str, str, str]:
    """(token for the link, its SHA-256 to store, the random value it is signed from)."""
    sel = secrets.token_urlsafe(16)
    jeton = jeton_signe(sel)
    return jeton, services.hacher_jeton(jeton), sel


def jeton_de(invitation: Invitation) -> str:
    """The token of the invitation's link, written again (reminders, a reprinted letter), or
    "" when it cannot be (an invitation made before links were signed, or anonymised)."""
    if not invitation.sel:
        return ""
    jeton = jeton_signe(invitation.sel)
    return jeton if services.hacher_jeton(jeton) == invitation.jeton else ""


def lien_de(invitation: Invitation) -> str:
    """The absolute booking link of a pending invitation, for the reminders (``SITE_URL``)."""
    if invitation.statut != StatutInvitation.EN_ATTENTE:
        return ""
    jeton = jeton_de(invitation)
    if not jeton:
        return ""
    chemin = reverse("rendezvous:reserver", kwargs={"jeton": jeton})
    return settings.SITE_URL + chemin if settings.SITE_URL else ""


def invitation_du_jeton(jeton: str, *, verrou=False) -> Invitation | None:
    """The invitation of a booking link's token, or None (unknown, malformed)."""
    if not jeton or len(jeton) > 100 or not jeton.isascii():
        return None
    qs = Invitation.objects.select_related(
        "beneficiaire", "cpas", "type", "agenda__agent", "agenda__cellule", "rendez_vous__lieu"
    )
    if verrou:
        qs = qs.select_for_update(of=("self",))
    return qs.filter(jeton=services.hacher_jeton(jeton)).first()


def _verifier(beneficiaire, agenda, type_rdv):
    if beneficiaire.cpas_id != agenda.cpas_id:
        raise ValidationError(_("Cette personne n'est pas un dossier de ce CPAS."))
    if type_rdv.cpas_id not in (None, agenda.cpas_id) or not type_rdv.actif:
        raise ValidationError(_("Ce type de rendez-vous n'est pas proposé."))
    if type_rdv.collectif:
        raise ValidationError(
            _("Une séance collective se planifie dans l'agenda, pas sur invitation.")
        )


def _canaux(canaux) -> list[str]:
    valeurs = [c for c in Canal.values if c in set(canaux or ())]
    if not valeurs:
        raise ValidationError(_("Choisissez au moins un canal."))
    return valeurs


@transaction.atomic
def inviter(beneficiaire, agenda, type_rdv, canaux, user) -> tuple[Invitation, str]:
    """Invite the person to book a free slot of ``agenda`` for ``type_rdv``. Their pending
    invitations of the same kind are replaced (cancelled). Returns the invitation and the
    link's token (only its hash is stored: the caller sends or prints it now)."""
    _verifier(beneficiaire, agenda, type_rdv)
    canaux = _canaux(canaux)
    Invitation.objects.filter(
        beneficiaire=beneficiaire,
        type=type_rdv,
        mode=ModeInvitation.INVITATION,
        statut=StatutInvitation.EN_ATTENTE,
    ).update(statut=StatutInvitation.ANNULEE, modifie_le=timezone.now())
    jeton, empreinte, sel = nouveau_jeton()
    jours = parametres(agenda.cpas_id).validite_invitation
    invitation = Invitation.objects.create(
        cpas_id=agenda.cpas_id,
        beneficiaire=beneficiaire,
        mode=ModeInvitation.INVITATION,
        type=type_rdv,
        agenda=agenda,
        canaux=canaux,
        jeton=empreinte,
        sel=sel,
        expire_le=timezone.now() + datetime.timedelta(days=jours),
        cree_par=user,
    )
    return invitation, jeton


def nouveau_lien(invitation: Invitation) -> str:
    """The link of a pending invitation, to reprint its letter: the same link when it can be
    written again, else a new one (an invitation made before links were signed: the old link
    then stops working)."""
    jeton = jeton_de(invitation)
    if jeton:
        return jeton
    jeton, empreinte, sel = nouveau_jeton()
    invitation.jeton, invitation.sel = empreinte, sel
    invitation.save(update_fields=["jeton", "sel", "modifie_le"])
    return jeton


def _agent_libre(agenda, creneau, prefere=None):
    if agenda.agent_id:
        return agenda.agent
    if prefere is not None and prefere.pk in creneau.agents:
        return prefere
    from cpas_isp.models import User

    return User.objects.get(pk=creneau.agents[0])


def creneau_choisi(agenda, duree, valeur: str, apres=None):
    """The free slot whose start is ``valeur`` (as posted by the form), or None."""
    return next(
        (c for c in queries.creneaux_pour(agenda, duree, apres=apres) if c.valeur == valeur),
        None,
    )


@transaction.atomic
def convoquer(beneficiaire, agenda, type_rdv, valeur_creneau, canaux, user, lieu=None):
    """Convene the person to the free slot of ``agenda`` starting at ``valeur_creneau``: the
    appointment (origin: convocation) and the invitation row (mode convocation) that records
    how it was sent. A slot taken meanwhile is refused with a message."""
    _verifier(beneficiaire, agenda, type_rdv)
    canaux = _canaux(canaux)
    creneau = creneau_choisi(agenda, type_rdv.duree, valeur_creneau)
    if creneau is None:
        raise ValidationError(_("Ce créneau n'est plus libre : choisissez-en un autre."))
    rdv = _creer_rendez_vous(
        agenda,
        type_rdv,
        creneau,
        beneficiaire,
        OrigineRendezVous.CONVOCATION,
        user,
        agent=_agent_libre(agenda, creneau, prefere=user),
        lieu=lieu,
    )
    _jeton, empreinte, sel = nouveau_jeton()
    return Invitation.objects.create(
        cpas_id=agenda.cpas_id,
        beneficiaire=beneficiaire,
        mode=ModeInvitation.CONVOCATION,
        type=type_rdv,
        agenda=agenda,
        rendez_vous=rdv,
        statut=StatutInvitation.RESERVEE,
        canaux=canaux,
        jeton=empreinte,
        sel=sel,
        expire_le=rdv.debut,
        cree_par=user,
    )


def _creer_rendez_vous(agenda, type_rdv, creneau, beneficiaire, origine, par, agent, lieu=None):
    rdv = RendezVous(
        cpas_id=agenda.cpas_id,
        agent=agent,
        agenda=agenda,
        cellule_id=agenda.cellule_id or _cellule_de(agent, agenda.cpas_id),
        type=type_rdv,
        debut=creneau.debut,
        fin=creneau.fin,
        lieu=lieu or creneau.lieu,
        origine=origine,
    )
    try:
        return services.planifier(rdv, [beneficiaire], par)
    except ValidationError as erreur:
        codes = {e.code for e in erreur.error_list} if hasattr(erreur, "error_list") else set()
        if "rendezvous_agent_occupe" in codes:
            raise ValidationError(
                _("Ce créneau vient d'être pris : choisissez-en un autre."), code="creneau_pris"
            ) from erreur
        raise


def _cellule_de(agent, cpas_id):
    from cpas_isp.models import Membership

    return (
        Membership.objects.filter(user=agent, cpas_id=cpas_id, actif=True)
        .values_list("cellule_id", flat=True)
        .first()
    )


# --- The booking page ---------------------------------------------------------------------------


@dataclass
class EtatInvitation:
    """What the booking page may do with an invitation right now."""

    invitation: Invitation
    peut_reserver: bool
    peut_modifier: bool  # cancel or rebook the booked appointment
    limite_modification: datetime.datetime | None


def etat(invitation: Invitation, maintenant=None) -> EtatInvitation:
    maintenant = maintenant or timezone.now()
    rdv = invitation.rendez_vous
    limite = None
    peut_modifier = False
    if (
        invitation.mode == ModeInvitation.INVITATION
        and invitation.statut == StatutInvitation.RESERVEE
        and rdv is not None
        and rdv.statut in STATUTS_A_VENIR
    ):
        heures = parametres(invitation.cpas_id).delai_modification
        limite = rdv.debut - datetime.timedelta(hours=heures)
        peut_modifier = maintenant < limite
    peut_reserver = (
        invitation.mode == ModeInvitation.INVITATION
        and invitation.statut == StatutInvitation.EN_ATTENTE
        and invitation.expire_le > maintenant
    )
    return EtatInvitation(invitation, peut_reserver, peut_modifier, limite)


def debut_des_creneaux(invitation: Invitation, maintenant=None):
    """Slots offered on the booking page start after the cut-off (a booking can always be
    cancelled the moment it is made, and the CPAS gets that much notice)."""
    maintenant = maintenant or timezone.now()
    return maintenant + datetime.timedelta(hours=parametres(invitation.cpas_id).delai_modification)


def creneaux_de_l_invitation(invitation: Invitation) -> list:
    return queries.creneaux_pour(
        invitation.agenda, invitation.type.duree, apres=debut_des_creneaux(invitation)
    )


@transaction.atomic
def reserver(jeton: str, valeur_creneau: str) -> Invitation:
    """Book (or rebook) the slot starting at ``valeur_creneau`` for the invitation of
    ``jeton``. The invitation row is locked, so two tabs cannot book twice; a slot taken
    meanwhile is refused by the database and reported as a ``ValidationError``, nothing
    saved."""
    invitation = invitation_du_jeton(jeton, verrou=True)
    if invitation is None:
        raise ValidationError(_("Ce lien n'est pas valable."), code="inconnu")
    courant = etat(invitation)
    if not (courant.peut_reserver or courant.peut_modifier):
        raise ValidationError(
            _("Ce rendez-vous ne peut plus être réservé ni modifié en ligne."), code="ferme"
        )
    creneau = next(
        (c for c in creneaux_de_l_invitation(invitation) if c.valeur == valeur_creneau), None
    )
    if creneau is None:
        raise ValidationError(
            _("Ce créneau n'est plus libre : choisissez-en un autre."), code="creneau_pris"
        )
    with transaction.atomic():  # a savepoint: a refused slot leaves the old booking intact
        ancien = invitation.rendez_vous if courant.peut_modifier else None
        if ancien is not None:
            services.changer_statut(
                ancien, StatutRendezVous.ANNULE_PERSONNE, invitation.cree_par, MOTIF_ANNULATION
            )
        rdv = _creer_rendez_vous(
            invitation.agenda,
            invitation.type,
            creneau,
            invitation.beneficiaire,
            OrigineRendezVous.INVITATION,
            invitation.cree_par,
            agent=_agent_libre(invitation.agenda, creneau, prefere=invitation.cree_par),
        )
        ChangementStatut.objects.filter(rendez_vous=rdv).update(motif=MOTIF_RESERVATION)
    invitation.rendez_vous = rdv
    invitation.statut = StatutInvitation.RESERVEE
    invitation.save(update_fields=["rendez_vous", "statut", "modifie_le"])
    return invitation


@transaction.atomic
def annuler_par_personne(jeton: str) -> Invitation:
    """The person cancels the booked appointment (until the cut-off). The invitation becomes
    pending again while it is valid (they may book another slot), else expired (and the person
    lands in the "to convene" queue)."""
    invitation = invitation_du_jeton(jeton, verrou=True)
    if invitation is None:
        raise ValidationError(_("Ce lien n'est pas valable."), code="inconnu")
    if not etat(invitation).peut_modifier:
        raise ValidationError(
            _("Ce rendez-vous ne peut plus être annulé en ligne : appelez le CPAS."), code="ferme"
        )
    services.changer_statut(
        invitation.rendez_vous,
        StatutRendezVous.ANNULE_PERSONNE,
        invitation.cree_par,
        MOTIF_ANNULATION,
    )
    invitation.statut = (
        StatutInvitation.EN_ATTENTE
        if invitation.expire_le > timezone.now()
        else StatutInvitation.EXPIREE
    )
    invitation.save(update_fields=["statut", "modifie_le"])
    return invitation


# --- Agent side ---------------------------------------------------------------------------------


@transaction.atomic
def annuler_invitation(invitation: Invitation) -> Invitation:
    """The CPAS withdraws a pending invitation (its link stops working)."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.statut != StatutInvitation.EN_ATTENTE:
        raise ValidationError(_("Seule une invitation en attente peut être retirée."))
    invitation.statut = StatutInvitation.ANNULEE
    invitation.save(update_fields=["statut", "modifie_le"])
    return invitation


def expirer_invitations(maintenant=None) -> int:
    """Pending invitations past their validity become expired (set-based). Returns how many."""
    maintenant = maintenant or timezone.now()
    return Invitation.objects.filter(
        Q(statut=StatutInvitation.EN_ATTENTE) & Q(expire_le__lte=maintenant)
    ).update(statut=StatutInvitation.EXPIREE, modifie_le=maintenant)


# --- Messages -----------------------------------------------------------------------------------


def notifier(nature, invitation, *, rendez_vous=None, lien="", par=None) -> None:
    """Send the standard message of ``nature`` on the invitation's electronic channels (e-mail,
    SMS; the letter is printed from the agent's pages) once the transaction has committed: a
    message cannot be taken back, a rolled-back booking must not be announced."""
    from rendezvous import envois

    def envoyer():
        envois.notifier(
            beneficiaire=invitation.beneficiaire,
            nature=nature,
            canaux=invitation.canaux,
            invitation=invitation,
            rendez_vous=rendez_vous,
            par=par,
            lien=lien,
        )

    transaction.on_commit(envoyer)
