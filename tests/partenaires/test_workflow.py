import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from freezegun import freeze_time

from cpas_isp.celery import app
from cpas_isp.models import Role
from partenaires.models import MessageOrientation, Orientation, StatutOrientation
from partenaires.services import (
    TRANSITIONS,
    TransitionInvalide,
    creer_orientation,
    transition,
    transitions_possibles,
)
from partenaires.tasks import echeances_orientations
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import OrientationFactory, ServiceFactory

S = StatutOrientation
pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return ServiceFactory()


@pytest.fixture
def envoyee(agent, service, cpas_a):
    return creer_orientation(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a),
        service=service,
        agent=agent,
        date_orientation=timezone.localdate(),
        motif="Formation qualifiante",
        envoyer=True,
    )


def test_creating_and_sending_logs_both_steps(envoyee, agent):
    log = list(envoyee.transitions.values_list("de_statut", "vers_statut", "par"))
    assert log == [("", S.PROPOSEE, agent.pk), (S.PROPOSEE, S.ENVOYEE, agent.pk)]
    assert envoyee.date_envoi == timezone.localdate()


def test_full_workflow_to_certificate(envoyee, partenaire_user):
    transition(envoyee, S.ACCEPTEE, par=partenaire_user, commentaire="Bienvenue")
    transition(envoyee, S.EN_COURS, par=partenaire_user)
    o = transition(
        envoyee,
        S.TERMINEE,
        par=partenaire_user,
        resultat="qualification",
        type_qualification="certificat",
    )
    assert o.statut == S.TERMINEE and o.resultat_positif
    assert [t.vers_statut for t in o.transitions.all()][-3:] == [
        S.ACCEPTEE,
        S.EN_COURS,
        S.TERMINEE,
    ]
    assert o.transitions.get(vers_statut=S.ACCEPTEE).commentaire == "Bienvenue"


@pytest.mark.parametrize(
    "de,vers",
    [
        (S.PROPOSEE, S.ACCEPTEE),
        (S.PROPOSEE, S.TERMINEE),
        (S.ENVOYEE, S.TERMINEE),
        (S.ENVOYEE, S.EN_COURS),
        (S.REFUSEE, S.ACCEPTEE),
        (S.TERMINEE, S.EN_COURS),
        (S.ANNULEE, S.ENVOYEE),
        (S.EN_COURS, S.ENVOYEE),
    ],
)
def test_invalid_transitions_are_refused_and_not_logged(agent, de, vers):
    o = OrientationFactory(agent=agent, statut=de, **_champs(de))
    with pytest.raises(TransitionInvalide):
        transition(o, vers, par=agent, resultat="emploi", motif_refus="x")
    o.refresh_from_db()
    assert o.statut == de
    assert not o.transitions.exists()


def _champs(statut):
    champs = {}
    if statut != S.PROPOSEE:
        champs["date_envoi"] = timezone.localdate()
    if statut == S.REFUSEE:
        champs["motif_refus"] = "complet"
    if statut == S.TERMINEE:
        champs["resultat"] = "emploi"
    return champs


def test_partner_cannot_send_or_cancel(envoyee, partenaire_user, agent):
    with pytest.raises(TransitionInvalide):
        transition(envoyee, S.ANNULEE, par=partenaire_user)
    assert S.ANNULEE in transitions_possibles(envoyee, agent)
    assert S.ANNULEE not in transitions_possibles(envoyee, partenaire_user)


def test_only_the_schedule_expires(envoyee, agent):
    with pytest.raises(TransitionInvalide):
        transition(envoyee, S.EXPIREE, par=agent)


def test_refusal_needs_a_reason(envoyee, partenaire_user):
    with pytest.raises(TransitionInvalide) as exc:
        transition(envoyee, S.REFUSEE, par=partenaire_user, motif_refus="  ")
    assert "motif_refus" in exc.value.message_dict
    o = transition(envoyee, S.REFUSEE, par=partenaire_user, motif_refus="Groupe complet")
    assert o.motif_refus == "Groupe complet" and o.date_reponse == timezone.localdate()


def test_qualification_result_needs_its_kind(envoyee, partenaire_user):
    transition(envoyee, S.ACCEPTEE, par=partenaire_user)
    with pytest.raises(TransitionInvalide) as exc:
        transition(envoyee, S.TERMINEE, par=partenaire_user, resultat="qualification")
    assert "type_qualification" in exc.value.message_dict
    with pytest.raises(TransitionInvalide):
        transition(envoyee, S.TERMINEE, par=partenaire_user, resultat="")


def test_database_refuses_unknown_status_and_unexplained_refusal(agent):
    o = OrientationFactory(agent=agent)
    with pytest.raises(IntegrityError), transaction.atomic():
        Orientation.objects.filter(pk=o.pk).update(statut="perdue")
    with pytest.raises(IntegrityError), transaction.atomic():
        Orientation.objects.filter(pk=o.pk).update(statut=S.REFUSEE, date_envoi=o.date_orientation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Orientation.objects.filter(pk=o.pk).update(statut=S.TERMINEE, date_envoi=o.date_orientation)


def test_every_status_is_reachable_from_the_table():
    atteints = {S.PROPOSEE} | {vers for (_de, vers) in TRANSITIONS}
    assert atteints == set(S.values)


# --- deadlines ----------------------------------------------------------------------------


def _envoyer_le(jour, agent, service, cpas):
    with freeze_time(jour):
        return creer_orientation(
            beneficiaire=BeneficiaireFactory(cpas=cpas),
            service=service,
            agent=agent,
            date_orientation=datetime.date.fromisoformat(jour),
            motif="Recherche d'emploi",
            envoyer=True,
        )


def test_reminder_at_half_delay_then_expiry(agent, service, cpas_a, partenaire_user, mailoutbox):
    cpas_a.delai_expiration_orientation = 30
    cpas_a.save()
    o = _envoyer_le("2026-03-02", agent, service, cpas_a)
    mailoutbox.clear()
    with freeze_time("2026-03-16"):  # 14 days: nothing yet
        assert echeances_orientations() == {"rappels": 0, "expirees": 0}
    with freeze_time("2026-03-17 08:00"):  # 15 days: reminder, once
        assert echeances_orientations() == {"rappels": 1, "expirees": 0}
        assert echeances_orientations() == {"rappels": 0, "expirees": 0}
    o.refresh_from_db()
    assert o.rappel_le == datetime.date(2026, 3, 17) and o.statut == S.ENVOYEE
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [partenaire_user.email]
    assert o.beneficiaire.nom not in mailoutbox[0].body  # no personal data by e-mail
    assert MessageOrientation.objects.filter(orientation=o, auteur=None).count() == 1
    with freeze_time("2026-03-31"):  # 29 days
        assert echeances_orientations()["expirees"] == 0
    with freeze_time("2026-04-01"):  # 30 days: expired, logged as automatic
        assert echeances_orientations() == {"rappels": 0, "expirees": 1}
    o.refresh_from_db()
    assert o.statut == S.EXPIREE
    last = o.transitions.last()
    assert (last.de_statut, last.vers_statut, last.par) == (S.ENVOYEE, S.EXPIREE, None)


def test_one_reminder_email_per_partner(agent, service, cpas_a, partenaire_user, mailoutbox):
    for _i in range(3):
        _envoyer_le("2026-03-02", agent, service, cpas_a)
    mailoutbox.clear()
    with freeze_time("2026-03-20"):
        assert echeances_orientations()["rappels"] == 3
    assert len(mailoutbox) == 1 and "3 orientations" in mailoutbox[0].body


def test_delay_is_per_cpas(agent, service, cpas_a, cpas_b, make_user):
    cpas_b.delai_expiration_orientation = 10
    cpas_b.save()
    agent_b = make_user(Role.AGENT, cpas_b)
    a = _envoyer_le("2026-03-02", agent, service, cpas_a)
    b = _envoyer_le("2026-03-02", agent_b, service, cpas_b)
    with freeze_time("2026-03-12"):
        echeances_orientations()
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.statut, b.statut) == (S.ENVOYEE, S.EXPIREE)


def test_answered_referral_never_expires(agent, service, cpas_a, partenaire_user):
    o = _envoyer_le("2026-03-02", agent, service, cpas_a)
    with freeze_time("2026-03-05"):
        transition(o, S.ACCEPTEE, par=partenaire_user)
    with freeze_time("2026-06-01"):
        assert echeances_orientations() == {"rappels": 0, "expirees": 0}


def test_resent_expired_referral_gets_a_new_delay(agent, service, cpas_a):
    o = _envoyer_le("2026-03-02", agent, service, cpas_a)
    with freeze_time("2026-04-01"):
        echeances_orientations()
    with freeze_time("2026-04-02"):
        o = transition(o, S.ENVOYEE, par=agent, commentaire="Relance")
        assert o.date_envoi == datetime.date(2026, 4, 2) and o.rappel_le is None
    with freeze_time("2026-04-20"):
        assert echeances_orientations() == {"rappels": 1, "expirees": 0}


def test_schedule_lives_in_the_database():
    task = PeriodicTask.objects.get(task="partenaires.tasks.echeances_orientations")
    assert task.enabled and task.crontab is not None


def test_task_is_registered_with_celery():
    app.loader.import_default_modules()
    assert "partenaires.tasks.echeances_orientations" in app.tasks
