"""Read side of the audit trail: who changed what field when, in one CPAS, fast at any size.

Every tracked model has its own pghistory event table (``cpas_isp.historique``). A page of the
audit is read in two SQL statements whatever the number of events:

1. the keys of the next page: for each event table, its latest events of the CPAS matching the
   filters (``ORDER BY pgh_created_at DESC, pgh_id DESC LIMIT n``, served by the index on
   ``(cpas, pgh_created_at, pgh_id)``), merged by a ``UNION ALL`` and cut at ``n``. Pages follow
   each other by keyset (the last row shown), never by OFFSET, and nothing is counted;
2. those events with their context (who, from where) and, for updates, the previous version of
   the same object (one index probe each), from which the changed fields are computed.

The event tables come from ``sources``; the readable columns of each event from ``evenements``.
"""

from __future__ import annotations

import dataclasses
import datetime
import json

from django.db import connection
from django.utils import timezone

from cpas_isp.audit.evenements import Evenement
from cpas_isp.audit.sources import Source, sources
from cpas_isp.lots import executer_ensemble


@dataclasses.dataclass
class Filtres:
    personnes: list[int] | None = None  # None: no person filter
    utilisateur: int | None = None
    du: datetime.date | None = None
    au: datetime.date | None = None


def debut_du_jour(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclasses.dataclass(frozen=True)
class Curseur:
    quand: datetime.datetime
    source: int
    pgh_id: int

    def encoder(self) -> str:
        return f"{self.quand.isoformat()}~{self.source}~{self.pgh_id}"

    @classmethod
    def decoder(cls, texte: str | None) -> Curseur | None:
        try:
            quand, source, pgh_id = (texte or "").split("~")
            moment = datetime.datetime.fromisoformat(quand)
            if timezone.is_naive(moment):
                return None
            return cls(moment, int(source), int(pgh_id))
        except ValueError:
            return None


def _branche(
    source: Source, f: Filtres, curseur: Curseur | None, params: dict, rares: bool
) -> str | None:
    conditions = [source.portee]
    if f.personnes is not None:
        condition = source.filtre_personnes_sql()
        if condition is None:
            return None
        conditions.append(condition)
    if f.utilisateur is not None:
        contextes = "e.pgh_context_id IN (SELECT id FROM contextes)"
        if not rares:
            # A busy user: keep the walk down the date index, the user's contexts hashed once
            # (``IS TRUE`` keeps the planner from turning this into a join on the contexts).
            contextes = f"({contextes}) IS TRUE"
        conditions.append(contextes)
    if f.du:
        conditions.append("e.pgh_created_at >= %(du)s")
    if f.au:
        conditions.append("e.pgh_created_at < %(au)s")
    if curseur is not None:
        if source.numero < curseur.source:
            conditions.append("e.pgh_created_at <= %(c_quand)s")
        elif source.numero == curseur.source:
            conditions.append("(e.pgh_created_at, e.pgh_id) < (%(c_quand)s, %(c_id)s)")
        else:
            conditions.append("e.pgh_created_at < %(c_quand)s")
    where = " AND ".join(f"({c})" for c in conditions)
    select = (
        f"SELECT {source.numero} AS src, e.pgh_id, e.pgh_created_at "
        f'FROM "{source.table}" e WHERE {where}'
    )
    if not rares:
        # Walk the (cpas, pgh_created_at, pgh_id) index from the newest and stop at the limit.
        return f"({select} ORDER BY e.pgh_created_at DESC, e.pgh_id DESC LIMIT %(limite)s)"
    # Filtered by people or by a user with few contexts: few rows match, found by the person
    # or context index, then sorted. OFFSET 0 keeps the planner from walking the whole date
    # index instead, hoping to meet the matching rows early (seconds when they are old or rare).
    return (
        f"(SELECT * FROM ({select} OFFSET 0) s "
        "ORDER BY pgh_created_at DESC, pgh_id DESC LIMIT %(limite)s)"
    )


# Above this many contexts in the period, a user's changes are frequent enough to be met early by
# walking the date index; below, they are fetched through the context index and sorted.
CONTEXTES_FREQUENTS = 2000


def _contextes_rares(f: Filtres, params: dict) -> bool:
    sql = "SELECT count(*) FROM (SELECT 1 FROM pghistory_context c WHERE " + _contextes_sql(f)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT {CONTEXTES_FREQUENTS}) x", params)
        return cursor.fetchone()[0] < CONTEXTES_FREQUENTS


def _contextes_sql(f: Filtres) -> str:
    """Condition on pghistory_context ``c``: the user's contexts in the period. A context may
    span several transactions: it is in the period if it began before its end and was last
    used after its start (index on the user in the metadata, then created_at)."""
    # Contexts of requests made in another CPAS (the middleware notes the CPAS) are left out:
    # a user busy elsewhere is not "busy" here.
    sql = (
        "c.metadata->>'user' = %(utilisateur)s "
        "AND (c.metadata->>'cpas' IS NULL OR c.metadata->>'cpas' = %(cpas_texte)s)"
    )
    if f.au:
        sql += " AND c.created_at < %(au)s"
    if f.du:
        sql += " AND c.updated_at >= %(du)s"
    return sql


def _json(value):
    if value is None or isinstance(value, dict):
        return value
    return json.loads(value)


def page_evenements(cpas, f: Filtres, curseur: Curseur | None = None, taille: int = 50):
    """(events, next cursor or None). Two queries, whatever the size of the history, each
    prepared once per connection and shape (``requetes_page_evenements``)."""
    return executer_ensemble([requetes_page_evenements(cpas, f, curseur, taille)])[0]


def requetes_page_evenements(cpas, f: Filtres, curseur: Curseur | None = None, taille: int = 50):
    """``page_evenements`` as a generator of ``cpas_isp.lots``: its two statements sent with
    a page's others (``lots.executer_ensemble``), or one by one (``lots.executer``)."""
    params = {"cpas": cpas.pk, "limite": taille + 1}
    if f.personnes is not None:
        params["personnes"] = list(f.personnes)
    if f.utilisateur is not None:
        params["utilisateur"] = str(f.utilisateur)
        params["cpas_texte"] = str(cpas.pk)
    if f.du:
        params["du"] = debut_du_jour(f.du)
    if f.au:
        params["au"] = debut_du_jour(f.au + datetime.timedelta(days=1))
    if curseur is not None:
        params["c_quand"] = curseur.quand
        params["c_id"] = curseur.pgh_id
    rares = f.personnes is not None or (f.utilisateur is not None and _contextes_rares(f, params))
    branches = [b for s in sources() if (b := _branche(s, f, curseur, params, rares))]
    if not branches or f.personnes == []:
        return [], None
    with_ = ""
    if f.utilisateur is not None:
        # The user's contexts, read once for every table.
        with_ = (
            "WITH contextes AS MATERIALIZED "
            f"(SELECT c.id FROM pghistory_context c WHERE {_contextes_sql(f)}) "
        )
    sql = (
        with_
        + "SELECT src, pgh_id, pgh_created_at FROM ("
        + " UNION ALL ".join(branches)
        + ") u ORDER BY pgh_created_at DESC, src DESC, pgh_id DESC LIMIT %(limite)s"
    )
    # The keys query unions a branch per event table (about sixty): PostgreSQL spends far
    # longer planning it (~7 ms) than running it (~1 ms): prepared once per connection and
    # shape of filters, so that PostgreSQL reuses its plan.
    (cles,) = yield [(sql, params)]
    suivant = None
    if len(cles) > taille:
        cles = cles[:taille]
        dernier = cles[-1]
        suivant = Curseur(dernier[2], dernier[0], dernier[1])
    return (yield from _details(cles)), suivant


def _details(cles):
    if not cles:
        return []
    par_source: dict[int, list[int]] = {}
    for src, pgh_id, _quand in cles:
        par_source.setdefault(src, []).append(pgh_id)
    toutes = sources()
    branches, params = [], {}
    for src, ids in par_source.items():
        s = toutes[src]
        params[f"ids{src}"] = ids
        avant = (
            f'(SELECT to_jsonb(p.*) FROM "{s.table}" p WHERE p.pgh_obj_id = e.pgh_obj_id '
            "AND p.pgh_id < e.pgh_id ORDER BY p.pgh_id DESC LIMIT 1)"
            if s.obj == "e.pgh_obj_id"
            else "NULL::jsonb"
        )
        branches.append(
            f"SELECT {src} AS src, e.pgh_id, e.pgh_created_at, e.pgh_label, "
            f"({s.obj})::bigint AS obj_id, ({s.personne_sql})::bigint AS personne_id, "
            "c.metadata AS contexte, to_jsonb(e.*) AS donnees, "
            f"CASE WHEN e.pgh_label = 'update' THEN {avant} END AS avant "
            f'FROM "{s.table}" e LEFT JOIN pghistory_context c ON c.id = e.pgh_context_id '
            f"WHERE e.pgh_id = ANY(%(ids{src})s)"
        )
    # Prepared too, once per connection and set of tables (its planning cost about as much
    # as running it).
    (lignes,) = yield [(" UNION ALL ".join(branches), params)]
    rows = {(r[0], r[1]): r for r in lignes}
    events = []
    for src, pgh_id, _quand in cles:
        r = rows.get((src, pgh_id))
        if r is None:
            continue
        events.append(
            Evenement(
                source=toutes[src],
                pgh_id=pgh_id,
                quand=r[2],
                action=r[3],
                obj_id=r[4],
                personne_id=r[5],
                contexte=_json(r[6]) or {},
                donnees=_json(r[7]) or {},
                avant=_json(r[8]),
            )
        )
    return events
