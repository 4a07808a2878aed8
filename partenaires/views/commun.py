"""Helpers the partners app's pages share: the people the user may see, links to their file,
a one-form edit page and its saving through a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from beneficiaires.models import Beneficiaire
from cpas_isp.contraintes import ajouter_au_formulaire


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


def enregistrer_formulaire(request, form, enregistrer, succes):
    """On a POST of a valid ``form``, save its unsaved object through ``enregistrer`` (a service
    that returns it) and say ``succes``; a violated constraint shows on the form instead.
    Returns the saved object, or ``None`` (show the form again)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        objet = enregistrer(form.save(commit=False))
    except ValidationError as erreur:
        ajouter_au_formulaire(form, erreur)
        return None
    messages.success(request, succes)
    return objet
