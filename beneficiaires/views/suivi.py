"""Who follows the person and whether the file is open: the referent's change (one file, or in
bulk from the caseload with its filters), closing the file (ending what runs, in one
transaction) and reopening it. The work is in ``beneficiaires.services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cpas_isp import permissions as p
from cpas_isp.audit import journaliser_acces
from cpas_isp.contraintes import ajouter_au_formulaire
from cpas_isp.views import role_required

from .. import permissions as bp
from .. import services
from ..acces import get_beneficiaire_or_404, permis_sur_dossier_cloture
from ..forms import CaseloadFiltreForm, ClotureForm, ReattributionForm, ReouvertureForm
from ..models import AttributionReferent, Beneficiaire

MAX_SELECTION = 5000


def _message_reattribution(request, n, agent):
    if n:
        messages.success(
            request,
            ngettext(
                "%(n)s dossier attribué à %(agent)s.",
                "%(n)s dossiers attribués à %(agent)s.",
                n,
            )
            % {"n": n, "agent": agent},
        )
    else:
        messages.info(request, _("%(agent)s suivait déjà ces dossiers.") % {"agent": agent})


# --- One file -----------------------------------------------------------------------------------


@role_required(bp.peut_reattribuer)
def referent_changer(request, pk):
    b = get_beneficiaire_or_404(
        request.user, pk, Beneficiaire.objects.select_related("referent", "cpas")
    )
    form = ReattributionForm(request.POST or None, cpas=request.cpas)
    if request.method == "POST" and form.is_valid():
        agent = form.cleaned_data["agent"]
        try:
            n = services.reattribuer(
                [b.pk],
                agent,
                par=request.user,
                cpas=request.cpas,
                motif=form.cleaned_data["motif"],
                passage_aussi=form.cleaned_data["passage_aussi"],
            )
        except ValidationError as exc:
            ajouter_au_formulaire(form, exc)
        else:
            _message_reattribution(request, n, agent)
            return redirect(b.get_absolute_url() + "#suivi")
    journaliser_acces(request, b)
    historique = AttributionReferent.objects.filter(beneficiaire=b).select_related(
        "ancien", "nouveau", "par"
    )[:20]
    return render(
        request,
        "beneficiaires/referent.html",
        {"form": form, "b": b, "historique": historique},
    )


# --- Bulk, from the caseload --------------------------------------------------------------------


def _ids_postes(request) -> list[int] | None:
    valeurs = request.POST.getlist("personnes")
    if not all(v.isdecimal() and len(v) < 12 for v in valeurs):
        return None
    return sorted({int(v) for v in valeurs})


@require_POST
@role_required(bp.peut_reattribuer)
def reattribuer_lot(request):
    """Reassign the people ticked in the caseload, or all those matching its filters (the
    filters ride in the query string, as on the list). Another CPAS's or an unseen id: 404,
    nothing changed."""
    retour = reverse("beneficiaires:liste") + ("?" + request.GET.urlencode() if request.GET else "")
    ids = _ids_postes(request)
    if ids is None:
        return HttpResponseBadRequest(_("Sélection invalide."))
    visibles = Beneficiaire.objects.visibles_par(request.user)
    if request.POST.get("tous"):
        aujourd_hui = timezone.localdate()
        f = CaseloadFiltreForm(request.GET, user=request.user, aujourd_hui=aujourd_hui)
        ids = list(f.filter(visibles).order_by().values_list("pk", flat=True)[: MAX_SELECTION + 1])
        attendu = request.POST.get("nombre", "")
        if len(ids) > MAX_SELECTION:
            messages.error(
                request,
                _("Plus de %(n)s dossiers : affinez les filtres.") % {"n": MAX_SELECTION},
            )
            return redirect(retour)
        # (a number too long to be a count differs: Python refuses to read 4,300 digits)
        if attendu.isdecimal() and (len(attendu) > 11 or int(attendu) != len(ids)):
            messages.error(
                request,
                _(
                    "La sélection a changé (%(n)s dossiers au lieu de %(attendu)s) : "
                    "vérifiez la liste et recommencez."
                )
                % {"n": len(ids), "attendu": attendu},
            )
            return redirect(retour)
    elif ids:
        if visibles.filter(pk__in=ids).count() != len(ids):
            raise Http404
    form = ReattributionForm(request.POST, cpas=request.cpas)
    if not ids:
        messages.error(request, _("Cochez au moins une personne, ou toute la sélection."))
        return redirect(retour)
    if not form.is_valid():
        for erreurs in form.errors.values():
            for erreur in erreurs:
                messages.error(request, erreur)
        return redirect(retour)
    agent = form.cleaned_data["agent"]
    try:
        n = services.reattribuer(
            ids,
            agent,
            par=request.user,
            cpas=request.cpas,
            motif=form.cleaned_data["motif"],
            passage_aussi=form.cleaned_data["passage_aussi"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(retour)
    _message_reattribution(request, n, agent)
    return redirect(retour)


# --- Closing and reopening ----------------------------------------------------------------------


def _dossier_cloturable(request, pk):
    b = get_beneficiaire_or_404(
        request.user, pk, Beneficiaire.objects.select_related("referent", "cpas")
    )
    if not bp.peut_cloturer_dossier(request.user, b):
        raise Http404
    return b


@role_required(p.peut_suivre_beneficiaires)
def cloturer(request, pk):
    b = _dossier_cloturable(request, pk)
    if b.date_cloture is not None:
        messages.info(request, _("Ce dossier est déjà clôturé."))
        return redirect(b)
    date = timezone.localdate()
    if request.method == "POST":
        # What runs on the chosen date is what may end (the form checks the date itself).
        try:
            posee = parse_date((request.POST.get("date") or "")[:10])
        except ValueError:
            posee = None
        if posee is not None and posee <= date:
            date = posee
    elements = services.elements_cloture(b, date)
    form = ClotureForm(request.POST or None, beneficiaire=b, elements=elements)
    if request.method == "POST" and form.is_valid():
        try:
            termines = services.cloturer_dossier(
                b,
                form.cleaned_data["date"],
                par=request.user,
                choisis=form.choisis(),
                motif=form.cleaned_data["motif"],
            )
        except ValidationError as exc:
            ajouter_au_formulaire(form, exc)
        else:
            messages.success(
                request,
                _("Dossier clôturé. Terminé : %(quoi)s.")
                % {"quoi": ", ".join(termines) or _("rien")},
            )
            return redirect(b)
    journaliser_acces(request, b)
    return render(request, "beneficiaires/cloture.html", {"form": form, "b": b})


@require_POST
@permis_sur_dossier_cloture
@role_required(p.peut_suivre_beneficiaires)
def rouvrir(request, pk):
    b = _dossier_cloturable(request, pk)
    form = ReouvertureForm(request.POST)
    motif = form.cleaned_data["motif"] if form.is_valid() else ""
    try:
        services.rouvrir_dossier(b, par=request.user, motif=motif)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Dossier rouvert."))
    return redirect(b)


def historique_suivi(b) -> list[dict]:
    """The person page's small history: referent changes, closings and reopenings, newest
    first."""
    lignes = [
        {
            "le": a.le,
            "texte": _("Référent : %(ancien)s → %(nouveau)s")
            % {"ancien": a.ancien or _("aucun"), "nouveau": a.nouveau or _("aucun")},
            "par": a.par,
            "motif": a.motif,
        }
        for a in b.attributions.select_related("ancien", "nouveau", "par")[:10]
    ]
    for c in b.clotures.select_related("par")[:10]:
        texte = (
            _("Clôture au %(date)s") % {"date": f"{c.date:%d/%m/%Y}"}
            if c.nature == "cloture"
            else _("Réouverture")
        )
        if c.termine:
            texte += " — " + _("terminé : %(quoi)s") % {"quoi": ", ".join(c.termine)}
        lignes.append({"le": c.le, "texte": texte, "par": c.par, "motif": c.motif})
    return sorted(lignes, key=lambda x: x["le"], reverse=True)[:10]
