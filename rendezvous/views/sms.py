"""The SMS provider's delivery reports: no login and no CSRF token (the provider calls it),
authenticated by an HMAC-SHA256 of the body with the shared secret ``SMS_CALLBACK_SECRET`` (in
the ``X-Signature`` header, hex, optionally prefixed ``sha256=``). Idempotent: a report repeated
or arriving late never moves a message back from delivered or failed."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rendezvous.models import Canal, Envoi, StatutEnvoi
from rendezvous.sms import statut_du_fournisseur

STATUTS_FINAUX = (StatutEnvoi.DELIVRE, StatutEnvoi.ECHEC)


def signature(corps: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), corps, hashlib.sha256).hexdigest()


@csrf_exempt
@require_POST
def statut(request):
    secret = settings.SMS_CALLBACK_SECRET
    if not secret:
        raise Http404
    recue = request.headers.get("X-Signature", "").strip().lower().removeprefix("sha256=")
    # Bytes, not str: compare_digest refuses non-ASCII text (a hostile header must not be a 500).
    if not hmac.compare_digest(
        recue.encode(errors="replace"), signature(request.body, secret).encode()
    ):
        return HttpResponseForbidden()
    try:
        donnees = json.loads(request.body)
        identifiant = str(donnees["id"]).replace("\x00", "")[:200]
        nouveau = statut_du_fournisseur(donnees.get("status"))
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest()
    envois = Envoi.objects.filter(canal=Canal.SMS, identifiant=identifiant)
    if not identifiant or not envois.exists():
        raise Http404
    if nouveau != StatutEnvoi.ENVOYE:
        champs = {"statut": nouveau, "statut_le": timezone.now()}
        if nouveau == StatutEnvoi.ECHEC:
            erreur = str(donnees.get("error") or donnees.get("status") or "")
            champs["erreur"] = f"SMS : {erreur}"[:500]
        envois.exclude(statut__in=STATUTS_FINAUX).update(**champs)
    return JsonResponse({"ok": True})
