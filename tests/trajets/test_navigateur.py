"""The main journeys of the trajectory in a real browser (Playwright + Chromium)."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import ContratFactory, EtapeFactory, PassageFactory, PiisFactory
from trajets.models import Etape, PassagePhase, Piis, PoolArticle60, StatutPiis

pytestmark = pytest.mark.browser
D = datetime.date


def test_agent_logs_three_steps_from_the_caseload_without_leaving_the_page(
    page, login, cpas_a, make_user
):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Martin", prenom="Yasmina")
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    login(agent)
    page.goto("/beneficiaires/")
    url = page.url
    ligne = page.locator("#table-dossiers tr", has_text="MARTIN")
    ligne.get_by_role("button", name="+ étape").click()
    notes = ["Entretien de lancement", "CV relu ensemble", "Offre Delhaize envoyée"]
    for i, note in enumerate(notes):
        formulaire = page.locator("form[data-etape-rapide]")
        expect(formulaire).to_be_visible()
        if i == 1:
            formulaire.locator("select[name=type]").select_option(label="Candidature envoyée")
        champ = formulaire.locator("textarea[name=note]")
        champ.fill(note)
        champ.press("Enter")  # Enter saves
        expect(page.get_by_role("status").filter(has_text="Étape notée")).to_be_visible()
        if i < len(notes) - 1:
            page.get_by_role("button", name="Noter une autre étape").click()
    assert page.url == url  # never left the caseload
    assert list(Etape.objects.order_by("id").values_list("note", flat=True)) == notes
    types = list(Etape.objects.order_by("id").values_list("type__code", flat=True))
    # Each step starts from the CPAS's neutral default type, not the agent's last choice.
    assert types == ["entretien_individuel", "candidature", "entretien_individuel"]


def test_quick_step_survives_the_list_refresh_after_a_search(page, login, cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    for nom in ["Martin", "Maréchal", "Dubois"]:
        b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom=nom, prenom="Anne")
        PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    login(agent)
    page.goto("/beneficiaires/")
    page.fill("#q", "mar")
    expect(page.locator("#table-dossiers tbody tr")).to_have_count(2)
    ligne = page.locator("#table-dossiers tr:not([data-etape-conteneur])", has_text="MARTIN")
    with page.expect_response(lambda r: "/beneficiaires/?" in r.url and "q=mart" in r.url):
        page.locator("#q").press("t")  # the search is still being typed...
        ligne.get_by_role("button", name="+ étape").click()  # ...when "+ étape" is clicked
    formulaire = page.locator("form[data-etape-rapide]")
    page.wait_for_timeout(300)  # the list refreshed after the form opened
    expect(formulaire).to_be_visible()
    expect(ligne.locator("xpath=following-sibling::tr[1]")).to_have_class("etape-rapide")
    expect(formulaire.locator("textarea[name=note]")).to_be_focused()
    page.keyboard.type("Appel pour le CV")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Étape notée")).to_be_visible()
    etape = Etape.objects.get()
    assert (etape.beneficiaire.nom, etape.note) == ("Martin", "Appel pour le CV")
    # Focus is on "Noter une autre étape"; Escape closes and goes back to "+ étape".
    expect(page.get_by_role("button", name="Noter une autre étape")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("[data-etape-conteneur]")).to_have_count(0)
    expect(ligne.get_by_role("button", name="+ étape")).to_be_focused()


def test_open_quick_form_is_kept_with_its_text_when_a_filter_refreshes_the_list(
    page, login, cpas_a, make_user
):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Martin", prenom="Anne")
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    login(agent)
    page.goto("/beneficiaires/")
    page.locator("#table-dossiers tr", has_text="MARTIN").get_by_role(
        "button", name="+ étape"
    ).click()
    page.locator("form[data-etape-rapide] textarea[name=note]").fill("Rendez-vous manqué")
    with page.expect_response(lambda r: "/beneficiaires/?" in r.url):
        page.select_option("#f-statut", "tous")  # a real refresh of the list
    formulaire = page.locator("form[data-etape-rapide]")
    expect(formulaire).to_be_visible()
    expect(formulaire.locator("textarea[name=note]")).to_have_value("Rendez-vous manqué")
    formulaire.locator("textarea[name=note]").press("Enter")
    expect(page.get_by_role("status").filter(has_text="Étape notée")).to_be_visible()
    assert Etape.objects.get(beneficiaire=b).note == "Rendez-vous manqué"


def test_skip_link_is_the_first_tab_stop_and_moves_to_the_content(page, login, cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    login(agent)
    page.goto("/")
    page.keyboard.press("Tab")
    lien = page.get_by_role("link", name="Aller au contenu")
    expect(lien).to_be_focused()
    expect(lien).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#contenu")).to_be_focused()


def test_step_from_the_top_of_the_person_page_updates_the_timeline_in_place(
    page, login, cpas_a, make_user
):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Dupont", prenom="Léa")
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    login(agent)
    page.goto(f"/beneficiaires/{b.pk}/parcours/")  # the timeline's tab
    url = page.url
    expect(page.locator("#parcours-liste ol > li")).to_have_count(1)  # the stay
    page.locator("#actions").get_by_role("button", name="Noter une étape").click()
    formulaire = page.locator("#action-place form[data-etape-rapide]")
    expect(formulaire).to_be_visible()
    formulaire.locator("textarea[name=note]").fill("Bilan des candidatures")
    formulaire.locator("textarea[name=note]").press("Enter")
    expect(page.get_by_role("status").filter(has_text="Étape notée")).to_be_visible()
    expect(page.locator("#parcours")).to_contain_text("Entretien individuel")
    expect(page.locator("#parcours-liste ol > li")).to_have_count(2)
    assert page.url == url
    assert Etape.objects.get(beneficiaire=b).note == "Bilan des candidatures"


def test_timeline_filters_in_place_with_the_keyboard(page, login, cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Dupont", prenom="Léa")
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2025, 1, 6))
    EtapeFactory(beneficiaire=b, auteur=agent, date=D(2025, 5, 20), note="CV relu ensemble")
    EtapeFactory(beneficiaire=b, auteur=agent, date=D(2024, 3, 1), note="Premier entretien")
    PiisFactory(beneficiaire=b, agent=agent, date_proposition=D(2025, 2, 1))
    login(agent)
    page.goto(f"/beneficiaires/{b.pk}/")
    onglets = page.get_by_role("navigation", name="Parties du dossier")
    onglets.get_by_role("link", name="Parcours").click()  # the timeline's tab
    expect(page).to_have_url(re.compile(rf"/beneficiaires/{b.pk}/parcours/$"))
    expect(onglets.get_by_role("link", name="Parcours")).to_have_attribute("aria-current", "page")
    entrees = page.locator("#parcours-liste ol > li")
    expect(entrees).to_have_count(4)
    expect(page.locator("#journal")).to_have_count(0)  # one timeline, no repeated journal
    etapes = page.get_by_role("checkbox", name=re.compile("^Étapes"))
    etapes.focus()
    page.keyboard.press("Space")  # untick the steps
    expect(entrees).to_have_count(2)
    expect(page.get_by_role("status").filter(has_text="événements")).to_have_text("2 événements")
    expect(etapes).to_be_focused()  # the list changed, the focus stayed on the box
    assert f"/beneficiaires/{b.pk}/parcours/?" in page.url  # still the timeline's tab
    assert "quoi=phase" in page.url and "quoi=etape" not in page.url
    for _ in range(3):  # "Phases", "PIIS", then the period
        page.keyboard.press("Tab")
    expect(page.locator("#parcours-periode")).to_be_focused()
    page.keyboard.press("ArrowDown")  # "30 derniers jours": nothing that recent
    expect(page.locator("#parcours-liste")).to_contain_text("Rien pour ces filtres.")
    page.reload()  # the address kept the filters
    expect(page.locator("#parcours-liste")).to_contain_text("Rien pour ces filtres.")
    expect(page.locator("#parcours-periode")).to_have_value("30")


def test_agent_orients_a_person_from_facilitateur_to_emploi(page, login, cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="facilitateurs")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Lambert")
    PassageFactory(beneficiaire=b, phase="facilitateur", debut=D(2025, 1, 6))
    login(agent)
    page.goto(f"/beneficiaires/{b.pk}/")
    page.locator("#trajet").get_by_role("link", name="Orienter vers…").click()
    page.select_option("select[name=phase]", "emploi")
    page.fill("input[name=date]", "2025-04-01")
    page.get_by_role("button", name="Orienter").click()
    expect(page.locator(".alert-success")).to_contain_text("Emploi")
    expect(page.locator("#trajet")).to_contain_text("Emploi")
    passages = list(PassagePhase.objects.filter(beneficiaire=b).order_by("debut"))
    assert [(p.phase, p.fin) for p in passages] == [
        ("facilitateur", D(2025, 3, 31)),
        ("emploi", None),
    ]


def test_agent_creates_prints_and_signs_a_piis(page, login, cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Nguyen", prenom="Minh")
    today = timezone.localdate()
    login(agent)
    page.goto(f"/beneficiaires/{b.pk}/")
    page.locator("#piis").get_by_role("link", name="Nouveau PIIS").click()
    page.select_option("select[name=type]", "formation")
    page.fill("input[name=date_decision_ris]", (today - datetime.timedelta(days=20)).isoformat())
    page.fill("textarea[name=obj-0-libelle]", "Réussir l'examen d'entrée en soins infirmiers")
    page.fill("textarea[name=engagements_personne]", "Participer aux cours de préparation")
    page.fill("textarea[name=engagements_cpas]", "Financer le minerval")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#statut-piis")).to_have_text("Brouillon")

    href = page.locator("#imprimer-piis").get_attribute("href")
    response = page.request.get(href)
    assert response.headers["content-type"] == "application/pdf"
    texte = subprocess.run(
        [shutil.which("pdftotext"), "-", "-"], input=response.body(), capture_output=True
    ).stdout.decode()
    assert "NGUYEN" in texte and "soins infirmiers" in texte and "Financer le minerval" in texte

    page.fill("#form-proposer input[name=date]", (today - datetime.timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Proposer").click()
    expect(page.locator("#statut-piis")).to_have_text("Proposé")
    # Signing today is inside the 5 days of reflection: refused without the waiver.
    page.get_by_role("button", name="Enregistrer la signature").click()
    expect(page.locator(".alert-danger")).to_contain_text("réflexion")
    page.check("#form-signer input[name=renonciation]")
    page.get_by_role("button", name="Enregistrer la signature").click()
    expect(page.locator("#statut-piis")).to_have_text("Signé")
    piis = Piis.objects.get(beneficiaire=b)
    assert piis.statut == StatutPiis.SIGNE and piis.renonciation_delai_reflexion
    assert piis.evaluations.count() >= 3
    expect(page.get_by_role("link", name="Modifier")).to_have_count(0)


def test_piis_objective_rows_are_added_and_removed_in_place(page, login, cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Nguyen", prenom="Minh")
    login(agent)
    page.goto(f"/trajets/personne/{b.pk}/piis/nouveau/")
    url = page.url
    page.select_option("select[name=type]", "emploi")
    page.fill("input[name=date_decision_ris]", (timezone.localdate()).isoformat())
    page.fill("textarea[name=engagements_cpas]", "Accompagner les candidatures")
    expect(page.locator("tr.ligne-objectif")).to_have_count(1)
    page.fill("textarea[name=obj-0-libelle]", "Premier objectif")
    for i, texte in ((1, "Deuxième objectif"), (2, "Troisième objectif")):
        page.get_by_role("button", name="Ajouter un objectif").click()
        nouveau = page.locator(f"textarea[name=obj-{i}-libelle]")
        expect(nouveau).to_be_focused()  # the new row, ready to type
        page.keyboard.type(texte)
    page.get_by_role("button", name="Retirer l'objectif 1").click()
    expect(page.locator("tr.ligne-objectif")).to_have_count(2)
    expect(page.locator("#ajouter-objectif")).to_be_focused()
    expect(page.locator("textarea[name=obj-0-libelle]")).to_have_value("Deuxième objectif")
    expect(page.locator("textarea[name=engagements_cpas]")).to_have_value(
        "Accompagner les candidatures"
    )  # the rest of the form is untouched: only the objectives' block was swapped
    assert page.url == url and not Piis.objects.exists()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#statut-piis")).to_have_text("Brouillon")
    piis = Piis.objects.get(beneficiaire=b)
    assert list(piis.objectifs.order_by("ordre").values_list("libelle", flat=True)) == [
        "Deuxième objectif",
        "Troisième objectif",
    ]


def test_coordinator_opens_the_article60_occupancy_page(page, login, cpas_a, make_user):
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    PoolArticle60.objects.create(
        cpas=cpas_a, valable_du=D(2024, 1, 1), postes_total=3, postes_economie_sociale=1
    )
    today = timezone.localdate()
    ContratFactory(
        beneficiaire__cpas=cpas_a,
        beneficiaire__nom="Bientotfini",
        debut=today - datetime.timedelta(days=300),
        fin_prevue=today + datetime.timedelta(days=20),
    )
    ContratFactory(
        beneficiaire__cpas=cpas_a,
        debut=today - datetime.timedelta(days=30),
        fin_prevue=today + datetime.timedelta(days=300),
        economie_sociale=True,
    )
    login(coordinateur)
    page.goto("/")
    page.get_by_role("link", name="Postes article 60").first.click()
    expect(page.get_by_role("heading", name="Postes article 60")).to_be_visible()
    expect(page.locator("#occupation-aujourdhui")).to_contain_text("2")
    expect(page.locator("#contrats-finissant")).to_contain_text("BIENTOTFINI")
    expect(page.locator("#occupation-mois tbody tr")).to_have_count(18)
    page.locator("#occupation-aujourdhui a").first.click()
    expect(page).to_have_url(re.compile(r"/trajets/article60/contrats/"))
    expect(page.locator("table tbody tr")).to_have_count(2)
