"""Query counts of main pages that had no such test: the count does not grow with the rows
(the pages the load benchmark measures, benchmarks/bench_pages.py)."""

import datetime

from django.utils import timezone

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import OrientationFactory, ServiceFactory
from tests.trajets.factories import ContratFactory, EtapeFactory, PassageFactory, PiisFactory
from trajets.models import (
    AppreciationObjectif,
    EngagementTiers,
    EvaluationPiis,
    ObjectifPiis,
    PoolArticle60,
)
from trajets.queries import A_CLOTURER_AFFICHES


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


def test_article60_occupancy_query_count_does_not_grow(
    cpas_a, make_user, client_for, requetes_de_la_page
):
    """The posts page lists only the oldest contracts to close (how many there are in all,
    and a link to the complete list), whatever their number, in the same queries."""
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    aujourd_hui = timezone.localdate()
    PoolArticle60.objects.create(cpas=cpas_a, valable_du=aujourd_hui.replace(day=1), postes_total=5)

    def ajouter(n, depuis):
        for i in range(depuis, depuis + n):
            ContratFactory(
                beneficiaire=BeneficiaireFactory(cpas=cpas_a, nom=f"Terme{i:02d}"),
                debut=aujourd_hui - datetime.timedelta(days=400),
                fin_prevue=aujourd_hui - datetime.timedelta(days=100 - i),
            )
            ContratFactory(  # ending soon
                beneficiaire__cpas=cpas_a,
                debut=aujourd_hui - datetime.timedelta(days=300),
                fin_prevue=aujourd_hui + datetime.timedelta(days=5),
            )

    ajouter(2, 0)
    client = client_for(coordinateur)
    client.get("/trajets/article60/")
    avant = requetes_de_la_page(client, "/trajets/article60/")
    page = client.get("/trajets/article60/").content.decode()
    assert "TERME01" in page and "tous-a-cloturer" not in page
    ajouter(A_CLOTURER_AFFICHES + 3, 2)
    assert len(requetes_de_la_page(client, "/trajets/article60/")) == len(avant)
    page = client.get("/trajets/article60/").content.decode()
    n = A_CLOTURER_AFFICHES + 5
    # The oldest ones first; the most recent ones only on the complete list.
    assert "TERME00" in page and f"TERME{n - 1:02d}" not in page
    assert f"Les {A_CLOTURER_AFFICHES} plus anciens sur {n}" in page
    assert "?a_cloturer=1" in page
    liste = client.get("/trajets/article60/contrats/", {"a_cloturer": "1"})
    noms = {c.beneficiaire.nom for c in liste.context["page"].object_list}
    assert noms == {f"Terme{i:02d}" for i in range(n)}


def test_referral_list_counts_its_pages_from_the_status_tabs(
    cpas_a, make_user, client_for, requetes_de_la_page, settings
):
    """Filtered by status only (or not at all), the list's length is the tabs' count: one
    COUNT query fewer; the pages stay right, with or without other filters."""
    settings.PAGE_SIZE = 2
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    service, autre = ServiceFactory(), ServiceFactory()
    for _i in range(5):
        OrientationFactory(beneficiaire__cpas=cpas_a, service=service, statut="envoyee")
    OrientationFactory(beneficiaire__cpas=cpas_a, service=autre, statut="en_cours")
    OrientationFactory(beneficiaire__cpas=cpas_a, service=autre, statut="envoyee")
    BeneficiaireFactory()  # another CPAS's person, with a referral there
    OrientationFactory(service=service, statut="envoyee")
    client = client_for(coordinateur)
    url = "/partenaires/orientations/"
    client.get(url)
    sans_filtre = requetes_de_la_page(client, url)
    par_partenaire = requetes_de_la_page(client, url, {"partenaire": service.partenaire_id})
    par_statut = requetes_de_la_page(client, url, {"statut": "envoyee"})

    def comptages(requetes):
        # the referrals' counts (the navbar's bell counts the unread notifications apart)
        return [
            q
            for q in requetes
            if q["sql"].startswith('SELECT COUNT(*) AS "__count"')
            and "partenaires_orientation" in q["sql"]
        ]

    assert not comptages(sans_filtre) and not comptages(par_statut)
    assert len(comptages(par_partenaire)) == 1
    for params, total in (
        ({}, 7),
        ({"statut": "envoyee"}, 6),
        ({"statut": "en_cours"}, 1),
        ({"statut": "refusee"}, 0),
        ({"statut": "inconnu"}, 7),  # an invalid status is ignored
        ({"partenaire": service.partenaire_id}, 5),
        ({"partenaire": autre.partenaire_id, "statut": "envoyee"}, 1),
    ):
        page = client.get(url, params).context["page"]
        assert page.paginator.count == total, params
        assert page.paginator.num_pages == max(1, -(-total // 2)), params
