"""The person page's lists (the other apps' sections and timeline: stays, steps, PIIS,
contracts, referrals...) as querysets compiled once: ``RequeteCompilee``.

Each list is one small query of one person's rows, whose SQL only the person (and the CPAS)
changes; building and compiling its queryset (filters, joins, ordering, the select list of a
model and its related ones) cost about 1 ms of Python per list and page, far longer than its
SQL runs. Its SQL is compiled once per process with stand-in values for those parameters, then
each page runs that SQL with its own values (through a statement prepared on the connection,
``cpas_isp.preparation``) and Django turns the rows into objects as it would have (same
iterable: model instances with their ``select_related`` objects and annotations, named tuples,
prefetching).

Their links: ``cpas_isp.listes.url_de`` and ``url_par_pk`` (``{% url_de %}`` in the person
page's templates, ``beneficiaires.templatetags.fiche``)."""

from __future__ import annotations

import copy

from django.db import connections

from cpas_isp.preparation import preparees

# Stand-in values of a compiled query's parameters: found by value among the compiled SQL's
# parameters (no real key is negative).
SENTINELLES = (-7_301_946_001, -7_301_946_002, -7_301_946_003)


class RequeteCompilee:
    """``construire(*valeurs) -> queryset``, compiled once; ``lignes(*valeurs)``: its rows for
    these values, as ``list(construire(*valeurs))`` would give them.

    ``construire`` must use each value as a plain query parameter (a filter's value, not a
    list nor a condition of the shape): the SQL must be the same for any values. A value not
    found among the compiled parameters (or a shape Django does not compile to one statement)
    keeps the plain queryset."""

    def __init__(self, construire, nombre=1):
        self.construire = construire
        self.nombre = nombre
        self._compilee = None

    def _compiler(self):
        sentinelles = SENTINELLES[: self.nombre]
        qs = self.construire(*sentinelles)
        compiler = qs.query.get_compiler(using=qs.db)
        try:
            sql, params = compiler.as_sql()
        except Exception:  # noqa: BLE001 - an empty or odd shape: the plain queryset then
            return False
        positions = [
            (i, sentinelles.index(v))
            for i, v in enumerate(params)
            if isinstance(v, int) and v in sentinelles
        ]
        if {k for _i, k in positions} != set(range(self.nombre)):
            return False
        return qs, compiler, sql, tuple(params), positions

    def lignes(self, *valeurs) -> list:
        if self._compilee is None:
            self._compilee = self._compiler()
        if self._compilee is False:
            return list(self.construire(*valeurs))
        qs, compiler, sql, params, positions = self._compilee
        params = list(params)
        for i, k in positions:
            params[i] = valeurs[k]
        # A copy of the compiled compiler whose SQL is the one compiled, with these values, on
        # this thread's connection; the iterable of the queryset reads its rows as usual.
        compilateur = copy.copy(compiler)
        compilateur.connection = connections[qs.db]
        compilateur.as_sql = lambda *args, **kwargs: (sql, params)
        query = copy.copy(qs.query)
        query.get_compiler = lambda *args, **kwargs: compilateur
        copie = qs.all()
        copie._query = query
        with preparees():
            return list(copie)
