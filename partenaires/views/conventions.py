"""Multi-CPAS conventions: the list (all, running, ending soon), a convention's page with the
cost sharing between the CPAS parties, and the managing CPAS's form (parties and funding)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cpas_isp import permissions
from cpas_isp.listes import Tri, paginer
from cpas_isp.tenancy import get_for_user
from cpas_isp.views import role_required

from .. import queries
from ..forms.conventions import (
    ConventionForm,
    FiltreConventionsForm,
    FinancementsFormSet,
    PartiesFormSet,
)
from ..models import Convention
from ..repartition import partager_minerval, repartir
from ..services.conventions import enregistrer_convention

TRI = Tri(
    {"fin": ["fin", "id"], "debut": ["debut", "id"], "titre": ["titre", "id"]},
    "fin",
)


@role_required(permissions.peut_consulter_partenaires)
def conventions(request):
    aujourd_hui = timezone.localdate()
    toutes = Convention.objects.for_user(request.user)
    form = FiltreConventionsForm(request.GET)
    qs, tri = TRI.appliquer(
        form.filter(
            toutes.select_related("cpas").prefetch_related("partenaires", "parties_cpas__cpas")
        ),
        request,
    )
    page = paginer(request, qs)
    queries.annoter_alerte_convention(page.object_list, aujourd_hui)
    return render(
        request,
        "partenaires/conventions.html",
        {
            "page": page,
            "tri": tri,
            "filtre": form.valeurs().get("filtre", ""),
            "nb_bientot": queries.conventions_bientot_finies(toutes, aujourd_hui).count(),
        },
    )


@role_required(permissions.peut_consulter_partenaires)
def convention_detail(request, pk):
    convention = get_for_user(
        Convention.objects.select_related("cpas", "cree_par").prefetch_related("partenaires"),
        request.user,
        pk=pk,
    )
    parties = list(convention.parties_cpas.select_related("cpas"))
    financements = list(convention.financements.all())
    queries.annoter_alerte_convention([convention], timezone.localdate())
    return render(
        request,
        "partenaires/convention_detail.html",
        {
            "c": convention,
            "repartition": repartir(convention, parties, financements),
            "financements": financements,
            "minerval": partager_minerval(convention),
            "peut_modifier": permissions.peut_gerer_partenaires(request.user)
            and convention.cpas_id == request.cpas.pk,
        },
    )


@role_required(permissions.peut_gerer_partenaires)
def convention_form(request, pk=None):
    instance = None
    if pk:
        instance = get_for_user(Convention.objects.all(), request.user, pk=pk)
        if instance.cpas_id != request.cpas.pk:
            raise PermissionDenied(_("Seul le CPAS gestionnaire modifie cette convention."))
    form = ConventionForm(request.POST or None, instance=instance)
    convention = instance or Convention(cpas=request.cpas)
    parties = PartiesFormSet(
        request.POST or None,
        instance=convention,
        prefix="parties",
        cpas_courant=request.cpas,
        initial=[] if instance else [{"cpas": request.cpas.pk}],
    )
    financements = FinancementsFormSet(
        request.POST or None, instance=convention, prefix="financements"
    )
    if request.method == "POST" and form.is_valid():
        # The parties' validation needs the rule chosen in the main form.
        parties.instance.regle_repartition = form.cleaned_data["regle_repartition"]
        if parties.is_valid() and financements.is_valid():
            convention = enregistrer_convention(
                form, parties, financements, cpas=request.cpas, user=request.user
            )
            messages.success(request, _("Convention enregistrée."))
            return redirect("partenaires:convention_detail", pk=convention.pk)
    return render(
        request,
        "partenaires/convention_form.html",
        {"form": form, "parties": parties, "financements": financements, "instance": instance},
    )
