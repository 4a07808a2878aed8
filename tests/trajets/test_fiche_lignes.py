"""The person page's stays table rows written in Python (``sections.lignes_passages``) are
the HTML the template loop they replaced wrote, escaping included."""

import datetime

from django.template import Context, Template

from cpas_isp.listes import url_par_pk
from cpas_isp.models import User
from trajets import sections
from trajets.models.phases import MotifSortie, PassagePhase

ANCIENNES_LIGNES = Template(
    """{% load i18n trajets_tags %}{% for p in passages %}<tr>
    <td><span class="badge {{ p.phase|classe_phase }}">{{ p.get_phase_display }}</span></td>
    <td>{{ p.debut|date:"d/m/Y" }}</td><td>{{ p.fin|date:"d/m/Y"|default:"…" }}</td>
    <td>{{ p.agent|default:"" }}</td>
    <td>{% if p.motif_sortie %}<span class="{{ p.motif_sortie.classe|classe_sortie }}">{{ p.motif_sortie.libelle }}</span>{% endif %}</td>
    <td class="text-end"><a href="{{ p.url_modifier }}">{% translate "corriger" %}</a></td>
  </tr>{% endfor %}"""  # noqa: E501
)


def test_stay_rows_are_the_template_s():
    agent = User(username="a<b>", first_name="Anne & Co", last_name="<Z>")
    passages = [
        PassagePhase(id=1, phase="emploi", debut=datetime.date(2025, 1, 2), agent=agent),
        PassagePhase(
            id=2,
            phase="alpha",
            debut=datetime.date(2023, 5, 6),
            fin=datetime.date(2024, 7, 8),
            motif_sortie=MotifSortie(
                libelle_fr="Emploi <trouvé>", libelle_nl="Werk <gevonden>", classe="positive"
            ),
        ),
        PassagePhase(id=3, phase="inconnue", debut=datetime.date(2020, 1, 1)),
    ]
    url = url_par_pk("trajets:passage_modifier", None)
    for p in passages:
        p.url_modifier = url(p.pk)
    attendu = ANCIENNES_LIGNES.render(Context({"passages": passages}))
    assert sections.lignes_passages(passages) == attendu
    assert "&lt;trouvé&gt;" in attendu
