"""Speed of the agendas and of the appointments' indicators on a large CPAS: 60 agents in
5 cellules, 6,000 people, 150,000 appointments over 3 years (2.5 past, 0.5 ahead) with their
participants and outcomes, recurring availability, absences, pending invitations, RIS rights,
stays in phases and referrals.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_rendezvous.py [--repetitions 9]
        [--garder-base]

Creates a throwaway database, fills it set-based (INSERT ... SELECT over generate_series, a few
bulk inserts), then times through the Django test client (the real views): an agent's week
view (target < 150 ms), a cellule's day view (< 200 ms), and the delay indicators over 24 months
(< 500 ms, the three delay queries together), plus the whole appointments section of the
dashboard. Prints the median and 90th percentile of the runs and the SQL queries of each.
``--garder-base`` keeps the filled database for the next run (which then skips the filling;
the data is relative to the day it was made).
"""

from __future__ import annotations

import argparse
import datetime
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

AGENTS = 60
PERSONNES = 6000
JOURS_PASSES = 912  # about 2.5 years
JOURS_FUTURS = 183


def niss(i: int) -> str:
    naissance = datetime.date(1960, 1, 1) + datetime.timedelta(days=i % 14000)
    base = f"{naissance:%y%m%d}{i % 997 + 1:03d}"
    return base + f"{97 - int(base) % 97:02d}"


def remplir():
    from beneficiaires.models import Beneficiaire, DroitAide
    from cpas_isp.models import Cpas, Membership, Role, User
    from partenaires.models import (
        Orientation,
        Partenaire,
        ServicePartenaire,
        Thematique,
        TypePartenaire,
    )
    from trajets.models import PassagePhase, Phase

    today = timezone.localdate()
    cpas = Cpas.objects.create(code="bench", nom="CPAS Bench")
    cellules = list(cpas.cellules.order_by("ordre", "code"))
    # The clients log in with force_login: no password to hash.
    agents = User.objects.bulk_create(
        [
            User(username=f"agent{k}.bench", first_name=f"Agent{k}", last_name="Bench")
            for k in range(AGENTS)
        ]
    )
    coord = User.objects.create(username="coord.bench")
    Membership.objects.bulk_create(
        [
            Membership(user=u, cpas=cpas, role=Role.AGENT, cellule=cellules[k % len(cellules)])
            for k, u in enumerate(agents)
        ]
        + [Membership(user=coord, cpas=cpas, role=Role.COORDINATEUR)]
    )
    agendas = agendas_et_disponibilites(cpas, agents, cellules, today)
    personnes = Beneficiaire.objects.bulk_create(
        [
            Beneficiaire(
                cpas=cpas,
                niss=niss(i),
                nom=f"Nom{i}",
                prenom="Test",
                date_naissance=datetime.date(1960, 1, 1) + datetime.timedelta(days=i % 14000),
                referent=agents[i % AGENTS],
            )
            for i in range(PERSONNES)
        ],
        batch_size=5000,
    )
    DroitAide.objects.bulk_create(
        [
            DroitAide(
                cpas=cpas,
                beneficiaire=b,
                type="RIS",
                categorie="isole",
                date_decision=today - datetime.timedelta(days=30 + (i * 7) % (JOURS_PASSES - 60)),
                debut=today - datetime.timedelta(days=30 + (i * 7) % (JOURS_PASSES - 60)),
            )
            for i, b in enumerate(personnes)
        ],
        batch_size=5000,
    )
    phases = list(Phase)
    PassagePhase.objects.bulk_create(
        [
            PassagePhase(
                cpas=cpas,
                beneficiaire=b,
                phase=phases[i % len(phases)],
                debut=today - datetime.timedelta(days=20 + (i * 11) % (JOURS_PASSES - 60)),
                agent=agents[i % AGENTS],
            )
            for i, b in enumerate(personnes)
        ],
        batch_size=5000,
    )
    type_ = TypePartenaire.objects.first()
    theme = Thematique.objects.first()
    partenaires = Partenaire.objects.bulk_create(
        [Partenaire(nom=f"Partenaire {i}", type=type_, commune="Bruxelles") for i in range(20)]
    )
    services = ServicePartenaire.objects.bulk_create(
        [ServicePartenaire(partenaire=p, nom="Service", thematique=theme) for p in partenaires]
    )
    orientations = []
    for i, b in enumerate(personnes[:4000]):
        envoi = today - datetime.timedelta(days=10 + (i * 13) % 700)
        repondue = i % 5 != 0
        orientations.append(
            Orientation(
                cpas=cpas,
                beneficiaire=b,
                service=services[i % len(services)],
                agent=agents[i % AGENTS],
                date_orientation=envoi,
                motif="Formation",
                statut=("acceptee" if i % 3 else "refusee") if repondue else "envoyee",
                date_envoi=envoi,
                date_reponse=envoi + datetime.timedelta(days=i % 45) if repondue else None,
                motif_refus="Complet" if repondue and not i % 3 else "",
            )
        )
    Orientation.objects.bulk_create(orientations, batch_size=5000)
    rendez_vous_et_participants(cpas, agents, agendas, personnes, today)
    invitations(cpas, agents, agendas, personnes, today)
    return cpas, agents, coord, cellules


def agendas_et_disponibilites(cpas, agents, cellules, today):
    """An agenda per agent (returned, in the agents' order) and per cellule, each open on
    weekdays 9-12 and 14-16 in 30-minute slots since JOURS_PASSES days ago."""
    from rendezvous.models import Agenda, Disponibilite

    agendas = Agenda.objects.bulk_create([Agenda(cpas=cpas, agent=a) for a in agents])
    Agenda.objects.bulk_create([Agenda(cpas=cpas, cellule=c) for c in cellules])
    debut_regles = today - datetime.timedelta(days=JOURS_PASSES)
    Disponibilite.objects.bulk_create(
        [
            Disponibilite(
                cpas=cpas,
                agenda=agenda,
                jour=jour,
                heure_debut=datetime.time(h0),
                heure_fin=datetime.time(h1),
                duree_creneau=30,
                valide_du=debut_regles,
            )
            for agenda in agendas
            for jour in range(5)
            for h0, h1 in ((9, 12), (14, 16))
        ]
    )
    return agendas


def deja_rempli():
    """The data of a kept database (``--garder-base``), or None."""
    from cpas_isp.models import Cpas, User

    cpas = Cpas.objects.filter(code="bench").first()
    if cpas is None:
        return None
    agents = list(User.objects.filter(username__startswith="agent").order_by("id"))
    coord = User.objects.get(username="coord.bench")
    return cpas, agents, coord, list(cpas.cellules.order_by("ordre", "code"))


def rendez_vous_et_participants(cpas, agents, agendas, personnes, today):
    """150,000 appointments set-based: each agent's working days over 3 years at 9, 10, 11 and
    14 o'clock, one slot in five left free; each with one of the agent's 100 people (so no
    overlap for the people either), outcomes for the past ones."""
    from cpas_isp.models import Membership
    from rendezvous.models import TypeRendezVous

    types = list(TypeRendezVous.objects.filter(collectif=False).order_by("ordre"))
    cellule_de = dict(Membership.objects.filter(cpas=cpas).values_list("user_id", "cellule_id"))
    params = {
        "cpas": cpas.pk,
        "agents": [a.pk for a in agents],
        "agendas": [a.pk for a in agendas],
        "cellules": [cellule_de[a.pk] for a in agents],
        "types": [t.pk for t in types],
        "nb_types": len(types),
        "premier": today - datetime.timedelta(days=JOURS_PASSES),
        "dernier": today + datetime.timedelta(days=JOURS_FUTURS),
        "today": today,
        "tz": "Europe/Brussels",
        "personnes": [b.pk for b in personnes],
        "nb_agents": len(agents),
    }
    # As for any bulk load: the two exclusion constraints (GiST) are dropped during the load
    # and put back after it (one index build and check instead of 150,000 probes of an index
    # keyed on 60 agents, which takes tens of minutes).
    from rendezvous.models import Participant, RendezVous, recalculer_statistiques

    exclusions = [
        (modele, c)
        for modele in (RendezVous, Participant)
        for c in modele._meta.constraints
        if c.name
        in {"rendezvous_agent_sans_chevauchement", "rendezvous_personne_sans_chevauchement"}
    ]
    with connection.schema_editor() as editor:
        for modele, contrainte in exclusions:
            editor.remove_constraint(modele, contrainte)
    with connection.cursor() as cursor:
        # Without the history triggers during the load: their function opens a
        # subtransaction per row (an exception block), and 150,000 of them in one statement
        # overflow PostgreSQL's subtransaction cache (minutes instead of seconds). The history
        # of generated rows is not what is measured.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO rendezvous_rendezvous
                (cpas_id, agent_id, agenda_id, cellule_id, type_id, debut, fin, statut, note,
                 origine, cree_par_id, cree_le, modifie_le)
            SELECT %(cpas)s, a.agent_id, a.agenda_id, a.cellule_id,
                   (%(types)s::int[])[1 + (a.k * 7 + j.n * 3 + h.n) %% %(nb_types)s],
                   (j.jour::date + h.heure) AT TIME ZONE %(tz)s,
                   (j.jour::date + h.heure + interval '45 minutes') AT TIME ZONE %(tz)s,
                   CASE WHEN j.jour::date >= %(today)s
                        THEN (ARRAY['planifie', 'confirme'])[1 + (j.n + h.n) %% 2]
                        ELSE (ARRAY['vu','vu','vu','vu','vu','vu','vu','vu','vu','vu','vu',
                                    'absent','absent','excuse','annule_cpas',
                                    'annule_personne'])[1 + (a.k * 5 + j.n * 7 + h.n) %% 16]
                   END,
                   '',
                   (ARRAY['direct', 'invitation', 'convocation'])[1 + (a.k + j.n + h.n) %% 3],
                   a.agent_id, now(), now()
            FROM unnest(%(agents)s::int[], %(agendas)s::int[], %(cellules)s::int[])
                 WITH ORDINALITY a(agent_id, agenda_id, cellule_id, k)
            CROSS JOIN generate_series(%(premier)s::date, %(dernier)s::date, interval '1 day')
                 WITH ORDINALITY j(jour, n)
            CROSS JOIN unnest(ARRAY['09:00', '10:00', '11:00', '14:00']::time[])
                 WITH ORDINALITY h(heure, n)
            WHERE extract(isodow FROM j.jour) < 6 AND (a.k + j.n * 3 + h.n) %% 5 <> 0
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO rendezvous_participant
                (cpas_id, rendez_vous_id, beneficiaire_id, debut, fin, annule, type_id, issue)
            SELECT r.cpas_id, r.id,
                   (%(personnes)s::bigint[])[1 + a.k - 1
                       + %(nb_agents)s * ((row_number() OVER (PARTITION BY r.agent_id
                                                              ORDER BY r.debut)) %% 100)],
                   r.debut, r.fin, r.statut IN ('annule_cpas', 'annule_personne'), r.type_id,
                   CASE WHEN r.statut IN ('vu', 'absent', 'excuse') THEN r.statut ELSE '' END
            FROM rendezvous_rendezvous r
            JOIN unnest(%(agents)s::int[]) WITH ORDINALITY a(agent_id, k)
              ON a.agent_id = r.agent_id
            WHERE r.cpas_id = %(cpas)s
            """,
            params,
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    with connection.schema_editor() as editor:
        for modele, contrainte in exclusions:
            editor.add_constraint(modele, contrainte)  # checks every row
    # The monthly counts the dashboards read, which the triggers (off above) keep otherwise.
    recalculer_statistiques()


def invitations(cpas, agents, agendas, personnes, today):
    import secrets

    from rendezvous.models import Invitation, TypeRendezVous

    type_ = TypeRendezVous.objects.get(code="premier_entretien_isp")
    maintenant = timezone.now()
    # One person in seven; every person of a smaller set (bench_pages.py --petit: 1,000).
    choisies = (personnes[::7] if len(personnes) >= 7 * 600 else personnes)[:600]
    Invitation.objects.bulk_create(
        [
            Invitation(
                cpas=cpas,
                beneficiaire=beneficiaire,
                mode="invitation",
                type=type_,
                agenda=agendas[i % len(agents)],
                statut="en_attente",
                jeton=secrets.token_hex(32),
                expire_le=maintenant + datetime.timedelta(days=1 + i % 10),
                cree_par=agents[i % len(agents)],
            )
            for i, beneficiaire in enumerate(choisies)
        ]
    )


def mesurer(client, url, data=None, repetitions=9):
    durees, requetes = [], 0
    client.get(url, data or {})  # warm up (templates, session)
    for _ in range(repetitions):
        with CaptureQueriesContext(connection) as ctx:
            debut = time.perf_counter()
            response = client.get(url, data or {})
            durees.append((time.perf_counter() - debut) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        requetes = len(ctx.captured_queries)
    return durees, requetes


def mesurer_fonction(fonction, repetitions=9):
    durees, requetes = [], 0
    fonction()
    for _ in range(repetitions):
        with CaptureQueriesContext(connection) as ctx:
            debut = time.perf_counter()
            fonction()
            durees.append((time.perf_counter() - debut) * 1000)
        requetes = len(ctx.captured_queries)
    return durees, requetes


def p90(durees):
    return statistics.quantiles(durees, n=10)[-1] if len(durees) > 1 else durees[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=9)
    parser.add_argument("--garder-base", action="store_true")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_rendezvous_{old_name}"
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=args.garder_base
    )
    try:
        t0 = time.perf_counter()
        cpas, agents, coord, cellules = deja_rempli() or remplir()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT count(*) FROM rendezvous_rendezvous")
            nb_rdv = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM rendezvous_participant")
            nb_part = cursor.fetchone()[0]
        print(
            f"Données : {AGENTS} agents, {PERSONNES} personnes, {nb_rdv} rendez-vous, "
            f"{nb_part} participants ({time.perf_counter() - t0:.1f} s)"
        )
        from rapports.queries import ajouter_mois, fin_du_mois, premier_du_mois
        from rendezvous import indicateurs
        from rendezvous.models import Agenda

        today = timezone.localdate()
        agent = agents[0]
        agenda = Agenda.objects.get(agent=agent)
        client = Client()
        client.force_login(agent)
        coordo = Client()
        coordo.force_login(coord)
        cellule = next(c for c in cellules if c.code == "emploi")
        fin = fin_du_mois(ajouter_mois(today, -1))
        debut = premier_du_mois(ajouter_mois(today, -24))
        ids = [cpas.pk]
        lignes = [
            (
                "Semaine d'un agent (cette semaine)",
                "< 150",
                *mesurer(client, f"/rendezvous/agenda/{agenda.pk}/semaine/", {}, args.repetitions),
            ),
            (
                "Semaine d'un agent (il y a un an)",
                "< 150",
                *mesurer(
                    client,
                    f"/rendezvous/agenda/{agenda.pk}/semaine/",
                    {"date": (today - datetime.timedelta(days=365)).isoformat()},
                    args.repetitions,
                ),
            ),
            (
                f"Jour de la cellule {cellule.code} (12 agents)",
                "< 200",
                *mesurer(
                    coordo, f"/rendezvous/cellule/{cellule.code}/jour/", {}, args.repetitions
                ),  # fmt: skip
            ),
            (
                "Délais sur 24 mois (3 requêtes)",
                "< 500",
                *mesurer_fonction(
                    lambda: indicateurs.delais(ids, debut, fin, fin), args.repetitions
                ),
            ),
            (
                "Absences par type et origine, 24 mois",
                "",
                *mesurer_fonction(lambda: indicateurs.absences(ids, debut, fin), args.repetitions),
            ),
            (
                "Charge des agents (créneaux 14 jours)",
                "",
                *mesurer_fonction(lambda: indicateurs.charge(ids, debut, fin), args.repetitions),
            ),
            (
                "Tableau de bord complet, 12 mois (coordinateur)",
                "",
                *mesurer(
                    coordo,
                    "/rapports/",
                    {"du": f"{ajouter_mois(today, -11):%Y-%m}", "au": f"{today:%Y-%m}"},
                    max(3, args.repetitions // 3),
                ),
            ),
        ]
        print(f"{'mesure':<50} {'médiane':>9} {'p90':>9} {'cible':>7} {'requêtes':>9}")
        for label, cible, durees, requetes in lignes:
            print(
                f"{label:<50} {statistics.median(durees):>6.1f} ms {p90(durees):>6.1f} ms "
                f"{cible:>7} {requetes:>9}"
            )
    finally:
        if args.garder_base:
            connection.close()
            connection.settings_dict["NAME"] = old_name
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
