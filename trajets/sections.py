"""Context of the blocks the trajectory adds to the person's page (see hooks.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from beneficiaires import hooks
from cpas_isp.listes import url_par_pk
from trajets import delais
from trajets.models.article60 import ContratArticle60
from trajets.models.journal import Etape
from trajets.models.phases import PassagePhase
from trajets.models.piis import Piis


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


def donnees(b) -> DonneesTrajet:
    """Fetched once per person object: the page's sections and its timeline share them (one
    query per list, whatever the number of blocks using it)."""
    cached = b.__dict__.get("_donnees_trajet")
    if cached is None:
        cached = DonneesTrajet(
            passages=list(
                PassagePhase.objects.filter(beneficiaire=b)
                .select_related("agent", "motif_sortie")
                .order_by("-debut")
            ),
            etapes=list(
                Etape.objects.filter(beneficiaire=b)
                .order_by("-date", "-id")
                .values_list(*ETAPE_CHAMPS, named=True)
            ),
            piis=[]
            if hooks.liste_vide(b, "fiche_a_piis")
            else list(
                Piis.objects.filter(beneficiaire=b).order_by(
                    "-date_decision_ris", "-numero_avenant"
                )
            ),
            contrats=[]
            if hooks.liste_vide(b, "fiche_a_contrats")
            else list(
                ContratArticle60.objects.filter(beneficiaire=b)
                .select_related("partenaire", "motif_fin")
                .order_by("-debut")
            ),
        )
        b.__dict__["_donnees_trajet"] = cached
    return cached


def indicateurs_fiche():
    """Whether the person has PIIS and article 60 contracts, in the person page's query of the
    person (``beneficiaires.hooks.register_indicateurs_fiche``): none, no query."""
    return {
        "fiche_a_piis": hooks.ALignes(Piis),
        "fiche_a_contrats": hooks.ALignes(ContratArticle60),
    }


# Each row's link from one reverse() per list (cpas_isp.listes.url_par_pk), not one per row.


def trajet(request, b):
    passages = donnees(b).passages
    url = url_par_pk("trajets:passage_modifier", "passage_pk")
    for p in passages:
        p.url_modifier = url(p.pk)
    courant = next((p for p in passages if p.fin is None), None)
    return {"b": b, "passages": passages, "courant": courant}


def piis(request, b):
    today = timezone.localdate()
    items = donnees(b).piis
    url = url_par_pk("trajets:piis_detail", "piis_pk")
    for p in items:
        p.etat_signature = delais.etat_signature(p.date_decision_ris, p.date_signature, today)
        p.url_detail = url(p.pk)
    return {"b": b, "piis_liste": items, "aujourd_hui": today}


def article60(request, b):
    contrats = donnees(b).contrats
    url = url_par_pk("trajets:contrat_detail", "contrat_pk")
    for c in contrats:
        c.url_detail = url(c.pk)
    return {"b": b, "contrats": contrats, "aujourd_hui": timezone.localdate()}
