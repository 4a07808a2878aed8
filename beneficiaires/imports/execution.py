"""Writing an import, set-based: the valid rows go once into a temporary staging table with
``COPY``, then into the target table with ``INSERT … SELECT`` / ``UPDATE … FROM`` by batches,
in the current transaction, so the table's triggers (audit, search column) and constraints
apply as for any ORM write. Also the bulk look-up helpers the import types use (``parmi``,
``instances_partielles``) and what an import run carries (``ContexteImport``) and returns
(``lecture.Bilan``)."""

from __future__ import annotations

import contextlib
import datetime
import gc
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import BooleanField
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .lecture import Bilan


@dataclass
class ContexteImport:
    cpas: Any
    user: Any = None
    aujourd_hui: datetime.date = field(default_factory=timezone.localdate)
    personnes: dict = field(default_factory=dict)  # compact NISS -> Beneficiaire (see below)
    progression: Any = None  # callable(etape, fait, total), e.g. a background job's heartbeat

    def signaler(self, etape: str, fait: int, total: int) -> None:
        """Report progress (``etape``: lecture, validation, ecriture) to ``progression``."""
        if self.progression is not None:
            self.progression(etape, fait, total)


def ecrire(lignes, model, *, existant, nouveau, changements, champs, ctx=None) -> Bilan:
    """Write valid rows set-based, idempotent on the natural key.

    A row whose ``existant(ligne)`` is None becomes ``nouveau(ligne.donnees)`` (a new row:
    an unsaved model instance, or a dict ``{attname: value}``, see ``EcritureEnBloc``);
    otherwise the fields returned by ``changements(obj, donnees)`` are set on the stored object
    (the fields ``champs`` are written), or the row counts as unchanged. The rows are copied
    into a temporary staging table (COPY), then written with ``UPDATE … FROM`` and
    ``INSERT … SELECT`` by batches of ``TAILLE_LOT_ECRITURE`` (see ``EcritureEnBloc``): the
    triggers of the table (audit, search column) fire and its constraints hold as for
    any insert. Updates go first, so that a period shortened by the file makes room for a
    new one. Progress goes to ``ctx.signaler`` when a context is given."""
    bilan = Bilan()
    nouveaux, modifies = [], []
    for ligne in lignes:
        obj = existant(ligne)
        if obj is None:
            nouveaux.append(nouveau(ligne.donnees))
            ligne.action = "creation"
            continue
        changes = changements(obj, ligne.donnees)
        if changes:
            for champ, valeur in changes.items():
                setattr(obj, champ, valeur)
            modifies.append(obj)
            ligne.action = "modification"
        else:
            ligne.action = "inchange"
            bilan.inchanges += 1
    ecriture = EcritureEnBloc(model, total=len(modifies) + len(nouveaux), ctx=ctx)
    ecriture.mettre_a_jour(modifies, champs)
    ecriture.inserer(nouveaux)
    bilan.crees, bilan.modifies = len(nouveaux), len(modifies)
    return bilan


@contextlib.contextmanager
def sans_ramasse_miettes():
    """Python's cyclic garbage collector paused for the block: reading a file makes tens of
    thousands of small objects (rows, dicts, dates) that never form cycles, and each
    allocation threshold crossed re-scans all of them (a third of the reading time for 15,000
    rows). Reference counting still frees everything; the collector resumes afterwards."""
    actif = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if actif:
            gc.enable()


def iter_par_lots(items: Iterable, taille: int = 2000):
    lot = []
    for item in items:
        lot.append(item)
        if len(lot) >= taille:
            yield lot
            lot = []
    if lot:
        yield lot


def instances_partielles(qs, attnames: list[str]):
    """The rows of ``qs`` as model instances holding only ``attnames`` (like ``.only()``:
    reading another field loads it), built without ``Model.__init__`` and its signals: what
    costs most when looking up tens of thousands of stored rows."""
    model, db = qs.model, qs.db
    for valeurs in qs.values(*attnames):
        obj = model.__new__(model)
        obj.__dict__.update(valeurs)
        obj._state = ModelState()
        obj._state.adding, obj._state.db = False, db
        yield obj


def parmi(valeurs, type_sql: str):
    """The right-hand side of ``field__in=parmi(values, "text")``: all the values as one array
    parameter (``IN (SELECT unnest(%s::text[]))``), one query however many values, instead of
    one SQL parameter per value."""
    return RawSQL(f"SELECT unnest(%s::{type_sql}[])", [list(valeurs)])


def un_de(modele, champ: str, valeurs, type_sql: str) -> RawSQL:
    """The filter condition ``champ = ANY(values)`` (``qs.filter(un_de(...))``): one array
    parameter, and the index on the column (e.g. the unique (CPAS, NISS) one) is searched for
    each value whatever the table's statistics. ``IN (SELECT unnest(…))`` (``parmi``) may be
    planned as a nested loop over a whole CPAS when its rows were just written (no statistics
    for them yet): reading the 15,000 people of the rights file right after their own import
    took 47 s that way."""
    qn = connection.ops.quote_name
    colonne = f"{qn(modele._meta.db_table)}.{qn(modele._meta.get_field(champ).column)}"
    return RawSQL(
        f"{colonne} = ANY(%s::{type_sql}[])", [list(valeurs)], output_field=BooleanField()
    )


TAILLE_LOT_ECRITURE = 2000  # rows per INSERT … SELECT / UPDATE … FROM (progress granularity)

# Field types whose Python attribute value is what psycopg writes (no get_db_prep_save needed).
_TYPES_SIMPLES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


class EcritureEnBloc:
    """Write model instances through a temporary staging table, in the current transaction.

    The rows are sent once with ``COPY … FROM STDIN`` (psycopg 3) into a temporary table shaped
    like the target's columns, then moved by batches with one ``INSERT … SELECT`` or
    ``UPDATE … FROM`` each: the target's triggers (pghistory audit events, per statement for
    people and rights, with the audit context set on the transaction by ``pghistory.context``;
    the search column) and its
    constraints (unique, check, exclusion) apply exactly as for ORM writes, and one batch that
    fails rolls the transaction back. ``auto_now``/``auto_now_add`` fields get the time of the
    import."""

    _numero = 0

    def __init__(self, model, *, total: int = 0, ctx: ContexteImport | None = None):
        self.model = model
        self.total = total
        self.fait = 0
        self.ctx = ctx
        self.maintenant = timezone.now()
        self.valeurs = False  # rows are dicts, not model instances (see ``inserer``)

    # Values -----------------------------------------------------------------------------------
    def _extracteur(self, champ, *, creation: bool):
        """A function obj -> the value to write for ``champ``."""
        if getattr(champ, "auto_now", False) or (
            creation and getattr(champ, "auto_now_add", False)
        ):
            maintenant = self.maintenant
            if champ.get_internal_type() == "DateField":
                maintenant = timezone.localdate(maintenant)
            return lambda obj: maintenant
        attname = champ.attname
        simple = champ.get_internal_type() in _TYPES_SIMPLES
        if creation and self.valeurs:  # rows given as {attname: value}
            if champ.has_default() and callable(champ.default):
                defaut = champ.get_default
                lire = lambda d: d[attname] if attname in d else defaut()  # noqa: E731
            else:
                defaut = champ.get_default()
                lire = lambda d: d.get(attname, defaut)  # noqa: E731
        else:
            lire = operator.attrgetter(attname)
        if simple:
            return lire
        return lambda obj: champ.get_db_prep_save(lire(obj), connection)

    def _staging(self, cursor, colonnes: list[str]) -> str:
        """Create the temporary table (``_n`` = row order + the target's ``colonnes``)."""
        qn = connection.ops.quote_name
        # Every pgtrigger trigger (the audit ones, the search column) first asks whether it is
        # to be ignored by reading the ``pgtrigger.ignore`` setting; unset, that read raises an
        # error caught in a sub-transaction, for each row and trigger: two thirds of the
        # insert's time. An empty list (ignore nothing, for this transaction only) answers
        # the same without the error. ``pgtrigger.ignore()`` still sets its own list.
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', '{}', true) "
            "WHERE coalesce(current_setting('pgtrigger.ignore', true), '') = ''"
        )
        EcritureEnBloc._numero += 1
        nom = f"import_staging_{EcritureEnBloc._numero}"
        cursor.execute(
            f"CREATE TEMPORARY TABLE {nom} ON COMMIT DROP AS "
            f"SELECT 0::integer AS _n, {', '.join(qn(c) for c in colonnes)} "
            f"FROM {qn(self.model._meta.db_table)} WITH NO DATA"
        )
        return nom

    def _copier(self, cursor, nom: str, colonnes: list[str], objets, ligne, *, jointure=None):
        """COPY ``ligne(obj)`` (the values of ``colonnes``) of every object into ``nom``;
        ``jointure``: the column an ``UPDATE … FROM`` joins on, whose statistics (with the
        batch column's) are then gathered for its plan. An ``INSERT … SELECT`` reads the
        table in order whatever its statistics: gathering them for every column cost more
        than a tenth of the insert."""
        qn = connection.ops.quote_name
        with cursor.copy(
            f"COPY {nom} (_n, {', '.join(qn(c) for c in colonnes)}) FROM STDIN"
        ) as copie:
            for n, obj in enumerate(objets):
                copie.write_row((n, *ligne(obj)))
        if jointure is not None:
            cursor.execute(f"ANALYZE {nom} (_n, {qn(jointure)})")

    def _ligne_creation(self, champs):
        """obj -> the tuple of values of ``champs`` for a new row."""
        extracteurs = [self._extracteur(f, creation=True) for f in champs]
        simples = all(
            f.get_internal_type() in _TYPES_SIMPLES
            and not (f.has_default() and callable(f.default))
            for f in champs
        )
        if not (self.valeurs and simples):
            return lambda obj: tuple(f(obj) for f in extracteurs)
        # Rows given as dicts of plain values: one merge and one itemgetter per row.
        fixes = {
            f.attname: extraire({})
            for f, extraire in zip(champs, extracteurs, strict=True)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        }
        defauts = {f.attname: f.get_default() for f in champs if f.attname not in fixes}
        valeurs = operator.itemgetter(*(f.attname for f in champs))
        return lambda d: valeurs({**defauts, **d, **fixes})

    def _par_lots(self, fonction, nom: str, colonnes: list[str], n: int) -> None:
        for debut in range(0, n, TAILLE_LOT_ECRITURE):
            fin = min(debut + TAILLE_LOT_ECRITURE, n)
            fonction(self.model, nom, colonnes, debut, fin)
            self.fait += fin - debut
            if self.ctx is not None:
                self.ctx.signaler("ecriture", self.fait, self.total)

    # Operations -------------------------------------------------------------------------------
    def inserer(self, objets: list) -> None:
        """Insert ``objets``: unsaved instances (their primary keys are not set), or dicts
        ``{attname: value}`` (``"cpas_id"``, not ``"cpas"``; a missing field gets its default),
        which spare building a model instance per row."""
        if not objets:
            return
        self.valeurs = isinstance(objets[0], dict)
        champs = [
            f
            for f in self.model._meta.concrete_fields
            if not f.primary_key and not getattr(f, "generated", False)
        ]
        colonnes = [f.column for f in champs]
        with connection.cursor() as cursor:
            nom = self._staging(cursor, colonnes)
            self._copier(cursor, nom, colonnes, objets, self._ligne_creation(champs))
            self._par_lots(inserer_lot, nom, colonnes, len(objets))
            cursor.execute(f"DROP TABLE {nom}")

    def mettre_a_jour(self, objets: list, noms_champs: list[str]) -> None:
        """Write the fields ``noms_champs`` of the stored ``objets`` (plus ``auto_now`` ones)."""
        if not objets:
            return
        meta = self.model._meta
        champs = [meta.get_field(nom) for nom in noms_champs]
        champs += [
            f for f in meta.concrete_fields if getattr(f, "auto_now", False) and f not in champs
        ]
        colonnes = [meta.pk.column] + [f.column for f in champs]
        extracteurs = [lambda obj: obj.pk] + [self._extracteur(f, creation=False) for f in champs]
        with connection.cursor() as cursor:
            nom = self._staging(cursor, colonnes)
            self._copier(
                cursor,
                nom,
                colonnes,
                objets,
                lambda obj: tuple(f(obj) for f in extracteurs),
                jointure=meta.pk.column,
            )
            self._par_lots(mettre_a_jour_lot, nom, colonnes, len(objets))
            cursor.execute(f"DROP TABLE {nom}")


def inserer_lot(model, staging: str, colonnes: list[str], debut: int, fin: int) -> int:
    """``INSERT … SELECT`` rows ``debut`` to ``fin`` (excluded) of ``staging`` into ``model``'s
    table, in their order; returns the number of rows inserted."""
    qn = connection.ops.quote_name
    liste = ", ".join(qn(c) for c in colonnes)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(model._meta.db_table)} ({liste}) SELECT {liste} FROM {staging} "
            "WHERE _n >= %s AND _n < %s ORDER BY _n",
            [debut, fin],
        )
        return cursor.rowcount


def mettre_a_jour_lot(model, staging: str, colonnes: list[str], debut: int, fin: int) -> int:
    """``UPDATE … FROM`` rows ``debut`` to ``fin`` (excluded) of ``staging``: the first column
    is the primary key, the others are written; returns the number of rows updated."""
    qn = connection.ops.quote_name
    pk, *autres = colonnes
    affectations = ", ".join(f"{qn(c)} = s.{qn(c)}" for c in autres)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(model._meta.db_table)} AS t SET {affectations} FROM {staging} AS s "
            f"WHERE t.{qn(pk)} = s.{qn(pk)} AND s._n >= %s AND s._n < %s",
            [debut, fin],
        )
        return cursor.rowcount
