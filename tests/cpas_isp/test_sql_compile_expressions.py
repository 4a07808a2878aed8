"""cpas_isp.sql_compile.ExpressionsCompilees: a model's filter conditions and annotations
compiled once with stand-in values, then used with each request's values."""

import pytest
from django.db.models import Q, Value
from django.db.models.functions import Lower, StrIndex, Upper

from cpas_isp.models import Cpas
from cpas_isp.sql_compile import ExpressionsCompilees
from tests.cpas_isp.factories import CpasFactory

pytestmark = pytest.mark.django_db

SENTINELLES = ("\x00valeur de test\x00", "\x00autre valeur\x00")


def _recherche(terme, lettre):
    return {
        "condition": Q(nom__icontains=Value(terme)) | Q(commune=Lower(Value(terme))),
        "position": StrIndex("nom", Upper(Value(lettre))),
        "etiquette": Lower(Value(terme)),
    }


def test_the_same_sql_and_rows_as_the_orm_built_once_for_any_value():
    for nom, commune in (("CPAS de Namur", "Namur"), ("CPAS d'Ans", "ans"), ("OCMW Gent", "")):
        CpasFactory(nom=nom, commune=commune)
    construits = []

    def construire(terme, lettre):
        construits.append(terme)
        return _recherche(terme, lettre)

    compilees = ExpressionsCompilees(Cpas, construire, SENTINELLES)
    for terme, lettre in (("namur", "a"), ("ANS", "s"), ("gent", "g"), ("%", "%"), ("zzz", "")):
        expressions = compilees.expressions("default", terme, lettre)
        attendues = _recherche(terme, lettre)
        obtenu = (
            Cpas.objects.filter(expressions["condition"])
            .annotate(position=expressions["position"], etiquette=expressions["etiquette"])
            .order_by("-position", "pk")
        )
        attendu = (
            Cpas.objects.filter(attendues["condition"])
            .annotate(position=attendues["position"], etiquette=attendues["etiquette"])
            .order_by("-position", "pk")
        )
        assert obtenu.query.sql_with_params() == attendu.query.sql_with_params(), terme
        colonnes = ("pk", "position", "etiquette")
        assert list(obtenu.values_list(*colonnes)) == list(attendu.values_list(*colonnes))
    assert construits == [SENTINELLES[0]]  # built and compiled once
    assert [
        c.nom for c in Cpas.objects.filter(compilees.expressions("default", "ans", "")["condition"])
    ] == ["CPAS d'Ans"]


def test_a_value_that_is_not_a_plain_parameter_or_a_join_is_not_compiled():
    # A parameter made from the value ("%value%"), a stand-in missing, a join.
    for construire in (
        lambda t, u: {"c": Q(nom__icontains=t), "d": Lower(Value(u))},
        lambda t, u: {"c": Q(nom=t)},
        lambda t, u: {"c": Q(memberships__user__username=t), "d": Lower(Value(u))},
    ):
        assert (
            ExpressionsCompilees(Cpas, construire, SENTINELLES).expressions("default", "abc", "d")
            is None
        )


def test_a_compiled_condition_follows_its_query_into_a_subquery():
    """Used as another query's subquery, the query's table gets another alias (U0): the
    compiled SQL names it so, as the ORM does, not the outer query's table."""
    for nom, commune in (("CPAS de Namur", "Namur"), ("CPAS d'Ans", "ans"), ("OCMW Gent", "")):
        CpasFactory(nom=nom, commune=commune)
    compilees = ExpressionsCompilees(Cpas, _recherche, SENTINELLES)
    for terme in ("ans", "namur", "zzz"):
        compilee = compilees.expressions("default", terme, "a")
        attendue = _recherche(terme, "a")
        obtenu, attendu = (
            Cpas.objects.filter(
                commune__in=Cpas.objects.filter(e["condition"])
                .annotate(position=e["position"])
                .filter(position__gt=0)
                .values("commune")
            )
            for e in (compilee, attendue)
        )
        assert obtenu.query.sql_with_params() == attendu.query.sql_with_params(), terme
        assert list(obtenu.values_list("pk", flat=True)) == list(
            attendu.values_list("pk", flat=True)
        )
