"""Speed of the audit page (issue 9) with 2 million history rows, in a throwaway database.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_audit.py

Fills the event tables of eight tracked models directly with ``generate_series`` (2,000,000
rows: three quarters in one large CPAS, the rest in another), 300,000 request contexts of 60
users, 25,000 people, and 300,000 access log rows. Then times, through the Django test client
(full request: session, middleware, template, access log write), as the CPAS's functional
administrator:

1. the first page of changes;
2. changes filtered by a person (NISS typed);
3. changes filtered by a user and one month, and by a user alone;
4. five "next page" hops;
5. the CSV export, first 10,000 rows;
6. the consultations tab, and the per-user tab (30 days).

Target: the audit page under 500 ms (p95). The database ``bench_audit`` is created, migrated,
filled and dropped at the end (kept with ``--garder``, to study query plans; ``--reutiliser``
measures again on the kept database).
"""

from __future__ import annotations

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

N_EVENEMENTS = 2_000_000
N_CONTEXTES = 300_000
N_UTILISATEURS = 60
N_PERSONNES_GRAND = 20_000
N_PERSONNES_AUTRE = 5_000
N_ACCES = 300_000
N_MESURES = 30
SECONDES_3_ANS = 3 * 365 * 86400

# Share of the 2,000,000 events per tracked model.
PARTS = {
    "trajets.Etape": 0.40,
    "beneficiaires.Beneficiaire": 0.10,
    "beneficiaires.DroitAide": 0.10,
    "beneficiaires.FreinBeneficiaire": 0.05,
    "trajets.PassagePhase": 0.10,
    "trajets.Piis": 0.10,
    "trajets.ObjectifPiis": 0.05,
    "partenaires.Orientation": 0.10,
}


def _valeur(colonne, type_sql, nullable, longueur, ctx):
    """SQL expression for one column of a generated event row (``g`` is the series)."""
    if colonne in ctx.get("fixes", {}):
        return ctx["fixes"][colonne]
    if colonne == "pgh_created_at":
        return f"now() - ((g::bigint * 7919) % {SECONDES_3_ANS}) * interval '1 second'"
    if colonne == "pgh_label":
        return "CASE WHEN g % 4 = 0 THEN 'insert' ELSE 'update' END"
    if colonne in ("pgh_obj_id", "id"):
        return ctx["obj"]
    if colonne == "pgh_context_id":
        return f"md5(((g * 31) % {N_CONTEXTES})::text)::uuid"
    if colonne == "cpas_id":
        return f"CASE WHEN g % 4 = 3 THEN {ctx['autre']} ELSE {ctx['grand']} END"
    if colonne == "beneficiaire_id":
        return ctx["personne"]
    if colonne == "piis_id":
        return ctx["piis"]
    if nullable:
        if type_sql in ("integer", "smallint", "bigint") and not colonne.endswith("_id"):
            return "(g % 7)"
        return "NULL"
    return {
        "integer": "1",
        "smallint": "1",
        "bigint": "1",
        "boolean": "false",
        "date": "DATE '2024-01-01' + (g % 700)",
        "timestamp with time zone": "now()",
        "numeric": "0",
        "uuid": "md5(g::text)::uuid",
        "ARRAY": "'{}'",
        "jsonb": "'{}'",
    }.get(type_sql, f"left('texte ' || (g % 3), {longueur or 100})")


def remplir():
    from django.apps import apps

    from cpas_isp.models import Cpas, Membership, Role, User

    grand = Cpas.objects.create(code="grand", nom="CPAS Grand", habitants=1_000_000)
    autre = Cpas.objects.create(code="autre", nom="CPAS Autre")
    admin = User.objects.create_user(
        "bench.admin", password="x", first_name="Ada", last_name="Admin"
    )
    Membership.objects.create(user=admin, cpas=grand, role=Role.ADMIN)
    users = []
    for i in range(N_UTILISATEURS):
        u = User.objects.create_user(f"agent{i}", first_name=f"Agent{i}", last_name="Bench")
        Membership.objects.create(user=u, cpas=grand, role=Role.AGENT)
        users.append(u.pk)

    from beneficiaires.demo import NOMS, PRENOMS_F, PRENOMS_H

    prenoms = PRENOMS_H + PRENOMS_F
    with connection.cursor() as cur:  # bulk load without the audit triggers
        cur.execute("SET session_replication_role = replica")
        for cpas, n in ((grand, N_PERSONNES_GRAND), (autre, N_PERSONNES_AUTRE)):
            cur.execute(
                """
                INSERT INTO beneficiaires_beneficiaire
                  (cpas_id, niss, nom, prenom, date_naissance, genre, nationalite, langue,
                   adresse, code_postal, commune, telephone, email, niveau_etudes,
                   diplome_etranger, niveau_fr, niveau_nl, permis_conduire, date_ouverture,
                   cree_le, modifie_le, nom_recherche)
                SELECT %s, lpad((80000000000 + g)::text, 11, '0'), (%s::text[])[1 + g %% %s],
                       (%s::text[])[1 + (g / 7) %% %s],
                       DATE '1980-01-01' + (g %% 9000), 'M', 'BE', 'fr', '', '', 'Bruxelles',
                       '', '', '', '', '', '', false, DATE '2020-01-01', now(), now(),
                       isp_unaccent((%s::text[])[1 + g %% %s] || ' '
                                    || (%s::text[])[1 + (g / 7) %% %s])
                FROM generate_series(1, %s) g
                """,
                [cpas.pk, NOMS, len(NOMS), prenoms, len(prenoms)] * 1
                + [NOMS, len(NOMS), prenoms, len(prenoms), n],
            )
        ids = {}
        for cpas in (grand, autre):
            cur.execute(
                "SELECT min(id), count(*) FROM beneficiaires_beneficiaire WHERE cpas_id = %s",
                [cpas.pk],
            )
            ids[cpas.pk] = cur.fetchone()
        # Request contexts: who, from where, in which CPAS (the events of the other CPAS, g % 4
        # = 3 below, use the contexts k = 31 g % N with k % 4 = 1).
        cur.execute(
            f"""
            INSERT INTO pghistory_context (id, created_at, updated_at, metadata)
            SELECT md5(g::text)::uuid, now(), now(),
                   jsonb_build_object('user', (ARRAY{users})[1 + g % {len(users)}],
                                      'url', '/trajets/etape/' || g || '/',
                                      'ip', '10.0.0.' || (g % 250),
                                      'cpas', CASE WHEN g % 4 = 1 THEN {autre.pk}
                                                   ELSE {grand.pk} END)
            FROM generate_series(0, {N_CONTEXTES - 1}) g
            """
        )
        (p0, np_), (q0, nq) = ids[grand.pk], ids[autre.pk]
        personne = f"CASE WHEN g % 4 = 3 THEN {q0} + (g % {nq}) ELSE {p0} + (g % {np_}) END"
        total = 0
        for label, part in PARTS.items():
            model = apps.get_model(label)
            event_model = next(
                m
                for m in apps.get_models()
                if getattr(m, "pgh_tracked_model", None) is model and not m._meta.proxy
            )
            n = int(N_EVENEMENTS * part)
            ctx = {
                "grand": grand.pk,
                "autre": autre.pk,
                "personne": personne,
                "obj": personne if label == "beneficiaires.Beneficiaire" else "(g / 4 + 1)",
                "piis": "(g / 8 + 1)",
            }
            table = event_model._meta.db_table
            cur.execute(
                "SELECT column_name, data_type, is_nullable = 'YES', character_maximum_length "
                "FROM information_schema.columns "
                "WHERE table_name = %s AND column_name <> 'pgh_id' ORDER BY ordinal_position",
                [table],
            )
            colonnes = cur.fetchall()
            cur.execute(
                f'INSERT INTO "{table}" ({", ".join(c[0] for c in colonnes)}) '
                f"SELECT {', '.join(_valeur(*c, ctx) for c in colonnes)} "
                f"FROM generate_series({total}, {total + n - 1}) g"
            )
            total += n
            cur.execute(f'ANALYZE "{table}"')
        # Some piis so that the events of their objectives belong to people.
        n_piis = int(N_EVENEMENTS * PARTS["trajets.ObjectifPiis"]) // 8 + 1
        ctx = {
            "grand": grand.pk,
            "autre": grand.pk,
            "obj": "g",
            "personne": f"{p0} + g",
            "fixes": {"statut": "'brouillon'", "type": "'emploi'", "avenant_de_id": "NULL"},
        }
        cur.execute(
            "SELECT column_name, data_type, is_nullable = 'YES', character_maximum_length "
            "FROM information_schema.columns WHERE table_name = 'trajets_piis' "
            "ORDER BY ordinal_position"
        )
        colonnes = [c for c in cur.fetchall() if not c[0].startswith("pgh_")]
        cur.execute(
            f"INSERT INTO trajets_piis ({', '.join(c[0] for c in colonnes)}) "
            f"SELECT {', '.join(_valeur(*c, ctx) for c in colonnes)} "
            f"FROM generate_series(1, {n_piis}) g"
        )
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("ANALYZE")
    remplir_journal(grand)
    return admin, grand


def remplir_journal(grand):
    """The access log: file consultations and lists over the last 60 days."""
    from django.contrib.contenttypes.models import ContentType

    from beneficiaires.models import Beneficiaire
    from cpas_isp.models import User

    users = list(User.objects.filter(username__startswith="agent").values_list("pk", flat=True))
    ct = ContentType.objects.get_for_model(Beneficiaire).pk
    with connection.cursor() as cur:
        cur.execute(
            "SELECT min(id), count(*) FROM beneficiaires_beneficiaire WHERE cpas_id = %s",
            [grand.pk],
        )
        p0, np_ = cur.fetchone()
        cur.execute(
            f"""
            INSERT INTO cpas_isp_journalacces
              (user_id, cpas_id, content_type_id, object_id, personnes, objet, page, ip, quand)
            SELECT (ARRAY{users})[1 + g % {len(users)}], {grand.pk},
                   CASE WHEN g % 10 = 0 THEN NULL ELSE {ct} END,
                   CASE WHEN g % 10 = 0 THEN NULL ELSE {p0} + (g * 13) % {np_} END,
                   CASE WHEN g % 10 = 0
                        THEN ARRAY(SELECT {p0} + (g * 7 + k) % {np_} FROM generate_series(1, 25) k)
                        ELSE ARRAY[{p0} + (g * 13) % {np_}]::bigint[] END,
                   'x', '/beneficiaires/' || g || '/', '10.0.0.1',
                   now() - ((g::bigint * 7919) % (60 * 86400)) * interval '1 second'
            FROM generate_series(1, {N_ACCES}) g
            """
        )
        cur.execute("VACUUM ANALYZE")


def _mesurer(client, libelle, params_list, *, csv_lignes=None):
    durees = []
    for params in params_list:
        t0 = time.perf_counter()
        response = client.get("/audit/", params)
        assert response.status_code == 200, response.status_code
        if csv_lignes:
            lignes = 0
            for chunk in response.streaming_content:
                lignes += chunk.count("\n") if isinstance(chunk, str) else chunk.count(b"\n")
                if lignes > csv_lignes:
                    break
            response.close()
        durees.append(time.perf_counter() - t0)
    durees.sort()
    p50 = statistics.median(durees) * 1000
    p95 = durees[max(0, int(len(durees) * 0.95) - 1)] * 1000
    print(f"   {libelle:<42} n={len(durees):3d}  median {p50:7.1f} ms  p95 {p95:7.1f} ms")
    return p95


def main():
    import datetime

    from django.test import Client

    reutiliser = "--reutiliser" in sys.argv  # the database kept by a previous --garder run
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_audit"
    if reutiliser:
        from cpas_isp.models import Cpas, JournalAcces, User

        connection.close()
        settings.DATABASES["default"]["NAME"] = "bench_audit"
        old = None
    else:
        old = setup_databases(verbosity=0, interactive=False)
    try:
        t0 = time.perf_counter()
        if reutiliser:
            admin, grand = User.objects.get(username="bench.admin"), Cpas.objects.get(code="grand")
            if JournalAcces.objects.count() < N_ACCES:
                remplir_journal(grand)
        else:
            admin, grand = remplir()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT sum(reltuples)::bigint FROM pg_class "
                "WHERE relkind = 'r' AND relname LIKE '%%event'"
            )
            n = cur.fetchone()[0]
        print(f"Audit page, {n:,} history rows ({time.perf_counter() - t0:.0f} s to fill)")
        print(f"   (machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        rng = random.Random(2026)
        client = Client(HTTP_HOST="localhost")
        client.force_login(admin)
        client.get("/audit/")  # warm up
        from beneficiaires.models import Beneficiaire
        from beneficiaires.niss import format_niss
        from cpas_isp.models import User

        niss = list(Beneficiaire.objects.filter(cpas=grand).values_list("niss", flat=True)[:5000])
        noms = [
            f"{nom} {prenom}"
            for nom, prenom in Beneficiaire.objects.filter(cpas=grand).values_list("nom", "prenom")[
                :5000
            ]
        ]
        agents = list(
            User.objects.filter(username__startswith="agent").values_list("pk", flat=True)
        )
        today = datetime.date.today()
        p95s = []
        p95s.append(_mesurer(client, "1. first page of changes", [{}] * N_MESURES))
        p95s.append(
            _mesurer(
                client,
                "2. filtered by a person (NISS typed)",
                [{"personne": format_niss(rng.choice(niss))} for _ in range(N_MESURES)],
            )
        )
        p95s.append(
            _mesurer(
                client,
                "   filtered by a person (name typed)",
                [{"personne": rng.choice(noms)} for _ in range(N_MESURES)],
            )
        )
        mois = []
        for _ in range(N_MESURES):
            debut = today - datetime.timedelta(days=rng.randint(30, 900))
            mois.append(
                {
                    "utilisateur": rng.choice(agents),
                    "du": debut.isoformat(),
                    "au": (debut + datetime.timedelta(days=30)).isoformat(),
                }
            )
        p95s.append(_mesurer(client, "3. filtered by a user and one month", mois))
        p95s.append(
            _mesurer(
                client,
                "   filtered by a user (all time)",
                [{"utilisateur": rng.choice(agents)} for _ in range(N_MESURES)],
            )
        )
        # 4. follow "next page" five times
        import re

        hops = []
        body = client.get("/audit/").content.decode()
        for _ in range(5):
            suivant = re.search(r'href="\?([^"]*apres=[^"]*)"', body)
            params = dict(
                p.split("=", 1) for p in suivant.group(1).replace("&amp;", "&").split("&") if p
            )
            from urllib.parse import unquote

            params = {k: unquote(v) for k, v in params.items()}
            hops.append(params)
            body = client.get("/audit/", params).content.decode()
        p95s.append(_mesurer(client, "4. next pages (1 to 5)", hops * 6))
        _mesurer(
            client, "5. CSV export, first 10,000 rows", [{"format": "csv"}] * 5, csv_lignes=10_000
        )
        p95s.append(
            _mesurer(client, "6. consultations tab", [{"vue": "consultations"}] * N_MESURES)
        )
        _mesurer(client, "   consultations per user (30 days)", [{"vue": "utilisateurs"}] * 5)
        worst = max(p95s)
        print(
            f"   worst p95 of the audit page {worst:.0f} ms (target < 500 ms): "
            f"{'OK' if worst < 500 else 'TOO SLOW'}"
        )
    finally:
        if old is not None and "--garder" not in sys.argv:
            teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
