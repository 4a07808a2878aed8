"""Prepared statements that PostgreSQL would plan for their values on every run run their
generic plan. PostgreSQL plans every prepared statement for its values on its first five runs,
then keeps its generic plan when it estimates it no dearer: most of a page's statements. The
few it kept planning for their values on every view (the home page's participants of the day's
appointments, a coordinator's referral counts, the bell on the audit page) are marked
``lots.GENERIQUE`` (``RequeteCompilee(generique=True)``); the agent's appointments of the day
stay planned for their values (their generic plan reads the agent's whole past)."""

import pytest
from django.db import connection
from django.utils import timezone

from beneficiaires.models import Beneficiaire
from cpas_isp.models import Role
from cpas_isp.sql_compile import RequeteCompilee
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import OrientationFactory, ServiceFactory
from tests.rendezvous.factories import moment, planifier

VUES = 8  # more than PostgreSQL's five first runs planned for their values


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
        texte = message.split(f"PREPARE {nom} AS ", 1)[-1].split(";", 1)[0].lstrip()
        if texte.startswith(("SELECT", "WITH", "(")):
            plans[nom] = (generiques, personnalises, texte)
    return plans


def _plans_de(plans, *fragments) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of each statement whose text holds one of
    ``fragments``."""
    return [(g, c) for g, c, texte in plans.values() if any(f in texte for f in fragments)]


def test_a_compiled_query_marked_generic_runs_its_generic_plan_from_its_first_run(
    connexion_neuve, cpas_a
):
    personnes = [BeneficiaireFactory(cpas=cpas_a) for _ in range(3)]
    for generique, attendu in ((True, (3, 0)), (False, (0, 3))):
        requete = RequeteCompilee(
            lambda pk: Beneficiaire.objects.filter(pk=pk).order_by("pk"), generique=generique
        )
        for b in personnes:
            assert requete.lignes(b.pk) == list(Beneficiaire.objects.filter(pk=b.pk))
        ((generiques, personnalises, _texte),) = [
            p for p in _plans().values() if "beneficiaires_beneficiaire" in p[2]
        ]
        assert (generiques, personnalises) == attendu, generique
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        connection.connection.__dict__.get("_isp_prepares", {}).clear()


def test_the_home_page_runs_the_statements_postgresql_kept_planning_generic(
    connexion_neuve, cpas_a, make_user, client_for
):
    """The participants of the day's appointments, which of them the agent may see, and the
    bell: their generic plan from the first view."""
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Lambert")
    planifier(agent, b, moment(timezone.localdate(), "10:00"), 30)
    client = client_for(agent)
    for _ in range(VUES):
        assert "Lambert" in client.get("/").content.decode()
    plans = _plans_de(
        _plans(),
        'FROM "rendezvous_participant" ',
        'SELECT DISTINCT "p"."beneficiaire_id"',
        "FROM cpas_isp_notification",
    )
    assert plans == [(VUES, 0)] * 3


@pytest.mark.parametrize(
    ("role", "url", "fragments"),
    [
        (Role.COORDINATEUR, "/partenaires/orientations/", ("json_build_array(c.statut",)),
        (Role.AGENT, "/partenaires/orientations/", ("json_build_array(c.statut",)),
        (Role.ADMIN, "/audit/", ()),
    ],
)
def test_the_lists_run_the_statements_postgresql_kept_planning_generic(
    connexion_neuve, cpas_a, make_user, client_for, role, url, fragments
):
    """The referral list's counts (with the partners of its filter), and the bell."""
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    OrientationFactory(beneficiaire=b, agent=agent, service=ServiceFactory())
    user = agent if role == Role.AGENT else make_user(role, cpas_a)
    client = client_for(user)
    for _ in range(VUES):
        assert client.get(url).status_code == 200
    plans = _plans()
    for fragment in (*fragments, "FROM cpas_isp_notification"):
        assert _plans_de(plans, fragment) == [(VUES, 0)], fragment
