from django import template

from cpas_isp.extensions import blocs

register = template.Library()


@register.simple_tag(takes_context=True)
def blocs_extension(context, emplacement, objet):
    """The blocks other apps add at ``emplacement`` of this page (cpas_isp.extensions)."""
    request = context.get("request")
    if request is None:
        return ""
    return blocs(emplacement, request, objet)
