"""The demo activities: an alpha course with a waiting list, the three-CPAS pre-training where
half of the 20 finished, a job day, the self-employment workshop with the programme's people."""

import datetime
import random

from django.utils import timezone

from activites import demo
from activites.models import (
    Activite,
    Inscription,
    ParticipantFse,
    Presence,
    ResumeHebdomadaire,
)
from cpas_isp.management.commands.demo_data import DemoContexte
from cpas_isp.models import Role
from partenaires.models import Participation
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.cpas_isp.factories import CpasFactory
from tests.partenaires.factories import ProgrammeFactory
from tests.trajets.factories import PassageFactory


def test_demo_activities(make_user):
    today = timezone.localdate()
    anderlecht = CpasFactory(code="anderlecht", nom="CPAS d'Anderlecht")
    ciney = CpasFactory(code="ciney", nom="CPAS de Ciney")
    CpasFactory(code="hamois", nom="CPAS de Hamois")
    comptes = {
        ("anderlecht", Role.AGENT): make_user(Role.AGENT, anderlecht),
        ("ciney", Role.AGENT): make_user(Role.AGENT, ciney),
    }
    for cpas, phase in (
        (anderlecht, "alpha"),
        (anderlecht, "emploi"),
        (ciney, "etudes_formations"),
    ):
        for _ in range(20):
            PassageFactory(
                beneficiaire=BeneficiaireFactory(cpas=cpas),
                phase=phase,
                debut=today - datetime.timedelta(days=400),
            )
    programme = ProgrammeFactory(cpas=anderlecht, titre="Passerelle autocréation d'emploi")
    for b in BeneficiaireFactory.create_batch(5, cpas=anderlecht):
        Participation.objects.create(
            cpas=anderlecht,
            programme=programme,
            beneficiaire=b,
            statut="inscrit",
            date_inscription=today - datetime.timedelta(days=30),
        )
    ctx = DemoContexte(
        rng=random.Random(1), aujourd_hui=today, cpas=[anderlecht, ciney], comptes=comptes
    )
    demo.charger(ctx)

    alpha = Activite.objects.get(titre__startswith="Alpha A1")
    assert alpha.niveau == "A1"
    assert set(alpha.seances.values_list("date__week_day", flat=True)) == {2, 4, 6}  # Mon Wed Fri
    statuts = list(alpha.inscriptions.values_list("statut", flat=True))
    assert statuts.count("inscrit") == 12 and statuts.count("attente") == 1
    assert Presence.objects.filter(seance__activite=alpha).count() > 100
    assert ResumeHebdomadaire.objects.filter(inscription__activite=alpha).exists()

    pre = Activite.objects.get(titre__contains="Cap Condroz")
    assert pre.cpas_participants.filter(code="hamois").exists()
    assert pre.modules.count() == 4
    resultats = list(pre.inscriptions.values_list("resultat", flat=True))
    assert len(resultats) == 20
    assert sum(r in ("acheve", "certificat") for r in resultats) == 10
    # ESF+-funded: entry data for 18 of the 20, results at exit for some of those who left
    donnees = ParticipantFse.objects.filter(numero_projet=pre.numero_projet_fse)
    assert donnees.count() == 18
    assert donnees.filter(sortie_notee_le__isnull=False).exists()
    assert donnees.filter(zone_rurale="oui").count() == 18

    assert Activite.objects.filter(type__code="job_day").exists()
    atelier = Activite.objects.get(programme=programme)
    assert set(
        Inscription.objects.filter(activite=atelier).values_list("beneficiaire", flat=True)
    ) == set(
        Participation.objects.filter(programme=programme).values_list("beneficiaire", flat=True)
    )
