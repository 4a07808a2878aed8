"""Form helpers every app uses, and the login form."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from cpas_isp.models import ListeReferenceQuerySet


class DateInput(forms.DateInput):
    """The one date widget of the application: the browser's date picker, ISO value."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 (Django's argument name)
        super().__init__(attrs=attrs, format=format)


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
