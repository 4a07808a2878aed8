"""``crispy_memorise`` (cpas_isp.forms): a form's crispy markup rendered once per class,
language and shape, then filled with each form's values, is the markup ``|crispy`` renders,
for the PIIS detail's action forms, in both languages, whatever their values."""

import datetime

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django import forms
from django.utils import translation

from cpas_isp import forms as cpas_forms
from cpas_isp.forms import crispy_memorise
from trajets.forms import CloturerForm, ProposerForm, SignerForm

JOUR = datetime.date(2026, 3, 1)


class _Libre(forms.Form):
    nom = forms.CharField(label="Nom & <prénom>", required=False)
    note = forms.CharField(widget=forms.Textarea, required=False)
    accord = forms.BooleanField(required=False)
    nombre = forms.IntegerField(widget=forms.HiddenInput, required=False)


CAS = [
    (ProposerForm, {"date": JOUR, "version": 3}),
    (ProposerForm, {"date": JOUR + datetime.timedelta(days=40), "version": 12}),
    (ProposerForm, {}),
    (SignerForm, {"date": JOUR, "debut": JOUR, "fin": None, "version": 1}),
    (SignerForm, {"date": JOUR, "debut": JOUR, "fin": JOUR + datetime.timedelta(days=365)}),
    (CloturerForm, {"date": JOUR, "version": 2}),
    (CloturerForm, {"date": JOUR, "version": 2, "statut": "atteint"}),
    (_Libre, {"nom": '"><script>x</script>', "note": "a & b", "accord": True, "nombre": 7}),
    (_Libre, {"nom": "Dupont", "note": "", "accord": False}),
    (_Libre, {"nom": "ispvaleur0x", "nombre": "<&>"}),
]


@pytest.mark.parametrize("langue", ["fr", "nl"])
def test_same_markup_as_crispy(langue):
    cpas_forms._CRISPY.clear()
    with translation.override(langue):
        for _tour in range(2):  # rendered the first time, from the memo the second
            for classe, initial in CAS:
                attendu = str(as_crispy_form(classe(initial=initial)))
                assert str(crispy_memorise(classe(initial=initial))) == attendu, (classe, initial)


def test_one_markup_per_class_and_language():
    cpas_forms._CRISPY.clear()
    for langue in ("fr", "nl"):
        with translation.override(langue):
            for version in range(5):
                crispy_memorise(ProposerForm(initial={"date": JOUR, "version": version}))
    assert len(cpas_forms._CRISPY) == 2


def test_bound_form_rendered_by_crispy():
    form = ProposerForm(data={"date": "pas une date", "version": "1"})
    assert str(crispy_memorise(form)) == str(as_crispy_form(form))
    assert "invalid-feedback" in str(crispy_memorise(form))
