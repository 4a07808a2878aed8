"""The monthly PDF report: its content, the Celery task (idempotent, retried, run by a real
worker from the beat schedule) and the synchronous command."""

import datetime
import json
import re
import shutil
import subprocess
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from rapports import services, tasks
from rapports.models import EtatRapport, RapportMensuel
from tests.beneficiaires.factories import DroitFactory
from tests.trajets.factories import PassageFactory, motif

D = datetime.date
DECEMBRE = D(2025, 12, 1)


def _texte_pdf(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) is required")
    chemin = tmp_path / "r.pdf"
    chemin.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(chemin), "-"], capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"[ \u00a0\u202f]+", " ", out)


def test_pdf_contains_the_participation_table_figures(historique, tmp_path):
    cpas_a, _ = historique
    texte = _texte_pdf(services.rendre_pdf(cpas_a, DECEMBRE, "fr"), tmp_path)
    assert "Rapport mensuel ISP" in texte and "décembre 2025" in texte
    # date, RIS+ERIS, facilitateur, alpha, études, emploi, article 60, ISP, rate
    assert "30/06/2025 4 0 1 0 1 1 3 75,00 %" in texte
    assert "31/12/2025 6 1 1 1 1 1 5 83,33 %" in texte
    assert "31/01/2025 5 0 0 0 0 0 0 0,00 %" in texte
    assert re.search(r"Page 2 / \d", texte)
    assert "CPAS d'Alphaville · Généré le" in texte
    for b in cpas_a.beneficiaires.all():  # no personal data
        assert b.nom not in texte and b.niss not in texte


def test_pdf_is_in_the_language_asked(historique, tmp_path):
    cpas_a, _ = historique
    texte = _texte_pdf(services.rendre_pdf(cpas_a, DECEMBRE, "nl"), tmp_path)
    assert "Maandrapport SPI" in texte and "december 2025" in texte
    assert "31/12/2025 6 1 1 1 1 1 5 83,33 %" in texte


def test_pdf_shows_flows_and_positive_exit_rate(cpas_a, tmp_path):
    positif, negatif = motif("positive"), motif("negative")
    for i, classe in enumerate([positif, positif, negatif]):
        p = PassageFactory(
            beneficiaire__cpas=cpas_a,
            phase="emploi",
            debut=datetime.date(2025, 9, 1),
            fin=datetime.date(2025, 12, 10 + i),
            motif_sortie=classe,
        )
        DroitFactory(beneficiaire=p.beneficiaire, debut=datetime.date(2025, 1, 1))
    texte = _texte_pdf(services.rendre_pdf(cpas_a, DECEMBRE, "fr"), tmp_path)
    assert "Taux de sortie positive" in texte
    assert "12/2025 2 0 1 0 3 66,67 %" in texte  # positive, neutral, negative, none, total


def test_command_writes_the_same_pdf(historique, tmp_path):
    sortie = tmp_path / "rapport.pdf"
    call_command(
        "rapport_mensuel",
        "--cpas",
        "alpha",
        "--mois",
        "2025-12",
        "--langue",
        "nl",
        "--sortie",
        str(sortie),
    )
    pdf = sortie.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert "31/12/2025 6 1 1 1 1 1 5 83,33 %" in _texte_pdf(pdf, tmp_path)


def test_task_is_idempotent_and_keeps_who_asked(historique, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cpas_a, _ = historique
    directeur = make_user("directeur", cpas_a)
    tasks.generer_rapport_mensuel.apply(args=(cpas_a.pk, "2025-12", directeur.pk)).get()
    premier = RapportMensuel.objects.get()
    premier_fichier = premier.fichier.path
    tasks.generer_rapport_mensuel.apply(args=(cpas_a.pk, "2025-12-01")).get()
    rapport = RapportMensuel.objects.get()  # still exactly one
    assert rapport.pk == premier.pk and rapport.etat == EtatRapport.PRET
    assert rapport.demande_par == directeur and rapport.genere_le >= premier.genere_le
    assert rapport.fichier.path == premier_fichier
    assert len(list((tmp_path / "rapports" / "alpha").iterdir())) == 1


def test_first_attempt_failing_is_retried_and_stores_one_report(
    historique,
    settings,
    tmp_path,
    monkeypatch,
):
    settings.MEDIA_ROOT = tmp_path
    cpas_a, _ = historique
    vrai = services.rendre_pdf
    appels = []

    def rendre_pdf_instable(*args, **kwargs):
        appels.append(args)
        if len(appels) == 1:
            raise OSError("disque plein")
        return vrai(*args, **kwargs)

    monkeypatch.setattr(services, "rendre_pdf", rendre_pdf_instable)
    tasks.generer_rapport_mensuel.apply(args=(cpas_a.pk, "2025-12")).get()
    assert len(appels) == 2
    rapport = RapportMensuel.objects.get()
    assert rapport.etat == EtatRapport.PRET and rapport.tentatives == 2 and rapport.erreur == ""
    assert rapport.fichier.read().startswith(b"%PDF")
    assert len(list((tmp_path / "rapports" / "alpha").iterdir())) == 1


def test_last_failure_is_recorded_and_shown(
    cpas_a, make_user, client_for, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path

    def toujours_en_echec(*args, **kwargs):
        raise OSError("imprimante en feu")

    monkeypatch.setattr(services, "rendre_pdf", toujours_en_echec)
    result = tasks.generer_rapport_mensuel.apply(args=(cpas_a.pk, "2025-12"))
    assert result.failed()
    rapport = RapportMensuel.objects.get()
    assert rapport.etat == EtatRapport.ECHEC and rapport.tentatives == tasks.MAX_TENTATIVES
    assert "imprimante en feu" in rapport.erreur and not rapport.fichier
    page = client_for(make_user("directeur", cpas_a)).get("/rapports/mensuels/")
    html = page.content.decode()
    assert "Échec" in html and "imprimante en feu" in html


def test_task_acknowledges_late_and_backs_off():
    task = tasks.generer_rapport_mensuel
    assert task.acks_late and task.reject_on_worker_lost
    assert [tasks._backoff(n) for n in range(4)] == [60, 120, 240, 480]


def test_monthly_schedule_is_stored_for_the_1st_at_6(db):
    from django_celery_beat.models import PeriodicTask

    tache = PeriodicTask.objects.get(name=services.NOM_PLANIFICATION)
    assert tache.task == "rapports.tasks.generer_rapports_mensuels" and tache.enabled
    c = tache.crontab
    assert (c.minute, c.hour, c.day_of_month, c.month_of_year, c.day_of_week) == (
        "0",
        "6",
        "1",
        "*",
        "*",
    )
    assert str(c.timezone) == "Europe/Brussels"


@pytest.mark.slow
def test_beat_scheduled_task_runs_in_a_real_worker_and_stores_the_pdf(worker_rapports, cpas_b):
    from django_celery_beat.models import PeriodicTask

    from cpas_isp.celery import app
    from tests.cpas_isp.factories import CpasFactory

    queue, media, log = worker_rapports
    cpas = CpasFactory(code="gamma", nom="CPAS de Gamma")
    mois = services.mois_precedent()
    DroitFactory(beneficiaire__cpas=cpas, debut=mois)
    PassageFactory(beneficiaire__cpas=cpas, phase="emploi", debut=mois)
    # What django-celery-beat sends at 06:00 on the 1st: the stored task, its arguments.
    tache = services.assurer_planification()
    tache = PeriodicTask.objects.get(pk=tache.pk)
    app.send_task(tache.task, args=json.loads(tache.args), kwargs=json.loads(tache.kwargs))
    deadline = time.monotonic() + 120
    while RapportMensuel.objects.filter(etat=EtatRapport.PRET).count() < 2:
        if time.monotonic() > deadline:
            pytest.fail("reports not generated:\n" + log.read_text()[-4000:])
        time.sleep(0.5)
    rapports = RapportMensuel.objects.order_by("cpas__code")
    assert [(r.cpas.code, r.mois) for r in rapports] == [("beta", mois), ("gamma", mois)]
    for r in rapports:
        assert r.demande_par is None and r.genere_le <= timezone.now()
        chemin = media / r.fichier.name
        assert chemin.read_bytes().startswith(b"%PDF")
    assert rapports[0].langue == "nl"  # beta is a Dutch-speaking CPAS


@pytest.mark.slow
def test_real_worker_retries_a_failed_attempt_and_stores_one_report(worker_rapports):
    from tests.cpas_isp.factories import CpasFactory

    _queue, media, log = worker_rapports
    cpas = CpasFactory(code="delta", nom="CPAS de Delta")
    DroitFactory(beneficiaire__cpas=cpas, debut=D(2025, 1, 1))
    # A file where the CPAS's report folder should be: storing the PDF fails.
    (media / "rapports").mkdir()
    bloquant = media / "rapports" / "delta"
    bloquant.write_text("not a folder")
    tasks.generer_rapport_mensuel.delay(cpas.pk, "2025-12")

    def attendre(condition, quoi):
        deadline = time.monotonic() + 90
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"{quoi}:\n" + log.read_text()[-4000:])
            time.sleep(0.1)

    attendre(
        lambda: RapportMensuel.objects.filter(tentatives=1).exclude(erreur="").exists(),
        "first attempt did not fail",
    )
    bloquant.unlink()  # the cause goes away before the retry (3 s later)
    rapport = RapportMensuel.objects.get()
    assert rapport.etat == EtatRapport.EN_ATTENTE and "Error" in rapport.erreur
    attendre(
        lambda: RapportMensuel.objects.filter(etat=EtatRapport.PRET).exists(),
        "the retry did not store the report",
    )
    rapport = RapportMensuel.objects.get()  # exactly one
    assert rapport.tentatives == 2 and rapport.erreur == ""
    assert [p.name for p in (media / "rapports" / "delta").iterdir()] == [rapport.nom_fichier]
    assert (media / rapport.fichier.name).read_bytes().startswith(b"%PDF")


def _premiere_page(pdf: bytes, tmp_path) -> str:
    chemin = tmp_path / "couverture.pdf"
    chemin.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-raw", str(chemin), "-"],  # reading order
        capture_output=True,
        check=True,
    ).stdout.decode()
    return " ".join(re.sub(r"[ \u00a0\u202f]+", " ", out).split())


@pytest.mark.parametrize(
    ("langue", "attendus"),
    [
        (
            "fr",
            [
                "Service d'insertion socioprofessionnelle",
                "Rue Haute 1, 1000 Alphaville · Tél. 02 123 45 67",
                "Rapport mensuel ISP",
                "décembre 2025",
                "5 Personnes en trajet ISP au 31/12/2025",
                "Taux de participation : 83,33 %",
                "1 / 1 Entrées / sorties de phase du mois",
                "0,00 % Taux de sortie positive du mois",
                "0 sortie positive sur 1",
            ],
        ),
        (
            "nl",
            [
                "Dienst socio-professionele inschakeling",
                "Rue Haute 1, 1000 Alphaville · Tel. 02 123 45 67",
                "Maandrapport SPI",
                "december 2025",
                "5 Personen in een SPI-traject op 31/12/2025",
                "Deelnamegraad: 83,33 %",
                "1 / 1 Instroom / uitstroom per fase in de maand",
                "0,00 % Positieve uitstroomgraad van de maand",
                "0 positieve uitstroom op 1",
            ],
        ),
    ],
)
def test_cover_is_a_letterhead_with_the_month_and_three_key_figures(
    historique, tmp_path, langue, attendus
):
    cpas_a, _ = historique
    cpas_a.adresse, cpas_a.telephone = "Rue Haute 1, 1000 Alphaville", "02 123 45 67"
    cpas_a.save()
    couverture = _premiere_page(services.rendre_pdf(cpas_a, DECEMBRE, langue), tmp_path)
    assert couverture.startswith("CPAS d'Alphaville")  # the letterhead, at the top
    for attendu in attendus:
        assert attendu in couverture, attendu
    assert "Page" not in couverture  # the cover has no page number


def test_scheduled_reports_are_in_each_cpas_language(
    historique, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path

    def executer(args, task_id):  # the worker, in this process
        return tasks.generer_rapport_mensuel.apply(args=args, task_id=task_id)

    monkeypatch.setattr(tasks.generer_rapport_mensuel, "apply_async", executer)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.generer_rapports_mensuels.apply(args=("2025-12",)).get()
    rapports = {r.cpas.code: r for r in RapportMensuel.objects.select_related("cpas")}
    assert {code: r.langue for code, r in rapports.items()} == {"alpha": "fr", "beta": "nl"}
    assert "Rapport mensuel ISP" in _texte_pdf(rapports["alpha"].fichier.read(), tmp_path)
    assert "Maandrapport SPI" in _texte_pdf(rapports["beta"].fichier.read(), tmp_path)
