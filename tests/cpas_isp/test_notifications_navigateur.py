"""Browser journey: a partner accepts a referral in the portal; the agent's bell shows it, opens
its panel in place (htmx), follows the notification to the referral, and the count is gone."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cpas_isp.models import Notification, Role
from partenaires.services import creer_orientation
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.conftest import passer_double_authentification
from tests.partenaires.factories import ComptePartenaireFactory, PartenaireFactory, ServiceFactory

pytestmark = pytest.mark.browser


def _se_connecter(page, user, password):
    page.goto("/connexion/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    if "/double-authentification/" in page.url:
        passer_double_authentification(page, user)


def test_partner_accepts_and_the_agent_opens_the_notification(
    page, browser, live_server, login, password, cpas_a, make_user
):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    partenaire = make_user(Role.PARTENAIRE, cpas_a)
    cisp = PartenaireFactory(nom="CISP Le Trusquin")
    ComptePartenaireFactory(user=partenaire, partenaire=cisp)
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Lambert", prenom="Yasmina")
    orientation = creer_orientation(
        beneficiaire=b,
        service=ServiceFactory(partenaire=cisp, nom="Commis de cuisine"),
        agent=agent,
        date_orientation=timezone.localdate(),
        motif="Projet de formation en cuisine",
        envoyer=True,
    )

    login(agent)
    cloche = page.locator("#bouton-cloche")
    expect(cloche).to_be_visible()
    expect(page.locator("#badge-notifications .badge")).to_have_count(0)

    # The partner, in their own browser session, accepts the referral.
    contexte = browser.new_context(base_url=live_server.url, locale="fr-BE")
    portail = contexte.new_page()
    _se_connecter(portail, partenaire, password)
    portail.goto(f"/partenaires/portail/{orientation.pk}/")
    with portail.expect_navigation():
        portail.locator("#action-acceptee button[type=submit]").click()
    contexte.close()

    page.reload()
    expect(page.locator("#badge-notifications .badge")).to_have_text("1 non lues")
    url_avant = page.url
    cloche.click()
    panneau = page.locator("#panneau-notifications")
    expect(panneau).to_contain_text("Orientation : réponse du partenaire")
    expect(panneau).to_contain_text("Yasmina Lambert")
    expect(panneau).to_contain_text("Commis de cuisine — Acceptée")
    assert page.url == url_avant  # opened in place, no page load
    with page.expect_navigation():
        panneau.locator("form button[type=submit]").first.click()
    assert page.url.endswith(f"/partenaires/orientations/{orientation.pk}/")
    expect(page.locator("#badge-notifications .badge")).to_have_count(0)
    assert Notification.objects.get(destinataire=agent).lue_le is not None
