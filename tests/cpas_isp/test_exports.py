"""Spreadsheets never carry a live formula: every text cell written by an export (caseload,
dashboard tables) or an import's rejects file is neutralised; numbers and dates stay typed."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from beneficiaires.imports.base import import_type
from beneficiaires.imports.execution import ContexteImport
from beneficiaires.models import Beneficiaire
from cpas_isp.exports import cellule
from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory, nouveau_niss
from tests.trajets.factories import PassageFactory

pytestmark = pytest.mark.django_db

DANGEREUX = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(1)", "\tx", "\rx"]


def test_cellule_neutralises_text_and_keeps_numbers_and_dates():
    for texte in DANGEREUX:
        assert cellule(texte) == "'" + texte
    assert cellule("Dupont") == "Dupont"
    assert cellule("'t Kindt") == "'t Kindt"  # a Dutch name keeps its apostrophe
    assert cellule(-2) == -2
    assert cellule(datetime.date(2024, 2, 29)) == datetime.date(2024, 2, 29)
    assert cellule(None) == ""


def _lire_csv(response):
    texte = b"".join(response.streaming_content).decode("utf-8")
    assert texte.startswith("\ufeff")
    return list(csv.reader(io.StringIO(texte.lstrip("\ufeff"), newline=""), delimiter=";"))


def _personnes_dangereuses(cpas):
    for i, nom in enumerate(DANGEREUX):
        BeneficiaireFactory(cpas=cpas, nom=nom, prenom=f"P{i}", commune="-Ville")


def test_caseload_csv_has_no_formula(cpas_a, make_user, client_for):
    _personnes_dangereuses(cpas_a)
    coord = make_user(Role.COORDINATEUR, cpas_a)
    response = client_for(coord).get(reverse("beneficiaires:liste"), {"format": "csv"})
    lignes = _lire_csv(response)
    entete, lignes = lignes[0], lignes[1:]
    nom, commune, naissance = entete.index("Nom"), entete.index("Commune"), 3
    assert sorted(ligne[nom] for ligne in lignes) == sorted("'" + n for n in DANGEREUX)
    assert {ligne[commune] for ligne in lignes} == {"'-Ville"}
    # Dates stay plain dates, not neutralised text.
    assert all(datetime.date.fromisoformat(ligne[naissance]) for ligne in lignes)


def test_caseload_xlsx_has_no_formula_and_shows_the_text(cpas_a, make_user, client_for):
    from openpyxl import load_workbook

    _personnes_dangereuses(cpas_a)
    coord = make_user(Role.COORDINATEUR, cpas_a)
    response = client_for(coord).get(reverse("beneficiaires:liste"), {"format": "xlsx"})
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows())
    assert [c for row in rows for c in row if c.data_type == "f"] == []
    noms = {row[1].value for row in rows[1:]}
    # The text is there as typed (XML turns a lone CR into a line feed).
    assert noms == {n.replace("\r", "\n") for n in DANGEREUX}
    assert all(row[1].quotePrefix for row in rows[1:])
    assert all(row[1].data_type == "s" for row in rows[1:])
    # The birth date is still a date cell.
    assert all(isinstance(row[3].value, datetime.datetime) for row in rows[1:])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_dashboard_table_export_has_no_formula(cpas_a, make_user, client_for, fmt):
    from openpyxl import load_workbook

    agent = make_user(Role.AGENT, cpas_a, cellule="emploi", first_name='=HYPERLINK("http://x","y")')
    debut = timezone.localdate() - datetime.timedelta(days=40)
    PassageFactory(
        beneficiaire__cpas=cpas_a, beneficiaire__referent=agent, phase="emploi", debut=debut,
        agent=agent,
    )  # fmt: skip
    coord = make_user(Role.COORDINATEUR, cpas_a)
    response = client_for(coord).get(reverse("rapports:export", args=["charge", fmt]))
    assert response.status_code == 200
    if fmt == "csv":
        lignes = _lire_csv(response)
        assert lignes[1][0] == "'" + agent.get_full_name()
        assert lignes[1][-1] == "1"  # the number stays a number
    else:
        ws = load_workbook(io.BytesIO(response.content)).active
        rows = list(ws.iter_rows())
        assert [c for row in rows for c in row if c.data_type == "f"] == []
        assert rows[1][0].value == agent.get_full_name()
        assert rows[1][-1].value == 1


def test_import_rejects_file_has_no_formula_and_reimports_the_text(tmp_path, cpas_a):
    fichier = tmp_path / "data.csv"
    ok = nouveau_niss(datetime.date(1990, 1, 2), "F")
    lignes = ["niss;nom;prenom"] + [f"12345;{n};Julie" for n in ['"=HYPERLINK(""x"",""y"")"']]
    lignes += ["12345;+1;@SUM(1)", "12345;-2;x"]
    fichier.write_text("\n".join(lignes) + "\n", encoding="utf-8")
    rejets = tmp_path / "rejets.csv"
    with pytest.raises(SystemExit):
        call_command(
            "importer", str(fichier), "--cpas", cpas_a.code, "--type", "beneficiaires",
            "--valid-only", "--rejets", str(rejets),
        )  # fmt: skip
    with open(rejets, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert [r[1:3] for r in rows[1:]] == [
        ['\'=HYPERLINK("x","y")', "Julie"],
        ["'+1", "'@SUM(1)"],
        ["'-2", "x"],
    ]
    # The person corrects the NISS in the rejects file and imports it: the names come back
    # exactly as they were, without the quote the export added.
    corrige = tmp_path / "corrige.csv"
    with open(corrige, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(rows[0][:3])
        writer.writerow([ok, *rows[1][1:3]])
    call_command("importer", str(corrige), "--cpas", cpas_a.code, "--type", "beneficiaires")
    b = Beneficiaire.objects.get(cpas=cpas_a, niss=ok)
    assert (b.nom, b.prenom) == ('=HYPERLINK("x","y")', "Julie")


def test_nul_byte_in_an_imported_row_is_a_row_error(tmp_path, cpas_a, capsys):
    ok = nouveau_niss(datetime.date(1990, 1, 2), "F")
    data = f"niss;nom;prenom\n{ok};Du\x00pont;Jean\n".encode()
    rapport = import_type("beneficiaires").analyser(ContexteImport(cpas=cpas_a), data)
    assert [str(e) for e in rapport.erreurs] == ["ligne 2, nom : caractère nul interdit"]
    fichier = tmp_path / "data.csv"
    fichier.write_bytes(data)
    with pytest.raises(SystemExit) as exc:
        call_command("importer", str(fichier), "--cpas", cpas_a.code, "--type", "beneficiaires")
    assert exc.value.code == 1
    assert "ligne 2, nom : caractère nul interdit" in capsys.readouterr().err
    assert not Beneficiaire.objects.exists()
