"""The PIIS detail reads the PIIS's evaluations once (table and yearly conformity)."""

import datetime

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import PiisFactory
from trajets import services
from trajets.models import EvaluationPiis, ObjectifPiis

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
    with django_assert_max_num_queries(14):  # 15 before: the evaluations were read twice
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
