"""Recording the outcome: one click, the journal step of the kind's type on the stay running
on the appointment's date; a PIIS evaluation seen opens the evaluation form."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cpas_isp.models import Role
from rendezvous.models import ChangementStatut, StatutRendezVous
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import PassageFactory, PiisFactory
from trajets.models import Etape, EvaluationPiis

from .factories import moment, planifier


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


@pytest.fixture
def b(cpas_a, agent):
    return BeneficiaireFactory(cpas=cpas_a, referent=agent)


def _hier():
    return timezone.localdate() - datetime.timedelta(days=1)


def test_seen_writes_the_kinds_step_on_the_stay_running_that_day(agent, b, client_for):
    hier = _hier()
    ancien = PassageFactory(
        beneficiaire=b,
        phase="facilitateur",
        debut=hier - datetime.timedelta(days=100),
        fin=hier - datetime.timedelta(days=1),
    )
    courant = PassageFactory(beneficiaire=b, phase="emploi", debut=hier)
    rdv = planifier(agent, b, moment(hier, "10:00"), 45, code="bsp")
    response = client_for(agent).post(
        reverse("rendezvous:statut", args=[rdv.pk]), {"statut": "vu"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "etapeEnregistree" in response["HX-Trigger"]
    etape = Etape.objects.get(beneficiaire=b)
    assert etape.type.code == "bilan_socioprofessionnel"
    assert etape.date == hier and etape.duree == 45
    assert etape.passage == courant != ancien
    assert etape.auteur == agent
    rdv.refresh_from_db()
    assert rdv.statut == StatutRendezVous.VU
    changement = ChangementStatut.objects.filter(rendez_vous=rdv).last()
    assert (changement.ancien, changement.nouveau, changement.par) == ("planifie", "vu", agent)


def test_absent_writes_a_step_saying_so_and_a_correction_updates_it(agent, b, client_for):
    rdv = planifier(agent, b, moment(_hier(), "10:00"))
    client = client_for(agent)
    url = reverse("rendezvous:statut", args=[rdv.pk])
    client.post(url, {"statut": "absent"})
    etape = Etape.objects.get(beneficiaire=b)
    assert "absence non excusée" in etape.note
    client.post(url, {"statut": "excuse", "motif": "Certificat médical"})
    etape = Etape.objects.get(beneficiaire=b)  # still one step, corrected
    assert "absence excusée" in etape.note and "Certificat médical" in etape.note
    assert list(rdv.changements.values_list("nouveau", flat=True)) == [
        "planifie", "absent", "excuse",
    ]  # fmt: skip


def test_no_outcome_before_the_appointment_starts(agent, b, client_for):
    demain = timezone.localdate() + datetime.timedelta(days=1)
    rdv = planifier(agent, b, moment(demain, "10:00"))
    response = client_for(agent).post(
        reverse("rendezvous:statut", args=[rdv.pk]), {"statut": "vu"}, HTTP_HX_REQUEST="true"
    )
    assert "une fois qu&#x27;il a commencé" in response.content.decode()
    assert not Etape.objects.exists()


def test_a_cancelled_appointment_cannot_be_seen(agent, b, client_for):
    rdv = planifier(agent, b, moment(_hier(), "10:00"))
    client = client_for(agent)
    client.post(reverse("rendezvous:statut", args=[rdv.pk]), {"statut": "annule_cpas"})
    client.post(reverse("rendezvous:statut", args=[rdv.pk]), {"statut": "vu"})
    rdv.refresh_from_db()
    assert rdv.statut == "annule_cpas"
    assert not Etape.objects.exists()


def test_a_piis_evaluation_seen_opens_the_evaluation_form(agent, b, client_for):
    piis = PiisFactory(
        beneficiaire=b,
        statut="signe",
        date_proposition=datetime.date(2025, 1, 20),
        date_signature=datetime.date(2025, 1, 27),
        debut=datetime.date(2025, 2, 1),
    )
    evaluation = EvaluationPiis.objects.create(
        cpas=b.cpas, piis=piis, date_prevue=timezone.localdate()
    )
    rdv = planifier(agent, b, moment(_hier(), "10:00"), code="evaluation_piis")
    response = client_for(agent).post(
        reverse("rendezvous:statut", args=[rdv.pk]), {"statut": "vu"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == reverse("trajets:evaluation", args=[evaluation.pk])
    assert Etape.objects.get(beneficiaire=b).type.code == "evaluation_piis"


def test_a_piis_evaluation_without_piis_just_records_the_step(agent, b, client_for):
    rdv = planifier(agent, b, moment(_hier(), "10:00"), code="evaluation_piis")
    response = client_for(agent).post(
        reverse("rendezvous:statut", args=[rdv.pk]), {"statut": "vu"}, HTTP_HX_REQUEST="true"
    )
    assert "HX-Redirect" not in response
    assert Etape.objects.filter(beneficiaire=b).count() == 1


def test_a_collective_session_writes_one_step_per_person(agent, cpas_a, client_for):
    gens = [BeneficiaireFactory(cpas=cpas_a, referent=agent) for _ in range(3)]
    rdv = planifier(agent, gens, moment(_hier(), "09:00"), 90, code="information_collective")
    client_for(agent).post(reverse("rendezvous:statut", args=[rdv.pk]), {"statut": "vu"})
    assert Etape.objects.filter(type__code="seance_collective").count() == 3
