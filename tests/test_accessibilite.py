"""Accessibility (WCAG 2.1 AA, the EU Web Accessibility Directive binds CPAS): the main pages of
every role, in French and Dutch, at 1280×720, have no critical or serious axe-core violation and
nothing wider than the window. One browser login per role; every page is checked before the test
fails, so the message lists them all.

``CPAS_ISP_CAPTURES=<folder>``: also save a screenshot of each page there, at 1280×720 and
1440×900 (to look at them; nothing is asserted on the images)."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cpas_isp.models import NatureNotification, Role
from cpas_isp.notifications import notifier
from partenaires.services import creer_orientation
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.conftest import violations_axe
from tests.cpas_isp.factories import MembershipFactory
from tests.partenaires.factories import ComptePartenaireFactory, PartenaireFactory, ServiceFactory
from tests.trajets.factories import EtapeFactory, PassageFactory, PiisFactory

pytestmark = pytest.mark.browser

LARGEUR, HAUTEUR = 1280, 720


@pytest.fixture
def monde(cpas_a, cpas_b, make_user):
    """One CPAS with a user of each role, a person followed with steps and a PIIS, a referral
    sent to the partner; a coordinator of two CPAS (the CPAS switcher)."""
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi", first_name="Anne", last_name="Agent")
    coordinateur = make_user(
        Role.COORDINATEUR, cpas_a, first_name="Claire", last_name="Coordinatrice"
    )
    multi = make_user(Role.COORDINATEUR, cpas_a, first_name="Marc", last_name="Multi")
    MembershipFactory(user=multi, cpas=cpas_b, role=Role.COORDINATEUR)
    directeur = make_user(Role.DIRECTEUR, cpas_a, first_name="Denis", last_name="Directeur")
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True, first_name="Ada", last_name="Admin")
    partenaire = make_user(Role.PARTENAIRE, cpas_a, first_name="Paul", last_name="Partenaire")
    cisp = PartenaireFactory(nom="CISP Le Trusquin")
    ComptePartenaireFactory(user=partenaire, partenaire=cisp)
    service = ServiceFactory(partenaire=cisp, nom="Commis de cuisine")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Lambert", prenom="Yasmina")
    BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Dupont", prenom="Marc")
    aujourd_hui = timezone.localdate()
    PassageFactory(
        beneficiaire=b, phase="emploi", debut=aujourd_hui - datetime.timedelta(days=90), agent=agent
    )
    EtapeFactory(beneficiaire=b, auteur=agent, note="Premier entretien")
    piis = PiisFactory(beneficiaire=b, date_decision_ris=aujourd_hui - datetime.timedelta(days=30))
    orientation = creer_orientation(
        beneficiaire=b,
        service=service,
        agent=agent,
        date_orientation=aujourd_hui,
        motif="Projet de formation en cuisine",
        envoyer=True,
    )
    # A notification under the agent's bell (the referral left as sent for the portal pages).
    notifier(
        [agent],
        NatureNotification.ORIENTATION_MESSAGE,
        cpas=cpas_a,
        objet=orientation,
        personne_id=b.pk,
        lien=f"/partenaires/orientations/{orientation.pk}/",
    )
    personne = f"/beneficiaires/{b.pk}/"
    pages = {
        "agent": [
            ("accueil", "/", None),
            ("dossiers", "/beneficiaires/", None),
            ("etape rapide", "/beneficiaires/", _ouvrir_etape_rapide),
            ("personne", personne, None),
            ("personne rendez-vous", f"{personne}rendez-vous/", None),
            ("personne orientations", f"{personne}orientations/", None),
            ("personne parcours", f"{personne}parcours/", None),
            ("piis formulaire", f"/trajets/personne/{b.pk}/piis/nouveau/", None),
            ("piis detail", f"/trajets/piis/{piis.pk}/", None),
            ("file cellule", "/trajets/files/emploi/", None),
            ("tableau de bord", "/rapports/", None),
            ("declaration", "/accessibilite/", None),
            ("notifications", "/notifications/", None),
            ("cloche ouverte", "/", _ouvrir_cloche),
        ],
        "coordinateur": [
            ("accueil", "/", None),
            ("dossiers", "/beneficiaires/", None),
            ("personne", personne, None),
            ("changer de referent", f"/beneficiaires/{b.pk}/referent/", None),
            ("cloturer", f"/beneficiaires/{b.pk}/cloturer/", None),
            ("file cellule", "/trajets/files/emploi/", None),
            ("tableau de bord", "/rapports/", None),
            ("rapports", "/rapports/mensuels/", None),
            ("resume par e-mail", "/notifications/preferences/", None),
        ],
        "multi": [
            ("accueil", "/", None),
            ("dossiers", "/beneficiaires/", None),
            ("tableau de bord", "/rapports/", None),
        ],
        "directeur": [
            ("accueil", "/", None),
            ("tableau de bord", "/rapports/", None),
            ("rapports", "/rapports/mensuels/", None),
        ],
        "partenaire": [
            ("accueil", "/", None),
            ("portail", "/partenaires/portail/", None),
            ("portail detail", f"/partenaires/portail/{orientation.pk}/", None),
        ],
        "admin": [
            ("accueil", "/", None),
            ("audit", "/audit/", None),
        ],
        "anonyme": [
            ("connexion", "/connexion/", None),
            ("declaration", "/accessibilite/", None),
        ],
    }
    users = {
        "agent": agent,
        "coordinateur": coordinateur,
        "multi": multi,
        "directeur": directeur,
        "partenaire": partenaire,
        "admin": admin,
    }
    return users, pages


def _ouvrir_etape_rapide(page):
    page.locator("#table-dossiers").get_by_role("button", name="+").first.click()
    expect(page.locator("form[data-etape-rapide]")).to_be_visible()


def _ouvrir_cloche(page):
    page.locator("#bouton-cloche").click()
    expect(page.locator("#panneau-notifications .liste-notifications")).to_be_visible()


def _changer_langue(page, langue):
    bouton = page.locator(f"form[action='/langue/'] button[value={langue}]").first
    with page.expect_navigation():
        bouton.click()
    assert page.locator("html").get_attribute("lang") == langue


def _capturer(page, dossier, role, langue, nom):
    for largeur, hauteur in ((1280, 720), (1440, 900)):
        page.set_viewport_size({"width": largeur, "height": hauteur})
        chemin = Path(dossier) / f"{role}-{langue}-{nom.replace(' ', '_')}-{largeur}.png"
        page.screenshot(path=str(chemin))
    page.set_viewport_size({"width": LARGEUR, "height": HAUTEUR})


@pytest.mark.parametrize(
    "role", ["anonyme", "agent", "coordinateur", "multi", "directeur", "partenaire", "admin"]
)
def test_main_pages_have_no_serious_axe_violation_and_fit_in_1280_px(role, page, login, monde):
    users, pages = monde
    page.set_viewport_size({"width": LARGEUR, "height": HAUTEUR})
    if role == "anonyme":
        page.goto("/connexion/")
    else:
        login(users[role])
    captures = os.environ.get("CPAS_ISP_CAPTURES")
    problemes = []
    for langue in ("fr", "nl"):
        _changer_langue(page, langue)
        for nom, url, action in pages[role]:
            reponse = page.goto(url)
            assert reponse.status == 200, f"{role} {url}: HTTP {reponse.status}"
            if action:
                action(page)
            violations = violations_axe(page)
            largeur = page.evaluate("document.documentElement.scrollWidth")
            print(f"axe {role} {langue} {nom}: {len(violations)} {violations} width={largeur}")
            problemes += [f"{role} {langue} {nom}: {v}" for v in violations]
            if largeur > LARGEUR:
                problemes.append(f"{role} {langue} {nom}: {largeur} px wide")
            if captures:
                _capturer(page, captures, role, langue, nom)
    assert problemes == [], "\n".join(problemes)
