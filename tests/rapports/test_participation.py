"""The participation table, checked cell by cell on a history built by hand."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from rapports.queries import tableau_participation, taux_pourcent
from tests.rapports.factories import BeneficiaireFactory, DroitFactory, PassageFactory

D = datetime.date
D0, D1, D2, VIDE = D(2024, 12, 31), D(2025, 6, 30), D(2025, 12, 31), D(2020, 1, 1)


@pytest.fixture
def historique(cpas_a, cpas_b):
    def personne(cpas=cpas_a):
        return BeneficiaireFactory(cpas=cpas)

    # P1: open RIS; facilitateur ending the day before D1, then emploi starting on D1.
    p1 = personne()
    DroitFactory(beneficiaire=p1, debut=D(2025, 1, 1))
    PassageFactory(beneficiaire=p1, phase="facilitateur", debut=D(2025, 3, 1), fin=D(2025, 6, 29))
    PassageFactory(beneficiaire=p1, phase="emploi", debut=D(2025, 6, 30))
    # P2: RIS up to D1 then ERIS from the next day (one person, counted once); alpha ending on D2.
    p2 = personne()
    DroitFactory(beneficiaire=p2, type="RIS", debut=D(2025, 1, 1), fin=D(2025, 6, 30))
    DroitFactory(beneficiaire=p2, type="ERIS", debut=D(2025, 7, 1))
    PassageFactory(beneficiaire=p2, phase="alpha", debut=D(2025, 5, 1), fin=D(2025, 12, 31))
    # P3: article 60 worker whose RIS ended when the contract started.
    p3 = personne()
    DroitFactory(beneficiaire=p3, debut=D(2025, 1, 1), fin=D(2025, 3, 31))
    PassageFactory(beneficiaire=p3, phase="article60", debut=D(2025, 4, 1))
    # P4: RIS ending the day before D2; études et formations, open.
    p4 = personne()
    DroitFactory(beneficiaire=p4, debut=D(2025, 7, 1), fin=D(2025, 12, 30))
    PassageFactory(beneficiaire=p4, phase="etudes_formations", debut=D(2025, 7, 1))
    # P5: RIS since mid-2024, never in a phase.
    DroitFactory(beneficiaire=personne(), debut=D(2024, 6, 1))
    # P6: right and facilitateur stay both starting on D2.
    p6 = personne()
    DroitFactory(beneficiaire=p6, debut=D2)
    PassageFactory(beneficiaire=p6, phase="facilitateur", debut=D2)
    # P7, P8: RIS without a phase, P8 only from August.
    DroitFactory(beneficiaire=personne(), debut=D(2025, 1, 1))
    DroitFactory(beneficiaire=personne(), debut=D(2025, 8, 1))
    # A person of the other CPAS: RIS and emploi, both open.
    q1 = personne(cpas_b)
    DroitFactory(beneficiaire=q1, debut=D(2025, 1, 1))
    PassageFactory(beneficiaire=q1, phase="emploi", debut=D(2025, 1, 1))
    return cpas_a, cpas_b


def _cellules(lignes):
    return {ligne.date: ligne.valeurs() for ligne in lignes}


def test_every_cell_for_one_cpas(historique):
    cpas_a, _ = historique
    table = _cellules(tableau_participation([cpas_a.pk], [D2, D1, D0, VIDE]))
    assert list(table) == [VIDE, D0, D1, D2]  # sorted by date
    zero = dict.fromkeys(["facilitateur", "alpha", "etudes_formations", "emploi", "article60"], 0)
    assert table[VIDE] == {"date": "2020-01-01", "ris_eris": 0, **zero, "isp": 0, "taux": None}
    assert table[D0] == {
        "date": "2024-12-31",
        "ris_eris": 1,
        **zero,
        "isp": 0,
        "taux": Decimal("0.00"),
    }
    assert table[D1] == {
        "date": "2025-06-30",
        "ris_eris": 4,  # P1, P2 (RIS ends on D1), P5, P7
        "facilitateur": 0,  # P1's stay ended the day before
        "alpha": 1,
        "etudes_formations": 0,
        "emploi": 1,  # P1 starts on D1
        "article60": 1,  # P3 without RIS
        "isp": 3,
        "taux": Decimal("75.00"),
    }
    assert table[D2] == {
        "date": "2025-12-31",
        "ris_eris": 6,  # P1, P2 (ERIS), P5, P6 (starts on D2), P7, P8; not P4 (ended the 30th)
        "facilitateur": 1,
        "alpha": 1,  # ends on D2: still counted
        "etudes_formations": 1,
        "emploi": 1,
        "article60": 1,
        "isp": 5,
        "taux": Decimal("83.33"),
    }


def test_several_cpas_together(historique):
    cpas_a, cpas_b = historique
    table = _cellules(tableau_participation([cpas_a.pk, cpas_b.pk], [D1, D2]))
    assert (table[D1]["ris_eris"], table[D1]["emploi"], table[D1]["isp"]) == (5, 2, 4)
    assert table[D1]["taux"] == Decimal("80.00")
    assert (table[D2]["ris_eris"], table[D2]["emploi"], table[D2]["isp"]) == (7, 2, 6)
    assert table[D2]["taux"] == Decimal("85.71")


def test_duplicate_dates_give_one_row(historique):
    cpas_a, _ = historique
    assert [ligne.date for ligne in tableau_participation([cpas_a.pk], [D1, D1])] == [D1]


def test_cellule_and_agent_filters_restrict_stays_not_rights(historique, make_user):
    cpas_a, _ = historique
    ligne = tableau_participation([cpas_a.pk], [D2], phases=["alpha", "emploi"])[0]
    assert (ligne.ris_eris, ligne.isp, ligne.phases["facilitateur"]) == (6, 2, 0)
    agent = make_user(cpas=cpas_a)
    PassageFactory(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a), phase="emploi", debut=D1, agent=agent
    )
    ligne = tableau_participation([cpas_a.pk], [D2], agent_id=agent.pk)[0]
    assert (ligne.isp, ligne.phases["emploi"]) == (1, 1)


def test_one_query_whatever_the_number_of_dates(historique, django_assert_num_queries):
    cpas_a, _ = historique
    dates = [D(2025, m, 28) for m in range(1, 13)] * 2 + [D(2024, m, 1) for m in range(1, 13)]
    with django_assert_num_queries(1):
        tableau_participation([cpas_a.pk], dates)


@pytest.mark.parametrize(
    ("num", "den", "attendu"),
    [
        (1, 32, "3.13"),  # 3.125: half up, not to even
        (1, 16, "6.25"),
        (2, 3, "66.67"),
        (1, 3, "33.33"),
        (3197, 6000, "53.28"),
        (0, 5, "0.00"),
        (7, 7, "100.00"),
        (1, 200000, "0.00"),  # 0.0005 -> 0.00
        (1, 2000, "0.05"),  # 0.05 exactly
        (1, 40000, "0.00"),  # 0.0025 -> 0.00
        (1, 400, "0.25"),
    ],
)
def test_rate_is_rounded_half_up_to_two_decimals(num, den, attendu):
    assert taux_pourcent(num, den) == Decimal(attendu)
    assert str(taux_pourcent(num, den)) == attendu


def test_rate_undefined_without_files():
    assert taux_pourcent(3, 0) is None


def test_command_prints_csv_in_the_specified_columns(historique):
    out = io.StringIO()
    call_command(
        "rapport_participation", "--cpas", "alpha", "--dates", "2025-06-30,2020-01-01", stdout=out
    )
    assert out.getvalue().splitlines() == [
        "date,ris_eris,facilitateur,alpha,etudes_formations,emploi,article60,isp,taux",
        "2020-01-01,0,0,0,0,0,0,0,",
        "2025-06-30,4,0,1,0,1,1,3,75.00",
    ]


def test_command_prints_json_for_a_group_of_cpas(historique):
    out = io.StringIO()
    call_command(
        "rapport_participation",
        "--cpas",
        "alpha,beta",
        "--dates",
        "2025-12-31",
        "--format",
        "json",
        stdout=out,
    )
    assert json.loads(out.getvalue()) == [
        {
            "date": "2025-12-31",
            "ris_eris": 7,
            "facilitateur": 1,
            "alpha": 1,
            "etudes_formations": 1,
            "emploi": 2,
            "article60": 1,
            "isp": 6,
            "taux": 85.71,
        }
    ]


def test_command_rejects_unknown_cpas_and_bad_dates(historique):
    with pytest.raises(CommandError, match="inconnu"):
        call_command("rapport_participation", "--cpas", "alpha,nulle-part", "--dates", "2025-01-01")
    with pytest.raises(CommandError, match="invalide"):
        call_command("rapport_participation", "--cpas", "alpha", "--dates", "2025-02-30")
