"""What the activities' pages share: the role checks and fetching one object the user may
see (404 otherwise)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from activites import permissions
from activites.models import Activite, Inscription, Seance
from activites.queries import inscriptions_visibles
from cpas_isp.views import role_required

voir_requis = role_required(permissions.peut_voir_activites)
gestion_requise = role_required(permissions.peut_gerer_activites)


def get_activite(request, pk, queryset=None) -> Activite:
    qs = queryset if queryset is not None else Activite.objects.select_related("type", "cpas")
    return get_object_or_404(qs.for_user(request.user), pk=pk)


def get_activite_organisee(request, pk) -> Activite:
    """An activity the user's CPAS organises (the others' answer 404 for edits)."""
    activite = get_activite(request, pk)
    if not permissions.peut_organiser(request.user, activite):
        raise Http404
    return activite


def get_seance(request, pk) -> Seance:
    seance = get_object_or_404(
        Seance.objects.select_related("activite", "activite__type", "activite__cpas", "module"),
        pk=pk,
        activite__in=Activite.objects.for_user(request.user).values("pk"),
    )
    return seance


def get_inscription(request, pk) -> Inscription:
    """An enrolment of a person the user may see (their CPAS, their caseload), or 404."""
    return get_object_or_404(
        inscriptions_visibles(request.user).select_related(
            "beneficiaire", "activite", "activite__type", "cpas"
        ),
        pk=pk,
    )
