"""Programmes: cohort indicators, duration alerts, enrolment and feedback."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cpas_isp.models import Role
from partenaires.models import Participation
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import ParticipationFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


# --- programmes ------------------------------------------------------------------------------


def test_completion_and_positive_exit_rates_on_a_known_cohort(client_for, coordinateur, cpas_a):
    prog = ProgrammeFactory(cpas=cpas_a, objectif_participants=25)
    d = datetime.date(2026, 2, 1)
    fin = datetime.date(2026, 9, 1)
    # 22 registered, 20 started: 10 completed (4 job, 3 own business, 1 training, 2 no
    # solution), 6 dropped out, 4 still active; 2 never started.
    rows = (
        [("termine", "emploi")] * 4
        + [("termine", "activite_propre")] * 3
        + [("termine", "formation")]
        + [("termine", "sans_solution")] * 2
        + [("abandon", "sans_solution")] * 6
        + [("actif", "")] * 4
        + [("inscrit", "")] * 2
    )
    for statut, resultat in rows:
        ParticipationFactory(
            programme=prog,
            statut=statut,
            resultat=resultat,
            date_debut=None if statut == "inscrit" else d,
            date_fin=fin if resultat else None,
        )
    r = client_for(coordinateur).get(reverse("partenaires:programme_detail", args=[prog.pk]))
    ind = r.context["ind"]
    assert (ind.inscrits, ind.commences, ind.termines, ind.sorties) == (22, 20, 10, 16)
    assert ind.taux_achevement == Decimal("50.0")  # 10 / 20
    assert ind.taux_sortie_positive == Decimal("50.0")  # 8 / 16
    assert ind.taux_activite_propre == Decimal("18.8")  # 3 / 16
    assert ind.progression == Decimal("88.0")


def test_participants_nearing_maximum_duration(client_for, coordinateur, cpas_a):
    today = timezone.localdate()
    prog = ProgrammeFactory(cpas=cpas_a, duree_max_mois=12)
    near = ParticipationFactory(
        programme=prog, statut="actif", date_debut=today - datetime.timedelta(days=350)
    )
    ParticipationFactory(
        programme=prog, statut="actif", date_debut=today - datetime.timedelta(days=30)
    )
    r = client_for(coordinateur).get(reverse("partenaires:programme_detail", args=[prog.pk]))
    assert [p.pk for p in r.context["proches"]] == [near.pk]


def test_cohort_shows_only_own_cpas_names(client_for, make_user, cpas_a, cpas_b):
    prog = ProgrammeFactory(cpas=cpas_a)
    prog.cpas_participants.add(cpas_b)
    own = ParticipationFactory(programme=prog)
    other = ParticipationFactory(
        programme=prog, beneficiaire=BeneficiaireFactory(cpas=cpas_b), cpas=cpas_b
    )
    r = client_for(make_user(Role.COORDINATEUR, cpas_b)).get(
        reverse("partenaires:programme_detail", args=[prog.pk])
    )
    assert [p.pk for p in r.context["cohorte"]] == [other.pk]
    assert r.context["ind"].inscrits == 2
    assert own.beneficiaire.nom not in r.content.decode()


def test_enrol_and_feedback(client_for, agent, cpas_a):
    prog = ProgrammeFactory(cpas=cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    client = client_for(agent)
    r = client.post(
        reverse("partenaires:participation_creer", args=[prog.pk]),
        {"beneficiaire": b.pk, "statut": "actif", "date_inscription": "2026-01-05"},
    )
    assert r.status_code == 200  # start date missing for an active participant
    r = client.post(
        reverse("partenaires:participation_creer", args=[prog.pk]),
        {
            "beneficiaire": b.pk,
            "statut": "actif",
            "date_inscription": "2026-01-05",
            "date_debut": "2026-01-10",
        },
    )
    assert r.status_code == 302
    p = Participation.objects.get()
    r = client.post(
        reverse("partenaires:avis_creer", args=[prog.pk, p.pk]),
        {"date": "2026-03-01", "score": "4", "commentaire": "Très utile"},
    )
    assert r.status_code == 302 and p.avis.get().score == 4
