"""Audit helpers: the access log of personal files and the context of scripted changes."""

from __future__ import annotations

import contextlib

import pghistory
from django.conf import settings
from django.contrib.contenttypes.models import ContentType


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


def journaliser_acces(request, obj, *, cpas=None, page: str | None = None):
    """Record that request.user viewed the personal file ``obj`` (a person, or what belongs
    to one). Call it from every view that shows personal data."""
    from cpas_isp.models import JournalAcces

    return JournalAcces.objects.create(
        user=request.user,
        cpas=cpas or request.cpas,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        objet=str(obj)[:300],
        page=(page or request.get_full_path())[:500],
        ip=client_ip(request),
    )


@contextlib.contextmanager
def contexte_script(command: str, **metadata):
    """Group the changes of a management command or task in one audit context."""
    with pghistory.context(command=command, **metadata):
        yield
