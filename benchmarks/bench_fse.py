"""Speed of the ESF+ reporting on a 1,000-participant project: 10 activities of the project
(40 sessions each, 40,000 attendance marks), 900 participants with confirmed entry data and
results, 100 still to confirm; plus 190 other activities of the CPAS so the project is not alone
in the tables. The ESF+ export (participant file, CSV and XLSX) must take < 2 s; also the Annex
I table page, its export and the daily follow-up task.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_fse.py

Creates a throwaway test database, fills it with bulk inserts, times each request through the
Django test client (median of several runs, with the number of SQL queries), then drops it.
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

OBJECTIF_S = 2.0
PROJET = "FSE+ 2021-2027 / B-1000"


def niss(i: int) -> str:
    naissance = datetime.date(1960, 1, 1) + datetime.timedelta(days=(i * 7) % 16000)
    base = f"{naissance:%y%m%d}{i % 997 + 1:03d}"
    return base + f"{97 - int(base) % 97:02d}"


def remplir(participants: int, activites_projet: int, autres: int, seances: int):
    from activites.models import (
        Activite,
        Inscription,
        ParticipantFse,
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
    personnes = Beneficiaire.objects.bulk_create(
        [
            Beneficiaire(
                cpas=cpas,
                niss=niss(i),
                nom=f"Nom{i}",
                prenom="Test",
                genre="MF"[i % 2],
                date_naissance=datetime.date(1960, 1, 1) + datetime.timedelta(days=(i * 7) % 16000),
                referent=coord,
            )
            for i in range(participants + 500)
        ],
        batch_size=5000,
    )
    types = list(TypeActivite.objects.all())
    debut = today - datetime.timedelta(days=2 * seances)
    activites = Activite.objects.bulk_create(
        [
            Activite(
                cpas=cpas,
                titre=f"Activité {k}",
                type=types[k % len(types)],
                capacite=participants,
                debut=debut,
                fin=today + datetime.timedelta(days=30),
                numero_projet_fse=PROJET if k < activites_projet else "",
                cree_par=coord,
            )
            for k in range(activites_projet + autres)
        ]
    )
    projet = activites[:activites_projet]
    les_seances = Seance.objects.bulk_create(
        [
            Seance(
                activite=a,
                date=a.debut + datetime.timedelta(days=2 * j),
                heure_debut=datetime.time(9, 0),
                heure_fin=datetime.time(12, 0),
            )
            for a in projet
            for j in range(seances)
        ],
        batch_size=5000,
    )
    # Each participant in one activity of the project, one in five in a second one too.
    inscriptions = []
    for n, b in enumerate(personnes[:participants]):
        choisies = {n % activites_projet}
        if n % 5 == 0:
            choisies.add((n + 1) % activites_projet)
        for k in choisies:
            parti = n % 3 == 0
            inscriptions.append(
                Inscription(
                    cpas=cpas,
                    activite=projet[k],
                    beneficiaire=b,
                    statut=StatutInscription.TERMINE if parti else StatutInscription.INSCRIT,
                    resultat="acheve" if parti else "",
                    date_fin=today - datetime.timedelta(days=rng.randint(1, 60)) if parti else None,
                    demande_le=timezone.now(),
                    date_inscription=debut,
                    inscrit_par=coord,
                )
            )
    inscriptions = Inscription.objects.bulk_create(inscriptions, batch_size=5000)
    par_activite = {}
    for i in inscriptions:
        par_activite.setdefault(i.activite_id, []).append(i)
    presences = [
        Presence(
            cpas=cpas,
            seance=s,
            inscription=i,
            statut="present",
            heures=Decimal("3"),
            note_par=coord,
        )
        for s in les_seances
        if s.date <= today
        for i in par_activite[s.activite_id]
    ]
    Presence.objects.bulk_create(presences, batch_size=10000)
    statuts = ["chomeur", "chomeur_ld", "inactif", "emploi"]
    isced = ["0-2", "3-4", "5-8"]
    ParticipantFse.objects.bulk_create(
        [
            ParticipantFse(
                cpas=cpas,
                beneficiaire=b,
                numero_projet=PROJET,
                date_entree=debut,
                tranche_age=["18-29", "30-54", "55+"][n % 3],
                statut_emploi=statuts[n % 4],
                niveau_isced=isced[n % 3],
                handicap=["oui", "non", "refus"][n % 3],
                zone_rurale="non",
                confirme_par=coord,
                sortie_notee_le=today if n % 3 == 0 else None,
                sortie_emploi=n % 6 == 0,
            )
            for n, b in enumerate(personnes[: participants * 9 // 10])
        ],
        batch_size=5000,
    )
    return coord, len(les_seances), len(presences)


def mesurer(client, url, data=None, repetitions=7):
    durees, requetes, taille = [], 0, 0
    for _r in range(repetitions):
        with CaptureQueriesContext(connection) as ctx:
            debut = time.perf_counter()
            response = client.get(url, data or {})
            contenu = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            durees.append(time.perf_counter() - debut)
        assert response.status_code == 200, (url, response.status_code)
        requetes, taille = len(ctx.captured_queries), len(contenu)
    return statistics.median(durees), requetes, taille


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--activites-projet", type=int, default=10)
    parser.add_argument("--autres-activites", type=int, default=190)
    parser.add_argument("--seances", type=int, default=40, help="per activity of the project")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_fse_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t0 = time.perf_counter()
        coord, n_seances, n_marques = remplir(
            args.participants, args.activites_projet, args.autres_activites, args.seances
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"Données : projet de {args.participants} participants, {args.activites_projet} "
            f"activités, {n_seances} séances, {n_marques} présences "
            f"({time.perf_counter() - t0:.1f} s)"
        )
        client = Client()
        client.force_login(coord)
        client.get("/")  # the session's first request stamps it
        periode = {"projet": PROJET}
        rows = [
            ("Export FSE+ participants (CSV)", "/activites/fse/export/participants.csv"),
            ("Export FSE+ participants (XLSX)", "/activites/fse/export/participants.xlsx"),
            ("Tableau des indicateurs (page)", "/activites/fse/"),
            ("Tableau des indicateurs (XLSX)", "/activites/fse/export/indicateurs.xlsx"),
        ]
        print(f"{'requête':<40} {'médiane':>9} {'requêtes':>9} {'octets':>9}")
        echecs = []
        for label, url in rows:
            s, q, taille = mesurer(client, url, periode)
            print(f"{label:<40} {s * 1000:>6.0f} ms {q:>9} {taille:>9}")
            if label.startswith("Export") and s >= OBJECTIF_S:
                echecs.append(label)
        from activites import fse

        debut = time.perf_counter()
        crees = fse.creer_suivis()
        premiere = time.perf_counter() - debut
        debut = time.perf_counter()
        fse.creer_suivis()
        seconde = time.perf_counter() - debut
        print(
            f"Tâche quotidienne des suivis : {premiere * 1000:.0f} ms ({crees} créés), "
            f"2e passage {seconde * 1000:.0f} ms (0 créé)"
        )
        print(
            f"Objectif export < {OBJECTIF_S:.0f} s : "
            + ("atteint" if not echecs else "NON atteint : " + ", ".join(echecs))
        )
        with open("/proc/loadavg") as f:
            print(f"Charge de la machine (loadavg) : {f.read().strip()}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
