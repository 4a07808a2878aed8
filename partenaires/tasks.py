"""Celery entry points of the partners app (scheduled by django-celery-beat, see migration
0002: the schedule lives in the database)."""

from __future__ import annotations

from celery import shared_task

from cpas_isp.audit import contexte_script

from .services.echeances import traiter_echeances


@shared_task(name="partenaires.tasks.echeances_orientations")
def echeances_orientations():
    """Daily: reminder to partners at half the delay, expiry of unanswered referrals."""
    with contexte_script("partenaires.echeances_orientations"):
        return traiter_echeances()
