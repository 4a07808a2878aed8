"""Produce the monthly PDF report of one CPAS synchronously (the same PDF as the Celery task)."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cpas_isp.models import Cpas


class Command(BaseCommand):
    # A report reads data: it does not need Django's system checks, which import every URL
    # pattern and so every view module of every app before doing anything. What makes the
    # PDF (the report's queries, sections and charts, then WeasyPrint) is imported once the
    # arguments are valid, so --help or a mistyped code costs only Django's set-up.
    requires_system_checks: list = []
    help = "Génère le rapport mensuel PDF d'un CPAS pour un mois (AAAA-MM) dans un fichier."

    def add_arguments(self, parser):
        parser.add_argument("--cpas", required=True, help="code du CPAS")
        parser.add_argument("--mois", required=True, help="AAAA-MM")
        parser.add_argument("--langue", choices=["fr", "nl"], default=None)
        parser.add_argument("--sortie", required=True, help="fichier PDF à écrire")

    def handle(self, *args, cpas, mois, langue, sortie, **options):
        try:
            instance = Cpas.objects.get(code=cpas)
        except Cpas.DoesNotExist:
            raise CommandError(f"CPAS inconnu : {cpas}.")
        try:
            jour = datetime.date.fromisoformat(f"{mois}-01")
        except ValueError:
            raise CommandError(f"Mois invalide : « {mois} » (format attendu AAAA-MM).")
        chemin = Path(sortie)
        if chemin.parent and not chemin.parent.exists():  # before paying for the PDF
            raise CommandError(f"Le dossier {chemin.parent} n'existe pas.")
        from rapports.services import rendre_pdf

        pdf = rendre_pdf(instance, jour, langue or instance.langue)
        chemin.write_bytes(pdf)
        self.stdout.write(f"{chemin} ({len(pdf)} octets)")
