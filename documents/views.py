"""Documents: upload to a person's file (optionally attached to a step, a PIIS, a referral or
an article 60 contract), download through need-to-know and the access log, delete, share with a
referral, and the partner's download of what was shared with them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires.acces import get_beneficiaire_or_404, get_objet_or_404
from beneficiaires.hooks import url_onglet
from beneficiaires.models import Beneficiaire
from beneficiaires.permissions import peut_voir_freins_sensibles
from cpas_isp import permissions as p
from cpas_isp.audit import journaliser_acces
from cpas_isp.contraintes import ajouter_au_formulaire
from cpas_isp.listes import cle_demandee
from cpas_isp.views import role_required, safe_next
from partenaires.integration import ONGLET as ONGLET_FICHE
from partenaires.models import Orientation
from trajets.models import ContratArticle60, Etape, Piis

from . import services
from .forms import ETAPES_PROPOSEES, DocumentForm
from .models import LIENS, Document, PartageDocument
from .permissions import documents_visibles, peut_supprimer

suivi_requis = role_required(p.peut_suivre_beneficiaires)
portail_requis = role_required(p.peut_utiliser_portail_partenaire)


def _objets_de_la_personne(b, demande: dict) -> dict:
    """(pk, label) of the person's steps (latest, and the one asked for), PIIS, referrals,
    contracts: what a document may be attached to."""
    etapes = list(
        Etape.objects.filter(beneficiaire=b, cpas_id=b.cpas_id)
        .select_related("type")
        .order_by("-date", "-id")[:ETAPES_PROPOSEES]
    )
    if demande.get("etape") and all(e.pk != demande["etape"] for e in etapes):
        etapes += list(
            Etape.objects.filter(
                beneficiaire=b, cpas_id=b.cpas_id, pk=demande["etape"]
            ).select_related("type")
        )
    orientations = Orientation.objects.filter(beneficiaire=b, cpas_id=b.cpas_id).select_related(
        "service__partenaire"
    )
    return {
        "etape": [(e.pk, f"{e.date:%d/%m/%Y} · {e.type.libelle}") for e in etapes],
        "piis": [
            (x.pk, str(x))
            for x in Piis.objects.filter(beneficiaire=b, cpas_id=b.cpas_id).order_by("-id")
        ],
        "orientation": [
            (o.pk, f"{o.date_orientation:%d/%m/%Y} · {o.service.partenaire.nom}")
            for o in orientations.order_by("-date_orientation", "-id")
        ],
        "contrat": [
            (c.pk, str(c))
            for c in ContratArticle60.objects.filter(beneficiaire=b, cpas_id=b.cpas_id).order_by(
                "-debut"
            )
        ],
    }


def _demande(request) -> dict:
    """The object asked for in the query string (?etape=12), ignored when not a number."""
    demande = {}
    for champ in LIENS:
        cle = cle_demandee(request.GET.get(champ, ""))
        if cle is not None:
            demande[champ] = cle
    return demande


@suivi_requis
def ajouter(request, pk):
    b = get_beneficiaire_or_404(request.user, pk, Beneficiaire.objects.select_related("cpas"))
    demande = _demande(request)
    objets = _objets_de_la_personne(b, demande)
    retour = safe_next(request, fallback=None) or f"{url_onglet(b.pk, ONGLET_FICHE)}#documents"
    initial = {}
    for champ, pk_objet in demande.items():
        if any(pk_objet == x for x, _label in objets[champ]):
            initial["lien"] = f"{champ}:{pk_objet}"
    form = DocumentForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        beneficiaire=b,
        voir_sensibles=peut_voir_freins_sensibles(request.user, b),
        objets=objets,
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = services.deposer(
                beneficiaire=b,
                fichier=form.cleaned_data["fichier"],
                categorie=form.cleaned_data["categorie"],
                expire_le=form.cleaned_data["expire_le"],
                lien=form.lien_kwargs(),
                user=request.user,
            )
        except ValidationError as exc:
            ajouter_au_formulaire(form, exc)
        else:
            if document.telechargeable:
                messages.success(request, _("Document « %(nom)s » ajouté.") % {"nom": document})
            else:
                messages.warning(
                    request,
                    _(
                        "Document « %(nom)s » ajouté, mais pas encore analysé par l'antivirus : "
                        "il sera téléchargeable après l'analyse."
                    )
                    % {"nom": document},
                )
            return redirect(retour)
    journaliser_acces(request, b)
    return render(
        request,
        "documents/ajouter.html",
        {"form": form, "b": b, "retour": retour},
    )


def _reponse_fichier(document: Document) -> FileResponse:
    try:
        flux = default_storage.open(document.fichier, "rb")
    except FileNotFoundError:
        raise Http404
    reponse = FileResponse(
        flux,
        as_attachment=True,
        filename=document.nom_original,
        content_type=document.type_contenu,
    )
    reponse["X-Content-Type-Options"] = "nosniff"
    reponse["Cache-Control"] = "private, no-store"
    reponse["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return reponse


def _non_telechargeable(request, document, retour):
    messages.error(
        request,
        _("« %(nom)s » n'a pas encore été analysé par l'antivirus : téléchargement bloqué.")
        % {"nom": document}
        if not document.statut_analyse == "infecte"
        else _("« %(nom)s » contient un logiciel malveillant : téléchargement bloqué.")
        % {"nom": document},
    )
    return redirect(retour)


@suivi_requis
def telecharger(request, pk):
    document = get_object_or_404(
        documents_visibles(request.user).select_related("beneficiaire", "categorie"), pk=pk
    )
    b = document.beneficiaire
    # documents_visibles already hides them; checked again for this one person.
    if document.categorie.sensible and not peut_voir_freins_sensibles(request.user, b):
        raise Http404
    if not document.telechargeable:
        return _non_telechargeable(request, document, f"{url_onglet(b.pk, ONGLET_FICHE)}#documents")
    journaliser_acces(request, document)
    return _reponse_fichier(document)


@require_POST
@suivi_requis
def supprimer(request, pk):
    document = get_objet_or_404(
        Document.objects.select_related("beneficiaire", "categorie"), request.user, pk=pk
    )
    b = document.beneficiaire
    if document.categorie.sensible and not peut_voir_freins_sensibles(request.user, b):
        raise Http404
    retour = safe_next(request, fallback=None) or f"{url_onglet(b.pk, ONGLET_FICHE)}#documents"
    if not peut_supprimer(request.user, document):
        messages.error(
            request,
            _("Seul l'agent qui a déposé ce document, ou un coordinateur, peut le supprimer."),
        )
        return redirect(retour)
    services.supprimer(document)
    messages.success(request, _("Document « %(nom)s » supprimé.") % {"nom": document})
    return redirect(retour)


@require_POST
@suivi_requis
def partager(request, pk, orientation_pk):
    orientation = get_objet_or_404(
        Orientation.objects.select_related("beneficiaire"), request.user, pk=orientation_pk
    )
    document = get_object_or_404(
        documents_visibles(request.user, orientation.beneficiaire).select_related("categorie"),
        pk=pk,
    )
    try:
        partage = services.basculer_partage(document, orientation, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if partage:
            messages.success(
                request,
                _("« %(nom)s » est partagé avec %(partenaire)s.")
                % {"nom": document, "partenaire": orientation.service.partenaire.nom},
            )
        else:
            messages.success(request, _("« %(nom)s » n'est plus partagé.") % {"nom": document})
    return redirect(reverse("partenaires:orientation_detail", args=[orientation.pk]) + "#documents")


@portail_requis
def portail_telecharger(request, orientation_pk, pk):
    """A partner downloads a document shared with a referral sent to their organisation."""
    orientation = get_object_or_404(
        Orientation.objects.for_user(request.user).select_related("beneficiaire"),
        pk=orientation_pk,
    )
    partage = get_object_or_404(
        PartageDocument.objects.select_related("document__categorie", "document__beneficiaire"),
        orientation=orientation,
        document_id=pk,
        cpas_id=orientation.cpas_id,
        document__categorie__sensible=False,
    )
    document = partage.document
    if not document.telechargeable:
        return _non_telechargeable(
            request, document, reverse("partenaires:portail_detail", args=[orientation.pk])
        )
    journaliser_acces(request, document)
    return _reponse_fichier(document)
