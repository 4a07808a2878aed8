"""SMS: the HTTP backend against a local provider (http.server in a thread), the signed delivery
report, the console/file backend, and Belgian phone numbers."""

import datetime
import http.server
import json
import threading

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from beneficiaires import telephone
from cpas_isp.models import Role
from rendezvous import envois
from rendezvous.models import Canal, Envoi, NatureEnvoi, StatutEnvoi
from rendezvous.views.sms import signature
from tests.beneficiaires.factories import BeneficiaireFactory

from .factories import moment, planifier

SECRET = "secret-partage-du-fournisseur"


class Fournisseur(http.server.BaseHTTPRequestHandler):
    """A provider: answers what ``reponses`` says (status, body), records every request."""

    recues: list = []
    reponse = (200, {"id": "msg-1", "status": "queued"})
    delai = 0

    def do_POST(self):  # noqa: N802 (http.server's name)
        corps = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).recues.append((dict(self.headers), json.loads(corps)))
        if self.delai:
            threading.Event().wait(self.delai)
        code, reponse = self.reponse
        donnees = reponse if isinstance(reponse, bytes) else json.dumps(reponse).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(donnees)))
        self.end_headers()
        self.wfile.write(donnees)

    def log_message(self, *args):
        pass


@pytest.fixture
def fournisseur(settings):
    Fournisseur.recues = []
    Fournisseur.reponse = (200, {"id": "msg-1", "status": "queued"})
    Fournisseur.delai = 0
    serveur = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fournisseur)
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    settings.SMS_BACKEND = "rendezvous.sms.HttpBackend"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{serveur.server_address[1]}/v1/sms"
    settings.SMS_HTTP_TOKEN = "jeton-api"
    settings.SMS_SENDER = "CPAS"
    settings.SMS_HTTP_TIMEOUT = 2
    settings.SMS_CALLBACK_SECRET = SECRET
    yield Fournisseur
    serveur.shutdown()
    serveur.server_close()


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


@pytest.fixture
def personne(cpas_a, agent):
    return BeneficiaireFactory(
        cpas=cpas_a, referent=agent, prenom="Josiane", telephone="0470 12 34 56"
    )


@pytest.fixture
def rdv(agent, personne):
    jour = timezone.localdate() + datetime.timedelta(days=4)
    return planifier(agent, personne, moment(jour, "14:30"))


def _sms(personne, rdv):
    [envoi] = envois.notifier(
        beneficiaire=personne, nature=NatureEnvoi.CONVOCATION, canaux=[Canal.SMS],
        rendez_vous=rdv,
    )  # fmt: skip
    return envoi


def test_sms_goes_to_the_provider_as_json_with_the_token(fournisseur, personne, rdv):
    envoi = _sms(personne, rdv)
    [(entetes, corps)] = fournisseur.recues
    assert entetes["Authorization"] == "Bearer jeton-api"
    assert corps["to"] == "+32470123456" and corps["from"] == "CPAS"
    assert corps["text"].startswith("Josiane, le CPAS d'Alphaville vous donne rendez-vous le ")
    assert "à 14:30" in corps["text"] and personne.nom not in corps["text"]
    envoi.refresh_from_db()
    assert (envoi.statut, envoi.identifiant, envoi.destinataire) == (
        StatutEnvoi.ENVOYE, "msg-1", "+32470123456",
    )  # fmt: skip


@pytest.mark.parametrize(
    "reponse, debut_erreur",
    [
        ((500, {"error": "internal"}), "Fournisseur SMS : erreur HTTP 500"),
        ((401, b"unauthorized"), "Fournisseur SMS : erreur HTTP 401 unauthorized"),
        ((200, b"<html>not json</html>"), "Fournisseur SMS : réponse illisible."),
        ((200, {"id": "x", "status": "rejected", "error": "blacklisted"}),
         "Fournisseur SMS : message refusé (blacklisted)."),
    ],
)  # fmt: skip
def test_provider_errors_are_recorded_failures(fournisseur, personne, rdv, reponse, debut_erreur):
    fournisseur.reponse = reponse
    envoi = _sms(personne, rdv)
    envoi.refresh_from_db()
    assert envoi.statut == StatutEnvoi.ECHEC
    assert envoi.erreur.startswith(debut_erreur)


def test_provider_timeout_is_a_recorded_failure(fournisseur, settings, personne, rdv):
    settings.SMS_HTTP_TIMEOUT = 0.3
    fournisseur.delai = 1.5
    envoi = _sms(personne, rdv)
    assert envoi.statut == StatutEnvoi.ECHEC
    assert envoi.erreur.startswith("Fournisseur SMS injoignable")


def test_provider_down_is_a_recorded_failure(settings, personne, rdv):
    settings.SMS_BACKEND = "rendezvous.sms.HttpBackend"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/v1/sms"
    envoi = _sms(personne, rdv)
    assert envoi.statut == StatutEnvoi.ECHEC
    assert envoi.erreur.startswith("Fournisseur SMS injoignable")


def test_landline_gets_no_sms(fournisseur, personne, rdv):
    personne.telephone = "02 512 34 56"
    envoi = _sms(personne, rdv)
    assert (envoi.statut, envoi.erreur) == (StatutEnvoi.ECHEC, "pas de numéro de GSM valable")
    assert fournisseur.recues == []


# --- Delivery reports ----------------------------------------------------------------------------


def _rapport(corps: dict, secret=SECRET, entete=None):
    donnees = json.dumps(corps).encode()
    return Client().post(
        reverse("rendezvous:sms_statut"),
        donnees,
        content_type="application/json",
        headers={"X-Signature": entete if entete is not None else signature(donnees, secret)},
    )


def test_signed_report_marks_the_message_delivered(fournisseur, personne, rdv):
    envoi = _sms(personne, rdv)
    reponse = _rapport({"id": "msg-1", "status": "delivered"})
    assert reponse.status_code == 200
    envoi.refresh_from_db()
    assert envoi.statut == StatutEnvoi.DELIVRE and envoi.statut_le is not None
    # Repeated, then late "sent": nothing moves back.
    assert _rapport({"id": "msg-1", "status": "delivered"}).status_code == 200
    assert _rapport({"id": "msg-1", "status": "sent"}).status_code == 200
    envoi.refresh_from_db()
    assert envoi.statut == StatutEnvoi.DELIVRE


def test_failed_report_records_the_reason(fournisseur, personne, rdv):
    envoi = _sms(personne, rdv)
    _rapport({"id": "msg-1", "status": "undelivered", "error": "absent subscriber"})
    envoi.refresh_from_db()
    assert (envoi.statut, envoi.erreur) == (StatutEnvoi.ECHEC, "SMS : absent subscriber")


@pytest.mark.parametrize("entete", ["", "0" * 64, "sha256=abc", "é" * 64])
def test_bad_signature_is_refused_and_changes_nothing(fournisseur, personne, rdv, entete):
    envoi = _sms(personne, rdv)
    assert _rapport({"id": "msg-1", "status": "delivered"}, entete=entete).status_code == 403
    assert _rapport({"id": "msg-1", "status": "delivered"}, secret="autre").status_code == 403
    envoi.refresh_from_db()
    assert envoi.statut == StatutEnvoi.ENVOYE


def test_report_endpoint_is_closed_without_a_secret(fournisseur, settings, personne, rdv):
    _sms(personne, rdv)
    settings.SMS_CALLBACK_SECRET = ""
    assert _rapport({"id": "msg-1", "status": "delivered"}, secret="x").status_code == 404
    assert Envoi.objects.get().statut == StatutEnvoi.ENVOYE


def test_report_of_an_unknown_message_is_404_and_garbage_400(db, fournisseur):
    assert _rapport({"id": "inconnu", "status": "delivered"}).status_code == 404
    assert _rapport({"id": "msg\x00-1", "status": "delivered"}).status_code == 404
    donnees = b"pas du json"
    reponse = Client().post(
        reverse("rendezvous:sms_statut"), donnees, content_type="application/json",
        headers={"X-Signature": signature(donnees, SECRET)},
    )  # fmt: skip
    assert reponse.status_code == 400


# --- Console / file backend ----------------------------------------------------------------------


def test_file_backend_writes_one_json_line_per_sms(settings, tmp_path, personne, rdv):
    settings.SMS_BACKEND = "rendezvous.sms.ConsoleBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    envoi = _sms(personne, rdv)
    [ligne] = (tmp_path / "sms.jsonl").read_text().splitlines()
    ecrit = json.loads(ligne)
    assert ecrit["to"] == "+32470123456" and ecrit["id"] == envoi.identifiant
    assert envoi.statut == StatutEnvoi.ENVOYE


# --- Phone numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "saisi, e164, gsm",
    [
        ("0470 12 34 56", "+32470123456", "+32470123456"),
        ("0470/12.34.56", "+32470123456", "+32470123456"),
        ("+32 470 12 34 56", "+32470123456", "+32470123456"),
        ("0032470123456", "+32470123456", "+32470123456"),
        ("02 512 34 56", "+3225123456", None),
        ("+33 6 12 34 56 78", "+33612345678", "+33612345678"),
        ("0470 12 34", None, None),
        ("bonjour", None, None),
        ("", None, None),
    ],
)
def test_numbers_are_validated_and_normalised(saisi, e164, gsm):
    assert telephone.normaliser(saisi) == e164
    assert telephone.gsm(saisi) == gsm
