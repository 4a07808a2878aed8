"""A signed PIIS changed through a form (the Django admin's or the app's) or signed by someone
else while being edited gets a message, never the database trigger's error (HTTP 500)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import PiisFactory
from trajets import services
from trajets.models import ObjectifPiis, Piis

D = datetime.date
MESSAGE = (
    "Ce PIIS est signé : son contenu ne peut plus changer. Créez un avenant pour le "
    "modifier ; la version signée est conservée."
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def signe(cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    piis = PiisFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent), agent=agent)
    ObjectifPiis.objects.create(cpas=piis.cpas, piis=piis, ordre=1, libelle="Obtenir le CESS")
    piis = services.proposer_piis(piis, D(2025, 2, 1), agent)
    return services.signer_piis(piis, D(2025, 2, 10), agent), agent


def test_a_model_form_on_a_signed_piis_refuses_content_changes_with_a_message(signe):
    piis, _agent = signe
    PiisForm = modelform_factory(Piis, fields=["engagements_cpas", "statut"])
    form = PiisForm({"engagements_cpas": "changé", "statut": piis.statut}, instance=piis)
    assert not form.is_valid()
    assert form.non_field_errors() == [MESSAGE]
    # Its status alone may still change (closing), as the trigger allows.
    piis.refresh_from_db()
    form = PiisForm({"engagements_cpas": piis.engagements_cpas, "statut": "atteint"}, instance=piis)
    assert form.is_valid(), form.errors


def test_signed_while_being_edited_gives_a_message(signe, monkeypatch):
    piis, agent = signe
    # The signature lands between the service's check and its update.
    monkeypatch.setattr(services.piis, "_verifier_modifiable", lambda piis: None)
    piis.engagements_cpas = "changé"
    with pytest.raises(ValidationError) as exc:
        services.enregistrer_piis(piis, piis.version, agent)
    assert exc.value.messages == [MESSAGE]
    assert Piis.objects.get(pk=piis.pk).engagements_cpas != "changé"
