"""Scheduled notifications of the trajectory (``cpas_isp.notifications``): PIIS to sign or to
evaluate within 7 days, article 60 contracts ending within 30 days. Computed set-wise (one
query per kind, one INSERT for all) by the daily task ``trajets.notifier_echeances``; each
notification carries a key naming the object and its due date, so a second run the same day,
or the next days while the date stays in the window, creates nothing new."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import DateField
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cpas_isp.models import NatureNotification, Notification
from cpas_isp.notifications import notifier_en_lot
from trajets import delais
from trajets.models import ContratArticle60, EvaluationPiis, Piis, StatutPiis

JOURS_PIIS = 7
JOURS_ARTICLE60 = 30


def _signature_due():
    # Same month arithmetic as delais.signature_due_le (PostgreSQL clamps like relativedelta).
    return RawSQL(
        f"({Piis._meta.db_table}.date_decision_ris + make_interval(months => %s))::date",
        [delais.MOIS_SIGNATURE],
        output_field=DateField(),
    )


def _lignes(nature, modele, rangees, cle, lien):
    """Notifications from rows (pk, cpas_id, personne_id, due date, *recipient ids)."""
    ct = ContentType.objects.get_for_model(modele)
    for pk, cpas_id, personne_id, due, *destinataires in rangees:
        for uid in {d for d in destinataires if d is not None}:
            yield Notification(
                cpas_id=cpas_id,
                destinataire_id=uid,
                nature=nature,
                content_type=ct,
                object_id=pk,
                personne_id=personne_id,
                lien=lien(pk),
                cle=cle(pk, due),
            )


def notifier_echeances(aujourd_hui: datetime.date | None = None) -> dict[str, int]:
    """Notify the PIIS's social worker and the person's referent of PIIS signatures and
    evaluations due within ``JOURS_PIIS`` days, and the referent of article 60 contracts whose
    planned end falls within ``JOURS_ARTICLE60`` days. Returns how many new notifications of
    each nature were created."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    dans_7 = aujourd_hui + datetime.timedelta(days=JOURS_PIIS)
    dans_30 = aujourd_hui + datetime.timedelta(days=JOURS_ARTICLE60)

    signatures = (
        Piis.objects.filter(
            statut__in=[StatutPiis.BROUILLON, StatutPiis.PROPOSE],
            avenant_de__isnull=True,
            beneficiaire__anonymise_le__isnull=True,
            beneficiaire__date_cloture__isnull=True,
        )
        .annotate(due=_signature_due())
        .filter(due__gte=aujourd_hui, due__lte=dans_7)
        .values_list(
            "pk", "cpas_id", "beneficiaire_id", "due", "agent_id", "beneficiaire__referent_id"
        )
    )
    evaluations = EvaluationPiis.objects.filter(
        date_tenue__isnull=True,
        piis__statut=StatutPiis.SIGNE,
        date_prevue__gte=aujourd_hui,
        date_prevue__lte=dans_7,
        piis__beneficiaire__anonymise_le__isnull=True,
    ).values_list(
        "pk",
        "cpas_id",
        "piis__beneficiaire_id",
        "date_prevue",
        "piis__agent_id",
        "piis__beneficiaire__referent_id",
        "piis_id",
    )
    contrats = ContratArticle60.objects.filter(
        fin_reelle__isnull=True,
        debut__lte=aujourd_hui,
        fin_prevue__gte=aujourd_hui,
        fin_prevue__lte=dans_30,
        beneficiaire__anonymise_le__isnull=True,
    ).values_list("pk", "cpas_id", "beneficiaire_id", "fin_prevue", "beneficiaire__referent_id")

    piis_des_evaluations = {}
    rangees_evaluations = []
    for pk, cpas_id, personne_id, due, agent_id, referent_id, piis_id in evaluations:
        piis_des_evaluations[pk] = piis_id
        rangees_evaluations.append((pk, cpas_id, personne_id, due, agent_id, referent_id))

    resultat = {}
    for nature, modele, rangees, cle, lien in (
        (
            NatureNotification.PIIS_SIGNATURE,
            Piis,
            signatures,
            lambda pk, due: f"piis:{pk}:signature:{due:%Y-%m-%d}",
            lambda pk: reverse("trajets:piis_detail", args=[pk]),
        ),
        (
            NatureNotification.PIIS_EVALUATION,
            EvaluationPiis,
            rangees_evaluations,
            lambda pk, due: f"evaluation:{pk}:{due:%Y-%m-%d}",
            lambda pk: reverse("trajets:piis_detail", args=[piis_des_evaluations[pk]]),
        ),
        (
            NatureNotification.ARTICLE60_FIN,
            ContratArticle60,
            contrats,
            lambda pk, due: f"article60:{pk}:fin:{due:%Y-%m-%d}",
            lambda pk: reverse("trajets:contrat_detail", args=[pk]),
        ),
    ):
        resultat[nature.value] = notifier_en_lot(_lignes(nature, modele, rangees, cle, lien))
    return resultat


# --- Wording (registered in cpas_isp.notifications from trajets.hooks) ----------------------


def details_piis(ids) -> dict[int, str]:
    return {
        pk: _("À signer au plus tard le %(date)s") % {"date": f"{due:%d/%m/%Y}"}
        for pk, due in Piis.objects.filter(pk__in=list(ids))
        .annotate(due=_signature_due())
        .values_list("pk", "due")
    }


def details_evaluations(ids) -> dict[int, str]:
    return {
        pk: _("Évaluation prévue le %(date)s") % {"date": f"{date:%d/%m/%Y}"}
        for pk, date in EvaluationPiis.objects.filter(pk__in=list(ids)).values_list(
            "pk", "date_prevue"
        )
    }


def details_contrats(ids) -> dict[int, str]:
    return {
        pk: _("%(fonction)s — fin prévue le %(date)s")
        % {"fonction": fonction, "date": f"{fin:%d/%m/%Y}"}
        for pk, fonction, fin in ContratArticle60.objects.filter(pk__in=list(ids)).values_list(
            "pk", "fonction", "fin_prevue"
        )
    }
