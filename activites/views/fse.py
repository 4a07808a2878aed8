"""ESF+ pages: a participant's entry data and results, the Annex I table of a project and
period (figures linked to their people), the participant file and the table as CSV/XLSX, and
the follow-up link of "Mes échéances"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from activites import fse
from activites.forms_fse import (
    CHAMPS_SENSIBLES,
    FiltreFseForm,
    ParticipantFseForm,
    PersonnesFseForm,
)
from activites.hooks import ONGLET_FICHE
from activites.models import ParticipantFse, StatutInscription, SuiviFse
from activites.queries import inscriptions_visibles
from activites.views.commun import gestion_requise, get_inscription
from beneficiaires.hooks import url_onglet
from beneficiaires.models import Beneficiaire
from beneficiaires.permissions import peut_voir_freins_sensibles
from cpas_isp import exports
from cpas_isp import permissions as p
from cpas_isp.audit import journaliser_acces, journaliser_liste
from cpas_isp.contraintes import ajouter_au_formulaire
from cpas_isp.listes import paginer
from cpas_isp.views import role_required

tableau_requis = role_required(p.peut_voir_tableaux_de_bord)


def _sensibles(user) -> bool:
    """Lists and exports name only people of the user's caseload (``visibles_par``): for
    those, the sensitive-data rule (``peut_voir_freins_sensibles``: coordinators, the referent,
    the person's cellule) comes down to the role's right."""
    return p.peut_voir_donnees_sensibles(user)


@gestion_requise
def participant(request, inscription_pk):
    """The person's ESF+ data for the project of this enrolment: proposed from the file,
    confirmed by the agent; results at exit and six months later."""
    inscription = get_inscription(request, inscription_pk)
    projet = inscription.activite.numero_projet_fse
    if not projet or inscription.statut == StatutInscription.ATTENTE:
        raise Http404
    b = inscription.beneficiaire
    sensibles = peut_voir_freins_sensibles(request.user, b)
    donnees = ParticipantFse.objects.filter(beneficiaire=b, numero_projet=projet).first()
    ligne = next(iter(fse.lignes(Beneficiaire.objects.filter(pk=b.pk), projet)), None)
    entree = ligne.entree if ligne else inscription.date_inscription
    initial = {} if donnees else fse.propositions(b, entree)
    if not sensibles:
        initial.pop("pays_tiers", None)
    form = ParticipantFseForm(
        request.POST or None, instance=donnees, initial=initial, sensibles=sensibles
    )
    if request.method == "POST" and form.is_valid():
        try:
            fse.enregistrer(b, projet, form.cleaned_data, request.user, sensibles=sensibles)
        except ValidationError as erreur:
            ajouter_au_formulaire(form, erreur)
        else:
            messages.success(request, _("Données FSE+ enregistrées."))
            return redirect(url_onglet(b.pk, ONGLET_FICHE) + "#activites")
    journaliser_acces(request, b)
    return render(
        request,
        "activites/fse/participant.html",
        {
            "form": form,
            "b": b,
            "inscription": inscription,
            "projet": projet,
            "donnees": donnees,
            "ligne": ligne,
            "tranche": fse.tranche_age(fse.naissance(b), entree),
            "sensibles": sensibles,
            "champs_sensibles": CHAMPS_SENSIBLES,
        },
    )


def _filtre(request, form_class=FiltreFseForm, par_defaut=None):
    donnees = request.GET or par_defaut
    form = form_class(donnees or None, projets=fse.projets(request.user))
    return form, (form.is_valid() if donnees else False)


@tableau_requis
def tableau(request):
    """The Annex I common indicators of one project and period, by gender; opened without a
    choice, the CPAS's first project over its whole period (what a coordinator comes for)."""
    projets = fse.projets(request.user)
    form, valide = _filtre(request, par_defaut={"projet": projets[0]} if projets else None)
    contexte = {"form": form, "projets": projets}
    if valide and form.cleaned_data["projet"]:
        d = form.cleaned_data
        lignes = fse.lignes(fse.perimetre(request.user), d["projet"], d["du"], d["au"])
        contexte.update(
            rangees=fse.tableau(lignes),
            nb_lignes=len(lignes),
            liens=p.peut_suivre_beneficiaires(request.user),
            liens_sensibles=_sensibles(request.user),
            exporter=p.peut_exporter(request.user),
            genres=fse.GENRES,
        )
    return render(request, "activites/fse/tableau.html", contexte)


@gestion_requise
def personnes(request):
    """The people behind one figure of the table or of the dashboard (need-to-know)."""
    form = PersonnesFseForm(request.GET, projets=fse.projets(request.user))
    if not form.is_valid():
        return HttpResponseBadRequest(_("Ce lien ne correspond à aucun nombre."))
    d = form.cleaned_data
    ind = fse.indicateur(d["indicateur"]) if d["indicateur"] else None
    if ind is not None and ind.sensible and not _sensibles(request.user):
        raise Http404
    visibles = Beneficiaire.objects.visibles_par(request.user)
    lignes = fse.lignes(visibles, d["projet"] or None, d["du"], d["au"])
    lignes = fse.filtrer(lignes, d["indicateur"], d["genre"], d["manquant"], timezone.localdate())
    page = paginer(request, lignes)
    ids = [ligne.beneficiaire_id for ligne in page.object_list]
    inscriptions = {}
    for i in (
        inscriptions_visibles(request.user)
        .filter(beneficiaire_id__in=ids)
        .exclude(activite__numero_projet_fse="")
        .exclude(statut=StatutInscription.ATTENTE)
        .order_by("date_inscription", "id")
        .values_list("pk", "beneficiaire_id", "activite__numero_projet_fse")
    ):
        inscriptions[(i[1], i[2])] = i[0]
    for ligne in page.object_list:
        ligne.inscription_id = inscriptions.get((ligne.beneficiaire_id, ligne.projet))
    journaliser_liste(request, ids, objet=_("participants FSE+"))
    return render(
        request,
        "activites/fse/personnes.html",
        {"page": page, "indicateur": ind, "filtre": d, "nb": len(lignes)},
    )


@tableau_requis
def export(request, table, format):  # noqa: A002 (the URL's name)
    """``participants``: the participant file (coordinators: names and NISS);
    ``indicateurs``: the Annex I table. CSV or XLSX through ``cpas_isp.exports``."""
    if table not in ("participants", "indicateurs") or format not in ("csv", "xlsx"):
        raise Http404
    if table == "participants" and not p.peut_exporter(request.user):
        raise Http404
    form, valide = _filtre(request)
    if not valide or not form.cleaned_data["projet"]:
        return HttpResponseBadRequest(_("Choisissez un projet FSE+ et une période valide."))
    d = form.cleaned_data
    nom = "fse-" + "".join(c if c.isalnum() else "-" for c in d["projet"]).strip("-")
    if table == "participants":
        lignes = fse.lignes(
            Beneficiaire.objects.visibles_par(request.user), d["projet"], d["du"], d["au"]
        )
        colonnes = fse.colonnes_participants(_sensibles(request.user))
        entetes = [c for c, _valeur in colonnes]
        rangees = [[valeur(ligne) for _c, valeur in colonnes] for ligne in lignes]
        journaliser_liste(
            request, [ligne.beneficiaire_id for ligne in lignes], objet=_("export FSE+")
        )
        titre = _("Participants FSE+")
        nom += "-participants"
    else:
        lignes = fse.lignes(fse.perimetre(request.user), d["projet"], d["du"], d["au"])
        entetes = [_("Indicateur"), _("Femmes"), _("Hommes"), _("Autre / inconnu"), _("Total")]
        rangees = [
            [str(r.indicateur.libelle), *[r.par_genre[g] for g in fse.GENRES], r.total]
            for r in fse.tableau(lignes)
        ]
        titre = _("Indicateurs FSE+")
        nom += "-indicateurs"
    if format == "csv":
        return exports.reponse_csv(f"{nom}.csv", entetes, rangees, en_flux=False)
    return exports.reponse_xlsx(f"{nom}.xlsx", titre, entetes, rangees)


@gestion_requise
def suivi(request, pk):
    """A follow-up of "Mes échéances": the person's ESF+ form for that project."""
    suivi = get_object_or_404(
        SuiviFse.objects.for_user(request.user).filter(
            beneficiaire__in=Beneficiaire.objects.visibles_par(request.user).values("pk")
        ),
        pk=pk,
    )
    inscription = (
        inscriptions_visibles(request.user)
        .filter(
            beneficiaire_id=suivi.beneficiaire_id,
            activite__numero_projet_fse=suivi.numero_projet,
        )
        .exclude(statut=StatutInscription.ATTENTE)
        .order_by("-date_inscription", "-id")
        .first()
    )
    if inscription is None:
        raise Http404
    return redirect("activites:fse_participant", inscription_pk=inscription.pk)
