"""Deterministic demo data: two CPAS, one account per role in each, then each app's own data.

Each app may provide ``<app>/demo.py`` with ``charger(contexte: DemoContexte)``; they run in
dependency order (beneficiaires, partenaires, trajets, rapports) with the same seeded random
generator, so two runs on empty databases give the same data.
"""

from __future__ import annotations

import datetime
import importlib
import random
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from cpas_isp.audit import contexte_script
from cpas_isp.deux_facteurs import CLE_DEMO_BASE32, enroler_demo
from cpas_isp.models import Cpas, Membership, Role, User

DEMO_PASSWORD = "demo-isp-2026"

# code, name, commune, inhabitants, language
DEMO_CPAS = [
    ("anderlecht", "CPAS d'Anderlecht", "Anderlecht", 126_000, "fr"),
    ("ciney", "CPAS de Ciney", "Ciney", 16_500, "fr"),
]

# role, username prefix, first name, last name, cellule code
DEMO_ROLES = [
    (Role.AGENT, "agent", "Amina", "Benali", "facilitateurs"),
    (Role.COORDINATEUR, "coordinateur", "Marc", "Dubois", None),
    (Role.DIRECTEUR, "directeur", "Claire", "Lambert", None),
    (Role.PARTENAIRE, "partenaire", "Julie", "Peeters", None),
    (Role.ADMIN, "admin", "Thomas", "Renard", None),
]

# Apps whose demo.py extends the data, in dependency order.
DEMO_APPS = [
    "beneficiaires",
    "partenaires",
    "trajets",
    "rendezvous",
    "activites",
    "documents",
    "rapports",
]


@dataclass
class DemoContexte:
    """What the core demo created, handed to each app's ``demo.charger``."""

    rng: random.Random
    aujourd_hui: datetime.date
    cpas: list[Cpas]
    comptes: dict[tuple[str, str], User] = field(default_factory=dict)  # (cpas code, role) -> user
    stdout: object = None


def demo_accounts():
    """(username, role, CPAS codes) of every demo account, for README and `make run`."""
    rows = []
    for code, *_ in DEMO_CPAS:
        for role, prefix, *_ in DEMO_ROLES:
            rows.append((f"{prefix}.{code}", role, [code]))
    rows.append(("coordinateur.multi", Role.COORDINATEUR, [c for c, *_ in DEMO_CPAS]))
    return rows


class Command(BaseCommand):
    help = "Charge les données de démonstration (si la base ne contient aucun CPAS, sauf --force)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="charger même si des CPAS existent"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--date", default=None, help="date de référence (AAAA-MM-JJ), aujourd'hui par défaut"
        )

    def handle(self, *args, force=False, seed=2026, date=None, **options):
        if Cpas.objects.exists() and not force:
            self.stdout.write("Des données existent déjà : rien n'est chargé.")
            return
        aujourd_hui = datetime.date.fromisoformat(date) if date else datetime.date.today()
        with contexte_script("demo_data"), transaction.atomic():
            ctx = DemoContexte(
                rng=random.Random(seed), aujourd_hui=aujourd_hui, cpas=[], stdout=self.stdout
            )
            self._core(ctx)
            for app in DEMO_APPS:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.charger(ctx)
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        self.stdout.write(f"Comptes (mot de passe « {DEMO_PASSWORD} ») :")
        for username, role, codes in demo_accounts():
            self.stdout.write(f"  {username:<26} {role.label:<28} {', '.join(codes)}")
        self.stdout.write(
            f"Double authentification des comptes admin.* : clé TOTP {CLE_DEMO_BASE32}"
        )

    def _core(self, ctx: DemoContexte):
        admin_perms = Permission.objects.filter(
            content_type__app_label__in=["cpas_isp", *DEMO_APPS]
        ).exclude(codename__startswith="delete_")
        for code, nom, commune, habitants, langue in DEMO_CPAS:
            cpas = Cpas.objects.create(
                code=code, nom=nom, commune=commune, habitants=habitants, langue=langue
            )
            ctx.cpas.append(cpas)
            for role, prefix, prenom, nom_famille, cellule_code in DEMO_ROLES:
                user = User.objects.create_user(
                    username=f"{prefix}.{code}",
                    password=DEMO_PASSWORD,
                    first_name=prenom,
                    last_name=nom_famille,
                    email=f"{prefix}.{code}@demo.cpas-isp.be",
                    langue=langue,
                    is_staff=role == Role.ADMIN,
                )
                if role == Role.ADMIN:
                    user.user_permissions.set(admin_perms)
                    enroler_demo(user)  # two-factor authentication is required for admins
                cellule = cpas.cellules.get(code=cellule_code) if cellule_code else None
                Membership.objects.create(user=user, cpas=cpas, role=role, cellule=cellule)
                ctx.comptes[(code, role)] = user
        multi = User.objects.create_user(
            username="coordinateur.multi",
            password=DEMO_PASSWORD,
            first_name="Sophie",
            last_name="Janssens",
            email="coordinateur.multi@demo.cpas-isp.be",
        )
        for cpas in ctx.cpas:
            Membership.objects.create(user=multi, cpas=cpas, role=Role.COORDINATEUR)
        ctx.comptes[("multi", Role.COORDINATEUR)] = multi
