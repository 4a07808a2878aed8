"""Every partner page: access by role, anonymous visitors, query counts."""

import pytest
from django.urls import reverse

from cpas_isp.models import Role
from tests.partenaires.factories import (
    ComptePartenaireFactory,
    ConventionFactory,
    PartieCpasFactory,
    ProgrammeFactory,
    ServiceFactory,
)
from tests.partenaires.helpers import _envoyer

pytestmark = pytest.mark.django_db


# --- access matrix: every role, own CPAS --------------------------------------------------

ROLES = [Role.AGENT, Role.COORDINATEUR, Role.DIRECTEUR, Role.ADMIN, Role.PARTENAIRE]
CONSULTER = {Role.AGENT: 200, Role.COORDINATEUR: 200, Role.DIRECTEUR: 200, Role.ADMIN: 200}
SUIVRE = {Role.AGENT: 200, Role.COORDINATEUR: 200, Role.DIRECTEUR: 403, Role.ADMIN: 403}
GERER = {Role.AGENT: 403, Role.COORDINATEUR: 200, Role.DIRECTEUR: 403, Role.ADMIN: 200}
STATS = {Role.AGENT: 403, Role.COORDINATEUR: 200, Role.DIRECTEUR: 200, Role.ADMIN: 403}
PAGES = [
    ("partenaires:liste", CONSULTER),
    ("partenaires:conventions", CONSULTER),
    ("partenaires:programmes", CONSULTER),
    ("partenaires:orientations", SUIVRE),
    ("partenaires:orientation_creer", SUIVRE),
    ("partenaires:statistiques", STATS),
    ("partenaires:creer", GERER),
    ("partenaires:convention_creer", GERER),
    ("partenaires:programme_creer", GERER),
]


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client_for, make_user, cpas_a, role):
    user = make_user(role, cpas_a)
    if role == Role.PARTENAIRE:
        ComptePartenaireFactory(user=user)
    client = client_for(user)
    for name, attendu in PAGES:
        expected = attendu.get(role, 404)  # partners: 404 everywhere but their portal
        assert client.get(reverse(name)).status_code == expected, (name, role)
    portail = client.get(reverse("partenaires:portail")).status_code
    assert portail == (200 if role == Role.PARTENAIRE else 403)


def test_anonymous_is_sent_to_login(client):
    r = client.get(reverse("partenaires:portail"))
    assert r.status_code == 302 and reverse("login") in r["Location"]


# --- query counts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["partenaires:orientations", "partenaires:statistiques", "partenaires:liste"]
)
def test_list_query_count_does_not_grow(
    client_for, coordinateur, agent, cpas_a, requetes_de_la_page, url_name
):
    client = client_for(coordinateur)
    url = reverse(url_name)

    def nombre():
        return len(requetes_de_la_page(client, url))

    for _i in range(2):
        _envoyer(agent, ServiceFactory(), cpas_a)
    nombre()  # warm up (session, caches)
    avant = nombre()
    for _i in range(8):
        _envoyer(agent, ServiceFactory(), cpas_a)
    assert nombre() == avant


def test_portal_and_conventions_query_count_does_not_grow(
    client_for, partenaire_user, coordinateur, agent, service, cpas_a, requetes_de_la_page
):
    def nombre(client, url):
        return len(requetes_de_la_page(client, url))

    def ajouter(n):
        for _i in range(n):
            _envoyer(agent, service, cpas_a)
            c = ConventionFactory(cpas=cpas_a)
            PartieCpasFactory(convention=c, cpas=cpas_a)
            c.partenaires.add(service.partenaire)
            ProgrammeFactory(cpas=cpas_a)

    pages = [
        (client_for(partenaire_user), reverse("partenaires:portail")),
        (client_for(coordinateur), reverse("partenaires:conventions")),
        (client_for(coordinateur), reverse("partenaires:programmes")),
        (client_for(coordinateur), reverse("partenaires:detail", args=[service.partenaire_id])),
    ]
    ajouter(2)
    [nombre(c, u) for c, u in pages]  # warm up (session, caches)
    avant = [nombre(c, u) for c, u in pages]
    ajouter(6)
    assert [nombre(c, u) for c, u in pages] == avant
