"""Write side of the audit: the access log of personal files (``journaliser_acces`` for one
file, ``journaliser_liste`` for a page naming several people) and the context of scripted
changes (``contexte_script``)."""

from __future__ import annotations

import contextlib

import pghistory
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from cpas_isp.models import JournalAcces
from cpas_isp.preparation import executer_prepare


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


# Every page showing personal data writes its row: one statement prepared per connection
# (the model's save() compiled an INSERT of nine columns each time).
_INSERT = (
    "INSERT INTO cpas_isp_journalacces"
    " (user_id, cpas_id, content_type_id, object_id, personnes, objet, page, ip, quand)"
    " VALUES (%(user)s, %(cpas)s, %(content_type)s, %(object_id)s, %(personnes)s, %(objet)s,"
    " %(page)s, %(ip)s, %(quand)s) RETURNING id"
)


def _inserer(request, *, cpas, personnes, objet, page, content_type=None, object_id=None):
    """Write one access log row; returns it (unsaved fields as written, with its id)."""
    ligne = JournalAcces(
        user=request.user,
        cpas=cpas or request.cpas,
        content_type=content_type,
        object_id=object_id,
        personnes=personnes,
        objet=objet[:300],
        page=(page or request.get_full_path())[:500],
        ip=client_ip(request),
        quand=timezone.now(),
    )
    params = {
        "user": ligne.user_id,
        "cpas": ligne.cpas_id,
        "content_type": ligne.content_type_id,
        "object_id": ligne.object_id,
        "personnes": ligne.personnes,
        "objet": ligne.objet,
        "page": ligne.page,
        "ip": ligne.ip,
        "quand": ligne.quand,
    }
    with connection.cursor() as cursor:
        # The access log has no history triggers (its rows are the record): no context.
        ((ligne.pk,),) = executer_prepare(cursor, _INSERT, params, non_suivie=True)
    ligne._state.adding = False
    return ligne


def journaliser_acces(request, obj, *, cpas=None, page: str | None = None):
    """Record that request.user viewed the personal file ``obj`` (a person, or what belongs
    to one). Call it from every view that shows personal data of one person."""
    personne = _personne_id(obj)
    return _inserer(
        request,
        cpas=cpas,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        personnes=[personne] if personne is not None else [],
        objet=str(obj),
        page=page,
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
    return _inserer(
        request,
        cpas=cpas,
        personnes=ids,
        objet=objet or _("liste de %(n)s personnes") % {"n": len(ids)},
        page=page,
    )


@contextlib.contextmanager
def contexte_script(command: str, **metadata):
    """Group the changes of a management command or task in one audit context."""
    with pghistory.context(command=command, **metadata):
        yield
