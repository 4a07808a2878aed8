"""The hand-written SQL that ``bench_rapports.py`` compares the participation table with: the
best reference found (``SQL_REFERENCE``) and the bucketed boundary sweep (``SQL_BALAYAGE``),
their parameters (``_params_sql``) and their rows turned into the table's rows (``_table``)."""

import datetime

# The reference: the best hand-written SQL found for the table. With the dates sorted
# d_1 < ... < d_n, a right or stay runs on d_k exactly when b0 < k <= b1, b0 = number of dates
# before its start, b1 = number of dates up to its end (n when open). One pass over each table
# counts them per (kind, b0, b1) (a few hundred groups), then each date sums the groups whose
# range holds it. Returns (date index, kind, count); '' is the kind of the rights.
SQL_REFERENCE = """
WITH s AS (
    SELECT '' AS quoi, width_bucket(da.debut, %(lendemains)s::date[]) AS b0,
           coalesce(width_bucket(da.fin, %(dates)s::date[]), %(n)s) AS b1, count(*) AS c
    FROM beneficiaires_droitaide da
    WHERE da.cpas_id = ANY(%(cpas)s) AND da.debut <= %(derniere)s
      AND (da.fin IS NULL OR da.fin >= %(premiere)s)
    GROUP BY 1, 2, 3
    UNION ALL
    SELECT pp.phase, width_bucket(pp.debut, %(lendemains)s::date[]),
           coalesce(width_bucket(pp.fin, %(dates)s::date[]), %(n)s), count(*)
    FROM trajets_passagephase pp
    WHERE pp.cpas_id = ANY(%(cpas)s) AND pp.debut <= %(derniere)s
      AND (pp.fin IS NULL OR pp.fin >= %(premiere)s)
    GROUP BY 1, 2, 3
)
SELECT k, s.quoi, sum(s.c) FROM generate_series(1, %(n)s) k
JOIN s ON s.b0 < k AND k <= s.b1
GROUP BY 1, 2
"""

# The bucketed boundary sweep of the issue: each right or stay is a +1 event on its first day
# and a -1 event on the day after its last; events are summed per bucket (the index of the
# first date on or after the event, ``width_bucket`` over the sorted dates) and a running sum
# over the few buckets gives each date's count. Returns (bucket, kind, running count) for the
# buckets that have events; the others carry the previous bucket's count.
SQL_BALAYAGE = """
WITH evenements AS (
    SELECT da.debut AS jour, '' AS quoi, 1 AS delta FROM beneficiaires_droitaide da
    WHERE da.cpas_id = ANY(%(cpas)s) AND da.debut <= %(derniere)s
    UNION ALL
    SELECT da.fin + 1, '', -1 FROM beneficiaires_droitaide da
    WHERE da.cpas_id = ANY(%(cpas)s) AND da.fin < %(derniere)s
    UNION ALL
    SELECT pp.debut, pp.phase, 1 FROM trajets_passagephase pp
    WHERE pp.cpas_id = ANY(%(cpas)s) AND pp.debut <= %(derniere)s
    UNION ALL
    SELECT pp.fin + 1, pp.phase, -1 FROM trajets_passagephase pp
    WHERE pp.cpas_id = ANY(%(cpas)s) AND pp.fin < %(derniere)s
),
seaux AS (
    SELECT width_bucket(jour, %(lendemains)s::date[]) + 1 AS k, quoi, sum(delta) AS delta
    FROM evenements GROUP BY 1, 2
)
SELECT k, quoi, sum(delta) OVER (PARTITION BY quoi ORDER BY k) FROM seaux
"""


def _params_sql(ids, dates):
    return {
        "cpas": ids,
        "dates": dates,
        "lendemains": [d + datetime.timedelta(days=1) for d in dates],
        "n": len(dates),
        "premiere": dates[0],
        "derniere": dates[-1],
    }


def _table(rows, dates, cumul=False):
    """(date, RIS+ERIS, phases..., ISP) per date from (k, kind, count) rows; with ``cumul``
    the rows are running counts at some buckets only (carried forward to the next ones)."""
    # Imported here: the benchmark configures Django (its throwaway database) before using it.
    from rapports.queries import PHASES

    valeurs = {k: dict.fromkeys(["", *PHASES], 0) for k in range(1, len(dates) + 1)}
    for k, quoi, n in sorted(rows, key=lambda r: r[0]):
        if k > len(dates):
            continue
        if cumul:
            for suivant in range(k, len(dates) + 1):
                valeurs[suivant][quoi] = int(n)
        else:
            valeurs[k][quoi] = int(n)
    return [
        (d, v[""], *(v[p] for p in PHASES), sum(v[p] for p in PHASES))
        for d, v in zip(dates, valeurs.values(), strict=True)
    ]
