"""The main journey of the agendas in a real browser (Playwright + Chromium)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cpas_isp.models import Role
from rendezvous.models import RendezVous
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import PassageFactory
from trajets.models import Etape

pytestmark = pytest.mark.browser


def test_agent_plans_from_the_person_page_records_seen_and_the_step_appears(
    page, login, cpas_a, make_user
):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Martin", prenom="Yasmina")
    passage = PassageFactory(beneficiaire=b, phase="emploi", debut=datetime.date(2024, 1, 1))
    # An appointment that has just started, so that its outcome can be recorded.
    debut = max(
        timezone.localtime() - datetime.timedelta(minutes=10),
        timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0),
    )
    login(agent)
    page.goto(f"/beneficiaires/{b.pk}/")
    page.locator("#actions").get_by_role("link", name="Planifier un rendez-vous").click()
    formulaire = page.locator("#form-rdv")
    formulaire.get_by_label("Type").select_option(label="Entretien de suivi")
    formulaire.get_by_label("Date").fill(f"{debut:%Y-%m-%d}")
    formulaire.get_by_label("Heure").fill(f"{debut:%H:%M}")
    formulaire.get_by_label("Durée (minutes)").fill("30")
    formulaire.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".alert-success")).to_contain_text("Rendez-vous enregistré")
    rdv = RendezVous.objects.get()
    # Back on the person page's tab of the appointments.
    expect(page.locator("#onglet-rendez-vous")).to_have_attribute("aria-current", "page")
    carte = page.locator(f"#rdv-{rdv.pk}")
    expect(carte).to_contain_text("Entretien de suivi")
    carte.get_by_role("button", name="Vu", exact=True).click()
    # The outcome saved (the card swapped in with its badge; the button "Vu" alone proves
    # nothing, and leaving before the answer drops the step).
    expect(page.locator(f"#rdv-{rdv.pk} .badge")).to_have_text("Vu")
    # The new step is on the person's timeline (the tab "Parcours").
    onglets = page.get_by_role("navigation", name="Parties du dossier")
    onglets.get_by_role("link", name="Parcours", exact=True).click()
    expect(page.locator("#parcours")).to_contain_text("Entretien individuel")
    etape = Etape.objects.get(beneficiaire=b)
    assert etape.passage == passage and etape.type.code == "entretien_individuel"


def test_admin_sets_the_channels_of_a_kind_accessible_page(page, login, cpas_a, make_user):
    from rendezvous.models import CanauxDuType
    from tests.conftest import violations_axe

    admin = make_user(Role.ADMIN, cpas_a)
    login(admin)
    page.goto("/rendezvous/parametres/")
    assert violations_axe(page) == []
    ligne = page.get_by_role("row").filter(has_text="Séance d'information collective")
    ligne.get_by_role("link", name="Canaux").click()
    assert violations_axe(page) == []
    page.get_by_label("Utiliser les canaux par défaut du CPAS").uncheck()
    page.get_by_label("SMS").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".alert-success")).to_contain_text("Canaux du type")
    assert CanauxDuType.objects.get(cpas=cpas_a).canaux == ["sms"]
