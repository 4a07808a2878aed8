"""The database refuses overlapping appointments: an agent's, and a person's."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cpas_isp.models import Role
from rendezvous import services
from rendezvous.models import Participant, RendezVous, StatutRendezVous
from tests.beneficiaires.factories import BeneficiaireFactory

from .factories import moment, planifier, type_rdv

JOUR = datetime.date(2030, 3, 4)


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


def test_two_appointments_of_an_agent_cannot_overlap(cpas_a, agent):
    planifier(agent, BeneficiaireFactory(cpas=cpas_a), moment(JOUR, "10:00"), 60)
    with pytest.raises(ValidationError) as erreur:
        planifier(agent, BeneficiaireFactory(cpas=cpas_a), moment(JOUR, "10:30"), 30)
    assert "Cet agent a déjà un rendez-vous pendant ce créneau" in str(erreur.value)
    assert RendezVous.objects.count() == 1


def test_the_database_itself_refuses_the_agents_overlap(cpas_a, agent):
    """Written without the service: the exclusion constraint is in PostgreSQL."""
    planifier(agent, BeneficiaireFactory(cpas=cpas_a), moment(JOUR, "10:00"), 60)
    with pytest.raises(IntegrityError, match="rendezvous_agent_sans_chevauchement"):
        with transaction.atomic():
            RendezVous.objects.create(
                cpas=cpas_a,
                agent=agent,
                type=type_rdv(),
                debut=moment(JOUR, "10:59"),
                fin=moment(JOUR, "11:30"),
                cree_par=agent,
            )


def test_back_to_back_appointments_are_allowed(cpas_a, agent):
    planifier(agent, BeneficiaireFactory(cpas=cpas_a), moment(JOUR, "10:00"), 30)
    planifier(agent, BeneficiaireFactory(cpas=cpas_a), moment(JOUR, "10:30"), 30)
    assert RendezVous.objects.count() == 2


def test_a_cancelled_appointment_frees_the_slot(cpas_a, agent):
    b = BeneficiaireFactory(cpas=cpas_a)
    rdv = planifier(agent, b, moment(JOUR, "10:00"), 30)
    services.changer_statut(rdv, StatutRendezVous.ANNULE_PERSONNE, agent)
    planifier(agent, b, moment(JOUR, "10:00"), 30)
    assert RendezVous.objects.non_annules().count() == 1


def test_a_person_cannot_have_two_appointments_at_the_same_time(cpas_a, agent, make_user):
    collegue = make_user(Role.AGENT, cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a)
    planifier(agent, b, moment(JOUR, "14:00"), 60)
    with pytest.raises(ValidationError) as erreur:
        planifier(collegue, b, moment(JOUR, "14:45"), 30)
    assert "Cette personne a déjà un rendez-vous pendant ce créneau" in str(erreur.value)
    assert RendezVous.objects.count() == 1  # the appointment was rolled back too


def test_the_database_itself_refuses_the_persons_overlap(cpas_a, agent, make_user):
    b = BeneficiaireFactory(cpas=cpas_a)
    planifier(agent, b, moment(JOUR, "14:00"), 60)
    autre = planifier(
        make_user(Role.AGENT, cpas_a), BeneficiaireFactory(cpas=cpas_a), moment(JOUR, "14:30"), 30
    )
    with pytest.raises(IntegrityError, match="rendezvous_personne_sans_chevauchement"):
        with transaction.atomic():
            Participant.objects.create(
                cpas=cpas_a, rendez_vous=autre, beneficiaire=b, debut=autre.debut, fin=autre.fin
            )


def test_moving_an_appointment_moves_its_participants_period(cpas_a, agent):
    b = BeneficiaireFactory(cpas=cpas_a)
    rdv = planifier(agent, b, moment(JOUR, "09:00"), 30)
    rdv.debut, rdv.fin = moment(JOUR, "15:00"), moment(JOUR, "15:45")
    services.planifier(rdv, [b], agent)
    participant = Participant.objects.get(rendez_vous=rdv)
    assert (participant.debut, participant.fin) == (rdv.debut, rdv.fin)
    planifier(agent, BeneficiaireFactory(cpas=cpas_a), moment(JOUR, "09:00"), 30)


def test_several_people_only_for_a_collective_kind(cpas_a, agent):
    gens = [BeneficiaireFactory(cpas=cpas_a) for _ in range(3)]
    with pytest.raises(ValidationError, match="individuel"):
        planifier(agent, gens, moment(JOUR, "09:00"), 30)
    rdv = planifier(agent, gens, moment(JOUR, "09:00"), 90, code="information_collective")
    assert rdv.participants.count() == 3
