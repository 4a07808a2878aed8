"""The person page's one timeline (its tab "Parcours", ``/beneficiaires/<pk>/parcours/``):
steps, stays, PIIS, article 60, referrals, appointments... in date order, filtered by kind and
period, the newest 50 then "Afficher plus"; no separate "Journal" block repeating the steps."""

import datetime
import re

import pytest
from freezegun import freeze_time

from cpas_isp.models import JournalAcces, Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import EtapeFactory, PassageFactory, PiisFactory

D = datetime.date


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


@pytest.fixture
def personne(cpas_a, agent):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2025, 1, 6))
    EtapeFactory(beneficiaire=b, auteur=agent, date=D(2025, 5, 20), note="CV relu ensemble")
    EtapeFactory(beneficiaire=b, auteur=agent, date=D(2024, 3, 1), note="Premier entretien")
    PiisFactory(
        beneficiaire=b, agent=agent, date_decision_ris=D(2025, 1, 2), date_proposition=D(2025, 2, 1)
    )
    return b


def parcours(b):
    """The address of the person page's tab "Parcours"."""
    return f"/beneficiaires/{b.pk}/parcours/"


def fragment(client, b, **params):
    return client.get(parcours(b), {"fragment": "parcours", **params}, HTTP_HX_REQUEST="true")


def textes(html):
    """The timeline's entries, as the user reads them (date and title), in order."""
    return [
        " ".join(re.sub(r"<[^>]+>", " ", li).split())
        for li in re.findall(r'<li class="mb-2 timeline-[^"]*".*?</li>', html, re.S)
    ]


def test_one_timeline_in_date_order_and_no_journal_block(agent, personne, client_for):
    client = client_for(agent)
    html = client.get(parcours(personne)).content.decode()
    assert 'id="journal"' not in html and "journal-recent" not in html
    assert html.count('id="parcours"') == 1
    entrees = textes(html)
    assert [e[:10] for e in entrees] == ["20/05/2025", "01/02/2025", "06/01/2025", "01/03/2024"]
    assert "CV relu ensemble" in entrees[0] and "Entrée en phase « Emploi »" in entrees[2]
    assert "4 événements" in html
    for libelle in ("Étapes (2)", "Phases (1)", "PIIS (1)"):
        assert libelle in re.sub(r"<[^>]+>", "", html)
    # Nor a journal block on the page's other tabs (the timeline is on its own only).
    for chemin in ("", "rendez-vous/", "orientations/"):
        autre = client.get(f"/beneficiaires/{personne.pk}/{chemin}").content.decode()
        assert 'id="journal"' not in autre and "journal-recent" not in autre, chemin
        assert 'id="parcours"' not in autre and textes(autre) == [], chemin


def test_kind_filter_returns_the_list_only_and_keeps_the_address(agent, personne, client_for):
    client = client_for(agent)
    response = fragment(client, personne, filtre="1", quoi=["phase", "piis"])
    html = response.content.decode()
    assert "<nav" not in html and "<form" not in html  # the list only, not the page
    assert [e[:10] for e in textes(html)] == ["01/02/2025", "06/01/2025"]
    assert 'id="parcours-compte" hx-swap-oob="innerHTML"' in html and "2 événements" in html
    assert response["HX-Replace-Url"] == (
        f"{parcours(personne)}?filtre=1&offert=etape&offert=phase&offert=piis&quoi=phase&quoi=piis"
    )
    # Without JavaScript, the same address gives the whole tab, filtered, boxes ticked.
    page = client.get(response["HX-Replace-Url"]).content.decode()
    assert [e[:10] for e in textes(page)] == ["01/02/2025", "06/01/2025"]
    assert 'value="etape" id="parcours-quoi-etape">' in page  # unticked
    assert 'value="phase" id="parcours-quoi-phase" checked>' in page
    assert JournalAcces.objects.filter(object_id=personne.pk).count() >= 2


def test_a_kind_the_form_did_not_offer_yet_is_shown(agent, personne, client_for):
    """The list refreshes with the form's filters after a step is saved: the first referral
    or appointment of the person appears although the form had no box for it."""
    html = fragment(
        client_for(agent), personne, filtre="1", offert=["phase", "piis"], quoi=["phase"]
    ).content.decode()
    assert [e[:10] for e in textes(html)] == ["20/05/2025", "06/01/2025", "01/03/2024"]


def test_nothing_ticked_shows_nothing_with_a_message(agent, personne, client_for):
    html = fragment(client_for(agent), personne, filtre="1").content.decode()
    assert textes(html) == [] and "Rien pour ces filtres." in html


def test_period_filter_counts_back_from_today(agent, personne, client_for):
    with freeze_time("2025-06-01 10:00", tick=True):
        client = client_for(agent)
        trois_mois = fragment(client, personne, filtre="1", quoi=["etape", "phase"], periode="90")
        tout = fragment(client, personne, filtre="1", quoi=["etape", "phase"], periode="")
    assert [e[:10] for e in textes(trois_mois.content.decode())] == ["20/05/2025"]
    assert len(textes(tout.content.decode())) == 3


def test_the_newest_fifty_then_more(agent, personne, client_for):
    for i in range(55):
        EtapeFactory(
            beneficiaire=personne, auteur=agent, date=D(2023, 1, 1) + datetime.timedelta(i)
        )
    client = client_for(agent)
    html = client.get(parcours(personne)).content.decode()
    assert len(textes(html)) == 50
    assert "59 événements, les 50 plus récents affichés" in html
    assert f'href="{parcours(personne)}?n=100#parcours"' in html
    plus = fragment(client, personne, n="100").content.decode()
    assert len(textes(plus)) == 59 and "Afficher plus" not in plus
    # The first entry not shown before takes the focus (keyboard and screen reader users).
    assert (
        re.findall(r'<li class="mb-2 timeline-[^"]*"( tabindex="-1" autofocus)?', plus)[50]
        == ' tabindex="-1" autofocus'
    )


def test_another_cpas_person_timeline_is_404(agent, cpas_b, client_for):
    autre = BeneficiaireFactory(cpas=cpas_b)
    assert fragment(client_for(agent), autre, filtre="1").status_code == 404
