from django import template
from django.template.defaulttags import querystring

from cpas_isp.listes import url_fixe

register = template.Library()


@register.simple_tag
def lien(nom):
    """``{% url nom %}`` for a route without arguments, reversed once per process
    (``cpas_isp.listes.url_fixe``): the navbar and the home page's cards."""
    return url_fixe(nom)


@register.simple_tag(takes_context=True)
def lien_page(context, numero):
    """``{% querystring page=numero %}`` with the page number's parameter named by the
    context's ``param_page`` (default "page"): the pagination's links
    (``partials/pagination.html``), a page paginating two lists naming each its own."""
    return querystring(context, **{context.get("param_page") or "page": numero})
