"""The navbar's entries (``partials/nav_items.html`` and each app's ``_nav.html`` it
includes): ``{% entrees_menu %}``.

Their HTML depends only on the answers to the permission predicates they ask
(``perms_isp.<predicate>``) and on the language, so it is rendered once per process for each
combination of answers and language, then reused (it was ~0.8 ms of template work on every page).

That holds while those templates stay that simple, which is checked when they are first read:
no ``{{ variable }}``, no tag but load / include / if / elif / else / endif / translate / lien /
url with quoted arguments, no condition but predicates (with not, and, or). Otherwise, and
under DEBUG (templates edited while the development server runs), they are rendered on every
page with the page's context, as an include would."""

from __future__ import annotations

import re

from django import template
from django.conf import settings
from django.template import Context
from django.utils import translation
from django.utils.safestring import mark_safe

register = template.Library()

MODELE = "partials/nav_items.html"
COMBINAISONS_MAX = 256
_BALISE = re.compile(r"{%\s*(\w+)(.*?)%}", re.S)
_LITTERAUX = re.compile(r"""^(?:\s+(?:"[^"{}%]*"|'[^'{}%]*'))*\s*$""")
_CONDITION = re.compile(r"^(?:\s+(?:not|and|or|perms_isp\.\w+))+\s*$")
_PREDICAT = re.compile(r"perms_isp\.(\w+)")

# None: not read yet; False: not cacheable; else the predicate names the templates ask.
_predicats: tuple[str, ...] | bool | None = None
_rendus: dict[tuple, str] = {}


def _lire(engine, nom: str, vus: set[str], noms: set[str]) -> bool:
    """Collect the predicates of ``nom`` and of what it includes; False if the template
    uses anything else (its output could then depend on more than the predicates)."""
    if nom in vus:
        return True
    vus.add(nom)
    source = engine.get_template(nom).source
    if "{{" in source:
        return False
    for balise, arguments in _BALISE.findall(source):
        if balise in ("endif", "else"):
            ok = not arguments.strip()
        elif balise in ("if", "elif"):
            ok = bool(_CONDITION.match(arguments))
            noms.update(_PREDICAT.findall(arguments))
        elif balise == "load":
            ok = True
        elif balise in ("translate", "trans", "lien", "url"):
            ok = bool(_LITTERAUX.match(arguments)) and arguments.strip() != ""
        elif balise == "include":
            inclus = arguments.strip()
            ok = bool(_LITTERAUX.match(arguments)) and inclus.count(" ") == 0
            ok = ok and _lire(engine, inclus[1:-1], vus, noms)
        else:
            ok = False
        if not ok:
            return False
    return True


def _predicats_du_menu(engine):
    global _predicats
    if _predicats is None:
        noms: set[str] = set()
        _predicats = tuple(sorted(noms)) if _lire(engine, MODELE, set(), noms) else False
    return _predicats


@register.simple_tag(takes_context=True)
def entrees_menu(context):
    engine = context.template.engine
    modele = engine.get_template(MODELE)
    predicats = False if settings.DEBUG else _predicats_du_menu(engine)
    if predicats is False:
        return modele.render(context)
    perms = context.get("perms_isp")
    cle = (
        translation.get_language(),
        tuple(bool(perms[n]) for n in predicats) if perms is not None else None,
    )
    rendu = _rendus.get(cle)
    if rendu is None:
        rendu = modele.render(Context({"perms_isp": perms}, autoescape=context.autoescape))
        if len(_rendus) < COMBINAISONS_MAX:
            _rendus[cle] = rendu
    return mark_safe(rendu)
