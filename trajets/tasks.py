"""Celery entry points of the trajectory (thin: the work is in trajets.services)."""

from celery import shared_task

from cpas_isp.audit.log import contexte_script


@shared_task(name="trajets.notifier_echeances")
def notifier_echeances():
    """Daily: notifications of PIIS signatures and evaluations due within 7 days and article 60
    contracts ending within 30 days (scheduled by Celery beat; idempotent)."""
    from trajets.services.notifications import notifier_echeances as notifier

    with contexte_script("notifier_echeances"):
        return notifier()
