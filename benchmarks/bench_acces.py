"""Cost of the access log on lists (issue 9, point 5), on generated data in a throwaway database.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_acces.py [--n 60]

A CPAS of 6,000 people; a coordinator opens the caseload page (Django test client, full
request, pages of 25 and of 100 rows, several pages and sorts) with the access log written
(one JournalAcces row naming the people of the page) and without it (the helper replaced by a
no-op), the two interleaved request by request so that both see the same machine load.
Prints the median of each and the ratio: target within 10 %.

The database ``bench_acces`` is created, migrated, filled and dropped at the end (kept with
``--garder``).
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpas_isp.settings")
os.environ.setdefault("CPAS_ISP_TESTING", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

N_PERSONNES = 6_000


def _arg(name, default):
    if name in sys.argv:
        return int(sys.argv[sys.argv.index(name) + 1])
    return default


def remplir(rng):
    from beneficiaires.models import Beneficiaire
    from beneficiaires.niss import niss_avec_controle
    from cpas_isp.models import Cpas, Membership, Role, User

    cpas = Cpas.objects.create(code="acces", nom="CPAS Accès")
    with connection.cursor() as cur:  # bulk load without the audit triggers
        cur.execute("SET session_replication_role = replica")
    utilises, lot = set(), []
    for i in range(N_PERSONNES):
        naissance = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randint(0, 16000))
        while True:
            base = f"{naissance:%y%m%d}{rng.randrange(1, 998):03d}"
            niss = niss_avec_controle(base, naissance.year)
            if niss not in utilises:
                utilises.add(niss)
                break
        lot.append(
            Beneficiaire(
                cpas=cpas,
                niss=niss,
                nom=f"Nom{i:05d}",
                prenom=rng.choice(["Anne", "Luc", "Sara", "Yassine", "Marie", "Jan"]),
                date_naissance=naissance,
                genre=rng.choice("MF"),
                commune="Namur",
            )
        )
    Beneficiaire.objects.bulk_create(lot, batch_size=3000)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE beneficiaires_beneficiaire "
            "SET nom_recherche = isp_unaccent(coalesce(nom, '') || ' ' || coalesce(prenom, ''))"
        )
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("VACUUM ANALYZE beneficiaires_beneficiaire")
    user = User.objects.create_user("bench.acces", password="x")
    Membership.objects.create(user=user, cpas=cpas, role=Role.COORDINATEUR)
    return user


def mesurer(user, n):
    from django.test import Client

    import beneficiaires.views.dossiers as vues
    from cpas_isp.models import JournalAcces

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    vrai = vues.journaliser_liste

    def sans_journal(*args, **kwargs):
        return None

    urls = [
        "/beneficiaires/?taille=25",
        "/beneficiaires/?taille=25&page=7",
        "/beneficiaires/?taille=100&page=3",
        "/beneficiaires/?taille=100&tri=-naissance",
    ]
    for url in urls:  # warm up both paths
        client.get(url)
    print(f"   (machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    resultats = {}
    for url in urls:
        avec, sans = [], []
        for i in range(n):
            # Interleaved, and alternating which goes first, so both see the same load.
            ordre = [(True, avec), (False, sans)] if i % 2 == 0 else [(False, sans), (True, avec)]
            for journal, durees in ordre:
                vues.journaliser_liste = vrai if journal else sans_journal
                t0 = time.perf_counter()
                response = client.get(url)
                durees.append(time.perf_counter() - t0)
                assert response.status_code == 200
        vues.journaliser_liste = vrai
        resultats[url] = (statistics.median(avec) * 1000, statistics.median(sans) * 1000)
    lignes = JournalAcces.objects.filter(user=user)
    assert lignes.exists(), "the access log was not written"
    exemple = lignes.latest("id")
    print(
        f"   {lignes.count()} access log rows written; the last names {len(exemple.personnes)}"
        " people"
    )
    return resultats


def main():
    n = _arg("--n", 60)
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_acces"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        rng = random.Random(2026)
        print(f"Access log on the caseload page, a CPAS of {N_PERSONNES:,} people")
        t0 = time.perf_counter()
        user = remplir(rng)
        print(f"   (filled in {time.perf_counter() - t0:.1f} s; {n} requests per mode and page)")
        resultats = mesurer(user, n)
        pire = 0.0
        for url, (avec, sans) in resultats.items():
            ratio = avec / sans
            pire = max(pire, ratio)
            print(
                f"   {url:<44} with log {avec:7.1f} ms  without {sans:7.1f} ms  ratio {ratio:5.3f}"
            )
        total_avec = sum(a for a, _s in resultats.values())
        total_sans = sum(s for _a, s in resultats.values())
        ratio = total_avec / total_sans
        print(
            f"   overall (sum of medians) with log {total_avec:.1f} ms, without "
            f"{total_sans:.1f} ms: ratio {ratio:.3f} (target <= 1.10): "
            f"{'OK' if ratio <= 1.10 else 'TOO SLOW'}; worst page {pire:.3f}"
        )
    finally:
        if "--garder" not in sys.argv:
            teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
