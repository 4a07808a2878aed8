"""Benchmarks of the reports (issue 6), on generated data in a throwaway database.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_rapports.py [--garder]

1. Participation table, 24 dates, one CPAS with 6,000 files and 10,000 stays: < 200 ms, and
   within 1.5x of a hand-written SQL query computing the same numbers (both run, ratio printed).
2. The same table for 120,000 files across 20 CPAS together: < 2 s.
3. Monthly PDF of the 6,000-file CPAS, end to end (figures, charts, WeasyPrint, stored file):
   < 5 s.

The database ``<name>_bench_rapports`` is created, migrated, filled with bulk inserts (audit
triggers off during the load) and dropped at the end (unless --garder).
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpas_isp.settings")
os.environ.setdefault("CPAS_ISP_TESTING", "true")

URL_ORIGINE = os.environ.get("DATABASE_URL")
if not URL_ORIGINE:
    sys.exit("Set DATABASE_URL (a PostgreSQL server where a database may be created).")
_parts = urlsplit(URL_ORIGINE)
NOM_BENCH = f"{_parts.path.lstrip('/') or 'cpas_isp'}_bench_rapports"
os.environ["DATABASE_URL"] = urlunsplit(_parts._replace(path="/" + NOM_BENCH))
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="bench-rapports-media-")

import psycopg  # noqa: E402


def _admin_connexion():
    return psycopg.connect(urlunsplit(_parts._replace(path="/postgres")), autocommit=True)


def creer_base():
    with _admin_connexion() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{NOM_BENCH}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{NOM_BENCH}"')


def supprimer_base():
    from django.db import connections

    connections.close_all()
    with _admin_connexion() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{NOM_BENCH}" WITH (FORCE)')


TAILLE_GRAND = 6_000
PASSAGES_GRAND = 10_000
N_CPAS = 20
TAILLE_TOTALE = 120_000
DEBUT = datetime.date(2022, 1, 1)
FIN = datetime.date(2025, 12, 31)
JOURS = (FIN - DEBUT).days


def _charger(cpas, n_personnes, n_passages, rng, niss_depart):
    """n_personnes files with one or two successive rights, n_passages stays spread over
    them without overlap (one phase at a time), a third of the ended ones with a reason."""
    from beneficiaires.models import Beneficiaire, DroitAide
    from trajets.models import MotifSortie, PassagePhase, Phase

    phases = [p.value for p in Phase]
    motifs = list(MotifSortie.objects.values_list("pk", flat=True)) or [None]
    personnes = Beneficiaire.objects.bulk_create(
        [
            Beneficiaire(
                cpas=cpas, niss=f"{niss_depart + i:011d}", nom=f"Nom{i}", prenom=f"Prenom{i}"
            )
            for i in range(n_personnes)
        ],
        batch_size=5000,
    )
    droits, passages = [], []
    # How many stays each person gets: n_passages spread at random over the people.
    par_personne = [0] * n_personnes
    for _ in range(n_passages):
        par_personne[rng.randrange(n_personnes)] += 1
    for b, n in zip(personnes, par_personne, strict=True):
        debut = DEBUT + datetime.timedelta(days=rng.randrange(JOURS // 2))
        if rng.random() < 0.3:  # RIS then ERIS
            milieu = debut + datetime.timedelta(days=rng.randrange(30, 400))
            droits.append(DroitAide(cpas=cpas, beneficiaire=b, type="RIS", debut=debut, fin=milieu))
            droits.append(
                DroitAide(
                    cpas=cpas,
                    beneficiaire=b,
                    type="ERIS",
                    debut=milieu + datetime.timedelta(days=1),
                    fin=None if rng.random() < 0.7 else FIN,
                )
            )
        else:
            droits.append(
                DroitAide(
                    cpas=cpas,
                    beneficiaire=b,
                    type="RIS",
                    debut=debut,
                    fin=None
                    if rng.random() < 0.6
                    else debut + datetime.timedelta(days=rng.randrange(60, 900)),
                )
            )
        jour = debut + datetime.timedelta(days=rng.randrange(0, 120))
        for k in range(n):
            duree = rng.randrange(30, 300)
            fin = jour + datetime.timedelta(days=duree)
            ouvert = k == n - 1 and rng.random() < 0.5
            passages.append(
                PassagePhase(
                    cpas=cpas,
                    beneficiaire=b,
                    phase=rng.choice(phases),
                    debut=jour,
                    fin=None if ouvert else fin,
                    motif_sortie_id=None if ouvert or rng.random() < 0.3 else rng.choice(motifs),
                )
            )
            jour = fin + datetime.timedelta(days=rng.randrange(1, 60))
    DroitAide.objects.bulk_create(droits, batch_size=5000)
    PassagePhase.objects.bulk_create(passages, batch_size=5000)
    return len(personnes), len(passages)


def charger_donnees():
    from django.db import connection, transaction

    from cpas_isp.models import Cpas

    rng = random.Random(6)
    cpas = [
        Cpas.objects.create(code=f"bench{i:02d}", nom=f"CPAS Bench {i:02d}") for i in range(N_CPAS)
    ]
    reste = TAILLE_TOTALE - TAILLE_GRAND
    tailles = [TAILLE_GRAND] + [reste // (N_CPAS - 1)] * (N_CPAS - 1)
    tailles[-1] += reste - sum(tailles[1:])
    t0 = time.perf_counter()
    total_passages = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no audit triggers
        for i, (c, n) in enumerate(zip(cpas, tailles, strict=True)):
            _, p = _charger(c, n, round(n * PASSAGES_GRAND / TAILLE_GRAND), rng, i * 1_000_000)
            total_passages += p
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"données : {TAILLE_TOTALE} dossiers, {total_passages} passages, {N_CPAS} CPAS "
        f"chargés en {time.perf_counter() - t0:.1f} s"
    )
    return cpas


SQL_A_LA_MAIN = """
SELECT d.jour,
  (SELECT count(DISTINCT da.beneficiaire_id) FROM beneficiaires_droitaide da
    WHERE da.cpas_id = ANY(%(cpas)s) AND da.debut <= d.jour
      AND coalesce(da.fin, 'infinity'::date) >= d.jour),
  x.facilitateur, x.alpha, x.etudes_formations, x.emploi, x.article60, x.isp
FROM unnest(%(dates)s::date[]) AS d(jour)
CROSS JOIN LATERAL (
  SELECT count(DISTINCT pp.beneficiaire_id) FILTER (WHERE pp.phase = 'facilitateur') facilitateur,
         count(DISTINCT pp.beneficiaire_id) FILTER (WHERE pp.phase = 'alpha') alpha,
         count(DISTINCT pp.beneficiaire_id) FILTER (WHERE pp.phase = 'etudes_formations')
           etudes_formations,
         count(DISTINCT pp.beneficiaire_id) FILTER (WHERE pp.phase = 'emploi') emploi,
         count(DISTINCT pp.beneficiaire_id) FILTER (WHERE pp.phase = 'article60') article60,
         count(DISTINCT pp.beneficiaire_id) isp
  FROM trajets_passagephase pp
  WHERE pp.cpas_id = ANY(%(cpas)s) AND pp.debut <= d.jour
    AND coalesce(pp.fin, 'infinity'::date) >= d.jour
) x
ORDER BY d.jour
"""


def _chrono(func, repetitions):
    func()  # warm-up (plans, caches)
    mesures = []
    for _ in range(repetitions):
        t0 = time.perf_counter()
        resultat = func()
        mesures.append(time.perf_counter() - t0)
    return statistics.median(mesures), resultat


def main():
    garder = "--garder" in sys.argv
    creer_base()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rapports import services
    from rapports.queries import fins_de_mois, tableau_participation

    ok = True
    try:
        call_command("migrate", verbosity=0)
        cpas = charger_donnees()
        grand = cpas[0]
        dates = fins_de_mois(datetime.date(2024, 1, 1), datetime.date(2025, 12, 31))
        assert len(dates) == 24

        def main_sql(ids):
            with connection.cursor() as cursor:
                cursor.execute(SQL_A_LA_MAIN, {"cpas": ids, "dates": dates})
                return cursor.fetchall()

        # 1. one CPAS, 6,000 files, 10,000 stays
        t_app, lignes = _chrono(lambda: tableau_participation([grand.pk], dates), 15)
        t_main, brut = _chrono(lambda: main_sql([grand.pk]), 15)
        attendu = [
            (ligne.date, ligne.ris_eris, *ligne.phases.values(), ligne.isp) for ligne in lignes
        ]
        assert attendu == [tuple(r) for r in brut], "the two queries disagree"
        ratio = t_app / t_main
        print(
            f"[1] tableau de participation, 1 CPAS (6 000 dossiers, 10 000 passages), "
            f"24 dates : {t_app * 1000:.1f} ms (objectif < 200 ms) ; requête écrite à la main "
            f"{t_main * 1000:.1f} ms ; rapport {ratio:.2f} (objectif ≤ 1,5)"
        )
        ok &= t_app < 0.2 and ratio <= 1.5
        derniere = lignes[-1]
        print(
            f"    au {derniere.date} : RIS+ERIS {derniere.ris_eris}, ISP {derniere.isp}, "
            f"taux {derniere.taux} %"
        )

        # 2. 20 CPAS together, 120,000 files
        ids = [c.pk for c in cpas]
        t_tous, lignes = _chrono(lambda: tableau_participation(ids, dates), 5)
        t_main_tous, brut = _chrono(lambda: main_sql(ids), 5)
        assert [
            (ligne.date, ligne.ris_eris, *ligne.phases.values(), ligne.isp) for ligne in lignes
        ] == [tuple(r) for r in brut]
        print(
            f"[2] tableau de participation, {N_CPAS} CPAS ensemble ({TAILLE_TOTALE} dossiers), "
            f"24 dates : {t_tous * 1000:.0f} ms (objectif < 2 s) ; à la main "
            f"{t_main_tous * 1000:.0f} ms ; rapport {t_tous / t_main_tous:.2f}"
        )
        ok &= t_tous < 2

        # 3. monthly PDF of the 6,000-file CPAS, end to end (stored report)
        mois = datetime.date(2025, 12, 1)
        mesures = []
        for _ in range(3):
            t0 = time.perf_counter()
            rapport = services.generer_rapport(grand.pk, mois)
            mesures.append(time.perf_counter() - t0)
        t_pdf = statistics.median(mesures)
        print(
            f"[3] rapport mensuel PDF, CPAS de 6 000 dossiers, de bout en bout : "
            f"{t_pdf:.2f} s (objectif < 5 s ; {rapport.taille} octets, "
            f"min {min(mesures):.2f} s, max {max(mesures):.2f} s)"
        )
        ok &= t_pdf < 5
    finally:
        if not garder:
            supprimer_base()
            print(f"base {NOM_BENCH} supprimée")
    print("OBJECTIFS ATTEINTS" if ok else "OBJECTIF MANQUÉ")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
