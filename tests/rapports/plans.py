"""How the covering-index tests read a statement's plan."""

from django.db import connection, transaction


def plan_par_index(sql, params, tables) -> str:
    """The statement's plan when PostgreSQL reads ``tables`` through an index (sequential and
    bitmap scans off: the tests' tables are tiny) and knows their pages all-visible.

    VACUUM marks them so unless another backend's snapshot is older than the rows; then an
    index-only scan of the covering index and a plain scan of a narrower index cost the same
    (8.47 both for the rights, measured) and the planner's pick between them is arbitrary (it
    took the narrow one once in CI). Stating the pages all-visible in pg_class, inside the
    transaction that is rolled back, makes the index-only scan cost 4.47 against 8.47, so the
    choice hangs on one thing only: whether the covering index holds every column the statement
    reads."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET relallvisible = relpages WHERE oid = ANY(%s::regclass[])",
            [list(tables)],
        )
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan
