"""Blocks a later app adds to an earlier app's page, without the earlier app importing it
(dependencies point one way). The page names a place and passes its object:
``{% load extensions %}{% blocs_extension "trajets.piis" piis %}``; an app registers, from its
AppConfig.ready(), ``register_bloc("trajets.piis", func)`` where ``func(request, objet)``
returns HTML (safe, rendered by a template) or "" / None. The person page has its own richer
hooks (``beneficiaires.hooks``).

Places in use: ``trajets.etape`` (a step's page), ``trajets.etape_item`` (each step of the
journal: must not query the database, it runs per row), ``trajets.piis``, ``trajets.contrat``,
``partenaires.orientation`` (the agent's referral page), ``partenaires.portail`` (the
partner's referral page).

A block may also register ``register_indicateurs(emplacement, func)``, ``func() -> dict[str,
Expression]``: annotations (e.g. whether the object has rows of the block's list) that the
page adds to its query of the object (``indicateurs(emplacement)``), so that the block skips
the query of a list known to be empty (``liste_vide(objet, name)``; a page that does not add
them fetches the list as before). Used by ``trajets.piis``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.utils.safestring import mark_safe

_blocs: dict[str, list[Callable]] = defaultdict(list)
_indicateurs: dict[str, list[Callable]] = defaultdict(list)


def register_bloc(emplacement: str, func: Callable) -> Callable:
    _blocs[emplacement].append(func)
    return func


def register_indicateurs(emplacement: str, func: Callable) -> Callable:
    _indicateurs[emplacement].append(func)
    return func


def indicateurs(emplacement: str) -> dict:
    """The annotations the blocks of ``emplacement`` ask on its page's object."""
    found: dict = {}
    for func in _indicateurs.get(emplacement, ()):
        found.update(func())
    return found


def liste_vide(objet, nom) -> bool:
    """Whether the page's query of ``objet`` said that the list ``nom`` has no row; False when
    it was not asked."""
    return objet.__dict__.get(nom) is False


def blocs(emplacement: str, request, objet) -> str:
    """The HTML of every block registered for ``emplacement``, in registration order."""
    parties = [func(request, objet) for func in _blocs.get(emplacement, ())]
    return mark_safe("".join(str(p) for p in parties if p))
