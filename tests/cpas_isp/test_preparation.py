"""Statements prepared per connection (cpas_isp.preparation): the rows are the plain
statement's, the plan is made once, and whatever PostgreSQL refuses is answered by the plain
statement outside a transaction (a page's reads), never by an error page."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cpas_isp import preparation
from cpas_isp.models import Cpas
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.cpas_isp.conftest import etat_des_preparees, preparees_sur_le_serveur
from tests.cpas_isp.factories import CpasFactory


@pytest.mark.django_db(transaction=True)
def test_a_queryset_gives_the_plain_rows_through_one_statement_prepared_once(
    connexion_neuve,
):
    cpas = CpasFactory()
    personnes = [
        BeneficiaireFactory(cpas=cpas, nom=f"Nom{i}", date_naissance=datetime.date(1980 + i, 1, 1))
        for i in range(5)
    ]

    def requete():
        # Parameters of every kind a page passes: a number, a string with '%', a date, an
        # interval, a list of ids, a boolean.
        return list(
            cpas.beneficiaires.filter(
                pk__in=[p.pk for p in personnes[:4]],
                date_naissance__gte=datetime.date(1981, 1, 1),
                nom__startswith="Nom",
            )
            .exclude(nom__contains="100%")
            .extra(
                where=["date_naissance + %s < %s", "id = ANY(%s)", "%s"],
                params=[
                    datetime.timedelta(days=1),
                    datetime.date(2026, 1, 1),
                    [p.pk for p in personnes],
                    True,
                ],
            )
            .order_by("nom")
            .values_list("nom", flat=True)
        )

    attendu = requete()
    assert attendu == ["Nom1", "Nom2", "Nom3"]
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            with preparation.preparees():
                assert requete() == attendu
    textes = [q["sql"] for q in ctx.captured_queries]
    assert textes[0].startswith("PREPARE isp_")
    assert all(t.startswith("EXECUTE isp_") for t in textes[1:])
    assert len(preparees_sur_le_serveur()) == 1
    # Writes are never prepared.
    with CaptureQueriesContext(connection) as ctx, preparation.preparees():
        Cpas.objects.filter(pk=cpas.pk).update(nom="Autre nom")
    assert ctx.captured_queries[0]["sql"].startswith("UPDATE")


@pytest.mark.django_db(transaction=True)
def test_what_postgresql_refuses_to_prepare_is_answered_by_the_plain_statement(
    connexion_neuve,
):
    sql = "SELECT %s IS NULL"  # an untyped parameter: PostgreSQL cannot prepare it
    with connection.cursor() as cursor:
        assert preparation.executer_prepare(cursor, sql, ["a"]) == [(False,)]
        assert preparation.executer_prepare(cursor, sql, ["b"]) == [(False,)]
    assert list(etat_des_preparees().values()) == [False]
    assert not preparees_sur_le_serveur()


@pytest.mark.django_db(transaction=True)
def test_a_statement_lost_by_the_server_is_prepared_again(connexion_neuve):
    sql = "SELECT count(*) FROM cpas_isp_cpas WHERE id > %(id)s"
    CpasFactory()
    with connection.cursor() as cursor:
        assert preparation.executer_prepare(cursor, sql, {"id": 0}) == [(1,)]
        cursor.execute("DEALLOCATE ALL")  # e.g. a pooler's DISCARD ALL
        # The EXECUTE fails: answered by the plain statement, prepared again next time.
        assert preparation.executer_prepare(cursor, sql, {"id": 0}) == [(1,)]
        assert not preparees_sur_le_serveur()
        assert preparation.executer_prepare(cursor, sql, {"id": 0}) == [(1,)]
    assert len(preparees_sur_le_serveur()) == 1


@pytest.mark.django_db(transaction=True)
def test_shapes_beyond_the_limit_run_as_they_are(connexion_neuve, monkeypatch):
    monkeypatch.setattr(preparation, "PREPARES_MAX", 2)
    with connection.cursor() as cursor:
        for i in range(4):
            assert preparation.executer_prepare(cursor, f"SELECT {i} + %s", [1]) == [(i + 1,)]
    assert len(preparees_sur_le_serveur()) == 2


def test_inside_a_transaction_a_refused_statement_raises(connexion_neuve):
    """In a transaction the failed PREPARE has aborted it: the error is not hidden."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        preparation.executer_prepare(cursor, "SELECT %s IS NULL", ["a"])


def test_the_cast_comes_from_the_type_never_from_the_value():
    """The next EXECUTE of a statement may carry other values: small and large ids, a
    list of one or many, share one statement."""
    texte, appel = preparation._texte_et_appel(
        "SELECT 1 WHERE a = %s AND b = ANY(%s) AND c > %s AND d = %s", [1, [3], 2.5, "x"]
    )
    assert texte == "SELECT 1 WHERE a = $1 AND b = ANY($2::bigint[]) AND c > $3 AND d = $4"
    assert appel == "%s, %s, %s, %s"
    assert preparation._signature("SELECT %s", [[1]]) == preparation._signature(
        "SELECT %s", [[10**12, 2]]
    )
    assert preparation._signature("SELECT %s", [datetime.date(2026, 1, 1)]) != (
        preparation._signature("SELECT %s", [None])
    )


def test_constants_written_as_literals_are_plain_words_only():
    assert preparation.litteraux("brouillon", "en_cours") == "'brouillon', 'en_cours'"
    for pas_un_mot in ("x' OR '1'='1", "a\x00b", "Envoyee", ""):
        with pytest.raises(ValueError):
            preparation.litteraux(pas_un_mot)
