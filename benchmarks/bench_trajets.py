"""Speed of the trajectory screens on a large CPAS (about 6,000 people, like the largest
Brussels CPAS): the quick step form (open and save), a cellule work queue, "Mes échéances",
the article 60 occupancy page and the caseload column.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_trajets.py [--personnes 6000]

Creates a throwaway test database (test_<name>), fills it with bulk inserts, times each page
through the Django test client (median of several runs, with the number of SQL queries), then
drops the database.
"""

from __future__ import annotations

import argparse
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def niss(i: int) -> str:
    naissance = datetime.date(1960, 1, 1) + datetime.timedelta(days=i % 14000)
    base = f"{naissance:%y%m%d}{i % 997 + 1:03d}"
    return base + f"{97 - int(base) % 97:02d}"


def remplir(n: int):
    from beneficiaires.models import Beneficiaire
    from cpas_isp.models import Cpas, Membership, Role, User
    from trajets.models import (
        ContratArticle60,
        Etape,
        PassagePhase,
        Phase,
        Piis,
        PoolArticle60,
        TypeEtape,
    )

    rng = random.Random(7)
    today = datetime.date.today()
    cpas = Cpas.objects.create(code="bench", nom="CPAS Bench")
    agent = User.objects.create_user("agent.bench", password="x")
    Membership.objects.create(
        user=agent, cpas=cpas, role=Role.AGENT, cellule=cpas.cellules.get(code="emploi")
    )
    coord = User.objects.create_user("coord.bench", password="x")
    Membership.objects.create(user=coord, cpas=cpas, role=Role.COORDINATEUR)
    personnes = Beneficiaire.objects.bulk_create(
        [
            Beneficiaire(
                cpas=cpas,
                niss=niss(i),
                nom=f"Nom{i}",
                prenom="Test",
                date_naissance=datetime.date(1960, 1, 1) + datetime.timedelta(days=i % 14000),
                referent=agent if i % 10 == 0 else coord,
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    phases = list(Phase)
    passages = []
    for i, b in enumerate(personnes):
        debut = today - datetime.timedelta(days=rng.randint(400, 1000))
        milieu = debut + datetime.timedelta(days=rng.randint(100, 300))
        passages.append(
            PassagePhase(cpas=cpas, beneficiaire=b, phase="facilitateur", debut=debut, fin=milieu)
        )
        passages.append(
            PassagePhase(
                cpas=cpas,
                beneficiaire=b,
                phase=phases[1 + i % 4],
                debut=milieu + datetime.timedelta(days=1),
                agent=agent if i % 4 == 2 else coord,
            )
        )
    PassagePhase.objects.bulk_create(passages, batch_size=5000)
    types = list(TypeEtape.objects.all())
    etapes = []
    for b in personnes:
        for k in range(10):
            jour = today - datetime.timedelta(days=rng.randint(1, 700))
            etapes.append(
                Etape(
                    cpas=cpas,
                    beneficiaire=b,
                    date=jour,
                    type=rng.choice(types),
                    note="Suivi",
                    auteur=agent if b.referent_id == agent.pk else coord,
                    prochaine_action="Relancer" if k == 0 else "",
                    echeance=jour + datetime.timedelta(days=14) if k == 0 else None,
                )
            )
    Etape.objects.bulk_create(etapes, batch_size=10000)
    Piis.objects.bulk_create(
        [
            Piis(
                cpas=cpas,
                beneficiaire=b,
                type="emploi",
                date_decision_ris=today - datetime.timedelta(days=rng.randint(10, 200)),
                agent=agent,
            )
            for b in personnes[::2]
        ],
        batch_size=5000,
    )
    PoolArticle60.objects.create(
        cpas=cpas,
        valable_du=today.replace(year=today.year - 3),
        postes_total=350,
        postes_economie_sociale=121,
    )
    ContratArticle60.objects.bulk_create(
        [
            ContratArticle60(
                cpas=cpas,
                beneficiaire=b,
                service_interne="Maison de repos",
                fonction="Aide",
                debut=today - datetime.timedelta(days=700 - i % 700),
                fin_prevue=today + datetime.timedelta(days=365 - 700 + i % 700),
                economie_sociale=i % 3 == 0,
            )
            for i, b in enumerate(personnes[: n // 10])
        ],
        batch_size=5000,
    )
    return cpas, agent, coord, personnes


LENTES = []


def mesurer(client, method, url, data=None, repetitions=7, **headers):
    durees, requetes = [], 0
    for _ in range(repetitions):
        with CaptureQueriesContext(connection) as ctx:
            debut = time.perf_counter()
            response = getattr(client, method)(url, data or {}, **headers)
            durees.append((time.perf_counter() - debut) * 1000)
        assert response.status_code in (200, 302), (url, response.status_code)
        requetes = len(ctx.captured_queries)
    lente = max(ctx.captured_queries, key=lambda q: float(q["time"]))
    LENTES.append((url, float(lente["time"]) * 1000, lente["sql"]))
    return statistics.median(durees), requetes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--personnes", type=int, default=6000)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    # A database of its own, never the one the test suite reuses.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_trajets_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t0 = time.perf_counter()
        cpas, agent, coord, personnes = remplir(args.personnes)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after such a load
        print(
            f"Données : {args.personnes} personnes, {args.personnes * 10} étapes, "
            f"{len(personnes) // 10} contrats article 60 ({time.perf_counter() - t0:.1f} s)"
        )
        from trajets.models import TypeEtape

        client = Client()
        client.force_login(agent)
        b = next(p for p in personnes if p.referent_id == agent.pk)
        type_id = TypeEtape.objects.first().pk
        htmx = {"HTTP_HX_REQUEST": "true"}
        rows = [
            (
                "Formulaire rapide (ouvrir)",
                "get",
                f"/trajets/personne/{b.pk}/etape/?dans=ligne",
                None,
            ),
            (
                "Formulaire rapide (enregistrer)",
                "post",
                f"/trajets/personne/{b.pk}/etape/",
                {
                    "dans": "ligne",
                    "date": datetime.date.today().isoformat(),
                    "type": type_id,
                    "mode": "presentiel",
                    "note": "x",
                },
            ),
            (
                "Formulaire rapide (enregistrer, fiche + parcours)",
                "post",
                f"/trajets/personne/{b.pk}/etape/",
                {
                    "dans": "fiche",
                    "parcours": "1",
                    "date": datetime.date.today().isoformat(),
                    "type": type_id,
                    "mode": "presentiel",
                },
            ),
            ("File de la cellule Emploi", "get", "/trajets/files/emploi/", None),
            ("File Emploi, en retard", "get", "/trajets/files/emploi/?filtre=retard", None),
            ("Mes échéances", "get", "/trajets/echeances/", None),
            ("Journal d'une personne", "get", f"/trajets/personne/{b.pk}/journal/", None),
            ("Liste des dossiers (colonne Phase)", "get", "/beneficiaires/", None),
        ]
        print(f"{'page':<52} {'médiane':>9} {'requêtes':>9}")
        for label, method, url, data in rows:
            ms, q = mesurer(client, method, url, data, **htmx)
            print(f"{label:<52} {ms:>7.1f} ms {q:>9}")
        # The person page ("Dossier"), its timeline's tab and the timeline's filter (list only).
        fiche = f"/beneficiaires/{b.pk}/"
        parcours = f"{fiche}parcours/"
        filtre = {"fragment": "parcours", "filtre": "1", "quoi": ["etape", "phase"]}
        for label, url, data, headers in [
            ("Fiche de la personne (onglet Dossier)", fiche, None, {}),
            ("Fiche de la personne (onglet Parcours)", parcours, None, {}),
            ("Parcours filtré (liste seule, htmx)", parcours, filtre, htmx),
        ]:
            ms, q = mesurer(client, "get", url, data, **headers)
            print(f"{label:<52} {ms:>7.1f} ms {q:>9}")
        coordo = Client()
        coordo.force_login(coord)
        for label, url in [
            ("Occupation article 60 (coordinateur)", "/trajets/article60/"),
            ("Files des cellules (coordinateur)", "/trajets/files/"),
            ("Liste des dossiers, filtre phase=emploi", "/beneficiaires/?phase=emploi"),
        ]:
            ms, q = mesurer(coordo, "get", url)
            print(f"{label:<52} {ms:>7.1f} ms {q:>9}")
        if os.environ.get("BENCH_SQL"):
            print("\nRequête la plus lente de chaque page :")
            for url, ms, sql in LENTES:
                print(f"{url} {ms:.0f} ms\n  {sql[:1500]}\n")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
