"""Celery entry points of the reports (thin: the work is in services)."""

from __future__ import annotations

import datetime
import logging
import os

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from cpas_isp.audit.log import contexte_script
from cpas_isp.models import Cpas
from rapports import services

logger = logging.getLogger(__name__)

MAX_TENTATIVES = 4


def _jour(mois: str) -> datetime.date:
    """A task's month argument (YYYY-MM-DD or YYYY-MM) as a date."""
    return datetime.date.fromisoformat(mois if len(mois) > 7 else f"{mois}-01")


def _backoff(retries: int) -> int:
    """Seconds before the next attempt: base, 2×base, 4×base… capped at 30 minutes. The base
    (60 s) may be set with the RAPPORTS_RETRY_BACKOFF setting or environment variable."""
    base = getattr(settings, "RAPPORTS_RETRY_BACKOFF", None) or int(
        os.environ.get("RAPPORTS_RETRY_BACKOFF", "60")
    )
    return min(base * 2**retries, 1800)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_TENTATIVES - 1,
    name="rapports.tasks.generer_rapport_mensuel",
)
def generer_rapport_mensuel(
    self, cpas_id: int, mois: str, demande_par_id: int | None = None, langue: str | None = None
):
    """Generate and store one CPAS's report of one month (``mois``: YYYY-MM-DD or YYYY-MM) in
    ``langue`` (default, and the scheduled run: the CPAS's language).

    Idempotent: the report row is unique per CPAS, month and language and its file is replaced; the
    row is claimed by this task id before any work, so a copy of the message (requeued after
    an interruption or redelivered by the broker) does nothing once the job is done or while a
    live worker holds it. A failed attempt is recorded on the row and retried with exponential
    backoff; the last failure leaves the row in the "failed" state with its error.
    """
    jour = _jour(mois)
    tentative = self.request.retries + 1
    tache_id = self.request.id or ""
    try:
        with contexte_script("rapports.generer_rapport_mensuel"):
            rapport = services.generer_rapport(
                cpas_id,
                jour,
                langue=langue,
                demande_par_id=demande_par_id,
                tache_id=tache_id,
                tentative=tentative,
            )
    except Exception as exc:
        definitif = self.request.retries >= self.max_retries
        attente = _backoff(self.request.retries)
        logger.exception("Échec du rapport mensuel %s %s (tentative %d)", cpas_id, mois, tentative)
        services.noter_echec(
            cpas_id,
            jour,
            f"{type(exc).__name__}: {exc}",
            definitif=definitif,
            langue=langue,
            tentative=tentative,
            tache_id=tache_id,
            nouvel_essai_dans=attente,
        )
        if definitif:
            raise
        raise self.retry(exc=exc, countdown=attente)
    if rapport is None:  # done already, or held by another live worker: nothing to do
        return {"rapport": None, "ignore": True}
    return {"rapport": rapport.pk, "fichier": rapport.fichier.name, "taille": rapport.taille}


@shared_task(name="rapports.tasks.relancer_rapports_interrompus")
def relancer_rapports_interrompus():
    """Every minute (Celery beat): queue again the reports whose worker was killed (lease
    expired) or whose message was lost."""
    with contexte_script("rapports.relancer_rapports_interrompus"):
        return services.relancer_rapports_interrompus()


@shared_task(name="rapports.tasks.generer_rapports_mensuels", acks_late=True)
def generer_rapports_mensuels(mois: str | None = None):
    """Scheduled on the 1st of each month: queue last month's report of every CPAS, in the
    CPAS's language."""
    jour = _jour(mois) if mois else services.mois_precedent(timezone.localdate())
    codes = []
    with contexte_script("rapports.generer_rapports_mensuels"):
        for cpas in Cpas.objects.order_by("code"):
            services.demander_rapport(cpas, jour, langue=cpas.langue)
            codes.append(cpas.code)
    return {"mois": jour.isoformat(), "cpas": codes}
