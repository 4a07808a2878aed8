"""The caseload's keys statement kept per need-to-know rule, status, sort and page
(``paginer``'s ``cle``, the list as it opens): every user, status, sort and page gets Django's
paginator's page of the list, and one user's statement never answers another's."""

import datetime

import pytest
from django.core.paginator import Paginator

from beneficiaires.models import Beneficiaire
from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.beneficiaires.helpers import LISTE
from tests.pages_liste import NUMEROS_DE_PAGE

pytestmark = pytest.mark.django_db

PARAMETRES = [
    *NUMEROS_DE_PAGE,
    {"statut": "clotures"},
    {"statut": "tous", "page": "2"},
    {"tri": "-nom", "page": "2"},
    {"tri": "naissance", "page": "3"},
    {"tri": "-commune"},
    {"taille": "50"},
]

ORDRES = {
    "nom": ["nom", "prenom", "id"],
    "naissance": ["date_naissance", "id"],
    "commune": ["commune", "nom", "id"],
}


def _attendue(user_people, params):
    statut = params.get("statut", "ouverts")
    qs = Beneficiaire.objects.filter(pk__in=[b.pk for b in user_people])
    if statut == "ouverts":
        qs = qs.filter(date_cloture__isnull=True)
    elif statut == "clotures":
        qs = qs.filter(date_cloture__isnull=False)
    tri = params.get("tri", "nom")
    ordre = ORDRES[tri.lstrip("-")]
    if tri.startswith("-"):
        ordre = [f"-{champ}" for champ in ordre]
    taille = int(params.get("taille", "25"))
    return Paginator(qs.order_by(*ordre), taille).get_page(params.get("page"))


def _comme_le_paginateur(client, user_people, params):
    page = client.get(LISTE, params).context["page"]
    attendue = _attendue(user_people, params)
    assert page.number == attendue.number, params
    assert page.paginator.count == attendue.paginator.count, params
    assert [b.pk for b in page.object_list] == [b.pk for b in attendue.object_list], params


def test_each_user_status_sort_and_page_gets_django_paginators_page(
    make_user, client_for, cpas_a, cpas_b
):
    premier = make_user(Role.AGENT, cpas_a)
    second = make_user(Role.AGENT, cpas_a)
    coord = make_user(Role.COORDINATEUR, cpas_a)
    autre_cpas = make_user(Role.AGENT, cpas_b)
    naissance = datetime.date(1980, 1, 1)
    personnes = {premier: [], second: [], autre_cpas: []}
    for i in range(70):
        referent = (premier, second)[i % 2]
        personnes[referent].append(
            BeneficiaireFactory(
                cpas=cpas_a,
                referent=referent,
                nom=f"Nom{i % 7}",
                commune=f"Commune{i % 3}",
                date_naissance=naissance + datetime.timedelta(days=i % 11),
                date_cloture=datetime.date(2026, 1, 5) if i % 5 == 0 else None,
            )
        )
    personnes[autre_cpas] = [
        BeneficiaireFactory(cpas=cpas_b, referent=autre_cpas) for _ in range(4)
    ]
    personnes[coord] = personnes[premier] + personnes[second]
    clients = {user: client_for(user) for user in personnes}
    # Each user in turn, twice (the second time from the kept statements), the agents of the
    # same CPAS and shape one after the other.
    for _ in range(2):
        for user in (premier, second, coord, autre_cpas):
            for params in PARAMETRES:
                _comme_le_paginateur(clients[user], personnes[user], params)
    # New people, a file closed: the kept statements read the rows as they are now.
    personnes[premier].append(BeneficiaireFactory(cpas=cpas_a, referent=premier, nom="Aaron"))
    ferme = personnes[second][1]
    Beneficiaire.objects.filter(pk=ferme.pk).update(date_cloture=datetime.date(2026, 2, 1))
    personnes[coord] = personnes[premier] + personnes[second]
    for user in (premier, second, coord):
        for params in PARAMETRES:
            _comme_le_paginateur(clients[user], personnes[user], params)


def test_a_search_by_name_runs_one_prepared_statement_whatever_the_name(
    make_user, client_for, cpas_a
):
    """The search's keys: the same statement for every name (its parameter), prepared once on
    the connection and run with its generic plan, finds each name's people."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coord = make_user(Role.COORDINATEUR, cpas_a)
    dupont = BeneficiaireFactory(cpas=cpas_a, nom="Dupont", prenom="Jean")
    martin = BeneficiaireFactory(cpas=cpas_a, nom="Martin", prenom="Paul")
    client = client_for(coord)
    assert [b.pk for b in client.get(LISTE, {"q": "dupond"}).context["page"].object_list] == [
        dupont.pk
    ]
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(LISTE, {"q": "martn paul"}).context["page"]
    assert [b.pk for b in page.object_list] == [martin.pk]
    assert page.paginator.count == 1
    # The keys' statement (the name its parameter) and the bell, sent with the rows, run with
    # their generic plan, executed as prepared for the first name: nothing prepared again.
    generiques = [q["sql"] for q in ctx.captured_queries if "force_generic_plan" in q["sql"]]
    assert any("'martn paul'" in sql for sql in generiques), generiques
    for sql in generiques:
        assert "EXECUTE" in sql and "PREPARE" not in sql
