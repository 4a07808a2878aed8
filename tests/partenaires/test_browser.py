"""Main journeys in a real Chromium: a referral from the agent to the partner portal and back,
and a three-CPAS convention split pro rata to inhabitants."""

import re

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from cpas_isp.models import Role
from partenaires.models import Orientation, StatutOrientation
from partenaires.services import creer_orientation
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.cpas_isp.factories import CpasFactory
from tests.partenaires.factories import ComptePartenaireFactory, PartenaireFactory, ServiceFactory

pytestmark = pytest.mark.browser


def _person_url(pk):
    try:
        return reverse("beneficiaires:detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return None


def test_referral_from_agent_to_partner_and_back(page, login, make_user, cpas_a):
    agent = make_user(Role.AGENT, cpas_a)
    personne = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Lambert", prenom="Yasmina")
    autre = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Dupont", prenom="Marc")
    cisp = PartenaireFactory(nom="CISP Le Trusquin")
    service = ServiceFactory(partenaire=cisp, nom="Commis de cuisine")
    autre_service = ServiceFactory(nom="Cariste")
    partenaire = make_user(Role.PARTENAIRE, cpas_a)
    ComptePartenaireFactory(user=partenaire, partenaire=cisp)
    # A referral of someone else to another partner: the partner must never see it.
    creer_orientation(
        beneficiaire=autre,
        service=autre_service,
        agent=agent,
        date_orientation="2026-03-01",
        motif="Logistique",
        envoyer=True,
    )

    # 1. The agent refers the person from their page.
    login(agent)
    person_url = _person_url(personne.pk)
    if person_url:
        page.goto(person_url)
        page.get_by_role("link", name="Orienter vers un partenaire").click()
    else:
        page.goto(reverse("partenaires:orientation_creer") + f"?beneficiaire={personne.pk}")
    page.select_option("#id_service", str(service.pk))
    page.fill("#id_motif", "Projet de formation en cuisine")
    page.fill("#id_informations_partagees", "Disponible en matinée, parle aussi l'arabe.")
    page.get_by_role("button", name="Enregistrer l'orientation").click()
    expect(page.locator("#statut")).to_contain_text("Envoyée")
    orientation = Orientation.objects.get(beneficiaire=personne)

    # 2. The partner logs in and sees only that referral.
    page.context.clear_cookies()
    login(partenaire)
    page.goto(reverse("partenaires:portail"))
    rows = page.locator("#table-orientations tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Yasmina Lambert")
    expect(page.locator("#table-orientations")).not_to_contain_text("Dupont")
    rows.first.get_by_role("link").click()
    expect(page.locator("body")).not_to_contain_text(personne.niss_affiche)
    expect(page.locator("body")).to_contain_text("Disponible en matinée")

    # ... accepts it ...
    page.locator("#action-acceptee").get_by_role("button").click()
    expect(page.locator("#statut")).to_contain_text("Acceptée")
    # ... and records the certificate obtained.
    form = page.locator("#action-terminee")
    form.locator("select[name=resultat]").select_option("qualification")
    form.locator("select[name=type_qualification]").select_option("certificat")
    form.locator("input[name=resultat_detail]").fill("Certificat de commis de cuisine")
    form.get_by_role("button").click()
    expect(page.locator("#resultat")).to_contain_text("Qualification obtenue")
    expect(page.locator("#resultat")).to_contain_text("Certificat")
    orientation.refresh_from_db()
    assert orientation.statut == StatutOrientation.TERMINEE

    # 3. The agent sees the result on the person's timeline and referrals (their page's tabs
    # "Parcours" and "Orientations et documents").
    page.context.clear_cookies()
    login(agent)
    if person_url:
        page.goto(person_url)
        onglets = page.get_by_role("navigation", name="Parties du dossier")
        onglets.get_by_role("link", name="Parcours", exact=True).click()
        parcours = page.locator("#parcours")
        expect(parcours).to_contain_text("CISP Le Trusquin terminée : Qualification obtenue")
        expect(parcours).to_contain_text("Certificat")
        onglets.get_by_role("link", name="Orientations et documents").click()
        expect(page.locator("#orientations")).to_contain_text("Terminée")
    page.goto(reverse("partenaires:orientation_detail", args=[orientation.pk]))
    expect(page.locator("#resultat")).to_contain_text("Certificat de commis de cuisine")
    expect(page.locator("#journal")).to_contain_text(str(partenaire))


def test_coordinator_creates_three_cpas_convention(page, login, make_user, cpas_a):
    # DOMAIN example: three neighbouring CPAS (about 35,000 inhabitants), 47,775 EUR, of which
    # 10,000 from the federal state; the rest pro rata to inhabitants.
    cpas_a.habitants = 15_000
    cpas_a.save()
    b = CpasFactory(code="gamma", nom="CPAS de Gammeville", habitants=12_000)
    c = CpasFactory(code="delta", nom="CPAS de Deltaville", habitants=8_000)
    centre = PartenaireFactory(nom="Centre de formation Horizon")
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    login(coordinateur)
    page.goto(reverse("partenaires:conventions"))
    page.get_by_role("link", name="Nouvelle convention").click()
    page.fill("#id_titre", "Préformation intercommunale")
    page.select_option("#id_partenaires", str(centre.pk))
    page.fill("#id_debut", "2026-01-01")
    page.fill("#id_fin", "2026-12-31")
    page.fill("#id_budget_total", "47775")
    page.select_option("#id_regle_repartition", "prorata_habitants")
    page.fill("#id_minerval", "250")
    expect(page.locator("#id_parties-0-cpas")).to_have_value(str(cpas_a.pk))
    page.select_option("#id_parties-1-cpas", str(b.pk))
    page.select_option("#id_parties-2-cpas", str(c.pk))
    page.select_option("#id_financements-0-source", "federal")
    page.fill("#id_financements-0-montant", "10000")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.locator("h1")).to_have_text("Préformation intercommunale")
    parts = page.locator("#parts")
    # 37,775 x 15/35, 12/35, 8/35 = 16,189.2857, 12,951.4286, 8,634.2857
    expect(parts.locator("tr[data-cpas=alpha] .part")).to_have_text(re.compile(r"16[\s.]?189,29"))
    expect(parts.locator("tr[data-cpas=gamma] .part")).to_have_text(re.compile(r"12[\s.]?951,43"))
    expect(parts.locator("tr[data-cpas=delta] .part")).to_have_text(re.compile(r"8[\s.]?634,28"))
    expect(page.locator("#total-parts")).to_have_text(re.compile(r"37[\s.]?775,00"))
    expect(page.locator("#minerval")).to_contain_text("125,00")
