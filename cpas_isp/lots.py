"""Read statements of several functions sent together: one round trip for all, each through the
statement prepared on the connection for its shape (``cpas_isp.preparation``).

A function taking part is written as a generator: it yields a list of statements
``(sql, params)`` (``%(name)s`` or ``%s`` parameters), receives the list of their rows (one list
of tuples per statement, in order), may yield again (statements that depend on those rows) and
returns its result. Then:

- ``executer(gen)`` runs it alone, each statement as a plain statement of its own, as a function
  running its queries one after the other would (the figures' functions called by themselves:
  the PDF, the commands, the tests);
- ``executer_ensemble(gens)`` runs several side by side: at each step, the statements every
  generator waits for are sent in one round trip (``executer_lot``), a page's tables that way
  cost one round trip and no planning after the connection's first request; ``ensemble(gens)``
  is that composition as a generator itself (``yield from`` it in another).

A page's dashboard: a dozen statements (a few hundred microseconds each to plan, a round trip
and a pass through the cursor's wrappers each) that PostgreSQL runs in one message, their
plans made once per connection.

``executer_lot`` reads every result set as soon as the message is executed: the history
context's wrapper (pghistory), outside it, moves the cursor past every result but the last.
The statements are read-only (no history context needed): a message of SELECTs is sent
without pghistory's wrapper (``cpas_isp.historique.lectures``), which would prepend its context
variables to it (it does not start with SELECT once prepared: a statement and a result set
more, at the front); with another kind of statement it keeps it, and the results are taken from
the end.

Like ``cpas_isp.preparation``: not for a pooler in transaction mode; a statement that fails to
prepare or whose prepared plan fails makes the whole message run again with plain statements
outside a transaction (that shape is not prepared again on the connection), the error is
raised inside one (the transaction is aborted, as by any failed statement).
"""

from __future__ import annotations

import contextlib
import re

from django.db import DatabaseError, connection
from psycopg.pq import ExecStatus

from cpas_isp.historique import lectures
from cpas_isp.memo import Memo

# The shapes' names and their prepared text are the ones ``executer_prepare`` uses: a statement
# prepared by either is executed by the other.
from cpas_isp.preparation import PREPARES_MAX, _signature, _texte_et_appel, _type_sql

_NOMME = re.compile(r"%%|%\((\w+)\)s")
_POSITIONNEL = re.compile(r"%%|%s")


def _conduire(generateur, executer_etape):
    """The result of ``generateur``, each step's statements run by ``executer_etape``."""
    envoi = None
    while True:
        try:
            demande = generateur.send(envoi)
        except StopIteration as fin:
            return fin.value
        envoi = executer_etape(demande)


def _un_par_un(demande) -> list:
    resultats = []
    with connection.cursor() as cursor:
        for sql, params, *_preparable in demande:
            cursor.execute(sql, params)
            resultats.append(cursor.fetchall())
    return resultats


def executer(generateur):
    """The result of ``generateur``, its statements run one by one, plainly."""
    return _conduire(generateur, _un_par_un)


def ensemble(generateurs):
    """A generator running ``generateurs`` side by side: at each step it yields the statements
    all of them wait for, together; it returns their results (in order). ``yield from
    ensemble(...)`` inside a generator composes others into it."""
    generateurs = list(generateurs)
    resultats: list = [None] * len(generateurs)
    demandes: dict[int, list] = {}

    def avancer(i, envoi):
        try:
            demande = generateurs[i].send(envoi)
        except StopIteration as fin:
            resultats[i] = fin.value
        else:
            demandes[i] = list(demande)

    for i in range(len(generateurs)):
        avancer(i, None)
    while demandes:
        courantes, demandes = demandes, {}
        lignes = yield [r for liste in courantes.values() for r in liste]
        debut = 0
        for i, liste in courantes.items():
            avancer(i, lignes[debut : debut + len(liste)])
            debut += len(liste)
    return resultats


def executer_ensemble(generateurs) -> list:
    """The results of ``generateurs`` (in order), each step's statements of all of them sent
    in one round trip (``executer_lot``)."""
    return _conduire(ensemble(generateurs), executer_lot)


def lire(requetes):
    """A generator of ``requetes`` read in one step: their rows as ``executer_lot`` gives them
    (a function that builds its statements itself, sent with a page's others)."""
    return (yield list(requetes))


def valeur(resultat):
    """A generator without statements returning ``resultat`` (a function with nothing to
    read, among others)."""
    return resultat
    yield  # (makes this function a generator)


def _renommer(sql: str, params, prefixe: str, tous: dict) -> str:
    """``sql`` with its parameters named ``prefixe`` + their name (or position), their values
    added to ``tous``: the statements of a message share one dict of parameters."""
    if not params:
        return sql.replace("%", "%%")
    if isinstance(params, dict):

        def nomme(m):
            if m.group(0) == "%%":
                return "%%"
            nom = prefixe + m.group(1)
            tous[nom] = params[m.group(1)]
            return f"%({nom})s"

        return _NOMME.sub(nomme, sql)
    positions = iter(range(len(params)))

    def positionnel(m):
        if m.group(0) == "%%":
            return "%%"
        i = next(positions)
        nom = f"{prefixe}{i}"
        tous[nom] = params[i]
        return f"%({nom})s"

    return _POSITIONNEL.sub(positionnel, sql)


#: (text, parameters' SQL types) -> ``_signature``: the name without hashing the text again
_NOMS: Memo[str] = Memo(1024)


def _nom(sql: str, params) -> str:
    valeurs = params.values() if isinstance(params, dict) else params
    cle = (sql, *(_type_sql(v) for v in valeurs))
    return _NOMS.obtenir(cle, lambda: _signature(sql, params))


#: A statement's third element (``(sql, params, GENERIQUE)``): prepared, and always run with
#: its generic plan, made once per connection. For a statement that PostgreSQL would plan for
#: its values on every run (it compares its estimates of the two kinds of plan, not their
#: running times) while its generic plan runs as fast: the other apps' items of "Mes
#: échéances", 1.9 ms of planning a page for an agent. Its EXECUTE is framed by
#: ``SET LOCAL plan_cache_mode``, which the message's transaction (a message is one implicit
#: transaction outside an atomic block) ends if a statement fails.
GENERIQUE = "generique"
_GENERIQUE_AVANT = "SET LOCAL plan_cache_mode = force_generic_plan"
_GENERIQUE_APRES = "SET LOCAL plan_cache_mode TO DEFAULT"


def _message(requetes, etat, preparer: bool):
    """(text of the message, its parameters, number of result sets, shapes it prepares)."""
    textes, tous, nouveaux = [], {}, {}
    resultats = 0
    for n, (sql, params, *preparable) in enumerate(requetes):
        prefixe = f"q{n}_"
        nom = _nom(sql, params) if params and preparer and preparable != [False] else None
        statut = etat.get(nom) if nom else False
        appel = None
        if statut or nom in nouveaux:
            # Prepared before, or earlier in this message.
            appel = _renommer(statut or nouveaux[nom], params, prefixe, tous)
        elif statut is None and len(etat) + len(nouveaux) < PREPARES_MAX:
            texte, arguments = _texte_et_appel(sql, params)
            nouveaux[nom] = f"EXECUTE {nom}({arguments})"
            # The PREPARE's text keeps its %% (read as % with the message's parameters).
            textes.append(f"PREPARE {nom} AS {texte}")
            appel = _renommer(nouveaux[nom], params, prefixe, tous)
            resultats += 1
        else:
            textes.append(_renommer(sql, params, prefixe, tous))
        if appel is not None and preparable == [GENERIQUE]:
            textes.extend((_GENERIQUE_AVANT, appel, _GENERIQUE_APRES))
            resultats += 2
        elif appel is not None:
            textes.append(appel)
        resultats += 1
    return ";\n".join(textes), tous, resultats, nouveaux


#: The statuses of a result set that returns rows (``psycopg.Cursor.description``'s test)
_AVEC_LIGNES = frozenset(
    getattr(ExecStatus, nom)
    for nom in ("TUPLES_OK", "SINGLE_TUPLE", "TUPLES_CHUNK")
    if hasattr(ExecStatus, nom)
)


def _a_des_lignes(curseur) -> bool:
    """``curseur.description is not None`` without its list: psycopg builds a ``Column`` per
    column on every access (~400 objects for a person page's message, ~1 ms)."""
    resultat = curseur.pgresult
    return resultat is not None and (resultat.nfields > 0 or resultat.status in _AVEC_LIGNES)


def _lire(resultats: list):
    """An execute wrapper (the innermost) reading every result set of the message."""

    def lire(execute, sql, params, many, context):
        retour = execute(sql, params, many, context)
        curseur = context["cursor"].cursor
        while True:
            resultats.append(curseur.fetchall() if _a_des_lignes(curseur) else None)
            if not curseur.nextset():
                break
        return retour

    return lire


def _envoyer(cursor, texte, params, attendus) -> list:
    resultats: list = []
    with connection.execute_wrapper(_lire(resultats)):
        cursor.execute(texte, params)
    return resultats[len(resultats) - attendus :]


def executer_lot(requetes) -> list[list[tuple]]:
    """The rows of each statement ``(sql, params)`` of ``requetes``, sent in one round trip,
    each through the statement prepared on the connection for its shape; a statement given
    as ``(sql, params, False)`` is sent as it is (planned for its values every time: one whose
    generic plan, that PostgreSQL would choose for a prepared statement, is a bad one), one
    given as ``(sql, params, GENERIQUE)`` always runs its generic plan."""
    if not requetes:
        return []
    # Reads (SELECTs) are sent without the history context (``cpas_isp.historique.lectures``).
    with lectures([sql for sql, *_ in requetes]), connection.cursor() as cursor:
        etat = cursor.connection.__dict__.setdefault("_isp_prepares", {})
        texte, params, attendus, nouveaux = _message(requetes, etat, preparer=True)
        # Unknown state if what follows fails (prepared or not): these shapes then run plainly.
        etat.update(dict.fromkeys(nouveaux, False))
        try:
            resultats = _envoyer(cursor, texte, params, attendus)
        except DatabaseError:
            if connection.in_atomic_block:
                raise
            # A shape PostgreSQL refused to prepare, a plan a changed table invalidated:
            # the shapes of this message are forgotten and run plainly from now on.
            # (Whether a PREPARE of the failed message stays is not relied upon: each name is
            # deallocated, an unknown one's error ignored.)
            for nom in {_nom(sql, p) for sql, p, *_ in requetes if p}:
                etat[nom] = False
                with contextlib.suppress(DatabaseError):
                    cursor.execute(f"DEALLOCATE {nom}")
            texte, params, attendus, _n = _message(requetes, etat, preparer=False)
            resultats = _envoyer(cursor, texte, params, attendus)
        else:
            etat.update(nouveaux)
    return [r for r in resultats if r is not None]
