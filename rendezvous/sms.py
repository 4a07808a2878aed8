"""SMS backends: ``send(number, text) -> (id, status)``, chosen by the ``SMS_BACKEND`` setting
(a dotted path). A backend raises ``ErreurSms`` (with a message for the person who reads the
record of messages sent) when the message could not be handed over.

- ``ConsoleBackend`` (development default): prints the message, or appends it as one JSON line to
  ``SMS_FILE_PATH`` when that setting is set;
- ``MemoireBackend``: keeps the messages in ``MemoireBackend.outbox`` (tests, benchmarks);
- ``HttpBackend``: a provider's HTTP API: JSON POST to ``SMS_HTTP_URL`` with the bearer token
  ``SMS_HTTP_TOKEN``; the answer's ``id`` and ``status`` are kept. Delivery reports come back
  through ``rendezvous.views.sms.statut`` (signed with ``SMS_CALLBACK_SECRET``).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from rendezvous.models import StatutEnvoi

logger = logging.getLogger(__name__)

# The provider's words for a message's state, in ours (anything else: sent, no news yet).
STATUTS_FOURNISSEUR = {
    "accepted": StatutEnvoi.ENVOYE,
    "queued": StatutEnvoi.ENVOYE,
    "scheduled": StatutEnvoi.ENVOYE,
    "sent": StatutEnvoi.ENVOYE,
    "buffered": StatutEnvoi.ENVOYE,
    "delivered": StatutEnvoi.DELIVRE,
    "failed": StatutEnvoi.ECHEC,
    "rejected": StatutEnvoi.ECHEC,
    "undelivered": StatutEnvoi.ECHEC,
    "expired": StatutEnvoi.ECHEC,
}


def statut_du_fournisseur(statut) -> str:
    return STATUTS_FOURNISSEUR.get(str(statut or "").strip().lower(), StatutEnvoi.ENVOYE)


class ErreurSms(Exception):
    """The message could not be handed over to the provider."""


class BackendSms:
    def send(self, number: str, text: str) -> tuple[str, str]:
        raise NotImplementedError

    def close(self) -> None:
        """Release what a batch kept open (called once the batch is sent)."""


class ConsoleBackend(BackendSms):
    verrou = threading.Lock()

    def __init__(self):
        self.chemin = getattr(settings, "SMS_FILE_PATH", "")
        self.fichier = None

    def send(self, number, text):
        identifiant = uuid.uuid4().hex
        ligne = json.dumps({"id": identifiant, "to": number, "text": text}, ensure_ascii=False)
        with self.verrou:
            if self.chemin:
                if self.fichier is None:
                    self.fichier = open(self.chemin, "a", encoding="utf-8")  # noqa: SIM115
                self.fichier.write(ligne + "\n")
                self.fichier.flush()
            else:
                sys.stdout.write(f"SMS {ligne}\n")
        return identifiant, StatutEnvoi.ENVOYE

    def close(self):
        if self.fichier is not None:
            self.fichier.close()
            self.fichier = None

    def __del__(self):
        self.close()


class MemoireBackend(BackendSms):
    outbox: list[dict] = []

    def send(self, number, text):
        identifiant = uuid.uuid4().hex
        MemoireBackend.outbox.append({"id": identifiant, "to": number, "text": text})
        return identifiant, StatutEnvoi.ENVOYE


class HttpBackend(BackendSms):
    """POST {"to", "text", "from", "callback_url"} as JSON; expects {"id", "status"} back."""

    def __init__(self):
        self.url = getattr(settings, "SMS_HTTP_URL", "")
        self.token = getattr(settings, "SMS_HTTP_TOKEN", "")
        self.expediteur = getattr(settings, "SMS_SENDER", "")
        self.timeout = getattr(settings, "SMS_HTTP_TIMEOUT", 10)
        self.callback = getattr(settings, "SMS_CALLBACK_URL", "")

    def send(self, number, text):
        if not self.url:
            raise ErreurSms(_("Fournisseur SMS non configuré (SMS_HTTP_URL)."))
        corps = {"to": number, "text": text}
        if self.expediteur:
            corps["from"] = self.expediteur
        if self.callback:
            corps["callback_url"] = self.callback
        requete = urllib.request.Request(
            self.url,
            data=json.dumps(corps).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
            },
        )
        try:
            with urllib.request.urlopen(requete, timeout=self.timeout) as reponse:  # noqa: S310
                brut = reponse.read(65536)
        except urllib.error.HTTPError as erreur:
            detail = erreur.read(300).decode(errors="replace").strip()
            raise ErreurSms(
                _("Fournisseur SMS : erreur HTTP %(code)s %(detail)s")
                % {"code": erreur.code, "detail": detail}
            )
        except (TimeoutError, urllib.error.URLError, OSError) as erreur:
            raison = getattr(erreur, "reason", erreur)
            raise ErreurSms(_("Fournisseur SMS injoignable : %(raison)s") % {"raison": raison})
        try:
            donnees = json.loads(brut)
            identifiant = str(donnees["id"])
        except (ValueError, KeyError, TypeError):
            raise ErreurSms(_("Fournisseur SMS : réponse illisible."))
        statut = statut_du_fournisseur(donnees.get("status"))
        if statut == StatutEnvoi.ECHEC:
            raise ErreurSms(
                _("Fournisseur SMS : message refusé (%(statut)s).")
                % {"statut": donnees.get("error") or donnees.get("status")}
            )
        return identifiant, statut


def backend() -> BackendSms:
    chemin = getattr(settings, "SMS_BACKEND", "rendezvous.sms.ConsoleBackend")
    return import_string(chemin)()
