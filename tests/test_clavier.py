"""The agent's whole journey with the keyboard alone (WCAG 2.1.1): find a person, log a step,
orient them to another phase, refer them to a partner. After the login, the test never clicks:
it moves with Tab / Shift+Tab, types, and presses Enter, Space or Escape."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cpas_isp.models import Role
from partenaires.models import Orientation
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import PartenaireFactory, ServiceFactory
from tests.trajets.factories import PassageFactory
from trajets.models import Etape, PassagePhase

pytestmark = pytest.mark.browser


def tab_jusqua(page, cible, arriere=False, max_touches=120):
    """Press Tab (Shift+Tab) until ``cible`` has the focus; return how many presses it took."""
    expect(cible).to_be_attached()
    for n in range(max_touches):
        if cible.evaluate("e => e === document.activeElement"):
            return n
        page.keyboard.press("Shift+Tab" if arriere else "Tab")
    raise AssertionError(f"{cible} never got the focus with the keyboard")


def test_agent_journey_with_the_keyboard_alone(page, login, cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="facilitateurs", first_name="Anne")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Lambert", prenom="Yasmina")
    BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Dupont", prenom="Marc")
    aujourd_hui = timezone.localdate()
    PassageFactory(
        beneficiaire=b, phase="facilitateur", debut=aujourd_hui - datetime.timedelta(days=60)
    )
    service = ServiceFactory(partenaire=PartenaireFactory(nom="CISP Le Trusquin"), nom="Cuisine")
    login(agent)
    page.goto("/")
    touches = 0

    # 1. Find the person: the navbar's "Mes dossiers", then the search box (focused on arrival).
    touches += tab_jusqua(page, page.locator("nav").get_by_role("link", name="Mes dossiers"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("Lambert")
    expect(page.locator("#table-dossiers tbody tr")).to_have_count(1)
    ligne = page.locator("#table-dossiers tr:not([data-etape-conteneur])", has_text="LAMBERT")

    # 2. Log a step from the list: "+ étape", type the note, Enter saves, Escape closes.
    touches += tab_jusqua(page, ligne.get_by_role("button", name="+ étape"))
    page.keyboard.press("Enter")
    note = page.locator("form[data-etape-rapide] textarea[name=note]")
    expect(note).to_be_focused()
    page.keyboard.type("Appel : disponible pour une formation")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Étape notée")).to_be_visible()
    # Focus moves to the confirmation (htmx's autofocus, once the swap has settled): Escape
    # pressed before that would reach the page, not the confirmation.
    expect(page.get_by_role("button", name="Noter une autre étape")).to_be_focused()
    page.keyboard.press("Escape")
    expect(ligne.get_by_role("button", name="+ étape")).to_be_focused()
    assert Etape.objects.get(beneficiaire=b).note == "Appel : disponible pour une formation"

    # 3. Open the person's page from the list and orient them to the "emploi" phase.
    touches += tab_jusqua(page, ligne.get_by_role("link"), arriere=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    touches += tab_jusqua(page, page.locator("#actions").get_by_role("link", name="Orienter vers…"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    touches += tab_jusqua(page, page.locator("select[name=phase]"))
    page.keyboard.type("Emploi")  # typing an option's first letters selects it
    expect(page.locator("select[name=phase]")).to_have_value("emploi")
    date = page.locator("input[name=date]")
    touches += tab_jusqua(page, date)
    for segment in range(3):  # day, month, year: Arrow Up on an empty part gives today's
        page.keyboard.press("ArrowUp")
        if segment < 2:
            page.keyboard.press("Tab")
    debut = datetime.date.fromisoformat(date.input_value())
    touches += tab_jusqua(page, page.get_by_role("button", name="Orienter", exact=True))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    courant = PassagePhase.objects.get(beneficiaire=b, fin__isnull=True)
    assert courant.phase == "emploi" and courant.debut == debut

    # 4. Refer the person to a partner's service.
    touches += tab_jusqua(page, page.get_by_role("link", name="Orienter vers un partenaire").first)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    touches += tab_jusqua(page, page.locator("#id_service"))
    page.keyboard.type("CISP")
    expect(page.locator("#id_service")).to_have_value(str(service.pk))
    touches += tab_jusqua(page, page.locator("#id_motif"))
    page.keyboard.type("Projet de formation en cuisine")
    touches += tab_jusqua(page, page.get_by_role("button", name="Enregistrer l'orientation"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    orientation = Orientation.objects.get(beneficiaire=b)
    assert orientation.service == service
    assert orientation.motif == "Projet de formation en cuisine"
    print(f"keyboard journey: {touches} Tab presses to move between controls")
