"""Dashboards (coordinators, directors, agents of a cellule), the lists of people behind their
numbers, CSV/XLSX exports of their tables, and the monthly reports page. The figures are built
in ``rapports.tableaux``; these views read the request and render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from beneficiaires.models import Beneficiaire
from cpas_isp import exports, permissions
from cpas_isp.audit.log import journaliser_liste
from cpas_isp.listes import paginer
from cpas_isp.memo import Memo
from cpas_isp.middleware import SessionIdleMiddleware
from cpas_isp.tenancy import get_for_user
from cpas_isp.views import role_required
from rapports import queries, tableaux
from rapports.forms import DemandeRapportForm, FiltresTableauDeBord, IndicateurForm
from rapports.models import EtatRapport, RapportMensuel
from rapports.services import demander_rapport

# --- Access --------------------------------------------------------------------------------


def cellule_imposee(request):
    """The cellule an agent is limited to when their CPAS chooses so (None: no limit)."""
    membership = request.membership
    if permissions.est_agent(request.user) and membership.cpas.dashboards_agents_par_cellule:
        if membership.cellule is None:
            raise PermissionDenied(
                _(
                    "Votre CPAS limite les tableaux de bord des agents à leur cellule, et aucune "
                    "cellule ne vous est attribuée."
                )
            )
        return membership.cellule
    return None


def peut_ouvrir_listes(user) -> bool:
    """Numbers link to their people for those who work on files (never directors)."""
    return permissions.peut_suivre_beneficiaires(user)


def _filtres(request):
    """The filters form (with its errors shown when invalid) and the filters it applies."""
    form = FiltresTableauDeBord(
        request.GET, cpas=request.cpas, cellule_imposee=cellule_imposee(request)
    )
    return form, form.filtres()


def _donnees(request, form, filtres, *, recalculer=False) -> dict:
    """The dashboard's tables (with the group's when the user sees several CPAS as a whole),
    as computed a few minutes ago at most (``tableaux.donnees_du_moment``)."""
    groupe = tableaux.groupe_cpas(request.user) if form.cellule_imposee is None else []
    return tableaux.donnees_du_moment(
        request.cpas,
        filtres,
        groupe,
        recalculer=recalculer,
        ecrit_le=SessionIdleMiddleware.derniere_ecriture(request),
    )


# --- Views ---------------------------------------------------------------------------------


@role_required(permissions.peut_voir_tableaux_de_bord)
def tableau_de_bord(request):
    form, filtres = _filtres(request)
    if "recalculer" in request.GET:
        # "Recalculer maintenant": compute the figures now, then back to the page's own
        # address (a reload does not compute them again).
        _donnees(request, form, filtres, recalculer=True)
        requete = request.GET.copy()
        del requete["recalculer"]
        return redirect(f"{request.path}?{requete.urlencode()}" if requete else request.path)
    donnees = _donnees(request, form, filtres)
    requete = request.GET.copy()
    requete["recalculer"] = "1"
    liens = filtres.params() if peut_ouvrir_listes(request.user) else None
    contexte = {
        **donnees,
        "form": form,
        "filtres": filtres,
        "liens": liens,
        "cellule_imposee": form.cellule_imposee,
        "url_recalculer": f"?{requete.urlencode()}",
        "figures": _figures(request, donnees, liens),
    }
    return render(request, "rapports/tableau_de_bord.html", contexte)


# The figures' markup (every table, chart and export button: ~170 KB, two thirds of the
# page's work for a large CPAS) for the figures computed at a moment and what else it shows,
# rendered once and reused by every view of those figures (coordinators come back to the same
# dashboard all day). Its template is rendered from these values alone, without the request,
# so that nothing else can reach it.
_FIGURES = "rapports/_figures.html"
_figures_rendues: Memo[str] = Memo(32)


def _figures(request, donnees, liens) -> str:
    """``_FIGURES`` rendered for ``donnees`` (``tableaux.donnees_du_moment``), the links to the
    people behind the numbers (``liens``: None without them) and the page's export links."""
    export = _liens_export(request)
    # The ESF+ section's link to the indicators (every viewer of the page may follow it).
    voir_fse = permissions.peut_voir_tableaux_de_bord(request.user)

    def rendre():
        return render_to_string(
            _FIGURES,
            {
                **donnees,
                **export,
                "liens": liens,
                "ecran": True,
                "toutes_phases": queries.PHASES,
                "graphique_participation": tableaux.graphique_participation(
                    donnees["participation"]
                ),
                "graphique_flux": tableaux.graphique_flux(donnees["flux"]),
                "flux_total": donnees["flux"].total,
                "perms_isp": {"peut_voir_tableaux_de_bord": voir_fse},
            },
        )

    if donnees.get("cle_donnees") is None:  # figures not kept: computed for this view only
        return rendre()
    cle = (
        donnees["cle_donnees"],
        donnees["calcule_le"],
        tuple(sorted(liens.items())) if liens is not None else None,
        export["export_requete"],
        voir_fse,
        get_language(),
        get_script_prefix(),
    )
    return _figures_rendues.obtenir(cle, rendre)


def _liens_export(request) -> dict:
    """What ``{% boutons_export %}`` needs, once for the page's dozen export buttons:
    ``{% url 'rapports:export' table format %}{% querystring %}`` is
    ``export_debut`` + table + "." + format + ``export_requete``."""
    url = reverse("rapports:export", kwargs={"table": "t", "format": "csv"})
    return {
        "export_debut": url.removesuffix("t.csv"),
        "export_requete": escape(f"?{request.GET.urlencode()}") if request.GET else "",
    }


@role_required(permissions.peut_voir_tableaux_de_bord)
def export(request, table, format):
    if format not in {"csv", "xlsx"}:
        raise Http404
    form, filtres = _filtres(request)
    tables = tableaux.tables_export(_donnees(request, form, filtres))
    if table not in tables:
        raise Http404
    titre, entetes, lignes = tables[table]
    nom = f"{table}-{request.cpas.code}-{filtres.du:%Y-%m}-{filtres.au:%Y-%m}"
    if format == "csv":
        return exports.reponse_csv(f"{nom}.csv", entetes, lignes)
    return exports.reponse_xlsx(f"{nom}.xlsx", titre, entetes, list(lignes))


def _url_fiche(pk):
    try:
        return reverse("beneficiaires:detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return None


@role_required(peut_ouvrir_listes)
def personnes(request):
    _form, filtres = _filtres(request)
    form = IndicateurForm(request.GET, user=request.user, cpas=request.cpas, filtres=filtres)
    found = form.trouver()
    if found is None:
        return HttpResponseBadRequest(_("Ce lien ne correspond à aucun nombre du tableau de bord."))
    queryset, description = found
    # Only the people the user may open (need-to-know); the others are counted, not named.
    visibles = form.filter(Beneficiaire.objects.visibles_par(request.user))
    visibles = visibles.select_related("referent").order_by("nom", "prenom", "id")
    format = request.GET.get("format")
    if format in {"csv", "xlsx"}:
        return _exporter_personnes(request, visibles, description, format)
    total = queryset.filter(cpas=request.cpas).count()
    page = paginer(request, visibles)
    for b in page.object_list:
        b.url = _url_fiche(b.pk)
    journaliser_liste(request, [b.pk for b in page.object_list])
    retour = QueryDict(mutable=True)
    retour.update({k: str(v) for k, v in filtres.params().items()})
    return render(
        request,
        "rapports/personnes.html",
        {
            "page": page,
            "description": description,
            "total": total,
            "masques": total - page.paginator.count,
            "retour": retour,
            "peut_exporter": permissions.peut_exporter(request.user),
        },
    )


COLONNES_PERSONNES = (_l("Nom"), _l("NISS"), _l("Référent"))


def _exporter_personnes(request, visibles, description, format):
    """The whole list behind a number (every page, the columns of the page) as CSV or XLSX:
    coordinators only, like the caseload's export; every person exported is logged."""
    if not permissions.peut_exporter(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas d'exporter des listes."))
    journaliser_liste(
        request,
        visibles.values_list("pk", flat=True),
        objet=_("export %(format)s : %(liste)s") % {"format": format.upper(), "liste": description},
    )
    lignes = (
        [str(b), b.niss_affiche, str(b.referent) if b.referent_id else ""]
        for b in visibles.iterator(chunk_size=2000)
    )
    nom = f"personnes-{request.cpas.code}-{timezone.localdate():%Y%m%d}"
    if format == "csv":
        return exports.reponse_csv(f"{nom}.csv", COLONNES_PERSONNES, lignes)
    return exports.reponse_xlsx(f"{nom}.xlsx", _("Personnes"), COLONNES_PERSONNES, lignes)


# --- Monthly reports -----------------------------------------------------------------------


@role_required(permissions.peut_voir_rapports)
def mensuels(request):
    rapports = list(
        RapportMensuel.objects.for_user(request.user)
        .select_related("demande_par", "cpas")
        .order_by("-mois", "langue")
    )
    contexte = {
        "rapports": rapports,
        "en_cours": any(not r.termine for r in rapports),
        "form": DemandeRapportForm(
            initial={"mois": queries.ajouter_mois(timezone.localdate(), -1)}, cpas=request.cpas
        ),
        "etats": EtatRapport,
    }
    if request.htmx:
        return render(request, "rapports/_liste_mensuels.html", contexte)
    return render(request, "rapports/mensuels.html", contexte)


def du_mois(mois) -> str:
    """ "de mars 2026", "d'octobre 2026" (French elides "de" before a vowel: avril, août,
    octobre); "van maart 2026", "van oktober 2026" in Dutch."""
    libelle = date_format(mois, "YEAR_MONTH_FORMAT")
    if libelle[:1].lower() in "aeiouyàâäéèêëîïôöûü":
        return _("d'%(mois)s") % {"mois": libelle}
    return _("de %(mois)s") % {"mois": libelle}


@require_POST
@role_required(permissions.peut_voir_rapports)
def demander(request):
    form = DemandeRapportForm(request.POST, cpas=request.cpas)
    if form.is_valid():
        mois = form.cleaned_data["mois"]
        rapport = demander_rapport(
            request.cpas, mois, user=request.user, langue=form.cleaned_data["langue"]
        )
        if rapport.deja_demande:
            messages.info(
                request,
                _(
                    "Le rapport %(du_mois)s est déjà en préparation : il ne sera pas généré "
                    "deux fois ; cette page se met à jour toute seule."
                )
                % {"du_mois": du_mois(mois)},
            )
        else:
            messages.success(
                request,
                _(
                    "Le rapport %(du_mois)s est en préparation ; cette page se met à jour "
                    "toute seule."
                )
                % {"du_mois": du_mois(mois)},
            )
    else:
        for erreurs in form.errors.values():
            for erreur in erreurs:
                messages.error(request, erreur)
    return redirect("rapports:mensuels")


@role_required(permissions.peut_voir_rapports)
def telecharger(request, pk):
    rapport = get_for_user(RapportMensuel.objects.select_related("cpas"), request.user, pk=pk)
    if not rapport.telechargeable:
        raise Http404(_("Ce rapport n'est pas encore disponible."))
    try:
        fichier = rapport.fichier.open("rb")
    except FileNotFoundError:
        raise Http404(_("Le fichier de ce rapport est introuvable ; demandez-le à nouveau."))
    return FileResponse(
        fichier, as_attachment=True, filename=rapport.nom_fichier, content_type="application/pdf"
    )
