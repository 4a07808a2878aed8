"""Print the participation table of one or several CPAS for a list of dates (CSV or JSON)."""

from __future__ import annotations

import csv
import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from cpas_isp.models import Cpas
from rapports.queries import COLONNES_PARTICIPATION, tableau_participation


def _dates(value: str) -> list[datetime.date]:
    dates = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            dates.append(datetime.date.fromisoformat(part))
        except ValueError:
            raise CommandError(f"Date invalide : « {part} » (format attendu AAAA-MM-JJ).")
    if not dates:
        raise CommandError("Donnez au moins une date (--dates AAAA-MM-JJ[,…]).")
    return dates


def _cpas(value: str) -> list[Cpas]:
    codes = [c.strip() for c in value.split(",") if c.strip()]
    if not codes:
        raise CommandError("Donnez au moins un CPAS (--cpas CODE[,CODE…]).")
    found = {c.code: c for c in Cpas.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise CommandError(f"CPAS inconnu(s) : {', '.join(missing)}.")
    return [found[c] for c in codes]


class Command(BaseCommand):
    # A report reads data: it does not need Django's system checks, which import every URL
    # pattern and so every view module of every app before doing anything.
    requires_system_checks: list = []
    help = (
        "Tableau de participation ISP (dossiers RIS+ERIS, personnes par phase, total ISP, taux) "
        "d'un ou plusieurs CPAS ensemble, pour une liste de dates."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cpas", required=True, help="code(s) de CPAS séparés par des virgules"
        )
        parser.add_argument("--dates", required=True, help="AAAA-MM-JJ[,AAAA-MM-JJ…]")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, cpas, dates, format, **options):
        cpas_list = _cpas(cpas)
        lignes = tableau_participation([c.pk for c in cpas_list], _dates(dates))
        rows = [ligne.valeurs() for ligne in lignes]
        if format == "json":
            for row in rows:
                row["taux"] = float(row["taux"]) if row["taux"] is not None else None
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(COLONNES_PARTICIPATION)
        for row in rows:
            row["taux"] = "" if row["taux"] is None else str(row["taux"])
            writer.writerow([row[c] for c in COLONNES_PARTICIPATION])
