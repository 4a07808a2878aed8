"""Write side of the audit: the access log of personal files (``journaliser_acces`` for one
file, ``journaliser_liste`` for a page naming several people) and the context of scripted
changes (``contexte_script``)."""

from __future__ import annotations

import contextlib

import pghistory
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from cpas_isp.models import JournalAcces


def client_ip(request) -> str | None:
    """The client's address; behind TRUSTED_PROXY_COUNT proxies, read it from X-Forwarded-For."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def _personne_id(obj):
    """The person a shown object belongs to (the object itself when it is a person)."""
    beneficiaire_id = getattr(obj, "beneficiaire_id", None)
    if beneficiaire_id is not None:
        return beneficiaire_id
    if obj._meta.label == "beneficiaires.Beneficiaire":
        return obj.pk
    return None


def journaliser_acces(request, obj, *, cpas=None, page: str | None = None):
    """Record that request.user viewed the personal file ``obj`` (a person, or what belongs
    to one). Call it from every view that shows personal data of one person."""
    personne = _personne_id(obj)
    return JournalAcces.objects.create(
        user=request.user,
        cpas=cpas or request.cpas,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        personnes=[personne] if personne is not None else [],
        objet=str(obj)[:300],
        page=(page or request.get_full_path())[:500],
        ip=client_ip(request),
    )


def journaliser_liste(request, personnes, *, cpas=None, page: str | None = None, objet=""):
    """Record that request.user was shown identifying data of several people (a list, a
    search result, an export, a form offering people): one row per request naming them all.
    ``personnes`` is an iterable of person ids (or of objects with ``pk``/``beneficiaire_id``).
    Nothing is written when the page showed nobody."""
    ids = []
    seen = set()
    for item in personnes:
        pk = item if isinstance(item, int) else _personne_id(item)
        if pk is not None and pk not in seen:
            seen.add(pk)
            ids.append(pk)
    if not ids:
        return None
    return JournalAcces.objects.create(
        user=request.user,
        cpas=cpas or request.cpas,
        personnes=ids,
        objet=(objet or _("liste de %(n)s personnes") % {"n": len(ids)})[:300],
        page=(page or request.get_full_path())[:500],
        ip=client_ip(request),
    )


@contextlib.contextmanager
def contexte_script(command: str, **metadata):
    """Group the changes of a management command or task in one audit context."""
    with pghistory.context(command=command, **metadata):
        yield
