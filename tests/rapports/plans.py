"""How the covering-index tests read a statement's plan."""

from django.db import connection, transaction


def plan_par_index(sql, params, tables, index, contraintes=()) -> str:
    """The statement's plan when PostgreSQL may read ``tables`` only through the indexes named
    ``index`` (their other indexes dropped, sequential and bitmap scans off: the tests' tables
    are tiny), all in a transaction that is rolled back.

    For a given index the planner builds one path only: an index-only scan when the index holds
    every column the statement reads from the table, a plain index scan otherwise. With the
    competing indexes gone the plan says "Index Only Scan using <index>" exactly when the
    covering index is complete, whatever the costs. Leaving them there made the test hang on
    the tables' statistics: with the pages not all-visible (VACUUM cannot mark them while
    another backend's snapshot is older than the rows) the covering index and the narrow
    ``cpas_id`` index cost the same, and CI once saw the narrow one picked even with
    ``relallvisible`` set by hand. The constraints' indexes (primary keys, exclusion
    constraints) stay: without a condition on their columns the planner builds no path on
    them. With one (a person's rows, where an exclusion constraint's GiST index starts with the
    person), name the constraints in ``contraintes``: they are dropped too."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT format('%%I.%%I', n.nspname, c.relname)
              FROM pg_index i
              JOIN pg_class c ON c.oid = i.indexrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE i.indrelid = ANY(%s::regclass[])
               AND NOT (c.relname = ANY(%s))
               AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            """,
            [list(tables), list(index)],
        )
        for (nom,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX {nom}")
        cursor.execute(
            """
            SELECT format('ALTER TABLE %%s DROP CONSTRAINT %%I', k.conrelid::regclass, k.conname)
              FROM pg_constraint k
             WHERE k.conrelid = ANY(%s::regclass[]) AND k.conname = ANY(%s)
            """,
            [list(tables), list(contraintes)],
        )
        for (instruction,) in cursor.fetchall():
            cursor.execute(instruction)
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
