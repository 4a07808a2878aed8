"""Querysets compiled once, for the pages where building and compiling a queryset (filters,
joins, ordering, select lists, subqueries) costs more Python than its SQL takes to run.

``RequeteCompilee``: a whole queryset whose SQL only some values change (a person, a CPAS, a
user, a day), compiled once per process with stand-in values, then run with each request's
values (prepared on the connection, ``cpas_isp.preparation``) and read by Django as the
queryset would have been (model instances, values, related objects).

``RequeteCompilee.generateur``: the same, as a generator of ``cpas_isp.lots``: several such
queries of a page sent in one round trip (``lots.executer_ensemble``).

``annotations_compilees``: the SQL text and parameters the ORM wrote for a queryset's
annotations, reused by later querysets of the same model instead of building and compiling
their expressions (subqueries above all) again on every page.

``ExpressionsCompilees``: a model's filter conditions and annotations whose SQL only some
values change (a search term), compiled once with stand-in values, then given as
``SQLCompile`` expressions carrying each request's values: the same SQL, without building and
compiling the lookups and functions again on every page.

Only for annotations whose outer reference is the model's table by its own name: the base
table of a query, which Django never aliases (a join or a subquery of its own inside the
annotation has its own aliases). Their values must not depend on the request (user, date...)
unless the caller keys its cache on them (``beneficiaires.queries.requete_memorisee``).

``ExisteParLigne``: an ``Exists`` that PostgreSQL runs for each outer row (stopping at its
first row) instead of turning it into a semi-join."""

from __future__ import annotations

import copy
import datetime

from django.core.exceptions import FieldError
from django.db import connections
from django.db.models import BooleanField, Exists, Expression, Q
from django.db.models.sql import Query
from django.db.models.sql.constants import MULTI

from cpas_isp import lots
from cpas_isp.memo import Memo
from cpas_isp.preparation import preparees

# Stand-in values of a compiled query's parameters, found by type and value among the compiled
# SQL's parameters: keys no row has (negative), instants no row holds (1901).
SENTINELLES = (-7_301_946_001, -7_301_946_002, -7_301_946_003, -7_301_946_004)
SENTINELLES_INSTANTS = (
    datetime.datetime(1901, 1, 1, 0, 0, 1, tzinfo=datetime.UTC),
    datetime.datetime(1901, 1, 1, 0, 0, 2, tzinfo=datetime.UTC),
)


def _cle(valeur):
    """A parameter's value as a key: its type and value (a list's: its elements' keys, so that
    a stand-in list, such as a page's keys for ``= ANY(%s)``, is found as well)."""
    if isinstance(valeur, list):
        return (list, tuple(_cle(v) for v in valeur))
    return (type(valeur), valeur)


class RequeteCompilee:
    """``construire(*valeurs) -> queryset``, compiled once; ``lignes(*valeurs)``: its rows for
    these values, as ``list(construire(*valeurs))`` would give them.

    ``construire`` must use each value as a plain query parameter (a filter's value, or a list
    sent as one array parameter, not a condition of the shape): the SQL must be the same for any
    values. Its values are integer keys, unless ``sentinelles`` gives the stand-in of each (e.g.
    ``SENTINELLES_INSTANTS`` for date-times, ``[[SENTINELLES[0]]]`` for a list of keys). A
    stand-in not found among the compiled parameters (or a shape Django does not compile to one
    statement) keeps the plain queryset.

    ``generique``: its statement always runs its generic plan (``lots.GENERIQUE``), for one
    that PostgreSQL keeps planning for its values on every run (it estimates the generic plan
    dearer) while the generic plan runs as fast. PostgreSQL plans every prepared statement for
    its values on its first five runs, then chooses: most of these run their generic plan from
    then on by themselves."""

    def __init__(self, construire, nombre=1, sentinelles=None, *, generique=False):
        self.construire = construire
        self.sentinelles = tuple(sentinelles) if sentinelles is not None else SENTINELLES[:nombre]
        self.generique = generique
        self._compilee = None

    def _compiler(self):
        qs = self.construire(*self.sentinelles)
        compiler = qs.query.get_compiler(using=qs.db)
        try:
            sql, params = compiler.as_sql()
        except Exception:  # noqa: BLE001 - an empty or odd shape: the plain queryset then
            return False
        index = {_cle(v): k for k, v in enumerate(self.sentinelles)}
        positions = [(i, index[_cle(v)]) for i, v in enumerate(params) if _cle(v) in index]
        if {k for _i, k in positions} != set(range(len(self.sentinelles))):
            return False
        return qs, compiler, sql, tuple(params), positions

    def _sql(self, valeurs):
        """The compiled SQL and its parameters for ``valeurs`` (None: not compiled)."""
        if self._compilee is None:
            self._compilee = self._compiler()
        if self._compilee is False:
            return None
        _qs, _compiler, sql, params, positions = self._compilee
        params = list(params)
        for i, k in positions:
            params[i] = valeurs[k]
        return sql, params

    def _copie(self, sql, params, lignes=None):
        """A copy of the queryset whose compiler (a copy of the compiled one, on this thread's
        connection) runs ``sql`` with ``params``, or reads ``lignes`` (the rows of that
        statement, already fetched) without running anything; the queryset's iterable reads
        its rows as usual (model instances, values, related objects)."""
        qs, compiler, _sql, _params, _positions = self._compilee
        compilateur = copy.copy(compiler)
        compilateur.connection = connections[qs.db]
        compilateur.as_sql = lambda *args, **kwargs: (sql, params)
        if lignes is not None:

            def execute_sql(result_type=MULTI, *args, **kwargs):
                assert result_type == MULTI, result_type  # what the iterables ask for
                return [lignes]

            compilateur.execute_sql = execute_sql
        query = copy.copy(qs.query)
        query.get_compiler = lambda *args, **kwargs: compilateur
        copie = qs.all()
        copie._query = query
        return copie

    def lignes(self, *valeurs) -> list:
        requete = self._sql(valeurs)
        if requete is None:
            return list(self.construire(*valeurs))
        if self.generique:
            return lots.executer_ensemble([self.generateur(*valeurs)])[0]
        with preparees():
            return list(self._copie(*requete))

    def generateur(self, *valeurs):
        """``lignes(*valeurs)`` as a generator of ``cpas_isp.lots``: its statement sent with
        the others of ``lots.executer_ensemble`` (one round trip), its rows read by the
        queryset's iterable as ``lignes`` reads them. Not compiled: the plain queryset, run
        on its own."""
        requete = self._sql(valeurs)
        if requete is None:
            return list(self.construire(*valeurs))
        (lignes,) = yield [(*requete, lots.GENERIQUE) if self.generique else requete]
        return list(self._copie(*requete, lignes=lignes))


class ExisteParLigne(Exists):
    """``EXISTS (… OFFSET 0)``: the OFFSET keeps PostgreSQL from pulling the subquery up into a
    semi-join (which reads every row of the subquery's table that the condition keeps, then
    joins); it stays a subplan run for each outer row, which stops at the first row found
    through the outer row's index (the partners of the referral list's filter: a probe or two
    per service, instead of every referral of an agent's ~1,800 people)."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


class SQLCompile(Expression):
    """An annotation as SQL text and parameters compiled before (``annotations_compilees``)."""

    def __init__(self, sql, params, output_field):
        super().__init__(output_field=output_field)
        self.sql, self.params = sql, tuple(params)

    def as_sql(self, compiler, connection):
        return self.sql, self.params


def annotations_compilees(qs) -> dict:
    """Each annotation of ``qs`` as a ``SQLCompile``, to ``annotate()`` another queryset of the
    same model with (its table not aliased there either)."""
    compiler = qs.query.get_compiler(qs.db)
    return {
        nom: SQLCompile(*compiler.compile(expression), expression.output_field)
        for nom, expression in qs.query.annotations.items()
    }


class ExpressionsCompilees:
    """``construire(*valeurs) -> {name: Q condition or expression}`` on ``modele``'s own
    columns (no join), compiled once per database alias with ``sentinelles`` (stand-in values
    no request gives, of the values' types) in place of the values; ``expressions(alias,
    *valeurs)``: the same names as ``SQLCompile`` expressions of the SQL the ORM writes for
    ``construire(*valeurs)`` (a condition for ``filter()``, an annotation for
    ``annotate()``), the base table by its own name as in any query of the model.

    ``construire`` must use each value as a plain query parameter (the SQL must be the same
    for any values); a compiled parameter that is not a stand-in, or a stand-in missing from
    the SQL, or a join, gives None: the caller then uses ``construire(*valeurs)`` itself."""

    def __init__(self, modele, construire, sentinelles):
        self.modele = modele
        self.construire = construire
        self.sentinelles = tuple(sentinelles)
        self._compilees: Memo = Memo(8)  # per database alias

    def _compiler(self, alias):
        query = Query(self.modele)
        compiler = query.get_compiler(using=alias)
        index = {_cle(v): k for k, v in enumerate(self.sentinelles)}
        compilees, vues = {}, set()
        for nom, expression in self.construire(*self.sentinelles).items():
            try:
                resolue = expression.resolve_expression(query, allow_joins=False)
            except FieldError:  # a join: not compiled apart from its query
                return None
            sql, params = compiler.compile(resolue)
            positions = tuple(index.get(_cle(v)) for v in params)
            if None in positions:
                return None
            vues.update(positions)
            sortie = BooleanField() if isinstance(expression, Q) else resolue.output_field
            compilees[nom] = (sql, positions, sortie)
        if query.alias_map.keys() - {self.modele._meta.db_table} or vues != set(
            range(len(self.sentinelles))
        ):
            return None
        return compilees

    def expressions(self, alias, *valeurs) -> dict | None:
        compilees = self._compilees.obtenir(alias, lambda: self._compiler(alias))
        if compilees is None:
            return None
        table = self.modele._meta.db_table
        return {
            nom: SQLCompileDeTable(sql, [valeurs[k] for k in positions], sortie, table)
            for nom, (sql, positions, sortie) in compilees.items()
        }


class SQLCompileDeTable(SQLCompile):
    """A ``SQLCompile`` whose SQL names the columns of its query's base table ``table`` by the
    table's name: when that query becomes another's subquery (``pk__in=queryset``), Django
    gives its tables other aliases, and the SQL follows."""

    def __init__(self, sql, params, output_field, table, alias=None):
        super().__init__(sql, params, output_field)
        self.table, self.alias = table, alias or table

    def relabeled_clone(self, change_map):
        clone = super().relabeled_clone(change_map)
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def as_sql(self, compiler, connection):
        if self.alias == self.table:
            return self.sql, self.params
        ancien = f"{compiler.quote_name_unless_alias(self.table)}."
        return self.sql.replace(ancien, f"{compiler.quote_name_unless_alias(self.alias)}."), (
            self.params
        )
