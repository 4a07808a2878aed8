"""cpas_isp.listes.paginer with ``lignes`` (keys, then the rows shown): the same page, numbers
and total as Django's paginator, one query for the keys and the total, one for the rows."""

import pytest
from django.db import connection
from django.db.models import Value
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from beneficiaires.models import Beneficiaire
from cpas_isp.listes import paginer
from tests.beneficiaires.factories import BeneficiaireFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def personnes(cpas_a):
    for i in range(7):
        BeneficiaireFactory(cpas=cpas_a, nom=f"Nom{i}")
    return Beneficiaire.objects.filter(cpas=cpas_a).order_by("-nom", "id")


def _lignes(pks):
    return Beneficiaire.objects.filter(pk__in=pks).annotate(marque=Value("ok")).order_by("?")


def _page(qs, page, **kwargs):
    request = RequestFactory().get("/", {"page": page} if page is not None else {})
    return paginer(request, qs, taille=3, **kwargs)


@pytest.mark.parametrize(
    "numero",
    [None, "1", "2", "3", "4", "999", "0", "-1", "abc", "2.0", "10000000000000000000", "9" * 40],
)
def test_same_page_as_without_lignes(personnes, numero):
    attendu = _page(personnes, numero)
    page = _page(personnes, numero, lignes=_lignes)
    assert page.number == attendu.number and page.paginator.count == 7
    assert page.paginator.num_pages == 3 and page.has_next() == attendu.has_next()
    assert [b.pk for b in page.object_list] == [b.pk for b in attendu.object_list]
    assert {b.marque for b in page.object_list} == {"ok"}


def test_keys_and_total_in_one_query_then_the_rows(personnes):
    with CaptureQueriesContext(connection) as requetes:
        page = _page(personnes, "2", lignes=_lignes)
    assert len(requetes) == 2 and "COUNT(*) OVER ()" in requetes[0]["sql"]
    assert page.paginator.count == 7 and len(page.object_list) == 3
    with CaptureQueriesContext(connection) as requetes:  # past the end: a COUNT, as before
        page = _page(personnes, "9", lignes=_lignes)
    assert len(requetes) == 4 and page.number == 3 and len(page.object_list) == 1


def test_an_empty_list_costs_one_query(cpas_a):
    with CaptureQueriesContext(connection) as requetes:
        page = _page(Beneficiaire.objects.filter(cpas=cpas_a).order_by("id"), None, lignes=_lignes)
    assert len(requetes) == 1 and page.paginator.count == 0 and list(page.object_list) == []


def test_a_distinct_list_is_counted_apart(personnes):
    qs = personnes.distinct()
    page = _page(qs, "1", lignes=_lignes)
    assert page.paginator.count == 7 and len(page.object_list) == 3


def test_an_ordering_by_a_constant_annotation(personnes):
    """A search's relevance can be a constant (a NISS match): ordered by position, not as an
    expression (PostgreSQL refuses ORDER BY 1.0)."""
    qs = personnes.annotate(pertinence=Value(1.0)).order_by("-pertinence", "nom", "id")
    page = _page(qs, "1", lignes=_lignes)
    assert [b.nom for b in page.object_list] == ["Nom0", "Nom1", "Nom2"]
