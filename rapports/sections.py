"""Optional sections of the dashboards and the monthly report, fed by other apps' data
(PIIS, article 60, referrals and programmes). Each section is listed only when the models it
reads exist, since the apps are built independently.

- report sections: ``(cpas, mois) -> dict`` of extra PDF context, with ``sections_pdf``
  (template names) extended;
- dashboard sections: ``(cpas, filtres) -> dict`` of extra dashboard context, with
  ``sections_tableau`` (template names) and ``tables_export_extra`` (functions giving the
  export tables, called only by an export) extended; written as generators of
  ``cpas_isp.lots`` (their statements yielded, the dict returned), the dashboard sends the
  statements of every section in one round trip;
- people indicators: ``(user, cpas_ids, criteres, filtres) -> (queryset, title) | None``, with
  ``criteres`` the cleaned values of ``rapports.forms.IndicateurForm``.
"""

from __future__ import annotations

from functools import partial

from django.apps import apps
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cpas_isp import lots
from partenaires.models import Partenaire, Programme
from rapports import fse, rendez_vous, suivi
from rapports.queries import MOIS_RAPPORT, ajouter_mois, fin_du_mois


def _modele(label):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _presents(modeles):
    return all(_modele(m) for m in modeles)


_PDF: list = []
_TABLEAU: list = []
_PERSONNES: list = []


def section(*, pdf=None, tableau=None, personnes=None, modeles=()):
    """Register the functions of one optional section, used when ``modeles`` all exist."""
    if pdf:
        _PDF.append((pdf, modeles))
    if tableau:
        _TABLEAU.append((tableau, modeles))
    if personnes:
        _PERSONNES.append((personnes, modeles))


def disponibles():
    return [f for f, modeles in _PDF if _presents(modeles)]


def disponibles_tableau_de_bord():
    return [f for f, modeles in _TABLEAU if _presents(modeles)]


def indicateurs_personnes():
    return [f for f, modeles in _PERSONNES if _presents(modeles)]


# --- The sections --------------------------------------------------------------------------

MODELES_PIIS = ("trajets.Piis", "trajets.EvaluationPiis")
MODELES_A60 = ("trajets.ContratArticle60", "trajets.PoolArticle60")
MODELES_ORIENTATIONS = ("partenaires.Orientation", "partenaires.Programme")


def _periode_rapport(mois):
    return ajouter_mois(mois, -(MOIS_RAPPORT - 1)), fin_du_mois(mois), fin_du_mois(mois)


def _periode_tableau(filtres):
    return filtres.du, fin_du_mois(filtres.au), filtres.date_situation


def _sans_cellule(filtres, *, sauf=None):
    """The follow-up sections cover the whole CPAS: shown without a cellule filter (or with
    the cellule they concern)."""
    return filtres.cellule is None or filtres.cellule == sauf


def _tables_piis(piis):
    return {
        "piis": (
            _("PIIS"),
            [_("Indicateur"), _("Valeur")],
            [
                [_("PIIS dus (nouvelles décisions RIS)"), piis.dus],
                [_("Échéance de 3 mois passée"), piis.echus],
                [_("Signés dans les 3 mois"), piis.signes_a_temps],
                [_("Part signée dans les 3 mois (%)"), piis.taux_signature],
                [_("En retard de signature"), piis.en_retard],
                [_("Évaluations prévues"), piis.evaluations_prevues],
                [_("Évaluations tenues à temps"), piis.evaluations_a_temps],
                [_("Évaluations tenues en retard"), piis.evaluations_tardives],
                [_("Évaluations en retard (non tenues)"), piis.evaluations_en_retard],
                [_("Part des évaluations tenues à temps (%)"), piis.taux_evaluations],
            ],
        )
    }


def _piis_pdf(cpas, mois):
    debut, fin, date = _periode_rapport(mois)
    return {
        "piis": suivi.conformite_piis([cpas.pk], debut, fin, date),
        "sections_pdf": ["rapports/_section_piis.html"],
    }


def _piis_tableau(cpas, filtres):
    if not _sans_cellule(filtres):
        return {}
    debut, fin, date = _periode_tableau(filtres)
    piis = yield from suivi.requetes_conformite_piis(
        [cpas.pk], debut, fin, date, agent_id=filtres.agent_id
    )
    return {
        "piis": piis,
        "sections_tableau": ["rapports/_section_piis.html"],
        "tables_export_extra": [partial(_tables_piis, piis)],
    }


def _piis_personnes(user, ids, criteres, filtres):
    indicateur = criteres["indicateur"]
    debut, fin, date = _periode_tableau(filtres)
    quand = date_format(date, "SHORT_DATE_FORMAT")
    if indicateur == "piis_en_retard":
        qs = suivi.personnes_piis_en_retard(ids, debut, fin, date, agent_id=filtres.agent_id)
        return qs, _("PIIS non signé dans les 3 mois, au %(date)s") % {"date": quand}
    if indicateur == "evaluations_en_retard":
        qs = suivi.personnes_evaluations_en_retard(ids, debut, date, agent_id=filtres.agent_id)
        return qs, _("Évaluations de PIIS en retard au %(date)s") % {"date": quand}
    return None


def _tables_a60(a60):
    return {
        "article60": (
            _("Article 60"),
            [_("Indicateur"), _("Valeur")],
            [
                [_("Postes du pool"), a60.postes],
                [_("dont en économie sociale"), a60.postes_economie_sociale],
                [_("Postes occupés"), a60.occupes],
                [_("dont en économie sociale"), a60.occupes_economie_sociale],
                [_("Taux d'occupation (%)"), a60.taux_occupation],
                [_("Contrats finissant dans les 60 jours"), a60.finissant],
                [_("Contrats terminés sur la période"), a60.termines],
                [_("dont avec droits sociaux ouverts"), a60.droits_ouverts],
            ],
        )
    }


def _a60_pdf(cpas, mois):
    debut, fin, date = _periode_rapport(mois)
    return {
        "article60": suivi.article60([cpas.pk], debut, fin, date),
        "sections_pdf": ["rapports/_section_article60.html"],
    }


def _a60_tableau(cpas, filtres):
    if not _sans_cellule(filtres, sauf="article60") or filtres.agent_id:
        return {}
    debut, fin, date = _periode_tableau(filtres)
    a60 = yield from suivi.requetes_article60([cpas.pk], debut, fin, date)
    return {
        "article60": a60,
        "sections_tableau": ["rapports/_section_article60.html"],
        "tables_export_extra": [partial(_tables_a60, a60)],
    }


def _a60_personnes(user, ids, criteres, filtres):
    indicateur = criteres["indicateur"]
    if not indicateur.startswith("a60_"):
        return None
    quoi = indicateur[4:]
    debut, fin, date = _periode_tableau(filtres)
    qs = suivi.personnes_article60(ids, quoi, debut, fin, date)
    if qs is None:
        return None
    titres = {
        "occupes": _("Travailleurs sous article 60"),
        "finissant": _("Contrats article 60 finissant dans les 60 jours"),
        "termines": _("Contrats article 60 terminés sur la période"),
        "droits_ouverts": _("Article 60 terminé avec droits sociaux ouverts"),
    }
    return qs, titres[quoi]


def _tables_orientations(orientations, programmes):
    return {
        "orientations": (
            _("Orientations par partenaire"),
            [
                _("Partenaire"),
                _("Orientées"),
                _("Envoyées"),
                _("Acceptées"),
                _("Refusées"),
                _("En attente de réponse"),
                _("Terminées"),
                _("Résultat positif"),
                _("Taux d'acceptation (%)"),
            ],
            [
                [
                    o.partenaire,
                    o.orientees,
                    o.envoyees,
                    o.acceptees,
                    o.refusees,
                    o.en_attente,
                    o.terminees,
                    o.positives,
                    o.taux_acceptation,
                ]
                for o in orientations
            ],
        ),
        "programmes": (
            _("Programmes"),
            [
                _("Programme"),
                _("Début"),
                _("Fin"),
                _("Objectif"),
                _("Inscrits"),
                _("Progression (%)"),
                _("Terminés"),
                _("Abandons"),
                _("Taux d'achèvement (%)"),
                _("Taux de sortie positive (%)"),
            ],
            [
                [
                    p.titre,
                    p.debut,
                    p.fin,
                    p.objectif,
                    p.inscrits,
                    p.progression,
                    p.termines,
                    p.abandons,
                    p.taux_achevement,
                    p.taux_sortie_positive,
                ]
                for p in programmes
            ],
        ),
    }


def _orientations_pdf(cpas, mois):
    debut, fin, _date = _periode_rapport(mois)
    return {
        "orientations": suivi.orientations_par_partenaire([cpas.pk], debut, fin),
        "programmes": suivi.programmes(cpas.pk, debut, fin),
        "sections_pdf": ["rapports/_section_orientations.html"],
    }


def _orientations_tableau(cpas, filtres):
    if not _sans_cellule(filtres):
        return {}
    debut, fin, _date = _periode_tableau(filtres)
    orientations, progs = yield from lots.ensemble(
        [
            suivi.requetes_orientations_par_partenaire(
                [cpas.pk], debut, fin, agent_id=filtres.agent_id
            ),
            suivi.requetes_programmes(cpas.pk, debut, fin),
        ]
    )
    return {
        "orientations": orientations,
        "programmes": progs,
        "sections_tableau": ["rapports/_section_orientations.html"],
        "tables_export_extra": [partial(_tables_orientations, orientations, progs)],
    }


def _orientations_personnes(user, ids, criteres, filtres):
    indicateur = criteres["indicateur"]
    debut, fin, _date = _periode_tableau(filtres)
    if indicateur.startswith("orient_") and criteres.get("partenaire"):
        partenaire = Partenaire.objects.filter(pk=criteres["partenaire"]).first()
        if partenaire is None:
            return None
        qs = suivi.personnes_orientations(
            ids, debut, fin, partenaire.pk, indicateur[7:], agent_id=filtres.agent_id
        )
        if qs is None:
            return None
        return qs, _("Orientations vers %(partenaire)s") % {"partenaire": partenaire}
    if indicateur == "programme" and criteres.get("programme"):
        programme = Programme.objects.for_user(user).filter(pk=criteres["programme"]).first()
        if programme is None:
            return None
        return suivi.personnes_programme(ids[0], programme.pk), _(
            "Participants au programme « %(titre)s »"
        ) % {"titre": programme.titre}
    return None


section(pdf=_piis_pdf, tableau=_piis_tableau, personnes=_piis_personnes, modeles=MODELES_PIIS)
section(pdf=_a60_pdf, tableau=_a60_tableau, personnes=_a60_personnes, modeles=MODELES_A60)
section(
    pdf=_orientations_pdf,
    tableau=_orientations_tableau,
    personnes=_orientations_personnes,
    modeles=MODELES_ORIENTATIONS,
)
section(
    pdf=rendez_vous.pdf,
    tableau=rendez_vous.tableau,
    personnes=rendez_vous.personnes,
    modeles=rendez_vous.MODELES,
)
section(tableau=fse.tableau, modeles=fse.MODELES)
