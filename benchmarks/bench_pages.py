"""The main pages as users meet them: a large CPAS served by gunicorn (2 workers) under a
bounded concurrent load (wrk, 8 connections), each page's latency compared with a constant
logged-in view measured in the same round (the "floor": ``/sante/``, middleware + session +
user, no page work) and with an anonymous page (the login form).

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_pages.py [--petit]

Creates a throwaway database (bench_pages_<name>), fills it like bench_trajets.py (6,000 people,
~61,000 steps, PIIS, article 60 contracts; the people named as bench_beneficiaires.py names
them, and the caseload search types one of the agent's people's names with a typo) plus 20,000
referrals to 30 partners (like bench_partenaires.py), every person's RIS/ERIS rights (like
bench_rapports.py), ~150,000 appointments with 60 agents and 600 pending invitations (like
bench_rendezvous.py), 18,000 documents (a quarter with an expiry date), 600 ESF+ follow-ups and
31,000 notifications (500 a user, 3 % unread: the bell, Mes échéances' other kinds and the
person page read them), and 19 more CPAS sharing 90,000 copies of those people with their stays
and rights (96,000 people in 20 CPAS, so that every query has to find its CPAS's rows among
others'), logs one user in per role (session rows made directly; the administrator past the
two-factor step), starts gunicorn (2 workers) on the first free port of 8870-8879
(BENCH_PAGES_PORTS) and runs ``wrk -t2 -c8 --latency`` on each page (the dashboards as met
within TABLEAUX_DE_BORD_SECONDES of their computation, and "dashboard, recomputed": "Recalculer
maintenant", which computes the figures anew and redirects to the page),
BENCH_PAGES_ROUNDS rounds (default 3) of BENCH_PAGES_SECONDS seconds per page (default 15),
each page between two slices of the floor (BENCH_PAGES_FLOOR_SECONDS, default half a page's):
a page's ratio is taken against the floor measured just before and just after it, since the
machine's own speed drifts by up to a quarter over the minutes of a round (the floor measured
once at a round's start gave the same code's page 2.1x in one run and 3.4x in another).
``--petit``: a quick run (1,000 people, 3,000 referrals, 15,000 people elsewhere, 2 rounds of 3 s).
``--garder`` keeps the database, ``--reprendre`` measures again on a kept one without filling it
(same data for a before/after comparison of two commits: run the bench of each commit with
--reprendre).
``--profil`` (with --reprendre): no server, each page timed in process through the test client
(median of BENCH_PAGES_FOIS requests, default 10) with its query count and SQL time;
BENCH_PAGES_PROFIL=word[,word]: only the pages whose label contains one of the words, each with
its slowest queries and top functions by cumulative time (cProfile);
BENCH_PAGES_APPELANTS=regex: the callers of the functions it matches, too.
BENCH_PAGES_SEULES=word[,word]: under load, only the floor, the anonymous page and the pages
whose label contains one of the words (a before/after of a few pages in a few minutes).
Prints per page the p50/p99 latency (median over rounds), the ratio of its mean latency to the
floor slices' around it (median and min-max over rounds), the whole machine's CPU time per
request (server workers, PostgreSQL and wrk, from /proc/stat: the load saturates the cores, so
the latency ratio follows the CPU ratio, within a few tenths) and its ratio to the floor's, the
part of it spent by the gunicorn workers and by the bench database's PostgreSQL sessions
(/proc/<pid>/stat, when the database server runs on this machine), and its SQL query count
(measured once through the Django test client on the same database), then each gunicorn
worker's peak resident memory. Targets: every page <= 3x the logged-in floor, the logged-in
floor <= 3x the anonymous page. A floor slice measured while other work ran on the machine
(``autre_travail``) fails the run: it is inflated, the ratios of the pages beside it too low.

Needs ``wrk`` (Debian package, installed by ``make system-deps``).
"""

from __future__ import annotations

import datetime
import http.client
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpas_isp.settings")
os.environ.setdefault("CPAS_ISP_TESTING", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

PETIT = "--petit" in sys.argv[1:]
# --garder keeps the filled database at the end; --reprendre measures on the one a previous
# --garder run kept (no fill: before/after runs of two commits on the same data).
GARDER = "--garder" in sys.argv[1:] or "--reprendre" in sys.argv[1:]
REPRENDRE = "--reprendre" in sys.argv[1:]
PROFIL = "--profil" in sys.argv[1:]
SECONDES = int(os.environ.get("BENCH_PAGES_SECONDS", "3" if PETIT else "15"))
TOURS = int(os.environ.get("BENCH_PAGES_ROUNDS", "2" if PETIT else "3"))
PERSONNES = int(os.environ.get("BENCH_PAGES_PERSONNES", "1000" if PETIT else "6000"))
N_ORIENTATIONS = int(os.environ.get("BENCH_PAGES_ORIENTATIONS", "3000" if PETIT else "20000"))
# The other CPAS: 19 of them, sharing COPIES copies of each person of the large one.
N_AUTRES_CPAS = 19
COPIES = int(os.environ.get("BENCH_PAGES_COPIES", "15"))
PORTS = range(*(int(x) for x in os.environ.get("BENCH_PAGES_PORTS", "8870-8880").split("-")))
# A page whose first request takes longer is reported, not loaded: 8 clients on it would
# keep both workers busy long after wrk stops and spoil the next pages' figures.
PREMIERE_MAX_MS = int(os.environ.get("BENCH_PAGES_MAX_FIRST_MS", "15000"))
# The floor's slices between the pages (every page between two of them).
SECONDES_PLANCHER = int(os.environ.get("BENCH_PAGES_FLOOR_SECONDS", str(max(1, SECONDES // 2))))
CIBLE_PAGE = 3.0
CIBLE_PLANCHER = 3.0


def remplir():
    """The large CPAS of bench_trajets.py, referrals as in bench_partenaires.py, one user per
    role."""
    from bench_trajets import remplir as remplir_trajets
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cpas_isp.models import Membership, Role, User
    from partenaires.models import (
        ComptePartenaire,
        Orientation,
        Partenaire,
        ServicePartenaire,
        Thematique,
        TypePartenaire,
    )
    from trajets.models import ContratArticle60, Piis

    cpas, agent, coord, personnes = remplir_trajets(PERSONNES)
    rng = random.Random(2026)
    noms_realistes(cpas, rng)
    today = datetime.date.today()
    droits(cpas, personnes, rng, today)
    copies = autres_cpas(cpas)
    directeur = User.objects.create_user("directeur.bench", password="x")
    Membership.objects.create(user=directeur, cpas=cpas, role=Role.DIRECTEUR)
    admin = User.objects.create_user("admin.bench", password="x")
    Membership.objects.create(user=admin, cpas=cpas, role=Role.ADMIN)
    appareil = TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)

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
    partenaire = User.objects.create_user("partenaire.bench", password="x", email="p@x.be")
    Membership.objects.create(user=partenaire, cpas=cpas, role=Role.PARTENAIRE)
    ComptePartenaire.objects.create(user=partenaire, partenaire=partenaires[0])
    rendez_vous(cpas, agent, personnes, today)
    lignes = []
    for i in range(N_ORIENTATIONS):
        d = today - datetime.timedelta(days=rng.randint(0, 5 * 365))
        b = rng.choice(personnes)
        o = Orientation(
            cpas=cpas,
            beneficiaire=b,
            service=rng.choice(services),
            agent=agent if b.referent_id == agent.pk else coord,
            date_orientation=d,
            motif="bench",
            date_envoi=d,
        )
        if i < N_ORIENTATIONS * 3 // 20:
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
    annexes(cpas, personnes, [agent, coord, directeur, *collegues_rdv(cpas)], rng, today)
    b = next(p for p in personnes if p.referent_id == agent.pk)
    piis = Piis.objects.filter(beneficiaire__referent=agent).order_by("pk").first()
    contrat = ContratArticle60.objects.order_by("pk").first()
    return {
        "cpas": cpas,
        "users": {
            "agent": agent,
            "coordinateur": coord,
            "directeur": directeur,
            "partenaire": partenaire,
            "admin": admin,
        },
        "appareil": appareil,
        "personne": b,
        "piis": piis,
        "contrat": contrat,
        "copies": copies,
    }


def noms_realistes(cpas, rng):
    """Every person of ``cpas`` named as bench_beneficiaires.py names people: half of them a
    common name of the demo data, half a name made of syllables (a few thousand distinct
    names, as a large CPAS has), first names by gender. bench_trajets.py's "Nom<i> Test"
    all share the trigrams of "nom" and "test", as no real names do, so that every name was
    close to every search term (the trigram index then selects a fifth of the CPAS). Set in
    SQL with the triggers off (no history rows), the search column as its trigger sets it."""
    from bench_beneficiaires import _nom

    from beneficiaires.demo import NOMS, PRENOMS_F, PRENOMS_H
    from beneficiaires.models import Beneficiaire

    ids, noms, prenoms = [], [], []
    for pk, genre in (
        Beneficiaire.objects.filter(cpas=cpas).order_by("pk").values_list("pk", "genre")
    ):
        ids.append(pk)
        noms.append(_nom(rng, NOMS))
        prenoms.append(rng.choice(PRENOMS_F if genre == "F" else PRENOMS_H))
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            f"""UPDATE {Beneficiaire._meta.db_table} b
                   SET nom = v.nom, prenom = v.prenom,
                       nom_recherche = public.isp_unaccent(v.nom || ' ' || v.prenom)
                  FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, nom, prenom)
                 WHERE b.id = v.id""",
            [ids, noms, prenoms],
        )
        cursor.execute("SET session_replication_role = DEFAULT")


def terme_recherche(personne) -> str:
    """What the agent types to find one of their people: the name with a typo (a letter
    replaced, dropped, doubled or two swapped), the fuzzy search's hardest case, as in
    bench_beneficiaires.py."""
    from bench_beneficiaires import _faute

    return _faute(random.Random(2026), personne.nom)


def droits(cpas, personnes, rng, today):
    """Every person's social income right, as bench_rapports.py's: a RIS that began 2 months to
    5 years ago, for 3 in 10 an ended RIS then an ERIS; 1 in 10 ended (the file stays open)."""
    from beneficiaires.models import DroitAide

    lignes = []
    for b in personnes:
        debut = today - datetime.timedelta(days=rng.randint(60, 5 * 365))
        type_ = "RIS"
        if rng.random() < 0.3:
            milieu = debut + datetime.timedelta(days=rng.randint(30, (today - debut).days - 20))
            lignes.append(DroitAide(cpas=cpas, beneficiaire=b, type="RIS", debut=debut, fin=milieu))
            debut, type_ = milieu + datetime.timedelta(days=1), "ERIS"
        fin = None
        if rng.random() < 0.1:
            fin = debut + datetime.timedelta(days=rng.randint(0, (today - debut).days - 1))
        lignes.append(
            DroitAide(
                cpas=cpas,
                beneficiaire=b,
                type=type_,
                categorie="isole",
                date_decision=debut,
                debut=debut,
                fin=fin,
            )
        )
    DroitAide.objects.bulk_create(lignes, batch_size=5000)


def collegues_rdv(cpas):
    """The agents of the cellules ``rendez_vous`` added (agent{k}.rdv)."""
    from cpas_isp.models import User

    return list(User.objects.filter(username__endswith=".rdv", memberships__cpas=cpas))


def annexes(cpas, personnes, users, rng, today):
    """What the pages also read besides the trajectory: 3 documents a person (18,000; a quarter
    with an expiry date, from 3 months past to 3 years ahead: identity, residence permits), an
    ESF+ follow-up for 1 person in 10 (half of them done), and 500 notifications a user over
    the past year, 97 % of them read (the bell's count and Mes échéances read these)."""
    from activites.models import SuiviFse
    from documents.models import CategorieDocument, Document

    categories = list(CategorieDocument.objects.filter(cpas__isnull=True).order_by("pk"))
    documents = []
    for b in personnes:
        for _j in range(3):
            i = len(documents)
            documents.append(
                Document(
                    cpas=cpas,
                    beneficiaire=b,
                    categorie=rng.choice(categories),
                    fichier=f"bench/{i}.pdf",
                    nom_original=f"document-{i}.pdf",
                    type_contenu="application/pdf",
                    taille=rng.randint(20_000, 2_000_000),
                    sha256=f"{i:064x}",
                    expire_le=today + datetime.timedelta(days=rng.randint(-90, 3 * 365))
                    if rng.random() < 0.25
                    else None,
                    depose_par=rng.choice(users),
                    statut_analyse="sain",
                )
            )
    Document.objects.bulk_create(documents, batch_size=5_000)
    suivis = []
    for b in rng.sample(personnes, len(personnes) // 10):
        sortie = today - datetime.timedelta(days=rng.randint(0, 200))
        six_mois = rng.random() < 0.5
        echeance = sortie + datetime.timedelta(days=182 if six_mois else 28)
        suivis.append(
            SuiviFse(
                cpas=cpas,
                beneficiaire=b,
                numero_projet="FSE-2026-001",
                type_suivi="six_mois" if six_mois else "sortie",
                date_sortie=sortie,
                echeance=echeance,
                agent_id=b.referent_id,
                fait_le=echeance if echeance < today and rng.random() < 0.5 else None,
            )
        )
    SuiviFse.objects.bulk_create(suivis, batch_size=5_000)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO cpas_isp_notification
                (cpas_id, destinataire_id, nature, object_id, personne_id, lien, cle,
                 cree_le, lue_le)
            SELECT %(cpas)s, u.id, 'orientation_reponse', g,
                   (%(personnes)s::bigint[])[1 + g %% %(n)s], '/partenaires/orientations/', '',
                   now() - (g %% 365) * interval '1 day' - (g %% 1440) * interval '1 minute',
                   CASE WHEN g %% 100 < 97 THEN now() ELSE NULL END
              FROM unnest(%(users)s::bigint[]) u(id), generate_series(1, 500) g
            """,
            {
                "cpas": cpas.pk,
                "users": [u.pk for u in users],
                "personnes": [b.pk for b in personnes],
                "n": len(personnes),
            },
        )


def rendez_vous(cpas, agent, personnes, today):
    """The appointments of bench_rendezvous.py: the agent and 59 colleagues of the cellules
    (agent{k}.rdv, who refer nobody) each with an agenda and 100 of the people, 4 slots a day
    over 2.5 years past and 6 months ahead (~150,000 appointments with their participants and
    outcomes), 600 pending invitations."""
    from bench_rendezvous import agendas_et_disponibilites, invitations, rendez_vous_et_participants

    from cpas_isp.models import Membership, Role, User

    cellules = list(cpas.cellules.order_by("ordre", "code"))
    # 100 people each (fewer colleagues for --petit)
    n = max(1, min(60, len(personnes) // 100))
    collegues = User.objects.bulk_create(
        [
            User(username=f"agent{k}.rdv", first_name=f"Agent{k}", last_name="Rdv")
            for k in range(n - 1)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=u, cpas=cpas, role=Role.AGENT, cellule=cellules[k % len(cellules)])
            for k, u in enumerate(collegues)
        ]
    )
    agents = [agent, *collegues]
    agendas = agendas_et_disponibilites(cpas, agents, cellules, today)
    rendez_vous_et_participants(cpas, agents, agendas, personnes, today)
    invitations(cpas, agents, agendas, personnes, today)


def retrouver():
    """The data of a kept database (--reprendre), as ``remplir`` returned it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from beneficiaires.models import Beneficiaire
    from cpas_isp.models import Cpas, User
    from trajets.models import ContratArticle60, Piis

    users = {
        role: User.objects.get(username=f"{nom}.bench")
        for role, nom in (
            ("agent", "agent"),
            ("coordinateur", "coord"),
            ("directeur", "directeur"),
            ("partenaire", "partenaire"),
            ("admin", "admin"),
        )
    }
    cpas = Cpas.objects.get(code="bench")
    return {
        "cpas": cpas,
        "users": users,
        "appareil": TOTPDevice.objects.get(user=users["admin"]),
        "personne": Beneficiaire.objects.filter(referent=users["agent"]).order_by("pk").first(),
        "piis": Piis.objects.filter(beneficiaire__referent=users["agent"]).order_by("pk").first(),
        "contrat": ContratArticle60.objects.order_by("pk").first(),
        "copies": Beneficiaire.objects.exclude(cpas=cpas).count(),
    }


def autres_cpas(cpas):
    """19 more CPAS sharing COPIES copies of every person of ``cpas`` with their stays and
    rights (no referent, no steps), copied in SQL with the audit triggers off, as
    bench_rapports.py's national data set. Each person's copies go to distinct CPAS (NISS
    unique per CPAS)."""
    from django.db import transaction

    from beneficiaires.models import Beneficiaire, DroitAide
    from cpas_isp.models import Cpas
    from trajets.models import PassagePhase

    autres = [
        Cpas.objects.create(code=f"autre{i:02d}", nom=f"CPAS Autre {i:02d}")
        for i in range(N_AUTRES_CPAS)
    ]
    ids = [c.pk for c in autres]

    def colonnes(model, sans):
        return [f.column for f in model._meta.concrete_fields if f.column not in sans]

    cols_b = colonnes(Beneficiaire, {"id", "cpas_id", "referent_id"})
    cols_p = colonnes(PassagePhase, {"id", "cpas_id", "beneficiaire_id", "agent_id"})
    cols_d = colonnes(DroitAide, {"id", "cpas_id", "beneficiaire_id"})
    tb, tp = Beneficiaire._meta.db_table, PassagePhase._meta.db_table
    td = DroitAide._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"SELECT max(id) + 1 FROM {tb}")
        pas = cursor.fetchone()[0]
        cursor.execute(
            f"""CREATE TEMP TABLE copie ON COMMIT DROP AS
            SELECT b.id AS ancien, b.id + (k + 1) * %(pas)s AS nouveau,
                   (%(ids)s::bigint[])[(b.id + k) %% {len(ids)} + 1] AS cpas
            FROM {tb} b CROSS JOIN generate_series(0, %(copies)s - 1) k
            WHERE b.cpas_id = %(grand)s""",
            {"pas": pas, "ids": ids, "copies": COPIES, "grand": cpas.pk},
        )
        cursor.execute(
            f"""INSERT INTO {tb} (id, cpas_id, {", ".join(cols_b)})
            SELECT c.nouveau, c.cpas, {", ".join("b." + x for x in cols_b)}
            FROM copie c JOIN {tb} b ON b.id = c.ancien"""
        )
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{tb}', 'id'), max(id)) FROM {tb}")
        cursor.execute(
            f"""INSERT INTO {tp} (cpas_id, beneficiaire_id, {", ".join(cols_p)})
            SELECT c.cpas, c.nouveau, {", ".join("p." + x for x in cols_p)}
            FROM copie c JOIN {tp} p ON p.beneficiaire_id = c.ancien"""
        )
        cursor.execute(
            f"""INSERT INTO {td} (cpas_id, beneficiaire_id, {", ".join(cols_d)})
            SELECT c.cpas, c.nouveau, {", ".join("d." + x for x in cols_d)}
            FROM copie c JOIN {td} d ON d.beneficiaire_id = c.ancien"""
        )
        cursor.execute("SELECT count(*) FROM copie")
        return cursor.fetchone()[0]


def pages(d):
    """(label, role, url): the floor and the anonymous page first."""
    b, piis = d["personne"], d["piis"]
    return [
        ("floor: /sante/ (logged in)", "agent", "/sante/"),
        ("anonymous: login page", None, "/connexion/"),
        ("home (agent)", "agent", "/"),
        ("Mes dossiers (agent)", "agent", "/beneficiaires/"),
        ("caseload search", "agent", f"/beneficiaires/?{urlencode({'q': terme_recherche(b)})}"),
        # The person page's tabs: "Dossier" (its plain address), then the others.
        ("person page", "agent", f"/beneficiaires/{b.pk}/"),
        ("person, appointments tab", "agent", f"/beneficiaires/{b.pk}/rendez-vous/"),
        ("person, referrals tab", "agent", f"/beneficiaires/{b.pk}/orientations/"),
        ("person, timeline tab", "agent", f"/beneficiaires/{b.pk}/parcours/"),
        ("cellule queue", "agent", "/trajets/files/emploi/"),
        ("Mes échéances", "agent", "/trajets/echeances/"),
        ("dashboard coordinator", "coordinateur", "/rapports/"),
        ("dashboard director", "directeur", "/rapports/"),
        # "Recalculer maintenant": the figures computed anew (answered by a redirect to the
        # page), what the two rows above cost once every TABLEAUX_DE_BORD_SECONDES
        ("dashboard, recomputed", "coordinateur", "/rapports/?recalculer=1"),
        ("partner portal", "partenaire", "/partenaires/portail/"),
        ("PIIS detail", "agent", f"/trajets/piis/{piis.pk}/"),
        ("article 60 occupancy", "coordinateur", "/trajets/article60/"),
        ("referral list", "coordinateur", "/partenaires/orientations/"),
        # An agent's: the referrals of the ~1,800 people of their cellule, newest first
        ("referral list (agent)", "agent", "/partenaires/orientations/"),
        ("reports page", "coordinateur", "/rapports/mensuels/"),
        ("audit page", "admin", "/audit/"),
    ]


def clients(d):
    """A logged-in test client per role; the administrator's session is marked verified by
    its authenticator (django-otp's session key), as after typing the code."""
    from django_otp import DEVICE_ID_SESSION_KEY

    result = {}
    for role, user in d["users"].items():
        client = Client()
        client.force_login(user)
        if role == "admin":
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = d["appareil"].persistent_id
            session.save()
        result[role] = client
    return result


def statut_attendu(url):
    """200, or 302 for the dashboard's "Recalculer maintenant" (back to the page)."""
    return 302 if "recalculer=" in url else 200


def compter_requetes(client, url):
    client.get(url)  # warm caches (translations, templates), as the server's workers are
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == statut_attendu(url), (url, response.status_code)
    return len(ctx.captured_queries)


def profiler(par_role, liste):
    """In-process figures of each page (no server): median time, queries, SQL time."""
    import cProfile
    import pstats

    from django.template import Template
    from django.test.utils import _TestState

    # As the server renders: without the test environment's instrumented template rendering
    # (a signal and a copy of the context per template, which would inflate template time).
    Template._render = _TestState.saved_data.template_render
    fois = int(os.environ.get("BENCH_PAGES_FOIS", "10"))
    motifs = [m for m in os.environ.get("BENCH_PAGES_PROFIL", "").split(",") if m]
    print(f"{'page':<30} {'median ms':>10} {'queries':>8} {'SQL ms':>8} {'KB':>6}")
    for label, role, url in liste:
        if motifs and not any(m in label for m in motifs):
            continue
        client = par_role[role] if role else Client()
        client.get(url)
        durees, sql = [], []
        for _ in range(fois):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url)
                durees.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == statut_attendu(url), (url, response.status_code)
            sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
        print(
            f"{label:<30} {statistics.median(durees):>10.1f} {len(ctx.captured_queries):>8} "
            f"{statistics.median(sql):>8.1f} {len(response.content) / 1024:>6.0f}",
            flush=True,
        )
        if motifs:
            for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:5]:
                print(f"    {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
            profil = cProfile.Profile()
            profil.enable()
            for _ in range(fois):
                client.get(url)
            profil.disable()
            stats = pstats.Stats(profil)
            stats.sort_stats("cumulative").print_stats(
                r"^(?!.*(client|handlers|deprecation|middleware)\.py)", 30
            )
            stats.sort_stats("tottime").print_stats(15)
            if os.environ.get("BENCH_PAGES_APPELANTS"):
                stats.print_callers(os.environ["BENCH_PAGES_APPELANTS"])


def port_libre():
    """The first free port of the range given to this benchmark."""
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def demarrer_gunicorn(port, nom_base):
    env = dict(os.environ)
    # The same server (TCP or the embedded server's socket, ``?host=``), the bench database.
    url = urlsplit(os.environ["DATABASE_URL"])
    env["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{nom_base}"))
    env["DEBUG"] = "false"
    env["CPAS_ISP_TESTING"] = "true"  # no HTTPS redirect nor secure cookies on 127.0.0.1
    gunicorn = BASE / ".venv" / "bin" / "gunicorn"
    proc = subprocess.Popen(
        [
            str(gunicorn if gunicorn.exists() else "gunicorn"),
            "cpas_isp.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "300",
        ],
        cwd=BASE,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/connexion/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    arreter(proc)
    raise SystemExit("gunicorn did not start")


def arreter(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def workers(proc) -> list[str]:
    """The pids of the gunicorn workers (children of the master)."""
    try:
        return Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    except OSError:
        return []


def backends(nom_base) -> list[str]:
    """The pids of the PostgreSQL sessions of the bench database (the workers' persistent
    connections), or none when they are not processes of this machine (a database server
    elsewhere: its pids may name other processes here)."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'",
            [nom_base],
        )
        pids = [str(pid) for (pid,) in cursor.fetchall()]
    try:
        if all(Path(f"/proc/{pid}/comm").read_text().strip() == "postgres" for pid in pids):
            return pids
    except OSError:
        pass
    return []


def cpu_processus(pids) -> float | None:
    """Seconds of CPU (user + system) the processes ``pids`` have used, or None when one cannot
    be read (a database server elsewhere, a process gone)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        champs = stat.rsplit(")", 1)[1].split()  # after the command's name, which may hold spaces
        total += int(champs[11]) + int(champs[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK") if pids else None


def rss_pointe_workers(proc):
    """Peak resident memory (VmHWM, MB) of each gunicorn worker (children of the master)."""
    enfants = workers(proc)
    pointes = []
    for pid in enfants:
        try:
            statut = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        m = re.search(r"^VmHWM:\s+(\d+) kB", statut, re.M)
        if m:
            pointes.append(int(m.group(1)) / 1024)
    return pointes


def verifier(port, url, cookie):
    """The page answers 200 to this session (not a redirect to the login or code page; the
    dashboard's "Recalculer maintenant" redirects to the dashboard)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", url, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    response.read()
    if response.status != statut_attendu(url) or (
        response.status == 302 and not response.getheader("Location", "").startswith("/rapports/")
    ):
        raise SystemExit(f"{url}: HTTP {response.status} {response.getheader('Location')}")


UNITES = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def en_ms(texte):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", texte)
    return float(m.group(1)) * UNITES[m.group(2)]


def cpu_machine():
    """Seconds of CPU the whole machine has spent busy since boot (user, nice, system, irq and
    softirq of /proc/stat; not idle, I/O wait nor time stolen by the hypervisor), or None where
    there is no /proc/stat."""
    try:
        with open("/proc/stat") as f:
            champs = f.readline().split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in champs[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def wrk(port, url, cookie, secondes, processus=None):
    """The load on one page; ``processus``: (workers' pids, the bench database's sessions'
    pids) whose CPU time per request is measured too."""
    commande = ["wrk", "-t2", "-c8", f"-d{secondes}s", "--latency", "--timeout", "30s"]
    if cookie:
        commande += ["-H", f"Cookie: {cookie}"]
    groupes = processus or ([], [])
    cpu_groupes_avant = [cpu_processus(pids) for pids in groupes]
    cpu_avant = cpu_machine()
    sortie = subprocess.run(
        [*commande, f"http://127.0.0.1:{port}{url}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu_apres = cpu_machine()
    cpu_groupes_apres = [cpu_processus(pids) for pids in groupes]
    moyenne = en_ms(re.search(r"Latency\s+(\S+)", sortie).group(1))
    p50 = en_ms(re.search(r"\s50%\s+(\S+)", sortie).group(1))
    p99 = en_ms(re.search(r"\s99%\s+(\S+)", sortie).group(1))
    requetes = int(re.search(r"(\d+) requests in", sortie).group(1))
    erreurs = re.search(r"Non-2xx or 3xx responses: (\d+)", sortie)
    if erreurs:
        raise SystemExit(f"{url}: {erreurs.group(1)} non-2xx answers under load")
    # The machine's CPU per request: the server's workers, PostgreSQL and wrk itself (the
    # load saturates the machine's cores, so the latency ratio follows this one; the split
    # between the workers and the database says where a page's time goes).
    cpu = par_requete(cpu_avant, cpu_apres, requetes)
    python, postgres = (
        par_requete(avant, apres, requetes)
        for avant, apres in zip(cpu_groupes_avant, cpu_groupes_apres, strict=True)
    )
    return {
        "moyenne": moyenne,
        "p50": p50,
        "p99": p99,
        "requetes": requetes,
        "cpu": cpu,
        "python": python,
        "postgres": postgres,
    }


def par_requete(avant, apres, requetes) -> float:
    """CPU milliseconds per request between two readings (seconds), or nan without one."""
    if avant is None or apres is None or not requetes:
        return float("nan")
    return (apres - avant) * 1000 / requetes


def autre_travail(mesure) -> bool:
    """Whether the machine did much other work during a run: more than its server's and
    database's CPU besides them (wrk and the kernel take a fraction of a millisecond per
    request; another process, e.g. a test suite or an application starting, takes more)."""
    servi = mesure["python"] + mesure["postgres"]
    return not math.isnan(mesure["cpu"]) and not math.isnan(servi) and mesure["cpu"] > 2 * servi


def moyenne_des_tranches(avant, apres) -> dict:
    """The floor beside a page: the mean of the slices measured just before and just after."""
    return {
        "moyenne": (avant["moyenne"] + apres["moyenne"]) / 2,
        "cpu": (avant["cpu"] + apres["cpu"]) / 2,
        "requetes": min(avant["requetes"], apres["requetes"]),
    }


def mediane_mesuree(valeurs) -> float:
    """The median of the rounds where a figure could be measured (a database session may be
    replaced during a round, after DB_CONN_MAX_AGE: its CPU is then not counted), or nan."""
    mesurees = [v for v in valeurs if not math.isnan(v)]
    return statistics.median(mesurees) if mesurees else float("nan")


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # clean up (server, database)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: make system-deps (Debian package wrk)")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    nom_base = os.environ.get("BENCH_PAGES_DB", f"bench_pages_{old_name}")
    connection.settings_dict.setdefault("TEST", {})["NAME"] = nom_base
    if REPRENDRE:
        connection.close()
        settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = nom_base
    else:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    proc = None
    rss = []
    trop_lentes = {}
    try:
        t0 = time.perf_counter()
        if REPRENDRE:
            d = retrouver()
        else:
            d = remplir()
        # Statistics and visibility map as autovacuum keeps them on a server in service (it
        # may be off on a test server: index-only scans would then read the table, and a
        # migration applied to a kept database would leave its tables unanalysed).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        print(
            f"Data: {PERSONNES} people, ~{PERSONNES * 10} steps, {N_ORIENTATIONS} referrals; "
            f"{PERSONNES + d['copies']} people in {N_AUTRES_CPAS + 1} CPAS "
            f"({time.perf_counter() - t0:.1f} s)"
        )
        par_role = clients(d)
        liste = pages(d)
        seules = [m for m in os.environ.get("BENCH_PAGES_SEULES", "").split(",") if m]
        if seules and not PROFIL:
            liste = liste[:2] + [p for p in liste[2:] if any(m in p[0] for m in seules)]
        if PROFIL:
            profiler(par_role, liste)
            return
        requetes = {}
        for label, role, url in liste:
            client = par_role[role] if role else Client()
            requetes[label] = compter_requetes(client, url)
        cookies = {
            role: f"{settings.SESSION_COOKIE_NAME}={c.cookies[settings.SESSION_COOKIE_NAME].value}"
            for role, c in par_role.items()
        }
        connection.close()  # the server's workers do the work from here
        port = port_libre()
        proc = demarrer_gunicorn(port, nom_base)
        for label, role, url in liste:
            t1 = time.perf_counter()
            verifier(port, url, cookies.get(role))
            premiere = (time.perf_counter() - t1) * 1000
            print(f"  first request {label}: {premiere:.0f} ms", flush=True)
            if premiere > PREMIERE_MAX_MS:
                trop_lentes[label] = premiere
                continue
            wrk(port, url, cookies.get(role), 1)  # warm-up
        # Each page between two slices of the floor: its ratio is taken against the floor
        # measured just before and just after it (the machine's speed drifts by up to a
        # quarter over the minutes of a round, the same code's ratio with it).
        plancher_label, plancher_role, plancher_url = liste[0]
        mesures = {label: [] for label, _r, _u in liste}
        voisins = {label: [] for label, _r, _u in liste}

        def tranche_plancher():
            processus = (workers(proc), backends(nom_base))
            m = wrk(port, plancher_url, cookies.get(plancher_role), SECONDES_PLANCHER, processus)
            mesures[plancher_label].append(m)
            return m

        for tour in range(TOURS):
            avant = tranche_plancher()
            for label, role, url in liste[1:]:
                if label in trop_lentes:
                    continue
                processus = (workers(proc), backends(nom_base))
                mesures[label].append(wrk(port, url, cookies.get(role), SECONDES, processus))
                apres = tranche_plancher()
                voisins[label].append(moyenne_des_tranches(avant, apres))
                avant = apres
            print(f"round {tour + 1}/{TOURS} done", flush=True)
        rss = rss_pointe_workers(proc)
    finally:
        if proc is not None:
            arreter(proc)
        connection.close()
        if proc is not None:
            with connection._nodb_cursor() as cursor:  # a killed worker's query may linger
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [nom_base],
                )
        if GARDER:
            print(f"database {nom_base} kept (--reprendre measures on it again)")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    plancher = mesures[liste[0][0]]
    print(
        f"\nwrk -t2 -c8, {SECONDES} s per page, {TOURS} rounds, gunicorn 2 workers, each page "
        f"between two {SECONDES_PLANCHER} s slices of the floor (latencies: median over rounds; "
        f"ratio: mean latency / the mean of the two floor slices around it, median over rounds; "
        f"CPU: the whole machine's CPU time per request, median over rounds, and its ratio to "
        f"the floor slices' around it; of it, the gunicorn workers' ('server') and the "
        f"database sessions' ('pg'), ms per request; the rest is wrk, the kernel, the others; "
        f"the floor's row: its {len(plancher)} slices, the spread of their mean latency around "
        f"their median)"
    )
    print(
        f"{'page':<30} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>7} {'x floor':>8} "
        f"{'spread':>11} {'CPU ms':>7} {'CPU x':>6} {'server':>7} {'pg':>5} {'queries':>8}"
    )
    echecs = []
    mediane_plancher = statistics.median(f["moyenne"] for f in plancher)
    for label, _role, _url in liste:
        m = mesures[label]
        if label in trop_lentes:
            print(
                f"{label:<30} not loaded: one request takes {trop_lentes[label]:.0f} ms "
                f"(> BENCH_PAGES_MAX_FIRST_MS) {requetes[label]:>8}"
            )
            echecs.append(f"{label} (one request {trop_lentes[label] / 1000:.0f} s)")
            continue
        if label == liste[0][0]:
            references = [{"moyenne": mediane_plancher, "cpu": x["cpu"], "requetes": 1} for x in m]
        else:
            references = voisins[label]
        # A round where no request finished (a page slower than the round) has no latency.
        ratios = [
            x["moyenne"] / f["moyenne"]
            for x, f in zip(m, references, strict=True)
            if x["requetes"] and f["requetes"]
        ] or [float("nan")]
        ratio = statistics.median(ratios)
        duree = SECONDES_PLANCHER if label == liste[0][0] else SECONDES
        debit = statistics.median(x["requetes"] for x in m) / duree
        cpu = mediane_mesuree(x["cpu"] for x in m)
        ratio_cpu = mediane_mesuree(x["cpu"] / f["cpu"] for x, f in zip(m, references, strict=True))
        print(
            f"{label:<30} {statistics.median(x['p50'] for x in m):>8.1f} "
            f"{statistics.median(x['p99'] for x in m):>8.1f} {debit:>7.0f} {ratio:>8.2f} "
            f"{min(ratios):>5.2f}-{max(ratios):<5.2f} {cpu:>7.1f} {ratio_cpu:>6.2f} "
            f"{mediane_mesuree(x['python'] for x in m):>7.1f} "
            f"{mediane_mesuree(x['postgres'] for x in m):>5.1f} {requetes[label]:>8}"
        )
        if label not in (liste[0][0], liste[1][0]) and ratio > CIBLE_PAGE:
            echecs.append(f"{label} {ratio:.1f}x the floor")
    ratio_plancher = statistics.median(
        f["moyenne"] / a["moyenne"]
        for f, a in zip(voisins[liste[1][0]], mesures[liste[1][0]], strict=True)
    )
    print(f"\nlogged-in floor / anonymous page: {ratio_plancher:.2f}x (target <= {CIBLE_PLANCHER})")
    if ratio_plancher > CIBLE_PLANCHER:
        echecs.append(f"floor {ratio_plancher:.1f}x the anonymous page")
    if rss:
        print("peak RSS per gunicorn worker: " + ", ".join(f"{x:.0f} MB" for x in rss))
    for tranche, f in enumerate(plancher, start=1):
        if autre_travail(f):
            print(
                f"WARNING floor slice {tranche}: while it was measured, the machine spent "
                f"{f['cpu']:.1f} ms of CPU per request, its server and database "
                f"{f['python'] + f['postgres']:.1f}: other work was running, the floor is "
                f"inflated and the ratios of the pages beside it too low"
            )
            echecs.append(f"floor slice {tranche} not measured on an idle machine")
    print(f"pages over {CIBLE_PAGE}x the floor: " + (", ".join(echecs) if echecs else "none"))


if __name__ == "__main__":
    main()
