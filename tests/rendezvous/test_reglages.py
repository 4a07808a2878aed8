"""An agenda's settings: recurring availability and absences, by its agent only."""

import pytest
from django.urls import reverse

from cpas_isp.models import Role
from rendezvous import queries
from rendezvous.models import Absence, Disponibilite


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


def test_agent_adds_and_removes_an_availability(agent, cpas_a, client_for):
    agenda = queries.agenda_de(agent, cpas_a.pk)
    client = client_for(agent)
    url = reverse("rendezvous:reglages", args=[agenda.pk])
    donnees = {
        "quoi": "disponibilite", "dispo-jour": "1", "dispo-heure_debut": "09:00",
        "dispo-heure_fin": "12:00", "dispo-duree_creneau": "30", "dispo-valide_du": "2026-01-05",
    }  # fmt: skip
    assert client.post(url, donnees).status_code == 302
    dispo = Disponibilite.objects.get(agenda=agenda)
    assert str(dispo) == "mardi 09:00–12:00"
    client.post(
        reverse("rendezvous:supprimer_reglage", args=[agenda.pk]),
        {"quoi": "disponibilite", "pk": dispo.pk},
    )
    assert not Disponibilite.objects.exists()


def test_end_before_start_is_refused_with_the_constraints_message(agent, cpas_a, client_for):
    agenda = queries.agenda_de(agent, cpas_a.pk)
    response = client_for(agent).post(
        reverse("rendezvous:reglages", args=[agenda.pk]),
        {"quoi": "absence", "absence-debut": "2026-03-02T12:00", "absence-fin": "2026-03-02T09:00"},
    )
    assert "La fin de l&#x27;absence doit suivre son début." in response.content.decode()
    assert not Absence.objects.exists()


def test_a_colleague_may_see_but_not_change_the_agenda(agent, cpas_a, make_user, client_for):
    agenda = queries.agenda_de(agent, cpas_a.pk)
    collegue = client_for(make_user(Role.AGENT, cpas_a, cellule="emploi"))
    assert collegue.get(reverse("rendezvous:semaine", args=[agenda.pk])).status_code == 200
    assert collegue.get(reverse("rendezvous:reglages", args=[agenda.pk])).status_code == 403
    assert collegue.post(reverse("rendezvous:jeton_ics", args=[agenda.pk])).status_code == 403
