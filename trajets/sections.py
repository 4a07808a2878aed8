"""Context of the blocks the trajectory adds to the person's page (see hooks.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from beneficiaires import hooks
from cpas_isp import lots
from cpas_isp.listes import url_par_pk
from cpas_isp.sql_compile import RequeteCompilee
from trajets import delais
from trajets.models.article60 import ContratArticle60
from trajets.models.journal import Etape
from trajets.models.phases import PassagePhase
from trajets.models.piis import Piis
from trajets.permissions import peut_suivre_trajet
from trajets.templatetags.trajets_tags import classe_phase, classe_sortie


@dataclass
class DonneesTrajet:
    """The person's stays, steps, PIIS and article 60 contracts, newest first. The steps, shown
    as text on the timeline only, are tuples (``ETAPE_CHAMPS``), not model objects."""

    passages: list
    etapes: list
    piis: list
    contrats: list


# What the timeline shows of a step (its type's label in both languages).
ETAPE_CHAMPS = (
    "pk",
    "date",
    "type__libelle_fr",
    "type__libelle_nl",
    "mode",
    "note",
    "prochaine_action",
)


# Each list's query compiled once (cpas_isp.sql_compile): only the person changes its SQL.
_PASSAGES = RequeteCompilee(
    lambda b: (
        PassagePhase.objects.filter(beneficiaire_id=b)
        .select_related("agent", "motif_sortie")
        .order_by("-debut")
    )
)
_ETAPES = RequeteCompilee(
    lambda b: (
        Etape.objects.filter(beneficiaire_id=b)
        .order_by("-date", "-id")
        .values_list(*ETAPE_CHAMPS, named=True)
    )
)
_PIIS = RequeteCompilee(
    lambda b: Piis.objects.filter(beneficiaire_id=b).order_by(
        "-date_decision_ris", "-numero_avenant"
    )
)
_CONTRATS = RequeteCompilee(
    lambda b: (
        ContratArticle60.objects.filter(beneficiaire_id=b)
        .select_related("partenaire", "motif_fin")
        .order_by("-debut")
    )
)


def _lecture(b):
    """A ``cpas_isp.lots`` generator of the person's four lists (their statements sent
    together), kept on the person object (``donnees``)."""
    listes = yield from lots.ensemble(
        [
            _PASSAGES.generateur(b.pk),
            _ETAPES.generateur(b.pk),
            lots.valeur([]) if hooks.liste_vide(b, "fiche_a_piis") else _PIIS.generateur(b.pk),
            lots.valeur([])
            if hooks.liste_vide(b, "fiche_a_contrats")
            else _CONTRATS.generateur(b.pk),
        ]
    )
    donnees_trajet = b.__dict__["_donnees_trajet"] = DonneesTrajet(*listes)
    return donnees_trajet


def _lecture_passages(b):
    """A ``cpas_isp.lots`` generator of the person's stays alone (``passages``)."""
    lignes = yield from _PASSAGES.generateur(b.pk)
    b.__dict__["_passages_fiche"] = lignes
    return lignes


def passages(b) -> list:
    """The person's stays, newest first: those ``donnees`` read, or the stays alone when only
    they were read (``prechargement`` on a tab showing none of the lists), else all four."""
    cached = b.__dict__.get("_donnees_trajet")
    if cached is not None:
        return cached.passages
    seuls = b.__dict__.get("_passages_fiche")
    return seuls if seuls is not None else donnees(b).passages


def donnees(b) -> DonneesTrajet:
    """Fetched once per person object: the page's sections and its timeline share them (one
    query per list, whatever the number of blocks using it, all sent in one round trip; on
    the person page, with the other apps' lists: ``prechargement``)."""
    cached = b.__dict__.get("_donnees_trajet")
    if cached is None:
        cached = lots.executer_ensemble([_lecture(b)])[0]
    return cached


# The person page's tabs that show the four lists (blocks or timeline); the others show the
# running stay only, in the header ("Cellule": ``dossier.suivi_cellule``).
ONGLETS_LISTES = (hooks.ONGLET_DOSSIER, hooks.ONGLET_PARCOURS)


def prechargement(request, b):
    """The person page's reading of the lists (``beneficiaires.hooks.precharger_fiche``):
    when its blocks and timeline will show them (``peut_suivre_trajet``) and they are not read
    yet; on a tab showing none of them, the stays alone (the header's running stay)."""
    if b.__dict__.get("_donnees_trajet") is not None or not peut_suivre_trajet(request.user, b):
        return None
    if hooks.onglet_de(request) not in ONGLETS_LISTES:
        return _lecture_passages(b)
    return _lecture(b)


def indicateurs_fiche():
    """Whether the person has PIIS and article 60 contracts, in the person page's query of the
    person (``beneficiaires.hooks.register_indicateurs_fiche``): none, no query."""
    return {
        "fiche_a_piis": hooks.ALignes(Piis),
        "fiche_a_contrats": hooks.ALignes(ContratArticle60),
    }


# Each row's link from one reverse() per list (cpas_isp.listes.url_par_pk), not one per row.


def _jj_mm_aaaa(date) -> str:
    return f"{date.day:02d}/{date.month:02d}/{date.year:04d}"  # the date filter's "d/m/Y"


def lignes_passages(passages):
    """The stays' table rows, written here rather than by a loop of template nodes per stay
    (phase badge, start, end or "…", agent, exit reason, the "corriger" link); every value
    escaped."""
    url = url_par_pk("trajets:passage_modifier", None)
    corriger = conditional_escape(_("corriger"))
    morceaux = []
    for p in passages:
        motif = (
            f'<span class="{classe_sortie(p.motif_sortie.classe)}">'
            f"{conditional_escape(p.motif_sortie.libelle)}</span>"
            if p.motif_sortie
            else ""
        )
        morceaux.append(
            "<tr>\n"
            f'    <td><span class="badge {classe_phase(p.phase)}">'
            f"{conditional_escape(p.get_phase_display())}</span></td>\n"
            f"    <td>{_jj_mm_aaaa(p.debut)}</td>"
            f"<td>{_jj_mm_aaaa(p.fin) if p.fin else '…'}</td>\n"
            f"    <td>{conditional_escape(p.agent) if p.agent else ''}</td>\n"
            f"    <td>{motif}</td>\n"
            f'    <td class="text-end"><a href="{url(p.pk)}">{corriger}</a></td>\n'
            "  </tr>"
        )
    return mark_safe("".join(morceaux))  # noqa: S308 - every value escaped above


def trajet(request, b):
    passages = donnees(b).passages
    courant = next((p for p in passages if p.fin is None), None)
    return {"b": b, "passages": passages, "courant": courant, "lignes": lignes_passages(passages)}


def piis(request, b):
    today = timezone.localdate()
    items = donnees(b).piis
    url = url_par_pk("trajets:piis_detail", None)
    for p in items:
        p.etat_signature = delais.etat_signature(p.date_decision_ris, p.date_signature, today)
        p.url_detail = url(p.pk)
    return {"b": b, "piis_liste": items, "aujourd_hui": today}


def article60(request, b):
    contrats = donnees(b).contrats
    url = url_par_pk("trajets:contrat_detail", None)
    for c in contrats:
        c.url_detail = url(c.pk)
    return {"b": b, "contrats": contrats, "aujourd_hui": timezone.localdate()}
