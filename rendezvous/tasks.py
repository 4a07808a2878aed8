"""Celery entry points of the agendas (thin: the work is in ``rendezvous.rappels`` and
``rendezvous.services_invitations``)."""

from celery import shared_task

from cpas_isp.audit import contexte_script
from rendezvous import rappels, services_invitations


@shared_task(name="rendezvous.envoyer_rappels")
def envoyer_rappels():
    """Daily (Celery beat): reminders of appointments in two days and of unanswered
    invitations on their third day; also sends what a killed run left to send."""
    return rappels.envoyer_rappels()


@shared_task(name="rendezvous.expirer_invitations")
def expirer_invitations():
    """Invitations nobody answered within their validity become expired (scheduled daily by
    Celery beat; the people then show in the "to convene" queue)."""
    with contexte_script("rendezvous.expirer_invitations"):
        return services_invitations.expirer_invitations()
