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

import logging
import re
import secrets
from collections.abc import Callable

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from cpas_isp import permissions
from cpas_isp.memo import Memo
from cpas_isp.models import Cpas, Membership, User
from cpas_isp.notifications import CompteurNonLues
from cpas_isp.permissions import UserPermissions
from cpas_isp.tenancy import deballer

register = template.Library()
logger = logging.getLogger(__name__)

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


# --- The whole navbar: ``{% barre_navigation %}`` -----------------------------------------------
#
# ``partials/navbar.html`` (with the entries above, the language switch and the bell's badge)
# renders the same HTML for the same user, CPAS, role, CPAS list, unread count and language,
# but for its CSRF token (new on every request) and the current path (the language switch's
# "next"). It is rendered once per combination of every value it reads, from a context holding
# only those values (``_contexte_barre``), with a stand-in for the token and the path that each
# request replaces with its own: ~0.4 ms of template work on every page, saved.
#
# Nothing of the page's context reaches that rendering but what the key holds: the context it
# is rendered with raises ``_HorsCle`` on any other name or attribute, and the navbar is then
# rendered on every page with the page's context (as ``{% include %}`` did) from then on. Names
# the templates read but pages do not set (``_ABSENTS``) stay unset; a page setting one is
# rendered without the memo.

NAVBAR = "partials/navbar.html"
# The names it reads: user, perms_isp, cpas_courant, membership, mes_affiliations,
# notifications_non_lues, csrf_token, request (``_cle_barre``); and these, that pages do not set:
_ABSENTS = ("oob",)  # the badge's: set by the notifications panel only
# Stand-ins: letters and digits (unchanged by escaping), unguessable, new in each process.
_JETON = "j" + secrets.token_hex(16)
_CHEMIN = "c" + secrets.token_hex(16)
_REMPLACER = re.compile(f"({_JETON}|{_CHEMIN})")
_barres: Memo[tuple[str, ...]] = Memo(1024)
_barre_memorisable = True
# None: not read yet; False: the entries are not reused; else the predicates the navbar asks.
_predicats_navbar: tuple[tuple[str, Callable], ...] | bool | None = None


class _HorsCle(Exception):
    """The navbar read a value its memo's key does not hold."""


class _Valeurs:
    """Fixed values standing for an object of the page's context: any other attribute raises."""

    def __init__(self, **valeurs):
        self.__dict__.update(valeurs)

    def __getattr__(self, nom):
        raise _HorsCle(nom)

    def __str__(self):
        raise _HorsCle("str")


class _Reponses(dict):
    """The permission predicates' answers (``perms_isp``): any other predicate raises."""

    def __missing__(self, nom):
        raise _HorsCle(nom)


class _ContexteStrict(Context):
    def __getitem__(self, cle):
        for d in reversed(self.dicts):
            if cle in d:
                return d[cle]
        if cle in _ABSENTS:
            raise KeyError(cle)
        raise _HorsCle(cle)


def _predicats_barre(engine) -> tuple[tuple[str, Callable], ...] | None:
    """(name, predicate) of those the navbar asks: the entries' and its own
    (``perms_isp.<name>``; one it would ask and this misses raises ``_HorsCle`` when it is
    rendered)."""
    global _predicats_navbar
    if _predicats_navbar is None:
        entrees = _predicats_du_menu(engine)
        if entrees is False:
            _predicats_navbar = False
        else:
            noms = set(entrees) | set(_PREDICAT.findall(engine.get_template(NAVBAR).source))
            _predicats_navbar = tuple(
                (nom, permissions.predicate(nom))
                for nom in sorted(noms)
                if permissions.predicate(nom) is not None
            )
    return _predicats_navbar or None


def _cle_barre(context, engine):
    """(key, jeton, chemin): every value the navbar reads, as plain values, with the token and
    path to put in place of their stand-ins; None when the navbar must be rendered as is."""
    if any(context.get(nom) is not None for nom in _ABSENTS):
        return None
    user = context.get("user")
    perms = context.get("perms_isp")
    cpas = context.get("cpas_courant")
    membership = context.get("membership")
    affiliations = context.get("mes_affiliations")
    non_lues = context.get("notifications_non_lues")
    request = context.get("request")
    predicats = _predicats_barre(engine)
    if (
        predicats is None
        or not isinstance(user, User)
        or not user.is_authenticated
        or not isinstance(perms, UserPermissions)
        or not (cpas is None or isinstance(cpas, Cpas))
        or not (membership is None or isinstance(membership, Membership))
        or not isinstance(affiliations, list)
        or not all(isinstance(m, Membership) for m in affiliations)
        or not (non_lues is None or isinstance(non_lues, CompteurNonLues))
        or not callable(getattr(request, "get_full_path", None))
    ):
        return None
    # The objects themselves, not their lazy wrappers (each attribute read through
    # SimpleLazyObject costs a few microseconds): the same values.
    user = deballer(user)
    sujet = deballer(perms._user)
    jeton = context.get("csrf_token")
    jeton = str(jeton) if jeton is not None else None
    cle = (
        translation.get_language(),
        settings.ROOT_URLCONF,
        get_urlconf(),
        get_script_prefix(),
        user.pk,
        user.is_staff,
        user.username,
        user.first_name,
        user.get_full_name(),
        (cpas.pk, cpas.nom) if cpas is not None else None,
        membership.get_role_display() if membership is not None else None,
        tuple((m.cpas_id, m.cpas.nom, m.get_role_display()) for m in affiliations),
        int(non_lues) if non_lues is not None else None,
        # What ``perms_isp.<name>`` answers: UserPermissions calls the predicate on its user.
        tuple((nom, bool(predicat(sujet))) for nom, predicat in predicats),
        # A usual token is replaced; an absent one (or NOTPROVIDED) is part of the markup.
        _JETON if jeton and jeton != "NOTPROVIDED" else jeton,
    )
    return cle, jeton, request.get_full_path()


def _contexte_barre(cle, context) -> Context:
    """The context the navbar is rendered with: the key's values, nothing else."""
    (
        _langue,
        _urlconf,
        _urlconf_locale,
        _prefixe,
        pk,
        is_staff,
        username,
        first_name,
        nom_complet,
        cpas,
        role,
        affiliations,
        non_lues,
        reponses,
        jeton,
    ) = cle
    compteur = None
    if non_lues is not None:
        compteur = CompteurNonLues(None)
        compteur._valeur = non_lues
    valeurs = {
        "user": _Valeurs(
            pk=pk,
            is_authenticated=True,
            is_staff=is_staff,
            username=username,
            first_name=first_name,
            get_full_name=nom_complet,
        ),
        "perms_isp": _Reponses(reponses),
        "cpas_courant": _Valeurs(pk=cpas[0], nom=cpas[1]) if cpas is not None else None,
        "membership": _Valeurs(get_role_display=role) if role is not None else None,
        "mes_affiliations": [
            _Valeurs(cpas_id=cpas_id, cpas=_Valeurs(nom=nom), get_role_display=libelle)
            for cpas_id, nom, libelle in affiliations
        ],
        "notifications_non_lues": compteur,
        "csrf_token": jeton,
        "request": _Valeurs(get_full_path=_CHEMIN),
    }
    return _ContexteStrict(
        valeurs, autoescape=context.autoescape, use_l10n=context.use_l10n, use_tz=context.use_tz
    )


@receiver(setting_changed)
def _oublier(**kwargs):
    """A setting changed (tests): the languages offered, the templates... may differ now."""
    global _predicats, _predicats_navbar
    _rendus.clear()
    _barres.clear()
    _predicats = _predicats_navbar = None


def _rendre_barre(engine, cle, context) -> tuple[str, ...]:
    """The navbar of ``cle``, cut around the stand-ins (at the odd indexes)."""
    rendu = engine.get_template(NAVBAR).render(_contexte_barre(cle, context))
    return tuple(_REMPLACER.split(rendu))


@register.simple_tag(takes_context=True)
def barre_navigation(context):
    """``{% include "partials/navbar.html" %}``, rendered once per key (see above)."""
    global _barre_memorisable
    engine = context.template.engine
    entree = None
    if _barre_memorisable and not settings.DEBUG:
        entree = _cle_barre(context, engine)
    if entree is None:
        return engine.get_template(NAVBAR).render(context)
    cle, jeton, chemin = entree
    try:
        morceaux = _barres.obtenir((engine, cle), lambda: _rendre_barre(engine, cle, context))
    except _HorsCle as exc:
        logger.warning("Navbar no longer memorised: it reads %r, which its key does not hold", exc)
        _barre_memorisable = False
        _barres.clear()
        return engine.get_template(NAVBAR).render(context)
    valeurs = {_JETON: conditional_escape(jeton), _CHEMIN: conditional_escape(chemin)}
    return mark_safe("".join([valeurs.get(m, m) for m in morceaux]))
