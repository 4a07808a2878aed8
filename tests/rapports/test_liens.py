"""Dashboard figures link to their people: the cached URL prefix gives the same links."""

import base64
import datetime
import re

from django.urls import reverse
from django.utils.http import urlencode

from rapports.queries import PHASES, LigneParticipation
from rapports.tableaux import graphique_participation
from rapports.templatetags.rapports_tags import graphique_pdf, lien_nombre


def test_every_figure_links_to_its_filters_with_the_base_filters_first():
    liens = {"cpas": "a&b", "cellule": "emploi"}
    for _ in range(2):  # the second time from the cached prefix
        html = lien_nombre(1234, liens, "phase", phase="alpha", date=datetime.date(2025, 1, 31))
        query = urlencode({**liens, "indicateur": "phase", "phase": "alpha", "date": "2025-01-31"})
        url = f"{reverse('rapports:personnes')}?{query}".replace("&", "&amp;")
        assert f'href="{url}"' in html
        assert html.startswith("<a ") and html.endswith("</a>") and "1" in html
    # A figure overriding a base filter, an agent without one (None), no link for zero.
    assert "agent=aucun" in lien_nombre(3, liens, "charge", agent=None)
    assert "cellule=alpha" in lien_nombre(3, liens, "x", cellule="alpha")
    assert "href" not in lien_nombre(0, liens, "phase")
    assert "href" not in lien_nombre(5, None, "phase")


def test_pdf_charts_are_images_without_hover_texts():

    lignes = [
        LigneParticipation(datetime.date(2025, m, 28), 10, dict.fromkeys(PHASES, 1), 5)
        for m in (1, 2)
    ]
    graphique = graphique_participation(lignes)
    assert graphique.count("<title>") > 2  # one per bar and point on screen
    html = graphique_pdf(graphique)
    source = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    image = base64.b64decode(source).decode()
    assert image.startswith("<svg") and "<title>" not in image and "<rect" in image
    assert image.replace("<", "") == re.sub(r"<title>[^<]*</title>", "", graphique).replace("<", "")


def test_chart_tooltips_read_as_each_language_writes_them():
    """A bar's and a point's hover text: "label : value" in French, "label: value" in Dutch."""
    from django.utils import translation

    lignes = [
        LigneParticipation(datetime.date(2025, m, 28), 10, dict.fromkeys(PHASES, m), 5)
        for m in (1, 2)
    ]
    for langue, separateur in (("fr", r" : "), ("nl", r"[^ ]: ")):
        with translation.override(langue):
            graphique = graphique_participation(lignes)
        titres = re.findall(r"<title>([^<]*)</title>", graphique)[1:]  # after the chart's own
        assert titres and all(re.search(separateur, t) for t in titres), (langue, titres)
        assert any(re.search(f"{separateur}50 %$", t) for t in titres)  # the rate's points
