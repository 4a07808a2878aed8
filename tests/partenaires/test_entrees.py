"""Bad input on the referral status endpoints gets a message, never an HTTP 500."""

import datetime

import pytest
from django.urls import reverse

from cpas_isp.models import Role
from partenaires.models import Orientation, StatutOrientation
from partenaires.services import TransitionInvalide, creer_orientation, transition
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import ComptePartenaireFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def envoyee(make_user, cpas_a):
    service = ServiceFactory()
    agent = make_user(Role.AGENT, cpas_a)
    partenaire = make_user(Role.PARTENAIRE, cpas_a)
    ComptePartenaireFactory(user=partenaire, partenaire=service.partenaire)
    orientation = creer_orientation(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent),
        service=service,
        agent=agent,
        date_orientation=datetime.date.today(),
        motif="Formation qualifiante",
        envoyer=True,
    )
    return orientation, agent, partenaire


@pytest.mark.parametrize("vers", ["inconnu", "x" * 10_000, "acceptee\x00", "🙂"])
@pytest.mark.parametrize("endpoint", ["orientation_transition", "portail_transition"])
def test_unknown_status_is_refused_with_a_message(envoyee, client_for, vers, endpoint):
    orientation, agent, partenaire = envoyee
    user = partenaire if endpoint == "portail_transition" else agent
    url = reverse(f"partenaires:{endpoint}", args=[orientation.pk])
    response = client_for(user).post(url, {"vers": vers}, follow=True)
    assert response.status_code == 200
    assert "Statut demandé inconnu." in response.content.decode()
    assert Orientation.objects.get(pk=orientation.pk).statut == StatutOrientation.ENVOYEE


def test_the_service_refuses_an_unknown_status(envoyee):
    orientation, agent, _partenaire = envoyee
    with pytest.raises(TransitionInvalide) as exc:
        transition(orientation, "inconnu", par=agent)
    assert exc.value.messages == ["Statut demandé inconnu."]
