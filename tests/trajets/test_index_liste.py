"""Every row of Mes dossiers, of the search and of the queues shows the person's current right
and phase: the rows' statement reads them from B-tree indexes alone, latest first (beneficiaires
0023, trajets 0014). Before, the planner probed the exclusion constraints' GiST indexes, whose
first column is the person too: on the bench the rows' statement took 2.0 ms instead of 0.8. A
column added to those subqueries and not to the index brings back a visit of each row's page."""

import datetime
import re

import pytest
from django.db import connection

from beneficiaires import queries
from beneficiaires.models import DroitAide
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.rapports.plans import plan_par_index
from tests.trajets.factories import PassageFactory
from trajets.models import PassagePhase

D = datetime.date
TABLES = [DroitAide._meta.db_table, PassagePhase._meta.db_table]
INDEX = ["droit_personne_debut_idx", "passage_personne_debut_idx"]
CONTRAINTES = ["droit_sans_chevauchement", "passage_une_phase_a_la_fois"]


@pytest.mark.django_db(transaction=True)
def test_list_rows_read_the_current_right_and_phase_from_the_indexes_alone(cpas_a):
    personnes = []
    for i in range(6):
        personne = BeneficiaireFactory(cpas=cpas_a)
        # A past right and stay, then the current ones: the rows take the latest.
        DroitFactory(beneficiaire=personne, debut=D(2023, 1, 1), fin=D(2023, 12, 31))
        DroitFactory(beneficiaire=personne, debut=D(2025, 1 + i, 1))
        PassageFactory(
            beneficiaire=personne, phase="alpha", debut=D(2024, 1, 1), fin=D(2024, 12, 31)
        )
        PassageFactory(beneficiaire=personne, phase="emploi", debut=D(2025, 1 + i, 3))
        personnes.append(personne)
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    jour = D(2025, 9, 30)
    qs = queries.colonnes_caseload([p.pk for p in personnes], jour)
    lignes = {b.pk: b for b in qs}
    assert {(b.droit_debut, b.phase_courante) for b in lignes.values()} == {
        (D(2025, 1 + i, 1), "emploi") for i in range(6)
    }
    plan = plan_par_index(*qs.query.sql_with_params(), TABLES, INDEX, CONTRAINTES)
    for index in INDEX:
        assert f"Index Only Scan Backward using {index}" in plan, plan
    # No plain index scan of them: every column those subqueries read is in the index.
    assert not re.search(r"Index Scan (Backward )?using (droit|passage)_personne", plan), plan
