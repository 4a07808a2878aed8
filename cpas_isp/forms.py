"""Form helpers every app uses."""

from __future__ import annotations

from django import forms

from cpas_isp.models import ListeReferenceQuerySet


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
