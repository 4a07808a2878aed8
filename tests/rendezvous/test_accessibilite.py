"""Accessibility of the agenda pages (week, day, cellule day, appointment form, outcome
buttons, per-participant outcomes of a collective session) in French and in Dutch: axe-core
finds no critical or serious WCAG 2.1 A/AA violation at 1280×720.

With ``CAPTURES_AGENDA=<folder>`` the pages are also saved there as PNG screenshots."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from cpas_isp.models import Role
from rendezvous import queries
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.conftest import violations_axe

from .factories import disponibilite, lieu, moment, planifier

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("langue", ["fr", "nl"])
def test_agenda_pages_have_no_serious_axe_violation(page, login, cpas_a, make_user, langue):
    agent = make_user(
        Role.AGENT, cpas_a, cellule="emploi", langue=langue, first_name="Ada", last_name="Agent"
    )
    agenda = queries.agenda_de(agent, cpas_a.pk)
    aujourd_hui = timezone.localdate()
    for jour in range(5):
        disponibilite(agenda, jour=jour, de="13:00", a="17:00", valide_du=aujourd_hui)
    personnes = [
        BeneficiaireFactory(cpas=cpas_a, referent=agent, nom=f"Nom{i}", prenom="Test")
        for i in range(3)
    ]
    bureau = lieu(cpas_a)
    # An appointment that has just started (its outcome buttons show), one tomorrow, and a
    # collective session yesterday (the per-participant buttons).
    maintenant = timezone.localtime()
    debut = max(
        maintenant - datetime.timedelta(minutes=10),
        maintenant.replace(hour=0, minute=0, second=0, microsecond=0),
    )
    planifier(agent, personnes[0], debut, 30, code="suivi", lieu=bureau)
    demain = aujourd_hui + datetime.timedelta(days=1)
    planifier(agent, personnes[1], moment(demain, "09:00"), 45, code="bsp", lieu=bureau)
    hier = aujourd_hui - datetime.timedelta(days=1)
    session = planifier(agent, personnes, moment(hier, "09:00"), 90, code="information_collective")

    page.set_viewport_size({"width": 1280, "height": 720})
    login(agent)
    pages = {
        "semaine": f"/rendezvous/agenda/{agenda.pk}/semaine/",
        "jour": f"/rendezvous/agenda/{agenda.pk}/jour/",
        "cellule": "/rendezvous/cellule/emploi/jour/",
        "formulaire": f"/rendezvous/personne/{personnes[0].pk}/nouveau/",
        "seance": f"/rendezvous/{session.pk}/",
    }
    captures = os.environ.get("CAPTURES_AGENDA")
    echecs = []
    for nom, url in pages.items():
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == langue
        if nom == "seance":
            # One click records one person's outcome; the list is redrawn in place.
            page.locator("#presences").get_by_role("button").first.click()
            page.locator("#presences .badge.text-bg-success").first.wait_for()
        if captures:
            Path(captures).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{captures}/{nom}-{langue}.png", full_page=True)
        echecs += [f"{nom}: {v}" for v in violations_axe(page)]
    assert echecs == [], "\n".join(echecs)
