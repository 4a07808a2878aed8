"""The referral workflow: the transition table (who may move a referral from which status to
which), enforced and logged here; creation, messages, attendance, and the e-mail that tells the
partner a referral awaits them."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires.models import Beneficiaire
from cpas_isp.models import Cpas, NatureNotification, Role
from cpas_isp.notifications import notifier
from cpas_isp.tenancy import current_membership

from ..models import (
    MessageOrientation,
    Orientation,
    PresenceOrientation,
    ResultatOrientation,
    StatutOrientation,
    TransitionOrientation,
    TypeQualification,
)

logger = logging.getLogger(__name__)

S = StatutOrientation

CPAS = "cpas"
PARTENAIRE = "partenaire"
SYSTEME = "systeme"

# (from, to) -> who may make that move. Anything else is refused.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.PROPOSEE, S.ENVOYEE): frozenset({CPAS}),
    (S.PROPOSEE, S.ANNULEE): frozenset({CPAS}),
    (S.ENVOYEE, S.ACCEPTEE): frozenset({PARTENAIRE, CPAS}),
    (S.ENVOYEE, S.REFUSEE): frozenset({PARTENAIRE, CPAS}),
    (S.ENVOYEE, S.EXPIREE): frozenset({SYSTEME}),
    (S.ENVOYEE, S.ANNULEE): frozenset({CPAS}),
    (S.EXPIREE, S.ENVOYEE): frozenset({CPAS}),
    (S.ACCEPTEE, S.EN_COURS): frozenset({PARTENAIRE, CPAS}),
    (S.ACCEPTEE, S.TERMINEE): frozenset({PARTENAIRE, CPAS}),
    (S.EN_COURS, S.TERMINEE): frozenset({PARTENAIRE, CPAS}),
}

# Button labels of each target status, in the order they are offered.
LIBELLES_ACTIONS = {
    S.ENVOYEE: gettext_lazy("Envoyer au partenaire"),
    S.ACCEPTEE: gettext_lazy("Accepter"),
    S.REFUSEE: gettext_lazy("Refuser"),
    S.EN_COURS: gettext_lazy("Démarrer le suivi"),
    S.TERMINEE: gettext_lazy("Clôturer avec un résultat"),
    S.ANNULEE: gettext_lazy("Annuler l'orientation"),
}

STATUTS_OUVERTS = {S.PROPOSEE, S.ENVOYEE, S.ACCEPTEE, S.EN_COURS}


class TransitionInvalide(ValidationError):
    pass


def acteur_de(user) -> str:
    if user is None:
        return SYSTEME
    membership = current_membership(user)
    if membership is not None and membership.role == Role.PARTENAIRE:
        return PARTENAIRE
    return CPAS


def transitions_possibles(orientation, user) -> list[str]:
    acteur = acteur_de(user)
    return [
        vers
        for (de, vers), acteurs in TRANSITIONS.items()
        if de == orientation.statut and acteur in acteurs
    ]


def _verifier(orientation, vers, acteur, *, motif_refus, resultat, type_qualification):
    de = orientation.statut
    if vers not in S.values:
        raise TransitionInvalide(_("Statut demandé inconnu."), code="statut")
    acteurs = TRANSITIONS.get((de, vers))
    if acteurs is None:
        raise TransitionInvalide(
            _("Une orientation « %(de)s » ne peut pas passer à « %(vers)s ».")
            % {"de": S(de).label, "vers": S(vers).label},
            code="transition",
        )
    if acteur not in acteurs:
        raise TransitionInvalide(
            _("Vous ne pouvez pas faire passer cette orientation à « %(vers)s ».")
            % {"vers": S(vers).label},
            code="acteur",
        )
    erreurs = {}
    if vers == S.REFUSEE and not motif_refus.strip():
        erreurs["motif_refus"] = _("Indiquez le motif du refus.")
    if vers == S.TERMINEE:
        if resultat not in ResultatOrientation.values:
            erreurs["resultat"] = _("Indiquez le résultat.")
        elif resultat == ResultatOrientation.QUALIFICATION:
            if type_qualification not in TypeQualification.values:
                erreurs["type_qualification"] = _(
                    "Précisez la qualification obtenue (diplôme, certificat ou attestation)."
                )
        elif type_qualification:
            erreurs["type_qualification"] = _(
                "Le type de qualification ne vaut que pour une qualification obtenue."
            )
    if erreurs:
        raise TransitionInvalide(erreurs)


@transaction.atomic
def transition(
    orientation: Orientation,
    vers: str,
    *,
    par=None,
    commentaire: str = "",
    motif_refus: str = "",
    resultat: str = "",
    type_qualification: str = "",
    resultat_detail: str = "",
    date: datetime.date | None = None,
) -> Orientation:
    """Move a referral to ``vers`` if the transition table allows it for ``par`` (None: the
    scheduled task), set the dates that go with it and log the move."""
    orientation = Orientation.objects.select_for_update().get(pk=orientation.pk)
    acteur = acteur_de(par)
    _verifier(
        orientation,
        vers,
        acteur,
        motif_refus=motif_refus,
        resultat=resultat,
        type_qualification=type_qualification,
    )
    jour = date or timezone.localdate()
    de = orientation.statut
    orientation.statut = vers
    if vers == S.ENVOYEE:
        orientation.date_envoi = jour
        orientation.rappel_le = None
        orientation.date_reponse = None
    elif vers in (S.ACCEPTEE, S.REFUSEE):
        orientation.date_reponse = jour
        if vers == S.REFUSEE:
            orientation.motif_refus = motif_refus.strip()
    elif vers == S.EN_COURS:
        orientation.date_debut = jour
    elif vers == S.TERMINEE:
        if orientation.date_debut and jour < orientation.date_debut:
            raise TransitionInvalide(
                {
                    "date": _("La fin ne peut pas précéder le début (%(d)s).")
                    % {"d": orientation.date_debut.strftime("%d/%m/%Y")}
                }
            )
        orientation.date_fin = jour
        orientation.resultat = resultat
        orientation.type_qualification = (
            type_qualification if resultat == ResultatOrientation.QUALIFICATION else ""
        )
        orientation.resultat_detail = resultat_detail.strip()
    orientation.save()
    TransitionOrientation.objects.create(
        cpas_id=orientation.cpas_id,
        orientation=orientation,
        de_statut=de,
        vers_statut=vers,
        par=par,
        commentaire=commentaire.strip(),
    )
    if vers == S.ENVOYEE:
        transaction.on_commit(lambda: notifier_partenaire(orientation))
    elif vers in (S.ACCEPTEE, S.REFUSEE):
        notifier_cpas(orientation, NatureNotification.ORIENTATION_REPONSE, par)
    elif vers == S.TERMINEE:
        notifier_cpas(orientation, NatureNotification.ORIENTATION_CLOTUREE, par)
    return orientation


@transaction.atomic
def creer_orientation(*, beneficiaire, service, agent, envoyer=False, commentaire="", **champs):
    """Create a referral (proposed), log it, and send it at once when ``envoyer``."""
    orientation = Orientation.objects.create(
        cpas_id=beneficiaire.cpas_id,
        beneficiaire=beneficiaire,
        service=service,
        agent=agent,
        statut=S.PROPOSEE,
        **champs,
    )
    TransitionOrientation.objects.create(
        cpas_id=orientation.cpas_id,
        orientation=orientation,
        de_statut="",
        vers_statut=S.PROPOSEE,
        par=agent,
        commentaire=commentaire.strip(),
    )
    if envoyer:
        orientation = transition(orientation, S.ENVOYEE, par=agent)
    return orientation


@transaction.atomic
def ajouter_message(orientation, auteur, texte) -> MessageOrientation:
    message = MessageOrientation.objects.create(
        cpas_id=orientation.cpas_id,
        orientation=orientation,
        auteur=auteur,
        du_partenaire=acteur_de(auteur) == PARTENAIRE,
        texte=texte.strip(),
    )
    if message.du_partenaire:
        notifier_cpas(orientation, NatureNotification.ORIENTATION_MESSAGE, auteur)
    return message


def enregistrer_presence(orientation, saisi_par, *, date, present, commentaire=""):
    if orientation.statut not in (S.ACCEPTEE, S.EN_COURS, S.TERMINEE):
        raise ValidationError(_("Les présences se notent une fois l'orientation acceptée."))
    presence, _created = PresenceOrientation.objects.update_or_create(
        orientation=orientation,
        date=date,
        defaults={
            "cpas_id": orientation.cpas_id,
            "present": present,
            "commentaire": commentaire.strip(),
            "saisi_par": saisi_par,
        },
    )
    return presence


def echeance(orientation, delai: int) -> datetime.date | None:
    """The day the partner's answer is due (``delai`` days after sending), while it is."""
    return echeance_de(orientation.statut, orientation.date_envoi, delai)


def echeance_de(statut, date_envoi, delai: int) -> datetime.date | None:
    """``echeance`` from a list's values."""
    if statut != S.ENVOYEE or date_envoi is None:
        return None
    return date_envoi + datetime.timedelta(days=delai)


# --- Notifications ---------------------------------------------------------------------------


def notifier_cpas(orientation, nature, par) -> int:
    """In-app notification to the referral's agent and the person's referent (not to whoever
    made the change), in the caller's transaction."""
    referent_id = (
        Beneficiaire.objects.filter(pk=orientation.beneficiaire_id)
        .values_list("referent_id", flat=True)
        .first()
    )
    return notifier(
        [orientation.agent_id, referent_id],
        nature,
        cpas=orientation.cpas_id,
        objet=orientation,
        personne_id=orientation.beneficiaire_id,
        lien=reverse("partenaires:orientation_detail", args=[orientation.pk]),
        auteur=par,
    )


def destinataires(partenaire_id, cpas_id) -> list[str]:
    """E-mail addresses of the partner's users who have an active role in that CPAS."""
    User = get_user_model()
    return list(
        User.objects.filter(
            is_active=True,
            compte_partenaire__partenaire=partenaire_id,
            memberships__cpas=cpas_id,
            memberships__role=Role.PARTENAIRE,
            memberships__actif=True,
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def envoyer_courriel(sujet, corps, adresses, contexte):
    try:
        return send_mail(sujet, corps, None, adresses)
    except Exception:  # a mail server outage must not block the workflow
        logger.exception("notification failed (%s)", contexte)
        return 0


def notifier_partenaire(orientation, *, rappel: bool = False):
    """Tell the partner's users that a referral awaits their answer. The e-mail carries no
    personal data: they read the referral in the portal."""
    adresses = destinataires(orientation.service.partenaire_id, orientation.cpas_id)
    if not adresses:
        return 0
    cpas = Cpas.objects.get(pk=orientation.cpas_id)
    lien = getattr(settings, "SITE_URL", "") + reverse(
        "partenaires:portail_detail", args=[orientation.pk]
    )
    sujet = _("Nouvelle orientation du %(cpas)s") % {"cpas": cpas}
    corps = _(
        "Une orientation vers votre service « %(service)s » attend votre réponse.\n"
        "Consultez-la dans le portail partenaire : %(lien)s"
    ) % {"service": orientation.service.nom, "lien": lien}
    return envoyer_courriel(sujet, corps, adresses, f"referral {orientation.pk}")
