"""Celery entry points of the agendas (thin: the work is in the services)."""

from celery import shared_task

from cpas_isp.audit import contexte_script
from rendezvous import services_invitations


@shared_task(name="rendezvous.expirer_invitations")
def expirer_invitations():
    """Invitations nobody answered within their validity become expired (scheduled daily by
    Celery beat; the people then show in the "to convene" queue)."""
    with contexte_script("rendezvous.expirer_invitations"):
        return services_invitations.expirer_invitations()
