"""Saving programmes and the participations of their cohort. A person already in the cohort
comes back as a ``ValidationError`` (the constraint's message)."""

from __future__ import annotations

from django.db import transaction

from cpas_isp.contraintes import enregistrer


@transaction.atomic
def enregistrer_programme(form, *, cpas):
    """Save the valid ``form`` (a ``ProgrammeForm``); a new programme is run by ``cpas``."""
    programme = form.save(commit=False)
    if programme.pk is None:
        programme.cpas = cpas
    programme.save()
    form.save_m2m()
    return programme


def enregistrer_participation(participation, programme, *, cpas):
    """Save a person's participation in ``programme``; a new one belongs to ``cpas`` (the
    person's CPAS, who sees the row)."""
    participation.programme = programme
    if participation.pk is None:
        participation.cpas = cpas
    return enregistrer(participation)
