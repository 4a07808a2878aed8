"""Rate limits of the public pages (no login): the appointments' booking page, the
attestations' verification page. One rule for all, counted in Django's cache (fixed windows):
per client address, per key (a link token, a code), and a lower limit on unknown keys per
address (someone guessing tokens or codes). Each page has its own counters (``espace``).

The counters live in the ``LIMITES_CACHE`` cache alias (``default`` unless set): with several
web processes it must be a shared cache (Redis, database) for the limits to hold across them.
``LIMITES_PUBLIQUES`` overrides the defaults below, e.g. ``{"inconnu": (10, 3600)}``.

A page answers 429 ("too many requests") when ``requete_refusee`` says so, and 404 for an
unknown key after counting it with ``cle_inconnue``.

A shared cache server out of order (Redis down) does not take the public pages with it: each
failing call is logged and the counters are kept in the process meanwhile (``_SECOURS``). The
limits then hold per web process, looser by the number of processes, rather than not at all;
refusing every visitor instead would lock people out of booking while the server is down."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from cpas_isp.audit import client_ip

# name: (requests allowed, window in seconds)
LIMITES = {
    "ip": (120, 600),
    "cle": (60, 600),
    "inconnu": (20, 3600),
}


def _limites() -> dict:
    return {**LIMITES, **getattr(settings, "LIMITES_PUBLIQUES", {})}


def _cache():
    return caches[getattr(settings, "LIMITES_CACHE", "default")]


logger = logging.getLogger(__name__)

# The counters kept in this process while the shared cache fails.
_SECOURS = LocMemCache("cpas-isp-limites-secours", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def _avec_secours(operation):
    """``operation(cache)`` on the limits' cache, or on this process's (``_SECOURS``), logged,
    when that cache's server fails."""
    try:
        return operation(_cache())
    except Exception:
        logger.warning("Rate limits: the cache failed, counted in this process", exc_info=True)
        return operation(_SECOURS)


def _incrementer(cache, cle: str, fenetre: int) -> int:
    """The counter ``cle`` plus one (a new one lasts ``fenetre`` seconds)."""
    cache.add(cle, 0, fenetre)
    try:
        return cache.incr(cle)
    except ValueError:  # expired between add and incr
        cache.set(cle, 1, fenetre)
        return 1


class Limiteur:
    """The counters of one public page (``espace``: a short name, part of the cache keys)."""

    def __init__(self, espace: str):
        self.espace = espace

    def _cle(self, nom: str, valeur: str) -> str:
        empreinte = hashlib.sha256(valeur.encode()).hexdigest()[:32]
        return f"limite:{self.espace}:{nom}:{empreinte}"

    def _compter(self, nom: str, valeur: str) -> bool:
        """Count one request; True when it goes over the limit."""
        limite, fenetre = _limites()[nom]
        cle = self._cle(nom, valeur)
        return _avec_secours(lambda cache: _incrementer(cache, cle, fenetre)) > limite

    def _depasse(self, nom: str, valeur: str) -> bool:
        limite, _fenetre = _limites()[nom]
        cle = self._cle(nom, valeur)
        return (_avec_secours(lambda cache: cache.get(cle)) or 0) >= limite

    def requete_refusee(self, request, cle: str | None = None) -> bool:
        """Count the request against its address (and its key, when it has one); True when it
        must be refused: one of them is over its limit, or the address has tried too many
        unknown keys."""
        ip = client_ip(request) or "?"
        if self._depasse("inconnu", ip):
            return True
        trop_ip = self._compter("ip", ip)
        trop_cle = self._compter("cle", cle) if cle else False
        return trop_ip or trop_cle

    def cle_inconnue(self, request) -> None:
        """Count an unknown (or no longer valid) key tried from the request's address."""
        self._compter("inconnu", client_ip(request) or "?")
