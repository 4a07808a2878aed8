"""Odd input on the core pages gets a message, never an HTTP 500."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_very_long_user_name_is_a_form_error(client):
    response = client.post(reverse("login"), {"username": "x" * 10_000, "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].has_error("username", "max_length")


def test_a_digit_that_is_not_a_number_in_a_filter_is_ignored(cpas_a, make_user, client_for):
    """ "²" passes str.isdigit() but int() refuses it: filters check isdecimal()."""
    from cpas_isp.models import Role
    from tests.beneficiaires.factories import BeneficiaireFactory

    coord = make_user(Role.COORDINATEUR, cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a)
    client = client_for(coord)
    for url, params in [
        (reverse("beneficiaires:liste"), {"referent": "²", "frein": "²", "cellule": "²"}),
        (reverse("partenaires:orientations"), {"partenaire": "²"}),
        (reverse("partenaires:orientation_creer"), {"beneficiaire": "²", "service": "²"}),
        (reverse("trajets:journal", args=[b.pk]), {"type": "²"}),
    ]:
        assert client.get(url, params).status_code == 200, url
