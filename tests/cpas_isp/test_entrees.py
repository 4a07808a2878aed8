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


def test_a_key_of_thousands_of_digits_in_a_filter_or_a_field_is_refused_or_ignored(
    cpas_a, make_user, client_for
):
    """Python refuses to read a number of more than 4,300 digits (ValueError): a key typed in
    a query string or a posted field is read by ``listes.cle_demandee`` (None past a bigint)."""
    from cpas_isp.models import Role
    from rendezvous.queries import agenda_de
    from tests.beneficiaires.factories import BeneficiaireFactory

    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    client = client_for(agent)
    enorme, hors_bigint = "9" * 5000, str(2**63)
    for valeur in (enorme, hors_bigint):
        # The caseload's referent filter: refused with the select's message, the list shown.
        response = client.get(reverse("beneficiaires:liste"), {"referent": valeur})
        assert response.status_code == 200
        assert "Référent : Choisissez un référent de la liste." in response.content.decode()
        # Another agenda asked for: the user's own.
        response = client.get(reverse("rendezvous:mon_agenda"), {"agenda": valeur})
        agenda = agenda_de(agent, cpas_a.pk)
        assert response.status_code == 302
        assert response["Location"] == reverse("rendezvous:semaine", args=[agenda.pk])
        # A place suggested to a new appointment, an object a document is added to: ignored.
        url = reverse("rendezvous:creer_dans_agenda", args=[agenda.pk])
        assert client.get(url, {"lieu": valeur}).status_code == 200
        url = reverse("documents:ajouter", args=[b.pk])
        assert client.get(url, {"etape": valeur, "piis": valeur}).status_code == 200
        # An availability removed from the agenda: no such row.
        url = reverse("rendezvous:supprimer_reglage", args=[agenda.pk])
        assert client.post(url, {"quoi": "absence", "pk": valeur}).status_code == 404


def test_a_filter_s_error_reads_as_its_language_writes_it(cpas_a, make_user, client_for):
    """The caseload's filter errors: "Référent : …" in French, "Referent: …" in Dutch."""
    from cpas_isp.models import Role

    client = client_for(make_user(Role.AGENT, cpas_a))
    client.cookies["django_language"] = "nl"
    html = client.get(reverse("beneficiaires:liste"), {"referent": "x"}).content.decode()
    assert "Referent: Kies een referent uit de lijst." in html
