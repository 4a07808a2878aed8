"""Template helpers of the dashboards and the PDF: phase labels, dict lookups, and numbers that
link to the list of people behind them (when the viewer may open that list)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from trajets.models import ClasseSortie, Phase

register = template.Library()


@register.filter
def cle(mapping, key):
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return ""


@register.filter
def libelle_phase(code):
    try:
        return Phase(code).label
    except ValueError:
        return code


@register.filter
def libelle_classe(code):
    try:
        return ClasseSortie(code).label
    except ValueError:
        return _("Non classée")


@register.simple_tag
def lien_nombre(valeur, liens, indicateur, **params):
    """The number, as a link to its people when ``liens`` (the base filters dict) is given."""
    texte = number_format(valeur or 0, force_grouping=True)
    if not liens or not valeur:
        return texte
    query = dict(liens)
    query["indicateur"] = indicateur
    for key, value in params.items():
        if value is None:
            query[key] = "aucun"
        elif hasattr(value, "isoformat"):
            query[key] = value.isoformat()
        else:
            query[key] = value
    url = f"{reverse('rapports:personnes')}?{urlencode(query)}"
    return format_html(
        '<a href="{}" title="{}" class="lien-nombre">{}</a>', url, _("Voir les personnes"), texte
    )
