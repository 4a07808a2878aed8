"""Need-to-know, fetched: one person, or one object belonging to a person, among those the user
may see (``Beneficiaire.objects.visibles_par``), or 404. Every app fetches people and their
steps, PIIS, stays, referrals, contracts... through these, so that what the user may not see
answers 404 everywhere (never 403: the user must not learn that it exists)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from .models import Beneficiaire


def get_beneficiaire_or_404(user, pk, queryset=None):
    """The person ``pk`` if ``user`` may see them, else Http404. ``queryset`` (of
    Beneficiaire) adds select_related/annotations; it is narrowed, never widened."""
    base = queryset if queryset is not None else Beneficiaire.objects.all()
    return get_object_or_404(base.visibles_par(user), pk=pk)


def objets_visibles(queryset, user, champ="beneficiaire"):
    """Rows of ``queryset`` (a tenant queryset of objects belonging to a person through
    ``champ``) in the user's CPAS whose person the user may see."""
    return queryset.for_user(user).filter(
        **{f"{champ}__in": Beneficiaire.objects.visibles_par(user).values("pk")}
    )


def get_objet_or_404(queryset, user, champ="beneficiaire", **lookup):
    """One object belonging to a person the user may see (see ``objets_visibles``), or 404."""
    return get_object_or_404(objets_visibles(queryset, user, champ), **lookup)
