"""Saving a convention with its CPAS parties (each with the inhabitants its pro rata share uses)
and its funding, in one transaction."""

from __future__ import annotations

from django.db import transaction


@transaction.atomic
def enregistrer_convention(form, parties, financements, *, cpas, user):
    """Save the valid ``form`` (a ``ConventionForm``) and its valid formsets. A new convention is
    managed by ``cpas``; each party saved copies its CPAS's current number of inhabitants (kept
    afterwards so that the split does not move)."""
    convention = form.save(commit=False)
    if convention.pk is None:
        convention.cpas = cpas
        convention.cree_par = user
    convention.save()
    form.save_m2m()
    parties.instance = convention
    for partie in parties.save(commit=False):
        partie.habitants = partie.cpas.habitants
        partie.save()
    for partie in parties.deleted_objects:
        partie.delete()
    financements.instance = convention
    financements.save()
    return convention
