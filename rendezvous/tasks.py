"""Celery entry points of the agendas (thin: the work is in ``rendezvous.rappels``)."""

from celery import shared_task

from rendezvous import rappels


@shared_task(name="rendezvous.envoyer_rappels")
def envoyer_rappels():
    """Daily (Celery beat): reminders of appointments in two days and of unanswered
    invitations on their third day; also sends what a killed run left to send."""
    return rappels.envoyer_rappels()
