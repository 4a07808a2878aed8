"""Charts drawn on the server as SVG, for every app: pages and PDF documents share them.

Pure functions: data in, markup out (every text escaped). Fixed viewBox, so the chart scales to
the width of its container in the browser and in WeasyPrint alike. ``barres`` draws bars per
category (stacked or side by side) with an optional line on a right-hand axis; ``pour_pdf``
turns a chart into the image a PDF embeds.
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# A colour-blind friendly palette (Okabe-Ito): blue, orange, green, pink, sky blue, vermilion.
BLEU, ORANGE, VERT, ROSE, CIEL, VERMILLON = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
)

LARGEUR, HAUTEUR = 720, 300
MARGE_G, MARGE_D, MARGE_H, MARGE_B = 48, 48, 16, 78


@dataclass
class Serie:
    libelle: str
    couleur: str
    valeurs: Sequence[float | int | Decimal | None]


def _valeur(quoi, valeur) -> str:
    """A value's tooltip, "quoi : valeur", as the active language writes it (no space before
    the colon in Dutch)."""
    return _("%(quoi)s : %(valeur)s") % {"quoi": quoi, "valeur": valeur}


def _pas(maximum: float) -> float:
    """A round tick step giving about five ticks up to ``maximum``."""
    if maximum <= 0:
        return 1
    brut = maximum / 5
    puissance = 10 ** math.floor(math.log10(brut))
    for f in (1, 2, 2.5, 5, 10):
        if brut <= f * puissance:
            return f * puissance
    return 10 * puissance


def _nombre(v: float) -> str:
    return f"{v:g}"


def _texte(x, y, contenu, *, ancre="middle", taille=11, couleur="#333", extra="") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{ancre}" font-size="{taille}" '
        f'fill="{couleur}" font-family="DejaVu Sans, Arial, sans-serif"{extra}>'
        f"{escape(contenu)}</text>"
    )


def _legende(series: Sequence[Serie], y: float, ligne: Serie | None = None) -> list[str]:
    """Legend entries on one line, or two when they do not fit (the line ends on the second)."""
    entrees = [(s, False) for s in series] + ([(ligne, True)] if ligne is not None else [])
    largeurs = [28 + 5.9 * len(s.libelle) for s, _ in entrees]
    deux_lignes = MARGE_G + sum(largeurs) > LARGEUR - 8
    parts, x, rang = [], MARGE_G, 0
    for (s, est_ligne), largeur in zip(entrees, largeurs, strict=True):
        if deux_lignes and rang == 0 and x + largeur > LARGEUR - 8:
            x, rang = MARGE_G, 1
        yy = y - (14 if deux_lignes and rang == 0 else 0)
        if est_ligne:
            parts.append(
                f'<line x1="{x}" y1="{yy - 4}" x2="{x + 14}" y2="{yy - 4}" '
                f'stroke="{s.couleur}" stroke-width="2.5"/>'
            )
            parts.append(_texte(x + 18, yy, s.libelle, ancre="start", taille=10))
        else:
            parts.append(f'<rect x="{x}" y="{yy - 9}" width="10" height="10" fill="{s.couleur}"/>')
            parts.append(_texte(x + 14, yy, s.libelle, ancre="start", taille=10))
        x += largeur
    return parts


def _cadre(titre: str, corps: list[str]) -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {LARGEUR} {HAUTEUR}" '
        f'class="graphique" role="img" aria-label="{escape(titre)}" '
        f'preserveAspectRatio="xMidYMid meet"><title>{escape(titre)}</title>'
        + "".join(corps)
        + "</svg>"
    )


def barres(
    titre: str,
    etiquettes: Sequence[str],
    series: Sequence[Serie],
    *,
    empilees: bool = True,
    ligne: Serie | None = None,
    ligne_max: float | None = None,
    ligne_unite: str = "",
) -> SafeString:
    """Bars per category (stacked or side by side), optionally a line on a right-hand axis
    (for a rate) drawn over them."""
    n = max(len(etiquettes), 1)
    largeur_utile = LARGEUR - MARGE_G - MARGE_D
    hauteur_utile = HAUTEUR - MARGE_H - MARGE_B
    if empilees:
        maximum = max(
            [sum(float(s.valeurs[i] or 0) for s in series) for i in range(len(etiquettes))] or [0]
        )
    else:
        maximum = max([float(v or 0) for s in series for v in s.valeurs] or [0])
    pas = _pas(maximum)
    plafond = max(pas * math.ceil(maximum / pas), pas)
    corps: list[str] = []

    def y_de(v):
        return MARGE_H + hauteur_utile * (1 - float(v) / plafond)

    t = 0.0
    while t <= plafond + 1e-9:
        y = y_de(t)
        corps.append(
            f'<line x1="{MARGE_G}" y1="{y:.1f}" x2="{LARGEUR - MARGE_D}" y2="{y:.1f}" '
            f'stroke="#ddd" stroke-width="1"/>'
        )
        corps.append(_texte(MARGE_G - 6, y + 4, _nombre(t), ancre="end", taille=10))
        t += pas
    colonne = largeur_utile / n
    largeur_barre = colonne * 0.7
    for i, etiquette in enumerate(etiquettes):
        x0 = MARGE_G + colonne * i + (colonne - largeur_barre) / 2
        cumul = 0.0
        for k, s in enumerate(series):
            v = float(s.valeurs[i] or 0)
            if empilees:
                y_haut, y_bas = y_de(cumul + v), y_de(cumul)
                x, w = x0, largeur_barre
                cumul += v
            else:
                w = largeur_barre / len(series)
                x = x0 + k * w
                y_haut, y_bas = y_de(v), y_de(0)
            if v:
                corps.append(
                    f'<rect x="{x:.1f}" y="{y_haut:.1f}" width="{w:.1f}" '
                    f'height="{max(y_bas - y_haut, 0):.1f}" fill="{s.couleur}">'
                    f"<title>{escape(_valeur(f'{etiquette} · {s.libelle}', _nombre(v)))}</title>"
                    "</rect>"
                )
        if n <= 14 or i % math.ceil(n / 14) == 0:
            cx = MARGE_G + colonne * (i + 0.5)
            corps.append(
                _texte(
                    cx,
                    HAUTEUR - MARGE_B + 14,
                    etiquette,
                    taille=9,
                    extra=f' transform="rotate(-35 {cx:.1f} {HAUTEUR - MARGE_B + 14:.1f})"',
                    ancre="end",
                )
            )
    if ligne is not None:
        valeurs = [None if v is None else float(v) for v in ligne.valeurs]
        maxi = ligne_max or max([v for v in valeurs if v is not None] or [1]) or 1
        points = [
            (MARGE_G + colonne * (i + 0.5), MARGE_H + hauteur_utile * (1 - v / maxi))
            for i, v in enumerate(valeurs)
            if v is not None
        ]
        if points:
            corps.append(
                '<polyline fill="none" stroke="{}" stroke-width="2.5" points="{}"/>'.format(
                    ligne.couleur, " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                )
            )
            for (x, y), v in zip(points, [v for v in valeurs if v is not None], strict=True):
                corps.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{ligne.couleur}">'
                    f"<title>{escape(_valeur(ligne.libelle, f'{_nombre(v)}{ligne_unite}'))}</title>"
                    "</circle>"
                )
        for frac in (0, 0.25, 0.5, 0.75, 1):
            y = MARGE_H + hauteur_utile * (1 - frac)
            corps.append(
                _texte(
                    LARGEUR - MARGE_D + 6,
                    y + 4,
                    f"{_nombre(round(maxi * frac, 1))}{ligne_unite}",
                    ancre="start",
                    taille=10,
                    couleur=ligne.couleur,
                )
            )
    corps.extend(_legende(series, HAUTEUR - 6, ligne))
    return _cadre(titre, corps)


_INFOBULLE = re.compile(r"<title>[^<]*</title>")
_LIBELLE = re.compile(r'aria-label="([^"]*)"')


def pour_pdf(graphique) -> SafeString:
    """A chart for a PDF: without its hover texts (``<title>`` of every bar and point, a PDF
    has no pointer) and as an image (a data URI) rather than inline SVG, so WeasyPrint draws it
    without running the HTML style cascade over each of its nodes."""
    svg = _INFOBULLE.sub("", str(graphique))
    libelle = _LIBELLE.search(svg)
    source = base64.b64encode(svg.encode()).decode("ascii")
    return format_html(
        '<img class="graphique" alt="{}" src="data:image/svg+xml;base64,{}">',
        html.unescape(libelle.group(1)) if libelle else "",
        source,
    )
