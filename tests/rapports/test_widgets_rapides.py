"""The dashboard filters' widgets rendered in Python give the markup of Django's templates."""

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from rapports.forms import EntreeRapide, SelectRapide

CHOIX = [
    ("", gettext_lazy("Tous")),
    (1, 'Anne <b>O\'Neil</b> & "co"'),
    (2, mark_safe("<i>sûr</i>")),
    ("a&b", "x"),
]
ATTRS = [
    None,
    {"id": "id_n"},
    {"id": "id_n", "disabled": True, "required": False, "aria-invalid": "true"},
    {"id": 'id_"n"', "data-x": "<&>"},
]


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("valeur", [None, "", 1, "1", "a&b", "absent"])
def test_select(attrs, valeur):
    base = {"class": "form-select form-select-sm"}
    rapide = SelectRapide(attrs=base, choices=CHOIX)
    django = forms.Select(attrs=base, choices=CHOIX)
    assert rapide.render("agent", valeur, attrs) == django.render("agent", valeur, attrs)


def test_select_groups_fall_back_to_django():
    choix = [("Groupe", [(1, "un"), (2, "deux")]), (3, "trois")]
    assert SelectRapide(choices=choix).render("g", 2) == forms.Select(choices=choix).render("g", 2)


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("valeur", [None, "", "2026-03", '"><script>'])
def test_input(attrs, valeur):
    base = {"type": "month", "class": "form-control form-control-sm"}
    rapide = EntreeRapide(attrs=base)
    django = forms.TextInput(attrs=base)
    assert rapide.render("du", valeur, attrs) == django.render("du", valeur, attrs)
