from django import template

from cpas_isp.listes import url_de

register = template.Library()


@register.simple_tag(name="url_de")
def url_de_tag(nom, *pks):
    """``{% url nom pk... %}`` of a route whose arguments are integer keys, reversed once per
    route (``cpas_isp.listes.url_de``): the person page's links."""
    return url_de(nom, *pks)
