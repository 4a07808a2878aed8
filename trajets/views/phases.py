"""Phase pages: orienting a person, correcting a stay, ending the trajectory."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cpas_isp.audit import journaliser_acces
from cpas_isp.contraintes import ajouter_au_formulaire
from cpas_isp.tenancy import get_for_user
from trajets.forms import OrienterForm, PassageForm, TerminerTrajetForm
from trajets.models.phases import PassagePhase
from trajets.services import phases as services
from trajets.templatetags.trajets_tags import url_personne
from trajets.views.commun import personne, suivi_requis


@suivi_requis
def orienter(request, pk):
    b = personne(request, pk)
    courant = PassagePhase.objects.filter(beneficiaire=b, fin__isnull=True).first()
    form = OrienterForm(
        request.POST or None,
        cpas_id=b.cpas_id,
        passage_courant=courant,
        user=request.user,
        initial={"phase": request.GET.get("phase", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            passage = services.orienter(
                b,
                data["phase"],
                data["date"],
                agent=data.get("agent"),
                motif_sortie=data.get("motif_sortie"),
                motif_entree=data.get("motif_entree", ""),
                note=data.get("note", ""),
            )
        except ValidationError as exc:
            ajouter_au_formulaire(form, exc)
        else:
            messages.success(
                request,
                _("%(personne)s est orienté(e) vers « %(phase)s » à partir du %(date)s.")
                % {
                    "personne": b,
                    "phase": passage.get_phase_display(),
                    "date": f"{passage.debut:%d/%m/%Y}",
                },
            )
            return redirect(url_personne(b))
    journaliser_acces(request, b)
    return render(request, "trajets/orienter.html", {"b": b, "form": form, "courant": courant})


@suivi_requis
def passage_modifier(request, passage_pk):
    passage = get_for_user(PassagePhase.objects, request.user, pk=passage_pk)
    b = personne(request, passage.beneficiaire_id)
    form = PassageForm(request.POST or None, instance=passage)
    if request.method == "POST" and form.is_valid():
        try:
            services.enregistrer_passage(form.save(commit=False))
        except ValidationError as exc:
            ajouter_au_formulaire(form, exc)
        else:
            messages.success(
                request, _("Passage corrigé. L'ancienne version reste dans l'historique.")
            )
            return redirect("trajets:journal", pk=b.pk)
    journaliser_acces(request, b)
    historique = passage.events.order_by("-pgh_id")[:20] if hasattr(passage, "events") else []
    return render(
        request,
        "trajets/passage_modifier.html",
        {"b": b, "form": form, "passage": passage, "historique": historique},
    )


@suivi_requis
def terminer_trajet(request, pk):
    b = personne(request, pk)
    courant = get_object_or_404(PassagePhase, beneficiaire=b, fin__isnull=True)
    form = TerminerTrajetForm(
        request.POST or None, initial={"fin": timezone.localdate()}, cpas=b.cpas_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.terminer_trajet(
                courant,
                form.cleaned_data["fin"],
                form.cleaned_data["motif"],
                form.cleaned_data["note"],
            )
        except ValidationError as exc:
            ajouter_au_formulaire(form, exc)
        else:
            messages.success(request, _("Le passage est clôturé."))
            return redirect(url_personne(b))
    journaliser_acces(request, b)
    return render(
        request, "trajets/terminer_trajet.html", {"b": b, "form": form, "courant": courant}
    )
