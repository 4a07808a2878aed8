"""The dashboard's statements over the stays, the rights, the people's referents and the
appointments' monthly counts read them from covering indexes alone (trajets 0013,
beneficiaires 0022, rendezvous 0010). A column added to one of these statements and not to its
index brings back a visit of each row's page (on the bench: the flows 98 -> 159 pages, the
workload 131 -> 242, the no-shows 135 -> 476 and the agents' load 236 -> 577)."""

import datetime

import pytest
from django.db import connection

from beneficiaires.models import Beneficiaire, DroitAide
from rapports import queries
from rendezvous.indicateurs import requetes_absences, requetes_charge
from rendezvous.models import StatistiqueMensuelle
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.rapports.plans import plan_par_index
from tests.trajets.factories import PassageFactory
from trajets.models import PassagePhase

D = datetime.date
TABLES = [m._meta.db_table for m in (Beneficiaire, DroitAide, PassagePhase, StatistiqueMensuelle)]


@pytest.fixture
def dossiers(cpas_a, cpas_b, make_user):
    """A few people with a right and a stay in each of two CPAS, a year of monthly counts,
    vacuumed and their statistics read (committed, transactional tests: the pages marked
    all-visible, as on a live database, which is what makes an index-only scan skip them)."""
    agent = make_user(cpas=cpas_a)
    for cpas in (cpas_a, cpas_b):
        for i in range(12):
            personne = BeneficiaireFactory(cpas=cpas, referent=agent if i % 2 else None)
            DroitFactory(beneficiaire=personne, debut=D(2025, 1 + i, 1))
            PassageFactory(beneficiaire=personne, phase="emploi", debut=D(2025, 1 + i, 3))
        StatistiqueMensuelle.objects.bulk_create(
            StatistiqueMensuelle(
                cpas_id=cpas.pk,
                mois=D(2025, m, 1),
                agent_id=agent.pk,
                cellule_id=None,
                type_id=1,
                origine="cpas",
                rendez_vous=3,
                vus=2,
                absents=1,
            )
            for m in range(1, 13)
        )
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


INDEX = [
    "passage_cpas_phase_debut_idx",
    "droit_cpas_debut_idx",
    "beneficiaire_cpas_referent",
    "statistique_rdv_cpas_mois",
]


def _plan(sql, params) -> str:
    return plan_par_index(sql, params, TABLES, INDEX)


def _statement(generateur, table) -> tuple:
    """The statement over ``table`` among those the generator yields first."""
    return next((sql, params) for sql, params, *_ in next(generateur) if table in sql)


@pytest.mark.django_db(transaction=True)
def test_flows_read_the_stays_from_the_index_alone(cpas_a, dossiers):
    plan = _plan(*queries._flux_sql([cpas_a.pk], D(2025, 1, 1), D(2025, 12, 1), None, None))
    assert "Index Only Scan using passage_cpas_phase_debut_idx" in plan, plan


@pytest.mark.django_db(transaction=True)
def test_participation_reads_the_rights_and_stays_from_indexes_alone(cpas_a, dossiers):
    dates = queries.fins_de_mois(D(2025, 1, 1), D(2025, 12, 1))
    plan = _plan(*queries._participation_sql([cpas_a.pk], dates, None, None))
    assert "Index Only Scan using droit_cpas_debut_idx" in plan, plan
    assert "Index Only Scan using passage_cpas_phase_debut_idx" in plan, plan


@pytest.mark.django_db(transaction=True)
def test_workload_reads_the_referents_from_the_index_alone(cpas_a, dossiers):
    plan = _plan(*queries._charge_sql([cpas_a.pk], D(2025, 12, 31), None, None))
    assert "Index Only Scan using beneficiaire_cpas_referent" in plan, plan


@pytest.mark.django_db(transaction=True)
def test_monthly_counts_read_from_the_index_alone(cpas_a, dossiers):
    table = StatistiqueMensuelle._meta.db_table
    for generateur in (
        requetes_absences([cpas_a.pk], D(2025, 1, 1), D(2025, 12, 31)),
        requetes_charge([cpas_a.pk], D(2025, 1, 1), D(2025, 12, 31), a_venir=False),
    ):
        plan = _plan(*_statement(generateur, table))
        assert "Index Only Scan using statistique_rdv_cpas_mois" in plan, plan
