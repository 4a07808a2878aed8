"""The daily task notifies PIIS signatures and evaluations due within 7 days and article 60
contracts ending within 30 days, once: a second run (or the next day's) creates nothing new."""

import datetime

from django_celery_beat.models import PeriodicTask
from freezegun import freeze_time

from cpas_isp.models import NatureNotification, Notification, Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import ContratFactory, PiisFactory
from trajets.models import EvaluationPiis, StatutPiis
from trajets.services.notifications import notifier_echeances
from trajets.tasks import notifier_echeances as tache

N = NatureNotification
JOUR = datetime.date(2026, 3, 10)


def _donnees(cpas, agent, referent):
    b = BeneficiaireFactory(cpas=cpas, referent=referent)
    # Decision 12/12/2025: signature due 12/03/2026, within 7 days of 10/03.
    a_signer = PiisFactory(
        beneficiaire=b, agent=agent, date_decision_ris=datetime.date(2025, 12, 12)
    )
    # Due 20/03: outside the window.
    PiisFactory(beneficiaire=b, agent=agent, date_decision_ris=datetime.date(2025, 12, 20))
    signe = PiisFactory(
        beneficiaire=b,
        agent=agent,
        statut=StatutPiis.SIGNE,
        date_proposition=datetime.date(2025, 12, 1),
        date_signature=datetime.date(2025, 12, 8),
        debut=datetime.date(2025, 12, 8),
        date_decision_ris=datetime.date(2025, 11, 20),
    )
    evaluation = EvaluationPiis.objects.create(
        cpas=cpas, piis=signe, date_prevue=datetime.date(2026, 3, 17)
    )
    EvaluationPiis.objects.create(  # already held
        cpas=cpas,
        piis=signe,
        date_prevue=datetime.date(2026, 3, 11),
        date_tenue=datetime.date(2026, 3, 9),
    )
    EvaluationPiis.objects.create(cpas=cpas, piis=signe, date_prevue=datetime.date(2026, 3, 18))
    contrat = ContratFactory(
        beneficiaire=b, debut=datetime.date(2025, 4, 1), fin_prevue=datetime.date(2026, 4, 9)
    )
    ContratFactory(  # ends in 31 days
        beneficiaire=BeneficiaireFactory(cpas=cpas, referent=referent),
        debut=datetime.date(2025, 4, 1),
        fin_prevue=datetime.date(2026, 4, 10),
    )
    return a_signer, evaluation, contrat


def test_due_dates_notify_the_social_worker_and_the_referent_once(cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a)
    referent = make_user(Role.AGENT, cpas_a)
    a_signer, evaluation, contrat = _donnees(cpas_a, agent, referent)
    with freeze_time("2026-03-10 06:30"):
        assert notifier_echeances(JOUR) == {
            N.PIIS_SIGNATURE: 2,
            N.PIIS_EVALUATION: 2,
            N.ARTICLE60_FIN: 1,
        }
        assert notifier_echeances(JOUR) == {
            N.PIIS_SIGNATURE: 0,
            N.PIIS_EVALUATION: 0,
            N.ARTICLE60_FIN: 0,
        }
    # The next day, the same due dates are still in the window: nothing new for them; what
    # enters the window now is notified (the evaluation of 18/03, the contract ending 10/04).
    assert notifier_echeances(JOUR + datetime.timedelta(days=1)) == {
        N.PIIS_SIGNATURE: 0,
        N.PIIS_EVALUATION: 2,
        N.ARTICLE60_FIN: 1,
    }
    signature = Notification.objects.filter(nature=N.PIIS_SIGNATURE)
    assert {n.destinataire_id for n in signature} == {agent.pk, referent.pk}
    assert {n.object_id for n in signature} == {a_signer.pk}
    assert signature[0].lien == f"/trajets/piis/{a_signer.pk}/"
    assert signature[0].cle == f"piis:{a_signer.pk}:signature:2026-03-12"
    assert {
        n.object_id
        for n in Notification.objects.filter(nature=N.PIIS_EVALUATION, cree_le__date=JOUR)
    } == {evaluation.pk}
    fin = Notification.objects.filter(nature=N.ARTICLE60_FIN, object_id=contrat.pk).get()
    assert fin.destinataire_id == referent.pk and fin.lien == f"/trajets/article60/{contrat.pk}/"


def test_a_moved_due_date_is_notified_again(cpas_a, make_user):
    referent = make_user(Role.AGENT, cpas_a)
    contrat = ContratFactory(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=referent),
        debut=datetime.date(2025, 4, 1),
        fin_prevue=datetime.date(2026, 3, 20),
    )
    notifier_echeances(JOUR)
    contrat.fin_prevue = datetime.date(2026, 3, 27)
    contrat.save()
    assert notifier_echeances(JOUR)[N.ARTICLE60_FIN] == 1
    assert Notification.objects.filter(destinataire=referent).count() == 2


def test_the_task_is_scheduled_daily_and_runs(cpas_a):
    planifiee = PeriodicTask.objects.get(task="trajets.notifier_echeances")
    assert planifiee.enabled and planifiee.crontab.hour == "6"
    with freeze_time("2026-03-10 06:30"):
        assert tache() == {N.PIIS_SIGNATURE: 0, N.PIIS_EVALUATION: 0, N.ARTICLE60_FIN: 0}


def test_demo_fills_the_bell_with_last_months_answers_and_the_due_dates(cpas_a, make_user):
    import random

    from cpas_isp.management.commands.demo_data import DemoContexte
    from tests.partenaires.factories import OrientationFactory
    from trajets.demo import _notifications

    agent, referent = make_user(Role.AGENT, cpas_a), make_user(Role.AGENT, cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a, referent=referent)
    recente = OrientationFactory(
        beneficiaire=b,
        agent=agent,
        statut="acceptee",
        date_reponse=JOUR - datetime.timedelta(days=2),
    )
    OrientationFactory(
        beneficiaire=b, agent=agent, statut="refusee", motif_refus="complet",
        date_reponse=JOUR - datetime.timedelta(days=40),
    )  # fmt: skip
    with freeze_time(JOUR):
        _notifications(DemoContexte(rng=random.Random(1), aujourd_hui=JOUR, cpas=[cpas_a]))
    reponses = Notification.objects.filter(nature=N.ORIENTATION_REPONSE)
    assert sorted(reponses.values_list("destinataire_id", "object_id")) == sorted(
        [(agent.pk, recente.pk), (referent.pk, recente.pk)]
    )
