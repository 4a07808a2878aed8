"""Celery entry points (thin): scan again the documents clamd could not scan at upload."""

from __future__ import annotations

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=10)
def analyser_document(pk: int) -> str:
    from documents.models import Document
    from documents.services import analyser_a_nouveau

    document = Document.objects.filter(pk=pk).first()
    if document is None:
        return "absent"
    return analyser_a_nouveau(document)


@shared_task
def analyser_documents_en_attente(limite: int = 500) -> dict:
    """Every document not scanned yet (no scanner then, or clamd down), oldest first."""
    from documents.models import Document, StatutAnalyse
    from documents.services import analyser_a_nouveau

    comptes: dict[str, int] = {}
    qs = Document.objects.filter(
        statut_analyse__in=[StatutAnalyse.EN_ATTENTE, StatutAnalyse.ERREUR]
    ).order_by("depose_le")[:limite]
    for document in qs:
        statut = analyser_a_nouveau(document)
        comptes[statut] = comptes.get(statut, 0) + 1
    return comptes
