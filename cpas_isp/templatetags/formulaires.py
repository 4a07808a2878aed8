"""``{{ form|crispy_memorise }}``: ``{{ form|crispy }}`` of a form whose fields depend on its
class only, its markup rendered once per class, language and shape
(``cpas_isp.forms.crispy_memorise``)."""

from __future__ import annotations

from django import template

from cpas_isp.forms import crispy_memorise as _crispy_memorise

register = template.Library()


@register.filter
def crispy_memorise(form):
    return _crispy_memorise(form)
