"""The event tables the audit reads (one pghistory table per tracked model), and how an event
of each belongs to a CPAS and to a person, found once from the models' foreign keys."""

from __future__ import annotations

import dataclasses
from functools import cache

from django.apps import apps
from django.db import models
from pghistory.models import Event

from cpas_isp.audit.confidentialite import PERSONNE


@dataclasses.dataclass(frozen=True)
class Source:
    numero: int
    model: type  # the tracked model
    event_model: type
    table: str
    portee: str  # SQL condition: the event belongs to %(cpas)s
    obj: str  # SQL: the changed object's id
    # Joins from the event to its person: [(column, table), ...] ending on a beneficiaire column.
    chemin_personne: tuple[tuple[str, str], ...] | None
    avec_index_cpas: bool

    @property
    def personne_sql(self) -> str:
        if self.model._meta.label == PERSONNE:
            return "e.id"
        if self.chemin_personne is None:
            return "NULL"
        expr, alias = "", "e"
        joins = []
        for i, (col, table) in enumerate(self.chemin_personne[:-1]):
            nxt = f"r{i}"
            joins.append((nxt, table, f'{nxt}.id = {alias}."{col}"'))
            alias = nxt
        last_col = self.chemin_personne[-1][0]
        if not joins:
            return f'e."{last_col}"'
        first_alias, first_table, first_cond = joins[0]
        expr = f'SELECT {alias}."{last_col}" FROM "{first_table}" {first_alias}'
        for a, t, cond in joins[1:]:
            expr += f' JOIN "{t}" {a} ON {cond}'
        return f"({expr} WHERE {first_cond})"

    def filtre_personnes_sql(self) -> str | None:
        """Condition 'the event belongs to one of %(personnes)s', index-friendly."""
        if self.model._meta.label == PERSONNE:
            return "e.pgh_obj_id = ANY(%(personnes)s)"
        if self.chemin_personne is None:
            return None
        condition = f'"{self.chemin_personne[-1][0]}" = ANY(%(personnes)s)'
        for col, table in reversed(self.chemin_personne[:-1]):
            condition = f'"{col}" IN (SELECT id FROM "{table}" WHERE {condition})'
        return f"e.{condition}"


def _fk_columns(model):
    return [
        (f.attname, f.related_model)
        for f in model._meta.local_fields
        if isinstance(f, models.ForeignKey) and not f.name.startswith("pgh_")
    ]


def _has_field(model, name):
    return any(f.name == name for f in model._meta.local_fields)


def _chemin_personne(event_model, depth=2):
    if _has_field(event_model, "beneficiaire"):
        return (("beneficiaire_id", ""),)
    if depth == 0:
        return None
    for col, related in _fk_columns(event_model):
        if related is None or related._meta.label in (PERSONNE, "cpas_isp.Cpas"):
            continue
        if related._meta.label == "cpas_isp.User":
            continue
        suite = _chemin_personne(related, depth - 1)
        if suite is not None:
            return ((col, related._meta.db_table), *suite)
    return None


def _portee(event_model, tracked):
    label = tracked._meta.label
    if label == "cpas_isp.Cpas":
        return "e.id = %(cpas)s"
    if label == "cpas_isp.User":
        return "e.id IN (SELECT user_id FROM cpas_isp_membership WHERE cpas_id = %(cpas)s)"
    if _has_field(event_model, "cpas"):
        return "e.cpas_id = %(cpas)s"
    if _has_field(event_model, "cree_par_cpas"):
        return "e.cree_par_cpas_id = %(cpas)s"
    # A user's own account row (one per user, e.g. a partner account): seen, like the user,
    # by every CPAS the user works with; never through what it points to (a shared record).
    for f in tracked._meta.local_fields:
        if isinstance(f, models.OneToOneField) and f.related_model._meta.label == "cpas_isp.User":
            return (
                f'e."{f.attname}" IN '
                "(SELECT user_id FROM cpas_isp_membership WHERE cpas_id = %(cpas)s)"
            )
    for col, related in _fk_columns(event_model):
        if related is None:
            continue
        for name in ("cpas", "cree_par_cpas"):
            if _has_field(related, name):
                table = related._meta.db_table
                return f'e."{col}" IN (SELECT id FROM "{table}" WHERE "{name}_id" = %(cpas)s)'
    return None


@cache
def sources() -> tuple[Source, ...]:
    found = []
    for event_model in apps.get_models():
        if not issubclass(event_model, Event) or event_model._meta.proxy:
            continue
        tracked = event_model.pgh_tracked_model
        portee = _portee(event_model, tracked)
        if portee is None:
            continue
        chemin = _chemin_personne(event_model)
        found.append(
            dict(
                model=tracked,
                event_model=event_model,
                table=event_model._meta.db_table,
                portee=portee,
                obj="e.pgh_obj_id" if _has_field(event_model, "pgh_obj") else "e.id",
                chemin_personne=chemin,
                avec_index_cpas=_has_field(event_model, "cpas"),
            )
        )
    found.sort(key=lambda s: s["model"]._meta.label)
    return tuple(Source(numero=i, **s) for i, s in enumerate(found))
