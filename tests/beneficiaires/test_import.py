import datetime

import pytest
from django.core.management import call_command
from pghistory.models import Events

from beneficiaires.imports import base
from beneficiaires.imports.base import (
    TypeImport,
    executer_import,
    import_types,
    register_import_type,
)
from beneficiaires.imports.lecture import Bilan, Colonne, parse_date
from beneficiaires.models import Beneficiaire, DroitAide
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory, nouveau_niss

pytestmark = pytest.mark.django_db

N1 = "85073003328"  # Dupont, M, 30/07/1985


def run(tmp_path, cpas, type_, content: bytes, *args):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    try:
        call_command("importer", str(path), "--cpas", cpas.code, "--type", type_, *args)
    except SystemExit as exc:
        return exc.code
    return 0


def test_valid_file_is_imported(tmp_path, cpas_a, capsys):
    content = f"niss;nom;prenom;date_naissance;genre\n{N1};Dupont;Jean;30/07/1985;M\n".encode()
    assert run(tmp_path, cpas_a, "beneficiaires", content) == 0
    b = Beneficiaire.objects.get(cpas=cpas_a, niss=N1)
    assert (b.nom, b.prenom, b.date_naissance, b.genre) == (
        "Dupont",
        "Jean",
        datetime.date(1985, 7, 30),
        "M",
    )
    assert "1 créé(s)" in capsys.readouterr().out


def test_birth_date_and_gender_are_derived_from_the_niss(tmp_path, cpas_a):
    assert (
        run(tmp_path, cpas_a, "beneficiaires", f"niss,nom,prenom\n{N1},Dupont,Jean\n".encode()) == 0
    )
    b = Beneficiaire.objects.get(niss=N1)
    assert b.date_naissance == datetime.date(1985, 7, 30) and b.genre == "M"


def test_one_bad_row_means_nothing_is_written_and_exit_1(tmp_path, cpas_a, capsys):
    ok = nouveau_niss(datetime.date(1990, 1, 2), "F")
    content = (
        "niss;nom;prenom;date_naissance\n"
        f"{ok};Martin;Julie;02/01/1990\n"
        "85073003329;Faux;Numéro;\n"
        f"{N1};Dupont;Jean;31/07/1985\n"
    ).encode()
    assert run(tmp_path, cpas_a, "beneficiaires", content) == 1
    assert not Beneficiaire.objects.exists()
    err = capsys.readouterr().err
    assert "ligne 3, niss : NISS invalide" in err
    assert "ligne 4, date_naissance : La date de naissance ne correspond pas au NISS" in err


def test_valid_only_saves_valid_rows_and_writes_rejects(tmp_path, cpas_a):
    ok = nouveau_niss(datetime.date(1990, 1, 2), "F")
    content = (
        f"niss;nom;prenom;remarque\n{ok};Martin;Julie;x\n85073003329;Faux;Numéro;y\n;Sans;Niss;z\n"
    ).encode()
    rejets = tmp_path / "rejets.csv"
    code = run(tmp_path, cpas_a, "beneficiaires", content, "--valid-only", "--rejets", str(rejets))
    assert code == 1
    assert list(Beneficiaire.objects.values_list("niss", flat=True)) == [ok]
    lines = rejets.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "niss;nom;prenom;remarque;erreurs"
    assert lines[1].startswith("85073003329;Faux;Numéro;y;ligne 3, niss")
    assert lines[2].startswith(";Sans;Niss;z;ligne 4, niss : valeur obligatoire")


def test_dry_run_writes_nothing(tmp_path, cpas_a):
    content = f"niss;nom;prenom\n{N1};Dupont;Jean\n".encode()
    assert run(tmp_path, cpas_a, "beneficiaires", content, "--dry-run") == 0
    assert not Beneficiaire.objects.exists()


def test_reimport_changes_nothing(tmp_path, cpas_a, capsys):
    content = f"niss;nom;prenom;commune\n{N1};Dupont;Jean;Anderlecht\n".encode()
    run(tmp_path, cpas_a, "beneficiaires", content)
    droits = f"niss;type;categorie;debut;fin\n{N1};RIS;isole;2024-01-01;\n".encode()
    (tmp_path / "d").mkdir()
    run(tmp_path / "d", cpas_a, "droits", droits)
    events_before = Events.objects.count()
    capsys.readouterr()
    assert run(tmp_path, cpas_a, "beneficiaires", content) == 0
    assert run(tmp_path / "d", cpas_a, "droits", droits) == 0
    out = capsys.readouterr().out
    assert out.count("0 créé(s), 0 modifié(s), 1 inchangé(s)") == 2
    assert Events.objects.count() == events_before
    assert Beneficiaire.objects.count() == 1 and DroitAide.objects.count() == 1


def test_reimport_with_a_changed_value_updates_by_natural_key(tmp_path, cpas_a):
    run(tmp_path, cpas_a, "beneficiaires", f"niss;nom;prenom\n{N1};Dupont;Jean\n".encode())
    run(tmp_path, cpas_a, "beneficiaires", f"niss;nom;prenom\n{N1};Dupond;Jean\n".encode())
    assert Beneficiaire.objects.get().nom == "Dupond"


def test_windows_1252_file_with_semicolons(tmp_path, cpas_a):
    content = f"NISS;Nom;Prénom;Commune\n{N1};Lefèvre;Frédéric;Liège\n".encode("cp1252")
    assert run(tmp_path, cpas_a, "beneficiaires", content) == 0
    b = Beneficiaire.objects.get()
    assert (b.nom, b.prenom, b.commune) == ("Lefèvre", "Frédéric", "Liège")


def test_utf8_bom_file_with_commas_and_iso_dates(tmp_path, cpas_a):
    content = f"\ufeffniss,nom,prenom,date_naissance\n{N1},Lefèvre,Zoé,1985-07-30\n"
    assert run(tmp_path, cpas_a, "beneficiaires", content.encode("utf-8")) == 0
    assert Beneficiaire.objects.get().prenom == "Zoé"


def test_missing_required_column_is_a_file_error(tmp_path, cpas_a, capsys):
    assert run(tmp_path, cpas_a, "beneficiaires", b"niss;prenom\n85073003328;Jean\n") == 1
    assert "colonnes obligatoires absentes : nom" in capsys.readouterr().err


def test_duplicate_niss_in_the_file_is_rejected(tmp_path, cpas_a, capsys):
    content = f"niss;nom;prenom\n{N1};Dupont;Jean\n85.07.30-033.28;Dupont;Jean\n".encode()
    assert run(tmp_path, cpas_a, "beneficiaires", content) == 1
    assert "ligne 3, niss : NISS déjà présent à la ligne 2" in capsys.readouterr().err


def test_rights_import_and_overlap_refused(tmp_path, cpas_a, capsys):
    b = BeneficiaireFactory(cpas=cpas_a)
    DroitFactory(beneficiaire=b, debut=datetime.date(2020, 1, 1), fin=datetime.date(2020, 12, 31))
    content = (
        "niss;type;categorie;debut;fin\n"
        f"{b.niss};RIS;famille à charge;01/01/2021;\n"
        f"{b.niss};ERIS;;2020-06-01;2020-07-01\n"
        f"{nouveau_niss()};RIS;;2021-01-01;\n"
        f"{b.niss};XYZ;;2019-01-01;2018-01-01\n"
    ).encode()
    assert run(tmp_path, cpas_a, "droits", content, "--valid-only") == 1
    err = capsys.readouterr().err
    assert "ligne 3, debut : chevauche le droit existant" in err
    assert "ligne 4, niss : aucun bénéficiaire avec ce NISS dans ce CPAS" in err
    assert "ligne 5, type : « XYZ » n'est pas une valeur admise" in err
    assert "ligne 5, fin : la fin précède le début" in err
    nouveau = DroitAide.objects.get(beneficiaire=b, debut=datetime.date(2021, 1, 1))
    assert nouveau.categorie == "famille_a_charge" and nouveau.fin is None


def test_rights_overlapping_each_other_in_the_file(tmp_path, cpas_a, capsys):
    b = BeneficiaireFactory(cpas=cpas_a)
    content = (
        f"niss;type;debut;fin\n{b.niss};RIS;2022-01-01;2022-12-31\n{b.niss};RIS;2022-12-31;\n"
    ).encode()
    assert run(tmp_path, cpas_a, "droits", content) == 1
    assert "ligne 3, debut : chevauche le droit de la ligne 2 du fichier" in capsys.readouterr().err
    assert not DroitAide.objects.exists()


def test_person_of_another_cpas_is_not_found(tmp_path, cpas_a, cpas_b, capsys):
    b = BeneficiaireFactory(cpas=cpas_b)
    assert (
        run(tmp_path, cpas_a, "droits", f"niss;type;debut\n{b.niss};RIS;2024-01-01\n".encode()) == 1
    )
    assert not DroitAide.objects.exists()


def test_imported_rows_are_in_the_audit_trail(tmp_path, cpas_a):
    run(tmp_path, cpas_a, "beneficiaires", f"niss;nom;prenom\n{N1};Dupont;Jean\n".encode())
    b = Beneficiaire.objects.get()
    event = b.events.get()
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata["command"] == "importer"
    assert event.pgh_context.metadata["import"] == "beneficiaires"


def test_dates_in_both_formats():
    assert parse_date("2024-03-01") == parse_date("01/03/2024") == datetime.date(2024, 3, 1)
    with pytest.raises(ValueError):
        parse_date("31/02/2024")
    with pytest.raises(ValueError):
        parse_date("March 1st")


def test_a_new_import_type_plugs_in(cpas_a, monkeypatch):
    monkeypatch.setattr(base, "_types", dict(base._types))
    vus = []

    class ImportCommunes(TypeImport):
        nom = "communes_test"
        colonnes = [Colonne("niss", obligatoire=True), Colonne("commune", obligatoire=True)]

        def preparer(self, ctx, lignes):
            self.charger_personnes(ctx, lignes)

        def valider(self, ctx, ligne):
            b = self.personne(ctx, ligne)
            commune = self.obligatoire(ligne, "commune")
            if ligne.valide:
                ligne.donnees = {"b": b, "commune": commune}

        def enregistrer(self, ctx, lignes):
            for ligne in lignes:
                vus.append((ligne.donnees["b"].pk, ligne.donnees["commune"]))
            return Bilan(modifies=len(lignes))

    register_import_type(ImportCommunes())
    assert "communes_test" in import_types()
    b = BeneficiaireFactory(cpas=cpas_a)
    rapport = executer_import(
        cpas_a, "communes_test", f"niss;commune\n{b.niss};Ciney\n;Nulle\n".encode(), valid_only=True
    )
    assert rapport.ecrit and vus == [(b.pk, "Ciney")]
    assert [str(e) for e in rapport.erreurs] == ["ligne 3, niss : valeur obligatoire"]
