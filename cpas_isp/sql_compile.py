"""Annotations compiled once: the SQL text and parameters the ORM wrote for a queryset's
annotations, reused by later querysets of the same model instead of building and compiling
their expressions (subqueries above all) again on every page.

Only for annotations whose outer reference is the model's table by its own name: the base
table of a query, which Django never aliases (a join or a subquery of its own inside the
annotation has its own aliases). Their values must not depend on the request (user, date...)
unless the caller keys its cache on them (``beneficiaires.queries.requete_memorisee``)."""

from __future__ import annotations

from django.db.models import Expression


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
