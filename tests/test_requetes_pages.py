"""Query counts of main pages that had no such test: the count does not grow with the rows
(the pages the load benchmark measures, benchmarks/bench_pages.py)."""

import datetime

from django.utils import timezone

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import OrientationFactory, ServiceFactory
from tests.trajets.factories import EtapeFactory, PassageFactory, PiisFactory
from trajets.models import AppreciationObjectif, EngagementTiers, EvaluationPiis, ObjectifPiis


def test_home_of_an_agent_query_count_does_not_grow(
    cpas_a, make_user, client_for, requetes_de_la_page
):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    service = ServiceFactory()
    aujourd_hui = timezone.localdate()

    def ajouter(n):
        for i in range(n):
            b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
            PassageFactory(beneficiaire=b, phase="emploi", debut=aujourd_hui.replace(day=1))
            EtapeFactory(
                beneficiaire=b,
                auteur=agent,
                prochaine_action="Rappeler",
                echeance=aujourd_hui + datetime.timedelta(days=i - 2),
            )
            for statut in ("envoyee", "en_cours"):
                OrientationFactory(beneficiaire=b, service=service, agent=agent, statut=statut)
            OrientationFactory(
                beneficiaire=b,
                service=service,
                agent=agent,
                statut="refusee",
                motif_refus="complet",
            )

    ajouter(2)
    client = client_for(agent)
    client.get("/")
    avant = requetes_de_la_page(client, "/")
    ajouter(6)
    assert len(requetes_de_la_page(client, "/")) == len(avant)
    page = client.get("/").content.decode()
    assert "8 en attente de réponse" in page and "8 refusées ou expirées" in page


def test_piis_detail_query_count_does_not_grow(cpas_a, make_user, client_for, requetes_de_la_page):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    PassageFactory(beneficiaire=b, phase="emploi", debut=datetime.date(2025, 1, 6))
    piis = PiisFactory(beneficiaire=b, agent=agent)
    service = ServiceFactory()

    def ajouter(n):
        debut = ObjectifPiis.objects.filter(piis=piis).count()
        for i in range(debut, debut + n):
            objectif = ObjectifPiis.objects.create(
                cpas=cpas_a, piis=piis, libelle=f"Objectif {i}", ordre=i
            )
            EngagementTiers.objects.create(
                cpas=cpas_a, piis=piis, partenaire=service.partenaire, engagements="Suivi"
            )
            evaluation = EvaluationPiis.objects.create(
                cpas=cpas_a,
                piis=piis,
                date_prevue=datetime.date(2025, 2, 1) + datetime.timedelta(days=30 * i),
                auteur=agent,
            )
            AppreciationObjectif.objects.create(
                cpas=cpas_a, evaluation=evaluation, objectif=objectif, statut="en_cours"
            )

    ajouter(1)
    url = f"/trajets/piis/{piis.pk}/"
    client = client_for(agent)
    client.get(url)
    avant = requetes_de_la_page(client, url)
    ajouter(5)
    assert len(requetes_de_la_page(client, url)) == len(avant)
    assert "Objectif 5" in client.get(url).content.decode()
