"""The access log of lists, exports and forms of the person's file: one JournalAcces row per
request naming exactly the people the page showed."""

import pytest
from django.urls import reverse

from cpas_isp.models import JournalAcces, Role
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory


@pytest.fixture
def coordinateur(cpas_a, make_user):
    return make_user(Role.COORDINATEUR, cpas_a)


def dernier(user):
    return JournalAcces.objects.filter(user=user).latest("id")


def test_caseload_page_logs_the_people_of_the_page(cpas_a, cpas_b, coordinateur, client_for):
    personnes = [BeneficiaireFactory(cpas=cpas_a) for _ in range(4)]
    BeneficiaireFactory(cpas=cpas_b)
    r = client_for(coordinateur).get(reverse("beneficiaires:liste") + "?taille=25")
    shown = [b.pk for b in r.context["page"].object_list]
    assert sorted(shown) == sorted(b.pk for b in personnes)
    row = dernier(coordinateur)
    assert sorted(row.personnes) == sorted(shown)
    assert row.cpas == cpas_a and row.page.startswith("/beneficiaires/")


def test_caseload_second_page_logs_only_that_page(cpas_a, coordinateur, client_for):
    for _ in range(30):
        BeneficiaireFactory(cpas=cpas_a)
    r = client_for(coordinateur).get(reverse("beneficiaires:liste") + "?taille=25&page=2")
    shown = [b.pk for b in r.context["page"].object_list]
    assert len(shown) == 5
    assert sorted(dernier(coordinateur).personnes) == sorted(shown)


def test_search_partial_results_log_the_people_found(cpas_a, coordinateur, client_for):
    found = BeneficiaireFactory(cpas=cpas_a, nom="Vandenbroucke")
    BeneficiaireFactory(cpas=cpas_a, nom="Dupont")
    r = client_for(coordinateur).get(
        reverse("beneficiaires:liste") + "?q=Vandenbroucke", HTTP_HX_REQUEST="true"
    )
    assert "Vandenbroucke" in r.content.decode() and "Dupont" not in r.content.decode()
    assert dernier(coordinateur).personnes == [found.pk]


def test_empty_result_writes_nothing(cpas_a, coordinateur, client_for):
    BeneficiaireFactory(cpas=cpas_a, nom="Dupont")
    client_for(coordinateur).get(reverse("beneficiaires:liste") + "?q=Zzzzzzz")
    assert not JournalAcces.objects.filter(user=coordinateur).exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_caseload_export_logs_every_exported_person(cpas_a, coordinateur, client_for, fmt):
    personnes = [BeneficiaireFactory(cpas=cpas_a) for _ in range(3)]
    ferme = BeneficiaireFactory(cpas=cpas_a, date_cloture="2025-01-01")  # not in "ouverts"
    r = client_for(coordinateur).get(reverse("beneficiaires:liste") + f"?format={fmt}")
    assert r.status_code == 200
    b"".join(r.streaming_content) if r.streaming else r.content
    row = dernier(coordinateur)
    assert sorted(row.personnes) == sorted(b.pk for b in personnes)
    assert ferme.pk not in row.personnes and f"format={fmt}" in row.page


def test_right_forms_log_the_person(cpas_a, coordinateur, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    droit = DroitFactory(beneficiaire=b)
    client = client_for(coordinateur)
    for url in (
        reverse("beneficiaires:droit_ajouter", args=[b.pk]),
        reverse("beneficiaires:droit_modifier", args=[b.pk, droit.pk]),
    ):
        JournalAcces.objects.all().delete()
        assert client.get(url).status_code == 200
        assert dernier(coordinateur).personnes == [b.pk], url
