"""The one registry of what each app keeps on a person: what goes into the right-of-access export
and how it is anonymised when the file's retention period is over.

Apps never import each other upwards, so each app registers its own models here from its
``AppConfig.ready()``::

    from beneficiaires import registre

    registre.enregistrer(
        Orientation,                    # the model
        personne="beneficiaire",        # lookup from a row to the person's id
        titre=_("Orientations"),        # section of the export (JSON key: the model's name)
        effacer=["motif", "note"],      # free texts / identifying fields erased on anonymisation
    )
    registre.enregistrer(Document, personne="beneficiaire", supprimer=True,
                         anonymiser=effacer_fichiers)   # rows deleted (after a custom step)
    registre.hors_personne(ServicePartenaire, Programme)  # targets that hold nothing personal

What stays after anonymisation is every field not listed in ``effacer``: dates, statuses,
outcomes, codes and hours, what the statistics count. ``tests/beneficiaires/test_registre.py``
walks every model and fails when one linked to a person (by a foreign key to the person, to a
row linked to a person, or reached from such a row, e.g. an appointment through its participant)
is neither registered nor declared ``hors_personne``.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pgtrigger
from django.db import models
from django.db.models.expressions import RawSQL
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.text import capfirst

_parties: dict[str, Partie] = {}
_hors_personne: set[str] = set()


@dataclass
class Partie:
    """What one model keeps on a person."""

    modele: type[models.Model]
    personne: str
    titre: Any = ""
    champs: Sequence[str] | None = None
    exporter: Callable | None = None
    effacer: Sequence[str] = ()
    supprimer: bool = False
    anonymiser: Callable | None = None
    ordre: int = 100
    cle: str = ""
    remplacements: dict = field(default_factory=dict)
    ignorer: Sequence[str] = ()
    partage: Callable | None = None

    @property
    def label(self) -> str:
        return self.modele._meta.label

    def queryset(self, personne_ids):
        """The rows of ``personne_ids`` (one person's id or a list)."""
        manager = self.modele._default_manager
        if isinstance(personne_ids, int):
            qs = manager.filter(**{self.personne: personne_ids})
        else:
            # One array parameter, not one parameter per person (a batch holds hundreds).
            ids = RawSQL("SELECT unnest(%s::bigint[])", [list(personne_ids)])
            qs = manager.filter(**{f"{self.personne}__in": ids})
        if "__" in self.personne and not self.personne.endswith("_id"):
            # Reached through a multi-valued relation (participants...): one row each.
            qs = manager.filter(pk__in=qs.values("pk"))
        return qs

    # --- Export -------------------------------------------------------------------------------

    def colonnes(self) -> list[tuple[str, str]]:
        """(key, label) of the exported fields."""
        if self.champs is None:
            names = [
                f.name
                for f in self.modele._meta.concrete_fields
                if f.name not in ("id", "cpas") and f.name != self.personne.split("__")[0]
            ]
        else:
            names = list(self.champs)
        return [(n, str(capfirst(self.modele._meta.get_field(n).verbose_name))) for n in names]

    def lignes(self, beneficiaire) -> list[dict]:
        if self.exporter is not None:
            return list(self.exporter(beneficiaire) or [])
        colonnes = self.colonnes()
        relations = [
            n
            for n, _label in colonnes
            if self.modele._meta.get_field(n).is_relation
            and self.modele._meta.get_field(n).many_to_one
        ]
        qs = self.queryset(beneficiaire.pk).select_related(*relations).order_by("pk")
        return [{n: valeur_exportee(obj, n) for n, _label in colonnes} for obj in qs]

    # --- Anonymisation ------------------------------------------------------------------------

    def a_effacer(self, personne_ids):
        """The rows of ``personne_ids`` whose ``effacer`` fields are erased now: all of them,
        except for a row shared with other people (``partage``: a group appointment), which is
        erased only once nobody it still concerns keeps a file."""
        qs = self.queryset(personne_ids)
        if self.partage is not None and not self.supprimer:
            qs = self.partage(qs, list(personne_ids))
        return qs

    def valeurs_effacees(self) -> dict:
        valeurs = {}
        for name in self.effacer:
            if name in self.remplacements:
                valeurs[name] = self.remplacements[name]
                continue
            f = self.modele._meta.get_field(name)
            valeurs[name] = valeur_vide(f)
        return valeurs

    def _encore_a_effacer(self) -> models.Q | None:
        """The rows where an erased field still holds something (rewriting the others would
        only write new row versions and index entries), or None when it cannot be told (a
        replacement expression, a JSON value)."""
        condition = models.Q()
        for name in self.effacer:
            f = self.modele._meta.get_field(name)
            if name in self.remplacements:
                return None
            if f.null:
                condition |= models.Q(**{f"{name}__isnull": False})
            elif isinstance(f, (models.CharField, models.TextField)):
                condition |= ~models.Q(**{f"{name}__in": ["", EFFACE]})
            elif isinstance(f, models.BooleanField):
                condition |= models.Q(**{name: True})
            else:
                return None
        return condition

    def requete_effacement(self, personne_ids) -> tuple[str, tuple] | None:
        """The ``UPDATE`` that ``anonymiser_lignes`` would run, as (SQL, parameters), for a part
        erased by its ``effacer`` fields alone (no ``anonymiser`` step, rows kept; the caller
        bypasses the ``ignorer`` triggers): the anonymisation sends these for every part at
        once. None for the others."""
        if self.anonymiser is not None or self.supprimer:
            return None
        valeurs = self.valeurs_effacees()
        if not valeurs:
            return None
        qs = self.a_effacer(personne_ids)
        encore = self._encore_a_effacer()
        if encore is not None:
            qs = qs.filter(encore)
        requete = qs.query.chain(UpdateQuery)
        requete.add_update_values(valeurs)
        requete.annotations = {}
        return requete.get_compiler(qs.db).as_sql()

    def anonymiser_lignes(self, personne_ids) -> int:
        """Erase or delete the rows of ``personne_ids``; returns how many rows were touched."""
        qs = self.queryset(personne_ids)
        n = 0
        if self.anonymiser is not None:
            n = self.anonymiser(qs) or 0
            qs = self.queryset(personne_ids)
        if self.supprimer:
            return max(n, qs.delete()[0])
        valeurs = self.valeurs_effacees()
        if valeurs:
            qs = self.a_effacer(personne_ids)
            encore = self._encore_a_effacer()
            if encore is not None:
                qs = qs.filter(encore)
            with pgtrigger.ignore(*self.ignorer) if self.ignorer else contextlib.nullcontext():
                n = max(n, qs.update(**valeurs))
        return n


# What an erased text that was not empty becomes: a text stays non-empty, so the rules that
# require one (a refusal's reason, the next action of a step with a due date) still hold.
EFFACE = "—"


def valeur_vide(f) -> Any:
    """The value an erased field gets: NULL when allowed; an erased text becomes ``EFFACE``
    (empty stays empty); else the empty value of its type."""
    if f.null:
        return None
    if isinstance(f, models.JSONField):
        return {} if isinstance(f.get_default(), dict) else []
    if f.get_internal_type() == "ArrayField" or isinstance(f.get_default(), list):
        return []
    if isinstance(f, (models.CharField, models.TextField)):
        return models.Case(
            models.When(**{f.name: ""}, then=models.Value("")),
            default=models.Value(EFFACE),
            output_field=models.TextField(),
        )
    if isinstance(f, models.BooleanField):
        return False
    raise ValueError(f"{f.model._meta.label}.{f.name}: no empty value, give a replacement")


def valeur_exportee(obj, name):
    """A field's value as the person should read it: labels of choices, names of related rows,
    JSON-serialisable values."""
    f = obj._meta.get_field(name)
    if f.choices:
        return str(getattr(obj, f"get_{name}_display")())
    valeur = getattr(obj, name)
    if f.is_relation:
        return str(valeur) if valeur is not None else ""
    if isinstance(valeur, datetime.datetime):
        return timezone.localtime(valeur) if timezone.is_aware(valeur) else valeur
    if isinstance(valeur, Decimal):
        return str(valeur)
    if isinstance(valeur, (list, tuple)):
        return [str(v) for v in valeur]
    return valeur


def enregistrer(
    modele,
    *,
    personne: str,
    titre: Any = "",
    champs: Sequence[str] | None = None,
    exporter: Callable | None = None,
    effacer: Sequence[str] = (),
    supprimer: bool = False,
    anonymiser: Callable | None = None,
    remplacements: dict | None = None,
    ignorer: Sequence[str] = (),
    partage: Callable | None = None,
    ordre: int = 100,
    cle: str = "",
) -> Partie:
    """Register what ``modele`` keeps on a person.

    ``personne``: lookup from a row to the person's id (``beneficiaire``,
    ``piis__beneficiaire``, ``participants__beneficiaire``). Export: ``champs`` (default: every
    field) under ``titre``, or ``exporter(beneficiaire) -> list[dict]``; JSON key ``cle``
    (default the model's name). Anonymisation: ``effacer`` fields get an empty value (or
    ``remplacements[name]``); ``supprimer`` deletes the rows; ``anonymiser(queryset)`` runs first
    (e.g. deleting stored files); ``ignorer``: pgtrigger triggers ("app.Model:name") that
    protect the content (a signed PIIS) and that erasing may bypass; ``partage(queryset,
    personne_ids) -> queryset``: for rows shared by several people, those that may be erased
    now (the others keep their ``effacer`` fields and their history until their last person
    is anonymised). Registering a model twice replaces the first entry."""
    partie = Partie(
        modele=modele,
        personne=personne,
        titre=titre or capfirst(modele._meta.verbose_name_plural),
        champs=champs,
        exporter=exporter,
        effacer=tuple(effacer),
        supprimer=supprimer,
        anonymiser=anonymiser,
        remplacements=dict(remplacements or {}),
        ignorer=tuple(ignorer),
        partage=partage,
        ordre=ordre,
        cle=cle or modele._meta.model_name,
    )
    for name in partie.effacer:
        modele._meta.get_field(name)  # fails at start-up on a typo
    _parties[partie.label] = partie
    return partie


def hors_personne(*modeles) -> None:
    """Declare models reached from a person's rows that hold nothing personal (reference lists,
    partners' services, programmes): the coverage test then does not ask for them."""
    for modele in modeles:
        _hors_personne.add(modele._meta.label)


def parties() -> list[Partie]:
    return sorted(_parties.values(), key=lambda p: (p.ordre, p.label))


def partie(label: str) -> Partie | None:
    return _parties.get(label)


def est_couvert(modele) -> bool:
    return modele._meta.label in _parties


def est_hors_personne(modele) -> bool:
    return modele._meta.label in _hors_personne


def export(beneficiaire) -> list[tuple[Partie, list[dict]]]:
    """Every registered section of the person's export, in order."""
    return [(p, p.lignes(beneficiaire)) for p in parties()]
