"""``get_<field>_display()`` of the project's models goes through ``libelle_choix`` (labels
memoised per field and language): the same label as Django's own method, in each language."""

import pytest
from django.db import models
from django.utils import translation

from beneficiaires.models import Beneficiaire
from cpas_isp.models import Membership, Role, libelle_choix
from trajets.models.phases import PassagePhase, Phase


def _django(instance, name):
    """Django's own ``get_<name>_display()`` (not memoised)."""
    return models.Model._get_FIELD_display(instance, instance._meta.get_field(name))


@pytest.mark.parametrize("langue", ["fr", "nl"])
def test_same_label_as_django_for_every_choice(langue):
    with translation.override(langue):
        for role in Role.values:
            m = Membership(role=role)
            assert m.get_role_display() == _django(m, "role")
        for phase in Phase.values:
            p = PassagePhase(phase=phase)
            assert p.get_phase_display() == _django(p, "phase")
        for langue_contact in Beneficiaire._meta.get_field("langue").flatchoices:
            b = Beneficiaire(langue=langue_contact[0])
            assert b.get_langue_display() == _django(b, "langue")


def test_label_follows_the_active_language():
    m = Membership(role=Role.COORDINATEUR)
    with translation.override("fr"):
        francais = m.get_role_display()
    with translation.override("nl"):
        neerlandais = m.get_role_display()
    with translation.override("fr"):
        assert m.get_role_display() == francais
    assert francais == "Coordinateur"
    assert neerlandais != francais
    assert isinstance(francais, str) and isinstance(neerlandais, str)


@pytest.mark.parametrize("valeur", ["inconnu", "", None, 12])
def test_a_value_outside_the_choices_is_given_back_as_django_does(valeur):
    m = Membership(role=valeur)
    assert m.get_role_display() == _django(m, "role")
    assert type(m.get_role_display()) is type(_django(m, "role"))


def test_unhashable_value_as_django():
    m = Membership(role=["agent"])
    assert libelle_choix(m._meta.get_field("role"), ["agent"]) == _django(m, "role")
