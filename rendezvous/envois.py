"""Sending messages to a person (e-mail with the appointment as an ICS attachment, SMS) and the
record of every message sent (``Envoi``).

``envoyer(...)`` records the message and hands it to the channel; it never raises because of the
channel: a missing address or number, a refused number, an unreachable SMTP server or SMS
provider end as ``statut=echec`` with a clear ``erreur``. ``notifier(...)`` builds the standard
text of a nature (invitation, convocation, confirmation, reminders, cancellation) in the
person's language and sends it on each channel asked.

Call them after the transaction that created the invitation or appointment has committed
(``transaction.on_commit``): a message cannot be taken back.

The texts carry only what the person needs: first name, kind of appointment, date and time,
place, and the booking link. The e-mail settings come from the environment (``EMAIL_URL`` or
``EMAIL_HOST``/``EMAIL_PORT``/``EMAIL_HOST_USER``/``EMAIL_HOST_PASSWORD``/``EMAIL_USE_TLS``,
``DEFAULT_FROM_EMAIL``); SMS goes through ``rendezvous.sms``.
"""

from __future__ import annotations

import dataclasses
import logging
import smtplib
from collections.abc import Callable
from email.mime.text import MIMEText
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from beneficiaires import telephone
from rendezvous import ics, sms
from rendezvous.models import Canal, Envoi, NatureEnvoi, StatutEnvoi

logger = logging.getLogger(__name__)

CANAUX_ELECTRONIQUES = (Canal.EMAIL, Canal.SMS)
NATURES_RAPPEL = (NatureEnvoi.RAPPEL_INVITATION, NatureEnvoi.RAPPEL_RENDEZ_VOUS)

# --- The booking link (the invitations' flow provides it) ---------------------------------------

# Only a hash of an invitation's token is stored, so a reminder cannot rebuild the link by
# itself: the invitations' code registers a function ``invitation -> absolute URL or ""``.
_fournisseurs_de_lien: list[Callable] = []


def enregistrer_lien_reservation(fonction: Callable) -> Callable:
    if fonction not in _fournisseurs_de_lien:
        _fournisseurs_de_lien.append(fonction)
    return fonction


def lien_reservation(invitation) -> str:
    if invitation is None:
        return ""
    for fonction in _fournisseurs_de_lien:
        lien = fonction(invitation)
        if lien:
            return lien
    return ""


# --- Standard texts -----------------------------------------------------------------------------


@dataclasses.dataclass
class Message:
    sujet: str
    texte: str  # e-mail body
    sms: str  # the short version
    ics: str | None = None

    def pour(self, canal) -> dict:
        """The keyword arguments of ``envoyer`` for one channel."""
        if canal == Canal.SMS:
            return {"sujet": self.sujet, "texte": self.sms, "ics": None}
        return {"sujet": self.sujet, "texte": self.texte, "ics": self.ics}


def hote() -> str:
    return urlsplit(settings.SITE_URL).hostname or "cpas-isp.local"


def _quand(moment) -> dict:
    local = timezone.localtime(moment)
    return {
        "date": formats.date_format(local, "l j F Y"),
        "heure": formats.time_format(local, "H:i"),
    }


def _lieu(rdv) -> str:
    if not rdv.lieu_id:
        return ""
    lieu = rdv.lieu
    return lieu.nom + (f", {lieu.adresse}" if lieu.adresse else "")


def _corps(beneficiaire, lignes: list[str]) -> str:
    salutation = _("Bonjour %(prenom)s,") % {"prenom": beneficiaire.prenom}
    fin = [
        _("Le service d'insertion socioprofessionnelle du %(cpas)s")
        % {"cpas": beneficiaire.cpas.nom},
        "",
        _("Ce message est envoyé automatiquement : merci de ne pas y répondre."),
    ]
    return "\n\n".join([salutation, *[ligne for ligne in lignes if ligne], "\n".join(fin)]) + "\n"


def _ics(rdv, beneficiaire, *, annulation=False) -> str:
    return ics.invitation_calendrier(
        rdv,
        hote=hote(),
        resume=_("%(type)s — %(cpas)s") % {"type": rdv.type.libelle, "cpas": beneficiaire.cpas.nom},
        organisateur=settings.DEFAULT_FROM_EMAIL,
        nom_organisateur=beneficiaire.cpas.nom,
        participant=beneficiaire.email,
        annulation=annulation,
    )


def _details_rdv(rdv) -> tuple[str, str]:
    """The long line (e-mail) and the short one (SMS) saying when and where."""
    valeurs = {**_quand(rdv.debut), "type": rdv.type.libelle, "lieu": _lieu(rdv)}
    if valeurs["lieu"]:
        long = _("%(type)s : le %(date)s à %(heure)s.\nLieu : %(lieu)s.") % valeurs
        court = _("le %(date)s à %(heure)s, %(lieu)s") % valeurs
    else:
        long = _("%(type)s : le %(date)s à %(heure)s.") % valeurs
        court = _("le %(date)s à %(heure)s") % valeurs
    return long, court


def _message_rdv(nature, beneficiaire, rdv, lien) -> Message:
    long, court = _details_rdv(rdv)
    cpas = beneficiaire.cpas.nom
    prenom = beneficiaire.prenom
    lien_texte = (
        _("Pour annuler ou déplacer ce rendez-vous : %(lien)s") % {"lien": lien} if lien else ""
    )
    if nature == NatureEnvoi.CONVOCATION:
        sujet = _("Rendez-vous au %(cpas)s") % {"cpas": cpas}
        lignes = [_("Le %(cpas)s vous donne rendez-vous.") % {"cpas": cpas}, long]
        lignes.append(
            _("Si vous ne pouvez pas venir, prévenez-nous au plus vite.")
            if not lien
            else lien_texte
        )
        court_sms = _("%(prenom)s, le %(cpas)s vous donne rendez-vous %(quand)s.")
    elif nature == NatureEnvoi.CONFIRMATION:
        sujet = _("Votre rendez-vous au %(cpas)s est confirmé") % {"cpas": cpas}
        lignes = [_("Votre rendez-vous est confirmé."), long, lien_texte]
        court_sms = _("%(prenom)s, votre rendez-vous au %(cpas)s est confirmé %(quand)s.")
    elif nature == NatureEnvoi.RAPPEL_RENDEZ_VOUS:
        sujet = _("Rappel : rendez-vous au %(cpas)s") % {"cpas": cpas}
        lignes = [_("Nous vous rappelons votre rendez-vous."), long, lien_texte]
        court_sms = _("Rappel %(prenom)s : rendez-vous au %(cpas)s %(quand)s.")
    else:  # cancellation
        sujet = _("Rendez-vous annulé au %(cpas)s") % {"cpas": cpas}
        lignes = [_("Votre rendez-vous est annulé."), long]
        court_sms = _("%(prenom)s, votre rendez-vous au %(cpas)s %(quand)s est annulé.")
    texte_sms = court_sms % {"prenom": prenom, "cpas": cpas, "quand": court}
    if lien and nature != NatureEnvoi.ANNULATION:
        texte_sms += " " + lien
    return Message(
        sujet=sujet,
        texte=_corps(beneficiaire, lignes),
        sms=texte_sms,
        ics=_ics(rdv, beneficiaire, annulation=nature == NatureEnvoi.ANNULATION),
    )


def _message_invitation(nature, beneficiaire, invitation, lien) -> Message:
    cpas = beneficiaire.cpas.nom
    valeurs = {
        "cpas": cpas,
        "prenom": beneficiaire.prenom,
        "type": invitation.type.libelle,
        "limite": formats.date_format(timezone.localtime(invitation.expire_le), "l j F Y"),
        "lien": lien,
    }
    if nature == NatureEnvoi.INVITATION:
        sujet = _("Le %(cpas)s vous invite à prendre rendez-vous") % valeurs
        lignes = [
            _("Le %(cpas)s vous invite à un rendez-vous (%(type)s).") % valeurs,
            _("Choisissez le moment qui vous convient avant le %(limite)s : %(lien)s") % valeurs,
        ]
        court = _("%(prenom)s, le %(cpas)s vous invite à prendre rendez-vous avant le %(limite)s")
    else:
        sujet = _("Rappel : choisissez votre rendez-vous au %(cpas)s") % valeurs
        lignes = [
            _("Vous n'avez pas encore choisi de moment pour votre rendez-vous (%(type)s).")
            % valeurs,
            _("Choisissez-le avant le %(limite)s : %(lien)s") % valeurs
            if lien
            else _("Choisissez-le avant le %(limite)s avec le lien reçu dans notre invitation.")
            % valeurs,
        ]
        court = _("Rappel %(prenom)s : prenez rendez-vous au %(cpas)s avant le %(limite)s")
    texte_sms = court % valeurs + (f" : {lien}" if lien else ".")
    return Message(sujet=sujet, texte=_corps(beneficiaire, lignes), sms=texte_sms)


def construire(nature, *, beneficiaire, invitation=None, rendez_vous=None, lien="") -> Message:
    """The standard message of ``nature`` for the person, in the person's language."""
    with translation.override(beneficiaire.langue or beneficiaire.cpas.langue or "fr"):
        if nature in (NatureEnvoi.INVITATION, NatureEnvoi.RAPPEL_INVITATION):
            if invitation is None:
                raise ValueError("An invitation message needs the invitation.")
            return _message_invitation(nature, beneficiaire, invitation, lien)
        if rendez_vous is None:
            raise ValueError("An appointment message needs the appointment.")
        return _message_rdv(nature, beneficiaire, rendez_vous, lien)


def message_invitation(beneficiaire, invitation, lien) -> Message:
    return construire(
        NatureEnvoi.INVITATION, beneficiaire=beneficiaire, invitation=invitation, lien=lien
    )


def message_rappel_invitation(beneficiaire, invitation, lien="") -> Message:
    return construire(
        NatureEnvoi.RAPPEL_INVITATION, beneficiaire=beneficiaire, invitation=invitation, lien=lien
    )


def message_convocation(beneficiaire, rendez_vous, lien="") -> Message:
    return construire(
        NatureEnvoi.CONVOCATION, beneficiaire=beneficiaire, rendez_vous=rendez_vous, lien=lien
    )


def message_confirmation(beneficiaire, rendez_vous, lien="") -> Message:
    return construire(
        NatureEnvoi.CONFIRMATION, beneficiaire=beneficiaire, rendez_vous=rendez_vous, lien=lien
    )


def message_rappel_rendez_vous(beneficiaire, rendez_vous, lien="") -> Message:
    return construire(
        NatureEnvoi.RAPPEL_RENDEZ_VOUS,
        beneficiaire=beneficiaire,
        rendez_vous=rendez_vous,
        lien=lien,
    )


def message_annulation(beneficiaire, rendez_vous) -> Message:
    return construire(NatureEnvoi.ANNULATION, beneficiaire=beneficiaire, rendez_vous=rendez_vous)


# --- Sending ------------------------------------------------------------------------------------


def _courriel(destinataire, sujet, texte, ics_texte, connexion):
    identifiant = make_msgid(domain=hote())
    message = EmailMessage(
        subject=sujet,
        body=texte,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[destinataire],
        connection=connexion,
        headers={"Message-ID": identifiant, "Auto-Submitted": "auto-generated"},
    )
    if ics_texte:
        methode = "CANCEL" if "METHOD:CANCEL" in ics_texte else "REQUEST"
        piece = MIMEText(ics_texte, "calendar", "utf-8")
        piece.set_param("method", methode)
        piece.add_header("Content-Disposition", "attachment", filename="rendez-vous.ics")
        message.attach(piece)
    message.send(fail_silently=False)
    return identifiant.strip("<>")


CHAMPS_DU_RESULTAT = ["destinataire", "statut", "identifiant", "erreur", "envoye_le", "statut_le"]


def transmettre(
    envoi: Envoi, *, sujet: str, texte: str, ics=None, connexion=None, backend=None,
    enregistrer=True,
):  # fmt: skip
    """Hand a recorded message to its channel and record the outcome (never raises for the
    channel's sake). Saves the row's ``CHAMPS_DU_RESULTAT`` unless ``enregistrer`` is false
    (a batch saves its rows at once)."""
    beneficiaire = envoi.beneficiaire
    envoi.erreur = ""
    try:
        if envoi.canal == Canal.EMAIL:
            adresse = (beneficiaire.email or "").strip()
            envoi.destinataire = adresse
            if not adresse:
                envoi.statut, envoi.erreur = StatutEnvoi.ECHEC, _("pas d'adresse e-mail")
            else:
                envoi.identifiant = _courriel(adresse, sujet, texte, ics, connexion)
                envoi.statut = StatutEnvoi.ENVOYE
        elif envoi.canal == Canal.SMS:
            numero = telephone.gsm(beneficiaire.telephone)
            envoi.destinataire = numero or (beneficiaire.telephone or "")[:254]
            if not numero:
                envoi.statut, envoi.erreur = StatutEnvoi.ECHEC, _("pas de numéro de GSM valable")
            else:
                identifiant, statut = (backend or sms.backend()).send(numero, texte)
                envoi.identifiant = str(identifiant)[:200]
                envoi.statut = statut if statut in StatutEnvoi.values else StatutEnvoi.ENVOYE
        else:  # a letter: generated for printing, nothing leaves here
            envoi.statut = StatutEnvoi.IMPRIME
    except sms.ErreurSms as erreur:
        envoi.statut, envoi.erreur = StatutEnvoi.ECHEC, str(erreur)
    except smtplib.SMTPRecipientsRefused:
        envoi.statut = StatutEnvoi.ECHEC
        envoi.erreur = _("adresse e-mail refusée par le serveur d'envoi")
    except (smtplib.SMTPException, OSError) as erreur:
        envoi.statut = StatutEnvoi.ECHEC
        envoi.erreur = _("serveur d'e-mail injoignable ou en erreur : %(erreur)s") % {
            "erreur": erreur
        }
    except Exception as erreur:  # a provider failure never reaches the caller
        logger.exception("Message %s not sent", envoi.pk)
        envoi.statut = StatutEnvoi.ECHEC
        envoi.erreur = _("erreur inattendue : %(erreur)s") % {"erreur": erreur}
    envoi.erreur = envoi.erreur[:500]
    envoi.envoye_le = timezone.now()
    envoi.statut_le = envoi.envoye_le if envoi.statut != StatutEnvoi.ENVOYE else None
    if enregistrer:
        envoi.save(update_fields=CHAMPS_DU_RESULTAT)
    return envoi


def envoyer(
    *, beneficiaire, canal, nature, sujet, texte, invitation=None, rendez_vous=None, par=None,
    ics=None,
) -> Envoi:  # fmt: skip
    """Record a message to ``beneficiaire`` and send it on ``canal`` (``email`` or ``sms``; a
    ``lettre`` is only recorded as printed). ``ics``: the calendar text to attach to an e-mail
    (see ``Message.ics``). A reminder already recorded for the same appointment or invitation
    and channel is not sent again: the existing record is returned."""
    champs = {
        "cpas_id": beneficiaire.cpas_id,
        "beneficiaire": beneficiaire,
        "canal": canal,
        "nature": nature,
        "invitation": invitation,
        "rendez_vous": rendez_vous,
        "par": par,
    }
    try:
        with transaction.atomic():
            envoi = Envoi.objects.create(**champs)
    except IntegrityError:
        if nature not in NATURES_RAPPEL:
            raise
        cible = (
            {"invitation": invitation}
            if nature == NatureEnvoi.RAPPEL_INVITATION
            else {"rendez_vous": rendez_vous, "beneficiaire": beneficiaire}
        )
        return Envoi.objects.get(canal=canal, nature=nature, **cible)
    return transmettre(envoi, sujet=sujet, texte=texte, ics=ics)


def notifier(
    *, beneficiaire, nature, canaux, invitation=None, rendez_vous=None, par=None, lien=""
) -> list[Envoi]:
    """Send the standard message of ``nature`` on each electronic channel of ``canaux`` (a
    letter is the invitations' flow's PDF). Returns the records, one per channel."""
    canaux = [c for c in canaux if c in CANAUX_ELECTRONIQUES]
    if not canaux:
        return []
    message = construire(
        nature, beneficiaire=beneficiaire, invitation=invitation, rendez_vous=rendez_vous,
        lien=lien,
    )  # fmt: skip
    return [
        envoyer(
            beneficiaire=beneficiaire,
            canal=canal,
            nature=nature,
            invitation=invitation,
            rendez_vous=rendez_vous,
            par=par,
            **message.pour(canal),
        )
        for canal in canaux
    ]
