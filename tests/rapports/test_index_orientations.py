"""The dashboards' two statements over a period's referrals read them from an index alone
(partenaires 0017): the referrals per partner (orientation_date_suivi_idx) and the delay
from a referral sent to the partner's answer (orientation_cpas_envoi_idx). A column added to
either statement and not to its index brings back a heap visit per referral (on the bench:
355 instead of 38 pages for the per-partner table, 337 instead of 46 for the delay)."""

import datetime

import pytest
from django.db import connection

from partenaires.models import Orientation, StatutOrientation
from rapports import suivi
from rendezvous.indicateurs import requetes_delais
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import OrientationFactory
from tests.rapports.plans import plan_par_index

D = datetime.date


@pytest.fixture
def annees_d_orientations(cpas_a):
    """Referrals sent over seven years, vacuumed and their statistics read: the planner then
    weighs each index by what it selects and what it saves, as on a real database."""
    modele = OrientationFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a))
    Orientation.objects.bulk_create(
        Orientation(
            cpas=cpas_a,
            beneficiaire=modele.beneficiaire,
            service=modele.service,
            agent=modele.agent,
            motif=modele.motif,
            statut=StatutOrientation.ENVOYEE,
            date_orientation=D(2019, 1, 1) + datetime.timedelta(days=i),
            date_envoi=D(2019, 1, 1) + datetime.timedelta(days=i),
        )
        for i in range(0, 7 * 365, 3)
    )
    with connection.cursor() as cursor:
        # Committed (transactional tests): the pages marked all-visible, as on a live
        # database, which is what makes an index-only scan skip the heap.
        cursor.execute(f"VACUUM ANALYZE {Orientation._meta.db_table}")


def _plan(generateur) -> str:
    """The plan of the statement the generator yields first when PostgreSQL reads the
    referrals through the two covering indexes only (see ``plan_par_index``)."""
    ((sql, params),) = next(generateur)
    return plan_par_index(
        sql,
        params,
        [Orientation._meta.db_table],
        ["orientation_date_suivi_idx", "orientation_cpas_envoi_idx"],
    )


@pytest.mark.django_db(transaction=True)
def test_referrals_per_partner_read_from_the_index_alone(cpas_a, annees_d_orientations):
    plan = _plan(
        suivi.requetes_orientations_par_partenaire([cpas_a.pk], D(2025, 1, 1), D(2025, 12, 31))
    )
    assert "Index Only Scan using orientation_date_suivi_idx" in plan, plan


@pytest.mark.django_db(transaction=True)
def test_referral_delay_reads_from_the_index_alone(cpas_a, annees_d_orientations):
    plan = _plan(requetes_delais([cpas_a.pk], D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 31)))
    assert "Index Only Scan using orientation_cpas_envoi_idx" in plan, plan
