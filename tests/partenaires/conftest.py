"""Fixtures shared by the partner test modules: a partner's service and the people who use it."""

import pytest

from cpas_isp.models import Role
from tests.partenaires.factories import ComptePartenaireFactory, PartenaireFactory, ServiceFactory


@pytest.fixture
def service():
    return ServiceFactory(partenaire=PartenaireFactory(nom="CISP Le Trusquin"))


@pytest.fixture
def agent(make_user, cpas_a):
    return make_user(Role.AGENT, cpas_a)


@pytest.fixture
def coordinateur(make_user, cpas_a):
    return make_user(Role.COORDINATEUR, cpas_a)


@pytest.fixture
def partenaire_user(make_user, cpas_a, service):
    user = make_user(Role.PARTENAIRE, cpas_a)
    ComptePartenaireFactory(user=user, partenaire=service.partenaire)
    return user
