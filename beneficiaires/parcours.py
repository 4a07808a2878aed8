"""The person page's one timeline (its tab "Parcours"): every app's events
(``hooks.register_timeline``) newest first, filtered by kind and period without reloading the
page (htmx asks the tab for the list only, ``?fragment=parcours``; without JavaScript the same
GET parameters reload the page), the newest ``PAR_PAGE`` shown, then "Afficher plus"."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from cpas_isp.listes import echapper_conditionnel

from . import hooks

PAR_PAGE = 50
MAXIMUM = 2000  # "Afficher plus" stops growing the page there
PERIODES = [
    ("", _("Toute la période")),
    ("30", _("30 derniers jours")),
    ("90", _("3 derniers mois")),
    ("365", _("12 derniers mois")),
]
FRAGMENT = "parcours"


def est_fragment(request) -> bool:
    """The htmx request of the timeline's filters or "more": the list only."""
    return bool(getattr(request, "htmx", False)) and request.GET.get("fragment") == FRAGMENT


def lignes(evenements, premier_nouveau=None):
    """The list's events as HTML (``<li>`` each, with its date, its title or link and its
    detail; the first of the ones "Afficher plus" added focused), written here rather than by
    a loop of a dozen template nodes per event; every value escaped (``echapper_conditionnel``:
    ``conditional_escape``'s text without its wrappers, five values an event)."""
    morceaux = []
    for i, e in enumerate(evenements):
        focus = ' tabindex="-1" autofocus' if i == premier_nouveau else ""
        titre = echapper_conditionnel(e.titre)
        if e.url:
            titre = f'<a href="{echapper_conditionnel(e.url)}">{titre}</a>'
        detail = (
            f'<div class="small text-muted pre-line">{echapper_conditionnel(e.detail)}</div>'
            if e.detail
            else ""
        )
        morceaux.append(
            f'\n    <li class="mb-2 timeline-{echapper_conditionnel(e.categorie)}"{focus}>'
            f'<time class="text-muted small" datetime="{echapper_conditionnel(e.date_iso)}">'
            f"{echapper_conditionnel(e.date_affichee)}</time>\n      {titre}\n      {detail}"
            "</li>\n    "
        )
    return mark_safe("".join(morceaux))  # noqa: S308 - every value escaped above


def contexte(request, b, *, sensibles: bool, aujourd_hui: datetime.date | None = None) -> dict:
    """The template context of ``beneficiaires/_parcours.html`` from the request's filters:
    ``quoi`` (kinds ticked among ``offert``, the kinds the form offered; with ``filtre=1``
    nothing ticked shows nothing), ``periode``
    (days back from today) and ``n`` (how many shown)."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    tous = [e for e in hooks.timeline(b, request.user) if not e.confidentiel or sensibles]
    libelles = hooks.categories_timeline()
    nombres: dict[str, int] = {}
    for e in tous:
        nombres[e.categorie] = nombres.get(e.categorie, 0) + 1
    ordre = list(libelles)
    cles = sorted(nombres, key=lambda c: (ordre.index(c) if c in ordre else len(ordre), c))

    get = request.GET
    filtre = get.get("filtre") == "1"
    # Kinds ticked, plus those the form did not offer yet (a step saved since the page was
    # shown refreshes the list with the form's filters: a first step must appear).
    offertes = set(get.getlist("offert")) if "offert" in get else set(cles)
    choisies = (
        {c for c in cles if c in get.getlist("quoi") or c not in offertes} if filtre else set(cles)
    )
    periode = get.get("periode", "") if filtre else ""
    if periode not in dict(PERIODES):
        periode = ""
    depuis = aujourd_hui - datetime.timedelta(days=int(periode)) if periode else None
    retenus = [e for e in tous if e.categorie in choisies and (depuis is None or e.date >= depuis)]
    try:
        n = min(max(int(get.get("n", PAR_PAGE)), PAR_PAGE), MAXIMUM)
    except ValueError:
        n = PAR_PAGE

    params = []
    if filtre and (periode or choisies != set(cles)):  # else the plain address: everything
        params = [
            ("filtre", "1"),
            *[("offert", c) for c in cles],
            *[("quoi", c) for c in cles if c in choisies],
        ]
        if periode:
            params.append(("periode", periode))
    url = hooks.url_onglet(b.pk, hooks.ONGLET_PARCOURS)
    plus = n + PAR_PAGE if len(retenus) > n and n < MAXIMUM else None
    premier_nouveau = n - PAR_PAGE if get.get("n") else None
    return {
        "timeline": retenus[:n],
        "parcours_lignes": lignes(retenus[:n], premier_nouveau),
        "parcours_total": len(retenus),
        "parcours_tous": len(tous),
        "parcours_premier_nouveau": premier_nouveau,
        "parcours_url": url,
        # The address of the page with these filters (kept in the browser's address bar).
        "parcours_url_filtres": f"{url}?{urlencode(params)}" if params else url,
        "parcours_url_plus": f"{url}?{urlencode([*params, ('n', plus)])}" if plus else "",
        "parcours_categories": [(c, libelles.get(c, c), nombres[c], c in choisies) for c in cles],
        "parcours_periode": periode,
        "parcours_periodes": PERIODES,
        "fragment": est_fragment(request),
    }
