"""How changes are recorded: every tracked model gets insert/update/delete events (pghistory
database triggers, so bulk writes, imports and scripts are recorded too).

``suivre()`` is the one decorator models use. Besides the triggers it indexes the event table
for the audit page: a tenant model's event table (it copies the ``cpas`` column) gets an index on
``(cpas, pgh_created_at, pgh_id)``. The audit page reads one CPAS's latest events table by table
in that order with keyset pagination ("next page" from the last row shown, never OFFSET or
COUNT), so each table answers from the index whatever its size. The person column
(``beneficiaire``) and the context (who, from where) are foreign keys, already indexed.

Why one event table per model rather than one consolidated audit table: pghistory's triggers and
schema stay untouched (its migrations and admin keep working), the columns used to filter are
real typed columns copied by the trigger (no JSON filtering), and the audit page merges the
per-table keyset queries in one SQL statement (``cpas_isp.audit.journal``).

Why ``suivre()`` rather than pghistory's ``PGHISTORY_DEFAULT_TRACKERS`` setting: that setting
only chooses the default events of ``pghistory.track``; models would still each need a
decorator, and the setting cannot add the ``(cpas, pgh_created_at, pgh_id)`` index that every
tenant event table needs for the audit page. ``suivre()`` is the one place for both.

``lectures(sqls)``: statements run inside are reads by pghistory's own rule, sent without its
context (see there).
"""

from __future__ import annotations

import contextlib

import pghistory
from django.db import connection, models
from pghistory.runtime import _inject_history_context, _is_ignored_statement


def suivre(*trackers, **options):
    """``pghistory.track`` with insert, update and delete events by default, and the indexes the
    audit page needs on the event table. Takes ``pghistory.track``'s options."""
    trackers = trackers or (
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
    )

    def decorator(model):
        meta = dict(options.pop("meta", None) or {})
        copied = {f.name for f in model._meta.local_fields}
        if options.get("fields"):
            copied &= set(options["fields"])
        copied -= set(options.get("exclude") or [])
        if "cpas" in copied:
            meta["indexes"] = [
                *meta.get("indexes", []),
                models.Index(fields=["cpas", "pgh_created_at", "pgh_id"]),
            ]
        return pghistory.track(*trackers, meta=meta, **options)(model)

    return decorator


@contextlib.contextmanager
def lectures(sqls, non_suivies=False):
    """The statements run inside are ``sqls``' executions: when each is one pghistory itself
    sends without its context (a SELECT: no trigger records anything), its wrapper is left
    out for them. It would otherwise prepend its two ``set_config`` (a statement more to
    parse and run, a result set more, its metadata serialised) to what reaches it as another
    kind of statement: the ``EXECUTE`` of a prepared SELECT (``cpas_isp.preparation``), a
    message of several (``cpas_isp.lots``). Anything else (a write, a WITH, which may write)
    keeps it, unless ``non_suivies``: the caller's statements write only tables no history
    trigger is on (the access log's own rows)."""
    wrappers = connection.execute_wrappers
    gardes = [w for w in wrappers if w is not _inject_history_context]
    if len(gardes) == len(wrappers) or not (
        non_suivies or all(_is_ignored_statement(sql) for sql in sqls)
    ):
        yield
        return
    connection.execute_wrappers = gardes
    try:
        yield
    finally:
        connection.execute_wrappers = wrappers
