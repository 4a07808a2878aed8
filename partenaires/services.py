"""Write operations on referrals: the workflow (transition table, enforced here and logged),
messages and attendance, the daily deadlines (reminder at half time, expiry), and conventions."""

from __future__ import annotations

import datetime
import logging
from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cpas_isp.models import Cpas, Role
from cpas_isp.tenancy import current_membership

from .models import (
    MessageOrientation,
    Orientation,
    PartieCpas,
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


def ajouter_message(orientation, auteur, texte) -> MessageOrientation:
    return MessageOrientation.objects.create(
        cpas_id=orientation.cpas_id,
        orientation=orientation,
        auteur=auteur,
        du_partenaire=acteur_de(auteur) == PARTENAIRE,
        texte=texte.strip(),
    )


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


# --- Deadlines ----------------------------------------------------------------------------


def delai_rappel(delai_expiration: int) -> int:
    """Days after sending when the reminder is due: half the expiry delay (at least one)."""
    return max(1, delai_expiration // 2)


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


def _envoyer(sujet, corps, adresses, contexte):
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
    return _envoyer(sujet, corps, adresses, f"referral {orientation.pk}")


def rappeler_partenaire(partenaire_id, cpas, nombre: int):
    """One reminder e-mail per partner and CPAS for all its referrals due for a reminder."""
    adresses = destinataires(partenaire_id, cpas.pk)
    if not adresses:
        return 0
    lien = getattr(settings, "SITE_URL", "") + reverse("partenaires:portail") + "?statut=envoyee"
    sujet = _("Rappel : des orientations du %(cpas)s attendent votre réponse") % {"cpas": cpas}
    corps = ngettext(
        "%(n)s orientation attend votre réponse depuis la moitié du délai prévu.\n"
        "Consultez le portail partenaire : %(lien)s",
        "%(n)s orientations attendent votre réponse depuis la moitié du délai prévu.\n"
        "Consultez le portail partenaire : %(lien)s",
        nombre,
    ) % {"n": nombre, "lien": lien}
    return _envoyer(sujet, corps, adresses, f"reminder partner {partenaire_id}")


def traiter_echeances(aujourd_hui: datetime.date | None = None) -> dict[str, int]:
    """Remind partners at half the delay, expire referrals sent without answer for the full
    delay of their CPAS (``Cpas.delai_expiration_orientation``). Idempotent; set-based so a
    backlog of thousands of referrals takes seconds."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    compte = {"rappels": 0, "expirees": 0}
    if (S.ENVOYEE, S.EXPIREE) not in TRANSITIONS or SYSTEME not in TRANSITIONS[
        (S.ENVOYEE, S.EXPIREE)
    ]:
        raise TransitionInvalide("the transition table no longer lets the schedule expire")
    for cpas in Cpas.objects.filter(
        pk__in=Orientation.objects.filter(statut=S.ENVOYEE).values("cpas")
    ):
        delai = cpas.delai_expiration_orientation
        envoyees = Orientation.objects.filter(cpas=cpas, statut=S.ENVOYEE)
        limite_expiration = aujourd_hui - datetime.timedelta(days=delai)
        commentaire = _("Sans réponse du partenaire après %(n)s jours.") % {"n": delai}
        with transaction.atomic():
            ids = list(
                envoyees.filter(date_envoi__lte=limite_expiration)
                .select_for_update()
                .values_list("pk", flat=True)
            )
            if ids:
                Orientation.objects.filter(pk__in=ids).update(
                    statut=S.EXPIREE, modifie_le=timezone.now()
                )
                TransitionOrientation.objects.bulk_create(
                    TransitionOrientation(
                        cpas=cpas,
                        orientation_id=pk,
                        de_statut=S.ENVOYEE,
                        vers_statut=S.EXPIREE,
                        par=None,
                        commentaire=commentaire,
                    )
                    for pk in ids
                )
        compte["expirees"] += len(ids)

        limite_rappel = aujourd_hui - datetime.timedelta(days=delai_rappel(delai))
        with transaction.atomic():
            a_rappeler = list(
                envoyees.filter(date_envoi__lte=limite_rappel, rappel_le__isnull=True)
                .select_for_update()
                .values_list("pk", "date_envoi", "service__partenaire")
            )
            if not a_rappeler:
                continue
            Orientation.objects.filter(pk__in=[pk for pk, *_r in a_rappeler]).update(
                rappel_le=aujourd_hui
            )
            MessageOrientation.objects.bulk_create(
                MessageOrientation(
                    cpas=cpas,
                    orientation_id=pk,
                    auteur=None,
                    texte=_(
                        "Rappel automatique : cette orientation attend une réponse. "
                        "Sans réponse, elle expirera le %(date)s."
                    )
                    % {"date": (envoi + datetime.timedelta(days=delai)).strftime("%d/%m/%Y")},
                )
                for pk, envoi, _partenaire in a_rappeler
            )
        par_partenaire = Counter(partenaire for _pk, _envoi, partenaire in a_rappeler)
        for partenaire_id, nombre in par_partenaire.items():
            rappeler_partenaire(partenaire_id, cpas, nombre)
        compte["rappels"] += len(a_rappeler)
    return compte


def echeance(orientation, delai: int) -> datetime.date | None:
    if orientation.statut != S.ENVOYEE or orientation.date_envoi is None:
        return None
    return orientation.date_envoi + datetime.timedelta(days=delai)


# --- Conventions --------------------------------------------------------------------------


@transaction.atomic
def enregistrer_parties(convention, cpas_et_montants: list[tuple[Cpas, object]]):
    """Replace the CPAS parties of a convention; inhabitants are copied from each CPAS."""
    gardes = []
    for cpas, montant in cpas_et_montants:
        partie, _created = PartieCpas.objects.update_or_create(
            convention=convention,
            cpas=cpas,
            defaults={"montant_fixe": montant, "habitants": cpas.habitants},
        )
        gardes.append(partie.pk)
    convention.parties_cpas.exclude(pk__in=gardes).delete()
