"""Speed of the collective activities on a busy CPAS: 200 activities, 4,000 sessions, 60,000
attendance marks. The attendance grid of a 20-person session must open and save in < 150 ms
(the save writes the 20 marks and the 20 weekly journal summaries); also the activity page and
the list.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_activites.py [--repetitions 15]

Creates a throwaway test database, fills it with bulk inserts, times each page through the
Django test client (median and 90th percentile of several runs, with the number of SQL
queries), then drops it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpas_isp.settings")
os.environ.setdefault("CPAS_ISP_TESTING", "true")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

OBJECTIF_MS = 150


def niss(i: int) -> str:
    naissance = datetime.date(1960, 1, 1) + datetime.timedelta(days=i % 14000)
    base = f"{naissance:%y%m%d}{i % 997 + 1:03d}"
    return base + f"{97 - int(base) % 97:02d}"


def remplir(n_activites: int, seances_par_activite: int, participants: int):
    from activites.models import (
        Activite,
        Inscription,
        Presence,
        Seance,
        StatutInscription,
        TypeActivite,
    )
    from beneficiaires.models import Beneficiaire
    from cpas_isp.models import Cpas, Membership, Role, User

    rng = random.Random(14)
    today = timezone.localdate()
    cpas = Cpas.objects.create(code="bench", nom="CPAS Bench")
    coord = User.objects.create_user("coord.bench", password="x")
    Membership.objects.create(user=coord, cpas=cpas, role=Role.COORDINATEUR)
    n_personnes = n_activites * participants // 2 + 20
    personnes = Beneficiaire.objects.bulk_create(
        [
            Beneficiaire(cpas=cpas, niss=niss(i), nom=f"Nom{i}", prenom="Test", referent=coord)
            for i in range(n_personnes)
        ],
        batch_size=5000,
    )
    types = list(TypeActivite.objects.all())
    activites = Activite.objects.bulk_create(
        [
            Activite(
                cpas=cpas,
                titre=f"Activité {k}",
                type=types[k % len(types)],
                capacite=participants + 5,
                debut=today - datetime.timedelta(days=(seances_par_activite - 1) * 2),
                fin=today + datetime.timedelta(days=30),
                cree_par=coord,
            )
            for k in range(n_activites)
        ]
    )
    seances = []
    for a in activites:
        for j in range(seances_par_activite):
            seances.append(
                Seance(
                    activite=a,
                    date=a.debut + datetime.timedelta(days=2 * j),
                    heure_debut=datetime.time(9, 0),
                    heure_fin=datetime.time(12, 0),
                )
            )
    seances = Seance.objects.bulk_create(seances, batch_size=5000)
    inscriptions = []
    for k, a in enumerate(activites):
        n = 20 if k == 0 else participants
        debut = (k * participants // 2) % (n_personnes - n)
        for b in personnes[debut : debut + n]:
            inscriptions.append(
                Inscription(
                    cpas=cpas,
                    activite=a,
                    beneficiaire=b,
                    statut=StatutInscription.INSCRIT,
                    demande_le=timezone.now(),
                    date_inscription=a.debut,
                    inscrit_par=coord,
                )
            )
    inscriptions = Inscription.objects.bulk_create(inscriptions, batch_size=5000)
    par_activite = {}
    for i in inscriptions:
        par_activite.setdefault(i.activite_id, []).append(i)
    presences = []
    for s in seances:
        if s.date > today:
            continue
        for i in par_activite[s.activite_id]:
            statut = rng.choices(["present", "retard", "excuse", "absent"], [85, 5, 5, 5])[0]
            heures = Decimal("3") if statut == "present" else Decimal("0")
            if statut == "retard":
                heures = Decimal("2.5")
            presences.append(
                Presence(
                    cpas=cpas,
                    seance=s,
                    inscription=i,
                    statut=statut,
                    heures=heures,
                    note_par=coord,
                )
            )
    Presence.objects.bulk_create(presences, batch_size=10000)
    cible = next(s for s in seances if s.activite_id == activites[0].pk and s.date == today)
    return coord, activites, len(seances), len(presences), cible, par_activite[activites[0].pk]


def mesurer(client, method, url, data=None, repetitions=15, **headers):
    durees, requetes = [], 0
    # One warm-up run (templates, session), which also sets the marks of a save to the
    # first value: each measured save then changes the 20 marks and their summaries.
    getattr(client, method)(url, (data(1) if callable(data) else data) or {}, **headers)
    for r in range(repetitions):
        donnees = data(r) if callable(data) else data
        with CaptureQueriesContext(connection) as ctx:
            debut = time.perf_counter()
            response = getattr(client, method)(url, donnees or {}, **headers)
            durees.append((time.perf_counter() - debut) * 1000)
        assert response.status_code in (200, 302), (url, response.status_code)
        requetes = len(ctx.captured_queries)
    p90 = statistics.quantiles(durees, n=10)[-1] if len(durees) > 1 else durees[0]
    return statistics.median(durees), p90, requetes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--activites", type=int, default=200)
    parser.add_argument("--seances", type=int, default=20, help="per activity")
    parser.add_argument("--participants", type=int, default=15, help="per activity")
    parser.add_argument("--repetitions", type=int, default=15)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_activites_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t0 = time.perf_counter()
        # The target session is today; sessions every other day from 2 x seances days ago.
        coord, activites, n_seances, n_marques, cible, lignes = remplir(
            args.activites, args.seances, args.participants
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"Données : {len(activites)} activités, {n_seances} séances, {n_marques} présences "
            f"({time.perf_counter() - t0:.1f} s)"
        )
        client = Client()
        client.force_login(coord)
        client.get("/")  # the session's first request stamps it
        htmx = {"HTTP_HX_REQUEST": "true"}
        url = f"/activites/seance/{cible.pk}/"

        def grille(r):
            # Alternate so that every save really changes the 20 marks (and their summaries).
            statut = "present" if r % 2 == 0 else "retard"
            data = {}
            for i in lignes:
                data[f"statut-{i.pk}"] = statut
                data[f"heures-{i.pk}"] = "3" if statut == "present" else "2,5"
            return data

        rows = [
            ("Grille de présence, 20 personnes (ouvrir, page)", "get", url, None, {}),
            ("Grille de présence, 20 personnes (ouvrir, htmx)", "get", url, None, htmx),
            ("Grille de présence, 20 personnes (enregistrer)", "post", url, grille, htmx),
            (
                "Page de l'activité (20 participants)",
                "get",
                f"/activites/{activites[0].pk}/",
                None,
                {},
            ),
            ("Liste des activités", "get", "/activites/", None, {}),
        ]
        print(f"{'page':<52} {'médiane':>9} {'p90':>9} {'requêtes':>9}")
        echecs = []
        for label, method, u, data, headers in rows:
            ms, p90, q = mesurer(client, method, u, data, args.repetitions, **headers)
            print(f"{label:<52} {ms:>6.1f} ms {p90:>6.1f} ms {q:>9}")
            if label.startswith("Grille") and ms >= OBJECTIF_MS:
                echecs.append(label)
        print(
            f"Objectif grille < {OBJECTIF_MS} ms : "
            + ("atteint" if not echecs else "NON atteint : " + ", ".join(echecs))
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
