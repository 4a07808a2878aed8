"""The staged import's pages: upload, a batch (progress, analysed rows, confirm or cancel,
rejects file) and its progress partial. The work is in ``beneficiaires.imports.lots``."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cpas_isp import permissions as p
from cpas_isp.audit import journaliser_liste
from cpas_isp.listes import paginer
from cpas_isp.views import role_required

from .. import exports
from ..forms import (
    ImportForm,
)
from ..imports import lots
from ..imports.base import import_types
from ..models import (
    LotImport,
    StatutLot,
)


@role_required(p.peut_importer)
def import_liste(request):
    """Upload page: the file is stored and its analysis queued; nothing is read here."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        fichier = form.cleaned_data["fichier"]
        lot = lots.deposer_lot(
            request.cpas, request.user, form.cleaned_data["type"], fichier.name, fichier.read()
        )
        return redirect("beneficiaires:import_detail", pk=lot.pk)
    recents = (
        LotImport.objects.for_user(request.user).defer("contenu").select_related("cree_par")[:30]
    )
    return render(request, "beneficiaires/import_liste.html", {"form": form, "lots": recents})


LIGNES_PAR_PAGE = 100


@role_required(p.peut_importer)
def import_detail(request, pk):
    """A batch: its progress while a worker analyses or imports it, then the stored analysis
    (counts, file errors, rows with their errors, paginated) and the confirmation buttons."""
    # Never the file itself: pages only read what the analysis stored.
    lot = get_object_or_404(
        LotImport.objects.for_user(request.user).defer("contenu").select_related("cree_par"),
        pk=pk,
    )
    if request.method == "POST":
        reponse = lots.agir_sur_lot(lot, request.POST.get("action", ""))
        if reponse is not None:
            messages.add_message(request, reponse.niveau, reponse.message)
            if reponse.termine:
                return redirect("beneficiaires:import_liste")
        return redirect("beneficiaires:import_detail", pk=lot.pk)
    contexte = {"lot": lot, "handler": import_types().get(lot.type), "etats": StatutLot}
    if lot.statut == StatutLot.ANALYSE:
        if request.GET.get("format") == "rejets":
            rejetees = lots.lignes_a_montrer(lot, "erreurs")
            journaliser_liste(
                request,
                rejetees.exclude(personne_id=None).values_list("personne_id", flat=True),
                objet=_("lignes rejetées d'un import"),
            )
            return exports.rejets_csv(lot, lots.rapport_stocke(lot, rejetees))
        montrer = request.GET.get("montrer", "erreurs" if lot.nb_rejetees else "tout")
        page = paginer(request, lots.lignes_a_montrer(lot, montrer), taille=LIGNES_PAR_PAGE)
        journaliser_liste(request, [ligne.personne_id for ligne in page if ligne.personne_id])
        contexte.update({"montrer": montrer, "page": page})
    return render(request, "beneficiaires/import_detail.html", contexte)


@role_required(p.peut_importer)
def import_statut(request, pk):
    """The small status partial the batch page polls every second while a worker runs the
    batch; once it has finished, asks htmx to reload the whole page."""
    lot = get_object_or_404(
        LotImport.objects.for_user(request.user).only(
            "pk",
            "cpas",
            "statut",
            "etape",
            "progression_fait",
            "progression_total",
            "bail_expire_le",
            "relances",
        ),
        pk=pk,
    )
    response = render(request, "beneficiaires/_import_progression.html", {"lot": lot})
    if not lot.en_traitement:
        response["HX-Refresh"] = "true"
    return response
