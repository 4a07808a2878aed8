"""The partner users' portal: the referrals sent to their organisation (filter by status),
a referral's page where they answer, write to the agent and record attendance."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpas_isp import permissions
from cpas_isp.audit import journaliser_acces, journaliser_liste
from cpas_isp.listes import Tri, paginer, url_par_pk
from cpas_isp.views import role_required

from ..forms.orientations import FiltreStatutForm, PresenceForm
from ..models import ComptePartenaire, Orientation, StatutOrientation
from ..queries import compter_par_statut
from ..services.orientations import enregistrer_presence
from .orientations import (
    ajouter_message,
    annoter_echeances,
    appliquer_transition,
    contexte_orientation,
    get_orientation,
)

S = StatutOrientation

TRI = Tri(
    {
        "envoi": ["date_envoi", "id"],
        "personne": ["beneficiaire__nom", "beneficiaire__prenom", "id"],
        "service": ["service__nom", "id"],
        "statut": ["statut", "id"],
    },
    "-envoi",
)

# The columns the list shows (its template, the deadline, the access log).
COLONNES_LISTE = (
    "id",
    "statut",
    "date_envoi",
    "beneficiaire__nom",
    "beneficiaire__prenom",
    "beneficiaire__langue",
    "service__nom",
)

portail_requis = role_required(permissions.peut_utiliser_portail_partenaire)


def _compte(request):
    compte = ComptePartenaire.objects.select_related("partenaire").filter(user=request.user).first()
    if compte is None:
        raise PermissionDenied(_("Votre compte n'est lié à aucun partenaire. Contactez le CPAS."))
    return compte


@portail_requis
def portail(request):
    compte = _compte(request)
    recues = Orientation.objects.for_user(request.user)
    form = FiltreStatutForm(request.GET)
    qs, tri = TRI.appliquer(
        form.filter(recues.select_related("beneficiaire", "service").only(*COLONNES_LISTE)),
        request,
    )
    statut = form.valeurs().get("statut", "")
    # The tabs' counts by status give the list's length too (the status is its only filter):
    # no COUNT of the list.
    compteurs = compter_par_statut(recues)
    page = paginer(
        request, qs, nombre=compteurs.get(statut, 0) if statut else sum(compteurs.values())
    )
    annoter_echeances(request, page.object_list)
    url_detail = url_par_pk("partenaires:portail_detail")
    for o in page.object_list:
        o.url = url_detail(o.pk)
    journaliser_liste(request, page.object_list)
    return render(
        request,
        "partenaires/portail.html",
        {
            "compte": compte,
            "page": page,
            "tri": tri,
            "statuts": [
                (code, label, compteurs.get(code, 0))
                for code, label in S.choices
                if code not in (S.PROPOSEE, S.ANNULEE)
            ],
            "statut": statut,
        },
    )


def _get_portail(request, pk):
    _compte(request)
    return get_orientation(request, pk, Orientation.objects.for_user(request.user))


@portail_requis
def portail_detail(request, pk):
    orientation = _get_portail(request, pk)
    journaliser_acces(request, orientation.beneficiaire)
    return render(
        request,
        "partenaires/portail_detail.html",
        contexte_orientation(request, orientation, portail=True),
    )


@require_POST
@portail_requis
def portail_transition(request, pk):
    orientation = _get_portail(request, pk)
    return appliquer_transition(
        request, orientation, reverse("partenaires:portail_detail", args=[pk])
    )


@require_POST
@portail_requis
def portail_message(request, pk):
    orientation = _get_portail(request, pk)
    return ajouter_message(request, orientation, reverse("partenaires:portail_detail", args=[pk]))


@require_POST
@portail_requis
def portail_presence(request, pk):
    orientation = _get_portail(request, pk)
    form = PresenceForm(request.POST)
    retour = reverse("partenaires:portail_detail", args=[pk]) + "#presences"
    if not form.is_valid():
        for erreurs in form.errors.values():
            for e in erreurs:
                messages.error(request, e)
        return redirect(retour)
    try:
        enregistrer_presence(orientation, request.user, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Présence enregistrée."))
    return redirect(retour)
