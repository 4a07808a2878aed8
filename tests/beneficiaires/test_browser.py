import datetime

import pytest

from beneficiaires.models import BilanSocioProfessionnel, DroitAide, FreinBeneficiaire
from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory


@pytest.mark.browser
def test_agent_finds_a_person_adds_right_obstacle_and_revises_the_bsp(
    page, login, make_user, cpas_a
):
    agent = make_user(Role.AGENT, cpas_a, cellule="facilitateurs")
    b = BeneficiaireFactory(
        cpas=cpas_a,
        nom="Dupont",
        prenom="Jean",
        referent=agent,
        date_naissance=datetime.date(1985, 7, 30),
        genre="M",
        niss="85073003328",
    )
    BeneficiaireFactory(cpas=cpas_a, nom="Martin", prenom="Julie", referent=agent)
    BilanSocioProfessionnel.objects.create(
        cpas=cpas_a, beneficiaire=b, version=1, projet="Magasinier", auteur=agent
    )
    login(agent)

    # Search with a typo; the list updates in place (htmx).
    page.click("text=Mes dossiers")
    page.fill("#q", "dupond")
    # A function, not an expression: Playwright evaluates expressions with eval, which the
    # Content-Security-Policy forbids.
    page.wait_for_function(
        "() => document.querySelectorAll('#table-dossiers tbody tr').length === 1"
        " && document.querySelector('#table-dossiers').innerText.includes('DUPONT')"
    )
    assert "MARTIN" not in page.locator("#table-dossiers").inner_text()
    page.click("#table-dossiers >> text=DUPONT")
    page.wait_for_selector("#nom-personne")
    assert page.locator("#niss").inner_text() == "85.07.30-033.28"

    # Add a right.
    page.click("#actions >> text=Ajouter un droit")
    page.select_option("select[name=type]", "RIS")
    page.select_option("select[name=categorie]", "isole")
    page.fill("input[name=debut]", "2025-02-01")
    page.click("#formulaire button[type=submit]")
    page.wait_for_selector("#table-droits")
    assert "Droit enregistré" in page.locator(".alert").first.inner_text()
    assert "01/02/2025" in page.locator("#table-droits").inner_text()

    # Note an obstacle.
    page.click("#actions >> text=Noter un frein")
    page.select_option("select[name=frein]", label="Mobilité")
    page.click("#formulaire button[type=submit]")
    page.wait_for_selector("#liste-freins")
    assert "Mobilité" in page.locator("#liste-freins").inner_text()

    # Revise the BSP, then see the previous version in the history.
    page.click("#actions >> text=Modifier le bilan")
    assert page.locator("textarea[name=projet]").input_value() == "Magasinier"
    page.fill("textarea[name=projet]", "Cariste en entrepôt")
    page.click("#formulaire button[type=submit]")
    page.wait_for_selector("#bilan")
    assert "Cariste en entrepôt" in page.locator("#bilan").inner_text()
    page.click("#bilan >> text=Historique")
    page.wait_for_selector("#versions")
    assert "Version 1" in page.locator("#versions").inner_text()
    assert page.locator("#section-projet del").inner_text() == "Magasinier"
    assert page.locator("#section-projet ins").inner_text() == "Cariste en entrepôt"

    assert DroitAide.objects.filter(beneficiaire=b, debut=datetime.date(2025, 2, 1)).exists()
    assert FreinBeneficiaire.objects.get(beneficiaire=b).note_par == agent
    assert BilanSocioProfessionnel.objects.filter(beneficiaire=b).count() == 2


@pytest.mark.browser
def test_admin_follows_the_background_analysis_and_import_of_a_file(
    page, login, make_user, cpas_a, monkeypatch, tmp_path
):
    from beneficiaires.imports import lots
    from beneficiaires.models import Beneficiaire, LotImport

    envoyes = []  # the broker: the test plays the worker below
    monkeypatch.setattr(lots, "_envoyer", lambda lot: envoyes.append((lot.pk, lot.tache_id)))
    admin = make_user(Role.ADMIN, cpas_a)
    fichier = tmp_path / "personnes.csv"
    fichier.write_text("niss;nom;prenom\n85073003328;Dupont;Jean\n", encoding="utf-8")
    login(admin)
    page.goto("/beneficiaires/import/")
    page.select_option("select[name=type]", "beneficiaires")
    page.set_input_files("input[name=fichier]", str(fichier))
    page.click("main button[type=submit]")
    page.wait_for_selector("#progression-lot")
    assert "Analyse en cours" in page.locator("#progression-lot").inner_text()

    lots.analyser_lot(*envoyes.pop())  # the worker
    # No click: the status partial, polled every second, reloads the page once done.
    page.wait_for_selector("#resume-analyse", timeout=15_000)
    assert "1 valide(s), 0 en erreur" in page.locator("#resume-analyse").inner_text()
    page.click("button[value=importer]")
    page.wait_for_selector("#progression-lot")
    assert "Import en cours" in page.locator("#progression-lot").inner_text()
    assert not Beneficiaire.objects.exists()

    lots.importer_lot(*envoyes.pop())  # the worker
    page.wait_for_selector("#bilan-import", timeout=15_000)
    assert "1 créé(s)" in page.locator("#bilan-import").inner_text()
    assert LotImport.objects.get().statut == "importe"
    assert Beneficiaire.objects.get().nom == "Dupont"
