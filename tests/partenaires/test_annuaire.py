"""The partner directory: filters and who creates partners."""

import pytest
from django.urls import reverse

from partenaires.models import Thematique, TypePartenaire
from tests.partenaires.factories import PartenaireFactory, ServiceFactory, ref

pytestmark = pytest.mark.django_db


def test_partner_directory_filters(client_for, agent):
    a = PartenaireFactory(nom="Lire et Écrire Namur", commune="Namur")

    ServiceFactory(partenaire=a, thematique=ref(Thematique, "alphabetisation"))
    b = PartenaireFactory(nom="Forem Ciney", commune="Ciney", type=ref(TypePartenaire, "forem"))
    client = client_for(agent)
    url = reverse("partenaires:liste")
    assert list(client.get(url, {"q": "ecrire"}).context["page"].object_list) == [a]
    assert list(client.get(url, {"type": "forem"}).context["page"].object_list) == [b]
    assert list(client.get(url, {"thematique": "alphabetisation"}).context["page"].object_list) == [
        a
    ]
    assert list(client.get(url, {"commune": "ciney"}).context["page"].object_list) == [b]


def test_only_managers_create_partners(client_for, agent, coordinateur):
    url = reverse("partenaires:creer")
    assert client_for(agent).get(url).status_code == 403

    r = client_for(coordinateur).post(
        url,
        {
            "nom": "MIRE Bruxelles",
            "type": ref(TypePartenaire, "mire").pk,
            "actif": "on",
        },
    )
    assert r.status_code == 302
