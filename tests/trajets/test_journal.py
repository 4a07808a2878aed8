import datetime
import json

import pytest
from django.utils import timezone

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import EtapeFactory, PassageFactory
from trajets import queries, services
from trajets.models import Etape, TypeEtape

D = datetime.date


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


@pytest.fixture
def personne(cpas_a, agent):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    return b


def htmx(client, method, url, data=None):
    return getattr(client, method)(url, data or {}, HTTP_HX_REQUEST="true")


def test_quick_form_defaults_to_today_the_cpas_default_type_and_the_last_mode(
    agent, personne, client_for
):
    client = client_for(agent)
    url = f"/trajets/personne/{personne.pk}/etape/?dans=ligne"
    response = htmx(client, "get", url)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in html
    assert "<tr" in html  # opens as a row under the person in the list
    coaching = TypeEtape.objects.get(code="job_coaching")
    entretien = TypeEtape.objects.get(code="entretien_individuel")
    EtapeFactory(beneficiaire=personne, auteur=agent, type=coaching, mode="telephone")
    html = htmx(client, "get", url).content.decode()
    # The type is the CPAS's neutral default, not the agent's last one; the mode is remembered.
    assert f'<option value="{entretien.pk}" selected>' in html
    assert f'<option value="{coaching.pk}" selected>' not in html
    assert '<option value="telephone" selected>' in html


def test_saving_a_step_links_it_to_the_running_stay_and_triggers_the_refresh(
    agent, personne, client_for
):
    client = client_for(agent)
    type_ = TypeEtape.objects.get(code="candidature")
    response = htmx(
        client,
        "post",
        f"/trajets/personne/{personne.pk}/etape/",
        {
            "dans": "ligne",
            "date": "2025-02-03",
            "type": type_.pk,
            "mode": "presentiel",
            "note": "CV envoyé chez Colruyt",
            "prochaine_action": "Relancer",
            "echeance": "2025-02-10",
        },
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"etapeEnregistree": {"beneficiaire": personne.pk}}
    etape = Etape.objects.get(beneficiaire=personne)
    assert etape.passage.phase == "emploi"
    assert etape.auteur == agent
    assert "Étape notée" in response.content.decode()


def test_a_step_saved_from_the_person_page_tells_the_timeline_to_refresh(
    agent, personne, client_for
):
    """The timeline (the person page's tab "Parcours") refreshes itself on "etapeEnregistree",
    with its filters."""
    client = client_for(agent)
    type_ = TypeEtape.objects.get(code="entretien_individuel")
    response = htmx(
        client,
        "post",
        f"/trajets/personne/{personne.pk}/etape/",
        {
            "dans": "fiche",
            "parcours": "1",
            "date": "2025-02-03",
            "type": type_.pk,
            "mode": "presentiel",
        },
    )
    assert "etapeEnregistree" in response["HX-Trigger"]
    parcours = f"/beneficiaires/{personne.pk}/parcours/"
    page = client.get(parcours).content.decode()
    assert 'hx-trigger="etapeEnregistree from:body"' in page
    assert f'<div id="parcours-liste" hx-get="{parcours}"' in page  # the list asks its tab
    liste = htmx(client, "get", parcours, {"fragment": "parcours"})
    assert "Entretien individuel" in liste.content.decode()


def test_invalid_step_shows_errors_in_place_and_saves_nothing(agent, personne, client_for):
    client = client_for(agent)
    demain = timezone.localdate() + datetime.timedelta(days=1)
    response = htmx(
        client,
        "post",
        f"/trajets/personne/{personne.pk}/etape/",
        {
            "dans": "ligne",
            "date": demain.isoformat(),
            "type": TypeEtape.objects.first().pk,
            "mode": "presentiel",
            "echeance": "2030-01-01",
        },
    )
    html = response.content.decode()
    assert "quand elle a eu lieu" in html
    assert "Décrivez la prochaine action" in html
    assert not Etape.objects.exists()


def test_confidential_note_is_hidden_from_other_agents_but_shown_to_author_and_coordinator(
    cpas_a, agent, personne, make_user, client_for
):
    EtapeFactory(
        beneficiaire=personne,
        auteur=agent,
        note="Note partagée",
        note_confidentielle="Secret du travailleur",
    )
    collegue = make_user(Role.AGENT, cpas_a, cellule="emploi")  # same cellule: may see the file
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    url = f"/trajets/personne/{personne.pk}/journal/"
    assert "Secret du travailleur" in client_for(agent).get(url).content.decode()
    assert "Secret du travailleur" in client_for(coordinateur).get(url).content.decode()
    html = client_for(collegue).get(url).content.decode()
    assert "Note partagée" in html
    assert "Secret du travailleur" not in html
    assert "Note confidentielle (visible par son auteur" in html
    # Nor does it leak through the person page's timeline (its tab "Parcours").
    page = client_for(collegue).get(f"/beneficiaires/{personne.pk}/parcours/").content.decode()
    assert "Note partagée" in page and "Secret du travailleur" not in page


def test_collective_session_logs_one_step_per_participant(cpas_a, agent, client_for):
    personnes = [BeneficiaireFactory(cpas=cpas_a, referent=agent) for _ in range(3)]
    for b in personnes:
        PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    response = client_for(agent).post(
        "/trajets/files/emploi/seance-collective/",
        {
            "date": "2025-03-04",
            "type": TypeEtape.objects.get(code="job_day").pk,
            "mode": "presentiel",
            "duree": 120,
            "participants": [personnes[0].pk, personnes[2].pk],
        },
    )
    assert response.status_code == 302
    etapes = list(Etape.objects.all())
    assert {e.beneficiaire_id for e in etapes} == {personnes[0].pk, personnes[2].pk}
    assert len({e.groupe for e in etapes}) == 1 and etapes[0].groupe is not None
    assert all(e.passage is not None for e in etapes)


def test_mes_echeances_lists_overdue_first(cpas_a, agent, personne, client_for):
    today = timezone.localdate()
    EtapeFactory(
        beneficiaire=personne,
        auteur=agent,
        prochaine_action="Appeler le patron",
        echeance=today + datetime.timedelta(days=3),
    )
    EtapeFactory(
        beneficiaire=personne,
        auteur=agent,
        prochaine_action="Envoyer le CV",
        echeance=today - datetime.timedelta(days=5),
    )
    fait = EtapeFactory(
        beneficiaire=personne,
        auteur=agent,
        prochaine_action="Déjà fait",
        echeance=today - datetime.timedelta(days=9),
    )
    services.marquer_action_faite(fait)
    items = queries.mes_echeances(agent)
    assert [i.libelle for i in items] == ["Envoyer le CV", "Appeler le patron"]
    html = client_for(agent).get("/trajets/echeances/").content.decode()
    assert html.index("Envoyer le CV") < html.index("Appeler le patron")
    assert "Déjà fait" not in html


def test_marking_an_action_done_from_the_deadlines(agent, personne, client_for):
    etape = EtapeFactory(
        beneficiaire=personne, auteur=agent, prochaine_action="Relancer", echeance=D(2025, 1, 1)
    )
    response = htmx(client_for(agent), "post", f"/trajets/etape/{etape.pk}/fait/")
    assert response.status_code == 200
    etape.refresh_from_db()
    assert etape.action_faite_le == timezone.localdate()


def test_journal_query_count_does_not_grow_with_steps(
    agent, personne, client_for, django_assert_max_num_queries
):
    client = client_for(agent)
    url = f"/trajets/personne/{personne.pk}/journal/"
    EtapeFactory(beneficiaire=personne, auteur=agent)
    client.get(url)
    with django_assert_max_num_queries(40) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    avant = len(ctx.captured_queries)
    for _ in range(15):
        EtapeFactory(
            beneficiaire=personne, auteur=agent, prochaine_action="x", echeance=D(2025, 1, 1)
        )
    with django_assert_max_num_queries(avant):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('py-1" id="etape-') == 16


def test_cellule_queue_query_count_does_not_grow_with_people(
    cpas_a, agent, client_for, django_assert_max_num_queries
):
    client = client_for(agent)

    def ajouter(n):
        for _ in range(n):
            b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
            PassageFactory(beneficiaire=b, phase="emploi", debut=timezone.localdate())
            EtapeFactory(beneficiaire=b, auteur=agent, prochaine_action="x", echeance=D(2025, 1, 1))

    ajouter(2)
    client.get("/trajets/files/emploi/")
    with django_assert_max_num_queries(40) as ctx:
        response = client.get("/trajets/files/emploi/")
    assert response.status_code == 200
    avant = len(ctx.captured_queries)
    ajouter(12)
    with django_assert_max_num_queries(avant):
        response = client.get("/trajets/files/emploi/")
    html = response.content.decode()
    assert html.count("action en retard") == 14
    assert html.count('<span class="badge text-bg-info">nouveau</span>') == 14


def test_cellule_queue_shows_overdue_and_new_arrivals(cpas_a, agent, client_for):
    ancien = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Ancien")
    PassageFactory(beneficiaire=ancien, phase="emploi", debut=D(2023, 1, 1))
    nouveau = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Nouveau")
    PassageFactory(beneficiaire=nouveau, phase="emploi", debut=timezone.localdate())
    autre = BeneficiaireFactory(cpas=cpas_a, nom="Autrephase")
    PassageFactory(beneficiaire=autre, phase="alpha", debut=D(2023, 1, 1))
    EtapeFactory(beneficiaire=ancien, auteur=agent, prochaine_action="x", echeance=D(2024, 1, 1))
    client = client_for(agent)
    toutes = client.get("/trajets/files/emploi/").content.decode()
    assert "ANCIEN" in toutes and "NOUVEAU" in toutes and "AUTREPHASE" not in toutes
    nouveaux = client.get("/trajets/files/emploi/?filtre=nouveaux").content.decode()
    assert "NOUVEAU" in nouveaux and "ANCIEN" not in nouveaux
    retard = client.get("/trajets/files/emploi/?filtre=retard").content.decode()
    assert "ANCIEN" in retard and "NOUVEAU" not in retard


def test_mes_echeances_query_count_does_not_grow(
    cpas_a, agent, client_for, django_assert_max_num_queries
):
    client = client_for(agent)

    def ajouter(n):
        for _ in range(n):
            b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
            EtapeFactory(beneficiaire=b, auteur=agent, prochaine_action="x", echeance=D(2025, 1, 1))

    ajouter(2)
    client.get("/trajets/echeances/")
    with django_assert_max_num_queries(40) as ctx:
        assert client.get("/trajets/echeances/").status_code == 200
    avant = len(ctx.captured_queries)
    ajouter(10)
    with django_assert_max_num_queries(avant):
        response = client.get("/trajets/echeances/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "En retard (12)" in html


def test_caseload_filter_by_current_phase(cpas_a, make_user, client_for):
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    emploi = BeneficiaireFactory(cpas=cpas_a, nom="Travail")
    PassageFactory(beneficiaire=emploi, phase="emploi", debut=D(2024, 1, 1))
    alpha = BeneficiaireFactory(cpas=cpas_a, nom="Lecture")
    PassageFactory(beneficiaire=alpha, phase="alpha", debut=D(2024, 1, 1))
    dehors = BeneficiaireFactory(cpas=cpas_a, nom="Dehors")
    client = client_for(coordinateur)
    html = client.get("/beneficiaires/?phase=emploi").content.decode()
    assert "TRAVAIL" in html and "LECTURE" not in html and "DEHORS" not in html
    html = client.get("/beneficiaires/?phase=aucune").content.decode()
    assert "DEHORS" in html and "TRAVAIL" not in html and "LECTURE" not in html
    assert f"/beneficiaires/{dehors.pk}/" in html
