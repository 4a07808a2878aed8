"""The cellule queue counts its rows once: the counters give the paginator its count."""

import datetime

import pytest
from django.utils import timezone

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import EtapeFactory, PassageFactory
from trajets import queries

D = datetime.date


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


def test_paginator_count_is_the_counters_and_the_rows_of_each_filter(
    cpas_a, agent, make_user, client_for, settings
):
    settings.PAGE_SIZE = 2
    today = timezone.localdate()
    collegue = make_user(Role.AGENT, cpas_a)
    for k in range(5):
        b = BeneficiaireFactory(cpas=cpas_a, referent=agent if k % 2 else collegue)
        debut = today - datetime.timedelta(days=3 if k < 2 else 100)
        PassageFactory(beneficiaire=b, phase="emploi", debut=debut)
        if k in (1, 4):
            EtapeFactory(beneficiaire=b, auteur=agent, prochaine_action="x", echeance=D(2024, 1, 1))
    ailleurs = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    PassageFactory(beneficiaire=ailleurs, phase="alpha", debut=today)
    cellule = cpas_a.cellules.get(code="emploi")
    client = client_for(agent)
    attendus = {"": 5, "nouveaux": 2, "retard": 2, "miens": 2, "autre": 5}
    for filtre, n in attendus.items():
        response = client.get(f"/trajets/files/emploi/?filtre={filtre}")
        assert response.status_code == 200
        page = response.context["page"]
        lignes = list(queries.file_cellule(agent, cellule, today, filtre))
        assert page.paginator.count == len(lignes) == n, filtre
        assert page.paginator.num_pages == (n + 1) // 2
    compteurs = response.context["compteurs"]
    assert (compteurs["total"], compteurs["nouveaux"], compteurs["retard"]) == (5, 2, 2)


def test_queue_and_deadlines_query_counts(agent, client_for, django_assert_max_num_queries):
    """Ceilings at today's counts (the queue: one COUNT fewer than before; the deadlines: one
    query for every kind of item)."""
    b = BeneficiaireFactory(cpas=agent.memberships.get().cpas, referent=agent)
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    EtapeFactory(beneficiaire=b, auteur=agent, prochaine_action="x", echeance=D(2024, 1, 1))
    client = client_for(agent)
    for url, n in (("/trajets/files/emploi/", 9), ("/trajets/echeances/", 7)):
        client.get(url)
        with django_assert_max_num_queries(n):
            assert client.get(url).status_code == 200
