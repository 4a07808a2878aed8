"""The filter widgets rendered in Python (cpas_isp.forms: the dashboard's and the audit page's)
give the markup of Django's templates, and the audit page's filter form renders as it did with
Django's widgets."""

import datetime

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from cpas_isp.audit.forms import FiltreAuditForm
from cpas_isp.forms import DateInput, DateRapide, SelectRapide, TexteRapide

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
    assert rapide.render("u", valeur, attrs) == django.render("u", valeur, attrs)


@pytest.mark.parametrize("valeur", [None, "", 1, "1", ["1", "2"]])
def test_select_repeated_and_empty_values(valeur):
    """As Django's: a value offered twice is selected at its first option only, None is the
    empty value."""
    choix = [(None, "—"), (1, "un"), ("1", "un encore"), (2, "deux")]
    rapide = SelectRapide(choices=choix)
    assert rapide.render("r", valeur) == forms.Select(choices=choix).render("r", valeur)


def test_select_groups_fall_back_to_django():
    choix = [("Groupe", [(1, "un"), (2, "deux")]), (3, "trois")]
    assert SelectRapide(choices=choix).render("g", 2) == forms.Select(choices=choix).render("g", 2)


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("valeur", [None, "", "Dupont", '"><script>', 12, "2026-03"])
@pytest.mark.parametrize(
    "base",
    [
        {"class": "form-control form-control-sm", "maxlength": "100"},
        {"type": "month", "class": "form-control form-control-sm"},  # the dashboard's months
    ],
)
def test_text_input(attrs, valeur, base):
    rapide = TexteRapide(attrs=base)
    django = forms.TextInput(attrs=base)
    assert rapide.render("personne", valeur, attrs) == django.render("personne", valeur, attrs)


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("valeur", [None, "", datetime.date(2026, 3, 1), "2026-13-01", "<x>"])
def test_date_input(attrs, valeur):
    base = {"class": "form-control form-control-sm"}
    rapide = DateRapide(attrs=base)
    django = DateInput(attrs=base)
    assert rapide.render("du", valeur, attrs) == django.render("du", valeur, attrs)


class _FiltreDjango(FiltreAuditForm):
    """The audit's filters with Django's own widgets, as before."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for nom, widget in (
            ("personne", forms.TextInput),
            ("utilisateur", forms.Select),
            ("du", DateInput),
            ("au", DateInput),
        ):
            field = self.fields[nom]
            ancien = field.widget
            field.widget = widget(attrs=ancien.attrs)
            if nom == "utilisateur":
                field.widget.choices = field.choices


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"vue": "modifications"},
        {"du": "2026-05-01", "au": "2026-01-01", "utilisateur": "999999", "personne": '<b>"x'},
        {"du": "xx", "au": "2026-13-01", "utilisateur": "abc"},
        {"du": "2026-01-01", "au": "2026-01-31", "personne": "Dupont"},
    ],
)
def test_audit_filters_render_as_with_django_widgets(data, cpas_a, make_user, data_utilisateur):
    if data is not None and "utilisateur" not in data:
        data = {**data, "utilisateur": str(data_utilisateur.pk)}
    rapide = FiltreAuditForm(data, cpas=cpas_a)
    django = _FiltreDjango(data, cpas=cpas_a)
    if data is not None:
        rapide.is_valid()
        django.is_valid()
    for nom in ("personne", "utilisateur", "du", "au"):
        assert str(rapide[nom]) == str(django[nom]), nom


@pytest.fixture
def data_utilisateur(cpas_a, make_user):
    from cpas_isp.models import Role

    make_user(Role.AGENT, cpas_a, first_name='Zoë <i>"O\'Hara"</i>', last_name="& Co")
    return make_user(Role.COORDINATEUR, cpas_a)
