"""Import a CPAS's existing data from a CSV file (see beneficiaires/imports/).

    python manage.py importer --cpas CODE --type beneficiaires|droits|... FILE
        [--dry-run] [--valid-only] [--rejets OUT.csv]

Exit status 1 when any row was rejected (nothing written unless --valid-only), 0 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from beneficiaires.imports.base import ImportEchoue, executer_import, import_types
from cpas_isp.models import Cpas


class Command(BaseCommand):
    help = "Importe des bénéficiaires, des droits (ou un autre type enregistré) depuis un CSV."

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="fichier CSV (; ou ,  UTF-8 ou Windows-1252)")
        parser.add_argument("--cpas", required=True, help="code du CPAS")
        parser.add_argument(
            "--type", required=True, dest="type_import", help="type d'import (voir --help)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="tout vérifier sans rien enregistrer"
        )
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="enregistrer les lignes valides et rejeter les autres",
        )
        parser.add_argument("--rejets", help="écrire les lignes rejetées dans ce CSV")
        parser.add_argument("--langue", default="fr", help="langue des messages (fr ou nl)")

    def handle(
        self, *args, fichier, cpas, type_import, dry_run, valid_only, rejets, langue, **options
    ):
        translation.activate(langue)
        types = import_types()
        if type_import not in types:
            raise CommandError(
                f"Type d'import inconnu « {type_import} » (types : {', '.join(sorted(types))})."
            )
        try:
            cpas_obj = Cpas.objects.get(code=cpas)
        except Cpas.DoesNotExist:
            raise CommandError(f"Aucun CPAS avec le code « {cpas} ».")
        path = Path(fichier)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {fichier}")
        try:
            rapport = executer_import(
                cpas_obj,
                type_import,
                path.read_bytes(),
                dry_run=dry_run,
                valid_only=valid_only,
                origine="importer",
                nom_fichier=path.name,
            )
        except ImportEchoue as exc:
            raise CommandError(str(exc))

        for erreur in rapport.erreurs:
            self.stderr.write(str(erreur))
        if rejets and rapport.lignes:
            with open(rejets, "w", encoding="utf-8-sig", newline="") as out:
                n = rapport.ecrire_rejets(out)
            self.stdout.write(f"{n} ligne(s) rejetée(s) écrite(s) dans {rejets}")

        total, ok, ko = len(rapport.lignes), len(rapport.valides), len(rapport.rejetees)
        self.stdout.write(
            f"{total} ligne(s) lue(s) ({rapport.encodage}, séparateur « {rapport.separateur} ») :"
            f" {ok} valide(s), {ko} rejetée(s)."
        )
        if rapport.ecrit:
            b = rapport.bilan
            self.stdout.write(
                self.style.SUCCESS(
                    f"Enregistré : {b.crees} créé(s), {b.modifies} modifié(s),"
                    f" {b.inchanges} inchangé(s)."
                )
            )
        elif dry_run:
            self.stdout.write("Simulation (--dry-run) : rien n'a été enregistré.")
        elif rapport.a_des_erreurs:
            self.stdout.write(
                self.style.ERROR(
                    "Rien n'a été enregistré (corrigez les lignes en erreur ou utilisez"
                    " --valid-only)."
                )
            )
        if rapport.a_des_erreurs:
            sys.exit(1)
