"""Form helpers every app uses, and the login form."""

from __future__ import annotations

import copy

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from cpas_isp.memo import Memo
from cpas_isp.models import ListeReferenceQuerySet


class DateInput(forms.DateInput):
    """The one date widget of the application: the browser's date picker, ISO value."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 (Django's argument name)
        super().__init__(attrs=attrs, format=format)


# Filter widgets rendered in Python (the dashboard's and the audit page's filters): the markup
# of Django's templates (``django/forms/widgets/input.html``, ``select.html``,
# ``select_option.html`` and ``attrs.html``, stripped as the form renderer strips it) without
# rendering a template per widget, per option and per set of attributes.


def _attrs(attrs) -> str:
    """``django/forms/widgets/attrs.html``"""
    return "".join(
        f" {conditional_escape(nom)}"
        if valeur is True
        else f' {conditional_escape(nom)}="{conditional_escape(str(valeur))}"'
        for nom, valeur in attrs.items()
        if valeur is not False
    )


class _EntreeRapide:
    """``render()`` of an ``<input>`` widget (mixed into an Input class: its type and value
    formatting)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        valeur = widget["value"]
        valeur = "" if valeur is None else f' value="{conditional_escape(str(valeur))}"'
        return mark_safe(  # noqa: S308 - escaped values
            f'<input type="{conditional_escape(widget["type"])}" '
            f'name="{conditional_escape(widget["name"])}"{valeur}{_attrs(widget["attrs"])}>'
        )


class TexteRapide(_EntreeRapide, forms.TextInput):
    pass


class DateRapide(_EntreeRapide, DateInput):
    pass


class SelectRapide(forms.Select):
    """``render()`` from the choices themselves: Django's ``get_context()`` builds a dict of a
    dozen entries per option (``optgroups``, ``create_option``) that only its templates read
    (the audit page's user filter: most of its filters' rendering)."""

    def render(self, name, value, attrs=None, renderer=None):
        multiple = self.allow_multiple_selected
        attrs_select = self.build_attrs(self.attrs, attrs)
        if multiple:
            attrs_select["multiple"] = True
        valeurs = self.format_value(value)
        html = [f'<select name="{conditional_escape(name)}"{_attrs(attrs_select)}>']
        choisi = False
        for valeur, libelle in self.choices:
            if isinstance(libelle, (list, tuple)):  # option groups: Django's templates
                return super().render(name, value, attrs, renderer)
            texte = "" if valeur is None else str(valeur)
            # ``optgroups``: the first option of a value asked for (every one, multiple).
            selectionnee = (multiple or not choisi) and texte in valeurs
            choisi = choisi or selectionnee
            html.append(
                f'\n  <option value="{conditional_escape(texte)}"'
                f"{' selected' if selectionnee else ''}>{conditional_escape(libelle)}</option>\n"
            )
        html.append("\n</select>")
        return mark_safe("".join(html))  # noqa: S308 - escaped values


# A crispy form's markup (``{{ form|crispy }}``, ``bootstrap5/uni_form.html``: a wrapper, label
# and widget template per field, ~2 ms for a form of two fields) rendered once per form class,
# language and shape, with stand-ins in its text inputs' values, then filled with each form's
# values.

_ENTREES_VALEUR = (forms.TextInput, forms.DateInput, forms.NumberInput, forms.HiddenInput)
_CRISPY: Memo[tuple[str, tuple]] = Memo(256)


def _temoin(i: int) -> str:
    """The stand-in of the ``i``-th value (letters and digits: unchanged by escaping)."""
    return f"ispvaleur{i}x7301946"


def crispy_memorise(form):
    """``form|crispy`` of an unbound form whose fields depend on its class only (no field,
    label, widget or choice set by ``__init__`` from its arguments, no choices read from the
    database): the markup of its class, language and values. Each text-like input's value
    (text, date, number, hidden) is a stand-in filled here, escaped as Django's ``input.html``
    escapes it; any other field's value (a checkbox, a select) and every absent value are part
    of the memo's key. Any other form is rendered by crispy as it is."""
    from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form

    if form.is_bound or any(isinstance(f, forms.ModelChoiceField) for f in form.fields.values()):
        return as_crispy_form(form)
    forme, valeurs, temoins = [], [], {}
    for nom, champ in form.fields.items():
        bf = form[nom]
        valeur = bf.value()
        if isinstance(champ.widget, _ENTREES_VALEUR) and not champ.widget.is_localized:
            texte = champ.widget.format_value(valeur)
            if texte is not None:
                temoins[nom] = _temoin(len(valeurs))
                valeurs.append(conditional_escape(texte))
                forme.append((nom, type(champ.widget)))
                continue
        forme.append((nom, type(champ.widget), valeur))
    cle = (
        type(form),
        get_language(),
        form.prefix,
        form.auto_id,
        form.use_required_attribute,
        tuple(forme),
    )

    def rendre():
        modele = copy.copy(form)
        modele.initial = {**form.initial, **temoins}
        modele._bound_fields_cache = {}
        return str(as_crispy_form(modele)), tuple(temoins.values())

    html, marques = _CRISPY.obtenir(cle, rendre)
    for marque, valeur in zip(marques, valeurs, strict=True):
        html = html.replace(marque, valeur)
    return mark_safe(html)  # noqa: S308 - crispy's markup, values escaped above


def limiter_listes_au_cpas(form, cpas):
    """Offer, in every reference-list field of ``form``, only the shared entries and those of
    ``cpas`` (a Cpas or its id; None: shared entries only)."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and isinstance(
            field.queryset, ListeReferenceQuerySet
        ):
            field.queryset = field.queryset.pour_cpas(cpas)


class ListesDuCpasMixin:
    """Reference-list fields offer the shared entries and those of the form's CPAS (``cpas``
    argument, else the instance's CPAS; without either, the shared entries only)."""

    def __init__(self, *args, cpas=None, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        limiter_listes_au_cpas(self, cpas or getattr(instance, "cpas_id", None))


class ConnexionForm(AuthenticationForm):
    """The login form, with its user name length really checked.

    Django's form only sets ``max_length`` on the field after creating it, so the length is not
    validated and a very long user name reaches ``authenticate()``, whose failure signal makes
    django-axes store it in a 255-character column: a database error (HTTP 500). Here it is a
    form error like any other.
    """

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        champ = self.fields["username"]
        champ.validators.append(MaxLengthValidator(champ.max_length))
