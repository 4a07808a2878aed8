"""The daily reminders: appointments in two days, invitations on their third day; sent once,
opt-out respected, a killed run resumed."""

import datetime
import secrets

import pytest
from django.core import mail
from django.utils import timezone

from cpas_isp.models import Role
from rendezvous import queries, rappels, tasks
from rendezvous.models import (
    CanauxDuType,
    Envoi,
    Invitation,
    NatureEnvoi,
    ParametresRendezVous,
    StatutEnvoi,
    StatutRendezVous,
)
from rendezvous.sms import MemoireBackend
from tests.beneficiaires.factories import BeneficiaireFactory

from .factories import moment, planifier, type_rdv


@pytest.fixture(autouse=True)
def _canaux(settings):
    settings.SMS_BACKEND = "rendezvous.sms.MemoireBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MemoireBackend.outbox = []


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


def _personne(cpas, agent, **champs):
    valeurs = {"prenom": "Josiane", "email": "josiane@example.org", "telephone": "0470123456"}
    return BeneficiaireFactory(cpas=cpas, referent=agent, **{**valeurs, **champs})


def _dans(jours, heure="10:00"):
    """Computed when the test runs (date runs move the clock)."""
    return moment(timezone.localdate() + datetime.timedelta(days=jours), heure)


def _invitation(personne, agent, *, cree_il_y_a, expire_dans, canaux=("email", "sms")):
    invitation = Invitation.objects.create(
        cpas=personne.cpas,
        beneficiaire=personne,
        mode="invitation",
        type=type_rdv(),
        agenda=queries.agenda_de(agent, personne.cpas_id),
        canaux=list(canaux),
        jeton=secrets.token_hex(32),
        expire_le=timezone.now() + expire_dans,
        cree_par=agent,
    )
    Invitation.objects.filter(pk=invitation.pk).update(cree_le=timezone.now() - cree_il_y_a)
    return invitation


# --- Appointments ---------------------------------------------------------------------------


def test_appointment_in_two_days_is_reminded_once_by_email_and_sms(cpas_a, agent):
    personne = _personne(cpas_a, agent)
    rdv = planifier(agent, personne, _dans(2, "09:30"))
    premier = rappels.envoyer_rappels()
    assert premier["nouveaux"] == 2 and premier[StatutEnvoi.ENVOYE] == 2
    second = rappels.envoyer_rappels()
    assert second["nouveaux"] == 0 and second[StatutEnvoi.ENVOYE] == 0
    assert sorted(Envoi.objects.values_list("canal", "nature", "statut", "rendez_vous")) == [
        ("email", "rappel_rdv", "envoye", rdv.pk),
        ("sms", "rappel_rdv", "envoye", rdv.pk),
    ]
    [courriel] = mail.outbox
    assert courriel.to == ["josiane@example.org"]
    assert courriel.subject == "Rappel : rendez-vous au CPAS d'Alphaville"
    assert "à 09:30" in courriel.body
    [(_nom, ics, type_mime)] = [(a.get_filename(), a.get_payload(decode=True), a.get_content_type())
                                 for a in courriel.attachments]  # fmt: skip
    assert type_mime == "text/calendar" and b"METHOD:REQUEST" in ics
    [sms] = MemoireBackend.outbox
    assert sms["to"] == "+32470123456" and sms["text"].startswith("Rappel Josiane :")


@pytest.mark.parametrize("jours", [0, 1, 3, 7])
def test_only_appointments_two_days_ahead_are_reminded(cpas_a, agent, jours):
    planifier(agent, _personne(cpas_a, agent), _dans(jours))
    assert rappels.preparer() == 0


def test_day_boundaries_are_the_cpas_local_date(cpas_a, agent):
    personne = _personne(cpas_a, agent)
    planifier(agent, personne, _dans(2, "00:00"))
    planifier(agent, personne, _dans(2, "23:30"))
    planifier(agent, personne, _dans(3, "00:00"))
    assert rappels.preparer() == 4  # two appointments x two channels


def test_person_who_refused_reminders_gets_none(cpas_a, agent):
    planifier(agent, _personne(cpas_a, agent, refuse_rappels=True), _dans(2))
    assert rappels.envoyer_rappels()["nouveaux"] == 0
    assert mail.outbox == [] and MemoireBackend.outbox == []


def test_cancelled_appointment_is_not_reminded(cpas_a, agent):
    rdv = planifier(agent, _personne(cpas_a, agent), _dans(2))
    rdv.statut = StatutRendezVous.ANNULE_PERSONNE
    rdv.save()
    assert rappels.preparer() == 0


def test_only_the_channels_of_the_kind_and_reachable_ones(cpas_a, agent):
    sans_email = _personne(cpas_a, agent, email="")
    planifier(agent, sans_email, _dans(2))
    assert rappels.preparer() == 1  # SMS only: no address
    Envoi.objects.all().delete()
    CanauxDuType.objects.create(cpas=cpas_a, type=type_rdv(), canaux=["email", "lettre"])
    assert rappels.preparer() == 0  # the kind's channels: e-mail only, and no address
    avec_email = _personne(cpas_a, agent, nom="Autre", prenom="Marc")
    planifier(agent, avec_email, _dans(2, "15:00"))
    assert rappels.preparer() == 1
    assert Envoi.objects.get().canal == "email"


def test_cpas_without_electronic_channels_sends_no_reminder(cpas_a, agent):
    ParametresRendezVous.objects.create(cpas=cpas_a, canaux=["lettre"])
    planifier(agent, _personne(cpas_a, agent), _dans(2))
    assert rappels.preparer() == 0


def test_each_person_of_a_collective_session_is_reminded(cpas_a, agent):
    personnes = [_personne(cpas_a, agent, nom=f"Nom{i}", telephone="") for i in range(3)]
    planifier(agent, personnes, _dans(2), code="information_collective")
    rappels.envoyer_rappels()
    assert sorted(m.to[0] for m in mail.outbox) == ["josiane@example.org"] * 3
    assert Envoi.objects.filter(statut="envoye").count() == 3


def test_a_killed_run_is_resumed_by_the_next_one(cpas_a, agent):
    personne = _personne(cpas_a, agent)
    planifier(agent, personne, _dans(2))
    rappels.preparer()  # the worker dies before sending
    assert set(Envoi.objects.values_list("statut", flat=True)) == {StatutEnvoi.A_ENVOYER}
    resultat = tasks.envoyer_rappels()
    assert resultat["nouveaux"] == 0 and resultat[StatutEnvoi.ENVOYE] == 2
    assert len(mail.outbox) == 1 and len(MemoireBackend.outbox) == 1


def test_a_row_left_to_send_after_a_cancellation_is_not_sent(cpas_a, agent):
    rdv = planifier(agent, _personne(cpas_a, agent), _dans(2))
    rappels.preparer()
    rdv.statut = StatutRendezVous.ANNULE_CPAS
    rdv.save()
    rappels.envoyer_en_attente()
    assert mail.outbox == [] and MemoireBackend.outbox == []
    assert set(Envoi.objects.values_list("statut", "erreur")) == {
        (StatutEnvoi.ECHEC, "rendez-vous annulé ou passé")
    }


def test_bad_number_is_a_recorded_failure_the_email_still_goes(cpas_a, agent):
    planifier(agent, _personne(cpas_a, agent, telephone="02 512 34 56"), _dans(2))
    rappels.envoyer_rappels()
    assert dict(Envoi.objects.values_list("canal", "statut")) == {"email": "envoye", "sms": "echec"}
    assert len(mail.outbox) == 1


# --- Invitations ----------------------------------------------------------------------------

JOUR = datetime.timedelta(days=1)


def test_unanswered_invitation_is_reminded_on_day_three(cpas_a, agent):
    invitation = _invitation(
        _personne(cpas_a, agent), agent, cree_il_y_a=2 * JOUR, expire_dans=8 * JOUR
    )
    resultat = rappels.envoyer_rappels()
    assert resultat["nouveaux"] == 2 and resultat[StatutEnvoi.ENVOYE] == 2
    invitation.refresh_from_db()
    assert invitation.relance_le is not None
    assert set(Envoi.objects.values_list("nature", "invitation")) == {
        (NatureEnvoi.RAPPEL_INVITATION, invitation.pk)
    }
    [courriel] = mail.outbox
    assert courriel.subject == "Rappel : choisissez votre rendez-vous au CPAS d'Alphaville"
    assert rappels.envoyer_rappels()["nouveaux"] == 0
    assert len(mail.outbox) == 1


def test_invitation_is_not_reminded_before_day_three(cpas_a, agent):
    _invitation(_personne(cpas_a, agent), agent, cree_il_y_a=JOUR, expire_dans=9 * JOUR)
    assert rappels.preparer() == 0


def test_invitation_valid_less_than_two_more_days_is_not_reminded(cpas_a, agent):
    personne = _personne(cpas_a, agent)
    _invitation(personne, agent, cree_il_y_a=2 * JOUR, expire_dans=JOUR + JOUR / 2)
    assert rappels.preparer() == 0
    _invitation(personne, agent, cree_il_y_a=2 * JOUR, expire_dans=2 * JOUR + JOUR / 24)
    assert rappels.preparer() == 2


def test_invitation_already_reminded_or_booked_is_not_reminded(cpas_a, agent):
    personne = _personne(cpas_a, agent)
    relancee = _invitation(personne, agent, cree_il_y_a=3 * JOUR, expire_dans=5 * JOUR)
    Invitation.objects.filter(pk=relancee.pk).update(relance_le=timezone.now() - JOUR)
    reservee = _invitation(personne, agent, cree_il_y_a=3 * JOUR, expire_dans=5 * JOUR)
    Invitation.objects.filter(pk=reservee.pk).update(statut="annulee")
    assert rappels.preparer() == 0


def test_invitation_reminder_uses_its_own_channels(cpas_a, agent):
    personne = _personne(cpas_a, agent)
    _invitation(personne, agent, cree_il_y_a=2 * JOUR, expire_dans=8 * JOUR, canaux=["sms"])
    assert rappels.preparer() == 1
    assert Envoi.objects.get().canal == "sms"


def test_invitation_reminder_respects_the_opt_out(cpas_a, agent):
    personne = _personne(cpas_a, agent, refuse_rappels=True)
    _invitation(personne, agent, cree_il_y_a=2 * JOUR, expire_dans=8 * JOUR)
    assert rappels.preparer() == 0


def test_schedule_runs_the_task_every_day(db):
    from django_celery_beat.models import PeriodicTask

    tache = PeriodicTask.objects.get(task="rendezvous.envoyer_rappels")
    assert tache.enabled and tache.crontab.hour == "10" and tache.crontab.day_of_week == "*"


def test_envoyer_a_reminder_twice_returns_the_first_record(cpas_a, agent):
    from rendezvous import envois

    personne = _personne(cpas_a, agent)
    rdv = planifier(agent, personne, _dans(2))
    champs = {"beneficiaire": personne, "canal": "email", "nature": NatureEnvoi.RAPPEL_RENDEZ_VOUS,
              "sujet": "S", "texte": "T", "rendez_vous": rdv}  # fmt: skip
    premier = envois.envoyer(**champs)
    assert envois.envoyer(**champs).pk == premier.pk
    assert len(mail.outbox) == 1


def test_invitation_reminder_carries_the_same_working_booking_link(cpas_a, agent, settings):
    """The link's token is signed from a random value (HMAC with the SECRET_KEY): the reminder
    writes the same link as the invitation, and it opens the invitation."""
    from rendezvous import services_invitations

    settings.SITE_URL = "https://isp.cpas-alpha.example"
    personne = _personne(cpas_a, agent)
    invitation, jeton = services_invitations.inviter(
        personne, queries.agenda_de(agent, cpas_a.pk), type_rdv(), ["email", "sms"], agent
    )
    Invitation.objects.filter(pk=invitation.pk).update(cree_le=timezone.now() - 2 * JOUR)
    mail.outbox = []
    MemoireBackend.outbox = []
    assert rappels.envoyer_rappels()["nouveaux"] == 2
    lien = f"https://isp.cpas-alpha.example/rendezvous/rdv/{jeton}/"
    [courriel] = mail.outbox
    assert lien in courriel.body
    [sms] = MemoireBackend.outbox
    assert lien in sms["text"]
    assert services_invitations.invitation_du_jeton(jeton) == invitation
    # Reprinting the letter gives the same link; nothing but its hash is in the database.
    invitation.refresh_from_db()
    assert services_invitations.nouveau_lien(invitation) == jeton
    assert jeton not in {invitation.jeton, invitation.sel}


def test_a_link_that_cannot_be_written_again_is_left_out(cpas_a, agent, settings):
    """A token stored only as its hash (an older invitation, or an anonymised one whose values
    were erased): no link is made up."""
    from rendezvous import services_invitations

    settings.SITE_URL = "https://isp.cpas-alpha.example"
    invitation = _invitation(
        _personne(cpas_a, agent), agent, cree_il_y_a=2 * JOUR, expire_dans=8 * JOUR
    )
    assert services_invitations.lien_de(invitation) == ""
    Invitation.objects.filter(pk=invitation.pk).update(sel="—")
    invitation.refresh_from_db()
    assert services_invitations.lien_de(invitation) == ""
