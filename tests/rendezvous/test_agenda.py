"""The agenda pages: free slots from availability minus appointments and absences, week and
day views, a query count that does not grow with the rows, planning from a free slot."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cpas_isp.models import JournalAcces, Role
from rendezvous import queries
from rendezvous.models import Absence, RendezVous
from tests.beneficiaires.factories import BeneficiaireFactory

from .factories import disponibilite, lieu, moment, planifier


def lundi():
    """Computed when the test runs (date runs move the clock per test)."""
    return queries.semaine_de(timezone.localdate()) + datetime.timedelta(days=7)


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi", first_name="Amina", last_name="Benali")


@pytest.fixture
def agenda(agent, cpas_a):
    agenda = queries.agenda_de(agent, cpas_a.pk)
    disponibilite(agenda, jour=0, de="09:00", a="11:00", creneau=30)  # Monday, four slots
    return agenda


def _heures(cal, n=0):
    return [
        f"{c.debut.astimezone(timezone.get_current_timezone()):%H:%M}"
        for c in cal.jours[n].creneaux
    ]


def test_free_slots_are_the_availability_minus_appointments_and_absences(agenda, agent, cpas_a):
    planifier(agent, BeneficiaireFactory(cpas=cpas_a), moment(lundi(), "09:30"), 30)
    Absence.objects.create(
        cpas=cpas_a, agenda=agenda, debut=moment(lundi(), "10:30"), fin=moment(lundi(), "12:00")
    )
    (cal,) = queries.calendriers([agenda], lundi(), 7, agent)
    assert _heures(cal) == ["09:00", "10:00"]
    assert [len(j.creneaux) for j in cal.jours[1:]] == [0] * 6


def test_availability_outside_its_validity_gives_no_slot(agenda, agent):
    agenda.disponibilites.update(valide_du=lundi() + datetime.timedelta(days=1))
    (cal,) = queries.calendriers([agenda], lundi(), 1, agent)
    assert cal.jours[0].creneaux == []


def test_week_view_shows_appointments_and_slots_and_logs_the_people(
    agenda, agent, cpas_a, client_for
):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Dupuis", prenom="Léa")
    planifier(agent, b, moment(lundi(), "09:00"), 30, lieu=lieu(cpas_a))
    response = client_for(agent).get(
        reverse("rendezvous:semaine", args=[agenda.pk]), {"date": f"{lundi():%Y-%m-%d}"}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Dupuis Léa" in text and "Bureau 1" in text
    assert "09:30–10:00" in text  # a free slot, a link to plan in it
    assert reverse("rendezvous:creer_dans_agenda", args=[agenda.pk]) in text
    assert JournalAcces.objects.filter(user=agent, personnes=[b.pk]).exists()


def test_week_view_query_count_does_not_grow_with_rows(agenda, agent, cpas_a, client_for):
    client = client_for(agent)
    url = reverse("rendezvous:semaine", args=[agenda.pk]) + f"?date={lundi():%Y-%m-%d}"

    def compter():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    planifier(agent, BeneficiaireFactory(cpas=cpas_a, referent=agent), moment(lundi(), "14:00"))
    compter()  # the session's first request loads what later ones find cached
    peu = compter()
    for jour in range(5):
        for heure in ("15:00", "16:00"):
            gens = [BeneficiaireFactory(cpas=cpas_a, referent=agent) for _ in range(3)]
            planifier(
                agent,
                gens,
                moment(lundi() + datetime.timedelta(days=jour), heure),
                45,
                code="information_collective",
                lieu=lieu(cpas_a, f"Salle {jour}"),
            )
    assert compter() == peu


def test_day_view_and_navigation(agenda, agent, client_for):
    response = client_for(agent).get(
        reverse("rendezvous:jour", args=[agenda.pk]), {"date": f"{lundi():%Y-%m-%d}"}
    )
    text = response.content.decode()
    assert "09:00–09:30" in text
    assert f"?date={lundi() - datetime.timedelta(days=1):%Y-%m-%d}" in text
    assert f"?date={lundi() + datetime.timedelta(days=1):%Y-%m-%d}" in text


def test_impossible_date_in_the_query_falls_back_to_today(agenda, agent, client_for):
    for date in ("2024-02-30", "abc", "9999-12-31"):
        response = client_for(agent).get(
            reverse("rendezvous:semaine", args=[agenda.pk]), {"date": date}
        )
        assert response.status_code == 200


def test_htmx_navigation_returns_only_the_agenda(agenda, agent, client_for):
    response = client_for(agent).get(
        reverse("rendezvous:semaine", args=[agenda.pk]), HTTP_HX_REQUEST="true"
    )
    assert b"<html" not in response.content and b"Semaine du" in response.content


def test_plan_from_a_free_slot(agenda, agent, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    client = client_for(agent)
    url = reverse("rendezvous:creer_dans_agenda", args=[agenda.pk])
    debut = moment(lundi(), "10:00")
    form = client.get(
        url,
        {"debut": debut.isoformat(), "fin": (debut + datetime.timedelta(minutes=30)).isoformat()},
    )
    assert 'value="10:00"' in form.content.decode()
    response = client.post(url, {
        "type": RendezVous._meta.get_field("type").related_model.objects.get(code="suivi").pk,
        "agent": agent.pk, "date": f"{lundi():%Y-%m-%d}", "heure": "10:00", "duree": "30",
        "participants": [b.pk],
    })  # fmt: skip
    assert response.status_code == 302
    rdv = RendezVous.objects.get()
    assert rdv.agenda == agenda and rdv.debut == debut and rdv.cellule.code == "emploi"
    (cal,) = queries.calendriers([agenda], lundi(), 1, agent)
    assert _heures(cal) == ["09:00", "09:30", "10:30"]


def test_overlap_on_the_form_is_the_constraints_message(agenda, agent, cpas_a, client_for):
    planifier(agent, BeneficiaireFactory(cpas=cpas_a), moment(lundi(), "10:00"), 60)
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    response = client_for(agent).post(reverse("rendezvous:creer", args=[b.pk]), {
        "type": RendezVous._meta.get_field("type").related_model.objects.get(code="suivi").pk,
        "agent": agent.pk, "date": f"{lundi():%Y-%m-%d}", "heure": "10:15", "duree": "30",
        "participants": [b.pk],
    })  # fmt: skip
    assert response.status_code == 200
    assert "Cet agent a déjà un rendez-vous pendant ce créneau" in response.content.decode()
    assert RendezVous.objects.count() == 1


def test_cellule_day_shows_shared_slots_and_each_agent(
    agenda, agent, cpas_a, client_for, make_user
):
    collegue = make_user(
        Role.AGENT, cpas_a, cellule="emploi", first_name="Jan", last_name="Peeters"
    )
    queries.agenda_de(collegue, cpas_a.pk)
    response = client_for(agent).get(
        reverse("rendezvous:cellule_jour", args=["emploi"]), {"date": f"{lundi():%Y-%m-%d}"}
    )
    text = response.content.decode()
    assert "Créneaux partagés" in text and "Jan Peeters" in text and "Amina Benali" in text
    assert (
        client_for(agent).get(reverse("rendezvous:cellule_jour", args=["alpha"])).status_code == 404
    )


def test_home_page_today_card(agent, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Aujourdhui")
    maintenant = timezone.localtime()
    debut = maintenant.replace(hour=0, minute=5, second=0, microsecond=0)
    planifier(agent, b, debut, 10)
    text = client_for(agent).get(reverse("accueil")).content.decode()
    assert "carte-aujourdhui" in text and "Aujourdhui" in text
