"""PIIS evaluations: planning them from the policy, recording a held one (with the journal
step it logs), and the yearly legal minimum."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trajets import delais
from trajets.models.journal import TypeEtape
from trajets.models.piis import (
    MOIS_ENTRE_EVALUATIONS,
    STATUTS_FIGES,
    AppreciationObjectif,
    EvaluationPiis,
    Piis,
    StatutPiis,
)
from trajets.services.journal import noter_etape
from trajets.services.phases import passage_en_cours


def _verifier_evaluable(piis: Piis):
    if piis.statut != StatutPiis.SIGNE:
        raise ValidationError(_("Seul un PIIS signé en cours peut être évalué."))


def planifier_evaluations(piis: Piis):
    """(Re)plan the evaluations not yet held from the policy and the PIIS dates. Held ones are
    kept; planned ones whose date no longer fits are replaced."""
    if piis.statut in (StatutPiis.REMPLACE, *[s for s in STATUTS_FIGES if s != StatutPiis.SIGNE]):
        return
    if piis.debut is None:
        piis.evaluations.filter(date_tenue__isnull=True).delete()
        return
    voulues = delais.calendrier_evaluations(
        piis.debut, piis.fin, MOIS_ENTRE_EVALUATIONS[piis.politique_evaluation]
    )
    tenues = list(piis.evaluations.filter(date_tenue__isnull=False))
    derniere_tenue = max((e.date_tenue for e in tenues), default=None)
    a_faire = {e.date_prevue: e for e in piis.evaluations.filter(date_tenue__isnull=True)}
    gardees = set()
    nouvelles = []
    for date in voulues:
        # An evaluation already held around that date (within a month) counts for it.
        if any(abs((e.date_prevue - date).days) <= 31 for e in tenues):
            continue
        if derniere_tenue and date <= derniere_tenue:
            continue
        if date in a_faire:
            gardees.add(date)
        else:
            nouvelles.append(EvaluationPiis(cpas_id=piis.cpas_id, piis=piis, date_prevue=date))
    for date, e in a_faire.items():
        if date not in gardees:
            e.delete()
    EvaluationPiis.objects.bulk_create(nouvelles)


def ajouter_evaluation(piis: Piis, date=None) -> EvaluationPiis:
    """An extra evaluation (besides the planned ones), e.g. asked by the person."""
    _verifier_evaluable(piis)
    return EvaluationPiis.objects.create(
        cpas_id=piis.cpas_id, piis=piis, date_prevue=date or timezone.localdate()
    )


@transaction.atomic
def enregistrer_evaluation(
    evaluation: EvaluationPiis, user, appreciations: dict[int, tuple[str, str]]
) -> EvaluationPiis:
    """Record a held evaluation: per-objective assessments update the objectives' status, and a
    journal step is logged (or updated) for it."""
    piis = evaluation.piis
    _verifier_evaluable(piis)
    if evaluation.date_tenue is None:
        raise ValidationError(_("Indiquez la date à laquelle l'évaluation a eu lieu."))
    evaluation.auteur = evaluation.auteur or user
    type_eval = TypeEtape.objects.filter(code="evaluation_piis").first()
    if type_eval is None:
        type_eval = TypeEtape.objects.create(
            code="evaluation_piis",
            libelle_fr="Évaluation du PIIS",
            libelle_nl="Evaluatie van het GPMI",
            workflow=True,
        )
    mode_etape = {"presentiel": "presentiel", "telephone": "telephone", "video": "video"}.get(
        evaluation.mode, "ecrit"
    )
    note = evaluation.appreciation
    if evaluation.suites:
        note = f"{note}\n{_('Suites')} : {evaluation.suites}".strip()
    if evaluation.etape_id:
        etape = evaluation.etape
        etape.date, etape.mode, etape.note = evaluation.date_tenue, mode_etape, note
        etape.passage = passage_en_cours(piis.beneficiaire, evaluation.date_tenue)
        etape.save()
    else:
        etape = noter_etape(
            piis.beneficiaire,
            user,
            date=evaluation.date_tenue,
            type=type_eval,
            mode=mode_etape,
            note=note,
        )
        evaluation.etape = etape
    evaluation.save()
    objectifs = {o.pk: o for o in piis.objectifs.all()}
    for objectif_id, (statut, commentaire) in appreciations.items():
        objectif = objectifs.get(objectif_id)
        if objectif is None or not statut:
            continue
        AppreciationObjectif.objects.update_or_create(
            evaluation=evaluation,
            objectif=objectif,
            defaults={"cpas_id": piis.cpas_id, "statut": statut, "commentaire": commentaire},
        )
        if objectif.statut != statut:
            objectif.statut = statut
            objectif.save(update_fields=["statut"])
    planifier_evaluations(piis)
    return evaluation


def conformite_evaluations(piis: Piis, aujourd_hui=None) -> dict:
    """At least 3 evaluations a year, 2 of them face to face, counted per year of the PIIS."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    if piis.debut is None:
        return {"annees": []}
    tenues = [e for e in piis.evaluations.all() if e.date_tenue]
    annees = []
    k = 0
    fin_piis = min(piis.fin or aujourd_hui, aujourd_hui)
    while True:
        debut = piis.debut + relativedelta(years=k)
        if debut > fin_piis:
            break
        fin = piis.debut + relativedelta(years=k + 1) - datetime.timedelta(days=1)
        dans = [e for e in tenues if debut <= e.date_tenue <= fin]
        complete = fin <= fin_piis
        annees.append(
            {
                "debut": debut,
                "fin": fin,
                "total": len(dans),
                "presentiel": sum(1 for e in dans if e.presentielle),
                "complete": complete,
                "conforme": len(dans) >= 3 and sum(1 for e in dans if e.presentielle) >= 2,
            }
        )
        k += 1
    return {"annees": annees}
