"""Journeys in a real browser: a coordinator follows a number to its people; a director
downloads the last monthly report and asks for an older month, the page updating itself."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from cpas_isp.models import Role
from rapports import services, tasks
from rapports.models import EtatRapport, RapportMensuel
from rapports.queries import ajouter_mois
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.trajets.factories import PassageFactory

pytestmark = pytest.mark.browser


def test_coordinator_follows_a_number_to_its_people(page, login, cpas_a, make_user):
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    debut = ajouter_mois(timezone.localdate(), -2)
    en_emploi = BeneficiaireFactory(cpas=cpas_a, nom="Martens", prenom="Lina")
    DroitFactory(beneficiaire=en_emploi, debut=debut)
    PassageFactory(beneficiaire=en_emploi, phase="emploi", debut=debut)
    autre = BeneficiaireFactory(cpas=cpas_a, nom="Dupont", prenom="Marc")
    DroitFactory(beneficiaire=autre, debut=debut)
    login(coordinateur)
    page.click("text=Tableaux de bord")
    ligne = page.locator("#table-participation tbody tr").last
    # columns: date, RIS+ERIS, 5 phases (emploi is the 4th), ISP, rate
    assert ligne.locator("td").nth(0).inner_text() == "2"
    assert ligne.locator("td").last.inner_text() == "50,00 %"
    ligne.locator("td").nth(4).locator("a").click()
    page.wait_for_selector("#liste-personnes")
    assert "En Emploi au" in page.locator("h1").inner_text()
    noms = page.locator("#liste-personnes tbody").inner_text()
    assert "MARTENS Lina" in noms and "DUPONT" not in noms


def test_director_downloads_last_report_and_asks_for_an_older_month(
    page, login, cpas_a, make_user, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    dernier_mois = ajouter_mois(timezone.localdate(), -1)
    rapport = RapportMensuel(
        cpas=cpas_a,
        mois=dernier_mois,
        langue="fr",
        etat=EtatRapport.PRET,
        demande_le=timezone.now(),
        genere_le=timezone.now(),
    )
    rapport.fichier.save(rapport.nom_fichier, ContentFile(b"%PDF-1.7 dernier mois"), save=False)
    rapport.save()
    envoyes = []  # the queue: no worker here, the test plays the worker below
    monkeypatch.setattr(
        tasks.generer_rapport_mensuel,
        "apply_async",
        lambda args, task_id: envoyes.append((*args, task_id)),
    )

    login(directeur)
    page.click("text=Rapports mensuels")
    with page.expect_download() as telechargement:
        page.click(f"#rapport-{dernier_mois:%Y-%m}-fr >> text=Télécharger")
    fichier = telechargement.value
    assert fichier.suggested_filename == f"rapport-isp-alpha-{dernier_mois:%Y-%m}-fr.pdf"
    assert open(fichier.path(), "rb").read() == b"%PDF-1.7 dernier mois"

    ancien = ajouter_mois(timezone.localdate(), -5)
    page.fill("input[name=mois]", ancien.strftime("%Y-%m"))
    page.click("#demande-rapport button[type=submit]")
    ligne = page.locator(f"#rapport-{ancien:%Y-%m}-fr")
    assert ligne.get_attribute("data-etat") == EtatRapport.EN_ATTENTE
    assert "En file d'attente" in ligne.inner_text()
    tache_id = RapportMensuel.objects.get(mois=ancien).tache_id
    assert envoyes == [(cpas_a.pk, ancien.isoformat(), directeur.pk, "fr", tache_id)]

    services.generer_rapport(cpas_a.pk, ancien, tache_id=tache_id)  # the worker
    # No reload: htmx polling brings the new state and the download button.
    page.wait_for_selector(f"#rapport-{ancien:%Y-%m}-fr[data-etat=pret]", timeout=15_000)
    with page.expect_download() as telechargement:
        page.click(f"#rapport-{ancien:%Y-%m}-fr >> text=Télécharger")
    assert open(telechargement.value.path(), "rb").read().startswith(b"%PDF")
    assert RapportMensuel.objects.get(mois=ancien).demande_par == directeur
