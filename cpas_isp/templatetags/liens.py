from django import template

from cpas_isp.listes import url_fixe

register = template.Library()


@register.simple_tag
def lien(nom):
    """``{% url nom %}`` for a route without arguments, reversed once per process
    (``cpas_isp.listes.url_fixe``): the navbar and the home page's cards."""
    return url_fixe(nom)
