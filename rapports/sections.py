"""Optional sections of the dashboards and the monthly report, fed by other apps' data.

Each section is a function ``(cpas, mois) -> dict`` of extra template context; it is listed by
``disponibles()`` only when the models it reads exist (apps are built independently).
"""

from __future__ import annotations

from django.apps import apps


def _modele(label):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def disponibles():
    return [section for section, modeles in _SECTIONS if all(_modele(m) for m in modeles)]


_SECTIONS: list = []
