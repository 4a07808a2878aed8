"""Messages by e-mail, through a real local SMTP server (aiosmtpd): what arrives, ICS included;
the texts in the person's language; a failure recorded, never raised."""

import datetime
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from cpas_isp.models import Role
from rendezvous import envois
from rendezvous.models import Canal, Envoi, NatureEnvoi, StatutEnvoi, StatutRendezVous
from tests.beneficiaires.factories import BeneficiaireFactory

from .factories import lieu, moment, planifier


class Boite:
    """Keeps every message the SMTP server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    boite = Boite()
    with socket.socket() as libre:  # a free port (aiosmtpd checks its own port once started)
        libre.bind(("127.0.0.1", 0))
        port = libre.getsockname()[1]
    controleur = Controller(boite, hostname="127.0.0.1", port=port)
    controleur.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "isp@cpas-alpha.example"
    settings.SITE_URL = "https://isp.cpas-alpha.example"
    yield boite
    controleur.stop()


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


def _personne(cpas, agent, **champs):
    valeurs = {"prenom": "Josiane", "nom": "Vandenberghe", "email": "josiane@example.org"}
    return BeneficiaireFactory(cpas=cpas, referent=agent, **{**valeurs, **champs})


def _rdv(agent, personne, jours=5):
    jour = timezone.localdate() + datetime.timedelta(days=jours)
    bureau = lieu(personne.cpas, nom="Antenne Nord", type="antenne")
    bureau.adresse = "Rue Haute 12, 1000 Bruxelles"
    bureau.save()
    return planifier(agent, personne, moment(jour, "10:00"), lieu=bureau)


def _ics(message):
    for partie in message.walk():
        if partie.get_content_type() == "text/calendar":
            return partie
    return None


def test_convocation_arrives_with_the_appointment_as_ics(smtp, cpas_a, agent):
    personne = _personne(cpas_a, agent)
    rdv = _rdv(agent, personne)
    [envoi] = envois.notifier(
        beneficiaire=personne, nature=NatureEnvoi.CONVOCATION, canaux=[Canal.EMAIL],
        rendez_vous=rdv, par=agent,
    )  # fmt: skip
    assert envoi.statut == StatutEnvoi.ENVOYE and envoi.destinataire == "josiane@example.org"
    assert envoi.envoye_le is not None and envoi.identifiant
    [(destinataires, message)] = smtp.messages
    assert destinataires == ["josiane@example.org"]
    assert message["Subject"] == "Rendez-vous au CPAS d'Alphaville"
    assert message["From"] == "isp@cpas-alpha.example"
    corps = message.get_body(("plain",)).get_content()
    assert "Bonjour Josiane," in corps
    assert "à 10:00" in corps and "Antenne Nord, Rue Haute 12, 1000 Bruxelles" in corps
    assert personne.nom not in corps and personne.niss not in corps
    piece = _ics(message)
    assert piece is not None and piece.get_param("method") == "REQUEST"
    assert piece.get_filename() == "rendez-vous.ics"
    calendrier = piece.get_content()
    debut_utc = rdv.debut.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert "METHOD:REQUEST" in calendrier
    assert f"UID:rendez-vous-{rdv.pk}@isp.cpas-alpha.example" in calendrier
    assert f"DTSTART:{debut_utc}" in calendrier
    assert "ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:josiane@example.org" in calendrier
    assert "Vandenberghe" not in calendrier


def test_cancellation_sends_method_cancel_with_the_same_uid(smtp, cpas_a, agent):
    personne = _personne(cpas_a, agent)
    rdv = _rdv(agent, personne)
    envois.notifier(
        beneficiaire=personne, nature=NatureEnvoi.CONVOCATION, canaux=[Canal.EMAIL],
        rendez_vous=rdv,
    )  # fmt: skip
    rdv.statut = StatutRendezVous.ANNULE_CPAS
    rdv.save()
    envois.notifier(
        beneficiaire=personne, nature=NatureEnvoi.ANNULATION, canaux=[Canal.EMAIL],
        rendez_vous=rdv,
    )  # fmt: skip
    premier, second = (_ics(m) for _d, m in smtp.messages)
    assert second.get_param("method") == "CANCEL"
    texte = second.get_content()
    assert "METHOD:CANCEL" in texte and "STATUS:CANCELLED" in texte
    uid = next(ligne for ligne in premier.get_content().splitlines() if ligne.startswith("UID:"))
    assert uid in texte.splitlines()


def test_dutch_speaking_person_gets_the_dutch_text(smtp, cpas_a, agent):
    personne = _personne(cpas_a, agent, prenom="Jan", langue="nl")
    rdv = _rdv(agent, personne)
    envois.notifier(
        beneficiaire=personne, nature=NatureEnvoi.RAPPEL_RENDEZ_VOUS, canaux=[Canal.EMAIL],
        rendez_vous=rdv,
    )  # fmt: skip
    [(_d, message)] = smtp.messages
    corps = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "Herinnering: afspraak bij CPAS d'Alphaville"
    assert corps.startswith("Beste Jan,")
    mois_nl = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
               "september", "oktober", "november", "december"]  # fmt: skip
    assert mois_nl[rdv.debut.astimezone(timezone.get_current_timezone()).month - 1] in corps


def test_no_address_is_recorded_as_a_failure(smtp, cpas_a, agent):
    personne = _personne(cpas_a, agent, email="")
    rdv = _rdv(agent, personne)
    [envoi] = envois.notifier(
        beneficiaire=personne, nature=NatureEnvoi.CONVOCATION, canaux=[Canal.EMAIL],
        rendez_vous=rdv,
    )  # fmt: skip
    assert (envoi.statut, envoi.erreur) == (StatutEnvoi.ECHEC, "pas d'adresse e-mail")
    assert smtp.messages == []


def test_unreachable_smtp_server_is_a_failure_not_an_exception(settings, cpas_a, agent):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    personne = _personne(cpas_a, agent)
    envoi = envois.envoyer(
        beneficiaire=personne, canal=Canal.EMAIL, nature=NatureEnvoi.CONFIRMATION,
        sujet="Sujet", texte="Texte", rendez_vous=_rdv(agent, personne),
    )  # fmt: skip
    envoi.refresh_from_db()
    assert envoi.statut == StatutEnvoi.ECHEC
    assert envoi.erreur.startswith("serveur d'e-mail injoignable ou en erreur")
    assert Envoi.objects.count() == 1
