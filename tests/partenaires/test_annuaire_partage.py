"""The shared directory: readable by every CPAS, edited by the CPAS that manages each record
(the others suggest); a programme shared by several CPAS keeps each CPAS's feedback text."""

import datetime
import importlib

import pghistory
import pytest
from django.apps import apps
from django.urls import reverse

from cpas_isp.models import Role
from partenaires.models import AvisParticipant, Partenaire, SuggestionPartenaire, TypePartenaire
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import (
    PartenaireFactory,
    ParticipationFactory,
    ProgrammeFactory,
    ServiceFactory,
    ref,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coord_a(make_user, cpas_a):
    return make_user(Role.COORDINATEUR, cpas_a)


@pytest.fixture
def coord_b(make_user, cpas_b):
    return make_user(Role.COORDINATEUR, cpas_b)


@pytest.fixture
def partenaire_a(cpas_a):
    partenaire = PartenaireFactory(nom="CISP Le Trusquin", gere_par=cpas_a, cree_par_cpas=cpas_a)
    ServiceFactory(partenaire=partenaire)
    return partenaire


def _donnees(partenaire, **changes):
    return {
        "nom": partenaire.nom,
        "type": partenaire.type_id,
        "commune": partenaire.commune,
        "actif": "on",
        **changes,
    }


def test_a_partner_created_by_a_cpas_is_managed_by_it(client_for, coord_a, cpas_a):
    response = client_for(coord_a).post(
        reverse("partenaires:creer"),
        {"nom": "MIRE Namur", "type": ref(TypePartenaire, "mire").pk, "actif": "on"},
    )
    assert response.status_code == 302
    assert Partenaire.objects.get(nom="MIRE Namur").gere_par == cpas_a


def test_another_cpas_cannot_edit_a_partner_it_does_not_manage(client_for, coord_b, partenaire_a):
    client = client_for(coord_b)
    service = partenaire_a.services.get()
    for url in (
        reverse("partenaires:modifier", args=[partenaire_a.pk]),
        reverse("partenaires:service_creer", args=[partenaire_a.pk]),
        reverse("partenaires:service_modifier", args=[partenaire_a.pk, service.pk]),
        reverse("partenaires:contact_creer", args=[partenaire_a.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("partenaires:modifier", args=[partenaire_a.pk]),
        _donnees(partenaire_a, nom="Renommé par B"),
    )
    assert response.status_code == 404
    partenaire_a.refresh_from_db()
    assert partenaire_a.nom == "CISP Le Trusquin"
    detail = client.get(reverse("partenaires:detail", args=[partenaire_a.pk]))
    assert detail.status_code == 200
    assert reverse("partenaires:modifier", args=[partenaire_a.pk]) not in detail.content.decode()


def test_the_managing_cpas_edits_its_partner(client_for, coord_a, partenaire_a):
    client = client_for(coord_a)
    detail = client.get(reverse("partenaires:detail", args=[partenaire_a.pk])).content.decode()
    assert reverse("partenaires:modifier", args=[partenaire_a.pk]) in detail
    response = client.post(
        reverse("partenaires:modifier", args=[partenaire_a.pk]),
        _donnees(partenaire_a, nom="CISP Le Trusquin asbl"),
    )
    assert response.status_code == 302
    partenaire_a.refresh_from_db()
    assert partenaire_a.nom == "CISP Le Trusquin asbl"


def test_a_partner_managed_by_nobody_is_not_edited_by_any_cpas(client_for, coord_a):
    orphelin = PartenaireFactory(gere_par=None)
    url = reverse("partenaires:modifier", args=[orphelin.pk])
    assert client_for(coord_a).get(url).status_code == 404


def test_another_cpas_suggests_and_the_managing_coordinators_read_it(
    client_for, coord_a, coord_b, make_user, cpas_a, cpas_b, partenaire_a
):
    client_b = client_for(coord_b)
    response = client_b.post(
        reverse("partenaires:suggestion_creer", args=[partenaire_a.pk]),
        {"texte": "Nouveau numéro : 081 00 00 00"},
    )
    assert response.status_code == 302
    suggestion = SuggestionPartenaire.objects.get()
    assert (suggestion.cpas, suggestion.auteur) == (cpas_b, coord_b)
    url = reverse("partenaires:detail", args=[partenaire_a.pk])
    assert "081 00 00 00" in client_for(coord_a).get(url).content.decode()
    # Not shown to the suggesting CPAS's other users, nor to an agent of the managing CPAS.
    assert "081 00 00 00" not in client_for(make_user(Role.AGENT, cpas_a)).get(url).content.decode()
    assert "081 00 00 00" not in client_for(make_user(Role.AGENT, cpas_b)).get(url).content.decode()
    # Only the managing CPAS marks it handled.
    traitee = reverse("partenaires:suggestion_traitee", args=[partenaire_a.pk, suggestion.pk])
    assert client_b.post(traitee).status_code == 404
    assert client_for(coord_a).post(traitee).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.traitee


def test_an_empty_suggestion_is_refused_with_a_message(client_for, coord_b, partenaire_a):
    response = client_for(coord_b).post(
        reverse("partenaires:suggestion_creer", args=[partenaire_a.pk]),
        {"texte": "   "},
        follow=True,
    )
    assert response.status_code == 200
    assert "La suggestion est vide." in response.content.decode()
    assert not SuggestionPartenaire.objects.exists()


def test_programme_feedback_text_stays_with_each_cpas(client_for, coord_a, coord_b, cpas_a, cpas_b):
    programme = ProgrammeFactory(cpas=cpas_a)
    programme.cpas_participants.add(cpas_b)
    jour = datetime.date(2026, 3, 1)
    de_a = ParticipationFactory(programme=programme)
    de_b = ParticipationFactory(
        programme=programme, beneficiaire=BeneficiaireFactory(cpas=cpas_b), cpas=cpas_b
    )
    AvisParticipant.objects.create(
        cpas=cpas_a, participation=de_a, date=jour, score=5, commentaire="Texte venant de A"
    )
    AvisParticipant.objects.create(
        cpas=cpas_b, participation=de_b, date=jour, score=2, commentaire="Texte venant de B"
    )
    url = reverse("partenaires:programme_detail", args=[programme.pk])
    for coord, visible, cache in ((coord_a, "A", "B"), (coord_b, "B", "A")):
        response = client_for(coord).get(url)
        html = response.content.decode()
        assert f"Texte venant de {visible}" in html
        assert f"Texte venant de {cache}" not in html
        # The figures stay shared.
        assert response.context["nb_avis"] == 2
        assert response.context["moyenne_avis"] == 3.5


def test_existing_partners_get_the_cpas_that_created_them(cpas_a, cpas_b):
    migration = importlib.import_module("partenaires.migrations.0007_partenaire_gere_par_donnees")
    encode = PartenaireFactory(cree_par_cpas=cpas_a)
    inconnu = PartenaireFactory()  # created by a script without a CPAS
    with pghistory.context(cpas=cpas_b.pk, user=None):
        par_historique = PartenaireFactory()
    Partenaire.objects.update(gere_par=None)
    migration.attribuer_gestion(apps, None)
    gestion = dict(Partenaire.objects.values_list("pk", "gere_par"))
    assert gestion[encode.pk] == cpas_a.pk
    assert gestion[par_historique.pk] == cpas_b.pk
    assert gestion[inconnu.pk] is None
