"""``{% fige %}…{% endfige %}``: constant markup (text and translations of literal strings)
rendered once per language, then reused (``{% load fige %}``). In ``cpas_isp`` so that every app
may use it (the dashboards' ``rapports_tags`` re-exports it; the person page and its sections
use it for their constant markup)."""

from __future__ import annotations

from django import template
from django.template.base import Node, TextNode, Variable
from django.template.defaulttags import CommentNode
from django.templatetags.i18n import TranslateNode
from django.utils.translation import get_language

register = template.Library()


def _constant(noeud) -> bool:
    """Text, comments, and ``{% translate "…" %}`` of a literal string without filters."""
    if isinstance(noeud, (TextNode, CommentNode)):
        return True
    return (
        isinstance(noeud, TranslateNode)
        and noeud.asvar is None
        and all(
            fe is None
            or (not fe.filters and (not isinstance(fe.var, Variable) or fe.var.lookups is None))
            for fe in (noeud.filter_expression, noeud.message_context)
        )
    )


class FigeNode(Node):
    """Its markup rendered once per language (and autoescaping), then reused: it holds only
    text and translations of literal strings (``fige`` refuses anything else), which the page
    rendered again on every view (~7 µs a ``{% translate %}``)."""

    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.rendus: dict = {}

    def render(self, context):
        cle = (get_language(), context.autoescape)
        try:
            return self.rendus[cle]
        except KeyError:
            self.rendus[cle] = rendu = self.nodelist.render(context)
            return rendu


@register.tag
def fige(parser, token):
    """``{% fige %}…{% endfige %}``: markup that depends on the language only (text and
    ``{% translate "…" %}``), rendered once per language. A variable, a tag or a filter inside
    is a template syntax error (it would be frozen with its first value)."""
    nodelist = parser.parse(("endfige",))
    parser.delete_first_token()
    for noeud in nodelist:
        if not _constant(noeud):
            raise template.TemplateSyntaxError(
                f"{{% fige %}} holds text and literal translations only, not {noeud!r}"
            )
    return FigeNode(nodelist)
