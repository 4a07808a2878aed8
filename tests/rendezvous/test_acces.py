"""Access: another CPAS answers 404, partners have no access, an agent sees only the
appointments of people they may see (need-to-know)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cpas_isp.models import Role
from rendezvous import queries
from tests.beneficiaires.factories import BeneficiaireFactory

from .factories import moment, planifier


def demain():
    """Computed when the test runs (date runs move the clock per test)."""
    return timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def monde(cpas_a, cpas_b, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    coord_b = make_user(Role.COORDINATEUR, cpas_b)
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    rdv = planifier(agent, b, moment(demain(), "10:00"))
    return {
        "agent": agent,
        "b": b,
        "rdv": rdv,
        "agenda": queries.agenda_de(agent, cpas_a.pk),
        "coord_b": coord_b,
        "agenda_b": queries.agenda_de(coord_b, cpas_b.pk),
    }


def _urls(m):
    rdv, agenda = m["rdv"], m["agenda"]
    return [
        ("get", reverse("rendezvous:detail", args=[rdv.pk])),
        ("get", reverse("rendezvous:modifier", args=[rdv.pk])),
        ("post", reverse("rendezvous:statut", args=[rdv.pk])),
        ("get", reverse("rendezvous:semaine", args=[agenda.pk])),
        ("get", reverse("rendezvous:jour", args=[agenda.pk])),
        ("get", reverse("rendezvous:reglages", args=[agenda.pk])),
        ("post", reverse("rendezvous:jeton_ics", args=[agenda.pk])),
        ("get", reverse("rendezvous:creer_dans_agenda", args=[agenda.pk])),
        ("get", reverse("rendezvous:creer", args=[m["b"].pk])),
    ]


def test_the_agent_opens_every_page(monde, client_for):
    client = client_for(monde["agent"])
    for methode, url in _urls(monde):
        if methode == "get":
            assert client.get(url).status_code == 200, url


def test_another_cpas_gets_404(monde, client_for):
    client = client_for(monde["coord_b"])
    for methode, url in _urls(monde):
        assert getattr(client, methode)(url, {"statut": "vu"}).status_code == 404, url


def test_partners_directors_and_admins_have_no_access(monde, cpas_a, make_user, client_for):
    for role in (Role.PARTENAIRE, Role.DIRECTEUR, Role.ADMIN):
        client = client_for(make_user(role, cpas_a))
        for methode, url in [*_urls(monde), ("get", reverse("rendezvous:mon_agenda"))]:
            assert getattr(client, methode)(url).status_code in (403, 404), (role, url)


def test_an_agent_out_of_the_caseload_gets_404(monde, cpas_a, make_user, client_for):
    autre = make_user(Role.AGENT, cpas_a, cellule="alpha")
    client = client_for(autre)
    for methode, url in _urls(monde):
        if "personne" in url or "/agenda/" not in url:
            assert getattr(client, methode)(url).status_code == 404, url
    # nor the colleague's agenda of another cellule
    assert client.get(reverse("rendezvous:semaine", args=[monde["agenda"].pk])).status_code == 404


def test_a_colleague_of_the_cellule_sees_the_slot_busy_but_not_the_name(
    monde, cpas_a, make_user, client_for
):
    collegue = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=monde["agent"], nom="Secretissime")
    planifier(monde["agent"], b, moment(demain(), "14:00"))
    url = reverse("rendezvous:semaine", args=[monde["agenda"].pk]) + f"?date={demain():%Y-%m-%d}"
    text = client_for(collegue).get(url).content.decode()
    assert "un collègue" in text and "Secretissime" not in text


def test_the_coordinator_sees_every_agenda(monde, cpas_a, make_user, client_for):
    client = client_for(make_user(Role.COORDINATEUR, cpas_a))
    assert client.get(reverse("rendezvous:semaine", args=[monde["agenda"].pk])).status_code == 200
    assert client.get(reverse("rendezvous:detail", args=[monde["rdv"].pk])).status_code == 200
