"""The participant's copy of its appointment's kind, which the delay "RIS decision → first ISP
interview" reads: the database keeps it, whatever writes the appointments or the
participants (the services, a queryset update, a row written with another kind, a
participant moved to another appointment). After every write each participant's kind is its
appointment's, and the delay follows the appointment's kind."""

import datetime

import pytest
from django.db.models import F

from cpas_isp.models import Role
from rendezvous import indicateurs, services
from rendezvous.models import Participant, RendezVous, StatutRendezVous
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.rendezvous.factories import moment, planifier, type_rdv

D = datetime.date


def _verifier():
    """Every participant's kind is its appointment's; returns how many participants."""
    ecarts = Participant.objects.exclude(type_id=F("rendez_vous__type_id"))
    assert list(ecarts.values_list("pk", "type_id", "rendez_vous__type_id")) == []
    return Participant.objects.count()


@pytest.fixture
def gens(cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    personnes = [BeneficiaireFactory(cpas=cpas_a, referent=agent) for _ in range(3)]
    return agent, personnes


def _premier_entretien(cpas):
    """The RIS delay's (total, reached) over 2025 on 31 December."""
    (d,) = [
        d
        for d in indicateurs.delais([cpas.pk], D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 31))
        if d.cle == "ris"
    ]
    return d.total, d.atteints, d.mediane


def test_participants_kind_follows_every_write(cpas_a, gens):
    agent, (p1, p2, p3) = gens
    DroitFactory(beneficiaire=p1, date_decision=D(2025, 3, 1), debut=D(2025, 3, 1))

    # Planned through the service, seen: a follow-up is not the first interview.
    rdv = planifier(agent, p1, moment(D(2025, 3, 11), "09:00"))
    services.changer_statut(rdv, StatutRendezVous.VU, agent)
    assert _verifier() == 1
    assert _premier_entretien(cpas_a) == (1, 0, None)

    # Its kind changed through the service: the participant's with it.
    rdv.refresh_from_db()
    rdv.type = type_rdv("premier_entretien_isp")
    services.planifier(rdv, [p1], agent)
    assert _verifier() == 1
    assert _premier_entretien(cpas_a) == (1, 1, 10)

    # Changed back by a queryset update of the appointments.
    RendezVous.objects.filter(pk=rdv.pk).update(type=type_rdv("suivi"))
    assert _verifier() == 1
    assert _premier_entretien(cpas_a) == (1, 0, None)

    # A participant written with another kind takes its appointment's.
    session = planifier(
        agent, [p2, p3], moment(D(2025, 4, 2), "14:00"), 90, code="information_collective"
    )
    Participant.objects.create(
        cpas=cpas_a,
        rendez_vous=rdv,
        beneficiaire=p2,
        debut=rdv.debut,
        fin=rdv.fin,
        type=type_rdv("premier_entretien_isp"),
    )
    Participant.objects.filter(rendez_vous=session).update(type=type_rdv("suivi"))
    assert _verifier() == 4

    # A participant moved to another appointment takes that one's kind.
    premier = planifier(agent, p3, moment(D(2025, 3, 20), "10:00"), code="premier_entretien_isp")
    deplace = Participant.objects.get(rendez_vous=session, beneficiaire=p3)
    premier.participants.all().delete()
    Participant.objects.filter(pk=deplace.pk).update(
        rendez_vous=premier, debut=premier.debut, fin=premier.fin
    )
    assert Participant.objects.get(pk=deplace.pk).type == type_rdv("premier_entretien_isp")
    assert _verifier() == 4

    # Several appointments at once.
    RendezVous.objects.filter(cpas=cpas_a).update(type=type_rdv("premier_entretien_isp"))
    assert _verifier() == 4
    assert _premier_entretien(cpas_a) == (1, 1, 10)
