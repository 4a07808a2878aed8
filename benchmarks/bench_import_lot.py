"""The staged import of a 100,000-row file (issue 9, point 7), in a throwaway database.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_import_lot.py

The CPAS administrator's path through the pages (Django test client, full requests): upload,
the batch page while it is analysed, the analysis job (the Celery task's function, run here
synchronously and timed apart), the batch page and its status partial (errors, all rows, a far
page), the confirmation, the import job, the page afterwards. Target: no web request over 2 s;
the jobs' times are printed for information.

The file: 100,000 people (Windows-1252, ``;``, dd/mm/yyyy), 1 % of them with a wrong NISS
check digit (row errors), imported with "valid rows only".
The database ``bench_import_lot`` is created, migrated, filled and dropped at the end.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpas_isp.settings")
os.environ.setdefault("CPAS_ISP_TESTING", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

N_LIGNES = 100_000
CIBLE_REQUETE = 2.0


def fichier() -> bytes:
    from beneficiaires.niss import niss_avec_controle

    lignes = ["niss;nom;prenom;date_naissance;genre;langue;commune"]
    for i in range(N_LIGNES):
        naissance = datetime.date(1950, 1, 1) + datetime.timedelta(days=i // 400)
        genre = "M" if i % 2 == 0 else "F"
        seq = (i % 400) * 2 + (1 if genre == "M" else 2)
        niss = niss_avec_controle(f"{naissance:%y%m%d}{seq:03d}", naissance.year)
        if i % 100 == 99:  # 1 %: a wrong check digit
            niss = niss[:9] + f"{(int(niss[9:]) + 1) % 100:02d}"
        lignes.append(f"{niss};Nom{i:06d};Prénom{i % 700};{naissance:%d/%m/%Y};{genre};fr;Namur")
    return ("\r\n".join(lignes) + "\r\n").encode("cp1252")


def main():
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_import_lot"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        run()
    finally:
        teardown_databases(old, verbosity=0)


def run():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from beneficiaires.imports import lots
    from beneficiaires.models import Beneficiaire, LotImport, StatutLot
    from cpas_isp.models import Cpas, Membership, Role, User

    cpas = Cpas.objects.create(code="bench", nom="CPAS Bench")
    admin = User.objects.create_user("bench.admin", password="x")
    Membership.objects.create(user=admin, cpas=cpas, role=Role.ADMIN)
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    envoyes = []  # the broker: jobs queued by the pages, run below as a worker would
    lots._envoyer = lambda lot: envoyes.append((lot.pk, lot.tache_id))

    data = fichier()
    print(f"Staged import of a {N_LIGNES:,}-row file ({len(data) / 1e6:.1f} MB)")
    print(f"   (machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    requetes: list[tuple[str, float]] = []

    def requete(libelle, methode, url, **kwargs):
        t0 = time.perf_counter()
        response = getattr(client, methode)(url, **kwargs)
        duree = time.perf_counter() - t0
        assert response.status_code in (200, 302), (libelle, response.status_code)
        requetes.append((libelle, duree))
        print(f"   request  {libelle:<44} {duree * 1000:8.0f} ms")
        return response

    def tache(libelle, fonction, *args):
        t0 = time.perf_counter()
        resultat = fonction(*args)
        print(f"   task     {libelle:<44} {time.perf_counter() - t0:8.2f} s")
        return resultat

    response = requete(
        "POST upload",
        "post",
        reverse("beneficiaires:import_liste"),
        data={
            "type": "beneficiaires",
            "fichier": SimpleUploadedFile("personnes.csv", data, "text/csv"),
        },
    )
    url = response.url
    lot = LotImport.objects.defer("contenu").get()
    statut = reverse("beneficiaires:import_statut", args=[lot.pk])
    requete("GET batch page (analysis queued)", "get", url)
    requete("GET status partial (polled every 1 s)", "get", statut)
    tache("analysis (analyser_lot)", lots.analyser_lot, *envoyes.pop())
    lot.refresh_from_db()
    assert lot.statut == StatutLot.ANALYSE, lot.erreur
    print(
        f"   analysis: {lot.nb_lignes:,} rows, {lot.nb_valides:,} valid, "
        f"{lot.nb_rejetees:,} with errors"
    )
    requete("GET status partial (finished)", "get", statut)
    requete("GET batch page (rows in error, page 1)", "get", url)
    requete("GET batch page (rows in error, page 10)", "get", url, data={"page": 10})
    requete("GET batch page (all rows, page 1)", "get", url, data={"montrer": "tout"})
    requete(
        "GET batch page (all rows, page 1000)",
        "get",
        url,
        data={"montrer": "tout", "page": 1000},
    )
    requete("GET rejected rows (CSV)", "get", url, data={"format": "rejets"})
    requete("POST import the valid rows", "post", url, data={"action": "importer_valides"})
    requete("GET batch page (import queued)", "get", url)
    lot_id, tache_id = envoyes.pop()
    tache("import (importer_lot)", lots.importer_lot, lot_id, tache_id)
    lot.refresh_from_db()
    assert lot.statut == StatutLot.IMPORTE, lot.erreur
    print(f"   import: {lot.nb_crees:,} created, {lot.nb_rejetees:,} rejected")
    assert Beneficiaire.objects.filter(cpas=cpas).count() == lot.nb_crees == lot.nb_valides
    requete("GET batch page (imported)", "get", url)
    requete("GET import list", "get", reverse("beneficiaires:import_liste"))
    pire = max(requetes, key=lambda r: r[1])
    verdict = "OK" if pire[1] < CIBLE_REQUETE else "TOO SLOW"
    print(
        f"   slowest request: {pire[0]} {pire[1] * 1000:.0f} ms "
        f"(target < {CIBLE_REQUETE:.0f} s): {verdict}"
    )


if __name__ == "__main__":
    main()
