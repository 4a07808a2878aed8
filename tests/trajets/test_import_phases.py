import datetime

import pytest
from django.core.management import call_command

from beneficiaires.imports.base import executer_import
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import PassageFactory
from trajets.models import PassagePhase

D = datetime.date


@pytest.fixture
def personnes(cpas_a):
    return [BeneficiaireFactory(cpas=cpas_a) for _ in range(3)]


def csv(*lignes, entete="niss;phase;debut;fin;motif_sortie"):
    return ("\n".join([entete, *lignes]) + "\n").encode("utf-8")


def test_import_creates_stays_with_exit_reasons(cpas_a, personnes):
    a, b, _ = personnes
    data = csv(
        f"{a.niss};facilitateur;2024-01-08;2024-05-31;reorientation",
        f"{a.niss};emploi;01/06/2024;;",
        f"{b.niss};alpha;2023-09-01;2024-06-30;abandon",
    )
    rapport = executer_import(cpas_a, "phases", data)
    assert not rapport.a_des_erreurs and rapport.ecrit
    assert rapport.bilan.crees == 3
    emploi = PassagePhase.objects.get(beneficiaire=a, phase="emploi")
    assert (emploi.debut, emploi.fin) == (D(2024, 6, 1), None)
    assert PassagePhase.objects.get(beneficiaire=b).motif_sortie.code == "abandon"


def test_import_is_idempotent_and_updates_on_natural_key(cpas_a, personnes):
    a = personnes[0]
    data = csv(f"{a.niss};facilitateur;2024-01-08;;")
    executer_import(cpas_a, "phases", data)
    again = executer_import(cpas_a, "phases", data)
    assert (again.bilan.crees, again.bilan.modifies, again.bilan.inchanges) == (0, 0, 1)
    # The same stay closed later, with the next one in the same file.
    data = csv(
        f"{a.niss};facilitateur;2024-01-08;2024-03-31;reorientation",
        f"{a.niss};emploi;2024-04-01;;",
    )
    rapport = executer_import(cpas_a, "phases", data)
    assert not rapport.a_des_erreurs, [str(e) for e in rapport.erreurs]
    assert (rapport.bilan.crees, rapport.bilan.modifies) == (1, 1)
    assert PassagePhase.objects.filter(beneficiaire=a).count() == 2


def test_row_errors_unknown_niss_phase_reason_and_overlaps(cpas_a, personnes):
    a, b, c = personnes
    PassageFactory(beneficiaire=c, phase="emploi", debut=D(2024, 1, 1), fin=D(2024, 12, 31))
    data = csv(
        "85051500199;emploi;2024-01-01;;",  # valid NISS, unknown in this CPAS
        f"{a.niss};cuisine;2024-01-01;;",
        f"{a.niss};alpha;2024-01-01;2024-02-01;demenage",
        f"{b.niss};alpha;2024-01-01;2024-06-30;",
        f"{b.niss};emploi;2024-06-30;;",  # overlaps the previous row (inclusive dates)
        f"{c.niss};alpha;2024-12-31;;",  # overlaps the stored stay
    )
    rapport = executer_import(cpas_a, "phases", data)
    erreurs = [str(e) for e in rapport.erreurs]
    assert rapport.a_des_erreurs and not rapport.ecrit
    assert any(e.startswith("ligne 2, niss") for e in erreurs)
    assert any(e.startswith("ligne 3, phase") for e in erreurs)
    assert any(e.startswith("ligne 4, motif_sortie") for e in erreurs)
    assert any(e.startswith("ligne 6") and "ligne 5" in e for e in erreurs)
    assert any(e.startswith("ligne 7") and "chevauche le passage existant" in e for e in erreurs)
    assert PassagePhase.objects.count() == 1  # nothing written


def test_valid_only_and_dry_run_through_the_command(cpas_a, personnes, tmp_path):
    a, b, _ = personnes
    fichier = tmp_path / "phases.csv"
    fichier.write_bytes(
        csv(f"{a.niss};emploi;2024-01-01;;", f"{b.niss};inconnue;2024-01-01;;").replace(b";", b",")
    )
    with pytest.raises(SystemExit):
        call_command("importer", str(fichier), cpas=cpas_a.code, type_import="phases", dry_run=True)
    assert not PassagePhase.objects.exists()
    rejets = tmp_path / "rejets.csv"
    with pytest.raises(SystemExit):
        call_command(
            "importer",
            str(fichier),
            cpas=cpas_a.code,
            type_import="phases",
            valid_only=True,
            rejets=str(rejets),
        )
    assert list(PassagePhase.objects.values_list("beneficiaire_id", flat=True)) == [a.pk]
    assert "inconnue" in rejets.read_text(encoding="utf-8-sig")
