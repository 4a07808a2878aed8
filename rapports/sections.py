"""Optional sections of the dashboards and the monthly report, fed by other apps' data
(PIIS, article 60, referrals and programmes). Each section is listed only when the models it
reads exist, since the apps are built independently.

- report sections: ``(cpas, mois) -> dict`` of extra PDF context, with ``sections_pdf``
  (template names) extended;
- dashboard sections: ``(cpas, filtres) -> dict`` of extra dashboard context, with
  ``sections_tableau`` (template names) and ``tables_export_extra`` extended;
- people indicators: ``(request, cpas_ids, indicateur, filtres) -> (queryset, title) | None``.
"""

from __future__ import annotations

from django.apps import apps


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
