"""Dashboards (coordinators, directors, agents of a cellule), the lists of people behind their
numbers, CSV/XLSX exports of their tables, and the monthly reports page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires.models import Beneficiaire
from cpas_isp import exports, permissions
from cpas_isp.audit import journaliser_liste
from cpas_isp.tenancy import get_for_user
from cpas_isp.views import role_required
from rapports import queries, sections, svg
from rapports.forms import DemandeRapportForm, FiltresTableauDeBord
from rapports.models import EtatRapport, RapportMensuel
from rapports.services import demander_rapport
from rapports.templatetags.rapports_tags import libelle_classe, libelle_phase
from trajets.models import CELLULE_DE_PHASE

PHASE_DE_CELLULE = {cellule: str(phase) for phase, cellule in CELLULE_DE_PHASE.items()}


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


# --- Dashboard data ------------------------------------------------------------------------


@dataclass
class Filtres:
    du: datetime.date
    au: datetime.date
    cellule: str | None
    agent_id: int | None

    @property
    def phases(self):
        return [PHASE_DE_CELLULE[self.cellule]] if self.cellule in PHASE_DE_CELLULE else None

    @property
    def date_situation(self) -> datetime.date:
        return min(queries.fin_du_mois(self.au), timezone.localdate())

    def dates(self) -> list[datetime.date]:
        aujourd_hui = timezone.localdate()
        dates = [d for d in queries.fins_de_mois(self.du, self.au) if d <= aujourd_hui]
        if queries.fin_du_mois(self.au) > aujourd_hui >= self.du:
            dates.append(aujourd_hui)
        return dates or [queries.fin_du_mois(self.au)]

    def params(self) -> dict:
        """Query parameters repeating these filters (links, exports)."""
        params = {"du": self.du.strftime("%Y-%m"), "au": self.au.strftime("%Y-%m")}
        if self.cellule:
            params["cellule"] = self.cellule
        if self.agent_id:
            params["agent"] = self.agent_id
        return params


def _filtres(request):
    """The filters form (with its errors shown when invalid) and the filters applied: the
    defaults (the last twelve months, everything) when the form is invalid."""
    form = FiltresTableauDeBord(
        request.GET, cpas=request.cpas, cellule_imposee=cellule_imposee(request)
    )
    if form.is_valid():
        data = form.cleaned_data
        # Show the period applied (defaults included) in the month inputs.
        form.data = form.data.copy()
        form.data["du"], form.data["au"] = f"{data['du']:%Y-%m}", f"{data['au']:%Y-%m}"
    else:
        data = form.defauts()
    filtres = Filtres(
        du=data["du"],
        au=data["au"],
        cellule=data.get("cellule") or None,
        agent_id=data.get("agent"),
    )
    return form, filtres


def donnees_tableau_de_bord(cpas, filtres: Filtres) -> dict:
    """Every table of the dashboard: one query each, whatever the size of the data."""
    ids = [cpas.pk]
    participation = queries.tableau_participation(
        ids, filtres.dates(), phases=filtres.phases, agent_id=filtres.agent_id
    )
    flux = queries.flux_mensuels(
        ids, filtres.du, filtres.au, phases=filtres.phases, agent_id=filtres.agent_id
    )
    charge = queries.charge_de_travail(
        ids,
        filtres.date_situation,
        phases=filtres.phases,
        agent_id=filtres.agent_id,
        sans_agent=_("Sans agent"),
    )
    donnees = {
        "participation": participation,
        "flux": flux,
        "charge": charge,
        "phases": filtres.phases or queries.PHASES,
        "classes": [*queries.CLASSES, queries.SANS_CLASSE],
        "date_situation": filtres.date_situation,
    }
    donnees["sections_tableau"] = []
    donnees["tables_export_extra"] = []
    for section in sections.disponibles_tableau_de_bord():
        extra = dict(section(cpas, filtres) or {})
        for cle in ("sections_tableau", "tables_export_extra"):
            donnees[cle] = donnees[cle] + extra.pop(cle, [])
        donnees.update(extra)
    return donnees


# --- Tables as rows (exports) --------------------------------------------------------------


def tables_export(donnees) -> dict:
    """name -> (title, header, rows) of every dashboard table, rows of plain values."""
    phases = donnees["phases"]
    classes = donnees["classes"]
    tables = {
        "participation": (
            _("Participation"),
            [
                _("Date"),
                _("Dossiers RIS+ERIS"),
                *[libelle_phase(p) for p in phases],
                _("Total ISP"),
                _("Taux de participation (%)"),
            ],
            [
                [r.date, r.ris_eris, *[r.phases[p] for p in phases], r.isp, r.taux]
                for r in donnees["participation"]
            ],
        ),
        "entrees": (
            _("Entrées par phase"),
            [_("Mois"), *[libelle_phase(p) for p in phases], _("Total")],
            [
                [m.mois, *[m.entrees[p] for p in phases], m.total_entrees]
                for m in donnees["flux"].mois
            ],
        ),
        "sorties": (
            _("Sorties par phase"),
            [_("Mois"), *[libelle_phase(p) for p in phases], _("Total")],
            [
                [m.mois, *[m.sorties[p] for p in phases], m.total_sorties]
                for m in donnees["flux"].mois
            ],
        ),
        "classes": (
            _("Sorties par classe"),
            [
                _("Mois"),
                *[libelle_classe(c) for c in classes],
                _("Total des sorties"),
                _("Taux de sortie positive (%)"),
            ],
            [
                [
                    m.mois,
                    *[m.sorties_par_classe[c] for c in classes],
                    m.total_sorties,
                    m.taux_sortie_positive,
                ]
                for m in donnees["flux"].mois
            ],
        ),
        "charge": (
            _("Charge de travail"),
            [_("Agent"), *[libelle_phase(p) for p in phases], _("Total")],
            [[r.agent, *[r.phases[p] for p in phases], r.total] for r in donnees["charge"]],
        ),
    }
    if donnees.get("participation_groupe"):
        tables["groupe"] = (
            _("Participation (ensemble des CPAS)"),
            [
                _("Date"),
                _("Dossiers RIS+ERIS"),
                *[libelle_phase(p) for p in queries.PHASES],
                _("Total ISP"),
                _("Taux de participation (%)"),
            ],
            [
                [r.date, r.ris_eris, *[r.phases[p] for p in queries.PHASES], r.isp, r.taux]
                for r in donnees["participation_groupe"]
            ],
        )
    for extra in donnees.get("tables_export_extra", []):
        tables.update(extra)
    return tables


# --- Views ---------------------------------------------------------------------------------


def groupe_cpas(user):
    """The CPAS whose dashboards the user sees as coordinator or director, when several (the
    group table adds them up); an empty list otherwise."""
    from cpas_isp.models import Role
    from cpas_isp.tenancy import active_memberships

    cpas = [
        m.cpas for m in active_memberships(user) if m.role in {Role.COORDINATEUR, Role.DIRECTEUR}
    ]
    return cpas if len(cpas) > 1 else []


@role_required(permissions.peut_voir_tableaux_de_bord)
def tableau_de_bord(request):
    form, filtres = _filtres(request)
    donnees = donnees_tableau_de_bord(request.cpas, filtres)
    groupe = groupe_cpas(request.user) if form.cellule_imposee is None else []
    if groupe:
        donnees["groupe"] = groupe
        donnees["participation_groupe"] = queries.tableau_participation(
            [c.pk for c in groupe], filtres.dates()
        )
    liens = filtres.params() if peut_ouvrir_listes(request.user) else None
    contexte = {
        **donnees,
        "form": form,
        "filtres": filtres,
        "liens": liens,
        "ecran": True,
        "toutes_phases": queries.PHASES,
        "query": "&".join(f"{k}={v}" for k, v in filtres.params().items()),
        "graphique_participation": svg.graphique_participation(donnees["participation"]),
        "graphique_flux": svg.graphique_flux(donnees["flux"]),
        "flux_total": donnees["flux"].total,
        "cellule_imposee": form.cellule_imposee,
    }
    return render(request, "rapports/tableau_de_bord.html", contexte)


@role_required(permissions.peut_voir_tableaux_de_bord)
def export(request, table, format):
    if format not in {"csv", "xlsx"}:
        raise Http404
    form, filtres = _filtres(request)
    donnees = donnees_tableau_de_bord(request.cpas, filtres)
    groupe = groupe_cpas(request.user) if form.cellule_imposee is None else []
    if groupe:
        donnees["participation_groupe"] = queries.tableau_participation(
            [c.pk for c in groupe], filtres.dates()
        )
    tables = tables_export(donnees)
    if table not in tables:
        raise Http404
    titre, entetes, lignes = tables[table]
    nom = f"{table}-{request.cpas.code}-{filtres.du:%Y-%m}-{filtres.au:%Y-%m}"
    if format == "csv":
        return exports.reponse_csv(f"{nom}.csv", entetes, lignes)
    return exports.reponse_xlsx(f"{nom}.xlsx", titre, entetes, list(lignes))


def _date_param(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _personnes_indicateur(request, filtres: Filtres):
    """(queryset of people, description) for the number a link points at, or None."""
    g = request.GET
    ids = [request.cpas.pk]
    indicateur = g.get("indicateur", "")
    phase = g.get("phase") or None
    if phase is not None and phase not in queries.PHASES:
        return None
    if filtres.phases is not None and phase is not None and phase not in filtres.phases:
        return None
    date = _date_param(g.get("date"))
    mois = _date_param(g.get("mois"))
    options = {"phases": filtres.phases, "agent_id": filtres.agent_id}
    if indicateur == "ris_eris" and date:
        return queries.personnes_ris_eris(ids, date), _("Dossiers RIS+ERIS au %(date)s") % {
            "date": date_format(date, "SHORT_DATE_FORMAT")
        }
    if indicateur in {"phase", "isp"} and date:
        qs = queries.personnes_en_phase(
            ids, date, phase if indicateur == "phase" else None, **options
        )
        quoi = libelle_phase(phase) if indicateur == "phase" and phase else _("un trajet ISP")
        return qs, _("En %(quoi)s au %(date)s") % {
            "quoi": quoi,
            "date": date_format(date, "SHORT_DATE_FORMAT"),
        }
    if indicateur in {"entrees", "sorties"} and mois:
        classe = g.get("classe") or None
        if classe is not None and classe not in [*queries.CLASSES, queries.SANS_CLASSE]:
            return None
        qs = queries.personnes_flux(
            ids,
            mois,
            "entree" if indicateur == "entrees" else "sortie",
            phase=phase,
            classe=classe,
            **options,
        )
        titre = _("Entrées") if indicateur == "entrees" else _("Sorties")
        details = [date_format(mois, "YEAR_MONTH_FORMAT")]
        if phase:
            details.append(libelle_phase(phase))
        if classe:
            details.append(libelle_classe(classe))
        return qs, f"{titre} — {' · '.join(str(d) for d in details)}"
    if indicateur == "charge" and date:
        valeur = g.get("charge_agent", "")
        if valeur == "aucun":
            agent_id = None
        elif valeur.isdecimal():
            agent_id = int(valeur)
        else:
            return None
        if filtres.agent_id is not None and agent_id != filtres.agent_id:
            return None
        qs = queries.personnes_charge(ids, date, agent_id, phase, phases=filtres.phases)
        return qs, _("Personnes suivies au %(date)s") % {
            "date": date_format(date, "SHORT_DATE_FORMAT")
        }
    for extra in sections.indicateurs_personnes():
        found = extra(request, ids, indicateur, filtres)
        if found is not None:
            return found
    return None


def _url_fiche(pk):
    try:
        return reverse("beneficiaires:detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return None


@role_required(peut_ouvrir_listes)
def personnes(request):
    _form, filtres = _filtres(request)
    found = _personnes_indicateur(request, filtres)
    if found is None:
        return HttpResponseBadRequest(_("Ce lien ne correspond à aucun nombre du tableau de bord."))
    queryset, description = found
    total = queryset.filter(cpas=request.cpas).count()
    # Only the people the user may open (need-to-know); the others are counted, not named.
    visibles = (
        Beneficiaire.objects.visibles_par(request.user)
        .filter(pk__in=queryset.values("pk"))
        .select_related("referent")
    )
    page = Paginator(visibles.order_by("nom", "prenom", "id"), 50).get_page(request.GET.get("page"))
    for b in page.object_list:
        b.url = _url_fiche(b.pk)
    journaliser_liste(request, [b.pk for b in page.object_list])
    query = request.GET.copy()
    query.pop("page", None)
    retour = {k: v for k, v in request.GET.items() if k in {"du", "au", "cellule", "agent"}}
    return render(
        request,
        "rapports/personnes.html",
        {
            "page": page,
            "description": description,
            "total": total,
            "masques": total - page.paginator.count,
            "query": query.urlencode(),
            "retour": "&".join(f"{k}={v}" for k, v in retour.items()),
        },
    )


# --- Monthly reports -----------------------------------------------------------------------


@role_required(permissions.peut_voir_rapports)
def mensuels(request):
    rapports = list(
        RapportMensuel.objects.for_user(request.user)
        .select_related("demande_par", "cpas")
        .order_by("-mois")
    )
    contexte = {
        "rapports": rapports,
        "en_cours": any(not r.termine for r in rapports),
        "form": DemandeRapportForm(
            initial={"mois": queries.ajouter_mois(timezone.localdate(), -1)}
        ),
        "etats": EtatRapport,
    }
    if request.htmx:
        return render(request, "rapports/_liste_mensuels.html", contexte)
    return render(request, "rapports/mensuels.html", contexte)


@require_POST
@role_required(permissions.peut_voir_rapports)
def demander(request):
    form = DemandeRapportForm(request.POST)
    if form.is_valid():
        mois = form.cleaned_data["mois"]
        rapport = demander_rapport(request.cpas, mois, user=request.user)
        if rapport.deja_demande:
            messages.info(
                request,
                _(
                    "Le rapport de %(mois)s est déjà en préparation : il ne sera pas généré "
                    "deux fois ; cette page se met à jour toute seule."
                )
                % {"mois": date_format(mois, "YEAR_MONTH_FORMAT")},
            )
        else:
            messages.success(
                request,
                _(
                    "Le rapport de %(mois)s est en préparation ; cette page se met à jour "
                    "toute seule."
                )
                % {"mois": date_format(mois, "YEAR_MONTH_FORMAT")},
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
