"""Statements of several functions sent together (cpas_isp.lots): the rows are those of the
statements run one by one, in one round trip, each prepared once per connection; a shape
PostgreSQL refuses to prepare is answered plainly outside a transaction."""

import datetime

import pghistory
import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from cpas_isp import lots
from tests.cpas_isp.conftest import etat_des_preparees, preparees_sur_le_serveur


def dates(debut, n):
    (rows,) = yield [
        ("SELECT d::date FROM generate_series(%(debut)s::date, %(debut)s::date + %(n)s::int, "
         "'1 day') d WHERE %(n)s::int >= 0 AND '100%%' LIKE '1%%'", {"debut": debut, "n": n})
    ]  # fmt: skip
    return [d for (d,) in rows]


def deux_etapes(valeur):
    (premier,) = yield [("SELECT %s::int * 2", (valeur,))]
    if premier[0][0] > 10:
        (second,) = yield [("SELECT %s::int + 1", (premier[0][0],))]
        return second[0][0]
    return premier[0][0]


def sans_requete():
    return (yield from lots.ensemble([]))


def test_together_the_rows_are_those_of_each_alone_in_one_round_trip(connexion_neuve):
    debut = datetime.date(2026, 1, 30)
    attendu = [lots.executer(dates(debut, 3)), lots.executer(deux_etapes(7)), []]
    assert attendu[0][-1] == datetime.date(2026, 2, 2) and attendu[1] == 15
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx:
            resultats = lots.executer_ensemble(
                [dates(debut, 3), deux_etapes(7), sans_requete(), lots.valeur("x")]
            )
        assert resultats == [*attendu, "x"]
        # Two steps: the second statement of deux_etapes depends on the first's rows.
        assert len(ctx.captured_queries) == 2
    assert len(preparees_sur_le_serveur()) == 3


def test_a_statement_without_rows_gives_an_empty_list_beside_the_prepare_results(
    connexion_neuve,
):
    """A result set of no rows is still a result set (``[]``), told from the PREPAREs'
    (no result set) the first message carries, and from those of later messages."""
    for _ in range(3):
        assert lots.executer_ensemble(
            [
                dates(datetime.date(2026, 1, 1), -1),
                deux_etapes(2),
                dates(datetime.date(2026, 1, 1), 0),
            ]
        ) == [[], 4, [datetime.date(2026, 1, 1)]]
    assert len(preparees_sur_le_serveur()) == 2


def test_inside_the_history_context_reads_go_without_it(connexion_neuve):
    """A message of SELECTs is sent without pghistory's context variables (nothing a trigger
    would record), twice: the first message prepares, the second executes."""
    for _ in range(2):
        with pghistory.context(url="/rapports/"), CaptureQueriesContext(connection) as ctx:
            resultats = lots.executer_ensemble(
                [deux_etapes(3), dates(datetime.date(2026, 3, 1), 0)]
            )
        assert resultats == [6, [datetime.date(2026, 3, 1)]]
        assert all("pghistory" not in q["sql"] for q in ctx.captured_queries)
    # pghistory's wrapper is back for what follows.
    with pghistory.context(url="/rapports/"), CaptureQueriesContext(connection) as ctx:
        with connection.cursor() as cursor:
            cursor.execute("VALUES (1)")
    assert ctx.captured_queries[0]["sql"].startswith("SELECT set_config('pghistory.")


def avec_cte():
    (rows,) = yield [("WITH t(x) AS (VALUES (%s::int)) SELECT x * 2 FROM t", [21])]
    return rows[0][0]


def test_inside_the_history_context_another_kind_of_statement_keeps_it(connexion_neuve):
    """A statement that does not start with SELECT (a WITH, which may write) keeps the history
    context, and the rows are still each statement's (taken from the end of the message)."""
    with pghistory.context(url="/rapports/"), CaptureQueriesContext(connection) as ctx:
        resultats = lots.executer_ensemble([deux_etapes(3), avec_cte()])
    assert resultats == [6, 42]
    assert ctx.captured_queries[0]["sql"].startswith("SELECT set_config('pghistory.")


def refusee():
    # PostgreSQL cannot choose the operator for two parameters of unknown type once prepared.
    (rows,) = yield [("SELECT %(a)s + %(b)s", {"a": 2, "b": 3})]
    return rows[0][0]


@pytest.mark.django_db(transaction=True)
def test_a_shape_refused_is_answered_plainly_outside_a_transaction(connexion_neuve):
    for _ in range(2):
        assert lots.executer_ensemble([refusee(), deux_etapes(1)]) == [5, 2]
    assert set(etat_des_preparees().values()) == {False}
    assert not preparees_sur_le_serveur()


def test_a_statement_marked_not_preparable_is_sent_as_it_is(connexion_neuve):
    """``(sql, params, False)``: sent plainly in the same round trip (planned for its values
    every time), the others of the message prepared; the message starts with the plain
    statement's text."""
    requetes = [("SELECT %s::int * 2", (4,), False), ("SELECT %s::int + 1", (4,))]
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx:
            assert lots.executer_lot(requetes) == [[(8,)], [(5,)]]
        assert len(ctx.captured_queries) == 1
        assert ctx.captured_queries[0]["sql"].startswith("SELECT ")
    assert preparees_sur_le_serveur() == {lots._nom("SELECT %s::int + 1", (4,))}


def _plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


def _plans(nom) -> tuple[int, int]:
    """(generic plans, custom plans) the prepared statement ``nom`` has run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
            [nom],
        )
        return cursor.fetchone()


def _runs_its_generic_plan_and_leaves_the_session_as_it_was():
    generique = ("SELECT %s::int * 2", (4,))
    autre = ("SELECT %s::int + 1", (4,))
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx:
            assert lots.executer_lot([(*generique, lots.GENERIQUE), autre]) == [[(8,)], [(5,)]]
        assert len(ctx.captured_queries) == 1
        assert _plan_cache_mode() == "auto"
    # PostgreSQL's own choice plans the first five runs for their values: the other one's.
    assert _plans(lots._nom(*generique)) == (3, 0)
    assert _plans(lots._nom(*autre)) == (0, 3)


def test_a_statement_marked_generic_always_runs_its_generic_plan(connexion_neuve):
    """``(sql, params, GENERIQUE)``: prepared, run with its generic plan from its first run,
    in the same round trip as the others (inside a transaction: the test's)."""
    assert connection.in_atomic_block
    _runs_its_generic_plan_and_leaves_the_session_as_it_was()


@pytest.mark.django_db(transaction=True)
def test_a_statement_marked_generic_outside_a_transaction_and_after_a_failure(
    connexion_neuve,
):
    """Outside a transaction too; and a message that fails after the generic statement's
    ``SET LOCAL`` leaves the session's planning as it was (its implicit transaction ends)."""
    _runs_its_generic_plan_and_leaves_the_session_as_it_was()
    with pytest.raises(DatabaseError):
        lots.executer_lot([("SELECT %s::int * 3", (4,), lots.GENERIQUE), ("SELECT 1 / %s", (0,))])
    assert _plan_cache_mode() == "auto"
    assert lots.executer_lot([("SELECT %s::int + 1", (4,))]) == [[(5,)]]
