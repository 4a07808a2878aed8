"""In-app notifications: one function every app calls, ``notifier``.

A notification names its recipient, its nature, the object it is about (content type + id)
and, when it concerns a person, that person's id; it stores no personal text: the wording is
built when it is shown, from the nature and the object, after the need-to-know check. A ``cle``
(key) makes scheduled notifications idempotent: the same key is never notified twice to the
same user (e.g. "piis:42:signature:2026-12-09")."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType

from cpas_isp.models import Notification


def notifier(
    destinataires: Iterable,
    nature: str,
    *,
    cpas,
    objet=None,
    personne_id: int | None = None,
    lien: str = "",
    cle: str = "",
    auteur=None,
) -> int:
    """Create one notification per recipient (users or user ids; the author of the action is
    never notified of their own act). Returns how many were created; with a ``cle``, a
    recipient who already has it gets no second one."""
    ids = {getattr(d, "pk", d) for d in destinataires if d is not None}
    ids.discard(getattr(auteur, "pk", auteur))
    if not ids:
        return 0
    ct = ContentType.objects.get_for_model(objet) if objet is not None else None
    lignes = [
        Notification(
            cpas_id=getattr(cpas, "pk", cpas),
            destinataire_id=uid,
            nature=nature,
            content_type=ct,
            object_id=objet.pk if objet is not None else None,
            personne_id=personne_id,
            lien=lien,
            cle=cle,
        )
        for uid in sorted(ids)
    ]
    return len(Notification.objects.bulk_create(lignes, ignore_conflicts=bool(cle)))
