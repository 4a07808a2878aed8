"""A monthly report is generated exactly once and never stays stuck: a job is claimed by one
worker (lease renewed by a heartbeat), a killed worker's job is requeued by a periodic task,
and a copy of a message (second request, broker redelivery) generates nothing more."""

import datetime
import os
import signal
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from cpas_isp.baux import Battement
from cpas_isp.models import Role
from rapports import services, tasks
from rapports.models import EtatRapport, RapportMensuel
from tests.beneficiaires.factories import DroitFactory
from tests.conftest import worker_celery

DECEMBRE = datetime.date(2025, 12, 1)


@pytest.fixture
def envois(monkeypatch):
    """Messages sent for the report task, run at once in this process (as a worker would)."""
    envoyes = []

    def apply_async(args, task_id):
        envoyes.append(task_id)
        return tasks.generer_rapport_mensuel.apply(args=args, task_id=task_id)

    monkeypatch.setattr(tasks.generer_rapport_mensuel, "apply_async", apply_async)
    return envoyes


def _fichiers(media, code="alpha"):
    dossier = media / "rapports" / code
    return sorted(p.name for p in dossier.iterdir()) if dossier.exists() else []


def _tue_pendant_la_generation(rapport):
    """The row as a worker killed with SIGKILL in the middle of the PDF leaves it: running,
    its lease no longer renewed (expired), maybe a half-written file in the folder."""
    passe = timezone.now() - datetime.timedelta(minutes=5)
    RapportMensuel.objects.filter(pk=rapport.pk).update(
        etat=EtatRapport.EN_COURS, debut_generation=passe, bail_expire_le=passe
    )


def test_killed_worker_report_is_requeued_and_stored_exactly_once(
    cpas_a,
    make_user,
    client_for,
    settings,
    tmp_path,
    envois,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path
    DroitFactory(beneficiaire__cpas=cpas_a, debut=datetime.date(2025, 1, 1))
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    envoyer = services._envoyer
    monkeypatch.setattr(services, "_envoyer", lambda rapport: None)  # the message is lost...
    rapport = services.demander_rapport(cpas_a, DECEMBRE, user=directeur)
    _tue_pendant_la_generation(rapport)  # ...with the worker that took it
    (tmp_path / "rapports" / "alpha").mkdir(parents=True)
    (tmp_path / "rapports" / "alpha" / rapport.nom_fichier).write_bytes(b"%PDF-1.7 half")
    page = client_for(directeur).get(reverse("rapports:mensuels")).content.decode()
    assert "relance automatique dans la minute" in page
    monkeypatch.setattr(services, "_envoyer", envoyer)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.relancer_rapports_interrompus() == [rapport.pk]

    rapport.refresh_from_db()
    assert rapport.etat == EtatRapport.PRET and rapport.relances == 1
    assert envois == [rapport.tache_id]  # the same job, sent again
    assert _fichiers(tmp_path) == [rapport.nom_fichier]  # exactly one PDF
    assert rapport.fichier.read().startswith(b"%PDF") and rapport.taille > 100
    assert rapport.demande_par == directeur
    page = client_for(directeur).get(reverse("rapports:mensuels")).content.decode()
    assert "Relancé automatiquement après une interruption du traitement." in page
    # Nothing is stale any more: the next run of the recovery task does nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.relancer_rapports_interrompus() == []
    assert len(envois) == 1


def test_live_worker_and_fresh_queued_jobs_are_left_alone(cpas_a, monkeypatch):
    monkeypatch.setattr(services, "_envoyer", lambda rapport: None)
    en_attente = services.demander_rapport(cpas_a, DECEMBRE)
    en_cours = services.demander_rapport(cpas_a, datetime.date(2025, 11, 1))
    assert services.reserver_rapport(en_cours.pk, en_cours.tache_id) is not None
    assert services.relancer_rapports_interrompus() == []
    # A queued job whose message was lost is queued again after its deadline.
    RapportMensuel.objects.filter(pk=en_attente.pk).update(
        bail_expire_le=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert services.relancer_rapports_interrompus() == [en_attente.pk]


def test_second_request_while_running_queues_no_second_job(
    cpas_a, make_user, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    envoyes = []
    monkeypatch.setattr(
        tasks.generer_rapport_mensuel,
        "apply_async",
        lambda args, task_id: envoyes.append(task_id),
    )
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    client = client_for(directeur)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("rapports:demander"), {"mois": "2025-12"})
    rapport = RapportMensuel.objects.get()
    assert services.reserver_rapport(rapport.pk, rapport.tache_id) is not None  # running
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("rapports:demander"), {"mois": "2025-12"}, follow=True)
    assert "déjà en préparation" in page.content.decode()
    assert envoyes == [rapport.tache_id]  # one job only
    rapport.refresh_from_db()
    assert rapport.etat == EtatRapport.EN_COURS and RapportMensuel.objects.count() == 1


def test_a_copy_of_the_message_never_generates_twice(cpas_a, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(services, "_envoyer", lambda rapport: None)
    rapport = services.demander_rapport(cpas_a, DECEMBRE)
    rendus = []
    vrai = services.rendre_pdf

    def rendre_pdf(*args):
        rendus.append(args)
        # While the first worker renders, the broker hands the same message to a second one:
        # the row is held by a live worker, the copy does nothing.
        if len(rendus) == 1:
            copie = tasks.generer_rapport_mensuel.apply(
                args=(cpas_a.pk, "2025-12"), task_id=rapport.tache_id
            )
            assert copie.get() == {"rapport": None, "ignore": True}
        return vrai(*args)

    monkeypatch.setattr(services, "rendre_pdf", rendre_pdf)
    tasks.generer_rapport_mensuel.apply(args=(cpas_a.pk, "2025-12"), task_id=rapport.tache_id)
    # Redelivered after the report was stored (visibility timeout): nothing either.
    tasks.generer_rapport_mensuel.apply(args=(cpas_a.pk, "2025-12"), task_id=rapport.tache_id)
    assert len(rendus) == 1
    rapport.refresh_from_db()
    assert rapport.etat == EtatRapport.PRET and _fichiers(tmp_path) == [rapport.nom_fichier]


def test_worker_that_lost_its_lease_does_not_store_its_pdf(cpas_a, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(services, "_envoyer", lambda rapport: None)
    rapport = services.demander_rapport(cpas_a, DECEMBRE)
    vrai = services.rendre_pdf

    def rendre_pdf_lent(*args):
        # This worker stalled past its lease: the job was requeued and claimed again.
        _tue_pendant_la_generation(rapport)
        assert services.reserver_rapport(rapport.pk, rapport.tache_id) is not None
        return vrai(*args)

    monkeypatch.setattr(services, "rendre_pdf", rendre_pdf_lent)
    assert services.generer_rapport(cpas_a.pk, DECEMBRE, tache_id=rapport.tache_id) is None
    rapport.refresh_from_db()
    assert rapport.etat == EtatRapport.EN_COURS and not rapport.fichier
    assert _fichiers(tmp_path) == []


def test_heartbeat_keeps_the_lease_of_a_running_job(cpas_a, transactional_db, monkeypatch):

    monkeypatch.setattr(services, "_envoyer", lambda rapport: None)
    rapport = services.demander_rapport(cpas_a, DECEMBRE)
    reservation = services.reserver_rapport(rapport.pk, rapport.tache_id)
    RapportMensuel.objects.filter(pk=rapport.pk).update(bail_expire_le=timezone.now())
    with Battement(RapportMensuel, rapport.pk, reservation, duree=60, intervalle=0.1) as b:
        time.sleep(1)
    rapport.refresh_from_db()
    assert rapport.bail_expire_le > timezone.now() + datetime.timedelta(seconds=50)
    assert not b.perdu and services.relancer_rapports_interrompus() == []


def test_recovery_is_scheduled_every_minute_in_the_database(db):

    tache = PeriodicTask.objects.get(name=services.NOM_PLANIFICATION_RELANCE)
    assert tache.task == "rapports.tasks.relancer_rapports_interrompus" and tache.enabled
    assert (tache.interval.every, tache.interval.period) == (1, "minutes")


@pytest.mark.slow
def test_real_worker_killed_mid_generation_then_a_new_worker_stores_one_report(
    transactional_db, cpas_a, tmp_path, settings
):
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    DroitFactory(beneficiaire__cpas=cpas_a, debut=datetime.date(2025, 1, 1))
    env = {"MEDIA_ROOT": str(media), "BAIL_TACHES_SECONDES": "2"}

    def attendre(condition, quoi, log):
        deadline = time.monotonic() + 120
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"{quoi}:\n" + log.read_text()[-4000:])
            time.sleep(0.2)

    processus = []
    with worker_celery(
        tmp_path, prefix="test-kill", processus=processus, RAPPORTS_PAUSE_TEST="300", **env
    ) as (_queue, log):
        rapport = services.demander_rapport(cpas_a, DECEMBRE)
        attendre(
            lambda: RapportMensuel.objects.filter(etat=EtatRapport.EN_COURS).exists(),
            "the first worker did not start the report",
            log,
        )
        os.kill(processus[0].pid, signal.SIGKILL)  # the whole worker, in the middle of it
        processus[0].wait(timeout=20)
    rapport.refresh_from_db()
    assert rapport.etat == EtatRapport.EN_COURS  # stuck, as the killed worker left it
    attendre(lambda: RapportMensuel.objects.get().interrompu, "the lease did not expire", log)
    with worker_celery(tmp_path, prefix="test-relance", **env) as (_queue, log):
        tasks.relancer_rapports_interrompus.delay()  # what beat sends every minute
        attendre(
            lambda: RapportMensuel.objects.filter(etat=EtatRapport.PRET).exists(),
            "the new worker did not store the report",
            log,
        )
    rapport = RapportMensuel.objects.get()  # exactly one row...
    assert rapport.relances == 1
    assert _fichiers(media) == [rapport.nom_fichier]  # ...and one PDF
    assert (media / rapport.fichier.name).read_bytes().startswith(b"%PDF")


def test_synchronous_call_regenerates_unless_a_worker_is_at_it(
    cpas_a, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    premier = services.generer_rapport(cpas_a.pk, DECEMBRE)  # demo data, scripts, benchmarks
    second = services.generer_rapport(cpas_a.pk, DECEMBRE)
    assert second.genere_le > premier.genere_le and _fichiers(tmp_path) == [second.nom_fichier]
    monkeypatch.setattr(services, "_envoyer", lambda rapport: None)
    rapport = services.demander_rapport(cpas_a, DECEMBRE)
    assert services.reserver_rapport(rapport.pk, rapport.tache_id) is not None
    assert services.generer_rapport(cpas_a.pk, DECEMBRE) is None
