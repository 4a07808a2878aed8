"""Every page of the trajectory: each role, own CPAS and another CPAS."""

import datetime

import pytest

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import ContratFactory, EtapeFactory, PassageFactory, PiisFactory
from trajets.models import EvaluationPiis

D = datetime.date


@pytest.fixture
def donnees(cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    passage = PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    etape = EtapeFactory(beneficiaire=b, auteur=agent)
    piis = PiisFactory(beneficiaire=b, agent=agent)
    contrat = ContratFactory(beneficiaire=b, debut=D(2023, 1, 1), fin_prevue=D(2023, 6, 30))
    evaluation = EvaluationPiis.objects.create(cpas=cpas_a, piis=piis, date_prevue=D(2025, 3, 1))
    return {
        "evaluation": evaluation,
        "agent": agent,
        "b": b,
        "passage": passage,
        "etape": etape,
        "piis": piis,
        "contrat": contrat,
    }


def pages(d):
    b = d["b"].pk
    return [
        f"/trajets/personne/{b}/etape/",
        f"/trajets/personne/{b}/journal/",
        f"/trajets/personne/{b}/orienter/",
        f"/trajets/personne/{b}/piis/nouveau/",
        f"/trajets/personne/{b}/article60/",
        f"/trajets/passage/{d['passage'].pk}/modifier/",
        f"/trajets/etape/{d['etape'].pk}/modifier/",
        f"/trajets/piis/{d['piis'].pk}/",
        f"/trajets/piis/{d['piis'].pk}/modifier/",
        f"/trajets/article60/{d['contrat'].pk}/",
        f"/trajets/evaluation/{d['evaluation'].pk}/",
    ]


def test_referent_agent_and_coordinator_open_every_page(donnees, cpas_a, make_user, client_for):
    for user in (donnees["agent"], make_user(Role.COORDINATEUR, cpas_a)):
        client = client_for(user)
        for url in pages(donnees):
            assert client.get(url).status_code == 200, url
        assert client.get("/trajets/files/emploi/").status_code == 200
        assert client.get("/trajets/echeances/").status_code == 200


@pytest.mark.parametrize(
    "role, status",
    # Partner users get 404 on every page outside their portal (core rule).
    [(Role.DIRECTEUR, 403), (Role.ADMIN, 403), (Role.PARTENAIRE, 404)],
)
def test_other_roles_are_refused(donnees, cpas_a, make_user, client_for, role, status):
    client = client_for(make_user(role, cpas_a))
    for url in [*pages(donnees), "/trajets/files/emploi/", "/trajets/echeances/"]:
        assert client.get(url).status_code == status, url


def test_another_cpas_answers_404(donnees, cpas_b, make_user, client_for):
    client = client_for(make_user(Role.COORDINATEUR, cpas_b))
    for url in pages(donnees):
        assert client.get(url).status_code == 404, url


def test_agent_outside_caseload_and_cellule_is_refused(donnees, cpas_a, make_user, client_for):
    client = client_for(make_user(Role.AGENT, cpas_a, cellule="alpha"))
    for url in pages(donnees):
        assert client.get(url).status_code == 404, url
    assert client.get("/trajets/files/emploi/").status_code == 404
    assert client.get("/trajets/files/alpha/").status_code == 200


def test_access_to_a_file_is_logged(donnees, client_for):
    from cpas_isp.models import JournalAcces

    client_for(donnees["agent"]).get(f"/trajets/personne/{donnees['b'].pk}/journal/")
    assert JournalAcces.objects.filter(object_id=donnees["b"].pk).exists()


def test_person_page_shows_the_trajectory_sections_and_caseload_column(donnees, client_for):
    """The trajectory's sections and actions on the person page's tab "Dossier", its timeline
    on the tab "Parcours"."""
    client = client_for(donnees["agent"])
    html = client.get(f"/beneficiaires/{donnees['b'].pk}/").content.decode()
    for fragment in ('id="trajet"', 'id="piis"', 'id="article60"', "Orienter vers"):
        assert fragment in html
    parcours = client.get(f"/beneficiaires/{donnees['b'].pk}/parcours/").content.decode()
    assert 'id="parcours"' in parcours and "Orienter vers" in parcours  # the header's actions
    liste = client.get("/beneficiaires/").content.decode()
    assert "+ étape" in liste and "Emploi" in liste


def test_agent_without_cellule_gets_an_explanation_instead_of_queues(cpas_a, make_user, client_for):
    html = client_for(make_user(Role.AGENT, cpas_a)).get("/trajets/files/").content.decode()
    assert "aucune cellule" in html
