from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cpas_isp.audit import contexte_script
from cpas_isp.models import Cpas, Langue


class Command(BaseCommand):
    help = "Crée un CPAS et ses cinq cellules ISP (idempotent sur le code)."

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True)
        parser.add_argument("--nom", required=True)
        parser.add_argument("--commune", default="")
        parser.add_argument("--habitants", type=int)
        parser.add_argument("--langue", choices=[c for c, _ in Langue.choices], default="fr")

    def handle(self, *args, code, nom, commune, habitants, langue, **options):
        with contexte_script("creer_cpas"), transaction.atomic():
            cpas = Cpas.objects.filter(code=code).first()
            created = cpas is None
            if created:
                cpas = Cpas(code=code)
            cpas.nom = nom
            cpas.commune = commune or cpas.commune or nom
            if habitants is not None:
                cpas.habitants = habitants
            cpas.langue = langue
            try:
                cpas.full_clean()
            except ValidationError as exc:
                raise CommandError(
                    "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                )
            cpas.save()
            cpas.creer_cellules_isp()
        verb = "créé" if created else "mis à jour"
        self.stdout.write(f"CPAS {cpas.code} {verb} ({cpas.cellules.count()} cellules).")
