"""Database constraints that speak the user's language.

Each constraint declares its own ``violation_error_message`` (and ``violation_error_code``) in
its model's ``Meta``; forms let Django validate them (``ModelForm`` does it by default: never
switch ``validate_constraints`` off). A race between that check and the write still ends in an
``IntegrityError``: :func:`erreur_de_contrainte` turns it into the same ``ValidationError``, and
:func:`contraintes_en_messages` wraps a write so callers only ever see ``ValidationError``."""

from __future__ import annotations

from contextlib import contextmanager
from functools import cache

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _


def nom_de_contrainte(exc: IntegrityError) -> str | None:
    """The name PostgreSQL reports for the violated constraint (psycopg's diagnostics)."""
    diag = getattr(getattr(exc, "__cause__", None), "diag", None)
    return getattr(diag, "constraint_name", None)


@cache
def _contraintes() -> dict:
    """Every declared constraint of every installed model, by name."""
    par_nom = {}
    for model in apps.get_models():
        for contrainte in model._meta.constraints:
            par_nom[contrainte.name] = (model, contrainte)
    return par_nom


def _champ(contrainte) -> str:
    """The form field an error belongs to, as Django's own validation does: the field of a
    one-field unique constraint, else the whole form."""
    champs = getattr(contrainte, "fields", ()) or ()
    return champs[0] if len(champs) == 1 else NON_FIELD_ERRORS


def erreur_de_contrainte(exc: IntegrityError) -> ValidationError | None:
    """The ``ValidationError`` a constraint violation stands for, or ``None`` when the error is
    not a declared constraint (a bug: let it propagate)."""
    nom = nom_de_contrainte(exc)
    if nom is None:
        return None
    trouve = _contraintes().get(nom)
    if trouve is None:
        if nom.endswith("_key") or nom.endswith("_uniq"):
            return ValidationError(_("Cette valeur existe déjà."), code="unique")
        return None
    _model, contrainte = trouve
    erreur = ValidationError(
        contrainte.get_violation_error_message(), code=contrainte.violation_error_code
    )
    champ = _champ(contrainte)
    return ValidationError({champ: [erreur]}) if champ != NON_FIELD_ERRORS else erreur


@contextmanager
def contraintes_en_messages():
    """Run a write in a savepoint; a violated declared constraint becomes its
    ``ValidationError`` (and nothing of the write remains)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        erreur = erreur_de_contrainte(exc)
        if erreur is None:
            raise
        raise erreur from exc


def enregistrer(instance, **kwargs):
    """``instance.save(**kwargs)`` with constraint violations turned into messages."""
    with contraintes_en_messages():
        instance.save(**kwargs)
    return instance


def ajouter_au_formulaire(form, erreur: ValidationError) -> None:
    """Show a ``ValidationError`` from a service on ``form`` (field errors on their fields
    when the form has them, the rest at the top)."""
    if hasattr(erreur, "error_dict"):
        for champ, erreurs in erreur.error_dict.items():
            form.add_error(champ if champ in form.fields else None, erreurs)
    else:
        form.add_error(None, erreur)
