"""Marking an action done goes back only to a page of this site."""

import datetime

import pytest

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import EtapeFactory, PassageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def etape(cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    PassageFactory(beneficiaire=b, phase="emploi", debut=datetime.date(2024, 1, 1))
    etape = EtapeFactory(
        beneficiaire=b,
        auteur=agent,
        prochaine_action="Relancer",
        echeance=datetime.date(2025, 1, 1),
    )
    return agent, etape


@pytest.mark.parametrize(
    "next_", ["https://evil.example/", "//evil.example/x", "https:/\\evil.example", "javascript:x"]
)
def test_action_done_never_redirects_to_another_site(etape, client_for, next_):
    agent, etape = etape
    response = client_for(agent).post(f"/trajets/etape/{etape.pk}/fait/", {"next": next_})
    assert response.status_code == 302
    assert response["Location"] == "/trajets/echeances/"
    etape.refresh_from_db()
    assert etape.action_faite_le is not None


def test_action_done_goes_back_to_the_page_it_came_from(etape, client_for):
    agent, etape = etape
    retour = f"/trajets/personne/{etape.beneficiaire_id}/journal/"
    response = client_for(agent).post(f"/trajets/etape/{etape.pk}/fait/", {"next": retour})
    assert response["Location"] == retour
