"""Invitations in a real browser: an agent convenes a person and records "vu" (the step
appears); a person books a slot from the link on a phone-sized screen (axe on the page)."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cpas_isp.models import Role
from rendezvous import services_invitations
from rendezvous.models import Invitation, Participant, RendezVous, StatutInvitation
from rendezvous.queries import agenda_de
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.conftest import violations_axe
from tests.trajets.factories import PassageFactory
from trajets.models import Etape

from .factories import disponibilite, type_rdv

pytestmark = pytest.mark.browser


@pytest.fixture
def agent(cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi", first_name="Anne", last_name="Agent")
    agenda = agenda_de(agent, cpas_a.pk)
    for jour in range(7):
        disponibilite(agenda, jour=jour, de="09:00", a="12:00")
    return agent


def test_agent_convenes_a_person_and_records_seen_and_the_step_appears(page, login, cpas_a, agent):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Martin", prenom="Yasmina")
    PassageFactory(beneficiaire=b, phase="emploi", debut=datetime.date(2024, 1, 1))
    login(agent)
    page.goto(f"/beneficiaires/{b.pk}/")
    page.locator("#actions").get_by_role("link", name="Inviter ou convoquer").click()
    formulaire = page.locator("#form-inviter")
    formulaire.get_by_label("Convocation (créneau fixé)").check()
    formulaire.get_by_label("Type de rendez-vous").select_option(label="Entretien de suivi")
    # The form reloads in place with the free slots of that kind (30 minutes): wait for the
    # swap, or the slot would be chosen in the form about to be replaced.
    page.wait_for_load_state("networkidle")
    creneau = page.locator("#form-inviter select[name=creneau] option").nth(1)
    expect(creneau).to_be_attached()
    page.locator("#form-inviter select[name=creneau]").select_option(index=1)
    page.locator("#form-inviter").get_by_role("button", name="Envoyer").click()
    expect(page.locator(".alert-success")).to_contain_text("Convocation enregistrée")
    # Back on the person page's tab of the appointments.
    expect(page.locator("#onglet-rendez-vous")).to_have_attribute("aria-current", "page")
    invitation = Invitation.objects.get(beneficiaire=b)
    rdv = invitation.rendez_vous
    assert invitation.mode == "convocation" and rdv.origine == "convocation"
    assert rdv.duree == 30
    # The day came: the appointment started ten minutes ago.
    debut = max(
        timezone.now() - datetime.timedelta(minutes=10),
        timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0),
    )
    fin = debut + datetime.timedelta(minutes=30)
    RendezVous.objects.filter(pk=rdv.pk).update(debut=debut, fin=fin)
    Participant.objects.filter(rendez_vous=rdv).update(debut=debut, fin=fin)
    page.reload()
    page.locator(f"#rdv-{rdv.pk}").get_by_role("button", name="Vu", exact=True).click()
    # The outcome saved (the card swapped in with its badge; the button "Vu" alone proves
    # nothing, and leaving before the answer drops the step).
    expect(page.locator(f"#rdv-{rdv.pk} .badge")).to_have_text("Vu")
    # The new step is on the person's timeline (the tab "Parcours").
    onglets = page.get_by_role("navigation", name="Parties du dossier")
    onglets.get_by_role("link", name="Parcours", exact=True).click()
    expect(page.locator("#parcours")).to_contain_text("Entretien individuel")
    assert Etape.objects.get(beneficiaire=b).type.code == "entretien_individuel"


def test_a_person_books_a_slot_from_the_link_on_a_phone(page, cpas_a, agent):
    cache.clear()
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Peeters", prenom="Jan", langue="nl")
    agenda = agenda_de(agent, cpas_a.pk)
    invitation, jeton = services_invitations.inviter(
        b, agenda, type_rdv("premier_entretien_isp"), ["sms"], agent
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("rendezvous:reserver", kwargs={"jeton": jeton}))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jan")
    expect(page.locator("html")).to_have_attribute("lang", "nl")  # the person's language
    assert violations_axe(page) == []
    page.get_by_role("link", name="Français").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Choisissez le moment")
    page.locator("main ul a.btn").first.click()
    expect(page.get_by_role("heading", name="Confirmez votre choix")).to_be_visible()
    assert violations_axe(page) == []
    page.get_by_role("button", name="Confirmer ce rendez-vous").click()
    expect(page.get_by_role("status")).to_contain_text("Votre rendez-vous est réservé")
    assert violations_axe(page) == []
    invitation.refresh_from_db()
    assert invitation.statut == StatutInvitation.RESERVEE
    assert invitation.rendez_vous.participants.get().beneficiaire == b
    assert "Peeters" not in page.content()
