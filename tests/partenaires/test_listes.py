"""The partners app's lists (sort, filters, junk parameters) and the messages the database
constraints give in its forms."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cpas_isp.models import Role
from partenaires.models import ServicePartenaire, Thematique
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import (
    ConventionFactory,
    PartenaireFactory,
    ParticipationFactory,
    PartieCpasFactory,
    ProgrammeFactory,
    ServiceFactory,
    ref,
)

pytestmark = pytest.mark.django_db


def test_directory_sorts_by_a_column_and_ignores_an_unknown_one(client_for, coordinateur):
    a = PartenaireFactory(nom="Actiris", commune="Bruxelles")
    z = PartenaireFactory(nom="Zénobie", commune="Anderlecht")
    client = client_for(coordinateur)
    url = reverse("partenaires:liste")
    assert list(client.get(url, {"tri": "-nom"}).context["page"]) == [z, a]
    assert list(client.get(url, {"tri": "commune"}).context["page"]) == [z, a]
    r = client.get(url, {"tri": "mot_de_passe", "page": "x"})
    assert r.status_code == 200 and list(r.context["page"]) == [a, z]


@pytest.mark.parametrize(
    "nom, params",
    [
        ("partenaires:liste", {"type": "inconnu", "q": "\x00", "inactifs": "zz"}),
        ("partenaires:orientations", {"statut": "x", "partenaire": "-1", "mes": "2", "tri": "1"}),
        ("partenaires:orientations", {"partenaire": "99999999999999999999"}),
        ("partenaires:orientation_creer", {"beneficiaire": "abc", "service": "1e9"}),
        ("partenaires:statistiques", {"du": "2026-13-45", "au": "hier"}),
        ("partenaires:conventions", {"filtre": "tout", "tri": "-budget", "page": "-3"}),
        ("partenaires:programmes", {"tri": "-titre", "page": "999"}),
    ],
)
def test_lists_answer_junk_parameters_without_error(client_for, coordinateur, nom, params):
    assert client_for(coordinateur).get(reverse(nom), params).status_code == 200


def test_a_referral_for_a_person_out_of_reach_is_not_found(client_for, coordinateur):
    url = reverse("partenaires:orientation_creer")
    r = client_for(coordinateur).get(url, {"beneficiaire": "99999999999999999999"})
    assert r.status_code == 404


def test_an_invalid_date_in_the_statistics_is_said(client_for, coordinateur):
    r = client_for(coordinateur).get(reverse("partenaires:statistiques"), {"du": "2026-13-45"})
    assert "Date invalide." in r.content.decode()


def test_conventions_filter_running_ones(client_for, coordinateur, cpas_a):
    aujourd_hui = timezone.localdate()
    finie = ConventionFactory(
        cpas=cpas_a, debut=datetime.date(2020, 1, 1), fin=datetime.date(2020, 12, 31)
    )
    en_cours = ConventionFactory(
        cpas=cpas_a,
        debut=aujourd_hui - datetime.timedelta(days=10),
        fin=aujourd_hui + datetime.timedelta(days=400),
    )
    for c in (finie, en_cours):
        PartieCpasFactory(convention=c, cpas=cpas_a)
    client = client_for(coordinateur)
    url = reverse("partenaires:conventions")
    assert list(client.get(url, {"filtre": "en_cours"}).context["page"]) == [en_cours]
    assert list(client.get(url, {"tri": "-fin"}).context["page"]) == [en_cours, finie]


def test_a_service_name_already_used_gets_the_constraint_message(client_for, coordinateur, cpas_a):
    partenaire = PartenaireFactory(gere_par=cpas_a)
    ServiceFactory(partenaire=partenaire, nom="Alphabétisation")
    r = client_for(coordinateur).post(
        reverse("partenaires:service_creer", args=[partenaire.pk]),
        {
            "nom": "Alphabétisation",
            "thematique": ref(Thematique, "alphabetisation").pk,
            "actif": "on",
        },
    )
    assert r.status_code == 200
    assert "Ce partenaire a déjà un service de ce nom." in r.content.decode()
    assert ServicePartenaire.objects.filter(partenaire=partenaire).count() == 1


def test_a_person_already_in_the_cohort_gets_the_constraint_message(client_for, make_user, cpas_a):
    agent = make_user(Role.AGENT, cpas_a)
    programme = ProgrammeFactory(cpas=cpas_a)
    personne = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    ParticipationFactory(programme=programme, beneficiaire=personne)
    r = client_for(agent).post(
        reverse("partenaires:participation_creer", args=[programme.pk]),
        {"beneficiaire": personne.pk, "statut": "inscrit", "date_inscription": "2026-02-01"},
    )
    assert r.status_code == 200
    assert "Cette personne fait déjà partie de la cohorte." in r.content.decode()


def test_a_convention_ending_before_it_starts_gets_the_constraint_message(
    client_for, coordinateur, cpas_a
):
    r = client_for(coordinateur).post(
        reverse("partenaires:convention_creer"),
        {
            "titre": "À l'envers",
            "debut": "2026-12-31",
            "fin": "2026-01-01",
            "budget_total": "1000",
            "regle_repartition": "parts_egales",
            "part_minerval_cpas": "50",
            "parties-TOTAL_FORMS": "0",
            "parties-INITIAL_FORMS": "0",
            "financements-TOTAL_FORMS": "0",
            "financements-INITIAL_FORMS": "0",
        },
    )
    assert r.status_code == 200
    assert "La fin ne peut pas précéder le début." in r.content.decode()
