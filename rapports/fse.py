"""The ESF+ section of the dashboard: what the agents still have to record for the
participants of the CPAS's ESF+ projects (entry data to confirm, results at exit and six months
later), each count linked to its people (``activites:fse_personnes``, need-to-know), and the
way to the Annex I table. The figures come from ``activites.fse``; registered in
``rapports.sections``."""

from __future__ import annotations

from functools import partial

from django.utils import timezone
from django.utils.translation import gettext as _

MODELES = ("activites.ParticipantFse", "activites.SuiviFse")


def _tables(manquants) -> dict:
    return {
        "fse": (
            _("Données FSE+ à compléter"),
            [_("Indicateur"), _("Valeur")],
            [
                [_("Données d'entrée à confirmer"), manquants.entree],
                [_("Résultat à la sortie à noter"), manquants.sortie],
                [_("Situation à six mois à noter"), manquants.six_mois],
            ],
        )
    }


def tableau(cpas, filtres):
    """The section (a generator of ``cpas_isp.lots``)."""
    if filtres.cellule is not None:
        return {}
    from activites import fse

    manquants = yield from fse.requetes_manquants_cpas(
        cpas.pk, timezone.localdate(), referent_id=filtres.agent_id or None
    )
    return {
        "fse_manquants": manquants,
        "sections_tableau": ["rapports/_section_fse.html"],
        "tables_export_extra": [partial(_tables, manquants)],
    }
