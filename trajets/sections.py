"""Context of the blocks the trajectory adds to the person's page (see hooks.py)."""

from __future__ import annotations

from django.utils import timezone

from trajets import delais
from trajets.models import ContratArticle60, PassagePhase, Piis


def trajet(request, b):
    passages = list(
        PassagePhase.objects.filter(beneficiaire=b)
        .select_related("agent", "motif_sortie")
        .order_by("-debut")
    )
    courant = next((p for p in passages if p.fin is None), None)
    return {"b": b, "passages": passages, "courant": courant}


def journal(request, b):
    from trajets.views import dernieres_etapes

    return {"b": b, "etapes": dernieres_etapes(b, request.user)}


def piis(request, b):
    today = timezone.localdate()
    items = list(
        Piis.objects.filter(beneficiaire=b)
        .select_related("avenant_de")
        .order_by("-date_decision_ris", "-numero_avenant")
    )
    for p in items:
        p.etat_signature = delais.etat_signature(p.date_decision_ris, p.date_signature, today)
    return {"b": b, "piis_liste": items, "aujourd_hui": today}


def article60(request, b):
    contrats = list(
        ContratArticle60.objects.filter(beneficiaire=b)
        .select_related("partenaire", "motif_fin")
        .order_by("-debut")
    )
    return {"b": b, "contrats": contrats, "aujourd_hui": timezone.localdate()}
