"""Celery entry points of the staged import (thin: the work is in ``lots``)."""

from __future__ import annotations

from celery import shared_task

from beneficiaires.imports import lots
from cpas_isp.audit import contexte_script


def _resultat(lot):
    if lot is None:  # done already, or held by another live worker: nothing to do
        return {"lot": None, "ignore": True}
    return {"lot": lot.pk, "statut": lot.statut}


@shared_task(name="beneficiaires.tasks.analyser_lot_import", acks_late=True)
def analyser_lot_import(lot_id: int):
    """Analyse an uploaded file once and store its rows, errors and counts."""
    with contexte_script("beneficiaires.analyser_lot_import"):
        return _resultat(lots.analyser_lot(lot_id, analyser_lot_import.request.id or ""))


@shared_task(name="beneficiaires.tasks.importer_lot_import", acks_late=True)
def importer_lot_import(lot_id: int):
    """Import a confirmed batch in one transaction (nothing written if anything fails)."""
    with contexte_script("beneficiaires.importer_lot_import"):
        return _resultat(lots.importer_lot(lot_id, importer_lot_import.request.id or ""))


@shared_task(name="beneficiaires.tasks.relancer_imports_interrompus")
def relancer_imports_interrompus():
    """Every minute (Celery beat): queue again the batches whose worker was killed."""
    with contexte_script("beneficiaires.relancer_imports_interrompus"):
        return lots.relancer_lots_interrompus()


# --- Retention (beneficiaires.conservation) ---------------------------------------------------


@shared_task(name="beneficiaires.tasks.anonymiser_dossiers", acks_late=True)
def anonymiser_dossiers(anonymisation_id: int):
    """Anonymise the files of a confirmed run, batch after batch (resumable)."""
    from beneficiaires import conservation  # cycle: conservation queues this task

    with contexte_script("beneficiaires.anonymiser_dossiers", anonymisation=anonymisation_id):
        run = conservation.executer(anonymisation_id, anonymiser_dossiers.request.id or "")
    if run is None:
        return {"anonymisation": None, "ignore": True}
    return {"anonymisation": run.pk, "statut": run.statut, "dossiers": run.nb_anonymises}


@shared_task(name="beneficiaires.tasks.relancer_anonymisations")
def relancer_anonymisations():
    """Every minute (Celery beat): queue again the runs whose worker was killed."""
    from beneficiaires import conservation

    with contexte_script("beneficiaires.relancer_anonymisations"):
        return conservation.relancer_interrompues()


@shared_task(name="beneficiaires.tasks.elaguer_historique")
def elaguer_historique():
    """Nightly (Celery beat): delete history events and access log rows past their retention
    periods (HISTORIQUE_CONSERVATION_JOURS, JOURNAL_ACCES_CONSERVATION_JOURS)."""
    from beneficiaires import conservation

    return conservation.elaguer_historique()
