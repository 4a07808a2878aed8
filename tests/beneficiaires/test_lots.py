"""The staged import runs in the background: the file is analysed once by a worker (rows and
errors stored), page views only read what was stored, the import runs in a worker in one
transaction with its progress on the page, and a killed worker is requeued."""

import datetime
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from beneficiaires import tasks
from beneficiaires.imports import execution, lots
from beneficiaires.imports.base import TypeImport
from beneficiaires.models import Beneficiaire, LigneLot, LotImport, StatutLot
from beneficiaires.niss import niss_avec_controle
from cpas_isp.models import JournalAcces, Role
from tests.beneficiaires.factories import BeneficiaireFactory

N1 = "85073003328"  # Dupont, M, 30/07/1985


@pytest.fixture
def admin(make_user, cpas_a):
    return make_user(Role.ADMIN, cpas_a)


@pytest.fixture
def file_de_taches(monkeypatch):
    """The jobs queued by the batch code, kept until ``executer()`` runs them here as a worker
    would (through the Celery task, with the job id)."""

    class File(list):
        def executer(self):
            while self:
                lot_id, statut, tache_id = self.pop(0)
                tache = (
                    tasks.analyser_lot_import
                    if statut == StatutLot.EN_ANALYSE
                    else tasks.importer_lot_import
                )
                tache.apply(args=(lot_id,), task_id=tache_id).get()

    file = File()
    monkeypatch.setattr(
        lots, "_envoyer", lambda lot: file.append((lot.pk, lot.statut, lot.tache_id))
    )
    return file


def _deposer(client, content, type_="beneficiaires"):
    return client.post(
        reverse("beneficiaires:import_liste"),
        {"type": type_, "fichier": SimpleUploadedFile("data.csv", content, "text/csv")},
    )


def _niss(i):
    """The i-th of many distinct valid NISS (400 per birth date)."""
    naissance = datetime.date(1960, 1, 1) + datetime.timedelta(days=i // 400)
    base = f"{naissance:%y%m%d}{(i % 400) * 2 + 1:03d}"
    return niss_avec_controle(base, naissance.year)


def _fichier(n):
    lignes = ["niss;nom;prenom"]
    lignes += [f"{_niss(i)};Nom{i};Prenom{i}" for i in range(n)]
    return ("\n".join(lignes) + "\n").encode()


def test_upload_only_queues_the_analysis_and_the_page_says_so(
    admin, client_for, file_de_taches, django_capture_on_commit_callbacks, monkeypatch
):
    client = client_for(admin)
    monkeypatch.setattr(TypeImport, "analyser", lambda *a: pytest.fail("analysed in a request"))
    with django_capture_on_commit_callbacks(execute=True):
        response = _deposer(client, f"niss;nom;prenom\n{N1};Dupont;Jean\n".encode())
    lot = LotImport.objects.get()
    assert lot.statut == StatutLot.EN_ANALYSE and file_de_taches == [
        (lot.pk, StatutLot.EN_ANALYSE, lot.tache_id)
    ]
    page = client.get(response.url).content.decode()
    assert "Analyse en cours" in page and 'hx-trigger="every 1s"' in page
    statut = client.get(reverse("beneficiaires:import_statut", args=[lot.pk]))
    assert statut.status_code == 200 and "HX-Refresh" not in statut
    assert "Analyse en cours" in statut.content.decode()


def test_analysis_is_stored_once_and_page_views_never_read_the_file(
    admin, cpas_a, client_for, file_de_taches, django_capture_on_commit_callbacks, monkeypatch
):
    client = client_for(admin)
    existant = BeneficiaireFactory(cpas=cpas_a, niss=N1, nom="Dupont", prenom="Jacques")
    content = f"niss;nom;prenom\n{N1};Dupont;Jean\n85073003329;Faux;Numéro\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _deposer(client, content)
    file_de_taches.executer()
    lot = LotImport.objects.get()
    assert (lot.statut, lot.nb_lignes, lot.nb_valides, lot.nb_rejetees) == ("analyse", 2, 1, 1)
    assert LigneLot.objects.filter(lot=lot).count() == 2
    # From now on, nothing reads or analyses the file again.
    monkeypatch.setattr(TypeImport, "analyser", lambda *a: pytest.fail("analysed again"))
    monkeypatch.setattr(TypeImport, "lire", lambda *a: pytest.fail("read again"))
    statut = client.get(reverse("beneficiaires:import_statut", args=[lot.pk]))
    assert statut["HX-Refresh"] == "true"  # finished: the page reloads itself
    for _ in range(2):
        detail = client.get(response.url).content.decode()
        assert "ligne 3, niss : NISS invalide" in detail
        assert "2 ligne(s) lue(s)" in detail and "1 valide(s), 1 en erreur" in detail
    tout = client.get(response.url, {"montrer": "tout"}).content.decode()
    assert "Dupont" in tout and "<td>modification</td>" in tout  # Jacques -> Jean
    # The page showing an existing person's row writes the access log.
    assert JournalAcces.objects.filter(user=admin, personnes__contains=[existant.pk]).exists()
    rejets = client.get(response.url, {"format": "rejets"})
    assert "85073003329" in rejets.content.decode("utf-8-sig")
    assert not Beneficiaire.objects.filter(niss="85073003329").exists()


def test_rows_are_paginated(admin, client_for, file_de_taches, django_capture_on_commit_callbacks):
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _deposer(client, _fichier(250))
    file_de_taches.executer()
    page1 = client.get(response.url).content.decode()
    assert "Page 1 sur 3" in page1 and page1.count("<tr class=") == 100
    page3 = client.get(response.url, {"montrer": "tout", "page": 3}).content.decode()
    assert page3.count("<tr class=") == 50 and "<td>251</td>" in page3


def test_import_runs_in_a_worker_and_writes_every_row_in_one_go(
    admin, client_for, file_de_taches, django_capture_on_commit_callbacks, monkeypatch
):
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _deposer(client, _fichier(30))
    file_de_taches.executer()
    ecritures = []
    vrai = lots.executer_import

    def executer_import(*args, **kwargs):
        ecritures.append(kwargs)
        return vrai(*args, **kwargs)

    monkeypatch.setattr(lots, "executer_import", executer_import)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(response.url, {"action": "importer"}, follow=True)
    assert "Import lancé" in page.content.decode()
    assert not Beneficiaire.objects.exists()  # nothing written by the request itself
    lot = LotImport.objects.get()
    assert lot.statut == StatutLot.EN_IMPORT
    assert "Import en cours" in client.get(response.url).content.decode()
    # A second click while it waits or runs queues nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, {"action": "importer"})
    assert len(file_de_taches) == 1
    file_de_taches.executer()
    lot.refresh_from_db()
    assert (lot.statut, lot.nb_crees, bytes(lot.contenu)) == ("importe", 30, b"")
    assert Beneficiaire.objects.count() == 30 and not LigneLot.objects.filter(lot=lot).exists()
    assert len(ecritures) == 1 and ecritures[0]["dans_la_transaction"] is not None
    assert "30 créé(s)" in client.get(response.url).content.decode()


def test_failure_in_the_middle_of_the_import_writes_nothing_and_marks_the_batch_failed(
    admin, client_for, file_de_taches, django_capture_on_commit_callbacks, monkeypatch
):
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _deposer(client, _fichier(2500))
    file_de_taches.executer()
    vrai = execution.inserer_lot
    ecrits = []

    def inserer_lot(model, staging, colonnes, debut, fin):
        if ecrits:  # the second batch (rows 2001 and after): the disk is full
            raise OSError("disque plein à la ligne 2001")
        ecrits.append(fin - debut)
        return vrai(model, staging, colonnes, debut, fin)

    monkeypatch.setattr(execution, "inserer_lot", inserer_lot)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, {"action": "importer"})
    file_de_taches.executer()
    assert ecrits == [2000]  # the first 2,000 rows were written in the transaction...
    assert not Beneficiaire.objects.exists()  # ...and rolled back with it
    lot = LotImport.objects.get()
    assert lot.statut == StatutLot.ECHEC and "rien n'a été enregistré" in lot.erreur
    assert "disque plein" in lot.erreur and lot.nb_crees == 0
    assert bytes(lot.contenu) == b"" and not LigneLot.objects.exists()  # nothing kept
    assert "disque plein" in client.get(response.url).content.decode()


def test_killed_worker_batch_is_requeued_and_imported_once(
    admin, client_for, file_de_taches, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _deposer(client, _fichier(5))
    file_de_taches.executer()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, {"action": "importer"})
    lot = LotImport.objects.get()
    perdu = file_de_taches.pop()  # the worker took the message and was killed with SIGKILL
    passe = timezone.now() - datetime.timedelta(minutes=5)
    LotImport.objects.filter(pk=lot.pk).update(debut_traitement=passe, bail_expire_le=passe)
    assert "relance automatique" in client.get(response.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.relancer_imports_interrompus() == [lot.pk]
    assert file_de_taches == [perdu]  # the same job again
    file_de_taches.executer()
    # A late redelivery of the old message does nothing more.
    assert tasks.importer_lot_import.apply(args=(lot.pk,), task_id=perdu[2]).get() == {
        "lot": None,
        "ignore": True,
    }
    lot.refresh_from_db()
    assert (lot.statut, lot.relances, lot.nb_crees) == ("importe", 1, 5)
    assert Beneficiaire.objects.count() == 5


def test_nul_byte_in_a_row_is_a_row_error_the_others_import(
    admin, client_for, file_de_taches, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    content = f"niss;nom;prenom\n{N1};Du\x00pont;Jean\n{_niss(1)};Martin;Paul\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _deposer(client, content)
    file_de_taches.executer()
    lot = LotImport.objects.get()
    # The row with a NUL character is a row error; the other row stays importable.
    assert lot.statut == StatutLot.ANALYSE and (lot.nb_lignes, lot.nb_rejetees) == (2, 1)
    page = client.get(response.url, {"montrer": "tout"})
    assert page.status_code == 200 and "caractère nul interdit" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(response.url, {"action": "importer_valides"}).status_code == 302
    file_de_taches.executer()
    lot.refresh_from_db()
    assert lot.statut == StatutLot.IMPORTE
    assert list(Beneficiaire.objects.values_list("niss", flat=True)) == [_niss(1)]


def test_cancel_erases_the_file_and_the_stored_rows(
    admin, client_for, file_de_taches, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _deposer(client, _fichier(3))
    file_de_taches.executer()
    client.post(response.url, {"action": "annuler"})
    lot = LotImport.objects.get()
    assert (lot.statut, bytes(lot.contenu)) == ("annule", b"")
    assert not LigneLot.objects.exists() and not Beneficiaire.objects.exists()


def test_batch_cancelled_during_its_analysis_stores_nothing(
    admin, client_for, file_de_taches, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _deposer(client, _fichier(3))
    assert 'value="annuler"' in client.get(response.url).content.decode()
    client.post(response.url, {"action": "annuler"})
    file_de_taches.executer()  # the analysis job arrives after the cancellation
    lot = LotImport.objects.get()
    assert lot.statut == StatutLot.ANNULE and not LigneLot.objects.exists()


def test_progress_is_published_while_the_import_transaction_runs(
    transactional_db, cpas_a, make_user, client_for, file_de_taches, settings, monkeypatch
):
    settings.BAIL_TACHES_SECONDES = 2  # heartbeat every 0.5 s
    admin = make_user(Role.ADMIN, cpas_a)
    client = client_for(admin)
    response = _deposer(client, _fichier(2500))
    file_de_taches.executer()
    client.post(response.url, {"action": "importer"})
    lot = LotImport.objects.get()
    vrai = execution.inserer_lot
    appels, vus = [], []

    def inserer_lot(model, staging, colonnes, debut, fin):
        appels.append(fin - debut)
        if len(appels) == 2:  # inside the import's transaction, after the first 2,000 rows
            deadline = time.monotonic() + 20
            while True:
                # What the page polls every second (committed by the heartbeat's own
                # connection, so visible although the import has not committed yet).
                partiel = client.get(reverse("beneficiaires:import_statut", args=[lot.pk]))
                html = partiel.content.decode()
                if "2000 / 2500" in html:
                    vus.append(html)
                    break
                assert time.monotonic() < deadline, html
                time.sleep(0.2)
        return vrai(model, staging, colonnes, debut, fin)

    monkeypatch.setattr(execution, "inserer_lot", inserer_lot)
    file_de_taches.executer()
    assert "écriture des données" in vus[0] and "80 %" in vus[0]
    lot.refresh_from_db()
    assert lot.statut == StatutLot.IMPORTE and Beneficiaire.objects.count() == 2500


def test_recovery_of_batches_is_scheduled_every_minute(db):
    from django_celery_beat.models import PeriodicTask

    tache = PeriodicTask.objects.get(name=lots.NOM_PLANIFICATION_RELANCE)
    assert tache.task == "beneficiaires.tasks.relancer_imports_interrompus" and tache.enabled
    assert (tache.interval.every, tache.interval.period) == (1, "minutes")


@pytest.mark.slow
def test_real_worker_killed_before_its_import_commits_leaves_nothing_then_is_requeued(
    transactional_db, cpas_a, make_user, client_for, tmp_path
):
    import os
    import signal

    from tests.conftest import worker_celery

    client = client_for(make_user(Role.ADMIN, cpas_a))

    def attendre(condition, quoi, log):
        deadline = time.monotonic() + 120
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"{quoi}:\n" + log.read_text()[-4000:])
            time.sleep(0.2)

    processus = []
    with worker_celery(
        tmp_path,
        prefix="test-import-kill",
        processus=processus,
        BAIL_TACHES_SECONDES="2",
        IMPORTS_PAUSE_ECRITURE_TEST="300",
    ) as (_queue, log):
        url = _deposer(client, _fichier(3000)).url
        lot = LotImport.objects.get()
        attendre(
            lambda: LotImport.objects.filter(statut=StatutLot.ANALYSE).exists(),
            "not analysed",
            log,
        )
        client.post(url, {"action": "importer"})
        # Every row is written inside the import's transaction, which is not committed yet.
        attendre(
            lambda: LotImport.objects.filter(
                etape="ecriture", progression_fait=3000, progression_total=3000
            ).exists(),
            "the import did not write its rows",
            log,
        )
        os.kill(processus[0].pid, signal.SIGKILL)
        processus[0].wait(timeout=20)
    assert not Beneficiaire.objects.exists()  # nothing half-written
    lot.refresh_from_db()
    assert lot.statut == StatutLot.EN_IMPORT
    attendre(lambda: LotImport.objects.get().interrompu, "the lease did not expire", log)
    assert "relance automatique" in client.get(url).content.decode()
    with worker_celery(tmp_path, prefix="test-import-relance") as (_queue, log):
        tasks.relancer_imports_interrompus.delay()  # what beat sends every minute
        attendre(
            lambda: LotImport.objects.filter(statut=StatutLot.IMPORTE).exists(),
            "the new worker did not import the batch",
            log,
        )
    lot.refresh_from_db()
    assert (lot.relances, lot.nb_crees) == (1, 3000)
    assert Beneficiaire.objects.count() == 3000
