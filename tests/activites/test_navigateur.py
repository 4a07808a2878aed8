"""The main journeys of the activities in a real browser (Playwright + Chromium)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activites import services
from activites.models import Attestation, Inscription, Presence
from cpas_isp.models import Role
from tests.activites.factories import ActiviteFactory, SeanceFactory
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.conftest import violations_axe
from tests.partenaires.factories import ComptePartenaireFactory

pytestmark = pytest.mark.browser


def test_trainer_records_attendance_with_the_keyboard(page, login, cpas_a, make_user):
    coord = make_user(Role.COORDINATEUR, cpas_a)
    formateur = make_user(Role.PARTENAIRE, cpas_a)
    compte = ComptePartenaireFactory(user=formateur)
    activite = ActiviteFactory(cpas=cpas_a, partenaire=compte.partenaire, titre="Alpha A1")
    seance = SeanceFactory(activite=activite)
    gens = [BeneficiaireFactory(cpas=cpas_a, nom=nom, prenom="Test") for nom in ("Aubry", "Bodart")]
    inscriptions = [services.inscrire(activite, b, coord) for b in gens]
    login(formateur)
    page.goto(f"/activites/seance/{seance.pk}/")
    assert violations_axe(page) == []
    # First person: Tab into the radio group, arrows to "En retard", Tab to the hours, type.
    premier = page.locator(f"#statut-{inscriptions[0].pk}-present")
    premier.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")  # -> En retard
    page.keyboard.press("Tab")
    page.keyboard.type("2,5")
    # Second person: Tab into the next group, "Absent" with the arrow keys, Enter saves.
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator("#grille-statut")).to_contain_text("Présences enregistrées")
    marques = dict(Presence.objects.values_list("inscription_id", "statut"))
    assert marques == {inscriptions[0].pk: "retard", inscriptions[1].pk: "absent"}
    assert Presence.objects.get(inscription=inscriptions[0]).heures == 2.5
    assert violations_axe(page) == []


def test_agent_enrols_from_the_person_page_and_prints_the_attestation(
    page, login, cpas_a, make_user
):
    agent = make_user(Role.AGENT, cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Martin", prenom="Yasmina")
    activite = ActiviteFactory(cpas=cpas_a, titre="Atelier CV et lettre")
    seance = SeanceFactory(activite=activite, date=timezone.localdate())
    login(agent)
    page.goto(f"/beneficiaires/{b.pk}/")
    page.locator("#actions").get_by_role("link", name="Inscrire à une activité").click()
    page.get_by_label("Activité").select_option(index=1)
    page.get_by_role("button", name="Inscrire").click()
    expect(page.locator(".alert-success")).to_contain_text("est inscrit")
    inscription = Inscription.objects.get(beneficiaire=b)
    services.enregistrer_presences(seance, {inscription: ("present", None)}, agent)
    page.reload()
    section = page.locator(f"#section-inscription-{inscription.pk}")
    expect(section).to_contain_text("Atelier CV et lettre")
    expect(section).to_contain_text("3 h")
    with page.expect_response(lambda r: r.url.endswith(".pdf")) as reponse:
        section.get_by_role("button", name="Imprimer une attestation").click()
    assert reponse.value.status == 200
    assert reponse.value.headers["content-type"] == "application/pdf"
    assert Attestation.objects.filter(inscription=inscription, type="presence").exists()
    page.goto(f"/activites/{activite.pk}/")
    expect(page.locator(f"#inscription-{inscription.pk}")).to_contain_text("MARTIN Yasmina")
    # The navbar's language buttons (shared partial, not this page's) are left out.
    assert [v for v in violations_axe(page) if "button[value=" not in v] == []
