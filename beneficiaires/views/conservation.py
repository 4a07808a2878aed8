"""Retention pages: the functional administrator's page (the CPAS's rule, the dry run, the
confirmation that queues a run, the runs' reports, the held files), and the legal hold a
coordinator sets or lifts on a file. The work is in ``beneficiaires.conservation``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpas_isp import permissions as p
from cpas_isp.audit import journaliser_acces, journaliser_liste
from cpas_isp.contraintes import ajouter_au_formulaire, enregistrer
from cpas_isp.listes import paginer
from cpas_isp.views import role_required

from .. import conservation
from ..acces import get_beneficiaire_or_404, permis_sur_dossier_cloture
from ..forms import GelDossierForm, RegleConservationForm
from ..models import Anonymisation, GelDossier, RegleConservation


def _contexte_runs(request):
    runs = paginer(
        request,
        Anonymisation.objects.for_user(request.user).select_related("demande_par"),
        taille=20,
    )
    return {"runs": runs, "en_cours": any(r.en_cours for r in runs)}


@role_required(p.peut_administrer_cpas)
def conservation_page(request):
    """The CPAS's retention: rule, dry run, confirmation, reports, held files."""
    regle = RegleConservation.objects.filter(cpas=request.cpas).first() or RegleConservation(
        cpas=request.cpas
    )
    form = RegleConservationForm(instance=regle)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "regle":
            form = RegleConservationForm(request.POST, instance=regle)
            if form.is_valid():
                regle = form.save(commit=False)
                regle.cpas = request.cpas
                regle.modifie_par = request.user
                try:
                    enregistrer(regle)
                except ValidationError as exc:  # a constraint, in a race: shown on the form
                    ajouter_au_formulaire(form, exc)
                else:
                    messages.success(request, _("Durée de conservation enregistrée."))
                    return redirect("beneficiaires:conservation")
        elif action == "anonymiser":
            try:
                run = conservation.demander(request.cpas, request.user)
            except conservation.DejaEnCours:
                messages.error(request, _("Une anonymisation est déjà en cours pour ce CPAS."))
            else:
                messages.success(
                    request,
                    _("Anonymisation lancée : %(n)s dossiers.") % {"n": run.nb_prevus},
                )
            return redirect("beneficiaires:conservation")
    if request.htmx and request.GET.get("partiel") == "runs":  # the runs' table, refreshed
        return render(request, "beneficiaires/_conservation_runs.html", _contexte_runs(request))
    geles = list(
        GelDossier.objects.for_user(request.user).select_related("par").order_by("-le")[:200]
    )
    journaliser_liste(request, [g.beneficiaire_id for g in geles], objet=_("dossiers gelés"))
    contexte = {
        "form": form,
        "apercu": conservation.apercu(request.cpas),
        "geles": geles,
        **_contexte_runs(request),
    }
    return render(request, "beneficiaires/conservation.html", contexte)


@permis_sur_dossier_cloture  # a legal hold concerns closed files above all
@role_required(p.peut_voir_tous_les_dossiers)
def gel(request, pk):
    """Legal hold of one file (coordinators): set it with a reason, or lift it."""
    b = get_beneficiaire_or_404(request.user, pk)
    if b.anonymise_le is not None:
        raise Http404
    existant = GelDossier.objects.filter(beneficiaire=b).select_related("par").first()
    form = GelDossierForm(request.POST or None, instance=existant)
    if request.method == "POST" and existant is None and form.is_valid():
        g = form.save(commit=False)
        g.cpas_id, g.beneficiaire, g.par = b.cpas_id, b, request.user
        try:
            enregistrer(g)
        except ValidationError as exc:
            ajouter_au_formulaire(form, exc)
        else:
            messages.success(request, _("Le dossier est gelé : il ne sera pas anonymisé."))
            return redirect(b.get_absolute_url())
    journaliser_acces(request, b)
    return render(request, "beneficiaires/gel.html", {"b": b, "gel": existant, "form": form})


@permis_sur_dossier_cloture
@require_POST
@role_required(p.peut_voir_tous_les_dossiers)
def gel_lever(request, pk):
    b = get_beneficiaire_or_404(request.user, pk)
    n, _detail = GelDossier.objects.filter(beneficiaire=b).delete()
    if n:
        messages.success(request, _("Le gel du dossier est levé."))
    return redirect(b.get_absolute_url())
