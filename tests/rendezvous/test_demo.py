"""The demo agendas: three months of appointments with realistic outcomes."""

import datetime
import random

from django.db.models import Count, Q
from django.utils import timezone
from freezegun import freeze_time

from cpas_isp.management.commands.demo_data import DemoContexte
from cpas_isp.models import Role
from rendezvous import demo
from rendezvous.models import Agenda, Participant, RendezVous
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import PassageFactory
from trajets.models import Etape


# The outcomes are drawn from ctx.rng along the calendar (weekdays, slots, the weekly session):
# the share of no-shows depends on the day the demo is loaded, so the test loads it on a fixed
# day (at the real date it ranged 22.6-24.4 % over 25 days of 2026).
@freeze_time("2026-03-18 10:30", tick=True)
def test_demo_gives_three_months_with_11_to_24_percent_no_shows(cpas_a, make_user):
    today = timezone.localdate()
    agents = [make_user(Role.AGENT, cpas_a, cellule="facilitateurs") for _ in range(2)]
    for _ in range(40):
        PassageFactory(
            beneficiaire=BeneficiaireFactory(cpas=cpas_a),
            phase="facilitateur",
            debut=today - datetime.timedelta(days=200),
        )
    ctx = DemoContexte(rng=random.Random(1), aujourd_hui=today, cpas=[cpas_a])
    demo.charger(ctx)
    assert Agenda.objects.filter(agent__in=agents).count() == 2
    assert Agenda.objects.filter(cellule__code="facilitateurs").exists()
    rdvs = RendezVous.objects.filter(cpas=cpas_a)
    premier, dernier = rdvs.order_by("debut").first(), rdvs.order_by("debut").last()
    assert (
        timezone.localtime(dernier.debut).date() - timezone.localtime(premier.debut).date()
    ).days > 80
    passes = rdvs.filter(debut__lt=timezone.now(), statut__in=["vu", "absent", "excuse"])
    chiffres = passes.aggregate(
        total=Count("id"), manques=Count("id", filter=Q(statut__in=["absent", "excuse"]))
    )
    assert chiffres["total"] > 100
    assert 0.11 <= chiffres["manques"] / chiffres["total"] <= 0.24
    # every recorded outcome (each participant's, collective sessions included) has its
    # journal step, on the person's stay
    issues = Participant.objects.filter(cpas=cpas_a).exclude(issue="")
    assert Etape.objects.filter(cpas=cpas_a).count() == issues.count() > chiffres["total"]
    # the facilitateurs' collective sessions, each participant with their own outcome
    seances = rdvs.filter(type__code="information_collective", debut__lt=timezone.now())
    assert seances.exists()
    assert issues.filter(rendez_vous__in=seances).values("issue").distinct().count() > 1
    assert not Participant.objects.filter(
        rendez_vous__statut__in=["vu", "absent", "excuse"], etape=None
    ).exists()
    assert rdvs.filter(debut__gt=timezone.now(), statut__in=["planifie", "confirme"]).exists()
    # an invitation to a first ISP interview in the cellule's agenda has slots to offer
    from rendezvous.queries import creneaux_pour

    cellule = Agenda.objects.get(cellule__code="facilitateurs", cpas=cpas_a)
    assert len(creneaux_pour(cellule, 30)) >= 10


def test_demo_has_pending_booked_expired_invitations_and_convocations(cpas_a, make_user):
    from rendezvous.models import Invitation
    from tests.beneficiaires.factories import DroitFactory

    today = timezone.localdate()
    make_user(Role.AGENT, cpas_a, cellule="facilitateurs")
    for _ in range(30):
        b = BeneficiaireFactory(cpas=cpas_a)
        PassageFactory(
            beneficiaire=b, phase="facilitateur", debut=today - datetime.timedelta(days=9)
        )
        DroitFactory(beneficiaire=b, debut=today - datetime.timedelta(days=10))
    ctx = DemoContexte(rng=random.Random(2), aujourd_hui=today, cpas=[cpas_a])
    demo.charger(ctx)
    invitations = Invitation.objects.filter(cpas=cpas_a)
    assert invitations.filter(mode="convocation", rendez_vous__origine="convocation").exists()
    assert invitations.filter(
        mode="invitation", statut="reservee", rendez_vous__origine="invitation"
    ).exists()
    assert invitations.filter(statut="expiree").exists()
    assert invitations.filter(statut="en_attente", expire_le__gt=timezone.now()).exists()


def test_demo_records_the_reminders_sent_and_the_cpas_settings(cpas_a, make_user):
    from rendezvous.models import CanauxDuType, Envoi, ParametresRendezVous

    today = timezone.localdate()
    make_user(Role.AGENT, cpas_a, cellule="facilitateurs")
    for i in range(15):
        PassageFactory(
            beneficiaire=BeneficiaireFactory(
                cpas=cpas_a, email=f"p{i}@example.org", telephone="0470 12 34 56"
            ),
            phase="facilitateur",
            debut=today - datetime.timedelta(days=200),
        )
    demo.charger(DemoContexte(rng=random.Random(2), aujourd_hui=today, cpas=[cpas_a]))
    assert ParametresRendezVous.objects.filter(cpas=cpas_a).exists()
    assert CanauxDuType.objects.filter(cpas=cpas_a, type__code="information_collective").exists()
    envois = Envoi.objects.filter(cpas=cpas_a)
    assert envois.filter(canal="email", statut="envoye").exists()
    assert envois.filter(canal="sms", statut="delivre").exists()
    # Reminders only for appointments whose reminder day has come, once per person and channel
    # (each participant of a collective session gets theirs).
    rappels = envois.filter(nature="rappel_rdv")
    assert not rappels.filter(rendez_vous__debut__gt=timezone.now() + datetime.timedelta(days=2))
    assert (
        rappels.count() == rappels.values("rendez_vous", "beneficiaire", "canal").distinct().count()
    )
