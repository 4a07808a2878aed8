"""The shared directory: the list of partners (search, sort), a partner's page (its services,
contacts, what the user's CPAS did with it, private notes, suggestions), and the forms of the
CPAS that manages the record."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpas_isp import permissions
from cpas_isp.audit import journaliser_liste
from cpas_isp.listes import Tri, paginer
from cpas_isp.views import role_required

from .. import queries
from ..forms.annuaire import (
    ContactForm,
    NoteForm,
    PartenaireForm,
    RecherchePartenaireForm,
    ServiceForm,
    SuggestionForm,
)
from ..models import NotePartenaire, Partenaire, ServicePartenaire, SuggestionPartenaire
from ..services.annuaire import enregistrer_partenaire, enregistrer_service
from .commun import enregistrer_formulaire, page_formulaire

TRI = Tri({"nom": ["nom", "id"], "commune": ["commune", "nom", "id"]}, "nom")


@role_required(permissions.peut_consulter_partenaires)
def liste(request):
    form = RecherchePartenaireForm(request.GET, cpas=request.cpas)
    qs = form.filter(
        Partenaire.objects.select_related("type").annotate(
            nb_services=Count("services", filter=Q(services__actif=True), distinct=True)
        )
    )
    qs, tri = TRI.appliquer(qs, request)
    template = "partenaires/_liste_resultats.html" if request.htmx else "partenaires/liste.html"
    return render(request, template, {"form": form, "page": paginer(request, qs), "tri": tri})


@role_required(permissions.peut_consulter_partenaires)
def detail(request, pk):
    partenaire = get_object_or_404(
        Partenaire.objects.select_related("type", "gere_par").prefetch_related(
            "contacts",
            Prefetch(
                "services",
                queryset=ServicePartenaire.objects.select_related("thematique").order_by(
                    "-actif", "nom"
                ),
            ),
        ),
        pk=pk,
    )
    conventions, orientations = queries.resume_partenaire(partenaire, request.user)
    stats = queries.statistiques_orientations(orientations)
    recentes = []
    if permissions.peut_suivre_beneficiaires(request.user):
        recentes = queries.orientations_recentes(orientations, request.user)
        journaliser_liste(request, recentes)
    peut_gerer = partenaire.modifiable_par(request.user)
    return render(
        request,
        "partenaires/detail.html",
        {
            "partenaire": partenaire,
            "conventions": queries.annoter_alerte_convention(
                list(conventions.order_by("-fin")), timezone.localdate()
            ),
            "stats": stats[0] if stats else None,
            "orientations": recentes,
            "notes": NotePartenaire.objects.for_user(request.user)
            .filter(partenaire=partenaire)
            .select_related("auteur"),
            "note_form": NoteForm(),
            "peut_gerer": peut_gerer,
            "suggestions": (
                partenaire.suggestions.select_related("cpas", "auteur")
                if peut_gerer
                else SuggestionPartenaire.objects.none()
            ),
            "suggestion_form": SuggestionForm(),
        },
    )


def _partenaire_modifiable(request, pk):
    """A partner's record, for the coordinators and administrators of the CPAS that manages
    it; any other CPAS gets 404 (it may suggest a change on the record's page)."""
    partenaire = get_object_or_404(Partenaire, pk=pk)
    if not partenaire.modifiable_par(request.user):
        raise Http404
    return partenaire


@role_required(permissions.peut_gerer_partenaires)
def partenaire_form(request, pk=None):
    instance = _partenaire_modifiable(request, pk) if pk else None
    form = PartenaireForm(request.POST or None, instance=instance, cpas=request.cpas)
    partenaire = enregistrer_formulaire(
        request,
        form,
        lambda p: enregistrer_partenaire(p, request.cpas),
        _("Partenaire enregistré."),
    )
    if partenaire is not None:
        return redirect("partenaires:detail", pk=partenaire.pk)
    return page_formulaire(
        request,
        form,
        _("Modifier le partenaire") if instance else _("Nouveau partenaire"),
        reverse("partenaires:detail", args=[pk]) if pk else reverse("partenaires:liste"),
    )


@role_required(permissions.peut_gerer_partenaires)
def service_form(request, partenaire_pk, pk=None):
    partenaire = _partenaire_modifiable(request, partenaire_pk)
    instance = get_object_or_404(partenaire.services, pk=pk) if pk else None
    form = ServiceForm(request.POST or None, instance=instance, cpas=request.cpas)
    if enregistrer_formulaire(
        request,
        form,
        lambda service: enregistrer_service(service, partenaire),
        _("Service enregistré."),
    ):
        return redirect("partenaires:detail", pk=partenaire.pk)
    return page_formulaire(
        request,
        form,
        _("Service de %(p)s") % {"p": partenaire},
        reverse("partenaires:detail", args=[partenaire.pk]),
    )


@role_required(permissions.peut_gerer_partenaires)
def contact_form(request, partenaire_pk, pk=None):
    partenaire = _partenaire_modifiable(request, partenaire_pk)
    instance = get_object_or_404(partenaire.contacts, pk=pk) if pk else None
    form = ContactForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        contact = form.save(commit=False)
        contact.partenaire = partenaire
        contact.save()
        messages.success(request, _("Contact enregistré."))
        return redirect("partenaires:detail", pk=partenaire.pk)
    return page_formulaire(
        request,
        form,
        _("Contact chez %(p)s") % {"p": partenaire},
        reverse("partenaires:detail", args=[partenaire.pk]),
    )


@require_POST
@role_required(permissions.peut_consulter_partenaires)
def note_creer(request, pk):
    partenaire = get_object_or_404(Partenaire, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        NotePartenaire.objects.create(
            cpas=request.cpas,
            partenaire=partenaire,
            auteur=request.user,
            texte=form.cleaned_data["texte"].strip(),
        )
        messages.success(request, _("Note ajoutée."))
    else:
        messages.error(request, _("La note est vide."))
    return redirect(reverse("partenaires:detail", args=[pk]) + "#notes")


@require_POST
@role_required(permissions.peut_consulter_partenaires)
def suggestion_creer(request, pk):
    """Another CPAS suggests a change to the CPAS that manages the record."""
    partenaire = get_object_or_404(Partenaire, pk=pk)
    form = SuggestionForm(request.POST)
    if form.is_valid():
        SuggestionPartenaire.objects.create(
            partenaire=partenaire,
            cpas=request.cpas,
            auteur=request.user,
            texte=form.cleaned_data["texte"].strip(),
        )
        messages.success(
            request, _("Suggestion transmise au CPAS qui gère la fiche de ce partenaire.")
        )
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(reverse("partenaires:detail", args=[pk]) + "#suggestions")


@require_POST
@role_required(permissions.peut_gerer_partenaires)
def suggestion_traitee(request, pk, suggestion_pk):
    partenaire = _partenaire_modifiable(request, pk)
    suggestion = get_object_or_404(partenaire.suggestions, pk=suggestion_pk)
    suggestion.traitee = True
    suggestion.save(update_fields=["traitee"])
    messages.success(request, _("Suggestion marquée comme traitée."))
    return redirect(reverse("partenaires:detail", args=[pk]) + "#suggestions")
