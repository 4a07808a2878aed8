"""The daily reminder task (issue 13): 2,000 due reminders in < 10 s, on generated data in a
throwaway database.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_rappels.py [--agents 60]

A CPAS of 6,000 people and 60 agents with appointments over six months (about 20,000), of
which 800 are in two days (each person with an e-mail address and a mobile number: 1,600
reminders), and 200 invitations on their third day (400 reminders). Runs
``rappels.envoyer_rappels()`` (the set-based INSERT … SELECT, then the sending, e-mail through
Django's locmem backend and SMS through the file backend) and prints the time of each stage,
then runs it again (nothing new, nothing sent: the unique constraints make it idempotent).

The database ``bench_rappels`` is created, migrated, filled and dropped at the end (kept with
``--garder``).
"""

from __future__ import annotations

import datetime
import os
import random
import secrets
import sys
import tempfile
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
from django.utils import timezone  # noqa: E402

N_PERSONNES = 6_000
RDV_DANS_DEUX_JOURS = 800
INVITATIONS_JOUR_TROIS = 200
JOURS_AUTOUR = 90


def _arg(name, default):
    if name in sys.argv:
        return int(sys.argv[sys.argv.index(name) + 1])
    return default


def remplir(rng, n_agents):
    from beneficiaires.models import Beneficiaire
    from beneficiaires.niss import niss_avec_controle
    from cpas_isp.models import Cpas, Membership, Role, User
    from rendezvous.models import Agenda, Invitation, Participant, RendezVous, TypeRendezVous

    cpas = Cpas.objects.create(code="rappels", nom="CPAS Rappels")
    with connection.cursor() as cur:  # bulk load without the audit triggers
        cur.execute("SET session_replication_role = replica")
    agents = []
    for i in range(n_agents):
        user = User.objects.create(username=f"agent{i}", first_name="Agent", last_name=f"{i}")
        Membership.objects.create(user=user, cpas=cpas, role=Role.AGENT)
        agents.append(user)
    agendas = Agenda.objects.bulk_create([Agenda(cpas=cpas, agent=a) for a in agents])
    utilises, lot = set(), []
    for i in range(N_PERSONNES):
        naissance = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randint(0, 16000))
        while True:
            niss = niss_avec_controle(
                f"{naissance:%y%m%d}{rng.randrange(1, 998):03d}", naissance.year
            )
            if niss not in utilises:
                utilises.add(niss)
                break
        lot.append(
            Beneficiaire(
                cpas=cpas, niss=niss, nom=f"Nom{i:05d}", prenom=rng.choice(["Anne", "Luc", "Jan"]),
                date_naissance=naissance, genre=rng.choice("MF"), commune="Namur",
                langue=rng.choice(["fr", "nl"]), email=f"personne{i}@example.org",
                telephone=f"047{i % 10}{i:06d}", refuse_rappels=(i % 50 == 49),
            )
        )  # fmt: skip
    personnes = Beneficiaire.objects.bulk_create(lot, batch_size=3000)
    # The opt-outs are not among the 800 of the day in two days (kept exact below).
    recoivent = [p for p in personnes if not p.refuse_rappels]
    suivi = TypeRendezVous.objects.get(code="suivi")
    aujourdhui = timezone.localdate()
    rdvs, qui, compteur = [], [], 0

    def ajouter(jour, agent_index, creneau, personne):
        debut = timezone.make_aware(
            datetime.datetime.combine(jour, datetime.time(8, 0))
            + datetime.timedelta(minutes=20 * creneau)
        )
        rdvs.append(
            RendezVous(
                cpas=cpas, agent=agents[agent_index], agenda=agendas[agent_index], type=suivi,
                debut=debut, fin=debut + datetime.timedelta(minutes=20), cree_par=agents[0],
                statut="planifie" if jour >= aujourdhui else rng.choice(["vu", "absent"]),
            )
        )  # fmt: skip
        qui.append(personne)

    # 800 appointments in two days, each with a different person.
    jour = aujourdhui + datetime.timedelta(days=2)
    for n in range(RDV_DANS_DEUX_JOURS):
        ajouter(jour, n % n_agents, n // n_agents, recoivent[n])
    # About 20,000 others around (two per agent per working day).
    for decalage in range(-JOURS_AUTOUR, JOURS_AUTOUR):
        jour_autre = aujourdhui + datetime.timedelta(days=decalage)
        if decalage == 2 or jour_autre.weekday() >= 5:
            continue
        for a in range(n_agents):
            for creneau in (0, 6):
                ajouter(jour_autre, a, creneau, personnes[compteur % N_PERSONNES])
                compteur += 1
    rdvs = RendezVous.objects.bulk_create(rdvs, batch_size=5000)
    Participant.objects.bulk_create(
        [
            Participant(
                cpas=cpas, rendez_vous=r, beneficiaire=p, debut=r.debut, fin=r.fin, annule=False
            )
            for r, p in zip(rdvs, qui, strict=True)
        ],
        batch_size=5000,
    )
    maintenant = timezone.now()
    invitations = []
    for n in range(INVITATIONS_JOUR_TROIS + 300):
        # 200 on day 3 (due), 300 on day 2 (not yet): noise for the query.
        invitations.append(
            Invitation(
                cpas=cpas, beneficiaire=recoivent[RDV_DANS_DEUX_JOURS + n], mode="invitation",
                type=suivi, agenda=agendas[n % n_agents], canaux=["email", "sms"],
                jeton=secrets.token_hex(32), expire_le=maintenant + datetime.timedelta(days=8),
                cree_par=agents[0],
            )
        )  # fmt: skip
    invitations = Invitation.objects.bulk_create(invitations)
    with connection.cursor() as cur:
        for n, invitation in enumerate(invitations):
            jours = 2 if n < INVITATIONS_JOUR_TROIS else 1
            cur.execute(
                "UPDATE rendezvous_invitation SET cree_le = %s WHERE id = %s",
                [maintenant - datetime.timedelta(days=jours), invitation.pk],
            )
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("ANALYZE")
    return len(rdvs)


def main():
    n_agents = _arg("--agents", 60)
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_rappels"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    fichier_sms = tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False)
    settings.SMS_BACKEND = "rendezvous.sms.ConsoleBackend"
    settings.SMS_FILE_PATH = fichier_sms.name
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from django.core import mail

        from rendezvous import rappels
        from rendezvous.models import Envoi

        rng = random.Random(2026)
        t0 = time.perf_counter()
        n_rdv = remplir(rng, n_agents)
        print(
            f"Daily reminders: {n_agents} agents, {N_PERSONNES:,} people, {n_rdv:,} appointments "
            f"(filled in {time.perf_counter() - t0:.1f} s)"
        )
        t0, cpu0 = time.perf_counter(), time.process_time()
        nouveaux = rappels.preparer()
        t_preparer = time.perf_counter() - t0
        t0 = time.perf_counter()
        comptes = rappels.envoyer_en_attente()
        t_envoyer = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        total = t_preparer + t_envoyer
        sms = len(Path(fichier_sms.name).read_text().splitlines())
        print(
            f"   find and record (one INSERT … SELECT): {nouveaux:,} reminders in "
            f"{t_preparer * 1000:.0f} ms"
        )
        print(
            f"   send: {comptes['envoye']:,} sent, {comptes['echec']:,} failed in "
            f"{t_envoyer:.2f} s ({len(mail.outbox):,} e-mails, {sms:,} SMS); "
            f"{t_envoyer / max(nouveaux, 1) * 1000:.2f} ms each"
        )
        print(
            f"   total {total:.2f} s (target < 10 s for 2,000): "
            f"{'OK' if total < 10 and nouveaux >= 2000 else 'NOT MET'}"
        )
        charge = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"   CPU time of this process for both stages: {cpu:.2f} s "
            f"(the rest of the wall time waits for the database or a CPU; load average {charge} "
            f"on {os.cpu_count()} CPU)"
        )
        t0 = time.perf_counter()
        encore = rappels.envoyer_rappels()
        print(
            f"   second run: {encore['nouveaux']} new, {encore['envoye']} sent in "
            f"{(time.perf_counter() - t0) * 1000:.0f} ms; {Envoi.objects.count():,} rows in all"
        )
    finally:
        os.unlink(fichier_sms.name)
        if "--garder" not in sys.argv:
            teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
