"""The audit table's row written in Python (``Evenement.ligne_html``) is the HTML the template
wrote cell by cell: same cells, escaping, masked values, in French and in Dutch."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import mark_safe

from cpas_isp.audit.evenements import Evenement

# The row as audit.html wrote it before (one iteration of its loop, without the trailing
# white space that stays in the template).
ANCIENNE_LIGNE = Template(
    """{% load i18n %}
    <tr>
      <td>{{ e.quand_texte }}</td>
      <td>{{ e.auteur|default:"—" }}</td>
      <td><code>{{ e.origine|default:"—" }}</code>{% if e.contexte.ip %} <span class="text-muted">{{ e.contexte.ip }}</span>{% endif %}</td>
      <td>{{ e.objet }}</td>
      <td>{{ e.personne|default:"—" }}</td>
      <td>{{ e.libelle_action }}</td>
      <td class="small">
        {% for champ, avant, apres in e.changements %}<div><strong>{{ champ }}</strong>{% if avant is None and apres is None %} <span class="text-muted valeur-masquee" title="{% translate 'Valeur confidentielle, non affichée' %}">({% translate "valeur confidentielle" %})</span>{% else %} : <span class="diff-old">{{ avant }}</span> → <span class="diff-new">{{ apres }}</span>{% endif %}</div>{% endfor %}
      </td>
    </tr>"""  # noqa: E501
)


def _evenement(**champs):
    e = Evenement(
        source=None,
        pgh_id=1,
        quand=datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC),
        action=champs.pop("action", "update"),
        obj_id=1,
        personne_id=None,
        contexte=champs.pop("contexte", {}),
        donnees={},
        avant=None,
    )
    for nom, valeur in champs.items():
        setattr(e, nom, valeur)
    return e


@pytest.mark.parametrize("langue", ["fr", "nl"])
@pytest.mark.parametrize(
    "e",
    [
        _evenement(),
        _evenement(
            action="insert",
            quand_texte="02/03/2026 10:30",
            auteur="Marie <b>Dupont</b>",
            origine="/beneficiaires/1/?a=1&b=2",
            contexte={"ip": "192.0.2.1", "user": 3},
            objet="Étape n° 4 · <script>alert(1)</script>",
            personne="D. M. n° 12",
        ),
        _evenement(
            action="update",
            auteur="Jean",
            origine="commande import",
            contexte={"ip": ""},
            objet="Personne n° 1",
            changements=[
                ("nom", "Dupont", "Du<pont>"),
                ("NISS", None, None),
                ("adresse", "∅", "Rue & Cie \"1\" 'b'"),
            ],
        ),
        _evenement(action="ajout", changements=[("note", None, None)]),
        # Markup already safe is kept as it is (as the template and format_html did).
        _evenement(
            objet=mark_safe("<em>Objet</em> &amp; co"),
            changements=[(mark_safe("<i>champ</i>"), "a<b", mark_safe("<b>b</b>"))],
        ),
    ],
)
def test_row_is_the_html_the_template_wrote(e, langue):
    with translation.override(langue):
        assert e.ligne_html == ANCIENNE_LIGNE.render(Context({"e": e}))
