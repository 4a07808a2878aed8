"""Speed of the partners app at the size of a large Brussels CPAS.

Creates a throwaway database (``bench_partenaires``, dropped at the end), fills it with
30 partners, 20,000 referrals over five years (3,000 still waiting for an answer) and prints:
- the per-partner statistics query (coordinators' page),
- the partner portal's first page and the CPAS referral list's first page (SQL only),
- the daily deadlines task (reminders and expiries) over the waiting referrals,
- the cost split of a convention shared by all 581 Belgian CPAS.

Run: DATABASE_URL=... .venv/bin/python benchmarks/bench_partenaires.py
"""

from __future__ import annotations

import datetime
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpas_isp.settings")
os.environ.setdefault("CPAS_ISP_TESTING", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

N_ORIENTATIONS = 20_000
N_EN_ATTENTE = 3_000


def chrono(label, func, repeat=5):
    func()  # warm up
    durees = []
    for _i in range(repeat):
        t0 = time.perf_counter()
        func()
        durees.append(time.perf_counter() - t0)
    durees.sort()
    print(f"{label:<62} median {durees[len(durees) // 2] * 1000:8.1f} ms")


def remplir(rng):
    from beneficiaires.models import Beneficiaire
    from cpas_isp.models import Cpas, Membership, Role, User
    from partenaires.models import (
        ComptePartenaire,
        Orientation,
        Partenaire,
        ServicePartenaire,
        Thematique,
        TypePartenaire,
    )

    cpas = Cpas.objects.create(code="bench", nom="CPAS Bench", habitants=120_000)
    agent = User.objects.create_user("agent.bench", password="x")
    Membership.objects.create(user=agent, cpas=cpas, role=Role.COORDINATEUR)
    type_ = TypePartenaire.objects.first()
    theme = Thematique.objects.first()
    partenaires = Partenaire.objects.bulk_create(
        [Partenaire(nom=f"Partenaire {i}", type=type_, commune="Bruxelles") for i in range(30)]
    )
    services = ServicePartenaire.objects.bulk_create(
        [
            ServicePartenaire(partenaire=p, nom=f"Service {j}", thematique=theme)
            for p in partenaires
            for j in range(3)
        ]
    )
    partner_user = User.objects.create_user("partenaire.bench", password="x", email="p@x.be")
    Membership.objects.create(user=partner_user, cpas=cpas, role=Role.PARTENAIRE)
    ComptePartenaire.objects.create(user=partner_user, partenaire=partenaires[0])
    personnes = Beneficiaire.objects.bulk_create(
        [
            Beneficiaire(cpas=cpas, niss=f"{85000000000 + i:011d}", nom=f"Nom{i}", prenom="P")
            for i in range(6_000)
        ]
    )
    today = datetime.date.today()
    lignes = []
    for i in range(N_ORIENTATIONS):
        d = today - datetime.timedelta(days=rng.randint(0, 5 * 365))
        o = Orientation(
            cpas=cpas,
            beneficiaire=rng.choice(personnes),
            service=rng.choice(services),
            agent=agent,
            date_orientation=d,
            motif="bench",
            date_envoi=d,
        )
        if i < N_EN_ATTENTE:
            o.statut = "envoyee"
            o.date_envoi = today - datetime.timedelta(days=rng.randint(0, 40))
        else:
            o.statut = rng.choice(["acceptee", "refusee", "en_cours", "terminee", "expiree"])
            o.date_reponse = d + datetime.timedelta(days=rng.randint(1, 20))
            if o.statut == "refusee":
                o.motif_refus = "complet"
            if o.statut == "terminee":
                o.resultat = rng.choice(["emploi", "abandon", "reorientation"])
        lignes.append(o)
    Orientation.objects.bulk_create(lignes, batch_size=2_000)
    return cpas, agent, partner_user


def main():
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_partenaires"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from cpas_isp.models import Cpas
        from partenaires import queries, services
        from partenaires.models import Convention, Orientation, PartieCpas
        from partenaires.repartition import repartir

        rng = random.Random(2026)
        t0 = time.perf_counter()
        cpas, agent, partner_user = remplir(rng)
        print(f"setup: {N_ORIENTATIONS} referrals in {time.perf_counter() - t0:.1f} s")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        qs = Orientation.objects.for_user(agent)
        chrono(
            "per-partner statistics (30 partners, 20,000 referrals)",
            lambda: list(queries.statistiques_orientations(qs)),
        )
        chrono(
            "CPAS referral list, first page of 30 (SQL)",
            lambda: list(
                qs.select_related("beneficiaire", "service__partenaire", "agent").order_by(
                    "-date_orientation", "-id"
                )[:30]
            ),
        )
        portail = Orientation.objects.for_user(partner_user)
        chrono(
            "partner portal, first page of 30 (SQL)",
            lambda: list(portail.select_related("beneficiaire").order_by("-date_envoi")[:30]),
        )

        t0 = time.perf_counter()
        resultat = services.traiter_echeances()
        duree = time.perf_counter() - t0
        print(
            f"{'daily deadlines task (first run)':<62} {duree * 1000:8.1f} ms  "
            f"{resultat['rappels']} reminders, {resultat['expirees']} expiries, "
            f"{len(mail.outbox)} e-mails"
        )
        chrono("daily deadlines task (second run, nothing to do)", services.traiter_echeances, 3)

        tous = Cpas.objects.bulk_create(
            [
                Cpas(code=f"c{i}", nom=f"CPAS {i}", habitants=rng.randint(1_500, 190_000))
                for i in range(581)
            ]
        )
        conv = Convention.objects.create(
            cpas=cpas,
            titre="bench",
            debut=datetime.date(2026, 1, 1),
            fin=datetime.date(2026, 12, 31),
            budget_total=Decimal("12345678.91"),
        )
        PartieCpas.objects.bulk_create(
            [PartieCpas(convention=conv, cpas=c, habitants=c.habitants) for c in tous]
        )
        parties = list(conv.parties_cpas.select_related("cpas"))
        r = repartir(conv, parties, [])
        assert r.total_parts == r.solde, "shares must add up"
        chrono("pro rata split between 581 CPAS (in memory)", lambda: repartir(conv, parties, []))
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
