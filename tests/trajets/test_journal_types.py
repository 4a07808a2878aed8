"""The quick step form's type: workflow types are never offered nor a default; the default is
the neutral type the CPAS chose; a step belongs to the stay running on its date."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import EtapeFactory, PassageFactory
from trajets import services
from trajets.models import Etape, MotifSortie, ParametresJournal, TypeEtape

D = datetime.date


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


@pytest.fixture
def personne(cpas_a, agent):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    return b


def _formulaire(client, b):
    return client.get(
        f"/trajets/personne/{b.pk}/etape/?dans=ligne", HTTP_HX_REQUEST="true"
    ).content.decode()


def test_piis_evaluation_is_a_workflow_type_never_offered_in_the_quick_form(
    agent, personne, client_for
):
    evaluation = TypeEtape.objects.get(code="evaluation_piis")
    assert evaluation.workflow
    # Even when it was the agent's last step (logged by the evaluation workflow).
    EtapeFactory(beneficiaire=personne, auteur=agent, type=evaluation)
    html = _formulaire(client_for(agent), personne)
    assert f'<option value="{evaluation.pk}"' not in html
    assert "Évaluation du PIIS" not in html


def test_posting_a_workflow_type_is_refused_and_nothing_is_saved(agent, personne, client_for):
    evaluation = TypeEtape.objects.get(code="evaluation_piis")
    response = client_for(agent).post(
        f"/trajets/personne/{personne.pk}/etape/",
        {"dans": "ligne", "date": "2025-02-03", "type": evaluation.pk, "mode": "presentiel"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not Etape.objects.filter(beneficiaire=personne).exists()


def test_the_default_type_is_the_one_the_cpas_chose(agent, personne, client_for, cpas_a):
    courrier = TypeEtape.objects.get(code="courrier")
    ParametresJournal.objects.create(cpas=cpas_a, type_par_defaut=courrier)
    html = _formulaire(client_for(agent), personne)
    assert f'<option value="{courrier.pk}" selected>' in html


def test_without_a_setting_the_default_is_the_first_neutral_type(agent, personne, cpas_a):
    assert services.type_par_defaut(cpas_a.pk).code == "entretien_individuel"
    TypeEtape.objects.filter(code="entretien_individuel").update(ordre=0, workflow=True)
    assert not services.type_par_defaut(cpas_a.pk).workflow


def test_a_workflow_type_cannot_be_the_cpas_default(cpas_a):
    parametres = ParametresJournal(
        cpas=cpas_a, type_par_defaut=TypeEtape.objects.get(code="evaluation_piis")
    )
    with pytest.raises(ValidationError) as erreur:
        parametres.full_clean()
    assert "type_par_defaut" in erreur.value.message_dict


def test_a_workflow_step_keeps_its_type_when_corrected(agent, personne, client_for):
    evaluation = TypeEtape.objects.get(code="evaluation_piis")
    etape = EtapeFactory(beneficiaire=personne, auteur=agent, type=evaluation, date=D(2025, 3, 3))
    autre = TypeEtape.objects.get(code="courrier")
    response = client_for(agent).post(
        f"/trajets/etape/{etape.pk}/modifier/",
        {"date": "2025-03-04", "type": autre.pk, "mode": "presentiel", "note": "corrigée"},
    )
    assert response.status_code == 302
    etape.refresh_from_db()
    assert etape.type == evaluation and etape.note == "corrigée"


def test_orienting_moves_a_step_of_that_day_to_the_new_stay(agent, cpas_a):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    ancien = PassageFactory(beneficiaire=b, phase="facilitateur", debut=D(2025, 6, 2))
    # The step of 1 December is logged while the facilitateur stay still runs...
    etape = services.noter_etape(
        b, agent, date=D(2025, 12, 1), type=TypeEtape.objects.get(code="job_coaching")
    )
    assert etape.passage == ancien
    # ...then the person is oriented to emploi from 1 December.
    nouveau = services.orienter(b, "emploi", D(2025, 12, 1))
    etape.refresh_from_db()
    ancien.refresh_from_db()
    assert ancien.fin == D(2025, 11, 30)
    assert etape.passage == nouveau


def test_ending_the_trajectory_detaches_the_steps_after_its_end(agent, personne):
    passage = personne.passages.get()
    etape = services.noter_etape(
        personne, agent, date=D(2025, 3, 10), type=TypeEtape.objects.get(code="courrier")
    )
    assert etape.passage == passage
    services.terminer_trajet(passage, D(2025, 3, 1), MotifSortie.objects.get(code="emploi"))
    etape.refresh_from_db()
    assert etape.passage is None
