"""Reminders (the daily Celery beat task ``rendezvous.envoyer_rappels``):

- two days before an appointment (the CPAS's local date), to each person expected;
- on day 3 of an invitation still unanswered, if it stays valid two more days.

Set-based and idempotent. ``preparer()`` is ONE ``INSERT … SELECT`` that finds every due
reminder and records it as an ``Envoi`` to send (``a_envoyer``); the partial unique constraints
on ``Envoi`` (one reminder per appointment, person and channel; per invitation and channel)
make a second run insert nothing (``ON CONFLICT DO NOTHING``). ``envoyer_en_attente()`` then
sends the recorded rows in batches, each row locked while it is sent (``SKIP LOCKED``: two
workers never send the same row). A worker killed midway leaves its unsent rows ``a_envoyer``:
the next run sends them.

Channels: those of the appointment's kind for the CPAS (``CanauxDuType``), else the CPAS's
default channels (``ParametresRendezVous``), else e-mail and SMS; for an invitation, the
electronic channels it was sent on, if any. Only e-mail (when the person has an address) and
SMS (when the person has a phone number) are reminders; people who refused reminders
(``Beneficiaire.refuse_rappels``) get none.
"""

from __future__ import annotations

import datetime

from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.models import Beneficiaire
from rendezvous import envois, queries, sms
from rendezvous.models import (
    STATUTS_A_VENIR,
    CanauxDuType,
    Envoi,
    Invitation,
    ModeInvitation,
    NatureEnvoi,
    ParametresRendezVous,
    Participant,
    RendezVous,
    StatutEnvoi,
    StatutInvitation,
)

JOURS_AVANT_RENDEZ_VOUS = 2
JOUR_DU_RAPPEL_INVITATION = 3  # the day of creation is day 1
JOURS_DE_VALIDITE_RESTANTS = 2
# When a CPAS has not set its channels yet (only e-mail and SMS make reminders).
CANAUX_PAR_DEFAUT = queries.CANAUX_PAR_DEFAUT
TAILLE_DES_LOTS = 100


def _debut_du_jour(jour: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time.min))


def _sql() -> str:
    t = {
        "envoi": Envoi._meta.db_table,
        "rdv": RendezVous._meta.db_table,
        "participant": Participant._meta.db_table,
        "invitation": Invitation._meta.db_table,
        "personne": Beneficiaire._meta.db_table,
        "canaux_type": CanauxDuType._meta.db_table,
        "parametres": ParametresRendezVous._meta.db_table,
    }
    # Who can receive the channel: an address for e-mail, a number for SMS (its validity is
    # checked when sending, and a bad number is recorded as a failure the agent sees).
    joignable = """((c.canal = 'email' AND b.email <> '')
                    OR (c.canal = 'sms' AND b.telephone <> ''))"""
    return f"""
        INSERT INTO {t["envoi"]}
            (cpas_id, beneficiaire_id, canal, nature, rendez_vous_id, invitation_id,
             destinataire, statut, identifiant, erreur, cree_le)
        SELECT r.cpas_id, p.beneficiaire_id, c.canal, %(rappel_rdv)s, r.id, NULL,
               '', %(a_envoyer)s, '', '', %(maintenant)s
          FROM {t["rdv"]} r
          JOIN {t["participant"]} p ON p.rendez_vous_id = r.id AND NOT p.annule
          JOIN {t["personne"]} b ON b.id = p.beneficiaire_id
          LEFT JOIN {t["canaux_type"]} ct ON ct.cpas_id = r.cpas_id AND ct.type_id = r.type_id
          LEFT JOIN {t["parametres"]} pr ON pr.cpas_id = r.cpas_id
         CROSS JOIN LATERAL unnest(
               COALESCE(ct.canaux, pr.canaux, %(defaut)s::varchar[])) AS c(canal)
         WHERE r.debut >= %(rdv_du)s AND r.debut < %(rdv_au)s
           AND r.statut = ANY(%(a_venir)s)
           AND NOT b.refuse_rappels
           AND {joignable}
        UNION ALL
        SELECT i.cpas_id, i.beneficiaire_id, c.canal, %(rappel_invitation)s, NULL, i.id,
               '', %(a_envoyer)s, '', '', %(maintenant)s
          FROM {t["invitation"]} i
          JOIN {t["personne"]} b ON b.id = i.beneficiaire_id
          LEFT JOIN {t["canaux_type"]} ct ON ct.cpas_id = i.cpas_id AND ct.type_id = i.type_id
          LEFT JOIN {t["parametres"]} pr ON pr.cpas_id = i.cpas_id
         CROSS JOIN LATERAL unnest(
               CASE WHEN i.canaux && %(electroniques)s::varchar[] THEN i.canaux
                    ELSE COALESCE(ct.canaux, pr.canaux, %(defaut)s::varchar[]) END) AS c(canal)
         WHERE i.statut = %(en_attente)s
           AND i.mode = %(mode_invitation)s
           AND i.relance_le IS NULL
           AND i.cree_le < %(cree_avant)s
           AND i.expire_le >= %(valable_jusqu_a)s
           AND NOT b.refuse_rappels
           AND {joignable}
        ON CONFLICT DO NOTHING
    """


def preparer(maintenant: datetime.datetime | None = None) -> int:
    """Record every due reminder as an ``Envoi`` to send (one query). Returns how many new."""
    maintenant = maintenant or timezone.now()
    aujourdhui = timezone.localdate(maintenant)
    jour_rdv = aujourdhui + datetime.timedelta(days=JOURS_AVANT_RENDEZ_VOUS)
    parametres = {
        "rappel_rdv": NatureEnvoi.RAPPEL_RENDEZ_VOUS.value,
        "rappel_invitation": NatureEnvoi.RAPPEL_INVITATION.value,
        "a_envoyer": StatutEnvoi.A_ENVOYER.value,
        "maintenant": maintenant,
        "defaut": CANAUX_PAR_DEFAUT,
        "electroniques": [c.value for c in envois.CANAUX_ELECTRONIQUES],
        "rdv_du": _debut_du_jour(jour_rdv),
        "rdv_au": _debut_du_jour(jour_rdv + datetime.timedelta(days=1)),
        "a_venir": [s.value for s in STATUTS_A_VENIR],
        "en_attente": StatutInvitation.EN_ATTENTE.value,
        "mode_invitation": ModeInvitation.INVITATION.value,
        # Created on day 1 means reminded from day 3 on (a missed day is caught up).
        "cree_avant": _debut_du_jour(
            aujourdhui - datetime.timedelta(days=JOUR_DU_RAPPEL_INVITATION - 2)
        ),
        "valable_jusqu_a": maintenant + datetime.timedelta(days=JOURS_DE_VALIDITE_RESTANTS),
    }
    with connection.cursor() as cursor:
        cursor.execute(_sql(), parametres)
        return cursor.rowcount


def _raison_de_ne_pas_envoyer(envoi: Envoi, maintenant) -> str:
    if envoi.beneficiaire.refuse_rappels:
        return _("la personne ne souhaite plus de rappels")
    if envoi.nature == NatureEnvoi.RAPPEL_RENDEZ_VOUS:
        rdv = envoi.rendez_vous
        if rdv is None or rdv.statut not in STATUTS_A_VENIR or rdv.debut <= maintenant:
            return _("rendez-vous annulé ou passé")
    else:
        invitation = envoi.invitation
        if invitation is None or invitation.statut != StatutInvitation.EN_ATTENTE:
            return _("invitation déjà utilisée, annulée ou expirée")
    return ""


def _message(envoi: Envoi) -> envois.Message:
    if envoi.nature == NatureEnvoi.RAPPEL_RENDEZ_VOUS:
        rdv = envoi.rendez_vous
        invitation = next(iter(rdv.invitations.all()), None)
        return envois.message_rappel_rendez_vous(
            envoi.beneficiaire, rdv, envois.lien_reservation(invitation)
        )
    return envois.message_rappel_invitation(
        envoi.beneficiaire, envoi.invitation, envois.lien_reservation(envoi.invitation)
    )


def _enregistrer(rangees: list[Envoi]) -> None:
    """The outcome of a batch in one UPDATE … FROM unnest(arrays)."""
    colonnes = envois.CHAMPS_DU_RESULTAT
    types = {"envoye_le": "timestamptz", "statut_le": "timestamptz"}
    valeurs = [[e.pk for e in rangees]] + [[getattr(e, c) for e in rangees] for c in colonnes]
    tableaux = ", ".join(["%s::bigint[]"] + [f"%s::{types.get(c, 'text')}[]" for c in colonnes])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Envoi._meta.db_table} AS e SET "
            + ", ".join(f"{c} = v.{c}" for c in colonnes)
            + f" FROM unnest({tableaux}) AS v(id, {', '.join(colonnes)}) WHERE e.id = v.id",
            valeurs,
        )


def envoyer_en_attente(lot: int = TAILLE_DES_LOTS) -> dict:
    """Send the reminders recorded and not sent yet, batch by batch. Returns counts by
    outcome."""
    comptes = {s.value: 0 for s in StatutEnvoi}
    backend_sms = sms.backend()
    courrier = get_connection()
    maintenant = timezone.now()
    try:
        while True:
            with transaction.atomic():
                rangees = list(
                    Envoi.objects.filter(
                        statut=StatutEnvoi.A_ENVOYER, nature__in=envois.NATURES_RAPPEL
                    )
                    .select_related(
                        "beneficiaire__cpas",
                        "rendez_vous__type",
                        "rendez_vous__lieu",
                        "invitation__type",
                    )
                    .prefetch_related("rendez_vous__invitations")
                    .order_by("id")
                    .select_for_update(skip_locked=True, of=("self",))[:lot]
                )
                if not rangees:
                    break
                relancees = set()
                # The e-mail and the SMS of one person for one appointment share their text.
                textes: dict[tuple, envois.Message] = {}
                for envoi in rangees:
                    raison = _raison_de_ne_pas_envoyer(envoi, maintenant)
                    if raison:
                        envoi.statut, envoi.erreur = StatutEnvoi.ECHEC, raison
                        envoi.statut_le = timezone.now()
                    else:
                        cle = (envoi.nature, envoi.beneficiaire_id, envoi.rendez_vous_id,
                               envoi.invitation_id)  # fmt: skip
                        if cle not in textes:
                            textes[cle] = _message(envoi)
                        envois.transmettre(
                            envoi, **textes[cle].pour(envoi.canal), connexion=courrier,
                            backend=backend_sms, enregistrer=False,
                        )  # fmt: skip
                        if envoi.invitation_id:
                            relancees.add(envoi.invitation_id)
                    comptes[envoi.statut] += 1
                # One UPDATE for the batch (committed with it: a worker killed during the
                # batch leaves its rows to send, the next run sends them).
                _enregistrer(rangees)
                if relancees:
                    Invitation.objects.filter(pk__in=relancees, relance_le__isnull=True).update(
                        relance_le=timezone.now()
                    )
    finally:
        courrier.close()
        backend_sms.close()
    return comptes


def envoyer_rappels(maintenant: datetime.datetime | None = None) -> dict:
    """The daily run: record the due reminders, then send every reminder still to send."""
    nouveaux = preparer(maintenant)
    comptes = envoyer_en_attente()
    return {"nouveaux": nouveaux, **comptes}
