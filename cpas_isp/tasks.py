"""Celery entry points of the core (thin: the work is elsewhere)."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from cpas_isp.models import Cpas


@shared_task(name="cpas_isp.sante")
def sante():
    """Health check an operator (or a test) can send through the broker: the worker reached
    the database and answered."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"database": "ok", "cpas": Cpas.objects.count(), "at": timezone.now().isoformat()}


@shared_task(name="cpas_isp.purger_sessions")
def purger_sessions():
    """Delete expired sessions (scheduled nightly by Celery beat)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(name="cpas_isp.envoyer_resumes_notifications")
def envoyer_resumes_notifications():
    """The daily e-mail digest of notifications (scheduled by Celery beat)."""
    from cpas_isp.notifications import envoyer_resumes

    return envoyer_resumes()
