"""Rate limits of the public booking page, counted in Django's cache (fixed windows): per client
address, per link token, and a lower limit on unknown links per address (guessing tokens).

The counters live in the ``RENDEZVOUS_CACHE`` cache alias (``default`` unless set): with
several web processes it must be a shared cache (Redis, database) for the limits to hold
across them."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches

from cpas_isp.audit import client_ip

# name: (requests allowed, window in seconds)
LIMITES = {
    "ip": (120, 600),
    "jeton": (60, 600),
    "inconnu": (20, 3600),
}


def _limites() -> dict:
    return {**LIMITES, **getattr(settings, "RENDEZVOUS_LIMITES", {})}


def _cache():
    return caches[getattr(settings, "RENDEZVOUS_CACHE", "default")]


def _cle(nom: str, valeur: str) -> str:
    return f"rdv-limite:{nom}:{hashlib.sha256(valeur.encode()).hexdigest()[:32]}"


def _compter(nom: str, valeur: str) -> bool:
    """Count one request; True when it goes over the limit."""
    limite, fenetre = _limites()[nom]
    cache, cle = _cache(), _cle(nom, valeur)
    cache.add(cle, 0, fenetre)
    try:
        n = cache.incr(cle)
    except ValueError:  # expired between add and incr
        cache.set(cle, 1, fenetre)
        n = 1
    return n > limite


def _depasse(nom: str, valeur: str) -> bool:
    limite, _fenetre = _limites()[nom]
    return (_cache().get(_cle(nom, valeur)) or 0) >= limite


def requete_refusee(request, jeton: str) -> bool:
    """Count the request against its address and its token; True when it must be refused
    (one of them is over its limit, or the address has tried too many unknown links)."""
    ip = client_ip(request) or "?"
    if _depasse("inconnu", ip):
        return True
    trop_ip = _compter("ip", ip)
    trop_jeton = _compter("jeton", jeton)
    return trop_ip or trop_jeton


def lien_inconnu(request) -> None:
    """Count an unknown (or no longer valid) link tried from the request's address."""
    _compter("inconnu", client_ip(request) or "?")
