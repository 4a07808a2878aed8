"""The participation table, checked cell by cell on a history built by hand."""

import datetime
import io
import json
import random
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from rapports.queries import (
    PHASES,
    tableau_participation,
    tableaux_participation_par_cpas,
    taux_pourcent,
)
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.trajets.factories import PassageFactory

D = datetime.date
D0, D1, D2, VIDE = D(2024, 12, 31), D(2025, 6, 30), D(2025, 12, 31), D(2020, 1, 1)


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
    # An agent's figures are those of the people they follow: their referent (issue 12), not
    # the stay's agent (left behind when the file was reassigned).
    PassageFactory(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent), phase="emploi", debut=D1
    )
    PassageFactory(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a), phase="alpha", debut=D1, agent=agent
    )
    ligne = tableau_participation([cpas_a.pk], [D2], agent_id=agent.pk)[0]
    assert (ligne.isp, ligne.phases["emploi"], ligne.phases["alpha"]) == (1, 1, 0)


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


def test_matches_a_count_of_distinct_persons_on_a_random_history(cpas_a, cpas_b):
    """Cross-check against the definition computed in Python, person by person."""

    rng = random.Random(42)
    personnes = []
    for i in range(60):
        b = BeneficiaireFactory(cpas=cpas_a if i % 3 else cpas_b)
        jour, droits, passages = D(2024, 1, 1) + datetime.timedelta(rng.randrange(200)), [], []
        for _ in range(rng.randrange(0, 3)):
            fin = jour + datetime.timedelta(rng.randrange(0, 200))
            ouvert = rng.random() < 0.3
            droits.append(
                DroitFactory(
                    beneficiaire=b,
                    type=rng.choice(["RIS", "ERIS"]),
                    debut=jour,
                    fin=None if ouvert else fin,
                )
            )
            if ouvert:
                break
            jour = fin + datetime.timedelta(rng.randrange(1, 40))
        jour = D(2024, 1, 1) + datetime.timedelta(rng.randrange(300))
        for _ in range(rng.randrange(0, 4)):
            fin = jour + datetime.timedelta(rng.randrange(0, 150))
            ouvert = rng.random() < 0.3
            passages.append(
                PassageFactory(
                    beneficiaire=b,
                    phase=rng.choice(list(PHASES)),
                    debut=jour,
                    fin=None if ouvert else fin,
                )
            )
            if ouvert:
                break
            jour = fin + datetime.timedelta(rng.randrange(1, 30))
        personnes.append((b, droits, passages))
    dates = [D(2024, 1, 1) + datetime.timedelta(days=k * 23) for k in range(40)]

    def en_cours(x, d):
        return x.debut <= d and (x.fin is None or x.fin >= d)

    for cpas_ids in ([cpas_a.pk], [cpas_a.pk, cpas_b.pk]):
        for ligne in tableau_participation(cpas_ids, dates):
            d = ligne.date
            gens = [p for p in personnes if p[0].cpas_id in cpas_ids]
            assert ligne.ris_eris == sum(any(en_cours(x, d) for x in p[1]) for p in gens)
            for phase in PHASES:
                attendu = sum(any(en_cours(x, d) and x.phase == phase for x in p[2]) for p in gens)
                assert ligne.phases[phase] == attendu, (d, phase)
            assert ligne.isp == sum(any(en_cours(x, d) for x in p[2]) for p in gens)
    # Every CPAS separately in one query gives each CPAS's own table, and the whole group
    # with the cellule filter counts only the stays of those phases.
    par_cpas = tableaux_participation_par_cpas([cpas_a.pk, cpas_b.pk], dates)
    for cpas in (cpas_a, cpas_b):
        assert par_cpas[cpas.pk] == tableau_participation([cpas.pk], dates)
        assert any(ligne.isp for ligne in par_cpas[cpas.pk])
    for ligne in tableau_participation([cpas_a.pk, cpas_b.pk], dates, phases=["alpha", "emploi"]):
        d = ligne.date
        assert ligne.isp == sum(
            any(en_cours(x, d) and x.phase in ("alpha", "emploi") for x in p[2]) for p in personnes
        )
        assert ligne.phases["facilitateur"] == 0
