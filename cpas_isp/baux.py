"""Leases of background jobs stored on a database row (monthly reports, staged imports).

A job row carries a token (the Celery task id that owns it) and a lease expiry. A worker
*claims* the row with one conditional UPDATE (only one worker can win it), then keeps the lease
alive with a heartbeat thread while it works, and stores its result only if the row still
carries its token (fencing). A worker killed as a whole (``kill -9``) stops beating: its lease
expires after ``duree_bail()`` seconds and a periodic task requeues the job.

The heartbeat runs on its own thread, hence its own database connection, so it can also publish
progress figures while the worker's own connection is inside a long transaction.
"""

from __future__ import annotations

import datetime
import logging
import os
import threading
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

logger = logging.getLogger(__name__)


def _reglage(nom: str, defaut: float) -> float:
    valeur = getattr(settings, nom, None)
    if valeur is None:
        valeur = os.environ.get(nom)
    return float(valeur) if valeur not in (None, "") else defaut


def duree_bail() -> float:
    """Seconds a claimed job stays reserved without a heartbeat (BAIL_TACHES_SECONDES)."""
    return _reglage("BAIL_TACHES_SECONDES", 120)


def delai_attente() -> float:
    """Seconds a queued job may wait for a worker before it is queued again
    (ATTENTE_TACHES_SECONDES): a lost message never leaves a job waiting for ever."""
    return _reglage("ATTENTE_TACHES_SECONDES", 1800)


def echeance(secondes: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=secondes)


def mettre_en_file(envoyer, travail) -> None:
    """``envoyer(travail)``, which queues the job of the row ``travail``, once the transaction
    commits. A broker out of order (Redis down) neither undoes what was committed nor answers
    an error page: the failure is logged, and the row waits, as after a lost message, until
    the periodic task queues it again (``delai_attente`` after it was queued)."""

    def envoyer_ou_journaliser():
        try:
            envoyer(travail)
        except Exception:
            logger.exception(
                "%s %s not queued (broker unreachable?): queued again when its wait runs out",
                travail._meta.label,
                travail.pk,
            )

    transaction.on_commit(envoyer_ou_journaliser)


def q_interrompus(maintenant: datetime.datetime, champ_demande: str) -> Q:
    """The jobs stopped without finishing: running with an expired lease (their worker was
    killed) or, without a lease, asked for (``champ_demande``) longer than a lease ago (their
    message was lost)."""
    return Q(bail_expire_le__lt=maintenant) | Q(
        bail_expire_le__isnull=True,
        **{f"{champ_demande}__lt": maintenant - datetime.timedelta(seconds=duree_bail())},
    )


def pause_de_test(nom: str) -> None:
    """Tests only (CPAS_ISP_TESTING): sleep the number of seconds given in the environment
    variable ``nom``, to let a test kill a real worker in the middle of a job."""
    if not getattr(settings, "TESTING", False):
        return
    secondes = float(os.environ.get(nom) or 0)
    if secondes:
        logger.warning("%s: pause de %.1f s (tests)", nom, secondes)
        time.sleep(secondes)


class Battement:
    """Heartbeat of a claimed job: every ``intervalle`` seconds, on its own thread and
    connection, pushes the lease of row ``pk`` of ``model`` forward and writes the progress
    fields given to ``progression()``; stops when the block ends.

    The update touches the row only while it still matches ``reservation`` (field values set
    when the job was claimed: its task id and claim time); ``perdu`` becomes True when the row
    no longer matches (another worker took the job over). A row locked by the worker's
    own transaction is skipped (SKIP LOCKED), never waited for.
    """

    def __init__(
        self,
        model,
        pk,
        reservation: dict,
        *,
        champ_bail: str = "bail_expire_le",
        duree: float | None = None,
        intervalle: float | None = None,
    ):
        self.model, self.pk, self.reservation = model, pk, reservation
        self.champ_bail = champ_bail
        self.duree = duree or duree_bail()
        self.intervalle = intervalle or max(0.2, min(self.duree / 4, 5.0))
        self.perdu = False
        self._valeurs: dict = {}
        self._verrou = threading.Lock()
        self._arret = threading.Event()
        self._thread: threading.Thread | None = None

    def progression(self, **valeurs) -> None:
        with self._verrou:
            self._valeurs.update(valeurs)

    def __enter__(self):
        self._thread = threading.Thread(target=self._boucle, name="battement", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._arret.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        return False

    def _boucle(self):
        try:
            while not self._arret.wait(self.intervalle):
                self.battre()
        finally:
            connection.close()  # this thread's own connection

    def battre(self) -> None:
        with self._verrou:
            valeurs = dict(self._valeurs)
        try:
            with transaction.atomic():
                verrouille = list(
                    self.model.objects.filter(pk=self.pk, **self.reservation)
                    .select_for_update(skip_locked=True)
                    .values_list("pk", flat=True)
                )
                if verrouille:
                    self.model.objects.filter(pk=self.pk).update(
                        **{self.champ_bail: echeance(self.duree)}, **valeurs
                    )
                    return
            ligne = self.model.objects.filter(pk=self.pk).values(*self.reservation).first()
            if ligne is not None and ligne != self.reservation:
                self.perdu = True
        except Exception:  # never let the heartbeat kill the job; the lease will tell
            logger.exception("Battement de %s %s impossible", self.model.__name__, self.pk)


def planifier_relance(nom: str, tache: str, periodic_task_model=None, interval_model=None):
    """The beat schedule (every minute) of the task ``tache`` that requeues interrupted jobs,
    created once under ``nom``. Data migrations pass their historical models."""
    if periodic_task_model is None:
        periodic_task_model, interval_model = PeriodicTask, IntervalSchedule
    intervalle, _ = interval_model.objects.get_or_create(every=1, period="minutes")
    planification, _ = periodic_task_model.objects.get_or_create(
        name=nom, defaults={"task": tache, "interval": intervalle, "enabled": True}
    )
    return planification
