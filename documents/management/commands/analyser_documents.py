from django.core.management.base import BaseCommand

from cpas_isp.audit import contexte_script
from documents.tasks import analyser_documents_en_attente


class Command(BaseCommand):
    help = "Scan with clamd (CLAMD_SOCKET) the documents not scanned yet."

    def add_arguments(self, parser):
        parser.add_argument("--limite", type=int, default=500)

    def handle(self, *args, limite, **options):
        with contexte_script("analyser_documents"):
            comptes = analyser_documents_en_attente(limite)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(comptes.items())) or "0")
