"""The home page's figures read in one round trip.

- ``register_prechargement(func)``: ``func(request)`` -> a generator of ``cpas_isp.lots`` (or
  None when the user's cards do not show the figures) reading what an app's home card shows
  and keeping its result on the request, where the card's tag then finds it without a query of
  its own (the tag still reads by itself when nothing was kept: another page, a test).
- ``precharger(request, autres)``: every app's together, with the page's own ``autres``
  generators (the bell's count), their statements sent in one round trip
  (``cpas_isp.lots.executer_ensemble``) before the page is rendered, instead of one round trip
  per card as the template meets them.

The person page does the same for its sections (``beneficiaires.hooks.precharger_fiche``).
"""

from __future__ import annotations

from collections.abc import Callable

from cpas_isp import lots

_prechargements: list[Callable] = []


def register_prechargement(func):
    if func not in _prechargements:
        _prechargements.append(func)
    return func


def precharger(request, autres=()) -> None:
    generateurs = [g for func in _prechargements if (g := func(request)) is not None]
    generateurs.extend(autres)
    if generateurs:
        lots.executer_ensemble(generateurs)
