"""Anonymising the closed files of a large CPAS (issue 15, performance), in a throwaway database.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_anonymisation.py \
        [--personnes 50000] [--lot 500] [--garder-base]

The database ``bench_anonymisation`` is created and migrated (kept with ``--garder-base``, and
then reused by the next run), filled with ``--personnes`` closed files past their retention
(each: a right, two phase stays, a journal step, a signed PIIS with an objective and an
evaluation, a referral with a message, an access log row) plus 2,000 open files, then:

1. the dry run (the administrator's page figures), timed;
2. the anonymisation run in batches of ``--lot`` files (the Celery job's function, run here in
   the main thread as the worker would), timed: target under 10 minutes for 50,000 files;
3. meanwhile, another process (the web server is not the Celery worker: they share the
   database, not an interpreter) requests a coordinator's pages (the caseload list, a search,
   a person's file) through the Django test client, as before the run while idle: target,
   the median latency during the run within 2x the idle one.

``--petit``: 5,000 closed files and 500 open ones. ``--profil``: the run's statements grouped
by text (total time, count per batch and per file), to see where a batch spends its time.

Prints the figures and whether each target is met.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
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

CIBLE_RUN = 600.0  # seconds for 50,000 files
CIBLE_RATIO = 2.0


def remplir(cpas, agent, n_clos: int, n_ouverts: int) -> None:
    """Bulk-insert the files (history triggers fire as in production)."""
    from beneficiaires.models import Beneficiaire, DroitAide
    from beneficiaires.niss import niss_avec_controle
    from cpas_isp.models import JournalAcces
    from partenaires.models import MessageOrientation, Orientation
    from tests.partenaires.factories import ServiceFactory
    from trajets.models import Etape, EvaluationPiis, ObjectifPiis, PassagePhase, Piis, TypeEtape
    from trajets.models.phases import MotifSortie

    aujourdhui = datetime.date.today()
    service = ServiceFactory()
    type_etape = TypeEtape.objects.get(code="entretien_individuel")
    motif = MotifSortie.objects.filter(classe="positive").first()
    taille = 2000
    for debut_lot in range(0, n_clos + n_ouverts, taille):
        personnes = []
        for i in range(debut_lot, min(debut_lot + taille, n_clos + n_ouverts)):
            naissance = datetime.date(1950, 1, 1) + datetime.timedelta(days=i // 400)
            genre = "M" if i % 2 == 0 else "F"
            seq = (i % 400) * 2 + (1 if genre == "M" else 2)
            clos = i < n_clos
            cloture = aujourdhui - datetime.timedelta(days=11 * 366 + i % 1500) if clos else None
            ouverture = (cloture or aujourdhui) - datetime.timedelta(days=800)
            personnes.append(
                Beneficiaire(
                    cpas=cpas,
                    niss=niss_avec_controle(f"{naissance:%y%m%d}{seq:03d}", naissance.year),
                    nom=f"Nom{i:06d}",
                    prenom=f"Prenom{i % 700}",
                    date_naissance=naissance,
                    genre=genre,
                    adresse=f"Rue {i}",
                    email=f"p{i}@example.org",
                    commune="Liège",
                    referent=agent,
                    date_ouverture=ouverture,
                    date_cloture=cloture,
                )
            )
        Beneficiaire.objects.bulk_create(personnes)
        DroitAide.objects.bulk_create(
            DroitAide(
                cpas=cpas, beneficiaire=b, type="RIS", debut=b.date_ouverture, fin=b.date_cloture
            )
            for b in personnes
        )
        passages = PassagePhase.objects.bulk_create(
            p
            for b in personnes
            for p in (
                PassagePhase(
                    cpas=cpas,
                    beneficiaire=b,
                    phase="facilitateur",
                    debut=b.date_ouverture,
                    fin=b.date_ouverture + datetime.timedelta(days=300),
                    motif_sortie=motif,
                    note=f"Note de phase {b.nom}",
                ),
                PassagePhase(
                    cpas=cpas,
                    beneficiaire=b,
                    phase="emploi",
                    debut=b.date_ouverture + datetime.timedelta(days=301),
                    fin=b.date_cloture,
                    motif_sortie=motif if b.date_cloture else None,
                    note="Suivi emploi",
                ),
            )
        )
        Etape.objects.bulk_create(
            Etape(
                cpas=cpas,
                beneficiaire=p.beneficiaire,
                passage=p,
                date=p.debut,
                type=type_etape,
                mode="presentiel",
                note=f"Entretien avec {p.beneficiaire.prenom}",
                auteur=agent,
            )
            for p in passages[::2]
        )
        piis = Piis.objects.bulk_create(
            Piis(
                cpas=cpas,
                beneficiaire=b,
                type="emploi",
                date_decision_ris=b.date_ouverture,
                date_proposition=b.date_ouverture,
                date_signature=b.date_ouverture + datetime.timedelta(days=10),
                debut=b.date_ouverture + datetime.timedelta(days=10),
                statut="signe",
                engagements_personne=f"Engagements de {b.nom}",
                agent=agent,
            )
            for b in personnes
        )
        ObjectifPiis.objects.bulk_create(
            ObjectifPiis(cpas=cpas, piis=p, ordre=1, libelle="Obtenir le CESS") for p in piis
        )
        EvaluationPiis.objects.bulk_create(
            EvaluationPiis(
                cpas=cpas,
                piis=p,
                date_prevue=p.debut + datetime.timedelta(days=90),
                appreciation="Progrès",
            )
            for p in piis
        )
        orientations = Orientation.objects.bulk_create(
            Orientation(
                cpas=cpas,
                beneficiaire=b,
                service=service,
                agent=agent,
                date_orientation=b.date_ouverture,
                motif=f"Formation pour {b.nom}",
            )
            for b in personnes
        )
        MessageOrientation.objects.bulk_create(
            MessageOrientation(cpas=cpas, orientation=o, auteur=agent, texte="Bonjour")
            for o in orientations
        )
        JournalAcces.objects.bulk_create(
            JournalAcces(
                user=agent,
                cpas=cpas,
                personnes=[b.pk],
                objet=str(b),
                page=f"/beneficiaires/{b.pk}/",
            )
            for b in personnes
        )
        print(f"  rempli : {min(debut_lot + taille, n_clos + n_ouverts)} dossiers", flush=True)


class Profil:
    """Statements of the run's thread (the worker's connection), grouped by their text with
    the numbers blanked: total time and count."""

    def __init__(self):
        import collections

        self.temps = collections.Counter()
        self.nombre = collections.Counter()

    def __call__(self, execute, sql, params, many, context):
        import re

        cle = re.sub(r"\b\d+\b", "N", " ".join(str(sql).split()))[:150]
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.temps[cle] += time.perf_counter() - t
            self.nombre[cle] += 1

    def afficher(self, lots: int, personnes: int) -> None:
        total = sum(self.temps.values())
        print(f"Profil : {sum(self.nombre.values())} requêtes, {total:.1f} s ; les plus longues :")
        for cle, duree in self.temps.most_common(15):
            print(
                f"  {duree:7.2f} s  {self.nombre[cle] / lots:6.1f}/lot "
                f"{self.nombre[cle] / personnes:6.2f}/pers.  {cle}"
            )


def mesurer(client, urls, stop, n: int | None, resultats: list):
    i = 0
    while (stop is None or not stop.is_set()) and (n is None or i < n):
        url = urls[i % len(urls)]
        t = time.perf_counter()
        reponse = client.get(url)
        resultats.append(time.perf_counter() - t)
        assert reponse.status_code == 200, (url, reponse.status_code)
        i += 1
    connection.close()


def _mesurer_enfant(client, urls, stop, n, sortie) -> None:
    resultats: list[float] = []
    try:
        mesurer(client, urls, stop, n, resultats)
    finally:
        sortie.put(resultats)


class Mesure:
    """The pages requested from a forked process (its own interpreter and connection)."""

    def __init__(self, client, urls, n: int | None = None):
        from django.db import connections

        connections.close_all()  # the child must not share the parent's connection
        contexte = multiprocessing.get_context("fork")
        self.stop = contexte.Event()
        self.sortie = contexte.Queue()
        self.processus = contexte.Process(
            target=_mesurer_enfant, args=(client, urls, self.stop, n, self.sortie)
        )
        self.processus.start()

    def fin_apres_n(self) -> list[float]:
        resultats = self.sortie.get()
        self.processus.join()
        return resultats

    def fin(self) -> list[float]:
        self.stop.set()
        return self.fin_apres_n()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--personnes", type=int, default=50_000)
    parser.add_argument("--ouverts", type=int, default=2_000)
    parser.add_argument("--lot", type=int, default=500)
    parser.add_argument("--garder-base", action="store_true")
    parser.add_argument(
        "--petit", action="store_true", help="5,000 closed files and 500 open ones (a quick run)"
    )
    parser.add_argument(
        "--profil", action="store_true", help="print the statements of the run (time, count)"
    )
    args = parser.parse_args()
    if args.petit:
        args.personnes, args.ouverts = 5_000, 500
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_anonymisation"
    old = setup_databases(verbosity=0, interactive=False, keepdb=args.garder_base)
    try:
        run(args)
    finally:
        if not args.garder_base:
            teardown_databases(old, verbosity=0)


def run(args):
    from django.core.management import call_command
    from django.test import Client

    from beneficiaires import conservation
    from beneficiaires.models import Anonymisation, Beneficiaire
    from cpas_isp.models import Cpas, Membership, Role, User
    from tests.conftest import verifier_session

    if Cpas.objects.exists():  # a kept database: start again from an empty one
        call_command("flush", interactive=False, verbosity=0)
        import importlib

        from django.apps import apps

        from tests.conftest import DONNEES_DES_MIGRATIONS

        for module, fonction in DONNEES_DES_MIGRATIONS:
            getattr(importlib.import_module(module), fonction)(apps, None)

    cpas = Cpas.objects.create(code="grand", nom="CPAS Grand", habitants=400_000)
    agent = User.objects.create_user("bench.agent", password="x")
    Membership.objects.create(user=agent, cpas=cpas, role=Role.AGENT)
    coord = User.objects.create_user("bench.coord", password="x")
    Membership.objects.create(user=coord, cpas=cpas, role=Role.COORDINATEUR)
    admin = User.objects.create_user("bench.admin", password="x")
    Membership.objects.create(user=admin, cpas=cpas, role=Role.ADMIN)

    t = time.perf_counter()
    remplir(cpas, agent, args.personnes, args.ouverts)
    print(f"Remplissage : {time.perf_counter() - t:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    client = Client(HTTP_HOST="localhost")
    client.force_login(coord)
    verifier_session(client, coord)
    ouvert = Beneficiaire.objects.filter(cpas=cpas, date_cloture__isnull=True).first()
    urls = [
        "/beneficiaires/",
        "/beneficiaires/?q=Nom04",
        f"/beneficiaires/{ouvert.pk}/",
    ]
    mesurer(client, urls, None, 3, [])  # warm-up
    repos = Mesure(client, urls, n=30).fin_apres_n()

    t = time.perf_counter()
    apercu = conservation.apercu(cpas)
    duree_apercu = time.perf_counter() - t
    print(
        f"Simulation : {apercu.nb_dossiers} dossiers à anonymiser "
        f"(clôture la plus ancienne {apercu.plus_ancienne_cloture}) en {duree_apercu:.2f} s"
    )

    conservation._envoyer = lambda run: None  # the worker is this process
    demande = conservation.demander(cpas, admin)
    mesure = Mesure(client, urls)
    profil = Profil() if args.profil else None
    t = time.perf_counter()
    if profil is not None:
        with connection.execute_wrapper(profil):
            fini = conservation.executer(demande.pk, demande.tache_id, taille_lot=args.lot)
    else:
        fini = conservation.executer(demande.pk, demande.tache_id, taille_lot=args.lot)
    duree = time.perf_counter() - t
    pendant = mesure.fin()
    fini = Anonymisation.objects.get(pk=demande.pk)

    if profil is not None:
        profil.afficher(max(fini.nb_lots, 1), max(fini.nb_anonymises, 1))
    cible = CIBLE_RUN * args.personnes / 50_000
    med_repos, med_pendant = statistics.median(repos), statistics.median(pendant or [0])
    p95 = lambda xs: sorted(xs)[int(len(xs) * 0.95) - 1] if xs else 0  # noqa: E731
    ratio = med_pendant / med_repos if med_repos else 0
    print(f"Anonymisation : {fini.nb_anonymises} dossiers en {fini.nb_lots} lots de {args.lot}")
    print(
        f"  durée {duree:.1f} s ({fini.nb_anonymises / duree:.0f} dossiers/s, "
        f"{duree / max(fini.nb_lots, 1):.2f} s par lot) ; cible {cible:.0f} s "
        f"(10 min pour 50 000) : {'OK' if duree < cible else 'DÉPASSÉE'}"
    )
    print(
        f"  lignes effacées {fini.nb_lignes}, événements supprimés {fini.nb_evenements}, "
        f"consultations anonymisées {fini.nb_consultations}, statut {fini.statut}"
    )
    print(
        f"Pages (liste, recherche, fiche) : au repos médiane {med_repos * 1000:.0f} ms "
        f"(p95 {p95(repos) * 1000:.0f} ms, {len(repos)} requêtes) ; pendant médiane "
        f"{med_pendant * 1000:.0f} ms (p95 {p95(pendant) * 1000:.0f} ms, {len(pendant)} "
        f"requêtes) ; rapport {ratio:.2f} (cible ≤ {CIBLE_RATIO}) : "
        f"{'OK' if ratio <= CIBLE_RATIO else 'DÉPASSÉ'}"
    )


if __name__ == "__main__":
    main()
