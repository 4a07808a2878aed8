"""The PIIS detail reads the PIIS's evaluations once (table and yearly conformity)."""

import datetime

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import PiisFactory
from trajets import services
from trajets.models import EngagementTiers, EvaluationPiis, ObjectifPiis

D = datetime.date


def test_signed_piis_detail_reads_its_evaluations_once_in_order(
    cpas_a, make_user, client_for, django_assert_max_num_queries
):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    piis = PiisFactory(beneficiaire=b, agent=agent)
    ObjectifPiis.objects.create(cpas=piis.cpas, piis=piis, ordre=1, libelle="Obtenir le CESS")
    piis = services.proposer_piis(piis, D(2023, 11, 20), agent)
    piis = services.signer_piis(piis, D(2023, 11, 30), agent, fin=D(2024, 11, 29))
    # An extra evaluation planned between two others, created last (a higher id).
    EvaluationPiis.objects.create(cpas=cpas_a, piis=piis, date_prevue=D(2024, 4, 15))
    url = f"/trajets/piis/{piis.pk}/"
    client = client_for(agent)
    client.get(url)
    with django_assert_max_num_queries(11):  # 15 before: the evaluations were read twice;
        # 14 before the PIIS's query said which of its lists are empty (no third party,
        # no amendment, no document here)
        response = client.get(url)
    html = response.content.decode()
    dates = [
        f"{e.date_prevue:%d/%m/%Y}"
        for e in EvaluationPiis.objects.filter(piis=piis).order_by("date_prevue", "id")
    ]
    assert len(dates) == 5
    positions = [html.index(f"<td>{d}</td>") for d in dates]
    assert positions == sorted(positions)
    assert list(response.context["evaluations"]) == list(piis.evaluations.all())
    assert "évaluation(s) dont" in html


def test_piis_detail_asks_no_query_for_its_empty_lists(
    cpas_a, make_user, client_for, requetes_de_la_page
):
    """The PIIS's query says which of its lists (objectives, third parties' commitments,
    evaluations, amendments) have rows: a draft without any costs no query for them; each one
    with rows is read and shown."""
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    piis = PiisFactory(beneficiaire=b, agent=agent)
    url = f"/trajets/piis/{piis.pk}/"
    client = client_for(agent)
    client.get(url)
    tables = ("trajets_objectifpiis", "trajets_engagementtiers", "trajets_evaluationpiis")

    def lues(requetes):
        return {t for t in tables for q in requetes if q["sql"].startswith(f'SELECT "{t}"')}

    vide = requetes_de_la_page(client, url)
    assert lues(vide) == set()
    # The request's own (session, user, two-factor device, membership, the bell's count), the
    # access log's row, and one for the PIIS read with its person and their referent (the
    # person was a query of its own).
    assert len(vide) <= 7, "\n".join(q["sql"][:90] for q in vide)
    assert "Aucun objectif." in client.get(url).content.decode()
    ObjectifPiis.objects.create(cpas=cpas_a, piis=piis, ordre=2, libelle="Second objectif")
    ObjectifPiis.objects.create(cpas=cpas_a, piis=piis, ordre=1, libelle="Premier objectif")
    EngagementTiers.objects.create(cpas=cpas_a, piis=piis, nom="Forem", engagements="Suivi")
    EvaluationPiis.objects.create(cpas=cpas_a, piis=piis, date_prevue=D(2025, 3, 1))
    avenant = PiisFactory(beneficiaire=b, agent=agent, avenant_de=piis, numero_avenant=1)
    plein = requetes_de_la_page(client, url)
    assert lues(plein) == set(tables)
    # The three lists, the evaluations' appreciations (prefetched with them), the amendments.
    assert len(plein) == len(vide) + 5
    html = client.get(url).content.decode()
    assert html.index("Premier objectif") < html.index("Second objectif")
    assert "Engagements de Forem" in html
    assert f'href="/trajets/piis/{avenant.pk}/"' in html
    assert "01/03/2025" in html
