"""Programmes and their cohorts: the list, a programme's page (figures over every participating
CPAS, names only of the people the user may see, feedback), the programme's form, a person's
participation and feedback."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.acces import get_objet_or_404
from cpas_isp import permissions
from cpas_isp.audit import journaliser_acces, journaliser_liste
from cpas_isp.listes import Tri, paginer
from cpas_isp.tenancy import get_for_user
from cpas_isp.views import role_required

from .. import queries
from ..forms.programmes import AvisForm, ParticipationForm, ProgrammeForm
from ..models import Participation, Programme
from ..services.programmes import enregistrer_participation, enregistrer_programme
from .commun import (
    beneficiaires_visibles,
    enregistrer_formulaire,
    page_formulaire,
    url_beneficiaire,
)

TRI = Tri({"debut": ["debut", "id"], "titre": ["titre", "id"]}, "-debut")


@role_required(permissions.peut_consulter_partenaires)
def programmes(request):
    qs, tri = TRI.appliquer(
        Programme.objects.for_user(request.user)
        .select_related("cpas", "thematique")
        .annotate(nb_participants=Count("participations", distinct=True)),
        request,
    )
    return render(
        request, "partenaires/programmes.html", {"page": paginer(request, qs), "tri": tri}
    )


def _get_programme(request, pk):
    return get_for_user(
        Programme.objects.select_related("cpas", "thematique").prefetch_related(
            "partenaires", "cpas_participants"
        ),
        request.user,
        pk=pk,
    )


def _retour(programme, ancre=""):
    return reverse("partenaires:programme_detail", args=[programme.pk]) + ancre


@role_required(permissions.peut_consulter_partenaires)
def programme_detail(request, pk):
    programme = _get_programme(request, pk)
    cohorte, cohorte_masques = queries.cohorte_visible(programme, request.user)
    for p in cohorte:
        p.url_beneficiaire = url_beneficiaire(p.beneficiaire_id)
    journaliser_liste(request, cohorte)
    stats_avis, avis = queries.avis_programme(programme, request.cpas.pk)
    return render(
        request,
        "partenaires/programme_detail.html",
        {
            "programme": programme,
            "ind": queries.indicateurs_programme(programme),
            "cohorte": cohorte,
            "cohorte_masques": cohorte_masques,
            "proches": queries.proches_duree_max(cohorte, programme, timezone.localdate()),
            "avis": avis,
            "nb_avis": stats_avis["n"],
            "moyenne_avis": stats_avis["moyenne"],
            "peut_modifier": permissions.peut_suivre_beneficiaires(request.user),
            "peut_gerer": permissions.peut_gerer_partenaires(request.user)
            and programme.cpas_id == request.cpas.pk,
        },
    )


@role_required(permissions.peut_gerer_partenaires)
def programme_form(request, pk=None):
    instance = _get_programme(request, pk) if pk else None
    if instance is not None and instance.cpas_id != request.cpas.pk:
        raise PermissionDenied(_("Seul le CPAS porteur modifie ce programme."))
    form = ProgrammeForm(request.POST or None, instance=instance, cpas_courant=request.cpas)
    if request.method == "POST" and form.is_valid():
        programme = enregistrer_programme(form, cpas=request.cpas)
        messages.success(request, _("Programme enregistré."))
        return redirect("partenaires:programme_detail", pk=programme.pk)
    return page_formulaire(
        request,
        form,
        _("Modifier le programme") if instance else _("Nouveau programme"),
        _retour(instance) if instance else reverse("partenaires:programmes"),
    )


def _get_participation(request, programme, pk):
    return get_objet_or_404(
        Participation.objects.select_related("beneficiaire"),
        request.user,
        pk=pk,
        programme=programme,
    )


@role_required(permissions.peut_suivre_beneficiaires)
def participation_form(request, programme_pk, pk=None):
    programme = _get_programme(request, programme_pk)
    instance = _get_participation(request, programme, pk) if pk else None
    beneficiaires = beneficiaires_visibles(request)
    form = ParticipationForm(request.POST or None, instance=instance, beneficiaires=beneficiaires)
    if enregistrer_formulaire(
        request,
        form,
        lambda p: enregistrer_participation(p, programme, cpas=request.cpas),
        _("Participation enregistrée."),
    ):
        return redirect(_retour(programme, "#cohorte"))
    journaliser_liste(request, beneficiaires.values_list("pk", flat=True))  # people offered
    return page_formulaire(
        request,
        form,
        (
            _("Participation de %(b)s") % {"b": instance.beneficiaire}
            if instance
            else _("Inscrire une personne à « %(p)s »") % {"p": programme}
        ),
        _retour(programme),
    )


@role_required(permissions.peut_suivre_beneficiaires)
def avis_creer(request, programme_pk, pk):
    programme = _get_programme(request, programme_pk)
    participation = _get_participation(request, programme, pk)
    form = AvisForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        avis = form.save(commit=False)
        avis.participation = participation
        avis.cpas_id = participation.cpas_id
        avis.save()
        messages.success(request, _("Avis enregistré."))
        return redirect(_retour(programme, "#avis"))
    journaliser_acces(request, participation)
    return page_formulaire(
        request,
        form,
        _("Avis de %(b)s sur « %(p)s »") % {"b": participation.beneficiaire, "p": programme},
        _retour(programme),
    )
