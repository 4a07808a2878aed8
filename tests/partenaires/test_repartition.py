from decimal import Decimal
from fractions import Fraction

import pytest

from partenaires.models import Financement, RegleRepartition
from partenaires.repartition import partager_minerval, plus_forts_restes, repartir
from tests.cpas_isp.factories import CpasFactory
from tests.partenaires.factories import ConventionFactory, PartieCpasFactory

pytestmark = pytest.mark.django_db


def test_largest_remainder_gives_leftover_cents_to_largest_fractions():
    assert plus_forts_restes(100, [1, 1, 1]) == [34, 33, 33]
    assert plus_forts_restes(1000, [2, 1]) == [667, 333]
    assert sum(plus_forts_restes(3_777_501, [Fraction(1, 3), 7, 13])) == 3_777_501


@pytest.mark.parametrize("total", [0, 1, 2, 99, 10_000, 3_777_500, 99_999_999])
@pytest.mark.parametrize("poids", [[1, 1, 1], [12_000, 9_500, 13_500], [3, 0, 5], [7]])
def test_shares_always_add_up(total, poids):
    parts = plus_forts_restes(total, poids)
    assert sum(parts) == total and all(p >= 0 for p in parts)
    if 0 in poids:
        assert parts[poids.index(0)] == 0


def _convention(budget, regle, habitants, fixes=None, financements=()):
    conv = ConventionFactory(budget_total=Decimal(budget), regle_repartition=regle)
    for i, h in enumerate(habitants):
        PartieCpasFactory(
            convention=conv,
            cpas=CpasFactory(habitants=h),
            montant_fixe=Decimal(fixes[i]) if fixes else None,
        )
    for montant in financements:
        Financement.objects.create(convention=conv, source="federal", montant=Decimal(montant))
    return conv


def test_pro_rata_to_inhabitants_three_cpas_to_the_cent():
    # DOMAIN example: 47,775 EUR, 10,000 from the federal state, three CPAS ~35,000 inhabitants.
    conv = _convention(
        "47775", RegleRepartition.PRORATA_HABITANTS, [12_000, 9_500, 13_500], financements=["10000"]
    )
    r = repartir(conv)
    assert r.erreur == ""
    assert r.solde == Decimal("37775.00")
    assert {p.partie.habitants: p.montant for p in r.parts} == {
        12_000: Decimal("12951.43"),
        9_500: Decimal("10253.21"),
        13_500: Decimal("14570.36"),
    }
    assert r.total_parts == r.solde


def test_equal_shares_distribute_the_odd_cent():
    r = repartir(_convention("100.00", RegleRepartition.PARTS_EGALES, [1, 2, 3]))
    assert sorted(p.montant for p in r.parts) == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    assert r.total_parts == Decimal("100.00")


def test_fixed_amounts_must_match_the_balance():
    ok = repartir(_convention("1000", RegleRepartition.MONTANTS_FIXES, [1, 1], ["600", "400"]))
    assert ok.erreur == ""
    assert sorted(p.montant for p in ok.parts) == [Decimal("400"), Decimal("600")]
    ko = repartir(_convention("1000", RegleRepartition.MONTANTS_FIXES, [1, 1], ["600", "300"]))
    assert ko.erreur and ko.parts == []


def test_unknown_inhabitants_is_reported_not_guessed():
    r = repartir(_convention("1000", RegleRepartition.PRORATA_HABITANTS, [1000, None]))
    assert r.erreur and r.parts == []


def test_funding_above_budget_is_reported():
    r = repartir(_convention("1000", RegleRepartition.PARTS_EGALES, [1, 1], financements=["1200"]))
    assert r.erreur


def test_enrolment_fee_split_half_half_to_the_cent():
    conv = ConventionFactory(minerval=Decimal("245.25"), part_minerval_cpas=50)
    m = partager_minerval(conv)
    assert (m.part_cpas, m.part_partenaire) == (Decimal("122.63"), Decimal("122.62"))
    assert m.part_cpas + m.part_partenaire == m.minerval
    assert partager_minerval(ConventionFactory(minerval=None)) is None
