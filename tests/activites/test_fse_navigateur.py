"""ESF+ in a real browser: an agent confirms a participant's entry data from the person page
(its tab "Rendez-vous et activités") with the keyboard; the coordinator's indicators table; no
serious axe violation, fits 1280 px."""

import pytest
from playwright.sync_api import expect

from activites import services
from activites.models import ParticipantFse
from cpas_isp.models import Role
from tests.activites.factories import ActiviteFactory
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.conftest import violations_axe

pytestmark = pytest.mark.browser

PROJET = "FSE+ 2021-2027 / N-0042"


def _largeur(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_agent_confirms_the_entry_data_and_the_coordinator_reads_the_table(
    page, login, cpas_a, make_user
):
    agent = make_user(Role.AGENT, cpas_a)
    coord = make_user(Role.COORDINATEUR, cpas_a)
    b = BeneficiaireFactory(
        cpas=cpas_a, referent=agent, nom="Martin", prenom="Yasmina", niveau_etudes="cess"
    )
    activite = ActiviteFactory(cpas=cpas_a, titre="Préformation", numero_projet_fse=PROJET)
    services.inscrire(activite, b, agent)
    page.set_viewport_size({"width": 1280, "height": 720})
    login(agent)
    page.goto(f"/beneficiaires/{b.pk}/")
    # The enrolments are on the person page's tab "Rendez-vous et activités".
    onglets = page.get_by_role("navigation", name="Parties du dossier")
    onglets.get_by_role("link", name="Rendez-vous et activités").click()
    page.locator("#activites").get_by_role("link", name="Données FSE+").click()
    expect(page.get_by_label("Niveau d'éducation (CITE)")).to_have_value("3-4")  # from the file
    assert violations_axe(page) == []
    assert _largeur(page) <= 1280
    page.get_by_label("Situation sur le marché du travail à l'entrée").focus()
    page.keyboard.press("ArrowDown")  # -> unemployed
    page.get_by_label("Personne handicapée").select_option("refus")
    page.get_by_role("button", name="Enregistrer").press("Enter")
    expect(page.locator(".alert-success")).to_contain_text("Données FSE+ enregistrées")
    # Back on the tab of the enrolments.
    expect(page.locator("#onglet-rendez-vous")).to_have_attribute("aria-current", "page")
    expect(page.locator("#activites")).to_contain_text("Préformation")
    d = ParticipantFse.objects.get(beneficiaire=b)
    assert (d.statut_emploi, d.niveau_isced, d.handicap) == ("chomeur", "3-4", "refus")

    page.context.clear_cookies()
    login(coord)
    page.goto("/activites/fse/")
    page.get_by_label("Projet FSE+").select_option(PROJET)
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#fse-total [data-genre=total]")).to_have_text("1")
    assert violations_axe(page) == []
    assert _largeur(page) <= 1280
