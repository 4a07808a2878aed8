"""In a real browser (Playwright + Chromium): an agent attaches a diploma to a step of the
journal, then downloads it from the person's file (its tab "Orientations et documents")."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cpas_isp.models import JournalAcces, Role
from documents.models import Document
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.conftest import violations_axe
from tests.documents.factories import PDF
from tests.trajets.factories import EtapeFactory

pytestmark = pytest.mark.browser


def violations_du_contenu(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 AA violations in the page's <main> (this app's
    content; the shared navbar is base.html's and is checked by its own tests)."""
    violations_axe(page, impacts=())  # injects axe-core
    resultats = page.evaluate(
        """() => axe.run('main', {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in resultats["violations"]
        if v["impact"] in ("critical", "serious")
    ]


def test_an_agent_uploads_a_diploma_to_a_step_and_downloads_it(
    page, login, cpas_a, make_user, clamd, tmp_path
):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Martin", prenom="Yasmina")
    etape = EtapeFactory(beneficiaire=b, auteur=agent, note="Résultats du jury")
    login(agent)
    page.goto(reverse("trajets:journal", args=[b.pk]))
    page.locator(f"#etape-{etape.pk}").get_by_role("link", name="Joindre un document").click()

    formulaire = page.locator("#formulaire-document")
    expect(formulaire).to_be_visible()
    expect(formulaire.locator("select[name=lien]")).to_have_value(f"etape:{etape.pk}")
    assert violations_du_contenu(page) == []
    formulaire.locator("input[name=fichier]").set_input_files(
        files=[{"name": "diplome-cess.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    formulaire.locator("select[name=categorie]").select_option(
        label="Diplôme, certificat, attestation de réussite"
    )
    with page.expect_navigation():
        formulaire.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Document « diplome-cess.pdf » ajouté.")).to_be_visible()
    document = Document.objects.get()
    assert document.etape == etape and document.statut_analyse == "sain"

    # The person's documents: on their page's tab "Orientations et documents".
    page.goto(b.get_absolute_url())
    onglets = page.get_by_role("navigation", name="Parties du dossier")
    onglets.get_by_role("link", name="Orientations et documents").click()
    expect(page.locator("#onglet-orientations")).to_have_attribute("aria-current", "page")
    ligne = page.locator("#documents").locator(f"#document-{document.pk}")
    expect(ligne).to_contain_text("Étape")
    assert violations_du_contenu(page) == []
    with page.expect_download() as telechargement:
        ligne.get_by_role("link", name="diplome-cess.pdf").click()
    fichier = telechargement.value
    assert fichier.suggested_filename == "diplome-cess.pdf"
    chemin = tmp_path / "recu.pdf"
    fichier.save_as(chemin)
    assert chemin.read_bytes() == PDF
    assert JournalAcces.objects.filter(user=agent, object_id=document.pk).exists()
