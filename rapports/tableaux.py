"""The dashboards' builders, shared by the page, its exports and the lists behind its numbers.

``Filtres`` is what a dashboard shows (period, cellule, agent); ``donnees_tableau_de_bord``
gathers every table for them (one query each), ``donnees_du_moment`` keeps them a few minutes
for the page and its exports, ``tables_export`` turns them into rows for the
CSV/XLSX exports, ``personnes_indicateur`` finds the people behind one number, and
``graphique_participation``/``graphique_flux`` draw the charts the page and the PDF share.
The views only read the request and render.
"""

from __future__ import annotations

import datetime
import inspect
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cpas_isp import graphiques, lots
from cpas_isp.memo import Memo
from cpas_isp.models import Role
from cpas_isp.tenancy import affiliations_actives
from rapports import queries, sections
from rapports.templatetags.rapports_tags import libelle_classe, libelle_phase
from trajets.models import CELLULE_DE_PHASE, Phase

logger = logging.getLogger(__name__)

PHASE_DE_CELLULE = {cellule: str(phase) for phase, cellule in CELLULE_DE_PHASE.items()}
#: ``charge_agent`` of the workload row of the people without an agent
AUCUN_AGENT = "aucun"

# --- Filters -------------------------------------------------------------------------------


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
        """Query parameters repeating these filters (links to the lists, back to the page)."""
        params = {"du": self.du.strftime("%Y-%m"), "au": self.au.strftime("%Y-%m")}
        if self.cellule:
            params["cellule"] = self.cellule
        if self.agent_id:
            params["agent"] = self.agent_id
        return params


def groupe_cpas(user) -> list:
    """The CPAS whose dashboards the user sees as coordinator or director, when several (the
    group table adds them up); an empty list otherwise."""
    cpas = [
        m.cpas for m in affiliations_actives(user) if m.role in {Role.COORDINATEUR, Role.DIRECTEUR}
    ]
    return cpas if len(cpas) > 1 else []


# --- Dashboard data ------------------------------------------------------------------------


def donnees_tableau_de_bord(cpas, filtres: Filtres, groupe=()) -> dict:
    """Every table of the dashboard: one statement each (one for the three tables of the
    stays), whatever the size of the data, all sent in one round trip (``cpas_isp.lots``:
    the sections' too). With ``groupe`` (several CPAS), the participation table of the group
    too."""
    ids = [cpas.pk]
    generateurs = [
        queries.requetes_passages(
            ids,
            filtres.dates(),
            filtres.du,
            filtres.au,
            filtres.date_situation,
            phases=filtres.phases,
            agent_id=filtres.agent_id,
            sans_agent=_("Sans référent"),
        ),
        queries.requetes_participation([c.pk for c in groupe], filtres.dates())
        if groupe
        else lots.valeur(None),
    ]
    for section in sections.disponibles_tableau_de_bord():
        extra = section(cpas, filtres)
        generateurs.append(extra if inspect.isgenerator(extra) else lots.valeur(extra))
    (participation, flux, charge), participation_groupe, *extras = lots.executer_ensemble(
        generateurs
    )
    donnees = {
        "participation": participation,
        "flux": flux,
        "charge": charge,
        "phases": filtres.phases or queries.PHASES,
        "classes": [*queries.CLASSES, queries.SANS_CLASSE],
        "date_situation": filtres.date_situation,
        "sections_tableau": [],
        "tables_export_extra": [],
    }
    if groupe:
        donnees["groupe"] = list(groupe)
        donnees["participation_groupe"] = participation_groupe
    for extra in extras:
        extra = dict(extra or {})
        for cle in ("sections_tableau", "tables_export_extra"):
            donnees[cle] = donnees[cle] + extra.pop(cle, [])
        donnees.update(extra)
    return donnees


#: Part of the cached figures' key: raise it when what ``donnees_tableau_de_bord`` returns
#: changes shape, so that a shared cache never hands a new worker an old shape.
_VERSION_DONNEES = 2


def donnees_du_moment(
    cpas, filtres: Filtres, groupe=(), *, recalculer=False, ecrit_le: float | None = None
) -> dict:
    """``donnees_tableau_de_bord`` as computed at most ``TABLEAUX_DE_BORD_SECONDES`` ago for
    the same CPAS, group, filters, day and language (then the same for whoever may see them:
    nothing else goes into the figures), with ``calcule_le``, the moment they were computed.
    Coordinators come back to the same dashboard all day and open its exports; its
    statements read the CPAS's whole history (~70-105 ms on a large CPAS), the cached
    figures a fraction of a millisecond. ``recalculer``: compute them now (and keep these),
    as when they were computed before ``ecrit_le`` (the viewer's last write, seconds since
    the epoch: they see their own changes). A cache server out of order is logged and the
    figures computed: the page works without it. ``cle_donnees``: the key they answer (None
    when they are not kept)."""
    duree = settings.TABLEAUX_DE_BORD_SECONDES
    if duree <= 0:
        return {
            **donnees_tableau_de_bord(cpas, filtres, groupe),
            "calcule_le": None,
            "cle_donnees": None,
        }
    cle = ":".join(
        map(
            str,
            (
                "tableau_de_bord",
                _VERSION_DONNEES,
                cpas.pk,
                "-".join(str(c.pk) for c in groupe),
                filtres.du,
                filtres.au,
                filtres.cellule or "",
                filtres.agent_id or "",
                timezone.localdate(),
                get_language(),
            ),
        )
    )
    if not recalculer and (donnees := _du_cache(cache.get, cle)) is not None:
        if ecrit_le is None or donnees["calcule_le"].timestamp() >= ecrit_le:
            return donnees
    donnees = {
        **donnees_tableau_de_bord(cpas, filtres, groupe),
        "calcule_le": timezone.now(),
        # What the figures answer (with calcule_le: this computation of them), for what is
        # derived from them alone (their markup: ``rapports.views._figures``).
        "cle_donnees": cle,
    }
    _du_cache(cache.set, cle, donnees, duree)
    return donnees


def _du_cache(operation, *args):
    """``operation(*args)`` on the cache; None, logged, when the cache server fails."""
    try:
        return operation(*args)
    except Exception:
        logger.warning("Dashboard figures: the cache failed, computed without it", exc_info=True)
        return None


# --- Tables as rows (exports) --------------------------------------------------------------


def _table_participation(titre, phases, lignes):
    return (
        titre,
        [
            _("Date"),
            _("Dossiers RIS+ERIS"),
            *[libelle_phase(p) for p in phases],
            _("Total ISP"),
            _("Taux de participation (%)"),
        ],
        [[r.date, r.ris_eris, *[r.phases[p] for p in phases], r.isp, r.taux] for r in lignes],
    )


def _table_par_phase(titre, phases, mois, attribut, total):
    return (
        titre,
        [_("Mois"), *[libelle_phase(p) for p in phases], _("Total")],
        [[m.mois, *[getattr(m, attribut)[p] for p in phases], getattr(m, total)] for m in mois],
    )


def tables_export(donnees) -> dict:
    """name -> (title, header, rows) of every dashboard table, rows of plain values."""
    phases = donnees["phases"]
    classes = donnees["classes"]
    mois = donnees["flux"].mois
    tables = {
        "participation": _table_participation(_("Participation"), phases, donnees["participation"]),
        "entrees": _table_par_phase(
            _("Entrées par phase"), phases, mois, "entrees", "total_entrees"
        ),
        "sorties": _table_par_phase(
            _("Sorties par phase"), phases, mois, "sorties", "total_sorties"
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
                for m in mois
            ],
        ),
        "charge": (
            _("Charge de travail"),
            [_("Agent"), *[libelle_phase(p) for p in phases], _("Total")],
            [[r.agent, *[r.phases[p] for p in phases], r.total] for r in donnees["charge"]],
        ),
    }
    if donnees.get("participation_groupe"):
        tables["groupe"] = _table_participation(
            _("Participation (ensemble des CPAS)"), queries.PHASES, donnees["participation_groupe"]
        )
    for extra in donnees.get("tables_export_extra", []):
        tables.update(extra())
    return tables


# --- The people behind a number ------------------------------------------------------------


def _le(date) -> str:
    return date_format(date, "SHORT_DATE_FORMAT")


def personnes_indicateur(user, cpas, criteres: dict, filtres: Filtres):
    """(queryset of people, description) for the number a link points at, or None.

    ``criteres`` are the cleaned values of ``rapports.forms.IndicateurForm``: ``indicateur``,
    ``phase``, ``date``, ``mois``, ``classe``, ``charge_agent`` (``AUCUN_AGENT`` or an id),
    ``partenaire``, ``programme``; absent ones are None."""
    ids = [cpas.pk]
    indicateur = criteres["indicateur"]
    phase, date, mois = criteres.get("phase"), criteres.get("date"), criteres.get("mois")
    if filtres.phases is not None and phase is not None and phase not in filtres.phases:
        return None
    options = {"phases": filtres.phases, "agent_id": filtres.agent_id}
    if indicateur == "ris_eris" and date:
        qs = queries.personnes_ris_eris(ids, date)
        return qs, _("Dossiers RIS+ERIS au %(date)s") % {"date": _le(date)}
    if indicateur in {"phase", "isp"} and date:
        qs = queries.personnes_en_phase(
            ids, date, phase if indicateur == "phase" else None, **options
        )
        quoi = libelle_phase(phase) if indicateur == "phase" and phase else _("un trajet ISP")
        return qs, _("En %(quoi)s au %(date)s") % {"quoi": quoi, "date": _le(date)}
    if indicateur in {"entrees", "sorties"} and mois:
        classe = criteres.get("classe")
        sens = "entree" if indicateur == "entrees" else "sortie"
        qs = queries.personnes_flux(ids, mois, sens, phase=phase, classe=classe, **options)
        titre = _("Entrées") if indicateur == "entrees" else _("Sorties")
        details = [date_format(mois, "YEAR_MONTH_FORMAT")]
        if phase:
            details.append(libelle_phase(phase))
        if classe:
            details.append(libelle_classe(classe))
        return qs, f"{titre} — {' · '.join(str(d) for d in details)}"
    if indicateur == "charge" and date:
        agent = criteres.get("charge_agent")
        if agent is None:
            return None
        agent_id = None if agent == AUCUN_AGENT else agent
        if filtres.agent_id is not None and agent_id != filtres.agent_id:
            return None
        qs = queries.personnes_charge(ids, date, agent_id, phase, phases=filtres.phases)
        return qs, _("Personnes suivies au %(date)s") % {"date": _le(date)}
    for extra in sections.indicateurs_personnes():
        found = extra(user, ids, criteres, filtres)
        if found is not None:
            return found
    return None


# --- Charts --------------------------------------------------------------------------------

COULEURS_PHASES = {
    Phase.FACILITATEUR: graphiques.BLEU,
    Phase.ALPHA: graphiques.ORANGE,
    Phase.ETUDES_FORMATIONS: graphiques.VERT,
    Phase.EMPLOI: graphiques.ROSE,
    Phase.ARTICLE60: graphiques.CIEL,
}


#: (language, title, figures) -> chart: ``graphiques.barres`` is a pure function of them, and a
#: dashboard's figures are the same from one view to the next until the data changes (the
#: two charts cost ~1 ms to draw)
_GRAPHIQUES: Memo[SafeString] = Memo(256)


def _memorise(cle, dessiner) -> SafeString:
    return _GRAPHIQUES.obtenir((get_language(), *cle), dessiner)


def graphique_participation(lignes, *, titre: str | None = None) -> SafeString:
    """Stacked people per phase at each date, and the participation rate (right axis, %)."""
    cle = (
        "participation",
        titre,
        tuple(
            (ligne.date, *(ligne.phases[p.value] for p in Phase), ligne.taux) for ligne in lignes
        ),
    )
    return _memorise(cle, lambda: _graphique_participation(lignes, titre=titre))


def _graphique_participation(lignes, *, titre: str | None = None) -> SafeString:
    series = [
        graphiques.Serie(
            str(p.label), COULEURS_PHASES[p], [ligne.phases[p.value] for ligne in lignes]
        )
        for p in Phase
    ]
    taux = graphiques.Serie(
        _("Taux de participation"), graphiques.VERMILLON, [ligne.taux for ligne in lignes]
    )
    return graphiques.barres(
        titre or _("Personnes par phase et taux de participation"),
        [_le(ligne.date) for ligne in lignes],
        series,
        ligne=taux,
        ligne_max=100,
        ligne_unite=" %",
    )


def graphique_flux(flux, *, titre: str | None = None) -> SafeString:
    """Entries and exits per month, side by side."""
    cle = ("flux", titre, tuple((m.mois, m.total_entrees, m.total_sorties) for m in flux.mois))
    return _memorise(cle, lambda: _graphique_flux(flux, titre=titre))


def _graphique_flux(flux, *, titre: str | None = None) -> SafeString:
    series = [
        graphiques.Serie(_("Entrées"), graphiques.VERT, [m.total_entrees for m in flux.mois]),
        graphiques.Serie(_("Sorties"), graphiques.VERMILLON, [m.total_sorties for m in flux.mois]),
    ]
    return graphiques.barres(
        titre or _("Entrées et sorties par mois"),
        [date_format(m.mois, "m/Y") for m in flux.mois],
        series,
        empilees=False,
    )
