"""A short related list carried by its parent's row: one query instead of two.

A detail page showing a person and a few short lists of theirs (rights, obstacles, the current
BSP...) pays a round trip per list. ``liste_json(queryset)`` turns a correlated queryset (it
uses ``OuterRef``) into an annotation: a PostgreSQL array of JSON objects, one per row, in the
queryset's order, with the concrete fields of the row and, nested, those of the relations
named in ``relations`` (as ``select_related`` would load them). ``instances(model, lignes)``
turns that annotation back into model instances (fields converted by each field's
``to_python``, relations cached as by ``select_related``), which templates use as usual.

    b = Beneficiaire.objects.annotate(
        droits_json=liste_json(DroitAide.objects.filter(beneficiaire=OuterRef("pk")))
    ).get(pk=pk)
    droits = instances(DroitAide, b.droits_json)

Meant for short lists (what a page shows in full), not for lists that need paging.
"""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F
from django.db.models.functions import JSONObject


def _champs(model, prefixe=""):
    return {f.attname: F(prefixe + f.attname) for f in model._meta.concrete_fields}


def liste_json(queryset, relations=()):
    """The rows of ``queryset`` (correlated with ``OuterRef``) as an array of JSON objects."""
    model = queryset.model
    champs = _champs(model)
    for nom in relations:
        champs[nom] = JSONObject(
            **_champs(model._meta.get_field(nom).related_model, prefixe=f"{nom}__")
        )
    return ArraySubquery(queryset.values(_ligne=JSONObject(**champs)))


def _instance(model, ligne):
    noms, valeurs = [], []
    for f in model._meta.concrete_fields:
        noms.append(f.attname)
        valeur = ligne.get(f.attname)
        valeurs.append(None if valeur is None else f.to_python(valeur))
    return model.from_db("default", noms, valeurs)


def instances(model, lignes, relations=()):
    """Model instances from ``liste_json``'s annotation (``relations`` as given to it)."""
    result = []
    for ligne in lignes or []:
        obj = _instance(model, ligne)
        for nom in relations:
            field = model._meta.get_field(nom)
            sous = ligne.get(nom) or {}
            pk = field.related_model._meta.pk.attname
            field.set_cached_value(
                obj, _instance(field.related_model, sous) if sous.get(pk) is not None else None
            )
        result.append(obj)
    return result
