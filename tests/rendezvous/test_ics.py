"""The calendar feed: a secret token (stored hashed), revocable, no name in the feed."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cpas_isp.models import Role
from rendezvous import ics, queries, services
from rendezvous.models import Agenda
from tests.beneficiaires.factories import BeneficiaireFactory

from .factories import lieu, moment, planifier


def demain():
    """Computed when the test runs (date runs move the clock per test)."""
    return timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


@pytest.fixture
def b(cpas_a, agent):
    return BeneficiaireFactory(
        cpas=cpas_a, referent=agent, nom="Vandenberghe", prenom="Josiane", niss="85073003328"
    )


def _jeton(client, agenda):
    client.post(reverse("rendezvous:jeton_ics", args=[agenda.pk]))
    page = client.get(reverse("rendezvous:reglages", args=[agenda.pk])).content.decode()
    debut = page.index("/rendezvous/ics/")
    return page[debut : page.index(".ics", debut) + 4]


def test_the_feed_answers_without_login_with_initials_only(agent, b, cpas_a, client_for):
    planifier(
        agent, b, moment(demain(), "10:00"), 45, code="bsp", lieu=lieu(cpas_a, "Antenne Nord")
    )
    agenda = queries.agenda_de(agent, cpas_a.pk)
    url = _jeton(client_for(agent), agenda)
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    texte = response.content.decode()
    assert texte.startswith("BEGIN:VCALENDAR\r\n") and texte.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:Entretien de bilan socioprofessionnel — J.V." in texte
    assert "LOCATION:Antenne Nord" in texte
    assert f"DTSTART:{moment(demain(), '10:00').astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in texte
    for personnel in ("Vandenberghe", "Josiane", "85073003328", "850730"):
        assert personnel not in texte


def test_the_token_is_stored_hashed(agent, cpas_a):
    agenda = queries.agenda_de(agent, cpas_a.pk)
    jeton = services.nouveau_jeton_ics(agenda)
    agenda.refresh_from_db()
    assert jeton not in agenda.jeton_ics and agenda.jeton_ics == services.hacher_jeton(jeton)


def test_a_revoked_or_replaced_token_answers_404(agent, cpas_a, client_for):
    agenda = queries.agenda_de(agent, cpas_a.pk)
    client = client_for(agent)
    premier = _jeton(client, agenda)
    second = _jeton(client, agenda)
    assert Client().get(premier).status_code == 404
    assert Client().get(second).status_code == 200
    client.post(reverse("rendezvous:jeton_ics", args=[agenda.pk]), {"action": "revoquer"})
    assert Client().get(second).status_code == 404
    assert Agenda.objects.get(pk=agenda.pk).jeton_ics == ""


def test_unknown_token_404(db):
    assert Client().get(reverse("rendezvous:ics", args=["n-existe-pas"])).status_code == 404


def test_long_lines_are_folded_and_text_escaped():
    ligne = "SUMMARY:" + ics.echapper("Séance, d'information; collective\n" * 5)
    plie = ics.plier(ligne)
    assert all(len(part.encode()) <= 75 for part in plie.split("\r\n"))
    assert plie.replace("\r\n ", "") == ligne
    assert "\\," in ligne and "\\;" in ligne and "\\n" in ligne
