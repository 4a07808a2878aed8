"""Helpers the partners app's pages share: the people the user may see, links to their file."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from beneficiaires.models import Beneficiaire


def url_beneficiaire(beneficiaire_id):
    try:
        return reverse("beneficiaires:detail", kwargs={"pk": beneficiaire_id})
    except NoReverseMatch:
        return ""


def beneficiaires_visibles(request):
    """The people the user may see (to choose one in a form), by name."""
    return Beneficiaire.objects.visibles_par(request.user).order_by("nom", "prenom")


def page_formulaire(request, form, titre, retour):
    """The page of a one-form edit: ``titre`` above, a cancel link to ``retour``."""
    return render(
        request, "partenaires/form.html", {"form": form, "titre": titre, "retour": retour}
    )
