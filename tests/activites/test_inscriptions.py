"""Enrolment: capacity under a lock, the waiting list in order, promotion on withdrawal or
drop-out, one enrolment per person, the phase and agent recorded."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from activites import services
from activites.models import Inscription, StatutInscription
from cpas_isp.models import Role
from tests.activites.factories import ActiviteFactory
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import PassageFactory

S = StatutInscription


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a)


def test_seats_then_waiting_list_then_promotion_in_order(cpas_a, agent):
    activite = ActiviteFactory(cpas=cpas_a, capacite=2)
    a, b, c, d = (BeneficiaireFactory(cpas=cpas_a) for _ in range(4))
    ia, ib, ic, id_ = (services.inscrire(activite, p, agent) for p in (a, b, c, d))
    assert [ia.statut, ib.statut, ic.statut, id_.statut] == [
        S.INSCRIT,
        S.INSCRIT,
        S.ATTENTE,
        S.ATTENTE,
    ]

    promus = services.retirer(ia, "emploi")
    assert promus == [ic]
    ic.refresh_from_db()
    id_.refresh_from_db()
    assert ic.statut == S.INSCRIT
    assert id_.statut == S.ATTENTE
    ia.refresh_from_db()
    assert ia.statut == S.RETIRE and ia.motif_retrait == "emploi"
    assert ia.date_retrait == timezone.localdate()


def test_a_drop_out_frees_the_seat_a_completion_does_not(cpas_a, agent):
    activite = ActiviteFactory(cpas=cpas_a, capacite=1)
    i1 = services.inscrire(activite, BeneficiaireFactory(cpas=cpas_a), agent)
    i2 = services.inscrire(activite, BeneficiaireFactory(cpas=cpas_a), agent)
    services.terminer(i1, "certificat")
    i2.refresh_from_db()
    assert i2.statut == S.ATTENTE  # the certified person still holds the seat
    with pytest.raises(ValidationError):
        services.terminer(i1, "abandon")  # finished already

    autre = ActiviteFactory(cpas=cpas_a, capacite=1)
    j1 = services.inscrire(autre, BeneficiaireFactory(cpas=cpas_a), agent)
    j2 = services.inscrire(autre, BeneficiaireFactory(cpas=cpas_a), agent)
    services.terminer(j1, "abandon")
    j2.refresh_from_db()
    assert j2.statut == S.INSCRIT


def test_growing_the_capacity_gives_the_new_seats_to_the_waiting_list(cpas_a, agent):
    activite = ActiviteFactory(cpas=cpas_a, capacite=1)
    services.inscrire(activite, BeneficiaireFactory(cpas=cpas_a), agent)
    attente = services.inscrire(activite, BeneficiaireFactory(cpas=cpas_a), agent)
    activite.capacite = 2
    assert services.modifier_capacite(activite) == [attente]


def test_one_enrolment_per_person_and_activity(cpas_a, agent):
    activite = ActiviteFactory(cpas=cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a)
    services.inscrire(activite, b, agent)
    with pytest.raises(ValidationError, match="déjà inscrite"):
        services.inscrire(activite, b, agent)
    assert Inscription.objects.filter(activite=activite).count() == 1


def test_a_person_of_a_cpas_not_taking_part_cannot_be_enrolled(cpas_a, cpas_b, agent):
    activite = ActiviteFactory(cpas=cpas_a)
    with pytest.raises(ValidationError):
        services.inscrire(activite, BeneficiaireFactory(cpas=cpas_b), agent)
    activite.cpas_participants.add(cpas_b)
    assert services.inscrire(activite, BeneficiaireFactory(cpas=cpas_b), agent).cpas_id == cpas_b.pk


def test_running_phase_and_its_agent_are_recorded(cpas_a, agent, make_user):
    suivi_par = make_user(Role.AGENT, cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a)
    PassageFactory(
        beneficiaire=b,
        phase="alpha",
        debut=timezone.localdate() - datetime.timedelta(days=10),
        agent=suivi_par,
    )
    inscription = services.inscrire(ActiviteFactory(cpas=cpas_a), b, agent)
    assert inscription.phase == "alpha"
    assert inscription.agent == suivi_par
    assert inscription.inscrit_par == agent


def test_database_refuses_a_withdrawal_without_reason(cpas_a, agent):
    from django.db import IntegrityError, transaction

    inscription = services.inscrire(
        ActiviteFactory(cpas=cpas_a), BeneficiaireFactory(cpas=cpas_a), agent
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Inscription.objects.filter(pk=inscription.pk).update(statut=S.RETIRE)


def test_concurrent_enrolments_never_exceed_capacity(transactional_db, make_user):
    """Two transactions enrol at once in the last seat: the row lock serialises them."""
    import threading

    from django.db import connection

    from tests.cpas_isp.factories import CpasFactory

    cpas = CpasFactory()
    agent = make_user(Role.AGENT, cpas)
    activite = ActiviteFactory(cpas=cpas, capacite=1)
    personnes = [BeneficiaireFactory(cpas=cpas) for _ in range(4)]
    barriere = threading.Barrier(len(personnes))

    def inscrire(b):
        try:
            barriere.wait()
            services.inscrire(activite, b, agent)
        finally:
            connection.close()

    threads = [threading.Thread(target=inscrire, args=(b,)) for b in personnes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuts = sorted(Inscription.objects.filter(activite=activite).values_list("statut", flat=True))
    assert statuts == [S.ATTENTE, S.ATTENTE, S.ATTENTE, S.INSCRIT]
