"""The bell's unread count on every page (issue 12): one indexed query, whatever the table's
size, on generated data in a throwaway database.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_notifications.py [--lignes N]

200 users of one CPAS share ``--lignes`` notifications (default 1,000,000) over a year, 97 % of
them read. Prints the plan of the count (it must use the partial index of unread
notifications) and its latency (median and p99 over 500 calls, users drawn at random), then
"mark all read" for one user. Target: the count under 2 ms median. The database
``bench_notifications`` is created, migrated, filled and dropped at the end.
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

N_USERS = 200


def _arg(name, default):
    if name in sys.argv:
        return int(sys.argv[sys.argv.index(name) + 1])
    return default


def remplir(n_lignes):
    from cpas_isp.models import Cpas, Membership, Role, User

    cpas = Cpas.objects.create(code="notif", nom="CPAS Notifications")
    users = []
    for i in range(N_USERS):
        user = User.objects.create(username=f"agent{i}")
        Membership.objects.create(user=user, cpas=cpas, role=Role.AGENT)
        users.append(user)
    premier, dernier = users[0].pk, users[-1].pk
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO cpas_isp_notification
                (cpas_id, destinataire_id, nature, object_id, personne_id, lien, cle,
                 cree_le, lue_le)
            SELECT %s, %s + (g %% %s), 'orientation_reponse', g, g %% 6000, '/x/', '',
                   now() - (g %% 365) * interval '1 day' - (g %% 1440) * interval '1 minute',
                   CASE WHEN (g / %s) %% 100 < 97 THEN now() ELSE NULL END
            FROM generate_series(1, %s) g
            """,
            [cpas.pk, premier, dernier - premier + 1, N_USERS, n_lignes],
        )
        cur.execute("ANALYZE cpas_isp_notification")
    return users


def main():
    n_lignes = _arg("--lignes", 1_000_000)
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_notifications"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from cpas_isp import notifications
        from cpas_isp.tenancy import current_membership

        t0 = time.perf_counter()
        users = remplir(n_lignes)
        print(
            f"Notifications: {n_lignes:,} rows for {N_USERS} users "
            f"(filled in {time.perf_counter() - t0:.1f} s)"
        )
        rng = random.Random(2026)
        for u in users:
            current_membership(u)  # the request has it already (middleware)
        qs = notifications.de_l_utilisateur(users[0]).filter(lue_le__isnull=True).order_by()
        plan = qs.explain()
        print("   plan of the count:", " | ".join(line.strip() for line in plan.splitlines()))
        plancher = []
        with connection.cursor() as cur:
            for _ in range(500):
                t = time.perf_counter()
                cur.execute("SELECT 1")
                cur.fetchone()
                plancher.append((time.perf_counter() - t) * 1000)
        for u in users[:20]:
            notifications.compter_non_lues(u)  # warm
        durees = []
        for _ in range(500):
            u = rng.choice(users)
            t = time.perf_counter()
            notifications.compter_non_lues(u)
            durees.append((time.perf_counter() - t) * 1000)
        durees.sort()
        mediane, p99 = statistics.median(durees), durees[int(len(durees) * 0.99) - 1]
        sol = statistics.median(plancher)
        print(f"   floor (SELECT 1 round trip): median {sol:.2f} ms")
        print(
            f"   unread count (the bell, one query): median {mediane:.2f} ms, p99 {p99:.2f} ms "
            f"(about {n_lignes * 3 // 100 // N_USERS:,} unread each), {mediane / sol:.1f}x the "
            f"floor — target < 2 ms median and the partial index used: "
            f"{'OK' if mediane < 2 and 'notification_non_lues' in plan else 'NOT MET'}"
        )
        t = time.perf_counter()
        n = notifications.tout_marquer_lu(users[1])
        print(f"   mark all read: {n:,} rows in {(time.perf_counter() - t) * 1000:.1f} ms")
        print("   load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
