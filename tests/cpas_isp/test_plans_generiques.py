"""The main pages' prepared statements are planned once per connection: PostgreSQL's own choice
planned nearly all of them again for their values on every run (it compares its estimates of
the two kinds of plan, and estimates the generic one dearer), so that preparing them saved
nothing (2-5 ms of planning a page on the bench). Compiled querysets (``RequeteCompilee``) and
the statements marked ``lots.GENERIQUE`` run their generic plan from their first run; a
statement left to PostgreSQL's choice is planned for its values on each of its first five runs
at least."""

import datetime

import pytest
from django.db import connection

from beneficiaires.models import Beneficiaire
from cpas_isp.models import Role
from cpas_isp.sql_compile import RequeteCompilee
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.partenaires.factories import OrientationFactory, ServiceFactory
from tests.trajets.factories import EtapeFactory, PassageFactory, PiisFactory

D = datetime.date


def _plans() -> dict[str, tuple[int, int, str]]:
    """name -> (generic plans, custom plans, the statement's own text) of the SELECTs this
    project prepared on the test connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans, custom_plans, statement FROM pg_prepared_statements "
            "WHERE name LIKE 'isp_%%'"
        )
        lignes = cursor.fetchall()
    plans = {}
    for nom, generiques, personnalises, message in lignes:
        # The statement's text: its PREPARE, in the message that prepared it.
        texte = message.split(f"PREPARE {nom} AS ", 1)[-1].split(";\n", 1)[0].lstrip()
        if texte.startswith(("SELECT", "WITH", "(")):
            plans[nom] = (generiques, personnalises, texte)
    return plans


def _replanifiees(plans) -> list[str]:
    return [texte[:160] for _g, personnalises, texte in plans.values() if personnalises]


def test_a_compiled_query_runs_its_generic_plan_from_its_first_run(connexion_neuve, cpas_a):
    personnes = [BeneficiaireFactory(cpas=cpas_a) for _ in range(3)]
    for generique, attendu in ((True, (3, 0)), (False, (0, 3))):
        requete = RequeteCompilee(
            lambda pk: Beneficiaire.objects.filter(pk=pk).order_by("pk"), generique=generique
        )
        for b in personnes:
            assert requete.lignes(b.pk) == list(Beneficiaire.objects.filter(pk=b.pk))
        ((generiques, personnalises, _texte),) = [
            p for nom, p in _plans().items() if "beneficiaires_beneficiaire" in p[2]
        ]
        assert (generiques, personnalises) == attendu, generique
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        connection.connection.__dict__.get("_isp_prepares", {}).clear()


@pytest.fixture
def dossier_complet(cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    EtapeFactory(beneficiaire=b, auteur=agent, date=D(2024, 2, 1), prochaine_action="Relancer")
    PiisFactory(beneficiaire=b, agent=agent, date_decision_ris=D(2024, 1, 15))
    DroitFactory(beneficiaire=b, debut=D(2024, 1, 1))
    OrientationFactory(beneficiaire=b, agent=agent, service=ServiceFactory())
    return agent, b


@pytest.mark.parametrize("onglet", ["", "rendez-vous/", "orientations/", "parcours/"])
def test_the_person_page_is_planned_once_per_connection(
    connexion_neuve, dossier_complet, client_for, onglet
):
    """Each tab's statements (the person through the need-to-know rule, the lists, the bell)
    run their generic plan: none planned again for its values on each view."""
    agent, b = dossier_complet
    client = client_for(agent)
    for _ in range(3):
        assert client.get(f"/beneficiaires/{b.pk}/{onglet}").status_code == 200
    plans = _plans()
    assert plans, "the page prepared none of its statements"
    assert _replanifiees(plans) == []


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.AGENT, "/partenaires/orientations/"),
        (Role.COORDINATEUR, "/partenaires/orientations/"),
        (Role.AGENT, "/trajets/files/emploi/"),
        (Role.ADMIN, "/audit/"),
    ],
)
def test_the_lists_are_planned_once_per_connection(
    connexion_neuve, dossier_complet, cpas_a, make_user, client_for, role, url
):
    user = dossier_complet[0] if role == Role.AGENT else make_user(role, cpas_a)
    client = client_for(user)
    for _ in range(3):
        assert client.get(url).status_code == 200
    plans = _plans()
    assert plans, "the page prepared none of its statements"
    assert _replanifiees(plans) == []
