"""Statements prepared once per database connection, for the page queries that PostgreSQL
spends longer planning than running: the plan is made once and reused by ``EXECUTE``.

- ``executer_prepare(cursor, sql, params)``: rows of a raw SQL statement (``%(name)s`` or
  ``%s`` parameters).
- ``litteraux(*valeurs)``: the code's own constants (statuses), checked to be plain words,
  as SQL literals to write into such a statement's text where it compares many rows with them.
- ``preparees()``: a context manager; the SELECTs Django runs inside it (a queryset's SQL) go
  through the prepared statement of their shape. Keep it around the one evaluation that needs
  it: every SELECT inside becomes a statement kept by the connection.

The first run of a shape sends ``PREPARE`` and ``EXECUTE`` in one round trip; the next ones send
``EXECUTE`` only. Each psycopg connection keeps its own statements (a new connection, after a
reconnection, starts with none); at most ``PREPARES_MAX`` shapes per connection, the others run
as they are. A shape that fails to prepare (a parameter whose type PostgreSQL cannot infer), or
whose prepared plan fails (a table changed under it), runs as it is from then on; outside a
transaction the failed request is answered by the plain statement, inside one the error is
raised (the transaction is aborted, as by any failed statement).

A prepared statement belongs to its server session: this is not for a pooler in transaction
mode (PgBouncer ``pool_mode=transaction``), which may send the ``EXECUTE`` to another session.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import re
import uuid

from django.db import DatabaseError, connection

from cpas_isp.historique import lectures

# The main pages' shapes alone are about 30 (the dashboard a dozen, the cellule queue, the referral
# list, article 60, the audit, the person page...): room for every page's, a few kilobytes of
# plan each in the connection's backend.
PREPARES_MAX = 128

_MOT = re.compile(r"[a-z_]+")


def litteraux(*valeurs: str) -> str:
    """``'a', 'b'``: the code's constants (a model's choices, never input; each must be a plain
    lowercase word, else ValueError) as SQL literals. A prepared statement run with its generic
    plan does not fold ``IN (%s, %s)`` into a constant: it builds the list again for each row
    tested (~2 ms of the ~7 of an agent's home referral counts, ~5,900 rows)."""
    for valeur in valeurs:
        if not _MOT.fullmatch(valeur):
            raise ValueError(f"not a plain word: {valeur!r}")
    return ", ".join(f"'{valeur}'" for valeur in valeurs)


_NOMME = re.compile(r"%%|%\((\w+)\)s")
_POSITIONNEL = re.compile(r"%%|%s")


def _type_sql(valeur) -> str | None:
    """The SQL type a parameter is cast to in the prepared text, from its Python type only
    (never from its value: the next EXECUTE of the statement may carry other values). None:
    no cast, PostgreSQL infers the type from where the parameter stands, as it does for the
    untyped literal (a number, a string) the plain statement would carry."""
    if isinstance(valeur, bool):
        return "boolean"
    if isinstance(valeur, datetime.datetime):
        return "timestamptz" if valeur.tzinfo is not None else "timestamp"
    if isinstance(valeur, datetime.date):
        return "date"
    if isinstance(valeur, datetime.time):
        return "time"
    if isinstance(valeur, datetime.timedelta):
        return "interval"
    if isinstance(valeur, uuid.UUID):
        return "uuid"
    if isinstance(valeur, (list, tuple)) and valeur:
        elements = {
            "bigint" if isinstance(x, int) and not isinstance(x, bool) else _type_sql(x)
            for x in valeur
        }
        if isinstance(valeur[0], str) and all(isinstance(x, str) for x in valeur):
            elements = {"text"}
        if len(elements) == 1 and None not in elements:
            return elements.pop() + "[]"
    return None


def _texte_et_appel(sql: str, params) -> tuple[str, str]:
    """The statement's text with ``$n`` parameters (cast by ``_type_sql``), and the arguments
    of its ``EXECUTE`` with the cursor's placeholders (the same ``params`` fill them). ``%%``
    stays as it is: the ``EXECUTE``'s parameters make the driver read it as ``%``."""
    noms: list = []

    def parametre(cle, valeur):
        if cle not in noms:
            noms.append(cle)
        type_ = _type_sql(valeur)
        numero = f"${noms.index(cle) + 1}"
        return f"{numero}::{type_}" if type_ else numero

    if isinstance(params, dict):
        texte = _NOMME.sub(
            lambda m: "%%" if m.group(0) == "%%" else parametre(m.group(1), params[m.group(1)]),
            sql,
        )
        return texte, ", ".join(f"%({n})s" for n in noms)
    positions = iter(range(len(params)))

    def positionnel(m):
        if m.group(0) == "%%":
            return "%%"
        i = next(positions)
        return parametre(i, params[i])

    texte = _POSITIONNEL.sub(positionnel, sql)
    return texte, ", ".join(["%s"] * len(noms))


def _signature(sql: str, params) -> str:
    """The statement's name: its text and its parameters' SQL types."""
    valeurs = params.values() if isinstance(params, dict) else params
    types = ",".join(_type_sql(v) or "" for v in valeurs)
    return "isp_" + hashlib.sha1(f"{sql}\x00{types}".encode()).hexdigest()[:20]


def _executer(cursor, execute, sql: str, params, dans_transaction: bool):
    """Run ``sql`` through the prepared statement of its shape: ``execute(sql, params)`` is the
    cursor's; the cursor is left on the statement's rows. Returns what ``execute`` returns."""
    if not params:
        return execute(sql, params)
    # The psycopg connection: a new one (reconnection) starts with nothing prepared.
    etat = cursor.connection.__dict__.setdefault("_isp_prepares", {})
    nom = _signature(sql, params)
    statut = etat.get(nom)
    if statut is False or (statut is None and len(etat) >= PREPARES_MAX):
        return execute(sql, params)
    if statut:
        # Prepared: its EXECUTE, written when it was prepared.
        try:
            return execute(statut, params)
        except DatabaseError:
            # A plan a changed table invalidated, or a value out of the type PostgreSQL
            # inferred: prepared again next time, answered by the plain statement now.
            if dans_transaction:
                raise
            del etat[nom]
            with contextlib.suppress(DatabaseError):
                execute(f"DEALLOCATE {nom}", None)
            return execute(sql, params)
    texte, arguments = _texte_et_appel(sql, params)
    appel = f"EXECUTE {nom}({arguments})"
    # Unknown state if what follows fails (prepared or not): this shape then runs as it is.
    etat[nom] = False
    try:
        # One round trip: the PREPARE's result first, then the EXECUTE's rows.
        resultat = execute(f"PREPARE {nom} AS {texte}; {appel}", params)
    except DatabaseError:
        if dans_transaction:
            raise
        return execute(sql, params)
    cursor.nextset()
    etat[nom] = appel
    return resultat


def executer_prepare(cursor, sql: str, params, non_suivie=False) -> list:
    """Rows of ``sql`` (``%(name)s`` or ``%s`` parameters), through a statement prepared on
    this connection; a SELECT's, or one that writes only tables without history triggers
    (``non_suivie``), without pghistory's context (``cpas_isp.historique.lectures``)."""
    with lectures([sql], non_suivies=non_suivie):
        _executer(cursor, cursor.execute, sql, params, connection.in_atomic_block)
        return cursor.fetchall()


def _enrober(execute, sql, params, many, context):
    debut = sql.lstrip()[:6].upper()
    if many or not debut.startswith(("SELECT", "WITH")):
        return execute(sql, params, many, context)
    return _executer(
        context["cursor"],
        lambda s, p: execute(s, p, many, context),
        sql,
        params,
        context["connection"].in_atomic_block,
    )


@contextlib.contextmanager
def preparees():
    """The SELECTs run inside go through statements prepared on the connection."""
    with connection.execute_wrapper(_enrober):
        yield
