"""Template helpers of the dashboards and the PDF: phase labels, dict lookups, and numbers that
link to the list of people behind them (when the viewer may open that list)."""

from __future__ import annotations

from urllib.parse import quote_plus

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cpas_isp.graphiques import pour_pdf
from trajets.models import ClasseSortie, Phase

register = template.Library()


@register.filter
def cle(mapping, key):
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return ""


@register.filter
def graphique_pdf(graphique):
    """A chart as the PDF embeds it (``cpas_isp.graphiques.pour_pdf``)."""
    return pour_pdf(graphique)


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


_PREFIXES: dict = {}


def _prefixe(liens) -> str | None:
    """The start of every link of a table: ``<a href="<list URL>?<base filters>&indicateur=``,
    built once per set of base filters, language and script prefix (None when a filter value
    cannot be a cache key)."""
    try:
        cle = (get_script_prefix(), get_language(), tuple(liens.items()))
        return _PREFIXES[cle]
    except TypeError:
        return None
    except KeyError:
        pass
    if len(_PREFIXES) > 1000:
        _PREFIXES.clear()
    url = f"{reverse('rapports:personnes')}?{urlencode(liens)}"
    titre = escape(_("Voir les personnes"))
    _PREFIXES[cle] = f'<a title="{titre}" class="lien-nombre" href="{escape(url)}&amp;indicateur='

    return _PREFIXES[cle]


def _valeur(value) -> str:
    if value is None:
        return "aucun"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@register.simple_tag
def lien_nombre(valeur, liens, indicateur, **params):
    """The number, as a link to its people when ``liens`` (the base filters dict) is given.

    Dashboards show hundreds of figures: the list URL and the base filters are encoded once
    per table (``_prefixe``), each figure only appends its own few parameters."""
    texte = number_format(valeur or 0, force_grouping=True)
    if not liens or not valeur:
        return texte
    prefixe = _prefixe(liens) if not (params.keys() & liens.keys()) else None
    if prefixe is None:
        query = {**liens, "indicateur": indicateur}
        query.update((key, _valeur(value)) for key, value in params.items())
        url = f"{reverse('rapports:personnes')}?{urlencode(query)}"
        return format_html(
            '<a title="{}" class="lien-nombre" href="{}">{}</a>',
            _("Voir les personnes"),
            url,
            texte,
        )
    suite = "".join(f"&amp;{quote_plus(k)}={quote_plus(_valeur(v))}" for k, v in params.items())
    return mark_safe(f'{prefixe}{quote_plus(str(indicateur))}{suite}">{escape(texte)}</a>')
