"""Journal pages: the quick step form, the person's journal, corrections, next actions done,
collective sessions of a cellule."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires.models import Beneficiaire
from cpas_isp.audit import journaliser_acces, journaliser_liste
from cpas_isp.listes import paginer
from cpas_isp.models import Cellule
from cpas_isp.tenancy import get_for_user
from cpas_isp.views import safe_next
from trajets import queries
from trajets.forms import EtapeForm, JournalFiltre, SeanceCollectiveForm
from trajets.models.journal import Etape
from trajets.models.phases import PassagePhase
from trajets.permissions import masquer_notes, peut_modifier_etape, peut_voir_file_cellule
from trajets.services import journal as services
from trajets.templatetags.trajets_tags import url_personne
from trajets.views.commun import htmx_trigger, personne, suivi_requis


@suivi_requis
def etape_rapide(request, pk):
    """The quick step form, opened in place (htmx) from the caseload or the person's page."""
    b = personne(request, pk)
    dans = request.GET.get("dans") or request.POST.get("dans") or "fiche"
    if dans not in {"fiche", "ligne", "journal"}:
        dans = "fiche"
    parcours = bool(request.GET.get("parcours") or request.POST.get("parcours"))
    derniers = services.derniers_choix(request.user, b.cpas_id)
    if request.method == "POST":
        form = EtapeForm(request.POST, derniers_choix=derniers, cpas=b.cpas_id)
        if form.is_valid():
            etape = services.noter_etape(b, request.user, **form.cleaned_data)
            if not request.htmx:
                messages.success(request, _("Étape enregistrée."))
                return redirect(url_personne(b))
            # The person page's timeline refreshes itself on "etapeEnregistree", filters kept.
            context = {"b": b, "etape": etape, "dans": dans, "parcours": parcours}
            html = render_to_string("trajets/_etape_ok.html", context, request=request)
            response = HttpResponse(html)
            return htmx_trigger(response, "etapeEnregistree", {"beneficiaire": b.pk})
    else:
        form = EtapeForm(derniers_choix=derniers, cpas=b.cpas_id)
    journaliser_acces(request, b)
    template = "trajets/_etape_form.html" if request.htmx else "trajets/etape_form_page.html"
    return render(request, template, {"b": b, "form": form, "dans": dans, "parcours": parcours})


@suivi_requis
def etape_modifier(request, etape_pk):
    etape = get_for_user(Etape.objects.select_related("beneficiaire"), request.user, pk=etape_pk)
    b = personne(request, etape.beneficiaire_id)
    if not peut_modifier_etape(request.user, etape):
        raise PermissionDenied(_("Seul l'auteur ou un coordinateur peut modifier cette étape."))
    form = EtapeForm(request.POST or None, instance=etape)
    if request.method == "POST" and form.is_valid():
        services.modifier_etape(form.save(commit=False))
        messages.success(request, _("Étape modifiée."))
        return redirect("trajets:journal", pk=b.pk)
    journaliser_acces(request, b)
    return render(request, "trajets/etape_modifier.html", {"b": b, "form": form, "etape": etape})


@require_POST
@suivi_requis
def action_faite(request, etape_pk):
    etape = get_for_user(
        Etape.objects.select_related("beneficiaire", "type"), request.user, pk=etape_pk
    )
    personne(request, etape.beneficiaire_id)
    services.marquer_action_faite(etape)
    if request.htmx:
        response = HttpResponse(
            render_to_string("trajets/_action_faite.html", {"etape": etape}, request=request)
        )
        return htmx_trigger(response, "etapeEnregistree", {"beneficiaire": etape.beneficiaire_id})
    messages.success(request, _("Action marquée comme faite."))
    return redirect(safe_next(request, "trajets:echeances"))


@suivi_requis
def journal(request, pk):
    """The person's whole journal (and the trajectory), filterable by type."""
    b = personne(request, pk)
    journaliser_acces(request, b)
    filtres = JournalFiltre(request.GET, cpas_id=b.cpas_id)
    qs = filtres.filter(
        Etape.objects.filter(beneficiaire=b)
        .select_related("type", "auteur", "passage", "evaluation_piis")
        .order_by("-date", "-id")
    )
    page = paginer(request, qs)
    masquer_notes(page.object_list, request.user)
    context = {
        "b": b,
        "page": page,
        "filtres": filtres,
        "passages": PassagePhase.objects.filter(beneficiaire=b)
        .select_related("agent", "motif_sortie")
        .order_by("-debut"),
    }
    if request.htmx and request.GET.get("partiel"):
        return render(request, "trajets/_journal_liste.html", context)
    return render(request, "trajets/journal.html", context)


@suivi_requis
def seance_collective(request, code):
    """Log one collective session for a group: one step for each participant."""
    cellule = get_for_user(Cellule.objects, request.user, code=code)
    if not peut_voir_file_cellule(request.user, cellule):
        raise Http404  # another cellule's people: not the user's to see, nor to know about
    personnes = Beneficiaire.objects.for_user(request.user).filter(
        pk__in=queries.file_cellule(request.user, cellule).values("beneficiaire_id")
    )
    form = SeanceCollectiveForm(
        request.POST or None,
        personnes=personnes.order_by("nom", "prenom"),
        derniers_choix={"type_id": None, "mode": "presentiel"},
        cpas=cellule.cpas_id,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        participants = data.pop("participants")
        etapes = services.noter_seance_collective(participants, request.user, **data)
        messages.success(
            request,
            _("Séance collective notée pour %(n)s personne(s).") % {"n": len(etapes)},
        )
        return redirect("trajets:file_cellule", code=cellule.code)
    journaliser_liste(request, personnes.values_list("pk", flat=True))  # the people offered
    return render(request, "trajets/seance_collective.html", {"form": form, "cellule": cellule})
