"""The monthly counts of the appointments (``StatistiqueMensuelle``) that the dashboards add up:
the database keeps them in the writing transaction, whatever writes the appointments (the
services, a queryset update, a deletion, a rolled back transaction), in the calendar months of
Brussels. After every write they equal the counts rebuilt from the appointments."""

import datetime

import pytest
from django.db import transaction

from cpas_isp.models import Role
from rendezvous import services
from rendezvous.models import (
    Participant,
    RendezVous,
    StatistiqueMensuelle,
    StatutRendezVous,
    recalculer_statistiques,
)
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.rendezvous.factories import moment, planifier, type_rdv

D = datetime.date
V, A, E = StatutRendezVous.VU, StatutRendezVous.ABSENT, StatutRendezVous.EXCUSE
CLE = ("cpas_id", "mois", "agent_id", "cellule_id", "type_id", "origine")


def _comptes():
    return sorted(
        StatistiqueMensuelle.objects.exclude(rendez_vous=0, vus=0, absents=0, excuses=0)
        .values_list(*CLE, "rendez_vous", "vus", "absents", "excuses")
        .order_by()
    )


def _verifier():
    """The counts the triggers kept equal the ones rebuilt from the appointments."""
    tenus = _comptes()
    recalculer_statistiques()
    assert tenus == _comptes()
    return tenus


def _du_mois(mois):
    return {(ligne[0], ligne[1], ligne[4]): ligne[6:] for ligne in _comptes() if ligne[1] == mois}


@pytest.fixture
def gens(cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi", first_name="Anne")
    collegue = make_user(Role.AGENT, cpas_a, cellule="alpha", first_name="Bob")
    personnes = [BeneficiaireFactory(cpas=cpas_a, referent=agent) for _ in range(4)]
    return agent, collegue, personnes


def test_counts_follow_every_write(cpas_a, cpas_b, make_user, gens):
    agent, collegue, (p1, p2, p3, p4) = gens
    assert _verifier() == []

    # Planned, then seen: counted once, its outcome too.
    rdv = planifier(agent, p1, moment(D(2025, 3, 5), "09:00"))
    services.changer_statut(rdv, V, agent)
    _verifier()
    suivi = type_rdv("suivi").pk
    assert _du_mois(D(2025, 3, 1)) == {(cpas_a.pk, D(2025, 3, 1), suivi): (1, 1, 0, 0)}

    # A collective session: each participant's own outcome.
    session = planifier(
        agent, [p2, p3, p4], moment(D(2025, 3, 20), "14:00"), 90, code="information_collective"
    )
    for personne, issue in ((p2, V), (p3, A), (p4, E)):
        services.noter_issue_participant(session, personne.pk, issue, agent)
    _verifier()
    info = type_rdv("information_collective").pk
    assert _du_mois(D(2025, 3, 1))[(cpas_a.pk, D(2025, 3, 1), info)] == (1, 1, 1, 1)

    # An outcome corrected, a cancellation (no longer counted, its outcome kept apart).
    services.noter_issue_participant(session, p3.pk, V, agent)
    annule = planifier(collegue, p1, moment(D(2025, 4, 2), "10:00"))
    services.changer_statut(annule, StatutRendezVous.ANNULE_PERSONNE, collegue)
    _verifier()
    assert _du_mois(D(2025, 4, 1)) == {}

    # Moved to another month, another kind, another agent, in one update of the row.
    RendezVous.objects.filter(pk=rdv.pk).update(
        debut=moment(D(2025, 5, 7), "09:00"),
        fin=moment(D(2025, 5, 7), "09:30"),
        type=type_rdv("premier_entretien_isp"),
        agent=collegue,
    )
    _verifier()
    assert (cpas_a.pk, D(2025, 3, 1), suivi) not in _du_mois(D(2025, 3, 1))

    # Many rows at once; a participant removed; an appointment deleted with its participants.
    RendezVous.objects.filter(cpas=cpas_a).update(origine="invitation")
    Participant.objects.filter(rendez_vous=session, beneficiaire=p4).delete()
    _verifier()
    rdv.refresh_from_db()
    rdv.delete()
    _verifier()

    # A rolled back write leaves the counts as they were.
    avant = _comptes()
    with pytest.raises(RuntimeError), transaction.atomic():
        planifier(agent, p1, moment(D(2025, 6, 3), "09:00"))
        raise RuntimeError
    assert _comptes() == avant

    # Another CPAS's appointments are counted under that CPAS.
    autre_agent = make_user(Role.AGENT, cpas_b)
    autre = planifier(autre_agent, BeneficiaireFactory(cpas=cpas_b), moment(D(2025, 3, 5), "09:00"))
    services.changer_statut(autre, A, autre_agent)
    comptes = _verifier()
    assert {ligne[0] for ligne in comptes} == {cpas_a.pk, cpas_b.pk}


def test_months_are_those_of_brussels(cpas_a, gens):
    """31 January 23:30 in Brussels is January; 1 February 00:30 is February (still 31
    January in UTC)."""
    agent, _collegue, (p1, p2, *_autres) = gens
    planifier(agent, p1, moment(D(2025, 1, 31), "23:00"))
    planifier(agent, p2, moment(D(2025, 2, 1), "00:30"))
    comptes = _verifier()
    assert [(ligne[1], ligne[6]) for ligne in comptes] == [
        (D(2025, 1, 1), 1),
        (D(2025, 2, 1), 1),
    ]
