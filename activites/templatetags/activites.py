from django import template

from activites.services import format_heures

register = template.Library()


@register.filter
def heures(valeur):
    """Hours as people write them: 2,5 ; 3 ; 1,75 (never 2,50)."""
    if valeur in (None, ""):
        return ""
    return format_heures(valeur)
