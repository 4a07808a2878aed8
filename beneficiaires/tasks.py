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
