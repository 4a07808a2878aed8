"""Enrolment (from the activity page or the person's page), withdrawal with a reason and
completion with a result."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activites import services
from activites.forms import FinForm, InscriptionPersonneForm, RetraitForm
from activites.hooks import ONGLET_FICHE
from activites.models import StatutInscription
from activites.views.commun import gestion_requise, get_activite, get_inscription
from beneficiaires.acces import get_beneficiaire_or_404
from beneficiaires.hooks import url_onglet
from cpas_isp.audit import journaliser_acces
from cpas_isp.contraintes import ajouter_au_formulaire


def _message_inscription(request, inscription):
    if inscription.statut == StatutInscription.ATTENTE:
        messages.warning(
            request,
            _("L'activité est complète : %(personne)s est sur la liste d'attente.")
            % {"personne": inscription.beneficiaire},
        )
    else:
        messages.success(
            request, _("%(personne)s est inscrit(e).") % {"personne": inscription.beneficiaire}
        )


@require_POST
@gestion_requise
def inscrire(request, pk):
    """Enrol a person found by the search of the activity page."""
    activite = get_activite(request, pk)
    try:
        beneficiaire_pk = int(request.POST.get("beneficiaire", ""))
    except ValueError:
        messages.error(request, _("Choisissez une personne."))
        return redirect("activites:detail", pk=activite.pk)
    beneficiaire = get_beneficiaire_or_404(request.user, beneficiaire_pk)
    try:
        inscription = services.inscrire(activite, beneficiaire, request.user)
    except ValidationError as erreur:
        for message in erreur.messages:
            messages.error(request, message)
    else:
        _message_inscription(request, inscription)
    return redirect("activites:detail", pk=activite.pk)


@gestion_requise
def inscrire_personne(request, pk):
    """From the person's page: choose one of the open activities."""
    beneficiaire = get_beneficiaire_or_404(request.user, pk)
    form = InscriptionPersonneForm(
        request.POST or None, user=request.user, beneficiaire=beneficiaire
    )
    if request.method == "POST" and form.is_valid():
        try:
            inscription = services.inscrire(
                form.cleaned_data["activite"], beneficiaire, request.user
            )
        except ValidationError as erreur:
            ajouter_au_formulaire(form, erreur)
        else:
            _message_inscription(request, inscription)
            return redirect(url_onglet(beneficiaire.pk, ONGLET_FICHE) + "#activites")
    journaliser_acces(request, beneficiaire)
    return render(
        request,
        "activites/inscrire_personne.html",
        {"form": form, "b": beneficiaire},
    )


def _retour(request, inscription):
    if request.POST.get("retour") == "personne":
        return redirect(url_onglet(inscription.beneficiaire_id, ONGLET_FICHE) + "#activites")
    return redirect("activites:detail", pk=inscription.activite_id)


@require_POST
@gestion_requise
def retirer(request, inscription_pk):
    inscription = get_inscription(request, inscription_pk)
    form = RetraitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez le motif du retrait."))
        return _retour(request, inscription)
    try:
        promus = services.retirer(
            inscription, form.cleaned_data["motif"], form.cleaned_data["precision"]
        )
    except ValidationError as erreur:
        for message in erreur.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Retrait enregistré."))
        if promus:
            # A count, not names: the person promoted may be another CPAS's.
            messages.info(request, _("La place libérée est donnée à la liste d'attente."))
    return _retour(request, inscription)


@require_POST
@gestion_requise
def terminer(request, inscription_pk):
    inscription = get_inscription(request, inscription_pk)
    form = FinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez le résultat."))
        return _retour(request, inscription)
    try:
        services.terminer(inscription, form.cleaned_data["resultat"])
    except ValidationError as erreur:
        for message in erreur.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Fin de l'activité enregistrée."))
    return _retour(request, inscription)
