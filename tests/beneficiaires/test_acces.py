"""Who opens the caseload and a person's file: role, CPAS, referent, cellule; access log."""

import pytest
from django.urls import reverse

from cpas_isp.models import JournalAcces, Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.beneficiaires.helpers import LISTE, detail_url

pytestmark = pytest.mark.django_db


# --- Access by role and CPAS --------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        (Role.AGENT, 200),
        (Role.COORDINATEUR, 200),
        (Role.DIRECTEUR, 403),
        (Role.PARTENAIRE, 404),  # partner users: 404 outside their portal
        (Role.ADMIN, 403),
    ],
)
def test_list_access_by_role(role, status, make_user, cpas_a, client_for):
    assert client_for(make_user(role, cpas_a)).get(LISTE).status_code == status


def test_anonymous_is_sent_to_login(client):
    response = client.get(LISTE)
    assert response.status_code == 302 and "/connexion/" in response.url


@pytest.mark.parametrize(
    "role,status",
    [
        (Role.COORDINATEUR, 200),
        (Role.DIRECTEUR, 403),
        (Role.PARTENAIRE, 404),  # partner users: 404 outside their portal
        (Role.ADMIN, 403),
    ],
)
def test_detail_access_by_role(role, status, make_user, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    assert client_for(make_user(role, cpas_a)).get(detail_url(b)).status_code == status


def test_person_of_another_cpas_answers_404(make_user, cpas_a, cpas_b, client_for):
    b = BeneficiaireFactory(cpas=cpas_b)
    client = client_for(make_user(Role.COORDINATEUR, cpas_a))
    for name in ("detail", "modifier", "droit_ajouter", "frein_ajouter", "bilan_modifier"):
        assert client.get(reverse(f"beneficiaires:{name}", args=[b.pk])).status_code == 404
    assert client.get(reverse("beneficiaires:donnees_personnelles", args=[b.pk])).status_code == 404


def test_agent_opens_only_the_people_they_refer(agent, cpas_a, client_for):
    mien = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    autre = BeneficiaireFactory(cpas=cpas_a)
    client = client_for(agent)
    assert client.get(detail_url(mien)).status_code == 200
    assert client.get(detail_url(autre)).status_code == 404
    body = client.get(LISTE).content.decode()
    assert mien.nom.upper() in body and autre.niss_affiche not in body


def test_agent_also_sees_the_people_of_their_cellule(agent, cpas_a, client_for, cellule_hook):
    dans_cellule = BeneficiaireFactory(cpas=cpas_a, commune="emploi")
    ailleurs = BeneficiaireFactory(cpas=cpas_a, commune="alpha")
    client = client_for(agent)
    assert client.get(detail_url(dans_cellule)).status_code == 200
    assert client.get(detail_url(ailleurs)).status_code == 404
    body = client.get(LISTE).content.decode()
    assert dans_cellule.niss_affiche in body and ailleurs.niss_affiche not in body


def test_coordinator_sees_all_files_of_the_cpas_only(coord, cpas_a, cpas_b, client_for):
    a = BeneficiaireFactory(cpas=cpas_a)
    b = BeneficiaireFactory(cpas=cpas_b)
    body = client_for(coord).get(LISTE).content.decode()
    assert a.niss_affiche in body and b.niss_affiche not in body


def test_viewing_a_file_is_logged(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    client_for(coord).get(detail_url(b))
    log = JournalAcces.objects.get()
    assert (log.user, log.object_id, log.cpas) == (coord, b.pk, cpas_a)


def test_a_person_key_past_the_database_s_range_answers_404(make_user, cpas_a, client_for):
    """A key of 30 digits (no bigint holds it) in the person page's address: 404 as for any
    key nobody has, never an error page (the compiled query's parameter would be refused)."""
    client = client_for(make_user(Role.AGENT, cpas_a, cellule="emploi"))
    for suite in ("", "orientations/", "parcours/", "modifier/"):
        assert client.get(f"/beneficiaires/{'9' * 30}/{suite}").status_code == 404, suite
